"""Atomic file output: a reader never sees a half-written file, and Ctrl-C leaves none behind."""
from __future__ import annotations

import json
import math
import os
import tempfile
from fractions import Fraction

import numpy as np

__all__ = ["atomic_write_bytes", "atomic_write_json", "jsonable"]


def _umask_mode() -> int:
    """0o666 minus the process umask: the mode open() would give a new file (mkstemp gives 0o600)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def atomic_write_bytes(path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically: temp file in the same directory, fsync, ``os.replace``.
    The file gets the mode a plain ``open(path, "w")`` would give it (0o666 minus the umask)."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=folder)
    try:
        os.chmod(tmp, _umask_mode())
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def atomic_write_json(path, data, indent=1) -> None:
    """Serialise ``data`` as JSON (no NaN/inf allowed) and write it atomically."""
    text = json.dumps(data, indent=indent, allow_nan=False) + "\n"
    atomic_write_bytes(path, text.encode("utf-8"))


def jsonable(v):
    """A JSON-ready copy of v: dicts and sequences recursively, Fractions as "p/q", numpy scalars as
    Python numbers, non-finite floats as strings, anything else as its str()."""
    if isinstance(v, dict):
        return {str(k): jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [jsonable(x) for x in v]
    if isinstance(v, Fraction):
        return f"{v.numerator}/{v.denominator}"
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        return float(v) if math.isfinite(v) else str(float(v))
    if v is None or isinstance(v, str):
        return v
    return str(v)
