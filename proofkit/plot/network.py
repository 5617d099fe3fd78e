r"""The four-panel picture of a 1-D permutation network

.. math:: f^{NN}(x)=\alpha+\gamma\sum_{i=1}^{H}a_i\,\rho(w_ix+c_i),\qquad a=\text{pool}[\text{perm}].

(a) the target :math:`f^*` and the network :math:`f^{NN}` on the domain;
(b) the error :math:`f^*-f^{NN}` with the certified bound :math:`\pm U` as a band, the tolerance
:math:`\pm\varepsilon` and the sampled witness :math:`L` marked (or :math:`|f^*-f^{NN}|` on a log scale);
(c) where each part of the construction acts (step blocks, anchored ramps, constant blocks, the linear
reorganisation; from the file's ``blocks`` section) or, for files without it, the hidden units' ramps;
(d) the permutation: every unit at its break-point :math:`t_i=-c_i/w_i` against the pool value
:math:`a_i` it was given, with the pool's histogram beside it (each pool value is used exactly once).

Everything is drawn from the compiled piecewise-linear form (:mod:`proofkit.plot.screen`), so a network
of :math:`2\cdot10^6` units draws in seconds.
"""
from __future__ import annotations

import numpy as np

from . import screen
from .style import COLORS, PlotError, fmt_lower, fmt_upper, panel_tag

__all__ = ["network_figure", "draw_function", "draw_error", "draw_parts", "draw_permutation", "ErrorView", "lanes"]

SCATTER_MAX = 20_000     # units drawn as points in (d); more become a 2-D histogram
RAMPS_MAX = 16           # hidden units drawn as ramps in (c) when the file has no blocks section


def _t(net):
    """Break-points t_i = -c_i / w_i of the units (w = +-1)."""
    return -np.asarray(net.biases, float) * np.asarray(net.weights, float)


class ErrorView:
    """Samples of the error e = f* - f_NN at every knot, piece midpoint and a uniform grid."""

    def __init__(self, net, target, columns=screen.COLUMNS):
        a, b = net.domain
        self.x = screen.error_samples(net.pl, a, b, columns)
        with np.errstate(all="ignore"):
            self.f = np.asarray(target(self.x), float)
        self.nn = np.asarray(net.pl(self.x), float)
        self.e = self.f - self.nn
        if not np.all(np.isfinite(self.e)):
            bad = self.x[~np.isfinite(self.e)][0]
            raise PlotError(f"target is not finite at x = {bad:.6g}")
        k = int(np.argmax(np.abs(self.e)))
        self.sampled_max, self.sampled_at = float(abs(self.e[k])), float(self.x[k])
        self.domain, self.columns = (a, b), columns


def draw_function(ax, net, target=None, view=None, columns=screen.COLUMNS):
    """Panel (a): f* (black) and f_NN (blue, from the PL form)."""
    a, b = net.domain
    x, y = screen.pl_polyline(net.pl, a, b, columns)
    if target is not None:
        xt, ft = (view.x, view.f) if view is not None else (x, target(x))
        xt, ft = screen.column_envelope(xt, ft, a, b, columns)
        ax.plot(xt, ft, color=COLORS["target"], lw=2.2, label=r"target $f^*$")
    ax.plot(x, y, color=COLORS["network"], lw=1.1, ls="--" if target is not None else "-",
            label=r"network $f^{\rm NN}$")
    ax.set_xlim(a, b)
    ax.set_xlabel(r"$x$")
    ax.set_ylabel(r"$f^*(x)$, $f^{\rm NN}(x)$" if target is not None else r"$f^{\rm NN}(x)$")
    ax.legend(loc="best")


def draw_error(ax, view: ErrorView, cert=None, eps=None, log=False):
    """Panel (b): e = f* - f_NN, the band +-U (certified, rounded up), +-eps and the witness L."""
    a, b = view.domain
    if log:
        xc, ym = screen.column_max(view.x, np.abs(view.e), a, b, view.columns)
        tiny = max(float(np.max(ym)) * 1e-12, 1e-300) if len(ym) else 1e-300
        ax.plot(xc, np.maximum(ym, tiny), color=COLORS["error"], lw=1.0,
                label=r"$|f^*-f^{\rm NN}|$ (max per pixel column)")
        ax.set_yscale("log")
        ax.set_ylabel(r"$|f^*(x)-f^{\rm NN}(x)|$")
    else:
        x, e = screen.column_envelope(view.x, view.e, a, b, view.columns)
        ax.plot(x, e, color=COLORS["error"], lw=0.9, label=r"error $f^*-f^{\rm NN}$ (sampled)")
        ax.axhline(0, color="#555555", lw=0.6)
        ax.set_ylabel(r"$f^*(x)-f^{\rm NN}(x)$")
    if cert is not None:
        U = float(cert.upper)
        word = "certified" if cert.rigorous else "NOT rigorous"
        lab = rf"$\pm U$, $U$ = {fmt_upper(U)} ({word}, {cert.method})"
        if log:
            ax.axhline(U, color=COLORS["bound"], lw=2.0, label=lab.replace(r"$\pm U$, ", ""))
        else:
            ax.axhspan(-U, U, color=COLORS["bound"], alpha=0.25, lw=0, label=lab)
        w = float(cert.witness)
        L = float(cert.lower)  # drawn at its value: the samples need not pass through the witness point
        ew = L if (log or np.interp(w, view.x, view.e) >= 0) else -L
        ax.plot([w], [ew], marker="D", ms=7, ls="none", mfc="none", mew=1.6, clip_on=False,
                color=COLORS["witness"], label=f"witness: $L$ = {fmt_lower(L)} at $x$ = {w:.4g}")
    else:
        ew = view.e[np.argmin(np.abs(view.x - view.sampled_at))]
        ax.plot([view.sampled_at], [abs(ew) if log else ew], marker="D", ms=7, ls="none", mfc="none", mew=1.6,
                clip_on=False,
                color=COLORS["witness"],
                label=f"largest sampled: {fmt_lower(view.sampled_max)} at $x$ = {view.sampled_at:.4g} (no certificate)")
    if eps is not None:
        eps = float(eps)
        ax.axhline(eps, color=COLORS["eps"], lw=1.2, ls=":", label=rf"$\varepsilon$ = {eps:g}" if log
                   else rf"$\pm\varepsilon$, $\varepsilon$ = {eps:g}")
        if not log:
            ax.axhline(-eps, color=COLORS["eps"], lw=1.2, ls=":")
    ax.set_xlim(a, b)
    ax.set_xlabel(r"$x$")
    if not log:
        top = max(float(np.max(np.abs(view.e))), float(cert.upper) if cert is not None else 0.0,
                  float(eps) if eps is not None else 0.0)
        ax.set_ylim(-1.12 * top, 1.12 * top)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2, fontsize=8, frameon=False)


def _merge(lo, hi, pixel):
    """Intervals [lo_k, hi_k] merged where they touch within one pixel: at most ~columns rectangles."""
    if len(lo) == 0:
        return []
    order = np.argsort(lo, kind="stable")
    lo, hi = lo[order], hi[order]
    runs = []
    top = np.maximum.accumulate(hi)
    brk = np.flatnonzero(lo[1:] > top[:-1] + pixel)
    starts = np.concatenate([[0], brk + 1])
    ends = np.concatenate([brk, [len(lo) - 1]])
    for i, j in zip(starts, ends):
        s, e = lo[i], top[j]
        runs.append((s, max(e - s, pixel)))
    return runs


_LANES = (("step", 1, "up-steps $a_j=+1$", "plus"), ("step", -1, "down-steps $a_j=-1$", "minus"),
          ("ramp", 0, "anchored ramps", "ramp"), ("constant", 0, "constant blocks", "constant"),
          ("linear", 0, "linear mode", "linear"))


def draw_parts(ax, net, blocks=None, columns=screen.COLUMNS, centre=None):
    """Panel (c): where each part of the construction acts (lanes along x), or the units' ramps."""
    a, b = net.domain
    if blocks:
        return _draw_lanes(ax, net, blocks, columns)
    t = _t(net)
    amp = float(net.scale) * np.asarray(net.coefficients, float)
    w = np.asarray(net.weights)
    x0 = (a + b) / 2 if centre is None else float(centre)
    near = np.argsort(np.abs(t - x0), kind="stable")[:RAMPS_MAX]
    lo, hi = float(t[near].min()), float(t[near].max())
    pad = max((hi - lo) * 0.15, (b - a) * 1e-3)
    lo, hi = (a, b) if len(near) == net.width else (max(a, lo - pad), min(b, hi + pad))
    if not lo < hi:
        lo, hi = a, b
    x = np.linspace(lo, hi, 401)
    total = np.zeros_like(x)
    for i in near[np.argsort(t[near], kind="stable")]:
        y = amp[i] * np.maximum(w[i] * x + net.biases[i], 0)
        total += y
        ax.plot(x, y, color=COLORS["plus"] if w[i] > 0 else COLORS["minus"], lw=0.9, alpha=0.8,
                ls="-" if w[i] > 0 else "--")
    ax.plot([], [], color=COLORS["plus"], label=r"$\gamma a_i\,\sigma(x-t_i)$ ($w_i=+1$)")
    ax.plot([], [], color=COLORS["minus"], ls="--", label=r"$\gamma a_i\,\sigma(t_i-x)$ ($w_i=-1$)")
    ax.plot(x, total, color="#000000", lw=1.6, label="their sum")
    ax.set_xlim(lo, hi)
    ax.set_ylabel(r"unit output $\gamma a_i\,\sigma(w_ix+c_i)$")
    what = (f"all {net.width} hidden units' ramps" if len(near) == net.width else
            f"ramps of {len(near)} of the {net.width} units, those bending nearest $x$ = {x0:.3g}")
    ax.set_title(what + "\n(the file has no blocks section)", fontsize=9)
    ax.set_xlabel(r"$x$ (unit $i$ bends at its break-point $t_i=-c_i/w_i$)")
    ax.legend(loc="best", fontsize=8)


def lanes(net, blocks, columns=screen.COLUMNS):
    """The lanes of panel (c), top to bottom: [(label, colour key, runs [(start, width)] merged at screen
    resolution, step locations or None, number of blocks)] for each kind present in ``blocks``."""
    a, b = net.domain
    pixel = (b - a) / columns
    out = []
    for kind, sgn, label, key in _LANES:
        groups = [g for g in blocks if g.kind == kind]
        if not groups:
            continue
        lo, hi, locs, count = [], [], [], 0
        for g in groups:
            sel = np.ones(len(g), bool) if (sgn == 0 or g.sign is None) else (g.sign == sgn)
            count += int(sel.sum())
            if g.support is None:
                lo.append(np.full(int(sel.sum()), a))
                hi.append(np.full(int(sel.sum()), b))
            else:
                lo.append(g.support[sel, 0])
                hi.append(g.support[sel, 1])
            if g.location is not None:
                locs.append(g.location[sel])
        if count == 0:
            continue
        out.append((label, key, _merge(np.concatenate(lo), np.concatenate(hi), pixel),
                    np.concatenate(locs) if locs else None, count))
    return out


def _draw_lanes(ax, net, blocks, columns):
    a, b = net.domain
    pixel = (b - a) / columns
    found = lanes(net, blocks, columns)
    y = 0
    ticks, names = [], []
    for label, key, runs, locs, count in reversed(found):
        ax.broken_barh(runs, (y - 0.35, 0.7), facecolors=COLORS[key], edgecolor="#333333", linewidth=0.3,
                       alpha=0.9)
        if locs is not None and len(locs):
            ls = np.unique(np.round((locs - a) / pixel)) * pixel + a  # one mark per pixel column
            ax.plot(ls, np.full(len(ls), y), ls="none", marker="|", ms=11, mew=1.2, color="#000000")
        ticks.append(y)
        names.append(f"{label}\n{count} block{'s' if count != 1 else ''}" if key != "linear"
                     else f"{label}\n{count} unused pair{'s' if count != 1 else ''}")
        y += 1
    ax.set_yticks(ticks)
    ax.set_yticklabels(names, fontsize=8)
    ax.set_ylim(-0.7, y - 0.3)
    ax.set_xlim(a, b)
    ax.grid(axis="y", visible=False)
    ax.set_xlabel(r"$x$ (bars: where each block's function is not constant)")
    if any(lane[3] is not None for lane in found):
        ax.plot([], [], ls="none", marker="|", ms=9, mew=1.2, color="#000000", label=r"step location $s_j$")
        ax.legend(loc="upper right", fontsize=8)


def draw_permutation(ax, net, columns=screen.COLUMNS, blocks=None):
    """Panel (d): unit break-point t_i (units ordered by bias) against the pool value a_i it received,
    and the pool's histogram on the right (the same multiset, whatever the permutation). With ``blocks``,
    units are coloured by the part of the construction their pair belongs to."""
    t = _t(net)
    a_val = np.asarray(net.coefficients, float)
    w = np.asarray(net.weights)
    H = net.width
    if H <= SCATTER_MAX and blocks:
        # colour each unit by the part of the construction its pair belongs to (pair k = units k, n + k)
        n = H // 2
        ms = 9 if H <= 200 else 4 if H <= 3000 else 1
        for kind, sgn, label, key in sorted(_LANES, key=lambda lane: lane[0] != "linear"):
            pairs = [np.concatenate(g.pairs)[np.repeat(
                np.ones(len(g), bool) if (sgn == 0 or g.sign is None) else g.sign == sgn,
                [len(p) for p in g.pairs])] for g in blocks if g.kind == kind]
            if not pairs or not sum(len(p) for p in pairs):
                continue
            k = np.concatenate(pairs)
            units = np.concatenate([k, k + n])
            ax.scatter(t[units], a_val[units], s=ms if kind == "linear" else 2 * ms, color=COLORS[key],
                       linewidths=0, label=f"units of {label}", rasterized=H > 3000, zorder=1 if kind == "linear" else 2)
        ax.legend(loc="upper left", fontsize=8, markerscale=2 if H > 200 else 1)
    elif H <= SCATTER_MAX:
        ms = 9 if H <= 200 else 3 if H <= 3000 else 1
        for sgn, key, lab in ((1, "plus", r"unit with $w_i=+1$"), (-1, "minus", r"unit with $w_i=-1$")):
            sel = w == sgn
            ax.scatter(t[sel], a_val[sel], s=ms, color=COLORS[key], marker="o" if sgn > 0 else "^",
                       linewidths=0, label=lab, rasterized=H > 3000)
        ax.legend(loc="upper left", fontsize=8, markerscale=2 if H > 200 else 1)
    else:
        cells = H / 50  # about 50 units per cell: a density, not noise
        nx = int(min(columns // 4, max(40, np.sqrt(cells * 4 / 3))))
        h, xe, ye = np.histogram2d(t, a_val, bins=(nx, max(30, nx * 3 // 4)))
        from matplotlib.colors import LogNorm

        im = ax.imshow(h.T, origin="lower", aspect="auto", extent=(xe[0], xe[-1], ye[0], ye[-1]),
                       norm=LogNorm(vmin=max(1.0, float(h[h > 0].min())), vmax=max(2.0, float(h.max()))), cmap="cividis", interpolation="nearest")
        ax.grid(False)
        cb = ax.figure.colorbar(im, ax=ax, pad=0.13, fraction=0.04)
        cb.set_label("units per cell", fontsize=8)
    ax.set_xlabel(r"unit's break-point $t_i$ (units ordered by bias)")
    ax.set_ylabel(r"pool value $a_i=$ pool$[\tau(i)]$")
    marg = ax.inset_axes([1.015, 0, 0.07, 1], sharey=ax)
    marg.hist(np.asarray(net.pool, float), bins=min(80, max(10, H // 20)), orientation="horizontal",
              color="#999999", edgecolor="none")
    marg.tick_params(labelleft=False, labelbottom=False, left=False, bottom=False)
    marg.grid(False)
    marg.set_title("pool", fontsize=8)


def network_figure(net, target=None, cert=None, blocks=None, eps=None, *, log=False, title=None,
                   columns=screen.COLUMNS):
    """The four-panel figure (a)-(d) of a :class:`~proofkit.network.PermNetwork` (module docstring).

    ``target``: a :class:`~proofkit.expr.Target` (or None); ``cert``: a
    :class:`~proofkit.certify.Certificate` for this network and target (its U and witness are drawn);
    ``blocks``: groups from :func:`proofkit.construct.record.read_blocks`; ``eps``: the tolerance to mark.
    """
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(13, 9.2))
    gs = fig.add_gridspec(2, 2, left=0.1, right=0.92, bottom=0.07, top=0.9, hspace=0.55, wspace=0.3)
    ax_a, ax_b = fig.add_subplot(gs[0, 0]), fig.add_subplot(gs[0, 1])
    ax_c, ax_d = fig.add_subplot(gs[1, 0]), fig.add_subplot(gs[1, 1])
    view = ErrorView(net, target, columns) if target is not None else None
    draw_function(ax_a, net, target, view, columns)
    ax_a.set_title("target and network", fontsize=10)
    if view is not None:
        draw_error(ax_b, view, cert, eps, log)
        ax_b.set_title("error, certified band and witness" + (" (log scale)" if log else ""), fontsize=10)
    else:
        ax_b.text(0.5, 0.5, "no target: give TARGET (or a file with a\ntarget in its provenance) to see the error",
                  ha="center", va="center", transform=ax_b.transAxes)
        ax_b.set_axis_off()
    draw_parts(ax_c, net, blocks, columns, centre=None if cert is None else cert.witness)
    if blocks:
        ax_c.set_title("construction: where each block acts", fontsize=10)
    draw_permutation(ax_d, net, columns, blocks)
    ax_d.set_title(r"the permutation $\tau$: who received which pool value", fontsize=10)
    for ax, tag in zip((ax_a, ax_b, ax_c, ax_d), "abcd"):
        panel_tag(ax, f"({tag})")
    if title is None:
        title = default_title(net, target, eps)
    fig.suptitle(title, fontsize=12)
    return fig


def default_title(net, target=None, eps=None) -> str:
    prov = net.provenance or {}
    th = prov.get("theorem")
    parts = [f"$f^*$ = {target.text}" if target is not None else "network",
             f"on [{net.domain[0]:g}, {net.domain[1]:g}]",
             f"hidden width $H$ = {net.width}"]
    if th:
        parts.append(f"(Theorem {th})")
    if eps is not None:
        parts.append(rf"$\varepsilon$ = {float(eps):g}")
    return "  ".join(parts[:3]) + " " + " ".join(parts[3:])
