r"""The permutation-event log: the data behind Fig. 6 (arXiv 2407.01033, Fig. 6).

At every permutation step t LaPerm replaces :math:`\theta` by :math:`W_{\rm sorted}[\mathrm{rank}(\theta)]`.
The log records, per step: the epoch index, which of the H positions changed rank since the previous
permutation (the first step compares with the initial positions), stored bit-packed row by row with
``numpy.packbits`` (H bits -> ceil(H/8) bytes), how many changed (the "frequency" of Fig. 6(b)), and the
test MSE and L_inf of the network right after the permutation (Fig. 6(c) plots the MSE).

Saved as ``.npz`` with arrays ``epoch``, ``changed_packed``, ``count``, ``test_mse``, ``test_linf`` and
the scalar ``width`` (H).
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field

import numpy as np

from .._io import atomic_write_bytes
from .config import TrainError

__all__ = ["PermutationLog"]


@dataclass(eq=False)
class PermutationLog:
    """Growing record of permutation events for a network of hidden width ``width`` (H)."""

    width: int
    epoch: list = field(default_factory=list)
    packed: list = field(default_factory=list)
    count: list = field(default_factory=list)
    test_mse: list = field(default_factory=list)
    test_linf: list = field(default_factory=list)

    def record(self, epoch: int, changed: np.ndarray, mse: float, linf: float) -> None:
        """Append one event; ``changed`` is a boolean array of length H."""
        changed = np.asarray(changed, dtype=bool)
        if changed.shape != (self.width,):
            raise ValueError(f"changed must have shape ({self.width},)")
        self.epoch.append(int(epoch))
        self.packed.append(np.packbits(changed))
        self.count.append(int(changed.sum()))
        self.test_mse.append(float(mse))
        self.test_linf.append(float(linf))

    def __len__(self):
        return len(self.epoch)

    def changed(self, t=None) -> np.ndarray:
        """The boolean (events, H) matrix (or row t) of positions that changed rank."""
        if t is not None:
            return np.unpackbits(self.packed[t], count=self.width).astype(bool)
        if not self.packed:
            return np.zeros((0, self.width), dtype=bool)
        return np.unpackbits(np.stack(self.packed), axis=1, count=self.width).astype(bool)

    def arrays(self) -> dict:
        """The log as a dict of numpy arrays (the .npz content)."""
        nbytes = (self.width + 7) // 8
        packed = np.stack(self.packed) if self.packed else np.zeros((0, nbytes), np.uint8)
        return {"epoch": np.array(self.epoch, dtype=np.int64), "changed_packed": packed,
                "count": np.array(self.count, dtype=np.int64), "test_mse": np.array(self.test_mse),
                "test_linf": np.array(self.test_linf), "width": np.int64(self.width)}

    def save(self, path) -> None:
        """Write the .npz atomically."""
        buf = io.BytesIO()
        np.savez_compressed(buf, **self.arrays())
        atomic_write_bytes(path, buf.getvalue())

    @classmethod
    def load(cls, path) -> "PermutationLog":
        """Read a log written by :meth:`save` (TrainError when a field is missing)."""
        try:
            with np.load(path, allow_pickle=False) as z:
                width = int(z["width"])
                log = cls(width)
                log.epoch = z["epoch"].tolist()
                log.packed = list(z["changed_packed"])
                log.count = z["count"].tolist()
                log.test_mse = z["test_mse"].tolist()
                log.test_linf = z["test_linf"].tolist()
        except KeyError as exc:
            raise TrainError(f"permutation log {path}: missing array {exc}") from None
        return log
