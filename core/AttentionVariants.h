#pragma once
// Internal to core: the attention variants of doc/MODEL.md §2.3 (causal mask, positional bias, Sinkhorn),
// one head's whole n × n weight matrix at a time. The plain model never comes here (Model::plainAttention
// keeps its blocked, vectorised paths); this path is plain loops and Eigen products, dense per head.
#include "core/Model.h"

#include <atomic>

namespace attnsphere::core::detail {

// Largest n the dense path accepts: it holds up to three n × n matrices of doubles (96 MiB at this n).
inline constexpr int kVariantMaxTokens = 2048;

// Keys query i may attend to: j < allowedKeys (causal: j <= i; otherwise all n).
inline int allowedKeys(const Model& model, int i, int n) {
    return model.mask == AttentionMask::Causal ? i + 1 : n;
}

// Throws ValidationError naming n and kVariantMaxTokens when the model needs the dense path and n is
// beyond it.
void checkVariantSize(const Model& model, int n);

// One head's weights. scores: s_ij = beta_h <x_i, M_h x_j> - lambda |i - j| / n on the allowed keys.
// kernel: kappa(s_ij), for exponential kernels e^{s_ij - shift_i} with shift_i the row's largest allowed
// score. weights: the dynamics' kappa(s_ij) / N_i^h (N over the allowed keys; Sinkhorn: the balanced
// matrix). Entries of masked keys are 0 in kernel and weights and unspecified in scores.
struct VariantHead {
    Matrix scores, kernel, weights;
    Vector shift;
};
// Fills out for head h of model at positions X (d × n). withParts false leaves scores and kernel empty
// (the velocity needs only the weights). Throws NumericalError when the unnormalised exp kernel
// overflows, Aborted when abort is set (checked between row blocks).
void variantHead(const Model& model, const Matrix& X, int h, VariantHead& out, bool withParts,
                 const std::atomic<bool>* abort = nullptr);

// Sinkhorn balancing in place: `iterations` times, divide each column by its sum, then each row by its sum
// (rows end summing to 1). Columns or rows summing to 0 (underflow) are left as they are.
void sinkhorn(Matrix& P, int iterations);

}  // namespace attnsphere::core::detail
