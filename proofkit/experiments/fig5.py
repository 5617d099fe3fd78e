r"""Fig. 5: eight random initialisations on :math:`f^*(x)=-\sin(2\pi x)` (arXiv 2407.01033, Fig. 5).

Same protocol as Fig. 2(a) (k = 5, batch 8). Series: Equidistant and Random 1–8 (the legend of the
paper's Fig. 5; :func:`proofkit.pool.experiment_pool`):
Random 1 = pairwise (:math:`B\sim U`, :math:`W\sim U^\pm`), 2 = totally random, 3 = equidistant biases
with random W, 4 = random biases with equidistant W, 5/6 = Xavier-uniform / He-normal for both B and W,
7/8 = uniform B with Xavier / He W. No error bars. The paper's message: Random 1 is best (order 1/2),
Random 4 second; Random 5 and 6 (variance-scaled B and W) do not converge (error about 1.1–1.3 at every
width); Random 7 and 8 converge more slowly. Equidistant, Random 1 and Random 2 are the runs of Fig. 2(a)
(same configurations, so the sweep computes them once).

**Quick mode**: the paper's protocol at every width on the first 3 seeds (its Equidistant, Random 1 and
Random 2 runs are those of quick Fig. 2(a); the six others cost about 5 minutes of one core).
"""
from __future__ import annotations

from .fig2 import BASE_1D, FULL_1D, QUICK_1D
from .spec import RateFigure, Series

__all__ = ["FIG5"]

_LEGENDS = {
    1: r"Random 1: $B\sim\mathcal{U}$, $W\sim\mathcal{U}^{\pm}$",
    2: r"Random 2: $B\sim\mathcal{U}$, $W\sim\mathcal{U}^{2n}$",
    3: r"Random 3: $W\sim\mathcal{U}^{2n}$",
    4: r"Random 4: $B\sim\mathcal{U}$",
    5: r"Random 5: $B,W\sim\mathcal{U}_X$",
    6: r"Random 6: $B,W\sim\mathcal{N}_H$",
    7: r"Random 7: $B\sim\mathcal{U}$, $W\sim\mathcal{U}_X$",
    8: r"Random 8: $B\sim\mathcal{U}$, $W\sim\mathcal{N}_H$",
}
_STYLE = {1: ("+", "#e6b422", 10), 2: ("+", "#ff7f0e", 10), 3: ("D", "#3dd9d6", 5), 4: ("D", "#ea5506", 5),
          5: ("D", "#578A8A", 5), 6: ("D", "#B0D9C3", 5), 7: ("D", "#77428D", 5), 8: ("D", "#B28FCE", 5)}
_INIT = {1: "pairwise", 2: "random", 3: "random3", 4: "random4", 5: "random5", 6: "random6", 7: "random7",
         8: "random8"}

SERIES_5 = (Series("Equidistant", {"init": "equidistant"}, "tab:blue", marker="+", markersize=10, ref=None,
                   linewidth=1.0),) + tuple(
    Series(f"Random {i}", {"init": _INIT[i]}, _STYLE[i][1], marker=_STYLE[i][0], markersize=_STYLE[i][2],
           ref=f"Random {i}", legend=_LEGENDS[i], linewidth=1.0) for i in range(1, 9))

FIG5 = RateFigure(
    name="fig5",
    title=r"Fig. 5: eight random initialisations, $f^*(x)=-\sin(2\pi x)$",
    base={**BASE_1D, "target": "-sin(2*pi*x)"},
    series=SERIES_5,
    quick=QUICK_1D,
    full=FULL_1D,
    ref_line=(0.5, (10, 0.25), "1/2 order", "green"),
    inset={"series": "Random 2", "n": 160, "seed_index": 0, "every": 8, "title": r"Random 2: $n=160$",
           "rect": (0.15, 0.19, 0.17, 0.24)},
    errorbars=False,
    legend_outside=True,
    legend_fontsize=10.5,
    description="L_inf test error vs n for the initialisations Random 1-8 of the paper's Fig. 5; geometric "
                "mean over runs, no error bars (as published).",
)
