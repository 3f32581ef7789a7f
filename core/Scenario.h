#pragma once
// A scenario: everything needed to reproduce a run (doc/SCENARIOS.md documents the JSON).
// Holds the *specification* (how heads and tokens are generated, with a seed); build() resolves it
// into concrete matrices and positions deterministically.
#include "core/Model.h"

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace attnsphere::core {

// Allowed ranges of scenario values: the one definition that scenario files, session files (model
// edits, dt, positions) and the command line check against (doc/SCENARIOS.md lists them).
struct Limits {
    static constexpr int nMin = 2, nMax = 20000;
    static constexpr int dMin = 2, dMax = 4096;
    static constexpr int headsMin = 1, headsMax = 64;
    static constexpr double betaMax = 1000;        // beta and per-head beta in (0, betaMax]
    static constexpr double sigmoidBiasMax = 100;  // sigmoid_bias in [-max, max]
    // dt in [dtMin, dtMax]: below dtMin a run needs more steps than it could ever take.
    static constexpr double dtMin = 1e-6, dtMax = 10;
    static constexpr double toleranceMin = 1e-14, toleranceMax = 1e-2;
    static constexpr double tEndMax = 1e6;
    static constexpr int publishEveryMax = 1000000000;
    static constexpr double scaleMax = 100, alphaMax = 100, epsMax = 10, spreadMax = 10;
    static constexpr double entryMax = 1e6;  // |entries| of explicit matrices and points
    // A run (`run`, `render`) refuses a scenario needing more integrator steps or published frames.
    static constexpr long long runStepsMax = 100000000, runFramesMax = 1000000;
    static constexpr int jsonDepthMax = 64;
    static constexpr double positionalBiasMax = 1000;  // positional_bias in [0, max]
    static constexpr int sinkhornIterationsMax = 1000;
    static constexpr double temperatureMax = 100;
    static constexpr double spectrumMeanMax = 100,
                            spectrumVarianceMax =
                                100;  // nesting of arrays/objects in scenario and session files
};

enum class HeadsKind {
    Identity,                // M = I
    Scalar,                  // M_h = a_h I
    Gaussian,                // entries N(0, scale^2/d), seeded
    Symmetric,               // (G + G^T)/2 of a Gaussian G
    Goe,                     // GOE, variance scale^2/d off-diagonal
    OrthogonalBlocks,        // head h acts on its own block of coordinates (M_h^T M_h' = 0)
    ApproxOrthogonalBlocks,  // orthogonal blocks + eps * symmetric Gaussian perturbation
    Explicit,                // matrices given in the file
    Spectrum                 // M_h = Q_h diag(lambda) Q_h^T: eigenvalues with a given mean and variance
};
enum class ValueKind { SameAsScore, NegativeScore, Identity, Explicit };  // V = M, V = -M, V = I, given
enum class InitKind { Uniform, Hemisphere, Equiangular, Clusters, Points };

template <>
std::span<const NameEntry<HeadsKind>> nameTable<HeadsKind>();
template <>
std::span<const NameEntry<ValueKind>> nameTable<ValueKind>();
template <>
std::span<const NameEntry<InitKind>> nameTable<InitKind>();

struct HeadsSpec {
    HeadsKind kind = HeadsKind::Identity;
    int count = 1;                   // H
    std::vector<double> scale{1.0};  // a_h (one value for all heads, or one per head)
    double eps = 0.0;                // perturbation for ApproxOrthogonalBlocks
    ValueKind value = ValueKind::SameAsScore;
    std::vector<double> alpha;                          // per-head strength; empty = all 1
    std::vector<double> beta;                           // per-head beta; empty = shared beta
    std::vector<Matrix> explicitM, explicitV;           // for Explicit kinds
    double spectrumMean = 1.0, spectrumVariance = 0.0;  // for Spectrum: of each head's eigenvalues
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
    AttentionMask mask = AttentionMask::None;
    double positionalBias = 0.0;
    int sinkhornIterations = 0;
    LayerNorm normalisation = LayerNorm::Post;
    double temperature = 0.0;
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

// Parses JSON text of a scenario or session file. Nesting deeper than Limits::jsonDepthMax, numbers
// beyond the range of a double and syntax errors are ValidationErrors with line and column.
nlohmann::json parseJsonText(const std::string& text);

// The message of a JSON library exception without its "[json.exception.…] " prefix: the project's
// words replace it, so a library message never reaches the user raw. `what` names the file kind.
[[noreturn]] void throwJsonError(const std::exception& e, const std::string& what);

// The range checks validate() applies to the model part of a scenario, for a resolved Model (session
// edits). `path` prefixes the JSON paths in messages (e.g. "timeline[3].model").
void validateModel(const Model& model, const std::string& path);
// dt and explicit positions (d × n) under the scenario's rules.
void validateDt(double dt, const std::string& path);
// Noise (temperature > 0) with the adaptive integrator: refused, for scenarios and for a running simulation.
void checkNoiseIntegrator(double temperature, IntegratorKind integrator, const std::string& path);
void validatePositions(const Matrix& positions, Geometry geometry, const std::string& path);

// Throws ValidationError, naming the numbers, when running `scenario` to its t_end with fixed steps
// of dt would take more than Limits::runStepsMax steps or publish more than Limits::runFramesMax frames.
void checkRunSize(const Scenario& scenario);

struct PresetInfo {
    std::string name, description, citation;
};
std::vector<PresetInfo> presetList();  // built-in presets (resources/presets, embedded at build time)
bool isPreset(const std::string& name);
std::string presetJsonText(const std::string& name);  // throws ValidationError if unknown
inline constexpr const char* kDefaultPreset = "default";
// A built-in file's text by name from one of the tables embedded at build time (presets, sweeps);
// ValidationError "unknown KIND 'NAME'" when it is not there.
const std::string& embeddedText(const std::map<std::string, std::string>& files, const std::string& name,
                                const std::string& kind);

}  // namespace attnsphere::core
