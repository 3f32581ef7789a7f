// The phase-diagram window under Xvfb: a result folder opens, a click on a cell loads that grid point with
// the chosen start into the main window (the sweep's exact start), "you are here" follows the live run,
// a bad folder shows a banner and no dialog, and a background sweep runs, reports and can be cancelled
// while the window keeps responding.
#include "app/SimulationController.h"
#include "app/SweepRunner.h"
#include "core/Sweep.h"
#include "render/PhasePlot.h"
#include "ui/MainWindow.h"
#include "ui/PhaseWindow.h"
#include "ui/SphereView.h"

#include <qcustomplot.h>

#include <QApplication>
#include <QDialog>
#include <QElapsedTimer>
#include <QFile>
#include <QProgressBar>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

using namespace attnsphere;

namespace {

std::unique_ptr<ui::MainWindow> makeWindow() {
    ui::MainWindow::Options options;
    options.interactive = false;
    options.restoreLayout = false;
    options.startRunning = false;
    auto window =
        std::make_unique<ui::MainWindow>(core::Scenario::load("default"), QStringLiteral("default"), options);
    window->resize(1200, 800);
    window->show();
    if (!QTest::qWaitForWindowExposed(window.get())) return nullptr;
    if (!QTest::qWaitFor([&] { return window->controller()->latestFrame() != nullptr; })) return nullptr;
    return window;
}

// The paper's model (one softmax head, Q^T K = V = I) with n tokens on S^(d-1).
core::Scenario paperModel(int n, int d) {
    core::Scenario base = core::Sweep::load("phase-diagram-rigollet").base;
    base.n = n;
    base.d = d;
    return base;
}

// A tiny computed sweep: n = 8 on S^3, three betas, two starts, t = 0 … 4.
core::Sweep tinySweep() {
    core::Scenario base = paperModel(8, 4);
    base.n = 8;
    base.d = 4;
    ui::SmallSweepSettings settings;
    settings.betaFrom = 0.5;
    settings.betaTo = 2.5;
    settings.count = 3;
    settings.starts = 2;
    settings.tEnd = 4;
    settings.checkpoints = 5;
    return ui::makeSmallSweep(base, settings);
}

app::SweepRunOptions inFolder(const QString& dir) {
    app::SweepRunOptions options;
    options.outDir = dir.toStdString();
    options.threads = 1;
    return options;
}

bool noModalDialog() {
    return QApplication::activeModalWidget() == nullptr;
}

}  // namespace

class TestPhaseWindow : public QObject {
    Q_OBJECT
private slots:
    void openResultAndClickACell() {
        const core::Sweep sweep = tinySweep();
        QTemporaryDir dir;
        const app::SweepRunReport report = app::runSweep(sweep, inFolder(dir.path()));
        QVERIFY(report.complete);
        auto main = makeWindow();
        QVERIFY(main);
        ui::PhaseWindow* w = ui::phaseWindow(*main);
        QCOMPARE(ui::phaseWindow(*main), w);  // one per main window
        w->show();
        QVERIFY(QTest::qWaitForWindowExposed(w));
        QVERIFY(w->openResult(dir.path()));
        QVERIFY(w->message().isEmpty());
        render::PhasePlot* plot = w->plot();
        QVERIFY(plot->hasSweep());
        QCOMPARE(plot->colourMap()->data()->keySize(), 5);
        QCOMPARE(plot->colourMap()->data()->valueSize(), 3);
        QCOMPARE(plot->colourMap()->data()->cell(4, 2), report.result.at(2, 4, plot->column()));
        plot->plot()->replot();

        // Click the cell of beta = 1.5 (point 1) at t = 3 with start 1.
        w->setStart(1);
        const QPoint at(qRound(plot->plot()->xAxis->coordToPixel(3.1)),
                        qRound(plot->plot()->yAxis->coordToPixel(1.45)));
        QTest::mouseClick(plot->plot(), Qt::LeftButton, {}, at);
        const core::Scenario expected = sweep.scenarioAt(1, 1);
        app::SimulationController* c = main->controller();
        QTRY_VERIFY(c->scenario().toJson() == expected.toJson());
        QTRY_VERIFY(c->latestFrame()->n == 8 && c->latestFrame()->step == 0);
        QCOMPARE(c->latestFrame()->beta, 1.5);
        QVERIFY(c->latestFrame()->positions == expected.buildPositions());
        QVERIFY(main->windowTitle().contains(QStringLiteral("start 1")));
    }

    void youAreHereFollowsTheRun() {
        auto main = makeWindow();
        QVERIFY(main);
        ui::PhaseWindow* w = ui::phaseWindow(*main);
        w->show();
        const core::Sweep sweep = tinySweep();
        const app::SweepRunReport report = app::runSweep(sweep, {});
        QVERIFY(report.complete);
        w->showSweep(sweep, report.result);
        core::Scenario s = sweep.scenarioAt(2, 0);
        main->loadScenario(s, QStringLiteral("point"));
        app::SimulationController* c = main->controller();
        QTRY_VERIFY(c->latestFrame()->n == 8 && c->latestFrame()->step == 0);
        for (int k = 0; k < 7; ++k) c->stepOnce();
        QTRY_VERIFY(c->latestFrame()->step == 7);
        QTRY_VERIFY(w->plot()->here().has_value() && w->plot()->here()->x() == c->latestFrame()->t);
        QCOMPARE(w->plot()->here()->y(), 2.5);
        QCOMPARE(w->plot()->hereGraph()->dataCount(), 1);
        // A frame from elsewhere (e.g. another beta) moves it.
        core::Frame frame = *c->latestFrame();
        frame.beta = 0.75;
        frame.t = 1.25;
        w->takeFrame(frame);
        QCOMPARE(*w->plot()->here(), QPointF(1.25, 0.75));
    }

    void badFolderShowsABannerWithoutADialog() {
        auto main = makeWindow();
        QVERIFY(main);
        ui::PhaseWindow* w = ui::phaseWindow(*main);
        w->show();
        QTemporaryDir dir;
        QFile junk(dir.filePath("sweep.npy"));
        QVERIFY(junk.open(QIODevice::WriteOnly));
        junk.write("not a numpy file");
        junk.close();
        QVERIFY(!w->openResult(dir.path()));
        QVERIFY(!w->message().isEmpty());
        QVERIFY2(w->message().contains(dir.path()), qPrintable(w->message()));
        QVERIFY(noModalDialog());
        QVERIFY(!w->plot()->hasSweep());
        QVERIFY(!w->openResult(dir.filePath("missing")));
        QVERIFY(noModalDialog());
        // A good result afterwards clears the banner.
        QTemporaryDir good;
        QVERIFY(app::runSweep(tinySweep(), inFolder(good.path())).complete);
        QVERIFY(w->openResult(good.path()));
        QVERIFY(w->message().isEmpty());
    }

    void backgroundSweepRunsAndCancels() {
        auto main = makeWindow();
        QVERIFY(main);
        ui::PhaseWindow* w = ui::phaseWindow(*main);
        w->show();
        QVERIFY(QTest::qWaitForWindowExposed(w));
        // To the end: the plot shows what runSweep computes in the foreground.
        QSignalSpy finished(w, &ui::PhaseWindow::sweepFinished);
        const core::Sweep small = tinySweep();
        QVERIFY(w->startSweep(small));
        QVERIFY(w->sweepRunning());
        QVERIFY(!w->startSweep(small));  // one at a time
        QVERIFY(finished.wait(60000));
        QCOMPARE(finished[0][0].toBool(), true);
        QVERIFY(!w->sweepRunning());
        QVERIFY(w->plot()->hasSweep());
        const app::SweepRunReport direct = app::runSweep(small, {});
        QVERIFY(w->plot()->result().values == direct.result.values);

        // A long one, cancelled: the GUI thread keeps turning meanwhile.
        ui::SmallSweepSettings big;
        big.count = 20;
        big.starts = 64;
        big.tEnd = 30;
        const core::Scenario base = paperModel(64, 8);
        QVERIFY(w->startSweep(ui::makeSmallSweep(base, big)));
        QTRY_VERIFY(w->progressBar()->value() > 0);
        QElapsedTimer gap;
        gap.start();
        int longest = 0;
        QTimer tick;
        tick.setInterval(10);
        connect(&tick, &QTimer::timeout,
                [&] { longest = std::max(longest, static_cast<int>(gap.restart())); });
        tick.start();
        QTest::qWait(300);
        QVERIFY2(longest < 200, qPrintable(QString::number(longest)));
        QElapsedTimer cancel;
        cancel.start();
        w->cancelSweep();
        QVERIFY(finished.wait(10000));
        QCOMPARE(finished[1][0].toBool(), false);
        QVERIFY2(cancel.elapsed() < 3000, qPrintable(QString::number(cancel.elapsed())));
        QVERIFY(!w->sweepRunning());
        QCOMPARE(w->message(), QStringLiteral("Sweep cancelled."));
        QVERIFY(w->plot()->result().values == direct.result.values);  // the finished sweep stays
        QVERIFY(!w->progressBar()->isVisible());

        // Closing the main window during a sweep ends it promptly.
        QVERIFY(w->startSweep(ui::makeSmallSweep(base, big)));
        QTRY_VERIFY(w->progressBar()->value() > 0);
        QElapsedTimer close;
        close.start();
        main.reset();
        QVERIFY2(close.elapsed() < 5000, qPrintable(QString::number(close.elapsed())));
    }
};

int main(int argc, char** argv) {
    ui::SphereView::prepareOpenGl();
    QApplication app(argc, argv);
    TestPhaseWindow test;
    return QTest::qExec(&test, argc, argv);
}
#include "test_phase_window.moc"
