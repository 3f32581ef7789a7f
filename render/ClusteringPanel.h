#pragma once
// Clustering panel (doc/MODEL.md §6, §8, §11): against t, the mean cosine rho_bar, the order parameter R,
// the clustered-pair fraction and (below) the cluster counts, with the exact theory's curves dashed
// ("theory") wherever the run is in its regime and a label saying why not where it is not. The log view
// shows 1 - rho_bar and the diameter on a log axis with their fitted exponential rates. GUI thread.
#include "core/TheoryOverlay.h"
#include "render/PlotPanel.h"

#include <functional>
#include <optional>
#include <vector>

class QCheckBox;
class QCPGraph;
class QCPItemText;

namespace attnsphere::render {

class ClusteringPanel : public PlotPanel {
    Q_OBJECT
public:
    explicit ClusteringPanel(QWidget* parent = nullptr);
    void addFrame(const core::Frame& frame) override;
    void refresh() override;
    std::vector<QCustomPlot*> timePlots() const override { return {m_plot, m_countPlot}; }

    // Log view: 1 - rho_bar and the diameter on a logarithmic axis, with fitted rates.
    void setLogScale(bool on);
    bool logScale() const { return m_log; }

    QCustomPlot* plot() const { return m_plot; }
    QCustomPlot* countPlot() const { return m_countPlot; }
    // The graph with this legend name (nullptr if none), for tests and tooltips.
    QCPGraph* graph(const QString& name) const;
    // Fits of the log view (doc/MODEL.md §6), as of the last refresh in log view.
    const std::optional<core::ExponentialFit>& gapFit() const { return m_gapFit; }
    const std::optional<core::ExponentialFit>& diameterFit() const { return m_diameterFit; }
    QCPItemText* regimeLabel() const { return m_regime; }
    QCPItemText* fitLabel() const { return m_fitText; }

private:
    struct Curve {
        QCPGraph* graph = nullptr;
        bool log = false;  // shown in the log view (else in the linear one)
        std::function<double(const core::Frame&)> value;
        SeriesBuffer data;
        bool seen = false;  // has had a finite value: drawn and in the legend
    };
    void rebuild(int H);
    // Returns the curve's index in m_curves.
    int addCurve(QCustomPlot* plot, const QString& name, const QPen& pen, bool log, const QString& formula,
                 std::function<double(const core::Frame&)> value);
    void updateFits();

    QCustomPlot* m_plot;
    QCustomPlot* m_countPlot;
    QCheckBox* m_logBox;
    std::vector<Curve> m_curves;
    int m_gap = -1, m_diameter = -1;  // the log view's simulated series (fitted)
    QCPGraph* m_gapFitGraph = nullptr;
    QCPGraph* m_diameterFitGraph = nullptr;
    QCPItemText* m_regime = nullptr;
    QCPItemText* m_fitText = nullptr;
    std::optional<core::ExponentialFit> m_gapFit, m_diameterFit;
    std::shared_ptr<const core::TheoryOverlay> m_overlay;
    bool m_log = false;
};

}  // namespace attnsphere::render
