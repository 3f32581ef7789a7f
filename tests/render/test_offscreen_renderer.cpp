// OffscreenRenderer under Xvfb: exact sizes up to 3840x2160, the sphere is drawn (not blank),
// opaque vs transparent backgrounds, repeatable pixels; an X server that refuses the connection is a
// RenderError, not VTK's abort of the whole process.
#include "render/OffscreenRenderer.h"

#include <QtTest>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <atomic>
#include <cmath>
#include <cstring>
#include <thread>

using namespace attnsphere;

namespace {

core::Frame ringFrame(int n) {
    core::Frame f;
    f.n = n;
    f.d = 3;
    f.H = 1;
    f.positions.resize(3, n);
    for (int i = 0; i < n; ++i) {
        const double phi = 2 * M_PI * i / n, z = std::cos(3.0 * i);
        const double r = std::sqrt(1 - z * z);
        f.positions.col(i) << r * std::cos(phi), r * std::sin(phi), z;
    }
    return f;
}

bool near(QRgb a, QRgb b, int tolerance) {
    return std::abs(qRed(a) - qRed(b)) <= tolerance && std::abs(qGreen(a) - qGreen(b)) <= tolerance &&
           std::abs(qBlue(a) - qBlue(b)) <= tolerance;
}

// Pixels that differ from their row's left edge (the background may be a vertical gradient).
int countForeground(const QImage& img) {
    int count = 0;
    for (int y = 0; y < img.height(); ++y)
        for (int x = 0; x < img.width(); ++x) count += !near(img.pixel(x, y), img.pixel(0, y), 6);
    return count;
}

}  // namespace

class TestOffscreenRenderer : public QObject {
    Q_OBJECT
private slots:
    void exactSizeAndNotBlank_data() {
        QTest::addColumn<int>("w");
        QTest::addColumn<int>("h");
        QTest::newRow("320x240") << 320 << 240;
        QTest::newRow("1280x720") << 1280 << 720;
        QTest::newRow("3840x2160") << 3840 << 2160;
    }
    void exactSizeAndNotBlank() {
        QFETCH(int, w);
        QFETCH(int, h);
        render::OffscreenRenderer r(w, h);
        render::SceneStyle style;
        style.background = QColor(10, 20, 30);
        r.setStyle(style);
        const QImage img = r.render(ringFrame(64)).convertToFormat(QImage::Format_ARGB32);
        QCOMPARE(img.size(), QSize(w, h));
        QVERIFY(near(img.pixel(0, h - 1), QColor(10, 20, 30).rgb(), 6));  // bottom corner: the background
        QVERIFY(!near(img.pixel(w / 2, h / 2), img.pixel(0, h / 2), 6));  // centre: the sphere
        // The sphere covers a sizeable part of the frame, whatever the resolution.
        QVERIFY(countForeground(img) > w * h / 20);
        QCOMPARE(qAlpha(img.pixel(w / 2, h / 2)), 255);
        QCOMPARE(qAlpha(img.pixel(0, 0)), 255);
    }

    void transparentBackground() {
        render::OffscreenRenderer r(320, 240);
        render::SceneStyle style;
        style.transparentBackground = true;
        r.setStyle(style);
        const QImage img = r.render(ringFrame(64)).convertToFormat(QImage::Format_ARGB32);
        QVERIFY(img.hasAlphaChannel());
        QCOMPARE(qAlpha(img.pixel(0, 0)), 0);
        QCOMPARE(qAlpha(img.pixel(319, 239)), 0);
        QVERIFY(qAlpha(img.pixel(160, 120)) > 0);
    }

    void repeatable() {
        render::OffscreenRenderer r(320, 240);
        r.setStyle({});
        const QImage a = r.render(ringFrame(100));
        const QImage b = r.render(ringFrame(100));
        QCOMPARE(a, b);
        render::OffscreenRenderer other(320, 240);
        other.setStyle({});
        QCOMPARE(other.render(ringFrame(100)), a);
    }

    void resize() {
        render::OffscreenRenderer r(320, 240);
        r.setStyle({});
        r.render(ringFrame(10));
        r.setSize(200, 100);
        QCOMPARE(r.render(ringFrame(10)).size(), QSize(200, 100));
    }

    // A local display whose socket accepts and hangs up at once (what a swamped X server can do): VTK
    // would call abort(); the renderer retries, then throws naming the display.
    void displayThatHangsUpIsAnError() {
        const QByteArray number = QByteArray::number(700 + ::getpid() % 200);
        const std::string path = "/tmp/.X11-unix/X" + number.toStdString();
        ::unlink(path.c_str());
        const int server = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        QVERIFY(server >= 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
        QVERIFY(::bind(server, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
        QVERIFY(::listen(server, 16) == 0);
        std::atomic<bool> stop{false};
        int accepted = 0;
        std::thread hangUp([&] {
            while (!stop) {
                const int c = ::accept(server, nullptr, nullptr);
                if (c < 0) break;
                ++accepted;
                ::close(c);
            }
        });
        const QByteArray saved = qgetenv("DISPLAY");
        qputenv("DISPLAY", ":" + number);
        QString message;
        try {
            render::OffscreenRenderer r(64, 64);
        } catch (const render::RenderError& e) {
            message = e.what();
        }
        qputenv("DISPLAY", saved);
        stop = true;
        ::shutdown(server, SHUT_RDWR);
        ::close(server);
        hangUp.join();
        ::unlink(path.c_str());
        QVERIFY2(message.contains("cannot connect to the X display :" + QString(number)),
                 qPrintable(message));
        QVERIFY(accepted > 1);  // it tried again
    }
};

QTEST_GUILESS_MAIN(TestOffscreenRenderer)
#include "test_offscreen_renderer.moc"
