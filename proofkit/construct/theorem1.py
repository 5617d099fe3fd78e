r"""Theorem 1 (arXiv 2407.01033, Theorem 1 and its proof): an explicit permutation of the equidistant pool that approximates f*.

The network is

.. math:: f^{NN}(x)=\alpha+\gamma\sum_{i=1}^{n}\big(p_i\varphi_i^+(x)+q_i\varphi_i^-(x)\big),\qquad
          (p,q)=\tau\big((\pm b_i)_{i=1}^n\big),\quad b_i=a+(b-a)\tfrac{i-1}{n-1},

on any interval [a, b] (theory: [0, 1]; experiments: [-1, 1]). It is built by following the proof:

1. **Lemma 1** (:mod:`proofkit.construct.lemma1`): :math:`f_{pc}=f^*(a)+\Delta h\sum_j a_j\mathbf 1_{[s_j,b]}`
   with :math:`|f_{pc}-f^*|\le\Delta h/2` (+ a sampled oscillation term :math:`\eta`).
2. **Step matching** (:func:`match_steps`): :math:`n=L(\hat n-1)+1`, coarse spacing :math:`D=L\,d`,
   :math:`d=(b-a)/(n-1)`. Each unit step gets one symmetric four-pair step block
   (:func:`proofkit.blocks.step_block`) on the pairs :math:`k,k+L,k+2L,k+3L` (biases
   :math:`c_1<c_2<c_3<c_4` spaced D, height :math:`h=2D^2`, ramp profile :math:`0,\tfrac h2,\tfrac h2,h`),
   its centre :math:`(c_2+c_3)/2` as close to :math:`s_j` as the fine grid allows. The start k may be any
   fine index (coarse points are the starts :math:`\equiv0 \bmod L`); blocks are pairwise disjoint in
   their *pairs* (two starts of equal residue mod L differ by :math:`\ge4L`), so where level crossings
   crowd, up to L blocks share a coarse slot. **Crowding** is never assumed away: blocks keep the order of
   the steps (starts non-decreasing), crowded runs are displaced to the nearest free slots and centred
   on their steps (:func:`place_blocks`), and an adjacent up-step/down-step pair closer than one window
   (4D) is cancelled — no block at all — when the target stays within :math:`0.9\Delta h` of the level
   that remains (:func:`cancel_close_steps`).
3. **Unused pairs** (:func:`reorganise_unused`): every pair not in a block goes to linear mode
   :math:`m_ib_i(x-b_i)` (:func:`proofkit.blocks.linear_reorganisation`, Lemma 2 sign selection,
   :math:`|\sigma|\le\max` gap), then at most three sign flips (:func:`flip_set`) make the slope
   :math:`\sigma` **exactly 0** (exact integer arithmetic on :math:`b_i=u\,c_i`); the grid is chosen so
   that the parity allows it (:func:`slope_parity_ok`).
   So the term :math:`\gamma|\sigma|(b-a)/2` vanishes, and :math:`L\ge2\gamma` (the proof's worst case,
   step (c) of Theorem 1's proof) is not needed: it is reported as ``width_bound``.
4. **Output layer** (:func:`output_layer`): :math:`\gamma=\Delta h/h` and
   :math:`\alpha=f^*(a)-\gamma\,\mathrm{core}(a)-\gamma\sigma(\tfrac{a+b}2-a)`, where
   :math:`\mathrm{core}(x)=\sum_ip_i\varphi_i^+(x)+q_i\varphi_i^-(x)`, so that

   .. math:: f^{NN}(x)=f^*(a)+\Delta h\,N(x)+\gamma\sigma(x-\tfrac{a+b}2),\qquad N=\sum_j a_jR_j,

   with :math:`R_j` the unit ramp of block j.

**Error budget** (:func:`error_budget`). Write :math:`K_i=\sum_{j\le i}a_j` for the levels of the block
sequence. At any x, the blocks whose windows :math:`[c_1,c_4]` lie left of x count fully, those right of
x not at all, and the active ones (order preserved, so their ramp values decrease along the sequence)
combine, by Abel summation, into a *convex combination of consecutive levels*:
:math:`N(x)\in\mathrm{conv}\{K_p,\dots,K_{q-1}\}`. Hence, with :math:`E_1=f^*(a)+\Delta hN-f^*`:

* outside every step's span (its location and window): :math:`|E_1|\le\Delta h/2+\eta` (Lemma 1);
* in the window of a *regular* block (step inside its plateau :math:`[c_2,c_3]`, window overlapping no
  other span): :math:`|E_1|\le\Delta h/2+\eta+\Delta h/2` — the step-block term :math:`\gamma h/2`;
* elsewhere (crowded or displaced blocks, cancelled pairs), on each sample interval :math:`I_m`, with
  :math:`f^*\in[\min f-\eta_m,\max f+\eta_m]` and :math:`N\in[N^-_m,N^+_m]`:
  :math:`|E_1|\le\max(f^*(a)+\Delta hN^+_m-\min f,\ \max f-f^*(a)-\Delta hN^-_m)+\eta_m`.
  The proof's argument takes :math:`[N^-_m,N^+_m]` = the hull of the active levels (reported as
  ``crowding_hull``); the budget uses the exact range of the piecewise-linear N on :math:`I_m`, which lies
  inside the hull and is much tighter where many ramps overlap on a steep stretch. The excess over the
  regular bound is the *crowding/displacement* term: it plays the role of the target's modulus of
  continuity over the displacement, measured rather than bounded through a modulus.

The automatic parameters (:func:`choose_parameters`) take :math:`\Delta h=0.9\varepsilon` and the
smallest :math:`\hat n` found for which the budget is at most :math:`\varepsilon` and the crowded
regions stay below :math:`0.85\varepsilon` (a margin for the certifier).

Total: :math:`\|f^{NN}-f^*\|_\infty\le` Lemma 1 + sampling + step blocks + crowding + unused slope +
rounding of :math:`\alpha,\gamma`. The sampled terms are estimates; :mod:`proofkit.certify` is the proof.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from .. import __version__
from .._io import jsonable
from ..blocks import assemble, linear_reorganisation, step_block, step_height
from ..network import PermNetwork
from ..pool import equidistant_pool
from .budget import BudgetTerm, ConstructionError, ErrorBudget
from .lemma1 import Lemma1Result, as_fraction, piecewise_constant_approximation

__all__ = ["construct_theorem1", "choose_parameters", "Construction", "StepMatching", "match_steps",
           "place_blocks", "cancel_close_steps", "reorganise_unused", "output_layer", "error_budget",
           "envelope_bound", "slope_parity_ok", "pool_coordinates", "flip_set", "DEFAULT_L"]

DEFAULT_L = 2
MAX_N = 600_000          # largest number of pairs the automatic parameter choice will go to
DH_FRACTION = Fraction(9, 10)  # default delta_h = 0.9 eps (3 significant digits)
CROWDED_GOAL = 0.85            # automatic n_hat: the error bound in crowded regions must be <= 0.85 eps


# ----------------------------------------------------------------------------------------- helpers
def _check_eps(eps) -> float:
    try:
        e = float(eps)
    except (TypeError, ValueError):
        raise ConstructionError(f"eps must be a positive number, got {eps!r}") from None
    if not (math.isfinite(e) and e > 0):
        raise ConstructionError(f"eps must be a positive finite number, got {eps!r}")
    return e


def _domain(domain):
    if not isinstance(domain, (tuple, list)) or len(domain) != 2:
        raise ConstructionError(f"domain must be a pair (a, b), got {domain!r}")
    a, b = as_fraction(domain[0], "domain[0]"), as_fraction(domain[1], "domain[1]")
    if not a < b:
        raise ConstructionError(f"domain must satisfy a < b, got [{domain[0]}, {domain[1]}]")
    return a, b


def _check_int(value, name, lo):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < lo:
        raise ConstructionError(f"{name} must be an integer >= {lo}, got {value!r}")
    return int(value)


def _target(target):
    if isinstance(target, str):
        from ..expr import parse_target

        return parse_target(target)
    return target


def _nice(x: Fraction) -> Fraction:
    """x > 0 rounded down to 3 significant decimal digits, exactly."""
    scale = Fraction(10) ** (math.floor(math.log10(float(x))) - 2)
    return Fraction(math.floor(x / scale)) * scale


def default_delta_h(eps) -> Fraction:
    r"""Default level spacing :math:`\Delta h=0.9\,\varepsilon` (3 significant digits, exact decimal)."""
    return _nice(DH_FRACTION * as_fraction(eps, "eps"))


def pool_coordinates(a: Fraction, b: Fraction, n: int):
    r"""Integer coordinates of the equidistant biases: :math:`b_i=u\,c_i` with :math:`c_i=c_0+q\,i`.

    :math:`d=(b-a)/(n-1)`, :math:`a/d=c_0/q` in lowest terms, :math:`u=d/q`. Returns (u, c0, q)."""
    d = (b - a) / (n - 1)
    r = a / d
    return d / r.denominator, r.numerator, r.denominator


def slope_parity_ok(domain, n: int) -> bool:
    r"""Can the unused pairs' slope be cancelled exactly on this grid? (The condition used to choose n.)

    Coupled unused pairs get the values :math:`\mp m\,b_i` with opposite signs inside each couple, so the
    signs satisfy :math:`\sum m_i=0` and the slope is :math:`u\sum m_ic_i=u\,q\sum m_i\,i` (with
    :math:`c_i=c_0+q\,i`): it vanishes only if :math:`\sum m_i\,i=0`, which needs the index sum of the coupled
    pairs to be even. Every step block uses indices :math:`k,k+L,k+2L,k+3L`, an even sum :math:`4k+6L`, so
    that parity is the one of :math:`n(n-1)/2` minus the index z of the zero pair when n is odd (the zero
    pair then stands alone in identity mode, slope 0). With n odd and no zero on the grid the lone pair
    would keep a slope :math:`b_u\ne0`: not cancellable.

    (An earlier version tested the parity of :math:`\sum c_i`; with q even that is always even and the
    condition missed grids like n = 82 on [3/4, 5/4]: a regression found by the property tests.)
    """
    a, b = _domain(domain)
    z = _zero_index(a, b, n)
    if n % 2 == 1 and z is None:
        return False
    coupled_index_sum = n * (n - 1) // 2 - (z if n % 2 == 1 else 0)
    return coupled_index_sum % 2 == 0


def _zero_index(a: Fraction, b: Fraction, n: int):
    """Index z with b_z = 0 on the n-point grid of [a, b] (c_i = c_0 + q i in pool coordinates), or None."""
    _, c0, q = pool_coordinates(a, b, n)
    return -c0 // q if (-c0) % q == 0 and 0 <= -c0 // q <= n - 1 else None


def proof_refinement(gamma, domain, n_hat: int) -> int:
    r"""The refinement factor L of the proof's worst-case argument (step (c) of Theorem 1's proof) on this grid.

    :math:`L\ge2\gamma` (so that :math:`\gamma\Delta b\le2/\hat n`) and :math:`L\ge2` (gaps between unused
    points :math:`\le2d`). The linear reorganisation fixes an odd number of unused pairs with the zero pair :math:`b=0`; on a
    domain whose grid has no zero the argument needs n = L(n_hat-1)+1 even, so L is raised by one when that
    makes n even.
    """
    a, b = _domain(domain)
    L = max(2, math.ceil(2 * gamma))
    n = L * (n_hat - 1) + 1
    if n % 2 == 1 and _zero_index(a, b, n) is None and (n_hat - 1) % 2 == 1:
        L += 1
    return L


# ------------------------------------------------------------------------------- step matching
def cancel_close_steps(locations, signs, tol, *, xs=None, fs=None, f_a=0.0, delta_h=None, theta=0.9):
    r"""Cancel an up-step and a down-step that are adjacent (after earlier cancellations) and closer than
    ``tol``: they would crowd two blocks into one slot, and their sum is a narrow bump.

    Bracket matching with a stack, so nested pairs cancel too. When samples (``xs``, ``fs``) and
    :math:`\Delta h` are given, a pair is cancelled only if the target stays within
    :math:`\theta\Delta h` of the level :math:`f^*(a)+\Delta h\,k` that remains on its span once the bump is
    dropped (so the cancellation costs at most :math:`\theta\Delta h`, below the regular bound
    :math:`\Delta h`). Returns (keep mask, spans) where spans are the intervals :math:`[s_i,s_j]` of the
    cancelled pairs (their bump is not represented; the error budget treats these spans as irregular).
    """
    locations = np.asarray(locations, dtype=float)
    keep = np.ones(len(locations), dtype=bool)
    spans = []
    stack = []
    before = np.concatenate([[0], np.cumsum(np.asarray(signs, dtype=np.int64))])  # level before step i
    check = xs is not None and fs is not None and delta_h is not None
    dh = float(delta_h) if check else 0.0
    for j in range(len(locations)):
        if stack and signs[stack[-1]] != signs[j] and locations[j] - locations[stack[-1]] < tol:
            i = stack[-1]
            ok = True
            if check:
                lo = np.searchsorted(xs, locations[i], side="left")
                hi = np.searchsorted(xs, locations[j], side="right")
                seg = fs[max(lo - 1, 0):hi + 1] - f_a - dh * before[i]
                ok = len(seg) == 0 or float(np.abs(seg).max()) <= theta * dh
            if ok:
                stack.pop()
                keep[i] = keep[j] = False
                spans.append((float(locations[i]), float(locations[j])))
                continue
        stack.append(j)
    return keep, spans


def _greedy(target, allow, L):
    """Earliest order-preserving placement: start_j >= max(start_{j-1}, target_j - allow_j, 0), and two
    starts of equal residue mod L at least 4L apart (disjoint pairs)."""
    last = [-(10 ** 18)] * L
    prev = 0
    out = []
    for t, al in zip(target, allow):
        lb = max(prev, t - al, 0)
        best = None
        for r in range(L):
            k0 = max(lb, last[r] + 4 * L)
            k = k0 + ((r - k0) % L)
            if best is None or k < best:
                best = k
        out.append(best)
        last[best % L] = best
        prev = best
    return out


def place_blocks(ideal, L: int, kmax: int, *, iterations: int = 60):
    r"""Fine start indices :math:`k_j` for blocks whose ideal (real) starts are ``ideal`` (sorted).

    Constraints: :math:`0\le k_j\le k_{\max}`, :math:`k_j` non-decreasing (order of the steps kept),
    starts of equal residue mod L at least 4L apart (pairwise disjoint pairs). Heuristic: earliest
    placement with a per-cluster left allowance, raised until every crowded run (cluster) is centred on
    its steps (largest right displacement ~ largest left one) and the last block fits. Raises
    ConstructionError when the blocks do not fit at all.
    """
    J = len(ideal)
    if J == 0:
        return np.zeros(0, dtype=np.int64)
    target = [int(v) for v in np.clip(np.rint(ideal), 0, kmax)]
    allow = [0] * J
    best, best_cost = None, None

    def consider(starts):
        nonlocal best, best_cost
        if starts[-1] <= kmax:
            cost = max(abs(k - t) for k, t in zip(starts, target))
            if best is None or cost < best_cost:
                best, best_cost = starts, cost

    starts = _greedy(target, allow, L)
    consider(starts)
    for _ in range(iterations):
        linked = [False] + [starts[j] > max(target[j] - allow[j], 0) for j in range(1, J)]
        changed = False
        over = starts[-1] - kmax
        if over > 0:
            j = J - 1
            while j > 0 and linked[j]:
                j -= 1
            if target[j] - allow[j] > 0:  # else the tail cluster already starts at the left end
                for i in range(j, J):
                    allow[i] += over
                changed = True
        else:
            j = 0
            while j < J:
                e = j + 1
                while e < J and linked[e]:
                    e += 1
                if e - j > 1:
                    disp = [starts[i] - target[i] for i in range(j, e)]
                    pos, neg = max(disp), max(-v for v in disp)
                    if pos - neg >= 2 and target[j] - allow[j] > 0:
                        new = allow[j] + (pos - neg) // 2
                        for i in range(j, e):
                            allow[i] = new
                        changed = True
                j = e
        if not changed:
            break
        starts = _greedy(target, allow, L)
        consider(starts)
    if best is None:  # as early as possible everywhere: the blocks fit iff this fits
        consider(_greedy(target, [kmax + 1] * J, L))
    if best is None:
        raise ConstructionError(f"{J} step blocks do not fit on the grid of {kmax + 3 * L + 1} pairs; "
                                "increase n_hat")
    return np.asarray(best, dtype=np.int64)


@dataclass(frozen=True, eq=False)
class StepMatching:
    r"""The step blocks of Theorem 1 (step (b) of Theorem 1's proof) and their geometry.

    Block j (in step order) is :func:`~proofkit.blocks.step_block` on pairs
    ``starts[j] + (0, L, 2L, 3L)`` with sign ``signs[j]``; its step is at ``locations[j]``.
    ``c1``/``c4`` are the window ends, ``centres`` :math:`(c_2+c_3)/2`; ``regular[j]`` says the step lies
    in the plateau :math:`[c_2,c_3]` and the window overlaps no other span. ``cancelled_spans`` are the
    bumps of cancelled up/down pairs. Geometry in float64 (exact values: :math:`a+k d`).
    """

    n: int
    n_hat: int
    L: int
    domain: tuple
    starts: np.ndarray
    signs: np.ndarray
    locations: np.ndarray
    cancelled_spans: tuple
    regular: np.ndarray
    d: float
    D: float

    @property
    def blocks(self) -> int:
        return len(self.starts)

    @property
    def c1(self) -> np.ndarray:
        return self.domain[0] + self.starts * self.d

    @property
    def c4(self) -> np.ndarray:
        return self.c1 + 3 * self.D

    @property
    def centres(self) -> np.ndarray:
        return self.c1 + 1.5 * self.D

    @property
    def displacement(self) -> np.ndarray:
        """|centre_j - s_j| for every block."""
        return np.abs(self.centres - self.locations)

    @property
    def displaced(self) -> int:
        """Number of blocks whose step is outside its plateau [c2, c3] (|centre - s| > D/2)."""
        return int((self.displacement > self.D / 2 * (1 + 1e-12)).sum())

    @property
    def cancelled(self) -> int:
        """Number of unit steps cancelled in up/down pairs."""
        return 2 * len(self.cancelled_spans)

    def pairs(self) -> np.ndarray:
        """(blocks, 4) pair indices of the blocks."""
        return self.starts[:, None] + self.L * np.arange(4)[None, :]

    def levels(self) -> np.ndarray:
        r"""Partial sums :math:`K_0=0,\ K_i=\sum_{j\le i}a_j` of the block sequence."""
        return np.concatenate([[0], np.cumsum(self.signs.astype(np.int64))])

    def spans(self):
        """(lo, hi) arrays of the block spans hull(s_j, [c1_j, c4_j])."""
        return np.minimum(self.locations, self.c1), np.maximum(self.locations, self.c4)

    def block_sum(self, x) -> np.ndarray:
        r""":math:`N(x)=\sum_ja_jR_j(x)`, with :math:`R_j` the unit ramp 0, 1/2, 1/2, 1 at :math:`c_1..c_4`."""
        x = np.asarray(x, dtype=float)
        if self.blocks == 0:
            return np.zeros_like(x)
        c1 = self.c1
        knots = np.concatenate([c1 + r * self.D for r in range(4)])
        jumps = np.concatenate([s * self.signs / (2 * self.D) for s in (1, -1, 1, -1)])
        order = np.argsort(knots, kind="stable")
        knots, jumps = knots[order], jumps[order]
        slopes = np.cumsum(jumps)
        vals = np.concatenate([[0.0], np.cumsum(slopes[:-1] * np.diff(knots))])
        return np.interp(x, knots, vals, left=0.0, right=float(self.signs.sum()))

    def assignments(self):
        """The block assignments {pair: (p_ref, q_ref)} for :func:`proofkit.blocks.assemble`."""
        L = self.L
        return [step_block(int(k), int(k) + L, int(k) + 2 * L, int(k) + 3 * L, sign=int(s))
                for k, s in zip(self.starts, self.signs)]


def match_steps(lemma: Lemma1Result, n_hat: int, L: int, domain=None, *, cancel_tol=None,
                theta=0.9) -> StepMatching:
    r"""Step matching (step (b) of Theorem 1's proof): one step block per (uncancelled) unit step of Lemma 1.

    Grid: :math:`n=L(\hat n-1)+1` pairs, :math:`d=(b-a)/(n-1)`, :math:`D=Ld`. The ideal start of the
    block of a step at s is :math:`(s-a)/d-\tfrac32L` (centre on s); :func:`place_blocks` resolves
    collisions. Up/down pairs closer than ``cancel_tol`` (default 4D, one window) whose bump stays within
    ``theta`` :math:`\Delta h` of the remaining level are cancelled first (:func:`cancel_close_steps`).
    """
    a, b = (float(v) for v in (domain or lemma.domain))
    n = L * (n_hat - 1) + 1
    d = (b - a) / (n - 1)
    D = L * d
    tol = 4 * D if cancel_tol is None else cancel_tol
    keep, spans = cancel_close_steps(lemma.locations, lemma.signs, tol, xs=lemma.xs, fs=lemma.fs,
                                     f_a=lemma.f_a, delta_h=lemma.delta_h, theta=theta)
    loc, sg = lemma.locations[keep], lemma.signs[keep]
    kmax = n - 1 - 3 * L
    if kmax < 0:
        raise ConstructionError(f"n_hat = {n_hat} is too small for one step block (need n_hat >= 4)")
    starts = place_blocks((loc - a) / d - 1.5 * L, L, kmax)
    m = StepMatching(n, n_hat, L, (a, b), starts, sg.astype(np.int8), loc, tuple(spans),
                     np.zeros(len(starts), dtype=bool), d, D)
    object.__setattr__(m, "regular", _regular(m))
    return m


def _regular(m: StepMatching) -> np.ndarray:
    if m.blocks == 0:
        return np.zeros(0, dtype=bool)
    lo, hi = m.spans()
    in_plateau = m.displacement <= m.D / 2 * (1 + 1e-12)
    c_lo = np.array([s[0] for s in m.cancelled_spans]) if m.cancelled_spans else np.zeros(0)
    c_hi = np.array([s[1] for s in m.cancelled_spans]) if m.cancelled_spans else np.zeros(0)
    all_lo = np.concatenate([lo, c_lo])
    all_hi = np.concatenate([hi, c_hi])
    order = np.argsort(all_lo, kind="stable")
    slo, shi = all_lo[order], all_hi[order]
    prev_hi = np.concatenate([[-np.inf], np.maximum.accumulate(shi)[:-1]])
    next_lo = np.concatenate([slo[1:], [np.inf]])
    alone_sorted = (slo >= prev_hi) & (shi <= next_lo)
    alone = np.empty_like(alone_sorted)
    alone[order] = alone_sorted
    return in_plateau & alone[: m.blocks]


# -------------------------------------------------------------------------------- error bound
def envelope_bound(lemma: Lemma1Result, m: StepMatching) -> dict:
    r"""Bound of :math:`E_1=f^*(a)+\Delta h\,N-f^*` on every sample interval (see the module docstring).

    On a sample interval :math:`I_m=[x_m,x_{m+1}]`, :math:`f^*\in[\min f-\eta_m,\max f+\eta_m]` (endpoint
    values, oscillation estimate) and :math:`N\in[N^-_m,N^+_m]`, where :math:`[N^-_m,N^+_m]` is either the
    convex hull of the active levels :math:`K_p..K_{q-1}` (the proof's argument, ``hull``) or the exact
    range of the piecewise-linear N on :math:`I_m` (its values at the ends and at the knots inside,
    ``direct``; always inside the hull). Then
    :math:`|E_1|\le\max(f^*(a)+\Delta hN^+_m-\min f,\ \max f-f^*(a)-\Delta hN^-_m)+\eta_m`.

    Returns a dict: ``regular`` = :math:`\Delta h/2\,[+\Delta h/2]+\max\eta` over the intervals meeting no
    irregular span (Lemma 1 + step blocks), ``irregular`` = the largest ``direct`` bound on the others
    (0 if none), ``irregular_hull`` = the same with the hull, ``eta`` = the largest :math:`\eta_m` on
    regular intervals, ``worst_x`` (where ``irregular`` is attained), ``total`` = max(regular, irregular).
    """
    xs, fs, eta = lemma.xs, lemma.fs, lemma.eta
    dh = float(lemma.delta_h)
    fa = lemma.f_a
    f0, f1 = fs[:-1], fs[1:]
    fmin, fmax = np.minimum(f0, f1), np.maximum(f0, f1)
    # intervals meeting an irregular span
    lo, hi = m.spans()
    irr_lo = list(lo[~m.regular]) + [s[0] for s in m.cancelled_spans]
    irr_hi = list(hi[~m.regular]) + [s[1] for s in m.cancelled_spans]
    mark = np.zeros(len(xs), dtype=np.int64)
    if irr_lo:
        i0 = np.clip(np.searchsorted(xs, np.asarray(irr_lo), side="right") - 1, 0, len(xs) - 2)
        i1 = np.clip(np.searchsorted(xs, np.asarray(irr_hi), side="left"), i0 + 1, len(xs) - 1)
        np.add.at(mark, i0, 1)
        np.add.at(mark, i1, -1)
    irr = np.cumsum(mark)[:-1] > 0
    blocks_term = dh / 2 if m.regular.any() else 0.0
    eta_reg = float(eta[~irr].max()) if (~irr).any() else 0.0
    regular = dh / 2 + blocks_term + eta_reg
    out = {"regular": regular, "irregular": 0.0, "irregular_hull": 0.0, "eta": eta_reg,
           "blocks_term": blocks_term, "worst_x": None, "irregular_intervals": int(irr.sum())}
    if irr.any():
        idx = np.flatnonzero(irr)
        xa, xb = xs[idx], xs[idx + 1]
        # hull of the active levels
        K = m.levels()
        p = np.searchsorted(m.c4, xa, side="right")
        q = np.searchsorted(m.c1, xb, side="left")
        Kmax, Kmin = K[p].copy(), K[p].copy()
        for t in range(1, int((q - p).max()) + 1):
            k = K[np.minimum(p + t, q)]
            np.maximum(Kmax, k, out=Kmax)
            np.minimum(Kmin, k, out=Kmin)
        # exact range of N on each interval: ends and interior knots
        na, nb = m.block_sum(xa), m.block_sum(xb)
        Nmax, Nmin = np.maximum(na, nb), np.minimum(na, nb)
        if m.blocks:
            knots = np.unique(np.concatenate([m.c1 + r * m.D for r in range(4)]))
            pos = np.searchsorted(xa, knots, side="right") - 1
            inside = (pos >= 0) & (knots < xb[np.clip(pos, 0, len(xb) - 1)])
            if inside.any():
                nk = m.block_sum(knots[inside])
                np.maximum.at(Nmax, pos[inside], nk)
                np.minimum.at(Nmin, pos[inside], nk)
        e = eta[idx]
        fl, fh = fmin[idx], fmax[idx]
        hull = np.maximum(fa + dh * Kmax - fl, fh - fa - dh * Kmin) + e
        direct = np.maximum(fa + dh * Nmax - fl, fh - fa - dh * Nmin) + e
        k = int(np.argmax(direct))
        out.update(irregular=float(direct[k]), irregular_hull=float(hull.max()),
                   worst_x=float(0.5 * (xa[k] + xb[k])))
    out["total"] = max(out["regular"], out["irregular"])
    return out


# ---------------------------------------------------------------------------- unused pairs
@dataclass(frozen=True)
class UnusedPart:
    r"""The linear part :math:`S(x)=\sigma x+\iota` of the unused pairs: the assignment, the slope in
    units :math:`u` before (Lemma 2 alone) and after the sign flips, and the flipped pairs."""

    assign: dict
    slope_units_lemma2: int
    slope_units: int
    flips: tuple
    count: int


def _pair_sum(vals, sv, order, target, exclude=-1):
    """Indices (i, j), i != j, both != exclude, with vals[i] + vals[j] == target, or None (vectorised)."""
    need = target - vals
    pos = np.searchsorted(sv, need)
    for shift in (0, 1, 2):
        p = np.minimum(pos + shift, len(sv) - 1)
        j = order[p]
        ok = (sv[p] == need) & (j != np.arange(len(vals))) & (j != exclude)
        if exclude >= 0:
            ok[exclude] = False
        hit = np.flatnonzero(ok)
        if len(hit):
            return int(hit[0]), int(j[hit[0]])
    return None


def flip_set(values, target):
    r"""A set F of at most three indices with :math:`\sum_{u\in F}` ``values[u]`` = ``target`` (or None).

    Used to cancel the leftover slope exactly: flipping the pairs of F changes the slope by
    :math:`-2\,\cdot` ``target``. Sizes 1 and 2 are searched exhaustively, size 3 over 192 first
    elements (smallest, largest and evenly spread |values|)."""
    if target == 0:
        return ()
    big = max((abs(v) for v in values), default=0) + abs(target)
    if big >= 2 ** 62:  # beyond int64: exhaustive search of sizes 1 and 2 in Python
        where = {}
        for i, v in enumerate(values):
            where.setdefault(v, i)
        if target in where:
            return (where[target],)
        for i, v in enumerate(values):
            j = where.get(target - v)
            if j is not None and j != i:
                return (i, j)
        return None
    vals = np.asarray(values, dtype=np.int64)
    order = np.argsort(vals, kind="stable")
    sv = vals[order]
    p = int(np.searchsorted(sv, target))
    if p < len(sv) and sv[p] == target:
        return (int(order[p]),)
    two = _pair_sum(vals, sv, order, target)
    if two is not None:
        return two
    by_abs = np.argsort(np.abs(vals), kind="stable")
    cands = np.unique(np.concatenate([by_abs[:64], by_abs[-64:],
                                      by_abs[np.linspace(0, len(vals) - 1, 64).astype(np.int64)]]))
    for u in cands.tolist():
        two = _pair_sum(vals, sv, order, target - int(vals[u]), exclude=u)
        if two is not None:
            return (u,) + two
    return None


def reorganise_unused(n: int, used, coords) -> UnusedPart:
    r"""The linear reorganisation on the unused pairs, with an exact-zero slope when possible.

    :func:`proofkit.blocks.linear_reorganisation` (Lemma 2) on the integer coordinates ``coords``
    (:math:`b_i=u c_i`) gives slope :math:`r\,u` with :math:`|r|\le\max` gap. Flipping a linear pair
    (swapping its p and q, i.e. :math:`m_i\to-m_i`) changes r by :math:`-2m_ic_i`; up to three flips with
    :math:`\sum m_ic_i=r/2` (:func:`flip_set`) make it 0. That needs r even, i.e. the coordinate sum
    even (:func:`slope_parity_ok`).
    """
    used_mask = np.zeros(n, dtype=bool)
    used_mask[np.asarray(list(used), dtype=np.int64)] = True
    unused = np.flatnonzero(~used_mask).tolist()
    if not unused:
        return UnusedPart({}, 0, 0, (), 0)
    reo = linear_reorganisation(unused, coords)
    assign = dict(reo.assign)
    r0 = int(reo.slope)
    r = r0
    flips = ()
    if r != 0 and r % 2 == 0:
        keys = list(assign)
        contrib = [assign[u][0].sign * coords[assign[u][0].j] for u in keys]
        found = flip_set(contrib, r // 2)
        if found:
            flips = tuple(keys[i] for i in found)
            for u in flips:
                p, q = assign[u]
                assign[u] = (q, p)
                r -= 2 * p.sign * coords[p.j]
    return UnusedPart(assign, r0, r, flips, len(unused))


# ---------------------------------------------------------------------------- output layer
def _exact_value_at(target, a: Fraction):
    """(f*(a) as a Fraction: exact when sympy finds a rational value, else to ~40 digits; error bound)."""
    try:
        import sympy as sp

        exact = target.expr.subs(target.var, sp.Rational(a.numerator, a.denominator))
        if exact.is_Rational:
            return Fraction(int(exact.p), int(exact.q)), 0.0
        val = exact.evalf(45)
        if val.is_real and val.is_finite and val.is_Number:
            # 40 significant digits, as a short rational (not the 45-digit decimal expansion)
            approx = Fraction(str(sp.Float(val, 45)))
            tol = Fraction(1, 10 ** 40) * max(1, abs(approx))
            return _simplest_within(approx, tol), 2e-40 * max(1.0, abs(float(val)))
    except Exception:  # plain callable or sympy failure: fall back to float64
        pass
    from .lemma1 import target_evaluator

    v = float(target_evaluator(target)(np.array([float(a)]))[0])
    return Fraction(v), 4e-16 * max(1.0, abs(v))


def _simplest_within(x: Fraction, tol: Fraction) -> Fraction:
    """A rational with a small denominator within tol of x (continued fractions via limit_denominator)."""
    den = 1
    while True:
        q = x.limit_denominator(den)
        if abs(q - x) <= tol:
            return q
        den *= 1000


def output_layer(delta_h: Fraction, h: Fraction, core_a: Fraction, sigma: Fraction, f_a: Fraction,
                 a: Fraction, b: Fraction):
    r""":math:`\gamma=\Delta h/h`, :math:`\alpha=f^*(a)-\gamma\,\mathrm{core}(a)-\gamma\sigma\,(b-a)/2`
    (exact rationals). The last term centres the leftover linear part on [a, b]."""
    gamma = delta_h / h
    alpha = f_a - gamma * core_a - gamma * sigma * (b - a) / 2
    return gamma, alpha


def _core_at_left(n, perm, c0, q, u, d):
    r""":math:`\mathrm{core}(a)=\sum_i q_i(b_i-a)` exactly (every :math:`\varphi^+` vanishes at a)."""
    pidx = np.asarray(perm[n:], dtype=np.int64)
    sign = np.where(pidx < n, 1, -1)
    j = np.where(pidx < n, pidx, pidx - n)
    total = 0
    for s, jj, i in zip(sign.tolist(), j.tolist(), range(n)):
        if i:
            total += s * (c0 + q * jj) * i
    return u * d * total


# ------------------------------------------------------------------------------- the budget
def error_budget(env: dict, delta_h: Fraction, gamma: Fraction, sigma: Fraction, domain, rounding: float,
                 rounding_kind: str = "proved") -> ErrorBudget:
    """The ordered Theorem-1 budget from the envelope analysis, the unused slope and the rounding."""
    a, b = domain
    dh = float(delta_h)
    slope_term = float(abs(gamma * sigma) * (b - a) / 2)
    crowd = max(0.0, env["irregular"] - env["regular"])
    return ErrorBudget((
        BudgetTerm("lemma1", dh / 2, "|f* - f_pc| <= delta_h/2 at the levels of Lemma 1", "proved"),
        BudgetTerm("sampling", env["eta"], "oscillation of f* inside one sample interval (crossings between "
                   "samples), estimated from samples and f*'", "estimate"),
        BudgetTerm("step_blocks", env["blocks_term"], "gamma*h/2 = delta_h/2: ramp of a regular block vs the "
                   "unit step in its plateau", "proved"),
        BudgetTerm("crowding", crowd, "excess over the terms above where blocks are crowded, displaced or "
                   "cancelled: range of the block sum N vs f* on each sample interval", "estimate"),
        BudgetTerm("unused_slope", slope_term, "gamma*|sigma|*(b-a)/2: slope sigma left by the unused pairs "
                   "(exact)", "proved"),
        BudgetTerm("rounding", rounding, "alpha, gamma and f*(a) rounded to the stored numbers", rounding_kind),
    ))


# ---------------------------------------------------------------------------- the construction
@dataclass(frozen=True, eq=False)
class Construction:
    """A Theorem-1 network with its parameters, error budget and the intermediate objects of the proof.

    ``net`` (PermNetwork), ``params`` (dict), ``budget`` (ErrorBudget), ``width_used`` (2n),
    ``width_bound`` (width asked for by the proof's worst-case unused-slope bound L >= 2 gamma, step (c) of Theorem 1's proof,
    with the same n_hat), ``lemma1``, ``matching``, ``unused`` and ``seconds`` (construction time).
    ``origin`` t: the proof's quantities (lemma1, matching, budget) are in the coordinate y = x - t and
    ``net`` is in x (:func:`proofkit.build.build` translates domains away from 0; 0 otherwise).
    """

    net: PermNetwork
    params: dict
    budget: ErrorBudget
    width_used: int
    width_bound: float
    lemma1: Lemma1Result = field(repr=False)
    matching: StepMatching = field(repr=False)
    unused: UnusedPart = field(repr=False)
    seconds: float = 0.0
    exact_values: dict = field(default_factory=dict, repr=False)
    origin: Fraction = Fraction(0)

    @property
    def theorem(self) -> str:
        return "1"

    def decomposition(self, x):
        r"""The proof's form of the network: :math:`f^*(a)+\Delta h\,N(x)+\gamma\sigma(x-\tfrac{a+b}2)`
        (float64), equal to ``net(x)`` up to rounding."""
        ev = self.exact_values
        a, b = self.matching.domain
        x = np.asarray(x, dtype=float) - float(self.origin)
        return (float(ev["f_a"]) + float(ev["delta_h"]) * self.matching.block_sum(x)
                + float(ev["gamma"] * ev["sigma"]) * (x - (a + b) / 2))

    def to_dict(self, include_network: bool = False) -> dict:
        """JSON-ready summary: theorem, params, budget, widths (and the network file if asked)."""
        d = {"theorem": self.theorem, "params": jsonable(self.params), "budget": self.budget.to_dict(),
             "width_used": self.width_used, "width_bound": self.width_bound, "seconds": self.seconds}
        if include_network:
            d["network"] = self.net.to_dict()
        return d


def _plan(target, eps, domain, n_hat=None, L=None, delta_h=None, *, lemma=None):
    """Choose (n_hat, L, delta_h) and return them with the Lemma-1 result, matching and envelope."""
    eps_f = _check_eps(eps)
    a, b = _domain(domain)
    dom = (float(a), float(b))
    notes = []
    if L is not None:
        L = _check_int(L, "L", 1)
    if n_hat is not None:
        n_hat = _check_int(n_hat, "n_hat", 4)
    if delta_h is None:
        dh = default_delta_h(eps)
    else:
        dh = as_fraction(delta_h, "delta_h")
        if not dh > 0:
            raise ConstructionError(f"delta_h must be positive, got {delta_h}")
    if lemma is None or lemma.delta_h != dh:
        lemma = piecewise_constant_approximation(target, dh, dom)

    def evaluate(nh, LL):
        try:
            m = match_steps(lemma, nh, LL, dom)
        except ConstructionError:
            return None, None
        return m, envelope_bound(lemma, m)

    def parity_fix(nh, LL, fixed_L):
        """Nearest (n_hat, L) at or after (nh, LL) on which the unused slope can cancel exactly."""
        Ls = [LL] if fixed_L else [LL] + [x for x in (3, 4, 5) if x != LL]
        ks = range(12)
        for cand in Ls:
            for k in ks:
                if slope_parity_ok((a, b), cand * (nh + k - 1) + 1):
                    return nh + k, cand
        return nh, LL

    def finish(key, m, env):
        nh, LL = key
        return dict(n_hat=nh, L=LL, delta_h=dh, notes=notes), lemma, m, env

    if n_hat is not None:  # n_hat fixed: L as given, else the first of 2, 3, 1, 4, 5 with a good parity
        Ls = [L] if L is not None else [DEFAULT_L, 3, 1, 4, 5]
        ranked = [x for x in Ls if slope_parity_ok((a, b), x * (n_hat - 1) + 1)] + Ls
        for cand in ranked:
            m, env = evaluate(n_hat, cand)
            if m is not None:
                return finish((n_hat, cand), m, env)
        raise ConstructionError(f"{lemma.J} unit steps do not fit in n_hat = {n_hat}; increase n_hat")

    LL = L if L is not None else DEFAULT_L
    tried = {}

    def trial(nh):
        key = parity_fix(nh, LL, L is not None)
        if key not in tried:
            tried[key] = evaluate(*key)
        return key, tried[key][1]

    def good(env):
        return env is not None and env["total"] <= eps_f and env["irregular"] <= CROWDED_GOAL * eps_f

    nmax_hat = max(8, (MAX_N - 1) // LL + 1)
    nh = min(max(8, 4 * lemma.J + 4), nmax_hat)
    best, fail = None, None
    while True:
        key, env = trial(nh)
        if good(env):
            best = key
            break
        fail = nh
        if nh >= nmax_hat:
            break
        nh = min(int(nh * 1.6) + 1, nmax_hat)
    if best is not None and fail is not None:  # bisect between the last failure and the success
        lo, hi = fail, nh
        for _ in range(5):
            if hi - lo <= max(2, hi // 50):
                break
            mid = (lo + hi) // 2
            key, env = trial(mid)
            if good(env) and key[0] <= best[0]:
                best, hi = key, mid
            else:
                lo = mid
    if best is None:  # nothing up to the cap meets the goal: smallest within eps, else the best bound
        ok = sorted(k for k, (m, env) in tried.items() if env is not None and env["total"] <= eps_f)
        if ok:
            best = ok[0]
            notes.append(f"crowded regions keep the bound above {CROWDED_GOAL} eps for every n_hat tried; "
                         f"took the smallest n_hat with budget <= eps")
        else:
            cands = [(env["total"], k) for k, (m, env) in tried.items() if env is not None]
            if not cands:
                raise ConstructionError(f"{lemma.J} unit steps do not fit in n_hat <= {nmax_hat}: the target "
                                        "varies too much for this eps")
            best = min(cands)[1]
            notes.append(f"no n_hat <= {nmax_hat} brings the budget below eps = {eps_f:g} with delta_h = {dh}; "
                         f"best budget {tried[best][1]['total']:.4g}")
    m, env = tried[best]
    return finish(best, m, env)


def choose_parameters(target, eps, domain=(0.0, 1.0)) -> dict:
    r"""Automatic :math:`\hat n`, L, :math:`\Delta h` for ``target`` and ``eps`` on ``domain``.

    :math:`\Delta h=0.9\varepsilon` (3 significant digits), L = 2 (fine offsets for the blocks; 3 when
    no n with L = 2 lets the unused slope cancel, e.g. on [2, 5]), and the smallest :math:`\hat n` (geometric search, then bisection) whose predicted budget (Lemma 1 +
    step blocks + crowding, the unused slope being cancelled exactly) is at most eps, with n adjusted so
    that the slope parity allows exact cancellation. Returns {"n_hat", "L", "delta_h", "n",
    "predicted_bound", "notes"}.
    """
    target = _target(target)
    params, _lemma, _m, env = _plan(target, eps, domain)
    params["n"] = params["L"] * (params["n_hat"] - 1) + 1
    params["predicted_bound"] = env["total"]
    return params


def construct_theorem1(target, eps, domain=(0.0, 1.0), *, n_hat=None, L=None, delta_h=None,
                       exact=False) -> Construction:
    r"""Build the Theorem-1 network for ``target`` (a Target or its text) within ``eps`` on ``domain``.

    Parameters not given are chosen by :func:`choose_parameters`; given ones are respected (a given n_hat
    is kept; if L is free it is picked so that the unused slope can cancel exactly). Deterministic. ``exact=True`` stores :math:`\gamma` and :math:`\alpha` as exact
    rationals in the network file; otherwise they are float64 and their rounding enters the budget.
    Raises :class:`~proofkit.construct.budget.ConstructionError` (a ProofkitError) for bad input.
    """
    t0 = time.perf_counter()
    eps_f = _check_eps(eps)
    target = _target(target)
    a, b = _domain(domain)
    params, lemma, m, env = _plan(target, eps, domain, n_hat=n_hat, L=L, delta_h=delta_h)
    nh, LL, dh = params["n_hat"], params["L"], params["delta_h"]
    n = LL * (nh - 1) + 1

    # step 2: blocks; step 3: unused pairs in linear mode with zero slope
    u, c0, q = pool_coordinates(a, b, n)
    coords = [c0 + q * i for i in range(n)]
    block_assign = m.assignments()
    used = m.pairs().ravel()
    unused = reorganise_unused(n, used, coords)
    perm = assemble(n, *block_assign, unused.assign)
    sigma = u * unused.slope_units
    notes = list(params["notes"])
    if sigma != 0:
        notes.append(f"the unused pairs leave slope {float(sigma):.3g} (n = {n} on [{a}, {b}]: no cancelling "
                     "sign flip found); its term gamma*|sigma|*(b-a)/2 is in the budget")

    # step 4: output layer, exactly
    d = (b - a) / (n - 1)
    D = LL * d
    h = 2 * D * D
    if m.blocks:
        k = int(m.starts[0])
        assert step_height(*(a + d * (k + r * LL) for r in range(4))) == h
    core_a = _core_at_left(n, perm, c0, q, u, d)
    f_a, f_a_err = _exact_value_at(target, a)
    gamma, alpha = output_layer(dh, h, core_a, sigma, f_a, a, b)
    gamma_f, alpha_f = float(gamma), float(alpha)
    # max |core(x) - core(a)| over [a, b] <= h * max|K| + |sigma| (b - a)
    core_span = abs(core_a) + h * int(np.abs(m.levels()).max()) + abs(sigma) * (b - a)
    if exact:
        rounding = f_a_err
    else:
        rounding = float(abs(Fraction(alpha_f) - alpha) + abs(Fraction(gamma_f) - gamma) * core_span) + f_a_err

    budget = error_budget(env, dh, gamma, sigma, (a, b), rounding)
    pool = equidistant_pool(n, (a, b))
    stored = {"n": n, "n_hat": nh, "L": LL, "delta_h": str(dh), "exact": bool(exact)}
    prov = {"theorem": "1", "target": getattr(target, "text", repr(target)), "epsilon": eps_f,
            "domain": [float(a), float(b)], "proofkit": __version__, "parameters": stored}
    net = PermNetwork.from_pool(pool, perm, layout="theory", scale=gamma_f, shift=alpha_f,
                                exact_scale=gamma if exact else None, exact_shift=alpha if exact else None,
                                provenance=prov)

    L_proof = proof_refinement(gamma, (a, b), nh)
    width_bound = 2.0 * (L_proof * (nh - 1) + 1)
    out_params = {
        "n": n, "n_hat": nh, "L": LL, "delta_h": dh,
        "gamma": gamma if exact else gamma_f, "alpha": alpha if exact else alpha_f,
        "steps": lemma.J, "blocks": m.blocks, "cancelled": m.cancelled, "displaced": m.displaced,
        "irregular_blocks": int((~m.regular).sum()),
        "max_displacement": float(m.displacement.max()) if m.blocks else 0.0,
        "D": float(D), "d": float(d), "h": float(h),
        "slope_lemma2": float(u * unused.slope_units_lemma2), "slope": float(sigma),
        "sign_flips": len(unused.flips),
        "samples": len(lemma.xs), "eta_max": lemma.eta_max,
        "crowding_hull": max(0.0, env["irregular_hull"] - env["regular"]), "worst_x": env["worst_x"], "exact": bool(exact), "notes": notes,
    }
    exact_values = {"delta_h": dh, "gamma": gamma, "alpha": alpha, "sigma": sigma, "core_a": core_a,
                    "f_a": f_a, "h": h, "D": D, "d": d}
    return Construction(net, out_params, budget, 2 * n, width_bound, lemma, m, unused,
                        time.perf_counter() - t0, exact_values)
