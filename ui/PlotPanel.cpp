#include "ui/PlotPanel.h"

#include <qcustomplot.h>

#include <QFileDialog>
#include <QMenu>

namespace attnsphere::ui {

void SeriesBuffer::append(double key, double value) {
    if (m_skipped++ % m_stride != 0) return;
    m_keys.push_back(key);
    m_values.push_back(value);
    if (m_keys.size() >= m_max) {
        QVector<double> k, v;
        k.reserve(m_max);
        v.reserve(m_max);
        for (qsizetype i = 0; i < m_keys.size(); i += 2) {
            k.push_back(m_keys[i]);
            v.push_back(m_values[i]);
        }
        m_keys.swap(k);
        m_values.swap(v);
        m_stride *= 2;
        m_skipped = 1;
    }
}

void SeriesBuffer::clear() {
    m_keys.clear();
    m_values.clear();
    m_stride = 1;
    m_skipped = 0;
}

void SeriesBuffer::assignTo(QCPGraph* graph) const {
    graph->setData(m_keys, m_values, true);
}

QPen plotPen(const QColor& colour, Qt::PenStyle style) {
    QPen pen(colour, 1);  // 1 px: thick or antialiased lines cost 3-8x (design.md §7)
    pen.setStyle(style);
    pen.setCosmetic(true);
    return pen;
}

PlotPanel::PlotPanel(QWidget* parent) : QWidget(parent) {}

void PlotPanel::setSelectedToken(int index) {
    m_selected = index;
    m_dirty = true;
}

bool PlotPanel::needsReset(const core::Frame& frame) {
    const bool reset = frame.t < m_lastT || frame.n != m_lastN || frame.H != m_lastH;
    m_lastT = frame.t;
    m_lastN = frame.n;
    m_lastH = frame.H;
    m_dirty = true;
    return reset;
}

void PlotPanel::styleAxes(QCustomPlot* plot, const QString& xLabel, const QString& yLabel) {
    const QColor fg(210, 215, 225), grid(60, 66, 80), bg(24, 27, 34);
    plot->setBackground(bg);
    plot->axisRect()->setBackground(bg);
    for (QCPAxis* axis : {plot->xAxis, plot->yAxis}) {
        axis->setBasePen(QPen(fg, 1));
        axis->setTickPen(QPen(fg, 1));
        axis->setSubTickPen(QPen(fg, 1));
        axis->setTickLabelColor(fg);
        axis->setLabelColor(fg);
        axis->grid()->setPen(QPen(grid, 1, Qt::DotLine));
        axis->grid()->setZeroLinePen(QPen(QColor(120, 128, 145), 1));
        QFont f = axis->tickLabelFont();
        f.setPointSizeF(9.5);
        axis->setTickLabelFont(f);
        f.setPointSizeF(10);
        axis->setLabelFont(f);
    }
    plot->xAxis->setLabel(xLabel);
    plot->yAxis->setLabel(yLabel);
    plot->setPlottingHints(QCP::phFastPolylines | QCP::phCacheLabels);
    plot->setNotAntialiasedElements(QCP::aeAll);
    plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    plot->legend->setBrush(QColor(30, 34, 42, 220));
    plot->legend->setBorderPen(QPen(grid));
    plot->legend->setTextColor(fg);
    QFont lf = plot->legend->font();
    lf.setPointSizeF(9);
    plot->legend->setFont(lf);
}

QCustomPlot* PlotPanel::makePlot(QWidget* parent, const QString& xLabel, const QString& yLabel) {
    auto* plot = new QCustomPlot(parent);
    styleAxes(plot, xLabel, yLabel);
    plot->setMinimumHeight(110);
    plot->setContextMenuPolicy(Qt::CustomContextMenu);
    // Export each plot: PNG (raster, 2x) or PDF (vector lines; heatmaps embed as raster).
    QObject::connect(plot, &QWidget::customContextMenuRequested, plot, [plot](const QPoint& pos) {
        QMenu menu(plot);
        menu.addAction(QObject::tr("Save as PNG…"), plot, [plot] {
            const QString file = QFileDialog::getSaveFileName(plot, QObject::tr("Save plot as PNG"),
                                                              QString(), QStringLiteral("PNG (*.png)"));
            if (!file.isEmpty()) plot->savePng(file, 0, 0, 2.0);
        });
        menu.addAction(QObject::tr("Save as PDF…"), plot, [plot] {
            const QString file = QFileDialog::getSaveFileName(plot, QObject::tr("Save plot as PDF"),
                                                              QString(), QStringLiteral("PDF (*.pdf)"));
            if (!file.isEmpty()) plot->savePdf(file);
        });
        menu.addSeparator();
        menu.addAction(QObject::tr("Fit to data (follow the run)"), plot, [plot] {
            plot->setProperty("autoRange", true);
            autoRange(plot);
            plot->replot();
        });
        menu.exec(plot->mapToGlobal(pos));
    });
    plot->setProperty("autoRange", true);
    QObject::connect(plot, &QCustomPlot::mouseWheel, plot, [plot] { plot->setProperty("autoRange", false); });
    QObject::connect(plot, &QCustomPlot::mousePress, plot, [plot](QMouseEvent* e) {
        if (e->button() == Qt::LeftButton) plot->setProperty("autoRange", false);
    });
    return plot;
}

void PlotPanel::autoRange(QCustomPlot* plot) {
    if (!plot->property("autoRange").toBool()) return;
    plot->rescaleAxes(true);
    // A little headroom so that lines do not sit on the frame.
    const QCPRange y = plot->yAxis->range();
    const double pad = y.size() > 0 ? 0.06 * y.size() : std::max(1e-12, 0.05 * std::abs(y.center()) + 1e-12);
    plot->yAxis->setRange(y.lower - pad, y.upper + pad);
}

}  // namespace attnsphere::ui
