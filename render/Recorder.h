#pragma once
// Records what the user sees in the GUI into a video (issue 4 §2): frames come from the simulation
// worker every K steps (lockstep, none dropped: video time follows simulated time however slow the
// rendering), are rendered offscreen at the chosen size with the view's style and camera, composed
// with overlays and piped to ffmpeg (VideoEncoder). Also renders 3D-view screenshots at any size.
// Owns its offscreen renderer and encoder. GUI thread only.
#include "core/Frame.h"
#include "render/SceneRenderer.h"

#include <QImage>
#include <QSize>
#include <QString>
#include <QStringList>

#include <memory>

namespace attnsphere::render {

class VideoEncoder;

class OffscreenRenderer;
class FrameComposer;

struct RecordSettings {
    QString path;  // .mp4, .webm, .gif or a directory (PNG sequence)
    QSize size{1280, 720};
    double fps = 30;
    int stepsPerFrame = 1;
    bool transparent = false;
    int crf = -1;
    QStringList overlays{"t"};
};

struct OverlayContext {
    double beta = 1;
    QString kernel;
};

class Recorder {
public:
    Recorder();
    ~Recorder();  // finalises a recording in progress: a recording is never lost
    Recorder(const Recorder&) = delete;
    Recorder& operator=(const Recorder&) = delete;

    // Validates (core::ValidationError names the setting and its range), starts ffmpeg (VideoError),
    // makes the offscreen renderer (RenderError).
    void start(const RecordSettings& settings, const SceneStyle& style, bool flatGeometry);
    void addFrame(const core::Frame& frame, const CameraState& camera, const OverlayContext& overlay);
    // Finalises the file and returns its path; throws VideoError (the partial output is removed).
    QString stop();
    void cancel();
    bool isRecording() const;
    int frameCount() const;
    const RecordSettings& settings() const { return m_settings; }

private:
    RecordSettings m_settings;
    std::unique_ptr<OffscreenRenderer> m_renderer;
    std::unique_ptr<FrameComposer> m_composer;
    std::unique_ptr<VideoEncoder> m_encoder;
};

}  // namespace attnsphere::render
