#pragma once
// Plain, loop-by-loop reference implementations of doc/MODEL.md §2–§3 for the core tests. Deliberately
// naive (no blocking, no vectorisation, no shared code with core's kernels) so they check core.
#include "core/Initialisation.h"
#include "core/Model.h"
#include "core/Scenario.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace attnsphere::test {

using core::Geometry;
using core::KernelKind;
using core::Matrix;
using core::Model;
using core::Vector;

inline double referenceKappa(KernelKind k, double s, double bias) {
    switch (k) {
        case KernelKind::Softmax:
        case KernelKind::Exp:
            return std::exp(s);
        case KernelKind::ReluNormalised:
        case KernelKind::Relu:
            return s > 0 ? s : 0.0;
        case KernelKind::Linear:
            return s;
        case KernelKind::Sigmoid:
            return 1.0 / (1.0 + std::exp(-(s + bias)));
    }
    return 0;
}

inline double referencePhi(KernelKind k, double s, double bias) {
    switch (k) {
        case KernelKind::Softmax:
        case KernelKind::Exp:
            return std::exp(s);
        case KernelKind::ReluNormalised:
        case KernelKind::Relu:
            return s > 0 ? 0.5 * s * s : 0.0;
        case KernelKind::Linear:
            return 0.5 * s * s;
        case KernelKind::Sigmoid:
            return std::log(1.0 + std::exp(s + bias));
    }
    return 0;
}

inline double bilinear(const Matrix& M, const Matrix& X, int i, int j) {
    double s = 0;
    for (int a = 0; a < M.rows(); ++a)
        for (int b = 0; b < M.cols(); ++b) s += X(a, i) * M(a, b) * X(b, j);
    return s;
}

// Head output u_i^h (before projection), straight from the table of doc/MODEL.md §2.
inline Matrix referenceHeadOutput(const Model& m, const Matrix& X, int h) {
    const int d = static_cast<int>(X.rows()), n = static_cast<int>(X.cols());
    const core::Head& head = m.heads[h];
    const double beta = std::isnan(head.beta) ? m.beta : head.beta;
    Matrix U = Matrix::Zero(d, n);
    for (int i = 0; i < n; ++i) {
        std::vector<double> w(n), s(n);
        double rowSum = 0, rowMax = -INFINITY;
        for (int j = 0; j < n; ++j) {
            s[j] = beta * bilinear(head.M, X, i, j);
            rowMax = std::max(rowMax, s[j]);
        }
        // Softmax is shift-invariant: shift by the row maximum so large beta stays finite.
        const double shift = m.kernel == KernelKind::Softmax ? rowMax : 0.0;
        for (int j = 0; j < n; ++j) {
            w[j] = referenceKappa(m.kernel, s[j] - shift, m.sigmoidBias);
            rowSum += w[j];
        }
        double N = 1;
        if (m.kernel == KernelKind::Softmax || m.kernel == KernelKind::ReluNormalised) N = rowSum;
        if (m.kernel == KernelKind::Exp || m.kernel == KernelKind::Relu || m.kernel == KernelKind::Sigmoid)
            N = n;
        if (N == 0) continue;
        for (int j = 0; j < n; ++j)
            for (int a = 0; a < d; ++a) {
                double vx = 0;
                for (int b = 0; b < d; ++b) vx += head.V(a, b) * X(b, j);
                U(a, i) += head.alpha * w[j] / N * vx;
            }
    }
    return U;
}

inline Matrix referenceVelocity(const Model& m, const Matrix& X) {
    Matrix v = Matrix::Zero(X.rows(), X.cols());
    for (int h = 0; h < m.headCount(); ++h) v += referenceHeadOutput(m, X, h);
    if (m.geometry == Geometry::Sphere)
        for (int i = 0; i < X.cols(); ++i) {
            double r = 0;
            for (int a = 0; a < X.rows(); ++a) r += X(a, i) * v(a, i);
            for (int a = 0; a < X.rows(); ++a) v(a, i) -= r * X(a, i);
        }
    return v;
}

// E_h = 1/(2 beta_h n^2) sum_ij Phi(s_ij).
inline double referenceEnergy(const Model& m, const Matrix& X, int h) {
    const int n = static_cast<int>(X.cols());
    const core::Head& head = m.heads[h];
    const double beta = std::isnan(head.beta) ? m.beta : head.beta;
    double sum = 0;
    for (int i = 0; i < n; ++i)
        for (int j = 0; j < n; ++j)
            sum += referencePhi(m.kernel, beta * bilinear(head.M, X, i, j), m.sigmoidBias);
    return sum / (2.0 * beta * n * n);
}

inline double referenceEnergyTotal(const Model& m, const Matrix& X) {
    double e = 0;
    for (int h = 0; h < m.headCount(); ++h) e += m.heads[h].alpha * referenceEnergy(m, X, h);
    return e;
}

// Attention entropy S_i^h of the row P_ij = max(0, kappa_ij) / sum_k max(0, kappa_ik) (doc/MODEL.md:
// signed kernels show the positive part); 0 for a row without positive weight.
inline double referenceEntropy(const Model& m, const Matrix& X, int h, int i) {
    const int n = static_cast<int>(X.cols());
    const core::Head& head = m.heads[h];
    const double beta = std::isnan(head.beta) ? m.beta : head.beta;
    std::vector<double> w(n);
    double z = 0;
    for (int j = 0; j < n; ++j) {
        w[j] = std::max(0.0, referenceKappa(m.kernel, beta * bilinear(head.M, X, i, j), m.sigmoidBias));
        z += w[j];
    }
    double s = 0;
    for (int j = 0; j < n; ++j)
        if (w[j] > 0) s -= w[j] / z * std::log(w[j] / z);
    return s;
}

// A random model: Gaussian M_h and independent Gaussian V_h (so V's role is checked), strengths in
// [0.5, 1.5], seeded.
inline Model randomModel(int d, int H, KernelKind kernel, double beta, std::uint64_t seed) {
    core::GaussianSource rng(seed);
    Model m;
    m.kernel = kernel;
    m.beta = beta;
    m.sigmoidBias = -1.3;
    for (int h = 0; h < H; ++h) {
        core::Head head;
        head.M = rng.normalMatrix(d, d, 1.0 / std::sqrt(double(d)));
        head.V = rng.normalMatrix(d, d, 1.0 / std::sqrt(double(d)));
        head.alpha = 0.5 + rng.uniform();
        m.heads.push_back(head);
    }
    return m;
}

inline Matrix randomSpherePoints(int n, int d, std::uint64_t seed) {
    core::GaussianSource rng(seed);
    return core::uniformSpherePoints(n, d, rng);
}

}  // namespace attnsphere::test
