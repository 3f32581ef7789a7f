#include "render/Caption.h"

#include <QAbstractTextDocumentLayout>
#include <QPainter>
#include <QTextDocument>

#include <algorithm>
#include <cmath>

namespace attnsphere::render {

namespace {

// At 1080 lines: line text 34 px (capitals about 24 px), the title larger.
constexpr double kTitlePixels = 48, kLinePixels = 34;

QString escaped(QChar c) {
    if (c == u'&') return QStringLiteral("&amp;");
    if (c == u'<') return QStringLiteral("&lt;");
    if (c == u'>') return QStringLiteral("&gt;");
    return QString(c);
}

// Rich text of s[i, end): sub- and superscripts may nest inside a group.
QString markup(const QString& s, qsizetype& i, bool untilBrace) {
    QString out;
    while (i < s.size()) {
        const QChar c = s[i];
        if (untilBrace && c == u'}') {
            ++i;
            return out;
        }
        if (c == u'\\' && i + 1 < s.size() && (s[i + 1] == u'_' || s[i + 1] == u'^')) {
            out += s[i + 1];
            i += 2;
        } else if ((c == u'_' || c == u'^') && i + 1 < s.size()) {
            const QString tag = c == u'_' ? QStringLiteral("sub") : QStringLiteral("sup");
            ++i;
            QString inner;
            if (s[i] == u'{') {
                ++i;
                inner = markup(s, i, true);
            } else {
                // One character (a surrogate pair counts as one).
                const qsizetype len = s[i].isHighSurrogate() && i + 1 < s.size() ? 2 : 1;
                inner = s.mid(i, len).toHtmlEscaped();
                i += len;
            }
            out += '<' + tag + '>' + inner + "</" + tag + '>';
        } else if (c == u'{') {
            ++i;
            out += markup(s, i, true);
        } else if (c == u'}') {
            ++i;  // an unmatched closing brace groups nothing
        } else {
            out += escaped(c);
            ++i;
        }
    }
    return out;
}

void makeDocument(QTextDocument& doc, const QString& html, int pixels, QColor text, int width) {
    QFont font;
    font.setPixelSize(pixels);
    doc.setDefaultFont(font);
    doc.setDocumentMargin(0);
    doc.setDefaultStyleSheet(QStringLiteral("body { color: %1; }").arg(text.name()));
    doc.setHtml(QStringLiteral("<body>") + html + QStringLiteral("</body>"));
    doc.setTextWidth(width);
}

void drawDocument(QPainter& p, QTextDocument& doc, QPointF at, QColor text) {
    p.save();
    p.translate(at);
    QAbstractTextDocumentLayout::PaintContext context;
    context.palette.setColor(QPalette::Text, text);
    doc.documentLayout()->draw(&p, context);
    p.restore();
}

QImage boxImage(QSize size, QColor background, double radius) {
    QImage image(size, QImage::Format_ARGB32_Premultiplied);
    image.fill(Qt::transparent);
    QPainter p(&image);
    p.setRenderHint(QPainter::Antialiasing);
    p.setPen(Qt::NoPen);
    p.setBrush(background);
    p.drawRoundedRect(QRectF(QPointF(0, 0), QSizeF(size)), radius, radius);
    return image;
}

}  // namespace

CaptionColours captionColours(core::LectureTheme theme) {
    // Slightly see-through, so the scene stays visible behind the box.
    if (theme == core::LectureTheme::Light) return {QColor(255, 255, 255, 225), QColor(15, 17, 22)};
    return {QColor(14, 15, 20, 215), QColor(240, 242, 248)};
}

QString captionHtml(std::string_view tex) {
    const QString s = QString::fromStdString(core::captionText(tex));
    qsizetype i = 0;
    return markup(s, i, false);
}

int captionTitlePixels(double pixelScale) {
    return std::max(1, static_cast<int>(std::lround(kTitlePixels * pixelScale)));
}

int captionLinePixels(double pixelScale) {
    return std::max(1, static_cast<int>(std::lround(kLinePixels * pixelScale)));
}

QImage renderCaptionImage(const core::LectureCaption& caption, int maxWidth, double pixelScale,
                          QColor background, QColor text) {
    if (caption.title.empty() && caption.lines.empty()) return {};
    const int pad = captionLinePixels(pixelScale) / 2;
    const int inner = std::max(1, maxWidth - 2 * pad);
    QTextDocument title, lines;
    if (!caption.title.empty())
        makeDocument(title, QStringLiteral("<b>") + captionHtml(caption.title) + QStringLiteral("</b>"),
                     captionTitlePixels(pixelScale), text, inner);
    QString body;
    for (const std::string& line : caption.lines)
        body += (body.isEmpty() ? QString() : QStringLiteral("<br>")) + captionHtml(line);
    if (!body.isEmpty()) makeDocument(lines, body, captionLinePixels(pixelScale), text, inner);
    // The box is as wide as its longest line needs (wrapped at maxWidth).
    const double idealWidth =
        std::max(caption.title.empty() ? 0.0 : title.idealWidth(), body.isEmpty() ? 0.0 : lines.idealWidth());
    const int width = std::min(maxWidth, static_cast<int>(std::ceil(idealWidth)) + 2 * pad);
    const double titleHeight = caption.title.empty() ? 0 : title.size().height();
    const double gap = caption.title.empty() || body.isEmpty() ? 0 : pad / 2.0;
    const double height = titleHeight + gap + (body.isEmpty() ? 0 : lines.size().height()) + 2 * pad;
    QImage image = boxImage(QSize(width, static_cast<int>(std::ceil(height))), background, pad / 2.0);
    QPainter p(&image);
    p.setRenderHint(QPainter::TextAntialiasing);
    if (!caption.title.empty()) drawDocument(p, title, QPointF(pad, pad), text);
    if (!body.isEmpty()) drawDocument(p, lines, QPointF(pad, pad + titleHeight + gap), text);
    return image;
}

QImage renderFormulaImage(const core::LectureCaption& caption, int width, double pixelScale,
                          QColor background, QColor text) {
    if (caption.formula.empty()) return {};
    const int pad = captionLinePixels(pixelScale) / 3;
    QTextDocument doc;
    makeDocument(
        doc,
        QStringLiteral("<div align=\"center\">") + captionHtml(caption.formula) + QStringLiteral("</div>"),
        captionLinePixels(pixelScale), text, std::max(1, width - 2 * pad));
    QImage image =
        boxImage(QSize(width, static_cast<int>(std::ceil(doc.size().height())) + 2 * pad), background, 0);
    QPainter p(&image);
    p.setRenderHint(QPainter::TextAntialiasing);
    drawDocument(p, doc, QPointF(pad, pad), text);
    return image;
}

namespace {

// The strip along the bottom of `rect`, the box at its bottom left above the strip (the top keeps the
// view's overlays: t, beta, ...; the right its colour bar).
struct CaptionLayout {
    QImage strip, box;
    QPoint stripAt, boxAt;
};

CaptionLayout layoutCaption(QRect rect, const core::LectureCaption& caption, double pixelScale,
                            QColor background, QColor text) {
    CaptionLayout l;
    const int margin = captionLinePixels(pixelScale) / 2;
    l.strip = renderFormulaImage(caption, rect.width(), pixelScale, background, text);
    const int stripTop = rect.bottom() + 1 - (l.strip.isNull() ? 0 : l.strip.height());
    l.stripAt = QPoint(rect.left(), stripTop);
    l.box = renderCaptionImage(caption, rect.width() * 3 / 4 - margin, pixelScale, background, text);
    l.boxAt = QPoint(rect.left() + margin, std::max(rect.top(), stripTop - margin - l.box.height()));
    return l;
}

}  // namespace

void paintCaption(QPainter& painter, QRect rect, const core::LectureCaption& caption, double pixelScale,
                  QColor background, QColor text) {
    const CaptionLayout l = layoutCaption(rect, caption, pixelScale, background, text);
    if (!l.strip.isNull()) painter.drawImage(l.stripAt, l.strip);
    if (!l.box.isNull()) painter.drawImage(l.boxAt, l.box);
}

int captionCoverHeight(QRect rect, const core::LectureCaption& caption, double pixelScale) {
    const CaptionLayout l = layoutCaption(rect, caption, pixelScale, Qt::black, Qt::white);
    const int top = !l.box.isNull() ? l.boxAt.y() : !l.strip.isNull() ? l.stripAt.y() : rect.bottom() + 1;
    return rect.bottom() + 1 - top;
}

}  // namespace attnsphere::render
