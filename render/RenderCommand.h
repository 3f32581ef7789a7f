#pragma once
namespace attnsphere::render {
// `attnsphere render ...`: offline video / PNG-sequence rendering (doc/SESSIONS.md). Returns the exit code.
int runRenderCommand(int argc, char** argv);
}  // namespace attnsphere::render
