#include "app/SimulationController.h"

namespace attnsphere::app {

SimulationController::SimulationController(const core::Scenario& scenario, QObject* parent)
    : QObject(parent), m_worker(new SimulationWorker(scenario)), m_scenario(scenario) {
    m_thread.setObjectName(QStringLiteral("simulation"));
    m_worker->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    connect(m_worker, &SimulationWorker::frameReady, this, [this](std::shared_ptr<const core::Frame> frame) {
        m_latest = std::move(frame);
        // Taken: the worker may compute the next frame.
        m_worker->frameInFlight().store(false);
        emit frameAvailable(m_latest);
    });
    connect(m_worker, &SimulationWorker::runningChanged, this, [this](bool running) {
        m_running = running;
        emit runningChanged(running);
    });
    connect(m_worker, &SimulationWorker::scenarioChanged, this, [this](const core::Scenario& s) {
        m_scenario = s;
        emit scenarioChanged(s);
    });
    connect(m_worker, &SimulationWorker::numericalError, this, &SimulationController::numericalError);
    connect(m_worker, &SimulationWorker::editRejected, this, &SimulationController::editRejected);
    connect(m_worker, &SimulationWorker::statsUpdated, this, &SimulationController::statsUpdated);
    connect(m_worker, &SimulationWorker::exportFinished, this, &SimulationController::exportFinished);
    connect(m_worker, &SimulationWorker::recordFrame, this, &SimulationController::recordFrame);
    connect(m_worker, &SimulationWorker::sessionSaved, this, &SimulationController::sessionSaved);
    m_thread.start();
    post([](SimulationWorker* w) { w->publishNow(); });
}

SimulationController::~SimulationController() {
    shutdown();
}

void SimulationController::shutdown() {
    if (m_shutDown) return;
    m_shutDown = true;
    m_worker->abortFlag().store(true);
    m_thread.quit();
    m_thread.wait();
}

template <typename F>
void SimulationController::post(F&& f) {
    if (m_shutDown) return;
    SimulationWorker* worker = m_worker;
    QMetaObject::invokeMethod(
        worker, [worker, f = std::forward<F>(f)]() mutable { f(worker); }, Qt::QueuedConnection);
}

void SimulationController::play() {
    post([](SimulationWorker* w) { w->play(); });
}
void SimulationController::pause() {
    post([](SimulationWorker* w) { w->pause(); });
}
void SimulationController::togglePlay() {
    m_running ? pause() : play();
}
void SimulationController::stepOnce() {
    post([](SimulationWorker* w) { w->stepOnce(); });
}
void SimulationController::reset() {
    post([](SimulationWorker* w) { w->reset(); });
}
void SimulationController::setScenario(const core::Scenario& scenario) {
    post([scenario](SimulationWorker* w) { w->setScenario(scenario); });
}
void SimulationController::applyEdit(const core::Scenario& scenario) {
    post([scenario](SimulationWorker* w) { w->applyEdit(scenario); });
}
void SimulationController::setSpeed(double simulatedPerSecond) {
    m_speed = simulatedPerSecond;
    post([simulatedPerSecond](SimulationWorker* w) { w->setSpeed(simulatedPerSecond); });
}
void SimulationController::setThreads(int threads) {
    post([threads](SimulationWorker* w) { w->setThreads(threads); });
}
void SimulationController::exportData(const QString& directory, const QString& commandLine) {
    post([directory, commandLine](SimulationWorker* w) { w->exportData(directory, commandLine); });
}

void SimulationController::setRecording(int everySteps) {
    post([everySteps](SimulationWorker* w) { w->setRecording(everySteps); });
}
void SimulationController::recordFrameConsumed() {
    if (!m_shutDown) m_worker->recordPending().fetch_sub(1);  // an atomic: safe from this thread
}
void SimulationController::recordCamera(const core::SessionCamera& camera) {
    post([camera](SimulationWorker* w) { w->recordCamera(camera); });
}
void SimulationController::saveSession(const QString& path) {
    post([path](SimulationWorker* w) { w->saveSession(path); });
}

}  // namespace attnsphere::app
