#include "app/Interrupt.h"

#include "app/Options.h"

#include <array>
#include <csignal>

namespace attnsphere::app {

namespace {

std::atomic<bool> g_interrupted{false};
volatile std::sig_atomic_t g_signal = 0;
volatile std::sig_atomic_t g_secondKills = 0;
static_assert(std::atomic<bool>::is_always_lock_free, "the signal handler needs a lock-free flag");

constexpr std::array<int, 3> kSignals{SIGINT, SIGTERM, SIGHUP};
std::array<struct sigaction, 3> g_previous{};

extern "C" void onInterrupt(int sig) {
    g_signal = sig;
    g_interrupted.store(true);
    if (g_secondKills) std::signal(sig, SIG_DFL);
}

}  // namespace

InterruptGuard::InterruptGuard(bool secondSignalKills) {
    g_interrupted.store(false);
    g_signal = 0;
    g_secondKills = secondSignalKills ? 1 : 0;
    struct sigaction action {};
    action.sa_handler = onInterrupt;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;  // a write to ffmpeg's pipe or a file is not cut short by Ctrl-C
    for (std::size_t i = 0; i < kSignals.size(); ++i) sigaction(kSignals[i], &action, &g_previous[i]);
}

InterruptGuard::~InterruptGuard() {
    for (std::size_t i = 0; i < kSignals.size(); ++i) sigaction(kSignals[i], &g_previous[i], nullptr);
}

std::atomic<bool>& InterruptGuard::flag() {
    return g_interrupted;
}

int InterruptGuard::signal() {
    return static_cast<int>(g_signal);
}

std::string InterruptGuard::signalName() {
    const int sig = signal();
    return sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : sig == SIGHUP ? "SIGHUP" : "signal";
}

int InterruptGuard::exitCode() {
    return kExitSignalBase + signal();
}

}  // namespace attnsphere::app
