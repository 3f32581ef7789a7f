#pragma once
// The VTK scene that shows one Frame: translucent unit shell (drawn in the opaque pass, doc/ARCHITECTURE.md,
// Platform facts), optional latitude/longitude grid, tokens as point sprites, fading decimated trails,
// colouring, the selected token's highlight. Shared by SphereView (on screen) and the offline renderer
// (video). Owns its VTK props, not the renderer. GUI thread (or the render command's only thread) only.
// Included by render/ and ui/ only; VTK types appear here forward-declared, never as includes.
#include "core/Camera.h"
#include "core/Frame.h"

#include <QColor>
#include <QString>

#include <array>
#include <memory>
#include <optional>

class vtkPolyData;
class vtkRenderer;

namespace attnsphere::render {

enum class ColourMode { Index, Cluster, DominantHead, Entropy, RadialShadow, Radius };
enum class ViewPreset { Front, Top, Side, Isometric };

struct SceneStyle {
    ColourMode colour = ColourMode::Index;
    bool showShell = true;
    bool showGrid = true;
    int trailLength = 30;  // frames kept per token (decimated); 0 = no trails
    // Pixels at a 1080-pixel-high viewport. Token, trail and line sizes scale with the viewport height
    // (linearly above 1080 so a 4K image looks like the view; with the square root below, so small views
    // keep legible tokens).
    double pointSize = 14;
    std::optional<QColor> background;    // none: the display theme's (render/DisplayStyle.h)
    bool transparentBackground = false;  // offscreen only: alpha 0 where nothing is drawn
    bool showLegend = true;              // colour bar or coloured names for the colour mode
};

class SceneRenderer {
public:
    explicit SceneRenderer(vtkRenderer* renderer);  // adds its props; does not take ownership
    ~SceneRenderer();
    SceneRenderer(const SceneRenderer&) = delete;
    SceneRenderer& operator=(const SceneRenderer&) = delete;

    void setStyle(const SceneStyle& style);
    const SceneStyle& style() const;

    // Shows the frame: d = 3 as is; d = 2 on the unit circle; d > 3 a PCA projection to 3D whose
    // orientation is kept stable from frame to frame (no flips); flat geometry with fitted bounds.
    void showFrame(const core::Frame& frame);
    void resetTrails();
    // Takes the trails (and the projection's orientation) of the live view, so that an offscreen image of
    // the same frame at another size looks like the view, trails included. Call before showFrame.
    void adoptHistory(const SceneRenderer& live);
    // Viewport scale of sizes (1 at 1080 pixels high, times the display style's scale) and the token
    // size in pixels of the last render.
    static double sizeScale(int viewportHeight);
    double tokenPixelSize() const;
    double trailLineWidth() const;
    // The trail polylines as drawn (one line cell per token); for tests.
    vtkPolyData* trailGeometry() const;
    void setSelectedToken(int index);  // -1: none
    int selectedToken() const;
    // Token under display pixel (x, y) (VTK convention: origin bottom-left), or -1.
    int pickToken(int x, int y) const;
    // Display pixel (VTK convention: origin bottom-left) where token i is drawn; (-1, -1) if none.
    std::array<double, 2> tokenDisplayPosition(int i) const;
    // For dragging tokens (core/Manipulation.h): the d × 3 projection basis (empty for d <= 3), the factor
    // flat geometry is shown scaled by (1 on the sphere), where token i is drawn in world coordinates, and
    // the camera ray through display pixel (x, y) (VTK convention), false without a frame.
    core::Matrix projectionBasis() const;
    double displayScale() const;
    Eigen::Vector3d shownPosition(int i) const;
    bool displayRay(double x, double y, Eigen::Vector3d& origin, Eigen::Vector3d& direction) const;
    // Non-empty when the view is a projection, e.g. "PCA projection of R^16 to 3D".
    QString projectionLabel() const;
    // The projection label's distance from the viewport's bottom edge, in device pixels (0: its own
    // margin): a caption or formula strip drawn over the view's bottom keeps it visible above.
    void setLabelLift(int pixels);
    // The RGB colour the current style gives token i (for legends and panels); identical in every view.
    QColor tokenColour(int i) const;

    void resetCamera();
    void setViewPreset(ViewPreset preset);
    core::Camera camera() const;
    void setCamera(const core::Camera& camera);
    void orbit(double azimuthDegrees);  // rotate the camera about the sphere's vertical axis

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

// Per-head colours, identical in every panel and view: the Okabe–Ito colour-blind-safe table
// (categoricalColour) in the dark theme's terms; render::themed gives them for the light theme.
QColor headColour(int h);

}  // namespace attnsphere::render
