#pragma once
// Attention entropy panel: per head, mean_i S_i^h (solid) and min_i S_i^h (dashed) against t, the
// maximum log n (dashed grey), and the selected token's entropy averaged over heads (white). GUI thread.
#include "render/PlotPanel.h"

#include <vector>

class QCPGraph;
class QCPItemStraightLine;

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

private:
    void rebuild(int H);

    QCustomPlot* m_plot;
    std::vector<SeriesBuffer> m_mean, m_min;
    std::vector<QCPGraph*> m_meanGraphs, m_minGraphs;
    SeriesBuffer m_selectedSeries;
    QCPGraph* m_selectedGraph = nullptr;
    QCPItemStraightLine* m_logN = nullptr;
    double m_logNValue = 0;
};

}  // namespace attnsphere::render
