// Panels fed with known frames plot exactly those values; the heatmap colours cell (i, j) with the
// viridis colour of P_ij on the shown range, in index and cluster order; a click on a cell selects a token.
#include "ui/AttentionHeatmapPanel.h"
#include "ui/ColourMap.h"
#include "ui/EnergyPanel.h"
#include "ui/EntropyPanel.h"
#include "ui/RadialShadowPanel.h"
#include "ui/SceneRenderer.h"

#include <qcustomplot.h>

#include <QSignalSpy>
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
    f.clusterLabels = {1, 0, 1, 0};
    f.clusterCount = 2;
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

}  // namespace

class TestPanels : public QObject {
    Q_OBJECT
private slots:
    void energyPanelPlotsEnergiesRatesAndDecreases() {
        ui::EnergyPanel panel;
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
        QCOMPARE(p->graph(0)->pen().color(), ui::headColour(0));
        QCOMPARE(p->graph(1)->pen().color(), ui::headColour(1));
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
        ui::EntropyPanel panel;
        panel.setSelectedToken(2);
        panel.addFrame(makeFrame(0, 0.0, 1));
        panel.addFrame(makeFrame(1, 0.5, 1));
        panel.refresh();
        QCustomPlot* p = panel.plot();
        QCOMPARE(p->graphCount(), 5);                // mean and min per head, selected token
        QCOMPARE(graphValue(p->graph(2), 1), 2.01);  // head 2 mean at step 1
        QCOMPARE(graphValue(p->graph(3), 0), 0.2);   // head 2 min
        QCOMPARE(p->graph(2)->pen().color(), ui::headColour(1));
        QCOMPARE(p->graph(3)->pen().style(), Qt::DashLine);
        // Selected token 2: mean over heads of S_2^h = (0.25 + 0.5) / 2.
        QCOMPARE(graphValue(p->graph(4), 0), 0.375);
        QVERIFY(std::abs(panel.logNLine() - std::log(4.0)) < 1e-15);
    }

    void radialPanelPlotsShadowsMarginsAndBars() {
        ui::RadialShadowPanel panel;
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
        QCOMPARE(bars->brush().color(), ui::headColour(1));
    }

    void heatmapCellsHaveTheColourOfTheirValue() {
        ui::AttentionHeatmapPanel panel;
        panel.resize(500, 600);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        panel.setOrder(ui::AttentionHeatmapPanel::Order::Index);
        panel.addFrame(makeFrame(0, 0, 1));
        panel.refresh();
        QCOMPARE(panel.colourRangeMax(), static_cast<double>(0.65f));
        auto expected = [&](double p) {
            return ui::viridis(std::round(p / panel.colourRangeMax() * 255.0) / 255.0);
        };
        auto close = [](QColor a, QColor b) {
            return std::abs(a.red() - b.red()) <= 2 && std::abs(a.green() - b.green()) <= 2 &&
                   std::abs(a.blue() - b.blue()) <= 2;
        };
        QVERIFY(close(panel.cellColour(0, 1, 1), expected(0.65f)));
        QVERIFY(close(panel.cellColour(0, 1, 3), expected(0.05f)));
        QVERIFY(close(panel.cellColour(1, 1, 3), expected(0.15f)));
        QVERIFY(close(panel.cellColour(0, 0, 2), expected(0.15f)));
        QCOMPARE(panel.cellColour(0, 1, 1), ui::viridis(1.0));  // the maximum is the top of the scale
        QCOMPARE(panel.tokenAtRow(0), 0);

        // Cluster order (labels 1, 0, 1, 0): rows become 1, 3, 0, 2; colours stay with (i, j).
        panel.setOrder(ui::AttentionHeatmapPanel::Order::Cluster);
        panel.refresh();
        QCOMPARE(panel.tokenAtRow(0), 1);
        QCOMPARE(panel.tokenAtRow(1), 3);
        QCOMPARE(panel.tokenAtRow(2), 0);
        QVERIFY(close(panel.cellColour(0, 1, 3), expected(0.05f)));
        QVERIFY(close(panel.cellColour(0, 1, 1), expected(0.65f)));

        // Clicking displayed row 1 (token 3) selects token 3.
        QSignalSpy spy(&panel, &ui::PlotPanel::tokenSelected);
        QCustomPlot* plot = panel.enlargedPlot();
        plot->replot();
        const QPoint cell(static_cast<int>(plot->xAxis->coordToPixel(2)),
                          static_cast<int>(plot->yAxis->coordToPixel(1)));
        QTest::mouseClick(plot, Qt::LeftButton, {}, cell);
        QCOMPARE(spy.count(), 1);
        QCOMPARE(spy.at(0).at(0).toInt(), 3);
        QCOMPARE(panel.selectedToken(), 3);
    }
};

QTEST_MAIN(TestPanels)
#include "test_panels.moc"
