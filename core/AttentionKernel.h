#pragma once
// Internal to core: the inner loops of attention, one query at a time against all keys. They are plain
// loops over contiguous arrays, compiled in several instruction-set variants (AVX-512, AVX2, baseline
// x86-64) and chosen at run time, so the portable build still runs vectorised on a modern CPU.
#include "core/Model.h"

#include <algorithm>
#include <cstddef>

namespace attnsphere::core::detail {

// Largest score accepted by the unnormalised exp kernel: e^700 ~ 1e304 still sums over thousands of
// tokens without reaching infinity.
inline constexpr double kMaxExpScore = 700.0;

// Queries per work item of the parallel loops.
inline int queryBlockSize(int n) {
    return std::clamp(16384 / std::max(n, 1), 4, 32);
}

// The 1/N_i factor that does not depend on the row: 1/n for kernels divided by n, 1 otherwise (the row
// sum of the normalised kernels is applied per row).
inline double constantNormaliser(KernelKind kernel, int n) {
    return kernelInfo(kernel).normalisation == Normalisation::ByN ? 1.0 / n : 1.0;
}

// One head's operands: keys = (beta_h M_h X)^T and values = (alpha_h / N) (V_h X)^T, both n × d
// column-major (each coordinate contiguous over the tokens); scoreMatrix = beta_h M_h (d × d) and
// maxNorm = max_j |x_j| give each query a cheap upper bound on its scores (see attendQueries).
struct HeadOperands {
    const double* keys = nullptr;
    const double* values = nullptr;
    const double* scoreMatrix = nullptr;
    double maxNorm = 1;
    int n = 0, d = 0;
    KernelKind kernel = KernelKind::Softmax;
    double sigmoidBias = 0;
};

// For the q queries i0 .. i0+q-1 (their positions X: d × q, column-major), adds the head output
// sum_j (kappa(s_ij)/N_i') values_j to out (d × q), where N_i' is the row sum for normalised kernels and 1
// otherwise. scratch holds n doubles. Returns false (maxScore set) when the unnormalised exp kernel
// would overflow.
bool attendQueries(const HeadOperands& op, int i0, const double* X, int q, double* out, double* scratch,
                   double& maxScore);

// Symmetric score matrices (M_h = M_h^T, so s_ij = s_ji): each kernel weight w_ij = kappa(s_ij - shift)
// is computed once and used for both rows i and j. Handles the tile of queries [i0, i0 + iCount) against
// keys [j0, j0 + jCount) with j0 >= i0 (j0 == i0: the diagonal tile, pairs j >= i only), for d <= 8.
// rowSums ((d + 1) × iCount, row-major: the row sums sum_j w_ij, then sum_j w_ij values_j coordinate by
// coordinate) receives the sums over the tile's keys for each query; colSums ((d + 1) × jCount) the sums
// over the tile's queries for each key (the same buffer as rowSums for a diagonal tile). X: all
// positions (d × n, column-major). The shift is only applied by the softmax kernel.
void attendTileSymmetric(const HeadOperands& op, const double* X, int i0, int iCount, int j0, int jCount,
                         double shift, double* rowSums, double* colSums);
inline constexpr int kMaxSymmetricDim = 8;

// Small systems (n <= kSmallSystemMax, the many runs of a sweep): one head's whole n × n weight matrix at
// once, with the exact row maximum as the softmax shift and every loop vectorised over eight queries at a
// time (no per-row reductions, which dominate at small n). The query arrays are padded to np = n rounded
// up to kSmallSystemLane rows (padding rows zero in XT, ignored in outT). XT: positions transposed (np × d,
// column-major: each coordinate contiguous over the tokens). Adds sum_j P_ij values_j to outT (np × d,
// column-major), P the row-normalised softmax weights. scratch holds np * (n + 1) doubles. Softmax only.
void attendSmallSoftmax(const HeadOperands& op, const double* XT, int np, double* outT, double* scratch);
inline constexpr int kSmallSystemLane = 8;
// Whether the d × d matrix A (column-major) is exactly c I, c = A(0, 0) (identity and scalar heads, the
// papers' case: then A X is a scaling, not a product). A vectorised scan of every entry, not an early exit
// at the first mismatch, since an exact c I must be read whole anyway.
bool isScaledIdentity(const double* A, int d, double& c);
inline constexpr int kSmallSystemMax = 64;
inline bool smallSystem(KernelKind kernel, int n) {
    return kernel == KernelKind::Softmax && n <= kSmallSystemMax;
}

// One head's operands for the observables: keys = (beta_h M_h X)^T, mx = (M_h X)^T and
// mxdot = (M_h Xdot)^T, all n × d column-major.
struct ObserveOperands {
    const double* keys = nullptr;
    const double* mx = nullptr;
    const double* mxdot = nullptr;
    int n = 0, d = 0;
    KernelKind kernel = KernelKind::Softmax;
    double sigmoidBias = 0;
};

// Per query i, what the observables need from its row of scores. The sums are scaled by e^{-logScale}
// (the row maximum for the exp kernels, 0 otherwise) so that e^{s_ij} beyond the double range still
// adds up to an energy that may be representable after the 1/(2 beta n^2) factor.
struct RowObservables {
    double logScale = 0;
    double potential = 0;  // e^{-logScale} sum_j Phi(s_ij)
    double rate = 0;       // e^{-logScale} sum_j kappa(s_ij) (<xdot_i, M x_j> + <x_i, M xdot_j>)
    double entropy = 0;    // of the attention row P (0 for a row with no positive weight)
};
// x, xdot: the query's position and velocity (d each). scratch: 2n doubles. P (n, or nullptr when not
// wanted) receives the attention row P_ij = max(0, kappa_ij) / sum_k max(0, kappa_ik) (all zero when no
// weight is positive); signedP (n, or nullptr) receives kappa_ij / sum_k |kappa_ik|.
RowObservables observeQuery(const ObserveOperands& op, const double* x, const double* xdot, double* scratch,
                            double* P, double* signedP = nullptr);

}  // namespace attnsphere::core::detail
