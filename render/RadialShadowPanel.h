#pragma once
// Radial shadows (doc/MODEL.md §4): per head mean_i |r_i^h| (solid) and max_i |r_i^h| (dashed)
// against t; the radial-dominance margins D_h with the zero line, negative stretches shaded; and a bar
// view of r_i^h per token for the current frame. The selected token: its mean_h |r_i^h| against t (white)
// and its slot in the bar view outlined. GUI thread.
#include "render/PlotPanel.h"

#include <array>
#include <vector>

class QCPGraph;
class QCPBars;
class QCPBarsGroup;
class QCPItemRect;

namespace attnsphere::render {

class RadialShadowPanel : public PlotPanel {
    Q_OBJECT
public:
    explicit RadialShadowPanel(QWidget* parent = nullptr);
    void addFrame(const core::Frame& frame) override;
    void refresh() override;
    std::vector<QCustomPlot*> timePlots() const override { return {m_shadow, m_margin}; }

    QCustomPlot* shadowPlot() const { return m_shadow; }
    QCustomPlot* marginPlot() const { return m_margin; }
    QCustomPlot* barPlot() const { return m_bars; }
    void setSelectedToken(int index) override;
    void showFrame(const core::Frame& frame) override;
    // The bars' values as drawn: r_i^h of the frame shown (for tests).
    const QVector<double>& barValues(int h) const { return m_currentRadial[static_cast<std::size_t>(h)]; }
    // The selected token's outline in the bar view and its series in the shadow plot (for tests).
    QCPItemRect* selectionHighlight() const { return m_highlight; }
    QCPGraph* selectedGraph() const { return m_selectedGraph; }
    // The "beyond 1e300 — not plotted" notes of the three plots (for tests).
    QCPItemText* notPlottedLabel(int plot) const { return m_beyond[static_cast<std::size_t>(plot)]; }

private:
    void rebuild(int H, int n);
    void takeBars(const core::Frame& frame);  // the bar view of `frame`

    QCustomPlot* m_shadow;
    QCustomPlot* m_margin;
    QCustomPlot* m_bars;
    std::vector<SeriesBuffer> m_meanAbs, m_maxAbs, m_d, m_dNegative;
    std::vector<QCPGraph*> m_meanGraphs, m_maxGraphs, m_dGraphs, m_dNegativeGraphs;
    std::vector<QCPBars*> m_barSets;
    std::vector<QCPGraph*> m_impulses;  // instead of bars when there are too many to draw as rectangles
    QCPBarsGroup* m_group = nullptr;
    std::vector<QVector<double>> m_currentRadial;
    QVector<double> m_tokenKeys;
    SeriesBuffer m_selectedSeries;
    QCPGraph* m_selectedGraph = nullptr;
    QCPItemRect* m_highlight = nullptr;
    std::array<QCPItemText*, 3> m_beyond{};  // shadow, margin, bars
    std::array<bool, 3> m_beyondSeen{};
};

}  // namespace attnsphere::render
