#include "core/Session.h"

#include "core/Errors.h"

#include <nlohmann/json.hpp>

#include <unistd.h>
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

namespace attnsphere::core {

namespace {

using nlohmann::json;

constexpr const char* kFormat = "attnsphere-session";
constexpr int kVersion = 1;

[[noreturn]] void fail(const std::string& path, const std::string& message) {
    throw ValidationError(path, message);
}

// Rows of numbers; doubles are written with round-trip precision, so replay is bit-exact.
json matrixToJson(const Matrix& m) {
    json rows = json::array();
    for (int r = 0; r < m.rows(); ++r) {
        json row = json::array();
        for (int c = 0; c < m.cols(); ++c) row.push_back(m(r, c));
        rows.push_back(std::move(row));
    }
    return rows;
}

Matrix matrixFromJson(const json& j, const std::string& path) {
    if (!j.is_array() || j.empty() || !j.front().is_array() || j.front().empty())
        fail(path, "expected a non-empty array of rows of numbers");
    const auto rows = static_cast<int>(j.size());
    const auto cols = static_cast<int>(j.front().size());
    Matrix m(rows, cols);
    for (int r = 0; r < rows; ++r) {
        const json& row = j[static_cast<std::size_t>(r)];
        if (!row.is_array() || static_cast<int>(row.size()) != cols)
            fail(path + "[" + std::to_string(r) + "]",
                 "expected " + std::to_string(cols) + " numbers like row 0");
        for (int c = 0; c < cols; ++c) {
            const json& v = row[static_cast<std::size_t>(c)];
            if (!v.is_number() || !std::isfinite(v.get<double>()))
                fail(path + "[" + std::to_string(r) + "][" + std::to_string(c) + "]",
                     "expected a finite number");
            m(r, c) = v.get<double>();
        }
    }
    return m;
}

void checkKeys(const json& j, const std::string& path, std::initializer_list<const char*> allowed) {
    if (!j.is_object()) fail(path, "expected an object");
    for (auto it = j.begin(); it != j.end(); ++it) {
        bool known = false;
        for (const char* a : allowed) known = known || it.key() == a;
        if (known) continue;
        const std::string& key = it.key();
        const bool plain =
            !key.empty() && key.size() <= 60 && std::all_of(key.begin(), key.end(), [](char c) {
                return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
            });
        // A key that is not a plain name ("", "step ", control characters) is quoted; the path stops at
        // its object.
        if (!plain)
            fail(path, "unknown key " +
                           json(key.substr(0, 60)).dump(-1, ' ', false, json::error_handler_t::replace));
        fail(path.empty() ? key : path + "." + key, "unknown key");
    }
}

const json& require(const json& j, const char* key, const std::string& path) {
    if (!j.contains(key)) fail(path.empty() ? key : path + "." + key, "is required");
    return j.at(key);
}

double number(const json& j, const std::string& path) {
    if (!j.is_number() || !std::isfinite(j.get<double>())) fail(path, "expected a finite number");
    return j.get<double>();
}

// An integer in [0, max] without a narrowing conversion (nlohmann holds it as signed or unsigned).
bool integerIn(const json& j, std::uint64_t max) {
    if (j.is_number_unsigned()) return j.get<std::uint64_t>() <= max;
    return j.is_number_integer() && j.get<std::int64_t>() >= 0 &&
           static_cast<std::uint64_t>(j.get<std::int64_t>()) <= max;
}

// Steps beyond the run cap could never be replayed.
std::int64_t stepFromJson(const json& j, const std::string& path) {
    if (!integerIn(j, static_cast<std::uint64_t>(Limits::runStepsMax)))
        fail(path, "expected an integer step in [0, " + std::to_string(Limits::runStepsMax) + "]");
    return j.get<std::int64_t>();
}

// A scenario inside a session: the scenario's own parser and rules, its paths prefixed by where it is.
Scenario scenarioFromJson(const json& j, const std::string& path) {
    try {
        return Scenario::fromJson(j);
    } catch (const ValidationError& e) {
        throw ValidationError(e.path().empty() ? path : path + "." + e.path(),
                              std::string(e.what()).substr(e.path().empty() ? 0 : e.path().size() + 2));
    }
}

json modelToJson(const Model& m) {
    json heads = json::array();
    for (const Head& h : m.heads) {
        json jh{{"M", matrixToJson(h.M)}, {"V", matrixToJson(h.V)}, {"alpha", h.alpha}};
        jh["beta"] = std::isnan(h.beta) ? json(nullptr) : json(h.beta);
        heads.push_back(std::move(jh));
    }
    return json{{"kernel", std::string(toString(m.kernel))},
                {"beta", m.beta},
                {"sigmoidBias", m.sigmoidBias},
                {"geometry", std::string(toString(m.geometry))},
                {"heads", std::move(heads)}};
}

Model modelFromJson(const json& j, const std::string& path) {
    checkKeys(j, path, {"kernel", "beta", "sigmoidBias", "geometry", "heads"});
    Model m;
    const json& kernel = require(j, "kernel", path);
    const auto k = kernel.is_string() ? kernelFromString(kernel.get<std::string>()) : std::nullopt;
    if (!k) {
        std::string names;
        for (auto n : kernelNames()) names += (names.empty() ? "" : ", ") + std::string(n);
        fail(path + ".kernel", "expected one of " + names);
    }
    m.kernel = *k;
    m.beta = number(require(j, "beta", path), path + ".beta");
    if (!(m.beta > 0)) fail(path + ".beta", "must be > 0");
    m.sigmoidBias = number(require(j, "sigmoidBias", path), path + ".sigmoidBias");
    const json& geometry = require(j, "geometry", path);
    const auto g = geometry.is_string() ? geometryFromString(geometry.get<std::string>()) : std::nullopt;
    if (!g) fail(path + ".geometry", "expected sphere or flat");
    m.geometry = *g;
    const json& heads = require(j, "heads", path);
    if (!heads.is_array() || heads.empty()) fail(path + ".heads", "expected a non-empty array");
    for (std::size_t h = 0; h < heads.size(); ++h) {
        const std::string hp = path + ".heads[" + std::to_string(h) + "]";
        checkKeys(heads[h], hp, {"M", "V", "alpha", "beta"});
        Head head;
        head.M = matrixFromJson(require(heads[h], "M", hp), hp + ".M");
        head.V = matrixFromJson(require(heads[h], "V", hp), hp + ".V");
        if (head.M.rows() != head.M.cols() || head.V.rows() != head.M.rows() ||
            head.V.cols() != head.M.cols())
            fail(hp, "M and V must be square and of the same size");
        if (h > 0 && head.M.rows() != m.heads.front().M.rows())
            fail(hp + ".M", "all heads must have the same size d");
        head.alpha = number(require(heads[h], "alpha", hp), hp + ".alpha");
        if (head.alpha < 0) fail(hp + ".alpha", "must be >= 0");
        const json& beta = require(heads[h], "beta", hp);
        if (!beta.is_null()) {
            head.beta = number(beta, hp + ".beta");
            if (!(head.beta > 0)) fail(hp + ".beta", "must be > 0 (or null for the shared beta)");
        }
        m.heads.push_back(std::move(head));
    }
    validateModel(m, path);  // the ranges a scenario file has (beta, alpha, entries, ...)
    return m;
}

json cameraToJson(const SessionCamera& c) {
    return json{{"position", c.position},
                {"focalPoint", c.focalPoint},
                {"viewUp", c.viewUp},
                {"viewAngle", c.viewAngle}};
}

SessionCamera cameraFromJson(const json& j, const std::string& path) {
    checkKeys(j, path, {"position", "focalPoint", "viewUp", "viewAngle"});
    SessionCamera c;
    auto vec3 = [&](const char* key, std::array<double, 3>& out) {
        const json& v = require(j, key, path);
        const std::string p = path + "." + key;
        if (!v.is_array() || v.size() != 3) fail(p, "expected 3 numbers");
        for (std::size_t i = 0; i < 3; ++i) {
            const std::string pi = p + "[" + std::to_string(i) + "]";
            out[i] = number(v[i], pi);
            // The scene is the unit sphere: a camera further out than this sees nothing, and VTK's
            // clipping range degenerates with values near the double range.
            if (std::abs(out[i]) > Limits::entryMax)
                fail(pi, "must be in [-" + std::to_string(static_cast<long long>(Limits::entryMax)) + ", " +
                             std::to_string(static_cast<long long>(Limits::entryMax)) + "], got " +
                             json(out[i]).dump());
        }
    };
    vec3("position", c.position);
    vec3("focalPoint", c.focalPoint);
    vec3("viewUp", c.viewUp);
    if (c.position == c.focalPoint) fail(path + ".position", "must differ from focalPoint");
    if (c.viewUp == std::array<double, 3>{0, 0, 0}) fail(path + ".viewUp", "must not be the zero vector");
    c.viewAngle = number(require(j, "viewAngle", path), path + ".viewAngle");
    if (!(c.viewAngle > 0 && c.viewAngle < 180)) fail(path + ".viewAngle", "must be in (0, 180) degrees");
    return c;
}

std::string kindName(SessionEventKind k) {
    switch (k) {
        case SessionEventKind::Model:
            return "model";
        case SessionEventKind::Positions:
            return "positions";
        case SessionEventKind::Dt:
            return "dt";
        case SessionEventKind::Integrator:
            return "integrator";
        case SessionEventKind::Reset:
            return "reset";
        case SessionEventKind::Camera:
            return "camera";
    }
    return {};
}

}  // namespace

json Session::toJson() const {
    json timelineJson = json::array();
    for (const SessionEvent& e : timeline) {
        json je{{"step", e.step}, {"kind", kindName(e.kind)}};
        switch (e.kind) {
            case SessionEventKind::Model:
                je["model"] = modelToJson(e.model);
                break;
            case SessionEventKind::Positions:
                je["positions"] = matrixToJson(e.positions.transpose());
                break;
            case SessionEventKind::Dt:
                je["dt"] = e.value;
                break;
            case SessionEventKind::Integrator:
                je["integrator"] = std::string(toString(e.integrator));
                break;
            case SessionEventKind::Reset:
                je["scenario"] = e.scenario.toJson();
                break;
            case SessionEventKind::Camera:
                je["camera"] = cameraToJson(e.camera);
                break;
        }
        timelineJson.push_back(std::move(je));
    }
    return json{{"format", kFormat},
                {"version", kVersion},
                {"scenario", scenario.toJson()},
                {"endStep", endStep},
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
    checkKeys(j, "", {"format", "version", "scenario", "endStep", "timeline"});
    const json& format = require(j, "format", "");
    if (!format.is_string() || format.get<std::string>() != kFormat)
        fail("format", std::string("expected \"") + kFormat + "\"");
    const json& version = require(j, "version", "");
    // Compared without a narrowing conversion: 4294967297 is not 1.
    if (!integerIn(version, kVersion) || version.get<std::int64_t>() != kVersion)
        fail("version", "expected " + std::to_string(kVersion) + " (the only version this program reads)");
    Session s;
    s.scenario = scenarioFromJson(require(j, "scenario", ""), "scenario");
    Geometry geometry = s.scenario.geometry;
    s.endStep = stepFromJson(require(j, "endStep", ""), "endStep");
    const json& tl = require(j, "timeline", "");
    if (!tl.is_array()) fail("timeline", "expected an array");
    std::int64_t lastStep = 0;
    int d = s.scenario.d, n = s.scenario.n;
    for (std::size_t i = 0; i < tl.size(); ++i) {
        const std::string p = "timeline[" + std::to_string(i) + "]";
        const json& je = tl[i];
        if (!je.is_object()) fail(p, "expected an object");
        SessionEvent e;
        e.step = stepFromJson(require(je, "step", p), p + ".step");
        const json& kind = require(je, "kind", p);
        const std::string k = kind.is_string() ? kind.get<std::string>() : std::string();
        if (k == "model") {
            checkKeys(je, p, {"step", "kind", "model"});
            e.kind = SessionEventKind::Model;
            e.model = modelFromJson(require(je, "model", p), p + ".model");
            if (e.model.dim() != d)
                fail(p + ".model", "heads must be " + std::to_string(d) + "x" + std::to_string(d));
            geometry = e.model.geometry;
        } else if (k == "positions") {
            checkKeys(je, p, {"step", "kind", "positions"});
            e.kind = SessionEventKind::Positions;
            e.positions = matrixFromJson(require(je, "positions", p), p + ".positions").transpose();
            if (e.positions.rows() != d || e.positions.cols() != n)
                fail(p + ".positions",
                     "expected " + std::to_string(n) + " rows of " + std::to_string(d) + " numbers");
            validatePositions(e.positions, geometry, p + ".positions");
        } else if (k == "dt") {
            checkKeys(je, p, {"step", "kind", "dt"});
            e.kind = SessionEventKind::Dt;
            e.value = number(require(je, "dt", p), p + ".dt");
            validateDt(e.value, p + ".dt");
        } else if (k == "integrator") {
            checkKeys(je, p, {"step", "kind", "integrator"});
            e.kind = SessionEventKind::Integrator;
            const json& v = require(je, "integrator", p);
            const auto ik = v.is_string() ? integratorFromString(v.get<std::string>()) : std::nullopt;
            if (!ik) {
                std::string names;
                for (auto nm : integratorNames()) names += (names.empty() ? "" : ", ") + std::string(nm);
                fail(p + ".integrator", "expected one of " + names);
            }
            e.integrator = *ik;
        } else if (k == "reset") {
            checkKeys(je, p, {"step", "kind", "scenario"});
            e.kind = SessionEventKind::Reset;
            e.scenario = scenarioFromJson(require(je, "scenario", p), p + ".scenario");
            d = e.scenario.d;
            n = e.scenario.n;
            geometry = e.scenario.geometry;
        } else if (k == "camera") {
            checkKeys(je, p, {"step", "kind", "camera"});
            e.kind = SessionEventKind::Camera;
            e.camera = cameraFromJson(require(je, "camera", p), p + ".camera");
        } else {
            fail(p + ".kind", "expected one of model, positions, dt, integrator, reset, camera");
        }
        if (e.step < lastStep)
            fail(p + ".step", "steps must not decrease within a segment (previous event at step " +
                                  std::to_string(lastStep) + ")");
        lastStep = e.kind == SessionEventKind::Reset ? 0 : e.step;
        s.timeline.push_back(std::move(e));
    }
    if (s.endStep < lastStep) fail("endStep", "must be >= the last event's step " + std::to_string(lastStep));
    return s;
}

Session Session::fromFile(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw ValidationError("--session", "cannot open " + path);
    std::stringstream text;
    text << in.rdbuf();
    try {
        return fromJson(parseJsonText(text.str()));
    } catch (const ValidationError& e) {
        throw ValidationError(e.path().empty() ? path : path + ": " + e.path(),
                              std::string(e.what()).substr(e.path().empty() ? 0 : e.path().size() + 2));
    }
}

void Session::save(const std::string& path) const {
    const std::string tmp = path + ".partial-" + std::to_string(::getpid());
    const std::string text = toJson().dump(1) + "\n";
    // stdio rather than a stream: the system's reason (e.g. "No space left on device") reaches the user.
    std::FILE* out = std::fopen(tmp.c_str(), "wb");
    bool ok = out && std::fwrite(text.data(), 1, text.size(), out) == text.size() && std::fflush(out) == 0;
    int error = errno;
    if (out && std::fclose(out) != 0 && ok) {
        ok = false;
        error = errno;
    }
    if (!ok) {
        std::remove(tmp.c_str());
        throw std::runtime_error("cannot write " + path + ": " + std::strerror(error));
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
        error = errno;
        std::remove(tmp.c_str());
        throw std::runtime_error("cannot rename the session file to " + path + ": " + std::strerror(error));
    }
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

void SessionLog::recordModel(std::int64_t step, const Model& model) {
    SessionEvent e;
    e.step = step;
    e.kind = SessionEventKind::Model;
    e.model = model;
    push(std::move(e));
}

void SessionLog::recordPositions(std::int64_t step, const Matrix& positions) {
    SessionEvent e;
    e.step = step;
    e.kind = SessionEventKind::Positions;
    e.positions = positions;
    push(std::move(e));
}

void SessionLog::recordDt(std::int64_t step, double dt) {
    SessionEvent e;
    e.step = step;
    e.kind = SessionEventKind::Dt;
    e.value = dt;
    push(std::move(e));
}

void SessionLog::recordIntegrator(std::int64_t step, IntegratorKind integrator) {
    SessionEvent e;
    e.step = step;
    e.kind = SessionEventKind::Integrator;
    e.integrator = integrator;
    push(std::move(e));
}

void SessionLog::recordReset(std::int64_t step, const Scenario& scenario) {
    SessionEvent e;
    e.step = step;
    e.kind = SessionEventKind::Reset;
    e.scenario = scenario;
    push(std::move(e));
}

void SessionLog::recordCamera(std::int64_t step, const SessionCamera& camera) {
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
                    m_sim->setPositions(e.positions);
                    break;
                case SessionEventKind::Dt:
                    m_sim->setDt(e.value);
                    break;
                case SessionEventKind::Integrator:
                    m_sim->setIntegrator(e.integrator);
                    break;
                case SessionEventKind::Camera:
                case SessionEventKind::Reset:
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

std::optional<SessionCamera> SessionPlayer::camera() const {
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
    const SessionCamera& a = tl[*last].camera;
    if (!next || *last < m_segmentBegin) return a;
    const SessionCamera& b = tl[*next].camera;
    const double f =
        static_cast<double>(s - tl[*last].step) / static_cast<double>(tl[*next].step - tl[*last].step);
    SessionCamera c;
    for (int i = 0; i < 3; ++i) {
        c.position[i] = a.position[i] + f * (b.position[i] - a.position[i]);
        c.focalPoint[i] = a.focalPoint[i] + f * (b.focalPoint[i] - a.focalPoint[i]);
        c.viewUp[i] = a.viewUp[i] + f * (b.viewUp[i] - a.viewUp[i]);
    }
    c.viewAngle = a.viewAngle + f * (b.viewAngle - a.viewAngle);
    return c;
}

}  // namespace attnsphere::core
