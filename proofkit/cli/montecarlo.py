"""``proofkit montecarlo TARGET --eps E``: Theorem 3 success probability, exact vs Monte Carlo, at several n."""
from __future__ import annotations

import json
import os

from .._io import atomic_write_bytes
from ..construct.theorem3 import montecarlo_table
from . import CLIError
from ._common import domain_or_default, info, number, positive, target


def register(sub):
    p = sub.add_parser("montecarlo", help="Theorem 3: exact coverage probability vs Monte Carlo success rates",
                       description="For n = factors x the automatic Theorem-3 width: the exact inclusion-exclusion "
                                   "coverage probability, the union-bound and paper-route estimates, and Monte "
                                   "Carlo rates of the coverage event and of the whole construction (sampled "
                                   "error check). Writes JSON and markdown into --outdir.")
    p.add_argument("target", help="target expression in x")
    p.add_argument("--eps", type=positive("--eps"), required=True)
    p.add_argument("--domain", nargs=2, type=number, metavar=("A", "B"), default=None)
    p.add_argument("--factors", nargs="+", type=float, default=[0.5, 0.7, 0.85, 1.0, 1.2])
    p.add_argument("--draws", type=int, default=1000, help="coverage Monte Carlo draws per n (default 1000)")
    p.add_argument("--construct-draws", type=int, default=1000,
                   help="seeds per n for the construction success rate (default 1000; 0 to skip)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--outdir", default="figures")
    p.add_argument("--stem", default="montecarlo")
    p.set_defaults(func=run)


def _md(tab):
    lines = [f"Theorem 3 success probability: {tab['target']}, eps = {tab['eps']:g}, automatic n = {tab['n_auto']} "
             f"(m_b = {tab['m_b']} bias intervals of length {tab['ell_b']:.3g}, m_v = {tab['m_v']} value "
             f"intervals of length {tab['ell_v']:.3g})", "",
             "| n | exact coverage | union bound | paper route | MC coverage [99% CI] | MC construction [99% CI] |",
             "|---|---|---|---|---|---|"]
    for r in tab["rows"]:
        mc = f"{r['mc_coverage']:.3f} [{r['mc_coverage_ci99'][0]:.3f}, {r['mc_coverage_ci99'][1]:.3f}] ({r['draws']})"
        if "mc_construction" in r:
            cons = (f"{r['mc_construction']:.3f} [{r['mc_construction_ci99'][0]:.3f}, "
                    f"{r['mc_construction_ci99'][1]:.3f}] ({r['construct_draws']})")
        else:
            cons = "not run"
        lines.append(f"| {r['n']} | {r['exact']:.4f} | {r['union']:.4f} | {r['paper_route']:.3g} | {mc} | {cons} |")
    lines += ["", "The rows share their random streams (the MC coverage of every row draws from seeds seed+1 and "
              "seed+2, the constructions from seeds seed..): their Monte Carlo columns are positively correlated, "
              "so a fluctuation of the draws tends to show in every row, on the same side of the exact value."]
    return "\n".join(lines) + "\n"


def run(args) -> int:
    f = target(args.target)
    a, b, dom_text = domain_or_default(args.domain)
    info(f"target      {f.text} on {dom_text}, eps = {float(args.eps):g}")
    if args.draws < 1 or args.construct_draws < 0 or args.jobs < 1:
        raise CLIError("--draws and --jobs must be >= 1, --construct-draws >= 0")
    if any(x <= 0 for x in args.factors):
        raise CLIError("--factors must be positive")
    tab = montecarlo_table(f, float(args.eps), (float(a), float(b)), n_factors=args.factors, draws=args.draws,
                           construct_draws=args.construct_draws, seed=args.seed, jobs=args.jobs,
                           progress=lambda r: info(f"n = {r['n']}: exact {r['exact']:.4f}, MC coverage "
                                                   f"{r['mc_coverage']:.3f}"
                                                   + (f", MC construction {r['mc_construction']:.3f}"
                                                      if "mc_construction" in r else "")))
    os.makedirs(args.outdir, exist_ok=True)
    base = os.path.join(args.outdir, args.stem)
    atomic_write_bytes(base + ".json", (json.dumps(tab, indent=1) + "\n").encode())
    atomic_write_bytes(base + ".md", _md(tab).encode())
    info(_md(tab))
    info(f"wrote {base}.json, {base}.md")
    return 0
