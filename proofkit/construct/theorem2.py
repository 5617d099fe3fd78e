r"""Theorem 2: a permutation of the equidistant pool approximates f* with α = 0, γ = 1 (arXiv 2407.01033, Theorem 2 and its pseudo-copies).

Pool: :math:`b_i=a+i\,d`, :math:`i=0..n-1`, :math:`d=(b-a)/(n-1)`, coefficients :math:`\{\pm b_i\}`, every
value used exactly once, **no** output layer. Everything below is exact rational arithmetic on the
indices; :math:`f^{NN}(x)=\sum_i p_i\varphi_i^+(x)+q_i\varphi_i^-(x)` is built from four kinds of pieces.

1. **Nested pseudo-copies (stacked anchored ramps).** A *window* of :math:`2K` consecutive grid points
   (:math:`K=2m`) around a half-grid centre :math:`t=b_i+d/2` has the points :math:`t\pm\tfrac o2d`,
   :math:`o=1,3,\dots,2K-1`. The groups (inner, outer) :math:`=(4r+1,4r+3)`, :math:`r=0..m-1`, are
   symmetric quadruples; an anchored ramp block (the paper's step construction, :func:`proofkit.blocks.anchored_ramp_block`) on each
   is exactly :math:`h_r\,\mathrm{clip}((x-c_2)/(c_3-c_2),0,1)` with :math:`h_r=(4r+1)(4r+3)d^2`. The stack is
   exactly 0 left of the window, exactly

   .. math:: H=d^2\sum_{r=0}^{m-1}(4r+1)(4r+3)=d^2\,\frac{16m^3-7m}{3}

   right of it, monotone in between and equal to :math:`H/2` at :math:`t` (all copies centred exactly,
   :math:`\Delta s_l=0`). H plays the role of the level spacing :math:`\Delta h`.
2. **Levels (Lemma 1).** :math:`f_{pc}=f^*(a)+H\,k(x)`, :math:`k=\lfloor(f^*-f^*(a))/H+\tfrac12\rfloor`, with
   unit steps :math:`(s_j,a_j)` (:mod:`proofkit.construct.lemma1`). A step and the next one of opposite sign
   closer than a window width (a level grazed near an extremum) cancel and are both dropped; every kept
   step gets its own window at the free half-grid centre nearest :math:`s_j` (an :math:`L^\infty` isotonic
   placement keeps windows disjoint with the least displacement).
3. **The constant** :math:`f^*(a)` (no α!). Symmetric constant quads (the paper's constant matching): around a half-grid centre
   :math:`t`, the couple at radius :math:`\rho_k=(k+\tfrac12)d` in *transposed mode with equal signs* m
   (:math:`u=t-\rho_k\mapsto m\,b_w`, :math:`w=t+\rho_k\mapsto m\,b_u`) gives :math:`2mt\,x-2m(t^2-\rho_k^2)`;
   an outer radius :math:`k_o` with sign m and an inner one :math:`k_i` with sign −m give the constant
   :math:`2m\,d^2(k_o-k_i)(k_o+k_i+1)` with zero slope. In a *constant window* of :math:`2M` points the quads
   :math:`(k_o,k_i)=(M-1-r,r)` are worth :math:`2d^2M(M-1-2r)`, i.e. :math:`2d^2M` times the odd numbers
   :math:`1,3,\dots,M-1` (total up to :math:`d^2M^3/2`, cubic in M, so a constant of size O(1) needs only
   :math:`M\approx(2|f^*(a)|/d^2)^{1/3}` points); a greedy choice of odd numbers reaches
   :math:`f^*(a)` up to :math:`|C-f^*(a)|\le 4Md^2`, and further windows in further gaps refine it.
4. **Everything else** (unused pairs, an even number because n is even): consecutive unused points
   :math:`u<w` form *transposed couples with opposite signs* (:math:`u\mapsto m\,b_w`,
   :math:`w\mapsto-m\,b_u`), whose contribution is :math:`m(b_w-b_u)\,x`: **constant exactly 0** and slope
   :math:`m\,G\,d` with an integer gap G. The signs are chosen greedily on the gaps sorted in decreasing
   order (Lemma 2), so the total slope :math:`S\,d` has :math:`|S|\le\max G` and in practice
   :math:`|S|\le1`; it is computed exactly.

**The gap in the published argument and how it is closed.** The paper writes the unused parameters as
constant-matching blocks plus a residual :math:`R(x)` whose size :math:`C_R` is only said to be "small
enough" ("since the constant-matching construction has flexibility"). Here no uncontrolled residual
exists: unused pairs are transposed couples, which contribute **no constant at all** (only an exactly
computed slope :math:`|S|d\le d` typically), the constant is produced by quads in exact integer
arithmetic and its residual :math:`|C-f^*(a)|` is an exactly known number (a few :math:`Md^2`), and the
odd pair that the paper needs is avoided by taking n even (windows and quads use an even number of
points).

**Error budget** (each term in :class:`~proofkit.construct.budget.ErrorBudget`):
:math:`\|f^{NN}-f^*\|_\infty\le H/2` (levels) :math:`+\ \eta` (Lemma-1 sampling estimate)
:math:`+\ \max_j\operatorname{osc}(f^*,Z_j)` (transition: on the zone :math:`Z_j` of window j, which also
covers the displacement :math:`[s_j,t_j]`, :math:`f^{NN}` lies between the two levels and :math:`f^*` within
its oscillation of the half-level it crosses at :math:`s_j`; dropped pairs likewise) :math:`+\ |C-f^*(a)|`
:math:`+\ |S|\,d\max(|a|,|b|)`. **Parameter choice:** the window width W is the largest for which every
zone's oscillation is at most :math:`\rho H/2` (ρ = 0.9 by default) and kept windows do not overlap; then
:math:`2(K+1)d\le W` with :math:`K\approx(1.5H/d^2)^{1/3}` gives :math:`d\approx(W/2)^3/(1.5H)`, n = (b−a)/d + 1
(even) and the bound :math:`\approx H(1+\rho)/2<\varepsilon` for :math:`H\le\varepsilon`. For an
L-Lipschitz target :math:`W\approx\rho H/L`, so the width is :math:`n\approx 12L^3H^{-2}/\rho^3`
(``width_bound``), the :math:`O(\|f^{*\prime}\|^3\varepsilon^{-2})` of Theorem 2's proof.
"""
from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

from ..blocks import PairAssignment, sign_selection_largest_first
from ..pool import equidistant_pool
from ..network import PermNetwork
from ..limits import MAX_PAIRS
from .budget import BudgetTerm, ConstructionError, ErrorBudget, WidthLimitError
from .lemma1 import as_fraction, piecewise_constant_approximation
from .theorem1 import Construction

__all__ = ["construct_theorem2", "Theorem2Construction", "stacked_ramp_height",
           "ramp_order_for", "theorem2_width_estimate", "initial_pairs"]

DEFAULT_RHO = 0.9


# ---------------------------------------------------------------------------- the mathematics
def stacked_ramp_height(m: int):
    r""":math:`\sum_{r<m}(4r+1)(4r+3)=(16m^3-7m)/3` (times :math:`d^2` gives the window height H)."""
    return (16 * m ** 3 - 7 * m) // 3


def ramp_order_for(H, d) -> int:
    """Largest m >= 1 with d^2 (16 m^3 - 7 m)/3 <= H (exact for Fractions); 0 if even m = 1 is too high."""
    H, d = Fraction(H), Fraction(d)
    m = max(1, int((float(H) / float(d) ** 2 * 3 / 16) ** (1 / 3)))
    while m > 1 and d * d * stacked_ramp_height(m) > H:
        m -= 1
    while d * d * stacked_ramp_height(m + 1) <= H:
        m += 1
    return m if d * d * stacked_ramp_height(m) <= H else 0


def theorem2_width_estimate(lipschitz: float, H: float, length: float = 1.0, rho: float = DEFAULT_RHO) -> float:
    r"""Width predicted by the argument for an L-Lipschitz target: window width :math:`W=\rho H/L`,
    :math:`d=(W/2)^3/(1.5H)`, hidden width :math:`2n=2((b-a)/d+1)` (:math:`\approx 24(b-a)L^3/(\rho^3H^2)`)."""
    if not (lipschitz > 0 and math.isfinite(lipschitz)):
        return float("inf") if lipschitz != 0 else 0.0
    W = rho * H / lipschitz
    d = (W / 2) ** 3 / (1.5 * H)
    return 2.0 * (length / d + 1)


def _drop_grazing(loc, signs, threshold):
    """Stack pass: a step and the previous kept one of opposite sign closer than ``threshold`` cancel.
    Returns (kept indices, dropped (i, j) pairs)."""
    stack, dropped = [], []
    for j in range(len(loc)):
        if stack and signs[stack[-1]] != signs[j] and loc[j] - loc[stack[-1]] < threshold:
            dropped.append((stack.pop(), j))
        else:
            stack.append(j)
    return np.array(stack, dtype=np.int64), dropped


def _range_absmax(xs, fs, lo, hi, y):
    """max |fs - y_j| over samples xs in [lo_j, hi_j] (and the values at the ends are at least included
    through the nearest samples). Vectorised with reduceat over the concatenated ranges."""
    if len(lo) == 0:
        return np.zeros(0)
    i0 = np.clip(np.searchsorted(xs, lo, side="left") - 1, 0, len(xs) - 1)
    i1 = np.clip(np.searchsorted(xs, hi, side="right"), 1, len(xs))
    i1 = np.maximum(i1, i0 + 1)
    lens = i1 - i0
    idx = np.repeat(i0, lens) + (np.arange(lens.sum()) - np.repeat(np.cumsum(lens) - lens, lens))
    vals = np.abs(fs[idx] - np.repeat(y, lens))
    return np.maximum.reduceat(vals, np.concatenate([[0], np.cumsum(lens)[:-1]]))


def _half_levels(lem, H):
    """f*(s_j) for every unit step: f*(a) + H (k_before + k_after)/2."""
    k_after = np.cumsum(lem.signs.astype(np.int64))
    k_before = k_after - lem.signs
    return lem.f_a + float(H) * (k_before + k_after) / 2.0


def _transition_excess(lem, H, W, kept, dropped, zones=None):
    """Largest oscillation of f* around the crossed half-level over the kept zones (width W centred at
    s_j, or explicit ``zones`` (lo, hi)) and over the dropped intervals."""
    y = _half_levels(lem, H)
    xs, fs = lem.xs, lem.fs
    if zones is None:
        lo, hi = lem.locations[kept] - W / 2, lem.locations[kept] + W / 2
    else:
        lo, hi = zones
    out = _range_absmax(xs, fs, lo, hi, y[kept])
    worst = float(out.max()) if len(out) else 0.0
    if dropped:
        i = np.array([p[0] for p in dropped]); j = np.array([p[1] for p in dropped])
        dr = _range_absmax(xs, fs, lem.locations[i], lem.locations[j], y[i])
        worst = max(worst, float(dr.max()))
    return worst


def _feasible(lem, H, W, rho):
    kept, dropped = _drop_grazing(lem.locations, lem.signs, W)
    loc = lem.locations[kept]
    if len(loc) > 1 and np.min(np.diff(loc)) < W:
        return False
    return _transition_excess(lem, H, W, kept, dropped) <= rho * float(H) / 2


def _window_width(lem, H, rho, length):
    """Largest window width W (bisection in log W) whose zones oscillate by <= rho H/2."""
    hi = length / 2
    if _feasible(lem, H, hi, rho):
        return hi
    lo = length * 1e-9
    if not _feasible(lem, H, lo, rho):
        raise ConstructionError("target varies too fast for Theorem 2 at this level spacing "
                                "(no window width keeps the transition error below rho*H/2)")
    for _ in range(60):
        mid = math.sqrt(lo * hi)
        if _feasible(lem, H, mid, rho):
            lo = mid
        else:
            hi = mid
        if hi / lo < 1.001:
            break
    return lo


def _place_windows(ideal, K, n):
    """L-infinity isotonic placement: integer centres i_j (window = i-K+1 .. i+K) with
    i_{j+1} >= i_j + 2K, inside [K-1, n-1-K], as close as possible to ``ideal`` (floats)."""
    J = len(ideal)
    if J == 0:
        return np.zeros(0, np.int64)
    lo, hi = K - 1, n - 1 - K - 2 * K * (J - 1)
    if lo > hi:
        raise ConstructionError(f"{J} windows of {2 * K} points do not fit in n = {n} grid points")
    y = np.clip(ideal - 2 * K * np.arange(J), lo, hi)
    q = np.floor((np.maximum.accumulate(y) + np.minimum.accumulate(y[::-1])[::-1]) / 2).astype(np.int64)
    return q + 2 * K * np.arange(J)


def _odd_subset(M: int, target: float):
    """Distinct odd numbers from {1, 3, ..., M-1}, greedily largest first, with sum <= round(target)."""
    rem = int(round(target))
    chosen = []
    for o in range(M - 1, 0, -2):
        if o <= rem:
            chosen.append(o)
            rem -= o
        if rem == 0:
            break
    return chosen


def _constant_windows(asg, free_runs, R_units, d2_units_tol):
    r"""Realise the constant :math:`2d^2 R` with symmetric constant quads in free runs of the grid.

    ``free_runs`` is a list of (start, length) of runs of free consecutive pairs. Returns the realised
    integer V (constant = 2 d^2 V) and a list of (centre, M, #quads) for the report.
    """
    V = 0
    windows = []
    for start, length in sorted(free_runs, key=lambda r: -r[1]):
        R = R_units - V
        if abs(R) <= d2_units_tol:
            break
        Mmax = (length // 2) // 2 * 2
        if Mmax < 2:
            continue
        M = 2
        while M < Mmax and M ** 3 / 4 < abs(R) + 2 * M:
            M += 2
        M = min(M, Mmax)
        Q = abs(R) / M
        odds = _odd_subset(M, Q)
        if not odds:
            continue
        sgn = 1 if R > 0 else -1
        centre = start + (length - 2 * M) // 2 + M - 1       # window = centre-M+1 .. centre+M
        r = (M - 1 - np.array(odds, np.int64)) // 2
        k_out, k_in = M - 1 - r, r
        asg.transposed_couples(centre - k_out, centre + 1 + k_out, sgn, equal_signs=True)
        asg.transposed_couples(centre - k_in, centre + 1 + k_in, -sgn, equal_signs=True)
        V += sgn * M * int(sum(odds))
        windows.append((int(centre), int(M), len(odds)))
    return V, windows


def _free_runs(free):
    """(start, length) of the runs of consecutive integers in the sorted array ``free``."""
    if len(free) == 0:
        return []
    breaks = np.flatnonzero(np.diff(free) != 1)
    starts = np.concatenate([[0], breaks + 1])
    ends = np.concatenate([breaks + 1, [len(free)]])
    return [(int(free[s]), int(e - s)) for s, e in zip(starts, ends)]


# ---------------------------------------------------------------------------- the construction
class Theorem2Construction(Construction):
    """Theorem 1's :class:`~proofkit.construct.theorem1.Construction`, reporting theorem "2"
    (``matching`` and ``unused`` are None: Theorem 2 has windows, constant quads and couples instead,
    described in ``params``)."""

    @property
    def theorem(self) -> str:
        return "2"

    def to_dict(self, include_network: bool = False) -> dict:
        d = super().to_dict(include_network)
        d["theorem"] = "2"
        return d


def construct_theorem2(target, eps, domain=(0.0, 1.0), *, delta_h=None, n=None, rho=DEFAULT_RHO,
                       samples=2 ** 20, exact=None, n_hat=None, L=None, max_pairs=MAX_PAIRS,
                       provenance=None):
    r"""Theorem 2's network for ``target`` within ``eps`` on ``domain``: scale 1, shift 0, a permutation
    of the equidistant pool :math:`\{\pm b_i\}`.

    Parameters: ``delta_h`` — the largest admissible window height H (default ε; the construction takes
    the largest :math:`H=d^2(16m^3-7m)/3\le` ``delta_h``); ``n`` — force the number of pairs (even; default:
    chosen from the window-width condition); ``rho`` — transition share (0 < ρ ≤ 1); ``samples`` — Lemma-1
    sampling. ``n_hat`` and ``L`` belong to Theorem 1 and are rejected; ``exact`` is accepted (the pool is
    always exact). Returns a :class:`~proofkit.construct.theorem1.Construction`.
    Deterministic for given arguments.
    """
    import time as _time

    t_start = _time.perf_counter()
    t_eps = as_fraction(eps, "eps")
    if not t_eps > 0:
        raise ConstructionError(f"eps must be positive, got {eps}")
    if n_hat is not None or L is not None:
        raise ConstructionError("n_hat and L are Theorem 1 parameters; Theorem 2 takes delta_h, n, rho")
    if not (isinstance(rho, (int, float, Fraction)) and 0 < float(rho) <= 1):
        raise ConstructionError(f"rho must be in (0, 1], got {rho!r}")
    rho = float(rho)
    a, b = as_fraction(domain[0], "domain start"), as_fraction(domain[1], "domain end")
    if not a < b:
        raise ConstructionError(f"domain must satisfy a < b, got [{a}, {b}]")
    length = float(b - a)
    H_req = as_fraction(delta_h, "delta_h") if delta_h is not None else t_eps
    if not H_req > 0:
        raise ConstructionError(f"delta_h must be positive, got {delta_h}")

    # ---- window width and grid
    lem0 = piecewise_constant_approximation(target, H_req, (float(a), float(b)), samples=samples,
                                            max_steps=max_pairs // 4)
    if n is None:
        n_pairs, W = initial_pairs(lem0, H_req, length, rho)
    else:
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 4:
            raise ConstructionError(f"n must be an integer >= 4, got {n!r}")
        n_pairs, W = int(n), None
    n_pairs += n_pairs % 2
    forced = n is not None
    # Grow the grid until the budget fits. No attempt cap: _build raises WidthLimitError above max_pairs,
    # and a fixed cap (8 attempts, before) stopped short on targets whose constant quads leave too few
    # unit gaps for the slope (property-test regression: f = -129x/112 - 31/112 on [-1, 1] needs n = 1930).
    while True:
        try:
            return _build(target, t_eps, a, b, H_req, n_pairs, W, rho, samples, max_pairs, provenance,
                          forced, t_start)
        except _TooSmall as exc:
            if forced:
                raise ConstructionError(str(exc)) from None
            n_pairs = int(n_pairs * 1.3) + 2
            n_pairs += n_pairs % 2


def initial_pairs(lem0, H_req, length, rho=DEFAULT_RHO):
    """(n, W): the first grid tried for the Lemma-1 result ``lem0`` at window height ``H_req`` on a domain of
    length b - a (the module docstring's parameter choice), and the window width W. The construction grows
    n from there."""
    f_a = lem0.f_a
    W = _window_width(lem0, H_req, rho, length) if lem0.J else length / 2
    d_f = (W / 2) ** 3 / (1.5 * float(H_req)) * 0.97
    # the smallest stacked ramp (one couple, height 3 d^2) must not exceed delta_h, even when no step is
    # needed (a constant target: the window rule alone gives a grid far too coarse; property-test regression)
    d_f = min(d_f, 0.9 * math.sqrt(float(H_req) / 3))
    if abs(f_a) > 0:  # the constant window (2M points, M^3 d^2/2 >= |f(a)|) must fit in half the domain
        d_f = min(d_f, (length / 4) ** 3 / (2 * abs(f_a)) / 8)
    n_pairs = length / d_f + 1
    return (int(math.ceil(n_pairs)) if n_pairs < 2 ** 62 else 2 ** 62), W


class _TooSmall(Exception):
    """The grid is too coarse (constant does not fit, or budget above eps): retry with a larger n."""


def _build(target, t_eps, a, b, H_req, n_pairs, W, rho, samples, max_pairs, provenance, forced, t_start):
    import time as _time

    length = float(b - a)
    while True:
        if n_pairs > max_pairs:
            raise WidthLimitError(f"Theorem 2 needs n = {n_pairs} pairs for eps = {float(t_eps):g} "
                                    f"(more than max_pairs = {max_pairs}); use a larger eps")
        d = (b - a) / (n_pairs - 1)
        m = ramp_order_for(H_req, d)
        if m == 0:
            raise ConstructionError(f"n = {n_pairs} is too large for delta_h = {float(H_req):g}: one ramp "
                                    f"pair already exceeds it")
        K = 2 * m
        if W is None or (2 * K + 2) * float(d) <= W:
            break
        n_pairs = int(n_pairs * 1.05) + 2
        n_pairs += n_pairs % 2
    H = d * d * stacked_ramp_height(m)

    # ---- levels with the realised H, kept steps, windows
    lem = piecewise_constant_approximation(target, H, (float(a), float(b)), samples=samples)
    f_a = lem.f_a
    span = (2 * K + 1) * float(d)
    kept, dropped = _drop_grazing(lem.locations, lem.signs, span)
    s_kept = lem.locations[kept]
    sig = lem.signs[kept].astype(np.int64)
    ideal = (s_kept - float(a)) / float(d) - 0.5
    asg = PairAssignment(n_pairs)
    try:
        centres = _place_windows(ideal, K, n_pairs)
    except ConstructionError as exc:
        raise _TooSmall(str(exc)) from None
    if len(centres):
        r = np.arange(m, dtype=np.int64)
        ci = centres[:, None]
        asg.anchored_ramps(ci - 2 * r - 1, ci - 2 * r, ci + 1 + 2 * r, ci + 2 + 2 * r, sig[:, None] + 0 * r)

    # ---- the constant f*(a) by constant quads
    d2 = d * d
    R_units = f_a / (2 * float(d2))
    tol_units = max(1.0, float(H) / 64 / (2 * float(d2)) * 1e-6)
    V, cwins = _constant_windows(asg, _free_runs(asg.free), R_units, tol_units)
    C = 2 * d2 * V
    if abs(float(C) - f_a) > float(H) / 4:
        raise _TooSmall(f"no room for the constant f*(a) = {f_a:g} at n = {n_pairs}; pass a larger n")

    # ---- the rest: transposed couples with opposite signs (constant 0), Lemma-2 signs
    free = asg.free
    if len(free) % 2:
        raise ConstructionError("internal: odd number of unused pairs")  # n even, blocks even
    u, w = free[0::2], free[1::2]
    msign, S = sign_selection_largest_first(w - u)
    asg.transposed_couples(u, w, msign, equal_signs=False)
    perm = asg.permutation()
    del asg, free, u, w, msign  # about 40 bytes per pair, not needed any more (peak memory at n ~ 5e7)

    pool = equidistant_pool(n_pairs, (a, b))
    prov = {"theorem": "2", "target": getattr(target, "text", str(target)), "epsilon": str(t_eps),
            "domain": [str(a), str(b)]}
    prov.update(provenance or {})
    net = PermNetwork.from_pool(pool, perm, scale=1.0, shift=0.0, exact_scale=1, exact_shift=0,
                                provenance=prov)

    # ---- error budget
    t_c = float(a) + (centres + 0.5) * float(d)
    half = (2 * K - 1) / 2 * float(d)
    zlo = np.minimum(t_c - half, s_kept) if len(centres) else np.zeros(0)
    zhi = np.maximum(t_c + half, s_kept) if len(centres) else np.zeros(0)
    trans = _transition_excess(lem, H, None, kept, dropped, zones=(zlo, zhi))
    slope_term = abs(S) * float(d) * max(abs(float(a)), abs(float(b)))
    const_term = abs(float(C) - f_a)
    budget = ErrorBudget((
        BudgetTerm("levels", float(H) / 2, "Lemma 1: |f* - f_pc| <= H/2 at the samples (H = window height)"),
        BudgetTerm("sampling", lem.eta_max, "f* between Lemma-1 samples (oscillation estimate)", "estimate"),
        BudgetTerm("transition", trans, "oscillation of f* around the crossed half-level on each window "
                   "zone (incl. displacement) and on dropped grazing pairs", "estimate"),
        BudgetTerm("constant", const_term, "|C - f*(a)|, C = 2 d^2 V realised by constant quads"),
        BudgetTerm("slope", slope_term, "transposed couples: |S| d max|x| (constant exactly 0)"),
    ))
    deriv = None
    try:
        from .lemma1 import derivative_evaluator
        df = derivative_evaluator(target)
        if df is not None:
            vals = np.abs(df(lem.xs))
            deriv = float(np.nanmax(vals)) if np.isfinite(vals).any() else None
    except Exception:  # the width estimate is informative only
        deriv = None
    if deriv is None:
        deriv = float(np.max(np.abs(np.diff(lem.fs)) / np.diff(lem.xs)))
    width_bound = theorem2_width_estimate(deriv, float(H), length, rho)
    params = {
        "n": n_pairs, "delta_h": H_req, "H": H, "d": d, "K": K, "m": m, "rho": rho,
        "window_width": W, "steps": int(len(kept)), "dropped_pairs": len(dropped),
        "displaced": int(np.sum(np.abs(np.rint(ideal) - centres) > 1)) if len(centres) else 0,
        "max_displacement": float(np.max(np.abs(t_c - s_kept))) if len(centres) else 0.0,
        "constant": C, "constant_windows": cwins, "slope_units": int(S), "lipschitz_estimate": deriv,
        "gamma": 1, "alpha": 0,
    }
    if not forced and budget.total > float(t_eps):
        raise _TooSmall(f"error budget {budget.total:.4g} > eps at n = {n_pairs}")
    return Theorem2Construction(net=net, params=params, budget=budget, width_used=2 * n_pairs, width_bound=width_bound,
               lemma1=lem, matching=None, unused=None, seconds=_time.perf_counter() - t_start,
               exact_values={"f_a": Fraction(f_a), "H": H, "C": C, "S": S})
