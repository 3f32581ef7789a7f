#include "core/Model.h"

#include <algorithm>
#include <array>
#include <cmath>

namespace attnsphere::core {

namespace {
constexpr std::array<std::pair<KernelKind, std::string_view>, 6> kKernelNames{{
    {KernelKind::Softmax, "softmax"},
    {KernelKind::Exp, "exp"},
    {KernelKind::ReluNormalised, "relu"},
    {KernelKind::Relu, "relu-unnormalised"},
    {KernelKind::Linear, "linear"},
    {KernelKind::Sigmoid, "sigmoid"},
}};
constexpr std::array<std::pair<Geometry, std::string_view>, 2> kGeometryNames{{
    {Geometry::Sphere, "sphere"},
    {Geometry::Flat, "flat"},
}};
constexpr std::array<std::pair<IntegratorKind, std::string_view>, 3> kIntegratorNames{{
    {IntegratorKind::Euler, "euler"},
    {IntegratorKind::RK4, "rk4"},
    {IntegratorKind::DormandPrince, "dopri5"},
}};

template <typename Table, typename Enum>
std::string_view nameOf(const Table& table, Enum value) {
    for (const auto& [e, name] : table)
        if (e == value) return name;
    return "unknown";
}

template <typename Enum, typename Table>
std::optional<Enum> valueOf(const Table& table, std::string_view s) {
    for (const auto& [e, name] : table)
        if (name == s) return e;
    return std::nullopt;
}

template <typename Table>
std::vector<std::string_view> namesOf(const Table& table) {
    std::vector<std::string_view> out;
    for (const auto& entry : table) out.push_back(entry.second);
    return out;
}
}  // namespace

double Model::headBeta(int h) const {
    const double b = heads[static_cast<std::size_t>(h)].beta;
    return std::isnan(b) ? beta : b;
}

bool isNormalised(KernelKind k) {
    return k == KernelKind::Softmax || k == KernelKind::ReluNormalised;
}

bool isSigned(KernelKind k) {
    return k == KernelKind::Linear;
}

double kernelValue(KernelKind k, double s, double sigmoidBias) {
    switch (k) {
        case KernelKind::Softmax:
        case KernelKind::Exp:
            return std::exp(s);
        case KernelKind::ReluNormalised:
        case KernelKind::Relu:
            return std::max(0.0, s);
        case KernelKind::Linear:
            return s;
        case KernelKind::Sigmoid:
            return 1.0 / (1.0 + std::exp(-(s + sigmoidBias)));
    }
    return 0.0;
}

double kernelPotential(KernelKind k, double s, double sigmoidBias) {
    switch (k) {
        case KernelKind::Softmax:
        case KernelKind::Exp:
            return std::exp(s);
        case KernelKind::ReluNormalised:
        case KernelKind::Relu: {
            const double r = std::max(0.0, s);
            return 0.5 * r * r;
        }
        case KernelKind::Linear:
            return 0.5 * s * s;
        case KernelKind::Sigmoid: {
            // log(1 + e^z) without overflow for large z.
            const double z = s + sigmoidBias;
            return std::max(z, 0.0) + std::log1p(std::exp(-std::abs(z)));
        }
    }
    return 0.0;
}

std::string_view toString(KernelKind k) {
    return nameOf(kKernelNames, k);
}
std::string_view toString(Geometry g) {
    return nameOf(kGeometryNames, g);
}
std::string_view toString(IntegratorKind k) {
    return nameOf(kIntegratorNames, k);
}
std::optional<KernelKind> kernelFromString(std::string_view s) {
    return valueOf<KernelKind>(kKernelNames, s);
}
std::optional<Geometry> geometryFromString(std::string_view s) {
    return valueOf<Geometry>(kGeometryNames, s);
}
std::optional<IntegratorKind> integratorFromString(std::string_view s) {
    return valueOf<IntegratorKind>(kIntegratorNames, s);
}
std::vector<std::string_view> kernelNames() {
    return namesOf(kKernelNames);
}
std::vector<std::string_view> geometryNames() {
    return namesOf(kGeometryNames);
}
std::vector<std::string_view> integratorNames() {
    return namesOf(kIntegratorNames);
}

}  // namespace attnsphere::core
