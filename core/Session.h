#pragma once
// A session: a scenario plus the timeline of what the user changed while exploring it (model edits,
// perturbed positions, dt, integrator, resets) with the step at which each happened, and the camera
// path keyed by step. Saved as JSON by the GUI; `attnsphere render --session` replays it so that the
// trajectories equal the live run's (every event stores the resulting state, not a delta, so replay
// is exact). Plain data, no Qt; SessionLog logs on the worker thread, SessionPlayer replays on one
// thread.
#include "core/Camera.h"
#include "core/Scenario.h"
#include "core/Simulation.h"

#include <nlohmann/json_fwd.hpp>

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace attnsphere::core {

enum class SessionEventKind {
    Model,       // setModel(model): beta, kernel, heads, geometry edits
    Positions,   // setPositions(positions): perturbations, dragged, added or removed tokens (n may change)
    Dt,          // setDt(value)
    Integrator,  // setIntegrator(integrator)
    Reset,       // a fresh Simulation(scenario) (reset, new n, new seed): the step count restarts at 0
    Camera,      // the view's camera from this step on
    Fork,        // the run went back to an earlier state of its history and went on from there
    Scrub        // informational: the user looked at an earlier frame (no effect on replay)
};

template <>
std::span<const NameEntry<SessionEventKind>> nameTable<SessionEventKind>();

// Applied when the simulation's step count equals `step`, before that step is taken. Events are kept
// in the order they happened; a Reset's step is where the old segment ended, after it steps count from 0.
struct SessionEvent {
    std::int64_t step = 0;
    SessionEventKind kind = SessionEventKind::Camera;
    Model model;
    Matrix positions;
    Vector radii;      // Positions, Fork: the radii of Pre-LN / Peri-LN (empty otherwise)
    double value = 0;  // Dt
    IntegratorKind integrator = IntegratorKind::RK4;
    Scenario scenario;  // Reset
    Camera camera;
    // Fork: the restored state (positions above, t, dt = the integrator's next trial step in `value`,
    // stepDt = the last step taken) and otherStep = where the abandoned branch had got to.
    // Scrub: t and otherStep = the time and step of the frame looked at.
    double t = 0;
    double stepDt = 0;
    std::int64_t otherStep = 0;
};

// What a run's model, dt and integrator are after a prefix of its timeline.
struct SessionState {
    Model model;
    double dt = 0;
    IntegratorKind integrator = IntegratorKind::RK4;
};

struct Session {
    Scenario scenario;  // what the run started from
    std::vector<SessionEvent> timeline;
    std::int64_t endStep = 0;  // step count of the last segment when the session was saved

    // The model, dt and integrator in effect after the first `events` events of the timeline.
    SessionState stateAfter(std::size_t events) const;

    // JSON: {"format": "attnsphere-session", "version": 3, "scenario": {...}, "end_step": N,
    //        "timeline": [{"step": S, "kind":
    //        "model"|"positions"|"dt"|"integrator"|"reset"|"camera"|"fork"|"scrub", ...}]}
    // (doc/SESSIONS.md). Errors are ValidationError naming the JSON path.
    nlohmann::json toJson() const;
    static Session fromJson(const nlohmann::json& j);
    static Session fromFile(const std::string& path);
    void save(const std::string& path) const;  // written to a temporary name, then renamed
    // Steps of the whole session across resets: the sum over segments.
    std::int64_t totalSteps() const;
};

// A camera in a file ({"position", "focal_point", "view_up", "view_angle"}), shared by sessions and
// lectures. readCamera throws ValidationError under `path`.
nlohmann::json writeCamera(const Camera& camera);
Camera readCamera(const nlohmann::json& j, const std::string& path);

// Logs a live run (the GUI's SimulationWorker calls it between steps, on its thread).
class SessionLog {
public:
    explicit SessionLog(const Scenario& scenario) { m_session.scenario = scenario; }

    void logModel(std::int64_t step, const Model& model);
    // Positions may change n (tokens added or removed). Consecutive positions at the same step replace
    // each other (a drag between two steps).
    void logPositions(std::int64_t step, const Matrix& positions, const Vector& radii = {});
    void logDt(std::int64_t step, double dt);
    void logIntegrator(std::int64_t step, IntegratorKind integrator);
    void logReset(std::int64_t step, const Scenario& scenario);  // `step`: where the old segment ended
    // Consecutive camera keys at the same step replace each other (a drag between two steps).
    void logCamera(std::int64_t step, const Camera& camera);
    void setEndStep(std::int64_t step) { m_session.endStep = step; }
    // A fork: the events logged after the first `keep` are the abandoned branch and are dropped (the
    // session keeps the branch that runs on), then the fork is logged with the state it restored.
    void logFork(std::size_t keep, std::int64_t step, double t, const Matrix& positions, const Vector& radii,
                 double dt, double stepDt, std::int64_t abandonedStep);
    // Consecutive scrubs at the same step replace each other (a drag over the timeline while paused).
    void logScrub(std::int64_t step, double t, std::int64_t shownStep);
    std::size_t eventCount() const { return m_session.timeline.size(); }

    const Session& session() const { return m_session; }

private:
    void push(SessionEvent event);
    Session m_session;
};

// Replays a session on a Simulation it owns: step() applies every event due at the current step count,
// then takes one step (as the live worker did: edits land between steps, after the frame was shown). Throws
// ValidationError when an event does not fit (e.g. positions of the wrong size) with its timeline index.
class SessionPlayer {
public:
    explicit SessionPlayer(Session session);

    Simulation& simulation() { return *m_sim; }
    // Applied to the simulation now and to every simulation a Reset creates.
    void setThreads(int threads);
    void setAbortFlag(const std::atomic<bool>* abort);
    void applyDue();  // events due now (also called by step())
    void step();
    // True once the last segment is running and has reached endStep.
    bool finished() const;
    std::int64_t globalStep() const { return m_globalStep; }  // steps taken across all segments
    // Camera at the current step: linear between the surrounding keys of this segment, constant after
    // the last; empty when the session has no camera key yet.
    std::optional<Camera> camera() const;

private:
    Session m_session;
    std::unique_ptr<Simulation> m_sim;
    std::size_t m_next = 0;          // first event not yet applied
    std::size_t m_segmentBegin = 0;  // timeline index where the current segment starts
    std::int64_t m_globalStep = 0;
    int m_threads = 0;
    const std::atomic<bool>* m_abort = nullptr;
};

}  // namespace attnsphere::core
