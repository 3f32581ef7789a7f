#pragma once
// The model of doc/MODEL.md §1–§2: heads, kernel, geometry. Plain data, no behaviour beyond
// small queries; safe to copy between threads (the worker copies it when the GUI edits it).
#include <Eigen/Core>

#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace attnsphere::core {

using Matrix = Eigen::MatrixXd;  // positions are d × n: column i is token x_i (npy (n,d) C-order)
using Vector = Eigen::VectorXd;

// Attention kernels of doc/MODEL.md §2. "Normalised" kernels divide by the row sum Z_i, the others by n
// (Linear: no normalisation at all, N = 1, as in lightning attention).
enum class KernelKind { Softmax, Exp, ReluNormalised, Relu, Linear, Sigmoid };
enum class Geometry { Sphere, Flat };
enum class IntegratorKind { Euler, RK4, DormandPrince };

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

    int dim() const { return heads.empty() ? 0 : static_cast<int>(heads.front().M.rows()); }
    int headCount() const { return static_cast<int>(heads.size()); }
    double headBeta(int h) const;  // per-head beta if set, else beta
};

bool isNormalised(KernelKind k);
// The kernel can give negative weights (linear): attention shown is then the positive part,
// renormalised, beside the signed weights (doc/MODEL.md).
bool isSigned(KernelKind k);
// kappa(s) and its antiderivative Phi(s) (energy density, doc/MODEL.md §3).
double kernelValue(KernelKind k, double s, double sigmoidBias);
double kernelPotential(KernelKind k, double s, double sigmoidBias);

std::string_view toString(KernelKind k);
std::string_view toString(Geometry g);
std::string_view toString(IntegratorKind k);
std::optional<KernelKind> kernelFromString(std::string_view s);
std::optional<Geometry> geometryFromString(std::string_view s);
std::optional<IntegratorKind> integratorFromString(std::string_view s);
// All names accepted by the *FromString functions, for error messages and menus.
std::vector<std::string_view> kernelNames();
std::vector<std::string_view> geometryNames();
std::vector<std::string_view> integratorNames();

}  // namespace attnsphere::core
