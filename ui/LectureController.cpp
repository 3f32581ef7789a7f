#include "ui/LectureController.h"

#include "app/SimulationController.h"
#include "core/Errors.h"
#include "render/Caption.h"
#include "render/FrameComposer.h"
#include "render/PanelRegistry.h"
#include "ui/LectureStepsDialog.h"
#include "ui/MainWindow.h"
#include "ui/SphereView.h"
#include "ui/TimelineWidget.h"

#include <QApplication>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDockWidget>
#include <QFileDialog>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QPainter>
#include <QVBoxLayout>
#include <QWindow>

#include <algorithm>

namespace attnsphere::ui {
namespace {

// A scripted moment is reached when the run's t is within this of it (t accumulates dt in floating point).
constexpr double kTimeSlack = 1e-6;
constexpr int kBannerMs = 8000, kInfoMs = 4000;

// Native, so that it stacks above the view's native GL window (a plain child is drawn beneath it).
QLabel* nativeLabel(QWidget* parent, const QString& name) {
    auto* label = new QLabel(parent);
    label->setObjectName(name);
    label->setAttribute(Qt::WA_DontCreateNativeAncestors);
    label->setAttribute(Qt::WA_NativeWindow);
    label->setTextFormat(Qt::RichText);
    label->hide();
    return label;
}

// A text box in the caption's look (render/Caption.h) under the window's theme, `px` tall text.
QString boxStyle(double px, QColor background, QColor text, QColor border) {
    return QStringLiteral(
               "color: %2; background: %3; border: 2px solid %4; padding: %5px %6px; "
               "font-size: %1px;")
        .arg(std::max(12, static_cast<int>(px)))
        .arg(text.name(), background.name(), border.name())
        .arg(static_cast<int>(px * 0.3))
        .arg(static_cast<int>(px * 0.6));
}

QString q(const std::string& s) {
    return QString::fromStdString(s);
}

std::vector<std::string> toStd(const QStringList& list) {
    std::vector<std::string> out;
    for (const QString& s : list) out.push_back(s.toStdString());
    return out;
}

}  // namespace

LectureController::LectureController(MainWindow* window) : QObject(window), m_window(window) {
    SphereView* view = window->sphereView();
    m_caption = nativeLabel(view, QStringLiteral("lecture.caption"));
    m_formula = nativeLabel(view, QStringLiteral("lecture.formula"));
    m_banner = nativeLabel(view, QStringLiteral("lecture.banner"));
    m_banner->setWordWrap(true);
    m_info = nativeLabel(view, QStringLiteral("lecture.stepInfo"));
    m_overlayLine = nativeLabel(view, QStringLiteral("lecture.overlays"));
    m_blank = new QWidget(window);
    m_blank->setObjectName(QStringLiteral("lecture.blank"));
    m_blank->setAttribute(Qt::WA_DontCreateNativeAncestors);
    m_blank->setAttribute(Qt::WA_NativeWindow);
    m_blank->setStyleSheet(QStringLiteral("background: black;"));
    m_blank->setAutoFillBackground(true);
    QPalette black = m_blank->palette();
    black.setColor(QPalette::Window, Qt::black);
    m_blank->setPalette(black);
    m_blank->hide();

    m_bannerTimer.setSingleShot(true);
    connect(&m_bannerTimer, &QTimer::timeout, m_banner, &QWidget::hide);
    m_infoTimer.setSingleShot(true);
    connect(&m_infoTimer, &QTimer::timeout, m_info, &QWidget::hide);
    m_cameraTimer.setInterval(15);
    connect(&m_cameraTimer, &QTimer::timeout, this, [this] {
        SphereView* v = m_window->sphereView();
        if (!m_cameraAfterPaint || v->paintCount() <= *m_cameraAfterPaint) return;
        m_cameraTimer.stop();
        m_cameraAfterPaint.reset();
        if (m_current < 0) return;
        const core::LectureStep& step = m_lecture.steps[static_cast<std::size_t>(m_current)];
        if (step.camera)
            v->setCamera(*step.camera);
        else
            v->resetCamera();
    });
    connect(window->controller(), &app::SimulationController::frameAvailable, this,
            &LectureController::onFrame);
    connect(window->controller(), &app::SimulationController::scenarioChanged, this,
            [this] { m_confirmed = true; });
    buildMenu();
}

LectureController::~LectureController() {
    qApp->removeEventFilter(this);
}

QString LectureController::keysText() {
    return tr(
        "While a lecture is open (these win over the keys below, wherever the focus is):\n"
        "PageDown, Right, Space  next step\n"
        "PageUp, Left  previous step\n"
        "B  blank the screen (again: show it)\n"
        "digits, then Enter  go to that step (Escape forgets the digits)\n"
        "?  show \"step k / N: title\" for a few seconds");
}

std::vector<std::string> LectureController::panelIds() {
    return toStd(render::panelIds());
}

std::vector<std::string> LectureController::overlayNames() {
    return toStd(render::FrameComposer::overlayNames());
}

core::Lecture LectureController::load(const std::string& fileOrBuiltin) {
    return core::loadLecture(fileOrBuiltin, panelIds(), overlayNames());
}

void LectureController::open(core::Lecture lecture, const QString& path, int step) {
    m_lecture = std::move(lecture);
    m_path = path;
    m_current = -1;
    if (!m_open) {
        m_presentationBefore = m_window->presentationMode();
        m_docksBefore.clear();
        for (const QDockWidget* d : m_window->findChildren<QDockWidget*>())
            if (d->isVisible()) m_docksBefore << d->objectName();
    }
    m_open = true;
    qApp->removeEventFilter(this);
    qApp->installEventFilter(this);  // the last installed filter sees events first: the lecture wins
    // The lecture's display; the command line's --theme and --presentation are applied after this.
    m_window->setTheme(m_lecture.theme);
    // The steps choose the panels: none is laid out at the presentation's size before (the window's
    // docks at that size could need more than the screen's width).
    m_window->showOnlyPanels({});
    m_window->setPresentationMode(m_lecture.presentation);
    m_window->setErrorBanner([this](const QString& title, const QString& message) {
        showBanner(title + QStringLiteral(": ") + message);
    });
    emit stepsChanged();
    goTo(std::clamp(step, 0, std::max(0, stepCount() - 1)));
}

void LectureController::close() {
    if (m_open) {
        m_window->setPresentationMode(m_presentationBefore);
        // The docks shown before the lecture are shown again (the steps' column keeps its place).
        for (QDockWidget* d : m_window->findChildren<QDockWidget*>())
            if (m_docksBefore.contains(d->objectName())) d->show();
    }
    m_open = false;
    qApp->removeEventFilter(this);
    m_window->setErrorBanner({});
    for (QWidget* w :
         {static_cast<QWidget*>(m_caption), static_cast<QWidget*>(m_formula), static_cast<QWidget*>(m_banner),
          static_cast<QWidget*>(m_info), static_cast<QWidget*>(m_overlayLine), m_blank})
        w->hide();
    m_window->sphereView()->setLabelLift(0);
}

QString LectureController::stepLabel(int index) const {
    const auto& title = m_lecture.steps[static_cast<std::size_t>(index)].caption.title;
    return title.empty() ? tr("Step %1").arg(index + 1)
                         : tr("Step %1 (%2)").arg(index + 1).arg(q(core::captionText(title)));
}

bool LectureController::goTo(int index) {
    if (index < 0 || index >= stepCount()) return false;
    if (!m_open) {
        open(std::move(m_lecture), m_path, index);  // enters the step
        return m_current == index;
    }
    m_current = index;
    m_typed.clear();
    const core::LectureStep& step = m_lecture.steps[static_cast<std::size_t>(index)];
    app::SimulationController* c = m_window->controller();
    try {
        step.scenario.validate();
    } catch (const std::exception& e) {
        // Skipped: what ran before stays, paused, and the banner says which step and field failed.
        c->pause();
        showBanner(tr("%1 skipped: steps[%2].scenario.%3").arg(stepLabel(index)).arg(index).arg(e.what()));
        emit stepEntered(index);
        return false;
    }
    m_armed = m_confirmed = m_looping = false;
    m_nextChange = 0;
    const QString source =
        step.source.is_string() ? q(step.source.get<std::string>()) : q(step.scenario.name);
    m_window->loadScenario(step.scenario, source);
    if (step.speed > 0) m_window->setPlaybackSpeed(step.speed);
    SphereView* view = m_window->sphereView();
    if (step.camera)
        view->setCamera(*step.camera);
    else
        view->resetCamera();
    QStringList panels;
    for (const std::string& id : step.panels) panels << q(id);
    m_window->showOnlyPanels(panels);
    showCaption(step.caption);
    m_overlayLine->setVisible(false);
    c->setPauseAt(step.pauseAt);
    if (step.play)
        c->play();
    else
        c->pause();
    placeOverlays();
    emit stepEntered(index);
    return true;
}

void LectureController::next() {
    if (m_current + 1 < stepCount()) goTo(m_current + 1);
}

void LectureController::previous() {
    if (m_current > 0) goTo(m_current - 1);
}

bool LectureController::isBlank() const {
    return m_blank->isVisible();
}

void LectureController::setBlank(bool blank) {
    if (blank) {
        m_blank->setGeometry(m_window->rect());
        m_blank->show();
        m_blank->raise();
    } else {
        m_blank->hide();
    }
}

void LectureController::showStepInfo() {
    if (m_current < 0) return;
    const auto& title = m_lecture.steps[static_cast<std::size_t>(m_current)].caption.title;
    m_info->setText(tr("step %1 / %2: %3")
                        .arg(m_current + 1)
                        .arg(stepCount())
                        .arg(q(core::captionText(title)).toHtmlEscaped()));
    m_info->show();
    placeOverlays();
    m_infoTimer.start(kInfoMs);
}

void LectureController::showBanner(const QString& text) {
    m_banner->setText(text.toHtmlEscaped());
    m_banner->setToolTip(text);
    m_banner->show();
    placeOverlays();
    m_bannerTimer.start(kBannerMs);
}

QString LectureController::bannerText() const {
    return m_banner->isVisible() ? m_banner->toolTip() : QString();
}

QString LectureController::stepInfoText() const {
    return m_info->isVisible() ? m_info->text() : QString();
}

void LectureController::showCaption(const core::LectureCaption& caption) {
    m_shownCaption = caption;
    placeOverlays();
}

void LectureController::updateOverlayLine(const core::Frame& frame) {
    QStringList names;
    for (const std::string& o : m_lecture.steps[static_cast<std::size_t>(m_current)].overlays) names << q(o);
    const QString line = render::FrameComposer::overlayLine(names, frame);
    m_overlayLine->setText(line.toHtmlEscaped());
    if (m_overlayLine->isVisible() != !line.isEmpty()) {
        m_overlayLine->setVisible(!line.isEmpty());
        placeOverlays();
    } else if (m_overlayLine->sizeHint().width() > m_overlayLine->width()) {
        // The values grew (t = 9.99 -> 10.00): wider, still at the view's top right.
        const int right = m_overlayLine->geometry().right();
        m_overlayLine->adjustSize();
        m_overlayLine->move(right - m_overlayLine->width() + 1, m_overlayLine->y());
    }
}

void LectureController::placeOverlays() {
    SphereView* view = m_window->sphereView();
    // The caption's sizes are for 1080 lines: they follow the window's height, legible from the back row.
    const double scale = std::max(200, m_window->height()) / 1080.0;
    const int margin = static_cast<int>(18 * scale);
    const int room = std::max(100, view->width() - 2 * margin);
    const render::CaptionColours colours = render::captionColours(m_window->theme());
    const int linePx = render::captionLinePixels(scale);
    if (m_open && m_current >= 0) {
        const QImage box =
            render::renderCaptionImage(m_shownCaption, room * 2 / 3, scale, colours.background, colours.text);
        m_caption->setPixmap(QPixmap::fromImage(box));
        m_caption->resize(box.size());
        m_caption->setVisible(!box.isNull());
        const QImage strip =
            render::renderFormulaImage(m_shownCaption, room, scale, colours.background, colours.text);
        m_formula->setPixmap(QPixmap::fromImage(strip));
        m_formula->resize(strip.size());
        m_formula->setVisible(!strip.isNull());
    }
    m_caption->move(margin, margin);
    m_formula->move(margin, view->height() - m_formula->height() - margin);
    // The view's projection label ("PCA projection ...") stays readable above the strip.
    view->setLabelLift(m_open && !m_formula->isHidden() ? m_formula->height() + margin : 0);
    const QColor border = colours.text;
    m_overlayLine->setStyleSheet(boxStyle(linePx, colours.background, colours.text, colours.background));
    m_overlayLine->adjustSize();
    m_overlayLine->move(view->width() - m_overlayLine->width() - margin, margin);
    m_banner->setStyleSheet(boxStyle(linePx, colours.background, colours.text, QColor(0xf0, 0xa0, 0x30)));
    m_banner->setMaximumWidth(room * 3 / 4);
    m_banner->adjustSize();
    m_banner->move((view->width() - m_banner->width()) / 2, view->height() / 3);
    m_info->setStyleSheet(boxStyle(linePx, colours.background, colours.text, border));
    m_info->adjustSize();
    const int infoBottom = m_formula->isVisible() ? m_formula->y() - margin : view->height() - margin;
    m_info->move(view->width() - m_info->width() - margin, infoBottom - m_info->height());
    for (QWidget* w : {static_cast<QWidget*>(m_caption), static_cast<QWidget*>(m_formula),
                       static_cast<QWidget*>(m_overlayLine), static_cast<QWidget*>(m_banner),
                       static_cast<QWidget*>(m_info)})
        if (w->isVisible()) w->raise();
    if (isBlank()) setBlank(true);
}

void LectureController::onFrame(const std::shared_ptr<const core::Frame>& frame) {
    if (!m_open || m_current < 0) return;
    const core::LectureStep& step = m_lecture.steps[static_cast<std::size_t>(m_current)];
    if (!m_armed) {
        // Frames of the previous run may still arrive: the step's run is the one the worker confirmed
        // after the step was entered (a frame may be dropped for a newer one, so not "step 0").
        if (!m_confirmed || frame->scenarioName != step.scenario.name) return;
        m_armed = true;
        m_cameraAfterPaint = m_window->sphereView()->paintCount();
        m_cameraTimer.start();
    }
    if (!step.overlays.empty()) updateOverlayLine(*frame);
    if (m_looping) {
        if (step.loop && frame->t >= step.loop->second - kTimeSlack) return;
        m_looping = false;
    }
    // Each change carries the step's scenario as changed so far: sent as the parameter dock's edit.
    while (m_nextChange < step.changes.size() && frame->t >= step.changes[m_nextChange].at - kTimeSlack)
        m_window->applyModelEdit(step.changes[m_nextChange++].scenario);
    if (step.loop && frame->t >= step.loop->second - kTimeSlack) loopBack(step.loop->first);
}

void LectureController::loopBack(double from) {
    // Back to the newest kept frame at or before `from`, through the timeline's fork: the model in effect
    // then is restored with the positions, so the changes after `from` apply again.
    TimelineWidget* timeline = m_window->timeline();
    timeline->syncHistory();
    const auto& entries = timeline->entries();
    int best = -1;
    for (std::size_t k = 0; k < entries.size(); ++k)
        if (entries[k].frame->t <= from + kTimeSlack) best = static_cast<int>(k);
    if (best < 0 || best + 1 >= static_cast<int>(entries.size())) return;
    const double t = entries[static_cast<std::size_t>(best)].frame->t;
    timeline->scrubTo(best);
    if (!timeline->forkIfScrubbed()) return;
    timeline->clearBranches();
    m_window->controller()->play();
    m_looping = true;
    const auto& changes = m_lecture.steps[static_cast<std::size_t>(m_current)].changes;
    m_nextChange = 0;
    while (m_nextChange < changes.size() && changes[m_nextChange].at <= t + kTimeSlack) ++m_nextChange;
}

bool LectureController::isOurs(QObject* watched) const {
    if (auto* w = qobject_cast<QWidget*>(watched)) return w->window() == m_window;
    if (auto* win = qobject_cast<QWindow*>(watched))
        return win == m_window->windowHandle() || win == m_window->sphereView()->glWindow();
    return false;
}

LectureController::Key LectureController::keyOf(const QKeyEvent& key) const {
    if (key.modifiers() & (Qt::ControlModifier | Qt::AltModifier | Qt::MetaModifier)) return Key::None;
    switch (key.key()) {
        case Qt::Key_PageDown:
        case Qt::Key_Right:
        case Qt::Key_Space:
            return Key::Next;
        case Qt::Key_PageUp:
        case Qt::Key_Left:
            return Key::Previous;
        case Qt::Key_B:
            return Key::Blank;
        case Qt::Key_Question:
            return Key::Info;
        case Qt::Key_P:
            return Key::Play;
        case Qt::Key_Return:
        case Qt::Key_Enter:
            return m_typed.isEmpty() ? Key::None : Key::Enter;
        case Qt::Key_Escape:
            return m_typed.isEmpty() ? Key::None : Key::Escape;
        default:
            break;
    }
    if (key.key() >= Qt::Key_0 && key.key() <= Qt::Key_9) return Key::Digit;
    return Key::None;
}

void LectureController::press(Key key, const QKeyEvent& event) {
    switch (key) {
        case Key::Next:
            next();
            break;
        case Key::Previous:
            previous();
            break;
        case Key::Blank:
            setBlank(!isBlank());
            break;
        case Key::Info:
            showStepInfo();
            break;
        case Key::Play:
            m_window->controller()->togglePlay();
            break;
        case Key::Digit:
            if (m_typed.size() < 4) m_typed += QChar(u'0' + (event.key() - Qt::Key_0));
            m_info->setText(tr("go to step %1 … (Enter)").arg(m_typed));
            m_info->show();
            placeOverlays();
            m_infoTimer.start(kInfoMs);
            break;
        case Key::Enter: {
            const int k = m_typed.toInt();
            m_typed.clear();
            m_info->hide();
            if (!goTo(k - 1) && (k < 1 || k > stepCount()))
                showBanner(tr("No step %1: the lecture has %2 steps").arg(k).arg(stepCount()));
            break;
        }
        case Key::Escape:
            m_typed.clear();
            m_info->hide();
            break;
        case Key::None:
            break;
    }
}

bool LectureController::eventFilter(QObject* watched, QEvent* event) {
    const QEvent::Type type = event->type();
    if (type == QEvent::Resize && (watched == m_window || watched == m_window->sphereView())) {
        placeOverlays();
        return false;
    }
    // View → Theme restyles the application: the caption is drawn again in the theme's colours.
    if ((type == QEvent::PaletteChange || type == QEvent::StyleChange) && watched == m_window) {
        placeOverlays();
        return false;
    }
    if (!m_open || (type != QEvent::ShortcutOverride && type != QEvent::KeyPress) || !isOurs(watched))
        return false;
    const auto* key = static_cast<QKeyEvent*>(event);
    const Key k = keyOf(*key);
    if (k == Key::None) return false;
    if (type == QEvent::ShortcutOverride) {
        // Claimed: no window shortcut (Space = play, Left = timeline) takes it; the key press follows.
        event->accept();
        return true;
    }
    press(k, *key);
    return true;
}

QWidget* LectureController::captionWidget() const {
    return m_caption;
}
QWidget* LectureController::formulaWidget() const {
    return m_formula;
}
QWidget* LectureController::bannerWidget() const {
    return m_banner;
}
QWidget* LectureController::blankWidget() const {
    return m_blank;
}
QWidget* LectureController::stepInfoWidget() const {
    return m_info;
}

QImage LectureController::grabWindow() {
    QImage image = m_window->grabWindow();
    QPainter painter(&image);
    if (isBlank()) {
        image.fill(Qt::black);
        return image;
    }
    // The window's grab paints the view's framebuffer over its native children: paint them again on top.
    for (QWidget* w : {static_cast<QWidget*>(m_caption), static_cast<QWidget*>(m_formula),
                       static_cast<QWidget*>(m_overlayLine), static_cast<QWidget*>(m_info),
                       static_cast<QWidget*>(m_banner)})
        if (w->isVisible()) painter.drawPixmap(w->mapTo(m_window, QPoint(0, 0)), w->grab());
    return image;
}

int LectureController::addCurrentStateAsStep(const QString& title) {
    core::LectureStep step;
    try {
        step.scenario = m_window->currentStateScenario();
    } catch (const std::exception& e) {
        m_window->reportError(tr("Cannot add the current state as a step"), QString::fromUtf8(e.what()));
        return -1;
    }
    step.source = step.scenario.toJson();
    step.camera = m_window->sphereView()->camera();
    for (const QString& id : m_window->shownPanels()) step.panels.push_back(id.toStdString());
    step.speed = m_window->controller()->speed();
    step.play = m_window->controller()->isRunning();
    const int index = m_current < 0 ? stepCount() : m_current + 1;
    step.caption.title = title.isEmpty() ? tr("Step %1").arg(index + 1).toStdString() : title.toStdString();
    if (stepCount() >= core::Lecture::stepsMax) {
        m_window->reportError(tr("Cannot add a step"),
                              tr("a lecture has at most %1 steps").arg(core::Lecture::stepsMax));
        return -1;
    }
    m_lecture.steps.insert(m_lecture.steps.begin() + index, std::move(step));
    m_current = index;
    emit stepsChanged();
    return index;
}

void LectureController::moveStep(int from, int to) {
    if (from < 0 || to < 0 || from >= stepCount() || to >= stepCount() || from == to) return;
    auto& steps = m_lecture.steps;
    core::LectureStep step = std::move(steps[static_cast<std::size_t>(from)]);
    steps.erase(steps.begin() + from);
    steps.insert(steps.begin() + to, std::move(step));
    if (m_current == from)
        m_current = to;
    else if (from < m_current && to >= m_current)
        --m_current;
    else if (from > m_current && to <= m_current)
        ++m_current;
    emit stepsChanged();
}

void LectureController::removeStep(int index) {
    if (index < 0 || index >= stepCount()) return;
    m_lecture.steps.erase(m_lecture.steps.begin() + index);
    if (m_current > index || m_current >= stepCount()) --m_current;
    emit stepsChanged();
}

void LectureController::setStepTitle(int index, const QString& title) {
    if (index < 0 || index >= stepCount()) return;
    m_lecture.steps[static_cast<std::size_t>(index)].caption.title = title.toStdString();
    if (index == m_current && m_open) showCaption(m_lecture.steps[static_cast<std::size_t>(index)].caption);
    placeOverlays();
    emit stepsChanged();
}

bool LectureController::saveTo(const QString& path) {
    try {
        m_lecture.save(path.toStdString());
    } catch (const std::exception& e) {
        m_window->reportError(tr("Cannot save the lecture"), QString::fromUtf8(e.what()));
        return false;
    }
    m_path = path;
    return true;
}

void LectureController::buildMenu() {
    m_menu = new QMenu(tr("&Lecture"), m_window);
    m_menu->setToolTipsVisible(true);
    m_menu->addAction(tr("&Open lecture…"), this, &LectureController::openFromDialog)
        ->setToolTip(tr("Open a lecture file (doc/LECTURES.md) at its first step."));
    m_menu->addAction(tr("Open the &built-in lecture"), this, [this] {
        try {
            open(load("builtin"), QString());
        } catch (const std::exception& e) {
            m_window->reportError(tr("Cannot open the lecture"), QString::fromUtf8(e.what()));
        }
    });
    m_menu->addSeparator();
    m_menu->addAction(tr("&Add current state as step"), this, &LectureController::addFromMenu)
        ->setToolTip(tr("The positions shown, the camera and the panels shown become a new step after the "
                        "current one."));
    m_menu->addAction(tr("S&teps…"), this, [this] {
        if (!m_stepsDialog) m_stepsDialog = new LectureStepsDialog(this, m_window);
        m_stepsDialog->show();
        m_stepsDialog->raise();
    });
    m_menu->addSeparator();
    m_menu->addAction(tr("&Save lecture"), this, [this] { save(false); });
    m_menu->addAction(tr("Save lecture &as…"), this, [this] { save(true); });
    m_menu->addAction(tr("&Close lecture"), this, &LectureController::close)
        ->setToolTip(tr("Leave lecture mode: the keys and dialogs are the window's again."));
}

void LectureController::openFromDialog() {
    const QString path = QFileDialog::getOpenFileName(m_window, tr("Open lecture"), QString(),
                                                      tr("Lecture (*.json);;All files (*)"));
    if (path.isEmpty()) return;
    try {
        open(load(path.toStdString()), path);
    } catch (const std::exception& e) {
        m_window->reportError(tr("Cannot open the lecture"), QString::fromUtf8(e.what()));
    }
}

void LectureController::addFromMenu() {
    const int index = addCurrentStateAsStep();
    if (index < 0) return;
    // A small non-modal editor for the caption's title; the default stays if it is dismissed.
    auto* editor = new QDialog(m_window);
    editor->setAttribute(Qt::WA_DeleteOnClose);
    editor->setModal(false);
    editor->setWindowTitle(tr("Caption of step %1").arg(index + 1));
    auto* layout = new QVBoxLayout(editor);
    auto* field = new QLineEdit(q(m_lecture.steps[static_cast<std::size_t>(index)].caption.title), editor);
    field->selectAll();
    layout->addWidget(new QLabel(tr("Title (simple math as \\beta, \\rho, \\sum, x_i):"), editor));
    layout->addWidget(field);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, editor);
    layout->addWidget(buttons);
    connect(buttons, &QDialogButtonBox::accepted, editor, [this, editor, field, index] {
        setStepTitle(index, field->text());
        editor->accept();
    });
    connect(buttons, &QDialogButtonBox::rejected, editor, &QDialog::reject);
    editor->show();
}

void LectureController::save(bool ask) {
    QString path = m_path;
    if (ask || path.isEmpty())
        path = QFileDialog::getSaveFileName(m_window, tr("Save lecture"), QStringLiteral("lecture.json"),
                                            tr("Lecture (*.json)"));
    if (!path.isEmpty()) saveTo(path);
}

}  // namespace attnsphere::ui
