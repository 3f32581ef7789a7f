// VideoEncoder: formats by path, validation messages, ffprobe-checked output for every format,
// determinism (framemd5), alpha, cancellation and failure paths (missing or failing ffmpeg).
#include "FullDisk.h"
#include "NoiseImage.h"
#include "core/Errors.h"
#include "render/VideoEncoder.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <cstring>

using attnsphere::core::ValidationError;
using attnsphere::render::VideoEncoder;
using attnsphere::render::VideoError;
using attnsphere::render::VideoFormat;
using attnsphere::render::VideoSettings;

namespace {

// A deterministic moving pattern; alpha 0 on the left quarter so transparency is visible.
QImage syntheticFrame(int w, int h, int k, bool transparent) {
    QImage img(w, h, QImage::Format_RGBA8888);
    for (int y = 0; y < h; ++y) {
        uchar* row = img.scanLine(y);
        for (int x = 0; x < w; ++x) {
            row[4 * x + 0] = static_cast<uchar>((x + 3 * k) % 256);
            row[4 * x + 1] = static_cast<uchar>((y * 2 + k) % 256);
            row[4 * x + 2] = static_cast<uchar>(((x / 16 + y / 16 + k) % 2) * 200);
            row[4 * x + 3] = (transparent && x < w / 4) ? 0 : 255;
        }
    }
    return img;
}

QString runTool(const QString& program, const QStringList& args, int* exitCode = nullptr) {
    QProcess p;
    p.setProcessChannelMode(QProcess::SeparateChannels);
    p.start(program, args);
    p.waitForFinished(120000);
    if (exitCode) *exitCode = p.exitCode();
    return QString::fromUtf8(p.readAllStandardOutput());
}

// key=value lines of `ffprobe -show_entries stream=...` for the first video stream.
QMap<QString, QString> probe(const QString& file) {
    QStringList args{"-v",
                     "error",
                     "-select_streams",
                     "v:0",
                     "-count_frames",
                     "-show_entries",
                     "stream=codec_name,pix_fmt,width,height,nb_read_frames:stream_tags=alpha_mode",
                     "-of",
                     "default=noprint_wrappers=1"};
    args << file;
    QMap<QString, QString> out;
    for (const QString& line : runTool("ffprobe", args).split('\n', Qt::SkipEmptyParts)) {
        const int eq = line.indexOf('=');
        if (eq > 0) out[line.left(eq).replace("TAG:", "")] = line.mid(eq + 1).trimmed();
    }
    return out;
}

QString framemd5(const QString& file) {
    QString text = runTool("ffmpeg", {"-v", "error", "-i", file, "-f", "framemd5", "-"});
    QStringList lines;
    for (const QString& l : text.split('\n'))
        if (!l.startsWith('#') && !l.trimmed().isEmpty()) lines << l;
    return lines.join('\n');
}

void encode(const VideoSettings& s, int frames) {
    VideoEncoder enc;
    enc.open(s);
    for (int k = 0; k < frames; ++k) enc.addFrame(syntheticFrame(s.width, s.height, k, s.transparent));
    enc.finish();
}

QStringList visibleEntries(const QString& dir) {
    return QDir(dir).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden);
}

}  // namespace

class TestVideoEncoder : public QObject {
    Q_OBJECT
private slots:
    void formatFromPath() {
        QCOMPARE(VideoEncoder::formatForPath("a/b.mp4"), VideoFormat::Mp4);
        QCOMPARE(VideoEncoder::formatForPath("b.WEBM"), VideoFormat::WebM);
        QCOMPARE(VideoEncoder::formatForPath("b.gif"), VideoFormat::Gif);
        QCOMPARE(VideoEncoder::formatForPath("frames/"), VideoFormat::PngSequence);
        QCOMPARE(VideoEncoder::formatForPath("frames"), VideoFormat::PngSequence);
        QVERIFY_THROWS_EXCEPTION(ValidationError, VideoEncoder::formatForPath("b.avi"));
    }

    void validationNamesOptionAndRange_data() {
        QTest::addColumn<QString>("path");
        QTest::addColumn<int>("w");
        QTest::addColumn<int>("h");
        QTest::addColumn<double>("fps");
        QTest::addColumn<bool>("alpha");
        QTest::addColumn<int>("crf");
        QTest::addColumn<QString>("expect");
        QTest::newRow("alpha mp4") << "v.mp4" << 320 << 240 << 30.0 << true << -1 << "--transparent";
        QTest::newRow("alpha gif") << "v.gif" << 320 << 240 << 30.0 << true << -1 << "--transparent";
        QTest::newRow("too wide") << "v.webm" << 4000 << 240 << 30.0 << false << -1 << "3840";
        QTest::newRow("odd mp4") << "v.mp4" << 321 << 240 << 30.0 << false << -1 << "--size";
        QTest::newRow("fps zero") << "v.mp4" << 320 << 240 << 0.0 << false << -1 << "(0, 240]";
        QTest::newRow("crf mp4") << "v.mp4" << 320 << 240 << 30.0 << false << 60 << "[0, 51]";
        QTest::newRow("crf png") << "dir/" << 320 << 240 << 30.0 << false << 20 << "--crf";
    }
    void validationNamesOptionAndRange() {
        QFETCH(QString, path);
        QFETCH(int, w);
        QFETCH(int, h);
        QFETCH(double, fps);
        QFETCH(bool, alpha);
        QFETCH(int, crf);
        QFETCH(QString, expect);
        VideoSettings s{path, w, h, fps, alpha, crf};
        try {
            VideoEncoder::validate(s);
            QFAIL("no error");
        } catch (const ValidationError& e) {
            const QString msg = QString::fromStdString(e.what());
            QVERIFY2(msg.contains(expect), qPrintable(msg));
            if (alpha) {
                QVERIFY2(msg.contains("PNG sequence") && msg.contains(".webm"), qPrintable(msg));
            }
        }
    }

    void eachFormatProbes_data() {
        QTest::addColumn<QString>("name");
        QTest::addColumn<bool>("alpha");
        QTest::addColumn<QString>("codec");
        QTest::addColumn<QString>("pixfmt");
        QTest::newRow("mp4") << "v.mp4" << false << "h264"
                             << "yuv420p";
        QTest::newRow("webm") << "v.webm" << false << "vp9"
                              << "yuv420p";
        QTest::newRow("webm alpha") << "a.webm" << true << "vp9"
                                    << "yuv420p";
        QTest::newRow("gif") << "v.gif" << false << "gif"
                             << "bgra";
    }
    void eachFormatProbes() {
        QFETCH(QString, name);
        QFETCH(bool, alpha);
        QFETCH(QString, codec);
        QFETCH(QString, pixfmt);
        QTemporaryDir dir;
        const QString out = dir.filePath(name);
        encode({out, 320, 240, 30, alpha, -1}, 12);
        QVERIFY(QFile::exists(out));
        QCOMPARE(visibleEntries(dir.path()), QStringList{name});  // no temporaries left behind
        const auto p = probe(out);
        QCOMPARE(p.value("codec_name"), codec);
        QCOMPARE(p.value("pix_fmt"), pixfmt);
        QCOMPARE(p.value("width"), QString("320"));
        QCOMPARE(p.value("height"), QString("240"));
        QCOMPARE(p.value("nb_read_frames"), QString("12"));
        if (alpha) {
            // VP9 keeps alpha in a side channel (alpha_mode=1) that only libvpx-vp9 decodes.
            QCOMPARE(p.value("alpha_mode"), QString("1"));
            const QString png = dir.filePath("first.png");
            int code = -1;
            runTool("ffmpeg", {"-v", "error", "-c:v", "libvpx-vp9", "-i", out, "-frames:v", "1", png}, &code);
            QCOMPARE(code, 0);
            const QImage img(png);
            QVERIFY(img.hasAlphaChannel());
            QVERIFY(qAlpha(img.pixel(10, 120)) < 16);
            QVERIFY(qAlpha(img.pixel(300, 120)) > 240);
        }
    }

    void pngSequenceKeepsAlpha() {
        QTemporaryDir dir;
        const QString out = dir.filePath("seq");
        encode({out, 320, 240, 30, true, -1}, 5);
        const QStringList files = QDir(out).entryList({"*.png"}, QDir::Files, QDir::Name);
        QCOMPARE(files.size(), 5);
        QCOMPARE(files.first(), QString("frame_00000.png"));
        QCOMPARE(files.last(), QString("frame_00004.png"));
        QImage img(QDir(out).filePath(files.first()));
        QVERIFY(img.hasAlphaChannel());
        QCOMPARE(img.size(), QSize(320, 240));
        QCOMPARE(qAlpha(img.pixel(5, 5)), 0);
        QCOMPARE(qAlpha(img.pixel(300, 5)), 255);
        const auto p = probe(QDir(out).filePath(files.first()));
        QCOMPARE(p.value("pix_fmt"), QString("rgba"));

        // Opaque sequences are RGB, and re-rendering into the same directory replaces the old frames.
        encode({out, 320, 240, 30, false, -1}, 3);
        QCOMPARE(QDir(out).entryList({"*.png"}, QDir::Files).size(), 3);
        QVERIFY(!QImage(QDir(out).filePath("frame_00000.png")).hasAlphaChannel());
        QCOMPARE(visibleEntries(dir.path()), QStringList{"seq"});
    }

    void refusesForeignDirectory() {
        QTemporaryDir dir;
        QDir(dir.path()).mkdir("mine");
        QFile f(dir.filePath("mine/notes.txt"));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.close();
        VideoEncoder enc;
        QVERIFY_THROWS_EXCEPTION(ValidationError, enc.open({dir.filePath("mine"), 64, 64, 10, false, -1}));
        QVERIFY(QFile::exists(dir.filePath("mine/notes.txt")));
    }

    void deterministic_data() {
        QTest::addColumn<QString>("name");
        QTest::newRow("mp4") << "x.mp4";
        QTest::newRow("webm") << "x.webm";
        QTest::newRow("gif") << "x.gif";
    }
    void deterministic() {
        QFETCH(QString, name);
        QTemporaryDir a, b;
        encode({a.filePath(name), 320, 240, 25, false, -1}, 15);
        encode({b.filePath(name), 320, 240, 25, false, -1}, 15);
        const QString ma = framemd5(a.filePath(name)), mb = framemd5(b.filePath(name));
        QCOMPARE(ma.count('\n') + 1, 15);
        QCOMPARE(ma, mb);
        QFile fa(a.filePath(name)), fb(b.filePath(name));
        QVERIFY(fa.open(QIODevice::ReadOnly) && fb.open(QIODevice::ReadOnly));
        QCOMPARE(fa.readAll(), fb.readAll());  // bit-identical files, not only decoded frames
    }

    void cancelLeavesNothing() {
        QTemporaryDir dir;
        VideoEncoder enc;
        enc.open({dir.filePath("c.mp4"), 320, 240, 30, false, -1});
        for (int k = 0; k < 4; ++k) enc.addFrame(syntheticFrame(320, 240, k, false));
        QVERIFY(QFile::exists(enc.temporaryPath()));
        QVERIFY(!enc.temporaryPath().endsWith("c.mp4"));
        enc.cancel();
        QVERIFY(visibleEntries(dir.path()).isEmpty());
    }

    void zeroFramesIsAnError() {
        QTemporaryDir dir;
        VideoEncoder enc;
        enc.open({dir.filePath("z.mp4"), 320, 240, 30, false, -1});
        QVERIFY_THROWS_EXCEPTION(VideoError, enc.finish());
        QVERIFY(visibleEntries(dir.path()).isEmpty());
    }

    void wrongFrameSizeIsAnError() {
        QTemporaryDir dir;
        VideoEncoder enc;
        enc.open({dir.filePath("s.mp4"), 320, 240, 30, false, -1});
        QVERIFY_THROWS_EXCEPTION(VideoError, enc.addFrame(syntheticFrame(64, 64, 0, false)));
    }

    void missingFfmpegIsNamed() {
        QTemporaryDir dir, emptyBin;
        const QByteArray oldPath = qgetenv("PATH");
        qputenv("PATH", emptyBin.path().toLocal8Bit());
        VideoEncoder enc;
        QString msg;
        try {
            enc.open({dir.filePath("m.mp4"), 320, 240, 30, false, -1});
        } catch (const VideoError& e) {
            msg = e.what();
        }
        qputenv("PATH", oldPath);
        QVERIFY2(msg.contains("ffmpeg was not found on PATH") && msg.contains("package `ffmpeg`"),
                 qPrintable(msg));
        QVERIFY(visibleEntries(dir.path()).isEmpty());
        // PNG sequences need no ffmpeg.
        qputenv("PATH", emptyBin.path().toLocal8Bit());
        bool pngOk = true;
        try {
            encode({dir.filePath("seq"), 64, 64, 10, false, -1}, 2);
        } catch (const std::exception&) {
            pngOk = false;
        }
        qputenv("PATH", oldPath);
        QVERIFY(pngOk);
    }

    void failingFfmpegIsReported() {
        // A stand-in `ffmpeg` that prints an error and exits, as a full disk or a broken install would.
        QTemporaryDir dir, bin;
        QFile fake(bin.filePath("ffmpeg"));
        QVERIFY(fake.open(QIODevice::WriteOnly));
        fake.write("#!/bin/sh\necho 'No space left on device' >&2\nexit 1\n");
        fake.close();
        fake.setPermissions(QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
        const QByteArray oldPath = qgetenv("PATH");
        qputenv("PATH", bin.path().toLocal8Bit());
        QString msg;
        {
            VideoEncoder enc;
            try {
                enc.open({dir.filePath("f.mp4"), 320, 240, 30, false, -1});
                for (int k = 0; k < 40; ++k) enc.addFrame(syntheticFrame(320, 240, k, false));
                enc.finish();
            } catch (const VideoError& e) {
                msg = e.what();
            }
        }
        qputenv("PATH", oldPath);
        QVERIFY2(msg.contains("No space left on device"), qPrintable(msg));
        QVERIFY(visibleEntries(dir.path()).isEmpty());
    }

    void pngSequenceFullDiskSaysWhy() {
        QTemporaryDir dir;
        const QString out = dir.filePath(QStringLiteral("frames"));
        VideoEncoder encoder;
        encoder.open({out, 512, 512, 30, false, -1});
        QString message;
        {
            const attnsphere::testing::FullDisk full(4096);
            try {
                encoder.addFrame(attnsphere::testing::incompressibleImage(512, 512));
            } catch (const VideoError& e) {
                message = QString::fromUtf8(e.what());
            }
        }
        QVERIFY2(message.contains(QString::fromUtf8(std::strerror(EFBIG))), qPrintable(message));
        QVERIFY2(!message.contains(QStringLiteral("Unknown error")), qPrintable(message));
        QVERIFY(!QFile::exists(out));
    }
};

QTEST_GUILESS_MAIN(TestVideoEncoder)
#include "test_video_encoder.moc"
