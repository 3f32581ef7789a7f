// attnsphere_bench: times core::Simulation (softmax, RK4, symmetric M_h = V_h: the gradient case of the
// multi-head model) the way bench/peer_numpy.py times NumPy, and checks on the peer's own problem that both
// compute the same dynamics.
//   attnsphere_bench time N D H [--seconds S] [--threads T]  -> "steps_per_s <value> steps <k>"
//   attnsphere_bench verify FILE                              -> "max_abs_diff <value>" (exit 1 if > 1e-10)
#include "core/Initialisation.h"
#include "core/Simulation.h"

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

using namespace attnsphere::core;

namespace {
Scenario benchScenario(int n, int d, int H) {
    Scenario s;
    s.n = n;
    s.d = d;
    s.beta = 1.0;
    s.kernel = KernelKind::Softmax;
    s.integrator = IntegratorKind::RK4;
    s.dt = 0.01;
    s.heads.count = H;
    s.heads.kind = HeadsKind::Symmetric;
    s.heads.value = ValueKind::SameAsScore;
    return s;
}

int timeRun(int n, int d, int H, double seconds, int threads) {
    Simulation sim(benchScenario(n, d, H));
    sim.setThreads(threads);
    sim.step();  // warm-up: allocations, first touch
    using Clock = std::chrono::steady_clock;
    const auto start = Clock::now();
    int steps = 0;
    double elapsed = 0;
    do {
        sim.step();
        ++steps;
        elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    } while (elapsed < seconds);
    std::printf("steps_per_s %.6g steps %d\n", steps / elapsed, steps);
    return 0;
}

int verify(const char* path) {
    std::ifstream in(path, std::ios::binary);
    std::int64_t header[4];
    double params[2];
    if (!in.read(reinterpret_cast<char*>(header), sizeof header) ||
        !in.read(reinterpret_cast<char*>(params), sizeof params)) {
        std::fprintf(stderr, "cannot read %s\n", path);
        return 2;
    }
    const int n = int(header[0]), d = int(header[1]), H = int(header[2]), steps = int(header[3]);
    auto readMatrix = [&](int rows, int cols) {
        // C-order rows × cols from NumPy = column-major cols × rows.
        Matrix m(cols, rows);
        in.read(reinterpret_cast<char*>(m.data()), std::streamsize(sizeof(double)) * rows * cols);
        return m;
    };
    Scenario s = benchScenario(n, d, H);
    s.beta = params[0];
    s.dt = params[1];
    s.init.kind = InitKind::Points;
    s.init.points = readMatrix(n, d);
    s.heads.kind = HeadsKind::Explicit;
    for (int h = 0; h < H; ++h) s.heads.explicitM.push_back(readMatrix(d, d).transpose());
    const Matrix expected = readMatrix(n, d);
    if (!in) {
        std::fprintf(stderr, "%s is truncated\n", path);
        return 2;
    }
    Simulation sim(s);
    for (int k = 0; k < steps; ++k) sim.step();
    const double diff = (sim.positions() - expected).cwiseAbs().maxCoeff();
    std::printf("max_abs_diff %.3g\n", diff);
    return diff <= 1e-10 ? 0 : 1;
}
}  // namespace

int main(int argc, char** argv) {
    const std::string mode = argc > 1 ? argv[1] : "";
    if (mode == "time" && argc >= 5) {
        double seconds = 2.0;
        int threads = 0;
        for (int i = 5; i + 1 < argc; i += 2) {
            const std::string opt = argv[i];
            if (opt == "--seconds") seconds = std::atof(argv[i + 1]);
            if (opt == "--threads") threads = std::atoi(argv[i + 1]);
        }
        return timeRun(std::atoi(argv[2]), std::atoi(argv[3]), std::atoi(argv[4]), seconds, threads);
    }
    if (mode == "verify" && argc == 3) return verify(argv[2]);
    std::fprintf(stderr,
                 "usage: attnsphere_bench time N D H [--seconds S] [--threads T]\n"
                 "       attnsphere_bench verify FILE\n");
    return 2;
}
