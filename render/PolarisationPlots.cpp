#include "render/PolarisationPlots.h"

#include "render/ColourMap.h"
#include "render/DisplayStyle.h"

#include <qcustomplot.h>

#include <QHBoxLayout>
#include <QLayout>
#include <QVBoxLayout>

#include <cmath>

namespace attnsphere::render {

namespace {

QString mapName(core::PolarMap map) {
    return QString::fromUtf8(core::nameOf(map).data(), static_cast<int>(core::nameOf(map).size()));
}

// What each map's bars show, as their title says.
QString barTitle(core::PolarMap map) {
    switch (map) {
        case core::PolarMap::Softmax:
            return QStringLiteral("softmax: p = softmax(a)");
        case core::PolarMap::Linear:
            return QStringLiteral("linear: p = a");
        case core::PolarMap::Sigmoid:
            return QStringLiteral("sigmoid: p_k = 1/(1+e^-a_k)");
    }
    return mapName(map);
}

}  // namespace

QColor polarMapColour(core::PolarMap map) {
    return categoricalColour(static_cast<int>(map));
}

PolarisationPlots::PolarisationPlots(const core::PolarisationSpec& spec, QWidget* parent)
    : QWidget(parent), m_spec(spec) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_barRow = new QWidget(this);
    auto* row = new QHBoxLayout(m_barRow);
    row->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_barRow, 3);
    m_timeRow = new QWidget(this);
    QWidget* timeRow = m_timeRow;
    auto* times = new QHBoxLayout(timeRow);
    times->setContentsMargins(0, 0, 0, 0);
    m_entropy = PlotPanel::makePlot(timeRow, tr("t"), tr("entropy of p (nats)"));
    m_norms = PlotPanel::makePlot(timeRow, tr("t"), tr("|V|_F, max_k |V e_k| (dashed)"));
    m_loss = PlotPanel::makePlot(timeRow, tr("t"), tr("loss"));
    m_loss->yAxis->setScaleType(QCPAxis::stLogarithmic);
    m_loss->yAxis->setTicker(QSharedPointer<QCPAxisTickerLog>(new QCPAxisTickerLog));
    for (QCustomPlot* p : {m_entropy, m_norms, m_loss}) {
        times->addWidget(p);
        PlotPanel::placeLegendAbove(p);
    }
    m_entropy->setToolTip(tr(
        "Entropy of the weights over time: of p for softmax; of |p| / Σ|p| for the linear and sigmoid maps.\n"
        "Grey dashed: log n, uniform weights. Polarisation is the entropy falling towards 0 "
        "(doc/MODEL.md)."));
    m_norms->setToolTip(
        tr("Frobenius norm of the values V (solid) and their largest column norm (dashed): the\n"
           "chosen token's value column grows (massive activations)."));
    m_loss->setToolTip(tr("The loss L(V p) (log scale); it never rises along the gradient flow."));
    m_logN = new QCPItemStraightLine(m_entropy);
    m_logN->setPen(QPen(QColor(150, 155, 165), 1, Qt::DashLine));
    m_logNLabel = new QCPItemText(m_entropy);
    m_logNLabel->setPositionAlignment(Qt::AlignRight | Qt::AlignBottom);
    m_logNLabel->position->setTypeX(QCPItemPosition::ptAxisRectRatio);
    m_logNLabel->position->setTypeY(QCPItemPosition::ptPlotCoords);
    m_logNLabel->setColor(QColor(150, 155, 165));
    layout->addWidget(timeRow, 2);
    build();
}

void PolarisationPlots::build() {
    for (Bars& b : m_bars) delete b.plot;
    m_bars.clear();
    for (QCustomPlot* p : {m_entropy, m_norms, m_loss}) p->clearPlottables();
    m_series.clear();
    m_series.resize(m_spec.maps.size());
    m_last.clear();
    m_frames = 0;
    const double logN = std::log(static_cast<double>(m_spec.n));
    m_logN->point1->setCoords(0, logN);
    m_logN->point2->setCoords(1, logN);
    m_logNLabel->position->setCoords(0.98, logN);
    m_logNLabel->setText(QStringLiteral("log n = %1").arg(logN, 0, 'f', 2));
    for (std::size_t m = 0; m < m_spec.maps.size(); ++m) {
        const core::PolarMap map = m_spec.maps[m];
        const QColor colour = polarMapColour(map);
        Bars b;
        b.plot = PlotPanel::makePlot(m_barRow, tr("token k"), tr("weight p_k"));
        b.plot->setToolTip(tr("The weights p = map(a) over the tokens now."));
        b.bars = new QCPBars(b.plot->xAxis, b.plot->yAxis);
        b.bars->setPen(plotPen(colour));
        b.bars->setBrush(colour);
        b.bars->setWidth(0.7);
        b.bars->setName(barTitle(map));
        b.plot->xAxis->setRange(0.3, m_spec.n + 0.7);
        b.plot->setProperty("autoRange", false);
        b.plot->yAxis->setRange(map == core::PolarMap::Linear ? -1 : 0, 1.05);
        PlotPanel::placeLegendAbove(b.plot);
        m_barRow->layout()->addWidget(b.plot);
        m_bars.push_back(b);

        Series& s = m_series[m];
        s.entropyGraph = m_entropy->addGraph();
        s.entropyGraph->setPen(plotPen(colour));
        s.entropyGraph->setName(mapName(map));
        s.valueNormGraph = m_norms->addGraph();
        s.valueNormGraph->setPen(plotPen(colour));
        s.valueNormGraph->setName(mapName(map));
        s.maxColumnGraph = m_norms->addGraph();
        s.maxColumnGraph->setPen(plotPen(colour, Qt::DashLine));
        s.maxColumnGraph->removeFromLegend();
        s.lossGraph = m_loss->addGraph();
        s.lossGraph->setPen(plotPen(colour));
        s.lossGraph->setName(mapName(map));
    }
}

void PolarisationPlots::reset(const core::PolarisationSpec& spec) {
    m_spec = spec;
    build();
    refresh();
}

void PolarisationPlots::addFrames(const std::vector<core::PolarFrame>& frames) {
    for (std::size_t m = 0; m < frames.size() && m < m_series.size(); ++m) {
        const core::PolarFrame& f = frames[m];
        Series& s = m_series[m];
        s.entropy.append(f.t, f.entropy);
        s.valueNorm.append(f.t, f.valueNorm);
        s.maxColumn.append(f.t, f.maxColumnNorm);
        // The loss axis is logarithmic: a loss of exactly 0 (a fitted square loss) is left out.
        if (f.loss > 0 && PlotPanel::plottable(f.loss)) s.loss.append(f.t, f.loss);
    }
    m_last = frames;
    ++m_frames;
}

void PolarisationPlots::refresh() {
    for (std::size_t m = 0; m < m_series.size(); ++m) {
        Series& s = m_series[m];
        s.entropy.assignTo(s.entropyGraph);
        s.valueNorm.assignTo(s.valueNormGraph);
        s.maxColumn.assignTo(s.maxColumnGraph);
        s.loss.assignTo(s.lossGraph);
        if (m < m_last.size()) {
            const core::Vector& p = m_last[m].p;
            QVector<double> keys(static_cast<int>(p.size())), values(static_cast<int>(p.size()));
            for (int k = 0; k < p.size(); ++k) {
                keys[k] = k + 1;
                values[k] = p(k);
            }
            Bars& b = m_bars[m];
            b.bars->setData(keys, values, true);
            // Softmax and sigmoid weights lie in [0, 1]; linear ones may leave it, and the axis follows.
            const double lo = std::min(0.0, p.minCoeff()), hi = std::max(1.0, p.maxCoeff());
            b.plot->yAxis->setRange(lo - 0.05 * (hi - lo), hi + 0.05 * (hi - lo));
        } else {
            m_bars[m].bars->data()->clear();
        }
    }
    for (QCustomPlot* p : {m_entropy, m_norms, m_loss}) PlotPanel::autoRange(p);
    // The loss spans decades: its headroom is a factor, not the linear pad autoRange adds.
    double lo = 0, hi = 0;
    for (const Series& s : m_series)
        for (double v : s.loss.values()) {
            lo = lo > 0 ? std::min(lo, v) : v;
            hi = std::max(hi, v);
        }
    if (lo > 0 && m_loss->property("autoRange").toBool()) m_loss->yAxis->setRange(lo / 1.5, hi * 1.5);
    // log n stays in view: the entropy starts below it and falls.
    const QCPRange y = m_entropy->yAxis->range();
    const double logN = std::log(static_cast<double>(m_spec.n));
    m_entropy->yAxis->setRange(std::min(0.0, y.lower), std::max(y.upper, logN * 1.25));
    for (QCustomPlot* p : plots()) {
        PlotPanel::applyDisplayStyle(p);
        p->replot(QCustomPlot::rpQueuedReplot);
    }
}

std::vector<QCustomPlot*> PolarisationPlots::plots() const {
    std::vector<QCustomPlot*> out;
    for (const Bars& b : m_bars) out.push_back(b.plot);
    out.insert(out.end(), {m_entropy, m_norms, m_loss});
    return out;
}

QImage PolarisationPlots::renderImage(QSize size, double scale) {
    const QSize logical(std::max(1, qRound(size.width() / scale)),
                        std::max(1, qRound(size.height() / scale)));
    if (QWidget::size() != logical) {
        // A hidden widget gets no resize events: lay out by hand and give each plot its viewport.
        layout()->setSizeConstraint(QLayout::SetNoConstraint);
        resize(logical);
        layout()->invalidate();
        layout()->activate();
        // Outer layouts first: each gives the rows their sizes, which the rows' layouts then divide.
        for (QWidget* w : {m_barRow, m_timeRow}) {
            w->layout()->setSizeConstraint(QLayout::SetNoConstraint);
            w->layout()->setGeometry(QRect(QPoint(0, 0), w->size()));
        }
    }
    for (QCustomPlot* plot : plots()) plot->setViewport(plot->rect());
    refresh();
    QImage image(size, QImage::Format_ARGB32_Premultiplied);
    image.fill(themeColours(displayStyle().theme).window);
    QCPPainter painter(&image);
    painter.scale(scale, scale);
    for (QCustomPlot* plot : plots()) {
        const QPoint at = plot->mapTo(this, QPoint(0, 0));
        painter.save();
        painter.translate(at);
        plot->toPainter(&painter, plot->width(), plot->height());
        painter.restore();
    }
    return image;
}

}  // namespace attnsphere::render
