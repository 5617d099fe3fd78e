r"""2-D and 3-D permutation networks (``proofkit.permnet-nd/1``): surfaces and error maps.

2-D: (a) the surface :math:`f^{NN}(x,y)` (target as a wire frame), (b) the error map
:math:`f^*-f^{NN}` on the square, with the largest sampled :math:`|f^*-f^{NN}|` marked (a sampled value,
a lower bound of the sup; the certified upper bound over the whole box comes from ``proofkit verify``,
:mod:`proofkit.certify_nd`). 3-D: :math:`f^{NN}` and the error on the
slices :math:`z=a,\ (a+b)/2,\ b` of the cube. These networks are small (the paper's 2-8n-1-1 and
3-26n-1-1); they are evaluated on a screen grid with their own dense evaluator.
"""
from __future__ import annotations

import numpy as np

from .style import COLORS, PlotError, fmt_lower, panel_tag

__all__ = ["nd_grid", "nd_figure", "GRID"]

GRID = {2: 121, 3: 81}


def nd_grid(net, target=None, m=None, z=None):
    """(axis, F_NN, F*) on an m x m grid of the square (2-D) or of the slice z (3-D); F* None without target."""
    a, b = net.domain
    m = m or GRID[net.dim]
    g = np.linspace(a, b, m)
    X, Y = np.meshgrid(g, g, indexing="xy")
    cols = [X.ravel(), Y.ravel()] + ([np.full(X.size, z)] if net.dim == 3 else [])
    P = np.stack(cols, axis=1)
    F = net(P).reshape(X.shape)
    T = None
    if target is not None:
        with np.errstate(all="ignore"):
            T = np.asarray(target(P), float).reshape(X.shape)
        if not np.all(np.isfinite(T)):
            raise PlotError("the target is not finite on the plotting grid")
    return g, F, T


def _err_map(ax, g, E, label):
    lim = float(np.max(np.abs(E))) or 1.0
    im = ax.imshow(E, origin="lower", extent=(g[0], g[-1], g[0], g[-1]), cmap="PuOr", vmin=-lim, vmax=lim,
                   interpolation="nearest")
    cb = ax.figure.colorbar(im, ax=ax, fraction=0.046, pad=0.03)
    cb.set_label(label, fontsize=9)
    k = np.unravel_index(int(np.argmax(np.abs(E))), E.shape)
    ax.plot([g[k[1]]], [g[k[0]]], "D", mfc="none", mec="#000000", mew=1.5, ms=8,
            label=f"largest sampled $|f^*-f^{{\\rm NN}}|$ = {fmt_lower(abs(E[k]))}")
    ax.set_xlabel("$x$")
    ax.set_ylabel("$y$")
    ax.grid(False)
    return float(abs(E[k]))


def nd_figure(net, target=None, title=None):
    """The figure of a 2-D or 3-D network (module docstring)."""
    import matplotlib.pyplot as plt

    text = getattr(target, "text", None) or net.provenance.get("target", "")
    H = len(net.pool)
    if net.dim == 2:
        fig = plt.figure(figsize=(13, 5.8))
        ax = fig.add_subplot(1, 2, 1, projection="3d")
        g, F, T = nd_grid(net, target)
        X, Y = np.meshgrid(g, g)
        ax.plot_surface(X, Y, F, cmap="viridis", linewidth=0, antialiased=False, rcount=60, ccount=60, alpha=0.9)
        if T is not None:
            ax.plot_wireframe(X, Y, T, color=COLORS["target"], linewidth=0.4, rcount=15, ccount=15)
            ax.plot([], [], color=COLORS["target"], lw=0.6, label=r"target $f^*$ (wire frame)")
        ax.plot([], [], color="#3b528b", lw=6, label=r"network $f^{\rm NN}$ (surface)")
        ax.legend(loc="upper left", fontsize=8)
        ax.set_xlabel("$x$")
        ax.set_ylabel("$y$")
        ax.set_zlabel(r"$f^{\rm NN}(x,y)$")
        ax.set_title("surface", fontsize=10)
        ax2 = fig.add_subplot(1, 2, 2)
        if T is not None:
            _err_map(ax2, g, T - F, r"$f^*-f^{\rm NN}$")
            ax2.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), fontsize=8, frameon=False)
            ax2.set_title(f"error map on a {len(g)}$\\times${len(g)} grid (sampled, not certified)", fontsize=10)
        else:
            im = ax2.imshow(F, origin="lower", extent=(g[0], g[-1], g[0], g[-1]), cmap="viridis")
            fig.colorbar(im, ax=ax2, fraction=0.046, pad=0.03).set_label(r"$f^{\rm NN}$")
            ax2.set_title("network (no target given)", fontsize=10)
            ax2.grid(False)
        panel_tag(ax2, "(b)")
        ax.text2D(0.0, 1.0, "(a)", transform=ax.transAxes, fontsize=12, fontweight="bold")
    elif net.dim == 3:
        a, b = net.domain
        zs = (a, (a + b) / 2, b)
        rows = 2 if target is not None else 1
        fig, axes = plt.subplots(rows, 3, figsize=(13, 4.3 * rows + 0.6), squeeze=False)
        grids = [nd_grid(net, target, z=z) for z in zs]
        vmin = min(float(G[1].min()) for G in grids)
        vmax = max(float(G[1].max()) for G in grids)
        for j, (z, (g, F, T)) in enumerate(zip(zs, grids)):
            ax = axes[0, j]
            im = ax.imshow(F, origin="lower", extent=(g[0], g[-1], g[0], g[-1]), cmap="viridis", vmin=vmin,
                           vmax=vmax)
            fig.colorbar(im, ax=ax, fraction=0.046, pad=0.03).set_label(r"$f^{\rm NN}$", fontsize=9)
            ax.set_title(f"$f^{{\\rm NN}}(x, y, z)$ at $z$ = {z:g}", fontsize=10)
            ax.set_xlabel("$x$")
            ax.set_ylabel("$y$")
            ax.grid(False)
            if T is not None:
                ax2 = axes[1, j]
                _err_map(ax2, g, T - F, r"$f^*-f^{\rm NN}$")
                ax2.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), fontsize=8, frameon=False)
                ax2.set_title(f"error $f^*-f^{{\\rm NN}}$ at $z$ = {z:g} (sampled)", fontsize=10)
        fig.subplots_adjust(left=0.05, right=0.93, hspace=0.45, wspace=0.5, top=0.88, bottom=0.1)
        for k, ax in enumerate(axes.ravel()):
            panel_tag(ax, f"({'abcdef'[k]})")
    else:
        raise PlotError(f"cannot draw a {net.dim}-D network")
    fig.suptitle(title or f"{net.dim}-D permutation network, hidden width $H$ = {H}"
                 + (f", $f^*$ = {text}" if text else ""), fontsize=12)
    return fig
