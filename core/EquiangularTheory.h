#pragma once
// Equiangular configurations (doc/MODEL.md §8): exact ODE for rho(t), clustering times, linear rates,
// super-additivity, normalised-ReLU closed form, entropy along the flow, long-context limit, thresholds.
#include "core/Model.h"

#include <vector>

namespace attnsphere::core {

struct ScalarHead {
    double a = 1;  // M_h = a I
    double b = 1;  // V_h = b I
};

struct EquiangularSetup {
    int n = 16;
    double beta = 1;
    KernelKind kernel = KernelKind::Softmax;  // normalised kernels: SA form; others: (2/n)-form (Linear: N=1)
    double sigmoidBias = 0;
    std::vector<ScalarHead> heads = std::vector<ScalarHead>(1);  // one head a = b = 1
};

namespace equiangular {
double rate(const EquiangularSetup& s, double rho);  // F(rho) = drho/dt
// T(rho0 -> rho1) = integral drho / F (adaptive quadrature); +inf if F vanishes on the way.
double clusteringTime(const EquiangularSetup& s, double rho0, double rho1);
double integrateRho(const EquiangularSetup& s, double rho0, double t);  // rho(t), Dormand–Prince to 1e-13
double linearRateAtOne(const EquiangularSetup& s);  // lambda with d(1-rho)/dt ~ -lambda (1-rho)
// kappa_{1..H} / sum_h kappa_h with kappa = 1/T(rho0 -> rho1)
double superAdditivityRatio(const EquiangularSetup& s, double rho0, double rho1);
double reluNormalisedTime(double rho0, double rho1);              // (1/2) ln[rho1(1-rho0)/(rho0(1-rho1))]
double entropy(const EquiangularSetup& s, int head, double rho);  // S(rho) of one scalar head (softmax)
double entropySlope(const EquiangularSetup& s, int head, double rho);  // dS/drho
// Output cosine after one SA layer at beta = gamma log n (doc/MODEL.md §8), single scalar head a=b=1.
double longContextCosine(int n, double gamma, double rho);
// Smallest beta in [lo, hi] with T(rho0 -> rho1) >= target (bisection; numerical threshold).
double betaForClusteringTime(EquiangularSetup s, double rho0, double rho1, double target, double lo,
                             double hi);
// Realise an equiangular configuration with cosine rho in R^d (d >= n+1 for rho >= 0, d >= n otherwise).
Matrix configuration(int n, int d, double rho);
}  // namespace equiangular

}  // namespace attnsphere::core
