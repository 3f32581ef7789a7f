#pragma once
// A scenario: everything needed to reproduce a run (doc/SCENARIOS.md documents the JSON).
// Holds the *specification* (how heads and tokens are generated, with a seed); build() resolves it
// into concrete matrices and positions deterministically.
#include "core/Model.h"

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace attnsphere::core {

enum class HeadsKind {
    Identity,                // M = I
    Scalar,                  // M_h = a_h I
    Gaussian,                // entries N(0, scale^2/d), seeded
    Symmetric,               // (G + G^T)/2 of a Gaussian G
    Goe,                     // GOE, variance scale^2/d off-diagonal
    OrthogonalBlocks,        // head h acts on its own block of coordinates (M_h^T M_h' = 0)
    ApproxOrthogonalBlocks,  // orthogonal blocks + eps * symmetric Gaussian perturbation
    Explicit                 // matrices given in the file
};
enum class ValueKind { SameAsScore, NegativeScore, Identity, Explicit };  // V = M, V = -M, V = I, given
enum class InitKind { Uniform, Hemisphere, Equiangular, Clusters, Points };

struct HeadsSpec {
    HeadsKind kind = HeadsKind::Identity;
    int count = 1;                   // H
    std::vector<double> scale{1.0};  // a_h (one value for all heads, or one per head)
    double eps = 0.0;                // perturbation for ApproxOrthogonalBlocks
    ValueKind value = ValueKind::SameAsScore;
    std::vector<double> alpha;                 // per-head strength; empty = all 1
    std::vector<double> beta;                  // per-head beta; empty = shared beta
    std::vector<Matrix> explicitM, explicitV;  // for Explicit kinds
};

struct InitSpec {
    InitKind kind = InitKind::Uniform;
    double rho = 0.0;      // Equiangular: pairwise cosine
    int clusters = 2;      // Clusters: k
    double spread = 0.05;  // Clusters: noise standard deviation around each centre
    Matrix points;         // Points: d × n
};

struct Scenario {
    std::string name = "untitled";
    std::string description;
    std::string citation;
    int n = 64, d = 3;
    double beta = 1.0;
    KernelKind kernel = KernelKind::Softmax;
    double sigmoidBias = 0.0;
    bool sigmoidBiasSet = false;  // false: default -log n
    Geometry geometry = Geometry::Sphere;
    IntegratorKind integrator = IntegratorKind::RK4;
    double dt = 0.1;
    double tolerance = 1e-8;  // Dormand–Prince local error tolerance
    double tEnd = 15.0;
    int publishEvery = 1;  // publish (export) a frame every K steps
    std::uint64_t seed = 1;
    HeadsSpec heads;
    InitSpec init;

    // Parse and validate. Throws ValidationError naming the JSON path and the allowed range;
    // unknown keys are errors. `source` (a file name) prefixes messages when non-empty.
    static Scenario fromJson(const nlohmann::json& j);
    static Scenario fromJsonText(const std::string& text);
    static Scenario fromFile(const std::string& path);
    // Resolve a preset name or a file path.
    static Scenario load(const std::string& presetOrPath);
    nlohmann::json toJson() const;
    void validate() const;  // the same range checks fromJson applies, for values set in code

    Model buildModel() const;       // deterministic in seed
    Matrix buildPositions() const;  // d × n, deterministic in seed
};

struct PresetInfo {
    std::string name, description, citation;
};
std::vector<PresetInfo> presetList();  // built-in presets (resources/presets, embedded at build time)
bool isPreset(const std::string& name);
std::string presetJsonText(const std::string& name);  // throws ValidationError if unknown
inline constexpr const char* kDefaultPreset = "default";

}  // namespace attnsphere::core
