#pragma once
// The value-softmax model's pictures (doc/MODEL.md §13): per map a bar chart of the weights p over the
// tokens, side by side; below, over time and all maps overlaid, the entropy of the weights with log n
// marked, |V|_F and the largest column norm, and the loss. A widget in the GUI's polarisation window that
// also draws into an image (video frames, screenshots), like the panels. GUI thread only.
#include "core/Polarisation.h"
#include "render/PlotPanel.h"

#include <QImage>
#include <QWidget>

#include <vector>

class QCustomPlot;
class QCPBars;
class QCPGraph;
class QCPItemText;
class QCPItemStraightLine;

namespace attnsphere::render {

// The colour of a map, the same in every plot.
QColor polarMapColour(core::PolarMap map);

class PolarisationPlots : public QWidget {
    Q_OBJECT
public:
    explicit PolarisationPlots(const core::PolarisationSpec& spec, QWidget* parent = nullptr);
    // Forgets the frames and rebuilds for `spec` (its maps and n).
    void reset(const core::PolarisationSpec& spec);
    // One frame per map, in the file's order, at one time.
    void addFrames(const std::vector<core::PolarFrame>& frames);
    void refresh();  // redraw with the frames added since the last refresh
    // The plots laid out at `size` / `scale` and drawn into an image of `size` pixels.
    QImage renderImage(QSize size, double scale = 1);

    int frameCount() const { return m_frames; }
    QCustomPlot* barPlot(int map) const { return m_bars.at(static_cast<std::size_t>(map)).plot; }
    QCustomPlot* entropyPlot() const { return m_entropy; }
    QCustomPlot* normPlot() const { return m_norms; }
    QCustomPlot* lossPlot() const { return m_loss; }
    std::vector<QCustomPlot*> plots() const;

private:
    struct Bars {
        QCustomPlot* plot = nullptr;
        QCPBars* bars = nullptr;
        QCPItemText* label = nullptr;
    };
    struct Series {
        SeriesBuffer entropy, valueNorm, maxColumn, loss;
        QCPGraph *entropyGraph = nullptr, *valueNormGraph = nullptr, *maxColumnGraph = nullptr,
                 *lossGraph = nullptr;
    };
    void build();
    core::PolarisationSpec m_spec;
    std::vector<Bars> m_bars;
    std::vector<Series> m_series;
    std::vector<core::PolarFrame> m_last;
    QCustomPlot *m_entropy = nullptr, *m_norms = nullptr, *m_loss = nullptr;
    QCPItemStraightLine* m_logN = nullptr;
    QCPItemText* m_logNLabel = nullptr;
    QWidget *m_barRow = nullptr, *m_timeRow = nullptr;
    int m_frames = 0;
};

}  // namespace attnsphere::render
