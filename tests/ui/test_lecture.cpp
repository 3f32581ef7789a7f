// Lecture mode in the main window under Xvfb: stepping forward and back restores each step's scenario,
// camera and panels exactly; the clicker keys work with the focus anywhere; B blanks; digits + Enter
// jump; pause_at, loops and scripted changes act at their times; errors show as a banner, never a dialog;
// a bookmarked step survives save and load.
#include "app/SimulationController.h"
#include "core/Lecture.h"
#include "render/PanelRegistry.h"
#include "ui/LectureController.h"
#include "ui/LectureStepsDialog.h"
#include "ui/MainWindow.h"
#include "ui/SphereView.h"
#include "ui/TimelineWidget.h"

#include <QApplication>
#include <QDockWidget>
#include <QDoubleSpinBox>
#include <QFile>
#include <QLineEdit>
#include <QListWidget>
#include <QProcess>
#include <QTemporaryDir>
#include <QToolBar>
#include <QtTest>

using namespace attnsphere;

namespace {

// A small scenario (quick steps) that differs per step by its name, seed and kernel.
nlohmann::json scenarioJson(const std::string& name, int seed, const std::string& kernel = "softmax",
                            double tEnd = 200) {
    return {{"format", "attnsphere-scenario"},
            {"version", 1},
            {"name", name},
            {"n", 24},
            {"d", 3},
            {"beta", 2},
            {"kernel", kernel},
            {"integrator", {{"method", "rk4"}, {"dt", 0.01}}},
            {"t_end", tEnd},
            {"seed", seed},
            {"init", {{"kind", "uniform"}}}};
}

nlohmann::json camera(double x, double y, double z) {
    return {{"position", {x, y, z}}, {"focal_point", {0, 0, 0}}, {"view_up", {0, 1, 0}}, {"view_angle", 30}};
}

// Three paused steps with their own scenario, camera and panels; step 3 keeps the default camera.
core::Lecture threeSteps() {
    nlohmann::json j = {
        {"format", "attnsphere-lecture"},
        {"version", 1},
        {"title", "test"},
        {"steps",
         {{{"scenario", scenarioJson("one", 1)},
           {"caption", {{"title", "First \\beta"}, {"lines", {"line a"}}, {"formula", "\\sum_j x_j"}}},
           {"camera", camera(0, 0, 4)},
           {"panels", {"clustering"}},
           {"overlays", {"t", "beta"}},
           {"play", false}},
          {{"scenario", scenarioJson("two", 2, "relu")},
           {"caption", {{"title", "Second"}}},
           {"camera", camera(3, 1, 2)},
           {"panels", {"entropy", "energy"}},
           {"play", false}},
          {{"scenario", scenarioJson("three", 3)}, {"caption", {{"title", "Third"}}}, {"play", false}}}}};
    return core::Lecture::fromJson(j, ui::LectureController::panelIds(),
                                   ui::LectureController::overlayNames());
}

std::unique_ptr<ui::MainWindow> makeWindow(const core::Scenario& s) {
    ui::MainWindow::Options options;
    options.interactive = true;  // dialogs would open here: lecture mode must route them to the banner
    options.restoreLayout = false;
    options.startRunning = false;
    auto window = std::make_unique<ui::MainWindow>(s, QString::fromStdString(s.name), options);
    window->resize(1600, 950);
    window->show();
    if (!QTest::qWaitForWindowExposed(window.get())) return nullptr;
    window->activateWindow();  // Xvfb has no window manager: window shortcuts need the active window
    if (!QTest::qWaitForWindowActive(window.get())) return nullptr;
    return window;
}

bool sameCamera(const core::Camera& a, const core::Camera& b) {
    for (int k = 0; k < 3; ++k)
        if (std::abs(a.position[k] - b.position[k]) > 1e-9 ||
            std::abs(a.focalPoint[k] - b.focalPoint[k]) > 1e-9 || std::abs(a.viewUp[k] - b.viewUp[k]) > 1e-9)
            return false;
    return std::abs(a.viewAngle - b.viewAngle) < 1e-9;
}

QStringList visiblePanelDocks(const ui::MainWindow& w) {
    QStringList ids;
    for (const render::PanelInfo& info : render::panelRegistry())
        if (auto* dock = w.findChild<QDockWidget*>(info.id); dock && dock->isVisible()) ids << info.id;
    return ids;
}

QStringList sorted(QStringList l) {
    l.sort();
    return l;
}

}  // namespace

class TestLecture : public QObject {
    Q_OBJECT
private slots:
    void forwardAndBackRestoreEachStep() {
        const core::Lecture lecture = threeSteps();
        auto window = makeWindow(lecture.steps[0].scenario);
        QVERIFY(window);
        ui::LectureController* l = window->lecture();
        app::SimulationController* c = window->controller();
        l->open(lecture, QString(), 0);

        // What each step shows when first entered: scenario, camera, panels, first positions.
        std::vector<nlohmann::json> scenarios;
        std::vector<core::Camera> cameras;
        std::vector<QStringList> panels;
        std::vector<core::Matrix> positions;
        for (int k = 0; k < 3; ++k) {
            if (k > 0) l->next();
            QCOMPARE(l->current(), k);
            const auto& step = lecture.steps[static_cast<std::size_t>(k)];
            QTRY_COMPARE(QString::fromStdString(c->scenario().name),
                         QString::fromStdString(step.scenario.name));
            QTRY_VERIFY(c->latestFrame() && c->latestFrame()->scenarioName == step.scenario.name);
            QTRY_VERIFY(window->sphereView()->paintCount() > 0);
            QTest::qWait(200);  // the camera is set again once the view has shown the step's first frame
            const core::Camera cam = window->sphereView()->camera();
            // VTK makes the view-up orthogonal to the view direction: position, focal point and angle are
            // the step's.
            if (step.camera)
                QVERIFY2(cam.position == step.camera->position && cam.focalPoint == step.camera->focalPoint &&
                             cam.viewAngle == step.camera->viewAngle,
                         qPrintable(QStringLiteral("%1 %2 %3 / %4 %5 %6")
                                        .arg(cam.position[0])
                                        .arg(cam.position[1])
                                        .arg(cam.position[2])
                                        .arg(cam.viewUp[0])
                                        .arg(cam.viewUp[1])
                                        .arg(cam.viewUp[2])));
            QStringList expected;
            for (const auto& id : step.panels) expected << QString::fromStdString(id);
            QCOMPARE(window->shownPanels(), expected);
            QCOMPARE(sorted(visiblePanelDocks(*window)), sorted(expected));
            QVERIFY(!window->findChild<QDockWidget*>(QStringLiteral("parameters"))->isVisible());
            QVERIFY(!c->isRunning());
            scenarios.push_back(c->scenario().toJson());
            cameras.push_back(window->sphereView()->camera());
            panels.push_back(window->shownPanels());
            positions.push_back(c->latestFrame()->positions);
        }
        QCOMPARE(scenarios[1]["kernel"], nlohmann::json("relu"));
        // The user moves the camera and shows another panel: going back restores the step as it was.
        window->sphereView()->setCamera(core::Camera{{1, 2, 3}, {0, 0, 0}, {0, 1, 0}, 40});
        window->findChild<QDockWidget*>(QStringLiteral("shadows"))->show();
        for (int k : {1, 0, 1, 2}) {
            l->goTo(k);
            QTRY_VERIFY(c->latestFrame() && c->latestFrame()->step == 0 &&
                        c->latestFrame()->scenarioName ==
                            lecture.steps[static_cast<std::size_t>(k)].scenario.name);
            QTest::qWait(200);
            QCOMPARE(c->scenario().toJson(), scenarios[static_cast<std::size_t>(k)]);
            QVERIFY(sameCamera(window->sphereView()->camera(), cameras[static_cast<std::size_t>(k)]));
            QCOMPARE(window->shownPanels(), panels[static_cast<std::size_t>(k)]);
            QCOMPARE(sorted(visiblePanelDocks(*window)), sorted(panels[static_cast<std::size_t>(k)]));
            QVERIFY(c->latestFrame()->positions == positions[static_cast<std::size_t>(k)]);
        }
        // The caption shows over the view: title, lines and formula of step 1.
        l->goTo(0);
        QTRY_VERIFY(l->captionWidget()->isVisible());
        QVERIFY(l->formulaWidget()->isVisible());
        QVERIFY(window->sphereView()->isAncestorOf(l->captionWidget()));
        QVERIFY(l->captionWidget()->testAttribute(Qt::WA_NativeWindow));
        // In the lecture's theme (dark box), and again in another one chosen while it shows (light box;
        // the box is slightly see-through, so its lightness is compared).
        auto lightness = [&] {
            const QImage box = l->captionWidget()->grab().toImage();
            return box.pixelColor(box.width() / 2, 3).lightness();
        };
        QVERIFY(lightness() < 60);
        window->setTheme(core::LectureTheme::Light);
        QTRY_VERIFY(lightness() > 200);
        window->setTheme(core::LectureTheme::Dark);
        QTRY_VERIFY(lightness() < 60);
    }

    void keysWorkWithTheFocusAnywhere() {
        const core::Lecture lecture = threeSteps();
        auto window = makeWindow(lecture.steps[0].scenario);
        QVERIFY(window);
        ui::LectureController* l = window->lecture();
        auto* edit = new QLineEdit(window.get());
        window->findChild<QToolBar*>()->addWidget(edit);
        core::Lecture windowed = lecture;
        windowed.presentation = false;  // the toolbar with the field stays
        l->open(windowed, QString(), 0);
        // The parameter dock shown by the user (each step hides it): its β spin box takes the focus.
        auto* params = window->findChild<QDockWidget*>(QStringLiteral("parameters"));
        auto* spin = params->findChild<QDoubleSpinBox*>();
        QVERIFY(spin);
        const double beta = spin->value();
        auto focus = [&](QWidget* w) {
            params->show();
            w->setFocus();
            return QTest::qWaitFor([w] { return w->isVisible() && w->hasFocus(); });
        };

        QVERIFY(focus(edit));
        QTest::keyClick(edit, Qt::Key_PageDown);
        QCOMPARE(l->current(), 1);
        QVERIFY(focus(edit));
        QTest::keyClick(edit, Qt::Key_Left);
        QCOMPARE(l->current(), 0);
        QVERIFY(focus(edit));
        QTest::keyClick(edit, Qt::Key_Space);
        QCOMPARE(l->current(), 1);
        QVERIFY(edit->text().isEmpty());  // nothing was typed into the field
        QVERIFY(focus(spin));
        QTest::keyClick(spin, Qt::Key_Right);
        QCOMPARE(l->current(), 2);
        QVERIFY(focus(spin));
        QTest::keyClick(spin, Qt::Key_PageUp);
        QCOMPARE(l->current(), 1);
        QCOMPARE(spin->value(), beta);
        // The view's GL window has the focus: the keys reach the lecture too.
        window->sphereView()->setFocus();
        QTest::keyClick(window->windowHandle(), Qt::Key_PageDown);
        QCOMPARE(l->current(), 2);

        // B blanks (a black native window over everything) and unblanks; in a text field as well.
        QVERIFY(focus(edit));
        QTest::keyClick(edit, Qt::Key_B);
        QVERIFY(l->isBlank());
        QVERIFY(l->blankWidget()->isVisible());
        QCOMPARE(l->blankWidget()->geometry(), window->rect());
        QTest::qWait(100);
        const QImage shown = l->grabWindow();
        QCOMPARE(shown.pixelColor(shown.width() / 2, shown.height() / 2), QColor(Qt::black));
        QTest::keyClick(edit, Qt::Key_B);
        QVERIFY(!l->isBlank());
        QVERIFY(edit->text().isEmpty());

        // "3" Enter jumps to step 3; "9" Enter (no such step) stays and says so in the banner.
        l->goTo(0);
        QVERIFY(focus(edit));
        QTest::keyClick(edit, Qt::Key_3);
        QCOMPARE(l->current(), 0);
        QVERIFY(l->stepInfoText().contains(QLatin1String("3")));
        QTest::keyClick(edit, Qt::Key_Return);
        QCOMPARE(l->current(), 2);
        QVERIFY(focus(spin));
        QTest::keyClick(spin, Qt::Key_9);
        QTest::keyClick(spin, Qt::Key_Enter);
        QCOMPARE(l->current(), 2);
        QVERIFY(l->bannerText().contains(QLatin1String("No step 9")));
        QCOMPARE(spin->value(), beta);

        // ? shows "step k / N: title" for a while.
        QVERIFY(focus(edit));
        QTest::keyClick(edit, Qt::Key_Question, Qt::ShiftModifier);
        QVERIFY(l->stepInfoWidget()->isVisible());
        QVERIFY(l->stepInfoText().contains(QLatin1String("step 3 / 3: Third")));
        QVERIFY(edit->text().isEmpty());

        // P plays and pauses the step's run (Space is taken by the next step).
        QVERIFY(!window->controller()->isRunning());
        QTest::keyClick(edit, Qt::Key_P);
        QTRY_VERIFY(window->controller()->isRunning());
        QTest::keyClick(edit, Qt::Key_P);
        QTRY_VERIFY(!window->controller()->isRunning());
        QVERIFY(edit->text().isEmpty());

        // Closed: the keys are the window's again (Left scrubs, typing types), the docks as before.
        l->close();
        QTRY_VERIFY(window->findChild<QDockWidget*>(QStringLiteral("parameters"))->isVisible());
        QTRY_COMPARE(visiblePanelDocks(*window).size(), render::panelRegistry().size());
        QTest::keyClick(edit, Qt::Key_B);
        QCOMPARE(edit->text(), QStringLiteral("b"));
        QVERIFY(!l->isBlank());
        // The Help dialog lists the lecture keys.
        QVERIFY(window->shortcutsText().contains(QLatin1String("PageDown")));
    }

    void pauseAtLoopAndChangesActAtTheirTimes() {
        nlohmann::json j = {{"format", "attnsphere-lecture"},
                            {"version", 1},
                            {"steps",
                             {{{"scenario", scenarioJson("pausing", 1)}, {"speed", 2}, {"pause_at", 0.5}},
                              {{"scenario", scenarioJson("changing", 2)},
                               {"speed", 2},
                               {"pause_at", 0.8},
                               {"changes", {{{"at", 0.3}, {"set", {{"kernel", "relu"}, {"beta", 5}}}}}}},
                              {{"scenario", scenarioJson("looping", 3)},
                               {"speed", 4},
                               {"loop", {{"from", 0.2}, {"to", 0.6}}}}}}};
        const core::Lecture lecture = core::Lecture::fromJson(j, ui::LectureController::panelIds(),
                                                              ui::LectureController::overlayNames());
        auto window = makeWindow(lecture.steps[0].scenario);
        QVERIFY(window);
        ui::LectureController* l = window->lecture();
        app::SimulationController* c = window->controller();
        l->open(lecture, QString(), 0);

        // pause_at 0.5: runs, then pauses there (a published frame or two later at most).
        QTRY_VERIFY(c->isRunning());
        QTRY_VERIFY_WITH_TIMEOUT(!c->isRunning() && c->latestFrame()->t >= 0.5 - 1e-9, 10000);
        QTest::qWait(200);
        // The worker pauses at the first step reaching 0.5 (dt = 0.01), not a published frame later.
        QVERIFY2(c->latestFrame()->t <= 0.5 + 1e-9,
                 qPrintable(QString::number(c->latestFrame()->t, 'g', 17)));

        // A change at t = 0.3: softmax before it, ReLU and β = 5 after it, as an edit of the running model.
        std::vector<std::pair<double, double>> betaAt;  // (t, β) of the frames seen
        auto conn = connect(c, &app::SimulationController::frameAvailable, this,
                            [&](std::shared_ptr<const core::Frame> f) {
                                if (f->scenarioName == "changing") betaAt.emplace_back(f->t, f->beta);
                            });
        l->next();
        QTRY_VERIFY_WITH_TIMEOUT(!betaAt.empty() && !c->isRunning() && c->latestFrame()->t >= 0.8 - 1e-9,
                                 10000);
        disconnect(conn);
        QVERIFY(c->scenario().kernel == core::KernelKind::ReluNormalised);
        QCOMPARE(c->scenario().beta, 5.0);
        QVERIFY(c->latestFrame()->kernel == core::KernelKind::ReluNormalised);
        for (auto [t, beta] : betaAt) {
            if (t < 0.3 - 1e-9) QCOMPARE(beta, 2.0);
            if (t > 0.5) QCOMPARE(beta, 5.0);
        }

        // The loop [0.2, 0.6): the run reaches 0.6, then goes back to 0.2 and runs on.
        double highest = 0;
        bool wentBack = false;
        conn = connect(c, &app::SimulationController::frameAvailable, this,
                       [&](std::shared_ptr<const core::Frame> f) {
                           if (f->scenarioName != "looping") return;
                           if (highest >= 0.6 - 1e-9 && f->t < highest - 0.2) wentBack = true;
                           highest = std::max(highest, f->t);
                       });
        l->next();
        QTRY_VERIFY_WITH_TIMEOUT(wentBack, 15000);
        disconnect(conn);
        QVERIFY(c->isRunning());
        QVERIFY(highest < 0.6 + 0.2);

        // Leaving a running step: the new one starts live, not scrubbed back in the timeline (frames kept
        // since the timeline's last poll once left it a stale "newest" frame).
        for (int k = 0; k < 5; ++k) {
            l->goTo(2);  // runs (and loops)
            QTest::qWait(150);
            l->goTo(1);  // no loop: nothing of its own scrubs the timeline in its first 0.3 of t
            QTest::qWait(100);
            QVERIFY(!window->timeline()->isScrubbed());
        }
    }

    void errorsShowAsABannerNotADialog() {
        core::Lecture lecture = threeSteps();
        lecture.steps[1].scenario.n = 0;  // as a file could not say it: the step fails when entered
        auto window = makeWindow(lecture.steps[0].scenario);
        QVERIFY(window);
        ui::LectureController* l = window->lecture();
        l->open(lecture, QString(), 0);
        QTest::keyClick(window->windowHandle(), Qt::Key_PageDown);
        QCOMPARE(l->current(), 1);
        QTRY_VERIFY(l->bannerWidget()->isVisible());
        QVERIFY2(l->bannerText().contains(QLatin1String("Step 2")), qPrintable(l->bannerText()));
        QVERIFY2(l->bannerText().contains(QLatin1String("steps[1].scenario.n")), qPrintable(l->bannerText()));
        QVERIFY(QApplication::activeModalWidget() == nullptr);
        QVERIFY(!window->findChild<QWidget*>(QStringLiteral("errorDialog")));
        // The next step still works.
        QTest::keyClick(window->windowHandle(), Qt::Key_PageDown);
        QCOMPARE(l->current(), 2);
        QTRY_COMPARE(QString::fromStdString(window->controller()->scenario().name), QStringLiteral("three"));
        // Any error of the window is a banner while the lecture is open.
        window->reportError(QStringLiteral("Export failed"), QStringLiteral("disk full"));
        QVERIFY(l->bannerText().contains(QLatin1String("disk full")));
        QVERIFY(QApplication::activeModalWidget() == nullptr);
        QVERIFY(!window->findChild<QWidget*>(QStringLiteral("errorDialog")));
    }

    void commandLine() {
        auto run = [](const QStringList& args) {
            QProcess p;
            p.start(QStringLiteral(ATTNSPHERE_EXE), args);
            p.waitForFinished(120000);
            return std::pair{p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1,
                             QString::fromUtf8(p.readAllStandardError())};
        };
        QTemporaryDir dir;
        const QString shot = dir.filePath(QStringLiteral("s.png"));
        // Errors exit 2 and name the option or field.
        for (const auto& [args, names] : std::vector<std::pair<QStringList, QString>>{
                 {{"--lecture", "builtin", "--step", "0"}, "--step"},
                 {{"--lecture", "builtin", "--step", "99"}, "--step"},
                 {{"--step", "2"}, "--step"},
                 {{"--lecture", dir.filePath("missing.json")}, "--lecture"},
                 {{"--lecture", "builtin", "--scenario", "default"}, "--lecture"}}) {
            const auto [code, err] = run(args + QStringList{"--screenshot", shot, "--after", "0"});
            QCOMPARE(code, 2);
            QVERIFY2(err.contains(names), qPrintable(err));
        }
        const QString bad = dir.filePath(QStringLiteral("bad.json"));
        QFile f(bad);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(
            R"({"format": "attnsphere-lecture", "version": 1, "steps": [{"scenario": "default", "pause_at": -1}]})");
        f.close();
        auto [code, err] = run({"--lecture", bad});
        QCOMPARE(code, 2);
        QVERIFY2(err.contains(QLatin1String("steps[0].pause_at")), qPrintable(err));
        // A step's screenshot: 1920×1080, exit 0, nothing on stderr.
        std::tie(code, err) =
            run({"--lecture", "builtin", "--step", "2", "--screenshot", shot, "--after", "1"});
        QCOMPARE(code, 0);
        QVERIFY2(err.isEmpty(), qPrintable(err));
        QCOMPARE(QImage(shot).size(), QSize(1920, 1080));
    }

    void bookmarkRoundTrip() {
        const core::Lecture lecture = threeSteps();
        auto window = makeWindow(lecture.steps[0].scenario);
        QVERIFY(window);
        ui::LectureController* l = window->lecture();
        app::SimulationController* c = window->controller();
        l->open(lecture, QString(), 1);
        c->play();
        QTRY_VERIFY(c->latestFrame() && c->latestFrame()->scenarioName == "two" && c->latestFrame()->t > 0.2);
        QVERIFY(window->settle());
        const core::Matrix shown = c->latestFrame()->positions;
        window->sphereView()->setCamera(core::Camera{{2, 2, 2}, {0, 0, 0}, {0, 0, 1}, 35});
        const core::Camera view = window->sphereView()->camera();  // VTK makes the view-up orthogonal
        const int added = l->addCurrentStateAsStep(QStringLiteral("Bookmark \\rho"));
        QCOMPARE(added, 2);
        QCOMPARE(l->stepCount(), 4);
        // The steps list follows; a title edited there lands in the lecture.
        ui::LectureStepsDialog dialog(l, window.get());
        QCOMPARE(dialog.list()->count(), 4);
        QCOMPARE(dialog.list()->item(2)->text(), QStringLiteral("Bookmark \\rho"));
        l->moveStep(2, 0);
        QCOMPARE(dialog.list()->item(0)->text(), QStringLiteral("Bookmark \\rho"));
        dialog.list()->item(3)->setText(QStringLiteral("Renamed"));
        QCOMPARE(QString::fromStdString(l->lecture().steps[3].caption.title), QStringLiteral("Renamed"));

        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("talk.json"));
        QVERIFY(l->saveTo(path));
        const core::Lecture loaded = core::Lecture::fromFile(
            path.toStdString(), ui::LectureController::panelIds(), ui::LectureController::overlayNames());
        QCOMPARE(loaded.steps.size(), std::size_t(4));
        QCOMPARE(QString::fromStdString(loaded.steps[0].caption.title), QStringLiteral("Bookmark \\rho"));
        QCOMPARE(QString::fromStdString(loaded.steps[3].caption.title), QStringLiteral("Renamed"));
        QVERIFY(loaded.steps[0].camera && sameCamera(*loaded.steps[0].camera, view));
        QCOMPARE(loaded.steps[0].panels, std::vector<std::string>({"entropy", "energy"}));
        // The bookmarked step starts from the positions that were shown.
        QVERIFY(loaded.steps[0].scenario.buildPositions().isApprox(shown, 1e-12));

        // Entering it shows that state again.
        l->open(loaded, path, 0);
        QTRY_VERIFY(c->latestFrame() && c->latestFrame()->step == 0 && c->latestFrame()->n == shown.cols());
        QTRY_VERIFY(c->latestFrame()->positions.isApprox(shown, 1e-12));
    }
};

QTEST_MAIN(TestLecture)
#include "test_lecture.moc"
