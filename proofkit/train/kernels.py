r"""Compiled (numba) kernels for permutation training: one Adam epoch, batched prediction, Gram matrices.

The training network (any input dimension d) is

.. math:: f(x) = \alpha + \gamma\sum_{j=1}^{H}\theta_j\,\rho(u_{g(j)}\cdot x + c_j),

with a small set of fixed directions :math:`u_1..u_D\in\mathbb R^d` (1-D: :math:`u=\pm1`, so that unit j is
:math:`\varphi^\pm` with bias :math:`c_j`; 2-D: the paper's 8 directions; 3-D: 26), ``unit_dir`` :math:`g(j)`,
the frozen biases :math:`c_j`, the coefficients :math:`\theta` (the permuted pool values p_i, q_i), the
scale :math:`\gamma` and the shift :math:`\alpha`. :math:`\rho` is the ReLU or the leaky ReLU with negative
slope s.

One epoch (:func:`adam_epoch`) runs the mini-batches of a given sample order, each with the MSE loss
:math:`L=\frac1B\sum_b (f(x_b)-y_b)^2` and its exact gradient

.. math:: \partial_\alpha L=\sum_b r_b,\quad \partial_\gamma L=\sum_b r_b S_b,\quad
          \partial_{\theta_j}L=\gamma\sum_b r_b\,\rho(u_{g(j)}\cdot x_b+c_j),\qquad r_b=\tfrac2B(f(x_b)-y_b),

where :math:`S_b=\sum_j\theta_j\rho(\cdot)`, followed by the Adam update of PyTorch's ``torch.optim.Adam``
(non-foreach path, no weight decay, no amsgrad): :math:`m\leftarrow m+(1-\beta_1)(g-m)`,
:math:`v\leftarrow\beta_2v+(1-\beta_2)g^2`, :math:`p\leftarrow p-\frac{lr}{1-\beta_1^t}\,
m/(\sqrt{v}/\sqrt{1-\beta_2^t}+\epsilon)`. A batch costs :math:`O(BH)`: the dense product, one
code path for every input dimension. (The prefix-sum form, :math:`O(H+B\log B)` per batch with sorted
break-points, was not implemented: Adam's update is :math:`O(H)` per step anyway, and the dense kernel
already meets the speed target; see benchmarks/bench_train.py.) The trainer passes the units sorted by
(direction, bias), which keeps the ReLU branch predictable. Arithmetic is float64, sequential and without
fastmath, so results are bit-reproducible on one machine.

Kernels are compiled with ``cache=True`` (the first call on a machine compiles, later processes load).
"""
from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["adam_epoch", "predict", "hidden_features"]


@njit(cache=True, nogil=True)
def _adam(p, g, m, v, lr, beta1, beta2, eps, bc1, bc2sqrt):
    step_size = lr / bc1
    for j in range(p.shape[0]):
        gj = g[j]
        m[j] = m[j] + (1.0 - beta1) * (gj - m[j])
        v[j] = beta2 * v[j] + (1.0 - beta2) * gj * gj
        p[j] -= step_size * m[j] / (np.sqrt(v[j]) / bc2sqrt + eps)


@njit(cache=True, nogil=True)
def adam_epoch(X, Y, order, dirs, unit_dir, c, theta, ga, m, v, m2, v2, step, lr, batch, slope,
               beta1, beta2, eps, hbuf, gbuf):
    """One epoch of mini-batch Adam on (theta, ga=[gamma, alpha]); arrays are updated in place.

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
        _adam(theta, gbuf, m, v, lr, beta1, beta2, eps, bc1, bc2sqrt)
        g2[0] = gga
        g2[1] = gal
        _adam(ga, g2, m2, v2, lr, beta1, beta2, eps, bc1, bc2sqrt)
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
