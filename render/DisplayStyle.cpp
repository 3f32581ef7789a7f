#include "render/DisplayStyle.h"

#include <algorithm>
#include <cmath>

namespace attnsphere::render {

namespace {

DisplayStyle g_style;
int g_revision = 0;

const ThemeColours kDark{
    .window = QColor(32, 35, 43),
    .base = QColor(24, 27, 34),
    .button = QColor(45, 49, 60),
    .text = QColor(225, 228, 235),
    .disabledText = QColor(120, 124, 134),
    .placeholder = QColor(140, 145, 155),
    .accent = QColor(86, 180, 233),
    .highlightedText = QColor(10, 10, 10),
    .brightText = QColor(255, 120, 80),
    .dockTitle = QColor(42, 46, 56),
    .panelBackground = QColor(24, 27, 34),
    .axis = QColor(210, 215, 225),
    .grid = QColor(60, 66, 80),
    .zeroLine = QColor(120, 128, 145),
    .legendBrush = QColor(30, 34, 42, 220),
    .viewBackground = QColor(18, 20, 26),
    .viewTop = QColor(18, 20, 26).lighter(135),
    .shell = QColor(115, 148, 217),
    .wire = QColor(107, 120, 143),
    .circle = QColor(140, 158, 191),
    .sceneText = QColor(217, 224, 242),
    .videoBackground = QColor(14, 15, 20),
    .overlayText = QColor(255, 255, 255),
    .overlayOutline = QColor(0, 0, 0, 170),
};

// High contrast for projectors: black on white, saturated data colours (themed).
const ThemeColours kLight{
    .window = QColor(246, 246, 244),
    .base = QColor(255, 255, 255),
    .button = QColor(232, 232, 230),
    .text = QColor(0, 0, 0),
    .disabledText = QColor(130, 130, 130),
    .placeholder = QColor(110, 110, 110),
    .accent = QColor(0, 114, 178),
    .highlightedText = QColor(255, 255, 255),
    .brightText = QColor(190, 40, 0),
    .dockTitle = QColor(222, 224, 228),
    .panelBackground = QColor(255, 255, 255),
    .axis = QColor(0, 0, 0),
    .grid = QColor(200, 203, 210),
    .zeroLine = QColor(120, 120, 120),
    .legendBrush = QColor(255, 255, 255, 225),
    .viewBackground = QColor(255, 255, 255),
    .viewTop = QColor(255, 255, 255),
    .shell = QColor(70, 110, 190),
    .wire = QColor(110, 118, 135),
    .circle = QColor(60, 72, 95),
    .sceneText = QColor(0, 0, 0),
    .videoBackground = QColor(240, 240, 238),
    .overlayText = QColor(0, 0, 0),
    .overlayOutline = QColor(255, 255, 255, 200),
};

double channel(double c) {
    return c <= 0.03928 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4);
}

double luminance(const QColor& c) {
    return 0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF()) + 0.0722 * channel(c.blueF());
}

}  // namespace

double DisplayStyle::lineWidth(double width) const {
    return scale > 1 ? std::ceil(width * scale - 1e-9) : width;
}

double DisplayStyle::relativeTextScale() const {
    return std::sqrt(scale);
}

const DisplayStyle& displayStyle() {
    return g_style;
}

void setDisplayStyle(const DisplayStyle& style) {
    if (style == g_style) return;
    g_style = style;
    ++g_revision;
}

int displayStyleRevision() {
    return g_revision;
}

const ThemeColours& themeColours(core::LectureTheme theme) {
    return theme == core::LectureTheme::Light ? kLight : kDark;
}

double contrastRatio(const QColor& a, const QColor& b) {
    const double la = luminance(a), lb = luminance(b);
    return (std::max(la, lb) + 0.05) / (std::min(la, lb) + 0.05);
}

QColor themed(const QColor& c, core::LectureTheme theme) {
    if (theme == core::LectureTheme::Dark || !c.isValid()) return c;
    const int chroma = std::max({c.red(), c.green(), c.blue()}) - std::min({c.red(), c.green(), c.blue()});
    if (chroma < 40) {
        QColor g(255 - c.red(), 255 - c.green(), 255 - c.blue());
        g.setAlpha(c.alpha());
        return g;
    }
    const QColor background = kLight.panelBackground;
    QColor out = c;
    out.setAlpha(255);
    for (int k = 0; k < 40 && contrastRatio(out, background) < kMinContrast; ++k)
        out = QColor::fromHsvF(out.hsvHueF(), out.hsvSaturationF(), out.valueF() * 0.94f);
    out.setAlpha(c.alpha());
    return out;
}

}  // namespace attnsphere::render
