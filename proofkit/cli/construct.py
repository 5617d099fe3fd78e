"""``proofkit construct TARGET --eps E``: build a theorem's network and certify it.

Before building, :func:`proofkit.preflight.preflight` checks the target (finite, continuous, accurate in
float64) and prints the width the construction will need with estimates of its time and memory; above
the limits (``--max-pairs``, ``--max-memory``; defaults in :mod:`proofkit.limits`) it refuses in one line.
Long builds show a progress bar on a terminal, or a line at least every 20 s otherwise (``--progress``).
"""
from __future__ import annotations

import time

from ..fmt import fmt_exact, fmt_upper
from . import CLIError
from ..limits import MAX_FILE_UNITS, MAX_MEMORY_BYTES, MAX_PAIRS
from ._common import Progress, add_progress_argument, domain_or_default, fmt, info, memory_size, number, positive, target
from .verify import print_error


def register(sub):
    p = sub.add_parser("construct", help="build a permutation network for TARGET within EPS and certify it",
                       description="Build the network of Theorem 1 (2, 3) of Cai-Chen-Qiao for TARGET, whose "
                                   "coefficients are a permutation of the weight pool, and certify "
                                   "sup|f - f_NN| <= EPS on the whole domain (interval arithmetic).")
    p.add_argument("target", help="target expression in x, sympy syntax, e.g. 'sin(2*pi*x)' (never evaluated as Python)")
    p.add_argument("--eps", type=positive("--eps"), required=True, help="tolerance (e.g. 0.05 or 1/20)")
    p.add_argument("--theorem", choices=("1", "2", "3"), default="1", help="which construction (default 1)")
    p.add_argument("--domain", nargs=2, type=number, metavar=("A", "B"), default=None,
                   help="interval (default 0 1, the theorems' interval; ends within +-1e15)")
    p.add_argument("--seed", type=int, default=None, help="seed of the random pool (theorem 3)")
    p.add_argument("--n-hat", type=int, default=None, help="override the coarse grid size n_hat")
    p.add_argument("--L", type=int, default=None, dest="L", help="override the refinement factor L")
    p.add_argument("--delta-h", type=positive("--delta-h"), default=None, help="override the level spacing")
    p.add_argument("--exact", action="store_true", help="build in exact rationals (equidistant pool)")
    p.add_argument("--max-rounds", type=int, default=4, help="refinements if the certificate fails (default 4)")
    p.add_argument("--out", default=None, help="write the network (proofkit.permnet/1 JSON)")
    p.add_argument("--cert", default=None, help="write the certificate (proofkit.certificate/1 JSON)")
    p.add_argument("--max-pairs", type=int, default=MAX_PAIRS,
                   help=f"refuse a construction estimated to need more pairs (default {MAX_PAIRS:,})")
    p.add_argument("--max-memory", type=memory_size, default=MAX_MEMORY_BYTES, metavar="SIZE",
                   help="refuse a construction estimated to need more memory, e.g. 16GiB (default 8GiB)")
    add_progress_argument(p)
    from .plot import add_plot_option
    add_plot_option(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from ..build import build  # imported here: the CLI starts fast and one verb's layer cannot break another
    from ..preflight import preflight
    t0 = time.perf_counter()
    f = target(args.target)
    a, b, dom_text = domain_or_default(args.domain)
    if args.max_pairs < 1:
        raise CLIError("--max-pairs must be at least 1")
    if args.max_rounds < 1:
        raise CLIError("--max-rounds must be at least 1")
    overrides = {}
    if args.n_hat is not None:
        overrides["n_hat"] = args.n_hat
    if args.L is not None:
        overrides["L"] = args.L
    if args.delta_h is not None:
        overrides["delta_h"] = float(args.delta_h) if not args.exact else args.delta_h
    if args.exact:
        overrides["exact"] = True
    if args.seed is not None:
        if args.theorem != "3":
            raise CLIError("--seed applies to --theorem 3 only")
        overrides["seed"] = args.seed
    eps = args.eps

    info(f"target      {f.text} on {dom_text}, eps = {fmt(eps)}  (Theorem {args.theorem})")
    est = preflight(f, eps, args.theorem, (a, b), max_pairs=args.max_pairs, max_memory=args.max_memory,
                    **overrides)
    info(f"plan        {est.line()}")
    if args.out and est.width > MAX_FILE_UNITS:
        raise CLIError(f"--out: a network of about {est.width:,} hidden units is not written as JSON (limit "
                       f"{MAX_FILE_UNITS:,}); build without --out (--cert still writes the certificate)")

    def on_round(i, cons, cert):
        progress.phase(f"round {i + 2}: rebuilding with a finer delta_h")
        if i > 0 or not cert.certified:
            info(f"round {i + 1}: n = {cons.params.get('n')}, delta_h = {fmt(cons.params.get('delta_h'))}, "
                 f"U = {fmt_upper(cert.upper_exact, 4)} {'<=' if cert.upper <= float(eps) else '>'} eps")

    with Progress(args.progress, f"proofkit construct (Theorem {args.theorem}, n ~ {est.pairs:,})",
                  expected=est.seconds) as progress:
        progress.phase("round 1: constructing and certifying")
        result = build(f, eps, theorem=args.theorem, domain=(a, b), max_rounds=args.max_rounds,
                       on_round=on_round, **overrides)
    cons, cert = result.construction, result.certificate
    p = cons.params
    info(f"network     n = {p.get('n')} pairs, hidden width {cons.width_used}"
         + (f"; the proof's worst-case bound asks for width {cons.width_bound:.3g}" if cons.width_bound else ""))
    shown = [k for k in ("n_hat", "L", "delta_h", "gamma", "alpha", "steps", "displaced") if k in p]
    info("parameters  " + ", ".join(f"{k} = {fmt(p[k])}" for k in shown))
    info("budget      " + ", ".join(f"{t['name']} {fmt_upper(t['value'], 3)}" for t in cons.budget.to_dict()["terms"])
         + f"  => total {fmt_upper(cons.budget.total, 4)}")
    info(f"permutation {'OK' if cert.permutation_ok else 'FAILED'} ({cert.permutation_method}): {cert.permutation_message}")
    print_error(cert)
    if args.out:
        from ..construct.record import save_network  # the network with its optional blocks section
        save_network(cons, args.out)
        info(f"wrote       {args.out}")
    if args.cert:
        cert.save(args.cert)
        info(f"wrote       {args.cert}")
    if args.plot:
        from ..construct.record import construction_blocks
        from .plot import write_plot
        write_plot(args.plot, net=cons.net, target_text=f.text, eps=float(eps), cert=cert,
                   blocks=construction_blocks(cons))
    verdict = "CERTIFIED" if cert.certified else "NOT CERTIFIED"
    info(f"{verdict}: sup|f - f_NN| <= {fmt_upper(cert.upper_exact, 4)} {'<=' if cert.upper <= float(eps) else '>'} "
         f"eps = {fmt_exact(eps)}  [{time.perf_counter() - t0:.2f} s, {len(result.rounds)} round(s)]")
    if not cert.certified:
        info("the construction could not be certified within --max-rounds refinements; "
             "try more rounds, a larger --eps or an explicit --n-hat/--delta-h")
        return 1
    return 0
