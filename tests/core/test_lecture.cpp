// Lecture files: every validation error path, changes applied in order, round trip, the built-in lecture
// and caption text.
#include "core/Errors.h"
#include "core/Lecture.h"

#include <QTemporaryDir>
#include <QtTest>

#include <nlohmann/json.hpp>

#include <fstream>

using namespace attnsphere::core;
using nlohmann::json;

namespace {

// Ids as the render layer's registry names them (core cannot ask it; render.test_lecture uses the real one).
const std::vector<std::string> kPanels{"energy", "entropy", "clustering", "shadows", "heatmap"};
const std::vector<std::string> kOverlays{"t", "beta", "n", "d", "H", "kernel", "title"};

const std::string kScenario = R"({"n": 8, "d": 3, "seed": 2, "t_end": 4})";

// A lecture file with `steps` (JSON array text).
std::string file(const std::string& steps) {
    return R"({"format": "attnsphere-lecture", "version": 1, "title": "l", "steps": )" + steps + "}";
}
// One step on the small scenario with extra `fields` (JSON object members, without braces).
std::string step(const std::string& fields) {
    return file(R"([{"scenario": )" + kScenario + (fields.empty() ? "" : ", " + fields) + "}]");
}

Lecture parse(const std::string& text) {
    return Lecture::fromJsonText(text, kPanels, kOverlays);
}

}  // namespace

class TestLecture : public QObject {
    Q_OBJECT

private slots:
    void validationErrors_data();
    void validationErrors();
    void changesApplyInOrderOfTime();
    void renderDurationDefaults();
    void runAppliesChangesAtTheirTimes();
    void runLoopsBackToTheLoopStart();
    void roundTripThroughAFile();
    void builtinLectureLoads();
    void loadLectureNamesTheBuiltins();
    void captionTextReplacesTexNames();
    void documentationExampleLoads();
};

void TestLecture::validationErrors_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QString>("expected");

    auto row = [](const char* name, const std::string& text, const char* path, const char* expected) {
        QTest::newRow(name) << QString::fromStdString(text) << path << expected;
    };
    row("not an object", "[1]", "", "must be a JSON object");
    row("unknown top key", R"({"format": "attnsphere-lecture", "version": 1, "steps": [], "x": 1})", "x",
        "unknown key");
    row("format missing", R"({"version": 1, "steps": []})", "format", "required");
    row("format wrong", R"({"format": "attnsphere-scenario", "version": 1, "steps": []})", "format",
        "\"attnsphere-lecture\"");
    row("version wrong", R"({"format": "attnsphere-lecture", "version": 2, "steps": []})", "version",
        "must be 1");
    row("version not integer", R"({"format": "attnsphere-lecture", "version": 1.5, "steps": []})", "version",
        "integer");
    row("title not string", R"({"format": "attnsphere-lecture", "version": 1, "title": 3, "steps": []})",
        "title", "string");
    row("title empty", R"({"format": "attnsphere-lecture", "version": 1, "title": "", "steps": []})", "title",
        "must not be empty");
    row("title too long",
        R"({"format": "attnsphere-lecture", "version": 1, "title": ")" + std::string(121, 'a') +
            R"(", "steps": []})",
        "title", "at most 120");
    row("theme unknown", R"({"format": "attnsphere-lecture", "version": 1, "theme": "blue", "steps": []})",
        "theme", "\"dark\", \"light\"");
    row("presentation not bool",
        R"({"format": "attnsphere-lecture", "version": 1, "presentation": 1, "steps": []})", "presentation",
        "true or false");
    row("steps missing", R"({"format": "attnsphere-lecture", "version": 1})", "steps", "required");
    row("steps not array", file("{}"), "steps", "must be an array of 1 to 200");
    row("steps empty", file("[]"), "steps", "must have 1 to 200 steps, got 0");
    std::string many = "[";
    for (int i = 0; i <= Lecture::stepsMax; ++i)
        many += std::string(i ? "," : "") + R"({"scenario": "default"})";
    row("steps too many", file(many + "]"), "steps", "must have 1 to 200 steps, got 201");
    row("step not object", file("[3]"), "steps[0]", "must be a JSON object");
    row("step unknown key", step(R"("colour": 1)"), "steps[0].colour", "unknown key");
    row("scenario missing", file("[{}]"), "steps[0].scenario", "required");
    row("scenario unknown preset", file(R"([{"scenario": "nope"}])"), "steps[0].scenario",
        "must be a preset name (");
    row("scenario wrong type", file(R"([{"scenario": 4}])"), "steps[0].scenario",
        "must be a preset name or a scenario object");
    row("scenario field", file(R"([{"scenario": {"n": 1}}])"), "steps[0].scenario.n", "[2, 20000]");
    row("scenario too long a run", file(R"([{"scenario": {"t_end": 1000000, "integrator": {"dt": 1e-6}}}])"),
        "steps[0].scenario.t_end", "steps");
    row("caption not object", step(R"("caption": "x")"), "steps[0].caption", "must be a JSON object");
    row("caption unknown key", step(R"("caption": {"subtitle": "x"})"), "steps[0].caption.subtitle",
        "unknown key");
    row("caption title type", step(R"("caption": {"title": 1})"), "steps[0].caption.title", "string");
    row("caption title long", step(R"("caption": {"title": ")" + std::string(121, 'x') + "\"}"),
        "steps[0].caption.title", "at most 120");
    row("caption lines type", step(R"("caption": {"lines": "x"})"), "steps[0].caption.lines",
        "at most 2 strings");
    row("caption three lines", step(R"("caption": {"lines": ["a", "b", "c"]})"), "steps[0].caption.lines",
        "at most 2 strings");
    row("caption line type", step(R"("caption": {"lines": ["a", 2]})"), "steps[0].caption.lines[1]",
        "string");
    row("caption line long", step(R"("caption": {"lines": [")" + std::string(201, 'x') + "\"]}"),
        "steps[0].caption.lines[0]", "at most 200");
    std::string greek;
    for (int i = 0; i < 121; ++i) greek += "β";
    row("caption title long in characters", step(R"("caption": {"title": ")" + greek + "\"}"),
        "steps[0].caption.title", "at most 120 characters, got 121");
    row("caption formula long", step(R"("caption": {"formula": ")" + std::string(201, 'x') + "\"}"),
        "steps[0].caption.formula", "at most 200");
    const std::string cam = R"("camera": {"position": [0, 0, 4], "focal_point": [0, 0, 0], )";
    row("camera unknown key", step(cam + R"("view_up": [0, 1, 0], "view_angle": 30, "roll": 1})"),
        "steps[0].camera.roll", "unknown key");
    row("camera missing field", step(cam + R"("view_up": [0, 1, 0]})"), "steps[0].camera.view_angle",
        "required");
    row("camera position short", step(R"("camera": {"position": [0, 4], "focal_point": [0, 0, 0],
        "view_up": [0, 1, 0], "view_angle": 30})"),
        "steps[0].camera.position", "3 numbers");
    row("camera position huge", step(R"("camera": {"position": [0, 0, 1e7], "focal_point": [0, 0, 0],
        "view_up": [0, 1, 0], "view_angle": 30})"),
        "steps[0].camera.position[2]", "[-1000000, 1000000]");
    row("camera same point", step(R"("camera": {"position": [0, 0, 0], "focal_point": [0, 0, 0],
        "view_up": [0, 1, 0], "view_angle": 30})"),
        "steps[0].camera.position", "must differ");
    row("camera zero up", step(cam + R"("view_up": [0, 0, 0], "view_angle": 30})"), "steps[0].camera.view_up",
        "zero vector");
    row("camera up parallel", step(cam + R"("view_up": [0, 0, 2], "view_angle": 30})"),
        "steps[0].camera.view_up", "parallel to the view direction");
    row("camera angle", step(cam + R"("view_up": [0, 1, 0], "view_angle": 180})"),
        "steps[0].camera.view_angle", "(0, 180)");
    row("speed type", step(R"("speed": "fast")"), "steps[0].speed", "number");
    row("speed negative", step(R"("speed": -1)"), "steps[0].speed", "[0, 1000]");
    row("speed huge", step(R"("speed": 1001)"), "steps[0].speed", "[0, 1000]");
    row("panels type", step(R"("panels": "energy")"), "steps[0].panels", "array of panel ids");
    row("panel unknown", step(R"("panels": ["energy", "movie"])"), "steps[0].panels[1]",
        "\"energy\", \"entropy\", \"clustering\", \"shadows\", \"heatmap\"");
    row("panel twice", step(R"("panels": ["energy", "energy"])"), "steps[0].panels[1]", "listed twice");
    row("panel id type", step(R"("panels": [1])"), "steps[0].panels[0]", "string");
    row("overlay unknown", step(R"("overlays": ["clock"])"), "steps[0].overlays[0]", "\"t\", \"beta\"");
    row("overlays type", step(R"("overlays": {})"), "steps[0].overlays", "array of overlay ids");
    row("play type", step(R"("play": "yes")"), "steps[0].play", "true or false");
    row("pause_at zero", step(R"("pause_at": 0)"), "steps[0].pause_at", "(0, 4]");
    row("pause_at past end", step(R"("pause_at": 5)"), "steps[0].pause_at", "(0, 4]");
    row("loop type", step(R"("loop": [0, 1])"), "steps[0].loop", "must be a JSON object");
    row("loop unknown key", step(R"("loop": {"from": 0, "to": 1, "times": 2})"), "steps[0].loop.times",
        "unknown key");
    row("loop from missing", step(R"("loop": {"to": 1})"), "steps[0].loop.from", "required");
    row("loop from negative", step(R"("loop": {"from": -1, "to": 1})"), "steps[0].loop.from", "[0, 4]");
    row("loop to past end", step(R"("loop": {"from": 0, "to": 9})"), "steps[0].loop.to", "[0, 4]");
    row("loop backwards", step(R"("loop": {"from": 2, "to": 1})"), "steps[0].loop.to",
        "must be greater than from = 2");
    row("changes type", step(R"("changes": {"at": 1})"), "steps[0].changes", "array of at most 100");
    row("change not object", step(R"("changes": [1])"), "steps[0].changes[0]", "must be a JSON object");
    row("change unknown key", step(R"("changes": [{"at": 1, "set": {}, "to": 2}])"), "steps[0].changes[0].to",
        "unknown key");
    row("change at missing", step(R"("changes": [{"set": {}}])"), "steps[0].changes[0].at", "required");
    row("change set missing", step(R"("changes": [{"at": 1}])"), "steps[0].changes[0].set", "required");
    row("change at past end", step(R"("changes": [{"at": 4.5, "set": {}}])"), "steps[0].changes[0].at",
        "[0, 4]");
    row("change set type", step(R"("changes": [{"at": 1, "set": 3}])"), "steps[0].changes[0].set",
        "must be a JSON object");
    row("change kernel", step(R"("changes": [{"at": 1, "set": {"kernel": "tanh"}}])"),
        "steps[0].changes[0].set.kernel", "must be one of");
    row("change n", step(R"("changes": [{"at": 1, "set": {"n": 9}}])"), "steps[0].changes[0].set.n",
        "must equal the base's n = 8");
    row("change d", step(R"("changes": [{"at": 1, "set": {"d": 4}}])"), "steps[0].changes[0].set.d",
        "must equal the base's d = 3");
    row("change init", step(R"("changes": [{"at": 1, "set": {"init": {"kind": "uniform"}}}])"),
        "steps[0].changes[0].set.init", "not allowed");
    row("change t_end", step(R"("changes": [{"at": 1, "set": {"t_end": 9}}])"),
        "steps[0].changes[0].set.t_end", "not allowed");
    row("change format", step(R"("changes": [{"at": 1, "set": {"format": "x"}}])"),
        "steps[0].changes[0].set.format", "not allowed");
    row("second change bad", step(R"("changes": [{"at": 2, "set": {"beta": 0}}, {"at": 1, "set": {}}])"),
        "steps[0].changes[0].set.beta", "(0, 1000]");
    row("duration zero", step(R"("duration": 0)"), "steps[0].duration", "(0, 4]");
    row("duration past end", step(R"("duration": 4.5)"), "steps[0].duration", "(0, 4]");
    row("duration NaN text", step(R"("duration": NaN)"), "", "invalid JSON");
    row("second step bad", file(R"([{"scenario": "default"}, {"scenario": "default", "speed": -2}])"),
        "steps[1].speed", "[0, 1000]");
    std::string deep(Limits::jsonDepthMax + 1, '[');
    row("too deep", step(R"("caption": )" + deep + std::string(Limits::jsonDepthMax + 1, ']')), "",
        "nested deeper than 64");
    row("number beyond double", step(R"("speed": 1e400)"), "", "range of a double");
}

void TestLecture::validationErrors() {
    QFETCH(QString, text);
    QFETCH(QString, path);
    QFETCH(QString, expected);
    try {
        parse(text.toStdString());
        QFAIL("no error");
    } catch (const ValidationError& e) {
        QCOMPARE(QString::fromStdString(e.path()), path);
        if (!QString::fromUtf8(e.what()).contains(expected))
            QFAIL(qPrintable(QString("message '%1' lacks '%2'").arg(e.what(), expected)));
    }
}

void TestLecture::changesApplyInOrderOfTime() {
    // Written out of order: sorted by time, and each patches what the earlier ones left.
    const Lecture l = parse(step(
        R"("changes": [{"at": 3, "set": {"beta": 5}}, {"at": 1, "set": {"kernel": "relu", "beta": 2}}])"));
    const LectureStep& s = l.steps.at(0);
    QCOMPARE(s.changes.size(), std::size_t(2));
    QCOMPARE(s.changes[0].at, 1.0);
    QVERIFY(s.changes[0].scenario.kernel == KernelKind::ReluNormalised);
    QCOMPARE(s.changes[0].scenario.beta, 2.0);
    QCOMPARE(s.changes[1].at, 3.0);
    QVERIFY(s.changes[1].scenario.kernel == KernelKind::ReluNormalised);
    QCOMPARE(s.changes[1].scenario.beta, 5.0);
    QVERIFY(s.scenario.kernel == KernelKind::Softmax);
    QCOMPARE(s.changes[1].scenario.n, s.scenario.n);
}

void TestLecture::renderDurationDefaults() {
    QCOMPARE(parse(step("")).steps[0].renderDuration(), 4.0);
    QCOMPARE(parse(step(R"("loop": {"from": 1, "to": 3})")).steps[0].renderDuration(), 3.0);
    QCOMPARE(parse(step(R"("loop": {"from": 1, "to": 3}, "pause_at": 2.5)")).steps[0].renderDuration(), 2.5);
    QCOMPARE(parse(step(R"("pause_at": 2.5, "duration": 1.5)")).steps[0].renderDuration(), 1.5);
}

void TestLecture::runAppliesChangesAtTheirTimes() {
    const Lecture l = parse(step(R"("changes": [{"at": 1, "set": {"kernel": "relu", "beta": 2}}])"));
    LectureRun run(l.steps[0]);
    QVERIFY(run.simulation().model().kernel == KernelKind::Softmax);
    run.advanceTo(0.9);
    QVERIFY(run.simulation().model().kernel == KernelKind::Softmax);
    const Matrix atChange = [&] {
        run.advanceTo(1.0);
        return run.simulation().positions();
    }();
    QVERIFY(run.simulation().model().kernel == KernelKind::ReluNormalised);
    QCOMPARE(run.simulation().model().beta, 2.0);
    run.advanceTo(2.0);
    QCOMPARE(run.clock(), run.simulation().time());
    QVERIFY(std::abs(run.clock() - 2.0) < 1e-9);
    // The same as a run to t = 1 under the scenario, then on under the changed one from its state.
    Simulation reference(l.steps[0].scenario);
    reference.stepUntil(1.0 - 1e-9);
    QCOMPARE(reference.positions(), atChange);
    reference.setModel(l.steps[0].changes[0].scenario.buildModel());
    while (reference.time() < 2.0 - 0.5 * reference.dt()) reference.step();
    QCOMPARE(reference.positions(), run.simulation().positions());
}

void TestLecture::runLoopsBackToTheLoopStart() {
    const Lecture l =
        parse(step(R"("loop": {"from": 1, "to": 2}, "changes": [{"at": 1.5, "set": {"beta": 4}}])"));
    LectureRun run(l.steps[0]);
    run.advanceTo(1.0);
    const Matrix atFrom = run.simulation().positions();
    run.advanceTo(1.8);
    QCOMPARE(run.simulation().model().beta, 4.0);
    // At the loop's end the run is back where it was at its start, with the model it had then.
    run.advanceTo(2.0);
    QVERIFY(std::abs(run.simulation().time() - 1.0) < 1e-9);
    QCOMPARE(run.simulation().positions(), atFrom);
    QCOMPARE(run.simulation().model().beta, 1.0);
    run.advanceTo(2.8);
    QCOMPARE(run.simulation().model().beta, 4.0);
    QVERIFY(std::abs(run.clock() - 2.8) < 1e-9);
    QVERIFY(std::abs(run.simulation().time() - 1.8) < 1e-9);
}

void TestLecture::roundTripThroughAFile() {
    const std::string text = file(R"([
        {"scenario": "default", "caption": {"title": "One", "lines": ["a \\beta", "x_i"], "formula": "E"},
         "camera": {"position": [1, 2, 3], "focal_point": [0, 0, 0.5], "view_up": [0, 0, 1], "view_angle": 25},
         "speed": 0.5, "panels": ["entropy", "energy"], "overlays": ["t"], "play": false, "pause_at": 3,
         "loop": {"from": 1, "to": 2}, "changes": [{"at": 2, "set": {"kernel": "relu"}}], "duration": 4},
        {"scenario": {"n": 8, "d": 2, "seed": 3}}])");
    Lecture l = parse(text);
    l.theme = LectureTheme::Light;
    l.presentation = false;
    QTemporaryDir dir;
    const std::string path = dir.filePath("l.json").toStdString();
    l.save(path);
    const Lecture back = Lecture::fromFile(path, kPanels, kOverlays);
    QCOMPARE(back.toJson(), l.toJson());
    QVERIFY(back.theme == LectureTheme::Light);
    QVERIFY(!back.presentation);
    const LectureStep& s = back.steps[0];
    QCOMPARE(s.caption.lines.size(), std::size_t(2));
    QCOMPARE(s.camera->viewAngle, 25.0);
    QCOMPARE(s.camera->focalPoint[2], 0.5);
    QCOMPARE(s.panels, (std::vector<std::string>{"entropy", "energy"}));
    QVERIFY(!s.play);
    QCOMPARE(s.loop->second, 2.0);
    QVERIFY(s.changes.at(0).scenario.kernel == KernelKind::ReluNormalised);
    QCOMPARE(back.steps[1].scenario.d, 2);
    QVERIFY(!back.steps[1].camera);
    // A file error names the file and the path.
    std::ofstream(path) << step(R"("speed": -1)");
    try {
        Lecture::fromFile(path, kPanels, kOverlays);
        QFAIL("no error");
    } catch (const ValidationError& e) {
        QVERIFY(QString::fromUtf8(e.what()).startsWith(QString::fromStdString(path + ": steps[0].speed")));
    }
}

void TestLecture::builtinLectureLoads() {
    const auto& all = builtinLectures();
    QVERIFY(!all.empty());
    QCOMPARE(all.front().id, std::string_view("attention-as-particles"));
    QCOMPARE(all.front().title, std::string_view("Attention as particles"));
    QCOMPARE(findBuiltinLecture(kBuiltinLectureAlias), &all.front());
    QVERIFY(findBuiltinLecture("nope") == nullptr);
    const Lecture l = loadLecture("builtin", kPanels, kOverlays);
    QCOMPARE(l.title, std::string("Attention as particles"));
    QVERIFY(l.steps.size() >= 7);
    for (const LectureStep& s : l.steps) {
        QVERIFY(!s.caption.title.empty());
        QVERIFY(!s.caption.lines.empty());
        // Each caption cites its paper: the preset's citation names its first author.
        const std::string author = s.scenario.citation.substr(0, s.scenario.citation.find_first_of(" ,"));
        const std::string all2 = s.caption.lines.back();
        QVERIFY2(all2.find(author) != std::string::npos, all2.c_str());
        QVERIFY(s.renderDuration() > 0);
    }
}

void TestLecture::loadLectureNamesTheBuiltins() {
    try {
        loadLecture("no-such-lecture", kPanels, kOverlays);
        QFAIL("no error");
    } catch (const ValidationError& e) {
        QVERIFY(QString::fromUtf8(e.what()).contains("builtin, attention-as-particles"));
    }
}

void TestLecture::captionTextReplacesTexNames() {
    QCOMPARE(captionText("\\beta = 4, \\rho_0"), std::string("β = 4, ρ_0"));
    QCOMPARE(captionText("\\sum_j A_{ij} \\le \\log n"), std::string("∑_j A_{ij} ≤ log n"));
    // Longest name wins: \in is not the start of \infty, \le not of \leq.
    QCOMPARE(captionText("t \\to \\infty, x \\in S, a \\leq b"), std::string("t → ∞, x ∈ S, a ≤ b"));
    QCOMPARE(captionText("\\Sigma \\alpha\\omega \\approx \\sqrt{2} \\cdot 3"),
             std::string("Σ αω ≈ √{2} · 3"));
    QCOMPARE(captionText("\\unknown \\_ \\"), std::string("\\unknown \\_ \\"));
    QCOMPARE(captionText("plain"), std::string("plain"));
}

void TestLecture::documentationExampleLoads() {
    // Every ```json block of doc/LECTURES.md is a valid lecture.
    std::ifstream in(ATTNSPHERE_SOURCE_DIR "/doc/LECTURES.md");
    QVERIFY(in.good());
    const std::string doc((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    int examples = 0;
    for (std::size_t pos = doc.find("```json\n"); pos != std::string::npos;
         pos = doc.find("```json\n", pos)) {
        pos += 8;
        const std::size_t end = doc.find("```", pos);
        QVERIFY(end != std::string::npos);
        const Lecture l = parse(doc.substr(pos, end - pos));
        QVERIFY(!l.steps.empty());
        ++examples;
        pos = end + 3;
    }
    QVERIFY(examples >= 1);
}

QTEST_GUILESS_MAIN(TestLecture)
#include "test_lecture.moc"
