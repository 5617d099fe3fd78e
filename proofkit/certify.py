r"""Certified error bounds :math:`\sup_{x\in[a,b]}|f^*(x)-f^{NN}(x)|` of a permutation network.

A :class:`Certificate` carries a **rigorous upper bound** U (a float rounded up), a **sampled lower bound**
L with its witness point, the method that produced U, the result of the exact permutation check of the
network's coefficients (:meth:`proofkit.network.PermNetwork.check_permutation`: the coefficient vector
:math:`\theta=(p_1..p_n,q_1..q_n)` is a rearrangement :math:`\tau(W)` of the pool), and the error budget of
the construction (:math:`\|f_{pc}-f^*\|,\ \Delta h,\ 2/\hat n,\dots`, passed in by the caller).

The network is :math:`f^{NN}(x)=\alpha+\gamma\sum_{i=1}^n\big(p_i\sigma(x-b_i)+q_i\sigma(b_i-x)\big)` (any first
layer with weights :math:`\pm1`, ReLU or leaky ReLU); all that is used of it is its exact piecewise-linear
form, whose knots are the break-points :math:`b_i` where the slope jumps.

What is certified
-----------------
**The network a user loads**: the float64 fields of the file (``weights``, ``biases``, ``coefficients``,
``scale``, ``shift``, ``activation``; ``pool`` and ``permutation`` for the permutation check), each taken
at its exact binary value (:attr:`proofkit.network.PermNetwork.dyadic_pl`). An ``exact`` section never
replaces them: it only serves the exact permutation proof, and a network whose exact values do not round
to its float values is refused (:meth:`~proofkit.network.PermNetwork.exact_disagreement`).

The certificate names the network it covers by ``network_sha256``, the SHA-256 digest of these bytes, in
this order (an independent checker recomputes it from the JSON file with ``struct`` and ``hashlib``):

1. ``proofkit.permnet/1``, a newline, the ``activation`` string (UTF-8; default ``relu``), a newline;
2. H, the hidden width, as an unsigned 64-bit little-endian integer;
3. ``domain[0]``, ``domain[1]``, ``scale`` (default 1.0), ``shift`` (default 0.0): IEEE-754 binary64,
   little-endian (``struct.pack('<d', v)``);
4. ``weights``: H signed bytes; ``biases``, ``pool``, ``coefficients`` (default ``pool[permutation]``):
   H binary64 little-endian each; ``permutation``: H signed 64-bit little-endian integers;
5. for each key of the ``exact`` section in sorted order: the key, ``=``, its rationals as ``p/q`` in
   lowest terms with q > 0 (integers as ``p/1``) joined by commas, and a newline.

``provenance`` is not part of it (renaming a target in the provenance does not change the network).

Methods
-------
``arb-taylor`` (any target the ball evaluator :mod:`proofkit.interval` can enclose).
The network is linear on each piece [u, v] of its exact piecewise-linear form ``net.dyadic_pl`` (Fraction
knots and values, converted to arb balls once per knot), refined by the target's kinks. With
:math:`e=f^*-f^{NN}`, r = (v-u)/2 and X the ball [u, v], three remainder bounds are available on a
piece on whose interior f* is one smooth branch:

* second order (Lagrange interpolation remainder, :math:`e''=f^{*\prime\prime}` since the network is
  linear): :math:`|e(x)|\le(1-t)|e(u)|+t|e(v)|+\sup|f''(X)|\,(x-u)(v-x)/2`, t = (x-u)/(v-u), whose
  maximum over the piece is at most :math:`\max(|e(u)|,|e(v)|)+\sup|f''(X)|\,r^2/2` and is used in
  closed form (:func:`_bound2_vec`);
* first order (mean value theorem from both ends): :math:`|e(x)|\le(|e(u)|+|e(v)|)/2+\sup|f'(X)-s|\,r`
  with s the network's slope;
* zeroth order, always valid: :math:`\sup|f(X)-l(X)|` with l(X) the exact range of the network on [u, v].

This is the second-order Taylor method with the expansion taken at the two ends instead of the midpoint
(:math:`|e(m)|+|f'(m)-s|r+\sup|f''|r^2/2` needs f and f' per piece; the end-point form needs f once per
knot, shared by two pieces, and has the same :math:`O(r^2)` remainder). The end values |e(u)| are
enclosed in arb at every knot (one-sidedly at a kink of the target); the midpoints of up to 1024 evenly
spread pieces are sampled first, so that L is already good when the network interpolates f* (zero error
at the knots). sup|f''| is first enclosed on the
ball of a whole *group* of neighbouring pieces (one arb evaluation for many pieces; groups are halved only
where the bound is not good enough), then per piece. Branch and bound: a piece whose bound exceeds
:math:`L(1+\text{rtol})` (L the best sampled lower bound so far) is bisected; its children inherit the
parent's derivative enclosures and compute fresh ones only when needed, until every piece is within the
tolerance or ``max_pieces`` is reached. U is the maximum over the final pieces and all evaluated points, so
U - L is what remains of the gap. At a kink of the target (zeros of Abs/sign arguments, Max/Min switch
points, Piecewise boundaries; exact when sympy can find them) pieces are split and derivative bounds are
used only where every switch has a known sign; elsewhere lower orders take over (so |x - 1/3|, sqrt(x) at
0, |x - 1/2|^(1/2) and Piecewise targets certify).

``arb-screened`` (ReLU networks from :data:`proofkit.screen.SCREEN_MIN_UNITS` hidden units on, any target
``arb-taylor`` takes): the same quantity without Fractions. The network's values at its knots are enclosed
in double-double arithmetic with proven radii, f* by arb Taylor models on cells, every piece is bounded
in float64 with proven rounding margins, and only the pieces the screen cannot decide go through the
branch and bound above (:mod:`proofkit.screen`, :mod:`proofkit.enclose`; 10⁸ hidden units in about a
minute).

``exact-pl`` (target piecewise linear with rational coefficients and break-points, e.g. ``abs(x - 1/2)``
or a ``Piecewise``): |e| is piecewise linear, so its sup is attained at a knot of the network, a
break-point of the target or a domain end; it is computed exactly in Fractions.

``exact-poly`` (target a polynomial, or a Piecewise of polynomials, with rational data): on each piece e
is a polynomial; pieces that could hold the sup (screened with the arb bounds above against the best
known value) are solved exactly: their critical points are the real roots of e' = P' - s, isolated in
rational intervals by sympy. The sup is an algebraic number: the certificate gives a tight enclosure,
a rational upper bound, and the exact value p/q when the maximum is attained at a rational point. Used
automatically up to degree ``EXACT_POLY_MAX_DEGREE`` (12, :mod:`proofkit.limits`): sympy's exact root
isolation took 8 s at degree 15 and more than 5 minutes at degree 20 (``legendre(20, x)`` against a
183-pair network); above it ``arb-taylor`` certifies (0.5 s there).

``sampled (not certified)`` and ``lipschitz``: for a target given only as a Python callable
(:func:`sampled_bound`); with a Lipschitz constant Lip of f*, U = max over the grid of |e| + a rounding
margin + (Lip + Lip_NN) h/2, which is a bound *conditional on* Lip and on the callable's float64 accuracy
(so ``rigorous`` is False).

Targets that are not finite/real or not continuous on [a, b] raise :class:`~proofkit.expr.TargetError`
(:func:`check_target`); no certificate is produced for them.
"""
from __future__ import annotations

import bisect
import json
import math
import sys
import time
from dataclasses import asdict, dataclass, field
from fractions import Fraction

import numpy as np
import sympy as sp

from ._io import atomic_write_json, jsonable
from .errors import ProofkitError
from .expr import Target, TargetError, parse_target
from .interval import (DEFAULT_PREC, BallTarget, abs_down, abs_up, arb_of, ball, working_precision)
from .limits import EXACT_POLY_MAX_DEGREE

__all__ = ["Certificate", "certify", "sampled_bound", "check_target", "CertificateError", "FORMAT",
           "FORMAT_V1", "FORMAT_V2", "METHODS"]

FORMAT = "proofkit.certificate/3"     # /2 and a ``proof`` for proofkit check (proofkit.witness)
FORMAT_V2 = "proofkit.certificate/2"  # read, not written: no proof
FORMAT_V1 = "proofkit.certificate/1"  # read, not written: no network_sha256, and it may bound the exact section
METHODS = ("arb-taylor", "arb-screened", "exact-pl", "exact-poly", "sampled (not certified)", "lipschitz")
_MAX_DEPTH = 90  # bisection depth below an initial piece (width ratio 2^-90)


class CertificateError(ProofkitError):
    """A certificate file or dictionary that is malformed, or bad arguments to :func:`certify`."""


# ---------------------------------------------------------------------------------------------- the record
@dataclass
class Certificate:
    """The result of :func:`certify` / :func:`sampled_bound` (JSON format ``proofkit.certificate/3``).

    ``upper`` is U >= sup|f* - f_NN| on ``domain`` (rigorous, rounded up, when ``rigorous``); ``lower``
    is L <= that sup, attained (up to rounding down) at ``witness``. ``exact_sup`` is the exact sup
    "p/q" when the method determines it. ``budget`` is the construction's error budget, term by term.
    ``network_sha256`` names the float network these numbers are about (see the module docstring; None
    in a certificate read from the older format ``proofkit.certificate/1``). ``proof`` is the data with which
    the trusted kernel :mod:`proofkit.checker` re-derives U in one pass (:mod:`proofkit.witness`; None when
    the search for it failed, for sampled bounds, and in a certificate read from ``proofkit.certificate/2``).
    """

    target: str
    domain: tuple
    eps: float | None
    permutation_ok: bool
    permutation_method: str
    permutation_message: str
    upper: float
    lower: float
    witness: float
    method: str
    rigorous: bool
    exact_sup: str | None
    pieces: int
    evaluations: int
    seconds: float
    budget: dict | None = None
    sup_enclosure: tuple | None = None   # (lo, hi) floats around the exact sup (exact methods)
    upper_rational: str | None = None    # a rational >= the sup (exact methods), "p/q"
    precision: int | None = None         # arb working precision in bits
    notes: list = field(default_factory=list)
    network_sha256: str | None = None    # the network covered (PermNetwork.sha256)
    proof: dict | None = None            # proofkit.proof/1 for proofkit check (proofkit.witness)

    @property
    def certified(self) -> bool:
        """True when U is rigorous, the permutation check passed and U <= eps (if eps is given)."""
        return bool(self.rigorous and self.permutation_ok and (self.eps is None or self.upper <= self.eps))

    @property
    def upper_exact(self) -> Fraction:
        """U as precisely as the certificate knows it: ``upper_rational`` when present, else ``upper``
        (both >= the sup). Printed bounds round this up (:func:`proofkit.fmt.fmt_upper`)."""
        return Fraction(self.upper_rational) if self.upper_rational else Fraction(self.upper)

    @property
    def gap(self) -> float:
        """U - L."""
        return self.upper - self.lower

    def to_dict(self) -> dict:
        """The ``proofkit.certificate/3`` dictionary (JSON-ready: rationals in the budget become "p/q",
        non-finite floats strings)."""
        d = {k: jsonable(v) for k, v in asdict(self).items()}
        d["domain"] = [float(v) for v in self.domain]
        d["sup_enclosure"] = [jsonable(v) for v in self.sup_enclosure] if self.sup_enclosure is not None else None
        d["notes"] = list(self.notes)
        out = {"format": FORMAT, "certified": self.certified}
        out.update(d)
        out["gap"] = jsonable(self.gap)
        return out

    @classmethod
    def from_dict(cls, d: dict) -> "Certificate":
        """Rebuild from :meth:`to_dict` output. Checks the format, the required fields and the types of
        the numbers (CertificateError naming the field); ``certified`` is recomputed, not read."""
        if not isinstance(d, dict) or d.get("format") not in (FORMAT, FORMAT_V2, FORMAT_V1):
            got = d.get("format") if isinstance(d, dict) else None
            raise CertificateError(f"format: expected '{FORMAT}' (or '{FORMAT_V2}', '{FORMAT_V1}'), got {got!r}")
        kw = {}
        for name in cls.__dataclass_fields__:
            if name in d:
                kw[name] = d[name]
        missing = [n for n in ("target", "domain", "upper", "lower", "witness", "method") if n not in kw]
        if missing:
            raise CertificateError(f"{missing[0]}: missing")
        for name in ("upper", "lower", "witness"):
            if not isinstance(kw[name], (int, float)) or isinstance(kw[name], bool):
                raise CertificateError(f"{name}: must be a number")
        dom = kw["domain"]
        if not (isinstance(dom, list) and len(dom) == 2 and all(isinstance(v, (int, float)) for v in dom)):
            raise CertificateError("domain: must be a list [a, b] of two numbers")
        if not isinstance(kw["method"], str) or not isinstance(kw["target"], str):
            raise CertificateError("method/target: must be strings")
        sha = kw.get("network_sha256")
        if d["format"] == FORMAT_V1:
            kw["network_sha256"] = None
            kw["notes"] = list(kw.get("notes") or []) + [
                f"read from {FORMAT_V1}: it names no network and may bound the exact-section network rather "
                f"than the stored float one; certify again"]
        elif not (isinstance(sha, str) and len(sha) == 64 and all(ch in "0123456789abcdef" for ch in sha)):
            raise CertificateError("network_sha256: must be the 64 hex digits of the network's SHA-256")
        checks = {"eps": lambda v: _is_num(v) and v > 0, "exact_sup": _is_rational_text,
                  "upper_rational": _is_rational_text, "permutation_ok": lambda v: isinstance(v, bool),
                  "rigorous": lambda v: isinstance(v, bool), "proof": lambda v: isinstance(v, dict),
                  "sup_enclosure": lambda v: isinstance(v, list) and len(v) == 2 and all(map(_is_num, v))}
        for name, ok in checks.items():
            if kw.get(name) is not None and not ok(kw[name]):
                raise CertificateError(f"{name}: malformed value {kw[name]!r}")
        kw["domain"] = tuple(kw["domain"])
        if kw.get("sup_enclosure") is not None:
            kw["sup_enclosure"] = tuple(kw["sup_enclosure"])
        defaults = dict(eps=None, permutation_ok=False, permutation_method="", permutation_message="",
                        rigorous=False, exact_sup=None, pieces=0, evaluations=0, seconds=0.0)
        for k, v in defaults.items():
            kw.setdefault(k, v)
        return cls(**kw)

    def save(self, path) -> None:
        """Write the JSON file atomically."""
        atomic_write_json(path, self.to_dict())

    def unconfirmed_claims(self, fresh: "Certificate", claimed_certified=None) -> list:
        """The claims of this (stored) certificate that ``fresh`` -- computed now for the same network,
        target, domain and eps -- does not confirm, as one-line strings; empty when every claim holds.

        Claims: the network (``network_sha256``), target, domain and eps are the same; U >= the U proved
        now, L <= the L proved now; ``upper_rational`` >= the sup; ``sup_enclosure`` contains [L, U] proved
        now; ``exact_sup`` equals the exact sup found now; ``rigorous``, ``permutation_ok`` and a stored
        ``certified: true`` (``claimed_certified``) hold now. Fields that claim nothing about the network
        (method, pieces, seconds, precision, notes, the construction's budget) are not compared."""
        out = []
        for name in ("network_sha256", "target", "domain", "eps"):
            mine, now = getattr(self, name), getattr(fresh, name)
            if name == "domain":
                mine, now = tuple(float(v) for v in mine), tuple(float(v) for v in now)
            if mine != now:
                out.append(f"{name}: the certificate says {mine!r}, checked {now!r}")
        if not self.upper >= fresh.upper:
            out.append(f"upper: U = {self.upper!r} is below the bound proved now ({fresh.upper!r})")
        if not self.lower <= fresh.lower:
            out.append(f"lower: L = {self.lower!r} is above the lower bound proved now ({fresh.lower!r})")
        sup_hi = Fraction(fresh.upper_rational) if fresh.upper_rational else Fraction(fresh.upper)
        if self.upper_rational is not None and Fraction(self.upper_rational) < sup_hi:
            out.append(f"upper_rational: {self.upper_rational} is below the bound proved now")
        if self.sup_enclosure is not None:
            lo, hi = self.sup_enclosure
            if not (lo <= fresh.lower and hi >= fresh.upper):
                out.append(f"sup_enclosure: [{lo!r}, {hi!r}] does not contain [{fresh.lower!r}, {fresh.upper!r}]")
        if self.exact_sup is not None and (fresh.exact_sup is None
                                           or Fraction(self.exact_sup) != Fraction(fresh.exact_sup)):
            out.append(f"exact_sup: {self.exact_sup} is not the exact sup found now ({fresh.exact_sup})")
        for name in ("rigorous", "permutation_ok"):
            if getattr(self, name) and not getattr(fresh, name):
                out.append(f"{name}: claimed, but does not hold now")
        if claimed_certified and not fresh.certified:
            out.append("certified: claimed, but U <= eps with a passed permutation check does not hold now")
        return out

    @classmethod
    def load(cls, path) -> "Certificate":
        """Read a certificate file written by :meth:`save`."""
        try:
            with open(path, encoding="utf-8") as fh:
                return cls.from_dict(json.load(fh))
        except (OSError, json.JSONDecodeError) as exc:
            raise CertificateError(f"file: cannot read certificate {path}: {exc}") from None


# ---------------------------------------------------------------------------------------------- helpers
def _is_num(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _is_rational_text(v):
    if not isinstance(v, str) or len(v) > 100_000:
        return False
    try:
        Fraction(v)
    except (ValueError, ZeroDivisionError):
        return False
    return True



def _as_target(target) -> Target:
    if isinstance(target, Target):
        return target
    if isinstance(target, str):
        return parse_target(target)
    raise TargetError(f"target must be an expression string or a Target, got {type(target).__name__}")


def _domain(domain) -> tuple[Fraction, Fraction]:
    try:
        a, b = domain
        a, b = Fraction(a), Fraction(b)
    except (TypeError, ValueError) as exc:
        raise CertificateError(f"domain: need two finite numbers [a, b] ({exc})") from None
    if not a < b:
        raise CertificateError(f"domain: need a < b, got [{float(a)}, {float(b)}]")
    return a, b


def _add_up(x, y):
    """x + y rounded up (numpy arrays or floats)."""
    return np.nextafter(x + y, np.inf)


def _mul_up(x, y):
    """x * y rounded up, for x, y >= 0 (numpy arrays or floats)."""
    return np.nextafter(x * y, np.inf)


_nx = math.nextafter
_INF = math.inf


def _bound2(Au, Av, M, w):
    """Second-order end-point bound of |e| on a piece of width <= w: scalar version of
    :func:`_bound2_vec` (floats, all >= 0, result rounded up)."""
    if not M < _INF:
        return _INF
    K = _nx(_nx(M * w, _INF) * w, _INF) * 0.5
    D = _nx(abs(Av - Au), _INF)
    avg = _nx((Au + Av) * 0.5, _INF)
    if D <= K and K > 0:
        return _nx(_nx(avg + K * 0.25, _INF) + _nx(_nx(D * D, _INF) / (4.0 * K), _INF), _INF)
    return _nx(avg + D * 0.5, _INF)


def _bound2_vec(Au, Av, M, w):
    r"""Second-order end-point bound, vectorised: the maximum over [u, v] of
    :math:`(1-t)A_u + tA_v + M\,(x-u)(v-x)/2` (t = (x-u)/w), which bounds |e| by the Lagrange interpolation
    remainder :math:`e = \ell + e''(\xi)(x-u)(x-v)/2` (:math:`\ell` the chord of e, :math:`|\ell|` at most
    the chord of the end bounds A). With K = M w^2/2 and D = A_v - A_u the maximum is
    (A_u + A_v)/2 + K/4 + D^2/(4K) when |D| <= K, else max(A_u, A_v); every operation is rounded up."""
    K = _mul_up(_mul_up(_mul_up(M, w), w), 0.5)
    D = np.nextafter(np.abs(Av - Au), np.inf)
    avg = _mul_up(Au + Av, 0.5)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        inner = _add_up(_add_up(avg, K * 0.25), np.nextafter(_mul_up(D, D) / (4.0 * K), np.inf))
    outer = _add_up(avg, D * 0.5)
    return np.where((D <= K) & (K > 0), inner, outer)


def _frac_up(q: Fraction) -> float:
    """The smallest float >= q (q a Fraction); beyond the float range, inf or the most negative float."""
    try:
        f = float(q)
    except OverflowError:
        return math.inf if q > 0 else -sys.float_info.max
    if Fraction(f) < q:
        f = math.nextafter(f, math.inf)
    return f


def _frac_down(q: Fraction) -> float:
    """The largest float <= q (q a Fraction); beyond the float range, the largest float or -inf."""
    try:
        f = float(q)
    except OverflowError:
        return sys.float_info.max if q > 0 else -math.inf
    if Fraction(f) > q:
        f = math.nextafter(f, -math.inf)
    return f


# ---------------------------------------------------------------------------------------------- checks
def check_target(target, domain, *, prec: int = DEFAULT_PREC) -> None:
    """Raise :class:`TargetError` unless the target is finite, real and continuous on ``domain``.

    Finiteness is *proved* (a cover of [a, b] by intervals with finite arb enclosures); continuity is checked at every zero of a switch (Piecewise boundaries, zeros of sign and
    Heaviside arguments, ...): exactly for Piecewise-polynomial targets with rational data, by disjoint arb
    enclosures of the one-sided limits otherwise (see :meth:`proofkit.interval.BallTarget.check_continuity`).
    """
    _analyse(_as_target(target), *_domain(domain), prec)


def _analyse(target: Target, a: Fraction, b: Fraction, prec: int):
    """Checks of :func:`check_target`; returns (BallTarget, exact pieces or None).

    (The float screen :meth:`Target.check_finite` is not used: the arb cover below is rigorous, and the
    numpy evaluator of some whitelisted functions, e.g. erf, is not vectorised.)"""
    pieces = _exact_pieces(target, a, b)  # raises on an exact jump
    bt = BallTarget(target, (a, b), prec)
    bt.check_continuity()
    bt.prove_bounded()
    return bt, pieces


_PW_FUNCS = (sp.Abs, sp.Max, sp.Min, sp.sign, sp.Heaviside, sp.Piecewise)


def _exact_pieces(target: Target, a: Fraction, b: Fraction):
    """If f* is (after rewriting Abs/Max/Min/sign as Piecewise) a Piecewise of polynomials with rational
    coefficients and rational break-points in (a, b), return the list of regions (lo, hi, coeffs) covering
    [a, b] (coeffs: Fractions, highest degree first). None when it is not. Raises TargetError at a jump."""
    x = target.var
    expr = target.expr
    for node in sp.preorder_traversal(expr):
        if isinstance(node, sp.Function) and not isinstance(node, _PW_FUNCS):
            return None
        if isinstance(node, sp.Pow) and not (node.exp.is_Integer and node.exp >= 0) and node.base.has(x):
            return None
        if isinstance(node, sp.NumberSymbol):
            return None
    try:
        if expr.has(sp.Abs, sp.Max, sp.Min, sp.sign, sp.Heaviside):
            expr = expr.rewrite(sp.Piecewise)
        expr = sp.piecewise_fold(expr)
    except Exception:  # noqa: BLE001 - not an exact target
        return None
    branches = list(expr.args) if isinstance(expr, sp.Piecewise) else [(expr, sp.true)]

    def poly_of(e):
        if not e.is_polynomial(x):
            return None
        P = sp.Poly(e, x)
        if not all(c.is_Rational for c in P.all_coeffs()):
            return None
        return [Fraction(int(c.p), int(c.q)) for c in P.all_coeffs()]

    polys = []
    for e, _c in branches:
        p = poly_of(e)
        if p is None:
            return None
        polys.append(p)
    bps = set()
    for _e, cond in branches:
        if cond in (sp.true, True):
            continue
        for rel in cond.atoms(sp.core.relational.Relational):
            g = rel.lhs - rel.rhs
            if not g.has(x):
                continue
            gp = poly_of(g)
            if gp is None:
                return None
            for r in sp.Poly(g, x).real_roots():
                if not r.is_Rational:
                    if a < float(r) < b or any(abs(float(r) - float(v)) < 1e-9 for v in (a, b)):
                        return None
                    continue
                q = Fraction(int(r.p), int(r.q))
                if a < q < b:
                    bps.add(q)
    pts = [a] + sorted(bps) + [b]

    def branch_at(q):
        qs = sp.Rational(q.numerator, q.denominator)
        for i, (_e, cond) in enumerate(branches):
            v = cond.subs(x, qs) if cond not in (sp.true, True) else sp.true
            if v is sp.true or v is True:
                return i
            if v is not sp.false and v is not False:
                return None
        raise TargetError(f"target '{target.text}' is undefined at x = {q} (no Piecewise condition holds)")

    regions = []
    for lo, hi in zip(pts[:-1], pts[1:]):
        i = branch_at((lo + hi) / 2)
        if i is None:
            return None
        regions.append((lo, hi, polys[i]))
    for k, p in enumerate(pts):  # continuity, exactly: value and one-sided limits agree
        i = branch_at(p)
        if i is None:
            return None
        vals = [("value", _horner(polys[i], p))]
        if k > 0:
            vals.append(("left limit", _horner(regions[k - 1][2], p)))
        if k < len(regions):
            vals.append(("right limit", _horner(regions[k][2], p)))
        for (n1, v1), (n2, v2) in zip(vals, vals[1:]):
            if v1 != v2:
                raise TargetError(f"target '{target.text}' is discontinuous at x = {p} "
                                  f"({n1} {v1}, {n2} {v2})")
    return regions


def _horner(coeffs, x):
    acc = Fraction(0)
    for c in coeffs:
        acc = acc * x + c
    return acc


# ---------------------------------------------------------------------------------------------- entry point
def certify(net, target, eps=None, *, domain=None, budget=None, rtol=0.02, max_pieces=2_000_000,
            exact=None, prec: int = DEFAULT_PREC, screen=None, proof: bool | None = None) -> Certificate:
    """Certify sup_{[a,b]} |f* - f_NN| for a network ``net`` (:class:`~proofkit.network.PermNetwork`).

    ``target``: an expression string or :class:`~proofkit.expr.Target` (a Python callable is passed on to
    :func:`sampled_bound`, which does not certify). ``domain`` defaults to ``net.domain``. ``exact``:
    None = automatic (exact-pl / exact-poly when the target is piecewise polynomial with rational data),
    True = require an exact method, False = always arb-taylor. ``rtol``: refine until U <= L (1 + rtol).
    ``max_pieces``: budget of pieces for the branch and bound (when it is used up, U is still rigorous but
    the gap may be larger; a note says so). ``prec``: arb working precision in bits. ``screen``: use the
    ``arb-screened`` path of :mod:`proofkit.screen` (float64 screen with proven margins, arb where it cannot
    decide); None = automatically for ReLU networks from :data:`proofkit.screen.SCREEN_MIN_UNITS` hidden
    units on (unless ``exact`` is True), on float domain ends. ``proof``: also search for the certificate's
    ``proof``, the data proofkit check replays (:func:`proofkit.witness.make_proof`; a note says why when
    there is none); None = up to :data:`proofkit.witness.MAX_UNITS` hidden units.
    Raises :class:`TargetError` for targets that are not finite or not continuous on the domain.
    """
    t0 = time.perf_counter()
    if callable(target) and not isinstance(target, (Target, str)):
        return sampled_bound(net, target, domain if domain is not None else net.domain, eps=eps, budget=budget)
    target = _as_target(target)
    a, b = _domain(domain if domain is not None else net.domain)
    if not (isinstance(rtol, (int, float)) and rtol >= 0 and math.isfinite(rtol)):
        raise CertificateError(f"rtol: must be a finite number >= 0, got {rtol!r}")
    if int(max_pieces) < 1:
        raise CertificateError("max_pieces: must be >= 1")
    perm = net.check_permutation()  # also checks that an exact section agrees with the float fields
    with working_precision(prec):
        bt, regions = _analyse(target, a, b, prec)
        if exact is True and regions is None:
            raise TargetError(f"exact certification needs a piecewise-polynomial target with rational "
                              f"coefficients and break-points; '{target.text}' is not")
        use_exact = regions is not None and exact is not False and (
            exact is True or max(len(r[2]) for r in regions) - 1 <= EXACT_POLY_MAX_DEGREE)
        enc = _screen_enclosure(net, a, b, screen, exact)
        if enc is not None:
            from .screen import screened_bound
            res = screened_bound(enc, bt, float(a), float(b), rtol=float(rtol), max_pieces=int(max_pieces),
                                 eps=eps)
        elif use_exact and max(len(r[2]) for r in regions) <= 2:
            res = _exact_pl(net, regions, a, b)
        elif use_exact:
            res = _exact_poly(net, bt, regions, a, b, max_pieces)
        else:
            res = _arb_taylor(net, bt, a, b, float(rtol), int(max_pieces))
    data, notes = None, list(res.get("notes", []))
    from .witness import MAX_UNITS, make_proof
    if proof or proof is None and net.width <= MAX_UNITS:
        data, why = make_proof(net, target.text, (a, b), res["upper"], prec)
        notes += [why] if why else []
    else:
        notes += [f"no proof for 'proofkit check' searched ({net.width} hidden units, above {MAX_UNITS}; "
                  f"certify(..., proof=True) searches anyway)"] if proof is None else []
    return Certificate(
        target=target.text, domain=(float(a), float(b)), eps=None if eps is None else float(eps),
        permutation_ok=bool(perm.ok), permutation_method=perm.method, permutation_message=perm.message,
        upper=res["upper"], lower=res["lower"], witness=res["witness"], method=res["method"],
        rigorous=True, exact_sup=res.get("exact_sup"), pieces=res["pieces"], evaluations=res["evaluations"],
        seconds=time.perf_counter() - t0, budget=budget, sup_enclosure=res.get("sup_enclosure"),
        upper_rational=res.get("upper_rational"), precision=int(prec), notes=notes,
        network_sha256=net.sha256(), proof=data)


def _screen_enclosure(net, a, b, screen, exact):
    """The network's enclosed PL form on [a, b] when the ``arb-screened`` path applies (see
    :func:`certify`), else None. ``screen=True`` where it cannot apply raises CertificateError."""
    from .screen import SCREEN_MIN_UNITS

    if screen is False or (screen is None and (exact is True or net.width < SCREEN_MIN_UNITS)):
        return None
    fa, fb = float(a), float(b)
    why = None
    if Fraction(fa) != a or Fraction(fb) != b:
        why = "the domain ends are not float64 numbers"
    elif net.negative_slope != 0:
        why = "the network is not a ReLU network"
    else:
        try:
            if (fa, fb) == tuple(net.domain):
                return net.enclosed_pl
            return net.enclosure((fa, fb))
        except ValueError as exc:
            why = str(exc)
    if screen:
        raise CertificateError(f"screen: the arb-screened path does not apply ({why})")
    return None


# ---------------------------------------------------------------------------------------------- knots
def _network_knots(net, a, b, extra=()):
    """Exact knots of the stored float network's PL form in [a, b] (with a, b and the points ``extra``) and
    the exact values there (Fractions). Values at the network's own knots are taken from ``net.dyadic_pl``;
    only the added points are evaluated."""
    pl = net.dyadic_pl
    knots, values = pl.knots, pl.values
    i = bisect.bisect_left(knots, a)
    j = bisect.bisect_right(knots, b)
    T = list(knots[i:j])
    V = list(values[i:j])
    for p in sorted({a, b} | {p for p in extra if a < p < b}):
        k = bisect.bisect_left(T, p)
        if not (k < len(T) and T[k] == p):
            T.insert(k, p)
            V.insert(k, pl(p))
    return T, V


# ---------------------------------------------------------------------------------------------- exact-pl
def _exact_pl(net, regions, a, b):
    """Exact sup of |f* - f_NN| for a PL target: max over all break-points of both (Fractions)."""
    T, V = _network_knots(net, a, b, [r[0] for r in regions[1:]])
    starts = [r[0] for r in regions]
    best, arg = Fraction(-1), a
    for t, v in zip(T, V):
        k = max(0, bisect.bisect_right(starts, t) - 1)
        coeffs = regions[k][2]
        ft = coeffs[-1] + (coeffs[0] * t if len(coeffs) == 2 else 0)
        d = abs(ft - v)
        if d > best:
            best, arg = d, t
    return dict(method="exact-pl", upper=_frac_up(best), lower=_frac_down(best), witness=float(arg),
                exact_sup=f"{best.numerator}/{best.denominator}", upper_rational=f"{best.numerator}/"
                f"{best.denominator}", sup_enclosure=(_frac_down(best), _frac_up(best)),
                pieces=len(T) - 1, evaluations=len(T))


# ---------------------------------------------------------------------------------------------- arb-taylor
class _Knots:
    """Knots of the network refined by the target's kinks, with arb balls and end-point error bounds."""

    def __init__(self, net, bt: BallTarget, a, b):
        T, V = _network_knots(net, a, b, bt.kinks)
        self.T, self.V = T, V
        K = len(T)
        self.XT = [arb_of(t) for t in T]
        self.AV = [arb_of(v) for v in V]
        up = np.empty(K)
        lo = np.empty(K)
        EL = np.empty(K - 1)  # |e| at the left end of piece k, seen from inside the piece
        ER = np.empty(K - 1)  # |e| at the right end of piece k, seen from inside the piece
        value = bt.value
        zeros = set()
        for z in bt.exact_zeros:  # knot indices of the rational kinks
            k = bisect.bisect_left(T, z)
            if k < K and T[k] == z:
                zeros.add(k)
        for k in range(K):
            t, X = T[k], self.XT[k]
            E = value(X, t, t) - self.AV[k]
            up[k] = abs_up(E)
            lo[k] = abs_down(E)
            if not math.isfinite(up[k]):
                raise TargetError(f"target '{bt.target.text}' cannot be enclosed at x = {float(t):.6g}")
            if k + 1 < K:
                EL[k] = up[k]
            if k > 0:
                ER[k - 1] = up[k]
            if k in zeros:  # a kink: the branch on each side, evaluated at t
                if k > 0:
                    ER[k - 1] = abs_up(value(X, T[k - 1], t) - self.AV[k])
                if k + 1 < K:
                    EL[k] = abs_up(value(X, t, T[k + 1]) - self.AV[k])
        self.up, self.lo, self.EL, self.ER = up, lo, EL, ER
        self.w = np.array([abs_up(self.XT[k + 1] - self.XT[k]) for k in range(K - 1)])
        self.evaluations = K + 2 * len(zeros)


def _group_phase(kn: _Knots, bt: BallTarget, thresh: float):
    """Second-order end-point bounds with sup|f''| enclosed on groups of neighbouring pieces.

    Returns (bound per piece, M2 per piece, indices of pieces still above ``thresh``, evaluations)."""
    P = len(kn.T) - 1
    bound = np.full(P, np.inf)
    m2 = np.full(P, np.inf)
    failing = []
    evals = 0
    stack = [(0, P)] if P > 0 else []
    T, XT = kn.T, kn.XT
    while stack:
        i, j = stack.pop()
        lo, hi = T[i], T[j]
        X = ball(lo, hi, XT[i], XT[j])
        M2 = math.inf
        if bt.d2 is not None and bt.smooth_on(lo, hi, X):
            M2 = abs_up(bt.value(X, lo, hi, 2))
            evals += 1
        if math.isfinite(M2):
            B = _bound2_vec(kn.EL[i:j], kn.ER[i:j], M2, kn.w[i:j])
            np.minimum(bound[i:j], B, out=bound[i:j])
            np.minimum(m2[i:j], M2, out=m2[i:j])
        bad = bound[i:j] > thresh
        if not bad.any():
            continue
        if j - i == 1:
            failing.append(i)
            continue
        mid = (i + j) // 2
        if bad[mid - i:].any():
            stack.append((mid, j))
        if bad[:mid - i].any():
            stack.append((i, mid))
    failing.sort()
    return bound, m2, failing, evals


class _Piece:
    __slots__ = ("u", "v", "Vu", "Vv", "Xu", "Xv", "AVu", "AVv", "eu", "ev", "m2", "d1", "bound", "depth")

    def __init__(self, u, v, Vu, Vv, Xu, Xv, AVu, AVv, eu, ev, m2, d1, bound, depth):
        self.u, self.v, self.Vu, self.Vv = u, v, Vu, Vv
        self.Xu, self.Xv, self.AVu, self.AVv = Xu, Xv, AVu, AVv
        self.eu, self.ev, self.m2, self.d1, self.bound, self.depth = eu, ev, m2, d1, bound, depth


def _piece_bound(bt: BallTarget, p: _Piece, thresh: float, w: float, fresh: bool):
    """Best of the second-, first- and zeroth-order bounds of |e| on piece p of width <= w (see the module
    docstring); with ``fresh`` the derivative enclosures are recomputed on p's own ball.
    Returns (bound, evaluations)."""
    evals = 0
    b = _bound2(p.eu, p.ev, p.m2, w)
    if b > thresh and p.d1 < _INF:
        b = min(b, _nx(_nx((p.eu + p.ev) * 0.5, _INF) + _nx(_nx(p.d1 * w, _INF) * 0.5, _INF), _INF))
    if b <= thresh or not fresh:
        return b, evals
    X = ball(p.u, p.v, p.Xu, p.Xv)
    smooth = bt.smooth_on(p.u, p.v, X)
    if smooth and bt.d2 is not None:
        M2 = abs_up(bt.value(X, p.u, p.v, 2))
        evals += 1
        if M2 < p.m2:
            p.m2 = M2
            b = min(b, _bound2(p.eu, p.ev, M2, w))
    if b > thresh and smooth and bt.d1 is not None:
        s = arb_of((p.Vv - p.Vu) / (p.v - p.u))
        D = abs_up(bt.value(X, p.u, p.v, 1) - s)
        evals += 1
        if D < p.d1:
            p.d1 = D
            b = min(b, _nx(_nx((p.eu + p.ev) * 0.5, _INF) + _nx(_nx(D * w, _INF) * 0.5, _INF), _INF))
    if b > thresh:
        Z = abs_up(bt.value(X, p.u, p.v, 0) - p.AVu.union(p.AVv))
        evals += 1
        b = min(b, Z)
    return b, evals


def _presample(kn: _Knots, bt: BallTarget, count: int = 1024):
    """Values |e| at the midpoints of up to ``count`` evenly spread pieces: they only raise the lower bound
    L before the group phase (for a network that interpolates f* the knots alone give L = 0).
    Returns (best lower bound, its point, largest upper bound, evaluations)."""
    P = len(kn.T) - 1
    idx = np.unique(np.linspace(0, P - 1, min(P, count)).astype(int)) if P > 0 else []
    best, arg, top = -1.0, None, 0.0
    for i in idx:
        m = (kn.T[i] + kn.T[i + 1]) / 2
        E = bt.value(arb_of(m), m, m) - arb_of((kn.V[i] + kn.V[i + 1]) / 2)
        lo, up = abs_down(E), abs_up(E)
        top = max(top, up)
        if lo > best:
            best, arg = lo, m
    return best, arg, top, len(idx)


def _arb_taylor(net, bt: BallTarget, a, b, rtol, max_pieces, floor=0.0):
    """The branch and bound of the module docstring. Returns the fields of the certificate. Pieces whose
    bound is at most ``floor`` are not refined further (:mod:`proofkit.screen` passes its threshold)."""
    kn = _Knots(net, bt, a, b)
    evals = kn.evaluations
    scale = max(1.0, float(np.max(kn.up)))
    atol = max(2.0 ** -80 * scale, floor)
    k_best = int(np.argmax(kn.lo))
    L, wit = float(kn.lo[k_best]), kn.T[k_best]
    U = float(np.max(kn.up))
    ls, xs, us, ev = _presample(kn, bt)
    evals += ev
    U = max(U, us)
    if ls > L:
        L, wit = ls, xs
    bound, m2, failing, ev = _group_phase(kn, bt, max(L * (1 + rtol), atol))
    evals += ev
    passed = np.ones(len(bound), dtype=bool)
    passed[failing] = False
    if passed.any():
        U = max(U, float(np.max(bound[passed])))
    notes = []
    T, V = kn.T, kn.V
    items = [_Piece(T[i], T[i + 1], V[i], V[i + 1], kn.XT[i], kn.XT[i + 1], kn.AV[i], kn.AV[i + 1],
                    float(kn.EL[i]), float(kn.ER[i]), float(m2[i]), _INF, float(bound[i]), 0) for i in failing]
    pieces = len(T) - 1
    min_width = (b - a) / 2 ** 100
    frozen = 0
    text = bt.target.text
    while items:
        # stage 1: bisect every piece still above the tolerance; the new midpoint values raise L
        thresh = max(L * (1 + rtol), atol)
        split = []
        for p in items:
            if p.bound <= thresh:
                U = max(U, p.bound)
                continue
            if pieces >= max_pieces or p.depth >= _MAX_DEPTH or p.v - p.u < min_width:
                if not p.bound < _INF:
                    raise TargetError(f"target '{text}' could not be enclosed near x = {float(p.u):.6g} "
                                      f"(not finite, or outside the evaluator's reach)")
                U = max(U, p.bound)
                frozen += 1
                continue
            m = (p.u + p.v) / 2
            Vm = (p.Vu + p.Vv) / 2
            Xm, AVm = arb_of(m), arb_of(Vm)
            E = bt.value(Xm, m, m) - AVm
            evals += 1
            em = abs_up(E)
            if not em < _INF:
                raise TargetError(f"target '{text}' cannot be enclosed at x = {float(m):.6g}")
            lm = abs_down(E)
            U = max(U, em)
            if lm > L:
                L, wit = lm, m
            pieces += 1
            split.append((p, m, Vm, Xm, AVm, em))
        # stage 2: bounds of the children (inherited derivative enclosures first, fresh ones if needed)
        thresh = max(L * (1 + rtol), atol)
        items = []
        for p, m, Vm, Xm, AVm, em in split:
            for child in (_Piece(p.u, m, p.Vu, Vm, p.Xu, Xm, p.AVu, AVm, p.eu, em, p.m2, p.d1, _INF,
                                 p.depth + 1),
                          _Piece(m, p.v, Vm, p.Vv, Xm, p.Xv, AVm, p.AVv, em, p.ev, p.m2, p.d1, _INF,
                                 p.depth + 1)):
                wc = abs_up(child.Xv - child.Xu)
                bnd, e1 = _piece_bound(bt, child, thresh, wc, fresh=False)
                if bnd > thresh:
                    bnd, e1 = _piece_bound(bt, child, thresh, wc, fresh=True)
                evals += e1
                child.bound = bnd
                if bnd <= thresh:
                    U = max(U, bnd)
                else:
                    items.append(child)
    if frozen:
        notes.append(f"{frozen} piece(s) stopped by the budget (max_pieces={max_pieces}) or the depth limit "
                     f"before reaching rtol")
    return dict(method="arb-taylor", upper=float(U), lower=float(L), witness=float(wit), pieces=pieces,
                evaluations=evals, notes=notes)


# ---------------------------------------------------------------------------------------------- exact-poly
def _exact_poly(net, bt: BallTarget, regions, a, b, max_pieces):
    """Exact-poly method: arb screening, then exact critical points on the pieces that may hold the sup.

    Every piece whose screened bound exceeds the best known lower bound is solved: its error polynomial
    e = P - l has its critical points (real roots of e') isolated exactly; |e| there is rational (a rational
    root) or enclosed in arb on an isolating interval of relative width 2^-100. Pieces not solved have
    bounds below a proven lower bound of the sup, so they cannot hold it."""
    kn = _Knots(net, bt, a, b)
    evals = kn.evaluations
    L = float(np.max(kn.lo))
    bound, _m2, failing, ev = _group_phase(kn, bt, L)
    evals += ev
    starts = [r[0] for r in regions]
    x = bt.var

    def region_coeffs(t):
        return regions[max(0, bisect.bisect_right(starts, t) - 1)][2]

    crit = []  # critical values: (lo float, hi float, exact Fraction or None, point Fraction)
    best_lo = L
    examined = 0
    for i in sorted(failing, key=lambda i: -bound[i]):
        if bound[i] <= best_lo:
            continue
        examined += 1
        u, v = kn.T[i], kn.T[i + 1]
        coeffs = region_coeffs((u + v) / 2)
        s = (kn.V[i + 1] - kn.V[i]) / (v - u)
        c0 = kn.V[i] - s * u
        ecoeffs = list(coeffs)
        while len(ecoeffs) < 2:
            ecoeffs.insert(0, Fraction(0))
        ecoeffs[-1] -= c0
        ecoeffs[-2] -= s
        e = sp.Poly([sp.Rational(c.numerator, c.denominator) for c in ecoeffs], x)
        de = e.diff(x)
        if de.degree() < 1:
            continue
        uu, vv = sp.Rational(u.numerator, u.denominator), sp.Rational(v.numerator, v.denominator)
        _, factors = sp.factor_list(de.as_expr(), x)
        for fac, _mult in factors:
            fp = sp.Poly(fac, x)
            if fp.degree() < 1:
                continue
            if fp.degree() == 1:
                c1, cc0 = fp.all_coeffs()
                root = -Fraction(int(cc0.p), int(cc0.q)) / Fraction(int(c1.p), int(c1.q))
                if u < root < v:
                    val = abs(_horner(ecoeffs, root))
                    crit.append((_frac_down(val), _frac_up(val), val, root))
                continue
            for (lo_r, hi_r), _m in fp.intervals(inf=uu, sup=vv, eps=(vv - uu) / 2 ** 100):
                lo_f, hi_f = Fraction(int(lo_r.p), int(lo_r.q)), Fraction(int(hi_r.p), int(hi_r.q))
                val = _poly_arb(ecoeffs, ball(lo_f, hi_f))
                crit.append((abs_down(val), abs_up(val), None, (lo_f + hi_f) / 2))
        if crit:
            best_lo = max(best_lo, max(c[0] for c in crit))
    lower = max([float(np.max(kn.lo))] + [c[0] for c in crit])
    upper = max([float(np.max(kn.up))] + [c[1] for c in crit])
    # contenders for the maximum: exact values where the point is rational
    contenders = []
    for k in np.nonzero(kn.up >= lower)[0]:
        t = kn.T[k]
        contenders.append((abs(_horner(region_coeffs(t), t) - kn.V[k]), t))
    algebraic_hi = [c[1] for c in crit if c[2] is None and c[1] >= lower]
    contenders += [(c[2], c[3]) for c in crit if c[2] is not None and c[1] >= lower]
    exact_sup, witness = None, None
    if contenders:
        q, witness = max(contenders, key=lambda c: c[0])
        if all(Fraction(h) < q for h in algebraic_hi):
            exact_sup = f"{q.numerator}/{q.denominator}"
            lower, upper = _frac_down(q), _frac_up(q)
    if witness is None:
        witness = max(crit, key=lambda c: c[0])[3]
    notes = [f"{examined} piece(s) solved exactly (critical points of the error polynomial)"]
    return dict(method="exact-poly", upper=upper, lower=lower, witness=float(witness), exact_sup=exact_sup,
                sup_enclosure=(lower, upper), upper_rational=exact_sup or _float_fraction(upper),
                pieces=len(kn.T) - 1, evaluations=evals + examined, notes=notes)


def _float_fraction(v: float) -> str:
    q = Fraction(v)
    return f"{q.numerator}/{q.denominator}"


def _poly_arb(coeffs, X):
    acc = arb_of(0)
    for c in coeffs:
        acc = acc * X + arb_of(c)
    return acc


# ---------------------------------------------------------------------------------------------- callables
def sampled_bound(net, func, domain, *, lipschitz=None, samples=100_001, eps=None, budget=None) -> Certificate:
    """Bound sup|f - f_NN| for a target given only as a Python callable ``func`` (float64 in, out).

    Samples ``samples`` equispaced points plus every knot of the network in ``domain``. Without
    ``lipschitz`` the result is the sampled maximum, labelled "sampled (not certified)". With a
    Lipschitz constant Lip of f, U = max_grid |e| + margin + (Lip + Lip_NN) h/2 (h the largest gap of the
    grid, Lip_NN the network's largest |slope| on the domain, exact from its PL form), labelled
    "lipschitz"; it is conditional on Lip and on func's float64 accuracy, so ``rigorous`` is False.
    """
    t0 = time.perf_counter()
    a, b = _domain(domain)
    fa, fb = float(a), float(b)
    if int(samples) < 2:
        raise CertificateError("samples: need at least 2")
    knots = net.pl.knots
    xs = np.unique(np.concatenate([np.linspace(fa, fb, int(samples)), knots[(knots >= fa) & (knots <= fb)]]))
    with np.errstate(all="ignore"):
        try:
            fx = np.asarray(func(xs), dtype=float)
            if fx.shape != xs.shape:
                raise ValueError
        except Exception:  # noqa: BLE001 - a scalar-only callable
            fx = np.array([float(func(float(v))) for v in xs])
    bad = ~np.isfinite(fx)
    if bad.any():
        raise TargetError(f"callable target is not finite at x = {xs[np.argmax(bad)]:.6g}")
    nn = net(xs)
    err = np.abs(fx - nn)
    k = int(np.argmax(err))
    L = float(err[k])
    notes = []
    if lipschitz is None:
        method, upper = "sampled (not certified)", L
        notes.append("upper is the largest sampled error: nothing is known between the samples")
    else:
        lip = float(lipschitz)
        if not (math.isfinite(lip) and lip >= 0):
            raise CertificateError(f"lipschitz: must be a finite number >= 0, got {lipschitz!r}")
        pl = net.dyadic_pl
        pts, vals = pl.restrict_knots(a, b)
        slopes = [abs((vals[i + 1] - vals[i]) / (pts[i + 1] - pts[i])) for i in range(len(pts) - 1)]
        lip_nn = _frac_up(max(slopes)) if slopes else 0.0
        h = float(np.max(np.diff(xs)))
        margin = 8 * np.finfo(float).eps * (float(np.max(np.abs(fx))) + float(np.max(np.abs(nn))) + 1.0)
        upper = float(_add_up(_add_up(L, margin), _mul_up(_add_up(lip, lip_nn), _mul_up(h, 0.5))))
        method = "lipschitz"
        notes.append(f"conditional on the supplied Lipschitz constant {lip:g} and on float64 evaluation of "
                     f"the callable; Lip_NN = {lip_nn:.6g}, grid gap h = {h:.3g}")
    perm = net.check_permutation()
    name = getattr(func, "__name__", "callable")
    return Certificate(
        target=f"<callable {name}>", domain=(fa, fb), eps=None if eps is None else float(eps),
        permutation_ok=bool(perm.ok), permutation_method=perm.method, permutation_message=perm.message,
        upper=float(upper), lower=L, witness=float(xs[k]), method=method, rigorous=False, exact_sup=None,
        pieces=len(xs) - 1, evaluations=len(xs), seconds=time.perf_counter() - t0, budget=budget,
        notes=notes, network_sha256=net.sha256())
