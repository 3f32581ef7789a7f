// attnsphere_gui_bench SCENARIO SECONDS: the main window as bench/gui/run measures it. After a 3 s warm-up
// it measures for SECONDS with the camera orbiting (every view frame has to be rendered) and the repaint
// caps raised to what the machine sustains (60 fps view, 30 Hz panels; interactive: 30 / 15), then prints
// median/p95 view frame times, the panels' update rate and the headline as its last line.
#include "app/Options.h"
#include "core/Errors.h"
#include "core/Scenario.h"
#include "render/SceneRenderer.h"
#include "render/Theme.h"
#include "ui/GuiMain.h"
#include "ui/MainWindow.h"
#include "ui/SphereView.h"

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

}  // namespace

int main(int argc, char** argv) {
    ui::prepareGuiProcess();
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("attnsphere"));
    QApplication::setApplicationName(QStringLiteral("attnsphere"));
    core::Scenario scenario;
    double benchSeconds = 0;
    try {
        if (argc != 3) throw core::ValidationError("", "usage: attnsphere_gui_bench SCENARIO|PRESET SECONDS");
        benchSeconds = app::parseNumber("SECONDS", argv[2], app::Range{1, 3600});
        scenario = core::Scenario::load(argv[1]);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "attnsphere_gui_bench: %s\n", e.what());
        return app::kExitUsage;
    }
    render::applyTheme(app);
    ui::MainWindow::Options options;
    options.interactive = false;
    options.restoreLayout = false;
    options.viewFps = 60;
    options.panelHz = 30;
    ui::MainWindow window(scenario, QString::fromLocal8Bit(argv[1]), options);
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
        core::Camera c;
        c.position = {4.3 * std::sin(angle * M_PI / 180), 1.2, 4.3 * std::cos(angle * M_PI / 180)};
        window.sphereView()->setCamera(c);
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
        std::printf(
            "view: %zu frames in %.1f s; render+blit median %.1f ms, p95 %.1f ms; frame interval median %.1f "
            "ms, "
            "p95 %.1f ms\n",
            paints.size(), seconds, percentile(paints, 0.5), percentile(paints, 0.95),
            percentile(intervals, 0.5), percentile(intervals, 0.95));
        std::printf(
            "panels: %lld refreshes with new data in %.1f s; data update (all four panels) median %.1f ms, "
            "p95 "
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
