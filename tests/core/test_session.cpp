// Session files: JSON round trip, validation with JSON paths, and exact replay of a live run with
// edits (model, positions, dt, integrator), a reset and camera keys.
#include "core/Errors.h"
#include "core/Session.h"

#include <nlohmann/json.hpp>

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
    SessionCamera cam;
    log.recordCamera(0, cam);
    for (int k = 0; k < 20; ++k) {
        if (sim->stepCount() == 5) {
            Model m = sim->model();
            m.beta = 3.0;
            sim->setModel(m);
            log.recordModel(sim->stepCount(), sim->model());
        }
        if (sim->stepCount() == 9) {
            Matrix X = sim->positions();
            X(0, 0) += 0.3;
            X(2, 4) -= 0.2;
            sim->setPositions(X);
            log.recordPositions(sim->stepCount(), sim->positions());
        }
        if (sim->stepCount() == 12) {
            sim->setDt(0.05);
            log.recordDt(sim->stepCount(), 0.05);
            cam.position = {4, 0, 0};
            log.recordCamera(sim->stepCount(), cam);
        }
        if (sim->stepCount() == 15) {
            sim->setIntegrator(IntegratorKind::Euler);
            log.recordIntegrator(sim->stepCount(), IntegratorKind::Euler);
        }
        sim->step();
        run.positions.push_back(sim->positions());
    }
    const Scenario second = smallScenario(9, 3);
    log.recordReset(sim->stepCount(), second);
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
        const SessionCamera mid = *player.camera();
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
        QTest::newRow("format") << "format"
                                << "format:";
        QTest::newRow("decreasing") << "decreasing"
                                    << "timeline[1].step";
        QTest::newRow("positions size") << "positions"
                                        << "timeline[0].positions";
        QTest::newRow("kind") << "kind"
                              << "timeline[0].kind";
        QTest::newRow("dt range") << "dt"
                                  << "timeline[0].dt: must be in (0, 10]";
    }
    void validationNamesThePath() {
        QFETCH(QString, mutation);
        QFETCH(QString, expect);
        Session s;
        s.scenario = smallScenario(4, 1);
        s.endStep = 10;
        nlohmann::json j = s.toJson();
        if (mutation == "extra") j["extra"] = 1;
        if (mutation == "format") j["format"] = "something";
        if (mutation == "decreasing")
            j["timeline"] = {{{"step", 5}, {"kind", "dt"}, {"dt", 0.1}},
                             {{"step", 3}, {"kind", "dt"}, {"dt", 0.1}}};
        if (mutation == "positions")
            j["timeline"] = {{{"step", 1}, {"kind", "positions"}, {"positions", {{1.0, 0.0, 0.0}}}}};
        if (mutation == "kind") j["timeline"] = {{{"step", 1}, {"kind", "teleport"}}};
        if (mutation == "dt") j["timeline"] = {{{"step", 1}, {"kind", "dt"}, {"dt", -1}}};
        try {
            Session::fromJson(j);
            QFAIL("no error");
        } catch (const ValidationError& e) {
            QVERIFY2(QString(e.what()).contains(expect), e.what());
        }
    }
};

QTEST_GUILESS_MAIN(TestSession)
#include "test_session.moc"
