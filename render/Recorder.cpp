#include "render/Recorder.h"

#include "render/FrameComposer.h"
#include "render/OffscreenRenderer.h"
#include "render/VideoEncoder.h"

namespace attnsphere::render {

Recorder::Recorder() = default;

Recorder::~Recorder() {
    if (!isRecording()) return;
    try {
        stop();
    } catch (const std::exception&) {
        cancel();
    }
}

void Recorder::start(const RecordSettings& settings, const SceneStyle& style, bool flatGeometry) {
    if (isRecording()) cancel();
    VideoEncoder::validate({settings.path, settings.size.width(), settings.size.height(), settings.fps,
                            settings.transparent, settings.crf});
    m_settings = settings;
    m_composer = std::make_unique<FrameComposer>(
        CompositionOptions{settings.size, {}, settings.overlays, {}, settings.transparent});
    m_renderer = std::make_unique<OffscreenRenderer>(settings.size.width(), settings.size.height());
    SceneStyle s = style;
    s.transparentBackground = settings.transparent;
    m_renderer->setStyle(s);
    m_renderer->scene().setFlatGeometry(flatGeometry);
    m_encoder = std::make_unique<VideoEncoder>();
    try {
        m_encoder->open({settings.path, settings.size.width(), settings.size.height(), settings.fps,
                         settings.transparent, settings.crf});
    } catch (...) {
        m_encoder.reset();
        m_renderer.reset();
        throw;
    }
}

void Recorder::addFrame(const core::Frame& frame, const CameraState& camera, const OverlayContext& overlay) {
    if (!isRecording()) return;
    OverlayValues values;
    values.t = frame.t;
    values.beta = overlay.beta;
    values.n = frame.n;
    values.d = frame.d;
    values.H = frame.H;
    values.kernel = overlay.kernel;
    // Any failure (RenderError in the offscreen render too) ends the recording: the encoder is closed
    // and its partial output removed, so no ffmpeg process or half-written file is left behind.
    try {
        m_renderer->scene().showFrame(frame);
        m_renderer->scene().setCamera(camera);
        const QImage view = m_renderer->renderCurrent();
        m_encoder->addFrame(m_composer->compose(view, frame, values));
    } catch (...) {
        cancel();
        throw;
    }
}

QString Recorder::stop() {
    if (!isRecording()) return {};
    std::unique_ptr<VideoEncoder> encoder = std::move(m_encoder);
    m_renderer.reset();
    encoder->finish();
    return m_settings.path;
}

void Recorder::cancel() {
    if (m_encoder) m_encoder->cancel();
    m_encoder.reset();
    m_renderer.reset();
}

bool Recorder::isRecording() const {
    return m_encoder && m_encoder->isOpen();
}

int Recorder::frameCount() const {
    return m_encoder ? m_encoder->frameCount() : 0;
}

}  // namespace attnsphere::render
