#pragma once
namespace attnsphere::ui {
// `attnsphere render ...`: offline video / PNG-sequence rendering (issue 4). Returns the exit code.
int runRenderCommand(int argc, char** argv);
}  // namespace attnsphere::ui
