#include "render/LectureCommand.h"

#include "app/AtomicFile.h"
#include "app/Interrupt.h"
#include "app/Options.h"
#include "app/ProgressBar.h"
#include "app/SimulationController.h"
#include "core/Errors.h"
#include "core/Lecture.h"
#include "render/Caption.h"
#include "render/DisplayStyle.h"
#include "render/FrameComposer.h"
#include "render/OffscreenRenderer.h"
#include "render/PanelRegistry.h"
#include "render/Theme.h"
#include "render/VideoPipeline.h"

#include <QApplication>
#include <QDir>
#include <QFileInfo>
#include <QPainter>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>

namespace attnsphere::render {

namespace {

using app::OptionKind;
using app::OptionSpec;

const app::CommandSpec& spec() {
    static const app::CommandSpec command{
        "lectures",
        {"lectures", "lectures --check FILE"},
        "Lists the built-in lectures (id, title, steps), or checks a lecture file (doc/LECTURES.md): exit 0\n"
        "and a summary when it is valid, exit 2 and the first error (its JSON path and the allowed values)\n"
        "when not. Open one with `attnsphere --lecture FILE|ID`, render it with `attnsphere render\n"
        "--lecture FILE|ID --out talk.mp4`.\n",
        {OptionSpec("--check", "FILE", OptionKind::Text, "validate a lecture file and summarise it")},
        app::exitCodesHelp("nothing is written")};
    return command;
}

// Simulated time per second of video: the step's, or the scenario's own playback speed.
double speedOf(const core::LectureStep& step) {
    return step.speed > 0 ? step.speed : app::SimulationController::playbackSpeed(step.scenario);
}

// Frames of a step's segment: one every speed / fps of simulated time, from t = 0 to renderDuration().
long framesOf(const core::LectureStep& step, double fps) {
    return static_cast<long>(std::floor(step.renderDuration() / (speedOf(step) / fps) + 1e-9)) + 1;
}

std::string stepLine(std::size_t k, const core::LectureStep& s) {
    std::string panels;
    for (const std::string& p : s.panels) panels += (panels.empty() ? "" : ", ") + p;
    char buf[160];
    std::snprintf(buf, sizeof buf, "  %2zu. ", k + 1);
    return buf +
           (s.caption.title.empty() ? std::string("(no caption)") : core::captionText(s.caption.title)) +
           "  [" + s.scenario.name + ", t 0 to " + app::formatNumber(s.renderDuration()) +
           (panels.empty() ? "" : "; " + panels) + "]\n";
}

int listLectures() {
    for (const core::BuiltinLecture& b : core::builtinLectures()) {
        const core::Lecture l =
            core::Lecture::fromJsonText(std::string(b.json), lecturePanelIds(), lectureOverlayNames());
        const bool first = &b == &core::builtinLectures().front();
        std::printf("%s  %s  (%zu steps%s)\n", std::string(b.id).c_str(), std::string(b.title).c_str(),
                    l.steps.size(), first ? "; also `builtin`" : "");
        for (std::size_t k = 0; k < l.steps.size(); ++k) std::fputs(stepLine(k, l.steps[k]).c_str(), stdout);
    }
    return app::kExitOk;
}

int checkLecture(const std::string& path) {
    const core::Lecture l = core::Lecture::fromFile(path, lecturePanelIds(), lectureOverlayNames());
    double seconds = 0;
    for (const core::LectureStep& s : l.steps) seconds += s.renderDuration() / speedOf(s);
    std::printf("%s: valid lecture \"%s\", %zu steps, %s s of video\n", path.c_str(), l.title.c_str(),
                l.steps.size(), app::formatNumber(std::round(seconds * 10) / 10).c_str());
    for (std::size_t k = 0; k < l.steps.size(); ++k) std::fputs(stepLine(k, l.steps[k]).c_str(), stdout);
    return app::kExitOk;
}

QStringList toQStrings(const std::vector<std::string>& list) {
    QStringList out;
    for (const std::string& s : list) out << QString::fromStdString(s);
    return out;
}

}  // namespace

const app::CommandSpec& lecturesCommandSpec() {
    return spec();
}

std::vector<std::string> lecturePanelIds() {
    std::vector<std::string> out;
    for (const QString& id : panelIds()) out.push_back(id.toStdString());
    return out;
}

std::vector<std::string> lectureOverlayNames() {
    std::vector<std::string> out;
    for (const QString& id : FrameComposer::overlayNames()) out.push_back(id.toStdString());
    return out;
}

int runLecturesCommand(int argc, char** argv) {
    const std::vector<std::string> args(argv + std::min(argc, 2), argv + argc);
    return app::runReportingErrors("lectures", [&] {
        const app::ParsedOptions p(spec(), args);
        if (p.helpRequested()) {
            std::fputs(app::helpText(spec()).c_str(), stdout);
            return app::kExitOk;
        }
        if (!p.positional().empty())
            throw core::ValidationError("lectures", "takes no arguments; to check a file: lectures --check " +
                                                        p.positional().front());
        return p.has("--check") ? checkLecture(p.text("--check")) : listLectures();
    });
}

int renderLecture(const LectureRenderSettings& o) {
    core::Lecture lecture;
    try {
        lecture = core::loadLecture(o.lecture.toStdString(), lecturePanelIds(), lectureOverlayNames());
    } catch (const core::ValidationError& e) {
        throw core::ValidationError("", app::aboutOption("--lecture", e.what()));
    }
    long total = 0;
    double steps = 0;
    for (const core::LectureStep& s : lecture.steps) {
        total += framesOf(s, o.fps);
        if (s.scenario.integrator != core::IntegratorKind::DormandPrince)
            steps += std::ceil(s.renderDuration() / s.scenario.dt);
    }
    // The same caps as `render` (core::Limits).
    if (total > core::Limits::runFramesMax)
        throw core::ValidationError("--lecture", "would need " + std::to_string(total) + " frames; at most " +
                                                     std::to_string(core::Limits::runFramesMax));
    if (steps > static_cast<double>(core::Limits::runStepsMax))
        throw core::ValidationError("--lecture", "would need " + app::formatNumber(steps) +
                                                     " integration steps; at most " +
                                                     std::to_string(core::Limits::runStepsMax));
    if (!o.stills.isEmpty() && !QDir().mkpath(o.stills))
        throw core::ValidationError("--stills", "cannot create the directory " + o.stills.toStdString());

    // Captions are sized for the frame: a 1080-line frame draws them at scale 1.
    const double pixelScale = o.size.height() / 1080.0;
    // The lecture's theme and presentation display, unless the command line chose them.
    DisplayStyle display = displayStyle();
    if (!o.themeGiven) display.theme = lecture.theme;
    if (!o.presentationGiven && lecture.presentation) display.scale = kPresentationScale;
    setDisplayStyle(display);
    if (auto* app = qobject_cast<QApplication*>(QCoreApplication::instance())) applyTheme(*app);
    const CaptionColours colours = captionColours(display.theme);
    const core::LectureCaption* caption = nullptr;
    auto decorate = [&](QImage& frame, QRect view) {
        if (!caption) return;
        QPainter p(&frame);
        p.setRenderHint(QPainter::Antialiasing);
        paintCaption(p, view, *caption, pixelScale, colours.background, colours.text);
    };
    const bool video = !o.out.isEmpty();
    VideoPipeline pipeline;
    pipeline.keepLastFrame(!o.stills.isEmpty());
    pipeline.setDecoration(decorate);

    app::ProgressBar progress("render", o.quiet);
    long done = 0;
    try {
        for (std::size_t k = 0; k < lecture.steps.size() && !app::InterruptGuard::interrupted(); ++k) {
            const core::LectureStep& step = lecture.steps[k];
            caption = &step.caption;
            CompositionOptions composition;
            composition.panels = toQStrings(step.panels);
            composition.overlays = toQStrings(step.overlays);
            // Stills alone: the panels see every frame, the view is rendered for the last one only.
            std::unique_ptr<FrameComposer> composer;
            std::unique_ptr<OffscreenRenderer> renderer;
            if (!video) {
                composition.size = o.size;
                composer = std::make_unique<FrameComposer>(composition);
                renderer = std::make_unique<OffscreenRenderer>(composer->viewRect().width(),
                                                               composer->viewRect().height());
                renderer->setStyle(o.style);
            } else if (k == 0) {
                pipeline.open({o.out, o.size.width(), o.size.height(), o.fps, false, o.crf}, composition,
                              o.style);
            } else {
                pipeline.recompose(composition, o.style);
            }
            core::LectureRun run(step);
            run.simulation().setThreads(o.threads);
            run.simulation().setAbortFlag(&app::InterruptGuard::flag());
            core::FrameOptions frameOptions;
            frameOptions.observables =
                video ? pipeline.needsObservables() || o.style.colour != ColourMode::Index
                      : composer->needsObservables() || o.style.colour != ColourMode::Index;
            frameOptions.attention = video ? pipeline.needsAttention() : composer->needsAttention();
            frameOptions.maxAttentionSize = 128;
            // The projection label goes above the caption drawn over the view's bottom.
            const int labelLift = captionCoverHeight(video ? pipeline.viewRect() : composer->viewRect(),
                                                     step.caption, pixelScale);
            auto placeCamera = [&](SceneRenderer& scene) {
                if (step.camera) scene.setCamera(*step.camera);
                scene.setLabelLift(labelLift);
            };
            const long frames = framesOf(step, o.fps);
            const double frameTime = speedOf(step) / o.fps;
            QImage last;
            for (long j = 0; j < frames && !app::InterruptGuard::interrupted(); ++j) {
                run.advanceTo(static_cast<double>(j) * frameTime);
                const core::Frame frame = run.simulation().makeFrame(frameOptions);
                if (video) {
                    pipeline.addFrame(frame, placeCamera);
                } else {
                    composer->addFrame(frame);
                    if (j + 1 == frames) {
                        SceneRenderer& scene = renderer->scene();
                        scene.showFrame(frame);
                        placeCamera(scene);
                        last = composer->compose(renderer->renderCurrent(), frame).copy();
                        decorate(last, composer->viewRect());
                    }
                }
                ++done;
                progress.update(static_cast<double>(done) / static_cast<double>(total),
                                "step " + std::to_string(k + 1) + "/" + std::to_string(lecture.steps.size()) +
                                    "  " + std::to_string(done) + "/" + std::to_string(total) + " frames");
            }
            if (!o.stills.isEmpty() && !app::InterruptGuard::interrupted()) {
                char name[32];
                std::snprintf(name, sizeof name, "step-%02zu.png", k + 1);
                app::writePng(video ? pipeline.lastFrame() : last,
                              QDir(o.stills).filePath(QString::fromLatin1(name)));
            }
        }
    } catch (const core::Aborted&) {
        app::InterruptGuard::flag().store(true);
    } catch (...) {
        progress.finish();
        pipeline.cancel();
        throw;
    }
    progress.finish();
    if (app::InterruptGuard::interrupted()) {
        if (video && done > 0) {
            pipeline.finish();
            std::fprintf(stderr, "interrupted: the %ld frames rendered so far were written to %s\n", done,
                         qPrintable(QFileInfo(o.out).absoluteFilePath()));
        } else {
            pipeline.cancel();
            std::fprintf(stderr, "interrupted\n");
        }
        return app::InterruptGuard::exitCode();
    }
    if (video) pipeline.finish();
    if (!o.quiet)
        std::printf("lecture \"%s\": %zu steps, %ld frames, %dx%d, %g fps%s%s%s%s, in %.1f s\n",
                    lecture.title.c_str(), lecture.steps.size(), done, o.size.width(), o.size.height(), o.fps,
                    video ? ", wrote " : "", video ? qPrintable(QFileInfo(o.out).absoluteFilePath()) : "",
                    o.stills.isEmpty() ? "" : ", stills in ",
                    o.stills.isEmpty() ? "" : qPrintable(QFileInfo(o.stills).absoluteFilePath()),
                    progress.seconds());
    return app::kExitOk;
}

}  // namespace attnsphere::render
