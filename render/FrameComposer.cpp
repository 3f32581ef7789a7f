#include "render/FrameComposer.h"

#include "core/Errors.h"
#include "render/ColourMap.h"
#include "render/SceneRenderer.h"

#include <QFont>
#include <QFontMetrics>
#include <QPainter>
#include <QPainterPath>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>

namespace attnsphere::render {

namespace {

constexpr std::size_t kMaxHistory = 2000;
const QColor kText(225, 228, 235);
const QColor kAxis(120, 126, 140);

QFont uiFont(double pixelSize, bool bold = false) {
    QFont f(QStringLiteral("DejaVu Sans"));
    f.setPixelSize(std::max(8, static_cast<int>(std::lround(pixelSize))));
    f.setBold(bold);
    f.setStyleStrategy(QFont::PreferAntialias);
    return f;
}

// Text with a dark outline so it stays readable over the sphere and over a transparent background.
void outlinedText(QPainter& p, QPointF at, const QString& text, const QFont& font, const QColor& colour) {
    QPainterPath path;
    path.addText(at, font, text);
    p.setPen(QPen(QColor(0, 0, 0, 170), std::max(2.0, font.pixelSize() / 7.0), Qt::SolidLine, Qt::RoundCap,
                  Qt::RoundJoin));
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
    // One column for up to two panels, a 2-column grid beyond; the view keeps the rest on the left.
    const int columns = k <= 2 ? 1 : 2;
    const int rows = (k + columns - 1) / columns;
    const int panelWidth = static_cast<int>(std::lround(w * (columns == 1 ? 0.34 : 0.46)));
    m_view = QRect(0, 0, w - panelWidth, h);
    const int margin = std::max(4, h / 90);
    const int cellW = (panelWidth - margin) / columns, cellH = (h - margin) / rows;
    for (int i = 0; i < k; ++i) {
        const int c = i % columns, r = i / columns;
        m_panelRects.emplace_back(m_view.right() + 1 + c * cellW, margin + r * cellH, cellW - margin,
                                  cellH - margin);
    }
}

QStringList FrameComposer::panelNames() {
    return {"energy", "entropy", "shadows", "heatmap"};
}
QStringList FrameComposer::overlayNames() {
    return {"t", "beta", "n", "d", "H", "kernel", "title"};
}

QStringList FrameComposer::parseList(const QString& text, const QStringList& allowed, const char* option) {
    QStringList out;
    if (text.trimmed().isEmpty() || text.trimmed() == QLatin1String("none")) return out;
    if (text.trimmed() == QLatin1String("all")) return allowed;
    for (const QString& raw : text.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        const QString name = raw.trimmed();
        if (!allowed.contains(name))
            throw core::ValidationError(option, QStringLiteral("unknown name '%1'; allowed: %2, all, none")
                                                    .arg(name, allowed.join(QLatin1String(", ")))
                                                    .toStdString());
        if (!out.contains(name)) out << name;
    }
    return out;
}

void FrameComposer::addHistory(const core::Frame& frame) {
    if (!frame.hasObservables) return;
    if (m_seen++ % m_stride != 0) return;
    Sample s;
    s.t = frame.t;
    s.energyTotal = frame.energyTotal;
    for (const core::HeadObservables& h : frame.heads) {
        s.energy.push_back(h.energy);
        s.entropyMean.push_back(h.entropyMean);
        s.radialMean.push_back(h.radialMeanAbs);
    }
    m_history.push_back(std::move(s));
    if (m_history.size() >= kMaxHistory) {
        // Keep every other sample and sample half as often from now on: bounded, evenly decimated.
        std::vector<Sample> kept;
        for (std::size_t i = 0; i < m_history.size(); i += 2) kept.push_back(std::move(m_history[i]));
        m_history = std::move(kept);
        m_stride *= 2;
    }
}

QImage FrameComposer::compose(const QImage& view, const core::Frame& frame,
                              const OverlayValues& values) const {
    // Opaque frames stay straight RGBA (alpha 255): the encoder then needs no unpremultiplying pass.
    const QImage::Format format =
        m_options.transparent ? QImage::Format_RGBA8888_Premultiplied : QImage::Format_RGBA8888;
    // Reuse the buffer of the previous frame once the encoder has let go of it (no page faults per frame).
    if (m_buffer.size() != m_options.size || m_buffer.format() != format)
        m_buffer = QImage(m_options.size, format);
    QImage& out = m_buffer;
    out.fill(m_options.transparent ? QColor(0, 0, 0, 0) : QColor(14, 15, 20));
    QPainter p(&out);
    p.setCompositionMode(QPainter::CompositionMode_Source);
    p.drawImage(m_view.topLeft(), view);
    p.setCompositionMode(QPainter::CompositionMode_SourceOver);
    p.setRenderHint(QPainter::Antialiasing, true);
    p.setRenderHint(QPainter::TextAntialiasing, true);
    for (std::size_t i = 0; i < m_panelRects.size(); ++i)
        drawPanel(p, m_panelRects[i], m_options.panels[static_cast<int>(i)], frame);
    drawOverlays(p, values);
    p.end();
    return out;
}

void FrameComposer::drawPanel(QPainter& p, const QRect& r, const QString& name,
                              const core::Frame& frame) const {
    p.setPen(Qt::NoPen);
    p.setBrush(m_options.transparent ? QColor(10, 12, 18, 150) : QColor(26, 28, 36));
    const double radius = r.height() * 0.03;
    p.drawRoundedRect(r, radius, radius);

    const double fontPx = m_options.size.height() * 0.022;
    const QFont titleFont = uiFont(fontPx * 1.1, true), labelFont = uiFont(fontPx * 0.85);
    const QFontMetrics tm(titleFont), lm(labelFont);
    const int pad = std::max(4, static_cast<int>(fontPx * 0.6));
    const QRect inner = r.adjusted(pad, pad, -pad, -pad);

    QString title;
    std::function<double(const Sample&, int)> value;
    double reference = std::numeric_limits<double>::quiet_NaN();
    QString referenceLabel;
    bool total = false;
    if (name == QLatin1String("energy")) {
        title = QStringLiteral("Energy");
        value = [](const Sample& s, int h) {
            return h < 0 ? s.energyTotal : s.energy[static_cast<std::size_t>(h)];
        };
        total = true;
    } else if (name == QLatin1String("entropy")) {
        title = QStringLiteral("Attention entropy (mean)");
        value = [](const Sample& s, int h) { return s.entropyMean[static_cast<std::size_t>(h)]; };
        if (frame.n > 0) {
            reference = std::log(static_cast<double>(frame.n));
            referenceLabel = QStringLiteral("log n");
        }
    } else if (name == QLatin1String("shadows")) {
        title = QStringLiteral("Radial shadow mean |r|");
        value = [](const Sample& s, int h) { return s.radialMean[static_cast<std::size_t>(h)]; };
    } else {
        p.setFont(titleFont);
        p.setPen(kText);
        p.drawText(inner.topLeft() + QPoint(0, tm.ascent()),
                   tm.elidedText(QStringLiteral("Attention (rows: queries, cols: keys)"), Qt::ElideRight,
                                 inner.width()));
        drawHeatmap(p, inner.adjusted(0, tm.height() + pad / 2, 0, 0), frame);
        return;
    }

    const int H = m_history.empty() ? 0 : static_cast<int>(m_history.back().energy.size());
    // Legend: head names in their colours, right-aligned on the title line, or on a line of its own
    // below the title when both do not fit; never over the curves.
    int legendWidth = 0;
    for (int h = total ? -1 : 0; h < H; ++h)
        legendWidth +=
            lm.horizontalAdvance(h < 0 ? QStringLiteral("total") : QStringLiteral("h%1").arg(h + 1)) + pad;
    const bool legendRow = tm.horizontalAdvance(title) + legendWidth > inner.width();
    const int legendBaseline =
        legendRow ? inner.top() + tm.height() + lm.ascent() : inner.top() + tm.ascent();
    p.setFont(labelFont);
    int x = inner.right();
    for (int h = H - 1; h >= (total ? -1 : 0); --h) {
        const QString label = h < 0 ? QStringLiteral("total") : QStringLiteral("h%1").arg(h + 1);
        x -= lm.horizontalAdvance(label);
        p.setPen(h < 0 ? QColor(Qt::white) : headColour(h));
        p.drawText(QPointF(x, legendBaseline), label);
        x -= pad;
    }
    p.setFont(titleFont);
    p.setPen(kText);
    p.drawText(inner.topLeft() + QPoint(0, tm.ascent()), tm.elidedText(title, Qt::ElideRight, inner.width()));
    const int top = tm.height() + (legendRow ? lm.height() : 0);
    if (m_history.empty() || H == 0) return;

    // Values beyond kPlottableMagnitude would flatten every curve to a line at 0: left out, and said.
    auto plottable = [](double v) { return std::isfinite(v) && std::abs(v) <= core::kPlottableMagnitude; };
    bool beyond = false;
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    for (const Sample& s : m_history)
        for (int h = total ? -1 : 0; h < H; ++h) {
            const double v = value(s, h);
            if (!plottable(v)) {
                beyond = true;
                continue;
            }
            lo = std::min(lo, v);
            hi = std::max(hi, v);
        }
    if (beyond) {
        p.setFont(labelFont);
        p.setPen(QColor(240, 170, 90));
        const QRect note = inner.adjusted(0, top, 0, 0);
        p.drawText(note, Qt::AlignHCenter | Qt::AlignBottom,
                   QStringLiteral("%1 beyond 1e%2 — not plotted")
                       .arg(name == QLatin1String("energy") ? QStringLiteral("energy") : title.toLower())
                       .arg(std::lround(std::log10(core::kPlottableMagnitude))));
        if (!std::isfinite(lo)) return;
    }
    if (!std::isnan(reference)) {
        lo = std::min(lo, reference);
        hi = std::max(hi, reference);
    }
    if (!(hi > lo)) {
        const double pad0 = std::max(1e-12, std::abs(hi) * 0.05);
        lo -= pad0;
        hi += pad0;
    }
    const double span = hi - lo;
    lo -= 0.05 * span;
    hi += 0.05 * span;
    const QString hiText = shortNumber(hi), loText = shortNumber(lo);
    const int labelWidth = std::max(lm.horizontalAdvance(hiText), lm.horizontalAdvance(loText));
    const QRect plot = inner.adjusted(labelWidth + pad / 2, top + pad / 2, 0, -lm.height() - pad / 4);
    if (plot.width() < 10 || plot.height() < 10) return;
    const double t0 = m_history.front().t, t1 = std::max(m_history.back().t, t0 + 1e-12);
    auto mapX = [&](double t) { return plot.left() + (t - t0) / (t1 - t0) * plot.width(); };
    auto mapY = [&](double v) { return plot.bottom() - (v - lo) / (hi - lo) * plot.height(); };

    p.setPen(QPen(kAxis, 1));
    p.drawLine(plot.bottomLeft(), plot.bottomRight());
    p.drawLine(plot.bottomLeft(), plot.topLeft());
    p.setFont(labelFont);
    p.drawText(QRect(inner.left(), plot.top(), plot.left() - inner.left() - 3, lm.height()), Qt::AlignRight,
               hiText);
    p.drawText(QRect(inner.left(), plot.bottom() - lm.height(), plot.left() - inner.left() - 3, lm.height()),
               Qt::AlignRight, loText);
    p.drawText(QRect(plot.left(), plot.bottom() + 2, plot.width(), lm.height()), Qt::AlignLeft,
               shortNumber(t0));
    p.drawText(QRect(plot.left(), plot.bottom() + 2, plot.width(), lm.height()), Qt::AlignRight,
               QStringLiteral("t = ") + shortNumber(t1));

    if (!std::isnan(reference)) {
        p.setPen(QPen(kAxis, 1, Qt::DashLine));
        const double y = mapY(reference);
        p.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y));
        p.drawText(QPointF(plot.left() + 4, y - 3), referenceLabel);
    }
    const double penWidth = std::max(1.0, m_options.size.height() / 540.0);
    for (int h = total ? -1 : 0; h < H; ++h) {
        QPolygonF line;
        line.reserve(static_cast<int>(m_history.size()));
        p.setPen(QPen(h < 0 ? QColor(Qt::white) : headColour(h), h < 0 ? penWidth * 1.5 : penWidth));
        // A value left out breaks the line there.
        for (const Sample& s : m_history) {
            const double v = value(s, h);
            if (plottable(v)) {
                line << QPointF(mapX(s.t), mapY(v));
                continue;
            }
            p.drawPolyline(line);
            line.clear();
        }
        p.drawPolyline(line);
    }
}

void FrameComposer::drawHeatmap(QPainter& p, const QRect& r, const core::Frame& frame) const {
    const QFont labelFont = uiFont(m_options.size.height() * 0.022 * 0.85);
    const QFontMetrics lm(labelFont);
    p.setFont(labelFont);
    const int heads = std::min<int>(4, static_cast<int>(frame.heads.size()));
    if (heads == 0 || frame.heads.front().attention.size() == 0) {
        p.setPen(kAxis);
        p.drawText(r, Qt::AlignCenter, QStringLiteral("no attention data"));
        return;
    }
    float vmax = 0;
    for (int h = 0; h < heads; ++h)
        vmax = std::max(vmax, frame.heads[static_cast<std::size_t>(h)].attention.maxCoeff());
    if (!(vmax > 0)) vmax = 1;
    const int barH = lm.height();
    const QRect area = r.adjusted(0, 0, 0, -barH * 2);
    const int columns = heads == 1 ? 1 : 2, rows = (heads + columns - 1) / columns;
    const int cell = std::max(4, std::min(area.width() / columns, area.height() / rows) - 4);
    for (int h = 0; h < heads; ++h) {
        const Eigen::MatrixXf& a = frame.heads[static_cast<std::size_t>(h)].attention;
        QImage img(static_cast<int>(a.cols()), static_cast<int>(a.rows()), QImage::Format_RGB32);
        for (int i = 0; i < a.rows(); ++i) {
            auto* line = reinterpret_cast<QRgb*>(img.scanLine(i));
            for (int j = 0; j < a.cols(); ++j) line[j] = viridis(a(i, j) / vmax).rgb();
        }
        const QRect target(area.left() + (h % columns) * (cell + 4), area.top() + (h / columns) * (cell + 4),
                           cell, cell);
        p.drawImage(target, img.scaled(cell, cell, Qt::IgnoreAspectRatio, Qt::FastTransformation));
        p.setPen(QPen(headColour(h), 2));
        p.setBrush(Qt::NoBrush);
        p.drawRect(target);
        outlinedText(p, QPointF(target.left() + 4, target.top() + lm.ascent() + 2),
                     QStringLiteral("h%1").arg(h + 1), labelFont, headColour(h));
    }
    // Colour scale with its explicit range.
    const QRect bar(r.left(), r.bottom() - barH * 2 + 4, std::min(r.width(), 2 * (cell + 4)) - 4, barH / 2);
    for (int x = 0; x < bar.width(); ++x) {
        p.setPen(viridis(static_cast<double>(x) / std::max(1, bar.width() - 1)));
        p.drawLine(bar.left() + x, bar.top(), bar.left() + x, bar.bottom());
    }
    p.setPen(kText);
    p.drawText(QRect(bar.left(), bar.bottom() + 1, bar.width(), barH), Qt::AlignLeft, QStringLiteral("0"));
    p.drawText(QRect(bar.left(), bar.bottom() + 1, bar.width(), barH), Qt::AlignRight, shortNumber(vmax));
}

void FrameComposer::drawOverlays(QPainter& p, const OverlayValues& v) const {
    const double h = m_options.size.height();
    const QStringList& o = m_options.overlays;
    const int margin = static_cast<int>(std::lround(h * 0.025));
    double y = margin;
    if (o.contains(QLatin1String("title")) && !m_options.title.isEmpty()) {
        const QFont f = uiFont(h * 0.045, true);
        const QFontMetrics fm(f);
        const QString title = fm.elidedText(m_options.title, Qt::ElideRight, m_view.width() - 2 * margin);
        const double x = m_view.left() + (m_view.width() - fm.horizontalAdvance(title)) / 2.0;
        outlinedText(p, QPointF(std::max<double>(margin, x), y + fm.ascent()), title, f, Qt::white);
        y += fm.height() + margin / 2.0;
    }
    QStringList parts;
    if (o.contains(QLatin1String("t"))) parts << QStringLiteral("t = %1").arg(v.t, 0, 'f', 2);
    if (o.contains(QLatin1String("beta"))) parts << QStringLiteral("β = %1").arg(shortNumber(v.beta));
    if (o.contains(QLatin1String("n"))) parts << QStringLiteral("n = %1").arg(v.n);
    if (o.contains(QLatin1String("d"))) parts << QStringLiteral("d = %1").arg(v.d);
    if (o.contains(QLatin1String("H"))) parts << QStringLiteral("H = %1").arg(v.H);
    if (o.contains(QLatin1String("kernel"))) parts << v.kernel;
    if (parts.isEmpty()) return;
    // Top left: the view's bottom corners carry the scene's legend and projection label.
    const QFont f = uiFont(h * 0.032);
    const QFontMetrics fm(f);
    outlinedText(
        p, QPointF(m_view.left() + margin, y + fm.ascent()),
        fm.elidedText(parts.join(QLatin1String("    ")), Qt::ElideRight, m_view.width() - 2 * margin), f,
        kText);
}

}  // namespace attnsphere::render
