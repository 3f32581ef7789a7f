#!/usr/bin/python3
"""The papers' way of making a particle movie: NumPy steps the attention dynamics (softmax, Q^T K = V = I,
Euler + renormalisation, dt = 0.1) and a matplotlib 3D scatter is redrawn per frame through FuncAnimation
into ffmpeg. Used by bench/render as the peer; prints nothing but errors."""
import argparse

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.animation import FFMpegWriter, FuncAnimation  # noqa: E402


def step(X, beta, dt):
    S = beta * (X @ X.T)
    S -= S.max(axis=1, keepdims=True)
    A = np.exp(S)
    A /= A.sum(axis=1, keepdims=True)
    V = A @ X
    V -= np.sum(V * X, axis=1, keepdims=True) * X  # tangential projection
    X = X + dt * V
    return X / np.linalg.norm(X, axis=1, keepdims=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--n", type=int, required=True)
    p.add_argument("--frames", type=int, required=True)
    p.add_argument("--steps-per-frame", type=int, default=1)
    p.add_argument("--out", required=True)
    p.add_argument("--fps", type=int, default=30)
    p.add_argument("--beta", type=float, default=1.0)
    p.add_argument("--dt", type=float, default=0.1)
    args = p.parse_args()

    rng = np.random.default_rng(1)
    X = rng.standard_normal((args.n, 3))
    X /= np.linalg.norm(X, axis=1, keepdims=True)

    fig = plt.figure(figsize=(12.8, 7.2), dpi=100)
    ax = fig.add_subplot(projection="3d")
    ax.set_box_aspect((1, 1, 1))
    ax.set_axis_off()
    u, v = np.mgrid[0 : 2 * np.pi : 36j, 0 : np.pi : 18j]
    ax.plot_wireframe(np.cos(u) * np.sin(v), np.sin(u) * np.sin(v), np.cos(v), color="grey", alpha=0.2, lw=0.5)
    colours = plt.cm.hsv(np.arange(args.n) / args.n)
    scatter = ax.scatter(X[:, 0], X[:, 1], X[:, 2], c=colours, s=12, depthshade=True)
    label = ax.text2D(0.02, 0.95, "", transform=ax.transAxes)
    state = {"X": X, "t": 0.0}

    def update(frame):
        if frame > 0:
            for _ in range(args.steps_per_frame):
                state["X"] = step(state["X"], args.beta, args.dt)
                state["t"] += args.dt
        Y = state["X"]
        scatter._offsets3d = (Y[:, 0], Y[:, 1], Y[:, 2])
        label.set_text(f"t = {state['t']:.2f}")
        return scatter, label

    anim = FuncAnimation(fig, update, frames=args.frames, blit=False)
    writer = FFMpegWriter(fps=args.fps, codec="libx264", extra_args=["-pix_fmt", "yuv420p", "-preset", "veryfast"])
    anim.save(args.out, writer=writer, dpi=100)


if __name__ == "__main__":
    main()
