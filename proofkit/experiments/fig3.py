r"""Fig. 3: 2-D, :math:`z=-\sin(\pi xy)` on :math:`[-1,1]^2` (PAPER.md §5.3).

Network "2-8n-1-1": the 8 fixed directions (1,0), (-1,0), (1,1), (-1,-1), (-1,1), (1,-1), (0,1), (0,-1),
n units each with biases linspace(-1.75, 1.75, n), coefficient pool linspace(-1, 1, 8n) shuffled
(:mod:`proofkit.train.problem`). 51 200 uniform training points, test grid 113 x 113, batch 128, k = 5,
n in {10, ..., 320}. The paper's message: the rate degrades to about order 1/4 and saturates. Inset: the
target surface (grey) with the predictions of the n = 40 run (red stars) at every 200th grid point.
"""
from __future__ import annotations

import numpy as np

from .spec import PAPER_EPOCHS, PAPER_SEEDS, ModeSettings, RateFigure, Series

__all__ = ["FIG3", "SurfaceInsetFigure"]

WIDTHS_ND = (10, 20, 40, 80, 160, 320)


class SurfaceInsetFigure(RateFigure):
    """A rate figure whose inset is a 3-D surface of a 2-D target with the predictions as red stars."""

    def draw_inset(self, fig, inset):
        from ..train.problem import target_function

        x, _, pred, ins = inset
        pts = np.asarray(x, float)
        g = np.linspace(-1, 1, 61)
        gx, gy = np.meshgrid(g, g, indexing="ij")
        f = target_function(self.base["target"], 2)
        gz = f(np.stack([gx.ravel(), gy.ravel()], axis=1)).reshape(gx.shape)
        ax = fig.add_axes(list(ins.get("rect", (0.6, 0.55, 0.36, 0.4))), projection="3d")
        ax.plot_surface(gx, gy, gz, cmap="gist_gray", alpha=0.5, linewidth=0, antialiased=False)
        ax.scatter(pts[:, 0], pts[:, 1], np.asarray(pred, float), color="red", marker="*", s=12)
        ax.view_init(elev=30, azim=75)
        ax.set_xticks([-1, 1])
        ax.set_yticks([-1, 1])
        ax.set_zticks([-1, 1])
        ax.tick_params(labelsize=9, pad=0)
        if ins.get("title"):
            ax.text2D(0.02, 0.92, ins["title"], transform=ax.transAxes, fontsize=13)
        return ax


FIG3 = SurfaceInsetFigure(
    name="fig3",
    title=r"Fig. 3: 2-D, $f^*(x,y)=-\sin(\pi xy)$",
    base={"target": "-sin(pi*x*y)", "domain": (-1.0, 1.0), "dim": 2, "init": "equidistant", "k": 5,
          "relaxed_scale": 0.0, "batch": 128, "lr": 1e-3, "activation": "relu", "quirk": True,
          "data_seed": 2022},
    series=(Series("Equidistant", {}, "C0", marker="o", ref="Equidistant"),),
    quick=ModeSettings(seeds=PAPER_SEEDS[:1], epochs=1600, widths=WIDTHS_ND, n_train=6400),
    full=ModeSettings(seeds=PAPER_SEEDS, epochs=PAPER_EPOCHS, widths=WIDTHS_ND),
    ref_line=(0.25, (10, 0.26), "1/4 order", "orange"),
    inset={"series": "Equidistant", "n": 40, "seed_index": 0, "stride": 200, "title": r"$n=40$",
           "rect": (0.58, 0.47, 0.38, 0.4)},
    ylim=(0.05, 1.5),
    legend_loc="lower left",
    description="L_inf test error on the 113x113 grid vs n; geometric mean over runs, bars min..max.",
    notes=("Quick mode trains on 6400 of the 51 200 points (1600 epochs, compressed schedule): the full "
           "protocol costs about 0.37 s per epoch summed over the six widths on this machine, i.e. about 40 "
           "minutes per seed.",),
)
