// The command line: run, presets, theory, --help, --version. Hand-parsed so that every bad value is
// reported with the option name and its allowed range, with exit code 2 (1: runtime failure, 130: SIGINT).
#include "app/CommandLine.h"

#include "core/EquiangularTheory.h"
#include "core/Errors.h"
#include "core/RunExport.h"
#include "core/Scenario.h"
#include "core/Simulation.h"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace attnsphere::app {

namespace {

using core::KernelKind;

// A run stopped by a signal exits 128 + the signal (130 SIGINT, 143 SIGTERM, 129 SIGHUP), as a shell reports
// it.
constexpr int kExitOk = 0, kExitFailure = 1, kExitUsage = 2, kExitSignalBase = 128;

// Bad command-line input: reported as "attnsphere <command>: <message>", exit code 2.
class UsageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

std::atomic<bool> g_interrupted{false};
volatile std::sig_atomic_t g_signal = 0;
static_assert(std::atomic<bool>::is_always_lock_free, "the signal handler needs a lock-free flag");

extern "C" void onInterrupt(int sig) {
    g_signal = sig;
    g_interrupted.store(true);
}

// SIGINT, SIGTERM and SIGHUP raise the simulation's abort flag (a long step stops within its next row
// block) for as long as this object lives; the previous handlers come back afterwards.
class InterruptHandlers {
public:
    InterruptHandlers() {
        g_interrupted.store(false);
        g_signal = 0;
        struct sigaction action {};
        action.sa_handler = onInterrupt;
        sigemptyset(&action.sa_mask);
        for (std::size_t i = 0; i < kSignals.size(); ++i) sigaction(kSignals[i], &action, &m_previous[i]);
    }
    ~InterruptHandlers() {
        for (std::size_t i = 0; i < kSignals.size(); ++i) sigaction(kSignals[i], &m_previous[i], nullptr);
    }
    InterruptHandlers(const InterruptHandlers&) = delete;
    InterruptHandlers& operator=(const InterruptHandlers&) = delete;

private:
    static constexpr std::array<int, 3> kSignals{SIGINT, SIGTERM, SIGHUP};
    std::array<struct sigaction, 3> m_previous{};
};

const char* const kHelpBeforeKernels =
    R"(attnsphere - transformer self-attention as particles on the unit sphere

Usage:
  attnsphere                                   open the main window on the default scenario
  attnsphere [--scenario FILE|PRESET] [--screenshot OUT.png --after SECONDS]
  attnsphere run SCENARIO|PRESET --out DIR [--t-end T] [--every K] [--threads N] [--quiet]
  attnsphere render SCENARIO|PRESET --out FILE [options]     (see attnsphere render --help)
  attnsphere presets
  attnsphere theory TOPIC [options]
  attnsphere --help | --version

Main window (GUI) options:
  --scenario FILE|PRESET   scenario file (JSON, doc/SCENARIOS.md) or built-in preset to open
  --screenshot OUT.png     run the window, save a screenshot of it to OUT.png, exit 0
  --after SECONDS          how long to run before taking the screenshot

run: simulate a scenario without a window and write, in DIR,
    series.csv      one row per published frame: step, t, energies and dE/dt (total and per head),
                    per-head attention entropy (mean, min), radial shadows (mean |r|, max |r|),
                    dominance margins, mean cosine, order parameter, clustered-pair fraction,
                    cluster count, norm drift (numbers printed with 17 significant digits)
    positions.npy   float64 array (frames, n, d): numpy.load("DIR/positions.npy")
    metadata.json   the full scenario, program version, seed, command line, frame count, columns
  Files are written under temporary names and renamed at the end: an interrupted or failed run
  leaves no file that looks complete (and no directory it created). A run needing more steps or
  frames than the caps (the message names them) is refused with exit 2.
  --out DIR        output directory (created if needed)                         required
  --t-end T        simulated end time, T in (0, 1000000]          default: the scenario's t_end
  --every K        publish a frame every K steps, K in [1, 1000000000]
                                                           default: the scenario's publish_every
  --threads N      worker threads for the dynamics, N in [1, 256]      default: all cores
  --quiet          no progress bar and no summary (the bar is only drawn on a terminal)
  Frames are published at step 0, every K steps, and at the last step.

render: offline video of a scenario (mp4, webm, gif or a PNG directory), identical every time; options:
  --size WxH, --fps F, --duration S, --steps-per-frame K | --sim-time-per-second T,
  --camera fixed|orbit, --transparent, --overlay LIST, --title TEXT, --panels LIST, --colour MODE,
  --trail N, --crf Q, --threads N, --session FILE, --export DIR.  Details: attnsphere render --help

presets: list the built-in scenarios (name and one-line description). A preset name can be used
  wherever a scenario file is accepted.

theory: predictions of the equiangular model (doc/MODEL.md §8): all tokens at pairwise cosine rho,
  scalar heads M_h = a_h I, V_h = b_h I. Lists are comma-separated; heads are A:B pairs
  (A alone means B = A). Kernels (a scenario's "kernel", theory's --kernel):
)";

// The rest of the help, after the kernel list that helpText() inserts from the kernel table.
const char* const kHelpAfterKernels =
    R"(  theory clustering-time  T(rho0 -> rho1) = integral drho / F(rho) for a list of beta
      --n N (32)  --rho0 R (0)  --rho1 R (0.999)  --beta LIST (0.5,1,2,4,6,9)
      --kernel K|all (all: softmax and exp)  --heads LIST (1:1)
  theory superadditivity  kappa_12 / (kappa_1 + kappa_2) with kappa = 1/T, two gradient-case heads
      --n N (16)  --beta B (3)  --rho0 R (0)  --rho1 R (0.99)  --pairs A1:A2,... (1:1,1:0.5,1:2,0.5:3)
  theory relu-vs-softmax  normalised-ReLU time (closed form) against softmax, near-orthogonal starts
      --n N (10)  --beta B (3)  --rho1 R (0.99)  --rho0 LIST (0.1,0.001,0.000001)
  theory rates            linear clustering rate lambda at rho = 1, d(1-rho)/dt = -lambda (1-rho)
      --n N (16)  --beta B (1)  --heads LIST (1:1)  --kernel K|all (all)
  theory entropy          attention entropy S(rho) and dS/drho of one softmax head
      --n N (10)  --beta B (3)  --a A (1)  --rho LIST (0,0.3,0.6,0.9,0.99)
  theory long-context     output cosine after one softmax layer at beta = gamma log n
      --rho R (0.5)  --gamma LIST (1,2,3)  --n LIST (100,1000,10000,100000)
  theory threshold        numerical threshold: smallest beta with T(rho0 -> rho1) >= target (bisection;
                          assumes T grows with beta, as for softmax)
      --n N (32)  --rho0 R (0)  --rho1 R (0.999)  --target T (10)  --kernel K (softmax)  --heads LIST (1:1)
      --lo B (0.01)  --hi B (50)
  Ranges: N in [2, 1000000], beta in (0, 1000], rho0 in [-1/(n-1), 1), rho1 in (rho0, 1),
  head strengths A, B in [0, 100], gamma in (0, 100].

Exit codes: 0 success, 1 runtime failure (e.g. a numerical overflow: the message names the quantity),
2 invalid input (the message names the option or the scenario field and its allowed range, or the line
and column of a malformed file), 128 + signal when stopped by a signal: 130 SIGINT (Ctrl-C),
143 SIGTERM, 129 SIGHUP (run leaves no output; render finalises the frames rendered so far).
)";

std::string helpText() {
    std::string text = kHelpBeforeKernels;
    for (const core::KernelInfo& k : core::kernelTable()) {
        std::string name(k.name);
        name.resize(std::max<std::size_t>(name.size() + 2, 20), ' ');
        text += "      " + name + std::string(k.description) + "\n";
    }
    return text + kHelpAfterKernels;
}

// ---- option parsing --------------------------------------------------------------------------

struct Parsed {
    std::vector<std::string> positional;
    std::map<std::string, std::string> values;  // "--name" -> value ("" for flags)
    bool has(const std::string& name) const { return values.count(name) > 0; }
};

// `valued`: options taking a value; `flags`: options without one. Both "--x V" and "--x=V" work.
Parsed parseOptions(const std::vector<std::string>& args, const std::vector<std::string>& valued,
                    const std::vector<std::string>& flags, const std::string& command) {
    Parsed p;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        if (arg.rfind("--", 0) != 0 || arg == "--") {
            p.positional.push_back(arg);
            continue;
        }
        std::string name = arg, value;
        bool inlineValue = false;
        if (const auto eq = arg.find('='); eq != std::string::npos) {
            name = arg.substr(0, eq);
            value = arg.substr(eq + 1);
            inlineValue = true;
        }
        const bool isValued = std::find(valued.begin(), valued.end(), name) != valued.end();
        const bool isFlag = std::find(flags.begin(), flags.end(), name) != flags.end();
        if (!isValued && !isFlag) {
            std::string known;
            for (const auto& v : valued) known += " " + v;
            for (const auto& f : flags) known += " " + f;
            throw UsageError("unknown option '" + name + "' for '" + command + "' (options:" + known + ")");
        }
        if (p.has(name)) throw UsageError(name + ": given twice");
        if (isFlag) {
            if (inlineValue) throw UsageError(name + ": takes no value");
            p.values[name] = "";
            continue;
        }
        if (!inlineValue) {
            if (i + 1 >= args.size()) throw UsageError(name + ": missing value");
            value = args[++i];
        }
        p.values[name] = value;
    }
    return p;
}

std::string fmt(double v) {
    char buf[40];
    if (std::floor(v) == v && std::abs(v) < 1e15)
        std::snprintf(buf, sizeof buf, "%.0f", v);
    else
        std::snprintf(buf, sizeof buf, "%.10g", v);
    return buf;
}

struct Range {
    double lo, hi;
    bool loOpen = false, hiOpen = false;
    bool contains(double v) const { return (loOpen ? v > lo : v >= lo) && (hiOpen ? v < hi : v <= hi); }
    std::string text() const {
        return std::string(loOpen ? "(" : "[") + fmt(lo) + ", " + fmt(hi) + (hiOpen ? ")" : "]");
    }
};

double parseNumber(const std::string& option, const std::string& text, const Range& range) {
    char* end = nullptr;
    const double v = std::strtod(text.c_str(), &end);
    if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(v))
        throw UsageError(option + ": must be a number in " + range.text() + ", got '" + text + "'");
    if (!range.contains(v)) throw UsageError(option + ": must be in " + range.text() + ", got " + text);
    return v;
}

long long parseInteger(const std::string& option, const std::string& text, long long lo, long long hi) {
    char* end = nullptr;
    errno = 0;
    const long long v = std::strtoll(text.c_str(), &end, 10);
    const std::string range = "[" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
    if (text.empty() || end != text.c_str() + text.size() || errno == ERANGE)
        throw UsageError(option + ": must be an integer in " + range + ", got '" + text + "'");
    if (v < lo || v > hi) throw UsageError(option + ": must be an integer in " + range + ", got " + text);
    return v;
}

std::vector<std::string> splitList(const std::string& option, const std::string& text) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (true) {
        const auto comma = text.find(',', start);
        out.push_back(text.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    for (const auto& item : out)
        if (item.empty()) throw UsageError(option + ": empty item in list '" + text + "'");
    return out;
}

std::vector<double> parseNumberList(const std::string& option, const std::string& text, const Range& range) {
    std::vector<double> out;
    for (const auto& item : splitList(option, text)) out.push_back(parseNumber(option, item, range));
    return out;
}

// "A:B" pairs; "A" alone means B = A (the gradient case V = M).
std::vector<std::pair<double, double>> parsePairs(const std::string& option, const std::string& text) {
    const Range strength{0, 100};
    std::vector<std::pair<double, double>> out;
    for (const auto& item : splitList(option, text)) {
        const auto colon = item.find(':');
        const double a = parseNumber(option, item.substr(0, colon), strength);
        const double b =
            colon == std::string::npos ? a : parseNumber(option, item.substr(colon + 1), strength);
        out.emplace_back(a, b);
    }
    return out;
}

KernelKind parseKernel(const std::string& option, const std::string& text) {
    if (const auto k = core::kernelFromString(text)) return *k;
    std::string names;
    for (const auto& n : core::kernelNames()) names += (names.empty() ? "" : ", ") + std::string(n);
    throw UsageError(option + ": must be one of " + names + " (or all), got '" + text + "'");
}

std::string value(const Parsed& p, const std::string& name, const std::string& fallback) {
    const auto it = p.values.find(name);
    return it == p.values.end() ? fallback : it->second;
}

void noPositionals(const Parsed& p, const std::string& command) {
    if (!p.positional.empty())
        throw UsageError("unexpected argument '" + p.positional.front() + "' for '" + command + "'");
}

// ---- run -------------------------------------------------------------------------------------

class ProgressBar {
public:
    explicit ProgressBar(bool enabled) : m_enabled(enabled) {}
    void update(double t, double tEnd, std::int64_t step, int frames, bool force = false) {
        if (!m_enabled) return;
        const auto now = std::chrono::steady_clock::now();
        if (!force && now - m_last < std::chrono::milliseconds(100)) return;
        m_last = now;
        const double fraction = std::clamp(t / tEnd, 0.0, 1.0);
        const int width = 30, filled = static_cast<int>(fraction * width);
        std::fprintf(stderr, "\r[%s%s] %3d%%  t = %.4g / %.4g  step %lld  frames %d ",
                     std::string(filled, '#').c_str(), std::string(width - filled, '.').c_str(),
                     static_cast<int>(fraction * 100), t, tEnd, static_cast<long long>(step), frames);
        std::fflush(stderr);
        m_drawn = true;
    }
    void finish() {
        if (m_drawn) std::fputc('\n', stderr);
        m_drawn = false;
    }

private:
    bool m_enabled;
    bool m_drawn = false;
    std::chrono::steady_clock::time_point m_last{};
};

int runCommand(const std::vector<std::string>& args, const std::vector<std::string>& commandLine) {
    const Parsed p = parseOptions(args, {"--out", "--t-end", "--every", "--threads"}, {"--quiet"}, "run");
    if (p.positional.empty()) throw UsageError("missing SCENARIO|PRESET (a scenario file or a preset name)");
    if (p.positional.size() > 1) throw UsageError("unexpected argument '" + p.positional[1] + "'");
    if (!p.has("--out") || p.values.at("--out").empty()) throw UsageError("--out DIR is required");
    const std::string out = p.values.at("--out");
    std::optional<double> tEnd;
    std::optional<int> every, threads;
    if (p.has("--t-end")) tEnd = parseNumber("--t-end", p.values.at("--t-end"), {0, 1e6, true, false});
    if (p.has("--every"))
        every = static_cast<int>(parseInteger("--every", p.values.at("--every"), 1, 1000000000));
    if (p.has("--threads"))
        threads = static_cast<int>(parseInteger("--threads", p.values.at("--threads"), 1, 256));
    const bool quiet = p.has("--quiet");
    std::error_code ec;
    if (std::filesystem::exists(out, ec) && !std::filesystem::is_directory(out, ec))
        throw UsageError("--out: '" + out + "' exists and is not a directory");

    const std::string& source = p.positional.front();
    // From here on a signal stops the run cleanly, also while the scenario is being built.
    const InterruptHandlers handlers;
    const auto interrupted = [&](double t) {
        const int sig = g_signal;
        const char* name = sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "SIGHUP";
        std::fprintf(stderr, "attnsphere run: interrupted (%s) at t = %g; no output written\n", name, t);
        return kExitSignalBase + static_cast<int>(g_signal);
    };
    core::Scenario scenario;
    try {
        scenario = core::Scenario::load(source);
        if (tEnd) scenario.tEnd = *tEnd;
        if (every) scenario.publishEvery = *every;
        scenario.validate();
        core::checkRunSize(scenario);
    } catch (const core::ValidationError& e) {
        throw UsageError(source + ": " + e.what());
    }

    // Everything is validated before the first file is created: bad input leaves no output.
    std::optional<core::Simulation> sim;
    try {
        sim.emplace(scenario);
    } catch (const core::ValidationError& e) {
        throw UsageError(source + ": " + e.what());
    }
    if (threads) sim->setThreads(*threads);
    sim->setAbortFlag(&g_interrupted);
    if (g_interrupted.load()) return interrupted(0);

    core::RunInfo info;
    info.writer = "run";
    info.commandLine = commandLine;
    info.threads = threads.value_or(0);
    info.stepsPerFrame = scenario.publishEvery;
    core::RunExport exporter(out, scenario, info);
    core::FrameOptions options;
    options.attention = false;
    ProgressBar bar(!quiet && isatty(STDERR_FILENO));
    const double end = scenario.tEnd - 1e-12;
    try {
        exporter.addFrame(sim->makeFrame(options));
        while (sim->time() < end) {
            if (g_interrupted.load()) throw core::Aborted();
            sim->step();
            if (sim->stepCount() % scenario.publishEvery == 0 || sim->time() >= end)
                exporter.addFrame(sim->makeFrame(options));
            bar.update(sim->time(), scenario.tEnd, sim->stepCount(), exporter.frameCount());
        }
        if (g_interrupted.load()) throw core::Aborted();
        bar.update(sim->time(), scenario.tEnd, sim->stepCount(), exporter.frameCount(), true);
        bar.finish();
        exporter.commit();
    } catch (const core::Aborted&) {
        bar.finish();
        exporter.abandon();
        return interrupted(sim->time());
    } catch (...) {
        bar.finish();
        exporter.abandon();
        throw;
    }
    if (!quiet)
        std::printf("wrote %d frames (t = %g, %lld steps, n = %d, d = %d, H = %d) to %s\n",
                    exporter.frameCount(), sim->time(), static_cast<long long>(sim->stepCount()), scenario.n,
                    scenario.d, scenario.heads.count, out.c_str());
    return kExitOk;
}

// ---- presets ---------------------------------------------------------------------------------

int presetsCommand(const std::vector<std::string>& args) {
    noPositionals(parseOptions(args, {}, {}, "presets"), "presets");
    const auto list = core::presetList();
    std::size_t width = 0;
    for (const auto& p : list) width = std::max(width, p.name.size());
    for (const auto& p : list)
        std::printf("%-*s  %s\n", static_cast<int>(width), p.name.c_str(), p.description.c_str());
    return kExitOk;
}

// ---- theory ----------------------------------------------------------------------------------

const Range kNRange{2, 1e6};
const Range kBetaRange{0, 1000, true, false};

int parseN(const Parsed& p, int fallback) {
    return static_cast<int>(parseInteger("--n", value(p, "--n", std::to_string(fallback)), 2, 1000000));
}

double parseRho0(const Parsed& p, int n, const std::string& fallback) {
    return parseNumber("--rho0", value(p, "--rho0", fallback), {-1.0 / (n - 1), 1, false, true});
}

double parseRho1(const Parsed& p, double rho0, const std::string& fallback) {
    return parseNumber("--rho1", value(p, "--rho1", fallback), {rho0, 1, true, true});
}

std::vector<KernelKind> parseKernels(const Parsed& p, const std::vector<KernelKind>& all) {
    const std::string k = value(p, "--kernel", "all");
    if (k == "all") return all;
    return {parseKernel("--kernel", k)};
}

std::vector<core::ScalarHead> toHeads(const std::vector<std::pair<double, double>>& pairs) {
    std::vector<core::ScalarHead> heads;
    for (const auto& [a, b] : pairs) heads.push_back({a, b});
    return heads;
}

std::string headsText(const std::vector<core::ScalarHead>& heads) {
    std::string out;
    for (const auto& h : heads) out += (out.empty() ? "" : ", ") + fmt(h.a) + ":" + fmt(h.b);
    return out;
}

std::string rowLabel(KernelKind k) {
    if (k == KernelKind::Softmax) return "T_SA";
    if (k == KernelKind::Exp) return "T_USA";
    return "T_" + std::string(core::toString(k));
}

// A theory value as printed: never "inf" or "nan". A value beyond the double range (a clustering time
// that is infinite, or too long to represent) reads ">1.8e308"; one that is undefined (inf/inf) "undefined".
std::string theoryText(double v, int decimals) {
    if (std::isnan(v)) return "undefined";
    if (std::isinf(v)) return v > 0 ? ">1.8e308" : "<-1.8e308";
    char buf[48];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

int theoryClusteringTime(const std::vector<std::string>& args) {
    const Parsed p = parseOptions(args, {"--n", "--rho0", "--rho1", "--beta", "--kernel", "--heads"}, {},
                                  "theory clustering-time");
    noPositionals(p, "theory clustering-time");
    core::EquiangularSetup s;
    s.n = parseN(p, 32);
    const double rho0 = parseRho0(p, s.n, "0"), rho1 = parseRho1(p, rho0, "0.999");
    const auto betas = parseNumberList("--beta", value(p, "--beta", "0.5,1,2,4,6,9"), kBetaRange);
    const auto kernels = parseKernels(p, {KernelKind::Softmax, KernelKind::Exp});
    s.heads = toHeads(parsePairs("--heads", value(p, "--heads", "1:1")));
    s.sigmoidBias = -std::log(static_cast<double>(s.n));
    std::printf(
        "# equiangular clustering time T(rho0 -> rho1) = integral drho / F(rho)  (doc/MODEL.md §8)\n");
    std::printf("# n = %d, rho0 = %s, rho1 = %s, heads a:b = %s\n", s.n, fmt(rho0).c_str(), fmt(rho1).c_str(),
                headsText(s.heads).c_str());
    std::printf("%-22s", "beta");
    for (double b : betas) std::printf(" %10s", fmt(b).c_str());
    std::printf("\n");
    for (KernelKind k : kernels) {
        s.kernel = k;
        std::printf("%-22s", rowLabel(k).c_str());
        for (double b : betas) {
            s.beta = b;
            std::printf(" %10s", theoryText(core::equiangular::clusteringTime(s, rho0, rho1), 3).c_str());
        }
        std::printf("\n");
    }
    return kExitOk;
}

int theorySuperadditivity(const std::vector<std::string>& args) {
    const Parsed p =
        parseOptions(args, {"--n", "--beta", "--rho0", "--rho1", "--pairs"}, {}, "theory superadditivity");
    noPositionals(p, "theory superadditivity");
    core::EquiangularSetup s;
    s.n = parseN(p, 16);
    s.beta = parseNumber("--beta", value(p, "--beta", "3"), kBetaRange);
    const double rho0 = parseRho0(p, s.n, "0"), rho1 = parseRho1(p, rho0, "0.99");
    const auto pairs = parsePairs("--pairs", value(p, "--pairs", "1:1,1:0.5,1:2,0.5:3"));
    std::printf(
        "# super-additivity ratio kappa_12 / (kappa_1 + kappa_2), kappa = 1/T(rho0 -> rho1)  "
        "(doc/MODEL.md §8)\n");
    std::printf("# n = %d, beta = %s, rho0 = %s, rho1 = %s, heads (a1, a2) with b = a\n", s.n,
                fmt(s.beta).c_str(), fmt(rho0).c_str(), fmt(rho1).c_str());
    std::printf("%-8s", "heads");
    for (const auto& [a1, a2] : pairs) {
        const std::string label = fmt(a1) + "," + fmt(a2);
        std::printf(" %12s", ("(" + label + ")").c_str());
    }
    std::printf("\n");
    for (KernelKind k : {KernelKind::Softmax, KernelKind::Exp}) {
        s.kernel = k;
        std::printf("%-8s", k == KernelKind::Softmax ? "SA" : "USA");
        for (const auto& [a1, a2] : pairs) {
            s.heads = {{a1, a1}, {a2, a2}};
            std::printf(" %12s",
                        theoryText(core::equiangular::superAdditivityRatio(s, rho0, rho1), 4).c_str());
        }
        std::printf("\n");
    }
    return kExitOk;
}

int theoryReluVsSoftmax(const std::vector<std::string>& args) {
    const Parsed p = parseOptions(args, {"--n", "--beta", "--rho0", "--rho1"}, {}, "theory relu-vs-softmax");
    noPositionals(p, "theory relu-vs-softmax");
    core::EquiangularSetup s;
    s.n = parseN(p, 10);
    s.beta = parseNumber("--beta", value(p, "--beta", "3"), kBetaRange);
    const double rho1 = parseNumber("--rho1", value(p, "--rho1", "0.99"), {0, 1, true, true});
    const auto rho0s =
        parseNumberList("--rho0", value(p, "--rho0", "0.1,0.001,0.000001"), {0, rho1, true, true});
    std::printf(
        "# clustering time rho0 -> %s: normalised ReLU (closed form, drho/dt = 2 rho (1 - rho)) vs softmax\n",
        fmt(rho1).c_str());
    std::printf("# n = %d, beta = %s, one head a = b = 1  (doc/MODEL.md §8)\n", s.n, fmt(s.beta).c_str());
    std::printf("%-12s %12s %12s %12s %12s\n", "rho0", "log(1/rho0)", "T_ReLU", "T_softmax", "ratio");
    for (double rho0 : rho0s) {
        const double relu = core::equiangular::reluNormalisedTime(rho0, rho1);
        const double softmax = core::equiangular::clusteringTime(s, rho0, rho1);
        std::printf("%-12s %12s %12s %12s %12s\n", fmt(rho0).c_str(),
                    theoryText(std::log(1 / rho0), 3).c_str(), theoryText(relu, 3).c_str(),
                    theoryText(softmax, 3).c_str(), theoryText(relu / softmax, 3).c_str());
    }
    return kExitOk;
}

int theoryRates(const std::vector<std::string>& args) {
    const Parsed p = parseOptions(args, {"--n", "--beta", "--heads", "--kernel"}, {}, "theory rates");
    noPositionals(p, "theory rates");
    core::EquiangularSetup s;
    s.n = parseN(p, 16);
    s.beta = parseNumber("--beta", value(p, "--beta", "1"), kBetaRange);
    s.heads = toHeads(parsePairs("--heads", value(p, "--heads", "1:1")));
    s.sigmoidBias = -std::log(static_cast<double>(s.n));
    std::vector<KernelKind> all;
    for (const auto& name : core::kernelNames()) all.push_back(*core::kernelFromString(name));
    const auto kernels = parseKernels(p, all);
    std::printf("# linear clustering rate at rho = 1: d(1-rho)/dt = -lambda (1-rho)  (doc/MODEL.md §8)\n");
    std::printf("# SA: lambda = 2 sum_h b_h;  USA: lambda = 2 sum_h b_h e^{beta a_h}\n");
    std::printf("# n = %d, beta = %s, heads a:b = %s\n", s.n, fmt(s.beta).c_str(),
                headsText(s.heads).c_str());
    std::printf("%-20s %16s\n", "kernel", "lambda");
    for (KernelKind k : kernels) {
        s.kernel = k;
        const double lambda = core::equiangular::linearRateAtOne(s);
        // e^{beta a_h} beyond the double range: say so instead of printing "inf" as if it were a rate.
        if (std::isfinite(lambda))
            std::printf("%-20s %16.6f\n", std::string(core::toString(k)).c_str(), lambda);
        else
            std::printf("%-20s %16s  (beyond the range of a double: beta a_h too large)\n",
                        std::string(core::toString(k)).c_str(), "overflow");
    }
    return kExitOk;
}

int theoryEntropy(const std::vector<std::string>& args) {
    const Parsed p = parseOptions(args, {"--n", "--beta", "--a", "--rho"}, {}, "theory entropy");
    noPositionals(p, "theory entropy");
    core::EquiangularSetup s;
    s.n = parseN(p, 10);
    s.beta = parseNumber("--beta", value(p, "--beta", "3"), kBetaRange);
    const double a = parseNumber("--a", value(p, "--a", "1"), {0, 100});
    s.heads = {{a, a}};
    const auto rhos = parseNumberList("--rho", value(p, "--rho", "0,0.3,0.6,0.9,0.99"),
                                      {-1.0 / (s.n - 1), 1, false, false});
    std::printf(
        "# attention entropy of one softmax head on an equiangular configuration  (doc/MODEL.md §8)\n");
    std::printf("# n = %d, beta = %s, a = %s, log n = %.9f\n", s.n, fmt(s.beta).c_str(), fmt(a).c_str(),
                std::log(static_cast<double>(s.n)));
    std::printf("%-12s %16s %16s\n", "rho", "S", "dS/drho");
    for (double rho : rhos)
        std::printf("%-12s %16s %16s\n", fmt(rho).c_str(),
                    theoryText(core::equiangular::entropy(s, 0, rho), 9).c_str(),
                    theoryText(core::equiangular::entropySlope(s, 0, rho), 9).c_str());
    return kExitOk;
}

int theoryLongContext(const std::vector<std::string>& args) {
    const Parsed p = parseOptions(args, {"--rho", "--gamma", "--n"}, {}, "theory long-context");
    noPositionals(p, "theory long-context");
    const double rho = parseNumber("--rho", value(p, "--rho", "0.5"), {0, 1, true, true});
    const auto gammas = parseNumberList("--gamma", value(p, "--gamma", "1,2,3"), {0, 100, true, false});
    std::vector<int> ns;
    for (const auto& item : splitList("--n", value(p, "--n", "100,1000,10000,100000")))
        ns.push_back(static_cast<int>(parseInteger("--n", item, 2, 1000000000)));
    std::printf(
        "# one softmax layer at beta = gamma log n on an equiangular input "
        "(doc/MODEL.md §8, long-context limit)\n");
    std::printf("# rho = %s; limits: 1 (gamma < %s), %.6f (gamma = %s), rho (gamma > %s)\n", fmt(rho).c_str(),
                fmt(1 / (1 - rho)).c_str(), 4 * rho / (1 + 3 * rho), fmt(1 / (1 - rho)).c_str(),
                fmt(1 / (1 - rho)).c_str());
    std::printf("%-10s", "gamma");
    for (int n : ns) std::printf(" %12s", ("n=" + std::to_string(n)).c_str());
    std::printf("\n");
    for (double g : gammas) {
        std::printf("%-10s", fmt(g).c_str());
        for (int n : ns)
            std::printf(" %12s", theoryText(core::equiangular::longContextCosine(n, g, rho), 6).c_str());
        std::printf("\n");
    }
    return kExitOk;
}

int theoryThreshold(const std::vector<std::string>& args) {
    const Parsed p =
        parseOptions(args, {"--n", "--rho0", "--rho1", "--target", "--kernel", "--heads", "--lo", "--hi"}, {},
                     "theory threshold");
    noPositionals(p, "theory threshold");
    core::EquiangularSetup s;
    s.n = parseN(p, 32);
    const double rho0 = parseRho0(p, s.n, "0"), rho1 = parseRho1(p, rho0, "0.999");
    const double target = parseNumber("--target", value(p, "--target", "10"), {0, 1e6, true, false});
    const double lo = parseNumber("--lo", value(p, "--lo", "0.01"), kBetaRange);
    const double hi = parseNumber("--hi", value(p, "--hi", "50"), {lo, 1000, true, false});
    s.kernel = parseKernel("--kernel", value(p, "--kernel", "softmax"));
    s.heads = toHeads(parsePairs("--heads", value(p, "--heads", "1:1")));
    s.sigmoidBias = -std::log(static_cast<double>(s.n));
    const double beta = core::equiangular::betaForClusteringTime(s, rho0, rho1, target, lo, hi);
    std::printf(
        "# numerical threshold (bisection on the exact equiangular ODE, not a closed form; "
        "doc/MODEL.md §8):\n");
    std::printf("# smallest beta in [%s, %s] with T(%s -> %s) >= %s, kernel %s, n = %d, heads a:b = %s\n",
                fmt(lo).c_str(), fmt(hi).c_str(), fmt(rho0).c_str(), fmt(rho1).c_str(), fmt(target).c_str(),
                std::string(core::toString(s.kernel)).c_str(), s.n, headsText(s.heads).c_str());
    if (std::isnan(beta)) {
        std::printf("beta* none (T < %s for every beta in the interval)\n", fmt(target).c_str());
    } else {
        s.beta = beta;
        std::printf("beta* %.9f\nT %s\n", beta,
                    theoryText(core::equiangular::clusteringTime(s, rho0, rho1), 6).c_str());
    }
    return kExitOk;
}

int theoryCommand(const std::vector<std::string>& args) {
    const std::map<std::string, int (*)(const std::vector<std::string>&)> topics = {
        {"clustering-time", theoryClusteringTime},
        {"superadditivity", theorySuperadditivity},
        {"relu-vs-softmax", theoryReluVsSoftmax},
        {"rates", theoryRates},
        {"entropy", theoryEntropy},
        {"long-context", theoryLongContext},
        {"threshold", theoryThreshold}};
    std::string names;
    for (const auto& [name, f] : topics) names += (names.empty() ? "" : ", ") + name;
    if (args.empty()) throw UsageError("missing TOPIC (one of " + names + ")");
    const auto it = topics.find(args.front());
    if (it == topics.end()) throw UsageError("unknown topic '" + args.front() + "' (one of " + names + ")");
    return it->second(std::vector<std::string>(args.begin() + 1, args.end()));
}

bool isGuiOption(std::string_view arg) {
    for (std::string_view gui :
         {"--scenario", "--screenshot", "--after", "--select", "--colour", "--bench", "--trail"})
        if (arg == gui ||
            (arg.size() > gui.size() && arg.substr(0, gui.size()) == gui && arg[gui.size()] == '='))
            return true;
    return false;
}

}  // namespace

bool isCommandLineInvocation(int argc, char** argv) {
    if (argc <= 1) return false;
    const std::string_view first = argv[1];
    if (isGuiOption(first)) return false;
    // Single-dash arguments other than -h are Qt's own (-platform, -style, ...): they belong to the GUI.
    if (first.size() > 1 && first[0] == '-' && first[1] != '-' && first != "-h") return false;
    return true;
}

int runCommandLine(int argc, char** argv) {
    const std::vector<std::string> all(argv, argv + argc);
    const std::string command = argc > 1 ? all[1] : "";
    const std::vector<std::string> rest(all.begin() + std::min<std::ptrdiff_t>(2, argc), all.end());
    try {
        if (command == "--help" || command == "-h" || command == "help") {
            std::fputs(helpText().c_str(), stdout);
            return kExitOk;
        }
        if (command == "--version") {
            std::printf("attnsphere %s\n", ATTNSPHERE_VERSION);
            return kExitOk;
        }
        for (const auto& arg : rest)
            if (arg == "--help" || arg == "-h") {
                std::fputs(helpText().c_str(), stdout);
                return kExitOk;
            }
        if (command == "run") return runCommand(rest, all);
        if (command == "presets") return presetsCommand(rest);
        if (command == "theory") return theoryCommand(rest);
        throw UsageError("unknown command '" + command +
                         "' (commands: run, render, presets, theory; see --help)");
    } catch (const UsageError& e) {
        std::fprintf(stderr, "attnsphere %s: %s\n", command.c_str(), e.what());
        return kExitUsage;
    } catch (const core::ValidationError& e) {
        std::fprintf(stderr, "attnsphere %s: %s\n", command.c_str(), e.what());
        return kExitUsage;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "attnsphere %s: error: %s\n", command.c_str(), e.what());
        return kExitFailure;
    }
}

}  // namespace attnsphere::app
