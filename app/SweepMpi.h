#pragma once
// MPI for `attnsphere sweep`: a session started only when mpirun launched the program, and the few
// messages the sweep runner exchanges (the sweep's text, the missing shards, finished shards, errors).
// Only the thread that created the session calls these (MPI_THREAD_FUNNELED). A build without MPI keeps
// the same interface with a single rank, so the rest of the program has no #if.
#include "core/Sweep.h"

#include <optional>
#include <string>
#include <vector>

namespace attnsphere::app {

// Whether this build can run a sweep across processes.
bool mpiBuilt();
// Open MPI's mpirun (and PMIx launchers such as srun) set these variables in every process they start.
bool startedByMpirun();

// MPI_Init_thread (funneled) when started by mpirun, MPI_Finalize at the end of scope; a no-op otherwise.
// One at a time; the sweep runner asks MpiSession::current() whether it runs on several ranks.
class MpiSession {
public:
    MpiSession();
    ~MpiSession();
    MpiSession(const MpiSession&) = delete;
    MpiSession& operator=(const MpiSession&) = delete;

    // Null when no session is active (single process, or MPI not started).
    static MpiSession* current();
    int rank() const { return m_rank; }
    int size() const { return m_size; }
    int ranksOnThisHost() const { return m_local; }
    bool root() const { return m_rank == 0; }

    // Rank 0's `status` and `text` to every rank.
    void broadcast(int& status, std::string& text) const;
    void broadcast(int& status, std::vector<long long>& values) const;

    // Messages to rank 0 (other ranks).
    void sendShard(const core::ShardResult& result) const;
    void sendDone(long long shards) const;
    void sendError(int exitCode, const std::string& message) const;
    // Rank 0 to the others: stop computing (rank 0 was interrupted).
    void sendStop() const;
    // On a rank other than 0: whether rank 0 asked to stop.
    bool stopRequested() const;

    // What rank 0 receives; pollRoot returns nothing when no message is waiting.
    struct Message {
        enum class Kind { Shard, Done, Error } kind = Kind::Done;
        int source = 0;
        core::ShardResult shard;
        long long count = 0;  // Done: shards the rank sent
        int exitCode = 0;     // Error
        std::string text;     // Error
    };
    std::optional<Message> pollRoot() const;

    // Ends every rank at once with `exitCode` (after the caller printed why).
    [[noreturn]] void abortAll(int exitCode) const;

private:
    int m_rank = 0, m_size = 1, m_local = 1;
    bool m_started = false;
};

}  // namespace attnsphere::app
