// SceneRenderer on an offscreen VTK window under Xvfb: known frames give a visible sphere, circle or
// projection, the selected token is highlighted where it is, and picking finds the token under a pixel.
#include "render/SceneRenderer.h"

#include <Eigen/Geometry>

#include <QImage>
#include <QtTest>

#include <vtkCamera.h>
#include <vtkCellArray.h>
#include <vtkMatrix4x4.h>
#include <vtkNew.h>
#include <vtkPoints.h>
#include <vtkPolyData.h>
#include <vtkRenderWindow.h>
#include <vtkRenderer.h>
#include <vtkUnsignedCharArray.h>

#include <cmath>
#include <numbers>
#include <random>

using namespace attnsphere;

namespace {

core::Frame makeFrame(int n, int d, unsigned seed) {
    core::Frame f;
    f.n = n;
    f.d = d;
    f.H = 2;
    std::mt19937 rng(seed);
    std::normal_distribution<double> g;
    f.positions.resize(d, n);
    for (int i = 0; i < n; ++i) {
        for (int k = 0; k < d; ++k) f.positions(k, i) = g(rng);
        f.positions.col(i).normalize();
    }
    return f;
}

// A frame of n tokens in R^d whose positions the test sets.
core::Frame blankFrame(int n, int d) {
    core::Frame f;
    f.n = n;
    f.d = d;
    f.H = 1;
    f.positions.resize(d, n);
    return f;
}

// The trail vertices as drawn, in order.
std::vector<Eigen::Vector3d> trailVertices(vtkPolyData* trails) {
    std::vector<Eigen::Vector3d> out;
    for (vtkIdType k = 0; k < trails->GetNumberOfPoints(); ++k) {
        double a[3];
        trails->GetPoints()->GetPoint(k, a);
        out.emplace_back(a[0], a[1], a[2]);
    }
    return out;
}

struct Offscreen {
    vtkNew<vtkRenderWindow> window;
    vtkNew<vtkRenderer> renderer;
    Offscreen(int w, int h) {
        window->SetOffScreenRendering(1);
        window->SetSize(w, h);
        window->AddRenderer(renderer);
    }
    QImage grab() {
        window->Render();
        vtkNew<vtkUnsignedCharArray> rgb;
        int* size = window->GetSize();
        window->GetPixelData(0, 0, size[0] - 1, size[1] - 1, 1, rgb);
        QImage img(size[0], size[1], QImage::Format_RGB888);
        for (int y = 0; y < size[1]; ++y)
            std::memcpy(img.scanLine(size[1] - 1 - y), rgb->GetPointer(3 * y * size[0]), 3 * size[0]);
        // For looking at the pictures: ATTNSPHERE_SAVE_IMAGES=DIR keeps them.
        const QString dir = qEnvironmentVariable("ATTNSPHERE_SAVE_IMAGES");
        if (!dir.isEmpty()) img.save(QStringLiteral("%1/scene_%2.png").arg(dir).arg(++s_saved));
        return img;
    }
    static inline int s_saved = 0;
};

// Display pixel (Qt convention, origin top-left) of world point p.
QPoint project(vtkRenderer* r, const Eigen::Vector3d& p) {
    r->SetWorldPoint(p.x(), p.y(), p.z(), 1.0);
    r->WorldToDisplay();
    double* dp = r->GetDisplayPoint();
    return QPoint(static_cast<int>(std::lround(dp[0])),
                  r->GetSize()[1] - 1 - static_cast<int>(std::lround(dp[1])));
}

int brightPixelsNear(const QImage& img, QPoint c, int radius, int threshold) {
    int count = 0;
    for (int y = c.y() - radius; y <= c.y() + radius; ++y)
        for (int x = c.x() - radius; x <= c.x() + radius; ++x) {
            if (!img.rect().contains(x, y)) continue;
            const QColor q = img.pixelColor(x, y);
            if (q.red() > threshold && q.green() > threshold && q.blue() > threshold) ++count;
        }
    return count;
}

double meanDifferenceFrom(const QImage& img, QColor bg, QRect region) {
    double sum = 0;
    int count = 0;
    for (int y = region.top(); y <= region.bottom(); y += 2)
        for (int x = region.left(); x <= region.right(); x += 2) {
            const QColor q = img.pixelColor(x, y);
            sum += std::abs(q.red() - bg.red()) + std::abs(q.green() - bg.green()) +
                   std::abs(q.blue() - bg.blue());
            ++count;
        }
    return sum / std::max(1, count);
}

}  // namespace

class TestSceneRenderer : public QObject {
    Q_OBJECT
private slots:
    // The frame says its geometry: flat is shown as flat from the first frame (tokens still on the unit
    // sphere), and a sphere frame is never taken for flat, whatever its norms.
    void geometryComesFromTheFrame() {
        Offscreen o(320, 240);
        render::SceneRenderer scene(o.renderer);
        core::Frame flat = makeFrame(20, 3, 2);
        flat.geometry = core::Geometry::Flat;
        scene.showFrame(flat);
        QVERIFY2(scene.projectionLabel().contains(QStringLiteral("flat geometry")),
                 qPrintable(scene.projectionLabel()));
        Offscreen o2(320, 240);
        render::SceneRenderer sphere(o2.renderer);
        core::Frame off = makeFrame(20, 3, 3);
        off.positions *= 2.0;
        sphere.showFrame(off);
        QVERIFY2(!sphere.projectionLabel().contains(QStringLiteral("flat")),
                 qPrintable(sphere.projectionLabel()));
    }

    void sphereIsVisibleAndSelectionHighlighted() {
        Offscreen o(640, 480);
        render::SceneRenderer scene(o.renderer);
        render::SceneStyle style;
        style.trailLength = 0;
        scene.setStyle(style);
        const core::Frame f = makeFrame(200, 3, 1);
        scene.showFrame(f);
        const QImage before = o.grab();
        // The sphere's disc (centre region) differs from the corner background.
        const QColor corner = before.pixelColor(3, 3);
        const double centre = meanDifferenceFrom(before, corner, QRect(270, 190, 100, 100));
        const double edge = meanDifferenceFrom(before, corner, QRect(0, 0, 60, 60));
        QVERIFY2(centre > edge + 10, qPrintable(QStringLiteral("centre %1 edge %2").arg(centre).arg(edge)));
        QVERIFY(scene.projectionLabel().isEmpty());

        // Select the front-most token: more near-white pixels around its location afterwards.
        int front = 0;
        const auto cam = scene.camera();
        const Eigen::Vector3d eye(cam.position[0], cam.position[1], cam.position[2]);
        for (int i = 1; i < f.n; ++i)
            if ((f.positions.col(i) - eye).norm() < (f.positions.col(front) - eye).norm()) front = i;
        const QPoint at = project(o.renderer, f.positions.col(front));
        // The highlight is a ring around the token (radius 0.075, about 16 pixels here).
        const int whiteBefore = brightPixelsNear(before, at, 20, 235);
        scene.setSelectedToken(front);
        QCOMPARE(scene.selectedToken(), front);
        const QImage after = o.grab();
        const int whiteAfter = brightPixelsNear(after, at, 20, 235);
        QVERIFY2(whiteAfter > whiteBefore + 20,
                 qPrintable(QStringLiteral("white before %1 after %2").arg(whiteBefore).arg(whiteAfter)));

        // Picking at that pixel (VTK display convention: origin bottom-left) finds the token.
        QCOMPARE(scene.pickToken(at.x(), o.renderer->GetSize()[1] - 1 - at.y()), front);
        QCOMPARE(scene.pickToken(2, 2), -1);
    }

    void tokenColoursFollowTheMode() {
        Offscreen o(320, 240);
        render::SceneRenderer scene(o.renderer);
        core::Frame f = makeFrame(3, 3, 2);
        f.hasObservables = true;
        f.heads.resize(2);
        for (int h = 0; h < 2; ++h) {
            f.heads[h].radial = core::Vector::Zero(3);
            f.heads[h].tangential = core::Vector::Zero(3);
            f.heads[h].entropy = core::Vector::Zero(3);
        }
        f.heads[1].tangential(2) = 1.0;  // token 2 dominated by head 1, tokens 0, 1 by head 0 (ties: first)
        f.heads[0].tangential(0) = 0.5;
        render::SceneStyle style;
        style.colour = render::ColourMode::DominantHead;
        scene.setStyle(style);
        scene.showFrame(f);
        QCOMPARE(scene.tokenColour(0), render::headColour(0));
        QCOMPARE(scene.tokenColour(2), render::headColour(1));
        QVERIFY(render::headColour(0) != render::headColour(1));
    }

    void circleForTwoDimensions() {
        Offscreen o(480, 480);
        render::SceneRenderer scene(o.renderer);
        core::Frame f = makeFrame(64, 2, 3);
        scene.showFrame(f);
        const QImage img = o.grab();
        // The unit circle is drawn: bright pixels along the circle's rightmost point, none at the centre.
        const QPoint right = project(o.renderer, {1, 0, 0});
        const QPoint centre = project(o.renderer, {0, 0, 0});
        QVERIFY(brightPixelsNear(img, right, 3, 150) > 0);
        QCOMPARE(brightPixelsNear(img, centre, 3, 150), 0);
        QVERIFY(scene.projectionLabel().isEmpty());
    }

    void projectionIsLabelledAndStable() {
        Offscreen o(480, 480);
        render::SceneRenderer scene(o.renderer);
        core::Frame f = makeFrame(100, 16, 4);
        scene.showFrame(f);
        QVERIFY(scene.projectionLabel().contains(QStringLiteral("R^16")));
        const int probe = 7;
        o.grab();
        const QPoint p1 = project(o.renderer, Eigen::Vector3d::Zero());
        // A tiny rotation of the data must not flip the picture: token 7 stays near where it was.
        auto pick = [&](int i) {
            for (int x = 0; x < 480; x += 2)
                for (int y = 0; y < 480; y += 2)
                    if (scene.pickToken(x, y) == i) return QPoint(x, y);
            return QPoint(-1000, -1000);
        };
        const QPoint before = pick(probe);
        QVERIFY(before.x() > -1000);
        core::Matrix R = core::Matrix::Identity(16, 16);
        const double a = 0.01;
        R(0, 0) = R(1, 1) = std::cos(a);
        R(0, 1) = -std::sin(a);
        R(1, 0) = std::sin(a);
        f.positions = R * f.positions;
        scene.showFrame(f);
        o.grab();
        const QPoint after = pick(probe);
        QVERIFY2((after - before).manhattanLength() < 30,
                 qPrintable(QStringLiteral("moved from (%1,%2) to (%3,%4)")
                                .arg(before.x())
                                .arg(before.y())
                                .arg(after.x())
                                .arg(after.y())));
        Q_UNUSED(p1);
    }

    // A caption or formula strip over the view's bottom lifts the projection label above it: with a lift
    // of 150 px the label's text is found 150 px higher, and the bottom rows are background.
    void projectionLabelLiftsAboveACaption() {
        auto labelRows = [](int lift) {
            Offscreen o(480, 320);
            render::SceneRenderer scene(o.renderer);
            render::SceneStyle style;
            style.trailLength = 0;
            style.showGrid = false;
            style.showShell = false;
            style.showLegend = false;
            style.pointSize = 1;
            scene.setStyle(style);
            core::Frame f = makeFrame(3, 8, 2);
            for (int i = 0; i < f.n; ++i) f.positions.col(i) *= 0.01;  // tokens at the centre
            scene.showFrame(f);
            scene.setLabelLift(lift);
            const QImage image = o.grab();
            // Rows (from the bottom) where the left part of the picture differs from its corner.
            const QColor background = image.pixelColor(470, 5);
            std::vector<int> rows;
            for (int y = 0; y < image.height(); ++y) {
                bool text = false;
                for (int x = 10; x < 200 && !text; ++x) {
                    const QColor c = image.pixelColor(x, y);
                    text = std::abs(c.red() - background.red()) + std::abs(c.green() - background.green()) +
                               std::abs(c.blue() - background.blue()) >
                           120;
                }
                if (text) rows.push_back(image.height() - 1 - y);
            }
            return rows;
        };
        const std::vector<int> low = labelRows(0), high = labelRows(150);
        QVERIFY(!low.empty() && !high.empty());
        QVERIFY2(
            *std::min_element(low.begin(), low.end()) < 20 && *std::max_element(low.begin(), low.end()) < 60,
            qPrintable(QString::number(low.front())));
        QVERIFY2(*std::min_element(high.begin(), high.end()) >= 150 &&
                     *std::max_element(high.begin(), high.end()) < 210,
                 qPrintable(QString::number(high.front())));
    }

    void sizesScaleWithTheOutputResolution() {
        // A 4K image looks like the 1080p one: tokens and trails twice as many pixels wide.
        render::SceneStyle style;
        double token[2], trail[2];
        const int heights[2] = {1080, 2160};
        for (int k = 0; k < 2; ++k) {
            Offscreen o(heights[k] * 16 / 9, heights[k]);
            render::SceneRenderer scene(o.renderer);
            scene.setStyle(style);
            scene.showFrame(makeFrame(20, 3, 5));
            o.window->Render();
            token[k] = scene.tokenPixelSize();
            trail[k] = scene.trailLineWidth();
        }
        QCOMPARE(token[0], style.pointSize);
        QCOMPARE(token[1], 2 * token[0]);
        QCOMPARE(trail[1], 2 * trail[0]);
        // Small views keep legible tokens (square root below 1080).
        QVERIFY(std::abs(render::SceneRenderer::sizeScale(270) - 0.5) < 1e-12);
        QCOMPARE(render::SceneRenderer::sizeScale(2160), 2.0);
    }

    void trailsFollowTheSphereAndFadeWhenIdle() {
        Offscreen o(320, 320);
        render::SceneRenderer scene(o.renderer);
        render::SceneStyle style;
        style.trailLength = 10;
        scene.setStyle(style);
        core::Frame f = blankFrame(2, 2);
        // Token 0 jumps by 2.5 rad in one frame (a fast merge), token 1 stays.
        auto place = [&](double a0) {
            f.positions.col(0) << std::cos(a0), std::sin(a0);
            f.positions.col(1) << 0.0, -1.0;
        };
        place(0.0);
        scene.showFrame(f);
        place(2.5);
        scene.showFrame(f);
        vtkPolyData* trails = scene.trailGeometry();
        auto minimumMidpointNorm = [&] {
            double least = 2;
            vtkCellArray* lines = trails->GetLines();
            lines->InitTraversal();
            vtkIdType count = 0;
            const vtkIdType* ids = nullptr;
            while (lines->GetNextCell(count, ids))
                for (vtkIdType k = 1; k < count; ++k) {
                    double a[3], b[3];
                    trails->GetPoints()->GetPoint(ids[k - 1], a);
                    trails->GetPoints()->GetPoint(ids[k], b);
                    least =
                        std::min(least, Eigen::Vector3d(a[0] + b[0], a[1] + b[1], a[2] + b[2]).norm() / 2);
                }
            return least;
        };
        // No chord through the circle: every segment's midpoint is (nearly) on it.
        QVERIFY2(minimumMidpointNorm() > 0.999, qPrintable(QString::number(minimumMidpointNorm())));
        // Nothing moves any more: the old trail fades out instead of staying forever.
        for (int k = 0; k < 200; ++k) scene.showFrame(f);
        // Token 0's points are all at its current position (token 1's at (0, -1)).
        bool stale = false;
        for (const Eigen::Vector3d& a : trailVertices(trails)) {
            const bool atToken0 = std::hypot(a[0] - std::cos(2.5), a[1] - std::sin(2.5)) < 1e-6;
            const bool atToken1 = std::hypot(a[0], a[1] + 1) < 1e-6;
            stale = stale || !(atToken0 || atToken1);
        }
        QVERIFY(!stale);
    }

    // A trail is drawn with the vertices that lie on the chord of their neighbours left out (the
    // rasteriser's cost grows with the segment count): a slow token's 30 samples along a great circle
    // become a few segments, yet every sample stays within half a pixel (1e-3 of the radius) of the
    // line drawn, and the ends (the oldest sample and the current position) are kept.
    void trailsLeaveOutCollinearVertices() {
        Offscreen o(320, 320);
        render::SceneRenderer scene(o.renderer);
        render::SceneStyle style;
        style.trailLength = 30;
        scene.setStyle(style);
        core::Frame f = blankFrame(1, 3);
        std::vector<Eigen::Vector3d> samples;
        for (int k = 0; k <= 40; ++k) {
            const double a = 0.005 * k;  // more than the 0.004 sampling distance per frame
            f.positions.col(0) << std::cos(a), std::sin(a) * 0.6, std::sin(a) * 0.8;
            samples.push_back(f.positions.col(0));
            scene.showFrame(f);
        }
        vtkPolyData* trails = scene.trailGeometry();
        const std::vector<Eigen::Vector3d> line = trailVertices(trails);
        QVERIFY2(line.size() >= 3 && line.size() <= 8, qPrintable(QString::number(line.size())));
        // The newest end is the token itself; the oldest the 30th sample, counting it.
        QVERIFY((line.back() - samples.back()).norm() < 1e-6);
        QVERIFY((line.front() - samples[samples.size() - 30]).norm() < 1e-6);
        for (std::size_t s = samples.size() - 30; s < samples.size(); ++s) {
            double nearest = 1;
            for (std::size_t k = 1; k < line.size(); ++k) {
                const Eigen::Vector3d chord = line[k] - line[k - 1], v = samples[s] - line[k - 1];
                const double along = std::clamp(v.dot(chord) / chord.squaredNorm(), 0.0, 1.0);
                nearest = std::min(nearest, (v - along * chord).norm());
            }
            QVERIFY2(nearest < 1e-3 + 1e-6,
                     qPrintable(QStringLiteral("sample %1 is %2 off").arg(s).arg(nearest)));
        }
        // A token that turns sharply keeps its corner.
        f.positions.col(0) << std::cos(0.2), std::sin(0.2) * 0.6 + 0.05, std::sin(0.2) * 0.8 - 0.04;
        f.positions.col(0).normalize();
        const Eigen::Vector3d corner = samples.back();
        scene.showFrame(f);
        bool cornerKept = false;
        for (const Eigen::Vector3d& a : trailVertices(trails))
            cornerKept = cornerKept || (a - corner).norm() < 1e-6;
        QVERIFY(cornerKept);
    }

    void offscreenCopyKeepsTheLiveTrails() {
        Offscreen live(320, 240), copy(640, 480);
        render::SceneRenderer view(live.renderer), image(copy.renderer);
        core::Frame f = makeFrame(5, 3, 6);
        const core::Matrix start = f.positions;
        for (int k = 0; k < 8; ++k) {
            f.positions = start;
            f.positions.row(2).array() += 0.05 * k;
            for (int i = 0; i < f.n; ++i) f.positions.col(i).normalize();
            view.showFrame(f);
        }
        image.adoptHistory(view);
        image.showFrame(f);
        QVERIFY(view.trailGeometry()->GetNumberOfPoints() > 5 * 5);
        QCOMPARE(image.trailGeometry()->GetNumberOfPoints(), view.trailGeometry()->GetNumberOfPoints());
    }

    // The shell is drawn into the view's backdrop: inside the sphere's outline the picture is tinted,
    // outside it is the plain background, and the same with the camera turned (the headlight makes the
    // shell look alike from every side); without the shell the backdrop is the background everywhere.
    void shellIsDrawnInTheBackdrop() {
        auto shot = [](bool shell, const core::Camera& camera, Eigen::Vector3d probe, QPoint* at,
                       const Eigen::Vector3d& tokens) {
            Offscreen o(400, 400);
            render::SceneRenderer scene(o.renderer);
            render::SceneStyle style;
            style.trailLength = 0;
            style.showGrid = false;
            style.showShell = shell;
            scene.setStyle(style);
            core::Frame f = makeFrame(3, 3, 1);
            for (int i = 0; i < 3; ++i) f.positions.col(i) = tokens;  // away from the probed pixels
            scene.showFrame(f);
            scene.setCamera(camera);
            const QImage img = o.grab();
            // A point beside the sphere seen from this camera: `probe` along its right vector.
            *at = project(o.renderer, probe);
            return img;
        };
        for (const core::Camera& camera :
             {core::Camera{}, core::Camera{{3, 2.5, 1}, {0, 0, 0}, {0, 0, 1}, 30}}) {
            const Eigen::Vector3d position(camera.position.data());
            const Eigen::Vector3d up(camera.viewUp.data());
            const Eigen::Vector3d right = up.cross(-position).normalized();
            QPoint inside, outside, centre;
            const QImage on = shot(true, camera, 0.9 * right, &inside, -right);
            const QImage off = shot(false, camera, 1.15 * right, &outside, -right);
            shot(false, camera, Eigen::Vector3d::Zero(), &centre, -right);
            auto differs = [&](QPoint p) {
                const QColor a = on.pixelColor(p), b = off.pixelColor(p);
                return std::abs(a.red() - b.red()) + std::abs(a.green() - b.green()) +
                       std::abs(a.blue() - b.blue());
            };
            QVERIFY2(differs(centre) >= 12, qPrintable(QString::number(differs(centre))));
            QVERIFY2(differs(inside) >= 6, qPrintable(QString::number(differs(inside))));
            QCOMPARE(differs(outside), 0);
            QCOMPARE(differs(QPoint(3, 3)), 0);
        }
    }

    void selectionRingLeavesTheTokenVisible() {
        Offscreen o(480, 480);
        render::SceneRenderer scene(o.renderer);
        render::SceneStyle style;
        style.trailLength = 0;
        style.showGrid = false;
        style.showShell = false;
        scene.setStyle(style);
        core::Frame f = makeFrame(3, 3, 1);
        f.positions.col(0) << 0.0, 0.0, 1.0;
        scene.setCamera({});
        scene.showFrame(f);
        scene.setCamera({});
        scene.setSelectedToken(0);
        const QImage img = o.grab();
        const QPoint at = project(o.renderer, Eigen::Vector3d(0, 0, 1));
        // The selected token keeps its own colour at its centre (no white sprite over it or its cluster).
        const QColor centre = img.pixelColor(at);
        const QColor own = scene.tokenColour(0);
        QVERIFY2(std::abs(centre.hueF() - own.hueF()) < 0.08 && centre.saturationF() > 0.3,
                 qPrintable(QStringLiteral("centre %1 own %2").arg(centre.name(), own.name())));
        QVERIFY(brightPixelsNear(img, at, 30, 235) > 20);  // the ring
    }
};

QTEST_MAIN(TestSceneRenderer)
#include "test_scene_renderer.moc"
