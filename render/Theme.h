#pragma once
// The application's look, dark or high-contrast light (render/DisplayStyle.h): the GUI's, and the panels'
// when `render` draws them into video frames, so both show the same picture.
class QApplication;

namespace attnsphere::render {

// Applies the current display style's theme (palette, style sheet, font); call again after it changes.
void applyTheme(QApplication& app);

}  // namespace attnsphere::render
