#include "render/PhasePlot.h"

namespace attnsphere::render {

void writePhaseFigures(const std::string&, const core::Sweep&, const core::SweepResult&) {}

}  // namespace attnsphere::render
