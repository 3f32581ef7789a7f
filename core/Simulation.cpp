#include "core/Simulation.h"

#include "core/AttentionVariants.h"
#include "core/Errors.h"
#include "core/Initialisation.h"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <string>

namespace attnsphere::core {

namespace {
constexpr double kMinDt = 1e-9;

// Columns scaled to unit length; a zero column stays zero (an attention output that vanishes).
void normaliseNonZeroColumns(Matrix& A) {
    for (Eigen::Index i = 0; i < A.cols(); ++i) {
        const double norm = A.col(i).norm();
        if (norm > 0) A.col(i) /= norm;
    }
}

std::string where(std::int64_t step, double t) {
    std::ostringstream out;
    out << "step " << step << ", t = " << t;
    return out.str();
}

// Every number a frame publishes is finite, or the run stops here with the quantity named.
void requireFiniteFrame(const Frame& f, const Model& model) {
    auto check = [&](bool finite, const std::string& quantity, double value) {
        if (finite) return;
        std::ostringstream msg;
        msg << quantity << " is " << value << " at " << where(f.step, f.t) << ": "
            << numericalRemedy(model, f.positions);
        throw NumericalError(msg.str());
    };
    auto firstBad = [](const auto& a) {
        for (Eigen::Index k = 0; k < a.size(); ++k)
            if (!std::isfinite(a.data()[k])) return static_cast<double>(a.data()[k]);
        return 0.0;
    };
    check(f.positions.allFinite(), "a token position", firstBad(f.positions));
    for (std::size_t h = 0; h < f.heads.size(); ++h) {
        const HeadObservables& o = f.heads[h];
        const std::string head = " of head " + std::to_string(h + 1);
        check(std::isfinite(o.energy), "the energy E_h" + head, o.energy);
        check(std::isfinite(o.energyRate), "the energy rate dE_h/dt" + head, o.energyRate);
        check(o.entropy.allFinite(), "the attention entropy S_i" + head, firstBad(o.entropy));
        check(o.radial.allFinite(), "the radial shadow r_i" + head, firstBad(o.radial));
        check(o.tangential.allFinite(), "the tangential head output" + head, firstBad(o.tangential));
        check(std::isfinite(o.dominanceMargin), "the dominance margin D_h" + head, o.dominanceMargin);
        check(o.attention.allFinite(), "the attention matrix" + head, firstBad(o.attention));
        check(o.signedAttention.allFinite(), "the signed attention matrix" + head,
              firstBad(o.signedAttention));
    }
    if (!f.hasObservables) return;
    check(std::isfinite(f.energyTotal), "the total energy E_total", f.energyTotal);
    check(std::isfinite(f.energyTotalRate), "the energy rate dE_total/dt", f.energyTotalRate);
    check(std::isfinite(f.entropyMean), "the mean attention entropy", f.entropyMean);
    check(std::isfinite(f.meanCosine), "the mean cosine", f.meanCosine);
    check(std::isfinite(f.orderParameter), "the order parameter R", f.orderParameter);
    check(std::isfinite(f.clusteredPairFraction), "the clustered-pair fraction", f.clusteredPairFraction);
    check(std::isfinite(f.maxNormDrift), "the norm drift", f.maxNormDrift);
    check(std::isfinite(f.maxRadialVelocity), "the radial velocity", f.maxRadialVelocity);
    check(std::isfinite(f.maxStepAngle), "the step angle max |dx_i/dt| dt", f.maxStepAngle);
    check(std::isfinite(f.suggestedDt), "the suggested dt", f.suggestedDt);
}
}  // namespace

Simulation::Simulation(const Scenario& scenario)
    : m_scenario(scenario),
      m_model(scenario.buildModel()),
      m_X(scenario.buildPositions()),
      m_dt(scenario.dt),
      m_stepDt(scenario.dt),
      m_integrator(scenario.integrator) {
    if (!(m_dt > 0)) throw ValidationError("dt", "must be > 0");
    checkNoiseIntegrator(m_model.temperature, m_integrator, "temperature");
    if (m_model.hasRadii()) m_r = Vector::Ones(m_X.cols());
    m_theory.restart(m_model, m_X, m_t);
    m_spectra = modelSpectra(m_model);
}

void Simulation::setModel(const Model& model) {
    if (model.dim() != m_X.rows()) {
        std::ostringstream msg;
        msg << "the model's dimension " << model.dim() << " does not match the tokens' dimension "
            << m_X.rows();
        throw ValidationError("d", msg.str());
    }
    detail::checkVariantSize(model, static_cast<int>(m_X.cols()));
    checkNoiseIntegrator(model.temperature, m_integrator, "temperature");
    // An edit that leaves the flow as it was (e.g. only dt changed) keeps the theory's segment.
    const bool changed = !sameFlow(model, m_model);
    if (!model.hasRadii())
        m_r.resize(0);
    else if (!m_model.hasRadii())
        m_r = Vector::Ones(m_X.cols());  // the free state starts on the sphere
    bool sameScores = model.headCount() == m_model.headCount();
    for (int h = 0; sameScores && h < model.headCount(); ++h)
        sameScores =
            model.heads[static_cast<std::size_t>(h)].M == m_model.heads[static_cast<std::size_t>(h)].M;
    m_model = model;
    if (changed) m_theory.restart(m_model, m_X, m_t);
    if (!sameScores) m_spectra = modelSpectra(m_model);
}

void Simulation::restorePositions(const Matrix& X, const Vector& radii) {
    setPositions(X, radii);
    m_X = X;
}

Vector Simulation::radiiFor(Eigen::Index n, const Vector& radii) const {
    if (!m_model.hasRadii()) return {};
    if (radii.size() == 0) {
        if (m_r.size() == n) return m_r;
        return Vector::Constant(n, m_r.size() > 0 ? m_r.mean() : 1.0);
    }
    if (radii.size() != n || !radii.allFinite() || !(radii.array() > 0).all())
        throw ValidationError("radii", "must be " + std::to_string(n) + " finite numbers > 0");
    return radii;
}

void Simulation::setPositions(const Matrix& X, const Vector& radii) {
    if (X.rows() != m_model.dim() || X.cols() < 2) {
        std::ostringstream msg;
        msg << "positions must be d × n with d = " << m_model.dim() << " and n >= 2, got " << X.rows()
            << " × " << X.cols();
        throw ValidationError("positions", msg.str());
    }
    if (!X.allFinite()) throw ValidationError("positions", "must be finite");
    detail::checkVariantSize(m_model, static_cast<int>(X.cols()));
    Matrix Y = X;
    if (m_model.geometry == Geometry::Sphere) {
        if ((Y.colwise().norm().array() == 0).any())
            throw ValidationError("positions", "a point on the sphere cannot be the zero vector");
        normaliseColumns(Y);
    }
    m_r = radiiFor(Y.cols(), radii);
    m_X = std::move(Y);
    m_theory.restart(m_model, m_X, m_t);
}

void Simulation::setDt(double dt) {
    if (!(dt > 0) || !std::isfinite(dt)) throw ValidationError("dt", "must be a finite number > 0");
    m_dt = dt;
    m_stepDt = dt;
}

void Simulation::restore(const Matrix& X, double t, std::int64_t step, double dt, double stepDt,
                         const Vector& radii) {
    if (X.rows() != m_X.rows() || X.cols() != m_X.cols() || !X.allFinite())
        throw ValidationError("positions", "a restored state must have the run's d × n finite positions");
    if (!(dt > 0) || !(stepDt > 0) || !std::isfinite(t) || step < 0)
        throw ValidationError("state", "a restored state needs t finite, step >= 0 and step sizes > 0");
    m_r = radiiFor(X.cols(), radii);
    m_X = X;
    m_t = t;
    m_step = step;
    m_dt = dt;
    m_stepDt = stepDt;
}

void Simulation::setIntegrator(IntegratorKind k) {
    checkNoiseIntegrator(m_model.temperature, k, "integrator");
    m_integrator = k;
    if (k != IntegratorKind::DormandPrince) m_stepDt = m_dt;
}

void Simulation::setThreads(int threads) {
    m_threads = std::max(0, threads);
    m_field.setThreads(m_threads);
}

Matrix Simulation::velocity() {
    Matrix v;
    if (m_model.hasRadii())
        field(m_X * m_r.asDiagonal(), v);
    else
        field(m_X, v);
    return v;
}

void Simulation::field(const Matrix& X, Matrix& out) {
    switch (m_model.normalisation) {
        case LayerNorm::Post:
            m_field.evaluate(m_model, X, out, m_abort);
            return;
        case LayerNorm::NGpt:
            // On the sphere with the attention output normalised: P_perp (A_i / |A_i|).
            m_field.attentionOutput(m_model, X, out, m_abort);
            normaliseNonZeroColumns(out);
            projectTangent(X, out);
            return;
        case LayerNorm::Pre:
        case LayerNorm::Peri: {
            // The free state x_i moves by the attention output of the directions theta_i = x_i / |x_i|
            // (Peri-LN normalises that output too).
            m_tmp2 = X;
            normaliseColumns(m_tmp2);
            m_field.attentionOutput(m_model, m_tmp2, out, m_abort);
            if (m_model.normalisation == LayerNorm::Peri) normaliseNonZeroColumns(out);
            return;
        }
    }
}

void Simulation::addNoise(Matrix& X, double h) const {
    GaussianSource rng(
        deriveSeed(deriveSeed(m_scenario.seed, kNoiseStream), static_cast<std::uint64_t>(m_step)));
    Matrix kick = rng.normalMatrix(static_cast<int>(X.rows()), static_cast<int>(X.cols()),
                                   std::sqrt(2.0 * m_model.temperature * h));
    projectTangent(X, kick);
    X += kick;
    normaliseColumns(X);
}

void Simulation::step() {
    try {
        advance();
    } catch (const NumericalError& e) {
        throw NumericalError(where(m_step + 1, m_t) + ": " + e.what());
    }
}

void Simulation::advance() {
    // Pre-LN and Peri-LN integrate the free state x_i = r_i theta_i; the others the positions themselves.
    const bool free = m_model.hasRadii();
    const bool sphere = m_model.geometry == Geometry::Sphere && !free;
    if (free) m_free = m_X * m_r.asDiagonal();
    const Matrix& state = free ? m_free : m_X;
    auto f = [&](const Matrix& X, Matrix& out) { field(X, out); };
    double taken = m_dt;
    Matrix next;
    switch (m_integrator) {
        case IntegratorKind::Euler:
            f(state, m_k1);
            next = state + m_dt * m_k1;
            break;
        case IntegratorKind::RK4: {
            const double h = m_dt;
            f(state, m_k1);
            m_tmp = state + (0.5 * h) * m_k1;
            f(m_tmp, m_k2);
            m_tmp = state + (0.5 * h) * m_k2;
            f(m_tmp, m_k3);
            m_tmp = state + h * m_k3;
            f(m_tmp, m_k4);
            next = state + (h / 6.0) * (m_k1 + 2.0 * m_k2 + 2.0 * m_k3 + m_k4);
            break;
        }
        case IntegratorKind::DormandPrince: {
            const double tol = m_scenario.tolerance > 0 ? m_scenario.tolerance : 1e-8;
            const double maxDt = 10.0 * m_scenario.dt;
            double h = std::clamp(m_dt, kMinDt, maxDt);
            f(state, m_k1);
            for (;;) {
                m_tmp = state + h * (1.0 / 5) * m_k1;
                f(m_tmp, m_k2);
                m_tmp = state + h * ((3.0 / 40) * m_k1 + (9.0 / 40) * m_k2);
                f(m_tmp, m_k3);
                m_tmp = state + h * ((44.0 / 45) * m_k1 - (56.0 / 15) * m_k2 + (32.0 / 9) * m_k3);
                f(m_tmp, m_k4);
                m_tmp = state + h * ((19372.0 / 6561) * m_k1 - (25360.0 / 2187) * m_k2 +
                                     (64448.0 / 6561) * m_k3 - (212.0 / 729) * m_k4);
                f(m_tmp, m_k5);
                m_tmp = state + h * ((9017.0 / 3168) * m_k1 - (355.0 / 33) * m_k2 + (46732.0 / 5247) * m_k3 +
                                     (49.0 / 176) * m_k4 - (5103.0 / 18656) * m_k5);
                f(m_tmp, m_k6);
                next = state + h * ((35.0 / 384) * m_k1 + (500.0 / 1113) * m_k3 + (125.0 / 192) * m_k4 -
                                    (2187.0 / 6784) * m_k5 + (11.0 / 84) * m_k6);
                f(next, m_k7);
                // Difference between the 5th- and embedded 4th-order solutions.
                const Matrix err = h * ((71.0 / 57600) * m_k1 - (71.0 / 16695) * m_k3 + (71.0 / 1920) * m_k4 -
                                        (17253.0 / 339200) * m_k5 + (22.0 / 525) * m_k6 - (1.0 / 40) * m_k7);
                const Eigen::ArrayXXd scale = tol * (1.0 + state.array().abs().max(next.array().abs()));
                const double ratio = (err.array().abs() / scale).maxCoeff();
                if (!std::isfinite(ratio))
                    throw NumericalError("the adaptive step's error estimate is not finite: " +
                                         numericalRemedy(m_model, state));
                const double factor =
                    ratio == 0 ? 5.0 : std::clamp(0.9 * std::pow(ratio, -1.0 / 5.0), 0.2, 5.0);
                if (ratio <= 1.0 || h <= kMinDt) {
                    taken = h;
                    m_dt = std::clamp(h * factor, kMinDt, maxDt);
                    break;
                }
                h = std::max(kMinDt, h * factor);
            }
            break;
        }
    }
    if (sphere) normaliseColumns(next);
    if (!next.allFinite())
        throw NumericalError("a token position became NaN or infinite: " + numericalRemedy(m_model, state) +
                             ", or use an adaptive integrator");
    Vector radii;
    if (free) {
        radii = next.colwise().norm().transpose();
        if (!(radii.array() > 0).all())
            throw NumericalError("a token's radius |x_i| reached 0 (its direction is undefined): " +
                                 numericalRemedy(m_model, state));
        normaliseColumns(next);
    }
    if (m_model.temperature > 0) addNoise(next, taken);
    m_X = std::move(next);
    if (free) m_r = std::move(radii);
    m_t += taken;
    m_stepDt = taken;
    ++m_step;
}

void Simulation::stepUntil(double t) {
    while (m_t < t - 1e-12) step();
}

Frame Simulation::makeFrame(const FrameOptions& options) {
    Frame f;
    try {
        f = computeFrame(m_model, m_X, m_t, m_step, options, m_threads, m_stepDt, m_abort);
    } catch (const NumericalError& e) {
        throw NumericalError(where(m_step, m_t) + ": " + e.what());
    }
    f.scenarioName = m_scenario.name;
    f.radii = m_r;
    requireFiniteFrame(f, m_model);
    f.theoryValues = m_theory.valuesAt(m_t);
    f.theory = m_theory.overlay();
    f.spectra = m_spectra;
    return f;
}

}  // namespace attnsphere::core
