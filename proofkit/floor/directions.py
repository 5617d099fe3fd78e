r"""Direction sets of the paper's 2-D and 3-D networks, and the level sets of the ridge functions they carry.

A network whose first layer is fixed to finitely many directions :math:`a_1, \dots, a_D \in \mathbb R^d`
(the paper's 2-D network "2-8n-1-1" of Fig. 3 and 3-D network "3-26n-1-1" of Fig. 4, arXiv 2407.01033,
Section 5) computes a *ridge sum*

.. math:: N(x) = \sum_{j=1}^{D} g_j(a_j\cdot x),

whatever its width, its activation, its biases or its output weights: every hidden unit
:math:`\rho(a_j\cdot x + c)` is a function of :math:`a_j\cdot x` alone, and the output shift is one too.
Only the *line* :math:`\mathbb R a_j` matters: :math:`a` and :math:`\lambda a` (:math:`\lambda\ne0`) have the
same level sets :math:`\{x: a\cdot x = t\}`. So the paper's 3-D directions (the 26 nonzero vectors of
:math:`\{-1,0,1\}^3`, divided by :math:`\sqrt3` in :mod:`proofkit.train.problem`) are represented here by
the integer vectors themselves, and :func:`lines` keeps one primitive integer vector per line
(13 lines in 3-D, 4 in 2-D).

Directions are exact rationals (:class:`fractions.Fraction`); level values :math:`a\cdot x` of rational
points are exact, so "two points lie on the same level set" is decided without rounding.
"""
from __future__ import annotations

import itertools
import math
from fractions import Fraction

from ..errors import ProofkitError

__all__ = ["FloorError", "PAPER_DIRECTIONS", "paper_directions", "parse_directions", "lines",
           "level_keys", "direction_json", "rational", "rational_text"]


class FloorError(ProofkitError):
    """Bad input for a ridge floor: a direction set, a certificate file, a domain, a lattice."""


#: The paper's first-layer directions (Section 5.3: 2-D; Section 5.4: 3-D, up to the factor 1/sqrt(3)).
PAPER_DIRECTIONS = {
    2: ((1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (-1, -1), (1, -1), (-1, 1)),
    3: tuple(v for v in itertools.product((-1, 0, 1), repeat=3) if any(v)),
}


def paper_directions(dim: int) -> list[tuple[Fraction, ...]]:
    """The paper's directions for ``dim`` = 2 (8 vectors) or 3 (26 vectors), as exact rationals."""
    if dim not in PAPER_DIRECTIONS:
        raise FloorError(f"the paper fixes directions only in 2-D and 3-D, not for dim {dim!r}")
    return [tuple(Fraction(c) for c in v) for v in PAPER_DIRECTIONS[dim]]


def rational(value, what: str) -> Fraction:
    """An exact rational from JSON: an integer, a decimal number (taken as written, 0.1 = 1/10) or a
    string "p/q" / "0.25". Raises :class:`FloorError` naming ``what`` otherwise."""
    if isinstance(value, bool):
        raise FloorError(f"{what}: expected a number, got {value!r}")
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise FloorError(f"{what}: {value!r} is not finite")
        return Fraction(repr(value))
    if isinstance(value, str):
        try:
            return Fraction(value.strip())
        except (ValueError, ZeroDivisionError):
            raise FloorError(f"{what}: '{value}' is not a rational number (write p/q or a decimal)") from None
    raise FloorError(f"{what}: expected a number or a 'p/q' string, got {type(value).__name__}")


def rational_text(q: Fraction) -> str:
    """'p/q' (or 'p' for an integer): the exact text :func:`rational` reads back."""
    return str(Fraction(q))


def parse_directions(data, dim: int) -> list[tuple[Fraction, ...]]:
    """Directions from JSON data: a list of vectors, or an object with a "directions" list.

    Each vector has ``dim`` rational entries (see :func:`rational`) and is not zero."""
    if isinstance(data, dict) and "directions" in data:
        data = data["directions"]
    if not isinstance(data, list) or not data:
        raise FloorError("directions: expected a non-empty list of vectors, e.g. [[1, 0], [0, 1], [1, 1]]")
    if len(data) > 10_000:
        raise FloorError(f"directions: {len(data)} vectors is more than the 10000 allowed")
    out = []
    for i, v in enumerate(data):
        if not isinstance(v, list) or len(v) != dim:
            raise FloorError(f"directions[{i}]: expected a list of {dim} numbers, got {v!r}"[:200])
        vec = tuple(rational(c, f"directions[{i}]") for c in v)
        if not any(vec):
            raise FloorError(f"directions[{i}] is the zero vector (it has no level sets to speak of)")
        out.append(vec)
    return out


def _primitive(vec) -> tuple[int, ...]:
    """The primitive integer vector on the line of a rational vector, first nonzero entry positive."""
    den = math.lcm(*(c.denominator for c in vec))
    ints = [int(c * den) for c in vec]
    g = math.gcd(*ints)
    ints = [c // g for c in ints]
    first = next(c for c in ints if c)
    return tuple(-c for c in ints) if first < 0 else tuple(ints)


def lines(directions) -> list[tuple[int, ...]]:
    """One primitive integer vector per line :math:`\\mathbb R a_j` (a and -a, or 2a, give one line),
    in the order the lines first appear."""
    seen = []
    for v in directions:
        p = _primitive(v)
        if p not in seen:
            seen.append(p)
    return seen


def level_keys(points, line) -> list[Fraction]:
    """The exact level values :math:`a\\cdot x_k` of rational points on one line's direction a."""
    return [sum((Fraction(a) * x for a, x in zip(line, p)), Fraction(0)) for p in points]


def direction_json(vec) -> list:
    """A direction for a JSON file: integers as numbers, other rationals as 'p/q' strings."""
    return [int(c) if Fraction(c).denominator == 1 else rational_text(c) for c in vec]
