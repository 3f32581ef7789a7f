#pragma once
// Internal to core: the per-block attention kernel shared by VelocityField and the observables.
// A block holds the scores of a few queries against all keys, stored keys × queries (column-major, so
// each query's row of scores is contiguous) — the layout that keeps exp() and the row sums vectorised.
#include "core/Model.h"

#include <algorithm>

namespace attnsphere::core::detail {

// Largest score accepted by the unnormalised exp kernel: e^700 ~ 1e304 still sums over thousands of
// tokens without reaching infinity.
inline constexpr double kMaxExpScore = 700.0;

// Keys per block of queries: the score block (n × rows doubles) stays within about 256 KB (L2).
inline int queryBlockSize(int n) {
    return std::clamp(32768 / std::max(n, 1), 8, 64);
}

// Replaces the scores T (keys × queries) by kernel weights and writes, per query column, the factor that
// turns a column of weights into kappa/N without the 1/n of unnormalised kernels (folded into the values).
// Softmax is max-shifted (the shift cancels in the normalisation). Returns false, with maxScore set,
// when the unnormalised exp kernel would overflow; T is then unspecified.
inline bool applyKernel(KernelKind kernel, double sigmoidBias, Eigen::Ref<Matrix> T, Eigen::Ref<Vector> scale,
                        double& maxScore) {
    const Eigen::Index q = T.cols();
    switch (kernel) {
        case KernelKind::Softmax: {
            for (Eigen::Index i = 0; i < q; ++i) {
                auto col = T.col(i).array();
                const double m = col.maxCoeff();
                col = (col - m).exp();
                scale(i) = 1.0 / col.sum();
            }
            return true;
        }
        case KernelKind::Exp: {
            maxScore = T.maxCoeff();
            if (!(maxScore <= kMaxExpScore)) return false;
            T.array() = T.array().exp();
            scale.setOnes();
            return true;
        }
        case KernelKind::ReluNormalised: {
            T.array() = T.array().max(0.0);
            for (Eigen::Index i = 0; i < q; ++i) {
                const double z = T.col(i).sum();
                scale(i) = z > 0 ? 1.0 / z : 0.0;  // a row with no positive score contributes nothing
            }
            return true;
        }
        case KernelKind::Relu:
            T.array() = T.array().max(0.0);
            scale.setOnes();
            return true;
        case KernelKind::Linear:
            scale.setOnes();
            return true;
        case KernelKind::Sigmoid:
            T.array() = 1.0 / (1.0 + (-(T.array() + sigmoidBias)).exp());
            scale.setOnes();
            return true;
    }
    return true;
}

// The 1/N_i factor that does not depend on the row: 1/n for the unnormalised kernels, 1 otherwise.
inline double constantNormaliser(KernelKind kernel, int n) {
    switch (kernel) {
        case KernelKind::Exp:
        case KernelKind::Relu:
        case KernelKind::Sigmoid:
            return 1.0 / n;
        default:
            return 1.0;
    }
}

}  // namespace attnsphere::core::detail
