#pragma once
// A lecture step's caption drawn into a picture: a box with the title (large) and one or two lines, and
// the optional formula strip, a band along the bottom. Simple math is written TeX-like (core::captionText
// turns \beta into β; x_i and x^{2} are lowered and raised here). `render --lecture` burns it into the
// frames and the GUI shows the same image over its view. Sizes are for a 1080-line picture times
// `pixelScale` (lines of text are at least 24 px tall at pixelScale 1). Needs a QGuiApplication (fonts).
#include "core/Lecture.h"

#include <QColor>
#include <QImage>
#include <QRect>
#include <QString>

#include <string_view>

class QPainter;

namespace attnsphere::render {

// The caption's colours under a lecture theme.
struct CaptionColours {
    QColor background, text;
};
CaptionColours captionColours(core::LectureTheme theme);

// Caption text as rich text: captionText's Unicode, HTML-escaped, `_x` / `_{...}` as <sub>, `^x` /
// `^{...}` as <sup>; other braces group only and are dropped, `\_` and `\^` are the characters.
QString captionHtml(std::string_view tex);

// Pixel sizes of the caption's fonts at `pixelScale`.
int captionTitlePixels(double pixelScale);
int captionLinePixels(double pixelScale);

// The caption box (title and lines), at most `maxWidth` wide and as tall as its text needs; a null
// image when the caption has neither title nor lines.
QImage renderCaptionImage(const core::LectureCaption& caption, int maxWidth, double pixelScale,
                          QColor background, QColor text);
// The formula strip, `width` wide; a null image when the caption has no formula.
QImage renderFormulaImage(const core::LectureCaption& caption, int width, double pixelScale,
                          QColor background, QColor text);
// Both into `rect` (the view's area of a frame): the strip along its bottom, the box at its bottom left
// above the strip.
void paintCaption(QPainter& painter, QRect rect, const core::LectureCaption& caption, double pixelScale,
                  QColor background, QColor text);
// How far up from the bottom of `rect` paintCaption covers its left part (strip and box; 0 without a
// caption): the view's projection label goes above it (SceneRenderer::setLabelLift).
int captionCoverHeight(QRect rect, const core::LectureCaption& caption, double pixelScale);

}  // namespace attnsphere::render
