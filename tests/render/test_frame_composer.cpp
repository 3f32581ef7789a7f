// Video frames draw the GUI's panel classes: a composed frame's panel cell is, pixel for pixel, the image
// the panel object renders of itself at that size; the panels come from the registry in its order, are
// laid out at the same logical size at every resolution (text and lines scale with the frame), and the
// frames' own description (beta, kernel, scenario name) feeds the overlays.
#include "core/Scenario.h"
#include "core/Simulation.h"
#include "render/EnergyPanel.h"
#include "render/FrameComposer.h"
#include "render/PanelRegistry.h"
#include "render/PlotPanel.h"
#include "render/RenderOptions.h"
#include "render/Theme.h"

#include <QApplication>
#include <QtTest>

#include <memory>

using namespace attnsphere;

namespace {

std::vector<core::Frame> runFrames(int count) {
    core::Simulation sim(core::Scenario::load("default"));
    core::FrameOptions options;
    options.maxAttentionSize = 128;
    std::vector<core::Frame> frames;
    for (int k = 0; k < count; ++k) {
        if (k > 0)
            for (int s = 0; s < 3; ++s) sim.step();
        frames.push_back(sim.makeFrame(options));
    }
    return frames;
}

std::unique_ptr<render::FrameComposer> feed(QSize size, const QStringList& panels,
                                            const std::vector<core::Frame>& frames) {
    render::CompositionOptions options;
    options.size = size;
    options.panels = panels;
    auto composer = std::make_unique<render::FrameComposer>(options);
    for (const core::Frame& f : frames) composer->addFrame(f);
    return composer;
}

int differingPixels(const QImage& a, const QImage& b) {
    const QImage x = a.convertToFormat(QImage::Format_ARGB32), y = b.convertToFormat(QImage::Format_ARGB32);
    if (x.size() != y.size()) return -1;
    int count = 0;
    for (int row = 0; row < x.height(); ++row) {
        const auto* p = reinterpret_cast<const QRgb*>(x.constScanLine(row));
        const auto* q = reinterpret_cast<const QRgb*>(y.constScanLine(row));
        for (int col = 0; col < x.width(); ++col) count += p[col] != q[col];
    }
    return count;
}

}  // namespace

class TestFrameComposer : public QObject {
    Q_OBJECT
private slots:
    void panelIdsAreTheRegistrys() {
        QCOMPARE(render::panelIds(), (QStringList{"energy", "entropy", "clustering", "shadows", "heatmap",
                                                  "radius", "spectrum"}));
        QCOMPARE(render::panelsOption().names.size(), static_cast<std::size_t>(render::panelIds().size()));
        for (const render::PanelInfo& info : render::panelRegistry()) {
            QCOMPARE(render::findPanel(info.id), &info);
            QVERIFY(!info.title.isEmpty());
        }
        QVERIFY(!render::findPanel("bogus"));
    }

    void panelCellIsThePanelsOwnImage_data() {
        QTest::addColumn<QSize>("size");
        QTest::newRow("1280x720") << QSize(1280, 720);
        QTest::newRow("3840x2160") << QSize(3840, 2160);
    }
    void panelCellIsThePanelsOwnImage() {
        QFETCH(QSize, size);
        const std::vector<core::Frame> frames = runFrames(12);
        const auto owned = feed(size, render::panelIds(), frames);
        const render::FrameComposer& composer = *owned;
        QVERIFY(composer.needsObservables());
        QVERIFY(composer.needsAttention());
        QImage view(composer.viewRect().size(), QImage::Format_RGBA8888);
        view.fill(Qt::black);
        const QImage frame = composer.compose(view, frames.back());
        QCOMPARE(frame.size(), size);
        for (int i = 0; i < static_cast<int>(render::panelRegistry().size()); ++i) {
            const QRect cell = composer.panelRect(i);
            QVERIFY(QRect(QPoint(), size).contains(cell));
            QVERIFY(!cell.intersects(composer.viewRect()));
            // The panel object the registry makes for this id draws the cell.
            render::PlotPanel* panel = composer.panel(i);
            const std::unique_ptr<render::PlotPanel> made(
                render::panelRegistry()[static_cast<std::size_t>(i)].make(nullptr));
            QCOMPARE(panel->metaObject()->className(), made->metaObject()->className());
            const QImage own = panel->renderImage(cell.size(), composer.panelScale());
            QCOMPARE(differingPixels(frame.copy(cell), own), 0);
            QImage blank(cell.size(), QImage::Format_ARGB32);
            blank.fill(own.pixel(0, 0));
            QVERIFY(differingPixels(own, blank) > cell.width() * cell.height() / 50);
        }
    }

    void panelsKeepTheirLayoutAtEveryResolution() {
        const std::vector<core::Frame> frames = runFrames(4);
        const auto ownedHd = feed(QSize(1280, 720), {"energy"}, frames);
        const auto ownedUhd = feed(QSize(3840, 2160), {"energy"}, frames);
        const render::FrameComposer& hd = *ownedHd;
        const render::FrameComposer& uhd = *ownedUhd;
        QImage view(hd.viewRect().size(), QImage::Format_RGBA8888);
        view.fill(Qt::black);
        hd.compose(view, frames.back());
        QImage big(uhd.viewRect().size(), QImage::Format_RGBA8888);
        big.fill(Qt::black);
        uhd.compose(big, frames.back());
        QCOMPARE(uhd.panelScale(), 3 * hd.panelScale());
        // Three times the pixels, the same logical layout (to a pixel of rounding): text and lines three
        // times as large.
        const QSize small = hd.panel(0)->size(), large = uhd.panel(0)->size();
        QVERIFY2(
            std::abs(small.width() - large.width()) <= 1 && std::abs(small.height() - large.height()) <= 1,
            qPrintable(QStringLiteral("%1x%2 vs %3x%4")
                           .arg(small.width())
                           .arg(small.height())
                           .arg(large.width())
                           .arg(large.height())));
        auto* energy = qobject_cast<render::EnergyPanel*>(uhd.panel(0));
        QVERIFY(energy);
        QCOMPARE(energy->height(), qRound(uhd.panelRect(0).height() / uhd.panelScale()));
    }

    void unknownPanelIsRefused() {
        render::CompositionOptions options;
        options.panels = {"bogus"};
        QVERIFY_THROWS_EXCEPTION(std::exception, render::FrameComposer{options});
    }

    void titleDefaultsToTheScenarioName() {
        std::vector<core::Frame> frames = runFrames(1);
        render::CompositionOptions options;
        options.overlays = {"title"};
        render::FrameComposer composer(options);
        QImage view(composer.viewRect().size(), QImage::Format_RGBA8888);
        view.fill(Qt::black);
        frames[0].scenarioName.clear();
        const QImage untitled = composer.compose(view, frames[0]).copy();
        frames[0].scenarioName = "a scenario";
        const QImage titled = composer.compose(view, frames[0]).copy();
        QCOMPARE(differingPixels(untitled, view), 0);
        QVERIFY(differingPixels(titled, view) > 100);
    }
};

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    render::applyTheme(app);
    TestFrameComposer test;
    return QTest::qExec(&test, argc, argv);
}
#include "test_frame_composer.moc"
