r"""Self-contained interactive pages (one HTML file, all JavaScript inside, no network access).

Built with plotly's Python package, which writes plotly.js inline (``include_plotlyjs=True``, about
4.8 MB) and needs no server; MathJax is left out (labels use Unicode and HTML sub/superscripts), so the
page never asks for a resource outside itself. The div id is fixed, so the same input gives the same
page.

* :func:`network_page` — a 1-D network: target and network; the error :math:`f^*-f^{NN}` with the band
  :math:`\pm U`, :math:`\pm\varepsilon` and the witness (zoom with the mouse or the wheel: with up to
  :data:`EXACT_KNOTS` knots the error is drawn at every knot and piece midpoint, so zooming shows the
  individual pieces); the units at their break-points against their pool values (hover a unit: its
  ramp :math:`\gamma a_i\sigma(w_ix+c_i)` is drawn in the bottom panel, with its pool value and index).
* :func:`nd_page` — a 2-D network as a surface with the target, and its error map; a 3-D network as
  three rotatable slices of the cube coloured by :math:`f^{NN}` and the error on the middle slice.
"""
from __future__ import annotations

import json

import numpy as np

from . import screen
from .style import COLORS, PlotError, fmt_lower, fmt_upper

__all__ = ["network_page", "nd_page", "EXACT_KNOTS", "HOVER_UNITS"]

EXACT_KNOTS = 100_000     # up to this many knots the page carries every knot (zoom shows each piece)
FINE_COLUMNS = 20_000     # else: the per-column envelope at this many columns
HOVER_UNITS = 20_000      # units shown for hovering (more: every k-th in bias order, said on the page)
DIV_ID = "proofkit-plot"
CONFIG = {"displaylogo": False, "scrollZoom": True, "responsive": True}


def _plotly():
    try:
        import plotly.graph_objects as go
        from plotly.subplots import make_subplots
    except ImportError:  # pragma: no cover - plotly is a dependency
        raise PlotError("HTML pages need plotly (pip install plotly)") from None
    return go, make_subplots


def _page(fig, post_script=None) -> str:
    html = fig.to_html(include_plotlyjs=True, include_mathjax=False, full_html=True, div_id=DIV_ID,
                       config=CONFIG, post_script=post_script)
    return html


_RAMP_JS = """
var gd = document.getElementById('{plot_id}');
var RAMP = %(ramp)d, A = %(a)s, B = %(b)s;
gd.on('plotly_hover', function (ev) {
  var p = ev.points[0];
  if (!p || !p.data || p.data.meta !== 'units') { return; }
  var cd = p.customdata;             // [w, c, gamma*a, unit index, pool index, a]
  var t = -cd[1] * cd[0];
  var tc = Math.min(Math.max(t, A), B);
  var xs = [A, tc, B];
  var ys = xs.map(function (x) { return cd[2] * Math.max(cd[0] * x + cd[1], 0); });
  Plotly.restyle(gd, {x: [xs], y: [ys], name: ['ramp of unit ' + cd[3] + ' (pool value ' + Number(cd[5]).toPrecision(6) + ')']}, [RAMP]);
});
"""


def network_page(net, target=None, cert=None, blocks=None, eps=None) -> str:
    """The interactive page of a 1-D :class:`~proofkit.network.PermNetwork` (module docstring)."""
    go, make_subplots = _plotly()
    a, b = net.domain
    K = len(net.pl.knots)
    columns = FINE_COLUMNS if K > EXACT_KNOTS else screen.COLUMNS
    titles = ["target f* and network f<sub>NN</sub>",
              "error f* − f<sub>NN</sub> (zoom in: drag or wheel; double-click resets)",
              "units: break-point t<sub>i</sub> against the pool value a<sub>i</sub> they received (hover one)",
              "ramp γ a<sub>i</sub> σ(w<sub>i</sub> x + c<sub>i</sub>) of the hovered unit"]
    heights = [0.27, 0.27, 0.26, 0.2]
    if blocks:
        titles.append("construction: where each block acts (bars), step locations s<sub>j</sub> (ticks)")
        heights = [0.22, 0.22, 0.22, 0.16, 0.18]
    fig = make_subplots(rows=len(titles), cols=1, vertical_spacing=0.06, row_heights=heights,
                        subplot_titles=titles)
    x, y = screen.pl_polyline(net.pl, a, b, columns if K > EXACT_KNOTS else 4 * EXACT_KNOTS)
    if target is not None:
        xs = screen.error_samples(net.pl, a, b, columns)
        with np.errstate(all="ignore"):
            f = np.asarray(target(xs), float)
        e = f - net.pl(xs)
        if not np.all(np.isfinite(e)):
            raise PlotError("the target is not finite on the domain")
        xf, ff = screen.column_envelope(xs, f, a, b, columns) if K > EXACT_KNOTS else (xs, f)
        fig.add_trace(go.Scattergl(x=xf, y=ff, name="target f*", line=dict(color=COLORS["target"], width=3)),
                      row=1, col=1)
    fig.add_trace(go.Scattergl(x=x, y=y, name="network f<sub>NN</sub>",
                               line=dict(color=COLORS["network"], width=1.5, dash="dash")), row=1, col=1)
    if target is not None:
        xe, ee = screen.column_envelope(xs, e, a, b, columns) if K > EXACT_KNOTS else (xs, e)
        what = "every knot and piece midpoint" if K <= EXACT_KNOTS else f"min/max per column ({columns} columns)"
        fig.add_trace(go.Scattergl(x=xe, y=ee, name=f"error f* − f<sub>NN</sub> ({what})",
                                   line=dict(color=COLORS["error"], width=1)), row=2, col=1)
        if cert is not None:
            U = float(cert.upper)
            fig.add_trace(go.Scatter(x=[a, b, b, a, a], y=[-U, -U, U, U, -U], fill="toself", mode="lines",
                                     line=dict(width=0), fillcolor="rgba(230,159,0,0.25)",
                                     name=f"±U, U = {fmt_upper(U)} ({'certified' if cert.rigorous else 'NOT rigorous'}, "
                                          f"{cert.method})", hoverinfo="skip"), row=2, col=1)
            w = float(cert.witness)
            fig.add_trace(go.Scatter(x=[w], y=[float(np.interp(w, xs, e))], mode="markers",
                                     marker=dict(symbol="diamond-open", size=11, color=COLORS["witness"],
                                                 line=dict(width=2)),
                                     name=f"witness: L = {fmt_lower(cert.lower)} at x = {w:.6g}"), row=2, col=1)
        if eps is not None:
            for s in (1, -1):
                fig.add_trace(go.Scatter(x=[a, b], y=[s * float(eps)] * 2, mode="lines",
                                         line=dict(color=COLORS["eps"], dash="dot"), name=f"±ε, ε = {float(eps):g}",
                                         showlegend=s > 0, legendgroup="eps"), row=2, col=1)
    t = -np.asarray(net.biases, float) * np.asarray(net.weights, float)
    order = np.argsort(t, kind="stable")
    step = max(1, -(-net.width // HOVER_UNITS))
    shown = order[::step]
    w_ = np.asarray(net.weights, float)[shown]
    coef = np.asarray(net.coefficients, float)[shown]
    perm = np.asarray(net.permutation)[shown]
    cd = np.stack([w_, np.asarray(net.biases, float)[shown], float(net.scale) * coef, shown, perm, coef], axis=1)
    for sgn, col, sym in ((1, COLORS["plus"], "circle"), (-1, COLORS["minus"], "triangle-up")):
        sel = w_ == sgn
        fig.add_trace(go.Scattergl(
            x=t[shown][sel], y=coef[sel], mode="markers", meta="units", customdata=cd[sel],
            marker=dict(color=col, size=6 if len(shown) < 2000 else 3, symbol=sym),
            name=f"units with w<sub>i</sub> = {sgn:+d}" + (f" (every {step}th in bias order)" if step > 1 else ""),
            hovertemplate="unit %{customdata[3]}: w = %{customdata[0]}, c = %{customdata[1]:.6g}<br>"
                          "break-point t = %{x:.6g}<br>a = pool[%{customdata[4]}] = %{y:.6g}<br>"
                          "slope change γa = %{customdata[2]:.6g}<extra></extra>"), row=3, col=1)
    ramp = len(fig.data)
    fig.add_trace(go.Scatter(x=[a, b], y=[0, 0], mode="lines", line=dict(color="#000000", width=2),
                             name="ramp of the hovered unit"), row=4, col=1)
    if blocks:
        _lanes(go, fig, net, blocks, columns, row=5)
    fig.update_xaxes(title_text="x", row=1, col=1)
    fig.update_xaxes(title_text="x", matches="x", row=2, col=1)
    fig.update_xaxes(title_text="break-point t<sub>i</sub> = −c<sub>i</sub>/w<sub>i</sub>", row=3, col=1)
    fig.update_xaxes(title_text="x", matches="x", row=4, col=1)
    fig.update_yaxes(title_text="f", row=1, col=1)
    fig.update_yaxes(title_text="f* − f<sub>NN</sub>", row=2, col=1)
    fig.update_yaxes(title_text="pool value a<sub>i</sub>", row=3, col=1)
    fig.update_yaxes(title_text="unit output", row=4, col=1)
    title = (f"f* = {target.text}, " if target is not None else "") + \
        f"hidden width H = {net.width} on [{a:g}, {b:g}]" + (f", ε = {float(eps):g}" if eps is not None else "")
    fig.update_layout(title=dict(text=title), height=1250 if not blocks else 1500, template="plotly_white", hovermode="closest",
                      legend=dict(orientation="v", x=1.01, y=1))
    return _page(fig, _RAMP_JS % {"ramp": ramp, "a": json.dumps(a), "b": json.dumps(b)})


def _lanes(go, fig, net, blocks, columns, row):
    """The lanes of the figure's panel (c) as filled rectangles (one trace per lane)."""
    import re

    from .network import lanes

    found = lanes(net, blocks, columns)
    names = []
    for y, (label, key, runs, locs, count) in enumerate(reversed(found)):
        xs, ys = [], []
        for start, width in runs:
            xs += [start, start + width, start + width, start, start, None]
            ys += [y - 0.35, y - 0.35, y + 0.35, y + 0.35, y - 0.35, None]
        plain = re.sub(r"\$([^$]*)\$", lambda m: m.group(1).replace("_j", "<sub>j</sub>"), label)
        what = "unused pairs" if key == "linear" else "blocks"
        names.append(f"{plain} ({count} {what})")
        fig.add_trace(go.Scatter(x=xs, y=ys, fill="toself", mode="lines", line=dict(width=0.5, color="#333333"),
                                 fillcolor=COLORS[key], name=names[-1], hoverinfo="name"), row=row, col=1)
        if locs is not None and len(locs):
            fig.add_trace(go.Scatter(x=np.sort(locs), y=np.full(len(locs), y), mode="markers",
                                     marker=dict(symbol="line-ns-open", size=14, color="#000000"),
                                     name=f"step locations s<sub>j</sub> ({plain})", showlegend=False,
                                     hovertemplate="s<sub>j</sub> = %{x:.6g}<extra></extra>"), row=row, col=1)
    fig.update_yaxes(tickvals=list(range(len(names))), ticktext=names, row=row, col=1)
    fig.update_xaxes(title_text="x", matches="x", row=row, col=1)


def nd_page(net, target=None) -> str:
    """The interactive page of a 2-D/3-D network (module docstring)."""
    go, make_subplots = _plotly()
    from .nd import nd_grid

    text = getattr(target, "text", None) or net.provenance.get("target", "")
    if net.dim == 2:
        g, F, T = nd_grid(net, target, m=81)
        fig = make_subplots(rows=1, cols=2, specs=[[{"type": "scene"}, {"type": "xy"}]],
                            subplot_titles=("surface f<sub>NN</sub>(x, y) (drag to rotate)",
                                            "error f* − f<sub>NN</sub> on the grid (sampled)"))
        fig.add_trace(go.Surface(x=g, y=g, z=F, colorscale="Viridis", name="network f<sub>NN</sub>",
                                 showscale=False, showlegend=True), row=1, col=1)
        if T is not None:
            fig.add_trace(go.Surface(x=g, y=g, z=T, colorscale="Greys", opacity=0.35, showscale=False,
                                     name="target f*", showlegend=True), row=1, col=1)
            E = T - F
            lim = float(np.max(np.abs(E))) or 1.0
            fig.add_trace(go.Heatmap(x=g, y=g, z=E, colorscale="PuOr", zmin=-lim, zmax=lim,
                                     colorbar=dict(title="f* − f<sub>NN</sub>"), name="error"), row=1, col=2)
        fig.update_xaxes(title_text="x", row=1, col=2)
        fig.update_yaxes(title_text="y", scaleanchor="x", row=1, col=2)
    elif net.dim == 3:
        a, b = net.domain
        fig = make_subplots(rows=1, cols=2, specs=[[{"type": "scene"}, {"type": "xy"}]], horizontal_spacing=0.16,
                            subplot_titles=("f<sub>NN</sub> on three slices z = const (drag to rotate)",
                                            "error f* − f<sub>NN</sub> at z = %g (sampled)" % ((a + b) / 2)))
        vals = []
        for z in (a, (a + b) / 2, b):
            g, F, T = nd_grid(net, target, m=61, z=z)
            vals.append((z, g, F, T))
        lo = min(float(v[2].min()) for v in vals)
        hi = max(float(v[2].max()) for v in vals)
        for k, (z, g, F, T) in enumerate(vals):
            fig.add_trace(go.Surface(x=g, y=g, z=np.full(F.shape, z), surfacecolor=F, cmin=lo, cmax=hi,
                                     colorscale="Viridis", showscale=k == 0, name=f"f<sub>NN</sub> at z = {z:g}",
                                     colorbar=dict(title="f<sub>NN</sub>", x=0.43)), row=1, col=1)
        z, g, F, T = vals[1]
        if T is not None:
            E = T - F
            lim = float(np.max(np.abs(E))) or 1.0
            fig.add_trace(go.Heatmap(x=g, y=g, z=E, colorscale="PuOr", zmin=-lim, zmax=lim,
                                     colorbar=dict(title="f* − f<sub>NN</sub>")), row=1, col=2)
        fig.update_xaxes(title_text="x", row=1, col=2)
        fig.update_yaxes(title_text="y", scaleanchor="x", row=1, col=2)
    else:
        raise PlotError(f"cannot draw a {net.dim}-D network")
    fig.update_layout(title=dict(text=f"{net.dim}-D permutation network, H = {len(net.pool)}"
                                 + (f", f* = {text}" if text else "")), height=650, template="plotly_white",
                      legend=dict(orientation="h", x=0, y=-0.12))
    return _page(fig)
