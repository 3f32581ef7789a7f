#pragma once
#include "app/Options.h"

namespace attnsphere::render {
// `attnsphere render ...`: offline video / PNG-sequence rendering. Returns the exit code.
int runRenderCommand(int argc, char** argv);
// Its option table (for the overview --help and tests).
const app::CommandSpec& renderCommandSpec();
}  // namespace attnsphere::render
