// Panels fed with known frames plot exactly those values; the heatmap colours cell (i, j) with the
// viridis colour of P_ij on the shown range, in index and cluster order; a click on a cell selects a token.
#include "core/Simulation.h"
#include "render/AttentionHeatmapPanel.h"
#include "render/ColourMap.h"
#include "render/DisplayStyle.h"
#include "render/EnergyPanel.h"
#include "render/EntropyPanel.h"
#include "render/FrameComposer.h"
#include "render/PanelRegistry.h"
#include "render/RadialShadowPanel.h"
#include "render/RadiusPanel.h"
#include "render/SceneRenderer.h"
#include "render/SpectrumPanel.h"
#include "ui/MatrixEditorDialog.h"
#include "ui/ParameterPanel.h"
#include "ui/RecordDialog.h"

#include <qcustomplot.h>

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTableWidget>
#include <QtTest>

#include <cmath>

using namespace attnsphere;

namespace {

// n = 4 tokens, H = 2 heads, values chosen per (step, head, token) so that every plotted number is known.
core::Frame makeFrame(int step, double t, double energyTotal) {
    core::Frame f;
    f.step = step;
    f.t = t;
    f.n = 4;
    f.d = 3;
    f.H = 2;
    f.positions = core::Matrix::Identity(3, 4);
    f.positions(0, 3) = 1;
    f.hasObservables = true;
    f.energyTotal = energyTotal;
    f.energyTotalRate = -0.5 * step;
    // Strict clusters (tau) all singletons; display clusters (cos >= 0.99) pair the tokens up.
    f.clusterLabels = {0, 1, 2, 3};
    f.clusterCount = 4;
    f.displayClusterLabels = {1, 0, 1, 0};
    f.displayClusterCount = 2;
    for (int h = 0; h < 2; ++h) {
        core::HeadObservables o;
        o.energy = 10 * h + step;
        o.energyRate = 0.1 * (h + 1);
        o.entropy = core::Vector::Constant(4, 0.5 + h);
        o.entropy(2) = 0.25 * (h + 1);
        o.entropyMean = 1.0 + h + 0.01 * step;
        o.entropyMin = 0.1 * (h + 1);
        o.radial = core::Vector::LinSpaced(4, -1.0 - h, 2.0 + h);
        o.tangential = core::Vector::Ones(4);
        o.radialMeanAbs = 0.3 + h;
        o.radialMaxAbs = 0.9 + h;
        o.dominanceMargin = h == 0 ? -2.0 + step : 1.5;
        o.attention.resize(4, 4);
        for (int i = 0; i < 4; ++i)
            for (int j = 0; j < 4; ++j)
                o.attention(i, j) = static_cast<float>((i == j ? 0.55 : 0.15) + 0.0 * h);
        o.attention(1, 3) = static_cast<float>(0.05 + 0.1 * h);
        o.attention(1, 1) = static_cast<float>(0.65 - 0.1 * h);
        f.heads.push_back(o);
    }
    return f;
}

double graphValue(QCPGraph* g, int k) {
    return (g->data()->constBegin() + k)->value;
}
double graphKey(QCPGraph* g, int k) {
    return (g->data()->constBegin() + k)->key;
}

QStringList legendNames(QCustomPlot* p) {
    QStringList names;
    for (int k = 0; k < p->legend->itemCount(); ++k)
        if (auto* item = qobject_cast<QCPPlottableLegendItem*>(p->legend->item(k)))
            names << item->plottable()->name();
    return names;
}

QCPAbstractPlottable* legendPlottable(QCustomPlot* p, const QString& name) {
    for (int k = 0; k < p->legend->itemCount(); ++k)
        if (auto* item = qobject_cast<QCPPlottableLegendItem*>(p->legend->item(k)))
            if (item->plottable()->name() == name) return item->plottable();
    return nullptr;
}

// Neighbouring y tick labels are at least one text height apart.
bool yTickLabelsApart(QCustomPlot* p) {
    const QVector<double> ticks = p->yAxis->tickVector();
    const int text = QFontMetrics(p->yAxis->tickLabelFont()).height();
    for (qsizetype k = 1; k < ticks.size(); ++k)
        if (std::abs(p->yAxis->coordToPixel(ticks[k]) - p->yAxis->coordToPixel(ticks[k - 1])) < text)
            return false;
    return ticks.size() >= 2;
}

core::Frame withHeads(core::Frame f, int H) {
    f.H = H;
    f.heads.resize(static_cast<std::size_t>(H), f.heads.front());
    return f;
}

}  // namespace

class TestPanels : public QObject {
    Q_OBJECT
private slots:
    void energyPanelPlotsEnergiesRatesAndDecreases() {
        render::EnergyPanel panel;
        panel.addFrame(makeFrame(0, 0.0, 5.0));
        panel.addFrame(makeFrame(1, 0.5, 6.0));
        panel.addFrame(makeFrame(2, 1.0, 5.5));  // E_total decreased here
        panel.refresh();
        QCustomPlot* p = panel.energyPlot();
        QCOMPARE(p->graphCount(), 4);  // E_1, E_2, E_total, decrease markers
        QCOMPARE(p->graph(0)->dataCount(), 3);
        QCOMPARE(graphValue(p->graph(1), 2), 12.0);  // E_2 at step 2 = 10*1 + 2
        QCOMPARE(graphValue(p->graph(2), 1), 6.0);   // E_total
        QCOMPARE(panel.decreaseMarkerCount(), 1);
        QCOMPARE(graphKey(p->graph(3), 0), 1.0);
        QCOMPARE(graphValue(p->graph(3), 0), 5.5);
        QCOMPARE(p->graph(0)->pen().color(), render::headColour(0));
        QCOMPARE(p->graph(1)->pen().color(), render::headColour(1));
        QCPGraph* totalRate = panel.ratePlot()->graph(2);
        QCOMPARE(graphValue(totalRate, 2), -1.0);
        QCOMPARE(graphValue(panel.ratePlot()->graph(1), 0), 0.2);

        // Time going backwards (a reset) starts new histories.
        panel.addFrame(makeFrame(0, 0.0, 5.0));
        panel.refresh();
        QCOMPARE(p->graph(0)->dataCount(), 1);
        QCOMPARE(panel.decreaseMarkerCount(), 0);
    }

    void entropyPanelPlotsMeanMinLogNAndSelection() {
        render::EntropyPanel panel;
        panel.setSelectedToken(2);
        panel.addFrame(makeFrame(0, 0.0, 1));
        panel.addFrame(makeFrame(1, 0.5, 1));
        panel.refresh();
        QCustomPlot* p = panel.plot();
        QCOMPARE(p->graphCount(),
                 11);  // mean and min per head, selected token, 3 style keys, theory per head and its key
        QCOMPARE(graphValue(p->graph(2), 1), 2.01);  // head 2 mean at step 1
        QCOMPARE(graphValue(p->graph(3), 0), 0.2);   // head 2 min
        QCOMPARE(p->graph(2)->pen().color(), render::headColour(1));
        QCOMPARE(p->graph(3)->pen().style(), Qt::DotLine);
        // Selected token 2: mean over heads of S_2^h = (0.25 + 0.5) / 2.
        QCOMPARE(graphValue(p->graph(4), 0), 0.375);
        QVERIFY(std::abs(panel.logNLine() - std::log(4.0)) < 1e-15);
    }

    void radialPanelPlotsShadowsMarginsAndBars() {
        render::RadialShadowPanel panel;
        panel.addFrame(makeFrame(0, 0.0, 1));
        panel.addFrame(makeFrame(1, 0.5, 1));
        panel.refresh();
        QCustomPlot* s = panel.shadowPlot();
        QCOMPARE(graphValue(s->graph(0), 0), 0.3);  // head 1 mean |r|
        QCOMPARE(graphValue(s->graph(3), 1), 1.9);  // head 2 max |r|
        QCustomPlot* m = panel.marginPlot();
        // Per head: the negative part (shaded) then D_h itself.
        QCOMPARE(graphValue(m->graph(1), 0), -2.0);
        QCOMPARE(graphValue(m->graph(0), 0), -2.0);
        QCOMPARE(graphValue(m->graph(0), 1), -1.0);
        QCOMPARE(graphValue(m->graph(2), 0), 0.0);  // head 2: D = 1.5 > 0, nothing shaded
        QVERIFY(m->graph(0)->brush().style() != Qt::NoBrush);
        auto* bars = qobject_cast<QCPBars*>(panel.barPlot()->plottable(1));
        QVERIFY(bars);
        QCOMPARE(bars->dataCount(), 4);
        QCOMPARE((bars->data()->constBegin() + 3)->value, 3.0);  // r_3^2 = LinSpaced(-2, 3)[3]
        QCOMPARE(bars->brush().color(), render::headColour(1));
    }

    void parameterEditsAreValidatedInPlace() {
        ui::ParameterPanel panel;
        core::Scenario s;
        s.n = 10;
        s.d = 3;
        s.heads.count = 1;
        s.heads.kind = core::HeadsKind::OrthogonalBlocks;
        panel.setScenario(s);
        QSignalSpy edited(&panel, &ui::ParameterPanel::edited);
        auto* beta = panel.findChild<QDoubleSpinBox*>(QStringLiteral("beta"));
        auto* H = panel.findChild<QSpinBox*>(QStringLiteral("H"));
        auto* n = panel.findChild<QSpinBox*>(QStringLiteral("n"));
        QVERIFY(beta && H && n);
        // Spin boxes refuse values outside the scenario's ranges.
        QCOMPARE(n->maximum(), 20000);
        QCOMPARE(n->minimum(), 2);
        beta->setValue(3.5);
        QTRY_COMPARE(edited.count(), 1);
        QCOMPARE(edited.at(0).at(0).value<core::Scenario>().beta, 3.5);
        QVERIFY(panel.errorText().isEmpty());
        // Orthogonal blocks need d >= H: refused in place, naming the field, and nothing is sent.
        H->setValue(4);
        QTest::qWait(400);
        QCOMPARE(edited.count(), 1);
        QVERIFY2(panel.errorText().contains(QStringLiteral("d")) &&
                     panel.errorText().contains(QStringLiteral("heads.count")),
                 qPrintable(panel.errorText()));
        H->setValue(3);
        QTRY_COMPARE(edited.count(), 2);
        QVERIFY(panel.errorText().isEmpty());
        QCOMPARE(edited.at(1).at(0).value<core::Scenario>().heads.count, 3);
        QCOMPARE(edited.at(1).at(0).value<core::Scenario>().heads.alpha.size(), std::size_t(3));
    }

    void matrixEditorSpectrumAndSymmetry() {
        ui::MatrixEditorDialog dialog(core::Matrix::Identity(3, 3), 0);
        auto* table = dialog.findChild<QTableWidget*>();
        QVERIFY(table);
        table->item(0, 2)->setText(QStringLiteral("0.5"));
        QCOMPARE(dialog.matrix()(2, 0), 0.5);  // identity is symmetric: the mirror entry follows
        table->item(1, 2)->setText(QStringLiteral("5000"));  // out of range: refused, reset to 0
        QCOMPARE(dialog.matrix()(1, 2), 0.0);
    }

    // A causal run's heatmap: its attention is 0 above the diagonal, and those cells are drawn in the
    // masked colour (the panel background), not as zero weight; the order switches to token index.
    void heatmapShowsTheCausalMask() {
        core::Scenario s = core::Scenario::load("lost-in-the-middle");
        s.n = 10;
        core::Simulation sim(s);
        sim.step();
        const core::Frame f = sim.makeFrame();
        render::AttentionHeatmapPanel panel;
        panel.resize(500, 600);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        panel.setOrder(render::AttentionHeatmapPanel::Order::Cluster);
        panel.addFrame(f);
        panel.refresh();
        QCOMPARE(panel.tokenAtRow(3), 3);  // index order
        const QColor masked = render::themeColours(render::displayStyle().theme).panelBackground;
        QVERIFY(masked != render::viridis(0.0));
        for (int i = 0; i < 10; ++i)
            for (int j = 0; j < 10; ++j) {
                if (j > i) {
                    QCOMPARE(f.heads[0].attention(i, j), 0.0f);
                    QCOMPARE(panel.cellColour(0, i, j), masked);
                } else {
                    QVERIFY(panel.cellColour(0, i, j) != masked);
                }
            }
        // Without the mask the same zero weights would be viridis colours, never the masked one.
        core::Frame plain = f;
        plain.mask = core::AttentionMask::None;
        panel.addFrame(plain);
        panel.refresh();
        QVERIFY(panel.cellColour(0, 0, 9) != masked);
    }

    // The radius panel: on the sphere (Post-LN) every radius is 1, drawn on the fixed axis [0, 2]; after a
    // switch to Pre-LN the curves are the frames' radii and the axis follows them.
    void radiusPanelFollowsASwitchToPreLn() {
        core::Scenario s = core::Scenario::load("default");
        s.n = 12;
        core::Simulation sim(s);
        render::RadiusPanel panel;
        panel.resize(400, 300);
        for (int k = 0; k < 3; ++k) {
            sim.step();
            panel.addFrame(sim.makeFrame());
        }
        panel.refresh();
        QCPGraph* mean = panel.plot()->graph(2);
        QCOMPARE(mean->dataCount(), 3);
        QCOMPARE(mean->data()->at(2)->value, 1.0);
        QCOMPARE(panel.plot()->yAxis->range().lower, 0.0);
        QCOMPARE(panel.plot()->yAxis->range().upper, 2.0);
        core::Model preLn = sim.model();
        preLn.normalisation = core::LayerNorm::Pre;
        sim.setModel(preLn);
        core::Frame last;
        for (int k = 0; k < 40; ++k) {
            sim.step();
            last = sim.makeFrame();
            panel.addFrame(last);
        }
        panel.refresh();
        QCOMPARE(last.radii.size(), Eigen::Index{12});
        QVERIFY(last.radii.minCoeff() > 1.0);  // Pre-LN's radii grow
        QCOMPARE(mean->data()->at(mean->dataCount() - 1)->value, last.radii.mean());
        QVERIFY(panel.plot()->yAxis->range().upper >= last.radii.maxCoeff());
        QVERIFY(panel.plot()->yAxis->range().upper != 2.0);
    }

    // The spectrum panel draws the eigenvalues the frames carry: after "Set spectrum…" on head 2 (an edit
    // the parameter panel sends like any other), head 2's strip is the new matrix's spectrum.
    void spectrumPanelFollowsAnEdit() {
        core::Scenario s = core::Scenario::load("qk-spectrum-localisation");
        s.d = 8;
        core::Simulation sim(s);
        render::SpectrumPanel panel;
        panel.resize(500, 300);
        panel.addFrame(sim.makeFrame());
        panel.refresh();
        QVERIFY(panel.spectra());
        for (int h = 0; h < 2; ++h) {
            const core::HeadSpectrum expected =
                core::headSpectrum(sim.model().heads[static_cast<std::size_t>(h)].M);
            QCOMPARE(panel.strip(h)->dataCount(), 8);
            for (int k = 0; k < 8; ++k) {
                QCOMPARE(panel.strip(h)->dataMainKey(k), expected.eigenvalues[k]);
                QCOMPARE(panel.strip(h)->dataMainValue(k), double(h));
            }
        }
        QVERIFY2(panel.rowLabel(1).contains(QStringLiteral("μ = 0.5")), qPrintable(panel.rowLabel(1)));

        ui::ParameterPanel parameters;
        parameters.setScenario(s);
        QSignalSpy edited(&parameters, &ui::ParameterPanel::edited);
        parameters.applySpectrum({1}, 2.0, 0.25);
        QCOMPARE(edited.count(), 1);
        const core::Scenario after = edited.at(0).at(0).value<core::Scenario>();
        QVERIFY(after.heads.kind == core::HeadsKind::Explicit);
        const core::Model model = after.buildModel();
        QVERIFY(model.heads[0].M == sim.model().heads[0].M);  // head 1 untouched
        QVERIFY(model.heads[1].V == model.heads[1].M);        // V = M kept
        sim.setModel(model);
        sim.step();
        panel.addFrame(sim.makeFrame());
        panel.refresh();
        const core::HeadSpectrum edit = core::headSpectrum(model.heads[1].M);
        QVERIFY(std::abs(edit.mean - 2.0) < 1e-10 && std::abs(edit.variance - 0.25) < 1e-10);
        for (int k = 0; k < 8; ++k) QCOMPARE(panel.strip(1)->dataMainKey(k), edit.eigenvalues[k]);
        QVERIFY2(panel.rowLabel(1).contains(QStringLiteral("μ = 2")) &&
                     panel.rowLabel(1).contains(QStringLiteral("σ² = 0.25")),
                 qPrintable(panel.rowLabel(1)));
        QVERIFY(!panel.note()->visible());
        // Every head: the spectrum kind itself.
        parameters.applySpectrum({0, 1}, -1.0, 3.0);
        QCOMPARE(edited.count(), 2);
        const core::Scenario all = edited.at(1).at(0).value<core::Scenario>();
        QVERIFY(all.heads.kind == core::HeadsKind::Spectrum);
        QCOMPARE(all.heads.spectrumMean, -1.0);
        QCOMPARE(all.heads.spectrumVariance, 3.0);
        // Too large for the eigen-solve: the panel says so.
        core::Model big;
        big.heads.resize(2);
        for (auto& h : big.heads) h.M = h.V = core::Matrix::Identity(1100, 1100);
        core::Frame f = sim.makeFrame();
        f.spectra = core::modelSpectra(big);
        panel.addFrame(f);
        panel.refresh();
        QVERIFY(panel.note()->visible());
        QVERIFY(panel.note()->text().contains(QStringLiteral("not computed")));
    }

    void heatmapCellsHaveTheColourOfTheirValue() {
        render::AttentionHeatmapPanel panel;
        panel.resize(500, 600);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        panel.setOrder(render::AttentionHeatmapPanel::Order::Index);
        panel.addFrame(makeFrame(0, 0, 1));
        panel.refresh();
        QCOMPARE(panel.colourRangeMax(), static_cast<double>(0.65f));
        auto expected = [&](double p) {
            return render::viridis(std::round(p / panel.colourRangeMax() * 255.0) / 255.0);
        };
        auto close = [](QColor a, QColor b) {
            return std::abs(a.red() - b.red()) <= 2 && std::abs(a.green() - b.green()) <= 2 &&
                   std::abs(a.blue() - b.blue()) <= 2;
        };
        QVERIFY(close(panel.cellColour(0, 1, 1), expected(0.65f)));
        QVERIFY(close(panel.cellColour(0, 1, 3), expected(0.05f)));
        QVERIFY(close(panel.cellColour(1, 1, 3), expected(0.15f)));
        QVERIFY(close(panel.cellColour(0, 0, 2), expected(0.15f)));
        QCOMPARE(panel.cellColour(0, 1, 1), render::viridis(1.0));  // the maximum is the top of the scale
        QCOMPARE(panel.tokenAtRow(0), 0);

        // Cluster order follows the display clusters (1, 0, 1, 0), not the strict singletons: rows become
        // 1, 3, 0, 2; colours stay with (i, j).
        panel.setOrder(render::AttentionHeatmapPanel::Order::Cluster);
        panel.refresh();
        QCOMPARE(panel.tokenAtRow(0), 1);
        QCOMPARE(panel.tokenAtRow(1), 3);
        QCOMPARE(panel.tokenAtRow(2), 0);
        QVERIFY(close(panel.cellColour(0, 1, 3), expected(0.05f)));
        QVERIFY(close(panel.cellColour(0, 1, 1), expected(0.65f)));

        // Clicking displayed row 1 (token 3) selects token 3.
        QSignalSpy spy(&panel, &render::PlotPanel::tokenSelected);
        QCustomPlot* plot = panel.enlargedPlot();
        plot->replot();
        const QPoint cell(static_cast<int>(plot->xAxis->coordToPixel(2)),
                          static_cast<int>(plot->yAxis->coordToPixel(1)));
        QTest::mouseClick(plot, Qt::LeftButton, {}, cell);
        QCOMPARE(spy.count(), 1);
        QCOMPARE(spy.at(0).at(0).toInt(), 3);
        QCOMPARE(panel.selectedToken(), 3);
    }

    void timeAxesStartAtTheFirstInstant() {
        // One frame at t = 0 (step 0): the time axes show [0, 1], not QCustomPlot's [-10, 10].
        render::EnergyPanel energy;
        render::EntropyPanel entropy;
        render::RadialShadowPanel shadows;
        for (render::PlotPanel* panel :
             std::initializer_list<render::PlotPanel*>{&energy, &entropy, &shadows}) {
            panel->addFrame(makeFrame(0, 0.0, 5.0));
            panel->refresh();
        }
        for (QCustomPlot* p : {energy.energyPlot(), energy.ratePlot(), entropy.plot(), shadows.shadowPlot(),
                               shadows.marginPlot()}) {
            QCOMPARE(p->xAxis->range().lower, 0.0);
            QCOMPARE(p->xAxis->range().upper, 1.0);
        }
    }

    void energyLegendStaysOffTheData() {
        // H = 8: ten legend entries. They sit above the axis rect, never inside it.
        render::EnergyPanel panel;
        panel.resize(480, 420);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        panel.addFrame(withHeads(makeFrame(0, 0.0, 5.0), 8));
        panel.addFrame(withHeads(makeFrame(1, 0.5, 6.0), 8));
        panel.refresh();
        QCustomPlot* p = panel.energyPlot();
        p->replot();
        QVERIFY(p->legend->visible());
        QCOMPARE(legendNames(p).size(), 10);
        const QRect legend = p->legend->outerRect(), data = p->axisRect()->rect();
        QVERIFY2(!legend.intersects(data),
                 qPrintable(QStringLiteral("legend (%1,%2 %3x%4) data (%5,%6 %7x%8)")
                                .arg(legend.x())
                                .arg(legend.y())
                                .arg(legend.width())
                                .arg(legend.height())
                                .arg(data.x())
                                .arg(data.y())
                                .arg(data.width())
                                .arg(data.height())));
        QVERIFY(legend.right() <= p->width());
        QVERIFY(data.height() > 100);
        // Every entry gets its full text width (wrapped into rows, not squeezed into one).
        for (int k = 0; k < p->legend->itemCount(); ++k)
            if (QCPAbstractLegendItem* item = p->legend->item(k))
                QVERIFY2(item->outerRect().width() >= item->minimumOuterSizeHint().width(),
                         qPrintable(QString::number(k)));
        QVERIFY(panel.minimumSizeHint().width() < 480);
        // Narrower: the legend wraps again (its grid then has empty cells) and stays off the data.
        panel.resize(300, 420);
        panel.addFrame(withHeads(makeFrame(2, 1.0, 6.5), 8));
        panel.refresh();
        p->replot();
        panel.resize(900, 420);
        panel.addFrame(withHeads(makeFrame(3, 1.5, 7.0), 8));
        panel.refresh();
        p->replot();
        QVERIFY(!p->legend->outerRect().intersects(p->axisRect()->rect()));
    }

    void energyBeyondPlottableMagnitudeIsSaidNotDrawn() {
        render::EnergyPanel panel;
        panel.addFrame(makeFrame(0, 0.0, 5.0));
        QVERIFY(!panel.energyNotPlottedLabel()->visible());
        core::Frame huge = makeFrame(1, 0.5, 3e300);
        huge.heads[1].energy = -2e300;
        huge.energyTotalRate = 1e301;
        panel.addFrame(huge);
        panel.refresh();
        QVERIFY(panel.energyNotPlottedLabel()->visible());
        QVERIFY2(panel.energyNotPlottedLabel()->text().contains(QStringLiteral("energy beyond 1e300")),
                 qPrintable(panel.energyNotPlottedLabel()->text()));
        QVERIFY(panel.rateNotPlottedLabel()->visible());
        QCustomPlot* p = panel.energyPlot();
        QCOMPARE(p->graph(2)->dataCount(), 1);  // E_total: only the plottable 5.0
        QCOMPARE(p->graph(1)->dataCount(), 1);  // E_2 beyond at t = 0.5
        QCOMPARE(p->graph(0)->dataCount(), 2);  // E_1 = 1 is fine
        QVERIFY(p->yAxis->range().upper < 100);
        // A reset clears the note with the histories.
        panel.addFrame(makeFrame(0, 0.0, 5.0));
        panel.refresh();
        QVERIFY(!panel.energyNotPlottedLabel()->visible());
    }

    void radialPanelSaysWhenShadowsAreBeyondPlottable() {
        render::RadialShadowPanel panel;
        core::Frame f = makeFrame(0, 0.0, 1);
        f.heads[0].radialMaxAbs = 1e302;
        f.heads[0].radial(1) = -1e302;
        f.heads[1].dominanceMargin = 5e300;
        panel.addFrame(f);
        panel.refresh();
        for (int k = 0; k < 3; ++k) QVERIFY(panel.notPlottedLabel(k)->visible());
        QVERIFY(panel.notPlottedLabel(0)->text().contains(QStringLiteral("beyond 1e300")));
        QCOMPARE(panel.shadowPlot()->graph(0)->dataCount(), 0);
    }

    void tokenAxisHasIntegerTicks() {
        render::RadialShadowPanel panel;
        panel.resize(700, 500);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        // Two tokens: the automatic ticker would label -1, -0.5, 0, 0.5, ...
        core::Frame f = makeFrame(0, 0.0, 1);
        f.n = 2;
        for (auto& head : f.heads) head.radial = head.radial.head(2).eval();
        panel.addFrame(f);
        panel.refresh();
        panel.barPlot()->replot();
        const QVector<double> ticks = panel.barPlot()->xAxis->tickVector();
        QVERIFY(ticks.size() >= 2);
        for (double t : ticks) QVERIFY2(t == std::round(t), qPrintable(QString::number(t)));
    }

    void shortPlotsKeepTickLabelsApart() {
        render::RadialShadowPanel shadows;
        shadows.resize(420, 340);  // three plots of ~110 pixels, as in the 1920x1080 window
        shadows.show();
        render::EnergyPanel energy;
        energy.resize(420, 260);
        energy.show();
        QVERIFY(QTest::qWaitForWindowExposed(&shadows) && QTest::qWaitForWindowExposed(&energy));
        for (int k = 0; k < 5; ++k) {
            core::Frame f = makeFrame(k, 0.1 * k, 1.0 + 0.37 * k);
            f.heads[0].dominanceMargin = std::sin(k) * 3.3;
            shadows.addFrame(f);
            energy.addFrame(f);
        }
        shadows.refresh();
        energy.refresh();
        for (QCustomPlot* p :
             {shadows.shadowPlot(), shadows.marginPlot(), shadows.barPlot(), energy.ratePlot()}) {
            p->replot();
            QVERIFY2(yTickLabelsApart(p), qPrintable(QStringLiteral("plot height %1, %2 ticks")
                                                         .arg(p->axisRect()->height())
                                                         .arg(p->yAxis->tickVector().size())));
        }
    }

    void radialPanelHighlightsTheSelectedToken() {
        render::RadialShadowPanel panel;
        panel.setSelectedToken(2);
        panel.addFrame(makeFrame(0, 0.0, 1));
        panel.addFrame(makeFrame(1, 0.5, 1));
        panel.refresh();
        QVERIFY(panel.selectionHighlight()->visible());
        QCOMPARE(panel.selectionHighlight()->topLeft->coords().x(), 1.5);
        QCOMPARE(panel.selectionHighlight()->bottomRight->coords().x(), 2.5);
        // Its |r_2^h| over time, mean over heads: r_2 = LinSpaced(4, -1 - h, 2 + h)[2] = 1, 4/3.
        QCOMPARE(panel.selectedGraph()->dataCount(), 2);
        QVERIFY(std::abs(graphValue(panel.selectedGraph(), 0) - (1.0 + 4.0 / 3.0) / 2) < 1e-12);
        panel.setSelectedToken(-1);
        panel.refresh();
        QVERIFY(!panel.selectionHighlight()->visible());
    }

    void lineStylesHaveLegends() {
        render::EntropyPanel entropy;
        render::RadialShadowPanel shadows;
        entropy.addFrame(makeFrame(0, 0.0, 1));
        shadows.addFrame(makeFrame(0, 0.0, 1));
        entropy.refresh();
        shadows.refresh();
        auto check = [](QCustomPlot* p, const QString& name, Qt::PenStyle style, bool shaded) {
            QCPAbstractPlottable* key = legendPlottable(p, name);
            QVERIFY2(key, qPrintable(legendNames(p).join(QStringLiteral(", "))));
            QCOMPARE(key->pen().style(), style);
            QCOMPARE(key->brush().style() != Qt::NoBrush, shaded);
            QVERIFY(p->legend->visible());
        };
        check(entropy.plot(), QStringLiteral("mean over tokens"), Qt::SolidLine, false);
        check(entropy.plot(), QStringLiteral("min over tokens"), Qt::DotLine, false);
        check(entropy.plot(), QStringLiteral("log n"), Qt::DashLine, false);
        check(entropy.plot(), QStringLiteral("selected token"), Qt::SolidLine, false);
        check(shadows.shadowPlot(), QStringLiteral("mean_i |r_i^h|"), Qt::SolidLine, false);
        check(shadows.shadowPlot(), QStringLiteral("max_i |r_i^h|"), Qt::DashLine, false);
        check(shadows.marginPlot(), QStringLiteral("D_h < 0 (shaded)"), Qt::NoPen, true);
    }

    void heatmapCellsAreCentredOnTheirTicks() {
        render::AttentionHeatmapPanel panel;
        panel.resize(500, 600);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        panel.setOrder(render::AttentionHeatmapPanel::Order::Index);
        panel.addFrame(makeFrame(0, 0, 1));
        panel.refresh();
        QCustomPlot* plot = panel.enlargedPlot();
        plot->replot();
        const QImage img = plot->toPixmap().toImage();
        const double dpr = img.width() / static_cast<double>(plot->width());
        auto colourAt = [&](double x, double y) {
            return img.pixelColor(static_cast<int>(plot->xAxis->coordToPixel(x) * dpr),
                                  static_cast<int>(plot->yAxis->coordToPixel(y) * dpr));
        };
        // Cell (i, j) covers [j - 0.45, j + 0.45] x [i - 0.45, i + 0.45] around its tick (i, j).
        for (int i = 0; i < 4; ++i)
            for (int j = 0; j < 4; ++j)
                for (double dx : {-0.4, 0.0, 0.4})
                    for (double dy : {-0.4, 0.0, 0.4}) {
                        const QColor want = panel.cellColour(0, i, j), got = colourAt(j + dx, i + dy);
                        QVERIFY2(std::abs(want.red() - got.red()) + std::abs(want.green() - got.green()) +
                                         std::abs(want.blue() - got.blue()) <=
                                     12,
                                 qPrintable(QStringLiteral("cell (%1, %2) at offset (%3, %4)")
                                                .arg(i)
                                                .arg(j)
                                                .arg(dx)
                                                .arg(dy)));
                    }
        QVERIFY(!plot->xAxis->grid()->visible() && !plot->yAxis->grid()->visible());  // no line at 0
    }

    void signedKernelHeatmapShowsSignedWeights() {
        render::AttentionHeatmapPanel panel;
        panel.resize(500, 600);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        panel.setOrder(render::AttentionHeatmapPanel::Order::Index);
        core::Frame f = makeFrame(0, 0, 1);
        QVERIFY(!f.signedKernel());
        panel.addFrame(f);
        panel.refresh();
        QVERIFY(!panel.signedRangeAvailable());
        f.kernel = core::KernelKind::Linear;
        for (int h = 0; h < 2; ++h) {
            Eigen::MatrixXf w = f.heads[h].attention;
            w(0, 1) = -0.4f;
            w(2, 3) = -0.1f;
            w(3, 3) = 0.0f;
            f.heads[h].signedAttention = w;
        }
        panel.addFrame(f);
        panel.refresh();
        // The default stays the positive part (a distribution) on viridis, labelled so.
        QCOMPARE(panel.range(), render::AttentionHeatmapPanel::Range::ZeroToMax);
        QVERIFY(panel.colourScale()->axis()->label().contains(QStringLiteral("positive part")));
        QCOMPARE(panel.cellColour(0, 1, 1), render::viridis(1.0));
        QVERIFY(panel.signedRangeAvailable());
        panel.setRange(render::AttentionHeatmapPanel::Range::Signed);
        panel.refresh();
        const double R = 0.65;  // max |w| over heads
        QVERIFY(std::abs(panel.colourRangeMax() - R) < 1e-6);
        QCOMPARE(panel.colourScale()->dataRange().lower, -panel.colourRangeMax());
        QCOMPARE(panel.colourScale()->dataRange().upper, panel.colourRangeMax());
        QVERIFY(panel.colourScale()->axis()->label().contains(QStringLiteral("signed")));
        auto close = [](QColor a, QColor b) {
            return std::abs(a.red() - b.red()) <= 3 && std::abs(a.green() - b.green()) <= 3 &&
                   std::abs(a.blue() - b.blue()) <= 3;
        };
        auto expected = [&](double w) {
            return render::diverging(std::round((w / R + 1) * 127.5) / 127.5 - 1);
        };
        QVERIFY(close(panel.cellColour(0, 0, 1), expected(-0.4)));
        QVERIFY(close(panel.cellColour(0, 2, 3), expected(-0.1)));
        QVERIFY(close(panel.cellColour(0, 3, 3), render::diverging(0.0)));  // zero is the neutral middle
        QVERIFY(close(panel.cellColour(0, 1, 1), render::diverging(1.0)));
        // Negative and positive weights are told apart (blue side vs orange side).
        QVERIFY(panel.cellColour(0, 0, 1).blue() > panel.cellColour(0, 0, 1).red());
        QVERIFY(panel.cellColour(0, 1, 1).red() > panel.cellColour(0, 1, 1).blue());

        // A frame of a kernel without signed weights falls back to the positive range.
        f.kernel = core::KernelKind::Softmax;
        for (auto& head : f.heads) head.signedAttention.resize(0, 0);
        panel.addFrame(f);
        panel.refresh();
        QVERIFY(!panel.signedRangeAvailable());
        QCOMPARE(panel.range(), render::AttentionHeatmapPanel::Range::ZeroToMax);
        QCOMPARE(panel.colourScale()->axis()->label(), QStringLiteral("P_ij"));
    }

    // The record dialog offers every registry panel, none checked by default (the 3D view alone).
    void recordDialogOffersTheRegistrysPanels() {
        render::RecordSettings initial;
        initial.path = QStringLiteral("/tmp/x.mp4");
        ui::RecordDialog dialog(nullptr, false, initial);
        QVERIFY(dialog.settings().panels.isEmpty());
        for (const render::PanelInfo& info : render::panelRegistry()) {
            auto* box = dialog.findChild<QCheckBox*>(QStringLiteral("panel.") + info.id);
            QVERIFY2(box, qPrintable(info.id));
            QCOMPARE(box->text(), info.title);
            QVERIFY(!box->isChecked());
        }
        dialog.findChild<QCheckBox*>(QStringLiteral("panel.heatmap"))->setChecked(true);
        dialog.findChild<QCheckBox*>(QStringLiteral("panel.energy"))->setChecked(true);
        QCOMPARE(dialog.settings().panels, (QStringList{"energy", "heatmap"}));
        initial.panels = {QStringLiteral("entropy")};
        ui::RecordDialog again(nullptr, false, initial);
        QCOMPARE(again.settings().panels, QStringList{"entropy"});
    }

    void screenshotDialogPresetNamesTheFieldsSize() {
        render::RecordSettings initial;
        initial.path = QStringLiteral("/tmp/x.png");
        initial.size = QSize(3840, 2160);
        ui::RecordDialog dialog(nullptr, true, initial);
        auto* preset = dialog.findChild<QComboBox*>(QStringLiteral("sizePreset"));
        QVERIFY(preset);
        QCOMPARE(preset->currentText(), QStringLiteral("3840×2160"));
        auto spins = dialog.findChildren<QSpinBox*>();
        QCOMPARE(spins.size(), 2);
        spins[0]->setValue(1000);
        QCOMPARE(preset->currentText(), QStringLiteral("custom"));
        spins[0]->setValue(1920);
        spins[1]->setValue(1080);
        QCOMPARE(preset->currentText(), QStringLiteral("1920×1080"));
        QCOMPARE(dialog.settings().size, QSize(1920, 1080));
    }

    void videoPanelSaysEnergyBeyondPlottable() {
        render::CompositionOptions options;
        options.size = QSize(1920, 1080);
        options.panels = {QStringLiteral("energy")};
        render::FrameComposer composer(options);
        core::Frame f = makeFrame(0, 0.0, 1.0);
        QImage view(composer.viewRect().size(), QImage::Format_RGBA8888);
        view.fill(Qt::black);
        // The note's colour, (240, 170, 90); no head colour or curve comes near it.
        auto notePixels = [](const QImage& img) {
            int count = 0;
            for (int y = 0; y < img.height(); ++y)
                for (int x = 0; x < img.width(); ++x) {
                    const QColor q = img.pixelColor(x, y);
                    count += std::abs(q.red() - 240) <= 20 && std::abs(q.green() - 170) <= 20 &&
                             std::abs(q.blue() - 90) <= 20;
                }
            return count;
        };
        for (int k = 0; k < 10; ++k) composer.addFrame(makeFrame(k, 0.1 * k, 1.0 + k));
        QCOMPARE(notePixels(composer.compose(view, f)), 0);
        composer.addFrame(makeFrame(10, 1.0, 4e305));
        const QImage beyond = composer.compose(view, f);
        QVERIFY2(notePixels(beyond) > 30, qPrintable(QString::number(notePixels(beyond))));
    }

    // The time-plot overlays (ghosts, abandoned branches, compared runs) copy the curves of a panel,
    // faded and in their own line style, and survive the panel's resets; the cursor and edit markers
    // are drawn on every time plot.
    void overlaysCursorAndMarkersOnEveryTimePlot() {
        render::EnergyPanel panel, other;
        for (int k = 0; k < 5; ++k) panel.addFrame(makeFrame(k, 0.1 * k, 1.0 + k));
        panel.refresh();
        const int ghost = panel.keepAsOverlay(QStringLiteral("before"), Qt::SolidLine, 90);
        // H = 2 heads + E_total on the energy plot (the decrease markers have no data); 3 rates.
        const auto energyCopies = panel.overlayGraphs(ghost, 0);
        QCOMPARE(static_cast<int>(energyCopies.size()), 3);
        QCOMPARE(static_cast<int>(panel.overlayGraphs(ghost, 1).size()), 3);
        QCOMPARE(energyCopies[0]->dataCount(), 5);
        QCOMPARE(energyCopies[0]->data()->at(3)->value, 3.0);  // E_1 at step 3
        QCOMPARE(energyCopies[0]->pen().color().alpha(), 90);
        // A snapshot: later frames and a reset (time going back) leave it as it was.
        panel.addFrame(makeFrame(0, 0.0, 7.0));
        panel.refresh();
        QCOMPARE(panel.overlayCount(), 1);
        QCOMPARE(panel.overlayGraphs(ghost, 0)[0]->dataCount(), 5);
        QCOMPARE(panel.energyPlot()->graph(0)->property("attnsphereOverlay").toBool(), true);
        // A live overlay follows its source panel.
        const int run = panel.addOverlay(QStringLiteral("run 2"), Qt::DashLine, 255);
        for (int k = 0; k < 3; ++k) other.addFrame(makeFrame(k, 0.1 * k, 2.0 + k));
        other.refresh();
        panel.setOverlayData(run, other);
        const auto live = panel.overlayGraphs(run, 0);
        QCOMPARE(static_cast<int>(live.size()), 3);
        QCOMPARE(live[2]->data()->at(2)->value, 4.0);  // E_total of the other run at step 2
        QCOMPARE(live[2]->pen().style(), Qt::DashLine);
        other.addFrame(makeFrame(3, 0.3, 5.0));
        other.refresh();
        QCOMPARE(panel.overlayGraphs(run, 0)[2]->dataCount(), 4);  // shared data, no copy needed
        // One legend key per overlay.
        int keys = 0;
        for (int k = 0; k < panel.energyPlot()->legend->itemCount(); ++k)
            if (auto* item = qobject_cast<QCPPlottableLegendItem*>(panel.energyPlot()->legend->item(k)))
                keys += item->plottable()->name() == QStringLiteral("run 2");
        QCOMPARE(keys, 1);
        panel.removeOverlay(ghost);
        QCOMPARE(panel.overlayCount(), 1);
        panel.clearOverlays();
        QCOMPARE(panel.overlayCount(), 0);
        for (QCustomPlot* plot : panel.timePlots())
            for (int k = 0; k < plot->graphCount(); ++k)
                QVERIFY(!plot->graph(k)->property("attnsphereOverlay").toBool());

        panel.setTimeCursor(0.25);
        auto cursors = [&] {
            int visible = 0;
            for (QCustomPlot* plot : panel.timePlots())
                for (int k = 0; k < plot->itemCount(); ++k)
                    if (auto* line = qobject_cast<QCPItemStraightLine*>(plot->item(k)))
                        visible += line->visible() && line->point1->coords().x() == 0.25 &&
                                   line->point2->coords().x() == 0.25;
            return visible;
        };
        QCOMPARE(cursors(), 2);
        panel.setTimeCursor(std::nullopt);
        QCOMPARE(cursors(), 0);
        panel.addEditMarker(0.2, QStringLiteral("β 3 → 10"));
        QCOMPARE(panel.editMarkerCount(), 1);
        int labels = 0;
        for (QCustomPlot* plot : panel.timePlots())
            for (int k = 0; k < plot->itemCount(); ++k)
                if (auto* text = qobject_cast<QCPItemText*>(plot->item(k)))
                    labels +=
                        text->text() == QStringLiteral("β 3 → 10") && text->position->coords().x() == 0.2;
        QCOMPARE(labels, 2);
        panel.addFrame(makeFrame(0, 0.0, 1.0));  // a reset keeps the markers
        QCOMPARE(panel.editMarkerCount(), 1);
        panel.clearEditMarkers();
        QCOMPARE(panel.editMarkerCount(), 0);
    }

    // A scrubbed moment: the bar view shows that frame's r_i^h while the time series keep the run.
    // A scrub moves the cursor once per mouse event; the time plots replot at most 60 times a second,
    // and the last position is always drawn (a trailing replot), so a burst of moves costs a few replots.
    void cursorBurstCoalescesItsReplots() {
        render::EnergyPanel panel;
        panel.resize(500, 400);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        for (int k = 0; k < 5; ++k) panel.addFrame(makeFrame(k, 0.1 * k, 1.0 + k));
        panel.refresh();
        QTest::qWait(100);
        int replots = 0;
        double drawnAt = -1;
        QCustomPlot* plot = panel.energyPlot();
        connect(plot, &QCustomPlot::afterReplot, plot, [&] {
            ++replots;
            for (int k = 0; k < plot->itemCount(); ++k)
                if (auto* line = qobject_cast<QCPItemStraightLine*>(plot->item(k)))
                    if (line->visible() && line->pen().style() == Qt::SolidLine)
                        drawnAt = line->point1->coords().x();
        });
        for (int k = 0; k <= 200; ++k) {
            panel.setTimeCursor(0.002 * k);
            QCoreApplication::processEvents();
        }
        QTRY_COMPARE_WITH_TIMEOUT(drawnAt, 0.4, 1000);
        QVERIFY2(replots >= 1 && replots < 50, qPrintable(QString::number(replots)));
    }

    void showFrameShowsAMomentWithoutAddingIt() {
        render::RadialShadowPanel panel;
        for (int k = 0; k < 4; ++k) panel.addFrame(makeFrame(k, 0.1 * k, 1.0));
        panel.refresh();
        const int points = panel.shadowPlot()->graph(0)->dataCount();
        core::Frame past = makeFrame(1, 0.1, 1.0);
        past.heads[1].radial = core::Vector::Constant(4, -0.75);
        panel.showFrame(past);
        panel.refresh();
        QCOMPARE(panel.barValues(1)[2], -0.75);
        QCOMPARE(panel.barValues(0)[0], -1.0);
        QCOMPARE(panel.shadowPlot()->graph(0)->dataCount(), points);
        // The next live frame is not taken for a reset (showFrame does not move the panel's clock).
        panel.addFrame(makeFrame(4, 0.4, 1.0));
        panel.refresh();
        QCOMPARE(panel.shadowPlot()->graph(0)->dataCount(), points + 1);
    }
};

QTEST_MAIN(TestPanels)
#include "test_panels.moc"
