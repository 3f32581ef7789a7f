// The timeline's history (app/History.h) and the worker's fork: the budget holds and thinning is even
// and announced; a scrubbed frame's recomputed observables equal the live ones; a fork restores the
// kept state bit for bit (Dormand–Prince's adapted step included), drops the abandoned branch, and the
// saved session replays the kept branch exactly; export writes every kept frame.
#include "app/SimulationController.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

using namespace attnsphere;
using FramePtr = std::shared_ptr<const core::Frame>;

namespace {

core::Scenario smallScenario(core::IntegratorKind integrator = core::IntegratorKind::RK4) {
    core::Scenario s;
    s.name = "history-test";
    s.n = 20;
    s.d = 3;
    s.dt = 0.05;
    s.seed = 4;
    s.heads.count = 2;
    s.integrator = integrator;
    s.tEnd = 1e6;
    return s;
}

app::HistoryEntry entryAt(std::int64_t index, std::int64_t step) {
    core::Frame f;
    f.step = step;
    f.t = 0.1 * static_cast<double>(step);
    f.n = 1000;
    f.d = 3;
    f.H = 4;
    f.positions = core::Matrix::Zero(3, 1000);
    f.heads.resize(4);
    f.hasObservables = true;
    app::HistoryEntry e;
    e.frame = std::make_shared<const core::Frame>(f);
    e.index = index;
    return e;
}

void stepTo(app::SimulationController& c, std::int64_t step) {
    while (c.latestFrame()->step < step) {
        const std::int64_t before = c.latestFrame()->step;
        c.stepOnce();
        QTRY_VERIFY(c.latestFrame()->step > before);
    }
}

}  // namespace

class TestHistory : public QObject {
    Q_OBJECT
private slots:
    // The size: 10 000 frames of n = 1000, d = 3, H = 4 fit the default budget unthinned.
    void defaultBudgetHoldsTenThousandFrames() {
        const std::size_t bytes = app::History::entryBytes(*entryAt(0, 0).frame);
        QVERIFY2(10000 * bytes <= std::size_t(app::History::kDefaultBudgetMb) << 20,
                 qPrintable(QString::number(bytes)));
    }

    // A tiny budget: the history stays within it, keeps every stride-th frame (evenly spaced, the
    // first and a recent one included) and says so.
    void tinyBudgetThinsEvenly() {
        const std::size_t one = app::History::entryBytes(*entryAt(0, 0).frame);
        app::History h(one * 10 + one / 2);
        for (int k = 0; k < 100; ++k) {
            h.append(entryAt(k, k));
            QVERIFY(h.bytes() <= h.budget());
        }
        const auto kept = h.snapshot();
        const int stride = h.thinning().stride;
        QCOMPARE(stride, 16);
        QCOMPARE(kept.size(), std::size_t(7));  // 0, 16, …, 96
        for (std::size_t k = 0; k < kept.size(); ++k) QCOMPARE(kept[k].frame->step, std::int64_t(k) * stride);
        QVERIFY(
            QString::fromStdString(h.thinning().text()).startsWith(QStringLiteral("every 16th frame kept")));
        h.clear();
        QCOMPARE(h.thinning().stride, 1);
        QVERIFY(h.thinning().text().empty());
    }

    void slimFramesKeepScalarsAndPositions() {
        app::SimulationController c(smallScenario());
        QTRY_VERIFY(c.latestFrame());
        const core::Frame slim = app::History::slim(*c.latestFrame());
        QVERIFY(slim.positions == c.latestFrame()->positions);
        QCOMPARE(slim.energyTotal, c.latestFrame()->energyTotal);
        QCOMPARE(slim.heads[1].radialMaxAbs, c.latestFrame()->heads[1].radialMaxAbs);
        QCOMPARE(slim.heads[0].radial.size(), Eigen::Index(0));
        QCOMPARE(slim.heads[0].attention.size(), Eigen::Index(0));
    }

    // Scrub, edit, fork: the restored state is the kept one bit for bit, the run goes on from it, and
    // the saved session replays the kept branch.
    void forkRestoresExactlyAndReplays() {
        app::SimulationController c(smallScenario(core::IntegratorKind::DormandPrince));
        QTRY_VERIFY(c.latestFrame());
        stepTo(c, 4);
        core::Scenario edited = c.scenario();
        edited.beta = 3.0;
        c.applyEdit(edited);
        QTRY_COMPARE(c.scenario().beta, 3.0);
        stepTo(c, 9);
        edited.beta = 8.0;
        c.applyEdit(edited);
        QTRY_COMPARE(c.scenario().beta, 8.0);
        stepTo(c, 14);
        QTRY_COMPARE(c.history()->snapshot().back().frame->step, std::int64_t(14));

        // Scrub to step 6: its full observables are recomputed with beta 3 and equal the live frame's.
        std::vector<app::HistoryEntry> kept = c.history()->snapshot();
        const auto at =
            std::find_if(kept.begin(), kept.end(), [](const auto& e) { return e.frame->step == 6; });
        QVERIFY(at != kept.end());
        const app::HistoryEntry scrubbed = *at;
        QSignalSpy shown(&c, &app::SimulationController::historyFrame);
        c.showHistoryFrame(scrubbed);
        QTRY_COMPARE(shown.count(), 1);
        const FramePtr full = shown.at(0).at(0).value<FramePtr>();
        QCOMPARE(full->beta, 3.0);
        QVERIFY(full->positions == scrubbed.frame->positions);
        QCOMPARE(full->energyTotal, scrubbed.frame->energyTotal);
        QCOMPARE(full->heads[0].radial.size(), Eigen::Index(20));

        QSignalSpy frames(&c, &app::SimulationController::frameAvailable);
        c.forkFrom(scrubbed);
        QTRY_VERIFY(frames.count() >= 1);
        const FramePtr forked = frames.last().at(0).value<FramePtr>();
        QCOMPARE(forked->step, std::int64_t(6));
        QCOMPARE(forked->t, scrubbed.frame->t);
        QVERIFY(forked->positions == scrubbed.frame->positions);
        QTRY_COMPARE(c.scenario().beta, 3.0);  // the editor shows what ran at that step
        QCOMPARE(c.history()->snapshot().back().frame->step, std::int64_t(6));

        edited.beta = 5.0;
        c.applyEdit(edited);
        QTRY_COMPARE(c.scenario().beta, 5.0);
        stepTo(c, 10);
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("fork.json"));
        QSignalSpy saved(&c, &app::SimulationController::sessionSaved);
        c.saveSession(path);
        QTRY_COMPARE(saved.count(), 1);
        QVERIFY2(saved.at(0).at(0).toBool(), qPrintable(saved.at(0).at(1).toString()));
        const core::Session session = core::Session::fromFile(path.toStdString());
        bool hasFork = false;
        for (const auto& e : session.timeline) hasFork = hasFork || e.kind == core::SessionEventKind::Fork;
        QVERIFY(hasFork);
        core::SessionPlayer player(session);
        std::vector<core::Matrix> replayed;
        while (!player.finished()) {
            player.step();
            replayed.push_back(player.simulation().positions());
        }
        QCOMPARE(player.simulation().stepCount(), std::int64_t(10));
        QVERIFY(player.simulation().positions() == c.latestFrame()->positions);
        // The kept branch's history frames are the replay's states.
        for (const auto& e : c.history()->snapshot())
            if (e.frame->step > 0)
                QVERIFY(replayed[static_cast<std::size_t>(e.frame->step - 1)] == e.frame->positions);
    }

    // A frame of the run before a reset cannot be forked from: its log is gone.
    // A fast scrub: every frame shown is newer than the one before (an older scrub's frame finished after
    // a newer one never replaces it), the last shown is the last asked for, and after a fork no frame of
    // an earlier scrub appears.
    void scrubbedFramesAreShownNewestLastAndNotAfterFork() {
        app::SimulationController c(smallScenario());
        QTRY_VERIFY(c.latestFrame());
        stepTo(c, 30);
        const std::vector<app::HistoryEntry> kept = c.history()->snapshot();
        QVERIFY(kept.size() >= 30);
        QSignalSpy shown(&c, &app::SimulationController::historyFrame);
        for (int k = 0; k < 30; ++k) {
            c.showHistoryFrame(kept[static_cast<std::size_t>(k)]);
            QTest::qWait(1);
        }
        QTRY_VERIFY(!shown.isEmpty() && shown.last().at(0).value<FramePtr>()->step == kept[29].frame->step);
        for (qsizetype i = 1; i < shown.count(); ++i)
            QVERIFY(shown.at(i).at(0).value<FramePtr>()->step >
                    shown.at(i - 1).at(0).value<FramePtr>()->step);

        shown.clear();
        c.showHistoryFrame(kept[5]);
        c.forkFrom(kept[10]);
        QSignalSpy frames(&c, &app::SimulationController::frameAvailable);
        QTRY_VERIFY(!frames.isEmpty());
        QTest::qWait(200);
        QVERIFY(shown.isEmpty());
    }
    void forkNeverCrossesAReset() {
        app::SimulationController c(smallScenario());
        QTRY_VERIFY(c.latestFrame());
        stepTo(c, 3);
        const app::HistoryEntry old = c.history()->snapshot()[1];
        c.reset();
        QTRY_COMPARE(c.latestFrame()->step, std::int64_t(0));
        QSignalSpy rejected(&c, &app::SimulationController::editRejected);
        c.forkFrom(old);
        QTRY_COMPARE(rejected.count(), 1);
        QCOMPARE(c.history()->snapshot().front().run, c.history()->run());
        QVERIFY(old.run != c.history()->run());
    }

    void exportWritesEveryKeptFrame() {
        app::SimulationController c(smallScenario());
        QTRY_VERIFY(c.latestFrame());
        stepTo(c, 5);
        QTRY_COMPARE(c.history()->size(), std::size_t(6));
        QTemporaryDir dir;
        QSignalSpy done(&c, &app::SimulationController::exportFinished);
        c.exportData(dir.path(), {QStringLiteral("attnsphere")});
        QTRY_COMPARE(done.count(), 1);
        QVERIFY2(done.at(0).at(0).toBool(), qPrintable(done.at(0).at(1).toString()));
        QFile csv(dir.filePath(QStringLiteral("series.csv")));
        QVERIFY(csv.open(QIODevice::ReadOnly));
        QCOMPARE(csv.readAll().trimmed().split('\n').size(), 1 + 6);
    }
};

QTEST_GUILESS_MAIN(TestHistory)
#include "test_history.moc"
