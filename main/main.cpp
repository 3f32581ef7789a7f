// attnsphere entry point: `render`, `lectures`, `sweep` and `sweeps` go to render, the other subcommands to
// the command line (app); everything else opens the main window (ui). Each layer is reached through its entry
// header only.
#include "app/CommandLine.h"
#include "render/LectureCommand.h"
#include "render/RenderCommand.h"
#include "render/SweepCommand.h"
#include "ui/GuiMain.h"

#include <string_view>

int main(int argc, char** argv) {
    const std::string_view first = argc > 1 ? argv[1] : "";
    if (first == "render") return attnsphere::render::runRenderCommand(argc, argv);
    if (first == "lectures") return attnsphere::render::runLecturesCommand(argc, argv);
    if (first == "sweep") return attnsphere::render::runSweepCommand(argc, argv);
    if (first == "sweeps") return attnsphere::render::runSweepsCommand(argc, argv);
    if (attnsphere::app::isCommandLineInvocation(argc, argv))
        return attnsphere::app::runCommandLine(
            argc, argv, attnsphere::ui::guiCommandSpec(), attnsphere::render::renderCommandSpec(),
            attnsphere::render::lecturesCommandSpec(),
            {&attnsphere::render::sweepCommandSpec(), &attnsphere::render::sweepsCommandSpec()});
    return attnsphere::ui::runGui(argc, argv);
}
