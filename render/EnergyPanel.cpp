#include "render/EnergyPanel.h"

#include "render/SceneRenderer.h"

#include <qcustomplot.h>

#include <QToolTip>
#include <QVBoxLayout>

#include <cmath>

namespace attnsphere::render {
namespace {
const QColor kTotalColour(240, 240, 240);
const QColor kMarkerColour(213, 94, 0);  // Okabe–Ito vermilion
const char* kDecreaseText =
    "E_total decreased here. This is not a bug: with several softmax heads (per-head normalisation Z_i^h)\n"
    "the flow is not a gradient flow of sum_h alpha_h E_h, and <sum_h P g^h, sum_h' P g^h' n^2/Z^h'> can be\n"
    "negative when the Z^h differ (doc/MODEL.md §3). Monotonicity is guaranteed only for symmetric M_h,\n"
    "V_h = M_h and 1/n normalisation.";
}  // namespace

EnergyPanel::EnergyPanel(QWidget* parent) : PlotPanel(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->setSpacing(2);
    m_energy = makePlot(this, QStringLiteral("t"), QStringLiteral("energy"));
    m_rate = makePlot(this, QStringLiteral("t"), QStringLiteral("dE/dt"));
    layout->addWidget(m_energy, 3);
    layout->addWidget(m_rate, 2);
    setToolTip(
        tr("Energy E_h = 1/(2 β_h n²) Σ_ij Φ(β_h ⟨x_i, M_h x_j⟩), Φ' = κ; E_total = Σ_h α_h E_h.\n"
           "Lower plot: exact rates dE/dt along the current velocity (not finite differences).\n"
           "Orange triangles: frames where E_total decreased (hover for why this can happen). doc/MODEL.md "
           "§3."));
    m_energy->setToolTip(toolTip());
    m_rate->setToolTip(tr(
        "dE_h/dt and dE_total/dt = Σ_h α_h dE_h/dt (exact, along the current velocity; doc/MODEL.md §3)."));
    placeLegendAbove(m_energy);
    m_energyBeyond = makeNotPlottedLabel(m_energy, tr("energy"));
    m_rateBeyond = makeNotPlottedLabel(m_rate, tr("dE/dt"));
    m_energy->installEventFilter(this);
    m_energy->setMouseTracking(true);
    rebuild(0);
}

void EnergyPanel::rebuild(int H) {
    clearOwnPlottables(m_energy);
    clearOwnPlottables(m_rate);
    m_heads.assign(static_cast<std::size_t>(H), SeriesBuffer());
    m_headRates.assign(static_cast<std::size_t>(H), SeriesBuffer());
    m_headGraphs.clear();
    m_headRateGraphs.clear();
    m_total.clear();
    m_totalRate.clear();
    m_decreases.clear();
    m_havePrevious = false;
    m_energyBeyondSeen = m_rateBeyondSeen = false;
    for (int h = 0; h < H; ++h) {
        auto* g = m_energy->addGraph();
        g->setPen(plotPen(headColour(h)));
        g->setName(tr("E_%1").arg(h + 1));
        m_headGraphs.push_back(g);
        auto* r = m_rate->addGraph();
        r->setPen(plotPen(headColour(h)));
        r->setName(tr("dE_%1/dt").arg(h + 1));
        m_headRateGraphs.push_back(r);
    }
    m_totalGraph = m_energy->addGraph();
    m_totalGraph->setPen(plotPen(kTotalColour));
    m_totalGraph->setName(tr("E_total"));
    m_decreaseGraph = m_energy->addGraph();
    m_decreaseGraph->setLineStyle(QCPGraph::lsNone);
    m_decreaseGraph->setScatterStyle(
        QCPScatterStyle(QCPScatterStyle::ssTriangleInverted, kMarkerColour, kMarkerColour, 7));
    m_decreaseGraph->setName(tr("E_total decreased"));
    m_totalRateGraph = m_rate->addGraph();
    m_totalRateGraph->setPen(plotPen(kTotalColour));
    m_totalRateGraph->setName(tr("dE_total/dt"));
    m_energy->legend->setVisible(H > 0);
}

void EnergyPanel::addFrame(const core::Frame& frame) {
    if (needsReset(frame)) rebuild(frame.H);
    if (!frame.hasObservables || static_cast<int>(frame.heads.size()) != frame.H) return;
    // Values beyond kPlottableMagnitude are left out (the plot would show a line at 0) and flagged.
    auto add = [&](SeriesBuffer& series, double value, bool& beyond) {
        if (plottable(value))
            series.append(frame.t, value);
        else
            beyond = true;
    };
    for (int h = 0; h < frame.H; ++h) {
        const auto& head = frame.heads[static_cast<std::size_t>(h)];
        add(m_heads[static_cast<std::size_t>(h)], head.energy, m_energyBeyondSeen);
        add(m_headRates[static_cast<std::size_t>(h)], head.energyRate, m_rateBeyondSeen);
    }
    add(m_total, frame.energyTotal, m_energyBeyondSeen);
    add(m_totalRate, frame.energyTotalRate, m_rateBeyondSeen);
    if (!plottable(frame.energyTotal)) {
        m_havePrevious = false;
        return;
    }
    const double scale = std::max(1e-300, std::abs(frame.energyTotal));
    if (m_havePrevious && frame.energyTotal < m_previousTotal - 1e-10 * scale)
        m_decreases.append(frame.t, frame.energyTotal);
    m_previousTotal = frame.energyTotal;
    m_havePrevious = true;
}

void EnergyPanel::refresh() {
    if (!m_dirty) return;
    m_dirty = false;
    for (std::size_t h = 0; h < m_headGraphs.size(); ++h) {
        m_heads[h].assignTo(m_headGraphs[h]);
        m_headRates[h].assignTo(m_headRateGraphs[h]);
    }
    m_total.assignTo(m_totalGraph);
    m_totalRate.assignTo(m_totalRateGraph);
    m_decreases.assignTo(m_decreaseGraph);
    m_energyBeyond->setVisible(m_energyBeyondSeen);
    m_rateBeyond->setVisible(m_rateBeyondSeen);
    autoRange(m_energy);
    autoRange(m_rate);
    queueReplot(m_energy);
    queueReplot(m_rate);
}

bool EnergyPanel::eventFilter(QObject* watched, QEvent* event) {
    if (watched == m_energy && event->type() == QEvent::ToolTip) {
        auto* help = static_cast<QHelpEvent*>(event);
        // Near a decrease marker: explain it; elsewhere the panel's own tooltip.
        const auto& keys = m_decreases.keys();
        const auto& values = m_decreases.values();
        for (int k = 0; k < keys.size(); ++k) {
            const double px = m_energy->xAxis->coordToPixel(keys[k]);
            const double py = m_energy->yAxis->coordToPixel(values[k]);
            if (std::hypot(px - help->pos().x(), py - help->pos().y()) < 9) {
                QToolTip::showText(help->globalPos(), tr("t = %1\n").arg(keys[k]) + tr(kDecreaseText),
                                   m_energy);
                return true;
            }
        }
    }
    return PlotPanel::eventFilter(watched, event);
}

}  // namespace attnsphere::render
