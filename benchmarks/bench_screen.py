"""Per-piece cost of a certified sup norm: proofkit (arb-taylor, arb-screened) against Sollya's ``supnorm``.

    python benchmarks/bench_screen.py [--pieces 200] [--big]

Network: Theorem 2 on sin(2 pi x) at eps = 0.2 (about 2*10^5 hidden units, 3*10^4 linear pieces). Every
method bounds sup|f* - f_NN| on the *same* pieces, the network's exact linear pieces (dyadic end values):

* ``arb-taylor``: ``certify(..., screen=False)`` on the whole network;
* ``arb-screened``: ``certify(..., screen=True)`` on the whole network (proofkit.screen);
* Sollya: ``supnorm(p, f, [u; v], absolute, 2^-30)`` (Chevillard, Harrison, Joldes, Lauter 2011) on
  ``--pieces`` of them, evenly spread, in one Sollya process (its CPU time from getrusage of the child).

Times are CPU seconds (robust on a shared machine; the load average is printed) divided by the number of
pieces each method handled; ratios are against Sollya's per-piece cost measured in the same run. With
``--big`` the Theorem-2 network of the Weierstrass-type sum at eps = 0.2 (about 10^8 hidden units; several
GB of memory, a minute or two) is certified with arb-screened and its per-piece and per-unit costs printed.
Sollya is the Debian package ``sollya``; without it only proofkit's rows are printed.
"""
from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import time
from fractions import Fraction

import numpy as np

from proofkit.certify import certify
from proofkit.construct.theorem2 import construct_theorem2
from proofkit.expr import standard_target


def cpu(fn, *args, **kw):
    t = time.process_time()
    out = fn(*args, **kw)
    return out, time.process_time() - t


def _rat(q: Fraction) -> str:
    return f"{q.numerator}/{q.denominator}"


def sollya(pieces, f_text):
    """(list of (lo, hi) enclosures as floats, child CPU seconds) for pieces (u, v, Vu, Vv) of Fractions."""
    lines = ["prec=165!;", f"f = {f_text};"]
    for u, v, a, b in pieces:
        lines.append(f"p = ({_rat(a)}) + (({_rat(b)}) - ({_rat(a)}))/(({_rat(v)}) - ({_rat(u)}))*(x - ({_rat(u)}));")
        lines.append(f"r = supnorm(p, f, [{_rat(u)}; {_rat(v)}], absolute, 2^(-30)); print(inf(r), sup(r));")
    lines.append("quit;")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(["sollya", "--warnonstderr"], input="\n".join(lines), capture_output=True, text=True,
                         check=True).stdout.split()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    secs = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    vals = [float(t) for t in out]
    return list(zip(vals[0::2], vals[1::2])), secs


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pieces", type=int, default=200, help="pieces given to Sollya (default 200)")
    ap.add_argument("--big", action="store_true", help="also certify the ~10^8-unit Weierstrass network")
    args = ap.parse_args(argv)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (CPU seconds below)")
    tgt, dom = standard_target("sin")
    net = construct_theorem2(tgt, 0.2, dom).net
    certify(net, tgt, 0.2, screen=True, proof=False)                  # compile the numba kernels once
    rows = []
    for name, screen in (("arb-taylor", False), ("arb-screened", True)):
        net = construct_theorem2(tgt, 0.2, dom).net                   # fresh: no cached PL forms
        c, secs = cpu(certify, net, tgt, 0.2, screen=screen, proof=False)
        rows.append((name, c.pieces, secs, c.upper, c.lower))
    pl = net.dyadic_pl
    T, V = list(pl.knots), list(pl.values)
    idx = np.unique(np.linspace(0, len(T) - 2, min(args.pieces, len(T) - 1)).astype(int))
    sup = None
    if shutil.which("sollya"):
        pieces = [(T[i], T[i + 1], V[i], V[i + 1]) for i in idx]
        sup, secs = sollya(pieces, "sin(2*pi*x)")
        rows.append(("sollya supnorm", len(pieces), secs, max(h for _, h in sup), max(lo for lo, _ in sup)))
    base = rows[-1][2] / rows[-1][1] if sup else None
    print(f"Theorem 2, sin(2 pi x), eps = 0.2: {net.width} hidden units, {len(T) - 1} linear pieces")
    print(f"{'method':16s} {'pieces':>8s} {'CPU s':>8s} {'per piece':>11s} {'Sollya/this':>12s}  bound")
    for name, n, secs, hi, lo in rows:
        per = secs / max(n, 1)
        ratio = f"{base / per:12.0f}" if base else f"{'-':>12s}"
        what = f"U = {hi:.7g}, L = {lo:.7g}" if name != "sollya supnorm" else \
            f"largest piece sup in [{lo:.7g}, {hi:.7g}] (on its {n} pieces)"
        print(f"{name:16s} {n:8d} {secs:8.2f} {per * 1e6:9.1f} us {ratio}  {what}")
    if sup:
        U = rows[1][3]
        print(f"proofkit's U >= Sollya's lower enclosures on every piece: {all(lo <= U for lo, _ in sup)}")
    if args.big:
        tgt, dom = standard_target("weierstrass")
        t0 = time.process_time()
        cons = construct_theorem2(tgt, 0.2, dom, max_pairs=10 ** 8)
        t1 = time.process_time()
        c = certify(cons.net, tgt, 0.2, proof=False)
        t2 = time.process_time()
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6
        print(f"Weierstrass-type sum, eps = 0.2: {cons.net.width} hidden units, construction {t1 - t0:.1f} s, "
              f"certificate {t2 - t1:.1f} s ({c.method}: {c.pieces} pieces, "
              f"{(t2 - t1) / c.pieces * 1e6:.2f} us per piece, {(t2 - t1) / cons.net.width * 1e9:.0f} ns per unit), "
              f"U = {c.upper:.7g}, L = {c.lower:.7g}, peak RSS {peak:.2f} GB")


if __name__ == "__main__":
    main()
