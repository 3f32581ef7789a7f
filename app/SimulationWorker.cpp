#include "app/SimulationWorker.h"

#include "core/Errors.h"
#include "core/RunExport.h"

#include <nlohmann/json.hpp>

#include <QThread>

#include <algorithm>
#include <cmath>

namespace attnsphere::app {
namespace {

constexpr int kBatchBudgetMs = 12;  // return to the event loop this often so commands apply promptly

constexpr double kMaxAttentionHz =
    5.0;  // full attention matrices cost about as much as the other observables

core::FrameOptions publishOptions(bool attention) {
    core::FrameOptions o;
    o.maxAttentionSize = 200;
    o.attention = attention;
    return o;
}

std::size_t frameBytes(const core::Frame& f) {
    std::size_t bytes = sizeof(core::Frame) + static_cast<std::size_t>(f.positions.size()) * sizeof(double);
    for (const auto& h : f.heads)
        bytes +=
            sizeof(h) + static_cast<std::size_t>(h.entropy.size() + h.radial.size() + h.tangential.size()) *
                            sizeof(double);
    return bytes + f.clusterLabels.size() * sizeof(int);
}

}  // namespace

SimulationWorker::SimulationWorker(const core::Scenario& scenario)
    : m_scenario(scenario), m_timer(new QTimer(this)), m_session(scenario) {
    qRegisterMetaType<std::shared_ptr<const core::Frame>>();
    qRegisterMetaType<core::Scenario>();
    qRegisterMetaType<core::SessionCamera>();
    m_timer->setSingleShot(true);
    connect(m_timer, &QTimer::timeout, this, &SimulationWorker::runBatch);
    rebuild();
}

SimulationWorker::~SimulationWorker() = default;

void SimulationWorker::rebuild() {
    m_sim = std::make_unique<core::Simulation>(m_scenario);
    m_sim->setAbortFlag(&m_abort);
    m_sim->setThreads(m_threads);
    m_history.clear();
    m_historyBytes = 0;
    m_historyStride = 1;
    m_publishedCount = 0;
    m_wall.restart();
    m_wallStartSim = 0;
    m_dirtySincePublish = true;
}

void SimulationWorker::setRunning(bool running) {
    if (running == m_running) return;
    m_running = running;
    if (running) {
        m_wall.start();
        m_wallStartSim = m_sim->time();
        m_statsClock.start();
        m_statsSteps = m_sim->stepCount();
        m_statsSim = m_sim->time();
        scheduleNext(0);
    } else {
        m_timer->stop();
        emit statsUpdated(0.0, 0.0);
    }
    emit runningChanged(running);
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
        emit numericalError(QString::fromStdString(e.what()));
    } catch (const core::Aborted&) {
        return;
    }
    publish(true);
}

void SimulationWorker::reset() {
    const std::int64_t endedAt = m_sim->stepCount();
    try {
        rebuild();
        m_session.recordReset(endedAt, m_scenario);
        m_recordFrom = 0;
    } catch (const std::exception& e) {
        emit editRejected(QString::fromStdString(e.what()));
        return;
    }
    if (m_running) {
        m_wall.restart();
        m_wallStartSim = 0;
    }
    publish(true);
}

void SimulationWorker::setScenario(const core::Scenario& scenario) {
    const core::Scenario previous = m_scenario;
    try {
        scenario.validate();
        m_scenario = scenario;
        rebuild();
        m_session = core::SessionLog(m_scenario);  // another scenario: another session
        m_recordFrom = 0;
    } catch (const std::exception& e) {
        m_scenario = previous;
        emit editRejected(QString::fromStdString(e.what()));
        return;
    }
    emit scenarioChanged(m_scenario);
    if (m_running) {
        m_wall.restart();
        m_wallStartSim = 0;
    }
    publish(true);
}

void SimulationWorker::applyEdit(const core::Scenario& edited) {
    try {
        edited.validate();
    } catch (const std::exception& e) {
        emit editRejected(QString::fromStdString(e.what()));
        return;
    }
    const nlohmann::json before = m_scenario.toJson(), after = edited.toJson();
    auto changed = [&](const char* key) {
        return before.value(key, nlohmann::json()) != after.value(key, nlohmann::json());
    };
    const bool reinit = edited.n != m_scenario.n || edited.d != m_scenario.d ||
                        edited.seed != m_scenario.seed || changed("init");
    try {
        if (reinit) {
            const std::int64_t endedAt = m_sim->stepCount();
            m_scenario = edited;
            rebuild();
            m_session.recordReset(endedAt, m_scenario);
            m_recordFrom = 0;
        } else {
            const core::Model model = edited.buildModel();
            const std::int64_t step = m_sim->stepCount();
            m_sim->setModel(model);
            m_session.recordModel(step, m_sim->model());
            if (edited.dt != m_scenario.dt) {
                m_sim->setDt(edited.dt);
                m_session.recordDt(step, edited.dt);
            }
            if (edited.integrator != m_scenario.integrator) {
                m_sim->setIntegrator(edited.integrator);
                m_session.recordIntegrator(step, edited.integrator);
            }
            m_scenario = edited;
        }
    } catch (const std::exception& e) {
        emit editRejected(QString::fromStdString(e.what()));
        return;
    }
    m_dirtySincePublish = true;
    emit scenarioChanged(m_scenario);
    if (m_running) {
        m_wall.restart();
        m_wallStartSim = m_sim->time();
    }
    publish(true);
}

void SimulationWorker::setSpeed(double simulatedPerSecond) {
    m_speed = simulatedPerSecond;
    m_wall.restart();
    m_wallStartSim = m_sim->time();
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
            if (m_recordEvery > 0 && m_recordPending.load() >= kMaxRecordPending) {
                delay = 2;  // the recorder is behind: wait for it rather than drop frames
                break;
            }
            if (m_speed > 0) {
                const double target = m_wallStartSim + m_speed * m_wall.nsecsElapsed() * 1e-9;
                // Too slow to keep up: do not build an ever-growing lag.
                if (target - m_sim->time() > 0.25 * m_speed)
                    m_wallStartSim += target - m_sim->time() - 0.25 * m_speed;
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
        emit numericalError(QString::fromStdString(e.what()));
        return;
    }
    if (m_sincePublish.isValid() ? m_sincePublish.elapsed() >= 1000.0 / kMaxPublishHz : true) publish(false);
    if (m_statsClock.elapsed() >= 500) {
        const double seconds = m_statsClock.nsecsElapsed() * 1e-9;
        emit statsUpdated((m_sim->stepCount() - m_statsSteps) / seconds,
                          (m_sim->time() - m_statsSim) / seconds);
        m_statsClock.restart();
        m_statsSteps = m_sim->stepCount();
        m_statsSim = m_sim->time();
    }
    scheduleNext(delay);
}

void SimulationWorker::publishNow() {
    publish(true);
}

void SimulationWorker::publish(bool force) {
    if (!force && (m_inFlight.load() || !m_dirtySincePublish)) return;
    if (m_abort.load()) return;
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
        setRunning(false);
        emit numericalError(QString::fromStdString(e.what()));
        return;
    }
    record(*frame);
    m_dirtySincePublish = false;
    m_sincePublish.start();
    m_inFlight.store(true);
    emit frameReady(std::move(frame));
}

void SimulationWorker::record(const core::Frame& frame) {
    if (!frame.hasObservables) return;
    if (!m_history.empty() && m_history.back()->step == frame.step && m_history.back()->t == frame.t) return;
    if (m_publishedCount++ % m_historyStride != 0) return;
    auto copy = std::make_shared<core::Frame>(frame);
    for (auto& h : copy->heads) h.attention.resize(0, 0);  // heatmaps are not exported
    m_historyBytes += frameBytes(*copy);
    m_history.push_back(std::move(copy));
    // Over budget: keep every other frame, so the history still spans the whole run.
    while (m_historyBytes > kHistoryBudgetBytes && m_history.size() > 2) {
        std::deque<std::shared_ptr<const core::Frame>> thinned;
        m_historyBytes = 0;
        for (std::size_t k = 0; k < m_history.size(); k += 2) {
            m_historyBytes += frameBytes(*m_history[k]);
            thinned.push_back(m_history[k]);
        }
        m_history.swap(thinned);
        m_historyStride *= 2;
    }
}

void SimulationWorker::setRecording(int everySteps) {
    m_recordEvery = std::max(0, everySteps);
    m_recordFrom = m_sim->stepCount();
    m_recordPending.store(0);
    emitRecordFrameIfDue();  // the first frame shows the state recording started from
}

void SimulationWorker::emitRecordFrameIfDue() {
    if (m_recordEvery <= 0 || (m_sim->stepCount() - m_recordFrom) % m_recordEvery != 0) return;
    auto frame = std::make_shared<const core::Frame>(m_sim->makeFrame(publishOptions(false)));
    m_recordPending.fetch_add(1);
    emit recordFrame(std::move(frame));
}

void SimulationWorker::recordCamera(const core::SessionCamera& camera) {
    m_session.recordCamera(m_sim->stepCount(), camera);
}

void SimulationWorker::saveSession(const QString& path) {
    try {
        m_session.setEndStep(m_sim->stepCount());
        m_session.session().save(path.toStdString());
        emit sessionSaved(true,
                          QStringLiteral("Session saved to %1 (%2 steps; re-render with attnsphere render "
                                         "--session %1 --out FILE)")
                              .arg(path)
                              .arg(m_session.session().totalSteps()));
    } catch (const std::exception& e) {
        emit sessionSaved(false, QString::fromStdString(e.what()));
    }
}

void SimulationWorker::exportData(const QString& directory, const QString& commandLine) {
    try {
        if (m_history.empty()) throw std::runtime_error("no frames have been published yet");
        nlohmann::json extra;
        extra["command_line"] = commandLine.toStdString();
        extra["source"] = "attnsphere GUI: frames published to the display";
        extra["frame_stride"] = m_historyStride;
        core::RunExport out(directory.toStdString(), m_scenario, extra);
        for (const auto& f : m_history) out.addFrame(*f);
        out.commit();
        emit exportFinished(
            true, QStringLiteral("Exported %1 frames (t = %2 … %3; every %4. published frame) to %5")
                      .arg(out.frameCount())
                      .arg(m_history.front()->t)
                      .arg(m_history.back()->t)
                      .arg(m_historyStride)
                      .arg(directory));
    } catch (const std::exception& e) {
        emit exportFinished(false, QString::fromStdString(e.what()));
    }
}

}  // namespace attnsphere::app
