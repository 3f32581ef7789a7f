// WorkerPool: every item runs exactly once, slots are exclusive, concurrent callers are safe, and a
// single-thread request runs on the caller.
#include "core/WorkerPool.h"

#include <QtTest>

#include <atomic>
#include <thread>
#include <vector>

using attnsphere::core::WorkerPool;

class TestWorkerPool : public QObject {
    Q_OBJECT
private slots:
    void everyItemOnce();
    void slotsAreExclusive();
    void singleThreadRunsOnCaller();
    void concurrentCallers();
};

void TestWorkerPool::everyItemOnce() {
    for (int threads : {1, 2, 4}) {
        std::vector<std::atomic<int>> hits(1000);
        WorkerPool::instance().run(1000, threads, [&](int item, int) { hits[item].fetch_add(1); });
        for (const auto& h : hits) QCOMPARE(h.load(), 1);
    }
    WorkerPool::instance().run(0, 2, [](int, int) { QFAIL("no items"); });
}

void TestWorkerPool::slotsAreExclusive() {
    constexpr int kThreads = 3;
    std::atomic<int> inUse[kThreads] = {};
    std::atomic<bool> clash{false}, badSlot{false};
    WorkerPool::instance().run(300, kThreads, [&](int, int slot) {
        if (slot < 0 || slot >= kThreads) {
            badSlot = true;
            return;
        }
        if (inUse[slot].fetch_add(1) != 0) clash = true;
        std::this_thread::sleep_for(std::chrono::microseconds(50));
        inUse[slot].fetch_sub(1);
    });
    QVERIFY(!badSlot);
    QVERIFY(!clash);
}

void TestWorkerPool::singleThreadRunsOnCaller() {
    const auto caller = std::this_thread::get_id();
    bool elsewhere = false;
    WorkerPool::instance().run(50, 1, [&](int, int slot) {
        if (std::this_thread::get_id() != caller || slot != 0) elsewhere = true;
    });
    QVERIFY(!elsewhere);
}

void TestWorkerPool::concurrentCallers() {
    std::vector<std::atomic<int>> a(2000), b(2000);
    std::thread other([&] {
        for (int r = 0; r < 20; ++r)
            WorkerPool::instance().run(100, 2, [&](int i, int) { b[r * 100 + i]++; });
    });
    for (int r = 0; r < 20; ++r) WorkerPool::instance().run(100, 2, [&](int i, int) { a[r * 100 + i]++; });
    other.join();
    for (int i = 0; i < 2000; ++i) {
        QCOMPARE(a[i].load(), 1);
        QCOMPARE(b[i].load(), 1);
    }
}

QTEST_APPLESS_MAIN(TestWorkerPool)
#include "test_worker_pool.moc"
