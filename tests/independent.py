r"""An evaluator of stored networks written for the tests alone (issue 11: a certificate is about the
network a user loads).

It reads the float64 fields of a ``proofkit.permnet/1`` dictionary (``weights``, ``biases``,
``coefficients`` or ``pool[permutation]``, ``scale``, ``shift``, ``activation``) as the exact binary
rationals they are and evaluates

.. math:: f^{NN}(x)=\text{shift}+\text{scale}\Big((1-s)\sum_i a_i\,\sigma(w_i x+c_i)+s\sum_i a_i(w_ix+c_i)\Big)

(ReLU for s = 0, leaky ReLU of negative slope s) exactly, in Python integers and Fractions, with its own
sort and prefix sums. The target is evaluated with mpmath at 60 significant digits (lambdified from the
sympy expression that :func:`proofkit.expr.parse_target` -- a parser, not an evaluator -- produces).
Nothing of proofkit's evaluation code (``pwl``, ``network``, ``certify``, ``interval``) is used, and the
``exact`` section of a file is ignored: it is not what a user loads.

:func:`max_error` looks for large errors: a float screen over the network's knots in the domain, their
midpoints and the certificate's witness, then a finer screen inside the pieces that look worst, then
60-digit evaluation at the best points. What it finds is a *lower* bound of the sup error; a certified
upper bound U below it is a false certificate (:func:`check_certificate`).

:func:`install` wraps :func:`proofkit.certify.certify` for a pytest session (tests/conftest.py): every
rigorous certificate any test produces is checked on the spot, so the test that made a false certificate
fails, and :func:`summary` prints how many networks were checked.
"""
from __future__ import annotations

import bisect
import math
import time
from fractions import Fraction
from itertools import accumulate

import mpmath
import numpy as np
import sympy as sp

DPS = 60              # mpmath digits for the final comparison
SCREEN_POINTS = 20_000  # knots screened in float (evenly chosen when there are more)
TOP = 24              # worst pieces refined, and points evaluated at DPS digits


def _q(v) -> Fraction:
    """The exact value of a float64 (a dyadic rational); no rounding happens."""
    return Fraction(float(v))


def _slope(activation: str) -> Fraction:
    if activation == "relu":
        return Fraction(0)
    name, _, s = activation.partition(":")
    assert name == "leaky_relu", activation
    return Fraction(s or "0.01")


class StoredNetwork:
    """f_NN of a network dictionary, exactly, from its float64 fields (see the module docstring).

    With t_i = -w_i c_i = T_i / Dt and a_i = A_i / Da (all denominators are powers of two, so Dt and Da are
    the largest ones), at x = X / Dt:

    * relu part: sum over w=+1 units with T_i <= X of A_i (X - T_i), plus over w=-1 units with T_i >= X of
      A_i (T_i - X), over Da Dt (prefix sums over the units sorted by T_i);
    * linear part: sum_i a_i (w_i x + c_i) = (X sum A_i w_i - sum A_i w_i T_i) / (Da Dt), since c_i = -w_i t_i;

    and f_NN = shift + scale ((1 - s) relu + s linear), all in integers until one final division.
    """

    def __init__(self, d: dict):
        w = [int(v) for v in d["weights"]]
        c = [float(v).as_integer_ratio() for v in d["biases"]]   # exact: (numerator, 2^k)
        if d.get("coefficients") is not None:
            a = [float(v).as_integer_ratio() for v in d["coefficients"]]
        else:
            a = [float(d["pool"][p]).as_integer_ratio() for p in d["permutation"]]
        scale, shift = _q(d.get("scale", 1.0)), _q(d.get("shift", 0.0))
        s = _slope(d.get("activation", "relu"))
        self.domain = (_q(d["domain"][0]), _q(d["domain"][1]))
        self.Dt = max([q for _, q in c], default=1)
        self.Da = max([q for _, q in a], default=1)
        T = [-wi * p * (self.Dt // q) for wi, (p, q) in zip(w, c)]   # t_i = -w_i c_i = T_i / Dt
        A = [p * (self.Da // q) for p, q in a]                        # a_i = A_i / Da
        plus = sorted((Ti, Ai) for Ti, Ai, wi in zip(T, A, w) if wi > 0)
        minus = sorted((Ti, Ai) for Ti, Ai, wi in zip(T, A, w) if wi < 0)
        self.pT = [p[0] for p in plus]
        self.pA = [0] + list(accumulate(p[1] for p in plus))
        self.pAT = [0] + list(accumulate(p[1] * p[0] for p in plus))
        self.mT = [m[0] for m in minus]
        self.mA = [0] + list(accumulate(m[1] for m in minus))
        self.mAT = [0] + list(accumulate(m[1] * m[0] for m in minus))
        self.SAw = sum(Ai * wi for Ai, wi in zip(A, w))
        self.SAwT = sum(Ai * wi * Ti for Ai, wi, Ti in zip(A, w, T))
        self.sn, self.sd = s.numerator, s.denominator
        self.hn, self.hd = shift.numerator, shift.denominator
        self.Sn, self.Sd = scale.numerator, scale.denominator
        self.T = sorted(set(T))            # the break-points, as integers over Dt

    def parts_scaled(self, P: int, Q: int):
        """(numerator, denominator) of f_NN at x = P / (Q Dt), integers."""
        k = bisect.bisect_right(self.pT, P // Q)             # plus units with T_i <= X = P/Q
        plus = P * self.pA[k] - Q * self.pAT[k]
        j = bisect.bisect_right(self.mT, -((-P) // Q) - 1)   # minus units with T_i < X are inactive
        minus = Q * (self.mAT[-1] - self.mAT[j]) - P * (self.mA[-1] - self.mA[j])
        inner = (self.sd - self.sn) * (plus + minus) + self.sn * (P * self.SAw - Q * self.SAwT)
        den = self.sd * self.Da * self.Dt * Q                 # inner / den = (1 - s) relu + s linear
        return self.hn * self.Sd * den + self.hd * self.Sn * inner, self.hd * self.Sd * den

    def parts(self, x):
        """(numerator, denominator) of f_NN(x), integers (x a Fraction or a float)."""
        x = Fraction(x) * self.Dt
        return self.parts_scaled(x.numerator, x.denominator)

    def __call__(self, x) -> Fraction:
        return Fraction(*self.parts(x))

    def float(self, x) -> float:
        num, den = self.parts(x)
        return num / den  # Python's int division is correctly rounded


_TARGETS = {}


def _target_functions(text):
    if text not in _TARGETS:
        _TARGETS[text] = _lambdify(text)
    return _TARGETS[text]


def _lambdify(text):
    from proofkit.expr import parse_target  # the safe parser: text -> sympy expression

    tgt = parse_target(text)
    expr, var = tgt.expr, tgt.var
    f_mp = sp.lambdify(var, expr, modules="mpmath")
    try:
        f_np = sp.lambdify(var, expr, modules="numpy")
        with np.errstate(all="ignore"):
            probe = np.asarray(f_np(np.array([0.25, 0.5])), dtype=float)
        if probe.shape != (2,):
            raise TypeError
    except Exception:  # noqa: BLE001 - a function numpy cannot vectorise: mpmath point by point
        def f_np(xs, f_mp=f_mp):
            with mpmath.workdps(20):
                return np.array([float(mpmath.re(f_mp(mpmath.mpf(float(v))))) for v in np.ravel(xs)])
    return f_np, f_mp


def _floats(xs):
    return np.array([float(v) for v in xs])


def max_error(d: dict, target: str, domain=None, extra=(), stored: StoredNetwork | None = None):
    """A lower bound of sup |f - f_NN| on ``domain`` (default: the file's), found as the module docstring
    says. Returns (error as an mpf at DPS digits, the point as a Fraction, number of points screened)."""
    net = stored or StoredNetwork(d)
    a, b = (_q(domain[0]), _q(domain[1])) if domain is not None else net.domain
    f_np, f_mp = _target_functions(target)
    # screen: the break-points inside (a, b) and the midpoints between them; a point is (P, Q): x = P/(Q Dt)
    lo = bisect.bisect_right(net.T, math.floor(a * net.Dt))
    hi = bisect.bisect_left(net.T, math.ceil(b * net.Dt))
    inside = [2 * T for T in net.T[lo:hi]]
    if len(inside) > SCREEN_POINTS:
        step = len(inside) / SCREEN_POINTS
        inside = [inside[int(i * step)] for i in range(SCREEN_POINTS)]
    grid = inside + [(u + v) // 2 for u, v in zip(inside, inside[1:])]
    others = [a, b] + [_q(e) for e in extra if a <= _q(e) <= b]
    cand = [(X, 2) for X in grid] + [((x * net.Dt).numerator, (x * net.Dt).denominator) for x in others]
    exact = lambda P, Q: Fraction(P, Q * net.Dt)  # noqa: E731
    xs = np.array([P / (Q * net.Dt) for P, Q in cand])
    nn = np.array([num / den for num, den in (net.parts_scaled(P, Q) for P, Q in cand)])
    with np.errstate(all="ignore"):
        err = np.abs(np.asarray(f_np(xs), dtype=float) - nn)
    err = np.where(np.isfinite(err), err, np.inf)
    order = np.argsort(xs, kind="stable")
    rank = np.empty(len(order), dtype=int)
    rank[order] = np.arange(len(order))
    best = []
    for k in np.argsort(-err)[:TOP]:
        r = rank[k]
        left, right = (exact(*cand[order[max(r - 1, 0)]]), exact(*cand[order[min(r + 1, len(order) - 1)]]))
        fine = [left + (right - left) * Fraction(i, 64) for i in range(65)]
        with np.errstate(all="ignore"):
            e2 = np.abs(np.asarray(f_np(_floats(fine)), dtype=float) - np.array([net.float(x) for x in fine]))
        e2 = np.where(np.isfinite(e2), e2, np.inf)
        best.append(exact(*cand[k]))
        best.append(fine[int(np.argmax(e2))])
    top, where = mpmath.mpf(-1), None
    with mpmath.workdps(DPS):
        for x in set(best):
            fx = f_mp(mpmath.mpf(x.numerator) / x.denominator)
            num, den = net.parts(x)
            e = abs(fx - mpmath.mpf(num) / den)
            if e > top:
                top, where = e, x
    return top, where, len(cand)


def check_certificate(d: dict, target: str, upper: float, domain=None, extra=(), stored=None):
    """Assert that the independent evaluator finds no error above ``upper`` (a certified U).
    Returns (error found, point, points screened)."""
    top, where, n = max_error(d, target, domain, extra, stored)
    with mpmath.workdps(DPS):
        slack = mpmath.mpf(10) ** -40 * (1 + abs(top))
        assert top <= mpmath.mpf(upper) + slack, (
            f"FALSE CERTIFICATE: the stored float network has |f - f_NN| = {mpmath.nstr(top, 17)} at x = "
            f"{float(where)!r} > certified U = {upper!r} (target {target})")
    return top, where, n


# ------------------------------------------------------------------------------- the session collector
STATS = {"checked": 0, "skipped": 0, "seconds": 0.0, "largest_width": 0, "skipped_why": {}}
MAX_WIDTH = 400_000   # larger networks are counted as skipped (the exact prefix sums take seconds)


def _wrap(original):
    def certify(net, target, *args, **kwargs):
        cert = original(net, target, *args, **kwargs)
        text = getattr(target, "text", target)
        if not (cert.rigorous and isinstance(text, str)):
            return cert
        if net.width > MAX_WIDTH:
            STATS["skipped"] += 1
            STATS["skipped_why"]["width > %d" % MAX_WIDTH] = STATS["skipped_why"].get("width > %d" % MAX_WIDTH, 0) + 1
            return cert
        t0 = time.perf_counter()
        check_certificate(net.to_dict(), text, cert.upper, cert.domain, extra=(cert.witness,))
        STATS["seconds"] += time.perf_counter() - t0
        STATS["checked"] += 1
        STATS["largest_width"] = max(STATS["largest_width"], net.width)
        return cert

    certify.__wrapped__ = original
    certify.__doc__ = original.__doc__
    return certify


def install():
    """Replace proofkit.certify.certify by the checking wrapper (before any module imports it by name)."""
    import proofkit.certify as C

    if not hasattr(C.certify, "__wrapped__"):
        C.certify = _wrap(C.certify)


def summary(terminalreporter):
    if STATS["checked"] or STATS["skipped"]:
        terminalreporter.write_line(
            f"independent evaluator (tests/independent.py): {STATS['checked']} certified network(s) re-checked "
            f"from their float64 values, none above its U ({STATS['seconds']:.1f} s, largest width "
            f"{STATS['largest_width']}); skipped: {STATS['skipped']} {STATS['skipped_why'] or ''}")
