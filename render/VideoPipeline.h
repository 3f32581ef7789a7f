#pragma once
// The one frame → picture → video loop, used by the GUI recorder and by `attnsphere render`: each frame is
// rendered offscreen (the VTK scene, the view's style), given to the panels, composed with them and the
// overlays (FrameComposer) and encoded (VideoEncoder). Any failure while open cancels the output, so no
// ffmpeg process or half-written file is left behind. GUI thread (or the only thread) only.
#include "core/Frame.h"
#include "render/FrameComposer.h"
#include "render/SceneRenderer.h"
#include "render/VideoEncoder.h"

#include <functional>
#include <memory>
#include <vector>

namespace attnsphere::render {

class OffscreenRenderer;

class VideoPipeline {
public:
    VideoPipeline();
    ~VideoPipeline();  // cancels an unfinished video
    VideoPipeline(const VideoPipeline&) = delete;
    VideoPipeline& operator=(const VideoPipeline&) = delete;

    // Validates (core::ValidationError), makes the offscreen renderer for the view's part of the frame
    // (RenderError) and the panels, starts the encoder (VideoError). The composition takes the video's
    // size and transparency.
    void open(const VideoSettings& video, CompositionOptions composition, const SceneStyle& style);
    // A new composition and scene for the frames to come, into the same open video (a lecture's next
    // step: its panels and overlays, a fresh scene that picks its camera for the new data).
    void recompose(CompositionOptions composition, const SceneStyle& style);
    // Drawn onto every composed frame before it is encoded (a lecture's caption); empty: nothing.
    void setDecoration(std::function<void(QImage& frame, QRect view)> decorate);
    // Keeps a copy of the last frame encoded, as encoded (a lecture's stills); off by default, since the
    // copy costs a frame's worth of memory traffic.
    void keepLastFrame(bool keep) { m_keepLast = keep; }
    const QImage& lastFrame() const { return m_last; }
    // The view's part of the frame (empty before open).
    QRect viewRect() const;
    // What the frames must carry for the chosen panels.
    bool needsObservables() const;
    bool needsAttention() const;
    // Renders, composes and encodes one frame. `placeCamera` moves the camera after the scene has taken
    // the frame (the scene picks a camera for the data on the first one); the camera stays otherwise.
    void addFrame(const core::Frame& frame, const std::function<void(SceneRenderer&)>& placeCamera = {});
    // A comparison (CompositionOptions::runs): one frame per run, each rendered into its tile by a
    // renderer of its own (trails stay per run); `placeCamera` is applied to every tile's scene.
    void addFrames(const std::vector<const core::Frame*>& frames,
                   const std::function<void(SceneRenderer&)>& placeCamera = {});
    // Finalises the file; throws VideoError (the partial output is removed).
    void finish();
    void cancel();
    bool isOpen() const;
    int frameCount() const;

private:
    void close();
    void makeRenderers(const VideoSettings& video, CompositionOptions composition, const SceneStyle& style);
    void encode(QImage frame);

    VideoSettings m_video;
    std::function<void(QImage&, QRect)> m_decorate;
    QImage m_last;
    bool m_keepLast = false;
    std::unique_ptr<FrameComposer> m_composer;
    std::unique_ptr<OffscreenRenderer> m_renderer;
    std::vector<std::unique_ptr<OffscreenRenderer>> m_tiles;  // a comparison's, one per run
    VideoEncoder m_encoder;
};

}  // namespace attnsphere::render
