"""Input limits: every budget proofkit checks *before* doing work, in one place, and the safe number reader.

No input may produce a traceback or a hang: work whose size can be read off the input is budgeted first and
refused above these limits with one line (exit 2 on the command line). The limits are chosen so that
anything inside them finishes in seconds to minutes on a laptop; they are documented here and in the
``--help`` of the verbs that apply them.

Numbers written as text (``--eps``, ``--domain``, rationals in network files, ``leaky_relu:S``):

* at most :data:`MAX_NUMBER_CHARS` characters, decimal (``0.05``, ``5e-2``) or ``p/q`` (``1/20``);
* a decimal exponent of magnitude at most :data:`MAX_DECIMAL_EXPONENT` (float64 spans 1e-324 .. 1.8e308;
  ``Fraction("1e-999999999")`` alone would build a billion-digit integer);
* domain ends of magnitude at most :data:`MAX_DOMAIN_ABS` (float64 still resolves 1/8 there).

Targets (:mod:`proofkit.expr`):

* at most :data:`MAX_TARGET_CHARS` characters and :data:`MAX_TARGET_DEPTH` levels of nesting;
* at most :data:`MAX_TARGET_NODES` nodes in the sympy tree (its derivatives, which the certificate
  needs, grow quadratically with products);
* powers of *numbers* (``2**10**10``) whose exact value would need more than :data:`MAX_INTEGER_BITS` bits
  are refused before sympy computes them;
* polynomial degree at most :data:`MAX_DEGREE`: exponents on expressions in x (``x**(10**10)``,
  ``(x+1)**100000``) and the degree of products of such powers;
* ``legendre``/``chebyshevt``/``chebyshevu`` of degree at most :data:`MAX_SPECIAL_DEGREE` (30): sympy expands
  them into coefficients of size about 2^n, whose cancellation costs float64 all its digits near x = +-1
  from degree 40 on (and ball arithmetic at 128 bits stalls there: ``legendre(40, x)`` did not certify in
  2 minutes, degree 30 took 5 s);
* ``Sum`` runs over integer limits; a sum of more than :data:`MAX_SUM_TERMS` terms is accepted only when
  its summand is a polynomial in the index (closed form), otherwise it is expanded term by term.

Certificates (:mod:`proofkit.certify`): the exact method for polynomial targets is used up to degree
:data:`EXACT_POLY_MAX_DEGREE`, ball arithmetic above it.

Constructions (:mod:`proofkit.preflight`): the width a construction needs is estimated before it is
built; above :data:`MAX_PAIRS` pairs (hidden width 2n) or an estimated :data:`MAX_MEMORY_BYTES` of memory it
is refused with a hint (``proofkit construct --max-pairs`` / ``--max-memory`` raise the limits).

Network files (:meth:`proofkit.network.PermNetwork.to_dict`): JSON up to :data:`MAX_FILE_UNITS` hidden units
(about 0.6 GB of text and several GB of Python objects while writing; 10⁸ units would be an 8 GB file).
Larger networks are built and certified in memory and named by their certificate's ``network_sha256``;
the constructions are deterministic, so the same command rebuilds them.
"""
from __future__ import annotations

import re
from fractions import Fraction

from .errors import ProofkitError

__all__ = ["NumberTextError", "rational", "MAX_NUMBER_CHARS", "MAX_DECIMAL_EXPONENT", "MAX_DOMAIN_ABS",
           "MAX_TARGET_CHARS", "MAX_TARGET_DEPTH", "MAX_TARGET_NODES", "MAX_INTEGER_BITS", "MAX_DEGREE",
           "MAX_SUM_TERMS", "MAX_SPECIAL_DEGREE", "EXACT_POLY_MAX_DEGREE", "MAX_PAIRS", "MAX_MEMORY_BYTES", "PROGRESS_SECONDS",
           "MAX_FILE_UNITS"]

MAX_NUMBER_CHARS = 100
MAX_DECIMAL_EXPONENT = 400
MAX_DOMAIN_ABS = 10 ** 15

MAX_TARGET_CHARS = 10_000
MAX_TARGET_DEPTH = 200
MAX_TARGET_NODES = 2_000
MAX_INTEGER_BITS = 4_096
MAX_DEGREE = 1_000
MAX_SPECIAL_DEGREE = 30          # legendre, chebyshevt, chebyshevu: sympy expands them (coefficients ~ 2^n)
EXACT_POLY_MAX_DEGREE = 12       # proofkit.certify: exact root isolation above this degree takes minutes
MAX_SUM_TERMS = 1_000

MAX_PAIRS = 60_000_000           # hidden width 1.2e8: Theorem 2 on the Weierstrass-type sum at eps = 0.2 uses
                                 # n = 4.8e7 (measured: 14-60 s CPU, 4.3 GB peak; proofkit.screen)
MAX_MEMORY_BYTES = 8 * 2 ** 30   # 8 GiB estimated peak (construction + certificate)

MAX_FILE_UNITS = 1 << 23         # hidden units written as a JSON network file (8,388,608)
PROGRESS_SECONDS = 20.0          # a progress line at least this often when stderr is not a terminal

_DECIMAL = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE]([+-]?\d+))?")
_RATIO = re.compile(r"[+-]?\d+/\d+")


class NumberTextError(ProofkitError):
    """A number given as text that is malformed or outside the limits above."""


def rational(text, name: str = "number", max_chars: int = MAX_NUMBER_CHARS) -> Fraction:
    """The exact rational written in ``text`` (``0.05``, ``5e-2``, ``-3``, ``1/20``), within the limits.

    Raises :class:`NumberTextError` naming ``name`` for anything else: not a string, longer than
    ``max_chars`` (:data:`MAX_NUMBER_CHARS`; exact sections of network files allow 4000), an exponent
    beyond :data:`MAX_DECIMAL_EXPONENT`, ``inf``/``nan``, a zero denominator. (Hand-written around :class:`fractions.Fraction` because Fraction itself accepts
    ``1e999999999`` and then spends minutes and gigabytes building the integer.)
    """
    if not isinstance(text, str):
        raise NumberTextError(f"{name}: expected a number written as text, got {type(text).__name__}")
    s = text.strip()
    if len(s) > max_chars:
        raise NumberTextError(f"{name}: a number of {len(s)} characters (at most {max_chars})")
    m = _DECIMAL.fullmatch(s)
    if m is not None:
        if m.group(1) is not None and abs(int(m.group(1))) > MAX_DECIMAL_EXPONENT:
            raise NumberTextError(f"{name}: exponent {m.group(1)} in '{s}' is beyond +-{MAX_DECIMAL_EXPONENT} "
                                  "(outside the float64 range)")
        return Fraction(s)
    if _RATIO.fullmatch(s):
        p, q = s.split("/")
        if int(q) == 0:
            raise NumberTextError(f"{name}: zero denominator in '{s}'")
        return Fraction(int(p), int(q))
    shown = s if len(s) <= 40 else s[:37] + "..."
    raise NumberTextError(f"{name}: '{shown}' is not a number (write e.g. 0.05, 5e-2 or 1/20)")
