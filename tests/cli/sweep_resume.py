#!/usr/bin/python3
"""Resuming a sweep after a real SIGINT and a SIGKILL gives the files of an uninterrupted run.

The sweep is run once uninterrupted; then again into another folder, interrupted with SIGINT once a few
shards are kept (exit 130, the "interrupted: K of N shards kept" message, K shard files, no results),
resumed and killed with SIGKILL, and resumed to the end: sweep.npy, cluster_counts.npy and sweep.csv are
byte-identical to the uninterrupted run's, metadata.json too apart from its "run" record.
Usage: sweep_resume.py --exe build/release/attnsphere
"""
import argparse
import glob
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

SWEEP = {
    "format": "attnsphere-sweep", "version": 1, "name": "cli-resume",
    "base": {"n": 32, "d": 8, "beta": 1, "kernel": "softmax", "geometry": "sphere",
             "integrator": {"method": "euler", "dt": 0.1}, "t_end": 40,
             "heads": {"kind": "identity", "count": 1, "value": "M"}, "init": {"kind": "uniform"}},
    "axes": [{"field": "beta", "from": 0.5, "to": 6, "count": 12}],
    "starts": 32, "seed": 3, "checkpoints": {"to": 40, "every": 1}, "starts_per_shard": 8,
}
SHARDS = 48
OUTPUTS = ("sweep.npy", "cluster_counts.npy", "sweep.csv")


def shard_files(out):
    return sorted(glob.glob(os.path.join(out, "shards", "shard-*.bin")))


def start(exe, sweep_file, out):
    return subprocess.Popen([exe, "sweep", sweep_file, "--out", out, "--threads", "1", "--quiet"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for_shards(proc, out, count, timeout=300):
    deadline = time.time() + timeout
    while len(shard_files(out)) < count:
        if proc.poll() is not None:
            sys.exit(f"the sweep ended before {count} shards were kept: exit {proc.returncode}\n"
                     f"{proc.stderr.read()}")
        if time.time() > deadline:
            proc.kill()
            sys.exit(f"no {count} shards within {timeout} s")
        time.sleep(0.02)


def read(path):
    with open(path, "rb") as f:
        return f.read()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--exe", required=True)
    exe = parser.parse_args().exe
    with tempfile.TemporaryDirectory() as tmp:
        sweep_file = os.path.join(tmp, "resume.json")
        with open(sweep_file, "w") as f:
            json.dump(SWEEP, f)
        whole, cut = os.path.join(tmp, "whole"), os.path.join(tmp, "cut")
        t0 = time.time()
        p = start(exe, sweep_file, whole)
        _, err = p.communicate()
        assert p.returncode == 0, err
        print(f"uninterrupted: {time.time() - t0:.1f} s")

        # SIGINT: the finished shards are kept and said so; no result files.
        p = start(exe, sweep_file, cut)
        wait_for_shards(p, cut, 3)
        p.send_signal(signal.SIGINT)
        _, err = p.communicate(timeout=60)
        assert p.returncode == 130, (p.returncode, err)
        m = re.search(r"interrupted: (\d+) of (\d+) shards kept in (.*); run the same command again to resume",
                      err)
        assert m, err
        kept = int(m.group(1))
        assert int(m.group(2)) == SHARDS and m.group(3) == cut, err
        assert 3 <= kept < SHARDS, kept
        assert len(shard_files(cut)) == kept, (len(shard_files(cut)), kept)
        assert not any(os.path.exists(os.path.join(cut, name)) for name in OUTPUTS)
        print(f"SIGINT: exit 130, {kept} of {SHARDS} shards kept")

        # SIGKILL while resuming: no chance to tidy up; what was written stays usable.
        p = start(exe, sweep_file, cut)
        wait_for_shards(p, cut, kept + 3)
        p.kill()
        p.communicate()
        killed = len(shard_files(cut))
        assert kept + 3 <= killed < SHARDS, killed
        print(f"SIGKILL: {killed} shards on disk")

        p = start(exe, sweep_file, cut)
        _, err = p.communicate()
        assert p.returncode == 0, err
        for name in OUTPUTS:
            assert read(os.path.join(whole, name)) == read(os.path.join(cut, name)), name
        meta = [json.load(open(os.path.join(d, "metadata.json"))) for d in (whole, cut)]
        runs = [m.pop("run") for m in meta]
        assert meta[0] == meta[1]
        assert runs[1]["shards_skipped"] == killed and runs[1]["shards_computed"] + runs[1][
            "shards_skipped"] == SHARDS, runs[1]
        print(f"resumed: {runs[1]['shards_skipped']} kept, {runs[1]['shards_computed']} computed; "
              "outputs identical to the uninterrupted run")


if __name__ == "__main__":
    main()
