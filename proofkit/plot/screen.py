r"""Screen-resolution curves drawn from a network's compiled piecewise-linear form.

A network of H units is a piecewise-linear function with at most H knots
(:attr:`proofkit.network.PermNetwork.pl`); it is never evaluated as a dense :math:`H\times m` product.

* :func:`pl_polyline` — the polyline of a PL function on [a, b]: its exact knots when there are few,
  else, per screen column, the values at the column's left edge and at its lowest and highest knots
  (a PL function's extremes on an interval lie at a knot or an end), so the drawn envelope is exact at
  the screen's resolution. :math:`O(K)` after one binary search per column.
* :func:`error_samples` — points at which :math:`e=f^*-f^{NN}` is sampled: every knot of the network in
  [a, b], every piece's midpoint and a uniform grid (capped for very large networks), sorted.
* :func:`column_envelope` — per-column (min, max) of sampled values, drawn as a polyline through the
  minimum and the maximum of each column, in x order.
"""
from __future__ import annotations

import numpy as np

__all__ = ["pl_polyline", "error_samples", "column_envelope", "column_max", "COLUMNS", "MAX_SAMPLES"]

COLUMNS = 1600          # screen columns of a full-width panel
MAX_SAMPLES = 6_000_000  # cap on error sample points (knots + midpoints) for huge networks


def _knots_in(pl, a, b):
    t = np.asarray(pl.knots, dtype=float)
    i = np.searchsorted(t, a, side="left")
    j = np.searchsorted(t, b, side="right")
    return t[i:j], np.asarray(pl.values, dtype=float)[i:j]


def pl_polyline(pl, a: float, b: float, columns: int = COLUMNS):
    """(x, y) to draw the PL function ``pl`` on [a, b] (see the module docstring)."""
    a, b = float(a), float(b)
    t, v = _knots_in(pl, a, b)
    if len(t) <= 4 * columns:
        x = np.unique(np.concatenate([[a], t, [b]]))
        return x, np.asarray(pl(x), dtype=float)
    edges = np.linspace(a, b, columns + 1)
    ev = np.asarray(pl(edges), dtype=float)
    col = np.clip(np.searchsorted(edges, t, side="right") - 1, 0, columns - 1)
    return _interleave(edges, ev, t, v, col, columns)


def _interleave(edges, ev, t, v, col, columns):
    """Polyline through each column's left edge, its min and its max (x order), and the right end."""
    present = np.zeros(columns, bool)
    present[col] = True
    starts = np.flatnonzero(np.concatenate([[True], col[1:] != col[:-1]]))
    cols = col[starts]
    imin = _arg_reduce(v, starts, np.minimum)
    imax = _arg_reduce(v, starts, np.maximum)
    xs = np.full((columns, 3), np.nan)
    ys = np.full((columns, 3), np.nan)
    xs[:, 0], ys[:, 0] = edges[:-1], ev[:-1]
    first = np.minimum(imin, imax)
    second = np.maximum(imin, imax)
    xs[cols, 1], ys[cols, 1] = t[first], v[first]
    xs[cols, 2], ys[cols, 2] = t[second], v[second]
    keep = ~np.isnan(xs)
    x = np.concatenate([xs[keep], [edges[-1]]])
    y = np.concatenate([ys[keep], [ev[-1]]])
    return x, y


def _arg_reduce(v, starts, op):
    """Index (into v) of the min/max of each group v[starts[k]:starts[k+1]]."""
    red = op.reduceat(v, starts)
    lengths = np.diff(np.concatenate([starts, [len(v)]]))
    group = np.repeat(np.arange(len(starts)), lengths)
    hit = v == red[group]
    # first hit per group: positions where hit, minimal within group
    idx = np.flatnonzero(hit)
    g = group[idx]
    firsts = np.flatnonzero(np.concatenate([[True], g[1:] != g[:-1]]))
    return idx[firsts]


def error_samples(pl, a: float, b: float, columns: int = COLUMNS, cap: int = MAX_SAMPLES) -> np.ndarray:
    """Sorted sample points of [a, b] for the error: knots, piece midpoints, a uniform grid."""
    a, b = float(a), float(b)
    t, _ = _knots_in(pl, a, b)
    t = np.unique(np.concatenate([[a], t, [b]]))
    if 2 * len(t) > cap:  # keep every k-th knot: still far more points than pixels
        t = t[:: int(np.ceil(2 * len(t) / cap))]
        t = np.unique(np.concatenate([[a], t, [b]]))
    mids = (t[1:] + t[:-1]) / 2
    grid = np.linspace(a, b, 4 * columns + 1)
    return np.unique(np.concatenate([t, mids, grid]))


def column_envelope(x, y, a: float, b: float, columns: int = COLUMNS):
    """(x, y) polyline of the per-column min and max of samples (x sorted); few samples pass as they are."""
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    if len(x) <= 4 * columns:
        return x, y
    edges = np.linspace(float(a), float(b), columns + 1)
    col = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, columns - 1)
    starts = np.flatnonzero(np.concatenate([[True], col[1:] != col[:-1]]))
    imin = _arg_reduce(y, starts, np.minimum)
    imax = _arg_reduce(y, starts, np.maximum)
    idx = np.sort(np.unique(np.concatenate([imin, imax, [0, len(x) - 1]])))
    return x[idx], y[idx]


def column_max(x, y, a: float, b: float, columns: int = COLUMNS):
    """(column centres, per-column max of y) for columns that hold samples (log-scale error curves)."""
    edges = np.linspace(float(a), float(b), columns + 1)
    col = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, columns - 1)
    starts = np.flatnonzero(np.concatenate([[True], col[1:] != col[:-1]]))  # x is sorted
    centres = (edges[:-1] + edges[1:]) / 2
    return centres[col[starts]], np.maximum.reduceat(np.asarray(y, float), starts)
