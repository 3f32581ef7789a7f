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
    // Below ~1 Mflop a parallel region costs more than it saves (thread wake-up is ~10-50 us).
    constexpr double kMinParallelWork = 1e6;
    const int t = threads > 0 ? threads : omp_get_max_threads();
    if (pairWork < kMinParallelWork) return 1;
    return std::max(1, std::min(t, items));
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
    std::vector<detail::HeadOperands> ops(static_cast<std::size_t>(H));
    for (int h = 0; h < H; ++h) {
        const Head& head = model.heads[static_cast<std::size_t>(h)];
        m_keys[h].noalias() = X.transpose() * (model.headBeta(h) * head.M.transpose());
        m_values[h].noalias() = X.transpose() * ((head.alpha * invN) * head.V.transpose());
        ops[h] = {m_keys[h].data(), m_values[h].data(), n, d, model.kernel, model.sigmoidBias};
    }
    outs.resize(perHead ? static_cast<std::size_t>(H) : 1);
    for (auto& o : outs) o.setZero(d, n);

    const int block = detail::queryBlockSize(n);
    const int blocks = (n + block - 1) / block;
    const int threads = resolveThreads(m_threads, double(n) * n * H * (2.0 * d + 20.0), blocks);
    m_scratch.resize(static_cast<std::size_t>(threads));

    bool aborted = false;
    bool overflow = false;
    double overflowScore = 0;
    int overflowHead = 0;

#pragma omp parallel num_threads(threads)
    {
        Vector& scratch = m_scratch[static_cast<std::size_t>(omp_get_thread_num())];
        scratch.resize(n);

#pragma omp for schedule(dynamic, 1)
        for (int b = 0; b < blocks; ++b) {
            bool stop;
#pragma omp atomic read
            stop = aborted;
            if (stop || (abort && abort->load(std::memory_order_relaxed))) {
#pragma omp atomic write
                aborted = true;
                continue;
            }
            const int i0 = b * block;
            const int q = std::min(block, n - i0);
            for (int h = 0; h < H; ++h) {
                Matrix& out = outs[perHead ? static_cast<std::size_t>(h) : 0];
                double maxScore = 0;
                if (!detail::attendQueries(ops[h], X.col(i0).data(), q, out.col(i0).data(), scratch.data(),
                                           maxScore)) {
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
