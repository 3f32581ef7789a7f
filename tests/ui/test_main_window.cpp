// The main window wired together under Xvfb: frames reach the view and all four panels, the shortcuts
// drive the simulation thread, a selection reaches every panel, and closing during a run is prompt.
#include "ui/MainWindow.h"
#include "ui/PlotPanel.h"
#include "ui/SphereView.h"

#include <QApplication>
#include <QDockWidget>
#include <QElapsedTimer>
#include <QSignalSpy>
#include <QtTest>

using namespace attnsphere;

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
        const auto docks = window->findChildren<QDockWidget*>();
        QCOMPARE(docks.size(), 5);
        for (QDockWidget* d : docks) QVERIFY2(d->isVisible(), qPrintable(d->windowTitle()));
        window->selectToken(5);
        QCOMPARE(window->sphereView()->selectedToken(), 5);
        for (ui::PlotPanel* p : window->panels()) QCOMPARE(p->selectedToken(), 5);

        // Closing while running returns promptly and stops the thread.
        QTest::keyClick(window->windowHandle(), Qt::Key_Space);
        QTRY_VERIFY(c->isRunning());
        QElapsedTimer timer;
        timer.start();
        window->close();
        window.reset();
        QVERIFY2(timer.elapsed() < 5000, qPrintable(QString::number(timer.elapsed())));
    }
};

int main(int argc, char** argv) {
    ui::SphereView::prepareOpenGl();
    QApplication app(argc, argv);
    TestMainWindow test;
    return QTest::qExec(&test, argc, argv);
}
#include "test_main_window.moc"
