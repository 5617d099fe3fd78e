r"""Annihilating measures from a linear program: the dual of best uniform approximation by ridge sums.

On a finite point set :math:`X = \{x_1,\dots,x_N\}` (a lattice of the box, or the support of a measure being
polished), the best uniform approximation of :math:`f^*` by ridge sums with *arbitrary* profiles -- one free
value per level set :math:`\{a_j\cdot x = t\}` meeting X -- is the linear program

.. math:: E_X = \min_{g, e}\ e \quad\text{s.t.}\quad |f^*(x_k) - \textstyle\sum_j g_j(a_j\cdot x_k)| \le e,

and its dual is

.. math:: E_X = \max_\mu\ \textstyle\sum_k \mu_k f^*(x_k) \quad\text{s.t.}\quad \|\mu\|_1 = 1,\quad
          \textstyle\sum_{k:\,a_j\cdot x_k = t}\mu_k = 0\ \ \text{for all } j, t.

We solve the dual directly (scipy's HiGHS, :math:`\mu = \mu^+ - \mu^-`); a simplex vertex has few nonzero
entries (about a dozen on the paper's 2-D lattice). The float solution is then turned into an *exact*
annihilating measure: on its support S the level-set incidence matrix M is an integer matrix, its null space
has an integer basis (python-flint's ``fmpz_mat.nullspace``), and the float :math:`\mu_S` is replaced by the
nearest rational combination of that basis. Every measure in that null space annihilates every ridge sum, so
nothing about the float solution needs to be trusted: :func:`proofkit.floor.certificate.check` re-checks
the result exactly.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import scipy.sparse as sps
from flint import fmpz_mat
from scipy.optimize import linprog

from .directions import level_keys

__all__ = ["lattice_indices", "incidence", "dual_measure", "exact_measure", "LatticeMeasure", "lattice_measure"]


def lattice_indices(m: int, dim: int) -> np.ndarray:
    """The integer points :math:`\\{0..m\\}^{dim}` (rows), the index set of the lattice
    :math:`x = A + (B - A)\\,i/m` of the box."""
    ax = np.arange(m + 1, dtype=np.int64)
    return np.stack(np.meshgrid(*[ax] * dim, indexing="ij"), axis=-1).reshape(-1, dim)


def incidence(keys_per_line) -> sps.csr_matrix:
    """The 0/1 matrix with one row per level set (one per distinct key of each line) and one column per
    point: entry 1 when the point lies on that level set."""
    rows, cols, r0 = [], [], 0
    n = None
    for keys in keys_per_line:
        _, inv = np.unique(np.asarray(keys), return_inverse=True, axis=0)
        inv = inv.reshape(-1)
        n = len(inv)
        rows.append(inv + r0)
        cols.append(np.arange(n))
        r0 += int(inv.max()) + 1
    rows, cols = np.concatenate(rows), np.concatenate(cols)
    return sps.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(r0, n))


def dual_measure(F: np.ndarray, M: sps.csr_matrix):
    """(E_X, mu) of the dual LP of the module docstring for values F = f*(x_k) and incidence M, or None when
    no nonzero measure annihilates the ridge sums on this point set."""
    n = len(F)
    A_eq = sps.vstack([sps.hstack([M, -M]), sps.csr_matrix(np.ones((1, 2 * n)))]).tocsr()
    b_eq = np.zeros(A_eq.shape[0])
    b_eq[-1] = 1.0
    res = linprog(-np.concatenate([F, -F]), A_eq=A_eq, b_eq=b_eq, bounds=(0, None), method="highs-ds")
    if res.status != 0:
        return None
    return -res.fun, res.x[:n] - res.x[n:]


def _null_basis(points, lines_) -> np.ndarray:
    """Integer basis (columns) of the null space of the exact level-set incidence of ``points``."""
    rows = []
    n = len(points)
    for line in lines_:
        groups: dict = {}
        for k, t in enumerate(level_keys(points, line)):
            groups.setdefault(t, []).append(k)
        for ks in groups.values():
            row = [0] * n
            for k in ks:
                row[k] = 1
            rows.append(row)
    X, nullity = fmpz_mat(rows).nullspace()
    return np.array([[int(X[i, j]) for j in range(nullity)] for i in range(n)], dtype=object)


def exact_measure(points, mu, lines_, rel_tol: float = 1e-9, max_den: int = 10**6):
    """(support points, exact rational weights) of an annihilating measure near the float measure ``mu`` on
    ``points`` (exact rational tuples), or None when the support of mu carries no annihilating measure.

    The support is {k: |mu_k| > rel_tol max|mu|}; the weights are an exact rational combination of the
    integer null-space basis of the support's level-set incidence (module docstring), scaled to integers."""
    mu = np.asarray(mu, dtype=float)
    if not np.any(mu):
        return None
    S = np.flatnonzero(np.abs(mu) > rel_tol * np.abs(mu).max())
    pts = [points[k] for k in S]
    basis = _null_basis(pts, lines_)
    if basis.shape[1] == 0:
        return None
    Bf = basis.astype(float)
    coef, *_ = np.linalg.lstsq(Bf, mu[S], rcond=None)
    q = [Fraction(float(c)).limit_denominator(max_den) for c in coef]
    w = [sum((Fraction(int(basis[i, j])) * q[j] for j in range(basis.shape[1])), Fraction(0))
         for i in range(len(pts))]
    keep = [i for i, v in enumerate(w) if v != 0]
    if not keep:
        return None
    pts, w = [pts[i] for i in keep], [w[i] for i in keep]
    den = np.lcm.reduce([v.denominator for v in w])
    w = [v * int(den) for v in w]
    g = np.gcd.reduce([abs(v.numerator) for v in w])
    return pts, [v / int(g) for v in w]


def _exact_support(I, mu, domain, m, lines_):
    """:func:`exact_measure` of a float measure on the lattice with index array I."""
    if not np.any(np.abs(mu) > 1e-12):
        return None
    a, b = domain
    S = np.flatnonzero(np.abs(mu) > 1e-9 * np.abs(mu).max())
    support = [tuple(a + (b - a) * Fraction(int(c), m) for c in I[k]) for k in S]
    return exact_measure(support, mu[S], lines_)


@dataclass
class LatticeMeasure:
    """The dual LP's measure on the lattice with m intervals per axis: LP value E_X (float), the exact
    support points and weights (None when there is none) and the LP time."""

    m: int
    lp_value: float
    points: list | None
    weights: list | None
    seconds: float


def lattice_measure(f_values, domain, lines_, m: int, dim: int) -> LatticeMeasure:
    """Solve the dual LP on the lattice :math:`A + (B-A)\\{0..m\\}^{dim}/m` and make its measure exact.

    ``f_values(X)`` evaluates f* on an (N, dim) float array. Level sets of a line a are grouped by the
    integer a.i of the lattice index i (the same partition as a.x)."""
    t0 = time.perf_counter()
    a, b = domain
    I = lattice_indices(m, dim)
    X = float(a) + (float(b) - float(a)) * I / m
    F = f_values(X)
    M = incidence([I @ np.array(line, dtype=np.int64) for line in lines_])
    sol = dual_measure(F, M)
    if sol is None:
        return LatticeMeasure(m, 0.0, None, None, time.perf_counter() - t0)
    value, mu = sol
    ex = _exact_support(I, mu, domain, m, lines_)
    if ex is None:
        # E_X = 0 (f* agrees with a ridge sum on the lattice) and the LP returned mu = 0 (mu+ = mu- at a
        # point): any nonzero annihilating measure is then optimal; take one from a seeded random objective
        # so that the certificate can show the bound it gives (0).
        alt = dual_measure(np.random.default_rng(m).standard_normal(len(F)), M)
        ex = None if alt is None else _exact_support(I, alt[1], domain, m, lines_)
    pts, w = ex if ex else (None, None)
    return LatticeMeasure(m, float(value), pts, w, time.perf_counter() - t0)
