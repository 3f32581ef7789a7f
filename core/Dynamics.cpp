#include "core/Dynamics.h"

#include "core/AttentionKernel.h"
#include "core/Errors.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <sstream>
#include <string>

namespace attnsphere::core {

int resolveThreads(int threads, double pairWork, int items) {
#if defined(__SANITIZE_THREAD__)
    // libgomp is not instrumented: ThreadSanitizer would report its barriers as races.
    (void)threads, (void)pairWork, (void)items;
    return 1;
#else
    // Below ~1 Mflop a parallel region costs more than it saves (thread wake-up is ~10-50 us).
    constexpr double kMinParallelWork = 1e6;
    const int t = threads > 0 ? threads : omp_get_max_threads();
    if (pairWork < kMinParallelWork) return 1;
    return std::max(1, std::min(t, items));
#endif
}

void projectTangent(const Matrix& X, Matrix& V) {
    const Eigen::RowVectorXd radial = (X.array() * V.array()).colwise().sum();
    V -= X * radial.asDiagonal();
}

void normaliseColumns(Matrix& X) {
    X.colwise().normalize();
}

void VelocityField::evaluate(const Model& model, const Matrix& X, Matrix& out,
                             const std::atomic<bool>* abort) {
    std::vector<Matrix> outs(1);
    outs[0].swap(out);
    accumulate(model, X, outs, false, abort);
    out.swap(outs[0]);
    if (model.geometry == Geometry::Sphere) projectTangent(X, out);
    if (!out.allFinite())
        throw NumericalError(
            "the velocity is not finite (NaN or infinity): lower beta or dt, or use the "
            "softmax kernel");
}

void VelocityField::headOutputs(const Model& model, const Matrix& X, std::vector<Matrix>& U,
                                const std::atomic<bool>* abort) {
    accumulate(model, X, U, true, abort);
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
        m_keys[h].noalias() = X.transpose() * m_scoreMatrices[h].transpose();
        m_values[h].noalias() = X.transpose() * ((head.alpha * invN) * head.V.transpose());
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
        if (tiled && (model.kernel == KernelKind::Softmax || model.kernel == KernelKind::Exp)) {
            // Row i of the keys is beta M x_i: |.| maxNorm bounds row i's scores, <., x_i> is s_ii.
            const Eigen::ArrayXd bound = m_keys[h].rowwise().norm().array() * maxNorm;
            const Eigen::ArrayXd diagonal = (m_keys[h].array() * X.transpose().array()).rowwise().sum();
            const double shift = bound.maxCoeff();
            if (model.kernel == KernelKind::Softmax) {
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
    const int tiledItems = static_cast<int>(tiledHeads.size() * tilePairs.size());
    const int threads =
        resolveThreads(m_threads, double(n) * n * H * (2.0 * d + 20.0), std::max(blocks, tiledItems));
    m_scratch.resize(static_cast<std::size_t>(threads));
    m_tileSums.resize(static_cast<std::size_t>(threads));
    const std::size_t perThread = tiledHeads.size() * static_cast<std::size_t>(d + 1) * n;

    bool aborted = false;
    bool overflow = false;
    double overflowScore = 0;
    int overflowHead = 0;
    auto stopRequested = [&] {
        bool stop;
#pragma omp atomic read
        stop = aborted;
        if (stop || (abort && abort->load(std::memory_order_relaxed))) {
#pragma omp atomic write
            aborted = true;
            return true;
        }
        return false;
    };

#pragma omp parallel num_threads(threads)
    {
        const int tid = omp_get_thread_num();
        Vector& scratch = m_scratch[static_cast<std::size_t>(tid)];
        scratch.resize(n);
        // Per thread and tiled head: n row sums, then d × n value sums (row-major).
        std::vector<double>& sums = m_tileSums[static_cast<std::size_t>(tid)];
        sums.assign(perThread, 0.0);

        // Static schedule: which thread sums which tile is fixed, so results repeat bit for bit.
#pragma omp for schedule(static, 1) nowait
        for (int item = 0; item < tiledItems; ++item) {
            if (stopRequested()) continue;
            const std::size_t t = static_cast<std::size_t>(item) / tilePairs.size();
            const auto [I, J] = tilePairs[static_cast<std::size_t>(item) % tilePairs.size()];
            const int h = tiledHeads[t];
            double* z = sums.data() + t * static_cast<std::size_t>(d + 1) * n;
            detail::attendTileSymmetric(ops[h], X.data(), I * tile, std::min(tile, n - I * tile), J * tile,
                                        std::min(tile, n - J * tile), shifts[h], z, z + n);
        }

#pragma omp for schedule(dynamic, 1)
        for (int b = 0; b < blocks; ++b) {
            if (stopRequested()) continue;
            const int i0 = b * block;
            const int q = std::min(block, n - i0);
            for (int h : rowHeads) {
                Matrix& out = outs[perHead ? static_cast<std::size_t>(h) : 0];
                double maxScore = 0;
                if (!detail::attendQueries(ops[h], i0, X.col(i0).data(), q, out.col(i0).data(),
                                           scratch.data(), maxScore)) {
#pragma omp critical(attnsphere_overflow)
                    {
                        if (!overflow || maxScore > overflowScore) {
                            overflowScore = maxScore;
                            overflowHead = h;
                        }
                        overflow = true;
                    }
                }
            }
        }

        // Combine the tiled heads' per-thread sums in thread order, then normalise rows.
        if (!tiledHeads.empty()) {
#pragma omp for schedule(static)
            for (int i = 0; i < n; ++i) {
                for (std::size_t t = 0; t < tiledHeads.size(); ++t) {
                    const int h = tiledHeads[t];
                    double a[detail::kMaxSymmetricDim] = {};
                    double z = 0;
                    for (int th = 0; th < threads; ++th) {
                        const double* base = m_tileSums[static_cast<std::size_t>(th)].data() +
                                             t * static_cast<std::size_t>(d + 1) * n;
                        z += base[i];
                        for (int r = 0; r < d; ++r) a[r] += base[static_cast<std::size_t>(r + 1) * n + i];
                    }
                    double scale = 1.0;
                    if (isNormalised(model.kernel)) scale = z > 0 ? 1.0 / z : 0.0;
                    Matrix& out = outs[perHead ? static_cast<std::size_t>(h) : 0];
                    for (int r = 0; r < d; ++r) out(r, i) += scale * a[r];
                }
            }
        }
    }

    if (overflow) {
        std::ostringstream msg;
        msg << "unnormalised exp kernel overflows: head " << overflowHead
            << " has a score s_ij = " << overflowScore << " > " << detail::kMaxExpScore
            << " (beta = " << model.headBeta(overflowHead)
            << "); lower beta or the score matrix, or use the softmax kernel";
        throw NumericalError(msg.str());
    }
    if (aborted) throw Aborted();
}

}  // namespace attnsphere::core
