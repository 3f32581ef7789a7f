#pragma once
// The main window: the live sphere view in the centre, the panels and controls in dock widgets,
// menus, toolbar, status bar and shortcuts. Owns the SimulationController (and so the simulation
// thread) and every widget. GUI thread only.
#include "app/SimulationController.h"
#include "core/Scenario.h"
#include "ui/Recorder.h"
#include "ui/SceneRenderer.h"

#include <QElapsedTimer>
#include <QMainWindow>
#include <QTimer>

#include <memory>
#include <utility>
#include <vector>

class QLabel;
class QDockWidget;
class QAction;

namespace attnsphere::ui {

class SphereView;
class PlotPanel;
class EnergyPanel;
class EntropyPanel;
class RadialShadowPanel;
class AttentionHeatmapPanel;
class ParameterPanel;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    struct Options {
        bool interactive = true;    // false in screenshot/bench mode: errors go to stderr, no dialogs
        bool restoreLayout = true;  // QSettings layout (off for reproducible screenshots)
        bool startRunning = true;
        double panelHz = 15;  // panel refresh rate
        double viewFps = 30;  // 3D view repaint cap
    };
    MainWindow(const core::Scenario& scenario, const QString& scenarioSource, const Options& options);
    ~MainWindow() override;

    SphereView* sphereView() const { return m_view; }
    app::SimulationController* controller() const { return m_controller.get(); }
    const std::vector<PlotPanel*>& panels() const { return m_panels; }
    void selectToken(int index);
    void setSceneStyle(const SceneStyle& style);
    double stepsPerSecond() const { return m_stepsPerSecond; }
    long long panelRefreshCount() const { return m_panelRefreshes; }
    // Durations (ms) of panel refreshes that carried a new frame, since the last call; for the benchmark.
    std::vector<double> takePanelTimes() { return std::exchange(m_panelTimes, {}); }
    // The whole window including the GL view, as shown.
    QImage grabWindow();
    // Recording (issue 4 §2); the dialog is skipped when settings are given (tests, scripts).
    bool startRecording(const RecordSettings& settings);
    QString stopRecording();  // finalises; returns the file, empty on failure (reported)
    bool isRecording() const { return m_recorder && m_recorder->isRecording(); }
    int recordedFrames() const { return m_recorder ? m_recorder->frameCount() : 0; }

protected:
    void closeEvent(QCloseEvent* e) override;

private:
    void buildDocks();
    void buildMenus();
    void onFrame(std::shared_ptr<const core::Frame> frame);
    void refreshPanels();
    void updateStatus();
    void openScenario();
    void saveScenario();
    void exportData();
    void recordFromDialog();
    void onRecordFrame(std::shared_ptr<const core::Frame> frame);
    void saveViewScreenshot();
    void saveSession();
    void trackCamera();
    void loadScenario(const core::Scenario& s, const QString& source);
    void reportError(const QString& title, const QString& message);
    QDockWidget* addDock(QWidget* w, const QString& title, const QString& name, Qt::DockWidgetArea area);

    Options m_options;
    std::unique_ptr<app::SimulationController> m_controller;
    SphereView* m_view;
    EnergyPanel* m_energy;
    EntropyPanel* m_entropy;
    RadialShadowPanel* m_radial;
    AttentionHeatmapPanel* m_heatmap;
    ParameterPanel* m_parameters;
    std::vector<PlotPanel*> m_panels;
    std::vector<QDockWidget*> m_docks;
    QMenu* m_viewMenu = nullptr;
    QAction* m_playAction = nullptr;
    QTimer m_panelTimer, m_statusTimer;
    QLabel *m_tLabel, *m_stepLabel, *m_rateLabel, *m_fpsLabel, *m_sizeLabel, *m_kernelLabel;
    std::shared_ptr<const core::Frame> m_latest;
    QString m_scenarioSource;
    double m_stepsPerSecond = 0;
    long long m_lastPaintCount = 0;
    long long m_panelRefreshes = 0;
    std::vector<double> m_panelTimes;
    double m_fps = 0;
    QElapsedTimer m_fpsClock;
    int m_selected = -1;

    std::unique_ptr<Recorder> m_recorder;
    RecordSettings m_recordSettings;
    QAction* m_recordAction = nullptr;
    QLabel* m_recLabel = nullptr;
    CameraState m_lastCamera;
    bool m_cameraLogged = false;
};

}  // namespace attnsphere::ui
