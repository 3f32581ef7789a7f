#pragma once
// The picture options, defined once for the `render` command and the main window: frame size, fps,
// colour mode, trail, token size, panels, overlays, title, camera, transparency, quality; and the one
// name table of ColourMode (command line, GUI combo, docs).
#include "app/Options.h"
#include "render/DisplayStyle.h"
#include "render/SceneRenderer.h"

#include <optional>
#include <string_view>
#include <vector>

namespace attnsphere::render {

struct ColourModeName {
    ColourMode mode;
    std::string_view name;   // on the command line: "shadow"
    std::string_view label;  // in the GUI: "radial shadow"
};
// Every colour mode, in the order the GUI's combo lists them.
const std::vector<ColourModeName>& colourModes();
std::string_view toString(ColourMode mode);
std::optional<ColourMode> colourModeFromString(std::string_view name);

// Trail length in (decimated) frames per token: [0, kTrailMax], for --trail and the GUI's spin box.
constexpr int kTrailMax = 500;
// Token size in pixels at 1080 lines of view: [kPointSizeMin, kPointSizeMax], for --point-size and the GUI.
constexpr double kPointSizeMin = 1, kPointSizeMax = 100;

app::OptionSpec sizeOption();
app::OptionSpec fpsOption();
app::OptionSpec colourOption();
app::OptionSpec trailOption();
app::OptionSpec pointSizeOption();
app::OptionSpec panelsOption();
app::OptionSpec overlayOption();
app::OptionSpec titleOption();
app::OptionSpec cameraOption();
app::OptionSpec transparentOption();
app::OptionSpec crfOption();
app::OptionSpec themeOption();         // --theme dark|light (core::nameTable<LectureTheme>)
app::OptionSpec presentationOption();  // --presentation: text and lines times kPresentationScale

// `base` with the colour, trail and token size the parsed options give (those of them in the table).
SceneStyle sceneStyle(const app::ParsedOptions& options, const app::CommandSpec& command, SceneStyle base);
// `base` with the theme and scale the parsed options give (those of them given).
DisplayStyle displayStyleFrom(const app::ParsedOptions& options, DisplayStyle base);

}  // namespace attnsphere::render
