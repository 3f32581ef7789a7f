#include "render/SweepCommand.h"

#include "app/Interrupt.h"
#include "app/ProgressBar.h"
#include "app/SweepMpi.h"
#include "app/SweepRunner.h"
#include "core/Errors.h"
#include "core/Sweep.h"
#include "render/DisplayStyle.h"
#include "render/PhasePlot.h"
#include "render/RenderCommand.h"
#include "render/RenderOptions.h"
#include "render/Theme.h"

#include <QApplication>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

namespace attnsphere::render {

namespace {

using app::OptionKind;
using app::OptionSpec;

const app::CommandSpec& spec() {
    static const app::CommandSpec command{
        "sweep",
        {"sweep SWEEP|PRESET --out DIR [--threads N] [--quiet] [--force-new]",
         "sweep SWEEP|PRESET --scenario POINT:START"},
        "Runs a sweep (a sweep file, doc/SWEEPS.md, or a built-in one: `attnsphere sweeps`): every grid "
        "point\n"
        "from each of its random starts, statistics at each checkpoint, and writes, in DIR,\n"
        "  sweep.npy, cluster_counts.npy, sweep.csv, metadata.json   the statistics (doc/SWEEPS.md)\n"
        "  phase.png, phase.pdf   the phase diagram: t across, the swept parameter up, the theory curve\n"
        "  sweep.json, shards/    the sweep and its finished shards, for resuming\n"
        "Finished shards are kept as they complete: after Ctrl-C or a crash, the same command resumes\n"
        "where it stopped. DIR holding a different sweep is refused, naming the difference (--force-new\n"
        "starts afresh). Started by `mpirun -np K` (or srun), the shards are shared among the K processes\n"
        "and rank 0 writes; the results are the same for any number of processes and threads.\n"
        "--scenario prints the scenario of one grid point and start (points in row-major order of the\n"
        "axes, from 0): `attnsphere run` of it reproduces that start exactly.\n",
        {OptionSpec("--out", "DIR", OptionKind::Text, "output directory (created if needed), required"),
         app::threadsOption()
             .helpText("worker threads, each computing one shard at a time")
             .defaultText("all cores, shared among the processes on one machine"),
         app::quietOption(),
         OptionSpec("--force-new", "", OptionKind::Flag,
                    "forget the sweep and shards recorded in DIR and start afresh"),
         themeOption().helpText("the figures' look: dark (the app's) or light (for papers and slides)"),
         OptionSpec("--scenario", "POINT:START", OptionKind::Text,
                    "print the scenario JSON of grid point POINT, start START, and exit")},
        app::exitCodesHelp("the finished shards are kept in DIR/shards; the same command resumes")};
    return command;
}

const app::CommandSpec& listSpec() {
    static const app::CommandSpec command{
        "sweeps",
        {"sweeps"},
        "Lists the built-in sweep files (name and one-line description). A sweep name can be used\n"
        "wherever a sweep file is accepted (`attnsphere sweep NAME --out DIR`).\n",
        {},
        {}};
    return command;
}

[[noreturn]] void usage(const std::string& message) {
    throw core::ValidationError("", message);
}

int printScenario(const std::string& source, const std::string& text) {
    const core::Sweep sweep = core::Sweep::load(source);
    const auto colon = text.find(':');
    if (colon == std::string::npos) usage("--scenario: expected POINT:START, got '" + text + "'");
    const long long point = app::parseInteger("--scenario", text.substr(0, colon),
                                              {0, static_cast<double>(sweep.pointCount() - 1)});
    const long long start =
        app::parseInteger("--scenario", text.substr(colon + 1), {0, static_cast<double>(sweep.starts - 1)});
    std::printf("%s\n", sweep.scenarioAt(point, static_cast<int>(start)).toJson().dump(2).c_str());
    return app::kExitOk;
}

std::string progressDetail(const app::SweepProgress& p) {
    std::string detail = std::to_string(p.shardsDone) + "/" + std::to_string(p.shardsTotal) + " shards";
    if (p.shardsSkipped > 0) detail += " (" + std::to_string(p.shardsSkipped) + " kept)";
    return detail;
}

// The phase figure is drawn by widgets into files: a QApplication on Qt's offscreen platform.
void writeFigures(const std::string& out, const core::Sweep& sweep, const core::SweepResult& result,
                  const app::ParsedOptions& p, char* program) {
    useOffscreenQt();
    int qtArgc = 1;
    char* qtArgv[] = {program, nullptr};
    QApplication app(qtArgc, qtArgv);
    setDisplayStyle(displayStyleFrom(p, {}));
    applyTheme(app);
    writePhaseFigures(out, sweep, result);
}

int sweep(const app::ParsedOptions& p, int argc, char** argv, const app::MpiSession* mpi) {
    if (p.positional().empty()) usage("missing SWEEP|PRESET (a sweep file or a built-in sweep's name)");
    if (p.positional().size() > 1) usage("unexpected argument '" + p.positional()[1] + "'");
    const std::string source = p.positional().front();
    if (p.has("--scenario")) return printScenario(source, p.text("--scenario"));
    if (p.text("--out").empty()) usage("--out DIR is required");
    const std::string out = p.text("--out");
    std::error_code ec;
    if (std::filesystem::exists(out, ec) && !std::filesystem::is_directory(out, ec))
        usage("--out: '" + out + "' exists and is not a directory");
    if (!app::mpiBuilt() && app::startedByMpirun())
        usage(
            "started by mpirun, but this attnsphere was built without MPI (every process would run the "
            "whole sweep): run it without mpirun, or build with MPI");
    const bool quiet = p.has("--quiet");
    const bool root = !mpi || mpi->root();

    const app::InterruptGuard guard;
    // A sweep file's errors already start with its name (core::Sweep::fromFile).
    const core::Sweep sweep = app::loadSweepOnAllRanks(source);
    app::ProgressBar bar("sweep", quiet || !root);
    app::SweepRunOptions options;
    options.outDir = out;
    options.threads = p.has("--threads") ? static_cast<int>(p.integer("--threads")) : 0;
    options.abort = &app::InterruptGuard::flag();
    options.forceNew = p.has("--force-new");
    options.progress = [&](const app::SweepProgress& s) {
        bar.update(static_cast<double>(s.shardsDone) / static_cast<double>(std::max(1LL, s.shardsTotal)),
                   progressDetail(s), s.shardsDone == s.shardsTotal, s.etaSeconds);
    };
    app::SweepRunReport report;
    try {
        report = app::runSweep(sweep, options, std::vector<std::string>(argv, argv + argc));
    } catch (...) {
        bar.finish();
        throw;
    }
    bar.finish();
    if (!report.root)
        return report.complete                      ? app::kExitOk
               : app::InterruptGuard::interrupted() ? app::InterruptGuard::exitCode()
                                                    : app::kExitFailure;
    if (!report.complete) {
        // Not interrupted here: another MPI rank was, and stopped before its share was done.
        const bool here = app::InterruptGuard::interrupted();
        std::fprintf(stderr, "%s: %lld of %lld shards kept in %s; run the same command again to resume\n",
                     here ? "interrupted" : "another process was interrupted",
                     report.skipped + report.computed, report.total, out.c_str());
        return here ? app::InterruptGuard::exitCode() : app::kExitFailure;
    }
    writeFigures(out, sweep, report.result, p, argv[0]);
    if (!quiet)
        std::printf(
            "sweep \"%s\": %lld points x %d starts, %zu checkpoints; %lld shards (%lld computed, %lld kept) "
            "on %d process%s x %d thread%s in %.1f s; wrote %s\n",
            sweep.name.c_str(), sweep.pointCount(), sweep.starts, sweep.checkpoints.size(), report.total,
            report.computed, report.skipped, report.ranks, report.ranks == 1 ? "" : "es", report.threads,
            report.threads == 1 ? "" : "s", report.seconds, out.c_str());
    return app::kExitOk;
}

}  // namespace

const app::CommandSpec& sweepCommandSpec() {
    return spec();
}

const app::CommandSpec& sweepsCommandSpec() {
    return listSpec();
}

int runSweepCommand(int argc, char** argv) {
    const std::vector<std::string> args(argv + std::min(argc, 2), argv + argc);
    // MPI only for this command, and only when mpirun started the program.
    const app::MpiSession session;
    const app::MpiSession* mpi = app::MpiSession::current();
    const bool root = !mpi || mpi->root();
    return app::runReportingErrors(
        "sweep",
        [&] {
            try {
                const app::ParsedOptions p(spec(), args);
                if (p.helpRequested()) {
                    if (root) std::fputs(app::helpText(spec()).c_str(), stdout);
                    return app::kExitOk;
                }
                return sweep(p, argc, argv, mpi);
            } catch (const app::StoppedByRoot& e) {
                return e.exitCode;
            }
        },
        !root);
}

int runSweepsCommand(int argc, char** argv) {
    const std::vector<std::string> args(argv + std::min(argc, 2), argv + argc);
    return app::runReportingErrors("sweeps", [&] {
        const app::ParsedOptions p(listSpec(), args);
        if (p.helpRequested()) {
            std::fputs(app::helpText(listSpec()).c_str(), stdout);
            return app::kExitOk;
        }
        if (!p.positional().empty())
            usage("unexpected argument '" + p.positional().front() + "' for 'sweeps'");
        const auto list = core::sweepPresetList();
        std::size_t width = 0;
        for (const auto& s : list) width = std::max(width, s.name.size());
        for (const auto& s : list)
            std::printf("%-*s  %s\n", static_cast<int>(width), s.name.c_str(), s.description.c_str());
        return app::kExitOk;
    });
}

}  // namespace attnsphere::render
