#pragma once
// Runs a comparison's core::Lockstep on its own thread, as SimulationWorker runs one simulation (doc/
// ARCHITECTURE.md, Thread rules), with fewer commands: play, pause, step, reset, speed. Commands reach
// the worker through a ComparisonMailbox (one std::mutex) and apply between ticks; every tick's result
// leaves as one immutable frame per run, all at the same simulated time, at most one set waiting for the
// GUI (latest wins). ComparisonController is the GUI thread's handle; the worker lives in its thread.
#include "app/Mailbox.h"
#include "core/Comparison.h"
#include "core/Frame.h"

#include <QElapsedTimer>
#include <QMetaType>
#include <QObject>
#include <QString>
#include <QThread>
#include <QTimer>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace attnsphere::app {

class ComparisonWorker;
class ComparisonController;

// One frame per run, in run order, at the same simulated time.
using RunFrames = std::vector<std::shared_ptr<const core::Frame>>;

class ComparisonMailbox : public Mailbox<ComparisonWorker, ComparisonController> {
public:
    void putFrames(RunFrames frames) {  // latest wins
        std::lock_guard lock(m_mutex);
        m_frames = std::move(frames);
    }
    RunFrames takeFrames() {
        std::lock_guard lock(m_mutex);
        return std::exchange(m_frames, {});
    }
    bool framesWaiting() const {
        std::lock_guard lock(m_mutex);
        return !m_frames.empty();
    }

private:
    RunFrames m_frames;
};

class ComparisonWorker : public QObject {
    Q_OBJECT
public:
    // Builds the runs (on the calling thread; they are only used on the worker thread afterwards).
    ComparisonWorker(const core::Comparison& comparison, std::shared_ptr<ComparisonMailbox> mailbox,
                     QObject* receiver);
    ~ComparisonWorker() override;

    void stopTimer() { m_timer->stop(); }
    void requestShutdown() {
        m_shutdown.store(true);
        m_abort.store(true);
    }
    // A user command is waiting: a tick in progress is abandoned (runs left behind catch up before the
    // next frame is published, so a frame set always shows one time).
    void interrupt() { m_abort.store(true); }

    static constexpr double kMaxPublishHz = 30.0;

public slots:
    void drainCommands();

public:
    void play();
    void pause();
    void stepOnce();  // one tick: every run reaches the next common time
    void reset();
    void setSpeed(double simulatedPerSecond);  // <= 0: as fast as possible
    void setThreads(int threads);              // core::WorkerPool threads of every run
    void publishNow();

private:
    void notify(ComparisonMailbox::Event e);
    void setRunning(bool running);
    // A run failed (overflow, NaN): the comparison pauses and the GUI is told why.
    void stopWithError(const std::string& message);
    void runBatch();
    void publish(bool force);
    void scheduleNext(int delayMs);
    void resetSpeedReference();

    core::Lockstep m_lockstep;
    std::shared_ptr<ComparisonMailbox> m_mailbox;
    QObject* m_receiver;
    QTimer* m_timer;
    std::atomic<bool> m_abort{false};
    std::atomic<bool> m_shutdown{false};
    bool m_running = false;
    bool m_dirty = true;
    double m_speed = 1.0;
    double m_wallStartSim = 0;
    QElapsedTimer m_wall, m_sincePublish;
};

class ComparisonController : public QObject {
    Q_OBJECT
public:
    explicit ComparisonController(const core::Comparison& comparison, QObject* parent = nullptr);
    ~ComparisonController() override;
    void shutdown();  // aborts a tick in progress, quits and joins the thread

    const core::Comparison& comparison() const { return m_comparison; }
    bool isRunning() const { return m_running; }
    const RunFrames& latestFrames() const { return m_latest; }

public slots:
    void play();
    void pause();
    void togglePlay();
    void stepOnce();
    void reset();
    void setSpeed(double simulatedPerSecond);
    void setThreads(int threads);

signals:
    void framesAvailable(const attnsphere::app::RunFrames& frames);
    void runningChanged(bool running);
    void numericalError(const QString& message);
    void endReached(double tEnd);

private slots:
    void drainMailbox();

private:
    friend class ComparisonWorker;  // its notifications call these on the GUI thread
    void onRunningChanged(bool running);
    template <typename F>
    void post(F&& f, bool interrupt);

    core::Comparison m_comparison;
    std::shared_ptr<ComparisonMailbox> m_mailbox = std::make_shared<ComparisonMailbox>();
    QThread m_thread;
    ComparisonWorker* m_worker;  // owned; lives in m_thread, deleted by shutdown() after the join
    RunFrames m_latest;
    bool m_running = false;
    bool m_shutDown = false;
};

}  // namespace attnsphere::app

Q_DECLARE_METATYPE(attnsphere::app::RunFrames)
