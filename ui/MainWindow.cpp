#include "ui/MainWindow.h"

#include "app/AtomicFile.h"
#include "core/Scenario.h"
#include "render/PanelRegistry.h"
#include "render/PlotPanel.h"
#include "ui/ComparisonWindow.h"
#include "ui/LectureController.h"
#include "ui/ManipulationTools.h"
#include "ui/ParameterPanel.h"
#include "ui/PhaseWindow.h"
#include "ui/PolarisationWindow.h"
#include "ui/RecordDialog.h"
#include "ui/SphereView.h"
#include "ui/StatusMessages.h"
#include "ui/TimelineWidget.h"

#include <nlohmann/json.hpp>

#include <QAbstractSpinBox>
#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDir>
#include <QDockWidget>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QInputDialog>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QMessageBox>
#include <QPainter>
#include <QProgressBar>
#include <QScrollArea>
#include <QSettings>
#include <QStatusBar>
#include <QThread>
#include <QToolBar>
#include <QVBoxLayout>

#include <algorithm>
#include <cstdio>
#include <map>

namespace attnsphere::ui {
namespace {

// Widgets in which a key press types text (a spin box's inner line edit counts as the spin box).
QWidget* textField(QObject* o) {
    auto* w = qobject_cast<QWidget*>(o);
    if (!w) return nullptr;
    if (qobject_cast<QAbstractSpinBox*>(w->parentWidget())) w = w->parentWidget();
    if (qobject_cast<QAbstractSpinBox*>(w)) return w;
    if (auto* edit = qobject_cast<QLineEdit*>(w); edit && !edit->isReadOnly()) return w;
    return nullptr;
}

}  // namespace

MainWindow::MainWindow(const core::Scenario& scenario, const QString& scenarioSource, const Options& options)
    : m_options(options), m_scenarioSource(scenarioSource) {
    updateTitle();
    m_controller = std::make_unique<app::SimulationController>(scenario);
    m_controller->setThreads(app::liveSimulationThreads());

    m_view = new SphereView(this);
    m_view->setMaxFps(options.viewFps);
    buildDocks();
    // The timeline under the view (scrub, fork; ui/TimelineWidget.h).
    m_controller->setHistoryBudget(std::size_t(options.historyMb) << 20);
    m_timeline = new TimelineWidget(m_controller.get(), m_view, m_panels, this);
    auto* centre = new QWidget(this);
    auto* centreLayout = new QVBoxLayout(centre);
    centreLayout->setContentsMargins(0, 0, 0, 0);
    centreLayout->setSpacing(0);
    centreLayout->addWidget(m_view, 1);
    centreLayout->addWidget(m_timeline);
    setCentralWidget(centre);
    buildMenus();
    m_manipulation = new ManipulationTools(this, m_view, m_controller.get(), m_viewMenu);
    connect(m_manipulation, &ManipulationTools::message, this, &MainWindow::showMessage);

    auto* status = statusBar();
    m_tLabel = new QLabel(status);
    m_stepLabel = new QLabel(status);
    m_rateLabel = new QLabel(status);
    m_fpsLabel = new QLabel(status);
    m_sizeLabel = new QLabel(status);
    m_kernelLabel = new QLabel(status);
    m_healthLabel = new QLabel(status);
    m_tLabel->setObjectName(QStringLiteral("status.t"));
    m_rateLabel->setObjectName(QStringLiteral("status.rate"));
    m_healthLabel->setObjectName(QStringLiteral("status.health"));
    m_healthLabel->setToolTip(
        tr("Integration health: the largest angle a token moves in one step (max_i |dx_i/dt|·dt). Above\n"
           "%1 rad the integration jumps across the sphere; the suggested dt brings it back to the bound\n"
           "(doc/MODEL.md §7).")
            .arg(core::kStepAngleBound));
    m_tLabel->setToolTip(tr("Simulated time t."));
    m_stepLabel->setToolTip(tr("Integration steps taken since the last reset."));
    m_rateLabel->setToolTip(tr("Integration steps per second of wall-clock time (simulation thread)."));
    m_fpsLabel->setToolTip(tr("Repaints of the 3D view per second (capped at %1).").arg(options.viewFps));
    m_sizeLabel->setToolTip(tr("n tokens, dimension d, H heads."));
    m_kernelLabel->setToolTip(tr("Attention kernel, geometry and integrator."));
    m_busyBar = new QProgressBar(status);
    m_busyBar->setRange(0, 0);  // busy: no known end
    m_busyBar->setMaximumWidth(120);
    m_busyBar->setObjectName(QStringLiteral("status.busy"));
    m_busyBar->hide();
    m_busyLabel = new QLabel(status);
    m_busyLabel->setObjectName(QStringLiteral("status.busyText"));
    m_busyLabel->hide();
    m_statusGap = new QWidget(status);  // keeps temporary messages clear of the fields to its right
    m_statusGap->setFixedWidth(12);
    status->addPermanentWidget(m_statusGap);
    m_status = new StatusMessages(status, m_statusGap);
    status->addPermanentWidget(m_busyLabel);
    status->addPermanentWidget(m_busyBar);
    for (QLabel* l :
         {m_healthLabel, m_tLabel, m_stepLabel, m_rateLabel, m_fpsLabel, m_sizeLabel, m_kernelLabel}) {
        l->setMinimumWidth(90);
        status->addPermanentWidget(l);
    }
    m_staleOverlay = new QLabel(m_view);
    m_staleOverlay->setObjectName(QStringLiteral("staleOverlay"));
    // Native, so that it stacks above the view's native GL window (a plain child is drawn beneath it).
    m_staleOverlay->setAttribute(Qt::WA_DontCreateNativeAncestors);
    m_staleOverlay->setAttribute(Qt::WA_NativeWindow);
    m_staleOverlay->setStyleSheet(
        QStringLiteral("color: white; background: #3a2f14; border: 1px solid #f0a030; padding: 8px 14px; "
                       "font-weight: bold;"));
    m_staleOverlay->hide();
    m_recLabel = new QLabel(status);
    m_recLabel->setStyleSheet(
        QStringLiteral("color: white; background: #c0262d; padding: 1px 6px; font-weight: bold"));
    m_recLabel->setToolTip(
        tr("Recording: video time follows simulated time (lockstep). Stop finalises the file."));
    m_recLabel->hide();
    status->addWidget(m_recLabel);
    m_recorder = std::make_unique<render::Recorder>();
    m_recordSettings.path = QDir::home().filePath(QStringLiteral("attnsphere.mp4"));
    connect(m_controller.get(), &app::SimulationController::recordFrame, this, &MainWindow::onRecordFrame);
    connect(m_controller.get(), &app::SimulationController::sessionSaved, this,
            [this](bool ok, const QString& message) {
                if (ok)
                    showMessage(message, 10000);
                else
                    reportError(tr("Saving the session failed"), message);
            });

    connect(m_controller.get(), &app::SimulationController::frameAvailable, this, &MainWindow::onFrame);
    connect(m_controller.get(), &app::SimulationController::runningChanged, this, [this](bool running) {
        // The action names what it does next; it is not a check box (a checked "Pause" read as paused).
        m_playAction->setText(running ? tr("Pause") : tr("Play"));
        m_running = running;
        m_sinceFrame.restart();
        updateStatus();
    });
    connect(m_controller.get(), &app::SimulationController::busy, this, &MainWindow::setBusy);
    connect(m_controller.get(), &app::SimulationController::endReached, this, [this](double tEnd) {
        showMessage(tr("Reached t_end = %1: paused. Play starts again from t = 0 (Simulation › "
                       "Loop at t_end repeats the run).")
                        .arg(tEnd),
                    10000);
    });
    connect(m_controller.get(), &app::SimulationController::statsUpdated, this,
            [this](double stepsPerSecond, double) { m_stepsPerSecond = stepsPerSecond; });
    connect(
        m_controller.get(), &app::SimulationController::numericalError, this, [this](const QString& message) {
            reportError(tr("Numerical error — simulation paused"),
                        tr("%1 The view shows the last state that could be computed.\n\nRemedy: lower β "
                           "or dt (or the score matrices), or choose a normalised kernel such as softmax.")
                            .arg(message));
        });
    connect(m_controller.get(), &app::SimulationController::editRejected, this,
            [this](const QString& message) {
                // The fields return to what runs, and the reason shows at once.
                m_parameters->setScenario(m_controller->scenario());
                m_parameters->showError(tr("Refused: %1").arg(message));
                showMessage(tr("Refused: %1").arg(message), 8000);
            });
    connect(m_controller.get(), &app::SimulationController::scenarioChanged, this,
            [this](const core::Scenario& s) {
                m_parameters->setScenario(s);
                updateTitle();
            });
    connect(m_controller.get(), &app::SimulationController::exportFinished, this,
            [this](bool ok, const QString& message) {
                if (ok) {
                    showMessage(message, 10000);
                    if (m_errorBanner)
                        m_errorBanner(tr("Export finished"), message);
                    else if (m_options.interactive) {
                        auto* box = new QMessageBox(QMessageBox::Information, tr("Export finished"), message,
                                                    QMessageBox::Ok, this);
                        box->setAttribute(Qt::WA_DeleteOnClose);
                        box->open();
                    }
                } else {
                    reportError(tr("Export failed"), message);
                }
            });
    connect(m_view, &SphereView::tokenClicked, this, &MainWindow::selectToken);
    for (render::PlotPanel* p : m_panels)
        connect(p, &render::PlotPanel::tokenSelected, this, &MainWindow::selectToken);
    // An edit while scrubbed back forks from the moment shown, then applies there.
    // By value: the fork shows the scrubbed moment's scenario in the panel, which replaces the one edited.
    connect(m_parameters, &ParameterPanel::edited, this, [this](core::Scenario s) { applyModelEdit(s); });
    connect(m_timeline, &TimelineWidget::message, this, &MainWindow::showMessage);
    connect(m_timeline, &TimelineWidget::scenarioShown, m_parameters, &ParameterPanel::setScenario);
    connect(m_parameters, &ParameterPanel::speedChanged, m_controller.get(),
            &app::SimulationController::setSpeed);
    connect(m_parameters, &ParameterPanel::styleChanged, m_view, &SphereView::setStyle);
    // The panel's own message may be scrolled out of view: the status bar always says why.
    connect(m_parameters, &ParameterPanel::refused, this,
            [this](const QString& message) { showMessage(message, 10000); });
    m_parameters->setScenario(scenario);
    m_parameters->setSpeed(app::SimulationController::playbackSpeed(scenario));
    qApp->installEventFilter(this);
    connect(qApp, &QApplication::focusChanged, this, [this] { m_typingIn = nullptr; });

    m_panelTimer.setTimerType(Qt::PreciseTimer);
    m_panelTimer.setInterval(static_cast<int>(1000.0 / options.panelHz));
    connect(&m_panelTimer, &QTimer::timeout, this, &MainWindow::refreshPanels);
    m_panelTimer.start();
    m_statusTimer.setInterval(500);
    connect(&m_statusTimer, &QTimer::timeout, this, &MainWindow::updateStatus);
    m_statusTimer.start();
    m_fpsClock.start();

    resize(1800, 1000);
    if (options.restoreLayout) {
        QSettings settings;
        restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray());
        restoreState(settings.value(QStringLiteral("window/state")).toByteArray());
    }
    // Start once the window is up, so the first frames of the run reach the panels.
    if (options.startRunning) QTimer::singleShot(400, m_controller.get(), &app::SimulationController::play);
    updateStatus();
}

MainWindow::~MainWindow() {
    m_controller->shutdown();
}

QDockWidget* MainWindow::addDock(QWidget* w, const QString& title, const QString& name,
                                 Qt::DockWidgetArea area) {
    auto* dock = new QDockWidget(title, this);
    dock->setObjectName(name);  // needed by saveState/restoreState
    dock->setWidget(w);
    dock->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable |
                      QDockWidget::DockWidgetClosable);
    dock->setToolTip(w->toolTip());
    addDockWidget(area, dock);
    m_docks.push_back(dock);
    return dock;
}

void MainWindow::buildDocks() {
    m_parameters = new ParameterPanel(this);
    auto* scroll = new QScrollArea(this);
    scroll->setWidget(m_parameters);
    scroll->setWidgetResizable(true);
    scroll->setMinimumWidth(330);
    scroll->setToolTip(
        tr("Scenario parameters, editable while the simulation runs (applied between steps)."));

    setDockNestingEnabled(true);
    QDockWidget* params =
        addDock(scroll, tr("Parameters"), QStringLiteral("parameters"), Qt::LeftDockWidgetArea);
    // The panels' docks, from the registry: stacked in a side area, side by side at the top or bottom.
    std::map<Qt::DockWidgetArea, QList<QDockWidget*>> byArea;
    for (const render::PanelInfo& info : render::panelRegistry()) {
        render::PlotPanel* panel = info.make(this);
        m_panels.push_back(panel);
        QDockWidget* dock = addDock(panel, info.title, info.id, info.area);
        // The radius matters only under Pre-LN and Peri-LN: a tab behind the clustering panel (raised when
        // radii appear, onFrame) keeps the side column to three legible panels.
        if (info.id == QLatin1String("radius")) {
            for (QDockWidget* other : m_docks)
                if (other->objectName() == QLatin1String("clustering")) tabifyDockWidget(other, dock);
            m_radiusDock = dock;
            continue;
        }
        QList<QDockWidget*>& docks = byArea[info.area];
        const bool side = info.area == Qt::LeftDockWidgetArea || info.area == Qt::RightDockWidgetArea;
        if (!docks.isEmpty()) splitDockWidget(docks.back(), dock, side ? Qt::Vertical : Qt::Horizontal);
        docks.push_back(dock);
    }
    for (QDockWidget* other : m_docks)
        if (other->objectName() == QLatin1String("clustering")) other->raise();  // the tab in front
    resizeDocks({params}, {340}, Qt::Horizontal);
    for (const auto& [area, docks] : byArea) {
        if (area == Qt::LeftDockWidgetArea || area == Qt::RightDockWidgetArea) {
            resizeDocks({docks.front()}, {560}, Qt::Horizontal);
        } else {
            resizeDocks({docks.front()}, {400}, Qt::Vertical);
            resizeDocks(docks, QList<int>(docks.size(), 700), Qt::Horizontal);
        }
    }
    setCorner(Qt::BottomLeftCorner, Qt::LeftDockWidgetArea);
    setCorner(Qt::BottomRightCorner, Qt::RightDockWidgetArea);
}

void MainWindow::buildMenus() {
    auto* file = menuBar()->addMenu(tr("&File"));
    auto* open = file->addAction(tr("&Open scenario…"), this, &MainWindow::openScenario);
    open->setShortcut(QKeySequence(QStringLiteral("Ctrl+O")));
    open->setToolTip(tr("Load a scenario JSON file (doc/SCENARIOS.md)."));
    auto* save = file->addAction(tr("&Save scenario…"), this, [this] { saveScenario(false); });
    save->setShortcut(QKeySequence(QStringLiteral("Ctrl+S")));
    save->setToolTip(tr("Save the current parameters (with their initial conditions) as a scenario file."));
    auto* saveState =
        file->addAction(tr("Save current state as &start…"), this, [this] { saveScenario(true); });
    saveState->setShortcut(QKeySequence(QStringLiteral("Ctrl+Shift+S")));
    saveState->setToolTip(
        tr("Save the current parameters with the positions shown now as the start "
           "(init \"points\"), to continue the run later."));
    auto* exportAction = file->addAction(tr("&Export data…"), this, &MainWindow::exportData);
    exportAction->setShortcut(QKeySequence(QStringLiteral("Ctrl+E")));
    exportAction->setToolTip(tr("series.csv, positions.npy, metadata.json of the timeline's kept frames."));
    file->addAction(tr("Save &window image…"), this, [this] {
        const QString path = QFileDialog::getSaveFileName(this, tr("Save window image"), QString(),
                                                          QStringLiteral("PNG (*.png)"));
        if (path.isEmpty()) return;
        try {
            app::writePng(grabWindow(), path);
        } catch (const app::FileWriteError& e) {
            reportError(tr("Save failed"), QString::fromStdString(e.what()));
        }
    });
    file->addAction(tr("Screenshot of the 3D &view…"), this, &MainWindow::saveViewScreenshot)
        ->setToolTip(tr("The 3D view alone at any resolution up to 3840×2160, optionally transparent."));
    m_recordAction = file->addAction(tr("&Record video…"), this, [this] {
        if (isRecording())
            stopRecording();
        else
            recordFromDialog();
    });
    m_recordAction->setCheckable(true);
    m_recordAction->setShortcut(QKeySequence(QStringLiteral("Ctrl+Shift+R")));
    m_recordAction->setToolTip(
        tr("Record what the 3D view shows into .mp4/.webm/.gif/PNG frames, lockstep with the simulation."));
    file->addAction(tr("Save se&ssion…"), this, &MainWindow::saveSession)
        ->setToolTip(tr("The scenario plus every edit and camera move with its step: re-render it with "
                        "attnsphere render --session FILE."));
    file->addSeparator();
    auto* quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);

    auto* sim = menuBar()->addMenu(tr("&Simulation"));
    // Play while scrubbed back forks from the moment shown (the timeline says so).
    m_playAction = sim->addAction(tr("Play"), this, [this] {
        if (!m_controller->isRunning() && m_timeline->forkIfScrubbed())
            m_controller->play();
        else
            m_controller->togglePlay();
    });
    m_playAction->setShortcut(QKeySequence(Qt::Key_Space));
    m_playAction->setToolTip(tr("Play / pause the simulation (Space)."));
    m_playAction->setWhatsThis(tr("Play / pause"));
    auto* step = sim->addAction(tr("&Step"), this, [this] {
        m_timeline->forkIfScrubbed();
        m_controller->stepOnce();
    });
    step->setShortcut(QKeySequence(Qt::Key_S));
    step->setToolTip(tr("One integration step, then pause (S)."));
    auto* reset = sim->addAction(tr("&Reset"), this, [this] {
        m_timeline->goLive();
        m_controller->reset();
        m_view->resetTrails();
    });
    reset->setShortcut(QKeySequence(Qt::Key_R));
    reset->setToolTip(tr("Back to t = 0 with the same scenario and seed (R)."));
    sim->addSeparator();
    m_loopAction =
        sim->addAction(tr("&Loop at t_end"), m_controller.get(), &app::SimulationController::setLoop);
    m_loopAction->setCheckable(true);
    m_loopAction->setToolTip(tr("At the scenario's t_end start again from t = 0 instead of pausing."));
    auto* timelineMenu = sim->addMenu(tr("&Timeline"));
    timelineMenu->setToolTipsVisible(true);
    for (QAction* a : m_timeline->actions()) timelineMenu->addAction(a);
    timelineMenu->addSeparator();
    timelineMenu
        ->addAction(tr("History memory…"), this,
                    [this] {
                        bool ok = false;
                        const auto budget = m_controller->history()->budget() >> 20;
                        const int mb = QInputDialog::getInt(
                            this, tr("History memory"),
                            tr("Memory for the timeline's history (MB); older frames are thinned evenly when "
                               "it is full:"),
                            static_cast<int>(budget), app::History::kMinBudgetMb, app::History::kMaxBudgetMb,
                            64, &ok);
                        if (!ok) return;
                        m_controller->setHistoryBudget(std::size_t(mb) << 20);
                        if (m_options.restoreLayout) QSettings().setValue(kHistorySetting, mb);
                    })
        ->setToolTip(tr("The memory budget of the timeline's history (also --history-mb)."));

    auto* presets = menuBar()->addMenu(tr("&Presets"));
    presets->setToolTipsVisible(true);
    for (const auto& info : core::presetList()) {
        const QString name = QString::fromStdString(info.name);
        const QString tip = QString::fromStdString(info.description) + QStringLiteral("\n") +
                            tr("Source: %1").arg(QString::fromStdString(info.citation));
        auto* a = presets->addAction(name, this, [this, name] {
            try {
                loadScenario(core::Scenario::load(name.toStdString()), name);
            } catch (const std::exception& e) {
                reportError(tr("Preset failed"), QString::fromStdString(e.what()));
            }
        });
        a->setToolTip(tip);
        a->setStatusTip(tip);
    }
    addPolarisationPresets(presets, *this);

    m_viewMenu = menuBar()->addMenu(tr("&View"));
    for (QDockWidget* dock : m_docks) {
        QAction* toggle = dock->toggleViewAction();
        toggle->setToolTip(
            tr("Show or hide the %1 panel (also restores a closed one).").arg(dock->windowTitle()));
        m_viewMenu->addAction(toggle);
    }
    m_viewMenu->addSeparator();
    auto* full = m_viewMenu->addAction(tr("&Full screen"), this,
                                       [this] { isFullScreen() ? showNormal() : showFullScreen(); });
    full->setShortcut(QKeySequence(Qt::Key_F));
    full->setToolTip(tr("Full screen on / off (F)."));
    m_keyActions = {m_playAction, step, reset, full};
    m_viewMenu->addAction(tr("Reset camera"), m_view, &SphereView::resetCamera);
    for (auto [label, preset] : {std::pair{tr("Front view"), render::ViewPreset::Front},
                                 std::pair{tr("Top view"), render::ViewPreset::Top},
                                 std::pair{tr("Side view"), render::ViewPreset::Side},
                                 std::pair{tr("Isometric view"), render::ViewPreset::Isometric}})
        m_viewMenu->addAction(label, m_view, [this, p = preset] { m_view->setViewPreset(p); });
    m_viewMenu->addAction(tr("Clear trails"), m_view, &SphereView::resetTrails);
    auto* ghost = m_viewMenu->addAction(tr("Keep ghost of previous curves on edit"));
    ghost->setCheckable(true);
    ghost->setToolTip(tr("After an edit, the time plots keep the curves from before it, dashed and faded."));
    connect(ghost, &QAction::toggled, m_timeline, &TimelineWidget::setKeepGhost);
    m_viewMenu->addAction(tr("Show all panels"), this, [this] {
        for (QDockWidget* d : m_docks) d->show();
    });
    buildDisplayMenu();

    menuBar()->addMenu(makeCompareMenu(*this));
    menuBar()->addMenu(makeSweepMenu(*this));
    m_lecture = new LectureController(this);
    menuBar()->addMenu(m_lecture->menu());

    auto* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("Keyboard shortcuts"), this, [this] {
        auto* box = new QMessageBox(QMessageBox::Information, tr("Keyboard shortcuts"), shortcutsText(),
                                    QMessageBox::Ok, this);
        box->setAttribute(Qt::WA_DeleteOnClose);
        box->open();
    });
    help->addAction(tr("About attnsphere"), this, [this] {
        QMessageBox::about(
            this, tr("About attnsphere"),
            tr("attnsphere %1\nTransformer self-attention as interacting particles on the sphere.\n"
               "GPL-3.0-or-later (links QCustomPlot).")
                .arg(QStringLiteral(ATTNSPHERE_VERSION)));
    });

    auto* bar = addToolBar(tr("Simulation"));
    bar->setObjectName(QStringLiteral("toolbar"));
    bar->addAction(m_playAction);
    bar->addAction(step);
    bar->addAction(reset);
    bar->addSeparator();
    bar->addAction(open);
    bar->addAction(save);
    bar->addAction(exportAction);
    bar->addAction(m_recordAction);
    bar->addSeparator();
    bar->addAction(full);
}

void MainWindow::selectToken(int index) {
    if (m_latest && index >= m_latest->n) index = -1;
    m_selected = index;
    m_view->setSelectedToken(index);
    for (render::PlotPanel* p : m_panels) {
        p->setSelectedToken(index);
        p->refresh();
    }
    if (index >= 0 && m_latest) showMessage(tr("Selected token %1").arg(index), 5000);
}

void MainWindow::setSceneStyle(const render::SceneStyle& style) {
    m_view->setStyle(style);
    m_parameters->setStyle(style);
}

void MainWindow::onFrame(std::shared_ptr<const core::Frame> frame) {
    if (m_selected >= frame->n) selectToken(-1);
    if (m_latest && frame->t < m_latest->t) m_view->resetTrails();  // a reset, a loop or a new scenario
    const bool wasTooLarge = m_latest && m_latest->maxStepAngle > core::kStepAngleBound;
    m_latest = frame;
    m_sinceFrame.restart();
    if (!wasTooLarge && frame->maxStepAngle > core::kStepAngleBound)
        showMessage(tr("Warning: dt too large, use dt ≤ %3: a step moves a token %1 rad (bound %2), the "
                       "integration jumps across the sphere.")
                        .arg(frame->maxStepAngle, 0, 'g', 3)
                        .arg(core::kStepAngleBound)
                        .arg(frame->suggestedDt, 0, 'g', 3),
                    15000);
    m_timeline->onLiveFrame(*frame);
    if (!m_timeline->isScrubbed()) m_view->showFrame(frame);
    trackCamera();
    for (render::PlotPanel* p : m_panels) p->addFrame(*frame);
    const bool hasRadii = frame->radii.size() > 0;
    if (hasRadii && !m_hadRadii && m_radiusDock && !m_radiusDock->isHidden()) m_radiusDock->raise();
    m_hadRadii = hasRadii;
}

void MainWindow::refreshPanels() {
    QElapsedTimer timer;
    timer.start();
    bool any = false;
    for (std::size_t k = 0; k < m_panels.size(); ++k) {
        render::PlotPanel* p = m_panels[k];
        if (!p->isVisible()) continue;
        p->refresh();
        any = true;
    }
    if (any && m_latest && m_latest.get() != property("lastRefreshedFrame").value<void*>()) {
        setProperty("lastRefreshedFrame",
                    QVariant::fromValue<void*>(const_cast<core::Frame*>(m_latest.get())));
        ++m_panelRefreshes;
        m_panelTimes.push_back(timer.nsecsElapsed() * 1e-6);
        if (m_panelTimes.size() > 100000) m_panelTimes.clear();
    }
}

void MainWindow::updateStatus() {
    const double seconds = m_fpsClock.nsecsElapsed() * 1e-9;
    if (seconds > 0.2) {
        m_fps = (m_view->paintCount() - m_lastPaintCount) / seconds;
        m_lastPaintCount = m_view->paintCount();
        m_fpsClock.restart();
    }
    const core::Scenario& s = m_controller->scenario();
    m_tLabel->setText(tr("t = %1").arg(m_latest ? m_latest->t : 0.0, 0, 'f', 3));
    m_stepLabel->setText(tr("step %1").arg(m_latest ? m_latest->step : 0));
    // A step slower than this leaves the view without a new frame: say so rather than show a frozen run.
    constexpr qint64 kSlowFrameMs = 1500;
    const bool slow = m_running && m_sinceFrame.isValid() && m_sinceFrame.elapsed() > kSlowFrameMs;
    const QString busy =
        !m_busy.isEmpty() ? m_busy
        : slow ? tr("Computing the next step … (no new frame for %1 s)").arg(m_sinceFrame.elapsed() / 1000)
               : QString();
    m_busyLabel->setText(busy);
    m_busyLabel->setVisible(!busy.isEmpty());
    m_busyBar->setVisible(!busy.isEmpty());
    if (!m_busy.isEmpty()) {
        m_staleOverlay->setText(tr("%1\nThe view shows the previous state.").arg(m_busy));
        m_staleOverlay->adjustSize();
        m_staleOverlay->move((m_view->width() - m_staleOverlay->width()) / 2, 12);
        m_staleOverlay->raise();
    }
    m_staleOverlay->setVisible(!m_busy.isEmpty());
    if (!busy.isEmpty() || !m_running)
        m_rateLabel->setText(m_running ? tr("— steps/s") : tr("paused"));
    else
        m_rateLabel->setText(tr("%1 steps/s").arg(m_stepsPerSecond, 0, 'f', 1));
    if (m_latest && !m_latest->finite) {
        m_healthLabel->setText(tr("⚠ positions not finite"));
        m_healthLabel->setStyleSheet(QStringLiteral("color: #ff7850; font-weight: bold"));
    } else if (m_latest && m_latest->maxStepAngle > core::kStepAngleBound) {
        m_healthLabel->setText(tr("⚠ move/step %1 rad > %2: dt ≤ %3")
                                   .arg(m_latest->maxStepAngle, 0, 'g', 3)
                                   .arg(core::kStepAngleBound)
                                   .arg(m_latest->suggestedDt, 0, 'g', 3));
        m_healthLabel->setStyleSheet(QStringLiteral("color: #f0a030; font-weight: bold"));
    } else {
        m_healthLabel->setText(m_latest ? tr("move/step %1 rad").arg(m_latest->maxStepAngle, 0, 'f', 3)
                                        : QString());
        m_healthLabel->setStyleSheet(QString());
    }
    m_fpsLabel->setText(tr("%1 fps").arg(m_fps, 0, 'f', 1));
    // The run's n, which added or removed tokens change without changing the scenario.
    const int n = m_latest && m_latest->d == s.d ? m_latest->n : s.n;
    m_sizeLabel->setText(tr("n = %1  d = %2  H = %3").arg(n).arg(s.d).arg(s.heads.count));
    const auto kernel = core::toString(s.kernel);
    const auto geometry = core::toString(s.geometry);
    const auto integrator = core::toString(s.integrator);
    m_kernelLabel->setText(
        tr("%1, %2, %3")
            .arg(QString::fromUtf8(kernel.data(), static_cast<int>(kernel.size())),
                 QString::fromUtf8(geometry.data(), static_cast<int>(geometry.size())),
                 QString::fromUtf8(integrator.data(), static_cast<int>(integrator.size()))));
}

void MainWindow::loadScenario(const core::Scenario& s, const QString& source) {
    m_scenarioSource = source;
    m_timeline->goLive();
    m_view->resetTrails();
    m_controller->setScenario(s);
    // Each scenario plays at its own pace: the speed chosen for the previous one does not carry over.
    const double speed = app::SimulationController::playbackSpeed(s);
    m_parameters->setSpeed(speed);
    showMessage(tr("Loaded %1: runs to t_end = %2 at %3 t per second").arg(source).arg(s.tEnd).arg(speed),
                8000);
    updateTitle();
    if (m_options.restoreLayout) QSettings().setValue(QStringLiteral("scenario/last"), source);
}

void MainWindow::showMessage(const QString& message, int timeoutMs) {
    m_status->show(message, timeoutMs);
}

void MainWindow::updateTitle() {
    const QFileInfo file(m_scenarioSource);
    const QString name = file.isFile() ? file.fileName() : m_scenarioSource;
    setWindowTitle(tr("attnsphere — %1").arg(name));
}

void MainWindow::setBusy(const QString& what) {
    m_busy = what;
    updateStatus();
}

QString MainWindow::shortcutsText() const {
    // Generated from the actions themselves, so the list cannot drift from what the keys do.
    QStringList lines;
    for (const QMenu* menu : menuBar()->findChildren<QMenu*>()) {
        for (const QAction* a : menu->actions()) {
            if (a->shortcut().isEmpty()) continue;
            // An action whose text follows its state (Play/Pause) describes itself in whatsThis.
            QString text = a->whatsThis().isEmpty() ? a->text() : a->whatsThis();
            text.remove(QLatin1Char('&'));
            const QString line =
                QStringLiteral("%1  %2").arg(a->shortcut().toString(QKeySequence::NativeText), text);
            if (!lines.contains(line)) lines << line;
        }
    }
    return lines.join(QLatin1Char('\n')) + QStringLiteral("\n\n") + LectureController::keysText() +
           tr("\n\nSpace, S, R and F work wherever the focus is, except while typing in a field (Enter "
              "applies, Escape leaves it). Left/Right/Home/End scrub the timeline unless the focus is in a "
              "text field (there they move the text cursor).\n\nView: drag to rotate, right-drag or wheel to "
              "zoom, middle-drag to pan, double-click to reset the camera, click a token to select it, "
              "Ctrl+drag "
              "a token to move it (Manipulate toolbar: drag and add tools, perturb, remove, co-moving "
              "frame).");
}

bool MainWindow::eventFilter(QObject* watched, QEvent* event) {
    const QEvent::Type type = event->type();
    if (type != QEvent::ShortcutOverride && type != QEvent::KeyPress)
        return QMainWindow::eventFilter(watched, event);
    QWidget* field = textField(watched);
    if (!field || field->window() != this) return QMainWindow::eventFilter(watched, event);
    const auto* key = static_cast<QKeyEvent*>(event);
    if (type == QEvent::KeyPress) {
        if (key->key() == Qt::Key_Escape) {
            // Leave the field without applying what was typed.
            if (m_parameters->isAncestorOf(field)) m_parameters->revertEditing();
            m_typingIn = nullptr;
            field->clearFocus();
            return true;
        }
        if (key->key() == Qt::Key_Return || key->key() == Qt::Key_Enter)
            m_typingIn = nullptr;
        else if (key->key() == Qt::Key_Backspace || key->key() == Qt::Key_Delete ||
                 (!key->text().isEmpty() && key->text().at(0).isPrint()))
            m_typingIn = field;
        return QMainWindow::eventFilter(watched, event);
    }
    // ShortcutOverride: a text field claims printable keys. Unless the user is typing there, the
    // single-key shortcuts win (the event is left unaccepted, so the shortcut map triggers the action).
    if (m_typingIn == field || (key->modifiers() & ~Qt::KeypadModifier) != Qt::NoModifier)
        return QMainWindow::eventFilter(watched, event);
    for (const QAction* a : m_keyActions)
        if (a->isEnabled() && a->shortcut() == QKeySequence(key->key())) {
            event->ignore();
            return true;
        }
    return QMainWindow::eventFilter(watched, event);
}

bool MainWindow::settle(int timeoutMs) {
    QElapsedTimer clock, quiet;
    clock.start();
    quiet.start();
    m_controller->pause();
    auto last = m_latest;
    while (clock.elapsed() < timeoutMs) {
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
        if (m_latest != last) {
            last = m_latest;
            quiet.restart();
        }
        // Paused, nothing being built, and the frame the pause published has arrived (none since).
        if (!m_controller->isRunning() && m_busy.isEmpty() && m_latest && quiet.elapsed() >= 150) {
            refreshPanels();
            updateStatus();
            QCoreApplication::processEvents();
            return true;
        }
    }
    return false;
}

void MainWindow::openScenario() {
    const QString path = QFileDialog::getOpenFileName(this, tr("Open scenario"), QString(),
                                                      tr("Scenario (*.json);;All files (*)"));
    if (path.isEmpty()) return;
    try {
        loadScenario(core::Scenario::fromFile(path.toStdString()), path);
    } catch (const std::exception& e) {
        reportError(tr("Cannot open scenario"), QString::fromStdString(e.what()));
    }
}

void MainWindow::saveScenario(bool currentState) {
    const QString path = QFileDialog::getSaveFileName(
        this, currentState ? tr("Save current state as start") : tr("Save scenario"),
        QStringLiteral("scenario.json"), tr("Scenario (*.json)"));
    if (!path.isEmpty()) saveScenarioTo(path, currentState);
}

bool MainWindow::saveScenarioTo(const QString& path, bool currentState) {
    std::string text;
    try {
        const core::Scenario s = currentState ? currentStateScenario() : m_controller->scenario();
        text = s.toJson().dump(2) + "\n";
    } catch (const std::exception& e) {
        reportError(tr("Cannot save scenario"), QString::fromStdString(e.what()));
        return false;
    }
    try {
        app::writeFile(path, QByteArray::fromStdString(text));
    } catch (const app::FileWriteError& e) {
        reportError(tr("Cannot save scenario"), QString::fromStdString(e.what()));
        return false;
    }
    if (!currentState) {
        // The window now shows this file; a saved state is a new start, loaded when the user opens it.
        m_scenarioSource = path;
        updateTitle();
    }
    showMessage(tr("Saved %1").arg(path), 5000);
    return true;
}

core::Scenario MainWindow::currentStateScenario() const {
    core::Scenario s = m_controller->scenario();
    if (!m_latest || m_latest->d != s.d)
        throw std::runtime_error("no frame of the running scenario has been shown yet");
    // The state shown: its n may differ from the scenario's (tokens added or removed).
    s.n = m_latest->n;
    s.init = core::InitSpec{};
    s.init.kind = core::InitKind::Points;
    s.init.points = m_latest->positions;
    s.description = "Continues " + s.name + " from t = " + std::to_string(m_latest->t) + " (step " +
                    std::to_string(m_latest->step) + ")." +
                    (s.description.empty() ? "" : " " + s.description);
    s.validate();
    return s;
}

void MainWindow::applyModelEdit(const core::Scenario& s) {
    m_timeline->forkIfScrubbed();
    m_controller->applyEdit(s);
}

void MainWindow::setPlaybackSpeed(double simulatedPerSecond) {
    m_parameters->setSpeed(simulatedPerSecond);
}

void MainWindow::showOnlyPanels(const QStringList& ids) {
    for (QDockWidget* d : m_docks) d->hide();
    QList<QDockWidget*> shown;
    for (const QString& id : ids) {
        const auto it = std::find_if(m_docks.begin(), m_docks.end(),
                                     [&](const QDockWidget* d) { return d->objectName() == id; });
        if (it == m_docks.end()) continue;
        QDockWidget* dock = *it;
        dock->setFloating(false);
        if (shown.isEmpty())
            addDockWidget(Qt::RightDockWidgetArea, dock);
        else
            splitDockWidget(shown.back(), dock, Qt::Vertical);
        dock->show();
        shown.push_back(dock);
    }
    m_panelOrder = ids;
    if (shown.isEmpty()) return;
    // The view keeps about two thirds of the width; the panels share the column equally.
    resizeDocks({shown.front()}, {width() * 3 / 10}, Qt::Horizontal);
    resizeDocks(shown, QList<int>(shown.size(), height() / static_cast<int>(shown.size())), Qt::Vertical);
}

QStringList MainWindow::shownPanels() const {
    QStringList ids;
    for (const QString& id : m_panelOrder)
        for (const QDockWidget* d : m_docks)
            if (d->objectName() == id && !d->isHidden()) ids << id;
    for (const render::PanelInfo& info : render::panelRegistry())
        for (const QDockWidget* d : m_docks)
            if (d->objectName() == info.id && !d->isHidden() && !ids.contains(info.id)) ids << info.id;
    return ids;
}

void MainWindow::exportData() {
    const QString dir = QFileDialog::getExistingDirectory(this, tr("Export data to directory"));
    if (dir.isEmpty()) return;
    const auto answer = QMessageBox::question(
        this, tr("Export data"),
        tr("Exports the timeline's history: every frame published to this window and kept (at most 60 per "
           "second of\nwall time; thinned evenly to every 2nd, 4th, … frame when the history memory is "
           "full), not every integration step.\nModel edits made during the run are not in the export (a "
           "saved session keeps them); metadata.json holds the current\nscenario. For every K-th step of a "
           "fixed scenario use `attnsphere run`.\n\nExport to %1?")
            .arg(dir));
    if (answer != QMessageBox::Yes) return;
    m_controller->exportData(dir, QCoreApplication::arguments());
}

void MainWindow::reportError(const QString& title, const QString& message) {
    showMessage(title + QStringLiteral(": ") + message, 10000);
    if (m_errorBanner)
        m_errorBanner(title, message);
    else if (m_options.interactive) {
        // Non-blocking: the window (and a test or script driving it) keeps running while it is shown.
        auto* box = new QMessageBox(QMessageBox::Warning, title, message, QMessageBox::Ok, this);
        box->setAttribute(Qt::WA_DeleteOnClose);
        box->setObjectName(QStringLiteral("errorDialog"));
        box->open();
    } else
        std::fprintf(stderr, "attnsphere: %s: %s\n", qPrintable(title), qPrintable(message));
}

QImage MainWindow::grabWindow() {
    QImage image = grab().toImage().convertToFormat(QImage::Format_RGB32);
    // QWidget::grab does not include the QOpenGLWindow's content: paint the view's own framebuffer in.
    const QImage view = m_view->grabFramebuffer();
    QPainter painter(&image);
    painter.drawImage(QRectF(m_view->mapTo(this, QPoint(0, 0)), m_view->size()), view);
    return image;
}

void MainWindow::closeEvent(QCloseEvent* e) {
    if (m_options.restoreLayout) {
        QSettings settings;
        settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
        // The docks as the user arranged them, not presentation mode's.
        settings.setValue(QStringLiteral("window/state"), presentationMode() ? m_normalLayout : saveState());
        settings.setValue(QStringLiteral("scenario/last"), m_scenarioSource);
    }
    if (isRecording()) stopRecording();  // closing finalises the recording: it is never lost
    m_controller->shutdown();
    e->accept();
}

void MainWindow::trackCamera() {
    const core::Camera c = m_view->camera();
    if (m_cameraLogged && c.position == m_lastCamera.position && c.focalPoint == m_lastCamera.focalPoint &&
        c.viewUp == m_lastCamera.viewUp && c.viewAngle == m_lastCamera.viewAngle)
        return;
    m_lastCamera = c;
    m_cameraLogged = true;
    m_controller->logCamera(c);
}

void MainWindow::recordFromDialog() {
    RecordDialog dialog(this, false, m_recordSettings);
    if (dialog.exec() != QDialog::Accepted) {
        m_recordAction->setChecked(false);
        return;
    }
    startRecording(dialog.settings());
}

bool MainWindow::startRecording(const render::RecordSettings& settings) {
    try {
        m_recorder->start(settings, m_view->style());
    } catch (const std::exception& e) {
        m_recordAction->setChecked(false);
        reportError(tr("Cannot record"), QString::fromStdString(e.what()));
        return false;
    }
    m_recordSettings = settings;
    m_recordAction->setChecked(true);
    m_recordAction->setText(tr("Stop &recording"));
    m_recLabel->setText(tr("● REC 0"));
    m_recLabel->show();
    m_controller->setRecording(settings.stepsPerFrame, m_recorder->needsAttention());
    return true;
}

QString MainWindow::stopRecording() {
    m_controller->setRecording(0);
    m_recordAction->setChecked(false);
    m_recordAction->setText(tr("&Record video…"));
    m_recLabel->hide();
    const int frames = m_recorder->frameCount();
    try {
        const QString path = m_recorder->stop();
        showMessage(tr("Recorded %1 frames to %2").arg(frames).arg(path), 10000);
        return path;
    } catch (const std::exception& e) {
        reportError(tr("Recording failed"), QString::fromStdString(e.what()));
        return {};
    }
}

void MainWindow::onRecordFrame(std::shared_ptr<const core::Frame> frame) {
    if (isRecording()) {
        try {
            m_recorder->addFrame(*frame, m_view->camera());
            m_recLabel->setText(tr("● REC %1").arg(m_recorder->frameCount()));
        } catch (const std::exception& e) {
            m_controller->setRecording(0);
            m_recordAction->setChecked(false);
            m_recordAction->setText(tr("&Record video…"));
            m_recLabel->hide();
            reportError(tr("Recording failed"), QString::fromStdString(e.what()));
        }
    }
    m_controller->recordFrameConsumed();
}

void MainWindow::saveViewScreenshot() {
    if (!m_latest) return;
    render::RecordSettings initial;
    initial.path = QDir::home().filePath(QStringLiteral("attnsphere-view.png"));
    initial.size = QSize(3840, 2160);
    RecordDialog dialog(this, true, initial);
    if (dialog.exec() != QDialog::Accepted) return;
    const render::RecordSettings s = dialog.settings();
    try {
        // The view's own image: its camera, trails and selection, at the requested size.
        app::writePng(m_view->renderImage(s.size, s.transparent), s.path);
        showMessage(tr("Saved %1 (%2×%3)").arg(s.path).arg(s.size.width()).arg(s.size.height()), 8000);
    } catch (const std::exception& e) {
        reportError(tr("Screenshot failed"), QString::fromStdString(e.what()));
    }
}

void MainWindow::saveSession() {
    const QString path = QFileDialog::getSaveFileName(this, tr("Save session"), QString(),
                                                      QStringLiteral("attnsphere session (*.json)"));
    if (!path.isEmpty()) m_controller->saveSession(path);
}

}  // namespace attnsphere::ui
