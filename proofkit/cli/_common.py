"""Argument helpers shared by the verbs: targets, tolerances, domains, progress, output.

**Default domain (one rule for every verb).** A verb that follows a theorem of the paper (``construct``,
``widths``, ``montecarlo``, ``animate``) works on the theorems' interval [0, 1] (arXiv 2407.01033, §2); a verb
that reproduces the paper's experiments (``train``) on the experiments' interval [-1, 1] (§4); a verb that
reads a network file uses the file's domain. ``--domain A B`` overrides it, and every verb prints the
domain it used, marked "(default)" when it was not given.

**Targets that begin with '-'.** ``proofkit verify NET -- '-sin(2*pi*x)' --eps 0.5`` and ``proofkit construct
'-x' --eps 0.1`` work: the command line is pre-processed (:func:`protect_negative_arguments`) so that a
word starting with a single '-' that is not an option of the verb is an argument, and ``--`` marks only the
next word as an argument (options may follow it).
"""
from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from fractions import Fraction

from ..errors import ProofkitError
from ..expr import parse_target
from ..limits import MAX_DOMAIN_ABS, PROGRESS_SECONDS, rational
from . import CLIError

DEFAULT_THEOREM_DOMAIN = (Fraction(0), Fraction(1))
DEFAULT_EXPERIMENT_DOMAIN = (Fraction(-1), Fraction(1))
PROGRESS_MODES = ("auto", "bar", "lines", "none")


class BadNumber(CLIError, argparse.ArgumentTypeError):
    """A number on the command line (or in a file's provenance) that is malformed or out of range:
    argparse reports it as a usage error, and outside argparse it is a one-line input error (exit 2)."""


def positive(name):
    """argparse type: a positive finite number given as decimal or p/q (exact, kept as a Fraction).

    Limits (:mod:`proofkit.limits`): at most 100 characters, a decimal exponent within +-400, and a value
    whose float64 rounding is positive and finite (1e-999 is refused here, not after an hour)."""
    def convert(text):
        try:
            value = rational(text, name)
        except ProofkitError as exc:
            if "is not a number" in str(exc):
                shown = text if len(text) <= 40 else text[:37] + "..."
                raise BadNumber(f"{name} must be a positive number (e.g. 0.05 or 1/20), got '{shown}'") from None
            raise BadNumber(str(exc)) from None
        if value <= 0:
            raise BadNumber(f"{name} must be positive, got {text}")
        if not 0 < float(value) < float("inf"):
            raise BadNumber(f"{name} = {text} is outside the float64 range (about 1e-308 .. 1e308)")
        return value
    return convert


def number(text):
    """argparse type: a finite number given as decimal or p/q (exact), with the limits of :func:`positive`."""
    try:
        return rational(text, "number")
    except ProofkitError as exc:
        raise BadNumber(str(exc)) from None


def domain(values):
    """[A, B] from the command line: A < B, both at most 1e15 in magnitude and distinct in float64."""
    a, b = values
    if not a < b:
        raise CLIError(f"domain must satisfy A < B, got [{a}, {b}]")
    if max(abs(a), abs(b)) > MAX_DOMAIN_ABS:
        raise CLIError(f"domain [{float(a):g}, {float(b):g}]: ends beyond +-{float(MAX_DOMAIN_ABS):g} are not "
                       "supported (float64 cannot place break-points finely enough there)")
    if not float(a) < float(b):
        raise CLIError(f"domain [{a}, {b}]: its ends are equal in float64")
    return a, b


def domain_or_default(values, default=DEFAULT_THEOREM_DOMAIN):
    """(a, b, text): the checked ``--domain`` or the verb's default, and how to print it."""
    if values is None:
        a, b = default
        return a, b, f"[{fmt(a)}, {fmt(b)}] (default)"
    a, b = domain(values)
    return a, b, f"[{fmt(a)}, {fmt(b)}]"


def target(text):
    return parse_target(text)


def fmt(v, digits=4):
    if isinstance(v, Fraction):
        return f"{v} (= {float(v):.{digits}g})" if v.denominator != 1 else str(v)
    if isinstance(v, float):
        return f"{v:.{digits}g}"
    return str(v)


def info(*args):
    print(*args, file=sys.stdout)


def add_progress_argument(p):
    """``--progress auto|bar|lines|none`` (see :class:`Progress`)."""
    p.add_argument("--progress", choices=PROGRESS_MODES, default="auto",
                   help="sign of life on stderr for long jobs: a bar on a terminal, else (nohup, CI, a pipe) one "
                        f"line at least every {PROGRESS_SECONDS:g} s; lines, bar or none to choose (default auto)")


def memory_size(text):
    """argparse type: a memory size such as 8GiB, 512MiB or 2e9 (bytes)."""
    units = {"kib": 2 ** 10, "mib": 2 ** 20, "gib": 2 ** 30, "tib": 2 ** 40, "kb": 1e3, "mb": 1e6, "gb": 1e9,
             "tb": 1e12, "b": 1}
    s = text.strip().lower()
    for unit, size in units.items():
        if s.endswith(unit):
            value = float(number(s[:-len(unit)]))
            break
    else:
        value, size = float(number(s)), 1
    if not value > 0:
        raise BadNumber(f"memory size must be positive, got '{text}'")
    return value * size


class Progress:
    """A sign of life for long jobs, on stderr.

    ``mode``: ``bar`` (a tqdm bar, refreshed every half second by a background thread, so that it moves
    while the work is inside one long call), ``lines`` (one line every ``interval`` seconds, for nohup, CI
    and pipes: ``PROGRESS_SECONDS`` = 20 s by default, the environment variable ``PROOFKIT_PROGRESS_SECONDS``
    changes it), ``none``, or ``auto`` (``bar`` when stderr is a terminal, else ``lines``). ``total`` and
    ``unit`` describe what :meth:`update` counts (epochs); without them the bar counts ``expected``
    seconds (an estimate) and the lines show the elapsed time against it.

    Hand-written around tqdm because tqdm only redraws when the work calls it, and a construction or a
    certificate can stay inside one call for minutes.
    """

    def __init__(self, mode="auto", desc="", *, total=None, unit="it", expected=None, stream=None):
        self.stream = stream if stream is not None else sys.stderr
        if mode == "auto":
            mode = "bar" if getattr(self.stream, "isatty", lambda: False)() else "lines"
        if mode not in PROGRESS_MODES:
            raise CLIError(f"--progress must be one of {', '.join(PROGRESS_MODES)}, got '{mode}'")
        self.mode, self.desc, self.total, self.unit, self.expected = mode, desc, total, unit, expected
        self.interval = _interval()
        self.count = 0
        self.phase_text = ""
        self.t0 = time.monotonic()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._bar = None
        self._thread = None
        if mode == "bar":
            from tqdm import tqdm
            by_time = total is None and expected
            self._bar = tqdm(total=round(expected) if by_time else total, desc=desc, unit="s" if by_time else unit,
                             file=self.stream, leave=False, mininterval=0.25, dynamic_ncols=True,
                             bar_format=None if (total or by_time) else "{desc}: {elapsed} {postfix}")
            self._by_time = by_time
        if mode in ("bar", "lines"):
            self._thread = threading.Thread(target=self._run, name="proofkit-progress", daemon=True)
            self._thread.start()

    def phase(self, text: str) -> None:
        """Name what is being done now (shown on the bar and in the lines)."""
        with self._lock:
            self.phase_text = text
            if self._bar is not None:
                self._bar.set_postfix_str(text, refresh=False)

    def update(self, n: int = 1) -> None:
        with self._lock:
            self.count += n
            if self._bar is not None and not self._by_time:
                self._bar.update(n)

    def _run(self):
        tick = 0.5 if self.mode == "bar" else self.interval
        while not self._stop.wait(tick):
            with self._lock:
                if self.mode == "bar":
                    if self._by_time:
                        self._bar.n = min(time.monotonic() - self.t0, self._bar.total or 0)
                    self._bar.refresh()
                else:
                    self._line()

    def _line(self):
        elapsed = time.monotonic() - self.t0
        parts = [f"{self.desc}: {self.phase_text}" if self.phase_text else self.desc, f"{elapsed:.0f} s elapsed"]
        if self.total:
            parts.append(f"{self.count:,}/{self.total:,} {self.unit}")
        elif self.count:
            parts.append(f"{self.count:,} {self.unit}")
        if self.expected:
            parts.append(f"estimate {self.expected:.0f} s")
        print(", ".join(parts), file=self.stream, flush=True)

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if self._bar is not None:
            self._bar.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def _interval() -> float:
    text = os.environ.get("PROOFKIT_PROGRESS_SECONDS")
    try:
        value = float(text) if text else PROGRESS_SECONDS
    except ValueError:
        value = PROGRESS_SECONDS
    return min(max(value, 0.05), PROGRESS_SECONDS)


def protect_negative_arguments(parser, args):
    """The command line of one verb, with arguments that begin with '-' protected (module docstring).

    argparse reads any word that begins with '-' as an option, so ``construct '-x' --eps 0.1`` failed, and
    after ``--`` it reads every word as an argument, so ``verify NET -- '-x' --eps 0.5`` failed too. Here a
    word that begins with one '-' and is not one of the verb's options, and the word right after ``--``,
    get a leading space, which argparse reads as an argument and every proofkit parser strips."""
    known = set(parser._option_string_actions)
    out, i = [], 0
    args = list(args)
    while i < len(args):
        word = args[i]
        if word == "--" and i + 1 < len(args):
            nxt = args[i + 1]
            out.append(" " + nxt if nxt.startswith("-") else nxt)
            i += 2
            continue
        if len(word) > 1 and word[0] == "-" and word[1] != "-" and word not in known:
            word = " " + word
        out.append(word)
        i += 1
    return out
