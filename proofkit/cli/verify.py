"""``proofkit verify NET.json [TARGET] [--eps E]``: re-check a network file independently of its origin.

Exit 0: the coefficients are a permutation of the pool and (with a target) sup|f - f_NN| <= eps is
certified; 1: not certified; 2: bad input (unreadable file, bad target, ...).

2-D/3-D training results (``proofkit.permnet-nd/1``) are read too: their permutation is checked bitwise,
and with a target the error is *sampled* on a grid of the cube and reported as a lower bound of the sup,
never as a certificate (proofkit certifies 1-D networks only), so ``--eps`` gives exit 1 for them.
"""
from __future__ import annotations

import numpy as np

from ..expr import TargetError
from ..network import PermNetwork, read_network_json
from ._common import fmt, info, positive, target


def register(sub):
    p = sub.add_parser("verify", help="re-check a network file: permutation and certified error",
                       description="Check that the coefficients of NET.json are a permutation of its pool "
                                   "(exactly, or bitwise) and, given TARGET, certify sup|f - f_NN| on the "
                                   "network's domain. Without TARGET/--eps the file's provenance is used.")
    p.add_argument("network", help="network file (proofkit.permnet/1, or permnet-nd/1 from 2-D/3-D training)")
    p.add_argument("target", nargs="?", default=None, help="target expression (default: the file's provenance)")
    p.add_argument("--eps", type=positive("--eps"), default=None, help="tolerance to certify against")
    p.add_argument("--cert", default=None, help="write the certificate JSON here")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..certify import certify  # imported here: the CLI starts fast
    from ..train.ndnet import ND_FORMAT
    data = read_network_json(args.network)
    if data.get("format") == ND_FORMAT:
        return _run_nd(args, data)
    net = PermNetwork.from_dict(data)
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


ND_GRID = {2: 401, 3: 61}  # points per axis of the sampling grid (1.6e5 and 2.3e5 points)


def _run_nd(args, data) -> int:
    """verify for a 2-D/3-D network: bitwise permutation check and a sampled (not certified) error."""
    from ..train.ndnet import NDPermNetwork
    from ..train.problem import target_function
    net = NDPermNetwork.from_dict(data)
    ok = net.check_permutation()
    a, b = net.domain
    info(f"network     {args.network}: {net.dim}-D, hidden width {len(net.pool)}, domain [{a:g}, {b:g}]^{net.dim}, "
         f"scale {net.scale:.6g}, shift {net.shift:.6g}")
    info(f"permutation {'OK' if ok else 'FAILED'} (bitwise): "
         + ("coefficients are pool[permutation], a bijection" if ok else
            "the permutation is not a bijection or the stored coefficients differ from pool[permutation]"))
    text = args.target or net.provenance.get("target")
    if text is None:
        info("no target given and none in the file's provenance: only the permutation was checked")
        return 0 if ok else 1
    if args.target is None:
        info(f"target      {text} (from the file's provenance)")
    f = target_function(text, net.dim)
    m = ND_GRID[net.dim]
    axes = [np.linspace(a, b, m)] * net.dim
    X = np.stack([g.ravel() for g in np.meshgrid(*axes, indexing="ij")], axis=1)
    with np.errstate(all="ignore"):
        err = np.abs(f(X) - net(X))
    if not np.all(np.isfinite(err)):
        raise TargetError(f"target '{text}' is not finite on the {m}^{net.dim} grid of [{a:g}, {b:g}]^{net.dim}")
    k = int(np.argmax(err))
    where = ", ".join(f"{v:.4g}" for v in X[k])
    info(f"error       sampled max |f - f_NN| = {err[k]:.6g} at ({where}) on a {m}^{net.dim} grid: a lower bound "
         f"of the sup, NOT a certificate (proofkit certifies 1-D networks only)")
    if args.eps is not None:
        info(f"NOT CERTIFIED: no certificate exists for {net.dim}-D networks"
             + (f" (and the sampled error already exceeds eps = {float(args.eps):.4g})" if err[k] > float(args.eps) else ""))
        return 1
    return 0 if ok else 1
