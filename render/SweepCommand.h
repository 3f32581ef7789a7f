#pragma once
// `attnsphere sweep` (an ensemble of runs over a grid of settings, app::runSweep, and its phase diagram,
// writePhaseFigures) and `attnsphere sweeps` (the built-in sweep files). In render because the command
// ends with the phase figure.
#include "app/Options.h"

namespace attnsphere::render {

// Each returns the process exit code.
int runSweepCommand(int argc, char** argv);
int runSweepsCommand(int argc, char** argv);
const app::CommandSpec& sweepCommandSpec();
const app::CommandSpec& sweepsCommandSpec();

}  // namespace attnsphere::render
