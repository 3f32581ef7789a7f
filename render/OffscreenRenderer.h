#pragma once
// Renders the sphere scene of a Frame into a QImage of exactly the requested size, independent of any
// window (doc/ARCHITECTURE.md, Platform facts): a VTK render window drawing into offscreen framebuffers
// (needs an X display, e.g. Xvfb), with a SceneRenderer inside. Owns its VTK objects; use from one thread
// only (the GUI thread in the app, the only thread in `attnsphere render`).
#include "core/Frame.h"
#include "render/SceneRenderer.h"

#include <QImage>

#include <memory>
#include <stdexcept>

namespace attnsphere::render {

// No OpenGL context could be made (no X display, or the size exceeds what the driver supports).
class RenderError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class OffscreenRenderer {
public:
    static constexpr int kMaxWidth = 3840;
    static constexpr int kMaxHeight = 2160;

    // Throws RenderError when DISPLAY is unusable; sizes are clamped to [1, kMax*].
    OffscreenRenderer(int width, int height);
    ~OffscreenRenderer();
    OffscreenRenderer(const OffscreenRenderer&) = delete;
    OffscreenRenderer& operator=(const OffscreenRenderer&) = delete;

    void setSize(int width, int height);
    QSize size() const;

    SceneRenderer& scene();
    // Style for the scene; with transparentBackground the background's alpha is 0 in the output.
    void setStyle(const SceneStyle& style);

    // Shows the frame and renders it.
    QImage render(const core::Frame& frame);
    // Renders what the scene currently shows. Format_RGBA8888_Premultiplied when the background is
    // transparent (VTK blends translucent props over a zero background: premultiplied colours),
    // otherwise Format_RGBX8888-compatible RGBA8888 with alpha 255.
    QImage renderCurrent();

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

// True when an X display can be opened (VTK's offscreen rendering here needs one).
bool displayAvailable();

}  // namespace attnsphere::render
