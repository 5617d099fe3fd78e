r"""Certified error floors for networks with fixed first-layer directions (the paper's 2-D and 3-D networks).

Sums of ridge functions :math:`\sum_j g_j(a_j\cdot x)` over a finite direction set are not dense in
:math:`C([-1,1]^d)` (Lin & Pinkus, J. Approx. Theory 75, 1993; Ismailov, JMAA 389, 2012), so for a target
that is not such a sum there is a positive error no network of the architecture beats -- at any width, with
any weights, any activation, any training. This package computes that floor with a certificate anyone can
re-check:

* :mod:`.directions` -- direction sets (the paper's), lines and exact level sets;
* :mod:`.target` -- f*(x, y[, z]): float evaluation and arb enclosures at rational points;
* :mod:`.dual` -- the LP whose dual solution is an annihilating signed point measure, made exact;
* :mod:`.polish` -- moving the measure's points along their zero-mass structure;
* :mod:`.search` -- lattices + polishing, best certified bound;
* :mod:`.certificate` -- the ``proofkit.floor/1`` file and its independent check;
* :mod:`.fit` -- the best ridge fit found (an achievable error, the other side of the bracket).
"""
from .certificate import FORMAT, CheckResult, FloorCertificate, check, load_certificate
from .directions import FloorError, lines, paper_directions, parse_directions
from .fit import RidgeFit, best_ridge_fit
from .search import DEFAULT_LATTICES, search_floor
from .target import NdTarget

__all__ = ["FORMAT", "CheckResult", "FloorCertificate", "check", "load_certificate", "FloorError", "lines",
           "paper_directions", "parse_directions", "RidgeFit", "best_ridge_fit", "DEFAULT_LATTICES",
           "search_floor", "NdTarget"]
