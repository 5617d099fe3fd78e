"""Time `proofkit plot` on a network of 2*10^6 hidden units against the same figure for 2*10^3 units.

The network is the equidistant pool of n = 10^6 pairs on [0, 1] in a Theorem-2-like arrangement scaled to
stay O(1): coefficients pool[perm] with a random permutation, scale 1/n (the picture does not matter, the
work does: PL compile O(H log H), error samples at every knot and midpoint, screen decimation, drawing).
Prints the wall time of each stage and the ratio to the small network's (same process).

    python benchmarks/bench_plot.py [--n 1000000]
"""
from __future__ import annotations

import argparse
import io
import time

import numpy as np

from proofkit.expr import parse_target
from proofkit.network import PermNetwork
from proofkit.plot.network import network_figure
from proofkit.plot.style import style
from proofkit.pool import equidistant_pool


def make(n, seed=0):
    p = PermNetwork.from_pool(equidistant_pool(n, (0, 1)))
    perm = np.random.default_rng(seed).permutation(2 * n)
    return PermNetwork(p.weights, p.biases, p.pool, perm, scale=1.0 / n, domain=(0.0, 1.0))


def run(n):
    f = parse_target("sin(2*pi*x)")
    t0 = time.perf_counter()
    net = make(n)
    t1 = time.perf_counter()
    net.pl  # compile the piecewise-linear form
    t2 = time.perf_counter()
    with style() as plt:
        fig = network_figure(net, f, None, None)
        t3 = time.perf_counter()
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
        plt.close(fig)
    t4 = time.perf_counter()
    return {"build": t1 - t0, "compile": t2 - t1, "figure": t3 - t2, "png": t4 - t3, "plot total": t4 - t1}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000, help="pairs (hidden width 2n)")
    args = ap.parse_args()
    run(1000)  # warm-up: matplotlib's first figure pays for fonts and caches
    small = run(1000)
    big = run(args.n)
    print(f"{'stage':12s} {'H=2000':>10s} {'H=' + str(2 * args.n):>12s} {'ratio':>8s}")
    for k in small:
        print(f"{k:12s} {small[k]:10.3f} {big[k]:12.3f} {big[k] / max(small[k], 1e-9):8.1f}")


if __name__ == "__main__":
    main()
