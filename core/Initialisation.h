#pragma once
// Seeded random numbers and initial token configurations. Normals come from our own Box–Muller on
// std::mt19937_64, so a seed gives the same numbers with every standard library.
#include "core/Model.h"

#include <cstdint>
#include <random>

namespace attnsphere::core {

// Deterministic stream of standard normal numbers. Not thread-safe; cheap to create.
class GaussianSource {
public:
    explicit GaussianSource(std::uint64_t seed);
    double uniform();  // in (0, 1]
    double normal();
    Matrix normalMatrix(int rows, int cols, double sigma = 1.0);  // filled column by column

private:
    std::mt19937_64 m_engine;
    double m_spare = 0;
    bool m_hasSpare = false;
};

// Independent seeds for independent parts of a scenario (heads, tokens), derived with SplitMix64.
std::uint64_t deriveSeed(std::uint64_t seed, std::uint64_t stream);
// The streams of a scenario's seed, so the heads do not change when only the initialisation changes; the
// noise of each step is keyed by the step count under its stream, so a rewound run draws the same kicks.
inline constexpr std::uint64_t kHeadStream = 1, kTokenStream = 2, kNoiseStream = 3;

// n points on S^{d-1} with <x_i, x_j> = rho for i != j (doc/MODEL.md §8). rho in [0, 1] with d >= n + 1:
// x_i = sqrt(rho) e_0 + sqrt(1 - rho) e_i; otherwise rho in [-1/(n-1), 1] with d >= n: the symmetric
// square root of (1 - rho) I + rho 11^T. Throws ValidationError("init.rho" / "d") when impossible.
Matrix equiangularPoints(int n, int d, double rho);

// d × n matrix of independent uniform points on S^{d-1}.
Matrix uniformSpherePoints(int n, int d, GaussianSource& rng);

}  // namespace attnsphere::core
