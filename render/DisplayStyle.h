#pragma once
// The presentation display, defined once: the theme (dark or high-contrast light) and one scale factor
// that every panel font, line width, token size, burned-in overlay and the GUI's status text read. One
// per process, like Qt's palette: the GUI sets it from View → Presentation mode / Theme, `render` from
// --presentation / --theme. GUI thread (or the render command's only thread).
#include "core/Lecture.h"

#include <QColor>

namespace attnsphere::render {

struct DisplayStyle {
    core::LectureTheme theme = core::LectureTheme::Dark;
    // 1 is the normal (desktop) display; presentation multiplies every text size and line width by it.
    double scale = 1;
    bool presentation() const { return scale > 1; }
    // A font of `points` in the normal display, as shown now.
    double fontPoints(double points) const { return points * scale; }
    // A line of `width` pixels in the normal display, as drawn now: lines are drawn without
    // antialiasing, so a scaled width is rounded up to whole pixels.
    double lineWidth(double width) const;
    // Text already sized relative to a view or a video frame (the 3D view's labels, burned-in overlays)
    // grows with the square root of the scale: it stays clear of what it labels.
    double relativeTextScale() const;
    bool operator==(const DisplayStyle&) const = default;
};

// The presentation scale: tick labels (9.5 pt) become 33 px fonts whose digits are 24 px tall, the
// smallest normal text (8.5 pt) a 29 px font, and 1 px lines 3 px.
constexpr double kPresentationScale = 2.6;

const DisplayStyle& displayStyle();
// Sets the process's display style; panels and views restyle themselves when they next draw
// (displayStyleRevision changes), the GUI also re-applies the Qt palette (applyTheme).
void setDisplayStyle(const DisplayStyle& style);
int displayStyleRevision();

// One table per theme: every colour of the chrome that is not data.
struct ThemeColours {
    QColor window, base, button, text, disabledText, placeholder, accent, highlightedText, brightText;
    QColor dockTitle;        // dock title bars (GUI) and panel title bars (video frames)
    QColor panelBackground;  // plot and axis-rect background
    QColor axis;             // axis lines, ticks, tick labels, axis labels, legend text
    QColor grid;
    QColor zeroLine;
    QColor legendBrush;
    QColor viewBackground;  // the 3D view's (a gradient lighter towards the top in the dark theme)
    QColor viewTop;         // top of the view's gradient
    QColor shell, wire, circle, sceneText;  // the sphere's shell and grid, the circle (d = 2), labels
    QColor videoBackground;                 // around the view and panels in a video frame
    QColor overlayText, overlayOutline;
};
const ThemeColours& themeColours(core::LectureTheme theme);

// A colour chosen for the dark theme as the given theme shows it. Dark: unchanged. Light: greys invert
// their lightness (white curves become black, dark boxes light), other colours darken until they contrast
// with the light background by at least kMinContrast (WCAG ratio; the Okabe–Ito yellow becomes ochre).
QColor themed(const QColor& darkThemeColour, core::LectureTheme theme);
inline QColor themed(const QColor& darkThemeColour) {
    return themed(darkThemeColour, displayStyle().theme);
}
constexpr double kMinContrast = 3;
// WCAG 2 contrast ratio of two opaque colours (1 to 21).
double contrastRatio(const QColor& a, const QColor& b);

}  // namespace attnsphere::render
