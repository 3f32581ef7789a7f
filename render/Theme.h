#pragma once
// The application's look (dark, high contrast, legible on a projector): the GUI's, and the panels' when
// `render` draws them into video frames, so both show the same picture.
class QApplication;

namespace attnsphere::render {

void applyTheme(QApplication& app);

}  // namespace attnsphere::render
