#pragma once
// The velocity field of math.md §2.1: dx_i/dt = Pi_i( sum_h alpha_h (1/N_i^h) sum_j kappa(s_ij^h) V_h x_j ).
// Evaluated blocked over query rows, vectorised (Eigen arrays) and multithreaded (OpenMP); stores no
// n × n × H array. Not thread-safe per instance (it owns scratch buffers): one per thread of use.
#include "core/Model.h"

#include <atomic>
#include <vector>

namespace attnsphere::core {

class VelocityField {
public:
    // X: d × n positions. out: d × n velocity (projected onto the tangent spaces for Sphere geometry).
    // Throws NumericalError when an unnormalised exp kernel would overflow, Aborted when abort is set.
    void evaluate(const Model& model, const Matrix& X, Matrix& out, const std::atomic<bool>* abort = nullptr);

    // Per-head outputs u_i^h (d × n each, before projection), for observables. Same cost order as evaluate.
    void headOutputs(const Model& model, const Matrix& X, std::vector<Matrix>& U);
};

// Tangential projection of every column: v_i - <x_i, v_i> x_i.
void projectTangent(const Matrix& X, Matrix& V);
// Normalise every column to unit length.
void normaliseColumns(Matrix& X);

}  // namespace attnsphere::core
