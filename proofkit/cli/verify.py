"""``proofkit verify NET.json [TARGET] [--eps E]``: re-check a network file independently of its origin.

Exit 0: the coefficients are a permutation of the pool and (with a target) sup|f - f_NN| <= eps is
certified; 1: not certified; 2: bad input (unreadable file, bad target, ...).
"""
from __future__ import annotations

from ..network import PermNetwork
from ._common import fmt, info, positive, target


def register(sub):
    p = sub.add_parser("verify", help="re-check a network file: permutation and certified error",
                       description="Check that the coefficients of NET.json are a permutation of its pool "
                                   "(exactly, or bitwise) and, given TARGET, certify sup|f - f_NN| on the "
                                   "network's domain. Without TARGET/--eps the file's provenance is used.")
    p.add_argument("network", help="network file (proofkit.permnet/1)")
    p.add_argument("target", nargs="?", default=None, help="target expression (default: the file's provenance)")
    p.add_argument("--eps", type=positive("--eps"), default=None, help="tolerance to certify against")
    p.add_argument("--cert", default=None, help="write the certificate JSON here")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..certify import certify  # imported here: the CLI starts fast
    net = PermNetwork.load(args.network)
    chk = net.check_permutation()
    info(f"network     {args.network}: hidden width {net.width}, domain [{net.domain[0]:g}, {net.domain[1]:g}], "
         f"scale {net.scale:.6g}, shift {net.shift:.6g}")
    info(f"permutation {'OK' if chk.ok else 'FAILED'} ({chk.method}): {chk.message}")
    text = args.target or net.provenance.get("target")
    eps = args.eps
    if eps is None and args.target is None and net.provenance.get("epsilon") is not None:
        eps = positive("epsilon")(str(net.provenance["epsilon"]))
    if text is None:
        info("no target given and none in the file's provenance: only the permutation was checked")
        return 0 if chk.ok else 1
    if args.target is None:
        info(f"target      {text} (from the file's provenance)" + (f", eps = {fmt(eps)}" if eps else ""))
    f = target(text)
    cert = certify(net, f, None if eps is None else float(eps), domain=net.domain)
    exact = f" (exact sup = {cert.exact_sup})" if cert.exact_sup else ""
    info(f"error       U = {cert.upper:.6g} ({cert.method}{'' if cert.rigorous else ', NOT rigorous'}), "
         f"L = {cert.lower:.6g} at x = {cert.witness:.6g}{exact}")
    if args.cert:
        cert.save(args.cert)
    ok = cert.certified
    verdict = "CERTIFIED" if ok else "NOT CERTIFIED"
    cond = f" <= eps = {float(eps):.4g}" if eps is not None else ""
    info(f"{verdict}: permutation {'ok' if chk.ok else 'failed'}, sup|f - f_NN| <= {cert.upper:.4g}"
         + (cond if ok else (f" > eps = {float(eps):.4g}" if eps is not None and cert.upper > float(eps) else "")))
    return 0 if ok else 1
