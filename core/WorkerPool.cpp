#include "core/WorkerPool.h"

#include <algorithm>

namespace attnsphere::core {

namespace {
constexpr int kMaxHelpers = 63;
}

WorkerPool& WorkerPool::instance() {
    static WorkerPool pool;
    return pool;
}

WorkerPool::~WorkerPool() {
    {
        std::lock_guard lock(m_mutex);
        m_stop = true;
    }
    m_wake.notify_all();
    for (std::thread& t : m_helpers) t.join();
}

void WorkerPool::work(Job& job, int slot) {
    for (;;) {
        const int item = job.next.fetch_add(1, std::memory_order_relaxed);
        if (item >= job.count) return;
        (*job.body)(item, slot);
    }
}

void WorkerPool::run(int count, int threads, const std::function<void(int, int)>& body) {
    const int helpers = std::min({threads - 1, count - 1, kMaxHelpers});
    std::unique_lock runLock(m_runMutex, std::try_to_lock);
    if (helpers <= 0 || !runLock.owns_lock()) {
        for (int i = 0; i < count; ++i) body(i, 0);
        return;
    }
    Job job;
    job.body = &body;
    job.count = count;
    job.maxHelpers = helpers;
    {
        std::lock_guard lock(m_mutex);
        while (static_cast<int>(m_helpers.size()) < helpers) m_helpers.emplace_back([this] { helperLoop(); });
        m_job = &job;
        ++m_generation;
    }
    m_wake.notify_all();
    work(job, 0);
    // Close the job (late helpers no longer join) and wait only for helpers inside it.
    std::unique_lock lock(m_mutex);
    m_job = nullptr;
    m_idle.wait(lock, [this] { return m_inside == 0; });
}

void WorkerPool::helperLoop() {
    std::unique_lock lock(m_mutex);
    unsigned long long seen = 0;
    for (;;) {
        m_wake.wait(lock, [&] { return m_stop || (m_job != nullptr && m_generation != seen); });
        if (m_stop) return;
        seen = m_generation;
        Job* job = m_job;
        if (job->helpersJoined >= job->maxHelpers) continue;
        const int slot = ++job->helpersJoined;
        ++m_inside;
        lock.unlock();
        work(*job, slot);
        lock.lock();
        if (--m_inside == 0) m_idle.notify_all();
    }
}

}  // namespace attnsphere::core
