#pragma once
// Records what the user sees in the GUI into a video: frames come from the simulation worker every K
// steps (lockstep, none dropped: video time follows simulated time however slow the rendering) and go
// through the VideoPipeline with the view's style and camera, plus the chosen panels and overlays.
// GUI thread only.
#include "core/Frame.h"
#include "render/SceneRenderer.h"
#include "render/VideoPipeline.h"

#include <QSize>
#include <QString>
#include <QStringList>

namespace attnsphere::render {

struct RecordSettings {
    QString path;  // .mp4, .webm, .gif or a directory (PNG sequence)
    QSize size{1280, 720};
    double fps = 30;
    int stepsPerFrame = 1;
    bool transparent = false;
    int crf = -1;
    QStringList overlays{"t"};
    QStringList panels;  // panel registry ids beside the view, in display order
};

class Recorder {
public:
    Recorder();
    ~Recorder();  // finalises a recording in progress: a recording is never lost
    Recorder(const Recorder&) = delete;
    Recorder& operator=(const Recorder&) = delete;

    // Validates (core::ValidationError names the setting and its range), starts ffmpeg (VideoError),
    // makes the offscreen renderer (RenderError).
    void start(const RecordSettings& settings, const SceneStyle& style);
    // What the recorded frames must carry for the chosen panels.
    bool needsObservables() const { return m_pipeline.needsObservables(); }
    bool needsAttention() const { return m_pipeline.needsAttention(); }
    // Any failure ends the recording (the partial output is removed) and is rethrown.
    void addFrame(const core::Frame& frame, const core::Camera& camera);
    // Finalises the file and returns its path; throws VideoError (the partial output is removed).
    QString stop();
    void cancel();
    bool isRecording() const;
    int frameCount() const;
    const RecordSettings& settings() const { return m_settings; }

private:
    RecordSettings m_settings;
    VideoPipeline m_pipeline;
};

}  // namespace attnsphere::render
