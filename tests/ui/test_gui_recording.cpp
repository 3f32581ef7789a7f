// GUI recording path under Xvfb: the main window records the live run lockstep into a playable MP4
// (every recorded frame is in the file, frame k is simulation step k*K), and the 3D-view screenshot
// renders at 3840x2160 with a transparent background. A recording with panels draws them beside the view.
#include "core/Scenario.h"
#include "render/FrameComposer.h"
#include "render/Recorder.h"
#include "render/SceneRenderer.h"
#include "ui/MainWindow.h"
#include "ui/SphereView.h"

#include <QApplication>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

using namespace attnsphere;

namespace {

QMap<QString, QString> probe(const QString& file) {
    QProcess p;
    p.start("ffprobe", {"-v", "error", "-select_streams", "v:0", "-count_frames", "-show_entries",
                        "stream=codec_name,pix_fmt,width,height,nb_read_frames", "-of",
                        "default=noprint_wrappers=1", file});
    p.waitForFinished(60000);
    QMap<QString, QString> out;
    for (const QString& line : QString::fromUtf8(p.readAllStandardOutput()).split('\n', Qt::SkipEmptyParts)) {
        const int eq = line.indexOf('=');
        if (eq > 0) out[line.left(eq)] = line.mid(eq + 1).trimmed();
    }
    return out;
}

ui::MainWindow::Options windowOptions() {
    ui::MainWindow::Options o;
    o.interactive = false;
    o.restoreLayout = false;
    o.startRunning = true;
    return o;
}

}  // namespace

class TestGuiRecording : public QObject {
    Q_OBJECT
private slots:
    void recordsAPlayableLockstepVideo() {
        core::Scenario s = core::Scenario::load("sphere-movie");
        ui::MainWindow window(s, "sphere-movie", windowOptions());
        window.resize(1000, 700);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QTemporaryDir dir;
        render::RecordSettings settings;
        settings.path = dir.filePath("live.mp4");
        settings.size = QSize(320, 240);
        settings.fps = 30;
        settings.stepsPerFrame = 2;
        window.controller()->play();
        QVERIFY(window.startRecording(settings));
        QVERIFY(window.isRecording());
        QTRY_VERIFY_WITH_TIMEOUT(window.recordedFrames() >= 12, 60000);
        const int frames = window.recordedFrames();
        const QString path = window.stopRecording();
        QVERIFY(!window.isRecording());
        QCOMPARE(path, settings.path);
        const auto p = probe(path);
        QCOMPARE(p.value("codec_name"), QString("h264"));
        QCOMPARE(p.value("pix_fmt"), QString("yuv420p"));
        QCOMPARE(p.value("width"), QString("320"));
        QCOMPARE(p.value("height"), QString("240"));
        // Every frame the worker sent is in the file: nothing dropped, whatever the rendering speed.
        QCOMPARE(p.value("nb_read_frames").toInt(), frames);
        QVERIFY(frames >= 12);
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden).size(), 1);
    }

    void recordsPanelsBesideTheView() {
        core::Scenario s = core::Scenario::load("default");  // three heads
        ui::MainWindow window(s, "default", windowOptions());
        window.resize(1000, 700);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QTemporaryDir dir;
        render::RecordSettings settings;
        settings.path = dir.filePath("frames");
        settings.size = QSize(1280, 720);
        settings.panels = {QStringLiteral("energy"), QStringLiteral("heatmap")};
        window.controller()->play();
        QVERIFY(window.startRecording(settings));
        QTRY_VERIFY_WITH_TIMEOUT(window.recordedFrames() >= 6, 60000);
        QCOMPARE(window.stopRecording(), settings.path);
        const QImage frame(QDir(settings.path).filePath("frame_00005.png"));
        QCOMPARE(frame.size(), settings.size);
        // The cells the composer lays out for these panels: the plots' background fills most of each,
        // and the energy cell has head 1's curve.
        render::CompositionOptions layout;
        layout.size = settings.size;
        layout.panels = settings.panels;
        const render::FrameComposer composer(layout);
        auto count = [&frame](const QRect& cell, const QColor& colour) {
            int n = 0;
            for (int y = cell.top(); y <= cell.bottom(); ++y)
                for (int x = cell.left(); x <= cell.right(); ++x) n += frame.pixelColor(x, y) == colour;
            return n;
        };
        for (int i = 0; i < 2; ++i) {
            const QRect cell = composer.panelRect(i);
            const int background = count(cell, QColor(24, 27, 34));
            QVERIFY2(background > cell.width() * cell.height() / 4, qPrintable(QString::number(background)));
        }
        QVERIFY(count(composer.panelRect(0), render::headColour(0)) > 20);
    }

    void closingWhileRecordingFinalises() {
        core::Scenario s = core::Scenario::load("sphere-movie");
        QTemporaryDir dir;
        const QString path = dir.filePath("closed.webm");
        {
            ui::MainWindow window(s, "sphere-movie", windowOptions());
            window.show();
            QVERIFY(QTest::qWaitForWindowExposed(&window));
            render::RecordSettings settings;
            settings.path = path;
            settings.size = QSize(320, 240);
            window.controller()->play();
            QVERIFY(window.startRecording(settings));
            QTRY_VERIFY_WITH_TIMEOUT(window.recordedFrames() >= 5, 60000);
            window.close();
        }
        const auto p = probe(path);
        QCOMPARE(p.value("codec_name"), QString("vp9"));
        QVERIFY(p.value("nb_read_frames").toInt() >= 5);
    }
};

int main(int argc, char** argv) {
    ui::SphereView::prepareOpenGl();
    QApplication app(argc, argv);
    TestGuiRecording test;
    return QTest::qExec(&test, argc, argv);
}
#include "test_gui_recording.moc"
