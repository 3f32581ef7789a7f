#pragma once
// The live 3D view: a VTK render window hosted by Qt6 OpenGL (doc/ARCHITECTURE.md, Platform facts) that shows
// the newest published Frame through a SceneRenderer. The GL surface is a QOpenGLWindow in a window
// container, so the rest of the main window keeps Qt's raster backing store instead of a full-window GL
// composition on every panel update (doc/ARCHITECTURE.md). Owns its VTK objects (pimpl: no VTK type in this
// header). GUI thread only; frames arrive as shared immutable snapshots and only the newest is kept.
#include "core/Frame.h"
#include "core/Manipulation.h"
#include "render/SceneRenderer.h"

#include <QElapsedTimer>
#include <QImage>
#include <QWidget>

#include <memory>
#include <optional>
#include <vector>

class QMouseEvent;
class QWheelEvent;
class QWindow;

namespace attnsphere::app {
class Pacer;
}

namespace attnsphere::ui {

class SphereView : public QWidget {
    Q_OBJECT
public:
    explicit SphereView(QWidget* parent = nullptr);
    ~SphereView() override;
    // Must run before the QApplication exists: OpenGL 3.2 core, depth 24, stencil 8, alpha 8, no MSAA,
    // shared contexts (doc/ARCHITECTURE.md, Platform facts).
    static void prepareOpenGl();

    // Newest frame wins: an older one still waiting for a repaint is dropped.
    void showFrame(std::shared_ptr<const core::Frame> frame);
    std::shared_ptr<const core::Frame> currentFrame() const { return m_pending ? m_pending : m_shown; }

    render::SceneStyle style() const { return m_style; }
    core::Camera camera() const;  // what the user currently looks from (recording, sessions)
    void setStyle(const render::SceneStyle& style);
    int selectedToken() const { return m_selected; }
    QString projectionLabel() const;
    // Lifts the projection label this many widget pixels off the bottom (an overlay covers the bottom).
    void setLabelLift(int pixels);
    QColor tokenColour(int i) const;
    // Where token i is drawn, in this widget's coordinates; (-1, -1) if it is not shown.
    QPointF tokenPosition(int i) const;

    // What a left drag does: rotate the camera, drag the token under the cursor, or add a token where the
    // cursor meets the sphere. Ctrl+drag on a token drags it in every tool, so rotation stays on plain drags.
    enum class Tool { Rotate, DragToken, AddToken };
    Tool tool() const { return m_tool; }
    void setTool(Tool tool);
    // Co-moving frame: frames are shown rotated by the minimal rotation taking the tokens' mean direction
    // to the one it had when the option was switched on (core::CoMovingFrame), so a drifting cluster
    // holds still.
    bool coMoving() const { return m_coMoving; }
    void setCoMoving(bool on);
    // Drag geometry (core/Manipulation.h) at a point of this widget: where token i goes when the mouse is
    // there (the camera ray meets the sphere of the token's shown radius), and the point of the unit
    // sphere under it (add token); both in the simulation's coordinates (the co-moving rotation undone).
    // Empty without a frame.
    std::optional<core::Vector> dragTargetAt(int token, QPointF widgetPos) const;
    std::optional<core::Vector> sphereAt(QPointF widgetPos) const;
    int draggedToken() const { return m_dragged; }

    void setMaxFps(double fps);  // repaint cap (default 30)
    // Paint durations (ms) and intervals between paints (ms) since the last call; for the benchmark.
    std::vector<double> takePaintTimes();
    std::vector<double> takePaintIntervals();
    long long paintCount() const { return m_paintCount; }
    // The rendered picture (the GL window's framebuffer), and the native GL window (for input in tests).
    QImage grabFramebuffer();
    // The current frame as this view shows it (camera, style, trails, selection) at any size up to
    // 3840×2160, rendered offscreen; sizes scale with the image height. Null image without a frame.
    QImage renderImage(QSize size, bool transparent) const;
    QWindow* glWindow() const;

public slots:
    void setSelectedToken(int index);
    void resetCamera();
    void setViewPreset(attnsphere::render::ViewPreset preset);
    void setCamera(const attnsphere::core::Camera& camera);
    void resetTrails();

signals:
    void tokenClicked(int index);  // -1 when the click hit no token
    // Direct manipulation: a token drag starts, moves (position: the token's new state) and ends; a click
    // with the Add token tool asks for a token at `position`.
    void tokenDragStarted(int index);
    void tokenDragged(int index, const attnsphere::core::Vector& position);
    void tokenDragFinished(int index);
    void addTokenRequested(const attnsphere::core::Vector& position);
    // The user moved the camera (drag, wheel, preset, reset); for session recording.
    void cameraChanged(const attnsphere::core::Camera& camera);
    // The camera moved for any reason (also during a drag, and by setCamera): for views that follow it
    // (a comparison's linked cameras), at once rather than on a timer.
    void cameraMoved();

private:
    struct Vtk;
    class GlWindow;
    friend class GlWindow;
    void initializeGl();
    void resizeGl(int w, int h);
    void paintGl();
    void mousePress(QMouseEvent* e);
    void mouseRelease(QMouseEvent* e);
    void mouseMove(QMouseEvent* e);
    void wheel(QWheelEvent* e);
    void mouseDoubleClick(QMouseEvent* e);
    void requestRepaint();  // soon, but no sooner than the fps cap after the last paint
    void onTick();
    void forwardMouse(QMouseEvent* e, unsigned long vtkEvent);
    void releaseGraphics();
    // Widget point to VTK display pixel (origin bottom-left, device pixels).
    QPointF toDisplay(QPointF widgetPos) const;
    std::optional<Eigen::Vector3d> rayOnSphere(QPointF widgetPos, double radius) const;

    GlWindow* m_window;
    std::unique_ptr<Vtk> m_vtk;
    render::SceneStyle m_style;
    std::shared_ptr<const core::Frame> m_pending, m_shown;
    int m_selected = -1;
    Tool m_tool = Tool::Rotate;
    int m_dragged = -1;
    bool m_coMoving = false;
    core::CoMovingFrame m_coMovingFrame;
    std::shared_ptr<const core::Frame>
        m_raw;  // the newest frame as published (before the co-moving rotation)
    bool m_dirty = true;
    bool m_updateRequested = false;  // update() asked for, paintGL not yet run
    bool m_initialised = false;
    app::Pacer* m_pacer;  // repaint requests, at most the fps cap
    QPoint m_pressPos;
    QElapsedTimer m_pressTime, m_sinceLastPaint;
    std::vector<double> m_paintTimes, m_paintIntervals;
    long long m_paintCount = 0;
};

}  // namespace attnsphere::ui

// Direct manipulation signals carry positions (queued connections and QSignalSpy need the metatype).
Q_DECLARE_METATYPE(attnsphere::core::Vector)
