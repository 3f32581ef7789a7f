// PLACEHOLDER until offline rendering lands (issue 4).
#include "ui/RenderCommand.h"
#include <cstdio>
namespace attnsphere::ui {
int runRenderCommand(int, char**) {
    std::fprintf(stderr, "render not implemented yet\n");
    return 1;
}
}  // namespace attnsphere::ui
