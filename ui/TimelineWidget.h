#pragma once
// The timeline under the 3D view: the run's kept history (app/History.h) as a slider. Dragging it
// scrubs: the run pauses, the view shows the kept positions at once and the full observables when the
// worker has recomputed them, every time plot draws a cursor line at that moment and the instantaneous
// panels (bars, heatmap) show it. "Fork from here" (and Play or a parameter edit while scrubbed back)
// resumes from the scrubbed state; the abandoned future stays in the time plots as a faded branch until
// "Clear branches". Edits are marked on every time plot ("β 3 → 10", core::describeEdit); with the
// ghost option, the curves before an edit stay faded. GUI thread only.
#include "app/History.h"
#include "core/Scenario.h"

#include <QTimer>
#include <QWidget>

#include <memory>
#include <optional>
#include <vector>

class QAction;
class QLabel;
class QPushButton;
class QSlider;

namespace attnsphere::app {
class Pacer;
class SimulationController;
}  // namespace attnsphere::app
namespace attnsphere::render {
class PlotPanel;
}

namespace attnsphere::ui {

class SphereView;

class TimelineWidget : public QWidget {
    Q_OBJECT
public:
    TimelineWidget(app::SimulationController* controller, SphereView* view,
                   std::vector<render::PlotPanel*> panels, QWidget* parent = nullptr);

    // Scrubbed back: the slider is not at the newest kept frame.
    bool isScrubbed() const;
    int position() const;  // index into entries()
    const std::vector<app::HistoryEntry>& entries() const { return m_entries; }
    void scrubTo(int index);
    // Forks from the scrubbed frame when scrubbed back (true), else does nothing (false).
    bool forkIfScrubbed();
    void clearBranches();
    // Back to the newest frame (before a reset or a new scenario). The history first: frames kept since
    // the last poll would leave a stale "newest" index scrubbed back.
    void goLive() {
        syncHistory();
        scrubTo(static_cast<int>(m_entries.size()) - 1);
    }
    int branchCount() const { return static_cast<int>(m_branches.size()); }
    // Keep a faded ghost of the curves before each edit (View menu).
    void setKeepGhost(bool keep) { m_keepGhost = keep; }
    // The menu actions: step back/forward (Left/Right), start/end (Home/End), fork, clear branches.
    const std::vector<QAction*>& actions() const { return m_actions; }
    // Takes a new snapshot of the history if it changed (also on a timer).
    void syncHistory();
    // A live frame arrived (the main window passes each one): edit markers land at its time.
    void onLiveFrame(const core::Frame& frame);

signals:
    void message(const QString& text, int timeoutMs);
    // The scenario in effect at the moment shown (the parameter editor follows it, so an edit while
    // scrubbed back starts from what ran then).
    void scenarioShown(const attnsphere::core::Scenario& scenario);

private:
    void onScenarioChanged(const core::Scenario& s);
    void showEntry(int index);
    void leaveScrub();
    void updateLabels();
    void redrawMarkers();

    app::SimulationController* m_controller;
    SphereView* m_view;
    std::vector<render::PlotPanel*> m_panels;
    QSlider* m_slider;
    QLabel* m_timeLabel;
    QLabel* m_thinLabel;
    QPushButton* m_forkButton;
    QPushButton* m_clearButton;
    std::vector<QAction*> m_actions;
    QTimer m_poll;
    // Recomputed scrubbed frames reach the view and the panels at most kDetailHz times a second (the
    // newest wins; the last one always shows): each one replots the bars and heatmaps, which took the
    // GUI thread from the 3D view while scrubbing.
    static constexpr double kDetailHz = 30;
    std::shared_ptr<const core::Frame> m_detail;
    app::Pacer* m_detailPacer;
    void showDetail();

    std::vector<app::HistoryEntry> m_entries;
    app::HistoryThinning m_thinning;
    std::uint64_t m_revision = ~std::uint64_t(0);
    bool m_scrubbing = false;                // the user moved the slider away from the newest frame
    bool m_updating = false;                 // the slider is being moved by the program
    core::Scenario m_scenario;               // as last confirmed by the worker
    bool m_forkPending = false;              // the worker's scenarioChanged of a fork is not an edit
    std::optional<double> m_forkT;           // the time of the fork whose first frame has not arrived yet
    std::optional<QString> m_pendingMarker;  // an edit's label, placed at the next live frame's t
    struct Marker {
        double t;
        QString label;
    };
    std::vector<Marker> m_markers;
    double m_lastT = -1;
    int m_lastN = -1, m_lastH = -1;
    bool m_keepGhost = false;
    std::vector<std::vector<int>> m_branches;  // overlay ids per panel, per abandoned branch
    std::vector<int> m_ghost;                  // the ghost's overlay id per panel (empty: none)
};

}  // namespace attnsphere::ui
