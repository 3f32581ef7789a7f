#include "render/PlotPanel.h"

#include "app/Pacer.h"

#include "render/DisplayStyle.h"

#include <qcustomplot.h>

#include <QApplication>
#include <QBoxLayout>
#include <QFileDialog>
#include <QFontMetrics>
#include <QLayout>
#include <QMenu>
#include <QResizeEvent>

#include <algorithm>
#include <cmath>

namespace attnsphere::render {

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
    // 1 px: thick or antialiased lines cost 3-8x (doc/ARCHITECTURE.md, Platform facts). Not cosmetic, so
    // the lines of a panel drawn at a larger scale into a video frame grow with its text.
    QPen pen(colour, 1);
    pen.setStyle(style);
    return pen;
}

PlotPanel::PlotPanel(QWidget* parent)
    : QWidget(parent),
      m_cursorReplot(new app::Pacer(
          kCursorHz, [this] { replotTimePlots(); }, this)) {}

void PlotPanel::setSelectedToken(int index) {
    m_selected = index;
    m_dirty = true;
}

QImage PlotPanel::renderImage(QSize size, double scale) {
    m_offscreen = !isVisible();
    const QSize logical(std::max(1, qRound(size.width() / scale)),
                        std::max(1, qRound(size.height() / scale)));
    // Styled before the layout and the refresh: the plots' room, tick counts and the legend's wrap
    // follow the fonts.
    if (m_styledRevision != displayStyleRevision()) applyDisplayStyle();
    const bool resized = QWidget::size() != logical;
    // A hidden widget gets no resize events: lay out by hand and give each plot its new viewport.
    if (resized) {
        if (QLayout* l = layout()) l->setSizeConstraint(QLayout::SetNoConstraint);
        resize(logical);
    }
    if (fitPlots() || resized) {
        if (QLayout* l = layout()) {
            l->invalidate();
            l->activate();
        }
        for (QCustomPlot* plot : findChildren<QCustomPlot*>(Qt::FindDirectChildrenOnly))
            plot->setViewport(plot->rect());
        m_dirty = true;  // tick counts and the legend's wrap follow the size
    }
    refresh();
    for (QCustomPlot* plot : findChildren<QCustomPlot*>()) applyDisplayStyle(plot);
    QImage image(size, QImage::Format_ARGB32_Premultiplied);
    image.fill(themeColours(displayStyle().theme).window);
    QCPPainter painter(&image);
    painter.scale(scale, scale);
    for (QWidget* child : findChildren<QWidget*>(Qt::FindDirectChildrenOnly)) {
        if (child->isHidden() || child->isWindow()) continue;
        painter.save();
        painter.translate(child->pos());
        if (auto* plot = qobject_cast<QCustomPlot*>(child)) {
            separateTickLabels(plot);
            plot->toPainter(&painter, plot->width(), plot->height());  // vector: sharp at any scale
        } else
            child->render(&painter, QPoint(), QRegion(),
                          QWidget::DrawWindowBackground | QWidget::DrawChildren);
        painter.restore();
    }
    painter.end();
    return image;
}

void PlotPanel::queueReplot(QCustomPlot* plot) const {
    if (m_offscreen) return;
    applyDisplayStyle(plot);
    plot->replot(QCustomPlot::rpQueuedReplot);
}

void PlotPanel::showFrame(const core::Frame&) {}

namespace {

const char* const kOverlayProperty = "attnsphereOverlay";

bool isOverlay(const QCPAbstractPlottable* p) {
    return p->property(kOverlayProperty).toBool();
}

// Overlays are drawn on a layer of their own under the panel's curves.
QCPLayer* overlayLayer(QCustomPlot* plot) {
    if (QCPLayer* layer = plot->layer(QStringLiteral("overlays"))) return layer;
    plot->addLayer(QStringLiteral("overlays"), plot->layer(QStringLiteral("main")), QCustomPlot::limBelow);
    return plot->layer(QStringLiteral("overlays"));
}

QColor faded(QColor c, int alpha) {
    c.setAlpha(c.alpha() * alpha / 255);
    return c;
}

}  // namespace

namespace {

// Base values: what an element was given in the normal display's terms, kept on the element.
const char* const kBasePen = "attnsphereBasePen";
const char* const kBaseBrush = "attnsphereBaseBrush";
const char* const kBaseText = "attnsphereBaseText";
const char* const kBasePoints = "attnsphereBasePoints";
const char* const kBaseLabelPoints = "attnsphereBaseLabelPoints";
const char* const kBaseScatter = "attnsphereBaseScatter";  // size, pen, brush of a scatter style
const char* const kBaseIcon = "attnsphereBaseIcon";
const char* const kStyledRevision = "attnsphereStyledRevision";
const char* const kStyledCount = "attnsphereStyledCount";
// A legend entry left out in presentation (no room), and the one key standing for the theory curves.
const char* const kLegendLeftOut = "attnsphereLegendLeftOut";
const char* const kTheoryKey = "attnsphereTheoryKey";
// A note's text as the panel set it, and as wrapped to fit a presentation plot.
const char* const kOriginalText = "attnsphereOriginalText";
const char* const kWrappedText = "attnsphereWrappedText";
// An axis's tick count and step strategy before presentation reduced them (separateTickLabels).
const char* const kBaseTickCount = "attnsphereBaseTickCount";

template <class T>
T base(QObject* o, const char* key, const T& current) {
    const QVariant v = o->property(key);
    if (v.isValid()) return v.value<T>();
    o->setProperty(key, QVariant::fromValue(current));
    return current;
}

QPen shownPen(const QPen& basePen) {
    const DisplayStyle& style = displayStyle();
    QPen pen = basePen;
    if (pen.style() == Qt::NoPen) return pen;
    pen.setColor(themed(pen.color(), style.theme));
    // Width 0 is QPainter's cosmetic 1 px line.
    pen.setWidthF(style.lineWidth(std::max(1.0, basePen.widthF())));
    return pen;
}

QBrush shownBrush(const QBrush& baseBrush) {
    QBrush brush = baseBrush;
    if (brush.style() != Qt::NoBrush) brush.setColor(themed(brush.color(), displayStyle().theme));
    return brush;
}

QFont shownFont(QFont font, double basePoints) {
    font.setPointSizeF(displayStyle().fontPoints(basePoints));
    return font;
}

void styleScatter(QCPGraph* g) {
    QCPScatterStyle scatter = g->scatterStyle();
    if (scatter.isNone()) return;
    const QVariantList b = base(g, kBaseScatter,
                                QVariantList{scatter.size(), QVariant::fromValue(scatter.pen()),
                                             QVariant::fromValue(scatter.brush())});
    scatter.setSize(displayStyle().scale * b[0].toDouble());
    scatter.setPen(shownPen(b[1].value<QPen>()));
    scatter.setBrush(shownBrush(b[2].value<QBrush>()));
    g->setScatterStyle(scatter);
}

void stylePlottable(QCPAbstractPlottable* p) {
    if (qobject_cast<QCPColorMap*>(p)) return;  // its colours are the data's
    const QPen pen = shownPen(base(p, kBasePen, p->pen()));
    if (p->pen() != pen) p->setPen(pen);
    const QBrush brush = shownBrush(base(p, kBaseBrush, p->brush()));
    if (p->brush() != brush) p->setBrush(brush);
    if (auto* g = qobject_cast<QCPGraph*>(p)) styleScatter(g);
}

void styleItem(QCPAbstractItem* item) {
    if (auto* t = qobject_cast<QCPItemText*>(item)) {
        t->setFont(shownFont(t->font(), base(t, kBasePoints, t->font().pointSizeF())));
        t->setColor(themed(base(t, kBaseText, t->color()), displayStyle().theme));
        t->setPen(shownPen(base(t, kBasePen, t->pen())));
        t->setBrush(shownBrush(base(t, kBaseBrush, t->brush())));
    } else if (auto* line = qobject_cast<QCPItemStraightLine*>(item)) {
        line->setPen(shownPen(base(line, kBasePen, line->pen())));
    } else if (auto* seg = qobject_cast<QCPItemLine*>(item)) {
        seg->setPen(shownPen(base(seg, kBasePen, seg->pen())));
    } else if (auto* rect = qobject_cast<QCPItemRect*>(item)) {
        rect->setPen(shownPen(base(rect, kBasePen, rect->pen())));
        rect->setBrush(shownBrush(base(rect, kBaseBrush, rect->brush())));
    } else if (auto* tracer = qobject_cast<QCPItemTracer*>(item)) {
        tracer->setPen(shownPen(base(tracer, kBasePen, tracer->pen())));
        tracer->setBrush(shownBrush(base(tracer, kBaseBrush, tracer->brush())));
    }
}

void styleAxis(QCPAxis* axis) {
    const DisplayStyle& style = displayStyle();
    const ThemeColours& c = themeColours(style.theme);
    const QPen line(c.axis, style.lineWidth(1));
    if (axis->basePen() != line) {
        axis->setBasePen(line);
        axis->setTickPen(line);
        axis->setSubTickPen(line);
    }
    axis->setTickLabelColor(c.axis);
    axis->setLabelColor(c.axis);
    const QFont tick =
        shownFont(axis->tickLabelFont(), base(axis, kBasePoints, axis->tickLabelFont().pointSizeF()));
    if (axis->tickLabelFont() != tick) axis->setTickLabelFont(tick);
    const QFont label =
        shownFont(axis->labelFont(), base(axis, kBaseLabelPoints, axis->labelFont().pointSizeF()));
    if (axis->labelFont() != label) axis->setLabelFont(label);
    const QPen grid(c.grid, style.lineWidth(1), Qt::DotLine);
    if (axis->grid()->pen() != grid) axis->grid()->setPen(grid);
    const QPen zero(c.zeroLine, style.lineWidth(1));
    if (axis->grid()->zeroLinePen() != zero) axis->grid()->setZeroLinePen(zero);
}

void styleLegend(QCPLegend* legend) {
    const ThemeColours& c = themeColours(displayStyle().theme);
    const QFont font = shownFont(legend->font(), base(legend, kBasePoints, legend->font().pointSizeF()));
    if (legend->font() != font) legend->setFont(font);
    legend->setTextColor(c.axis);
    if (legend->brush().style() != Qt::NoBrush) legend->setBrush(c.legendBrush);
    if (legend->borderPen().style() != Qt::NoPen) legend->setBorderPen(QPen(c.grid));
    const QSize icon = base(legend, kBaseIcon, legend->iconSize());
    legend->setIconSize(icon * displayStyle().scale);
}

int elementCount(QCustomPlot* plot) {
    return plot->plottableCount() + plot->itemCount() + plot->legend->itemCount() + plot->axisRectCount();
}

}  // namespace

void setBasePen(QCPAbstractPlottable* plottable, const QPen& pen) {
    plottable->setProperty(kBasePen, QVariant::fromValue(pen));
    plottable->setPen(shownPen(pen));
}

void PlotPanel::applyDisplayStyle() {
    m_styledRevision = displayStyleRevision();
    // The panel's own controls (check boxes, combo boxes, labels); the plots' fonts are set per element.
    const DisplayStyle& style = displayStyle();
    setStyleSheet(style.presentation() ? QStringLiteral("QCheckBox, QComboBox, QLabel { font-size: %1pt; }")
                                             .arg(style.fontPoints(QApplication::font().pointSizeF()))
                                       : QString());
    for (QCustomPlot* plot : findChildren<QCustomPlot*>()) {
        applyDisplayStyle(plot, true);
        if (!m_offscreen) plot->replot(QCustomPlot::rpQueuedReplot);
    }
    fitPlots();
    m_dirty = true;
}

void PlotPanel::resizeEvent(QResizeEvent* event) {
    QWidget::resizeEvent(event);
    fitPlots();
}

namespace {

// The panel height a plot needs to keep an axis rect of kMinAxisRectHeight: the x axis's tick labels and
// label below it, a margin above, and its legend's share when the legend sits above the plot.
int neededHeight(QCustomPlot* plot) {
    const QCPAxis* x = plot->xAxis;
    const int axis = QFontMetrics(x->tickLabelFont()).height() +
                     (x->label().isEmpty() ? 0 : QFontMetrics(x->labelFont()).height()) + x->tickLengthIn() +
                     x->tickLabelPadding() + x->labelPadding() + 24;
    // The margins of the last layout, when it had the current fonts, may be larger (a colour scale's).
    const QCPAxisRect* rect = plot->axisRect();
    const int need =
        PlotPanel::kMinAxisRectHeight + std::max(axis, rect->outerRect().height() - rect->rect().height());
    const bool legendAbove = plot->legend->layout() == plot->plotLayout() && plot->legend->visible();
    return legendAbove ? static_cast<int>(std::ceil(need / (1 - PlotPanel::kLegendShare))) : need;
}

}  // namespace

bool PlotPanel::fitPlots() {
    QLayout* l = layout();
    if (!l) return false;
    const bool present = displayStyle().presentation();
    const int spacing = std::max(0, l->spacing());
    int fixed = l->contentsMargins().top() + l->contentsMargins().bottom();
    std::vector<QCustomPlot*> plots;
    // Stretching widgets other than plots (the heatmaps' per-head thumbnails) give way to the first plot.
    std::vector<QWidget*> flexible;
    int flexibleHeight = 0;
    auto* box = qobject_cast<QBoxLayout*>(l);
    for (int i = 0; i < l->count(); ++i) {
        QLayoutItem* item = l->itemAt(i);
        if (auto* plot = qobject_cast<QCustomPlot*>(item->widget())) {
            plots.push_back(plot);
        } else if (box && box->stretch(i) > 0 && item->widget()) {
            flexible.push_back(item->widget());
            flexibleHeight += item->widget()->minimumHeight() + spacing;
        } else if (!item->isEmpty()) {
            fixed += item->minimumSize().height() + spacing;
        }
    }
    int available = height() - fixed - spacing * static_cast<int>(plots.size());
    const bool flexibleShown =
        !present || plots.empty() || available - flexibleHeight >= neededHeight(plots.front());
    if (flexibleShown) available -= flexibleHeight;
    bool changed = false;
    for (QWidget* w : flexible)
        if (w->isHidden() == flexibleShown) {
            w->setVisible(flexibleShown);
            changed = true;
        }
    int used = 0;
    for (std::size_t i = 0; i < plots.size(); ++i) {
        QCustomPlot* plot = plots[i];
        const int need = neededHeight(plot);
        const bool show = !present || i == 0 || used + need <= available;
        if (show) used += need;
        // Makeplot's minimum in the normal display; in presentation the room the plot needs, within the
        // panel.
        const int minimum = present ? std::max(110, std::min(need, available)) : 110;
        if (plot->isHidden() == show) {
            plot->setVisible(show);
            changed = true;
        }
        if (plot->minimumHeight() != minimum) {
            plot->setMinimumHeight(minimum);
            changed = true;
        }
    }
    return changed;
}

void PlotPanel::applyDisplayStyle(QCustomPlot* plot, bool force) {
    const int revision = displayStyleRevision(), count = elementCount(plot);
    if (!force && plot->property(kStyledRevision).toInt() == revision &&
        plot->property(kStyledCount).toInt() == count)
        return;
    const ThemeColours& c = themeColours(displayStyle().theme);
    plot->setBackground(c.panelBackground);
    for (QCPAxisRect* rect : plot->axisRects()) rect->setBackground(c.panelBackground);
    for (QCPAxis* axis : plot->findChildren<QCPAxis*>()) styleAxis(axis);
    for (int k = 0; k < plot->plottableCount(); ++k) stylePlottable(plot->plottable(k));
    for (int k = 0; k < plot->itemCount(); ++k) styleItem(plot->item(k));
    styleLegend(plot->legend);
    plot->setProperty(kStyledRevision, revision);
    plot->setProperty(kStyledCount, elementCount(plot));
}

void PlotPanel::clearOwnPlottables(QCustomPlot* plot) {
    for (int k = plot->plottableCount() - 1; k >= 0; --k)
        if (!isOverlay(plot->plottable(k))) plot->removePlottable(k);
}

void PlotPanel::replotTimePlots() {
    for (QCustomPlot* plot : timePlots()) queueReplot(plot);
}

void PlotPanel::setTimeCursor(std::optional<double> t) {
    m_cursorT = t;
    const auto plots = timePlots();
    if (m_cursorLines.size() != plots.size()) {
        for (QCPItemStraightLine* line : m_cursorLines) line->parentPlot()->removeItem(line);
        m_cursorLines.clear();
        for (QCustomPlot* plot : plots) {
            auto* line = new QCPItemStraightLine(plot);
            line->setPen(QPen(QColor(255, 255, 255, 210), 1));
            line->setSelectable(false);
            m_cursorLines.push_back(line);
        }
    }
    for (QCPItemStraightLine* line : m_cursorLines) {
        line->setVisible(t.has_value());
        if (t) {
            line->point1->setCoords(*t, 0);
            line->point2->setCoords(*t, 1);
        }
    }
    m_cursorReplot->request();
}

void PlotPanel::addEditMarker(double t, const QString& label) {
    const QColor colour(240, 190, 90);
    Marker marker{t, {}, {}};
    for (QCustomPlot* plot : timePlots()) {
        auto* line = new QCPItemStraightLine(plot);
        line->setPen(QPen(faded(colour, 170), 1, Qt::DashLine));
        line->setSelectable(false);
        line->point1->setCoords(t, 0);
        line->point2->setCoords(t, 1);
        marker.lines.push_back(line);
        auto* text = new QCPItemText(plot);
        text->position->setTypeX(QCPItemPosition::ptPlotCoords);
        text->position->setTypeY(QCPItemPosition::ptAxisRectRatio);
        text->position->setCoords(t, 0.0);
        text->setPositionAlignment(Qt::AlignLeft | Qt::AlignTop);
        text->setText(label);
        text->setColor(colour);
        QFont f = text->font();
        f.setPointSizeF(8.5);
        text->setFont(f);
        text->setPadding(QMargins(3, 1, 3, 1));
        text->setSelectable(false);
        marker.labels.push_back(text);
    }
    m_markers.push_back(std::move(marker));
    replotTimePlots();
}

void PlotPanel::clearEditMarkers() {
    for (Marker& m : m_markers) {
        for (QCPItemStraightLine* line : m.lines) line->parentPlot()->removeItem(line);
        for (QCPItemText* text : m.labels) text->parentPlot()->removeItem(text);
    }
    m_markers.clear();
    replotTimePlots();
}

PlotPanel::Overlay* PlotPanel::findOverlay(int id) {
    for (Overlay& o : m_overlays)
        if (o.id == id) return &o;
    return nullptr;
}

std::vector<std::vector<const QCPGraph*>> PlotPanel::ownCurves() const {
    std::vector<std::vector<const QCPGraph*>> curves;
    for (QCustomPlot* plot : timePlots()) {
        std::vector<const QCPGraph*> graphs;
        for (int k = 0; k < plot->graphCount(); ++k) {
            const QCPGraph* g = plot->graph(k);
            if (isOverlay(g) || !g->visible() || g->dataCount() == 0) continue;
            if (g->pen().style() == Qt::NoPen && g->scatterStyle().isNone()) continue;  // shading only
            graphs.push_back(g);
        }
        curves.push_back(std::move(graphs));
    }
    return curves;
}

int PlotPanel::addOverlay(const QString& name, Qt::PenStyle style, int alpha) {
    Overlay o{m_nextOverlay++, name, style, std::clamp(alpha, 0, 255), {}, {}};
    const QColor keyColour(175, 180, 190);
    for (QCustomPlot* plot : timePlots()) {
        o.graphs.emplace_back();
        // One legend key per overlay says which line style is which run.
        QCPGraph* key = nullptr;
        if (plot->legend->visible() || plot->legend->layout() == plot->plotLayout()) {
            key = addStyleKey(plot, name, plotPen(faded(keyColour, o.alpha), style));
            key->setProperty(kOverlayProperty, true);
            key->setLayer(overlayLayer(plot));
        }
        o.keys.push_back(key);
    }
    m_overlays.push_back(std::move(o));
    return m_overlays.back().id;
}

void PlotPanel::mirror(Overlay& o, const std::vector<std::vector<const QCPGraph*>>& curves, bool copy) {
    const auto plots = timePlots();
    for (std::size_t p = 0; p < plots.size() && p < o.graphs.size(); ++p) {
        QCustomPlot* plot = plots[p];
        const auto& source = p < curves.size() ? curves[p] : std::vector<const QCPGraph*>{};
        auto& graphs = o.graphs[p];
        while (graphs.size() > source.size()) {
            plot->removeGraph(graphs.back());
            graphs.pop_back();
        }
        while (graphs.size() < source.size()) {
            QCPGraph* g = plot->addGraph();
            g->setProperty(kOverlayProperty, true);
            g->setLayer(overlayLayer(plot));
            g->removeFromLegend();
            g->setSelectable(QCP::stNone);
            graphs.push_back(g);
        }
        for (std::size_t k = 0; k < source.size(); ++k) {
            const QCPGraph* from = source[k];
            QCPGraph* to = graphs[k];
            if (copy)
                to->setData(QSharedPointer<QCPGraphDataContainer>::create(*from->data()));
            else
                to->setData(from->data());
            // From the source's base pen: the overlay is styled like the curves it mirrors.
            const QVariant basePen = from->property(kBasePen);
            QPen pen = basePen.isValid() ? basePen.value<QPen>() : from->pen();
            pen.setColor(faded(pen.color(), o.alpha));
            if (pen.style() != Qt::NoPen) pen.setStyle(o.style);
            setBasePen(to, pen);
            to->setLineStyle(from->lineStyle());
            QCPScatterStyle scatter = from->scatterStyle();
            if (!scatter.isNone()) {
                const QVariant b = from->property(kBaseScatter);
                if (b.isValid()) scatter.setSize(b.toList()[0].toDouble());
                const QColor penColour =
                    b.isValid() ? b.toList()[1].value<QPen>().color() : scatter.pen().color();
                const QColor brushColour =
                    b.isValid() ? b.toList()[2].value<QBrush>().color() : scatter.brush().color();
                scatter.setPen(QPen(faded(penColour, o.alpha)));
                scatter.setBrush(faded(brushColour, o.alpha));
            }
            to->setScatterStyle(scatter);
            to->setProperty(kBaseScatter, QVariant());
            styleScatter(to);
            to->setName(from->name().isEmpty() ? o.name : from->name() + QStringLiteral(" (") + o.name + ')');
        }
    }
    m_dirty = true;
    replotTimePlots();
}

void PlotPanel::setOverlayData(int id, const PlotPanel& source) {
    if (Overlay* o = findOverlay(id)) mirror(*o, source.ownCurves(), false);
}

int PlotPanel::keepAsOverlay(const QString& name, Qt::PenStyle style, int alpha) {
    const int id = addOverlay(name, style, alpha);
    mirror(*findOverlay(id), ownCurves(), true);
    return id;
}

void PlotPanel::removeOverlay(int id) {
    const auto plots = timePlots();
    for (auto it = m_overlays.begin(); it != m_overlays.end(); ++it) {
        if (it->id != id) continue;
        for (std::size_t p = 0; p < plots.size() && p < it->graphs.size(); ++p) {
            for (QCPGraph* g : it->graphs[p]) plots[p]->removeGraph(g);
            if (it->keys[p]) plots[p]->removeGraph(it->keys[p]);
        }
        m_overlays.erase(it);
        m_dirty = true;
        replotTimePlots();
        return;
    }
}

void PlotPanel::clearOverlays() {
    while (!m_overlays.empty()) removeOverlay(m_overlays.front().id);
}

std::vector<QCPGraph*> PlotPanel::overlayGraphs(int id, int plot) const {
    for (const Overlay& o : m_overlays)
        if (o.id == id && plot >= 0 && plot < static_cast<int>(o.graphs.size()))
            return o.graphs[static_cast<std::size_t>(plot)];
    return {};
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
    const ThemeColours& c = themeColours(displayStyle().theme);
    const QColor fg = c.axis, grid = c.grid, bg = c.panelBackground;
    plot->setBackground(bg);
    plot->axisRect()->setBackground(bg);
    for (QCPAxis* axis : {plot->xAxis, plot->yAxis}) {
        axis->setBasePen(QPen(fg, 1));
        axis->setTickPen(QPen(fg, 1));
        axis->setSubTickPen(QPen(fg, 1));
        axis->setTickLabelColor(fg);
        axis->setLabelColor(fg);
        axis->grid()->setPen(QPen(grid, 1, Qt::DotLine));
        axis->grid()->setZeroLinePen(QPen(c.zeroLine, 1));
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
    plot->legend->setBrush(c.legendBrush);
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
    QObject::connect(plot, &QCustomPlot::beforeReplot, plot, [plot] { separateTickLabels(plot); });
    QObject::connect(plot, &QCustomPlot::mouseWheel, plot, [plot] { plot->setProperty("autoRange", false); });
    QObject::connect(plot, &QCustomPlot::mousePress, plot, [plot](QMouseEvent* e) {
        if (e->button() == Qt::LeftButton) plot->setProperty("autoRange", false);
    });
    return plot;
}

void PlotPanel::autoRange(QCustomPlot* plot) {
    fitTickCount(plot);
    wrapLegend(plot);
    if (!plot->property("autoRange").toBool()) return;
    plot->rescaleAxes(true);
    // All data at one instant: QCustomPlot centres its old span on it (t from -10 to 10 at step 0).
    bool found = false;
    QCPRange keys;
    for (int k = 0; k < plot->plottableCount(); ++k) {
        QCPAbstractPlottable* p = plot->plottable(k);
        if (p->keyAxis() != plot->xAxis || !p->visible()) continue;
        bool has = false;
        const QCPRange r = p->getKeyRange(has);
        if (!has) continue;
        keys = found ? QCPRange(std::min(keys.lower, r.lower), std::max(keys.upper, r.upper)) : r;
        found = true;
    }
    if (found && !(keys.size() > 0)) plot->xAxis->setRange(keys.lower, keys.lower + 1);
    // A little headroom so that lines do not sit on the frame.
    const QCPRange y = plot->yAxis->range();
    const double pad = y.size() > 0 ? 0.06 * y.size() : std::max(1e-12, 0.05 * std::abs(y.center()) + 1e-12);
    plot->yAxis->setRange(y.lower - pad, y.upper + pad);
}

void PlotPanel::placeLegendAbove(QCustomPlot* plot) {
    QCPLegend* legend = plot->legend;
    if (legend->layout() == plot->plotLayout()) return;
    // Move the legend out of the axis rect's inset layout into its own row above the axis rect.
    plot->axisRect()->insetLayout()->take(legend);
    plot->plotLayout()->insertRow(0);
    plot->plotLayout()->addElement(0, 0, legend);
    plot->plotLayout()->setRowStretchFactor(0, 0.001);
    plot->plotLayout()->setRowSpacing(0);
    // Two columns until the first refresh knows the width: a single row would widen the whole dock.
    legend->setWrap(2);
    legend->setFillOrder(QCPLegend::foColumnsFirst, true);
    legend->setBrush(Qt::NoBrush);
    legend->setBorderPen(Qt::NoPen);
    legend->setMargins(QMargins(4, 1, 4, 1));
    legend->setRowSpacing(0);
    legend->setColumnSpacing(6);
    legend->setIconSize(20, 18);  // QCustomPlot clips an item to its icon height: 18 keeps underscores
    legend->setVisible(true);
}

namespace {

int legendColumns(QCustomPlot* plot) {
    QCPLegend* legend = plot->legend;
    int widest = 1;
    // A wrapped grid has empty cells: item(k) is null there.
    for (int k = 0; k < legend->itemCount(); ++k)
        if (QCPAbstractLegendItem* item = legend->item(k))
            widest = std::max(widest, item->minimumOuterSizeHint().width());
    return std::max(1, (plot->width() - 8) / (widest + legend->columnSpacing()));
}

int legendHeight(QCustomPlot* plot, int columns) {
    QCPLegend* legend = plot->legend;
    int entries = 0, rowHeight = 0;
    for (int k = 0; k < legend->itemCount(); ++k)
        if (QCPAbstractLegendItem* item = legend->item(k)) {
            ++entries;
            rowHeight = std::max(rowHeight, item->minimumOuterSizeHint().height());
        }
    return (entries + columns - 1) / columns * (rowHeight + legend->rowSpacing());
}

QCPAbstractPlottable* legendPlottable(QCPLegend* legend, int k) {
    auto* item = qobject_cast<QCPPlottableLegendItem*>(legend->item(k));
    return item ? item->plottable() : nullptr;
}

void leaveOut(QCPAbstractPlottable* p) {
    p->setProperty(kLegendLeftOut, true);
    p->removeFromLegend();
}

// Brings back the entries left out for room, and removes the merged theory key.
bool restoreLegend(QCustomPlot* plot) {
    bool changed = false;
    for (int k = 0; k < plot->plottableCount(); ++k) {
        QCPAbstractPlottable* p = plot->plottable(k);
        if (p->property(kTheoryKey).toBool()) {
            changed |= p->removeFromLegend();
        } else if (p->property(kLegendLeftOut).toBool()) {
            p->setProperty(kLegendLeftOut, false);
            if (p->visible()) changed |= p->addToLegend();
        }
    }
    return changed;
}

// Presentation: the legend keeps at most kLegendShare of the plot's height. The theory curves share one
// dashed "theory" key first (their colours match the measured curves'), then the last entries go.
bool reduceLegend(QCustomPlot* plot, int& columns) {
    QCPLegend* legend = plot->legend;
    const double limit = PlotPanel::kLegendShare * plot->height();
    if (legendHeight(plot, columns) <= limit) return false;
    bool theory = false;
    for (int k = legend->itemCount() - 1; k >= 0; --k)
        if (QCPAbstractPlottable* p = legendPlottable(legend, k);
            p && p->name().startsWith(QStringLiteral("theory"))) {
            leaveOut(p);
            theory = true;
        }
    if (theory) {
        QCPAbstractPlottable* key = nullptr;
        for (int k = 0; k < plot->plottableCount() && !key; ++k)
            if (plot->plottable(k)->property(kTheoryKey).toBool()) key = plot->plottable(k);
        if (!key) {
            key = PlotPanel::addStyleKey(plot, QObject::tr("theory"),
                                         plotPen(QColor(220, 220, 220), Qt::DashLine));
            key->setProperty(kTheoryKey, true);
        }
        key->addToLegend();
    }
    legend->setFillOrder(legend->fillOrder(), true);
    columns = legendColumns(plot);
    legend->setWrap(columns);
    legend->setFillOrder(legend->fillOrder(), true);
    while (legend->itemCount() > 1 && legendHeight(plot, columns) > limit) {
        QCPAbstractPlottable* last = nullptr;
        for (int k = legend->itemCount() - 1; k >= 0 && !last; --k) {
            QCPAbstractPlottable* p = legendPlottable(legend, k);
            if (p && !p->property(kTheoryKey).toBool()) last = p;
        }
        if (!last) break;
        leaveOut(last);
        columns = legendColumns(plot);
        legend->setWrap(columns);
        legend->setFillOrder(legend->fillOrder(), true);
    }
    return true;
}

}  // namespace

void PlotPanel::wrapLegend(QCustomPlot* plot) {
    QCPLegend* legend = plot->legend;
    if (legend->layout() != plot->plotLayout()) return;
    bool changed = restoreLegend(plot);
    if (legend->itemCount() == 0) return;
    int columns = legendColumns(plot);
    if (legend->wrap() != columns) {
        legend->setWrap(columns);
        changed = true;
    }
    if (changed) legend->setFillOrder(legend->fillOrder(), true);  // re-flow the existing items
    if (displayStyle().presentation() && legend->visible()) reduceLegend(plot, columns);
}

void PlotPanel::fitTickCount(QCustomPlot* plot) {
    // A label needs about two text heights (its own and a gap) of axis length.
    const int text = QFontMetrics(plot->yAxis->tickLabelFont()).height();
    const int height = plot->axisRect()->height() > 0 ? plot->axisRect()->height() : plot->height();
    const int count = std::clamp(height / (2 * text + 4), 2, 5);
    QCPAxisTicker* ticker = plot->yAxis->ticker().data();
    // Meet the count (less round steps allowed) rather than overshoot it with nicer steps.
    if (count < 5) ticker->setTickStepStrategy(QCPAxisTicker::tssMeetTickCount);
    if (ticker->tickCount() != count) ticker->setTickCount(count);
}

namespace {

// Whether two tick labels of `axis` would overlap as drawn: their extents along the axis (text height on a
// vertical axis, text width on a horizontal one) around the ticks' pixel positions.
bool tickLabelsOverlap(const QCPAxis* axis) {
    const QVector<double> ticks = axis->tickVector();
    const QVector<QString> labels = axis->tickVectorLabels();
    const QFontMetrics metrics(axis->tickLabelFont());
    const bool vertical = axis->orientation() == Qt::Vertical;
    std::vector<std::pair<double, double>> spans;
    for (qsizetype i = 0; i < ticks.size() && i < labels.size(); ++i) {
        if (!axis->range().contains(ticks[i])) continue;
        const double at = axis->coordToPixel(ticks[i]);
        const double half = (vertical ? metrics.height() : metrics.horizontalAdvance(labels[i])) / 2.0;
        spans.emplace_back(at - half, at + half);
    }
    std::sort(spans.begin(), spans.end());
    // Side by side, numbers need a character's gap to read as separate.
    const int gap = vertical ? 2 : metrics.averageCharWidth();
    for (std::size_t i = 1; i < spans.size(); ++i)
        if (spans[i].first < spans[i - 1].second + gap) return true;
    return false;
}

// Presentation: a note in the plot (a text item clipped to the axis rect) wider than the axis rect is
// wrapped at spaces to fit; the normal display gets the panel's text back.
void wrapNotes(QCustomPlot* plot, bool wrap) {
    for (int k = 0; k < plot->itemCount(); ++k) {
        auto* t = qobject_cast<QCPItemText*>(plot->item(k));
        if (!t || !t->clipToAxisRect() || !t->clipAxisRect()) continue;
        const bool ours =
            t->property(kWrappedText).isValid() && t->text() == t->property(kWrappedText).toString();
        const QString original = ours ? t->property(kOriginalText).toString() : t->text();
        QString text = original;
        if (wrap && t->visible()) {
            const QFontMetrics metrics(t->font());
            const int room = t->clipAxisRect()->width() - t->padding().left() - t->padding().right() - 8;
            // Not laid out yet, or too narrow for any note: leave the text as it is.
            if (room < 10 * metrics.averageCharWidth()) continue;
            QStringList lines;
            for (const QString& paragraph : original.split(u'\n')) {
                QString line;
                for (const QString& word : paragraph.split(u' ')) {
                    const QString longer = line.isEmpty() ? word : line + u' ' + word;
                    if (!line.isEmpty() && metrics.horizontalAdvance(longer) > room) {
                        lines << line;
                        line = word;
                    } else {
                        line = longer;
                    }
                }
                lines << line;
            }
            text = lines.join(u'\n');
        }
        if (text == t->text()) continue;
        t->setText(text);
        t->setProperty(kOriginalText, original);
        t->setProperty(kWrappedText, text);
    }
}

}  // namespace

void PlotPanel::separateTickLabels(QCustomPlot* plot) {
    const bool present = displayStyle().presentation();
    wrapNotes(plot, present);
    if (!present) {
        // The normal display gets the tick counts presentation reduced back.
        for (QCPAxis* axis : {plot->xAxis, plot->yAxis}) {
            const QVariant base = axis->property(kBaseTickCount);
            if (!base.isValid()) continue;
            axis->ticker()->setTickCount(base.toList()[0].toInt());
            axis->ticker()->setTickStepStrategy(
                static_cast<QCPAxisTicker::TickStepStrategy>(base.toList()[1].toInt()));
            axis->setProperty(kBaseTickCount, QVariant());
        }
        return;
    }
    QCPLayoutGrid* layout = plot->plotLayout();
    for (auto phase :
         {QCPLayoutElement::upPreparation, QCPLayoutElement::upMargins, QCPLayoutElement::upLayout})
        layout->update(phase);
    for (QCPAxis* axis : {plot->xAxis, plot->yAxis}) {
        if (!axis->visible() || !axis->tickLabels()) continue;
        QCPAxisTicker* ticker = axis->ticker().data();
        for (int guard = 0; guard < 8 && tickLabelsOverlap(axis) && ticker->tickCount() > 1; ++guard) {
            if (!axis->property(kBaseTickCount).isValid())
                axis->setProperty(kBaseTickCount, QVariantList{ticker->tickCount(),
                                                               static_cast<int>(ticker->tickStepStrategy())});
            ticker->setTickStepStrategy(QCPAxisTicker::tssMeetTickCount);
            ticker->setTickCount(ticker->tickCount() - 1);
            axis->axisRect()->update(QCPLayoutElement::upPreparation);
        }
    }
}

bool PlotPanel::plottable(double value) {
    return std::isfinite(value) && std::abs(value) <= core::kPlottableMagnitude;
}

QCPItemText* PlotPanel::makeNotPlottedLabel(QCustomPlot* plot, const QString& quantity) {
    auto* label = new QCPItemText(plot);
    const QString text = tr("%1 beyond 1e%2 — not plotted")
                             .arg(quantity)
                             .arg(std::lround(std::log10(core::kPlottableMagnitude)));
    label->setPositionAlignment(Qt::AlignCenter);
    label->position->setType(QCPItemPosition::ptAxisRectRatio);
    label->position->setCoords(0.5, 0.5);
    label->setText(text);
    label->setColor(QColor(240, 170, 90));
    label->setPen(QPen(QColor(240, 170, 90)));
    label->setBrush(QColor(24, 27, 34, 230));
    label->setPadding(QMargins(6, 3, 6, 3));
    label->setClipToAxisRect(false);
    label->setVisible(false);
    return label;
}

QCPGraph* PlotPanel::addStyleKey(QCustomPlot* plot, const QString& name, const QPen& pen,
                                 const QBrush& brush) {
    QCPGraph* key = plot->addGraph();
    key->setName(name);
    key->setPen(pen);
    key->setBrush(brush);
    key->setSelectable(QCP::stNone);
    return key;
}

}  // namespace attnsphere::render
