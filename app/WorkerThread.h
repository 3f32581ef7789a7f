#pragma once
// The threads of the simulation and comparison workers run behind the display: they yield the CPU to the
// GUI thread and the software OpenGL rasteriser's threads when both want it. The view is capped (30 fps),
// so it takes what it needs and the simulation gets the rest; without this, on two cores a worker
// stepping flat out halves a two-view comparison's frame rate.
class QThread;

namespace attnsphere::app {

// How much nicer than the GUI thread the worker runs (Linux: per-thread nice; elsewhere nothing changes).
constexpr int kWorkerNice = 10;

// Starts `thread` with its priority lowered by kWorkerNice (inherited by threads it creates).
void startBehindDisplay(QThread& thread);

}  // namespace attnsphere::app
