r"""The ``proof`` a certificate carries for ``proofkit check`` (format ``proofkit.proof/1``), written by certification.

Given a bound U that :func:`proofkit.certify.certify` proved, :func:`make_proof` *searches* for the data with
which the trusted kernel :mod:`proofkit.checker` re-derives :math:`\sup_{[a,b]}|f^*-f^{NN}|\le U` in one linear
pass: a partition of [a, b] (the network's break-points by the checker's rule, plus ``extra`` points) and
*cells*, runs of consecutive pieces, each with m2 >= sup|f*''| on the cell and a bound on |e| that holds on each
of its pieces. It computes every number with the checker's own functions, so the checker finds the same ones:

1. the points are the break-points of :func:`proofkit.checker.network_pl`; |e| is enclosed at each;
2. pieces are taken in blocks of ``BLOCK``; a block whose pieces all have bounds <= U (the three bounds of
   the checker's docstring, with the enclosures of f*, f*', f*''/2 on the block's ball) is a cell, else it is
   halved, down to single pieces;
3. a single piece that still fails is bisected at its midpoint (an exact rational, an ``extra`` point; f_NN
   there is the network piece's line, :func:`proofkit.checker.line`, as the kernel computes it) down to
   ``max_depth`` levels.

The stated m2 and bounds are the computed ones times (1 + 2^-40), rounded up (a bound never above U): room for
an arb build whose enclosures differ in the last bits. When the search fails (a kink of the target the
checker's enclosures cannot separate, U equal to the sup where the checker's bounds cannot reach it, or the
budget), there is no proof and the certificate's notes say why; the certificate itself is unchanged.
"""
from __future__ import annotations

import math

from flint import arb, ctx, fmpq

from . import checker as K

__all__ = ["make_proof", "BLOCK", "MAX_UNITS"]

BLOCK = 1024          # pieces per initial cell
MAX_UNITS = 4_000_000  # certify searches for a proof automatically up to this hidden width (about 1 us per unit)
_ROOM = 1 + 2.0 ** -40


class _GiveUp(Exception):
    pass


def _stated(x, cap=math.inf):
    return min(math.nextafter(x * _ROOM, math.inf), cap)


class _Search:
    def __init__(self, f, U, max_depth, max_extra):
        self.f, self.U, self.max_depth, self.max_extra = f, U, max_depth, max_extra
        self.cells, self.extra, self.n = [], [], 0

    def cell(self, P, X, V, E, i, j) -> bool:
        """Pieces i..j-1 of (P, X, V, E) as one cell, when all their bounds are <= U."""
        F = self.f.enclose(K.cell_ball(P[i], P[j]), (X[i], X[j]))
        m2 = _stated(2 * K._aup(F[2])) if F[2].is_finite() else None
        bounds = K.cell_bounds(self.U, P, X, V, E, i, j, F, m2)
        if not all(e <= self.U for e in bounds):
            return False
        self.cells.append([self.n, self.n + j - i, m2 if m2 != math.inf else None, _stated(max(bounds), self.U)])
        self.n += j - i
        return True

    def run(self, P, X, V, E, i, j, N, D):
        """Pieces i..j-1 of the network's partition (exact values N / D) in cells, halved where they fail."""
        if j - i == 1:
            line = (K._q(P[i]), K._q(P[j]), fmpq(N[i], D), fmpq(N[j], D))
            return self.piece([P[i], P[j]], [X[i], X[j]], [V[i], V[j]], [E[i], E[j]], line, 0)
        if not self.cell(P, X, V, E, i, j):
            mid = (i + j) // 2
            self.run(P, X, V, E, i, mid, N, D)
            self.run(P, X, V, E, mid, j, N, D)

    def piece(self, P, X, V, E, line, depth):
        """The piece [P[0], P[1]] inside the network piece whose line (u, v, f_NN(u), f_NN(v)) is given."""
        if self.cell(P, X, V, E, 0, 1):
            return
        if depth >= self.max_depth or len(self.extra) >= self.max_extra:
            raise _GiveUp(f"the piece [{float(P[0]):.17g}, {float(P[1]):.17g}] keeps a bound above U = {self.U!r} "
                          f"after {depth} bisections ({len(self.extra)} extra points)")
        m = (K._q(P[0]) + K._q(P[1])) / 2
        xm, vm = arb(m), arb(K.line(m, *line))   # the kernel's value at an extra point
        em = K.errors(self.f, [xm], [vm])[0]
        self.piece([P[0], m], [X[0], xm], [V[0], vm], [E[0], em], line, depth + 1)
        self.extra.append(m)
        self.piece([m, P[1]], [xm, X[1]], [vm, V[1]], [em, E[1]], line, depth + 1)


def make_proof(net, target_text: str, domain, upper: float, prec: int = 128, *, max_depth: int = 60,
               max_extra: int = 200_000):
    """(proof dictionary, None) proving sup|f* - f_NN| <= ``upper`` on ``domain`` for the stored float network
    ``net`` (:class:`~proofkit.network.PermNetwork`), or (None, the reason) when the search fails. Tries the
    working precision ``prec`` and then twice that (exact ties need the bits)."""
    a, b = float(domain[0]), float(domain[1])
    reason = None
    s = net.negative_slope  # the fields the kernel reads from the file, as it reads them
    d = {"weights": net.weights.tolist(), "biases": net.biases.tolist(), "coefficients": net.coefficients.tolist(),
         "scale": float(net.scale), "shift": float(net.shift), "slope": fmpq(s.numerator, s.denominator)}
    for bits in (int(prec), 2 * int(prec)):
        old = ctx.prec, ctx.cap
        ctx.prec, ctx.cap = bits, 3
        try:
            f = K.Target(target_text)
            P, N, D = K.network_pl(d, a, b)   # the kernel's partition without extra points
            X, V = list(map(arb, P)), K.values(N, D)
            E = K.errors(f, X, V)
            s = _Search(f, float(upper), max_depth, max_extra)
            for i in range(0, len(P) - 1, BLOCK):
                s.run(P, X, V, E, i, min(i + BLOCK, len(P) - 1), N, D)
            return {"format": K.PROOF, "precision": bits, "knots": len(P) - 2,
                    "extra": [f"{q.p}/{q.q}" for q in s.extra], "cells": s.cells}, None
        except (K.InputError, K.Rejected, _GiveUp) as exc:
            reason = f"no proof for 'proofkit check': {exc}"
            if isinstance(exc, K.InputError):
                break
        finally:
            ctx.prec, ctx.cap = old
    return None, reason
