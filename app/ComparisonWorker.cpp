#include "app/ComparisonWorker.h"
#include "app/WorkerThread.h"

#include "core/Errors.h"

#include <algorithm>

namespace attnsphere::app {

namespace {
constexpr int kBatchBudgetMs = 30;  // the mailbox is looked at least this often while running
}

ComparisonWorker::ComparisonWorker(const core::Comparison& comparison,
                                   std::shared_ptr<ComparisonMailbox> mailbox, QObject* receiver)
    : m_lockstep(comparison), m_mailbox(std::move(mailbox)), m_receiver(receiver), m_timer(new QTimer(this)) {
    qRegisterMetaType<RunFrames>();
    m_lockstep.setAbortFlag(&m_abort);
    m_timer->setSingleShot(true);
    connect(m_timer, &QTimer::timeout, this, &ComparisonWorker::runBatch);
}

ComparisonWorker::~ComparisonWorker() = default;

void ComparisonWorker::drainCommands() {
    if (!m_shutdown.load()) m_abort.store(false);
    for (auto& command : m_mailbox->takeCommands()) command(*this);
    if (m_running && !m_timer->isActive()) scheduleNext(0);
}

void ComparisonWorker::notify(ComparisonMailbox::Event e) {
    m_mailbox->pushEvent(std::move(e));
    QMetaObject::invokeMethod(m_receiver, "drainMailbox", Qt::QueuedConnection);
}

void ComparisonWorker::setRunning(bool running) {
    if (running == m_running) return;
    m_running = running;
    if (running) {
        resetSpeedReference();
        scheduleNext(0);
    } else {
        m_timer->stop();
    }
    notify([running](ComparisonController& c) { c.onRunningChanged(running); });
}

void ComparisonWorker::resetSpeedReference() {
    m_wall.start();
    m_wallStartSim = m_lockstep.target();
}

void ComparisonWorker::scheduleNext(int delayMs) {
    if (m_running && !m_abort.load()) m_timer->start(delayMs);
}

void ComparisonWorker::play() {
    if (m_lockstep.target() >= m_lockstep.comparison().base.tEnd) reset();
    setRunning(true);
}

void ComparisonWorker::pause() {
    setRunning(false);
    publish(true);
}

void ComparisonWorker::stepOnce() {
    setRunning(false);
    try {
        m_lockstep.advance();
        m_dirty = true;
    } catch (const core::Aborted&) {
        return;
    } catch (const std::exception& e) {
        notify([message = QString::fromStdString(e.what())](ComparisonController& c) {
            emit c.numericalError(message);
        });
    }
    publish(true);
}

void ComparisonWorker::reset() {
    m_lockstep.reset();
    m_dirty = true;
    resetSpeedReference();
    publish(true);
}

void ComparisonWorker::setSpeed(double simulatedPerSecond) {
    m_speed = simulatedPerSecond;
    resetSpeedReference();
}

void ComparisonWorker::setThreads(int threads) {
    m_lockstep.setThreads(threads);
}

void ComparisonWorker::stopWithError(const std::string& message) {
    setRunning(false);
    notify([message = QString::fromStdString(message)](ComparisonController& c) {
        emit c.numericalError(message);
    });
}

void ComparisonWorker::publishNow() {
    publish(true);
}

void ComparisonWorker::runBatch() {
    if (!m_running || m_abort.load()) return;
    QElapsedTimer batch;
    batch.start();
    int delay = 0;
    const double tEnd = m_lockstep.comparison().base.tEnd;
    try {
        while (batch.elapsed() < kBatchBudgetMs) {
            if (m_lockstep.target() >= tEnd - 1e-12) {
                setRunning(false);
                publish(true);
                notify([tEnd](ComparisonController& c) { emit c.endReached(tEnd); });
                return;
            }
            if (m_speed > 0) {
                const double target =
                    m_wallStartSim + m_speed * static_cast<double>(m_wall.nsecsElapsed()) * 1e-9;
                // Too slow to keep up: the reference moves so that the lag stays bounded.
                const double lag = target - m_lockstep.target();
                if (lag > 0.25 * m_speed) m_wallStartSim -= lag - 0.25 * m_speed;
                if (m_lockstep.target() >= target) {
                    delay =
                        std::clamp(static_cast<int>((m_lockstep.target() - target) / m_speed * 1000), 1, 10);
                    break;
                }
            }
            m_lockstep.advance();
            m_dirty = true;
        }
    } catch (const core::Aborted&) {
        return;
    } catch (const std::exception& e) {
        stopWithError(e.what());
        return;
    }
    if (!m_sincePublish.isValid() || m_sincePublish.elapsed() >= 1000.0 / kMaxPublishHz) publish(false);
    scheduleNext(delay);
}

void ComparisonWorker::publish(bool force) {
    if (!force && (m_mailbox->framesWaiting() || !m_dirty)) return;
    if (m_abort.load()) return;
    core::FrameOptions options;
    options.observables = true;
    options.attention = false;
    RunFrames frames;
    try {
        m_lockstep.catchUp();  // after an interrupted tick some runs are behind
        for (int k = 0; k < m_lockstep.size(); ++k)
            frames.push_back(
                std::make_shared<const core::Frame>(m_lockstep.simulation(k).makeFrame(options)));
    } catch (const core::Aborted&) {
        return;
    } catch (const std::exception& e) {
        stopWithError(e.what());
        return;
    }
    m_dirty = false;
    m_sincePublish.start();
    m_mailbox->putFrames(std::move(frames));
    QMetaObject::invokeMethod(m_receiver, "drainMailbox", Qt::QueuedConnection);
}

ComparisonController::ComparisonController(const core::Comparison& comparison, QObject* parent)
    : QObject(parent), m_comparison(comparison), m_worker(new ComparisonWorker(comparison, m_mailbox, this)) {
    m_thread.setObjectName(QStringLiteral("comparison"));
    m_worker->moveToThread(&m_thread);
    connect(
        &m_thread, &QThread::finished, m_worker, [worker = m_worker] { worker->stopTimer(); },
        Qt::DirectConnection);
    connect(&m_thread, &QThread::finished, [mailbox = m_mailbox] { mailbox->markWorkerDone(); });
    startBehindDisplay(m_thread);
    post([](ComparisonWorker& w) { w.publishNow(); }, false);
}

ComparisonController::~ComparisonController() {
    shutdown();
}

void ComparisonController::shutdown() {
    if (m_shutDown) return;
    m_shutDown = true;
    m_worker->requestShutdown();
    m_thread.quit();
    m_thread.wait();
    m_mailbox->workerDone();
    delete m_worker;
    m_worker = nullptr;
}

template <typename F>
void ComparisonController::post(F&& f, bool interrupt) {
    if (m_shutDown) return;
    if (interrupt) m_worker->interrupt();
    m_mailbox->pushCommand(std::forward<F>(f));
    QMetaObject::invokeMethod(m_worker, "drainCommands", Qt::QueuedConnection);
}

void ComparisonController::drainMailbox() {
    for (auto& event : m_mailbox->takeEvents()) event(*this);
    RunFrames frames = m_mailbox->takeFrames();
    if (!frames.empty()) {
        m_latest = std::move(frames);
        emit framesAvailable(m_latest);
    }
}

void ComparisonController::onRunningChanged(bool running) {
    m_running = running;
    emit runningChanged(running);
}

void ComparisonController::play() {
    post([](ComparisonWorker& w) { w.play(); }, false);
}
void ComparisonController::pause() {
    post([](ComparisonWorker& w) { w.pause(); }, true);
}
void ComparisonController::togglePlay() {
    m_running ? pause() : play();
}
void ComparisonController::stepOnce() {
    // While paused a step in progress is an earlier Step: it is kept, so each press is one tick.
    post([](ComparisonWorker& w) { w.stepOnce(); }, m_running);
}
void ComparisonController::reset() {
    post([](ComparisonWorker& w) { w.reset(); }, true);
}
void ComparisonController::setSpeed(double simulatedPerSecond) {
    post([simulatedPerSecond](ComparisonWorker& w) { w.setSpeed(simulatedPerSecond); }, false);
}

void ComparisonController::setThreads(int threads) {
    post([threads](ComparisonWorker& w) { w.setThreads(threads); }, false);
}

}  // namespace attnsphere::app
