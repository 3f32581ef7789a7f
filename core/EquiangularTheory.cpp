// Equiangular theory (doc/MODEL.md §8). Kernel values come from the kernel table, but the rates are
// closed forms evaluated here rather than through the dynamics code, so that tests comparing simulations
// against these predictions compare two independent implementations.
#include "core/EquiangularTheory.h"

#include "core/Errors.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <string>

namespace attnsphere::core::equiangular {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// Off-diagonal attention weight of a normalised kernel, kappa(beta a rho) / (kappa(beta a) + (n-1) kappa(beta
// a rho)).
double normalisedWeight(const EquiangularSetup& s, double a, double rho) {
    const double x = s.beta * a;
    if (kernelInfo(s.kernel).exponential)
        return 1.0 / (std::exp(x * (1.0 - rho)) + (s.n - 1));  // overflow-safe form
    const double self = kernelValue(s.kernel, x, s.sigmoidBias),
                 other = kernelValue(s.kernel, x * rho, s.sigmoidBias);
    const double z = self + (s.n - 1) * other;
    return z > 0 ? other / z : 0.0;
}

void checkSetup(const EquiangularSetup& s) {
    if (s.n < 2) throw ValidationError("n", "must be >= 2, got " + std::to_string(s.n));
    if (s.heads.empty()) throw ValidationError("heads", "need at least one head");
}

void checkRhoInterval(const EquiangularSetup& s, double rho0, double rho1) {
    const double lo = -1.0 / (s.n - 1);
    if (!(rho0 >= lo && rho0 < 1))
        throw ValidationError("rho0", "must be in [-1/(n-1), 1) = [" + std::to_string(lo) + ", 1), got " +
                                          std::to_string(rho0));
    if (!(rho1 > rho0 && rho1 < 1))
        throw ValidationError(
            "rho1", "must be in (rho0, 1) = (" + std::to_string(rho0) + ", 1), got " + std::to_string(rho1));
}

// Adaptive Gauss–Kronrod (7, 15) on [a, b]; sets `vanished` when the integrand 1/F meets F <= 0.
struct Quadrature {
    const EquiangularSetup& s;
    bool vanished = false;

    static constexpr std::array<double, 8> xk{
        0.991455371120812639206854697526329, 0.949107912342758524526189684047851,
        0.864864423359769072789712788640926, 0.741531185599394439863864773280788,
        0.586087235467691130294144845693013, 0.405845151377397166906606412076961,
        0.207784955007898467600689403773245, 0.0};
    static constexpr std::array<double, 8> wk{
        0.022935322010529224963732008058970, 0.063092092629978553290700663189204,
        0.104790010322250183839876322541518, 0.140653259715525918745189590510238,
        0.169004726639267902826583426598550, 0.190350578064785409913256402421014,
        0.204432940075298892414161999234649, 0.209482141084727828012999174891714};
    static constexpr std::array<double, 4> wg{
        0.129484966168869693270611432679082, 0.279705391489276667901467771423780,
        0.381830050505118944950369775488975, 0.417959183673469387755102040816327};

    double inverseRate(double rho) {
        const double f = rate(s, rho);
        if (!(f > 0)) {
            vanished = true;
            return 0.0;
        }
        return 1.0 / f;
    }

    void rule(double a, double b, double& kronrod, double& error) {
        const double c = 0.5 * (a + b), h = 0.5 * (b - a);
        const double fc = inverseRate(c);
        double k = wk[7] * fc, g = wg[3] * fc;
        for (int i = 0; i < 7; ++i) {
            const double f1 = inverseRate(c - h * xk[i]), f2 = inverseRate(c + h * xk[i]);
            k += wk[i] * (f1 + f2);
            if (i % 2 == 1) g += wg[i / 2] * (f1 + f2);
        }
        kronrod = k * h;
        error = std::abs((k - g) * h);
    }

    double integrate(double a, double b, double tolerance, int depth) {
        double value = 0, error = 0;
        rule(a, b, value, error);
        if (vanished) return kInf;
        if (error <= std::max(tolerance, 1e-14 * std::abs(value)) || depth >= 60) return value;
        const double c = 0.5 * (a + b);
        return integrate(a, c, 0.5 * tolerance, depth + 1) + integrate(c, b, 0.5 * tolerance, depth + 1);
    }
};

}  // namespace

double rate(const EquiangularSetup& s, double rho) {
    const double geometric = (1.0 - rho) * (1.0 + (s.n - 1) * rho);
    double sum = 0;
    for (const ScalarHead& h : s.heads) {
        if (isNormalised(s.kernel))
            sum += h.b * normalisedWeight(s, h.a, rho);
        else
            sum += h.b * kernelValue(s.kernel, s.beta * h.a * rho, s.sigmoidBias);
    }
    // N = Z (normalised: inside the weight), n or 1 (doc/MODEL.md §2).
    const bool divideByN = kernelInfo(s.kernel).normalisation == Normalisation::ByN;
    return (divideByN ? 2.0 / s.n : 2.0) * geometric * sum;
}

double clusteringTime(const EquiangularSetup& s, double rho0, double rho1) {
    checkSetup(s);
    checkRhoInterval(s, rho0, rho1);
    // Quadrature nodes are interior: a fixed point at an end point (e.g. ReLU at rho0 = 0) is checked here.
    if (!(rate(s, rho0) > 0) || !(rate(s, rho1) > 0)) return kInf;
    Quadrature q{s};
    return q.integrate(rho0, rho1, 1e-11, 0);
}

double integrateRho(const EquiangularSetup& s, double rho0, double t) {
    checkSetup(s);
    if (!(t >= 0)) throw ValidationError("t", "must be >= 0, got " + std::to_string(t));
    // Dormand–Prince 5(4) with local error control; the scalar ODE is autonomous.
    static constexpr double a21 = 1.0 / 5, a31 = 3.0 / 40, a32 = 9.0 / 40, a41 = 44.0 / 45, a42 = -56.0 / 15,
                            a43 = 32.0 / 9, a51 = 19372.0 / 6561, a52 = -25360.0 / 2187, a53 = 64448.0 / 6561,
                            a54 = -212.0 / 729, a61 = 9017.0 / 3168, a62 = -355.0 / 33, a63 = 46732.0 / 5247,
                            a64 = 49.0 / 176, a65 = -5103.0 / 18656, b1 = 35.0 / 384, b3 = 500.0 / 1113,
                            b4 = 125.0 / 192, b5 = -2187.0 / 6784, b6 = 11.0 / 84, e1 = 71.0 / 57600,
                            e3 = -71.0 / 16695, e4 = 71.0 / 1920, e5 = -17253.0 / 339200, e6 = 22.0 / 525,
                            e7 = -1.0 / 40;
    const double tolerance = 1e-13;
    double rho = rho0, time = 0, h = std::min(1e-3, t);
    double k1 = rate(s, rho);
    while (time < t) {
        h = std::min(h, t - time);
        const double k2 = rate(s, rho + h * a21 * k1);
        const double k3 = rate(s, rho + h * (a31 * k1 + a32 * k2));
        const double k4 = rate(s, rho + h * (a41 * k1 + a42 * k2 + a43 * k3));
        const double k5 = rate(s, rho + h * (a51 * k1 + a52 * k2 + a53 * k3 + a54 * k4));
        const double k6 = rate(s, rho + h * (a61 * k1 + a62 * k2 + a63 * k3 + a64 * k4 + a65 * k5));
        const double next = rho + h * (b1 * k1 + b3 * k3 + b4 * k4 + b5 * k5 + b6 * k6);
        const double k7 = rate(s, next);
        const double error = std::abs(h * (e1 * k1 + e3 * k3 + e4 * k4 + e5 * k5 + e6 * k6 + e7 * k7));
        const double scale = tolerance * std::max(1.0, std::abs(next));
        if (!std::isfinite(next)) throw NumericalError("equiangular ODE left the representable range");
        if (error <= scale) {
            rho = next;
            time += h;
            k1 = k7;  // first-same-as-last
        }
        const double factor = error > 0 ? 0.9 * std::pow(scale / error, 0.2) : 5.0;
        h *= std::clamp(factor, 0.2, 5.0);
        if (h < 1e-15) throw NumericalError("equiangular ODE: step size underflow");
    }
    return rho;
}

double linearRateAtOne(const EquiangularSetup& s) {
    checkSetup(s);
    // F(rho) = (1 - rho) g(rho), so d(1-rho)/dt = -g(1) (1-rho) to first order: lambda = g(1).
    double sum = 0;
    const KernelInfo& kernel = kernelInfo(s.kernel);
    for (const ScalarHead& h : s.heads) {
        const double weight = kernel.kappa(s.beta * h.a, s.sigmoidBias);
        switch (kernel.normalisation) {
            case Normalisation::RowSum:
                // e^s is positive even where it underflows to 0.
                sum += weight > 0 || kernel.exponential ? h.b / s.n : 0.0;
                break;
            case Normalisation::ByN:
                sum += h.b * weight / s.n;
                break;
            case Normalisation::None:
                sum += h.b * weight;
                break;
        }
    }
    return 2.0 * s.n * sum;
}

double superAdditivityRatio(const EquiangularSetup& s, double rho0, double rho1) {
    const double together = 1.0 / clusteringTime(s, rho0, rho1);
    double separate = 0;
    for (const ScalarHead& h : s.heads) {
        EquiangularSetup one = s;
        one.heads = {h};
        separate += 1.0 / clusteringTime(one, rho0, rho1);
    }
    return together / separate;
}

double reluNormalisedTime(double rho0, double rho1) {
    if (!(rho0 < rho1 && rho1 < 1))
        throw ValidationError("rho1", "must be in (rho0, 1), got rho0 = " + std::to_string(rho0) +
                                          ", rho1 = " + std::to_string(rho1));
    if (rho0 <= 0) return kInf;  // all off-diagonal ReLU weights vanish: the configuration is stationary
    return 0.5 * std::log(rho1 * (1 - rho0) / (rho0 * (1 - rho1)));
}

double entropy(const EquiangularSetup& s, int head, double rho) {
    checkSetup(s);
    const double a = s.heads.at(static_cast<std::size_t>(head)).a, x = s.beta * a;
    const int n = s.n;
    if (kernelInfo(s.kernel).exponential) {
        // Rows are normalised for entropy (doc/MODEL.md §5); stable form with q = e^{beta a (rho - 1)}.
        const double q = std::exp(x * (rho - 1.0)), z = 1.0 + (n - 1) * q;
        return std::log(z) - x * (n - 1) * q * (rho - 1.0) / z;
    }
    // Signed kernels: the attention row is the positive part of the weights, renormalised (doc/MODEL.md §5).
    const double self = std::max(0.0, kernelValue(s.kernel, x, s.sigmoidBias)),
                 other = std::max(0.0, kernelValue(s.kernel, x * rho, s.sigmoidBias));
    const double z = self + (n - 1) * other;
    if (z <= 0) return 0.0;
    auto term = [](double p) { return p > 0 ? -p * std::log(p) : 0.0; };
    return term(self / z) + (n - 1) * term(other / z);
}

double entropySlope(const EquiangularSetup& s, int head, double rho) {
    checkSetup(s);
    const double a = s.heads.at(static_cast<std::size_t>(head)).a, x = s.beta * a;
    const int n = s.n;
    if (kernelInfo(s.kernel).exponential) {
        const double p = 1.0 / (1.0 + (n - 1) * std::exp(x * (rho - 1.0)));  // self-weight
        return x * x * p * (1.0 - p) * (1.0 - rho);
    }
    // dS/drho = -p' log(p/q) with p = kappa(x)/Z, q = kappa(x rho)/Z (derivative of -sum p log p).
    const double self = std::max(0.0, kernelValue(s.kernel, x, s.sigmoidBias)),
                 other = std::max(0.0, kernelValue(s.kernel, x * rho, s.sigmoidBias));
    if (self <= 0 || other <= 0) return 0.0;  // one side carries all the positive weight: S is constant
    const double z = self + (n - 1) * other;
    const double dOther = x * kernelInfo(s.kernel).kappaDerivative(x * rho, s.sigmoidBias);
    const double dp = -self * (n - 1) * dOther / (z * z);
    return -dp * std::log(self / other);
}

double longContextCosine(int n, double gamma, double rho) {
    if (n < 2) throw ValidationError("n", "must be >= 2, got " + std::to_string(n));
    // Weights scaled by e^{-beta}: self 1, others q = n^{-gamma (1 - rho)}; y_i = (1 - q) x_i + q S, S =
    // sum_k x_k.
    const double q = std::exp(-gamma * std::log(static_cast<double>(n)) * (1.0 - rho));
    const double diff = 1.0 - q, xs = 1.0 + (n - 1) * rho, ss = n + n * (n - 1.0) * rho;
    const double cross = diff * diff * rho + 2.0 * diff * q * xs + q * q * ss;
    const double norm2 = diff * diff + 2.0 * diff * q * xs + q * q * ss;
    return cross / norm2;
}

double betaForClusteringTime(EquiangularSetup s, double rho0, double rho1, double target, double lo,
                             double hi) {
    if (!(lo > 0 && hi > lo)) throw ValidationError("beta", "search interval must satisfy 0 < lo < hi");
    auto time = [&](double beta) {
        s.beta = beta;
        return clusteringTime(s, rho0, rho1);
    };
    if (time(lo) >= target) return lo;
    if (time(hi) < target) return std::numeric_limits<double>::quiet_NaN();
    for (int i = 0; i < 200 && hi - lo > 1e-12 * hi; ++i) {
        const double mid = 0.5 * (lo + hi);
        (time(mid) >= target ? hi : lo) = mid;
    }
    return hi;
}

Matrix configuration(int n, int d, double rho) {
    if (n < 2) throw ValidationError("n", "must be >= 2, got " + std::to_string(n));
    const double lo = -1.0 / (n - 1);
    if (!(rho >= lo && rho < 1))
        throw ValidationError("rho", "must be in [-1/(n-1), 1), got " + std::to_string(rho));
    const int need = rho >= 0 ? n + 1 : n;
    if (d < need)
        throw ValidationError("d", "must be >= " + std::to_string(need) +
                                       " for an equiangular configuration of " + std::to_string(n) +
                                       " tokens with rho " + (rho >= 0 ? ">= 0" : "< 0") + ", got " +
                                       std::to_string(d));
    Matrix X = Matrix::Zero(d, n);
    if (rho >= 0) {
        // x_i = sqrt(rho) e_0 + sqrt(1 - rho) e_{i+1} (doc/MODEL.md §8).
        X.row(0).setConstant(std::sqrt(rho));
        for (int i = 0; i < n; ++i) X(i + 1, i) = std::sqrt(1.0 - rho);
    } else {
        // Columns of G^{1/2}, G = (1 - rho) I + rho 11^T: eigenvalue 1 - rho on 1^perp, 1 + (n-1) rho on 1.
        const double a = std::sqrt(1.0 - rho), b = std::sqrt(std::max(0.0, 1.0 + (n - 1) * rho));
        X.topRows(n).setConstant((b - a) / n);
        for (int i = 0; i < n; ++i) X(i, i) += a;
    }
    return X;
}

}  // namespace attnsphere::core::equiangular
