r"""Permutation training: LaPerm with the paper's protocol, fast kernels, and permutation-search optimisers.

The trained network is :math:`f(x)=\alpha+\gamma\sum_i(p_i\varphi_i^+(x)+q_i\varphi_i^-(x))` with the first
layer frozen and :math:`(p,q)=\tau(W)` a permutation of the pool W (the network of Theorems 1–3); only the arrangement
:math:`\tau` and the scalars :math:`\alpha,\gamma` are learned.

Public API (stable; the experiment sweeps build on it):

* :class:`TrainConfig` / :class:`TrainResult` (:mod:`proofkit.train.config`);
* :func:`run` (config) -> TrainResult, a pure function of the config (dispatches on ``config.method``);
* :func:`train_laperm` (:mod:`proofkit.train.laperm`), the paper's algorithm;
* :func:`proofkit.train.search.train_search`: rank-matched least squares, pairwise-swap local search and
  annealing over permutations;
* :func:`permutation_epochs` (:mod:`proofkit.train.schedule`), :class:`PermutationLog`
  (:mod:`proofkit.train.eventlog`), the PyTorch interop in :mod:`proofkit.train.torchio`;
* :data:`ENGINE_VERSION` (:mod:`proofkit.train.kernels`), the version of the training arithmetic (part of
  the run-cache key and of every trained network's provenance).
"""
from __future__ import annotations

from .config import METHODS, TrainConfig, TrainError, TrainResult
from .eventlog import PermutationLog
from .kernels import ENGINE_VERSION
from .laperm import train_laperm
from .schedule import permutation_epochs

__all__ = ["TrainConfig", "TrainResult", "TrainError", "METHODS", "ENGINE_VERSION", "run", "train_laperm",
           "PermutationLog", "permutation_epochs"]


def run(config: TrainConfig, progress=None) -> TrainResult:
    """Train according to ``config`` (LaPerm or a search method) and return the result.

    Deterministic: equal configs give bit-identical networks on one machine (unless ``time_limit`` stops
    a run early). Suitable for ``joblib.Parallel`` sweeps (the config and the result are picklable).
    """
    if config.method == "laperm":
        return train_laperm(config, progress=progress)
    from .search import train_search

    return train_search(config, progress=progress)
