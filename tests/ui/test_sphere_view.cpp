// SphereView under Xvfb: the VTK picture reaches Qt's framebuffer (not black, not see-through), the
// newest frame wins, a click on a token selects it, a drag moves a token to the sphere point under the
// mouse, the co-moving view holds the mean direction, and an offscreen image of the view keeps its trails.
#include "core/Simulation.h"
#include "ui/SphereView.h"

#include <QApplication>
#include <QSignalSpy>
#include <QtTest>

#include <cmath>
#include <random>

using namespace attnsphere;

namespace {

std::shared_ptr<core::Frame> makeFrame(int n, int d, std::int64_t step) {
    auto f = std::make_shared<core::Frame>();
    f->n = n;
    f->d = d;
    f->H = 1;
    f->step = step;
    std::mt19937 rng(static_cast<unsigned>(7 + step));
    std::normal_distribution<double> g;
    f->positions.resize(d, n);
    for (int i = 0; i < n; ++i) {
        for (int k = 0; k < d; ++k) f->positions(k, i) = g(rng);
        f->positions.col(i).normalize();
    }
    return f;
}

}  // namespace

class TestSphereView : public QObject {
    Q_OBJECT
private slots:
    void picturesReachTheWidget() {
        ui::SphereView view;
        view.resize(640, 480);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        view.showFrame(makeFrame(300, 3, 1));
        auto newest = makeFrame(300, 3, 2);
        view.showFrame(newest);
        QTRY_VERIFY(view.paintCount() > 0);
        QTRY_COMPARE(view.currentFrame().get(), newest.get());
        QTest::qWait(100);
        const QImage img = view.grabFramebuffer();
        const QString dir = qEnvironmentVariable("ATTNSPHERE_SAVE_IMAGES");
        if (!dir.isEmpty()) img.save(dir + QStringLiteral("/sphere_view.png"));
        QVERIFY(!img.isNull());
        // Opaque everywhere, and the centre (sphere) is lighter than the corner (background).
        int transparent = 0;
        for (int y = 0; y < img.height(); y += 7)
            for (int x = 0; x < img.width(); x += 7)
                if (qAlpha(img.pixel(x, y)) < 250) ++transparent;
        QCOMPARE(transparent, 0);
        const QColor corner = img.pixelColor(2, img.height() - 3);
        int distinct = 0;
        for (int y = img.height() / 3; y < 2 * img.height() / 3; y += 3)
            for (int x = img.width() / 3; x < 2 * img.width() / 3; x += 3) {
                const QColor q = img.pixelColor(x, y);
                if (std::abs(q.red() - corner.red()) + std::abs(q.green() - corner.green()) +
                        std::abs(q.blue() - corner.blue()) >
                    40)
                    ++distinct;
            }
        QVERIFY2(distinct > 50, qPrintable(QString::number(distinct)));
    }

    void clickSelectsToken() {
        ui::SphereView view;
        view.resize(600, 600);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        // A single token at the front centre of the sphere (towards the default camera).
        auto f = std::make_shared<core::Frame>();
        f->n = 2;
        f->d = 3;
        f->H = 1;
        f->positions.resize(3, 2);
        f->positions.col(0) = Eigen::Vector3d(0, 0, -1);
        f->positions.col(1) = Eigen::Vector3d(0, 0, 1);
        view.showFrame(f);
        const long long painted = view.paintCount();
        QTRY_VERIFY(view.paintCount() > painted);
        view.setViewPreset(render::ViewPreset::Front);
        const long long repainted = view.paintCount();
        QTRY_VERIFY(view.paintCount() > repainted);
        QSignalSpy spy(&view, &ui::SphereView::tokenClicked);
        QTest::mouseClick(view.glWindow(), Qt::LeftButton, {}, QPoint(300, 300));
        QCOMPARE(spy.count(), 1);
        QCOMPARE(spy.at(0).at(0).toInt(), 1);  // the front one, not the one behind it
        QCOMPARE(view.selectedToken(), 1);
        QTest::mouseClick(view.glWindow(), Qt::LeftButton, {}, QPoint(5, 5));
        QCOMPARE(spy.count(), 2);
        QCOMPARE(spy.at(1).at(0).toInt(), -1);
    }

    // File > Screenshot of the 3D view: any size up to 4K, with or without a transparent background.
    void viewScreenshotAtAnyResolution() {
        ui::SphereView view;
        view.resize(480, 360);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        core::Simulation sim(core::Scenario::load("sphere-movie"));
        const long long painted = view.paintCount();
        view.showFrame(std::make_shared<core::Frame>(sim.makeFrame()));
        QTRY_VERIFY(view.paintCount() > painted);
        const QImage img = view.renderImage(QSize(3840, 2160), true);
        QCOMPARE(img.size(), QSize(3840, 2160));
        QVERIFY(img.hasAlphaChannel());
        QCOMPARE(qAlpha(img.pixel(0, 0)), 0);
        QVERIFY(qAlpha(img.pixel(1920, 1080)) > 0);
        const QImage opaque = view.renderImage(QSize(800, 600), false);
        QCOMPARE(opaque.size(), QSize(800, 600));
        QCOMPARE(qAlpha(opaque.pixel(0, 0)), 255);
    }

    void offscreenImageKeepsTheViewsTrails() {
        ui::SphereView view;
        view.resize(480, 360);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        view.setViewPreset(render::ViewPreset::Front);
        // One token sweeping along the equator in front of the camera: the view draws its trail.
        for (int k = 0; k <= 20; ++k) {
            auto f = std::make_shared<core::Frame>();
            f->n = 1;
            f->d = 3;
            f->H = 1;
            f->t = 0.1 * k;
            const double a = -0.8 + 0.08 * k;
            f->positions.resize(3, 1);
            f->positions.col(0) = Eigen::Vector3d(std::sin(a), 0, std::cos(a));
            const long long painted = view.paintCount();
            view.showFrame(f);
            QTRY_VERIFY(view.paintCount() > painted);
        }
        auto tokenPixels = [](const QImage& img) {
            int count = 0;
            // Left of the colour bar; the trail fades, so a faint red tint counts.
            for (int y = 0; y < img.height(); ++y)
                for (int x = 0; x < img.width() * 8 / 10; ++x) {
                    const QColor q = img.pixelColor(x, y);
                    if (q.red() > q.green() + 15 && q.red() > q.blue() + 15) ++count;
                }
            return count;
        };
        const QImage withTrails = view.renderImage(QSize(960, 720), false);
        QCOMPARE(withTrails.size(), QSize(960, 720));
        view.resetTrails();
        const QImage withoutTrails = view.renderImage(QSize(960, 720), false);
        const int a = tokenPixels(withTrails), b = tokenPixels(withoutTrails);
        const QString dir = qEnvironmentVariable("ATTNSPHERE_SAVE_IMAGES");
        if (!dir.isEmpty()) {
            withTrails.save(dir + QStringLiteral("/view_image_trails.png"));
            withoutTrails.save(dir + QStringLiteral("/view_image_no_trails.png"));
        }
        QVERIFY2(a > b + 40, qPrintable(QStringLiteral("with trails %1, without %2").arg(a).arg(b)));
        QVERIFY(b > 20);  // the token itself
    }

    // Ctrl+drag from one token to where another is drawn moves the first to the second's point of the
    // sphere (the camera ray through the mouse meets the sphere there); a plain drag rotates; the Drag
    // token tool drags without Ctrl; the Add token tool asks for a token at the sphere point clicked.
    void dragMovesTheTokenToTheRaySpherePoint() {
        ui::SphereView view;
        view.resize(600, 600);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        auto f = std::make_shared<core::Frame>();
        f->n = 3;
        f->d = 3;
        f->H = 1;
        f->positions.resize(3, 3);
        f->positions.col(0) = Eigen::Vector3d(0, 0, 1);
        f->positions.col(1) = Eigen::Vector3d(0.5, 0.3, 0.6).normalized();
        f->positions.col(2) = Eigen::Vector3d(-0.4, 0.5, 0.7).normalized();
        view.showFrame(f);
        const long long painted = view.paintCount();
        QTRY_VERIFY(view.paintCount() > painted);
        view.setViewPreset(render::ViewPreset::Front);
        const long long repainted = view.paintCount();
        QTRY_VERIFY(view.paintCount() > repainted);
        QVERIFY(view.tokenPosition(0).toPoint() != view.tokenPosition(1).toPoint());

        QSignalSpy started(&view, &ui::SphereView::tokenDragStarted);
        QSignalSpy dragged(&view, &ui::SphereView::tokenDragged);
        QSignalSpy finished(&view, &ui::SphereView::tokenDragFinished);
        QSignalSpy camera(&view, &ui::SphereView::cameraChanged);
        // Where the tokens are drawn now (a rotation moves them).
        auto drag = [&](Qt::KeyboardModifiers modifiers) {
            const QPoint from = view.tokenPosition(0).toPoint(), to = view.tokenPosition(1).toPoint();
            QTest::mousePress(view.glWindow(), Qt::LeftButton, modifiers, from);
            QTest::mouseMove(view.glWindow(), (from + to) / 2);
            QTest::mouseMove(view.glWindow(), to);
            QTest::mouseRelease(view.glWindow(), Qt::LeftButton, modifiers, to);
        };
        drag(Qt::ControlModifier);
        QCOMPARE(started.count(), 1);
        QCOMPARE(started.at(0).at(0).toInt(), 0);
        QCOMPARE(finished.count(), 1);
        QVERIFY(dragged.count() >= 1);
        const core::Vector moved = dragged.last().at(1).value<core::Vector>();
        QCOMPARE(dragged.last().at(0).toInt(), 0);
        QVERIFY(std::abs(moved.norm() - 1) < 1e-12);
        QVERIFY2((moved - f->positions.col(1)).norm() < 0.02,
                 qPrintable(QString("%1 %2 %3").arg(moved(0)).arg(moved(1)).arg(moved(2))));
        QCOMPARE(view.selectedToken(), 0);

        // Rotate tool, no Ctrl: the camera turns, no token moves.
        const int before = dragged.count();
        drag({});
        QCOMPARE(dragged.count(), before);
        QCOMPARE(started.count(), 1);

        view.setTool(ui::SphereView::Tool::DragToken);
        drag({});
        QCOMPARE(started.count(), 2);
        QVERIFY(dragged.count() > before);

        view.setViewPreset(render::ViewPreset::Front);  // the drags turned the camera
        view.setTool(ui::SphereView::Tool::AddToken);
        QSignalSpy added(&view, &ui::SphereView::addTokenRequested);
        const QPoint at = view.tokenPosition(2).toPoint();
        QTest::mouseClick(view.glWindow(), Qt::LeftButton, {}, at);
        QCOMPARE(added.count(), 1);
        const core::Vector point = added.at(0).at(0).value<core::Vector>();
        QVERIFY2((point - f->positions.col(2)).norm() < 0.02,
                 qPrintable(QString("%1 %2 %3").arg(point(0)).arg(point(1)).arg(point(2))));
    }

    // The co-moving view shows the frame rotated so that its mean direction is the one it had when the
    // option was switched on.
    void coMovingHoldsTheMeanDirection() {
        ui::SphereView view;
        view.resize(300, 300);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        auto first = makeFrame(50, 3, 1);
        view.showFrame(first);
        view.setCoMoving(true);
        const core::Vector reference = first->positions.rowwise().mean().normalized();
        auto later = makeFrame(50, 3, 2);
        view.showFrame(later);
        const core::Matrix& shown = view.currentFrame()->positions;
        QVERIFY((core::Vector(shown.rowwise().mean()).normalized() - reference).norm() < 1e-12);
        QVERIFY((core::Vector(later->positions.rowwise().mean()).normalized() - reference).norm() > 1e-3);
        view.setCoMoving(false);
        QVERIFY(view.currentFrame()->positions == later->positions);
    }
};

int main(int argc, char** argv) {
    ui::SphereView::prepareOpenGl();
    QApplication app(argc, argv);
    TestSphereView test;
    return QTest::qExec(&test, argc, argv);
}
#include "test_sphere_view.moc"
