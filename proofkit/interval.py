r"""Ball-arithmetic (python-flint ``arb``) enclosures of a target f* and of its derivatives.

For a target f*(x) (a sympy expression, :class:`proofkit.expr.Target`) on a domain [a, b],
:class:`BallTarget` walks the sympy trees of f*, f*' and f*'' *once* (``sympy.diff`` of the expression)
and turns them into nested Python closures over ``arb`` balls. A closure receives an evaluation context
``(X, lo, hi)``: ``X`` is an arb ball containing the exact rational interval [lo, hi] (lo = hi for a point)
and returns a ball that contains f(x) for every x in [lo, hi]. Outward rounding is arb's job; nothing is
evaluated in floating point and no string is ever ``eval``-ed.

**Switches.** Non-smooth functions depend on the sign of an inner expression g(x), which we call a
*switch*: ``Abs(g)``, ``sign(g)``, ``Heaviside(g)``, ``DiracDelta(g)``, ``Max(g1, g2)`` (g = g1 - g2),
``Min``, and every relation ``lhs < rhs`` of a ``Piecewise`` condition (g = lhs - rhs). When g is a polynomial
with rational coefficients its real zeros are found *exactly* (rational roots from the factorisation over
Q, irrational ones in rational isolating intervals of width :math:`\le 2^{-64}(b-a)`), and the sign of g on
every gap between zeros is computed in exact rational arithmetic. The status of a switch on the *open*
interval (lo, hi) is then known exactly: +1, -1, or ``None`` when (lo, hi) may contain a zero; at a point
it is +1, -1 or 0. For any other g the status is the sign of the ball g(X) when that ball excludes 0, and
zeros are only located numerically (they are still useful as split points). A sub-interval on whose
interior every switch has a known sign is one on which f* is a single smooth *branch*: only there are
derivative enclosures used (:meth:`BallTarget.smooth_on`). On a sub-interval whose interior may contain
a zero of a switch, the value enclosure is the union of the branches that may apply, ``DiracDelta``
encloses as the whole real line, and a ``Piecewise`` inside a derivative as well (sympy drops the jump
terms of differentiated ``Piecewise``), so lower-order bounds take over there.

**Domains of real functions.** sqrt, non-integer powers, asin, acos and acosh are real only on part of the
line. A ball that touches the edge of that part (e.g. ``x - 1/3`` on [1/3, 1/2] gives a ball containing
tiny negative numbers, because 1/3 is not a binary number) is clamped to the real domain only when the
clamp is *proved*: the argument is non-negative by sympy's assumptions (``Abs``, squares, ...), or it is a
rational polynomial whose exact sign on [lo, hi] is known from its zero table. Otherwise the result is NaN
and the caller subdivides or reports the target as not finite.

**Kinks** (:attr:`BallTarget.kinks`) are the exact rational zeros of switches in [a, b], the endpoints of
the isolating intervals of irrational ones and the numerically located zeros of the others. The certifier
inserts them as break-points, so that a sub-interval never has a rational kink in its interior, and
evaluates f* *one-sidedly* at a rational kink (:meth:`BallTarget.value`, with (lo, hi) the neighbouring
open interval and X the point), which is what the remainder bounds of a branch need.
"""
from __future__ import annotations

import bisect
import contextlib
import math
from fractions import Fraction

import numpy as np
import sympy as sp
from flint import arb, ctx as _flint_ctx, fmpq

from .expr import Target, TargetError

__all__ = ["BallTarget", "working_precision", "arb_of", "ball", "arb_up", "arb_down", "DEFAULT_PREC"]

DEFAULT_PREC = 128


@contextlib.contextmanager
def working_precision(prec: int):
    """Set python-flint's (global) working precision to ``prec`` bits inside the ``with`` block."""
    old = _flint_ctx.prec
    _flint_ctx.prec = int(prec)
    try:
        yield
    finally:
        _flint_ctx.prec = old


def arb_of(q) -> arb:
    """The arb ball of a rational (Fraction, int or sympy Rational): exact when q is a short binary
    number, else a ball of radius about 2^-prec |q| around it."""
    if isinstance(q, Fraction):
        return arb(fmpq(q.numerator, q.denominator))
    if isinstance(q, int):
        return arb(q)
    if isinstance(q, sp.Rational):
        return arb(fmpq(int(q.p), int(q.q)))
    q = Fraction(q)
    return arb(fmpq(q.numerator, q.denominator))


def ball(lo: Fraction, hi: Fraction, alo: arb | None = None, ahi: arb | None = None) -> arb:
    """A ball containing the exact interval [lo, hi]; clamped to [0, inf) when lo >= 0."""
    a = arb_of(lo) if alo is None else alo
    if lo == hi:
        return a
    b = arb_of(hi) if ahi is None else ahi
    x = a.union(b)
    if lo >= 0:  # the union's radius is rounded outwards; x >= 0 is known exactly here
        x = x.nonnegative_part()
    return x


def arb_up(x: arb) -> float:
    """A float >= every number in the ball x (``inf`` when x is not finite)."""
    if not x.is_finite():
        return math.inf
    v = float(x.upper())
    return math.nextafter(v, math.inf) if math.isfinite(v) else math.inf


def arb_down(x: arb) -> float:
    """A float <= every number in the ball x (``-inf`` when x is not finite)."""
    if not x.is_finite():
        return -math.inf
    v = float(x.lower())
    return math.nextafter(v, -math.inf) if math.isfinite(v) else -math.inf


def abs_up(x: arb) -> float:
    """A float >= |y| for every y in the ball x (``inf`` when not finite)."""
    if not x.is_finite():
        return math.inf
    v = float(x.abs_upper())
    return math.nextafter(v, math.inf) if math.isfinite(v) else math.inf


def abs_down(x: arb) -> float:
    """A float <= |y| for every y in the ball x (0 when not finite)."""
    if not x.is_finite():
        return 0.0
    v = float(x.abs_lower())
    return max(0.0, math.nextafter(v, -math.inf))


class _Unsupported(Exception):
    pass


def _nan() -> arb:
    return arb.nan()


def _inf_ball() -> arb:
    return arb(0, math.inf)


class _Ctx:
    """Evaluation context: ball X containing [lo, hi]; switch statuses are cached per context."""

    __slots__ = ("X", "lo", "hi", "st")

    def __init__(self, X, lo, hi):
        self.X = X
        self.lo = lo
        self.hi = hi
        self.st = {}


def _fraction(r) -> Fraction:
    return Fraction(int(r.p), int(r.q))


def _horner(coeffs, x):
    """Exact value of sum coeffs[i] x^i (coeffs descending) at a Fraction x."""
    acc = Fraction(0)
    for c in coeffs:
        acc = acc * x + c
    return acc


def _sgn(v) -> int:
    return (v > 0) - (v < 0)


class Switch:
    """The sign of an inner expression g(x) (see the module docstring).

    ``exact`` switches (g a polynomial with rational coefficients) carry the sorted zero intervals
    [s_k, t_k] (s_k = t_k for a rational zero) and the exact sign of g on the gaps between them.
    """

    def __init__(self, expr, var, domain, kind, compiler):
        self.expr = expr
        self.kind = kind  # "kink" or "clamp"
        self.exact = False
        self.fn = None
        self.zeros_rational: list[Fraction] = []
        self.zero_intervals: list[tuple[Fraction, Fraction]] = []
        self.numeric_brackets: list[tuple[float, float]] = []
        a, b = domain
        poly = None
        if expr.is_polynomial(var):
            try:
                poly = sp.Poly(expr, var)
                if not all(c.is_Rational for c in poly.all_coeffs()):
                    poly = None
            except sp.PolynomialError:
                poly = None
        if poly is not None and poly.degree() >= 1:
            self._exact_setup(poly, a, b)
        else:
            self.fn = compiler.compile(expr, deriv=False)
            if kind == "kink":
                self._numeric_zeros(expr, var, a, b)

    # ------------------------------------------------------------------ exact polynomial switches
    def _exact_setup(self, poly, a, b):
        self.exact = True
        self.coeffs = [_fraction(c) for c in poly.all_coeffs()]
        width = b - a if b > a else Fraction(1)
        eps = width / 2 ** 64
        zeros = []
        _, factors = sp.factor_list(poly.as_expr(), *poly.gens)
        for fac, _mult in factors:
            fp = sp.Poly(fac, *poly.gens)
            if fp.degree() < 1:
                continue
            if fp.degree() == 1:
                c1, c0 = fp.all_coeffs()
                r = -_fraction(c0) / _fraction(c1)
                zeros.append((r, r))
            else:
                for (s, t), _m in fp.intervals(eps=sp.Rational(eps.numerator, eps.denominator)):
                    zeros.append((_fraction(sp.Rational(s)), _fraction(sp.Rational(t))))
        zeros.sort()
        merged = []
        for s, t in zeros:  # overlapping isolating intervals (different factors) merge into one
            if merged and s <= merged[-1][1]:
                ps, pt = merged[-1]
                merged[-1] = (ps, max(pt, t))
            else:
                merged.append((s, t))
        self.S = [s for s, _ in merged]
        self.T = [t for _, t in merged]
        self.exact_point = [s == t and _horner(self.coeffs, s) == 0 for s, t in merged]
        gaps = []
        n = len(merged)
        for k in range(n + 1):
            if n == 0:
                p = Fraction(0)
            elif k == 0:
                p = self.S[0] - 1
            elif k == n:
                p = self.T[-1] + 1
            else:
                p = (self.T[k - 1] + self.S[k]) / 2
            gaps.append(_sgn(_horner(self.coeffs, p)))
        self.gap_sign = gaps
        for (s, t), ex in zip(merged, self.exact_point):
            if ex:
                self.zeros_rational.append(s)
            else:
                self.zero_intervals.append((s, t))

    def _status_exact(self, lo, hi):
        if lo == hi:
            k = bisect.bisect_left(self.T, lo)
            if k < len(self.S) and self.S[k] <= lo:
                if self.exact_point[k]:
                    return 0
                return _sgn(_horner(self.coeffs, lo))
            return self.gap_sign[k]
        k = bisect.bisect_right(self.T, lo)
        if k < len(self.S) and self.S[k] < hi:
            return None
        return self.gap_sign[k]

    # ------------------------------------------------------------------ other switches
    def _numeric_zeros(self, expr, var, a, b, samples=2049):
        """Locate sign changes of g on a grid of ``samples`` points by arb point evaluations, and narrow
        each to a float bracket by bisection. Signs are only trusted where the ball excludes 0, so every
        bracket holds a zero of g; zeros without a sign change are not found (only split points are
        lost then: derivative bounds are still used only where the sign is proved)."""
        fn = self.fn

        def sign_at(x: float) -> int:
            q = Fraction(x)
            try:
                G = fn(_Ctx(arb_of(q), q, q))
            except (ZeroDivisionError, ValueError, OverflowError):
                return 0
            return 1 if G > 0 else (-1 if G < 0 else 0)

        xs = np.linspace(float(a), float(b), samples)
        signs = [sign_at(float(x)) for x in xs]
        last = None  # (x, sign) of the last point with a proved sign
        for x, sg in zip(xs, signs):
            if sg == 0:
                continue
            if last is not None and last[1] != sg:
                lo, hi, slo = last[0], float(x), last[1]
                for _ in range(70):
                    mid = 0.5 * (lo + hi)
                    if mid <= lo or mid >= hi:
                        break
                    sm = sign_at(mid)
                    if sm == 0:
                        break
                    if sm == slo:
                        lo = mid
                    else:
                        hi = mid
                self.numeric_brackets.append((lo, hi))
                if len(self.numeric_brackets) >= 10_000:
                    return
            last = (float(x), sg)

    def status(self, c: _Ctx):
        """+1 / -1: g has this sign on the open interval (lo, hi) (at the point when lo == hi);
        0: the point is a zero; None: unknown."""
        st = c.st
        key = id(self)
        if key in st:
            return st[key]
        if self.exact:
            r = self._status_exact(c.lo, c.hi)
        else:
            G = self.fn(c)
            if G > 0:
                r = 1
            elif G < 0:
                r = -1
            else:
                r = None
        st[key] = r
        return r

    def split_points(self, a, b):
        """Rational points of [a, b] where g may change sign (see the module docstring)."""
        pts = [z for z in self.zeros_rational if a <= z <= b]
        for s, t in self.zero_intervals:
            if t >= a and s <= b:
                pts.extend(p for p in (s, t) if a <= p <= b)
        for lo, hi in self.numeric_brackets:
            p = Fraction(0.5 * (lo + hi))
            if a <= p <= b:
                pts.append(p)
        return pts


# unary functions that arb encloses directly on any ball (NaN outside their real domain)
_SMOOTH_ARB = {sp.sin: "sin", sp.cos: "cos", sp.tan: "tan", sp.cot: "cot", sp.sec: "sec", sp.csc: "csc",
               sp.sinh: "sinh", sp.cosh: "cosh", sp.tanh: "tanh", sp.atan: "atan", sp.asinh: "asinh",
               sp.atanh: "atanh", sp.erf: "erf", sp.erfc: "erfc", sp.exp: "exp", sp.log: "log",
               sp.sinc: "sinc"}
_UNARY_ARB = {**_SMOOTH_ARB, sp.asin: "asin", sp.acos: "acos", sp.acosh: "acosh"}


class _Compiler:
    """Walks sympy trees into closures ``fn(ctx) -> arb``; collects the switches it meets."""

    def __init__(self, var, domain):
        self.var = var
        self.domain = domain
        self.switches: dict = {}

    def switch(self, expr, kind="kink"):
        expr = sp.expand(expr) if expr.is_polynomial(self.var) else expr
        key = expr
        sw = self.switches.get(key)
        if sw is None:
            sw = Switch(expr, self.var, self.domain, kind, self)
            self.switches[key] = sw
        elif kind == "kink" and sw.kind != "kink":
            sw.kind = "kink"
            if not sw.exact and not sw.numeric_brackets:
                a, b = self.domain
                sw._numeric_zeros(expr, self.var, a, b)
        return sw

    def compile(self, expr, deriv=False):
        var = self.var
        if not expr.has(var):
            if expr.is_Number or isinstance(expr, sp.NumberSymbol) or expr.is_constant():
                k = self._constant(expr)
                return lambda c: k
        if expr == var:
            return lambda c: c.X
        if isinstance(expr, sp.Add):
            fns = [self.compile(a, deriv) for a in expr.args]
            if len(fns) == 2:
                f0, f1 = fns
                return lambda c: f0(c) + f1(c)

            def add(c):
                acc = fns[0](c)
                for f in fns[1:]:
                    acc = acc + f(c)
                return acc
            return add
        if isinstance(expr, sp.Mul):
            consts = [a for a in expr.args if not a.has(var)]
            rest = [a for a in expr.args if a.has(var)]
            k = self._constant(sp.Mul(*consts)) if consts else None
            fns = [self.compile(a, deriv) for a in rest]
            if len(fns) == 1:
                f0 = fns[0]
                return (lambda c: k * f0(c)) if k is not None else f0
            if len(fns) == 2 and k is None:
                f0, f1 = fns
                return lambda c: f0(c) * f1(c)

            def mul(c):
                acc = fns[0](c)
                for f in fns[1:]:
                    acc = acc * f(c)
                return acc * k if k is not None else acc
            return mul
        if isinstance(expr, sp.Pow):
            return self._pow(expr, deriv)
        if isinstance(expr, sp.Abs):
            return self._abs(expr.args[0], deriv)
        if isinstance(expr, sp.sign):
            return self._sign(expr.args[0], deriv)
        if isinstance(expr, sp.Heaviside):
            return self._heaviside(expr, deriv)
        if isinstance(expr, sp.DiracDelta):
            sw = self.switch(expr.args[0])
            zero = arb(0)

            def delta(c):
                s = sw.status(c)
                if s == 1 or s == -1:
                    return zero
                return _inf_ball()
            return delta
        if isinstance(expr, (sp.Max, sp.Min)):
            return self._maxmin(expr, deriv)
        if isinstance(expr, sp.Piecewise):
            return self._piecewise(expr, deriv)
        if isinstance(expr, sp.exp):
            f = self.compile(expr.args[0], deriv)
            return lambda c: f(c).exp()
        if isinstance(expr, sp.log):
            if len(expr.args) != 1:
                raise _Unsupported("log with a base")
            f = self.compile(expr.args[0], deriv)
            return lambda c: f(c).log()
        for cls, name in _SMOOTH_ARB.items():
            if isinstance(expr, cls):
                f = self.compile(expr.args[0], deriv)
                meth = getattr(arb, name)
                return lambda c: meth(f(c))
        if isinstance(expr, (sp.asin, sp.acos)):
            return self._clamped_unary(expr, "asin" if isinstance(expr, sp.asin) else "acos", -1, 1, deriv)
        if isinstance(expr, sp.acosh):
            return self._clamped_unary(expr, "acosh", 1, None, deriv)
        raise _Unsupported(f"{type(expr).__name__}")

    # ------------------------------------------------------------------ pieces
    def _constant(self, expr) -> arb:
        expr = sp.sympify(expr)
        if expr.is_Integer:
            return arb(int(expr))
        if expr.is_Rational:
            return arb(fmpq(int(expr.p), int(expr.q)))
        if expr is sp.pi:
            return arb.pi()
        if expr is sp.E:
            return arb.const_e()
        if expr.is_Float:
            return arb_of(_fraction(sp.Rational(expr)))
        if expr.free_symbols:
            raise _Unsupported("constant with symbols")
        return self._compile_const(expr)

    def _compile_const(self, expr) -> arb:
        """Evaluate a constant tree (sqrt(2), log(3), pi**2, ...) to a ball once, at compile time."""
        if expr.is_Rational or expr is sp.pi or expr is sp.E or expr.is_Float:
            return self._constant(expr)
        if isinstance(expr, sp.Add):
            acc = arb(0)
            for a in expr.args:
                acc = acc + self._compile_const(a)
            return acc
        if isinstance(expr, sp.Mul):
            acc = arb(1)
            for a in expr.args:
                acc = acc * self._compile_const(a)
            return acc
        if isinstance(expr, sp.Pow):
            b = self._compile_const(expr.args[0])
            e = expr.args[1]
            if e.is_Integer:
                return _ipow(b, int(e))
            if e == sp.Rational(1, 2):
                return b.sqrt()
            return b ** self._compile_const(e)
        if isinstance(expr, sp.Abs):
            return abs(self._compile_const(expr.args[0]))
        if isinstance(expr, sp.Function) and len(expr.args) == 1:
            for cls, name in _UNARY_ARB.items():
                if isinstance(expr, cls):
                    return getattr(arb, name)(self._compile_const(expr.args[0]))
        raise _Unsupported(f"constant {expr}")

    def _pow(self, expr, deriv):
        base, ex = expr.args
        var = self.var
        if ex.has(var):
            fb = self.compile(base, deriv)
            fe = self.compile(ex, deriv)
            return lambda c: (fe(c) * fb(c).log()).exp()
        fb = self.compile(base, deriv)
        if ex.is_Integer:
            n = int(ex)
            return lambda c: _ipow(fb(c), n)
        # real (non-integer) exponent: base must be >= 0
        e_arb = self._constant(ex)
        positive = bool(ex.is_positive)
        clamp = self._nonneg_prover(base)
        half = ex == sp.Rational(1, 2)

        def rpow(c):
            B = fb(c)
            if not B > 0:
                if clamp is not None and clamp(c):
                    B = B.nonnegative_part()
                if not B >= 0:
                    return _nan()
            if half:
                return B.sqrt()
            if B > 0:
                return B ** e_arb
            # B = [0, u]: x^e is monotone on it
            if not positive:
                return _inf_ball()
            return arb(0).union(B.upper() ** e_arb)
        return rpow

    def _nonneg_prover(self, base):
        """A predicate c -> True when base(x) >= 0 is proved on [c.lo, c.hi] (None: never provable)."""
        if base.is_nonnegative is True:
            return lambda c: True
        if base.is_polynomial(self.var):
            sw = self.switch(base, kind="clamp")
            if sw.exact:
                def prove(c):
                    s = sw.status(c)
                    return s == 1 or (s == 0 and c.lo == c.hi)
                return prove
            return None
        return self._zero_end_prover(base)

    def _zero_end_prover(self, g):
        r"""Non-negativity of a non-polynomial g next to its exact rational zeros (e.g. sin(pi x) at 0, 1).

        sympy's ``solveset`` proposes zeros of g in [a, b]; each rational one is kept only if g(z)
        simplifies to exactly 0. On [lo, hi] with g(hi) = 0 and g' <= 0 on [lo, hi] (ball enclosure),
        :math:`g(x)=-\int_x^{hi}g'\ge0`; symmetrically at lo with g' >= 0; at the zero itself g = 0. Nothing
        else is claimed (the zero set need not be complete: only found zeros are used, each proved), so the
        predicate is sound; elsewhere the caller's own enclosure must show g >= 0. The zeros become split
        points, so bisection isolates them. Returns None when sympy finds no such zero."""
        var = self.var
        a, b = self.domain
        if sp.count_ops(g) > 40:  # solveset can be slow on large expressions; such targets keep NaN
            return None
        try:
            sol = sp.solveset(g, var, sp.Interval(sp.Rational(a.numerator, a.denominator),
                                                  sp.Rational(b.numerator, b.denominator)))
        except Exception:  # noqa: BLE001 - sympy could not solve: no zeros to use
            return None
        if not isinstance(sol, sp.FiniteSet):
            return None
        zeros = set()
        for z in sol:
            if z.is_Rational and sp.simplify(g.subs(var, z)) == 0:
                zeros.add(_fraction(z))
        if not zeros:
            return None
        try:
            fd = self.compile(sp.diff(g, var))
        except _Unsupported:
            return None
        sw = self.switch(g, kind="clamp")
        sw.zeros_rational = sorted(set(sw.zeros_rational) | zeros)

        def prove(c):
            if c.lo == c.hi:
                return c.lo in zeros
            if c.hi in zeros or c.lo in zeros:
                D = fd(_Ctx(ball(c.lo, c.hi), c.lo, c.hi))
                if c.hi in zeros and D <= 0:
                    return True
                if c.lo in zeros and D >= 0:
                    return True
            return False
        return prove

    def _clamped_unary(self, expr, name, lo, hi, deriv):
        arg = expr.args[0]
        f = self.compile(arg, deriv)
        meth = getattr(arb, name)
        prove_lo = self._nonneg_prover(arg - lo) if lo is not None else None
        prove_hi = self._nonneg_prover(hi - arg) if hi is not None else None
        alo = arb(lo) if lo is not None else None
        ahi = arb(hi) if hi is not None else None

        def fn(c):
            A = f(c)
            if alo is not None and not A >= alo and prove_lo is not None and prove_lo(c):
                A = (A - alo).nonnegative_part() + alo
            if ahi is not None and not A <= ahi and prove_hi is not None and prove_hi(c):
                A = ahi - (ahi - A).nonnegative_part()
            if A.rad() == 0:
                return meth(A)
            # monotone on its real domain: enclose by the values at the ends of the ball (arb's own
            # derivative-based radius is infinite where the derivative is, e.g. asin at 1)
            lo_end, hi_end = A.lower(), A.upper()
            if alo is not None and lo_end < alo:
                lo_end = alo if prove_lo is not None and prove_lo(c) else lo_end
            if ahi is not None and hi_end > ahi:
                hi_end = ahi if prove_hi is not None and prove_hi(c) else hi_end
            return meth(lo_end).union(meth(hi_end))
        return fn

    def _abs(self, arg, deriv):
        f = self.compile(arg, deriv)
        sw = self.switch(arg) if arg.has(self.var) else None

        def fabs(c):
            G = f(c)
            s = sw.status(c) if sw is not None else None
            if s == 1:
                return G.nonnegative_part()
            if s == -1:
                return (-G).nonnegative_part()
            return abs(G).nonnegative_part()
        return fabs

    def _sign(self, arg, deriv):
        sw = self.switch(arg)
        one, mone, zero, both = arb(1), arb(-1), arb(0), arb(0, 1)

        def fsign(c):
            s = sw.status(c)
            if s == 1:
                return one
            if s == -1:
                return mone
            if s == 0:
                return zero
            return both
        return fsign

    def _heaviside(self, expr, deriv):
        sw = self.switch(expr.args[0])
        h0 = self._constant(expr.args[1]) if len(expr.args) > 1 and expr.args[1] is not None else arb(fmpq(1, 2))
        one, zero, unit = arb(1), arb(0), arb(fmpq(1, 2), fmpq(1, 2))

        def fh(c):
            s = sw.status(c)
            if s == 1:
                return one
            if s == -1:
                return zero
            if s == 0:
                return h0
            return unit.union(h0)
        return fh

    def _maxmin(self, expr, deriv):
        is_max = isinstance(expr, sp.Max)
        args = list(expr.args)
        fns = [self.compile(a, deriv) for a in args]
        for i in range(len(args)):
            for j in range(i + 1, len(args)):
                self.switch(args[i] - args[j])
        if len(args) == 2:
            sw = self.switch(args[0] - args[1])
            f0, f1 = fns

            def f2(c):
                s = sw.status(c)
                if s == 0 or s == 1:
                    return f0(c) if is_max else f1(c)
                if s == -1:
                    return f1(c) if is_max else f0(c)
                A, B = f0(c), f1(c)
                return A.max(B) if is_max else A.min(B)
            return f2

        def fn(c):
            acc = fns[0](c)
            for f in fns[1:]:
                acc = acc.max(f(c)) if is_max else acc.min(f(c))
            return acc
        return fn

    def _condition(self, cond):
        """Three-valued predicate c -> True / False / None for a Piecewise condition."""
        if cond is sp.true or cond is True:
            return lambda c: True
        if cond is sp.false or cond is False:
            return lambda c: False
        if isinstance(cond, sp.And):
            parts = [self._condition(a) for a in cond.args]

            def f_and(c):
                res = True
                for p in parts:
                    v = p(c)
                    if v is False:
                        return False
                    if v is None:
                        res = None
                return res
            return f_and
        if isinstance(cond, sp.Or):
            parts = [self._condition(a) for a in cond.args]

            def f_or(c):
                res = False
                for p in parts:
                    v = p(c)
                    if v is True:
                        return True
                    if v is None:
                        res = None
                return res
            return f_or
        if isinstance(cond, sp.Not):
            inner = self._condition(cond.args[0])

            def f_not(c):
                v = inner(c)
                return None if v is None else (not v)
            return f_not
        if isinstance(cond, sp.core.relational.Relational):
            g = cond.lhs - cond.rhs
            if not g.has(self.var):
                truth = bool(cond.subs({}))
                return lambda c: truth
            sw = self.switch(g)
            table = {
                sp.StrictLessThan: {-1: True, 0: False, 1: False},
                sp.LessThan: {-1: True, 0: True, 1: False},
                sp.StrictGreaterThan: {-1: False, 0: False, 1: True},
                sp.GreaterThan: {-1: False, 0: True, 1: True},
                sp.Equality: {-1: False, 0: True, 1: False},
                sp.Unequality: {-1: True, 0: False, 1: True},
            }
            for cls, tab in table.items():
                if isinstance(cond, cls):
                    def f_rel(c, tab=tab):
                        s = sw.status(c)
                        return None if s is None else tab[s]
                    return f_rel
        raise _Unsupported(f"condition {cond}")

    def _piecewise(self, expr, deriv):
        pieces = [(self.compile(e, deriv), self._condition(cnd)) for e, cnd in expr.args]

        def fpw(c):
            acc = None
            for fe, fc in pieces:
                v = fc(c)
                if v is False:
                    continue
                if v is None and deriv:
                    return _inf_ball()
                y = fe(c)
                if v is True:
                    return y if acc is None else acc.union(y)
                acc = y if acc is None else acc.union(y)
            return acc if acc is not None else _nan()
        return fpw


def _ipow(x: arb, n: int) -> arb:
    """x**n for an integer n, tight on balls that contain 0 (x^n is monotone or even there)."""
    if n == 0:
        return arb(1)
    if n == 1:
        return x
    if n < 0:
        return 1 / _ipow(x, -n)
    if x > 0 or x < 0:
        return x ** n
    if n % 2 == 0:
        return arb(0).union(x.abs_upper() ** n)
    return (x.lower() ** n).union(x.upper() ** n)


class BallTarget:
    """arb enclosures of f*, f*' and f*'' on a domain, with the switch analysis of the module docstring.

    ``f``, ``d1``, ``d2`` are the compiled closures (``d1``/``d2`` are None when sympy's derivative
    contains something the evaluator does not support). Evaluate with :meth:`value` / :meth:`on`.
    The object must be used at the working precision it was built at (:func:`working_precision`).
    """

    def __init__(self, target: Target, domain, prec: int = DEFAULT_PREC):
        self.target = target
        self.var = target.var
        self.prec = int(prec)
        a, b = (Fraction(domain[0]), Fraction(domain[1]))
        self.domain = (a, b)
        with working_precision(self.prec):
            comp = _Compiler(self.var, self.domain)
            try:
                self.f = comp.compile(target.expr, deriv=False)
            except _Unsupported as exc:
                raise TargetError(f"target '{target.text}': cannot enclose {exc} in ball arithmetic") from None
            self.d1 = self.d2 = None
            try:
                e1 = sp.diff(target.expr, self.var)
                self.d1 = comp.compile(e1, deriv=True)
                self.d2 = comp.compile(sp.diff(e1, self.var), deriv=True)
            except (_Unsupported, Exception):  # noqa: BLE001 - lower-order bounds take over
                pass
        self._compiler = comp
        self.switches = list(comp.switches.values())
        self.kink_switches = [s for s in self.switches if s.kind == "kink"]
        kinks = set()
        exact_zeros = set()
        for s in self.switches:
            for p in s.split_points(a, b):
                kinks.add(p)
            exact_zeros.update(z for z in s.zeros_rational if a <= z <= b)
        self.kinks = sorted(kinks)
        self.exact_zeros = exact_zeros

    # ------------------------------------------------------------------ evaluation
    def value(self, X: arb, lo: Fraction, hi: Fraction, which: int = 0, forced: dict | None = None) -> arb:
        """Enclosure of f^(which) (which = 0, 1, 2) at the points of X, with switch statuses taken on the
        open interval (lo, hi) (the point when lo == hi). ``forced`` maps switches to a status to use
        instead (the branch of f on one side of a zero of that switch). NaN/inf balls where unknown."""
        fn = (self.f, self.d1, self.d2)[which]
        if fn is None:
            return _inf_ball()
        c = _Ctx(X, lo, hi)
        if forced:
            c.st.update({id(sw): v for sw, v in forced.items()})
        try:
            return fn(c)
        except (ZeroDivisionError, ValueError, OverflowError):
            return _nan()

    def point(self, p: Fraction, X: arb | None = None) -> arb:
        """Enclosure of f*(p) at a rational point (the point's own branch)."""
        return self.value(arb_of(p) if X is None else X, p, p)

    def on(self, lo: Fraction, hi: Fraction, which: int = 0, X: arb | None = None) -> arb:
        """Enclosure of f^(which) on the closed interval [lo, hi] (branch of the open interval)."""
        return self.value(ball(lo, hi) if X is None else X, lo, hi, which)

    def smooth_on(self, lo: Fraction, hi: Fraction, X: arb | None = None) -> bool:
        """True when every kink switch has a known sign on the open interval (lo, hi): f* is one smooth
        branch there and derivative-based remainder bounds apply."""
        if not self.kink_switches:
            return True
        c = _Ctx(ball(lo, hi) if X is None else X, lo, hi)
        for s in self.kink_switches:
            if s.status(c) is None:
                return False
        return True

    # ------------------------------------------------------------------ checks
    def prove_bounded(self, max_evaluations: int = 200_000) -> int:
        """Prove that f* is finite and real on [a, b]: cover it by intervals with finite enclosures.

        Raises :class:`TargetError` naming a point where no finite enclosure exists. Returns the number
        of evaluations used."""
        a, b = self.domain
        min_width = (b - a) / 2 ** 60
        stack = [(a, b)]
        n = 0
        with working_precision(self.prec):
            while stack:
                lo, hi = stack.pop()
                n += 1
                y = self.on(lo, hi)
                if y.is_finite():
                    continue
                if hi - lo < min_width or n > max_evaluations:
                    x0 = float(lo)
                    raise TargetError(f"cannot prove that target '{self.target.text}' is finite and real near "
                                      f"x = {x0:.6g} on [{float(a):g}, {float(b):g}]: its ball enclosure stays "
                                      "unbounded there (the target is undefined there, or a bounded factor such "
                                      "as sin(1/x) hides its bound from interval arithmetic)")
                mid = (lo + hi) / 2
                for k in self._split_at_kinks(lo, hi, mid):
                    stack.append(k)
        return n

    def _split_at_kinks(self, lo, hi, mid):
        i = bisect.bisect_right(self.kinks, lo)
        j = bisect.bisect_left(self.kinks, hi)
        if i < j:  # split at a kink inside first
            k = self.kinks[(i + j) // 2]
            return [(lo, k), (k, hi)]
        return [(lo, mid), (mid, hi)]

    def check_continuity(self) -> None:
        """Raise :class:`TargetError` when f* provably jumps at a zero of a switch in [a, b].

        At an exact rational zero p the left limit, the value and the right limit are enclosed (branch of
        the neighbouring open intervals evaluated at p) and must overlap pairwise; at an irrational zero the
        two branches are compared on its isolating interval; at a numerically located zero the values at
        the two ends of a float bracket of width ~1e-16 are compared (a heuristic screen)."""
        a, b = self.domain
        with working_precision(self.prec):
            exact_pts = sorted(self.exact_zeros)
            bounds = sorted(set(exact_pts) | {a, b} | {p for s in self.switches for iv in s.zero_intervals
                                                        for p in iv})
            default = (b - a) / 2 ** 20
            for p in exact_pts:
                k = bisect.bisect_left(bounds, p)
                left_gap = p - bounds[k - 1] if k > 0 else default
                right_gap = bounds[k + 1] - p if k + 1 < len(bounds) else default
                X = arb_of(p)
                vals = [("value", self.value(X, p, p))]
                if p > a:
                    vals.append(("left limit", self.value(X, p - min(default, left_gap / 2), p)))
                if p < b:
                    vals.append(("right limit", self.value(X, p, p + min(default, right_gap / 2))))
                self._compare(vals, float(p))
            for s in self.switches:
                for lo, hi in s.zero_intervals:
                    if hi < a or lo > b:
                        continue
                    X = ball(lo, hi)
                    d = (b - a) / 2 ** 70
                    left = self.value(X, lo - d, lo)
                    right = self.value(X, hi, hi + d)
                    self._compare([("left branch", left), ("right branch", right)], float((lo + hi) / 2))
                if s.kind != "kink" or s.exact:
                    continue
                for lo, hi in s.numeric_brackets:
                    # the branches on the two sides of the zero, both enclosed on the tiny bracket
                    qlo, qhi = Fraction(lo), Fraction(hi)
                    if qlo == qhi:
                        qlo, qhi = qlo - (b - a) / 2 ** 60, qhi + (b - a) / 2 ** 60
                    slo = s.status(_Ctx(arb_of(qlo), qlo, qlo))
                    shi = s.status(_Ctx(arb_of(qhi), qhi, qhi))
                    if slo not in (1, -1) or shi not in (1, -1) or slo == shi:
                        continue
                    X = ball(qlo, qhi)
                    left = self.value(X, qlo, qhi, forced={s: slo})
                    right = self.value(X, qlo, qhi, forced={s: shi})
                    self._compare([("left branch", left), ("right branch", right)], 0.5 * (lo + hi))

    def _compare(self, vals, x0):
        for i in range(len(vals)):
            for j in range(i + 1, len(vals)):
                (n1, v1), (n2, v2) = vals[i], vals[j]
                if v1.is_finite() and v2.is_finite() and not v1.overlaps(v2):
                    raise TargetError(f"target '{self.target.text}' is discontinuous at x = {x0:.6g} "
                                      f"({n1} {float(v1.mid()):.6g}, {n2} {float(v2.mid()):.6g})")
