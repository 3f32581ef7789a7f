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

}  // namespace

class TestLecture : public QObject {
    Q_OBJECT

private slots:
    void captionMarkup();
    void captionTextIsLegibleAt1080Lines();
    void captionBoxAndStripAreDrawn();
    void builtinLectureMatchesTheRegistry();
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
    QVERIFY(!stepOf("relu-vs-softmax").changes.empty());
}

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    render::applyTheme(app);
    TestLecture test;
    return QTest::qExec(&test, argc, argv);
}
#include "test_lecture.moc"
