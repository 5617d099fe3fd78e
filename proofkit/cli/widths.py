"""``proofkit widths TARGET --eps-list ...``: hidden width used vs predicted, Theorems 1-3, with a plot."""
from __future__ import annotations

from ..widths import markdown_table, width_table, write_widths
from . import CLIError
from ._common import domain_or_default, info, number, positive, target


def register(sub):
    p = sub.add_parser("widths", help="tabulate and plot the hidden width vs eps for Theorems 1, 2, 3",
                       description="Run the constructions of Theorems 1, 2, 3 for each eps (no certification) "
                                   "and tabulate the hidden width used next to the width the proof predicts; "
                                   "writes JSON, markdown and a log-log PNG into --outdir.")
    p.add_argument("target", help="target expression in x, e.g. 'sin(2*pi*x)'")
    p.add_argument("--eps-list", nargs="+", type=positive("--eps-list"), required=True, metavar="EPS",
                   help="tolerances, e.g. 0.1 0.05 0.02 0.01 0.005 0.002 0.001")
    p.add_argument("--theorems", nargs="+", choices=("1", "2", "3"), default=["1", "2", "3"])
    p.add_argument("--domain", nargs=2, type=number, metavar=("A", "B"), default=None)
    p.add_argument("--t2-seconds", type=float, default=60.0,
                   help="stop Theorem 2 once its constructions took this long (default 60)")
    p.add_argument("--outdir", default="figures", help="output directory (default figures)")
    p.add_argument("--stem", default="widths", help="file name stem (default widths)")
    p.set_defaults(func=run)


def run(args) -> int:
    f = target(args.target)
    a, b, dom_text = domain_or_default(args.domain)
    info(f"target      {f.text} on {dom_text}")
    if args.t2_seconds < 0:
        raise CLIError("--t2-seconds must be >= 0")

    def progress(r):
        w = "" if r["width_used"] is None else f"width {r['width_used']}"
        wb = "" if r["width_bound"] is None else f", predicted {r['width_bound']:.3g}"
        info(f"theorem {r['theorem']} eps {r['eps']:g}: {w}{wb} [{r['status']}]")

    table = width_table(f, [float(e) for e in args.eps_list], (float(a), float(b)), theorems=args.theorems,
                        t2_seconds=args.t2_seconds, progress=progress)
    paths = write_widths(table, args.outdir, args.stem)
    info(markdown_table(table))
    info("wrote " + ", ".join(paths.values()))
    return 0
