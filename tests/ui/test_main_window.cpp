// The main window wired together under Xvfb: frames reach the view and all four panels, the shortcuts
// drive the simulation thread, a selection reaches every panel, and closing during a run is prompt.
#include "render/PanelRegistry.h"
#include "render/PlotPanel.h"
#include "ui/MainWindow.h"
#include "ui/ManipulationTools.h"
#include "ui/SphereView.h"
#include "ui/StatusMessages.h"

#include <QAction>
#include <QApplication>
#include <QDockWidget>
#include <QDoubleSpinBox>
#include <QElapsedTimer>
#include <QLabel>
#include <QMainWindow>
#include <QMessageBox>
#include <QProcess>
#include <QProgressBar>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QtTest>

using namespace attnsphere;

namespace {

std::unique_ptr<ui::MainWindow> makeWindow(const core::Scenario& s, bool interactive = false,
                                           bool waitForFrame = true) {
    ui::MainWindow::Options options;
    options.interactive = interactive;
    options.restoreLayout = false;
    options.startRunning = false;
    auto window = std::make_unique<ui::MainWindow>(s, QString::fromStdString(s.name), options);
    window->resize(1600, 950);
    window->show();
    if (!QTest::qWaitForWindowExposed(window.get())) return nullptr;
    window->activateWindow();  // Xvfb has no window manager: window shortcuts need the active window
    if (!QTest::qWaitForWindowActive(window.get())) return nullptr;
    if (waitForFrame && !QTest::qWaitFor([&] { return window->controller()->latestFrame() != nullptr; }))
        return nullptr;
    return window;
}

}  // namespace

class TestMainWindow : public QObject {
    Q_OBJECT
private slots:
    void shortcutsPanelsSelectionAndClose() {
        ui::MainWindow::Options options;
        options.interactive = false;
        options.restoreLayout = false;
        options.startRunning = false;
        auto window = std::make_unique<ui::MainWindow>(core::Scenario::load("default"),
                                                       QStringLiteral("default"), options);
        window->resize(1600, 950);
        window->show();
        QVERIFY(QTest::qWaitForWindowExposed(window.get()));
        // Xvfb has no window manager: activate explicitly (window shortcuts need the active window).
        window->activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(window.get()));
        app::SimulationController* c = window->controller();
        QTRY_VERIFY(c->latestFrame());
        QCOMPARE(c->latestFrame()->step, 0);
        QVERIFY(!c->isRunning());

        // S: one step; Space: play; Space: pause; R: reset. (Not while a text field has the focus: there the
        // keys are typed.)
        if (QWidget* focus = QApplication::focusWidget()) focus->clearFocus();
        QTest::keyClick(window->windowHandle(), Qt::Key_S);
        QTRY_COMPARE(c->latestFrame()->step, 1);
        QTest::keyClick(window->windowHandle(), Qt::Key_Space);
        QTRY_VERIFY(c->isRunning());
        QTRY_VERIFY(c->latestFrame()->step > 5);
        QTRY_VERIFY(window->sphereView()->paintCount() > 3);
        QTRY_VERIFY(window->panelRefreshCount() > 3);
        QTest::keyClick(window->windowHandle(), Qt::Key_Space);
        QTRY_VERIFY(!c->isRunning());
        QTest::keyClick(window->windowHandle(), Qt::Key_R);
        QTRY_COMPARE(c->latestFrame()->step, 0);

        // Every panel is in a visible dock, and a selection reaches all of them and the view.
        // The panel docks are the registry's, in its order, besides the parameters.
        const auto docks = window->findChildren<QDockWidget*>();
        QCOMPARE(docks.size(), 1 + static_cast<qsizetype>(render::panelRegistry().size()));
        for (QDockWidget* d : docks) QVERIFY2(d->isVisible(), qPrintable(d->windowTitle()));
        QCOMPARE(window->panels().size(), render::panelRegistry().size());
        for (std::size_t k = 0; k < render::panelRegistry().size(); ++k) {
            const render::PanelInfo& info = render::panelRegistry()[k];
            auto* dock = window->findChild<QDockWidget*>(info.id);
            QVERIFY2(dock, qPrintable(info.id));
            QCOMPARE(dock->windowTitle(), info.title);
            QCOMPARE(dock->widget(), static_cast<QWidget*>(window->panels()[k]));
            QCOMPARE(window->dockWidgetArea(dock), info.area);
        }
        window->selectToken(5);
        QCOMPARE(window->sphereView()->selectedToken(), 5);
        for (render::PlotPanel* p : window->panels()) QCOMPARE(p->selectedToken(), 5);

        // Closing while running returns promptly and stops the thread.
        QTest::keyClick(window->windowHandle(), Qt::Key_Space);
        QTRY_VERIFY(c->isRunning());
        QElapsedTimer timer;
        timer.start();
        window->close();
        window.reset();
        QVERIFY2(timer.elapsed() < 5000, qPrintable(QString::number(timer.elapsed())));
    }

    // Space, S, R, F reach the simulation wherever the focus is, except while the user is typing in a
    // field; Enter applies what was typed, Escape leaves the field without applying it.
    void keysWorkWithTheFocusInAField() {
        auto window = makeWindow(core::Scenario::load("default"));
        QVERIFY(window);
        app::SimulationController* c = window->controller();
        auto* beta = window->findChild<QDoubleSpinBox*>(QStringLiteral("beta"));
        QVERIFY(beta);
        QCursor::setPos(beta->mapToGlobal(beta->rect().center()));
        beta->setFocus();
        QTRY_VERIFY(beta->hasFocus());
        // Edit the field: select all, type, Enter.
        QTest::keyClick(beta, Qt::Key_A, Qt::ControlModifier);
        QTest::keyClicks(beta, QStringLiteral("2"));
        QTest::keyClick(beta, Qt::Key_Return);
        QTRY_COMPARE(c->scenario().beta, 2.0);
        // Xvfb without a window manager may move the X focus to the view's GL window meanwhile; a user's
        // focus stays in the field, so put it back.
        beta->setFocus();
        QTRY_VERIFY(beta->hasFocus());
        // The focus is still in the field: Space pauses and plays, S steps.
        QTest::keyClick(beta, Qt::Key_Space);
        QTRY_VERIFY(c->isRunning());
        QTest::keyClick(beta, Qt::Key_Space);
        QTRY_VERIFY(!c->isRunning());
        const auto before = c->latestFrame()->step;
        QTest::keyClick(beta, Qt::Key_S);
        QTRY_COMPARE(c->latestFrame()->step, before + 1);
        QCOMPARE(beta->value(), 2.0);
        // While typing, keys go to the field; Escape leaves it without applying.
        QTest::keyClick(beta, Qt::Key_A, Qt::ControlModifier);
        QTest::keyClicks(beta, QStringLiteral("3"));
        QTest::keyClick(beta, Qt::Key_Space);
        QTest::qWait(300);
        QVERIFY(!c->isRunning());
        QTest::keyClick(beta, Qt::Key_Escape);
        QVERIFY(!beta->hasFocus());
        QTest::qWait(400);
        QCOMPARE(c->scenario().beta, 2.0);
        QCOMPARE(beta->value(), 2.0);
        QTest::keyClick(window->windowHandle(), Qt::Key_Space);
        QTRY_VERIFY(c->isRunning());
        c->pause();
        QTRY_VERIFY(!c->isRunning());
    }

    // The play action names what it will do and is never a checked "Pause"; the shortcut list comes
    // from the actions themselves.
    void playActionAndShortcutList() {
        auto window = makeWindow(core::Scenario::load("default"));
        QVERIFY(window);
        QAction* play = nullptr;
        for (QAction* a : window->findChildren<QAction*>())
            if (a->shortcut() == QKeySequence(Qt::Key_Space)) play = a;
        QVERIFY(play);
        QCOMPARE(play->text(), QStringLiteral("Play"));
        QVERIFY(!play->isChecked());
        QTest::keyClick(window->windowHandle(), Qt::Key_Space);
        QTRY_VERIFY(window->controller()->isRunning());
        QTRY_COMPARE(play->text(), QStringLiteral("Pause"));
        QVERIFY(!play->isChecked());
        window->controller()->pause();
        QTRY_COMPARE(play->text(), QStringLiteral("Play"));

        const QString text = window->shortcutsText();
        QVERIFY2(text.contains(QStringLiteral("Ctrl+Shift+R")) && text.contains(QStringLiteral("Ctrl+Q")),
                 qPrintable(text));
        for (QAction* a : window->findChildren<QAction*>())
            if (!a->shortcut().isEmpty())
                QVERIFY2(text.contains(a->shortcut().toString(QKeySequence::NativeText)),
                         qPrintable(a->text()));
    }

    // A refused edit (d = 2 with three orthogonal blocks) says why at once, and the field shows what runs.
    void refusedEditRevertsTheField() {
        core::Scenario s = core::Scenario::load("default");
        s.heads.count = 3;
        s.heads.kind = core::HeadsKind::OrthogonalBlocks;
        s.heads.alpha.clear();
        s.heads.scale = {1.0};
        s.heads.beta.clear();
        auto window = makeWindow(s);
        QVERIFY(window);
        app::SimulationController* c = window->controller();
        auto* d = window->findChild<QSpinBox*>(QStringLiteral("d"));
        QVERIFY(d);
        d->setFocus();
        QTest::keyClick(d, Qt::Key_A, Qt::ControlModifier);
        QTest::keyClicks(d, QStringLiteral("2"));
        QTest::keyClick(d, Qt::Key_Return);
        QTRY_COMPARE(d->value(), 3);
        auto* error = window->findChild<QLabel*>(QStringLiteral("error"));
        QVERIFY(error && error->isVisible());
        QVERIFY2(error->text().contains(QStringLiteral("heads.count")), qPrintable(error->text()));
        // Also where the user looks when the panel's message is scrolled out of view.
        QVERIFY2(window->statusBar()->currentMessage().contains(QStringLiteral("heads.count")),
                 qPrintable(window->statusBar()->currentMessage()));
        QTest::qWait(500);
        QCOMPARE(c->scenario().d, 3);
        QCOMPARE(c->latestFrame()->d, 3);
    }

    // A numerical error pauses the run and opens a dialog that does not block the window.
    void numericalErrorShowsANonBlockingDialog() {
        core::Scenario s = core::Scenario::load("default");
        s.kernel = core::KernelKind::Exp;
        s.beta = 1000;
        s.tEnd = 1000;
        // The t = 0 observables already overflow: the first frame fails.
        auto window = makeWindow(s, /*interactive=*/true, /*waitForFrame=*/false);
        QVERIFY(window);
        // Safety net for a blocking dialog (exec): closed after 5 s so the test fails instead of hanging.
        QTimer::singleShot(5000, [] {
            if (QWidget* modal = QApplication::activeModalWidget()) modal->close();
        });
        window->controller()->play();
        QMessageBox* box = nullptr;
        QTRY_VERIFY_WITH_TIMEOUT(
            (box = window->findChild<QMessageBox*>(QStringLiteral("errorDialog"))) && box->isVisible(), 4000);
        QVERIFY2(box->text().contains(QStringLiteral("step")) && box->text().contains(QStringLiteral("β")),
                 qPrintable(box->text()));
        QTRY_VERIFY(!window->controller()->isRunning());
        box->close();
    }

    // Save scenario names the window; "current state as start" continues from the shown positions.
    void saveCurrentStateAndTitle() {
        auto window = makeWindow(core::Scenario::load("default"));
        QVERIFY(window);
        app::SimulationController* c = window->controller();
        QVERIFY(window->windowTitle().contains(QStringLiteral("default")));
        for (int k = 0; k < 5; ++k) c->stepOnce();
        QTRY_COMPARE(c->latestFrame()->step, std::int64_t(5));
        QTest::qWait(100);
        QTemporaryDir dir;
        QVERIFY(window->saveScenarioTo(dir.filePath("a.json"), false));
        QVERIFY2(window->windowTitle().contains(QStringLiteral("a.json")), qPrintable(window->windowTitle()));
        QVERIFY(window->saveScenarioTo(dir.filePath("state.json"), true));
        const core::Scenario state = core::Scenario::fromFile(dir.filePath("state.json").toStdString());
        QCOMPARE(state.init.kind, core::InitKind::Points);
        const core::Matrix shown = c->latestFrame()->positions;
        QVERIFY((state.buildPositions() - shown).cwiseAbs().maxCoeff() < 1e-12);
        window->loadScenario(state, dir.filePath("state.json"));
        QTRY_VERIFY(c->latestFrame()->step == 0);
        QVERIFY((c->latestFrame()->positions - shown).cwiseAbs().maxCoeff() < 1e-12);
        QVERIFY2(window->windowTitle().contains(QStringLiteral("state.json")),
                 qPrintable(window->windowTitle()));
    }

    // Ctrl+drag on a token in the window moves it under the mouse; Perturb, Add token and Remove token act
    // through the Manipulate toolbar (n 16 → 17 → 16); the saved session replays the live run bit for bit.
    void manipulateAndReplay() {
        core::Scenario s = core::Scenario::load("default");
        s.n = 16;
        auto window = makeWindow(s);
        QVERIFY(window);
        app::SimulationController* c = window->controller();
        ui::SphereView* view = window->sphereView();
        ui::ManipulationTools* tools = window->manipulation();
        QVERIFY(tools);
        c->stepOnce();
        QTRY_COMPARE(c->latestFrame()->step, std::int64_t(1));
        view->setViewPreset(render::ViewPreset::Front);
        QTRY_VERIFY(view->currentFrame() == c->latestFrame());
        // The token nearest the camera, so it is in front and unhidden.
        const core::Camera cam = view->camera();
        const Eigen::Vector3d toCamera =
            (Eigen::Vector3d(cam.position.data()) - Eigen::Vector3d(cam.focalPoint.data())).normalized();
        Eigen::Index token = 0;
        (toCamera.transpose() * c->latestFrame()->positions).maxCoeff(&token);
        const QPoint from = view->tokenPosition(int(token)).toPoint();
        const QPoint to = from + QPoint(25, 15);
        QTest::mousePress(view->glWindow(), Qt::LeftButton, Qt::ControlModifier, from);
        QTest::mouseMove(view->glWindow(), to);
        QTest::mouseRelease(view->glWindow(), Qt::LeftButton, Qt::ControlModifier, to);
        // Drawn where the mouse let go.
        QTRY_VERIFY((view->tokenPosition(int(token)) - QPointF(to)).manhattanLength() < 2.0);
        QCOMPARE(c->latestFrame()->step, std::int64_t(1));

        c->stepOnce();
        QTRY_COMPARE(c->latestFrame()->step, std::int64_t(2));
        const core::Matrix before = c->latestFrame()->positions;
        window->selectToken(-1);
        tools->perturbAction()->trigger();  // every token
        QTRY_VERIFY(c->latestFrame()->positions != before);
        tools->addAction()->trigger();
        QCOMPARE(view->tool(), ui::SphereView::Tool::AddToken);
        QTest::mouseClick(view->glWindow(), Qt::LeftButton, {}, from);
        QTRY_COMPARE(c->latestFrame()->n, 17);
        window->selectToken(3);
        tools->removeAction()->trigger();
        QTRY_COMPARE(c->latestFrame()->n, 16);
        tools->rotateAction()->trigger();
        c->stepOnce();
        c->stepOnce();
        QTRY_COMPARE(c->latestFrame()->step, std::int64_t(4));

        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("session.json"));
        QSignalSpy saved(c, &app::SimulationController::sessionSaved);
        c->saveSession(path);
        QTRY_COMPARE(saved.count(), 1);
        QVERIFY2(saved.at(0).at(0).toBool(), qPrintable(saved.at(0).at(1).toString()));
        core::SessionPlayer player(core::Session::fromFile(path.toStdString()));
        while (!player.finished()) player.step();
        QCOMPARE(player.simulation().stepCount(), std::int64_t(4));
        QVERIFY(player.simulation().positions() == c->latestFrame()->positions);
    }

    // With "Pause while dragging" a running simulation waits from the press on a token to the release,
    // then runs on; without it, it keeps running.
    void pauseWhileDraggingWaitsForTheRelease() {
        core::Scenario s = core::Scenario::load("default");
        s.n = 16;
        auto window = makeWindow(s);
        QVERIFY(window);
        app::SimulationController* c = window->controller();
        ui::SphereView* view = window->sphereView();
        ui::ManipulationTools* tools = window->manipulation();
        view->setViewPreset(render::ViewPreset::Front);
        for (bool pauses : {true, false}) {
            tools->pauseWhileDraggingAction()->setChecked(pauses);
            c->pause();
            QTRY_VERIFY(!c->isRunning());
            QTRY_VERIFY(view->currentFrame() == c->latestFrame());
            const core::Camera cam = view->camera();
            const Eigen::Vector3d toCamera =
                (Eigen::Vector3d(cam.position.data()) - Eigen::Vector3d(cam.focalPoint.data())).normalized();
            Eigen::Index token = 0;
            (toCamera.transpose() * c->latestFrame()->positions).maxCoeff(&token);
            c->play();
            QTRY_VERIFY(c->isRunning());
            // Where the token is drawn now: no repaint can come between this and the press.
            const QPoint at = view->tokenPosition(int(token)).toPoint();
            QTest::mousePress(view->glWindow(), Qt::LeftButton, Qt::ControlModifier, at);
            QCOMPARE(view->draggedToken(), int(token));
            QTRY_COMPARE(c->isRunning(), !pauses);
            QTest::mouseMove(view->glWindow(), at + QPoint(10, 10));
            QTest::mouseRelease(view->glWindow(), Qt::LeftButton, Qt::ControlModifier, at + QPoint(10, 10));
            QTRY_VERIFY(c->isRunning());
        }
    }

    // A preset brings its own playback speed; the previous preset's does not carry over.
    void presetsBringTheirOwnSpeed() {
        auto window = makeWindow(core::Scenario::load("default"));
        QVERIFY(window);
        app::SimulationController* c = window->controller();
        const core::Scenario hemi = core::Scenario::load("hemisphere-collapse");
        window->loadScenario(hemi, QStringLiteral("hemisphere-collapse"));
        QCOMPARE(c->speed(), app::SimulationController::playbackSpeed(hemi));
        auto* speed = window->findChild<QDoubleSpinBox*>(QStringLiteral("speed"));
        speed->setValue(7);
        QCOMPARE(c->speed(), 7.0);
        const core::Scenario circle = core::Scenario::load("circle-metastability");
        window->loadScenario(circle, QStringLiteral("circle-metastability"));
        QCOMPARE(c->speed(), app::SimulationController::playbackSpeed(circle));
        QVERIFY(c->speed() != 7.0);
        QCOMPARE(speed->value(), c->speed());
        QTRY_VERIFY2(window->windowTitle().contains(QStringLiteral("circle-metastability")),
                     qPrintable(window->windowTitle()));
    }

    // Building a large scenario shows a busy indicator and marks the view as stale until it is done.
    void busyIndicatorWhileBuilding() {
        auto window = makeWindow(core::Scenario::load("default"));
        QVERIFY(window);
        auto* bar = window->findChild<QProgressBar*>(QStringLiteral("status.busy"));
        auto* overlay = window->findChild<QLabel*>(QStringLiteral("staleOverlay"));
        QVERIFY(bar && overlay);
        QVERIFY(!bar->isVisible());
        bool shown = false;
        QString text;
        connect(window->controller(), &app::SimulationController::busy, window.get(),
                [&](const QString& what) {
                    if (!shown && !what.isEmpty() && bar->isVisible() && overlay->isVisible()) {
                        shown = true;
                        text = overlay->text();
                    }
                });
        core::Scenario big = core::Scenario::load("default");
        big.n = 4000;
        window->loadScenario(big, QStringLiteral("big"));
        QTRY_VERIFY(shown);
        QVERIFY2(text.contains(QStringLiteral("n = 4000")), qPrintable(text));
        QTRY_VERIFY_WITH_TIMEOUT(window->controller()->latestFrame()->n == 4000, 60000);
        QTRY_VERIFY(!bar->isVisible() && !overlay->isVisible());
    }

    // A step-size warning from the frame shows in the health readout and the status bar.
    // Any window's status messages (the comparison window's too): elided before the first permanent
    // field, and elided again when the window narrows; a short message is shown whole.
    void statusMessagesStayLeftOfTheFields() {
        QMainWindow w;
        auto* field = new QLabel(QStringLiteral("t = 12.345"), &w);
        w.statusBar()->addPermanentWidget(field);
        auto* messages = new ui::StatusMessages(w.statusBar(), field);
        w.resize(900, 300);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QStatusBar* bar = w.statusBar();
        auto clear = [&] {
            return 6 + bar->fontMetrics().horizontalAdvance(bar->currentMessage()) < field->x();
        };
        messages->show(QStringLiteral("short"));
        QCOMPARE(bar->currentMessage(), QStringLiteral("short"));
        messages->show(QString(300, QLatin1Char('x')), 60000);
        QTRY_VERIFY(bar->currentMessage().endsWith(QChar(0x2026)) && clear());
        const int wide = bar->currentMessage().size();
        w.resize(500, 300);
        QTRY_VERIFY(bar->currentMessage().size() < wide && bar->currentMessage().endsWith(QChar(0x2026)) &&
                    clear());
        QCOMPARE(bar->toolTip(), QString(300, QLatin1Char('x')));
    }

    void stepSizeWarning() {
        auto window = makeWindow(core::Scenario::load("default"));
        QVERIFY(window);
        app::SimulationController* c = window->controller();
        auto frame = std::make_shared<core::Frame>(*c->latestFrame());
        frame->maxStepAngle = 2.5;
        frame->suggestedDt = 0.0123;
        emit c->frameAvailable(frame);
        QTest::qWait(600);
        auto* health = window->findChild<QLabel*>(QStringLiteral("status.health"));
        QVERIFY(health);
        QVERIFY2(health->text().contains(QStringLiteral("0.0123")), qPrintable(health->text()));
        QVERIFY2(window->statusBar()->currentMessage().contains(QStringLiteral("0.0123")),
                 qPrintable(window->statusBar()->currentMessage()));
        // A long message stays clear of the permanent fields (it used to run into the t field).
        window->reportError(QStringLiteral("A long message"), QString(400, QLatin1Char('x')));
        const QStatusBar* bar = window->statusBar();
        const int messageRight = 6 + bar->fontMetrics().horizontalAdvance(bar->currentMessage());
        QVERIFY2(messageRight < health->x(),
                 qPrintable(QStringLiteral("%1 >= %2").arg(messageRight).arg(health->x())));
        // Also when the room shrinks after the message (presentation mode's larger font and fields): it
        // is elided again, ending in "…", and not cut mid-word under the fields.
        window->setPresentationMode(true);
        auto* tField = window->findChild<QLabel*>(QStringLiteral("status.t"));
        QVERIFY(tField);
        QTRY_VERIFY_WITH_TIMEOUT(
            tField->isVisible() && bar->currentMessage().endsWith(QChar(0x2026)) &&
                6 + bar->fontMetrics().horizontalAdvance(bar->currentMessage()) < tField->x(),
            3000);
        window->setPresentationMode(false);
    }

    // After settle() the status bar's t is the t of the frame in the view and panels (screenshots).
    void settledStatusMatchesTheFrame() {
        auto window = makeWindow(core::Scenario::load("default"));
        QVERIFY(window);
        app::SimulationController* c = window->controller();
        c->play();
        QTest::qWait(1200);
        QVERIFY(window->settle());
        QVERIFY(!c->isRunning());
        auto* t = window->findChild<QLabel*>(QStringLiteral("status.t"));
        QCOMPARE(t->text(), QStringLiteral("t = %1").arg(c->latestFrame()->t, 0, 'f', 3));
        QVERIFY(c->latestFrame()->t > 0.5);
    }

    // Closing while the simulation runs prints nothing (the worker's timer was stopped from the GUI thread:
    // "QObject::killTimer: Timers cannot be stopped from another thread").
    void closeWhileRunningIsQuiet() {
        for (int k = 0; k < 3; ++k) {
            auto window = makeWindow(core::Scenario::load("default"));
            QVERIFY(window);
            QTest::failOnWarning(QRegularExpression(QStringLiteral(".*")));
            window->controller()->play();
            QTRY_VERIFY(window->controller()->isRunning());
            QTest::qWait(300);  // the worker now waits between batches on its timer
            window->close();
            window.reset();
        }
    }

    // The app quits cleanly: nothing on stderr (the worker's timer used to be stopped from the GUI thread).
    void screenshotRunHasCleanStderr() {
        QTemporaryDir dir;
        QProcess p;
        // Without XDG_RUNTIME_DIR too (Qt's fallback notice used to reach stderr).
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.remove(QStringLiteral("XDG_RUNTIME_DIR"));
        p.setProcessEnvironment(env);
        p.start(QStringLiteral(ATTNSPHERE_EXE), {QStringLiteral("--screenshot"), dir.filePath("s.png"),
                                                 QStringLiteral("--after"), QStringLiteral("2")});
        QVERIFY(p.waitForFinished(60000));
        const QByteArray err = p.readAllStandardError();
        QCOMPARE(p.exitCode(), 0);
        QVERIFY2(err.isEmpty(), err.constData());
        QVERIFY(QFileInfo(dir.filePath("s.png")).size() > 0);
    }
};

int main(int argc, char** argv) {
    ui::SphereView::prepareOpenGl();
    QApplication app(argc, argv);
    TestMainWindow test;
    return QTest::qExec(&test, argc, argv);
}
#include "test_main_window.moc"
