#pragma once
// The command line: `run`, `presets`, `theory`, `--help`, `--version` (GUI options are parsed by ui).
namespace attnsphere::app {

// True when argv names a command-line subcommand or asks for --help / --version.
bool isCommandLineInvocation(int argc, char** argv);
// Runs it; returns the process exit code (0 ok, 2 bad input, 1 runtime failure, 130 interrupted).
int runCommandLine(int argc, char** argv);

}  // namespace attnsphere::app
