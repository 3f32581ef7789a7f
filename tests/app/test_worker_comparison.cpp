// ComparisonController / ComparisonWorker: one frame per run at the same simulated time, identical
// starting positions, play/pause/step/reset/speed applied between ticks, and shutdown while running.
// Threading test: also run under ThreadSanitizer (see test_worker.cpp and .ci/run).
#include "app/ComparisonWorker.h"
#include "app/WorkerThread.h"

#include <QSignalSpy>
#include <QtTest>

#include "ThreadNice.h"

using namespace attnsphere;

namespace {

core::Comparison smallComparison() {
    return core::Comparison::fromJsonText(
        R"({"format": "attnsphere-comparison", "version": 1,
            "base": {"n": 16, "d": 3, "beta": 2, "seed": 5, "t_end": 1000, "integrator": {"dt": 0.05}},
            "runs": [{"name": "softmax"}, {"name": "ReLU", "changes": {"kernel": "relu"}},
                     {"name": "fine", "changes": {"integrator": {"method": "euler", "dt": 0.025}}}]})");
}

void checkSameTime(const app::RunFrames& frames) {
    QCOMPARE(frames.size(), std::size_t{3});
    for (const auto& f : frames) {
        QVERIFY(f);
        QVERIFY(f->hasObservables);
        QVERIFY2(qAbs(f->t - frames.front()->t) < 1e-9,
                 qPrintable(QString("t %1 vs %2").arg(f->t).arg(frames.front()->t)));
    }
}

}  // namespace

class TestWorkerComparison : public QObject {
    Q_OBJECT
private slots:
    // The comparison's thread yields the CPU to the GUI and the rasteriser (app/WorkerThread.h).
    void comparisonRunsBehindDisplay() {
        app::ComparisonController c(smallComparison());
        QTRY_VERIFY(!c.latestFrames().empty());
        const auto main = testing::niceOfMainThread();
        const auto worker = testing::niceOfThread(QStringLiteral("comparison"));
        QVERIFY(main && worker);
        QCOMPARE(*worker, std::min(19, *main + app::kWorkerNice));
    }
    void framesPerRunInLockstep() {
        app::ComparisonController c(smallComparison());
        QSignalSpy frames(&c, &app::ComparisonController::framesAvailable);
        QTRY_VERIFY(!c.latestFrames().empty());
        const app::RunFrames first = c.latestFrames();
        checkSameTime(first);
        QCOMPARE(first.front()->t, 0.0);
        for (const auto& f : first) QVERIFY(f->positions == first.front()->positions);

        c.stepOnce();
        c.stepOnce();
        QTRY_VERIFY(c.latestFrames().front()->t > 0.099);
        checkSameTime(c.latestFrames());
        QVERIFY(qAbs(c.latestFrames().front()->t - 0.1) < 1e-12);
        QCOMPARE(c.latestFrames()[2]->step, std::int64_t{4});  // dt 0.025: four steps per two ticks

        c.setSpeed(0);
        c.play();
        QTRY_VERIFY(c.isRunning());
        QTRY_VERIFY(c.latestFrames().front()->t > 2);
        c.pause();
        QTRY_VERIFY(!c.isRunning());
        const double pausedAt = c.latestFrames().front()->t;
        QTest::qWait(200);
        QCOMPARE(c.latestFrames().front()->t, pausedAt);
        checkSameTime(c.latestFrames());
        QVERIFY(c.latestFrames()[0]->positions != c.latestFrames()[1]->positions);

        c.reset();
        QTRY_COMPARE(c.latestFrames().front()->t, 0.0);
        for (const auto& f : c.latestFrames()) QVERIFY(f->positions == first.front()->positions);
    }

    void pacedBySpeedAndStopsAtTEnd() {
        core::Comparison comparison = smallComparison();
        comparison.base.tEnd = 0.5;
        app::ComparisonController c(comparison);
        QSignalSpy end(&c, &app::ComparisonController::endReached);
        c.setSpeed(1.0);
        QElapsedTimer wall;
        wall.start();
        c.play();
        QTRY_VERIFY_WITH_TIMEOUT(end.count() == 1, 10000);
        // Half a simulated second at one per second: not before about half a wall second.
        QVERIFY2(wall.elapsed() > 350, qPrintable(QString::number(wall.elapsed())));
        QTRY_VERIFY(!c.isRunning());
        QTRY_VERIFY(qAbs(c.latestFrames().front()->t - 0.5) < 1e-9);
    }

    void shutdownWhileRunning() {
        auto c = std::make_unique<app::ComparisonController>(smallComparison());
        c->setSpeed(0);
        c->play();
        QTRY_VERIFY(c->isRunning());
        QElapsedTimer wall;
        wall.start();
        c.reset();
        QVERIFY(wall.elapsed() < 2000);
    }
};

QTEST_GUILESS_MAIN(TestWorkerComparison)
#include "test_worker_comparison.moc"
