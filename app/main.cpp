// attnsphere entry point: subcommands go to the command line (app) or the offline renderer (ui);
// everything else opens the main window (ui).
#include "app/CommandLine.h"
#include "ui/GuiMain.h"
#include "ui/RenderCommand.h"

#include <string_view>

int main(int argc, char** argv) {
    const std::string_view first = argc > 1 ? argv[1] : "";
    if (first == "render") return attnsphere::ui::runRenderCommand(argc, argv);
    if (attnsphere::app::isCommandLineInvocation(argc, argv))
        return attnsphere::app::runCommandLine(argc, argv);
    return attnsphere::ui::runGui(argc, argv);
}
