// Sweep files (doc/SWEEPS.md): validation, the grid, seeds, shards, aggregation and the output folder.
#include "core/Sweep.h"

#include "core/Comparison.h"
#include "core/Errors.h"
#include "core/JsonRead.h"
#include "core/Npy.h"
#include "core/Simulation.h"
#include "core/TextFile.h"
#include "core/TheoryOverlay.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>

namespace attnsphere::core {

// Defined in the build-generated embedded-sweeps.cpp (cmake/EmbedPresets.cmake): name -> JSON text.
const std::map<std::string, std::string>& embeddedSweeps();

namespace {

using namespace jsonread;
namespace fs = std::filesystem;

constexpr const char* kFormat = "attnsphere-sweep";
constexpr int kVersion = 1;
constexpr const char* kResultFormat = "attnsphere-sweep-result";
constexpr char kShardMagic[8] = {'A', 'T', 'S', 'H', 'A', 'R', 'D', '1'};
constexpr const char* kRecord = "sweep.json";
constexpr const char* kShardDir = "shards";
constexpr const char* kNpyFile = "sweep.npy";
constexpr const char* kCountsFile = "cluster_counts.npy";
constexpr const char* kCsvFile = "sweep.csv";
constexpr const char* kMetadataFile = "metadata.json";
// A sweep is many runs: its total integrator steps are bounded by this many single runs' worth.
constexpr long long kSweepRunsFactor = 100;

constexpr std::array<NameEntry<SweepStatistic>, kSweepStatisticCount> kStatisticNames{{
    {SweepStatistic::ClusteredFraction, "clustered_fraction"},
    {SweepStatistic::ClusterCount, "cluster_count"},
    {SweepStatistic::EffectiveDimension, "effective_dimension"},
    {SweepStatistic::MeanCosine, "mean_cosine"},
    {SweepStatistic::Energy, "energy"},
    {SweepStatistic::Entropy, "entropy"},
}};

// The scenario fields an axis may sweep (dotted paths into the scenario JSON); integer ones are written as
// JSON integers when an expanded range gives whole numbers.
struct SweepField {
    std::string_view path;
    bool integer;
};
constexpr std::array<SweepField, 25> kSweepFields{{
    {"n", true},
    {"d", true},
    {"beta", false},
    {"kernel", false},
    {"sigmoid_bias", false},
    {"geometry", false},
    {"integrator.method", false},
    {"integrator.dt", false},
    {"integrator.tolerance", false},
    {"heads.kind", false},
    {"heads.count", true},
    {"heads.scale", false},
    {"heads.eps", false},
    {"heads.value", false},
    {"heads.spectrum_mean", false},
    {"heads.spectrum_variance", false},
    {"mask", false},
    {"positional_bias", false},
    {"sinkhorn_iterations", true},
    {"normalisation", false},
    {"temperature", false},
    {"init.kind", false},
    {"init.rho", false},
    {"init.clusters", true},
    {"init.spread", false},
}};
// Scenario fields that exist but cannot be an axis, and why.
constexpr std::array<std::pair<std::string_view, std::string_view>, 8> kFixedFields{{
    {"seed", "each start's seed is derived from the sweep's seed"},
    {"name", "the name does not change a run"},
    {"description", "the description does not change a run"},
    {"citation", "the citation does not change a run"},
    {"t_end", "the last checkpoint sets it"},
    {"publish_every", "a sweep records at its checkpoints"},
    {"format", "it names the file format"},
    {"version", "it names the file format"},
}};

const SweepField* findField(const std::string& path) {
    for (const SweepField& f : kSweepFields)
        if (f.path == path) return &f;
    return nullptr;
}

std::string fieldChoices() {
    std::string out;
    for (const SweepField& f : kSweepFields)
        out += (out.empty() ? "\"" : ", \"") + std::string(f.path) + "\"";
    return out;
}

std::uint64_t parseSeed(const json& v, const std::string& path) {
    if (v.is_number_unsigned()) return v.get<std::uint64_t>();
    const long long x = integer(v, path);
    if (x < 0)
        throw ValidationError(path, "must be an integer in [0, 18446744073709551615], got " + describe(v));
    return static_cast<std::uint64_t>(x);
}

// Sets `value` at a dotted path of a scenario's JSON (objects created on the way).
void setPath(json& j, const std::string& path, const json& value) {
    json* node = &j;
    std::size_t start = 0;
    for (;;) {
        const auto dot = path.find('.', start);
        const std::string key =
            path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
        if (dot == std::string::npos) {
            (*node)[key] = value;
            return;
        }
        if (!node->contains(key) || !(*node)[key].is_object()) (*node)[key] = json::object();
        node = &(*node)[key];
        start = dot + 1;
    }
}

std::vector<double> parseCheckpoints(const json& v) {
    const std::string p = "checkpoints";
    std::vector<double> out;
    if (v.is_object()) {
        requireObject(v, p, {"to", "every"});
        const double to = number(require(v, "to", p), child(p, "to"));
        checkRange(to, child(p, "to"), 0, Limits::tEndMax, true, false);
        const double every = number(require(v, "every", p), child(p, "every"));
        checkRange(every, child(p, "every"), 0, to, true, false);
        // k * every, not a running sum, so that 30 steps of 0.1 end at 3 and not 2.9999999999999996.
        const double steps = std::floor(to / every * (1 + 1e-12));
        if (steps + 1 > Sweep::checkpointsMax)
            throw ValidationError(p, "must have at most " + std::to_string(Sweep::checkpointsMax) +
                                         " checkpoints, got " + fmt(steps + 1));
        for (int k = 0; k <= static_cast<int>(steps); ++k) out.push_back(k * every);
        return out;
    }
    if (!v.is_array())
        throw ValidationError(
            p, "must be {\"to\": T, \"every\": dt} or an increasing array of times, got " + describe(v));
    if (v.empty() || v.size() > static_cast<std::size_t>(Sweep::checkpointsMax))
        throw ValidationError(p, "must have 1 to " + std::to_string(Sweep::checkpointsMax) + " times, got " +
                                     std::to_string(v.size()));
    for (std::size_t k = 0; k < v.size(); ++k) {
        const std::string ip = index(p, k);
        const double t = number(v[k], ip);
        checkRange(t, ip, 0, Limits::tEndMax);
        if (k > 0 && !(t > out.back()))
            throw ValidationError(ip, "must be greater than " + index(p, k - 1) + " = " + fmt(out.back()) +
                                          " (checkpoints increase), got " + fmt(t));
        out.push_back(t);
    }
    if (!(out.back() > 0)) throw ValidationError(p, "must reach a time after 0, got only 0");
    return out;
}

SweepAxis parseAxis(const json& v, const std::string& p, const Scenario& base) {
    requireObject(v, p, {"field", "from", "to", "count", "spacing", "values"});
    SweepAxis axis;
    axis.field = string(require(v, "field", p), child(p, "field"));
    const std::string fp = child(p, "field");
    for (const auto& [name, why] : kFixedFields)
        if (axis.field == name)
            throw ValidationError(fp, "\"" + axis.field + "\" cannot be an axis: " + std::string(why));
    const SweepField* field = findField(axis.field);
    if (!field)
        throw ValidationError(fp, "must be a scenario field a sweep can vary, one of " + fieldChoices() +
                                      ", got \"" + axis.field + "\"");
    if ((axis.field == "n" || axis.field == "d") && base.init.kind == InitKind::Points)
        throw ValidationError(fp,
                              "\"" + axis.field +
                                  "\" cannot be swept when the base's init.kind is \"points\" (the points "
                                  "fix n and d)");
    const bool range = v.contains("from") || v.contains("to") || v.contains("count") || v.contains("spacing");
    if (v.contains("values") == range)
        throw ValidationError(p, "must have either \"values\" or \"from\", \"to\" and \"count\"");
    if (v.contains("values")) {
        const json& values = v["values"];
        const std::string vp = child(p, "values");
        if (!values.is_array() || values.empty())
            throw ValidationError(vp,
                                  "must be a non-empty array of numbers or strings, got " + describe(values));
        if (values.size() > static_cast<std::size_t>(Sweep::pointsMax))
            throw ValidationError(vp, "must have at most " + std::to_string(Sweep::pointsMax) +
                                          " values, got " + std::to_string(values.size()));
        const bool strings = values[0].is_string();
        std::set<json> seen;
        for (std::size_t i = 0; i < values.size(); ++i) {
            if (values[i].is_string() != strings || (!strings && !values[i].is_number()))
                throw ValidationError(index(vp, i),
                                      "must be " + std::string(strings ? "a string" : "a number") +
                                          " like the axis's first value, got " + describe(values[i]));
            if (!strings) number(values[i], index(vp, i));
            if (!seen.insert(values[i]).second)
                throw ValidationError(index(vp, i), "must differ from the axis's other values, got " +
                                                        describe(values[i]) + " twice");
            axis.values.push_back(values[i]);
        }
        axis.spec = {{"field", axis.field}, {"values", values}};
        return axis;
    }
    const double from = number(require(v, "from", p), child(p, "from"));
    const double to = number(require(v, "to", p), child(p, "to"));
    const int count = smallInteger(require(v, "count", p), child(p, "count"), 1, Sweep::pointsMax);
    const std::string spacing = v.contains("spacing") ? string(v["spacing"], child(p, "spacing")) : "linear";
    if (spacing != "linear" && spacing != "log")
        throw ValidationError(child(p, "spacing"),
                              "must be one of \"linear\", \"log\", got \"" + spacing + "\"");
    const bool log = spacing == "log";
    if (log && !(from > 0 && to > 0))
        throw ValidationError(child(p, log && !(from > 0) ? "from" : "to"),
                              "must be > 0 for \"log\" spacing, got " + fmt(from > 0 ? to : from));
    if (count > 1 && from == to)
        throw ValidationError(child(p, "to"), "must differ from \"from\" when count > 1, got " + fmt(to));
    // numpy's linspace and geomspace: the start plus i steps, the last value exactly `to`.
    const double a = log ? std::log(from) : from, b = log ? std::log(to) : to;
    const double step = count > 1 ? (b - a) / (count - 1) : 0;
    for (int i = 0; i < count; ++i) {
        double x = i == count - 1 && count > 1 ? b : a + i * step;
        if (log) x = i == 0 ? from : (i == count - 1 ? to : std::exp(x));
        if (field->integer && std::floor(x) == x && std::abs(x) < 9e15)
            axis.values.push_back(static_cast<long long>(x));
        else
            axis.values.push_back(x);
    }
    axis.spec = {{"field", axis.field}, {"from", from}, {"to", to}, {"count", count}, {"spacing", spacing}};
    return axis;
}

std::string pointText(const Sweep& s, long long point) {
    const std::vector<int> idx = s.pointIndices(point);
    std::string out;
    for (std::size_t k = 0; k < s.axes.size(); ++k)
        out += (k ? ", " : "") + s.axes[k].field + " = " + s.axes[k].label(static_cast<std::size_t>(idx[k]));
    return out;
}

// The scenario JSON of a point, or of the base with one axis value (axis >= 0, point ignored).
json pointJson(const Sweep& s, long long point, int axis = -1, std::size_t value = 0) {
    json j = s.base.toJson();
    if (axis >= 0) {
        setPath(j, s.axes[static_cast<std::size_t>(axis)].field,
                s.axes[static_cast<std::size_t>(axis)].values[value]);
    } else {
        const std::vector<int> idx = s.pointIndices(point);
        for (std::size_t k = 0; k < s.axes.size(); ++k)
            setPath(j, s.axes[k].field, s.axes[k].values[static_cast<std::size_t>(idx[k])]);
    }
    j["t_end"] = s.checkpoints.back();
    return j;
}

// Every grid point is a valid scenario, lands its checkpoints on steps, and the whole stays within bounds.
void validateGrid(const Sweep& s) {
    const bool oneAxis = s.axes.size() == 1;
    // Several axes: each value alone first, so that a bad value is named by its axis and index.
    for (std::size_t k = 0; k < s.axes.size() && !oneAxis; ++k)
        for (std::size_t i = 0; i < s.axes[k].values.size(); ++i) {
            try {
                Scenario::fromJson(pointJson(s, 0, static_cast<int>(k), i));
            } catch (const ValidationError& e) {
                throw ValidationError(index(index("axes", k) + ".values", i), e.what());
            }
        }
    const double tEnd = s.checkpoints.back();
    long double steps = 0;
    std::set<std::pair<IntegratorKind, double>> checkedSteps;
    // One JSON reused: every point sets the same paths (a copy of the base per point would dominate).
    json work = pointJson(s, 0);
    for (long long point = 0; point < s.pointCount(); ++point) {
        const std::vector<int> idx = s.pointIndices(point);
        for (std::size_t k = 0; k < s.axes.size(); ++k)
            setPath(work, s.axes[k].field, s.axes[k].values[static_cast<std::size_t>(idx[k])]);
        Scenario sc;
        try {
            sc = Scenario::fromJson(work);
        } catch (const ValidationError& e) {
            if (oneAxis)
                throw ValidationError(index("axes[0].values", static_cast<std::size_t>(point)), e.what());
            throw ValidationError("axes", "at the point " + pointText(s, point) + ": " + e.what());
        }
        if (sc.integrator != IntegratorKind::DormandPrince &&
            checkedSteps.insert({sc.integrator, sc.dt}).second)
            for (std::size_t c = 0; c < s.checkpoints.size(); ++c) {
                const double k = s.checkpoints[c] / sc.dt;
                if (std::abs(k - std::round(k)) > 1e-9 * std::max(1.0, k))
                    throw ValidationError(index("checkpoints", c),
                                          "must be a multiple of integrator.dt = " + fmt(sc.dt) +
                                              " (each checkpoint falls on a step) at the point " +
                                              pointText(s, point) + ", got " + fmt(s.checkpoints[c]));
            }
        steps += std::ceil(tEnd / sc.dt - 1e-9) * static_cast<long double>(s.starts);
    }
    const long double limit = static_cast<long double>(Limits::runStepsMax) * kSweepRunsFactor;
    if (steps > limit)
        throw ValidationError(
            "starts", "the sweep takes " + fmt(static_cast<double>(steps)) +
                          " integrator steps (points × starts × steps to t = " + fmt(tEnd) + "), more than " +
                          fmt(static_cast<double>(limit)) + ": a sweep is many runs, bounded by " +
                          std::to_string(kSweepRunsFactor) +
                          " times the longest run; use fewer points, starts or a shorter time");
}

std::uint64_t splitmix64(std::uint64_t x) {
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

std::uint64_t fnv1a(const std::string& text) {
    std::uint64_t h = 0xcbf29ce484222325ull;
    for (unsigned char c : text) {
        h ^= c;
        h *= 0x100000001b3ull;
    }
    return h;
}

std::uint64_t sweepHash(const Sweep& s) {
    return fnv1a(s.toJson().dump());
}

// "/axes/0/count" -> "axes[0].count", arrays recognised in `doc`.
std::string dottedPath(const json::json_pointer& pointer, const json& doc) {
    std::string out;
    const json* node = &doc;
    std::string p = pointer.to_string();
    std::size_t start = 1;
    while (start <= p.size() && !p.empty()) {
        const auto slash = p.find('/', start);
        std::string token = p.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
        for (std::size_t i; (i = token.find("~1")) != std::string::npos;) token.replace(i, 2, "/");
        for (std::size_t i; (i = token.find("~0")) != std::string::npos;) token.replace(i, 2, "~");
        if (node && node->is_array()) {
            out += "[" + token + "]";
            const std::size_t i = std::strtoull(token.c_str(), nullptr, 10);
            node = i < node->size() ? &(*node)[i] : nullptr;
        } else {
            out += (out.empty() ? "" : ".") + token;
            node = node && node->is_object() && node->contains(token) ? &(*node)[token] : nullptr;
        }
        if (slash == std::string::npos) break;
        start = slash + 1;
    }
    return out;
}

std::string shortDump(const json& v) {
    std::string text = v.dump(-1, ' ', false, json::error_handler_t::replace);
    return text.size() > 80 ? text.substr(0, 77) + "..." : text;
}

void putU64(std::string& out, std::uint64_t v) {
    for (int b = 0; b < 8; ++b) out.push_back(static_cast<char>((v >> (8 * b)) & 0xff));
}
std::uint64_t getU64(const std::string& in, std::size_t at) {
    std::uint64_t v = 0;
    for (int b = 0; b < 8; ++b)
        v |= static_cast<std::uint64_t>(static_cast<unsigned char>(in[at + b])) << (8 * b);
    return v;
}

std::string doubleBytes(const std::vector<double>& values) {
    std::string out(values.size() * sizeof(double), '\0');
    if (!values.empty()) std::memcpy(out.data(), values.data(), out.size());
    return out;
}

// The magic, then version, shard, starts, checkpoints, statistics and hash as 64-bit integers.
constexpr std::size_t kShardHeaderSize = 8 + 6 * 8;

double median(std::vector<double>& v) {
    std::sort(v.begin(), v.end());
    const std::size_t m = v.size() / 2;
    return v.size() % 2 ? v[m] : 0.5 * (v[m - 1] + v[m]);
}

}  // namespace

template <>
std::span<const NameEntry<SweepStatistic>> nameTable<SweepStatistic>() {
    return kStatisticNames;
}

bool SweepAxis::categorical() const {
    return !values.empty() && values.front().is_string();
}

std::string SweepAxis::label(std::size_t i) const {
    const json& v = values.at(i);
    if (v.is_string()) return v.get<std::string>();
    if (v.is_number_integer()) return v.dump();
    return fmt(v.get<double>());
}

Sweep Sweep::fromJson(const json& j) {
    try {
        requireObject(
            j, "",
            {"format", "version", "name", "description", "citation", "base", "axes", "starts", "seed",
             "checkpoints", "threshold", "cluster_tolerance", "statistics", "starts_per_shard"});
        checkFormat(j, kFormat, kVersion, true);
        Sweep s;
        if (j.contains("name")) s.name = string(j["name"], "name");
        if (j.contains("description")) s.description = string(j["description"], "description");
        if (j.contains("citation")) s.citation = string(j["citation"], "citation");
        s.baseSource = require(j, "base", "");
        s.base = baseScenarioFromJson(s.baseSource);
        s.checkpoints = parseCheckpoints(require(j, "checkpoints", ""));
        if (j.contains("starts")) s.starts = smallInteger(j["starts"], "starts", 1, startsMax);
        if (j.contains("seed")) s.seed = parseSeed(j["seed"], "seed");
        if (j.contains("threshold")) {
            s.threshold = number(j["threshold"], "threshold");
            checkRange(s.threshold, "threshold", 0, 1, true, false);
        }
        if (j.contains("cluster_tolerance")) {
            s.clusterTolerance = number(j["cluster_tolerance"], "cluster_tolerance");
            checkRange(s.clusterTolerance, "cluster_tolerance", 0, 1, true, false);
        }
        if (j.contains("statistics")) {
            const json& list = j["statistics"];
            if (!list.is_array() || list.empty())
                throw ValidationError(
                    "statistics",
                    "must be a non-empty array of " + choices<SweepStatistic>() + ", got " + describe(list));
            for (std::size_t k = 0; k < list.size(); ++k) {
                const SweepStatistic st = enumValue<SweepStatistic>(list[k], index("statistics", k));
                if (std::find(s.statistics.begin(), s.statistics.end(), st) != s.statistics.end())
                    throw ValidationError(index("statistics", k),
                                          "must differ from the other statistics, got \"" +
                                              std::string(nameOf(st)) + "\" twice");
                s.statistics.push_back(st);
            }
        } else {
            for (const auto& [st, name] : kStatisticNames) s.statistics.push_back(st);
        }
        if (j.contains("starts_per_shard"))
            s.startsPerShard = smallInteger(j["starts_per_shard"], "starts_per_shard", 1, startsMax);

        const json& axes = require(j, "axes", "");
        if (!axes.is_array() || axes.empty() || axes.size() > static_cast<std::size_t>(axesMax))
            throw ValidationError("axes", "must be an array of 1 to " + std::to_string(axesMax) +
                                              " axes, got " + describe(axes));
        long long points = 1;
        for (std::size_t k = 0; k < axes.size(); ++k) {
            SweepAxis axis = parseAxis(axes[k], index("axes", k), s.base);
            for (const SweepAxis& other : s.axes)
                if (other.field == axis.field)
                    throw ValidationError(
                        index("axes", k) + ".field",
                        "must differ from the other axes' fields, got \"" + axis.field + "\" twice");
            points *= static_cast<long long>(axis.values.size());
            if (points > pointsMax)
                throw ValidationError("axes",
                                      "must have at most " + std::to_string(pointsMax) +
                                          " grid points (the product of the axes' lengths), got more");
            s.axes.push_back(std::move(axis));
        }
        validateGrid(s);
        return s;
    } catch (const json::exception& e) {
        throwJsonError(e, "invalid sweep: ");
    }
}

Sweep Sweep::fromJsonText(const std::string& text) {
    return fromJson(parseJsonText(text));
}

Sweep Sweep::fromFile(const std::string& path) {
    const auto text = readTextFile(path);
    if (!text) throw ValidationError("", "cannot open sweep file '" + path + "'");
    try {
        return fromJsonText(*text);
    } catch (const ValidationError& e) {
        throw under(path, e);
    }
}

Sweep Sweep::load(const std::string& presetOrPath) {
    std::error_code ec;
    if (fs::is_regular_file(presetOrPath, ec)) return fromFile(presetOrPath);
    if (isSweepPreset(presetOrPath)) return fromJsonText(sweepPresetJsonText(presetOrPath));
    std::string names;
    for (const auto& p : sweepPresetList()) names += (names.empty() ? "" : ", ") + p.name;
    throw ValidationError(
        "", "'" + presetOrPath + "' is neither a sweep file nor a sweep preset (presets: " + names + ")");
}

json Sweep::toJson() const {
    json axisList = json::array();
    for (const SweepAxis& a : axes) axisList.push_back(a.spec);
    json stats = json::array();
    for (SweepStatistic st : statistics) stats.push_back(nameOf(st));
    return {{"format", kFormat},      {"version", kVersion},
            {"name", name},           {"description", description},
            {"citation", citation},   {"base", base.toJson()},
            {"axes", axisList},       {"starts", starts},
            {"seed", seed},           {"checkpoints", checkpoints},
            {"threshold", threshold}, {"cluster_tolerance", clusterTolerance},
            {"statistics", stats},    {"starts_per_shard", startsPerShard}};
}

long long Sweep::pointCount() const {
    long long p = 1;
    for (const SweepAxis& a : axes) p *= static_cast<long long>(a.values.size());
    return p;
}

std::vector<int> Sweep::shape() const {
    std::vector<int> out;
    for (const SweepAxis& a : axes) out.push_back(static_cast<int>(a.values.size()));
    return out;
}

std::vector<int> Sweep::pointIndices(long long point) const {
    std::vector<int> idx(axes.size());
    for (std::size_t k = axes.size(); k-- > 0;) {
        const auto len = static_cast<long long>(axes[k].values.size());
        idx[k] = static_cast<int>(point % len);
        point /= len;
    }
    return idx;
}

Scenario Sweep::scenarioAt(long long point) const {
    Scenario s = Scenario::fromJson(pointJson(*this, point));
    s.name = name + " (" + pointText(*this, point) + ")";
    return s;
}

Scenario Sweep::scenarioAt(long long point, int start) const {
    Scenario s = scenarioAt(point);
    s.seed = startSeed(start);
    s.name += " start " + std::to_string(start);
    return s;
}

std::uint64_t Sweep::startSeed(int start) const {
    return splitmix64(seed ^ splitmix64(static_cast<std::uint64_t>(start)));
}

int Sweep::maxN() const {
    int n = base.n;
    for (const SweepAxis& a : axes)
        if (a.field == "n")
            for (const json& v : a.values) n = std::max(n, static_cast<int>(v.get<double>()));
    return n;
}

int Sweep::shardsPerPoint() const {
    return (starts + startsPerShard - 1) / startsPerShard;
}
long long Sweep::shardCount() const {
    return pointCount() * shardsPerPoint();
}
long long Sweep::shardPoint(long long shard) const {
    return shard / shardsPerPoint();
}
int Sweep::shardFirstStart(long long shard) const {
    return static_cast<int>(shard % shardsPerPoint()) * startsPerShard;
}
int Sweep::shardStarts(long long shard) const {
    return std::min(startsPerShard, starts - shardFirstStart(shard));
}

ShardResult computeShard(const Sweep& sweep, long long shard, const std::atomic<bool>* abort) {
    const long long point = sweep.shardPoint(shard);
    const int first = sweep.shardFirstStart(shard), count = sweep.shardStarts(shard);
    FrameOptions options;
    options.observables = true;
    options.attention = false;
    options.clusterTolerance = sweep.clusterTolerance;
    options.clusteredThreshold = sweep.threshold;
    // Statistics the sweep does not record are not computed (they stay 0 in the shard): the attention
    // pass costs about a step and the eigen solve more at small n.
    auto records = [&](SweepStatistic st) {
        return std::find(sweep.statistics.begin(), sweep.statistics.end(), st) != sweep.statistics.end();
    };
    options.attentionObservables = records(SweepStatistic::Energy) || records(SweepStatistic::Entropy);
    options.effectiveDimension = records(SweepStatistic::EffectiveDimension);
    ShardResult r;
    r.shard = shard;
    r.values.reserve(static_cast<std::size_t>(count) * sweep.checkpoints.size() * kSweepStatisticCount);
    for (int start = first; start < first + count; ++start) {
        if (abort && abort->load(std::memory_order_relaxed)) throw Aborted();
        const Scenario scenario = sweep.scenarioAt(point, start);
        try {
            Simulation sim(scenario);
            sim.setThreads(1);
            sim.setAbortFlag(abort);
            const bool adaptive = sim.integrator() == IntegratorKind::DormandPrince;
            for (double t : sweep.checkpoints) {
                // Fixed steps: counted, not summed in time (a sum of many dt drifts by rounding), so a
                // checkpoint is the frame `attnsphere run` publishes after that many steps.
                if (adaptive)
                    sim.stepUntil(t);
                else
                    while (sim.stepCount() < std::llround(t / sim.dt())) sim.step();
                const Frame f = sim.makeFrame(options);
                // In SweepStatistic order.
                r.values.push_back(f.clusteredPairFraction);
                r.values.push_back(f.clusterCount);
                r.values.push_back(f.effectiveDimension);
                r.values.push_back(f.meanCosine);
                r.values.push_back(f.energyTotal);
                r.values.push_back(f.entropyMean);
            }
        } catch (const NumericalError& e) {
            throw NumericalError("sweep point " + pointText(sweep, point) + ", start " +
                                 std::to_string(start) + " (seed " + std::to_string(scenario.seed) +
                                 "): " + e.what());
        }
    }
    return r;
}

std::string shardPath(const std::string& dir, long long shard) {
    char name[40];
    std::snprintf(name, sizeof name, "shard-%06lld.bin", shard);
    return (fs::path(dir) / kShardDir / name).string();
}

void claimSweepDir(const std::string& dir, const Sweep& sweep) {
    std::error_code ec;
    fs::create_directories(fs::path(dir) / kShardDir, ec);
    if (ec) throw std::runtime_error("cannot create directory '" + dir + "': " + ec.message());
    const std::string record = (fs::path(dir) / kRecord).string();
    const json mine = sweep.toJson();
    const auto text = readTextFile(record);
    if (!text) {
        writeTextFile(record, mine.dump(1) + "\n");
        return;
    }
    json theirs;
    try {
        theirs = json::parse(*text);
    } catch (const json::exception&) {
        throw ValidationError(record, "is not a sweep record (delete the folder or choose another --out)");
    }
    if (theirs == mine) return;
    const json patch = json::diff(theirs, mine);
    const json& op = patch.at(0);
    const json::json_pointer pointer(op.at("path").get<std::string>());
    const std::string inDir = theirs.contains(pointer) ? shortDump(theirs.at(pointer)) : "absent";
    const std::string inFile = mine.contains(pointer) ? shortDump(mine.at(pointer)) : "absent";
    throw ValidationError(
        dottedPath(pointer, theirs.contains(pointer) ? theirs : mine),
        inDir + " in " + dir + ", " + inFile +
            " in the file (this folder holds another sweep's results; choose another --out)");
}

void writeShard(const std::string& path, const Sweep& sweep, const ShardResult& result) {
    std::string bytes(kShardMagic, sizeof kShardMagic);
    putU64(bytes, 1);
    putU64(bytes, static_cast<std::uint64_t>(result.shard));
    putU64(bytes, static_cast<std::uint64_t>(sweep.shardStarts(result.shard)));
    putU64(bytes, sweep.checkpoints.size());
    putU64(bytes, kSweepStatisticCount);
    putU64(bytes, sweepHash(sweep));
    bytes += doubleBytes(result.values);
    writeTextFile(path, bytes);
}

std::optional<ShardResult> readShard(const std::string& path, const Sweep& sweep, long long shard) {
    const auto file = readTextFile(path);
    if (!file || file->size() < kShardHeaderSize || file->compare(0, 8, kShardMagic, 8) != 0)
        return std::nullopt;
    const std::string& bytes = *file;
    const std::uint64_t starts = static_cast<std::uint64_t>(sweep.shardStarts(shard));
    const std::size_t count = starts * sweep.checkpoints.size() * kSweepStatisticCount;
    if (getU64(bytes, 8) != 1 || getU64(bytes, 16) != static_cast<std::uint64_t>(shard) ||
        getU64(bytes, 24) != starts || getU64(bytes, 32) != sweep.checkpoints.size() ||
        getU64(bytes, 40) != kSweepStatisticCount || getU64(bytes, 48) != sweepHash(sweep) ||
        bytes.size() != kShardHeaderSize + count * sizeof(double))
        return std::nullopt;
    ShardResult r;
    r.shard = shard;
    r.values.resize(count);
    std::memcpy(r.values.data(), bytes.data() + kShardHeaderSize, count * sizeof(double));
    return r;
}

double SweepResult::at(long long point, int checkpoint, int column) const {
    const auto C = static_cast<long long>(shape.at(shape.size() - 2));
    const auto K = static_cast<long long>(shape.back());
    return values.at(static_cast<std::size_t>((point * C + checkpoint) * K + column));
}

std::vector<std::string> sweepColumns(const Sweep& sweep) {
    std::vector<std::string> out;
    for (SweepStatistic st : sweep.statistics) {
        const std::string name(nameOf(st));
        if (st == SweepStatistic::ClusterCount) {
            out.push_back(name + "_median");
            out.push_back(name + "_mean");
        } else {
            out.push_back(name);
        }
    }
    return out;
}

SweepResult aggregate(const Sweep& sweep, const std::vector<ShardResult>& shards) {
    const long long shardCount = sweep.shardCount();
    std::vector<const ShardResult*> byIndex(static_cast<std::size_t>(shardCount), nullptr);
    for (const ShardResult& r : shards) {
        if (r.shard < 0 || r.shard >= shardCount || byIndex[static_cast<std::size_t>(r.shard)])
            throw std::invalid_argument("aggregate: shard " + std::to_string(r.shard) +
                                        " is foreign or repeated");
        const std::size_t expected = static_cast<std::size_t>(sweep.shardStarts(r.shard)) *
                                     sweep.checkpoints.size() * kSweepStatisticCount;
        if (r.values.size() != expected)
            throw std::invalid_argument("aggregate: shard " + std::to_string(r.shard) +
                                        " has the wrong size");
        byIndex[static_cast<std::size_t>(r.shard)] = &r;
    }
    for (long long k = 0; k < shardCount; ++k)
        if (!byIndex[static_cast<std::size_t>(k)])
            throw std::invalid_argument("aggregate: shard " + std::to_string(k) + " is missing");

    SweepResult out;
    out.columns = sweepColumns(sweep);
    out.shape = sweep.shape();
    const int C = static_cast<int>(sweep.checkpoints.size());
    const int K = static_cast<int>(out.columns.size());
    out.shape.push_back(C);
    out.shape.push_back(K);
    const long long points = sweep.pointCount();
    const int bins = sweep.maxN() + 1;
    out.values.assign(static_cast<std::size_t>(points * C * K), 0.0);
    out.clusterCounts.assign(static_cast<std::size_t>(points * C * bins), 0);
    const int spp = sweep.shardsPerPoint();
    const int S = sweep.starts;
    std::vector<double> perStart(static_cast<std::size_t>(S));
    for (long long p = 0; p < points; ++p) {
        // Value of statistic st at checkpoint c for start s (starts in order, whatever the shards' order).
        auto value = [&](int s, int c, int st) {
            const ShardResult& r = *byIndex[static_cast<std::size_t>(p * spp + s / sweep.startsPerShard)];
            const int local = s % sweep.startsPerShard;
            return r.values[static_cast<std::size_t>((local * C + c) * kSweepStatisticCount + st)];
        };
        for (int c = 0; c < C; ++c) {
            double* row = &out.values[static_cast<std::size_t>((p * C + c) * K)];
            int col = 0;
            for (SweepStatistic st : sweep.statistics) {
                const int si = static_cast<int>(st);
                double sum = 0;
                for (int s = 0; s < S; ++s) sum += perStart[static_cast<std::size_t>(s)] = value(s, c, si);
                if (st == SweepStatistic::ClusterCount) row[col++] = median(perStart);
                row[col++] = sum / S;
            }
            long long* hist = &out.clusterCounts[static_cast<std::size_t>((p * C + c) * bins)];
            for (int s = 0; s < S; ++s) {
                const auto k = static_cast<int>(value(s, c, static_cast<int>(SweepStatistic::ClusterCount)));
                if (k >= 0 && k < bins) ++hist[k];
            }
        }
    }
    return out;
}

void writeSweepOutputs(const std::string& dir, const Sweep& sweep, const SweepResult& result,
                       const json& info) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) throw std::runtime_error("cannot create directory '" + dir + "': " + ec.message());
    auto file = [&](const char* name) { return (fs::path(dir) / name).string(); };
    const long long points = sweep.pointCount();
    const int C = static_cast<int>(sweep.checkpoints.size());
    const int K = static_cast<int>(result.columns.size());

    std::vector<long long> shape(result.shape.begin(), result.shape.end());
    writeTextFile(file(kNpyFile), npyHeader("<f8", shape) + doubleBytes(result.values));

    std::vector<long long> countShape = shape;
    countShape.back() = sweep.maxN() + 1;
    std::string counts(result.clusterCounts.size() * sizeof(std::int64_t), '\0');
    if (!counts.empty()) std::memcpy(counts.data(), result.clusterCounts.data(), counts.size());
    writeTextFile(file(kCountsFile), npyHeader("<i8", countShape) + counts);

    std::string csv;
    for (const SweepAxis& a : sweep.axes) csv += a.field + ",";
    csv += "t,statistic,value\n";
    for (long long p = 0; p < points; ++p) {
        const std::vector<int> idx = sweep.pointIndices(p);
        std::string prefix;
        for (std::size_t k = 0; k < sweep.axes.size(); ++k)
            prefix += sweep.axes[k].label(static_cast<std::size_t>(idx[k])) + ",";
        for (int c = 0; c < C; ++c)
            for (int k = 0; k < K; ++k)
                csv += prefix + fmt(sweep.checkpoints[static_cast<std::size_t>(c)]) + "," +
                       result.columns[static_cast<std::size_t>(k)] + "," + fmt(result.at(p, c, k)) + "\n";
    }
    writeTextFile(file(kCsvFile), csv);

    json axes = json::array();
    for (const SweepAxis& a : sweep.axes) axes.push_back({{"field", a.field}, {"values", a.values}});
    json seeds = json::array();
    for (int s = 0; s < sweep.starts; ++s) seeds.push_back(sweep.startSeed(s));
    json meta = {
        {"format", kResultFormat},
        {"attnsphere_version", ATTNSPHERE_VERSION},
        {"sweep", sweep.toJson()},
        {"columns", result.columns},
        {"shape", result.shape},
        {"axes", axes},
        {"checkpoints", sweep.checkpoints},
        {"seeds", seeds},
        {"files",
         {{kNpyFile, "float64 array (axes..., checkpoints, columns): each column's summary over starts"},
          {kCountsFile, "int64 array (axes..., checkpoints, max n + 1): starts with k clusters"},
          {kCsvFile, "long format: one row per point, checkpoint and column"}}},
        {"run", info}};
    writeTextFile(file(kMetadataFile), meta.dump(1) + "\n");
}

SweepOutputs readSweepOutputs(const std::string& dir) {
    auto file = [&](const char* name) { return (fs::path(dir) / name).string(); };
    const auto text = readTextFile(file(kMetadataFile));
    if (!text)
        throw ValidationError("", "cannot open '" + file(kMetadataFile) + "' (not a sweep's output folder?)");
    const json meta = parseJsonText(*text);
    if (!meta.is_object() || meta.value("format", "") != kResultFormat || !meta.contains("sweep"))
        throw ValidationError("", "'" + file(kMetadataFile) + "' is not the metadata of a sweep's results");
    SweepOutputs out;
    try {
        out.sweep = Sweep::fromJson(meta["sweep"]);
    } catch (const ValidationError& e) {
        throw ValidationError(file(kMetadataFile) + ": sweep", e.what());
    }
    SweepResult& r = out.result;
    r.columns = sweepColumns(out.sweep);
    r.shape = out.sweep.shape();
    r.shape.push_back(static_cast<int>(out.sweep.checkpoints.size()));
    r.shape.push_back(static_cast<int>(r.columns.size()));
    const std::vector<long long> shape(r.shape.begin(), r.shape.end());
    const NpyArray values = readNpy(file(kNpyFile));
    if (values.descr != "<f8" || values.shape != shape)
        throw ValidationError("", "'" + file(kNpyFile) + "' does not have the shape its metadata.json gives");
    r.values.resize(values.data.size() / sizeof(double));
    std::memcpy(r.values.data(), values.data.data(), values.data.size());
    std::vector<long long> countShape = shape;
    countShape.back() = out.sweep.maxN() + 1;
    const NpyArray counts = readNpy(file(kCountsFile));
    if (counts.descr != "<i8" || counts.shape != countShape)
        throw ValidationError("",
                              "'" + file(kCountsFile) + "' does not have the shape its metadata.json gives");
    r.clusterCounts.resize(counts.data.size() / sizeof(std::int64_t));
    std::memcpy(r.clusterCounts.data(), counts.data.data(), counts.data.size());
    return out;
}

std::optional<double> theoryClusteringTime(const Sweep& sweep, double beta) {
    const Scenario& base = sweep.base;
    const bool kernelApplies = base.kernel == KernelKind::Softmax || base.kernel == KernelKind::Exp;
    // Only these kinds can give scalar heads; the others are not built (a large Gaussian head is costly).
    const bool headsMayBeScalar = base.heads.kind == HeadsKind::Identity ||
                                  base.heads.kind == HeadsKind::Scalar ||
                                  base.heads.kind == HeadsKind::Explicit;
    if (!kernelApplies || !headsMayBeScalar || base.heads.value != ValueKind::SameAsScore || !(beta > 0))
        return std::nullopt;
    Scenario s = base;
    s.beta = beta;
    std::string reason;
    const std::optional<EquiangularSetup> setup = scalarSetup(s.buildModel(), s.n, reason);
    if (!setup) return std::nullopt;
    const double t = equiangular::clusteringTime(*setup, 0.0, sweep.threshold);
    if (!std::isfinite(t)) return std::nullopt;
    return t;
}

std::vector<PresetInfo> sweepPresetList() {
    std::vector<PresetInfo> out;
    for (const auto& [name, text] : embeddedSweeps()) {
        const json j = parseJsonText(text);
        out.push_back({name, j.value("description", ""), j.value("citation", "")});
    }
    return out;
}

bool isSweepPreset(const std::string& name) {
    return embeddedSweeps().count(name) > 0;
}

std::string sweepPresetJsonText(const std::string& name) {
    return embeddedText(embeddedSweeps(), name, "sweep preset");
}

}  // namespace attnsphere::core
