r"""Experiments: one spec per figure of the paper, the sweep runner, the published reference values.

* :data:`FIGURES` — name -> spec: ``fig1`` (constructions), ``fig2a``, ``fig2b`` (1-D rates), ``fig3``
  (2-D), ``fig4`` (3-D), ``fig5`` (eight random initialisations), ``fig6`` (permutation behaviour),
  ``fig7`` (period k), ``fig8`` (leaky ReLU). Each spec has ``runs(mode)`` (sweep configurations) and
  ``make(records, mode, out_dir)`` (PNG, PDF and JSON).
* :func:`make_figures` — collect the runs of the requested figures, run them in one sweep
  (:func:`proofkit.experiments.sweep.run_sweep`: joblib, one result file per run, resumable), draw every
  figure, write ``REPORT.md``.
* Modes: ``quick`` (default: fewer seeds and epochs with the compressed learning-rate schedule; all
  figures within minutes on two cores) and ``full`` (the paper's protocol: 10 seeds 2022+1000j, 6400
  epochs); see :mod:`proofkit.experiments.spec`.
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
from .report import write_report
from .runs import train_run
from .spec import MODES, SpecError, check_mode
from .sweep import config_key, run_sweep

__all__ = ["FIGURES", "make_figures", "figure_runs", "FiguresResult", "MODES", "estimate_cost",
           "DEFAULT_RESULTS"]

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


def estimate_cost(config: dict) -> float:
    """A relative cost of a run (epochs x training points x hidden width) for scheduling big runs first."""
    t = config["train"]
    D = {1: 2, 2: 8, 3: 26}[t["dim"]]
    n_train = t.get("n_train") or (1600 if t["dim"] == 1 else 51200)
    return float(t["epochs"]) * n_train * D * t["n"]


@dataclass
class FiguresResult:
    """What :func:`make_figures` did: figure name -> its JSON summary, the sweep stats, files, seconds."""

    figures: dict = field(default_factory=dict)
    stats: object = None
    report: str | None = None
    seconds: float = 0.0


def make_figures(names=None, *, mode: str = "quick", out_dir="figures", results_dir=None, n_jobs: int = 2,
                 backend: str = "loky", scheduler=None, progress=None, run_fn=train_run,
                 report: bool = True) -> FiguresResult:
    """Regenerate the selected figures (all by default) into ``out_dir``.

    All runs of all selected figures form one sweep (shared runs are computed once), largest first;
    results are stored in ``results_dir`` (default ``out_dir/runs``) and re-used on the next call. Then
    every figure is drawn (``<name>.png``, ``.pdf``, ``.json``) and, if ``report``, ``REPORT.md`` is
    rewritten from all figure JSON files present in ``out_dir``.
    """
    t0 = time.perf_counter()
    check_mode(mode)
    selected = _select(names)
    out_dir = os.fspath(out_dir)
    os.makedirs(out_dir, exist_ok=True)
    results_dir = results_dir or os.path.join(out_dir, DEFAULT_RESULTS)
    per_fig = {name: FIGURES[name].runs(mode) for name in selected}
    unique = {}
    for cfgs in per_fig.values():
        for c in cfgs:
            unique.setdefault(config_key(c), c)
    todo = sorted(unique.values(), key=estimate_cost, reverse=True)
    records_list, stats = run_sweep(todo, run_fn, results_dir, n_jobs=n_jobs, backend=backend,
                                    scheduler=scheduler, desc=f"{mode} runs", progress=progress)
    records = {r["key"]: r for r in records_list}
    result = FiguresResult(stats=stats)
    from .._io import atomic_write_json

    for name in selected:
        summary = FIGURES[name].make(records, mode, out_dir)
        atomic_write_json(os.path.join(out_dir, f"{name}.json"), summary)
        result.figures[name] = summary
    if report:
        result.report = write_report(out_dir)
    result.seconds = time.perf_counter() - t0
    return result
