r"""Permutation search: optimise the arrangement of the pool directly instead of through Adam (not LaPerm).

With the hidden features :math:`\Phi_{ij}=\rho(u_{g(j)}\cdot x_i+c_j)` on the N training points, the
training loss of an arrangement :math:`a=\text{pool}[\pi]` is

.. math:: L(\pi,\alpha,\gamma)=\tfrac1N\|\alpha\mathbf 1+\gamma\Phi a-y\|^2 .

:math:`\alpha` is eliminated by centring (:math:`\bar\Phi=\Phi-\mathbf 1\mu^T`, :math:`\bar y=y-\bar y\mathbf 1`),
leaving :math:`L=\gamma^2a^TGa-2\gamma b^Ta+\text{const}` with the Gram matrix :math:`G=\bar\Phi^T\bar\Phi/N`
and :math:`b=\bar\Phi^T\bar y/N`; for fixed :math:`a` the best :math:`\gamma=b^Ta/a^TGa`.

Methods (``TrainConfig.method``):

* ``rankfit`` — fit free coefficients :math:`u=(G+\lambda I)^{-1}b` (ridge, tiny :math:`\lambda`), take
  :math:`\gamma` from the regression of sorted u on the sorted pool, and put the pool in the order of
  :math:`u/\gamma`: by the rearrangement inequality this is the :math:`\ell^2`-nearest permutation of the pool
  to :math:`u/\gamma`. Then alternate: refit :math:`\gamma`, move the target to the proximal point
  :math:`u=(\gamma^2G+\mu I)^{-1}(\gamma b+\mu a)` and rank-match again; keep the best.
* ``swap`` — ``rankfit``, then local search over transpositions. Swapping positions i, j changes a by
  :math:`\delta(e_i-e_j)`, :math:`\delta=a_j-a_i`, and the loss by exactly

  .. math:: \Delta L=2\gamma\delta(r_i-r_j)+\gamma^2\delta^2(G_{ii}+G_{jj}-2G_{ij}),\qquad r=\gamma Ga-b,

  an O(1) evaluation; an accepted swap updates r in O(H). Each sweep takes, for every i, the best j
  (O(H^2) per sweep) and refits :math:`\gamma` between sweeps, until no swap improves. With
  ``search_restarts`` > 1 the best arrangement is perturbed by random swaps and searched again
  (iterated local search).
* ``anneal`` — ``rankfit``, then simulated annealing with random transpositions (Metropolis rule on the
  exact :math:`\Delta L`, 200 H proposals, geometric cooling from 1% of a typical swap's :math:`|\Delta L|`),
  then ``swap`` to a local minimum. On the sine benchmarks it does not beat ``swap`` (the best-improvement
  descent from the rank-matched start is hard to improve by random moves); it is kept as an option.

The result is a network whose coefficients are ``pool[perm]`` exactly, with :math:`\gamma` and
:math:`\alpha=\bar y-\gamma\mu^Ta` refitted; deterministic in the config (random choices use
``SeedSequence([seed, 2])``) unless ``time_limit`` cuts a run short.
"""
from __future__ import annotations

import time

import numpy as np
from numba import njit

from . import kernels
from .config import TrainConfig, TrainResult
from .laperm import finish, provenance, rank_match
from .problem import build_problem

__all__ = ["train_search", "gram_system", "swap_search", "anneal"]


def gram_system(Phi: np.ndarray, y: np.ndarray):
    """(G, b, mu, ybar): the centred normal equations of the loss (see the module docstring)."""
    N = Phi.shape[0]
    mu = Phi.mean(axis=0)
    ybar = float(y.mean())
    Pc = Phi - mu
    G = (Pc.T @ Pc) / N
    b = (Pc.T @ (y - ybar)) / N
    return np.ascontiguousarray(G), b, mu, ybar


def _loss(G, b, a, gamma, c0):
    return float(gamma * gamma * (a @ G @ a) - 2.0 * gamma * (b @ a) + c0)


def _best_gamma(G, b, a):
    q = float(a @ G @ a)
    return float(b @ a) / q if q > 0 else 1.0


@njit(cache=True, nogil=True)
def swap_search(G, b, pool, perm, gamma, max_sweeps, tol, refit):
    """Best-improvement transposition search; perm is updated in place.

    Each sweep visits every position i, finds the best partner j by the exact O(1) loss change of the
    module docstring and applies it when it lowers the loss by more than ``tol``; with ``refit`` the scale
    gamma is refitted (gamma = b.a / a.G.a) after every sweep. Stops after a sweep without a swap.
    Returns (accepted swaps, sweeps, gamma).
    """
    H = perm.shape[0]
    a = np.empty(H)
    for i in range(H):
        a[i] = pool[perm[i]]
    diag = np.empty(H)
    for i in range(H):
        diag[i] = G[i, i]
    accepted = 0
    sweeps = 0
    for _ in range(max_sweeps):
        Ga = G @ a
        if refit:
            q = a @ Ga
            if q > 0.0:
                gamma = (b @ a) / q
        r = gamma * Ga - b
        g2 = gamma * gamma
        sweeps += 1
        improved = False
        for i in range(H):
            best = -tol
            bj = -1
            ai = a[i]
            ri = r[i]
            Gii = diag[i]
            for j in range(H):
                d = a[j] - ai
                if d == 0.0:
                    continue
                dl = 2.0 * gamma * d * (ri - r[j]) + g2 * d * d * (Gii + diag[j] - 2.0 * G[i, j])
                if dl < best:
                    best = dl
                    bj = j
            if bj >= 0:
                j = bj
                d = a[j] - a[i]
                gd = gamma * d
                for t in range(H):
                    r[t] += gd * (G[i, t] - G[j, t])  # G is symmetric: rows are contiguous
                a[i], a[j] = a[j], a[i]
                perm[i], perm[j] = perm[j], perm[i]
                accepted += 1
                improved = True
        if not improved:
            break
    return accepted, sweeps, gamma


@njit(cache=True, nogil=True)
def anneal(G, b, pool, perm, gamma, proposals, t0, t1, seed):
    """Simulated annealing over transpositions (Metropolis on the exact Delta L, temperature t0 -> t1
    geometrically over ``proposals`` steps); perm is updated in place. Returns accepted moves."""
    np.random.seed(seed)
    H = perm.shape[0]
    a = np.empty(H)
    for i in range(H):
        a[i] = pool[perm[i]]
    r = gamma * (G @ a) - b
    g2 = gamma * gamma
    ratio = (t1 / t0) ** (1.0 / max(proposals - 1, 1))
    T = t0
    acc = 0
    for _ in range(proposals):
        i = np.random.randint(H)
        j = np.random.randint(H)
        d = a[j] - a[i]
        if d != 0.0:
            dl = 2.0 * gamma * d * (r[i] - r[j]) + g2 * d * d * (G[i, i] + G[j, j] - 2.0 * G[i, j])
            if dl < 0.0 or np.random.random() < np.exp(-dl / T):
                gd = gamma * d
                for t in range(H):
                    r[t] += gd * (G[i, t] - G[j, t])  # G is symmetric: rows are contiguous
                a[i], a[j] = a[j], a[i]
                perm[i], perm[j] = perm[j], perm[i]
                acc += 1
        T *= ratio
    return acc


def _rankfit(G, b, pool, order, c0, iters=12):
    """Rank-matched least squares with proximal alternation; returns (perm, gamma, loss)."""
    H = len(pool)
    lam = 1e-9 * max(float(np.trace(G)) / H, 1e-300)
    u = np.linalg.solve(G + lam * np.eye(H), b)
    su, sp = np.sort(u), np.sort(pool)
    gamma = float(su @ sp) / float(sp @ sp) if float(sp @ sp) > 0 else 1.0
    if gamma == 0.0:
        gamma = 1.0
    perm = rank_match(u / gamma, order)
    a = pool[perm]
    gamma = _best_gamma(G, b, a)
    best = (perm.copy(), gamma, _loss(G, b, a, gamma, c0))
    mu = 1e-3 * float(np.trace(G)) / H * gamma * gamma
    for _ in range(iters):
        u = np.linalg.solve(gamma * gamma * G + mu * np.eye(H), gamma * b + mu * a)
        perm = rank_match(u, order)
        a = pool[perm]
        gamma = _best_gamma(G, b, a)
        loss = _loss(G, b, a, gamma, c0)
        if loss < best[2]:
            best = (perm.copy(), gamma, loss)
        mu *= 3.0
    return best


def _local_search(G, b, pool, perm, gamma, c0):
    """Swap sweeps with a gamma refit after each, until a sweep finds no improving swap."""
    acc, _, gamma = swap_search(G, b, pool, perm, gamma, 100000, 1e-15, True)
    gamma = _best_gamma(G, b, pool[perm])
    return perm, gamma, _loss(G, b, pool[perm], gamma, c0), acc


def train_search(cfg: TrainConfig, progress=None) -> TrainResult:
    """Run the permutation-search method ``cfg.method`` (rankfit | swap | anneal); see the module docstring.

    The Adam-specific fields (epochs, batch, lr, decay, k) are ignored; ``time_limit`` bounds the search.
    """
    t0 = time.perf_counter()
    deadline = t0 + (cfg.time_limit if cfg.time_limit is not None else float("inf"))
    prob = build_problem(cfg)
    pool = prob.pool
    order = np.argsort(pool, kind="stable")
    Phi = kernels.hidden_features(prob.X, prob.dirs, prob.unit_dir, prob.c, cfg.slope)
    G, b, mu, ybar = gram_system(Phi, prob.Y)
    del Phi
    c0 = float(np.mean((prob.Y - ybar) ** 2))
    hist_t, hist_loss = [], []

    def note(loss, step, count):
        hist_t.append(time.perf_counter() - t0)
        hist_loss.append(loss)
        if progress is not None:
            progress(step, loss, count)

    perm, gamma, loss = _rankfit(G, b, pool, order, c0)
    note(loss, 0, 0)
    swaps = 0
    if cfg.method in ("swap", "anneal"):
        rng = np.random.default_rng(np.random.SeedSequence([cfg.seed, 2]))
        best = (perm.copy(), gamma, loss)
        for restart in range(cfg.search_restarts):
            p = best[0].copy()
            g = best[1]
            if cfg.method == "anneal":
                # temperature scale: the loss change of a typical random swap at the start
                H = len(pool)
                i, j = rng.integers(0, H, 64), rng.integers(0, H, 64)
                d = pool[p[j]] - pool[p[i]]
                scale = float(np.median(g * g * d * d * (G[i, i] + G[j, j] - 2 * G[i, j]))) + 1e-300
                seed = int(rng.integers(2 ** 31))
                swaps += anneal(G, b, pool, p, g, 200 * H, 0.01 * scale, 1e-6 * scale, seed)
                g = _best_gamma(G, b, pool[p])
            elif restart > 0:
                H = len(pool)
                for _ in range(max(2, H // 20)):
                    i, j = rng.integers(0, H, 2)
                    p[i], p[j] = p[j], p[i]
            p, g, lo, acc = _local_search(G, b, pool, p, g, c0)
            swaps += acc
            note(lo, restart + 1, swaps)
            if lo < best[2]:
                best = (p.copy(), g, lo)
            if time.perf_counter() > deadline:
                break
        perm, gamma, loss = best
    alpha = ybar - gamma * float(mu @ pool[perm])
    net, linf, mse = finish(prob, perm, gamma, alpha, provenance(cfg, train_mse=loss, swaps=swaps))
    history = {"seconds": np.array(hist_t), "train_mse": np.array(hist_loss)}
    return TrainResult(cfg, net, linf, mse, history, None, time.perf_counter() - t0, 0, 0.0, 0)
