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
* **Progress** (:class:`Progress`). On a terminal a tqdm bar counts runs. When stderr is not a terminal
  (``nohup``, a log file, CI) one line is printed to stderr at least every 30 s: runs done, elapsed time,
  an estimate of the time left (from the cost model of :mod:`proofkit.experiments.cost` when given), and
  the caller's status text (e.g. which figures are done).
"""
from __future__ import annotations

import hashlib
import json
import os
import sys
import threading
import time
from dataclasses import dataclass

from .._io import atomic_write_json
from ..errors import ProofkitError

__all__ = ["config_key", "run_sweep", "load_run", "SweepError", "SweepStats", "RUN_FORMAT", "BACKENDS", "Progress",
           "PROGRESS_INTERVAL", "format_clock"]

RUN_FORMAT = "proofkit.run/1"
PROGRESS_INTERVAL = 30.0  # seconds between progress lines when stderr is not a terminal
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


def format_clock(seconds: float) -> str:
    """h:mm:ss of a number of seconds."""
    s = int(round(seconds))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


class Progress:
    """Progress of a sweep of ``total`` distinct runs of which ``cached`` were loaded from disk.

    ``mode``: False = silent; True or None = a tqdm bar when ``stream`` (default stderr) is a terminal,
    otherwise a line every ``interval`` seconds from a background thread (so a line appears even while
    one long run is computing). ``cost(config)`` (estimated seconds, optional) weights the estimate of
    the time left; ``status()`` (optional) returns text appended to each line."""

    def __init__(self, total, cached, *, desc="runs", mode=None, cost=None, status=None, n_jobs=1,
                 interval=None, stream=None):
        self.total, self.done, self.cached, self.desc = total, cached, cached, desc
        self.cost, self.status, self.n_jobs = cost, status, max(1, n_jobs)
        self.interval = float(PROGRESS_INTERVAL if interval is None else interval)
        self.stream = stream if stream is not None else sys.stderr
        self.t0 = time.perf_counter()
        self.todo_cost = self.done_cost = 0.0
        self._bar = self._thread = None
        self._stop = threading.Event()
        if mode is False:
            self.kind = "silent"
        elif getattr(self.stream, "isatty", lambda: False)():
            self.kind = "bar"
        else:
            self.kind = "lines"

    def start(self, todo_configs):
        """Begin: ``todo_configs`` are the runs to compute now."""
        if self.cost is not None:
            self.todo_cost = float(sum(self.cost(c) for c in todo_configs))
        if self.kind == "bar":
            from tqdm.auto import tqdm

            self._bar = tqdm(total=self.total, initial=self.cached, desc=self.desc, unit="run", leave=False,
                             file=self.stream)
        elif self.kind == "lines":
            self.line()
            self._thread = threading.Thread(target=self._beat, name="proofkit-progress", daemon=True)
            self._thread.start()
        return self

    def _beat(self):
        while not self._stop.wait(self.interval):
            self.line()

    def advance(self, config):
        """One run finished."""
        self.done += 1
        if self.cost is not None:
            self.done_cost += float(self.cost(config))
        if self._bar is not None:
            self._bar.update(1)

    def left_seconds(self) -> float | None:
        """Estimated seconds left: elapsed x (cost left / cost done), or before the first run the cost
        model's estimate divided by the workers; None without a cost model."""
        if self.cost is None or self.todo_cost <= 0:
            return None
        elapsed = time.perf_counter() - self.t0
        left = max(self.todo_cost - self.done_cost, 0.0)
        if self.done_cost > 0:
            return elapsed * left / self.done_cost
        return left / self.n_jobs

    def line(self):
        """Print one progress line."""
        pct = 100.0 * self.done / self.total if self.total else 100.0
        text = (f"{self.desc}: {self.done}/{self.total} runs ({pct:.0f} %; {self.cached} loaded), "
                f"elapsed {format_clock(time.perf_counter() - self.t0)}")
        left = self.left_seconds()
        if left is not None and self.done < self.total:
            text += f", about {format_clock(left)} left"
        extra = self.status() if self.status else ""
        print(f"{text}{' | ' + extra if extra else ''}", file=self.stream, flush=True)

    def close(self):
        """Stop the bar or the line thread (a last line in line mode)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self.line()
        if self._bar is not None:
            self._bar.close()


def run_sweep(configs, run_fn, results_dir, *, n_jobs: int = 2, backend: str = "loky", scheduler=None,
              desc: str = "runs", progress: bool | None = None, on_result=None, on_start=None, cost=None,
              status=None):
    """Run every configuration not already stored in ``results_dir``; return (records, stats).

    ``records`` is a list aligned with ``configs`` (duplicates share one run) of dicts
    ``{"format", "key", "config", "result", "seconds"}``. ``n_jobs`` is joblib's (-1 = all cores);
    ``backend`` one of :data:`BACKENDS`; ``scheduler`` the cluster address for ``dask``/``ray``.
    Runs are dispatched in the order of ``configs``.
    ``progress``: False = silent, else see :class:`Progress` (``cost``, ``status`` are passed to it).
    ``on_start(loaded)`` is called once with {key: record} of the runs loaded from disk, before any run is
    computed; ``on_result(record)`` in the parent after each computed run is saved.
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
    if on_start is not None:
        on_start(dict(records))

    if todo:
        prog = Progress(stats.total, stats.cached, desc=desc, mode=progress, cost=cost, status=status,
                        n_jobs=n_jobs if n_jobs > 0 else (os.cpu_count() or 1))
        prog.start(todo.values())
        try:
            for key, result, secs in _execute(todo, run_fn, n_jobs, backend, scheduler):
                rec = {"format": RUN_FORMAT, "key": key, "config": todo[key], "result": result,
                       "seconds": round(secs, 4)}
                atomic_write_json(_path(results_dir, key), rec)
                records[key] = rec
                stats.computed += 1
                stats.run_seconds += secs
                prog.advance(todo[key])
                if on_result is not None:
                    on_result(rec)
        finally:
            prog.close()
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
