#!/usr/bin/python3
"""The papers' way of computing a phase-diagram slice (Geshkovski et al., phase-diagrams.py): all random
starts batched into one array, X of shape (starts, n, d), float64; per step S = beta X X^T, a row
softmax, X <- normalise(X + dt S X) (Euler with renormalisation, identity heads), and the fraction of
clustered pairs (G_ij >= 0.999, i < j) at every checkpoint. Written for torch and for plain NumPy.

  peer_sweep.py time torch|numpy N D STARTS STEPS [--threads T] [--beta B] [--every K] [--dt DT]
      -> "seconds <s> fraction <mean clustered fraction at the last checkpoint>"
  peer_sweep.py dump FILE N D STARTS STEPS [--beta B] [--every K] [--dt DT]
      -> a raw float64 problem (starts, NumPy's positions after STEPS and fractions at every checkpoint)
         for attnsphere_sweep_bench verify FILE (same model check)
"""
import sys
import time

import numpy as np

THRESHOLD = 0.999


def options(argv, start):
    opts = {"--threads": 2, "--beta": 1.0, "--every": 10, "--dt": 0.1}
    for i in range(start, len(argv) - 1):
        if argv[i] in opts:
            opts[argv[i]] = type(opts[argv[i]])(argv[i + 1])
    return opts


def starts_numpy(n, d, starts, seed=1):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((starts, n, d))
    return X / np.linalg.norm(X, axis=2, keepdims=True)


def run_numpy(X, beta, dt, steps, every):
    n = X.shape[1]
    upper = np.triu(np.ones((n, n), dtype=bool), 1)
    fractions = []
    for k in range(1, steps + 1):
        S = beta * (X @ X.transpose(0, 2, 1))
        S -= S.max(axis=2, keepdims=True)
        A = np.exp(S)
        A /= A.sum(axis=2, keepdims=True)
        V = A @ X
        V -= np.sum(V * X, axis=2, keepdims=True) * X  # tangent projection, as the papers' flow
        X = X + dt * V
        X /= np.linalg.norm(X, axis=2, keepdims=True)
        if k % every == 0:
            G = X @ X.transpose(0, 2, 1)
            fractions.append((G[:, upper] >= THRESHOLD).mean(axis=1))
    return X, np.stack(fractions, axis=1)


def run_torch(torch, X, beta, dt, steps, every):
    n = X.shape[1]
    upper = torch.triu(torch.ones(n, n, dtype=torch.bool), 1)
    last = None
    for k in range(1, steps + 1):
        A = torch.softmax(beta * (X @ X.transpose(1, 2)), dim=2)
        V = A @ X
        V = V - (V * X).sum(dim=2, keepdim=True) * X
        X = X + dt * V
        X = X / X.norm(dim=2, keepdim=True)
        if k % every == 0:
            G = X @ X.transpose(1, 2)
            last = (G[:, upper] >= THRESHOLD).double().mean(dim=1)
    return X, last


def main(argv):
    if len(argv) >= 7 and argv[1] == "time":
        which, n, d, starts, steps = argv[2], int(argv[3]), int(argv[4]), int(argv[5]), int(argv[6])
        o = options(argv, 7)
        X = starts_numpy(n, d, starts)
        if which == "torch":
            import torch
            torch.set_num_threads(o["--threads"])
            Xt = torch.from_numpy(X)
            run_torch(torch, Xt, o["--beta"], o["--dt"], 2, 1)  # warm-up
            begin = time.perf_counter()
            _, last = run_torch(torch, Xt, o["--beta"], o["--dt"], steps, o["--every"])
            seconds = time.perf_counter() - begin
            fraction = float(last.mean())
        else:
            begin = time.perf_counter()
            _, F = run_numpy(X, o["--beta"], o["--dt"], steps, o["--every"])
            seconds = time.perf_counter() - begin
            fraction = float(F[:, -1].mean())
        print(f"seconds {seconds:.6g} fraction {fraction:.6g}")
        return 0
    if len(argv) >= 7 and argv[1] == "dump":
        path, n, d, starts, steps = argv[2], int(argv[3]), int(argv[4]), int(argv[5]), int(argv[6])
        o = options(argv, 7)
        X0 = starts_numpy(n, d, starts, seed=7)
        X, F = run_numpy(X0, o["--beta"], o["--dt"], steps, o["--every"])
        with open(path, "wb") as f:
            np.array([n, d, starts, steps, o["--every"]], dtype=np.int64).tofile(f)
            np.array([o["--beta"], o["--dt"]], dtype=np.float64).tofile(f)
            X0.astype(np.float64).tofile(f)  # (starts, n, d), C order
            X.astype(np.float64).tofile(f)
            F.astype(np.float64).tofile(f)   # (starts, checkpoints)
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
