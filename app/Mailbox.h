#pragma once
// What a worker thread and its controller exchange, under one std::mutex (doc/ARCHITECTURE.md, Thread
// rules): commands for the worker, events for the controller, and the worker's "done" mark. Qt events
// only say "look in the mailbox" and carry no data (Qt's queue synchronises inside uninstrumented Qt
// code, which ThreadSanitizer cannot see; this keeps the threading checkable). The simulation's and the
// comparison's mailboxes add their frames to it.
#include <functional>
#include <mutex>
#include <utility>
#include <vector>

namespace attnsphere::app {

template <typename Worker, typename Controller>
class Mailbox {
public:
    using Command = std::function<void(Worker&)>;
    using Event = std::function<void(Controller&)>;

    void pushCommand(Command c) {
        std::lock_guard lock(m_mutex);
        m_commands.push_back(std::move(c));
    }
    std::vector<Command> takeCommands() {
        std::lock_guard lock(m_mutex);
        return std::exchange(m_commands, {});
    }
    void pushEvent(Event e) {
        std::lock_guard lock(m_mutex);
        m_events.push_back(std::move(e));
    }
    std::vector<Event> takeEvents() {
        std::lock_guard lock(m_mutex);
        return std::exchange(m_events, {});
    }
    // The worker thread's last act, and the GUI's check after joining it: everything the worker did
    // happens-before the GUI deletes it (also for ThreadSanitizer, which cannot see inside QThread::wait).
    void markWorkerDone() {
        std::lock_guard lock(m_mutex);
        m_workerDone = true;
    }
    bool workerDone() const {
        std::lock_guard lock(m_mutex);
        return m_workerDone;
    }

protected:
    mutable std::mutex m_mutex;  // also guards what a derived mailbox adds

private:
    std::vector<Command> m_commands;
    std::vector<Event> m_events;
    bool m_workerDone = false;
};

}  // namespace attnsphere::app
