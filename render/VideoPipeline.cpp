#include "render/VideoPipeline.h"

#include "render/OffscreenRenderer.h"

namespace attnsphere::render {

VideoPipeline::VideoPipeline() = default;

VideoPipeline::~VideoPipeline() {
    cancel();
}

void VideoPipeline::open(const VideoSettings& video, CompositionOptions composition,
                         const SceneStyle& style) {
    cancel();
    VideoEncoder::validate(video);
    composition.size = QSize(video.width, video.height);
    composition.transparent = video.transparent;
    try {
        m_composer = std::make_unique<FrameComposer>(std::move(composition));
        const QRect view = m_composer->viewRect();
        m_renderer = std::make_unique<OffscreenRenderer>(view.width(), view.height());
        SceneStyle s = style;
        s.transparentBackground = video.transparent;
        m_renderer->setStyle(s);
        m_encoder.open(video);
    } catch (...) {
        close();
        throw;
    }
}

bool VideoPipeline::needsObservables() const {
    return m_composer && m_composer->needsObservables();
}

bool VideoPipeline::needsAttention() const {
    return m_composer && m_composer->needsAttention();
}

void VideoPipeline::addFrame(const core::Frame& frame,
                             const std::function<void(SceneRenderer&)>& placeCamera) {
    if (!isOpen()) return;
    try {
        SceneRenderer& scene = m_renderer->scene();
        scene.showFrame(frame);
        if (placeCamera) placeCamera(scene);
        const QImage view = m_renderer->renderCurrent();
        m_composer->addFrame(frame);
        m_encoder.addFrame(m_composer->compose(view, frame));
    } catch (...) {
        cancel();
        throw;
    }
}

void VideoPipeline::finish() {
    if (!isOpen()) return;
    try {
        m_encoder.finish();
    } catch (...) {
        close();
        throw;
    }
    close();
}

void VideoPipeline::cancel() {
    m_encoder.cancel();
    close();
}

void VideoPipeline::close() {
    m_renderer.reset();
    m_composer.reset();
}

bool VideoPipeline::isOpen() const {
    return m_encoder.isOpen();
}

int VideoPipeline::frameCount() const {
    return m_encoder.frameCount();
}

}  // namespace attnsphere::render
