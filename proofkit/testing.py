r"""Random continuous targets :math:`f^*` with a *known* modulus of continuity (hypothesis strategies).

Theorem 1 approximates any :math:`f^*\in C([a,b])`; its error budget is driven by the modulus of
continuity :math:`\omega(\delta)=\sup_{|x-y|\le\delta}|f^*(x)-f^*(y)|` (the level spacing :math:`\Delta h`
and the step separation :math:`\delta_s` of Lemma 1 depend on it). The strategies below generate
targets exactly as a user would type them (text parsed by :func:`proofkit.expr.parse_target`), each with
a modulus :math:`\omega` that is *proved* to bound :math:`|f(x)-f(y)|` for :math:`|x-y|\le\delta`:

* :func:`polynomials` — :math:`\sum_k c_kx^k`, rational :math:`c_k`; Lipschitz by the mean value theorem,
  :math:`L=\sum_{k\ge1}k|c_k|M^{k-1}`, :math:`M=\max(|a|,|b|)`, :math:`\omega(\delta)=L\delta`.
* :func:`piecewise_linear` — continuous ``Piecewise`` interpolant of rational nodes and values;
  :math:`L=\max|\text{slope}|`, :math:`\omega=L\delta`.
* :func:`trigonometric_sums` — :math:`\sum_{k=1}^K a_k\cos(k\pi x)+b_k\sin(k\pi x)`, :math:`|a_k|,|b_k|\le
  C/k^2`. Since :math:`|\cos u-\cos v|,|\sin u-\sin v|\le\min(|u-v|,2)`,
  :math:`\omega(\delta)=\sum_k(|a_k|+|b_k|)\min(k\pi\delta,2)` and :math:`L=\sum_k k\pi(|a_k|+|b_k|)`.
* :func:`brownian_paths` — piecewise-linear interpolation of a random walk on a uniform grid of N steps
  (increments :math:`m_i/\lfloor\sqrt N\rfloor`, :math:`|m_i|\le3`); :math:`L=\max|\text{slope}|` and
  :math:`|f(x)-f(y)|\le\max f-\min f`, so :math:`\omega(\delta)=\min(L\delta,\max f-\min f)`.
* :func:`holder_functions` — :math:`c|x-x_0|^\alpha`, rational :math:`x_0`, :math:`0<\alpha<1`.
  :math:`t\mapsto t^\alpha` is subadditive on :math:`[0,\infty)`, so
  :math:`\big||u|^\alpha-|v|^\alpha\big|\le\big||u|-|v|\big|^\alpha\le|u-v|^\alpha` and
  :math:`\omega(\delta)=|c|\delta^\alpha` (attained at :math:`x=x_0`); not Lipschitz (``lipschitz=None``).
* :func:`weierstrass_sums` — partial sums :math:`\sum_{k=0}^K a^k\cos(b^k\pi x)`, :math:`0<a<1`, b odd,
  written with ``Sum``; :math:`\omega(\delta)=\sum_k a^k\min(b^k\pi\delta,2)`, :math:`L=\pi\sum_k(ab)^k`.
* :func:`sums` — :math:`f+g` of two of the above on the same domain; :math:`\omega_{f+g}\le\omega_f+\omega_g`
  and :math:`L_{f+g}\le L_f+L_g`.

Constants are computed in exact rationals and rounded *up* to float64 (:math:`\pi` is replaced by the
float just above it), so the float modulus is an upper bound of the proved one. Domains are intervals
with dyadic ends (exact in float64). :func:`modulus_violations` checks a modulus on pairs of points, with a
slack for floating-point evaluation only.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
from hypothesis import strategies as st

from .expr import Target, parse_target

__all__ = ["RandomTarget", "LinearModulus", "HolderModulus", "CappedLinearModulus", "SumModulus", "domains",
           "polynomials", "piecewise_linear", "trigonometric_sums", "brownian_paths", "holder_functions",
           "weierstrass_sums", "sums", "random_targets", "sample_pairs", "modulus_violations"]

_PI_UP = math.nextafter(math.pi, math.inf)   # math.pi < pi < _PI_UP


def _up(q) -> float:
    """The smallest float64 >= the rational q."""
    q = Fraction(q)
    f = float(q)
    return f if Fraction(f) >= q else math.nextafter(f, math.inf)


def _fmt(q) -> str:
    """A rational as target text: '3', '(-3/4)'."""
    q = Fraction(q)
    if q.denominator == 1:
        return f"({q.numerator})" if q < 0 else str(q.numerator)
    return f"({q.numerator}/{q.denominator})"


# ------------------------------------------------------------------------------------------ moduli
@dataclass(frozen=True)
class LinearModulus:
    r""":math:`\omega(\delta)=L\delta` (a Lipschitz bound)."""

    L: float

    def __call__(self, delta):
        return self.L * np.asarray(delta, dtype=float)

    def __str__(self):
        return f"{self.L:.6g}*delta"


@dataclass(frozen=True)
class HolderModulus:
    r""":math:`\omega(\delta)=C\delta^\alpha`."""

    C: float
    alpha: float

    def __call__(self, delta):
        return self.C * np.asarray(delta, dtype=float) ** self.alpha

    def __str__(self):
        return f"{self.C:.6g}*delta**{self.alpha:.6g}"


@dataclass(frozen=True)
class CappedLinearModulus:
    r""":math:`\omega(\delta)=\sum_i\min(s_i\delta,\ m_i)` for terms ``(s_i, m_i)``."""

    terms: tuple

    def __call__(self, delta):
        d = np.asarray(delta, dtype=float)
        return sum(np.minimum(s * d, m) for s, m in self.terms) + 0.0 * d

    def __str__(self):
        return " + ".join(f"min({s:.4g}*delta, {m:.4g})" for s, m in self.terms) or "0"


@dataclass(frozen=True)
class SumModulus:
    r""":math:`\omega=\sum_j\omega_j`, the modulus of a sum of functions."""

    parts: tuple

    def __call__(self, delta):
        d = np.asarray(delta, dtype=float)
        return sum(m(d) for m in self.parts) + 0.0 * d

    def __str__(self):
        return " + ".join(f"[{m}]" for m in self.parts)


@dataclass(frozen=True)
class RandomTarget:
    r"""A generated target with a proved modulus of continuity.

    ``target`` the parsed :class:`~proofkit.expr.Target`, ``domain`` (a, b) with dyadic float ends,
    ``modulus`` a callable :math:`\omega(\delta)` (vectorised) with
    :math:`|f(x)-f(y)|\le\omega(|x-y|)` on the domain, ``description`` what was drawn, ``lipschitz`` a
    Lipschitz constant (float) or None when none is claimed, ``special_points`` points of the domain
    where the modulus is (nearly) attained (a Hölder cusp, a steepest piece), useful for sharp checks.
    """

    target: Target
    domain: tuple
    modulus: object
    description: str
    lipschitz: float | None = None
    special_points: tuple = field(default=(), compare=False)

    @property
    def text(self) -> str:
        return self.target.text


# ------------------------------------------------------------------------------------------ strategies
_SMALL_RATIONALS = st.builds(Fraction, st.integers(-10, 10), st.integers(1, 8))


@st.composite
def domains(draw):
    """Intervals [a, b] with dyadic ends: (0, 1), (-1, 1), or a = i/4, b = a + j/4 (i in -8..4, j in 1..8)."""
    kind = draw(st.integers(0, 2))
    if kind == 0:
        return (0.0, 1.0)
    if kind == 1:
        return (-1.0, 1.0)
    i, j = draw(st.integers(-8, 4)), draw(st.integers(1, 8))
    return (i / 4, i / 4 + j / 4)


def _domain(draw, domain):
    return draw(domains()) if domain is None else (float(domain[0]), float(domain[1]))


@st.composite
def polynomials(draw, domain=None, max_degree=6, max_coefficient=10, max_denominator=8):
    r"""Polynomials :math:`\sum_{k\le d}c_kx^k`, :math:`c_k=p/q` with :math:`|p|\le` ``max_coefficient``,
    :math:`q\le` ``max_denominator``; modulus :math:`L\delta` with :math:`L=\sum k|c_k|M^{k-1}`."""
    a, b = _domain(draw, domain)
    deg = draw(st.integers(0, max_degree))
    coeffs = [Fraction(draw(st.integers(-max_coefficient, max_coefficient)), draw(st.integers(1, max_denominator)))
              for _ in range(deg + 1)]
    terms = [f"{_fmt(c)}*x**{k}" if k else _fmt(c) for k, c in enumerate(coeffs) if c != 0]
    text = " + ".join(terms) if terms else "0"
    M = max(abs(Fraction(a)), abs(Fraction(b)))
    L = sum((k * abs(c) * M ** (k - 1) for k, c in enumerate(coeffs) if k >= 1), Fraction(0))
    Lf = _up(L)
    return RandomTarget(parse_target(text), (a, b), LinearModulus(Lf), f"polynomial of degree {deg}", Lf,
                        (a, b))


def _pl_text(nodes, values):
    """Piecewise text of the continuous interpolant (linear extension beyond the end nodes)."""
    pieces = []
    for i in range(len(nodes) - 1):
        s = (values[i + 1] - values[i]) / (nodes[i + 1] - nodes[i])
        expr = f"{_fmt(values[i])} + {_fmt(s)}*(x - {_fmt(nodes[i])})"
        cond = f"x < {_fmt(nodes[i + 1])}" if i < len(nodes) - 2 else "True"
        pieces.append(f"({expr}, {cond})")
    return "Piecewise(" + ", ".join(pieces) + ")"


def _pl_slopes(nodes, values):
    return [(values[i + 1] - values[i]) / (nodes[i + 1] - nodes[i]) for i in range(len(nodes) - 1)]


def _steepest_node(nodes, slopes):
    i = max(range(len(slopes)), key=lambda k: abs(slopes[k]))
    return float(nodes[i])


@st.composite
def piecewise_linear(draw, domain=None, max_pieces=8, grid=64):
    r"""Continuous piecewise-linear functions: interior break points on the grid :math:`a+(b-a)i/\text{grid}`,
    rational values; written as ``Piecewise``; modulus :math:`L\delta`, :math:`L=\max|\text{slope}|`."""
    a, b = _domain(draw, domain)
    fa, fb = Fraction(a), Fraction(b)
    k = draw(st.integers(0, max_pieces - 1))
    idx = sorted(draw(st.sets(st.integers(1, grid - 1), min_size=k, max_size=k)))
    nodes = [fa] + [fa + (fb - fa) * Fraction(i, grid) for i in idx] + [fb]
    values = [draw(_SMALL_RATIONALS) for _ in nodes]
    slopes = _pl_slopes(nodes, values)
    L = _up(max(abs(s) for s in slopes))
    return RandomTarget(parse_target(_pl_text(nodes, values)), (a, b), LinearModulus(L),
                        f"piecewise linear with {len(nodes) - 1} pieces", L,
                        (_steepest_node(nodes, slopes),))


@st.composite
def trigonometric_sums(draw, domain=None, max_terms=6, max_numerator=4):
    r""":math:`\sum_{k=1}^K a_k\cos(k\pi x)+b_k\sin(k\pi x)` with :math:`a_k,b_k=m/(2k^2)`,
    :math:`|m|\le` ``max_numerator``; modulus :math:`\sum_k(|a_k|+|b_k|)\min(k\pi\delta,2)`."""
    a, b = _domain(draw, domain)
    K = draw(st.integers(1, max_terms))
    terms, mod_terms, L = [], [], 0.0
    for k in range(1, K + 1):
        ak = Fraction(draw(st.integers(-max_numerator, max_numerator)), 2 * k * k)
        bk = Fraction(draw(st.integers(-max_numerator, max_numerator)), 2 * k * k)
        if ak:
            terms.append(f"{_fmt(ak)}*cos({k}*pi*x)")
        if bk:
            terms.append(f"{_fmt(bk)}*sin({k}*pi*x)")
        amp = abs(ak) + abs(bk)
        if amp:
            slope = _up(k * amp) * _PI_UP
            slope = math.nextafter(slope, math.inf)   # one more ulp for the product's rounding
            mod_terms.append((slope, _up(2 * amp)))
            L += slope
    text = " + ".join(terms) if terms else "0"
    L = math.nextafter(L, math.inf) if L else 0.0
    return RandomTarget(parse_target(text), (a, b), CappedLinearModulus(tuple(mod_terms)),
                        f"trigonometric sum of {K} frequencies", L, (a, b))


@st.composite
def brownian_paths(draw, domain=None, max_steps=32):
    r"""Piecewise-linear interpolation of a random walk with N steps on a uniform grid; increments
    :math:`m_i/\lfloor\sqrt N\rfloor`, :math:`|m_i|\le3`; modulus :math:`\min(L\delta,\max f-\min f)`."""
    a, b = _domain(draw, domain)
    fa, fb = Fraction(a), Fraction(b)
    N = draw(st.integers(2, max_steps))
    r = max(1, math.isqrt(N))
    steps = draw(st.lists(st.integers(-3, 3), min_size=N, max_size=N))
    values = [Fraction(draw(st.integers(-2, 2)))]
    for m in steps:
        values.append(values[-1] + Fraction(m, r))
    nodes = [fa + (fb - fa) * Fraction(i, N) for i in range(N + 1)]
    slopes = _pl_slopes(nodes, values)
    L = _up(max(abs(s) for s in slopes))
    osc = _up(max(values) - min(values))
    return RandomTarget(parse_target(_pl_text(nodes, values)), (a, b), CappedLinearModulus(((L, osc),)),
                        f"random-walk path with {N} steps", L, (_steepest_node(nodes, slopes),))


@st.composite
def holder_functions(draw, domain=None, max_denominator=8):
    r""":math:`c|x-x_0|^\alpha` with rational :math:`x_0` in the domain, :math:`\alpha=p/q\in(0,1)`,
    rational :math:`c\ne0`; modulus :math:`|c|\delta^\alpha`; no Lipschitz constant."""
    a, b = _domain(draw, domain)
    fa, fb = Fraction(a), Fraction(b)
    x0 = fa + (fb - fa) * Fraction(draw(st.integers(0, 16)), 16)
    q = draw(st.integers(2, max_denominator))
    p = draw(st.integers(1, q - 1))
    alpha = Fraction(p, q)
    c = Fraction(draw(st.integers(1, 8)) * draw(st.sampled_from([1, -1])), draw(st.integers(1, 4)))
    text = f"{_fmt(c)}*abs(x - {_fmt(x0)})**{_fmt(alpha)}"
    # alpha rounded *down* would enlarge delta**alpha only for delta < 1; keep alpha's nearest float and
    # put one ulp of slack on C instead (the test's tolerance covers the rest)
    C = math.nextafter(_up(abs(c)), math.inf)
    return RandomTarget(parse_target(text), (a, b), HolderModulus(C, float(alpha)),
                        f"Hölder |x - x0|^{alpha}", None, (float(x0),))


@st.composite
def weierstrass_sums(draw, domain=None, max_terms=5):
    r"""Weierstrass partial sums :math:`\sum_{k=0}^K a^k\cos(b^k\pi x)` (typed with ``Sum``), :math:`a=p/q<1`,
    b odd in 3..7; modulus :math:`\sum_ka^k\min(b^k\pi\delta,2)`, :math:`L=\pi\sum(ab)^k`."""
    dom = _domain(draw, domain)
    K = draw(st.integers(0, max_terms - 1))
    bb = draw(st.sampled_from([3, 5, 7]))
    q = draw(st.integers(2, 4))
    a = Fraction(draw(st.integers(1, q - 1)), q)
    text = f"Sum({_fmt(a)}**k*cos({bb}**k*pi*x), (k, 0, {K}))"
    terms, L = [], 0.0
    for k in range(K + 1):
        slope = math.nextafter(_up(a ** k * bb ** k) * _PI_UP, math.inf)
        terms.append((slope, _up(2 * a ** k)))
        L += slope
    L = math.nextafter(L, math.inf)
    return RandomTarget(parse_target(text), dom, CappedLinearModulus(tuple(terms)),
                        f"Weierstrass partial sum a={a}, b={bb}, K={K}", L, dom)


_KINDS = (polynomials, piecewise_linear, trigonometric_sums, brownian_paths, holder_functions, weierstrass_sums)


@st.composite
def sums(draw, domain=None):
    r""":math:`f+g` for two targets of (possibly different) kinds on one domain; modulus
    :math:`\omega_f+\omega_g`, Lipschitz :math:`L_f+L_g` when both exist."""
    dom = _domain(draw, domain)
    f = draw(st.one_of(*[k(dom) for k in _KINDS]))
    g = draw(st.one_of(*[k(dom) for k in _KINDS]))
    text = f"({f.text}) + ({g.text})"
    L = None
    if f.lipschitz is not None and g.lipschitz is not None:
        L = math.nextafter(f.lipschitz + g.lipschitz, math.inf)
    return RandomTarget(parse_target(text), dom, SumModulus((f.modulus, g.modulus)),
                        f"sum of [{f.description}] and [{g.description}]", L,
                        tuple(f.special_points) + tuple(g.special_points))


def random_targets(domain=None):
    """Any of the kinds above, or a sum of two of them."""
    return st.one_of(*[k(domain) for k in _KINDS], sums(domain))


# ------------------------------------------------------------------------------------------ checking
def sample_pairs(domain, rng: np.random.Generator, m: int = 200, special_points=(), min_gap=1e-7):
    """Pairs (x, y) in the domain: uniform pairs, close pairs (gap log-uniform in [min_gap, b-a]) and
    pairs starting at ``special_points`` (and at both ends). Returns two float arrays."""
    a, b = domain
    length = b - a
    xs = [rng.uniform(a, b, m), rng.uniform(a, b, m)]
    base = rng.uniform(a, b, m)
    gap = np.exp(rng.uniform(np.log(min_gap), np.log(length), m)) * rng.choice([-1.0, 1.0], m)
    ys = [rng.uniform(a, b, m), np.clip(base + gap, a, b)]
    xs[1] = base
    anchors = np.array([a, b, *special_points], dtype=float)
    anchors = anchors[(anchors >= a) & (anchors <= b)]
    if anchors.size:
        k = max(1, m // anchors.size)
        ax = np.repeat(anchors, k)
        g = np.exp(rng.uniform(np.log(min_gap), np.log(length), ax.size)) * rng.choice([-1.0, 1.0], ax.size)
        xs.append(ax)
        ys.append(np.clip(ax + g, a, b))
    return np.concatenate(xs), np.concatenate(ys)


def modulus_violations(rt: RandomTarget, x, y, modulus=None, rtol: float = 1e-9) -> np.ndarray:
    r"""Indices i with :math:`|f(x_i)-f(y_i)|>\omega(|x_i-y_i|)+\text{tol}_i`.

    :math:`\text{tol}_i=\text{rtol}\,(1+|f(x_i)|+|f(y_i)|)` is slack for float64 evaluation of f only.
    ``modulus`` overrides ``rt.modulus`` (to show that a wrong modulus is caught).
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    fx, fy = rt.target(x), rt.target(y)
    omega = (rt.modulus if modulus is None else modulus)(np.abs(x - y))
    tol = rtol * (1.0 + np.abs(fx) + np.abs(fy))
    return np.flatnonzero(np.abs(fx - fy) > omega + tol)
