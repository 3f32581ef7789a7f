#include "core/Kernels.h"

#include <algorithm>
#include <array>
#include <cmath>

namespace attnsphere::core {

namespace {

double expKappa(double s, double) {
    return std::exp(s);
}
double reluKappa(double s, double) {
    return std::max(0.0, s);
}
double reluPotential(double s, double) {
    const double r = std::max(0.0, s);
    return 0.5 * r * r;
}
double reluDerivative(double s, double) {
    return s > 0 ? 1.0 : 0.0;
}
double linearKappa(double s, double) {
    return s;
}
double linearPotential(double s, double) {
    return 0.5 * s * s;
}
double linearDerivative(double, double) {
    return 1.0;
}
double sigmoidKappa(double s, double bias) {
    return 1.0 / (1.0 + std::exp(-(s + bias)));
}
double sigmoidPotential(double s, double bias) {
    // log(1 + e^z) without overflow for large z.
    const double z = s + bias;
    return std::max(z, 0.0) + std::log1p(std::exp(-std::abs(z)));
}
double sigmoidDerivative(double s, double bias) {
    const double sig = sigmoidKappa(s, bias);
    return sig * (1.0 - sig);
}

constexpr std::array<KernelInfo, kKernelCount> kKernels{{
    {KernelKind::Softmax, "softmax", "kappa = e^s, divided by the row sum Z_i (self-attention, SA)",
     Normalisation::RowSum, false, true, expKappa, expKappa, expKappa},
    {KernelKind::Exp, "exp", "kappa = e^s, divided by n (unnormalised self-attention, USA)",
     Normalisation::ByN, false, true, expKappa, expKappa, expKappa},
    {KernelKind::ReluNormalised, "relu", "kappa = max(0, s), divided by the row sum Z_i",
     Normalisation::RowSum, false, false, reluKappa, reluPotential, reluDerivative},
    {KernelKind::Relu, "relu-unnormalised", "kappa = max(0, s), divided by n", Normalisation::ByN, false,
     false, reluKappa, reluPotential, reluDerivative},
    {KernelKind::Linear, "linear", "kappa = s, not normalised (lightning attention); weights can be negative",
     Normalisation::None, true, false, linearKappa, linearPotential, linearDerivative},
    {KernelKind::Sigmoid, "sigmoid", "kappa = 1/(1 + e^-(s+b)) with b = sigmoid_bias, divided by n",
     Normalisation::ByN, false, false, sigmoidKappa, sigmoidPotential, sigmoidDerivative},
}};

constexpr bool inEnumOrder() {
    for (int i = 0; i < kKernelCount; ++i)
        if (static_cast<int>(kKernels[static_cast<std::size_t>(i)].kind) != i) return false;
    return true;
}
static_assert(inEnumOrder(), "kKernels is indexed by KernelKind");

constexpr auto kKernelNames = [] {
    std::array<NameEntry<KernelKind>, kKernelCount> out{};
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = {kKernels[i].kind, kKernels[i].name};
    return out;
}();

}  // namespace

std::span<const KernelInfo, kKernelCount> kernelTable() {
    return kKernels;
}

const KernelInfo& kernelInfo(KernelKind k) {
    return kKernels[static_cast<std::size_t>(k)];
}

template <>
std::span<const NameEntry<KernelKind>> nameTable<KernelKind>() {
    return kKernelNames;
}

}  // namespace attnsphere::core
