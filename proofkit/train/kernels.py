r"""Compiled (numba) kernels for permutation training: one Adam epoch, batched prediction, Gram matrices.

The training network (any input dimension d) is

.. math:: f(x) = \alpha + \gamma\sum_{j=1}^{H}\theta_j\,\rho(u_{g(j)}\cdot x + c_j),

with a small set of fixed directions :math:`u_1..u_D\in\mathbb R^d` (1-D: :math:`u=\pm1`, so that unit j is
:math:`\varphi^\pm` with bias :math:`c_j`; 2-D: the paper's 8 directions; 3-D: 26), ``unit_dir`` :math:`g(j)`,
the frozen biases :math:`c_j`, the coefficients :math:`\theta` (the permuted pool values p_i, q_i), the
scale :math:`\gamma` and the shift :math:`\alpha`. :math:`\rho` is the ReLU or the leaky ReLU with negative
slope s, :math:`\rho(z)=(1-s)\,\mathrm{relu}(z)+s\,z`.

One epoch (:func:`adam_epoch`) runs the mini-batches of a given sample order, each with the MSE loss
:math:`L=\frac1B\sum_b (f(x_b)-y_b)^2` and its exact gradient

.. math:: \partial_\alpha L=\sum_b r_b,\quad \partial_\gamma L=\sum_b r_b S_b,\quad
          \partial_{\theta_j}L=\gamma\sum_b r_b\,\rho(u_{g(j)}\cdot x_b+c_j),\qquad r_b=\tfrac2B(f(x_b)-y_b),

where :math:`S_b=\sum_j\theta_j\rho(\cdot)`, followed by an Adam step.

**Sorted biases (O(H + BD) per batch instead of O(BH)).** Fix a direction g and sort its n units by bias,
:math:`c_{(0)}\le\dots\le c_{(n-1)}`. With :math:`t=u_g\cdot x`, unit (k) is active iff :math:`t+c_{(k)}>0`
iff :math:`c_{(k)}>-t` (exactly so in floating point: a sum of two doubles is zero only when it is exactly
zero, and keeps its sign), so the active units of a point are the ranks :math:`k\ge k(x)` with
:math:`k(x)=\#\{k: c_{(k)}\le -t\}`. Hence, with suffix sums :math:`A_k=\sum_{i\ge k}\theta_{(i)}`,
:math:`C_k=\sum_{i\ge k}\theta_{(i)}c_{(i)}`,

.. math:: \sum_k\theta_{(k)}\,\mathrm{relu}(t+c_{(k)}) = t\,A_{k(x)} + C_{k(x)},

and, with a histogram of the batch over :math:`k(x_b)` and its prefix sums
:math:`R_k=\sum_{b:k(x_b)\le k}r_b`, :math:`T_k=\sum_{b:k(x_b)\le k}r_b t_b`,

.. math:: \sum_b r_b\,\mathrm{relu}(t_b+c_{(k)}) = T_k + c_{(k)}R_k .

The leaky part adds :math:`s\,(t A_0 + C_0)` to the first and :math:`s\,(\sum_b r_bt_b + c_{(k)}\sum_b
r_b)` to the second. The ranks :math:`k_g(x)` of the training points do not change during training, so
:func:`bucket_table` computes them once per run (binary search); :math:`t` is recomputed from x when needed
(:func:`_proj`, the same summation order everywhere, so t and k always agree).

**One step** of :func:`adam_epoch`: (1) stage the batch's rows (x, y, slots), forward pass
:math:`S_b=\sum_g (t A_k + C_k)` and scatter of :math:`r_b`, :math:`r_bt_b` into the histogram, O(BD);
(2) prefix sums of the histogram, O(H); (3) one fused pass computing each unit's gradient, its Adam update
and the new column totals of :math:`\theta` and :math:`\theta c` (bounded by Adam's square root and
division); (4) suffix sums of the new :math:`\theta`, O(H). So a step costs O(BD + H) instead of the
dense O(BH): in 1-D (B = 8, D = 2) the passes over the units dominate, in 3-D (B = 640, D = 26, n = 320:
B D = 16 640 against B H = 5.3 million) the gathers and scatters; measured in benchmarks/bench_train.py.

**Layout.** Each direction's sorted units are cut into P blocks of L consecutive ranks (P divides n) and
stored as an (L, C) matrix, C = D P columns, column g P + p holding ranks pL..pL+L-1 of direction g
(:func:`unit_layout`). Every prefix/suffix sum then runs down the rows for all C columns at once (a
vectorised loop with C independent chains instead of one serial chain of length n); the blocks of a
direction are joined by carrying the column totals, O(C). The layout fixes the order of every addition:
the arithmetic is deterministic (float64, sequential loops, no fastmath), and differs from the dense sum
only by rounding (the tests bound the difference on random problems).

**Adam** (PyTorch's ``torch.optim.Adam``: no weight decay, no amsgrad) in the form of Kingma & Ba's
Algorithm 1 with the bias corrections folded into the step size,
:math:`m\leftarrow m+(1-\beta_1)(g-m)`, :math:`v\leftarrow\beta_2v+(1-\beta_2)g^2`,
:math:`p\leftarrow p-\frac{lr\sqrt{1-\beta_2^t}}{1-\beta_1^t}\,m/(\sqrt v+\epsilon\sqrt{1-\beta_2^t})`:
algebraically PyTorch's :math:`p-\frac{lr}{1-\beta_1^t}m/(\sqrt{v}/\sqrt{1-\beta_2^t}+\epsilon)`, with one
division per coefficient instead of two (the divider bounds the whole step).

:data:`ENGINE_VERSION` numbers this arithmetic; the run cache keys on it, so runs of an older engine are
recomputed rather than reused (bump it with any change that can alter a trained network's bits).
:func:`adam_epoch_dense` is the previous engine (dense O(BH) batches, PyTorch's form of Adam), kept as the
tests' oracle and the benchmark's baseline.

Kernels are compiled with ``cache=True`` (the first call on a machine compiles, later processes load) and
``error_model="numpy"`` (no Python division-by-zero checks, which would block vectorisation; IEEE results
unchanged).
"""
from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["ENGINE_VERSION", "unit_layout", "bucket_table", "sparse_batches", "adam_epoch", "adam_epoch_dense",
           "predict", "hidden_features"]

#: Version of the training arithmetic. 1: dense O(BH) batches with PyTorch's form of Adam (up to
#: proofkit 0.1.0, commit c18a310); 2: sorted-bias suffix sums, (L, C) layout, Kingma-Ba form of Adam.
ENGINE_VERSION = 2

_JIT = dict(cache=True, nogil=True, error_model="numpy")

#: Fewest columns of the (L, C) unit matrix when n allows (see :func:`unit_layout`).
MIN_COLUMNS = 64


def unit_layout(unit_dir: np.ndarray, c: np.ndarray, D: int):
    """The internal order of the units for :func:`adam_epoch`: ``(idx, L, P)`` with ``idx`` (L, D P) the
    original index of the unit at each matrix position: column g P + p, row i holds the unit of direction g
    with bias rank p L + i (stable order for ties).

    Every direction must have the same number n of units (true of every training problem). P is the
    smallest divisor of n with at least :data:`MIN_COLUMNS` columns D P (else P = n, one row): the row
    loops vectorise across the columns, and measured on this engine, 32 columns or fewer ran 1.3-2x slower
    per epoch than 64 (1-D n = 160..1280, 2-D n = 320), while more columns than 64 gained nothing.
    """
    H = len(c)
    n = H // D
    if n * D != H or np.any(np.bincount(unit_dir, minlength=D) != n):
        raise ValueError("every direction must have the same number of units")
    P = next((p for p in range(1, n + 1) if n % p == 0 and D * p >= MIN_COLUMNS), n)
    L = n // P
    by_dir = np.lexsort((c, unit_dir)).reshape(D, P, L)  # [g, p, i] = rank p L + i of direction g
    return np.ascontiguousarray(by_dir.transpose(2, 0, 1).reshape(L, D * P)), L, P


def bucket_table(X: np.ndarray, dirs: np.ndarray, c: np.ndarray, P: int) -> np.ndarray:
    r"""K (N, D): the matrix slot (flat index row * C + column) of the first unit of direction g that x_i
    activates, i.e. of rank :math:`k=\#\{j: c_j\le -t_{ig}\}`, :math:`t_{ig}=u_g\cdot x_i` (binary search);
    k = n (no active unit) maps to row L of the direction's last column, a slot that no unit reads.
    c: (L, C) biases in the layout of :func:`unit_layout`. int16 when the slots fit (a smaller table to
    gather from), allocated by numpy (which asks Linux for huge pages for large arrays: fewer TLB misses
    on the random rows of an epoch)."""
    L, C = c.shape
    K = np.empty((X.shape[0], dirs.shape[0]), dtype=np.int16 if (L + 1) * C <= 32767 else np.int32)
    _fill_bucket_table(X, dirs, c, P, K)
    return K


@njit(**_JIT)
def _proj(dirs, X, i, g):
    """t = u_g . x_i, summed in a fixed order (the same bits wherever it is computed)."""
    acc = 0.0
    for k in range(dirs.shape[1]):
        acc += dirs[g, k] * X[i, k]
    return acc


@njit(**_JIT)
def _fill_bucket_table(X, dirs, c, P, K):
    L, C = c.shape
    n = L * P
    for i in range(X.shape[0]):
        for g in range(dirs.shape[0]):
            nt = -_proj(dirs, X, i, g)
            lo = 0
            hi = n
            while lo < hi:  # first rank with c > -t
                mid = (lo + hi) >> 1
                if c[mid % L, g * P + mid // L] <= nt:
                    lo = mid + 1
                else:
                    hi = mid
            if lo == n:
                K[i, g] = L * C + g * P + P - 1
            else:
                K[i, g] = (lo % L) * C + g * P + lo // L


@njit(**_JIT)
def _adam(p, g, m, v, step_size, beta1, beta2, eps_hat):
    """p -= step_size m / (sqrt(v) + eps_hat) after the moment updates (see the module docstring)."""
    for j in range(p.shape[0]):
        gj = g[j]
        mj = m[j] + (1.0 - beta1) * (gj - m[j])
        vj = beta2 * v[j] + (1.0 - beta2) * gj * gj
        m[j] = mj
        v[j] = vj
        p[j] -= step_size * mj / (np.sqrt(vj) + eps_hat)


@njit(**_JIT)
def _column_totals(theta, c, totA, totC):
    """totA[col] = sum of theta down the column, totC[col] = the same of theta c (rows in ascending order)."""
    L, C = theta.shape
    for col in range(C):
        totA[col] = 0.0
        totC[col] = 0.0
    for i in range(L):
        for col in range(C):
            totA[col] += theta[i, col]
            totC[col] += theta[i, col] * c[i, col]


@njit(**_JIT)
def _carries(tot1, tot2, P, car1, car2, acc, up):
    """car[g P + p] = sum of tot over the blocks p' < p (``up``: the lower biases) or p' > p (the higher
    biases) of direction g, added in the order of the blocks; for two arrays at once, the directions
    innermost (independent chains side by side). acc: scratch of length 2 D."""
    D = tot1.shape[0] // P
    for g in range(2 * D):
        acc[g] = 0.0
    for k in range(P):
        for g in range(D):
            col = g * P + (k if up else P - 1 - k)
            car1[col] = acc[g]
            car2[col] = acc[D + g]
            acc[g] += tot1[col]
            acc[D + g] += tot2[col]


@njit(**_JIT)
def _suffix_sums(theta, c, carA, carC, SA, SC):
    r"""SA[i, col] = :math:`A_k`, SC[i, col] = :math:`C_k` for the rank k = p L + i of column g P + p:
    row L holds the higher blocks' sums carA, carC, then suffix sums down the rows."""
    L, C = theta.shape
    for col in range(C):
        SA[L, col] = carA[col]
        SC[L, col] = carC[col]
    for i in range(L - 1, -1, -1):
        for col in range(C):
            th = theta[i, col]
            SA[i, col] = SA[i + 1, col] + th
            SC[i, col] = SC[i + 1, col] + th * c[i, col]


@njit(**_JIT)
def _suffix_at(theta, c, carA, carC, row, col):
    """(SA[row, col], SC[row, col]) of :func:`_suffix_sums` for one slot, computed by the same additions in
    the same order (so the values are bit for bit those of the full pass)."""
    A = carA[col]
    B = carC[col]
    for i in range(theta.shape[0] - 1, row - 1, -1):
        th = theta[i, col]
        A = A + th
        B = B + th * c[i, col]
    return A, B


def sparse_batches(batch: int, D: int, L: int, C: int) -> bool:
    """Whether :func:`adam_epoch` computes the batch's suffix sums slot by slot (about B D L / 2 additions)
    instead of in a full pass over the (L + 1, C) matrix: when B D L <= H / 2, i.e. 2 B D <= C (the 1-D
    protocol from n = 20 on: a batch of 8 touches at most 16 slots). Both ways give the same bits."""
    return batch * D * L * 2 <= L * C


@njit(**_JIT)
def adam_epoch(X, dirs, K, Y, order, c, P, theta, ga, m, v, m2, v2, step, lr, batch, slope, beta1, beta2, eps,
               sparse):
    """One epoch of mini-batch Adam on (theta, ga=[gamma, alpha]); arrays are updated in place.

    X (N, d) the training inputs, dirs (D, d), K from :func:`bucket_table`; Y (N,); order: the sample
    order of this epoch (length N); c, theta, m, v: (L, C) in the layout of :func:`unit_layout` with P
    blocks per direction; ga (2,) and its Adam moments m2, v2; step: Adam steps so far; lr: this epoch's
    learning rate; batch: mini-batch size (the last batch may be smaller); slope: negative slope of the
    activation (0 for ReLU); sparse: the slot-by-slot suffix sums and histogram totals of
    :func:`sparse_batches` (same bits either way). Returns (mean batch loss, step).
    """
    N = order.shape[0]
    L, C = theta.shape
    D = dirs.shape[0]
    SA = np.empty((L + 1, C))  # suffix sums A_k, C_k of the current theta (full pass, not sparse)
    SC = np.empty((L + 1, C))
    totA = np.empty(C)  # column totals of theta and theta c
    totC = np.empty(C)
    carA = np.empty(C)  # A, C of the higher blocks of the column's direction
    carC = np.empty(C)
    hR = np.zeros((L + 1, C))  # the batch's histogram over first-active slots (r_b)
    hT = np.zeros((L + 1, C))  # the same with weights r_b t_b
    totR = np.zeros(C)  # column totals of hR, hT (rows 0..L-1)
    totT = np.zeros(C)
    carR = np.zeros(C)  # R, T of the lower blocks of the column's direction
    carT = np.zeros(C)
    runR = np.empty(C)  # R_k, T_k down the rows of the fused pass
    runT = np.empty(C)
    touched = np.zeros(C, dtype=np.bool_)
    cacc = np.empty(2 * D)
    Tall = np.zeros(D)  # sum_b r_b t_bg (leaky part)
    TallC = np.zeros(C)
    Atot = np.empty(D)  # A_0, C_0 of each direction (leaky part)
    Ctot = np.empty(D)
    g2 = np.empty(2)
    d = dirs.shape[1]
    xb = np.empty((batch, d))  # the batch's inputs, projections t_bg, slots, targets, S_b
    tb = np.empty((batch, D))
    kb = np.empty((batch, D), dtype=np.int32)
    yb = np.empty(batch)
    sb = np.empty(batch)
    rbs = np.empty(batch)
    one_s = 1.0 - slope
    leaky = slope != 0.0
    SAf = SA.reshape((L + 1) * C)
    SCf = SC.reshape((L + 1) * C)
    hRf = hR.reshape((L + 1) * C)
    hTf = hT.reshape((L + 1) * C)
    _column_totals(theta, c, totA, totC)
    total = 0.0
    nbatches = 0
    start = 0
    while start < N:
        nb = min(batch, N - start)
        gamma = ga[0]
        alpha = ga[1]
        _carries(totA, totC, P, carA, carC, cacc, False)
        if not sparse:
            _suffix_sums(theta, c, carA, carC, SA, SC)
        # stage the batch's rows first, in tight loops of independent loads (the random rows of X, Y and K
        # miss the caches; short loop bodies let many misses overlap), then the projections
        for bi in range(nb):
            idx = order[start + bi]
            yb[bi] = Y[idx]
            for k in range(d):
                xb[bi, k] = X[idx, k]
        for bi in range(nb):
            idx = order[start + bi]
            for g in range(D):
                kb[bi, g] = K[idx, g]
        for bi in range(nb):
            for g in range(D):
                tb[bi, g] = _proj(dirs, xb, bi, g)
        # S_b = sum over g (in this order) of t A_k + C_k; directions outside, so that the points' sums
        # are independent chains (one serial chain of D additions per point would bound the loop)
        for bi in range(nb):
            sb[bi] = 0.0
        for g in range(D):
            for bi in range(nb):
                q = kb[bi, g]
                if sparse:
                    row = q // C
                    A, B = _suffix_at(theta, c, carA, carC, row, q - row * C)
                else:
                    A = SAf[q]
                    B = SCf[q]
                sb[bi] += tb[bi, g] * A + B
        if leaky:
            for g in range(D):
                if sparse:
                    Atot[g], Ctot[g] = _suffix_at(theta, c, carA, carC, 0, g * P)
                else:
                    Atot[g] = SA[0, g * P]
                    Ctot[g] = SC[0, g * P]
        loss = 0.0
        gal = 0.0
        gga = 0.0
        for bi in range(nb):
            s = sb[bi]
            if leaky:
                sall = 0.0
                for g in range(D):
                    sall += tb[bi, g] * Atot[g] + Ctot[g]
                s = one_s * s + slope * sall
            r = alpha + gamma * s - yb[bi]
            loss += r * r
            rb = 2.0 * r / nb
            rbs[bi] = rb
            gal += rb
            gga += rb * s
        # histogram, direction by direction (each slot receives its points in batch order either way)
        for g in range(D):
            for bi in range(nb):
                q = kb[bi, g]
                rb = rbs[bi]
                hRf[q] += rb
                hTf[q] += rb * tb[bi, g]
        if leaky:
            for bi in range(nb):
                for g in range(D):
                    Tall[g] += rbs[bi] * tb[bi, g]
        # column totals of the histogram (rows 0..L-1 in ascending order), then the lower blocks' sums
        if sparse:  # only the touched columns can be nonzero
            for bi in range(nb):
                for g in range(D):
                    q = kb[bi, g]
                    touched[q - (q // C) * C] = True
            for col in range(C):
                if touched[col]:
                    touched[col] = False
                    a = 0.0
                    b = 0.0
                    for i in range(L):
                        a += hR[i, col]
                        b += hT[i, col]
                    totR[col] = a
                    totT[col] = b
                else:
                    totR[col] = 0.0
                    totT[col] = 0.0
        else:
            for col in range(C):
                totR[col] = 0.0
                totT[col] = 0.0
            for i in range(L):
                for col in range(C):
                    totR[col] += hR[i, col]
                    totT[col] += hT[i, col]
        _carries(totR, totT, P, carR, carT, cacc, True)
        if leaky:
            for col in range(C):
                TallC[col] = Tall[col // P]
            for g in range(D):
                Tall[g] = 0.0
        step += 1
        bc1 = 1.0 - beta1 ** step
        bc2sqrt = np.sqrt(1.0 - beta2 ** step)
        step_size = lr * bc2sqrt / bc1
        eps_hat = eps * bc2sqrt
        # one fused pass: R_k, T_k down the rows, gradient, Adam, the new column totals, the histogram
        # reset (the divider's sqrt and division per unit bound this loop; the rest runs beside them)
        for col in range(C):
            runR[col] = 0.0
            runT[col] = 0.0
            totA[col] = 0.0
            totC[col] = 0.0
        for i in range(L):
            for col in range(C):
                cj = c[i, col]
                rr = runR[col] + hR[i, col]
                rt = runT[col] + hT[i, col]
                runR[col] = rr
                runT[col] = rt
                hR[i, col] = 0.0
                hT[i, col] = 0.0
                gj = gamma * (one_s * ((rt + carT[col]) + cj * (rr + carR[col])) + slope * (TallC[col] + cj * gal))
                mj = m[i, col] + (1.0 - beta1) * (gj - m[i, col])
                vj = beta2 * v[i, col] + (1.0 - beta2) * gj * gj
                m[i, col] = mj
                v[i, col] = vj
                th = theta[i, col] - step_size * mj / (np.sqrt(vj) + eps_hat)
                theta[i, col] = th
                totA[col] += th
                totC[col] += th * cj
        for col in range(C):
            hR[L, col] = 0.0
            hT[L, col] = 0.0
        g2[0] = gga
        g2[1] = gal
        _adam(ga, g2, m2, v2, step_size, beta1, beta2, eps_hat)
        total += loss / nb
        nbatches += 1
        start += nb
    return total / max(nbatches, 1), step


@njit(**_JIT)
def _adam_torch(p, g, m, v, lr, beta1, beta2, eps, bc1, bc2sqrt):
    """PyTorch's form of the Adam update (the reference kernel's)."""
    step_size = lr / bc1
    for j in range(p.shape[0]):
        gj = g[j]
        m[j] = m[j] + (1.0 - beta1) * (gj - m[j])
        v[j] = beta2 * v[j] + (1.0 - beta2) * gj * gj
        p[j] -= step_size * m[j] / (np.sqrt(v[j]) / bc2sqrt + eps)


@njit(cache=True, nogil=True)
def adam_epoch_dense(X, Y, order, dirs, unit_dir, c, theta, ga, m, v, m2, v2, step, lr, batch, slope,
                     beta1, beta2, eps, hbuf, gbuf):
    """The reference epoch: dense O(BH) per batch, PyTorch's form of the Adam update (the engine before
    ENGINE_VERSION 2, kept as the tests' oracle and the benchmark's baseline); arrays are updated in place.

    X (N, d), Y (N,), order: the sample order of this epoch (int64, length N), dirs (D, d), unit_dir (H,),
    c (H,), theta (H,), ga (2,), Adam moments m, v (H,) and m2, v2 (2,), step: Adam steps so far, lr: this
    epoch's learning rate, batch: mini-batch size (the last batch may be smaller), slope: negative slope of
    the activation (0 for ReLU), hbuf (batch, H) and gbuf (H,) scratch. Returns (mean batch loss, step).
    """
    N = order.shape[0]
    H = theta.shape[0]
    D = dirs.shape[0]
    d = dirs.shape[1]
    proj = np.empty(D)
    rb = np.empty(batch)
    sb = np.empty(batch)
    g2 = np.empty(2)
    total = 0.0
    nbatches = 0
    start = 0
    while start < N:
        nb = min(batch, N - start)
        gamma = ga[0]
        alpha = ga[1]
        loss = 0.0
        for bi in range(nb):
            idx = order[start + bi]
            for gi in range(D):
                acc = 0.0
                for k in range(d):
                    acc += dirs[gi, k] * X[idx, k]
                proj[gi] = acc
            s = 0.0
            for j in range(H):
                z = proj[unit_dir[j]] + c[j]
                h = z if z > 0.0 else slope * z
                hbuf[bi, j] = h
                s += theta[j] * h
            r = alpha + gamma * s - Y[idx]
            loss += r * r
            rb[bi] = 2.0 * r / nb
            sb[bi] = s
        gal = 0.0
        gga = 0.0
        for bi in range(nb):
            gal += rb[bi]
            gga += rb[bi] * sb[bi]
        for j in range(H):
            gbuf[j] = 0.0
        for bi in range(nb):
            w = gamma * rb[bi]
            for j in range(H):
                gbuf[j] += w * hbuf[bi, j]
        step += 1
        bc1 = 1.0 - beta1 ** step
        bc2sqrt = np.sqrt(1.0 - beta2 ** step)
        _adam_torch(theta, gbuf, m, v, lr, beta1, beta2, eps, bc1, bc2sqrt)
        g2[0] = gga
        g2[1] = gal
        _adam_torch(ga, g2, m2, v2, lr, beta1, beta2, eps, bc1, bc2sqrt)
        total += loss / nb
        nbatches += 1
        start += nb
    return total / max(nbatches, 1), step


@njit(cache=True, nogil=True)
def predict(X, dirs, unit_dir, c, theta, gamma, alpha, slope):
    """f(x) = alpha + gamma * sum_j theta_j rho(u_{g(j)} . x + c_j) at the rows of X, O(N H)."""
    N = X.shape[0]
    H = theta.shape[0]
    D = dirs.shape[0]
    d = dirs.shape[1]
    out = np.empty(N)
    proj = np.empty(D)
    for i in range(N):
        for gi in range(D):
            acc = 0.0
            for k in range(d):
                acc += dirs[gi, k] * X[i, k]
            proj[gi] = acc
        s = 0.0
        for j in range(H):
            z = proj[unit_dir[j]] + c[j]
            s += theta[j] * (z if z > 0.0 else slope * z)
        out[i] = alpha + gamma * s
    return out


@njit(cache=True, nogil=True)
def hidden_features(X, dirs, unit_dir, c, slope):
    """The (N, H) matrix Phi[i, j] = rho(u_{g(j)} . x_i + c_j) (for the permutation-search optimisers)."""
    N = X.shape[0]
    H = c.shape[0]
    D = dirs.shape[0]
    d = dirs.shape[1]
    out = np.empty((N, H))
    proj = np.empty(D)
    for i in range(N):
        for gi in range(D):
            acc = 0.0
            for k in range(d):
                acc += dirs[gi, k] * X[i, k]
            proj[gi] = acc
        for j in range(H):
            z = proj[unit_dir[j]] + c[j]
            out[i, j] = z if z > 0.0 else slope * z
    return out
