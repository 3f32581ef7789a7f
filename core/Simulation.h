#pragma once
// Owns the state (positions, time, model, integrator) and advances it. Not thread-safe: in the GUI the
// SimulationWorker owns it and nothing else touches it (doc/ARCHITECTURE.md).
#include "core/Dynamics.h"
#include "core/Frame.h"
#include "core/Scenario.h"
#include "core/TheoryOverlay.h"

#include <atomic>
#include <cstdint>

namespace attnsphere::core {

class Simulation {
public:
    explicit Simulation(const Scenario& scenario);  // builds model and positions from the scenario

    // One step: Euler (+renormalise), RK4 on the projected field (+renormalise), or one accepted
    // Dormand–Prince step (dt adapts within [1e-9, scenario dt * 10]). Pre-LN and Peri-LN step the free
    // state x_i = r_i theta_i (no renormalisation); with a temperature the directions then get the noise's
    // kick (doc/MODEL.md). Throws NumericalError on overflow/NaN (state unchanged), Aborted when the abort
    // flag is raised mid-step (state unchanged).
    void step();
    void stepUntil(double t);  // steps until time() >= t - 1e-12

    double time() const { return m_t; }
    std::int64_t stepCount() const { return m_step; }
    const Matrix& positions() const { return m_X; }  // unit directions theta_i (sphere geometry)
    // The radii r_i = |x_i| of Pre-LN and Peri-LN (length n, starting at 1); empty under Post-LN and nGPT,
    // whose tokens stay on the sphere.
    const Vector& radii() const { return m_r; }
    const Model& model() const { return m_model; }
    const Scenario& scenario() const { return m_scenario; }
    double dt() const { return m_dt; }
    // The step size the last step used (for Dormand–Prince the last accepted one; dt() before any step).
    double stepDt() const { return m_stepDt; }
    IntegratorKind integrator() const { return m_integrator; }

    // Edits applied between steps. setModel keeps positions (d must match, else ValidationError); a switch
    // to Pre-LN or Peri-LN starts every radius at 1, one to Post-LN or nGPT drops them. A temperature > 0
    // with Dormand–Prince is refused (ValidationError), by setModel and setIntegrator alike.
    void setModel(const Model& model);
    // Renormalised for sphere geometry. radii (length n, each > 0) replace the radii of a model that has
    // them; empty keeps them when n is unchanged and otherwise gives every token the mean radius.
    void setPositions(const Matrix& X, const Vector& radii = {});
    // A state saved from positions() and radii() (session replay): taken bit for bit, since renormalising
    // a unit vector again may change its last bit. Same checks as setPositions.
    void restorePositions(const Matrix& X, const Vector& radii = {});
    void setDt(double dt);
    void setIntegrator(IntegratorKind k);
    void setThreads(int threads);  // core::WorkerPool threads for the velocity (0 = OMP_NUM_THREADS or cores)
    // Rewinds to a state the run had (a fork): positions as they were (not renormalised again), time,
    // step count and the step sizes, Dormand–Prince's adapted trial step `dt` included, so stepping on
    // repeats the original run bit for bit. The model and integrator are set separately.
    // radii as setPositions (a run with radii restores them too).
    void restore(const Matrix& X, double t, std::int64_t step, double dt, double stepDt,
                 const Vector& radii = {});
    // Raised, it stops step() and makeFrame() with Aborted within one block of rows.
    void setAbortFlag(const std::atomic<bool>* abort) { m_abort = abort; }

    // Current velocity of the integrated state (projected on the sphere; Pre-LN and Peri-LN: dx_i/dt of
    // x_i = r_i theta_i); recomputed on each call.
    Matrix velocity();
    // Snapshot with observables computed now (costs about one velocity evaluation), including the
    // step-size check for stepDt(). Throws NumericalError naming the quantity, step and time when any
    // published number is NaN or infinite, Aborted when the abort flag is raised.
    Frame makeFrame(const FrameOptions& options = {});

private:
    void advance();  // step() without the step and time added to its errors
    // The field the integrator steps: the plain projected velocity, or a normalisation scheme's.
    void field(const Matrix& X, Matrix& out);
    // Brownian kick of the directions after a step of size h (temperature > 0), keyed by the step count.
    void addNoise(Matrix& X, double h) const;
    // Radii for n tokens after an edit of the positions (see setPositions).
    Vector radiiFor(Eigen::Index n, const Vector& radii) const;

    Scenario m_scenario;
    Model m_model;
    Matrix m_X;
    Vector m_r;  // radii of Pre-LN / Peri-LN, else empty
    double m_t = 0;
    std::int64_t m_step = 0;
    double m_dt = 0.1;
    double m_stepDt = 0.1;
    IntegratorKind m_integrator = IntegratorKind::RK4;
    int m_threads = 0;
    const std::atomic<bool>* m_abort = nullptr;
    VelocityField m_field;
    TheoryTracker m_theory;
    std::shared_ptr<const ModelSpectra>
        m_spectra;  // of m_model's score matrices, shared by the frames  // the exact theory's segment since
                    // the last edit of the flow or state
    Matrix m_k1, m_k2, m_k3, m_k4, m_k5, m_k6, m_k7, m_tmp;
    Matrix m_free, m_tmp2;  // Pre-LN / Peri-LN: the free state x_i, the directions of a stage
};

// Observables of doc/MODEL.md for a given state; used by Simulation::makeFrame.
// threads: worker threads (0 = default); results agree across thread counts to rounding. dt > 0 fills
// the step-size check (maxStepAngle, suggestedDt). Throws Aborted when abort is raised. Does not check
// finiteness (Simulation::makeFrame does); positions that are not finite give a frame without observables.
Frame computeFrame(const Model& model, const Matrix& X, double t, std::int64_t step,
                   const FrameOptions& options, int threads = 0, double dt = 0,
                   const std::atomic<bool>* abort = nullptr);

}  // namespace attnsphere::core
