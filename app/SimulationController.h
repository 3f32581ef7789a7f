#pragma once
// The GUI's handle on the simulation thread: owns the QThread and the SimulationWorker living in it,
// pushes commands into a ThreadMailbox (a queued call only says "drain it") and hands the newest frame
// to the GUI (latest wins).
// GUI thread only. The destructor aborts a running step and joins the thread.
#include "app/SimulationWorker.h"

#include <QObject>
#include <QThread>

#include <deque>
#include <memory>

namespace attnsphere::app {

class SimulationController : public QObject {
    Q_OBJECT
public:
    explicit SimulationController(const core::Scenario& scenario, QObject* parent = nullptr);
    ~SimulationController() override;

    // Stops the worker: raises the abort flag (a long step ends promptly), quits and joins the thread.
    void shutdown();

    bool isRunning() const { return m_running; }
    const core::Scenario& scenario() const { return m_scenario; }  // as last confirmed by the worker
    std::shared_ptr<const core::Frame> latestFrame() const { return m_latest; }
    double speed() const { return m_speed; }
    bool loops() const { return m_loop; }
    // A playback speed (simulated time per wall-clock second) that shows a scenario's whole run,
    // 0 … t_end, in about kPlaybackSeconds: a preset's own pace rather than the previous one's.
    static constexpr double kPlaybackSeconds = 30;
    static double playbackSpeed(const core::Scenario& scenario);

public slots:
    void play();
    void pause();
    void togglePlay();
    void stepOnce();
    void reset();
    void setScenario(const attnsphere::core::Scenario& scenario);
    void applyEdit(const attnsphere::core::Scenario& scenario);
    void setSpeed(double simulatedPerSecond);  // <= 0: as fast as possible
    void setLoop(bool loop);                   // at t_end: pause (false) or start again from t = 0
    void setPauseAt(std::optional<double> t);  // pause once at simulated time t (SimulationWorker)
    void setThreads(int threads);
    void exportData(const QString& directory, const QStringList& arguments);
    void logCamera(const attnsphere::core::Camera& camera);
    void saveSession(const QString& path);
    void setRecording(int everySteps, bool attention = false);  // 0 stops; see SimulationWorker
    // Direct manipulation (SimulationWorker::setPositions and the rest): applied at once, between steps.
    void setPositions(const attnsphere::core::Matrix& positions);
    void moveToken(int index, const attnsphere::core::Vector& position);
    void perturb(quint64 seed, double angle, const std::vector<int>& indices);
    void addToken(const attnsphere::core::Vector& position);
    void removeToken(int index);
    // The recorder took a frame from recordFrame (lets the worker step on).
    void recordFrameConsumed();
    // Timeline (app/History.h): the full frame of a kept one arrives as historyFrame (latest request
    // wins); a fork goes back to a kept frame and runs on from there (the caller pauses or plays).
    void showHistoryFrame(const attnsphere::app::HistoryEntry& entry);
    void forkFrom(const attnsphere::app::HistoryEntry& entry);
    void setHistoryBudget(std::size_t bytes);

public:
    std::shared_ptr<History> history() const { return m_history; }

signals:
    void frameAvailable(std::shared_ptr<const attnsphere::core::Frame> frame);
    void runningChanged(bool running);
    void numericalError(const QString& message);
    void editRejected(const QString& message);
    void scenarioChanged(const attnsphere::core::Scenario& scenario);
    void statsUpdated(double stepsPerSecond, double simulatedPerSecond);
    void exportFinished(bool ok, const QString& message);
    void sessionSaved(bool ok, const QString& message);
    void endReached(double tEnd);  // the run paused at the scenario's t_end
    // Long work in progress on the worker (building a simulation, the first frame); empty when done.
    void busy(const QString& what);
    // Lockstep recording frames, in step order, none dropped (the worker waits for the recorder).
    void recordFrame(std::shared_ptr<const attnsphere::core::Frame> frame);
    // The full observables of the kept frame last asked for with showHistoryFrame.
    void historyFrame(std::shared_ptr<const attnsphere::core::Frame> frame);

private slots:
    // Takes the newest frame and the notifications the worker left in the mailbox (invoked by name).
    void drainMailbox();

private:
    friend class SimulationWorker;  // its notifications call the handlers below on the GUI thread
    void onRunningChanged(bool running);
    void onScenarioChanged(const core::Scenario& scenario);
    // Frames of an earlier recording (a generation since restarted or stopped) are dropped.
    void onRecordFrame(std::shared_ptr<const core::Frame> frame, int generation);
    void onHistoryFrame(std::shared_ptr<const core::Frame> frame, int generation);
    template <typename F>
    void post(F&& f);
    // For commands the user waits for: the step in progress is abandoned (state unchanged) first.
    template <typename F>
    void postNow(F&& f);

    std::shared_ptr<ThreadMailbox> m_mailbox = std::make_shared<ThreadMailbox>();
    QThread m_thread;
    SimulationWorker* m_worker;  // owned; lives in m_thread, deleted by shutdown() after the join
    core::Scenario m_scenario;
    std::shared_ptr<const core::Frame> m_latest;
    bool m_running = false;
    double m_speed = 1.0;
    bool m_loop = false;
    bool m_shutDown = false;
    std::shared_ptr<History> m_history;
    int m_scrubGeneration = 0;          // the newest scrub requested
    int m_shownScrub = 0;               // the newest scrubbed frame shown
    int m_scrubCutoff = 0;              // scrubs up to this one were overtaken by a fork
    std::deque<int> m_recordDelivered;  // generations of the record frames not yet consumed
};

}  // namespace attnsphere::app
