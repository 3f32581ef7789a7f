#pragma once
// The phase diagram of a sweep: a heatmap of one statistic over (checkpoint time t across, the swept
// parameter up), a colour bar, axis labels, the equiangular theory's clustering time T(beta) overlaid
// and labelled "theory" where core says it applies, and an optional "you are here" marker. The same
// class draws the GUI's panel and the `sweep` command's phase.png and phase.pdf.
#include "core/Sweep.h"

#include <QImage>
#include <QPointF>
#include <QSize>
#include <QString>
#include <QWidget>

#include <optional>
#include <string>
#include <utility>
#include <vector>

class QCustomPlot;
class QCPColorMap;
class QCPColorScale;
class QCPGraph;
class QCPItemText;
class QCPTextElement;

namespace attnsphere::render {

// Writes DIR/phase.png and DIR/phase.pdf (clustered fraction, or the first recorded statistic) whole or
// not at all, and for a sweep recording the attention entropy DIR/entropy.png (EntropyProfile). Throws
// std::runtime_error naming the file on a write failure. Needs a QApplication (the offscreen platform will
// do).
void writePhaseFigures(const std::string& dir, const core::Sweep& sweep, const core::SweepResult& result);

// The widget behind the figures and the GUI's phase-diagram window. Rows are the values of the plotted
// axis (the first numeric one, else the first), columns the checkpoints; a sweep with more axes shows one
// slice, the other axes at the indices of setSlice (the figures: index 0 of each, named in the note).
// An axis spaced evenly on a log scale gets a log axis. GUI thread.
class PhasePlot : public QWidget {
    Q_OBJECT
public:
    explicit PhasePlot(QWidget* parent = nullptr);

    // Shows `result` of `sweep` (the default column, slice 0); the marker is kept.
    void setSweep(const core::Sweep& sweep, const core::SweepResult& result);
    bool hasSweep() const { return m_has; }
    const core::Sweep& sweep() const { return m_sweep; }
    const core::SweepResult& result() const { return m_result; }

    // The column of the result drawn as colour ("clustered_fraction" by default, else the first).
    void setColumn(int column);
    int column() const { return m_column; }
    static int defaultColumn(const core::SweepResult& result);

    // The axis drawn upwards: the first numeric axis, else the first; -1 for a sweep without axes.
    static int plottedAxis(const core::Sweep& sweep);
    int yAxisIndex() const { return m_yAxis; }
    bool logY() const { return m_rows.log; }
    // One index per axis of the sweep; the plotted axis's entry is ignored.
    void setSlice(const std::vector<int>& indices);
    const std::vector<int>& slice() const { return m_slice; }
    long long pointAtRow(int row) const;  // the grid point drawn in row `row` of the current slice
    int rowCount() const;
    // The note naming the fixed values of the other axes ("d = 8, n = 32"); empty for one axis.
    QString sliceNote() const;

    // An axis value as the plot and the window show it: 6 significant digits (a log axis's expanded values
    // are not round: 3.9999999999999982), strings as they are.
    static QString valueLabel(const core::SweepAxis& axis, std::size_t i);

    // "You are here": a marker at (t, value of the plotted axis); nullopt hides it.
    void setHere(std::optional<QPointF> tAndValue);
    std::optional<QPointF> here() const { return m_here; }

    // The grid point and checkpoint drawn at `pos` (widget coordinates of plot()); nothing outside.
    std::optional<std::pair<long long, int>> cellAt(const QPoint& pos) const;

    QCustomPlot* plot() const { return m_plot; }
    QCPColorMap* colourMap() const { return m_map; }
    QCPColorScale* colourScale() const { return m_scale; }
    // The theory curve: key = beta (upwards), value = T(beta) (across); empty and out of the legend where the
    // theory does not apply or T leaves the plotted time range.
    QCPGraph* theoryCurve() const { return m_theory; }
    QCPGraph* hereGraph() const { return m_hereGraph; }
    // A title row above the plot (the figures name the sweep).
    void setTitle(const QString& title);
    // The plot drawn into an image of `size` pixels, laid out at size / scale.
    QImage renderImage(QSize size, double scale = 1);

signals:
    // A left click on a cell (not a drag).
    void cellClicked(long long point, int checkpoint);

private:
    void rebuild();
    void updateTheory();
    bool eventFilter(QObject* watched, QEvent* event) override;

    QCustomPlot* m_plot;
    QCPColorMap* m_map;
    QCPColorScale* m_scale;
    QCPGraph* m_theory;
    QCPGraph* m_hereGraph;
    QCPItemText* m_note;
    QCPTextElement* m_title = nullptr;
    core::Sweep m_sweep;
    core::SweepResult m_result;
    bool m_has = false;
    int m_column = 0;
    int m_yAxis = -1;
    std::vector<int> m_slice;
    // Cells of the colour map: the checkpoint or row each column or row of cells shows (an uneven grid is
    // resampled to nearest values on an even one).
    struct CellGrid {
        std::vector<int> source;  // per cell: the index into the values it shows
        double lo = 0, hi = 1;    // centres of the first and last cell
        bool log = false;         // evenly spaced in log(value)
    };
    CellGrid m_columns, m_rows;
    std::optional<QPointF> m_here;
    QPoint m_pressPos;
};

// The attention entropy against the plotted axis of a sweep (slice 0 of the other axes), one curve at the
// first checkpoint and one at the last, with log n (uniform attention) dashed: e.g. entropy against the
// QK spectrum's variance. The sweep must record `entropy`. GUI thread.
class EntropyProfile : public QWidget {
    Q_OBJECT
public:
    EntropyProfile(const core::Sweep& sweep, const core::SweepResult& result, QWidget* parent = nullptr);
    QCustomPlot* plot() const { return m_plot; }
    QCPGraph* curve(int k) const { return m_curves.at(static_cast<std::size_t>(k)); }  // 0: first, 1: last
    double logN() const { return m_logN; }  // of the largest n of the grid
    QImage renderImage(QSize size, double scale = 1);

private:
    QCustomPlot* m_plot;
    std::vector<QCPGraph*> m_curves;
    double m_logN = 0;
};

}  // namespace attnsphere::render
