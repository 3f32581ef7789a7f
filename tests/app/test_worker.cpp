// SimulationController / SimulationWorker: commands reach the simulation thread and are applied
// between steps, frames come back newest-first, errors pause the run, and shutdown interrupts a long
// step. Threading test: also run it under ThreadSanitizer:
//   cmake --preset tsan && cmake --build --preset tsan --target app_test_worker
//   OMP_NUM_THREADS=1 TSAN_OPTIONS=suppressions=tests/app/tsan.supp setarch -R
//   build/tsan/tests/app_test_worker
// (OMP_NUM_THREADS=1: core::WorkerPool then adds no threads; setarch -R: this kernel's ASLR breaks GCC
// 12's TSan.)
#include "app/SimulationController.h"
#include "core/Dynamics.h"
#include "core/Manipulation.h"

#include <nlohmann/json.hpp>

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

using namespace attnsphere;
using FramePtr = std::shared_ptr<const core::Frame>;

namespace {

core::Scenario smallScenario() {
    core::Scenario s;
    s.name = "test";
    s.n = 16;
    s.d = 3;
    s.beta = 1.0;
    s.dt = 0.05;
    s.seed = 3;
    s.heads.count = 2;
    s.heads.kind = core::HeadsKind::Identity;
    s.tEnd = 1e6;  // runs do not end during a test (runStopsOrLoopsAtTEnd sets its own)
    return s;
}

FramePtr lastFrame(const QSignalSpy& spy) {
    return spy.last().at(0).value<FramePtr>();
}

}  // namespace

class TestWorker : public QObject {
    Q_OBJECT
private slots:
    void playPauseStepReset() {
        app::SimulationController c(smallScenario());
        QSignalSpy frames(&c, &app::SimulationController::frameAvailable);
        QSignalSpy running(&c, &app::SimulationController::runningChanged);
        QTRY_VERIFY(frames.count() >= 1);
        QCOMPARE(lastFrame(frames)->step, 0);
        QCOMPARE(lastFrame(frames)->n, 16);
        QVERIFY(lastFrame(frames)->hasObservables);

        c.setSpeed(0);  // as fast as possible
        c.play();
        QTRY_VERIFY(c.isRunning());
        QTRY_VERIFY(c.latestFrame() && c.latestFrame()->step > 20);
        c.pause();
        QTRY_VERIFY(!c.isRunning());
        QCOMPARE(running.count(), 2);
        QTest::qWait(50);
        const auto pausedAt = c.latestFrame();
        QTest::qWait(200);
        QCOMPARE(c.latestFrame()->step, pausedAt->step);  // paused: nothing advances

        frames.clear();
        c.stepOnce();
        QTRY_COMPARE(frames.count(), 1);
        QCOMPARE(lastFrame(frames)->step, pausedAt->step + 1);
        QVERIFY(lastFrame(frames)->t > pausedAt->t);

        c.reset();
        QTRY_COMPARE(frames.count(), 2);
        QCOMPARE(lastFrame(frames)->step, 0);
        QCOMPARE(lastFrame(frames)->t, 0.0);
    }

    void editsApplyBetweenStepsAndKeepPositions() {
        app::SimulationController c(smallScenario());
        QSignalSpy frames(&c, &app::SimulationController::frameAvailable);
        QSignalSpy changed(&c, &app::SimulationController::scenarioChanged);
        QTRY_VERIFY(frames.count() >= 1);
        c.stepOnce();
        c.stepOnce();
        QTRY_VERIFY(c.latestFrame()->step == 2);
        const auto before = c.latestFrame();

        core::Scenario edited = c.scenario();
        edited.beta = 4.0;
        c.applyEdit(edited);
        QTRY_COMPARE(changed.count(), 1);
        QCOMPARE(c.scenario().beta, 4.0);
        QTRY_VERIFY(c.latestFrame() != before);
        // A model edit keeps the state: same step, same positions, different energy (beta changed).
        QCOMPARE(c.latestFrame()->step, before->step);
        QVERIFY(c.latestFrame()->positions.isApprox(before->positions, 0.0) ||
                (c.latestFrame()->positions - before->positions).norm() == 0.0);
        QVERIFY(std::abs(c.latestFrame()->energyTotal - before->energyTotal) > 1e-9);

        // Changing n re-initialises.
        edited.n = 40;
        c.applyEdit(edited);
        QTRY_COMPARE(changed.count(), 2);
        QTRY_COMPARE(c.latestFrame()->n, 40);
        QCOMPARE(c.latestFrame()->step, 0);

        // Running: an edit lands between steps and the run continues.
        c.setSpeed(0);
        c.play();
        QTRY_VERIFY(c.latestFrame()->step > 5);
        edited.beta = 0.5;
        c.applyEdit(edited);
        QTRY_COMPARE(changed.count(), 3);
        QCOMPARE(c.scenario().beta, 0.5);
        const auto at = c.latestFrame()->step;
        QTRY_VERIFY(c.latestFrame()->step > at);
        QVERIFY(c.isRunning());

        // Invalid edit: refused with the field named, state untouched.
        QSignalSpy rejected(&c, &app::SimulationController::editRejected);
        edited.n = -3;
        c.applyEdit(edited);
        QTRY_COMPARE(rejected.count(), 1);
        QVERIFY(rejected.at(0).at(0).toString().contains(QStringLiteral("n")));
        QCOMPARE(c.scenario().n, 40);
    }

    void exportWritesThePublishedFrames() {
        app::SimulationController c(smallScenario());
        QSignalSpy frames(&c, &app::SimulationController::frameAvailable);
        QTRY_VERIFY(frames.count() >= 1);
        for (int k = 0; k < 3; ++k) {
            c.stepOnce();
            QTRY_COMPARE(c.latestFrame()->step, k + 1);
        }
        QTemporaryDir dir;
        QSignalSpy done(&c, &app::SimulationController::exportFinished);
        c.exportData(dir.path(), {QStringLiteral("attnsphere"), QStringLiteral("--test")});
        QTRY_COMPARE(done.count(), 1);
        QVERIFY2(done.at(0).at(0).toBool(), qPrintable(done.at(0).at(1).toString()));
        QFile csv(dir.filePath(QStringLiteral("series.csv")));
        QVERIFY(csv.open(QIODevice::ReadOnly));
        const QList<QByteArray> lines = csv.readAll().trimmed().split('\n');
        QCOMPARE(lines.size(), 1 + 4);  // header + frames at steps 0, 1, 2, 3
        QVERIFY(QFile::exists(dir.filePath(QStringLiteral("positions.npy"))));
        QFile meta(dir.filePath(QStringLiteral("metadata.json")));
        QVERIFY(meta.open(QIODevice::ReadOnly));
        const auto metadata = nlohmann::json::parse(meta.readAll().toStdString());
        QCOMPARE(metadata["writer"].get<std::string>(), std::string("gui"));
        QCOMPARE(metadata["command_line"], (nlohmann::json{"attnsphere", "--test"}));
    }

    void sessionReplaysTheLiveRun() {
        app::SimulationController c(smallScenario());
        QSignalSpy changed(&c, &app::SimulationController::scenarioChanged);
        QTRY_VERIFY(c.latestFrame());
        c.stepOnce();
        c.stepOnce();
        QTRY_COMPARE(c.latestFrame()->step, 2);
        core::Scenario edited = c.scenario();
        edited.beta = 3.0;
        c.applyEdit(edited);
        QTRY_COMPARE(changed.count(), 1);
        for (int k = 0; k < 3; ++k) c.stepOnce();
        QTRY_COMPARE(c.latestFrame()->step, 5);
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("session.json"));
        QSignalSpy saved(&c, &app::SimulationController::sessionSaved);
        c.saveSession(path);
        QTRY_COMPARE(saved.count(), 1);
        QVERIFY2(saved.at(0).at(0).toBool(), qPrintable(saved.at(0).at(1).toString()));

        const core::Session session = core::Session::fromFile(path.toStdString());
        QCOMPARE(session.endStep, 5);
        QCOMPARE(session.timeline.size(), std::size_t(1));
        QCOMPARE(session.timeline[0].kind, core::SessionEventKind::Model);
        QCOMPARE(session.timeline[0].step, 2);
        // Replaying gives exactly the live positions.
        core::SessionPlayer player(session);
        while (!player.finished()) player.step();
        QCOMPARE(player.simulation().stepCount(), 5);
        QVERIFY(player.simulation().positions() == c.latestFrame()->positions);
    }

    // Drag, kick, add and remove through the worker: each lands between steps, changes n where it should,
    // and the saved session replays the live run bit for bit.
    void manipulationsAreLoggedAndReplay() {
        app::SimulationController c(smallScenario());
        QTRY_VERIFY(c.latestFrame());
        c.stepOnce();
        QTRY_COMPARE(c.latestFrame()->step, 1);
        const core::Vector target = core::Vector::Unit(3, 2);
        c.moveToken(4, target);
        QTRY_VERIFY(c.latestFrame()->positions.col(4) == target);
        c.stepOnce();
        QTRY_COMPARE(c.latestFrame()->step, 2);
        const core::Matrix before = c.latestFrame()->positions;
        c.perturb(42, 0.25, {1, 2});
        QTRY_VERIFY(c.latestFrame()->positions != before);
        const core::Matrix kicked = c.latestFrame()->positions;
        core::Matrix expected = core::perturb(before, core::Geometry::Sphere, 42, 0.25, {1, 2});
        core::normaliseColumns(expected);  // as Simulation::setPositions does
        QVERIFY(kicked == expected);
        c.addToken(core::Vector::Unit(3, 0));
        QTRY_COMPARE(c.latestFrame()->n, 17);
        c.stepOnce();
        c.stepOnce();
        QTRY_COMPARE(c.latestFrame()->step, 4);
        c.removeToken(0);
        QTRY_COMPARE(c.latestFrame()->n, 16);
        QSignalSpy rejected(&c, &app::SimulationController::editRejected);
        c.addToken(core::Vector::Unit(4, 0));  // wrong d: refused, state kept
        QTRY_COMPARE(rejected.count(), 1);
        c.stepOnce();
        QTRY_COMPARE(c.latestFrame()->step, 5);
        QCOMPARE(c.latestFrame()->n, 16);

        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("session.json"));
        QSignalSpy saved(&c, &app::SimulationController::sessionSaved);
        c.saveSession(path);
        QTRY_COMPARE(saved.count(), 1);
        const core::Session session = core::Session::fromFile(path.toStdString());
        // Drag at step 1; kick and add at step 2 (one state); remove at step 4.
        QCOMPARE(session.timeline.size(), std::size_t(3));
        core::SessionPlayer player(session);
        while (!player.finished()) player.step();
        QCOMPARE(player.simulation().stepCount(), 5);
        QVERIFY(player.simulation().positions() == c.latestFrame()->positions);

        // The history restarted with the last n: an export has one shape.
        QSignalSpy exported(&c, &app::SimulationController::exportFinished);
        c.exportData(dir.filePath(QStringLiteral("export")), {});
        QTRY_COMPARE(exported.count(), 1);
        QVERIFY2(exported.at(0).at(0).toBool(), qPrintable(exported.at(0).at(1).toString()));
    }

    void numericalErrorPauses() {
        core::Scenario s = smallScenario();
        s.kernel = core::KernelKind::Exp;  // unnormalised: e^{beta} overflows for beta ~ 1000
        s.beta = 1000;
        app::SimulationController c(s);
        QSignalSpy errors(&c, &app::SimulationController::numericalError);
        c.setSpeed(0);
        c.play();
        // Reported (already for the t = 0 observables, again for the step), and the run is paused.
        QTRY_VERIFY(errors.count() >= 1);
        QTRY_VERIFY(!c.isRunning());
        QTest::qWait(200);
        QVERIFY(!c.isRunning());
        QVERIFY(!errors.at(0).at(0).toString().isEmpty());
    }

    // A defect found by use: after the worker fell behind (here: a recorder that did not keep up), the run
    // went on at hundreds of steps per second instead of the chosen speed (the lag correction had the wrong
    // sign).
    void speedHoldsAfterFallingBehind() {
        core::Scenario s = smallScenario();
        s.tEnd = 1e6;
        app::SimulationController c(s);
        QTRY_VERIFY(c.latestFrame());
        c.setSpeed(1.0);  // 20 steps per second at dt = 0.05
        c.setRecording(1);
        c.play();  // nobody consumes the record frames: the worker waits after kMaxRecordPending
        QTRY_VERIFY(c.isRunning());
        QTest::qWait(1500);
        c.setRecording(0);
        QTest::qWait(300);
        const double t0 = c.latestFrame()->t;
        QElapsedTimer clock;
        clock.start();
        QTest::qWait(1500);
        const double rate = (c.latestFrame()->t - t0) / (clock.nsecsElapsed() * 1e-9);
        c.pause();
        QVERIFY2(rate > 0.5 && rate < 1.5, qPrintable(QStringLiteral("simulated %1 t per second").arg(rate)));
    }

    // "−10369.0 steps/s" after loading a preset: the rate was measured against the old run's step count.
    void stepRateIsNeverNegativeAfterANewScenario() {
        core::Scenario s = smallScenario();
        s.tEnd = 1e6;
        app::SimulationController c(s);
        QSignalSpy stats(&c, &app::SimulationController::statsUpdated);
        c.setSpeed(0);
        c.play();
        QTRY_VERIFY(c.latestFrame() && c.latestFrame()->step > 2000);
        QTRY_VERIFY(stats.count() >= 1);  // the rate's reference is now a large step count
        c.setSpeed(1.0);                  // the new run takes fewer steps than the old one had taken
        c.setScenario(s);
        QTRY_VERIFY(c.latestFrame()->step < 2000);
        stats.clear();
        QTRY_VERIFY(stats.count() >= 2);
        c.pause();
        for (const auto& args : stats)
            QVERIFY2(args.at(0).toDouble() >= 0, qPrintable(args.at(0).toString()));
    }

    // The run stops at the scenario's t_end (or, looping, starts again from t = 0).
    void runStopsOrLoopsAtTEnd() {
        core::Scenario s = smallScenario();
        s.tEnd = 1;  // 20 steps
        app::SimulationController c(s);
        QSignalSpy ends(&c, &app::SimulationController::endReached);
        c.setSpeed(0);
        c.play();
        QTRY_COMPARE(ends.count(), 1);
        QTRY_VERIFY(!c.isRunning());
        QTest::qWait(200);
        QCOMPARE(c.latestFrame()->step, std::int64_t(20));
        QVERIFY(std::abs(c.latestFrame()->t - 1.0) < 1e-9);
        // Play at t_end starts again from 0 (paced, so that frames on the way are published).
        c.setSpeed(2);
        QSignalSpy frames(&c, &app::SimulationController::frameAvailable);
        c.play();
        QTRY_COMPARE(ends.count(), 2);
        bool restarted = false;
        for (const auto& args : frames) restarted = restarted || args.at(0).value<FramePtr>()->t < 0.9;
        QVERIFY(restarted);
        // Looping: t returns to 0 and the run goes on.
        c.setLoop(true);
        frames.clear();
        c.play();
        QTest::qWait(1200);
        QVERIFY(c.isRunning());
        int wraps = 0;
        for (int k = 1; k < frames.count(); ++k)
            wraps += frames.at(k).at(0).value<FramePtr>()->t < frames.at(k - 1).at(0).value<FramePtr>()->t;
        QVERIFY2(wraps >= 1, qPrintable(QString::number(frames.count())));
        QCOMPARE(ends.count(), 2);
        c.pause();
    }

    // A refused edit says why and leaves the worker's scenario as it was: a reset restarts what runs.
    void refusedEditKeepsTheRunningScenario() {
        core::Scenario s = smallScenario();
        s.heads.count = 3;
        s.heads.kind = core::HeadsKind::OrthogonalBlocks;
        app::SimulationController c(s);
        QSignalSpy rejected(&c, &app::SimulationController::editRejected);
        QTRY_VERIFY(c.latestFrame());
        core::Scenario bad = s;
        bad.d = 2;  // three orthogonal blocks do not fit in d = 2
        c.applyEdit(bad);
        QTRY_COMPARE(rejected.count(), 1);
        QVERIFY2(rejected.at(0).at(0).toString().contains(QStringLiteral("heads.count")),
                 qPrintable(rejected.at(0).at(0).toString()));
        c.stepOnce();
        QTRY_COMPARE(c.latestFrame()->step, std::int64_t(1));
        c.reset();
        QTRY_COMPARE(c.latestFrame()->step, std::int64_t(0));
        QCOMPARE(c.latestFrame()->d, 3);
        QTest::qWait(200);
        QCOMPARE(rejected.count(), 1);
    }

    // Long work is announced: building a large simulation sends a busy message, then clears it.
    void buildingIsAnnounced() {
        app::SimulationController c(smallScenario());
        QTRY_VERIFY(c.latestFrame());
        QSignalSpy busy(&c, &app::SimulationController::busy);
        core::Scenario big = smallScenario();
        big.n = 3000;
        c.setScenario(big);
        QTRY_VERIFY_WITH_TIMEOUT(c.latestFrame()->n == 3000, 30000);
        QTRY_VERIFY(busy.count() >= 2);
        QVERIFY2(busy.at(0).at(0).toString().contains(QStringLiteral("n = 3000")),
                 qPrintable(busy.at(0).at(0).toString()));
        QVERIFY(busy.last().at(0).toString().isEmpty());
    }

    // An edit, a pause or a new scenario does not wait for a step of many seconds (n = 5000, H = 8 sat for
    // seconds): the step is abandoned, state unchanged, and the command applies at once.
    // Step pressed several times while paused: every press is one step, even when a press arrives while
    // the previous step is still computing (a step must not be abandoned for the next step).
    void everyStepPressIsAStep() {
        core::Scenario s = smallScenario();
#if defined(__SANITIZE_THREAD__)
        s.n = 600;
#else
        s.n = 3000;   // one step: tens of milliseconds, so the presses below arrive during a step
#endif
        s.heads.count = 4;
        app::SimulationController c(s);
        QTRY_VERIFY_WITH_TIMEOUT(c.latestFrame(), 60000);
        QVERIFY(!c.isRunning());
        for (int k = 0; k < 5; ++k) {
            c.stepOnce();
            QTest::qWait(5);
        }
        QTRY_COMPARE_WITH_TIMEOUT(c.latestFrame()->step, std::int64_t(5), 60000);
        QTest::qWait(200);
        QCOMPARE(c.latestFrame()->step, std::int64_t(5));
    }

    void commandsDoNotWaitForALongStep() {
        core::Scenario s = smallScenario();
#if defined(__SANITIZE_THREAD__)
        s.n = 1500;
#else
        s.n = 16000;  // one RK4 step with 4 heads: seconds on this machine, far beyond the 300 ms waits
#endif
        s.heads.count = 4;
        app::SimulationController c(s);
        QSignalSpy changed(&c, &app::SimulationController::scenarioChanged);
        QSignalSpy frames(&c, &app::SimulationController::frameAvailable);
        QTRY_VERIFY_WITH_TIMEOUT(c.latestFrame(), 60000);
        c.setSpeed(0);
        c.play();
        QTRY_VERIFY(c.isRunning());
        QTest::qWait(300);  // now inside the first step
        QElapsedTimer timer;
        timer.start();
        c.pause();
        QTRY_VERIFY_WITH_TIMEOUT(!c.isRunning(), 60000);
        const qint64 pauseMs = timer.elapsed();
        QTRY_VERIFY_WITH_TIMEOUT(frames.count() >= 2, 60000);  // the frame the pause publishes
        QCOMPARE(c.latestFrame()->step, std::int64_t(0));      // the abandoned step left no trace
        c.play();
        QTRY_VERIFY(c.isRunning());
        QTest::qWait(300);
        timer.restart();
        core::Scenario edited = s;
        edited.beta = 2;
        c.applyEdit(edited);
        QTRY_VERIFY_WITH_TIMEOUT(changed.count() == 1, 60000);
        const qint64 editMs = timer.elapsed();
        c.pause();
        QVERIFY2(editMs < 800 && pauseMs < 800,
                 qPrintable(
                     QStringLiteral("edit applied after %1 ms, pause after %2 ms").arg(editMs).arg(pauseMs)));
        QCOMPARE(c.scenario().beta, 2.0);
    }

    void shutdownInterruptsALongStep() {
        core::Scenario s = smallScenario();
#if defined(__SANITIZE_THREAD__)
        s.n = 1500;  // ThreadSanitizer slows the arithmetic ~20x: still a step of seconds
#else
        s.n = 16000;  // one RK4 step with 4 heads: seconds on this machine, far beyond the 300 ms waits
#endif
        s.heads.count = 4;
        auto c = std::make_unique<app::SimulationController>(s);
        QSignalSpy frames(c.get(), &app::SimulationController::frameAvailable);
        QTRY_VERIFY_WITH_TIMEOUT(frames.count() >= 1, 60000);
        c->setSpeed(0);
        c->play();
        QTRY_VERIFY(c->isRunning());
        QTest::qWait(300);  // now inside the first step
        QElapsedTimer timer;
        timer.start();
        c.reset();
        const qint64 ms = timer.elapsed();
        // Frames are acknowledged while we wait, so a step shorter than the wait would have published
        // step 1: the first step was still running at shutdown, yet shutdown returned promptly.
        for (const auto& args : frames) QCOMPARE(args.at(0).value<FramePtr>()->step, 0);
        QVERIFY2(ms < 5000, qPrintable(QStringLiteral("shutdown took %1 ms").arg(ms)));
    }
};

QTEST_GUILESS_MAIN(TestWorker)
#include "test_worker.moc"
