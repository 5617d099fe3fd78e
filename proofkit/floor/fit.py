r"""The other side of the bracket: the best ridge sum we can find, and its error (achievable, *not* certified).

The certified floor L says no network with the fixed directions gets below L. How close to L can one get?
We fit a ridge sum :math:`N(x) = \sum_j g_j(a_j\cdot x)` with every profile :math:`g_j` piecewise linear on
K equal intervals of the range of :math:`a_j\cdot x` over the box, minimising the maximum error over a
regular sample grid (a linear program in the knot values and the error, scipy's HiGHS interior point), and
then measure :math:`\max|f^* - N|` on a much finer grid. Such an N *is* a network of the architecture
(a piecewise-linear profile with K + 1 knots is a shift plus K + 1 ReLU units of directions
:math:`\pm a_j`), but its coefficients are free, not a permutation of a pool. The measured error is a
sampled maximum: the supremum over the box may be a little larger, so it is reported as an achievable
error, not as a certified upper bound.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sps
from scipy.optimize import linprog

from .directions import FloorError

__all__ = ["RidgeFit", "best_ridge_fit", "profile_range"]


def profile_range(line, domain) -> tuple[float, float]:
    """The range [lo, hi] of :math:`a\\cdot x` over the box :math:`[A, B]^d`."""
    a, b = float(domain[0]), float(domain[1])
    lo = sum(min(c * a, c * b) for c in line)
    hi = sum(max(c * a, c * b) for c in line)
    return lo, hi


def _grid(n: int, dim: int, domain) -> np.ndarray:
    g = np.linspace(float(domain[0]), float(domain[1]), n)
    return np.stack(np.meshgrid(*[g] * dim, indexing="ij"), axis=-1).reshape(-1, dim)


@dataclass
class RidgeFit:
    """A ridge sum with piecewise-linear profiles: ``values[j]`` at the K + 1 equidistant knots of line j.

    ``lp_value``: the LP's maximum error on the sample grid (``samples`` points per axis);
    ``sampled_error``: max |f* - N| on the finer grid of ``dense`` points per axis, attained at ``argmax``."""

    lines: list
    domain: tuple
    knots: int
    values: list
    lp_value: float
    samples: int
    sampled_error: float = float("nan")
    dense: int = 0
    argmax: tuple = ()
    seconds: float = 0.0

    def __call__(self, X) -> np.ndarray:
        X = np.asarray(X, dtype=float)
        out = np.zeros(len(X))
        for line, vals in zip(self.lines, self.values):
            lo, hi = profile_range(line, self.domain)
            out += np.interp(X @ np.asarray(line, float), np.linspace(lo, hi, self.knots + 1), vals)
        return out

    def measure(self, f, dense: int, chunk: int = 250_000) -> None:
        """Set ``sampled_error`` and ``argmax`` from the grid of ``dense`` points per axis (in chunks)."""
        dim = len(self.lines[0])
        X = _grid(dense, dim, self.domain)
        worst, where = -1.0, None
        for s in range(0, len(X), chunk):
            Xc = X[s:s + chunk]
            err = np.abs(f(Xc) - self(Xc))
            i = int(np.argmax(err))
            if err[i] > worst:
                worst, where = float(err[i]), tuple(float(v) for v in Xc[i])
        self.sampled_error, self.dense, self.argmax = worst, dense, where

    def to_json(self) -> dict:
        return {"error": self.sampled_error, "dense_points_per_axis": self.dense, "at": list(self.argmax),
                "lp_value": self.lp_value, "knots_per_direction": self.knots,
                "sample_points_per_axis": self.samples, "seconds": round(self.seconds, 3),
                "method": "LP over ridge sums with piecewise-linear profiles (K equal intervals per direction "
                          "line), minimax on the sample grid; error = max |f - N| sampled on the dense grid "
                          "(achievable by a network with these directions and free coefficients; NOT certified)"}


def _hat_matrix(t, lo, hi, K) -> sps.csr_matrix:
    """Rows: the piecewise-linear interpolation weights of t on the knots linspace(lo, hi, K + 1)."""
    s = (t - lo) / (hi - lo) * K
    i = np.clip(np.floor(s).astype(np.int64), 0, K - 1)
    w = s - i
    n = len(t)
    r = np.arange(n)
    return sps.csr_matrix((np.r_[1 - w, w], (np.r_[r, r], np.r_[i, i + 1])), shape=(n, K + 1))


def best_ridge_fit(f, domain, lines_, knots: int, samples: int, dense: int) -> RidgeFit:
    """Fit (module docstring) on the grid of ``samples`` points per axis, measured on ``dense`` per axis."""
    t0 = time.perf_counter()
    dim = len(lines_[0])
    X = _grid(samples, dim, domain)
    F = f(X)
    blocks = []
    for line in lines_:
        lo, hi = profile_range(line, domain)
        blocks.append(_hat_matrix(X @ np.asarray(line, float), lo, hi, knots))
    A = sps.hstack(blocks).tocsr()
    n, p = A.shape
    one = sps.csr_matrix(np.ones((n, 1)))
    A_ub = sps.vstack([sps.hstack([A, -one]), sps.hstack([-A, -one])]).tocsr()
    c = np.zeros(p + 1)
    c[-1] = 1.0
    res = linprog(c, A_ub=A_ub, b_ub=np.r_[F, -F], bounds=[(None, None)] * p + [(0, None)], method="highs-ipm")
    if res.status != 0 or res.x is None:
        raise FloorError(f"the ridge-fit LP failed ({res.message}); try fewer knots or samples")
    K1 = knots + 1
    fit = RidgeFit(lines=[tuple(l) for l in lines_], domain=tuple(domain), knots=knots,
                   values=[res.x[j * K1:(j + 1) * K1] for j in range(len(lines_))], lp_value=float(res.x[-1]),
                   samples=samples)
    fit.measure(f, dense)
    fit.seconds = time.perf_counter() - t0
    return fit
