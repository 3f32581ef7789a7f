// Lectures in pictures: the caption's markup and its size at 1080 lines, the built-in lecture against the
// real panel registry, `attnsphere lectures` and `render --lecture` end to end (frame count by ffprobe,
// stills with their caption burned in, a bad lecture refused with its path).
#include "core/Errors.h"
#include "core/Lecture.h"
#include "render/Caption.h"
#include "render/FrameComposer.h"
#include "render/PanelRegistry.h"
#include "render/Theme.h"

#include <QApplication>
#include <QDir>
#include <QFile>
#include <QPainter>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

using namespace attnsphere;

namespace {

std::vector<std::string> registryPanels() {
    std::vector<std::string> out;
    for (const QString& id : render::panelIds()) out.push_back(id.toStdString());
    return out;
}

std::vector<std::string> registryOverlays() {
    std::vector<std::string> out;
    for (const QString& id : render::FrameComposer::overlayNames()) out.push_back(id.toStdString());
    return out;
}

// The rows and columns holding pixels that differ from the image's top-left pixel.
QRect inkBounds(const QImage& image, QRect area) {
    const QRgb background = image.pixel(area.topLeft());
    QRect bounds;
    for (int y = area.top(); y <= area.bottom(); ++y)
        for (int x = area.left(); x <= area.right(); ++x)
            if (image.pixel(x, y) != background) bounds |= QRect(x, y, 1, 1);
    return bounds;
}

struct Run {
    int code = -1;
    QString out, err;
};

Run runExe(const QStringList& args) {
    QProcess p;
    p.start(ATTNSPHERE_EXE, args);
    p.waitForFinished(300000);
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1,
            QString::fromUtf8(p.readAllStandardOutput()), QString::fromUtf8(p.readAllStandardError())};
}

int probedFrames(const QString& file) {
    QProcess p;
    p.start("ffprobe", {"-v", "error", "-select_streams", "v:0", "-count_frames", "-show_entries",
                        "stream=nb_read_frames", "-of", "default=noprint_wrappers=1:nokey=1", file});
    p.waitForFinished(120000);
    return QString::fromUtf8(p.readAllStandardOutput()).trimmed().toInt();
}

// Two tiny steps: 1 s of simulated time at speed 1 (11 frames at 10 fps), then 0.5 s at speed 0.25
// (21 frames), the second with a kernel change, its own panels, overlays and camera.
const char* kTinyLecture = R"({"format": "attnsphere-lecture", "version": 1, "title": "tiny", "steps": [
    {"scenario": {"n": 12, "d": 3, "seed": 2, "t_end": 1}, "speed": 1, "panels": ["energy"],
     "caption": {"title": "First step", "lines": ["x_i on S^2, \\beta = 1"], "formula": "E = \\sum_h E_h"}},
    {"scenario": {"n": 12, "d": 2, "seed": 3, "t_end": 2}, "speed": 0.25, "duration": 0.5, "overlays": ["t"],
     "camera": {"position": [0, 0, 5], "focal_point": [0, 0, 0], "view_up": [0, 1, 0], "view_angle": 30},
     "changes": [{"at": 0.2, "set": {"kernel": "relu"}}], "caption": {"title": "Second step"}}]})";

}  // namespace

class TestLecture : public QObject {
    Q_OBJECT

private slots:
    void captionMarkup();
    void captionTextIsLegibleAt1080Lines();
    void captionBoxAndStripAreDrawn();
    void builtinLectureMatchesTheRegistry();
    void lecturesCommandListsAndChecks();
    void renderLectureMakesOneVideoAndStills();
    void renderLectureRefusesABadLecture();
};

void TestLecture::captionMarkup() {
    QCOMPARE(render::captionHtml("x_i^2"), QStringLiteral("x<sub>i</sub><sup>2</sup>"));
    QCOMPARE(render::captionHtml("\\sum_{j} A_{ij} < e^{\\beta x}"),
             QStringLiteral("∑<sub>j</sub> A<sub>ij</sub> &lt; e<sup>β x</sup>"));
    QCOMPARE(render::captionHtml("\\sqrt{2} & a\\_b"), QStringLiteral("√2 &amp; a_b"));
    QCOMPARE(render::captionHtml("\\rho_0 = 0.001}"), QStringLiteral("ρ<sub>0</sub> = 0.001"));
    QCOMPARE(render::captionHtml("a_"), QStringLiteral("a_"));
}

void TestLecture::captionTextIsLegibleAt1080Lines() {
    // A capital H of a caption line and of the title, drawn at pixelScale 1 (a 1080-line picture).
    core::LectureCaption caption;
    caption.lines = {"H"};
    const QImage line = render::renderCaptionImage(caption, 1000, 1.0, Qt::black, Qt::white);
    QVERIFY(!line.isNull());
    const QRect h = inkBounds(line, line.rect().adjusted(4, 4, -4, -4));
    QVERIFY2(h.height() >= 24, qPrintable(QString("line capital %1 px tall").arg(h.height())));
    caption = {"H", {}, ""};
    const QImage title = render::renderCaptionImage(caption, 1000, 1.0, Qt::black, Qt::white);
    const QRect th = inkBounds(title, title.rect().adjusted(4, 4, -4, -4));
    QVERIFY(th.height() > h.height());
    // At half the scale, half the size (a 540-line picture).
    caption.title.clear();
    caption.lines = {"H"};
    const QImage half = render::renderCaptionImage(caption, 1000, 0.5, Qt::black, Qt::white);
    QVERIFY(std::abs(inkBounds(half, half.rect().adjusted(2, 2, -2, -2)).height() - h.height() / 2) <= 2);
    // Nothing to show, no image.
    QVERIFY(render::renderCaptionImage({}, 1000, 1.0, Qt::black, Qt::white).isNull());
    QVERIFY(render::renderFormulaImage(caption, 1000, 1.0, Qt::black, Qt::white).isNull());
}

void TestLecture::captionBoxAndStripAreDrawn() {
    core::LectureCaption caption{
        "Tokens cluster", {"x_i moves towards x_j", "second line"}, "E = \\sum_h E_h"};
    QImage frame(1920, 1080, QImage::Format_ARGB32_Premultiplied);
    frame.fill(QColor(40, 80, 40));
    const QImage before = frame.copy();
    const render::CaptionColours colours = render::captionColours(core::LectureTheme::Dark);
    {
        QPainter p(&frame);
        render::paintCaption(p, frame.rect(), caption, 1.0, colours.background, colours.text);
    }
    // The strip along the bottom, the box at the bottom left above it; the top and the right untouched.
    const QImage box = render::renderCaptionImage(caption, 1920 * 3 / 4, 1.0, Qt::black, Qt::white);
    QVERIFY(box.width() < 1920 * 3 / 4 && box.height() > 3 * 34);
    const QImage strip = render::renderFormulaImage(caption, 1920, 1.0, Qt::black, Qt::white);
    QVERIFY(frame.pixel(960, 1075) != before.pixel(960, 1075));
    QVERIFY(frame.pixel(40, 1080 - strip.height() - 40) != before.pixel(40, 1080 - strip.height() - 40));
    QVERIFY(frame.pixel(1900, 540) == before.pixel(1900, 540));
    const QRect ink = inkBounds(frame, QRect(0, 0, 1920, 1080 - strip.height()));
    QVERIFY(ink.right() < 1920 * 3 / 4 + 20);
    QVERIFY(ink.top() > 1080 - strip.height() - box.height() - 40);
    // The cover height reaches the top of what was drawn (the projection label goes above it); a
    // caption with a formula only covers the strip, none covers nothing.
    const int cover = render::captionCoverHeight(frame.rect(), caption, 1.0);
    QVERIFY2(cover >= 1080 - ink.top() && cover < 1080 - ink.top() + 20, qPrintable(QString::number(cover)));
    QCOMPARE(
        render::captionCoverHeight(frame.rect(), core::LectureCaption{"", {}, "E = 1"}, 1.0),
        render::renderFormulaImage(core::LectureCaption{"", {}, "E = 1"}, 1920, 1.0, Qt::black, Qt::white)
            .height());
    QCOMPARE(render::captionCoverHeight(frame.rect(), core::LectureCaption{}, 1.0), 0);
    // A light theme is a light box with dark text.
    const render::CaptionColours light = render::captionColours(core::LectureTheme::Light);
    QVERIFY(light.background.lightness() > 200 && light.text.lightness() < 60);
}

void TestLecture::builtinLectureMatchesTheRegistry() {
    for (const core::BuiltinLecture& b : core::builtinLectures()) {
        const core::Lecture l = core::loadLecture(std::string(b.id), registryPanels(), registryOverlays());
        QVERIFY(!l.steps.empty());
        for (const core::LectureStep& s : l.steps) QVERIFY(!s.panels.empty());
    }
    // The panel each claim needs.
    const core::Lecture l = core::loadLecture("builtin", registryPanels(), registryOverlays());
    auto stepOf = [&](const std::string& preset) -> const core::LectureStep& {
        for (const core::LectureStep& s : l.steps)
            if (s.scenario.name == preset) return s;
        throw std::runtime_error("no step with " + preset);
    };
    auto shows = [](const core::LectureStep& s, const char* panel) {
        return std::find(s.panels.begin(), s.panels.end(), panel) != s.panels.end();
    };
    QVERIFY(shows(stepOf("superadditive-heads"), "clustering"));
    QVERIFY(shows(stepOf("entropy-rise"), "entropy"));
    QVERIFY(shows(stepOf("orthogonal-heads-shadows"), "shadows"));
    QVERIFY(shows(stepOf("orthogonal-heads-shadows"), "energy"));
    QVERIFY(stepOf("relu-vs-softmax").scenario.kernel == core::KernelKind::ReluNormalised);
}

void TestLecture::lecturesCommandListsAndChecks() {
    const Run list = runExe({"lectures"});
    QCOMPARE(list.code, 0);
    QVERIFY(list.out.startsWith("attention-as-particles  Attention as particles  (7 steps"));
    for (const core::BuiltinLecture& b : core::builtinLectures()) {
        const core::Lecture l = core::loadLecture(std::string(b.id), registryPanels(), registryOverlays());
        for (const core::LectureStep& s : l.steps)
            QVERIFY(list.out.contains(QString::fromStdString(core::captionText(s.caption.title))));
    }
    QTemporaryDir dir;
    const QString path = dir.filePath("tiny.json");
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(kTinyLecture);
    f.close();
    const Run check = runExe({"lectures", "--check", path});
    QCOMPARE(check.code, 0);
    QVERIFY2(check.out.contains("valid lecture \"tiny\", 2 steps, 3 s of video"), qPrintable(check.out));
    QVERIFY(check.out.contains("2. Second step"));
    const Run overview = runExe({"--help"});
    QVERIFY(overview.out.contains("attnsphere lectures --check FILE"));
    const Run missing = runExe({"lectures", "--check", dir.filePath("none.json")});
    QCOMPARE(missing.code, 2);
    QVERIFY(missing.err.contains("cannot open lecture file"));
}

void TestLecture::renderLectureMakesOneVideoAndStills() {
    QTemporaryDir dir;
    const QString path = dir.filePath("tiny.json");
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(kTinyLecture);
    f.close();
    const QString video = dir.filePath("talk.mp4"), stills = dir.filePath("stills");
    const Run r = runExe({"render", "--lecture", path, "--out", video, "--stills", stills, "--size",
                          "320x180", "--fps", "10", "--quiet"});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QCOMPARE(probedFrames(video), 11 + 21);
    QCOMPARE(QDir(stills).entryList(QDir::Files), (QStringList{"step-01.png", "step-02.png"}));
    for (const char* name : {"step-01.png", "step-02.png"}) {
        const QImage still(QDir(stills).filePath(name));
        QCOMPARE(still.size(), QSize(320, 180));
        // The caption box at the bottom left differs from the frame's background at the top left.
        const QImage caption =
            render::renderCaptionImage({"Second step", {}, ""}, 320, 180 / 1080.0, Qt::black, Qt::white);
        const QRect box(4, 180 - caption.height() - 2, caption.width() - 8, caption.height() - 4);
        QVERIFY(!inkBounds(still, box).isEmpty());
        QVERIFY(still.pixel(box.center()) != still.pixel(2, 2) ||
                still.pixel(box.topLeft()) != still.pixel(2, 2));
    }
    // Stills alone (no video): the same last frames.
    const QString only = dir.filePath("only");
    const Run s = runExe(
        {"render", "--lecture", path, "--stills", only, "--size", "320x180", "--fps", "10", "--quiet"});
    QVERIFY2(s.code == 0, qPrintable(s.err));
    QCOMPARE(QDir(only).entryList(QDir::Files).size(), 2);
    // The built-in lecture's steps render (one frame each at a tiny fps).
    const QString builtin = dir.filePath("builtin");
    const Run b = runExe({"render", "--lecture", "builtin", "--stills", builtin, "--size", "480x270", "--fps",
                          "0.5", "--quiet"});
    QVERIFY2(b.code == 0, qPrintable(b.err));
    QCOMPARE(QDir(builtin).entryList(QDir::Files).size(), 7);
}

void TestLecture::renderLectureRefusesABadLecture() {
    QTemporaryDir dir;
    const QString path = dir.filePath("bad.json");
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(
        R"({"format": "attnsphere-lecture", "version": 1, "steps": [{"scenario": "default", "pause_at": 99}]})");
    f.close();
    const QString video = dir.filePath("talk.mp4");
    const Run r = runExe({"render", "--lecture", path, "--out", video, "--quiet"});
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.contains(path + ": steps[0].pause_at: must be in (0, 30]"), qPrintable(r.err));
    QVERIFY(!QFile::exists(video));
    const Run unknown = runExe({"render", "--lecture", "no-such", "--out", video});
    QCOMPARE(unknown.code, 2);
    QVERIFY2(unknown.err.contains("--lecture: 'no-such' is neither a lecture file nor a built-in lecture"),
             qPrintable(unknown.err));
    const Run mixed = runExe({"render", "--lecture", "builtin", "--out", video, "--panels", "energy"});
    QCOMPARE(mixed.code, 2);
    QVERIFY(mixed.err.contains("--panels: is not available with --lecture"));
    const Run noOut = runExe({"render", "--lecture", "builtin"});
    QCOMPARE(noOut.code, 2);
    QVERIFY(noOut.err.contains("--out: or --stills is required"));
    const Run stills = runExe({"render", "default", "--out", video, "--stills", dir.path()});
    QCOMPARE(stills.code, 2);
}

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    render::applyTheme(app);
    TestLecture test;
    return QTest::qExec(&test, argc, argv);
}
#include "test_lecture.moc"
