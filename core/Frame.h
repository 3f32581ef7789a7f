#pragma once
// An immutable snapshot of the simulation for the GUI, exporters and recorder (doc/ARCHITECTURE.md).
// Produced on the worker thread, then shared read-only as std::shared_ptr<const Frame>.
#include "core/Model.h"
#include "core/Spectrum.h"
#include "core/TheoryOverlay.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace attnsphere::core {

// Display and health bounds, defined once for core, GUI, CLI and docs (doc/MODEL.md).
inline constexpr double kStepAngleBound = 0.5;         // rad: a step moving a token further is flagged
inline constexpr double kDisplayClusterCosine = 0.99;  // display clusters: single linkage at cos >= this
inline constexpr double kPlottableMagnitude = 1e300;   // finite values beyond this are not plotted
inline constexpr double kClusteredPairCosine = 0.999;  // default: a pair is clustered at G_ij >= this

struct HeadObservables {
    double energy = 0;           // E_h = 1/(2 beta_h n^2) sum_ij Phi(s_ij^h)
    double energyRate = 0;       // dE_h/dt along the current velocity (exact, not a difference)
    Vector entropy;              // S_i^h per token (of P^h below), in [0, log n], length n
    double entropyMean = 0;      // mean_i S_i^h
    double entropyMin = 0;       // min_i S_i^h
    Vector radial;               // r_i^h = <x_i, u_i^h>, length n
    Vector tangential;           // |P_{x_i}^perp u_i^h|, length n
    double radialMeanAbs = 0;    // mean_i |r_i^h|
    double radialMaxAbs = 0;     // max_i |r_i^h|
    double dominanceMargin = 0;  // D_h (doc/MODEL.md §4)
    // Attention P^h (queries × keys): max(0, kappa) renormalised per row (doc/MODEL.md §5). Empty unless
    // requested; when n exceeds FrameOptions::maxAttentionSize it is block-averaged to that size
    // (attentionStride tokens per cell).
    Eigen::MatrixXf attention;
    // Signed kernels only (linear): kappa(s_ij) / sum_k |kappa(s_ik)|, in [-1, 1], same size and stride
    // as `attention`; empty for kernels with nonnegative weights.
    Eigen::MatrixXf signedAttention;
    int attentionStride = 1;
};

struct FrameOptions {
    bool observables = true;         // energies, entropy, shadows, clustering, health
    bool attention = true;           // fill HeadObservables::attention
    int maxAttentionSize = 256;      // downsample attention matrices beyond this many rows
    double clusterTolerance = 1e-4;  // tau: tokens i, j share a cluster when G_ij >= 1 - tau
    double clusteredThreshold = kClusteredPairCosine;  // a pair is clustered at G_ij >= this
    // Parts of `observables` a caller recording only some statistics skips (a sweep); a skipped part
    // leaves its fields at their defaults (heads empty, zeros). The others are the same either way.
    bool attentionObservables = true;  // head outputs, energies, entropies, velocity and step-size checks
                                       // (computed anyway with `attention`)
    bool effectiveDimension = true;    // eigenvalues of the Gram matrix
};

struct Frame {
    std::int64_t step = 0;
    double t = 0;
    int n = 0, d = 0, H = 0;
    Matrix positions;  // d × n: the directions theta_i (unit vectors on the sphere)
    // The radii r_i = |x_i| of Pre-LN and Peri-LN (length n); empty under Post-LN and nGPT.
    Vector radii;
    // What the frame was computed with, so that a consumer draws it without asking the simulation:
    // heads are in the model's order (head h is colour h), beta is the shared one.
    Geometry geometry = Geometry::Sphere;
    KernelKind kernel = KernelKind::Softmax;
    double beta = 1.0;
    AttentionMask mask = AttentionMask::None;  // masked cells of the attention matrices are not weights
    std::string scenarioName;

    bool hasObservables = false;
    std::vector<HeadObservables> heads;
    double energyTotal = 0;            // sum_h alpha_h E_h
    double energyTotalRate = 0;        // d/dt of energyTotal
    double entropyMean = 0;            // S_bar over heads and tokens
    double meanCosine = 0;             // rho_bar
    double orderParameter = 0;         // R = |mean_i x_i|
    double clusteredPairFraction = 0;  // #{i<j: G_ij >= clusteredThreshold} / (n(n-1)/2)
    int clusterCount = 0;
    std::vector<int> clusterLabels;  // per token, 0..clusterCount-1, ordered by first appearance
    // Clusters a person would call clusters (colouring, heatmap order): single linkage of the
    // directions at cos >= kDisplayClusterCosine. clusterCount above keeps the strict tau (data column).
    int displayClusterCount = 0;
    std::vector<int> displayClusterLabels;
    // Diameter of the token cloud: the largest angle between two directions, in radians (doc/MODEL.md §6).
    double diameter = 0;
    int effectiveDimension = 0;    // # eigenvalues of G above 1e-3
    double maxNormDrift = 0;       // max_i | |x_i| - 1 | (sphere geometry; 0 for flat)
    double maxRadialVelocity = 0;  // max_i |<x_i, dx_i/dt>|
    bool finite = true;            // no NaN/Inf in positions
    // The kernel has negative weights (attention = positive part).
    bool signedKernel() const { return isSigned(kernel); }
    // Step-size check: max_i |dx_i/dt| * dt for the step the simulation uses (radians on the sphere; flat
    // geometry: relative to |x_i|); above kStepAngleBound the integration jumps across the sphere.
    // suggestedDt brings it to the bound (0 when the current dt is fine). Filled by Simulation::makeFrame.
    double maxStepAngle = 0;
    double suggestedDt = 0;
    // The exact theory's regime segment and its values at t (doc/MODEL.md §8); filled by
    // Simulation::makeFrame (null when the frame was computed without a simulation).
    std::shared_ptr<const TheoryOverlay> theory;
    TheoryValues theoryValues;
    // The QK spectrum of each head of the model the frame was computed with (doc/MODEL.md §1): computed
    // once per model change by Simulation and shared by its frames (null without a simulation).
    std::shared_ptr<const ModelSpectra> spectra;
};

}  // namespace attnsphere::core
