#include "ui/ComparisonWindow.h"

#include "app/Options.h"
#include "app/SimulationController.h"
#include "render/ComparisonPanels.h"
#include "render/FrameComposer.h"
#include "render/PanelRegistry.h"
#include "render/PlotPanel.h"
#include "ui/MainWindow.h"
#include "ui/SphereView.h"
#include "ui/StatusMessages.h"

#include <QCloseEvent>
#include <QCoreApplication>
#include <QDockWidget>
#include <QDoubleSpinBox>
#include <QElapsedTimer>
#include <QFileDialog>
#include <QLabel>
#include <QMenu>
#include <QMessageBox>
#include <QPainter>
#include <QScopedValueRollback>
#include <QStatusBar>
#include <QToolBar>
#include <QVBoxLayout>

#include <algorithm>
#include <cstdio>
#include <optional>

namespace attnsphere::ui {

namespace {

bool sameCamera(const core::Camera& a, const core::Camera& b) {
    return a.position == b.position && a.focalPoint == b.focalPoint && a.viewUp == b.viewUp &&
           a.viewAngle == b.viewAngle;
}

constexpr QSize kInitialSize{1500, 900};

// The views' area: the tiles go where a video of the comparison puts them (FrameComposer::tileRects),
// never taller than wide, since the camera fits the sphere to a view's height.
class TileArea : public QWidget {
public:
    using QWidget::QWidget;
    std::vector<QWidget*> tiles;

protected:
    void resizeEvent(QResizeEvent*) override {
        const auto rects =
            render::FrameComposer::tileRects(rect().adjusted(2, 2, -2, -2), static_cast<int>(tiles.size()));
        for (std::size_t k = 0; k < tiles.size(); ++k) tiles[k]->setGeometry(rects[k].adjusted(2, 2, -2, -2));
    }
};

}  // namespace

ComparisonWindow::ComparisonWindow(const core::Comparison& comparison, const Options& options,
                                   QWidget* parent)
    : QMainWindow(parent),
      m_comparison(comparison),
      m_options(options),
      m_controller(std::make_unique<app::ComparisonController>(comparison)) {
    m_controller->setThreads(app::liveSimulationThreads());
    setWindowTitle(tr("%1 — attnsphere comparison").arg(QString::fromStdString(comparison.name)));
    QStringList names;
    for (const core::ComparisonRun& run : comparison.runs) names << QString::fromStdString(run.name);

    // The views, each under its run's name.
    auto* central = new TileArea(this);
    for (int k = 0; k < names.size(); ++k) {
        auto* tile = new QWidget(central);
        auto* column = new QVBoxLayout(tile);
        column->setContentsMargins(0, 0, 0, 0);
        column->setSpacing(0);
        auto* title =
            new QLabel(QStringLiteral("%1   <span style='color:#9aa0ad'>(%2)</span>")
                           .arg(names[k].toHtmlEscaped(), render::ComparisonPanels::runStyleName(k)),
                       tile);
        title->setAlignment(Qt::AlignCenter);
        title->setStyleSheet(QStringLiteral("font-weight: bold; font-size: 15px; padding: 3px;"));
        title->setObjectName(QStringLiteral("run.title.%1").arg(k));
        auto* view = new SphereView(tile);
        view->setObjectName(QStringLiteral("run.view.%1").arg(k));
        view->setToolTip(tr("Run \"%1\". Drag to rotate: every view turns with it.").arg(names[k]));
        column->addWidget(title);
        column->addWidget(view, 1);
        central->tiles.push_back(tile);
        m_views.push_back(view);
        // The others follow within the same event, so every view renders the new camera at its next
        // tick (a timer alone left the followers up to a poll behind, and half the frames).
        connect(view, &SphereView::cameraMoved, this, &ComparisonWindow::linkCameras);
        m_titles.push_back(title);
    }
    setCentralWidget(central);

    // The time panels (those that need no attention matrices), every run in each.
    for (const render::PanelInfo& info : render::panelRegistry()) {
        if (info.needsAttention) continue;
        render::PlotPanel* panel = info.make(this);
        if (panel->timePlots().empty()) {
            delete panel;
            continue;
        }
        auto* dock = new QDockWidget(info.title, this);
        dock->setObjectName(info.id);
        dock->setWidget(panel);
        dock->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable);
        addDockWidget(Qt::RightDockWidgetArea, dock);
        // The radius matters only under Pre-LN and Peri-LN: shown once a run's frames carry radii, so a
        // sphere-only comparison keeps its room for the other panels.
        if (info.id == QLatin1String("radius")) {
            m_radiusDock = dock;
            dock->hide();
        }
        m_panels.push_back(panel);
        m_runPanels.push_back(std::make_unique<render::ComparisonPanels>(panel, info, names));
    }

    QList<QDockWidget*> docks = findChildren<QDockWidget*>();
    if (!docks.isEmpty()) resizeDocks({docks.front()}, {520}, Qt::Horizontal);

    auto* bar = addToolBar(tr("Comparison"));
    bar->setObjectName(QStringLiteral("comparison.toolbar"));
    m_playAction = bar->addAction(tr("Play"), m_controller.get(), &app::ComparisonController::togglePlay);
    m_playAction->setShortcut(QKeySequence(Qt::Key_Space));
    m_playAction->setToolTip(tr("Play or pause every run (Space)."));
    QAction* step = bar->addAction(tr("Step"), m_controller.get(), &app::ComparisonController::stepOnce);
    step->setShortcut(QKeySequence(Qt::Key_S));
    step->setToolTip(tr("Pause and advance every run to the next common time (S)."));
    QAction* reset = bar->addAction(tr("Reset"), m_controller.get(), &app::ComparisonController::reset);
    reset->setShortcut(QKeySequence(Qt::Key_R));
    reset->setToolTip(tr("Every run back to t = 0 at the same starting positions (R)."));
    bar->addSeparator();
    bar->addWidget(new QLabel(tr(" Speed "), bar));
    m_speed = new QDoubleSpinBox(bar);
    m_speed->setRange(0, 1000);
    m_speed->setDecimals(2);
    m_speed->setSuffix(tr(" t/s"));
    m_speed->setSpecialValueText(tr("max"));
    m_speed->setToolTip(tr("Simulated time per second of wall clock (0: as fast as possible)."));
    m_speed->setValue(app::SimulationController::playbackSpeed(comparison.base));
    connect(m_speed, &QDoubleSpinBox::valueChanged, m_controller.get(), &app::ComparisonController::setSpeed);
    m_controller->setSpeed(m_speed->value());
    bar->addWidget(m_speed);
    bar->addSeparator();
    QAction* close = bar->addAction(tr("Close"), this, &QWidget::close);
    close->setShortcut(QKeySequence::Close);
    close->setToolTip(tr("Close the comparison (its runs stop)."));

    m_time = new QLabel(this);
    m_time->setObjectName(QStringLiteral("status.t"));
    statusBar()->addPermanentWidget(m_time);
    m_status = new StatusMessages(statusBar(), m_time);
    m_status->show(tr("%1 runs from the same start, in lockstep of simulated time; t_end = %2")
                       .arg(names.size())
                       .arg(comparison.base.tEnd));

    connect(m_controller.get(), &app::ComparisonController::framesAvailable, this,
            &ComparisonWindow::showFrames);
    connect(m_controller.get(), &app::ComparisonController::runningChanged, this,
            [this](bool running) { m_playAction->setText(running ? tr("Pause") : tr("Play")); });
    connect(m_controller.get(), &app::ComparisonController::numericalError, this,
            [this](const QString& message) { reportError(tr("A run stopped"), message); });
    connect(m_controller.get(), &app::ComparisonController::endReached, this,
            [this](double tEnd) { m_status->show(tr("Paused at t_end = %1").arg(tEnd)); });

    m_panelTimer.setInterval(1000 / 15);
    connect(&m_panelTimer, &QTimer::timeout, this, &ComparisonWindow::refreshPanels);
    m_panelTimer.start();
    // Catches camera changes no view signalled.
    m_cameraTimer.setInterval(1000 / 30);
    connect(&m_cameraTimer, &QTimer::timeout, this, &ComparisonWindow::linkCameras);
    m_cameraTimer.start();

    resize(kInitialSize);
    if (m_options.startRunning) m_controller->play();
}

ComparisonWindow::~ComparisonWindow() {
    m_controller->shutdown();
}

QString ComparisonWindow::runTitle(int run) const {
    return m_titles[static_cast<std::size_t>(run)]->text();
}

void ComparisonWindow::showFrames(const app::RunFrames& frames) {
    std::vector<const core::Frame*> pointers;
    for (std::size_t k = 0; k < frames.size() && k < m_views.size(); ++k) {
        m_views[k]->showFrame(frames[k]);
        pointers.push_back(frames[k].get());
    }
    for (const auto& panels : m_runPanels) panels->addFrames(pointers);
    m_panelsDirty = true;
    ++m_frameSets;
    const bool radii = std::any_of(pointers.begin(), pointers.end(),
                                   [](const core::Frame* f) { return f->radii.size() > 0; });
    if (m_radiusDock && radii && m_radiusDock->isHidden()) m_radiusDock->show();
    if (!frames.empty()) m_time->setText(tr("t = %1").arg(frames.front()->t, 0, 'f', 3));
}

void ComparisonWindow::refreshPanels() {
    if (!m_panelsDirty) return;
    m_panelsDirty = false;
    for (const auto& panels : m_runPanels) {
        panels->sync();
        panels->shown()->refresh();
    }
}

void ComparisonWindow::linkCameras() {
    // Setting the followers' cameras signals again: those calls have nothing to do.
    if (m_linking || m_views.empty() || !m_views.front()->currentFrame()) return;
    const QScopedValueRollback linking(m_linking, true);
    // A view whose camera left what it showed at the last check was moved by the user: the others follow.
    // (Each view is compared with itself: a camera set on a view may read back re-orthogonalised.)
    const bool first = m_seenCameras.size() != m_views.size();
    std::optional<core::Camera> moved;
    if (first) moved = m_views.front()->camera();
    for (std::size_t k = 0; k < m_views.size() && !moved; ++k)
        if (!sameCamera(m_views[k]->camera(), m_seenCameras[k])) moved = m_views[k]->camera();
    if (!moved) return;
    m_seenCameras.clear();
    for (SphereView* view : m_views) {
        if (!sameCamera(view->camera(), *moved)) view->setCamera(*moved);
        m_seenCameras.push_back(view->camera());
    }
}

bool ComparisonWindow::settle(int timeoutMs) {
    const long long before = m_frameSets;
    m_controller->pause();
    QElapsedTimer wait;
    wait.start();
    // The pause publishes the frames it stopped at.
    while ((m_controller->isRunning() || m_frameSets == before) && wait.elapsed() < timeoutMs)
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
    m_panelsDirty = true;
    refreshPanels();
    linkCameras();
    QCoreApplication::processEvents(QEventLoop::AllEvents, 100);
    return !m_controller->isRunning() && m_frameSets > before;
}

QImage ComparisonWindow::grabWindow() {
    QImage image = grab().toImage().convertToFormat(QImage::Format_RGB32);
    // QWidget::grab does not include the QOpenGLWindows' content: paint each view's framebuffer in.
    QPainter painter(&image);
    for (SphereView* view : m_views)
        painter.drawImage(QRectF(view->mapTo(this, QPoint(0, 0)), view->size()), view->grabFramebuffer());
    return image;
}

void ComparisonWindow::reportError(const QString& title, const QString& message) {
    m_status->show(title + QStringLiteral(": ") + message.section('\n', 0, 0));
    if (!m_options.interactive) {
        std::fprintf(stderr, "attnsphere: %s: %s\n", qPrintable(title), qPrintable(message));
        return;
    }
    auto* box = new QMessageBox(QMessageBox::Warning, title, message, QMessageBox::Ok, this);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
}

void ComparisonWindow::closeEvent(QCloseEvent* e) {
    m_controller->shutdown();
    e->accept();
}

QMenu* makeCompareMenu(MainWindow& window) {
    auto* menu = new QMenu(MainWindow::tr("&Compare"), &window);
    menu->setToolTipsVisible(true);
    auto open = [&window](const core::Comparison& comparison) {
        window.controller()->pause();
        auto* w = new ComparisonWindow(comparison, {});
        w->setAttribute(Qt::WA_DeleteOnClose);
        w->show();
    };
    for (const core::ComparisonRecipe& recipe : core::comparisonRecipes()) {
        QStringList runs;
        for (const auto& run : recipe.runs)
            runs << QString::fromUtf8(run.name.data(), static_cast<int>(run.name.size()));
        const QString title = QString::fromUtf8(recipe.title.data(), static_cast<int>(recipe.title.size()));
        QAction* a = menu->addAction(title, &window, [&window, &recipe, open] {
            try {
                open(core::makeComparison(recipe, window.controller()->scenario()));
            } catch (const std::exception& e) {
                window.reportError(MainWindow::tr("Comparison failed"), QString::fromStdString(e.what()));
            }
        });
        a->setToolTip(MainWindow::tr("The current scenario as %1, side by side from the same start.")
                          .arg(runs.join(MainWindow::tr(" and "))));
    }
    menu->addSeparator();
    // Built-in comparison files: their own scenario and runs, whatever runs in the main window.
    for (const core::PresetInfo& info : core::builtInComparisons()) {
        QAction* a =
            menu->addAction(QString::fromStdString(info.description), &window, [&window, open, info] {
                try {
                    open(core::builtInComparison(info.name));
                } catch (const std::exception& e) {
                    window.reportError(MainWindow::tr("Comparison failed"), QString::fromStdString(e.what()));
                }
            });
        a->setToolTip(MainWindow::tr("The built-in comparison '%1' (also `attnsphere --compare %1`).")
                          .arg(QString::fromStdString(info.name)));
    }
    menu->addSeparator();
    menu->addAction(MainWindow::tr("Open comparison…"), &window, [&window, open] {
        const QString file = QFileDialog::getOpenFileName(&window, MainWindow::tr("Open comparison"),
                                                          QString(), MainWindow::tr("Comparisons (*.json)"));
        if (file.isEmpty()) return;
        try {
            open(core::Comparison::fromFile(file.toStdString()));
        } catch (const std::exception& e) {
            window.reportError(MainWindow::tr("Comparison failed"), QString::fromStdString(e.what()));
        }
    });
    return menu;
}

}  // namespace attnsphere::ui
