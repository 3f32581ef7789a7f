#include "render/ClusteringPanel.h"

#include "render/SceneRenderer.h"
#include "render/TheoryCurves.h"

#include <qcustomplot.h>

#include <QCheckBox>
#include <QVBoxLayout>

#include <cmath>
#include <limits>

namespace attnsphere::render {

namespace {
// Okabe–Ito colours, apart from the head colours' first entries where the heads also appear.
const QColor kRhoColour(86, 180, 233);
const QColor kOrderColour(230, 159, 0);
const QColor kPairsColour(0, 158, 115);
const QColor kDiameterColour(225, 225, 225);
const QColor kComparisonColour(204, 121, 167);
const QColor kLogisticColour(240, 228, 66);
const QColor kAsymptoteColour(160, 165, 175);
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// The linear view draws the asymptote 1 - C e^{-lambda t} only close to rho = 1, where it applies.
constexpr double kAsymptoteShownGap = 0.2;
// Floors of the fits (doc/MODEL.md §6): below them rounding dominates 1 - rho_bar and the diameter.
constexpr double kGapFitFloor = 1e-10;
constexpr double kDiameterFitFloor = 1e-7;

double positive(double v) {
    return v > 0 && std::isfinite(v) ? v : kNaN;
}
double gapOf(const std::optional<double>& rho) {
    return rho ? positive(1.0 - *rho) : kNaN;
}
}  // namespace

ClusteringPanel::ClusteringPanel(QWidget* parent) : PlotPanel(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->setSpacing(2);
    m_logBox = new QCheckBox(tr("log scale (1 − ρ̄, diameter)"), this);
    m_logBox->setToolTip(
        tr("Show 1 − ρ̄ and the diameter (largest angle between two tokens) on a log axis. A collapse\n"
           "1 − ρ̄ ~ C e^{−λt} is then a straight line; λ is fitted by least squares on log(1 − ρ̄) over\n"
           "the recent straight part (doc/MODEL.md §6)."));
    layout->addWidget(m_logBox);
    m_plot = makePlot(this, QStringLiteral("t"), QStringLiteral("clustering"));
    m_countPlot = makePlot(this, QStringLiteral("t"), QStringLiteral("clusters"));
    layout->addWidget(m_plot, 3);
    layout->addWidget(m_countPlot, 1);
    setToolTip(
        tr("ρ̄ = mean pairwise cosine, R = |mean_i x_i| (R² = 1/n + (1 − 1/n) ρ̄), clustered pairs = share of\n"
           "pairs with cos ≥ 0.999 (doc/MODEL.md §6). Dashed \"theory\": the exact equiangular ODE ρ(t) for\n"
           "scalar heads from an equiangular start, each head alone, the linear-rate asymptote, the ReLU\n"
           "logistic closed form, and for d = 2 the Kuramoto R(t) (doc/MODEL.md §8). Hover a curve for its "
           "formula."));
    m_plot->setToolTip(toolTip());
    m_countPlot->setToolTip(
        tr("Cluster counts: display clusters (single linkage at cos ≥ 0.99) and strict clusters (cos ≥ 1 − "
           "1e-4)\n"
           "(doc/MODEL.md §6)."));
    placeLegendAbove(m_plot);
    placeLegendAbove(m_countPlot);
    installFormulaToolTips(m_plot);
    m_regime = makeRegimeLabel(m_plot);
    m_fitText = new QCPItemText(m_plot);
    m_fitText->setPositionAlignment(Qt::AlignLeft | Qt::AlignBottom);
    m_fitText->setTextAlignment(Qt::AlignLeft);
    m_fitText->position->setType(QCPItemPosition::ptAxisRectRatio);
    m_fitText->position->setCoords(0.01, 0.98);
    m_fitText->setColor(QColor(235, 235, 235));
    m_fitText->setBrush(QColor(24, 27, 34, 230));
    m_fitText->setPadding(QMargins(4, 2, 4, 2));
    QFont small = m_fitText->font();
    small.setPointSizeF(8.5);
    m_fitText->setFont(small);
    m_fitText->setVisible(false);
    connect(m_logBox, &QCheckBox::toggled, this, &ClusteringPanel::setLogScale);
    rebuild(0);
}

int ClusteringPanel::addCurve(QCustomPlot* plot, const QString& name, const QPen& pen, bool log,
                              const QString& formula, std::function<double(const core::Frame&)> value) {
    Curve c;
    c.graph = plot->addGraph();
    c.graph->setName(name);
    c.graph->setPen(pen);
    c.graph->setVisible(false);
    c.graph->removeFromLegend();
    if (!formula.isEmpty()) setFormula(c.graph, formula);
    c.log = log;
    c.value = std::move(value);
    m_curves.push_back(std::move(c));
    return static_cast<int>(m_curves.size()) - 1;
}

void ClusteringPanel::rebuild(int H) {
    m_plot->clearGraphs();
    m_countPlot->clearGraphs();
    m_curves.clear();
    m_overlay.reset();
    m_gapFit.reset();
    m_diameterFit.reset();
    using F = const core::Frame&;
    const QString odeFormula = tr(
        "dρ/dt = 2(1−ρ)(1+(n−1)ρ) Σ_h b_h κ(βa_hρ)/(κ(βa_h)+(n−1)κ(βa_hρ)) (normalised kernels; divided by "
        "n:\n"
        "(2/n)(1−ρ)(1+(n−1)ρ) Σ_h b_h κ(βa_hρ)), scalar heads M_h = a_h I, V_h = b_h I, equiangular start\n"
        "(doc/MODEL.md §8)");
    const QString comparisonFormula =
        tr("The equiangular ODE with the softmax kernel (exp for unnormalised ReLU) from the same ρ0: its\n"
           "clustering time stays bounded as ρ0 → 0, ReLU's grows like log(1/ρ0) (doc/MODEL.md §8)");
    const QString logisticFormula =
        tr("Normalised ReLU: dρ/dt = λρ(1−ρ), ρ(t) = ρ0 e^{λt} / (1 − ρ0 + ρ0 e^{λt}), λ = 2 Σ_h b_h\n"
           "(doc/MODEL.md §8)");
    // Linear view.
    addCurve(m_plot, tr("ρ̄"), plotPen(kRhoColour), false, {}, [](F f) { return f.meanCosine; });
    addCurve(m_plot, tr("R"), plotPen(kOrderColour), false, {}, [](F f) { return f.orderParameter; });
    addCurve(m_plot, tr("clustered pairs"), plotPen(kPairsColour), false, {},
             [](F f) { return f.clusteredPairFraction; });
    addCurve(m_plot, tr("theory ρ(t)"), theoryPen(kRhoColour), false, odeFormula,
             [](F f) { return orGap(f.theoryValues.rho); });
    addCurve(m_plot, tr("theory R(t)"), theoryPen(kOrderColour), false,
             tr("d = 2: R = |mean_i (cos θ_i, sin θ_i)| with dθ_i/dt = −Σ_h b_h (1/N_i^h) Σ_j κ(βa_h "
                "cos(θ_i−θ_j))\n"
                "sin(θ_i−θ_j) (Kuramoto form; N_i^h = Z_i^h, n or 1). Equiangular: R = √(1/n + (1−1/n)ρ(t))\n"
                "(doc/MODEL.md §8)"),
             [](F f) { return orGap(f.theoryValues.orderParameter); });
    for (int h = 0; h < (H > 1 ? H : 0); ++h) {
        QColor colour = headColour(h);
        colour.setAlpha(170);
        addCurve(
            m_plot, tr("theory head %1 alone").arg(h + 1), theoryPen(colour), false,
            tr("The equiangular ODE with head %1 only (same ρ0): together the heads cluster faster than\n"
               "their rates add up (super-additivity, doc/MODEL.md §8)")
                .arg(h + 1),
            [h](F f) {
                return h < static_cast<int>(f.theoryValues.rhoAlone.size()) ? f.theoryValues.rhoAlone[h]
                                                                            : kNaN;
            });
    }
    addCurve(m_plot, tr("theory softmax"), theoryPen(kComparisonColour), false, comparisonFormula,
             [](F f) { return orGap(f.theoryValues.rhoComparison); });
    addCurve(m_plot, tr("theory logistic"), theoryPen(kLogisticColour), false, logisticFormula,
             [](F f) { return orGap(f.theoryValues.rhoLogistic); });
    const QString asymptoteFormula = tr(
        "Linear rate at ρ = 1: 1 − ρ ≈ C e^{−λt}, λ = 2 Σ_h b_h (softmax), 2 Σ_h b_h e^{βa_h} (exp); in\n"
        "general the derivative of the ODE's right-hand side divided by (1 − ρ) at ρ = 1 (doc/MODEL.md §8)");
    addCurve(m_plot, tr("theory asymptote"), theoryPen(kAsymptoteColour), false, asymptoteFormula, [](F f) {
        const auto& g = f.theoryValues.asymptoteGap;
        return g && *g <= kAsymptoteShownGap ? 1.0 - *g : kNaN;
    });
    // Log view.
    m_gap = addCurve(m_plot, tr("1 − ρ̄"), plotPen(kRhoColour), true, {},
                     [](F f) { return positive(1.0 - f.meanCosine); });
    m_diameter = addCurve(m_plot, tr("diameter (rad)"), plotPen(kDiameterColour), true,
                          tr("Largest angle between two tokens, 2 asin(|x_i − x_j|/2) for the pair with the\n"
                             "smallest cosine (doc/MODEL.md §6)"),
                          [](F f) { return positive(f.diameter); });
    addCurve(m_plot, tr("theory 1 − ρ(t)"), theoryPen(kRhoColour), true, odeFormula,
             [](F f) { return gapOf(f.theoryValues.rho); });
    for (int h = 0; h < (H > 1 ? H : 0); ++h) {
        QColor colour = headColour(h);
        colour.setAlpha(170);
        addCurve(m_plot, tr("theory 1 − ρ, head %1 alone").arg(h + 1), theoryPen(colour), true,
                 tr("The equiangular ODE with head %1 only (doc/MODEL.md §8)").arg(h + 1), [h](F f) {
                     return h < static_cast<int>(f.theoryValues.rhoAlone.size())
                                ? positive(1.0 - f.theoryValues.rhoAlone[h])
                                : kNaN;
                 });
    }
    addCurve(m_plot, tr("theory 1 − ρ softmax"), theoryPen(kComparisonColour), true, comparisonFormula,
             [](F f) { return gapOf(f.theoryValues.rhoComparison); });
    addCurve(m_plot, tr("theory 1 − ρ logistic"), theoryPen(kLogisticColour), true, logisticFormula,
             [](F f) { return gapOf(f.theoryValues.rhoLogistic); });
    addCurve(m_plot, tr("theory asymptote"), theoryPen(kAsymptoteColour), true, asymptoteFormula,
             [](F f) { return positive(orGap(f.theoryValues.asymptoteGap)); });
    // Counts.
    for (const auto& [name, display] : {std::pair{tr("display clusters (cos ≥ 0.99)"), true},
                                        std::pair{tr("strict clusters (τ = 1e-4)"), false}}) {
        const int k =
            addCurve(m_countPlot, name, plotPen(display ? QColor(235, 235, 235) : kPairsColour), false, {},
                     [display](F f) { return double(display ? f.displayClusterCount : f.clusterCount); });
        m_curves[k].graph->setLineStyle(QCPGraph::lsStepLeft);
    }
    // Fitted lines: dotted over the fitted window.
    m_gapFitGraph = m_plot->addGraph();
    m_gapFitGraph->setName(tr("fit"));
    m_gapFitGraph->setPen(plotPen(QColor(250, 250, 250), Qt::DotLine));
    m_gapFitGraph->removeFromLegend();
    m_diameterFitGraph = m_plot->addGraph();
    m_diameterFitGraph->setPen(plotPen(QColor(250, 250, 250), Qt::DotLine));
    m_diameterFitGraph->removeFromLegend();
}

QCPGraph* ClusteringPanel::graph(const QString& name) const {
    for (QCustomPlot* plot : {m_plot, m_countPlot})
        for (int k = 0; k < plot->graphCount(); ++k)
            if (plot->graph(k)->name() == name) return plot->graph(k);
    return nullptr;
}

void ClusteringPanel::setLogScale(bool on) {
    if (m_logBox->isChecked() != on) m_logBox->setChecked(on);  // re-enters through toggled
    if (m_log == on) return;
    m_log = on;
    QCPAxis* y = m_plot->yAxis;
    if (on) {
        y->setScaleType(QCPAxis::stLogarithmic);
        y->setTicker(QSharedPointer<QCPAxisTickerLog>(new QCPAxisTickerLog));
        y->setNumberFormat(QStringLiteral("eb"));
        y->setNumberPrecision(0);
        y->setLabel(tr("1 − ρ̄, diameter"));
    } else {
        y->setScaleType(QCPAxis::stLinear);
        y->setTicker(QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
        y->setNumberFormat(QStringLiteral("gb"));
        y->setNumberPrecision(6);
        y->setLabel(tr("clustering"));
    }
    m_plot->setProperty("autoRange", true);
    m_dirty = true;
    refresh();
}

void ClusteringPanel::addFrame(const core::Frame& frame) {
    if (needsReset(frame)) rebuild(frame.H);
    if (!frame.hasObservables) return;
    for (Curve& c : m_curves) {
        const double v = c.value(frame);
        c.data.append(frame.t, v);
        if (std::isfinite(v)) c.seen = true;
    }
    if (frame.theory) m_overlay = frame.theory;
}

void ClusteringPanel::updateFits() {
    auto fit = [](const SeriesBuffer& data, double floor) {
        return core::fitExponentialRate(std::vector<double>(data.keys().begin(), data.keys().end()),
                                        std::vector<double>(data.values().begin(), data.values().end()),
                                        floor);
    };
    m_gapFit = fit(m_curves[m_gap].data, kGapFitFloor);
    m_diameterFit = fit(m_curves[m_diameter].data, kDiameterFitFloor);
    QStringList lines;
    auto show = [&](QCPGraph* g, const std::optional<core::ExponentialFit>& f, const QString& what) {
        g->data()->clear();
        if (!f) return;
        for (double t : {f->tStart, f->tEnd}) g->addData(t, std::exp(f->intercept - f->rate * t));
        lines << tr("%1: fitted λ = %2 (t %3 … %4)")
                     .arg(what)
                     .arg(f->rate, 0, 'g', 4)
                     .arg(f->tStart, 0, 'g', 3)
                     .arg(f->tEnd, 0, 'g', 3);
    };
    show(m_gapFitGraph, m_gapFit, tr("1 − ρ̄"));
    show(m_diameterFitGraph, m_diameterFit, tr("diameter"));
    if (m_overlay && m_overlay->equiangular && m_overlay->linearRate > 0)
        lines << tr("theory λ = %1 (linear rate at ρ = 1)").arg(m_overlay->linearRate, 0, 'g', 4);
    m_fitText->setText(lines.join(QLatin1Char('\n')));
    m_fitText->setVisible(!lines.isEmpty());
}

void ClusteringPanel::refresh() {
    if (!m_dirty) return;
    m_dirty = false;
    for (Curve& c : m_curves) {
        const bool shown = c.seen && (c.graph->parentPlot() == m_countPlot || c.log == m_log);
        c.data.assignTo(c.graph);
        c.graph->setVisible(shown);
        if (shown)
            c.graph->addToLegend();
        else
            c.graph->removeFromLegend();
    }
    m_gapFitGraph->setVisible(m_log);
    m_diameterFitGraph->setVisible(m_log);
    if (m_log)
        updateFits();
    else
        m_fitText->setVisible(false);
    updateRegimeLabel(m_regime, m_overlay.get());
    // The fitted lines lie on the data: leave them out of the axis range.
    m_gapFitGraph->setVisible(false);
    m_diameterFitGraph->setVisible(false);
    autoRange(m_plot);
    m_gapFitGraph->setVisible(m_log);
    m_diameterFitGraph->setVisible(m_log);
    if (m_log && m_plot->property("autoRange").toBool()) {
        // autoRange pads linearly; a log axis gets a factor instead.
        bool found = false;
        QCPRange range;
        for (const Curve& c : m_curves) {
            if (!c.graph->visible() || c.graph->parentPlot() != m_plot) continue;
            bool has = false;
            const QCPRange r = c.graph->getValueRange(has, QCP::sdPositive);
            if (!has) continue;
            range = found ? QCPRange(std::min(range.lower, r.lower), std::max(range.upper, r.upper)) : r;
            found = true;
        }
        if (found) m_plot->yAxis->setRange(range.lower / 2, range.upper * 2);
    }
    autoRange(m_countPlot);
    if (m_countPlot->property("autoRange").toBool()) {
        // Counts are often constant, where a padded rescale would widen the range on every refresh.
        double top = 1;
        for (const Curve& c : m_curves)
            if (c.graph->parentPlot() == m_countPlot)
                for (double v : c.data.values()) top = std::max(top, v);
        m_countPlot->yAxis->setRange(0, top * 1.1 + 0.5);
    }
    queueReplot(m_plot);
    queueReplot(m_countPlot);
}

}  // namespace attnsphere::render
