// The clustering panel and the entropy panel's theory (doc/MODEL.md §6, §8, §11): the dashed theory curves
// hold core's ODE at the frames' times, an edit that leaves the regime shows the out-of-regime label, and
// the log view's fitted rate on hemisphere-collapse is the least-squares slope over the window it names.
#include "core/EquiangularTheory.h"
#include "core/Scenario.h"
#include "core/Simulation.h"
#include "render/ClusteringPanel.h"
#include "render/EntropyPanel.h"
#include "render/PanelRegistry.h"
#include "render/Theme.h"
#include "render/TheoryCurves.h"

#include <qcustomplot.h>

#include <QApplication>
#include <QtTest>

#include <cmath>

using namespace attnsphere;

namespace {

// Frames of a preset every `every` of simulated time up to tEnd.
std::vector<core::Frame> frames(core::Simulation& sim, double every, double tEnd) {
    std::vector<core::Frame> out;
    core::FrameOptions options;
    options.attention = false;
    for (double t = sim.time(); t <= tEnd + 1e-9; t += every) {
        sim.stepUntil(t);
        out.push_back(sim.makeFrame(options));
    }
    return out;
}

template <class Panel>
void feed(Panel& panel, const std::vector<core::Frame>& fs) {
    for (const core::Frame& f : fs) panel.addFrame(f);
    panel.refresh();
}

}  // namespace

class TestClusteringPanel : public QObject {
    Q_OBJECT

private slots:
    void isInTheRegistry() {
        const render::PanelInfo* info = render::findPanel(QStringLiteral("clustering"));
        QVERIFY(info);
        QCOMPARE(info->title, QStringLiteral("Clustering"));
        std::unique_ptr<render::PlotPanel> panel(info->make(nullptr));
        QCOMPARE(int(panel->timePlots().size()), 2);
    }

    void theoryCurvesEqualCoresOde() {
        core::Simulation sim(core::Scenario::load("superadditive-heads"));
        const auto fs = frames(sim, 0.1, 3.0);
        render::ClusteringPanel panel;
        feed(panel, fs);
        const core::TheoryOverlay& o = *fs.front().theory;
        QCPGraph* rho = panel.graph(QStringLiteral("theory ρ(t)"));
        QVERIFY(rho && rho->visible());
        QCOMPARE(rho->pen().style(), Qt::DashLine);
        QCOMPARE(rho->dataCount(), int(fs.size()));
        for (int k = 0; k < rho->dataCount(); ++k) {
            const double t = rho->data()->at(k)->key;
            QVERIFY(std::abs(rho->data()->at(k)->value -
                             core::equiangular::integrateRho(o.setup, o.rho0, t)) < 1e-10);
        }
        // Each head alone, lighter dashed, from the same rho0; together faster.
        for (int h = 0; h < 2; ++h) {
            QCPGraph* alone = panel.graph(QStringLiteral("theory head %1 alone").arg(h + 1));
            QVERIFY(alone && alone->visible());
            core::EquiangularSetup one = o.setup;
            one.heads = {o.setup.heads[h]};
            for (int k = 1; k < alone->dataCount(); k += 7) {
                const double t = alone->data()->at(k)->key;
                QVERIFY(std::abs(alone->data()->at(k)->value - core::equiangular::integrateRho(one, 0.0, t)) <
                        1e-10);
                QVERIFY(alone->data()->at(k)->value < rho->data()->at(k)->value);
            }
        }
        QVERIFY(!panel.regimeLabel()->visible());
        // Constant counts (16 tokens, 16 clusters) keep a range that shows them, frame after frame.
        QCOMPARE(panel.graph(QStringLiteral("display clusters (cos ≥ 0.99)"))->data()->at(5)->value, 16.0);
        const QCPRange counts = panel.countPlot()->yAxis->range();
        QVERIFY(counts.lower <= 0 && counts.upper > 16 && counts.upper < 20);
        // Every theory curve, in both views, has its formula and section for the tooltip.
        for (QCustomPlot* plot : {panel.plot()})
            for (int k = 0; k < plot->graphCount(); ++k)
                if (plot->graph(k)->name().startsWith(QStringLiteral("theory")))
                    QVERIFY2(render::formulaOf(plot->graph(k)).contains(QStringLiteral("doc/MODEL.md §8")),
                             qPrintable(plot->graph(k)->name()));
        QVERIFY(
            render::formulaOf(panel.graph(QStringLiteral("diameter (rad)"))).contains(QStringLiteral("§6")));
        // The legend says "theory".
        QVERIFY(rho->name().startsWith(QStringLiteral("theory")));

        // Entropy panel: S(rho(t)) per head, dashed.
        render::EntropyPanel entropy;
        feed(entropy, fs);
        for (int h = 0; h < 2; ++h) {
            QCPGraph* s = entropy.theoryGraph(h);
            QCOMPARE(s->pen().style(), Qt::DashLine);
            QCOMPARE(s->dataCount(), int(fs.size()));
            for (int k = 0; k < s->dataCount(); k += 5) {
                const double t = s->data()->at(k)->key;
                const double expected = core::equiangular::entropy(
                    o.setup, h, core::equiangular::integrateRho(o.setup, o.rho0, t));
                QVERIFY(std::abs(s->data()->at(k)->value - expected) < 1e-9);
            }
        }
        QVERIFY(!entropy.regimeLabel()->visible());
    }

    void reluShowsTheSoftmaxCurveFromTheSameStart() {
        core::Simulation sim(core::Scenario::load("relu-vs-softmax"));
        const auto fs = frames(sim, 0.2, 8.0);
        render::ClusteringPanel panel;
        feed(panel, fs);
        QCPGraph* softmax = panel.graph(QStringLiteral("theory softmax"));
        QCPGraph* relu = panel.graph(QStringLiteral("theory ρ(t)"));
        QVERIFY(softmax && softmax->visible() && relu->visible());
        QVERIFY(panel.graph(QStringLiteral("theory logistic"))->visible());
        // Softmax clusters first from rho0 = 0.001 (doc/MODEL.md §8): ahead at t = 4.
        const int k = 20;
        QVERIFY(std::abs(softmax->data()->at(k)->key - 4.0) < 1e-9);
        QVERIFY(softmax->data()->at(k)->value > relu->data()->at(k)->value + 0.05);
    }

    void nonScalarEditShowsOutOfRegime() {
        core::Simulation sim(core::Scenario::load("superadditive-heads"));
        render::ClusteringPanel panel;
        render::EntropyPanel entropy;
        const auto before = frames(sim, 0.1, 1.0);
        feed(panel, before);
        feed(entropy, before);
        QVERIFY(!panel.regimeLabel()->visible());
        core::Model m = sim.model();
        m.heads[1].M(0, 1) = 0.3;
        sim.setModel(m);
        const auto after = frames(sim, 0.1, 1.5);
        feed(panel, after);
        feed(entropy, after);
        for (QCPItemText* label : {panel.regimeLabel(), entropy.regimeLabel()}) {
            QVERIFY(label->visible());
            QVERIFY2(
                label->text().startsWith(QStringLiteral("theory: out of regime —\nhead 2 is not scalar")),
                qPrintable(label->text()));
        }
        // The curve stops at the edit: frames after it carry no theory value.
        QCPGraph* rho = panel.graph(QStringLiteral("theory ρ(t)"));
        QVERIFY(std::isfinite(rho->data()->at(int(before.size()) - 1)->value));
        QVERIFY(std::isnan(rho->data()->at(rho->dataCount() - 1)->value));
        // Drawn into an image (video frames), the label is there too.
        const QImage image = panel.renderImage(QSize(640, 480), 1.0);
        QVERIFY(!image.isNull());
    }

    void logScaleFitOnHemisphereCollapse() {
        core::Simulation sim(core::Scenario::load("hemisphere-collapse"));
        const auto fs = frames(sim, 0.1, 15.0);
        render::ClusteringPanel panel;
        feed(panel, fs);
        panel.setLogScale(true);
        QCOMPARE(panel.plot()->yAxis->scaleType(), QCPAxis::stLogarithmic);
        QVERIFY(panel.gapFit() && panel.diameterFit());
        QVERIFY(panel.fitLabel()->visible());
        QVERIFY(panel.fitLabel()->text().contains(QStringLiteral("fitted λ")));
        // Independent least squares over the window the panel names, from the frames themselves.
        auto slope = [&](auto value, const core::ExponentialFit& fit) {
            double n = 0, st = 0, sy = 0;
            std::vector<std::pair<double, double>> pts;
            for (const core::Frame& f : fs)
                if (f.t >= fit.tStart - 1e-12 && f.t <= fit.tEnd + 1e-12)
                    pts.emplace_back(f.t, std::log(value(f)));
            for (const auto& [t, y] : pts) {
                n += 1;
                st += t;
                sy += y;
            }
            double num = 0, den = 0;
            for (const auto& [t, y] : pts) {
                num += (t - st / n) * (y - sy / n);
                den += (t - st / n) * (t - st / n);
            }
            return std::pair{-num / den, int(n)};
        };
        const core::ExponentialFit gap = *panel.gapFit(), diameter = *panel.diameterFit();
        for (const auto& [fit, value] :
             {std::pair{gap, std::function<double(const core::Frame&)>(
                                 [](const core::Frame& f) { return 1 - f.meanCosine; })},
              std::pair{diameter, std::function<double(const core::Frame&)>(
                                      [](const core::Frame& f) { return f.diameter; })}}) {
            QVERIFY(std::isfinite(fit.rate) && fit.rate > 0);
            const auto [rate, points] = slope(value, fit);
            QCOMPARE(points, fit.points);
            QVERIFY2(std::abs(rate - fit.rate) < 1e-9 * fit.rate,
                     qPrintable(QString("%1 vs %2").arg(rate).arg(fit.rate)));
            QVERIFY(fit.tEnd - fit.tStart > 3);  // a straight part, not a few points
        }
        // Collapse to one point: 1 - rho_bar ~ e^{-2t}, diameter ~ e^{-t} (doc/MODEL.md §12, fact 12).
        QVERIFY2(std::abs(gap.rate - 2) < 0.04, qPrintable(QString::number(gap.rate)));
        QVERIFY2(std::abs(diameter.rate - 1) < 0.02, qPrintable(QString::number(diameter.rate)));
        // Back to the linear view: the fit is hidden, the axis linear.
        panel.setLogScale(false);
        QCOMPARE(panel.plot()->yAxis->scaleType(), QCPAxis::stLinear);
        QVERIFY(!panel.fitLabel()->visible());
    }
};

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    render::applyTheme(app);
    TestClusteringPanel test;
    return QTest::qExec(&test, argc, argv);
}
#include "test_clustering_panel.moc"
