r"""Symbolic (sympy) proofs of the building-block identities of the proofs of arXiv 2407.01033 (four-pair step, constant matching, linear reorganisation).

Every proof starts from the *assignment* returned by a function of :mod:`proofkit.blocks` (which signed
pool value :math:`\pm b_j` each pair receives), never from a hand-copied coefficient list, so a change in
``blocks`` is caught here. The block function is

.. math:: f(x)=\sum_k \Big(p_k\,\max(x-c_k,0)+q_k\,\max(c_k-x,0)\Big),\qquad
          \varphi_k^+=\sigma(x-c_k),\ \varphi_k^-=\sigma(c_k-x),

with symbolic biases :math:`c_1<c_2<c_3<c_4` written as :math:`c_2=c_1+d_1,\ c_3=c_2+d_2,\ c_4=c_3+d_3`
(:math:`d_i>0`), as a symmetric quadruple :math:`(c_1,\,c_1+a,\,c_1+a+e,\,c_1+2a+e)` (:math:`a,e>0`, i.e.
:math:`c_1+c_4=c_2+c_3`), or equally spaced :math:`c_k=c_1+(k-1)D` (:math:`D>0`). On each interval between
consecutive biases every :math:`\max(\pm(x-c_k),0)` is either its argument or 0; the sign is decided by
sympy's assumption system at an interior point of the interval (an undecidable sign is an error, never a
guess). So :math:`f` is handled as a list of polynomials of degree :math:`\le1` in :math:`x`, one per
interval, and every claim is reduced to polynomial identities (expand/simplify to exactly 0), to maxima
of finitely many endpoint values (sup norms of piecewise-linear functions) or to exact integrals of
polynomials (:math:`L^2` norms). Claims that involve a second piecewise function (the ideal step
:math:`h\,\mathbf 1[x\ge s]`, the clip ramp, the mirror image :math:`x\mapsto 2s-x`) are checked on the
common refinement of both partitions, so each sub-interval lies inside one piece of each function.

A :class:`Proof` records the statement, the simplified residual (lhs - rhs), the verdict
(``"proved"`` only if the residual is exactly 0, or an inequality is decided true) and a LaTeX rendering.
:func:`prove_blocks` runs them all and accepts alternative block functions, so a deliberately broken block
is seen to fail.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from fractions import Fraction

import sympy as sp

from . import blocks as _blocks
from .errors import ProofkitError

__all__ = ["Proof", "SymbolicError", "BlockFunction", "block_function", "prove_step_block",
           "prove_anchored_ramp", "prove_constant_block", "prove_linear_pair", "prove_sign_selection",
           "prove_permutation", "prove_reorganisation", "prove_blocks", "demo_network", "DEFAULT_GAPS", "render_text",
           "render_latex"]


class SymbolicError(ProofkitError):
    """Bad input to a symbolic proof (a network without exact data, an empty gap list, ...)."""


class _Undecided(Exception):
    """sympy's assumptions cannot decide a sign that a proof step needs."""


# ------------------------------------------------------------------------------------------ symbols
X = sp.Symbol("x", real=True)
C = sp.symbols("c_1 c_2 c_3 c_4", real=True)           # display symbols c_1..c_4
C1 = sp.Symbol("c_1", real=True)                        # the free position
GAPS = sp.symbols("d_1 d_2 d_3", positive=True)
A_OUT, E_IN = sp.symbols("a e", positive=True)
D = sp.Symbol("D", positive=True)
V = sp.Symbol("v", real=True)
B = sp.Symbol("b", real=True)


def _general_quad():
    d1, d2, d3 = GAPS
    return (C1, C1 + d1, C1 + d1 + d2, C1 + d1 + d2 + d3)


def _symmetric_quad():
    return (C1, C1 + A_OUT, C1 + A_OUT + E_IN, C1 + 2 * A_OUT + E_IN)


def _equal_quad():
    return tuple(C1 + k * D for k in range(4))


_ASSUME = {
    "general": "c_1 real; c_2=c_1+d_1, c_3=c_2+d_2, c_4=c_3+d_3 with d_1,d_2,d_3>0",
    "symmetric": "symmetric quadruple: c_1 real, c_2=c_1+a, c_3=c_2+e, c_4=c_3+a with a,e>0 (c_1+c_4=c_2+c_3)",
    "equal": "equal spacing: c_k=c_1+(k-1)D, c_1 real, D>0",
}
_QUADS = {"general": _general_quad, "symmetric": _symmetric_quad, "equal": _equal_quad}


def _subs(quad):
    return dict(zip(C, quad))


# ------------------------------------------------------------------------------------------ proofs
@dataclass(frozen=True)
class Proof:
    """One checked identity.

    ``name`` a short id (``"step.height"``), ``statement`` readable text, ``assumptions`` the hypotheses
    on the symbols, ``residual`` the simplified lhs - rhs (a sympy object; a Tuple for several
    identities at once; for an inequality the quantity shown to have the stated sign), ``verdict``
    ``"proved"`` or ``"failed"``, ``latex`` the claim in LaTeX, ``note`` why a proof failed when the cause
    was not a nonzero residual (e.g. an undecidable sign).
    """

    name: str
    statement: str
    assumptions: str
    residual: object
    verdict: str
    latex: str
    note: str = ""
    kind: str = "identity"

    @property
    def proved(self) -> bool:
        return self.verdict == "proved"

    def __bool__(self):
        return self.proved


def _is_zero(r) -> bool:
    if isinstance(r, (sp.Tuple, tuple, list)):
        return all(_is_zero(e) for e in r)
    return sp.sympify(r) == 0


def _simplify(e):
    e = sp.expand(e)
    if e == 0 or not e.has(sp.Max, sp.Min, sp.Abs, sp.Piecewise, sp.oo, -sp.oo):
        return sp.factor(e) if e != 0 else e
    return sp.simplify(e)


def _identity(name, statement, assumptions, computed, claimed, lhs_tex, rhs_display=None):
    """Proof of computed == claimed (elementwise for tuples); residual = simplify(computed - claimed)."""
    if isinstance(computed, (tuple, list)):
        residual = sp.Tuple(*[_simplify(a - b) for a, b in zip(computed, claimed, strict=True)])
    else:
        residual = _simplify(computed - claimed)
    verdict = "proved" if _is_zero(residual) else "failed"
    shown = claimed if rhs_display is None else rhs_display
    rhs_tex = sp.latex(sp.Tuple(*shown) if isinstance(shown, (tuple, list)) else shown)
    return Proof(name, statement, assumptions, residual, verdict, f"{lhs_tex} = {rhs_tex}")


def _inequality(name, statement, assumptions, quantities, relation_tex, lhs_tex):
    """Proof that every quantity is >= 0 (decided by sympy's assumptions, no numerics)."""
    qs = [_simplify(q) for q in quantities]
    ok = all(q.is_nonnegative is True for q in qs)
    return Proof(name, statement, assumptions, sp.Tuple(*qs), "proved" if ok else "failed",
                 f"{lhs_tex} {relation_tex}",
                 "" if ok else "sympy could not show every quantity is >= 0", kind="inequality")


def _guard(name, statement, assumptions, fn):
    """Run a proof step; an exception (undecidable sign, malformed block) is a failed proof, not a crash."""
    try:
        out = fn()
    except (_Undecided, ValueError, TypeError, KeyError, IndexError, ZeroDivisionError) as exc:
        return [Proof(name, statement, assumptions, sp.nan, "failed", r"\text{not established}",
                      f"{type(exc).__name__}: {exc}")]
    return out if isinstance(out, list) else [out]


# ------------------------------------------------------------------------------------------ signs
def _sign(e) -> int:
    """Sign of a symbolic expression (+1, -1, 0) decided by sympy's assumptions, else _Undecided."""
    e = sp.expand(e)
    if e == 0:
        return 0
    if e.is_positive is True:
        return 1
    if e.is_negative is True:
        return -1
    f = sp.factor(e)
    if f.is_positive is True:
        return 1
    if f.is_negative is True:
        return -1
    raise _Undecided(f"cannot decide the sign of {e}")


def _sorted_unique(values):
    """Sort symbolic reals (signs of differences decided by assumptions), merging equal ones."""
    out = []
    for v in values:
        pos = len(out)
        for i, w in enumerate(out):
            s = _sign(v - w)
            if s == 0:
                pos = None
                break
            if s < 0:
                pos = i
                break
        if pos is not None:
            out.insert(pos, v)
    return out


def _intervals(breaks):
    """[(lo, hi, sample)] for the partition of R by ``breaks`` (lo/hi None for -oo/+oo)."""
    if not breaks:
        return [(None, None, sp.Integer(0))]
    out = [(None, breaks[0], breaks[0] - 1)]
    for lo, hi in zip(breaks[:-1], breaks[1:]):
        out.append((lo, hi, (lo + hi) / 2))
    out.append((breaks[-1], None, breaks[-1] + 1))
    return out


# ------------------------------------------------------------------------------------------ block function
@dataclass(frozen=True)
class BlockFunction:
    r"""A block's function :math:`\sum_k p_k\sigma(x-c_k)+q_k\sigma(c_k-x)` as polynomials on intervals.

    ``expr`` is the sum of ``Max`` terms, ``breaks`` the sorted distinct biases of its pairs,
    ``pieces[j]`` the polynomial in ``x`` on the j-th interval of the partition by ``breaks``
    (``pieces[0]`` left of the first bias, ``pieces[-1]`` right of the last), ``coefficients`` the list of
    (bias, p, q) per pair.
    """

    expr: sp.Expr
    breaks: tuple
    pieces: tuple
    coefficients: tuple

    def piece_at(self, point) -> sp.Expr:
        """The polynomial valid on the open interval that contains ``point`` (not a bias)."""
        idx = 0
        for c in self.breaks:
            s = _sign(point - c)
            if s == 0:
                raise _Undecided(f"point {point} is a bias; pick an interior point")
            if s > 0:
                idx += 1
        return self.pieces[idx]

    @property
    def left(self) -> sp.Expr:
        return self.pieces[0]

    @property
    def right(self) -> sp.Expr:
        return self.pieces[-1]

    def value(self, point) -> sp.Expr:
        """f(point) evaluated from the Max expression (valid at biases too)."""
        return _eval_max(self.expr.subs(X, point))


def _eval_max(e):
    """Resolve Max(u, 0) terms whose sign sympy can decide."""
    def rep(*args):
        if len(args) != 2 or 0 not in args:
            return sp.Max(*args)
        u = args[1] if args[0] == 0 else args[0]
        return u if _sign(u) >= 0 else sp.Integer(0)
    return sp.expand(e.replace(sp.Max, rep))


def block_function(assign, biases) -> BlockFunction:
    r"""The function of a block assignment with symbolic biases.

    ``assign`` is ``{pair k: (Ref p, Ref q)}`` from :mod:`proofkit.blocks`; ``biases`` maps a pool index
    j to the sympy value :math:`b_j` (a list or dict; it must cover every pair and every referenced
    index). Each pair contributes :math:`p\max(x-b_k,0)+q\max(b_k-x,0)` with :math:`p=\text{sign}\cdot b_j`.
    The pieces are obtained by replacing every ``Max(u, 0)`` on each interval by ``u`` or 0 according to
    the sign of ``u`` at an interior point (decided by assumptions; raises if undecidable).
    """
    terms, coeffs = [], []
    for k, (p, q) in assign.items():
        ck = biases[k]
        pv, qv = p.value(biases), q.value(biases)
        coeffs.append((ck, pv, qv))
        terms.append(pv * sp.Max(X - ck, 0) + qv * sp.Max(ck - X, 0))
    expr = sp.Add(*terms)
    breaks = _sorted_unique([c for c, _, _ in coeffs])
    pieces = []
    for _lo, _hi, sample in _intervals(breaks):
        def rep(*args, _s=sample):
            if len(args) != 2 or 0 not in args:
                raise _Undecided(f"unexpected Max{args}")
            u = args[1] if args[0] == 0 else args[0]
            return u if _sign(u.subs(X, _s)) > 0 else sp.Integer(0)
        pieces.append(sp.expand(expr.replace(sp.Max, rep)))
    return BlockFunction(expr, tuple(breaks), tuple(pieces), tuple(coeffs))


def _piecewise_at(pw, point):
    """The branch of a sympy Piecewise that holds at ``point`` (conditions decided by assumptions)."""
    for e, cond in pw.args:
        truth = cond.subs(X, point)
        if truth is sp.true or truth is True:
            return e
        if truth is sp.false or truth is False:
            continue
        raise _Undecided(f"cannot decide condition {cond} at x = {point}")
    raise _Undecided("no branch of the Piecewise holds")


def _pw_breaks(pw):
    """Break points of a Piecewise whose conditions are (in)equalities in x with linear sides."""
    out = []
    for _e, cond in pw.args:
        for rel in cond.atoms(sp.core.relational.Relational):
            sol = sp.solve(sp.Eq(rel.lhs, rel.rhs), X)
            out.extend(sol)
    return out


def _difference_pieces(f: BlockFunction, g=None, extra=()):
    """[(lo, hi, f - g)] on the common refinement of f's biases, g's break points and ``extra``.

    ``g`` is a sympy Piecewise in x (or None for 0). Each difference is a polynomial in x.
    """
    brk = list(f.breaks) + list(extra)
    if g is not None:
        brk += _pw_breaks(g)
    out = []
    for lo, hi, sample in _intervals(_sorted_unique(brk)):
        diff = f.piece_at(sample) - (0 if g is None else _piecewise_at(g, sample))
        out.append((lo, hi, sp.expand(diff)))
    return out


def _sup_abs(pieces):
    """sup_x |e(x)| of a piecewise polynomial of degree <= 1: max of endpoint values (oo if unbounded)."""
    vals = []
    for lo, hi, e in pieces:
        if sp.degree(e, X) > 1:
            raise ValueError("piece of degree > 1: not a piecewise-linear difference")
        if (lo is None or hi is None) and sp.diff(e, X) != 0:
            return sp.oo
        for end in (lo, hi):
            vals.append(sp.Abs(e.subs(X, end if end is not None else 0)))
    return sp.Max(*vals)


def _l2_squared(pieces):
    """Integral over R of e(x)^2 (exact; oo if a nonzero piece is unbounded)."""
    total = sp.Integer(0)
    for lo, hi, e in pieces:
        if lo is None or hi is None:
            if sp.expand(e) != 0:
                return sp.oo
            continue
        total += sp.integrate(sp.expand(e ** 2), (X, lo, hi))
    return sp.expand(total)


def _consumed(assign):
    """Multiset of the signed pool values (sign, j) an assignment hands out."""
    return Counter((r.sign, r.j) for pq in assign.values() for r in pq)


def _own_values_proof(name, label, assign, keys):
    want = Counter((s, k) for k in keys for s in (1, -1))
    got = _consumed(assign)
    extra = sorted((got - want).elements())
    missing = sorted((want - got).elements())
    ok = not extra and not missing and sorted(assign) == sorted(keys)
    stmt = f"{label} uses exactly the pool values +-c_1..+-c_4 of its own four pairs, each once"
    res = sp.Integer(len(extra) + len(missing))
    note = "" if ok else f"extra {extra}, missing {missing}, pairs {sorted(assign)}"
    return Proof(name, stmt, "any biases", res, "proved" if ok else "failed",
                 r"\{p_k, q_k\}_{k=1}^4 = \{\pm c_1, \pm c_2, \pm c_3, \pm c_4\}", note)


def _block(fn, kind, sign=1):
    quad = _QUADS[kind]()
    assign = fn(0, 1, 2, 3, sign=sign) if sign != 1 else fn(0, 1, 2, 3)
    return assign, block_function(assign, list(quad)), quad


# ------------------------------------------------------------------------------------------ step block
def prove_step_block(step=_blocks.step_block) -> list[Proof]:
    r"""Facts of the symmetric four-pair step block (the four-pair step approximator of arXiv 2407.01033), derived from ``step(k1..k4)``.

    With :math:`f` the block function, :math:`L` its constant left of :math:`c_1` and
    :math:`h=f(+\infty)-L`: :math:`\sum p=\sum q=0`; :math:`f` constant left of :math:`c_1` and right of
    :math:`c_4` (any biases); :math:`h=(c_2-c_1)(c_4-c_1)-(c_3-c_2)(c_4-c_3)` (any biases) and
    :math:`h=2D^2` for spacing D (no :math:`c_1`); :math:`L=c_1c_2+c_2c_3-c_3^2-c_2c_4`; on a symmetric
    quadruple the profile :math:`f-L` is :math:`0,h/2,h/2,h` at :math:`c_1..c_4`, linear in between,
    non-decreasing, point-symmetric about :math:`(s,h/2)`, :math:`s=(c_2+c_3)/2`; the sup error against
    :math:`L+h\mathbf 1[x\ge s]` is :math:`h/2`; for spacing D the squared :math:`L^2` error is
    :math:`\tfrac5{12}h^2D`; ``sign=-1`` gives :math:`-f`.
    """
    out: list[Proof] = []
    g = _ASSUME["general"]
    h_formula = (C[1] - C[0]) * (C[3] - C[0]) - (C[2] - C[1]) * (C[3] - C[2])

    def own():
        return _own_values_proof("step.values", "the step block", step(0, 1, 2, 3), [0, 1, 2, 3])
    out += _guard("step.values", "the step block uses exactly +-c_1..+-c_4", "any biases", own)

    def sums():
        assign, f, quad = _block(step, "general")
        ps = sum(pv for _, pv, _ in f.coefficients)
        qs = sum(qv for _, _, qv in f.coefficients)
        return _identity("step.sums", "sum_k p_k = 0 and sum_k q_k = 0 (the block is local)", g,
                         (ps, qs), (0, 0), r"\left(\sum_k p_k, \sum_k q_k\right)")
    out += _guard("step.sums", "sum p = sum q = 0", g, sums)

    def flat():
        _, f, _ = _block(step, "general")
        return _identity("step.flat_ends", "f is constant left of c_1 and right of c_4 (zero slopes)", g,
                         (sp.diff(f.left, X), sp.diff(f.right, X)), (0, 0),
                         r"\left(f'|_{x<c_1}, f'|_{x>c_4}\right)")
    out += _guard("step.flat_ends", "f constant outside [c_1, c_4]", g, flat)

    def height():
        _, f, quad = _block(step, "general")
        h = f.right - f.left
        left = C[0] * C[1] + C[1] * C[2] - C[2] ** 2 - C[1] * C[3]
        return [
            _identity("step.height", "step height h = f(x>c_4) - f(x<c_1) = (c_2-c_1)(c_4-c_1) - (c_3-c_2)(c_4-c_3)",
                      g, h, h_formula.subs(_subs(quad)), "h", h_formula),
            _identity("step.height_helper", "blocks.step_height agrees with the derived height", g,
                      h, _blocks.step_height(*quad), r"\texttt{step\_height}(c_1,\dots,c_4)", h_formula),
            _identity("step.left_constant", "left constant L = sum_k q_k c_k = c_1 c_2 + c_2 c_3 - c_3^2 - c_2 c_4",
                      g, (f.left, sum(qv * c for c, _, qv in f.coefficients)), (left.subs(_subs(quad)),) * 2,
                      r"\left(L, \sum_k q_k c_k\right)", (left, left)),
        ]
    out += _guard("step.height", "height formula", g, height)

    def height_equal():
        _, f, _ = _block(step, "equal")
        h = f.right - f.left
        return [
            _identity("step.height_equal", "equal spacing D: h = 2 D^2, independent of the position c_1",
                      _ASSUME["equal"], h, 2 * D ** 2, "h"),
            _identity("step.left_constant_equal", "equal spacing D: L = -4 c_1 D - 5 D^2",
                      _ASSUME["equal"], f.left, -4 * C1 * D - 5 * D ** 2, "L"),
        ]
    out += _guard("step.height_equal", "h = 2D^2", _ASSUME["equal"], height_equal)

    sym = _ASSUME["symmetric"]

    def profile():
        _, f, quad = _block(step, "symmetric")
        L, h = f.left, f.right - f.left
        vals = [f.value(c) - L for c in quad]
        res = [_identity("step.profile", "profile f - L at c_1, c_2, c_3, c_4 is 0, h/2, h/2, h", sym,
                         vals, [0, h / 2, h / 2, h], r"\left(f(c_k) - L\right)_{k=1}^{4}",
                         [0, sp.Symbol("h") / 2, sp.Symbol("h") / 2, sp.Symbol("h")])]
        lin = []
        for j in range(3):
            lo, hi = quad[j], quad[j + 1]
            interp = f.value(lo) + (f.value(hi) - f.value(lo)) * (X - lo) / (hi - lo)
            lin.append(f.piece_at((lo + hi) / 2) - interp)
        res.append(_identity("step.linear_between", "f is the linear interpolant of those values on "
                             "[c_1,c_2], [c_2,c_3], [c_3,c_4]", sym, lin, [0, 0, 0],
                             r"f - \text{interp}\big|_{[c_k,c_{k+1}]}"))
        slopes = [sp.diff(p, X) for p in f.pieces]
        res.append(_inequality("step.monotone", "f is non-decreasing (every slope >= 0)", sym, slopes,
                               r"\ge 0", r"f'\big|_{\text{pieces}}"))
        return res
    out += _guard("step.profile", "profile 0, h/2, h/2, h", sym, profile)

    def symmetry():
        _, f, quad = _block(step, "symmetric")
        L, h = f.left, f.right - f.left
        s = (quad[1] + quad[2]) / 2
        brk = _sorted_unique(list(f.breaks) + [2 * s - c for c in f.breaks])
        res = []
        for _lo, _hi, sample in _intervals(brk):
            res.append(f.piece_at(sample) + f.piece_at(2 * s - sample).subs(X, 2 * s - X) - 2 * L - h)
        return _identity("step.symmetry", "point symmetry about (s, h/2), s = (c_2+c_3)/2: "
                         "(f(s+t) - L) + (f(s-t) - L) = h for all t", sym, res, [0] * len(res),
                         r"f(s+t) + f(s-t) - 2L - h")
    out += _guard("step.symmetry", "symmetry about s", sym, symmetry)

    def sup_error():
        _, f, quad = _block(step, "symmetric")
        L, h = f.left, f.right - f.left
        s = (quad[1] + quad[2]) / 2
        ideal = sp.Piecewise((L, X < s), (L + h, True))
        sup = _sup_abs(_difference_pieces(f, ideal))
        return _identity("step.sup_error", "sup_x |f(x) - (L + h 1[x >= s])| = h/2", sym, sup, h / 2,
                         r"\sup_x \left|f(x) - L - h\,\mathbf{1}[x\ge s]\right|", sp.Symbol("h") / 2)
    out += _guard("step.sup_error", "sup error h/2", sym, sup_error)

    def l2_error():
        res = []
        _, f, quad = _block(step, "equal")
        L, h = f.left, f.right - f.left
        s = (quad[1] + quad[2]) / 2
        ideal = sp.Piecewise((L, X < s), (L + h, True))
        e2 = _l2_squared(_difference_pieces(f, ideal))
        res.append(_identity("step.l2_error", "equal spacing D: int (f - L - h 1[x >= s])^2 dx = (5/12) h^2 D",
                             _ASSUME["equal"], e2, sp.Rational(5, 12) * h ** 2 * D,
                             r"\int_{\mathbb R}\left(f - L - h\,\mathbf 1[x\ge s]\right)^2dx",
                             sp.Rational(5, 12) * sp.Symbol("h") ** 2 * D))
        _, f, quad = _block(step, "symmetric")
        L, h = f.left, f.right - f.left
        s = (quad[1] + quad[2]) / 2
        e2 = _l2_squared(_difference_pieces(f, sp.Piecewise((L, X < s), (L + h, True))))
        res.append(_identity("step.l2_error_symmetric", "symmetric quadruple: squared L2 error = "
                             "h^2 (2a/3 + e)/4", sym, e2, h ** 2 * (2 * A_OUT / 3 + E_IN) / 4,
                             r"\int_{\mathbb R}\left(f - L - h\,\mathbf 1[x\ge s]\right)^2dx",
                             sp.Symbol("h") ** 2 * (2 * A_OUT / 3 + E_IN) / 4))
        return res
    out += _guard("step.l2_error", "L2 error", _ASSUME["equal"], l2_error)

    def negation():
        _, f, _ = _block(step, "general")
        _, fm, _ = _block(step, "general", sign=-1)
        res = [fm.pieces[j] + f.pieces[j] for j in range(len(f.pieces))]
        return _identity("step.down", "sign=-1 gives the down-step -f (height -h)", g, res, [0] * len(res),
                         r"f_{\text{sign}=-1} + f")
    out += _guard("step.down", "down-step", g, negation)
    return out


# ------------------------------------------------------------------------------------------ anchored ramp
def prove_anchored_ramp(ramp=_blocks.anchored_ramp_block) -> list[Proof]:
    r"""Facts of the anchored ramp block (the four-pair step approximator of arXiv 2407.01033), derived from ``ramp(k1..k4)``.

    :math:`\sum_kq_kc_k=0` for any biases; on a symmetric quadruple :math:`\sum p=\sum q=0`,
    :math:`f\equiv0` on :math:`x\le c_2`, :math:`f\equiv h=(c_3-c_2)(c_4-c_1)` on :math:`x\ge c_3`
    (:math:`3D^2` for spacing D), :math:`f=h\,\mathrm{clip}((x-c_2)/(c_3-c_2),0,1)` exactly, sup error
    :math:`h/2` and squared :math:`L^2` error :math:`h^2(c_3-c_2)/12` against :math:`h\mathbf 1[x\ge s]`.
    """
    out: list[Proof] = []
    g, sym, eq = _ASSUME["general"], _ASSUME["symmetric"], _ASSUME["equal"]
    hs = sp.Symbol("h")

    out += _guard("ramp.values", "the ramp uses exactly +-c_1..+-c_4", "any biases",
                  lambda: _own_values_proof("ramp.values", "the anchored ramp", ramp(0, 1, 2, 3), [0, 1, 2, 3]))

    def qc():
        _, f, _ = _block(ramp, "general")
        return _identity("ramp.sum_qc", "sum_k q_k c_k = 0 for any biases", g,
                         sum(qv * c for c, _, qv in f.coefficients), 0, r"\sum_k q_k c_k")
    out += _guard("ramp.sum_qc", "sum q c = 0", g, qc)

    def sums():
        _, f, _ = _block(ramp, "symmetric")
        return _identity("ramp.sums", "sum_k p_k = sum_k q_k = 0 on a symmetric quadruple", sym,
                         (sum(pv for _, pv, _ in f.coefficients), sum(qv for _, _, qv in f.coefficients)),
                         (0, 0), r"\left(\sum_k p_k, \sum_k q_k\right)")
    out += _guard("ramp.sums", "sum p = sum q = 0", sym, sums)

    def shape():
        _, f, quad = _block(ramp, "symmetric")
        h = (C[2] - C[1]) * (C[3] - C[0])
        hq = h.subs(_subs(quad))
        left = [f.piece_at(quad[0] - 1), f.piece_at((quad[0] + quad[1]) / 2)]
        right = [f.piece_at((quad[2] + quad[3]) / 2), f.piece_at(quad[3] + 1)]
        clip = sp.Piecewise((0, X < quad[1]), (hq * (X - quad[1]) / (quad[2] - quad[1]), X < quad[2]), (hq, True))
        diffs = [e for _, _, e in _difference_pieces(f, clip)]
        return [
            _identity("ramp.zero_left", "f = 0 on x <= c_2", sym, left, [0, 0], r"\left(f\big|_{x<c_1},\ f\big|_{[c_1,c_2]}\right)"),
            _identity("ramp.top", "f = h = (c_3-c_2)(c_4-c_1) on x >= c_3", sym, right, [hq, hq],
                      r"\left(f\big|_{[c_3,c_4]},\ f\big|_{x>c_4}\right)", [h, h]),
            _identity("ramp.clip", "f = h clip((x-c_2)/(c_3-c_2), 0, 1) exactly (so linear on [c_2, c_3])", sym,
                      diffs, [0] * len(diffs), r"f - h\,\mathrm{clip}\!\left(\frac{x-c_2}{c_3-c_2},0,1\right)"),
        ]
    out += _guard("ramp.shape", "ramp shape", sym, shape)

    def height_equal():
        _, f, _ = _block(ramp, "equal")
        return _identity("ramp.height_equal", "equal spacing D: h = 3 D^2", eq, f.right - f.left, 3 * D ** 2, "h")
    out += _guard("ramp.height_equal", "h = 3D^2", eq, height_equal)

    def errors():
        _, f, quad = _block(ramp, "symmetric")
        h = f.right - f.left
        s = (quad[1] + quad[2]) / 2
        ideal = sp.Piecewise((0, X < s), (h, True))
        pieces = _difference_pieces(f, ideal)
        return [
            _identity("ramp.sup_error", "sup_x |f(x) - h 1[x >= s]| = h/2, s = (c_2+c_3)/2", sym,
                      _sup_abs(pieces), h / 2, r"\sup_x|f(x)-h\,\mathbf 1[x\ge s]|", hs / 2),
            _identity("ramp.l2_error", "int (f - h 1[x >= s])^2 dx = h^2 (c_3 - c_2)/12", sym,
                      _l2_squared(pieces), h ** 2 * (quad[2] - quad[1]) / 12,
                      r"\int_{\mathbb R}(f-h\,\mathbf 1[x\ge s])^2dx", hs ** 2 * (C[2] - C[1]) / 12),
        ]
    out += _guard("ramp.errors", "ramp errors", sym, errors)
    return out


# ------------------------------------------------------------------------------------------ constant block
def prove_constant_block(constant=_blocks.constant_block) -> list[Proof]:
    r"""Facts of the constant-matching block (the constant-matching approximator of arXiv 2407.01033), derived from ``constant(k1..k4)``.

    Every pair is in linear mode; :math:`f(x)=(c_4-c_3-c_2+c_1)\,x-2(c_1c_4-c_2c_3)` on every interval
    (any biases), which ``blocks.pair_function`` reproduces; for spacing D, slope 0 and value
    :math:`4D^2` (independent of :math:`c_1`); ``sign=-1`` gives :math:`-4D^2`.
    """
    out: list[Proof] = []
    g, eq = _ASSUME["general"], _ASSUME["equal"]
    out += _guard("constant.values", "the constant block uses exactly +-c_1..+-c_4", "any biases",
                  lambda: _own_values_proof("constant.values", "the constant block", constant(0, 1, 2, 3),
                                            [0, 1, 2, 3]))

    def linear():
        assign, f, quad = _block(constant, "general")
        lin = (C[3] - C[2] - C[1] + C[0]) * X - 2 * (C[0] * C[3] - C[1] * C[2])
        linq = lin.subs(_subs(quad))
        slope, intercept = _blocks.pair_function(assign, list(quad))
        return [
            _identity("constant.linear", "f = (c_4 - c_3 - c_2 + c_1) x - 2 (c_1 c_4 - c_2 c_3) on every interval",
                      g, list(f.pieces), [linq] * len(f.pieces), r"f\big|_{\text{each piece}}", lin),
            _identity("constant.pair_function", "blocks.pair_function returns that slope and intercept", g,
                      (slope, intercept), (sp.diff(linq, X), linq.subs(X, 0)),
                      r"\texttt{pair\_function}", (C[3] - C[2] - C[1] + C[0], -2 * (C[0] * C[3] - C[1] * C[2]))),
        ]
    out += _guard("constant.linear", "constant block is linear", g, linear)

    def equal():
        _, f, _ = _block(constant, "equal")
        _, fm, _ = _block(constant, "equal", sign=-1)
        return [
            _identity("constant.equal", "equal spacing D: f = 4 D^2 everywhere (slope 0, no c_1)", eq,
                      list(f.pieces), [4 * D ** 2] * len(f.pieces), r"f\big|_{\text{each piece}}", 4 * D ** 2),
            _identity("constant.negated", "sign=-1: f = -4 D^2 everywhere", eq, list(fm.pieces),
                      [-4 * D ** 2] * len(fm.pieces), r"f_{\text{sign}=-1}", -4 * D ** 2),
        ]
    out += _guard("constant.equal", "constant 4D^2", eq, equal)
    return out


# ------------------------------------------------------------------------------------------ linear pair
def prove_linear_pair(linear=_blocks.linear_pair) -> list[Proof]:
    r"""The linear-reorganisation pair (the linear reorganisation of arXiv 2407.01033): :math:`v\varphi^+-v\varphi^-=v(x-b)`.

    Pair 0 has bias :math:`b`, its value refers to pool index 1 whose value is :math:`v` (any real, any
    sign); checked on both sides of :math:`b`, for the values :math:`+v` and :math:`-v`.
    """
    assumptions = "b, v real"

    def run():
        res = []
        for sign in (1, -1):
            assign = linear(0, _blocks.Ref(sign, 1))
            f = block_function(assign, [B, V])
            res += [p - sign * V * (X - B) for p in f.pieces]
        return _identity("linear.pair", "v phi^+(x) - v phi^-(x) = v (x - b) on both sides of b, for +v and -v",
                         assumptions, res, [0] * len(res), r"v\,\sigma(x-b) - v\,\sigma(b-x)", V * (X - B))
    return _guard("linear.pair", "linear pair", assumptions, run)


# ------------------------------------------------------------------------------------------ Lemma 2
DEFAULT_GAPS = tuple(Fraction(*t) for t in [(3, 7), (1, 5), (2, 9), (1, 3), (5, 11), (1, 8), (2, 5), (1, 4),
                                            (3, 10), (0, 1), (4, 9), (1, 6)])


def prove_sign_selection(gaps=DEFAULT_GAPS, select=_blocks.sign_selection) -> Proof:
    r"""Lemma 2 for a concrete list :math:`0\le g_1..g_m` (exact rationals): the signs :math:`m_t` of
    ``select(gaps)`` keep every partial sum :math:`S_t=\sum_{s\le t}m_sg_s` in :math:`[-\max g,\max g]`.

    The partial sums are recomputed here in exact arithmetic (not taken from ``select``); the residual
    is :math:`\max(0,\max_t|S_t|-\max g)`, which must be exactly 0; the signs must be :math:`\pm1`, one
    per gap, and the reported total must equal :math:`S_m`.
    """
    gaps = [Fraction(g) for g in gaps]
    stmt = f"Lemma 2 on {len(gaps)} exact gaps: every partial sum of m_t g_t lies in [-max g, max g]"
    if not gaps:
        raise SymbolicError("sign selection needs at least one gap")
    if any(g < 0 for g in gaps):
        raise SymbolicError("sign selection gaps must be non-negative")
    signs, total = select(list(gaps))
    note = ""
    partial, S = [], Fraction(0)
    if len(signs) != len(gaps) or any(m not in (1, -1) for m in signs):
        note = "select() must return one sign +-1 per gap"
    else:
        for m, g in zip(signs, gaps):
            S += m * g
            partial.append(S)
        if Fraction(total) != S:
            note = f"reported total {total} differs from the recomputed S_m = {S}"
    gmax = max(gaps)
    excess = max([abs(p) for p in partial], default=Fraction(0)) - gmax
    residual = sp.Rational(max(excess, Fraction(0)))
    ok = residual == 0 and not note
    tex = (r"\max_t\Big|\sum_{s\le t} m_s g_s\Big| = " + sp.latex(sp.Rational(max(abs(p) for p in partial)))
           + r" \le \max_t g_t = " + sp.latex(sp.Rational(gmax))) if partial else r"\text{no partial sums}"
    return Proof("lemma2.partial_sums", stmt, "exact rationals " + ", ".join(str(g) for g in gaps), residual,
                 "proved" if ok else "failed", tex, note)


def prove_reorganisation(unused, b, reorganise=_blocks.linear_reorganisation) -> Proof:
    r"""The linear reorganisation on concrete exact biases: the reorganised unused pairs form one linear function with
    :math:`|\text{slope}|\le\max g` (largest couple gap).

    ``b`` are the exact biases (Fractions), ``unused`` the pair indices. The function of the returned
    assignment is derived piece by piece (:func:`block_function`, exact rationals): every piece must be
    the same line :math:`Sx+I` with :math:`S,I` the reported ``slope`` and ``intercept``, the assignment
    must use exactly :math:`\{\pm b_u\}_{u\in U}`, and :math:`|S|\le\max g+|b_\text{single}|`, with the
    couple gaps g recomputed here from consecutive unused pairs and :math:`b_\text{single}` the bias of the
    pair left in identity mode when the count is odd (0 for the zero pair).
    """
    unused = sorted(int(u) for u in unused)
    if not unused:
        raise SymbolicError("linear reorganisation needs at least one unused pair")
    bs = [sp.Rational(Fraction(v).numerator, Fraction(v).denominator) for v in b]
    r = reorganise(unused, [Fraction(v) for v in b])
    stmt = f"linear reorganisation of {len(unused)} unused pairs: one line with |slope| <= max gap"
    f = block_function(r.assign, bs)
    S, I = sp.Rational(Fraction(r.slope)), sp.Rational(Fraction(r.intercept))
    line_res = [sp.expand(p - (S * X + I)) for p in f.pieces]
    want = Counter((s, u) for u in unused for s in (1, -1))
    got = _consumed(r.assign)
    # couple gaps recomputed here: consecutive unused pairs after removing the single one (if any)
    rest = [u for u in unused if u != r.single]
    notes = []
    if len(rest) % 2:
        notes.append("an odd number of pairs is left for the couples")
    gaps = [Fraction(b[rest[i + 1]]) - Fraction(b[rest[i]]) for i in range(0, len(rest) - 1, 2)]
    gmax = sp.Rational(max(gaps, default=Fraction(0)))
    if r.single is not None:   # the single pair in identity mode adds slope b_single to the budget
        gmax += sp.Abs(bs[r.single])
    excess = sp.Max(0, sp.Abs(S) - gmax)
    if got != want or sorted(r.assign) != unused:
        notes.append("the assignment does not use exactly the values +-b_u of the unused pairs")
    if any(e != 0 for e in line_res):
        notes.append("the pieces are not the reported line")
    residual = sp.Tuple(*line_res, excess)
    ok = not notes and _is_zero(residual)
    return Proof("reorganisation.slope", stmt, f"exact biases of {len(unused)} unused pairs", residual,
                 "proved" if ok else "failed",
                 rf"|S| = {sp.latex(sp.Abs(S))} \le \max g = {sp.latex(gmax)}", "; ".join(notes))


# ------------------------------------------------------------------------------------------ permutation
def prove_permutation(net) -> Proof:
    r"""The coefficients of a :class:`~proofkit.network.PermNetwork` are exactly a rearrangement of its pool.

    Needs the network's ``exact`` section (rational pool). Checks, in exact rationals and independently of
    :meth:`PermNetwork.check_permutation`: the permutation is a bijection of :math:`0..H-1`; every float
    coefficient is the float64 rounding of the exact value it claims (:math:`\text{pool}[\tau(i)]`); and
    the multiset :math:`\{\theta_i\}` of exact coefficients equals the multiset of the exact pool
    :math:`W`. Residual: number of values in the multiset difference (plus mismatches), must be 0.
    """
    ex = getattr(net, "exact", None)
    if not ex or ex.get("pool") is None:
        raise SymbolicError("prove_permutation needs a network with an exact (rational) pool section")
    pool = [Fraction(v) for v in ex["pool"]]
    perm = [int(p) for p in net.permutation]
    H = len(pool)
    stmt = f"the {H} coefficients are a permutation of the pool W (exact rationals)"
    notes = []
    if sorted(perm) != list(range(H)):
        notes.append(f"permutation is not a bijection of 0..{H - 1}")
        coeffs = [pool[p] for p in perm if 0 <= p < H]
    else:
        coeffs = [pool[p] for p in perm]
    mismatched = [i for i, (c, f) in enumerate(zip(coeffs, net.coefficients)) if float(c) != float(f)]
    if mismatched:
        notes.append(f"coefficient {mismatched[0]} = {float(net.coefficients[mismatched[0]])!r} is not "
                     f"pool[tau({mismatched[0]})] = {coeffs[mismatched[0]]}")
    # what the network actually uses: the exact value a float coefficient rounds, if one exists
    used = []
    by_float = {}
    for v in pool:
        by_float.setdefault(float(v), v)
    for f in net.coefficients:
        used.append(by_float.get(float(f), Fraction(float(f))))
    cu, cp = Counter(used), Counter(pool)
    extra, missing = sorted((cu - cp).elements()), sorted((cp - cu).elements())
    if extra or missing:
        notes.append(f"extra {[str(v) for v in extra[:3]]}, missing {[str(v) for v in missing[:3]]}")
    residual = sp.Integer(len(extra) + len(missing) + len(mismatched) + (H - len(coeffs)))
    ok = residual == 0 and not notes
    return Proof("network.permutation", stmt, "exact pool section", residual, "proved" if ok else "failed",
                 r"\{\!\{\theta_i\}\!\}_{i=1}^{" + str(H) + r"} = \{\!\{W_j\}\!\}_{j=1}^{" + str(H) + "}",
                 "; ".join(notes))


def demo_network(n=17, step=_blocks.step_block, constant=_blocks.constant_block):
    """A network on the equidistant pool of size n >= 9 assembled from blocks: an up-step on pairs 1..4,
    a constant block on pairs 5..8, and the linear reorganisation (linear reorganisation) of the other pairs."""
    from .network import PermNetwork
    from .pool import equidistant_pool

    if n < 9:
        raise SymbolicError("demo_network needs n >= 9")
    pool = equidistant_pool(n)
    b = list(pool.exact_biases)
    reorg = _blocks.linear_reorganisation([0] + list(range(9, n)), b)
    perm = _blocks.assemble(n, step(1, 2, 3, 4), constant(5, 6, 7, 8), reorg.assign)
    return PermNetwork.from_pool(pool, perm, provenance={"theorem": "blocks demo"})


# ------------------------------------------------------------------------------------------ all
def prove_blocks(step=_blocks.step_block, ramp=_blocks.anchored_ramp_block, constant=_blocks.constant_block,
                 linear=_blocks.linear_pair, sign_selection=_blocks.sign_selection, gaps=DEFAULT_GAPS,
                 network_n=17) -> list[Proof]:
    """Run every block proof; each block function can be replaced (e.g. by a deliberately broken one).

    Returns the list of :class:`Proof` in order: step block, anchored ramp, constant block, linear pair,
    Lemma 2 on ``gaps``, the slope bound of the linear reorganisation of the demo network's unused pairs
    and the exact permutation check of :func:`demo_network` (``network_n`` pairs; None skips both).
    """
    proofs = prove_step_block(step) + prove_anchored_ramp(ramp) + prove_constant_block(constant)
    proofs += prove_linear_pair(linear)
    proofs.append(prove_sign_selection(gaps, sign_selection))
    if network_n is not None:
        def reorg():
            from .pool import equidistant_pool
            pool = equidistant_pool(network_n)
            return prove_reorganisation([0] + list(range(9, network_n)), pool.exact_biases)
        proofs += _guard("reorganisation.slope", "linear reorganisation slope bound", "exact biases", reorg)
        def net():
            return prove_permutation(demo_network(network_n, step, constant))
        proofs += _guard("network.permutation", "assembled network is a permutation of the pool",
                         "exact pool section", net)
    return proofs


def render_text(proofs) -> str:
    """Readable report: one block per proof, verdict first, then assumptions and residual."""
    lines = []
    for p in proofs:
        lines.append(f"[{p.verdict.upper():6}] {p.name}: {p.statement}")
        lines.append(f"         assuming {p.assumptions}")
        what = "shown >= 0" if p.kind == "inequality" else "residual"
        lines.append(f"         {what}: {sp.sstr(p.residual)}" + (f"  ({p.note})" if p.note else ""))
    n_ok = sum(p.proved for p in proofs)
    lines.append(f"{n_ok}/{len(proofs)} proved")
    return "\n".join(lines)


def render_latex(proofs) -> str:
    """LaTeX report: one ``\\item`` per proof with the claim, its verdict and residual."""
    lines = [r"\begin{itemize}"]
    for p in proofs:
        what = r"shown $\ge 0$" if p.kind == "inequality" else "residual"
        name = p.name.replace("_", r"\_")
        lines.append(rf"\item \textbf{{{p.verdict}}} \texttt{{{name}}}: ${p.latex}$ \quad "
                     rf"({what}: ${sp.latex(p.residual)}$)")
    n_ok = sum(p.proved for p in proofs)
    lines.append(r"\end{itemize}")
    lines.append(rf"{n_ok}/{len(proofs)} proved")
    return "\n".join(lines)
