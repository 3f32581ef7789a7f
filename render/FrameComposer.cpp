#include "render/FrameComposer.h"

#include "core/Errors.h"
#include "render/ComparisonPanels.h"
#include "render/DisplayStyle.h"
#include "render/PanelRegistry.h"
#include "render/PlotPanel.h"

#include <QFont>
#include <QFontMetrics>
#include <QPainter>
#include <QPainterPath>

#include <algorithm>
#include <cmath>

namespace attnsphere::render {

namespace {

const ThemeColours& colours() {
    return themeColours(displayStyle().theme);
}
// Panels are laid out as in a dock of this many lines of screen and scaled up for larger frames.
constexpr double kPanelReferenceHeight = 900;
// Presentation text in a grid of three to five panels: drawn at 0.7 of the column's scale, so each cell's
// layout has room for a plot while the smallest panel text (29 px, edit markers) stays at 24 px and more
// in a 1080-line frame.
constexpr double kPresentationGridShrink = 0.7;

QFont uiFont(double pixelSize, bool bold = false) {
    QFont f(QStringLiteral("DejaVu Sans"));
    f.setPixelSize(
        std::max(8, static_cast<int>(std::lround(pixelSize * displayStyle().relativeTextScale()))));
    f.setBold(bold);
    f.setStyleStrategy(QFont::PreferAntialias);
    return f;
}

QFont titleFont(int frameHeight) {
    return uiFont(frameHeight * 0.022, true);
}

// Text with an outline (dark, or light in the light theme) so it stays readable over the sphere and over a
// transparent background.
void outlinedText(QPainter& p, QPointF at, const QString& text, const QFont& font, const QColor& colour) {
    QPainterPath path;
    path.addText(at, font, text);
    p.setPen(QPen(colours().overlayOutline, std::max(2.0, font.pixelSize() / 7.0), Qt::SolidLine,
                  Qt::RoundCap, Qt::RoundJoin));
    p.setBrush(Qt::NoBrush);
    p.drawPath(path);
    p.setPen(Qt::NoPen);
    p.setBrush(colour);
    p.drawPath(path);
}

QString shortNumber(double v) {
    if (v == 0 || (std::abs(v) >= 1e-3 && std::abs(v) < 1e4)) return QString::number(v, 'g', 4);
    return QString::number(v, 'e', 2);
}

}  // namespace

FrameComposer::FrameComposer(CompositionOptions options) : m_options(std::move(options)) {
    const int w = m_options.size.width(), h = m_options.size.height();
    const int k = static_cast<int>(m_options.panels.size());
    if (k == 0) {
        m_view = QRect(0, 0, w, h);
        return;
    }
    // One column for up to two panels, a 2-column grid up to six, three columns beyond (at most three rows,
    // so a two-plot panel stays legible); the view keeps the rest on the left.
    const int columns = k <= 2 ? 1 : k <= 6 ? 2 : 3;
    const int rows = (k + columns - 1) / columns;
    // Presentation text needs wider panels (legends in two columns).
    const double share = columns == 1   ? (displayStyle().presentation() ? 0.42 : 0.34)
                         : columns == 2 ? 0.46
                                        : 0.6;
    const int panelWidth = static_cast<int>(std::lround(w * share));
    m_view = QRect(0, 0, w - panelWidth, h);
    const int margin = std::max(4, h / 90);
    const int cellW = (panelWidth - margin) / columns, cellH = (h - margin) / rows;
    // Each cell: the panel's title in a bar, as its dock shows it, and the panel below.
    const int titleHeight = QFontMetrics(titleFont(h)).height() + 2 * std::max(2, h / 240);
    for (int i = 0; i < k; ++i) {
        const int c = i % columns, r = i / columns;
        const QRect cell(m_view.right() + 1 + c * cellW, margin + r * cellH, cellW - margin, cellH - margin);
        m_titleRects.emplace_back(cell.left(), cell.top(), cell.width(), titleHeight);
        m_panelRects.push_back(cell.adjusted(0, titleHeight, 0, 0));
    }
    m_panelScale = h / kPanelReferenceHeight;
    if (columns > 1 && displayStyle().presentation()) m_panelScale *= kPresentationGridShrink;
    for (const QString& id : m_options.panels) {
        const PanelInfo* info = findPanel(id);
        if (!info)
            throw core::ValidationError("--panels", QStringLiteral("unknown panel '%1'; allowed: %2")
                                                        .arg(id, panelIds().join(QLatin1String(", ")))
                                                        .toStdString());
        m_panels.emplace_back(info->make(nullptr));
        m_titles << info->title;
        if (m_options.runs.size() >= 2)
            m_runPanels.push_back(
                std::make_unique<ComparisonPanels>(m_panels.back().get(), *info, m_options.runs));
    }
}

FrameComposer::~FrameComposer() = default;

bool FrameComposer::needsObservables() const {
    return std::any_of(m_options.panels.begin(), m_options.panels.end(),
                       [](const QString& id) { return findPanel(id)->needsObservables; });
}

bool FrameComposer::needsAttention() const {
    return std::any_of(m_options.panels.begin(), m_options.panels.end(),
                       [](const QString& id) { return findPanel(id)->needsAttention; });
}

void FrameComposer::addFrame(const core::Frame& frame) {
    for (const auto& panel : m_panels) panel->addFrame(frame);
}

void FrameComposer::addFrames(const std::vector<const core::Frame*>& frames) {
    if (m_runPanels.empty()) {
        if (!frames.empty() && frames.front()) addFrame(*frames.front());
        return;
    }
    for (const auto& panels : m_runPanels) panels->addFrames(frames);
}

QSize FrameComposer::tileGrid(int count, QSize area) {
    count = std::max(1, count);
    int bestColumns = 1;
    double bestSide = -1;
    for (int columns = 1; columns <= count; ++columns) {
        const int rows = (count + columns - 1) / columns;
        const double side =
            std::min(area.width() / static_cast<double>(columns), area.height() / static_cast<double>(rows));
        if (side > bestSide + 0.5) {
            bestSide = side;
            bestColumns = columns;
        }
    }
    return {bestColumns, (count + bestColumns - 1) / bestColumns};
}

std::vector<QRect> FrameComposer::tileRects(QRect area, int count) {
    const QSize grid = tileGrid(count, area.size());
    const int bestColumns = grid.width(), rows = grid.height();
    std::vector<QRect> out;
    for (int k = 0; k < count; ++k) {
        const int c = k % bestColumns, r = k / bestColumns;
        const int x0 = area.left() + area.width() * c / bestColumns,
                  x1 = area.left() + area.width() * (c + 1) / bestColumns;
        const int y0 = area.top() + area.height() * r / rows,
                  y1 = area.top() + area.height() * (r + 1) / rows;
        // The camera fits the sphere to the height: a tall cell would crop it, so it gets a square.
        const int w = x1 - x0, h = std::min(y1 - y0, w);
        out.emplace_back(x0, y0 + (y1 - y0 - h) / 2, w, h);
    }
    return out;
}

QImage FrameComposer::tileViews(const std::vector<QImage>& tiles) const {
    QImage view(m_view.size(), tiles.empty() ? QImage::Format_RGBA8888 : tiles.front().format());
    view.fill(m_options.transparent ? QColor(0, 0, 0, 0) : colours().videoBackground);
    const auto rects = tileRects(QRect(QPoint(0, 0), m_view.size()), static_cast<int>(tiles.size()));
    QPainter p(&view);
    p.setRenderHint(QPainter::Antialiasing, true);
    const QFont font = uiFont(m_options.size.height() * 0.03, true);
    const QFontMetrics fm(font);
    for (std::size_t k = 0; k < tiles.size(); ++k) {
        p.setCompositionMode(QPainter::CompositionMode_Source);
        p.drawImage(rects[k].topLeft(), tiles[k]);
        p.setCompositionMode(QPainter::CompositionMode_SourceOver);
        const QString name =
            k < static_cast<std::size_t>(m_options.runs.size())
                ? fm.elidedText(m_options.runs[static_cast<int>(k)], Qt::ElideRight, rects[k].width() - 8)
                : QString();
        const double x = rects[k].left() + (rects[k].width() - fm.horizontalAdvance(name)) / 2.0;
        // Below the tile where the grid leaves room, else at its top (its bottom holds the scene's labels).
        const double gap = m_options.size.height() * 0.012;
        const bool below = rects[k].bottom() + gap + fm.height() <= view.height();
        const double y = below ? rects[k].bottom() + gap + fm.ascent() : rects[k].top() + gap + fm.ascent();
        outlinedText(p, QPointF(x, y), name, font, colours().overlayText);
    }
    // Thin lines between the tiles.
    p.setPen(QPen(colours().grid, std::max(1, m_options.size.height() / 360)));
    for (const QRect& r : rects) {
        if (r.left() > 0) p.drawLine(r.topLeft(), r.bottomLeft());
        if (r.top() > 0) p.drawLine(r.topLeft(), r.topRight());
    }
    p.end();
    return view;
}

QStringList FrameComposer::overlayNames() {
    return {"t", "beta", "n", "d", "H", "kernel", "title"};
}

QImage FrameComposer::compose(const QImage& view, const core::Frame& frame) const {
    // Opaque frames stay straight RGBA (alpha 255): the encoder then needs no unpremultiplying pass.
    const QImage::Format format =
        m_options.transparent ? QImage::Format_RGBA8888_Premultiplied : QImage::Format_RGBA8888;
    // Reuse the buffer of the previous frame once the encoder has let go of it (no page faults per frame).
    if (m_buffer.size() != m_options.size || m_buffer.format() != format)
        m_buffer = QImage(m_options.size, format);
    QImage& out = m_buffer;
    out.fill(m_options.transparent ? QColor(0, 0, 0, 0) : colours().videoBackground);
    QPainter p(&out);
    p.setCompositionMode(QPainter::CompositionMode_Source);
    p.drawImage(m_view.topLeft(), view);
    p.setCompositionMode(QPainter::CompositionMode_SourceOver);
    p.setRenderHint(QPainter::Antialiasing, true);
    p.setRenderHint(QPainter::TextAntialiasing, true);
    const QFont font = titleFont(m_options.size.height());
    const QFontMetrics fm(font);
    p.setFont(font);
    for (const auto& panels : m_runPanels) panels->sync();
    for (std::size_t i = 0; i < m_panels.size(); ++i) {
        const QRect bar = m_titleRects[i];
        p.fillRect(bar, colours().dockTitle);
        p.setPen(colours().text);
        const int pad = (bar.height() - fm.height()) / 2;
        p.drawText(bar.adjusted(2 * pad, 0, -pad, 0), Qt::AlignLeft | Qt::AlignVCenter,
                   fm.elidedText(m_titles[static_cast<int>(i)], Qt::ElideRight, bar.width() - 3 * pad));
        p.drawImage(m_panelRects[i].topLeft(),
                    m_panels[i]->renderImage(m_panelRects[i].size(), m_panelScale));
    }
    drawOverlays(p, frame);
    p.end();
    return out;
}

void FrameComposer::drawOverlays(QPainter& p, const core::Frame& frame) const {
    const double h = m_options.size.height();
    const QStringList& o = m_options.overlays;
    const int margin = static_cast<int>(std::lround(h * 0.025));
    double y = margin;
    const QString titleText =
        m_options.title.isEmpty() ? QString::fromStdString(frame.scenarioName) : m_options.title;
    if (o.contains(QLatin1String("title")) && !titleText.isEmpty()) {
        const QFont f = uiFont(h * 0.045, true);
        const QFontMetrics fm(f);
        const QString title = fm.elidedText(titleText, Qt::ElideRight, m_view.width() - 2 * margin);
        const double x = m_view.left() + (m_view.width() - fm.horizontalAdvance(title)) / 2.0;
        outlinedText(p, QPointF(std::max<double>(margin, x), y + fm.ascent()), title, f,
                     colours().overlayText);
        y += fm.height() + margin / 2.0;
    }
    const QString line = overlayLine(o, frame);
    if (line.isEmpty()) return;
    // Top left: the view's bottom corners carry the scene's legend and projection label.
    const QFont f = uiFont(h * 0.032);
    const QFontMetrics fm(f);
    outlinedText(p, QPointF(m_view.left() + margin, y + fm.ascent()),
                 fm.elidedText(line, Qt::ElideRight, m_view.width() - 2 * margin), f, colours().text);
}

QString FrameComposer::overlayLine(const QStringList& o, const core::Frame& frame) {
    QStringList parts;
    if (o.contains(QLatin1String("t"))) parts << QStringLiteral("t = %1").arg(frame.t, 0, 'f', 2);
    if (o.contains(QLatin1String("beta"))) parts << QStringLiteral("β = %1").arg(shortNumber(frame.beta));
    if (o.contains(QLatin1String("n"))) parts << QStringLiteral("n = %1").arg(frame.n);
    if (o.contains(QLatin1String("d"))) parts << QStringLiteral("d = %1").arg(frame.d);
    if (o.contains(QLatin1String("H"))) parts << QStringLiteral("H = %1").arg(frame.H);
    if (o.contains(QLatin1String("kernel"))) {
        const std::string_view kernel = core::toString(frame.kernel);
        parts << QString::fromUtf8(kernel.data(), static_cast<qsizetype>(kernel.size()));
    }
    return parts.join(QLatin1String("    "));
}

}  // namespace attnsphere::render
