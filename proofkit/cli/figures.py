"""``proofkit figures [--only fig2a ...] [--quick | --full]``: regenerate the paper's figures.

Each figure lands (PNG, PDF, JSON, and REPORT.md updated) as soon as its own runs are done, cheapest figure
first; an interrupted run resumes from the stored runs (``OUT/runs``). Progress goes to stderr: a bar on a
terminal, otherwise a line at least every 30 s."""
from __future__ import annotations

import os

from . import CLIError
from ._common import info


def register(sub):
    p = sub.add_parser("figures", help="regenerate the paper's figures (PNG, PDF, JSON) and figures/REPORT.md",
                       description="Train every run the selected figures need (in parallel through joblib; each "
                                   "finished run is saved at once, so an interrupted sweep resumes), draw each "
                                   "figure as soon as its runs are done (cheapest figure first), with the "
                                   "published values and ranges as hollow markers, and keep OUT/REPORT.md "
                                   "comparing our numbers with the paper's up to date. Wall times go to "
                                   "OUT/timings.json, never into the figure files.")
    p.add_argument("--only", nargs="+", metavar="FIG", default=None,
                   help="figures to make (fig1 fig2a fig2b fig3 fig4 fig5 fig6 fig7 fig8; default all)")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--quick", dest="mode", action="store_const", const="quick",
                      help="the paper's protocol on the first 3 of its 10 seeds (Figs. 4, 6: their one run per "
                           "width), each figure labelled with what it omits (default; about 15 minutes on 2 cores)")
    mode.add_argument("--full", dest="mode", action="store_const", const="full",
                      help="the paper's protocol: 10 seeds 2022+1000j at every published width (about 3 times "
                           "the quick sweep; --list estimates both)")
    p.set_defaults(mode="quick")
    p.add_argument("--out", default="figures", help="output folder (default figures/)")
    p.add_argument("--results", default=None,
                   help="folder of per-run result files (default OUT/runs); runs found there are not recomputed")
    p.add_argument("--jobs", "-j", type=int, default=None,
                   help="parallel workers (default: min(2, cores) locally; with --backend dask/ray every "
                        "worker of the cluster; -1 = all)")
    p.add_argument("--backend", default="loky",
                   choices=["loky", "multiprocessing", "threading", "sequential", "dask", "ray"],
                   help="joblib backend (default loky = local processes; dask/ray for a cluster)")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="Dask scheduler (e.g. tcp://host:8786) or Ray cluster address")
    p.add_argument("--list", action="store_true",
                   help="list the figures with their run counts and estimated compute time, then exit")
    p.add_argument("--no-progress", action="store_true", help="no progress bar or progress lines")
    p.set_defaults(func=run)


def default_jobs(requested, backend="loky"):
    """Workers: the requested number, else every cluster worker (-1) for dask/ray, else min(2, cores)."""
    if requested is not None:
        if requested == 0 or requested < -1:
            raise CLIError(f"--jobs must be a positive number or -1, got {requested}")
        return requested
    if backend in ("dask", "ray"):
        return -1
    return max(1, min(2, os.cpu_count() or 1))


def run(args) -> int:
    from ..experiments import figure_order, figure_runs, make_figures
    from ..experiments.cost import run_seconds
    from ..experiments.sweep import config_key

    if args.scheduler and args.backend not in ("dask", "ray"):
        raise CLIError("--scheduler needs --backend dask or --backend ray")
    if args.list:
        runs = figure_runs(args.only, args.mode)
        seen, total = set(), 0.0
        info(f"{args.mode} mode, in the order the figures are made (estimated compute, one core, "
             "proofkit.experiments.cost):")
        for name in figure_order(runs):
            cfgs = runs[name]
            new = [c for c in cfgs if config_key(c) not in seen]
            secs = sum(run_seconds(c) for c in new)
            total += secs
            seen |= {config_key(c) for c in cfgs}
            shared = len(cfgs) - len(new)
            info(f"{name:6s} {len(cfgs):4d} runs{f' ({shared} shared)' if shared else '':14s} "
                 f"~{secs / 60:6.1f} min")
        info(f"{len(seen)} distinct runs in {args.mode} mode, ~{total / 60:.0f} min of one core "
             f"(~{total / 120:.0f} min on 2 cores)")
        return 0
    jobs = default_jobs(args.jobs, args.backend)
    figure_runs(args.only, args.mode)  # validates the names before anything is printed or computed
    info(f"proofkit figures: {args.mode} mode, {', '.join(args.only) if args.only else 'all figures'}, "
         f"{'all cluster' if jobs == -1 else jobs} worker(s), backend {args.backend}, output {args.out}/")
    res = make_figures(args.only, mode=args.mode, out_dir=args.out, results_dir=args.results, n_jobs=jobs,
                       backend=args.backend, scheduler=args.scheduler,
                       progress=False if args.no_progress else None, log=info)
    st = res.stats
    info(f"runs: {st.total} needed, {st.cached} loaded from {args.results or os.path.join(args.out, 'runs')}, "
         f"{st.computed} computed ({st.run_seconds:.0f} s of compute)")
    for name, summary in res.figures.items():
        orders = _orders(summary)
        if orders:
            info(f"  {name:6s}{orders}")
    if res.report:
        info(f"report: {res.report}")
    info(f"done in {res.seconds:.1f} s (timings in {os.path.join(args.out, 'timings.json')})")
    return 0


def _orders(summary) -> str:
    series = summary.get("series")
    if not isinstance(series, dict):
        return ""
    parts = []
    for label, s in series.items():
        r = s.get("fitted_order")
        if r is not None:
            parts.append(f"{label} {r:.2f}")
    return ("   fitted orders: " + "; ".join(parts)) if parts else ""
