"""Checking against certifying (issue 15 §2), both measured the same way: CPU seconds of this process, the minimum of
``--repeat`` runs, after one warm-up run of each (imports and numba compilation excluded), on the same network.

* without file reading: :func:`proofkit.checker.check_data` on the two JSON dictionaries already read, against
  :func:`proofkit.certify.certify` on a :class:`~proofkit.network.PermNetwork` already loaded (a fresh object per
  run: certify caches the network's piecewise-linear forms on it);
* with file reading: :func:`proofkit.checker.check` on the two files, against ``PermNetwork.load`` + certify.

certify's time includes its search for the proof (:func:`proofkit.witness.make_proof`) that check replays; the
columns ``core`` (certify with ``proof=False``) and ``search`` show the two parts.

    python benchmarks/bench_check.py [--quick] [--large] [--repeat N]

Networks: Theorem 1 on sin(2 pi x) at eps = 0.05 and 0.01 and Theorem 3 on sin(pi x) at eps = 0.3 (seed 1);
without --quick also Theorem 1 at eps = 0.001, Theorem 3 on sqrt(x) at eps = 0.4 and Theorem 2 on sin(2 pi x)
at eps = 0.2; --large adds Theorem 3 on sqrt(x) at eps = 0.2 (1.9e6 hidden units, a 140 MB network file).
The load average is printed (the machine may be shared).
"""
from __future__ import annotations

import contextlib
import gc
import io
import os
import sys
import tempfile
import time

from proofkit import checker
from proofkit.certify import certify
from proofkit.cli import main
from proofkit.network import PermNetwork
from proofkit.witness import make_proof

CASES = [("1", "sin(2*pi*x)", "0.05"), ("1", "sin(2*pi*x)", "0.01"), ("3", "sin(pi*x)", "0.3")]
MORE = [("1", "sin(2*pi*x)", "0.001"), ("3", "sqrt(x)", "0.4"), ("2", "sin(2*pi*x)", "0.2")]
LARGE = [("3", "sqrt(x)", "0.2")]


def cpu(fn, *args, **kw):
    gc.collect()
    t = time.process_time()
    out = fn(*args, **kw)
    return out, time.process_time() - t


def best(repeat, fn, *args, **kw):
    """(result, the least CPU time of 1 + repeat runs: the first is the warm-up)."""
    runs = [cpu(fn, *args, **kw) for _ in range(1 + repeat)]
    return runs[-1][0], min(t for _, t in runs[1:])


def fresh(repeat, path, fn, *args, **kw):
    """best() of fn on a freshly loaded network each run (the load is not timed)."""
    runs = [cpu(fn, PermNetwork.load(path), *args, **kw) for _ in range(1 + repeat)]
    return runs[-1][0], min(t for _, t in runs[1:])


def main_(argv):
    repeat = int(argv[argv.index("--repeat") + 1]) if "--repeat" in argv else 3
    cases = CASES + ([] if "--quick" in argv else MORE) + (LARGE if "--large" in argv else [])
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; CPU seconds, min of {repeat} runs")
    print(f"{'network':36s} {'units':>8s} {'pieces':>6s} {'cells':>5s} | {'check':>6s} {'certify':>7s} {'(core':>6s} "
          f"{'search)':>7s} {'ratio':>5s} | {'+read:':>6s} {'check':>6s} {'certify':>7s} {'ratio':>5s}")
    with tempfile.TemporaryDirectory() as d:
        for theorem, target, eps in cases:
            net_path, cert_path = os.path.join(d, "n.json"), os.path.join(d, "c.json")
            argv = ["construct", target, "--eps", eps, "--theorem", theorem, "--out", net_path, "--progress", "none"]
            with contextlib.redirect_stdout(io.StringIO()):
                rc = main(argv + (["--seed", "1"] if theorem == "3" else []))
            if rc != 0:
                print(f"Theorem {theorem} {target} eps = {eps}: construction failed")
                continue
            cert, t_cert = fresh(repeat, net_path, certify, target, float(eps))
            cert.save(cert_path)
            core = fresh(repeat, net_path, certify, target, float(eps), proof=False)[1]
            net = PermNetwork.load(net_path)
            search = best(repeat, make_proof, net, target, net.domain, cert.upper, cert.precision or 128)[1]
            nd, cd = checker.read_json(net_path, "network"), checker.read_json(cert_path, "certificate")
            t_check = best(repeat, checker.check_data, nd, cd)[1]
            del nd
            t_check_files = best(repeat, checker.check, net_path, cert_path)[1]
            t_load = best(repeat, PermNetwork.load, net_path)[1]
            p = cert.proof
            print(f"{'Theorem ' + theorem + ', ' + target + ', eps = ' + eps:36s} {net.width:8d} "
                  f"{p['knots'] + 1 + len(p['extra']):6d} {len(p['cells']):5d} | {t_check:6.3f} {t_cert:7.3f} "
                  f"{core:6.3f} {search:7.3f} {t_cert / t_check:5.1f} | {'':6s} {t_check_files:6.3f} "
                  f"{t_load + t_cert:7.3f} {(t_load + t_cert) / t_check_files:5.1f}")


if __name__ == "__main__":
    sys.stdout.reconfigure(line_buffering=True)
    main_(sys.argv[1:])
