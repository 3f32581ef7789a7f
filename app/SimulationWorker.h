#pragma once
// Runs a core::Simulation on its own thread (design.md §3). The worker owns the simulation; nothing
// else touches it. Commands arrive as queued calls and are applied between steps; frames leave as
// immutable std::shared_ptr<const Frame>, at most one waiting for the GUI at a time (latest wins).
// Lives in the thread SimulationController moves it to; only abortFlag() is touched from outside.
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
#include <memory>

namespace attnsphere::app {

class SimulationWorker : public QObject {
    Q_OBJECT
public:
    // Builds the simulation (on the calling thread; it is only used on the worker thread afterwards).
    explicit SimulationWorker(const core::Scenario& scenario);
    ~SimulationWorker() override;

    // Raised by the controller on shutdown: a step in progress stops promptly (core::Aborted).
    std::atomic<bool>& abortFlag() { return m_abort; }
    // Cleared by the consumer once it took the last published frame; while set, no new frame is
    // computed (the GUI never accumulates a backlog).
    std::atomic<bool>& frameInFlight() { return m_inFlight; }

    static constexpr double kMaxPublishHz = 60.0;
    // Recording: frames emitted by recordFrame and not yet consumed. The worker stops stepping while
    // kMaxRecordPending are waiting, so video time follows simulated time however slow the encoder.
    std::atomic<int>& recordPending() { return m_recordPending; }
    static constexpr int kMaxRecordPending = 3;

public slots:
    void play();
    void pause();
    void stepOnce();
    void reset();
    // Replaces the scenario and restarts from t = 0.
    void setScenario(const attnsphere::core::Scenario& scenario);
    // Applies an edited scenario between steps: positions are kept unless n, d, seed or the
    // initialisation changed (then the state is re-initialised).
    void applyEdit(const attnsphere::core::Scenario& scenario);
    // Simulated time per wall-clock second; <= 0 runs as fast as possible.
    void setSpeed(double simulatedPerSecond);
    void setThreads(int threads);
    // Writes series.csv, positions.npy and metadata.json of the frames published so far.
    void exportData(const QString& directory, const QString& commandLine);
    void publishNow();
    // Lockstep recording: every `everySteps` steps (from now) a frame goes out through recordFrame,
    // none is dropped; 0 stops.
    void setRecording(int everySteps);
    // Sessions (issue 4 §3): edits, resets and camera keys are logged with the step they happened at.
    void recordCamera(const attnsphere::core::SessionCamera& camera);
    void saveSession(const QString& path);

signals:
    void frameReady(std::shared_ptr<const attnsphere::core::Frame> frame);
    void runningChanged(bool running);
    void numericalError(const QString& message);
    void editRejected(const QString& message);
    void scenarioChanged(const attnsphere::core::Scenario& scenario);
    void statsUpdated(double stepsPerSecond, double simulatedPerSecond);
    void exportFinished(bool ok, const QString& message);
    void recordFrame(std::shared_ptr<const attnsphere::core::Frame> frame);
    void sessionSaved(bool ok, const QString& message);

private:
    void runBatch();
    void publish(bool force);
    void rebuild();
    void setRunning(bool running);
    void record(const core::Frame& frame);
    void scheduleNext(int delayMs);
    void emitRecordFrameIfDue();

    core::Scenario m_scenario;
    std::unique_ptr<core::Simulation> m_sim;
    std::atomic<bool> m_abort{false};
    std::atomic<bool> m_inFlight{false};
    bool m_running = false;
    double m_speed = 2.0;
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

    core::SessionLog m_session;
    int m_recordEvery = 0;
    std::int64_t m_recordFrom = 0;  // step count when recording started (or the segment restarted)
    std::atomic<int> m_recordPending{0};
};

}  // namespace attnsphere::app

Q_DECLARE_METATYPE(std::shared_ptr<const attnsphere::core::Frame>)
Q_DECLARE_METATYPE(attnsphere::core::Scenario)
Q_DECLARE_METATYPE(attnsphere::core::SessionCamera)
