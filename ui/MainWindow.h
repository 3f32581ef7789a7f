#pragma once
// The main window: the live sphere view in the centre, the panels and controls in dock widgets,
// menus, toolbar, status bar and shortcuts. Owns the SimulationController (and so the simulation
// thread) and every widget. GUI thread only.
#include "app/SimulationController.h"
#include "core/Lecture.h"
#include "core/Scenario.h"
#include "render/Recorder.h"
#include "render/SceneRenderer.h"

#include <QElapsedTimer>
#include <QMainWindow>
#include <QTimer>

#include <functional>
#include <memory>
#include <utility>
#include <vector>

class QLabel;
class QDockWidget;
class QAction;
class QProgressBar;

namespace attnsphere::render {
class PlotPanel;
}  // namespace attnsphere::render

namespace attnsphere::ui {

class SphereView;
class StatusMessages;
class LectureController;
class ManipulationTools;
class ParameterPanel;
class TimelineWidget;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    struct Options {
        bool interactive = true;    // false in screenshot/bench mode: errors go to stderr, no dialogs
        bool restoreLayout = true;  // QSettings layout (off for reproducible screenshots)
        bool startRunning = true;
        double panelHz = 15;                             // panel refresh rate
        double viewFps = 30;                             // 3D view repaint cap
        int historyMb = app::History::kDefaultBudgetMb;  // the timeline's memory budget
    };
    MainWindow(const core::Scenario& scenario, const QString& scenarioSource, const Options& options);
    // The QSettings key of the history budget set in the GUI (MB).
    static constexpr const char* kHistorySetting = "history/mb";
    ~MainWindow() override;

    SphereView* sphereView() const { return m_view; }
    ManipulationTools* manipulation() const { return m_manipulation; }
    TimelineWidget* timeline() const { return m_timeline; }
    app::SimulationController* controller() const { return m_controller.get(); }
    const std::vector<render::PlotPanel*>& panels() const { return m_panels; }
    void selectToken(int index);
    void setSceneStyle(const render::SceneStyle& style);
    double stepsPerSecond() const { return m_stepsPerSecond; }
    long long panelRefreshCount() const { return m_panelRefreshes; }
    // Durations (ms) of panel refreshes that carried a new frame, since the last call; for the benchmark.
    std::vector<double> takePanelTimes() { return std::exchange(m_panelTimes, {}); }
    // The whole window including the GL view, as shown.
    QImage grabWindow();
    // Recording a video; the dialog is skipped when settings are given (tests, scripts).
    bool startRecording(const render::RecordSettings& settings);
    QString stopRecording();  // finalises; returns the file, empty on failure (reported)
    bool isRecording() const { return m_recorder && m_recorder->isRecording(); }
    int recordedFrames() const { return m_recorder ? m_recorder->frameCount() : 0; }
    // Loads a scenario as File > Open and the Presets menu do: its own playback speed and t_end apply,
    // and the window title names `source` (a file's name or a preset).
    void loadScenario(const core::Scenario& s, const QString& source);
    // Writes the running scenario; with `currentState` its start is the shown positions (init "points"),
    // so a run can be continued later. Returns false after reporting the failure.
    bool saveScenarioTo(const QString& path, bool currentState);
    // Pauses, waits for the frame the pause publishes and brings the view, panels and status bar to it:
    // a screenshot then shows one consistent state.
    bool settle(int timeoutMs = 10000);
    // A status message and, interactive, a non-blocking dialog; stderr otherwise.
    void reportError(const QString& title, const QString& message);
    // The keyboard shortcuts of the window's actions, as the Help dialog lists them.
    QString shortcutsText() const;
    // Presentation mode (View menu; render/DisplayStyle.h): text and lines scaled for a projector, the
    // parameter dock and toolbar hidden unless the user shows them, the 3D view dominant. Off brings back
    // the normal display and the docks as they were.
    void setPresentationMode(bool on);
    bool presentationMode() const;
    // The dark or high-contrast light theme; the one chosen in View → Theme is remembered in QSettings.
    void setTheme(core::LectureTheme theme);
    core::LectureTheme theme() const;
    static constexpr const char* kThemeSetting = "view/theme";

    // Lecture mode (ui/LectureController.h) and what it sets in the window.
    LectureController* lecture() const { return m_lecture; }
    // Only these panels' docks, in this order, in one column beside a dominant 3D view (no parameter dock).
    void showOnlyPanels(const QStringList& ids);
    // The ids of the panels shown: those of the last showOnlyPanels in its order, then others shown since.
    QStringList shownPanels() const;
    void setPlaybackSpeed(double simulatedPerSecond);  // as the parameter dock's speed field sets it
    // A model edit as the parameter dock sends it (forks first when scrubbed back; logged like any edit).
    void applyModelEdit(const core::Scenario& s);
    // The running scenario with the positions shown as its start (init "points"); throws without a frame.
    core::Scenario currentStateScenario() const;
    // While set, errors and notices go to `banner` instead of a dialog (lecture mode opens none).
    void setErrorBanner(std::function<void(const QString& title, const QString& message)> banner) {
        m_errorBanner = std::move(banner);
    }

protected:
    void closeEvent(QCloseEvent* e) override;
    // Space, S, R, F reach their actions wherever the focus is, unless the user is typing in a text field.
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void buildDocks();
    void buildMenus();
    void buildDisplayMenu();   // View → Presentation mode, Theme (ui/MainWindowDisplay.cpp)
    void applyDisplayStyle();  // the current render::displayStyle() to panels, view, status bar, timeline
    void onFrame(std::shared_ptr<const core::Frame> frame);
    void refreshPanels();
    void updateStatus();
    void openScenario();
    void exportData();
    void recordFromDialog();
    void onRecordFrame(std::shared_ptr<const core::Frame> frame);
    void saveViewScreenshot();
    void saveSession();
    void trackCamera();
    void saveScenario(bool currentState);
    void setBusy(const QString& what);
    void showMessage(const QString& message, int timeoutMs);  // temporary status message
    void updateTitle();

    QDockWidget* addDock(QWidget* w, const QString& title, const QString& name, Qt::DockWidgetArea area);

    Options m_options;
    std::unique_ptr<app::SimulationController> m_controller;
    SphereView* m_view;
    ManipulationTools* m_manipulation = nullptr;
    TimelineWidget* m_timeline = nullptr;
    ParameterPanel* m_parameters;
    std::vector<render::PlotPanel*> m_panels;
    std::vector<QDockWidget*> m_docks;
    QDockWidget* m_radiusDock = nullptr;  // tabbed behind the clustering panel
    bool m_hadRadii = false;              // the last frame had radii (a switch to Pre-LN raises the tab)
    QMenu* m_viewMenu = nullptr;
    QAction* m_playAction = nullptr;
    QAction* m_loopAction = nullptr;
    std::vector<QAction*> m_keyActions;  // single-key shortcuts (Space, S, R, F)
    QObject* m_typingIn = nullptr;       // the text field the user is typing in (keys go there)
    QTimer m_panelTimer, m_statusTimer;
    QLabel *m_tLabel, *m_stepLabel, *m_rateLabel, *m_fpsLabel, *m_sizeLabel, *m_kernelLabel, *m_healthLabel;
    QLabel* m_busyLabel = nullptr;
    QWidget* m_statusGap = nullptr;
    StatusMessages* m_status = nullptr;
    QLabel* m_staleOverlay = nullptr;
    QProgressBar* m_busyBar = nullptr;
    QString m_busy;              // what the worker reported it is busy with
    QElapsedTimer m_sinceFrame;  // wall time since the last frame (a slow step shows as busy)
    bool m_running = false;
    std::shared_ptr<const core::Frame> m_latest;
    QString m_scenarioSource;
    double m_stepsPerSecond = 0;
    long long m_lastPaintCount = 0;
    long long m_panelRefreshes = 0;
    std::vector<double> m_panelTimes;
    double m_fps = 0;
    QElapsedTimer m_fpsClock;
    int m_selected = -1;

    std::unique_ptr<render::Recorder> m_recorder;
    render::RecordSettings m_recordSettings;
    QAction* m_recordAction = nullptr;
    QLabel* m_recLabel = nullptr;
    core::Camera m_lastCamera;
    bool m_cameraLogged = false;
    LectureController* m_lecture = nullptr;
    QStringList m_panelOrder;  // the last showOnlyPanels
    std::function<void(const QString&, const QString&)> m_errorBanner;

    QAction* m_presentationAction = nullptr;
    std::vector<QAction*> m_themeActions;  // in core::nameTable<LectureTheme> order
    QByteArray m_normalLayout;             // docks and toolbars before presentation mode
};

}  // namespace attnsphere::ui
