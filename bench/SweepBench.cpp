// attnsphere_sweep_bench: the core's half of bench/sweep. Many small systems the way a sweep computes
// them (one core::Simulation per start, single-threaded, the starts shared by a pool of threads), the
// papers' scheme (softmax, identity heads, Euler with renormalisation) and the clustered-pair fraction at
// every checkpoint; and the machine's FMA peak as the run's own reference.
//   attnsphere_sweep_bench sweep N D STARTS STEPS [--threads T] [--beta B] [--every K] [--dt DT]
//                                [--all-observables]   (every observable at checkpoints, not only the
//                                fraction)
//       -> "seconds <s> fraction <mean clustered fraction at the last checkpoint>"
//   attnsphere_sweep_bench verify FILE   (a problem written by bench/peer_sweep.py dump)
//       -> "max_abs_diff <positions> fraction_diff <fractions>" (exit 1 if positions differ by > 1e-10)
//   attnsphere_sweep_bench fma [--threads T] [--seconds S]  -> "gflops <per core> gflops_threads <all T>"
#include "core/Simulation.h"
#include "core/TargetClones.h"
#include "core/WorkerPool.h"

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

using namespace attnsphere::core;

namespace {
using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

Scenario sweepScenario(int n, int d, double beta, double dt, std::uint64_t seed) {
    Scenario s;
    s.n = n;
    s.d = d;
    s.beta = beta;
    s.kernel = KernelKind::Softmax;
    s.integrator = IntegratorKind::Euler;
    s.dt = dt;
    s.heads.kind = HeadsKind::Identity;
    s.seed = seed;
    return s;
}

// What a sweep recording only the clustered-pair fraction asks of a frame (full: every observable).
bool g_allObservables = false;
FrameOptions checkpointOptions() {
    FrameOptions o;
    o.attention = false;
    o.attentionObservables = g_allObservables;
    o.effectiveDimension = g_allObservables;
    return o;
}

// One start as a sweep's shard runs it: stepped to each checkpoint, the fraction recorded there.
std::vector<double> runStart(Simulation& sim, int steps, int every) {
    sim.setThreads(1);
    std::vector<double> fractions;
    const FrameOptions options = checkpointOptions();
    for (int k = every; k <= steps; k += every) {
        for (int s = 0; s < every; ++s) sim.step();
        fractions.push_back(sim.makeFrame(options).clusteredPairFraction);
    }
    return fractions;
}

int sweep(int n, int d, int starts, int steps, int threads, double beta, int every, double dt) {
    std::vector<double> last(static_cast<std::size_t>(starts), 0.0);
    const auto start = Clock::now();
    WorkerPool::instance().run(starts, threads, [&](int s, int) {
        Simulation sim(sweepScenario(n, d, beta, dt, static_cast<std::uint64_t>(s) + 1));
        last[static_cast<std::size_t>(s)] = runStart(sim, steps, every).back();
    });
    const double seconds = secondsSince(start);
    double mean = 0;
    for (double f : last) mean += f / starts;
    std::printf("seconds %.6g fraction %.6g\n", seconds, mean);
    return 0;
}

int verify(const char* path) {
    std::ifstream in(path, std::ios::binary);
    std::int64_t header[5];
    double params[2];
    if (!in.read(reinterpret_cast<char*>(header), sizeof header) ||
        !in.read(reinterpret_cast<char*>(params), sizeof params)) {
        std::fprintf(stderr, "cannot read %s\n", path);
        return 2;
    }
    const int n = int(header[0]), d = int(header[1]), starts = int(header[2]), steps = int(header[3]);
    const int every = int(header[4]);
    const int checkpoints = steps / every;
    auto readDoubles = [&](std::size_t count) {
        std::vector<double> v(count);
        in.read(reinterpret_cast<char*>(v.data()), std::streamsize(sizeof(double) * count));
        return v;
    };
    // C-order (starts, n, d) from NumPy: start s is a column-major d × n block.
    const std::vector<double> X0 = readDoubles(std::size_t(starts) * n * d);
    const std::vector<double> X1 = readDoubles(std::size_t(starts) * n * d);
    const std::vector<double> F = readDoubles(std::size_t(starts) * checkpoints);
    if (!in) {
        std::fprintf(stderr, "%s is truncated\n", path);
        return 2;
    }
    double diff = 0, fractionDiff = 0;
    for (int s = 0; s < starts; ++s) {
        Scenario sc = sweepScenario(n, d, params[0], params[1], 1);
        sc.init.kind = InitKind::Points;
        sc.init.points = Eigen::Map<const Matrix>(X0.data() + std::size_t(s) * n * d, d, n);
        Simulation sim(sc);
        const std::vector<double> fractions = runStart(sim, steps, every);
        const Eigen::Map<const Matrix> expected(X1.data() + std::size_t(s) * n * d, d, n);
        diff = std::max(diff, (sim.positions() - expected).cwiseAbs().maxCoeff());
        for (int k = 0; k < checkpoints; ++k)
            fractionDiff =
                std::max(fractionDiff, std::abs(fractions[k] - F[std::size_t(s) * checkpoints + k]));
    }
    std::printf("max_abs_diff %.3g fraction_diff %.3g\n", diff, fractionDiff);
    return diff <= 1e-10 ? 0 : 1;
}

// Independent FMA chains, enough to cover the FMA latency on every target: the loop's flops per second
// are what the core's loops could reach at best.
ATTNSPHERE_CLONES
double fmaChains(long long rounds, double* acc) {
    constexpr int kChains = 32;
    const double m = 0.999999, a = 1e-7;
    double c[kChains];
    for (int k = 0; k < kChains; ++k) c[k] = acc[k];
    for (long long r = 0; r < rounds; ++r) {
#pragma omp simd
        for (int k = 0; k < kChains; ++k) c[k] = c[k] * m + a;
    }
    double sum = 0;
    for (int k = 0; k < kChains; ++k) sum += c[k];
    return sum;
}

double fmaGflops(int threads, double seconds) {
    constexpr int kChains = 32;
    constexpr long long kRounds = 1 << 22;
    std::atomic<bool> stop{false};
    std::vector<long long> rounds(static_cast<std::size_t>(threads), 0);
    std::vector<double> sink(static_cast<std::size_t>(threads), 0.0);
    std::vector<std::thread> team;
    const auto start = Clock::now();
    for (int t = 0; t < threads; ++t)
        team.emplace_back([&, t] {
            double acc[kChains];
            for (int k = 0; k < kChains; ++k) acc[k] = 1.0 + k;
            while (!stop.load(std::memory_order_relaxed)) {
                sink[t] += fmaChains(kRounds, acc);
                rounds[t] += kRounds;
            }
        });
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    stop = true;
    for (std::thread& t : team) t.join();
    const double elapsed = secondsSince(start);
    double total = 0;
    for (long long r : rounds) total += double(r);
    if (sink[0] == 42.0) std::printf("#");  // keeps the loop's result alive
    return total * kChains * 2.0 / elapsed / 1e9;
}

int fma(int threads, double seconds) {
    const double one = fmaGflops(1, seconds);
    const double all = fmaGflops(threads, seconds);
    std::printf("gflops %.4g gflops_threads %.4g\n", one, all);
    return 0;
}
}  // namespace

int main(int argc, char** argv) {
    const std::string mode = argc > 1 ? argv[1] : "";
    auto option = [&](int from, const std::string& name, double fallback) {
        for (int i = from; i + 1 < argc; ++i)
            if (argv[i] == name) return std::atof(argv[i + 1]);
        return fallback;
    };
    for (int i = 2; i < argc; ++i)
        if (argv[i] == std::string("--all-observables")) g_allObservables = true;
    if (mode == "sweep" && argc >= 6)
        return sweep(std::atoi(argv[2]), std::atoi(argv[3]), std::atoi(argv[4]), std::atoi(argv[5]),
                     int(option(6, "--threads", 2)), option(6, "--beta", 1.0), int(option(6, "--every", 10)),
                     option(6, "--dt", 0.1));
    if (mode == "verify" && argc == 3) return verify(argv[2]);
    if (mode == "fma") return fma(int(option(2, "--threads", 2)), option(2, "--seconds", 1.0));
    std::fprintf(stderr,
                 "usage: attnsphere_sweep_bench sweep N D STARTS STEPS [--threads T] [--beta B] [--every K] "
                 "[--dt DT] [--all-observables]\n"
                 "       attnsphere_sweep_bench verify FILE\n"
                 "       attnsphere_sweep_bench fma [--threads T] [--seconds S]\n");
    return 2;
}
