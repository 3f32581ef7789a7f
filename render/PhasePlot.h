#pragma once
// The phase diagram of a sweep: a heatmap of one statistic over (checkpoint time t across, the swept
// parameter up), a colour bar, axis labels, the equiangular theory's clustering time T(beta) overlaid
// and labelled "theory" where core says it applies, and an optional "you are here" marker. The same
// class draws the GUI's panel and the `sweep` command's phase.png and phase.pdf.
#include "core/Sweep.h"

#include <string>

namespace attnsphere::render {

// Writes DIR/phase.png and DIR/phase.pdf (clustered fraction, or the first recorded statistic) whole or
// not at all. Throws std::runtime_error naming the file on a write failure.
void writePhaseFigures(const std::string& dir, const core::Sweep& sweep, const core::SweepResult& result);

}  // namespace attnsphere::render
