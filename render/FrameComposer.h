#pragma once
// Lays out one video frame: the rendered 3D view, optional panels beside it and burned-in overlays (t,
// beta, n, d, H, kernel, title) sized relative to the frame height. The panels are the GUI's own panel
// classes (PanelRegistry), kept hidden, fed every frame and drawn into their cells at a scale that keeps
// their text legible at the frame's resolution. Needs a QApplication (widgets, fonts); one thread.
#include "core/Frame.h"

#include <QImage>
#include <QRect>
#include <QSize>
#include <QString>
#include <QStringList>

#include <memory>
#include <vector>

class QPainter;

namespace attnsphere::render {

class ComparisonPanels;
class PlotPanel;

struct CompositionOptions {
    QSize size{1280, 720};
    QStringList panels;    // subset of panelIds() (render/PanelRegistry.h), in display order
    QStringList overlays;  // subset of overlayNames()
    QString title;         // the title overlay's text; empty: the frame's scenario name
    bool transparent = false;
    // The names of compared runs (2-4; empty for a single run): the view is split into one tile per
    // run and the panels draw the other runs' curves as overlays (ComparisonPanels).
    QStringList runs;
};

class FrameComposer {
public:
    explicit FrameComposer(CompositionOptions options);
    ~FrameComposer();
    FrameComposer(const FrameComposer&) = delete;
    FrameComposer& operator=(const FrameComposer&) = delete;

    static QStringList overlayNames();  // t, beta, n, d, H, kernel, title
    // The frame's values named in `overlays` on one line ("t = 1.20    β = 4"); the title is not in it.
    static QString overlayLine(const QStringList& overlays, const core::Frame& frame);

    // Where the 3D view goes (the whole frame without panels).
    QRect viewRect() const { return m_view; }
    // Where panel i goes (below its title bar), and the scale it is drawn at (its layout is that size
    // divided by it).
    QRect panelRect(int i) const { return m_panelRects[static_cast<std::size_t>(i)]; }
    double panelScale() const { return m_panelScale; }
    PlotPanel* panel(int i) const { return m_panels[static_cast<std::size_t>(i)].get(); }
    // What the frames must carry for the chosen panels.
    bool needsObservables() const;
    bool needsAttention() const;

    // Gives the frame to the panels (they keep their own bounded histories).
    void addFrame(const core::Frame& frame);
    // A comparison: one frame per run (CompositionOptions::runs), in run order.
    void addFrames(const std::vector<const core::Frame*>& frames);
    // The grid of a comparison's views in `area`: the columns (width) and rows (height) that give each
    // of `count` tiles the largest square.
    static QSize tileGrid(int count, QSize area);
    // Where run k's view goes inside `area` (tileGrid's cells; a tile is never taller than wide).
    static std::vector<QRect> tileRects(QRect area, int count);
    // The view image of a comparison: each run's view (tileRects(viewRect()) sizes) placed with its
    // run's name below it (or at its top when the grid leaves no room).
    QImage tileViews(const std::vector<QImage>& tiles) const;
    // The final frame: view image (viewRect().size()) placed, panels drawn, the frame's own description
    // (time, beta, sizes, kernel, scenario name) burned in as overlays.
    QImage compose(const QImage& view, const core::Frame& frame) const;

private:
    void drawOverlays(QPainter& p, const core::Frame& frame) const;

    CompositionOptions m_options;
    QRect m_view;
    std::vector<QRect> m_panelRects, m_titleRects;
    QStringList m_titles;
    std::vector<std::unique_ptr<PlotPanel>> m_panels;
    std::vector<std::unique_ptr<ComparisonPanels>> m_runPanels;  // per panel, for a comparison
    double m_panelScale = 1;
    mutable QImage m_buffer;  // the composed frame, reused
};

}  // namespace attnsphere::render
