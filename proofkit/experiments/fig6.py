r"""Fig. 6: permutation behaviour of one LaPerm run, n = 640 (hidden width 1280) (arXiv 2407.01033,
Fig. 6 and its discussion of permutation behaviour).

:math:`f^*(x)=-\sin(2\pi x)`, Equidistant pool (:math:`B=` linspace(-1,1,640), :math:`W=`
linspace(-1,1,1280)), batch 10, constant k = 5, 6400 epochs, lr :math:`10^{-3}` decayed by 0.998, seed 2022
(the paper's full protocol is cheap enough for one run, so quick mode uses it too). At every permutation
step t the trainer records which positions changed rank since the previous step
(:class:`proofkit.train.PermutationLog`).

Panels: (a) the binary changed/unchanged matrix of the first 400 permutation steps, columns ordered by the
position's initial coefficient value (x-axis "Weights" from -1 to 1); (b) the number of positions that
changed per step (the "frequency"); (c) the test MSE after each permutation step (log-x; the paper's panel
is labelled :math:`L^\infty` but plots the MSE). Red dashed lines: the paper's stage boundaries 16, 43, 300.

The paper starts from the *sorted* pool (unshuffled); this figure uses the trainer's ``sorted_pool``
option when it exists, else the shuffled Equidistant start, and records which in its JSON.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from .. import plots
from .reference import figure_reference
from .runs import decode_events, train_config
from .spec import PAPER_EPOCHS, SpecError, check_mode

__all__ = ["FIG6", "PermutationFigure", "window_means"]

STAGES = (16, 43, 300)
WINDOWS = ((0, 15), (16, 42), (43, 99), (100, 199), (200, 299), (300, 399))


def window_means(counts, windows=WINDOWS) -> list:
    """Mean number of changed positions over inclusive iteration windows (None past the end)."""
    c = np.asarray(counts, float)
    out = []
    for a, b in windows:
        seg = c[a:b + 1]
        out.append({"from": a, "to": b, "mean": float(seg.mean()) if len(seg) == b - a + 1 else None})
    return out


def _sorted_init_available() -> bool:
    """Does the trainer offer the sorted start (TrainConfig.sorted_pool)?"""
    import dataclasses

    from ..train import TrainConfig

    return "sorted_pool" in {f.name for f in dataclasses.fields(TrainConfig)}


@dataclass(frozen=True)
class PermutationFigure:
    """Fig. 6: one logged run and its three panels."""

    name: str = "fig6"
    n: int = 640
    rows: int = 400

    def train_fields(self, mode: str) -> dict:
        """TrainConfig fields (the paper's protocol in both modes)."""
        check_mode(mode)
        d = {"target": "-sin(2*pi*x)", "domain": (-1.0, 1.0), "dim": 1, "n": self.n, "init": "equidistant",
                "seed": 2022, "k": 5, "relaxed_scale": 0.0, "batch": 10, "lr": 1e-3, "decay": 0.998,
                "epochs": PAPER_EPOCHS, "activation": "relu", "layout": "authors", "quirk": True,
                "data_seed": 2022}
        if _sorted_init_available():
            d["sorted_pool"] = True
        return d

    def config(self, mode):
        return train_config(self.train_fields(mode), predictions=8, events=self.rows)

    def runs(self, mode: str) -> list:
        """The single run of the figure."""
        return [self.config(mode)]

    def make(self, records: dict, mode: str, out_dir) -> dict:
        """Draw the three panels and write fig6.png/.pdf/.json."""
        from .sweep import config_key

        rec = records.get(config_key(self.config(mode)))
        if rec is None:
            raise SpecError("fig6: the logged run is missing")
        res = rec["result"]
        ev = res["events"]
        changed = decode_events(ev)
        counts = np.asarray(ev["count"])
        mse = np.asarray(ev["test_mse"])
        H = int(ev["width"])
        with plots.paper_style() as plt:
            fig = plt.figure(figsize=(12, 9.5))
            axa = fig.add_axes([0.1, 0.43, 0.6, 0.5])
            axb = fig.add_axes([0.75, 0.43, 0.21, 0.5], sharey=axa)
            axc = fig.add_axes([0.1, 0.07, 0.86, 0.25])
            from matplotlib.colors import ListedColormap

            cmap = ListedColormap(["#e4f1e1", "#0d585f"])  # light = unchanged, dark teal = permuted
            rows = changed.shape[0]
            axa.imshow(changed.astype(np.uint8), cmap=cmap, aspect="auto", interpolation="nearest",
                       extent=(-1, 1, rows - 0.5, -0.5), vmin=0, vmax=1)
            axa.set_xlabel("Weights (initial value)")
            axa.set_ylabel("Permutation iteration")
            axa.set_xticks([-1, -0.5, 0, 0.5, 1])
            axa.set_yticks(np.arange(0, rows + 1, 100))
            axa.set_ylim(rows - 0.5, -0.5)
            plots.panel_label(axa, "(a)", x=0.0, y=1.01, size=22)
            it = np.arange(min(rows, len(counts)))
            axb.barh(it, counts[:len(it)], height=1.0, color="#137a63")
            axb.set_xlim(0, H)
            axb.set_xticks([0, 1000] if H >= 1000 else [0, H])
            axb.set_xlabel("Frequency")
            axb.tick_params(labelleft=False)
            for s in STAGES:
                if s < rows:
                    axb.axhline(s, color="#cf4037", linestyle="--", linewidth=1.5)
            plots.panel_label(axb, "(b)", x=0.0, y=1.01, size=22)
            t = np.arange(1, len(mse) + 1)
            axc.plot(t, mse, color="#0d585f", linewidth=1.5)
            axc.set_xscale("log")
            axc.set_yscale("log")
            for s in STAGES:
                axc.axvline(s + 1, color="#cf4037", linestyle="--", linewidth=1.5)
            axc.set_xlabel("Permutation iteration + 1")
            axc.set_ylabel("test MSE")
            axc.set_xlim(1, len(mse))
            plots.panel_label(axc, "(c)", x=0.0, y=1.01, size=22)
            start = "sorted" if self.train_fields(mode).get("sorted_pool") else "shuffled"
            fig.suptitle(f"Fig. 6: permutation behaviour, $n={self.n}$ (width {H}), Equidistant, {start} start "
                         f"[{mode} mode]; red: the paper's stage boundaries 16, 43, 300",
                         fontsize=13, y=0.99)
            files = plots.save_figure(fig, os.path.join(os.fspath(out_dir), self.name))
            plt.close(fig)
        ref = figure_reference("fig6")
        return {"figure": self.name, "mode": mode, "protocol": self.train_fields(mode),
                "sorted_start": bool(self.train_fields(mode).get("sorted_pool", False)),
                "permutations": int(res["permutations"]), "final_test_mse": float(res["mse"]),
                "final_test_linf": float(res["linf"]), "paper_final_test_mse": ref["final_test_mse"],
                "counts_first_60": [int(c) for c in counts[:60]],
                "paper_counts_first_60": ref["frequency_series"]["values"],
                "window_means": window_means(counts), "paper_window_means": ref["window_means"],
                "stage_boundaries_paper": list(STAGES),
                "test_mse_at": {str(i): float(mse[i]) for i in (0, 15, 42, 299, len(mse) - 1) if i < len(mse)},
                "files": [os.path.basename(f) for f in files]}


FIG6 = PermutationFigure()
