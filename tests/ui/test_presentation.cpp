// Presentation mode in the main window: entering it hides the parameter dock and the toolbar, leaves
// at most two panels beside a dominant view and makes the panels' text, the status bar and the timeline
// large (>= 24 px at 1920x1080); leaving it restores the docks and the normal fonts. The theme switches
// the panels and the view between dark and light; View → Presentation mode has its shortcut listed.
#include "render/DisplayStyle.h"
#include "render/PlotPanel.h"
#include "render/Theme.h"
#include "ui/MainWindow.h"
#include "ui/SphereView.h"
#include "ui/TimelineWidget.h"

#include <qcustomplot.h>

#include <QApplication>
#include <QDockWidget>
#include <QFontInfo>
#include <QLabel>
#include <QStatusBar>
#include <QTableWidget>
#include <QToolBar>
#include <QtTest>

using namespace attnsphere;

namespace {

QDockWidget* dock(ui::MainWindow& w, const QString& name) {
    for (QDockWidget* d : w.findChildren<QDockWidget*>())
        if (d->objectName() == name) return d;
    return nullptr;
}

int shownPanels(ui::MainWindow& w) {
    int count = 0;
    for (render::PlotPanel* p : w.panels()) count += p->isVisible() ? 1 : 0;
    return count;
}

// The smallest tick-label pixel size over the shown panels' plots.
int smallestTickPixels(ui::MainWindow& w) {
    int smallest = 1 << 20;
    for (render::PlotPanel* p : w.panels()) {
        if (!p->isVisible()) continue;
        for (QCustomPlot* plot : p->findChildren<QCustomPlot*>())
            smallest = std::min(smallest, QFontInfo(plot->xAxis->tickLabelFont()).pixelSize());
    }
    return smallest;
}

int statusPixels(ui::MainWindow& w) {
    QLabel* t = w.statusBar()->findChild<QLabel*>(QStringLiteral("status.t"));
    t->ensurePolished();
    return QFontInfo(t->font()).pixelSize();
}

int timelinePixels(ui::MainWindow& w) {
    QLabel* label = w.timeline()->findChild<QLabel*>();
    label->ensurePolished();
    return QFontInfo(label->font()).pixelSize();
}

}  // namespace

class TestPresentation : public QObject {
    Q_OBJECT
private slots:
    void presentationModeScalesHidesAndRestores() {
        ui::MainWindow::Options options;
        options.interactive = false;
        options.restoreLayout = false;
        options.startRunning = false;
        ui::MainWindow w(core::Scenario::load("orthogonal-heads-shadows"), QStringLiteral("test"), options);
        w.resize(1920, 1080);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QTRY_VERIFY(w.controller()->latestFrame());
        QVERIFY(!w.presentationMode());
        QDockWidget* params = dock(w, QStringLiteral("parameters"));
        QVERIFY(params && params->isVisible());
        const int panelsBefore = shownPanels(w);
        const int tickBefore = smallestTickPixels(w), statusBefore = statusPixels(w),
                  timelineBefore = timelinePixels(w);
        QVERIFY(panelsBefore > 2);
        QVERIFY(tickBefore < 24 && statusBefore < 24);

        w.setPresentationMode(true);
        QVERIFY(w.presentationMode());
        QTRY_VERIFY(!params->isVisible());
        for (QToolBar* bar : w.findChildren<QToolBar*>()) QVERIFY(!bar->isVisible());
        QVERIFY(shownPanels(w) >= 1 && shownPanels(w) <= 2);
        QVERIFY2(smallestTickPixels(w) >= 24, qPrintable(QString::number(smallestTickPixels(w))));
        QVERIFY2(statusPixels(w) >= 24, qPrintable(QString::number(statusPixels(w))));
        QVERIFY(timelinePixels(w) >= 24);
        // The window keeps its size: the grown fonts do not push it past the screen.
        QCOMPARE(w.width(), 1920);
        // The status bar keeps what the audience reads, and it fits: no field runs into the next.
        QLabel* rate = w.statusBar()->findChild<QLabel*>(QStringLiteral("status.rate"));
        QVERIFY(rate && !rate->isVisible());
        int statusWidth = 0;
        for (QLabel* l : w.statusBar()->findChildren<QLabel*>())
            if (l->isVisible()) statusWidth += l->sizeHint().width();
        QVERIFY2(statusWidth <= w.statusBar()->width(), qPrintable(QString::number(statusWidth)));
        // The view dominant: wider than the shown panels together.
        int panelWidth = 0;
        for (render::PlotPanel* p : w.panels())
            if (p->isVisible()) panelWidth = std::max(panelWidth, p->width());
        QVERIFY(w.sphereView()->width() > panelWidth);
        // The checkable menu action follows.
        QAction* action = nullptr;
        for (QAction* a : w.findChildren<QAction*>())
            if (a->text().remove('&') == QLatin1String("Presentation mode")) action = a;
        QVERIFY(action && action->isChecked());
        QVERIFY(w.shortcutsText().contains(QLatin1String("F5")));

        action->trigger();  // off, as the menu does it
        QVERIFY(!w.presentationMode());
        QTRY_VERIFY(params->isVisible());
        QCOMPARE(shownPanels(w), panelsBefore);
        QCOMPARE(smallestTickPixels(w), tickBefore);
        QCOMPARE(statusPixels(w), statusBefore);
        QCOMPARE(timelinePixels(w), timelineBefore);
        QVERIFY(rate->isVisible());
    }

    void themeSwitchesPanelsAndView() {
        ui::MainWindow::Options options;
        options.interactive = false;
        options.restoreLayout = false;
        options.startRunning = false;
        ui::MainWindow w(core::Scenario::load("default"), QStringLiteral("test"), options);
        w.resize(1600, 900);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QTRY_VERIFY(w.controller()->latestFrame());
        auto background = [&] {
            QCustomPlot* plot = w.panels().front()->findChildren<QCustomPlot*>().front();
            return plot->axisRect()->backgroundBrush().color();
        };
        QCOMPARE(w.theme(), core::LectureTheme::Dark);
        QVERIFY(background().lightness() < 40);
        w.setTheme(core::LectureTheme::Light);
        QCOMPARE(w.theme(), core::LectureTheme::Light);
        QVERIFY(background().lightness() > 230);
        QVERIFY(QApplication::palette().color(QPalette::Window).lightness() > 200);
        QVERIFY(QApplication::palette().color(QPalette::WindowText).lightness() < 40);
        // The parameter dock's head names: readable on the light table.
        auto* heads = w.findChild<QTableWidget*>();
        QVERIFY(heads && heads->rowCount() > 0);
        for (int h = 0; h < heads->rowCount(); ++h)
            QVERIFY(render::contrastRatio(heads->item(h, 0)->foreground().color(),
                                          QApplication::palette().color(QPalette::Base)) >=
                    render::kMinContrast);
        // The 3D view: a light background where no token is drawn (the top-left corner).
        const QImage view = w.sphereView()->renderImage(QSize(320, 240), false);
        QVERIFY2(QColor(view.pixel(2, 2)).lightness() > 200, qPrintable(QColor(view.pixel(2, 2)).name()));
        w.setTheme(core::LectureTheme::Dark);
        QVERIFY(background().lightness() < 40);
        QVERIFY(QColor(w.sphereView()->renderImage(QSize(320, 240), false).pixel(2, 2)).lightness() < 60);
    }
};

int main(int argc, char** argv) {
    ui::SphereView::prepareOpenGl();
    QApplication app(argc, argv);
    render::applyTheme(app);  // as the GUI starts
    TestPresentation test;
    return QTest::qExec(&test, argc, argv);
}
#include "test_presentation.moc"
