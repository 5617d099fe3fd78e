r"""Plotting in the style of the paper's figures (arXiv 2407.01033, Figs. 2–8), with deterministic file output.

* **Style.** 8×6 in figures, a Times-like serif font (Times New Roman, Times, Nimbus Roman, STIX, else
  DejaVu Serif; a missing font never fails), mathtext ``cm``, axis labels size 20, tick labels 15, legend 15,
  error bars with ``capsize=3``.
* **Rate plots.** Log–log axes of the :math:`L^\infty` error against the width n, x-ticks at the widths,
  the geometric mean over runs with min–max error bars, the published geometric means as hollow markers
  with their published min–max ranges, reference-order lines, and the certified error-floor band of the
  2-D/3-D figures.
* **Reference lines at their nominal order.** :func:`reference_line` draws
  :math:`y = c\,(n/n_0)^{-r}` from :math:`(n_0, c)` to the last width, i.e. slope exactly :math:`-r`. (The
  published figures drop by :math:`2^{N_w r}` over :math:`N_w-1` doublings, i.e. slope :math:`rN_w/(N_w-1)`,
  4/7 for the "1/2 order" line over 8 widths; proofkit does not copy that slip.)
* **Insets** of a fitted function: target as a grey line, prediction as red dots at every k-th point.
* **Deterministic files.** :func:`save_figure` writes PNG and PDF with fixed metadata (no creation date, no
  software version), so the same data give byte-identical files.
"""
from __future__ import annotations

import io
import os
from contextlib import contextmanager

import numpy as np

from ._io import atomic_write_bytes

__all__ = ["paper_style", "serif_font", "rate_axes", "plot_series", "plot_published", "reference_line",
           "add_inset", "panel_label", "save_figure", "geometric_mean", "nice_ylim", "style_rc", "label_minor_log_ticks",
           "floor_band", "TARGET_GREY", "PRED_RED"]

TARGET_GREY = "#7f7f7f"
PRED_RED = "#D25565"
_SERIF_CHOICES = ("Times New Roman", "Times", "Nimbus Roman", "Nimbus Roman No9 L", "Liberation Serif",
                  "STIXGeneral", "DejaVu Serif")


def _mpl():
    """matplotlib, with whatever backend the session uses (figures are saved with savefig; on a machine
    without a display matplotlib picks Agg by itself, and a notebook keeps its inline backend)."""
    import matplotlib

    return matplotlib


def serif_font() -> str:
    """The first installed font of Times New Roman, Times, Nimbus Roman, Liberation Serif, STIX,
    DejaVu Serif (DejaVu Serif ships with matplotlib, so this never fails)."""
    _mpl()
    from matplotlib import font_manager

    names = {f.name for f in font_manager.fontManager.ttflist}
    for name in _SERIF_CHOICES:
        if name in names:
            return name
    return "DejaVu Serif"


def style_rc() -> dict:
    """The matplotlib rcParams of the paper's figures (see the module docstring)."""
    return {
        "font.family": "serif",
        "font.serif": [serif_font(), "DejaVu Serif"],
        "mathtext.fontset": "cm",
        "axes.labelsize": 20,
        "xtick.labelsize": 15,
        "ytick.labelsize": 15,
        "legend.fontsize": 15,
        "errorbar.capsize": 3,
        "figure.figsize": (8, 6),
        "savefig.dpi": 100,
        "axes.unicode_minus": False,
        "svg.hashsalt": "proofkit",
        "path.simplify": True,
    }


@contextmanager
def paper_style():
    """Context manager: matplotlib (Agg) with :func:`style_rc` applied; yields ``matplotlib.pyplot``."""
    mpl = _mpl()
    import matplotlib.pyplot as plt

    with mpl.rc_context(style_rc()):
        yield plt


def geometric_mean(values) -> float:
    """exp(mean(log v)) of positive values (the paper's aggregate over runs); nan if empty."""
    v = np.asarray([float(x) for x in values], dtype=float)
    if v.size == 0:
        return float("nan")
    if (v <= 0).any():
        raise ValueError("geometric mean of non-positive values")
    return float(np.exp(np.mean(np.log(v))))


def rate_axes(ax, widths, *, ylabel=r"$L^\infty$ error", xlabel=r"$n$"):
    """Log–log axes with x-ticks at ``widths`` (plain integer labels) and the paper's axis labels."""
    from matplotlib.ticker import NullFormatter, NullLocator

    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xticks(list(widths))
    ax.set_xticklabels([str(int(w)) for w in widths])
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_minor_formatter(NullFormatter())
    lo, hi = min(widths), max(widths)
    ax.set_xlim(lo / 1.25, hi * 1.25)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    return ax


def label_minor_log_ticks(ax):
    """Plain-number tick labels on a log y-axis (1, 0.1, 0.01); when the axis spans less than about
    1.3 decades the minor ticks 2, 3, 4, 6 (times a power of ten) are labelled too."""
    import math as _m

    from matplotlib.ticker import FuncFormatter

    def fmt(v):
        return f"{v:.6g}"

    def major(v, _pos):
        return fmt(v)

    def minor(v, _pos):
        lo, hi = ax.get_ylim()
        if lo <= 0 or _m.log10(hi / lo) > 1.3:
            return ""
        lead = round(v / 10 ** _m.floor(_m.log10(v) + 1e-9), 6)
        return fmt(v) if lead in (2, 3, 4, 6) else ""

    ax.yaxis.set_major_formatter(FuncFormatter(major))
    ax.yaxis.set_minor_formatter(FuncFormatter(minor))


def plot_series(ax, widths, gmean, lo=None, hi=None, *, label, color, marker="o", markersize=6,
                errorbars=True, linewidth=1.5, linestyle="-"):
    """Our geometric means (solid markers and line) with min–max error bars when given."""
    widths = np.asarray(widths, float)
    gmean = np.asarray(gmean, float)
    if errorbars and lo is not None and hi is not None:
        yerr = np.clip(np.vstack([gmean - np.asarray(lo, float), np.asarray(hi, float) - gmean]), 0.0, None)
        return ax.errorbar(widths, gmean, yerr=yerr, label=label, color=color, marker=marker,
                           markersize=markersize, linewidth=linewidth, linestyle=linestyle, capsize=3)
    return ax.plot(widths, gmean, label=label, color=color, marker=marker, markersize=markersize,
                   linewidth=linewidth, linestyle=linestyle)


def plot_published(ax, widths, gmean, *, color, label=None, marker="o", markersize=9, lo=None, hi=None,
                   dodge=1.0):
    """The paper's published geometric means as hollow markers (no line), with their published min–max
    ranges as thin dashed bars when ``lo``/``hi`` are given (None entries: no bar). ``dodge`` multiplies
    the x positions (e.g. 1.08) so that a published bar does not hide our bar at the same n.
    Returns the marker line (its ``label`` is the legend entry)."""
    pts = [(w * dodge, g) for w, g in zip(widths, gmean) if g is not None]
    if not pts:
        return None
    if lo is not None and hi is not None:
        for w, g, a, b in zip(widths, gmean, lo, hi):
            if g is None or a is None or b is None:
                continue
            ax.plot([w * dodge] * 2, [a, b], color=color, linewidth=1.1, linestyle=(0, (3, 1.5)), zorder=1.5)
            ax.plot([w * dodge], [a], marker="_", markersize=7, color=color, linestyle="none", zorder=1.5)
            ax.plot([w * dodge], [b], marker="_", markersize=7, color=color, linestyle="none", zorder=1.5)
    w, g = zip(*pts)
    (line,) = ax.plot(w, g, linestyle="none", marker=marker, markersize=markersize, markerfacecolor="none",
                      markeredgecolor=color, markeredgewidth=1.3, label=label, zorder=2.5)
    return line


def floor_band(ax, lower, best, *, label="certified floor (any width)", color="0.35"):
    """A horizontal band from the certified lower bound ``lower`` (solid line) up to the best error found
    ``best`` (not certified), across the whole x-range: no network with the figure's fixed first layer,
    of any width, can have an error below the line."""
    band = ax.axhspan(lower, max(best, lower), color=color, alpha=0.18, linewidth=0, label=label, zorder=0.5)
    ax.axhline(lower, color=color, linewidth=1.2, zorder=0.6)
    return band


def reference_line(ax, order: float, start, x_end, *, label, color="green", linestyle="--", linewidth=1.5):
    r"""Dashed line of nominal order r: from (n0, c) to x_end along y = c (n/n0)^{-r} (slope exactly -r).

    Returns the end value :math:`c\,(x_{end}/n_0)^{-r}`."""
    x0, y0 = float(start[0]), float(start[1])
    y_end = y0 * (float(x_end) / x0) ** (-float(order))
    ax.plot([x0, x_end], [y0, y_end], linestyle=linestyle, color=color, linewidth=linewidth, label=label)
    return y_end


def add_inset(fig, x, y_target, y_pred, *, title=None, rect=(0.115, 0.16, 0.24, 0.24), every=8,
              yticks_right=False, lim=1.2):
    """Inset of a fitted 1-D function: target as a grey line, prediction as red dots at every
    ``every``-th point; ticks at ±1, limits ±``lim``. Returns the inset axes."""
    ax = fig.add_axes(list(rect))
    ax.plot(x, y_target, color=TARGET_GREY, linewidth=1.5)
    ax.scatter(np.asarray(x)[::every], np.asarray(y_pred)[::every], color=PRED_RED, marker=".", s=20,
               zorder=3)
    ax.set_xticks([-1, 1])
    ax.set_yticks([-1, 1])
    ax.set_xlim(-lim, lim)
    ymax = max(lim, 1.1 * float(np.nanmax(np.abs(y_target))))
    ax.set_ylim(-ymax, ymax)
    ax.tick_params(labelsize=10)
    if yticks_right:
        ax.yaxis.tick_right()
    if title:
        ax.set_title(title, fontsize=12)
    return ax


def panel_label(ax, text, *, x=-0.12, y=1.02, size=30):
    """Bold panel label such as "(a)" at the top left, outside the axes."""
    ax.text(x, y, text, transform=ax.transAxes, fontsize=size, fontweight="bold", va="bottom", ha="left")


_PDF_META = {"Creator": None, "Producer": None, "CreationDate": None, "ModDate": None}
_PNG_META = {"Software": None}


def save_figure(fig, base, *, dpi=100, formats=("png", "pdf")) -> list:
    """Write ``base.png`` and ``base.pdf`` atomically with fixed metadata; returns the paths.

    The same figure content gives byte-identical files (no timestamps, no version strings)."""
    paths = []
    for fmt in formats:
        buf = io.BytesIO()
        meta = _PDF_META if fmt == "pdf" else _PNG_META if fmt == "png" else None
        fig.savefig(buf, format=fmt, dpi=dpi, metadata=meta)
        path = f"{os.fspath(base)}.{fmt}"
        atomic_write_bytes(path, buf.getvalue())
        paths.append(path)
    return paths


def nice_ylim(values, pad=1.6):
    """(lo, hi) for a log axis covering the positive finite ``values`` with a factor ``pad`` margin."""
    v = np.asarray([x for x in np.ravel(values) if x is not None and np.isfinite(x) and x > 0], float)
    if v.size == 0:
        return 1e-3, 1.0
    return v.min() / pad, v.max() * pad
