#include "core/Model.h"

#include <array>
#include <cmath>

namespace attnsphere::core {

namespace {
constexpr std::array<NameEntry<Geometry>, 2> kGeometryNames{{
    {Geometry::Sphere, "sphere"},
    {Geometry::Flat, "flat"},
}};
constexpr std::array<NameEntry<IntegratorKind>, 3> kIntegratorNames{{
    {IntegratorKind::Euler, "euler"},
    {IntegratorKind::RK4, "rk4"},
    {IntegratorKind::DormandPrince, "dopri5"},
}};
constexpr std::array<NameEntry<AttentionMask>, 2> kMaskNames{{
    {AttentionMask::None, "none"},
    {AttentionMask::Causal, "causal"},
}};
constexpr std::array<NameEntry<LayerNorm>, 4> kLayerNormNames{{
    {LayerNorm::Post, "post-ln"},
    {LayerNorm::Pre, "pre-ln"},
    {LayerNorm::Peri, "peri-ln"},
    {LayerNorm::NGpt, "ngpt"},
}};
}  // namespace

template <>
std::span<const NameEntry<Geometry>> nameTable<Geometry>() {
    return kGeometryNames;
}
template <>
std::span<const NameEntry<IntegratorKind>> nameTable<IntegratorKind>() {
    return kIntegratorNames;
}

template <>
std::span<const NameEntry<AttentionMask>> nameTable<AttentionMask>() {
    return kMaskNames;
}
template <>
std::span<const NameEntry<LayerNorm>> nameTable<LayerNorm>() {
    return kLayerNormNames;
}

double Model::headBeta(int h) const {
    const double b = heads[static_cast<std::size_t>(h)].beta;
    return std::isnan(b) ? beta : b;
}

}  // namespace attnsphere::core
