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
# # 5. Watching permutation training
#
# The theorems say a good rearrangement *exists*. How does training *find* one? This notebook records
# every permutation step of a LaPerm run, draws the paper's permutation-behaviour figure (Fig. 6) live
# from that record, looks at the stages of training, and compares LaPerm with proofkit's direct
# permutation optimisers.
#
# **Recap of LaPerm.** The coefficients $\theta$ are trained by Adam for $k$ epochs, then snapped back
# onto the pool $W$: $\theta\leftarrow\operatorname{sort}(W)[\operatorname{rank}(\theta)]$ — the $r$-th
# smallest coefficient receives the $r$-th smallest pool value. A position is **permuted** at a step if
# its rank, and so its value, changed since the previous step. The log of which positions changed at
# which step is the raw material of Fig. 6.

# %%
import tempfile
from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from IPython import get_ipython
from IPython.display import Image, display

from proofkit.experiments.fig6 import STAGES, WINDOWS, PermutationFigure, window_means
from proofkit.experiments.reference import figure_reference
from proofkit.experiments.runs import decode_events, train_run
from proofkit.experiments.sweep import config_key
from proofkit.expr import parse_target
from proofkit.train import TrainConfig, run

plt.rcParams.update({"figure.dpi": 90, "axes.grid": True, "grid.alpha": 0.3})

# %% [markdown]
# ## A small Fig. 6, built live
#
# The paper's run uses $n=640$ pairs (1280 coefficients), the **sorted** equidistant pool
# `linspace(-1, 1, 1280)` as the starting arrangement, batch 10, $k=5$ and 6400 epochs (1599 permutation
# steps). That takes about a minute here, so we shrink it: $n=160$ and 1600 epochs (399 steps). Change
# `N_PAIRS` and `EPOCHS` to go bigger.
#
# The figure is drawn by the same code that draws Fig. 6 for `proofkit figures`
# (`proofkit.experiments.fig6.PermutationFigure.make`); we only change the protocol it trains with.

# %%
N_PAIRS, EPOCHS = 160, 1600


@dataclass(frozen=True)
class LiveFig6(PermutationFigure):
    """Fig. 6 with a smaller protocol: n pairs, fewer epochs, sorted starting arrangement."""

    epochs: int = EPOCHS

    def train_fields(self, mode):
        fields = super().train_fields(mode)
        fields.update(epochs=self.epochs, sorted_pool=True)
        return fields


fig6 = LiveFig6(name="fig6_live", n=N_PAIRS, rows=400)
cfg = fig6.config("quick")                       # the sweep configuration of the one logged run
result = train_run(cfg)                          # train (LaPerm, permutation log on)
print(f"{result['permutations']} permutation steps, final test MSE {result['mse']:.3g}, "
      f"L_inf {result['linf']:.3g}, {result['train_seconds']:.1f} s")
with tempfile.TemporaryDirectory() as tmp, plt.rc_context({"axes.grid": False}):
    summary = fig6.make({config_key(cfg): {"result": result}}, "quick", tmp)
    display(Image(filename=str(Path(tmp) / "fig6_live.png"), width=900))
# the figure code switches matplotlib to its file backend (Agg); switch this notebook back to inline plots
if get_ipython() is not None:
    get_ipython().run_line_magic("matplotlib", "inline")

# %% [markdown]
# **Reading the figure.** (a) Each row is one permutation step, each column one coefficient position,
# ordered by its *initial* value from −1 to 1; dark = that position received a new value at this step.
# (b) How many positions changed at each step (the "frequency"). (c) The test MSE after each step
# (log–log). The red dashed lines mark the paper's stage boundaries for **its** run (steps 16, 43, 300);
# a smaller run need not have its stages at the same steps.
#
# ## The stages
#
# The paper describes four stages in its run: **I** a burst of permutations while the loss drops fast
# (largely through the free scale $\gamma$); **II** almost all weights permuted while the loss plateaus;
# **III** the activity decays slowly while the error falls by orders of magnitude; **IV** almost no
# permutations, the loss saturates. Below: our run's frequency and loss side by side, and the mean
# frequency (as a *fraction* of all positions, so different widths compare) over the paper's windows
# ("-" where our run has fewer steps than the window needs).

# %%
ev = result["events"]
counts = np.asarray(ev["count"], float)
mse = np.asarray(ev["test_mse"])
H = int(ev["width"])
ref = figure_reference("fig6")
ours = window_means(counts / H)
fig, axes = plt.subplots(1, 2, figsize=(13, 4))
t = np.arange(len(counts))
axes[0].plot(t, counts / H, color="#137a63", linewidth=0.8, label="fraction of positions permuted")
kern = np.ones(15) / 15
axes[0].plot(t[7:-7], np.convolve(counts / H, kern, mode="valid"), "k", label="15-step moving average")
axes[0].set_xlabel("permutation step")
axes[0].set_ylabel("fraction permuted")
axes[0].set_title(f"Activity, n = {N_PAIRS} (width {H})")
axes[0].legend(fontsize=8)
ax2 = axes[1]
ax2.loglog(t + 1, mse, color="#0d585f")
ax2.set_xlabel("permutation step + 1")
ax2.set_ylabel("test MSE")
ax2.set_title("Loss after each permutation step")
fig.tight_layout()
plt.show()
print("window        ours (fraction)   paper (fraction of 1280)")
for w_ours, w_paper in zip(ours, ref["window_means"]):
    o = "   -  " if w_ours["mean"] is None else f"{w_ours['mean']:.3f}"
    print(f"{w_ours['from']:3d}-{w_ours['to']:3d}      {o}            {w_paper['mean'] / 1280:.3f}")

# %% [markdown]
# The coarse shape — early bursts, a period of high activity, then a long decay while the loss keeps
# falling — is what to look for. A single small run is noisy, and the shape depends on the width, the
# learning-rate schedule and the starting arrangement (exercise 2).
#
# ## LaPerm vs a direct permutation optimiser
#
# LaPerm searches for a good arrangement *indirectly*, through Adam. Since $\alpha$ can be eliminated
# and the loss is quadratic in the coefficient vector $a$, one can also search over permutations
# **directly**: with the hidden features $\Phi$ on the training points, the loss is
# $L=\gamma^2a^{\top}Ga-2\gamma b^{\top}a+\text{const}$ ($G$ the centred Gram matrix of $\Phi$). proofkit's
# `swap` method starts from a rank-matched least-squares fit (`rankfit`: solve for free coefficients, then
# give the pool values to positions in the same order) and then applies the best improving
# transposition $a_i\leftrightarrow a_j$, whose effect on $L$ is known exactly in $O(1)$:
#
# $$\Delta L=2\gamma\delta(r_i-r_j)+\gamma^2\delta^2(G_{ii}+G_{jj}-2G_{ij}),\qquad \delta=a_j-a_i,\quad r=\gamma Ga-b.$$
#
# Same target ($-\sin 2\pi x$ on $[-1,1]$), same pool, same data; LaPerm with half the paper's epochs.

# %%
widths = [20, 40, 80]
rows = []
for n in widths:
    base = TrainConfig(target="-sin(2*pi*x)", n=n, init="equidistant", seed=2022)
    for method, extra in (("laperm", {"epochs": 3200}), ("rankfit", {}), ("swap", {})):
        r = run(base.with_(method=method, **extra))
        rows.append((n, method, r.linf, r.seconds))
        print(f"n = {n:3d}  {method:8s}  test L_inf = {r.linf:.4f}   {r.seconds:6.2f} s")
paper = dict(zip(figure_reference("fig2a")["widths_n"], figure_reference("fig2a")["series"]["Equidistant"]["gmean_linf"]))
fig, ax = plt.subplots(figsize=(7.5, 4.5))
for method, mk in (("laperm", "o"), ("rankfit", "s"), ("swap", "^")):
    vals = [r[2] for r in rows if r[1] == method]
    ax.loglog(widths, vals, marker=mk, label=f"{method} (seed 2022)")
ax.loglog(widths, [paper[n] for n in widths], "k:", marker="x", label="paper, LaPerm 6400 epochs (geo. mean of 10 runs)")
ax.set_xticks(widths)
ax.set_xticklabels([str(n) for n in widths])
ax.xaxis.set_minor_formatter(plt.NullFormatter())
ax.set_xlabel("$n$ (pairs)")
ax.set_ylabel("test $L^\\infty$ error")
ax.set_title("Equidistant pool, $-\\sin 2\\pi x$: LaPerm vs direct search")
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# On this small problem the direct search finds much better arrangements, and faster (see the printed
# times). Single LaPerm runs scatter widely around the paper's 10-run means: its min–max over 10 seeds
# spans a factor of 2–4 at these widths. (The direct search needs the $2n\times2n$ Gram matrix
# and $O(n^2)$ work per sweep, so it is a tool for moderate widths, and it optimises the *training* loss
# exactly — no mini-batches, no learning rate.)
#
# ## Exercises
#
# 1. Start the live run from a **shuffled** pool (`sorted_pool=False`). How does panel (a) change?
# 2. Double `N_PAIRS`. Do the window means (as fractions) move towards the paper's?
# 3. Plot the function learned by `swap` at $n=20$ next to the target. Is its coefficient vector
#    really a permutation of the pool? Check with `net.check_permutation()`.

# %% tags=["solution"] jupyter={"source_hidden": true}
# Solution 1: from a shuffled start almost every position changes at the first steps (the sorted start is
# already close, in rank, to a smooth function). To redraw panel (a), change sorted_pool=True to False in
# LiveFig6.train_fields and re-run the live cell.
# Here we only count how many positions change at the first steps.
for sorted_start in (True, False):
    c = TrainConfig(target="-sin(2*pi*x)", n=N_PAIRS, init="equidistant", seed=2022, batch=10, epochs=200,
                    sorted_pool=sorted_start, log_events=True)
    r = run(c)
    print(f"sorted_pool={sorted_start}: positions permuted at the first 5 steps: {r.log.count[:5]}")

# %% tags=["solution"] jupyter={"source_hidden": true}
# Solution 2 (a sketch: set N_PAIRS = 320 in the live cell and re-run it; this takes about twice as long).
# The window means are printed by the 'stages' cell.
print("see the 'stages' cell after changing N_PAIRS")

# %% tags=["solution"] jupyter={"source_hidden": true}
# Solution 3
r = run(TrainConfig(target="-sin(2*pi*x)", n=20, init="equidistant", seed=2022, method="swap"))
xs = np.linspace(-1, 1, 400)
f = parse_target("-sin(2*pi*x)")
fig, ax = plt.subplots(figsize=(7, 3.5))
ax.plot(xs, f(xs), "k", linewidth=2, label="target")
ax.plot(xs, r.net(xs), "r--", label=f"swap, n = 20: L_inf = {r.linf:.3f}")
ax.set_xlabel("$x$")
ax.legend(fontsize=8)
plt.show()
print(r.net.check_permutation().message)
