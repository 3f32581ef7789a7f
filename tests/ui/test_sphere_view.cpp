// SphereView under Xvfb: the VTK picture reaches Qt's framebuffer (not black, not see-through), the
// newest frame wins, a click on a token selects it, and an offscreen image of the view keeps its trails.
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
};

int main(int argc, char** argv) {
    ui::SphereView::prepareOpenGl();
    QApplication app(argc, argv);
    TestSphereView test;
    return QTest::qExec(&test, argc, argv);
}
#include "test_sphere_view.moc"
