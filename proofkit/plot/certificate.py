r"""Where a certificate is tight: the certified bound against the sampled error, bin by bin.

A certificate (``proofkit.certificate/1``) proves :math:`\sup_{[a,b]}|f^*-f^{NN}|\le U` and carries a
sampled lower bound :math:`L` at a witness point. With the network at hand, the domain is cut into B
bins and :func:`proofkit.certify.certify` is run on each bin :math:`I_k`: its :math:`U_k` is a proved
bound of :math:`\sup_{I_k}|f^*-f^{NN}|` (the same certifier, on a smaller interval), drawn next to the
largest sampled error on the bin. Where :math:`U_k` meets the global U, the certificate is tight there;
elsewhere the gap :math:`U-U_k` is slack of the single number U. The construction's error budget (proved
and estimated terms) is drawn beside the certified U, the sampled L and :math:`\varepsilon`.
"""
from __future__ import annotations

from fractions import Fraction

import numpy as np

from . import screen
from .style import COLORS, PlotError, fmt_lower, fmt_upper, panel_tag

__all__ = ["certificate_figure", "bin_bounds", "BINS"]

BINS = 48


def bin_bounds(net, target, domain, bins=BINS):
    """(edges, U_k, sampled max |e| per bin): U_k from certify() on each bin (rigorous), the sampled
    maximum from the error at every knot, piece midpoint and a uniform grid."""
    from ..certify import certify

    a, b = (Fraction(domain[0]), Fraction(domain[1]))
    edges = [a + (b - a) * Fraction(k, bins) for k in range(bins + 1)]
    ub = np.array([certify(net, target, domain=(edges[k], edges[k + 1])).upper for k in range(bins)])
    ef = np.array([float(e) for e in edges])
    x = screen.error_samples(net.pl, ef[0], ef[-1])
    with np.errstate(all="ignore"):
        e = np.abs(np.asarray(target(x), float) - net.pl(x))
    col = np.clip(np.searchsorted(ef, x, side="right") - 1, 0, bins - 1)
    smax = np.zeros(bins)
    np.maximum.at(smax, col, e)
    return ef, ub, smax


def _budget_panel(ax, cert):
    terms = (cert.budget or {}).get("terms") or []
    left = 0.0
    kinds = {"proved": ("", 0.9), "estimate": ("///", 0.55)}
    palette = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#999999")
    for i, t in enumerate(terms):
        v = float(t.get("value", 0) or 0)
        hatch, alpha = kinds.get(t.get("kind", "proved"), ("", 0.9))
        ax.barh(2, v, left=left, color=palette[i % len(palette)], alpha=alpha, hatch=hatch, edgecolor="#333333",
                lw=0.4, label=f"{t.get('name')} {fmt_upper(v, 2)}" + (" (estimate)" if t.get("kind") == "estimate" else ""))
        left += v
    word = "certified" if cert.rigorous else "NOT rigorous"
    ax.barh(1, cert.upper, color=COLORS["bound"], edgecolor="#333333", lw=0.4,
            label=f"$U$ = {fmt_upper(cert.upper)} ({word})")
    ax.barh(0, cert.lower, color=COLORS["witness"], edgecolor="#333333", lw=0.4,
            label=f"$L$ = {fmt_lower(cert.lower)} (sampled at $x$ = {cert.witness:.4g})")
    if cert.eps is not None:
        ax.axvline(cert.eps, color=COLORS["eps"], ls=":", lw=1.5, label=rf"$\varepsilon$ = {cert.eps:g}")
    ax.set_yticks([0, 1, 2] if terms else [0, 1])
    ax.set_yticklabels(["sampled $L$", "certified $U$", "error budget"][: 3 if terms else 2])
    ax.set_xlabel(r"bound on $\sup|f^*-f^{\rm NN}|$")
    ax.grid(axis="y", visible=False)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.3), ncol=3, fontsize=8, frameon=False)
    ax.set_title("budget (hatched: estimates), certified $U$, sampled $L$" if terms else
                 "certified $U$ and sampled $L$ (the certificate has no error budget)", fontsize=10)


def certificate_figure(cert, net=None, target=None, bins=BINS, title=None):
    """Figure of a :class:`~proofkit.certify.Certificate`: the budget/U/L panel and, with the network
    (and its target), the per-bin certified bounds against the sampled error."""
    import matplotlib.pyplot as plt

    if net is not None and target is None:
        raise PlotError("the per-bin view needs the certificate's target")
    if net is None:
        fig = plt.figure(figsize=(11, 4.2))
        ax_u = fig.add_axes([0.14, 0.45, 0.82, 0.42])
        _budget_panel(ax_u, cert)
    else:
        if tuple(map(float, cert.domain)) != tuple(map(float, net.domain)):
            raise PlotError(f"certificate domain {list(cert.domain)} differs from the network's {list(net.domain)}")
        fig = plt.figure(figsize=(12, 9.2))
        ax_k = fig.add_axes([0.09, 0.5, 0.88, 0.38])
        ax_u = fig.add_axes([0.14, 0.2, 0.82, 0.2])
        edges, ub, smax = bin_bounds(net, target, cert.domain, bins)
        ax_k.stairs(ub, edges, color=COLORS["bound"], lw=2.0, baseline=None,
                    label=r"$U_k$: certified bound on bin $I_k$ (certify on $I_k$)")
        centres = (edges[1:] + edges[:-1]) / 2
        ax_k.plot(centres, np.maximum(smax, 1e-300), ls="none", marker="o", ms=4, color=COLORS["error"],
                  label=r"largest sampled $|f^*-f^{\rm NN}|$ on $I_k$")
        ax_k.axhline(cert.upper, color="#333333", lw=1.0, label=f"global $U$ = {fmt_upper(cert.upper)}")
        if cert.eps is not None:
            ax_k.axhline(cert.eps, color=COLORS["eps"], ls=":", lw=1.5, label=rf"$\varepsilon$ = {cert.eps:g}")
        ax_k.plot([cert.witness], [cert.lower], "D", mfc="none", mew=1.6, ms=7, color=COLORS["witness"],
                  clip_on=False, label=f"witness $L$ = {fmt_lower(cert.lower)}")
        pos = np.concatenate([ub, smax[smax > 0], [cert.upper, cert.lower]])
        pos = pos[pos > 0]
        ax_k.set_yscale("log")
        ax_k.set_ylim(pos.min() / 2, pos.max() * 6)
        ax_k.set_xlim(edges[0], edges[-1])
        ax_k.set_xlabel(r"$x$ (bins $I_k$ of the domain)")
        ax_k.set_ylabel(r"$\sup_{I_k}|f^*-f^{\rm NN}|$")
        ax_k.legend(loc="upper center", ncol=3, fontsize=8)
        tight = float(np.max(ub))
        ok = smax > 0
        ratio = float(np.max(ub[ok] / smax[ok])) if ok.any() else float("inf")
        ax_k.set_title(f"{bins} bins: the global $U$ is attained where $U_k$ reaches it (largest $U_k$ = "
                       f"{fmt_upper(tight)}); per bin, $U_k$ / sampled max $\\leq$ {fmt_upper(ratio, 4)}",
                       fontsize=10)
        panel_tag(ax_k, "(a)")
        panel_tag(ax_u, "(b)")
        _budget_panel(ax_u, cert)
    state = "CERTIFIED" if cert.certified else "NOT CERTIFIED"
    fig.suptitle(title or f"certificate for $f^*$ = {cert.target} on [{cert.domain[0]:g}, {cert.domain[1]:g}]: "
                 f"{state} ({cert.method}, {cert.pieces} pieces)", fontsize=12)
    return fig
