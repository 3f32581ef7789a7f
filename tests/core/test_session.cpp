// Session files: JSON round trip, validation with JSON paths, and exact replay of a live run with
// edits (model, positions, dt, integrator), a reset and camera keys.
#include "FullDisk.h"
#include "core/Errors.h"
#include "core/Session.h"

#include <nlohmann/json.hpp>

#include <functional>

#include <QDir>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

using namespace attnsphere::core;

namespace {

Scenario smallScenario(int n, std::uint64_t seed) {
    Scenario s;
    s.name = "session-test";
    s.n = n;
    s.d = 3;
    s.beta = 1.0;
    s.dt = 0.1;
    s.seed = seed;
    s.tEnd = 5;
    return s;
}

struct LiveRun {
    Session session;
    std::vector<Matrix> positions;  // after every step, across segments
};

// What the GUI worker does: steps, applies edits between steps, and logs them.
LiveRun liveRun() {
    LiveRun run;
    const Scenario first = smallScenario(12, 7);
    SessionLog log(first);
    auto sim = std::make_unique<Simulation>(first);
    Camera cam;
    log.logCamera(0, cam);
    for (int k = 0; k < 20; ++k) {
        if (sim->stepCount() == 5) {
            Model m = sim->model();
            m.beta = 3.0;
            sim->setModel(m);
            log.logModel(sim->stepCount(), sim->model());
        }
        if (sim->stepCount() == 9) {
            Matrix X = sim->positions();
            X(0, 0) += 0.3;
            X(2, 4) -= 0.2;
            sim->setPositions(X);
            log.logPositions(sim->stepCount(), sim->positions());
        }
        if (sim->stepCount() == 12) {
            sim->setDt(0.05);
            log.logDt(sim->stepCount(), 0.05);
            cam.position = {4, 0, 0};
            log.logCamera(sim->stepCount(), cam);
        }
        if (sim->stepCount() == 15) {
            sim->setIntegrator(IntegratorKind::Euler);
            log.logIntegrator(sim->stepCount(), IntegratorKind::Euler);
        }
        sim->step();
        run.positions.push_back(sim->positions());
    }
    const Scenario second = smallScenario(9, 3);
    log.logReset(sim->stepCount(), second);
    sim = std::make_unique<Simulation>(second);
    for (int k = 0; k < 7; ++k) {
        sim->step();
        run.positions.push_back(sim->positions());
    }
    log.setEndStep(sim->stepCount());
    run.session = log.session();
    return run;
}

std::vector<Matrix> replay(const Session& session) {
    SessionPlayer player(session);
    std::vector<Matrix> out;
    while (!player.finished()) {
        player.step();
        out.push_back(player.simulation().positions());
    }
    return out;
}

// A live run that goes back in its history and forks: Dormand–Prince (adaptive step), an edit before
// the fork point and one after it (abandoned), a fork at step 8 followed by a beta edit. Returns the
// session and the kept branch's positions after every step.
struct ForkedRun {
    Session session;
    std::vector<Matrix> positions;
    Matrix forkPositions;
    Matrix firstAfterFork;  // the simulation's positions right after the restore, before stepping
};

ForkedRun forkedRun() {
    struct Kept {
        Matrix X;
        double t, dt, stepDt;
        std::int64_t step;
        std::size_t events;
    };
    Scenario first = smallScenario(10, 5);
    first.integrator = IntegratorKind::DormandPrince;
    SessionLog log(first);
    Simulation sim(first);
    std::vector<Kept> history;
    std::vector<Matrix> positions;
    for (int k = 0; k < 25; ++k) {
        if (sim.stepCount() == 4 || sim.stepCount() == 15) {
            Model m = sim.model();
            m.beta = sim.stepCount() == 4 ? 2.0 : 7.0;
            sim.setModel(m);
            log.logModel(sim.stepCount(), m);
        }
        history.push_back(
            {sim.positions(), sim.time(), sim.dt(), sim.stepDt(), sim.stepCount(), log.eventCount()});
        sim.step();
        positions.push_back(sim.positions());
    }
    log.logScrub(sim.stepCount(), history[8].t, history[8].step);
    const Kept& at = history[8];
    const SessionState state = log.session().stateAfter(at.events);
    const std::int64_t abandoned = sim.stepCount();
    sim.setModel(state.model);
    sim.setDt(state.dt);
    sim.setIntegrator(state.integrator);
    sim.restore(at.X, at.t, at.step, at.dt, at.stepDt);
    log.logFork(at.events, at.step, at.t, at.X, {}, at.dt, at.stepDt, abandoned);
    ForkedRun run;
    run.forkPositions = at.X;
    run.firstAfterFork = sim.positions();
    positions.resize(static_cast<std::size_t>(at.step));
    Model m = sim.model();
    m.beta = 5.0;
    sim.setModel(m);
    log.logModel(sim.stepCount(), m);
    for (int k = 0; k < 10; ++k) {
        sim.step();
        positions.push_back(sim.positions());
    }
    log.setEndStep(sim.stepCount());
    run.session = log.session();
    run.positions = positions;
    return run;
}

}  // namespace

class TestSession : public QObject {
    Q_OBJECT
private slots:
    void replayEqualsLiveRunExactly() {
        const LiveRun run = liveRun();
        QCOMPARE(run.session.totalSteps(), std::int64_t(27));
        const std::vector<Matrix> replayed = replay(run.session);
        QCOMPARE(replayed.size(), run.positions.size());
        for (std::size_t k = 0; k < replayed.size(); ++k) {
            QCOMPARE(replayed[k].rows(), run.positions[k].rows());
            QCOMPARE(replayed[k].cols(), run.positions[k].cols());
            QVERIFY2(replayed[k] == run.positions[k], qPrintable(QString("step %1 differs").arg(k + 1)));
        }
    }

    // A fork restores the earlier state bit for bit, drops the abandoned branch's events from the log
    // and replays as the kept branch, also after a JSON round trip.
    void forkReplaysTheKeptBranch() {
        const ForkedRun run = forkedRun();
        QVERIFY(run.firstAfterFork == run.forkPositions);
        const auto& tl = run.session.timeline;
        QCOMPARE(tl.size(),
                 std::size_t(3));  // model at 4, fork at 8, model at 8 (beta 7 and the scrub dropped)
        QVERIFY(tl[1].kind == SessionEventKind::Fork);
        QCOMPARE(tl[1].step, std::int64_t(8));
        QCOMPARE(tl[1].otherStep, std::int64_t(25));
        QCOMPARE(run.session.stateAfter(2).model.beta, 2.0);
        QCOMPARE(run.session.stateAfter(3).model.beta, 5.0);
        QVERIFY(run.session.stateAfter(0).integrator == IntegratorKind::DormandPrince);
        QTemporaryDir dir;
        const std::string path = dir.filePath("fork.json").toStdString();
        run.session.save(path);
        for (const Session& s : {run.session, Session::fromFile(path)}) {
            const std::vector<Matrix> replayed = replay(s);
            QCOMPARE(replayed.size(), run.positions.size());
            for (std::size_t k = 0; k < replayed.size(); ++k)
                QVERIFY2(replayed[k] == run.positions[k], qPrintable(QString("step %1 differs").arg(k + 1)));
        }
    }

    // Scrubs are informational: consecutive ones at a step replace each other, replay ignores them, and
    // a version 2 file may not hold them.
    void scrubsAreLoggedAndIgnoredByReplay() {
        const Scenario s = smallScenario(6, 2);
        SessionLog log(s);
        log.logScrub(0, 0.0, 0);
        log.logScrub(0, 0.0, 0);
        QCOMPARE(log.eventCount(), std::size_t(1));
        log.setEndStep(5);
        QCOMPARE(replay(log.session()).size(), std::size_t(5));
        nlohmann::json j = log.session().toJson();
        QCOMPARE(j["timeline"][0]["kind"].get<std::string>(), std::string("scrub"));
        j["version"] = 2;
        try {
            Session::fromJson(j);
            QFAIL("a scrub in a version 2 file was accepted");
        } catch (const ValidationError& e) {
            QVERIFY2(QString(e.what()).contains("version 3"), e.what());
        }
    }

    void jsonRoundTripKeepsReplayExact() {
        const LiveRun run = liveRun();
        QTemporaryDir dir;
        const std::string path = dir.filePath("s.json").toStdString();
        run.session.save(path);
        const Session loaded = Session::fromFile(path);
        QCOMPARE(loaded.toJson().dump(), run.session.toJson().dump());
        const std::vector<Matrix> replayed = replay(loaded);
        QCOMPARE(replayed.size(), run.positions.size());
        for (std::size_t k = 0; k < replayed.size(); ++k) QVERIFY(replayed[k] == run.positions[k]);
    }

    // Every key the program writes is snake_case (matrix names M and V aside), scenario included.
    void writtenKeysAreSnakeCase() {
        const nlohmann::json j = liveRun().session.toJson();
        QCOMPARE(j["version"].get<int>(), 3);
        std::function<void(const nlohmann::json&, const QString&)> walk = [&](const nlohmann::json& v,
                                                                              const QString& path) {
            if (v.is_array())
                for (std::size_t i = 0; i < v.size(); ++i) walk(v[i], path + "[" + QString::number(i) + "]");
            if (!v.is_object()) return;
            for (const auto& item : v.items()) {
                const QString key = QString::fromStdString(item.key());
                QVERIFY2(
                    key == "M" || key == "V" || QRegularExpression("^[a-z][a-z0-9_]*$").match(key).hasMatch(),
                    qPrintable(path + "." + key));
                walk(item.value(), path + "." + key);
            }
        };
        walk(j, "");
        for (const char* key : {"end_step", "timeline"}) QVERIFY(j.contains(key));
        QVERIFY(j["timeline"][0]["camera"].contains("focal_point"));
    }

    // Version 1 files spelled some keys in camelCase; they read to the same session. Each version accepts
    // only its own spelling.
    void version1FilesAreStillRead() {
        const Session session = liveRun().session;
        const nlohmann::json v2 = session.toJson();
        nlohmann::json v1 = v2;
        v1["version"] = 1;
        v1.erase("end_step");
        v1["endStep"] = v2["end_step"];
        auto rename = [](nlohmann::json& o, const char* from, const char* to) {
            o[to] = o[from];
            o.erase(from);
        };
        int models = 0, cameras = 0;
        for (auto& e : v1["timeline"]) {
            if (e.contains("model")) {
                rename(e["model"], "sigmoid_bias", "sigmoidBias");
                ++models;
            }
            if (e.contains("camera")) {
                rename(e["camera"], "focal_point", "focalPoint");
                rename(e["camera"], "view_up", "viewUp");
                rename(e["camera"], "view_angle", "viewAngle");
                ++cameras;
            }
        }
        QVERIFY(models > 0 && cameras > 0);
        QCOMPARE(Session::fromJson(v1).toJson().dump(), v2.dump());
        const std::vector<Matrix> a = replay(Session::fromJson(v1)), b = replay(session);
        QCOMPARE(a.size(), b.size());
        for (std::size_t k = 0; k < a.size(); ++k) QVERIFY(a[k] == b[k]);

        nlohmann::json mixed = v1;
        mixed["version"] = 2;
        try {
            Session::fromJson(mixed);
            QFAIL("version 2 with camelCase keys accepted");
        } catch (const ValidationError& e) {
            QVERIFY2(QString(e.what()).startsWith("endStep: unknown key"), e.what());
        }
        nlohmann::json camera = v2;
        camera["version"] = 1;
        camera["endStep"] = camera["end_step"];
        camera.erase("end_step");
        try {
            Session::fromJson(camera);
            QFAIL("version 1 with snake_case camera keys accepted");
        } catch (const ValidationError& e) {
            QVERIFY2(QString(e.what()).contains("focal_point: unknown key"), e.what());
        }
    }

    void withoutEventsReplayEqualsPlainRun() {
        Session s;
        s.scenario = smallScenario(10, 2);
        s.endStep = 6;
        Simulation sim(s.scenario);
        for (int k = 0; k < 6; ++k) sim.step();
        const auto replayed = replay(s);
        QCOMPARE(replayed.size(), std::size_t(6));
        QVERIFY(replayed.back() == sim.positions());
    }

    void cameraIsInterpolatedBetweenKeys() {
        Session s;
        s.scenario = smallScenario(6, 1);
        SessionEvent a;
        a.step = 0;
        a.kind = SessionEventKind::Camera;
        a.camera.position = {0, 0, 4};
        SessionEvent b = a;
        b.step = 10;
        b.camera.position = {4, 0, 0};
        b.camera.viewAngle = 40;
        s.timeline = {a, b};
        s.endStep = 12;
        SessionPlayer player(s);
        player.applyDue();
        QCOMPARE(player.camera()->position[2], 4.0);
        for (int k = 0; k < 5; ++k) player.step();
        const Camera mid = *player.camera();
        QCOMPARE(mid.position[0], 2.0);
        QCOMPARE(mid.position[2], 2.0);
        QCOMPARE(mid.viewAngle, 35.0);
        for (int k = 0; k < 7; ++k) player.step();
        QCOMPARE(player.camera()->position[0], 4.0);
        QVERIFY(player.finished());
    }

    void validationNamesThePath_data() {
        QTest::addColumn<QString>("mutation");
        QTest::addColumn<QString>("expect");
        QTest::newRow("unknown key") << "extra"
                                     << "extra: unknown key";
        QTest::newRow("unknown key with a space") << "spaced"
                                                  << "timeline[0]: unknown key \"step \"";
        QTest::newRow("format") << "format"
                                << "format:";
        QTest::newRow("decreasing") << "decreasing"
                                    << "timeline[1].step";
        QTest::newRow("positions size") << "positions"
                                        << "timeline[0].positions";
        QTest::newRow("kind") << "kind"
                              << "timeline[0].kind";
        QTest::newRow("dt range") << "dt"
                                  << "timeline[0].dt: must be in [1e-06, 10], got -1";
        QTest::newRow("dt tiny") << "dt tiny"
                                 << "timeline[0].dt: must be in [1e-06, 10], got 1e-12";
        // 2^32 + 1 used to be read through an int: accepted as version 1.
        QTest::newRow("version 2^32+1")
            << "version"
            << "version: must be 1, 2 or 3 (the versions this program reads), got 4294967297";
        QTest::newRow("version 1.5") << "version float"
                                     << "version: must be an integer, got 1.5";
        QTest::newRow("step 2^64-1")
            << "huge step"
            << "timeline[0].step: must be an integer in [0, 100000000], got 18446744073709551615";
        // The scenario's own rules, with the path inside the session.
        QTest::newRow("scenario beta") << "scenario beta"
                                       << "scenario.beta: must be in (0, 1000], got 1e+300";
        QTest::newRow("reset scenario n")
            << "reset n"
            << "timeline[0].scenario.n: must be an integer in [2, 20000], got 4294967297";
        QTest::newRow("model beta") << "model beta"
                                    << "timeline[0].model.beta: must be in (0, 1000], got 1e+300";
        QTest::newRow("model alpha") << "model alpha"
                                     << "timeline[0].model.heads[0].alpha: must be in [0, 100], got 1e+308";
        QTest::newRow("model entry") << "model entry"
                                     << "timeline[0].model.heads[0].V[2][1]: must be in [-1000000, 1000000]";
        QTest::newRow("camera far")
            << "camera far"
            << "timeline[0].camera.position[2]: must be in [-1000000, 1000000], got 1e+300";
        QTest::newRow("camera degenerate") << "camera degenerate"
                                           << "timeline[0].camera.position: must differ from focal_point";
        QTest::newRow("positions entry")
            << "positions entry"
            << "timeline[0].positions[3][0]: must be in [-1000000, 1000000], got 1e+200";
    }
    void validationNamesThePath() {
        QFETCH(QString, mutation);
        QFETCH(QString, expect);
        Session s;
        s.scenario = smallScenario(4, 1);
        s.endStep = 10;
        nlohmann::json j = s.toJson();
        if (mutation == "extra") j["extra"] = 1;
        if (mutation == "spaced") j["timeline"] = {{{"step", 1}, {"step ", 1}, {"kind", "dt"}, {"dt", 0.1}}};
        if (mutation == "format") j["format"] = "something";
        if (mutation == "decreasing")
            j["timeline"] = {{{"step", 5}, {"kind", "dt"}, {"dt", 0.1}},
                             {{"step", 3}, {"kind", "dt"}, {"dt", 0.1}}};
        if (mutation == "positions")
            j["timeline"] = {{{"step", 1}, {"kind", "positions"}, {"positions", {{1.0, 0.0, 0.0}}}}};
        if (mutation == "kind") j["timeline"] = {{{"step", 1}, {"kind", "teleport"}}};
        if (mutation == "dt") j["timeline"] = {{{"step", 1}, {"kind", "dt"}, {"dt", -1}}};
        if (mutation == "dt tiny") j["timeline"] = {{{"step", 1}, {"kind", "dt"}, {"dt", 1e-12}}};
        if (mutation == "version") j["version"] = 4294967297ull;
        if (mutation == "version float") j["version"] = 1.5;
        if (mutation == "huge step")
            j["timeline"] = {{{"step", 18446744073709551615ull}, {"kind", "dt"}, {"dt", 0.1}}};
        if (mutation == "scenario beta") j["scenario"]["beta"] = 1e300;
        if (mutation == "reset n") {
            nlohmann::json scenario = s.scenario.toJson();
            scenario["n"] = 4294967297ull;
            j["timeline"] = {{{"step", 1}, {"kind", "reset"}, {"scenario", scenario}}};
        }
        if (mutation.startsWith("model")) {
            Simulation sim(s.scenario);
            SessionLog log(s.scenario);
            log.logModel(1, sim.model());
            nlohmann::json model = log.session().toJson()["timeline"][0]["model"];
            if (mutation == "model beta") model["beta"] = 1e300;
            if (mutation == "model alpha") model["heads"][0]["alpha"] = 1e308;
            if (mutation == "model entry") model["heads"][0]["V"][2][1] = -2e6;
            j["timeline"] = {{{"step", 1}, {"kind", "model"}, {"model", model}}};
        }
        if (mutation.startsWith("camera")) {
            Camera cam;
            if (mutation == "camera far") cam.position = {0, 0, 1e300};
            if (mutation == "camera degenerate") cam.position = cam.focalPoint;
            SessionLog log(s.scenario);
            log.logCamera(1, cam);
            j["timeline"] = log.session().toJson()["timeline"];
        }
        if (mutation == "positions entry") {
            nlohmann::json rows = nlohmann::json::array();
            for (int i = 0; i < 4; ++i) rows.push_back({i == 3 ? 1e200 : 1.0, 0.0, 0.0});
            j["timeline"] = {{{"step", 1}, {"kind", "positions"}, {"positions", rows}}};
        }
        try {
            Session::fromJson(j);
            QFAIL("no error");
        } catch (const ValidationError& e) {
            QVERIFY2(QString(e.what()).contains(expect), e.what());
        }
    }

    // A full disk: the reason is reported and neither the file nor its temporary is left
    // (RLIMIT_FSIZE stands in for the full disk).
    void saveReportsWhyItFailed() {
        QTemporaryDir dir;
        const QString path = dir.filePath("s.json");
        const Session s = liveRun().session;
        QString message;
        try {
            const attnsphere::testing::FullDisk full(1024);
            s.save(path.toStdString());
        } catch (const std::runtime_error& e) {
            message = e.what();
        }
        QVERIFY2(message.contains("File too large"), qPrintable(message));
        QVERIFY(QDir(dir.path()).isEmpty());
    }

    // Hostile files: deep nesting (a segfault in the error message once), numbers beyond a double.
    void hostileFilesAreRefusedWithLineAndColumn_data() {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<QString>("expect");
        QTest::newRow("deep nesting")
            << QByteArray(100000, '[') + QByteArray(100000, ']')
            << "invalid JSON at line 1, column 65: arrays and objects nested deeper";
        QTest::newRow("deep scenario") << R"({"format": "attnsphere-session", "version": 1, "scenario": )" +
                                              QByteArray(100000, '[') + QByteArray(100000, ']') + "}"
                                       << "arrays and objects nested deeper than 64";
        QTest::newRow("beta 1e400") << QByteArray(R"({"format": "attnsphere-session", "version": 1,
 "scenario": {"beta": 1e400}})") << "invalid JSON at line 2, column 23: the number 1e400 is beyond the range";
        QTest::newRow("garbage") << QByteArray("\x93NUMPY\x01\x00") << "invalid JSON at line 1, column 1";
    }
    void hostileFilesAreRefusedWithLineAndColumn() {
        QFETCH(QByteArray, text);
        QFETCH(QString, expect);
        QTemporaryDir dir;
        const QString path = dir.filePath("s.json");
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(text);
        f.close();
        try {
            Session::fromFile(path.toStdString());
            QFAIL("no error");
        } catch (const ValidationError& e) {
            const QString what = e.what();
            QVERIFY2(what.startsWith(path + ": "), e.what());
            QVERIFY2(what.contains(expect), e.what());
            QVERIFY2(!what.contains("json.exception") && what.size() < 400, e.what());
        }
    }
};

QTEST_GUILESS_MAIN(TestSession)
#include "test_session.moc"
