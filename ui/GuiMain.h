#pragma once
// The main window's entry point and its options (--scenario FILE|PRESET, --screenshot OUT.png,
// --after SECONDS, --colour MODE, --trail N).
#include "app/Options.h"

namespace attnsphere::ui {
// Sets the OpenGL surface format, creates the QApplication and the main window. Returns the exit code.
int runGui(int argc, char** argv);
// The GUI's option table (for the overview --help and tests).
const app::CommandSpec& guiCommandSpec();
// What a process showing the main window does before creating its QApplication (runtime directory,
// OpenGL surface format): for runGui and the GUI benchmark. The theme is render::applyTheme.
void prepareGuiProcess();
}  // namespace attnsphere::ui
