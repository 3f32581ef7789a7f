#pragma once
// A sweep: an ensemble of runs of one base scenario over a grid of settings (axes), with several random
// starts per grid point, and statistics recorded at a grid of checkpoint times (doc/SWEEPS.md documents
// the file). The papers' (t, beta) phase diagrams are sweeps over beta. Plain data, no Qt, no MPI: the
// work is cut into shards (one grid point, a block of its starts) that any process or thread computes;
// the result depends only on the sweep, never on who computed which shard or in what order.
#include "core/Frame.h"
#include "core/Names.h"
#include "core/Scenario.h"

#include <nlohmann/json.hpp>

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace attnsphere::core {

// What a sweep records per start at each checkpoint (the names are the file's and the outputs').
enum class SweepStatistic {
    ClusteredFraction,   // #{i<j : G_ij >= threshold} / (n(n-1)/2)
    ClusterCount,        // components of G_ij >= 1 - cluster_tolerance
    EffectiveDimension,  // # eigenvalues of G above 1e-3
    MeanCosine,          // rho_bar
    Energy,              // sum_h alpha_h E_h
    Entropy              // mean attention entropy over heads and tokens
};
template <>
std::span<const NameEntry<SweepStatistic>> nameTable<SweepStatistic>();
inline constexpr int kSweepStatisticCount = 6;

struct SweepAxis {
    std::string field;  // dotted path into the scenario JSON: "beta", "heads.scale", "kernel"
    std::vector<nlohmann::json> values;  // as written or expanded from from/to/count (numbers or strings)
    nlohmann::json
        spec;  // the axis in the canonical file: {field, from, to, count, spacing} or {field, values}
    bool categorical() const;                // string values (kernel, heads.kind)
    std::string label(std::size_t i) const;  // a value as text ("0.1", "relu")
};

struct Sweep {
    static constexpr int axesMax = 4;
    static constexpr int startsMax = 1 << 20;
    static constexpr int checkpointsMax = 100000;
    static constexpr long long pointsMax = 1000000;

    std::string name = "sweep";
    std::string description, citation;
    nlohmann::json baseSource;  // as written: preset name or scenario object
    Scenario base;
    std::vector<SweepAxis> axes;
    int starts = 16;                          // random starts per grid point
    std::uint64_t seed = 1;                   // master seed: start s uses startSeed(s) at every grid point
    std::vector<double> checkpoints;          // increasing times >= 0 at which statistics are recorded
    double threshold = kClusteredPairCosine;  // clustered pair: G_ij >= threshold
    double clusterTolerance = 1e-4;           // cluster count: G_ij >= 1 - tolerance
    std::vector<SweepStatistic> statistics;   // written to the outputs, in this order
    int startsPerShard = 16;

    // Throws ValidationError naming the JSON path ("axes[0].values[3]") and the allowed range; every grid
    // point's scenario is validated like a scenario file (a bad value names its axis and index).
    static Sweep fromJson(const nlohmann::json& j);
    static Sweep fromJsonText(const std::string& text);
    static Sweep fromFile(const std::string& path);
    // A sweep preset name (resources/sweeps) or a file path.
    static Sweep load(const std::string& presetOrPath);
    // Canonical form: axes as written (ranges kept, spacing filled in), every default written, the base
    // resolved to its scenario JSON (a preset name and the same scenario written out are one sweep).
    nlohmann::json toJson() const;

    // The grid: points in row-major order of the axes (the last axis varies fastest).
    long long pointCount() const;
    std::vector<int> shape() const;                        // one length per axis
    std::vector<int> pointIndices(long long point) const;  // per-axis indices of a point
    Scenario scenarioAt(long long point) const;            // base + the point's axis values (seed unset)
    Scenario scenarioAt(long long point,
                        int start) const;      // ... with the start's seed: `attnsphere run` reproduces it
    std::uint64_t startSeed(int start) const;  // derived from `seed` and s only
    int maxN() const;                          // largest n over the grid

    // Shards: shard k is point k / shardsPerPoint, starts [block * startsPerShard, ...).
    int shardsPerPoint() const;
    long long shardCount() const;
    long long shardPoint(long long shard) const;
    int shardFirstStart(long long shard) const;
    int shardStarts(long long shard) const;
};

// The raw result of one shard: for each of its starts, each checkpoint, every statistic
// (kSweepStatisticCount values in enum order), row-major [start][checkpoint][statistic]; a statistic the
// sweep does not record is not computed and holds 0.
struct ShardResult {
    long long shard = -1;
    std::vector<double> values;
};

// Computes one shard: each start's Simulation (single-threaded) stepped to each checkpoint in turn.
// Bit-identical whoever calls it. Throws Aborted when abort is raised (nothing kept), NumericalError
// naming the point and start when a run overflows.
ShardResult computeShard(const Sweep& sweep, long long shard, const std::atomic<bool>* abort = nullptr);

// The output folder's record of its sweep: DIR/sweep.json (canonical JSON) and DIR/shards/. A folder
// without a record is claimed (the record written); one recording a different sweep is refused with a
// ValidationError naming the first difference ("axes[0].count: 90 in DIR, 45 in the file").
void claimSweepDir(const std::string& dir, const Sweep& sweep);
std::string shardPath(const std::string& dir, long long shard);  // DIR/shards/shard-000123.bin

// Shard files: a small header (magic, format version, shard index, sizes, a hash of the sweep's canonical
// JSON) and the values. readShard returns nothing for a missing, short or foreign file (recomputed).
void writeShard(const std::string& path, const Sweep& sweep, const ShardResult& result);  // atomic rename
std::optional<ShardResult> readShard(const std::string& path, const Sweep& sweep, long long shard);

// The aggregated result: for every point and checkpoint, the chosen statistics' summaries over starts
// (means; cluster count gives its median and mean), and the distribution of cluster counts.
struct SweepResult {
    std::vector<std::string> columns;  // e.g. "clustered_fraction", "cluster_count_median", ...
    std::vector<int> shape;            // axes..., checkpoints, columns
    std::vector<double> values;        // row-major over shape
    // [point][checkpoint][k] = number of starts with k clusters, k = 0..maxN()
    std::vector<long long> clusterCounts;
    double at(long long point, int checkpoint, int column) const;
};
// The columns of the aggregated result, in the order of sweep.statistics (cluster count gives two).
std::vector<std::string> sweepColumns(const Sweep& sweep);
// shards must hold every shard of the sweep (any order).
SweepResult aggregate(const Sweep& sweep, const std::vector<ShardResult>& shards);

// The output folder: sweep.npy, cluster_counts.npy, sweep.csv, metadata.json (each written whole or not
// at all). `info` goes into metadata.json under "run" (command line, ranks, threads, timings).
void writeSweepOutputs(const std::string& dir, const Sweep& sweep, const SweepResult& result,
                       const nlohmann::json& info);
// Reads sweep.npy + metadata.json back (the GUI's phase-diagram panel). Throws ValidationError.
struct SweepOutputs {
    Sweep sweep;
    SweepResult result;
};
SweepOutputs readSweepOutputs(const std::string& dir);

// The equiangular theory's clustering time T(beta) (rho 0 -> threshold) for the sweep's base model, when
// it applies (softmax SA or USA with scalar or identity heads, V = M); nothing otherwise.
std::optional<double> theoryClusteringTime(const Sweep& sweep, double beta);

// Built-in sweep files (resources/sweeps, embedded at build time).
std::vector<PresetInfo> sweepPresetList();
bool isSweepPreset(const std::string& name);
std::string sweepPresetJsonText(const std::string& name);

}  // namespace attnsphere::core
