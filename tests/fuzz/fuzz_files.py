#!/usr/bin/env python3
"""Fuzzer for scenario, session, comparison, lecture, sweep and polarisation files, driving the built `attnsphere` binary.

Mutates the built-in presets (and sessions, comparisons and lectures built from them): type changes, NaN/Infinity literals,
numbers beyond a double, huge integers, values just inside and outside the documented limits, deep
nesting, garbage bytes, truncation, huge arrays, missing and unknown keys. Every case must end in one
of these ways, or the fuzzer fails:
  exit 0  every output file is complete and holds only finite numbers;
  exit 1  a runtime failure with a numerical message on stderr (overflow, non-finite, NaN, ...);
  exit 2  a refusal whose stderr names a field (a JSON path) or a line and column;
  128+s   only after the fuzzer itself sent signal s (a case over its time limit gets SIGINT).
No crash, no library message ("json.exception", "terminate called"), no output left by a failed run.

Usage: fuzz_files.py --exe PATH [--seed N] [--budget SECONDS] [--cases N] [--case-timeout SECONDS] [--keep DIR]
The seed fixes the sequence of cases; the budget bounds the wall time (the number of cases varies
with the machine) and --cases the number of cases. Sessions go through `attnsphere render --session` and
comparisons through `attnsphere render --compare`, which need an X display or Xvfb; lectures through
`attnsphere lectures --check` (exit 0 or 2 only); sweeps through `attnsphere sweep` (a failed sweep may
keep its finished shards, nothing else); polarisation files (the value-softmax model) through `attnsphere run`.
"""
import argparse
import copy
import glob
import json
import math
import os
import random
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# Values near the documented limits (doc/SCENARIOS.md, core/Scenario.h Limits) and classic trouble.
EDGE_NUMBERS = [0, -0.0, 1, -1, 2, 1e-6, 9.99e-7, 1e-12, 5e-324, 10, 10.000001, 64, 65, 100, 100.5, 1000,
                1000.0001, 4096, 4097, 20000, 20001, 1e6, 1e6 + 1, 1e9, 1e300, -1e300, 0.5, 2.5, 1e-300,
                2**31 - 1, 2**31, 2**32, 2**32 + 1, 2**53 + 1, 2**63 - 1, 2**63, 2**64 - 1, -2**31, -2**63]
# Spelled as text so that the JSON carries them verbatim.
EDGE_LITERALS = ["NaN", "Infinity", "-Infinity", "nan", "inf", "1e400", "-1e400", "1e-400",
                 "18446744073709551616", "-9223372036854775809", "1" + "0" * 400, "4294967297",
                 "0x10", "1.", ".5", "01", "+1", "1e", "-"]
# Valid but extreme settings (top-level key, value): the run must then finish with finite numbers or
# report a numerical failure (exit 1).
EXTREMES = [("beta", 1000), ("beta", 300), ("kernel", "exp"), ("kernel", "linear"), ("kernel", "sigmoid"),
            ("kernel", "relu-unnormalised"), ("geometry", "flat"), ("sigmoid_bias", 100),
            ("integrator", {"method": "euler", "dt": 10}), ("integrator", {"method": "rk4", "dt": 5}),
            ("integrator", {"method": "dopri5", "dt": 1, "tolerance": 0.01}),
            ("heads", {"kind": "scalar", "count": 2, "scale": 100}),
            ("heads", {"kind": "gaussian", "count": 3, "scale": 100, "alpha": [100, 0, 50]}),
            ("heads", {"kind": "identity", "count": 1, "value": "-M"}),
            ("heads", {"kind": "goe", "count": 2, "scale": 50, "beta": [1000, 0.001]}),
            ("init", {"kind": "clusters", "clusters": 1, "spread": 0}),
            ("mask", "causal"), ("positional_bias", 1000), ("sinkhorn_iterations", 1000),
            ("normalisation", "pre-ln"), ("normalisation", "peri-ln"), ("normalisation", "ngpt"),
            ("temperature", 100),
            ("heads", {"kind": "spectrum", "count": 2, "spectrum_mean": 100, "spectrum_variance": 100})]


def load_presets(folder="presets"):
    presets = {}
    for path in sorted(glob.glob(os.path.join(ROOT, "resources", folder, "*.json"))):
        with open(path) as f:
            presets[os.path.basename(path)[:-5]] = json.load(f)
    return presets


def small(scenario):
    """Keeps a case cheap: few tokens, low dimension (explicit points and matrices follow n and d)."""
    s = copy.deepcopy(scenario)
    init = s.get("init", {})
    heads = s.get("heads", {})
    if init.get("kind") != "points" and heads.get("kind") != "explicit" and heads.get("value") != "explicit":
        s["n"] = min(s.get("n", 64), 24)
        if init.get("kind") == "equiangular":
            s["d"] = max(s["n"] + 1, min(s.get("d", 3), s["n"] + 1))
    return s


def identity(d):
    return [[1.0 if i == j else 0.0 for j in range(d)] for i in range(d)]


def session_of(scenario, rng):
    """A valid session around a scenario: dt, integrator, camera, model and positions events, a reset.
    Version 3 (snake_case keys, fork and scrub events) mostly; versions 2 and 1 (camelCase keys), which are
    still read, now and then."""
    s = small(scenario)
    version = rng.choice([1, 2, 3, 3])
    key = (lambda snake, camel: camel) if version == 1 else (lambda snake, camel: snake)
    n, d = s.get("n", 64), s.get("d", 3)
    h = s.get("heads", {}).get("count", 1)
    camera = {"position": [0, 0, 4], key("focal_point", "focalPoint"): [0, 0, 0],
              key("view_up", "viewUp"): [0, 1, 0], key("view_angle", "viewAngle"): 30}
    model = {"kernel": s.get("kernel", "softmax"), "beta": 2.0, key("sigmoid_bias", "sigmoidBias"): -1.0,
             "geometry": s.get("geometry", "sphere"),
             "heads": [{"M": identity(d), "V": identity(d), "alpha": 1.0, "beta": None} for _ in range(h)]}
    points = [[1.0 if c == i % d else 0.1 for c in range(d)] for i in range(n)]
    timeline = [{"step": 0, "kind": "camera", "camera": camera},
                {"step": 1, "kind": "dt", "dt": 0.05},
                {"step": 1, "kind": "integrator", "integrator": "euler"},
                {"step": 2, "kind": "model", "model": model},
                {"step": 2, "kind": "positions", "positions": points},
                {"step": 3, "kind": "reset", "scenario": s}]
    if version == 3:
        timeline[5:5] = [{"step": 2, "kind": "scrub", "scrub": {"t": 0.05, "shown_step": 1}},
                         {"step": 2, "kind": "fork", "fork": {"t": 0.1, "dt": 0.05, "step_dt": 0.05,
                                                              "abandoned_step": 3, "positions": points}}]
    rng.shuffle(timeline[1:3])
    return {"format": "attnsphere-session", "version": version, "scenario": s, key("end_step", "endStep"): 2,
            "timeline": timeline}


def paths(value, prefix=()):
    """Every path into a JSON value (dict keys and list indices), the root included."""
    out = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            out += paths(v, prefix + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value[:8]):  # a few items of long arrays are enough
            out += paths(v, prefix + (i,))
    return out


def get(value, path):
    for p in path:
        value = value[p]
    return value


def put(value, path, new):
    if not path:
        return new
    get(value, path[:-1])[path[-1]] = new
    return value


def random_value(rng, depth=0):
    kind = rng.randrange(8 if depth < 2 else 5)
    if kind == 0:
        return rng.choice(EDGE_NUMBERS)
    if kind == 1:
        return rng.choice(["", "x", "softmax", "explicit", "points", "\u00e9\u6f22", "a" * 1000, "rk4"])
    if kind == 2:
        return rng.choice([True, False])
    if kind == 3:
        return None
    if kind == 4:
        return rng.randint(-3, 30)
    if kind == 5:
        return [random_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    if kind == 6:
        return {rng.choice(["n", "d", "kind", "M", "x"]): random_value(rng, depth + 1)}
    return [[random_value(rng, depth + 1) for _ in range(3)] for _ in range(rng.randrange(1, 4))]


def mutate(base, rng):
    """Returns (bytes, description) of one mutated file."""
    doc = copy.deepcopy(base)
    raw_literal = None
    ops = []
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        all_paths = paths(doc)
        path = rng.choice(all_paths[1:] or all_paths)
        op = rng.choice(["type", "edge", "edge", "literal", "literal", "delete", "extra", "nest", "huge",
                         "garbage", "truncate", "duplicate", "extreme", "extreme", "extreme"])
        ops.append(op + ":" + ".".join(map(str, path)))
        if op == "type":
            doc = put(doc, path, random_value(rng))
        elif op == "edge":
            doc = put(doc, path, rng.choice(EDGE_NUMBERS))
        elif op == "literal":
            raw_literal = rng.choice(EDGE_LITERALS)
            doc = put(doc, path, "@@LITERAL@@")
        elif op == "extreme":
            key, value = rng.choice(EXTREMES)
            ops[-1] = "extreme:%s=%s" % (key, json.dumps(value)[:50])
            target = doc.get("scenario", doc) if isinstance(doc, dict) else None
            if isinstance(target, dict):
                target[key] = copy.deepcopy(value)
        elif op == "delete" and path:
            parent = get(doc, path[:-1])
            del parent[path[-1]]
        elif op == "extra":
            target = get(doc, path[:-1]) if path else doc
            if isinstance(target, dict):
                target[rng.choice(["extra", "N", "Beta", "t_End", "heads ", ""])] = random_value(rng)
        elif op == "nest":
            k = rng.choice([63, 64, 65, 200, 5000, 100000])
            raw_literal = "[" * k + "]" * k if rng.random() < 0.7 else '{"a":' * k + "1" + "}" * k
            doc = put(doc, path, "@@LITERAL@@")
        elif op == "huge":
            size = rng.choice([1000, 20001, 200000])
            doc = put(doc, path, [rng.random() for _ in range(size)] if rng.random() < 0.5
                      else [[0.5] * 3 for _ in range(size)])
    text = json.dumps(doc, allow_nan=True)
    if raw_literal is not None:
        text = text.replace('"@@LITERAL@@"', raw_literal, 1)
    if "duplicate" in " ".join(ops) and text.startswith("{"):
        text = '{"n": 5, ' + text[1:]
    data = bytearray(text.encode("utf-8"))
    if any(o.startswith("garbage") for o in ops):
        for _ in range(rng.randrange(1, 6)):
            i = rng.randrange(len(data) + 1)
            choice = rng.random()
            if choice < 0.4:
                data[i:i] = bytes([rng.randrange(256)])
            elif choice < 0.7 and i < len(data):
                data[i] = rng.randrange(256)
            elif i < len(data):
                del data[i]
    if any(o.startswith("truncate") for o in ops):
        data = data[:rng.randrange(len(data) + 1)]
    return bytes(data), " ".join(ops)


class Failure(Exception):
    pass


def comparison_of(scenario, rng):
    """A valid comparison around a scenario: two to four runs, each with a change the recipes make."""
    changes = [{}, {"kernel": "relu"}, {"kernel": "exp"}, {"integrator": "euler"}, {"integrator": {"dt": 0.05}},
               {"beta": 2}, {"heads": {"kind": "scalar", "count": 2, "scale": [1, 2], "value": "M", "eps": None,
                                       "alpha": None, "beta": None, "matrices": None}}]
    runs = [{"name": "run %d" % k, "changes": rng.choice(changes)} for k in range(rng.randint(2, 4))]
    return {"format": "attnsphere-comparison", "version": 1, "name": "fuzz", "base": small(scenario), "runs": runs}


def lecture_of(scenario, rng):
    """A valid lecture on a scenario: one to three steps, each setting some of every field."""
    t_end = small(scenario).get("t_end", 15)
    steps = []
    for k in range(rng.randint(1, 3)):
        step = {"scenario": small(scenario) if rng.random() < 0.5 else scenario["name"],
                "caption": {"title": "Step %d: \\beta = 1" % k, "lines": ["x_i^2 \\to \\infty", "cite"],
                            "formula": "E = \\sum_h E_h"},
                "camera": {"position": [0, 0, 4], "focal_point": [0, 0, 0], "view_up": [0, 1, 0], "view_angle": 30},
                "speed": rng.choice([0, 0.5, 2]), "panels": rng.sample(["energy", "entropy", "clustering"], 2),
                "overlays": ["t", "beta"], "play": rng.random() < 0.5, "pause_at": t_end / 2,
                "loop": {"from": 0, "to": t_end / 3}, "duration": t_end / 4,
                "changes": [{"at": t_end / 5, "set": rng.choice([{"kernel": "relu"}, {"beta": 2}])}]}
        for key in rng.sample(sorted(step), rng.randrange(4)):
            if key != "scenario":
                del step[key]
        steps.append(step)
    return {"format": "attnsphere-lecture", "version": 1, "title": "fuzz", "theme": "light", "presentation": True,
            "steps": steps}


def sweep_of(scenario, rng):
    """A valid, tiny sweep around a scenario: one or two axes, two starts, three checkpoints."""
    base = small(scenario)
    base["n"] = min(base.get("n", 64), 8) if base.get("init", {}).get("kind") not in ("points", "equiangular") else base.get("n", 64)
    dt = base.get("integrator", {}).get("dt", 0.1)
    axes = [{"field": "beta", "values": [1, 2]}, {"field": "beta", "from": 0.5, "to": 4, "count": 3, "spacing": "log"},
            {"field": "kernel", "values": ["softmax", "relu"]}, {"field": "heads.scale", "values": [0.5, 1]}]
    return {"format": "attnsphere-sweep", "version": 1, "name": "fuzz", "base": base,
            "axes": rng.sample(axes, rng.randint(1, 2)) if rng.random() < 0.8 else [axes[0]],
            "starts": 2, "seed": rng.randint(0, 1000), "checkpoints": {"to": 3 * dt, "every": dt},
            "threshold": rng.choice([0.999, 0.9]), "statistics": rng.sample(
                ["clustered_fraction", "cluster_count", "effective_dimension", "mean_cosine", "energy", "entropy"],
                rng.randint(1, 6)), "starts_per_shard": 1}


def check_sweep_outputs(directory):
    expected = ["cluster_counts.npy", "metadata.json", "phase.pdf", "phase.png", "shards", "sweep.csv", "sweep.json",
                "sweep.npy"]
    names = sorted(os.listdir(directory))
    if names != expected and names != sorted(expected + ["entropy.png"]):
        raise Failure("sweep output files " + str(names))
    with open(os.path.join(directory, "sweep.csv")) as f:
        lines = f.read().splitlines()
    if len(lines) < 2:
        raise Failure("sweep.csv has no rows")
    for row in lines[1:]:
        value = row.split(",")[-1]
        if not math.isfinite(float(value)):
            raise Failure("sweep.csv holds " + value + " in row " + row[:60])
    check_npy_finite(directory, "sweep.npy")
    with open(os.path.join(directory, "metadata.json")) as f:
        strict_json(f.read())


def strict_json(text):
    def refuse(name):
        raise Failure("metadata.json holds " + name)
    return json.loads(text, parse_constant=refuse)


def check_npy_finite(directory, name):
    """A float64 npy file of the outputs: the npy magic, and only finite numbers after the header."""
    with open(os.path.join(directory, name), "rb") as f:
        data = f.read()
    if data[:6] != b"\x93NUMPY":
        raise Failure(name + " is not an npy file")
    length = struct.unpack("<H", data[8:10])[0]
    body = data[10 + length:]
    count = len(body) // 8
    for value in struct.unpack("<%dd" % count, body[:count * 8]):
        if not math.isfinite(value):
            raise Failure("%s holds %r" % (name, value))


def check_csv_finite(directory):
    with open(os.path.join(directory, "series.csv")) as f:
        lines = f.read().splitlines()
    if len(lines) < 2:
        raise Failure("series.csv has no rows")
    for row in lines[1:]:
        for cell in row.split(","):
            if not math.isfinite(float(cell)):
                raise Failure("series.csv holds " + cell + " in row " + row[:60])


def check_polarisation_outputs(directory):
    names = sorted(os.listdir(directory))
    if names != ["column_norms.npy", "metadata.json", "series.csv", "weights.npy"]:
        raise Failure("polarisation output files " + str(names))
    check_csv_finite(directory)
    check_npy_finite(directory, "weights.npy")
    check_npy_finite(directory, "column_norms.npy")
    with open(os.path.join(directory, "metadata.json")) as f:
        strict_json(f.read())


def check_outputs(directory):
    names = sorted(os.listdir(directory))
    # radii.npy only for runs whose tokens carry radii (Pre-LN, Peri-LN).
    if [n for n in names if n != "radii.npy"] != ["metadata.json", "positions.npy", "series.csv"]:
        raise Failure("output files " + str(names))
    check_csv_finite(directory)
    check_npy_finite(directory, "positions.npy")
    if "radii.npy" in names:
        check_npy_finite(directory, "radii.npy")
    with open(os.path.join(directory, "metadata.json")) as f:
        strict_json(f.read())


# A JSON path: keys of letters, digits, _ and - (a mutated "geome5ry" is named as it is), [index] steps.
FIELD_OR_POSITION = re.compile(r"(at line \d+, column \d+)|(: [A-Za-z0-9_\-]+(\.[A-Za-z0-9_\-]+|\[\d+\])*: )|"
                               r"(--[a-z-]+: )|(cannot open)|(unknown key \")")
NUMERICAL = re.compile(r"overflow|non-finite|not finite|NaN|nan|inf|numerical|Numerical", re.I)


def run_case(exe, kind, data, work, timeout):
    """Runs one case; returns (exit code, stderr, signal we sent or 0). Raises Failure on a violation."""
    path = os.path.join(work, "case.json")
    with open(path, "wb") as f:
        f.write(data)
    out = os.path.join(work, "out")
    if kind == "polarisation":
        args = [exe, "run", path, "--out", out, "--quiet", "--t-end", "5"]
    elif kind == "scenario":
        args = [exe, "run", path, "--out", out, "--quiet", "--threads", "1"]
        if random.random() < 0.7:
            args += ["--t-end", "0.3"]
    elif kind == "lecture":
        args = [exe, "lectures", "--check", path]
    elif kind == "sweep":
        args = [exe, "sweep", path, "--out", out, "--threads", "1", "--quiet"]
    elif kind == "comparison":
        args = [exe, "render", "--compare", path, "--out", os.path.join(work, "frames"), "--size", "32x18",
                "--fps", "10", "--duration", "0.3", "--threads", "1", "--quiet"]
    else:
        args = [exe, "render", "--session", path, "--out", os.path.join(work, "frames"), "--size", "32x18",
                "--fps", "10", "--duration", "0.3", "--threads", "1", "--export", out]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    sent = 0
    try:
        _, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        sent = signal.SIGINT
        proc.send_signal(sent)
        try:
            _, err = proc.communicate(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            raise Failure("still running 5 s after SIGINT (case over %g s)" % timeout)
    err = err.decode("utf-8", "replace")
    code = proc.returncode
    if code < 0:
        # The program's last words are the only clue to a crash that does not happen again.
        raise Failure("killed by signal %d; stderr ends: %r" % (-code, err[-600:]))
    if "json.exception" in err or "terminate called" in err or "Assertion" in err:
        raise Failure("library message on stderr")
    if sent:
        if code != 128 + sent:
            raise Failure("exit %d after signal %d" % (code, sent))
    elif code == 0:
        if kind == "lecture":
            pass
        elif kind == "sweep":
            check_sweep_outputs(out)
        elif kind == "polarisation":
            check_polarisation_outputs(out)
        elif kind != "comparison":
            check_outputs(out)
        elif len(glob.glob(os.path.join(work, "frames", "frame_*.png"))) != 3:
            raise Failure("a comparison rendered %d frames, not 3" % len(glob.glob(os.path.join(work, "frames", "*"))))
    elif code == 2:
        if not err.strip():
            raise Failure("exit 2 without a message")
        if not FIELD_OR_POSITION.search(err):
            raise Failure("exit 2 message names no field or position")
    elif code == 1:
        if not NUMERICAL.search(err):
            raise Failure("exit 1 without a numerical message")
    else:
        raise Failure("exit code %d" % code)
    if code != 0 and os.path.exists(out) and kind in ("scenario", "polarisation"):
        raise Failure("a failed run left " + str(os.listdir(out)))
    if code != 0 and kind == "sweep" and os.path.isdir(out):
        # Finished shards may stay (they are what a rerun resumes from); results may not.
        left = sorted(set(os.listdir(out)) - {"shards", "sweep.json"})
        if left:
            raise Failure("a failed sweep left " + str(left))
    if code != 0 and kind == "comparison" and glob.glob(os.path.join(work, "frames", "*")):
        raise Failure("a failed comparison left frames")
    return code, err, sent


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--exe", required=True)
    parser.add_argument("--seed", type=int, default=20261201)
    parser.add_argument("--budget", type=float, default=150, help="wall-time budget in seconds")
    parser.add_argument("--case-timeout", type=float, default=10)
    parser.add_argument("--cases", type=int, default=0,
                        help="stop after this many cases (0: only the budget bounds the run); with a fixed "
                             "seed, a run never goes beyond cases that were checked before")
    parser.add_argument("--sessions", type=float, default=0.25, help="fraction of session cases")
    parser.add_argument("--comparisons", type=float, default=0.15, help="fraction of comparison cases")
    parser.add_argument("--lectures", type=float, default=0.15, help="fraction of lecture cases")
    parser.add_argument("--sweeps", type=float, default=0.1, help="fraction of sweep cases")
    parser.add_argument("--polarisations", type=float, default=0.08, help="fraction of polarisation cases")
    parser.add_argument("--keep", help="directory to copy failing cases into")
    args = parser.parse_args()

    rng = random.Random(args.seed)
    random.seed(args.seed + 1)
    presets = load_presets()
    polarisations = load_presets("polarisation")
    names = sorted(presets)
    start = time.monotonic()
    counts = {}
    failures = []
    cases = 0
    while time.monotonic() - start < args.budget and (args.cases <= 0 or cases < args.cases):
        cases += 1
        name = rng.choice(names)
        draw = rng.random()
        shares = [("session", args.sessions), ("comparison", args.comparisons), ("lecture", args.lectures),
                  ("sweep", args.sweeps), ("polarisation", args.polarisations)]
        kind = "scenario"
        for share_kind, share in shares:
            if draw < share:
                kind = share_kind
                break
            draw -= share
        if kind == "polarisation":
            name = rng.choice(sorted(polarisations))
        base = (copy.deepcopy(polarisations[name]) if kind == "polarisation" else
                session_of(presets[name], rng) if kind == "session" else
                comparison_of(presets[name], rng) if kind == "comparison" else
                lecture_of(presets[name], rng) if kind == "lecture" else
                sweep_of(presets[name], rng) if kind == "sweep" else small(presets[name]))
        data, what = mutate(base, rng)
        work = tempfile.mkdtemp(prefix="attnsphere-fuzz-")
        try:
            code, err, sent = run_case(args.exe, kind, data, work, args.case_timeout)
            key = "%s exit %d%s" % (kind, code, " (after SIGINT)" if sent else "")
            counts[key] = counts.get(key, 0) + 1
        except Failure as e:
            failures.append((cases, kind, name, what, str(e)))
            print("FAIL case %d (%s from %s; %s): %s" % (cases, kind, name, what[:120], e), flush=True)
            if args.keep:
                os.makedirs(args.keep, exist_ok=True)
                with open(os.path.join(args.keep, "case%04d-%s.json" % (cases, kind)), "wb") as f:
                    f.write(data)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    print("fuzz_files: seed %d, %d cases in %.0f s" % (args.seed, cases, time.monotonic() - start))
    for key in sorted(counts):
        print("  %-32s %d" % (key, counts[key]))
    if failures:
        print("fuzz_files: %d failing cases" % len(failures))
        return 1
    print("fuzz_files: no failures")
    return 0


if __name__ == "__main__":
    sys.exit(main())
