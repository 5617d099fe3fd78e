"""Construct and certify, refining until the certificate holds (or saying clearly that it does not).

:func:`build` runs the construction of the requested theorem, certifies the network with
:func:`proofkit.certify.certify` and, while the certified bound U exceeds ε, rebuilds with a finer level
spacing Δh (and hence a larger width), up to ``max_rounds`` times. It never reports a network as
certified unless the last certificate says so; the caller decides what to do with a failure.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from fractions import Fraction

from .certify import Certificate, certify
from .errors import ProofkitError
from .expr import Target

__all__ = ["build", "BuildResult", "BuildError", "parse_positive", "THEOREMS"]

THEOREMS = ("1", "2", "3")


class BuildError(ProofkitError):
    """Bad build parameters (ε <= 0, unknown theorem, ...)."""


def parse_positive(text, name="eps") -> Fraction:
    """A positive finite number from text such as ``0.05``, ``1/20`` or ``5e-2``, as an exact Fraction."""
    try:
        value = Fraction(str(text).strip())
    except (ValueError, ZeroDivisionError):
        raise BuildError(f"{name} must be a positive number (e.g. 0.05 or 1/20), got '{text}'") from None
    if value <= 0:
        raise BuildError(f"{name} must be positive, got {text}")
    return value


@dataclass
class BuildResult:
    """The last construction, its certificate, and the rounds tried: [(parameters, U, seconds), ...]."""

    construction: object
    certificate: Certificate
    rounds: list = field(default_factory=list)
    seconds: float = 0.0

    @property
    def certified(self) -> bool:
        return self.certificate.certified


def _constructor(theorem: str):
    if theorem == "1":
        from .construct.theorem1 import construct_theorem1
        return construct_theorem1
    if theorem == "2":
        from .construct.theorem2 import construct_theorem2
        return construct_theorem2
    if theorem == "3":
        from .construct.theorem3 import construct_theorem3
        return construct_theorem3
    raise BuildError(f"unknown theorem '{theorem}'; valid: {', '.join(THEOREMS)}")


def build(target: Target, eps, *, theorem="1", domain=(0.0, 1.0), max_rounds=4, refine=0.6,
          on_round=None, **overrides) -> BuildResult:
    """Build the theorem's network for ``target`` to tolerance ``eps`` on ``domain`` and certify it.

    ``overrides`` go to the construction (e.g. ``n_hat``, ``L``, ``delta_h``, ``exact``, ``seed``). If the
    certified bound U exceeds ε, Δh is multiplied by ``min(refine, 0.9 ε / U)`` and the network rebuilt,
    at most ``max_rounds`` times in all. ``on_round(i, construction, certificate)`` is called after
    each round (for progress output).
    """
    theorem = str(theorem)
    construct = _constructor(theorem)
    eps_f = float(eps)
    if not eps_f > 0:
        raise BuildError(f"eps must be positive, got {eps}")
    t0 = time.perf_counter()
    target.check_finite(domain)
    rounds = []
    params = dict(overrides)
    for i in range(max_rounds):
        cons = construct(target, eps_f, tuple(domain), **params)
        cert = certify(cons.net, target, eps_f, domain=tuple(domain), budget=cons.budget.to_dict())
        rounds.append((dict(cons.params), cert.upper, cert.seconds))
        if on_round is not None:
            on_round(i, cons, cert)
        if cert.certified or not cert.permutation_ok or i + 1 == max_rounds:
            break
        dh = cons.params["delta_h"]
        factor = min(refine, 0.9 * eps_f / max(cert.upper, 1e-300))
        params["delta_h"] = type(dh)(dh * Fraction(factor).limit_denominator(1000)) \
            if isinstance(dh, Fraction) else dh * factor
        params.pop("n_hat", None)  # let the construction choose a grid fine enough for the new Δh
    return BuildResult(cons, cert, rounds, time.perf_counter() - t0)
