"""Benchmark: network evaluation through the compiled piecewise-linear form vs the dense product.

Prints, in one process, the time of the PL evaluator (compile + evaluate) and of the dense O(H m)
oracle on a size the dense one can do, with their ratio, then the large case of the issue:
H = 2*10^6 hidden units on 10^6 points. Times are the best of --repeat runs (machines are noisy).

    python benchmarks/bench_eval.py [--repeat 3] [--big-h 2000000] [--big-m 1000000]
"""
from __future__ import annotations

import argparse
import time

import numpy as np

from proofkit.network import PermNetwork
from proofkit.pool import experiment_pool


def best_of(fn, repeat):
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def make_net(H, seed=0):
    rng = np.random.default_rng(seed)
    pool = experiment_pool("pairwise", H // 2, seed)
    return PermNetwork.from_pool(pool, rng.permutation(H), layout="authors", scale=1.3, shift=0.1)


def fresh_eval(net, x):
    """Compile (uncached) and evaluate: a new network object each time."""
    return PermNetwork(net.weights, net.biases, net.pool, net.permutation, net.scale, net.shift)(x)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--big-h", type=int, default=2_000_000)
    ap.add_argument("--big-m", type=int, default=1_000_000)
    args = ap.parse_args(argv)
    rng = np.random.default_rng(1)

    H, m = 4000, 20000
    net = make_net(H)
    x = rng.uniform(-1, 1, m)
    t_pl = best_of(lambda: fresh_eval(net, x), args.repeat)
    t_dense = best_of(lambda: net.dense(x), args.repeat)
    err = np.abs(fresh_eval(net, x) - net.dense(x)).max()
    print(f"H={H:>9,d} m={m:>9,d}  PL (compile+eval) {t_pl * 1e3:9.2f} ms   dense {t_dense * 1e3:9.2f} ms   "
          f"dense/PL = {t_dense / t_pl:7.1f}x   max|diff| = {err:.1e}")

    big = make_net(args.big_h)
    xb = rng.uniform(-1, 1, args.big_m)
    t_big = best_of(lambda: fresh_eval(big, xb), args.repeat)
    t_eval = best_of(lambda: big(xb), args.repeat)  # compiled form cached
    check = rng.choice(args.big_m, 50, replace=False)
    err = np.abs(big(xb[check]) - big.dense(xb[check])).max()
    print(f"H={args.big_h:>9,d} m={args.big_m:>9,d}  PL compile+eval {t_big:6.3f} s, eval only {t_eval:6.3f} s   "
          f"(dense would need ~{t_dense * args.big_h * args.big_m / (H * m):,.0f} s by the ratio above)   "
          f"max|diff| on 50 points = {err:.1e}")


if __name__ == "__main__":
    main()
