// Lecture files (doc/LECTURES.md), the built-in lectures and caption text.
#include "core/Lecture.h"

#include "core/Comparison.h"
#include "core/Errors.h"
#include "core/JsonRead.h"
#include "core/Session.h"
#include "core/TextFile.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <deque>
#include <filesystem>
#include <map>
#include <set>

namespace attnsphere::core {

// resources/lectures, embedded at build time (cmake/EmbedPresets.cmake).
const std::map<std::string, std::string>& embeddedLectures();

namespace {

using namespace jsonread;

constexpr const char* kFormat = "attnsphere-lecture";
constexpr int kVersion = 1;
constexpr std::size_t kTitleMax = 120, kLineMax = 200, kChangesMax = 100;
constexpr double kSpeedMax = 1000;
constexpr const char* kFirstBuiltin = "attention-as-particles";

constexpr std::array<NameEntry<LectureTheme>, 2> kThemeNames{{
    {LectureTheme::Dark, "dark"},
    {LectureTheme::Light, "light"},
}};

bool boolean(const json& v, const std::string& path) {
    if (!v.is_boolean()) throw ValidationError(path, "must be true or false, got " + describe(v));
    return v.get<bool>();
}

std::string text(const json& v, const std::string& path, std::size_t maxChars) {
    const std::string s = string(v, path);
    // Characters, not bytes: UTF-8 continuation bytes do not count.
    const auto chars = static_cast<std::size_t>(std::count_if(
        s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
    if (chars > maxChars)
        throw ValidationError(path, "must have at most " + std::to_string(maxChars) + " characters, got " +
                                        std::to_string(chars));
    return s;
}

// A scenario error under `path`: its own path appended, or the whole message kept.
[[noreturn]] void rethrowUnder(const ValidationError& e, const std::string& path) {
    const std::string& p = e.path();
    const std::string message = std::string(e.what()).substr(p.empty() ? 0 : p.size() + 2);
    throw ValidationError(p.empty() ? path : child(path, p), message);
}

Scenario scenarioFromJson(const json& j, const std::string& path) {
    Scenario s;
    if (j.is_string()) {
        const std::string name = j.get<std::string>();
        if (!isPreset(name)) {
            std::string names;
            for (const auto& p : presetList()) names += (names.empty() ? "" : ", ") + p.name;
            throw ValidationError(
                path, "must be a preset name (" + names + ") or a scenario object, got \"" + name + "\"");
        }
        s = Scenario::fromJsonText(presetJsonText(name));
    } else if (j.is_object()) {
        try {
            s = Scenario::fromJson(j);
        } catch (const ValidationError& e) {
            rethrowUnder(e, path);
        }
    } else {
        throw ValidationError(path, "must be a preset name or a scenario object, got " + describe(j));
    }
    try {
        checkRunSize(s);
    } catch (const ValidationError& e) {
        rethrowUnder(e, path);
    }
    return s;
}

std::vector<std::string> idList(const json& v, const std::string& path, const std::vector<std::string>& known,
                                const char* what) {
    if (!v.is_array()) throw ValidationError(path, "must be an array of " + std::string(what) + " ids");
    std::string allowed;
    for (const std::string& id : known) allowed += (allowed.empty() ? "\"" : ", \"") + id + "\"";
    std::vector<std::string> out;
    for (std::size_t i = 0; i < v.size(); ++i) {
        const std::string p = index(path, i);
        const std::string id = string(v[i], p);
        if (std::find(known.begin(), known.end(), id) == known.end())
            throw ValidationError(p, "must be one of " + allowed + ", got \"" + id + "\"");
        if (std::find(out.begin(), out.end(), id) != out.end())
            throw ValidationError(p, "\"" + id + "\" is listed twice");
        out.push_back(id);
    }
    return out;
}

LectureCaption captionFromJson(const json& j, const std::string& path) {
    requireObject(j, path, {"title", "lines", "formula"});
    LectureCaption c;
    if (j.contains("title")) c.title = text(j["title"], child(path, "title"), kTitleMax);
    if (j.contains("lines")) {
        const json& lines = j["lines"];
        const std::string lp = child(path, "lines");
        if (!lines.is_array() || lines.size() > static_cast<std::size_t>(LectureCaption::linesMax))
            throw ValidationError(lp, "must be an array of at most " +
                                          std::to_string(LectureCaption::linesMax) + " strings, got " +
                                          describe(lines));
        for (std::size_t i = 0; i < lines.size(); ++i)
            c.lines.push_back(text(lines[i], index(lp, i), kLineMax));
    }
    if (j.contains("formula")) c.formula = text(j["formula"], child(path, "formula"), kLineMax);
    return c;
}

Camera cameraFromJson(const json& j, const std::string& path) {
    Camera c = readCamera(j, path);
    // The view direction and up must span a plane, else the view's roll is undefined.
    const std::array<double, 3> v{c.focalPoint[0] - c.position[0], c.focalPoint[1] - c.position[1],
                                  c.focalPoint[2] - c.position[2]};
    const auto& u = c.viewUp;
    const std::array<double, 3> cross{v[1] * u[2] - v[2] * u[1], v[2] * u[0] - v[0] * u[2],
                                      v[0] * u[1] - v[1] * u[0]};
    const double norm = std::hypot(cross[0], cross[1], cross[2]);
    if (norm <= 1e-9 * std::hypot(v[0], v[1], v[2]) * std::hypot(u[0], u[1], u[2]))
        throw ValidationError(child(path, "view_up"),
                              "must not be parallel to the view direction "
                              "(focal_point - position)");
    return c;
}

// A time of the step's run: in [0, t_end] (or (0, t_end] when `open`).
double stepTime(const json& v, const std::string& path, double tEnd, bool open = false) {
    const double t = number(v, path);
    checkRange(t, path, 0, tEnd, open, false);
    return t;
}

LectureStep stepFromJson(const json& j, const std::string& path, const std::vector<std::string>& panelIds,
                         const std::vector<std::string>& overlayNames) {
    requireObject(j, path,
                  {"scenario", "caption", "camera", "speed", "panels", "overlays", "play", "pause_at", "loop",
                   "changes", "duration"});
    LectureStep s;
    s.source = require(j, "scenario", path);
    s.scenario = scenarioFromJson(s.source, child(path, "scenario"));
    const double tEnd = s.scenario.tEnd;
    if (j.contains("caption")) s.caption = captionFromJson(j["caption"], child(path, "caption"));
    if (j.contains("camera")) s.camera = cameraFromJson(j["camera"], child(path, "camera"));
    if (j.contains("speed")) {
        s.speed = number(j["speed"], child(path, "speed"));
        checkRange(s.speed, child(path, "speed"), 0, kSpeedMax);
    }
    if (j.contains("panels")) s.panels = idList(j["panels"], child(path, "panels"), panelIds, "panel");
    if (j.contains("overlays"))
        s.overlays = idList(j["overlays"], child(path, "overlays"), overlayNames, "overlay");
    if (j.contains("play")) s.play = boolean(j["play"], child(path, "play"));
    if (j.contains("pause_at")) s.pauseAt = stepTime(j["pause_at"], child(path, "pause_at"), tEnd, true);
    if (j.contains("loop")) {
        const std::string lp = child(path, "loop");
        requireObject(j["loop"], lp, {"from", "to"});
        const double from = stepTime(require(j["loop"], "from", lp), child(lp, "from"), tEnd);
        const double to = stepTime(require(j["loop"], "to", lp), child(lp, "to"), tEnd);
        if (to <= from)
            throw ValidationError(child(lp, "to"),
                                  "must be greater than from = " + fmt(from) + ", got " + fmt(to));
        s.loop = std::make_pair(from, to);
    }
    if (j.contains("changes")) {
        const json& changes = j["changes"];
        const std::string cp = child(path, "changes");
        if (!changes.is_array() || changes.size() > kChangesMax)
            throw ValidationError(cp, "must be an array of at most " + std::to_string(kChangesMax) +
                                          " changes {\"at\": t, \"set\": {...}}, got " + describe(changes));
        std::vector<std::pair<std::size_t, LectureChange>> read;
        for (std::size_t i = 0; i < changes.size(); ++i) {
            const std::string p = index(cp, i);
            requireObject(changes[i], p, {"at", "set"});
            LectureChange c;
            c.at = stepTime(require(changes[i], "at", p), child(p, "at"), tEnd);
            c.changes = require(changes[i], "set", p);
            if (c.changes.is_object() && c.changes.contains("t_end"))
                throw ValidationError(child(child(p, "set"), "t_end"),
                                      "not allowed: a step's length is its scenario's t_end");
            read.emplace_back(i, std::move(c));
        }
        std::stable_sort(read.begin(), read.end(),
                         [](const auto& a, const auto& b) { return a.second.at < b.second.at; });
        Scenario current = s.scenario;
        for (auto& [i, c] : read) {
            const std::string p = index(cp, i);
            try {
                c.scenario = applyChanges(current, c.changes, p);
            } catch (const ValidationError& e) {
                // applyChanges names the patch "changes"; in a lecture it is "set".
                std::string ep = e.path();
                const std::string patchPath = child(p, "changes");
                if (ep.rfind(patchPath, 0) == 0) ep = child(p, "set") + ep.substr(patchPath.size());
                throw ValidationError(ep, messageOf(e));
            }
            current = c.scenario;
            s.changes.push_back(std::move(c));
        }
    }
    if (j.contains("duration")) s.duration = stepTime(j["duration"], child(path, "duration"), tEnd, true);
    return s;
}

json captionToJson(const LectureCaption& c) {
    json j = json::object();
    if (!c.title.empty()) j["title"] = c.title;
    if (!c.lines.empty()) j["lines"] = c.lines;
    if (!c.formula.empty()) j["formula"] = c.formula;
    return j;
}

// TeX-like names a caption may use, and what the screen shows for them.
constexpr std::array<std::pair<std::string_view, std::string_view>, 70> kTexNames{{
    {"alpha", "α"},      {"beta", "β"},    {"gamma", "γ"},  {"delta", "δ"},   {"epsilon", "ε"},
    {"varepsilon", "ε"}, {"zeta", "ζ"},    {"eta", "η"},    {"theta", "θ"},   {"vartheta", "ϑ"},
    {"iota", "ι"},       {"kappa", "κ"},   {"lambda", "λ"}, {"mu", "μ"},      {"nu", "ν"},
    {"xi", "ξ"},         {"omicron", "ο"}, {"pi", "π"},     {"rho", "ρ"},     {"sigma", "σ"},
    {"tau", "τ"},        {"upsilon", "υ"}, {"phi", "φ"},    {"varphi", "φ"},  {"chi", "χ"},
    {"psi", "ψ"},        {"omega", "ω"},   {"Gamma", "Γ"},  {"Delta", "Δ"},   {"Theta", "Θ"},
    {"Lambda", "Λ"},     {"Xi", "Ξ"},      {"Pi", "Π"},     {"Sigma", "Σ"},   {"Upsilon", "Υ"},
    {"Phi", "Φ"},        {"Psi", "Ψ"},     {"Omega", "Ω"},  {"sum", "∑"},     {"prod", "∏"},
    {"int", "∫"},        {"infty", "∞"},   {"le", "≤"},     {"leq", "≤"},     {"ge", "≥"},
    {"geq", "≥"},        {"ne", "≠"},      {"neq", "≠"},    {"approx", "≈"},  {"sim", "∼"},
    {"propto", "∝"},     {"cdot", "·"},    {"times", "×"},  {"pm", "±"},      {"to", "→"},
    {"rightarrow", "→"}, {"in", "∈"},      {"sqrt", "√"},   {"partial", "∂"}, {"nabla", "∇"},
    {"langle", "⟨"},     {"rangle", "⟩"},  {"ell", "ℓ"},    {"ll", "≪"},      {"gg", "≫"},
    {"log", "log"},      {"exp", "exp"},   {"max", "max"},  {"min", "min"},   {"top", "ᵀ"},
}};

}  // namespace

template <>
std::span<const NameEntry<LectureTheme>> nameTable<LectureTheme>() {
    return kThemeNames;
}

double LectureStep::renderDuration() const {
    if (duration) return *duration;
    if (pauseAt) return *pauseAt;
    if (loop) return loop->second;
    return scenario.tEnd;
}

Lecture Lecture::fromJson(const json& j, const std::vector<std::string>& panelIds,
                          const std::vector<std::string>& overlayNames) {
    try {
        requireObject(j, "", {"format", "version", "title", "theme", "presentation", "steps"});
        checkFormat(j, kFormat, kVersion, true);
        Lecture l;
        if (j.contains("title")) {
            l.title = text(j["title"], "title", kTitleMax);
            if (l.title.empty()) throw ValidationError("title", "must not be empty");
        }
        if (j.contains("theme")) l.theme = enumValue<LectureTheme>(j["theme"], "theme");
        if (j.contains("presentation")) l.presentation = boolean(j["presentation"], "presentation");
        const json& steps = require(j, "steps", "");
        if (!steps.is_array())
            throw ValidationError("steps", "must be an array of 1 to " + std::to_string(stepsMax) +
                                               " steps, got " + describe(steps));
        if (steps.empty() || steps.size() > static_cast<std::size_t>(stepsMax))
            throw ValidationError("steps", "must have 1 to " + std::to_string(stepsMax) + " steps, got " +
                                               std::to_string(steps.size()));
        for (std::size_t k = 0; k < steps.size(); ++k)
            l.steps.push_back(stepFromJson(steps[k], index("steps", k), panelIds, overlayNames));
        return l;
    } catch (const json::exception& e) {
        throwJsonError(e, "invalid lecture: ");
    }
}

Lecture Lecture::fromJsonText(const std::string& text, const std::vector<std::string>& panelIds,
                              const std::vector<std::string>& overlayNames) {
    return fromJson(parseJsonText(text), panelIds, overlayNames);
}

Lecture Lecture::fromFile(const std::string& path, const std::vector<std::string>& panelIds,
                          const std::vector<std::string>& overlayNames) {
    const auto text = readTextFile(path);
    if (!text) throw ValidationError("", "cannot open lecture file '" + path + "'");
    try {
        return fromJsonText(*text, panelIds, overlayNames);
    } catch (const ValidationError& e) {
        throw under(path, e);
    }
}

json Lecture::toJson() const {
    json stepList = json::array();
    for (const LectureStep& s : steps) {
        json j{{"scenario", s.source}};
        if (const json c = captionToJson(s.caption); !c.empty()) j["caption"] = c;
        if (s.camera) j["camera"] = writeCamera(*s.camera);
        if (s.speed != 0) j["speed"] = s.speed;
        if (!s.panels.empty()) j["panels"] = s.panels;
        if (!s.overlays.empty()) j["overlays"] = s.overlays;
        if (!s.play) j["play"] = false;
        if (s.pauseAt) j["pause_at"] = *s.pauseAt;
        if (s.loop) j["loop"] = {{"from", s.loop->first}, {"to", s.loop->second}};
        if (!s.changes.empty()) {
            json changes = json::array();
            for (const LectureChange& c : s.changes) changes.push_back({{"at", c.at}, {"set", c.changes}});
            j["changes"] = changes;
        }
        if (s.duration) j["duration"] = *s.duration;
        stepList.push_back(std::move(j));
    }
    return {{"format", kFormat},
            {"version", kVersion},
            {"title", title},
            {"theme", std::string(nameOf(theme))},
            {"presentation", presentation},
            {"steps", stepList}};
}

void Lecture::save(const std::string& path) const {
    writeTextFile(path, toJson().dump(1) + "\n");
}

LectureRun::LectureRun(const LectureStep& step)
    : m_step(step), m_sim(std::make_unique<Simulation>(step.scenario)) {
    applyDueChanges();
}

double LectureRun::slack() const {
    // Fixed steps: the step nearest the time (sums of dt drift by rounding); adaptive ones reach it.
    return m_sim->integrator() == IntegratorKind::DormandPrince ? 1e-12 : 0.5 * m_sim->dt();
}

void LectureRun::applyDueChanges() {
    for (; m_nextChange < m_step.changes.size() && m_step.changes[m_nextChange].at <= m_sim->time() + slack();
         ++m_nextChange) {
        const Scenario& s = m_step.changes[m_nextChange].scenario;
        const Scenario& before =
            m_nextChange == 0 ? m_step.scenario : m_step.changes[m_nextChange - 1].scenario;
        m_sim->setModel(s.buildModel());
        m_sim->setIntegrator(s.integrator);
        // dt only when the change sets it: an adaptive run keeps the step it has adapted to.
        if (s.dt != before.dt) m_sim->setDt(s.dt);
    }
    if (m_step.loop && !m_loopStart && m_sim->time() >= m_step.loop->first - slack()) {
        const Simulation& sim = *m_sim;
        m_loopStart = Saved{sim.positions(), sim.radii(), sim.time(),       sim.dt(),    sim.stepDt(),
                            sim.stepCount(), sim.model(), sim.integrator(), m_nextChange};
    }
}

void LectureRun::stepTo(double t) {
    applyDueChanges();
    while (m_sim->time() < t - slack()) {
        // An adaptive step may not pass a change or the loop's end.
        double next = t;
        if (m_nextChange < m_step.changes.size()) next = std::min(next, m_step.changes[m_nextChange].at);
        if (m_step.loop && !m_loopStart) next = std::min(next, m_step.loop->first);
        if (m_sim->integrator() == IntegratorKind::DormandPrince)
            m_sim->stepUntil(next);
        else
            m_sim->step();
        applyDueChanges();
    }
}

void LectureRun::advanceTo(double clock) {
    for (;;) {
        const double t = clock - m_offset;
        if (!m_step.loop || t < m_step.loop->second - slack()) {
            stepTo(t);
            return;
        }
        stepTo(m_step.loop->second);
        const Saved& s = *m_loopStart;
        m_offset += m_sim->time() - s.t;
        m_sim->restore(s.positions, s.t, s.step, s.dt, s.stepDt, s.radii);
        m_sim->setModel(s.model);
        m_sim->setIntegrator(s.integrator);
        m_nextChange = s.nextChange;
    }
}

const std::vector<BuiltinLecture>& builtinLectures() {
    static const std::vector<BuiltinLecture> lectures = [] {
        std::vector<BuiltinLecture> out;
        for (const auto& [id, text] : embeddedLectures()) {
            const json j = json::parse(text);
            // The title is read from the file and kept as long as the table (a deque never moves it).
            static std::deque<std::string> titles;
            titles.push_back(j.value("title", id));
            out.push_back({id, titles.back(), text});
        }
        std::stable_partition(out.begin(), out.end(),
                              [](const BuiltinLecture& l) { return l.id == kFirstBuiltin; });
        return out;
    }();
    return lectures;
}

const BuiltinLecture* findBuiltinLecture(std::string_view id) {
    const auto& all = builtinLectures();
    if (id == kBuiltinLectureAlias) return all.empty() ? nullptr : &all.front();
    for (const BuiltinLecture& l : all)
        if (l.id == id) return &l;
    return nullptr;
}

Lecture loadLecture(const std::string& fileOrId, const std::vector<std::string>& panelIds,
                    const std::vector<std::string>& overlayNames) {
    std::error_code ec;
    if (std::filesystem::is_regular_file(fileOrId, ec))
        return Lecture::fromFile(fileOrId, panelIds, overlayNames);
    if (const BuiltinLecture* b = findBuiltinLecture(fileOrId)) {
        try {
            return Lecture::fromJsonText(std::string(b->json), panelIds, overlayNames);
        } catch (const ValidationError& e) {
            throw under(std::string(b->id), e);
        }
    }
    std::string ids = kBuiltinLectureAlias;
    for (const BuiltinLecture& l : builtinLectures()) ids += ", " + std::string(l.id);
    throw ValidationError(
        "", "'" + fileOrId + "' is neither a lecture file nor a built-in lecture (" + ids + ")");
}

std::string captionText(std::string_view tex) {
    std::string out;
    out.reserve(tex.size());
    for (std::size_t i = 0; i < tex.size();) {
        if (tex[i] != '\\') {
            out += tex[i++];
            continue;
        }
        std::size_t end = i + 1;
        while (end < tex.size() && std::isalpha(static_cast<unsigned char>(tex[end]))) ++end;
        const std::string_view name = tex.substr(i + 1, end - i - 1);
        const auto it =
            std::find_if(kTexNames.begin(), kTexNames.end(), [&](const auto& e) { return e.first == name; });
        if (it != kTexNames.end()) {
            out += it->second;
        } else {
            out += tex.substr(i, end - i);  // unknown names stay as written; "\_" keeps its backslash
        }
        i = end;
    }
    return out;
}

}  // namespace attnsphere::core
