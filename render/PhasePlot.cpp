#include "render/PhasePlot.h"

#include "app/AtomicFile.h"
#include "render/ColourMap.h"
#include "render/DisplayStyle.h"
#include "render/PlotPanel.h"
#include "render/TheoryCurves.h"

#include <qcustomplot.h>

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QMouseEvent>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>

namespace attnsphere::render {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// An uneven grid is drawn as this many even cells, each showing the nearest grid value.
constexpr int kResampledCells = 256;
// Points of the theory curve between the lowest and highest plotted beta.
constexpr int kTheorySamples = 241;
// The figures: laid out at this size, drawn at twice it (phase.png is 1600 x 1000).
constexpr int kFigureWidth = 800, kFigureHeight = 500;
constexpr double kFigureScale = 2;
const QColor kTheoryColour(235, 235, 235);
const QColor kHereColour(255, 255, 255);
constexpr int kLogLabels = 8;  // labelled values on a log axis
constexpr int kClickSlop = 4;  // pixels a press may move and still be a click

double value(const nlohmann::json& v) {
    return v.is_number() ? v.get<double>() : kNaN;
}

// Evenly spaced within rounding.
bool even(const std::vector<double>& s) {
    if (s.size() < 2) return false;
    const double span = s.back() - s.front();
    if (!(span > 0) || !std::isfinite(span)) return false;
    const double step = span / static_cast<double>(s.size() - 1);
    for (std::size_t i = 0; i < s.size(); ++i)
        if (std::abs(s[i] - s.front() - static_cast<double>(i) * step) > 1e-6 * span) return false;
    return true;
}

QString axisLabel(const std::string& field) {
    if (field == "beta") return QStringLiteral("β");
    return QString::fromStdString(field);
}

QString columnLabel(const std::string& column) {
    return QString::fromStdString(column).replace(QLatin1Char('_'), QLatin1Char(' '));
}

}  // namespace

PhasePlot::PhasePlot(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    m_plot = PlotPanel::makePlot(this, QStringLiteral("t"), QString());
    // A click opens a cell; dragging and zooming would move the cells away from their labels.
    m_plot->setInteractions({});
    m_plot->setContextMenuPolicy(Qt::DefaultContextMenu);
    layout->addWidget(m_plot);
    for (QCPAxis* axis : {m_plot->xAxis, m_plot->yAxis}) axis->grid()->setVisible(false);
    m_map = new QCPColorMap(m_plot->xAxis, m_plot->yAxis);
    m_map->setInterpolate(false);
    m_map->setTightBoundary(false);
    m_map->setGradient(colourGradient(viridis, 0, 1));
    m_map->removeFromLegend();
    m_scale = new QCPColorScale(m_plot);
    m_plot->plotLayout()->addElement(0, 1, m_scale);
    m_plot->plotLayout()->setColumnSpacing(14);
    m_scale->setType(QCPAxis::atRight);
    m_scale->setGradient(m_map->gradient());
    m_map->setColorScale(m_scale);
    auto* margins = new QCPMarginGroup(m_plot);
    m_plot->axisRect()->setMarginGroup(QCP::msBottom | QCP::msTop, margins);
    m_scale->setMarginGroup(QCP::msBottom | QCP::msTop, margins);
    // The theory is T(beta): beta is its key, drawn upwards.
    m_theory = m_plot->addGraph(m_plot->yAxis, m_plot->xAxis);
    m_theory->setName(tr("theory"));
    m_theory->setPen(theoryPen(kTheoryColour));
    setFormula(m_theory,
               tr("T(β): the time the equiangular ODE takes from ρ ≈ 0 to the clustering threshold, for\n"
                  "the sweep's model (doc/MODEL.md §8)"));
    installFormulaToolTips(m_plot);
    m_hereGraph = m_plot->addGraph();
    m_hereGraph->setName(tr("you are here"));
    m_hereGraph->setLineStyle(QCPGraph::lsNone);
    m_hereGraph->setPen(QPen(kHereColour, 2));
    m_hereGraph->setScatterStyle(
        QCPScatterStyle(QCPScatterStyle::ssCrossCircle, QPen(kHereColour, 2), Qt::NoBrush, 14));
    m_note = new QCPItemText(m_plot);
    m_note->setPositionAlignment(Qt::AlignLeft | Qt::AlignTop);
    m_note->position->setType(QCPItemPosition::ptAxisRectRatio);
    m_note->position->setCoords(0.01, 0.02);
    m_note->setColor(QColor(235, 235, 235));
    m_note->setBrush(QColor(24, 27, 34, 200));
    m_note->setPadding(QMargins(4, 2, 4, 2));
    m_note->setVisible(false);
    PlotPanel::placeLegendAbove(m_plot);
    QObject::connect(m_plot, &QCustomPlot::beforeReplot, m_plot,
                     [this] { PlotPanel::applyDisplayStyle(m_plot); });
    m_plot->installEventFilter(this);
    setToolTip(
        tr("Phase diagram of a sweep: colour = the statistic's mean over the random starts at each "
           "grid point\n"
           "and checkpoint t. Dashed \"theory\": the equiangular clustering time T(β). Click a cell to "
           "open\n"
           "that point as a live run (doc/SWEEPS.md)."));
    rebuild();
}

int PhasePlot::defaultColumn(const core::SweepResult& result) {
    const auto it = std::find(result.columns.begin(), result.columns.end(), "clustered_fraction");
    return it == result.columns.end() ? 0 : static_cast<int>(it - result.columns.begin());
}

int PhasePlot::plottedAxis(const core::Sweep& sweep) {
    for (std::size_t a = 0; a < sweep.axes.size(); ++a)
        if (!sweep.axes[a].categorical()) return static_cast<int>(a);
    return sweep.axes.empty() ? -1 : 0;
}

void PhasePlot::setSweep(const core::Sweep& sweep, const core::SweepResult& result) {
    m_sweep = sweep;
    m_result = result;
    m_has = true;
    m_column = defaultColumn(result);
    m_yAxis = plottedAxis(sweep);
    m_slice.assign(sweep.axes.size(), 0);
    rebuild();
}

void PhasePlot::setColumn(int column) {
    if (column < 0 || column >= static_cast<int>(m_result.columns.size())) return;
    m_column = column;
    rebuild();
}

void PhasePlot::setSlice(const std::vector<int>& indices) {
    if (indices.size() != m_sweep.axes.size()) return;
    const std::vector<int> shape = m_sweep.shape();
    for (std::size_t a = 0; a < indices.size(); ++a) m_slice[a] = std::clamp(indices[a], 0, shape[a] - 1);
    rebuild();
}

int PhasePlot::rowCount() const {
    return m_yAxis < 0 ? 1 : static_cast<int>(m_sweep.axes[static_cast<std::size_t>(m_yAxis)].values.size());
}

long long PhasePlot::pointAtRow(int row) const {
    const std::vector<int> shape = m_sweep.shape();
    long long point = 0;
    for (std::size_t a = 0; a < shape.size(); ++a) {
        const int index = static_cast<int>(a) == m_yAxis ? row : m_slice[a];
        point = point * shape[a] + index;
    }
    return point;
}

QString PhasePlot::valueLabel(const core::SweepAxis& axis, std::size_t i) {
    const nlohmann::json& v = axis.values.at(i);
    return v.is_number() ? QString::number(v.get<double>(), 'g', 6) : QString::fromStdString(axis.label(i));
}

QString PhasePlot::sliceNote() const {
    QStringList parts;
    for (std::size_t a = 0; a < m_sweep.axes.size(); ++a)
        if (static_cast<int>(a) != m_yAxis)
            parts << QStringLiteral("%1 = %2").arg(
                axisLabel(m_sweep.axes[a].field),
                valueLabel(m_sweep.axes[a], static_cast<std::size_t>(m_slice[a])));
    return parts.join(QStringLiteral(", "));
}

namespace {

// The cells of one direction: the values' indices, even in value or log(value), or resampled.
struct Cells {
    std::vector<int> source;
    double lo = 0, hi = 1;
    bool log = false;
};

Cells makeCells(const std::vector<double>& values, bool allowLog, bool declaredLog = false) {
    Cells c;
    const int n = static_cast<int>(values.size());
    if (n == 0) return c;
    std::vector<int> order(static_cast<std::size_t>(n));
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return values[a] < values[b]; });
    std::vector<double> sorted, logs;
    for (int i : order) sorted.push_back(values[static_cast<std::size_t>(i)]);
    for (double v : sorted) logs.push_back(v > 0 ? std::log(v) : kNaN);
    c.log = allowLog && sorted.front() > 0 && (declaredLog || (n >= 3 && even(logs) && !even(sorted)));
    const std::vector<double>& f = c.log ? logs : sorted;
    c.lo = sorted.front();
    c.hi = sorted.back();
    if (n == 1) {
        // One value: two cells around it, one unit (or a factor of 2 on a log axis) wide.
        c.source = {0, 0};
        if (c.log) {
            c.lo = sorted.front() / std::pow(2.0, 0.25);
            c.hi = sorted.front() * std::pow(2.0, 0.25);
        } else {
            c.lo = sorted.front() - 0.25;
            c.hi = sorted.front() + 0.25;
        }
        return c;
    }
    if (even(f)) {
        c.source = order;
        return c;
    }
    c.source.resize(kResampledCells);
    for (int k = 0; k < kResampledCells; ++k) {
        const double x = f.front() + (f.back() - f.front()) * k / (kResampledCells - 1);
        int best = 0;
        for (int i = 1; i < n; ++i)
            if (std::abs(f[static_cast<std::size_t>(i)] - x) <
                std::abs(f[static_cast<std::size_t>(best)] - x))
                best = i;
        c.source[static_cast<std::size_t>(k)] = order[static_cast<std::size_t>(best)];
    }
    return c;
}

// The drawn extent: the cell centres' range widened by half a cell on each side.
QCPRange extent(double lo, double hi, int cells, bool log) {
    if (cells < 2 || !(hi > lo)) return {lo - 0.5, hi + 0.5};
    if (log) {
        const double half = std::pow(hi / lo, 0.5 / (cells - 1));
        return {lo / half, hi * half};
    }
    const double half = 0.5 * (hi - lo) / (cells - 1);
    return {lo - half, hi + half};
}

// The index of the cell (of `cells`, centres lo..hi) containing x; -1 outside.
int cellIndex(double x, double lo, double hi, int cells, bool log) {
    if (cells < 1 || !std::isfinite(x)) return -1;
    if (cells == 1) return 0;
    double f;
    if (log) {
        if (!(x > 0)) return -1;
        f = (std::log(x) - std::log(lo)) / (std::log(hi) - std::log(lo));
    } else {
        f = (x - lo) / (hi - lo);
    }
    const double k = std::round(f * (cells - 1));
    return k < 0 || k > cells - 1 ? -1 : static_cast<int>(k);
}

}  // namespace

void PhasePlot::rebuild() {
    m_theory->data()->clear();
    m_hereGraph->data()->clear();
    if (!m_has) {
        m_map->data()->clear();
        m_note->setVisible(false);
        m_theory->removeFromLegend();
        m_hereGraph->removeFromLegend();
        m_plot->replot(QCustomPlot::rpQueuedReplot);
        return;
    }
    std::vector<double> rowValues;
    const bool numericY = m_yAxis >= 0 && !m_sweep.axes[static_cast<std::size_t>(m_yAxis)].categorical();
    for (int r = 0; r < rowCount(); ++r)
        rowValues.push_back(numericY ? value(m_sweep.axes[static_cast<std::size_t>(m_yAxis)].values[r])
                                     : static_cast<double>(r));
    const bool declaredLog = numericY && [&] {
        const nlohmann::json& spec = m_sweep.axes[static_cast<std::size_t>(m_yAxis)].spec;
        return spec.is_object() && spec.value("spacing", "") == "log";
    }();
    const Cells rows = makeCells(rowValues, numericY, declaredLog);
    const Cells columns = makeCells(m_sweep.checkpoints, false);
    m_rows = {rows.source, rows.lo, rows.hi, rows.log};
    m_columns = {columns.source, columns.lo, columns.hi, columns.log};

    const int nx = static_cast<int>(columns.source.size()), ny = static_cast<int>(rows.source.size());
    QCPColorMapData* data = m_map->data();
    data->setSize(nx, ny);
    data->setRange(QCPRange(columns.lo, columns.hi), QCPRange(rows.lo, rows.hi));
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    for (int j = 0; j < ny; ++j) {
        const long long point = pointAtRow(rows.source[static_cast<std::size_t>(j)]);
        for (int i = 0; i < nx; ++i) {
            const double v = m_result.at(point, columns.source[static_cast<std::size_t>(i)], m_column);
            data->setCell(i, j, v);
            if (std::isfinite(v)) {
                lo = std::min(lo, v);
                hi = std::max(hi, v);
            }
        }
    }
    const std::string& name = m_result.columns[static_cast<std::size_t>(m_column)];
    QCPRange colours(0, 1);
    QString colourLabel = columnLabel(name);
    if (name == "entropy") {
        // Attention entropy lies in [0, log n]: uniform attention is the top of the bar.
        const double logN = std::log(static_cast<double>(m_sweep.maxN()));
        colours = QCPRange(0, logN);
        colourLabel = tr("attention entropy (log n = %1)").arg(logN, 0, 'g', 3);
    } else if (name.find("fraction") == std::string::npos) {
        if (!(hi >= lo)) lo = hi = 0;
        colours = hi > lo ? QCPRange(lo, hi) : QCPRange(lo - 0.5, hi + 0.5);
    }
    m_map->setDataRange(colours);
    m_scale->axis()->setLabel(colourLabel);

    m_plot->yAxis->setScaleType(rows.log ? QCPAxis::stLogarithmic : QCPAxis::stLinear);
    if (rows.log) {
        // Decades alone leave a few octaves unlabelled: label the axis's own values, at most kLogLabels.
        auto ticker = QSharedPointer<QCPAxisTickerText>::create();
        const int stride = (rowCount() + kLogLabels - 1) / kLogLabels;
        for (int r = 0; r < rowCount(); r += stride)
            ticker->addTick(
                rowValues[static_cast<std::size_t>(r)],
                valueLabel(m_sweep.axes[static_cast<std::size_t>(m_yAxis)], static_cast<std::size_t>(r)));
        m_plot->yAxis->setTicker(ticker);
    } else if (!numericY) {
        auto ticker = QSharedPointer<QCPAxisTickerText>::create();
        for (int r = 0; r < rowCount(); ++r)
            ticker->addTick(r, m_yAxis < 0 ? QString()
                                           : QString::fromStdString(
                                                 m_sweep.axes[static_cast<std::size_t>(m_yAxis)].label(r)));
        m_plot->yAxis->setTicker(ticker);
    } else {
        m_plot->yAxis->setTicker(QSharedPointer<QCPAxisTicker>::create());
    }
    m_plot->yAxis->setLabel(m_yAxis < 0 ? QString()
                                        : axisLabel(m_sweep.axes[static_cast<std::size_t>(m_yAxis)].field));
    m_plot->xAxis->setRange(extent(columns.lo, columns.hi, nx, false));
    m_plot->yAxis->setRange(extent(rows.lo, rows.hi, ny, rows.log));

    const QString note = sliceNote();
    m_note->setText(note);
    m_note->setVisible(!note.isEmpty());
    updateTheory();
    setHere(m_here);
}

void PhasePlot::updateTheory() {
    m_theory->data()->clear();
    const bool beta = m_yAxis >= 0 && m_sweep.axes[static_cast<std::size_t>(m_yAxis)].field == "beta" &&
                      !m_sweep.axes[static_cast<std::size_t>(m_yAxis)].categorical();
    bool any = false;
    if (beta) {
        // The model of the slice shown: the other axes may change n, d or the kernel.
        core::Sweep slice = m_sweep;
        slice.base = m_sweep.scenarioAt(pointAtRow(0));
        const double t0 = m_sweep.checkpoints.front(), t1 = m_sweep.checkpoints.back();
        for (int k = 0; k < kTheorySamples; ++k) {
            const double f = static_cast<double>(k) / (kTheorySamples - 1);
            const double b = m_rows.log ? m_rows.lo * std::pow(m_rows.hi / m_rows.lo, f)
                                        : m_rows.lo + (m_rows.hi - m_rows.lo) * f;
            const std::optional<double> T = core::theoryClusteringTime(slice, b);
            const bool shown = T && std::isfinite(*T) && *T >= t0 && *T <= t1;
            m_theory->addData(b, shown ? *T : kNaN);
            any = any || shown;
        }
    }
    if (!any) m_theory->data()->clear();
    if (any)
        m_theory->addToLegend();
    else
        m_theory->removeFromLegend();
}

void PhasePlot::setHere(std::optional<QPointF> tAndValue) {
    m_here = tAndValue;
    m_hereGraph->data()->clear();
    if (m_here) m_hereGraph->addData(m_here->x(), m_here->y());
    if (m_here && m_has)
        m_hereGraph->addToLegend();
    else
        m_hereGraph->removeFromLegend();
    m_plot->legend->setVisible(m_plot->legend->itemCount() > 0);
    PlotPanel::wrapLegend(m_plot);
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

std::optional<std::pair<long long, int>> PhasePlot::cellAt(const QPoint& pos) const {
    if (!m_has || !m_plot->axisRect()->rect().contains(pos)) return std::nullopt;
    const double t = m_plot->xAxis->pixelToCoord(pos.x());
    const double y = m_plot->yAxis->pixelToCoord(pos.y());
    const int i = cellIndex(t, m_columns.lo, m_columns.hi, static_cast<int>(m_columns.source.size()), false);
    const int j = cellIndex(y, m_rows.lo, m_rows.hi, static_cast<int>(m_rows.source.size()), m_rows.log);
    if (i < 0 || j < 0) return std::nullopt;
    return std::pair{pointAtRow(m_rows.source[static_cast<std::size_t>(j)]),
                     m_columns.source[static_cast<std::size_t>(i)]};
}

bool PhasePlot::eventFilter(QObject* watched, QEvent* event) {
    if (watched == m_plot) {
        if (event->type() == QEvent::MouseButtonPress) {
            m_pressPos = static_cast<QMouseEvent*>(event)->position().toPoint();
        } else if (event->type() == QEvent::MouseButtonRelease) {
            auto* e = static_cast<QMouseEvent*>(event);
            const QPoint pos = e->position().toPoint();
            if (e->button() == Qt::LeftButton && (pos - m_pressPos).manhattanLength() <= kClickSlop)
                if (const auto cell = cellAt(pos)) emit cellClicked(cell->first, cell->second);
        }
    }
    return QWidget::eventFilter(watched, event);
}

void PhasePlot::setTitle(const QString& title) {
    if (!m_title) {
        m_plot->plotLayout()->insertRow(0);
        m_title = new QCPTextElement(m_plot, title);
        m_plot->plotLayout()->addElement(0, 0, m_title);
        m_plot->plotLayout()->setRowStretchFactor(0, 0.001);
    }
    m_title->setText(title);
    m_title->setTextColor(themeColours(displayStyle().theme).axis);
    QFont font = m_title->font();
    font.setPointSizeF(displayStyle().fontPoints(11));
    m_title->setFont(font);
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

QImage PhasePlot::renderImage(QSize size, double scale) {
    const int w = std::max(1, qRound(size.width() / scale)), h = std::max(1, qRound(size.height() / scale));
    PlotPanel::applyDisplayStyle(m_plot, true);
    PlotPanel::wrapLegend(m_plot);
    return m_plot->toPixmap(w, h, scale).toImage();
}

EntropyProfile::EntropyProfile(const core::Sweep& sweep, const core::SweepResult& result, QWidget* parent)
    : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    const int axis = PhasePlot::plottedAxis(sweep);
    const bool numeric = axis >= 0 && !sweep.axes[static_cast<std::size_t>(axis)].categorical();
    m_plot = PlotPanel::makePlot(
        this, axis < 0 ? QString() : axisLabel(sweep.axes[static_cast<std::size_t>(axis)].field),
        tr("mean attention entropy"));
    layout->addWidget(m_plot);
    const auto it = std::find(result.columns.begin(), result.columns.end(), "entropy");
    const int column = it == result.columns.end() ? -1 : static_cast<int>(it - result.columns.begin());
    const int rows =
        axis < 0 ? 1 : static_cast<int>(sweep.axes[static_cast<std::size_t>(axis)].values.size());
    const bool log = numeric && sweep.axes[static_cast<std::size_t>(axis)].spec.is_object() &&
                     sweep.axes[static_cast<std::size_t>(axis)].spec.value("spacing", "") == "log";
    const std::vector<int> shape = sweep.shape();
    const int last = static_cast<int>(sweep.checkpoints.size()) - 1;
    const QColor colours[] = {QColor(86, 180, 233), QColor(230, 159, 0)};
    for (int k = 0; k < 2; ++k) {
        const int checkpoint = k == 0 ? 0 : last;
        auto* g = m_plot->addGraph();
        setBasePen(g, plotPen(colours[k], k == 0 ? Qt::SolidLine : Qt::DashDotLine));
        g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, colours[k], 5));
        g->setName(tr("t = %1").arg(sweep.checkpoints[static_cast<std::size_t>(checkpoint)], 0, 'g', 4));
        for (int r = 0; column >= 0 && r < rows; ++r) {
            long long point = 0;  // row r of the plotted axis, index 0 of the others
            for (std::size_t a = 0; a < shape.size(); ++a)
                point = point * shape[a] + (static_cast<int>(a) == axis ? r : 0);
            const double x = numeric ? value(sweep.axes[static_cast<std::size_t>(axis)].values[r])
                                     : static_cast<double>(r);
            g->addData(x, result.at(point, checkpoint, column));
        }
        m_curves.push_back(g);
    }
    m_logN = std::log(static_cast<double>(sweep.maxN()));
    auto* uniform = m_plot->addGraph();
    setBasePen(uniform, QPen(QColor(150, 155, 165), 1, Qt::DashLine));
    uniform->setName(tr("log n (uniform attention)"));
    auto* oneHot = m_plot->addGraph();
    oneHot->setName(tr("0 (one-hot)"));
    setBasePen(oneHot, QPen(QColor(150, 155, 165), 1, Qt::DotLine));
    if (log) m_plot->xAxis->setScaleType(QCPAxis::stLogarithmic);
    if (log) m_plot->xAxis->setTicker(QSharedPointer<QCPAxisTickerLog>::create());
    m_plot->rescaleAxes();
    const QCPRange x = m_plot->xAxis->range();
    const double pad = log ? std::pow(x.upper / x.lower, 0.03) : 0.03 * (x.upper - x.lower);
    m_plot->xAxis->setRange(log ? x.lower / pad : x.lower - pad, log ? x.upper * pad : x.upper + pad);
    for (double xx : {m_plot->xAxis->range().lower, m_plot->xAxis->range().upper}) {
        uniform->addData(xx, m_logN);
        oneHot->addData(xx, 0);
    }
    m_plot->yAxis->setRange(-0.05 * m_logN, 1.08 * m_logN);
    PlotPanel::placeLegendAbove(m_plot);
    QObject::connect(m_plot, &QCustomPlot::beforeReplot, m_plot,
                     [this] { PlotPanel::applyDisplayStyle(m_plot); });
    setToolTip(
        tr("The sweep's mean attention entropy (over heads, tokens and random starts) against its "
           "plotted axis,\nat the first and last checkpoint; log n is uniform attention, 0 one-hot "
           "(doc/MODEL.md §5)."));
}

QImage EntropyProfile::renderImage(QSize size, double scale) {
    const int w = std::max(1, qRound(size.width() / scale)), h = std::max(1, qRound(size.height() / scale));
    PlotPanel::applyDisplayStyle(m_plot, true);
    PlotPanel::wrapLegend(m_plot);
    return m_plot->toPixmap(w, h, scale).toImage();
}

void writePhaseFigures(const std::string& dir, const core::Sweep& sweep, const core::SweepResult& result) {
    PhasePlot plot;
    plot.setSweep(sweep, result);
    // The figure names what it shows; the window's title bar does that in the GUI.
    plot.setTitle(QStringLiteral("%1 — %2 random starts per point")
                      .arg(QString::fromStdString(sweep.name))
                      .arg(sweep.starts));
    const QDir folder(QString::fromStdString(dir));
    const QString png = folder.filePath(QStringLiteral("phase.png"));
    const QString pdf = folder.filePath(QStringLiteral("phase.pdf"));
    const QString partialPdf = folder.filePath(QStringLiteral(".phase.pdf.partial"));
    // The PDF under a temporary name first: QCustomPlot writes it in place.
    const bool pdfWritten =
        plot.plot()->savePdf(partialPdf, kFigureWidth, kFigureHeight, QCP::epNoCosmetic) &&
        QFileInfo(partialPdf).size() > 0;
    if (!pdfWritten) {
        QFile::remove(partialPdf);
        throw std::runtime_error("cannot write " + pdf.toStdString());
    }
    try {
        app::writePng(
            plot.renderImage(QSize(qRound(kFigureWidth * kFigureScale), qRound(kFigureHeight * kFigureScale)),
                             kFigureScale),
            png);
    } catch (...) {
        QFile::remove(partialPdf);
        throw;
    }
    QFile::remove(pdf);
    if (!QFile::rename(partialPdf, pdf)) {
        QFile::remove(partialPdf);
        QFile::remove(png);
        throw std::runtime_error("cannot write " + pdf.toStdString());
    }
    if (std::find(result.columns.begin(), result.columns.end(), "entropy") != result.columns.end()) {
        EntropyProfile profile(sweep, result);
        app::writePng(profile.renderImage(
                          QSize(qRound(kFigureWidth * kFigureScale), qRound(kFigureHeight * kFigureScale)),
                          kFigureScale),
                      folder.filePath(QStringLiteral("entropy.png")));
    }
}

}  // namespace attnsphere::render
