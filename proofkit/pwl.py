r"""Continuous piecewise-linear (PL) functions of one variable, in float64 or exactly (Fractions).

A PL function is stored as knots :math:`t_0 < \dots < t_{K-1}`, the values :math:`v_k = g(t_k)`, and the
slopes to the left of :math:`t_0` and to the right of :math:`t_{K-1}`; between knots it is the linear
interpolant. Evaluation at m points is a binary search, :math:`O(m\log K)`.

:func:`relu_sum` compiles a one-hidden-layer network

.. math:: g(x) = \text{shift} + \text{scale}\sum_{i=1}^H a_i\,\rho(w_i x + c_i),\qquad w_i\in\{+1,-1\},

with :math:`\rho` the ReLU or the leaky ReLU :math:`\rho_s(z)=(1-s)\,\sigma(z)+s\,z`, into that form in
:math:`O(H\log H)`: unit i has its break-point at :math:`t_i=-w_ic_i`, and

.. math:: \sum_i a_i\sigma(w_i(x-t_i)) = x\,P_a(x) - P_{at}(x) + S_{at}(x) - x\,S_a(x),

where :math:`P` sums over the :math:`w=+1` units with :math:`t_i\le x` and :math:`S` over the :math:`w=-1`
units with :math:`t_i\ge x` (prefix and suffix sums after one sort). At a break-point the slope jumps by
:math:`\sum_{t_i=t}a_i` (for both unit types); break-points whose jump is exactly zero (a pair
:math:`v\varphi^+ - v\varphi^-`, which is linear) are not knots. The same code runs on Fractions
(numpy object arrays), which gives the exact PL form of a rational network.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

__all__ = ["PiecewiseLinear", "relu_sum", "sup_abs_difference", "EnclosedPL", "relu_sum_enclosure"]


def _is_exact(arr) -> bool:
    return np.asarray(arr).dtype == object


@dataclass(frozen=True, eq=False)
class PiecewiseLinear:
    """A continuous PL function: ``knots`` (strictly increasing), ``values`` at the knots, end slopes.

    Arrays are float64, or object arrays of :class:`fractions.Fraction` for the exact form.
    """

    knots: np.ndarray
    values: np.ndarray
    left_slope: object
    right_slope: object

    def __post_init__(self):
        if len(self.knots) < 1 or len(self.knots) != len(self.values):
            raise ValueError("a PL function needs at least one knot and one value per knot")

    @property
    def exact(self) -> bool:
        return _is_exact(self.knots)

    @property
    def slopes(self) -> np.ndarray:
        """Slopes of the K-1 interior pieces, (v_{k+1}-v_k)/(t_{k+1}-t_k)."""
        return np.diff(self.values) / np.diff(self.knots)

    def __call__(self, x):
        """Evaluate at x (scalar or array). Exact form: Fractions in, Fractions out."""
        if self.exact:
            return self._eval_exact(x)
        x = np.asarray(x, dtype=float)
        t, v = self.knots, self.values
        if x.size > 4096 and len(t) > 4096 and np.any(x.ravel()[1:] < x.ravel()[:-1]):
            # binary searches over a large knot array are cache-bound in random order: sort the
            # points first (measured ~6x faster at 10^6 points, 2*10^6 knots)
            flat = x.ravel()
            order = np.argsort(flat)
            y = np.empty_like(flat)
            y[order] = np.interp(flat[order], t, v)
            y = y.reshape(x.shape)
        else:
            y = np.interp(x, t, v)
        lo, hi = x < t[0], x > t[-1]
        if lo.any():
            y = np.where(lo, v[0] + self.left_slope * (x - t[0]), y)
        if hi.any():
            y = np.where(hi, v[-1] + self.right_slope * (x - t[-1]), y)
        return y

    def _eval_exact(self, x):
        scalar = np.ndim(x) == 0
        xs = [Fraction(x)] if scalar else [Fraction(xi) for xi in np.ravel(x)]
        t, v = self.knots, self.values
        idx = np.searchsorted(t, xs, side="right")  # works on object arrays through comparisons
        out = []
        for xi, k in zip(xs, idx):
            if k == 0:
                out.append(v[0] + self.left_slope * (xi - t[0]))
            elif k == len(t):
                out.append(v[-1] + self.right_slope * (xi - t[-1]))
            else:
                t0, t1, v0, v1 = t[k - 1], t[k], v[k - 1], v[k]
                out.append(v0 + (v1 - v0) * (xi - t0) / (t1 - t0))
        return out[0] if scalar else np.array(out, dtype=object).reshape(np.shape(x))

    def to_float(self) -> "PiecewiseLinear":
        if not self.exact:
            return self
        return PiecewiseLinear(self.knots.astype(float), self.values.astype(float),
                               float(self.left_slope), float(self.right_slope))

    def restrict_knots(self, a, b):
        """Knots inside [a, b] together with a and b, and the values there (the points where the sup of
        |g - affine| on [a, b] can be attained)."""
        t = self.knots
        inside = t[(t > a) & (t < b)]
        pts = np.concatenate([np.array([a], dtype=t.dtype), inside, np.array([b], dtype=t.dtype)])
        return pts, self(pts)

    def to_sympy(self, var):
        """Exact sympy ``Piecewise`` of this function (rationals when the form is exact)."""
        import sympy as sp

        def num(q):
            return sp.Rational(q.numerator, q.denominator) if isinstance(q, Fraction) else sp.Float(q)

        t, v = self.knots, self.values
        pieces = [(num(v[0]) + num(self.left_slope) * (var - num(t[0])), var < num(t[0]))]
        for k in range(len(t) - 1):
            s = (v[k + 1] - v[k]) / (t[k + 1] - t[k])
            pieces.append((num(v[k]) + num(s) * (var - num(t[k])), var < num(t[k + 1])))
        pieces.append((num(v[-1]) + num(self.right_slope) * (var - num(t[-1])), True))
        return sp.Piecewise(*pieces)


def relu_sum(w, c, a, *, scale=1, shift=0, negative_slope=0, extra_knots=(), dyadic=False) -> PiecewiseLinear:
    """Compile shift + scale * sum_i a_i * rho(w_i x + c_i) into a :class:`PiecewiseLinear`.

    ``w`` holds +1/-1; ``c`` and ``a`` are float arrays, or object arrays of Fractions for the exact
    form (then ``scale``, ``shift`` and ``negative_slope`` should be Fractions or ints too).
    ``extra_knots`` (e.g. the domain ends) are always kept as knots.

    The exact form is computed in scaled integers: with Q_c and Q_a the common denominators of the
    biases and of the coefficients, c_i Q_c and a_i Q_a are integers, the values at the knots are integers
    over Q_c Q_a and the slopes integers over Q_a; Fractions are formed only for the K knots at the end
    (Python-int arithmetic is some 30x faster than Fraction arithmetic at H ~ 10^6).

    ``dyadic=True``: ``c``, ``a`` and ``extra_knots`` are float64 arrays taken at their exact binary values,
    and the exact form is returned; their integers over a common power of two come straight from the bits
    (:func:`_dyadic_ints`), no Fraction is built for the H inputs (about 3x faster at H ~ 10^6).
    """
    w = np.asarray(w)
    exact = dyadic or _is_exact(c) or _is_exact(a)
    if not (len(w) == len(c) == len(a)):
        raise ValueError("w, c and a must have the same length")
    if len(w) and not np.all(np.abs(w) == 1):
        raise ValueError("first-layer weights must be +1 or -1")
    w = w.astype(np.int64)
    if not exact:
        c = np.asarray(c, dtype=float)
        a = np.asarray(a, dtype=float)
        knots, values, left, right = _relu_sum_core(w, c, a, np.asarray(extra_knots, dtype=float), 0.0, float)
        s, conv = float(negative_slope), float
        lin = lambda: (float(np.dot(a, w)), float(np.dot(a, c)))  # noqa: E731
    else:
        if dyadic:
            H = len(w)
            ce, qc = _dyadic_ints(np.concatenate([np.asarray(c, dtype=np.float64),
                                                  np.asarray(extra_knots, dtype=np.float64)]))
            ci, ei = ce[:H], ce[H:]
            ai, qa = _dyadic_ints(a)
        else:
            cf, af, ek = _fractions(c), _fractions(a), _fractions(extra_knots)
            qc = math.lcm(*{v.denominator for v in cf + ek}) if cf or ek else 1
            qa = math.lcm(*{v.denominator for v in af}) if af else 1
            ci = np.array([v.numerator * (qc // v.denominator) for v in cf], dtype=object)
            ai = np.array([v.numerator * (qa // v.denominator) for v in af], dtype=object)
            ei = np.array([v.numerator * (qc // v.denominator) for v in ek], dtype=object)
        ki, vi, li, ri = _relu_sum_core(w, ci, ai, ei, 0, object)
        knots = np.array([Fraction(k, qc) for k in ki], dtype=object)
        values = np.array([Fraction(v, qc * qa) for v in vi], dtype=object)
        left, right = Fraction(li, qa), Fraction(ri, qa)
        s, conv = Fraction(negative_slope), Fraction
        lin = lambda: (Fraction(int(np.dot(ai, w)), qa),  # noqa: E731
                       Fraction(sum(x * y for x, y in zip(ai, ci)), qa * qc))
    if s != 0:  # rho_s(z) = (1-s) relu(z) + s z
        lin_slope, lin_icpt = lin()
        values = (1 - s) * values + s * (lin_slope * knots + lin_icpt)
        left = (1 - s) * left + s * lin_slope
        right = (1 - s) * right + s * lin_slope
    scale, shift = conv(scale), conv(shift)
    values = shift + scale * values
    return PiecewiseLinear(knots, values, scale * left, scale * right)


def _dyadic_ints(x):
    """(N, q): Python integers N_i (object array) and q = 2^K with x_i = N_i / q exactly, for finite float64
    x. From the bits: x = m 2^e (np.frexp), m 2^53 is an integer, so N_i = (m_i 2^53) 2^(e_i - 53 + K)."""
    x = np.asarray(x, dtype=np.float64)
    if not len(x):
        return np.array([], dtype=object), 1
    m, e = np.frexp(x)
    M = (m * 2.0 ** 53).astype(np.int64)  # exact: a float64 mantissa has 53 bits
    E = e.astype(np.int64) - 53
    nz = M != 0
    K = max(0, int(-E[nz].min())) if nz.any() else 0
    N = [mi << s if mi else 0 for mi, s in zip(M.tolist(), (E + K).tolist())]
    return np.array(N, dtype=object), 1 << K


def _fractions(values):
    """A list of Fractions (values that already are Fractions are kept: Fraction() is slow)."""
    return [v if type(v) is Fraction else Fraction(v) for v in values]


def _sortable(t):
    """int64 view of an object array of Python ints when it fits (fast argsort), else the array itself."""
    if t.dtype == object and len(t) and max(abs(int(t.max())), abs(int(t.min()))) < 2 ** 62:
        return t.astype(np.int64)
    return t


def _relu_sum_core(w, c, a, extra, zero, dtype):
    """(knots, values, left slope, right slope) of sum_i a_i relu(w_i x + c_i), in the arithmetic of the
    arrays given (float64, or Python ints in object arrays)."""
    t = -(w * c) if dtype is float else np.array([-int(wi) * ci for wi, ci in zip(w, c)], dtype=object)
    order = np.argsort(_sortable(t), kind="stable")
    t, a_s, w_s = t[order], a[order], w[order]
    plus = w_s > 0
    tk = _sortable(t)
    # distinct break-points with a non-zero slope jump (t is sorted: group equal values by first index)
    if len(t):
        starts = np.flatnonzero(np.concatenate([[True], tk[1:] != tk[:-1]]))
        kinks = np.add.reduceat(a_s, starts)
        knots = t[starts][np.array([k != 0 for k in kinks], dtype=bool)]
    else:
        knots = np.array([], dtype=dtype)
    if len(extra):  # knots are sorted and distinct: insert the extra ones not already present
        extra = np.unique(extra)
        pos = np.searchsorted(_sortable(knots), _sortable(extra)) if len(knots) else np.zeros(len(extra), int)
        present = np.array([p < len(knots) and knots[p] == e for p, e in zip(pos, extra)], dtype=bool)
        knots = np.insert(knots, pos[~present], extra[~present])
    if len(knots) == 0:
        knots = np.array([zero], dtype=dtype)
    # prefix sums over + units (t_i <= x) and suffix sums over - units (t_i >= x)
    ap = np.where(plus, a_s, zero)
    am = np.where(plus, zero, a_s)
    cum = lambda arr: np.concatenate([np.array([zero], dtype=dtype), np.cumsum(arr)])  # noqa: E731
    Pa, Pat = cum(ap), cum(ap * t)
    Ma, Mat = cum(am), cum(am * t)
    tk, kk = _sortable(t), _sortable(knots)
    hi = np.searchsorted(tk, kk, side="right")  # number of units with t_i <= knot
    lo = np.searchsorted(tk, kk, side="left")   # number of units with t_i < knot
    Sa, Sat = Ma[-1] - Ma[lo], Mat[-1] - Mat[lo]
    values = knots * Pa[hi] - Pat[hi] + Sat - knots * Sa
    left = Pa[lo[0]] - (Ma[-1] - Ma[lo[0]])
    right = Pa[hi[-1]] - (Ma[-1] - Ma[hi[-1]])
    return knots, values, left, right


@dataclass(frozen=True, eq=False)
class EnclosedPL:
    """A continuous PL function on [A, B] known through enclosures: exact float64 ``knots``
    A = t_0 < ... < t_{K-1} = B, and ``values``, ``radii`` with |g(t_k) - values_k| <= radii_k; g is linear
    between consecutive knots (so on [t_k, t_{k+1}] it lies within the interpolation of the values, plus
    the larger of the two radii)."""

    knots: np.ndarray
    values: np.ndarray
    radii: np.ndarray

    def bounds(self):
        """(lower, upper) floats at the knots, rounded outward: lower_k <= g(t_k) <= upper_k."""
        return (np.nextafter(self.values - self.radii, -np.inf), np.nextafter(self.values + self.radii, np.inf))


def relu_sum_enclosure(w, c, a, *, scale=1.0, shift=0.0, negative_slope=0, domain) -> EnclosedPL:
    r"""The float network shift + scale Σ a_i relu(w_i x + c_i) on ``domain`` = [A, B], every number at its
    exact binary value, as an :class:`EnclosedPL`: knots exact, values to double-double accuracy with proven
    radii (:mod:`proofkit.enclose`). O(H log H) for one sort of the break-points t = -w c and O(H) compiled
    work; memory: the sort order (8 bytes per unit; a merge when both halves of the units have sorted
    break-points, as in the theory layout) and else the break-points too (8 more) besides the inputs.

    Raises ValueError for a leaky ReLU (``negative_slope`` != 0), for A, B that are not floats, or for
    numbers that are not finite or beyond 2^500 in magnitude (the exact form :func:`relu_sum` handles those)."""
    from .enclose import MAX_INPUT, two_runs_order, walk_network

    if negative_slope != 0:
        raise ValueError("the enclosed form is for ReLU networks (negative slope 0)")
    A, B = domain
    if float(A) != A or float(B) != B or not float(A) < float(B):
        raise ValueError("domain ends must be floats A < B")
    w = np.ascontiguousarray(w, dtype=np.int8)
    c = np.ascontiguousarray(c, dtype=np.float64)
    a = np.ascontiguousarray(a, dtype=np.float64)
    if not (len(w) == len(c) == len(a)):
        raise ValueError("w, c and a must have the same length")
    for arr in (c, a, np.array([A, B, scale, shift], dtype=float)):
        if len(arr) and not (np.isfinite(arr.min()) and np.isfinite(arr.max())
                             and max(-arr.min(), arr.max()) <= MAX_INPUT):
            raise ValueError("numbers must be finite and at most 2^500 in magnitude")
    if len(w) and np.count_nonzero(np.abs(w) != 1):
        raise ValueError("first-layer weights must be +1 or -1")
    order = two_runs_order(c, w)             # theory layout: one merge, 8 bytes per unit
    if len(order) != len(c):
        t = np.negative(c)
        np.copyto(t, c, where=w < 0)          # t = -w c, without a float copy of w
        order = np.argsort(t, kind="stable")
        del t
    T, V, R = walk_network(c, a, w, order, float(A), float(B), float(scale), float(shift))
    if not (np.isfinite(V).all() and np.isfinite(R).all()):
        raise ValueError("overflow while compiling the network")
    return EnclosedPL(T, V, R)


def sup_abs_difference(f: PiecewiseLinear, g: PiecewiseLinear, a, b):
    """Exact max over [a, b] of |f - g| for two PL functions: it is attained at a knot of f or g or at
    a domain end. Returns (value, argmax), Fractions when both are exact."""
    pts = np.unique(np.concatenate([f.restrict_knots(a, b)[0], g.restrict_knots(a, b)[0]]))
    d = np.abs(np.asarray(f(pts)) - np.asarray(g(pts)))
    k = int(np.argmax(d))
    return d[k], pts[k]
