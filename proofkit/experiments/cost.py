r"""Estimated wall time of a training run: a per-epoch cost model of the trainer.

Used to schedule sweeps (figures cheapest first, runs largest first), to estimate the time left in progress
lines, and to size quick mode (``proofkit figures --list`` prints the estimate per figure). It is only an
estimate: nothing in a result depends on it.

One epoch of LaPerm (a pass of Adam over the N training points, then possibly a permutation) costs about

.. math:: t_{\text{epoch}}(n) = \frac{N}{N_{\text{paper}}}\,\bigl(c_0 + c_1\,n\bigr)

seconds on one core, with :math:`N_{\text{paper}}` = 1600 (1-D) or 51 200 (2-D/3-D) and :math:`(c_0, c_1)`
per dimension at the paper's batch sizes (8 in 1-D, 128 in 2-D, 640 in 3-D). A run costs
:math:`E\,t_{\text{epoch}}` for E epochs. **When the training engine changes, re-measure and update**
:data:`EPOCH_COST` (``python benchmarks/bench_train.py`` prints per-epoch times); the quick-mode widths and
seeds of the figure modules were chosen with the values below.
"""
from __future__ import annotations

__all__ = ["EPOCH_COST", "PAPER_TRAIN_SIZE", "epoch_seconds", "run_seconds"]

#: (c0, c1) in seconds of :math:`t_{\text{epoch}} = c_0 + c_1 n`: CPU time (``time.process_time``, best of 2)
#: of single runs with training engine version 2 (:data:`proofkit.train.ENGINE_VERSION`) on the project's
#: 2-core machine: 1-D n = 10 / 160 / 1280 at 0.076 / 0.26 / 1.13 ms; 2-D (batch 128) n = 10 / 80 / 320 at
#: 2.5 / 3.2 / 4.8 ms; 3-D (batch 640) n = 10 / 80 / 320 at 7.1 / 7.6 / 10.1 ms. (CPU time, because the
#: machine was shared when measured: wall times were about 3 times longer.)
EPOCH_COST = {1: (0.08e-3, 0.00082e-3), 2: (2.4e-3, 0.0077e-3), 3: (7.0e-3, 0.0097e-3)}
PAPER_TRAIN_SIZE = {1: 1600, 2: 51200, 3: 51200}


def epoch_seconds(dim: int, n: int, n_train: int | None = None) -> float:
    """Estimated seconds of one epoch at width n (``n_train`` training points, default the paper's)."""
    c0, c1 = EPOCH_COST[int(dim)]
    size = PAPER_TRAIN_SIZE[int(dim)]
    return (n_train or size) / size * (c0 + c1 * int(n))


def run_seconds(config: dict) -> float:
    """Estimated seconds of one sweep configuration (:func:`proofkit.experiments.runs.train_config`)."""
    t = config["train"]
    dim = int(t.get("dim", 1))
    return float(t.get("epochs", 6400)) * epoch_seconds(dim, t.get("n", 160), t.get("n_train"))
