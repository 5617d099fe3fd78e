r"""The floor certificate ``proofkit.floor/1`` and its independent check.

**The argument.** Let :math:`a_1, \dots, a_D` be the fixed first-layer directions and let
:math:`\mu = \sum_k \mu_k \delta_{x_k}` be a signed point measure on the box :math:`[A, B]^d` with total mass
zero on every level set of every direction: for every j and every t,
:math:`\sum_{k:\ a_j\cdot x_k = t} \mu_k = 0`. Then :math:`\sum_k \mu_k\, g(a_j\cdot x_k) = 0` for *every*
function g (group the sum by the level sets), so :math:`\mu` annihilates every ridge sum
:math:`N(x) = \sum_j g_j(a_j\cdot x)` -- in particular every network of the architecture, at any width,
with any activation, biases, output weights and shift (:mod:`proofkit.floor.directions`). Hence for every
such N

.. math:: \Big|\sum_k \mu_k f^*(x_k)\Big| = \Big|\sum_k \mu_k\,(f^* - N)(x_k)\Big|
          \le \sup_{[A,B]^d}|f^* - N| \sum_k |\mu_k|,

that is :math:`\sup|f^* - N| \ge L := |\mu(f^*)| / \|\mu\|_1`, and the same holds for the maximum over any
finite set containing the points :math:`x_k` (a test grid, when every :math:`x_k` lies on it).

**The file.** Directions, points and weights are exact rationals ("p/q" strings); ``lower_bound`` is a float
rounded down. :func:`check` trusts none of the numbers that produced them: it recomputes the mass of every
level set in exact rational arithmetic, encloses :math:`f^*(x_k)` in arb balls
(:meth:`proofkit.floor.target.NdTarget.enclose`), and accepts ``lower_bound`` only if it is at most the
lower end of the enclosure of L.
"""
from __future__ import annotations

import json
import math
import os
from collections import defaultdict
from dataclasses import dataclass, field
from fractions import Fraction

from flint import arb

from ..expr import TargetError
from ..interval import DEFAULT_PREC, abs_down, arb_of, working_precision
from .directions import FloorError, direction_json, level_keys, lines, parse_directions, rational, rational_text
from .target import VARIABLES, NdTarget

__all__ = ["FORMAT", "FloorCertificate", "CheckResult", "zero_mass_violation", "enclose_bound",
           "certify_measure", "load_certificate", "check", "grid_violation", "read_json"]

FORMAT = "proofkit.floor/1"
MAX_POINTS = 100_000


@dataclass
class FloorCertificate:
    """A signed point measure :math:`\\mu = \\sum_k \\mu_k\\delta_{x_k}` on :math:`[A, B]^d` that annihilates
    every ridge sum in ``directions``, and the certified lower bound it gives (module docstring).

    ``grids``: numbers K of points per axis such that every :math:`x_k` lies on the grid
    ``linspace(A, B, K)^d`` (then the bound holds for the maximum error over that grid too).
    ``info``: anything else the search recorded (lattices, times, the best ridge fit); not checked."""

    target: str
    dim: int
    domain: tuple
    directions: list
    points: list
    weights: list
    lower_bound: float
    grids: tuple = ()
    precision: int = DEFAULT_PREC
    directions_source: str = ""
    info: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        a, b = self.domain
        out = {
            "format": FORMAT,
            "target": self.target,
            "variables": list(VARIABLES[:self.dim]),
            "domain": [_number(a), _number(b)],
            "domain_exact": [rational_text(a), rational_text(b)],
            "directions": [direction_json(v) for v in self.directions],
            "directions_source": self.directions_source,
            "points": [[rational_text(c) for c in p] for p in self.points],
            "weights": [rational_text(w) for w in self.weights],
            "lower_bound": float(self.lower_bound),
            "positive": self.lower_bound > 0,
            "grids": list(self.grids),
            "precision": int(self.precision),
            "meaning": (f"every N(x) = sum_j g_j(a_j . x) over these directions -- every network whose first layer "
                        f"has these directions, at any width, with any activation, biases and output weights -- "
                        f"has sup |f - N| >= lower_bound on [{_number(a)}, {_number(b)}]^{self.dim}"
                        + (f", and max |f - N| >= lower_bound over the grid of {', '.join(map(str, self.grids))} "
                           "points per axis" if self.grids else "")),
        }
        out.update(self.info)
        return out


def _number(q: Fraction):
    q = Fraction(q)
    return int(q) if q.denominator == 1 else float(q)


def zero_mass_violation(points, weights, directions) -> str | None:
    """None when the measure has total mass exactly zero on every level set of every direction; else one
    line naming the first level set that carries mass (exact rational arithmetic)."""
    for line in lines(directions):
        mass: dict = defaultdict(Fraction)
        where: dict = defaultdict(list)
        for k, t in enumerate(level_keys(points, line)):
            mass[t] += weights[k]
            where[t].append(k)
        for t in sorted(mass):
            if mass[t] != 0:
                ks = where[t]
                return (f"the level set {_dot_text(line)} = {t} carries mass {mass[t]} (points "
                        f"{', '.join(map(str, ks[:6]))}{', ...' if len(ks) > 6 else ''}), not 0")
    return None


def _dot_text(line) -> str:
    names = ("x", "y", "z", "w")
    terms = []
    for c, n in zip(line, names):
        if c:
            terms.append(f"{'' if c == 1 else '-' if c == -1 else str(c) + '*'}{n}")
    return " + ".join(terms).replace("+ -", "- ")


def grid_violation(points, domain, k: int) -> str | None:
    """None when every point lies on the grid linspace(A, B, k)^d (exactly); else one line why not."""
    a, b = domain
    for i, p in enumerate(points):
        for c in p:
            if ((c - a) * (k - 1) / (b - a)).denominator != 1:
                return f"point {i} has coordinate {c}, not on the {k}-point grid of [{a}, {b}]"
    return None


def enclose_bound(target: NdTarget, points, weights, prec: int = DEFAULT_PREC):
    """(ball of :math:`\\mu(f^*) = \\sum_k \\mu_k f^*(x_k)`, :math:`\\|\\mu\\|_1` exactly, the bound
    :math:`|\\mu(f^*)|/\\|\\mu\\|_1` rounded down to a float (0 when the ball contains 0))."""
    norm = sum((abs(w) for w in weights), Fraction(0))
    if norm == 0:
        return arb(0), norm, 0.0
    with working_precision(prec):
        s = arb(0)
        for p, w in zip(points, weights):
            if w:
                s += arb_of(w) * target.enclose(p, prec)
        if not s.is_finite():
            raise TargetError(f"target '{target.text}' has no finite enclosure at the certificate's points")
        lower = abs_down(s / arb_of(norm))
    return s, norm, lower


def certify_measure(target: NdTarget, domain, directions, points, weights, *, grids=(), prec=DEFAULT_PREC,
                    directions_source="", info=None) -> FloorCertificate:
    """A certificate for a measure found by a search: the structure is re-checked exactly and the bound
    computed by :func:`enclose_bound`. Raises :class:`FloorError` if the measure is not admissible."""
    points = [tuple(Fraction(c) for c in p) for p in points]
    weights = [Fraction(w) for w in weights]
    why = _structure_violation(domain, directions, points, weights, grids)
    if why:
        raise FloorError(f"not a floor certificate: {why}")
    _, _, lower = enclose_bound(target, points, weights, prec)
    return FloorCertificate(target=target.text, dim=target.dim, domain=tuple(domain), directions=list(directions),
                            points=points, weights=weights, lower_bound=lower, grids=tuple(grids), precision=prec,
                            directions_source=directions_source, info=dict(info or {}))


def _structure_violation(domain, directions, points, weights, grids) -> str | None:
    a, b = domain
    if not any(weights):
        return "every weight is zero"
    for i, p in enumerate(points):
        if not all(a <= c <= b for c in p):
            return f"point {i} = ({', '.join(map(str, p))}) lies outside [{a}, {b}]^{len(p)}"
    for k in grids:
        why = grid_violation(points, domain, k)
        if why:
            return why
    return zero_mass_violation(points, weights, directions)


# ---------------------------------------------------------------------------------------------- loading
def _need(data, key, kind):
    if key not in data:
        raise FloorError(f"certificate: missing field '{key}'")
    v = data[key]
    if not isinstance(v, kind):
        raise FloorError(f"certificate: field '{key}' has the wrong type ({type(v).__name__})")
    return v


def read_json(path):
    """The parsed contents of a JSON file; :class:`FloorError` (one line) if it is missing or not JSON."""
    path = os.fspath(path)
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except FileNotFoundError:
        raise FloorError(f"{path}: no such file") from None
    except json.JSONDecodeError as exc:
        raise FloorError(f"{path}: not JSON ({exc.msg}, line {exc.lineno})") from None
    except UnicodeDecodeError:
        raise FloorError(f"{path}: not a UTF-8 text file") from None


def load_certificate(source) -> FloorCertificate:
    """Read and validate a ``proofkit.floor/1`` file (a path) or its parsed JSON (a dict).

    Raises :class:`FloorError` (bad input: one line naming the field) for anything malformed; the
    mathematical check is :func:`check`."""
    data = source if isinstance(source, dict) else read_json(source)
    if not isinstance(data, dict):
        raise FloorError("certificate: expected a JSON object")
    if data.get("format") != FORMAT:
        raise FloorError(f"certificate: format is {data.get('format')!r}, expected '{FORMAT}'")
    target = _need(data, "target", str)
    dom = data.get("domain_exact", data.get("domain"))
    if not isinstance(dom, list) or len(dom) != 2:
        raise FloorError("certificate: 'domain' must be [A, B]")
    a, b = (rational(v, "domain") for v in dom)
    shown = data.get("domain")
    if "domain_exact" in data and shown is not None and (
            not isinstance(shown, list) or len(shown) != 2
            or any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in shown)
            or [float(v) for v in shown] != [float(a), float(b)]):
        raise FloorError(f"certificate: 'domain' {shown!r} does not match 'domain_exact' {dom!r}")
    if not a < b:
        raise FloorError(f"certificate: domain [{a}, {b}] is empty (need A < B)")
    raw_dirs = _need(data, "directions", list)
    if not raw_dirs or not isinstance(raw_dirs[0], list):
        raise FloorError("certificate: 'directions' must be a non-empty list of vectors")
    dim = len(raw_dirs[0])
    if dim not in (2, 3):
        raise FloorError(f"certificate: directions have {dim} components; 2 or 3 expected")
    directions = parse_directions(raw_dirs, dim)
    raw_pts = _need(data, "points", list)
    raw_w = _need(data, "weights", list)
    if not raw_pts:
        raise FloorError("certificate: 'points' is empty")
    if len(raw_pts) > MAX_POINTS:
        raise FloorError(f"certificate: {len(raw_pts)} points is more than the {MAX_POINTS} allowed")
    if len(raw_w) != len(raw_pts):
        raise FloorError(f"certificate: {len(raw_pts)} points but {len(raw_w)} weights")
    points = []
    for i, p in enumerate(raw_pts):
        if not isinstance(p, list) or len(p) != dim:
            raise FloorError(f"certificate: points[{i}] must be a list of {dim} rationals")
        points.append(tuple(rational(c, f"points[{i}]") for c in p))
    weights = [rational(w, f"weights[{i}]") for i, w in enumerate(raw_w)]
    lb = data.get("lower_bound")
    if isinstance(lb, bool) or not isinstance(lb, (int, float)) or not math.isfinite(lb):
        raise FloorError("certificate: 'lower_bound' must be a finite number")
    grids = data.get("grids", [])
    if not isinstance(grids, list) or not all(isinstance(k, int) and not isinstance(k, bool) and k >= 2
                                              for k in grids):
        raise FloorError("certificate: 'grids' must be a list of integers >= 2")
    prec = data.get("precision", DEFAULT_PREC)
    if isinstance(prec, bool) or not isinstance(prec, int) or not 53 <= prec <= 4096:
        raise FloorError("certificate: 'precision' must be an integer number of bits in [53, 4096]")
    known = set(FloorCertificate.__dataclass_fields__) | {"format", "variables", "domain_exact", "positive", "meaning"}
    info = {k: v for k, v in data.items() if k not in known}
    return FloorCertificate(target=target, dim=dim, domain=(a, b), directions=directions, points=points,
                            weights=weights, lower_bound=float(lb), grids=tuple(grids), precision=prec,
                            directions_source=str(data.get("directions_source", "")), info=info)


@dataclass(frozen=True)
class CheckResult:
    """Outcome of :func:`check`: ``valid``; ``reason`` (one line); the recomputed bound (float, rounded
    down) and the enclosure of :math:`\\mu(f^*)`."""

    valid: bool
    reason: str
    recomputed: float = 0.0
    enclosure: str = ""


def check(cert: FloorCertificate) -> CheckResult:
    """The independent check of a certificate (module docstring): exact zero mass on every level set of
    every direction, points in the box (and on the claimed grids), and ``lower_bound`` at most the arb
    enclosure's lower end of :math:`|\\mu(f^*)|/\\|\\mu\\|_1`.

    Raises :class:`proofkit.expr.TargetError` for a target that cannot be parsed or enclosed (bad input)."""
    target = NdTarget(cert.target, cert.dim)
    why = _structure_violation(cert.domain, cert.directions, cert.points, cert.weights, cert.grids)
    if why:
        return CheckResult(False, why)
    s, norm, lower = enclose_bound(target, cert.points, cert.weights, cert.precision)
    enclosure = s.str(10, radius=True)
    if cert.lower_bound > lower:
        return CheckResult(False, f"lower_bound {cert.lower_bound!r} exceeds the recomputed bound "
                                  f"|mu(f)|/||mu||_1 >= {lower!r} (mu(f) in {enclosure}, ||mu||_1 = {norm})",
                           lower, enclosure)
    return CheckResult(True, f"{len(cert.points)} points, zero mass on every level set of "
                             f"{len(lines(cert.directions))} direction lines; |mu(f)|/||mu||_1 >= {lower!r}",
                       lower, enclosure)
