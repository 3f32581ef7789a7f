// The command line: run, presets, theory, --help, --version. Options come from the tables below (parsed
// and documented by app/Options), so every bad value is reported with the option name and its allowed
// range, with exit code 2 (1: runtime failure, 128 + signal: interrupted).
#include "app/CommandLine.h"

#include "app/Interrupt.h"
#include "app/ProgressBar.h"
#include "core/EquiangularTheory.h"
#include "core/Errors.h"
#include "core/Kernels.h"
#include "core/Polarisation.h"
#include "core/RunExport.h"
#include "core/Scenario.h"
#include "core/Simulation.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace attnsphere::app {

namespace {

using core::KernelKind;

[[noreturn]] void usage(const std::string& message) {
    throw core::ValidationError("", message);
}

void noPositionals(const ParsedOptions& p, const std::string& command) {
    if (!p.positional().empty())
        usage("unexpected argument '" + p.positional().front() + "' for '" + command + "'");
}

// ---- run -------------------------------------------------------------------------------------

const CommandSpec& runSpec() {
    static const CommandSpec spec{
        "run",
        {"run SCENARIO|PRESET --out DIR [--t-end T] [--every K] [--threads N] [--quiet]"},
        "Simulates a scenario (a JSON file, doc/SCENARIOS.md, or a preset name) without a window and\n"
        "writes, in DIR,\n"
        "  series.csv      one row per published frame: step, t, energies and dE/dt (total and per head),\n"
        "                  per-head attention entropy (mean, min), radial shadows (mean |r|, max |r|),\n"
        "                  dominance margins, mean cosine, order parameter, clustered-pair fraction,\n"
        "                  cluster count, norm drift (numbers printed with 17 significant digits)\n"
        "  positions.npy   float64 array (frames, n, d): numpy.load(\"DIR/positions.npy\")\n"
        "  metadata.json   the full scenario, program version, seed, command line, frame count, columns\n"
        "Files are written under temporary names and renamed at the end: an interrupted or failed run\n"
        "leaves no file that looks complete (and no directory it created). A run needing more steps or\n"
        "frames than the caps (the message names them) is refused with exit 2. Frames are published at\n"
        "step 0, every K steps, and at the last step.\n"
        "A polarisation file or preset (the value-softmax model, doc/POLARISATION.md; told apart by its\n"
        "\"format\") writes series.csv (loss, entropy, |V|_F, max column norm, max weight per map),\n"
        "weights.npy and column_norms.npy (maps, frames, n) and metadata.json, the same way (--threads\n"
        "does not apply: it is a small single-threaded system).\n",
        {OptionSpec("--out", "DIR", OptionKind::Text, "output directory (created if needed), required"),
         OptionSpec("--t-end", "T", OptionKind::Number, "simulated end time")
             .in({0, 1e6, true, false})
             .defaultText("the scenario's t_end"),
         OptionSpec("--every", "K", OptionKind::Integer, "publish a frame every K steps")
             .in({1, 1e9})
             .defaultText("the scenario's publish_every"),
         threadsOption(), quietOption()},
        exitCodesHelp("run leaves no output")};
    return spec;
}

// A polarisation file (doc/POLARISATION.md): its maps run in lockstep, then the export written whole.
int runPolarisationCommand(const std::string& source, const std::string& out, std::optional<double> tEnd,
                           std::optional<int> every, bool quiet,
                           const std::vector<std::string>& commandLine) {
    const InterruptGuard guard;
    core::PolarisationSpec spec;
    try {
        spec = core::PolarisationSpec::load(source);  // a file's messages start with its name
    } catch (const core::ValidationError& e) {
        usage(e.what());
    }
    try {
        if (tEnd) spec.tEnd = *tEnd;
        if (every) spec.publishEvery = *every;
        spec.validate();
    } catch (const core::ValidationError& e) {
        usage(source + ": " + e.what());
    }
    core::PolarRun run(spec);
    core::PolarRecord record;
    record.framesPerMap.resize(spec.maps.size());
    const auto publish = [&] {
        const auto frames = run.frames();
        for (std::size_t m = 0; m < frames.size(); ++m) record.framesPerMap[m].push_back(frames[m]);
    };
    ProgressBar bar("", quiet);
    const double steps = static_cast<double>(spec.steps());
    try {
        publish();
        while (!run.done()) {
            if (InterruptGuard::interrupted()) throw core::Aborted();
            run.step();
            if (run.publishes()) publish();
            if (run.stepCount() % 256 == 0) {
                char detail[96];
                std::snprintf(detail, sizeof detail, "t = %.4g / %.4g  step %lld", run.time(), spec.tEnd,
                              static_cast<long long>(run.stepCount()));
                bar.update(static_cast<double>(run.stepCount()) / steps, detail, false);
            }
        }
        if (InterruptGuard::interrupted()) throw core::Aborted();
    } catch (const core::Aborted&) {
        bar.finish();
        std::fprintf(stderr, "attnsphere run: interrupted (%s) at t = %g; no output written\n",
                     InterruptGuard::signalName().c_str(), run.time());
        return InterruptGuard::exitCode();
    } catch (...) {
        bar.finish();
        throw;
    }
    bar.finish();
    core::RunInfo info;
    info.writer = "run";
    info.commandLine = commandLine;
    core::writePolarisationExport(out, spec, record, info);
    if (!quiet) {
        std::string maps;
        for (core::PolarMap m : spec.maps) maps += (maps.empty() ? "" : ", ") + std::string(core::nameOf(m));
        std::printf("wrote %zu frames (t = %g, %lld steps, n = %d, d = %d, maps %s) to %s\n",
                    record.framesPerMap.front().size(), run.time(), static_cast<long long>(run.stepCount()),
                    spec.n, spec.d, maps.c_str(), out.c_str());
    }
    return kExitOk;
}

int runCommand(const std::vector<std::string>& args, const std::vector<std::string>& commandLine) {
    const ParsedOptions p(runSpec(), args);
    if (p.positional().empty()) usage("missing SCENARIO|PRESET (a scenario file or a preset name)");
    if (p.positional().size() > 1) usage("unexpected argument '" + p.positional()[1] + "'");
    if (p.text("--out").empty()) usage("--out DIR is required");
    const std::string out = p.text("--out");
    std::optional<double> tEnd;
    std::optional<int> every, threads;
    if (p.has("--t-end")) tEnd = p.number("--t-end");
    if (p.has("--every")) every = static_cast<int>(p.integer("--every"));
    if (p.has("--threads")) threads = static_cast<int>(p.integer("--threads"));
    const bool quiet = p.has("--quiet");
    std::error_code ec;
    if (std::filesystem::exists(out, ec) && !std::filesystem::is_directory(out, ec))
        usage("--out: '" + out + "' exists and is not a directory");

    const std::string& source = p.positional().front();
    if (core::isPolarisationSource(source))
        return runPolarisationCommand(source, out, tEnd, every, quiet, commandLine);
    // From here on a signal stops the run cleanly, also while the scenario is being built.
    const InterruptGuard guard;
    const auto interrupted = [&](double t) {
        std::fprintf(stderr, "attnsphere run: interrupted (%s) at t = %g; no output written\n",
                     InterruptGuard::signalName().c_str(), t);
        return InterruptGuard::exitCode();
    };
    core::Scenario scenario;
    try {
        scenario = core::Scenario::load(source);
        if (tEnd) scenario.tEnd = *tEnd;
        if (every) scenario.publishEvery = *every;
        scenario.validate();
        core::checkRunSize(scenario);
    } catch (const core::ValidationError& e) {
        usage(source + ": " + e.what());
    }

    // Everything is validated before the first file is created: bad input leaves no output.
    std::optional<core::Simulation> sim;
    try {
        sim.emplace(scenario);
    } catch (const core::ValidationError& e) {
        usage(source + ": " + e.what());
    }
    if (threads) sim->setThreads(*threads);
    sim->setAbortFlag(&InterruptGuard::flag());
    if (InterruptGuard::interrupted()) return interrupted(0);

    core::RunInfo info;
    info.writer = "run";
    info.commandLine = commandLine;
    info.threads = threads.value_or(0);
    info.stepsPerFrame = scenario.publishEvery;
    core::RunExport exporter(out, scenario, info);
    core::FrameOptions options;
    options.attention = false;
    ProgressBar bar("", quiet);
    const auto progress = [&](bool force) {
        char detail[96];
        std::snprintf(detail, sizeof detail, "t = %.4g / %.4g  step %lld  frames %d", sim->time(),
                      scenario.tEnd, static_cast<long long>(sim->stepCount()), exporter.frameCount());
        bar.update(sim->time() / scenario.tEnd, detail, force);
    };
    const double end = scenario.tEnd - 1e-12;
    try {
        exporter.addFrame(sim->makeFrame(options));
        while (sim->time() < end) {
            if (InterruptGuard::interrupted()) throw core::Aborted();
            sim->step();
            if (sim->stepCount() % scenario.publishEvery == 0 || sim->time() >= end)
                exporter.addFrame(sim->makeFrame(options));
            progress(false);
        }
        if (InterruptGuard::interrupted()) throw core::Aborted();
        progress(true);
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

const CommandSpec& presetsSpec() {
    static const CommandSpec spec{
        "presets",
        {"presets"},
        "Lists the built-in scenarios (name and one-line description). A preset name "
        "can be used\nwherever a scenario file is accepted. Then the polarisation presets "
        "(doc/POLARISATION.md), for\n`run` and `--polarisation`.\n",
        {},
        {}};
    return spec;
}

int presetsCommand(const std::vector<std::string>& args) {
    noPositionals(ParsedOptions(presetsSpec(), args), "presets");
    const auto list = core::presetList();
    const auto polar = core::polarisationPresetList();
    std::size_t width = 0;
    for (const auto* l : {&list, &polar})
        for (const auto& p : *l) width = std::max(width, p.name.size());
    for (const auto& p : list)
        std::printf("%-*s  %s\n", static_cast<int>(width), p.name.c_str(), p.description.c_str());
    std::printf("\n%s\n", kPolarisationPresetsHeading);
    for (const auto& p : polar)
        std::printf("%-*s  %s\n", static_cast<int>(width), p.name.c_str(), p.description.c_str());
    return kExitOk;
}

// ---- theory ----------------------------------------------------------------------------------

const Range kBetaRange{0, 1000, true, false};
const Range kStrengthRange{0, 100};

const OptionSpec kN = OptionSpec("--n", "N", OptionKind::Integer, "number of tokens").in({2, 1e6});
const OptionSpec kBeta =
    OptionSpec("--beta", "B", OptionKind::Number, "inverse temperature beta").in(kBetaRange);
const OptionSpec kBetaList =
    OptionSpec("--beta", "LIST", OptionKind::NumberList, "inverse temperatures beta").in(kBetaRange);
const OptionSpec kRho0 =
    OptionSpec("--rho0", "R", OptionKind::Number, "starting pairwise cosine").rangeText("[-1/(n-1), 1)");
const OptionSpec kRho1 =
    OptionSpec("--rho1", "R", OptionKind::Number, "final pairwise cosine").rangeText("(rho0, 1)");
const OptionSpec kHeads =
    OptionSpec("--heads", "LIST", OptionKind::PairList, "head strengths A:B (A alone means B = A)")
        .in(kStrengthRange);

OptionSpec kernelOption(bool all) {
    std::vector<std::string> names;
    for (const auto& name : core::kernelNames()) names.emplace_back(name);
    if (all) names.emplace_back("all");
    return OptionSpec("--kernel", all ? "K|all" : "K", OptionKind::Choice, "attention kernel").oneOf(names);
}

int nOption(const ParsedOptions& p) {
    return static_cast<int>(p.integer("--n"));
}

Range rho0Range(int n) {
    return {-1.0 / (n - 1), 1, false, true};
}

std::vector<KernelKind> kernelsOption(const ParsedOptions& p, const std::vector<KernelKind>& all) {
    const std::string k = p.choice("--kernel");
    if (k == "all") return all;
    return {*core::kernelFromString(k)};
}

std::vector<core::ScalarHead> toHeads(const std::vector<std::pair<double, double>>& pairs) {
    std::vector<core::ScalarHead> heads;
    for (const auto& [a, b] : pairs) heads.push_back({a, b});
    return heads;
}

std::string headsText(const std::vector<core::ScalarHead>& heads) {
    std::string out;
    for (const auto& h : heads)
        out += (out.empty() ? "" : ", ") + formatNumber(h.a) + ":" + formatNumber(h.b);
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

int theoryClusteringTime(const ParsedOptions& p) {
    core::EquiangularSetup s;
    s.n = nOption(p);
    const double rho0 = p.number("--rho0", rho0Range(s.n)),
                 rho1 = p.number("--rho1", Range{rho0, 1, true, true});
    const auto betas = p.numbers("--beta");
    const auto kernels = kernelsOption(p, {KernelKind::Softmax, KernelKind::Exp});
    s.heads = toHeads(p.pairs("--heads"));
    s.sigmoidBias = -std::log(static_cast<double>(s.n));
    std::printf(
        "# equiangular clustering time T(rho0 -> rho1) = integral drho / F(rho)  (doc/MODEL.md §8)\n");
    std::printf("# n = %d, rho0 = %s, rho1 = %s, heads a:b = %s\n", s.n, formatNumber(rho0).c_str(),
                formatNumber(rho1).c_str(), headsText(s.heads).c_str());
    std::printf("%-22s", "beta");
    for (double b : betas) std::printf(" %10s", formatNumber(b).c_str());
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

int theorySuperadditivity(const ParsedOptions& p) {
    core::EquiangularSetup s;
    s.n = nOption(p);
    s.beta = p.number("--beta");
    const double rho0 = p.number("--rho0", rho0Range(s.n)),
                 rho1 = p.number("--rho1", Range{rho0, 1, true, true});
    const auto pairs = p.pairs("--pairs");
    std::printf(
        "# super-additivity ratio kappa_12 / (kappa_1 + kappa_2), kappa = 1/T(rho0 -> rho1)  "
        "(doc/MODEL.md §8)\n");
    std::printf("# n = %d, beta = %s, rho0 = %s, rho1 = %s, heads (a1, a2) with b = a\n", s.n,
                formatNumber(s.beta).c_str(), formatNumber(rho0).c_str(), formatNumber(rho1).c_str());
    std::printf("%-8s", "heads");
    for (const auto& [a1, a2] : pairs) {
        const std::string label = formatNumber(a1) + "," + formatNumber(a2);
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

int theoryReluVsSoftmax(const ParsedOptions& p) {
    core::EquiangularSetup s;
    s.n = nOption(p);
    s.beta = p.number("--beta");
    const double rho1 = p.number("--rho1");
    const auto rho0s = p.numbers("--rho0", Range{0, rho1, true, true});
    std::printf(
        "# clustering time rho0 -> %s: normalised ReLU (closed form, drho/dt = 2 rho (1 - rho)) vs softmax\n",
        formatNumber(rho1).c_str());
    std::printf("# n = %d, beta = %s, one head a = b = 1  (doc/MODEL.md §8)\n", s.n,
                formatNumber(s.beta).c_str());
    std::printf("%-12s %12s %12s %12s %12s\n", "rho0", "log(1/rho0)", "T_ReLU", "T_softmax", "ratio");
    for (double rho0 : rho0s) {
        const double relu = core::equiangular::reluNormalisedTime(rho0, rho1);
        const double softmax = core::equiangular::clusteringTime(s, rho0, rho1);
        std::printf("%-12s %12s %12s %12s %12s\n", formatNumber(rho0).c_str(),
                    theoryText(std::log(1 / rho0), 3).c_str(), theoryText(relu, 3).c_str(),
                    theoryText(softmax, 3).c_str(), theoryText(relu / softmax, 3).c_str());
    }
    return kExitOk;
}

int theoryRates(const ParsedOptions& p) {
    core::EquiangularSetup s;
    s.n = nOption(p);
    s.beta = p.number("--beta");
    s.heads = toHeads(p.pairs("--heads"));
    s.sigmoidBias = -std::log(static_cast<double>(s.n));
    std::vector<KernelKind> all;
    for (const auto& name : core::kernelNames()) all.push_back(*core::kernelFromString(name));
    const auto kernels = kernelsOption(p, all);
    std::printf("# linear clustering rate at rho = 1: d(1-rho)/dt = -lambda (1-rho)  (doc/MODEL.md §8)\n");
    std::printf("# SA: lambda = 2 sum_h b_h;  USA: lambda = 2 sum_h b_h e^{beta a_h}\n");
    std::printf("# n = %d, beta = %s, heads a:b = %s\n", s.n, formatNumber(s.beta).c_str(),
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

int theoryEntropy(const ParsedOptions& p) {
    core::EquiangularSetup s;
    s.n = nOption(p);
    s.beta = p.number("--beta");
    const double a = p.number("--a");
    s.heads = {{a, a}};
    const auto rhos = p.numbers("--rho", Range{-1.0 / (s.n - 1), 1});
    std::printf(
        "# attention entropy of one softmax head on an equiangular configuration  (doc/MODEL.md §8)\n");
    std::printf("# n = %d, beta = %s, a = %s, log n = %.9f\n", s.n, formatNumber(s.beta).c_str(),
                formatNumber(a).c_str(), std::log(static_cast<double>(s.n)));
    std::printf("%-12s %16s %16s\n", "rho", "S", "dS/drho");
    for (double rho : rhos)
        std::printf("%-12s %16s %16s\n", formatNumber(rho).c_str(),
                    theoryText(core::equiangular::entropy(s, 0, rho), 9).c_str(),
                    theoryText(core::equiangular::entropySlope(s, 0, rho), 9).c_str());
    return kExitOk;
}

int theoryLongContext(const ParsedOptions& p) {
    const double rho = p.number("--rho");
    const auto gammas = p.numbers("--gamma");
    std::vector<int> ns;
    for (const long long n : p.integers("--n")) ns.push_back(static_cast<int>(n));
    std::printf(
        "# one softmax layer at beta = gamma log n on an equiangular input "
        "(doc/MODEL.md §8, long-context limit)\n");
    std::printf("# rho = %s; limits: 1 (gamma < %s), %.6f (gamma = %s), rho (gamma > %s)\n",
                formatNumber(rho).c_str(), formatNumber(1 / (1 - rho)).c_str(), 4 * rho / (1 + 3 * rho),
                formatNumber(1 / (1 - rho)).c_str(), formatNumber(1 / (1 - rho)).c_str());
    std::printf("%-10s", "gamma");
    for (int n : ns) std::printf(" %12s", ("n=" + std::to_string(n)).c_str());
    std::printf("\n");
    for (double g : gammas) {
        std::printf("%-10s", formatNumber(g).c_str());
        for (int n : ns)
            std::printf(" %12s", theoryText(core::equiangular::longContextCosine(n, g, rho), 6).c_str());
        std::printf("\n");
    }
    return kExitOk;
}

int theoryThreshold(const ParsedOptions& p) {
    core::EquiangularSetup s;
    s.n = nOption(p);
    const double rho0 = p.number("--rho0", rho0Range(s.n)),
                 rho1 = p.number("--rho1", Range{rho0, 1, true, true});
    const double target = p.number("--target");
    const double lo = p.number("--lo");
    const double hi = p.number("--hi", Range{lo, 1000, true, false});
    s.kernel = *core::kernelFromString(p.choice("--kernel"));
    s.heads = toHeads(p.pairs("--heads"));
    s.sigmoidBias = -std::log(static_cast<double>(s.n));
    const double beta = core::equiangular::betaForClusteringTime(s, rho0, rho1, target, lo, hi);
    std::printf(
        "# numerical threshold (bisection on the exact equiangular ODE, not a closed form; "
        "doc/MODEL.md §8):\n");
    std::printf("# smallest beta in [%s, %s] with T(%s -> %s) >= %s, kernel %s, n = %d, heads a:b = %s\n",
                formatNumber(lo).c_str(), formatNumber(hi).c_str(), formatNumber(rho0).c_str(),
                formatNumber(rho1).c_str(), formatNumber(target).c_str(),
                std::string(core::toString(s.kernel)).c_str(), s.n, headsText(s.heads).c_str());
    if (std::isnan(beta)) {
        std::printf("beta* none (T < %s for every beta in the interval)\n", formatNumber(target).c_str());
    } else {
        s.beta = beta;
        std::printf("beta* %.9f\nT %s\n", beta,
                    theoryText(core::equiangular::clusteringTime(s, rho0, rho1), 6).c_str());
    }
    return kExitOk;
}

struct Topic {
    CommandSpec spec;
    int (*run)(const ParsedOptions&);
};

const std::vector<Topic>& topics() {
    using K = OptionKind;
    static const std::vector<Topic> list{
        {{"theory clustering-time",
          {"theory clustering-time [options]"},
          "T(rho0 -> rho1) = integral drho / F(rho) for a list of beta\n",
          {kN.byDefault("32"), kRho0.byDefault("0"), kRho1.byDefault("0.999"),
           kBetaList.byDefault("0.5,1,2,4,6,9"),
           kernelOption(true).helpText("attention kernel (all: softmax and exp)").byDefault("all"),
           kHeads.byDefault("1:1")},
          {}},
         theoryClusteringTime},
        {{"theory superadditivity",
          {"theory superadditivity [options]"},
          "kappa_12 / (kappa_1 + kappa_2) with kappa = 1/T, two gradient-case heads\n",
          {kN.byDefault("16"), kBeta.byDefault("3"), kRho0.byDefault("0"), kRho1.byDefault("0.99"),
           OptionSpec("--pairs", "A1:A2,...", K::PairList, "the two heads' strengths")
               .in(kStrengthRange)
               .byDefault("1:1,1:0.5,1:2,0.5:3")},
          {}},
         theorySuperadditivity},
        {{"theory relu-vs-softmax",
          {"theory relu-vs-softmax [options]"},
          "normalised-ReLU time (closed form) against softmax, near-orthogonal starts\n",
          {kN.byDefault("10"), kBeta.byDefault("3"),
           kRho1.in({0, 1, true, true}).rangeText("").byDefault("0.99"),
           OptionSpec("--rho0", "LIST", K::NumberList, "starting pairwise cosines")
               .rangeText("(0, rho1)")
               .byDefault("0.1,0.001,0.000001")},
          {}},
         theoryReluVsSoftmax},
        {{"theory rates",
          {"theory rates [options]"},
          "linear clustering rate lambda at rho = 1, d(1-rho)/dt = -lambda (1-rho)\n",
          {kN.byDefault("16"), kBeta.byDefault("1"), kHeads.byDefault("1:1"),
           kernelOption(true).byDefault("all")},
          {}},
         theoryRates},
        {{"theory entropy",
          {"theory entropy [options]"},
          "attention entropy S(rho) and dS/drho of one softmax head\n",
          {kN.byDefault("10"), kBeta.byDefault("3"),
           OptionSpec("--a", "A", K::Number, "head strength a = b").in(kStrengthRange).byDefault("1"),
           OptionSpec("--rho", "LIST", K::NumberList, "pairwise cosines")
               .rangeText("[-1/(n-1), 1]")
               .byDefault("0,0.3,0.6,0.9,0.99")},
          {}},
         theoryEntropy},
        {{"theory long-context",
          {"theory long-context [options]"},
          "output cosine after one softmax layer at beta = gamma log n\n",
          {OptionSpec("--rho", "R", K::Number, "pairwise cosine of the input")
               .in({0, 1, true, true})
               .byDefault("0.5"),
           OptionSpec("--gamma", "LIST", K::NumberList, "gamma = beta / log n")
               .in({0, 100, true, false})
               .byDefault("1,2,3"),
           OptionSpec("--n", "LIST", K::IntegerList, "numbers of tokens")
               .in({2, 1e9})
               .byDefault("100,1000,10000,100000")},
          {}},
         theoryLongContext},
        {{"theory threshold",
          {"theory threshold [options]"},
          "smallest beta with T(rho0 -> rho1) >= target (bisection; assumes T grows with beta)\n",
          {kN.byDefault("32"), kRho0.byDefault("0"), kRho1.byDefault("0.999"),
           OptionSpec("--target", "T", K::Number, "clustering time to reach")
               .in({0, 1e6, true, false})
               .byDefault("10"),
           kernelOption(false).byDefault("softmax"), kHeads.byDefault("1:1"),
           OptionSpec("--lo", "B", K::Number, "lower end of the beta search")
               .in(kBetaRange)
               .byDefault("0.01"),
           OptionSpec("--hi", "B", K::Number, "upper end of the beta search")
               .rangeText("(lo, 1000]")
               .byDefault("50")},
          {}},
         theoryThreshold},
    };
    return list;
}

// The theory's introduction; its kernel list (a scenario's "kernel", theory's --kernel) comes from the
// kernel table, one line per kernel with its description.
std::string theoryIntro() {
    std::string text =
        "Predictions of the equiangular model (doc/MODEL.md §8): all tokens at pairwise cosine\n"
        "rho, scalar heads M_h = a_h I, V_h = b_h I. Lists are comma-separated; heads are A:B pairs\n"
        "(A alone means B = A). Kernels (a scenario's \"kernel\", theory's --kernel):\n";
    for (const core::KernelInfo& k : core::kernelTable()) {
        std::string name(k.name);
        name.resize(std::max<std::size_t>(name.size() + 2, 20), ' ');
        text += "    " + name + std::string(k.description) + "\n";
    }
    return text;
}

std::string topicNames() {
    std::string names;
    for (const auto& t : topics()) names += (names.empty() ? "" : ", ") + t.spec.name.substr(7);
    return names;
}

// Every topic with its options, indented under `indent` spaces.
std::string topicsHelp(int indent) {
    std::string out;
    const std::string pad(static_cast<std::size_t>(indent), ' ');
    for (const auto& t : topics()) {
        out += pad + t.spec.name + "  " + t.spec.description;
        out += optionsHelp(t.spec.options, indent + 4);
    }
    return out;
}

int theoryCommand(const std::vector<std::string>& args) {
    const std::string names = topicNames();
    if (args.empty() || args.front() == "--help" || args.front() == "-h") {
        if (args.empty()) usage("missing TOPIC (one of " + names + ")");
        std::fputs(
            ("Usage: attnsphere theory TOPIC [options]\n\n" + theoryIntro() + "\nTopics:\n" + topicsHelp(2))
                .c_str(),
            stdout);
        return kExitOk;
    }
    for (const auto& t : topics()) {
        if (t.spec.name.substr(7) != args.front()) continue;
        const ParsedOptions p(t.spec, std::vector<std::string>(args.begin() + 1, args.end()));
        if (p.helpRequested()) {
            std::fputs(helpText(t.spec).c_str(), stdout);
            return kExitOk;
        }
        noPositionals(p, t.spec.name);
        return t.run(p);
    }
    usage("unknown topic '" + args.front() + "' (one of " + names + ")");
}

std::string overviewHelp(const CommandSpec& gui, const CommandSpec& render, const CommandSpec& lectures,
                         const std::vector<const CommandSpec*>& others) {
    std::string out = "attnsphere - transformer self-attention as particles on the unit sphere\n\nUsage:\n";
    out += "  attnsphere                                   open the main window on the default scenario\n";
    std::vector<const CommandSpec*> listed{&gui, &runSpec(), &render, &presetsSpec(), &lectures};
    listed.insert(listed.end(), others.begin(), others.end());
    for (const auto* spec : listed)
        for (const auto& line : spec->usage) out += "  attnsphere " + line + "\n";
    out += "  attnsphere theory TOPIC [options]\n  attnsphere --help | --version\n";
    out += "  attnsphere COMMAND --help                    one command's options in full\n";
    out += "\nMain window (GUI) options:\n" + optionsHelp(gui.options);
    out += "\nrun: " + runSpec().description + optionsHelp(runSpec().options);
    out +=
        "\nrender: offline video of a scenario (mp4, webm, gif or a PNG directory), identical every time; "
        "options:\n";
    std::string line = " ";
    for (const auto& o : render.options) {
        if (o.hidden) continue;
        const std::string item = " " + o.name + (o.valueName.empty() ? "" : " " + o.valueName) + ",";
        if (line.size() + item.size() > 100) {
            out += line + "\n";
            line = " ";
        }
        line += item;
    }
    line.back() = '.';
    out += line + "\n  Details: attnsphere render --help\n";
    out += "\npresets: " + presetsSpec().description;
    out += "\nlectures: " + lectures.description;
    for (const auto* spec : others)
        out += "\n" + spec->name + ": " + spec->description + optionsHelp(spec->options);
    out += "\ntheory: " + theoryIntro() + topicsHelp(2);
    out += "\n" + exitCodesHelp("run leaves no output; render finalises the frames rendered so far");
    return out;
}

}  // namespace

const CommandSpec& runCommandSpec() {
    return runSpec();
}

std::vector<const CommandSpec*> theoryCommandSpecs() {
    std::vector<const CommandSpec*> out;
    for (const auto& t : topics()) out.push_back(&t.spec);
    return out;
}

bool isCommandLineInvocation(int argc, char** argv) {
    if (argc <= 1) return false;
    const std::string_view first = argv[1];
    if (first == "--help" || first == "-h" || first == "--version") return true;
    // Other options ("--scenario", Qt's "-platform") belong to the main window; a word is a command.
    return first.empty() || first[0] != '-';
}

int runCommandLine(int argc, char** argv, const CommandSpec& gui, const CommandSpec& render,
                   const CommandSpec& lectures, const std::vector<const CommandSpec*>& others) {
    const std::vector<std::string> all(argv, argv + argc);
    const std::string command = argc > 1 ? all[1] : "";
    const std::vector<std::string> rest(all.begin() + std::min<std::ptrdiff_t>(2, argc), all.end());
    return runReportingErrors(command, [&]() -> int {
        if (command == "--help" || command == "-h" || command == "help") {
            std::fputs(overviewHelp(gui, render, lectures, others).c_str(), stdout);
            return kExitOk;
        }
        if (command == "--version") {
            std::printf("attnsphere %s\n", ATTNSPHERE_VERSION);
            return kExitOk;
        }
        if (command == "theory") return theoryCommand(rest);
        for (const auto* spec : {&runSpec(), &presetsSpec()}) {
            if (command != spec->name) continue;
            if (ParsedOptions(*spec, rest).helpRequested()) {
                std::fputs(helpText(*spec).c_str(), stdout);
                return kExitOk;
            }
            return command == "run" ? runCommand(rest, all) : presetsCommand(rest);
        }
        std::string names = "run, render, presets, theory, lectures";
        for (const auto* spec : others) names += ", " + spec->name;
        usage("unknown command '" + command + "' (commands: " + names + "; see --help)");
    });
}

}  // namespace attnsphere::app
