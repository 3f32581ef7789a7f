// The attnsphere command line, run as a separate process (ATTNSPHERE_EXE): outputs load and equal an
// in-process run, bad input exits 2 with the option/field and its range and leaves no files, runs are
// deterministic, Ctrl-C leaves nothing behind, and the theory tables come out.
#include "app/CommandLine.h"
#include "app/SimulationController.h"
#include "core/Kernels.h"
#include "core/Polarisation.h"
#include "core/RunExport.h"
#include "core/Simulation.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include <csignal>
#include <cstring>
#include <fstream>
#include <sstream>

using namespace attnsphere;

namespace {

struct Result {
    int exitCode = -1;
    QString out, err;
};

Result runCli(const QStringList& args, int timeoutMs = 300000) {
    QProcess p;
    p.start(ATTNSPHERE_EXE, args);
    Result r;
    if (!p.waitForFinished(timeoutMs) || p.exitStatus() != QProcess::NormalExit) return r;
    r.exitCode = p.exitCode();
    r.out = QString::fromUtf8(p.readAllStandardOutput());
    r.err = QString::fromUtf8(p.readAllStandardError());
    return r;
}

struct Npy {
    std::vector<long long> shape;
    std::vector<double> data;
    bool ok = false;
};

// NPY 1.0 reader: magic, version 1.0, uint16 LE header length, dict with '<f8' C-order and a shape.
Npy readNpy(const QString& file) {
    std::ifstream in(file.toStdString(), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    Npy npy;
    if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0 || bytes[6] != 1 || bytes[7] != 0)
        return npy;
    const std::size_t length = static_cast<unsigned char>(bytes[8]) |
                               (static_cast<std::size_t>(static_cast<unsigned char>(bytes[9])) << 8);
    const std::string dict = bytes.substr(10, length);
    if (dict.find("'descr': '<f8'") == std::string::npos ||
        dict.find("'fortran_order': False") == std::string::npos)
        return npy;
    const auto open = dict.find("'shape': (");
    std::istringstream shape(dict.substr(open + 10, dict.find(')', open) - open - 10));
    std::string part;
    while (std::getline(shape, part, ',')) npy.shape.push_back(std::stoll(part));
    npy.data.resize((bytes.size() - 10 - length) / sizeof(double));
    std::memcpy(npy.data.data(), bytes.data() + 10 + length, npy.data.size() * sizeof(double));
    npy.ok = true;
    return npy;
}

QByteArray readAll(const QString& file) {
    QFile f(file);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

QStringList csvLines(const QString& file) {
    QStringList lines = QString::fromUtf8(readAll(file)).split('\n');
    if (!lines.isEmpty() && lines.last().isEmpty()) lines.removeLast();
    return lines;
}

QStringList filesIn(const QString& dir) {
    return QDir(dir).entryList(QDir::Files | QDir::Hidden);
}

// Numbers of the table row starting with `label` (e.g. "T_SA").
std::vector<double> tableRow(const QString& text, const QString& label) {
    for (const QString& line : text.split('\n')) {
        const QStringList cells = line.simplified().split(' ');
        if (cells.isEmpty() || cells.front() != label) continue;
        std::vector<double> values;
        for (int i = 1; i < cells.size(); ++i) values.push_back(cells[i].toDouble());
        return values;
    }
    return {};
}

bool invocation(std::vector<std::string> args) {
    args.insert(args.begin(), "attnsphere");
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    return app::isCommandLineInvocation(static_cast<int>(argv.size()), argv.data());
}

}  // namespace

class TestCli : public QObject {
    Q_OBJECT

private slots:
    void helpAndVersion();
    void guiInvocationsAreNotCommandLine();
    void presetsAreListed();
    void runSphereMovieEqualsInProcessRun();
    void positionsLoadInNumpy();
    void invalidScenarioExits2WithoutFiles();
    void badOptions_data();
    void badOptions();
    void sameScenarioTwiceIsBitIdentical();
    void oneAndTwoThreadsAgree();
    void interruptLeavesNoFiles_data();
    void interruptLeavesNoFiles();
    void signalStopsALongStep_data();
    void signalStopsALongStep();
    void hostileScenarioFiles_data();
    void hostileScenarioFiles();
    void metadataAgreesBetweenWriters();
    void runtimeFailureExits1WithoutFiles();
    void polarisationRunLoadsInNumpy();
    void polarisationBadFileExits2WithoutFiles();
    void polarisationInterruptLeavesNoFiles();
    void theoryClusteringTimeTable();
    void theoryOtherTables();
    void theoryNeverPrintsInfOrNan();

private:
    QTemporaryDir m_tmp;
};

void TestCli::helpAndVersion() {
    const Result help = runCli({"--help"});
    QCOMPARE(help.exitCode, 0);
    for (const char* needle :
         {"run SCENARIO|PRESET --out DIR", "--t-end", "--every", "--threads", "--quiet",
          "--scenario FILE|PRESET", "--screenshot OUT.png", "--after SECONDS", "render SCENARIO|PRESET",
          "presets", "theory clustering-time", "theory superadditivity", "theory relu-vs-softmax",
          "theory rates", "positions.npy", "Exit codes"})
        QVERIFY2(help.out.contains(needle), needle);
    // The kernel list comes from the kernel table: each kernel's name with its description on one line.
    for (const core::KernelInfo& k : core::kernelTable()) {
        const QString name = QString::fromUtf8(k.name.data(), static_cast<int>(k.name.size()));
        const QString description =
            QString::fromUtf8(k.description.data(), static_cast<int>(k.description.size()));
        const QRegularExpression line("\\n +" + QRegularExpression::escape(name) + " +" +
                                      QRegularExpression::escape(description) + "\\n");
        QVERIFY2(help.out.contains(line), qPrintable(name));
    }
    const Result version = runCli({"--version"});
    QCOMPARE(version.exitCode, 0);
    QCOMPARE(version.out.trimmed(), QString("attnsphere ") + ATTNSPHERE_VERSION);
    QCOMPARE(runCli({"run", "--help"}).exitCode, 0);
}

void TestCli::guiInvocationsAreNotCommandLine() {
    QVERIFY(!invocation({}));
    QVERIFY(!invocation({"--scenario", "default"}));
    QVERIFY(!invocation({"--scenario=sphere-movie", "--screenshot", "s.png"}));
    QVERIFY(!invocation({"--screenshot", "s.png", "--after", "5"}));
    QVERIFY(!invocation({"--after", "2"}));
    QVERIFY(invocation({"run", "sphere-movie", "--out", "x"}));
    QVERIFY(invocation({"presets"}));
    QVERIFY(invocation({"theory", "rates"}));
    QVERIFY(invocation({"--help"}));
    QVERIFY(invocation({"--version"}));
    QVERIFY(invocation({"frobnicate"}));  // reaches the command line, which reports it (exit 2)
}

void TestCli::presetsAreListed() {
    const Result r = runCli({"presets"});
    QCOMPARE(r.exitCode, 0);
    // The scenario presets, a blank line, the polarisation presets under their heading.
    const QStringList sections = r.out.trimmed().split("\n\n");
    QCOMPARE(sections.size(), 2);
    const auto list = core::presetList();
    const auto polar = core::polarisationPresetList();
    QCOMPARE(sections[0].split('\n').size(), static_cast<int>(list.size()));
    QCOMPARE(sections[1].split('\n').size(), 1 + static_cast<int>(polar.size()));
    QCOMPARE(sections[1].split('\n').front(), QString(app::kPolarisationPresetsHeading));
    for (const auto& p : polar)
        QVERIFY2(QRegularExpression("\n" + QRegularExpression::escape(QString::fromStdString(p.name)) + " +" +
                                    QRegularExpression::escape(QString::fromStdString(p.description)))
                     .match(sections[1])
                     .hasMatch(),
                 p.name.c_str());
    for (const auto& p : list) {
        const QString line = QString::fromStdString(p.name);
        QVERIFY2(r.out.contains(
                     QRegularExpression("(^|\\n)" + QRegularExpression::escape(line) + " +" +
                                        QRegularExpression::escape(QString::fromStdString(p.description)))),
                 p.name.c_str());
    }
}

void TestCli::runSphereMovieEqualsInProcessRun() {
    const QString out = m_tmp.path() + "/sphere";
    const Result r = runCli({"run", "sphere-movie", "--out", out, "--threads", "1"});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    QCOMPARE(filesIn(out), QStringList({"metadata.json", "positions.npy", "series.csv"}));

    const Npy npy = readNpy(out + "/positions.npy");
    QVERIFY(npy.ok);
    QCOMPARE(npy.shape.size(), std::size_t(3));
    const long long frames = npy.shape[0];
    QCOMPARE(npy.shape[1], 64LL);
    QCOMPARE(npy.shape[2], 3LL);
    QCOMPARE(frames, 151LL);  // t_end 15, dt 0.1, every step published (step 0 included)
    QCOMPARE(npy.data.size(), static_cast<std::size_t>(frames * 64 * 3));
    for (long long k = 0; k < frames * 64; ++k) {
        const double* x = &npy.data[static_cast<std::size_t>(k * 3)];
        QVERIFY(std::abs(std::sqrt(x[0] * x[0] + x[1] * x[1] + x[2] * x[2]) - 1) < 1e-9);
    }
    const QStringList lines = csvLines(out + "/series.csv");
    QCOMPARE(lines.size(), static_cast<int>(frames) + 1);

    // The same run in process: identical rows and positions.
    const core::Scenario scenario = core::Scenario::load("sphere-movie");
    core::Simulation sim(scenario);
    sim.setThreads(1);
    core::FrameOptions options;
    options.attention = false;
    QCOMPARE(lines[0], QString::fromStdString(core::RunExport::csvHeader(1)));
    for (long long k = 0; k < frames; ++k) {
        if (k) sim.step();
        const core::Frame f = sim.makeFrame(options);
        QCOMPARE(lines[static_cast<int>(k) + 1], QString::fromStdString(core::RunExport::csvRow(f)));
        for (int i = 0; i < 64; ++i)
            for (int c = 0; c < 3; ++c)
                QCOMPARE(npy.data[static_cast<std::size_t>((k * 64 + i) * 3 + c)], f.positions(c, i));
    }

    const auto meta = nlohmann::json::parse(readAll(out + "/metadata.json").toStdString());
    QCOMPARE(meta["frames"].get<long long>(), frames);
    QCOMPARE(meta["scenario"]["name"].get<std::string>(), std::string("sphere-movie"));
    QCOMPARE(meta["command_line"][1].get<std::string>(), std::string("run"));
}

void TestCli::positionsLoadInNumpy() {
    const QString out = m_tmp.path() + "/numpy";
    QCOMPARE(
        runCli({"run", "circle-metastability", "--out", out, "--t-end", "10", "--every", "10", "--quiet"})
            .exitCode,
        0);
    QProcess python;
    python.start(
        "/usr/bin/python3",
        {"-c",
         "import numpy, csv, sys; a = numpy.load(sys.argv[1] + '/positions.npy'); "
         "rows = list(csv.DictReader(open(sys.argv[1] + '/series.csv'))); "
         "print(a.shape, a.dtype, len(rows), float(abs(numpy.linalg.norm(a, axis=2) - 1).max()) < 1e-9)",
         out});
    QVERIFY(python.waitForFinished(60000));
    QCOMPARE(python.exitCode(), 0);
    // 100 steps of dt 0.1, a frame every 10 steps plus step 0.
    QCOMPARE(QString::fromUtf8(python.readAllStandardOutput()).trimmed(),
             QString("(11, 5, 2) float64 11 True"));
}

void TestCli::invalidScenarioExits2WithoutFiles() {
    const QString scenario = m_tmp.path() + "/bad-beta.json";
    {
        QFile f(scenario);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(R"({"format": "attnsphere-scenario", "version": 1, "n": 16, "beta": -1})");
    }
    const QString out = m_tmp.path() + "/bad-beta-out";
    const Result r = runCli({"run", scenario, "--out", out});
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains("beta: must be in (0, 1000], got -1"), qPrintable(r.err));
    QVERIFY(!QDir(out).exists());
    // An existing output directory stays empty.
    QVERIFY(QDir().mkpath(out));
    QCOMPARE(runCli({"run", scenario, "--out", out}).exitCode, 2);
    QVERIFY(filesIn(out).isEmpty());
}

void TestCli::badOptions_data() {
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("expected");
    const QString out = m_tmp.path() + "/bad-options-out";
    QTest::newRow("missing --out") << QStringList{"run", "sphere-movie"} << "--out DIR is required";
    QTest::newRow("missing scenario") << QStringList{"run", "--out", out} << "missing SCENARIO|PRESET";
    QTest::newRow("unknown preset") << QStringList{"run", "no-such-preset", "--out", out}
                                    << "neither a scenario file nor a preset";
    QTest::newRow("t-end negative") << QStringList{"run", "sphere-movie", "--out", out, "--t-end", "-1"}
                                    << "--t-end: must be in (0, 1000000], got -1";
    QTest::newRow("t-end text") << QStringList{"run", "sphere-movie", "--out", out, "--t-end", "soon"}
                                << "--t-end: must be a number in (0, 1000000], got 'soon'";
    QTest::newRow("t-end missing value")
        << QStringList{"run", "sphere-movie", "--out", out, "--t-end"} << "--t-end: missing value";
    QTest::newRow("every zero") << QStringList{"run", "sphere-movie", "--out", out, "--every", "0"}
                                << "--every: must be an integer in [1, 1000000000], got 0";
    QTest::newRow("every fraction") << QStringList{"run", "sphere-movie", "--out", out, "--every=1.5"}
                                    << "--every: must be an integer in [1, 1000000000], got '1.5'";
    QTest::newRow("threads zero") << QStringList{"run", "sphere-movie", "--out", out, "--threads", "0"}
                                  << "--threads: must be an integer in [1, 256], got 0";
    QTest::newRow("threads large") << QStringList{"run", "sphere-movie", "--out", out, "--threads", "1000"}
                                   << "--threads: must be an integer in [1, 256], got 1000";
    QTest::newRow("unknown option") << QStringList{"run", "sphere-movie", "--out", out, "--fast"}
                                    << "unknown option '--fast' for 'run'";
    QTest::newRow("quiet with value")
        << QStringList{"run", "sphere-movie", "--out", out, "--quiet=yes"} << "--quiet: takes no value";
    QTest::newRow("two scenarios") << QStringList{"run", "sphere-movie", "default", "--out", out}
                                   << "unexpected argument 'default'";
    QTest::newRow("unknown command") << QStringList{"frobnicate"} << "unknown command 'frobnicate'";
    QTest::newRow("presets argument") << QStringList{"presets", "extra"} << "unexpected argument 'extra'";
    QTest::newRow("theory no topic") << QStringList{"theory"} << "missing TOPIC";
    QTest::newRow("theory unknown topic")
        << QStringList{"theory", "golden-ratio"} << "unknown topic 'golden-ratio'";
    QTest::newRow("theory n") << QStringList{"theory", "clustering-time", "--n", "1"}
                              << "--n: must be an integer in [2, 1000000], got 1";
    QTest::newRow("theory beta list") << QStringList{"theory", "clustering-time", "--beta", "1,-2"}
                                      << "--beta: must be in (0, 1000], got -2";
    QTest::newRow("theory rho1") << QStringList{"theory", "clustering-time", "--rho1", "1.5"}
                                 << "--rho1: must be in (0, 1), got 1.5";
    QTest::newRow("theory rho0") << QStringList{"theory", "clustering-time", "--n", "5", "--rho0", "-0.5"}
                                 << "--rho0: must be in [-0.25, 1), got -0.5";
    QTest::newRow("theory kernel") << QStringList{"theory", "rates", "--kernel", "tanh"}
                                   << "--kernel: must be one of softmax, exp, relu, relu-unnormalised";
    QTest::newRow("theory pairs") << QStringList{"theory", "superadditivity", "--pairs", "1:x"}
                                  << "--pairs: must be a number in [0, 100], got 'x'";
    QTest::newRow("theory heads range")
        << QStringList{"theory", "rates", "--heads", "1:200"} << "--heads: must be in [0, 100], got 200";
    QTest::newRow("theory empty list item")
        << QStringList{"theory", "clustering-time", "--beta", "1,,2"} << "--beta: empty item";
}

void TestCli::badOptions() {
    QFETCH(QStringList, args);
    QFETCH(QString, expected);
    const Result r = runCli(args);
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains(expected), qPrintable(r.err + "  [expected: " + expected + "]"));
    QVERIFY(r.out.isEmpty());
    QVERIFY(!QDir(m_tmp.path() + "/bad-options-out").exists());
}

void TestCli::sameScenarioTwiceIsBitIdentical() {
    const QString a = m_tmp.path() + "/det-a", b = m_tmp.path() + "/det-b";
    for (const QString& out : {a, b})
        QCOMPARE(
            runCli({"run", "orthogonal-heads-shadows", "--out", out, "--t-end", "2", "--quiet"}).exitCode, 0);
    const QByteArray csv = readAll(a + "/series.csv");
    QVERIFY(csv.count('\n') > 10);
    QCOMPARE(csv, readAll(b + "/series.csv"));
    QCOMPARE(readAll(a + "/positions.npy"), readAll(b + "/positions.npy"));
}

void TestCli::oneAndTwoThreadsAgree() {
    const QString one = m_tmp.path() + "/threads-1", two = m_tmp.path() + "/threads-2";
    QCOMPARE(runCli({"run", "default", "--out", one, "--t-end", "1", "--threads", "1", "--quiet"}).exitCode,
             0);
    QCOMPARE(runCli({"run", "default", "--out", two, "--t-end", "1", "--threads", "2", "--quiet"}).exitCode,
             0);
    const Npy a = readNpy(one + "/positions.npy"), b = readNpy(two + "/positions.npy");
    QVERIFY(a.ok && b.ok);
    QCOMPARE(a.shape, b.shape);
    double maxDiff = 0;
    for (std::size_t k = 0; k < a.data.size(); ++k)
        maxDiff = std::max(maxDiff, std::abs(a.data[k] - b.data[k]));
    QVERIFY2(maxDiff <= 1e-12, qPrintable(QString::number(maxDiff)));
}

// Exit code 128 + signal, as a shell reports a process killed by it; SIGHUP (a closed terminal) too.
void TestCli::interruptLeavesNoFiles_data() {
    QTest::addColumn<int>("sig");
    QTest::addColumn<QString>("name");
    QTest::newRow("SIGINT") << int(SIGINT) << "SIGINT";
    QTest::newRow("SIGTERM") << int(SIGTERM) << "SIGTERM";
    QTest::newRow("SIGHUP") << int(SIGHUP) << "SIGHUP";
}

void TestCli::interruptLeavesNoFiles() {
    QFETCH(int, sig);
    QFETCH(QString, name);
    const QString out = m_tmp.path() + "/interrupted-" + name;
    QProcess p;
    p.start(ATTNSPHERE_EXE,
            {"run", "sphere-movie", "--out", out, "--t-end", "100000", "--every", "10", "--threads", "1"});
    QVERIFY(p.waitForStarted());
    // Wait until the run is under way (its temporary files exist), then send the signal.
    QTRY_VERIFY_WITH_TIMEOUT(filesIn(out).contains("series.csv.partial"), 30000);
    QTest::qWait(200);
    QCOMPARE(::kill(static_cast<pid_t>(p.processId()), sig), 0);
    QVERIFY(p.waitForFinished(30000));
    QCOMPARE(p.exitStatus(), QProcess::NormalExit);
    QCOMPARE(p.exitCode(), 128 + sig);
    const QString err = QString::fromUtf8(p.readAllStandardError());
    QVERIFY2(err.contains("interrupted (" + name + ")"), qPrintable(err));
    QVERIFY2(filesIn(out).isEmpty(), qPrintable(filesIn(out).join(", ")));
    QVERIFY(!QDir(out).exists());  // the run created it, so it removed it again
}

// A step of n = 20000, d = 256 takes many seconds: the signal must stop it within the step, not after.
void TestCli::signalStopsALongStep_data() {
    interruptLeavesNoFiles_data();
}

void TestCli::signalStopsALongStep() {
    QFETCH(int, sig);
    QFETCH(QString, name);
    const QString scenario = m_tmp.path() + "/big.json";
    {
        QFile f(scenario);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(R"({"n": 20000, "d": 256, "t_end": 10})");
    }
    const QString out = m_tmp.path() + "/big-" + name;
    QProcess p;
    p.start(ATTNSPHERE_EXE, {"run", scenario, "--out", out, "--threads", "2", "--quiet"});
    QVERIFY(p.waitForStarted());
    QTRY_VERIFY_WITH_TIMEOUT(filesIn(out).contains("series.csv.partial"), 30000);
    QTest::qWait(1000);
    QCOMPARE(p.state(), QProcess::Running);
    QElapsedTimer clock;
    clock.start();
    QCOMPARE(::kill(static_cast<pid_t>(p.processId()), sig), 0);
    const bool finished = p.waitForFinished(3000);
    const qint64 ms = clock.elapsed();
    if (!finished) {
        p.kill();
        p.waitForFinished();
    }
    QVERIFY2(finished, qPrintable(QString("still running %1 ms after %2").arg(ms).arg(name)));
    QCOMPARE(p.exitStatus(), QProcess::NormalExit);
    QCOMPARE(p.exitCode(), 128 + sig);
    QVERIFY2(filesIn(out).isEmpty(), qPrintable(filesIn(out).join(", ")));
    QVERIFY(!QDir(out).exists());
}

// Files a fuzzer found: each is refused with exit 2 and a message naming the field or line and column,
// without a crash, a library message or a file written.
void TestCli::hostileScenarioFiles_data() {
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<QString>("expected");
    QTest::newRow("deep nesting")
        << QByteArray(100000, '[') + QByteArray(100000, ']')
        << "invalid JSON at line 1, column 65: arrays and objects nested deeper than 64";
    QTest::newRow("beta 1e400") << QByteArray("{\"beta\": 1e400}")
                                << "invalid JSON at line 1, column 10: the number 1e400 is beyond the range";
    QTest::newRow("dt 1e-12") << QByteArray(R"({"integrator": {"dt": 1e-12}, "t_end": 1})")
                              << "integrator.dt: must be in [1e-06, 10], got 1e-12";
    QTest::newRow("dt 5e-324") << QByteArray(R"({"integrator": {"dt": 5e-324}, "t_end": 1})")
                               << "integrator.dt: must be in [1e-06, 10]";
    QTest::newRow("too many steps") << QByteArray(R"({"n": 2, "integrator": {"dt": 1e-6}, "t_end": 1000})")
                                    << "needs 1000000000 steps; at most 100000000";
    QTest::newRow("too many frames") << QByteArray(R"({"n": 2, "integrator": {"dt": 0.001}, "t_end": 10000})")
                                     << "10000002 frames; at most 1000000";
    QTest::newRow("n 2^32+64") << QByteArray(R"({"n": 4294967360})")
                               << "n: must be an integer in [2, 20000], got 4294967360";
    QTest::newRow("garbage") << QByteArray("\x00\xff\xfe{", 4) << "invalid JSON at line 1, column 1";
}

void TestCli::hostileScenarioFiles() {
    QFETCH(QByteArray, text);
    QFETCH(QString, expected);
    const QString scenario = m_tmp.path() + "/hostile.json";
    {
        QFile f(scenario);
        QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
        f.write(text);
    }
    const QString out = m_tmp.path() + "/hostile-out";
    const Result r = runCli({"run", scenario, "--out", out}, 60000);
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.startsWith("attnsphere run: " + scenario + ": "), qPrintable(r.err));
    QVERIFY2(r.err.contains(expected), qPrintable(r.err));
    QVERIFY2(!r.err.contains("json.exception") && r.err.size() < 400, qPrintable(r.err.left(400)));
    QVERIFY(!QDir(out).exists());
}

// `run`, `render --export` and the GUI's export write metadata.json with the same keys.
void TestCli::metadataAgreesBetweenWriters() {
    const QString run = m_tmp.path() + "/meta-run", render = m_tmp.path() + "/meta-render",
                  gui = m_tmp.path() + "/meta-gui";
    QCOMPARE(runCli({"run", "default", "--out", run, "--t-end", "0.2", "--quiet"}).exitCode, 0);
    const Result r = runCli({"render", "default", "--out", m_tmp.path() + "/meta-frames", "--size", "64x36",
                             "--duration", "0.1", "--fps", "10", "--export", render});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    {
        core::Scenario scenario = core::Scenario::load("default");
        app::SimulationController c(scenario);
        QTRY_VERIFY(c.latestFrame());
        c.stepOnce();
        QTRY_COMPARE(c.latestFrame()->step, 1);
        QSignalSpy done(&c, &app::SimulationController::exportFinished);
        c.exportData(gui,
                     {QStringLiteral("attnsphere"), QStringLiteral("--scenario"), QStringLiteral("default")});
        QTRY_COMPARE(done.count(), 1);
        QVERIFY2(done.at(0).at(0).toBool(), qPrintable(done.at(0).at(1).toString()));
    }
    std::vector<std::vector<std::string>> keys;
    std::vector<std::string> writers;
    for (const QString& dir : {run, render, gui}) {
        const nlohmann::json meta = nlohmann::json::parse(readAll(dir + "/metadata.json").toStdString());
        std::vector<std::string> k;
        for (const auto& [key, v] : meta.items()) k.push_back(key);
        keys.push_back(k);
        writers.push_back(meta["writer"].get<std::string>());
        QVERIFY(meta["command_line"].is_array());
    }
    QCOMPARE(keys[1], keys[0]);
    QCOMPARE(keys[2], keys[0]);
    QCOMPARE(writers, std::vector<std::string>({"run", "render", "gui"}));
}

void TestCli::runtimeFailureExits1WithoutFiles() {
    // Valid input whose unnormalised exp kernel overflows during the run: a runtime failure.
    const QString scenario = m_tmp.path() + "/overflow.json";
    {
        QFile f(scenario);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(R"({"kernel": "exp", "beta": 800, "n": 8})");
    }
    const QString out = m_tmp.path() + "/overflow-out";
    QVERIFY(QDir().mkpath(out + "/existing"));
    const Result r = runCli({"run", scenario, "--out", out});
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains("overflow"), qPrintable(r.err));
    QVERIFY(filesIn(out).isEmpty());
    QVERIFY(QDir(out).exists());  // an existing directory is left alone
}

void TestCli::polarisationRunLoadsInNumpy() {
    const QString out = m_tmp.path() + "/polar";
    const Result r = runCli({"run", "polarisation-compare", "--out", out, "--t-end", "10", "--every", "20"});
    QCOMPARE(r.exitCode, 0);
    QVERIFY2(r.out.contains("wrote 11 frames") && r.out.contains("maps softmax, linear, sigmoid"),
             qPrintable(r.out));
    QCOMPARE(filesIn(out), QStringList({"column_norms.npy", "metadata.json", "series.csv", "weights.npy"}));
    QProcess python;
    python.start("/usr/bin/python3",
                 {"-c",
                  "import numpy, csv, json, sys; w = numpy.load(sys.argv[1] + '/weights.npy'); "
                  "c = numpy.load(sys.argv[1] + '/column_norms.npy'); "
                  "rows = list(csv.DictReader(open(sys.argv[1] + '/series.csv'))); "
                  "m = json.load(open(sys.argv[1] + '/metadata.json')); "
                  "print(w.shape, c.shape, len(rows), m['maps'], "
                  "bool(abs(w[0].sum(axis=1) - 1).max() < 1e-12), "
                  "float(rows[-1]['softmax_max_weight']) == float(w[0, -1].max()))",
                  out});
    QVERIFY(python.waitForFinished(60000));
    QCOMPARE(python.exitCode(), 0);
    // 200 steps of dt 0.05, a frame every 20 steps plus step 0; softmax weights sum to 1.
    QCOMPARE(QString::fromUtf8(python.readAllStandardOutput()).trimmed(),
             QString("(3, 11, 8) (3, 11, 8) 11 ['softmax', 'linear', 'sigmoid'] True True"));
    // The same file in process gives the same last weights.
    core::PolarisationSpec spec = core::PolarisationSpec::load("polarisation-compare");
    spec.tEnd = 10;
    spec.publishEvery = 20;
    const Npy weights = readNpy(out + "/weights.npy");
    QVERIFY(weights.ok);
    const core::PolarRecord record = core::runPolarisation(spec);
    const core::Vector last = record.framesPerMap[2].back().p;
    for (int k = 0; k < 8; ++k)
        QCOMPARE(weights.data[static_cast<std::size_t>(2 * 11 * 8 + 10 * 8 + k)], last(k));
}

void TestCli::polarisationBadFileExits2WithoutFiles() {
    const QString file = m_tmp.path() + "/bad-polar.json";
    {
        QFile f(file);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(R"({"format": "attnsphere-polarisation", "version": 1, "maps": ["softmax", "relu"]})");
    }
    const QString out = m_tmp.path() + "/bad-polar-out";
    const Result r = runCli({"run", file, "--out", out});
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains(file + ": maps[1]: must be one of \"softmax\", \"linear\", \"sigmoid\""),
             qPrintable(r.err));
    QCOMPARE(r.err.count(file), 1);
    QVERIFY(!QDir(out).exists());
    const Result steps = runCli({"run", "polarisation-softmax", "--out", out, "--t-end", "1000000"});
    QCOMPARE(steps.exitCode, 2);
    QVERIFY2(steps.err.contains("polarisation-softmax: publish_every:"), qPrintable(steps.err));
    QVERIFY(!QDir(out).exists());
}

void TestCli::polarisationInterruptLeavesNoFiles() {
    const QString out = m_tmp.path() + "/polar-interrupted";
    QProcess p;
    p.start(ATTNSPHERE_EXE,
            {"run", "polarisation-compare", "--out", out, "--t-end", "900000", "--every", "1000000"});
    QVERIFY(p.waitForStarted());
    QTest::qWait(500);
    QCOMPARE(p.state(), QProcess::Running);
    QCOMPARE(::kill(static_cast<pid_t>(p.processId()), SIGINT), 0);
    QVERIFY(p.waitForFinished(30000));
    QCOMPARE(p.exitStatus(), QProcess::NormalExit);
    QCOMPARE(p.exitCode(), 128 + SIGINT);
    QVERIFY(QString::fromUtf8(p.readAllStandardError()).contains("interrupted (SIGINT)"));
    QVERIFY(!QDir(out).exists());
}

void TestCli::theoryClusteringTimeTable() {
    const Result r = runCli({"theory", "clustering-time", "--n", "32", "--rho0", "0", "--rho1", "0.999",
                             "--beta", "0.5,1,2,4,6,9", "--kernel", "all"});
    QCOMPARE(r.exitCode, 0);
    const std::vector<double> sa = tableRow(r.out, "T_SA"), usa = tableRow(r.out, "T_USA");
    const std::vector<double> expectedSA{5.220, 5.270, 5.458, 6.954, 15.995, 178.73};
    // Clustering times of doc/MODEL.md §8.
    const std::vector<double> expectedUSA{3.805, 2.897, 1.880, 1.131, 0.870, 0.686};
    QCOMPARE(sa.size(), expectedSA.size());
    QCOMPARE(usa.size(), expectedUSA.size());
    for (std::size_t k = 0; k < sa.size(); ++k) {
        QVERIFY2(std::abs(sa[k] - expectedSA[k]) <= (k == 5 ? 5e-3 : 5e-4),
                 qPrintable(QString::number(sa[k])));
        QVERIFY2(std::abs(usa[k] - expectedUSA[k]) <= 5e-4, qPrintable(QString::number(usa[k])));
    }
    const Result one = runCli({"theory", "clustering-time", "--kernel", "exp", "--beta", "2"});
    QCOMPARE(one.exitCode, 0);
    QVERIFY(tableRow(one.out, "T_SA").empty());
    QCOMPARE(tableRow(one.out, "T_USA").size(), std::size_t(1));
}

// At n = 1e6, beta = 1000 the softmax clustering time is beyond a double (e^1000) and the
// super-additivity ratio is inf/inf: the tables say so instead of printing inf or nan.
void TestCli::theoryNeverPrintsInfOrNan() {
    for (const char* table : {"clustering-time", "rates", "superadditivity", "relu-vs-softmax", "entropy"}) {
        const Result r = runCli({"theory", table, "--n", "1000000", "--beta", "1000"});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(
            !r.out.contains(QRegularExpression("\\b(inf|nan)\\b", QRegularExpression::CaseInsensitiveOption)),
            qPrintable(QString(table) + ":\n" + r.out));
    }
    const Result t = runCli({"theory", "clustering-time", "--n", "1000000", "--beta", "1000"});
    QVERIFY2(t.out.contains(QRegularExpression("\\nT_SA +>1\\.8e308\\n")), qPrintable(t.out));
    const Result s = runCli({"theory", "superadditivity", "--n", "1000000", "--beta", "1000"});
    QVERIFY2(s.out.contains(QRegularExpression("\\nSA +undefined")), qPrintable(s.out));
}

void TestCli::theoryOtherTables() {
    const Result s = runCli({"theory", "superadditivity"});
    QCOMPARE(s.exitCode, 0);
    const std::vector<double> sa = tableRow(s.out, "SA"), usa = tableRow(s.out, "USA");
    const std::vector<double> expectedSA{1.0000, 1.0103, 1.2190, 1.9061},
        expectedUSA{1.0000, 1.0383, 1.0533, 1.0582};
    QCOMPARE(sa.size(), std::size_t(4));
    QCOMPARE(usa.size(), std::size_t(4));
    for (std::size_t k = 0; k < 4; ++k) {
        QVERIFY(std::abs(sa[k] - expectedSA[k]) < 1e-4);
        QVERIFY(std::abs(usa[k] - expectedUSA[k]) < 1e-4);
    }

    const Result rv = runCli({"theory", "relu-vs-softmax"});
    QCOMPARE(rv.exitCode, 0);
    // doc/MODEL.md §8, normalised ReLU vs softmax.
    const struct {
        const char* rho0;
        double relu, softmax;
    } rows[] = {{"0.1", 3.396, 3.902}, {"0.001", 5.751, 4.881}, {"1e-06", 9.205, 4.895}};
    for (const auto& row : rows) {
        const std::vector<double> v = tableRow(rv.out, row.rho0);
        QCOMPARE(v.size(), std::size_t(4));
        QVERIFY(std::abs(v[1] - row.relu) <= 5e-4);
        QVERIFY(std::abs(v[2] - row.softmax) <= 5e-4);
    }

    const Result rates = runCli({"theory", "rates", "--beta", "1.5", "--heads", "1:1,0.5:2"});
    QCOMPARE(rates.exitCode, 0);
    QCOMPARE(tableRow(rates.out, "softmax"), std::vector<double>{6.0});  // 2 sum b_h
    // e^{1000 * 100} is no double: the table says so rather than printing inf.
    const Result huge =
        runCli({"theory", "rates", "--beta", "1000", "--heads", "100:100", "--kernel", "exp"});
    QCOMPARE(huge.exitCode, 0);
    QVERIFY2(huge.out.contains(QRegularExpression("\\nexp +overflow  \\(beyond the range of a double")),
             qPrintable(huge.out));
    QVERIFY2(!huge.out.contains("inf"), qPrintable(huge.out));
    const std::vector<double> usaRate = tableRow(rates.out, "exp");  // 2 sum b_h e^{beta a_h}
    QCOMPARE(usaRate.size(), std::size_t(1));
    QVERIFY(std::abs(usaRate[0] - 2 * (std::exp(1.5) + 2 * std::exp(0.75))) < 1e-6);

    const Result e = runCli({"theory", "entropy", "--n", "10", "--beta", "3", "--rho", "0.3"});
    QCOMPARE(e.exitCode, 0);
    const std::vector<double> entropyRow = tableRow(e.out, "0.3");
    QCOMPARE(entropyRow.size(), std::size_t(2));
    QVERIFY(std::abs(entropyRow[1] - 1.571283887) < 1e-9);  // doc/MODEL.md §8, equiangular entropy slope

    // T_SA(6) = 15.995 at n = 32 (doc/MODEL.md §8): the numerical threshold for that target is beta = 6.
    const Result th = runCli({"theory", "threshold", "--n", "32", "--target", "15.995"});
    QCOMPARE(th.exitCode, 0);
    const std::vector<double> threshold = tableRow(th.out, "beta*");
    QCOMPARE(threshold.size(), std::size_t(1));
    QVERIFY2(std::abs(threshold[0] - 6) < 1e-3, qPrintable(th.out));

    const Result lc = runCli({"theory", "long-context", "--rho", "0.5", "--gamma", "2", "--n", "100000"});
    QCOMPARE(lc.exitCode, 0);
    const std::vector<double> lcRow = tableRow(lc.out, "2");
    QCOMPARE(lcRow.size(), std::size_t(1));
    QVERIFY(std::abs(lcRow[0] - 0.8) < 1e-4);  // 4 rho / (1 + 3 rho) at the critical gamma
}

QTEST_GUILESS_MAIN(TestCli)
#include "test_cli.moc"
