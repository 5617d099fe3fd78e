"""Printing bounds without over-claiming: an upper bound is rounded UP, a lower bound DOWN, at the digits shown.

``fmt_upper(x, d)`` is the smallest decimal with d significant digits that is >= x, ``fmt_lower(x, d)`` the
largest one <= x, computed in exact rational arithmetic on x's own value (a float is taken at its binary
value, a Fraction as it is), then written as ``format(v, ".dg")`` writes a float (trailing zeros dropped, an
exponent below 1e-4 and from 10^d on), from the integer digits, so no float rounding can undo the direction. Every line of the command line, REPORT.md, the notebooks and plot labels
that shows a certified upper bound U or a lower bound L prints it through these two functions.
(Hand-written because :mod:`decimal` cannot hold a rational such as 1/3 exactly; the rounding itself is
one integer ceiling or floor.)
"""
from __future__ import annotations

import math
from fractions import Fraction

__all__ = ["fmt_upper", "fmt_lower", "fmt_exact"]


def _decimal_exponent(q: Fraction) -> int:
    """e with 10^e <= q < 10^(e+1), for q > 0 (exact)."""
    e = len(str(q.numerator)) - len(str(q.denominator))
    while Fraction(10) ** e > q:
        e -= 1
    while Fraction(10) ** (e + 1) <= q:
        e += 1
    return e


def _round(x, digits: int, up: bool) -> str:
    digits = int(digits)
    if digits < 1:
        raise ValueError("digits must be >= 1")
    if isinstance(x, float) and not math.isfinite(x):
        return str(x)
    q = Fraction(x)
    if q == 0:
        return "0"
    e = _decimal_exponent(abs(q)) - digits + 1          # q = m 10^e with 10^(digits-1) <= |m| < 10^digits
    m = q / Fraction(10) ** e
    k = math.ceil(m) if up else math.floor(m)
    if abs(k) == 10 ** digits:                         # 9.9995 -> 10.00: one digit fewer, same value
        k, e = k // 10, e + 1
    return _g(k, e, digits)


def _g(k: int, e: int, digits: int) -> str:
    """The number k 10^e (|k| < 10^digits) written as format(., ".{digits}g") writes a float."""
    sign = "-" if k < 0 else ""
    s = str(abs(k)).rjust(digits, "0")
    E = e + digits - 1                                  # exponent of the leading digit
    if -4 <= E < digits:
        if e >= 0:
            text = s + "0" * e
        else:
            whole = s[:len(s) + e] if len(s) + e > 0 else "0"
            frac = (("0" * max(0, -(len(s) + e))) + s[max(0, len(s) + e):]).rstrip("0")
            text = whole.lstrip("0") or "0"
            text = text + ("." + frac if frac else "")
        return sign + text
    mant = s[0] + ("." + s[1:].rstrip("0") if s[1:].rstrip("0") else "")
    return f"{sign}{mant}e{'-' if E < 0 else '+'}{abs(E):02d}"


def fmt_upper(x, digits: int = 3) -> str:
    """x rounded UP (towards +inf) to ``digits`` significant digits: the printed value is >= x."""
    return _round(x, digits, True)


def fmt_lower(x, digits: int = 3) -> str:
    """x rounded DOWN (towards -inf) to ``digits`` significant digits: the printed value is <= x."""
    return _round(x, digits, False)


def fmt_exact(x) -> str:
    """x written exactly (no rounding at all): a decimal when x has a terminating one of at most 17
    significant digits, else ``p/q``; a float as its shortest round-trip ``repr`` (which names it exactly).
    For tolerances and other numbers that are neither upper nor lower bounds."""
    if isinstance(x, float):
        return repr(x)
    q = Fraction(x)
    d = q.denominator
    k2 = k5 = 0
    while d % 2 == 0:
        d, k2 = d // 2, k2 + 1
    while d % 5 == 0:
        d, k5 = d // 5, k5 + 1
    if d == 1:
        k = max(k2, k5)                         # q = m / 10^k exactly
        m = q.numerator * 10 ** k // q.denominator
        if len(str(abs(m)).strip("0")) <= 17:
            return _g(m, -k, max(len(str(abs(m))), 1)) if k else str(m)
    return f"{q.numerator}/{q.denominator}"
