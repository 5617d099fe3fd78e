r"""LaPerm, as the paper's experiments run it (arXiv 2407.01033, the training behind Figs. 2–8).

The first layer is frozen; the coefficient vector :math:`\theta=(p_1..p_n,q_1..q_n)` starts as the pool in
its initial positions; :math:`\gamma` starts at 1 and :math:`\alpha\sim U(-1,1)` (PyTorch's default for a
Linear(1,1) bias). Each epoch runs mini-batch Adam (MSE loss, fresh shuffle of the training set, learning
rate :math:`lr\cdot decay^e`) on :math:`(\theta,\gamma,\alpha)`; then, on the epochs given by
:mod:`proofkit.train.schedule`, it *synchronises*

.. math:: \mathrm{rank}=\operatorname{argsort}(\operatorname{argsort}(\theta)),\qquad
          \theta\leftarrow W_{\rm sorted}[\mathrm{rank}],

so the r-th smallest current coefficient takes the r-th smallest pool value and :math:`\theta` is again an
exact rearrangement of the pool (only :math:`\theta` is permuted; the Adam moments are kept). The trainer
tracks the permutation as indices: :math:`\theta=\text{pool}[\pi]` with :math:`\pi=\text{order}[\text{rank}]`
where ``order`` sorts the pool (stable sorts throughout, so ties resolve deterministically).

At the end the free coefficients are projected once more by the same rule (a no-op when the last epoch
ended with a permutation; otherwise the drift is tiny since the learning rate has decayed) and the result is
a :class:`proofkit.network.PermNetwork` with coefficients = pool[perm] bit for bit, scale = gamma, shift =
alpha. Float64 throughout (the authors' code is float32).

Random streams: the pool comes from ``experiment_pool(init, n, seed)``; alpha's initial value and the
per-epoch batch order from ``numpy.random.default_rng(SeedSequence([seed, 1]))``; the data from
``data_seed``. Same config, same machine -> bit-identical result.
"""
from __future__ import annotations

import time

import numpy as np

from ..network import PermNetwork
from . import kernels
from .config import TrainConfig, TrainResult
from .eventlog import PermutationLog
from .ndnet import NDPermNetwork
from .problem import Problem, build_problem
from .schedule import learning_rates, permutation_mask

__all__ = ["train_laperm", "rank_match", "finish", "BETA1", "BETA2", "EPS"]

BETA1, BETA2, EPS = 0.9, 0.999, 1e-8  # torch.optim.Adam defaults


def rank_match(theta: np.ndarray, order: np.ndarray) -> np.ndarray:
    r"""The permutation :math:`\pi` with pool[:math:`\pi`] = W_sorted[rank(theta)]: the l2-nearest
    rearrangement of the pool to ``theta`` (rearrangement inequality). ``order`` = argsort(pool, stable)."""
    rank = np.empty(len(theta), dtype=np.int64)
    rank[np.argsort(theta, kind="stable")] = np.arange(len(theta))
    return order[rank]


def _metrics(pred, y):
    err = pred - y
    return float(np.mean(err * err)), float(np.max(np.abs(err)))


def finish(prob: Problem, perm: np.ndarray, gamma: float, alpha: float, provenance: dict):
    """The output network of a problem for a permutation and (gamma, alpha), and its test (L_inf, MSE).

    1-D: a :class:`PermNetwork` in user coordinates (biases c', scale gamma/h; see
    :mod:`proofkit.train.problem`), evaluated by its own evaluator. 2-D/3-D: an :class:`NDPermNetwork`.
    """
    cfg = prob.config
    if cfg.dim == 1:
        w = np.where(prob.unit_dir == 0, 1, -1).astype(np.int8)
        net = PermNetwork(w, prob.user_biases(), prob.pool, perm, scale=gamma / prob.half, shift=alpha,
                          domain=cfg.domain, activation=cfg.activation, provenance=provenance)
        pred = net(prob.x_test[:, 0])
    else:
        net = NDPermNetwork(prob.dirs, prob.unit_dir, prob.user_biases(), prob.pool, perm,
                            scale=gamma / prob.half, shift=alpha, domain=cfg.domain,
                            activation=cfg.activation, provenance=provenance)
        pred = net(prob.x_test)
    mse, linf = _metrics(pred, prob.Yt)
    return net, linf, mse


def provenance(cfg: TrainConfig, **extra) -> dict:
    """The provenance record written into the output network."""
    from .. import __version__

    d = {"trainer": cfg.method, "target": cfg.target, "init": cfg.init, "seed": cfg.seed, "n": cfg.n,
         "k": cfg.k, "relaxed_scale": cfg.relaxed_scale, "epochs": cfg.epochs, "batch": cfg.batch,
         "lr": cfg.lr, "decay": cfg.decay, "layout": cfg.layout, "quirk": cfg.quirk, "dim": cfg.dim,
         "data_seed": cfg.data_seed, "proofkit": __version__, "engine": kernels.ENGINE_VERSION}
    d.update(extra)
    return d


def train_laperm(cfg: TrainConfig, progress=None, problem: Problem | None = None, monitor=None) -> TrainResult:
    """Run LaPerm on a configuration and return the :class:`TrainResult`.

    ``progress(epoch, loss, permutations)`` is called after every epoch when given (the CLI's progress
    bar); ``monitor(epoch, perm, theta)`` after every permutation step with the permutation and a copy of
    the coefficient vector (original unit order). Neither changes the result. ``problem`` may pass a
    prebuilt :func:`build_problem` result.
    """
    t0 = time.perf_counter()
    prob = problem if problem is not None else build_problem(cfg)
    H = prob.H
    rng = np.random.default_rng(np.random.SeedSequence([cfg.seed, 1]))
    # Internal unit order: the (L, C) matrix of kernels.unit_layout (units sorted by bias within each
    # direction), flattened. Internal position i is original position sidx[i]; the permutation is always
    # kept in original positions.
    layout, L, P = kernels.unit_layout(prob.unit_dir, prob.c, len(prob.dirs))
    sidx = layout.reshape(-1)
    c_s, ud_s = np.ascontiguousarray(prob.c[sidx]), np.ascontiguousarray(prob.unit_dir[sidx])
    theta = prob.pool[sidx].copy()  # theta (internal order) = pool[perm][sidx]
    order = np.argsort(prob.pool, kind="stable")
    perm = np.arange(H, dtype=np.int64)
    ga = np.array([1.0, rng.uniform(-1.0, 1.0)])  # gamma, alpha
    m, v = np.zeros(H), np.zeros(H)
    m2, v2 = np.zeros(2), np.zeros(2)
    c_m, theta_m, m_m, v_m = (a.reshape(layout.shape) for a in (c_s, theta, m, v))  # (L, C) views
    K = kernels.bucket_table(prob.X, prob.dirs, c_m, P)
    sparse = kernels.sparse_batches(cfg.batch, len(prob.dirs), L, H // L)
    mask = permutation_mask(cfg.epochs, cfg.k, cfg.relaxed_scale, cfg.decay, cfg.quirk)
    lrs = learning_rates(cfg.epochs, cfg.lr, cfg.decay)
    losses = np.full(cfg.epochs, np.nan)
    log = PermutationLog(H) if cfg.log_events else None
    evals = {"eval_epoch": [], "test_mse": [], "test_linf": []}
    N = len(prob.Y)
    step = 0
    nperm = 0
    epochs_run = 0
    slope = cfg.slope

    def test_metrics():
        pred = kernels.predict(prob.Xt, prob.dirs, ud_s, c_s, theta, ga[0], ga[1], slope)
        return _metrics(pred, prob.Yt)

    for e in range(cfg.epochs):
        batch_order = rng.permutation(N)
        loss, step = kernels.adam_epoch(prob.X, prob.dirs, K, prob.Y, batch_order, c_m, P, theta_m, ga, m_m, v_m,
                                        m2, v2, step, lrs[e], cfg.batch, slope, BETA1, BETA2, EPS, sparse)
        losses[e] = loss
        epochs_run = e + 1
        if mask[e]:
            new = np.empty(H, dtype=np.int64)
            new[sidx] = rank_match(theta, order)
            theta[:] = prob.pool[new[sidx]]
            if log is not None:
                # position i changed rank <=> it now holds another pool value's slot (order is a bijection)
                mse, linf = test_metrics()
                log.record(e, new != perm, mse, linf)
            perm = new
            nperm += 1
            if monitor is not None:
                th = np.empty(H)
                th[sidx] = theta
                monitor(e, perm.copy(), th)
        if cfg.eval_every and (e + 1) % cfg.eval_every == 0:
            mse, linf = test_metrics()
            evals["eval_epoch"].append(e)
            evals["test_mse"].append(mse)
            evals["test_linf"].append(linf)
        if progress is not None:
            progress(e, loss, nperm)
        if cfg.time_limit is not None and time.perf_counter() - t0 > cfg.time_limit:
            break
    theta_orig = np.empty(H)
    theta_orig[sidx] = theta
    theta = theta_orig
    perm = rank_match(theta, order)
    drift = float(np.max(np.abs(theta - prob.pool[perm]))) if H else 0.0
    gamma, alpha = float(ga[0]), float(ga[1])
    net, linf, mse = finish(prob, perm, gamma, alpha, provenance(cfg, epochs_run=epochs_run, permutations=nperm))
    history = {"loss": losses[:epochs_run], "lr": lrs[:epochs_run]}
    if cfg.eval_every:
        history.update({k: np.array(val) for k, val in evals.items()})
    return TrainResult(cfg, net, linf, mse, history, log, time.perf_counter() - t0, nperm, drift, epochs_run)
