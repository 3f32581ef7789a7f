#include "app/Pacer.h"

#include <cmath>

namespace attnsphere::app {

Pacer::Pacer(double hz, std::function<void()> action, QObject* parent)
    : QObject(parent), m_action(std::move(action)), m_intervalMs(1000.0 / hz) {
    m_timer.setSingleShot(true);
    m_timer.setTimerType(Qt::PreciseTimer);
    connect(&m_timer, &QTimer::timeout, this, &Pacer::run);
}

void Pacer::setRate(double hz) {
    m_intervalMs = 1000.0 / hz;
}

void Pacer::request() {
    if (m_timer.isActive()) return;  // joins the waiting request
    const double wait = m_sinceRun.isValid() ? m_intervalMs - m_sinceRun.nsecsElapsed() * 1e-6 : 0;
    if (wait <= 0)
        run();
    else
        m_timer.start(static_cast<int>(std::ceil(wait)));
}

void Pacer::cancel() {
    m_timer.stop();
}

void Pacer::restartInterval() {
    m_sinceRun.start();
}

void Pacer::run() {
    m_timer.stop();
    m_sinceRun.start();
    m_action();
}

}  // namespace attnsphere::app
