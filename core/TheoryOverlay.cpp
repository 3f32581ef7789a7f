// The theory's regime and its values along a run (doc/MODEL.md §8).
#include "core/TheoryOverlay.h"

#include "core/Errors.h"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace attnsphere::core {

namespace {

std::string formatNumber(double v) {
    std::ostringstream out;
    out.precision(2);
    out << v;
    return out.str();
}

// M = a I within the tolerance: returns a, or nothing.
std::optional<double> scalarOf(const Matrix& M) {
    const double a = M.diagonal().mean();
    const double scale = std::max(1.0, M.cwiseAbs().maxCoeff());
    const Matrix diff = M - a * Matrix::Identity(M.rows(), M.cols());
    if (diff.cwiseAbs().maxCoeff() > kScalarHeadTolerance * scale) return std::nullopt;
    return a;
}

}  // namespace

std::optional<EquiangularSetup> scalarSetup(const Model& model, int n, std::string& reason) {
    if (model.geometry != Geometry::Sphere) {
        reason = "flat geometry (the theory is for tokens on the sphere)";
        return std::nullopt;
    }
    if (!model.plainAttention()) {
        reason = model.mask == AttentionMask::Causal
                     ? "causal mask (the theory has every token attend to all)"
                 : model.positionalBias > 0
                     ? "positional bias (the theory's scores depend on the angles alone, not the token order)"
                     : "Sinkhorn normalisation (the theory's attention rows are plain softmax)";
        return std::nullopt;
    }
    if (model.normalisation != LayerNorm::Post) {
        reason = "normalisation " + std::string(nameOf(model.normalisation)) +
                 " (the theory is for Post-LN: tokens on the sphere at full speed)";
        return std::nullopt;
    }
    if (model.temperature > 0) {
        reason = "temperature > 0 (the theory is for the noiseless flow)";
        return std::nullopt;
    }
    EquiangularSetup s;
    s.n = n;
    s.kernel = model.kernel;
    s.sigmoidBias = model.sigmoidBias;
    // The theory depends on beta_h a_h only: a per-head beta is folded into a_h (doc/MODEL.md §1).
    s.beta = model.beta > 0 ? model.beta : 1.0;
    s.heads.clear();
    for (int h = 0; h < model.headCount(); ++h) {
        const Head& head = model.heads[static_cast<std::size_t>(h)];
        const std::optional<double> a = scalarOf(head.M), b = scalarOf(head.V);
        if (!a || !b) {
            reason = "head " + std::to_string(h + 1) + " is not scalar (" + (!a ? "M" : "V") +
                     " is not a multiple of I)";
            return std::nullopt;
        }
        s.heads.push_back({*a * model.headBeta(h) / s.beta, head.alpha * *b});
    }
    if (s.heads.empty()) {
        reason = "no heads";
        return std::nullopt;
    }
    return s;
}

namespace {

// Gap 1 - rho of the asymptote's anchor, and the time the theory reaches it (infinite if never).
void anchorAsymptote(TheoryOverlay& o) {
    o.linearRate = equiangular::linearRateAtOne(o.setup);
    const double target = 1.0 - kAsymptoteAnchorGap;
    o.gapAnchor = kAsymptoteAnchorGap;
    if (!(o.linearRate > 0) || o.rho0 >= target) {
        o.tAnchor = o.rho0 >= target ? o.t0 : INFINITY;
        o.gapAnchor = 1.0 - o.rho0;
        return;
    }
    o.tAnchor = o.t0 + equiangular::clusteringTime(o.setup, o.rho0, target);
}

void checkEquiangular(TheoryOverlay& o, const Matrix& X) {
    const int n = static_cast<int>(X.cols());
    double lo = INFINITY, hi = -INFINITY, sum = 0;
    for (int i = 0; i < n; ++i)
        for (int j = 0; j < i; ++j) {
            const double g = X.col(i).dot(X.col(j));
            lo = std::min(lo, g);
            hi = std::max(hi, g);
            sum += g;
            // A random start fails within a few pairs: stop there rather than pay n^2 d on every edit.
            if (hi - lo > kEquiangularTolerance) {
                o.equiangularReason =
                    "not equiangular (cosines spread at least " + formatNumber(hi - lo) + ")";
                return;
            }
        }
    o.rho0 = sum / (0.5 * n * (n - 1.0));
    o.equiangular = true;
}

}  // namespace

std::string TheoryOverlay::summary() const {
    // d > 2 needs no circle reduction: an equiangular run is fully covered.
    if (equiangular) return "";
    if (kuramoto) return "\u03c1(t) out of regime \u2014 " + equiangularReason;
    return "out of regime \u2014 " + equiangularReason;
}

bool sameFlow(const Model& a, const Model& b) {
    if (a.kernel != b.kernel || a.beta != b.beta || a.sigmoidBias != b.sigmoidBias ||
        a.geometry != b.geometry || a.headCount() != b.headCount() || a.mask != b.mask ||
        a.positionalBias != b.positionalBias || a.sinkhornIterations != b.sinkhornIterations ||
        a.normalisation != b.normalisation || a.temperature != b.temperature)
        return false;
    for (int h = 0; h < a.headCount(); ++h) {
        const Head &x = a.heads[static_cast<std::size_t>(h)], &y = b.heads[static_cast<std::size_t>(h)];
        if (x.alpha != y.alpha || a.headBeta(h) != b.headBeta(h) || x.M != y.M || x.V != y.V) return false;
    }
    return true;
}

std::shared_ptr<const TheoryOverlay> evaluateTheory(const Model& model, const Matrix& X, double t) {
    auto o = std::make_shared<TheoryOverlay>();
    o->t0 = t;
    const int n = static_cast<int>(X.cols()), d = static_cast<int>(X.rows());
    std::string reason;
    const std::optional<EquiangularSetup> setup = scalarSetup(model, n, reason);
    if (!setup) {
        o->equiangularReason = o->kuramotoReason = reason;
        return o;
    }
    o->setup = *setup;
    checkEquiangular(*o, X);
    if (o->equiangular) {
        if (o->setup.heads.size() > 1)
            for (const ScalarHead& h : o->setup.heads) {
                EquiangularSetup one = o->setup;
                one.heads = {h};
                o->alone.push_back(one);
            }
        if (o->setup.kernel == KernelKind::ReluNormalised || o->setup.kernel == KernelKind::Relu) {
            EquiangularSetup other = o->setup;
            other.kernel =
                o->setup.kernel == KernelKind::ReluNormalised ? KernelKind::Softmax : KernelKind::Exp;
            o->comparison = other;
        }
        anchorAsymptote(*o);
        const bool positiveScores = std::all_of(o->setup.heads.begin(), o->setup.heads.end(),
                                                [](const ScalarHead& h) { return h.a > 0; });
        o->logistic = o->setup.kernel == KernelKind::ReluNormalised && positiveScores && o->rho0 > 0;
    }
    if (d != 2) {
        o->kuramotoReason = "d = " + std::to_string(d) + " (the circle reduction needs d = 2)";
    } else if (n > kKuramotoMaxTokens) {
        o->kuramotoReason =
            "n > " + std::to_string(kKuramotoMaxTokens) + " (the angle system costs as much as the run)";
    } else {
        o->kuramoto = true;
        o->theta0.resize(static_cast<std::size_t>(n));
        for (int i = 0; i < n; ++i) o->theta0[static_cast<std::size_t>(i)] = std::atan2(X(1, i), X(0, i));
    }
    return o;
}

namespace kuramoto {

std::vector<double> rate(const EquiangularSetup& s, const std::vector<double>& theta) {
    const std::size_t n = theta.size();
    const KernelInfo& kernel = kernelInfo(s.kernel);
    std::vector<double> out(n, 0.0), c(n), sn(n);
    for (std::size_t i = 0; i < n; ++i) {
        c[i] = std::cos(theta[i]);
        sn[i] = std::sin(theta[i]);
    }
    for (const ScalarHead& head : s.heads) {
        const double x = s.beta * head.a;
        for (std::size_t i = 0; i < n; ++i) {
            double weighted = 0, z = 0;
            // Exponential kernels shifted by the row's largest score (the self score x): the ratio is
            // unchanged.
            const double shift =
                kernel.exponential && kernel.normalisation == Normalisation::RowSum ? x : 0.0;
            for (std::size_t j = 0; j < n; ++j) {
                // cos and sin of theta_i - theta_j from those of the angles (no trigonometry per pair).
                const double cosDiff = c[i] * c[j] + sn[i] * sn[j], sinDiff = sn[i] * c[j] - c[i] * sn[j];
                const double score = x * cosDiff;
                const double w = kernel.exponential && shift != 0 ? std::exp(score - shift)
                                                                  : kernel.kappa(score, s.sigmoidBias);
                weighted += w * sinDiff;
                z += w;
            }
            double norm = 1.0;
            switch (kernel.normalisation) {
                case Normalisation::RowSum:
                    norm = z;
                    break;
                case Normalisation::ByN:
                    norm = static_cast<double>(n);
                    break;
                case Normalisation::None:
                    break;
            }
            if (norm != 0) out[i] -= head.b * weighted / norm;
        }
    }
    return out;
}

double orderParameter(const std::vector<double>& theta) {
    double c = 0, s = 0;
    for (double th : theta) {
        c += std::cos(th);
        s += std::sin(th);
    }
    const double n = static_cast<double>(theta.size());
    return std::hypot(c / n, s / n);
}

std::vector<double> integrate(const EquiangularSetup& s, std::vector<double> theta, double t) {
    if (!(t > 0)) return theta;
    const std::size_t n = theta.size();
    auto axpy = [n](const std::vector<double>& base,
                    std::initializer_list<std::pair<double, const std::vector<double>*>> terms) {
        std::vector<double> r = base;
        for (const auto& [c, v] : terms)
            for (std::size_t i = 0; i < n; ++i) r[i] += c * (*v)[i];
        return r;
    };
    const double tolerance = 1e-12;
    double time = 0, h = std::min(1e-2, t);
    std::vector<double> k1 = rate(s, theta);
    while (time < t) {
        h = std::min(h, t - time);
        const auto k2 = rate(s, axpy(theta, {{h / 5, &k1}}));
        const auto k3 = rate(s, axpy(theta, {{h * 3 / 40, &k1}, {h * 9 / 40, &k2}}));
        const auto k4 = rate(s, axpy(theta, {{h * 44 / 45, &k1}, {-h * 56 / 15, &k2}, {h * 32 / 9, &k3}}));
        const auto k5 = rate(s, axpy(theta, {{h * 19372 / 6561, &k1},
                                             {-h * 25360 / 2187, &k2},
                                             {h * 64448 / 6561, &k3},
                                             {-h * 212 / 729, &k4}}));
        const auto k6 = rate(s, axpy(theta, {{h * 9017 / 3168, &k1},
                                             {-h * 355 / 33, &k2},
                                             {h * 46732 / 5247, &k3},
                                             {h * 49 / 176, &k4},
                                             {-h * 5103 / 18656, &k5}}));
        const auto next = axpy(theta, {{h * 35 / 384, &k1},
                                       {h * 500 / 1113, &k3},
                                       {h * 125 / 192, &k4},
                                       {-h * 2187 / 6784, &k5},
                                       {h * 11 / 84, &k6}});
        const auto k7 = rate(s, next);
        double error = 0;
        for (std::size_t i = 0; i < n; ++i) {
            const double e = h * (71.0 / 57600 * k1[i] - 71.0 / 16695 * k3[i] + 71.0 / 1920 * k4[i] -
                                  17253.0 / 339200 * k5[i] + 22.0 / 525 * k6[i] - 1.0 / 40 * k7[i]);
            if (!std::isfinite(next[i]))
                throw NumericalError("the angle system left the representable range");
            error = std::max(error, std::abs(e));
        }
        if (error <= tolerance) {
            theta = next;
            time += h;
            k1 = k7;
        }
        const double factor = error > 0 ? 0.9 * std::pow(tolerance / error, 0.2) : 5.0;
        h *= std::clamp(factor, 0.2, 5.0);
        if (h < 1e-15) throw NumericalError("the angle system: step size underflow");
    }
    return theta;
}

}  // namespace kuramoto

void TheoryTracker::restart(const Model& model, const Matrix& X, double t) {
    m_overlay = evaluateTheory(model, X, t);
    m_t = t;
    m_rho = m_overlay->rho0;
    m_comparison = m_overlay->rho0;
    m_alone.assign(m_overlay->alone.size(), m_overlay->rho0);
    m_theta = m_overlay->theta0;
}

TheoryValues TheoryTracker::valuesAt(double t) {
    TheoryValues v;
    if (!m_overlay) return v;
    const TheoryOverlay& o = *m_overlay;
    if (t < m_t) {  // asked for an earlier time: integrate again from the segment's start
        m_t = o.t0;
        m_rho = m_comparison = o.rho0;
        m_alone.assign(o.alone.size(), o.rho0);
        m_theta = o.theta0;
    }
    const double step = t - m_t;
    try {
        // The equiangular ODE is autonomous: each value moves on from where it was.
        if (o.equiangular) {
            m_rho = equiangular::integrateRho(o.setup, m_rho, step);
            for (std::size_t h = 0; h < o.alone.size(); ++h)
                m_alone[h] = equiangular::integrateRho(o.alone[h], m_alone[h], step);
            if (o.comparison) m_comparison = equiangular::integrateRho(*o.comparison, m_comparison, step);
        }
        if (o.kuramoto) m_theta = kuramoto::integrate(o.setup, m_theta, step);
    } catch (const NumericalError& e) {
        auto broken = std::make_shared<TheoryOverlay>(o);
        broken->equiangular = broken->kuramoto = false;
        broken->equiangularReason = broken->kuramotoReason = e.what();
        m_overlay = broken;
        return v;
    }
    m_t = t;

    if (o.equiangular) {
        v.rho = m_rho;
        v.rhoAlone = m_alone;
        if (o.comparison) v.rhoComparison = m_comparison;
        if (o.logistic) {
            // rho' = lambda rho (1 - rho): rho(t) = rho0 e^{lambda s} / (1 - rho0 + rho0 e^{lambda s}), s = t
            // - t0.
            const double e = std::exp(-o.linearRate * (t - o.t0));
            v.rhoLogistic = o.rho0 / (o.rho0 + (1.0 - o.rho0) * e);
        }
        if (o.linearRate > 0 && std::isfinite(o.tAnchor))
            v.asymptoteGap = o.gapAnchor * std::exp(-o.linearRate * (t - o.tAnchor));
        for (std::size_t h = 0; h < o.setup.heads.size(); ++h)
            v.entropy.push_back(equiangular::entropy(o.setup, static_cast<int>(h), m_rho));
        const double n = o.setup.n;
        v.orderParameter = std::sqrt(std::max(0.0, 1.0 / n + (1.0 - 1.0 / n) * m_rho));
    }
    if (o.kuramoto) v.orderParameter = kuramoto::orderParameter(m_theta);
    return v;
}

std::optional<ExponentialFit> fitExponentialRate(const std::vector<double>& t,
                                                 const std::vector<double>& values, double floor) {
    const std::size_t count = std::min(t.size(), values.size());
    std::size_t last = count;
    while (last > 0 && !(values[last - 1] > floor && std::isfinite(values[last - 1]))) --last;
    if (last == 0) return std::nullopt;
    // Sums over the window [first, last), centred on the last point's time for conditioning.
    const double t0 = t[last - 1];
    double m = 0, sx = 0, sy = 0, sxx = 0, sxy = 0, syy = 0;
    std::optional<ExponentialFit> best;
    for (std::size_t k = last; k-- > 0;) {
        if (!(values[k] > floor) || !std::isfinite(values[k])) break;
        const double x = t[k] - t0, y = std::log(values[k]);
        m += 1;
        sx += x;
        sy += y;
        sxx += x * x;
        sxy += x * y;
        syy += y * y;
        if (m < kFitMinPoints) continue;
        const double cxx = sxx - sx * sx / m, cxy = sxy - sx * sy / m, cyy = syy - sy * sy / m;
        if (!(cxx > 0)) continue;
        const double slope = cxy / cxx;
        const double rms = std::sqrt(std::max(0.0, cyy - slope * cxy) / m);
        if (rms > kFitResidual) break;
        ExponentialFit f;
        f.rate = -slope;
        f.intercept = sy / m - slope * sx / m - slope * t0;
        f.tStart = t[k];
        f.tEnd = t[last - 1];
        f.points = static_cast<int>(m);
        best = f;
    }
    return best;
}

}  // namespace attnsphere::core
