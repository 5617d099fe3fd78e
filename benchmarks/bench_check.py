"""Checking against certifying (issue 15 §2): CPU seconds of ``proofkit.checker.check`` (reading both files)
and of ``proofkit.certify.certify`` on the loaded network (its proof search reported separately), same process.

    python benchmarks/bench_check.py [--quick]

Networks: Theorem 1 on sin(2 pi x) at eps = 0.05 and 0.01, Theorem 3 on sin(pi x) at eps = 0.3 (seed 1), and
without --quick Theorem 3 on sqrt(x) at eps = 0.4 and Theorem 2 on sin(2 pi x) at eps = 0.2. CPU time of this
process (robust on a shared machine); the load average is printed.
"""
from __future__ import annotations

import contextlib
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
MORE = [("3", "sqrt(x)", "0.4"), ("2", "sin(2*pi*x)", "0.2")]


def cpu(fn, *args, **kw):
    t = time.process_time()
    out = fn(*args, **kw)
    return out, time.process_time() - t


def main_(argv):
    cases = CASES + ([] if "--quick" in argv else MORE)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"{'network':38s} {'units':>8s} {'pieces':>7s} {'cells':>5s} {'check':>8s} {'certify':>8s} "
          f"{'(proof)':>8s} {'ratio':>6s}")
    with tempfile.TemporaryDirectory() as d:
        for theorem, target, eps in cases:
            net_path, cert_path = os.path.join(d, "n.json"), os.path.join(d, "c.json")
            argv = ["construct", target, "--eps", eps, "--theorem", theorem, "--out", net_path, "--progress", "none"]
            with contextlib.redirect_stdout(io.StringIO()):
                rc = main(argv + (["--seed", "1"] if theorem == "3" else []))
            if rc != 0:
                print(f"Theorem {theorem} {target} eps = {eps}: construction failed")
                continue
            net = PermNetwork.load(net_path)
            cert, t_cert = cpu(certify, net, target, float(eps))
            cert.save(cert_path)
            _, t_proof = cpu(make_proof, net, target, net.domain, cert.upper, cert.precision or 128)
            lines, t_check = cpu(checker.check, net_path, cert_path)
            p = cert.proof
            print(f"{'Theorem ' + theorem + ', ' + target + ', eps = ' + eps:38s} {net.width:8d} "
                  f"{p['knots'] + 1 + len(p['extra']):7d} {len(p['cells']):5d} {t_check:8.3f} {t_cert:8.3f} "
                  f"{t_proof:8.3f} {t_cert / t_check:6.1f}")


if __name__ == "__main__":
    sys.stdout.reconfigure(line_buffering=True)
    main_(sys.argv[1:])
