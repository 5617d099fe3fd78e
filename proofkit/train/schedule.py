r"""When LaPerm permutes, and the learning rate per epoch (the authors' LaPerm protocol, arXiv 2407.01033 Sec. 4 and their code).

**Learning rate.** ``ExponentialLR(gamma=decay)`` stepped once per epoch: epoch e (from 0) trains with
:math:`lr_e = lr\cdot decay^e`, computed by repeated multiplication as PyTorch does.

**Period.** Constant :math:`k`, or the *relaxed* period :math:`k_e=\lceil k_0\,(2-decay)^{e/s}\rceil`
(``relaxed_scale`` s > 0; the authors' ``adjust_scale``), which grows as the learning rate decays
(:math:`k_0=5, s=10`: 18 at e = 6400).

**Trigger.** After the optimiser pass of epoch e (counted from 0):

* ``quirk=True`` (the authors' code): ``if (e + 1 - e0) == k_e: permute; e0 = e`` with ``e0 = 0`` at the
  start. The first permutation comes after k epochs (index k-1), the later ones every k-1 epochs: k = 5
  gives epochs 4, 8, 12, ..., 6396 (1599 permutations in 6400 epochs). A degenerate consequence: with a
  *constant* k = 1 the condition holds at e = 0 only, so the run permutes once; with the relaxed schedule
  :math:`k_e = 2` for every e >= 1, so k0 = 1 permutes after every epoch.
* ``quirk=False`` (the intended rule): permute when k_e epochs have passed since the previous permutation
  (``if (e + 1 - e0) == k_e: permute; e0 = e + 1``): epochs k-1, 2k-1, ... for a constant k.

These functions are the ones the trainer uses, so the documented epochs are tested on the real code path.
"""
from __future__ import annotations

import math

import numpy as np

__all__ = ["period", "permutation_epochs", "permutation_mask", "learning_rates"]


def period(epoch: int, k: int, relaxed_scale: float = 0.0, decay: float = 0.998) -> int:
    r"""The permutation period k_e of epoch e: k (constant, ``relaxed_scale`` = 0) or
    :math:`\lceil k\,(2-decay)^{e/s}\rceil` (relaxed, s = ``relaxed_scale`` > 0)."""
    if relaxed_scale and relaxed_scale > 0:
        return int(math.ceil(k * (2.0 - decay) ** (epoch / relaxed_scale)))
    return int(k)


def permutation_mask(epochs: int, k: int, relaxed_scale: float = 0.0, decay: float = 0.998,
                     quirk: bool = True) -> np.ndarray:
    """Boolean array of length ``epochs``: True where a permutation follows the epoch's optimiser pass."""
    mask = np.zeros(int(epochs), dtype=bool)
    e0 = 0
    for e in range(int(epochs)):
        if e + 1 - e0 == period(e, k, relaxed_scale, decay):
            mask[e] = True
            e0 = e if quirk else e + 1
    return mask


def permutation_epochs(epochs: int, k: int, relaxed_scale: float = 0.0, decay: float = 0.998,
                       quirk: bool = True) -> np.ndarray:
    """Indices (from 0) of the epochs after which LaPerm permutes; see the module docstring."""
    return np.flatnonzero(permutation_mask(epochs, k, relaxed_scale, decay, quirk))


def learning_rates(epochs: int, lr: float, decay: float) -> np.ndarray:
    """lr_e for e = 0..epochs-1 as ``ExponentialLR`` produces it (lr_{e+1} = lr_e * decay)."""
    out = np.empty(int(epochs))
    cur = float(lr)
    for e in range(int(epochs)):
        out[e] = cur
        cur *= decay
    return out
