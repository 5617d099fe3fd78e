r"""The paper's published numbers (arXiv 2407.01033, Figs. 2–8), and the certified error floors of Figs. 3–4.

``proofkit/data/reference_values.json`` holds the published numbers, transcribed from the paper's figures and
tables (with a ``"source"`` note). For every rate figure it holds, per series and width n, the published geometric mean of
the :math:`L^\infty` test error :math:`\max_x|f^{NN}(x)-f^*(x)|` over the runs (seeds
:math:`2022+1000j`), and for Figs. 2(a), 2(b) and 3 the minimum and maximum over the runs (the error bars).
Fig. 4's values are approximate read-offs of the published plot (``"approximate": true``).

These numbers are only ever *compared with* (REPORT.md, hollow markers); nothing in proofkit is tuned to
them.

``proofkit/data/floor_<fig>.json`` (format ``proofkit.floor/1``), when present, holds the error floor of a
2-D/3-D figure: with its first layer fixed (the figure's directions), *every* network, whatever its width and
coefficients, has :math:`\sup|f^{NN}-f^*|\ge` ``lower_bound`` (certified, rounded down), and
``best_fit_error`` is the smallest error found (achievable, not certified). :func:`floor_values` reads it.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from ..errors import ProofkitError

__all__ = ["ReferenceValuesError", "load_reference", "figure_reference", "published_series", "PublishedSeries",
           "floor_values", "parse_floor", "FLOOR_FORMAT"]

FLOOR_FORMAT = "proofkit.floor/1"


class ReferenceValuesError(ProofkitError):
    """Unknown figure or series in the reference values."""


@lru_cache(maxsize=1)
def _load_text() -> str:
    return resources.files("proofkit").joinpath("data/reference_values.json").read_text(encoding="utf-8")


def load_reference() -> dict:
    """The whole reference file as a dict (a fresh copy on every call)."""
    return json.loads(_load_text())


def figure_reference(fig: str) -> dict:
    """The reference entry of one figure (``"fig2a"``, ..., ``"fig8"``)."""
    figs = load_reference()["figures"]
    if fig not in figs:
        raise ReferenceValuesError(f"no published values for '{fig}'; known: {', '.join(figs)}")
    return figs[fig]


@dataclass(frozen=True)
class PublishedSeries:
    """Published values of one series: widths n, geometric means, and min/max (None where not published)."""

    label: str
    widths: tuple
    gmean: tuple
    min: tuple | None
    max: tuple | None
    approximate: bool = False

    def at(self, n: int):
        """(gmean, min, max) at width n, or None if the paper has no value there."""
        for i, w in enumerate(self.widths):
            if w == n:
                lo = self.min[i] if self.min else None
                hi = self.max[i] if self.max else None
                return self.gmean[i], lo, hi
        return None


def published_series(fig: str, label: str) -> PublishedSeries | None:
    """The published series ``label`` of figure ``fig`` (None if the paper tabulates no numbers for it).

    Widths come from the figure's ``widths_n``; ``extra_points`` (e.g. Fig. 8 Equidistant at n = 640,
    1280) are appended.
    """
    ref = figure_reference(fig)
    series = ref.get("series", {})
    if label not in series:
        raise ReferenceValuesError(f"figure '{fig}' has no series '{label}'; known: {', '.join(series)}")
    s = series[label]
    if s.get("gmean_linf") is None:
        return None
    widths = list(ref["widths_n"][:len(s["gmean_linf"])])
    gmean = list(s["gmean_linf"])
    lo = list(s["min_linf"]) if s.get("min_linf") else None
    hi = list(s["max_linf"]) if s.get("max_linf") else None
    for extra in s.get("extra_points", []):
        if extra.get("plotted") is False:
            continue
        widths.append(extra["n"])
        gmean.append(extra["gmean_linf"])
        if lo is not None:
            lo.append(None)
            hi.append(None)
    return PublishedSeries(label, tuple(widths), tuple(gmean), tuple(lo) if lo else None,
                           tuple(hi) if hi else None, bool(s.get("approximate", ref.get("approximate", False))))


def floor_values(fig: str) -> dict | None:
    """The certified error floor of figure ``fig`` from ``proofkit/data/floor_<fig>.json``, or None when
    that file does not exist (see :func:`parse_floor`)."""
    name = f"floor_{fig}.json"
    ref = resources.files("proofkit").joinpath(f"data/{name}")
    if not ref.is_file():
        return None
    return parse_floor(ref.read_text(encoding="utf-8"), f"proofkit/data/{name}")


def parse_floor(text: str, where: str) -> dict:
    """``{"lower_bound", "best_fit_error", "source"}`` (floats) of a ``proofkit.floor/1`` record: the lower
    bound is certified and rounded down, the best fit is achievable but not certified. A text that is not
    such a record (not JSON, other format, a value missing, negative or not finite, best fit below the
    bound) raises ReferenceValuesError naming ``where``."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ReferenceValuesError(f"{where}: not JSON ({exc})") from None
    if not isinstance(data, dict) or data.get("format") != FLOOR_FORMAT:
        raise ReferenceValuesError(f"{where}: not a {FLOOR_FORMAT} record")
    out = {"source": where}
    for key in ("lower_bound", "best_fit_error"):
        v = data.get(key)
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v < 0:
            raise ReferenceValuesError(f"{where}: '{key}' must be a finite non-negative number, got {v!r}")
        out[key] = float(v)
    if out["best_fit_error"] < out["lower_bound"]:
        raise ReferenceValuesError(f"{where}: best_fit_error {out['best_fit_error']} is below the certified "
                                   f"lower_bound {out['lower_bound']}")
    return out
