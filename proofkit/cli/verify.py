"""``proofkit verify NET.json [TARGET] [--eps E]``: re-check a network file independently of its origin.

Exit 0: the coefficients are a permutation of the pool and (with a target) sup|f - f_NN| <= eps is
certified -- or, without a tolerance, a bound was proved; 1: not certified; 2: bad input (unreadable file,
bad target, an ``exact`` section that does not round to the float values, ...).

What is bounded is the float network the file stores (every float64 an exact binary rational); the bound
is printed rounded up, the sampled lower bound rounded down (:mod:`proofkit.fmt`). ``--check-cert C.json``
checks a stored certificate instead: it must name this network (``network_sha256``, else exit 2), and its
claims are confirmed (exit 0) only if the bound recomputed now is at least as strong (else exit 1).

2-D/3-D training results (``proofkit.permnet-nd/1``) are certified too: their permutation is checked
bitwise and sup|f - f_NN| over the whole cube is bounded by :func:`proofkit.certify_nd.certify_nd` (certificate
format ``proofkit.certificate-nd/1``, ``--check-cert`` likewise). A target that method cannot enclose (not
smooth: abs, Max, Piecewise, ...) gets only a *sampled* error on a grid, labelled NOT a certificate (exit 1
with ``--eps``).
"""
from __future__ import annotations

import numpy as np

from ..expr import TargetError
from ..network import PermNetwork, read_network_json
from ..fmt import fmt_exact, fmt_lower, fmt_upper
from . import CLIError
from ._common import info, positive, target


def register(sub):
    p = sub.add_parser("verify", help="re-check a network file: permutation and certified error",
                       description="Check that the coefficients of NET.json are a permutation of its pool "
                                   "(exactly, or bitwise) and, given TARGET, certify sup|f - f_NN| on the "
                                   "network's domain. Without TARGET/--eps the file's provenance is used.")
    p.add_argument("network", help="network file (proofkit.permnet/1, or permnet-nd/1 from 2-D/3-D training)")
    p.add_argument("target", nargs="?", default=None, help="target expression (default: the file's provenance)")
    p.add_argument("--eps", type=positive("--eps"), default=None, help="tolerance to certify against")
    p.add_argument("--cert", default=None, help="write the certificate JSON here")
    p.add_argument("--check-cert", default=None, metavar="CERT",
                   help="check a stored certificate (proofkit.certificate/3; certificate-nd/1 for 2-D/3-D) against "
                        "this network: it must name "
                        "the network (network_sha256), and its bound is confirmed only if the one proved now is "
                        "at least as strong; target, domain and eps come from the certificate")
    from .plot import add_plot_option
    add_plot_option(p)
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
    if args.check_cert:
        from ..certify import Certificate
        return _check_stored(args, Certificate, net.sha256(),
                             lambda c: certify(net, target(c.target), c.eps, domain=c.domain), print_error)
    text = args.target or net.provenance.get("target")
    eps = args.eps
    if eps is None and args.target is None and net.provenance.get("epsilon") is not None:
        eps = positive("epsilon")(str(net.provenance["epsilon"]))
    if text is None:
        info("no target given and none in the file's provenance: only the permutation was checked")
        _plot(args, net_file=args.network)
        return 0 if chk.ok else 1
    if args.target is None:
        info(f"target      {text} (from the file's provenance)" + (f", eps = {fmt_exact(eps)}" if eps else ""))
    f = target(text)
    cert = certify(net, f, None if eps is None else float(eps), domain=net.domain)
    print_error(cert)
    if args.cert:
        cert.save(args.cert)
    _plot(args, net_file=args.network, target_text=text, eps=None if eps is None else float(eps), cert=cert)
    return _verdict(cert, eps)


def _plot(args, **kw):
    """--plot FILE: the figure of 'proofkit plot' for this network (with the certificate just made)."""
    if args.plot:
        from .plot import write_plot
        write_plot(args.plot, **kw)


def print_error(cert):
    """The 'error' line: U rounded up, L rounded down, and the float network they are about."""
    exact = ""
    if cert.exact_sup:
        exact = (f" (exact sup = {cert.exact_sup})" if len(cert.exact_sup) <= 40 else
                 f" (exact sup known: a rational of {len(cert.exact_sup)} characters, in the certificate)")
    what = "certified upper bound" if cert.rigorous else "NOT rigorous"
    info(f"error       U = {fmt_upper(cert.upper_exact, 6)} ({what}, {cert.method}), L = {fmt_lower(cert.lower, 6)} "
         f"at x = {cert.witness:.6g} (sampled lower bound){exact}  [float network {cert.network_sha256[:12]}]")


def _verdict(cert, eps) -> int:
    """The last line: CERTIFIED only with a tolerance (U <= eps); without one, the proved bound."""
    U = fmt_upper(cert.upper_exact, 4)
    perm = f"permutation {'ok' if cert.permutation_ok else 'failed'}"
    if eps is None:
        if cert.rigorous:
            info(f"proved bound: {perm}, sup|f - f_NN| <= {U} (no tolerance given: nothing to certify against)")
        else:
            info(f"NOT a proof: {perm}, sampled max |f - f_NN| = {U}")
        return 0 if cert.rigorous and cert.permutation_ok else 1
    rel = "<=" if cert.upper <= float(eps) else ">"
    info(f"{'CERTIFIED' if cert.certified else 'NOT CERTIFIED'}: {perm}, sup|f - f_NN| <= {U} {rel} eps = "
         f"{fmt_exact(eps)}")
    return 0 if cert.certified else 1


def _check_stored(args, cls, sha, recompute, show) -> int:
    """verify --check-cert: the stored certificate (a ``cls``: Certificate, or NDCertificate for 2-D/3-D) must
    name this network (``sha``); its claims are checked against ``recompute(stored)``, shown by ``show``."""
    import json

    from ..certify import CertificateError
    if args.target is not None or args.eps is not None:
        raise CLIError("--check-cert takes the target, domain and eps from the certificate: give neither TARGET nor --eps")
    stored = cls.load(args.check_cert)
    with open(args.check_cert, encoding="utf-8") as fh:
        claimed_certified = json.load(fh).get("certified") is True
    if stored.network_sha256 is None:
        raise CertificateError(f"network_sha256: {args.check_cert} is a proofkit.certificate/1 file, which names no "
                               f"network; certify again (proofkit verify NET --cert C.json)")
    if stored.network_sha256 != sha:
        raise CertificateError(f"network_sha256: {args.check_cert} is about network {stored.network_sha256[:12]}..., "
                               f"not this file's {sha[:12]}...: refused")
    cube = f"^{stored.dim}" if getattr(stored, "dim", None) else ""
    info(f"certificate {args.check_cert}: target {stored.target} on [{stored.domain[0]!r}, {stored.domain[1]!r}]{cube}, "
         f"eps = {fmt_exact(stored.eps) if stored.eps is not None else 'none'}, network {sha[:12]} (matches)")
    fresh = recompute(stored)
    show(fresh)
    problems = stored.unconfirmed_claims(fresh, claimed_certified)
    for p in problems:
        info(f"claim       {p}")
    if problems:
        info(f"not confirmed: {len(problems)} claim(s) of the stored certificate do not hold for this network")
        return 1
    what = ("CERTIFIED" if claimed_certified else "proved bound")
    info(f"confirmed: the stored certificate's claims hold ({what}: sup|f - f_NN| <= "
         f"{fmt_upper(stored.upper_exact, 4)})")
    return 0


ND_GRID = {2: 401, 3: 61}  # points per axis of the sampling grid (1.6e5 and 2.3e5 points)


def _run_nd(args, data) -> int:
    """verify for a 2-D/3-D network: bitwise permutation check and a certified error bound (a sampled one,
    labelled NOT a certificate, for targets the certifier cannot enclose)."""
    from ..certify_nd import NotCertifiableError, certify_nd
    from ..train.ndnet import NDPermNetwork
    net = NDPermNetwork.from_dict(data)
    ok = net.check_permutation()
    a, b = net.domain
    info(f"network     {args.network}: {net.dim}-D, hidden width {len(net.pool)}, domain [{a:g}, {b:g}]^{net.dim}, "
         f"scale {net.scale:.6g}, shift {net.shift:.6g}")
    info(f"permutation {'OK' if ok else 'FAILED'} (bitwise): "
         + ("coefficients are pool[permutation], a bijection" if ok else
            "the permutation is not a bijection or the stored coefficients differ from pool[permutation]"))
    if args.check_cert:
        from ..certify_nd import NDCertificate, network_sha256
        return _check_stored(args, NDCertificate, network_sha256(net),
                             lambda c: certify_nd(net, c.target, c.eps, rtol=c.rtol), print_error_nd)
    text = args.target or net.provenance.get("target")
    _plot(args, net_file=args.network, target_text=text)
    if text is None:
        info("no target given and none in the file's provenance: only the permutation was checked")
        return 0 if ok else 1
    if args.target is None:
        info(f"target      {text} (from the file's provenance)")
    eps = None if args.eps is None else float(args.eps)
    try:
        cert = certify_nd(net, text, eps)
    except NotCertifiableError as exc:
        info(f"cannot certify: {exc}")
        return _sampled_nd(args, net, text, ok)
    print_error_nd(cert)
    if args.cert:
        cert.save(args.cert)
    return _verdict(cert, args.eps)


def print_error_nd(cert):
    """The 'error' lines of a 2-D/3-D certificate: U rounded up, L rounded down, the work done."""
    where = ", ".join(f"{v:.6g}" for v in cert.witness)
    info(f"error       U = {fmt_upper(cert.upper_exact, 6)} (certified upper bound, {cert.method}), L = "
         f"{fmt_lower(cert.lower, 6)} at ({where}) (lower bound)  [float network {cert.network_sha256[:12]}]")
    info(f"proof       {cert.leaves} boxes proved in arb ({cert.boxes} screened), rtol {cert.rtol:g}, "
         f"{cert.seconds:.1f} s" + "".join(f"; {n}" for n in cert.notes))


def _sampled_nd(args, net, text, ok) -> int:
    """The fallback for targets the certifier cannot enclose: the error sampled on a grid, NOT a certificate."""
    from ..train.problem import target_function
    a, b = net.domain
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
         f"of the sup, NOT a certificate")
    if args.eps is not None:
        info(f"NOT CERTIFIED: no certificate for this target"
             + (f" (and the sampled error already exceeds eps = {float(args.eps):.4g})" if err[k] > float(args.eps) else ""))
    else:
        info(f"NOT a proof: permutation {'ok' if ok else 'failed'}, sampled max |f - f_NN| = {err[k]:.6g}")
    return 1
