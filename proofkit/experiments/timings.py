"""Wall times of figure sweeps and certificates, kept out of the committed results.

Figure JSON files, ``certificates.json`` and ``REPORT.md`` hold no timings, so a re-run from the same runs
writes the same bytes and ``git status`` shows only changes of substance. The times go to
``<out>/timings.json`` instead (git-ignored), one section per job::

    {"format": "proofkit.timings/1", "figures": {"fig2a": {...}, ...}, "certificates": {...}}

Each call of :func:`update_timings` replaces one entry and keeps the others.
"""
from __future__ import annotations

import json
import os

from .._io import atomic_write_json

__all__ = ["TIMINGS_FILE", "TIMINGS_FORMAT", "update_timings", "read_timings"]

TIMINGS_FILE = "timings.json"
TIMINGS_FORMAT = "proofkit.timings/1"


def read_timings(out_dir) -> dict:
    """The timing log of ``out_dir`` (an empty log if absent or unreadable)."""
    try:
        with open(os.path.join(os.fspath(out_dir), TIMINGS_FILE), encoding="utf-8") as fh:
            data = json.load(fh)
        if isinstance(data, dict) and data.get("format") == TIMINGS_FORMAT:
            return data
    except (OSError, ValueError):
        pass
    return {"format": TIMINGS_FORMAT}


def update_timings(out_dir, section: str, name: str, entry) -> None:
    """Set ``log[section][name] = entry`` in ``out_dir/timings.json`` (atomically)."""
    data = read_timings(out_dir)
    data.setdefault(section, {})[name] = entry
    atomic_write_json(os.path.join(os.fspath(out_dir), TIMINGS_FILE), data)
