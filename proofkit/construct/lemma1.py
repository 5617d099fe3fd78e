r"""Lemma 1: the piecewise-constant approximation :math:`f_{pc}` of a continuous target (arXiv 2407.01033, Lemma 1).

For :math:`f^*\in C([a,b])` and a level spacing :math:`\Delta h>0` put :math:`g=f^*-f^*(a)` and

.. math:: k(x)=\Big\lfloor \frac{g(x)}{\Delta h}+\tfrac12\Big\rfloor,\qquad
          f_{pc}(x)=f^*(a)+\Delta h\,k(x)=f^*(a)+\sum_{j=1}^{J}a_j\,\Delta h\,\mathbf 1_{[s_j,b]}(x),

so :math:`|f_{pc}-f^*|\le\Delta h/2` wherever :math:`k` is evaluated exactly. The unit steps
:math:`(s_j,a_j)`, :math:`a_j\in\{\pm1\}`, sit where :math:`g` crosses a half-level
:math:`(l-\tfrac12)\Delta h`; a jump of :math:`k` by several units between two samples becomes several
unit steps at (nearly) the same place.

How the crossings are found: :math:`f^*` is sampled on a dense grid (:math:`2^{20}` intervals by
default), refined adaptively where a sample interval's increment :math:`|\Delta f|` exceeds
:math:`\Delta h/32` (cusps, steep parts); :math:`k` is computed at the samples and every crossing of a
half-level inside a sample interval is refined by bisection to machine precision with the numpy
evaluator of :math:`f^*`. Hence :math:`f_{pc}` agrees with :math:`k` at every sample point.

What is *proved* and what is *estimated* (stated honestly): at the samples the error is at most
:math:`\Delta h/2`. Inside a sample interval :math:`[x_m,x_{m+1}]` the level :math:`k` of :math:`f_{pc}`
lies between :math:`k(x_m)` and :math:`k(x_{m+1})`, so

.. math:: |f^*(x)-f_{pc}(x)|\le \Delta h/2+\eta_m,\qquad
          \eta_m\ge \operatorname{osc}(f^*,[x_m,x_{m+1}]),

where the oscillation bound :math:`\eta_m` is an *estimate*: twice the largest sampled increment of
:math:`f^*` on the interval and its two neighbours, and at least :math:`1.25\,(x_{m+1}-x_m)\max|f^{*\prime}|`
at its ends when the derivative is available (it covers a double crossing of a level that falls between
two samples). The Lemma-1 error bound reported is :math:`\Delta h/2+\max_m\eta_m`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from ..limits import MAX_PAIRS, rational
from .budget import ConstructionError, WidthLimitError

__all__ = ["Lemma1Result", "piecewise_constant_approximation", "sample_target", "oscillation_estimate",
           "level_crossings", "sampled_step_count", "target_evaluator", "derivative_evaluator", "as_fraction"]

DEFAULT_SAMPLES = 2 ** 20
MAX_SAMPLES = 2 ** 22


def as_fraction(value, name="value") -> Fraction:
    """An exact Fraction of a number: decimal text and floats as written (0.1 -> 1/10), Fractions as is."""
    if isinstance(value, Fraction):
        return value
    if isinstance(value, bool):
        raise ConstructionError(f"{name} must be a number, got {value!r}")
    try:
        if isinstance(value, (int, np.integer)):
            return Fraction(int(value))
        if isinstance(value, (float, np.floating)):
            if not math.isfinite(value):
                raise ConstructionError(f"{name} must be finite, got {value!r}")
            return Fraction(repr(float(value)))
        return rational(str(value), name, max_chars=4000)  # proofkit.limits: no '1e999999999'
    except (ValueError, ZeroDivisionError, TypeError):
        raise ConstructionError(f"{name} must be a number, got {str(value)[:60]!r}") from None


def target_evaluator(target):
    """A vectorised float64 evaluator x -> f*(x) of a :class:`~proofkit.expr.Target` (lambdified once)
    or of a plain callable."""
    func = getattr(target, "func", None)
    f = func if func is not None else target

    def evaluate(x):
        x = np.asarray(x, dtype=float)
        with np.errstate(all="ignore"):
            y = np.asarray(f(x), dtype=float)
        return np.broadcast_to(y, x.shape).copy() if y.shape != x.shape else y

    return evaluate


def derivative_evaluator(target):
    """Vectorised evaluator of f*' for a Target (sympy derivative, lambdified), or None.

    ``DiracDelta`` terms (the derivative of ``sign``/``Heaviside`` factors) are dropped: they vanish off the
    zeros of their arguments, a finite set of points, and the derivative only feeds the oscillation
    estimate at sample points (numpy has no DiracDelta: lambdify used to fail with a NameError)."""
    if not hasattr(target, "derivative"):
        return None
    try:
        import sympy as sp

        expr = target.derivative(1)
        if expr.has(sp.Derivative, sp.Subs):
            return None
        expr = expr.replace(lambda e: isinstance(e, sp.DiracDelta), lambda e: sp.S.Zero)
        g = sp.lambdify(target.var, expr, modules=["numpy"])
    except Exception:  # no usable derivative: the sampled estimate alone is used
        return None

    def evaluate(x):
        x = np.asarray(x, dtype=float)
        with np.errstate(all="ignore"):
            try:
                y = np.asarray(g(x), dtype=float)
            except Exception:  # noqa: BLE001 - a derivative numpy cannot evaluate: no derivative term
                return np.full(x.shape, np.nan)
        return np.broadcast_to(y, x.shape).copy() if y.shape != x.shape else y

    return evaluate


def _check_finite(fs, xs, what="target"):
    bad = ~np.isfinite(fs)
    if bad.any():
        raise ConstructionError(f"{what} is not finite at x = {xs[np.argmax(bad)]:.6g}")


def sample_target(f, domain, *, samples=DEFAULT_SAMPLES, tol=None, max_samples=MAX_SAMPLES, max_rounds=40):
    r"""Dense samples (xs, fs) of f on [a, b]: ``samples`` equal intervals, then every interval whose
    increment :math:`|f(x_{m+1})-f(x_m)|` exceeds ``tol`` is split into 16 (repeatedly), while the total
    stays below ``max_samples``. Returns sorted float arrays including both ends."""
    a, b = float(domain[0]), float(domain[1])
    xs = np.linspace(a, b, int(samples) + 1)
    fs = f(xs)
    _check_finite(fs, xs)
    if tol is None or not tol > 0:
        return xs, fs
    t = np.arange(1, 16) / 16.0
    for _ in range(max_rounds):
        big = np.flatnonzero(np.abs(np.diff(fs)) > tol)
        if len(big) == 0:
            break
        if len(xs) + 15 * len(big) > max_samples:  # refine the worst intervals only
            keep = (max_samples - len(xs)) // 15
            if keep <= 0:
                break
            order = np.argsort(-np.abs(np.diff(fs))[big], kind="stable")
            big = np.sort(big[order[:keep]])
        lo, hi = xs[big], xs[big + 1]
        new = (lo[:, None] + (hi - lo)[:, None] * t[None, :]).ravel()
        new = new[(new > np.repeat(lo, 15)) & (new < np.repeat(hi, 15))]  # no duplicates at tiny scales
        if len(new) == 0:
            break
        fn = f(new)
        _check_finite(fn, new)
        xs = np.concatenate([xs, new])
        fs = np.concatenate([fs, fn])
        order = np.argsort(xs, kind="stable")
        xs, fs = xs[order], fs[order]
    return xs, fs


def oscillation_estimate(xs, fs, dfs=None) -> np.ndarray:
    r"""Estimated bound :math:`\eta_m` of :math:`\operatorname{osc}(f,[x_m,x_{m+1}])` for each sample interval.

    :math:`\eta_m=\max\big(2\max(|\Delta f_{m-1}|,|\Delta f_m|,|\Delta f_{m+1}|),\ 1.25\,(x_{m+1}-x_m)
    \max(|f'(x_m)|,|f'(x_{m+1})|)\big)`, the derivative part only where ``dfs`` is given and finite.
    An estimate, not a bound: a feature narrower than the sampling can escape it.
    """
    inc = np.abs(np.diff(fs))
    nb = inc.copy()
    if len(inc) > 1:
        nb[1:] = np.maximum(nb[1:], inc[:-1])
        nb[:-1] = np.maximum(nb[:-1], inc[1:])
    eta = 2.0 * nb
    if dfs is not None:
        ad = np.abs(np.asarray(dfs, dtype=float))
        ad = np.where(np.isfinite(ad), ad, 0.0)
        eta = np.maximum(eta, 1.25 * np.diff(xs) * np.maximum(ad[:-1], ad[1:]))
    return eta


def _levels(fs, f_a, dh):
    with np.errstate(all="ignore"):
        k = np.floor((fs - f_a) / dh + 0.5)
    return k.astype(np.int64)


def sampled_step_count(fs, f_a, delta_h) -> int:
    r""":math:`\sum_m|k(x_{m+1})-k(x_m)|`: the number of unit steps of :math:`f_{pc}` seen at the samples
    (a lower bound of J; O(samples), no step is located)."""
    with np.errstate(all="ignore"):  # in float64: (f - f(a))/delta_h may exceed the int64 range
        k = np.floor((np.asarray(fs, dtype=float) - f_a) / float(delta_h) + 0.5)
        total = float(np.abs(np.diff(k)).sum()) if len(k) > 1 else 0.0
    return int(min(total, 2.0 ** 62)) if math.isfinite(total) else 2 ** 62


def level_crossings(f, xs, fs, f_a, delta_h, *, max_iter=80):
    r"""Unit steps of :math:`k=\lfloor (f-f(a))/\Delta h+\tfrac12\rfloor` between the samples.

    For every sample interval where k jumps from :math:`k_0` to :math:`k_1`, one unit step per crossed
    half-level :math:`(l-\tfrac12)\Delta h`, located by vectorised bisection (bracket kept as "level not
    reached" / "reached" until the ends are adjacent floats). Returns (locations, signs) sorted by
    location, signs +1 (up) or -1 (down); steps of one interval stay in level order.
    """
    dh = float(delta_h)
    k = _levels(fs, f_a, dh)
    jumps = np.flatnonzero(np.diff(k))
    if len(jumps) == 0:
        return np.zeros(0), np.zeros(0, dtype=np.int8), k
    k0, k1 = k[jumps], k[jumps + 1]
    counts = np.abs(k1 - k0)
    m = np.repeat(jumps, counts)
    up = np.repeat(k1 > k0, counts)
    # offsets 0..count-1 within each jump
    first = np.cumsum(counts) - counts
    off = np.arange(counts.sum()) - np.repeat(first, counts)
    base = np.repeat(k0, counts)
    # up: crossed level l = k0+1+off (half-level l-1/2); down: l = k0-off (half-level l-1/2)
    lev = np.where(up, base + 1 + off, base - off).astype(float) - 0.5
    lo, hi = xs[m].copy(), xs[m + 1].copy()
    for _ in range(max_iter):
        open_ = (hi - lo) > 2.0 * np.spacing(np.maximum(np.abs(lo), np.abs(hi)))
        if not open_.any():
            break
        mid = 0.5 * (lo + hi)
        with np.errstate(all="ignore"):
            v = (f(mid) - f_a) / dh - lev
        if not np.all(np.isfinite(v)):
            raise ConstructionError(f"target is not finite near x = {mid[~np.isfinite(v)][0]:.6g}")
        reached = np.where(up, v >= 0, v < 0)
        hi = np.where(open_ & reached, mid, hi)
        lo = np.where(open_ & ~reached, mid, lo)
    loc = 0.5 * (lo + hi)
    loc = np.minimum(np.maximum(loc, xs[m]), xs[m + 1])
    order = np.lexsort((np.arange(len(loc)), loc))
    signs = np.where(up, 1, -1).astype(np.int8)
    return loc[order], signs[order], k


@dataclass(frozen=True, eq=False)
class Lemma1Result:
    r"""The piecewise-constant approximation :math:`f_{pc}=f^*(a)+\Delta h\sum_j a_j\mathbf 1_{[s_j,b]}`.

    Attributes: ``domain`` (a, b); ``delta_h`` (:math:`\Delta h`, a Fraction); ``f_a`` (:math:`f^*(a)`,
    float); ``locations`` (:math:`s_j`, sorted) and ``signs`` (:math:`a_j=\pm1`); the samples ``xs``,
    ``fs`` with their levels ``levels`` (:math:`k(x_m)`) and per-interval oscillation estimates ``eta``.
    """

    domain: tuple
    delta_h: Fraction
    f_a: float
    locations: np.ndarray
    signs: np.ndarray
    xs: np.ndarray
    fs: np.ndarray
    levels: np.ndarray
    eta: np.ndarray

    @property
    def J(self) -> int:
        """Number of unit steps."""
        return len(self.locations)

    @property
    def eta_max(self) -> float:
        """Largest estimated oscillation of f* inside one sample interval."""
        return float(self.eta.max()) if len(self.eta) else 0.0

    @property
    def bound(self) -> float:
        r""":math:`\Delta h/2+\max_m\eta_m`: the Lemma-1 error bound (the second part an estimate)."""
        return float(self.delta_h) / 2 + self.eta_max

    @property
    def sample_spacing(self) -> float:
        """Largest sample spacing."""
        return float(np.diff(self.xs).max())

    def level(self, x) -> np.ndarray:
        r""":math:`k_{pc}(x)=\sum_{s_j\le x}a_j` (integer array)."""
        csum = np.concatenate([[0], np.cumsum(self.signs.astype(np.int64))])
        return csum[np.searchsorted(self.locations, np.asarray(x, dtype=float), side="right")]

    def __call__(self, x) -> np.ndarray:
        r""":math:`f_{pc}(x)=f^*(a)+\Delta h\,k_{pc}(x)`."""
        return self.f_a + float(self.delta_h) * self.level(x)

    def summary(self) -> dict:
        return {"delta_h": str(self.delta_h), "J": self.J, "up": int((self.signs > 0).sum()),
                "down": int((self.signs < 0).sum()), "samples": len(self.xs),
                "eta_max": self.eta_max, "bound": self.bound}


def piecewise_constant_approximation(target, delta_h, domain=(0.0, 1.0), *, samples=DEFAULT_SAMPLES,
                                     refine_tol=None, max_samples=MAX_SAMPLES, max_steps=None) -> Lemma1Result:
    r"""Lemma 1: the unit steps of :math:`f_{pc}` for ``target`` (a Target or a vectorised callable).

    ``delta_h`` is :math:`\Delta h>0`; ``samples`` the number of uniform sample intervals, refined where
    :math:`|\Delta f|>` ``refine_tol`` (default :math:`\Delta h/32`). Raises
    :class:`~proofkit.construct.budget.ConstructionError` for a bad :math:`\Delta h` or domain, or a
    target that is not finite at a sample, and :class:`~proofkit.construct.budget.WidthLimitError` when
    the samples already show more than ``max_steps`` unit steps (default ``MAX_PAIRS // 4``: every
    construction spends at least four pairs on a step), before the steps are located.
    """
    dh = as_fraction(delta_h, "delta_h")
    if not dh > 0:
        raise ConstructionError(f"delta_h must be positive, got {delta_h}")
    a, b = float(domain[0]), float(domain[1])
    if not (math.isfinite(a) and math.isfinite(b) and a < b):
        raise ConstructionError(f"domain must be finite with a < b, got [{domain[0]}, {domain[1]}]")
    f = target_evaluator(target)
    tol = float(dh) / 32 if refine_tol is None else refine_tol
    xs, fs = sample_target(f, (a, b), samples=samples, tol=tol, max_samples=max_samples)
    f_a = float(fs[0])
    J = sampled_step_count(fs, f_a, dh)
    limit = MAX_PAIRS // 4 if max_steps is None else max_steps
    if J > limit:
        raise WidthLimitError(f"f* crosses {J:,} levels of spacing delta_h = {float(dh):.3g} on [{a:g}, {b:g}] "
                              f"(its sampled variation there is {float(np.abs(np.diff(fs)).sum()):.3g}); every "
                              "construction needs "
                              f"at least 4 pairs per level crossing, more than the limit of {4 * limit:,} pairs: "
                              "use a larger eps or a smaller domain")
    df = derivative_evaluator(target)
    dfs = df(xs) if df is not None else None
    eta = oscillation_estimate(xs, fs, dfs)
    loc, signs, levels = level_crossings(f, xs, fs, f_a, dh)
    return Lemma1Result((a, b), dh, f_a, loc, signs, xs, fs, levels, eta)
