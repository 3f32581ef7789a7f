#pragma once
namespace attnsphere::render {
// `attnsphere render ...`: offline video / PNG-sequence rendering (issue 4). Returns the exit code.
int runRenderCommand(int argc, char** argv);
}  // namespace attnsphere::render
