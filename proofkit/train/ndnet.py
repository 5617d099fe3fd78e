r"""Permutation networks on 2-D and 3-D inputs (the paper's "2-8n-1-1" and "3-26n-1-1", PAPER.md §5.3–5.4).

.. math:: f(x) = \alpha + \gamma\sum_{j=1}^{H}a_j\,\rho(u_{g(j)}\cdot x + c_j),\qquad a=\text{pool}[\text{perm}],

with fixed directions :math:`u_g` (8 in 2-D, 26 in 3-D). :class:`proofkit.network.PermNetwork` is 1-D only,
so this small record is the trainer's output for dim > 1: it evaluates itself with a dense numpy product
(independent of the training kernels, which the tests compare against it), checks its permutation
bitwise and saves as JSON (format ``proofkit.permnet-nd/1``).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .._io import atomic_write_json
from ..network import parse_activation

__all__ = ["NDPermNetwork", "ND_FORMAT"]

ND_FORMAT = "proofkit.permnet-nd/1"


@dataclass(frozen=True, eq=False)
class NDPermNetwork:
    """directions (D, d), unit_dir (H,), biases (H,), pool (H,), permutation (H,), scale, shift, domain
    (the cube [a, b]^d), activation, provenance."""

    directions: np.ndarray
    unit_dir: np.ndarray
    biases: np.ndarray
    pool: np.ndarray
    permutation: np.ndarray
    scale: float = 1.0
    shift: float = 0.0
    domain: tuple = (-1.0, 1.0)
    activation: str = "relu"
    provenance: dict = field(default_factory=dict)

    @property
    def coefficients(self) -> np.ndarray:
        """a = pool[permutation]."""
        return np.asarray(self.pool)[np.asarray(self.permutation)]

    @property
    def dim(self) -> int:
        return int(np.asarray(self.directions).shape[1])

    def __call__(self, X) -> np.ndarray:
        """f(x) at the rows of X (N, d), dense numpy in chunks."""
        X = np.atleast_2d(np.asarray(X, dtype=float))
        W = np.asarray(self.directions)[np.asarray(self.unit_dir)]  # (H, d)
        s = float(parse_activation(self.activation))
        a = self.coefficients
        out = np.empty(len(X))
        for i in range(0, len(X), 4096):
            z = X[i:i + 4096] @ W.T + self.biases
            out[i:i + 4096] = self.shift + self.scale * (np.where(z > 0, z, s * z) @ a)
        return out

    def check_permutation(self) -> bool:
        """True when the permutation is a bijection (so the coefficients are the pool's values, bitwise)."""
        perm = np.asarray(self.permutation)
        return bool(np.array_equal(np.sort(perm), np.arange(len(self.pool))))

    def to_dict(self) -> dict:
        """JSON-ready dictionary (floats round-trip through repr)."""
        return {"format": ND_FORMAT, "domain": list(self.domain), "activation": self.activation,
                "directions": np.asarray(self.directions).tolist(),
                "unit_dir": np.asarray(self.unit_dir).astype(int).tolist(),
                "biases": np.asarray(self.biases).tolist(), "pool": np.asarray(self.pool).tolist(),
                "permutation": np.asarray(self.permutation).astype(int).tolist(),
                "coefficients": self.coefficients.tolist(), "scale": float(self.scale),
                "shift": float(self.shift), "provenance": self.provenance}

    def save(self, path) -> None:
        """Write the JSON file atomically."""
        atomic_write_json(path, self.to_dict())
