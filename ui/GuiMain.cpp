#include "ui/GuiMain.h"

#include "app/AtomicFile.h"
#include "core/Scenario.h"
#include "render/PlotPanel.h"
#include "render/Theme.h"
#include "ui/MainWindow.h"

#include <qcustomplot.h>
#include "ui/SphereView.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QElapsedTimer>
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
#include <vector>

namespace attnsphere::ui {
namespace {

double percentile(std::vector<double> v, double q) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    const auto k = static_cast<std::size_t>(std::clamp(q * (v.size() - 1) + 0.5, 0.0, v.size() - 1.0));
    return v[k];
}

int usage(const QString& message) {
    std::fprintf(stderr, "attnsphere: %s\n", qPrintable(message));
    return 2;
}

}  // namespace

int runGui(int argc, char** argv) {
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
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("attnsphere"));
    QApplication::setApplicationName(QStringLiteral("attnsphere"));
    QApplication::setApplicationVersion(QStringLiteral(ATTNSPHERE_VERSION));

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("attnsphere: transformer self-attention as particles on the sphere"));
    parser.addHelpOption();
    QCommandLineOption scenarioOpt(QStringLiteral("scenario"),
                                   QStringLiteral("Scenario JSON file or preset name."),
                                   QStringLiteral("FILE|PRESET"));
    QCommandLineOption screenshotOpt(QStringLiteral("screenshot"),
                                     QStringLiteral("Save the whole window as PNG and exit."),
                                     QStringLiteral("OUT.png"));
    QCommandLineOption afterOpt(QStringLiteral("after"),
                                QStringLiteral("Seconds to run before the screenshot (default 5)."),
                                QStringLiteral("SECONDS"), QStringLiteral("5"));
    QCommandLineOption selectOpt(QStringLiteral("select"), QStringLiteral("Select token INDEX at start."),
                                 QStringLiteral("INDEX"));
    QCommandLineOption benchOpt(QStringLiteral("bench"),
                                QStringLiteral("Measure view and panel rates for SECONDS, print, exit."),
                                QStringLiteral("SECONDS"));
    QCommandLineOption colourOpt(QStringLiteral("colour"),
                                 QStringLiteral("Token colours: index, cluster, head, entropy, radial."),
                                 QStringLiteral("MODE"));
    QCommandLineOption trailOpt(QStringLiteral("trail"),
                                QStringLiteral("Trail length in samples (0: none, default 30)."),
                                QStringLiteral("N"));
    selectOpt.setFlags(QCommandLineOption::HiddenFromHelp);
    benchOpt.setFlags(QCommandLineOption::HiddenFromHelp);
    parser.addOptions({scenarioOpt, screenshotOpt, afterOpt, selectOpt, benchOpt, colourOpt, trailOpt});
    if (!parser.parse(QApplication::arguments())) return usage(parser.errorText());
    if (parser.isSet(QStringLiteral("help"))) {
        std::fprintf(stdout, "%s", qPrintable(parser.helpText()));
        return 0;
    }
    if (!parser.positionalArguments().isEmpty())
        return usage(
            QStringLiteral("unexpected argument \"%1\" (GUI options: --scenario, --screenshot, --after)")
                .arg(parser.positionalArguments().front()));

    const bool screenshot = parser.isSet(screenshotOpt);
    const bool bench = parser.isSet(benchOpt);
    bool ok = true;
    const double after = parser.value(afterOpt).toDouble(&ok);
    if (!ok || !(after >= 0 && after <= 3600))
        return usage(QStringLiteral("--after: must be a number of seconds in [0, 3600]"));
    double benchSeconds = 0;
    if (bench) {
        benchSeconds = parser.value(benchOpt).toDouble(&ok);
        if (!ok || !(benchSeconds >= 1 && benchSeconds <= 3600))
            return usage(QStringLiteral("--bench: must be a number of seconds in [1, 3600]"));
    }
    if (screenshot &&
        QFileInfo(parser.value(screenshotOpt)).suffix().compare(QStringLiteral("png"), Qt::CaseInsensitive) !=
            0)
        return usage(QStringLiteral("--screenshot: the file name must end in .png"));
    int select = -1;
    if (parser.isSet(selectOpt)) {
        select = parser.value(selectOpt).toInt(&ok);
        if (!ok || select < 0) return usage(QStringLiteral("--select: must be a token index >= 0"));
    }
    render::SceneStyle style;
    if (parser.isSet(colourOpt)) {
        const QString c = parser.value(colourOpt);
        if (c == QLatin1String("index"))
            style.colour = render::ColourMode::Index;
        else if (c == QLatin1String("cluster"))
            style.colour = render::ColourMode::Cluster;
        else if (c == QLatin1String("head"))
            style.colour = render::ColourMode::DominantHead;
        else if (c == QLatin1String("entropy"))
            style.colour = render::ColourMode::Entropy;
        else if (c == QLatin1String("radial"))
            style.colour = render::ColourMode::RadialShadow;
        else
            return usage(
                QStringLiteral("--colour: must be one of index, cluster, head, entropy, radial; got \"%1\"")
                    .arg(c));
    }
    if (parser.isSet(trailOpt)) {
        const int trail = parser.value(trailOpt).toInt(&ok);
        if (!ok || trail < 0 || trail > 200)
            return usage(QStringLiteral("--trail: must be an integer in [0, 200]"));
        style.trailLength = trail;
    }
    const bool headless = screenshot || bench;

    // Scenario: the option, else (interactive) the last one used, else the default preset.
    QString source = parser.value(scenarioOpt);
    if (source.isEmpty() && !headless) source = QSettings().value(QStringLiteral("scenario/last")).toString();
    core::Scenario scenario;
    try {
        scenario =
            core::Scenario::load(source.isEmpty() ? std::string(core::kDefaultPreset) : source.toStdString());
    } catch (const std::exception& e) {
        if (parser.isSet(scenarioOpt))
            return usage(QStringLiteral("--scenario: %1").arg(QString::fromStdString(e.what())));
        source.clear();
        scenario = core::Scenario::load(core::kDefaultPreset);
    }
    if (source.isEmpty()) source = QString::fromLatin1(core::kDefaultPreset);

    render::applyTheme(app);
    MainWindow::Options options;
    options.interactive = !headless;
    options.restoreLayout = !headless;
    if (bench) {
        // Measure what the machine sustains, not the interactive caps (30 fps view, 15 Hz panels).
        options.viewFps = 60;
        options.panelHz = 30;
    }
    MainWindow window(scenario, source, options);
    window.setSceneStyle(style);
    if (headless) window.resize(1880, 1040);
    window.show();
    if (select >= 0) window.selectToken(select);

    if (screenshot) {
        const QString out = parser.value(screenshotOpt);
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
                const QPointF p = view->tokenPosition(view->selectedToken()) + QPointF(r.topLeft());
                image.setText(QStringLiteral("attnsphere.selected"),
                              QStringLiteral("%1 %2 %3").arg(view->selectedToken()).arg(p.x()).arg(p.y()));
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
    if (bench) {
        // Warm up 3 s, then measure; the camera orbits so that every view frame has to be rendered.
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
            render::CameraState c;
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
            std::printf(
                "scenario: n=%d d=%d H=%d kernel=%s, window %dx%d, caps: view %.0f fps, panels %.0f Hz\n",
                s.n, s.d, s.heads.count, std::string(core::toString(s.kernel)).c_str(), window.width(),
                window.height(), options.viewFps, options.panelHz);
            std::printf(
                "view: %zu frames in %.1f s; render+blit median %.1f ms, p95 %.1f ms; frame interval median "
                "%.1f ms, "
                "p95 %.1f ms\n",
                paints.size(), seconds, percentile(paints, 0.5), percentile(paints, 0.95),
                percentile(intervals, 0.5), percentile(intervals, 0.95));
            std::printf(
                "panels: %lld refreshes with new data in %.1f s; data update (all four panels) median %.1f "
                "ms, "
                "p95 %.1f ms; "
                "simulation %.1f steps/s\n",
                panels, seconds, percentile(panelTimes, 0.5), percentile(panelTimes, 0.95),
                window.stepsPerSecond());
            // QCustomPlot replots are queued; their own timer gives the drawing cost (average of recent
            // replots).
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
    return app.exec();
}

}  // namespace attnsphere::ui
