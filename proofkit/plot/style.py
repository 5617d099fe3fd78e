r"""Colours, fonts, bound labels and deterministic files for every :mod:`proofkit.plot` figure.

* **Colours**: the Okabe–Ito palette (distinguishable under the common colour-vision deficiencies);
  every mark also differs by line style or marker, so a grey-scale print still reads.
* **Bounds as printed**: an upper bound is rounded *up* and a lower bound *down* at the digits shown
  (:func:`proofkit.fmt.fmt_upper`, :func:`proofkit.fmt.fmt_lower`: exact arithmetic on the float's binary
  value), so a label never claims more than was proved.
* **Deterministic files**: :func:`save` writes PNG, PDF or SVG with fixed metadata (no dates, no
  version strings; SVG ids from a fixed hash salt), so the same input gives the same bytes.
"""
from __future__ import annotations

import io
import os
from contextlib import contextmanager

from .._io import atomic_write_bytes
from ..errors import ProofkitError
from ..fmt import fmt_lower, fmt_upper  # one home for outward rounding of printed bounds

__all__ = ["COLORS", "PlotError", "fmt_upper", "fmt_lower", "style", "save", "FORMATS", "panel_tag"]

# Okabe & Ito (2008), "Color Universal Design": the colour-blind-safe qualitative palette.
COLORS = {
    "target": "#000000",     # black: f*
    "network": "#0072B2",    # blue: f_NN
    "error": "#0072B2",      # blue: f* - f_NN
    "bound": "#E69F00",      # orange: certified band +-U
    "eps": "#D55E00",        # vermillion: the tolerance eps
    "witness": "#CC79A7",    # reddish purple: the sampled witness L
    "plus": "#009E73",       # bluish green: phi+ units, up-steps
    "minus": "#D55E00",      # vermillion: phi- units, down-steps
    "ramp": "#56B4E9",       # sky blue: anchored ramps
    "constant": "#F0E442",   # yellow: constant blocks
    "linear": "#999999",     # grey: linear reorganisation
    "grid": "#DDDDDD",
}

FORMATS = ("png", "pdf", "svg")


class PlotError(ProofkitError):
    """Input the plotter cannot draw (unknown file kind, mismatched certificate, bad format)."""


def _rc() -> dict:
    """The paper style of :func:`proofkit.plots.style_rc` (fonts, mathtext, deterministic SVG ids), at the
    smaller sizes of a multi-panel figure, with a light grid."""
    from ..plots import style_rc

    rc = dict(style_rc())
    rc.update({"font.size": 10, "axes.labelsize": 11, "axes.titlesize": 11, "xtick.labelsize": 9,
               "ytick.labelsize": 9, "legend.fontsize": 8.5, "legend.framealpha": 0.9, "axes.grid": True,
               "grid.color": COLORS["grid"], "grid.linewidth": 0.6, "svg.fonttype": "path", "pdf.fonttype": 42,
               "savefig.dpi": 110, "figure.dpi": 110})
    rc.pop("figure.figsize", None)
    return rc


@contextmanager
def style():
    """Context manager: matplotlib with the plot style applied; yields ``matplotlib.pyplot``."""
    import matplotlib
    import matplotlib.pyplot as plt

    with matplotlib.rc_context(_rc()):
        yield plt


_META = {"png": {"Software": None}, "pdf": {"Creator": None, "Producer": None, "CreationDate": None,
                                             "ModDate": None},
         "svg": {"Creator": None, "Date": None, "Format": None, "Type": None}}


def figure_bytes(fig, fmt: str, dpi=None) -> bytes:
    """The figure as PNG/PDF/SVG bytes with fixed metadata (byte-identical for the same content)."""
    if fmt not in FORMATS:
        raise PlotError(f"unknown image format '{fmt}' (use {', '.join(FORMATS)} or html)")
    import matplotlib

    buf = io.BytesIO()
    with matplotlib.rc_context({"svg.hashsalt": "proofkit"}):
        fig.savefig(buf, format=fmt, dpi=dpi, metadata=_META[fmt])
    return buf.getvalue()


def save(fig, path, dpi=None) -> str:
    """Write ``fig`` to ``path`` (format from the extension) atomically and deterministically."""
    path = os.fspath(path)
    fmt = os.path.splitext(path)[1].lstrip(".").lower()
    atomic_write_bytes(path, figure_bytes(fig, fmt, dpi))
    return path


def panel_tag(ax, text):
    """Panel tag "(a)" at the top left, outside the axes, in bold."""
    ax.text(-0.01, 1.015, text, transform=ax.transAxes, fontsize=12, fontweight="bold", va="bottom",
            ha="right")
