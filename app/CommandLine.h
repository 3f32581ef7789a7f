#pragma once
// The command line: `run`, `presets`, `theory`, `--help`, `--version` (the main window's options are
// parsed by ui, `render`'s and `lectures`' by render; their tables are passed in for the overview --help).
#include "app/Options.h"

#include <vector>

namespace attnsphere::app {

// True when argv names a command-line subcommand or asks for --help / --version.
bool isCommandLineInvocation(int argc, char** argv);
// Runs it; returns the process exit code (kExitOk, kExitUsage, kExitFailure, 128 + signal). `others` are
// the tables of commands dispatched elsewhere (sweep, sweeps), for the overview and the command list.
int runCommandLine(int argc, char** argv, const CommandSpec& gui, const CommandSpec& render,
                   const CommandSpec& lectures, const std::vector<const CommandSpec*>& others = {});

// The line `presets` prints between the scenario presets and the polarisation presets.
inline constexpr const char* kPolarisationPresetsHeading =
    "Polarisation presets (the value-softmax model; attnsphere run, attnsphere --polarisation):";

// The option tables of `run` and of each `theory` topic.
const CommandSpec& runCommandSpec();
std::vector<const CommandSpec*> theoryCommandSpecs();

}  // namespace attnsphere::app
