r"""The optional ``blocks`` section of a network file: which block of the construction uses which pairs,
and where on the x-axis it acts (schema in docs/formats.md).

A network file (``proofkit.permnet/1``) may carry

.. code-block:: json

    "blocks": {"format": "proofkit.blocks/1", "theorem": "1",
               "groups": [{"kind": "step", "pairs": [[k1, k2, k3, k4], ...], "sign": [1, -1, ...],
                           "support": [[c1, c4], ...], "location": [s1, ...]},
                          {"kind": "linear", "pairs": [[u], ...]}]}

Kinds: ``step`` (four-pair step block of the paper), ``ramp`` (anchored ramp), ``constant``
(constant-matching block), ``linear`` (pairs in linear mode: the linear reorganisation of the
unused pairs). ``pairs`` are pair indices of the theory layout (pair k = units k and n + k);
``support`` is the interval where the block's function is not constant (omitted: the whole domain, as
for pairs in linear mode); ``sign`` is the block's sign :math:`a_j`; ``location`` the step :math:`s_j`
it stands for. Readers that do not know the section ignore it (the network is fully described without it).

:func:`blocks_section` writes it from a construction (Theorem 1; other constructions return None until
they expose their blocks); :func:`read_blocks` validates it (one-line :class:`BlocksError`).
"""
from __future__ import annotations

import math

import numpy as np

from ..errors import ProofkitError

__all__ = ["BLOCKS_FORMAT", "KINDS", "BlocksError", "BlockGroup", "blocks_section", "read_blocks", "save_network",
           "construction_blocks"]

BLOCKS_FORMAT = "proofkit.blocks/1"
KINDS = ("step", "ramp", "constant", "linear")


class BlocksError(ProofkitError):
    """A malformed ``blocks`` section (the message names the field)."""


class BlockGroup:
    """One group of a ``blocks`` section, as numpy arrays: kind, pairs (list of int arrays), sign (int
    array or None), support ((m, 2) float array or None = whole domain), location (array or None)."""

    def __init__(self, kind, pairs, sign=None, support=None, location=None):
        self.kind, self.pairs, self.sign, self.support, self.location = kind, pairs, sign, support, location

    def __len__(self):
        return len(self.pairs)


def blocks_section(construction) -> dict | None:
    """The ``blocks`` section of a Theorem-1 construction (None for constructions that do not expose
    their blocks)."""
    m = getattr(construction, "matching", None)
    unused = getattr(construction, "unused", None)
    if m is None or unused is None:
        return None
    groups = []
    t = float(getattr(construction, "origin", 0) or 0)  # a build on y = x - t: geometry back in x
    if m.blocks:
        groups.append({"kind": "step", "pairs": m.pairs().astype(int).tolist(),
                       "sign": m.signs.astype(int).tolist(),
                       "support": (np.stack([m.c1, m.c4], axis=1) + t).tolist(),
                       "location": (np.asarray(m.locations, float) + t).tolist()})
    lin = sorted(int(k) for k in unused.assign)
    if lin:
        groups.append({"kind": "linear", "pairs": [[k] for k in lin]})
    return {"format": BLOCKS_FORMAT, "theorem": str(construction.theorem), "groups": groups}


def construction_blocks(construction):
    """The construction's blocks as [BlockGroup, ...] (None when it does not expose them)."""
    sec = blocks_section(construction)
    return None if sec is None else read_blocks(sec, construction.net.width // 2)


def save_network(construction, path) -> None:
    """Write the construction's network file (``proofkit.permnet/1``) with its ``blocks`` section when the
    construction has one; atomic, like :meth:`proofkit.network.PermNetwork.save`."""
    from .._io import atomic_write_json

    data = construction.net.to_dict()
    sec = blocks_section(construction)
    if sec is not None:
        data["blocks"] = sec
    atomic_write_json(path, data, indent=construction.net.json_indent)


def _ints(v, field):
    if not (isinstance(v, list) and all(isinstance(x, int) and not isinstance(x, bool) for x in v)):
        raise BlocksError(f"blocks: {field} must be a list of integers")
    return np.array(v, dtype=np.int64)


def _numbers(v, field):
    if not (isinstance(v, list) and all(isinstance(x, (int, float)) and not isinstance(x, bool)
                                        and math.isfinite(x) for x in v)):
        raise BlocksError(f"blocks: {field} must be a list of finite numbers")
    return np.array(v, dtype=float)


def read_blocks(section, n_pairs: int) -> list:
    """Validate a ``blocks`` section for a network of ``n_pairs`` pairs; returns [BlockGroup, ...]."""
    if not isinstance(section, dict):
        raise BlocksError("blocks: must be an object")
    if section.get("format") != BLOCKS_FORMAT:
        raise BlocksError(f"blocks.format: expected '{BLOCKS_FORMAT}', got {section.get('format')!r}")
    groups = section.get("groups")
    if not isinstance(groups, list):
        raise BlocksError("blocks.groups: must be a list")
    out = []
    for g, grp in enumerate(groups):
        where = f"groups[{g}]"
        if not isinstance(grp, dict) or grp.get("kind") not in KINDS:
            raise BlocksError(f"blocks.{where}.kind: must be one of {', '.join(KINDS)}")
        raw = grp.get("pairs")
        if not isinstance(raw, list):
            raise BlocksError(f"blocks.{where}.pairs: must be a list of lists of pair indices")
        pairs = [_ints(p, f"{where}.pairs[{i}]") for i, p in enumerate(raw)]
        for i, p in enumerate(pairs):
            if len(p) == 0 or p.min() < 0 or p.max() >= n_pairs:
                raise BlocksError(f"blocks.{where}.pairs[{i}]: pair index outside 0..{n_pairs - 1}")
        m = len(pairs)
        sign = support = location = None
        if "sign" in grp:
            sign = _ints(grp["sign"], f"{where}.sign")
            if len(sign) != m or not np.all(np.abs(sign) == 1):
                raise BlocksError(f"blocks.{where}.sign: one +1/-1 per block")
        if "support" in grp:
            rows = grp["support"]
            if not (isinstance(rows, list) and len(rows) == m):
                raise BlocksError(f"blocks.{where}.support: one [lo, hi] per block")
            support = np.array([_numbers(r, f"{where}.support") for r in rows]).reshape(m, -1) if m else \
                np.zeros((0, 2))
            if support.shape[1] != 2 or np.any(support[:, 0] > support[:, 1]):
                raise BlocksError(f"blocks.{where}.support: each entry must be [lo, hi] with lo <= hi")
        if "location" in grp:
            location = _numbers(grp["location"], f"{where}.location")
            if len(location) != m:
                raise BlocksError(f"blocks.{where}.location: one number per block")
        out.append(BlockGroup(grp["kind"], pairs, sign, support, location))
    return out
