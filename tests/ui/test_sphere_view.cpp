// SphereView under Xvfb: the VTK picture reaches Qt's framebuffer (not black, not see-through), the
// newest frame wins, and a click on a token selects it.
#include "ui/SphereView.h"

#include <QApplication>
#include <QSignalSpy>
#include <QtTest>

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
        view.setViewPreset(ui::ViewPreset::Front);
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
};

int main(int argc, char** argv) {
    ui::SphereView::prepareOpenGl();
    QApplication app(argc, argv);
    TestSphereView test;
    return QTest::qExec(&test, argc, argv);
}
#include "test_sphere_view.moc"
