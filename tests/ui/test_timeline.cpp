// The timeline in the main window (ui/TimelineWidget.h): scrubbing shows a kept frame in the view, the
// radial bars and the heatmap exactly as recomputed from that frame's exported data, with a cursor on
// every time plot; a fork starts from the scrubbed positions bit for bit and leaves a faded branch;
// an edit leaves a marker; Left/Right/Home/End scrub unless the focus is in a text field (spin boxes
// and line edits keep their cursor keys).
#include "core/Simulation.h"
#include "render/AttentionHeatmapPanel.h"
#include "render/PlotPanel.h"
#include "render/RadialShadowPanel.h"
#include "ui/MainWindow.h"
#include "ui/SphereView.h"
#include "ui/TimelineWidget.h"

#include <QDoubleSpinBox>
#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include <cstring>

using namespace attnsphere;
using FramePtr = std::shared_ptr<const core::Frame>;

namespace {

core::Scenario smallScenario() {
    core::Scenario s = core::Scenario::load("default");
    s.n = 24;
    s.tEnd = 1e6;
    return s;
}

std::unique_ptr<ui::MainWindow> makeWindow(const core::Scenario& s) {
    ui::MainWindow::Options options;
    options.interactive = false;
    options.restoreLayout = false;
    options.startRunning = false;
    auto window = std::make_unique<ui::MainWindow>(s, QString::fromStdString(s.name), options);
    window->resize(1600, 950);
    window->show();
    if (!QTest::qWaitForWindowExposed(window.get())) return nullptr;
    window->activateWindow();  // Xvfb has no window manager: window shortcuts need the active window
    if (!QTest::qWaitForWindowActive(window.get())) return nullptr;
    if (!QTest::qWaitFor([&] { return window->controller()->latestFrame() != nullptr; })) return nullptr;
    return window;
}

void stepTo(ui::MainWindow& w, std::int64_t step) {
    auto* c = w.controller();
    while (c->latestFrame()->step < step) {
        const auto before = c->latestFrame()->step;
        c->stepOnce();
        QTRY_VERIFY(c->latestFrame()->step > before);
    }
    QTRY_COMPARE(c->history()->snapshot().back().frame->step, step);
    w.timeline()->syncHistory();
}

// Frame k of positions.npy (frames × n × d, float64, little endian): d × n as the frames hold it.
core::Matrix exportedPositions(const QString& dir, int k, int n, int d) {
    QFile f(dir + QStringLiteral("/positions.npy"));
    if (!f.open(QIODevice::ReadOnly)) return {};
    const QByteArray bytes = f.readAll();
    const auto headerLength =
        static_cast<int>(static_cast<unsigned char>(bytes[8]) | (static_cast<unsigned char>(bytes[9]) << 8));
    const char* data = bytes.constData() + 10 + headerLength + static_cast<qsizetype>(k) * n * d * 8;
    core::Matrix X(d, n);
    std::memcpy(X.data(), data, static_cast<std::size_t>(n * d) * sizeof(double));
    return X;
}

template <typename Panel>
Panel* findPanel(const ui::MainWindow& w) {
    for (render::PlotPanel* p : w.panels())
        if (auto* panel = dynamic_cast<Panel*>(p)) return panel;
    return nullptr;
}

}  // namespace

class TestTimeline : public QObject {
    Q_OBJECT
private slots:
    void scrubShowsTheExportedFrame() {
        const core::Scenario s = smallScenario();
        auto w = makeWindow(s);
        QVERIFY(w);
        stepTo(*w, 8);
        QTemporaryDir dir;
        QSignalSpy exported(w->controller(), &app::SimulationController::exportFinished);
        w->controller()->exportData(dir.path(), {QStringLiteral("attnsphere")});
        QTRY_COMPARE(exported.count(), 1);
        QVERIFY2(exported.at(0).at(0).toBool(), qPrintable(exported.at(0).at(1).toString()));

        const int k = 3;
        QSignalSpy shown(w->controller(), &app::SimulationController::historyFrame);
        w->timeline()->scrubTo(k);
        QVERIFY(w->timeline()->isScrubbed());
        QTRY_COMPARE(shown.count(), 1);
        QCoreApplication::processEvents();
        const core::Matrix X = exportedPositions(dir.path(), k, s.n, s.d);
        const FramePtr viewFrame = w->sphereView()->currentFrame();
        QVERIFY(viewFrame->positions == X);
        // The reference: the observables of the exported positions under the scenario's model.
        const core::Frame reference =
            core::computeFrame(s.buildModel(), X, viewFrame->t, viewFrame->step, core::FrameOptions{});
        auto* radial = findPanel<render::RadialShadowPanel>(*w);
        QVERIFY(radial);
        radial->refresh();
        for (int h = 0; h < reference.H; ++h) {
            const QVector<double>& bars = radial->barValues(h);
            QCOMPARE(bars.size(), qsizetype(s.n));
            for (int i = 0; i < s.n; ++i) QVERIFY(qAbs(bars[i] - reference.heads[h].radial[i]) <= 1e-12);
        }
        auto* heatmap = findPanel<render::AttentionHeatmapPanel>(*w);
        QVERIFY(heatmap);
        heatmap->refresh();
        render::AttentionHeatmapPanel expected;
        expected.showFrame(reference);
        expected.refresh();
        for (int i = 0; i < s.n; i += 5)
            for (int j = 0; j < s.n; j += 7)
                QCOMPARE(heatmap->cellColour(0, i, j), expected.cellColour(0, i, j));
        for (render::PlotPanel* p : w->panels())
            if (p->timePlots().size() > 0) QCOMPARE(p->timeCursor().value_or(-1), viewFrame->t);
        // Back to the newest frame: no cursor, the view shows the live frame again.
        w->timeline()->goLive();
        QVERIFY(!w->timeline()->isScrubbed());
        for (render::PlotPanel* p : w->panels()) QVERIFY(!p->timeCursor());
    }

    void forkStartsFromTheScrubbedStateAndLeavesABranch() {
        const core::Scenario s = smallScenario();
        auto w = makeWindow(s);
        QVERIFY(w);
        stepTo(*w, 10);
        const int k = 4;
        w->timeline()->scrubTo(k);
        const app::HistoryEntry scrubbed = w->timeline()->entries()[k];
        QSignalSpy frames(w->controller(), &app::SimulationController::frameAvailable);
        QVERIFY(w->timeline()->forkIfScrubbed());
        QTRY_VERIFY(!frames.isEmpty());
        const FramePtr first = frames.last().at(0).value<FramePtr>();
        QCOMPARE(first->step, scrubbed.frame->step);
        QVERIFY(first->positions == scrubbed.frame->positions);
        QCOMPARE(w->timeline()->branchCount(), 1);
        int overlays = 0;
        for (render::PlotPanel* p : w->panels()) overlays += p->overlayCount();
        QVERIFY(overlays >= 1);
        // An edit on the new branch is marked on every time plot.
        core::Scenario edited = w->controller()->scenario();
        edited.beta = edited.beta + 2;
        w->controller()->applyEdit(edited);
        QTRY_VERIFY(findPanel<render::RadialShadowPanel>(*w)->editMarkerCount() == 1);
        w->timeline()->clearBranches();
        overlays = 0;
        for (render::PlotPanel* p : w->panels()) overlays += p->overlayCount();
        QCOMPARE(overlays, 0);
    }

    // With the ghost option, an edit keeps the curves before it as one faded overlay per panel with
    // time plots (a second edit replaces it); without it, an edit adds only its marker.
    void ghostKeepsThePreviousCurves() {
        auto w = makeWindow(smallScenario());
        QVERIFY(w);
        stepTo(*w, 5);
        auto* radial = findPanel<render::RadialShadowPanel>(*w);
        core::Scenario edited = w->controller()->scenario();
        edited.beta += 1;
        w->controller()->applyEdit(edited);
        QTRY_COMPARE(radial->editMarkerCount(), 1);
        QCOMPARE(radial->overlayCount(), 0);
        w->timeline()->setKeepGhost(true);
        for (int k = 0; k < 2; ++k) {
            edited.beta += 1;
            w->controller()->applyEdit(edited);
            QTRY_COMPARE(radial->editMarkerCount(), 2 + k);
            QCOMPARE(radial->overlayCount(), 1);
        }
    }

    // The rule: in a text field (spin box, line edit) the cursor keys and Home/End belong to the field;
    // elsewhere they scrub.
    void keysScrubUnlessTypingInAField() {
        auto w = makeWindow(smallScenario());
        QVERIFY(w);
        stepTo(*w, 6);
        ui::TimelineWidget* t = w->timeline();
        const int last = static_cast<int>(t->entries().size()) - 1;
        auto* spin = w->findChild<QDoubleSpinBox*>();
        QVERIFY(spin);
        spin->setFocus();
        QTRY_VERIFY(spin->hasFocus());
        for (Qt::Key key : {Qt::Key_Left, Qt::Key_Home, Qt::Key_Right, Qt::Key_End}) {
            QTest::keyClick(spin, key);
            QCOMPARE(t->position(), last);
        }
        QVERIFY(!t->isScrubbed());
        spin->clearFocus();
        w->setFocus();
        QTest::keyClick(w.get(), Qt::Key_Left);
        QCOMPARE(t->position(), last - 1);
        QVERIFY(t->isScrubbed());
        QTest::keyClick(w.get(), Qt::Key_Home);
        QCOMPARE(t->position(), 0);
        QTest::keyClick(w.get(), Qt::Key_Right);
        QCOMPARE(t->position(), 1);
        QTest::keyClick(w.get(), Qt::Key_End);
        QCOMPARE(t->position(), last);
        QVERIFY(!t->isScrubbed());
    }
};

QTEST_MAIN(TestTimeline)
#include "test_timeline.moc"
