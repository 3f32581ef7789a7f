// The value-softmax model: the loss never rises along the flow, the velocity is minus the gradient
// (finite differences), softmax polarises from generic starts while linear and sigmoid do not, every
// validation error of the file, hostile files, the presets, and the export written whole.
#include "core/Errors.h"
#include "core/Npy.h"
#include "core/Polarisation.h"
#include "core/Scenario.h"
#include "core/TextFile.h"

#include <QTemporaryDir>
#include <QtTest>

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

using namespace attnsphere::core;
using nlohmann::json;

namespace {

json fileJson(const json& extra = json::object()) {
    json j = {{"format", kPolarisationFormat},
              {"version", kPolarisationVersion},
              {"n", 6},
              {"d", 3},
              {"maps", {"softmax", "linear", "sigmoid"}},
              {"loss", "logistic"},
              {"integrator", {{"method", "rk4"}, {"dt", 0.05}}},
              {"t_end", 2},
              {"publish_every", 5},
              {"seed", 4}};
    for (const auto& [key, value] : extra.items()) {
        if (value.is_null())
            j.erase(key);
        else
            j[key] = value;
    }
    return j;
}

// The final entropy of every map of `spec` run to its end.
std::vector<double> finalEntropies(const PolarisationSpec& spec) {
    PolarRun run(spec);
    while (!run.done()) run.step();
    std::vector<double> out;
    for (const PolarFrame& f : run.frames()) out.push_back(f.entropy);
    return out;
}

PolarisationSpec withMaps(PolarisationSpec s, std::vector<PolarMap> maps) {
    s.maps = std::move(maps);
    return s;
}

// The square-loss task where softmax polarises: a target far from the origin (doc/MODEL.md §13).
PolarisationSpec squareTask(std::uint64_t seed) {
    PolarisationSpec s = PolarisationSpec::load("polarisation-square");
    s.seed = seed;
    return s;
}

}  // namespace

class TestPolarisation : public QObject {
    Q_OBJECT
private slots:
    void lossNonIncreasingEveryStep_data();
    void lossNonIncreasingEveryStep();
    void velocityIsMinusGradient_data();
    void velocityIsMinusGradient();
    void softmaxPolarisesLogistic();
    void linearAndSigmoidDoNotPolariseLogistic();
    void squareLoss();
    void mapsShareTheStart();
    void entropyOfWeights();
    void validationErrors_data();
    void validationErrors();
    void fileErrorsNameTheFile();
    void hostileFiles_data();
    void hostileFiles();
    void presetsListedAndDistinct();
    void sourceDetection();
    void exportRoundTrip();
    void exportFailureLeavesNothing();
    void abortStopsTheRun();
    void canonicalRoundTrip();
};

void TestPolarisation::lossNonIncreasingEveryStep_data() {
    QTest::addColumn<QString>("map");
    QTest::addColumn<QString>("loss");
    for (const char* m : {"softmax", "linear", "sigmoid"})
        for (const char* l : {"logistic", "square"})
            QTest::newRow((std::string(m) + "-" + l).c_str()) << QString(m) << QString(l);
}

void TestPolarisation::lossNonIncreasingEveryStep() {
    QFETCH(QString, map);
    QFETCH(QString, loss);
    PolarisationSpec s = loss == "square" ? squareTask(2) : PolarisationSpec::load("polarisation-softmax");
    s.maps = {*valueOf<PolarMap>(map.toStdString())};
    s.tEnd = 60;
    PolarRun run(s);
    double previous = run.frames().front().loss;
    const double start = previous;
    int steps = 0;
    while (!run.done()) {
        run.step();
        const double now = run.frames().front().loss;
        // Round-off only: once the square loss reaches 1e-28 it jitters at the last bits.
        QVERIFY2(now <= previous + 1e-13 * start,
                 qPrintable(QString("step %1: %2 -> %3").arg(run.stepCount()).arg(previous).arg(now)));
        previous = now;
        ++steps;
    }
    QVERIFY(steps > 100);
    QVERIFY2(previous < 0.5 * start, "the loss did fall");
}

void TestPolarisation::velocityIsMinusGradient_data() {
    lossNonIncreasingEveryStep_data();
}

void TestPolarisation::velocityIsMinusGradient() {
    QFETCH(QString, map);
    QFETCH(QString, loss);
    const PolarMap m = *valueOf<PolarMap>(map.toStdString());
    const PolarLoss l = *valueOf<PolarLoss>(loss.toStdString());
    PolarisationSpec spec = PolarisationSpec::fromJson(fileJson({{"loss", loss.toStdString()}}));
    spec.logitStd = 1;
    spec.valueStd = 0.7;
    const PolarState s{spec.buildLogits(), spec.buildValues()};
    const Vector y = spec.buildTarget();
    const auto L = [&](const PolarState& x) { return lossValue(l, x.V * applyMap(m, x.a), y); };
    const PolarState v = polarVelocity(m, l, s, y);
    const double h = 1e-6;
    for (Eigen::Index k = 0; k < s.a.size(); ++k) {
        PolarState plus = s, minus = s;
        plus.a(k) += h;
        minus.a(k) -= h;
        const double fd = (L(plus) - L(minus)) / (2 * h);
        QVERIFY2(std::abs(-v.a(k) - fd) < 1e-7 * (1 + std::abs(fd)),
                 qPrintable(QString("a[%1]: %2 vs %3").arg(k).arg(-v.a(k)).arg(fd)));
    }
    for (Eigen::Index i = 0; i < s.V.rows(); ++i)
        for (Eigen::Index k = 0; k < s.V.cols(); ++k) {
            PolarState plus = s, minus = s;
            plus.V(i, k) += h;
            minus.V(i, k) -= h;
            const double fd = (L(plus) - L(minus)) / (2 * h);
            QVERIFY2(std::abs(-v.V(i, k) - fd) < 1e-7 * (1 + std::abs(fd)),
                     qPrintable(QString("V[%1,%2]: %3 vs %4").arg(i).arg(k).arg(-v.V(i, k)).arg(fd)));
        }
}

void TestPolarisation::softmaxPolarisesLogistic() {
    // Generic starts: several seeds of the preset's task; log n = 2.08 for n = 8.
    for (std::uint64_t seed : {1, 2, 3, 4}) {
        PolarisationSpec s = withMaps(PolarisationSpec::load("polarisation-softmax"), {PolarMap::Softmax});
        s.seed = seed;
        PolarRun run(s);
        const double start = run.frames().front().entropy;
        while (!run.done()) run.step();
        const PolarFrame end = run.frames().front();
        QVERIFY2(start > 1.5, qPrintable(QString("seed %1 starts at %2").arg(seed).arg(start)));
        QVERIFY2(end.entropy < 0.25, qPrintable(QString("seed %1: entropy %2").arg(seed).arg(end.entropy)));
        QVERIFY(end.maxWeight > 0.95);
        // Massive activations: the chosen token's value column carries the output.
        QVERIFY(end.maxColumnNorm > 0.9 * end.valueNorm);
    }
}

void TestPolarisation::linearAndSigmoidDoNotPolariseLogistic() {
    for (std::uint64_t seed : {1, 2, 3, 4}) {
        PolarisationSpec s = PolarisationSpec::load("polarisation-compare");
        s.seed = seed;
        const auto entropies = finalEntropies(withMaps(s, {PolarMap::Linear, PolarMap::Sigmoid}));
        QVERIFY2(entropies[0] > 1.2, qPrintable(QString("linear, seed %1: %2").arg(seed).arg(entropies[0])));
        QVERIFY2(entropies[1] > 1.8, qPrintable(QString("sigmoid, seed %1: %2").arg(seed).arg(entropies[1])));
    }
}

void TestPolarisation::squareLoss() {
    // With the square loss the flow stops once the target is fitted: the entropy settles, low for
    // softmax when the target is large, near log n for the linear map.
    for (std::uint64_t seed : {1, 2}) {
        const auto e = finalEntropies(squareTask(seed));
        QCOMPARE(e.size(), std::size_t(3));
        QVERIFY2(e[0] < 0.2, qPrintable(QString("softmax, seed %1: %2").arg(seed).arg(e[0])));
        QVERIFY2(e[1] > 1.2, qPrintable(QString("linear, seed %1: %2").arg(seed).arg(e[1])));
        QVERIFY2(e[2] > 1.8, qPrintable(QString("sigmoid, seed %1: %2").arg(seed).arg(e[2])));
    }
}

void TestPolarisation::mapsShareTheStart() {
    const PolarisationSpec s = PolarisationSpec::fromJson(fileJson());
    const PolarRun run(s);
    const Vector a = s.buildLogits();
    const auto& flows = run.flows();
    QCOMPARE(flows.size(), std::size_t(3));
    for (const PolarFlow& f : flows) {
        QCOMPARE(f.state().a, a);
        QCOMPARE(f.state().V, flows.front().state().V);
    }
    QCOMPARE(run.frames()[1].p, a);  // linear: p = a
    QVERIFY(std::abs(run.frames()[0].p.sum() - 1) < 1e-12);
    // The same file gives the same numbers.
    QCOMPARE(PolarRun(s).frames()[0].p, run.frames()[0].p);
}

void TestPolarisation::entropyOfWeights() {
    Vector p(4);
    p << 0.25, 0.25, 0.25, 0.25;
    QVERIFY(std::abs(weightEntropy(p) - std::log(4.0)) < 1e-12);
    p << 2, -2, 0, 0;  // |p| normalised: two halves
    QVERIFY(std::abs(weightEntropy(p) - std::log(2.0)) < 1e-12);
    p << 0, 0, 1, 0;
    QCOMPARE(weightEntropy(p), 0.0);
    p.setZero();
    QVERIFY(std::abs(weightEntropy(p) - std::log(4.0)) < 1e-12);
}

void TestPolarisation::validationErrors_data() {
    QTest::addColumn<QString>("patch");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QString>("expected");
    auto row = [](const char* name, const json& patch, const char* path, const char* expected) {
        QTest::newRow(name) << QString::fromStdString(patch.dump()) << path << expected;
    };
    row("unknown key", {{"speed", 1}}, "speed", "unknown key");
    row("format missing", {{"format", nullptr}}, "format", "is required");
    row("format wrong", {{"format", "attnsphere-scenario"}}, "format", "attnsphere-polarisation");
    row("version wrong", {{"version", 2}}, "version", "only version");
    row("name not string", {{"name", 3}}, "name", "must be a string");
    row("n small", {{"n", 1}}, "n", "[2, 1000]");
    row("n large", {{"n", 1001}}, "n", "[2, 1000]");
    row("n fraction", {{"n", 2.5}}, "n", "integer");
    row("d zero", {{"d", 0}}, "d", "[1, 256]");
    row("maps not list", {{"maps", "softmax"}}, "maps", "list of 1 to 3");
    row("maps empty", {{"maps", json::array()}}, "maps", "list of 1 to 3");
    row("maps four", {{"maps", {"softmax", "linear", "sigmoid", "softmax"}}}, "maps", "list of 1 to 3");
    row("map unknown", {{"maps", {"softmax", "relu"}}}, "maps[1]", "\"softmax\", \"linear\", \"sigmoid\"");
    row("map twice", {{"maps", {"linear", "linear"}}}, "maps[1]", "twice");
    row("loss unknown", {{"loss", "hinge"}}, "loss", "\"square\", \"logistic\"");
    row("target length", {{"target", {1, -1}}}, "target", "list of 3 numbers");
    row("target not number", {{"target", {1, "x", 1}}}, "target[1]", "must be a number");
    row("target label", {{"target", {1, 0.5, -1}}}, "target[1]", "1 or -1");
    row("target large", {{"loss", "square"}, {"target", {1, 1e4, -1}}}, "target[1]", "[-1000, 1000]");
    row("init not object", {{"init", 1}}, "init", "JSON object");
    row("init unknown key", {{"init", {{"spread", 1}}}}, "init.spread", "unknown key");
    row("logits length", {{"init", {{"logits", {1, 2}}}}}, "init.logits", "list of 6 numbers");
    row("logits large", {{"init", {{"logits", {0, 0, 0, 0, 0, 2000}}}}}, "init.logits[5]", "[-1000, 1000]");
    row("logit std negative", {{"init", {{"logit_std", -1}}}}, "init.logit_std", "[0, 10]");
    row("value std large", {{"init", {{"value_std", 11}}}}, "init.value_std", "[0, 10]");
    row("integrator unknown key", {{"integrator", {{"tolerance", 1}}}}, "integrator.tolerance",
        "unknown key");
    row("integrator method", {{"integrator", {{"method", "euler"}}}}, "integrator.method", "\"rk4\"");
    row("dt zero", {{"integrator", {{"dt", 0}}}}, "integrator.dt", "[1e-06, 1]");
    row("dt large", {{"integrator", {{"dt", 2}}}}, "integrator.dt", "[1e-06, 1]");
    row("t_end zero", {{"t_end", 0}}, "t_end", "(0, 1000000]");
    row("too many steps", {{"t_end", 1000000}, {"integrator", {{"dt", 1e-6}}}}, "integrator.dt",
        "steps; at most");
    row("too many weights", {{"n", 1000}, {"t_end", 10000}, {"publish_every", 1}}, "publish_every",
        "publish less often");
    row("publish_every zero", {{"publish_every", 0}}, "publish_every", "must be an integer in");
    row("seed negative", {{"seed", -1}}, "seed", "[0, 18446744073709551615]");
    row("seed string", {{"seed", "1"}}, "seed", "integer");
}

void TestPolarisation::validationErrors() {
    QFETCH(QString, patch);
    QFETCH(QString, path);
    QFETCH(QString, expected);
    const json j = fileJson(json::parse(patch.toStdString()));
    try {
        PolarisationSpec::fromJson(j);
        QFAIL("accepted");
    } catch (const ValidationError& e) {
        QCOMPARE(QString::fromStdString(e.path()), path);
        QVERIFY2(QString(e.what()).contains(expected), e.what());
    }
}

void TestPolarisation::fileErrorsNameTheFile() {
    QTemporaryDir dir;
    const std::string file = dir.filePath("p.json").toStdString();
    writeTextFile(file, fileJson({{"n", 1}}).dump());
    try {
        PolarisationSpec::load(file);
        QFAIL("accepted");
    } catch (const ValidationError& e) {
        QVERIFY2(QString(e.what()).startsWith(QString::fromStdString(file + ": n: must be")), e.what());
    }
    try {
        PolarisationSpec::load("no-such-polarisation");
        QFAIL("accepted");
    } catch (const ValidationError& e) {
        QVERIFY2(QString(e.what()).contains("polarisation-softmax"), e.what());
    }
}

void TestPolarisation::hostileFiles_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("expected");
    const std::string base = fileJson().dump();
    const auto with = [&](const std::string& key, const std::string& value) {
        return QString::fromStdString(base.substr(0, base.size() - 1) + ",\"" + key + "\":" + value + "}");
    };
    QTest::newRow("1e400") << with("t_end", "1e400") << "beyond the range of a double";
    QTest::newRow("-1e400 in a list") << with("target", "[1,-1e400,1]") << "beyond the range of a double";
    QTest::newRow("NaN") << with("t_end", "NaN") << "invalid JSON";
    QTest::newRow("deep nesting") << with("init", std::string(5000, '[') + std::string(5000, ']'))
                                  << "nested deeper than 64";
    QTest::newRow("truncated") << QString::fromStdString(base.substr(0, base.size() / 2)) << "invalid JSON";
    QTest::newRow("not JSON") << QString("\x01\x02 hello") << "invalid JSON";
    QTest::newRow("array") << QString("[1]") << "must be a JSON object";
    QTest::newRow("huge n") << with("n", "18446744073709551616") << "n: must be";
}

void TestPolarisation::hostileFiles() {
    QFETCH(QString, text);
    QFETCH(QString, expected);
    try {
        PolarisationSpec::fromJsonText(text.toStdString());
        QFAIL("accepted");
    } catch (const ValidationError& e) {
        QVERIFY2(QString(e.what()).contains(expected), e.what());
    }
}

void TestPolarisation::presetsListedAndDistinct() {
    const auto list = polarisationPresetList();
    QStringList names;
    for (const auto& p : list) {
        names << QString::fromStdString(p.name);
        QVERIFY2(!p.description.empty() && p.citation.find("Varre") != std::string::npos, p.name.c_str());
        QVERIFY(!isPreset(p.name));  // no scenario preset has the same name
        const PolarisationSpec s = PolarisationSpec::load(p.name);
        QCOMPARE(QString::fromStdString(s.name), QString::fromStdString(p.name));
    }
    for (const char* name : {"polarisation-softmax", "polarisation-linear", "polarisation-sigmoid",
                             "polarisation-compare", "polarisation-square"})
        QVERIFY2(names.contains(name), name);
    QCOMPARE(PolarisationSpec::load("polarisation-compare").maps.size(), std::size_t(3));
    QCOMPARE(PolarisationSpec::load("polarisation-linear").maps, std::vector<PolarMap>{PolarMap::Linear});
}

void TestPolarisation::sourceDetection() {
    QTemporaryDir dir;
    const std::string polar = dir.filePath("p.json").toStdString(),
                      scenario = dir.filePath("s.json").toStdString(),
                      broken = dir.filePath("b.json").toStdString();
    writeTextFile(polar, fileJson().dump());
    writeTextFile(scenario, R"({"format": "attnsphere-scenario", "n": 4, "d": 3})");
    writeTextFile(broken, "{");
    QVERIFY(isPolarisationSource(polar));
    QVERIFY(isPolarisationSource("polarisation-compare"));
    QVERIFY(!isPolarisationSource(scenario));
    QVERIFY(!isPolarisationSource(broken));
    QVERIFY(!isPolarisationSource("default"));
    QVERIFY(!isPolarisationSource(dir.filePath("missing.json").toStdString()));
}

void TestPolarisation::exportRoundTrip() {
    QTemporaryDir tmp;
    const std::string dir = tmp.filePath("a/b").toStdString();
    const PolarisationSpec s = PolarisationSpec::fromJson(fileJson({{"t_end", 1.02}}));  // 21 steps
    const PolarRecord record = runPolarisation(s);
    QCOMPARE(record.framesPerMap.size(), std::size_t(3));
    const std::size_t frames = record.framesPerMap[0].size();
    QCOMPARE(static_cast<long long>(frames), s.frames());
    QCOMPARE(frames, std::size_t(1 + 4 + 1));  // step 0, every 5 steps, the last step (21)
    QCOMPARE(record.framesPerMap[0].back().step, 21LL);
    RunInfo info;
    info.writer = "run";
    info.commandLine = {"attnsphere", "run"};
    writePolarisationExport(dir, s, record, info);

    const auto csv = readTextFile(dir + "/series.csv");
    QVERIFY(csv);
    std::istringstream lines(*csv);
    std::string header, line;
    std::getline(lines, header);
    QCOMPARE(QString::fromStdString(header), QString::fromStdString(polarisationCsvHeader(s)));
    QVERIFY(header.find("softmax_entropy") != std::string::npos &&
            header.find("sigmoid_max_column_norm") != std::string::npos);
    int rows = 0;
    while (std::getline(lines, line)) {
        const QStringList cells = QString::fromStdString(line).split(',');
        QCOMPARE(cells.size(), 2 + 3 * 5);
        const PolarFrame& f = record.framesPerMap[1][static_cast<std::size_t>(rows)];
        QCOMPARE(cells[0].toLongLong(), f.step);
        QCOMPARE(cells[2 + 5].toDouble(), f.loss);  // linear_loss, printed exactly
        QCOMPARE(cells[2 + 5 + 1].toDouble(), f.entropy);
        ++rows;
    }
    QCOMPARE(rows, static_cast<int>(frames));

    const NpyArray weights = readNpy(dir + "/weights.npy");
    QCOMPARE(weights.descr, std::string("<f8"));
    QCOMPARE(weights.shape, (std::vector<long long>{3, static_cast<long long>(frames), 6}));
    const NpyArray norms = readNpy(dir + "/column_norms.npy");
    QCOMPARE(norms.shape, weights.shape);
    const auto at = [&](const NpyArray& a, std::size_t m, std::size_t k, std::size_t i) {
        double v;
        std::memcpy(&v, a.data.data() + ((m * frames + k) * 6 + i) * sizeof(double), sizeof v);
        return v;
    };
    for (std::size_t m = 0; m < 3; ++m)
        for (std::size_t k = 0; k < frames; ++k)
            for (std::size_t i = 0; i < 6; ++i) {
                QCOMPARE(at(weights, m, k, i), record.framesPerMap[m][k].p(static_cast<Eigen::Index>(i)));
                QCOMPARE(at(norms, m, k, i),
                         record.framesPerMap[m][k].columnNorms(static_cast<Eigen::Index>(i)));
            }

    const json meta = json::parse(*readTextFile(dir + "/metadata.json"));
    QCOMPARE(meta["frames"].get<std::size_t>(), frames);
    QCOMPARE(meta["writer"].get<std::string>(), std::string("run"));
    QCOMPARE(meta["maps"], json({"softmax", "linear", "sigmoid"}));
    // The file in the metadata runs again to the same numbers.
    const PolarisationSpec again = PolarisationSpec::fromJson(meta["polarisation"]);
    QCOMPARE(runPolarisation(again).framesPerMap[2].back().p, record.framesPerMap[2].back().p);
    for (const auto& entry : std::filesystem::directory_iterator(dir))
        QVERIFY2(entry.path().extension() != ".partial", entry.path().c_str());
}

void TestPolarisation::exportFailureLeavesNothing() {
    QTemporaryDir tmp;
    const std::string blocker = tmp.filePath("file").toStdString();
    writeTextFile(blocker, "x");
    const PolarisationSpec s = PolarisationSpec::fromJson(fileJson());
    const PolarRecord record = runPolarisation(s);
    // A directory cannot be made under a file: the error names it and nothing is left.
    try {
        writePolarisationExport(blocker + "/out", s, record, {});
        QFAIL("written");
    } catch (const std::runtime_error& e) {
        QVERIFY2(QString(e.what()).contains("cannot create directory"), e.what());
    }
    // A file that cannot be written (a directory in its way): the files written before it are removed.
    const std::string dir = tmp.filePath("out").toStdString();
    std::filesystem::create_directories(dir + "/metadata.json.partial");
    try {
        writePolarisationExport(dir, s, record, {});
        QFAIL("written");
    } catch (const std::runtime_error& e) {
        QVERIFY2(QString(e.what()).contains("metadata.json"), e.what());
    }
    for (const char* name : {"series.csv", "series.csv.partial", "weights.npy", "weights.npy.partial",
                             "column_norms.npy.partial", "metadata.json"})
        QVERIFY2(!std::filesystem::exists(dir + "/" + name), name);
}

void TestPolarisation::abortStopsTheRun() {
    std::atomic<bool> abort{true};
    QVERIFY_THROWS_EXCEPTION(Aborted, runPolarisation(PolarisationSpec::fromJson(fileJson()), &abort));
}

void TestPolarisation::canonicalRoundTrip() {
    const PolarisationSpec s = PolarisationSpec::fromJson(fileJson({{"loss", "square"}}));
    const json canonical = s.toJson();
    const PolarisationSpec back = PolarisationSpec::fromJson(canonical);
    QCOMPARE(back.toJson(), canonical);
    QCOMPARE(back.buildTarget(), s.buildTarget());
    QCOMPARE(back.buildValues(), s.buildValues());
}

QTEST_GUILESS_MAIN(TestPolarisation)
#include "test_polarisation.moc"
