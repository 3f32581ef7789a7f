// attnsphere_gui_bench SCENARIO SECONDS [live|scrub|compare]: the windows as bench/gui/run measures them,
// with the repaint caps raised to what the machine sustains (60 fps view, 30 Hz panels; interactive: 30 /
// 15). After a 3 s warm-up each mode measures for SECONDS and prints its figures and a headline as its last
// line:
//   live     the main window running, camera orbiting (every view frame has to be rendered);
//   scrub    the main window paused on a history of kScrubFrames kept frames, the timeline scrubbed
//            through them continuously: view frames, time-plot replots (cursor) and recomputed frames
//            (bars, heatmap) per second;
//   compare  the softmax-vs-ReLU comparison of SCENARIO (two runs, two linked views), camera orbiting.
#include "app/History.h"
#include "app/Options.h"
#include "core/Comparison.h"
#include "core/Errors.h"
#include "core/Scenario.h"
#include "render/PlotPanel.h"
#include "render/SceneRenderer.h"
#include "render/Theme.h"
#include "ui/ComparisonWindow.h"
#include "ui/GuiMain.h"
#include "ui/MainWindow.h"
#include "ui/SphereView.h"
#include "ui/TimelineWidget.h"

#include <qcustomplot.h>

#include <QApplication>
#include <QElapsedTimer>
#include <QTimer>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

using namespace attnsphere;

namespace {

double percentile(std::vector<double> v, double q) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    const auto k = static_cast<std::size_t>(std::clamp(q * (v.size() - 1) + 0.5, 0.0, v.size() - 1.0));
    return v[k];
}

constexpr int kScrubFrames = 10000;

core::Camera orbit(double degrees) {
    core::Camera c;
    c.position = {4.3 * std::sin(degrees * M_PI / 180), 1.2, 4.3 * std::cos(degrees * M_PI / 180)};
    return c;
}

void printViewLine(const char* what, const std::vector<double>& paints, const std::vector<double>& intervals,
                   double seconds) {
    std::printf(
        "%s: %zu frames in %.1f s; render+blit median %.1f ms, p95 %.1f ms; frame interval median %.1f ms, "
        "p95 %.1f ms\n",
        what, paints.size(), seconds, percentile(paints, 0.5), percentile(paints, 0.95),
        percentile(intervals, 0.5), percentile(intervals, 0.95));
}

// A kept frame of the same run turned by `angle` about the z axis at time t: distinct positions (the
// view must redraw), the run's own observables.
app::HistoryEntry rotatedEntry(const app::HistoryEntry& base, double angle, double t, std::int64_t index) {
    auto frame = std::make_shared<core::Frame>(*base.frame);
    const double c = std::cos(angle), s = std::sin(angle);
    for (Eigen::Index i = 0; i < frame->positions.cols(); ++i) {
        const double x = frame->positions(0, i), y = frame->positions(1, i);
        frame->positions(0, i) = c * x - s * y;
        frame->positions(1, i) = s * x + c * y;
    }
    frame->t = t;
    frame->step = index;
    app::HistoryEntry e = base;
    e.frame = std::move(frame);
    e.index = index;
    return e;
}

int benchLive(QApplication& app, const core::Scenario& scenario, const QString& name, double benchSeconds) {
    ui::MainWindow::Options options;
    options.interactive = false;
    options.restoreLayout = false;
    options.viewFps = 60;
    options.panelHz = 30;
    ui::MainWindow window(scenario, name, options);
    window.resize(1880, 1040);
    window.show();

    QElapsedTimer clock;
    long long panelsAtStart = 0;
    QTimer::singleShot(3000, &window, [&] {
        window.sphereView()->takePaintTimes();
        window.sphereView()->takePaintIntervals();
        panelsAtStart = window.panelRefreshCount();
        window.takePanelTimes();
        clock.start();
    });
    QTimer spin;
    double angle = 0;
    spin.setInterval(5);
    QObject::connect(&spin, &QTimer::timeout, &window, [&] {
        angle += 0.5;
        window.sphereView()->setCamera(orbit(angle));
    });
    spin.start();
    QTimer::singleShot(static_cast<int>((3 + benchSeconds) * 1000), &window, [&] {
        const double seconds = clock.nsecsElapsed() * 1e-9;
        const auto paints = window.sphereView()->takePaintTimes();
        const auto intervals = window.sphereView()->takePaintIntervals();
        const long long panels = window.panelRefreshCount() - panelsAtStart;
        const auto panelTimes = window.takePanelTimes();
        const auto& s = window.controller()->scenario();
        const double fps = paints.size() / seconds, hz = panels / seconds;
        std::printf("scenario: n=%d d=%d H=%d kernel=%s, window %dx%d, caps: view %.0f fps, panels %.0f Hz\n",
                    s.n, s.d, s.heads.count, std::string(core::toString(s.kernel)).c_str(), window.width(),
                    window.height(), options.viewFps, options.panelHz);
        printViewLine("view", paints, intervals, seconds);
        std::printf(
            "panels: %lld refreshes with new data in %.1f s; data update (all panels) median %.1f ms, p95 "
            "%.1f ms; simulation %.1f steps/s\n",
            panels, seconds, percentile(panelTimes, 0.5), percentile(panelTimes, 0.95),
            window.stepsPerSecond());
        // QCustomPlot replots are queued; their own timer gives the drawing cost (average of recent replots).
        double replot = 0;
        const auto plots = window.findChildren<QCustomPlot*>();
        for (QCustomPlot* p : plots) replot += p->replotTime(true);
        std::printf("panels: %lld plots, average replot time summed over all plots %.1f ms\n",
                    static_cast<long long>(plots.size()), replot);
        std::printf("headline: view_fps=%.1f panels_hz=%.1f at n=%d d=%d H=%d\n", fps, hz, s.n, s.d,
                    s.heads.count);
        std::fflush(stdout);
        window.close();
        app.exit(0);
    });
    return app.exec();
}

int benchScrub(QApplication& app, const core::Scenario& scenario, const QString& name, double benchSeconds) {
    ui::MainWindow::Options options;
    options.interactive = false;
    options.restoreLayout = false;
    options.viewFps = 60;
    options.panelHz = 30;
    ui::MainWindow window(scenario, name, options);
    window.resize(1880, 1040);
    window.show();
    app::SimulationController* controller = window.controller();

    long long recomputed = 0, replots = 0, scrubs = 0;
    QObject::connect(controller, &app::SimulationController::historyFrame, &window, [&] { ++recomputed; });
    // Every time plot draws the cursor: count the replots of all of them.
    std::vector<QCustomPlot*> timePlots;
    for (render::PlotPanel* p : window.panels())
        for (QCustomPlot* plot : p->timePlots()) timePlots.push_back(plot);
    for (QCustomPlot* plot : timePlots)
        QObject::connect(plot, &QCustomPlot::afterReplot, &window, [&] { ++replots; });

    QElapsedTimer clock;
    QTimer scrub;
    int position = 0, direction = 1;
    scrub.setInterval(5);
    QObject::connect(&scrub, &QTimer::timeout, &window, [&] {
        ui::TimelineWidget* timeline = window.timeline();
        const int last = static_cast<int>(timeline->entries().size()) - 1;
        if (last < 1) return;
        position += direction * 7;  // across the whole history, back and forth
        if (position >= last || position <= 0) {
            direction = -direction;
            position = std::clamp(position, 0, last);
        }
        timeline->scrubTo(position);
        ++scrubs;
    });
    QTimer::singleShot(3000, &window, [&] {
        controller->pause();
        auto history = controller->history();
        const auto kept = history->snapshot();
        if (kept.empty()) {
            std::fprintf(stderr, "attnsphere_gui_bench: no frame was kept in 3 s\n");
            app.exit(1);
            return;
        }
        history->clear();
        const app::HistoryEntry base = kept.front();
        const double dt = scenario.dt;
        for (int k = 0; k < kScrubFrames; ++k) {
            app::HistoryEntry e = rotatedEntry(base, 1e-3 * k, k * dt, k);
            e.run = history->run();
            history->append(std::move(e));
        }
        window.timeline()->syncHistory();
        window.sphereView()->takePaintTimes();
        window.sphereView()->takePaintIntervals();
        recomputed = replots = scrubs = 0;
        clock.start();
        scrub.start();
    });
    QTimer::singleShot(static_cast<int>((3 + benchSeconds) * 1000), &window, [&] {
        const double seconds = clock.nsecsElapsed() * 1e-9;
        const auto paints = window.sphereView()->takePaintTimes();
        const auto intervals = window.sphereView()->takePaintIntervals();
        const auto history = controller->history();
        const std::size_t kept = window.timeline()->entries().size();
        const double timePlotsHz = timePlots.empty() ? 0 : replots / seconds / timePlots.size();
        std::printf("scrub: %zu kept frames (%.0f MB of a %zu MB budget, %s), %lld scrubs in %.1f s\n", kept,
                    history->bytes() / 1048576.0, history->budget() >> 20,
                    history->thinning().stride == 1 ? "none thinned" : history->thinning().text().c_str(),
                    scrubs, seconds);
        printViewLine("scrub view", paints, intervals, seconds);
        std::printf(
            "scrub panels: %zu time plots, %.1f cursor replots/s each; %.1f recomputed frames/s (bars, "
            "heatmap)\n",
            timePlots.size(), timePlotsHz, recomputed / seconds);
        std::printf(
            "headline: scrub_view_fps=%.1f scrub_plots_hz=%.1f scrub_detail_hz=%.1f over %zu frames\n",
            paints.size() / seconds, timePlotsHz, recomputed / seconds, kept);
        std::fflush(stdout);
        window.close();
        app.exit(0);
    });
    return app.exec();
}

int benchCompare(QApplication& app, const core::Scenario& scenario, double benchSeconds) {
    const core::ComparisonRecipe* recipe = core::findRecipe("softmax-vs-relu");
    if (!recipe) return 1;
    ui::ComparisonWindow::Options options;
    options.interactive = false;
    ui::ComparisonWindow window(core::makeComparison(*recipe, scenario), options);
    window.resize(1880, 1040);
    window.show();
    for (ui::SphereView* v : window.views()) v->setMaxFps(60);
    QElapsedTimer clock;
    QTimer::singleShot(3000, &window, [&] {
        for (ui::SphereView* v : window.views()) {
            v->takePaintTimes();
            v->takePaintIntervals();
        }
        clock.start();
    });
    QTimer spin;
    double angle = 0;
    spin.setInterval(5);
    QObject::connect(&spin, &QTimer::timeout, &window, [&] {
        angle += 0.5;
        window.views().front()->setCamera(orbit(angle));  // the others follow (linked cameras)
    });
    spin.start();
    QTimer::singleShot(static_cast<int>((3 + benchSeconds) * 1000), &window, [&] {
        const double seconds = clock.nsecsElapsed() * 1e-9;
        double slowest = 1e300;
        for (std::size_t k = 0; k < window.views().size(); ++k) {
            const auto paints = window.views()[k]->takePaintTimes();
            const auto intervals = window.views()[k]->takePaintIntervals();
            const std::string what = "compare view " + std::to_string(k + 1);
            printViewLine(what.c_str(), paints, intervals, seconds);
            slowest = std::min(slowest, paints.size() / seconds);
        }
        std::printf("headline: compare_view_fps=%.1f (slowest of %zu linked views) at n=%d\n", slowest,
                    window.views().size(), scenario.n);
        std::fflush(stdout);
        window.close();
        app.exit(0);
    });
    return app.exec();
}

}  // namespace

int main(int argc, char** argv) {
    ui::prepareGuiProcess();
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("attnsphere"));
    QApplication::setApplicationName(QStringLiteral("attnsphere"));
    core::Scenario scenario;
    double benchSeconds = 0;
    std::string mode = "live";
    try {
        if (argc != 3 && argc != 4)
            throw core::ValidationError(
                "", "usage: attnsphere_gui_bench SCENARIO|PRESET SECONDS [live|scrub|compare]");
        benchSeconds = app::parseNumber("SECONDS", argv[2], app::Range{1, 3600});
        scenario = core::Scenario::load(argv[1]);
        if (argc == 4) mode = argv[3];
        if (mode != "live" && mode != "scrub" && mode != "compare")
            throw core::ValidationError("mode", "must be live, scrub or compare");
    } catch (const std::exception& e) {
        std::fprintf(stderr, "attnsphere_gui_bench: %s\n", e.what());
        return app::kExitUsage;
    }
    render::applyTheme(app);
    const QString name = QString::fromLocal8Bit(argv[1]);
    if (mode == "scrub") return benchScrub(app, scenario, name, benchSeconds);
    if (mode == "compare") return benchCompare(app, scenario, benchSeconds);
    return benchLive(app, scenario, name, benchSeconds);
}
