#!/usr/bin/python3
"""A sweep's statistics equal those of the individual runs it stands for.

A tiny sweep (two axes, one categorical) is run with `attnsphere sweep`; then every grid point and start
is written out with `sweep FILE --scenario POINT:START`, simulated with `attnsphere run`, and the
statistics are recomputed from its series.csv and positions.npy at the checkpoint times: means over the
starts, the median and the histogram of the cluster count. Usage: sweep_runs.py --exe build/release/attnsphere
"""
import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

SWEEP = {
    "format": "attnsphere-sweep", "version": 1, "name": "cli-tiny",
    "base": {"n": 8, "d": 3, "beta": 1, "kernel": "softmax", "geometry": "sphere",
             "integrator": {"method": "rk4", "dt": 0.05}, "t_end": 2,
             "heads": {"kind": "identity", "count": 1, "value": "M"}, "init": {"kind": "uniform"}},
    "axes": [{"field": "beta", "values": [0.5, 4]}, {"field": "kernel", "values": ["softmax", "exp"]}],
    "starts": 3, "seed": 5, "checkpoints": {"to": 2, "every": 0.5}, "starts_per_shard": 2,
}
EVERY = 10  # steps between published frames: 0.5 / dt, so every checkpoint is a published frame


def run(exe, *args):
    p = subprocess.run([exe, *args], capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"{' '.join(args)}: exit {p.returncode}\n{p.stderr}")
    return p.stdout


def statistics_of_run(exe, scenario_json, out, checkpoints):
    """Per checkpoint: the six statistics of one run, from its exported files."""
    with open(out + ".json", "w") as f:
        f.write(scenario_json)
    run(exe, "run", out + ".json", "--out", out, "--every", str(EVERY), "--threads", "1", "--quiet")
    with open(os.path.join(out, "series.csv")) as f:
        rows = list(csv.DictReader(f))
    positions = np.load(os.path.join(out, "positions.npy"))
    stats = []
    for t in checkpoints:
        k = min(range(len(rows)), key=lambda i: abs(float(rows[i]["t"]) - t))
        if abs(float(rows[k]["t"]) - t) > 1e-9:
            sys.exit(f"{out}: no frame at t = {t}")
        row, x = rows[k], positions[k]
        eigen = np.linalg.eigvalsh(x.T @ x)
        stats.append({
            "clustered_fraction": float(row["clustered_pair_fraction"]),
            "cluster_count": float(row["cluster_count"]),
            "effective_dimension": float(np.count_nonzero(eigen > 1e-3)),
            "mean_cosine": float(row["mean_cosine"]),
            "energy": float(row["E_total"]),
            "entropy": float(row["entropy_mean_h1"]),
        })
    return stats


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--exe", required=True)
    exe = parser.parse_args().exe
    with tempfile.TemporaryDirectory() as tmp:
        sweep_file = os.path.join(tmp, "tiny.json")
        with open(sweep_file, "w") as f:
            json.dump(SWEEP, f)
        out = os.path.join(tmp, "out")
        run(exe, "sweep", sweep_file, "--out", out, "--threads", "2", "--quiet")
        meta = json.load(open(os.path.join(out, "metadata.json")))
        columns, checkpoints = meta["columns"], meta["checkpoints"]
        table = np.load(os.path.join(out, "sweep.npy"))
        counts = np.load(os.path.join(out, "cluster_counts.npy"))
        betas, kernels = SWEEP["axes"][0]["values"], SWEEP["axes"][1]["values"]
        assert table.shape == (len(betas), len(kernels), len(checkpoints), len(columns)), table.shape

        # sweep.csv holds the same numbers as sweep.npy, one row per point, checkpoint and statistic.
        with open(os.path.join(out, "sweep.csv")) as f:
            long_rows = list(csv.DictReader(f))
        assert len(long_rows) == table.size, (len(long_rows), table.size)
        for r in long_rows:
            i, j = betas.index(float(r["beta"])), kernels.index(r["kernel"])
            c = min(range(len(checkpoints)), key=lambda k: abs(checkpoints[k] - float(r["t"])))
            assert float(r["value"]) == table[i, j, c, columns.index(r["statistic"])], r

        compared = 0
        for i in range(len(betas)):
            for j in range(len(kernels)):
                point = i * len(kernels) + j
                per_start = []
                for s in range(SWEEP["starts"]):
                    text = run(exe, "sweep", sweep_file, "--scenario", f"{point}:{s}")
                    scenario = json.loads(text)
                    assert scenario["beta"] == betas[i] and scenario["kernel"] == kernels[j], scenario
                    per_start.append(statistics_of_run(exe, text, os.path.join(tmp, f"run-{point}-{s}"),
                                                       checkpoints))
                for c in range(len(checkpoints)):
                    expected = {}
                    for name in per_start[0][c]:
                        values = [st[c][name] for st in per_start]
                        expected[name] = float(np.mean(values))
                        if name == "cluster_count":
                            expected["cluster_count_mean"] = expected.pop(name)
                            expected["cluster_count_median"] = float(np.median(values))
                            histogram = np.bincount(np.array(values, dtype=int), minlength=counts.shape[-1])
                            assert (counts[i, j, c] == histogram).all(), (point, c, counts[i, j, c], histogram)
                    for k, name in enumerate(columns):
                        got, want = table[i, j, c, k], expected[name]
                        # Means are summed in another order here: equal to the last few bits.
                        assert abs(got - want) <= 1e-12 * max(1.0, abs(want)), (point, c, name, got, want)
                        compared += 1
        print(f"sweep_runs: {compared} statistics of {len(betas) * len(kernels)} points x "
              f"{SWEEP['starts']} starts equal those of the individual runs")


if __name__ == "__main__":
    main()
