r"""Fig. 2: :math:`L^\infty` error against the width n for the 1-D targets (arXiv 2407.01033, Fig. 2).

(a) :math:`f^*(x)=-\sin(2\pi x)`, (b) the third Legendre polynomial :math:`\tfrac12(5x^3-3x)`, both on
[-1, 1], network 1-2n-1-1, three initialisations: Equidistant (:math:`B=` linspace(-1,1,n),
:math:`W=` linspace(-1,1,2n) shuffled), Pairwise (:math:`B\sim U[-1,1]^n`, :math:`W=(c,-c)`) and Random
(:math:`W\sim U[-1,1]^{2n}`). LaPerm with constant k = 5, batch 8, Adam lr :math:`10^{-3}` decayed per
epoch, n in {10, ..., 1280}; the paper's message: Pairwise follows the order-1/2 line, Equidistant and
Random converge more slowly or irregularly.

**Quick mode** (:data:`QUICK_1D`): the paper's protocol at every width on the first 3 seeds (about
2.5 minutes of one core per panel, :mod:`proofkit.experiments.cost`). Sized on the full-mode runs of
Figs. 2(a)/(b): their first 3 seeds give fitted orders within 0.1 of the 10-seed orders (the first seed
alone: up to 0.3 off).
"""
from __future__ import annotations

from .spec import PAPER_SEEDS, ModeSettings, RateFigure, Series

__all__ = ["FIG2A", "FIG2B", "WIDTHS_1D", "SERIES_1D", "QUICK_1D", "FULL_1D", "BASE_1D"]

WIDTHS_1D = (10, 20, 40, 80, 160, 320, 640, 1280)
QUICK_1D = ModeSettings(seeds=PAPER_SEEDS[:3], widths=WIDTHS_1D)
FULL_1D = ModeSettings(seeds=PAPER_SEEDS, widths=WIDTHS_1D)

SERIES_1D = (
    Series("Equidistant", {"init": "equidistant"}, "C0", marker="o", ref="Equidistant"),
    Series("Pairwise", {"init": "pairwise"}, "C1", marker="s", ref="Pairwise"),
    Series("Random", {"init": "random"}, "#e6b422", marker="^", ref="Random"),
)

BASE_1D = {"domain": (-1.0, 1.0), "dim": 1, "k": 5, "relaxed_scale": 0.0, "batch": 8, "lr": 1e-3,
           "activation": "relu", "layout": "authors", "quirk": True, "data_seed": 2022}

FIG2A = RateFigure(
    name="fig2a",
    title=r"Fig. 2(a): $f^*(x)=-\sin(2\pi x)$",
    base={**BASE_1D, "target": "-sin(2*pi*x)"},
    series=SERIES_1D,
    quick=QUICK_1D,
    full=FULL_1D,
    ref_line=(0.5, (10, 0.25), "1/2 order", "green"),
    inset={"series": "Random", "n": 160, "seed_index": 0, "every": 8, "title": r"Random $n=160$"},
    panel="(a)",
    description="L_inf test error (400 equispaced points) vs n; geometric mean over runs, bars min..max.",
)

FIG2B = RateFigure(
    name="fig2b",
    title=r"Fig. 2(b): $f^*(x)=\frac{1}{2}(5x^3-3x)$",
    base={**BASE_1D, "target": "(5*x**3 - 3*x)/2", "n_test": 1600},
    series=SERIES_1D,
    quick=QUICK_1D,
    full=FULL_1D,
    ref_line=(0.5, (10, 0.075), "1/2 order", "green"),
    inset={"series": "Random", "n": 40, "seed_index": 7, "every": 40, "title": r"Random $n=40$"},
    panel="(b)",
    description="L_inf test error (1600 equispaced points) vs n; geometric mean over runs, bars min..max.",
)
