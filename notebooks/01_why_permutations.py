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
# # 1. Why permutations? A network that learns by rearranging its weights
#
# Ordinary training changes the *values* of a network's weights. **Permutation training** never does:
# it starts from a fixed list of numbers, the **pool**, and may only *rearrange* them. This notebook
# shows the network, the pool, what a rearrangement can and cannot change, and a first training run.
#
# **The network.** One input $x$, one hidden layer of ReLU units $\sigma(z)=\max(z,0)$, one output.
# The hidden units come in **pairs** that share a break-point $b_i$:
#
# $$\varphi_i^{+}(x)=\sigma(x-b_i),\qquad \varphi_i^{-}(x)=\sigma(b_i-x),\qquad i=1,\dots,n,$$
#
# so the hidden width is $2n$. The output is
#
# $$f^{\rm NN}(x)=\alpha+\gamma\sum_{i=1}^{n}\Big(p_i\,\varphi_i^{+}(x)+q_i\,\varphi_i^{-}(x)\Big).$$
#
# * The first layer (weights $\pm1$, break-points $b_i$) is **frozen**.
# * The coefficient vector $\theta=(p_1,\dots,p_n,q_1,\dots,q_n)$ must be a **permutation** of a fixed
#   pool $W$ of $2n$ numbers: $\theta=\tau(W)$ for some rearrangement $\tau$. Every pool value is used
#   exactly once; none may be changed, dropped or duplicated.
# * $\alpha$ (shift) and $\gamma$ (scale) form a tiny learnable output layer.
#
# The paper (Cai, Chen, Qiao, *Neural Networks Trained by Weight Permutation are Universal
# Approximators*) proves that this is still enough to approximate **any** continuous function on an
# interval. Notebooks 2–4 follow the proof; notebook 5 watches training.

# %%
import itertools

import matplotlib.pyplot as plt
import numpy as np

from proofkit.expr import parse_target
from proofkit.network import PermNetwork
from proofkit.pool import equidistant_pool, experiment_pool
from proofkit.train import TrainConfig, run

plt.rcParams.update({"figure.dpi": 90, "axes.grid": True, "grid.alpha": 0.3})

# %% [markdown]
# ## The pool
#
# The theory's **equidistant pool** on $[0,1]$ has break-points $b_i=\frac{i-1}{n-1}$ and the coefficient
# pool made of the same numbers with both signs, $W=(b_1,\dots,b_n,-b_1,\dots,-b_n)$.
# `equidistant_pool` builds it exactly (as fractions) and in floating point.

# %%
n = 5
pool = equidistant_pool(n)
print(pool)
print("break-points b_i      :", [str(b) for b in pool.exact_biases])
print("coefficient pool W    :", [str(v) for v in pool.exact_values])

# %% [markdown]
# The $2n$ basis functions: each $\varphi_i^+$ is zero left of $b_i$ and rises with slope 1; each
# $\varphi_i^-$ is its mirror image. Two identities are used everywhere later:
# $\varphi_i^+-\varphi_i^-=x-b_i$ (a straight line) and $\varphi_i^++\varphi_i^-=|x-b_i|$.

# %%
xs = np.linspace(0, 1, 401)
b = pool.biases
fig, axes = plt.subplots(1, 2, figsize=(11, 3.6), sharey=True)
for i in range(n):
    axes[0].plot(xs, np.maximum(xs - b[i], 0), label=f"$\\varphi_{i + 1}^+$, $b_{i + 1}={b[i]:g}$")
    axes[1].plot(xs, np.maximum(b[i] - xs, 0), label=f"$\\varphi_{i + 1}^-$")
axes[0].set_title(r"$\varphi_i^+(x)=\sigma(x-b_i)$")
axes[1].set_title(r"$\varphi_i^-(x)=\sigma(b_i-x)$")
for ax in axes:
    ax.set_xlabel("$x$")
    ax.legend(fontsize=8)
axes[0].set_ylabel("unit output")
fig.suptitle(f"The {2 * n} hidden units of the equidistant network, n = {n}")
fig.tight_layout()
plt.show()

# %% [markdown]
# ## One network per permutation
#
# `PermNetwork.from_pool(pool, perm)` puts coefficient `pool.values[perm[j]]` on hidden unit `j`
# (units $0..n-1$ are the $\varphi^+$, units $n..2n-1$ the $\varphi^-$). Different permutations give
# different functions. Change `seed` and re-run the cell.

# %%
seed = 0
rng = np.random.default_rng(seed)
fig, ax = plt.subplots(figsize=(7, 5))
for k in range(4):
    perm = rng.permutation(2 * n)
    net = PermNetwork.from_pool(pool, perm)
    assert net.check_permutation().ok          # the coefficients are an exact rearrangement of W
    ax.plot(xs, net(xs), label="coefficients " + ", ".join(f"{v:+.2f}" for v in net.coefficients))
ax.set_xlabel("$x$")
ax.set_ylabel(r"$f^{\rm NN}(x)$  ($\alpha=0$, $\gamma=1$)")
ax.set_title("Four random rearrangements of the same pool")
ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.15))
fig.tight_layout()
plt.show()

# %% [markdown]
# ## What a permutation **cannot** change
#
# Anything that depends only on the *multiset* of coefficients is frozen: their sum, their norm, their
# sorted list. Two consequences for the function:
#
# * **End slopes.** Right of every break-point only the $\varphi^+$ units are active, so
#   $f'(x)=\gamma\sum_ip_i$; left of every break-point $f'(x)=-\gamma\sum_iq_i$. Because
#   $\sum_ip_i+\sum_iq_i=\sum W=0$ for the symmetric pool, **the two end slopes are always equal**,
#   whatever the permutation.
# * **Size.** By Cauchy–Schwarz, $|f^{\rm NN}(x)-\alpha|\le\gamma\,\|W\|_2\,\|\varphi(x)\|_2$: the pool's
#   norm caps how large the function can get, and only $\gamma$ can rescale it.
#
# What it **can** change: *which* break-point gets *which* coefficient, i.e. where the function bends
# and by how much. The next cell checks the end-slope invariant on many random permutations.

# %%
rng = np.random.default_rng(1)
left, right = [], []
for _ in range(200):
    net = PermNetwork.from_pool(pool, rng.permutation(2 * n))
    left.append(float(net(-1.0) - net(-2.0)))    # slope left of all break-points (x < 0)
    right.append(float(net(3.0) - net(2.0)))     # slope right of all break-points (x > 1)
left, right = np.array(left), np.array(right)
print("largest |left slope - right slope| over 200 permutations:", np.abs(left - right).max())
print("end slopes that occurred:", np.unique(np.round(right, 12)))

# %% [markdown]
# ## The whole reachable set, for a tiny pool
#
# With $n=3$ there are $6!=720$ rearrangements (360 distinct functions, since the pool holds the value
# 0 twice). We can draw **all** of them and pick the one closest to a target in the sup norm, with the
# best $\alpha,\gamma$ found by a small least-squares fit. Change the target text and re-run.

# %%
target = parse_target("sin(pi*x)")          # try "x**2", "abs(x - 1/2)", "sin(2*pi*x)"
small = equidistant_pool(3)
ys = target(xs)
best = None
fig, ax = plt.subplots(figsize=(7, 4.2))
for perm in itertools.permutations(range(6)):
    core = PermNetwork.from_pool(small, np.array(perm))(xs)
    ax.plot(xs, core, color="0.7", linewidth=0.4)
    A = np.column_stack([np.ones_like(xs), core])        # f = alpha + gamma * core
    (alpha, gamma), *_ = np.linalg.lstsq(A, ys, rcond=None)
    err = np.max(np.abs(alpha + gamma * core - ys))
    if best is None or err < best[0]:
        best = (err, perm, alpha, gamma)
err, perm, alpha, gamma = best
fit = PermNetwork.from_pool(small, np.array(perm), scale=gamma, shift=alpha)
ax.plot(xs, ys, "k", linewidth=2, label=f"target {target.text}")
ax.plot(xs, fit(xs), "r--", linewidth=2, label=f"best of 720 (with $\\alpha,\\gamma$): sup error {err:.3f}")
ax.set_xlabel("$x$")
ax.set_ylabel("$f(x)$")
ax.set_title(r"Grey: all 720 rearrangements of $W=(0,\frac{1}{2},1,0,-\frac{1}{2},-1)$ ($\alpha=0,\gamma=1$)")
ax.legend(fontsize=8)
plt.show()
print("best coefficients (p_1..p_3, q_1..q_3):", fit.coefficients)

# %% [markdown]
# Six numbers are not enough for a good fit. The theorems say: **make the pool larger** (more pairs),
# and some rearrangement will be within any $\varepsilon$ you like. Brute force is hopeless already for
# $n=10$ ($20!\approx2.4\cdot10^{18}$ rearrangements), so we need either a construction (notebooks 2–4)
# or a training algorithm.
#
# ## LaPerm: training by rearrangement
#
# LaPerm (Qiu & Suda, 2020), the algorithm the paper analyses, trains the coefficients with ordinary
# Adam steps, and every $k$ epochs **snaps them back onto the pool**: the $r$-th smallest current
# coefficient receives the $r$-th smallest pool value,
#
# $$\mathrm{rank}=\operatorname{argsort}(\operatorname{argsort}(\theta)),\qquad
#   \theta\leftarrow \operatorname{sort}(W)[\mathrm{rank}].$$
#
# Adam proposes a direction; the snap keeps only the *order* it induces. $\alpha,\gamma$ are trained
# freely. The experiments use the interval $[-1,1]$ and the pool `linspace(-1, 1, 2n)`, shuffled.
# `proofkit.train.run` runs it (a compiled kernel, a few seconds here; the first call compiles).

# %%
cfg = TrainConfig(target="sin(pi*x)", n=20, init="equidistant", epochs=2000, batch=8, k=5, seed=2022)
res = run(cfg)
print(res.summary())
net = res.net
print(net.check_permutation().message)

# %% [markdown]
# The coefficients before and after. Left: coefficient on each hidden unit (its break-point on the
# x-axis, $\varphi^+$ and $\varphi^-$ units in two colours). Right: the *sorted* coefficients before and
# after — identical, because training only moved values around.

# %%
before, after = net.pool, net.coefficients          # initial positions vs trained arrangement
bp = -net.biases / net.weights                       # break-point of unit j: w_j x + c_j = 0
plus = net.weights > 0
xt = np.linspace(-1, 1, 400)
fig, axes = plt.subplots(1, 3, figsize=(15, 4))
axes[0].scatter(bp[plus], before[plus], s=18, marker="^", color="tab:blue", alpha=0.35, label=r"before, $\varphi^+$ units")
axes[0].scatter(bp[~plus], before[~plus], s=18, marker="v", color="tab:orange", alpha=0.35, label=r"before, $\varphi^-$ units")
axes[0].scatter(bp[plus], after[plus], s=28, marker="^", color="tab:blue", label=r"after, $\varphi^+$ units")
axes[0].scatter(bp[~plus], after[~plus], s=28, marker="v", color="tab:orange", label=r"after, $\varphi^-$ units")
axes[0].set_xlabel("break-point of the unit")
axes[0].set_ylabel("coefficient")
axes[0].set_title("Coefficient on each unit")
axes[0].legend(fontsize=7)
axes[1].plot(np.sort(before), "o", color="0.5", label="sorted, before")
axes[1].plot(np.sort(after), ".", color="red", label="sorted, after")
axes[1].set_xlabel("rank")
axes[1].set_ylabel("coefficient value")
axes[1].set_title("Same multiset before and after")
axes[1].legend(fontsize=8)
f = parse_target(cfg.target)
init_net = PermNetwork(net.weights, net.biases, net.pool, np.arange(net.width), scale=1.0, shift=0.0,
                       domain=net.domain)
axes[2].plot(xt, f(xt), "k", linewidth=2, label=f"target {cfg.target}")
axes[2].plot(xt, init_net(xt), color="0.6", label=r"initial arrangement ($\alpha=0,\gamma=1$)")
axes[2].plot(xt, net(xt), "r--", linewidth=2, label=f"after LaPerm: sup error {res.linf:.3f}")
axes[2].set_xlabel("$x$")
axes[2].set_title("The function")
axes[2].legend(fontsize=7)
fig.tight_layout()
plt.show()
print(f"gamma = {net.scale:.4f}, alpha = {net.shift:.4f}, positions whose value changed: "
      f"{int((before != after).sum())} of {net.width}")

# %% [markdown]
# The fit is rough: 40 hidden units and 2000 epochs are little (the paper trains 6400 epochs and reports
# an $L^\infty$ error near 0.3 for $n=40$ on $-\sin 2\pi x$). Notebook 5 compares LaPerm with a direct
# search over permutations, which does much better at this size.
#
# ## Exercises
#
# 1. Use the **pairwise** pool (`init="pairwise"`: random break-points, coefficients $\{c_i\}\cup\{-c_i\}$)
#    and the **random** pool (`init="random"`: $2n$ independent values) in the LaPerm cell. Is the
#    end-slope invariant still true for the random pool? Why (not)?
# 2. For the $n=3$ brute force, how many distinct coefficient vectors are there, and how many distinct
#    functions on $[0,1]$? Explain both numbers.
# 3. Double `n` in the LaPerm cell (keep everything else). Does the error go down?
#
# The solutions are in the hidden cells below (click the "…" to show them).

# %% tags=["solution"] jupyter={"source_hidden": true}
# Solution 1: the invariant needs sum(W) = 0. The pairwise pool is symmetric (c and -c), the random one
# is not, so its end slopes differ by gamma * sum(W).
for name in ("pairwise", "random"):
    P = experiment_pool(name, 10, seed=3)
    print(f"{name:10s} sum(W) = {P.values.sum():+.3e}")
    netP = PermNetwork.from_pool(P, np.random.default_rng(0).permutation(20), layout="theory")
    print("           slope right - slope left:",
          float((netP(5.0) - netP(4.0)) - (netP(-4.0) - netP(-5.0))))

# %% tags=["solution"] jupyter={"source_hidden": true}
# Solution 2: two pool entries are 0 (b_1 = 0 taken with both signs), so swapping them does not change
# the coefficient vector: 720 / 2 = 360 distinct vectors. On [0, 1] there are even fewer distinct
# *functions*: phi_1^- = relu(0 - x) and phi_3^+ = relu(x - 1) vanish there, so their coefficients are
# invisible. A function that is linear between 0, 1/2, 1 is fixed by its values at those three points.
vecs = {tuple(small.values[list(p)]) for p in itertools.permutations(range(6))}
funcs = {tuple(PermNetwork.from_pool(small, np.array(p))(np.array([0.0, 0.5, 1.0])))
         for p in itertools.permutations(range(6))}
print(len(vecs), "distinct coefficient vectors,", len(funcs), "distinct functions on [0, 1]")

# %% tags=["solution"] jupyter={"source_hidden": true}
# Solution 3 (one seed only: LaPerm runs are noisy, the paper averages 10 seeds)
for nn in (20, 40):
    r = run(cfg.with_(n=nn))
    print(nn, r.summary())
