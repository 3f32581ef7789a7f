#include "app/WorkerThread.h"

#include <QObject>
#include <QThread>

#include <algorithm>
#include <cerrno>

#ifdef __linux__
#include <sys/resource.h>
#include <unistd.h>
#endif

namespace attnsphere::app {

void startBehindDisplay(QThread& thread) {
    // Run in the new thread itself, before its event loop: nice applies to the calling thread on Linux.
    QObject::connect(
        &thread, &QThread::started, &thread,
        [] {
#ifdef __linux__
            // Relative to the GUI thread's niceness, which the new thread inherited. A failure leaves the
            // thread at the GUI's priority: slower views, nothing wrong.
            const id_t self = static_cast<id_t>(gettid());
            errno = 0;
            const int inherited = getpriority(PRIO_PROCESS, self);
            if (errno == 0) (void)setpriority(PRIO_PROCESS, self, std::min(19, inherited + kWorkerNice));
#endif
        },
        Qt::DirectConnection);
    thread.start();
}

}  // namespace attnsphere::app
