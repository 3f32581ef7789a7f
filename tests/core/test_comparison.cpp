// Comparison files: every validation error path, round trip, recipes, identical starting positions
// and lockstep times.
#include "core/Comparison.h"
#include "core/Errors.h"

#include <QDir>
#include <QTemporaryDir>
#include <QtTest>

#include <nlohmann/json.hpp>

#include <fstream>

using namespace attnsphere::core;
using nlohmann::json;

namespace {

// A small comparison file with `runs` (JSON array text) on a small base scenario.
std::string file(const std::string& runs, const std::string& base = R"({"n": 12, "d": 3, "seed": 4})") {
    return R"({"format": "attnsphere-comparison", "version": 1, "name": "c", "base": )" + base +
           R"(, "runs": )" + runs + "}";
}

const std::string kTwoRuns = R"([{"name": "a", "changes": {"kernel": "softmax"}},
                                 {"name": "b", "changes": {"kernel": "relu"}}])";

}  // namespace

class TestComparison : public QObject {
    Q_OBJECT

private slots:
    void validationErrors_data();
    void validationErrors();
    void changesMergeIntoTheBase();
    void roundTripThroughAFile();
    void recipesApplyToEveryPreset();
    void builtInPostVsPreLn();
    void loadAcceptsRecipeAndScenario();
    void runsStartFromIdenticalPositions();
    void lockstepTimesAgree();
    void resetRestartsEveryRun();
    void documentationExampleLoads();
};

void TestComparison::validationErrors_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QString>("expected");

    auto row = [](const char* name, const std::string& text, const char* path, const char* expected) {
        QTest::newRow(name) << QString::fromStdString(text) << path << expected;
    };
    row("not an object", "[1]", "", "must be a JSON object");
    row("unknown top key",
        R"({"format": "attnsphere-comparison", "version": 1, "base": "default", "runs": [], "x": 1})", "x",
        "unknown key");
    row("format missing", R"({"version": 1, "base": "default", "runs": []})", "format", "required");
    row("format wrong", R"({"format": "attnsphere-scenario", "version": 1, "base": "default", "runs": []})",
        "format", "\"attnsphere-comparison\"");
    row("version wrong",
        R"({"format": "attnsphere-comparison", "version": 2, "base": "default", "runs": []})", "version",
        "must be 1");
    row("name not a string",
        R"({"format": "attnsphere-comparison", "version": 1, "name": 3, "base": "default"})", "name",
        "string");
    row("base missing", R"({"format": "attnsphere-comparison", "version": 1, "runs": []})", "base",
        "required");
    row("base unknown preset", file(kTwoRuns, R"("no-such-preset")"), "base", "hemisphere-collapse");
    row("base number", file(kTwoRuns, "3"), "base", "preset name or a scenario object");
    row("base invalid scenario", file(kTwoRuns, R"({"beta": -1})"), "base.beta", "(0, 1000]");
    row("runs missing", R"({"format": "attnsphere-comparison", "version": 1, "base": "default"})", "runs",
        "required");
    row("runs not an array", file(R"({"a": 1})"), "runs", "must be an array of 2 to 4 runs");
    row("one run", file(R"([{"name": "a"}])"), "runs", "2 to 4 runs, got 1");
    row("five runs", file(R"([{"name": "a"}, {"name": "b"}, {"name": "c"}, {"name": "d"}, {"name": "e"}])"),
        "runs", "2 to 4 runs, got 5");
    row("run not an object", file(R"([{"name": "a"}, 3])"), "runs[1]", "must be a JSON object");
    row("run unknown key", file(R"([{"name": "a"}, {"name": "b", "kernel": "relu"}])"), "runs[1].kernel",
        "unknown key");
    row("run name missing", file(R"([{"name": "a"}, {"changes": {}}])"), "runs[1].name", "required");
    row("run name empty", file(R"([{"name": "a"}, {"name": ""}])"), "runs[1].name", "1 to 60 characters");
    row("run name twice", file(R"([{"name": "a"}, {"name": "a"}])"), "runs[1].name", "twice");
    row("changes not an object", file(R"([{"name": "a"}, {"name": "b", "changes": 3}])"), "runs[1].changes",
        "must be a JSON object");
    row("changes init", file(R"([{"name": "a"}, {"name": "b", "changes": {"init": {"kind": "uniform"}}}])"),
        "runs[1].changes.init", "base's positions");
    row("changes format", file(R"([{"name": "a", "changes": {"format": "x"}}, {"name": "b"}])"),
        "runs[0].changes.format", "not allowed");
    row("changes version", file(R"([{"name": "a", "changes": {"version": 1}}, {"name": "b"}])"),
        "runs[0].changes.version", "not allowed");
    row("changes unknown key", file(R"([{"name": "a"}, {"name": "b", "changes": {"friction": 3}}])"),
        "runs[1].changes.friction", "unknown key");
    row("changes kernel unknown", file(R"([{"name": "a"}, {"name": "b", "changes": {"kernel": "tanh"}}])"),
        "runs[1].changes.kernel", "\"softmax\"");
    row("changes beta out of range", file(R"([{"name": "a"}, {"name": "b", "changes": {"beta": 2000}}])"),
        "runs[1].changes.beta", "(0, 1000]");
    row("changes dt out of range",
        file(R"([{"name": "a"}, {"name": "b", "changes": {"integrator": {"dt": 20}}}])"),
        "runs[1].changes.integrator.dt", "[1e-06, 10]");
    row("changes integrator unknown",
        file(R"([{"name": "a"}, {"name": "b", "changes": {"integrator": "leapfrog"}}])"),
        "runs[1].changes.integrator.method", "\"rk4\"");
    row("changes n", file(R"([{"name": "a"}, {"name": "b", "changes": {"n": 13}}])"), "runs[1].changes.n",
        "base's n = 12");
    row("changes d", file(R"([{"name": "a"}, {"name": "b", "changes": {"d": 4}}])"), "runs[1].changes.d",
        "base's d = 3");
    // A field not among the changes: the interplay with the base is named with the whole change set.
    row("changes conflict with the base",
        file(R"([{"name": "a"}, {"name": "b", "changes": {"heads": {"count": 2}}}])",
             R"({"n": 12, "heads": {"kind": "scalar", "count": 1, "beta": [2]}})"),
        "runs[1].changes.heads.beta", "heads.count = 2");
    row("invalid JSON", "{\"format\": ", "", "invalid JSON");
}

void TestComparison::validationErrors() {
    QFETCH(QString, text);
    QFETCH(QString, path);
    QFETCH(QString, expected);
    try {
        Comparison::fromJsonText(text.toStdString());
        QFAIL("no ValidationError");
    } catch (const ValidationError& e) {
        const QString what = QString::fromStdString(e.what());
        QVERIFY2(!what.contains("json.exception"), qPrintable(what));
        QCOMPARE(QString::fromStdString(e.path()), path);
        if (!path.isEmpty()) QVERIFY2(what.startsWith(path + ": "), qPrintable(what));
        QVERIFY2(what.contains(expected), qPrintable(what + "  [expected: " + expected + "]"));
    }
}

void TestComparison::changesMergeIntoTheBase() {
    const Comparison c = Comparison::fromJsonText(file(
        R"([{"name": "euler", "changes": {"integrator": "euler"}},
            {"name": "two heads", "changes": {"heads": {"kind": "scalar", "count": 2, "scale": [1, 2]}, "beta": 3}}])",
        R"({"n": 12, "d": 3, "beta": 1.5, "integrator": {"method": "rk4", "dt": 0.05}})"));
    QCOMPARE(c.runs.size(), std::size_t{2});
    // The shorthand names only the method: the base's dt stays.
    QVERIFY(c.runs[0].scenario.integrator == IntegratorKind::Euler);
    QCOMPARE(c.runs[0].scenario.dt, 0.05);
    QCOMPARE(c.runs[0].scenario.beta, 1.5);
    QCOMPARE(c.runs[1].scenario.heads.count, 2);
    QCOMPARE(c.runs[1].scenario.beta, 3.0);
    QVERIFY(c.runs[1].scenario.integrator == IntegratorKind::RK4);
}

void TestComparison::roundTripThroughAFile() {
    QTemporaryDir dir;
    const std::string path = (dir.path() + "/c.json").toStdString();
    const Comparison c = Comparison::fromJsonText(file(kTwoRuns, R"("relu-vs-softmax")"));
    c.save(path);
    const Comparison back = Comparison::fromFile(path);
    QCOMPARE(back.toJson(), c.toJson());
    QCOMPARE(back.base.name, std::string("relu-vs-softmax"));
    QVERIFY(back.runs[1].scenario.kernel == KernelKind::ReluNormalised);
    // Errors from a file name it first.
    std::ofstream(path) << file("[]");
    try {
        Comparison::fromFile(path);
        QFAIL("no ValidationError");
    } catch (const ValidationError& e) {
        QVERIFY2(std::string(e.what()).rfind(path + ": runs: ", 0) == 0, e.what());
    }
    // A file that cannot be written (the target is a directory: the rename fails) is an error naming it,
    // and no temporary file is left beside it.
    const std::string blocked = (dir.path() + "/blocked").toStdString();
    QVERIFY(QDir().mkpath(QString::fromStdString(blocked + "/inside")));
    try {
        c.save(blocked);
        QFAIL("saved over a directory");
    } catch (const std::runtime_error& e) {
        QVERIFY2(std::string(e.what()).rfind("cannot write " + blocked + ": ", 0) == 0, e.what());
    }
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::NoDotAndDotDot).size(), 1);  // c.json only
}

void TestComparison::recipesApplyToEveryPreset() {
    QCOMPARE(comparisonRecipes().size(), std::size_t{6});
    for (const ComparisonRecipe& recipe : comparisonRecipes()) {
        QVERIFY(findRecipe(recipe.id) == &recipe);
        for (const PresetInfo& preset : presetList()) {
            const Scenario base = Scenario::load(preset.name);
            const Comparison c = makeComparison(recipe, base);
            QCOMPARE(c.runs.size(), recipe.runs.size());
            // The recipe is a comparison file like any other.
            QCOMPARE(Comparison::fromJson(c.toJson()).toJson(), c.toJson());
        }
    }
    const Scenario base = Scenario::load("relu-vs-softmax");
    const Comparison race = makeComparison(*findRecipe("softmax-vs-relu"), base);
    QVERIFY(race.runs[0].scenario.kernel == KernelKind::Softmax);
    QVERIFY(race.runs[1].scenario.kernel == KernelKind::ReluNormalised);
    const Comparison heads = makeComparison(*findRecipe("one-vs-two-heads"), Scenario::load("default"));
    QCOMPARE(heads.runs[0].scenario.heads.count, 1);
    QCOMPARE(heads.runs[1].scenario.heads.count, 2);
    QCOMPARE(heads.runs[1].scenario.heads.scale, (std::vector<double>{1, 2}));
    const Comparison sa = makeComparison(*findRecipe("sa-vs-usa"), base);
    QVERIFY(sa.runs[1].scenario.kernel == KernelKind::Exp);
    const Comparison integrators = makeComparison(*findRecipe("euler-vs-rk4"), base);
    QVERIFY(integrators.runs[0].scenario.integrator == IntegratorKind::Euler);
    QVERIFY(integrators.runs[1].scenario.integrator == IntegratorKind::RK4);
    QCOMPARE(integrators.runs[0].scenario.dt, integrators.runs[1].scenario.dt);
    const Comparison layerNorm = makeComparison(*findRecipe("post-ln-vs-pre-ln"), base);
    QVERIFY(layerNorm.runs[0].scenario.normalisation == LayerNorm::Post);
    QVERIFY(layerNorm.runs[1].scenario.normalisation == LayerNorm::Pre);
}

void TestComparison::builtInPostVsPreLn() {
    QCOMPARE(builtInComparisons().size(), std::size_t{1});
    const Comparison c = loadComparison("post-ln-vs-pre-ln");
    QCOMPARE(c.base.name, std::string("pre-ln-slowdown"));
    QVERIFY(c.runs[0].scenario.normalisation == LayerNorm::Post);
    QVERIFY(c.runs[1].scenario.normalisation == LayerNorm::Pre);
    // Same start; the Pre-LN run's radii grow and its tokens gather more slowly.
    Lockstep lockstep(c);
    QVERIFY(lockstep.simulation(0).positions() == lockstep.simulation(1).positions());
    lockstep.advanceTo(20.0);
    QVERIFY(lockstep.simulation(0).radii().size() == 0);
    QVERIFY(lockstep.simulation(1).radii().mean() > 2.0);
    FrameOptions options;
    options.attention = false;
    QVERIFY(lockstep.simulation(0).makeFrame(options).meanCosine >
            lockstep.simulation(1).makeFrame(options).meanCosine);
}

void TestComparison::loadAcceptsRecipeAndScenario() {
    const Comparison c = loadComparison("sa-vs-usa:default");
    QCOMPARE(c.base.name, std::string("default"));
    QVERIFY(c.runs[1].scenario.kernel == KernelKind::Exp);
    try {
        loadComparison("no-such-recipe:default");
        QFAIL("no ValidationError");
    } catch (const ValidationError& e) {
        QVERIFY2(std::string(e.what()).find("softmax-vs-relu") != std::string::npos, e.what());
    }
}

void TestComparison::runsStartFromIdenticalPositions() {
    // Runs whose own settings would initialise differently (another seed, flat geometry) still start
    // from the base's positions, bit for bit.
    const Comparison c = Comparison::fromJsonText(
        file(R"([{"name": "a"}, {"name": "seed", "changes": {"seed": 99, "kernel": "relu"}},
                 {"name": "flat", "changes": {"geometry": "flat"}}, {"name": "euler", "changes": {"integrator": "euler"}}])"));
    QVERIFY(Simulation(c.runs[1].scenario).positions() != c.initialPositions());
    Lockstep lockstep(c);
    QCOMPARE(lockstep.size(), 4);
    for (int k = 0; k < lockstep.size(); ++k) {
        const Matrix& X = lockstep.simulation(k).positions();
        QCOMPARE(X.rows(), Eigen::Index{3});
        QCOMPARE(X.cols(), Eigen::Index{12});
        QVERIFY2(std::memcmp(X.data(), lockstep.simulation(0).positions().data(),
                             sizeof(double) * static_cast<std::size_t>(X.size())) == 0,
                 qPrintable(QString::fromStdString(c.runs[static_cast<std::size_t>(k)].name)));
        QCOMPARE(lockstep.simulation(k).time(), 0.0);
    }
    QVERIFY(lockstep.simulation(0).positions().isApprox(c.initialPositions(), 1e-15));
}

void TestComparison::lockstepTimesAgree() {
    const Comparison c =
        Comparison::fromJsonText(file(R"([{"name": "dt 0.1", "changes": {"integrator": {"dt": 0.1}}},
                 {"name": "dt 0.025", "changes": {"integrator": {"dt": 0.025}}},
                 {"name": "euler 0.05", "changes": {"integrator": {"method": "euler", "dt": 0.05}}}])"));
    Lockstep lockstep(c);
    QCOMPARE(lockstep.tick(), 0.1);
    for (int tick = 1; tick <= 30; ++tick) {
        lockstep.advance();
        QVERIFY(qAbs(lockstep.target() - 0.1 * tick) < 1e-12);
        for (int k = 0; k < lockstep.size(); ++k)
            QVERIFY2(qAbs(lockstep.simulation(k).time() - lockstep.target()) < 1e-9,
                     qPrintable(QString("run %1 at t = %2, target %3")
                                    .arg(k)
                                    .arg(lockstep.simulation(k).time(), 0, 'g', 17)
                                    .arg(lockstep.target(), 0, 'g', 17)));
    }
    QCOMPARE(lockstep.simulation(0).stepCount(), std::int64_t{30});
    QCOMPARE(lockstep.simulation(1).stepCount(), std::int64_t{120});
    QCOMPARE(lockstep.simulation(2).stepCount(), std::int64_t{60});
    // An interrupted tick leaves runs behind; catchUp brings them to the target.
    std::atomic<bool> abort{true};
    lockstep.setAbortFlag(&abort);
    QVERIFY_THROWS_EXCEPTION(Aborted, lockstep.advance());
    QVERIFY(lockstep.simulation(0).time() < lockstep.target() - 0.05);
    abort = false;
    lockstep.catchUp();
    for (int k = 0; k < lockstep.size(); ++k) QVERIFY(qAbs(lockstep.simulation(k).time() - 3.1) < 1e-9);
    // The runs really differ: the same start, different trajectories.
    QVERIFY(lockstep.simulation(0).positions() != lockstep.simulation(2).positions());
}

void TestComparison::resetRestartsEveryRun() {
    Lockstep lockstep(Comparison::fromJsonText(file(kTwoRuns)));
    const Matrix X0 = lockstep.simulation(1).positions();
    for (int i = 0; i < 5; ++i) lockstep.advance();
    QVERIFY(lockstep.simulation(1).positions() != X0);
    lockstep.reset();
    QCOMPARE(lockstep.target(), 0.0);
    for (int k = 0; k < 2; ++k) {
        QCOMPARE(lockstep.simulation(k).time(), 0.0);
        QCOMPARE(lockstep.simulation(k).stepCount(), std::int64_t{0});
        QVERIFY(lockstep.simulation(k).positions() == X0);
    }
}

void TestComparison::documentationExampleLoads() {
    // Every ```json block of doc/COMPARISONS.md is a valid comparison.
    std::ifstream in(ATTNSPHERE_SOURCE_DIR "/doc/COMPARISONS.md");
    QVERIFY(in.good());
    const std::string doc((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    int examples = 0;
    for (std::size_t pos = doc.find("```json\n"); pos != std::string::npos;
         pos = doc.find("```json\n", pos)) {
        pos += 8;
        const std::size_t end = doc.find("```", pos);
        QVERIFY(end != std::string::npos);
        const Comparison c = Comparison::fromJsonText(doc.substr(pos, end - pos));
        QVERIFY(c.runs.size() >= 2);
        ++examples;
        pos = end + 3;
    }
    QVERIFY(examples >= 1);
}

QTEST_GUILESS_MAIN(TestComparison)
#include "test_comparison.moc"
