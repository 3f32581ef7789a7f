#pragma once
// Attention entropy panel: per head, mean_i S_i^h (solid) and min_i S_i^h (dotted) against t, the
// maximum log n (dashed grey), the selected token's entropy averaged over heads (white), and where the
// equiangular theory applies its S(rho(t)) per head (dashed, "theory"; doc/MODEL.md §8). GUI thread.
#include "render/PlotPanel.h"

#include <vector>

class QCPGraph;
class QCPItemStraightLine;
class QCPItemText;

namespace attnsphere::render {

class EntropyPanel : public PlotPanel {
    Q_OBJECT
public:
    explicit EntropyPanel(QWidget* parent = nullptr);
    void addFrame(const core::Frame& frame) override;
    void refresh() override;
    std::vector<QCustomPlot*> timePlots() const override { return {m_plot}; }
    void setSelectedToken(int index) override;

    QCustomPlot* plot() const { return m_plot; }
    double logNLine() const;
    // S(rho(t)) of head h (doc/MODEL.md §8), and the label shown out of the theory's regime.
    QCPGraph* theoryGraph(int h) const { return m_theoryGraphs.at(static_cast<std::size_t>(h)); }
    QCPItemText* regimeLabel() const { return m_regime; }

private:
    void rebuild(int H);

    QCustomPlot* m_plot;
    std::vector<SeriesBuffer> m_mean, m_min;
    std::vector<SeriesBuffer> m_theory;
    std::vector<QCPGraph*> m_meanGraphs, m_minGraphs, m_theoryGraphs;
    QCPGraph* m_theoryKey = nullptr;
    QCPItemText* m_regime = nullptr;
    std::shared_ptr<const core::TheoryOverlay> m_overlay;
    SeriesBuffer m_selectedSeries;
    QCPGraph* m_selectedGraph = nullptr;
    QCPItemStraightLine* m_logN = nullptr;
    double m_logNValue = 0;
};

}  // namespace attnsphere::render
