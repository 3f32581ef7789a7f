#include "core/AttentionKernel.h"

#include <bit>
#include <cmath>
#include <cstdint>

// Every hot loop below is cloned for these targets; the dynamic loader picks the best one for the CPU.
#define ATTNSPHERE_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))

namespace attnsphere::core::detail {

namespace {
// e^x by Cody–Waite reduction x = k ln2 + r, |r| <= ln2/2, a degree-12 Taylor polynomial (truncation
// below 2e-16 relative) and 2^k built in the exponent bits. Branch-free so loops vectorise.
inline double vexp(double x) {
    x = x < -707.0 ? -707.0 : x;
    x = x > 709.0 ? 709.0 : x;
    constexpr double kMagic = 0x1.8p52;  // adding it rounds to an integer held in the low mantissa bits
    const double t = x * 1.4426950408889634074 + kMagic;
    const double k = t - kMagic;
    const double r = (x - k * 0x1.62e42fefa3800p-1) - k * 0x1.ef35793c76730p-45;
    double p = 1.0 / 479001600.0;
    p = p * r + 1.0 / 39916800.0;
    p = p * r + 1.0 / 3628800.0;
    p = p * r + 1.0 / 362880.0;
    p = p * r + 1.0 / 40320.0;
    p = p * r + 1.0 / 5040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    p = p * r + 1.0;
    p = p * r + 1.0;
    const std::int64_t ki = std::bit_cast<std::int64_t>(t) - std::bit_cast<std::int64_t>(kMagic);
    return std::bit_cast<double>(std::bit_cast<std::int64_t>(p) + (ki << 52));
}

inline double rowMax(const double* s, int n) {
    double m = -INFINITY;
#pragma omp simd reduction(max : m)
    for (int j = 0; j < n; ++j) m = s[j] > m ? s[j] : m;
    return m;
}

inline double rowSum(const double* s, int n) {
    double z = 0;
#pragma omp simd reduction(+ : z)
    for (int j = 0; j < n; ++j) z += s[j];
    return z;
}

// s_j <- kappa(s_j), possibly scaled by a row constant; returns the factor turning it into kappa/N'.
inline double applyKernel(KernelKind kernel, double bias, double* s, int n, double& maxScore, bool& ok) {
    ok = true;
    switch (kernel) {
        case KernelKind::Softmax: {
            const double m = rowMax(s, n);
            double z = 0;
#pragma omp simd reduction(+ : z)
            for (int j = 0; j < n; ++j) {
                s[j] = vexp(s[j] - m);
                z += s[j];
            }
            return 1.0 / z;
        }
        case KernelKind::Exp: {
            const double m = rowMax(s, n);
            if (!(m <= kMaxExpScore)) {
                maxScore = m;
                ok = false;
                return 0;
            }
#pragma omp simd
            for (int j = 0; j < n; ++j) s[j] = vexp(s[j]);
            return 1.0;
        }
        case KernelKind::ReluNormalised: {
            double z = 0;
#pragma omp simd reduction(+ : z)
            for (int j = 0; j < n; ++j) {
                s[j] = s[j] > 0 ? s[j] : 0.0;
                z += s[j];
            }
            return z > 0 ? 1.0 / z : 0.0;  // a row with no positive score contributes nothing
        }
        case KernelKind::Relu:
#pragma omp simd
            for (int j = 0; j < n; ++j) s[j] = s[j] > 0 ? s[j] : 0.0;
            return 1.0;
        case KernelKind::Linear:
            return 1.0;
        case KernelKind::Sigmoid:
#pragma omp simd
            for (int j = 0; j < n; ++j) s[j] = 1.0 / (1.0 + vexp(-(s[j] + bias)));
            return 1.0;
    }
    return 1.0;
}
}  // namespace

ATTNSPHERE_CLONES
bool attendQueries(const HeadOperands& op, const double* X, int q, double* out, double* scratch,
                   double& maxScore) {
    const int n = op.n, d = op.d;
    double* s = scratch;
    for (int c = 0; c < q; ++c) {
        const double* x = X + static_cast<std::ptrdiff_t>(c) * d;
        {
            const double* key = op.keys;
            const double x0 = x[0];
#pragma omp simd
            for (int j = 0; j < n; ++j) s[j] = key[j] * x0;
        }
        for (int k = 1; k < d; ++k) {
            const double* key = op.keys + static_cast<std::ptrdiff_t>(k) * n;
            const double xk = x[k];
#pragma omp simd
            for (int j = 0; j < n; ++j) s[j] += key[j] * xk;
        }
        bool ok = true;
        const double scale = applyKernel(op.kernel, op.sigmoidBias, s, n, maxScore, ok);
        if (!ok) return false;
        double* o = out + static_cast<std::ptrdiff_t>(c) * d;
        for (int r = 0; r < d; ++r) {
            const double* v = op.values + static_cast<std::ptrdiff_t>(r) * n;
            double acc = 0;
#pragma omp simd reduction(+ : acc)
            for (int j = 0; j < n; ++j) acc += v[j] * s[j];
            o[r] += scale * acc;
        }
    }
    return true;
}

ATTNSPHERE_CLONES
RowObservables observeRow(KernelKind kernel, double bias, const double* s, int n, double* K, double* P) {
    RowObservables out;
    switch (kernel) {
        case KernelKind::Softmax:
        case KernelKind::Exp: {
            // P is max-shifted (stable); K and the potential are e^s itself (they may overflow).
            const double m = rowMax(s, n);
            double z = 0, potential = 0, weighted = 0;
#pragma omp simd reduction(+ : z, potential)
            for (int j = 0; j < n; ++j) {
                P[j] = vexp(s[j] - m);
                z += P[j];
                K[j] = s[j] > 709.0 ? INFINITY : vexp(s[j]);
                potential += K[j];
            }
            const double inv = 1.0 / z;
#pragma omp simd reduction(+ : weighted)
            for (int j = 0; j < n; ++j) {
                P[j] *= inv;
                weighted += P[j] * (s[j] - m);
            }
            out.potential = potential;
            out.entropy = std::log(z) - weighted;  // -sum P log P with log P = s - m - log z
            return out;
        }
        case KernelKind::ReluNormalised:
        case KernelKind::Relu:
        case KernelKind::Linear:
        case KernelKind::Sigmoid:
            break;
    }
    double potential = 0, z = 0;
    for (int j = 0; j < n; ++j) {
        K[j] = kernelValue(kernel, s[j], bias);
        potential += kernelPotential(kernel, s[j], bias);
        z += K[j];
    }
    out.potential = potential;
    if (z == 0.0) {
        for (int j = 0; j < n; ++j) P[j] = 0.0;
        return out;
    }
    // Linear scores can be negative: only positive weights enter the entropy.
    double entropy = 0;
    for (int j = 0; j < n; ++j) {
        P[j] = K[j] / z;
        if (P[j] > 0) entropy -= P[j] * std::log(P[j]);
    }
    out.entropy = entropy;
    return out;
}

ATTNSPHERE_CLONES
void expInPlace(double* x, std::ptrdiff_t n) {
#pragma omp simd
    for (std::ptrdiff_t j = 0; j < n; ++j) x[j] = vexp(x[j]);
}

}  // namespace attnsphere::core::detail
