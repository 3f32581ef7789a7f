#pragma once
// A comparison's worker thread runs behind the display: it yields the CPU to the GUI thread and the
// software OpenGL rasteriser's threads when both want it. Its views are capped (30 fps), so they take
// what they need and the runs get the rest; on two cores, a worker stepping two runs flat out otherwise
// took the CPU that two or more views need. (The main window's worker keeps the GUI's priority: a
// scrubbed frame's recomputation is what its panels wait for.)
class QThread;

namespace attnsphere::app {

// How much nicer than the GUI thread the worker runs (Linux: per-thread nice; elsewhere nothing changes).
constexpr int kWorkerNice = 10;

// Starts `thread` with its priority lowered by kWorkerNice (inherited by threads it creates).
void startBehindDisplay(QThread& thread);

}  // namespace attnsphere::app
