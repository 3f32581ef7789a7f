#pragma once
// What every theory overlay shares (doc/MODEL.md §8, §11): the dashed "theory" pen, the label a plot shows
// when the run is out of the theory's regime, and hover tooltips that give a curve's formula. GUI thread.
#include "core/TheoryOverlay.h"

#include <QColor>
#include <QPen>
#include <QString>

#include <optional>

class QCustomPlot;
class QCPGraph;
class QCPItemText;

namespace attnsphere::render {

// Theory curves are dashed, in a lighter shade of the simulated quantity's colour.
QPen theoryPen(const QColor& colour);
// A label at the bottom right of the plot's axis rect (hidden until updateRegimeLabel shows it).
QCPItemText* makeRegimeLabel(QCustomPlot* plot);
// Shows "theory: <what the overlay says>" when (part of) the theory is out of regime, hides it otherwise;
// no overlay yet: hidden.
void updateRegimeLabel(QCPItemText* label, const core::TheoryOverlay* overlay);
// Hovering a graph that has a formula shows it; elsewhere the plot's own tooltip.
void setFormula(QCPGraph* graph, const QString& formula);
QString formulaOf(const QCPGraph* graph);  // empty when none
void installFormulaToolTips(QCustomPlot* plot);
// The value or NaN (a gap in the curve).
double orGap(const std::optional<double>& value);

}  // namespace attnsphere::render
