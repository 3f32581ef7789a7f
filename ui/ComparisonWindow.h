#pragma once
// The comparison window: one SphereView per run in a grid (cameras linked: turning one turns all), each
// titled with its run's name, and the time panels in docks with every run's curves (one line style per
// run, named in the legend). Play, pause, step, reset and speed drive all runs in lockstep. Owns the
// ComparisonController (and so its thread). GUI thread only.
#include "app/ComparisonWorker.h"
#include "core/Camera.h"
#include "core/Comparison.h"

#include <QMainWindow>
#include <QTimer>

#include <memory>
#include <vector>

class QAction;
class QDoubleSpinBox;
class QLabel;
class QMenu;

namespace attnsphere::render {
class ComparisonPanels;
class PlotPanel;
}  // namespace attnsphere::render

class QDockWidget;

namespace attnsphere::ui {

class StatusMessages;

class MainWindow;
class SphereView;

class ComparisonWindow : public QMainWindow {
    Q_OBJECT
public:
    struct Options {
        bool interactive = true;  // false: errors go to stderr, no dialogs
        bool startRunning = true;
    };
    ComparisonWindow(const core::Comparison& comparison, const Options& options, QWidget* parent = nullptr);
    ~ComparisonWindow() override;

    app::ComparisonController* controller() const { return m_controller.get(); }
    const std::vector<SphereView*>& views() const { return m_views; }
    const std::vector<render::PlotPanel*>& panels() const { return m_panels; }
    QString runTitle(int run) const;  // the label above run k's view
    // Pauses and brings views and panels to the frames the pause publishes (screenshots); false when
    // they did not arrive within the timeout.
    bool settle(int timeoutMs = 10000);
    QImage grabWindow();  // the whole window including the GL views
    // The linked cameras follow the view the user moved last (on every view's cameraMoved, and on a timer
    // for what no view signalled; public for tests).
    void linkCameras();

protected:
    void closeEvent(class QCloseEvent* e) override;

private:
    void showFrames(const app::RunFrames& frames);
    void refreshPanels();
    void reportError(const QString& title, const QString& message);

    core::Comparison m_comparison;
    Options m_options;
    std::unique_ptr<app::ComparisonController> m_controller;
    std::vector<SphereView*> m_views;
    std::vector<QLabel*> m_titles;
    std::vector<render::PlotPanel*> m_panels;
    std::vector<std::unique_ptr<render::ComparisonPanels>> m_runPanels;
    QAction* m_playAction = nullptr;
    QDoubleSpinBox* m_speed = nullptr;
    QLabel* m_time = nullptr;
    StatusMessages* m_status = nullptr;
    QDockWidget* m_radiusDock = nullptr;  // hidden until a run's frames carry radii
    QTimer m_panelTimer, m_cameraTimer;
    bool m_panelsDirty = false;
    long long m_frameSets = 0;                // frame sets shown so far
    std::vector<core::Camera> m_seenCameras;  // each view's camera at the last check
    bool m_linking = false;
};

// The main window's Compare menu: the built-in recipes applied to its current scenario, and Open
// comparison…; each opens a ComparisonWindow of its own (the main run pauses).
QMenu* makeCompareMenu(MainWindow& window);

}  // namespace attnsphere::ui
