#pragma once
// The model of doc/MODEL.md §1–§2: heads, kernel, geometry. Plain data, no behaviour beyond
// small queries; safe to copy between threads (the worker copies it when the GUI edits it).
#include "core/Kernels.h"
#include "core/Names.h"

#include <Eigen/Core>

#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace attnsphere::core {

using Matrix = Eigen::MatrixXd;  // positions are d × n: column i is token x_i (npy (n,d) C-order)
using Vector = Eigen::VectorXd;

enum class Geometry { Sphere, Flat };
enum class IntegratorKind { Euler, RK4, DormandPrince };
// Which keys a query may attend to (doc/MODEL.md): all, or j <= i (token order = column order).
enum class AttentionMask { None, Causal };
// Where the layer normalisation sits (doc/MODEL.md): Post-LN keeps tokens on the sphere; Pre-LN and
// Peri-LN give each token a radius r_i that slows its direction; nGPT normalises the attention output.
enum class LayerNorm { Post, Pre, Peri, NGpt };

struct Head {
    Matrix M;            // score matrix, d × d (s_ij = beta <x_i, M x_j>)
    Matrix V;            // value matrix, d × d
    double alpha = 1.0;  // head strength (>= 0)
    // Per-head inverse temperature; NaN means "use the model's shared beta".
    double beta = std::numeric_limits<double>::quiet_NaN();
};

struct Model {
    KernelKind kernel = KernelKind::Softmax;
    double beta = 1.0;
    double sigmoidBias = 0.0;  // b in 1/(1+e^{-(s+b)}); scenarios default it to -log n
    Geometry geometry = Geometry::Sphere;
    std::vector<Head> heads;
    // Model variants; the defaults are the plain model (each off costs nothing).
    AttentionMask mask = AttentionMask::None;
    double positionalBias = 0.0;  // lambda >= 0: s_ij - lambda |i - j| / n (ALiBi-style)
    int sinkhornIterations = 0;   // > 0: softmax weights made doubly stochastic by this many sweeps
    LayerNorm normalisation = LayerNorm::Post;
    double temperature = 0.0;  // > 0: Brownian motion on the sphere, sqrt(2 temperature) dW

    // The plain model's attention: no mask, bias or Sinkhorn (the fast paths and the exact theory).
    bool plainAttention() const {
        return mask == AttentionMask::None && positionalBias == 0.0 && sinkhornIterations == 0;
    }

    // Pre-LN and Peri-LN tokens carry a radius r_i = |x_i| beside their direction (doc/MODEL.md).
    bool hasRadii() const { return normalisation == LayerNorm::Pre || normalisation == LayerNorm::Peri; }

    int dim() const { return heads.empty() ? 0 : static_cast<int>(heads.front().M.rows()); }
    int headCount() const { return static_cast<int>(heads.size()); }
    double headBeta(int h) const;  // per-head beta if set, else beta
};

template <>
std::span<const NameEntry<Geometry>> nameTable<Geometry>();
template <>
std::span<const NameEntry<IntegratorKind>> nameTable<IntegratorKind>();
template <>
std::span<const NameEntry<AttentionMask>> nameTable<AttentionMask>();
template <>
std::span<const NameEntry<LayerNorm>> nameTable<LayerNorm>();

// Shorthands of nameOf / valueOf / namesOf (core/Names.h) for the model's enums.
inline std::string_view toString(KernelKind k) {
    return nameOf(k);
}
inline std::string_view toString(Geometry g) {
    return nameOf(g);
}
inline std::string_view toString(IntegratorKind k) {
    return nameOf(k);
}
inline std::optional<KernelKind> kernelFromString(std::string_view s) {
    return valueOf<KernelKind>(s);
}
inline std::optional<Geometry> geometryFromString(std::string_view s) {
    return valueOf<Geometry>(s);
}
inline std::optional<IntegratorKind> integratorFromString(std::string_view s) {
    return valueOf<IntegratorKind>(s);
}
// All names accepted by the *FromString functions, for error messages and menus.
inline std::vector<std::string_view> kernelNames() {
    return namesOf<KernelKind>();
}
inline std::vector<std::string_view> geometryNames() {
    return namesOf<Geometry>();
}
inline std::vector<std::string_view> integratorNames() {
    return namesOf<IntegratorKind>();
}

}  // namespace attnsphere::core
