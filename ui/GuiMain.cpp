// PLACEHOLDER until the main window lands (issue 3).
#include "ui/GuiMain.h"
#include <cstdio>
namespace attnsphere::ui {
int runGui(int, char**) { std::fprintf(stderr, "GUI not implemented yet\n"); return 1; }
}  // namespace attnsphere::ui
