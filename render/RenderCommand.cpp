// `attnsphere render`: simulation, offscreen VTK rendering, composition and ffmpeg encoding in
// lockstep (frame k shows simulation step k*K, never wall-clock time). Starts its own Xvfb when there
// is no X display. Single-threaded apart from the simulation's OpenMP and the ffmpeg child process.
#include "render/RenderCommand.h"

#include "core/Errors.h"
#include "core/RunExport.h"
#include "core/Scenario.h"
#include "core/Session.h"
#include "core/Simulation.h"
#include "render/FrameComposer.h"
#include "render/OffscreenRenderer.h"
#include "render/Theme.h"
#include "render/VideoEncoder.h"
#include "render/VideoPipeline.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <QStandardPaths>

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <memory>
#include <optional>
#include <string>

namespace attnsphere::render {

namespace {

std::atomic<bool> g_interrupted{false};
volatile std::sig_atomic_t g_signal = 0;

void onRenderInterrupt(int sig) {
    g_signal = sig;
    g_interrupted.store(true);
    // A second Ctrl-C kills at once; the output then stays under its temporary name.
    std::signal(sig, SIG_DFL);
}

[[noreturn]] void invalid(const char* option, const QString& message) {
    throw core::ValidationError(option, message.toStdString());
}

struct RenderOptions {
    QString source;
    QString session;
    QString out;
    QSize size{1280, 720};
    double fps = 30;
    std::optional<double> duration;
    std::optional<int> stepsPerFrame;
    std::optional<double> simTimePerSecond;
    bool orbit = false;
    bool transparent = false;
    QStringList overlays{"t"};
    QString title;
    QStringList panels;
    ColourMode colour = ColourMode::Index;
    int trail = 30;
    double pointSize = 12;
    int crf = -1;
    int threads = 0;
    QString exportDir;
    std::vector<std::string> commandLine;  // for metadata.json
};

double parseNumber(const QString& text, const char* option) {
    bool ok = false;
    const double v = text.toDouble(&ok);
    if (!ok || !std::isfinite(v)) invalid(option, QStringLiteral("'%1' is not a number").arg(text));
    return v;
}

int parseInt(const QString& text, const char* option, int lo, int hi) {
    bool ok = false;
    const int v = text.toInt(&ok);
    if (!ok || v < lo || v > hi)
        invalid(option, QStringLiteral("'%1' is out of range; expected an integer in [%2, %3]")
                            .arg(text)
                            .arg(lo)
                            .arg(hi));
    return v;
}

const char* kHelpText =
    "Usage: attnsphere render SCENARIO|PRESET --out FILE [options]\n"
    "       attnsphere render --session FILE --out FILE [options]\n"
    "\n"
    "Renders a scenario (a JSON file or a preset name) offscreen into a video, frame k showing the\n"
    "simulation after k*K steps (lockstep: the output never depends on the machine's speed).\n"
    "Starts its own Xvfb when DISPLAY is unset.\n"
    "\n"
    "Output by extension of --out: .mp4 (H.264 yuv420p), .webm (VP9, alpha with --transparent),\n"
    ".gif (generated palette), or a directory: PNG sequence frame_00000.png ... (RGBA with --transparent).\n"
    "\n"
    "Options:\n"
    "  --out FILE                 output file or directory (required)\n"
    "  --size WxH                 frame size, up to 3840x2160 (default 1280x720)\n"
    "  --fps F                    frames per second, (0, 240] (default 30)\n"
    "  --duration S               video length in seconds, (0, 3600] (default: up to the scenario's t_end,\n"
    "                             or the whole session)\n"
    "  --steps-per-frame K        integrator steps per frame, [1, 100000] (default 1)\n"
    "  --sim-time-per-second T    simulated time per second of video, (0, 1e6]; dt is shortened so that a\n"
    "                             whole number of steps fits into each frame (exclusive with the above)\n"
    "  --camera fixed|orbit       camera: fixed, or orbiting the sphere at 24 degrees per video second\n"
    "  --transparent              transparent background (PNG sequence or .webm only)\n"
    "  --overlay LIST             burned-in text: t,beta,n,d,H,kernel,title, all or none (default t)\n"
    "  --title TEXT               a title (shown when the title overlay is on; --title turns it on)\n"
    "  --panels LIST              panels beside the view: energy,entropy,shadows,heatmap, all or none\n"
    "  --colour MODE              token colours: index, cluster, head, entropy, shadow (default index)\n"
    "  --trail N                  trail length in frames, [0, 500] (default 30)\n"
    "  --point-size PX            token size in pixels at 1080 lines, scaled with the height, [1, 100]\n"
    "                             (default 12)\n"
    "  --crf Q                    quality: H.264 [0, 51] (default 20), VP9 [0, 63] (default 31)\n"
    "  --threads N                simulation threads, [0, 256] (0 = all cores)\n"
    "  --session FILE             re-render a session saved by the GUI (scenario + timeline + camera)\n"
    "  --export DIR               also write the rendered frames' data: series.csv, positions.npy,\n"
    "                             metadata.json (as `attnsphere run`)\n"
    "\n"
    "Exit codes: 0 done, 1 runtime failure, 2 bad input, 128 + signal when interrupted (130 Ctrl-C,\n"
    "143 SIGTERM, 129 SIGHUP: the frames rendered so far are finalised into a valid shorter file;\n"
    "nothing incomplete is left under the final name).\n";

// Returns nullopt after printing help.
std::optional<RenderOptions> parseOptions(const QStringList& args) {
    QCommandLineParser parser;
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    parser.addOptions({{"out", "", "FILE"},
                       {"size", "", "WxH"},
                       {"fps", "", "F"},
                       {"duration", "", "S"},
                       {"steps-per-frame", "", "K"},
                       {"sim-time-per-second", "", "T"},
                       {"camera", "", "MODE"},
                       {"transparent", ""},
                       {"overlay", "", "LIST"},
                       {"title", "", "TEXT"},
                       {"panels", "", "LIST"},
                       {"colour", "", "MODE"},
                       {"trail", "", "N"},
                       {"point-size", "", "PX"},
                       {"crf", "", "Q"},
                       {"threads", "", "N"},
                       {"session", "", "FILE"},
                       {"export", "", "DIR"},
                       {{"h", "help"}, ""}});
    if (!parser.parse(args))
        invalid("render", parser.errorText() + QStringLiteral(" (see attnsphere render --help)"));
    if (parser.isSet("help")) {
        std::fputs(kHelpText, stdout);
        return std::nullopt;
    }
    RenderOptions o;
    const QStringList positional = parser.positionalArguments();
    if (positional.size() > 1)
        invalid("render", QStringLiteral("one scenario expected, got: %1").arg(positional.join(' ')));
    o.source = positional.value(0);
    o.session = parser.value("session");
    if (o.source.isEmpty() && o.session.isEmpty())
        invalid("SCENARIO", QStringLiteral("name a scenario file or preset, or give --session FILE"));
    if (!o.source.isEmpty() && !o.session.isEmpty())
        invalid("--session", QStringLiteral("replays its own scenario; do not name another one"));
    o.out = parser.value("out");
    if (o.out.isEmpty())
        invalid("--out", QStringLiteral("is required (a .mp4, .webm, .gif file or a directory)"));
    if (parser.isSet("size")) {
        static const QRegularExpression re(QStringLiteral("^(\\d{1,5})x(\\d{1,5})$"));
        const auto m = re.match(parser.value("size"));
        if (!m.hasMatch())
            invalid("--size", QStringLiteral("'%1' is not WxH (e.g. 1280x720)").arg(parser.value("size")));
        o.size = QSize(m.captured(1).toInt(), m.captured(2).toInt());
    }
    if (parser.isSet("fps")) o.fps = parseNumber(parser.value("fps"), "--fps");
    if (parser.isSet("duration")) {
        o.duration = parseNumber(parser.value("duration"), "--duration");
        if (!(*o.duration > 0 && *o.duration <= 3600))
            invalid("--duration", QStringLiteral("%1 is out of range (0, 3600] seconds").arg(*o.duration));
    }
    if (parser.isSet("steps-per-frame") && parser.isSet("sim-time-per-second"))
        invalid("--steps-per-frame",
                QStringLiteral("and --sim-time-per-second exclude each other; give one"));
    if (parser.isSet("steps-per-frame"))
        o.stepsPerFrame = parseInt(parser.value("steps-per-frame"), "--steps-per-frame", 1, 100000);
    if (parser.isSet("sim-time-per-second")) {
        o.simTimePerSecond = parseNumber(parser.value("sim-time-per-second"), "--sim-time-per-second");
        if (!(*o.simTimePerSecond > 0 && *o.simTimePerSecond <= 1e6))
            invalid("--sim-time-per-second",
                    QStringLiteral("%1 is out of range (0, 1e6]").arg(*o.simTimePerSecond));
    }
    if (parser.isSet("camera")) {
        const QString c = parser.value("camera");
        if (c != QLatin1String("fixed") && c != QLatin1String("orbit"))
            invalid("--camera", QStringLiteral("'%1'; allowed: fixed, orbit").arg(c));
        o.orbit = c == QLatin1String("orbit");
    }
    o.transparent = parser.isSet("transparent");
    o.title = parser.value("title");
    if (parser.isSet("overlay"))
        o.overlays =
            FrameComposer::parseList(parser.value("overlay"), FrameComposer::overlayNames(), "--overlay");
    if (!o.title.isEmpty() && !o.overlays.contains("title")) o.overlays << "title";
    if (parser.isSet("panels"))
        o.panels = FrameComposer::parseList(parser.value("panels"), FrameComposer::panelNames(), "--panels");
    if (parser.isSet("colour")) {
        const QString c = parser.value("colour");
        if (c == QLatin1String("index"))
            o.colour = ColourMode::Index;
        else if (c == QLatin1String("cluster"))
            o.colour = ColourMode::Cluster;
        else if (c == QLatin1String("head"))
            o.colour = ColourMode::DominantHead;
        else if (c == QLatin1String("entropy"))
            o.colour = ColourMode::Entropy;
        else if (c == QLatin1String("shadow"))
            o.colour = ColourMode::RadialShadow;
        else
            invalid("--colour",
                    QStringLiteral("'%1'; allowed: index, cluster, head, entropy, shadow").arg(c));
    }
    if (parser.isSet("trail")) o.trail = parseInt(parser.value("trail"), "--trail", 0, 500);
    if (parser.isSet("point-size")) {
        o.pointSize = parseNumber(parser.value("point-size"), "--point-size");
        if (!(o.pointSize >= 1 && o.pointSize <= 100))
            invalid("--point-size", QStringLiteral("%1 is out of range [1, 100] pixels").arg(o.pointSize));
    }
    if (parser.isSet("crf")) o.crf = parseInt(parser.value("crf"), "--crf", 0, 63);
    o.exportDir = parser.value("export");
    if (parser.isSet("threads")) o.threads = parseInt(parser.value("threads"), "--threads", 0, 256);
    VideoEncoder::validate({o.out, o.size.width(), o.size.height(), o.fps, o.transparent, o.crf});
    return o;
}

// An Xvfb of our own for machines without a display; stopped when this object goes away.
class PrivateXServer {
public:
    PrivateXServer() = default;
    ~PrivateXServer() { stop(); }
    PrivateXServer(const PrivateXServer&) = delete;
    PrivateXServer& operator=(const PrivateXServer&) = delete;

    void start() {
        const QString xvfb = QStandardPaths::findExecutable(QStringLiteral("Xvfb"));
        if (xvfb.isEmpty())
            throw std::runtime_error(
                "DISPLAY is not set and Xvfb was not found on PATH; install the package `xvfb` "
                "(sudo apt install xvfb) or run under an X display");
        int fds[2];
        if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("cannot create a pipe for Xvfb");
        const QByteArray program = xvfb.toLocal8Bit();
        const std::string fdText = std::to_string(fds[1]);
        // A small screen is enough: VTK renders into its own framebuffers at any size.
        std::vector<std::string> args{"Xvfb",     "-displayfd", fdText, "-screen", "0",
                                      "64x64x24", "-nolisten",  "tcp",  "-noreset"};
        std::vector<char*> argv;
        for (std::string& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        const int devNull = ::open("/dev/null", O_RDWR | O_CLOEXEC);
        const pid_t ppid = ::getpid();
        const pid_t pid = ::fork();
        if (pid == 0) {
            ::setpgid(0, 0);  // a terminal Ctrl-C must not take the display from us mid-frame
            ::prctl(PR_SET_PDEATHSIG, SIGTERM);  // and it must not outlive us
            if (::getppid() != ppid) _exit(1);
            ::fcntl(fds[1], F_SETFD, 0);
            if (devNull >= 0) {
                ::dup2(devNull, 0);
                ::dup2(devNull, 1);
                ::dup2(devNull, 2);
            }
            ::execv(program.constData(), argv.data());
            _exit(127);
        }
        ::close(fds[1]);
        if (devNull >= 0) ::close(devNull);
        if (pid < 0) {
            ::close(fds[0]);
            throw std::runtime_error("cannot start Xvfb");
        }
        m_pid = pid;
        std::string number;
        pollfd pfd{fds[0], POLLIN, 0};
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        while (number.find('\n') == std::string::npos) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) break;
            const int r = ::poll(&pfd, 1, static_cast<int>(left.count()));
            if (r < 0 && errno == EINTR) continue;
            if (r <= 0) break;
            char buf[32];
            const ssize_t got = ::read(fds[0], buf, sizeof buf);
            if (got <= 0) break;
            number.append(buf, static_cast<std::size_t>(got));
        }
        ::close(fds[0]);
        while (!number.empty() && (number.back() == '\n' || number.back() == '\r')) number.pop_back();
        if (number.empty() || number.find_first_not_of("0123456789") != std::string::npos) {
            stop();
            throw std::runtime_error("Xvfb did not start (no display number reported within 20 s)");
        }
        m_display = ":" + number;
        ::setenv("DISPLAY", m_display.c_str(), 1);
    }

    void stop() {
        if (m_pid > 0) {
            ::kill(m_pid, SIGTERM);
            int status = 0;
            while (::waitpid(m_pid, &status, 0) < 0 && errno == EINTR) {
            }
        }
        m_pid = -1;
    }

private:
    pid_t m_pid = -1;
    std::string m_display;
};

class Progress {
public:
    explicit Progress(int total) : m_total(total), m_enabled(::isatty(2) == 1) { m_clock.start(); }
    void update(int done, double t) {
        if (!m_enabled) return;
        const qint64 now = m_clock.elapsed();
        if (done < m_total && now - m_lastPrint < 100) return;
        m_lastPrint = now;
        const int width = 30;
        const int filled = m_total > 0 ? done * width / m_total : width;
        const double perFrame = done > 0 ? now / 1000.0 / done : 0;
        const double eta = perFrame * (m_total - done);
        std::fprintf(stderr, "\rrender [%s%s] %d/%d frames  t=%.2f  %s %.0fs ",
                     std::string(filled, '#').c_str(), std::string(width - filled, '.').c_str(), done,
                     m_total, t, done < m_total ? "ETA" : "in", done < m_total ? eta : now / 1000.0);
        std::fflush(stderr);
    }
    void end() {
        if (m_enabled) std::fputc('\n', stderr);
    }
    double seconds() const { return m_clock.elapsed() / 1000.0; }

private:
    int m_total;
    bool m_enabled;
    QElapsedTimer m_clock;
    qint64 m_lastPrint = -1000;
};

CameraState toCamera(const core::SessionCamera& c) {
    CameraState s;
    s.position = c.position;
    s.focalPoint = c.focalPoint;
    s.viewUp = c.viewUp;
    s.viewAngle = c.viewAngle;
    return s;
}

int render(const RenderOptions& o) {
    // The scenario, or a session's player (which owns its simulation).
    std::unique_ptr<core::SessionPlayer> player;
    std::unique_ptr<core::Simulation> ownSim;
    core::Scenario scenario;
    std::int64_t sessionSteps = 0;
    if (!o.session.isEmpty()) {
        core::Session session = core::Session::fromFile(o.session.toStdString());
        sessionSteps = session.totalSteps();
        player = std::make_unique<core::SessionPlayer>(std::move(session));
        scenario = player->simulation().scenario();
    } else {
        scenario = core::Scenario::load(o.source.toStdString());
        ownSim = std::make_unique<core::Simulation>(scenario);
    }
    auto sim = [&]() -> core::Simulation& { return player ? player->simulation() : *ownSim; };
    if (player) {
        player->setThreads(o.threads);
        player->setAbortFlag(&g_interrupted);
    } else {
        sim().setThreads(o.threads);
        sim().setAbortFlag(&g_interrupted);
    }

    // Lockstep: K steps per frame. With --sim-time-per-second, dt is shortened so K whole steps make
    // exactly one frame's share of simulated time.
    int K = o.stepsPerFrame.value_or(1);
    double frameTime = 0;  // simulated time per frame, for adaptive stepping only
    const bool adaptive = sim().integrator() == core::IntegratorKind::DormandPrince;
    if (o.simTimePerSecond) {
        frameTime = *o.simTimePerSecond / o.fps;
        if (player)
            invalid("--sim-time-per-second",
                    QStringLiteral("cannot change a session's steps; use --steps-per-frame"));
        if (!adaptive) {
            K = std::max(1, static_cast<int>(std::ceil(frameTime / sim().dt() - 1e-9)));
            sim().setDt(frameTime / K);
        }
    }
    long frames = 0;
    if (o.duration) {
        frames = std::max(1L, std::lround(*o.duration * o.fps));
    } else if (player) {
        frames = static_cast<long>(sessionSteps / K) + 1;
    } else {
        const double perFrame = o.simTimePerSecond ? frameTime : sim().dt() * K;
        frames = static_cast<long>(std::floor(scenario.tEnd / perFrame + 1e-9)) + 1;
    }
    // The same caps as `run` (core::Limits), so no render can run for days or fill the disk.
    const char* lengthOption = o.duration ? "--duration" : "t_end";
    if (frames > core::Limits::runFramesMax)
        invalid(
            lengthOption,
            QStringLiteral("would need %1 frames; at most %2").arg(frames).arg(core::Limits::runFramesMax));
    if (!adaptive && static_cast<double>(frames) * K > static_cast<double>(core::Limits::runStepsMax))
        invalid(lengthOption, QStringLiteral("would need %1 frames × %2 integration steps; at most %3 steps")
                                  .arg(frames)
                                  .arg(K)
                                  .arg(core::Limits::runStepsMax));

    SceneStyle style;
    style.colour = o.colour;
    style.trailLength = o.trail;
    style.pointSize = o.pointSize;
    CompositionOptions composition;
    composition.panels = o.panels;
    composition.overlays = o.overlays;
    composition.title = o.title;
    // Cancelled (nothing left behind) when anything below throws before it is finished.
    VideoPipeline pipeline;
    pipeline.open({o.out, o.size.width(), o.size.height(), o.fps, o.transparent, o.crf}, composition, style);
    core::FrameOptions frameOptions;
    frameOptions.observables =
        pipeline.needsObservables() || o.colour != ColourMode::Index || !o.exportDir.isEmpty();
    frameOptions.attention = pipeline.needsAttention();
    frameOptions.maxAttentionSize = 128;

    std::unique_ptr<core::RunExport> data;
    if (!o.exportDir.isEmpty()) {
        core::RunInfo info;
        info.writer = "render";
        info.commandLine = o.commandLine;
        info.threads = o.threads;
        if (!(adaptive && frameTime > 0)) info.stepsPerFrame = K;
        info.fps = o.fps;
        if (player) info.note = "session " + o.session.toStdString();
        data = std::make_unique<core::RunExport>(o.exportDir.toStdString(), scenario, info);
    }

    Progress progress(static_cast<int>(frames));
    CameraState baseCamera;
    const double t0 = sim().time();
    long done = 0;
    // The simulation computes frame k+1 on its own thread while frame k is rendered and encoded. The
    // steps are the same, in the same order, so the frames are identical; they only arrive sooner.
    struct Produced {
        core::Frame frame;
        std::optional<core::SessionCamera> camera;
        bool complete = false;  // false: interrupted while stepping towards this frame
    };
    auto produce = [&](long k) {
        Produced p;
        if (k > 0) {
            if (adaptive && frameTime > 0) {
                sim().stepUntil(t0 + k * frameTime);
            } else {
                for (int s = 0; s < K && !g_interrupted.load(); ++s) {
                    if (player) {
                        player->step();
                    } else {
                        sim().step();
                    }
                }
            }
            if (g_interrupted.load()) return p;
        }
        p.frame = sim().makeFrame(frameOptions);
        if (player) p.camera = player->camera();
        p.complete = true;
        return p;
    };
    std::future<Produced> next;
    try {
        next = std::async(std::launch::async, produce, 0L);
        for (long k = 0; k < frames && !g_interrupted.load(); ++k) {
            Produced current = next.get();
            if (!current.complete) break;
            if (k + 1 < frames) next = std::async(std::launch::async, produce, k + 1);
            const core::Frame& frame = current.frame;
            pipeline.addFrame(frame, [&](SceneRenderer& scene) {
                // The scene picks its camera for the data on the first frame (e.g. face-on for d = 2).
                if (k == 0) baseCamera = scene.camera();
                scene.setCamera(current.camera ? toCamera(*current.camera) : baseCamera);
                if (o.orbit) scene.orbit(24.0 * k / o.fps);
            });
            if (data) data->addFrame(frame);
            ++done;
            progress.update(static_cast<int>(done), frame.t);
        }
    } catch (const core::Aborted&) {
        g_interrupted.store(true);
    } catch (...) {
        progress.end();
        pipeline.cancel();
        if (data) data->abandon();
        throw;
    }
    if (next.valid()) next.wait();  // after an interruption the producer may still be finishing a step
    progress.end();
    const QString outName = QFileInfo(o.out).absoluteFilePath();
    if (g_interrupted.load()) {
        if (done == 0) {
            pipeline.cancel();
            if (data) data->abandon();
            std::fprintf(stderr, "interrupted before the first frame; nothing was written\n");
        } else {
            pipeline.finish();
            if (data) data->commit();
            std::fprintf(stderr, "interrupted: the %ld frames rendered so far were written to %s\n", done,
                         qPrintable(outName));
        }
        return 128 + static_cast<int>(g_signal);  // 130 SIGINT, 143 SIGTERM, 129 SIGHUP
    }
    pipeline.finish();
    if (data) data->commit();
    std::printf("wrote %s: %ld frames, %dx%d, %g fps, t %.3g to %.3g, in %.1f s\n", qPrintable(outName), done,
                o.size.width(), o.size.height(), o.fps, t0, sim().time(), progress.seconds());
    return 0;
}

}  // namespace

int runRenderCommand(int argc, char** argv) {
    // The panels are widgets (a QApplication, with the GUI's look); VTK talks to X itself, so Qt's
    // offscreen platform suffices and makes font rendering independent of the display.
    qputenv("QT_QPA_PLATFORM", "offscreen");
    if (qEnvironmentVariableIsEmpty("XDG_RUNTIME_DIR")) {
        // Qt warns without one; a private directory is what it would fall back to anyway.
        const QByteArray dir =
            QFile::encodeName(QDir::tempPath()) + "/runtime-" + QByteArray::number(::getuid());
        ::mkdir(dir.constData(), 0700);
        qputenv("XDG_RUNTIME_DIR", dir);
    }
    int qtArgc = 1;
    QApplication app(qtArgc, argv);
    applyTheme(app);
    QStringList args{QStringLiteral("attnsphere-render")};
    for (int i = 2; i < argc; ++i) args << QString::fromLocal8Bit(argv[i]);

    struct sigaction sa {};
    sa.sa_handler = onRenderInterrupt;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    for (int sig : {SIGINT, SIGTERM, SIGHUP}) sigaction(sig, &sa, nullptr);

    PrivateXServer xserver;
    try {
        auto options = parseOptions(args);
        if (!options) return 0;
        options->commandLine.assign(argv, argv + argc);
        if (!displayAvailable()) xserver.start();
        return render(*options);
    } catch (const core::ValidationError& e) {
        std::fprintf(stderr, "attnsphere render: %s\n", e.what());
        return 2;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "attnsphere render: error: %s\n", e.what());
        return 1;
    }
}

}  // namespace attnsphere::render
