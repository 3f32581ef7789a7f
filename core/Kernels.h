#pragma once
// The attention kernels of doc/MODEL.md §2, one row each in one table: everything the program asks
// about a kernel (parser, --help, GUI, dynamics, observables, theory) comes from its row. Adding a
// kernel: a KernelKind value, its row in Kernels.cpp, its weight in the SIMD loops of
// AttentionKernel.cpp (their switches have no default, so the compiler names a missing case), tests, docs.
#include "core/Names.h"

#include <span>
#include <string_view>

namespace attnsphere::core {

enum class KernelKind { Softmax, Exp, ReluNormalised, Relu, Linear, Sigmoid };
inline constexpr int kKernelCount = 6;

// N_i in dx_i/dt = sum_j kappa(s_ij) / N_i V x_j.
enum class Normalisation {
    RowSum,  // N_i = Z_i = sum_j kappa(s_ij): each attention row sums to 1
    ByN,     // N_i = n
    None     // N_i = 1 (lightning attention)
};

struct KernelInfo {
    KernelKind kind;
    std::string_view name;         // in scenario and session files, on the command line, in the GUI
    std::string_view description;  // one line for --help and the GUI's tooltip (ASCII)
    Normalisation normalisation;
    bool isSigned;     // kappa takes negative values: attention shown is the positive part
    bool exponential;  // kappa = e^s: overflows beyond s ~ 700, shift-invariant once normalised
    // kappa(s), its antiderivative Phi(s) (energy density, doc/MODEL.md §3) and kappa'(s); `bias` is
    // the sigmoid's b, ignored by the others.
    double (*kappa)(double s, double bias);
    double (*potential)(double s, double bias);
    double (*kappaDerivative)(double s, double bias);
};

// Indexed by KernelKind (the table is in enum order).
std::span<const KernelInfo, kKernelCount> kernelTable();
const KernelInfo& kernelInfo(KernelKind k);

inline bool isNormalised(KernelKind k) {
    return kernelInfo(k).normalisation == Normalisation::RowSum;
}
inline bool isSigned(KernelKind k) {
    return kernelInfo(k).isSigned;
}
inline double kernelValue(KernelKind k, double s, double sigmoidBias) {
    return kernelInfo(k).kappa(s, sigmoidBias);
}
inline double kernelPotential(KernelKind k, double s, double sigmoidBias) {
    return kernelInfo(k).potential(s, sigmoidBias);
}

template <>
std::span<const NameEntry<KernelKind>> nameTable<KernelKind>();

}  // namespace attnsphere::core
