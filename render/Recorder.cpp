#include "render/Recorder.h"

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

void Recorder::start(const RecordSettings& settings, const SceneStyle& style) {
    if (isRecording()) cancel();
    CompositionOptions composition;
    composition.panels = settings.panels;
    composition.overlays = settings.overlays;
    m_pipeline.open({settings.path, settings.size.width(), settings.size.height(), settings.fps,
                     settings.transparent, settings.crf},
                    composition, style);
    m_settings = settings;
}

void Recorder::addFrame(const core::Frame& frame, const core::Camera& camera) {
    m_pipeline.addFrame(frame, [&camera](SceneRenderer& scene) { scene.setCamera(camera); });
}

QString Recorder::stop() {
    if (!isRecording()) return {};
    m_pipeline.finish();
    return m_settings.path;
}

void Recorder::cancel() {
    m_pipeline.cancel();
}

bool Recorder::isRecording() const {
    return m_pipeline.isOpen();
}

int Recorder::frameCount() const {
    return m_pipeline.frameCount();
}

}  // namespace attnsphere::render
