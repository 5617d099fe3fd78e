r"""The search for a good floor certificate: lattices, then polishing, best of all.

For each lattice size m (m intervals per axis of the box) the dual LP of :mod:`proofkit.floor.dual` gives
the best annihilating measure supported on that lattice, i.e. the exact floor :math:`E_m` of uniform ridge
approximation *on the lattice* (a lower bound of the floor on the box). Its support points are then
polished off the lattice along their zero-mass structure (:mod:`proofkit.floor.polish`), which can only
raise the bound. Every candidate is certified -- structure re-checked exactly, bound enclosed in arb
(:func:`proofkit.floor.certificate.certify_measure`) -- and the best certified one is returned.

With ``grids`` (numbers K of test-grid points per axis, e.g. 113 for the paper's Fig. 3) only lattices whose
points lie on every such grid are used (m divides K - 1) and nothing is polished, so the bound holds for the
maximum error over those grids too, which is what the paper's figures plot.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

from ..interval import DEFAULT_PREC
from .certificate import FloorCertificate, certify_measure
from .directions import FloorError, lines
from .dual import lattice_measure
from .polish import polish as polish_measure
from .target import NdTarget

__all__ = ["DEFAULT_LATTICES", "lattices_for_grids", "LatticeRow", "search_floor"]

#: Lattice sizes tried by default: the LP has (m + 1)^d points.
DEFAULT_LATTICES = {2: (8, 16, 32, 64), 3: (4, 6, 8)}
_MAX_LATTICE_POINTS = 400_000
#: Largest lattice chosen automatically for a test grid (the LP takes seconds there: m = 112 in 2-D, 16 in 3-D
#: for the paper's 113-point grid).
_AUTO_GRID_POINTS = {2: 20_000, 3: 5_000}


def lattices_for_grids(dim: int, grids, requested=None) -> tuple[int, ...]:
    """Lattice sizes m whose lattice lies on every grid of K points per axis (m divides K - 1): the
    ``requested`` ones (checked), or else the default sizes that qualify plus the largest divisor of
    gcd(K - 1) whose lattice is small enough for a quick LP (112 for the 113-point grid in 2-D, 16 in 3-D)."""
    g = 0
    for k in grids:
        g = math.gcd(g, int(k) - 1)
    if requested:
        bad = [m for m in requested if g % m]
        if bad:
            raise FloorError(f"lattice size(s) {bad} do not divide {g}: their points would leave the "
                             f"{'/'.join(map(str, grids))}-point grid")
        return tuple(requested)
    divisors = [m for m in range(1, g + 1) if g % m == 0 and (m + 1) ** dim <= _AUTO_GRID_POINTS[dim]]
    chosen = {m for m in DEFAULT_LATTICES[dim] if g % m == 0} | {max(divisors)}
    return tuple(sorted(chosen))


@dataclass
class LatticeRow:
    """What one lattice gave: LP value E_m, certified bound of its measure, and after polishing."""

    m: int
    lp_value: float
    points: int = 0
    lattice_bound: float = 0.0
    polished_bound: float | None = None
    seconds: float = 0.0

    def to_json(self) -> dict:
        return {"m": self.m, "lp_value": self.lp_value, "support_points": self.points,
                "certified_on_lattice": self.lattice_bound, "certified_polished": self.polished_bound,
                "seconds": round(self.seconds, 3)}


@dataclass
class SearchResult:
    certificate: FloorCertificate | None
    rows: list = field(default_factory=list)
    seconds: float = 0.0


def search_floor(target: NdTarget, domain, directions, lattices=None, *, grids=(), polish=True,
                 prec: int = DEFAULT_PREC, directions_source: str = "", progress=None) -> SearchResult:
    """Best certified floor over ``lattices`` (module docstring); ``progress(row)`` is called per lattice.

    Returns a :class:`SearchResult` whose certificate is None when no lattice carries an annihilating
    measure (too coarse for these directions)."""
    t_start = time.perf_counter()
    dim = target.dim
    lines_ = lines(directions)
    if grids:
        lattices = lattices_for_grids(dim, grids, lattices)
        polish = False
    lattices = tuple(lattices or DEFAULT_LATTICES[dim])
    for m in lattices:
        if m < 1 or (m + 1) ** dim > _MAX_LATTICE_POINTS:
            raise FloorError(f"lattice size {m}: need 1 <= m and (m + 1)^{dim} <= {_MAX_LATTICE_POINTS} points")
    best, rows = None, []
    for m in lattices:
        t0 = time.perf_counter()
        lm = lattice_measure(target.check_finite, domain, lines_, m, dim)
        row = LatticeRow(m, lm.lp_value + 0.0)  # + 0.0: no "-0.0" in reports
        if lm.points is not None:
            row.points = len(lm.points)
            cands = [certify_measure(target, domain, directions, lm.points, lm.weights, grids=grids, prec=prec,
                                     directions_source=directions_source,
                                     info={"search_origin": {"lattice": m, "polished": False}})]
            row.lattice_bound = cands[0].lower_bound
            if polish and lm.lp_value > 1e-9:
                pts, w, _ = polish_measure(lm.points, lm.weights, target, lines_, domain)
                if pts != lm.points or w != lm.weights:
                    cands.append(certify_measure(target, domain, directions, pts, w, prec=prec,
                                                 directions_source=directions_source,
                                                 info={"search_origin": {"lattice": m, "polished": True}}))
                row.polished_bound = cands[-1].lower_bound
            for c in cands:
                if best is None or c.lower_bound > best.lower_bound:
                    best = c
        row.seconds = time.perf_counter() - t0
        rows.append(row)
        if progress:
            progress(row)
    return SearchResult(best, rows, time.perf_counter() - t_start)
