r"""Experiments: one spec per figure of the paper, the sweep runner, the published reference values.

* :data:`FIGURES` — name -> spec: ``fig1`` (constructions), ``fig2a``, ``fig2b`` (1-D rates), ``fig3``
  (2-D), ``fig4`` (3-D), ``fig5`` (eight random initialisations), ``fig6`` (permutation behaviour),
  ``fig7`` (period k), ``fig8`` (leaky ReLU). Each spec has ``runs(mode)`` (sweep configurations) and
  ``make(records, mode, out_dir)`` (PNG, PDF and JSON).
* :func:`make_figures` — all runs of the requested figures in one sweep (:func:`proofkit.experiments.sweep.
  run_sweep`: joblib, one result file per run, resumable), queued figure by figure, cheapest figure first
  (:mod:`proofkit.experiments.cost`); each figure is drawn, and its PNG, PDF and JSON written (and
  ``REPORT.md`` updated), as soon as its own runs are done, so an interrupted sweep loses no finished figure.
* Modes: ``quick`` (default: the paper's protocol on fewer seeds, a figure may also cut widths; all figures
  within minutes on two cores) and ``full`` (the paper's protocol: 10 seeds 2022+1000j, every published width); see
  :mod:`proofkit.experiments.spec`.
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass, field

from .fig1 import FIG1
from .fig2 import FIG2A, FIG2B
from .fig3 import FIG3
from .fig4 import FIG4
from .fig5 import FIG5
from .fig6 import FIG6
from .fig7 import FIG7
from .fig8 import FIG8
from .cost import run_seconds
from .report import write_report
from .runs import train_run
from .spec import MODES, SpecError, check_mode
from .sweep import config_key, format_clock, run_sweep
from .timings import update_timings

__all__ = ["FIGURES", "make_figures", "figure_runs", "figure_order", "FiguresResult", "MODES", "DEFAULT_RESULTS"]

FIGURES = {"fig1": FIG1, "fig2a": FIG2A, "fig2b": FIG2B, "fig3": FIG3, "fig4": FIG4, "fig5": FIG5,
           "fig6": FIG6, "fig7": FIG7, "fig8": FIG8}
DEFAULT_RESULTS = "runs"  # sub-folder of the output folder holding one JSON file per finished run


def _select(names):
    if not names:
        return list(FIGURES)
    out = []
    for name in names:
        key = str(name).lower().replace(".", "").replace(" ", "")
        key = key if key.startswith("fig") else f"fig{key}"
        if key not in FIGURES:
            raise SpecError(f"unknown figure '{name}'; valid: {', '.join(FIGURES)}")
        if key not in out:
            out.append(key)
    return out


def figure_runs(names=None, mode: str = "quick") -> dict:
    """name -> list of sweep configurations for the selected figures."""
    check_mode(mode)
    return {name: FIGURES[name].runs(mode) for name in _select(names)}


def figure_order(runs_by_figure: dict) -> list:
    """Figure names cheapest first: repeatedly the figure whose runs not yet queued by an earlier figure
    cost least (:func:`proofkit.experiments.cost.run_seconds`); ties keep the given order."""
    keyed = {name: [(config_key(c), run_seconds(c)) for c in cfgs] for name, cfgs in runs_by_figure.items()}
    left, queued, order = list(keyed), set(), []
    while left:
        cost = {name: sum(s for k, s in keyed[name] if k not in queued) for name in left}
        best = min(left, key=cost.__getitem__)
        order.append(best)
        left.remove(best)
        queued.update(k for k, _ in keyed[best])
    return order


@dataclass
class FiguresResult:
    """What :func:`make_figures` did: figure name -> its JSON summary (in the order they landed), the
    sweep stats, the report path, seconds."""

    figures: dict = field(default_factory=dict)
    stats: object = None
    report: str | None = None
    seconds: float = 0.0


def make_figures(names=None, *, mode: str = "quick", out_dir="figures", results_dir=None, n_jobs: int = 2,
                 backend: str = "loky", scheduler=None, progress=None, run_fn=train_run,
                 report: bool = True, log=None) -> FiguresResult:
    """Regenerate the selected figures (all by default) into ``out_dir``.

    All runs of all selected figures form one sweep (shared runs are computed once), queued figure by
    figure in :func:`figure_order`, each figure's runs largest first; results are stored in
    ``results_dir`` (default ``out_dir/runs``) and re-used on the next call. A figure is drawn
    (``<name>.png``, ``.pdf``, ``.json``) as soon as all its runs are done (at once if they were all
    stored), and then, if ``report``, ``REPORT.md`` is rewritten from all figure JSON files present in
    ``out_dir``. Wall times go to ``out_dir/timings.json`` (:mod:`proofkit.experiments.timings`), never
    into the figure files. ``log(text)``, if given, is called with one line per finished figure.
    """
    from .._io import atomic_write_json

    t0 = time.perf_counter()
    check_mode(mode)
    selected = _select(names)
    out_dir = os.fspath(out_dir)
    os.makedirs(out_dir, exist_ok=True)
    results_dir = results_dir or os.path.join(out_dir, DEFAULT_RESULTS)
    per_fig = {name: FIGURES[name].runs(mode) for name in selected}
    order = figure_order(per_fig)
    queue, seen = [], set()
    for name in order:
        for c in sorted(per_fig[name], key=run_seconds, reverse=True):
            key = config_key(c)
            if key not in seen:
                seen.add(key)
                queue.append(c)
    need = {name: {config_key(c) for c in per_fig[name]} for name in order}
    records = {}
    result = FiguresResult()

    def land_ready():
        for name in order:
            if name in result.figures or not need[name] <= records.keys():
                continue
            summary = FIGURES[name].make(records, mode, out_dir)
            atomic_write_json(os.path.join(out_dir, f"{name}.json"), summary)
            result.figures[name] = summary
            update_timings(out_dir, "figures", name, {
                "mode": mode, "runs": len(need[name]),
                "run_seconds": round(sum(float(records[k].get("seconds", 0.0)) for k in need[name]), 2),
                "landed_after_seconds": round(time.perf_counter() - t0, 1)})
            if report:
                result.report = write_report(out_dir)
            if log is not None:
                log(f"  {name:6s} done -> {', '.join(summary.get('files', []))}, {name}.json"
                    f"  [{format_clock(time.perf_counter() - t0)}]")

    def on_start(loaded):
        records.update(loaded)
        land_ready()

    def on_result(rec):
        records[rec["key"]] = rec
        land_ready()

    def status():
        done = [n for n in order if n in result.figures]
        waiting = [n for n in order if n not in result.figures]
        return f"figures done: {' '.join(done) or '-'}; next: {waiting[0] if waiting else '-'}"

    _, stats = run_sweep(queue, run_fn, results_dir, n_jobs=n_jobs, backend=backend, scheduler=scheduler,
                         desc=f"{mode} runs", progress=progress, on_start=on_start, on_result=on_result,
                         cost=run_seconds, status=status)
    land_ready()
    result.stats = stats
    if report and result.report is None:
        result.report = write_report(out_dir)
    result.seconds = time.perf_counter() - t0
    return result
