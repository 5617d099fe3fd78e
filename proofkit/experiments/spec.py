r"""Figure specifications: what a figure trains (runs), how it aggregates them, and how it is drawn.

A *figure spec* knows its runs for a mode (:meth:`runs`) and draws itself from the stored run records
(:meth:`make`), writing ``<name>.png``, ``<name>.pdf`` and ``<name>.json`` into the output folder.

**Modes.** ``full`` is the paper's protocol (arXiv 2407.01033, the set-up of its Figs. 2–8 and the authors'
published code): 10 runs with initialisation seeds :math:`2022+1000j` (data seed 2022), the paper's widths,
6400 epochs, Adam lr :math:`10^{-3}` decayed by 0.998 per epoch, the figure's k, batch size and training
set. ``quick`` runs **the same protocol** on fewer seeds (the first ones of the same list) and, where a
figure says so, fewer widths (chosen per figure with :mod:`proofkit.experiments.cost`): every quick run is
a run of the full sweep, bit for bit, so a quick figure is a subsample of the full one and cannot show a
different schedule's behaviour. What a quick figure omits is listed in its JSON (``"omits"``) and under its title.

**Rate figures** (:class:`RateFigure`: Figs. 2, 3, 4, 5, 7, 8) aggregate, per series and width n, the
test errors :math:`L^\infty=\max_{\text{test}}|f^{NN}-f^*|` of the runs by their geometric mean, with the
minimum and maximum as error bars, and compare them with the published values
(:mod:`proofkit.experiments.reference`): ratio ours/paper and whether our geometric mean lies inside the
paper's min–max range. The fitted order is the least-squares slope :math:`-r` of :math:`\log L^\infty`
against :math:`\log n`; ours and the paper's are also fitted over the same widths (those where both have a
value). The published points are drawn with their min–max ranges where the paper gives them; Figs. 3 and 4
draw the certified error floor of their fixed first layer when ``proofkit/data/floor_<fig>.json`` exists.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np

from .. import plots
from ..errors import ProofkitError
from .reference import figure_reference, floor_values, published_series
from .runs import train_config

__all__ = ["MODES", "Series", "RateFigure", "ModeSettings", "SpecError", "PAPER_SEEDS", "PAPER_EPOCHS",
           "PAPER_DECAY", "fitted_order", "aggregate", "compare_with_paper", "check_mode"]

MODES = ("quick", "full")
PAPER_SEEDS = tuple(2022 + 1000 * j for j in range(10))
PAPER_EPOCHS = 6400
PAPER_DECAY = 0.998
PUBLISHED_DODGE = 1.08  # published points are drawn at n * 1.08 so that their range bars do not hide ours


class SpecError(ProofkitError):
    """Bad figure or mode name, or records that do not match a figure's runs."""


def check_mode(mode: str) -> str:
    """``mode`` if it is ``quick`` or ``full``, else SpecError."""
    if mode not in MODES:
        raise SpecError(f"unknown mode '{mode}'; valid: {', '.join(MODES)}")
    return mode


@dataclass(frozen=True)
class ModeSettings:
    """Seeds and widths of one mode. The schedule is the paper's in both modes (6400 epochs, lr decayed by
    0.998 per epoch); ``epochs`` is lowered only by tests' tiny specs (the decay per epoch stays 0.998)."""

    seeds: tuple
    widths: tuple
    epochs: int = PAPER_EPOCHS

    @property
    def decay(self) -> float:
        """Per-epoch learning-rate decay: the paper's 0.998."""
        return PAPER_DECAY

    def protocol(self) -> dict:
        """The mode's protocol as JSON."""
        return {"seeds": list(self.seeds), "epochs": self.epochs, "lr_decay_per_epoch": self.decay,
                "widths": list(self.widths)}


@dataclass(frozen=True)
class Series:
    """One curve: legend ``label``, TrainConfig overrides ``train`` (init, k, activation, ...), style, the
    name of the published series (``ref``; None if the paper has no numbers), an optional long legend,
    ``extra_widths``: widths run for this series only (where the paper has extra points), in every mode,
    and an optional legend text for the published points."""

    label: str
    train: dict
    color: str
    marker: str = "o"
    markersize: float = 6
    ref: str | None = None
    legend: str | None = None
    linewidth: float = 1.5
    extra_widths: tuple = ()
    paper_legend: str | None = None  # legend text of the published points (default "<ref> (paper)")


def aggregate(values) -> tuple:
    """(geometric mean, min, max) of the positive run errors."""
    return plots.geometric_mean(values), float(min(values)), float(max(values))


def fitted_order(widths, values) -> float | None:
    """r of the least-squares fit log L = c - r log n (None with fewer than two usable widths)."""
    w = np.asarray(widths, float)
    v = np.asarray([np.nan if x is None else x for x in values], float)
    ok = np.isfinite(v) & (v > 0)
    if ok.sum() < 2:
        return None
    slope = np.polyfit(np.log(w[ok]), np.log(v[ok]), 1)[0]
    return float(-slope)


def compare_with_paper(fig: str, ref_label: str | None, widths, gmean):
    """Published values aligned with ``widths``: dict of lists gmean/min/max/ratio/inside (None where
    the paper has no number). ``inside`` is min <= ours <= max when the paper gives a range.

    ``common_widths`` are the widths where both have a value; ``fitted_order`` is the paper's order and
    ``fitted_order_ours`` ours, both fitted over exactly those widths; ``fitted_order_all_widths`` is the
    paper's order over all its published widths."""
    if ref_label is None:
        return None
    pub = published_series(fig, ref_label)
    if pub is None:
        return None
    out = {"series": ref_label, "approximate": pub.approximate, "gmean": [], "min": [], "max": [],
           "ratio": [], "inside_range": []}
    common, ours_c, pub_c = [], [], []
    for n, ours in zip(widths, gmean):
        got = pub.at(n)
        g, lo, hi = got if got is not None else (None, None, None)
        out["gmean"].append(g)
        out["min"].append(lo)
        out["max"].append(hi)
        out["ratio"].append(None if g is None or ours is None else float(ours) / g)
        out["inside_range"].append(None if lo is None or hi is None or ours is None
                                   else bool(lo <= ours <= hi))
        if g is not None and ours is not None:
            common.append(int(n))
            ours_c.append(ours)
            pub_c.append(g)
    out["common_widths"] = common
    out["fitted_order"] = fitted_order(common, pub_c)
    out["fitted_order_ours"] = fitted_order(common, ours_c)
    out["fitted_order_all_widths"] = fitted_order(pub.widths, pub.gmean)
    return out


@dataclass(frozen=True)
class RateFigure:
    """An error-versus-width figure (one spec per published figure; see the figure modules).

    ``base``: TrainConfig fields common to every run (target, dim, k, batch, ...); ``series``: the
    curves; ``quick`` / ``full``: :class:`ModeSettings`; ``ref_line``: (nominal order r, (n0, c), label,
    colour); ``inset``: dict(series=label, n=width, seed_index=j, every=k, title=..., rect=...) or None;
    ``notes``: remarks for the JSON and REPORT.md; ``departures``: where the protocol departs from the
    paper's or the authors' code, and why (REPORT.md lists them).
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
    legend_fontsize: float = 12
    description: str = ""
    notes: tuple = field(default_factory=tuple)
    departures: tuple = field(default_factory=tuple)

    # ------------------------------------------------------------------ runs
    def settings(self, mode: str) -> ModeSettings:
        """The :class:`ModeSettings` of ``mode``."""
        return self.quick if check_mode(mode) == "quick" else self.full

    def series_widths(self, series: Series, mode: str) -> tuple:
        """Widths run for ``series`` in ``mode`` (the mode's widths, plus the series' extra widths)."""
        s = self.settings(mode)
        if not s.widths:
            return ()
        return tuple(s.widths) + tuple(n for n in series.extra_widths if n not in s.widths)

    def train_fields(self, series: Series, n: int, seed: int, mode: str) -> dict:
        """TrainConfig fields of one run."""
        s = self.settings(mode)
        d = dict(self.base)
        d.update(series.train)
        d.update(n=int(n), seed=int(seed), epochs=s.epochs, decay=s.decay)
        return d

    def run_config(self, series: Series, n: int, j: int, mode: str) -> dict:
        """The sweep configuration of run j (seed index) of ``series`` at width n. The inset's run of
        either mode keeps its test predictions (in both modes, so that every quick run is a full run)."""
        seed = self.settings(mode).seeds[j]
        pred = 0
        for m in MODES:
            ins = self.inset_settings(m)
            if (ins and ins["series"] == series.label and ins["n"] == n
                    and self.settings(m).seeds[ins["seed_index"]] == seed):
                pred = ins.get("stride", 1)
        return train_config(self.train_fields(series, n, seed, mode), predictions=pred)

    def runs(self, mode: str) -> list:
        """Sweep configurations of all runs of this figure in ``mode``."""
        s = self.settings(mode)
        return [self.run_config(ser, n, j, mode) for ser in self.series for n in self.series_widths(ser, mode)
                for j in range(len(s.seeds))]

    def inset_settings(self, mode: str) -> dict | None:
        """The inset spec with its seed index clipped to the seeds of ``mode``."""
        if not self.inset or not self.settings(mode).seeds:
            return None
        ins = dict(self.inset)
        ins["seed_index"] = min(ins.get("seed_index", 0), len(self.settings(mode).seeds) - 1)
        return ins

    def omissions(self, mode: str) -> list:
        """What ``mode`` leaves out of the full protocol, one sentence each (empty in full mode)."""
        if check_mode(mode) == "full":
            return []
        q, f = self.quick, self.full
        out = []
        if not q.widths or not q.seeds:
            return [f"all training (too costly for quick mode with today's engine, see proofkit.experiments.cost; "
                    f"'proofkit figures --only {self.name} --full' trains it): only the published values are drawn"]
        if len(q.seeds) < len(f.seeds):
            out.append(f"runs: {len(q.seeds)} of the paper's {len(f.seeds)} per point "
                       f"(seeds {', '.join(map(str, q.seeds))})")
        missing = [n for n in f.widths if n not in q.widths]
        if missing:
            out.append(f"widths n = {', '.join(map(str, missing))}")
        if q.epochs != f.epochs:
            out.append(f"epochs beyond {q.epochs}")
        return out

    def omission_line(self, mode: str) -> str:
        """One line for under the title: what ``mode`` omits and what it keeps."""
        om = self.omissions(mode)
        if not om:
            return ""
        q = self.quick
        kept = ("" if q.epochs != self.full.epochs or not q.seeds or not q.widths else
                "; kept: the paper's schedule (6400 epochs, lr decay 0.998), k, batch, training set"
                + (" and every width" if set(self.full.widths) <= set(q.widths) else ""))
        return "quick mode omits " + "; ".join(om) + kept

    # ------------------------------------------------------------------ data
    def collect(self, records: dict, mode: str) -> dict:
        """Per series: widths, per-width run errors, aggregates, comparison with the paper, fitted order.

        ``records`` maps config_key -> run record (from the sweep)."""
        from .sweep import config_key

        s = self.settings(mode)
        out = {}
        for ser in self.series:
            widths = self.series_widths(ser, mode)
            runs, gm, lo, hi = [], [], [], []
            for n in widths:
                vals = []
                for j, seed in enumerate(s.seeds):
                    rec = records.get(config_key(self.run_config(ser, n, j, mode)))
                    if rec is None:
                        raise SpecError(f"{self.name}: missing run {ser.label} n={n} seed={seed}")
                    vals.append(float(rec["result"]["linf"]))
                runs.append(vals)
                g, a, b = aggregate(vals)
                gm.append(g)
                lo.append(a)
                hi.append(b)
            entry = {"label": ser.label, "train": dict(ser.train), "widths": list(widths),
                     "seeds": list(s.seeds), "linf_runs": runs, "gmean": gm, "min": lo, "max": hi,
                     "fitted_order": fitted_order(widths, gm)}
            entry["paper"] = compare_with_paper(self.name, ser.ref, widths, gm)
            out[ser.label] = entry
        return out

    def inset_data(self, records: dict, mode: str):
        """(x, target, prediction, inset spec) of the inset run, or None."""
        from .sweep import config_key

        ins = self.inset_settings(mode)
        if not ins:
            return None
        ser = next(x for x in self.series if x.label == ins["series"])
        if ins["n"] not in self.series_widths(ser, mode):
            return None
        rec = records.get(config_key(self.run_config(ser, ins["n"], ins["seed_index"], mode)))
        if rec is None or "predictions" not in rec["result"]:
            return None
        p = rec["result"]["predictions"]
        return p["x"], p["target"], p["pred"], ins

    # ------------------------------------------------------------------ drawing
    def draw_rates(self, ax, data: dict, mode: str, *, errorbars: bool | None = None) -> list:
        """Our series (solid, min–max bars), the published points with their min–max ranges (hollow, one
        legend entry per series), the reference line and the certified floor band on the log–log ``ax``.
        Returns the plotted values (for the y-limits)."""
        errorbars = self.errorbars if errorbars is None else errorbars
        axis_widths = sorted({n for ser in self.series for n in self.series_widths(ser, "full")}
                             | {n for d in data.values() for n in d["widths"]})
        plots.rate_axes(ax, axis_widths)
        allv = []
        for ser in self.series:
            d = data[ser.label]
            if d["widths"]:
                plots.plot_series(ax, d["widths"], d["gmean"], d["min"], d["max"], label=ser.legend or ser.label,
                                  color=ser.color, marker=ser.marker, markersize=ser.markersize,
                                  errorbars=errorbars, linewidth=ser.linewidth)
                allv += d["gmean"] + (d["min"] + d["max"] if errorbars else [])
        for ser in self.series:
            pub = published_series(self.name, ser.ref) if ser.ref else None
            if pub is None:
                continue
            plots.plot_published(ax, pub.widths, pub.gmean, color=ser.color, lo=pub.min, hi=pub.max,
                                 marker="o" if ser.marker in ("+", "x") else ser.marker, dodge=PUBLISHED_DODGE,
                                 label=ser.paper_legend or f"{ser.ref} (paper{', approx.' if pub.approximate else ''})")
            allv += [v for v in pub.gmean + (pub.min or ()) + (pub.max or ()) if v is not None]
        if self.ref_line:
            order, start, label, color = self.ref_line
            y_end = plots.reference_line(ax, order, start, max(axis_widths), label=label, color=color)
            allv += [start[1], y_end]
        floor = floor_values(self.name)
        if floor is not None:
            plots.floor_band(ax, floor["lower_bound"], floor["best_fit_error"], label="certified floor (any width)")
            allv += [floor["lower_bound"], floor["best_fit_error"]]
        return allv

    def finish_axes(self, ax, allv, mode, *, legend_loc=None, pad=1.6):
        """y-limits, tick labels, legend, title with the mode and what it omits."""
        lo, hi = self.ylim if self.ylim else plots.nice_ylim(allv, pad=pad)
        ax.set_ylim(lo, hi)
        plots.label_minor_log_ticks(ax)
        handles, labels = ax.get_legend_handles_labels()
        ours = [ser.legend or ser.label for ser in self.series]

        def rank(i):  # ours first, then the published points, then reference line and floor
            lab = labels[i]
            return (ours.index(lab), i) if lab in ours else ((100, i) if "(paper" in lab else (200, i))

        idx = sorted(range(len(labels)), key=rank)
        handles, labels = [handles[i] for i in idx], [labels[i] for i in idx]
        if self.legend_outside:
            ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.02, 1.0), frameon=False,
                      fontsize=self.legend_fontsize)
        else:
            ax.legend(handles, labels, loc=legend_loc or self.legend_loc, ncol=self.legend_cols,
                      fontsize=self.legend_fontsize, framealpha=0.85)
        ax.set_title(f"{self.title}  [{mode} mode]", fontsize=13, loc="right")
        note = self.omission_line(mode)
        if note:
            import textwrap

            ax.figure.text(0.01, 0.008, "\n".join(textwrap.wrap(note, 150)), fontsize=8.5, color="0.25",
                           ha="left", va="bottom")

    def draw(self, plt, data: dict, inset, mode: str):
        """The matplotlib figure of the collected ``data``."""
        fig = plt.figure(figsize=(12.5, 6.8) if self.legend_outside else (8.5, 6.8))
        ax = fig.add_axes([0.09, 0.15, 0.5, 0.77] if self.legend_outside else [0.13, 0.15, 0.84, 0.77])
        allv = self.draw_rates(ax, data, mode)
        self.finish_axes(ax, allv, mode)
        if self.panel:
            plots.panel_label(ax, self.panel)
        if inset is not None:
            self.draw_inset(fig, inset)
        return fig

    def draw_inset(self, fig, inset):
        """The fitted-function inset (1-D): target grey, prediction red dots."""
        x, y, pred, ins = inset
        x = np.asarray(x, float).reshape(len(x), -1)[:, 0]
        plots.add_inset(fig, x, y, pred, title=ins.get("title"), rect=ins.get("rect", (0.19, 0.22, 0.24, 0.24)),
                        every=ins.get("every", 8))

    def make(self, records: dict, mode: str, out_dir) -> dict:
        """Draw the figure and write ``<name>.png/.pdf`` into ``out_dir``; returns the JSON dict (the caller
        writes ``<name>.json``). The same records give byte-identical files."""
        data = self.collect(records, mode)
        inset = self.inset_data(records, mode)
        with plots.paper_style() as plt:
            fig = self.draw(plt, data, inset, mode)
            base = os.path.join(os.fspath(out_dir), self.name)
            files = plots.save_figure(fig, base)
            plt.close(fig)
        return self.summary(data, mode, files)

    def summary(self, data, mode, files) -> dict:
        """The figure's JSON record (no timings: a re-run from the same runs gives the same bytes)."""
        s = self.settings(mode)
        ref = figure_reference(self.name)
        line = None
        if self.ref_line:
            order, start, label, _ = self.ref_line
            line = {"label": label, "nominal_order": order, "start": list(start),
                    "end_n": max(n for ser in self.series for n in self.series_widths(ser, "full")),
                    "drawn_slope": -order,
                    "published_drawn_slope": -(ref.get("reference_line") or {}).get("drawn_slope", order)}
        varying = set().union(*(set(x.train) for x in self.series))
        base = {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.base.items() if k not in varying}
        return {"figure": self.name, "title": self.title, "mode": mode, "description": self.description,
                "protocol": {**base, **s.protocol(), "paper_epochs": PAPER_EPOCHS, "paper_seeds": len(PAPER_SEEDS)},
                "omits": self.omissions(mode), "series": data, "reference_line": line,
                "floor": floor_values(self.name), "notes": list(self.notes), "departures": list(self.departures),
                "files": [os.path.basename(f) for f in files]}
