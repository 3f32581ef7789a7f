#include "render/RadialShadowPanel.h"

#include "render/SceneRenderer.h"

#include <qcustomplot.h>

#include <QVBoxLayout>

#include <algorithm>

namespace attnsphere::render {

RadialShadowPanel::RadialShadowPanel(QWidget* parent) : PlotPanel(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->setSpacing(2);
    m_shadow = makePlot(this, QStringLiteral("t"), QStringLiteral("|r_i^h|"));
    m_margin = makePlot(this, QStringLiteral("t"), QStringLiteral("margin D_h"));
    m_bars = makePlot(this, QStringLiteral("token i"), QStringLiteral("r_i^h now"));
    layout->addWidget(m_shadow, 1);
    layout->addWidget(m_margin, 1);
    layout->addWidget(m_bars, 1);
    setToolTip(
        tr("Radial shadow of head h at token i: r_i^h = ⟨x_i, u_i^h⟩, u_i^h = α_h (1/N_i^h) Σ_j κ(s_ij^h) "
           "V_h x_j.\n"
           "It is removed by the projection onto the sphere; for one head it cannot change E_h, for several\n"
           "heads it couples them (doc/MODEL.md §4)."));
    m_shadow->setToolTip(tr("Per head: mean_i |r_i^h| (solid) and max_i |r_i^h| (dashed); doc/MODEL.md §4."));
    m_margin->setToolTip(
        tr("Radial-dominance margin D_h = Σ_i |P⊥ u_i^h|² − Σ_i r_i^h Σ_{h'≠h} r_i^{h'}.\n"
           "D_h ≥ 0 for all h is the sufficient condition for every E_h to grow; shaded: D_h < 0 "
           "(doc/MODEL.md §4)."));
    m_bars->setToolTip(
        tr("r_i^h = ⟨x_i, u_i^h⟩ for every token i of the current frame, one colour per head (doc/MODEL.md "
           "§4)."));
    // Tokens are integers: ticks at whole token indices only.
    QSharedPointer<QCPAxisTickerFixed> tokens(new QCPAxisTickerFixed);
    tokens->setTickStep(1.0);
    tokens->setScaleStrategy(QCPAxisTickerFixed::ssMultiples);
    m_bars->xAxis->setTicker(tokens);
    m_highlight = new QCPItemRect(m_bars);
    m_highlight->setPen(QPen(QColor(255, 255, 255), 1));
    m_highlight->setBrush(QColor(255, 255, 255, 40));
    m_highlight->topLeft->setTypeY(QCPItemPosition::ptAxisRectRatio);
    m_highlight->bottomRight->setTypeY(QCPItemPosition::ptAxisRectRatio);
    m_highlight->setVisible(false);
    m_beyond = {makeNotPlottedLabel(m_shadow, tr("|r_i^h|")), makeNotPlottedLabel(m_margin, tr("D_h")),
                makeNotPlottedLabel(m_bars, tr("r_i^h"))};
    for (QCustomPlot* p : {m_shadow, m_margin}) placeLegendAbove(p);
    rebuild(0, 0);
}

void RadialShadowPanel::rebuild(int H, int n) {
    for (QCustomPlot* p : {m_shadow, m_margin, m_bars}) {
        clearOwnPlottables(p);
    }
    const auto count = static_cast<std::size_t>(H);
    m_meanAbs.assign(count, SeriesBuffer());
    m_maxAbs.assign(count, SeriesBuffer());
    m_d.assign(count, SeriesBuffer());
    m_dNegative.assign(count, SeriesBuffer());
    m_meanGraphs.clear();
    m_maxGraphs.clear();
    m_dGraphs.clear();
    m_dNegativeGraphs.clear();
    m_barSets.clear();
    m_impulses.clear();
    m_selectedSeries.clear();
    m_beyondSeen = {};
    const bool impulses = n * H > 800;
    m_currentRadial.assign(count, QVector<double>());
    delete m_group;
    m_group = new QCPBarsGroup(m_bars);
    m_group->setSpacingType(QCPBarsGroup::stAbsolute);
    m_group->setSpacing(0);
    for (int h = 0; h < H; ++h) {
        const QColor c = headColour(h);
        auto* mean = m_shadow->addGraph();
        mean->setPen(plotPen(c));
        mean->removeFromLegend();
        m_meanGraphs.push_back(mean);
        auto* max = m_shadow->addGraph();
        max->setPen(plotPen(c, Qt::DashLine));
        max->removeFromLegend();
        m_maxGraphs.push_back(max);
        // Negative stretches: min(D_h, 0) filled towards zero, under the line itself.
        auto* negative = m_margin->addGraph();
        negative->setPen(Qt::NoPen);
        QColor fill = c;
        fill.setAlpha(80);
        negative->setBrush(fill);
        negative->removeFromLegend();
        m_dNegativeGraphs.push_back(negative);
        auto* d = m_margin->addGraph();
        d->setPen(plotPen(c));
        d->removeFromLegend();
        m_dGraphs.push_back(d);
        if (impulses) {
            auto* g = m_bars->addGraph();
            g->setLineStyle(QCPGraph::lsImpulse);
            g->setPen(plotPen(c));
            m_impulses.push_back(g);
            continue;
        }
        auto* bars = new QCPBars(m_bars->xAxis, m_bars->yAxis);
        bars->setPen(Qt::NoPen);
        bars->setBrush(c);
        bars->setWidthType(QCPBars::wtPlotCoords);
        bars->setWidth(0.9 / std::max(1, H));
        bars->setBarsGroup(m_group);
        m_barSets.push_back(bars);
    }
    m_selectedGraph = m_shadow->addGraph();
    m_selectedGraph->setPen(plotPen(QColor(250, 250, 250)));
    m_selectedGraph->setName(tr("selected token"));
    // The legends explain the line styles; colours are the heads' (as in the energy panel).
    const QColor key(175, 180, 190);
    addStyleKey(m_shadow, tr("mean_i |r_i^h|"), plotPen(key));
    addStyleKey(m_shadow, tr("max_i |r_i^h|"), plotPen(key, Qt::DashLine));
    QColor shade = key;
    shade.setAlpha(80);
    addStyleKey(m_margin, tr("D_h"), plotPen(key));
    addStyleKey(m_margin, tr("D_h < 0 (shaded)"), Qt::NoPen, shade);
}

void RadialShadowPanel::setSelectedToken(int index) {
    if (index != m_selected) m_selectedSeries.clear();
    PlotPanel::setSelectedToken(index);
}

void RadialShadowPanel::addFrame(const core::Frame& frame) {
    if (needsReset(frame)) rebuild(frame.H, frame.n);
    if (!frame.hasObservables || static_cast<int>(frame.heads.size()) != frame.H) return;
    for (int h = 0; h < frame.H; ++h) {
        const auto uh = static_cast<std::size_t>(h);
        const auto& head = frame.heads[uh];
        // Values beyond kPlottableMagnitude are left out (the plot would flatten to 0) and flagged.
        if (plottable(head.radialMeanAbs) && plottable(head.radialMaxAbs)) {
            m_meanAbs[uh].append(frame.t, head.radialMeanAbs);
            m_maxAbs[uh].append(frame.t, head.radialMaxAbs);
        } else {
            m_beyondSeen[0] = true;
        }
        if (plottable(head.dominanceMargin)) {
            m_d[uh].append(frame.t, head.dominanceMargin);
            m_dNegative[uh].append(frame.t, std::min(head.dominanceMargin, 0.0));
        } else {
            m_beyondSeen[1] = true;
        }
    }
    takeBars(frame);
    if (m_selected >= 0 && m_selected < frame.n && frame.H > 0) {
        double sum = 0;
        for (const auto& head : frame.heads)
            sum += head.radial.size() > m_selected ? std::abs(head.radial[m_selected]) : 0.0;
        if (plottable(sum)) m_selectedSeries.append(frame.t, sum / frame.H);
    }
}

void RadialShadowPanel::takeBars(const core::Frame& frame) {
    for (int h = 0; h < frame.H && h < static_cast<int>(m_currentRadial.size()); ++h) {
        const auto& head = frame.heads[static_cast<std::size_t>(h)];
        auto& current = m_currentRadial[static_cast<std::size_t>(h)];
        current.resize(head.radial.size());
        bool beyond = false;
        for (Eigen::Index i = 0; i < head.radial.size(); ++i) {
            beyond = beyond || !plottable(head.radial[i]);
            current[i] = plottable(head.radial[i]) ? head.radial[i] : 0.0;
        }
        m_beyondSeen[2] = beyond || (h > 0 && m_beyondSeen[2]);
    }
    if (m_tokenKeys.size() != frame.n) {
        m_tokenKeys.resize(frame.n);
        for (int i = 0; i < frame.n; ++i) m_tokenKeys[i] = i;
    }
}

void RadialShadowPanel::showFrame(const core::Frame& frame) {
    // A frame of another run shape (n, H) than the series cannot be shown beside them.
    if (!frame.hasObservables || frame.n != m_lastN || frame.H != m_lastH) return;
    takeBars(frame);
    m_dirty = true;
}

void RadialShadowPanel::refresh() {
    if (!m_dirty) return;
    m_dirty = false;
    for (std::size_t h = 0; h < m_meanGraphs.size(); ++h) {
        m_meanAbs[h].assignTo(m_meanGraphs[h]);
        m_maxAbs[h].assignTo(m_maxGraphs[h]);
        m_d[h].assignTo(m_dGraphs[h]);
        m_dNegative[h].assignTo(m_dNegativeGraphs[h]);
        if (m_currentRadial[h].size() != m_tokenKeys.size()) continue;
        if (h < m_barSets.size()) m_barSets[h]->setData(m_tokenKeys, m_currentRadial[h], true);
        if (h < m_impulses.size()) {
            // Heads side by side within each token's slot, as the grouped bars would be.
            const double offset =
                (static_cast<double>(h) - 0.5 * (m_impulses.size() - 1)) * 0.8 / m_impulses.size();
            QVector<double> keys(m_tokenKeys.size());
            for (qsizetype i = 0; i < keys.size(); ++i) keys[i] = m_tokenKeys[i] + offset;
            m_impulses[h]->setData(keys, m_currentRadial[h], true);
        }
    }
    m_selectedSeries.assignTo(m_selectedGraph);
    for (std::size_t k = 0; k < m_beyond.size(); ++k) m_beyond[k]->setVisible(m_beyondSeen[k]);
    const bool highlight = m_selected >= 0 && m_selected < m_tokenKeys.size();
    m_highlight->setVisible(highlight);
    if (highlight) {
        m_highlight->topLeft->setCoords(m_selected - 0.5, 0.0);
        m_highlight->bottomRight->setCoords(m_selected + 0.5, 1.0);
    }
    autoRange(m_shadow);
    autoRange(m_margin);
    fitTickCount(m_bars);
    if (m_margin->property("autoRange").toBool()) {
        // The zero line is the point of this plot: keep it in view.
        const QCPRange y = m_margin->yAxis->range();
        m_margin->yAxis->setRange(std::min(y.lower, -0.05 * y.size()), std::max(y.upper, 0.05 * y.size()));
    }
    if (m_bars->property("autoRange").toBool()) {
        m_bars->rescaleAxes(true);
        m_bars->xAxis->setRange(-1, std::max(1.0, static_cast<double>(m_tokenKeys.size())));
        const QCPRange y = m_bars->yAxis->range();
        const double m = std::max({std::abs(y.lower), std::abs(y.upper), 1e-12});
        m_bars->yAxis->setRange(-1.05 * m, 1.05 * m);
    }
    for (QCustomPlot* p : {m_shadow, m_margin, m_bars}) queueReplot(p);
}

}  // namespace attnsphere::render
