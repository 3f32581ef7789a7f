#include "render/AttentionHeatmapPanel.h"

#include "app/SimulationWorker.h"

#include "render/ColourMap.h"
#include "render/DisplayStyle.h"
#include "render/SceneRenderer.h"

#include <qcustomplot.h>

#include <QComboBox>
#include <QFontMetrics>
#include <QHBoxLayout>
#include <QLabel>
#include <QMouseEvent>
#include <QPainter>
#include <QStandardItemModel>
#include <QToolTip>
#include <QVBoxLayout>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numeric>

namespace attnsphere::render {

namespace {
constexpr int kColourBarWidth = 20, kColourBarTicks = 5;  // the normal display's (QCustomPlot's defaults)

void signedItemEnabled(QComboBox* box, bool enabled) {
    if (auto* model = qobject_cast<QStandardItemModel*>(box->model()))
        model->item(static_cast<int>(AttentionHeatmapPanel::Range::Signed))->setEnabled(enabled);
}
const std::array<QRgb, 256>& viridisTable() {
    static const std::array<QRgb, 256> table = [] {
        std::array<QRgb, 256> t{};
        for (int k = 0; k < 256; ++k) t[static_cast<std::size_t>(k)] = viridis(k / 255.0).rgb();
        return t;
    }();
    return table;
}
const std::array<QRgb, 256>& divergingTable() {
    static const std::array<QRgb, 256> table = [] {
        std::array<QRgb, 256> t{};
        for (int k = 0; k < 256; ++k) t[static_cast<std::size_t>(k)] = diverging(k / 127.5 - 1.0).rgb();
        return t;
    }();
    return table;
}
// Cells the mask hides: the theme's background, so they read as "no cell" rather than as zero weight.
QColor maskedColour() {
    return themeColours(displayStyle().theme).panelBackground;
}
int level(double v, double max) {
    return std::clamp(static_cast<int>(v / max * 255.0 + 0.5), 0, 255);
}
// Signed: -max … +max onto 0 … 255, 0 in the middle.
int signedLevel(double v, double max) {
    return std::clamp(static_cast<int>((v / max + 1.0) * 127.5 + 0.5), 0, 255);
}
QColor divergingColour(double t) {
    return diverging(t);
}
QColor viridisColour(double t) {
    return viridis(t);
}
}  // namespace

// The small multiples: one thumbnail per head; a click enlarges that head.
class HeatmapGrid : public QWidget {
public:
    explicit HeatmapGrid(AttentionHeatmapPanel* panel) : QWidget(panel), m_panel(panel) {
        setMinimumHeight(90);
        setToolTip(tr("All heads (rows = queries i, columns = keys j). Click a head to enlarge it below."));
    }
    static QFont labelFont(const QFont& base) {
        QFont f = base;
        f.setPointSizeF(displayStyle().fontPoints(9));
        f.setBold(true);
        return f;
    }
    int labelHeight() const { return QFontMetrics(labelFont(font())).height(); }
    QRect cell(int h, int count) const {
        const int top = labelHeight() + 1;
        const int side =
            std::max(10, std::min(height() - top - 2, (width() - 6 * count) / std::max(1, count)));
        return QRect(3 + h * (side + 6), top, side, side);
    }

protected:
    void paintEvent(QPaintEvent*) override {
        QPainter p(this);
        const DisplayStyle& style = displayStyle();
        p.fillRect(rect(), themeColours(style.theme).panelBackground);
        const int count = static_cast<int>(m_panel->m_images.size());
        p.setFont(labelFont(font()));
        for (int h = 0; h < count; ++h) {
            const QRect r = cell(h, count);
            const bool enlarged = h == m_panel->m_enlarged;
            p.drawImage(r, m_panel->m_images[static_cast<std::size_t>(h)]);
            p.setPen(QPen(themed(enlarged ? QColor(255, 255, 255) : headColour(h)),
                          style.lineWidth(enlarged ? 2 : 1)));
            p.drawRect(r.adjusted(-1, -1, 0, 0));
            p.setPen(themed(headColour(h)));
            // "head 2" where it fits above the cell, else the number alone.
            const QString name = tr("head %1").arg(h + 1);
            const bool fits = p.fontMetrics().horizontalAdvance(name) <= r.width();
            p.drawText(QRect(r.left(), 0, r.width(), r.top() - 1), Qt::AlignCenter,
                       fits ? name : QString::number(h + 1));
        }
    }
    void mousePressEvent(QMouseEvent* e) override {
        const int count = static_cast<int>(m_panel->m_images.size());
        for (int h = 0; h < count; ++h)
            if (cell(h, count).contains(e->position().toPoint())) m_panel->setEnlargedHead(h);
    }

private:
    AttentionHeatmapPanel* m_panel;
};

AttentionHeatmapPanel::AttentionHeatmapPanel(QWidget* parent) : PlotPanel(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->setSpacing(2);
    auto* controls = new QHBoxLayout;
    m_orderBox = new QComboBox(this);
    m_orderBox->addItem(tr("order by index"));
    m_orderBox->addItem(tr("order by cluster"));
    m_orderBox->setToolTip(
        tr("Row/column order: token index, or grouped by display cluster (single linkage at cos ≥ %1),\n"
           "stable across frames while the clusters do not change. Cluster order needs the full\n"
           "matrix (n ≤ %2); larger n is block-averaged and always shown by index (doc/MODEL.md §6).")
            .arg(core::kDisplayClusterCosine)
            .arg(app::SimulationWorker::kMaxAttentionSize));
    m_rangeBox = new QComboBox(this);
    m_rangeBox->addItem(tr("colour range 0 … max P"));
    m_rangeBox->addItem(tr("colour range 0 … 1"));
    m_rangeBox->addItem(tr("signed weights (−max … +max)"));
    m_rangeBox->setToolTip(
        tr("Colour scale: from 0 to the largest P_ij of this frame (all heads), or fixed 0 … 1.\n"
           "Signed kernels (linear): P_ij is the positive part of the weights, renormalised; the signed\n"
           "choice shows κ(s_ij) / Σ_k |κ(s_ik)| on a diverging map centred on 0 (blue < 0 < orange); "
           "doc/MODEL.md §5."));
    signedItemEnabled(m_rangeBox, false);
    m_orderBox->setCurrentIndex(1);
    controls->addWidget(m_orderBox);
    controls->addWidget(m_rangeBox);
    controls->addStretch();
    layout->addLayout(controls);
    m_grid = new HeatmapGrid(this);
    layout->addWidget(m_grid, 1);

    m_plot = makePlot(this, tr("key j"), tr("query i"));
    m_plot->setInteractions({});
    m_plot->setProperty("autoRange", false);
    m_plot->yAxis->setRangeReversed(true);
    m_map = new QCPColorMap(m_plot->xAxis, m_plot->yAxis);
    m_map->setInterpolate(false);
    // Cells of width 1 centred on their integer coordinates (a tight boundary would squeeze them).
    m_map->setTightBoundary(false);
    for (QCPAxis* axis : {m_plot->xAxis, m_plot->yAxis}) axis->grid()->setVisible(false);
    const QCPColorGradient gradient = colourGradient(viridisColour, 0, 1);
    m_map->setGradient(gradient);
    m_scale = new QCPColorScale(m_plot);
    m_plot->plotLayout()->addElement(0, 1, m_scale);
    // Room for the last x tick label between the map and the colour bar.
    m_plot->plotLayout()->setColumnSpacing(14);
    m_scale->setType(QCPAxis::atRight);
    m_scale->setGradient(gradient);
    m_scale->axis()->setLabel(QStringLiteral("P_ij"));
    m_scale->axis()->setLabelColor(QColor(210, 215, 225));
    m_scale->axis()->setTickLabelColor(QColor(210, 215, 225));
    m_scale->axis()->setBasePen(QPen(QColor(210, 215, 225)));
    m_scale->axis()->setTickPen(QPen(QColor(210, 215, 225)));
    m_map->setColorScale(m_scale);
    auto* margins = new QCPMarginGroup(m_plot);
    m_plot->axisRect()->setMarginGroup(QCP::msBottom | QCP::msTop, margins);
    m_scale->setMarginGroup(QCP::msBottom | QCP::msTop, margins);
    for (QCPItemRect** mark : {&m_rowMark, &m_colMark}) {
        *mark = new QCPItemRect(m_plot);
        (*mark)->setPen(QPen(QColor(255, 255, 255), 1.5));
        (*mark)->setBrush(Qt::NoBrush);
        (*mark)->setVisible(false);
    }
    layout->addWidget(m_plot, 3);
    m_plot->setMouseTracking(true);
    m_plot->installEventFilter(this);

    setToolTip(
        tr("Attention P_ij^h = max(0, κ(s_ij^h)) / Σ_k max(0, κ(s_ik^h)), rows = queries i, columns = keys j "
           "(doc/MODEL.md §5).\n"
           "Hover: i, j, P_ij. Click: select token i everywhere. White outline: the selected token's row and "
           "column."));
    connect(m_orderBox, &QComboBox::currentIndexChanged, this,
            [this](int k) { setOrder(k == 1 ? Order::Cluster : Order::Index); });
    connect(m_rangeBox, &QComboBox::currentIndexChanged, this, [this] {
        m_hasNew = true;
        m_dirty = true;
        refresh();
    });
}

void AttentionHeatmapPanel::setOrder(Order order) {
    m_order = order;
    m_orderBox->setCurrentIndex(order == Order::Cluster ? 1 : 0);
    m_hasNew = true;
    m_dirty = true;
}

void AttentionHeatmapPanel::setRange(Range range) {
    m_rangeBox->setCurrentIndex(static_cast<int>(range));
    m_hasNew = true;
    m_dirty = true;
}

AttentionHeatmapPanel::Range AttentionHeatmapPanel::range() const {
    return static_cast<Range>(m_rangeBox->currentIndex());
}

bool AttentionHeatmapPanel::signedRangeAvailable() const {
    return m_signedKernel && m_signed.size() == m_attention.size() &&
           std::all_of(m_signed.begin(), m_signed.end(), [&](const Eigen::MatrixXf& s) {
               return s.rows() == m_attention.front().rows() && s.cols() == m_attention.front().cols();
           });
}

bool AttentionHeatmapPanel::showingSigned() const {
    return range() == Range::Signed && signedRangeAvailable();
}

const std::vector<Eigen::MatrixXf>& AttentionHeatmapPanel::shownMatrices() const {
    return showingSigned() ? m_signed : m_attention;
}

void AttentionHeatmapPanel::setEnlargedHead(int h) {
    m_enlarged = h;
    m_hasNew = true;
    m_dirty = true;
    refresh();
}

void AttentionHeatmapPanel::addFrame(const core::Frame& frame) {
    needsReset(frame);
    takeAttention(frame);
}

void AttentionHeatmapPanel::showFrame(const core::Frame& frame) {
    m_dirty = true;
    takeAttention(frame);
}

void AttentionHeatmapPanel::takeAttention(const core::Frame& frame) {
    // Frames without attention matrices (the worker sends them at a lower rate) keep the last ones.
    if (!frame.hasObservables || frame.heads.empty() || frame.heads.front().attention.size() == 0) return;
    m_attention.clear();
    for (const auto& head : frame.heads) m_attention.push_back(head.attention);
    m_n = frame.n;
    m_stride = frame.heads.empty() ? 1 : std::max(1, frame.heads.front().attentionStride);
    m_signed.clear();
    m_signedKernel = frame.signedKernel();
    if (frame.signedKernel())
        for (const auto& head : frame.heads) m_signed.push_back(head.signedAttention);
    signedItemEnabled(m_rangeBox, signedRangeAvailable());
    if (range() == Range::Signed && !signedRangeAvailable()) m_rangeBox->setCurrentIndex(0);
    // Index order shows a causal mask as the triangle it is; set when the mask appears, changeable after.
    if (frame.mask == core::AttentionMask::Causal && m_mask != frame.mask) setOrder(Order::Index);
    m_mask = frame.mask;
    m_labels = frame.displayClusterLabels;
    if (m_enlarged >= static_cast<int>(m_attention.size())) m_enlarged = 0;
    m_hasNew = true;
}

int AttentionHeatmapPanel::displayIndexOf(int token) const {
    if (token < 0 || m_stride <= 0) return -1;
    const int row = token / m_stride;
    return row < static_cast<int>(m_inverse.size()) ? m_inverse[static_cast<std::size_t>(row)] : -1;
}

bool AttentionHeatmapPanel::maskedCell(int row, int col) const {
    // A block-averaged cell is masked when its first key comes after its last query.
    return m_mask == core::AttentionMask::Causal &&
           col * m_stride > std::min(m_n - 1, (row + 1) * m_stride - 1);
}

int AttentionHeatmapPanel::tokenAtRow(int row) const {
    if (row < 0 || row >= static_cast<int>(m_perm.size())) return -1;
    return std::min(m_n - 1, m_perm[static_cast<std::size_t>(row)] * m_stride);
}

void AttentionHeatmapPanel::rebuildImages() {
    const int m = m_attention.empty() ? 0 : static_cast<int>(m_attention.front().rows());
    // Cluster order only for unaveraged matrices: a block-averaged cell mixes consecutive indices.
    m_perm.resize(static_cast<std::size_t>(m));
    std::iota(m_perm.begin(), m_perm.end(), 0);
    if (m_order == Order::Cluster && m_stride == 1 && static_cast<int>(m_labels.size()) == m)
        std::stable_sort(m_perm.begin(), m_perm.end(), [&](int a, int b) {
            return m_labels[static_cast<std::size_t>(a)] < m_labels[static_cast<std::size_t>(b)];
        });
    m_inverse.assign(static_cast<std::size_t>(m), 0);
    for (int k = 0; k < m; ++k) m_inverse[static_cast<std::size_t>(m_perm[static_cast<std::size_t>(k)])] = k;

    const bool signedWeights = showingSigned();
    double max = 0;
    for (const auto& a : shownMatrices())
        if (a.size() > 0)
            max = std::max(max, static_cast<double>(signedWeights ? a.cwiseAbs().maxCoeff() : a.maxCoeff()));
    m_rangeMax = range() == Range::ZeroToOne ? 1.0 : std::max(max, 1e-12);
    const auto& lut = signedWeights ? divergingTable() : viridisTable();
    const QRgb masked = maskedColour().rgb();
    m_images.clear();
    for (const auto& a : shownMatrices()) {
        QImage img(m, m, QImage::Format_RGB32);
        for (int r = 0; r < m; ++r) {
            auto* line = reinterpret_cast<QRgb*>(img.scanLine(r));
            const int i = m_perm[static_cast<std::size_t>(r)];
            for (int c = 0; c < m; ++c) {
                const int j = m_perm[static_cast<std::size_t>(c)];
                if (maskedCell(i, j)) {
                    line[c] = masked;
                    continue;
                }
                const double v = a(i, j);
                line[c] = lut[static_cast<std::size_t>(signedWeights ? signedLevel(v, m_rangeMax)
                                                                     : level(v, m_rangeMax))];
            }
        }
        m_images.push_back(std::move(img));
    }
}

QColor AttentionHeatmapPanel::cellColour(int h, int i, int j) const {
    if (h < 0 || h >= static_cast<int>(m_images.size())) return QColor();
    const int r = displayIndexOf(i), c = displayIndexOf(j);
    if (r < 0 || c < 0) return QColor();
    return QColor(m_images[static_cast<std::size_t>(h)].pixel(c, r));
}

void AttentionHeatmapPanel::refresh() {
    if (!m_dirty) return;
    m_dirty = false;
    if (m_hasNew) {
        m_hasNew = false;
        rebuildImages();
        const int m = m_perm.empty() ? 0 : static_cast<int>(m_perm.size());
        const bool signedWeights = showingSigned();
        if (m > 0 && m_enlarged < static_cast<int>(m_attention.size())) {
            const auto& a = shownMatrices()[static_cast<std::size_t>(m_enlarged)];
            QCPColorMapData* data = m_map->data();
            if (data->keySize() != m || data->valueSize() != m) data->setSize(m, m);
            data->setRange(QCPRange(0, m - 1), QCPRange(0, m - 1));
            for (int r = 0; r < m; ++r) {
                const int i = m_perm[static_cast<std::size_t>(r)];
                for (int c = 0; c < m; ++c) {
                    const int j = m_perm[static_cast<std::size_t>(c)];
                    data->setCell(c, r,
                                  maskedCell(i, j) ? std::numeric_limits<double>::quiet_NaN() : a(i, j));
                }
            }
            QCPColorGradient gradient =
                signedWeights ? colourGradient(divergingColour, -1, 1) : colourGradient(viridisColour, 0, 1);
            // Masked cells (NaN) in the masked colour, apart from every weight, zero included.
            gradient.setNanHandling(QCPColorGradient::nhNanColor);
            gradient.setNanColor(maskedColour());
            m_map->setGradient(gradient);
            m_scale->setGradient(gradient);
            m_map->setDataRange(signedWeights ? QCPRange(-m_rangeMax, m_rangeMax) : QCPRange(0, m_rangeMax));
            m_scale->axis()->setLabel(signedWeights    ? tr("signed weight κ(s_ij) / Σ_k |κ(s_ik)|")
                                      : m_signedKernel ? tr("P_ij (positive part, renormalised)")
                                                       : QStringLiteral("P_ij"));
            m_plot->xAxis->setRange(-0.5, m - 0.5);
            m_plot->yAxis->setRange(-0.5, m - 0.5);
            const QString unit = m_stride > 1 ? tr(" (blocks of %1 tokens)").arg(m_stride) : QString();
            const QString order = m_order == Order::Cluster && m_stride == 1 ? tr(", by cluster") : QString();
            m_plot->xAxis->setLabel(tr("key j%1%2 — head %3").arg(unit, order).arg(m_enlarged + 1));
            m_plot->yAxis->setLabel(tr("query i%1%2").arg(unit, order));
            // Tick labels name tokens (or first tokens of blocks), whatever the order: up to 8 per axis,
            // fewer when the axis is too short for them to stand apart (about two labels' room each).
            const QFontMetrics fm(m_plot->xAxis->tickLabelFont());
            auto ticker = [&](int length, int labelRoom) {
                QSharedPointer<QCPAxisTickerText> t(new QCPAxisTickerText);
                const int count = std::clamp(length / std::max(1, 2 * labelRoom), 2, 8);
                const int every = std::max(1, (m + count - 1) / count);
                for (int r = 0; r < m; r += every)
                    t->addTick(r, QString::number(m_perm[static_cast<std::size_t>(r)] * m_stride));
                return t;
            };
            const int widest = fm.horizontalAdvance(QString::number(std::max(1, m_n - 1)));
            m_plot->xAxis->setTicker(ticker(m_plot->axisRect()->width(), widest));
            m_plot->yAxis->setTicker(ticker(m_plot->axisRect()->height(), fm.height()));
        }
    }
    const int row = displayIndexOf(m_selected);
    const int m = static_cast<int>(m_perm.size());
    m_rowMark->setVisible(row >= 0);
    m_colMark->setVisible(row >= 0);
    if (row >= 0) {
        m_rowMark->topLeft->setCoords(-0.5, row - 0.5);
        m_rowMark->bottomRight->setCoords(m - 0.5, row + 0.5);
        m_colMark->topLeft->setCoords(row - 0.5, -0.5);
        m_colMark->bottomRight->setCoords(row + 0.5, m - 0.5);
    }
    m_grid->update();
    queueReplot(m_plot);
}

bool AttentionHeatmapPanel::cellAt(const QPoint& pos, int& row, int& col) const {
    const int m = static_cast<int>(m_perm.size());
    if (m == 0 || !m_plot->axisRect()->rect().contains(pos)) return false;
    col = static_cast<int>(std::lround(m_plot->xAxis->pixelToCoord(pos.x())));
    row = static_cast<int>(std::lround(m_plot->yAxis->pixelToCoord(pos.y())));
    return row >= 0 && row < m && col >= 0 && col < m;
}

bool AttentionHeatmapPanel::eventFilter(QObject* watched, QEvent* event) {
    if (watched == m_plot) {
        if (event->type() == QEvent::ToolTip) {
            auto* help = static_cast<QHelpEvent*>(event);
            int row = 0, col = 0;
            if (cellAt(help->pos(), row, col) && m_enlarged < static_cast<int>(m_attention.size())) {
                const int i = m_perm[static_cast<std::size_t>(row)],
                          j = m_perm[static_cast<std::size_t>(col)];
                const double p = shownMatrices()[static_cast<std::size_t>(m_enlarged)](i, j);
                const QString value =
                    maskedCell(i, j) ? tr("masked (causal: key after query)") : QString::number(p, 'g', 4);
                const QString what = m_stride > 1 ? tr("queries %1–%2, keys %3–%4 (block mean)")
                                                        .arg(i * m_stride)
                                                        .arg(std::min(m_n, (i + 1) * m_stride) - 1)
                                                        .arg(j * m_stride)
                                                        .arg(std::min(m_n, (j + 1) * m_stride) - 1)
                                                  : tr("i = %1, j = %2").arg(i).arg(j);
                QToolTip::showText(
                    help->globalPos(),
                    tr("head %1: %2\n%3 = %4")
                        .arg(m_enlarged + 1)
                        .arg(what, showingSigned() ? tr("signed weight") : QStringLiteral("P_ij"), value),
                    m_plot);
                return true;
            }
        } else if (event->type() == QEvent::MouseButtonPress) {
            auto* e = static_cast<QMouseEvent*>(event);
            int row = 0, col = 0;
            if (e->button() == Qt::LeftButton && cellAt(e->position().toPoint(), row, col)) {
                const int token = tokenAtRow(row);
                setSelectedToken(token);
                refresh();
                emit tokenSelected(token);
                return true;
            }
        }
    }
    return PlotPanel::eventFilter(watched, event);
}

void AttentionHeatmapPanel::applyDisplayStyle() {
    const double scale = displayStyle().scale;
    m_scale->setBarWidth(static_cast<int>(std::lround(kColourBarWidth * scale)));
    // Larger labels, fewer of them: the bar's length does not grow with the text.
    QCPAxisTicker* ticker = m_scale->axis()->ticker().data();
    ticker->setTickStepStrategy(scale > 1 ? QCPAxisTicker::tssMeetTickCount : QCPAxisTicker::tssReadability);
    ticker->setTickCount(std::max(2, static_cast<int>(std::lround(kColourBarTicks / scale))));
    PlotPanel::applyDisplayStyle();
    m_grid->update();
}

}  // namespace attnsphere::render
