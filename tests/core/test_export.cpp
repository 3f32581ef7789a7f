// RunExport: series.csv columns and rows, positions.npy (parsed by a small reader written here),
// metadata.json, temporary names until commit, and abandon leaving nothing.
#include "FullDisk.h"
#include "core/RunExport.h"
#include "core/Simulation.h"

#include <QDir>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

#include <nlohmann/json.hpp>

#include <sys/resource.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <fstream>
#include <sstream>

using namespace attnsphere::core;

namespace {

struct Npy {
    std::string dict;
    std::size_t headerBytes = 0;
    std::vector<long long> shape;
    std::vector<double> data;
};

// Reads NPY 1.0 as numpy.lib.format does: magic, version, uint16 LE length, dict literal, raw data.
Npy readNpy(const QString& file) {
    std::ifstream in(file.toStdString(), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    Npy npy;
    if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0 || bytes[6] != 1 || bytes[7] != 0)
        return npy;
    const std::size_t length = static_cast<unsigned char>(bytes[8]) |
                               (static_cast<std::size_t>(static_cast<unsigned char>(bytes[9])) << 8);
    npy.headerBytes = 10 + length;
    npy.dict = bytes.substr(10, length);
    const auto open = npy.dict.find("'shape': (");
    if (open == std::string::npos) return npy;
    std::istringstream shape(npy.dict.substr(open + 10, npy.dict.find(')', open) - open - 10));
    std::string part;
    while (std::getline(shape, part, ',')) npy.shape.push_back(std::stoll(part));
    npy.data.resize((bytes.size() - npy.headerBytes) / sizeof(double));
    std::memcpy(npy.data.data(), bytes.data() + npy.headerBytes, npy.data.size() * sizeof(double));
    return npy;
}

QStringList readLines(const QString& file) {
    QFile f(file);
    if (!f.open(QIODevice::ReadOnly)) return {};
    QStringList lines = QString::fromUtf8(f.readAll()).split('\n');
    if (!lines.isEmpty() && lines.last().isEmpty()) lines.removeLast();
    return lines;
}

Frame fakeFrame(std::int64_t step, int n, int d, int H) {
    Frame f;
    f.step = step;
    f.t = 0.1 * static_cast<double>(step);
    f.n = n;
    f.d = d;
    f.H = H;
    f.positions = Matrix::Random(d, n);
    f.hasObservables = true;
    f.heads.resize(static_cast<std::size_t>(H));
    for (int h = 0; h < H; ++h) {
        auto& o = f.heads[static_cast<std::size_t>(h)];
        o.energy = 1.0 / 3.0 + h;
        o.energyRate = -1e-300 * (h + 1);
        o.entropyMean = std::log(3.0) + h;
        o.entropyMin = 0.1 * h;
        o.radialMeanAbs = 2.0 / 7.0;
        o.radialMaxAbs = 5.0 / 7.0;
        o.dominanceMargin = -0.125 * h;
    }
    f.energyTotal = 0.1 + 0.2;
    f.energyTotalRate = 1e-17;
    f.meanCosine = -1.0 / (n - 1);
    f.orderParameter = std::sqrt(0.5);
    f.clusteredPairFraction = 0.25;
    f.clusterCount = 3;
    f.maxNormDrift = 2.220446049250313e-16;
    return f;
}

bool noFilesIn(const QString& dir) {
    return QDir(dir).entryList(QDir::Files | QDir::Hidden).isEmpty();
}

}  // namespace

class TestExport : public QObject {
    Q_OBJECT

private slots:
    void csvHeaderColumns();
    void writesCsvNpyAndMetadata();
    void filesHaveTemporaryNamesUntilCommit();
    void abandonLeavesNothing();
    void destructorAbandonsUncommittedExport();
    void rejectsInconsistentFrames();
    void simulationFramesRoundTrip();
    void preLnRunExportsRadii();
    void metadataHasOneSchema();
    void failedWriteLeavesNoDirectory();
    void failedCreateLeavesNoDirectory();
};

void TestExport::csvHeaderColumns() {
    QCOMPARE(QString::fromStdString(RunExport::csvHeader(2)),
             QString("step,t,E_total,dE_total_dt,E_h1,E_h2,dE_h1_dt,dE_h2_dt,"
                     "entropy_mean_h1,entropy_min_h1,radial_mean_abs_h1,radial_max_abs_h1,dominance_h1,"
                     "entropy_mean_h2,entropy_min_h2,radial_mean_abs_h2,radial_max_abs_h2,dominance_h2,"
                     "mean_cosine,order_parameter,clustered_pair_fraction,cluster_count,max_norm_drift,"
                     "radius_mean,radius_min,radius_max"));
    const Frame f = fakeFrame(7, 4, 3, 2);
    const QStringList cells = QString::fromStdString(RunExport::csvRow(f)).split(',');
    QCOMPARE(cells.size(), QString::fromStdString(RunExport::csvHeader(2)).split(',').size());
    QCOMPARE(cells[0], QString("7"));
    QCOMPARE(cells[21], QString("3"));  // cluster_count printed as an integer
    // %.17g: every double reads back exactly.
    QCOMPARE(cells[2].toDouble(), f.energyTotal);
    QCOMPARE(cells[6].toDouble(), f.heads[0].energyRate);
    QCOMPARE(cells[19].toDouble(), f.orderParameter);
    QCOMPARE(cells[22].toDouble(), f.maxNormDrift);
}

void TestExport::writesCsvNpyAndMetadata() {
    QTemporaryDir tmp;
    const QString dir = tmp.path() + "/out/nested";  // created on demand
    Scenario scenario = Scenario::load("sphere-movie");
    std::vector<Frame> frames;
    {
        RunInfo info;
        info.writer = "run";
        info.commandLine = {"attnsphere", "run"};
        RunExport exporter(dir.toStdString(), scenario, info);
        for (int k = 0; k < 5; ++k) {
            frames.push_back(fakeFrame(k * 10, 4, 3, 2));
            exporter.addFrame(frames.back());
        }
        QCOMPARE(exporter.frameCount(), 5);
        exporter.commit();
    }
    QCOMPARE(QDir(dir).entryList(QDir::Files, QDir::Name),
             QStringList({"metadata.json", "positions.npy", "series.csv"}));

    const Npy npy = readNpy(dir + "/positions.npy");
    QCOMPARE(npy.headerBytes % 64, std::size_t(0));
    QVERIFY2(npy.dict.find("'descr': '<f8'") != std::string::npos, npy.dict.c_str());
    QVERIFY(npy.dict.find("'fortran_order': False") != std::string::npos);
    QCOMPARE(npy.dict.back(), '\n');
    QCOMPARE(npy.shape, std::vector<long long>({5, 4, 3}));
    QCOMPARE(npy.data.size(), std::size_t(5 * 4 * 3));
    for (int k = 0; k < 5; ++k)
        for (int i = 0; i < 4; ++i)
            for (int c = 0; c < 3; ++c)
                QCOMPARE(npy.data[static_cast<std::size_t>((k * 4 + i) * 3 + c)], frames[k].positions(c, i));

    const QStringList lines = readLines(dir + "/series.csv");
    QCOMPARE(lines.size(), 1 + 5);
    QCOMPARE(lines[0], QString::fromStdString(RunExport::csvHeader(2)));
    for (int k = 0; k < 5; ++k) QCOMPARE(lines[k + 1], QString::fromStdString(RunExport::csvRow(frames[k])));

    std::ifstream in((dir + "/metadata.json").toStdString());
    const nlohmann::json meta = nlohmann::json::parse(in);
    QCOMPARE(meta["frames"].get<int>(), 5);
    QCOMPARE(meta["n"].get<int>(), 4);
    QCOMPARE(meta["d"].get<int>(), 3);
    QCOMPARE(meta["heads"].get<int>(), 2);
    QCOMPARE(meta["seed"].get<std::uint64_t>(), scenario.seed);
    QCOMPARE(meta["attnsphere_version"].get<std::string>(), std::string(ATTNSPHERE_VERSION));
    QCOMPARE(meta["command_line"][1].get<std::string>(), std::string("run"));
    QVERIFY(meta["columns"].contains("dominance_h2"));
    QCOMPARE(meta["columns"].size(),
             std::size_t(QString::fromStdString(RunExport::csvHeader(2)).split(',').size()));
    QCOMPARE(Scenario::fromJson(meta["scenario"]).toJson(), scenario.toJson());
}

void TestExport::filesHaveTemporaryNamesUntilCommit() {
    QTemporaryDir tmp;
    RunExport exporter(tmp.path().toStdString(), Scenario{});
    exporter.addFrame(fakeFrame(0, 3, 2, 1));
    const QStringList before = QDir(tmp.path()).entryList(QDir::Files);
    QVERIFY(!before.contains("series.csv") && !before.contains("positions.npy"));
    QVERIFY(before.contains("series.csv.partial") && before.contains("positions.npy.partial"));
    exporter.commit();
    QCOMPARE(QDir(tmp.path()).entryList(QDir::Files, QDir::Name),
             QStringList({"metadata.json", "positions.npy", "series.csv"}));
}

void TestExport::abandonLeavesNothing() {
    QTemporaryDir tmp;
    RunExport exporter(tmp.path().toStdString(), Scenario{});
    for (int k = 0; k < 3; ++k) exporter.addFrame(fakeFrame(k, 3, 2, 1));
    exporter.abandon();
    QVERIFY(noFilesIn(tmp.path()));
    QVERIFY_THROWS_EXCEPTION(std::logic_error, exporter.commit());
}

void TestExport::destructorAbandonsUncommittedExport() {
    QTemporaryDir tmp;
    {
        RunExport exporter(tmp.path().toStdString(), Scenario{});
        exporter.addFrame(fakeFrame(0, 3, 2, 1));
        QVERIFY(!noFilesIn(tmp.path()));
    }
    QVERIFY(noFilesIn(tmp.path()));
}

void TestExport::rejectsInconsistentFrames() {
    QTemporaryDir tmp;
    RunExport exporter(tmp.path().toStdString(), Scenario{});
    Frame bare = fakeFrame(0, 3, 2, 1);
    bare.hasObservables = false;
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, exporter.addFrame(bare));
    exporter.addFrame(fakeFrame(0, 3, 2, 1));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, exporter.addFrame(fakeFrame(1, 4, 2, 1)));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, exporter.addFrame(fakeFrame(1, 3, 2, 2)));
    QCOMPARE(exporter.frameCount(), 1);
}

void TestExport::simulationFramesRoundTrip() {
    QTemporaryDir tmp;
    Scenario scenario = Scenario::load("orthogonal-heads-shadows");
    Simulation sim(scenario);
    std::vector<Frame> frames;
    {
        RunExport exporter(tmp.path().toStdString(), scenario);
        FrameOptions options;
        options.attention = false;
        for (int k = 0; k < 4; ++k) {
            if (k) sim.step();
            frames.push_back(sim.makeFrame(options));
            exporter.addFrame(frames.back());
        }
        exporter.commit();
    }
    const Npy npy = readNpy(tmp.path() + "/positions.npy");
    QCOMPARE(npy.shape, std::vector<long long>({4, scenario.n, scenario.d}));
    const QStringList lines = readLines(tmp.path() + "/series.csv");
    QCOMPARE(lines.size(), 5);
    for (int k = 0; k < 4; ++k) {
        const QStringList cells = lines[k + 1].split(',');
        QCOMPARE(cells[0].toLongLong(), frames[k].step);
        QCOMPARE(cells[2].toDouble(), frames[k].energyTotal);
        for (int i = 0; i < scenario.n; ++i)
            for (int c = 0; c < scenario.d; ++c)
                QCOMPARE(npy.data[static_cast<std::size_t>((k * scenario.n + i) * scenario.d + c)],
                         frames[k].positions(c, i));
    }
}

void TestExport::preLnRunExportsRadii() {
    QTemporaryDir tmp;
    Scenario scenario = Scenario::load("pre-ln-slowdown");
    scenario.n = 8;
    Simulation sim(scenario);
    std::vector<Frame> frames;
    {
        RunExport exporter(tmp.path().toStdString(), scenario);
        FrameOptions options;
        options.attention = false;
        for (int k = 0; k < 4; ++k) {
            for (int s = 0; s < 5; ++s) sim.step();
            frames.push_back(sim.makeFrame(options));
            exporter.addFrame(frames.back());
        }
        exporter.commit();
    }
    QCOMPARE(QDir(tmp.path()).entryList(QDir::Files, QDir::Name),
             QStringList({"metadata.json", "positions.npy", "radii.npy", "series.csv"}));
    const Npy radii = readNpy(tmp.path() + "/radii.npy");
    QCOMPARE(radii.shape, std::vector<long long>({4, 8}));
    const QStringList lines = readLines(tmp.path() + "/series.csv");
    const QStringList header = lines[0].split(',');
    const auto mean = header.indexOf("radius_mean"), lo = header.indexOf("radius_min"),
               hi = header.indexOf("radius_max");
    for (int k = 0; k < 4; ++k) {
        QVERIFY(frames[k].radii.size() == 8);
        for (int i = 0; i < 8; ++i)
            QCOMPARE(radii.data[static_cast<std::size_t>(k * 8 + i)], frames[k].radii(i));
        const QStringList cells = lines[k + 1].split(',');
        QCOMPARE(cells[mean].toDouble(), frames[k].radii.mean());
        QCOMPARE(cells[lo].toDouble(), frames[k].radii.minCoeff());
        QCOMPARE(cells[hi].toDouble(), frames[k].radii.maxCoeff());
    }
    QVERIFY(frames.back().radii.mean() > 1.0);  // Pre-LN radii grow
    std::ifstream in((tmp.path() + "/metadata.json").toStdString());
    QVERIFY(nlohmann::json::parse(in)["files"].contains("radii.npy"));
}

// `run`, `render --export` and the GUI describe their runs with the same keys (snake_case as the scenario
// format; H is the model's name for the head count), the GUI's written through a RunExport.
void TestExport::metadataHasOneSchema() {
    const Scenario scenario;
    RunInfo run{"run", {"attnsphere", "run", "default", "--out", "o"}, 2, 5, std::nullopt, ""};
    RunInfo render{"render", {"attnsphere", "render", "default"}, 0, 3, 30.0, ""};
    const std::vector<nlohmann::json> all = {RunExport::metadata(scenario, run, 4, 3, 2, 1),
                                             RunExport::metadata(scenario, render, 4, 3, 2, 1)};
    const RunInfo info{"gui",
                       {"attnsphere", "--scenario", "default"},
                       0,
                       std::nullopt,
                       std::nullopt,
                       "frames published to the display (one published frame in 2)"};
    QTemporaryDir tmp;
    {
        RunExport gui(tmp.path().toStdString(), scenario, info);
        gui.addFrame(fakeFrame(0, 3, 2, 1));
        gui.commit();
    }
    std::ifstream in((tmp.path() + "/metadata.json").toStdString());
    const nlohmann::json gui = nlohmann::json::parse(in);
    QCOMPARE(gui["writer"].get<std::string>(), std::string("gui"));
    QCOMPARE(gui["command_line"], (nlohmann::json{"attnsphere", "--scenario", "default"}));
    QCOMPARE(gui["note"].get<std::string>(), info.note);
    const QRegularExpression snake("^([a-z][a-z0-9_]*|H)$");
    std::vector<std::string> keys;
    for (const auto& [k, v] : gui.items()) {
        keys.push_back(k);
        QVERIFY2(snake.match(QString::fromStdString(k)).hasMatch(), k.c_str());
    }
    for (const auto& m : all) {
        std::vector<std::string> other;
        for (const auto& [k, v] : m.items()) other.push_back(k);
        QCOMPARE(other, keys);
        for (const auto& k : keys)
            if (!m[k].is_null() && !gui[k].is_null()) QCOMPARE(m[k].type_name(), gui[k].type_name());
    }
    QCOMPARE(all[0]["steps_per_frame"].get<int>(), 5);
    QCOMPARE(all[1]["fps"].get<double>(), 30.0);
    QVERIFY(all[0]["fps"].is_null());
}

// A disk that fills up: the export fails with the system's reason and leaves neither files nor the
// directories it created (RLIMIT_FSIZE stands in for a full disk: writes fail with EFBIG).
void TestExport::failedWriteLeavesNoDirectory() {
    QTemporaryDir tmp;
    const QString dir = tmp.path() + "/new/nested";
    QString message;
    try {
        const attnsphere::testing::FullDisk full(4096);
        RunExport exporter(dir.toStdString(), Scenario{});
        for (int k = 0; k < 200; ++k) exporter.addFrame(fakeFrame(k, 20, 3, 1));
        exporter.commit();
    } catch (const std::runtime_error& e) {
        message = e.what();
    }
    QVERIFY2(message.contains("File too large"), qPrintable(message));
    QVERIFY(!QFileInfo::exists(tmp.path() + "/new"));
    QVERIFY(QDir(tmp.path()).isEmpty());
}

// The constructor fails after creating the directories (no file descriptor left for the CSV): they go too.
void TestExport::failedCreateLeavesNoDirectory() {
    QTemporaryDir tmp;
    const QString dir = tmp.path() + "/new/nested";
    const int lowestFree = ::dup(0);  // a new descriptor gets the lowest free number
    ::close(lowestFree);
    struct rlimit old {};
    QCOMPARE(getrlimit(RLIMIT_NOFILE, &old), 0);
    struct rlimit few = old;
    few.rlim_cur = static_cast<rlim_t>(lowestFree);  // the next fopen would need a descriptor >= the limit
    QCOMPARE(setrlimit(RLIMIT_NOFILE, &few), 0);
    QString message;
    try {
        RunExport exporter(dir.toStdString(), Scenario{});
    } catch (const std::runtime_error& e) {
        message = e.what();
    }
    setrlimit(RLIMIT_NOFILE, &old);
    QVERIFY2(message.contains("cannot create") && message.contains("Too many open files"),
             qPrintable(message));
    QVERIFY(!QFileInfo::exists(tmp.path() + "/new"));
}

QTEST_GUILESS_MAIN(TestExport)
#include "test_export.moc"
