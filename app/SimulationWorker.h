#pragma once
// Runs a core::Simulation on its own thread (doc/ARCHITECTURE.md, Thread rules). The worker owns the
// simulation; nothing else touches it. Commands arrive through the ThreadMailbox and are applied between
// steps; frames leave as immutable std::shared_ptr<const Frame>, at most one waiting for the GUI (latest
// wins). Lives in the thread SimulationController moves it to; only requestShutdown() and interrupt() are
// called from outside (they set atomics).
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
#include <string>
#include <vector>

namespace attnsphere::app {

class SimulationWorker;
class SimulationController;

// Everything that crosses between the GUI thread and the worker thread passes here under one std::mutex;
// Qt events only say "look in the mailbox" and carry no data. (Qt's queue synchronises inside
// uninstrumented Qt code, which ThreadSanitizer cannot see; this keeps the threading checkable.)
class ThreadMailbox {
public:
    using Command = std::function<void(SimulationWorker&)>;
    using Event = std::function<void(SimulationController&)>;

    void pushCommand(Command c) {
        std::lock_guard lock(m_mutex);
        m_commands.push_back(std::move(c));
    }
    std::vector<Command> takeCommands() {
        std::lock_guard lock(m_mutex);
        return std::exchange(m_commands, {});
    }
    void pushEvent(Event e) {
        std::lock_guard lock(m_mutex);
        m_events.push_back(std::move(e));
    }
    std::vector<Event> takeEvents() {
        std::lock_guard lock(m_mutex);
        return std::exchange(m_events, {});
    }
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
    // The worker thread's last act, and the GUI's check after joining it: everything the worker did
    // happens-before the GUI deletes it (also for ThreadSanitizer, which cannot see inside QThread::wait).
    void markWorkerDone() {
        std::lock_guard lock(m_mutex);
        m_workerDone = true;
    }
    bool workerDone() const {
        std::lock_guard lock(m_mutex);
        return m_workerDone;
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
    mutable std::mutex m_mutex;
    std::vector<Command> m_commands;
    std::vector<Event> m_events;
    std::shared_ptr<const core::Frame> m_frame;
    bool m_workerDone = false;
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
    void setThreads(int threads);
    // Writes series.csv, positions.npy and metadata.json of the frames published so far.
    void exportData(const std::string& directory, const std::vector<std::string>& commandLine);
    void publishNow();
    // Lockstep recording: every `everySteps` steps (from now) a frame goes to
    // SimulationController::recordFrame, with attention matrices only when asked (a heatmap panel); 0 stops.
    void setRecording(int everySteps, bool attention = false);
    // Direct manipulation (core/Manipulation.h), applied between steps and logged as positions events (the
    // resulting state, so n may change). Refused edits (wrong size, n out of range) go to editRejected.
    void setPositions(const core::Matrix& positions);
    void moveToken(int index, const core::Vector& position);  // one column of the current state replaced
    void perturb(std::uint64_t seed, double angle, const std::vector<int>& indices);  // empty: every token
    void addToken(const core::Vector& position);
    void removeToken(int index);
    // Session recording (core/Session.h): every edit is logged with its step; camera keys come from the GUI.
    void logCamera(const core::Camera& camera);
    void saveSession(const std::string& path);

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

    // Frames published so far (without attention matrices), for export; bounded by thinning.
    std::deque<std::shared_ptr<const core::Frame>> m_history;
    std::size_t m_historyBytes = 0;
    int m_historyStride = 1;  // keep every m_historyStride-th published frame
    std::int64_t m_publishedCount = 0;
    static constexpr std::size_t kHistoryBudgetBytes = 256u << 20;
};

}  // namespace attnsphere::app

Q_DECLARE_METATYPE(std::shared_ptr<const attnsphere::core::Frame>)
Q_DECLARE_METATYPE(attnsphere::core::Scenario)
