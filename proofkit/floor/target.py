r"""A target :math:`f^*(x, y)` or :math:`f^*(x, y, z)` of the paper's 2-D/3-D experiments: parsed without
``eval``, evaluated in floating point for the search, and *enclosed* in ball arithmetic at rational points
for the certificate.

The enclosure reuses the one-variable machinery of :class:`proofkit.interval.BallTarget`: for a rational
point :math:`p` the function :math:`t\mapsto f^*(t\,p)` is a one-variable target whose value at
:math:`t = 1` is :math:`f^*(p)`. Substituting :math:`x_i = p_i t` keeps every condition of a ``Piecewise``
or ``Abs`` a polynomial in t with rational coefficients when it was one in x, so BallTarget decides its sign
exactly; nothing is rounded to a float on the way.
"""
from __future__ import annotations

from fractions import Fraction

import numpy as np
import sympy as sp

from ..expr import Target, TargetError, parse_expression
from ..interval import DEFAULT_PREC, BallTarget, working_precision

__all__ = ["NdTarget", "VARIABLES"]

VARIABLES = ("x", "y", "z")


class NdTarget:
    """f* of ``dim`` variables x, y(, z), from user text (through :func:`proofkit.expr.parse_expression`).

    ``self(X)`` evaluates on an (N, dim) float array; :meth:`enclose` returns an arb ball containing
    f*(p) at a rational point p."""

    def __init__(self, text: str, dim: int):
        if dim not in (2, 3):
            raise TargetError(f"dim must be 2 or 3, got {dim!r}")
        self.text = text.strip() if isinstance(text, str) else text
        self.dim = dim
        self.names = VARIABLES[:dim]
        self.expr, self.symbols = parse_expression(text, self.names)
        # lambdify of the sympy tree (not of user text): nothing the user typed is executed
        self._f = sp.lambdify(self.symbols, self.expr, modules=["scipy", "numpy"])
        self._balls: dict = {}

    def __call__(self, X) -> np.ndarray:
        X = np.asarray(X, dtype=float).reshape(-1, self.dim)
        with np.errstate(all="ignore"):
            y = np.asarray(self._f(*[X[:, i] for i in range(self.dim)]), dtype=float)
        return np.broadcast_to(y, (X.shape[0],)).copy()

    def check_finite(self, X) -> np.ndarray:
        """f*(X), or :class:`TargetError` naming a point where f* is not a finite real number."""
        try:
            y = self(X)
        except (TypeError, ValueError, ZeroDivisionError) as exc:
            raise TargetError(f"target '{self.text}' cannot be evaluated: {exc}") from None
        bad = ~np.isfinite(y)
        if bad.any():
            p = np.asarray(X, float).reshape(-1, self.dim)[int(np.argmax(bad))]
            raise TargetError(f"target '{self.text}' is not finite at ({', '.join(f'{v:.6g}' for v in p)})")
        return y

    def enclose(self, point, prec: int = DEFAULT_PREC):
        """An arb ball containing f*(point) for a point of rationals (computed at ``prec`` bits).

        Raises :class:`TargetError` when the target contains a function ball arithmetic cannot enclose."""
        p = tuple(Fraction(c) for c in point)
        key = (p, int(prec))
        if key not in self._balls:
            t = sp.Symbol("t", real=True)
            g = self.expr.subs({s: sp.Rational(c.numerator, c.denominator) * t for s, c in zip(self.symbols, p)},
                               simultaneous=True)
            bt = BallTarget(Target(text=self.text, expr=g, var=t), (0, 1), prec)
            with working_precision(prec):
                self._balls[key] = bt.point(Fraction(1))
        return self._balls[key]
