#pragma once
// Runs a core::Simulation on its own thread (doc/ARCHITECTURE.md, Thread rules). The worker owns the
// simulation; nothing else touches it. Commands arrive through the ThreadMailbox and are applied between
// steps; frames leave as immutable std::shared_ptr<const Frame>, at most one waiting for the GUI (latest
// wins). Lives in the thread SimulationController moves it to; only requestShutdown() and interrupt() are
// called from outside (they set atomics).
#include "app/History.h"
#include "app/Mailbox.h"
#include "core/Frame.h"
#include "core/Scenario.h"
#include "core/Session.h"
#include "core/Simulation.h"

#include <QElapsedTimer>
#include <QMetaType>
#include <QObject>
#include <QString>
#include <QTimer>

#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace attnsphere::app {

class SimulationWorker;
class SimulationController;

// The mailbox between the GUI thread and the worker (app/Mailbox.h), with the newest frame and the
// recording's bookkeeping.
class ThreadMailbox : public Mailbox<SimulationWorker, SimulationController> {
public:
    // Latest wins: a frame not yet taken by the GUI is replaced.
    void putFrame(std::shared_ptr<const core::Frame> f) {
        std::lock_guard lock(m_mutex);
        m_frame = std::move(f);
    }
    std::shared_ptr<const core::Frame> takeFrame() {
        std::lock_guard lock(m_mutex);
        return std::exchange(m_frame, nullptr);
    }
    bool frameWaiting() const {
        std::lock_guard lock(m_mutex);
        return m_frame != nullptr;
    }
    // Recording: frames sent through recordFrame and not yet consumed by the recorder, counted per
    // recording (generation), so frames of an earlier recording consumed late never count against a new one.
    int startRecording() {
        std::lock_guard lock(m_mutex);
        m_recordPending = 0;
        return ++m_recordGeneration;
    }
    void recordSent() {
        std::lock_guard lock(m_mutex);
        ++m_recordPending;
    }
    void recordConsumed(int generation) {
        std::lock_guard lock(m_mutex);
        if (generation == m_recordGeneration && m_recordPending > 0) --m_recordPending;
    }
    int recordPending() const {
        std::lock_guard lock(m_mutex);
        return m_recordPending;
    }
    int recordGeneration() const {
        std::lock_guard lock(m_mutex);
        return m_recordGeneration;
    }

private:
    std::shared_ptr<const core::Frame> m_frame;
    int m_recordPending = 0;
    int m_recordGeneration = 0;
};

class SimulationWorker : public QObject {
    Q_OBJECT
public:
    // Builds the simulation (on the calling thread; it is only used on the worker thread afterwards).
    // Results go to `mailbox`; `receiver` (in the GUI thread) is told to drain it.
    SimulationWorker(const core::Scenario& scenario, std::shared_ptr<ThreadMailbox> mailbox,
                     QObject* receiver);
    ~SimulationWorker() override;

    // Stops stepping; called in the worker's thread as it ends (the timer belongs to that thread).
    void stopTimer() { m_timer->stop(); }
    // Raised by the controller on shutdown: a step in progress stops promptly (core::Aborted).
    void requestShutdown() {
        m_shutdown.store(true);
        m_abort.store(true);
    }
    // A user command is waiting (pause, edit, reset, new scenario): a step in progress is abandoned, state
    // unchanged, so the command applies now rather than after a step of possibly many seconds.
    void interrupt() { m_abort.store(true); }
    // The GUI asks for scrubbed frame number `generation`: older requests still queued are skipped. One
    // already being computed is finished, not aborted (the run is paused while scrubbing, so nothing else
    // waits on it): aborting it at every mouse move would starve the bars and heatmaps of frames.
    void requestScrub(int generation) { m_scrubRequested.store(generation); }
    // The history of published frames (thread-safe; the GUI reads it while the worker appends).
    std::shared_ptr<History> history() const { return m_history; }

    static constexpr double kMaxPublishHz = 60.0;
    // Attention matrices sent to the GUI are block-averaged beyond this many rows (cluster order needs
    // the full matrix, so the heatmap orders by cluster only up to this n).
    static constexpr int kMaxAttentionSize = 200;
    // The worker stops stepping while this many record frames wait, so video time follows simulated
    // time however slow the encoder.
    static constexpr int kMaxRecordPending = 3;

public slots:
    // Runs the commands waiting in the mailbox (the controller invokes this by name, queued).
    void drainCommands();

public:
    void play();
    void pause();
    void stepOnce();
    bool reset();  // false when the scenario cannot be rebuilt (the refusal is reported)
    // Replaces the scenario and restarts from t = 0.
    void setScenario(const attnsphere::core::Scenario& scenario);
    // Applies an edited scenario between steps: positions are kept unless n, d, seed or the
    // initialisation changed (then the state is re-initialised).
    void applyEdit(const attnsphere::core::Scenario& scenario);
    // Simulated time per wall-clock second; <= 0 runs as fast as possible.
    void setSpeed(double simulatedPerSecond);
    // At the scenario's t_end a run pauses, or (looping) starts again from t = 0.
    void setLoop(bool loop);
    // The run pauses at the first step that reaches simulated time t (once; none: never). A lecture's
    // pause_at: checked before each step, so the pause lands on it rather than a published frame later.
    void setPauseAt(std::optional<double> t);
    void setThreads(int threads);
    // Writes series.csv, positions.npy and metadata.json of the frames published so far.
    void exportData(const std::string& directory, const std::vector<std::string>& commandLine);
    void publishNow();
    // Lockstep recording: every `everySteps` steps (from now) a frame goes to
    // SimulationController::recordFrame, with attention matrices only when asked (a heatmap panel); 0 stops.
    void setRecording(int everySteps, bool attention = false);
    // Direct manipulation (core/Manipulation.h), applied between steps and logged as positions events (the
    // resulting state, so n may change). Refused edits (wrong size, n out of range) go to editRejected.
    // radii: for a run with radii when n changes (an added or removed token); empty keeps them.
    void setPositions(const core::Matrix& positions, const core::Vector& radii = {});
    void moveToken(int index, const core::Vector& position);  // one column of the current state replaced
    void perturb(std::uint64_t seed, double angle, const std::vector<int>& indices);  // empty: every token
    void addToken(const core::Vector& position);
    void removeToken(int index);
    // Session recording (core/Session.h): every edit is logged with its step; camera keys come from the GUI.
    void logCamera(const core::Camera& camera);
    void saveSession(const std::string& path);
    // Timeline: the full observables of a kept frame (recomputed with the model in effect at its step)
    // go to SimulationController::historyFrame, unless a newer scrub was requested meanwhile.
    void showHistoryFrame(const HistoryEntry& entry, int generation);
    // Goes back to a kept frame's state exactly (positions, t, step, step sizes; model, dt and integrator
    // from the session log) and runs on from there: the frames after it and the logged events after it
    // are dropped, the fork is logged.
    void forkFrom(const HistoryEntry& entry);
    void setHistoryBudget(std::size_t bytes) { m_history->setBudget(bytes); }

private:
    // Notifications for the GUI thread, delivered through the mailbox.
    void notify(ThreadMailbox::Event e);
    void runningChanged(bool running);
    void numericalError(const std::string& message);
    void editRejected(const std::string& message);
    void scenarioChanged(const core::Scenario& scenario);
    void statsUpdated(double stepsPerSecond, double simulatedPerSecond);
    void exportFinished(bool ok, const std::string& message);
    void sessionSaved(bool ok, const std::string& message);
    void endReached(double tEnd);
    // Long work in progress (building, first frame), empty when done: the GUI shows a busy indicator.
    void busy(const std::string& what);

    void runBatch();
    void publish(bool force, bool reportErrors = true);
    void rebuild(bool logReset = true);
    void resetSpeedReference();
    bool atEnd() const;
    void setRunning(bool running);
    void keepInHistory(const core::Frame& frame);
    void scheduleNext(int delayMs);
    void emitRecordFrameIfDue();

    core::Scenario m_scenario;
    std::unique_ptr<core::Simulation> m_sim;
    core::SessionLog m_session;
    std::atomic<bool> m_abort{false};     // shutdown or interrupt: the step in progress ends
    std::atomic<bool> m_shutdown{false};  // m_abort stays raised
    std::shared_ptr<ThreadMailbox> m_mailbox;
    QObject* m_receiver;
    int m_recordEvery = 0;
    bool m_recordAttention = false;
    int m_recordGeneration = 0;
    std::int64_t m_recordFrom = 0;  // step count when recording started (or the segment restarted)
    bool m_running = false;
    bool m_loop = false;
    std::optional<double> m_pauseAt;
    bool m_busy = false;
    bool m_failed = false;  // the current state raised a NumericalError: no frame until it changes
    double m_speed = 1.0;
    int m_threads = 0;
    QTimer* m_timer;
    QElapsedTimer m_wall, m_sincePublish, m_statsClock, m_sinceAttention;
    double m_wallStartSim = 0;  // simulated time when the speed reference was taken
    std::int64_t m_statsSteps = 0;
    double m_statsSim = 0;
    bool m_dirtySincePublish = true;

    // Frames published so far, for the timeline and export (app/History.h).
    std::shared_ptr<History> m_history = std::make_shared<History>();
    std::shared_ptr<const core::Scenario> m_keptScenario;  // m_scenario as history entries share it
    std::int64_t m_publishedCount = 0;
    std::atomic<int> m_scrubRequested{0};
};

}  // namespace attnsphere::app

Q_DECLARE_METATYPE(std::shared_ptr<const attnsphere::core::Frame>)
Q_DECLARE_METATYPE(attnsphere::core::Scenario)
