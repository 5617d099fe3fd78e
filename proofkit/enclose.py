r"""Float64 arithmetic with proven error bounds, compiled with numba: a ReLU network's piecewise-linear form
with enclosed values, and the screening pass of :mod:`proofkit.screen`.

Hand-written (no maintained library offers rigorous double-double prefix sums over 10⁸ terms in compiled
code; arb would be ~100x slower per operation). Everything below is IEEE-754 binary64, round to nearest,
no fused multiply-add contraction (numba's default without ``fastmath``); u = 2⁻⁵³, η = 2⁻¹⁰⁷⁴.

Error-free transformations
--------------------------
* ``two_sum(a, b) = (s, e)`` (Knuth): s = fl(a + b) and s + e = a + b *exactly* (any finite a, b, also with
  subnormal results, as long as nothing overflows).
* ``two_prod(a, b) = (p, e)`` (Dekker, Veltkamp splitting with 2²⁷ + 1): p = fl(ab) and
  |ab − p − e| ≤ 4η (exact unless a partial product underflows), for |a|, |b| ≤ 2⁵⁰⁰ (the callers refuse
  larger inputs).

Double-double accumulators
--------------------------
A quantity X is carried as a pair (h, l) of floats and a float accumulator ``acc`` of non-negative error
terms, with :math:`|X-(h+l)|\le` ``final(acc)``. Adding a float x: (h, d) = two_sum(h, x) is exact, and
l ← fl(l + d) commits an error at most u·|fl(l + d)| (Higham, eq. 2.5; exact when the result is subnormal),
which is pushed onto ``acc``. A product term a·(z_h + z_l) adds the two halves of two_prod(a, z_h) and
fl(a·z_l), whose error u·|fl(a z_l)| + η is pushed likewise; every other term pushed is written next to the
operation that creates it. No term needs more than 8 roundings from quantities that bound the exact error
from above; a product that may underflow pushes an absolute allowance of a few η with it.

**Lemma A (rounding the bound up).** Let x₁..x_m ≥ 0 (m ≤ 2³²) be reals and x̂_j the floats pushed for them,
each computed from upper bounds by at most 8 rounded operations, so :math:`x_j\le\hat x_j(1-u)^{-8}+8\eta`.
Let ŝ be the float running sum of the x̂_j (additions of non-negative floats: ŝ ≥ (1−u)^{m}·Σx̂_j). Then
``final(ŝ) = max(fl(ŝ·(1 + 2⁻¹⁶)), 2⁻⁹⁹⁹) ≥ Σ x_j``. Proof: :math:`\sum x_j\le\hat s(1-u)^{-(m+8)}+8m\eta
\le\hat s(1+2^{-20})+2^{-1035}`; fl(ŝ(1+2⁻¹⁶)) ≥ ŝ(1+2⁻¹⁶)(1−u) ≥ ŝ(1+2⁻¹⁷), which covers both terms when
ŝ ≥ 2⁻¹⁰⁰⁰, and 2⁻⁹⁹⁹ covers them when ŝ < 2⁻¹⁰⁰⁰. ∎ Every radius this module returns is such a
``final`` (so it is ≥ 2⁻⁹⁹⁹ > 0: an enclosure, never a claim of exactness).

The network (:func:`relu_sum_enclosure`)
----------------------------------------
:math:`N(x)=\text{shift}+\text{scale}\,R(x)`, :math:`R(x)=\sum_i a_i\,\mathrm{relu}(w_ix+c_i)`, w_i = ±1,
all numbers taken at their exact binary values. Unit i breaks at t_i = −w_i c_i (exact negation); crossing t
the slope of R jumps by Σ_{t_i=t} a_i. A break-point whose jump is *proved* zero (the group's double-double
sum is (0, 0) with no rounding at all, e.g. a pair p, −p in linear mode) is not a knot; any other break-point
in (A, B) is one (an unproved zero only adds a harmless knot). After one sort of t:

1. pre-pass: the slope σ of R just right of A, :math:`\sigma_A=-\sum_{w_i=-1}a_i+\sum_{t_i\le A}a_i`, and
   :math:`R(A)=\sum_{w_i=+1,t_i<A}a_i(A-t_i)+\sum_{w_i=-1,t_i>A}a_i(t_i-A)` (A − t_i by two_sum, exact),
   both as double-double accumulators;
2. walk: :math:`R(t_{k+1})=R(t_k)+\sigma_k(t_{k+1}-t_k)`, with Δ = t_{k+1} − t_k exact (two_sum) and
   σΔ = σ_hσΔ_h (two_prod) + σ_hΔ_l + σ_lΔ_h (rounded, u|·| each) + σ_lΔ_l and the error of σ times |Δ|
   (pushed as bounds); σ ← σ + jump at each knot;
3. :math:`N=\text{shift}+\text{scale}\,R` by two_prod / two_sum, and V = fl(h + l) with radius
   final(|scale|·err(R) + the roundings of this step + u|V|).

So :math:`|N(t_k)-V_k|\le\rho_k` at every knot t_k (exact floats, A and B included), and on
[t_k, t_{k+1}] N is the line through the two true values. In practice ρ_k ≈ 10⁻³⁰·Σ|a_i c_i|, i.e. the
values are correct to double-double accuracy; the radius is the proof.

Screening (:func:`screen_pieces`)
---------------------------------
Input: the knots above, a partition of [A, B] into *cells* [X_j, X_{j+1}] (floats) and on each valid cell a
model computed in arb by :mod:`proofkit.screen`: a float centre c, floats f₀, f₁, m₂ and radii r₀, r₁ with
:math:`|f^*(c)-f_0|\le r_0`, :math:`|f^{*\prime}(c)-f_1|\le r_1`, :math:`\sup_{cell}|f^{*\prime\prime}|\le m_2`
(one smooth branch on the open cell, continuous on the closed one). Taylor's theorem with the Lagrange
remainder gives, for x in the cell,

.. math:: |f^*(x)-f_0-f_1(x-c)|\le r_0+r_1|x-c|+m_2(x-c)^2/2 .

The merged points of knots and cell boundaries cut [A, B] into *sub-pieces*, each inside one cell and one
network piece. At a cell boundary inside a network piece the network value is interpolated:
λ̂ = fl(fl(x − u)/fl(v − u)), y = fl(λ̂·fl(V_v − V_u)), V = fl(V_u + y); λ̂ = λ(1 + θ) and y = λΔV(1 + θ′)
with |θ′| ≤ γ₅, so :math:`|V-N(x)|\le\max(\rho_u,\rho_v)+u|V|+2^{-50}|y|` (pushed and finalised as above).

**Bound of a sub-piece [x₀, x₁] in a valid cell.** With l the network's line and e = f* − l,
:math:`|e(x)|\le B(x):=|f_0+f_1(x-c)-l(x)|+r_0+r_1|x-c|+m_2(x-c)^2/2`. Every term of B is convex in x
(the first is |linear|), so :math:`\max_{[x_0,x_1]}|e|\le\max(B(x_0),B(x_1))`. At an end point x with
network enclosure V ± ρ: dx + dx_e = x − c exactly (two_sum); y₁ = fl(f₁dx), P = fl(f₀ + y₁),
ê = fl(P − V); then

.. math:: B(x)\le|\hat e|+u(|y_1|+|P|+|\hat e|)+2\eta+|f_1||dx_e|+\rho+r_0+r_1a'+m_2a'^2/2,\qquad
          a'=a/(1-u),\ a=\max(\mathrm{fl}(|dx|+|dx_e|),2^{-500})\ge(1-u)|x-c| ,

every term pushed (as r₁a, m₂a²/2, ...) with at most 8 roundings and the sum finalised by Lemma A: the returned bound is a
float ≥ max |e| on the sub-piece. Sub-pieces in cells without a model, and those whose bound exceeds the
caller's threshold, are returned (with their two network enclosures) for the arb path; U over the others
is the maximum of their bounds. The same pass records the point with the largest |ê| (a candidate for the
lower bound L, which the caller then proves in arb). Overflow is excluded by the callers (inputs ≤ 2⁵⁰⁰ in
magnitude) and by checking that every output is finite.
"""
from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["walk_network", "two_runs_order", "screen_pieces", "final", "U", "MAX_INPUT"]

U = 2.0 ** -53          # unit roundoff of binary64, round to nearest
ETA = 2.0 ** -1074      # smallest subnormal
FLOOR = 2.0 ** -999     # Lemma A
INFL = 1.0 + 2.0 ** -16
U50 = 2.0 ** -50        # 8u: covers gamma_5 / (1 - gamma_5)
MAX_INPUT = 2.0 ** 500  # two_prod's range condition, with room for sums of 10^9 terms
TINY = 2.0 ** -500
_SPLIT = 134217729.0    # 2^27 + 1
_JIT = dict(cache=True, nogil=True, error_model="numpy")


@njit(inline="always", **_JIT)
def two_sum(a, b):
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


@njit(inline="always", **_JIT)
def _split(a):
    c = _SPLIT * a
    hi = c - (c - a)
    return hi, a - hi


@njit(inline="always", **_JIT)
def two_prod(a, b):
    p = a * b
    ah, al = _split(a)
    bh, bl = _split(b)
    return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl


@njit(inline="always", **_JIT)
def final(acc):
    """Lemma A: a float >= the exact sum of the error terms whose float sum is ``acc``."""
    return max(acc * INFL, FLOOR)


@njit(inline="always", **_JIT)
def _add(h, l, e, x):
    """(h, l) += x exactly except fl(l + d), whose error u|l'| is pushed onto e."""
    h2, d = two_sum(h, x)
    l2 = l + d
    return h2, l2, e + abs(l2) * U


@njit(inline="always", **_JIT)
def _add_low(l, e, x):
    """l += x (x small), pushing the rounding error u|l'|."""
    l2 = l + x
    return l2, e + abs(l2) * U


@njit(inline="always", **_JIT)
def _add_prod(h, l, e, a, zh, zl):
    """(h, l) += a (zh + zl): two_prod(a, zh) (error <= 4 eta), fl(a zl) (u|q| + eta), two more roundings."""
    p, pe = two_prod(a, zh)
    q = a * zl
    h, l, e = _add(h, l, e, p)
    s = pe + q
    e += (abs(q) + abs(s)) * U + 5 * ETA
    l, e = _add_low(l, e, s)
    return h, l, e


@njit(inline="always", **_JIT)
def _bp(c, w, k):
    """Break-point t_k = -w_k c_k of unit k (exact; -0.0 becomes +0.0)."""
    return (-c[k] if w[k] > 0 else c[k]) + 0.0


@njit(**_JIT)
def _prepass(c, a, w, order, A, B):
    """sigma_A and R(A) (double-double with error accumulators), index of the first unit with t > A, and
    the number of knots in (A, B)."""
    H = len(order)
    sh = sl = se = 0.0      # sigma
    rh = rl = re = 0.0      # R(A)
    i = 0
    first = H
    count = 0
    while i < H:
        ti = _bp(c, w, order[i])
        j = i
        gh = gl = ge = 0.0  # the group's jump
        while j < H and _bp(c, w, order[j]) == ti:
            k = order[j]
            ak = a[k]
            if w[k] < 0:            # sigma_L = -sum over w = -1 units
                sh, sl, se = _add(sh, sl, se, -ak)
                if ti > A:          # a (t - A)
                    zh, zl = two_sum(ti, -A)
                    rh, rl, re = _add_prod(rh, rl, re, ak, zh, zl)
            elif ti < A:            # a (A - t)
                zh, zl = two_sum(A, -ti)
                rh, rl, re = _add_prod(rh, rl, re, ak, zh, zl)
            gh, gl, ge = _add(gh, gl, ge, ak)
            j += 1
        if ti <= A:
            sh, sl, se = _add(sh, sl, se, gh)
            sl, se = _add_low(sl, se, gl)
            se += final(ge) if ge > 0 else 0.0
        else:
            if first == H:
                first = i
            if ti < B and not (gh == 0.0 and gl == 0.0 and ge == 0.0):
                count += 1
        i = j
    return sh, sl, se, rh, rl, re, first, count


@njit(**_JIT)
def _value(rh, rl, re, scale, shift):
    """V = shift + scale R and its radius (Lemma A)."""
    p, pe = two_prod(scale, rh)
    q = scale * rl
    s, d = two_sum(shift, p)
    lo = d + pe
    lo2 = lo + q
    v = s + lo2
    acc = abs(scale) * final(re) + (abs(q) + abs(lo) + abs(lo2) + abs(v)) * U + 5 * ETA
    return v, final(acc)


@njit(**_JIT)
def _walk(c, a, w, order, A, B, scale, shift, sigma, R, first, T, V, rad):
    """Fill the knots T (A, the knots in (A, B), B), values V and radii rad."""
    sh, sl, se = sigma
    rh, rl, re = R
    H = len(order)
    T[0] = A
    V[0], rad[0] = _value(rh, rl, re, scale, shift)
    k = 1
    prev = A
    i = first
    n_out = len(T)
    while k < n_out:
        if i < H and _bp(c, w, order[i]) < B:
            ti = _bp(c, w, order[i])
            j = i
            gh = gl = ge = 0.0
            while j < H and _bp(c, w, order[j]) == ti:
                gh, gl, ge = _add(gh, gl, ge, a[order[j]])
                j += 1
            i = j
            if gh == 0.0 and gl == 0.0 and ge == 0.0:
                continue
        else:
            ti = B
            gh = gl = ge = 0.0
        # R += sigma * (ti - prev)
        dh, dl = two_sum(ti, -prev)
        es = final(se)
        p, pe = two_prod(sh, dh)
        m1 = sh * dl
        m2 = sl * dh
        m12 = m1 + m2
        rh, rl, re = _add(rh, rl, re, p)
        rl, re = _add_low(rl, re, pe)
        rl, re = _add_low(rl, re, m12)
        re += (abs(m1) + abs(m2) + abs(m12)) * U + abs(sl) * abs(dl) + es * (abs(dh) + abs(dl)) + 8 * ETA
        T[k] = ti
        V[k], rad[k] = _value(rh, rl, re, scale, shift)
        k += 1
        prev = ti
        # sigma += jump
        sh, sl, se = _add(sh, sl, se, gh)
        sl, se = _add_low(sl, se, gl)
        se += final(ge) if ge > 0 else 0.0


@njit(**_JIT)
def two_runs_order(c, w):
    """The stable sorting order of the break-points t = -w c when each half of the units has
    non-decreasing break-points (the theory layout of a sorted pool: units j and n+j share b_j), by one
    merge, with no temporary; an empty array otherwise (the caller sorts)."""
    H = len(c)
    h = H // 2
    for lo, hi in ((0, h), (h, H)):
        for i in range(lo + 1, hi):
            if _bp(c, w, i) < _bp(c, w, i - 1):
                return np.empty(0, np.int64)
    order = np.empty(H, np.int64)
    i, j = 0, h
    for k in range(H):
        if j >= H or (i < h and _bp(c, w, i) <= _bp(c, w, j)):
            order[k] = i
            i += 1
        else:
            order[k] = j
            j += 1
    return order


def walk_network(c, a, w, order, A: float, B: float, scale: float, shift: float):
    """Knots in [A, B] (A and B included) of shift + scale Σ a_i relu(w_i x + c_i) given ``order``, a sort
    of the break-points t = -w c; returns (T, V, rad) with |N(T_k) - V_k| <= rad_k (module docstring).
    The caller guarantees finite inputs of magnitude <= MAX_INPUT."""
    sh, sl, se, rh, rl, re, first, count = _prepass(c, a, w, order, float(A), float(B))
    K = count + 2
    T = np.empty(K)
    V = np.empty(K)
    rad = np.empty(K)
    _walk(c, a, w, order, float(A), float(B), float(scale), float(shift), (sh, sl, se), (rh, rl, re), first,
          T, V, rad)
    return T, V, rad


# ---------------------------------------------------------------------------------------------- screening
@njit(inline="always", **_JIT)
def _end_bound(x, lv, lr, c, f0, r0, f1, r1, m2):
    """(bound B(x), |e_hat|) at an end point x with network enclosure lv +- lr (module docstring)."""
    dx, dxe = two_sum(x, -c)
    y1 = f1 * dx
    P = f0 + y1
    eh = P - lv
    ae = abs(eh)
    a = max(abs(dx) + abs(dxe), TINY)   # >= |x - c| (1 - u); >= 2^-500 keeps m2 a^2 clear of underflow
    acc = (ae + (abs(y1) + abs(P) + ae) * U + 2 * ETA + abs(f1) * abs(dxe) + lr + r0 + r1 * a
           + m2 * (a * a) * 0.5)
    return final(acc), ae


@njit(inline="always", **_JIT)
def _interpolate(x, u, v, Vu, Vv, ru, rv):
    lam = (x - u) / (v - u)
    y = lam * (Vv - Vu)
    val = Vu + y
    acc = max(ru, rv) + abs(val) * U + abs(y) * U50 + (abs(Vv - Vu) + 1.0) * 2.0 ** -1020  # underflow
    return val, final(acc)


@njit(**_JIT)
def screen_pieces(T, V, rad, X, cc, f0, r0, f1, r1, m2, ok, thresh, out):
    """Bound every sub-piece (module docstring). Sub-pieces of cells without a model (``ok`` false) and
    those with bound > ``thresh`` (flagged) are written to ``out`` (rows x0, x1, V0, rad0, V1, rad1, bound) up to
    its length. Returns (U over the other sub-pieces, number flagged, number of sub-pieces, x of the
    largest |e_hat|, its network value, its radius, that |e_hat|)."""
    K = len(T)
    C = len(cc)
    cap = out.shape[0]
    Uok = 0.0
    nflag = 0
    nsub = 0
    best = -1.0
    bx = bv = br = 0.0
    k = 0           # network piece [T[k], T[k+1]]
    j = 0           # cell [X[j], X[j+1]]
    x = T[0]
    lv = V[0]
    lr = rad[0]
    Bx, ex = _end_bound(x, lv, lr, cc[0], f0[0], r0[0], f1[0], r1[0], m2[0]) if ok[0] else (np.inf, -1.0)
    if ex > best:
        best, bx, bv, br = ex, x, lv, lr
    while k < K - 1:
        nxt_knot = T[k + 1]
        nxt_cell = X[j + 1]
        if nxt_knot <= nxt_cell:
            y = nxt_knot
            yv = V[k + 1]
            yr = rad[k + 1]
        else:
            y = nxt_cell
            yv, yr = _interpolate(y, T[k], T[k + 1], V[k], V[k + 1], rad[k], rad[k + 1])
        if ok[j]:
            By, ey = _end_bound(y, yv, yr, cc[j], f0[j], r0[j], f1[j], r1[j], m2[j])
            if ey > best:
                best, bx, bv, br = ey, y, yv, yr
            b = max(Bx, By)
        else:
            b = np.inf
        nsub += 1
        if b > thresh or not ok[j]:
            if nflag < cap:
                out[nflag, 0] = x
                out[nflag, 1] = y
                out[nflag, 2] = lv
                out[nflag, 3] = lr
                out[nflag, 4] = yv
                out[nflag, 5] = yr
                out[nflag, 6] = b
            nflag += 1
        elif b > Uok:
            Uok = b
        # advance
        if nxt_knot <= nxt_cell:
            k += 1
        if nxt_cell <= nxt_knot and j < C - 1:
            j += 1
            if ok[j]:
                By, ey = _end_bound(y, yv, yr, cc[j], f0[j], r0[j], f1[j], r1[j], m2[j])
            else:
                By = np.inf
        x, lv, lr, Bx = y, yv, yr, By
    return Uok, nflag, nsub, bx, bv, br, best
