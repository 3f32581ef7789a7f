// Comparison files (doc/COMPARISONS.md), the built-in recipes and the lockstep of the runs.
#include "core/Comparison.h"

#include "core/Dynamics.h"
#include "core/Errors.h"
#include "core/JsonRead.h"
#include "core/TextFile.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>

#include <unistd.h>

namespace attnsphere::core {

// Generated at build time from resources/comparisons/*.json (core/CMakeLists.txt).
const std::map<std::string, std::string>& embeddedComparisons();

namespace {

using namespace jsonread;

constexpr const char* kFormat = "attnsphere-comparison";
constexpr int kVersion = 1;

// A scenario error inside a comparison: its path under `path`, or, when the field was not among the
// changes (an interplay with the base), the whole change set is named.
[[noreturn]] void rethrowUnder(const ValidationError& e, const std::string& path, const json& changes) {
    const std::string& p = e.path();
    const std::string message = std::string(e.what()).substr(p.empty() ? 0 : p.size() + 2);
    const std::string top = p.substr(0, p.find_first_of(".["));
    if (!p.empty() && changes.is_object() && changes.contains(top))
        throw ValidationError(child(path, p), message);
    throw ValidationError(path, "with these changes, " + std::string(e.what()));
}

}  // namespace

Scenario baseScenarioFromJson(const json& j) {
    if (j.is_string()) {
        const std::string name = j.get<std::string>();
        if (!isPreset(name)) {
            std::string names;
            for (const auto& p : presetList()) names += (names.empty() ? "" : ", ") + p.name;
            throw ValidationError(
                "base", "must be a preset name (" + names + ") or a scenario object, got \"" + name + "\"");
        }
        return Scenario::fromJsonText(presetJsonText(name));
    }
    if (!j.is_object())
        throw ValidationError("base", "must be a preset name or a scenario object, got " + describe(j));
    try {
        return Scenario::fromJson(j);
    } catch (const ValidationError& e) {
        rethrowUnder(e, "base", j);
    }
}

Scenario applyChanges(const Scenario& base, const json& changes, const std::string& path) {
    const std::string cp = child(path, "changes");
    if (!changes.is_object()) throw ValidationError(cp, "must be a JSON object, got " + describe(changes));
    for (const char* key : {"format", "version", "init"})
        if (changes.contains(key))
            throw ValidationError(child(cp, key),
                                  std::string(key) == "init"
                                      ? "not allowed: every run starts from the base's positions"
                                      : "not allowed in a run's changes");
    json patch = changes;
    // The integrator's shorthand names only the method; the base's dt and tolerance stay.
    if (patch.contains("integrator") && patch["integrator"].is_string())
        patch["integrator"] = json{{"method", patch["integrator"]}};
    json merged = base.toJson();
    merged.merge_patch(patch);
    Scenario s;
    try {
        s = Scenario::fromJson(merged);
    } catch (const ValidationError& e) {
        rethrowUnder(e, cp, changes);
    }
    if (s.n != base.n)
        throw ValidationError(child(cp, "n"), "must equal the base's n = " + std::to_string(base.n) +
                                                  " (every run starts from the base's positions), got " +
                                                  std::to_string(s.n));
    if (s.d != base.d)
        throw ValidationError(child(cp, "d"), "must equal the base's d = " + std::to_string(base.d) +
                                                  " (every run starts from the base's positions), got " +
                                                  std::to_string(s.d));
    return s;
}

Comparison Comparison::fromJson(const json& j) {
    try {
        requireObject(j, "", {"format", "version", "name", "base", "runs"});
        checkFormat(j, kFormat, kVersion, true);
        Comparison c;
        if (j.contains("name")) c.name = string(j["name"], "name");
        c.baseSource = require(j, "base", "");
        c.base = baseScenarioFromJson(c.baseSource);
        const json& runs = require(j, "runs", "");
        if (!runs.is_array())
            throw ValidationError("runs", "must be an array of " + std::to_string(runsMin) + " to " +
                                              std::to_string(runsMax) + " runs, got " + describe(runs));
        if (runs.size() < static_cast<std::size_t>(runsMin) ||
            runs.size() > static_cast<std::size_t>(runsMax))
            throw ValidationError("runs", "must have " + std::to_string(runsMin) + " to " +
                                              std::to_string(runsMax) + " runs, got " +
                                              std::to_string(runs.size()));
        std::set<std::string> names;
        for (std::size_t k = 0; k < runs.size(); ++k) {
            const std::string p = index("runs", k);
            requireObject(runs[k], p, {"name", "changes"});
            ComparisonRun run;
            run.name = string(require(runs[k], "name", p), child(p, "name"));
            if (run.name.empty() || run.name.size() > 60)
                throw ValidationError(child(p, "name"),
                                      "must have 1 to 60 characters, got " + std::to_string(run.name.size()));
            if (!names.insert(run.name).second)
                throw ValidationError(child(p, "name"), "must differ from the other runs' names, got \"" +
                                                            run.name + "\" twice");
            if (runs[k].contains("changes")) run.changes = runs[k]["changes"];
            run.scenario = applyChanges(c.base, run.changes, p);
            c.runs.push_back(std::move(run));
        }
        return c;
    } catch (const json::exception& e) {
        throwJsonError(e, "invalid comparison: ");
    }
}

Comparison Comparison::fromJsonText(const std::string& text) {
    return fromJson(parseJsonText(text));
}

Comparison Comparison::fromFile(const std::string& path) {
    const auto text = readTextFile(path);
    if (!text) throw ValidationError("", "cannot open comparison file '" + path + "'");
    try {
        return fromJsonText(*text);
    } catch (const ValidationError& e) {
        throw under(path, e);
    }
}

json Comparison::toJson() const {
    json runList = json::array();
    for (const ComparisonRun& r : runs) runList.push_back({{"name", r.name}, {"changes", r.changes}});
    return {
        {"format", kFormat}, {"version", kVersion}, {"name", name}, {"base", baseSource}, {"runs", runList}};
}

void Comparison::save(const std::string& path) const {
    writeTextFile(path, toJson().dump(1) + "\n");
}

Matrix Comparison::initialPositions() const {
    Matrix X = base.buildPositions();
    const bool sphere = std::any_of(runs.begin(), runs.end(), [](const ComparisonRun& r) {
        return r.scenario.geometry == Geometry::Sphere;
    });
    // Rounding makes x / |x| differ from x in the last bit now and then; a few passes reach a fixed point.
    for (int pass = 0; sphere && pass < 16; ++pass) {
        Matrix Y = X;
        normaliseColumns(Y);
        if (Y == X) break;
        X = std::move(Y);
    }
    return X;
}

const std::vector<ComparisonRecipe>& comparisonRecipes() {
    // Heads are replaced whole (null removes a key of the base's heads), so any base heads work.
    static const std::vector<ComparisonRecipe> recipes{
        {"softmax-vs-relu",
         "softmax vs ReLU",
         {{"softmax", R"({"kernel": "softmax"})"}, {"ReLU", R"({"kernel": "relu"})"}}},
        {"one-vs-two-heads",
         "one head vs two heterogeneous heads",
         {{"one head (a = 1)",
           R"({"heads": {"kind": "scalar", "count": 1, "scale": 1, "value": "M", "eps": null,
                         "alpha": null, "beta": null, "matrices": null, "spectrum_mean": null,
                         "spectrum_variance": null}})"},
          {"two heads (a = 1, 2)",
           R"({"heads": {"kind": "scalar", "count": 2, "scale": [1, 2], "value": "M", "eps": null,
                         "alpha": null, "beta": null, "matrices": null, "spectrum_mean": null,
                         "spectrum_variance": null}})"}}},
        {"sa-vs-usa",
         "SA vs USA",
         {{"SA (softmax)", R"({"kernel": "softmax"})"}, {"USA (exp)", R"({"kernel": "exp"})"}}},
        {"causal-vs-full",
         "all keys vs causal mask",
         {{"all keys", R"({"mask": "none"})"}, {"causal", R"({"mask": "causal"})"}}},
        {"post-ln-vs-pre-ln",
         "Post-LN vs Pre-LN",
         {{"Post-LN", R"({"normalisation": "post-ln"})"}, {"Pre-LN", R"({"normalisation": "pre-ln"})"}}},
        {"euler-vs-rk4",
         "Euler+renormalise vs RK4 (same dt)",
         {{"Euler + renormalise", R"({"integrator": {"method": "euler"}})"},
          {"RK4", R"({"integrator": {"method": "rk4"}})"}}},
    };
    return recipes;
}

const ComparisonRecipe* findRecipe(std::string_view id) {
    for (const ComparisonRecipe& r : comparisonRecipes())
        if (r.id == id) return &r;
    return nullptr;
}

Comparison makeComparison(const ComparisonRecipe& recipe, const Scenario& base) {
    Comparison c;
    c.name = std::string(recipe.title) + ": " + base.name;
    c.baseSource = base.toJson();
    c.base = base;
    for (std::size_t k = 0; k < recipe.runs.size(); ++k) {
        ComparisonRun run;
        run.name = recipe.runs[k].name;
        run.changes = json::parse(recipe.runs[k].changes);
        run.scenario = applyChanges(base, run.changes, index("runs", k));
        c.runs.push_back(std::move(run));
    }
    return c;
}

std::vector<PresetInfo> builtInComparisons() {
    std::vector<PresetInfo> out;
    for (const auto& [name, text] : embeddedComparisons()) {
        const json j = parseJsonText(text);
        out.push_back({name, j.value("name", name), ""});
    }
    return out;
}

Comparison builtInComparison(const std::string& name) {
    return Comparison::fromJsonText(embeddedText(embeddedComparisons(), name, "built-in comparison"));
}

Comparison loadComparison(const std::string& fileOrRecipe) {
    std::error_code ec;
    if (std::filesystem::is_regular_file(fileOrRecipe, ec)) return Comparison::fromFile(fileOrRecipe);
    if (embeddedComparisons().count(fileOrRecipe) > 0) return builtInComparison(fileOrRecipe);
    const auto colon = fileOrRecipe.find(':');
    std::string ids;
    for (const ComparisonRecipe& r : comparisonRecipes())
        ids += (ids.empty() ? "" : ", ") + std::string(r.id);
    std::string builtIns;
    for (const auto& [name, text] : embeddedComparisons()) builtIns += (builtIns.empty() ? "" : ", ") + name;
    const ComparisonRecipe* recipe =
        colon == std::string::npos ? nullptr : findRecipe(std::string_view(fileOrRecipe).substr(0, colon));
    if (!recipe)
        throw ValidationError("--compare", "'" + fileOrRecipe +
                                               "' is neither a comparison file, a built-in comparison (" +
                                               builtIns + ") nor RECIPE:SCENARIO (recipes: " + ids + ")");
    return makeComparison(*recipe, Scenario::load(fileOrRecipe.substr(colon + 1)));
}

Lockstep::Lockstep(const Comparison& comparison) : m_comparison(comparison) {
    for (const ComparisonRun& run : m_comparison.runs) m_tick = std::max(m_tick, run.scenario.dt);
    m_sims.resize(m_comparison.runs.size());
    reset();
}

void Lockstep::reset() {
    const Matrix X0 = m_comparison.initialPositions();
    for (std::size_t k = 0; k < m_sims.size(); ++k) {
        // A fresh simulation restarts time and step count; every run is given the same positions.
        m_sims[k] = std::make_unique<Simulation>(m_comparison.runs[k].scenario);
        m_sims[k]->setPositions(X0);
        m_sims[k]->setThreads(m_threads);
        m_sims[k]->setAbortFlag(m_abort);
    }
    m_target = 0;
}

void Lockstep::advanceTo(double target) {
    m_target = target;
    for (auto& sim : m_sims) {
        // Fixed steps: the step nearest the target (time sums drift by rounding over thousands of steps,
        // so an exact comparison would take one step too many now and then).
        const bool adaptive = sim->integrator() == IntegratorKind::DormandPrince;
        const double slack = adaptive ? 1e-12 : 0.5 * sim->dt();
        while (sim->time() < target - slack) sim->step();
    }
}

void Lockstep::setThreads(int threads) {
    m_threads = threads;
    for (auto& sim : m_sims) sim->setThreads(threads);
}

void Lockstep::setAbortFlag(const std::atomic<bool>* abort) {
    m_abort = abort;
    for (auto& sim : m_sims) sim->setAbortFlag(abort);
}

}  // namespace attnsphere::core
