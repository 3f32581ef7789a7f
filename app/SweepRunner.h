#pragma once
// Runs a sweep (core/Sweep.h): the shards not yet in the output folder are computed on worker threads
// and, when the program was started by mpirun, on every rank (rank 0 gathers, writes and aggregates).
// Each shard is written as it completes, so an interrupted sweep resumes where it stopped.
#include "core/Sweep.h"

#include <atomic>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace attnsphere::app {

struct SweepProgress {
    long long shardsTotal = 0;
    long long shardsDone = 0;     // kept from an earlier run or computed now
    long long shardsSkipped = 0;  // of shardsDone: found in the output folder
    double seconds = 0;           // since the start of this run
    double etaSeconds = -1;       // -1 while unknown
};

struct SweepRunOptions {
    std::string outDir;  // empty: nothing written, nothing resumed (the GUI's small background sweeps)
    int threads = 0;     // worker threads per process (0: all cores)
    const std::atomic<bool>* abort = nullptr;
    // Start afresh: the folder's record of an earlier sweep (DIR/sweep.json) and its shards are removed.
    bool forceNew = false;
    // Called on the calling thread (rank 0 only) after each shard and at the end.
    std::function<void(const SweepProgress&)> progress;
};

struct SweepRunReport {
    bool complete = false;  // every shard done; `result` holds the aggregate (rank 0)
    bool root = true;       // this process writes the outputs (false on MPI ranks other than 0)
    long long computed = 0, skipped = 0, total = 0;
    double seconds = 0;
    int ranks = 1, threads = 1;
    core::SweepResult result;
};

// Claims outDir (core::claimSweepDir: a different sweep there is refused), computes the missing shards,
// and when all exist aggregates them and writes sweep.npy, cluster_counts.npy, sweep.csv and
// metadata.json (`commandLine` and the timings go into metadata.json). Throws what core throws
// (ValidationError, NumericalError); an abort returns complete = false with the finished shards kept.
// With MPI on several ranks, every rank calls runSweep with the same sweep: rank 0 claims the folder and
// shares the missing shards (the k-th missing one goes to rank k mod ranks), receives the others' shards,
// writes and aggregates; the others compute and send.
SweepRunReport runSweep(const core::Sweep& sweep, const SweepRunOptions& options,
                        const std::vector<std::string>& commandLine = {});

// The sweep named on the command line (a file or a preset), on every MPI rank: rank 0 loads it and sends
// its canonical text, so only rank 0 needs the file. Throws ValidationError (rank 0) or StoppedByRoot.
core::Sweep loadSweepOnAllRanks(const std::string& presetOrPath);

// On an MPI rank other than 0: rank 0 refused the input (and said why); the rank exits with exitCode.
class StoppedByRoot : public std::runtime_error {
public:
    explicit StoppedByRoot(int code) : std::runtime_error("stopped by rank 0"), exitCode(code) {}
    int exitCode;
};

}  // namespace attnsphere::app
