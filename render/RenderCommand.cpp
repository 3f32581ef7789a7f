// `attnsphere render`: simulation, offscreen VTK rendering, composition and ffmpeg encoding in
// lockstep (frame k shows simulation step k*K, never wall-clock time). Starts its own Xvfb when there
// is no X display. VTK and the encoder's pipe stay on one thread; the simulation steps on its own thread
// (with core::WorkerPool's helpers), and ffmpeg is a child process.
#include "render/RenderCommand.h"

#include "app/Interrupt.h"
#include "app/Options.h"
#include "app/ProgressBar.h"
#include "core/Comparison.h"
#include "core/Errors.h"
#include "core/Polarisation.h"
#include "core/RunExport.h"
#include "core/Scenario.h"
#include "core/Session.h"
#include "core/Simulation.h"
#include "render/FrameComposer.h"
#include "render/LectureCommand.h"
#include "render/OffscreenRenderer.h"
#include "render/PolarisationPlots.h"
#include "render/RenderOptions.h"
#include "render/Theme.h"
#include "render/VideoEncoder.h"
#include "render/VideoPipeline.h"

#include <QApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QStandardPaths>

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <algorithm>
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

[[noreturn]] void invalid(const char* option, const QString& message) {
    throw core::ValidationError(option, message.toStdString());
}

// The parsed command line; every value comes from the option table below (its defaults included).
struct RenderOptions {
    QString source;
    QString session;
    QString compare;
    QString lecture;
    QString stills;
    QString out;
    QSize size;
    double fps = 0;
    std::optional<double> duration;
    std::optional<int> stepsPerFrame;
    std::optional<double> simTimePerSecond;
    bool orbit = false;
    bool transparent = false;
    QStringList overlays;
    QString title;
    QStringList panels;
    ColourMode colour{};
    int trail = 0;
    double pointSize = 0;
    int crf = -1;     // format default
    int threads = 0;  // all cores
    bool quiet = false;
    QString exportDir;
    DisplayStyle display;
    bool themeGiven = false, presentationGiven = false;  // a lecture's own display yields to these
    std::vector<std::string> commandLine;                // for metadata.json
};

using app::OptionKind;
using app::OptionSpec;

const app::CommandSpec& spec() {
    static const app::CommandSpec command{
        "render",
        {"render SCENARIO|PRESET --out FILE [options]", "render --session FILE --out FILE [options]",
         "render --compare FILE --out FILE [options]",
         "render --lecture FILE|ID [--out FILE] [--stills DIR] [options]"},
        "Renders a scenario (a JSON file or a preset name) offscreen into a video, frame k showing the\n"
        "simulation after k*K steps (lockstep: the output never depends on the machine's speed).\n"
        "Starts its own Xvfb when DISPLAY is unset.\n"
        "\n"
        "A polarisation file or preset (doc/POLARISATION.md) renders its plots only (frame k after k*K\n"
        "steps, K = --steps-per-frame or the file's publish_every; --export writes its data).\n"
        "\n"
        "Output by extension of --out: .mp4 (H.264 yuv420p), .webm (VP9, alpha with --transparent),\n"
        ".gif (generated palette), or a directory: PNG sequence frame_00000.png ... (RGBA with "
        "--transparent).\n",
        {OptionSpec("--out", "FILE", OptionKind::Text, "output file or directory, required"),
         sizeOption(),
         fpsOption(),
         OptionSpec("--duration", "S", OptionKind::Number, "video length in seconds")
             .in({0, 3600, true, false})
             .defaultText("up to the scenario's t_end, or the whole session"),
         OptionSpec("--steps-per-frame", "K", OptionKind::Integer, "integrator steps per frame")
             .in({1, 100000})
             .defaultText("1"),
         OptionSpec(
             "--sim-time-per-second", "T", OptionKind::Number,
             "simulated time per second of video; dt is shortened so that a whole number of steps fits "
             "into each frame (exclusive with --steps-per-frame)")
             .in({0, 1e6, true, false}),
         cameraOption(),
         transparentOption(),
         overlayOption(),
         titleOption(),
         panelsOption(),
         colourOption(),
         trailOption(),
         pointSizeOption(),
         crfOption(),
         themeOption(),
         presentationOption(),
         app::threadsOption(),
         app::quietOption(),
         OptionSpec("--session", "FILE", OptionKind::Text,
                    "re-render a session saved by the GUI (scenario + timeline + camera)"),
         app::compareOption(),
         OptionSpec(
             "--lecture", "FILE|ID", OptionKind::Text,
             "render a lecture (a file or a built-in id, `builtin` for the first): one segment per step, "
             "captions burned in (doc/LECTURES.md)"),
         OptionSpec("--stills", "DIR", OptionKind::Text,
                    "with --lecture: one PNG per step (step-01.png ...), its last frame with its caption"),
         OptionSpec("--export", "DIR", OptionKind::Text,
                    "also write the rendered frames' data: series.csv, positions.npy, metadata.json (as "
                    "`attnsphere run`)")},
        app::exitCodesHelp("the frames rendered so far are finalised into a valid shorter file; nothing "
                           "incomplete is left under the final name")};
    return command;
}

QStringList toQStrings(const std::vector<std::string>& list) {
    QStringList out;
    for (const auto& s : list) out << QString::fromStdString(s);
    return out;
}

// Returns nullopt after printing help.
std::optional<RenderOptions> parseOptions(const std::vector<std::string>& args) {
    const app::ParsedOptions p(spec(), args);
    if (p.helpRequested()) {
        std::fputs(app::helpText(spec()).c_str(), stdout);
        return std::nullopt;
    }
    RenderOptions o;
    const auto& positional = p.positional();
    if (positional.size() > 1) {
        std::string all;
        for (const auto& a : positional) all += (all.empty() ? "" : " ") + a;
        invalid("render", QStringLiteral("one scenario expected, got: %1").arg(QString::fromStdString(all)));
    }
    o.source = positional.empty() ? QString() : QString::fromStdString(positional.front());
    o.session = QString::fromStdString(p.text("--session"));
    o.compare = QString::fromStdString(p.text("--compare"));
    o.lecture = QString::fromStdString(p.text("--lecture"));
    o.stills = QString::fromStdString(p.text("--stills"));
    if (!o.stills.isEmpty() && o.lecture.isEmpty())
        invalid("--stills", QStringLiteral("is for --lecture (one still per step)"));
    if (!o.lecture.isEmpty()) {
        // A lecture names its scenarios, panels, overlays and camera per step.
        for (const char* other :
             {"--session", "--compare", "--export", "--duration", "--steps-per-frame",
              "--sim-time-per-second", "--panels", "--overlay", "--title", "--camera", "--transparent"})
            if (p.has(other))
                invalid(other,
                        QStringLiteral("is not available with --lecture (the lecture sets it per step)"));
        if (!positional.empty())
            invalid("--lecture", QStringLiteral("names its own scenarios; do not give one"));
        o.out = QString::fromStdString(p.text("--out"));
        if (o.out.isEmpty() && o.stills.isEmpty())
            invalid("--out", QStringLiteral("or --stills is required with --lecture"));
        const app::Size size = p.size("--size");
        o.size = QSize(size.width, size.height);
        o.fps = p.number("--fps");
        const SceneStyle style = sceneStyle(p, spec(), {});
        o.colour = style.colour;
        o.trail = style.trailLength;
        o.pointSize = style.pointSize;
        if (p.has("--crf")) o.crf = static_cast<int>(p.integer("--crf"));
        if (p.has("--threads")) o.threads = static_cast<int>(p.integer("--threads"));
        o.quiet = p.has("--quiet");
        if (!o.out.isEmpty())
            VideoEncoder::validate({o.out, o.size.width(), o.size.height(), o.fps, false, o.crf});
        return o;
    }
    if (o.source.isEmpty() && o.session.isEmpty() && o.compare.isEmpty())
        invalid("SCENARIO",
                QStringLiteral(
                    "name a scenario file or preset, or give --session FILE, --compare FILE or --lecture"));
    if (!o.source.isEmpty() && !o.session.isEmpty())
        invalid("--session", QStringLiteral("replays its own scenario; do not name another one"));
    if (!o.compare.isEmpty() && (!o.source.isEmpty() || !o.session.isEmpty()))
        invalid("--compare", QStringLiteral("names its own scenarios; do not give a scenario or --session"));
    if (!o.compare.isEmpty() && p.has("--export"))
        invalid("--export", QStringLiteral("writes one run's data; it is not available with --compare"));
    o.out = QString::fromStdString(p.text("--out"));
    if (o.out.isEmpty())
        invalid("--out", QStringLiteral("is required (a .mp4, .webm, .gif file or a directory)"));
    const app::Size size = p.size("--size");
    o.size = QSize(size.width, size.height);
    o.fps = p.number("--fps");
    if (p.has("--duration")) o.duration = p.number("--duration");
    if (p.has("--steps-per-frame") && p.has("--sim-time-per-second"))
        invalid("--steps-per-frame",
                QStringLiteral("and --sim-time-per-second exclude each other; give one"));
    if (p.has("--steps-per-frame")) o.stepsPerFrame = static_cast<int>(p.integer("--steps-per-frame"));
    if (p.has("--sim-time-per-second")) o.simTimePerSecond = p.number("--sim-time-per-second");
    o.orbit = p.choice("--camera") == "orbit";
    o.transparent = p.has("--transparent");
    o.title = QString::fromStdString(p.text("--title"));
    o.overlays = toQStrings(p.names("--overlay"));
    if (!o.title.isEmpty() && !o.overlays.contains("title")) o.overlays << "title";
    o.panels = toQStrings(p.names("--panels"));
    const SceneStyle style = sceneStyle(p, spec(), {});
    o.colour = style.colour;
    o.trail = style.trailLength;
    o.pointSize = style.pointSize;
    if (p.has("--crf")) o.crf = static_cast<int>(p.integer("--crf"));
    o.display = displayStyleFrom(p, {});
    o.themeGiven = p.has("--theme");
    o.presentationGiven = p.has("--presentation");
    o.exportDir = QString::fromStdString(p.text("--export"));
    if (p.has("--threads")) o.threads = static_cast<int>(p.integer("--threads"));
    o.quiet = p.has("--quiet");
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

// The look and composition the options ask for, the same for a single run and a comparison.
SceneStyle sceneStyleOf(const RenderOptions& o) {
    SceneStyle style;
    style.colour = o.colour;
    style.trailLength = o.trail;
    style.pointSize = o.pointSize;
    return style;
}

CompositionOptions compositionOf(const RenderOptions& o) {
    CompositionOptions composition;
    composition.panels = o.panels;
    composition.overlays = o.overlays;
    composition.title = o.title;
    return composition;
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
        player->setAbortFlag(&app::InterruptGuard::flag());
    } else {
        sim().setThreads(o.threads);
        sim().setAbortFlag(&app::InterruptGuard::flag());
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

    const SceneStyle style = sceneStyleOf(o);
    CompositionOptions composition = compositionOf(o);
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

    app::ProgressBar progress("render", o.quiet);
    core::Camera baseCamera;
    const double t0 = sim().time();
    long done = 0;
    // The simulation computes frame k+1 on its own thread while frame k is rendered and encoded. The
    // steps are the same, in the same order, so the frames are identical; they only arrive sooner.
    struct Produced {
        core::Frame frame;
        std::optional<core::Camera> camera;
        bool complete = false;  // false: interrupted while stepping towards this frame
    };
    auto produce = [&](long k) {
        Produced p;
        if (k > 0) {
            if (adaptive && frameTime > 0) {
                sim().stepUntil(t0 + k * frameTime);
            } else {
                for (int s = 0; s < K && !app::InterruptGuard::interrupted(); ++s) {
                    if (player) {
                        player->step();
                    } else {
                        sim().step();
                    }
                }
            }
            if (app::InterruptGuard::interrupted()) return p;
        }
        p.frame = sim().makeFrame(frameOptions);
        if (player) p.camera = player->camera();
        p.complete = true;
        return p;
    };
    std::future<Produced> next;
    try {
        next = std::async(std::launch::async, produce, 0L);
        for (long k = 0; k < frames && !app::InterruptGuard::interrupted(); ++k) {
            Produced current = next.get();
            if (!current.complete) break;
            if (k + 1 < frames) next = std::async(std::launch::async, produce, k + 1);
            const core::Frame& frame = current.frame;
            pipeline.addFrame(frame, [&](SceneRenderer& scene) {
                // The scene picks its camera for the data on the first frame (e.g. face-on for d = 2).
                if (k == 0) baseCamera = scene.camera();
                scene.setCamera(current.camera ? *current.camera : baseCamera);
                if (o.orbit) scene.orbit(24.0 * k / o.fps);
            });
            if (data) data->addFrame(frame);
            ++done;
            progress.update(static_cast<double>(done) / static_cast<double>(frames),
                            std::to_string(done) + "/" + std::to_string(frames) +
                                " frames  t=" + app::formatNumber(frame.t));
        }
    } catch (const core::Aborted&) {
        app::InterruptGuard::flag().store(true);
    } catch (...) {
        progress.finish();
        pipeline.cancel();
        if (data) data->abandon();
        throw;
    }
    if (next.valid()) next.wait();  // after an interruption the producer may still be finishing a step
    progress.finish();
    const QString outName = QFileInfo(o.out).absoluteFilePath();
    if (app::InterruptGuard::interrupted()) {
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
        return app::InterruptGuard::exitCode();
    }
    pipeline.finish();
    if (data) data->commit();
    if (!o.quiet)
        std::printf("wrote %s: %ld frames, %dx%d, %g fps, t %.3g to %.3g, in %.1f s\n", qPrintable(outName),
                    done, o.size.width(), o.size.height(), o.fps, t0, sim().time(), progress.seconds());
    return 0;
}

// A polarisation file or preset (doc/POLARISATION.md): its plots only (no 3D view), frame k after k*K
// steps of every map, K = --steps-per-frame or the file's publish_every; with --export the frames' data.
int renderPolarisation(const RenderOptions& o) {
    if (o.orbit) invalid("--camera", QStringLiteral("has no view to move in a polarisation file's video"));
    if (o.transparent) invalid("--transparent", QStringLiteral("is not available for a polarisation file"));
    if (o.simTimePerSecond)
        invalid("--sim-time-per-second", QStringLiteral("is not available for a polarisation file; use "
                                                        "--steps-per-frame"));
    core::PolarisationSpec spec = core::PolarisationSpec::load(o.source.toStdString());
    const int K = o.stepsPerFrame.value_or(spec.publishEvery);
    spec.publishEvery = K;  // the exported frames are the video's
    if (o.duration) spec.tEnd = std::min(core::PolarLimits::tEndMax, *o.duration * o.fps * K * spec.dt);
    try {
        spec.validate();
    } catch (const core::ValidationError& e) {
        throw core::ValidationError("", o.source.toStdString() + ": " + e.what());
    }
    core::PolarRun run(spec);
    PolarisationPlots plots(spec);
    core::PolarRecord record;
    record.framesPerMap.resize(spec.maps.size());
    VideoEncoder encoder;
    encoder.open({o.out, o.size.width(), o.size.height(), o.fps, false, o.crf});
    const long frames = static_cast<long>(spec.frames());
    // Text and lines sized for a 720-line frame, like the panels in a scenario's video.
    const double scale = o.size.height() / 720.0;
    app::ProgressBar progress("render", o.quiet);
    long done = 0;
    const auto take = [&] {
        const auto list = run.frames();
        for (std::size_t m = 0; m < list.size(); ++m) record.framesPerMap[m].push_back(list[m]);
        plots.addFrames(list);
        encoder.addFrame(plots.renderImage(o.size, scale));
        ++done;
        progress.update(static_cast<double>(done) / static_cast<double>(frames),
                        QStringLiteral("frame %1 / %2").arg(done).arg(frames).toStdString(), false);
    };
    try {
        take();
        while (!run.done() && !app::InterruptGuard::interrupted()) {
            run.step();
            if (run.publishes()) take();
        }
    } catch (...) {
        progress.finish();
        encoder.cancel();
        throw;
    }
    progress.finish();
    encoder.finish();
    if (!o.exportDir.isEmpty()) {
        core::RunInfo info;
        info.writer = "render";
        info.commandLine = o.commandLine;
        info.stepsPerFrame = K;
        info.fps = o.fps;
        core::writePolarisationExport(o.exportDir.toStdString(), spec, record, info);
    }
    if (app::InterruptGuard::interrupted()) {
        std::fprintf(stderr, "interrupted: the %ld frames rendered so far were written to %s\n", done,
                     qPrintable(o.out));
        return app::InterruptGuard::exitCode();
    }
    if (!o.quiet)
        std::printf("wrote %s: %ld frames, %dx%d, %g fps, t 0 to %.3g\n", qPrintable(o.out), done,
                    o.size.width(), o.size.height(), o.fps, run.time());
    return 0;
}

// `--compare`: the runs advance in lockstep (core::Lockstep), frame k showing every run at the same
// simulated time, side by side, with the panels drawing all runs (render::ComparisonPanels).
int renderComparison(const RenderOptions& o) {
    const core::Comparison comparison = core::loadComparison(o.compare.toStdString());
    core::Lockstep lockstep(comparison);
    lockstep.setThreads(o.threads);
    lockstep.setAbortFlag(&app::InterruptGuard::flag());
    // Simulated time per frame: K ticks (the largest dt of the runs), or --sim-time-per-second's share.
    const double frameTime =
        o.simTimePerSecond ? *o.simTimePerSecond / o.fps : lockstep.tick() * o.stepsPerFrame.value_or(1);
    const long frames = o.duration
                            ? std::max(1L, std::lround(*o.duration * o.fps))
                            : static_cast<long>(std::floor(comparison.base.tEnd / frameTime + 1e-9)) + 1;
    if (frames > core::Limits::runFramesMax)
        invalid(
            o.duration ? "--duration" : "t_end",
            QStringLiteral("would need %1 frames; at most %2").arg(frames).arg(core::Limits::runFramesMax));
    double steps = 0;  // of all runs together, for the same cap as a single run
    for (const core::ComparisonRun& run : comparison.runs)
        if (run.scenario.integrator != core::IntegratorKind::DormandPrince)
            steps += std::ceil(frameTime * static_cast<double>(frames) / run.scenario.dt);
    if (steps > static_cast<double>(core::Limits::runStepsMax))
        invalid(o.duration ? "--duration" : "t_end",
                QStringLiteral("would need %1 integration steps; at most %2")
                    .arg(steps)
                    .arg(core::Limits::runStepsMax));

    const SceneStyle style = sceneStyleOf(o);
    CompositionOptions composition = compositionOf(o);
    if (o.title.isEmpty()) composition.title = QString::fromStdString(comparison.name);
    for (const core::ComparisonRun& run : comparison.runs)
        composition.runs << QString::fromStdString(run.name);
    VideoPipeline pipeline;
    pipeline.open({o.out, o.size.width(), o.size.height(), o.fps, o.transparent, o.crf}, composition, style);
    core::FrameOptions frameOptions;
    frameOptions.observables = pipeline.needsObservables() || o.colour != ColourMode::Index;
    frameOptions.attention = pipeline.needsAttention();
    frameOptions.maxAttentionSize = 128;

    app::ProgressBar progress("render", o.quiet);
    std::optional<core::Camera> baseCamera;
    long done = 0;
    // As for one run: the runs compute frame k+1 on their own thread while frame k is drawn.
    auto produce = [&](long k) {
        std::vector<core::Frame> out;
        if (k > 0) lockstep.advanceTo(frameTime * static_cast<double>(k));
        if (app::InterruptGuard::interrupted()) return out;
        for (int r = 0; r < lockstep.size(); ++r)
            out.push_back(lockstep.simulation(r).makeFrame(frameOptions));
        return out;
    };
    std::future<std::vector<core::Frame>> next;
    try {
        next = std::async(std::launch::async, produce, 0L);
        for (long k = 0; k < frames && !app::InterruptGuard::interrupted(); ++k) {
            const std::vector<core::Frame> current = next.get();
            if (current.empty()) break;
            if (k + 1 < frames) next = std::async(std::launch::async, produce, k + 1);
            std::vector<const core::Frame*> pointers;
            for (const core::Frame& f : current) pointers.push_back(&f);
            pipeline.addFrames(pointers, [&](SceneRenderer& scene) {
                // One camera for every tile: the first tile's choice on the first frame.
                if (!baseCamera) baseCamera = scene.camera();
                scene.setCamera(*baseCamera);
                if (o.orbit) scene.orbit(24.0 * k / o.fps);
            });
            ++done;
            progress.update(static_cast<double>(done) / static_cast<double>(frames),
                            std::to_string(done) + "/" + std::to_string(frames) +
                                " frames  t=" + app::formatNumber(current.front().t));
        }
    } catch (const core::Aborted&) {
        app::InterruptGuard::flag().store(true);
    } catch (...) {
        progress.finish();
        pipeline.cancel();
        throw;
    }
    if (next.valid()) next.wait();
    progress.finish();
    const QString outName = QFileInfo(o.out).absoluteFilePath();
    if (app::InterruptGuard::interrupted()) {
        if (done == 0) {
            pipeline.cancel();
            std::fprintf(stderr, "interrupted before the first frame; nothing was written\n");
        } else {
            pipeline.finish();
            std::fprintf(stderr, "interrupted: the %ld frames rendered so far were written to %s\n", done,
                         qPrintable(outName));
        }
        return app::InterruptGuard::exitCode();
    }
    pipeline.finish();
    if (!o.quiet)
        std::printf("wrote %s: %ld frames, %dx%d, %g fps, %d runs side by side, t 0 to %.3g, in %.1f s\n",
                    qPrintable(outName), done, o.size.width(), o.size.height(), o.fps, lockstep.size(),
                    lockstep.target(), progress.seconds());
    return 0;
}

}  // namespace

const app::CommandSpec& renderCommandSpec() {
    return spec();
}

void useOffscreenQt() {
    qputenv("QT_QPA_PLATFORM", "offscreen");
    if (qEnvironmentVariableIsEmpty("XDG_RUNTIME_DIR")) {
        // Qt warns without one; a private directory is what it would fall back to anyway.
        const QByteArray dir =
            QFile::encodeName(QDir::tempPath()) + "/runtime-" + QByteArray::number(::getuid());
        ::mkdir(dir.constData(), 0700);
        qputenv("XDG_RUNTIME_DIR", dir);
    }
}

int runRenderCommand(int argc, char** argv) {
    // The panels are widgets (a QApplication, with the GUI's look); VTK talks to X itself, so Qt's
    // offscreen platform suffices and makes font rendering independent of the display.
    useOffscreenQt();
    int qtArgc = 1;
    QApplication app(qtArgc, argv);
    applyTheme(app);
    const std::vector<std::string> args(argv + std::min(argc, 2), argv + argc);

    const app::InterruptGuard guard(true);

    PrivateXServer xserver;
    return app::runReportingErrors("render", [&] {
        auto options = parseOptions(args);
        if (!options) return app::kExitOk;
        options->commandLine.assign(argv, argv + argc);
        setDisplayStyle(options->display);
        applyTheme(app);
        if (!options->source.isEmpty() && core::isPolarisationSource(options->source.toStdString()))
            return renderPolarisation(*options);  // plots only: no X display needed
        if (!displayAvailable()) xserver.start();
        if (!options->lecture.isEmpty())
            return renderLecture({options->lecture, options->out, options->stills, options->size,
                                  options->fps, options->crf, options->threads, options->quiet,
                                  sceneStyleOf(*options), options->themeGiven, options->presentationGiven});
        return options->compare.isEmpty() ? render(*options) : renderComparison(*options);
    });
}

}  // namespace attnsphere::render
