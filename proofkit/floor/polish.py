r"""Polishing a certificate: move the support points along their zero-mass structure to raise the bound.

A measure :math:`\mu = \sum_k\mu_k\delta_{x_k}` annihilates the ridge sums because of *which* points share a
level set, not where the points are: if the points move so that every pair that shared a level set of a
direction :math:`a_j` still shares one (:math:`a_j\cdot(x_k - x_l) = 0` stays true), the masses of the level
sets are unchanged sums, still zero (new coincidences only merge zero-mass level sets). Those conditions are
linear and homogeneous in the coordinates, so the admissible configurations are
:math:`x = x^0 + Bs` with B an integer basis of their null space (python-flint ``fmpz_mat.nullspace``) and
:math:`s\in\mathbb R^r`. We maximise :math:`\sigma\sum_k\mu_k f^*(x_k(s))` (σ the sign of the start) over s
subject to the box (SLSQP, local), round s to rationals -- x stays exactly on the structure because B is an
integer matrix -- shrink towards :math:`x^0` if the rounding left the box, and re-optimise the weights on the
new points (:func:`proofkit.floor.dual.dual_measure`). Rounds repeat while the bound grows.
"""
from __future__ import annotations

from fractions import Fraction

import numpy as np
from flint import fmpz_mat
from scipy.optimize import minimize

from .directions import level_keys
from .dual import dual_measure, exact_measure, incidence

__all__ = ["structure_basis", "polish", "merge_duplicates", "ratio"]


def ratio(F, weights) -> float:
    """:math:`|\\sum_k\\mu_k F_k| / \\sum_k|\\mu_k|` in floating point (the search's score; the certificate
    recomputes it in ball arithmetic)."""
    w = np.array([float(v) for v in weights])
    return float(abs(w @ F) / np.abs(w).sum())


def merge_duplicates(points, weights):
    """The same measure with coincident points merged (weights added) and zero weights dropped."""
    acc: dict = {}
    for p, w in zip(points, weights):
        acc[p] = acc.get(p, Fraction(0)) + w
    items = [(p, w) for p, w in acc.items() if w != 0]
    return [p for p, _ in items], [w for _, w in items]


def structure_basis(points, lines_, fixed=()) -> np.ndarray:
    """Integer basis (columns) of the configurations :math:`x = x^0 + Bs` (coordinates flattened point by
    point) that keep every pair of points on a common level set of every line on a common level set, and
    the flattened coordinates listed in ``fixed`` where they are."""
    n, d = len(points), len(points[0])
    rows = []
    for i in fixed:
        row = [0] * (n * d)
        row[i] = 1
        rows.append(row)
    for line in lines_:
        first: dict = {}
        for k, t in enumerate(level_keys(points, line)):
            if t in first:
                row = [0] * (n * d)
                for i, c in enumerate(line):
                    row[k * d + i] += int(c)
                    row[first[t] * d + i] -= int(c)
                rows.append(row)
            else:
                first[t] = k
    if not rows:
        return np.eye(n * d, dtype=np.int64).astype(object)
    X, nullity = fmpz_mat(rows).nullspace()
    return np.array([[int(X[i, j]) for j in range(nullity)] for i in range(n * d)], dtype=object)


def _move(points, weights, f, lines_, domain, max_den):
    """One polishing step of the module docstring; returns new exact points (or None if nothing moves)."""
    n, d = len(points), len(points[0])
    B = structure_basis(points, lines_)
    r = B.shape[1]
    if r == 0:
        return None
    Bf = B.astype(float)
    col = np.abs(Bf).max(axis=0)
    Bf = Bf / col                                        # well-scaled columns for the optimiser
    x0 = np.array([float(c) for p in points for c in p])
    w = np.array([float(v) for v in weights])
    sigma = 1.0 if w @ f(x0.reshape(n, d)) >= 0 else -1.0
    lo, hi = float(domain[0]), float(domain[1])

    def objective(s):
        return -sigma * (w @ f((x0 + Bf @ s).reshape(n, d)))

    cons = [{"type": "ineq", "fun": lambda s: hi - (x0 + Bf @ s), "jac": lambda s: -Bf},
            {"type": "ineq", "fun": lambda s: (x0 + Bf @ s) - lo, "jac": lambda s: Bf}]
    res = minimize(objective, np.zeros(r), method="SLSQP", constraints=cons,
                   options={"maxiter": 200, "ftol": 1e-15})
    if not np.all(np.isfinite(res.x)) or objective(res.x) >= objective(np.zeros(r)):
        return None
    # coordinates on the box's boundary that stay there are pinned exactly; the float move is projected
    # onto the remaining (integer) basis and rounded to rationals, so the structure holds exactly
    a, b = domain
    move = Bf @ res.x
    pinned = [i for i, c in enumerate(c for p in points for c in p)
              if c in (a, b) and abs(float(c) + move[i] - float(c)) < 1e-9]
    if pinned:
        B = structure_basis(points, lines_, pinned)
        r = B.shape[1]
        if r == 0:
            return None
    coef, *_ = np.linalg.lstsq(B.astype(float), move, rcond=None)
    s = [Fraction(float(v)).limit_denominator(max_den) for v in coef]
    delta = [sum((int(B[i, j]) * s[j] for j in range(r)), Fraction(0)) for i in range(n * d)]
    base = [c for p in points for c in p]
    lam = Fraction(1)
    for p0, dl in zip(base, delta):                      # shrink towards x0 (inside the box) if rounding left it
        if p0 + dl > b:
            lam = min(lam, (b - p0) / dl)
        elif p0 + dl < a:
            lam = min(lam, (a - p0) / dl)
    if lam < 1:
        lam = Fraction(int(lam * 2**40), 2**40)
    flat = [p0 + lam * dl for p0, dl in zip(base, delta)]
    return [tuple(flat[k * d:(k + 1) * d]) for k in range(n)]


def _reweight(points, f, lines_):
    """The best annihilating weights on a fixed point set (dual LP on it, made exact), or None."""
    X = np.array([[float(c) for c in p] for p in points])
    F = f(X)
    keys = []
    for line in lines_:
        ts = level_keys(points, line)
        index = {t: i for i, t in enumerate(sorted(set(ts)))}
        keys.append(np.array([index[t] for t in ts]))
    sol = dual_measure(F, incidence(keys))
    if sol is None:
        return None
    return exact_measure(points, sol[1], lines_)


def polish(points, weights, f, lines_, domain, rounds: int = 6, max_den: int = 10**6):
    """(points, weights, score) after up to ``rounds`` polishing rounds (module docstring); the score is
    :func:`ratio` in floats. The input is returned unchanged when no round improves it."""
    def score(p, w):
        return ratio(f(np.array([[float(c) for c in q] for q in p])), w)

    best = (list(points), list(weights), score(points, weights))
    for _ in range(rounds):
        pts, w, sc = best
        moved = _move(pts, w, f, lines_, domain, max_den)
        if moved is None:
            break
        moved, w2 = merge_duplicates(moved, w)
        cands = [(moved, w2, score(moved, w2))]
        rw = _reweight(moved, f, lines_)
        if rw is not None:
            cands.append((rw[0], rw[1], score(*rw)))
        new = max(cands, key=lambda c: c[2])
        if new[2] <= sc * (1 + 1e-12):
            break
        best = new
    return best
