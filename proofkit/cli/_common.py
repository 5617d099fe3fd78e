"""Argument helpers shared by the verbs: targets, tolerances, domains, progress, output.

**Default domain (one rule for every verb).** A verb that follows a theorem of the paper (``construct``,
``widths``, ``montecarlo``, ``animate``) works on the theorems' interval [0, 1] (arXiv 2407.01033, Theorems 1-3); a verb
that reproduces the paper's experiments (``train``) on the experiments' interval [-1, 1] (its experiments); a verb that
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
import re
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
    shortens it), ``none``, or ``auto`` (``bar`` when stderr is a terminal, else ``lines``). ``total`` and
    ``unit`` describe what :meth:`update` counts (epochs); without them the bar counts ``expected``
    seconds (an estimate) and the lines show the elapsed time against it.

    The lines come from a small child process (:data:`_PRINTER`) that the job tells its phase and count
    through a pipe: a thread of this process could be starved for minutes by one numpy call that holds
    the GIL, a separate process cannot (it ends when the pipe closes, also when this process dies).
    Hand-written around tqdm because tqdm only redraws when the work calls it.
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
        self._sent = 0.0
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._bar = self._thread = self._child = None
        self._by_time = False
        if mode == "bar":
            from tqdm import tqdm
            self._by_time = total is None and bool(expected)
            by_time = "{desc}: {percentage:3.0f}%|{bar}| {elapsed} of about {total} s{postfix}"
            self._bar = tqdm(total=max(1, round(expected)) if self._by_time else total, desc=desc,
                             unit="s" if self._by_time else unit, file=self.stream, leave=False, mininterval=0.25,
                             dynamic_ncols=True, bar_format=by_time if self._by_time else None)
            self._thread = threading.Thread(target=self._refresh, name="proofkit-progress", daemon=True)
            self._thread.start()
        elif mode == "lines":
            self._child = self._start_printer()
            if self._child is None:  # no file descriptor to hand over (or no select on pipes): a thread
                self._thread = threading.Thread(target=self._print_lines, name="proofkit-progress", daemon=True)
                self._thread.start()

    def phase(self, text: str) -> None:
        """Name what is being done now (shown on the bar and in the lines)."""
        with self._lock:
            self.phase_text = text
            if self._bar is not None:
                self._bar.set_postfix_str(text, refresh=False)
        self._send(force=True)

    def update(self, n: int = 1) -> None:
        with self._lock:
            self.count += n
            if self._bar is not None and not self._by_time:
                self._bar.update(n)
        self._send()

    def _start_printer(self):
        import subprocess
        try:
            fd = self.stream.fileno()
        except (AttributeError, OSError, ValueError):
            return None
        if os.name == "nt":
            return None
        try:
            child = subprocess.Popen([sys.executable, "-c", _PRINTER, str(self.interval), self.desc,
                                      str(self.expected or 0), str(self.total or 0), self.unit],
                                     stdin=subprocess.PIPE, stdout=fd, stderr=subprocess.DEVNULL, text=True)
        except OSError:
            return None
        return child

    def _send(self, force=False):
        if self._child is None:
            return
        now = time.monotonic()
        if not force and now - self._sent < 1.0:
            return
        self._sent = now
        try:
            self._child.stdin.write(f"{self.phase_text.replace(chr(9), ' ')}\t{self.count}\n")
            self._child.stdin.flush()
        except (OSError, ValueError):  # the printer is gone: the job goes on without it
            self._child = None

    def _refresh(self):
        while not self._stop.wait(0.5):
            with self._lock:
                if self._by_time:
                    self._bar.n = min(round(time.monotonic() - self.t0), self._bar.total)
                self._bar.refresh()

    def _print_lines(self):
        while not self._stop.wait(self.interval):
            with self._lock:
                print(_progress_line(self.desc, self.phase_text, time.monotonic() - self.t0, self.count,
                                     self.total, self.unit, self.expected), file=self.stream, flush=True)

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if self._bar is not None:
            self._bar.close()
        if self._child is not None:
            try:
                self._child.stdin.close()
            except OSError:
                pass
            try:
                self._child.wait(timeout=5)
            except Exception:  # noqa: BLE001 - never let the sign of life break the job
                self._child.kill()
            self._child = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def _progress_line(desc, phase, elapsed, count, total, unit, expected) -> str:
    parts = [f"{desc}: {phase}" if phase else desc, f"{elapsed:.0f} s elapsed"]
    if total:
        parts.append(f"{int(count):,}/{int(total):,} {unit}")
    elif count:
        parts.append(f"{int(count):,} {unit}")
    if expected:
        parts.append(f"estimate {float(expected):.0f} s")
    return ", ".join(parts)


# The child process of Progress(mode="lines"): reads "phase<TAB>count" lines from its stdin, prints a progress
# line every `interval` seconds, ends at EOF (the job closed the pipe or died). Standard library only.
_PRINTER = r"""
import select, sys, time
interval, desc, expected, total, unit = float(sys.argv[1]), sys.argv[2], float(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
t0 = time.monotonic(); nxt = t0 + interval; phase, count = "", 0
while True:
    ready, _, _ = select.select([sys.stdin], [], [], max(0.0, nxt - time.monotonic()))
    if ready:
        line = sys.stdin.readline()
        if not line:
            break
        phase, _, c = line.rstrip("\n").partition("\t")
        count = int(c or 0)
        continue
    parts = [desc + ": " + phase if phase else desc, "%.0f s elapsed" % (time.monotonic() - t0)]
    if total:
        parts.append("{:,}/{:,} {}".format(count, total, unit))
    elif count:
        parts.append("{:,} {}".format(count, unit))
    if expected:
        parts.append("estimate %.0f s" % expected)
    print(", ".join(parts), flush=True)
    nxt += interval
"""


def _interval() -> float:
    text = os.environ.get("PROOFKIT_PROGRESS_SECONDS")
    try:
        value = float(text) if text else PROGRESS_SECONDS
    except ValueError:
        value = PROGRESS_SECONDS
    return min(max(value, 0.05), PROGRESS_SECONDS)


_LONG_OPTION = re.compile(r"--[A-Za-z][-A-Za-z0-9_]*(=.*)?", re.DOTALL)


def protect_negative_arguments(parser, args):
    """The command line of one verb, with arguments that begin with '-' protected (module docstring), and
    the set of protected words.

    argparse reads any word that begins with '-' as an option, so ``construct '-x' --eps 0.1`` failed, and
    after ``--`` it reads every word as an argument, so ``verify NET -- '-x' --eps 0.5`` failed too. Here a
    word that begins with '-' and is neither one of the verb's options nor shaped like a long option
    (``--name`` or ``--name=value``, left to argparse, which knows abbreviations and reports typos), and
    the word right after ``--``, get a leading space, which argparse reads as an argument;
    :func:`unprotect` removes it after parsing."""
    known = set(parser._option_string_actions)
    out, protected, i = [], set(), 0
    args = list(args)
    while i < len(args):
        word = args[i]
        if word == "--" and i + 1 < len(args):
            word = args[i + 1]
            if word.startswith("-"):
                word = " " + word
                protected.add(word)
            out.append(word)
            i += 2
            continue
        if len(word) > 1 and word[0] == "-" and word not in known and not _LONG_OPTION.fullmatch(word):
            word = " " + word
            protected.add(word)
        out.append(word)
        i += 1
    return out, protected


def unprotect(namespace, protected) -> None:
    """Remove the leading space :func:`protect_negative_arguments` added, from the parsed string values."""
    if not protected:
        return
    for key, value in vars(namespace).items():
        if isinstance(value, str) and value in protected:
            setattr(namespace, key, value[1:])
        elif isinstance(value, list) and any(isinstance(v, str) and v in protected for v in value):
            setattr(namespace, key, [v[1:] if isinstance(v, str) and v in protected else v for v in value])
