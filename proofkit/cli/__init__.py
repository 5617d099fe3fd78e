"""The ``proofkit`` command: one verb per job (see ``proofkit --help``).

Each verb lives in its own module of this package with a ``register(subparsers)`` function that adds
its parser and sets ``func`` (called with the parsed arguments, returning the exit code). This package
only parses arguments and prints; the work is done by the library layers below it.

Exit codes: 0 success (for ``verify``: certified), 1 a check failed (not certified, a proof failed),
2 bad input (one line on stderr, no traceback), 130 interrupted.
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys

from .. import __version__
from ..errors import ProofkitError

# verbs, in the order --help lists them; a module that is not there yet is skipped
VERBS = ["construct", "verify", "check", "prove", "widths", "montecarlo", "train", "torchio", "figures", "reproduce",
         "plot", "animate", "floor"]


class CLIError(ProofkitError):
    """Bad command-line input: printed as one line, exit code 2."""


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors: 'proofkit VERB: error: ... (see --help)', exit code 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")

    def parse_known_args(self, args=None, namespace=None):
        if self._subparsers is not None:
            return super().parse_known_args(args, namespace)
        from ._common import protect_negative_arguments, unprotect  # a verb: '-sin(2*pi*x)' is a target
        args, protected = protect_negative_arguments(self, sys.argv[1:] if args is None else args)
        namespace, rest = super().parse_known_args(args, namespace)
        unprotect(namespace, protected)
        return namespace, rest


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="proofkit",
        description="Build, certify and train networks whose output weights are a permutation of a fixed pool "
                    "(Cai, Chen, Qiao 2025, arXiv 2407.01033).")
    parser.add_argument("--version", action="version", version=f"proofkit {__version__}")
    sub = parser.add_subparsers(dest="verb", metavar="VERB")
    for verb in VERBS:
        try:
            module = importlib.import_module(f"{__name__}.{verb}")
        except ModuleNotFoundError as exc:
            if exc.name == f"{__name__}.{verb}":
                continue
            raise
        module.register(sub)
    return parser


def _no_transparent_hugepages() -> None:
    """Ask numpy not to madvise(MADV_HUGEPAGE) its large arrays, unless the user set NUMPY_MADVISE_HUGEPAGE.

    Measured on the project machine: building and certifying Theorem 2 at 9.6e7 hidden units took 58 s of CPU
    with numpy's default (49 s of it in the kernel, faulting in huge pages) and 15 s without. Nothing else in
    proofkit allocates arrays large enough to be affected. numpy exposes the switch only as a private function
    (the environment variable is read once, at import), so a missing function is silently ignored.
    """
    if "NUMPY_MADVISE_HUGEPAGE" in os.environ:
        return
    try:
        from numpy._core.multiarray import _set_madvise_hugepage
    except ImportError:  # pragma: no cover - other numpy versions
        return
    _set_madvise_hugepage(False)


def main(argv=None) -> int:
    _no_transparent_hugepages()
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except BrokenPipeError:  # output piped into head & co.: stop quietly
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass
        return 0
    except KeyboardInterrupt:
        print("proofkit: interrupted", file=sys.stderr)
        return 130
    except (ProofkitError, OSError) as exc:  # input errors; anything else is a bug and shows its traceback
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        print(f"proofkit {args.verb}: error: {msg}", file=sys.stderr)
        return 2
    except (MemoryError, RecursionError) as exc:  # an input beyond what the limits of proofkit.limits catch
        what = "out of memory" if isinstance(exc, MemoryError) else "input nested too deeply"
        print(f"proofkit {args.verb}: error: {what}: the input is too large for this machine "
              "(a larger eps, a smaller domain or a simpler target)", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
