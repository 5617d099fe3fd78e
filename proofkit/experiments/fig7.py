r"""Appendix Fig. 7: the permutation period k (arXiv 2407.01033, Fig. 7).

Equidistant initialisation, :math:`f^*(x)=-\sin(2\pi x)`, batch 8, n <= 320, the *relaxed* period
:math:`k_e=\lceil k_0\,(2-\text{decay})^{e/10}\rceil` (``relaxed_scale`` = 10) with
:math:`k_0\in\{1,3,5,10,20\}`, the paper's schedule (6400 epochs, decay 0.998). The paper's message:
LaPerm is robust to k; k = 1 is the worst.

**Quick mode**: the paper's protocol at every width on the first 3 seeds (about 1.5 minutes of one core).
"""
from __future__ import annotations

from .fig2 import BASE_1D
from .spec import PAPER_SEEDS, ModeSettings, RateFigure, Series

__all__ = ["FIG7"]

WIDTHS_7 = (10, 20, 40, 80, 160, 320)
_COLORS = {1: "#E03C8A", 3: "#578A8A", 5: "#77428D", 10: "#E17356", 20: "#2a93d4"}
_MARKERS = {1: "o", 3: "s", 5: "^", 10: "D", 20: "v"}

FIG7 = RateFigure(
    name="fig7",
    title=r"Fig. 7: permutation period $k$ (relaxed), Equidistant",
    base={**BASE_1D, "target": "-sin(2*pi*x)", "init": "equidistant", "relaxed_scale": 10.0},
    series=tuple(Series(f"k={k}", {"k": k}, _COLORS[k], marker=_MARKERS[k], ref=f"k={k}",
                        legend=f"$k={k}$", paper_legend=f"$k={k}$ (paper)") for k in (1, 3, 5, 10, 20)),
    quick=ModeSettings(seeds=PAPER_SEEDS[:3], widths=WIDTHS_7),
    full=ModeSettings(seeds=PAPER_SEEDS, widths=WIDTHS_7),
    ref_line=(0.5, (10, 0.6), "1/2 order", "black"),
    inset={"series": "k=5", "n": 40, "seed_index": 0, "every": 8, "title": r"$k=5$, $n=40$"},
    legend_cols=2,
    description="L_inf test error vs n for the relaxed permutation period k_0 in {1,3,5,10,20}; geometric "
                "mean over runs, bars min..max.",
    notes=("The paper gives no start value for its 1/2-order line in Fig. 7; proofkit starts it at (10, 0.6).",),
)
