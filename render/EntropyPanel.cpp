#include "render/EntropyPanel.h"

#include "render/SceneRenderer.h"

#include <qcustomplot.h>

#include <QVBoxLayout>

#include <cmath>

namespace attnsphere::render {

EntropyPanel::EntropyPanel(QWidget* parent) : PlotPanel(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    m_plot = makePlot(this, QStringLiteral("t"), QStringLiteral("attention entropy"));
    layout->addWidget(m_plot);
    setToolTip(
        tr("Attention entropy S_i^h = -Σ_j P_ij^h log P_ij^h of the row-normalised attention P^h, in [0, log "
           "n].\n"
           "Solid: mean over tokens; dashed: minimum over tokens; grey dashed: log n (uniform attention,\n"
           "reached when all tokens have clustered). White: the selected token, averaged over heads "
           "(doc/MODEL.md §5)."));
    m_plot->setToolTip(toolTip());
    m_logN = new QCPItemStraightLine(m_plot);
    m_logN->setPen(QPen(QColor(150, 155, 165), 1, Qt::DashLine));
    m_logN->setVisible(false);  // until a frame gives n
    placeLegendAbove(m_plot);
    rebuild(0);
}

void EntropyPanel::rebuild(int H) {
    clearOwnPlottables(m_plot);
    m_mean.assign(static_cast<std::size_t>(H), SeriesBuffer());
    m_min.assign(static_cast<std::size_t>(H), SeriesBuffer());
    m_meanGraphs.clear();
    m_minGraphs.clear();
    for (int h = 0; h < H; ++h) {
        auto* g = m_plot->addGraph();
        g->setPen(plotPen(headColour(h)));
        g->setName(tr("head %1 mean").arg(h + 1));
        g->removeFromLegend();
        m_meanGraphs.push_back(g);
        auto* m = m_plot->addGraph();
        m->setPen(plotPen(headColour(h), Qt::DashLine));
        m->setName(tr("head %1 min").arg(h + 1));
        m->removeFromLegend();
        m_minGraphs.push_back(m);
    }
    m_selectedSeries.clear();
    m_selectedGraph = m_plot->addGraph();
    m_selectedGraph->setPen(plotPen(QColor(250, 250, 250)));
    m_selectedGraph->setName(tr("selected token"));
    // The legend explains the line styles; colours are the heads' (as in the energy panel).
    const QColor key(175, 180, 190);
    addStyleKey(m_plot, tr("mean over tokens"), plotPen(key));
    addStyleKey(m_plot, tr("min over tokens"), plotPen(key, Qt::DashLine));
    addStyleKey(m_plot, tr("log n"), m_logN->pen());
}

void EntropyPanel::setSelectedToken(int index) {
    if (index != m_selected) m_selectedSeries.clear();
    PlotPanel::setSelectedToken(index);
}

double EntropyPanel::logNLine() const {
    return m_logNValue;
}

void EntropyPanel::addFrame(const core::Frame& frame) {
    if (needsReset(frame)) rebuild(frame.H);
    m_logNValue = frame.n > 1 ? std::log(static_cast<double>(frame.n)) : 0.0;
    if (!frame.hasObservables || static_cast<int>(frame.heads.size()) != frame.H) return;
    for (int h = 0; h < frame.H; ++h) {
        const auto& head = frame.heads[static_cast<std::size_t>(h)];
        m_mean[static_cast<std::size_t>(h)].append(frame.t, head.entropyMean);
        m_min[static_cast<std::size_t>(h)].append(frame.t, head.entropyMin);
    }
    if (m_selected >= 0 && m_selected < frame.n && frame.H > 0) {
        double s = 0;
        for (const auto& head : frame.heads)
            s += head.entropy.size() > m_selected ? head.entropy[m_selected] : 0.0;
        m_selectedSeries.append(frame.t, s / frame.H);
    }
}

void EntropyPanel::refresh() {
    if (!m_dirty) return;
    m_dirty = false;
    for (std::size_t h = 0; h < m_meanGraphs.size(); ++h) {
        m_mean[h].assignTo(m_meanGraphs[h]);
        m_min[h].assignTo(m_minGraphs[h]);
    }
    m_selectedSeries.assignTo(m_selectedGraph);
    m_logN->point1->setCoords(0, m_logNValue);
    m_logN->point2->setCoords(1, m_logNValue);
    m_logN->setVisible(m_logNValue > 0);
    autoRange(m_plot);
    if (m_plot->property("autoRange").toBool()) {
        // Keep the log n reference in view.
        const QCPRange y = m_plot->yAxis->range();
        m_plot->yAxis->setRange(std::min(y.lower, 0.0), std::max(y.upper, m_logNValue * 1.05));
    }
    queueReplot(m_plot);
}

}  // namespace attnsphere::render
