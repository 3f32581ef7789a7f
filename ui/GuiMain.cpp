#include "ui/GuiMain.h"

#include "app/AtomicFile.h"
#include "app/Options.h"
#include "core/Comparison.h"
#include "core/Errors.h"
#include "core/Polarisation.h"
#include "core/Scenario.h"
#include "render/RenderOptions.h"
#include "render/Theme.h"
#include "ui/ComparisonWindow.h"
#include "ui/LectureController.h"
#include "ui/MainWindow.h"
#include "ui/PhaseWindow.h"
#include "ui/PolarisationWindow.h"
#include "ui/SphereView.h"

#include <QApplication>
#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QSettings>
#include <QTimer>

#ifdef Q_OS_LINUX
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#endif

#include <algorithm>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

namespace attnsphere::ui {

namespace {

int usage(const std::string& message) {
    std::fprintf(stderr, "attnsphere: %s\n", message.c_str());
    return app::kExitUsage;
}

// `--compare`: the comparison window instead of the main window (with --screenshot: grab it and exit).
int runComparison(QApplication& app, const core::Comparison& comparison, const render::SceneStyle& style,
                  const QString& screenshotFile, double after) {
    const bool headless = !screenshotFile.isEmpty();
    ComparisonWindow::Options options;
    options.interactive = !headless;
    ComparisonWindow window(comparison, options);
    for (SphereView* view : window.views()) view->setStyle(style);
    if (headless) window.resize(1880, 1040);
    window.show();
    if (!headless) return app.exec();
    int code = 0;
    QTimer::singleShot(static_cast<int>(after * 1000), &window, [&] {
        if (!window.settle())
            std::fprintf(stderr, "attnsphere: --screenshot: the comparison did not pause within 10 s\n");
        QImage image = window.grabWindow();
        // Facts for tests: each view's rectangle in the image.
        for (std::size_t k = 0; k < window.views().size(); ++k) {
            SphereView* view = window.views()[k];
            const QRect r(view->mapTo(&window, QPoint(0, 0)), view->size());
            image.setText(QStringLiteral("attnsphere.view.%1").arg(k),
                          QStringLiteral("%1 %2 %3 %4").arg(r.x()).arg(r.y()).arg(r.width()).arg(r.height()));
        }
        try {
            app::writePng(image, screenshotFile);
        } catch (const app::FileWriteError& e) {
            std::fprintf(stderr, "attnsphere: %s\n", e.what());
            code = 1;
        }
        window.close();
        app.exit(code);
    });
    return app.exec() == 0 ? code : 1;
}

// Writes the window as shown (overlays included) to `file`; 0, or 1 after saying why.
int writeScreenshot(const QImage& image, const QString& file) {
    try {
        app::writePng(image, file);
    } catch (const app::FileWriteError& e) {
        std::fprintf(stderr, "attnsphere: %s\n", e.what());
        return 1;
    }
    return 0;
}

// With ATTNSPHERE_FIRST_FRAME set, stderr gets the wall-clock time (ms since the epoch) at which the view
// first painted a frame: a script subtracts its own start time to measure a cold start.
void reportFirstFrame(SphereView* view) {
    if (qEnvironmentVariableIsEmpty("ATTNSPHERE_FIRST_FRAME")) return;
    auto* poll = new QTimer(view);
    poll->setInterval(5);
    QObject::connect(poll, &QTimer::timeout, view, [view, poll] {
        if (view->paintCount() == 0 || !view->currentFrame()) return;
        std::fprintf(stderr, "attnsphere: first frame shown at %lld ms since the epoch\n",
                     static_cast<long long>(QDateTime::currentMSecsSinceEpoch()));
        poll->deleteLater();
    });
    poll->start();
}

// `--lecture`: the main window full screen at a step of the lecture (with --screenshot: 1920×1080, run,
// grab, exit).
int runLecture(QApplication& app, const app::ParsedOptions& p, const render::SceneStyle& style,
               const QString& screenshotFile, double after) {
    core::Lecture lecture;
    try {
        lecture = LectureController::load(p.text("--lecture"));
    } catch (const std::exception& e) {
        return usage(app::aboutOption("--lecture", e.what()));
    }
    if (lecture.steps.empty()) return usage("--lecture: the lecture has no steps");
    const long long step = p.integer("--step");
    if (step > static_cast<long long>(lecture.steps.size()))
        return usage("--step: must be at most " + std::to_string(lecture.steps.size()) +
                     " (the lecture's steps), got " + std::to_string(step));
    const bool headless = !screenshotFile.isEmpty();
    render::applyTheme(app);
    MainWindow::Options options;
    options.interactive = !headless;
    options.restoreLayout = false;  // the lecture lays the window out
    options.startRunning = false;   // each step says whether it plays
    MainWindow window(lecture.steps[static_cast<std::size_t>(step - 1)].scenario, QString(), options);
    window.setSceneStyle(style);
    reportFirstFrame(window.sphereView());
    const QString path = QFileInfo::exists(QString::fromStdString(p.text("--lecture")))
                             ? QString::fromStdString(p.text("--lecture"))
                             : QString();
    if (headless) {
        window.resize(1920, 1080);
        window.show();
    } else {
        window.showFullScreen();
    }
    window.lecture()->open(std::move(lecture), path, static_cast<int>(step - 1));
    // The options win over the lecture's own theme and presentation display.
    const render::DisplayStyle display = render::displayStyleFrom(p, render::displayStyle());
    if (p.has("--theme")) window.setTheme(display.theme);
    if (p.has("--presentation")) window.setPresentationMode(true);
    if (!headless) return app.exec();
    int code = 0;
    QTimer::singleShot(static_cast<int>(after * 1000), &window, [&] {
        if (!window.settle())
            std::fprintf(stderr, "attnsphere: --screenshot: the simulation did not pause within 10 s\n");
        code = writeScreenshot(window.lecture()->grabWindow(), screenshotFile);
        window.close();
        app.exit(code);
    });
    return app.exec() == 0 ? code : 1;
}

// `--polarisation` (or a polarisation file given to --scenario): the value-softmax model's window alone
// (with --screenshot: play for `after` seconds, grab, exit).
int runPolarisation(QApplication& app, const std::string& source, const QString& screenshotFile,
                    double after) {
    core::PolarisationSpec spec;
    try {
        spec = core::PolarisationSpec::load(source);
    } catch (const std::exception& e) {
        return usage(app::aboutOption("--polarisation", e.what()));
    }
    render::applyTheme(app);
    PolarisationWindow window(spec);
    window.show();
    window.setPlaying(true);
    if (screenshotFile.isEmpty()) return app.exec();
    int code = 0;
    QTimer::singleShot(static_cast<int>(after * 1000), &window, [&] {
        window.setPlaying(false);
        code = writeScreenshot(window.grabWindow(), screenshotFile);
        window.close();
        app.exit(code);
    });
    return app.exec() == 0 ? code : 1;
}

}  // namespace

const app::CommandSpec& guiCommandSpec() {
    static const app::CommandSpec command{
        "",
        {"[--scenario FILE|PRESET] [--screenshot OUT.png --after SECONDS] [--colour MODE] [--trail N]",
         "--compare FILE [--screenshot OUT.png --after SECONDS]",
         "--lecture FILE|builtin [--step K] [--screenshot OUT.png --after SECONDS]",
         "--polarisation FILE|PRESET [--screenshot OUT.png --after SECONDS]"},
        "Opens the main window on a scenario (the last one used, else the default preset), or with\n"
        "--compare the comparison window: two to four runs side by side from the same start, or with\n"
        "--lecture a lecture full screen (doc/LECTURES.md; PageDown/PageUp step through it), or with\n"
        "--polarisation the value-softmax model's window (doc/POLARISATION.md; also when --scenario names\n"
        "a polarisation file or preset).\n",
        {app::OptionSpec("--scenario", "FILE|PRESET", app::OptionKind::Text,
                         "scenario file (JSON, doc/SCENARIOS.md) or built-in preset to open"),
         app::OptionSpec("--screenshot", "OUT.png", app::OptionKind::Text,
                         "run the window, save a screenshot of it to OUT.png, exit 0"),
         app::OptionSpec("--after", "SECONDS", app::OptionKind::Number,
                         "how long to run before the screenshot")
             .in({0, 3600})
             .byDefault("5"),
         app::OptionSpec("--lecture", "FILE|builtin", app::OptionKind::Text,
                         "open a lecture file (or the built-in lecture) full screen"),
         app::OptionSpec("--step", "K", app::OptionKind::Integer, "with --lecture: start at step K (1-based)")
             .in({1, core::Lecture::stepsMax})
             .byDefault("1"),
         app::OptionSpec("--polarisation", "FILE|PRESET", app::OptionKind::Text,
                         "open a polarisation file or preset (the value-softmax model) in its own window"),
         app::OptionSpec("--phase", "DIR", app::OptionKind::Text,
                         "also open the phase-diagram window on a sweep result (attnsphere sweep --out DIR)"),
         app::OptionSpec("--select", "INDEX", app::OptionKind::Integer, "select a token at start")
             .in({0, 1e9})
             .hide(),
         render::colourOption(), render::trailOption(), render::themeOption(), render::presentationOption(),
         app::historyBudgetOption(), app::compareOption()},
        {}};
    return command;
}

void prepareGuiProcess() {
#ifdef Q_OS_LINUX
    // Without XDG_RUNTIME_DIR (root shells, containers, xvfb-run) Qt takes /tmp/runtime-<user> and says so
    // on stderr; take an equivalent private directory quietly, so a clean run prints nothing.
    if (qEnvironmentVariableIsEmpty("XDG_RUNTIME_DIR")) {
        const QByteArray dir =
            QDir::tempPath().toLocal8Bit() + "/attnsphere-runtime-" + QByteArray::number(getuid());
        if ((::mkdir(dir.constData(), 0700) == 0 || errno == EEXIST) && ::chmod(dir.constData(), 0700) == 0) {
            struct stat st {};
            if (::stat(dir.constData(), &st) == 0 && st.st_uid == getuid()) qputenv("XDG_RUNTIME_DIR", dir);
        }
    }
#endif
    SphereView::prepareOpenGl();  // before the QApplication exists (doc/ARCHITECTURE.md, Platform facts)
}

int runGui(int argc, char** argv) {
    prepareGuiProcess();
    QApplication app(argc, argv);  // takes Qt's own options (-platform, -style) out of argv
    QApplication::setOrganizationName(QStringLiteral("attnsphere"));
    QApplication::setApplicationName(QStringLiteral("attnsphere"));
    QApplication::setApplicationVersion(QStringLiteral(ATTNSPHERE_VERSION));

    const app::CommandSpec& spec = guiCommandSpec();
    std::optional<app::ParsedOptions> parsed;
    try {
        parsed.emplace(spec, std::vector<std::string>(argv + std::min(argc, 1), argv + argc));
    } catch (const core::ValidationError& e) {
        return usage(e.what());
    }
    const app::ParsedOptions& p = *parsed;
    if (p.helpRequested()) {
        std::fputs(app::helpText(spec).c_str(), stdout);
        return app::kExitOk;
    }
    if (!p.positional().empty())
        return usage("unexpected argument \"" + p.positional().front() +
                     "\" (GUI options: --scenario, --screenshot, --after; commands: see attnsphere --help)");
    const bool screenshot = p.has("--screenshot");
    const double after = p.number("--after");
    const QString screenshotFile = QString::fromStdString(p.text("--screenshot"));
    if (screenshot &&
        QFileInfo(screenshotFile).suffix().compare(QStringLiteral("png"), Qt::CaseInsensitive) != 0)
        return usage("--screenshot: the file name must end in .png");
    const int select = p.has("--select") ? static_cast<int>(p.integer("--select")) : -1;
    const render::SceneStyle style = render::sceneStyle(p, spec, {});
    const bool headless = screenshot;
    const render::DisplayStyle display = render::displayStyleFrom(p, {});

    if (p.has("--step") && !p.has("--lecture")) return usage("--step: only with --lecture");
    if (p.has("--lecture")) {
        for (const char* other : {"--compare", "--scenario"})
            if (p.has(other))
                return usage(std::string("--lecture: names its own scenarios; do not give ") + other);
        return runLecture(app, p, style, screenshot ? screenshotFile : QString(), after);
    }

    const bool polarScenario = p.has("--scenario") && core::isPolarisationSource(p.text("--scenario"));
    if (p.has("--polarisation") || polarScenario) {
        for (const char* other : {"--compare", "--phase"})
            if (p.has(other)) return usage(std::string("--polarisation: do not give ") + other);
        if (p.has("--polarisation") && p.has("--scenario"))
            return usage("--polarisation: opens its own window; do not give --scenario");
        render::setDisplayStyle(display);
        return runPolarisation(app, p.text(polarScenario ? "--scenario" : "--polarisation"),
                               screenshot ? screenshotFile : QString(), after);
    }

    if (p.has("--compare")) {
        if (p.has("--scenario")) return usage("--compare: names its own scenarios; do not give --scenario");
        core::Comparison comparison;
        try {
            comparison = core::loadComparison(p.text("--compare"));
        } catch (const std::exception& e) {
            return usage(app::aboutOption("--compare", e.what()));
        }
        render::setDisplayStyle(display);
        render::applyTheme(app);
        return runComparison(app, comparison, style, screenshot ? screenshotFile : QString(), after);
    }

    // Scenario: the option, else (interactive) the last one used, else the default preset.
    QString source = QString::fromStdString(p.text("--scenario"));
    if (source.isEmpty() && !headless) source = QSettings().value(QStringLiteral("scenario/last")).toString();
    core::Scenario scenario;
    try {
        scenario =
            core::Scenario::load(source.isEmpty() ? std::string(core::kDefaultPreset) : source.toStdString());
    } catch (const std::exception& e) {
        if (p.has("--scenario")) return usage(std::string("--scenario: ") + e.what());
        source.clear();
        scenario = core::Scenario::load(core::kDefaultPreset);
    }
    if (source.isEmpty()) source = QString::fromLatin1(core::kDefaultPreset);

    render::applyTheme(app);
    MainWindow::Options options;
    options.interactive = !headless;
    options.restoreLayout = !headless;
    // The option, else (interactive) the budget set last in Simulation › Timeline › History memory.
    options.historyMb = static_cast<int>(p.integer("--history-mb"));
    if (!p.has("--history-mb") && !headless)
        options.historyMb =
            std::clamp(QSettings().value(MainWindow::kHistorySetting, options.historyMb).toInt(),
                       app::History::kMinBudgetMb, app::History::kMaxBudgetMb);
    MainWindow window(scenario, source, options);
    window.setSceneStyle(style);
    if (headless) window.resize(1880, 1040);
    window.show();
    // The options win over the theme remembered in the settings; presentation mode as the menu enters it.
    if (p.has("--theme")) window.setTheme(display.theme);
    if (display.presentation()) window.setPresentationMode(true);
    if (select >= 0) window.selectToken(select);
    if (p.has("--phase")) {
        // A folder that cannot be read says so in the window's banner.
        PhaseWindow* phase = phaseWindow(window);
        phase->show();
        phase->openResult(QString::fromStdString(p.text("--phase")));
    }

    if (screenshot) {
        const QString out = screenshotFile;
        int code = 0;
        QTimer::singleShot(static_cast<int>(after * 1000), &window, [&] {
            // One state everywhere: paused, with the view, panels and status bar at the same frame.
            if (!window.settle())
                std::fprintf(stderr, "attnsphere: --screenshot: the simulation did not pause within 10 s\n");
            if (select >= 0) window.selectToken(select);
            QImage image = window.grabWindow();
            // Facts for tests and documentation, stored as PNG text chunks.
            SphereView* view = window.sphereView();
            const QRect r(view->mapTo(&window, QPoint(0, 0)), view->size());
            image.setText(QStringLiteral("attnsphere.view"),
                          QStringLiteral("%1 %2 %3 %4").arg(r.x()).arg(r.y()).arg(r.width()).arg(r.height()));
            image.setText(QStringLiteral("attnsphere.projection"), view->projectionLabel());
            if (view->selectedToken() >= 0) {
                const QPointF at = view->tokenPosition(view->selectedToken()) + QPointF(r.topLeft());
                image.setText(QStringLiteral("attnsphere.selected"),
                              QStringLiteral("%1 %2 %3").arg(view->selectedToken()).arg(at.x()).arg(at.y()));
            }
            try {
                app::writePng(image, out);
            } catch (const app::FileWriteError& e) {
                std::fprintf(stderr, "attnsphere: %s\n", e.what());
                code = 1;
            }
            window.close();
            app.exit(code);
        });
        return app.exec();
    }
    return app.exec();
}

}  // namespace attnsphere::ui
