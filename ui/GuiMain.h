#pragma once
namespace attnsphere::ui {
// Sets the OpenGL surface format, creates the QApplication and the main window; handles
// --scenario FILE|PRESET, --screenshot OUT.png, --after SECONDS. Returns the exit code.
int runGui(int argc, char** argv);
}  // namespace attnsphere::ui
