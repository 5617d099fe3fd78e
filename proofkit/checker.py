r"""The trusted kernel: check a certificate against a stored network, trusting nothing else that built either.

``python -m proofkit.checker NET.json CERT.json [TARGET]`` (also ``proofkit check``) confirms the claim
:math:`\sup_{x\in[a,b]}|f^*(x)-f^{NN}(x)|\le U\ (\le\varepsilon)` of a ``proofkit.certificate/3`` file in one linear
pass of outward-rounded ball arithmetic (python-flint's arb) that never searches: certification
(:mod:`proofkit.witness`) searched and stored the ``proof``. Imports: the standard library, python-flint and the
shared target parser :mod:`proofkit.expr`. docs/trust.md states the trust base, the checks in order, the network's
exact piecewise-linear form, the format of ``proof``, the three piece bounds and the cost.

**Network.** The float64 fields, exact binary rationals: :math:`f^{NN}(x)=\text{shift}+\text{scale}\sum_ia_i\rho(w_ix
+c_i)`, :math:`w_i=\pm1`, :math:`\rho(z)=\max(z,sz)` (s = 0 for ``relu``, S for ``leaky_relu:S``). With
:math:`t_i=-w_ic_i` and :math:`J(t)=\sum_{t_i=t}a_i`, :math:`\sum_ia_i\rho(w_ix+c_i)=\frac{1+s}2\sum_ia_i(w_ix+c_i)+
\frac{1-s}2\sum_tJ(t)|x-t|`: f_NN is linear between the break-points, the t in (a, b) with J(t) != 0 (exact
integer sums; none when scale = 0), and the proof's ``extra`` points.

**Bounds** of e = f* - f_NN on a piece [u, v] (width w, f_NN of slope s, A_u >= |e(u)|, A_v >= |e(v)|) of a cell
(a run of pieces) where arb series enclose f*, f*', f*''/2 (F0, F1, F2): second order (m2 >= 2|F2| stated)
:math:`\max_{t\in[0,1]}(1-t)A_u+tA_v+Kt(1-t)`, K = m2 w^2/2; monotone: max(A_u, A_v) when 0 is not in F1 - s; zeroth
order: :math:`|F_0-\mathrm{hull}(f^{NN}(u),f^{NN}(v))|`. Floats are rounded up after every operation.
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
from array import array
from decimal import ROUND_CEILING, Decimal, localcontext
from itertools import compress, repeat

from flint import arb, arb_series, ctx, fmpq

from .expr import TargetError, parse_target

FORMAT, PROOF, NET = "proofkit.certificate/3", "proofkit.proof/1", "proofkit.permnet/1"
_NAN, _INF, _PQ = arb.nan(), math.inf, re.compile(r"(-?\d{1,2000})(?:/(\d{1,2000}))?")
_RATIONAL = str.maketrans("", "", "0123456789-/,")  # the characters of an exact section (it is only hashed)


class InputError(ValueError):
    """A file or argument that cannot be checked (exit 2)."""


class Rejected(Exception):
    """A claim that does not hold, or a proof that does not establish it (exit 1)."""


def _up(x):
    return math.nextafter(x, _INF)


def _aup(b):
    """The least float >= |y| for every y in the ball b (inf when b is not finite)."""
    u = b.abs_upper()
    x = float(u)
    return x if u <= x else _up(x) if x < _INF else _INF


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


def _array(d, key, n, code="d"):
    """d[key], a list of n numbers, as array(code): 'd' finite floats (their exact sum too), 'b' and 'q' integers."""
    v = d.get(key)
    try:
        if isinstance(v, list) and n in (None, len(v)) and set(map(type, v)) <= ({int, float} if code == "d" else {int}):
            arr = array(code, v)
            if code != "d" or math.isfinite(math.fsum(arr)):
                return arr
    except (OverflowError, ValueError):
        pass
    raise InputError(f"network: {key} must be a list of {n or ''} {'finite numbers' if code == 'd' else 'integers'}")


def read_network(d):
    """The validated fields of a ``proofkit.permnet/1`` dictionary (numbers as ``array``)."""
    if d.get("format") != NET:
        raise InputError(f"network: format must be '{NET}', got {str(d.get('format'))[:40]!r}")
    w = _array(d, "weights", None, "b")
    H = len(w)
    perm = _array(d, "permutation", H, "q")
    if w.count(1) + w.count(-1) != H or H and not 0 <= min(perm) <= max(perm) < H:
        raise InputError(f"network: weights must be +1/-1 and the permutation indices in 0..{H - 1}")
    net = {"H": H, "weights": w, "permutation": perm, "biases": _array(d, "biases", H), "pool": _array(d, "pool", H),
           "domain": _array(d, "domain", 2)}
    net["coefficients"] = _array(d, "coefficients", H) if "coefficients" in d else \
        array("d", map(net["pool"].__getitem__, perm))
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
                    for k, v in ex.items() if isinstance(v, (list, str)) and set(map(type, v)) <= {str}}
    if not isinstance(ex, dict) or set(ex) - {"biases", "pool", "scale", "shift"} or len(net["exact"]) < len(ex) \
            or any(v.translate(_RATIONAL) or v.count("/") != v.count(",") + 1 for v in net["exact"].values()):
        raise InputError("network: exact must map biases, pool, scale, shift to rationals 'p/q'")
    return net


def network_sha256(net):
    """The network's name in certificates (the byte rule of :mod:`proofkit.certify`'s docstring)."""
    h = hashlib.sha256(f"{NET}\n{net['activation']}\n".encode() +
                       struct.pack("<Q4d", net["H"], *net["domain"], net["scale"], net["shift"]))
    for key in ("weights", "biases", "pool", "coefficients", "permutation"):
        if sys.byteorder == "big":
            (a := array(net[key].typecode, net[key])).byteswap()
        h.update(a if sys.byteorder == "big" else net[key])
    for key in sorted(net["exact"]):  # as written: text not in lowest terms does not match (a false rejection)
        h.update(f"{key}={net['exact'][key]}\n".encode())
    return h.hexdigest()


def permutation_holds(net):
    """None when coefficients[i] is pool[permutation[i]] bit for bit and the permutation a bijection; else why not."""
    H, pool, perm, co = net["H"], net["pool"], net["permutation"], net["coefficients"]
    if len(set(perm)) != H:
        return f"the permutation is not a bijection of 0..{H - 1} (an index repeats)"
    if array("d", map(pool.__getitem__, perm)).tobytes() != co.tobytes():
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
    """(points, N, D): a, the break-points in (a, b), b (increasing floats) and f_NN there, exactly N[k] / D, by the
    identity of the module docstring in integers (coefficients scaled by 2^Ka, knots by 2^Kt)."""
    W, Ka, Kt = net["weights"], _exponent(net["coefficients"]), max(_exponent(net["biases"]), _exponent([a, b]))
    A, C, (Ta, Tb) = _ints(net["coefficients"], Ka), _ints(net["biases"], Kt), _ints([a, b], Kt)
    J = {}
    get = J.get
    for u, v in zip(map(operator.mul, W, C), A):   # u = w_i c_i = -t_i
        J[u] = get(u, 0) + v
    lw, lc = sum(map(operator.mul, W, A)), sum(map(operator.mul, A, C))    # sum a_i w_i, sum a_i c_i
    U, Jv = list(J), list(J.values())
    S = sum(map(operator.mul, Jv, map(abs, map(Ta.__add__, U))))          # sum_t J(t) |a - t|
    sig = 2 * sum(compress(Jv, map((-Ta).__le__, U))) - sum(Jv)            # its slope right of a
    s, unit = net["slope"], fmpq(1, 2 ** (Ka + Kt))
    c = [_q(net["shift"]), _q(net["scale"]) * (1 + s) / 2 * unit, _q(net["scale"]) * (1 - s) / 2 * unit]
    D = math.lcm(*(int(v.q) for v in c))
    c0, c1, c2 = (int((v * D).p) for v in c)          # f_NN = (c0 + c1 (lw T + lc) + c2 S) / D at x = T / 2^Kt
    pts, N, Tp = [a], [c0 + c1 * (lw * Ta + lc) + c2 * S], Ta
    for t in (sorted(-u for u in compress(U, Jv) if -Tb < u < -Ta) if net["scale"] else []) + [Tb]:
        S, Tp = S + sig * (t - Tp), t
        sig += 2 * get(-t, 0)
        pts.append(t / (1 << Kt) if t != Tb else b)
        N.append(c0 + c1 * (lw * t + lc) + c2 * S)
    return pts, N, D


def line(x, u, v, nu, nv):
    """The value at x of the line through (u, nu) and (v, nv), exactly (fmpq)."""
    return nu + (nv - nu) * (x - u) / (v - u)


def values(N, D):
    return list(map(operator.truediv, map(arb, N), repeat(arb(D))))


def partition(net, a, b, extra):
    """(points, f_NN there as arb balls, number of break-points): :func:`network_pl` merged with the increasing
    ``extra`` points, each strictly inside a piece (f_NN there exactly on the piece's line, then a ball)."""
    pts, N, D = network_pl(net, a, b)
    V = values(N, D)
    if not extra:
        return pts, V, len(pts) - 2
    P, PV, k = [pts[0]], [V[0]], 0
    for i in range(1, len(pts)):
        if k < len(extra):
            qu, qv = _q(pts[i - 1]), _q(pts[i])
        while k < len(extra) and extra[k] < qv:
            if not extra[k] > (extra[k - 1] if k and P[-1] is extra[k - 1] else qu):
                raise Rejected(f"proof: extra point {extra[k]} is not inside a piece, in increasing order")
            P.append(extra[k])
            PV.append(arb(line(extra[k], qu, qv, fmpq(N[i - 1], D), fmpq(N[i], D))))
            k += 1
        P.append(pts[i])
        PV.append(V[i])
    if k < len(extra):
        raise Rejected(f"proof: extra point {extra[k]} is not inside (a, b), in increasing order")
    return P, PV, len(pts) - 2


# ------------------------------------------------------------------------------------------------ targets
_FUNCTIONS = {n: operator.methodcaller(n) for n in "sin cos tan exp log atan asin acos erf erfc".split()}
_FUNCTIONS.update({  # sympy's other function classes, on an arb (a point or a ball) or an arb_series
    "cot": lambda u: u.cos() / u.sin(), "sec": lambda u: 1 / u.cos(), "csc": lambda u: 1 / u.sin(),
    "sinh": lambda u: (u.exp() - (-u).exp()) / 2, "cosh": lambda u: (u.exp() + (-u).exp()) / 2,
    "tanh": lambda u: 1 - 2 / ((2 * u).exp() + 1), "asinh": lambda u: (u + (u * u + 1).sqrt()).log(),
    "acosh": lambda u: (u + (u * u - 1).sqrt()).log(), "atanh": lambda u: ((1 + u) / (1 - u)).log() / 2,
    "sinc": lambda u: u.sinc() if isinstance(u, arb) else _nan_like(u) if u.coeffs()[0].contains(0) else u.sin() / u})
_REL = {"StrictLessThan": ("<", ">="), "LessThan": ("<=", ">"), "StrictGreaterThan": (">", "<="),
        "GreaterThan": (">=", "<")}  # (proves the relation, proves its negation)
_KNOWN = set(_FUNCTIONS) | set(_REL) | {"Symbol", "Pi", "Exp1", "Add", "Mul", "Pow", "Abs", "sign", "Max", "Min",
                                        "Piecewise", "ExprCondPair", "And", "Or", "Not", "BooleanTrue", "BooleanFalse"}
_SIGNS = ((">", operator.gt), (">=", operator.ge), ("<", operator.lt), ("<=", operator.le), ("0", operator.eq))


def _nan_like(u):
    return arb_series([_NAN] * ctx.cap) if isinstance(u, arb_series) else _NAN


def _series(g, X, ends):
    """The first three Taylor coefficients on the ball X of g (a function of a list; nan where arb cannot divide
    by a series whose constant term may be 0)."""
    try:
        c = g([arb_series([X, 1])], ends)[0]
    except (ValueError, ZeroDivisionError):
        return [_NAN] * 3
    return (c.coeffs() + [arb(0)] * 3)[:3] if isinstance(c, arb_series) else [c, arb(0), arb(0)]


def _rpow(u, r):
    """u**r for a rational r (the real branch: u >= 0 unless r is an integer)."""
    if r.q <= 2:
        u = u if r.q == 1 else u.sqrt()
        return u ** int(r.p) if r >= 0 else 1 / u ** int(-r.p)
    if isinstance(u, arb_series) or u > 0:
        return (u.log() * arb(r)).exp()
    return arb(0) if u.is_zero() and r > 0 else arb(0).union((u.upper().log() * arb(r)).exp()) \
        if u >= 0 and r > 0 else _NAN


def _range(g, x, ends):
    """(g on x, the signs g is proved to have on the closed cell or at the point: {">": g > 0 everywhere, ...}).
    Where the series shows g monotone on the cell (g' of one sign), its values at the two (exact) end points
    decide, else its enclosure on the ball."""
    G = g([x], ends)[0]
    R = [G.coeffs()[0] if isinstance(G, arb_series) else G]
    c = (G.coeffs() + [arb(0)] * 2)[1] if isinstance(G, arb_series) else _NAN if isinstance(x, arb_series) \
        else _series(g, x, ends)[1] if ends and not (R[0] > 0 or R[0] < 0) else _NAN  # a ball G on a series x: no g'
    if ends and c.is_finite() and (c >= 0 or c <= 0):
        R = g(list(ends), None)
    return G, {op: all(fn(r, 0) for r in R) for op, fn in _SIGNS}


class Target:
    """f* from its text, read by the shared safe parser :func:`proofkit.expr.parse_target` (a whitelist over
    Python's ``ast``; it builds a sympy tree and executes nothing), evaluated here from the tree's shape (class
    names, arguments, exact rationals; never sympy's numerics or derivatives) on a list ``xs``: arb points (ends
    None; one ``map`` per node), or [the ball or arb_series of a cell] (ends: its end points)."""

    def __init__(self, text):
        try:
            t = parse_target(text)
        except TargetError as exc:
            raise InputError(f"target: {exc}") from None
        self.text, self.expr, self.var, todo = t.text, t.expr, t.var, [t.expr]
        while todo:
            n = todo.pop()
            todo.extend(n.args)
            if not (n.is_Rational or type(n).__name__ in _KNOWN):
                raise InputError(f"target: {type(n).__name__} is not among the functions the checker encloses")

    def __call__(self, x, ends=None):
        return self.ev(self.expr, [x], ends)[0]

    def points(self, xs):
        return self.ev(self.expr, xs, None)

    def enclose(self, X, ends):
        """(F0, F1, F2) containing f*, f*', f*''/2 on the cell (F1 = F2 = nan where they are not known)."""
        c = _series(functools.partial(self.ev, self.expr), X, ends)
        return c if all(v.is_finite() for v in c) else (self(X, ends), _NAN, _NAN)

    def ev(self, n, xs, e):
        name, a = type(n).__name__, n.args
        if n == self.var:
            return xs
        if n.is_Rational or name in ("Pi", "Exp1"):
            return [arb(fmpq(int(n.p), int(n.q))) if n.is_Rational else arb.pi() if name == "Pi" else
                    arb.const_e()] * len(xs)
        if name in ("Add", "Mul"):
            op = operator.add if name == "Add" else operator.mul
            return functools.reduce(lambda p, q: list(map(op, p, q)), [self.ev(b, xs, e) for b in a])
        if name == "Pow" and a[1].is_Rational:
            r = fmpq(int(a[1].p), int(a[1].q))
            if r.q != 1 and not a[0].is_number:
                return self.monotone(a[0], xs, e, lambda u: _rpow(u, r), 0, None)
            return list(map(_rpow, self.ev(a[0], xs, e), repeat(r)))
        if name == "Pow":
            return list(map(lambda u, v: (u.log() * v).exp(), self.ev(a[0], xs, e), self.ev(a[1], xs, e)))
        if name in ("asin", "acos"):
            return self.monotone(a[0], xs, e, _FUNCTIONS[name], -1, 1)
        if name in _FUNCTIONS:
            return list(map(_FUNCTIONS[name], self.ev(a[0], xs, e)))
        return [(self.piecewise if name == "Piecewise" else self.switch)(n, x, e) for x in xs]

    def diff(self, p, q):
        """p - q as a function of a list (q a node, or a number or ball)."""
        return lambda xs, e: list(map(operator.sub, self.ev(p, xs, e), repeat(q) if isinstance(q, (int, arb)) else
                                      self.ev(q, xs, e)))

    def monotone(self, n, xs, e, fn, lo, hi):
        """fn(n) for fn monotone on [lo, hi] (x**r, asin, acos). On a cell where lo <= n (<= hi) is proved, the value
        is the hull of fn at the ends of n's ball cut to [lo, hi]: the ball of a cell spills a little past the
        cell's ends, and sqrt(x) at 0 or asin(x) at 1 would be nan on it."""
        G = self.ev(n, xs, e)
        if not e or not isinstance(G[0], arb) or not _range(self.diff(n, lo), xs[0], e)[1][">="] \
                or hi is not None and not _range(self.diff(n, hi), xs[0], e)[1]["<="]:
            return list(map(fn, G))
        a, b = G[0].lower(), G[0].upper()
        return [fn(arb(lo) if a < lo else a).union(fn(arb(hi) if hi is not None and b > hi else b))]

    def switch(self, n, x, e):
        """Abs, sign, Max, Min: the branch that holds on the whole closed cell, else only the value."""
        name, series = type(n).__name__, isinstance(x, arb_series)
        if name in ("Abs", "sign"):
            G, r = _range(functools.partial(self.ev, n.args[0]), x, e)
            if name == "Abs":
                return G if r[">="] else -G if r["<="] else _nan_like(x) if series else abs(G).nonnegative_part()
            return arb(1) if r[">"] else arb(-1) if r["<"] else arb(0) if r["0"] else _nan_like(x) if series \
                else arb(0, 1)
        best = n.args[0]
        for c in n.args[1:]:
            r = _range(self.diff(c, best), x, e)[1]
            if r[">="] or r["<="]:
                best = c if r[">="] == (name == "Max") else best
            elif series:
                return _nan_like(x)
            else:   # at a point or on a ball: the max (min) of the two enclosures (best may be one already)
                best = getattr(best if isinstance(best, arb) else self.ev(best, [x], e)[0], name.lower())(
                    self.ev(c, [x], e)[0])
        return best if isinstance(best, arb) else self.ev(best, [x], e)[0]

    def piecewise(self, n, x, e):
        """The first branch whose condition holds; where that is undecided, the union of the possible ones."""
        out = None
        for p in n.args:
            c = self.cond(p.cond, x, e)
            if c is None and isinstance(x, arb_series):
                return _nan_like(x)
            if c is not False:
                v = self.ev(p.expr, [x], e)[0]
                out = v if out is None else out.union(v)
                if c is True:
                    return out
        return _nan_like(x)

    def cond(self, n, x, e):
        """A Piecewise condition on x: True, False or None (undecided)."""
        name = type(n).__name__
        if name in ("BooleanTrue", "BooleanFalse"):
            return name == "BooleanTrue"
        if name in _REL:
            s = _range(self.diff(n.lhs, n.rhs), x, e)[1]
            return True if s[_REL[name][0]] else False if s[_REL[name][1]] else None
        v = [self.cond(c, x, e) for c in n.args]
        hit = name == "Or"   # the value that decides Or (True) and And (False)
        return (None if v[0] is None else not v[0]) if name == "Not" else hit if hit in v else \
            None if None in v else not hit


# ------------------------------------------------------------------------------------------------ bounds
def _bound2(eu, ev, w, m2):
    """The second-order bound of the module docstring, every operation rounded up."""
    K, D, avg = _up(_up(_up(m2 * w) * w) * 0.5), _up(abs(ev - eu)), _up((eu + ev) * 0.5)
    if D <= K and K > 0:
        return _up(_up(avg + _up(K * 0.25)) + _up(_up(D * D) / (4.0 * K)))
    return _up(avg + D * 0.5)


def errors(f, X, V):
    """Floats >= |f*(x) - f_NN(x)| at the points (arb X) where f_NN is in the balls V."""
    return list(map(_aup, map(operator.sub, f.points(X), V)))


def cell_bounds(limit, P, X, V, E, i, j, F, m2):
    """For each piece p in i..j-1 (ends P, as arb X, f_NN in V, errors E) of a cell with enclosures F and stated
    m2: the first bound of the module docstring that is <= limit, else the smallest."""
    w = [_up(v - u) if type(u) is type(v) is float else _aup(xv - xu)
         for u, v, xu, xv in zip(P[i:j], P[i + 1:j + 1], X[i:j], X[i + 1:j + 1])]
    out = list(map(_bound2, E[i:j], E[i + 1:j + 1], w, repeat(m2))) if m2 is not None else [_INF] * (j - i)
    for k, p in ((k, i + k) for k, e in enumerate(out) if not e <= limit):
        if F[1].is_finite() and not (F[1] - (V[p + 1] - V[p]) / (X[p + 1] - X[p])).contains(0):
            out[k] = min(out[k], max(E[p], E[p + 1]))
        if not out[k] <= limit and F[0].is_finite():
            out[k] = min(out[k], _aup(F[0] - V[p].union(V[p + 1])))
    return out


def cell_ball(u, v):
    X = arb(u).union(arb(v))
    return X.nonnegative_part() if u >= 0 else X


# ------------------------------------------------------------------------------------------------ the check
def read_certificate(c):
    """(domain, U, eps, network_sha256, proof, extra points, cells) of a ``proofkit.certificate/3`` dictionary."""
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
    cells = [(i, j, None if m2 is None else float(m2), float(B)) for i, j, m2, B in cells]
    return (float(dom[0]), float(dom[1])), float(U), eps, c["network_sha256"], w, [_q(x) for x in extra], cells


def _fmt_up(x):
    """x rounded up to 6 significant digits (a printed upper bound is never below the bound)."""
    with localcontext() as c:
        c.prec, c.rounding = 6, ROUND_CEILING
        return str(+Decimal(x))


def check(net_path, cert_path, target=None):
    """Every check, in order, on the two files (docs/trust.md); returns the report lines, raises InputError or
    Rejected."""
    c = read_json(cert_path, "certificate")
    return check_data(read_json(net_path, "network"), c, target, net_path)


def check_data(net_dict, c, target=None, net_path="network"):
    """:func:`check` on the two JSON dictionaries: formats, target, hash, permutation, break-points, coverage, the
    bound of every piece, every cell bound <= U <= eps."""
    (a, b), U, eps, sha, wit, extra, cells = read_certificate(c)
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
        P, V, knots = partition(net, a, b, extra)
        n = len(P) - 1
        if knots != wit["knots"]:
            raise Rejected(f"proof: made for {wit['knots']} break-points in (a, b); the network has {knots} there")
        for k, (i, j, m2, B) in enumerate(cells):
            if i != (cells[k - 1][1] if k else 0) or not i < j <= n:
                raise Rejected(f"proof: cell {k} holds pieces {i}..{j - 1}: the cells do not cover the {n} pieces")
        if not cells or cells[-1][1] != n:
            raise Rejected(f"proof: the cells do not cover all {n} pieces of [{a!r}, {b!r}]")
        X = list(map(arb, P))
        E = errors(f, X, V)
        for k, (i, j, m2, B) in enumerate(cells):
            F = f.enclose(cell_ball(P[i], P[j]), (X[i], X[j]))
            if m2 is not None and not 2 * _aup(F[2]) <= m2:
                raise Rejected(f"cell {k}: sup|f''| on [{float(P[i]):.17g}, {float(P[j]):.17g}] is enclosed by "
                               f"{2 * _aup(F[2]):.6g}, not by m2 = {m2!r}")
            e = cell_bounds(B, P, X, V, E, i, j, F, m2)
            p = next((i + k for k in range(j - i) if not e[k] <= B), None) if not all(map(B.__ge__, e)) else None
            if p is not None:
                raise Rejected(f"piece [{float(P[p]):.17g}, {float(P[p + 1]):.17g}]: its bound {e[p - i]:.17g} "
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
