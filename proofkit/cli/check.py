"""``proofkit check NET.json CERT.json [TARGET]``: confirm a certificate with the trusted kernel alone.

Runs :func:`proofkit.checker.check`: the certificate (``proofkit.certificate/3``) must name this network file
(its SHA-256), the coefficients must be a permutation of the pool, and the certificate's ``proof`` must
establish sup|f - f_NN| <= U on its domain (and U <= eps when it gives eps) in one pass of outward-rounded
ball arithmetic. Nothing that built the network or the certificate runs. With TARGET, the certificate must
be about that target (the same text).

Exit 0: confirmed (CERTIFIED (checked), or PROVED (checked) without eps); 1: rejected (one line saying which
check failed); 2: bad input (an unreadable or malformed file, a certificate without a proof). ``python -m
proofkit.checker`` does the same and imports less (docs/trust.md).
"""
from __future__ import annotations

from . import CLIError


def register(sub):
    p = sub.add_parser("check", help="check a certificate with the small trusted kernel (proofkit.checker)",
                       description="Confirm CERT.json's bound on NET.json with proofkit's small trusted kernel "
                                   "(proofkit/checker.py): a linear pass of outward-rounded ball arithmetic over "
                                   "the proof the certificate carries; nothing that built either file runs.")
    p.add_argument("network", help="network file (proofkit.permnet/1)")
    p.add_argument("certificate", help="certificate file with a proof (proofkit.certificate/3, written by "
                                       "'proofkit verify NET --cert C.json' or 'proofkit construct ... --cert C.json')")
    p.add_argument("target", nargs="?", default=None, help="the target the certificate must be about (optional)")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..checker import InputError, Rejected, check
    try:
        lines = check(args.network, args.certificate, args.target)
    except InputError as exc:
        raise CLIError(str(exc)) from None
    except Rejected as exc:
        print(f"REJECTED: {exc}")
        return 1
    print("\n".join(lines))
    return 0
