// Scenario JSON: parsing with type checks (fromJson), range checks (validate), serialisation (toJson) and
// the built-in presets. doc/SCENARIOS.md documents the format; every error names the JSON path.
#include "core/AttentionVariants.h"
#include "core/Errors.h"
#include "core/JsonRead.h"
#include "core/Scenario.h"
#include "core/TextFile.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <map>
#include <utility>

namespace attnsphere::core {

// Defined in the build-generated embedded-presets.cpp (cmake/EmbedPresets.cmake): preset name -> JSON text.
const std::map<std::string, std::string>& embeddedPresets();

namespace {

using namespace jsonread;

constexpr const char* kFormat = "attnsphere-scenario";
constexpr int kVersion = 1;

constexpr std::array<NameEntry<HeadsKind>, 9> kHeadsNames{{
    {HeadsKind::Identity, "identity"},
    {HeadsKind::Scalar, "scalar"},
    {HeadsKind::Gaussian, "gaussian"},
    {HeadsKind::Symmetric, "symmetric"},
    {HeadsKind::Goe, "goe"},
    {HeadsKind::OrthogonalBlocks, "orthogonal-blocks"},
    {HeadsKind::ApproxOrthogonalBlocks, "approx-orthogonal-blocks"},
    {HeadsKind::Explicit, "explicit"},
    {HeadsKind::Spectrum, "spectrum"},
}};
constexpr std::array<NameEntry<ValueKind>, 4> kValueNames{{
    {ValueKind::SameAsScore, "M"},
    {ValueKind::NegativeScore, "-M"},
    {ValueKind::Identity, "I"},
    {ValueKind::Explicit, "explicit"},
}};
constexpr std::array<NameEntry<InitKind>, 5> kInitNames{{
    {InitKind::Uniform, "uniform"},
    {InitKind::Hemisphere, "hemisphere"},
    {InitKind::Equiangular, "equiangular"},
    {InitKind::Clusters, "clusters"},
    {InitKind::Points, "points"},
}};

}  // namespace

template <>
std::span<const NameEntry<HeadsKind>> nameTable<HeadsKind>() {
    return kHeadsNames;
}
template <>
std::span<const NameEntry<ValueKind>> nameTable<ValueKind>() {
    return kValueNames;
}
template <>
std::span<const NameEntry<InitKind>> nameTable<InitKind>() {
    return kInitNames;
}

namespace {

template <class E>
std::string nameText(E value) {
    return std::string(nameOf(value));
}

// Explicit matrices: d × d, finite, bounded (the exp kernels overflow long before 1e6 anyway).
void checkSquare(const Matrix& m, const std::string& path, int d) {
    if (m.rows() != d || m.cols() != d)
        throw ValidationError(path, "must be a d × d matrix with d = " + std::to_string(d) + ", got " +
                                        std::to_string(m.rows()) + " × " + std::to_string(m.cols()));
    for (Eigen::Index i = 0; i < d; ++i)
        for (Eigen::Index j = 0; j < d; ++j)
            checkRange(m(i, j), index(index(path, static_cast<std::size_t>(i)), static_cast<std::size_t>(j)),
                       -Limits::entryMax, Limits::entryMax);
}

void checkBeta(double v, const std::string& path) {
    checkRange(v, path, 0, Limits::betaMax, true, false);
}
void checkAlpha(double v, const std::string& path) {
    checkRange(v, path, 0, Limits::alphaMax);
}
void checkSigmoidBias(double v, const std::string& path) {
    checkRange(v, path, -Limits::sigmoidBiasMax, Limits::sigmoidBiasMax);
}

// What nlohmann's parser accepts but we must not: nesting deep enough to exhaust the stack of any
// recursive walk over the value (dump, comparison, destruction in older versions), and numbers beyond
// the range of a double (the parser reports those without a position). Both with line and column.
void checkJsonShape(const std::string& text) {
    int depth = 0;
    std::size_t line = 1, lineStart = 0;
    auto where = [&](std::size_t i) {
        return "at line " + std::to_string(line) + ", column " + std::to_string(i - lineStart + 1) + ": ";
    };
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '\n') {
            ++line;
            lineStart = i + 1;
        } else if (c == '"') {
            for (++i; i < text.size() && text[i] != '"' && text[i] != '\n'; ++i)
                if (text[i] == '\\') ++i;
            if (i < text.size() && text[i] == '\n') --i;  // unterminated: the parser reports it
        } else if (c == '[' || c == '{') {
            if (++depth > Limits::jsonDepthMax)
                throw ValidationError("", "invalid JSON " + where(i) +
                                              "arrays and objects nested deeper than " +
                                              std::to_string(Limits::jsonDepthMax) + " levels");
        } else if (c == ']' || c == '}') {
            depth = std::max(0, depth - 1);
        } else if (c == '-' || (c >= '0' && c <= '9')) {
            std::size_t end = i + 1;
            while (end < text.size() &&
                   (std::isdigit(static_cast<unsigned char>(text[end])) || text[end] == '.' ||
                    text[end] == 'e' || text[end] == 'E' || text[end] == '+' || text[end] == '-'))
                ++end;
            const std::string token = text.substr(i, end - i);
            if (std::isinf(std::strtod(token.c_str(), nullptr)))
                throw ValidationError("", "invalid JSON " + where(i) + "the number " +
                                              (token.size() > 40 ? token.substr(0, 40) + "..." : token) +
                                              " is beyond the range of a double (magnitude at most 1.8e308)");
            i = end - 1;
        }
    }
}

void parseHeads(const json& j, HeadsSpec& h) {
    const std::string p = "heads";
    requireObject(j, p,
                  {"kind", "count", "scale", "eps", "value", "alpha", "beta", "matrices", "spectrum_mean",
                   "spectrum_variance"});
    if (j.contains("kind")) h.kind = enumValue<HeadsKind>(j["kind"], child(p, "kind"));
    if (j.contains("count"))
        h.count = smallInteger(j["count"], child(p, "count"), Limits::headsMin, Limits::headsMax);
    if (j.contains("scale")) {
        const json& s = j["scale"];
        h.scale = s.is_array() ? numberList(s, child(p, "scale"))
                               : std::vector<double>{number(s, child(p, "scale"))};
    }
    if (j.contains("eps")) h.eps = number(j["eps"], child(p, "eps"));
    if (j.contains("value")) h.value = enumValue<ValueKind>(j["value"], child(p, "value"));
    if (j.contains("alpha")) h.alpha = numberList(j["alpha"], child(p, "alpha"));
    if (j.contains("beta")) h.beta = numberList(j["beta"], child(p, "beta"));
    for (const char* key : {"spectrum_mean", "spectrum_variance"})
        if (j.contains(key) && h.kind != HeadsKind::Spectrum)
            throw ValidationError(child(p, key), "only allowed when heads.kind is \"spectrum\"");
    if (j.contains("spectrum_mean")) h.spectrumMean = number(j["spectrum_mean"], child(p, "spectrum_mean"));
    if (j.contains("spectrum_variance"))
        h.spectrumVariance = number(j["spectrum_variance"], child(p, "spectrum_variance"));
    if (j.contains("matrices")) {
        const json& list = j["matrices"];
        const std::string mp = child(p, "matrices");
        if (!list.is_array())
            throw ValidationError(
                mp, "must be an array of {\"M\": rows, \"V\": rows} objects, got " + describe(list));
        if (h.kind != HeadsKind::Explicit && h.value != ValueKind::Explicit)
            throw ValidationError(mp, "only allowed when heads.kind or heads.value is \"explicit\"");
        for (std::size_t k = 0; k < list.size(); ++k) {
            const std::string ep = index(mp, k);
            requireObject(list[k], ep, {"M", "V"});
            if (list[k].contains("M")) {
                if (h.kind != HeadsKind::Explicit)
                    throw ValidationError(child(ep, "M"), "only allowed when heads.kind is \"explicit\"");
                h.explicitM.push_back(rowsToMatrix(list[k]["M"], child(ep, "M")));
            } else if (h.kind == HeadsKind::Explicit) {
                throw ValidationError(child(ep, "M"), "required when heads.kind is \"explicit\"");
            }
            if (list[k].contains("V")) {
                if (h.value != ValueKind::Explicit)
                    throw ValidationError(child(ep, "V"), "only allowed when heads.value is \"explicit\"");
                h.explicitV.push_back(rowsToMatrix(list[k]["V"], child(ep, "V")));
            } else if (h.value == ValueKind::Explicit) {
                throw ValidationError(child(ep, "V"), "required when heads.value is \"explicit\"");
            }
        }
    }
}

void parseInit(const json& j, InitSpec& init, int n) {
    const std::string p = "init";
    requireObject(j, p, {"kind", "rho", "clusters", "spread", "points"});
    if (j.contains("kind")) init.kind = enumValue<InitKind>(j["kind"], child(p, "kind"));
    // Each parameter belongs to one kind; a stray one is most likely a mistake in the file.
    auto onlyFor = [&](const char* key, InitKind kind) {
        if (j.contains(key) && init.kind != kind)
            throw ValidationError(child(p, key), "only allowed when init.kind is \"" + nameText(kind) + "\"");
    };
    onlyFor("rho", InitKind::Equiangular);
    onlyFor("points", InitKind::Points);
    onlyFor("clusters", InitKind::Clusters);
    onlyFor("spread", InitKind::Clusters);
    if (j.contains("rho")) init.rho = number(j["rho"], child(p, "rho"));
    if (j.contains("clusters")) init.clusters = smallInteger(j["clusters"], child(p, "clusters"), 1, n);
    if (j.contains("spread")) init.spread = number(j["spread"], child(p, "spread"));
    if (j.contains("points")) init.points = rowsToMatrix(j["points"], child(p, "points")).transpose();
    if (init.kind == InitKind::Points && !j.contains("points"))
        throw ValidationError(child(p, "points"),
                              "required when init.kind is \"points\" (n rows of d numbers)");
}

void parseIntegrator(const json& j, Scenario& s) {
    const std::string p = "integrator";
    if (j.is_string()) {  // shorthand: "integrator": "rk4"
        s.integrator = enumValue<IntegratorKind>(j, p);
        return;
    }
    requireObject(j, p, {"method", "dt", "tolerance"});
    if (j.contains("method")) s.integrator = enumValue<IntegratorKind>(j["method"], child(p, "method"));
    if (j.contains("dt")) s.dt = number(j["dt"], child(p, "dt"));
    if (j.contains("tolerance")) s.tolerance = number(j["tolerance"], child(p, "tolerance"));
}

// The model variants' ranges and combinations, for a scenario and for a model edited in a session.
template <class S>
void validateVariants(const S& s, const std::string& p) {
    checkRange(s.positionalBias, p + "positional_bias", 0, Limits::positionalBiasMax);
    checkIntRange(s.sinkhornIterations, p + "sinkhorn_iterations", 0, Limits::sinkhornIterationsMax);
    checkRange(s.temperature, p + "temperature", 0, Limits::temperatureMax);
    if (s.sinkhornIterations > 0 && s.kernel != KernelKind::Softmax)
        throw ValidationError(p + "sinkhorn_iterations",
                              "must be 0 unless kernel is \"softmax\" (Sinkhorn balances the softmax's "
                              "weights), got " +
                                  std::to_string(s.sinkhornIterations) + " with kernel \"" +
                                  nameText(s.kernel) + "\"");
    if (s.sinkhornIterations > 0 && s.mask == AttentionMask::Causal)
        throw ValidationError(p + "sinkhorn_iterations",
                              "must be 0 with mask \"causal\" (the only doubly stochastic causal "
                              "matrix is the identity), got " +
                                  std::to_string(s.sinkhornIterations));
    if (s.normalisation != LayerNorm::Post && s.geometry != Geometry::Sphere)
        throw ValidationError(p + "normalisation", "must be \"post-ln\" with geometry \"" +
                                                       nameText(s.geometry) +
                                                       "\" (it places tokens on "
                                                       "the sphere), got \"" +
                                                       nameText(s.normalisation) + "\"");
    if (s.temperature > 0 && s.geometry != Geometry::Sphere)
        throw ValidationError(p + "temperature", "must be 0 with geometry \"" + nameText(s.geometry) +
                                                     "\" (the noise is Brownian motion on the sphere), got " +
                                                     fmt(s.temperature));
}

Scenario parseScenario(const json& j) {
    requireObject(j, "",
                  {"format",
                   "version",
                   "name",
                   "description",
                   "citation",
                   "n",
                   "d",
                   "beta",
                   "kernel",
                   "sigmoid_bias",
                   "geometry",
                   "integrator",
                   "t_end",
                   "publish_every",
                   "seed",
                   "mask",
                   "positional_bias",
                   "sinkhorn_iterations",
                   "normalisation",
                   "temperature",
                   "heads",
                   "init"});
    checkFormat(j, kFormat, kVersion, false);
    Scenario s;
    if (j.contains("name")) s.name = string(j["name"], "name");
    if (j.contains("description")) s.description = string(j["description"], "description");
    if (j.contains("citation")) s.citation = string(j["citation"], "citation");
    if (j.contains("n")) s.n = smallInteger(j["n"], "n", Limits::nMin, Limits::nMax);
    if (j.contains("d")) s.d = smallInteger(j["d"], "d", Limits::dMin, Limits::dMax);
    if (j.contains("beta")) s.beta = number(j["beta"], "beta");
    if (j.contains("kernel")) s.kernel = enumValue<KernelKind>(j["kernel"], "kernel");
    if (j.contains("sigmoid_bias")) {
        s.sigmoidBias = number(j["sigmoid_bias"], "sigmoid_bias");
        s.sigmoidBiasSet = true;
    }
    if (j.contains("geometry")) s.geometry = enumValue<Geometry>(j["geometry"], "geometry");
    if (j.contains("integrator")) parseIntegrator(j["integrator"], s);
    if (j.contains("t_end")) s.tEnd = number(j["t_end"], "t_end");
    if (j.contains("publish_every"))
        s.publishEvery = smallInteger(j["publish_every"], "publish_every", 1, Limits::publishEveryMax);
    if (j.contains("seed")) {
        const json& v = j["seed"];
        if (v.is_number_unsigned())
            s.seed = v.get<std::uint64_t>();
        else {
            const long long x = integer(v, "seed");
            if (x < 0)
                throw ValidationError("seed",
                                      "must be an integer in [0, 18446744073709551615], got " + describe(v));
            s.seed = static_cast<std::uint64_t>(x);
        }
    }
    if (j.contains("mask")) s.mask = enumValue<AttentionMask>(j["mask"], "mask");
    if (j.contains("positional_bias")) s.positionalBias = number(j["positional_bias"], "positional_bias");
    if (j.contains("sinkhorn_iterations"))
        s.sinkhornIterations =
            smallInteger(j["sinkhorn_iterations"], "sinkhorn_iterations", 0, Limits::sinkhornIterationsMax);
    if (j.contains("normalisation"))
        s.normalisation = enumValue<LayerNorm>(j["normalisation"], "normalisation");
    if (j.contains("temperature")) s.temperature = number(j["temperature"], "temperature");
    if (j.contains("heads")) parseHeads(j["heads"], s.heads);
    if (j.contains("init")) parseInit(j["init"], s.init, s.n);
    s.validate();
    return s;
}

}  // namespace

Scenario Scenario::fromJson(const json& j) {
    try {
        return parseScenario(j);
    } catch (const json::exception& e) {
        throwJsonError(e, "invalid scenario: ");  // every access is checked first; this is the backstop
    }
}

void throwJsonError(const std::exception& e, const std::string& what) {
    // nlohmann's parse errors say "parse error at line L, column C: ..."; keep that, drop its prefix,
    // and keep bytes of the file out of the terminal.
    std::string message = e.what();
    if (const auto pos = message.find("] "); pos != std::string::npos) message = message.substr(pos + 2);
    if (message.rfind("parse error ", 0) == 0) message = message.substr(12);
    if (message.size() > 200) message = message.substr(0, 200) + "...";
    for (char& c : message)
        if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) c = '?';
    throw ValidationError("", what + message);
}

json parseJsonText(const std::string& text) {
    checkJsonShape(text);
    try {
        return json::parse(text);
    } catch (const json::exception& e) {
        throwJsonError(e, "invalid JSON ");
    }
}

Scenario Scenario::fromJsonText(const std::string& text) {
    return fromJson(parseJsonText(text));
}

Scenario Scenario::fromFile(const std::string& path) {
    const auto text = readTextFile(path);
    if (!text) throw ValidationError("", "cannot open scenario file '" + path + "'");
    return fromJsonText(*text);
}

Scenario Scenario::load(const std::string& presetOrPath) {
    std::error_code ec;
    if (std::filesystem::is_regular_file(presetOrPath, ec)) return fromFile(presetOrPath);
    if (isPreset(presetOrPath)) return fromJsonText(presetJsonText(presetOrPath));
    std::string names;
    for (const auto& p : presetList()) names += (names.empty() ? "" : ", ") + p.name;
    throw ValidationError(
        "", "'" + presetOrPath + "' is neither a scenario file nor a preset (presets: " + names + ")");
}

json Scenario::toJson() const {
    json j;
    j["format"] = kFormat;
    j["version"] = kVersion;
    j["name"] = name;
    j["description"] = description;
    j["citation"] = citation;
    j["n"] = n;
    j["d"] = d;
    j["beta"] = beta;
    j["kernel"] = nameText(kernel);
    if (sigmoidBiasSet) j["sigmoid_bias"] = sigmoidBias;
    j["geometry"] = nameText(geometry);
    j["integrator"] = {{"method", nameText(integrator)}, {"dt", dt}, {"tolerance", tolerance}};
    j["t_end"] = tEnd;
    j["publish_every"] = publishEvery;
    j["seed"] = seed;
    // The variants are written only when on, so files of the plain model stay as they were.
    if (mask != AttentionMask::None) j["mask"] = nameText(mask);
    if (positionalBias != 0.0) j["positional_bias"] = positionalBias;
    if (sinkhornIterations != 0) j["sinkhorn_iterations"] = sinkhornIterations;
    if (normalisation != LayerNorm::Post) j["normalisation"] = nameText(normalisation);
    if (temperature != 0.0) j["temperature"] = temperature;

    json h;
    h["kind"] = nameText(heads.kind);
    h["count"] = heads.count;
    if (heads.scale.size() == 1)
        h["scale"] = heads.scale.front();
    else
        h["scale"] = heads.scale;
    if (heads.kind == HeadsKind::ApproxOrthogonalBlocks || heads.eps != 0.0) h["eps"] = heads.eps;
    h["value"] = nameText(heads.value);
    if (!heads.alpha.empty()) h["alpha"] = heads.alpha;
    if (!heads.beta.empty()) h["beta"] = heads.beta;
    if (heads.kind == HeadsKind::Spectrum) {
        h["spectrum_mean"] = heads.spectrumMean;
        h["spectrum_variance"] = heads.spectrumVariance;
    }
    if (heads.kind == HeadsKind::Explicit || heads.value == ValueKind::Explicit) {
        json list = json::array();
        const std::size_t count = std::max(heads.explicitM.size(), heads.explicitV.size());
        for (std::size_t k = 0; k < count; ++k) {
            json m = json::object();
            if (k < heads.explicitM.size()) m["M"] = matrixToRows(heads.explicitM[k]);
            if (k < heads.explicitV.size()) m["V"] = matrixToRows(heads.explicitV[k]);
            list.push_back(m);
        }
        h["matrices"] = list;
    }
    j["heads"] = h;

    json i;
    i["kind"] = nameText(init.kind);
    switch (init.kind) {
        case InitKind::Equiangular:
            i["rho"] = init.rho;
            break;
        case InitKind::Clusters:
            i["clusters"] = init.clusters;
            i["spread"] = init.spread;
            break;
        case InitKind::Points:
            i["points"] = matrixToRows(init.points.transpose());
            break;
        case InitKind::Uniform:
        case InitKind::Hemisphere:
            break;
    }
    j["init"] = i;
    return j;
}

void Scenario::validate() const {
    checkIntRange(n, "n", Limits::nMin, Limits::nMax);
    checkIntRange(d, "d", Limits::dMin, Limits::dMax);
    checkBeta(beta, "beta");
    if (sigmoidBiasSet) checkSigmoidBias(sigmoidBias, "sigmoid_bias");
    validateDt(dt, "integrator.dt");
    checkRange(tolerance, "integrator.tolerance", Limits::toleranceMin, Limits::toleranceMax);
    checkRange(tEnd, "t_end", 0, Limits::tEndMax, true, false);
    checkIntRange(publishEvery, "publish_every", 1, Limits::publishEveryMax);
    validateVariants(*this, "");
    {
        Model variants;
        variants.mask = mask;
        variants.positionalBias = positionalBias;
        variants.sinkhornIterations = sinkhornIterations;
        detail::checkVariantSize(variants, n);
    }
    checkNoiseIntegrator(temperature, integrator, "temperature");

    const int H = heads.count;
    checkIntRange(H, "heads.count", Limits::headsMin, Limits::headsMax);
    const std::string countText = std::to_string(H);
    if (heads.scale.size() != 1 && heads.scale.size() != static_cast<std::size_t>(H))
        throw ValidationError("heads.scale", "must be one number or an array of heads.count = " + countText +
                                                 " numbers, got " + std::to_string(heads.scale.size()) +
                                                 " numbers");
    for (std::size_t k = 0; k < heads.scale.size(); ++k) {
        const std::string path = heads.scale.size() == 1 ? "heads.scale" : index("heads.scale", k);
        checkRange(heads.scale[k], path, 0, Limits::scaleMax);
    }
    checkRange(heads.eps, "heads.eps", 0, Limits::epsMax);
    checkRange(heads.spectrumMean, "heads.spectrum_mean", -Limits::spectrumMeanMax, Limits::spectrumMeanMax);
    checkRange(heads.spectrumVariance, "heads.spectrum_variance", 0, Limits::spectrumVarianceMax);
    if (!heads.alpha.empty() && heads.alpha.size() != static_cast<std::size_t>(H))
        throw ValidationError("heads.alpha", "must have heads.count = " + countText + " numbers, got " +
                                                 std::to_string(heads.alpha.size()));
    for (std::size_t k = 0; k < heads.alpha.size(); ++k) checkAlpha(heads.alpha[k], index("heads.alpha", k));
    if (!heads.beta.empty() && heads.beta.size() != static_cast<std::size_t>(H))
        throw ValidationError("heads.beta", "must have heads.count = " + countText + " numbers, got " +
                                                std::to_string(heads.beta.size()));
    for (std::size_t k = 0; k < heads.beta.size(); ++k) checkBeta(heads.beta[k], index("heads.beta", k));
    if ((heads.kind == HeadsKind::OrthogonalBlocks || heads.kind == HeadsKind::ApproxOrthogonalBlocks) &&
        d < H)
        throw ValidationError("d", "must be >= heads.count = " + countText + " for heads.kind \"" +
                                       nameText(heads.kind) + "\" (one coordinate block per head), got " +
                                       std::to_string(d));
    const bool explicitM = heads.kind == HeadsKind::Explicit, explicitV = heads.value == ValueKind::Explicit;
    if (!explicitM && !heads.explicitM.empty())
        throw ValidationError("heads.matrices",
                              "score matrices M are only allowed when heads.kind is \"explicit\"");
    if (!explicitV && !heads.explicitV.empty())
        throw ValidationError("heads.matrices",
                              "value matrices V are only allowed when heads.value is \"explicit\"");
    if (explicitM && heads.explicitM.size() != static_cast<std::size_t>(H))
        throw ValidationError("heads.matrices", "must have heads.count = " + countText +
                                                    " entries with \"M\", got " +
                                                    std::to_string(heads.explicitM.size()));
    if (explicitV && heads.explicitV.size() != static_cast<std::size_t>(H))
        throw ValidationError("heads.matrices", "must have heads.count = " + countText +
                                                    " entries with \"V\", got " +
                                                    std::to_string(heads.explicitV.size()));
    for (std::size_t k = 0; k < heads.explicitM.size(); ++k)
        checkSquare(heads.explicitM[k], index("heads.matrices", k) + ".M", d);
    for (std::size_t k = 0; k < heads.explicitV.size(); ++k)
        checkSquare(heads.explicitV[k], index("heads.matrices", k) + ".V", d);

    switch (init.kind) {
        case InitKind::Equiangular: {
            const double lo = -1.0 / (n - 1);
            if (!(init.rho >= lo && init.rho < 1))
                throw ValidationError("init.rho", "must be in " + interval(lo, 1, false, true) +
                                                      " (-1/(n-1) with n = " + std::to_string(n) + "), got " +
                                                      fmt(init.rho));
            const int need = init.rho >= 0 ? n + 1 : n;
            if (d < need)
                throw ValidationError(
                    "d", "must be >= " + std::string(init.rho >= 0 ? "n + 1" : "n") + " = " +
                             std::to_string(need) + " for init.kind \"equiangular\" with init.rho " +
                             (init.rho >= 0 ? ">= 0" : "< 0") + ", got " + std::to_string(d));
            break;
        }
        case InitKind::Clusters:
            checkIntRange(init.clusters, "init.clusters", 1, n);
            checkRange(init.spread, "init.spread", 0, Limits::spreadMax);
            break;
        case InitKind::Points: {
            if (init.points.cols() != n || init.points.rows() != d)
                throw ValidationError(
                    "init.points", "must be n = " + std::to_string(n) + " rows of d = " + std::to_string(d) +
                                       " numbers, got " + std::to_string(init.points.cols()) + " rows of " +
                                       std::to_string(init.points.rows()) + " numbers");
            validatePositions(init.points, geometry, "init.points");
            break;
        }
        case InitKind::Uniform:
        case InitKind::Hemisphere:
            break;
    }
}

void validateModel(const Model& model, const std::string& path) {
    const std::string p = path.empty() ? path : path + ".";
    checkBeta(model.beta, p + "beta");
    checkSigmoidBias(model.sigmoidBias, p + "sigmoid_bias");
    validateVariants(model, p);
    const auto H = static_cast<long long>(model.heads.size());
    if (H < Limits::headsMin || H > Limits::headsMax)
        throw ValidationError(p + "heads", "must have between " + std::to_string(Limits::headsMin) + " and " +
                                               std::to_string(Limits::headsMax) + " heads, got " +
                                               std::to_string(H));
    const Eigen::Index d = model.heads.front().M.rows();
    checkIntRange(d, p + "heads[0].M", Limits::dMin, Limits::dMax);
    for (std::size_t h = 0; h < model.heads.size(); ++h) {
        const Head& head = model.heads[h];
        const std::string hp = index(p + "heads", h);
        checkSquare(head.M, hp + ".M", static_cast<int>(d));
        checkSquare(head.V, hp + ".V", static_cast<int>(d));
        checkAlpha(head.alpha, hp + ".alpha");
        if (!std::isnan(head.beta)) checkBeta(head.beta, hp + ".beta");
    }
}

void checkNoiseIntegrator(double temperature, IntegratorKind integrator, const std::string& path) {
    if (temperature > 0 && integrator == IntegratorKind::DormandPrince)
        throw ValidationError(path, "a temperature > 0 (noise, got " + fmt(temperature) +
                                        ") needs a fixed step: use integrator \"euler\" or \"rk4\", not "
                                        "\"dopri5\" (its error control would reject the kicks)");
}

void validateDt(double dt, const std::string& path) {
    checkRange(dt, path, Limits::dtMin, Limits::dtMax);
}

void validatePositions(const Matrix& positions, Geometry geometry, const std::string& path) {
    for (Eigen::Index i = 0; i < positions.cols(); ++i) {
        const std::string row = index(path, static_cast<std::size_t>(i));
        for (Eigen::Index c = 0; c < positions.rows(); ++c)
            checkRange(positions(c, i), index(row, static_cast<std::size_t>(c)), -Limits::entryMax,
                       Limits::entryMax);
        if (geometry == Geometry::Sphere && !(positions.col(i).norm() > 1e-12))
            throw ValidationError(
                row, "must be a nonzero vector on the sphere (points are normalised), got the zero vector");
    }
}

void checkRunSize(const Scenario& s) {
    // Adaptive steps (dopri5) grow beyond dt; their count is not known in advance.
    if (s.integrator == IntegratorKind::DormandPrince) return;
    const double steps = std::ceil(s.tEnd / s.dt - 1e-9);
    const double frames = std::floor(steps / s.publishEvery) + 2;  // step 0, every K steps, the last
    if (steps > static_cast<double>(Limits::runStepsMax))
        throw ValidationError("t_end", "t_end = " + fmt(s.tEnd) + " with integrator.dt = " + fmt(s.dt) +
                                           " needs " + fmt(steps) + " steps; at most " +
                                           std::to_string(Limits::runStepsMax) +
                                           " (use a larger dt or a smaller t_end)");
    if (frames > static_cast<double>(Limits::runFramesMax))
        throw ValidationError("publish_every",
                              fmt(steps) + " steps published every " + std::to_string(s.publishEvery) +
                                  " make " + fmt(frames) + " frames; at most " +
                                  std::to_string(Limits::runFramesMax) + " (publish less often)");
}

std::vector<PresetInfo> presetList() {
    std::vector<PresetInfo> out;
    for (const auto& [name, text] : embeddedPresets()) {
        const Scenario s = Scenario::fromJsonText(text);
        out.push_back({name, s.description, s.citation});
    }
    return out;
}

bool isPreset(const std::string& name) {
    return embeddedPresets().count(name) > 0;
}

std::string presetJsonText(const std::string& name) {
    return embeddedText(embeddedPresets(), name, "preset");
}

const std::string& embeddedText(const std::map<std::string, std::string>& files, const std::string& name,
                                const std::string& kind) {
    const auto it = files.find(name);
    if (it == files.end()) throw ValidationError("", "unknown " + kind + " '" + name + "'");
    return it->second;
}

}  // namespace attnsphere::core
