// The polarisation window under Xvfb: a preset's maps side by side with one bar per token, the flow
// advancing to the same numbers as core, the entropy plot marking log n, play/pause/reset, speed, the
// export (the frames so far, the files `run` writes), the Presets menu's polarisation section with its
// citations, and the plots drawn into an image for video frames.
#include "core/Npy.h"
#include "core/Polarisation.h"
#include "render/PolarisationPlots.h"
#include "ui/PolarisationWindow.h"

#include <qcustomplot.h>

#include <QApplication>
#include <QMenu>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <filesystem>

using namespace attnsphere;

class TestPolarisationWindow : public QObject {
    Q_OBJECT
private slots:
    void mapsSideBySide();
    void advanceMatchesCore();
    void playPauseResetSpeed();
    void exportWritesTheFramesSoFar();
    void presetsMenuOpensTheWindow();
    void plotsDrawIntoAnImage();
};

void TestPolarisationWindow::mapsSideBySide() {
    ui::PolarisationWindow w(core::PolarisationSpec::load("polarisation-compare"));
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    render::PolarisationPlots* plots = w.plots();
    QCOMPARE(plots->plots().size(), std::size_t(3 + 3));
    int previousX = -1;
    for (int m = 0; m < 3; ++m) {
        QCustomPlot* bars = plots->barPlot(m);
        QCOMPARE(bars->plottableCount(), 1);
        QCOMPARE(qobject_cast<QCPBars*>(bars->plottable(0))->data()->size(), 8);  // one bar per token
        const int x = bars->mapTo(&w, QPoint(0, 0)).x();
        QVERIFY2(x > previousX, "side by side, in the file's order");
        previousX = x;
    }
    // One curve per map on each time plot (the norms plot: |V|_F and the largest column).
    QCOMPARE(plots->entropyPlot()->graphCount(), 3);
    QCOMPARE(plots->normPlot()->graphCount(), 6);
    QCOMPARE(plots->lossPlot()->graphCount(), 3);
    // log n is marked on the entropy plot and stays in view.
    bool marked = false;
    for (int i = 0; i < plots->entropyPlot()->itemCount(); ++i)
        if (auto* text = qobject_cast<QCPItemText*>(plots->entropyPlot()->item(i)))
            marked = marked || text->text().startsWith("log n = 2.08");
    QVERIFY(marked);
    QVERIFY(plots->entropyPlot()->yAxis->range().upper > std::log(8.0));
}

void TestPolarisationWindow::advanceMatchesCore() {
    const core::PolarisationSpec spec = core::PolarisationSpec::load("polarisation-compare");
    ui::PolarisationWindow w(spec);
    w.advance(1000);
    QCOMPARE(w.run().stepCount(), 1000LL);
    core::PolarRun reference(spec);
    for (int k = 0; k < 1000; ++k) reference.step();
    const auto frames = w.run().frames();
    QCOMPARE(frames[0].p, reference.frames()[0].p);
    // Frames published as `run` publishes them: step 0 and every publish_every steps.
    QCOMPARE(w.record().framesPerMap[0].size(), std::size_t(1 + 1000 / spec.publishEvery));
    QCOMPARE(w.plots()->frameCount(), static_cast<int>(w.record().framesPerMap[0].size()));
    // The bars show the current weights.
    auto* bars = qobject_cast<QCPBars*>(w.plots()->barPlot(0)->plottable(0));
    QCOMPARE(bars->data()->at(0)->value, frames[0].p(0));
    QVERIFY(w.statusText().contains("softmax: entropy"));
    // Advancing past t_end stops at it.
    w.advance(100000);
    QVERIFY(w.run().done());
    QCOMPARE(w.run().stepCount(), spec.steps());
    QVERIFY(w.statusText().contains("t_end reached"));
}

void TestPolarisationWindow::playPauseResetSpeed() {
    core::PolarisationSpec spec = core::PolarisationSpec::load("polarisation-softmax");
    ui::PolarisationWindow w(spec);
    w.show();
    w.setStepsPerSecond(3000);
    w.setPlaying(true);
    QTRY_VERIFY_WITH_TIMEOUT(w.run().stepCount() > 300, 5000);
    w.setPlaying(false);
    const long long steps = w.run().stepCount();
    QTest::qWait(200);
    QCOMPARE(w.run().stepCount(), steps);
    w.reset();
    QCOMPARE(w.run().stepCount(), 0LL);
    QCOMPARE(w.record().framesPerMap[0].size(), std::size_t(1));
    QCOMPARE(w.plots()->frameCount(), 1);
}

void TestPolarisationWindow::exportWritesTheFramesSoFar() {
    const core::PolarisationSpec spec = core::PolarisationSpec::load("polarisation-compare");
    ui::PolarisationWindow w(spec);
    w.advance(40);
    QTemporaryDir tmp;
    const QString dir = tmp.filePath("export");
    w.exportTo(dir);
    const core::NpyArray weights = core::readNpy((dir + "/weights.npy").toStdString());
    QCOMPARE(weights.shape, (std::vector<long long>{3, 1 + 40 / spec.publishEvery, 8}));
    QVERIFY(std::filesystem::exists((dir + "/series.csv").toStdString()));
    QVERIFY(std::filesystem::exists((dir + "/metadata.json").toStdString()));
}

void TestPolarisationWindow::presetsMenuOpensTheWindow() {
    QWidget owner;
    QMenu menu;
    ui::addPolarisationPresets(&menu, owner);
    QStringList names;
    QAction* compare = nullptr;
    for (QAction* a : menu.actions()) {
        if (a->isSeparator()) continue;
        names << a->text();
        QVERIFY2(a->toolTip().contains("Source: Varre, Rofin, Flammarion"), qPrintable(a->toolTip()));
        if (a->text().startsWith("polarisation-compare")) compare = a;
    }
    QCOMPARE(names.size(), static_cast<int>(core::polarisationPresetList().size()));
    QVERIFY(compare);
    compare->trigger();
    auto* window = owner.findChild<ui::PolarisationWindow*>();
    QVERIFY(window);
    QCOMPARE(window->spec().maps.size(), std::size_t(3));
    QVERIFY(window->playing());  // a preset plays, as in the main window
    // A second preset reuses the window.
    for (QAction* a : menu.actions())
        if (a->text().startsWith("polarisation-linear")) a->trigger();
    QCOMPARE(owner.findChildren<ui::PolarisationWindow*>().size(), 1);
    QCOMPARE(window->spec().maps, std::vector<core::PolarMap>{core::PolarMap::Linear});
    window->setPlaying(false);
}

void TestPolarisationWindow::plotsDrawIntoAnImage() {
    const core::PolarisationSpec spec = core::PolarisationSpec::load("polarisation-softmax");
    render::PolarisationPlots plots(spec);  // never shown
    core::PolarRun run(spec);
    plots.addFrames(run.frames());
    for (int k = 0; k < 2000; ++k) run.step();
    plots.addFrames(run.frames());
    const QImage image = plots.renderImage(QSize(960, 540));
    QCOMPARE(image.size(), QSize(960, 540));
    // The softmax bar colour covers part of the image: the bars were drawn.
    const QColor bar = render::polarMapColour(core::PolarMap::Softmax);
    int coloured = 0;
    for (int y = 0; y < image.height(); y += 2)
        for (int x = 0; x < image.width(); x += 2)
            if (image.pixelColor(x, y).rgb() == bar.rgb()) ++coloured;
    QVERIFY2(coloured > 500, qPrintable(QString::number(coloured)));
}

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    TestPolarisationWindow test;
    return QTest::qExec(&test, argc, argv);
}
#include "test_polarisation_window.moc"
