#pragma once
#include "app/Options.h"

namespace attnsphere::render {
// `attnsphere render ...`: offline video / PNG-sequence rendering. Returns the exit code.
int runRenderCommand(int argc, char** argv);
// Its option table (for the overview --help and tests).
const app::CommandSpec& renderCommandSpec();
// Qt's offscreen platform (with a runtime directory) for commands that draw widgets into files only; call
// before the QApplication exists.
void useOffscreenQt();
}  // namespace attnsphere::render
