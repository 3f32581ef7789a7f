// PLACEHOLDER until the command line lands (issue 2).
#include "app/CommandLine.h"
#include <cstdio>
#include <string_view>
namespace attnsphere::app {
bool isCommandLineInvocation(int argc, char** argv) { return argc > 1 && std::string_view(argv[1]) != "--screenshot"; }
int runCommandLine(int, char**) { std::fprintf(stderr, "command line not implemented yet\n"); return 1; }
}  // namespace attnsphere::app
