// The sweep runner: any number of worker threads gives byte-identical output files; an abort keeps the
// finished shards and a second run computes only the rest, ending with the files of an uninterrupted run;
// a different sweep in the same folder is refused unless asked to start afresh; without a folder nothing
// is written and the result is the same.
#include "app/SweepRunner.h"
#include "core/Errors.h"

#include <QTemporaryDir>
#include <QtTest>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <iterator>

using namespace attnsphere;

namespace {

// Three beta values, 5 starts in shards of 2 (3 shards per point, the last one short): 9 shards of
// small runs that still take long enough for an abort to land between them.
nlohmann::json tinySweep() {
    return nlohmann::json::parse(R"({
      "format": "attnsphere-sweep", "version": 1, "name": "tiny",
      "base": {"n": 12, "d": 4, "beta": 1, "kernel": "softmax", "geometry": "sphere",
               "integrator": {"method": "rk4", "dt": 0.05}, "t_end": 4,
               "heads": {"kind": "identity", "count": 1, "value": "M"}, "init": {"kind": "uniform"}},
      "axes": [{"field": "beta", "from": 0.5, "to": 4.5, "count": 3}],
      "starts": 5, "seed": 11, "checkpoints": {"to": 4, "every": 0.5}, "starts_per_shard": 2
    })");
}

std::string readFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// metadata.json without its "run" record (command line, threads, timings differ between runs).
nlohmann::json metadataWithoutRun(const std::string& dir) {
    nlohmann::json j = nlohmann::json::parse(readFile(dir + "/metadata.json"));
    j.erase("run");
    return j;
}

void compareOutputs(const std::string& a, const std::string& b) {
    for (const char* name : {"sweep.npy", "cluster_counts.npy", "sweep.csv"}) {
        const std::string x = readFile(a + "/" + name), y = readFile(b + "/" + name);
        QVERIFY2(!x.empty(), name);
        QVERIFY2(x == y, name);
    }
    QCOMPARE(metadataWithoutRun(a), metadataWithoutRun(b));
}

int shardFiles(const std::string& dir) {
    int count = 0;
    const auto shards = std::filesystem::path(core::shardPath(dir, 0)).parent_path();
    for (const auto& entry : std::filesystem::directory_iterator(shards))
        if (entry.path().filename().string().rfind("shard-", 0) == 0) ++count;
    return count;
}

app::SweepRunReport run(const core::Sweep& sweep, const std::string& dir, int threads) {
    app::SweepRunOptions options;
    options.outDir = dir;
    options.threads = threads;
    return app::runSweep(sweep, options, {"test"});
}

}  // namespace

class TestSweepRunner : public QObject {
    Q_OBJECT

private slots:
    void threadCountsGiveIdenticalFiles() {
        const core::Sweep sweep = core::Sweep::fromJson(tinySweep());
        QCOMPARE(sweep.shardCount(), 9LL);
        QTemporaryDir tmp;
        const std::string base = tmp.path().toStdString();
        for (int threads : {1, 2, 3}) {
            const std::string dir = base + "/t" + std::to_string(threads);
            const app::SweepRunReport r = run(sweep, dir, threads);
            QVERIFY(r.complete);
            QVERIFY(r.root);
            QCOMPARE(r.total, 9LL);
            QCOMPARE(r.computed, 9LL);
            QCOMPARE(r.skipped, 0LL);
            QCOMPARE(r.threads, threads);
            QCOMPARE(shardFiles(dir), 9);
            const nlohmann::json info = nlohmann::json::parse(readFile(dir + "/metadata.json"))["run"];
            QCOMPARE(info["threads"].get<int>(), threads);
            QCOMPARE(info["shards_computed"].get<long long>(), 9LL);
        }
        compareOutputs(base + "/t1", base + "/t2");
        compareOutputs(base + "/t1", base + "/t3");
        // Run again on a complete folder: nothing computed, the same files.
        const app::SweepRunReport again = run(sweep, base + "/t2", 2);
        QVERIFY(again.complete);
        QCOMPARE(again.computed, 0LL);
        QCOMPARE(again.skipped, 9LL);
        compareOutputs(base + "/t1", base + "/t2");
    }

    void abortKeepsShardsAndResumes() {
        const core::Sweep sweep = core::Sweep::fromJson(tinySweep());
        QTemporaryDir tmp;
        const std::string whole = tmp.path().toStdString() + "/whole",
                          cut = tmp.path().toStdString() + "/cut";
        QVERIFY(run(sweep, whole, 1).complete);

        std::atomic<bool> abort{false};
        std::vector<app::SweepProgress> seen;
        app::SweepRunOptions options;
        options.outDir = cut;
        options.threads = 1;
        options.abort = &abort;
        options.progress = [&](const app::SweepProgress& p) {
            seen.push_back(p);
            if (p.shardsDone >= 3) abort.store(true);
        };
        const app::SweepRunReport first = app::runSweep(sweep, options);
        QVERIFY(!first.complete);
        QVERIFY2(first.computed >= 3 && first.computed < 9, std::to_string(first.computed).c_str());
        QCOMPARE(shardFiles(cut), static_cast<int>(first.computed));
        QVERIFY(!std::filesystem::exists(cut + "/sweep.npy"));
        // Progress: counts only grow, and once a shard is measured the ETA is known.
        QVERIFY(seen.size() >= 3);
        for (std::size_t i = 1; i < seen.size(); ++i) QVERIFY(seen[i].shardsDone >= seen[i - 1].shardsDone);
        QVERIFY(seen.back().etaSeconds > 0);

        abort.store(false);
        options.progress = nullptr;
        options.threads = 2;
        const app::SweepRunReport second = app::runSweep(sweep, options);
        QVERIFY(second.complete);
        QCOMPARE(second.skipped, first.computed);
        QCOMPARE(second.computed, 9 - first.computed);
        compareOutputs(whole, cut);
        const nlohmann::json info = nlohmann::json::parse(readFile(cut + "/metadata.json"))["run"];
        QCOMPARE(info["shards_skipped"].get<long long>(), first.computed);
    }

    void changedSweepIsRefusedUnlessForcedNew() {
        QTemporaryDir tmp;
        const std::string dir = tmp.path().toStdString() + "/out";
        QVERIFY(run(core::Sweep::fromJson(tinySweep()), dir, 2).complete);
        nlohmann::json changed = tinySweep();
        changed["starts"] = 4;
        const core::Sweep other = core::Sweep::fromJson(changed);
        try {
            run(other, dir, 2);
            QFAIL("a different sweep in the folder was accepted");
        } catch (const core::ValidationError& e) {
            QVERIFY2(QString(e.what()).contains("starts"), e.what());
        }
        app::SweepRunOptions options;
        options.outDir = dir;
        options.threads = 2;
        options.forceNew = true;
        const app::SweepRunReport fresh = app::runSweep(other, options);
        QVERIFY(fresh.complete);
        QCOMPARE(fresh.skipped, 0LL);
        QCOMPARE(fresh.computed, other.shardCount());
        QCOMPARE(shardFiles(dir), static_cast<int>(other.shardCount()));
    }

    void withoutFolderNothingIsWritten() {
        const core::Sweep sweep = core::Sweep::fromJson(tinySweep());
        QTemporaryDir tmp;
        const app::SweepRunReport onDisk = run(sweep, tmp.path().toStdString() + "/out", 1);
        const auto before =
            std::distance(std::filesystem::directory_iterator(std::filesystem::current_path()),
                          std::filesystem::directory_iterator());
        app::SweepRunOptions options;
        options.threads = 3;
        const app::SweepRunReport inMemory = app::runSweep(sweep, options);
        QVERIFY(inMemory.complete);
        QCOMPARE(inMemory.computed, 9LL);
        QCOMPARE(std::distance(std::filesystem::directory_iterator(std::filesystem::current_path()),
                               std::filesystem::directory_iterator()),
                 before);
        QCOMPARE(inMemory.result.shape, onDisk.result.shape);
        QCOMPARE(inMemory.result.columns, onDisk.result.columns);
        QVERIFY(inMemory.result.values == onDisk.result.values);
        QVERIFY(inMemory.result.clusterCounts == onDisk.result.clusterCounts);
    }
};

QTEST_GUILESS_MAIN(TestSweepRunner)
#include "test_sweep_runner.moc"
