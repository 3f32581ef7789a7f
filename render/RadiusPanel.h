#pragma once
// Radius panel: mean, minimum and maximum over tokens of the radius r_i = |x_i| against t (Pre-LN and
// Peri-LN, doc/MODEL.md §2.1; 1 on the sphere otherwise), with a logarithmic axis option. GUI thread.
#include "render/PlotPanel.h"

class QCheckBox;
class QCPGraph;

namespace attnsphere::render {

class RadiusPanel : public PlotPanel {
    Q_OBJECT
public:
    explicit RadiusPanel(QWidget* parent = nullptr);
    void addFrame(const core::Frame& frame) override;
    void refresh() override;
    std::vector<QCustomPlot*> timePlots() const override { return {m_plot}; }

    QCustomPlot* plot() const { return m_plot; }
    void setLogAxis(bool log);
    bool logAxis() const;

private:
    void rebuild();

    QCustomPlot* m_plot;
    QCheckBox* m_log;
    SeriesBuffer m_mean, m_min, m_max;
    bool m_unitRadii = true;  // every radius so far exactly 1 (Post-LN, nGPT)
    QCPGraph* m_meanGraph = nullptr;
    QCPGraph* m_minGraph = nullptr;
    QCPGraph* m_maxGraph = nullptr;
};

}  // namespace attnsphere::render
