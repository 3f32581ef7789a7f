#include "app/SweepRunner.h"

#include "app/Options.h"
#include "app/SweepMpi.h"
#include "core/Errors.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>

namespace attnsphere::app {

namespace {

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

// How long the thread that owns the output waits for a shard before it looks at the abort flag and (with
// MPI) at the other ranks' messages again.
constexpr auto kPollLocal = std::chrono::milliseconds(50);
constexpr auto kPollMpi = std::chrono::milliseconds(2);
// After an interruption, how long rank 0 waits for the other ranks' last shards.
constexpr auto kDrainMpi = std::chrono::seconds(5);
// A rank that reported an error waits this long for rank 0 to end the job before ending it itself.
constexpr auto kErrorGrace = std::chrono::seconds(10);

double secondsSince(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

int exitCodeOf(std::exception_ptr error) {
    try {
        std::rethrow_exception(error);
    } catch (const core::ValidationError&) {
        return kExitUsage;
    } catch (...) {
        return kExitFailure;
    }
}

std::string messageOf(std::exception_ptr error) {
    try {
        std::rethrow_exception(error);
    } catch (const std::exception& e) {
        return e.what();
    } catch (...) {
        return "unknown error";
    }
}

// Finished shards on their way from the worker threads to the thread that owns the output.
class ResultQueue {
public:
    explicit ResultQueue(int workers) : m_running(workers) {}

    void push(core::ShardResult result) {
        {
            const std::lock_guard lock(m_mutex);
            m_results.push_back(std::move(result));
        }
        m_changed.notify_one();
    }
    void workerFinished(std::exception_ptr error) {
        {
            const std::lock_guard lock(m_mutex);
            --m_running;
            if (error && !m_error) m_error = error;
        }
        m_changed.notify_one();
    }
    // What arrived within `wait` (nothing when the time passed first). Waits the full time once the
    // workers are done, so rank 0 waiting for the other ranks does not spin.
    template <class Duration>
    std::deque<core::ShardResult> take(Duration wait) {
        std::unique_lock lock(m_mutex);
        m_changed.wait_for(lock, wait, [&] { return !m_results.empty() || m_error; });
        return std::exchange(m_results, {});
    }
    bool finished() {
        const std::lock_guard lock(m_mutex);
        return m_running == 0 && m_results.empty();
    }
    std::exception_ptr error() {
        const std::lock_guard lock(m_mutex);
        return m_error;
    }

private:
    std::mutex m_mutex;
    std::condition_variable m_changed;
    std::deque<core::ShardResult> m_results;
    int m_running;
    std::exception_ptr m_error;
};

// The worker threads: each takes the next shard of `todo` and computes it single-threaded, until the
// list is done or `stop` is raised (a shard in progress then ends at once and is dropped).
class ShardWorkers {
public:
    ShardWorkers(const core::Sweep& sweep, const std::vector<long long>& todo, int threads,
                 ResultQueue& queue, std::atomic<bool>& stop) {
        for (int i = 0; i < threads; ++i)
            m_threads.emplace_back([&sweep, &todo, &queue, &stop, this] {
                std::exception_ptr error;
                while (!stop.load()) {
                    const std::size_t k = m_next.fetch_add(1);
                    if (k >= todo.size()) break;
                    try {
                        queue.push(core::computeShard(sweep, todo[k], &stop));
                    } catch (const core::Aborted&) {
                        break;
                    } catch (...) {
                        error = std::current_exception();
                        stop.store(true);
                        break;
                    }
                }
                queue.workerFinished(error);
            });
    }
    ~ShardWorkers() {
        for (auto& t : m_threads) t.join();
    }
    ShardWorkers(const ShardWorkers&) = delete;
    ShardWorkers& operator=(const ShardWorkers&) = delete;

private:
    std::atomic<std::size_t> m_next{0};
    std::vector<std::thread> m_threads;
};

int resolveThreads(int requested, const MpiSession* mpi) {
    if (requested > 0) return requested;
    const int cores = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
    return std::max(1, cores / (mpi ? mpi->ranksOnThisHost() : 1));
}

// --force-new: only what a sweep writes is removed (the record and shard files), nothing else in DIR.
void forgetEarlierSweep(const std::string& dir) {
    std::error_code ec;
    fs::remove(fs::path(dir) / "sweep.json", ec);
    const fs::path shards = fs::path(core::shardPath(dir, 0)).parent_path();
    if (!fs::is_directory(shards, ec)) return;
    for (const auto& entry : fs::directory_iterator(shards, ec)) {
        const std::string name = entry.path().filename().string();
        if (name.rfind("shard-", 0) == 0) fs::remove(entry.path(), ec);
    }
    fs::remove(shards, ec);  // only when empty
}

// The shards this rank computes: the k-th missing shard goes to rank k mod ranks.
std::vector<long long> shareOf(const std::vector<long long>& missing, int rank, int ranks) {
    std::vector<long long> mine;
    for (std::size_t k = static_cast<std::size_t>(rank); k < missing.size();
         k += static_cast<std::size_t>(ranks))
        mine.push_back(missing[k]);
    return mine;
}

// A rank other than 0: compute its share, send each shard to rank 0 as it completes, then say how many.
SweepRunReport runOnWorkerRank(const core::Sweep& sweep, const SweepRunOptions& options,
                               const MpiSession& mpi, int threads) {
    std::vector<long long> missing;
    int status = 0;
    mpi.broadcast(status, missing);
    if (status != 0) throw StoppedByRoot(status);
    const std::vector<long long> mine = shareOf(missing, mpi.rank(), mpi.size());
    const Clock::time_point start = Clock::now();
    SweepRunReport report;
    report.root = false;
    report.ranks = mpi.size();
    report.threads = threads;
    report.total = sweep.shardCount();
    std::atomic<bool> stop{false};
    const int workerThreads = std::min<int>(threads, static_cast<int>(mine.size()));
    ResultQueue queue(workerThreads);
    {
        const ShardWorkers workers(sweep, mine, workerThreads, queue, stop);
        while (true) {
            if ((options.abort && options.abort->load()) || mpi.stopRequested()) stop.store(true);
            for (const core::ShardResult& r : queue.take(kPollLocal)) {
                mpi.sendShard(r);
                ++report.computed;
            }
            if (const std::exception_ptr error = queue.error()) {
                const std::string text = "rank " + std::to_string(mpi.rank()) + ": " + messageOf(error);
                mpi.sendError(exitCodeOf(error), text);
                // Rank 0 prints it and ends the job; should it not, this rank does.
                std::this_thread::sleep_for(kErrorGrace);
                std::fprintf(stderr, "attnsphere sweep: %s\n", text.c_str());
                mpi.abortAll(exitCodeOf(error));
            }
            if (queue.finished()) break;
        }
    }
    mpi.sendDone(report.computed);
    report.complete = report.computed == static_cast<long long>(mine.size());
    report.seconds = secondsSince(start);
    return report;
}

}  // namespace

core::Sweep loadSweepOnAllRanks(const std::string& presetOrPath) {
    const MpiSession* mpi = MpiSession::current();
    if (!mpi || mpi->size() == 1) return core::Sweep::load(presetOrPath);
    int status = 0;
    std::string text;
    if (mpi->root()) {
        try {
            text = core::Sweep::load(presetOrPath).toJson().dump();
        } catch (...) {
            status = exitCodeOf(std::current_exception());
            mpi->broadcast(status, text);
            throw;
        }
    }
    mpi->broadcast(status, text);
    if (status != 0) throw StoppedByRoot(status);
    // Every rank, rank 0 included, runs the sweep read back from the same text.
    return core::Sweep::fromJsonText(text);
}

SweepRunReport runSweep(const core::Sweep& sweep, const SweepRunOptions& options,
                        const std::vector<std::string>& commandLine) {
    const MpiSession* session = MpiSession::current();
    const MpiSession* mpi = session && session->size() > 1 ? session : nullptr;
    const int threads = resolveThreads(options.threads, session);
    if (mpi && !mpi->root()) return runOnWorkerRank(sweep, options, *mpi, threads);

    const Clock::time_point start = Clock::now();
    const bool writing = !options.outDir.empty();
    SweepRunReport report;
    report.ranks = mpi ? mpi->size() : 1;
    report.threads = threads;
    report.total = sweep.shardCount();

    // Rank 0 alone looks at the folder; the other ranks learn the missing shards (or that it refused).
    std::vector<core::ShardResult> results;
    std::vector<long long> missing;
    try {
        if (writing) {
            if (options.forceNew) forgetEarlierSweep(options.outDir);
            core::claimSweepDir(options.outDir, sweep);
        }
        for (long long k = 0; k < report.total; ++k) {
            std::optional<core::ShardResult> kept;
            if (writing) kept = core::readShard(core::shardPath(options.outDir, k), sweep, k);
            if (kept)
                results.push_back(std::move(*kept));
            else
                missing.push_back(k);
        }
    } catch (...) {
        if (mpi) {
            int status = exitCodeOf(std::current_exception());
            mpi->broadcast(status, missing);
        }
        throw;
    }
    if (mpi) {
        int status = 0;
        mpi->broadcast(status, missing);
    }
    report.skipped = static_cast<long long>(results.size());
    const std::vector<long long> mine = mpi ? shareOf(missing, 0, mpi->size()) : missing;

    const Clock::time_point computeStart = Clock::now();
    const auto notify = [&] {
        if (!options.progress) return;
        SweepProgress p;
        p.shardsTotal = report.total;
        p.shardsDone = static_cast<long long>(results.size());
        p.shardsSkipped = report.skipped;
        p.seconds = secondsSince(start);
        // The rate of this run's shards: kept ones cost nothing and would make the estimate too short.
        if (report.computed > 0)
            p.etaSeconds = static_cast<double>(p.shardsTotal - p.shardsDone) * secondsSince(computeStart) /
                           static_cast<double>(report.computed);
        options.progress(p);
    };
    std::exception_ptr error;
    std::atomic<bool> stop{false};
    const auto accept = [&](core::ShardResult r) {
        if (error) return;  // after a failed write: the workers are stopping, nothing more is kept
        if (writing) core::writeShard(core::shardPath(options.outDir, r.shard), sweep, r);
        results.push_back(std::move(r));
        ++report.computed;
        notify();
        // An abort raised by the callback stops the shard in progress at once.
        if (options.abort && options.abort->load()) stop.store(true);
    };
    // A failure on rank 0 with other ranks running ends them all; alone, it is thrown to the caller.
    const auto fail = [&](int code, const std::string& text) {
        std::fprintf(stderr, "attnsphere sweep: %s\n", text.c_str());
        mpi->abortAll(code);
    };

    bool stopSent = false;
    int ranksRunning = mpi ? mpi->size() - 1 : 0;
    const int workerThreads = std::min<int>(threads, static_cast<int>(mine.size()));
    ResultQueue queue(workerThreads);
    notify();
    {
        const ShardWorkers workers(sweep, mine, workerThreads, queue, stop);
        std::optional<Clock::time_point> drainUntil;
        while (true) {
            if (options.abort && options.abort->load()) {
                stop.store(true);
                if (mpi && !stopSent) {
                    mpi->sendStop();
                    stopSent = true;
                    drainUntil = Clock::now() + kDrainMpi;
                }
            }
            try {
                for (core::ShardResult& r : queue.take(mpi ? kPollMpi : kPollLocal)) accept(std::move(r));
                while (mpi && ranksRunning > 0) {
                    std::optional<MpiSession::Message> m = mpi->pollRoot();
                    if (!m) break;
                    if (m->kind == MpiSession::Message::Kind::Shard)
                        accept(std::move(m->shard));
                    else if (m->kind == MpiSession::Message::Kind::Done)
                        --ranksRunning;
                    else
                        fail(m->exitCode, m->text);
                }
            } catch (...) {
                if (mpi) fail(exitCodeOf(std::current_exception()), messageOf(std::current_exception()));
                error = std::current_exception();
                stop.store(true);
            }
            if (const std::exception_ptr workerError = queue.error()) {
                if (mpi) fail(exitCodeOf(workerError), "rank 0: " + messageOf(workerError));
                if (!error) error = workerError;
            }
            if (queue.finished() && (ranksRunning == 0 || (drainUntil && Clock::now() > *drainUntil))) break;
        }
    }
    if (error) std::rethrow_exception(error);

    report.complete = static_cast<long long>(results.size()) == report.total;
    report.seconds = secondsSince(start);
    if (!report.complete) return report;

    std::sort(results.begin(), results.end(),
              [](const core::ShardResult& a, const core::ShardResult& b) { return a.shard < b.shard; });
    report.result = core::aggregate(sweep, results);
    if (writing) {
        const nlohmann::json info = {{"command_line", commandLine},     {"ranks", report.ranks},
                                     {"threads", report.threads},       {"wall_seconds", secondsSince(start)},
                                     {"shards_total", report.total},    {"shards_computed", report.computed},
                                     {"shards_skipped", report.skipped}};
        core::writeSweepOutputs(options.outDir, sweep, report.result, info);
    }
    report.seconds = secondsSince(start);
    notify();
    return report;
}

}  // namespace attnsphere::app
