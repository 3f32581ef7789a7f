#pragma once
// Shared pieces of the live panels: a bounded, decimated time series, the dark plot style, and a base
// widget whose QCustomPlots export to PNG/PDF from their context menu and zoom/pan with the mouse.
// GUI thread only. Panels take every frame (addFrame: cheap bookkeeping) and redraw on refresh().
// The same panel draws itself into an image for video frames (renderImage), never shown.
#include "core/Frame.h"

#include <QImage>
#include <QSize>
#include <QVector>
#include <QWidget>

#include <memory>
#include <optional>
#include <vector>

namespace attnsphere::app {
class Pacer;
}

class QCustomPlot;
class QCPAbstractPlottable;
class QCPGraph;
class QCPItemText;
class QCPItemStraightLine;

namespace attnsphere::render {

// Time series with a fixed maximum length: when full, every other point is dropped, so the whole run
// stays visible at decreasing resolution (memory and draw cost stay bounded).
class SeriesBuffer {
public:
    explicit SeriesBuffer(int maxPoints = 3000) : m_max(maxPoints) {}
    void append(double key, double value);
    void clear();
    const QVector<double>& keys() const { return m_keys; }
    const QVector<double>& values() const { return m_values; }
    int size() const { return static_cast<int>(m_keys.size()); }
    // Assigns the data to a graph in one call (sorted keys: no re-sorting).
    void assignTo(QCPGraph* graph) const;

private:
    int m_max;
    int m_stride = 1, m_skipped = 0;
    QVector<double> m_keys, m_values;
};

class PlotPanel : public QWidget {
    Q_OBJECT
public:
    explicit PlotPanel(QWidget* parent = nullptr);
    // Take a published frame (cheap: appends to histories). Panels reset themselves when time goes
    // backwards or n, H change (a reset or a new scenario).
    virtual void addFrame(const core::Frame& frame) = 0;
    // Redraw with the frames taken since the last refresh.
    virtual void refresh() = 0;
    virtual void setSelectedToken(int index);
    int selectedToken() const { return m_selected; }
    // The plots whose x axis is simulated time: the time cursor, edit markers and overlays (ghosts,
    // abandoned branches, compared runs) apply to these.
    virtual std::vector<QCustomPlot*> timePlots() const { return {}; }
    // Shows the instantaneous parts of a panel (bars of the current frame, heatmaps) for `frame`
    // without adding it to the time series: a moment of the history the user scrubbed to.
    virtual void showFrame(const core::Frame& frame);

    // Time cursor: a vertical line at t on every time plot (the moment shown); nullopt hides it.
    void setTimeCursor(std::optional<double> t);
    std::optional<double> timeCursor() const { return m_cursorT; }
    // Edit markers: a thin vertical line at t with a short label (e.g. "β 3 → 10") on every time plot.
    // They survive the panel's own resets (a fork goes back in time); the owner clears them.
    void addEditMarker(double t, const QString& label);
    void clearEditMarkers();
    int editMarkerCount() const { return static_cast<int>(m_markers.size()); }

    // Overlays: another set of this panel's curves drawn under its own, in `style` and faded by
    // `alpha` (0-255), named by one legend key. Used for ghosts of the curves before an edit, the
    // abandoned branch after a fork, and the other runs of a comparison. They survive resets.
    int addOverlay(const QString& name, Qt::PenStyle style, int alpha);
    // Replaces overlay `id`'s curves with those `source` (a panel of the same class) shows now; the
    // data is shared with the source until it changes, so calling this on every refresh is cheap.
    void setOverlayData(int id, const PlotPanel& source);
    // A snapshot of this panel's own curves as a new overlay; returns its id.
    int keepAsOverlay(const QString& name, Qt::PenStyle style, int alpha);
    void removeOverlay(int id);
    void clearOverlays();
    int overlayCount() const { return static_cast<int>(m_overlays.size()); }
    // The curves of overlay `id` on time plot `plot` (for tests).
    std::vector<QCPGraph*> overlayGraphs(int id, int plot) const;
    // The panel with the frames taken so far, drawn into an image of `size` pixels as its dock shows it:
    // laid out at size / scale, so text and lines grow with `scale`. A panel that is not shown then
    // stops queueing redraws of its own (the image is drawn directly).
    QImage renderImage(QSize size, double scale);
    // Brings every plot of the panel to the current display style (render/DisplayStyle.h) and redraws:
    // fonts and line widths scaled, colours of the theme. The panels build their plots in the dark
    // theme's colours at the normal size; each element keeps those as its base, so restyling is
    // repeatable in any order. Runs by itself before a redraw when the style or the plot's elements changed.
    virtual void applyDisplayStyle();
    static void applyDisplayStyle(QCustomPlot* plot, bool force = false);

    static void styleAxes(QCustomPlot* plot, const QString& xLabel, const QString& yLabel);
    static QCustomPlot* makePlot(QWidget* parent, const QString& xLabel, const QString& yLabel);
    // Rescales to the data unless the user zoomed or panned (context menu "Fit to data" re-enables).
    // A single instant (step 0) gets the time range [t, t + 1], not QCustomPlot's [t - 10, t + 10].
    static void autoRange(QCustomPlot* plot);
    // The legend as a row above the axis rect (never over the data), wrapped to the plot's width.
    static void placeLegendAbove(QCustomPlot* plot);
    static void wrapLegend(QCustomPlot* plot);
    // y ticks spaced for the plot's height, so the labels of short plots do not overlap.
    static void fitTickCount(QCustomPlot* plot);
    // Lays the plot out for its current viewport and, where the tick labels of an axis would still
    // overlap (large fonts, a short axis), asks for fewer ticks until they do not; notes in the plot wider
    // than it are wrapped. Runs before each draw.
    static void separateTickLabels(QCustomPlot* plot);
    // In presentation, a legend above the plot takes at most this share of the plot's height: theory
    // entries are merged into one "theory" key first, then the last entries are left out.
    static constexpr double kLegendShare = 0.3;
    // In presentation, every plot shown keeps an axis rect at least this tall (pixels of the panel's
    // layout); the panel's later plots are hidden when there is no room for them.
    static constexpr int kMinAxisRectHeight = 120;
    // Finite values beyond core::kPlottableMagnitude flatten the plot to a line at 0: they are left
    // out and a label in the plot says so.
    static bool plottable(double value);
    static QCPItemText* makeNotPlottedLabel(QCustomPlot* plot, const QString& quantity);
    // A legend entry for a line style (no data): what solid, dashed or shaded means in this plot.
    static QCPGraph* addStyleKey(QCustomPlot* plot, const QString& name, const QPen& pen,
                                 const QBrush& brush = Qt::NoBrush);

signals:
    void tokenSelected(int index);

protected:
    void resizeEvent(QResizeEvent* event) override;
    // Shows the panel's plots that fit at kMinAxisRectHeight (the first always; other stretching widgets
    // give way to it) in presentation, all of
    // them otherwise; returns whether any plot's visibility or minimum height changed.
    bool fitPlots();
    bool needsReset(const core::Frame& frame);
    // Removes the panel's own graphs and plottables from `plot` (a reset), keeping overlays, their
    // legend keys, the cursor and the markers.
    static void clearOwnPlottables(QCustomPlot* plot);
    // Redraws the plot on the next event loop pass, unless the panel is only drawn into images.
    void queueReplot(QCustomPlot* plot) const;
    int m_selected = -1;
    double m_lastT = -1;
    int m_lastN = -1, m_lastH = -1;
    bool m_dirty = false;
    bool m_offscreen = false;

private:
    struct Overlay {
        int id;
        QString name;
        Qt::PenStyle style;
        int alpha;
        std::vector<std::vector<QCPGraph*>> graphs;  // per time plot
        std::vector<QCPGraph*> keys;                 // legend key per time plot with a legend
    };
    Overlay* findOverlay(int id);
    // Makes overlay `o` show `curves` (per time plot: the source graphs to mirror); `copy` snapshots.
    void mirror(Overlay& o, const std::vector<std::vector<const QCPGraph*>>& curves, bool copy);
    std::vector<std::vector<const QCPGraph*>> ownCurves() const;
    void replotTimePlots();

    std::optional<double> m_cursorT;
    std::vector<QCPItemStraightLine*> m_cursorLines;
    // Cursor moves replot at most kCursorHz times a second (a scrub sends one per mouse event, and a
    // fast mouse or touchpad sends more than 100 a second); the last position is always drawn. At 30 Hz
    // the scrub benchmark's cursor replots fell below 20 per second.
    static constexpr double kCursorHz = 60;
    app::Pacer* m_cursorReplot;
    struct Marker {
        double t;
        std::vector<QCPItemStraightLine*> lines;
        std::vector<QCPItemText*> labels;
    };
    std::vector<Marker> m_markers;
    std::vector<Overlay> m_overlays;
    int m_nextOverlay = 1;
    int m_styledRevision = -1;  // the displayStyleRevision() the panel was last styled for
};

QPen plotPen(const QColor& colour, Qt::PenStyle style = Qt::SolidLine);
// Sets a plottable's pen given in the normal display's terms (dark theme, normal width): the pen kept as
// its base and drawn as the display style shows it.
void setBasePen(QCPAbstractPlottable* plottable, const QPen& pen);

}  // namespace attnsphere::render
