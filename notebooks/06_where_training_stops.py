# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 6. Where permutation training stops converging
#
# In 2-D and 3-D the paper's networks (Section 5, Figs. 3 and 4) do not learn their first layer: every
# hidden unit looks at the input only through one of a few **fixed directions** — 8 in 2-D,
# $\pm(1,0),\pm(0,1),\pm(1,1),\pm(1,-1)$, and the 26 nonzero vectors of $\{-1,0,1\}^3$ in 3-D. The
# errors of Figs. 3 and 4 come down slowly, and the paper draws "1/4 order" and "1/6 order" lines through
# them. This notebook shows that those curves *cannot* keep going down: there is an error **floor** that no
# network of this architecture beats — at any width, with any coefficients (permuted or free), any
# activation, any training — and proofkit computes it with a certificate anyone can check.
#
# **Why.** A hidden unit $\rho(a_j\cdot x + c)$ is a function of $a_j\cdot x$ alone, a *ridge function*.
# So every such network is a **ridge sum**
#
# $$N(x) = \sum_{j} g_j(a_j\cdot x)$$
#
# over the fixed directions $a_j$, whatever the width. Ridge sums over finitely many directions are *not*
# dense in $C([-1,1]^d)$ (Lin & Pinkus 1993; Ismailov 2012), so a target that is not one keeps a positive
# distance from all of them.
#
# **How to prove a floor.** Take points $x_k$ and signed weights $\mu_k$ such that every line
# $\{a_j\cdot x = t\}$ of every direction carries total weight zero. Then $\sum_k \mu_k\,g(a_j\cdot x_k)=0$
# for *every* function $g$ (group the sum line by line), so $\sum_k\mu_k N(x_k)=0$ for every network $N$,
# and
#
# $$\Big|\sum_k\mu_k f^*(x_k)\Big| = \Big|\sum_k\mu_k\,(f^*-N)(x_k)\Big| \le \sup|f^*-N|\sum_k|\mu_k|
# \quad\Longrightarrow\quad \sup|f^*-N| \ge L := \frac{|\sum_k\mu_k f^*(x_k)|}{\sum_k|\mu_k|}.$$
#
# The best such measure is the dual solution of a linear program (best uniform approximation by ridge
# sums on a lattice); proofkit solves it, makes the weights exact rationals, moves the points to raise
# $L$, and re-checks everything in exact and ball arithmetic (`proofkit floor`).

# %%
import json
from fractions import Fraction
from importlib import resources
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import FormatStrFormatter

import proofkit
from proofkit.experiments.reference import figure_reference
from proofkit.floor import NdTarget, best_ridge_fit, check, lines, paper_directions, search_floor
from proofkit.fmt import fmt_lower, fmt_upper  # printed lower bounds round down, upper ones up

plt.rcParams.update({"figure.dpi": 90, "axes.grid": True, "grid.alpha": 0.3})
BOX = (Fraction(-1), Fraction(1))

# %% [markdown]
# ## The floor of Fig. 3's target
#
# The paper's 2-D target is $f^*(x,y)=-\sin(\pi xy)$ on $[-1,1]^2$. We search two lattices (8 and 32
# intervals per axis) and polish; the command-line equivalent is
# `proofkit floor ' -sin(pi*x*y)' --dim 2 --lattice 8 32 --out cert.json`.

# %%
f2 = NdTarget("-sin(pi*x*y)", 2)
dirs2 = paper_directions(2)
res = search_floor(f2, BOX, dirs2, (8, 32))
cert = res.certificate
for row in res.rows:
    print(f"lattice m = {row.m:3d}: LP value on the lattice {row.lp_value:.6f}, "
          f"polished and certified {fmt_lower(row.polished_bound, 6)}")
print(f"\ncertified floor L = {fmt_lower(cert.lower_bound, 6)} from {len(cert.points)} points")
print("weights:", [str(w) for w in cert.weights])
print("independent check:", check(cert).reason)

# %% [markdown]
# ## The obstruction, drawn
#
# Twelve points, weight $+1$ (red) or $-1$ (blue). Each panel draws the lines of one direction family
# through them: every line meets one red and one blue point (or none), so it carries mass zero — and a
# function of $a\cdot x$ is constant along each of those lines. The background is $f^*$ (dark: large).
# Among all such patterns the LP picks the one that makes $\sum_k\mu_k f^*(x_k)$ largest; the residual
# picture further down shows what that means.

# %%
P = np.array(cert.points, dtype=float)
W = np.array([float(w) for w in cert.weights])
g = np.linspace(-1, 1, 201)
GX, GY = np.meshgrid(g, g, indexing="xy")
FZ = f2(np.stack([GX.ravel(), GY.ravel()], axis=1)).reshape(GX.shape)
fig, axes = plt.subplots(1, 4, figsize=(15, 4))
for ax, line in zip(axes, lines(dirs2)):
    ax.imshow(FZ, extent=(-1, 1, -1, 1), origin="lower", cmap="Greys", alpha=0.5)
    a = np.array(line, float)
    perp = np.array([-a[1], a[0]])
    for t in sorted({float(a @ p) for p in P}):
        base = a * t / (a @ a)
        seg = np.array([base - 3 * perp, base + 3 * perp])
        ax.plot(seg[:, 0], seg[:, 1], color="0.35", linewidth=0.8)
    ax.scatter(P[W > 0, 0], P[W > 0, 1], c="red", s=60, zorder=3, label="$\\mu_k=+1$")
    ax.scatter(P[W < 0, 0], P[W < 0, 1], c="blue", s=60, zorder=3, label="$\\mu_k=-1$")
    ax.set_xlim(-1.05, 1.05)
    ax.set_ylim(-1.05, 1.05)
    ax.set_aspect("equal")
    ax.set_title(f"lines $a\\cdot x = t$, $a = ({line[0]}, {line[1]})$")
fig.legend(*axes[0].get_legend_handles_labels(), loc="lower center", ncol=2, fontsize=9)
fig.subplots_adjust(bottom=0.18)
plt.show()

# %% [markdown]
# Check the key identity on a network we make up: random ReLU units in the paper's directions with
# rational biases and coefficients, evaluated **exactly** at the certificate's (rational) points.

# %%
rng = np.random.default_rng(0)
units = [(dirs2[i], Fraction(int(b), 9), Fraction(int(c), 4))
         for i, b, c in zip(rng.integers(0, 8, 500), rng.integers(-18, 19, 500), rng.integers(-8, 9, 500))]


def net(p):
    """sum_i c_i relu(a_i . p + b_i), exactly."""
    return sum((c * max(Fraction(0), a[0] * p[0] + a[1] * p[1] + b) for a, b, c in units), Fraction(0))


print("sum_k mu_k N(x_k) =", sum((w * net(p) for p, w in zip(cert.points, cert.weights)), Fraction(0)))
print("sum_k mu_k f(x_k) =", float(W @ f2(P)), "  sum_k |mu_k| =", int(np.abs(W).sum()))

# %% [markdown]
# ## How tight is it? The best ridge sum we can find
#
# From above, fit a ridge sum with piecewise-linear profiles (48 intervals per direction) by a minimax
# LP and measure its error on a fine grid. That error is *achievable* by a network of the architecture
# (with free coefficients), so the true floor lies in $[L, \text{fit}]$ — the fit is sampled, not
# certified. The residual $f^*-N$ of the fit comes close to $+$ its maximum at the points with
# $\mu_k=+1$ and to $-$ its maximum at those with $\mu_k=-1$: the two sides of the LP meet there (for an
# exactly optimal ridge sum the residual would be exactly $\pm L$ at those points).

# %%
fit = best_ridge_fit(f2, BOX, lines(dirs2), 48, 97, 401)
print(f"bracket [L, fit] = [{fmt_lower(cert.lower_bound, 5)}, {fmt_upper(fit.sampled_error, 5)}], "
      f"ratio {fit.sampled_error / cert.lower_bound:.3f}  (fit: {fit.seconds:.1f} s)")
g4 = np.linspace(-1, 1, 401)
GX, GY = np.meshgrid(g4, g4, indexing="xy")
XY = np.stack([GX.ravel(), GY.ravel()], axis=1)
R = (f2(XY) - fit(XY)).reshape(GX.shape)
fig, ax = plt.subplots(figsize=(6, 5))
im = ax.imshow(R, extent=(-1, 1, -1, 1), origin="lower", cmap="RdBu_r", vmin=-fit.sampled_error,
               vmax=fit.sampled_error)
ax.scatter(P[W > 0, 0], P[W > 0, 1], facecolors="none", edgecolors="k", s=90, linewidths=1.5, label="$\\mu_k=+1$")
ax.scatter(P[W < 0, 0], P[W < 0, 1], marker="s", facecolors="none", edgecolors="k", s=90, linewidths=1.5,
           label="$\\mu_k=-1$")
fig.colorbar(im, ax=ax, label="$f^* - N$")
ax.set_title("residual of the best ridge fit")
ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=2, fontsize=8)
ax.grid(False)
plt.show()

# %% [markdown]
# ## The floor against Fig. 3
#
# The committed certificate `proofkit/data/floor_fig3.json` keeps its points on the paper's $113\times113$
# test grid, so its bound holds for the *plotted* metric (the maximum error over that grid) as well. It was
# made by the command stored in the file. Below: the published geometric means (bars: min–max over 10
# runs), proofkit's own runs where they exist, the floor band $[L,\text{fit}]$, and the paper's
# "1/4 order" line continued to larger widths.

# %%
def floor_record(fig):
    return json.loads(resources.files("proofkit").joinpath(f"data/floor_{fig}.json").read_text())


def our_runs(fig):
    """(label, widths, geometric means) of proofkit's runs in figures/ and figures/full/, where present."""
    root = Path(proofkit.__file__).resolve().parent.parent / "figures"
    out = []
    for label, path in (("proofkit, quick", root / f"{fig}.json"), ("proofkit, full", root / "full" / f"{fig}.json")):
        if path.is_file():
            s = next(iter(json.loads(path.read_text())["series"].values()))
            out.append((label, s["widths"], s["gmean"]))
    return out


def floor_plot(fig, title):
    ref, fl = figure_reference(fig), floor_record(fig)
    pub = ref["series"]["Equidistant"]
    n = np.array(ref["widths_n"], float)
    gm = np.array(pub["gmean_linf"])
    fig_, ax = plt.subplots(figsize=(8, 5))
    if "min_linf" in pub:
        ax.errorbar(n, gm, yerr=[gm - np.array(pub["min_linf"]), np.array(pub["max_linf"]) - gm], fmt="ko",
                    mfc="none", capsize=3, label="published (geometric mean, min-max)")
    else:
        ax.plot(n, gm, "ko", mfc="none", label="published (read off the plot)")
    for (label, w, v), mk in zip(our_runs(fig), ("s", "^")):
        ax.plot(w, v, mk + "-", color="C0", alpha=0.8, label=label)
    line = ref["reference_line"]
    (n0, e0), (n1, e1) = line["start"], line["end"]
    slope = np.log(e1 / e0) / np.log(n1 / n0)
    nn = np.geomspace(n0, 1e4, 50)
    ax.plot(nn, e0 * (nn / n0) ** slope, "--", color="orange",
            label=f"published '{line['label']}' line (drawn slope {slope:.2f}), continued")
    ax.axhspan(fl["lower_bound"], fl["best_fit_error"], color="C3", alpha=0.35)
    ax.axhline(fl["lower_bound"], color="C3", label=f"certified floor {fmt_lower(fl['lower_bound'], 4)} (any width)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(FormatStrFormatter("%.2g"))
    ax.yaxis.set_minor_formatter(FormatStrFormatter("%.2g"))
    ax.set_xlabel("$n$ (the paper's width parameter)")
    ax.set_ylabel("$L^\\infty$ test error")
    ax.set_title(title)
    ax.legend(fontsize=8)
    plt.show()
    cross = n0 * (fl["lower_bound"] / e0) ** (1 / slope)
    print(f"certified floor L = {fmt_lower(fl['lower_bound'], 6)}, best fit found {fmt_upper(fl['best_fit_error'], 6)}")
    print(f"the published line reaches the floor at n = {cross:.0f} and goes below it after that")
    for k, e in zip(ref["widths_n"], gm):
        print(f"  n = {k:4d}: published {e:.3f} = {e / fl['lower_bound']:.2f} x floor")
    return fl


fl3 = floor_plot("fig3", "Fig. 3, $-\\sin(\\pi xy)$: the floor of the 8 fixed directions")

# %% [markdown]
# At $n=320$ the published mean (0.134) is 1.74 times the floor and its best run (0.128) 1.67 times; the
# published $n=640$ mean (0.129, 5 runs) is no better. The curve flattens because it is running towards the
# floor, not along a rate of order 1/4, and no network with these directions gets below the red line,
# however wide.
#
# ## Fig. 4: the 3-D floor is close to the published points
#
# The same for $f^*=\sin 3x\,\cos y\,\sin 2z$ with the 26 directions. The certificate has only 8 points,
# all in the plane $y=0$ (where $\cos y = 1$): on that plane a ridge sum in the 26 directions is a ridge sum
# in the four 2-D directions, and the points form the 2-D pattern above.

# %%
fl4 = floor_plot("fig4", "Fig. 4, $\\sin 3x\\cos y\\sin 2z$: the floor of the 26 fixed directions")
print("points:", [[str(c) for c in p] for p in floor_record("fig4")["points"]])

# %% [markdown]
# The published "1/6 order" line ends at 0.35 — *below* the certified floor 0.394: no network of the
# architecture can reach the line's last point. The published points at $n=160, 320$ are within 35 % and
# 16 % of the floor.
#
# ## For contrast: targets with floor zero
#
# A target that *is* a ridge sum in the fixed directions, such as $\sin 3(x+y) + (x-y)^3 + x^2$, has floor
# zero: the LP value is zero on every lattice and the certificate proves nothing positive. A less obvious
# one: $xy = \tfrac14\big((x+y)^2-(x-y)^2\big)$ is a ridge sum too, thanks to the diagonal directions.

# %%
for text in ("sin(3*(x+y)) + (x-y)**3 + x**2", "x*y", "-sin(pi*x*y)"):
    r = search_floor(NdTarget(text, 2), BOX, dirs2, (8, 16), polish=False)
    print(f"{text:32s} LP values {[round(row.lp_value, 6) for row in r.rows]}, "
          f"certified floor {fmt_lower(r.certificate.lower_bound, 6)}")

# %% [markdown]
# ## Exercises
#
# 1. With only the axis directions $(1,0),(0,1)$ the network is $g(x)+h(y)$. Compute the floor of $xy$ on
#    $[-1,1]^2$. Which four points carry the measure, and why can no $g(x)+h(y)$ do better than $N=0$?
# 2. Add the directions $(1,2)$ and $(2,1)$ to the paper's 2-D set. How much does the floor of
#    $-\sin(\pi xy)$ drop? Would a network with these 12 directions have a chance to reach the published
#    "1/4 order" line at $n=320$?
# 3. Using the Fig. 3 table above: from which width on is every published point within a factor 2 of the
#    floor?

# %% tags=["solution"] jupyter={"source_hidden": true}
# Solution 1: the corners carry weights +1, -1, -1, +1 (the signs of xy); every horizontal and vertical line
# through them holds one +1 and one -1. The bound is |1 + 1 + 1 + 1| / 4 = 1, and N = 0 has error max|xy| = 1.
axes_only = [(Fraction(1), Fraction(0)), (Fraction(0), Fraction(1))]
r = search_floor(NdTarget("x*y", 2), BOX, axes_only, (4,))
print("floor", fmt_lower(r.certificate.lower_bound, 6), "points", [tuple(map(str, p)) for p in r.certificate.points],
      "weights", [str(w) for w in r.certificate.weights])

# %% tags=["solution"] jupyter={"source_hidden": true}
# Solution 2: more directions leave fewer annihilating measures, so the floor drops -- here it stays
# positive. Compare it with the line's value at n = 320.
more = dirs2 + [(Fraction(1), Fraction(2)), (Fraction(2), Fraction(1))]
r12 = search_floor(f2, BOX, more, (8, 16))
print(f"8 directions: L = {fmt_lower(cert.lower_bound, 5)};  12 directions: L = {fmt_lower(r12.certificate.lower_bound, 5)}")
line = figure_reference("fig3")["reference_line"]
print("published line at n = 320:", round(line["end"][1], 4))

# %% tags=["solution"] jupyter={"source_hidden": true}
# Solution 3
ref = figure_reference("fig3")
ratios = [e / fl3["lower_bound"] for e in ref["series"]["Equidistant"]["gmean_linf"]]
first = next(k for i, k in enumerate(ref["widths_n"]) if all(q <= 2 for q in ratios[i:]))
print(f"every published point from n = {first} on is within a factor 2 of the floor:",
      [f"{q:.2f}" for q in ratios])
