#pragma once
// A comparison: two to four runs of one base scenario that differ in some settings (kernel, heads, beta,
// integrator, dt, ...) and all start from the base's initial positions (doc/COMPARISONS.md documents
// the file). Lockstep advances their simulations together in simulated time. Plain data, no Qt.
#include "core/Scenario.h"
#include "core/Simulation.h"

#include <nlohmann/json.hpp>

#include <atomic>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace attnsphere::core {

struct ComparisonRun {
    std::string name;
    nlohmann::json changes = nlohmann::json::object();  // a JSON merge patch of the base scenario's JSON
    Scenario scenario;                                  // the base with the changes applied
};

struct Comparison {
    static constexpr int runsMin = 2, runsMax = 4;

    std::string name = "comparison";
    // The base as written: a preset name (string) or a scenario object; `base` is it resolved.
    nlohmann::json baseSource;
    Scenario base;
    std::vector<ComparisonRun> runs;

    // Throws ValidationError naming the JSON path ("runs[1].changes.kernel") and the allowed values.
    static Comparison fromJson(const nlohmann::json& j);
    static Comparison fromJsonText(const std::string& text);
    static Comparison fromFile(const std::string& path);
    nlohmann::json toJson() const;
    void save(const std::string& path) const;  // written to a temporary name, then renamed

    // The positions every run starts from, d × n: the base's, renormalised until renormalising leaves
    // them unchanged, so that sphere and flat runs hold the same bits.
    Matrix initialPositions() const;
};

// A file's base scenario: a preset name or a scenario object; messages under "base" (comparisons, sweeps).
Scenario baseScenarioFromJson(const nlohmann::json& j);

// A run's scenario: the base with `changes` merged in. `path` (e.g. "runs[1]") prefixes the messages.
// Refuses changes of n, d or init (every run starts from the base's positions).
Scenario applyChanges(const Scenario& base, const nlohmann::json& changes, const std::string& path);

// Built-in comparisons of any scenario with itself under a changed setting (the GUI's Compare menu and
// `--compare RECIPE:SCENARIO` read this one table).
struct ComparisonRecipe {
    std::string_view id;     // on the command line
    std::string_view title;  // in menus
    struct Run {
        std::string_view name;
        std::string_view changes;  // JSON merge patch
    };
    std::vector<Run> runs;
};
const std::vector<ComparisonRecipe>& comparisonRecipes();
const ComparisonRecipe* findRecipe(std::string_view id);
// The recipe applied to `base`; its runs' scenarios are validated like a file's.
Comparison makeComparison(const ComparisonRecipe& recipe, const Scenario& base);
// Built-in comparison files (resources/comparisons, embedded): name = file name, description = its title.
std::vector<PresetInfo> builtInComparisons();
Comparison builtInComparison(const std::string& name);  // ValidationError when unknown
// A comparison file, a built-in comparison's name, or "RECIPE:SCENARIO" (a recipe id, then a preset name
// or scenario file).
Comparison loadComparison(const std::string& fileOrRecipe);

// The runs' simulations, advanced together: each steps until it reaches the common target time (runs
// may have different dt; an adaptive one may pass it by less than its step). Not thread-safe.
class Lockstep {
public:
    explicit Lockstep(const Comparison& comparison);

    int size() const { return static_cast<int>(m_sims.size()); }
    Simulation& simulation(int k) { return *m_sims[static_cast<std::size_t>(k)]; }
    const Simulation& simulation(int k) const { return *m_sims[static_cast<std::size_t>(k)]; }
    const Comparison& comparison() const { return m_comparison; }
    double target() const { return m_target; }
    // The simulated time one tick advances: the largest dt among the runs, so each takes whole steps.
    double tick() const { return m_tick; }
    // Every run steps until it is within half a step of the target (adaptive runs: until they reach it).
    // Throws what Simulation::step throws (Aborted: the runs that got there keep their state, the others are
    // behind until catchUp()).
    void advanceTo(double target);
    void advance() { advanceTo(m_target + m_tick); }
    // Completes an interrupted advance, so that every run is at the target again.
    void catchUp() { advanceTo(m_target); }
    void reset();  // every run back to t = 0 at the base's positions
    void setThreads(int threads);
    void setAbortFlag(const std::atomic<bool>* abort);

private:
    Comparison m_comparison;
    std::vector<std::unique_ptr<Simulation>> m_sims;
    double m_target = 0, m_tick = 0;
    int m_threads = 0;
    const std::atomic<bool>* m_abort = nullptr;
};

}  // namespace attnsphere::core
