#pragma once
// The velocity field of doc/MODEL.md §2: dx_i/dt = Pi_i( sum_h alpha_h (1/N_i^h) sum_j kappa(s_ij^h) V_h x_j
// ). Evaluated blocked over query rows, vectorised (SIMD loops) and multithreaded (WorkerPool); stores no n ×
// n × H array. Not thread-safe per instance (it owns scratch buffers): one per thread of use.
#include "core/Model.h"

#include <atomic>
#include <string>
#include <vector>

namespace attnsphere::core {

class VelocityField {
public:
    // X: d × n positions. out: d × n velocity (projected onto the tangent spaces for Sphere geometry).
    // Throws NumericalError when an unnormalised exp kernel would overflow, Aborted when abort is set.
    void evaluate(const Model& model, const Matrix& X, Matrix& out, const std::atomic<bool>* abort = nullptr);
    // The attention output A_i = sum_h alpha_h (1/N_i^h) sum_j kappa(s_ij^h) V_h x_j without the tangent
    // projection, whatever the geometry (the normalisation schemes of doc/MODEL.md build on it).
    void attentionOutput(const Model& model, const Matrix& X, Matrix& out,
                         const std::atomic<bool>* abort = nullptr);

    // Per-head outputs u_i^h (d × n each, before projection), for observables. Same cost order as evaluate.
    void headOutputs(const Model& model, const Matrix& X, std::vector<Matrix>& U,
                     const std::atomic<bool>* abort = nullptr);

    // Threads used by evaluate/headOutputs (0 = OpenMP's default count, OMP_NUM_THREADS or the cores).
    // Results do not depend on it: every sum is formed in a fixed order whichever thread runs it.
    void setThreads(int threads) { m_threads = threads; }
    int threads() const { return m_threads; }

private:
    // evaluate for detail::smallSystem, projection included: single-threaded whatever setThreads says, so
    // a sweep's runs on one thread each and `attnsphere run` compute the same numbers.
    void evaluateSmall(const Model& model, const Matrix& X, Matrix& out, const std::atomic<bool>* abort,
                       bool project);
    void evaluateProjected(const Model& model, const Matrix& X, Matrix& out, const std::atomic<bool>* abort,
                           bool project);
    // Accumulates head outputs: into one d × n matrix (perHead false) or one per head.
    void accumulate(const Model& model, const Matrix& X, std::vector<Matrix>& outs, bool perHead,
                    const std::atomic<bool>* abort);
    // accumulate for a model with a mask, positional bias or Sinkhorn (!Model::plainAttention()): dense
    // per head (core/AttentionVariants.h), single-threaded. `projected`: the caller projects the result onto
    // the tangent spaces, so a token's own term along x_i may be left out (see the .cpp).
    void accumulateVariants(const Model& model, const Matrix& X, std::vector<Matrix>& outs, bool perHead,
                            const std::atomic<bool>* abort, bool projected);

    int m_threads = 0;
    std::vector<Matrix> m_scoreMatrices;              // per head: beta_h M_h
    std::vector<Matrix> m_keys;                       // per head: (beta_h M_h X)^T, n × d
    std::vector<Matrix> m_values;                     // per head: (alpha_h / N) (V_h X)^T, n × d
    std::vector<Vector> m_scratch;                    // per thread: one row of scores
    std::vector<double> m_tileSums;                   // per tile of a symmetric head: its row and column sums
    Matrix m_positionsT, m_keysT, m_valuesT, m_outT;  // evaluateSmall: n × d each
    std::vector<double> m_smallScratch;
};

// Tangential projection of every column: v_i - <x_i, v_i> x_i.
void projectTangent(const Matrix& X, Matrix& V);
// Normalise every column to unit length.
void normaliseColumns(Matrix& X);
// out = X^T A^T (n × rows(A): row i is A x_i) in slices of tokens, with the abort flag checked between
// slices (Aborted): at n = 20000, d = 4096 one such product takes minutes.
void transformTokens(const Matrix& A, const Matrix& X, Matrix& out, const std::atomic<bool>* abort = nullptr);
// What to change when a number computed for this model and state is not finite (for error messages).
std::string numericalRemedy(const Model& model, const Matrix& X);
// Thread count for a requested value (0 = OpenMP's default count), reduced to 1 when the work (about
// `pairWork` flops) is too small to pay for waking a team, and never above the number of work items.
int resolveThreads(int threads, double pairWork = 1e300, int items = 1 << 30);

}  // namespace attnsphere::core
