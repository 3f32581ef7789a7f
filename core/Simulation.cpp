#include "core/Simulation.h"

#include "core/Errors.h"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace attnsphere::core {

namespace {
constexpr double kMinDt = 1e-9;

void requireFinite(const Matrix& X) {
    if (!X.allFinite())
        throw NumericalError(
            "positions became NaN or infinite: lower dt or beta, or use an adaptive integrator");
}
}  // namespace

Simulation::Simulation(const Scenario& scenario)
    : m_scenario(scenario),
      m_model(scenario.buildModel()),
      m_X(scenario.buildPositions()),
      m_dt(scenario.dt),
      m_integrator(scenario.integrator) {
    if (!(m_dt > 0)) throw ValidationError("dt", "must be > 0");
}

void Simulation::setModel(const Model& model) {
    if (model.dim() != m_X.rows()) {
        std::ostringstream msg;
        msg << "the model's dimension " << model.dim() << " does not match the tokens' dimension "
            << m_X.rows();
        throw ValidationError("d", msg.str());
    }
    m_model = model;
}

void Simulation::setPositions(const Matrix& X) {
    if (X.rows() != m_model.dim() || X.cols() < 2) {
        std::ostringstream msg;
        msg << "positions must be d × n with d = " << m_model.dim() << " and n >= 2, got " << X.rows()
            << " × " << X.cols();
        throw ValidationError("positions", msg.str());
    }
    if (!X.allFinite()) throw ValidationError("positions", "must be finite");
    Matrix Y = X;
    if (m_model.geometry == Geometry::Sphere) {
        if ((Y.colwise().norm().array() == 0).any())
            throw ValidationError("positions", "a point on the sphere cannot be the zero vector");
        normaliseColumns(Y);
    }
    m_X = std::move(Y);
}

void Simulation::setDt(double dt) {
    if (!(dt > 0) || !std::isfinite(dt)) throw ValidationError("dt", "must be a finite number > 0");
    m_dt = dt;
}

void Simulation::setIntegrator(IntegratorKind k) {
    m_integrator = k;
}

void Simulation::setThreads(int threads) {
    m_threads = std::max(0, threads);
    m_field.setThreads(m_threads);
}

Matrix Simulation::velocity() {
    Matrix v;
    m_field.evaluate(m_model, m_X, v, m_abort);
    return v;
}

void Simulation::step() {
    const bool sphere = m_model.geometry == Geometry::Sphere;
    auto f = [&](const Matrix& X, Matrix& out) { m_field.evaluate(m_model, X, out, m_abort); };
    double taken = m_dt;
    Matrix next;
    switch (m_integrator) {
        case IntegratorKind::Euler:
            f(m_X, m_k1);
            next = m_X + m_dt * m_k1;
            break;
        case IntegratorKind::RK4: {
            const double h = m_dt;
            f(m_X, m_k1);
            m_tmp = m_X + (0.5 * h) * m_k1;
            f(m_tmp, m_k2);
            m_tmp = m_X + (0.5 * h) * m_k2;
            f(m_tmp, m_k3);
            m_tmp = m_X + h * m_k3;
            f(m_tmp, m_k4);
            next = m_X + (h / 6.0) * (m_k1 + 2.0 * m_k2 + 2.0 * m_k3 + m_k4);
            break;
        }
        case IntegratorKind::DormandPrince: {
            const double tol = m_scenario.tolerance > 0 ? m_scenario.tolerance : 1e-8;
            const double maxDt = 10.0 * m_scenario.dt;
            double h = std::clamp(m_dt, kMinDt, maxDt);
            f(m_X, m_k1);
            for (;;) {
                m_tmp = m_X + h * (1.0 / 5) * m_k1;
                f(m_tmp, m_k2);
                m_tmp = m_X + h * ((3.0 / 40) * m_k1 + (9.0 / 40) * m_k2);
                f(m_tmp, m_k3);
                m_tmp = m_X + h * ((44.0 / 45) * m_k1 - (56.0 / 15) * m_k2 + (32.0 / 9) * m_k3);
                f(m_tmp, m_k4);
                m_tmp = m_X + h * ((19372.0 / 6561) * m_k1 - (25360.0 / 2187) * m_k2 +
                                   (64448.0 / 6561) * m_k3 - (212.0 / 729) * m_k4);
                f(m_tmp, m_k5);
                m_tmp = m_X + h * ((9017.0 / 3168) * m_k1 - (355.0 / 33) * m_k2 + (46732.0 / 5247) * m_k3 +
                                   (49.0 / 176) * m_k4 - (5103.0 / 18656) * m_k5);
                f(m_tmp, m_k6);
                next = m_X + h * ((35.0 / 384) * m_k1 + (500.0 / 1113) * m_k3 + (125.0 / 192) * m_k4 -
                                  (2187.0 / 6784) * m_k5 + (11.0 / 84) * m_k6);
                f(next, m_k7);
                // Difference between the 5th- and embedded 4th-order solutions.
                const Matrix err = h * ((71.0 / 57600) * m_k1 - (71.0 / 16695) * m_k3 + (71.0 / 1920) * m_k4 -
                                        (17253.0 / 339200) * m_k5 + (22.0 / 525) * m_k6 - (1.0 / 40) * m_k7);
                const Eigen::ArrayXXd scale = tol * (1.0 + m_X.array().abs().max(next.array().abs()));
                const double ratio = (err.array().abs() / scale).maxCoeff();
                if (!std::isfinite(ratio)) throw NumericalError("adaptive step produced NaN or infinity");
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
    requireFinite(next);
    m_X = std::move(next);
    m_t += taken;
    ++m_step;
}

void Simulation::stepUntil(double t) {
    while (m_t < t - 1e-12) step();
}

Frame Simulation::makeFrame(const FrameOptions& options) {
    return computeFrame(m_model, m_X, m_t, m_step, options, m_threads);
}

}  // namespace attnsphere::core
