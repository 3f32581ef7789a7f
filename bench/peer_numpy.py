#!/usr/bin/python3
"""The attnsphere benchmark model written plainly in NumPy, the way the papers' code does it
(Geshkovski et al., sphere.py / phase-diagrams.py): a full n x n score matrix per head, a max-shifted
softmax over keys, float64, RK4 on the projected field and renormalisation after every step.

Model: dx_i/dt = P_{x_i}^perp sum_h sum_j softmax_j(beta <x_i, M_h x_j>) V_h x_j with V_h = M_h and
M_h symmetric (random, entries of variance 1/d): the gradient case of the multi-head model.

  peer_numpy.py time N D H [--seconds S]      -> prints "steps_per_s <value> steps <k>"
  peer_numpy.py dump FILE N D H STEPS        -> writes a raw float64 problem + NumPy's answer for
                                                attnsphere_bench --verify FILE (same model check)
"""
import sys
import time

import numpy as np

BETA = 1.0
DT = 0.01


def velocity(X, Ms, beta):
    """X: n x d (rows are tokens). Returns the projected velocity, n x d."""
    v = np.zeros_like(X)
    for M in Ms:
        S = beta * (X @ M @ X.T)            # S[i, j] = beta <x_i, M x_j>
        S -= S.max(axis=1, keepdims=True)   # stable softmax, as torch.softmax
        A = np.exp(S)
        A /= A.sum(axis=1, keepdims=True)
        v += A @ (X @ M.T)                  # sum_j A_ij V x_j with V = M
    return v - np.sum(v * X, axis=1, keepdims=True) * X


def rk4_step(X, Ms, beta, dt):
    k1 = velocity(X, Ms, beta)
    k2 = velocity(X + 0.5 * dt * k1, Ms, beta)
    k3 = velocity(X + 0.5 * dt * k2, Ms, beta)
    k4 = velocity(X + dt * k3, Ms, beta)
    X = X + dt / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4)
    return X / np.linalg.norm(X, axis=1, keepdims=True)


def problem(n, d, H, seed=1):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    Ms = []
    for _ in range(H):
        G = rng.standard_normal((d, d)) / np.sqrt(d)
        Ms.append(0.5 * (G + G.T))
    return X, Ms


def main(argv):
    if len(argv) >= 5 and argv[1] == "time":
        n, d, H = int(argv[2]), int(argv[3]), int(argv[4])
        seconds = float(argv[6]) if len(argv) >= 7 and argv[5] == "--seconds" else 2.0
        X, Ms = problem(n, d, H)
        X = rk4_step(X, Ms, BETA, DT)  # warm-up
        steps, start = 0, time.perf_counter()
        while True:
            X = rk4_step(X, Ms, BETA, DT)
            steps += 1
            elapsed = time.perf_counter() - start
            if elapsed >= seconds or (steps >= 2 and elapsed * (steps + 1) / steps > 3 * seconds):
                break
        print(f"steps_per_s {steps / elapsed:.6g} steps {steps}")
        return 0
    if len(argv) == 7 and argv[1] == "dump":
        path, n, d, H, steps = argv[2], int(argv[3]), int(argv[4]), int(argv[5]), int(argv[6])
        X, Ms = problem(n, d, H)
        X0 = X.copy()
        for _ in range(steps):
            X = rk4_step(X, Ms, BETA, DT)
        with open(path, "wb") as f:
            np.array([n, d, H, steps], dtype=np.int64).tofile(f)
            np.array([BETA, DT], dtype=np.float64).tofile(f)
            X0.astype(np.float64).tofile(f)          # n x d, C order
            for M in Ms:
                M.astype(np.float64).tofile(f)       # d x d, C order
            X.astype(np.float64).tofile(f)
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
