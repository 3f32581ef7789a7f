#include "core/Session.h"

#include "core/Errors.h"
#include "core/JsonRead.h"
#include "core/TextFile.h"

#include <nlohmann/json.hpp>

#include <unistd.h>
#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>

namespace attnsphere::core {

namespace {

using namespace jsonread;

constexpr const char* kFormat = "attnsphere-session";
// Version 2 spells every key in snake_case; version 3 lets a positions event change n (tokens added or
// removed) and adds the fork and scrub events. Versions 1 (camelCase keys) and 2 are still read.
constexpr int kVersion = 3;
// Beside a positions or fork event's data: the radii of a Pre-LN or Peri-LN run (absent otherwise).
constexpr const char* kRadiiKey = "radii";

// The keys that changed spelling between versions 1 and 2.
struct Keys {
    const char* endStep;
    const char* sigmoidBias;
    const char* focalPoint;
    const char* viewUp;
    const char* viewAngle;
};
constexpr Keys kKeys{"end_step", "sigmoid_bias", "focal_point", "view_up", "view_angle"};
constexpr Keys kKeysVersion1{"endStep", "sigmoidBias", "focalPoint", "viewUp", "viewAngle"};

// Rows of numbers; doubles are written with round-trip precision, so replay is bit-exact.
Matrix matrixFromJson(const json& j, const std::string& path) {
    return rowsToMatrix(j, path);
}

// Steps beyond the run cap could never be replayed.
std::int64_t stepFromJson(const json& j, const std::string& path) {
    if (j.is_number_unsigned() && j.get<std::uint64_t>() > static_cast<std::uint64_t>(Limits::runStepsMax))
        throw ValidationError(path, "must be an integer in [0, " + std::to_string(Limits::runStepsMax) +
                                        "], got " + describe(j));
    const long long step = integer(j, path);
    checkIntRange(step, path, 0, Limits::runStepsMax);
    return step;
}

// A scenario inside a session: the scenario's own parser and rules, its paths prefixed by where it is.
Scenario scenarioFromJson(const json& j, const std::string& path) {
    try {
        return Scenario::fromJson(j);
    } catch (const ValidationError& e) {
        throw under(path, e, ".");
    }
}

json modelToJson(const Model& m) {
    json heads = json::array();
    for (const Head& h : m.heads) {
        json jh{{"M", matrixToRows(h.M)}, {"V", matrixToRows(h.V)}, {"alpha", h.alpha}};
        jh["beta"] = std::isnan(h.beta) ? json(nullptr) : json(h.beta);
        heads.push_back(std::move(jh));
    }
    json j{{"kernel", std::string(toString(m.kernel))},
           {"beta", m.beta},
           {kKeys.sigmoidBias, m.sigmoidBias},
           {"geometry", std::string(toString(m.geometry))},
           {"heads", std::move(heads)}};
    // The variants only when on: a session of the plain model reads as before.
    if (m.mask != AttentionMask::None) j["mask"] = std::string(nameOf(m.mask));
    if (m.positionalBias != 0.0) j["positional_bias"] = m.positionalBias;
    if (m.sinkhornIterations != 0) j["sinkhorn_iterations"] = m.sinkhornIterations;
    if (m.normalisation != LayerNorm::Post) j["normalisation"] = std::string(nameOf(m.normalisation));
    if (m.temperature != 0.0) j["temperature"] = m.temperature;
    return j;
}

Model modelFromJson(const json& j, const std::string& path, const Keys& keys) {
    requireObject(j, path,
                  {"kernel", "beta", keys.sigmoidBias, "geometry", "heads", "mask", "positional_bias",
                   "sinkhorn_iterations", "normalisation", "temperature"});
    Model m;
    m.kernel = enumValue<KernelKind>(require(j, "kernel", path), child(path, "kernel"));
    m.beta = number(require(j, "beta", path), child(path, "beta"));
    m.sigmoidBias = number(require(j, keys.sigmoidBias, path), child(path, keys.sigmoidBias));
    m.geometry = enumValue<Geometry>(require(j, "geometry", path), child(path, "geometry"));
    if (j.contains("mask")) m.mask = enumValue<AttentionMask>(j["mask"], child(path, "mask"));
    if (j.contains("positional_bias"))
        m.positionalBias = number(j["positional_bias"], child(path, "positional_bias"));
    if (j.contains("sinkhorn_iterations"))
        m.sinkhornIterations = smallInteger(j["sinkhorn_iterations"], child(path, "sinkhorn_iterations"), 0,
                                            Limits::sinkhornIterationsMax);
    if (j.contains("normalisation"))
        m.normalisation = enumValue<LayerNorm>(j["normalisation"], child(path, "normalisation"));
    if (j.contains("temperature")) m.temperature = number(j["temperature"], child(path, "temperature"));
    const json& heads = require(j, "heads", path);
    const std::string hsp = child(path, "heads");
    if (!heads.is_array() || heads.empty())
        throw ValidationError(hsp, "must be a non-empty array of heads, got " + describe(heads));
    for (std::size_t h = 0; h < heads.size(); ++h) {
        const std::string hp = index(hsp, h);
        requireObject(heads[h], hp, {"M", "V", "alpha", "beta"});
        Head head;
        head.M = matrixFromJson(require(heads[h], "M", hp), child(hp, "M"));
        head.V = matrixFromJson(require(heads[h], "V", hp), child(hp, "V"));
        if (head.M.rows() != head.M.cols() || head.V.rows() != head.M.rows() ||
            head.V.cols() != head.M.cols())
            throw ValidationError(hp, "M and V must be square and of the same size");
        if (h > 0 && head.M.rows() != m.heads.front().M.rows())
            throw ValidationError(child(hp, "M"), "all heads must have the same size d");
        head.alpha = number(require(heads[h], "alpha", hp), child(hp, "alpha"));
        const json& beta = require(heads[h], "beta", hp);
        if (!beta.is_null()) head.beta = number(beta, child(hp, "beta"));  // null: the shared beta
        m.heads.push_back(std::move(head));
    }
    // The ranges a scenario file has (beta, alpha, entries, ...), named in the version-2 spelling.
    validateModel(m, path);
    return m;
}

json cameraToJson(const Camera& c) {
    return json{{"position", c.position},
                {kKeys.focalPoint, c.focalPoint},
                {kKeys.viewUp, c.viewUp},
                {kKeys.viewAngle, c.viewAngle}};
}

Camera cameraFromJson(const json& j, const std::string& path, const Keys& keys) {
    requireObject(j, path, {"position", keys.focalPoint, keys.viewUp, keys.viewAngle});
    Camera c;
    auto vec3 = [&](const char* key, std::array<double, 3>& out) {
        const json& v = require(j, key, path);
        const std::string p = child(path, key);
        if (!v.is_array() || v.size() != 3) throw ValidationError(p, "must be 3 numbers, got " + describe(v));
        for (std::size_t i = 0; i < 3; ++i) {
            out[i] = number(v[i], index(p, i));
            // The scene is the unit sphere: a camera further out than this sees nothing, and VTK's
            // clipping range degenerates with values near the double range.
            checkRange(out[i], index(p, i), -Limits::entryMax, Limits::entryMax);
        }
    };
    vec3("position", c.position);
    vec3(keys.focalPoint, c.focalPoint);
    vec3(keys.viewUp, c.viewUp);
    if (c.position == c.focalPoint)
        throw ValidationError(child(path, "position"), std::string("must differ from ") + keys.focalPoint);
    if (c.viewUp == std::array<double, 3>{0, 0, 0})
        throw ValidationError(child(path, keys.viewUp), "must not be the zero vector");
    c.viewAngle = number(require(j, keys.viewAngle, path), child(path, keys.viewAngle));
    checkRange(c.viewAngle, child(path, keys.viewAngle), 0, 180, true, true);
    return c;
}

constexpr std::array<NameEntry<SessionEventKind>, 8> kEventNames{{
    {SessionEventKind::Model, "model"},
    {SessionEventKind::Positions, "positions"},
    {SessionEventKind::Dt, "dt"},
    {SessionEventKind::Integrator, "integrator"},
    {SessionEventKind::Reset, "reset"},
    {SessionEventKind::Camera, "camera"},
    {SessionEventKind::Fork, "fork"},
    {SessionEventKind::Scrub, "scrub"},
}};

// The key of an event's data: its kind's name, except a reset's scenario.
std::string dataKey(SessionEventKind k) {
    switch (k) {
        case SessionEventKind::Reset:
            return "scenario";
        case SessionEventKind::Model:
        case SessionEventKind::Positions:
        case SessionEventKind::Dt:
        case SessionEventKind::Integrator:
        case SessionEventKind::Camera:
        case SessionEventKind::Fork:
        case SessionEventKind::Scrub:
            break;
    }
    return std::string(nameOf(k));
}

}  // namespace

json writeCamera(const Camera& camera) {
    return cameraToJson(camera);
}

Camera readCamera(const json& j, const std::string& path) {
    return cameraFromJson(j, path, kKeys);
}

template <>
std::span<const NameEntry<SessionEventKind>> nameTable<SessionEventKind>() {
    return kEventNames;
}

json Session::toJson() const {
    json timelineJson = json::array();
    for (const SessionEvent& e : timeline) {
        json je{{"step", e.step}, {"kind", std::string(nameOf(e.kind))}};
        json& data = je[dataKey(e.kind)];
        switch (e.kind) {
            case SessionEventKind::Model:
                data = modelToJson(e.model);
                break;
            case SessionEventKind::Positions:
                data = matrixToRows(e.positions.transpose());
                break;
            case SessionEventKind::Dt:
                data = e.value;
                break;
            case SessionEventKind::Integrator:
                data = std::string(toString(e.integrator));
                break;
            case SessionEventKind::Reset:
                data = e.scenario.toJson();
                break;
            case SessionEventKind::Camera:
                data = cameraToJson(e.camera);
                break;
            case SessionEventKind::Fork:
                data = json{{"t", e.t},
                            {"dt", e.value},
                            {"step_dt", e.stepDt},
                            {"abandoned_step", e.otherStep},
                            {"positions", matrixToRows(e.positions.transpose())}};
                break;
            case SessionEventKind::Scrub:
                data = json{{"t", e.t}, {"shown_step", e.otherStep}};
                break;
        }
        if (e.radii.size() > 0)
            je[kRadiiKey] = std::vector<double>(e.radii.data(), e.radii.data() + e.radii.size());
        timelineJson.push_back(std::move(je));
    }
    return json{{"format", kFormat},
                {"version", kVersion},
                {"scenario", scenario.toJson()},
                {kKeys.endStep, endStep},
                {"timeline", std::move(timelineJson)}};
}

static Session parseSession(const json& j);

Session Session::fromJson(const json& j) {
    try {
        return parseSession(j);
    } catch (const json::exception& e) {
        throwJsonError(e, "invalid session: ");  // every access is checked first; this is the backstop
    }
}

static Session parseSession(const json& j) {
    if (!j.is_object()) throw ValidationError("", "a session must be a JSON object, got " + describe(j));
    const json& format = require(j, "format", "");
    if (string(format, "format") != kFormat)
        throw ValidationError("format", std::string("must be \"") + kFormat + "\", got " + describe(format));
    const long long version = integer(require(j, "version", ""), "version");
    if (version < 1 || version > kVersion)
        throw ValidationError("version", "must be 1, 2 or " + std::to_string(kVersion) +
                                             " (the versions this program reads), got " +
                                             std::to_string(version));
    const Keys& keys = version == 1 ? kKeysVersion1 : kKeys;
    // The other version's spelling of a key is an unknown key in this one.
    requireObject(j, "", {"format", "version", "scenario", keys.endStep, "timeline"});
    Session s;
    s.scenario = scenarioFromJson(require(j, "scenario", ""), "scenario");
    Geometry geometry = s.scenario.geometry;
    s.endStep = stepFromJson(require(j, keys.endStep, ""), keys.endStep);
    const json& tl = require(j, "timeline", "");
    if (!tl.is_array()) throw ValidationError("timeline", "must be an array of events, got " + describe(tl));
    std::int64_t lastStep = 0;
    int d = s.scenario.d, n = s.scenario.n;
    for (std::size_t i = 0; i < tl.size(); ++i) {
        const std::string p = index("timeline", i);
        const json& je = tl[i];
        if (!je.is_object()) throw ValidationError(p, "must be a JSON object, got " + describe(je));
        SessionEvent e;
        e.step = stepFromJson(require(je, "step", p), child(p, "step"));
        e.kind = enumValue<SessionEventKind>(require(je, "kind", p), child(p, "kind"));
        const std::string key = dataKey(e.kind);
        requireObject(je, p, {"step", "kind", key, kRadiiKey});
        const json& data = require(je, key, p);
        const std::string dp = child(p, key);
        switch (e.kind) {
            case SessionEventKind::Model:
                e.model = modelFromJson(data, dp, keys);
                if (e.model.dim() != d)
                    throw ValidationError(dp, "heads must be " + std::to_string(d) + "x" + std::to_string(d));
                geometry = e.model.geometry;
                break;
            case SessionEventKind::Positions:
                e.positions = matrixFromJson(data, dp).transpose();
                if (version >= 3 && e.positions.rows() == d && e.positions.cols() >= Limits::nMin &&
                    e.positions.cols() <= Limits::nMax)
                    n = static_cast<int>(e.positions.cols());
                if (e.positions.rows() != d || e.positions.cols() != n)
                    throw ValidationError(dp, "must be n = " + std::to_string(n) +
                                                  " rows of d = " + std::to_string(d) + " numbers, got " +
                                                  std::to_string(e.positions.cols()) + " rows of " +
                                                  std::to_string(e.positions.rows()) + " numbers");
                validatePositions(e.positions, geometry, dp);
                break;
            case SessionEventKind::Dt:
                e.value = number(data, dp);
                validateDt(e.value, dp);
                break;
            case SessionEventKind::Integrator:
                e.integrator = enumValue<IntegratorKind>(data, dp);
                break;
            case SessionEventKind::Reset:
                e.scenario = scenarioFromJson(data, dp);
                d = e.scenario.d;
                n = e.scenario.n;
                geometry = e.scenario.geometry;
                break;
            case SessionEventKind::Camera:
                e.camera = cameraFromJson(data, dp, keys);
                break;
            case SessionEventKind::Fork:
            case SessionEventKind::Scrub: {
                if (version < 3)
                    throw ValidationError(child(p, "kind"), "\"" + key + "\" events need session version 3");
                const bool fork = e.kind == SessionEventKind::Fork;
                const std::vector<std::string> keysHere =
                    fork ? std::vector<std::string>{"t", "dt", "step_dt", "abandoned_step", "positions"}
                         : std::vector<std::string>{"t", "shown_step"};
                requireObject(data, dp, keysHere);
                e.t = number(require(data, "t", dp), child(dp, "t"));
                checkRange(e.t, child(dp, "t"), 0, Limits::tEndMax);
                e.otherStep = stepFromJson(require(data, fork ? "abandoned_step" : "shown_step", dp),
                                           child(dp, fork ? "abandoned_step" : "shown_step"));
                if (!fork) break;
                e.value = number(require(data, "dt", dp), child(dp, "dt"));
                checkRange(e.value, child(dp, "dt"), 0, 10 * Limits::dtMax, true);
                e.stepDt = number(require(data, "step_dt", dp), child(dp, "step_dt"));
                checkRange(e.stepDt, child(dp, "step_dt"), 0, 10 * Limits::dtMax, true);
                e.positions =
                    matrixFromJson(require(data, "positions", dp), child(dp, "positions")).transpose();
                if (e.positions.rows() != d || e.positions.cols() != n)
                    throw ValidationError(child(dp, "positions"), "must be n = " + std::to_string(n) +
                                                                      " rows of d = " + std::to_string(d) +
                                                                      " numbers");
                validatePositions(e.positions, geometry, child(dp, "positions"));
                break;
            }
        }
        if (je.contains(kRadiiKey)) {
            const std::string rp = child(p, kRadiiKey);
            if (e.kind != SessionEventKind::Positions && e.kind != SessionEventKind::Fork)
                throw ValidationError(rp, "only positions and fork events carry radii");
            const std::vector<double> radii = numberList(je[kRadiiKey], rp);
            if (radii.size() != static_cast<std::size_t>(n))
                throw ValidationError(
                    rp, "must be n = " + std::to_string(n) + " numbers, got " + std::to_string(radii.size()));
            for (double r : radii)
                if (!(r > 0) || !std::isfinite(r))
                    throw ValidationError(rp, "every radius must be finite and > 0");
            e.radii = Eigen::Map<const Vector>(radii.data(), static_cast<Eigen::Index>(radii.size()));
        }
        if (e.step < lastStep)
            throw ValidationError(child(p, "step"),
                                  "steps must not decrease within a segment (previous event at step " +
                                      std::to_string(lastStep) + ")");
        lastStep = e.kind == SessionEventKind::Reset ? 0 : e.step;
        s.timeline.push_back(std::move(e));
    }
    if (s.endStep < lastStep)
        throw ValidationError(keys.endStep, "must be >= the last event's step " + std::to_string(lastStep));
    return s;
}

Session Session::fromFile(const std::string& path) {
    const auto text = readTextFile(path);
    if (!text) throw ValidationError("--session", "cannot open " + path);
    try {
        return fromJson(parseJsonText(*text));
    } catch (const ValidationError& e) {
        throw under(path, e);
    }
}

void Session::save(const std::string& path) const {
    writeTextFile(path, toJson().dump(1) + "\n");
}

std::int64_t Session::totalSteps() const {
    std::int64_t total = endStep;
    for (const SessionEvent& e : timeline)
        if (e.kind == SessionEventKind::Reset) total += e.step;
    return total;
}

void SessionLog::push(SessionEvent event) {
    m_session.timeline.push_back(std::move(event));
}

void SessionLog::logModel(std::int64_t step, const Model& model) {
    SessionEvent e;
    e.step = step;
    e.kind = SessionEventKind::Model;
    e.model = model;
    push(std::move(e));
}

void SessionLog::logPositions(std::int64_t step, const Matrix& positions, const Vector& radii) {
    // A drag between two steps: only the state the step starts from matters.
    if (!m_session.timeline.empty() && m_session.timeline.back().kind == SessionEventKind::Positions &&
        m_session.timeline.back().step == step) {
        m_session.timeline.back().positions = positions;
        m_session.timeline.back().radii = radii;
        return;
    }
    SessionEvent e;
    e.step = step;
    e.kind = SessionEventKind::Positions;
    e.positions = positions;
    e.radii = radii;
    push(std::move(e));
}

void SessionLog::logDt(std::int64_t step, double dt) {
    SessionEvent e;
    e.step = step;
    e.kind = SessionEventKind::Dt;
    e.value = dt;
    push(std::move(e));
}

void SessionLog::logIntegrator(std::int64_t step, IntegratorKind integrator) {
    SessionEvent e;
    e.step = step;
    e.kind = SessionEventKind::Integrator;
    e.integrator = integrator;
    push(std::move(e));
}

void SessionLog::logReset(std::int64_t step, const Scenario& scenario) {
    SessionEvent e;
    e.step = step;
    e.kind = SessionEventKind::Reset;
    e.scenario = scenario;
    push(std::move(e));
}

void SessionLog::logCamera(std::int64_t step, const Camera& camera) {
    auto& tl = m_session.timeline;
    if (!tl.empty() && tl.back().kind == SessionEventKind::Camera && tl.back().step == step) {
        tl.back().camera = camera;
        return;
    }
    SessionEvent e;
    e.step = step;
    e.kind = SessionEventKind::Camera;
    e.camera = camera;
    push(std::move(e));
}

void SessionLog::logFork(std::size_t keep, std::int64_t step, double t, const Matrix& positions,
                         const Vector& radii, double dt, double stepDt, std::int64_t abandonedStep) {
    auto& tl = m_session.timeline;
    if (keep < tl.size()) tl.erase(tl.begin() + static_cast<std::ptrdiff_t>(keep), tl.end());
    SessionEvent e;
    e.step = step;
    e.kind = SessionEventKind::Fork;
    e.t = t;
    e.positions = positions;
    e.radii = radii;
    e.value = dt;
    e.stepDt = stepDt;
    e.otherStep = abandonedStep;
    push(std::move(e));
}

void SessionLog::logScrub(std::int64_t step, double t, std::int64_t shownStep) {
    auto& tl = m_session.timeline;
    if (!tl.empty() && tl.back().kind == SessionEventKind::Scrub && tl.back().step == step) {
        tl.back().t = t;
        tl.back().otherStep = shownStep;
        return;
    }
    SessionEvent e;
    e.step = step;
    e.kind = SessionEventKind::Scrub;
    e.t = t;
    e.otherStep = shownStep;
    push(std::move(e));
}

SessionState Session::stateAfter(std::size_t events) const {
    SessionState s{scenario.buildModel(), scenario.dt, scenario.integrator};
    for (std::size_t i = 0; i < std::min(events, timeline.size()); ++i) {
        const SessionEvent& e = timeline[i];
        switch (e.kind) {
            case SessionEventKind::Model:
                s.model = e.model;
                break;
            case SessionEventKind::Dt:
                s.dt = e.value;
                break;
            case SessionEventKind::Integrator:
                s.integrator = e.integrator;
                break;
            case SessionEventKind::Reset:
                s = SessionState{e.scenario.buildModel(), e.scenario.dt, e.scenario.integrator};
                break;
            case SessionEventKind::Positions:
            case SessionEventKind::Camera:
            case SessionEventKind::Fork:
            case SessionEventKind::Scrub:
                break;
        }
    }
    return s;
}

SessionPlayer::SessionPlayer(Session session)
    : m_session(std::move(session)), m_sim(std::make_unique<Simulation>(m_session.scenario)) {}

void SessionPlayer::setThreads(int threads) {
    m_threads = threads;
    m_sim->setThreads(threads);
}

void SessionPlayer::setAbortFlag(const std::atomic<bool>* abort) {
    m_abort = abort;
    m_sim->setAbortFlag(abort);
}

void SessionPlayer::applyDue() {
    auto& tl = m_session.timeline;
    while (m_next < tl.size()) {
        const SessionEvent& e = tl[m_next];
        const std::string path = "timeline[" + std::to_string(m_next) + "]";
        if (e.step != m_sim->stepCount()) return;
        if (e.kind == SessionEventKind::Reset) {
            m_sim = std::make_unique<Simulation>(e.scenario);
            m_sim->setThreads(m_threads);
            m_sim->setAbortFlag(m_abort);
            m_segmentBegin = m_next;
            ++m_next;
            continue;
        }
        try {
            switch (e.kind) {
                case SessionEventKind::Model:
                    m_sim->setModel(e.model);
                    break;
                case SessionEventKind::Positions:
                    m_sim->restorePositions(e.positions, e.radii);
                    break;
                case SessionEventKind::Dt:
                    m_sim->setDt(e.value);
                    break;
                case SessionEventKind::Integrator:
                    m_sim->setIntegrator(e.integrator);
                    break;
                case SessionEventKind::Fork:
                    // Replay reaches this state by itself; restoring it keeps the adapted step exact too.
                    m_sim->restore(e.positions, e.t, e.step, e.value, e.stepDt, e.radii);
                    break;
                case SessionEventKind::Camera:
                case SessionEventKind::Reset:
                case SessionEventKind::Scrub:
                    break;
            }
        } catch (const ValidationError& err) {
            throw ValidationError(path, err.what());
        }
        ++m_next;
    }
}

void SessionPlayer::step() {
    applyDue();
    m_sim->step();
    ++m_globalStep;
}

bool SessionPlayer::finished() const {
    const auto& tl = m_session.timeline;
    for (std::size_t i = m_next; i < tl.size(); ++i)
        if (tl[i].kind == SessionEventKind::Reset) return false;
    return m_sim->stepCount() >= m_session.endStep;
}

std::optional<Camera> SessionPlayer::camera() const {
    const auto& tl = m_session.timeline;
    const std::int64_t s = m_sim->stepCount();
    std::size_t segmentEnd = m_segmentBegin + 1;
    while (segmentEnd < tl.size() && tl[segmentEnd].kind != SessionEventKind::Reset) ++segmentEnd;
    segmentEnd = std::min(segmentEnd, tl.size());
    std::optional<std::size_t> last, next;
    // Keys of earlier segments carry over: a reset does not move the camera.
    for (std::size_t i = 0; i < m_segmentBegin && i < tl.size(); ++i)
        if (tl[i].kind == SessionEventKind::Camera) last = i;
    for (std::size_t i = m_segmentBegin; i < segmentEnd; ++i) {
        if (tl[i].kind != SessionEventKind::Camera) continue;
        if (tl[i].step <= s) {
            last = i;
        } else {
            next = i;
            break;
        }
    }
    if (!last) {
        if (next) return tl[*next].camera;  // before the first key: the first key
        return std::nullopt;
    }
    const Camera& a = tl[*last].camera;
    if (!next || *last < m_segmentBegin) return a;
    const Camera& b = tl[*next].camera;
    const double f =
        static_cast<double>(s - tl[*last].step) / static_cast<double>(tl[*next].step - tl[*last].step);
    Camera c;
    for (int i = 0; i < 3; ++i) {
        c.position[i] = a.position[i] + f * (b.position[i] - a.position[i]);
        c.focalPoint[i] = a.focalPoint[i] + f * (b.focalPoint[i] - a.focalPoint[i]);
        c.viewUp[i] = a.viewUp[i] + f * (b.viewUp[i] - a.viewUp[i]);
    }
    c.viewAngle = a.viewAngle + f * (b.viewAngle - a.viewAngle);
    return c;
}

}  // namespace attnsphere::core
