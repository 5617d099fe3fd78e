r"""The trusted kernel: check a certificate against a stored network, trusting nothing else that built either.

``python -m proofkit.checker NET.json CERT.json [TARGET]`` (also ``proofkit check``) confirms the claim of a
``proofkit.certificate/3`` file, :math:`\sup_{x\in[a,b]}|f^*(x)-f^{NN}(x)|\le U\ (\le\varepsilon)`, in one linear
pass of outward-rounded ball arithmetic (python-flint's arb) that never searches: certification
(:mod:`proofkit.witness`) searched and stored its result, the certificate's ``proof`` (a witness). This module
imports the standard library, python-flint and the shared target parser :mod:`proofkit.expr` only. docs/trust.md:
the trust base and the format of ``proof``.

**The network** is its float64 fields, each an exact binary rational: :math:`f^{NN}(x)=\text{shift}+\text{scale}
\sum_ia_i\rho(w_ix+c_i)`, :math:`w_i=\pm1`, a = ``coefficients`` (default ``pool[permutation]``), :math:`\rho(z)=z`
(z >= 0), sz (z < 0), s = 0 for ``relu`` and S exactly for ``leaky_relu:S``. With :math:`t_i=-w_ic_i` and
:math:`J(t)=\sum_{t_i=t}a_i`: :math:`\sum_ia_i\rho(w_ix+c_i)=\frac{1+s}2\sum_ia_i(w_ix+c_i)+\frac{1-s}2\sum_tJ(t)|x-t|`.
**Break-point rule**: the t in (a, b) with J(t) != 0 (exact sums; none when scale = 0). The pieces are those of
the sorted union of a, b, the break-points and the ``extra`` points of ``proof``; f_NN is linear on each.

**Checks, in order** (the first that fails is the one-line reason): the formats of both files; the SHA-256 of
the network (the byte rule of :mod:`proofkit.certify`'s docstring) is ``network_sha256``; coefficients[i] is
pool[permutation[i]] bit for bit with a bijective permutation (so the coefficients are a bitwise permutation of
the pool); the pieces cover [a, b] and the cells cover the pieces in order; every piece's bound is at most its
cell's bound; the largest cell bound is <= U; U <= eps when the certificate gives eps.

**Bounds.** A cell is a run of pieces; on the ball X of the whole cell arb power series of length 3 enclose f*,
f*', f*''/2 (F0, F1, F2), where every Abs, sign, Max, Min and Piecewise of f* keeps one branch on the closed
cell (else F0 alone). On a piece [u, v] of width w, e = f* - f_NN (f_NN linear there, slope s),
:math:`A_u\ge|e(u)|`, :math:`A_v\ge|e(v)|`, the bound is the first of these at most the cell's bound (every
operation rounded up: floats with ``nextafter``, or arb):

* second order, the Lagrange remainder of the chord (e'' = f*''; m2 >= 2|F2| is stated in ``proof``):
  :math:`\max_t(1-t)A_u+tA_v+Kt(1-t)`, K = m2 w^2/2, i.e. :math:`\frac{A_u+A_v}2+\frac K4+\frac{D^2}{4K}` when
  D = |A_v - A_u| <= K, else max(A_u, A_v);
* monotone: if 0 is not in F1 - s, e is monotone on the piece and |e| <= max(A_u, A_v);
* zeroth order: :math:`|F_0-\mathrm{hull}(f^{NN}(u),f^{NN}(v))|`.
"""
from __future__ import annotations

import functools
import hashlib
import json
import math
import operator
import re
import struct
import sys
from decimal import ROUND_CEILING, Decimal, localcontext

from flint import arb, arb_series, ctx, fmpq

from .expr import TargetError, parse_target

FORMAT, PROOF, NET = "proofkit.certificate/3", "proofkit.proof/1", "proofkit.permnet/1"
_NAN, _PQ = arb.nan(), re.compile(r"(-?\d{1,2000})(?:/(\d{1,2000}))?")


class InputError(ValueError):
    """A file or argument that cannot be checked (exit 2)."""


class Rejected(Exception):
    """A claim that does not hold, or a proof that does not establish it (exit 1)."""


def _up(x):
    return math.nextafter(x, math.inf)


def _aup(b):
    """The least float >= |y| for every y in the ball b (inf when b is not finite)."""
    if not b.is_finite():
        return math.inf
    u = b.abs_upper()
    return float(u) if arb(float(u)) >= u else _up(float(u))


def _q(v):
    """The exact rational (fmpq) of a float (dyadic), an int, or a text 'p' or 'p/q' (q > 0)."""
    if not isinstance(v, str):
        return fmpq(*v.as_integer_ratio()) if isinstance(v, float) else fmpq(v)
    m = _PQ.fullmatch(v)
    if not m or m.group(2) is not None and int(m.group(2)) == 0:
        raise InputError(f"'{v[:40]}' is not a rational 'p/q'")
    return fmpq(int(m.group(1)), int(m.group(2) or 1))


def _num(v):
    return type(v) is float and math.isfinite(v) or type(v) is int and abs(v) <= sys.float_info.max


# ------------------------------------------------------------------------------------------------ files
def read_json(path, what):
    def nonfinite(c):
        raise InputError(f"{what}: {c} is not allowed")
    try:
        with open(path, encoding="utf-8") as fh:
            d = json.load(fh, parse_constant=nonfinite)
    except (OSError, UnicodeDecodeError, RecursionError) as exc:
        raise InputError(f"{what}: cannot read {path}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{what}: {path} is not valid JSON: {exc.msg} at line {exc.lineno}") from None
    if not isinstance(d, dict):
        raise InputError(f"{what}: top level must be a JSON object")
    return d


def _list(d, key, n, types=(int, float)):
    v = d.get(key)
    if not (isinstance(v, list) and (n is None or len(v) == n) and {type(x) for x in v} <= set(types)
            and max(map(abs, v), default=0) <= sys.float_info.max):
        raise InputError(f"network: {key} must be a list of {'' if n is None else n} "
                         f"{'integers' if types == (int,) else 'finite numbers'}")
    return v if types == (int,) or int not in {type(x) for x in v} else [float(x) for x in v]


def read_network(d):
    """The validated fields of a ``proofkit.permnet/1`` dictionary."""
    if d.get("format") != NET:
        raise InputError(f"network: format must be '{NET}', got {str(d.get('format'))[:40]!r}")
    w = _list(d, "weights", None, (int,))
    H = len(w)
    perm = _list(d, "permutation", H, (int,))
    if not set(w) <= {1, -1} or H and not 0 <= min(perm) <= max(perm) < H:
        raise InputError(f"network: weights must be +1/-1 and the permutation indices in 0..{H - 1}")
    net = {"H": H, "weights": w, "permutation": perm, "biases": _list(d, "biases", H), "pool": _list(d, "pool", H),
           "domain": _list(d, "domain", 2)}
    net["coefficients"] = _list(d, "coefficients", H) if "coefficients" in d else [net["pool"][p] for p in perm]
    for k, default in (("scale", 1.0), ("shift", 0.0)):
        if not _num(d.get(k, default)):
            raise InputError(f"network: {k} must be a finite number")
        net[k] = float(d.get(k, default))
    act = d.get("activation", "relu")
    m = re.fullmatch(r"relu|leaky_relu(?::(\d{1,20})?(?:\.(\d{0,40}))?)?", act) if isinstance(act, str) else None
    if m is None or act not in ("relu", "leaky_relu") and not (m.group(1) or m.group(2)):
        raise InputError(f"network: activation must be 'relu' or 'leaky_relu:S' (0 <= S < 1), got {str(act)[:40]!r}")
    s = fmpq(0) if act == "relu" else fmpq(1, 100) if act == "leaky_relu" else \
        fmpq(int((m.group(1) or "0") + (m.group(2) or "")), 10 ** len(m.group(2) or ""))
    if not s < 1:
        raise InputError(f"network: the negative slope of {act!r} must be below 1")
    net["activation"], net["slope"] = act, s
    ex = d.get("exact") or {}
    net["exact"] = {k: ",".join(x if "/" in x else x + "/1" for x in (v if isinstance(v, list) else [v]))
                    for k, v in ex.items() if isinstance(v, (list, str)) and all(isinstance(x, str) for x in v)}
    if not isinstance(ex, dict) or set(ex) - {"biases", "pool", "scale", "shift"} or len(net["exact"]) < len(ex) \
            or not all(re.fullmatch(r"-?\d+/\d+(,-?\d+/\d+)*", v) for v in net["exact"].values()):
        raise InputError("network: exact must map biases, pool, scale, shift to rationals 'p/q'")
    return net


def network_sha256(net):
    """The network's name in certificates (the byte rule of :mod:`proofkit.certify`'s docstring)."""
    H, h = net["H"], hashlib.sha256()
    h.update(f"{NET}\n{net['activation']}\n".encode() + struct.pack("<Q", H))
    h.update(struct.pack("<4d", *net["domain"], net["scale"], net["shift"]) + struct.pack(f"<{H}b", *net["weights"]))
    for key in ("biases", "pool", "coefficients"):
        h.update(struct.pack(f"<{H}d", *net[key]))
    h.update(struct.pack(f"<{H}q", *net["permutation"]))
    for key in sorted(net["exact"]):  # as written: text not in lowest terms does not match (a false rejection)
        h.update(f"{key}={net['exact'][key]}\n".encode())
    return h.hexdigest()


def permutation_holds(net):
    """None when coefficients[i] is pool[permutation[i]] bit for bit and the permutation a bijection; else why not."""
    H, pool, perm, co = net["H"], net["pool"], net["permutation"], net["coefficients"]
    if len(set(perm)) != H:
        return f"the permutation is not a bijection of 0..{H - 1} (an index repeats)"
    if struct.pack(f"<{H}d", *co) != struct.pack(f"<{H}d", *map(pool.__getitem__, perm)):
        i = next(i for i in range(H) if struct.pack("<d", co[i]) != struct.pack("<d", pool[perm[i]]))
        return f"coefficients[{i}] = {co[i]!r} is not pool[permutation[{i}]] = {pool[perm[i]]!r}"
    return None


# ------------------------------------------------------------------------------------ the network, exactly
def _exponent(values):
    """K >= 0 with v 2^K an integer for every float v (from the smallest nonzero |v|)."""
    return max(0, 53 - math.frexp(min(filter(None, map(abs, values)), default=1.0))[1])


def _ints(values, K):
    """The integers v 2^K, exactly (a float times a power of two, or via the ratio where that could overflow)."""
    if max(map(abs, values), default=0.0) < 2.0 ** (1000 - K):
        return list(map(int, map((2.0 ** K).__mul__, values)))
    return [(lambda p, q: p * (2 ** K // q))(*v.as_integer_ratio()) for v in values]


def network_pl(net, a, b):
    """(points, values): a, the break-points in (a, b), b (increasing floats) and f_NN there (exact fmpq), by the
    identity of the module docstring in integers scaled by 2^Ka (coefficients) and 2^Kt (knots, a, b)."""
    W, Ka, Kt = net["weights"], _exponent(net["coefficients"]), max(_exponent(net["biases"]), _exponent([a, b]))
    A, C = _ints(net["coefficients"], Ka), _ints(net["biases"], Kt)
    J = {}
    for t, v in zip(map(operator.neg, map(operator.mul, W, C)), A):
        J[t] = J.get(t, 0) + v
    lw, lc = sum(map(operator.mul, W, A)), sum(map(operator.mul, A, C))    # sum a_i w_i, sum a_i c_i
    Ta, Tb = _ints([a, b], Kt)
    S = sum(j * abs(Ta - t) for t, j in J.items())                          # sum_t J(t) |a - t|
    sig = sum(j if t <= Ta else -j for t, j in J.items())                   # its slope right of a
    s, unit = net["slope"], fmpq(1, 2 ** (Ka + Kt))
    c = [_q(net["shift"]), _q(net["scale"]) * (1 + s) / 2 * unit, _q(net["scale"]) * (1 - s) / 2 * unit]
    D = math.lcm(*(int(v.q) for v in c))
    c0, c1, c2 = (int((v * D).p) for v in c)         # f_NN = (c0 + c1 (lw T + lc) + c2 S) / D at x = T / 2^Kt
    pts, vals, Tp = [a], [fmpq(c0 + c1 * (lw * Ta + lc) + c2 * S, D)], Ta
    for t in sorted(t for t, j in J.items() if Ta < t < Tb and j and net["scale"]) + [Tb]:
        S, Tp = S + sig * (t - Tp), t
        sig += 2 * J.get(t, 0)
        pts.append(t / (1 << Kt) if t != Tb else b)
        vals.append(fmpq(c0 + c1 * (lw * t + lc) + c2 * S, D))
    return pts, vals


# ------------------------------------------------------------------------------------------------ targets
_FUNCTIONS = {  # sympy's function classes, on an arb (a point or a ball) or an arb_series
    "sin": lambda u: u.sin(), "cos": lambda u: u.cos(), "tan": lambda u: u.tan(), "exp": lambda u: u.exp(),
    "log": lambda u: u.log(), "atan": lambda u: u.atan(), "asin": lambda u: u.asin(), "acos": lambda u: u.acos(),
    "erf": lambda u: u.erf(), "erfc": lambda u: u.erfc(), "cot": lambda u: u.cos() / u.sin(),
    "sec": lambda u: 1 / u.cos(), "csc": lambda u: 1 / u.sin(), "sinh": lambda u: (u.exp() - (-u).exp()) / 2,
    "cosh": lambda u: (u.exp() + (-u).exp()) / 2, "tanh": lambda u: 1 - 2 / ((2 * u).exp() + 1),
    "asinh": lambda u: (u + (u * u + 1).sqrt()).log(), "acosh": lambda u: (u + (u * u - 1).sqrt()).log(),
    "atanh": lambda u: ((1 + u) / (1 - u)).log() / 2,
    "sinc": lambda u: u.sinc() if isinstance(u, arb) else _nan_like(u) if _c0(u).contains(0) else u.sin() / u}
_SWITCHES = {"Abs": "abs", "sign": "sign", "Max": "max", "Min": "min"}
_REL = {"StrictLessThan": lambda s: True if s["<"] else False if s[">="] else None,  # s: what g's range proves
        "LessThan": lambda s: True if s["<="] else False if s[">"] else None,
        "StrictGreaterThan": lambda s: True if s[">"] else False if s["<="] else None,
        "GreaterThan": lambda s: True if s[">="] else False if s["<"] else None}


def _series(g, X, ends):
    """The first three Taylor coefficients of g on the ball X (nan where arb cannot divide by a series whose
    constant term may be 0)."""
    try:
        c = g(arb_series([X, 1]), ends)
    except (ValueError, ZeroDivisionError):
        return [_NAN] * 3
    return (c.coeffs() + [arb(0)] * 3)[:3] if isinstance(c, arb_series) else [c, arb(0), arb(0)]


def _c0(u):
    return u.coeffs()[0] if isinstance(u, arb_series) else u


def _nan_like(u):
    return arb_series([_NAN] * ctx.cap) if isinstance(u, arb_series) else _NAN


def _rpow(u, r):
    """u**r for a rational r (the real branch: u >= 0 unless r is an integer)."""
    if r.q <= 2:
        u = u if r.q == 1 else u.sqrt()
        return u ** int(r.p) if r >= 0 else 1 / u ** int(-r.p)
    if isinstance(u, arb_series) or u > 0:
        return (u.log() * arb(r)).exp()
    return arb(0) if u.is_zero() and r > 0 else arb(0).union((u.upper().log() * arb(r)).exp()) \
        if u >= 0 and r > 0 else _NAN


class Target:
    """f* from its text, read by the shared safe parser :func:`proofkit.expr.parse_target` (a whitelist over
    Python's ``ast``; it builds a sympy tree and executes nothing), compiled here from the tree's shape (class
    names, arguments, exact rationals; never sympy's numerics or derivatives) into closures f(x, ends): x an arb
    (a point or a ball) or an arb_series on a cell whose end points are ``ends``."""

    def __init__(self, text):
        try:
            t = parse_target(text)
            self.text, self.f = t.text, self._fn(self.node(t.expr, t.var))
        except (TargetError, ZeroDivisionError) as exc:
            raise InputError(f"target: {exc}") from None

    def __call__(self, x, ends=None):
        return self.f(x, ends)

    def enclose(self, X, ends):
        """(F0, F1, F2) containing f*, f*', f*''/2 on the cell (F1 = F2 = nan where they are not known)."""
        c = _series(self.f, X, ends)
        return c if all(v.is_finite() for v in c) else (self.f(X, ends), _NAN, _NAN)

    @staticmethod
    def _fn(v):
        return v if callable(v) else (lambda x, e, c=(arb(v) if isinstance(v, fmpq) else v): c)

    def fold(self, fn, args, exact=False):
        """fn of the compiled args: now when they are constants (``exact``: in fmpq), else a closure."""
        if any(map(callable, args)):
            fs = [self._fn(a) for a in args]
            return lambda x, e: fn(*(f(x, e) for f in fs))
        return fn(*(a if exact or not isinstance(a, fmpq) else arb(a) for a in args))

    def node(self, n, var):
        name = type(n).__name__
        args = [] if n.is_Atom or name == "Piecewise" else [self.node(a, var) for a in n.args]
        if n == var:
            return lambda x, e: x
        if n.is_Rational or name in ("Pi", "Exp1"):
            return fmpq(int(n.p), int(n.q)) if n.is_Rational else arb.pi() if name == "Pi" else arb.const_e()
        if name in ("Add", "Mul"):
            op = operator.add if name == "Add" else operator.mul
            c = [functools.reduce(op, [a for a in args if not callable(a)])] if not all(map(callable, args)) else []
            return self.fold(lambda *t: functools.reduce(op, t), c + [a for a in args if callable(a)], True)
        if name == "Pow" and isinstance(args[1], fmpq):
            big = isinstance(args[0], fmpq) and (args[1].q != 1 or abs(args[1].p) > 4096)
            if callable(args[0]) and args[1].q != 1:
                return _monotone(lambda u: _rpow(u, args[1]), args[0], 0, None)
            return self.fold(lambda u: _rpow(u, args[1]), [arb(args[0]) if big else args[0]], True)
        if name == "Pow":
            return self.fold(lambda u, v: (u.log() * v).exp(), args)
        if name in ("asin", "acos") and len(args) == 1 and callable(args[0]):
            return _monotone(_FUNCTIONS[name], args[0], -1, 1)
        if name in _FUNCTIONS and len(args) == 1:
            return self.fold(_FUNCTIONS[name], args)
        if name in _SWITCHES and args:
            fs = [self._fn(a) for a in args]
            return lambda x, e: _switch(_SWITCHES[name], fs, x, e)
        if name == "Piecewise":
            pairs = [(self._fn(self.node(p.expr, var)), self.cond(p.cond, var)) for p in n.args]
            return lambda x, e: _piecewise(pairs, x, e)
        raise InputError(f"target: {name} is not among the functions the checker encloses")

    def cond(self, n, var):
        """A Piecewise condition as a function (x, ends) -> True, False or None (undecided on x)."""
        name = type(n).__name__
        if name in ("BooleanTrue", "BooleanFalse"):
            return lambda x, e: name == "BooleanTrue"
        if name in _REL:
            g = self._fn(self.fold(operator.sub, [self.node(n.lhs, var), self.node(n.rhs, var)], True))
            return lambda x, e: _REL[name](_range(g, x, e)[1])
        parts = [self.cond(a, var) for a in n.args]
        if name in ("And", "Or", "Not"):
            flip = [_not(p) for p in parts] if name == "Or" else parts
            return _not(_all(flip)) if name == "Or" else _all(parts) if name == "And" else _not(parts[0])
        raise InputError(f"target: the condition {name} is not supported by the checker")


def _all(parts):
    return lambda x, e: (lambda v: False if False in v else None if None in v else True)([p(x, e) for p in parts])


def _not(p):
    return lambda x, e: (lambda v: None if v is None else not v)(p(x, e))


def _range(g, x, ends):
    """(g on x, the signs g is proved to have on the closed cell or at the point: {">": g > 0 everywhere, ...}).
    Where the series shows g monotone on the cell (g' of one sign), its values at the two (exact) end points
    decide, else its enclosure on the ball."""
    G = g(x, ends)
    R = [G.coeffs()[0] if isinstance(G, arb_series) else G]
    c = (G.coeffs() + [arb(0)] * 2)[1] if isinstance(G, arb_series) else \
        _series(g, x, ends)[1] if ends and not (R[0] > 0 or R[0] < 0) else _NAN
    if ends and c.is_finite() and (c >= 0 or c <= 0):
        R = [g(ends[0], None), g(ends[1], None)]
    return G, {op: all(fn(r, 0) for r in R) for op, fn in
               ((">", operator.gt), (">=", operator.ge), ("<", operator.lt), ("<=", operator.le), ("0", operator.eq))}


def _monotone(fn, g, lo, hi):
    """fn(g) for fn monotone on [lo, hi] (x**r, asin, acos). On a cell where lo <= g (<= hi) is proved, the value
    is the hull of fn at the ends of g's ball cut to [lo, hi]: the ball of a cell spills a little past the cell's
    ends, and sqrt(x) at 0 or asin(x) at 1 would be nan on it."""
    def f(x, e):
        G = g(x, e)
        if not e or not isinstance(G, arb) or not _range(lambda y, d: g(y, d) - lo, x, e)[1][">="] \
                or hi is not None and not _range(lambda y, d: g(y, d) - hi, x, e)[1]["<="]:
            return fn(G)
        a, b = G.lower(), G.upper()
        return fn(arb(lo) if a < lo else a).union(fn(arb(hi) if hi is not None and b > hi else b))
    return f


def _switch(kind, fs, x, ends):
    """Abs, sign, Max, Min: the branch that holds on the whole closed cell, else only the value."""
    series = isinstance(x, arb_series)
    if kind in ("abs", "sign"):
        G, r = _range(fs[0], x, ends)
        if kind == "abs":
            return G if r[">="] else -G if r["<="] else _nan_like(x) if series else abs(G).nonnegative_part()
        return arb(1) if r[">"] else arb(-1) if r["<"] else arb(0) if r["0"] else _nan_like(x) if series \
            else arb(0, 1)
    best = fs[0]
    for f in fs[1:]:
        r = _range(lambda y, e, f=f, b=best: f(y, e) - b(y, e), x, ends)[1]
        if r[">="] or r["<="]:
            best = f if r[">="] == (kind == "max") else best
        elif series:
            return _nan_like(x)
        else:
            v = getattr(best(x, ends), kind)(f(x, ends))
            best = lambda y, e, v=v: v
    return best(x, ends)


def _piecewise(pairs, x, ends):
    """The first branch whose condition holds; where that is undecided, the union of the possible ones."""
    out = None
    for fn, cond in pairs:
        c = cond(x, ends)
        if c is None and isinstance(x, arb_series):
            return _nan_like(x)
        if c is not False:
            out = fn(x, ends) if out is None else out.union(fn(x, ends))
            if c is True:
                return out
    return _nan_like(x)


# ------------------------------------------------------------------------------------------------ bounds
def _bound2(eu, ev, w, m2):
    """The second-order bound of the module docstring, every operation rounded up."""
    K, D, avg = _up(_up(_up(m2 * w) * w) * 0.5), _up(abs(ev - eu)), _up((eu + ev) * 0.5)
    if D <= K and K > 0:
        return _up(_up(avg + _up(K * 0.25)) + _up(_up(D * D) / (4.0 * K)))
    return _up(avg + D * 0.5)


def piece_bound(limit, eu, ev, u, v, nu, nv, F, m2):
    """The first bound of the module docstring that is <= limit, else the smallest, for the piece [u, v]
    (float or fmpq ends, f_NN = nu, nv there, A = eu, ev) of a cell with enclosures F and stated m2."""
    best = _bound2(eu, ev, _aup(arb(v) - arb(u)), m2) if m2 is not None else math.inf
    if best > limit and F[1].is_finite():
        d = F[1] - arb((nv - nu) / (_q(v) - _q(u)))
        best = min(best, max(eu, ev)) if d > 0 or d < 0 else best
    if best > limit and F[0].is_finite():
        best = min(best, _aup(F[0] - arb(nu).union(arb(nv))))
    return best


def cell_ball(u, v):
    X = arb(u).union(arb(v))
    return X.nonnegative_part() if u >= 0 else X


def point_error(f, p, n):
    """A float >= |f*(p) - f_NN(p)| (n = f_NN(p), exact)."""
    return _aup(f(arb(p)) - arb(n))


def partition(net, a, b, extra):
    """(points, exact f_NN values, number of break-points): :func:`network_pl` merged with the increasing
    ``extra`` points, each strictly inside a piece (f_NN interpolated exactly there)."""
    pts, vals = network_pl(net, a, b)
    P, V, k = [pts[0]], [vals[0]], 0
    for i in range(1, len(pts)):
        if k < len(extra):
            qu, qv = _q(pts[i - 1]), _q(pts[i])
        while k < len(extra) and extra[k] < qv:
            if not extra[k] > (extra[k - 1] if k and P[-1] is extra[k - 1] else qu):
                raise Rejected(f"proof: extra point {extra[k]} is not inside a piece, in increasing order")
            P.append(extra[k])
            V.append(vals[i - 1] + (vals[i] - vals[i - 1]) * (extra[k] - qu) / (qv - qu))
            k += 1
        P.append(pts[i])
        V.append(vals[i])
    if k < len(extra):
        raise Rejected(f"proof: extra point {extra[k]} is not inside (a, b), in increasing order")
    return P, V, len(pts) - 2


# ------------------------------------------------------------------------------------------------ the check
def read_certificate(c):
    """(domain, U, eps, network_sha256, proof, extra points) of a ``proofkit.certificate/3`` dictionary."""
    fmt, dom, U, eps, w = c.get("format"), c.get("domain"), c.get("upper"), c.get("eps"), c.get("proof")
    if fmt in ("proofkit.certificate/1", "proofkit.certificate/2"):
        raise InputError(f"certificate: {fmt} carries no proof; certify again (proofkit verify NET TARGET --cert C)")
    if fmt != FORMAT:
        raise InputError(f"certificate: format must be '{FORMAT}', got {str(fmt)[:40]!r}")
    if not (isinstance(dom, list) and len(dom) == 2 and all(map(_num, dom)) and dom[0] < dom[1] and _num(U) and U >= 0
            and (eps is None or _num(eps) and eps > 0) and isinstance(c.get("target"), str)
            and re.fullmatch(r"[0-9a-f]{64}", str(c.get("network_sha256")))):
        raise InputError("certificate: needs target (text), domain [a < b], upper >= 0, eps > 0 or null, network_sha256")
    if not isinstance(w, dict):
        raise InputError("certificate: it carries no proof (the certifier could not write one: see its notes)")
    cells, extra, prec = w.get("cells"), w.get("extra"), w.get("precision")
    if not (w.get("format") == PROOF and type(prec) is int and 53 <= prec <= 4096 and type(w.get("knots")) is int
            and isinstance(extra, list) and all(isinstance(x, str) for x in extra) and isinstance(cells, list)
            and all(isinstance(r, list) and len(r) == 4 and type(r[0]) is type(r[1]) is int
                    and (r[2] is None or _num(r[2])) and _num(r[3]) for r in cells)):
        raise InputError(f"certificate: the proof must be '{PROOF}' with precision (53..4096), knots, extra "
                         f"(rationals 'p/q') and cells ([i, j, m2 or null, bound])")
    return (float(dom[0]), float(dom[1])), float(U), eps, c["network_sha256"], w, [_q(x) for x in extra]


def _fmt_up(x):
    """x rounded up to 6 significant digits (a printed upper bound is never below the bound)."""
    with localcontext() as c:
        c.prec, c.rounding = 6, ROUND_CEILING
        return str(+Decimal(x))


def check(net_path, cert_path, target=None):
    """Every check of the module docstring, in order, on the two files; returns the report lines, raises
    InputError or Rejected."""
    c = read_json(cert_path, "certificate")
    return check_data(read_json(net_path, "network"), c, target, net_path)


def check_data(net_dict, c, target=None, net_path="network"):
    """:func:`check` on the two JSON dictionaries."""
    (a, b), U, eps, sha, wit, extra = read_certificate(c)
    net = read_network(net_dict)
    if target is not None and target.strip() != c["target"]:
        raise Rejected(f"target: the certificate is about '{c['target']}', not '{target.strip()}'")
    if network_sha256(net) != sha:
        raise Rejected(f"network_sha256: the certificate is about network {sha[:12]}..., this file is "
                       f"{network_sha256(net)[:12]}...")
    bad = permutation_holds(net)
    if bad:
        raise Rejected(f"permutation: {bad}")
    old = ctx.prec, ctx.cap
    ctx.prec, ctx.cap = wit["precision"], 3
    try:
        f = Target(c["target"])
        pts, vals, knots = partition(net, a, b, extra)
        cells, n = wit["cells"], len(pts) - 1
        if knots != wit["knots"]:
            raise Rejected(f"proof: made for {wit['knots']} break-points in (a, b); the network has {knots} there")
        for k, (i, j, m2, B) in enumerate(cells):
            if i != (cells[k - 1][1] if k else 0) or not i < j <= n:
                raise Rejected(f"proof: cell {k} holds pieces {i}..{j - 1}: the cells do not cover the {n} pieces")
        if not cells or cells[-1][1] != n:
            raise Rejected(f"proof: the cells do not cover all {n} pieces of [{a!r}, {b!r}]")
        E = [point_error(f, p, v) for p, v in zip(pts, vals)]
        for k, (i, j, m2, B) in enumerate(cells):
            F = f.enclose(cell_ball(pts[i], pts[j]), (arb(pts[i]), arb(pts[j])))
            if m2 is not None and not 2 * _aup(F[2]) <= m2:
                raise Rejected(f"cell {k}: sup|f''| on [{float(pts[i]):.17g}, {float(pts[j]):.17g}] is enclosed by "
                               f"{2 * _aup(F[2]):.6g}, not by m2 = {m2!r}")
            for p in range(i, j):
                e = piece_bound(B, E[p], E[p + 1], pts[p], pts[p + 1], vals[p], vals[p + 1], F, m2)
                if not e <= B:
                    raise Rejected(f"piece [{float(pts[p]):.17g}, {float(pts[p + 1]):.17g}]: its bound {e:.17g} "
                                   f"exceeds its cell's bound {B!r}")
    finally:
        ctx.prec, ctx.cap = old
    top = max(r[3] for r in cells)
    if not top <= U:
        raise Rejected(f"upper: a cell's bound {top!r} exceeds U = {U!r}")
    if eps is not None and not U <= eps:
        raise Rejected(f"eps: U = {U!r} exceeds eps = {eps!r}")
    claim = f"sup|f - f_NN| <= {_fmt_up(U)}" + (f" <= eps = {eps!r}" if eps is not None else " (no eps given)")
    return [f"network     {net_path}: hidden width {net['H']}, SHA-256 {sha[:12]}... as the certificate says",
            f"permutation OK (bitwise): coefficients = pool[permutation], a bijection of 0..{net['H'] - 1}",
            f"pieces      {n} on [{a!r}, {b!r}] ({knots} break-points, {len(extra)} extra points) in {len(cells)} "
            f"cells: every piece's bound holds, the largest is {_fmt_up(top)}",
            f"{'CERTIFIED' if eps is not None else 'PROVED'} (checked): {claim} on [{a!r}, {b!r}] for f = {c['target']}"]


def main(argv=None):
    """``python -m proofkit.checker NET.json CERT.json [TARGET]``: exit 0 confirmed, 1 rejected, 2 bad input."""
    args = sys.argv[1:] if argv is None else list(argv)
    if len(args) not in (2, 3):
        print("usage: python -m proofkit.checker NET.json CERT.json [TARGET]", file=sys.stderr)
        return 2
    try:
        print("\n".join(check(*args)))
    except InputError as exc:
        print(f"check: error: {exc}", file=sys.stderr)
        return 2
    except Rejected as exc:
        print(f"REJECTED: {exc}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
