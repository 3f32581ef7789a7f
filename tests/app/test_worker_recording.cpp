// The worker's recording hooks, driven through SimulationController on the simulation thread: the session
// log replays to the live run's positions exactly, lockstep record frames every K steps, and
// back-pressure (no frame dropped; the worker waits for the recorder).
#include "app/SimulationController.h"
#include "core/Session.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

using namespace attnsphere;
using FramePtr = std::shared_ptr<const core::Frame>;

namespace {

core::Scenario scenario() {
    core::Scenario s;
    s.n = 16;
    s.d = 3;
    s.seed = 5;
    s.dt = 0.1;
    return s;
}

}  // namespace

class TestWorkerRecording : public QObject {
    Q_OBJECT
private slots:
    void sessionReplaysLiveRun() {
        app::SimulationController c(scenario());
        QSignalSpy saved(&c, &app::SimulationController::sessionSaved);
        QSignalSpy changed(&c, &app::SimulationController::scenarioChanged);
        QTRY_VERIFY(c.latestFrame());
        for (int k = 0; k < 4; ++k) c.stepOnce();
        QTRY_COMPARE(c.latestFrame()->step, std::int64_t(4));
        core::Scenario edited = scenario();
        edited.beta = 3;
        edited.dt = 0.05;
        c.applyEdit(edited);
        QTRY_COMPARE(changed.count(), 1);
        c.logCamera(core::Camera{{1, 2, 3}, {0, 0, 0}, {0, 1, 0}, 35});
        for (int k = 0; k < 5; ++k) c.stepOnce();
        QTRY_COMPARE(c.latestFrame()->step, std::int64_t(9));
        c.reset();  // a new segment from the edited scenario
        QTRY_COMPARE(c.latestFrame()->step, std::int64_t(0));
        for (int k = 0; k < 3; ++k) c.stepOnce();
        QTRY_COMPARE(c.latestFrame()->step, std::int64_t(3));
        const FramePtr live = c.latestFrame();

        QTemporaryDir dir;
        c.saveSession(dir.filePath("s.json"));
        QTRY_COMPARE(saved.count(), 1);
        QVERIFY2(saved.last().at(0).toBool(), qPrintable(saved.last().at(1).toString()));

        const core::Session session = core::Session::fromFile(dir.filePath("s.json").toStdString());
        QCOMPARE(session.totalSteps(), std::int64_t(12));
        core::SessionPlayer player(session);
        while (!player.finished()) player.step();
        QCOMPARE(player.globalStep(), std::int64_t(12));
        QVERIFY(player.simulation().positions() == live->positions);
        QCOMPARE(player.simulation().model().beta, 3.0);
        QCOMPARE(player.simulation().dt(), 0.05);
        QCOMPARE(player.camera()->viewAngle, 35.0);
    }

    void lockstepRecordFrames() {
        app::SimulationController c(scenario());
        QSignalSpy rec(&c, &app::SimulationController::recordFrame);
        connect(&c, &app::SimulationController::recordFrame, &c,
                &app::SimulationController::recordFrameConsumed);
        c.stepOnce();
        c.setRecording(3);
        for (int k = 0; k < 9; ++k) c.stepOnce();
        QTRY_COMPARE(rec.count(), 4);
        QList<std::int64_t> steps;
        for (const auto& args : rec) steps << args.at(0).value<FramePtr>()->step;
        QCOMPARE(steps, (QList<std::int64_t>{1, 4, 7, 10}));
        c.setRecording(0);
        c.stepOnce();
        QTRY_COMPARE(c.latestFrame()->step, std::int64_t(11));
        QCOMPARE(rec.count(), 4);
    }

    // Attention matrices travel with record frames only when the recording asks (a heatmap panel).
    void recordFramesCarryAttentionWhenAsked() {
        app::SimulationController c(scenario());
        QSignalSpy rec(&c, &app::SimulationController::recordFrame);
        connect(&c, &app::SimulationController::recordFrame, &c,
                &app::SimulationController::recordFrameConsumed);
        c.setRecording(1);
        QTRY_COMPARE(rec.count(), 1);
        c.setRecording(1, true);
        QTRY_COMPARE(rec.count(), 2);
        const FramePtr without = rec.at(0).at(0).value<FramePtr>();
        const FramePtr with = rec.at(1).at(0).value<FramePtr>();
        QVERIFY(with->hasObservables && !with->heads.empty());
        QCOMPARE(with->heads.front().attention.rows(), Eigen::Index(with->n));
        QCOMPARE(without->heads.front().attention.size(), Eigen::Index(0));
        c.setRecording(0);
    }

    void recorderBehindStopsTheWorker() {
        app::SimulationController c(scenario());
        c.setSpeed(0);  // as fast as possible
        QSignalSpy rec(&c, &app::SimulationController::recordFrame);
        c.setRecording(2);
        c.play();
        // Nobody consumes: at most kMaxRecordPending frames go out, and the worker waits.
        QTRY_COMPARE(rec.count(), app::SimulationWorker::kMaxRecordPending);
        QTest::qWait(300);
        QCOMPARE(rec.count(), app::SimulationWorker::kMaxRecordPending);
        // Consuming lets it step on; no frame was skipped.
        connect(&c, &app::SimulationController::recordFrame, &c,
                &app::SimulationController::recordFrameConsumed);
        for (int k = 0; k < app::SimulationWorker::kMaxRecordPending; ++k) c.recordFrameConsumed();
        QTRY_VERIFY(rec.count() >= 2 * app::SimulationWorker::kMaxRecordPending);
        c.pause();
        for (int i = 0; i < rec.count(); ++i)
            QCOMPARE(rec.at(i).at(0).value<FramePtr>()->step, std::int64_t(2 * i));
    }

    // Frames of an earlier recording consumed after a new one started must not count against it
    // (recordPending went negative, and the back-pressure bound with it).
    void lateConsumptionDoesNotBreakBackPressure() {
        app::SimulationController c(scenario());
        QSignalSpy rec(&c, &app::SimulationController::recordFrame);
        QTRY_VERIFY(c.latestFrame());
        c.setRecording(1);
        for (int k = 0; k < 3; ++k) c.stepOnce();
        QTRY_COMPARE(rec.count(), 4);  // the start frame and three steps, none consumed yet
        c.setRecording(2);             // a new recording: its first frame is the current state
        QTRY_COMPARE(rec.count(), 5);
        for (int k = 0; k < 4; ++k) c.recordFrameConsumed();  // the old recording's frames, consumed late
        rec.clear();
        c.setSpeed(0);
        c.play();
        // One frame of the new recording is pending: at most kMaxRecordPending - 1 more go out.
        QTRY_COMPARE(rec.count(), app::SimulationWorker::kMaxRecordPending - 1);
        QTest::qWait(300);
        QCOMPARE(rec.count(), app::SimulationWorker::kMaxRecordPending - 1);
        c.pause();
    }
};

QTEST_GUILESS_MAIN(TestWorkerRecording)
#include "test_worker_recording.moc"
