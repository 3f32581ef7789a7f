#include "ui/SphereView.h"

#include "app/Pacer.h"
#include "render/OffscreenRenderer.h"

#include <QApplication>
#include <QMouseEvent>
#include <QOpenGLContext>
#include <QOpenGLWindow>
#include <QSurfaceFormat>
#include <QVBoxLayout>
#include <QWheelEvent>

#include <vtkCallbackCommand.h>
#include <vtkCommand.h>
#include <vtkGenericOpenGLRenderWindow.h>
#include <vtkGenericRenderWindowInteractor.h>
#include <vtkInteractorStyleTrackballCamera.h>
#include <vtkNew.h>
#include <vtkOpenGLState.h>
#include <vtkRenderer.h>

#include <cmath>
#include <utility>

namespace attnsphere::ui {

struct SphereView::Vtk {
    vtkNew<vtkGenericOpenGLRenderWindow> window;
    vtkNew<vtkRenderer> renderer;
    vtkNew<vtkGenericRenderWindowInteractor> interactor;
    vtkNew<vtkInteractorStyleTrackballCamera> interactorStyle;
    vtkNew<vtkCallbackCommand> makeCurrent, isCurrent, supportsGl, isDirect, renderRequest;
    std::unique_ptr<render::SceneRenderer> scene;
};

// The native GL surface; forwards everything to its SphereView.
class SphereView::GlWindow : public QOpenGLWindow {
public:
    explicit GlWindow(SphereView* view) : QOpenGLWindow(QOpenGLWindow::NoPartialUpdate), m_view(view) {}

protected:
    void initializeGL() override { m_view->initializeGl(); }
    void resizeGL(int w, int h) override { m_view->resizeGl(w, h); }
    void paintGL() override { m_view->paintGl(); }
    void mousePressEvent(QMouseEvent* e) override { m_view->mousePress(e); }
    void mouseReleaseEvent(QMouseEvent* e) override { m_view->mouseRelease(e); }
    void mouseMoveEvent(QMouseEvent* e) override { m_view->mouseMove(e); }
    void wheelEvent(QWheelEvent* e) override { m_view->wheel(e); }
    void mouseDoubleClickEvent(QMouseEvent* e) override { m_view->mouseDoubleClick(e); }

private:
    SphereView* m_view;
};

void SphereView::prepareOpenGl() {
    QSurfaceFormat format;
    format.setRenderableType(QSurfaceFormat::OpenGL);
    format.setVersion(3, 2);
    format.setProfile(QSurfaceFormat::CoreProfile);
    format.setDepthBufferSize(24);
    format.setStencilBufferSize(8);
    format.setAlphaBufferSize(8);
    format.setSamples(0);
    QSurfaceFormat::setDefaultFormat(format);
    QApplication::setAttribute(Qt::AA_ShareOpenGLContexts);
}

SphereView::SphereView(QWidget* parent)
    : QWidget(parent),
      m_window(new GlWindow(this)),
      m_vtk(std::make_unique<Vtk>()),
      // Repaints are asked for when something changed, no sooner than the cap allows after the last
      // one (a polling tick rounds every frame interval up to a multiple of its period). First: the
      // constructor's own setup already asks for repaints.
      m_pacer(new app::Pacer(
          30, [this] { onTick(); }, this)) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    QWidget* container = QWidget::createWindowContainer(m_window, this);
    container->setFocusPolicy(Qt::StrongFocus);
    layout->addWidget(container);
    setMinimumSize(320, 240);
    setToolTip(
        tr("Tokens x_i on the unit sphere. Drag: rotate, right-drag or wheel: zoom, middle-drag: pan. "
           "Click a token to select it in every panel. Ctrl+drag a token (or the Drag token tool): move "
           "it on the sphere; Add token tool: click to add one."));

    Vtk& v = *m_vtk;
    v.window->AddRenderer(v.renderer);
    v.scene = std::make_unique<render::SceneRenderer>(v.renderer);
    v.scene->setStyle(m_style);
    // VTK renders into its own framebuffers; paintGL copies the result into Qt's (doc/ARCHITECTURE.md,
    // Platform facts).
    v.window->SetFrameBlitModeToNoBlit();
    // No MSAA: VTK defaults to 8 samples, which multiplies llvmpipe's fragment work (doc/ARCHITECTURE.md,
    // Platform facts).
    v.window->SetMultiSamples(0);
    v.window->SetOwnContext(0);
    v.window->SetMapped(1);
    v.window->SetReadyForRendering(false);

    // Never QOpenGLWindow::makeCurrent() here: it rebinds Qt's FBO behind VTK's state cache.
    v.makeCurrent->SetClientData(this);
    v.makeCurrent->SetCallback([](vtkObject*, unsigned long, void* self, void*) {
        auto* w = static_cast<SphereView*>(self)->m_window;
        QOpenGLContext* ctx = w ? w->context() : nullptr;
        if (ctx && QOpenGLContext::currentContext() != ctx) ctx->makeCurrent(ctx->surface());
    });
    v.isCurrent->SetClientData(this);
    v.isCurrent->SetCallback([](vtkObject*, unsigned long, void* self, void* data) {
        auto* w = static_cast<SphereView*>(self)->m_window;
        *static_cast<bool*>(data) = w && w->context() && QOpenGLContext::currentContext() == w->context();
    });
    v.supportsGl->SetCallback(
        [](vtkObject*, unsigned long, void*, void* data) { *static_cast<int*>(data) = 1; });
    v.isDirect->SetCallback(
        [](vtkObject*, unsigned long, void*, void* data) { *static_cast<int*>(data) = 1; });
    v.window->AddObserver(vtkCommand::WindowMakeCurrentEvent, v.makeCurrent);
    v.window->AddObserver(vtkCommand::WindowIsCurrentEvent, v.isCurrent);
    v.window->AddObserver(vtkCommand::WindowSupportsOpenGLEvent, v.supportsGl);
    v.window->AddObserver(vtkCommand::WindowIsDirectEvent, v.isDirect);

    // The interactor never renders by itself: it asks for a repaint, paintGL renders.
    v.interactor->SetRenderWindow(v.window);
    v.interactor->SetInteractorStyle(v.interactorStyle);
    v.interactor->EnableRenderOff();
    v.renderRequest->SetClientData(this);
    v.renderRequest->SetCallback([](vtkObject*, unsigned long, void* self, void*) {
        auto* view = static_cast<SphereView*>(self);
        view->requestRepaint();
        emit view->cameraMoved();
    });
    v.interactor->AddObserver(vtkCommand::RenderEvent, v.renderRequest);
    v.interactor->Initialize();

    m_sinceLastPaint.start();
}

SphereView::~SphereView() {
    m_pacer->cancel();
    if (m_window->context()) {
        disconnect(m_window->context(), nullptr, this, nullptr);
        m_window->makeCurrent();
        // Removing the scene's props releases their GL resources: it needs the context (and the window
        // the make-current callback reaches), so it happens before the window goes.
        m_vtk->scene.reset();
        releaseGraphics();
        m_window->doneCurrent();
    }
    m_vtk->scene.reset();
    // The GL window goes before the VTK objects it forwards to; VTK events after this find no window.
    delete m_window;
    m_window = nullptr;
}

QImage SphereView::grabFramebuffer() {
    return m_window->grabFramebuffer();
}
QWindow* SphereView::glWindow() const {
    return m_window;
}

void SphereView::releaseGraphics() {
    if (m_initialised) m_vtk->window->ReleaseGraphicsResources(m_vtk->window);
    m_initialised = false;
}

void SphereView::setMaxFps(double fps) {
    m_pacer->setRate(fps);
}

void SphereView::requestRepaint() {
    m_dirty = true;
    if (!m_updateRequested) m_pacer->request();
}

void SphereView::showFrame(std::shared_ptr<const core::Frame> frame) {
    // A new run (reset, new scenario): the co-moving frame takes its reference afresh.
    if (frame && m_raw && (frame->step < m_raw->step || frame->d != m_raw->d)) m_coMovingFrame.restart();
    m_raw = frame;
    if (m_coMoving && frame) {
        auto rotated = std::make_shared<core::Frame>(*frame);
        rotated->positions = m_coMovingFrame.apply(frame->positions);
        frame = std::move(rotated);
    }
    m_pending = std::move(frame);
    requestRepaint();
}

void SphereView::setTool(Tool tool) {
    m_tool = tool;
}

void SphereView::setCoMoving(bool on) {
    if (on == m_coMoving) return;
    m_coMoving = on;
    m_coMovingFrame.restart();
    if (m_raw) showFrame(m_raw);
}

QPointF SphereView::toDisplay(QPointF widgetPos) const {
    const qreal dpr = m_window->devicePixelRatio();
    const double h = std::lround(m_window->height() * dpr);
    return QPointF(widgetPos.x() * dpr, h - widgetPos.y() * dpr - 1);
}

std::optional<Eigen::Vector3d> SphereView::rayOnSphere(QPointF widgetPos, double radius) const {
    Eigen::Vector3d origin, direction;
    const QPointF p = toDisplay(widgetPos);
    if (!m_vtk->scene->displayRay(p.x(), p.y(), origin, direction)) return std::nullopt;
    return core::rayToSphere(origin, direction, radius);
}

std::optional<core::Vector> SphereView::dragTargetAt(int token, QPointF widgetPos) const {
    const std::shared_ptr<const core::Frame> frame = currentFrame();
    if (!frame || token < 0 || token >= frame->positions.cols()) return std::nullopt;
    const render::SceneRenderer& scene = *m_vtk->scene;
    // The sphere the token is drawn on: the unit sphere for d <= 3, its shown radius inside the ball for
    // d > 3 (the hidden coordinates are kept), scaled for flat geometry.
    const double radius = std::max(scene.shownPosition(token).norm(), 1e-3);
    const auto hit = rayOnSphere(widgetPos, radius);
    if (!hit) return std::nullopt;
    const core::Vector moved = core::dragTarget(frame->positions.col(token), scene.projectionBasis(),
                                                *hit / scene.displayScale(), frame->geometry);
    return m_coMoving ? core::Vector(m_coMovingFrame.rotation().applyInverse(moved)) : moved;
}

std::optional<core::Vector> SphereView::sphereAt(QPointF widgetPos) const {
    const std::shared_ptr<const core::Frame> frame = currentFrame();
    if (!frame) return std::nullopt;
    const auto hit = rayOnSphere(widgetPos, 1.0);
    if (!hit) return std::nullopt;
    const render::SceneRenderer& scene = *m_vtk->scene;
    const core::Vector x = core::tokenAt(static_cast<int>(frame->positions.rows()), scene.projectionBasis(),
                                         *hit / scene.displayScale(), frame->geometry);
    return m_coMoving ? core::Vector(m_coMovingFrame.rotation().applyInverse(x)) : x;
}

void SphereView::setStyle(const render::SceneStyle& style) {
    m_style = style;
    m_vtk->scene->setStyle(style);
    requestRepaint();
}

void SphereView::setLabelLift(int pixels) {
    m_vtk->scene->setLabelLift(static_cast<int>(std::lround(pixels * m_window->devicePixelRatio())));
    requestRepaint();
}

QString SphereView::projectionLabel() const {
    return m_vtk->scene->projectionLabel();
}
QPointF SphereView::tokenPosition(int i) const {
    const auto p = m_vtk->scene->tokenDisplayPosition(i);
    if (p[0] < 0) return QPointF(-1, -1);
    const qreal dpr = m_window->devicePixelRatio();
    return QPointF(p[0] / dpr, height() - 1 - p[1] / dpr);
}

QColor SphereView::tokenColour(int i) const {
    return m_vtk->scene->tokenColour(i);
}

void SphereView::setSelectedToken(int index) {
    if (index == m_selected) return;
    m_selected = index;
    m_vtk->scene->setSelectedToken(index);
    requestRepaint();
}

void SphereView::resetCamera() {
    m_vtk->scene->resetCamera();
    requestRepaint();
    emit cameraMoved();
    emit cameraChanged(camera());
}

void SphereView::setViewPreset(render::ViewPreset preset) {
    m_vtk->scene->setViewPreset(preset);
    requestRepaint();
    emit cameraMoved();
    emit cameraChanged(camera());
}

core::Camera SphereView::camera() const {
    return m_vtk->scene->camera();
}

void SphereView::setCamera(const core::Camera& camera) {
    m_vtk->scene->setCamera(camera);
    requestRepaint();
    emit cameraMoved();
}

void SphereView::resetTrails() {
    m_vtk->scene->resetTrails();
    requestRepaint();
}

std::vector<double> SphereView::takePaintTimes() {
    return std::exchange(m_paintTimes, {});
}
std::vector<double> SphereView::takePaintIntervals() {
    return std::exchange(m_paintIntervals, {});
}

void SphereView::onTick() {
    // Not exposed: the expose event paints (and clears the flags).
    if (!m_dirty || !m_window->isExposed()) return;
    m_updateRequested = true;
    m_window->update();
    // update() alone reaches paintGL through Qt's platform timer of 5 ms (its stand-in for a vertical
    // refresh, QT_QPA_UPDATE_IDLE_TIME). The view paces itself (setMaxFps), so the wait only adds latency:
    // with two linked views it was about 11 of a 48 ms cycle. The request is delivered now instead; the
    // timer's own request then finds nothing to paint. (Setting the variable to 0 would do the same for
    // every widget, whose repaints it coalesces.)
    QCoreApplication::postEvent(m_window, new QEvent(QEvent::UpdateRequest));
}

void SphereView::initializeGl() {
    Vtk& v = *m_vtk;
    // GLEW must initialise with Qt's context current, which is the case only here.
    v.window->SetReadyForRendering(true);
    v.window->OpenGLInitContext();
    connect(
        m_window->context(), &QOpenGLContext::aboutToBeDestroyed, this,
        [this] {
            m_window->makeCurrent();
            releaseGraphics();
            m_window->doneCurrent();
        },
        Qt::DirectConnection);
    m_initialised = true;
    requestRepaint();
}

void SphereView::resizeGl(int w, int h) {
    const qreal dpr = m_window->devicePixelRatio();
    const int pw = static_cast<int>(std::lround(w * dpr)), ph = static_cast<int>(std::lround(h * dpr));
    m_vtk->window->SetSize(pw, ph);
    m_vtk->interactor->UpdateSize(pw, ph);
    requestRepaint();
}

void SphereView::paintGl() {
    QElapsedTimer timer;
    timer.start();
    Vtk& v = *m_vtk;
    if (m_pending) {
        v.scene->showFrame(*m_pending);
        m_shown = std::move(m_pending);
        m_pending.reset();
    }
    vtkOpenGLState* state = v.window->GetState();
    // Qt changed GL state (its FBO, viewport) since VTK last looked: resync VTK's cache first.
    state->Reset();
    state->Push();
    v.window->Render();

    // Copy VTK's display framebuffer into Qt's, then force alpha to 1: translucent actors leave
    // alpha < 1 and Qt would composite the view see-through.
    state->PushFramebufferBindings();
    state->vtkglBindFramebuffer(GL_DRAW_FRAMEBUFFER, m_window->defaultFramebufferObject());
    const int* size = v.window->GetSize();
    state->vtkglViewport(0, 0, size[0], size[1]);
    state->vtkglDisable(GL_SCISSOR_TEST);
    v.window->BlitDisplayFramebuffer();
    state->vtkglBindFramebuffer(GL_DRAW_FRAMEBUFFER, m_window->defaultFramebufferObject());
    state->vtkglColorMask(GL_FALSE, GL_FALSE, GL_FALSE, GL_TRUE);
    state->vtkglClearColor(0, 0, 0, 1);
    state->vtkglClear(GL_COLOR_BUFFER_BIT);
    state->vtkglColorMask(GL_TRUE, GL_TRUE, GL_TRUE, GL_TRUE);
    state->PopFramebufferBindings();
    state->Pop();

    m_dirty = false;
    m_updateRequested = false;
    m_pacer->restartInterval();  // also after a paint the window asked for itself (expose, resize)
    ++m_paintCount;
    m_paintTimes.push_back(timer.nsecsElapsed() * 1e-6);
    m_paintIntervals.push_back(m_sinceLastPaint.nsecsElapsed() * 1e-6);
    m_sinceLastPaint.restart();
    if (m_paintTimes.size() > 100000) m_paintTimes.clear();
    if (m_paintIntervals.size() > 100000) m_paintIntervals.clear();
}

void SphereView::forwardMouse(QMouseEvent* e, unsigned long vtkEvent) {
    const qreal dpr = m_window->devicePixelRatio();
    const QPointF p = e->position() * dpr;
    const int h = static_cast<int>(std::lround(m_window->height() * dpr));
    // VTK's display origin is bottom-left.
    m_vtk->interactor->SetEventInformation(
        static_cast<int>(p.x()), h - static_cast<int>(p.y()) - 1,
        (e->modifiers() & Qt::ControlModifier) ? 1 : 0, (e->modifiers() & Qt::ShiftModifier) ? 1 : 0, 0,
        vtkEvent == vtkCommand::LeftButtonPressEvent && e->type() == QEvent::MouseButtonDblClick ? 1 : 0);
    m_vtk->interactor->InvokeEvent(vtkEvent, e);
}

void SphereView::mousePress(QMouseEvent* e) {
    m_pressPos = e->position().toPoint();
    m_pressTime.start();
    if (e->button() == Qt::LeftButton && currentFrame()) {
        const QPointF d = toDisplay(e->position());
        if (m_tool == Tool::DragToken || (e->modifiers() & Qt::ControlModifier)) {
            const int picked = m_vtk->scene->pickToken(static_cast<int>(d.x()), static_cast<int>(d.y()));
            if (picked >= 0) {
                m_dragged = picked;
                setSelectedToken(picked);
                emit tokenClicked(picked);
                emit tokenDragStarted(picked);
                e->accept();
                return;
            }
        } else if (m_tool == Tool::AddToken) {
            if (const auto x = sphereAt(e->position())) emit addTokenRequested(*x);
            e->accept();
            return;
        }
    }
    switch (e->button()) {
        case Qt::LeftButton:
            forwardMouse(e, vtkCommand::LeftButtonPressEvent);
            break;
        case Qt::RightButton:
            forwardMouse(e, vtkCommand::RightButtonPressEvent);
            break;
        case Qt::MiddleButton:
            forwardMouse(e, vtkCommand::MiddleButtonPressEvent);
            break;
        default:
            break;
    }
    e->accept();
}

void SphereView::mouseRelease(QMouseEvent* e) {
    if (e->button() == Qt::LeftButton && m_dragged >= 0) {
        const int token = std::exchange(m_dragged, -1);
        emit tokenDragFinished(token);
        e->accept();
        return;
    }
    if (e->button() == Qt::LeftButton && m_tool == Tool::AddToken) {
        e->accept();
        return;
    }
    switch (e->button()) {
        case Qt::LeftButton: {
            forwardMouse(e, vtkCommand::LeftButtonReleaseEvent);
            // A click (not a drag) selects the token under the cursor.
            const QPoint delta = e->position().toPoint() - m_pressPos;
            if (delta.manhattanLength() <= 4 && m_pressTime.elapsed() < 600) {
                const qreal dpr = m_window->devicePixelRatio();
                const int x = static_cast<int>(e->position().x() * dpr);
                const int y = static_cast<int>(std::lround(m_window->height() * dpr)) -
                              static_cast<int>(e->position().y() * dpr) - 1;
                const int picked = m_vtk->scene->pickToken(x, y);
                setSelectedToken(picked);
                emit tokenClicked(picked);
            }
            break;
        }
        case Qt::RightButton:
            forwardMouse(e, vtkCommand::RightButtonReleaseEvent);
            break;
        case Qt::MiddleButton:
            forwardMouse(e, vtkCommand::MiddleButtonReleaseEvent);
            break;
        default:
            break;
    }
    e->accept();
}

void SphereView::mouseMove(QMouseEvent* e) {
    if (m_dragged >= 0) {
        if (const auto x = dragTargetAt(m_dragged, e->position())) emit tokenDragged(m_dragged, *x);
        e->accept();
        return;
    }
    forwardMouse(e, vtkCommand::MouseMoveEvent);
    e->accept();
}

void SphereView::mouseDoubleClick(QMouseEvent* e) {
    // Double click: back to the default camera.
    if (e->button() == Qt::LeftButton) resetCamera();
    e->accept();
}

void SphereView::wheel(QWheelEvent* e) {
    const qreal dpr = m_window->devicePixelRatio();
    const QPointF p = e->position() * dpr;
    const int h = static_cast<int>(std::lround(m_window->height() * dpr));
    m_vtk->interactor->SetEventInformation(static_cast<int>(p.x()), h - static_cast<int>(p.y()) - 1);
    const int delta = e->angleDelta().y();
    if (delta > 0) m_vtk->interactor->InvokeEvent(vtkCommand::MouseWheelForwardEvent, e);
    if (delta < 0) m_vtk->interactor->InvokeEvent(vtkCommand::MouseWheelBackwardEvent, e);
    emit cameraChanged(camera());
    e->accept();
}

QImage SphereView::renderImage(QSize size, bool transparent) const {
    const std::shared_ptr<const core::Frame> frame = currentFrame();
    if (!frame || !m_vtk->scene) return {};
    render::OffscreenRenderer renderer(size.width(), size.height());
    render::SceneStyle style = m_style;
    style.transparentBackground = transparent;
    renderer.setStyle(style);
    renderer.scene().adoptHistory(*m_vtk->scene);
    renderer.scene().showFrame(*frame);
    renderer.scene().setSelectedToken(m_selected);
    renderer.scene().setCamera(camera());
    const QImage image = renderer.renderCurrent();
    return transparent ? image.convertToFormat(QImage::Format_RGBA8888) : image.copy();
}

}  // namespace attnsphere::ui
