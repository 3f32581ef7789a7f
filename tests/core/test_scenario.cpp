// Scenario JSON: defaults, every validation error path (field path + allowed range in the message),
// unknown keys, round trips, and the built-in presets.
#include "core/Errors.h"
#include "core/Scenario.h"

#include <QTemporaryDir>
#include <QtTest>

#include <nlohmann/json.hpp>

#include <array>
#include <fstream>
#include <set>

using namespace attnsphere::core;
using nlohmann::json;

class TestScenario : public QObject {
    Q_OBJECT

private slots:
    void defaultsForOmittedFields();
    void validationErrors_data();
    void validationErrors();
    void unknownKeyNamesKeyAndAllowedKeys();
    void validateChecksValuesSetInCode();
    void roundTripComplexScenario();
    void roundTripPresets();
    void presetsLoadAndDescribeThemselves();
    void requiredPresetsExist();
    void presetParametersFollowTheSources();
    void loadResolvesFilesAndPresets();
    void documentationExamplesLoad();
    void runSizeIsCapped();
    void modelValidationUsesTheScenarioRanges();
};

void TestScenario::defaultsForOmittedFields() {
    const Scenario s = Scenario::fromJsonText("{}");
    QCOMPARE(s.n, 64);
    QCOMPARE(s.d, 3);
    QCOMPARE(s.beta, 1.0);
    QVERIFY(s.kernel == KernelKind::Softmax);
    QVERIFY(s.geometry == Geometry::Sphere);
    QVERIFY(s.integrator == IntegratorKind::RK4);
    QCOMPARE(s.dt, 0.1);
    QCOMPARE(s.tEnd, 15.0);
    QCOMPARE(s.publishEvery, 1);
    QCOMPARE(s.seed, std::uint64_t{1});
    QVERIFY(!s.sigmoidBiasSet);
    QVERIFY(s.heads.kind == HeadsKind::Identity);
    QCOMPARE(s.heads.count, 1);
    QVERIFY(s.heads.value == ValueKind::SameAsScore);
    QVERIFY(s.init.kind == InitKind::Uniform);

    const Scenario t = Scenario::fromJsonText(
        R"({"format": "attnsphere-scenario", "version": 1, "kernel": "relu-unnormalised", "integrator": "dopri5",
            "sigmoid_bias": -2.5, "seed": 18446744073709551615})");
    QVERIFY(t.kernel == KernelKind::Relu);
    QVERIFY(t.integrator == IntegratorKind::DormandPrince);
    QVERIFY(t.sigmoidBiasSet);
    QCOMPARE(t.sigmoidBias, -2.5);
    QCOMPARE(t.seed, std::uint64_t{18446744073709551615ull});
}

void TestScenario::validationErrors_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QString>("expected");  // a fragment of the message: the range or the reason

    QTest::newRow("n too small") << R"({"n": 1})"
                                 << "n"
                                 << "must be an integer in [2, 20000], got 1";
    QTest::newRow("n too large") << R"({"n": 20001})"
                                 << "n"
                                 << "[2, 20000], got 20001";
    QTest::newRow("n fractional") << R"({"n": 2.5})"
                                  << "n"
                                  << "must be an integer, got 2.5";
    QTest::newRow("n string") << R"({"n": "ten"})"
                              << "n"
                              << "must be an integer";
    QTest::newRow("d too small") << R"({"d": 1})"
                                 << "d"
                                 << "[2, 4096], got 1";
    QTest::newRow("d too large") << R"({"d": 5000})"
                                 << "d"
                                 << "[2, 4096], got 5000";
    QTest::newRow("beta negative") << R"({"beta": -1})"
                                   << "beta"
                                   << "must be in (0, 1000], got -1";
    QTest::newRow("beta zero") << R"({"beta": 0})"
                               << "beta"
                               << "(0, 1000], got 0";
    QTest::newRow("beta too large") << R"({"beta": 1000.5})"
                                    << "beta"
                                    << "(0, 1000], got 1000.5";
    QTest::newRow("beta string") << R"({"beta": "hot"})"
                                 << "beta"
                                 << "must be a number";
    QTest::newRow("kernel unknown")
        << R"({"kernel": "tanh"})"
        << "kernel"
        << R"(must be one of "softmax", "exp", "relu", "relu-unnormalised", "linear", "sigmoid", got "tanh")";
    QTest::newRow("kernel number") << R"({"kernel": 3})"
                                   << "kernel"
                                   << "must be a string";
    QTest::newRow("geometry unknown") << R"({"geometry": "torus"})"
                                      << "geometry"
                                      << R"("sphere", "flat")";
    QTest::newRow("sigmoid bias") << R"({"sigmoid_bias": 200})"
                                  << "sigmoid_bias"
                                  << "[-100, 100], got 200";
    QTest::newRow("dt zero") << R"({"integrator": {"dt": 0}})"
                             << "integrator.dt"
                             << "[1e-06, 10], got 0";
    QTest::newRow("dt too large") << R"({"integrator": {"dt": 11}})"
                                  << "integrator.dt"
                                  << "[1e-06, 10], got 11";
    QTest::newRow("dt 1e-12") << R"({"integrator": {"dt": 1e-12}})"
                              << "integrator.dt"
                              << "[1e-06, 10], got 1e-12";
    QTest::newRow("dt denormal") << R"({"integrator": {"dt": 5e-324}})"
                                 << "integrator.dt"
                                 << "[1e-06, 10], got 4.94066e-324";
    // Integers are range-checked as written: nothing wraps at 2^32 or is clamped to INT_MAX.
    QTest::newRow("n 2^32+64") << R"({"n": 4294967360})"
                               << "n"
                               << "[2, 20000], got 4294967360";
    QTest::newRow("n -2^32+64") << R"({"n": -4294967232})"
                                << "n"
                                << "[2, 20000], got -4294967232";
    QTest::newRow("d 2^32+3") << R"({"d": 4294967299})"
                              << "d"
                              << "[2, 4096], got 4294967299";
    QTest::newRow("heads.count 2^32+1") << R"({"heads": {"count": 4294967297}})"
                                        << "heads.count"
                                        << "[1, 64], got 4294967297";
    QTest::newRow("publish_every 2^32+1") << R"({"publish_every": 4294967297})"
                                          << "publish_every"
                                          << "[1, 1000000000], got 4294967297";
    QTest::newRow("clusters 2^32+2") << R"({"n": 8, "init": {"kind": "clusters", "clusters": 4294967298}})"
                                     << "init.clusters"
                                     << "got 4294967298";
    QTest::newRow("version 2^32+1") << R"({"version": 4294967297})"
                                    << "version"
                                    << "got 4294967297";
    QTest::newRow("n 2^64") << R"({"n": 18446744073709551616})"
                            << "n"
                            << "must be an integer, got 1.8446744073709552e+19";
    QTest::newRow("seed 2^64") << R"({"seed": 18446744073709551616})"
                               << "seed"
                               << "must be an integer";
    QTest::newRow("seed negative") << R"({"seed": -1})"
                                   << "seed"
                                   << "[0, 18446744073709551615], got -1";
    QTest::newRow("method unknown") << R"({"integrator": {"method": "rk5"}})"
                                    << "integrator.method"
                                    << R"("euler", "rk4", "dopri5")";
    QTest::newRow("method shorthand") << R"({"integrator": "leapfrog"})"
                                      << "integrator"
                                      << R"("dopri5")";
    QTest::newRow("tolerance") << R"({"integrator": {"tolerance": 0.5}})"
                               << "integrator.tolerance"
                               << "[1e-14, 0.01], got 0.5";
    QTest::newRow("integrator key") << R"({"integrator": {"step": 1}})"
                                    << "integrator.step"
                                    << "unknown key";
    QTest::newRow("t_end zero") << R"({"t_end": 0})"
                                << "t_end"
                                << "(0, 1000000], got 0";
    QTest::newRow("t_end large") << R"({"t_end": 2e6})"
                                 << "t_end"
                                 << "(0, 1000000], got 2000000";
    QTest::newRow("publish_every") << R"({"publish_every": 0})"
                                   << "publish_every"
                                   << "[1, 1000000000], got 0";
    QTest::newRow("seed negative") << R"({"seed": -1})"
                                   << "seed"
                                   << "[0, 18446744073709551615], got -1";
    QTest::newRow("seed fractional") << R"({"seed": 1.5})"
                                     << "seed"
                                     << "must be an integer";
    QTest::newRow("heads object") << R"({"heads": 3})"
                                  << "heads"
                                  << "must be a JSON object";
    QTest::newRow("heads count 0") << R"({"heads": {"count": 0}})"
                                   << "heads.count"
                                   << "[1, 64], got 0";
    QTest::newRow("heads count 65") << R"({"heads": {"count": 65}})"
                                    << "heads.count"
                                    << "[1, 64], got 65";
    QTest::newRow("heads kind")
        << R"({"heads": {"kind": "cubic"}})"
        << "heads.kind"
        << R"("orthogonal-blocks", "approx-orthogonal-blocks", "explicit", "spectrum", got "cubic")";
    QTest::newRow("heads value") << R"({"heads": {"value": "2M"}})"
                                 << "heads.value"
                                 << R"(must be one of "M", "-M", "I", "explicit", got "2M")";
    QTest::newRow("heads scale element") << R"({"heads": {"count": 2, "scale": [1, -3]}})"
                                         << "heads.scale[1]"
                                         << "must be in [0, 100], got -3";
    QTest::newRow("heads scale number") << R"({"heads": {"scale": 101}})"
                                        << "heads.scale"
                                        << "[0, 100], got 101";
    QTest::newRow("heads scale length") << R"({"heads": {"count": 3, "scale": [1, 2]}})"
                                        << "heads.scale"
                                        << "array of heads.count = 3 numbers, got 2";
    QTest::newRow("heads scale type") << R"({"heads": {"scale": [1, "x"]}})"
                                      << "heads.scale[1]"
                                      << "must be a number";
    QTest::newRow("heads eps") << R"({"heads": {"eps": -0.1}})"
                               << "heads.eps"
                               << "[0, 10], got -0.1";
    QTest::newRow("heads alpha length") << R"({"heads": {"count": 2, "alpha": [1]}})"
                                        << "heads.alpha"
                                        << "heads.count = 2 numbers, got 1";
    QTest::newRow("heads alpha value") << R"({"heads": {"count": 2, "alpha": [1, -1]}})"
                                       << "heads.alpha[1]"
                                       << "[0, 100], got -1";
    QTest::newRow("heads beta value") << R"({"heads": {"beta": [0]}})"
                                      << "heads.beta[0]"
                                      << "(0, 1000], got 0";
    QTest::newRow("heads beta length") << R"({"heads": {"count": 2, "beta": [1, 2, 3]}})"
                                       << "heads.beta"
                                       << "heads.count = 2 numbers, got 3";
    QTest::newRow("orthogonal blocks need d >= H")
        << R"({"d": 3, "heads": {"kind": "orthogonal-blocks", "count": 4}})"
        << "d"
        << "must be >= heads.count = 4";
    QTest::newRow("approx orthogonal blocks need d >= H")
        << R"({"d": 2, "heads": {"kind": "approx-orthogonal-blocks", "count": 3}})"
        << "d"
        << "must be >= heads.count = 3";
    QTest::newRow("explicit M missing") << R"({"heads": {"kind": "explicit"}})"
                                        << "heads.matrices"
                                        << "must have heads.count = 1 entries";
    QTest::newRow("explicit M shape")
        << R"({"d": 3, "heads": {"kind": "explicit", "matrices": [{"M": [[1, 0], [0, 1]]}]}})"
        << "heads.matrices[0].M"
        << "d × d matrix with d = 3, got 2 × 2";
    QTest::newRow("explicit M ragged")
        << R"({"heads": {"kind": "explicit", "matrices": [{"M": [[1, 0, 0], [0, 1], [0, 0, 1]]}]}})"
        << "heads.matrices[0].M[1]"
        << "same non-zero length";
    QTest::newRow("explicit M entry")
        << R"({"heads": {"kind": "explicit", "matrices": [{"M": [[1, 0, 0], [0, 1e7, 0], [0, 0, 1]]}]}})"
        << "heads.matrices[0].M[1][1]"
        << "[-1000000, 1000000], got 10000000";
    QTest::newRow("explicit M entry type")
        << R"({"heads": {"kind": "explicit", "matrices": [{"M": [[1, 0, 0], [0, true, 0], [0, 0, 1]]}]}})"
        << "heads.matrices[0].M[1][1]"
        << "must be a number";
    QTest::newRow("explicit M required") << R"({"heads": {"kind": "explicit", "matrices": [{}]}})"
                                         << "heads.matrices[0].M"
                                         << "required when heads.kind is \"explicit\"";
    QTest::newRow("explicit V required") << R"({"heads": {"value": "explicit", "matrices": [{}]}})"
                                         << "heads.matrices[0].V"
                                         << "required when heads.value is \"explicit\"";
    QTest::newRow("V without explicit value")
        << R"({"heads": {"kind": "explicit", "matrices": [{"M": [[1,0,0],[0,1,0],[0,0,1]], "V": [[1]]}]}})"
        << "heads.matrices[0].V"
        << "only allowed when heads.value is \"explicit\"";
    QTest::newRow("matrices not allowed") << R"({"heads": {"matrices": [{"M": [[1]]}]}})"
                                          << "heads.matrices"
                                          << "only allowed when heads.kind or heads.value is \"explicit\"";
    QTest::newRow("explicit V count")
        << R"({"heads": {"count": 2, "scale": 1, "value": "explicit", "matrices": [{"V": [[1,0,0],[0,1,0],[0,0,1]]}]}})"
        << "heads.matrices"
        << "must have heads.count = 2 entries with \"V\", got 1";
    QTest::newRow("matrix entry key")
        << R"({"heads": {"kind": "explicit", "matrices": [{"M": [[1]], "Q": [[1]]}]}})"
        << "heads.matrices[0].Q"
        << "unknown key";
    QTest::newRow("heads unknown key") << R"({"heads": {"colour": 1}})"
                                       << "heads.colour"
                                       << "unknown key";
    QTest::newRow("init kind") << R"({"init": {"kind": "spiral"}})"
                               << "init.kind"
                               << R"("equiangular")";
    QTest::newRow("init rho 1") << R"({"n": 4, "d": 5, "init": {"kind": "equiangular", "rho": 1}})"
                                << "init.rho"
                                << ", 1) (-1/(n-1) with n = 4), got 1";
    QTest::newRow("init rho below simplex")
        << R"({"n": 5, "d": 5, "init": {"kind": "equiangular", "rho": -0.5}})"
        << "init.rho"
        << "must be in [-0.25, 1) (-1/(n-1) with n = 5), got -0.5";
    QTest::newRow("equiangular d for rho >= 0")
        << R"({"n": 4, "d": 4, "init": {"kind": "equiangular", "rho": 0.1}})"
        << "d"
        << "must be >= n + 1 = 5";
    QTest::newRow("equiangular d for rho < 0")
        << R"({"n": 4, "d": 3, "init": {"kind": "equiangular", "rho": -0.1}})"
        << "d"
        << "must be >= n = 4";
    QTest::newRow("init clusters 0") << R"({"init": {"kind": "clusters", "clusters": 0}})"
                                     << "init.clusters"
                                     << "[1, 64], got 0";
    QTest::newRow("init clusters > n") << R"({"n": 8, "init": {"kind": "clusters", "clusters": 9}})"
                                       << "init.clusters"
                                       << "[1, 8], got 9";
    QTest::newRow("init spread") << R"({"init": {"kind": "clusters", "spread": -1}})"
                                 << "init.spread"
                                 << "[0, 10], got -1";
    QTest::newRow("init points missing") << R"({"init": {"kind": "points"}})"
                                         << "init.points"
                                         << "required when init.kind is \"points\"";
    QTest::newRow("init points rows") << R"({"init": {"kind": "points", "points": [[1, 0, 0]]}})"
                                      << "init.points"
                                      << "must be n = 64 rows of d = 3 numbers, got 1 rows of 3 numbers";
    QTest::newRow("init points columns")
        << R"({"n": 2, "init": {"kind": "points", "points": [[1, 0], [0, 1]]}})"
        << "init.points"
        << "n = 2 rows of d = 3 numbers, got 2 rows of 2";
    QTest::newRow("init points zero")
        << R"({"n": 2, "init": {"kind": "points", "points": [[1, 0, 0], [0, 0, 0]]}})"
        << "init.points[1]"
        << "nonzero";
    QTest::newRow("init points not array") << R"({"n": 2, "init": {"kind": "points", "points": 5}})"
                                           << "init.points"
                                           << "non-empty array of rows";
    QTest::newRow("init stray rho") << R"({"init": {"kind": "uniform", "rho": 0.5}})"
                                    << "init.rho"
                                    << "only allowed when init.kind is \"equiangular\"";
    QTest::newRow("init stray points") << R"({"init": {"points": [[1, 0, 0]]}})"
                                       << "init.points"
                                       << "only allowed when init.kind is \"points\"";
    QTest::newRow("init unknown key") << R"({"init": {"kind": "uniform", "radius": 1}})"
                                      << "init.radius"
                                      << "unknown key";
    QTest::newRow("top unknown key") << R"({"colour": "red"})"
                                     << "colour"
                                     << "unknown key";
    QTest::newRow("format") << R"({"format": "other"})"
                            << "format"
                            << "must be \"attnsphere-scenario\"";
    QTest::newRow("version") << R"({"version": 2})"
                             << "version"
                             << "must be 1";
    QTest::newRow("name type") << R"({"name": 5})"
                               << "name"
                               << "must be a string";
    QTest::newRow("not an object") << R"([1, 2])"
                                   << ""
                                   << "must be a JSON object";
    QTest::newRow("invalid json") << R"({"n": })"
                                  << ""
                                  << "invalid JSON at line 1, column 7";
    QTest::newRow("NaN literal") << "{\n  \"beta\": NaN}"
                                 << ""
                                 << "invalid JSON at line 2, column";
    // nlohmann reports this as out_of_range.406 without a position; we give line and column.
    QTest::newRow("number overflow")
        << "{\"n\": 8,\n   \"beta\": 1e400}"
        << ""
        << "invalid JSON at line 2, column 12: the number 1e400 is beyond the range";
    QTest::newRow("negative overflow") << R"({"beta": -1e400})"
                                       << ""
                                       << "at line 1, column 10: the number -1e400";
    QTest::newRow("long integer overflow") << QString("{\"n\": 1") + QString(400, '0') + "}"
                                           << ""
                                           << "at line 1, column 7: the number 1000";
    QTest::newRow("deep nesting") << QString(100000, '[') + QString(100000, ']') << ""
                                  << "at line 1, column 65: arrays and objects nested deeper than 64 levels";
    QTest::newRow("deep nesting in a value") << "{\"heads\": " + QString(70, '{') + QString(70, '}') + "}"
                                             << ""
                                             << "column 74: arrays and objects nested deeper than 64";
    QTest::newRow("brackets in strings do not count") << "{\"name\": \"" + QString(100, '[') + "\", \"n\": 1}"
                                                      << "n"
                                                      << "got 1";
    QTest::newRow("long string value described briefly") << "{\"n\": \"" + QString(5000, 'x') + "\"}"
                                                         << "n"
                                                         << "must be an integer, got \"xxxxxxxxxx";
    QTest::newRow("array value summarised") << R"({"beta": [1, 2, 3]})"
                                            << "beta"
                                            << "must be a number, got an array of 3 items";
}

void TestScenario::validationErrors() {
    QFETCH(QString, text);
    QFETCH(QString, path);
    QFETCH(QString, expected);
    try {
        Scenario::fromJsonText(text.toStdString());
        QFAIL("no ValidationError");
    } catch (const ValidationError& e) {
        const QString what = QString::fromStdString(e.what());
        QVERIFY2(what.size() < 400, qPrintable(what.left(400)));  // no value is dumped whole
        QVERIFY2(!what.contains("json.exception"), qPrintable(what));
        QCOMPARE(QString::fromStdString(e.path()), path);
        if (!path.isEmpty()) QVERIFY2(what.startsWith(path + ": "), qPrintable(what));
        QVERIFY2(what.contains(expected), qPrintable(what + "  [expected: " + expected + "]"));
    }
}

void TestScenario::unknownKeyNamesKeyAndAllowedKeys() {
    try {
        Scenario::fromJsonText(R"({"n": 8, "heads": {"count": 2, "temperature": 3}})");
        QFAIL("no ValidationError");
    } catch (const ValidationError& e) {
        const std::string what = e.what();
        QCOMPARE(e.path(), std::string("heads.temperature"));
        QVERIFY2(what.find("unknown key") != std::string::npos, what.c_str());
        QVERIFY2(what.find("allowed in heads: kind, count, scale, eps, value, alpha, beta, matrices") !=
                     std::string::npos,
                 what.c_str());
    }
    try {
        Scenario::fromJsonText(R"({"betta": 2})");
        QFAIL("no ValidationError");
    } catch (const ValidationError& e) {
        QCOMPARE(e.path(), std::string("betta"));
        QVERIFY(std::string(e.what()).find("allowed at the top level") != std::string::npos);
    }
    // Keys that are no plain name (found by the fuzzer: the message named nothing) are quoted.
    for (const auto& [text, path, key] : std::vector<std::array<std::string, 3>>{
             {R"({"": 1})", "", R"(unknown key "" (allowed at the top level)"},
             {R"({"heads ": 1})", "", R"(unknown key "heads " (allowed at the top level)"},
             {R"({"integrator": {"m\u0000": 1}})", "integrator",
              R"(integrator: unknown key "m\u0000" (allowed in integrator)"}}) {
        try {
            Scenario::fromJsonText(text);
            QFAIL(text.c_str());
        } catch (const ValidationError& e) {
            QCOMPARE(e.path(), path);
            QVERIFY2(std::string(e.what()).find(key) != std::string::npos, e.what());
        }
    }
}

void TestScenario::validateChecksValuesSetInCode() {
    Scenario s;
    s.validate();
    s.beta = -1;
    QVERIFY_THROWS_EXCEPTION(ValidationError, s.validate());
    s.beta = 2;
    s.heads.count = 2;
    s.heads.scale = {1.0, 200.0};
    try {
        s.validate();
        QFAIL("no ValidationError");
    } catch (const ValidationError& e) {
        QCOMPARE(e.path(), std::string("heads.scale[1]"));
    }
    s.heads.scale = {1.0};
    s.init.kind = InitKind::Points;
    s.init.points = Matrix::Ones(3, s.n);
    s.validate();
    s.init.points(1, 5) = std::numeric_limits<double>::quiet_NaN();
    try {
        s.validate();
        QFAIL("no ValidationError");
    } catch (const ValidationError& e) {
        QCOMPARE(e.path(), std::string("init.points[5][1]"));
        QVERIFY(std::string(e.what()).find("got nan") != std::string::npos);
    }
}

void TestScenario::roundTripComplexScenario() {
    Scenario s;
    s.name = "round-trip";
    s.description = "all optional parts";
    s.citation = "test";
    s.n = 4;
    s.d = 3;
    s.beta = 0.1 + 0.2;  // not exactly representable in short decimal form
    s.kernel = KernelKind::Sigmoid;
    s.sigmoidBias = -1.25;
    s.sigmoidBiasSet = true;
    s.geometry = Geometry::Flat;
    s.integrator = IntegratorKind::DormandPrince;
    s.dt = 0.03;
    s.tolerance = 1e-9;
    s.tEnd = 2.5;
    s.publishEvery = 3;
    s.seed = 12345678901234567ull;
    s.heads.kind = HeadsKind::Explicit;
    s.heads.count = 2;
    s.heads.scale = {0.5, 1.5};
    s.heads.value = ValueKind::Explicit;
    s.heads.alpha = {1.0, 0.25};
    s.heads.beta = {2.0, 3.0};
    for (int h = 0; h < 2; ++h) {
        s.heads.explicitM.push_back(Matrix::Random(3, 3));
        s.heads.explicitV.push_back(Matrix::Random(3, 3));
    }
    s.init.kind = InitKind::Points;
    s.init.points = Matrix::Random(3, 4);
    s.validate();

    const json j = s.toJson();
    QCOMPARE(j["format"], json("attnsphere-scenario"));
    QCOMPARE(j["version"], json(1));
    const Scenario r = Scenario::fromJson(json::parse(j.dump()));  // through text, as a file would
    QCOMPARE(r.toJson(), j);
    QCOMPARE(r.beta, s.beta);
    QVERIFY(r.kernel == s.kernel);
    QCOMPARE(r.sigmoidBias, s.sigmoidBias);
    QVERIFY(r.geometry == s.geometry && r.integrator == s.integrator);
    QCOMPARE(r.tolerance, s.tolerance);
    QCOMPARE(r.seed, s.seed);
    QVERIFY(r.heads.scale == s.heads.scale && r.heads.alpha == s.heads.alpha && r.heads.beta == s.heads.beta);
    for (int h = 0; h < 2; ++h) {
        QVERIFY(r.heads.explicitM[h] == s.heads.explicitM[h]);
        QVERIFY(r.heads.explicitV[h] == s.heads.explicitV[h]);
    }
    QVERIFY(r.init.points == s.init.points);

    Scenario c;
    c.init.kind = InitKind::Clusters;
    c.init.clusters = 5;
    c.init.spread = 0.2;
    c.heads.kind = HeadsKind::ApproxOrthogonalBlocks;
    c.heads.count = 3;
    c.heads.eps = 0.05;
    c.heads.value = ValueKind::NegativeScore;
    const Scenario cr = Scenario::fromJson(c.toJson());
    QCOMPARE(cr.init.clusters, 5);
    QCOMPARE(cr.init.spread, 0.2);
    QCOMPARE(cr.heads.eps, 0.05);
    QVERIFY(cr.heads.value == ValueKind::NegativeScore);
    QCOMPARE(cr.toJson(), c.toJson());
}

void TestScenario::roundTripPresets() {
    for (const auto& p : presetList()) {
        const Scenario s = Scenario::fromJsonText(presetJsonText(p.name));
        const json j = s.toJson();
        const Scenario r = Scenario::fromJsonText(j.dump(2));
        QCOMPARE(r.toJson(), j);
        QCOMPARE(r.n, s.n);
        QCOMPARE(r.beta, s.beta);
        QVERIFY(r.init.points == s.init.points);
    }
}

void TestScenario::presetsLoadAndDescribeThemselves() {
    const auto list = presetList();
    QVERIFY(list.size() >= 8);
    for (const auto& p : list) {
        const Scenario s = Scenario::load(p.name);  // validates
        QCOMPARE(QString::fromStdString(s.name), QString::fromStdString(p.name));
        QVERIFY2(!p.description.empty() && p.description.find('\n') == std::string::npos, p.name.c_str());
        QVERIFY2(!p.citation.empty(), p.name.c_str());
        QCOMPARE(p.description, s.description);
        QVERIFY(isPreset(p.name));
        // Presets are written with format and version, like saved files.
        const json j = json::parse(presetJsonText(p.name));
        QCOMPARE(j.value("format", std::string()), std::string("attnsphere-scenario"));
        QCOMPARE(j.value("version", 0), 1);
    }
    QVERIFY(!isPreset("no-such-preset"));
    QVERIFY_THROWS_EXCEPTION(ValidationError, presetJsonText("no-such-preset"));
}

void TestScenario::requiredPresetsExist() {
    std::set<std::string> names;
    for (const auto& p : presetList()) names.insert(p.name);
    for (const char* required : {kDefaultPreset, "sphere-movie", "circle-metastability",
                                 "orthogonal-heads-shadows", "superadditive-heads", "relu-vs-softmax",
                                 "entropy-rise", "lightning-antipodal", "lost-in-the-middle"})
        QVERIFY2(names.count(required), required);
}

void TestScenario::presetParametersFollowTheSources() {
    const Scenario movie = Scenario::load("sphere-movie");  // sphere.py of [GLPR], arXiv 2312.10794
    QCOMPARE(movie.n, 64);
    QCOMPARE(movie.d, 3);
    QCOMPARE(movie.beta, 1.0);
    QCOMPARE(movie.tEnd, 15.0);
    QCOMPARE(movie.dt, 0.1);
    QVERIFY(movie.kernel == KernelKind::Softmax && movie.heads.kind == HeadsKind::Identity);
    QVERIFY(movie.heads.value == ValueKind::SameAsScore && movie.init.kind == InitKind::Uniform);

    const Scenario circle = Scenario::load("circle-metastability");  // particles.py, dynamic metastability
    QCOMPARE(circle.n, 5);
    QCOMPARE(circle.d, 2);
    QCOMPARE(circle.beta, 4.0);
    QCOMPARE(circle.tEnd, 400.0);
    QVERIFY(circle.init.kind == InitKind::Points);
    QCOMPARE(circle.init.points(0, 2), -0.246);
    QCOMPARE(circle.init.points(1, 4), -0.046);

    const Scenario shadows = Scenario::load("orthogonal-heads-shadows");
    QVERIFY(shadows.heads.kind == HeadsKind::OrthogonalBlocks && shadows.heads.count >= 2);
    QVERIFY(shadows.heads.value == ValueKind::SameAsScore && shadows.kernel == KernelKind::Exp);

    const Scenario superadditive = Scenario::load("superadditive-heads");
    QVERIFY(superadditive.init.kind == InitKind::Equiangular &&
            superadditive.heads.kind == HeadsKind::Scalar);
    QCOMPARE(superadditive.heads.count, 2);

    const Scenario relu = Scenario::load("relu-vs-softmax");
    QVERIFY(relu.kernel == KernelKind::ReluNormalised && relu.d >= relu.n);
    QVERIFY(relu.init.kind == InitKind::Equiangular && relu.init.rho > 0 && relu.init.rho < 0.01);

    QVERIFY(Scenario::load("lightning-antipodal").kernel == KernelKind::Linear);

    // Duerinckx, Geshkovski, Rossi (2026): the circle, causal mask, ALiBi-style bias 1, RK4.
    const Scenario lost = Scenario::load("lost-in-the-middle");
    QCOMPARE(lost.n, 64);
    QCOMPARE(lost.d, 2);
    QCOMPARE(lost.beta, 1.0);
    QCOMPARE(lost.positionalBias, 1.0);
    QCOMPARE(lost.dt, 0.0025);
    QVERIFY(lost.mask == AttentionMask::Causal && lost.integrator == IntegratorKind::RK4);
    QVERIFY(lost.kernel == KernelKind::Softmax && lost.heads.kind == HeadsKind::Identity);
    QVERIFY(lost.geometry == Geometry::Sphere && lost.sinkhornIterations == 0);
}

void TestScenario::loadResolvesFilesAndPresets() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string path = (dir.path() + "/mine.json").toStdString();
    {
        std::ofstream out(path);
        out << R"({"name": "mine", "n": 10, "beta": 2.5})";
    }
    const Scenario s = Scenario::load(path);
    QCOMPARE(s.name, std::string("mine"));
    QCOMPARE(s.n, 10);
    QCOMPARE(Scenario::fromFile(path).beta, 2.5);
    try {
        Scenario::load("definitely-not-here");
        QFAIL("no ValidationError");
    } catch (const ValidationError& e) {
        const std::string what = e.what();
        QVERIFY2(what.find("neither a scenario file nor a preset") != std::string::npos, what.c_str());
        QVERIFY2(what.find("sphere-movie") != std::string::npos, what.c_str());
    }
    QVERIFY_THROWS_EXCEPTION(ValidationError, Scenario::fromFile(path + ".missing"));
}

void TestScenario::documentationExamplesLoad() {
    // Every ```json block of doc/SCENARIOS.md is a valid scenario.
    std::ifstream in(ATTNSPHERE_SOURCE_DIR "/doc/SCENARIOS.md");
    QVERIFY(in.good());
    const std::string doc((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    int examples = 0;
    for (std::size_t pos = doc.find("```json\n"); pos != std::string::npos;
         pos = doc.find("```json\n", pos)) {
        const std::size_t start = pos + 8, end = doc.find("```", start);
        QVERIFY(end != std::string::npos);
        const std::string text = doc.substr(start, end - start);
        try {
            Scenario::fromJsonText(text);
        } catch (const ValidationError& e) {
            QFAIL(qPrintable(QString::fromStdString(std::string(e.what()) + "\n" + text)));
        }
        ++examples;
        pos = end + 3;
    }
    QVERIFY(examples >= 3);
}

QTEST_GUILESS_MAIN(TestScenario)
#include "test_scenario.moc"

void TestScenario::runSizeIsCapped() {
    Scenario s;
    s.dt = Limits::dtMin;
    s.tEnd = 1e6;
    try {
        checkRunSize(s);
        QFAIL("no ValidationError for 1e12 steps");
    } catch (const ValidationError& e) {
        const QString what = e.what();
        QVERIFY2(what.contains("needs 1000000000000 steps; at most 100000000"), qPrintable(what));
    }
    s.dt = 0.001;
    s.tEnd = 1000;  // 1e6 steps, each published: 1000002 frames
    try {
        checkRunSize(s);
        QFAIL("no ValidationError for 1000002 frames");
    } catch (const ValidationError& e) {
        QCOMPARE(QString::fromStdString(e.path()), QString("publish_every"));
        QVERIFY2(QString(e.what()).contains("1000002 frames; at most 1000000"), e.what());
    }
    s.publishEvery = 2;
    checkRunSize(s);  // 500002 frames
    for (const auto& p : presetList()) checkRunSize(Scenario::load(p.name));
}

void TestScenario::modelValidationUsesTheScenarioRanges() {
    Scenario s;
    s.n = 5;
    s.heads.count = 2;
    s.heads.alpha = {1, 2};
    Model m = s.buildModel();
    validateModel(m, "model");
    auto refused = [&](const Model& bad, const QString& path, const QString& range) {
        try {
            validateModel(bad, "model");
            QFAIL(qPrintable("accepted: " + path));
        } catch (const ValidationError& e) {
            QCOMPARE(QString::fromStdString(e.path()), path);
            QVERIFY2(QString(e.what()).contains(range), e.what());
        }
    };
    Model bad = m;
    bad.beta = 1e300;
    refused(bad, "model.beta", "(0, 1000], got 1e+300");
    bad = m;
    bad.heads[1].alpha = 1e308;
    refused(bad, "model.heads[1].alpha", "[0, 100], got 1e+308");
    bad = m;
    bad.heads[0].beta = 2000;
    refused(bad, "model.heads[0].beta", "(0, 1000], got 2000");
    bad = m;
    bad.heads[0].M(1, 2) = 1e7;
    refused(bad, "model.heads[0].M[1][2]", "[-1000000, 1000000], got 10000000");
    bad = m;
    bad.sigmoidBias = -101;
    refused(bad, "model.sigmoid_bias", "[-100, 100], got -101");
}
