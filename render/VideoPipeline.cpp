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
    try {
        makeRenderers(video, std::move(composition), style);
        m_encoder.open(video);
        m_video = video;
    } catch (...) {
        close();
        throw;
    }
}

void VideoPipeline::recompose(CompositionOptions composition, const SceneStyle& style) {
    if (!isOpen()) return;
    try {
        makeRenderers(m_video, std::move(composition), style);
    } catch (...) {
        cancel();
        throw;
    }
}

void VideoPipeline::setDecoration(std::function<void(QImage&, QRect)> decorate) {
    m_decorate = std::move(decorate);
}

void VideoPipeline::makeRenderers(const VideoSettings& video, CompositionOptions composition,
                                  const SceneStyle& style) {
    m_renderer.reset();
    m_tiles.clear();
    composition.size = QSize(video.width, video.height);
    composition.transparent = video.transparent;
    const int runs = static_cast<int>(composition.runs.size());
    m_composer = std::make_unique<FrameComposer>(std::move(composition));
    const QRect view = m_composer->viewRect();
    SceneStyle s = style;
    s.transparentBackground = video.transparent;
    if (runs >= 2) {
        for (const QRect& tile : FrameComposer::tileRects(QRect(QPoint(0, 0), view.size()), runs)) {
            m_tiles.push_back(std::make_unique<OffscreenRenderer>(tile.width(), tile.height()));
            m_tiles.back()->setStyle(s);
        }
    } else {
        m_renderer = std::make_unique<OffscreenRenderer>(view.width(), view.height());
        m_renderer->setStyle(s);
    }
}

void VideoPipeline::encode(QImage frame) {
    if (m_decorate) m_decorate(frame, m_composer->viewRect());
    m_encoder.addFrame(frame);
    if (m_keepLast) m_last = std::move(frame);
}

QRect VideoPipeline::viewRect() const {
    return m_composer ? m_composer->viewRect() : QRect();
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
    if (!m_renderer) {
        addFrames({&frame}, placeCamera);
        return;
    }
    try {
        SceneRenderer& scene = m_renderer->scene();
        scene.showFrame(frame);
        if (placeCamera) placeCamera(scene);
        const QImage view = m_renderer->renderCurrent();
        m_composer->addFrame(frame);
        encode(m_composer->compose(view, frame));
    } catch (...) {
        cancel();
        throw;
    }
}

void VideoPipeline::addFrames(const std::vector<const core::Frame*>& frames,
                              const std::function<void(SceneRenderer&)>& placeCamera) {
    if (!isOpen()) return;
    if (m_tiles.empty()) {
        if (!frames.empty()) addFrame(*frames.front(), placeCamera);
        return;
    }
    try {
        std::vector<QImage> views;
        for (std::size_t k = 0; k < m_tiles.size() && k < frames.size(); ++k) {
            SceneRenderer& scene = m_tiles[k]->scene();
            scene.showFrame(*frames[k]);
            if (placeCamera) placeCamera(scene);
            views.push_back(m_tiles[k]->renderCurrent());
        }
        m_composer->addFrames(frames);
        encode(m_composer->compose(m_composer->tileViews(views), *frames.front()));
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
    m_tiles.clear();
    m_composer.reset();
}

bool VideoPipeline::isOpen() const {
    return m_encoder.isOpen();
}

int VideoPipeline::frameCount() const {
    return m_encoder.frameCount();
}

}  // namespace attnsphere::render
