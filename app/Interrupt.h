#pragma once
// The interrupt guard of the commands that run for long (run, render): while it lives, SIGINT, SIGTERM and
// SIGHUP raise one abort flag (a simulation stops within its next row block) instead of killing the
// process; the previous handlers come back afterwards. One guard at a time.
#include <atomic>
#include <string>

namespace attnsphere::app {

class InterruptGuard {
public:
    // With `secondSignalKills`, a second signal gets the default action at once (render: a stuck encoder
    // must not keep the user waiting; its output then stays under its temporary name).
    explicit InterruptGuard(bool secondSignalKills = false);
    ~InterruptGuard();
    InterruptGuard(const InterruptGuard&) = delete;
    InterruptGuard& operator=(const InterruptGuard&) = delete;

    // The flag the signals raise; code may raise it too (e.g. when a step reports core::Aborted).
    static std::atomic<bool>& flag();
    static bool interrupted() { return flag().load(); }
    // The signal received (0: none), its name ("SIGINT") and the exit code it asks for (128 + signal).
    static int signal();
    static std::string signalName();
    static int exitCode();
};

}  // namespace attnsphere::app
