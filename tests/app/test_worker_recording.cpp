// SimulationWorker's recording hooks: the session log replays to the live run's positions exactly,
// lockstep record frames every K steps, and back-pressure (no frame dropped; the worker waits).
#include "app/SimulationWorker.h"
#include "core/Session.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

using namespace attnsphere;

namespace {

core::Scenario scenario() {
    core::Scenario s;
    s.n = 16;
    s.d = 3;
    s.seed = 5;
    s.dt = 0.1;
    return s;
}

std::shared_ptr<const core::Frame> lastFrame(const QSignalSpy& spy) {
    return spy.last().at(0).value<std::shared_ptr<const core::Frame>>();
}

}  // namespace

class TestWorkerRecording : public QObject {
    Q_OBJECT
private slots:
    void sessionReplaysLiveRun() {
        app::SimulationWorker w(scenario());
        QSignalSpy frames(&w, &app::SimulationWorker::frameReady);
        QSignalSpy saved(&w, &app::SimulationWorker::sessionSaved);
        for (int k = 0; k < 4; ++k) w.stepOnce();
        core::Scenario edited = scenario();
        edited.beta = 3;
        edited.dt = 0.05;
        w.applyEdit(edited);
        w.recordCamera(core::SessionCamera{{1, 2, 3}, {0, 0, 0}, {0, 1, 0}, 35});
        for (int k = 0; k < 5; ++k) w.stepOnce();
        w.reset();  // a new segment from the edited scenario
        for (int k = 0; k < 3; ++k) w.stepOnce();
        const auto live = lastFrame(frames);
        QCOMPARE(live->step, std::int64_t(3));

        QTemporaryDir dir;
        w.saveSession(dir.filePath("s.json"));
        QCOMPARE(saved.count(), 1);
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
        app::SimulationWorker w(scenario());
        QSignalSpy rec(&w, &app::SimulationWorker::recordFrame);
        w.stepOnce();
        w.setRecording(3);
        for (int k = 0; k < 9; ++k) {
            w.stepOnce();
            w.recordPending().store(0);  // consumed at once
        }
        QCOMPARE(rec.count(), 4);
        QList<std::int64_t> steps;
        for (const auto& args : rec) steps << args.at(0).value<std::shared_ptr<const core::Frame>>()->step;
        QCOMPARE(steps, (QList<std::int64_t>{1, 4, 7, 10}));
        w.setRecording(0);
        w.stepOnce();
        QCOMPARE(rec.count(), 4);
    }

    void recorderBehindStopsTheWorker() {
        app::SimulationWorker w(scenario());
        w.setSpeed(0);  // as fast as possible
        QSignalSpy rec(&w, &app::SimulationWorker::recordFrame);
        w.setRecording(2);
        w.play();
        // Nobody consumes: at most kMaxRecordPending frames go out, and the worker waits.
        QTRY_COMPARE(rec.count(), app::SimulationWorker::kMaxRecordPending);
        QTest::qWait(300);
        QCOMPARE(rec.count(), app::SimulationWorker::kMaxRecordPending);
        // Consuming lets it step on; no frame was skipped.
        w.recordPending().store(0);
        QTRY_VERIFY(rec.count() >= 2 * app::SimulationWorker::kMaxRecordPending);
        w.pause();
        for (int i = 0; i < rec.count(); ++i)
            QCOMPARE(rec.at(i).at(0).value<std::shared_ptr<const core::Frame>>()->step, std::int64_t(2 * i));
    }
};

QTEST_GUILESS_MAIN(TestWorkerRecording)
#include "test_worker_recording.moc"
