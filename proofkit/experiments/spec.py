r"""Figure specifications: what a figure trains (runs), how it aggregates them, and how it is drawn.

A *figure spec* knows its runs for a mode (:meth:`runs`) and draws itself from the stored run records
(:meth:`make`), writing ``<name>.png``, ``<name>.pdf`` and ``<name>.json`` into the output folder.

**Modes.** ``full`` is the paper's protocol (PAPER.md §4.2, §5.0): 10 runs with initialisation seeds
:math:`2022+1000j` (data seed 2022), the paper's widths, 6400 epochs, Adam lr :math:`10^{-3}` decayed by
0.998 per epoch, the figure's k and batch size. ``quick`` keeps every protocol element except three:
fewer seeds (the first ones of the same list), fewer epochs E, and the learning-rate decay per epoch
raised to :math:`0.998^{6400/E}` so that the schedule still runs from :math:`10^{-3}` down to the same
final rate (a *compressed schedule*); each figure's JSON records its mode and the exact protocol used.

**Rate figures** (:class:`RateFigure`: Figs. 2, 3, 4, 5, 7, 8) aggregate, per series and width n, the
test errors :math:`L^\infty=\max_{\text{test}}|f^{NN}-f^*|` of the runs by their geometric mean, with the
minimum and maximum as error bars, and compare them with the published values
(:mod:`proofkit.experiments.reference`): ratio ours/paper and whether our geometric mean lies inside the
paper's min–max range. The fitted order is the least-squares slope :math:`-r` of
:math:`\log L^\infty` against :math:`\log n`.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np

from .. import plots
from ..errors import ProofkitError
from .reference import figure_reference, published_series
from .runs import train_config

__all__ = ["MODES", "Series", "RateFigure", "ModeSettings", "SpecError", "PAPER_SEEDS", "fitted_order",
           "aggregate", "compare_with_paper"]

MODES = ("quick", "full")
PAPER_SEEDS = tuple(2022 + 1000 * j for j in range(10))
PAPER_EPOCHS = 6400
PAPER_DECAY = 0.998


class SpecError(ProofkitError):
    """Bad figure or mode name, or records that do not match a figure's runs."""


def check_mode(mode: str) -> str:
    """``mode`` if it is ``quick`` or ``full``, else SpecError."""
    if mode not in MODES:
        raise SpecError(f"unknown mode '{mode}'; valid: {', '.join(MODES)}")
    return mode


@dataclass(frozen=True)
class ModeSettings:
    """Seeds, epochs and widths of one mode; ``decay`` is derived (compressed schedule)."""

    seeds: tuple
    epochs: int
    widths: tuple
    n_train: int | None = None
    overrides: tuple = ()  # (field, value) pairs changed in this mode only (recorded in the JSON)

    @property
    def decay(self) -> float:
        """Per-epoch lr decay: 0.998 for 6400 epochs, 0.998^(6400/E) for E epochs (same final rate)."""
        if self.epochs == PAPER_EPOCHS:
            return PAPER_DECAY
        return float(PAPER_DECAY ** (PAPER_EPOCHS / self.epochs))

    def protocol(self) -> dict:
        """The mode's protocol as JSON."""
        d = {"seeds": list(self.seeds), "epochs": self.epochs, "lr_decay_per_epoch": self.decay,
             "widths": list(self.widths)}
        if self.n_train is not None:
            d["n_train"] = self.n_train
        if self.overrides:
            d["mode_overrides"] = dict(self.overrides)
        return d


@dataclass(frozen=True)
class Series:
    """One curve: legend ``label``, TrainConfig overrides ``train`` (init, k, activation, ...), style, the
    name of the published series (``ref``; None if the paper has no numbers), an optional long legend."""

    label: str
    train: dict
    color: str
    marker: str = "o"
    markersize: float = 6
    ref: str | None = None
    legend: str | None = None
    linewidth: float = 1.5


def aggregate(values) -> tuple:
    """(geometric mean, min, max) of the positive run errors."""
    return plots.geometric_mean(values), float(min(values)), float(max(values))


def fitted_order(widths, values) -> float | None:
    """r of the least-squares fit log L = c - r log n (None with fewer than two widths)."""
    w = np.asarray(widths, float)
    v = np.asarray(values, float)
    ok = np.isfinite(v) & (v > 0)
    if ok.sum() < 2:
        return None
    slope = np.polyfit(np.log(w[ok]), np.log(v[ok]), 1)[0]
    return float(-slope)


def compare_with_paper(fig: str, ref_label: str | None, widths, gmean):
    """Published values aligned with ``widths``: dict of lists gmean/min/max/ratio/inside (None where
    the paper has no number). ``inside`` is min <= ours <= max when the paper gives a range."""
    if ref_label is None:
        return None
    pub = published_series(fig, ref_label)
    if pub is None:
        return None
    out = {"series": ref_label, "approximate": pub.approximate, "gmean": [], "min": [], "max": [],
           "ratio": [], "inside_range": []}
    for n, ours in zip(widths, gmean):
        got = pub.at(n)
        g, lo, hi = got if got is not None else (None, None, None)
        out["gmean"].append(g)
        out["min"].append(lo)
        out["max"].append(hi)
        out["ratio"].append(None if g is None or ours is None else float(ours) / g)
        out["inside_range"].append(None if lo is None or hi is None or ours is None
                                   else bool(lo <= ours <= hi))
    return out


@dataclass(frozen=True)
class RateFigure:
    """An error-versus-width figure (one spec per published figure; see the figure modules).

    ``base``: TrainConfig fields common to every run (target, dim, k, batch, ...); ``series``: the
    curves; ``quick`` / ``full``: :class:`ModeSettings`; ``ref_line``: (nominal order r, (n0, c), label,
    colour); ``inset``: dict(series=label, n=width, seed_index=j, every=k, title=..., rect=...) or None;
    ``predictions``: keep every that-many-th test prediction of the inset's run.
    """

    name: str
    title: str
    base: dict
    series: tuple
    quick: ModeSettings
    full: ModeSettings
    ref_line: tuple | None = None
    inset: dict | None = None
    panel: str | None = None
    errorbars: bool = True
    ylim: tuple | None = None
    legend_outside: bool = False
    legend_cols: int = 1
    legend_loc: str = "upper right"
    description: str = ""
    notes: tuple = field(default_factory=tuple)

    # ------------------------------------------------------------------ runs
    def settings(self, mode: str) -> ModeSettings:
        """The :class:`ModeSettings` of ``mode``."""
        return self.quick if check_mode(mode) == "quick" else self.full

    def train_fields(self, series: Series, n: int, seed: int, mode: str) -> dict:
        """TrainConfig fields of one run."""
        s = self.settings(mode)
        d = dict(self.base)
        d.update(series.train)
        d.update(n=int(n), seed=int(seed), epochs=s.epochs, decay=s.decay)
        if s.n_train is not None:
            d["n_train"] = s.n_train
        d.update(dict(s.overrides))
        return d

    def run_config(self, series: Series, n: int, j: int, mode: str) -> dict:
        """The sweep configuration of run j (seed index) of ``series`` at width n; the inset's run keeps
        its test predictions."""
        s = self.settings(mode)
        ins = self.inset_settings(mode)
        pred = 0
        if ins and ins["series"] == series.label and ins["n"] == n and j == ins["seed_index"]:
            pred = ins.get("stride", 1)
        return train_config(self.train_fields(series, n, s.seeds[j], mode), predictions=pred)

    def runs(self, mode: str) -> list:
        """Sweep configurations of all runs of this figure in ``mode``."""
        s = self.settings(mode)
        return [self.run_config(ser, n, j, mode) for ser in self.series for n in s.widths
                for j in range(len(s.seeds))]

    def inset_settings(self, mode: str) -> dict | None:
        """The inset spec with its seed index clipped to the seeds of ``mode``."""
        if not self.inset:
            return None
        ins = dict(self.inset)
        ins["seed_index"] = min(ins.get("seed_index", 0), len(self.settings(mode).seeds) - 1)
        return ins

    # ------------------------------------------------------------------ data
    def collect(self, records: dict, mode: str) -> dict:
        """Per series: widths, per-width run errors, aggregates, comparison with the paper, fitted order.

        ``records`` maps config_key -> run record (from the sweep)."""
        from .sweep import config_key

        s = self.settings(mode)
        out = {}
        for ser in self.series:
            runs, gm, lo, hi, secs = [], [], [], [], 0.0
            for n in s.widths:
                vals = []
                for j, seed in enumerate(s.seeds):
                    rec = records.get(config_key(self.run_config(ser, n, j, mode)))
                    if rec is None:
                        raise SpecError(f"{self.name}: missing run {ser.label} n={n} seed={seed}")
                    vals.append(float(rec["result"]["linf"]))
                    secs += float(rec["result"].get("train_seconds", 0.0))
                runs.append(vals)
                g, a, b = aggregate(vals)
                gm.append(g)
                lo.append(a)
                hi.append(b)
            entry = {"label": ser.label, "train": dict(ser.train), "widths": list(s.widths),
                     "seeds": list(s.seeds), "linf_runs": runs, "gmean": gm, "min": lo, "max": hi,
                     "fitted_order": fitted_order(s.widths, gm), "train_seconds": round(secs, 2)}
            entry["paper"] = compare_with_paper(self.name, ser.ref, s.widths, gm)
            if entry["paper"] is not None:
                pub = published_series(self.name, ser.ref)
                entry["paper"]["fitted_order"] = fitted_order(pub.widths, pub.gmean)
            out[ser.label] = entry
        return out

    def inset_data(self, records: dict, mode: str):
        """(x, target, prediction, title) of the inset run, or None."""
        from .sweep import config_key

        ins = self.inset_settings(mode)
        if not ins:
            return None
        s = self.settings(mode)
        ser = next(x for x in self.series if x.label == ins["series"])
        if ins["n"] not in s.widths:
            return None
        rec = records.get(config_key(self.run_config(ser, ins["n"], ins["seed_index"], mode)))
        if rec is None or "predictions" not in rec["result"]:
            return None
        p = rec["result"]["predictions"]
        return p["x"], p["target"], p["pred"], ins

    # ------------------------------------------------------------------ drawing
    def draw(self, plt, data: dict, inset, mode: str):
        """The matplotlib figure of the collected ``data``."""
        s = self.settings(mode)
        fig = plt.figure(figsize=(12, 6.4) if self.legend_outside else (8, 6.4))
        ax = fig.add_axes([0.09, 0.11, 0.55, 0.79] if self.legend_outside else [0.14, 0.11, 0.83, 0.79])
        plots.rate_axes(ax, s.widths)
        allv = []
        for ser in self.series:
            d = data[ser.label]
            plots.plot_series(ax, d["widths"], d["gmean"], d["min"], d["max"], label=ser.legend or ser.label,
                              color=ser.color, marker=ser.marker, markersize=ser.markersize,
                              errorbars=self.errorbars, linewidth=ser.linewidth)
            allv += d["gmean"] + (d["min"] + d["max"] if self.errorbars else [])
            if d["paper"] is not None:
                plots.plot_published(ax, d["widths"], d["paper"]["gmean"], color=ser.color,
                                     marker="o" if ser.marker in ("+", "x") else ser.marker)
                allv += [g for g in d["paper"]["gmean"] if g is not None]
        if self.ref_line:
            order, start, label, color = self.ref_line
            y_end = plots.reference_line(ax, order, start, max(s.widths), label=label, color=color)
            allv += [start[1], y_end]
        if any(data[x.label]["paper"] is not None for x in self.series):
            ax.plot([], [], linestyle="none", marker="o", markerfacecolor="none", markeredgecolor="0.3",
                    markersize=9, label="paper (published)")
        lo, hi = self.ylim if self.ylim else plots.nice_ylim(allv)
        ax.set_ylim(lo, hi)
        plots.label_minor_log_ticks(ax)
        if self.legend_outside:
            ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), frameon=False, fontsize=13)
        else:
            ax.legend(loc=self.legend_loc, ncol=self.legend_cols, fontsize=13, framealpha=0.85)
        if self.panel:
            plots.panel_label(ax, self.panel)
        if inset is not None:
            self.draw_inset(fig, inset)
        ax.set_title(f"{self.title}  [{mode} mode]", fontsize=13, loc="right")
        return fig

    def draw_inset(self, fig, inset):
        """The fitted-function inset (1-D): target grey, prediction red dots."""
        x, y, pred, ins = inset
        x = np.asarray(x, float).reshape(len(x), -1)[:, 0]
        plots.add_inset(fig, x, y, pred, title=ins.get("title"), rect=ins.get("rect", (0.2, 0.19, 0.24, 0.24)),
                        every=ins.get("every", 8))

    def make(self, records: dict, mode: str, out_dir) -> dict:
        """Draw the figure and write ``<name>.png/.pdf/.json`` into ``out_dir``; returns the JSON dict."""
        data = self.collect(records, mode)
        inset = self.inset_data(records, mode)
        with plots.paper_style() as plt:
            fig = self.draw(plt, data, inset, mode)
            base = os.path.join(os.fspath(out_dir), self.name)
            files = plots.save_figure(fig, base)
            plt.close(fig)
        return self.summary(data, mode, files)

    def summary(self, data, mode, files) -> dict:
        """The figure's JSON record."""
        s = self.settings(mode)
        ref = figure_reference(self.name)
        line = None
        if self.ref_line:
            order, start, label, _ = self.ref_line
            line = {"label": label, "nominal_order": order, "start": list(start), "end_n": max(s.widths),
                    "drawn_slope": -order,
                    "published_drawn_slope": -(ref.get("reference_line") or {}).get("drawn_slope", order)}
        varying = set().union(*(set(x.train) for x in self.series))
        base = {k: v for k, v in self.base.items() if k not in varying}
        return {"figure": self.name, "title": self.title, "mode": mode, "description": self.description,
                "protocol": {**base, **s.protocol(), "paper_epochs": PAPER_EPOCHS, "paper_seeds": len(PAPER_SEEDS)},
                "series": data, "reference_line": line, "notes": list(self.notes),
                "files": [os.path.basename(f) for f in files]}
