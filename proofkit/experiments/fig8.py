r"""Appendix Fig. 8: leaky-ReLU activation (arXiv 2407.01033, Fig. 8).

As Fig. 2(a) (k = 5, batch 8, :math:`f^*(x)=-\sin(2\pi x)`) with :math:`\rho(z)=\max(z, 0.01z)`
(PyTorch's default negative slope), n <= 320, series Equidistant and "Random" (which here is the
pairwise pool :math:`B\sim U`, :math:`W\sim U^\pm`). The paper also ran Equidistant at n = 640 and 1280
(published values 0.0543 and 0.0345): both modes run them too. A "1/4 order" reference line from
(10, 0.25); the published decay is steeper (about 0.6–0.9).

**Quick mode**: the paper's protocol at every width on the first 3 seeds (about 1 minute of one core).
"""
from __future__ import annotations

from .fig2 import BASE_1D
from .spec import PAPER_SEEDS, ModeSettings, RateFigure, Series

__all__ = ["FIG8"]

WIDTHS_8 = (10, 20, 40, 80, 160, 320)

FIG8 = RateFigure(
    name="fig8",
    title=r"Fig. 8: leaky ReLU (slope 0.01), $f^*(x)=-\sin(2\pi x)$",
    base={**BASE_1D, "target": "-sin(2*pi*x)", "activation": "leaky_relu:0.01"},
    series=(Series("Equidistant", {"init": "equidistant"}, "C0", marker="o", ref="Equidistant",
                   extra_widths=(640, 1280)),
            Series("Random (pairwise)", {"init": "pairwise"}, "C1", marker="s", ref="Random")),
    quick=ModeSettings(seeds=PAPER_SEEDS[:3], widths=WIDTHS_8),
    full=ModeSettings(seeds=PAPER_SEEDS, widths=WIDTHS_8),
    ref_line=(0.25, (10, 0.25), "1/4 order", "black"),
    inset={"series": "Equidistant", "n": 40, "seed_index": 0, "every": 8, "title": r"$n=40$",
           "rect": (0.72, 0.64, 0.22, 0.22)},
    legend_loc="lower left",
    description="L_inf test error vs n with the leaky ReLU; geometric mean over runs, bars min..max.",
)
