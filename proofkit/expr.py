"""Targets as safe sympy expressions, and their numpy evaluators.

A *target* is a continuous function f* of one real variable written in sympy syntax, for example
``sin(2*pi*x)``, ``abs(x-1/3)**0.5``, ``Piecewise((x, x < 1/2), (1 - x, True))`` or
``Sum(2**-k*cos(3**k*pi*x), (k, 0, 5))``.

``sympy.sympify`` on raw user text runs Python's ``eval``; we never do that. :func:`parse_target`
parses the text with :func:`ast.parse` (which only builds a syntax tree and executes nothing) and
translates a small whitelist of node types into sympy objects by hand: numbers, names of known
functions and constants, ``+ - * / **``, comparisons and ``&``/``|`` (for ``Piecewise`` conditions),
calls of whitelisted functions and tuples. Attribute access, subscripts, lambdas, comprehensions,
keyword arguments, strings and every name that is not on the whitelist are rejected with
:class:`TargetError`.

Decimal literals become exact rationals (``0.5`` -> ``1/2``), so that ``abs(x-1/3)**0.5`` is the exact
square root and targets with rational data stay rational.

Work is budgeted before sympy does it (limits in :mod:`proofkit.limits`): powers of numbers that would
need more than ``MAX_INTEGER_BITS`` bits (``2**10**10``), exponents and polynomial degrees above
``MAX_DEGREE`` (``x**(10**10)``), Legendre and Chebyshev degrees above ``MAX_SPECIAL_DEGREE``
(``legendre(10**6, x)``), trees of more than ``MAX_TARGET_NODES`` nodes, and
``Sum`` over more than ``MAX_SUM_TERMS`` terms unless its summand is a polynomial in the index (then the
closed form is used; otherwise a ``Sum`` is expanded term by term, each term translated like the rest of
the text, so the same limits apply to it). Targets are ASCII: ``π`` gets the hint "write pi".
"""
from __future__ import annotations

import ast
import math
from dataclasses import dataclass
from functools import cached_property
from fractions import Fraction

import numpy as np
import sympy as sp

from .errors import ProofkitError
from .limits import (MAX_DEGREE, MAX_INTEGER_BITS, MAX_SPECIAL_DEGREE, MAX_SUM_TERMS, MAX_TARGET_CHARS,
                     MAX_TARGET_DEPTH, MAX_TARGET_NODES)

__all__ = ["TargetError", "Target", "parse_target", "parse_expression", "STANDARD_TARGETS", "standard_target"]


class TargetError(ProofkitError):
    """A target expression that cannot be used (unparsable, unsafe, several variables, not finite...)."""


# Whitelisted callables: name in user text -> sympy constructor.
_FUNCTIONS = {
    "sin": sp.sin, "cos": sp.cos, "tan": sp.tan, "cot": sp.cot, "sec": sp.sec, "csc": sp.csc,
    "asin": sp.asin, "acos": sp.acos, "atan": sp.atan,
    "sinh": sp.sinh, "cosh": sp.cosh, "tanh": sp.tanh,
    "asinh": sp.asinh, "acosh": sp.acosh, "atanh": sp.atanh,
    "exp": sp.exp, "log": sp.log, "ln": sp.log, "sqrt": sp.sqrt, "cbrt": sp.cbrt, "root": sp.root,
    "abs": sp.Abs, "Abs": sp.Abs, "sign": sp.sign,
    "Max": sp.Max, "Min": sp.Min, "max": sp.Max, "min": sp.Min,
    "erf": sp.erf, "erfc": sp.erfc, "sinc": sp.sinc,
    "Piecewise": sp.Piecewise, "Sum": None,  # Sum is expanded by _Translator.sum, never built by sympy
    "legendre": sp.legendre, "chebyshevt": sp.chebyshevt, "chebyshevu": sp.chebyshevu,
    "Rational": sp.Rational,
}
_CONSTANTS = {"pi": sp.pi, "E": sp.E, "True": sp.true, "False": sp.false}
_BINOPS = {
    ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b, ast.Pow: lambda a, b: a ** b,
}
_COMPARE = {ast.Lt: sp.Lt, ast.LtE: sp.Le, ast.Gt: sp.Gt, ast.GtE: sp.Ge}
_MAX_LENGTH = MAX_TARGET_CHARS
_MAX_DEPTH = MAX_TARGET_DEPTH
_MAX_VISITS = 50_000           # AST nodes translated in all (a Sum translates its summand once per term)
_SUM_POLY_DEGREE = 10          # a Sum over more than MAX_SUM_TERMS terms: summand polynomial in k of this degree
_DEGREE_FUNCTIONS = ("legendre", "chebyshevt", "chebyshevu")
# characters users paste from papers, and what to write instead
_ASCII_HINTS = {"π": "pi", "−": "-", "–": "-", "×": "*", "·": "*", "÷": "/", "²": "**2", "³": "**3",
                "√": "sqrt(...)", "≤": "<=", "≥": ">=", "ℯ": "E", "∑": "Sum(..., (k, a, b))"}


def _number(value) -> sp.Expr:
    if isinstance(value, bool):
        return sp.true if value else sp.false
    if isinstance(value, int):
        return sp.Integer(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise TargetError(f"number {value!r} is not finite")
        # exact decimal value of the literal as written (repr round-trips), not the binary float
        return sp.Rational(Fraction(repr(value)))
    raise TargetError(f"literal {value!r} is not a number")


class _Translator:
    """Translate a Python AST of an expression into sympy, allowing only whitelisted nodes.

    Every operation sympy would carry out eagerly and whose cost the text alone does not bound is
    budgeted first (module docstring): powers (:meth:`power`), polynomial degrees, ``Sum`` (:meth:`sum`).
    """

    def __init__(self):
        self.symbols: dict[str, sp.Symbol] = {}
        self.bound: dict[str, sp.Integer] = {}   # Sum indices while a term is translated
        self.visits = 0

    def symbol(self, name: str) -> sp.Symbol:
        if name not in self.symbols:
            self.symbols[name] = sp.Symbol(name, real=True)
        return self.symbols[name]

    def visit(self, node, depth=0):
        if depth > _MAX_DEPTH:
            raise TargetError("expression is nested too deeply")
        self.visits += 1
        if self.visits > _MAX_VISITS:
            raise TargetError(f"target is too large: more than {_MAX_VISITS} nodes to translate "
                              f"(a Sum counts its summand once per term)")
        try:
            return self._visit(node, depth + 1)
        except (TargetError, RecursionError, MemoryError):
            raise
        except Exception as exc:  # noqa: BLE001 - sympy refusing to combine the operands (Tuple + x, ...)
            what = ast.unparse(node) if depth < 20 else type(node).__name__
            if len(what) > 60:
                what = what[:57] + "..."
            raise TargetError(f"'{what}' is not a real-valued expression ({type(exc).__name__}: "
                              f"{str(exc).splitlines()[0] if str(exc) else 'invalid operands'})") from None

    def _visit(self, node, d):
        if isinstance(node, ast.Expression):
            return self.visit(node.body, d)
        if isinstance(node, ast.Constant):
            return _number(node.value)
        if isinstance(node, ast.Name):
            if node.id in self.bound:
                return self.bound[node.id]
            if node.id in _CONSTANTS:
                return _CONSTANTS[node.id]
            if node.id in _FUNCTIONS:
                raise TargetError(f"'{node.id}' is a function: call it, e.g. {node.id}(x)")
            if not node.id.isidentifier() or node.id.startswith("_") or not node.id.isascii():
                raise TargetError(f"name '{node.id}' is not allowed")
            return self.symbol(node.id)
        if isinstance(node, ast.BinOp):
            if isinstance(node.op, ast.Pow):
                return self.power(self.visit(node.left, d), self.visit(node.right, d))
            if type(node.op) in _BINOPS:
                return _BINOPS[type(node.op)](self.visit(node.left, d), self.visit(node.right, d))
            if isinstance(node.op, ast.BitXor):
                raise TargetError("'^' is not a power in Python syntax: write '**'")
            if isinstance(node.op, (ast.BitAnd, ast.BitOr)):
                a, b = self.visit(node.left, d), self.visit(node.right, d)
                return sp.And(a, b) if isinstance(node.op, ast.BitAnd) else sp.Or(a, b)
            raise TargetError(f"operator {type(node.op).__name__} is not allowed")
        if isinstance(node, ast.UnaryOp):
            operand = self.visit(node.operand, d)
            if isinstance(node.op, ast.USub):
                return -operand
            if isinstance(node.op, ast.UAdd):
                return operand
            if isinstance(node.op, ast.Not):
                return sp.Not(operand)
            raise TargetError(f"operator {type(node.op).__name__} is not allowed")
        if isinstance(node, ast.BoolOp):
            values = [self.visit(v, d) for v in node.values]
            return sp.And(*values) if isinstance(node.op, ast.And) else sp.Or(*values)
        if isinstance(node, ast.Compare):
            parts = [self.visit(node.left, d)] + [self.visit(c, d) for c in node.comparators]
            rels = []
            for op, lhs, rhs in zip(node.ops, parts[:-1], parts[1:]):
                if type(op) not in _COMPARE:
                    raise TargetError(f"comparison {type(op).__name__} is not allowed (use <, <=, >, >=)")
                rels.append(_COMPARE[type(op)](lhs, rhs))
            return sp.And(*rels) if len(rels) > 1 else rels[0]
        if isinstance(node, ast.Tuple):
            return sp.Tuple(*[self.visit(e, d) for e in node.elts])
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name):
                raise TargetError(f"calling a {type(node.func).__name__.lower()} is not allowed: only the "
                                  "named functions can be called, e.g. sin(x)")
            if node.func.id not in _FUNCTIONS:
                raise TargetError(f"function '{node.func.id}' is not allowed; known: "
                                  + ", ".join(sorted(set(_FUNCTIONS))))
            if node.keywords:
                raise TargetError("keyword arguments are not allowed")
            name = node.func.id
            if name == "Sum":
                return self.sum(node, d)
            args = [self.visit(a, d) for a in node.args]
            if name in _DEGREE_FUNCTIONS and args:
                _check_degree_argument(name, args[0])
            if name == "root" and len(args) > 1 and args[1].is_Number and abs(args[1]) > MAX_DEGREE:
                raise TargetError(f"root(..., {args[1]}): index above the limit {MAX_DEGREE}")
            try:
                return _FUNCTIONS[name](*args)
            except TargetError:
                raise
            except Exception as exc:  # sympy's own complaint about the arguments
                raise TargetError(f"{name}(...): {exc}") from None
        raise TargetError(f"syntax element {type(node).__name__} is not allowed in a target")

    @staticmethod
    def power(base, exponent):
        """base**exponent, refused when sympy would build a huge number or a huge polynomial.

        A power of two rationals needs about |exponent| * (bits of the base) bits; a power of an
        expression in a variable is a polynomial-like object of degree |exponent|."""
        if not (isinstance(base, sp.Expr) and isinstance(exponent, sp.Expr)):
            raise TargetError("'**' needs numbers or expressions on both sides")
        if exponent.is_Number:
            e = abs(exponent)
            if base.is_Rational:
                bits = max(int(base.p).bit_length(), int(base.q).bit_length())
                if bits > 1 and e * (bits - 1) > MAX_INTEGER_BITS:
                    raise TargetError(f"the power {_short(base)}**{_short(exponent)} has about "
                                      f"{float(e * (bits - 1)):.3g} bits (limit {MAX_INTEGER_BITS})")
            elif base.free_symbols:
                if e > MAX_DEGREE:
                    raise TargetError(f"exponent {_short(exponent)} is above the degree limit {MAX_DEGREE}")
            elif e > MAX_INTEGER_BITS:
                raise TargetError(f"exponent {_short(exponent)} of a constant is above {MAX_INTEGER_BITS}")
        return base ** exponent

    def sum(self, node, d):
        """``Sum(summand, (k, lo, hi), ...)``: integer limits, innermost (first) limit first.

        Up to MAX_SUM_TERMS terms the summand is translated once per value of k (so every term meets the
        limits above); more terms only when the summand is a polynomial in k, whose closed form sympy gives."""
        if len(node.args) < 2:
            raise TargetError("Sum needs a summand and limits: Sum(f, (k, a, b))")
        limits = []
        for lim in node.args[1:]:
            if not (isinstance(lim, ast.Tuple) and len(lim.elts) == 3 and isinstance(lim.elts[0], ast.Name)):
                raise TargetError("Sum limits are written (k, a, b) with a name k and integers a <= b")
            k = lim.elts[0].id
            if k in _CONSTANTS or k in _FUNCTIONS or not k.isidentifier() or k.startswith("_") or not k.isascii():
                raise TargetError(f"'{k}' cannot be a Sum index")
            lo, hi = self.visit(lim.elts[1], d), self.visit(lim.elts[2], d)
            if not (isinstance(lo, sp.Integer) and isinstance(hi, sp.Integer)):
                raise TargetError(f"Sum limits must be integers, got ({k}, {_short(lo)}, {_short(hi)})")
            if hi < lo - 1:  # hi = lo - 1 is the empty sum, 0; sympy would sum backwards (Karr) below that
                raise TargetError(f"Sum over ({k}, {lo}, {hi}): the upper limit is below the lower one")
            limits.append((k, int(lo), int(hi)))
        return self._sum(node.args[0], limits, d)

    def _sum(self, body, limits, d):
        if not limits:
            return self.visit(body, d)
        (k, lo, hi), inner = limits[-1], limits[:-1]   # the last limit is the outermost
        terms = hi - lo + 1
        size = sum(1 for _ in ast.walk(body))
        if terms <= MAX_SUM_TERMS and terms * size + self.visits > _MAX_VISITS:
            raise TargetError(f"Sum over {terms} terms of a summand of {size} nodes: more than {_MAX_VISITS} "
                              "nodes to translate")
        if terms <= MAX_SUM_TERMS:
            return sp.Add(*[self._term(k, sp.Integer(i), body, inner, d) for i in range(lo, hi + 1)])
        ks = sp.Symbol(f"_sum_{k}", integer=True)
        summand = self._term(k, ks, body, inner, d)
        try:
            degree = sp.Poly(summand, ks).degree() if summand.has(ks) else 0
        except sp.PolynomialError:
            degree = None
        if degree is None or degree > _SUM_POLY_DEGREE:
            raise TargetError(f"Sum over {terms} terms: at most {MAX_SUM_TERMS} terms, or a summand that is a "
                              f"polynomial of degree <= {_SUM_POLY_DEGREE} in {k} (closed form)")
        return sp.summation(summand, (ks, lo, hi))


    def _term(self, k, value, body, inner, d):
        """The summand (with the inner sums) translated with the index k bound to ``value``."""
        saved = self.bound.get(k)
        self.bound[k] = value
        try:
            return self._sum(body, inner, d)
        finally:
            if saved is None:
                self.bound.pop(k, None)
            else:
                self.bound[k] = saved


def _short(v) -> str:
    t = str(v)
    return t if len(t) <= 30 else f"{t[:12]}...({len(t)} characters)"


def _check_degree_argument(name, n):
    if not (isinstance(n, sp.Integer) and n >= 0):
        raise TargetError(f"{name}(n, x): n must be an integer >= 0, got {_short(n)}")
    if n > MAX_SPECIAL_DEGREE:
        raise TargetError(f"{name}({_short(n)}, x): degree above the limit {MAX_SPECIAL_DEGREE} (sympy expands it "
                          "into coefficients of size 2^n that float64 and the certificate cannot cancel)")


def _degree(expr, var) -> int:
    """An upper bound of the polynomial degree sympy may expand ``expr`` to (products add, powers
    multiply); functions count 1 and their arguments are bounded on their own."""
    if not expr.has(var):
        return 0
    if expr == var:
        return 1
    if isinstance(expr, sp.Add):
        return max(_degree(a, var) for a in expr.args)
    if isinstance(expr, sp.Mul):
        return sum(_degree(a, var) for a in expr.args)
    if isinstance(expr, sp.Pow) and expr.exp.is_Number:
        return int(math.ceil(abs(expr.exp) * _degree(expr.base, var)))
    for a in expr.args:
        if isinstance(a, sp.Expr):
            deg = _degree(a, var)
            if deg > MAX_DEGREE:
                return deg
    return 1


@dataclass(frozen=True)
class Target:
    """A parsed target f*(x): the sympy expression, its variable and the text it came from.

    ``func`` evaluates f* on numpy arrays (vectorised, float64); it is produced by
    ``sympy.lambdify`` from the *sympy expression tree* (not from user text), so nothing the user
    typed is executed.
    """

    text: str
    expr: sp.Expr
    var: sp.Symbol

    @cached_property
    def func(self):
        """The numpy evaluator, built once per target (``lambdify`` of the sympy tree)."""
        return _lambdify(self.expr, self.var)

    def __call__(self, x):
        x = np.asarray(x, dtype=float)
        y = np.asarray(self.func(x), dtype=float)
        return np.broadcast_to(y, x.shape).copy() if y.shape != x.shape else y

    def derivative(self, order: int = 1) -> sp.Expr:
        return sp.diff(self.expr, self.var, order)

    def check_finite(self, domain, samples: int = 4097) -> None:
        """Raise :class:`TargetError` if f* is not finite (NaN/inf/complex) at sampled points of the domain.

        This is a cheap screen; the certificate (``proofkit.certify``) is the rigorous check. Where the float64
        evaluation fails, the exact value there decides the message: undefined (with the continuous
        extension's value when f* has a finite limit there), or a real value too large for float64.
        """
        a, b = domain
        fa, fb = float(a), float(b)
        xs = np.linspace(fa, fb, samples)
        ys = self._evaluate_screen(xs, fa, fb)
        bad = ~np.isfinite(ys)
        if bad.any():
            x0 = float(xs[np.argmax(bad)])
            where = f"[{fa:g}, {fb:g}]"
            if _exact_value_status(self.expr, self.var, sp.Rational(Fraction(x0))) == "finite":
                raise TargetError(f"target '{self.text}' overflows float64 at x = {x0:.6g} on {where}: its value "
                                  "(or an intermediate value) is beyond 1.8e308; proofkit samples targets in "
                                  "float64: use a smaller domain or rewrite it")
            raise TargetError(f"target '{self.text}' is not finite on {where} (e.g. at x = {x0:.6g})"
                              + _removable_hint(self.expr, self.var, x0))
        for point in _singular_points(self.expr, self.var, a, b):
            if _exact_value_status(self.expr, self.var, point) == "finite":
                continue  # e.g. Piecewise((x*sin(1/x), x > 0), (0, True)) at 0: defined by another branch
            raise TargetError(f"target '{self.text}' has a pole or is undefined at x = {point} in "
                              f"[{fa:g}, {fb:g}]" + _removable_hint(self.expr, self.var, point))

    def _evaluate_screen(self, xs, fa, fb):
        with np.errstate(all="ignore"):
            try:
                return self(xs)
            except (TypeError, ValueError) as exc:
                raise TargetError(f"target '{self.text}' is not real-valued on [{fa:g}, {fb:g}]: {exc}") from None
            except (ArithmeticError, NameError, AttributeError, RecursionError, MemoryError) as exc:
                raise TargetError(f"target '{self.text}' cannot be evaluated in float64 on [{fa:g}, {fb:g}] "
                                  f"({type(exc).__name__})") from None

    def float_error(self, domain, samples: int = 4097) -> tuple[float, float]:
        """(largest difference between the float64 evaluation of f* and an extended-precision one, where).

        A screen for catastrophic cancellation (``legendre(40, x)`` in its expanded form loses 1e-2 near
        x = 1): numpy's ``longdouble`` (64-bit mantissa on x86-64, 11 more bits than float64) evaluates
        the same code; their difference estimates the float64 error. Where ``longdouble`` is float64
        (some ARM platforms) the screen returns 0. Functions that only exist in float64 (scipy's erf)
        agree with themselves and are not screened."""
        a, b = float(domain[0]), float(domain[1])
        xs = np.linspace(a, b, samples)
        if np.finfo(np.longdouble).nmant <= np.finfo(np.float64).nmant:
            return 0.0, a
        with np.errstate(all="ignore"):
            try:
                y64 = np.asarray(self.func(xs), dtype=np.float64)
                yld = np.asarray(self.func(xs.astype(np.longdouble)), dtype=np.longdouble)
            except Exception:  # noqa: BLE001 - the screen is optional; check_finite reports real failures
                return 0.0, a
            diff = np.abs(np.broadcast_to(yld, xs.shape) - np.broadcast_to(y64, xs.shape)).astype(np.float64)
        diff = np.where(np.isfinite(diff), diff, 0.0)
        k = int(np.argmax(diff))
        return float(diff[k]), float(xs[k])

    def is_piecewise_polynomial(self) -> bool:
        """True when f* is a polynomial or a ``Piecewise`` of polynomials in its variable."""
        try:
            _piecewise_args(self.expr, self.var)
        except (ValueError, sp.PolynomialError):
            return False
        return True

    def is_piecewise_linear(self) -> bool:
        """True when f* is a ``Piecewise`` (or a single piece) of polynomials of degree <= 1."""
        return self.is_piecewise_polynomial() and all(
            p.degree() <= 1 for p in _piecewise_args(self.expr, self.var))


def _piecewise_args(expr, var):
    if isinstance(expr, sp.Piecewise):
        out = []
        for e, _c in expr.args:
            out.extend(_piecewise_args(e, var))
        return out
    if expr.is_polynomial(var):
        return [sp.Poly(expr, var)]
    raise ValueError("not piecewise polynomial")


def _singular_points(expr, var, a, b):
    """Exact singular points of denominators/logs inside [a, b] that sympy can find quickly (polynomial
    arguments of degree <= 100)."""
    points = []
    try:
        for sub in sp.preorder_traversal(expr):
            cand = None
            if isinstance(sub, sp.Pow) and sub.exp.is_negative:
                cand = sub.base
            elif isinstance(sub, sp.log):
                cand = sub.args[0]
            if cand is None or not cand.has(var) or not cand.is_polynomial(var):
                continue
            poly = sp.Poly(cand, var)
            if poly.degree() > 100:
                continue
            for r in poly.real_roots():
                if a <= float(r) <= b:
                    points.append(r)
    except Exception:  # the sampled screen and the certificate still apply
        return []
    return points


def _exact_value_status(expr, var, point) -> str | None:
    """'finite' when f*(point) is (symbolically) a finite real number, 'undefined' when it is NaN, infinite
    or complex, None when sympy cannot tell. Exact substitution only: no numerical evaluation (which can
    take minutes for exp(exp(exp(10))))."""
    try:
        v = expr.subs(var, point)
        if v.has(sp.nan, sp.zoo, sp.oo, -sp.oo, sp.I) or v.is_real is False:
            return "undefined"
        if v.is_finite and v.is_real:
            return "finite"
    except Exception:  # noqa: BLE001 - undecided
        pass
    return None


def _removable_hint(expr, var, point) -> str:
    """A hint when f* is undefined at ``point`` but has a finite limit there (a removable singularity such
    as sin(x)/x at 0): the target must be the continuous function itself, so the user is told to write
    its extension. No hint where f* is defined (then the problem is elsewhere)."""
    try:
        p = sp.nsimplify(point, rational=True) if isinstance(point, float) else point
        if _exact_value_status(expr, var, p) != "undefined" or sum(1 for _ in sp.preorder_traversal(expr)) > 200:
            return ""
        lim = sp.limit(expr, var, p)
    except Exception:  # noqa: BLE001 - no hint is better than a wrong one
        return ""
    if lim.is_finite and lim.is_real:
        return f"; its limit there is {lim}: write the continuous extension instead (e.g. sinc(x) for sin(x)/x)"
    return ""


def _lambdify(expr, var):
    f = sp.lambdify(var, expr, modules=["scipy", "numpy"])  # scipy: vectorised erf, erfc
    return f


def _parse(text):
    """(source, sympy expression, translator) of user text, through the AST whitelist only."""
    if not isinstance(text, str):
        raise TargetError("target must be a string")
    src = text.strip()
    if not src:
        raise TargetError("target is empty")
    if len(src) > _MAX_LENGTH:
        raise TargetError(f"target is longer than {_MAX_LENGTH} characters")
    _check_ascii(src)
    shown = _short(src) if len(src) > 80 else src
    try:
        tree = ast.parse(src, mode="eval")
    except SyntaxError as exc:
        raise TargetError(f"cannot parse target '{shown}': {exc.msg}") from None
    except (RecursionError, MemoryError):  # Python's own parser: e.g. 5000 unary minus signs
        raise TargetError(f"target '{shown}' is nested too deeply (limit {_MAX_DEPTH} levels)") from None
    tr = _Translator()
    try:
        expr = tr.visit(tree)
    except RecursionError:
        raise TargetError(f"target '{shown}' is nested too deeply (limit {_MAX_DEPTH} levels)") from None
    if not isinstance(expr, sp.Expr) or isinstance(expr, sp.Tuple):
        raise TargetError(f"target '{shown}' is not a real-valued expression")
    if expr.has(sp.nan, sp.zoo, sp.oo, -sp.oo, sp.I):
        raise TargetError(f"target '{shown}' is not a finite real expression")
    nodes = 0
    for _ in sp.preorder_traversal(expr):
        nodes += 1
        if nodes > MAX_TARGET_NODES:
            raise TargetError(f"target '{shown}' is too large: more than {MAX_TARGET_NODES} nodes after "
                              f"expansion (limit of proofkit.limits)")
    for var in expr.free_symbols:
        deg = _degree(expr, var)
        if deg > MAX_DEGREE:
            raise TargetError(f"target '{shown}' has polynomial degree up to {deg} in {var} (limit {MAX_DEGREE})")
    return src, expr, tr


def _check_ascii(src):
    """Targets are ASCII: Python would read 'π' as a variable and NFKC-fold look-alike letters."""
    for ch in src:
        if not ch.isascii():
            hint = _ASCII_HINTS.get(ch)
            raise TargetError(f"character '{ch}' (U+{ord(ch):04X}) is not allowed in a target"
                              + (f": write {hint}" if hint else ": targets are ASCII (x, pi, E, sqrt, ...)"))


def parse_expression(text: str, variables) -> tuple:
    """Parse a target in several variables (e.g. ``("x", "y")`` for the 2-D experiments) without eval.

    Returns (sympy expression, tuple of the variables' real Symbols). Raises :class:`TargetError` for the
    same defects as :func:`parse_target`, and for free variables not in ``variables``.
    """
    src, expr, tr = _parse(text)
    names = tuple(variables)
    extra = sorted(s.name for s in expr.free_symbols if s.name not in names)
    if extra:
        raise TargetError(f"target '{src}' has variables {extra}; expected only {', '.join(names)}")
    return expr, tuple(tr.symbols.get(v, sp.Symbol(v, real=True)) for v in names)


def parse_target(text: str, variable: str | None = None) -> Target:
    """Parse a target from user text without evaluating any Python.

    Returns a :class:`Target`. Raises :class:`TargetError` (a ``ValueError``) with a one-line message
    for empty text, syntax errors, disallowed names or syntax, and expressions with more than one free
    variable. A constant expression is allowed; its variable is ``x``.
    """
    src, expr, tr = _parse(text)
    free = sorted(expr.free_symbols, key=lambda s: s.name)
    if variable is not None:
        var = tr.symbols.get(variable, sp.Symbol(variable, real=True))
        extra = [s.name for s in free if s != var]
        if extra:
            raise TargetError(f"target '{src}' has free variables {extra} besides '{variable}'")
    elif len(free) > 1:
        raise TargetError(f"target '{src}' has more than one free variable: {', '.join(s.name for s in free)}")
    else:
        var = free[0] if free else sp.Symbol("x", real=True)
    return Target(text=src, expr=expr, var=var)


# The standard target set: name -> (expression text, domain)
STANDARD_TARGETS = {
    "sin": ("sin(2*pi*x)", (0.0, 1.0)),
    "legendre3": ("(5*x**3 - 3*x)/2", (-1.0, 1.0)),
    "abs": ("abs(x - 1/2)", (0.0, 1.0)),
    "sqrt": ("sqrt(x)", (0.0, 1.0)),
    "gauss_cos": ("exp(-x**2)*cos(8*x)", (-1.0, 1.0)),
    "weierstrass": ("Sum(2**-k*cos(3**k*pi*x), (k, 0, 5))", (0.0, 1.0)),
}


def standard_target(name: str) -> tuple[Target, tuple[float, float]]:
    """Return (target, domain) for a name of :data:`STANDARD_TARGETS`."""
    try:
        text, dom = STANDARD_TARGETS[name]
    except KeyError:
        raise TargetError(f"unknown standard target '{name}'; known: {', '.join(STANDARD_TARGETS)}") from None
    return parse_target(text), dom
