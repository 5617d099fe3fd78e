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
# # 3. Building Theorem 1, step by step
#
# **The network.** Pairs of ReLU units $\varphi_i^+(x)=\sigma(x-b_i)$, $\varphi_i^-(x)=\sigma(b_i-x)$ with
# equidistant break-points $b_i=\frac{i-1}{n-1}$ on $[0,1]$, and
#
# $$f^{\rm NN}(x)=\alpha+\gamma\sum_{i=1}^{n}\big(p_i\varphi_i^+(x)+q_i\varphi_i^-(x)\big),\qquad
#   (p_1,\dots,p_n,q_1,\dots,q_n)=\tau\big(b_1,\dots,b_n,-b_1,\dots,-b_n\big),$$
#
# where $\tau$ is a rearrangement: each of the $2n$ pool values $\pm b_i$ is used exactly once.
#
# > **Theorem 1.** For every continuous $f^*$ on $[0,1]$ and every $\varepsilon>0$ there are $n$, real
# > numbers $\alpha,\gamma$ and a rearrangement $\tau$ such that $|f^{\rm NN}(x)-f^*(x)|\le\varepsilon$ for
# > all $x\in[0,1]$.
#
# The proof is a construction in four moves, which this notebook runs one at a time:
#
# 1. **Staircase** (Lemma 1): replace $f^*$ by a staircase $f_{\rm pc}$ with steps of height $\Delta h$.
# 2. **Step matching**: put one four-pair step block (notebook 2) under every step.
# 3. **Unused pairs**: every pair not in a block still has to use its two values $\pm b_i$; put them in
#    *linear mode* and choose signs so that their total slope is (almost) zero (Lemma 2).
# 4. **Output layer**: $\gamma$ scales the block height $h$ to $\Delta h$, $\alpha$ fixes the constant.
#
# Then `proofkit.certify` checks the result on the **whole** interval with interval arithmetic.

# %%
import matplotlib.pyplot as plt
import numpy as np

from proofkit.blocks import sign_selection
from proofkit.build import build
from proofkit.certify import certify
from proofkit.construct import construct_theorem1, piecewise_constant_approximation
from proofkit.expr import parse_target
from proofkit.fmt import fmt_lower, fmt_upper

plt.rcParams.update({"figure.dpi": 90, "axes.grid": True, "grid.alpha": 0.3})

# %% [markdown]
# ## 1. The staircase (Lemma 1)
#
# > **Lemma 1.** For $f^*$ continuous on $[0,1]$ and a level spacing $\Delta h>0$ put
# > $k(x)=\big\lfloor (f^*(x)-f^*(0))/\Delta h+\tfrac12\big\rfloor$ and
# > $$f_{\rm pc}(x)=f^*(0)+\Delta h\,k(x)=f^*(0)+\sum_{j=1}^{J}a_j\,\Delta h\,\mathbf 1_{[s_j,1]}(x),\qquad a_j\in\{\pm1\}.$$
# > Then $|f_{\rm pc}(x)-f^*(x)|\le\Delta h/2$.
#
# The steps $s_j$ sit where $f^*$ crosses a half-level $(l+\frac12)\Delta h$ (up-steps $a_j=+1$ when
# $f^*$ rises through it, down-steps when it falls). proofkit finds them on a dense sample and
# refines each crossing by bisection.

# %%
target = parse_target("sin(2*pi*x) + x/2")      # change me
delta_h = 0.2                                    # change me
lem = piecewise_constant_approximation(target, delta_h)
xs = np.linspace(0, 1, 2001)
fig, ax = plt.subplots(figsize=(9, 4))
ax.plot(xs, target(xs), "k", linewidth=2, label=f"$f^*(x)$ = {target.text}")
ax.plot(xs, lem(xs), color="tab:blue", label=rf"staircase $f_{{pc}}$, $\Delta h={delta_h}$")
up, down = lem.signs > 0, lem.signs < 0
ax.plot(lem.locations[up], lem(lem.locations[up]), "^", color="tab:green", label="up-steps $s_j$ ($a_j=+1$)")
ax.plot(lem.locations[down], lem(lem.locations[down]), "v", color="tab:red", label="down-steps ($a_j=-1$)")
ax.set_xlabel("$x$")
ax.set_title(f"Lemma 1: J = {lem.J} unit steps, max |f_pc - f*| on the plot grid = "
             f"{np.max(np.abs(lem(xs) - target(xs))):.3f} (bound {delta_h / 2})")
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# ## 2–4. The construction
#
# `construct_theorem1(target, eps)` chooses the parameters and runs the three remaining moves:
#
# * a **coarse grid** of $\hat n$ points and a refinement factor $L$, so there are $n=L(\hat n-1)+1$
#   pairs with fine spacing $d=1/(n-1)$ and coarse spacing $D=Ld$;
# * **step matching**: the unit step at $s_j$ gets a four-pair block on pairs $k,k+L,k+2L,k+3L$
#   (spacing $D$, height $h=2D^2$), the block's plateau placed on $s_j$; $a_j=-1$ negates the block;
#   blocks never share a pair;
# * **unused pairs in linear mode**: pair $i$ gets $(p_i,q_i)=(m_ib_i,-m_ib_i)$, i.e. the straight line
#   $m_ib_i(x-b_i)$ — it uses exactly its own two values;
# * **output layer**: $\gamma=\Delta h/h$, so every block becomes a step of height $\Delta h$, and $\alpha$
#   makes $f^{\rm NN}(0)=f^*(0)$.

# %%
eps = 0.25
cons = construct_theorem1(target, eps)
net = cons.net
P = cons.params
print(f"n_hat = {P['n_hat']}, L = {P['L']}, n = {P['n']} pairs (hidden width {cons.width_used}), "
      f"delta_h = {float(P['delta_h'])}")
print(f"blocks = {P['blocks']} (steps {P['steps']}, cancelled {P['cancelled']}), D = {P['D']:.4g}, h = 2D^2 = {P['h']:.3g}")
print(f"gamma = delta_h / h = {P['gamma']:.6g},  alpha = {P['alpha']:.6g}")
print(net.check_permutation().message)

# %%
fig, axes = plt.subplots(1, 2, figsize=(13, 4.2))
ax = axes[0]
ax.plot(xs, target(xs), "k", linewidth=2, label="$f^*$")
ax.plot(xs, net(xs), color="tab:red", label=r"$f^{\rm NN}$ (the constructed network)")
ax.plot(xs, cons.lemma1(xs), color="tab:blue", alpha=0.5,
        label=rf"staircase $f_{{pc}}$ it follows ($\Delta h$ = {float(P['delta_h'])})")
ax.set_xlabel("$x$")
ax.set_title(f"Theorem 1 network, eps = {eps}")
ax.legend(fontsize=8)
m = cons.matching
j = int(np.argmax(m.regular)) if m.blocks else 0             # zoom on one block
lo, hi = m.c1[j] - 2 * m.D, m.c4[j] + 2 * m.D
xz = np.linspace(lo, hi, 801)
ax = axes[1]
ax.plot(xz, target(xz), "k", linewidth=2, label="$f^*$")
ax.plot(xz, net(xz), color="tab:red", label=r"$f^{\rm NN}$")
ax.plot(xz, cons.lemma1(xz), color="tab:blue", alpha=0.6, label="$f_{pc}$")
for r in range(4):
    ax.axvline(m.c1[j] + r * m.D, color="0.6", linestyle=":", linewidth=1)
ax.axvline(m.locations[j], color="tab:green", linestyle="--", label="step location $s_j$")
ax.set_xlabel("$x$")
ax.set_title(f"Zoom on block {j}: break-points $c_1..c_4$ (dotted)")
ax.legend(fontsize=8)
fig.tight_layout()
plt.show()

# %% [markdown]
# **Who uses which pool value?** Each pair $i$ has a break-point $b_i$; below, its coefficient $p_i$
# (on $\varphi_i^+$) is plotted against $b_i$. Pairs in step blocks carry values of their own block's
# break-points (a ragged pattern); pairs in linear mode carry $\pm b_i$ (the two straight lines $p=\pm b$).

# %%
n = P["n"]
b = net.pool[:n]                       # theory layout: pool entry i is +b_i
p = net.coefficients[:n]
in_block = np.zeros(n, dtype=bool)
in_block[m.pairs().ravel()] = True
fig, ax = plt.subplots(figsize=(8, 4))
ax.plot(b[~in_block], p[~in_block], ".", color="0.6", markersize=3, label="pairs in linear mode (unused)")
ax.plot(b[in_block], p[in_block], "o", color="tab:purple", markersize=4, label="pairs in step blocks")
ax.set_xlabel("break-point $b_i$")
ax.set_ylabel("coefficient $p_i$")
ax.set_title(f"Coefficient $p_i$ of every pair ({in_block.sum()} in blocks, {(~in_block).sum()} in linear mode)")
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# ## 3 in detail: the unused pairs and sign selection (Lemma 2)
#
# Unused pairs in linear mode add up to a straight line
#
# $$S(x)=\sum_{i\in U}m_ib_i(x-b_i)=\Big(\sum_{i\in U}m_ib_i\Big)x-\sum_{i\in U}m_ib_i^2 .$$
#
# The intercept goes into $\alpha$; the **slope** must be small, because $\gamma$ is huge (it scales
# $h=2D^2$ up to $\Delta h$). Pair consecutive unused break-points $u<w$ with opposite signs: the couple
# contributes slope $\pm g$ with $g=b_w-b_u$, the gap. Then:
#
# > **Lemma 2 (sign selection).** For numbers $0\le g_1,\dots,g_m\le\Delta$ there are signs $m_t\in\{\pm1\}$
# > with every partial sum $\big|\sum_{s\le t}m_sg_s\big|\le\Delta$. (Greedy rule: $m_t=-\operatorname{sign}$
# > of the current sum, $+1$ when it is 0.)
#
# So the slope is at most the largest gap. proofkit then flips up to three signs to make it **exactly**
# zero (integer arithmetic on the grid). The picture shows the greedy rule on random gaps.

# %%
rng = np.random.default_rng(0)
gaps = rng.uniform(0, 1, 60)
signs, total = sign_selection(gaps)
partial = np.cumsum(np.array(signs) * gaps)
fig, ax = plt.subplots(figsize=(8, 3.5))
ax.step(np.arange(1, 61), partial, where="post", color="tab:blue", label="partial sums $\\sum_{s\\leq t} m_s g_s$ (greedy signs)")
ax.plot(np.arange(1, 61), np.cumsum(gaps), color="0.6", label="all signs $+1$")
ax.axhline(gaps.max(), color="k", linestyle=":", label="$\\pm\\max g$")
ax.axhline(-gaps.max(), color="k", linestyle=":")
ax.set_ylim(-2, 4)
ax.set_xlabel("$t$")
ax.set_title("Lemma 2: the greedy signs keep every partial sum within the largest gap")
ax.legend(fontsize=8)
plt.show()
print(f"in the construction: slope after Lemma 2 = {P['slope_lemma2']:.3g}, after {P['sign_flips']} "
      f"sign flips = {P['slope']}")

# %% [markdown]
# ## The proof's form of the network
#
# Putting the moves together, the construction is exactly
#
# $$f^{\rm NN}(x)=f^*(0)+\Delta h\,N(x)+\gamma\sigma_U\,(x-\tfrac12),\qquad N(x)=\sum_ja_jR_j(x),$$
#
# where $R_j$ is the unit ramp of block $j$ (profile $0,\frac12,\frac12,1$) and $\sigma_U$ the leftover
# slope of the unused pairs (here 0). `Construction.decomposition(x)` evaluates this form; it agrees with
# the network itself up to rounding:

# %%
print("max |decomposition - network| on 2001 points:", float(np.max(np.abs(cons.decomposition(xs) - net(xs)))))

# %% [markdown]
# ## The error budget
#
# Each move costs part of $\varepsilon$:
#
# $$\|f^{\rm NN}-f^*\|_\infty\ \le\ \underbrace{\Delta h/2}_{\text{staircase}}
#   +\underbrace{\gamma h/2=\Delta h/2}_{\text{step blocks}}+\text{crowding}
#   +\underbrace{\gamma|\sigma_U|/2}_{\text{unused slope}}+\text{rounding}.$$
#
# ("Crowding": where steps are closer than a block's width, blocks are displaced; proofkit measures the
# extra error there.) Terms marked *estimate* depend on the target between sample points; the
# **certificate** is the rigorous check: `certify` encloses $\sup_{[0,1]}|f^{\rm NN}-f^*|$ with ball
# arithmetic (python-flint `arb`) on every linear piece of the network, and checks exactly that the
# coefficients are a rearrangement of the pool.

# %%
def budget_chart(cons, cert, eps):
    """Stacked bar of the budget terms next to the certified sup error, against eps."""
    fig, ax = plt.subplots(figsize=(9, 2.8))
    left = 0.0
    palette = plt.get_cmap("tab10")
    for i, t in enumerate(cons.budget.terms):
        ax.barh("budget", t.value, left=left, color=palette(i), hatch="" if t.kind == "proved" else "//",
                label=f"{t.name} = {fmt_upper(t.value, 3)} ({t.kind})")
        left += t.value
    ax.barh("certified", cert.upper, color="0.25", label=f"certified sup error U = {fmt_upper(cert.upper, 4)}")
    ax.axvline(eps, color="k", linestyle="--", label=f"$\\varepsilon$ = {eps}")
    ax.set_xlabel("error")
    ax.set_title("Error budget (stacked; hatched = estimate) and the certified error")
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5))
    fig.tight_layout()
    plt.show()


cert = certify(net, target, eps, budget=cons.budget.to_dict())
print(cons.budget.table())
print(f"\ncertificate: {cert.method}, certified = {cert.certified}, sup error in [{fmt_lower(cert.lower, 5)}, {fmt_upper(cert.upper, 5)}]")
budget_chart(cons, cert, eps)

# %% [markdown]
# The budget is a worst-case sum; the certified error is well below it here (the staircase error and
# the block error do not peak at the same $x$).
#
# ## Your turn: change $\varepsilon$ and the target, and re-certify
#
# `build` runs construct → certify and, if the certified bound misses $\varepsilon$, refines $\Delta h$
# and tries again. Edit the two lines below and re-run the cell. Targets are parsed safely (sympy
# syntax: `sin`, `exp`, `abs`, `sqrt`, `pi`, `**`, ...). Small $\varepsilon$ means a wide network
# (for $\sin 2\pi x$ the width roughly doubles when $\varepsilon$ halves, see exercise 1), so stay above
# about 0.02 here to keep the cell fast.

# %%
TARGET_TEXT = "abs(x - 1/2) + 0.3*sin(6*x)"      # change me
EPS = 0.1                                         # change me

tgt = parse_target(TARGET_TEXT)
res = build(tgt, EPS)
c2, cert2 = res.construction, res.certificate
print(f"rounds: {len(res.rounds)}, width 2n = {c2.width_used}, certified: {cert2.certified} "
      f"(U = {fmt_upper(cert2.upper, 4)} <= eps = {EPS}; method {cert2.method})")
print(cert2.permutation_message)
fig, ax = plt.subplots(figsize=(9, 3.8))
ax.plot(xs, tgt(xs), "k", linewidth=2, label=f"$f^*$ = {TARGET_TEXT}")
ax.plot(xs, c2.net(xs), color="tab:red", label=r"$f^{\rm NN}$")
ax.fill_between(xs, tgt(xs) - EPS, tgt(xs) + EPS, color="tab:green", alpha=0.15, label=r"$f^*\pm\varepsilon$")
ax.set_xlabel("$x$")
ax.set_title(f"eps = {EPS}: {c2.width_used} hidden units, certified sup error <= {fmt_upper(cert2.upper, 4)}")
ax.legend(fontsize=8)
plt.show()
budget_chart(c2, cert2, EPS)

# %% [markdown]
# ## Sliders: ε, the target and the pool
#
# The cell below draws the figure of `proofkit plot` (the same library function,
# `proofkit.plot.network.network_figure`): (a) $f^*$ and $f^{\rm NN}$, (b) the error with the certified band
# $\pm U$ (rounded up) and the sampled witness $L$, (c) where each step block acts and the unused pairs in
# linear mode, (d) the permutation: every unit at its break-point against the pool value it received.
# Move the sliders and press **Run**: the construction and the certificate are redone. The pool slider sets
# the coarse grid $\hat n$, hence the pool $\{\pm b_i\}$ of $2n=2(L(\hat n-1)+1)$ values (0 = the automatic
# choice; a pool that is too small cannot be certified, and the figure says so). Without a live kernel
# (a rendered notebook, CI) the static figure for the values below is shown.

# %%
from proofkit.construct.record import blocks_section, read_blocks
from proofkit.errors import ProofkitError
from proofkit.plot.network import network_figure
from proofkit.plot.style import style

TARGETS = ["sin(2*pi*x) + x/2", "abs(x - 1/2) + 0.3*sin(6*x)", "sqrt(x)", "exp(-x**2)*cos(8*x)",
           "Sum(2**-k*cos(3**k*pi*x), (k, 0, 3))"]


def construct_and_draw(eps=0.1, target_text=TARGETS[0], n_hat=0):
    """Construct Theorem 1's network, certify it and draw the proofkit.plot figure."""
    tgt = parse_target(target_text)
    overrides = {"n_hat": int(n_hat), "max_rounds": 1} if n_hat else {}
    try:
        res = build(tgt, eps, **overrides)
    except ProofkitError as exc:  # e.g. a pool too small for the steps: say so instead of failing
        print(f"cannot construct: {exc}")
        return
    cons, cert = res.construction, res.certificate
    blocks = read_blocks(blocks_section(cons), cons.params["n"])
    with style():
        fig = network_figure(cons.net, tgt, cert, blocks, eps=eps)
        plt.show()
    print(f"n = {cons.params['n']} pairs (pool of {cons.width_used} values), U = {fmt_upper(cert.upper, 4)}, "
          f"{'CERTIFIED' if cert.certified else 'NOT certified'} for eps = {eps}")


construct_and_draw(0.1, TARGETS[0])   # the static figure

try:
    import ipywidgets as widgets
except ImportError:  # no widgets installed: the static figure above is all there is
    widgets = None
if widgets is not None:
    controls = widgets.interactive(
        construct_and_draw, {"manual": True, "manual_name": "Run"},
        eps=widgets.FloatLogSlider(value=0.1, base=10, min=-1.7, max=-0.5, step=0.05, description="ε"),
        target_text=widgets.Dropdown(options=TARGETS, value=TARGETS[0], description="target f*"),
        n_hat=widgets.IntSlider(value=0, min=0, max=400, step=10, description="pool n̂"))
    display(controls)

# %% [markdown]
# ## Exercises
#
# 1. How does the width grow as $\varepsilon$ shrinks? Construct (no need to certify) for
#    $\varepsilon=0.4,0.2,0.1,0.05$ on $\sin 2\pi x$ and fit the slope of $\log(2n)$ against
#    $\log\varepsilon$. Compare with `width_bound`, the width the proof's worst-case argument asks for.
# 2. Check the permutation claim yourself, exactly: the sorted exact coefficients (fractions) must equal
#    the sorted exact pool. (`net.exact["pool"]` holds the pool as fractions, `net.permutation` the
#    arrangement.)
# 3. For `abs(x - 1/2)` the certificate uses another method. Which one, and why is it exact?

# %% tags=["solution"] jupyter={"source_hidden": true}
# Solution 1
sine = parse_target("sin(2*pi*x)")
E, W, WB = [0.4, 0.2, 0.1, 0.05], [], []
for e in E:
    cc = construct_theorem1(sine, e)
    W.append(cc.width_used)
    WB.append(cc.width_bound)
    print(f"eps = {e:5}: width used {cc.width_used:6d}, proof's worst-case width {cc.width_bound:10.0f}")
print("fitted slope of log(width) vs log(eps):", np.polyfit(np.log(E), np.log(W), 1)[0])

# %% tags=["solution"] jupyter={"source_hidden": true}
# Solution 2
exact_pool = net.exact["pool"]
exact_coeffs = [exact_pool[k] for k in net.permutation]
print("same multiset:", sorted(exact_coeffs) == sorted(exact_pool), f"({len(exact_pool)} fractions)")

# %% tags=["solution"] jupyter={"source_hidden": true}
# Solution 3: |x - 1/2| is piecewise linear with a rational break-point, so f* - f_NN is piecewise linear
# and its sup is attained at a knot: it is computed exactly in fractions ("exact-pl").
absc = construct_theorem1(parse_target("abs(x - 1/2)"), 0.1)
c3 = certify(absc.net, parse_target("abs(x - 1/2)"), 0.1)
print(c3.method, c3.upper, c3.certified)
