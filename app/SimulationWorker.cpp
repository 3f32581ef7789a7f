#include "app/SimulationWorker.h"

#include "app/SimulationController.h"
#include "core/Errors.h"
#include "core/Manipulation.h"
#include "core/RunExport.h"

#include <nlohmann/json.hpp>

#include <QThread>

#include <cstdio>

#include <algorithm>
#include <cmath>

namespace attnsphere::app {
namespace {

constexpr int kBatchBudgetMs = 12;  // return to the event loop this often so commands apply promptly

constexpr double kMaxAttentionHz =
    5.0;  // full attention matrices cost about as much as the other observables

core::FrameOptions publishOptions(bool attention) {
    core::FrameOptions o;
    o.maxAttentionSize = SimulationWorker::kMaxAttentionSize;
    o.attention = attention;
    return o;
}

}  // namespace

SimulationWorker::SimulationWorker(const core::Scenario& scenario, std::shared_ptr<ThreadMailbox> mailbox,
                                   QObject* receiver)
    : m_scenario(scenario),
      m_session(scenario),
      m_mailbox(std::move(mailbox)),
      m_receiver(receiver),
      m_timer(new QTimer(this)) {
    qRegisterMetaType<std::shared_ptr<const core::Frame>>();
    qRegisterMetaType<core::Scenario>();
    m_timer->setSingleShot(true);
    connect(m_timer, &QTimer::timeout, this, &SimulationWorker::runBatch);
    rebuild();
}

SimulationWorker::~SimulationWorker() = default;

void SimulationWorker::drainCommands() {
    // An interrupt has done its work once the commands run: stepping may go on (not after shutdown).
    if (!m_shutdown.load()) m_abort.store(false);
    for (auto& command : m_mailbox->takeCommands()) command(*this);
    // A batch ended by the interrupt scheduled nothing.
    if (m_running && !m_timer->isActive()) scheduleNext(0);
}

void SimulationWorker::notify(ThreadMailbox::Event e) {
    m_mailbox->pushEvent(std::move(e));
    QMetaObject::invokeMethod(m_receiver, "drainMailbox", Qt::QueuedConnection);
}

void SimulationWorker::runningChanged(bool running) {
    notify([running](SimulationController& c) { c.onRunningChanged(running); });
}
void SimulationWorker::numericalError(const std::string& message) {
    // Where the run stopped, said once here for every source of the error (step, frame, record frame).
    char where[160];
    std::snprintf(where, sizeof where, "\n\nStopped at step %lld (t = %.6g).",
                  static_cast<long long>(m_sim->stepCount()), m_sim->time());
    notify([text = message + where](SimulationController& c) {
        emit c.numericalError(QString::fromStdString(text));
    });
}
void SimulationWorker::editRejected(const std::string& message) {
    busy({});
    notify([message](SimulationController& c) { emit c.editRejected(QString::fromStdString(message)); });
}
void SimulationWorker::scenarioChanged(const core::Scenario& scenario) {
    notify([scenario](SimulationController& c) { c.onScenarioChanged(scenario); });
}
void SimulationWorker::statsUpdated(double stepsPerSecond, double simulatedPerSecond) {
    notify([=](SimulationController& c) { emit c.statsUpdated(stepsPerSecond, simulatedPerSecond); });
}
void SimulationWorker::exportFinished(bool ok, const std::string& message) {
    notify([ok, message](SimulationController& c) {
        emit c.exportFinished(ok, QString::fromStdString(message));
    });
}
void SimulationWorker::sessionSaved(bool ok, const std::string& message) {
    notify(
        [ok, message](SimulationController& c) { emit c.sessionSaved(ok, QString::fromStdString(message)); });
}

void SimulationWorker::endReached(double tEnd) {
    notify([tEnd](SimulationController& c) { emit c.endReached(tEnd); });
}
void SimulationWorker::busy(const std::string& what) {
    if (what.empty() && !m_busy) return;
    m_busy = !what.empty();
    notify([what](SimulationController& c) { emit c.busy(QString::fromStdString(what)); });
}

void SimulationWorker::rebuild(bool logReset) {
    busy("Building n = " + std::to_string(m_scenario.n) + ", d = " + std::to_string(m_scenario.d) +
         ", H = " + std::to_string(m_scenario.heads.count) + " …");
    auto sim = std::make_unique<core::Simulation>(m_scenario);
    busy("Computing the first frame …");
    if (m_sim && logReset) m_session.logReset(m_sim->stepCount(), m_scenario);
    m_sim = std::move(sim);
    m_recordFrom = 0;
    m_sim->setAbortFlag(&m_abort);
    m_sim->setThreads(m_threads);
    m_history->clear();
    m_keptScenario.reset();
    m_publishedCount = 0;
    m_failed = false;
    m_dirtySincePublish = true;
    resetSpeedReference();
    // Rates are measured from the new run's step 0 (a reference from the old run gave negative steps/s).
    m_statsClock.restart();
    m_statsSteps = 0;
    m_statsSim = 0;
}

void SimulationWorker::resetSpeedReference() {
    m_wall.restart();
    m_wallStartSim = m_sim->time();
}

bool SimulationWorker::atEnd() const {
    return m_sim->time() >= m_scenario.tEnd * (1 - 1e-12);
}

void SimulationWorker::setRunning(bool running) {
    if (running == m_running) return;
    // Play at t_end starts the run again, as a media player does.
    if (running && atEnd() && !reset()) return;
    m_running = running;
    if (running) {
        resetSpeedReference();
        m_statsClock.start();
        m_statsSteps = m_sim->stepCount();
        m_statsSim = m_sim->time();
        scheduleNext(0);
    } else {
        m_timer->stop();
        statsUpdated(0.0, 0.0);
    }
    runningChanged(running);
}

void SimulationWorker::scheduleNext(int delayMs) {
    if (m_running && !m_abort.load()) m_timer->start(delayMs);
}

void SimulationWorker::play() {
    setRunning(true);
}

void SimulationWorker::pause() {
    setRunning(false);
    publish(true);
}

void SimulationWorker::stepOnce() {
    setRunning(false);
    try {
        m_sim->step();
        m_dirtySincePublish = true;
        emitRecordFrameIfDue();
    } catch (const core::NumericalError& e) {
        numericalError(std::string(e.what()));
    } catch (const core::Aborted&) {
        return;
    }
    publish(true);
}

bool SimulationWorker::reset() {
    try {
        rebuild();
    } catch (const std::exception& e) {
        editRejected(std::string(e.what()));
        return false;
    }
    publish(true);
    return true;
}

void SimulationWorker::setScenario(const core::Scenario& scenario) {
    m_pauseAt.reset();  // a pause time belongs to the run it was set for
    const core::Scenario previous = m_scenario;
    try {
        scenario.validate();
        m_scenario = scenario;
        m_keptScenario.reset();
        rebuild(false);
        m_session = core::SessionLog(m_scenario);  // a new scenario starts a new session
    } catch (const std::exception& e) {
        m_scenario = previous;
        editRejected(std::string(e.what()));
        return;
    }
    scenarioChanged(m_scenario);
    publish(true);
}

void SimulationWorker::applyEdit(const core::Scenario& edited) {
    try {
        edited.validate();
    } catch (const std::exception& e) {
        editRejected(std::string(e.what()));
        return;
    }
    const nlohmann::json before = m_scenario.toJson(), after = edited.toJson();
    auto changed = [&](const char* key) {
        return before.value(key, nlohmann::json()) != after.value(key, nlohmann::json());
    };
    const bool reinit = edited.n != m_scenario.n || edited.d != m_scenario.d ||
                        edited.seed != m_scenario.seed || changed("init");
    const core::Scenario previous = m_scenario;
    try {
        if (reinit) {
            m_scenario = edited;
            m_keptScenario.reset();
            rebuild();
        } else {
            const core::Model model = edited.buildModel();
            m_failed = false;
            // Noise refuses the adaptive integrator: leave it before the temperature rises, and enter
            // it after the temperature fell (the edited scenario is valid, so one order works).
            const bool integratorChanged = edited.integrator != m_scenario.integrator;
            const bool integratorFirst = edited.integrator != core::IntegratorKind::DormandPrince;
            auto setIntegrator = [&] {
                m_sim->setIntegrator(edited.integrator);
                m_session.logIntegrator(m_sim->stepCount(), edited.integrator);
            };
            if (integratorChanged && integratorFirst) setIntegrator();
            m_sim->setModel(model);
            m_session.logModel(m_sim->stepCount(), model);
            if (edited.dt != m_scenario.dt) {
                m_sim->setDt(edited.dt);
                m_session.logDt(m_sim->stepCount(), edited.dt);
            }
            if (integratorChanged && !integratorFirst) setIntegrator();
            m_scenario = edited;
            m_keptScenario.reset();
        }
    } catch (const std::exception& e) {
        // The running simulation is unchanged: so is the scenario it runs (as in setScenario).
        m_scenario = previous;
        m_keptScenario.reset();
        editRejected(std::string(e.what()));
        return;
    }
    m_dirtySincePublish = true;
    scenarioChanged(m_scenario);
    resetSpeedReference();
    publish(true);
}

void SimulationWorker::setSpeed(double simulatedPerSecond) {
    m_speed = simulatedPerSecond;
    resetSpeedReference();
}

void SimulationWorker::setLoop(bool loop) {
    m_loop = loop;
}

void SimulationWorker::setPauseAt(std::optional<double> t) {
    m_pauseAt = t;
}

void SimulationWorker::setThreads(int threads) {
    m_threads = threads;
    m_sim->setThreads(threads);
}

void SimulationWorker::runBatch() {
    if (!m_running || m_abort.load()) return;
    QElapsedTimer batch;
    batch.start();
    int delay = 0;
    try {
        while (batch.elapsed() < kBatchBudgetMs) {
            if (atEnd()) {
                if (!m_loop) {
                    setRunning(false);
                    publish(true);
                    endReached(m_scenario.tEnd);
                    return;
                }
                rebuild();
                publish(true);
                continue;
            }
            // Time accumulates dt in floating point: a step within this of the pause time reaches it.
            if (m_pauseAt && m_sim->time() >= *m_pauseAt - 1e-9 * std::max(1.0, *m_pauseAt)) {
                m_pauseAt.reset();
                setRunning(false);
                publish(true);
                return;
            }
            if (m_recordEvery > 0 && m_mailbox->recordPending() >= kMaxRecordPending) {
                delay = 2;  // the recorder is behind: wait for it rather than drop frames
                break;
            }
            if (m_speed > 0) {
                const double target = m_wallStartSim + m_speed * m_wall.nsecsElapsed() * 1e-9;
                // Too slow to keep up (slow steps, a waiting recorder): move the reference forward so the
                // lag stays bounded and the run does not race to catch up afterwards.
                const double lag = target - m_sim->time();
                if (lag > 0.25 * m_speed) m_wallStartSim -= lag - 0.25 * m_speed;
                if (m_sim->time() >= target) {
                    const double ahead = (m_sim->time() - target) / m_speed;
                    delay = std::clamp(static_cast<int>(ahead * 1000), 1, 10);
                    break;
                }
            }
            m_sim->step();
            m_dirtySincePublish = true;
            emitRecordFrameIfDue();
        }
    } catch (const core::Aborted&) {
        return;
    } catch (const core::NumericalError& e) {
        setRunning(false);
        numericalError(std::string(e.what()));
        publish(true, false);  // the state the error left, if it can be shown (one dialog, not two)
        return;
    } catch (const std::exception& e) {
        setRunning(false);
        editRejected(std::string(e.what()));
        return;
    }
    if (m_sincePublish.isValid() ? m_sincePublish.elapsed() >= 1000.0 / kMaxPublishHz : true) publish(false);
    if (m_statsClock.elapsed() >= 500) {
        const double seconds = m_statsClock.nsecsElapsed() * 1e-9;
        statsUpdated((m_sim->stepCount() - m_statsSteps) / seconds, (m_sim->time() - m_statsSim) / seconds);
        m_statsClock.restart();
        m_statsSteps = m_sim->stepCount();
        m_statsSim = m_sim->time();
    }
    scheduleNext(delay);
}

void SimulationWorker::publishNow() {
    publish(true);
}

void SimulationWorker::publish(bool force, bool reportErrors) {
    if (!force && (m_mailbox->frameWaiting() || !m_dirtySincePublish)) return;
    if (m_abort.load() || m_failed) return;
    std::shared_ptr<const core::Frame> frame;
    // Heatmaps refresh at most kMaxAttentionHz; forced frames (pause, step, edits) always carry them.
    const bool attention =
        force || !m_sinceAttention.isValid() || m_sinceAttention.elapsed() >= 1000.0 / kMaxAttentionHz;
    try {
        frame = std::make_shared<const core::Frame>(m_sim->makeFrame(publishOptions(attention)));
        if (attention) m_sinceAttention.start();
    } catch (const core::Aborted&) {
        return;
    } catch (const std::exception& e) {
        // Reported once: later publishes of the same state would fail the same way.
        m_failed = true;
        setRunning(false);
        busy({});
        if (reportErrors) numericalError(std::string(e.what()));
        return;
    }
    keepInHistory(*frame);
    m_dirtySincePublish = false;
    m_sincePublish.start();
    m_mailbox->putFrame(std::move(frame));
    QMetaObject::invokeMethod(m_receiver, "drainMailbox", Qt::QueuedConnection);
    busy({});
}

void SimulationWorker::keepInHistory(const core::Frame& frame) {
    if (!frame.hasObservables) return;
    if (!m_keptScenario) m_keptScenario = std::make_shared<const core::Scenario>(m_scenario);
    HistoryEntry entry;
    entry.frame = std::make_shared<const core::Frame>(History::slim(frame));
    entry.dt = m_sim->dt();
    entry.stepDt = m_sim->stepDt();
    entry.logEvents = m_session.eventCount();
    entry.scenario = m_keptScenario;
    entry.index = m_publishedCount++;
    m_history->append(std::move(entry));
}

void SimulationWorker::showHistoryFrame(const HistoryEntry& entry, int generation) {
    // A newer scrub is queued behind this one, or the frame is of an earlier run (its log is gone).
    if (generation != m_scrubRequested.load() || entry.run != m_history->run()) return;
    const core::Frame& kept = *entry.frame;
    try {
        const core::SessionState state = m_session.session().stateAfter(entry.logEvents);
        auto frame = std::make_shared<core::Frame>(core::computeFrame(state.model, kept.positions, kept.t,
                                                                      kept.step, publishOptions(true),
                                                                      m_threads, entry.stepDt, &m_abort));
        frame->scenarioName = kept.scenarioName;
        frame->radii = kept.radii;
        m_session.logScrub(m_sim->stepCount(), kept.t, kept.step);
        notify([frame = std::shared_ptr<const core::Frame>(std::move(frame)),
                generation](SimulationController& c) { c.onHistoryFrame(frame, generation); });
    } catch (const core::Aborted&) {
        return;
    } catch (const std::exception& e) {
        editRejected(std::string(e.what()));
    }
}

void SimulationWorker::forkFrom(const HistoryEntry& entry) {
    const core::Frame& kept = *entry.frame;
    try {
        if (entry.run != m_history->run())
            throw std::runtime_error("the frame to fork from belongs to an earlier run (reset since)");
        const core::SessionState state = m_session.session().stateAfter(entry.logEvents);
        const std::int64_t abandoned = m_sim->stepCount();
        m_sim->setModel(state.model);
        m_sim->setIntegrator(state.integrator);
        m_sim->setDt(state.dt);
        m_sim->restore(kept.positions, kept.t, kept.step, entry.dt, entry.stepDt, kept.radii);
        m_session.logFork(entry.logEvents, kept.step, kept.t, kept.positions, m_sim->radii(), entry.dt,
                          entry.stepDt, abandoned);
        m_history->truncateAfter(entry.index);
        if (entry.scenario) m_scenario = *entry.scenario;
        m_keptScenario = entry.scenario;
    } catch (const std::exception& e) {
        editRejected(std::string(e.what()));
        return;
    }
    m_failed = false;
    m_dirtySincePublish = true;
    m_recordFrom = m_sim->stepCount();
    scenarioChanged(m_scenario);
    resetSpeedReference();
    publish(true);
}

void SimulationWorker::setRecording(int everySteps, bool attention) {
    m_recordEvery = std::max(0, everySteps);
    m_recordAttention = attention;
    m_recordFrom = m_sim->stepCount();
    m_recordGeneration = m_mailbox->startRecording();
    resetSpeedReference();  // time spent waiting for the recorder is not caught up afterwards
    try {
        emitRecordFrameIfDue();  // the first frame shows the state recording started from
    } catch (const core::NumericalError& e) {
        numericalError(std::string(e.what()));
    }
}

void SimulationWorker::emitRecordFrameIfDue() {
    if (m_recordEvery <= 0 || (m_sim->stepCount() - m_recordFrom) % m_recordEvery != 0) return;
    std::shared_ptr<const core::Frame> frame =
        std::make_shared<const core::Frame>(m_sim->makeFrame(publishOptions(m_recordAttention)));
    m_mailbox->recordSent();
    notify([frame, generation = m_recordGeneration](SimulationController& c) {
        c.onRecordFrame(frame, generation);
    });
}

void SimulationWorker::logCamera(const core::Camera& camera) {
    m_session.logCamera(m_sim->stepCount(), camera);
}

void SimulationWorker::saveSession(const std::string& path) {
    try {
        m_session.setEndStep(m_sim->stepCount());
        m_session.session().save(path);
        sessionSaved(true, "Saved the session (" + std::to_string(m_session.session().timeline.size()) +
                               " events, " + std::to_string(m_session.session().totalSteps()) +
                               " steps) to " + path + "; replay it with `attnsphere render --session " +
                               path + "`");
    } catch (const std::exception& e) {
        sessionSaved(false, e.what());
    }
}

void SimulationWorker::exportData(const std::string& directory, const std::vector<std::string>& commandLine) {
    try {
        const std::vector<HistoryEntry> kept = m_history->snapshot();
        if (kept.empty()) throw std::runtime_error("no frames have been published yet");
        const HistoryThinning thinning = m_history->thinning();
        const std::string which = thinning.stride == 1 ? "every published frame" : thinning.text();
        core::RunInfo info;
        info.writer = "gui";
        info.commandLine = commandLine;
        info.threads = m_threads;
        info.note = "the timeline's history of frames published to the display (" + which + ")";
        core::RunExport out(directory, m_scenario, info);
        for (const HistoryEntry& e : kept) out.addFrame(*e.frame);
        out.commit();
        char text[240];
        std::snprintf(text, sizeof text, "Exported %d frames (t = %g … %g, %s) to ", out.frameCount(),
                      kept.front().frame->t, kept.back().frame->t, which.c_str());
        exportFinished(true, text + directory);
    } catch (const std::exception& e) {
        exportFinished(false, e.what());
    }
}

void SimulationWorker::setPositions(const core::Matrix& positions, const core::Vector& radii) {
    const auto n = m_sim->positions().cols();
    try {
        m_sim->setPositions(positions, radii);
    } catch (const std::exception& e) {
        editRejected(std::string(e.what()));
        return;
    }
    // An export holds frames of one shape: a new n starts the history afresh (as the panels restart), and
    // so a fork never goes back across a change of n.
    if (positions.cols() != n) m_history->clear();
    m_failed = false;
    m_session.logPositions(m_sim->stepCount(), m_sim->positions(), m_sim->radii());
    m_dirtySincePublish = true;
    publish(true);
}

void SimulationWorker::moveToken(int index, const core::Vector& position) {
    const core::Matrix& X = m_sim->positions();
    // The token may be gone (removed, or a reset) by the time a drag's move arrives.
    if (index < 0 || index >= X.cols() || position.size() != X.rows()) return;
    core::Matrix Y = X;
    Y.col(index) = position;
    setPositions(Y);
}

void SimulationWorker::perturb(std::uint64_t seed, double angle, const std::vector<int>& indices) {
    try {
        setPositions(core::perturb(m_sim->positions(), m_sim->model().geometry, seed, angle, indices));
    } catch (const std::exception& e) {
        editRejected(std::string(e.what()));
    }
}

void SimulationWorker::addToken(const core::Vector& position) {
    try {
        // An added token takes the mean radius of the others (Pre-LN / Peri-LN).
        core::Vector radii = m_sim->radii();
        if (radii.size() > 0) {
            radii.conservativeResize(radii.size() + 1);
            radii(radii.size() - 1) = m_sim->radii().mean();
        }
        setPositions(core::withToken(m_sim->positions(), position), radii);
    } catch (const std::exception& e) {
        editRejected(std::string(e.what()));
    }
}

void SimulationWorker::removeToken(int index) {
    try {
        core::Vector radii = m_sim->radii();
        if (radii.size() > index) {
            radii.segment(index, radii.size() - index - 1) = m_sim->radii().tail(radii.size() - index - 1);
            radii.conservativeResize(radii.size() - 1);
        }
        setPositions(core::withoutToken(m_sim->positions(), index), radii);
    } catch (const std::exception& e) {
        editRejected(std::string(e.what()));
    }
}

}  // namespace attnsphere::app
