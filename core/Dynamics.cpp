#include "core/Dynamics.h"

#include "core/AttentionKernel.h"
#include "core/AttentionVariants.h"
#include "core/Errors.h"

#include "core/WorkerPool.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <mutex>
#include <sstream>
#include <string>

namespace attnsphere::core {

int resolveThreads(int threads, double pairWork, int items) {
    // Below ~1 Mflop handing blocks to WorkerPool threads costs more than it saves (wake-up is ~10-50 us).
    constexpr double kMinParallelWork = 1e6;
    const int t = threads > 0 ? threads : omp_get_max_threads();
    if (pairWork < kMinParallelWork) return 1;
    return std::max(1, std::min(t, items));
}

std::string numericalRemedy(const Model& model, const Matrix& X) {
    // Flat tokens this far beyond any initial position (entries <= 1e6) have run away: shadows ~ |x|^2 and
    // margins ~ |x|^4 overflow next, and the remedy is the horizon, not beta.
    constexpr double kFlatRunaway = 1e20;
    if (model.geometry == Geometry::Flat && X.allFinite() && X.cwiseAbs().maxCoeff() > kFlatRunaway)
        return "the flat geometry's norms grow without bound; shorten t_end, weaken V or beta, or use the "
               "sphere geometry";
    if (kernelInfo(model.kernel).exponential)
        return "the weights e^{s_ij} exceed the double range; reduce beta or the score matrix entries "
               "(s_ij = beta <x_i, M x_j> beyond about 700 overflows)";
    return "reduce beta, the matrix entries or dt";
}

void transformTokens(const Matrix& A, const Matrix& X, Matrix& out, const std::atomic<bool>* abort) {
    const Eigen::Index n = X.cols();
    out.resize(n, A.rows());
    // About 2e9 flops (a fraction of a second) per slice: smaller slices slow the product down (measured
    // 15 % at d = 512), and up to d ~ 1000 the usual n is a single product.
    const double perToken = std::max(1.0, double(X.rows()) * double(A.rows()));
    const Eigen::Index slice = std::max<Eigen::Index>(64, static_cast<Eigen::Index>(1e9 / perToken));
    for (Eigen::Index i0 = 0; i0 < n; i0 += slice) {
        if (abort && abort->load(std::memory_order_relaxed)) throw Aborted();
        const Eigen::Index len = std::min(slice, n - i0);
        out.middleRows(i0, len).noalias() = X.middleCols(i0, len).transpose() * A.transpose();
    }
}

void projectTangent(const Matrix& X, Matrix& V) {
    const Eigen::RowVectorXd radial = (X.array() * V.array()).colwise().sum();
    V -= X * radial.asDiagonal();
}

void normaliseColumns(Matrix& X) {
    X.colwise().normalize();
}

namespace {
// out = XT A^T (n × d): row i is A x_i, for XT = X^T.
template <typename Positions>
void transformSmall(const Matrix& A, double scale, const Positions& XT, Matrix& out) {
    double c = 0;
    if (detail::isScaledIdentity(A.data(), static_cast<int>(A.rows()), c))
        out = (scale * c) * XT;
    else
        out.noalias() = XT * (scale * A).transpose();
}
}  // namespace

void VelocityField::evaluateSmall(const Model& model, const Matrix& X, Matrix& out,
                                  const std::atomic<bool>* abort, bool project) {
    if (abort && abort->load(std::memory_order_relaxed)) throw Aborted();
    const int d = static_cast<int>(X.rows());
    const int n = static_cast<int>(X.cols());
    const int np = (n + detail::kSmallSystemLane - 1) / detail::kSmallSystemLane * detail::kSmallSystemLane;
    m_positionsT.setZero(np, d);
    m_positionsT.topRows(n) = X.transpose();
    m_outT.setZero(np, d);
    m_smallScratch.resize(static_cast<std::size_t>(np) * (n + 1));
    const double invN = detail::constantNormaliser(model.kernel, n);
    for (int h = 0; h < model.headCount(); ++h) {
        const Head& head = model.heads[static_cast<std::size_t>(h)];
        transformSmall(head.M, model.headBeta(h), m_positionsT.topRows(n), m_keysT);
        transformSmall(head.V, head.alpha * invN, m_positionsT.topRows(n), m_valuesT);
        const detail::HeadOperands op{m_keysT.data(), m_valuesT.data(), nullptr, 1.0, n, d,
                                      model.kernel,   model.sigmoidBias};
        detail::attendSmallSoftmax(op, m_positionsT.data(), np, m_outT.data(), m_smallScratch.data());
    }
    if (project) {
        // The tangent projection here, vectorised over the tokens (the padding rows are zero).
        const Eigen::ArrayXd radial = (m_positionsT.array() * m_outT.array()).rowwise().sum();
        m_outT.array() -= m_positionsT.array().colwise() * radial;
    }
    out = m_outT.topRows(n).transpose();
}

void VelocityField::evaluate(const Model& model, const Matrix& X, Matrix& out,
                             const std::atomic<bool>* abort) {
    evaluateProjected(model, X, out, abort, model.geometry == Geometry::Sphere);
}

void VelocityField::attentionOutput(const Model& model, const Matrix& X, Matrix& out,
                                    const std::atomic<bool>* abort) {
    evaluateProjected(model, X, out, abort, false);
}

void VelocityField::evaluateProjected(const Model& model, const Matrix& X, Matrix& out,
                                      const std::atomic<bool>* abort, bool project) {
    if (!model.plainAttention()) {
        std::vector<Matrix> outs(1);
        accumulateVariants(model, X, outs, false, abort, project);
        out.swap(outs[0]);
        if (project) projectTangent(X, out);
        if (!out.allFinite())
            throw NumericalError("the velocity is not finite (NaN or infinity): " +
                                 numericalRemedy(model, X));
        return;
    }
    if (detail::smallSystem(model.kernel, static_cast<int>(X.cols()))) {
        evaluateSmall(model, X, out, abort, project);
        if (!out.allFinite())
            throw NumericalError("the velocity is not finite (NaN or infinity): " +
                                 numericalRemedy(model, X));
        return;
    }
    std::vector<Matrix> outs(1);
    outs[0].swap(out);
    accumulate(model, X, outs, false, abort);
    out.swap(outs[0]);
    if (project) projectTangent(X, out);
    if (!out.allFinite())
        throw NumericalError("the velocity is not finite (NaN or infinity): " + numericalRemedy(model, X));
}

void VelocityField::headOutputs(const Model& model, const Matrix& X, std::vector<Matrix>& U,
                                const std::atomic<bool>* abort) {
    if (!model.plainAttention())
        accumulateVariants(model, X, U, true, abort, false);
    else
        accumulate(model, X, U, true, abort);
}

void VelocityField::accumulateVariants(const Model& model, const Matrix& X, std::vector<Matrix>& outs,
                                       bool perHead, const std::atomic<bool>* abort, bool projected) {
    const int d = static_cast<int>(X.rows()), n = static_cast<int>(X.cols()), H = model.headCount();
    outs.resize(perHead ? static_cast<std::size_t>(H) : 1);
    for (auto& o : outs) o.setZero(d, n);
    detail::VariantHead weights;
    for (int h = 0; h < H; ++h) {
        const Head& head = model.heads[static_cast<std::size_t>(h)];
        detail::variantHead(model, X, h, weights, false, abort);
        // Projected onto the sphere's tangent space, a token's own term c x_i (V_h = c I) is exactly 0;
        // dropping it keeps a token that attends only to itself (the first under a causal mask) exactly
        // still. Per-head outputs (radial shadows) and Pre-LN's free field need the term.
        double c = 0;
        if (projected && detail::isScaledIdentity(head.V.data(), d, c)) weights.weights.diagonal().setZero();
        // Column i of (alpha_h V_h X) W^T is alpha_h sum_j W_ij V_h x_j.
        outs[perHead ? static_cast<std::size_t>(h) : 0].noalias() +=
            (head.alpha * head.V * X) * weights.weights.transpose();
    }
}

void VelocityField::accumulate(const Model& model, const Matrix& X, std::vector<Matrix>& outs, bool perHead,
                               const std::atomic<bool>* abort) {
    const int d = static_cast<int>(X.rows());
    const int n = static_cast<int>(X.cols());
    const int H = model.headCount();
    const double invN = detail::constantNormaliser(model.kernel, n);

    m_keys.resize(static_cast<std::size_t>(H));
    m_values.resize(static_cast<std::size_t>(H));
    m_scoreMatrices.resize(static_cast<std::size_t>(H));
    std::vector<detail::HeadOperands> ops(static_cast<std::size_t>(H));
    const double maxNorm = X.colwise().norm().maxCoeff();
    for (int h = 0; h < H; ++h) {
        const Head& head = model.heads[static_cast<std::size_t>(h)];
        m_scoreMatrices[h] = model.headBeta(h) * head.M;
        transformTokens(m_scoreMatrices[h], X, m_keys[h], abort);
        transformTokens((head.alpha * invN) * head.V, X, m_values[h], abort);
        ops[h] = {m_keys[h].data(), m_values[h].data(), m_scoreMatrices[h].data(), maxNorm, n, d,
                  model.kernel,     model.sigmoidBias};
    }
    outs.resize(perHead ? static_cast<std::size_t>(H) : 1);
    for (auto& o : outs) o.setZero(d, n);

    // Heads with a symmetric score matrix compute each weight once for both s_ij and s_ji (tiles);
    // the others go query row by query row.
    std::vector<int> tiledHeads, rowHeads;
    std::vector<double> shifts(static_cast<std::size_t>(H), 0.0);
    for (int h = 0; h < H; ++h) {
        const Matrix& M = model.heads[static_cast<std::size_t>(h)].M;
        bool tiled = d <= detail::kMaxSymmetricDim && M == M.transpose();
        if (tiled && kernelInfo(model.kernel).exponential) {
            // Row i of the keys is beta M x_i: |.| maxNorm bounds row i's scores, <., x_i> is s_ii.
            const Eigen::ArrayXd bound = m_keys[h].rowwise().norm().array() * maxNorm;
            const Eigen::ArrayXd diagonal = (m_keys[h].array() * X.transpose().array()).rowwise().sum();
            const double shift = bound.maxCoeff();
            if (isNormalised(model.kernel)) {
                // One shift for all rows: every row keeps a weight >= e^-600 (no underflow to 0).
                tiled = shift - diagonal.minCoeff() < 600.0;
                shifts[h] = shift;
            } else {
                tiled = shift <= detail::kMaxExpScore;  // else the row path finds the exact maximum
            }
        }
        (tiled ? tiledHeads : rowHeads).push_back(h);
    }

    const int block = detail::queryBlockSize(n);
    const int blocks = rowHeads.empty() ? 0 : (n + block - 1) / block;
    const int tile = std::clamp((n / 4 + 15) / 16 * 16, 64, 512);  // larger tiles amortise per-row work
    const int tileCount = (n + tile - 1) / tile;
    std::vector<std::pair<int, int>> tilePairs;
    for (int I = 0; I < tileCount; ++I)
        for (int J = I; J < tileCount; ++J) tilePairs.emplace_back(I, J);
    const int pairCount = static_cast<int>(tilePairs.size());
    const int tiledItems = static_cast<int>(tiledHeads.size()) * pairCount;
    const int threads =
        resolveThreads(m_threads, double(n) * n * H * (2.0 * d + 20.0), std::max(blocks, tiledItems));
    m_scratch.resize(static_cast<std::size_t>(threads));
    for (Vector& v : m_scratch) v.resize(n);
    // Every tile writes its own row and column sums, (d + 1) × tile each; they are added up per row
    // block in a fixed order below, so results do not depend on the thread count or timing.
    const std::size_t tileSlot = 2 * static_cast<std::size_t>(d + 1) * tile;
    m_tileSums.assign(static_cast<std::size_t>(tiledItems) * tileSlot, 0.0);

    std::atomic<bool> aborted{false};
    std::mutex overflowMutex;
    bool overflow = false;
    double overflowScore = 0;
    int overflowHead = 0;
    auto stopRequested = [&] {
        if (aborted.load(std::memory_order_relaxed)) return true;
        if (abort && abort->load(std::memory_order_relaxed)) {
            aborted.store(true, std::memory_order_relaxed);
            return true;
        }
        return false;
    };

    // Items: first the tiles of the symmetric heads, then the query blocks of the others.
    WorkerPool::instance().run(tiledItems + blocks, threads, [&](int item, int slot) {
        if (stopRequested()) return;
        if (item < tiledItems) {
            const int t = item / pairCount;
            const auto [I, J] = tilePairs[static_cast<std::size_t>(item % pairCount)];
            const int h = tiledHeads[static_cast<std::size_t>(t)];
            double* rowSums = m_tileSums.data() + static_cast<std::size_t>(item) * tileSlot;
            double* colSums = I == J ? rowSums : rowSums + tileSlot / 2;
            const int iCount = std::min(tile, n - I * tile), jCount = std::min(tile, n - J * tile);
            detail::attendTileSymmetric(ops[h], X.data(), I * tile, iCount, J * tile, jCount, shifts[h],
                                        rowSums, colSums);
            return;
        }
        const int b = item - tiledItems;
        const int i0 = b * block;
        const int q = std::min(block, n - i0);
        Vector& scratch = m_scratch[static_cast<std::size_t>(slot)];
        for (int h : rowHeads) {
            Matrix& out = outs[perHead ? static_cast<std::size_t>(h) : 0];
            double maxScore = 0;
            if (!detail::attendQueries(ops[h], i0, X.col(i0).data(), q, out.col(i0).data(), scratch.data(),
                                       maxScore)) {
                std::lock_guard lock(overflowMutex);
                if (!overflow || maxScore > overflowScore) {
                    overflowScore = maxScore;
                    overflowHead = h;
                }
                overflow = true;
            }
        }
    });

    // Combine the symmetric heads' tile sums per row block (tiles in a fixed order), then normalise rows.
    if (!tiledHeads.empty() && !aborted.load()) {
        WorkerPool::instance().run(tileCount, threads, [&](int B, int) {
            const int r0 = B * tile, rows = std::min(tile, n - r0);
            for (std::size_t t = 0; t < tiledHeads.size(); ++t) {
                const int h = tiledHeads[t];
                Eigen::ArrayXXd sums = Eigen::ArrayXXd::Zero(rows, d + 1);
                for (int p = 0; p < pairCount; ++p) {
                    const auto [I, J] = tilePairs[static_cast<std::size_t>(p)];
                    if (I != B && J != B) continue;
                    const double* base = m_tileSums.data() + (t * pairCount + p) * tileSlot;
                    const double* part = I == B ? base : base + tileSlot / 2;  // row sums, or column sums
                    const int width = I == B ? std::min(tile, n - I * tile) : std::min(tile, n - J * tile);
                    for (int r = 0; r <= d; ++r)
                        for (int k = 0; k < rows; ++k)
                            sums(k, r) += part[static_cast<std::size_t>(r) * width + k];
                }
                Matrix& out = outs[perHead ? static_cast<std::size_t>(h) : 0];
                for (int k = 0; k < rows; ++k) {
                    double scale = 1.0;
                    if (isNormalised(model.kernel)) scale = sums(k, 0) > 0 ? 1.0 / sums(k, 0) : 0.0;
                    for (int r = 0; r < d; ++r) out(r, r0 + k) += scale * sums(k, r + 1);
                }
            }
        });
    }

    if (overflow) {
        std::ostringstream msg;
        msg << "unnormalised exp kernel overflows: head " << overflowHead + 1
            << " has a score s_ij = " << overflowScore << " > " << detail::kMaxExpScore
            << " (beta = " << model.headBeta(overflowHead)
            << "); lower beta or the score matrix, or use the softmax kernel";
        throw NumericalError(msg.str());
    }
    if (aborted) throw Aborted();
}

}  // namespace attnsphere::core
