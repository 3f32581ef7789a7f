#pragma once
// Radial shadows (math.md "Decisions", §4): per head mean_i |r_i^h| (solid) and max_i |r_i^h| (dashed)
// against t; the radial-dominance margins D_h with the zero line, negative stretches shaded; and a bar
// view of r_i^h per token for the current frame. GUI thread.
#include "ui/PlotPanel.h"

#include <vector>

class QCPGraph;
class QCPBars;
class QCPBarsGroup;

namespace attnsphere::ui {

class RadialShadowPanel : public PlotPanel {
    Q_OBJECT
public:
    explicit RadialShadowPanel(QWidget* parent = nullptr);
    void addFrame(const core::Frame& frame) override;
    void refresh() override;

    QCustomPlot* shadowPlot() const { return m_shadow; }
    QCustomPlot* marginPlot() const { return m_margin; }
    QCustomPlot* barPlot() const { return m_bars; }

private:
    void rebuild(int H);

    QCustomPlot* m_shadow;
    QCustomPlot* m_margin;
    QCustomPlot* m_bars;
    std::vector<SeriesBuffer> m_meanAbs, m_maxAbs, m_d, m_dNegative;
    std::vector<QCPGraph*> m_meanGraphs, m_maxGraphs, m_dGraphs, m_dNegativeGraphs;
    std::vector<QCPBars*> m_barSets;
    QCPBarsGroup* m_group = nullptr;
    std::vector<QVector<double>> m_currentRadial;
    QVector<double> m_tokenKeys;
};

}  // namespace attnsphere::ui
