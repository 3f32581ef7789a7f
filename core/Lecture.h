#pragma once
// A lecture: an ordered list of steps, each a run of one scenario (a preset or an embedded scenario) shown
// a chosen way (caption, camera, speed, panels, overlays) with scripted moments (pause at a time, loop a
// segment, change a parameter at a time). doc/LECTURES.md documents the file. Plain data, no Qt.
#include "core/Camera.h"
#include "core/Scenario.h"
#include "core/Simulation.h"

#include <nlohmann/json.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace attnsphere::core {

enum class LectureTheme { Dark, Light };
template <>
std::span<const NameEntry<LectureTheme>> nameTable<LectureTheme>();

// The text over the view: a title and at most two lines. Simple math is written as TeX-like names
// (\beta, \rho, \sum, x^2, x_i); captionText turns them into what the screen shows.
struct LectureCaption {
    static constexpr int linesMax = 2;
    std::string title;
    std::vector<std::string> lines;
    std::string formula;  // the optional formula strip for the quantity on screen ("" = none)
};

// "at t = 3 set kernel to relu": a JSON merge patch of the step's scenario, applied when the run reaches
// simulated time `at` (the run forks there: it continues from its state under the changed model).
// In the file: {"at": 3, "set": {"kernel": "relu"}}. Changes of a step apply one after the other (each
// patches the scenario the previous ones left); n, d, init and t_end cannot change.
struct LectureChange {
    double at = 0;
    nlohmann::json changes = nlohmann::json::object();
    Scenario scenario;  // the step's scenario after this change and the earlier ones
};

struct LectureStep {
    // The step's scenario as written: a preset name (string) or a scenario object; `scenario` is it
    // resolved.
    nlohmann::json source;
    Scenario scenario;
    LectureCaption caption;
    std::optional<Camera> camera;       // none: the view's default camera
    double speed = 0;                   // simulated time per second of playback; 0: the scenario's own
    std::vector<std::string> panels;    // panel ids shown, in order (empty: the view alone)
    std::vector<std::string> overlays;  // burned-in/over-the-view text items (t, beta, ...)
    bool play = true;                   // starts playing when the step is entered
    std::optional<double> pauseAt;      // pauses when the run reaches this simulated time
    std::optional<std::pair<double, double>> loop;  // [from, to): at `to`, back to the state at `from`
    std::vector<LectureChange> changes;             // sorted by `at`
    // How much simulated time `render --lecture` shows of this step: default pauseAt, else loop's
    // end, else the scenario's t_end.
    std::optional<double> duration;
    double renderDuration() const;
};

struct Lecture {
    static constexpr int stepsMax = 200;
    std::string title = "lecture";
    LectureTheme theme = LectureTheme::Dark;
    bool presentation = true;  // presentation display (large text, thick lines) on entering
    std::vector<LectureStep> steps;

    // Throws ValidationError naming the JSON path ("steps[2].pause_at") and the allowed values or range.
    // `panelIds` and `overlayNames` are the ids the app knows (the render layer's registry); an id not in
    // them is refused by name.
    static Lecture fromJson(const nlohmann::json& j, const std::vector<std::string>& panelIds,
                            const std::vector<std::string>& overlayNames);
    static Lecture fromJsonText(const std::string& text, const std::vector<std::string>& panelIds,
                                const std::vector<std::string>& overlayNames);
    static Lecture fromFile(const std::string& path, const std::vector<std::string>& panelIds,
                            const std::vector<std::string>& overlayNames);
    nlohmann::json toJson() const;
    void save(const std::string& path) const;  // whole or not at all (writeTextFile)
};

// A step's run as the lecture scripts it: its scenario from t = 0, each change applied when the run
// reaches its time (the state goes on under the changed model), and at the loop's end back to the state
// it had at the loop's start. The clock counts the simulated time shown, so it keeps growing through
// loops; pausing is the caller's. Not thread-safe.
class LectureRun {
public:
    explicit LectureRun(const LectureStep& step);
    Simulation& simulation() { return *m_sim; }
    const Simulation& simulation() const { return *m_sim; }
    double clock() const { return m_offset + m_sim->time(); }
    // Steps until the clock reaches `clock` (within half a step); changes and the loop apply on the way.
    // Throws what Simulation::step throws.
    void advanceTo(double clock);

private:
    struct Saved {
        Matrix positions;
        Vector radii;
        double t = 0, dt = 0, stepDt = 0;
        std::int64_t step = 0;
        Model model;
        IntegratorKind integrator = IntegratorKind::RK4;
        std::size_t nextChange = 0;
    };
    double slack() const;
    void applyDueChanges();
    void stepTo(double t);

    LectureStep m_step;
    std::unique_ptr<Simulation> m_sim;
    std::size_t m_nextChange = 0;
    double m_offset = 0;
    std::optional<Saved> m_loopStart;
};

// Built-in lectures, embedded at build time ("attention-as-particles" is the first; `builtin` names it).
struct BuiltinLecture {
    std::string_view id;
    std::string_view title;
    std::string_view json;
};
const std::vector<BuiltinLecture>& builtinLectures();
inline constexpr const char* kBuiltinLectureAlias = "builtin";
// A built-in lecture by id (or the alias); nullptr if there is none.
const BuiltinLecture* findBuiltinLecture(std::string_view id);
// A lecture file, or a built-in lecture's id (or `builtin`). Errors as fromJson; an unknown name lists
// the built-in ids.
Lecture loadLecture(const std::string& fileOrId, const std::vector<std::string>& panelIds,
                    const std::vector<std::string>& overlayNames);

// The caption's text with TeX-like names replaced by Unicode (\beta -> β, \rho -> ρ, \sum -> ∑, ...);
// sub- and superscripts are left as _ and ^ for the painter to lower and raise.
std::string captionText(std::string_view tex);

}  // namespace attnsphere::core
