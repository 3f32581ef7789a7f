// The comparison window under Xvfb: one view per run, all starting from identical positions, cameras
// linked (dragging one view turns all), the panels carry one legend key per run, Step advances every run
// to the same time; `attnsphere --compare FILE` opens it, and the main window's Compare menu opens a
// recipe for the current scenario.
#include "core/Comparison.h"
#include "render/PlotPanel.h"
#include "ui/ComparisonWindow.h"
#include "ui/MainWindow.h"
#include "ui/SphereView.h"

#include <QAction>
#include <QApplication>
#include <QDockWidget>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QMouseEvent>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

using namespace attnsphere;

namespace {

const char* kFile = R"({"format": "attnsphere-comparison", "version": 1, "name": "three kernels",
    "base": {"n": 20, "d": 3, "beta": 3, "seed": 8, "t_end": 100},
    "runs": [{"name": "softmax"}, {"name": "ReLU", "changes": {"kernel": "relu"}},
             {"name": "USA", "changes": {"kernel": "exp", "integrator": {"dt": 0.05}}}]})";

// Equal up to rounding (VTK re-orthogonalises a camera it is given).
bool sameCamera(const core::Camera& a, const core::Camera& b) {
    auto near = [](const std::array<double, 3>& x, const std::array<double, 3>& y) {
        return std::abs(x[0] - y[0]) + std::abs(x[1] - y[1]) + std::abs(x[2] - y[2]) < 1e-9;
    };
    return near(a.position, b.position) && near(a.focalPoint, b.focalPoint) && near(a.viewUp, b.viewUp) &&
           std::abs(a.viewAngle - b.viewAngle) < 1e-9;
}

void drag(QWindow* window, QPoint from, QPoint to) {
    auto send = [&](QEvent::Type type, QPoint at, Qt::MouseButtons buttons) {
        QMouseEvent e(type, at, window->mapToGlobal(at), Qt::LeftButton, buttons, Qt::NoModifier);
        QCoreApplication::sendEvent(window, &e);
    };
    send(QEvent::MouseButtonPress, from, Qt::LeftButton);
    for (int i = 1; i <= 10; ++i) send(QEvent::MouseMove, from + (to - from) * i / 10, Qt::LeftButton);
    send(QEvent::MouseButtonRelease, to, Qt::NoButton);
}

}  // namespace

class TestComparisonWindow : public QObject {
    Q_OBJECT
private slots:
    void viewsStartIdenticalAndCamerasAreLinked() {
        ui::ComparisonWindow::Options options;
        options.interactive = false;
        options.startRunning = false;
        ui::ComparisonWindow window(core::Comparison::fromJsonText(kFile), options);
        window.resize(1500, 800);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QCOMPARE(window.views().size(), std::size_t{3});
        QVERIFY(window.runTitle(0).contains("softmax"));
        QVERIFY(window.runTitle(1).contains("ReLU"));
        QVERIFY(window.runTitle(2).contains("USA"));
        QTRY_VERIFY(std::all_of(window.views().begin(), window.views().end(),
                                [](ui::SphereView* v) { return v->currentFrame() != nullptr; }));
        const auto first = window.views().front()->currentFrame();
        QCOMPARE(first->t, 0.0);
        for (ui::SphereView* view : window.views()) {
            QCOMPARE(view->currentFrame()->t, 0.0);
            QVERIFY(view->currentFrame()->positions == first->positions);  // bit for bit
        }
        // No run has radii (all on the sphere, Post-LN): the radius panel keeps out of the way.
        auto* radius = window.findChild<QDockWidget*>(QStringLiteral("radius"));
        QVERIFY(radius && radius->isHidden());
        // Every time panel names every run in its legend (one key per run).
        QVERIFY(!window.panels().empty());
        for (render::PlotPanel* panel : window.panels()) QCOMPARE(panel->overlayCount(), 3);

        // Drag the middle view: all three turn with it.
        QTest::qWait(300);  // the views have drawn and the link has taken its first camera
        window.linkCameras();
        const core::Camera before = window.views()[0]->camera();
        ui::SphereView* middle = window.views()[1];
        const QPoint c(middle->width() / 2, middle->height() / 2);
        drag(middle->glWindow(), c, c + QPoint(120, 40));
        const core::Camera turned = middle->camera();
        QVERIFY(!sameCamera(turned, before));
        QVERIFY(std::abs(turned.position[0] - before.position[0]) > 0.1);  // a real turn, not rounding
        QTRY_VERIFY(sameCamera(window.views()[0]->camera(), turned));
        QVERIFY(sameCamera(window.views()[2]->camera(), turned));

        // Step: every run advances to the same next time.
        window.controller()->stepOnce();
        window.controller()->stepOnce();
        QTRY_VERIFY(window.views()[0]->currentFrame()->t > 0.15);
        QTRY_VERIFY(std::all_of(window.views().begin(), window.views().end(), [](ui::SphereView* v) {
            return std::abs(v->currentFrame()->t - 0.2) < 1e-9;
        }));
        QVERIFY(window.views()[0]->currentFrame()->positions != window.views()[1]->currentFrame()->positions);
    }

    // A comparison with a Pre-LN run shows the radius panel once its frames carry radii.
    void radiusPanelAppearsWithRadii() {
        ui::ComparisonWindow::Options options;
        options.interactive = false;
        options.startRunning = false;
        ui::ComparisonWindow window(core::loadComparison("post-ln-vs-pre-ln"), options);
        window.resize(1500, 800);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        auto* radius = window.findChild<QDockWidget*>(QStringLiteral("radius"));
        QVERIFY(radius);
        QTRY_VERIFY(!radius->isHidden());
    }

    void commandLineOpensTheComparison() {
        QTemporaryDir dir;
        QFile f(dir.filePath("c.json"));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(kFile);
        f.close();
        QProcess p;
        p.start(ATTNSPHERE_EXE,
                {"--compare", f.fileName(), "--screenshot", dir.filePath("s.png"), "--after", "1"});
        QVERIFY(p.waitForFinished(60000));
        QCOMPARE(p.exitCode(), 0);
        const QImage shot(dir.filePath("s.png"));
        QVERIFY(!shot.isNull());
        for (int k = 0; k < 3; ++k)
            QVERIFY2(!shot.text(QString("attnsphere.view.%1").arg(k)).isEmpty(), "a view is missing");
        QVERIFY(shot.text("attnsphere.view.3").isEmpty());
        // A bad file is a usage error naming the path.
        QFile bad(dir.filePath("bad.json"));
        QVERIFY(bad.open(QIODevice::WriteOnly));
        bad.write(
            R"({"format": "attnsphere-comparison", "version": 1, "base": "default", "runs": [{"name": "a"}]})");
        bad.close();
        QProcess q;
        q.start(ATTNSPHERE_EXE, {"--compare", bad.fileName()});
        QVERIFY(q.waitForFinished(60000));
        QCOMPARE(q.exitCode(), 2);
        QVERIFY2(q.readAllStandardError().contains("runs: must have 2 to 4 runs"), "no path in the message");
    }

    void compareMenuOpensARecipeOfTheCurrentScenario() {
        ui::MainWindow::Options options;
        options.interactive = false;
        options.restoreLayout = false;
        options.startRunning = false;
        ui::MainWindow main(core::Scenario::load("relu-vs-softmax"), "relu-vs-softmax", options);
        main.show();
        QVERIFY(QTest::qWaitForWindowExposed(&main));
        QMenu* menu = nullptr;
        for (QAction* a : main.menuBar()->actions())
            if (a->menu() && a->text().remove('&') == "Compare") menu = a->menu();
        QVERIFY(menu);
        QAction* race = nullptr;
        for (QAction* a : menu->actions())
            if (a->text() == "softmax vs ReLU") race = a;
        QVERIFY(race);
        // The recipes, a separator, the built-in comparison files, a separator, "Open comparison…".
        QCOMPARE(menu->actions().size(), static_cast<qsizetype>(core::comparisonRecipes().size() +
                                                                core::builtInComparisons().size() + 3));
        race->trigger();
        ui::ComparisonWindow* opened = nullptr;
        QTRY_VERIFY((opened = [] {
            for (QWidget* w : QApplication::topLevelWidgets())
                if (auto* c = qobject_cast<ui::ComparisonWindow*>(w); c && c->isVisible()) return c;
            return static_cast<ui::ComparisonWindow*>(nullptr);
        }()));
        QCOMPARE(opened->views().size(), std::size_t{2});
        QCOMPARE(opened->controller()->comparison().base.name, std::string("relu-vs-softmax"));
        QVERIFY(opened->controller()->comparison().runs[1].scenario.kernel ==
                core::KernelKind::ReluNormalised);
        QVERIFY(!main.controller()->isRunning());
        opened->close();  // deletes itself
        QTRY_VERIFY(QApplication::topLevelWidgets().count(opened) == 0);

        // A built-in comparison file opens with its own scenario, whatever the main window runs.
        QAction* layerNorm = nullptr;
        for (QAction* a : menu->actions())
            if (a->text() == "Post-LN vs Pre-LN from the same start") layerNorm = a;
        QVERIFY(layerNorm);
        layerNorm->trigger();
        QTRY_VERIFY((opened = [] {
            for (QWidget* w : QApplication::topLevelWidgets())
                if (auto* c = qobject_cast<ui::ComparisonWindow*>(w); c && c->isVisible()) return c;
            return static_cast<ui::ComparisonWindow*>(nullptr);
        }()));
        QCOMPARE(opened->controller()->comparison().base.name, std::string("pre-ln-slowdown"));
        QVERIFY(opened->controller()->comparison().runs[1].scenario.normalisation == core::LayerNorm::Pre);
        opened->close();
        QTRY_VERIFY(QApplication::topLevelWidgets().count(opened) == 0);
    }
};

int main(int argc, char** argv) {
    ui::SphereView::prepareOpenGl();
    QApplication app(argc, argv);
    TestComparisonWindow test;
    return QTest::qExec(&test, argc, argv);
}
#include "test_comparison_window.moc"
