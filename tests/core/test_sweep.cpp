// Sweep files: every validation error path, the grid and its scenarios, seeds, shards (values, files,
// refusal of foreign ones), aggregation independent of shard order, the output folder and the theory time.
#include "core/EquiangularTheory.h"
#include "core/Errors.h"
#include "core/Simulation.h"
#include "core/Sweep.h"

#include <QTemporaryDir>
#include <QtTest>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>

using namespace attnsphere::core;
using nlohmann::json;

namespace {

const char* kBase = R"({"n": 6, "d": 3, "beta": 1, "integrator": {"method": "euler", "dt": 0.1}, "seed": 3})";

// A small sweep file; `extra` adds or replaces top-level keys.
json sweepJson(const json& extra = json::object()) {
    json j = {{"format", "attnsphere-sweep"},
              {"version", 1},
              {"name", "s"},
              {"base", json::parse(kBase)},
              {"axes", json::array({{{"field", "beta"}, {"from", 0.5}, {"to", 2}, {"count", 3}}})},
              {"starts", 5},
              {"seed", 11},
              {"checkpoints", {{"to", 0.3}, {"every", 0.1}}},
              {"starts_per_shard", 2}};
    j.merge_patch(extra);
    return j;
}

Sweep twoAxes() {
    return Sweep::fromJson(
        sweepJson({{"axes", json::array({{{"field", "beta"}, {"from", 0.5}, {"to", 2}, {"count", 3}},
                                         {{"field", "kernel"}, {"values", {"softmax", "relu"}}}})}}));
}

std::vector<ShardResult> allShards(const Sweep& s) {
    std::vector<ShardResult> out;
    for (long long k = 0; k < s.shardCount(); ++k) out.push_back(computeShard(s, k));
    return out;
}

std::string readAll(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

class TestSweep : public QObject {
    Q_OBJECT

private slots:
    void validationErrors_data();
    void validationErrors();
    void canonicalRoundTrip();
    void gridOrderAndScenarios();
    void rangesExpandLikeNumpy();
    void seedsDependOnlyOnSeedAndStart();
    void shardValuesEqualASimulationByHand();
    void thresholdAndToleranceReachTheFrame();
    void shardsCoverEveryStartOnce();
    void shardFileRoundTripAndRefusals();
    void aggregateIsIndependentOfShardOrder();
    void claimRefusesAnotherSweepNamingTheDifference();
    void outputsWrittenAndReadBack();
    void theoryTimeMatchesTheEquiangularOde();
    void presetsLoad();
    void abortStopsBetweenStarts();
    void numericalErrorNamesPointAndStart();
};

void TestSweep::validationErrors_data() {
    QTest::addColumn<QString>("patch");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QString>("expected");
    auto row = [](const char* name, const json& patch, const char* path, const char* expected) {
        QTest::newRow(name) << QString::fromStdString(patch.dump()) << path << expected;
    };
    row("unknown key", {{"speed", 1}}, "speed", "unknown key");
    row("format wrong", {{"format", "attnsphere-scenario"}}, "format", "attnsphere-sweep");
    row("version wrong", {{"version", 2}}, "version", "");
    row("base unknown preset", {{"base", "nope"}}, "base", "preset name");
    row("base bad scenario", {{"base", {{"n", 1}}}}, "base.n", "must be");
    row("axes missing", {{"axes", nullptr}}, "axes", "is required");
    row("axes empty", {{"axes", json::array()}}, "axes", "1 to 4 axes");
    row("five axes",
        {{"axes", json::array({{{"field", "beta"}, {"values", {1}}},
                               {{"field", "n"}, {"values", {4}}},
                               {{"field", "d"}, {"values", {3}}},
                               {{"field", "kernel"}, {"values", {"relu"}}},
                               {{"field", "heads.scale"}, {"values", {1}}}})}},
        "axes", "1 to 4 axes");
    row("axis unknown key", {{"axes", json::array({{{"field", "beta"}, {"values", {1}}, {"step", 1}}})}},
        "axes[0].step", "unknown key");
    row("field not in the format", {{"axes", json::array({{{"field", "friction"}, {"values", {1}}}})}},
        "axes[0].field", "must be a scenario field");
    row("seed as axis", {{"axes", json::array({{{"field", "seed"}, {"values", {1, 2}}}})}}, "axes[0].field",
        "cannot be an axis");
    row("name as axis", {{"axes", json::array({{{"field", "name"}, {"values", {"a"}}}})}}, "axes[0].field",
        "cannot be an axis");
    row("whole object as field", {{"axes", json::array({{{"field", "heads"}, {"values", {1}}}})}},
        "axes[0].field", "must be a scenario field");
    row("duplicate field",
        {{"axes", json::array({{{"field", "beta"}, {"values", {1}}}, {{"field", "beta"}, {"values", {2}}}})}},
        "axes[1].field", "twice");
    row("neither values nor range", {{"axes", json::array({{{"field", "beta"}}})}}, "axes[0]", "either");
    row("both values and range",
        {{"axes", json::array({{{"field", "beta"}, {"values", {1}}, {"from", 1}, {"to", 2}, {"count", 2}}})}},
        "axes[0]", "either");
    row("zero-length values", {{"axes", json::array({{{"field", "beta"}, {"values", json::array()}}})}},
        "axes[0].values", "non-empty");
    row("zero count", {{"axes", json::array({{{"field", "beta"}, {"from", 1}, {"to", 2}, {"count", 0}}})}},
        "axes[0].count", "must be");
    row("count missing", {{"axes", json::array({{{"field", "beta"}, {"from", 1}, {"to", 2}}})}},
        "axes[0].count", "required");
    row("spacing unknown",
        {{"axes",
          json::array({{{"field", "beta"}, {"from", 1}, {"to", 2}, {"count", 2}, {"spacing", "cubic"}}})}},
        "axes[0].spacing", "\"log\"");
    row("log from zero",
        {{"axes",
          json::array({{{"field", "beta"}, {"from", 0}, {"to", 2}, {"count", 2}, {"spacing", "log"}}})}},
        "axes[0].from", "> 0");
    row("mixed values", {{"axes", json::array({{{"field", "kernel"}, {"values", {"relu", 1}}}})}},
        "axes[0].values[1]", "a string");
    row("repeated value", {{"axes", json::array({{{"field", "beta"}, {"values", {1, 2, 1}}}})}},
        "axes[0].values[2]", "twice");
    row("repeated value, integer and float",
        {{"axes", json::array({{{"field", "beta"}, {"values", {2, 1, 2.0}}}})}}, "axes[0].values[2]",
        "twice");
    row("bad beta value", {{"axes", json::array({{{"field", "beta"}, {"values", {1, 2, 3, -1}}}})}},
        "axes[0].values[3]", "beta: must be in (0, 1000]");
    row("bad kernel value", {{"axes", json::array({{{"field", "kernel"}, {"values", {"softmax", "tanh"}}}})}},
        "axes[0].values[1]", "kernel: must be one of");
    row("non-integer n", {{"axes", json::array({{{"field", "n"}, {"from", 4}, {"to", 5}, {"count", 3}}})}},
        "axes[0].values[1]", "n: must be an integer");
    row("n with points init",
        {{"base",
          {{"n", 2},
           {"d", 2},
           {"init", {{"kind", "points"}, {"points", {{1, 0}, {0, 1}}}}},
           {"integrator", "euler"}}},
         {"axes", json::array({{{"field", "n"}, {"values", {2, 3}}}})}},
        "axes[0].field", "\"points\"");
    row("combination invalid",
        {{"base",
          {{"n", 4}, {"d", 6}, {"init", {{"kind", "equiangular"}, {"rho", 0.2}}}, {"integrator", "euler"}}},
         {"axes", json::array({{{"field", "n"}, {"values", {4, 5}}}, {{"field", "d"}, {"values", {6, 5}}}})}},
        "axes", "at the point n = 5, d = 5");
    row("too many points",
        {{"axes", json::array({{{"field", "beta"}, {"from", 0.1}, {"to", 9}, {"count", 1000}},
                               {{"field", "heads.scale"}, {"from", 0.1}, {"to", 9}, {"count", 1001}}})}},
        "axes", "at most 1000000 grid points");
    row("too many steps", {{"starts", 1000000}, {"checkpoints", {{"to", 100000}, {"every", 100}}}}, "starts",
        "a sweep is many runs");
    row("starts zero", {{"starts", 0}}, "starts", "must be");
    row("starts too many", {{"starts", (1 << 20) + 1}}, "starts", "must be");
    row("seed negative", {{"seed", -1}}, "seed", "must be an integer in [0,");
    row("checkpoints missing", {{"checkpoints", nullptr}}, "checkpoints", "is required");
    row("checkpoints not increasing", {{"checkpoints", {0, 0.2, 0.2}}}, "checkpoints[2]", "must be greater");
    row("checkpoints decreasing", {{"checkpoints", {0.3, 0.1}}}, "checkpoints[1]", "must be greater");
    row("checkpoint negative", {{"checkpoints", {-0.1, 0.1}}}, "checkpoints[0]", "must be in");
    row("checkpoint beyond tEndMax", {{"checkpoints", {0.1, 2e6}}}, "checkpoints[1]", "must be in");
    row("checkpoints only zero", {{"checkpoints", {0}}}, "checkpoints", "after 0");
    row("checkpoint between steps", {{"checkpoints", {0.1, 0.25}}}, "checkpoints[1]",
        "multiple of integrator.dt");
    row("checkpoints every zero", {{"checkpoints", {{"to", 1}, {"every", 0}}}}, "checkpoints.every",
        "must be in");
    row("checkpoints to beyond", {{"checkpoints", {{"to", 2e6}, {"every", 1}}}}, "checkpoints.to",
        "must be in");
    row("checkpoints unknown key", {{"checkpoints", {{"to", 1}, {"every", 0.1}, {"from", 0}}}},
        "checkpoints.from", "unknown key");
    row("threshold zero", {{"threshold", 0}}, "threshold", "(0, 1]");
    row("threshold above one", {{"threshold", 1.5}}, "threshold", "(0, 1]");
    row("cluster tolerance zero", {{"cluster_tolerance", 0}}, "cluster_tolerance", "(0, 1]");
    row("statistic unknown", {{"statistics", {"energy", "speed"}}}, "statistics[1]", "must be one of");
    row("statistic twice", {{"statistics", {"energy", "energy"}}}, "statistics[1]", "twice");
    row("statistics empty", {{"statistics", json::array()}}, "statistics", "non-empty");
    row("starts per shard zero", {{"starts_per_shard", 0}}, "starts_per_shard", "must be");
}

void TestSweep::validationErrors() {
    QFETCH(QString, patch);
    QFETCH(QString, path);
    QFETCH(QString, expected);
    json j = sweepJson();
    const json changes = json::parse(patch.toStdString());
    for (const auto& [key, value] : changes.items()) {
        if (value.is_null())
            j.erase(key);
        else
            j[key] = value;
    }
    try {
        Sweep::fromJson(j);
        QFAIL("accepted");
    } catch (const ValidationError& e) {
        QCOMPARE(QString::fromStdString(e.path()), path);
        QVERIFY2(QString(e.what()).contains(expected), e.what());
    }
}

void TestSweep::canonicalRoundTrip() {
    const Sweep s = twoAxes();
    const json canonical = s.toJson();
    QCOMPARE(Sweep::fromJson(canonical).toJson(), canonical);
    QCOMPARE(canonical["threshold"].get<double>(), 0.999);
    QCOMPARE(canonical["statistics"].size(), std::size_t(kSweepStatisticCount));
    QCOMPARE(canonical["axes"][0]["spacing"].get<std::string>(), std::string("linear"));
    // A base given by preset name and the same scenario written out are one sweep.
    json byName = sweepJson({{"base", "default"}, {"checkpoints", {{"to", 0.1}, {"every", 0.05}}}});
    json byObject = byName;
    byObject["base"] = Sweep::fromJson(byName).base.toJson();
    QCOMPARE(Sweep::fromJson(byName).toJson(), Sweep::fromJson(byObject).toJson());
}

void TestSweep::gridOrderAndScenarios() {
    const Sweep s = twoAxes();
    QCOMPARE(s.pointCount(), 6LL);
    QCOMPARE(s.shape(), (std::vector<int>{3, 2}));
    // The last axis varies fastest.
    QCOMPARE(s.pointIndices(0), (std::vector<int>{0, 0}));
    QCOMPARE(s.pointIndices(1), (std::vector<int>{0, 1}));
    QCOMPARE(s.pointIndices(2), (std::vector<int>{1, 0}));
    QCOMPARE(s.pointIndices(5), (std::vector<int>{2, 1}));
    QVERIFY(!s.axes[0].categorical());
    QVERIFY(s.axes[1].categorical());
    QCOMPARE(s.axes[0].label(1), std::string("1.25"));
    QCOMPARE(s.axes[1].label(1), std::string("relu"));
    const Scenario p3 = s.scenarioAt(3);
    QCOMPARE(p3.beta, 1.25);
    QVERIFY(p3.kernel == KernelKind::ReluNormalised);
    QCOMPARE(p3.n, 6);
    QCOMPARE(p3.tEnd, 0.3);
    QCOMPARE(p3.seed, s.base.seed);
    const Scenario p3s2 = s.scenarioAt(3, 2);
    QCOMPARE(p3s2.seed, s.startSeed(2));
    QCOMPARE(p3s2.beta, 1.25);
    // `attnsphere run` of the start's scenario file reads the same scenario back.
    QCOMPARE(Scenario::fromJson(p3s2.toJson()).toJson(), p3s2.toJson());
}

void TestSweep::rangesExpandLikeNumpy() {
    const Sweep s = Sweep::fromJson(
        sweepJson({{"axes", json::array({{{"field", "beta"}, {"from", 0.1}, {"to", 9}, {"count", 90}}})},
                   {"starts", 1}}));
    QCOMPARE(s.axes[0].values.size(), std::size_t(90));
    const double step = (9 - 0.1) / 89;
    for (int i = 0; i < 89; ++i) QCOMPARE(s.axes[0].values[i].get<double>(), 0.1 + i * step);
    QCOMPARE(s.axes[0].values[89].get<double>(), 9.0);
    const Sweep g = Sweep::fromJson(sweepJson(
        {{"axes",
          json::array({{{"field", "beta"}, {"from", 0.1}, {"to", 10}, {"count", 3}, {"spacing", "log"}}})}}));
    QCOMPARE(g.axes[0].values[0].get<double>(), 0.1);
    QVERIFY(std::abs(g.axes[0].values[1].get<double>() - 1.0) < 1e-15);
    QCOMPARE(g.axes[0].values[2].get<double>(), 10.0);
    // Integer fields stay integers (n = 4, 6, 8).
    const Sweep n = Sweep::fromJson(
        sweepJson({{"axes", json::array({{{"field", "n"}, {"from", 4}, {"to", 8}, {"count", 3}}})}}));
    QVERIFY(n.axes[0].values[1].is_number_integer());
    QCOMPARE(n.scenarioAt(1).n, 6);
    QCOMPARE(n.maxN(), 8);
    // Checkpoints are k * every, so the last one is the end time exactly.
    const Sweep c = Sweep::fromJson(sweepJson({{"checkpoints", {{"to", 3}, {"every", 0.1}}}}));
    QCOMPARE(c.checkpoints.size(), std::size_t(31));
    QCOMPARE(c.checkpoints.back(), 3.0);
    QCOMPARE(c.scenarioAt(0).tEnd, 3.0);
}

void TestSweep::seedsDependOnlyOnSeedAndStart() {
    const Sweep a = Sweep::fromJson(sweepJson());
    const Sweep b = Sweep::fromJson(sweepJson({{"starts", 50},
                                               {"name", "other"},
                                               {"base", "default"},
                                               {"checkpoints", {{"to", 0.1}, {"every", 0.05}}}}));
    const Sweep c = Sweep::fromJson(sweepJson({{"seed", 12}}));
    std::vector<std::uint64_t> seen;
    for (int s = 0; s < a.starts; ++s) {
        QCOMPARE(a.startSeed(s), b.startSeed(s));
        QVERIFY(a.startSeed(s) != c.startSeed(s));
        seen.push_back(a.startSeed(s));
        // Every point uses the start's seed.
        QCOMPARE(a.scenarioAt(2, s).seed, a.startSeed(s));
    }
    std::sort(seen.begin(), seen.end());
    QVERIFY(std::adjacent_find(seen.begin(), seen.end()) == seen.end());
}

void TestSweep::shardValuesEqualASimulationByHand() {
    const Sweep s = twoAxes();
    const long long shard = 7;  // point 2 (beta 1.25, softmax), starts 2 and 3
    QCOMPARE(s.shardPoint(shard), 2LL);
    QCOMPARE(s.shardFirstStart(shard), 2);
    const ShardResult r = computeShard(s, shard);
    QCOMPARE(r.shard, shard);
    const std::size_t C = s.checkpoints.size();
    QCOMPARE(r.values.size(), 2 * C * kSweepStatisticCount);
    for (int local = 0; local < 2; ++local) {
        Simulation sim(s.scenarioAt(2, 2 + local));
        sim.setThreads(1);
        FrameOptions o;
        o.attention = false;
        for (std::size_t c = 0; c < C; ++c) {
            sim.stepUntil(s.checkpoints[c]);
            QCOMPARE(sim.stepCount(), static_cast<std::int64_t>(c));
            const Frame f = sim.makeFrame(o);
            const double* v = &r.values[(local * C + c) * kSweepStatisticCount];
            QCOMPARE(v[0], f.clusteredPairFraction);
            QCOMPARE(v[1], double(f.clusterCount));
            QCOMPARE(v[2], double(f.effectiveDimension));
            QCOMPARE(v[3], f.meanCosine);
            QCOMPARE(v[4], f.energyTotal);
            QCOMPARE(v[5], f.entropyMean);
        }
    }
    // Bit-identical when computed again.
    QCOMPARE(computeShard(s, shard).values, r.values);
}

void TestSweep::thresholdAndToleranceReachTheFrame() {
    // Tokens start in tight clusters: a loose threshold counts more clustered pairs than a strict one.
    json base = json::parse(kBase);
    base["init"] = {{"kind", "clusters"}, {"clusters", 2}, {"spread", 0.02}};
    const Sweep loose =
        Sweep::fromJson(sweepJson({{"base", base}, {"threshold", 0.9}, {"cluster_tolerance", 0.5}}));
    const Sweep strict = Sweep::fromJson(sweepJson({{"base", base}, {"threshold", 0.99999999}}));
    const ShardResult a = computeShard(loose, 0), b = computeShard(strict, 0);
    QVERIFY(a.values[0] > b.values[0]);  // clustered fraction at t = 0
    QVERIFY(a.values[1] < b.values[1]);  // cluster count at t = 0
    // At t = 0, the pairs of the start's positions at each threshold.
    const Matrix X = loose.scenarioAt(0, 0).buildPositions();
    const Matrix G = X.transpose() * X;
    int looseCount = 0, strictCount = 0;
    for (int i = 0; i < 6; ++i)
        for (int j = 0; j < i; ++j) {
            looseCount += G(i, j) >= 0.9;
            strictCount += G(i, j) >= 0.99999999;
        }
    QCOMPARE(a.values[0], looseCount / 15.0);
    QCOMPARE(b.values[0], strictCount / 15.0);
}

void TestSweep::shardsCoverEveryStartOnce() {
    const Sweep s = twoAxes();  // 5 starts, 2 per shard: 3 shards per point
    QCOMPARE(s.shardsPerPoint(), 3);
    QCOMPARE(s.shardCount(), 18LL);
    for (long long p = 0; p < s.pointCount(); ++p) {
        int next = 0;
        for (long long k = p * 3; k < p * 3 + 3; ++k) {
            QCOMPARE(s.shardPoint(k), p);
            QCOMPARE(s.shardFirstStart(k), next);
            next += s.shardStarts(k);
        }
        QCOMPARE(next, s.starts);
    }
    QCOMPARE(s.shardStarts(2), 1);
}

void TestSweep::shardFileRoundTripAndRefusals() {
    QTemporaryDir dir;
    const std::string d = dir.path().toStdString();
    const Sweep s = twoAxes();
    claimSweepDir(d, s);
    const ShardResult r = computeShard(s, 4);
    const std::string path = shardPath(d, 4);
    QVERIFY(path.find("shard-000004.bin") != std::string::npos);
    QVERIFY(!readShard(path, s, 4));  // missing
    writeShard(path, s, r);
    const auto back = readShard(path, s, 4);
    QVERIFY(back);
    QCOMPARE(back->shard, 4LL);
    QCOMPARE(back->values, r.values);
    QVERIFY(!readShard(path, s, 3));  // another shard's index
    // Another sweep (a different threshold): same sizes, different hash.
    json otherJson = s.toJson();
    otherJson["threshold"] = 0.99;
    const Sweep other = Sweep::fromJson(otherJson);
    QVERIFY(!readShard(path, other, 4));
    // Truncated, and with a byte of the magic changed.
    const std::string bytes = readAll(path);
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes.substr(0, bytes.size() - 3);
    QVERIFY(!readShard(path, s, 4));
    std::string bad = bytes;
    bad[0] = 'X';
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bad;
    QVERIFY(!readShard(path, s, 4));
    // No temporary left behind by a write.
    writeShard(path, s, r);
    int files = 0;
    for (const auto& e : std::filesystem::directory_iterator(std::filesystem::path(d) / "shards")) {
        QVERIFY(e.path().filename().string().find("partial") == std::string::npos);
        ++files;
    }
    QCOMPARE(files, 1);
}

void TestSweep::aggregateIsIndependentOfShardOrder() {
    const Sweep s = twoAxes();
    std::vector<ShardResult> shards = allShards(s);
    const SweepResult a = aggregate(s, shards);
    std::mt19937 rng(5);
    std::shuffle(shards.begin(), shards.end(), rng);
    const SweepResult b = aggregate(s, shards);
    QCOMPARE(a.values, b.values);
    QCOMPARE(a.clusterCounts, b.clusterCounts);
    QCOMPARE(a.columns,
             (std::vector<std::string>{"clustered_fraction", "cluster_count_median", "cluster_count_mean",
                                       "effective_dimension", "mean_cosine", "energy", "entropy"}));
    QCOMPARE(a.shape, (std::vector<int>{3, 2, 4, 7}));
    // The mean over starts of the raw values, and the median and histogram of cluster counts.
    const long long point = 4;
    const int c = 2;
    std::vector<double> fraction, counts;
    for (const ShardResult& r : shards) {
        if (s.shardPoint(r.shard) != point) continue;
        for (int local = 0; local < s.shardStarts(r.shard); ++local) {
            const double* v = &r.values[(local * 4 + c) * kSweepStatisticCount];
            fraction.push_back(v[0]);
            counts.push_back(v[1]);
        }
    }
    QCOMPARE(fraction.size(), std::size_t(5));
    double sum = 0;
    for (double v : fraction) sum += v;
    QVERIFY(std::abs(a.at(point, c, 0) - sum / 5) < 1e-15);
    std::sort(counts.begin(), counts.end());
    QCOMPARE(a.at(point, c, 1), counts[2]);
    long long total = 0;
    for (int k = 0; k <= s.maxN(); ++k) {
        const long long h = a.clusterCounts[(point * 4 + c) * (s.maxN() + 1) + k];
        QCOMPARE(h, static_cast<long long>(std::count(counts.begin(), counts.end(), double(k))));
        total += h;
    }
    QCOMPARE(total, 5LL);
    // Missing or repeated shards are refused.
    shards.pop_back();
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, aggregate(s, shards));
    shards.push_back(shards.front());
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, aggregate(s, shards));
}

void TestSweep::claimRefusesAnotherSweepNamingTheDifference() {
    QTemporaryDir dir;
    const std::string d = dir.path().toStdString();
    const Sweep s = Sweep::fromJson(sweepJson());
    claimSweepDir(d, s);
    QVERIFY(std::filesystem::exists(std::filesystem::path(d) / "sweep.json"));
    claimSweepDir(d, s);  // the same sweep again: resumed
    const Sweep fewer = Sweep::fromJson(
        sweepJson({{"axes", json::array({{{"field", "beta"}, {"from", 0.5}, {"to", 2}, {"count", 2}}})}}));
    try {
        claimSweepDir(d, fewer);
        QFAIL("accepted");
    } catch (const ValidationError& e) {
        QCOMPARE(QString::fromStdString(e.path()), QString("axes[0].count"));
        QVERIFY2(QString(e.what()).contains("3 in " + dir.path() + ", 2 in the file"), e.what());
    }
    try {
        claimSweepDir(d,
                      Sweep::fromJson(sweepJson({{"base",
                                                  {{"n", 6},
                                                   {"d", 3},
                                                   {"beta", 1},
                                                   {"seed", 3},
                                                   {"integrator", {{"method", "euler"}, {"dt", 0.05}}}}}})));
        QFAIL("accepted");
    } catch (const ValidationError& e) {
        QCOMPARE(QString::fromStdString(e.path()), QString("base.integrator.dt"));
    }
}

void TestSweep::outputsWrittenAndReadBack() {
    QTemporaryDir dir;
    const std::string d = dir.path().toStdString();
    const Sweep s = twoAxes();
    const SweepResult r = aggregate(s, allShards(s));
    writeSweepOutputs(d, s, r, {{"threads", 2}});
    const SweepOutputs back = readSweepOutputs(d);
    QCOMPARE(back.sweep.toJson(), s.toJson());
    QCOMPARE(back.result.values, r.values);
    QCOMPARE(back.result.clusterCounts, r.clusterCounts);
    QCOMPARE(back.result.shape, r.shape);
    QCOMPARE(back.result.columns, r.columns);
    const std::string npy = readAll(d + "/sweep.npy");
    QVERIFY(npy.find("'shape': (3, 2, 4, 7)") != std::string::npos);
    QVERIFY(readAll(d + "/cluster_counts.npy").find("'descr': '<i8'") != std::string::npos);
    const json meta = json::parse(readAll(d + "/metadata.json"));
    QCOMPARE(meta["run"]["threads"].get<int>(), 2);
    QCOMPARE(meta["seeds"].size(), std::size_t(5));
    QCOMPARE(meta["seeds"][3].get<std::uint64_t>(), s.startSeed(3));
    QCOMPARE(meta["axes"][1]["values"][1].get<std::string>(), std::string("relu"));
    QVERIFY(meta.contains("attnsphere_version"));
    // Long CSV: a header, then one row per point, checkpoint and column.
    std::istringstream csv(readAll(d + "/sweep.csv"));
    std::string line;
    std::getline(csv, line);
    QCOMPARE(line, std::string("beta,kernel,t,statistic,value"));
    int rows = 0;
    std::string first;
    while (std::getline(csv, line)) {
        if (rows == 0) first = line;
        ++rows;
    }
    QCOMPARE(rows, 6 * 4 * 7);
    QVERIFY2(QString::fromStdString(first).startsWith("0.5,softmax,0,clustered_fraction,"), first.c_str());
    // A truncated array is refused.
    std::ofstream(d + "/sweep.npy", std::ios::binary | std::ios::trunc) << npy.substr(0, npy.size() - 8);
    QVERIFY_THROWS_EXCEPTION(ValidationError, readSweepOutputs(d));
}

void TestSweep::theoryTimeMatchesTheEquiangularOde() {
    const Sweep sa = Sweep::fromJson(sweepJson({{"base", {{"n", 32}, {"d", 8}, {"integrator", "euler"}}}}));
    for (double beta : {0.5, 1.0, 4.0}) {
        EquiangularSetup e;
        e.n = 32;
        e.beta = beta;
        e.kernel = KernelKind::Softmax;
        const auto t = theoryClusteringTime(sa, beta);
        QVERIFY(t);
        QCOMPARE(*t, equiangular::clusteringTime(e, 0, 0.999));
    }
    // The documented value: T_SA(beta = 1) from 0 to 0.999 with n = 32 is about 5.27.
    QVERIFY(std::abs(*theoryClusteringTime(sa, 1.0) - 5.27) < 0.01);
    const Sweep usa = Sweep::fromJson(
        sweepJson({{"base", {{"n", 32}, {"d", 8}, {"kernel", "exp"}, {"integrator", "euler"}}}}));
    QVERIFY(std::abs(*theoryClusteringTime(usa, 1.0) - 2.897) < 0.001);
    // The threshold of the sweep is the end of the integral.
    const Sweep loose = Sweep::fromJson(
        sweepJson({{"base", {{"n", 32}, {"d", 8}, {"integrator", "euler"}}}, {"threshold", 0.9}}));
    QVERIFY(*theoryClusteringTime(loose, 1.0) < *theoryClusteringTime(sa, 1.0));
    // Absent where the theory does not apply.
    for (const json& base :
         {json{{"kernel", "relu"}}, json{{"heads", {{"kind", "gaussian"}}}},
          json{{"heads", {{"value", "I"}, {"kind", "scalar"}, {"scale", 2}}}}, json{{"geometry", "flat"}}}) {
        json b = {{"n", 8}, {"d", 3}, {"integrator", "euler"}};
        b.merge_patch(base);
        QVERIFY2(!theoryClusteringTime(Sweep::fromJson(sweepJson({{"base", b}})), 1.0), base.dump().c_str());
    }
}

void TestSweep::presetsLoad() {
    const auto list = sweepPresetList();
    QCOMPARE(list.size(), std::size_t(4));
    for (const auto& p : list) {
        QVERIFY(isSweepPreset(p.name));
        QVERIFY(!p.description.empty());
        QVERIFY(!p.citation.empty());
        const Sweep s = Sweep::load(p.name);
        QCOMPARE(s.name, p.name);
        QVERIFY(s.pointCount() >= 17);
    }
    const Sweep r = Sweep::load("phase-diagram-rigollet");
    QCOMPARE(r.base.n, 32);
    QCOMPARE(r.base.d, 8);
    QVERIFY(r.base.integrator == IntegratorKind::Euler);
    QCOMPARE(r.axes[0].values.size(), std::size_t(90));
    QCOMPARE(r.checkpoints.back(), 30.0);
    QVERIFY(theoryClusteringTime(r, 1.0));
    QVERIFY(theoryClusteringTime(Sweep::load("phase-diagram-rigollet-usa"), 1.0));
    const Sweep m = Sweep::load("phase-diagram-multihead");
    QCOMPARE(m.base.heads.count, 8);
    QCOMPARE(m.base.n, 64);
    QCOMPARE(m.base.d, 16);
    QVERIFY(!theoryClusteringTime(m, 1.0));
    QVERIFY(!theoryClusteringTime(Sweep::load("spectrum-localisation"), 1.0));  // not scalar heads
    QVERIFY_THROWS_EXCEPTION(ValidationError, Sweep::load("no-such-sweep"));
}

void TestSweep::abortStopsBetweenStarts() {
    const Sweep s = twoAxes();
    std::atomic<bool> abort{true};
    QVERIFY_THROWS_EXCEPTION(Aborted, computeShard(s, 0, &abort));
}

void TestSweep::numericalErrorNamesPointAndStart() {
    // The exp kernel refuses scores above 700: beta = 800 overflows at the first step.
    json base = json::parse(kBase);
    base["kernel"] = "exp";
    const Sweep s = Sweep::fromJson(
        sweepJson({{"base", base}, {"axes", json::array({{{"field", "beta"}, {"values", {1, 800}}}})}}));
    computeShard(s, 0);
    try {
        computeShard(s, s.shardsPerPoint());
        QFAIL("no error");
    } catch (const NumericalError& e) {
        const QString what = e.what();
        QVERIFY2(what.contains("beta = 800") && what.contains("start 0") &&
                     what.contains(QString::number(s.startSeed(0))),
                 e.what());
    }
}

QTEST_GUILESS_MAIN(TestSweep)
#include "test_sweep.moc"
