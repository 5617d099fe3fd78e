"""The README's first session is a checked example (issue 11): its commands are run and their output must be
the lines the README shows (times may differ).

The session is the ``console`` block between the markers ``<!-- checked:first-session -->`` and
``<!-- /checked:first-session -->`` in README.md: a line ``$ proofkit ...`` is a command (a trailing
``# comment`` is ignored), the lines after it, up to the next command or a blank line, are its standard
output. Every command must exit with 0. Numbers followed by `` s`` (seconds) match any number.
"""
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
START, END = "<!-- checked:first-session -->", "<!-- /checked:first-session -->"


def session(text: str):
    """[(argv, expected stdout lines)] of the marked console block."""
    block = text.split(START, 1)[1].split(END, 1)[0]
    body = block.split("```console", 1)[1].split("```", 1)[0]
    steps = []
    for line in body.strip("\n").splitlines():
        if line.startswith("$ "):
            steps.append((shlex.split(line[2:], comments=True), []))
        elif line.strip() and steps:
            steps[-1][1].append(line)
    return steps


def pattern(line: str) -> re.Pattern:
    """The expected line as a regex: literal, except that a duration 'N.NN s' matches any number."""
    parts = re.split(r"\d+(?:\.\d+)? s\b", line)
    return re.compile(r"\d+(?:\.\d+)? s\b".join(re.escape(p) for p in parts) + r"\s*$")


def test_pattern_is_tolerant_of_times_only():
    p = pattern("CERTIFIED: sup|f - f_NN| <= 0.0217 <= eps = 0.05  [1.32 s, 1 round(s)]")
    assert p.match("CERTIFIED: sup|f - f_NN| <= 0.0217 <= eps = 0.05  [13.5 s, 1 round(s)]")
    assert not p.match("CERTIFIED: sup|f - f_NN| <= 0.0216 <= eps = 0.05  [1.32 s, 1 round(s)]")
    assert not p.match("CERTIFIED: sup|f - f_NN| <= 0.0217 <= eps = 0.05  [1.32 s, 2 round(s)]")


def test_readme_first_session(tmp_path):
    text = README.read_text(encoding="utf-8")
    if START not in text:
        pytest.skip(f"README.md has no {START} block yet")
    steps = session(text)
    assert steps, "the marked block holds no '$ proofkit ...' command"
    for argv, expected in steps:
        assert argv[0] == "proofkit", argv
        p = subprocess.run([sys.executable, "-m", "proofkit", *argv[1:]], cwd=tmp_path, capture_output=True,
                           text=True, timeout=900)
        assert p.returncode == 0, (argv, p.stdout, p.stderr)
        got = p.stdout.rstrip("\n").splitlines()
        assert len(got) == len(expected), (argv, "\n".join(got))
        for want, line in zip(expected, got):
            assert pattern(want).match(line), f"README shows\n  {want}\nproofkit printed\n  {line}"
