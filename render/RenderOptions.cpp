#include "render/RenderOptions.h"

#include "render/PanelRegistry.h"

#include "render/FrameComposer.h"
#include "render/VideoEncoder.h"

#include <stdexcept>
#include <string>

namespace attnsphere::render {

namespace {

std::vector<std::string> toStrings(const QStringList& list) {
    std::vector<std::string> out;
    for (const QString& s : list) out.push_back(s.toStdString());
    return out;
}

}  // namespace

const std::vector<ColourModeName>& colourModes() {
    static const std::vector<ColourModeName> modes{{ColourMode::Index, "index", "token index"},
                                                   {ColourMode::Cluster, "cluster", "cluster"},
                                                   {ColourMode::DominantHead, "head", "dominant head"},
                                                   {ColourMode::Entropy, "entropy", "attention entropy"},
                                                   {ColourMode::RadialShadow, "shadow", "radial shadow"},
                                                   {ColourMode::Radius, "radius", "token radius r_i"}};
    return modes;
}

std::string_view toString(ColourMode mode) {
    for (const auto& m : colourModes())
        if (m.mode == mode) return m.name;
    throw std::logic_error("colour mode missing from colourModes()");
}

std::optional<ColourMode> colourModeFromString(std::string_view name) {
    for (const auto& m : colourModes())
        if (m.name == name) return m.mode;
    return std::nullopt;
}

using app::OptionKind;
using app::OptionSpec;

OptionSpec sizeOption() {
    return OptionSpec("--size", "WxH", OptionKind::Size, "frame size")
        .in({16, VideoEncoder::kMaxWidth})
        .heightsIn({16, VideoEncoder::kMaxHeight})
        .byDefault("1280x720");
}

OptionSpec fpsOption() {
    return OptionSpec("--fps", "F", OptionKind::Number, "frames per second")
        .in({0, 240, true, false})
        .byDefault("30");
}

OptionSpec colourOption() {
    std::vector<std::string> names;
    for (const auto& m : colourModes()) names.emplace_back(m.name);
    return OptionSpec("--colour", "MODE", OptionKind::Choice, "token colours")
        .oneOf(names)
        .byDefault(std::string(toString(SceneStyle{}.colour)));
}

OptionSpec trailOption() {
    return OptionSpec("--trail", "N", OptionKind::Integer, "trail length in frames per token (0: none)")
        .in({0, kTrailMax})
        .byDefault(std::to_string(SceneStyle{}.trailLength));
}

OptionSpec pointSizeOption() {
    return OptionSpec("--point-size", "PX", OptionKind::Number,
                      "token size in pixels at 1080 lines, scaled with the height")
        .in({kPointSizeMin, kPointSizeMax})
        .byDefault("12");
}

OptionSpec panelsOption() {
    return OptionSpec("--panels", "LIST", OptionKind::NameList, "panels beside the view")
        .oneOf(toStrings(panelIds()));
}

OptionSpec overlayOption() {
    return OptionSpec("--overlay", "LIST", OptionKind::NameList, "burned-in text")
        .oneOf(toStrings(FrameComposer::overlayNames()))
        .byDefault("t");
}

OptionSpec titleOption() {
    return {"--title", "TEXT", OptionKind::Text,
            "a title (shown when the title overlay is on; --title turns it on)"};
}

OptionSpec cameraOption() {
    return OptionSpec("--camera", "MODE", OptionKind::Choice,
                      "camera (orbit: around the sphere at 24 degrees per video second)")
        .oneOf({"fixed", "orbit"})
        .byDefault("fixed");
}

OptionSpec transparentOption() {
    return {"--transparent", "", OptionKind::Flag, "transparent background (PNG sequence or .webm only)"};
}

OptionSpec crfOption() {
    return OptionSpec("--crf", "Q", OptionKind::Integer, "quality (constant rate factor, lower is better)")
        .in({0, 63})
        .rangeText("[0, 51] for H.264, [0, 63] for VP9")
        .defaultText("20 for H.264, 31 for VP9");
}

OptionSpec themeOption() {
    std::vector<std::string> names;
    for (std::string_view name : core::namesOf<core::LectureTheme>()) names.emplace_back(name);
    return OptionSpec(
               "--theme", "THEME", OptionKind::Choice,
               "colours (light: high contrast for projectors; default dark, in the GUI the last one chosen)")
        .oneOf(names);
}

OptionSpec presentationOption() {
    return {"--presentation", "", OptionKind::Flag,
            "presentation display: text and lines large enough for a projector (24 px text at 1080 lines)"};
}

DisplayStyle displayStyleFrom(const app::ParsedOptions& options, DisplayStyle base) {
    if (options.has("--theme")) base.theme = *core::valueOf<core::LectureTheme>(options.choice("--theme"));
    if (options.has("--presentation")) base.scale = kPresentationScale;
    return base;
}

SceneStyle sceneStyle(const app::ParsedOptions& options, const app::CommandSpec& command, SceneStyle base) {
    if (command.find("--colour")) base.colour = *colourModeFromString(options.choice("--colour"));
    if (command.find("--trail")) base.trailLength = static_cast<int>(options.integer("--trail"));
    if (command.find("--point-size")) base.pointSize = options.number("--point-size");
    return base;
}

}  // namespace attnsphere::render
