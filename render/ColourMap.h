#pragma once
// Colour maps shared by the sphere view, the legends and the panels, so one quantity has one colour
// everywhere. Pure functions; any thread.
#include <QColor>

class QCPColorGradient;

namespace attnsphere::render {

// Perceptually uniform, colour-blind-safe sequential map (matplotlib's viridis, piecewise linear
// through its nine reference colours). t is clamped to [0, 1].
QColor viridis(double t);
// Diverging, colour-blind-safe map (blue - light grey - orange) for signed quantities; t in [-1, 1].
QColor diverging(double t);
// Okabe–Ito categorical colours without black (eight entries, cycled with lighter variants).
QColor categoricalColour(int k);
// A hue sweep for token index i of n: tells neighbours apart, carries no quantitative meaning.
QColor indexColour(int i, int n);
// A QCustomPlot gradient through `map` over [lo, hi] (256 levels): the heatmaps' colours and colour bars.
QCPColorGradient colourGradient(QColor (*map)(double), double lo, double hi);

}  // namespace attnsphere::render
