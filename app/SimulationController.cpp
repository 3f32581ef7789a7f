#include "app/SimulationController.h"

#include <algorithm>
#include <cmath>

namespace attnsphere::app {

SimulationController::SimulationController(const core::Scenario& scenario, QObject* parent)
    : QObject(parent), m_worker(new SimulationWorker(scenario, m_mailbox, this)), m_scenario(scenario) {
    m_history = m_worker->history();
    m_thread.setObjectName(QStringLiteral("simulation"));
    m_worker->moveToThread(&m_thread);
    // Emitted in the worker thread as it ends: its timer stops in the thread it belongs to (stopping it
    // from the GUI thread in the destructor printed "Timers cannot be stopped from another thread").
    connect(
        &m_thread, &QThread::finished, m_worker, [worker = m_worker] { worker->stopTimer(); },
        Qt::DirectConnection);
    connect(&m_thread, &QThread::finished, [mailbox = m_mailbox] { mailbox->markWorkerDone(); });
    m_thread.start();
    post([](SimulationWorker& w) { w.publishNow(); });
}

void SimulationController::drainMailbox() {
    for (auto& event : m_mailbox->takeEvents()) event(*this);
    if (auto frame = m_mailbox->takeFrame()) {
        // Taken: the worker may compute the next frame.
        m_latest = std::move(frame);
        emit frameAvailable(m_latest);
    }
}

void SimulationController::onRunningChanged(bool running) {
    m_running = running;
    emit runningChanged(running);
}

void SimulationController::onRecordFrame(std::shared_ptr<const core::Frame> frame, int generation) {
    if (generation != m_mailbox->recordGeneration()) return;
    m_recordDelivered.push_back(generation);
    emit recordFrame(std::move(frame));
}

double SimulationController::playbackSpeed(const core::Scenario& scenario) {
    const double speed = scenario.tEnd / kPlaybackSeconds;
    // Two significant digits, as the speed box shows it.
    const double unit = std::pow(10.0, std::floor(std::log10(speed)) - 1);
    return std::clamp(std::round(speed / unit) * unit, 0.01, 1000.0);
}

void SimulationController::onScenarioChanged(const core::Scenario& scenario) {
    m_scenario = scenario;
    emit scenarioChanged(scenario);
}

SimulationController::~SimulationController() {
    shutdown();
}

void SimulationController::shutdown() {
    if (m_shutDown) return;
    m_shutDown = true;
    m_worker->requestShutdown();
    m_thread.quit();
    m_thread.wait();
    m_mailbox->workerDone();
    // Deleted here, after the join, rather than by deleteLater in its own thread: the join is a
    // synchronisation point that ThreadSanitizer can see.
    delete m_worker;
    m_worker = nullptr;
}

template <typename F>
void SimulationController::post(F&& f) {
    if (m_shutDown) return;
    m_mailbox->pushCommand(std::forward<F>(f));
    QMetaObject::invokeMethod(m_worker, "drainCommands", Qt::QueuedConnection);
}

template <typename F>
void SimulationController::postNow(F&& f) {
    if (m_shutDown) return;
    m_worker->interrupt();
    post(std::forward<F>(f));
}

void SimulationController::play() {
    post([](SimulationWorker& w) { w.play(); });
}
void SimulationController::pause() {
    postNow([](SimulationWorker& w) { w.pause(); });
}
void SimulationController::togglePlay() {
    m_running ? pause() : play();
}
void SimulationController::stepOnce() {
    // While paused, the only work in progress may be an earlier Step: interrupting it would drop that
    // press, so steps queue. While running, Step pauses at once (the batch step is abandoned).
    const auto step = [](SimulationWorker& w) { w.stepOnce(); };
    if (m_running)
        postNow(step);
    else
        post(step);
}
void SimulationController::reset() {
    postNow([](SimulationWorker& w) { w.reset(); });
}
void SimulationController::setScenario(const core::Scenario& scenario) {
    postNow([scenario](SimulationWorker& w) { w.setScenario(scenario); });
}
void SimulationController::applyEdit(const core::Scenario& scenario) {
    postNow([scenario](SimulationWorker& w) { w.applyEdit(scenario); });
}
void SimulationController::setSpeed(double simulatedPerSecond) {
    m_speed = simulatedPerSecond;
    post([simulatedPerSecond](SimulationWorker& w) { w.setSpeed(simulatedPerSecond); });
}
void SimulationController::setLoop(bool loop) {
    m_loop = loop;
    post([loop](SimulationWorker& w) { w.setLoop(loop); });
}
void SimulationController::setPauseAt(std::optional<double> t) {
    post([t](SimulationWorker& w) { w.setPauseAt(t); });
}
void SimulationController::setThreads(int threads) {
    post([threads](SimulationWorker& w) { w.setThreads(threads); });
}
void SimulationController::exportData(const QString& directory, const QStringList& arguments) {
    std::vector<std::string> args;
    for (const QString& a : arguments) args.push_back(a.toStdString());
    post([d = directory.toStdString(), c = std::move(args)](SimulationWorker& w) { w.exportData(d, c); });
}

}  // namespace attnsphere::app

namespace attnsphere::app {

void SimulationController::setRecording(int everySteps, bool attention) {
    post([everySteps, attention](SimulationWorker& w) { w.setRecording(everySteps, attention); });
}
void SimulationController::recordFrameConsumed() {
    if (m_recordDelivered.empty()) return;
    m_mailbox->recordConsumed(m_recordDelivered.front());
    m_recordDelivered.pop_front();
}

void SimulationController::logCamera(const core::Camera& camera) {
    post([camera](SimulationWorker& w) { w.logCamera(camera); });
}
void SimulationController::saveSession(const QString& path) {
    post([p = path.toStdString()](SimulationWorker& w) { w.saveSession(p); });
}

void SimulationController::showHistoryFrame(const HistoryEntry& entry) {
    const int generation = ++m_scrubGeneration;
    m_worker->requestScrub(generation);
    post([entry, generation](SimulationWorker& w) { w.showHistoryFrame(entry, generation); });
}
void SimulationController::forkFrom(const HistoryEntry& entry) {
    // A scrubbed frame still on its way is not shown after the fork.
    m_scrubCutoff = ++m_scrubGeneration;
    postNow([entry](SimulationWorker& w) { w.forkFrom(entry); });
}
void SimulationController::setHistoryBudget(std::size_t bytes) {
    post([bytes](SimulationWorker& w) { w.setHistoryBudget(bytes); });
}
void SimulationController::onHistoryFrame(std::shared_ptr<const core::Frame> frame, int generation) {
    // A frame for an older scrub than the newest is still newer than the one shown: showing it keeps the
    // panels moving while the newest is computed.
    if (generation <= m_shownScrub || generation <= m_scrubCutoff) return;
    m_shownScrub = generation;
    emit historyFrame(std::move(frame));
}

}  // namespace attnsphere::app

namespace attnsphere::app {

void SimulationController::setPositions(const core::Matrix& positions) {
    postNow([positions](SimulationWorker& w) { w.setPositions(positions); });
}
void SimulationController::moveToken(int index, const core::Vector& position) {
    postNow([index, position](SimulationWorker& w) { w.moveToken(index, position); });
}
void SimulationController::perturb(quint64 seed, double angle, const std::vector<int>& indices) {
    postNow([seed, angle, indices](SimulationWorker& w) { w.perturb(seed, angle, indices); });
}
void SimulationController::addToken(const core::Vector& position) {
    postNow([position](SimulationWorker& w) { w.addToken(position); });
}
void SimulationController::removeToken(int index) {
    postNow([index](SimulationWorker& w) { w.removeToken(index); });
}

}  // namespace attnsphere::app
