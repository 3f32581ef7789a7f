#pragma once
// Lectures on the command line: `attnsphere lectures` (the built-in lectures, `--check FILE`) and the
// video and stills of `render --lecture`. They live in render because a lecture names panels and overlays,
// and their ids are the render registry's.
#include "app/Options.h"
#include "render/SceneRenderer.h"

#include <QSize>
#include <QString>

#include <string>
#include <vector>

namespace attnsphere::render {

// `attnsphere lectures ...`. Returns the exit code.
int runLecturesCommand(int argc, char** argv);
const app::CommandSpec& lecturesCommandSpec();

// The panel ids and overlay names a lecture may use (the registry's), as core::Lecture takes them.
std::vector<std::string> lecturePanelIds();
std::vector<std::string> lectureOverlayNames();

// What `render --lecture` was asked for (render's own options, parsed by its table).
struct LectureRenderSettings {
    QString lecture;  // a lecture file or a built-in lecture's id
    QString out;      // the video ("" with stills only)
    QString stills;   // a directory for step-01.png ... ("" for none)
    QSize size{1280, 720};
    double fps = 30;
    int crf = -1;
    int threads = 0;
    bool quiet = false;
    SceneStyle style;
};
// One segment per step (its scenario from t = 0 for renderDuration() of simulated time at the step's
// speed, its changes and loop, camera, panels and overlays), captions burned in. Returns the exit code;
// throws core::ValidationError (exit 2) and other errors like `render`.
int renderLecture(const LectureRenderSettings& settings);

}  // namespace attnsphere::render
