#include "app/WorkerThread.h"

#include <QObject>
#include <QThread>

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
            // A failure leaves the thread at normal priority: slower views, nothing wrong.
            (void)setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), kWorkerNice);
#endif
        },
        Qt::DirectConnection);
    thread.start();
}

}  // namespace attnsphere::app
