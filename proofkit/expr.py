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
    "Piecewise": sp.Piecewise, "Sum": sp.Sum,
    "legendre": sp.legendre, "chebyshevt": sp.chebyshevt, "chebyshevu": sp.chebyshevu,
    "Rational": sp.Rational,
}
_CONSTANTS = {"pi": sp.pi, "E": sp.E, "True": sp.true, "False": sp.false}
_BINOPS = {
    ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b, ast.Pow: lambda a, b: a ** b,
}
_COMPARE = {ast.Lt: sp.Lt, ast.LtE: sp.Le, ast.Gt: sp.Gt, ast.GtE: sp.Ge}
_MAX_LENGTH = 10_000
_MAX_DEPTH = 200


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
    """Translate a Python AST of an expression into sympy, allowing only whitelisted nodes."""

    def __init__(self):
        self.symbols: dict[str, sp.Symbol] = {}

    def symbol(self, name: str) -> sp.Symbol:
        if name not in self.symbols:
            self.symbols[name] = sp.Symbol(name, real=True)
        return self.symbols[name]

    def visit(self, node, depth=0):
        if depth > _MAX_DEPTH:
            raise TargetError("expression is nested too deeply")
        d = depth + 1
        if isinstance(node, ast.Expression):
            return self.visit(node.body, d)
        if isinstance(node, ast.Constant):
            return _number(node.value)
        if isinstance(node, ast.Name):
            if node.id in _CONSTANTS:
                return _CONSTANTS[node.id]
            if node.id in _FUNCTIONS:
                raise TargetError(f"'{node.id}' is a function: call it, e.g. {node.id}(x)")
            if not node.id.isidentifier() or node.id.startswith("_"):
                raise TargetError(f"name '{node.id}' is not allowed")
            return self.symbol(node.id)
        if isinstance(node, ast.BinOp):
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
            if not isinstance(node.func, ast.Name) or node.func.id not in _FUNCTIONS:
                name = node.func.id if isinstance(node.func, ast.Name) else ast.unparse(node.func)
                raise TargetError(f"function '{name}' is not allowed; known: "
                                  + ", ".join(sorted(set(_FUNCTIONS))))
            if node.keywords:
                raise TargetError("keyword arguments are not allowed")
            args = [self.visit(a, d) for a in node.args]
            try:
                return _FUNCTIONS[node.func.id](*args)
            except TargetError:
                raise
            except Exception as exc:  # sympy's own complaint about the arguments
                raise TargetError(f"{node.func.id}(...): {exc}") from None
        raise TargetError(f"syntax element {type(node).__name__} is not allowed in a target")


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

        This is a cheap screen; the certificate (``proofkit.certify``) is the rigorous check.
        """
        a, b = domain
        xs = np.linspace(a, b, samples)
        with np.errstate(all="ignore"):
            try:
                ys = self(xs)
            except (TypeError, ValueError) as exc:
                raise TargetError(f"target '{self.text}' is not real-valued on [{a}, {b}]: {exc}") from None
        fa, fb = float(a), float(b)
        bad = ~np.isfinite(ys)
        if bad.any():
            x0 = xs[np.argmax(bad)]
            raise TargetError(f"target '{self.text}' is not finite on [{fa:g}, {fb:g}] (e.g. at x = {float(x0):.6g})"
                              + _removable_hint(self.expr, self.var, x0))
        for point in _singular_points(self.expr, self.var, a, b):
            raise TargetError(f"target '{self.text}' has a pole or is undefined at x = {point} in "
                              f"[{fa:g}, {fb:g}]" + _removable_hint(self.expr, self.var, point))

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
    """Exact singular points of denominators/logs inside [a, b] that sympy can find quickly."""
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
            for r in sp.Poly(cand, var).real_roots():
                if a <= float(r) <= b:
                    points.append(r)
    except Exception:  # the sampled screen and the certificate still apply
        return []
    return points


def _removable_hint(expr, var, point) -> str:
    """A hint when f* has a finite limit at ``point`` (a removable singularity such as sin(x)/x at 0):
    the target must be the continuous function itself, so the user is told to write its extension."""
    try:
        p = sp.nsimplify(point, rational=True) if isinstance(point, float) else point
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
    try:
        tree = ast.parse(src, mode="eval")
    except SyntaxError as exc:
        raise TargetError(f"cannot parse target '{src}': {exc.msg}") from None
    tr = _Translator()
    expr = tr.visit(tree)
    if not isinstance(expr, sp.Expr) or isinstance(expr, sp.Tuple):
        raise TargetError(f"target '{src}' is not a real-valued expression")
    if expr.has(sp.Sum):
        expr = expr.doit()
    if expr.has(sp.nan, sp.zoo, sp.oo, -sp.oo, sp.I):
        raise TargetError(f"target '{src}' is not a finite real expression")
    return src, expr, tr


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
