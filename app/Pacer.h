#pragma once
// Runs an action at most a given number of times a second. A request less than one interval after the
// last run is served at the end of that interval, and further requests until then join it: the newest
// state is always shown, never more often than the rate (the 3D view's repaints, the time plots' cursor,
// scrubbed detail frames). Lives in its owner's thread and runs the action from its event loop or from
// request() itself.
#include <QElapsedTimer>
#include <QObject>
#include <QTimer>

#include <functional>

namespace attnsphere::app {

class Pacer : public QObject {
public:
    Pacer(double hz, std::function<void()> action, QObject* parent = nullptr);
    void setRate(double hz);
    // Runs the action now if a whole interval has passed since the last run, else at the end of it.
    void request();
    void cancel();           // drops a waiting request
    void restartInterval();  // the interval counts from now (the owner did the action's work itself)

private:
    void run();

    std::function<void()> m_action;
    double m_intervalMs;
    QElapsedTimer m_sinceRun;
    QTimer m_timer;
};

}  // namespace attnsphere::app
