#include "render/RadiusPanel.h"

#include "core/RunExport.h"

#include <qcustomplot.h>

#include <QCheckBox>
#include <QVBoxLayout>

namespace attnsphere::render {
namespace {
const QColor kMeanColour(240, 240, 240);
const QColor kRangeColour(86, 180, 233);  // Okabe–Ito sky blue
}  // namespace

RadiusPanel::RadiusPanel(QWidget* parent) : PlotPanel(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->setSpacing(2);
    m_plot = makePlot(this, QStringLiteral("t"), QStringLiteral("radius r_i"));
    layout->addWidget(m_plot, 1);
    m_log = new QCheckBox(tr("Logarithmic axes"), this);
    m_log->setToolTip(tr("Both axes logarithmic: under Pre-LN the radius grows like t, a line of slope 1."));
    layout->addWidget(m_log);
    connect(m_log, &QCheckBox::toggled, this, [this](bool on) { setLogAxis(on); });
    setToolTip(
        tr("Token radius r_i = |x_i|: mean (white), minimum and maximum (blue) over the tokens.\n"
           "Pre-LN and Peri-LN: the direction moves with speed 1/r_i, so a growing radius slows "
           "clustering down.\nPost-LN and nGPT keep every token on the sphere (r_i = 1). "
           "doc/MODEL.md §2.1."));
    m_plot->setToolTip(toolTip());
    placeLegendAbove(m_plot);
    rebuild();
}

void RadiusPanel::rebuild() {
    clearOwnPlottables(m_plot);
    m_mean.clear();
    m_min.clear();
    m_max.clear();
    m_unitRadii = true;
    m_maxGraph = m_plot->addGraph();
    m_maxGraph->setPen(plotPen(kRangeColour));
    m_maxGraph->setName(tr("max r_i"));
    m_minGraph = m_plot->addGraph();
    m_minGraph->setPen(plotPen(kRangeColour, Qt::DashLine));
    m_minGraph->setName(tr("min r_i"));
    m_meanGraph = m_plot->addGraph();
    m_meanGraph->setPen(plotPen(kMeanColour));
    m_meanGraph->setName(tr("mean r_i"));
    m_plot->legend->setVisible(true);
}

void RadiusPanel::setLogAxis(bool log) {
    if (m_log->isChecked() != log) m_log->setChecked(log);
    const auto type = log ? QCPAxis::stLogarithmic : QCPAxis::stLinear;
    m_plot->xAxis->setScaleType(type);
    m_plot->yAxis->setScaleType(type);
    if (log) {
        m_plot->xAxis->setTicker(QSharedPointer<QCPAxisTickerLog>(new QCPAxisTickerLog));
        m_plot->yAxis->setTicker(QSharedPointer<QCPAxisTickerLog>(new QCPAxisTickerLog));
    } else {
        m_plot->xAxis->setTicker(QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
        m_plot->yAxis->setTicker(QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
    }
    m_dirty = true;
    refresh();
}

bool RadiusPanel::logAxis() const {
    return m_log->isChecked();
}

void RadiusPanel::addFrame(const core::Frame& frame) {
    if (needsReset(frame)) rebuild();
    if (frame.positions.cols() == 0) return;
    const core::Vector r = core::tokenRadii(frame);
    // t = 0 has no place on a logarithmic time axis; the series keeps it for the linear one.
    m_mean.append(frame.t, r.mean());
    m_min.append(frame.t, r.minCoeff());
    m_max.append(frame.t, r.maxCoeff());
    m_unitRadii = m_unitRadii && r.minCoeff() == 1.0 && r.maxCoeff() == 1.0;
    m_dirty = true;
}

void RadiusPanel::refresh() {
    if (!m_dirty) return;
    m_dirty = false;
    m_mean.assignTo(m_meanGraph);
    m_min.assignTo(m_minGraph);
    m_max.assignTo(m_maxGraph);
    autoRange(m_plot);
    // Post-LN and nGPT: every radius is exactly 1, drawn on a fixed axis around it (an automatic range
    // around a constant is arbitrary).
    if (m_unitRadii) m_plot->yAxis->setRange(logAxis() ? 0.5 : 0.0, 2.0);
    queueReplot(m_plot);
}

}  // namespace attnsphere::render
