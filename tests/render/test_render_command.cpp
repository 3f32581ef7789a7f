// `attnsphere render` end to end (runs the executable): ffprobe checks for every format, framemd5
// determinism (one run on its own Xvfb), alpha where asked and refused for MP4, bad input exit 2,
// Ctrl-C leaves no corrupt file, a session re-render reproduces the live run's positions, and a
// missing ffmpeg is named.
#include "core/Npy.h"
#include "core/Polarisation.h"
#include "core/Session.h"
#include "render/PolarisationPlots.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <csignal>
#include <cstring>

using namespace attnsphere;

namespace {

struct Run {
    int code = -1;
    QString out, err;
};

Run runRender(const QStringList& args,
              const QProcessEnvironment& env = QProcessEnvironment::systemEnvironment()) {
    QProcess p;
    p.setProcessEnvironment(env);
    p.start(ATTNSPHERE_EXE, QStringList{"render"} + args);
    p.waitForFinished(300000);
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1,
            QString::fromUtf8(p.readAllStandardOutput()), QString::fromUtf8(p.readAllStandardError())};
}

QString tool(const QString& program, const QStringList& args) {
    QProcess p;
    p.start(program, args);
    p.waitForFinished(120000);
    return QString::fromUtf8(p.readAllStandardOutput());
}

QMap<QString, QString> probe(const QString& file) {
    QMap<QString, QString> out;
    const QString text =
        tool("ffprobe", {"-v", "error", "-select_streams", "v:0", "-count_frames", "-show_entries",
                         "stream=codec_name,pix_fmt,width,height,nb_read_frames:stream_tags=alpha_mode",
                         "-of", "default=noprint_wrappers=1", file});
    for (const QString& line : text.split('\n', Qt::SkipEmptyParts)) {
        const int eq = line.indexOf('=');
        if (eq > 0) out[line.left(eq).replace("TAG:", "")] = line.mid(eq + 1).trimmed();
    }
    return out;
}

QString framemd5(const QString& file) {
    QStringList lines;
    for (const QString& l : tool("ffmpeg", {"-v", "error", "-i", file, "-f", "framemd5", "-"}).split('\n'))
        if (!l.startsWith('#') && !l.trimmed().isEmpty()) lines << l;
    return lines.join('\n');
}

QStringList entries(const QString& dir) {
    return QDir(dir).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden);
}

// positions.npy written by RunExport: float64, C order, shape (frames, n, d).
std::vector<double> loadNpy(const QString& path, int& frames, int& n, int& d) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return {};
    const QByteArray all = f.readAll();
    const quint16 headerLen = static_cast<quint8>(all[8]) | (static_cast<quint8>(all[9]) << 8);
    const QString header = QString::fromLatin1(all.mid(10, headerLen));
    const QRegularExpression re("'shape':\\s*\\((\\d+),\\s*(\\d+),\\s*(\\d+)\\)");
    const auto m = re.match(header);
    if (!m.hasMatch() || !header.contains("<f8")) return {};
    frames = m.captured(1).toInt();
    n = m.captured(2).toInt();
    d = m.captured(3).toInt();
    std::vector<double> data(static_cast<std::size_t>(frames) * n * d);
    std::memcpy(data.data(), all.constData() + 10 + headerLen, data.size() * sizeof(double));
    return data;
}

const QStringList kSmall{"--size", "320x240", "--fps", "25", "--duration", "0.4"};  // 10 frames

}  // namespace

class TestRenderCommand : public QObject {
    Q_OBJECT
private slots:
    void formats_data() {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("codec");
        QTest::addColumn<QString>("pixfmt");
        QTest::newRow("mp4") << "v.mp4"
                             << "h264"
                             << "yuv420p";
        QTest::newRow("webm") << "v.webm"
                              << "vp9"
                              << "yuv420p";
        QTest::newRow("gif") << "v.gif"
                             << "gif"
                             << "bgra";
    }
    void formats() {
        QFETCH(QString, name);
        QFETCH(QString, codec);
        QFETCH(QString, pixfmt);
        QTemporaryDir dir;
        const QString out = dir.filePath(name);
        const Run r = runRender(QStringList{"sphere-movie", "--out", out} + kSmall);
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QCOMPARE(entries(dir.path()), QStringList{name});
        const auto p = probe(out);
        QCOMPARE(p.value("codec_name"), codec);
        QCOMPARE(p.value("pix_fmt"), pixfmt);
        QCOMPARE(p.value("width"), QString("320"));
        QCOMPARE(p.value("height"), QString("240"));
        QCOMPARE(p.value("nb_read_frames"), QString("10"));
    }

    void compareRendersOneTilePerRun() {
        // Three runs from one start: frame 0 shows three identical tiles side by side (the same positions
        // under the same camera), labelled below; later the kernels have moved them apart.
        QTemporaryDir dir;
        const QString file = dir.filePath("c.json");
        QFile f(file);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(
            R"({"format": "attnsphere-comparison", "version": 1, "base": {"n": 24, "d": 3, "beta": 4, "seed": 3},
                   "runs": [{"name": "softmax"}, {"name": "ReLU", "changes": {"kernel": "relu"}},
                            {"name": "USA", "changes": {"kernel": "exp", "integrator": {"dt": 0.05}}}]})");
        f.close();
        const QString out = dir.filePath("frames");
        const Run r =
            runRender({"--compare", file, "--out", out, "--size", "480x160", "--fps", "10", "--duration", "1",
                       "--sim-time-per-second", "20", "--overlay", "none", "--trail", "0"});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY2(r.out.contains("3 runs side by side"), qPrintable(r.out));
        const QStringList files = QDir(out).entryList({"frame_*.png"}, QDir::Files, QDir::Name);
        QCOMPARE(files.size(), 10);
        const QImage first = QImage(QDir(out).filePath(files.first())).convertToFormat(QImage::Format_RGB32);
        const QImage last = QImage(QDir(out).filePath(files.last())).convertToFormat(QImage::Format_RGB32);
        QCOMPARE(first.size(), QSize(480, 160));
        // The tiles are 160 × 160 (no room below them: the run's name is at the top of each).
        auto tile = [](const QImage& img, int k) { return img.copy(k * 160 + 2, 30, 156, 128); };
        QSet<QRgb> colours;
        for (int y = 0; y < 128; ++y)
            for (int x = 0; x < 156; ++x) colours.insert(tile(first, 0).pixel(x, y));
        QVERIFY2(colours.size() > 20, "the first tile shows no scene");
        QVERIFY(tile(first, 1) == tile(first, 0));
        QVERIFY(tile(first, 2) == tile(first, 0));
        QVERIFY(tile(last, 1) != tile(last, 0));
        QVERIFY(tile(last, 2) != tile(last, 0));
        // The labels differ, so the tiles' tops do.
        QVERIFY(first.copy(2, 0, 156, 20) != first.copy(162, 0, 156, 20));

        // A video with panels and a recipe on the command line: one file of the requested size.
        const QString video = dir.filePath("v.mp4");
        const Run v = runRender({"--compare", "sa-vs-usa:default", "--out", video, "--size", "640x360",
                                 "--fps", "10", "--duration", "0.5", "--panels", "energy"});
        QVERIFY2(v.code == 0, qPrintable(v.err));
        const auto p = probe(video);
        QCOMPARE(p.value("width"), QString("640"));
        QCOMPARE(p.value("nb_read_frames"), QString("5"));
        // Refusals: with a scenario, with --export, an unknown recipe.
        QCOMPARE(runRender({"default", "--compare", file, "--out", video}).code, 2);
        QCOMPARE(runRender({"--compare", file, "--export", dir.path(), "--out", video}).code, 2);
        const Run bad = runRender({"--compare", "no-such:default", "--out", video});
        QCOMPARE(bad.code, 2);
        QVERIFY2(bad.err.contains("softmax-vs-relu"), qPrintable(bad.err));
    }

    // A polarisation preset: its plots only, frame k after k*K steps, no X display needed; --export
    // writes the same frames' data; options without meaning there are refused.
    void polarisationRendersItsPlots() {
        QTemporaryDir dir;
        const QString out = dir.filePath("frames"), data = dir.filePath("data");
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.remove("DISPLAY");
        const Run r = runRender({"polarisation-compare", "--out", out, "--size", "640x360",
                                 "--steps-per-frame", "400", "--export", data},
                                env);
        QVERIFY2(r.code == 0, qPrintable(r.err));
        const QStringList files = QDir(out).entryList({"frame_*.png"}, QDir::Files, QDir::Name);
        QCOMPARE(files.size(), 1 + 4000 / 400);
        const QImage last(QDir(out).filePath(files.last()));
        QCOMPARE(last.size(), QSize(640, 360));
        // The three maps' bar colours are in the picture.
        for (core::PolarMap m : {core::PolarMap::Softmax, core::PolarMap::Linear, core::PolarMap::Sigmoid}) {
            const QRgb colour = render::polarMapColour(m).rgb();
            int count = 0;
            for (int y = 0; y < last.height(); ++y)
                for (int x = 0; x < last.width(); ++x)
                    count += (last.pixel(x, y) & 0xffffff) == (colour & 0xffffff);
            QVERIFY2(count > 100, core::nameOf(m).data());
        }
        QVERIFY(QFile::exists(data + "/weights.npy"));
        QCOMPARE(core::readNpy((data + "/weights.npy").toStdString()).shape,
                 (std::vector<long long>{3, 11, 8}));
        QCOMPARE(runRender({"polarisation-softmax", "--out", dir.filePath("v.mp4"), "--camera", "orbit"}, env)
                     .code,
                 2);
    }

    void pngSequenceWithAlpha() {
        QTemporaryDir dir;
        const QString out = dir.filePath("frames");
        const Run r = runRender(QStringList{"sphere-movie", "--out", out, "--transparent"} + kSmall);
        QVERIFY2(r.code == 0, qPrintable(r.err));
        const QStringList files = QDir(out).entryList({"frame_*.png"}, QDir::Files, QDir::Name);
        QCOMPARE(files.size(), 10);
        const QImage img(QDir(out).filePath(files.last()));
        QCOMPARE(img.size(), QSize(320, 240));
        QVERIFY(img.hasAlphaChannel());
        QCOMPARE(qAlpha(img.pixel(0, 0)), 0);      // background
        QVERIFY(qAlpha(img.pixel(160, 120)) > 0);  // the sphere
        QCOMPARE(probe(QDir(out).filePath(files.first())).value("pix_fmt"), QString("rgba"));
    }

    // Every registry panel beside the view, at HD and at the largest size: the plots' background fills
    // most of the panel column (the view's background is another colour), so the panels were drawn.
    void allPanels_data() {
        QTest::addColumn<QSize>("size");
        QTest::newRow("1280x720") << QSize(1280, 720);
        QTest::newRow("3840x2160") << QSize(3840, 2160);
    }
    void allPanels() {
        QFETCH(QSize, size);
        QTemporaryDir dir;
        const QString out = dir.filePath("frames");
        const Run r = runRender({"default", "--out", out, "--panels", "all", "--size",
                                 QStringLiteral("%1x%2").arg(size.width()).arg(size.height()), "--duration",
                                 "0.4", "--fps", "5"});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        const QStringList files = QDir(out).entryList({"frame_*.png"}, QDir::Files, QDir::Name);
        QCOMPARE(files.size(), 2);
        const QImage img = QImage(QDir(out).filePath(files.last())).convertToFormat(QImage::Format_RGB32);
        QCOMPARE(img.size(), size);
        const QRect column(size.width() * 56 / 100, 0, size.width() * 44 / 100, size.height());
        long background = 0;
        for (int y = column.top(); y <= column.bottom(); ++y)
            for (int x = column.left(); x <= column.right(); ++x)
                background += img.pixel(x, y) == qRgb(24, 27, 34);
        QVERIFY2(background > long(column.width()) * column.height() / 4,
                 qPrintable(QString::number(background)));
    }

    void webmWithAlpha() {
        QTemporaryDir dir;
        const QString out = dir.filePath("a.webm");
        const Run r = runRender(QStringList{"sphere-movie", "--out", out, "--transparent"} + kSmall);
        QVERIFY2(r.code == 0, qPrintable(r.err));
        const auto p = probe(out);
        QCOMPARE(p.value("codec_name"), QString("vp9"));
        QCOMPARE(p.value("alpha_mode"), QString("1"));
        QCOMPARE(p.value("nb_read_frames"), QString("10"));
        const QString png = dir.filePath("first.png");
        tool("ffmpeg", {"-v", "error", "-c:v", "libvpx-vp9", "-i", out, "-frames:v", "1", png});
        const QImage img(png);
        QVERIFY(img.hasAlphaChannel());
        QVERIFY(qAlpha(img.pixel(2, 2)) < 16);
        QVERIFY(qAlpha(img.pixel(160, 120)) > 32);
    }

    void alphaRefusedForMp4() {
        QTemporaryDir dir;
        const Run r =
            runRender(QStringList{"sphere-movie", "--out", dir.filePath("v.mp4"), "--transparent"} + kSmall);
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains("--transparent") && r.err.contains("PNG sequence") && r.err.contains(".webm"),
                 qPrintable(r.err));
        QVERIFY(entries(dir.path()).isEmpty());
    }

    void badInputExitsTwo_data() {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("expect");
        QTest::newRow("size") << QStringList{"--size", "5000x100"} << "--size";
        QTest::newRow("size text") << QStringList{"--size", "big"} << "--size";
        QTest::newRow("fps") << QStringList{"--fps", "0"} << "(0, 240]";
        QTest::newRow("steps") << QStringList{"--steps-per-frame", "0"} << "[1, 100000]";
        QTest::newRow("both") << QStringList{"--steps-per-frame", "2", "--sim-time-per-second", "1"}
                              << "exclude";
        QTest::newRow("camera") << QStringList{"--camera", "spin"} << "fixed, orbit";
        QTest::newRow("panels") << QStringList{"--panels", "energy,bogus"}
                                << "energy, entropy, clustering, shadows, heatmap";
        QTest::newRow("overlay") << QStringList{"--overlay", "x"} << "--overlay";
        QTest::newRow("extension") << QStringList{"--out", "v.avi"} << ".mp4, .webm, .gif";
        QTest::newRow("too many steps")
            << QStringList{"--duration", "1000", "--fps", "240", "--steps-per-frame", "100000"}
            << "at most 100000000 steps";
    }
    void badInputExitsTwo() {
        QFETCH(QStringList, args);
        QFETCH(QString, expect);
        QTemporaryDir dir;
        QStringList all{"sphere-movie"};
        if (!args.contains("--out")) all << "--out" << dir.filePath("v.mp4");  // an option is given once
        all << args;
        const Run r = runRender(all);
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains(expect), qPrintable(r.err));
        QVERIFY(entries(dir.path()).isEmpty());
    }

    // A scenario's own t_end is capped like `run`'s: frames, and frames x steps.
    void longScenarioIsRefused() {
        QTemporaryDir dir;
        const QString scenario = dir.filePath(QStringLiteral("long.json"));
        QFile f(scenario);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(R"({"format": "attnsphere-scenario", "version": 1, "n": 8, "t_end": 1000000,
                    "integrator": {"method": "euler", "dt": 0.01}})");
        f.close();
        const Run r = runRender({scenario, "--out", dir.filePath(QStringLiteral("v.mp4"))});
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains(QStringLiteral("t_end: would need 100000001 frames; at most 1000000")),
                 qPrintable(r.err));
        QVERIFY(!QFile::exists(dir.filePath(QStringLiteral("v.mp4"))));
    }

    void deterministicAcrossRunsAndDisplays() {
        QTemporaryDir dir;
        const QStringList args{"sphere-movie", "--size",  "320x240",     "--fps",          "30",
                               "--duration",   "0.5",     "--panels",    "energy,heatmap", "--overlay",
                               "all",          "--title", "Determinism", "--camera",       "orbit"};
        const Run a = runRender(QStringList{"--out", dir.filePath("a.mp4")} + args);
        QVERIFY2(a.code == 0, qPrintable(a.err));
        // The second run starts its own Xvfb: the output must not depend on the display either.
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.remove("DISPLAY");
        const Run b = runRender(QStringList{"--out", dir.filePath("b.mp4")} + args, env);
        QVERIFY2(b.code == 0, qPrintable(b.err));
        const QString ma = framemd5(dir.filePath("a.mp4"));
        QCOMPARE(ma.count('\n') + 1, 15);
        QCOMPARE(ma, framemd5(dir.filePath("b.mp4")));
    }

    void interruptLeavesNoCorruptFile() {
        QTemporaryDir dir;
        const QString out = dir.filePath("long.mp4");
        QProcess p;
        p.start(ATTNSPHERE_EXE,
                {"render", "sphere-movie", "--out", out, "--size", "640x480", "--duration", "600"});
        QVERIFY(p.waitForStarted());
        // Wait until encoded frames reach the temporary file (ffmpeg writes in 32 KiB blocks), then Ctrl-C.
        QElapsedTimer clock;
        clock.start();
        bool encoding = false;
        while (!encoding && clock.elapsed() < 120000) {
            for (const QFileInfo& e : QDir(dir.path()).entryInfoList(QDir::Files | QDir::Hidden))
                encoding = encoding || (e.fileName().contains(".partial-") && e.size() > 0);
            if (!encoding) QTest::qWait(50);
        }
        QVERIFY(encoding);
        ::kill(static_cast<pid_t>(p.processId()), SIGINT);
        QVERIFY(p.waitForFinished(60000));
        QCOMPARE(p.exitCode(), 130);
        const QStringList left = entries(dir.path());
        for (const QString& e : left) QVERIFY2(!e.contains(".partial-"), qPrintable(e));
        // The frames rendered before Ctrl-C are finalised into a valid, shorter video.
        QCOMPARE(left, QStringList{"long.mp4"});
        const auto probed = probe(out);
        QCOMPARE(probed.value("codec_name"), QString("h264"));
        const int frames = probed.value("nb_read_frames").toInt();
        QVERIFY(frames > 0 && frames < 18000);
    }

    void sessionRerenderReproducesPositions() {
        // A live run with edits, recorded the way the GUI worker records it.
        core::Scenario sc = core::Scenario::load("sphere-movie");
        sc.n = 20;
        core::SessionLog log(sc);
        core::Simulation sim(sc);
        std::vector<core::Matrix> live{sim.positions()};
        for (int k = 0; k < 24; ++k) {
            if (sim.stepCount() == 6) {
                core::Model m = sim.model();
                m.beta = 4;
                sim.setModel(m);
                log.logModel(sim.stepCount(), sim.model());
            }
            if (sim.stepCount() == 14) {
                core::Matrix X = sim.positions();
                X.col(3) = X.col(7);
                sim.setPositions(X);
                log.logPositions(sim.stepCount(), sim.positions());
                log.logCamera(sim.stepCount(), core::Camera{{3, 1, 2}, {0, 0, 0}, {0, 1, 0}, 30});
            }
            sim.step();
            live.push_back(sim.positions());
        }
        log.setEndStep(sim.stepCount());
        QTemporaryDir dir;
        log.session().save(dir.filePath("s.json").toStdString());

        const Run r =
            runRender({"--session", dir.filePath("s.json"), "--out", dir.filePath("s.mp4"), "--size",
                       "320x240", "--steps-per-frame", "2", "--export", dir.filePath("data")});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QCOMPARE(probe(dir.filePath("s.mp4")).value("nb_read_frames"), QString("13"));
        int frames = 0, n = 0, d = 0;
        const std::vector<double> pos = loadNpy(dir.filePath("data/positions.npy"), frames, n, d);
        QCOMPARE(frames, 13);
        QCOMPARE(n, 20);
        QCOMPARE(d, 3);
        for (int f = 0; f < frames; ++f)
            for (int i = 0; i < n; ++i)
                for (int c = 0; c < d; ++c)
                    QCOMPARE(pos[(static_cast<std::size_t>(f) * n + i) * d + c],
                             live[static_cast<std::size_t>(2 * f)](c, i));
    }

    void missingFfmpegIsNamed() {
        QTemporaryDir dir, emptyBin;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert("PATH", emptyBin.path());
        const Run r = runRender(QStringList{"sphere-movie", "--out", dir.filePath("v.mp4")} + kSmall, env);
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("ffmpeg was not found on PATH") && r.err.contains("package `ffmpeg`"),
                 qPrintable(r.err));
        QVERIFY(entries(dir.path()).isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestRenderCommand)
#include "test_render_command.moc"
