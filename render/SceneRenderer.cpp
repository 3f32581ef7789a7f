#include "render/SceneRenderer.h"

#include "render/ColourMap.h"
#include "render/DisplayStyle.h"

#include <Eigen/Eigenvalues>
#include <Eigen/SVD>

#include <vtkActor.h>
#include <vtkCallbackCommand.h>
#include <vtkCamera.h>
#include <vtkCellArray.h>
#include <vtkDoubleArray.h>
#include <vtkFloatArray.h>
#include <vtkImageData.h>
#include <vtkLookupTable.h>
#include <vtkMatrix4x4.h>
#include <vtkNew.h>
#include <vtkOutlineSource.h>
#include <vtkPointData.h>
#include <vtkPoints.h>
#include <vtkPolyData.h>
#include <vtkPolyDataMapper.h>
#include <vtkProperty.h>
#include <vtkRenderer.h>
#include <vtkScalarBarActor.h>
#include <vtkSmartPointer.h>
#include <vtkSphereSource.h>
#include <vtkTextActor.h>
#include <vtkTextProperty.h>
#include <vtkTexture.h>
#include <vtkUnsignedCharArray.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <deque>
#include <limits>
#include <numbers>
#include <vector>

namespace attnsphere::render {
namespace {

constexpr double kCameraDistance = 4.3;
// Trail budget over all tokens: trails are costly (doc/ARCHITECTURE.md, Platform facts).
constexpr int kMaxTrailVertices = 120000;
constexpr double kTrailSampleDistance = 0.004;  // decimation: a new trail vertex after this much motion
constexpr int kMaxLegendEntries = 8;
// Trail segments on the sphere longer than this angle are drawn along the great circle (a chord would
// cut through the sphere, e.g. after a jump of a merging token).
constexpr double kTrailMaxSegmentAngle = 0.08;
// Without motion a trail still takes a sample every this many frames, so old trails fade out instead of
// staying forever once the tokens have merged.
constexpr int kTrailIdleFrames = 6;
// A trail vertex that lies within this distance of the chord joining its kept neighbours is left out (at
// 1080 lines the unit sphere's radius is about 480 px, so this is half a pixel). llvmpipe's cost grows
// with the number of segments; a slow token's 30 samples are nearly collinear and become a few segments.
constexpr double kTrailSimplifyTolerance = 1e-3;
// The chord test looks back at most this many vertices (keeps the simplification linear in the length).
constexpr int kTrailSimplifyWindow = 48;

using Matrix3X = Eigen::Matrix<double, 3, Eigen::Dynamic>;

struct Polyline {
    vtkNew<vtkPoints> points;
    vtkNew<vtkCellArray> lines;
    vtkNew<vtkPolyData> data;
    vtkNew<vtkPolyDataMapper> mapper;
    vtkNew<vtkActor> actor;
    Polyline() {
        data->SetPoints(points);
        data->SetLines(lines);
        mapper->SetInputData(data);
        actor->SetMapper(mapper);
        actor->PickableOff();
    }
    void addLine(const std::vector<Eigen::Vector3d>& pts, bool closed) {
        const vtkIdType first = points->GetNumberOfPoints();
        for (const auto& p : pts) points->InsertNextPoint(p.x(), p.y(), p.z());
        const vtkIdType count = static_cast<vtkIdType>(pts.size());
        lines->InsertNextCell(count + (closed ? 1 : 0));
        for (vtkIdType k = 0; k < count; ++k) lines->InsertCellPoint(first + k);
        if (closed) lines->InsertCellPoint(first);
    }
    void clear() {
        points->Reset();
        lines->Reset();
    }
    void commit() {
        points->Modified();
        lines->Modified();
        data->Modified();
    }
};

std::vector<Eigen::Vector3d> circle(const Eigen::Vector3d& centre, const Eigen::Vector3d& e1,
                                    const Eigen::Vector3d& e2, double radius, int segments) {
    std::vector<Eigen::Vector3d> pts;
    pts.reserve(static_cast<std::size_t>(segments));
    for (int k = 0; k < segments; ++k) {
        const double a = 2 * std::numbers::pi * k / segments;
        pts.push_back(centre + radius * (std::cos(a) * e1 + std::sin(a) * e2));
    }
    return pts;
}

}  // namespace

struct SceneRenderer::Impl {
    vtkRenderer* renderer;
    SceneStyle style;

    // Tokens: one vertex cell per token, RGB per token, drawn as shaded point sprites (doc/ARCHITECTURE.md,
    // Platform facts).
    vtkNew<vtkPoints> tokenPoints;
    vtkNew<vtkCellArray> tokenVerts;
    vtkNew<vtkUnsignedCharArray> tokenColours;
    vtkNew<vtkPolyData> tokenData;
    vtkNew<vtkPolyDataMapper> tokenMapper;
    vtkNew<vtkActor> tokenActor;

    vtkNew<vtkSphereSource> shellSource;
    vtkNew<vtkPolyDataMapper> shellMapper;
    vtkNew<vtkActor> shellActor;
    // The view's backdrop: the background gradient with the shell drawn in (RGBA: llvmpipe samples it
    // faster than RGB). Under the camera's headlight the shell looks the same from every side, so its
    // picture changes only with the view's size, zoom and pan and is computed then; drawn as a surface
    // every frame it took a third of the frame (doc/ARCHITECTURE.md, Platform facts). Tokens behind the
    // sphere are no longer dimmed by it.
    vtkNew<vtkImageData> backdropImage;
    vtkNew<vtkTexture> backdropTexture;
    std::array<double, 12> backdropKey{};  // what the backdrop was computed for
    Polyline grid, unitCircle, selectionRing, outline;

    vtkNew<vtkPoints> trailPoints;
    vtkNew<vtkCellArray> trailLines;
    vtkNew<vtkUnsignedCharArray> trailColours;
    vtkNew<vtkPolyData> trailData;
    vtkNew<vtkPolyDataMapper> trailMapper;
    vtkNew<vtkActor> trailActor;

    vtkNew<vtkTextActor> label;
    vtkNew<vtkLookupTable> legendTable;
    vtkNew<vtkScalarBarActor> scalarBar;
    std::vector<vtkSmartPointer<vtkTextActor>> legendEntries;
    vtkNew<vtkCallbackCommand> startObserver;
    unsigned long startObserverTag = 0;

    // Shown state.
    int n = 0, d = 0, H = 0;
    bool flat = false;
    double flatScale = 1.0;
    Matrix3X shown;  // 3 × n display positions
    std::vector<QColor> colours;
    int selected = -1;
    QString projection;
    bool hasFrame = false;

    // Per-token quantities kept for recolouring without a new frame.
    std::vector<int> clusterLabels, dominantHead;  // display clusters (Frame::displayClusterLabels)
    std::vector<double> entropy, radial;
    std::vector<double> radii;  // r_i of Pre-LN / Peri-LN (empty otherwise)
    int clusterCount = 0;
    bool hasObservables = false;

    // d > 3: previous projection basis (d × 3), aligned with the new one each frame.
    Eigen::MatrixXd basis;

    std::deque<Matrix3X> trail;  // decimated past positions, oldest first
    int framesSinceSample = 0;
    // The trail's vertices and colours, rebuilt every frame into the same buffers (at n = 1000 up to
    // 31 000 vertices before simplification: no allocation per frame).
    std::vector<float> trailXyz;
    std::vector<unsigned char> trailRgba;
    std::vector<vtkIdType> trailIds;
    struct TrailVertex {
        Eigen::Vector3d x;
        double fade;
    };
    std::vector<TrailVertex> path;  // one token's trail before simplification

    explicit Impl(vtkRenderer* r) : renderer(r) {}

    void build();
    void applyStyle();
    void project(const core::Frame& frame);
    void updateTokens();
    void updateTrails(bool sample);
    void updateSelection();
    void recolour();
    void updateLegend();
    void scaleToViewport();
    bool shellShown() const;
    void updateBackdrop();
};

void SceneRenderer::Impl::build() {
    tokenColours->SetNumberOfComponents(3);
    tokenColours->SetName("colours");
    tokenData->SetPoints(tokenPoints);
    tokenData->SetVerts(tokenVerts);
    tokenData->GetPointData()->SetScalars(tokenColours);
    tokenMapper->SetInputData(tokenData);
    tokenMapper->SetColorModeToDirectScalars();
    tokenMapper->ScalarVisibilityOn();
    tokenActor->SetMapper(tokenMapper);
    tokenActor->GetProperty()->RenderPointsAsSpheresOn();
    tokenActor->GetProperty()->SetSpecular(0.35);
    tokenActor->GetProperty()->SetSpecularPower(30);

    trailColours->SetNumberOfComponents(4);
    trailColours->SetName("colours");
    trailData->SetPoints(trailPoints);
    trailData->SetLines(trailLines);
    trailData->GetPointData()->SetScalars(trailColours);
    trailMapper->SetInputData(trailData);
    trailMapper->SetColorModeToDirectScalars();
    trailMapper->ScalarVisibilityOn();
    trailActor->SetMapper(trailMapper);
    trailActor->GetProperty()->SetLineWidth(1.5f);
    trailActor->GetProperty()->LightingOff();
    trailActor->ForceOpaqueOn();  // blended in the opaque pass: no depth peeling needed
    trailActor->PickableOff();

    // Latitude/longitude grid with y as the sphere's vertical axis.
    constexpr double r = 1.002;
    for (int lat = -60; lat <= 60; lat += 30) {
        const double phi = lat * std::numbers::pi / 180;
        grid.addLine(circle({0, r * std::sin(phi), 0}, {1, 0, 0}, {0, 0, 1}, r * std::cos(phi), 96), true);
    }
    for (int lon = 0; lon < 180; lon += 30) {
        const double a = lon * std::numbers::pi / 180;
        grid.addLine(circle({0, 0, 0}, {std::cos(a), 0, std::sin(a)}, {0, 1, 0}, r, 96), true);
    }
    grid.commit();
    grid.actor->GetProperty()->SetOpacity(0.35);
    grid.actor->GetProperty()->LightingOff();
    grid.actor->ForceOpaqueOn();

    // Slightly behind the plane of the tokens so that the line never covers them.
    unitCircle.addLine(circle({0, 0, -0.02}, {1, 0, 0}, {0, 1, 0}, 1.0, 256), true);
    unitCircle.commit();
    unitCircle.actor->GetProperty()->SetLineWidth(1.5f);
    unitCircle.actor->GetProperty()->LightingOff();

    outline.actor->GetProperty()->LightingOff();

    // The shell as a surface, for transparent frames only (otherwise it is drawn into the backdrop,
    // updateBackdrop): translucent, but drawn in the opaque pass with back faces culled and added last
    // (same look as order-independent transparency, three times faster with point sprites:
    // doc/ARCHITECTURE.md, Platform facts).
    shellSource->SetRadius(1.0);
    shellSource->SetThetaResolution(96);
    shellSource->SetPhiResolution(64);
    shellMapper->SetInputConnection(shellSource->GetOutputPort());
    shellActor->SetMapper(shellMapper);
    shellActor->GetProperty()->SetOpacity(0.16);
    shellActor->GetProperty()->SetSpecular(0.25);
    shellActor->GetProperty()->SetSpecularPower(20);
    shellActor->GetProperty()->BackfaceCullingOn();
    shellActor->ForceOpaqueOn();
    shellActor->PickableOff();

    // The selection is a ring around the token, never a sprite over it: a sprite hid the token's
    // colour and the cluster it sits in.
    selectionRing.actor->GetProperty()->SetLineWidth(3.0f);
    selectionRing.actor->GetProperty()->LightingOff();

    label->GetTextProperty()->SetFontFamilyToArial();
    label->SetPosition(12, 10);

    scalarBar->SetLookupTable(legendTable);
    scalarBar->SetNumberOfLabels(3);
    scalarBar->SetLabelFormat("%.3g");
    scalarBar->GetPositionCoordinate()->SetCoordinateSystemToNormalizedViewport();
    scalarBar->SetVerticalTitleSeparation(8);
    scalarBar->SetOrientationToVertical();
    scalarBar->SetBarRatio(0.3);
    scalarBar->UnconstrainedFontSizeOn();
    for (vtkTextProperty* p : {scalarBar->GetTitleTextProperty(), scalarBar->GetLabelTextProperty()}) {
        p->ShadowOff();
        p->ItalicOff();
        p->BoldOff();
    }
    for (int k = 0; k <= kMaxLegendEntries; ++k) {
        auto t = vtkSmartPointer<vtkTextActor>::New();
        t->GetTextProperty()->SetFontFamilyToArial();
        t->GetTextProperty()->BoldOn();
        t->SetVisibility(false);
        legendEntries.push_back(t);
    }

    // Order matters: opaque geometry first, the force-opaque translucent shell last.
    renderer->AddActor(grid.actor);
    renderer->AddActor(outline.actor);
    renderer->AddActor(unitCircle.actor);
    renderer->AddActor(tokenActor);
    renderer->AddActor(selectionRing.actor);
    renderer->AddActor(trailActor);
    renderer->AddActor(shellActor);
    renderer->AddViewProp(label);
    renderer->AddViewProp(scalarBar);
    for (auto& t : legendEntries) renderer->AddViewProp(t);

    // Point sizes, fonts and the clipping range follow the viewport each render.
    backdropTexture->SetInputData(backdropImage);
    backdropTexture->InterpolateOff();
    startObserver->SetClientData(this);
    startObserver->SetCallback(
        [](vtkObject*, unsigned long, void* self, void*) { static_cast<Impl*>(self)->scaleToViewport(); });
    startObserverTag = renderer->AddObserver(vtkCommand::StartEvent, startObserver);
}

void SceneRenderer::Impl::scaleToViewport() {
    const int* size = renderer->GetSize();
    const double scale = SceneRenderer::sizeScale(size[1]);
    const double px = std::max(2.0, style.pointSize * scale);
    tokenActor->GetProperty()->SetPointSize(static_cast<float>(px));
    selectionRing.actor->GetProperty()->SetLineWidth(static_cast<float>(std::max(2.0, 3 * scale)));
    trailActor->GetProperty()->SetLineWidth(static_cast<float>(std::max(1.0, 1.5 * scale)));
    unitCircle.actor->GetProperty()->SetLineWidth(static_cast<float>(std::max(1.0, 1.5 * scale)));
    grid.actor->GetProperty()->SetLineWidth(static_cast<float>(std::max(1.0, scale)));
    outline.actor->GetProperty()->SetLineWidth(static_cast<float>(std::max(1.0, scale)));
    const DisplayStyle& display = displayStyle();
    const double textScale = scale / display.scale * display.relativeTextScale();
    const int font = std::max(10, static_cast<int>(std::lround(22 * textScale)));
    label->GetTextProperty()->SetFontSize(font);
    scalarBar->GetTitleTextProperty()->SetFontSize(std::max(9, font * 4 / 5));
    scalarBar->GetLabelTextProperty()->SetFontSize(font);
    scalarBar->SetTextPad(std::max(4, font / 2));  // labels clear of the bar
    // The presentation's view is nearly square, so the sphere reaches the bar's normal place: the bar is
    // shorter and higher, towards the top right corner, which the sphere leaves free; its title stays
    // clear of the top tenth, where the GUI's lecture overlay line sits.
    const bool corner = display.presentation();
    scalarBar->GetPositionCoordinate()->SetValue(corner ? 0.86 : 0.88, corner ? 0.52 : 0.08);
    scalarBar->SetWidth(corner ? 0.12 : 0.08);
    scalarBar->SetHeight(corner ? 0.30 : 0.42);
    int y = size[1] - static_cast<int>(1.6 * font) - 8;
    for (auto& t : legendEntries) {
        t->GetTextProperty()->SetFontSize(font);
        t->SetPosition(size[0] - static_cast<int>(9.5 * font), y);
        y -= static_cast<int>(1.35 * font);
    }
    renderer->ResetCameraClippingRange();
    if (!style.transparentBackground) updateBackdrop();
}

bool SceneRenderer::Impl::shellShown() const {
    return style.showShell && !(d == 2 && !flat) && !flat;
}

void SceneRenderer::Impl::updateBackdrop() {
    const int* size = renderer->GetSize();
    const int w = size[0], h = size[1];
    if (w <= 0 || h <= 0) return;
    vtkCamera* camera = renderer->GetActiveCamera();
    // Where the unit sphere is drawn: its centre and radius in the viewport's pixels.
    double centre[3];
    renderer->SetWorldPoint(0, 0, 0, 1);
    renderer->WorldToDisplay();
    renderer->GetDisplayPoint(centre);
    const int* origin = renderer->GetOrigin();
    const double cx = centre[0] - origin[0], cy = centre[1] - origin[1];
    double radius = 0;
    if (camera->GetParallelProjection()) {
        radius = 0.5 * h / camera->GetParallelScale();
    } else {
        const double distance = Eigen::Map<const Eigen::Vector3d>(camera->GetPosition()).norm();
        if (distance > 1)
            radius = std::tan(std::asin(1 / distance)) /
                     std::tan(0.5 * camera->GetViewAngle() * std::numbers::pi / 180) * 0.5 * h;
    }
    const bool shell = shellShown();
    double bottom[3], top[3], colour[3];
    renderer->GetBackground(bottom);
    renderer->GetBackground2(top);
    shellActor->GetProperty()->GetColor(colour);
    // Quarter pixels: a camera turning about the centre leaves the picture as it is.
    const std::array<double, 12> key{double(w),
                                     double(h),
                                     std::round(4 * cx),
                                     std::round(4 * cy),
                                     std::round(4 * radius),
                                     shell ? 1.0 : 0.0,
                                     bottom[0] + 2 * bottom[1],
                                     bottom[2],
                                     top[0] + 2 * top[1],
                                     top[2],
                                     colour[0] + 2 * colour[1],
                                     colour[2]};
    if (key == backdropKey && backdropImage->GetNumberOfPoints() == vtkIdType(w) * h) return;
    backdropKey = key;
    constexpr int NC = 4;  // RGBA
    backdropImage->SetDimensions(w, h, 1);
    backdropImage->AllocateScalars(VTK_UNSIGNED_CHAR, NC);
    auto* out = static_cast<unsigned char*>(backdropImage->GetScalarPointer());
    const double opacity = shellActor->GetProperty()->GetOpacity();
    const double specular = shellActor->GetProperty()->GetSpecular();
    for (int y = 0; y < h; ++y) {
        const double f = h > 1 ? static_cast<double>(y) / (h - 1) : 0.0;  // VTK's gradient: bottom to top
        const double dy = (y + 0.5 - cy) / std::max(radius, 1e-9);
        for (int x = 0; x < w; ++x, out += NC) {
            double rgb[3];
            for (int k = 0; k < 3; ++k) rgb[k] = bottom[k] + f * (top[k] - bottom[k]);
            if (shell && radius > 0) {
                const double dx = (x + 0.5 - cx) / radius;
                const double rho = std::sqrt(dx * dx + dy * dy);
                // Antialiased rim: the share of the pixel inside the disc.
                const double coverage = std::clamp((1 - rho) * radius + 0.5, 0.0, 1.0);
                if (coverage > 0) {
                    // Headlight: diffuse and specular both follow the normal's component towards the
                    // viewer (the shell's diffuse 1 and white specular of power 20).
                    const double z = std::sqrt(std::max(0.0, 1 - rho * rho));
                    const double z4 = z * z * z * z, z20 = z4 * z4 * z4 * z4 * z4;
                    const double a = opacity * coverage;
                    for (int k = 0; k < 3; ++k)
                        rgb[k] = rgb[k] * (1 - a) + a * std::min(1.0, colour[k] * z + specular * z20);
                }
            }
            for (int k = 0; k < 3; ++k)
                out[k] = static_cast<unsigned char>(std::lround(255 * std::clamp(rgb[k], 0.0, 1.0)));
            if (NC == 4) out[3] = 255;
        }
    }
    backdropImage->Modified();
}

void SceneRenderer::Impl::applyStyle() {
    const bool circleMode = d == 2 && !flat;
    shellActor->SetVisibility(shellShown() && style.transparentBackground);
    grid.actor->SetVisibility(style.showGrid && !circleMode && !flat);
    unitCircle.actor->SetVisibility(circleMode);
    outline.actor->SetVisibility(flat && hasFrame);
    trailActor->SetVisibility(style.trailLength > 0);
    const ThemeColours& theme = themeColours(displayStyle().theme);
    const QColor background = style.background.value_or(theme.viewBackground);
    renderer->SetBackground(background.redF(), background.greenF(), background.blueF());
    auto setColour = [](vtkActor* actor, const QColor& c) {
        actor->GetProperty()->SetColor(c.redF(), c.greenF(), c.blueF());
    };
    setColour(grid.actor, theme.wire);
    setColour(outline.actor, theme.wire);
    setColour(unitCircle.actor, theme.circle);
    setColour(shellActor, theme.shell);
    setColour(selectionRing.actor, themed(Qt::white));
    for (vtkTextProperty* p :
         {label->GetTextProperty(), scalarBar->GetTitleTextProperty(), scalarBar->GetLabelTextProperty()})
        p->SetColor(theme.sceneText.redF(), theme.sceneText.greenF(), theme.sceneText.blueF());
    if (style.transparentBackground) {
        renderer->GradientBackgroundOff();
        renderer->TexturedBackgroundOff();
        renderer->SetBackgroundAlpha(0.0);
    } else {
        const QColor top = style.background ? style.background->lighter(135) : theme.viewTop;
        renderer->SetBackground2(top.redF(), top.greenF(), top.blueF());
        // The gradient is drawn into the backdrop (updateBackdrop, at the start of every render).
        renderer->GradientBackgroundOff();
        renderer->SetBackgroundTexture(backdropTexture);
        renderer->TexturedBackgroundOn();
        renderer->SetBackgroundAlpha(1.0);
    }
    if (style.trailLength <= 0) trail.clear();
    while (static_cast<int>(trail.size()) > style.trailLength) trail.pop_front();
}

// Maps the frame's d-dimensional positions to the 3 × n display positions.
void SceneRenderer::Impl::project(const core::Frame& frame) {
    const core::Matrix& X = frame.positions;
    const int dim = static_cast<int>(X.rows());
    const int count = static_cast<int>(X.cols());
    if (count != n || dim != d) {
        trail.clear();
        basis.resize(0, 0);
        selected = selected < count ? selected : -1;
        flatScale = 1.0;
    }
    n = count;
    d = dim;
    H = frame.H;

    const bool nowFlat = frame.geometry == core::Geometry::Flat;
    if (nowFlat != flat) trail.clear();
    flat = nowFlat;

    shown.resize(3, n);
    if (d <= 3) {
        shown.setZero();
        shown.topRows(d) = X;
        projection.clear();
    } else {
        // Uncentred second moment: its top eigenvectors span the directions the tokens occupy.
        const Eigen::MatrixXd C = X * X.transpose() / std::max(1, n);
        Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(C);
        Eigen::MatrixXd top(d, 3);
        for (int k = 0; k < 3; ++k) top.col(k) = eig.eigenvectors().col(d - 1 - k);
        if (basis.rows() == d) {
            // Orthogonal Procrustes: the rotation of the new top-3 subspace closest to the previous
            // basis, so the picture neither flips nor spins when eigenvalues cross or are degenerate.
            Eigen::JacobiSVD<Eigen::Matrix3d> svd(top.transpose() * basis,
                                                  Eigen::ComputeFullU | Eigen::ComputeFullV);
            top = top * (svd.matrixU() * svd.matrixV().transpose());
        } else {
            for (int k = 0; k < 3; ++k) {
                Eigen::Index arg = 0;
                top.col(k).cwiseAbs().maxCoeff(&arg);
                if (top(arg, k) < 0) top.col(k) = -top.col(k);
            }
        }
        basis = top;
        shown = top.transpose() * X;
        projection = QStringLiteral("PCA projection of R^%1 to 3D (tokens lie inside the ball)").arg(d);
    }
    if (flat) {
        // Fitted bounds: scale into the unit ball, with hysteresis so the picture does not breathe.
        double r = 0;
        for (int i = 0; i < n; ++i) r = std::max(r, shown.col(i).norm());
        r = std::max(r, 1e-9);
        const double wanted = 1.0 / r;
        if (flatScale <= 0 || wanted < flatScale * 0.97 || wanted > flatScale * 1.5) {
            flatScale = wanted;
            trail.clear();
        }
        shown *= flatScale;
        const QString flatText = QStringLiteral("flat geometry, shown scaled x%1").arg(flatScale, 0, 'g', 3);
        projection = projection.isEmpty() ? flatText : projection + QStringLiteral("; ") + flatText;
        outline.clear();
        Eigen::Vector3d lo = shown.rowwise().minCoeff(), hi = shown.rowwise().maxCoeff();
        const Eigen::Vector3d pad = ((hi - lo) * 0.05).cwiseMax(0.02);
        lo -= pad;
        hi += pad;
        for (int axis = 0; axis < 3; ++axis) {
            const int a = (axis + 1) % 3, b = (axis + 2) % 3;
            for (int corner = 0; corner < 4; ++corner) {
                Eigen::Vector3d p = lo, q = lo;
                if (corner & 1) p[a] = q[a] = hi[a];
                if (corner & 2) p[b] = q[b] = hi[b];
                q[axis] = hi[axis];
                outline.addLine({p, q}, false);
            }
        }
        outline.commit();
    }
}

void SceneRenderer::Impl::updateTokens() {
    tokenPoints->SetDataTypeToFloat();
    tokenPoints->SetNumberOfPoints(n);
    auto* p = static_cast<float*>(tokenPoints->GetVoidPointer(0));
    for (int i = 0; i < n; ++i)
        for (int k = 0; k < 3; ++k) p[3 * i + k] = static_cast<float>(shown(k, i));
    if (tokenVerts->GetNumberOfCells() != n) {
        tokenVerts->Reset();
        for (vtkIdType i = 0; i < n; ++i) tokenVerts->InsertNextCell(1, &i);
        tokenVerts->Modified();
    }
    tokenPoints->Modified();
    tokenData->Modified();
}

void SceneRenderer::Impl::recolour() {
    colours.assign(static_cast<std::size_t>(n), QColor());
    ColourMode mode = style.colour;
    if (!hasObservables &&
        (mode == ColourMode::DominantHead || mode == ColourMode::Entropy || mode == ColourMode::RadialShadow))
        mode = ColourMode::Index;
    if (mode == ColourMode::Cluster && clusterLabels.size() != static_cast<std::size_t>(n))
        mode = ColourMode::Index;
    if (mode == ColourMode::Radius && radii.size() != static_cast<std::size_t>(n)) mode = ColourMode::Index;
    double radiusLo = 1, radiusHi = 1;
    if (mode == ColourMode::Radius && n > 0) {
        radiusLo = *std::min_element(radii.begin(), radii.end());
        radiusHi = std::max(radiusLo * (1 + 1e-9), *std::max_element(radii.begin(), radii.end()));
    }
    double radialRange = 1e-12;
    for (double r : radial) radialRange = std::max(radialRange, std::abs(r));
    const double logN = n > 1 ? std::log(static_cast<double>(n)) : 1.0;
    for (int i = 0; i < n; ++i) {
        const auto ui = static_cast<std::size_t>(i);
        switch (mode) {
            case ColourMode::Index:
                colours[ui] = themed(indexColour(i, n));
                break;
            case ColourMode::Cluster:
                colours[ui] = themed(categoricalColour(clusterLabels[ui]));
                break;
            case ColourMode::DominantHead:
                colours[ui] = themed(headColour(dominantHead[ui]));
                break;
            case ColourMode::Entropy:
                colours[ui] = viridis(entropy[ui] / logN);
                break;
            case ColourMode::RadialShadow:
                colours[ui] = diverging(radial[ui] / radialRange);
                break;
            case ColourMode::Radius:
                colours[ui] = viridis((radii[ui] - radiusLo) / (radiusHi - radiusLo));
                break;
        }
    }
    tokenColours->SetNumberOfTuples(n);
    auto* c = tokenColours->GetPointer(0);
    for (int i = 0; i < n; ++i) {
        const QColor& q = colours[static_cast<std::size_t>(i)];
        c[3 * i] = static_cast<unsigned char>(q.red());
        c[3 * i + 1] = static_cast<unsigned char>(q.green());
        c[3 * i + 2] = static_cast<unsigned char>(q.blue());
    }
    tokenColours->Modified();
    tokenData->Modified();

    // Legend: a colour bar for continuous modes, coloured names for categorical ones.
    for (auto& t : legendEntries) t->SetVisibility(false);
    scalarBar->SetVisibility(false);
    if (!style.showLegend || n == 0) return;
    // integers: labels at whole numbers only (a token index of 47.5 does not exist).
    auto continuous = [&](const char* title, double lo, double hi, auto map, bool integers = false) {
        scalarBar->SetUseCustomLabels(integers);
        scalarBar->SetLabelFormat(integers ? "%.0f" : "%.3g");
        if (integers) {
            vtkNew<vtkDoubleArray> labels;
            for (double v : {lo, std::round(0.5 * (lo + hi)), hi}) labels->InsertNextValue(v);
            scalarBar->SetCustomLabels(labels);
        }
        legendTable->SetNumberOfTableValues(256);
        legendTable->SetTableRange(lo, hi);
        for (int k = 0; k < 256; ++k) {
            const QColor q = map(k / 255.0);
            legendTable->SetTableValue(k, q.redF(), q.greenF(), q.blueF(), 1.0);
        }
        legendTable->Build();
        legendTable->Modified();
        scalarBar->SetTitle(title);
        scalarBar->SetVisibility(true);
    };
    auto categorical = [&](const QString& name, int count, auto colourOf) {
        const int shownCount = std::min(count, kMaxLegendEntries);
        for (int k = 0; k < shownCount; ++k) {
            auto& t = legendEntries[static_cast<std::size_t>(k)];
            const QColor q = themed(colourOf(k));
            t->SetInput(QStringLiteral("%1 %2").arg(name).arg(k + 1).toUtf8().constData());
            t->GetTextProperty()->SetColor(q.redF(), q.greenF(), q.blueF());
            t->SetVisibility(true);
        }
        if (count > shownCount) {
            auto& t = legendEntries[static_cast<std::size_t>(shownCount)];
            t->SetInput(QStringLiteral("+%1 more").arg(count - shownCount).toUtf8().constData());
            const QColor more = themed(QColor(204, 204, 204));
            t->GetTextProperty()->SetColor(more.redF(), more.greenF(), more.blueF());
            t->SetVisibility(true);
        }
    };
    switch (mode) {
        case ColourMode::Index:
            continuous(
                "token index", 0, std::max(1, n - 1),
                [&](double t) { return themed(indexColour(static_cast<int>(std::lround(t * 1000)), 1001)); },
                true);
            break;
        case ColourMode::Cluster:
            categorical(QStringLiteral("cluster"), clusterCount, [](int k) { return categoricalColour(k); });
            break;
        case ColourMode::DominantHead:
            categorical(QStringLiteral("head"), H, [](int k) { return headColour(k); });
            break;
        case ColourMode::Entropy:
            continuous("entropy S_i (mean over heads)", 0, logN, [](double t) { return viridis(t); });
            break;
        case ColourMode::RadialShadow:
            continuous("radial shadow sum_h r_i^h", -radialRange, radialRange,
                       [](double t) { return diverging(2 * t - 1); });
            break;
        case ColourMode::Radius:
            continuous("token radius r_i", radiusLo, radiusHi, [](double t) { return viridis(t); });
            break;
    }
}

void SceneRenderer::Impl::updateTrails(bool sample) {
    const int length = std::min(style.trailLength, std::max(2, kMaxTrailVertices / std::max(1, n)));
    if (length <= 0 || n == 0) {
        trailPoints->Reset();
        trailLines->Reset();
        trailColours->Reset();
        trailData->Modified();
        return;
    }
    if (sample) {
        const double threshold = kTrailSampleDistance;
        const bool moved = trail.empty() || (shown - trail.back()).colwise().norm().maxCoeff() > threshold;
        if (moved || ++framesSinceSample >= kTrailIdleFrames) {
            trail.push_back(shown);
            framesSinceSample = 0;
        }
        while (static_cast<int>(trail.size()) > length) trail.pop_front();
    }
    // Each token: its decimated past plus the current position, alpha fading towards the past. On the
    // sphere (d = 2, 3) long steps follow the great circle instead of a chord through the ball.
    const bool onSphere = !flat && d <= 3;
    const int samples = static_cast<int>(trail.size());
    const int perToken = samples + 1;
    std::vector<float>& p = trailXyz;
    std::vector<unsigned char>& c = trailRgba;
    std::vector<vtkIdType>& ids = trailIds;
    p.clear();
    c.clear();
    trailLines->Reset();
    vtkIdType next = 0;
    // Unit vectors closer than this chord are less than kTrailMaxSegmentAngle apart: one segment, no
    // angle to compute.
    const double maxChord = 2 * std::sin(kTrailMaxSegmentAngle / 2);
    for (int i = 0; i < n; ++i) {
        const QRgb rgb = colours[static_cast<std::size_t>(i)].rgb();
        const unsigned char red = static_cast<unsigned char>(qRed(rgb)),
                            green = static_cast<unsigned char>(qGreen(rgb)),
                            blue = static_cast<unsigned char>(qBlue(rgb));
        ids.clear();
        path.clear();
        auto vertex = [&](const Eigen::Vector3d& x, double fade) { path.push_back({x, fade}); };
        Eigen::Vector3d previous = Eigen::Vector3d::Zero();
        for (int s = 0; s < perToken; ++s) {
            const Eigen::Vector3d x = (s < samples ? trail[static_cast<std::size_t>(s)] : shown).col(i);
            const double fade = static_cast<double>(s + 1) / perToken;
            if (s > 0 && onSphere && (x - previous).squaredNorm() > maxChord * maxChord) {
                const double angle = std::atan2(previous.cross(x).norm(), previous.dot(x));
                const int pieces = static_cast<int>(std::ceil(angle / kTrailMaxSegmentAngle));
                // Spherical interpolation; antipodal jumps (no unique great circle) stay chords.
                if (pieces > 1 && angle < std::numbers::pi - 1e-6) {
                    const double sinAngle = std::sin(angle);
                    const double previousFade = static_cast<double>(s) / perToken;
                    for (int k = 1; k < pieces; ++k) {
                        const double f = static_cast<double>(k) / pieces;
                        const Eigen::Vector3d y =
                            (std::sin((1 - f) * angle) * previous + std::sin(f * angle) * x) / sinAngle;
                        vertex(y, previousFade + f * (fade - previousFade));
                    }
                }
            }
            vertex(x, fade);
            previous = x;
        }
        // Emit the path without the vertices that lie on the chord between their kept neighbours.
        auto keep = [&](const TrailVertex& v) {
            for (int k = 0; k < 3; ++k) p.push_back(static_cast<float>(v.x[k]));
            c.insert(c.end(),
                     {red, green, blue, static_cast<unsigned char>(std::lround(200 * v.fade * v.fade))});
            ids.push_back(next++);
        };
        const std::size_t m = path.size();
        if (m > 0) keep(path[0]);
        std::size_t anchor = 0;
        for (std::size_t k = 2; k < m; ++k) {
            const Eigen::Vector3d a = path[anchor].x, chord = path[k].x - a;
            const double length2 = chord.squaredNorm();
            bool straight = k - anchor <= kTrailSimplifyWindow;
            for (std::size_t j = anchor + 1; straight && j < k; ++j) {
                const Eigen::Vector3d v = path[j].x - a;
                const double along = length2 > 0 ? std::clamp(v.dot(chord) / length2, 0.0, 1.0) : 0.0;
                straight =
                    (v - along * chord).squaredNorm() <= kTrailSimplifyTolerance * kTrailSimplifyTolerance;
            }
            if (!straight) {
                keep(path[k - 1]);
                anchor = k - 1;
            }
        }
        if (m > 1) keep(path[m - 1]);
        if (ids.size() >= 2) trailLines->InsertNextCell(static_cast<vtkIdType>(ids.size()), ids.data());
    }
    trailPoints->SetDataTypeToFloat();
    trailPoints->SetNumberOfPoints(next);
    trailColours->SetNumberOfTuples(next);
    std::copy(p.begin(), p.end(), static_cast<float*>(trailPoints->GetVoidPointer(0)));
    std::copy(c.begin(), c.end(), trailColours->GetPointer(0));
    trailPoints->Modified();
    trailColours->Modified();
    trailLines->Modified();
    trailData->Modified();
}

void SceneRenderer::Impl::updateSelection() {
    selectionRing.clear();
    if (selected >= 0 && selected < n) {
        const Eigen::Vector3d x = shown.col(selected);
        // Ring in the tangent plane (for points off the sphere: facing the origin's direction anyway).
        Eigen::Vector3d normal = x.norm() > 1e-6 ? Eigen::Vector3d(x.normalized()) : Eigen::Vector3d::UnitZ();
        if (d == 2) normal = Eigen::Vector3d::UnitZ();  // planar data: ring in the plane
        Eigen::Vector3d e1 = normal.unitOrthogonal();
        Eigen::Vector3d e2 = normal.cross(e1);
        selectionRing.addLine(circle(x, e1, e2, 0.075, 48), true);
    }
    selectionRing.commit();
    selectionRing.actor->SetVisibility(selected >= 0 && selected < n);
}

SceneRenderer::SceneRenderer(vtkRenderer* renderer) : m_impl(std::make_unique<Impl>(renderer)) {
    m_impl->build();
    m_impl->applyStyle();
    resetCamera();
}

SceneRenderer::~SceneRenderer() {
    Impl& m = *m_impl;
    m.renderer->RemoveObserver(m.startObserverTag);
    for (vtkProp* p : std::initializer_list<vtkProp*>{m.grid.actor, m.outline.actor, m.unitCircle.actor,
                                                      m.tokenActor, m.selectionRing.actor, m.trailActor,
                                                      m.shellActor, m.label, m.scalarBar})
        m.renderer->RemoveViewProp(p);
    for (auto& t : m.legendEntries) m.renderer->RemoveViewProp(t);
}

void SceneRenderer::setStyle(const SceneStyle& style) {
    m_impl->style = style;
    m_impl->applyStyle();
    m_impl->scaleToViewport();
    if (m_impl->hasFrame) {
        m_impl->recolour();
        m_impl->updateTrails(false);
    }
}

const SceneStyle& SceneRenderer::style() const {
    return m_impl->style;
}

void SceneRenderer::showFrame(const core::Frame& frame) {
    Impl& m = *m_impl;
    const int previousDim = m.d;
    const bool previousFlat = m.flat;
    m.project(frame);
    m.hasObservables = frame.hasObservables && static_cast<int>(frame.heads.size()) == frame.H && frame.H > 0;
    // Colouring uses the clusters a person sees (cos >= kDisplayClusterCosine), not the strict tau.
    m.clusterLabels = frame.displayClusterLabels;
    m.clusterCount = frame.displayClusterCount;
    if (m.clusterCount <= 0 && !m.clusterLabels.empty())
        m.clusterCount = 1 + *std::max_element(m.clusterLabels.begin(), m.clusterLabels.end());
    if (m.hasObservables) {
        const auto count = static_cast<std::size_t>(m.n);
        m.dominantHead.assign(count, 0);
        m.entropy.assign(count, 0.0);
        m.radial.assign(count, 0.0);
        std::vector<double> best(count, -1.0);
        for (int h = 0; h < frame.H; ++h) {
            const auto& head = frame.heads[static_cast<std::size_t>(h)];
            for (int i = 0; i < m.n; ++i) {
                const auto ui = static_cast<std::size_t>(i);
                const double r = head.radial.size() > i ? head.radial[i] : 0.0;
                const double tg = head.tangential.size() > i ? head.tangential[i] : 0.0;
                const double mag = r * r + tg * tg;  // |u_i^h|^2 = r^2 + |P^perp u|^2
                if (mag > best[ui]) {
                    best[ui] = mag;
                    m.dominantHead[ui] = h;
                }
                if (head.entropy.size() > i) m.entropy[ui] += head.entropy[i] / frame.H;
                m.radial[ui] += r;
            }
        }
    }
    m.radii.assign(frame.radii.data(), frame.radii.data() + frame.radii.size());
    m.hasFrame = true;
    m.updateTokens();
    m.recolour();
    m.updateTrails(true);
    m.updateSelection();
    m.applyStyle();
    m.label->SetInput(m.projection.toUtf8().constData());
    m.label->SetVisibility(!m.projection.isEmpty());
    if (previousDim != m.d || previousFlat != m.flat) resetCamera();
}

void SceneRenderer::resetTrails() {
    m_impl->trail.clear();
    m_impl->framesSinceSample = 0;
    if (m_impl->hasFrame) m_impl->updateTrails(false);
}

void SceneRenderer::adoptHistory(const SceneRenderer& live) {
    Impl& m = *m_impl;
    const Impl& l = *live.m_impl;
    // Same n and d as the live view: project() keeps the trails and aligns with the live basis.
    m.n = l.n;
    m.d = l.d;
    m.flat = l.flat;
    m.flatScale = l.flatScale;
    m.basis = l.basis;
    m.trail = l.trail;
    m.framesSinceSample = l.framesSinceSample;
    m.selected = l.selected;
}

double SceneRenderer::sizeScale(int viewportHeight) {
    const double ratio = viewportHeight / 1080.0;
    return displayStyle().scale * (ratio >= 1 ? ratio : std::sqrt(std::max(0.06, ratio)));
}

double SceneRenderer::tokenPixelSize() const {
    return m_impl->tokenActor->GetProperty()->GetPointSize();
}

double SceneRenderer::trailLineWidth() const {
    return m_impl->trailActor->GetProperty()->GetLineWidth();
}

vtkPolyData* SceneRenderer::trailGeometry() const {
    return m_impl->trailData;
}

void SceneRenderer::setSelectedToken(int index) {
    m_impl->selected = index;
    if (m_impl->hasFrame) m_impl->updateSelection();
}

int SceneRenderer::selectedToken() const {
    return m_impl->selected;
}

int SceneRenderer::pickToken(int x, int y) const {
    const Impl& m = *m_impl;
    if (!m.hasFrame || m.n == 0) return -1;
    vtkCamera* cam = m.renderer->GetActiveCamera();
    const int* size = m.renderer->GetSize();
    const int* origin = m.renderer->GetOrigin();
    if (size[0] <= 0 || size[1] <= 0) return -1;
    vtkMatrix4x4* mat = cam->GetCompositeProjectionTransformMatrix(m.renderer->GetTiledAspectRatio(), -1, 1);
    const double pointPx = std::max(2.0, m.style.pointSize * sizeScale(size[1]));
    const double radius = std::max(6.0, 0.5 * pointPx + 3);
    int best = -1, nearest = -1;
    double bestDepth = std::numeric_limits<double>::infinity();
    double nearestDist = std::numeric_limits<double>::infinity();
    for (int i = 0; i < m.n; ++i) {
        const double in[4] = {m.shown(0, i), m.shown(1, i), m.shown(2, i), 1.0};
        double out[4];
        mat->MultiplyPoint(in, out);
        if (out[3] <= 0) continue;
        const double sx = origin[0] + (out[0] / out[3] + 1) * 0.5 * size[0];
        const double sy = origin[1] + (out[1] / out[3] + 1) * 0.5 * size[1];
        const double depth = out[2] / out[3];
        const double dist = std::hypot(sx - x, sy - y);
        // Several tokens under the cursor: the front-most wins.
        if (dist <= radius && depth < bestDepth) {
            bestDepth = depth;
            best = i;
        }
        if (dist < nearestDist) {
            nearestDist = dist;
            nearest = i;
        }
    }
    if (best >= 0) return best;
    return nearestDist <= 2 * radius ? nearest : -1;
}

std::array<double, 2> SceneRenderer::tokenDisplayPosition(int i) const {
    const Impl& m = *m_impl;
    if (!m.hasFrame || i < 0 || i >= m.n) return {-1, -1};
    m.renderer->SetWorldPoint(m.shown(0, i), m.shown(1, i), m.shown(2, i), 1.0);
    m.renderer->WorldToDisplay();
    const double* p = m.renderer->GetDisplayPoint();
    return {p[0], p[1]};
}

core::Matrix SceneRenderer::projectionBasis() const {
    const Impl& m = *m_impl;
    return m.d > 3 ? core::Matrix(m.basis) : core::Matrix();
}

double SceneRenderer::displayScale() const {
    return m_impl->flat ? m_impl->flatScale : 1.0;
}

Eigen::Vector3d SceneRenderer::shownPosition(int i) const {
    const Impl& m = *m_impl;
    if (!m.hasFrame || i < 0 || i >= m.n) return Eigen::Vector3d::Zero();
    return m.shown.col(i);
}

bool SceneRenderer::displayRay(double x, double y, Eigen::Vector3d& origin,
                               Eigen::Vector3d& direction) const {
    const Impl& m = *m_impl;
    if (!m.hasFrame) return false;
    // The points under the pixel on the near and far clipping planes.
    Eigen::Vector3d ends[2];
    for (int k = 0; k < 2; ++k) {
        m.renderer->SetDisplayPoint(x, y, k);
        m.renderer->DisplayToWorld();
        const double* w = m.renderer->GetWorldPoint();
        if (w[3] == 0) return false;
        ends[k] = Eigen::Vector3d(w[0], w[1], w[2]) / w[3];
    }
    origin = ends[0];
    direction = ends[1] - ends[0];
    return direction.norm() > 0;
}

QString SceneRenderer::projectionLabel() const {
    return m_impl->projection;
}

void SceneRenderer::setLabelLift(int pixels) {
    m_impl->label->SetPosition(12, 10 + std::max(0, pixels));
}

QColor SceneRenderer::tokenColour(int i) const {
    if (i < 0 || i >= static_cast<int>(m_impl->colours.size())) return QColor();
    return m_impl->colours[static_cast<std::size_t>(i)];
}

void SceneRenderer::resetCamera() {
    const Impl& m = *m_impl;
    setViewPreset(m.hasFrame && m.d == 2 ? ViewPreset::Front : ViewPreset::Isometric);
}

void SceneRenderer::setViewPreset(ViewPreset preset) {
    core::Camera c;
    const double D = kCameraDistance;
    switch (preset) {
        case ViewPreset::Front:
            c.position = {0, 0, D};
            break;
        case ViewPreset::Top:
            c.position = {0, D, 0};
            c.viewUp = {0, 0, -1};
            break;
        case ViewPreset::Side:
            c.position = {D, 0, 0};
            break;
        case ViewPreset::Isometric: {
            const Eigen::Vector3d dir = Eigen::Vector3d(0.9, 0.75, 1.5).normalized() * D;
            c.position = {dir.x(), dir.y(), dir.z()};
            break;
        }
    }
    setCamera(c);
}

core::Camera SceneRenderer::camera() const {
    vtkCamera* cam = m_impl->renderer->GetActiveCamera();
    core::Camera c;
    cam->GetPosition(c.position.data());
    cam->GetFocalPoint(c.focalPoint.data());
    cam->GetViewUp(c.viewUp.data());
    c.viewAngle = cam->GetViewAngle();
    return c;
}

void SceneRenderer::setCamera(const core::Camera& c) {
    vtkCamera* cam = m_impl->renderer->GetActiveCamera();
    cam->SetPosition(c.position.data());
    cam->SetFocalPoint(c.focalPoint.data());
    cam->SetViewUp(c.viewUp.data());
    cam->SetViewAngle(c.viewAngle);
    cam->OrthogonalizeViewUp();
    m_impl->renderer->ResetCameraClippingRange();
}

void SceneRenderer::orbit(double azimuthDegrees) {
    vtkCamera* cam = m_impl->renderer->GetActiveCamera();
    cam->Azimuth(azimuthDegrees);
    cam->OrthogonalizeViewUp();
    m_impl->renderer->ResetCameraClippingRange();
}

QColor headColour(int h) {
    return categoricalColour(h);
}

}  // namespace attnsphere::render
