#include "core/AttentionVariants.h"

#include "core/AttentionKernel.h"
#include "core/Errors.h"

#include <cmath>
#include <sstream>
#include <string>

namespace attnsphere::core::detail {

namespace {
// Rows between two looks at the abort flag.
constexpr int kAbortRows = 64;

void checkAbort(const std::atomic<bool>* abort) {
    if (abort && abort->load(std::memory_order_relaxed)) throw Aborted();
}
}  // namespace

void checkVariantSize(const Model& model, int n) {
    if (model.plainAttention() || n <= kVariantMaxTokens) return;
    throw ValidationError("n", "must be <= " + std::to_string(kVariantMaxTokens) +
                                   " with a mask, positional bias or Sinkhorn normalisation (their attention "
                                   "is computed as dense n x n matrices), got " +
                                   std::to_string(n));
}

void sinkhorn(Matrix& P, int iterations) {
    for (int k = 0; k < iterations; ++k) {
        const Eigen::RowVectorXd columns = P.colwise().sum();
        for (Eigen::Index j = 0; j < P.cols(); ++j)
            if (columns(j) > 0) P.col(j) /= columns(j);
        const Vector rows = P.rowwise().sum();
        for (Eigen::Index i = 0; i < P.rows(); ++i)
            if (rows(i) > 0) P.row(i) /= rows(i);
    }
}

void variantHead(const Model& model, const Matrix& X, int h, VariantHead& out, bool withParts,
                 const std::atomic<bool>* abort) {
    checkAbort(abort);
    const int n = static_cast<int>(X.cols());
    checkVariantSize(model, n);
    const Head& head = model.heads[static_cast<std::size_t>(h)];
    const KernelInfo& kernel = kernelInfo(model.kernel);
    const double lambda = model.positionalBias / n;

    // Scores s_ij = x_i^T (beta_h M_h) x_j, then the bias; computed into weights when no parts are kept.
    Matrix& S = withParts ? out.scores : out.weights;
    const Matrix keys = (model.headBeta(h) * head.M) * X;
    S.noalias() = X.transpose() * keys;
    if (lambda != 0)
        for (int i = 0; i < n; ++i)
            for (int j = 0; j < n; ++j) S(i, j) -= lambda * std::abs(i - j);

    Matrix& K = withParts ? out.kernel : out.weights;
    if (withParts) K.resize(n, n);
    out.shift.setZero(n);
    out.weights.resize(n, n);
    for (int i = 0; i < n; ++i) {
        if (i % kAbortRows == 0) checkAbort(abort);
        const int allowed = allowedKeys(model, i, n);
        double shift = 0;
        if (kernel.exponential) {
            shift = S(i, 0);
            for (int j = 1; j < allowed; ++j) shift = std::max(shift, S(i, j));
            if (kernel.normalisation != Normalisation::RowSum && shift > kMaxExpScore) {
                std::ostringstream msg;
                msg << "unnormalised exp kernel overflows: head " << h + 1 << " has a score s_ij = " << shift
                    << " > " << kMaxExpScore << " (beta = " << model.headBeta(h)
                    << "); lower beta or the score matrix, or use the softmax kernel";
                throw NumericalError(msg.str());
            }
        }
        out.shift(i) = shift;
        double sum = 0;
        for (int j = 0; j < allowed; ++j) {
            const double w =
                kernel.exponential ? std::exp(S(i, j) - shift) : kernel.kappa(S(i, j), model.sigmoidBias);
            K(i, j) = w;
            sum += w;
        }
        for (int j = allowed; j < n; ++j) K(i, j) = 0.0;
        // kappa / N_i over the allowed keys; exponential kernels carry their shift back unless normalised.
        double scale = 1.0;
        switch (kernel.normalisation) {
            case Normalisation::RowSum:
                scale = sum > 0 ? 1.0 / sum : 0.0;
                break;
            case Normalisation::ByN:
                scale = 1.0 / allowed;
                break;
            case Normalisation::None:
                break;
        }
        if (kernel.exponential && kernel.normalisation != Normalisation::RowSum) scale *= std::exp(shift);
        for (int j = 0; j < n; ++j) out.weights(i, j) = K(i, j) * scale;
    }
    if (model.sinkhornIterations > 0) sinkhorn(out.weights, model.sinkhornIterations);
}

}  // namespace attnsphere::core::detail
