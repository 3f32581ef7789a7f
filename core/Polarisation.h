#pragma once
// The value-softmax model (doc/MODEL.md §13), a second small dynamical system beside the token sphere:
// logits a in R^n and values V in R^{d × n}, weights p = map(a), output V p and a loss against a target
// y*. Gradient flow on (a, V) by RK4; with the softmax map the weights polarise (entropy -> 0). A
// polarisation file (doc/POLARISATION.md) lists one or more maps run from the same start.
#include "core/Errors.h"
#include "core/Model.h"
#include "core/Names.h"
#include "core/RunExport.h"
#include "core/Scenario.h"

#include <nlohmann/json.hpp>

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace attnsphere::core {

enum class PolarMap { Softmax, Linear, Sigmoid };
enum class PolarLoss { Square, Logistic };

template <>
std::span<const NameEntry<PolarMap>> nameTable<PolarMap>();
template <>
std::span<const NameEntry<PolarLoss>> nameTable<PolarLoss>();

struct PolarLimits {
    static constexpr int nMin = 2, nMax = 1000;
    static constexpr int dMin = 1, dMax = 256;
    static constexpr double stdMax = 10;      // init.logit_std, init.value_std in [0, max]
    static constexpr double entryMax = 1000;  // |entries| of target and init.logits
    static constexpr double dtMin = 1e-6, dtMax = 1;
    static constexpr double tEndMax = 1e6;
    static constexpr long long stepsMax = 100000000;
    // Everything exported is kept in memory until it is written: maps × frames × n numbers at most.
    static constexpr long long storedMax = 20000000;
};

inline constexpr const char* kPolarisationFormat = "attnsphere-polarisation";
inline constexpr int kPolarisationVersion = 1;

// A polarisation file: the task, the maps compared on it, the start and the integration.
struct PolarisationSpec {
    std::string name, description, citation;
    int n = 8, d = 4;
    std::vector<PolarMap> maps{PolarMap::Softmax};  // distinct, run from the same start
    PolarLoss loss = PolarLoss::Logistic;
    std::vector<double> target;  // y*, d entries (labels ±1 for the logistic loss); empty: drawn from seed
    std::vector<double> logits;  // a(0), n entries; empty: N(0, logitStd²) from seed
    double logitStd = 0.5, valueStd = 0.1;
    double dt = 0.05, tEnd = 100;
    int publishEvery = 10;
    std::uint64_t seed = 1;

    // Parse and validate; every error names the JSON path and the allowed range.
    static PolarisationSpec fromJson(const nlohmann::json& j);
    static PolarisationSpec fromJsonText(const std::string& text);
    static PolarisationSpec fromFile(const std::string& path);  // messages prefixed "FILE: "
    static PolarisationSpec load(const std::string& presetOrPath);
    nlohmann::json toJson() const;  // every field, target and logits as built
    void validate() const;

    Vector buildTarget() const;  // deterministic in seed
    Vector buildLogits() const;
    Matrix buildValues() const;  // d × n, N(0, valueStd²)
    long long steps() const;     // integrator steps to t_end
    long long frames() const;    // published frames: step 0, every publishEvery steps, the last step
};

// A polarisation preset or a file whose `format` says it is one (the CLI and GUI pick the reader by it).
bool isPolarisationSource(const std::string& presetOrPath);
std::vector<PresetInfo> polarisationPresetList();  // resources/polarisation, embedded at build time
bool isPolarisationPreset(const std::string& name);

// ---- the model -------------------------------------------------------------------------------

Vector applyMap(PolarMap map, const Vector& a);
// J^T w with J = dp/da: softmax diag(p) - p pᵀ, linear I, sigmoid diag(p (1 - p)).
Vector mapJacobianTransposeTimes(PolarMap map, const Vector& p, const Vector& w);
// Square: ½|z - y|²; logistic: sum_k log(1 + exp(-y_k z_k)).
double lossValue(PolarLoss loss, const Vector& z, const Vector& y);
Vector lossGradient(PolarLoss loss, const Vector& z, const Vector& y);  // dL/dz
// Entropy of the weights in nats: softmax of p itself; linear and sigmoid of |p| / sum |p| (log n when
// every weight is 0).
double weightEntropy(const Vector& p);

struct PolarState {
    Vector a;  // logits, n
    Matrix V;  // values, d × n
};

// (da/dt, dV/dt) = (-Jᵀ Vᵀ ∇L, -∇L pᵀ) at `s`.
PolarState polarVelocity(PolarMap map, PolarLoss loss, const PolarState& s, const Vector& target);

// One frame of one map's flow.
struct PolarFrame {
    long long step = 0;
    double t = 0;
    Vector p;            // the weights, n
    Vector columnNorms;  // |V e_k|, n
    double entropy = 0, loss = 0, valueNorm = 0, maxColumnNorm = 0, maxWeight = 0;
};

// One map's gradient flow, integrated by classical RK4 with a fixed step.
class PolarFlow {
public:
    PolarFlow(PolarMap map, PolarLoss loss, PolarState start, Vector target, double dt);
    void step();  // throws NumericalError (naming the map, step and time) when the state is not finite
    PolarFrame frame() const;
    const PolarState& state() const { return m_state; }
    PolarMap map() const { return m_map; }
    long long stepCount() const { return m_steps; }
    double time() const { return static_cast<double>(m_steps) * m_dt; }

private:
    PolarMap m_map;
    PolarLoss m_loss;
    PolarState m_state;
    Vector m_target;
    double m_dt;
    long long m_steps = 0;
};

// Every map of a file from the same start, advanced in lockstep.
class PolarRun {
public:
    explicit PolarRun(const PolarisationSpec& spec);
    void step();
    bool done() const { return m_steps >= m_spec.steps(); }
    bool publishes() const;                  // whether the current step is a published frame
    std::vector<PolarFrame> frames() const;  // one per map, in the file's order
    long long stepCount() const { return m_steps; }
    double time() const;
    const PolarisationSpec& spec() const { return m_spec; }
    const std::vector<PolarFlow>& flows() const { return m_flows; }

private:
    PolarisationSpec m_spec;
    std::vector<PolarFlow> m_flows;
    long long m_steps = 0;
};

// The published frames of a run: framesPerMap[m][k] is map m's k-th frame.
struct PolarRecord {
    std::vector<std::vector<PolarFrame>> framesPerMap;
};

// Runs the file to t_end, checking `abort` (when given) between steps (throws Aborted).
PolarRecord runPolarisation(const PolarisationSpec& spec, const std::atomic<bool>* abort = nullptr);

// Writes series.csv, weights.npy (maps × frames × n), column_norms.npy (maps × frames × n) and
// metadata.json into dir: all under temporary names, renamed at the end; on failure nothing is left
// (not even a directory it created). Throws std::runtime_error with the system's reason.
void writePolarisationExport(const std::string& dir, const PolarisationSpec& spec, const PolarRecord& record,
                             const RunInfo& info);
std::string polarisationCsvHeader(const PolarisationSpec& spec);

}  // namespace attnsphere::core
