// The value-softmax model: file parsing and validation, the flow and its RK4 integration, observables,
// and the export. doc/POLARISATION.md documents the format, doc/MODEL.md §13 the equations.
#include "core/Polarisation.h"

#include "core/Initialisation.h"
#include "core/JsonRead.h"
#include "core/Npy.h"
#include "core/TextFile.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <stdexcept>

namespace attnsphere::core {

// Defined in the build-generated embedded-polarisation.cpp (cmake/EmbedPresets.cmake).
const std::map<std::string, std::string>& embeddedPolarisations();

namespace {

using namespace jsonread;
namespace fs = std::filesystem;

constexpr std::array<NameEntry<PolarMap>, 3> kMapNames{{
    {PolarMap::Softmax, "softmax"},
    {PolarMap::Linear, "linear"},
    {PolarMap::Sigmoid, "sigmoid"},
}};
constexpr std::array<NameEntry<PolarLoss>, 2> kLossNames{{
    {PolarLoss::Square, "square"},
    {PolarLoss::Logistic, "logistic"},
}};

// Seed streams: the target, the logits and the values are drawn independently, so fixing one (an
// explicit target) leaves the others as they were.
constexpr std::uint64_t kTargetStream = 1, kLogitStream = 2, kValueStream = 3;

}  // namespace

template <>
std::span<const NameEntry<PolarMap>> nameTable<PolarMap>() {
    return kMapNames;
}
template <>
std::span<const NameEntry<PolarLoss>> nameTable<PolarLoss>() {
    return kLossNames;
}

namespace {

std::vector<double> entries(const json& v, const std::string& path, std::size_t size, const char* what) {
    if (!v.is_array() || v.size() != size)
        throw ValidationError(path, "must be a list of " + std::to_string(size) + " numbers (" + what +
                                        "), got " + describe(v));
    std::vector<double> out;
    for (std::size_t i = 0; i < v.size(); ++i) {
        out.push_back(number(v[i], index(path, i)));
        checkRange(out.back(), index(path, i), -PolarLimits::entryMax, PolarLimits::entryMax);
    }
    return out;
}

std::uint64_t seedValue(const json& v) {
    if (v.is_number_unsigned()) return v.get<std::uint64_t>();
    const long long x = integer(v, "seed");
    if (x < 0)
        throw ValidationError("seed", "must be an integer in [0, 18446744073709551615], got " + describe(v));
    return static_cast<std::uint64_t>(x);
}

PolarisationSpec parse(const json& j) {
    requireObject(j, "",
                  {"format", "version", "name", "description", "citation", "n", "d", "maps", "loss", "target",
                   "init", "integrator", "t_end", "publish_every", "seed"});
    checkFormat(j, kPolarisationFormat, kPolarisationVersion, true);
    PolarisationSpec s;
    if (j.contains("name")) s.name = string(j["name"], "name");
    if (j.contains("description")) s.description = string(j["description"], "description");
    if (j.contains("citation")) s.citation = string(j["citation"], "citation");
    if (j.contains("n")) s.n = smallInteger(j["n"], "n", PolarLimits::nMin, PolarLimits::nMax);
    if (j.contains("d")) s.d = smallInteger(j["d"], "d", PolarLimits::dMin, PolarLimits::dMax);
    if (j.contains("maps")) {
        const json& m = j["maps"];
        if (!m.is_array() || m.empty() || m.size() > kMapNames.size())
            throw ValidationError("maps", "must be a list of 1 to " + std::to_string(kMapNames.size()) +
                                              " of " + choices<PolarMap>() + ", got " + describe(m));
        s.maps.clear();
        for (std::size_t i = 0; i < m.size(); ++i) {
            const PolarMap map = enumValue<PolarMap>(m[i], index("maps", i));
            if (std::find(s.maps.begin(), s.maps.end(), map) != s.maps.end())
                throw ValidationError(index("maps", i), "must name each map once, got \"" +
                                                            std::string(nameOf(map)) + "\" twice");
            s.maps.push_back(map);
        }
    }
    if (j.contains("loss")) s.loss = enumValue<PolarLoss>(j["loss"], "loss");
    if (j.contains("target"))
        s.target =
            entries(j["target"], "target", static_cast<std::size_t>(s.d), "one per output coordinate, d");
    if (j.contains("init")) {
        const json& init = j["init"];
        requireObject(init, "init", {"logits", "logit_std", "value_std"});
        if (init.contains("logits"))
            s.logits =
                entries(init["logits"], "init.logits", static_cast<std::size_t>(s.n), "one per token, n");
        if (init.contains("logit_std")) s.logitStd = number(init["logit_std"], "init.logit_std");
        if (init.contains("value_std")) s.valueStd = number(init["value_std"], "init.value_std");
    }
    if (j.contains("integrator")) {
        const json& in = j["integrator"];
        requireObject(in, "integrator", {"method", "dt"});
        if (in.contains("method") && string(in["method"], "integrator.method") != "rk4")
            throw ValidationError(
                "integrator.method",
                "must be \"rk4\" (the only integrator of this model), got " + describe(in["method"]));
        if (in.contains("dt")) s.dt = number(in["dt"], "integrator.dt");
    }
    if (j.contains("t_end")) s.tEnd = number(j["t_end"], "t_end");
    if (j.contains("publish_every"))
        s.publishEvery = smallInteger(j["publish_every"], "publish_every", 1, Limits::publishEveryMax);
    if (j.contains("seed")) s.seed = seedValue(j["seed"]);
    s.validate();
    return s;
}

}  // namespace

void PolarisationSpec::validate() const {
    checkIntRange(n, "n", PolarLimits::nMin, PolarLimits::nMax);
    checkIntRange(d, "d", PolarLimits::dMin, PolarLimits::dMax);
    if (maps.empty() || maps.size() > kMapNames.size())
        throw ValidationError("maps", "must list 1 to " + std::to_string(kMapNames.size()) + " maps");
    if (!target.empty()) {
        if (target.size() != static_cast<std::size_t>(d))
            throw ValidationError("target", "must have d = " + std::to_string(d) + " entries, got " +
                                                std::to_string(target.size()));
        for (std::size_t k = 0; k < target.size(); ++k) {
            checkRange(target[k], index("target", k), -PolarLimits::entryMax, PolarLimits::entryMax);
            if (loss == PolarLoss::Logistic && target[k] != 1 && target[k] != -1)
                throw ValidationError(
                    index("target", k),
                    "must be 1 or -1 (a label of the logistic loss), got " + fmt(target[k]));
        }
    }
    if (!logits.empty()) {
        if (logits.size() != static_cast<std::size_t>(n))
            throw ValidationError("init.logits", "must have n = " + std::to_string(n) + " entries, got " +
                                                     std::to_string(logits.size()));
        for (std::size_t k = 0; k < logits.size(); ++k)
            checkRange(logits[k], index("init.logits", k), -PolarLimits::entryMax, PolarLimits::entryMax);
    }
    checkRange(logitStd, "init.logit_std", 0, PolarLimits::stdMax);
    checkRange(valueStd, "init.value_std", 0, PolarLimits::stdMax);
    checkRange(dt, "integrator.dt", PolarLimits::dtMin, PolarLimits::dtMax);
    checkRange(tEnd, "t_end", 0, PolarLimits::tEndMax, true, false);
    checkIntRange(publishEvery, "publish_every", 1, Limits::publishEveryMax);
    if (steps() > PolarLimits::stepsMax)
        throw ValidationError("integrator.dt",
                              "t_end / dt makes " + std::to_string(steps()) + " steps; at most " +
                                  std::to_string(PolarLimits::stepsMax) + " (raise dt or lower t_end)");
    const double stored = static_cast<double>(maps.size()) * static_cast<double>(frames()) * n;
    if (stored > static_cast<double>(PolarLimits::storedMax))
        throw ValidationError("publish_every",
                              "maps × frames × n = " + fmt(stored) + " weights to keep; at most " +
                                  std::to_string(PolarLimits::storedMax) + " (publish less often)");
}

long long PolarisationSpec::steps() const {
    return static_cast<long long>(std::ceil(tEnd / dt - 1e-9));
}

long long PolarisationSpec::frames() const {
    const long long s = steps();
    return 1 + s / publishEvery + (s % publishEvery != 0 ? 1 : 0);
}

PolarisationSpec PolarisationSpec::fromJson(const json& j) {
    try {
        return parse(j);
    } catch (const json::exception& e) {
        throwJsonError(e, "invalid polarisation file: ");
    }
}

PolarisationSpec PolarisationSpec::fromJsonText(const std::string& text) {
    return fromJson(parseJsonText(text));
}

PolarisationSpec PolarisationSpec::fromFile(const std::string& path) {
    const auto text = readTextFile(path);
    if (!text) throw ValidationError("", "cannot open polarisation file '" + path + "'");
    try {
        return fromJsonText(*text);
    } catch (const ValidationError& e) {
        throw under(path, e);
    }
}

PolarisationSpec PolarisationSpec::load(const std::string& presetOrPath) {
    std::error_code ec;
    if (fs::is_regular_file(presetOrPath, ec)) return fromFile(presetOrPath);
    if (isPolarisationPreset(presetOrPath))
        return fromJsonText(embeddedText(embeddedPolarisations(), presetOrPath, "polarisation preset"));
    std::string names;
    for (const auto& p : polarisationPresetList()) names += (names.empty() ? "" : ", ") + p.name;
    throw ValidationError(
        "", "'" + presetOrPath +
                "' is neither a polarisation file nor a polarisation preset (presets: " + names + ")");
}

json PolarisationSpec::toJson() const {
    json j;
    j["format"] = kPolarisationFormat;
    j["version"] = kPolarisationVersion;
    j["name"] = name;
    j["description"] = description;
    j["citation"] = citation;
    j["n"] = n;
    j["d"] = d;
    j["maps"] = json::array();
    for (PolarMap m : maps) j["maps"].push_back(nameOf(m));
    j["loss"] = nameOf(loss);
    const Vector y = buildTarget(), a = buildLogits();
    j["target"] = std::vector<double>(y.data(), y.data() + y.size());
    j["init"] = {{"logits", std::vector<double>(a.data(), a.data() + a.size())},
                 {"logit_std", logitStd},
                 {"value_std", valueStd}};
    j["integrator"] = {{"method", "rk4"}, {"dt", dt}};
    j["t_end"] = tEnd;
    j["publish_every"] = publishEvery;
    j["seed"] = seed;
    return j;
}

Vector PolarisationSpec::buildTarget() const {
    if (!target.empty()) return Eigen::Map<const Vector>(target.data(), d);
    GaussianSource rng(deriveSeed(seed, kTargetStream));
    Vector y(d);
    for (int k = 0; k < d; ++k) {
        const double g = rng.normal();
        y(k) = loss == PolarLoss::Logistic ? (g < 0 ? -1.0 : 1.0) : g;
    }
    return y;
}

Vector PolarisationSpec::buildLogits() const {
    if (!logits.empty()) return Eigen::Map<const Vector>(logits.data(), n);
    GaussianSource rng(deriveSeed(seed, kLogitStream));
    return rng.normalMatrix(n, 1, logitStd).col(0);
}

Matrix PolarisationSpec::buildValues() const {
    GaussianSource rng(deriveSeed(seed, kValueStream));
    return rng.normalMatrix(d, n, valueStd);
}

bool isPolarisationPreset(const std::string& name) {
    return embeddedPolarisations().count(name) > 0;
}

std::vector<PresetInfo> polarisationPresetList() {
    std::vector<PresetInfo> out;
    for (const auto& [name, text] : embeddedPolarisations()) {
        const PolarisationSpec s = PolarisationSpec::fromJsonText(text);
        out.push_back({name, s.description, s.citation});
    }
    return out;
}

bool isPolarisationSource(const std::string& presetOrPath) {
    std::error_code ec;
    if (fs::is_regular_file(presetOrPath, ec)) {
        const auto text = readTextFile(presetOrPath);
        if (!text) return false;
        try {
            const json j = parseJsonText(*text);
            return j.is_object() && j.contains("format") && j["format"] == kPolarisationFormat;
        } catch (const ValidationError&) {
            return false;  // the scenario reader reports the broken file
        }
    }
    return isPolarisationPreset(presetOrPath);
}

// ---- the model -------------------------------------------------------------------------------

Vector applyMap(PolarMap map, const Vector& a) {
    switch (map) {
        case PolarMap::Softmax: {
            const Vector e = (a.array() - a.maxCoeff()).exp();
            return e / e.sum();
        }
        case PolarMap::Linear:
            return a;
        case PolarMap::Sigmoid:
            return (1.0 + (-a.array()).exp()).inverse();
    }
    return a;
}

Vector mapJacobianTransposeTimes(PolarMap map, const Vector& p, const Vector& w) {
    switch (map) {
        case PolarMap::Softmax:
            return p.cwiseProduct(w) - p * p.dot(w);
        case PolarMap::Linear:
            return w;
        case PolarMap::Sigmoid:
            return (p.array() * (1.0 - p.array()) * w.array()).matrix();
    }
    return w;
}

namespace {

// log(1 + e^x) without overflow.
double softplus(double x) {
    return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
}

// 1 / (1 + e^-x) without overflow.
double logistic(double x) {
    if (x >= 0) return 1 / (1 + std::exp(-x));
    const double e = std::exp(x);
    return e / (1 + e);
}

}  // namespace

double lossValue(PolarLoss loss, const Vector& z, const Vector& y) {
    if (loss == PolarLoss::Square) return 0.5 * (z - y).squaredNorm();
    double sum = 0;
    for (Eigen::Index k = 0; k < z.size(); ++k) sum += softplus(-y(k) * z(k));
    return sum;
}

Vector lossGradient(PolarLoss loss, const Vector& z, const Vector& y) {
    if (loss == PolarLoss::Square) return z - y;
    Vector g(z.size());
    for (Eigen::Index k = 0; k < z.size(); ++k) g(k) = -y(k) * logistic(-y(k) * z(k));
    return g;
}

double weightEntropy(const Vector& p) {
    const Vector q = p.cwiseAbs();
    const double total = q.sum();
    if (!(total > 0)) return std::log(static_cast<double>(p.size()));
    double s = 0;
    for (Eigen::Index k = 0; k < q.size(); ++k)
        if (q(k) > 0) s -= q(k) / total * std::log(q(k) / total);
    return s;
}

PolarState polarVelocity(PolarMap map, PolarLoss loss, const PolarState& s, const Vector& target) {
    const Vector p = applyMap(map, s.a);
    const Vector g = lossGradient(loss, s.V * p, target);
    return {-mapJacobianTransposeTimes(map, p, s.V.transpose() * g), -g * p.transpose()};
}

PolarFlow::PolarFlow(PolarMap map, PolarLoss loss, PolarState start, Vector target, double dt)
    : m_map(map), m_loss(loss), m_state(std::move(start)), m_target(std::move(target)), m_dt(dt) {}

void PolarFlow::step() {
    const auto f = [&](const PolarState& s) { return polarVelocity(m_map, m_loss, s, m_target); };
    const auto along = [](const PolarState& s, double h, const PolarState& k) {
        return PolarState{s.a + h * k.a, s.V + h * k.V};
    };
    const PolarState& s = m_state;
    const PolarState k1 = f(s);
    const PolarState k2 = f(along(s, m_dt / 2, k1));
    const PolarState k3 = f(along(s, m_dt / 2, k2));
    const PolarState k4 = f(along(s, m_dt, k3));
    PolarState next{s.a + m_dt / 6 * (k1.a + 2 * k2.a + 2 * k3.a + k4.a),
                    s.V + m_dt / 6 * (k1.V + 2 * k2.V + 2 * k3.V + k4.V)};
    if (!next.a.allFinite() || !next.V.allFinite()) {
        char buf[160];
        std::snprintf(buf, sizeof buf,
                      "%s map: the logits or values left the range of a double at step %lld (t = %g); lower "
                      "integrator.dt",
                      std::string(nameOf(m_map)).c_str(), m_steps + 1, time() + m_dt);
        throw NumericalError(buf);
    }
    m_state = std::move(next);
    ++m_steps;
}

PolarFrame PolarFlow::frame() const {
    PolarFrame f;
    f.step = m_steps;
    f.t = time();
    f.p = applyMap(m_map, m_state.a);
    f.columnNorms = m_state.V.colwise().norm().transpose();
    f.entropy = weightEntropy(f.p);
    f.loss = lossValue(m_loss, m_state.V * f.p, m_target);
    f.valueNorm = m_state.V.norm();
    f.maxColumnNorm = f.columnNorms.maxCoeff();
    f.maxWeight = f.p.cwiseAbs().maxCoeff();
    if (!std::isfinite(f.loss) || !f.p.allFinite() || !std::isfinite(f.valueNorm)) {
        char buf[160];
        std::snprintf(buf, sizeof buf,
                      "%s map: the loss or weights are not finite at step %lld (t = %g); lower integrator.dt",
                      std::string(nameOf(m_map)).c_str(), m_steps, time());
        throw NumericalError(buf);
    }
    return f;
}

PolarRun::PolarRun(const PolarisationSpec& spec) : m_spec(spec) {
    m_spec.validate();
    const PolarState start{m_spec.buildLogits(), m_spec.buildValues()};
    const Vector target = m_spec.buildTarget();
    for (PolarMap map : m_spec.maps) m_flows.emplace_back(map, m_spec.loss, start, target, m_spec.dt);
}

void PolarRun::step() {
    for (PolarFlow& f : m_flows) f.step();
    ++m_steps;
}

bool PolarRun::publishes() const {
    return m_steps % m_spec.publishEvery == 0 || done();
}

std::vector<PolarFrame> PolarRun::frames() const {
    std::vector<PolarFrame> out;
    for (const PolarFlow& f : m_flows) out.push_back(f.frame());
    return out;
}

double PolarRun::time() const {
    return static_cast<double>(m_steps) * m_spec.dt;
}

PolarRecord runPolarisation(const PolarisationSpec& spec, const std::atomic<bool>* abort) {
    PolarRun run(spec);
    PolarRecord record;
    record.framesPerMap.resize(spec.maps.size());
    const auto publish = [&] {
        const auto frames = run.frames();
        for (std::size_t m = 0; m < frames.size(); ++m) record.framesPerMap[m].push_back(frames[m]);
    };
    publish();
    while (!run.done()) {
        if (abort && abort->load(std::memory_order_relaxed)) throw Aborted();
        run.step();
        if (run.publishes()) publish();
    }
    return record;
}

// ---- export ----------------------------------------------------------------------------------

namespace {

constexpr const char* kCsv = "series.csv";
constexpr const char* kWeightsNpy = "weights.npy";
constexpr const char* kNormsNpy = "column_norms.npy";
constexpr const char* kMetadata = "metadata.json";
constexpr const char* kPartial = ".partial";

// The per-map columns of series.csv with their descriptions: the one table for header, rows and metadata.
struct Column {
    const char* suffix;
    const char* description;
    double PolarFrame::*field;
};
constexpr std::array<Column, 5> kColumns{{
    {"loss", "the loss L(V p)", &PolarFrame::loss},
    {"entropy", "entropy of the weights (softmax: of p; linear, sigmoid: of |p| / sum |p|), nats",
     &PolarFrame::entropy},
    {"value_norm", "Frobenius norm |V|_F", &PolarFrame::valueNorm},
    {"max_column_norm", "largest column norm max_k |V e_k| (massive activations)",
     &PolarFrame::maxColumnNorm},
    {"max_weight", "largest |p_k|", &PolarFrame::maxWeight},
}};

void appendNumber(std::string& out, double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    out += buf;
}

std::string npyOf(const PolarRecord& record, int n, Vector PolarFrame::*field) {
    const long long maps = static_cast<long long>(record.framesPerMap.size());
    const long long frames = maps ? static_cast<long long>(record.framesPerMap.front().size()) : 0;
    std::string out = npyHeader("<f8", {maps, frames, n});
    out.reserve(out.size() + static_cast<std::size_t>(maps * frames * n) * sizeof(double));
    for (const auto& list : record.framesPerMap)
        for (const PolarFrame& f : list)
            out.append(reinterpret_cast<const char*>((f.*field).data()),
                       static_cast<std::size_t>(n) * sizeof(double));
    return out;
}

}  // namespace

std::string polarisationCsvHeader(const PolarisationSpec& spec) {
    std::string out = "step,t";
    for (PolarMap m : spec.maps)
        for (const Column& c : kColumns) {
            out += ',';
            out += nameOf(m);
            out += '_';
            out += c.suffix;
        }
    return out;
}

void writePolarisationExport(const std::string& dir, const PolarisationSpec& spec, const PolarRecord& record,
                             const RunInfo& info) {
    if (record.framesPerMap.size() != spec.maps.size())
        throw std::invalid_argument("writePolarisationExport: one frame list per map expected");
    const std::size_t frames = record.framesPerMap.front().size();
    std::string csv = polarisationCsvHeader(spec) + "\n";
    for (std::size_t k = 0; k < frames; ++k) {
        const PolarFrame& first = record.framesPerMap.front()[k];
        csv += std::to_string(first.step);
        csv.push_back(',');
        appendNumber(csv, first.t);
        for (const auto& list : record.framesPerMap)
            for (const Column& c : kColumns) {
                csv.push_back(',');
                appendNumber(csv, list[k].*c.field);
            }
        csv.push_back('\n');
    }
    json columns = json::object();
    columns["step"] = "integrator step of this frame";
    columns["t"] = "simulated time";
    for (PolarMap m : spec.maps)
        for (const Column& c : kColumns)
            columns[std::string(nameOf(m)) + "_" + c.suffix] =
                std::string(c.description) + ", " + std::string(nameOf(m)) + " map";
    json maps = json::array();
    for (PolarMap m : spec.maps) maps.push_back(nameOf(m));
    json meta;
    meta["program"] = "attnsphere";
    meta["version"] = ATTNSPHERE_VERSION;
    meta["writer"] = info.writer;
    meta["command_line"] = info.commandLine;
    meta["polarisation"] = spec.toJson();
    meta["maps"] = maps;
    meta["frames"] = frames;
    meta["steps_per_frame"] = spec.publishEvery;
    meta["columns"] = columns;
    meta["arrays"] = {
        {kWeightsNpy, "float64 (maps, frames, n): the weights p = map(a) of each map over time"},
        {kNormsNpy, "float64 (maps, frames, n): the column norms |V e_k| of each map over time"}};
    if (!info.note.empty()) meta["note"] = info.note;

    const std::vector<std::pair<const char*, std::string>> files{
        {kCsv, csv},
        {kWeightsNpy, npyOf(record, spec.n, &PolarFrame::p)},
        {kNormsNpy, npyOf(record, spec.n, &PolarFrame::columnNorms)},
        {kMetadata, meta.dump(2) + "\n"}};

    // The levels this export creates, deepest first: removed again when it fails.
    std::vector<fs::path> created;
    std::error_code ec;
    for (fs::path p = fs::absolute(dir, ec); !p.empty() && !fs::exists(p, ec); p = p.parent_path()) {
        created.push_back(p);
        if (p == p.parent_path()) break;
    }
    std::vector<std::string> partials, renamed;
    const auto fail = [&](const std::string& message) {
        for (const auto& p : partials) std::remove(p.c_str());
        for (const auto& p : renamed) std::remove(p.c_str());
        for (const auto& p : created) fs::remove(p, ec);  // only when still empty
        throw std::runtime_error(message);
    };
    fs::create_directories(dir, ec);
    if (ec) fail("cannot create directory '" + dir + "': " + ec.message());
    for (const auto& [name, bytes] : files) {
        const std::string path = (fs::path(dir) / (std::string(name) + kPartial)).string();
        std::FILE* out = std::fopen(path.c_str(), "wb");
        if (out) partials.push_back(path);  // only what this export made is removed on failure
        bool ok =
            out && std::fwrite(bytes.data(), 1, bytes.size(), out) == bytes.size() && std::fflush(out) == 0;
        int error = errno;
        if (out && std::fclose(out) != 0 && ok) {
            ok = false;
            error = errno;
        }
        if (!ok) fail("cannot write '" + path + "': " + std::strerror(error));
    }
    for (std::size_t i = 0; i < files.size(); ++i) {
        const std::string final = (fs::path(dir) / files[i].first).string();
        if (std::rename(partials[i].c_str(), final.c_str()) != 0)
            fail("cannot write '" + final + "': " + std::strerror(errno));
        renamed.push_back(final);
    }
}

}  // namespace attnsphere::core
