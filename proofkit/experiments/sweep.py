r"""Sweeps of independent runs: joblib execution, one result file per run, resume after interruption.

A *run* is a JSON-serialisable configuration dict (target, initialisation, width n, seed, protocol, ...)
and a *run function* ``run_fn(config) -> dict`` (JSON-serialisable result). A sweep is a list of runs.

* **Identity.** A run is identified by :func:`config_key`, the SHA-256 of its configuration in canonical
  JSON (sorted keys, no whitespace). Two figures that need the same run (Fig. 5's Equidistant, Random 1 and
  Random 2 are Fig. 2(a)'s three series) share one result file.
* **Persistence.** Each finished run is written at once, atomically (:func:`proofkit._io.atomic_write_json`),
  to ``results_dir/<key>.json`` as ``{"format": "proofkit.run/1", "key", "config", "result", "seconds"}``.
  A sweep first loads every run whose file exists and whose stored configuration equals the requested one,
  and computes only the others: an interrupted sweep resumes where it stopped, a finished one is not
  recomputed. A damaged file (not JSON, wrong format, other configuration) counts as missing and is
  overwritten.
* **Execution.** Runs go through :class:`joblib.Parallel` (``return_as="generator_unordered"``; the parent
  writes each result as it arrives). ``backend`` is any joblib backend: ``"loky"`` (processes, the
  default), ``"threading"``, ``"sequential"``, or ``"dask"`` / ``"ray"`` for a cluster (``scheduler`` is
  the Dask scheduler address or the Ray cluster address).
* **Progress.** A tqdm bar counts runs; it is silent when stderr is not a terminal.
"""
from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass

from .._io import atomic_write_json
from ..errors import ProofkitError

__all__ = ["config_key", "run_sweep", "load_run", "SweepError", "SweepStats", "RUN_FORMAT", "BACKENDS"]

RUN_FORMAT = "proofkit.run/1"
BACKENDS = ("loky", "multiprocessing", "threading", "sequential", "dask", "ray")


class SweepError(ProofkitError):
    """Bad sweep parameters (unknown backend, configuration that is not JSON, missing cluster package)."""


def _canonical(config) -> str:
    try:
        return json.dumps(config, sort_keys=True, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise SweepError(f"run configuration is not plain JSON: {exc}") from None


def config_key(config: dict) -> str:
    """SHA-256 (hex, first 24 digits) of the canonical JSON of ``config``: the run's file name."""
    return hashlib.sha256(_canonical(config).encode("utf-8")).hexdigest()[:24]


def _path(results_dir, key):
    return os.path.join(os.fspath(results_dir), f"{key}.json")


def load_run(results_dir, config: dict):
    """The stored record of ``config`` in ``results_dir``, or None if absent or unusable."""
    key = config_key(config)
    try:
        with open(_path(results_dir, key), encoding="utf-8") as fh:
            rec = json.load(fh)
    except (OSError, ValueError):
        return None
    if not isinstance(rec, dict) or rec.get("format") != RUN_FORMAT or "result" not in rec:
        return None
    if _canonical(rec.get("config")) != _canonical(config):
        return None
    return rec


@dataclass
class SweepStats:
    """Counts of a sweep: runs requested (distinct), loaded from disk, computed now; wall seconds; and
    the summed per-run compute seconds of the runs computed now."""

    total: int = 0
    cached: int = 0
    computed: int = 0
    seconds: float = 0.0
    run_seconds: float = 0.0


def _timed(run_fn, key, config):
    t0 = time.perf_counter()
    result = run_fn(config)
    return key, result, time.perf_counter() - t0


class _ClusterContext:
    """Set up the Dask / Ray joblib backend (imports only when asked for)."""

    def __init__(self, backend, scheduler):
        self.backend, self.scheduler, self.client = backend, scheduler, None

    def __enter__(self):
        if self.backend == "dask":
            try:
                from dask.distributed import Client
            except ImportError:
                raise SweepError("backend 'dask' needs the packages dask and distributed "
                                 "(pip install 'dask[distributed]')") from None
            self.client = Client(self.scheduler) if self.scheduler else Client(processes=True)
        elif self.backend == "ray":
            try:
                import ray
                from ray.util.joblib import register_ray
            except ImportError:
                raise SweepError("backend 'ray' needs the package ray (pip install 'ray[default]')") from None
            register_ray()
            if not ray.is_initialized():
                ray.init(address=self.scheduler) if self.scheduler else ray.init()
        return self

    def __exit__(self, *exc):
        if self.client is not None:
            self.client.close()
        return False


def run_sweep(configs, run_fn, results_dir, *, n_jobs: int = 2, backend: str = "loky", scheduler=None,
              desc: str = "runs", progress: bool | None = None, on_result=None):
    """Run every configuration not already stored in ``results_dir``; return (records, stats).

    ``records`` is a list aligned with ``configs`` (duplicates share one run) of dicts
    ``{"format", "key", "config", "result", "seconds"}``. ``n_jobs`` is joblib's (-1 = all cores);
    ``backend`` one of :data:`BACKENDS`; ``scheduler`` the cluster address for ``dask``/``ray``.
    ``progress``: True/False forces the bar on/off; None shows it only on a terminal.
    ``on_result(record)`` is called in the parent after each computed run is saved.
    If a run raises (or the sweep is interrupted), every run finished so far is already on disk and the
    exception propagates.
    """
    if backend not in BACKENDS:
        raise SweepError(f"unknown backend '{backend}'; valid: {', '.join(BACKENDS)}")
    if scheduler is not None and backend not in ("dask", "ray"):
        raise SweepError("a scheduler address applies to the 'dask' and 'ray' backends only")
    if not isinstance(n_jobs, int) or n_jobs == 0:
        raise SweepError(f"n_jobs must be a non-zero integer, got {n_jobs!r}")
    t0 = time.perf_counter()
    configs = list(configs)
    keys = [config_key(c) for c in configs]
    os.makedirs(os.fspath(results_dir), exist_ok=True)
    records, todo = {}, {}
    for key, config in zip(keys, configs):
        if key in records or key in todo:
            continue
        rec = load_run(results_dir, config)
        if rec is not None:
            records[key] = rec
        else:
            todo[key] = config
    stats = SweepStats(total=len(records) + len(todo), cached=len(records))

    if todo:
        from tqdm.auto import tqdm

        bar = tqdm(total=stats.total, initial=stats.cached, desc=desc, unit="run",
                   disable=None if progress is None else not progress, leave=False)
        try:
            for key, result, secs in _execute(todo, run_fn, n_jobs, backend, scheduler):
                rec = {"format": RUN_FORMAT, "key": key, "config": todo[key], "result": result,
                       "seconds": round(secs, 4)}
                atomic_write_json(_path(results_dir, key), rec)
                records[key] = rec
                stats.computed += 1
                stats.run_seconds += secs
                bar.update(1)
                if on_result is not None:
                    on_result(rec)
        finally:
            bar.close()
    stats.seconds = time.perf_counter() - t0
    return [records[k] for k in keys], stats


def _execute(todo, run_fn, n_jobs, backend, scheduler):
    """Yield (key, result, seconds) for each configuration of ``todo``, in completion order."""
    items = list(todo.items())
    if backend == "sequential" or n_jobs == 1 and backend in ("loky", "multiprocessing"):
        for key, config in items:
            yield _timed(run_fn, key, config)
        return
    import joblib

    with _ClusterContext(backend, scheduler):
        with joblib.parallel_config(backend=backend, n_jobs=n_jobs):
            par = joblib.Parallel(return_as="generator_unordered", batch_size=1, pre_dispatch="2*n_jobs")
            yield from par(joblib.delayed(_timed)(run_fn, key, config) for key, config in items)
