r"""Construct and certify, refining until the certificate holds (or saying clearly that it does not).

:func:`build` runs the construction of the requested theorem, certifies the network with
:func:`proofkit.certify.certify` and, while the certified bound U exceeds ε, rebuilds with a finer level
spacing Δh (and hence a larger width), up to ``max_rounds`` times. It never reports a network as
certified unless the last certificate says so; the caller decides what to do with a failure.

**Domains away from 0.** The certificate bounds the float64 network that is stored. On [a, b] with
:math:`0
otin[a,b]` the theorems' pools :math:`\pm b_i` (:math:`b_i\in[a,b]`) are large numbers whose
float rounding, multiplied by γ, ruins the exact cancellations the blocks rely on (on [10⁶, 10⁶+1] the
stored network was off by 3.4 for ε = 0.05). So the construction is carried out in the coordinate
:math:`y=x-t`, with t the end of [a, b] nearest 0, for :math:`g(y)=f^*(y+t)` on [a − t, b − t] (the pool
is then :math:`\pm(b_i-t)`, of size at most b − a), and the network is translated back exactly:
:math:`f^{NN}(x)=g^{NN}(x-t)`, i.e. biases :math:`c_i-w_it` (:meth:`~proofkit.network.PermNetwork.translated`).
The construction's own quantities (Lemma 1 steps, blocks) are then in y; ``origin`` = t says so. What
remains is the rounding of the break-points :math:`t+b_i` to float64, at most half an ulp of max(|a|, |b|)
each, which moves :math:`f^{NN}` by at most :math:`\delta=|\gamma|\,	frac12\mathrm{ulp}\sum_i|a_i|`. When the
certificate fails and δ could explain it (δ > ε − budget), refining Δh cannot help (it raises γ): the build
is refused in one line instead.
"""
from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from .certify import Certificate, certify
from .construct.lemma1 import as_fraction
from .errors import ProofkitError
from .expr import Target
from .fmt import fmt_upper
from .limits import rational

__all__ = ["build", "BuildResult", "BuildError", "parse_positive", "THEOREMS", "origin", "translated_target",
           "rounding_drift"]

THEOREMS = ("1", "2", "3")


class BuildError(ProofkitError):
    """Bad build parameters (ε <= 0, unknown theorem, ...)."""


def parse_positive(text, name="eps") -> Fraction:
    """A positive finite number from text such as ``0.05``, ``1/20`` or ``5e-2``, as an exact Fraction."""
    try:
        value = rational(str(text), name)  # proofkit.limits: no '1e999999999'
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


def origin(domain) -> Fraction:
    """t of the module docstring: 0 when 0 is in [a, b], else the end of [a, b] nearest 0 (exact)."""
    a, b = as_fraction(domain[0], "domain[0]"), as_fraction(domain[1], "domain[1]")
    return a if a > 0 else (b if b < 0 else Fraction(0))


def translated_target(target: Target, t: Fraction) -> Target:
    """g(y) = f*(y + t), as a Target (exact substitution in the sympy expression)."""
    if t == 0:
        return target
    shift = target.expr.subs(target.var, target.var + _sympy_rational(t))
    return Target(f"({target.text}) at x + {t}", shift, target.var)


def _sympy_rational(q: Fraction):
    import sympy as sp
    return sp.Rational(q.numerator, q.denominator)


def _translate(cons, t: Fraction, target: Target, domain):
    """The construction with its network translated back to x = y + t, provenance in x."""
    net = cons.net.translated(t)
    prov = dict(net.provenance, target=target.text, domain=[float(v) for v in net.domain],
                construction_origin=str(t))
    net = dataclasses.replace(net, provenance=prov)
    return dataclasses.replace(cons, net=net, origin=t)


def rounding_drift(net, t: Fraction) -> float:
    r"""δ of the module docstring: |γ| · ½ulp(max(|a|, |b|)) · Σ|a_i| (an estimate rounded up a little), how
    far rounding break-points near ``t`` to float64 can move the network; 0 when t = 0."""
    if t == 0:
        return 0.0
    half_ulp = math.ulp(max(abs(net.domain[0]), abs(net.domain[1]))) / 2
    return 1.001 * abs(net.scale) * half_ulp * float(np.sum(np.abs(net.coefficients)))


def build(target: Target, eps, *, theorem="1", domain=(0.0, 1.0), max_rounds=4, refine=0.6,
          on_round=None, **overrides) -> BuildResult:
    """Build the theorem's network for ``target`` to tolerance ``eps`` on ``domain`` and certify it.

    ``overrides`` go to the construction (e.g. ``n_hat``, ``L``, ``delta_h``, ``exact``, ``seed``). If the
    certified bound U exceeds ε, Δh is multiplied by ``min(refine, 0.9 ε / U)`` and the network rebuilt,
    at most ``max_rounds`` times in all. ``on_round(i, construction, certificate)`` is called after
    each round (for progress output). On a domain without 0 the construction runs in y = x − t (module
    docstring); a build whose certificate fails because float64 cannot place the break-points finely
    enough raises :class:`BuildError`.
    """
    theorem = str(theorem)
    construct = _constructor(theorem)
    eps_f = float(eps)
    if not eps_f > 0:
        raise BuildError(f"eps must be positive, got {eps}")
    t0 = time.perf_counter()
    target.check_finite(domain)
    t = origin(domain)
    inner_target = translated_target(target, t)
    inner_domain = tuple(as_fraction(v, "domain") - t for v in domain) if t else tuple(domain)
    rounds = []
    params = dict(overrides)
    for i in range(max_rounds):
        cons = construct(inner_target, eps_f, inner_domain, **params)
        if t:
            cons = _translate(cons, t, target, domain)
        cert = certify(cons.net, target, eps_f, domain=tuple(domain), budget=cons.budget.to_dict())
        rounds.append((dict(cons.params), cert.upper, cert.seconds))
        if on_round is not None:
            on_round(i, cons, cert)
        if cert.certified or not cert.permutation_ok:
            break
        drift = rounding_drift(cons.net, t)
        if drift > eps_f - cons.budget.total:
            raise BuildError(
                f"on [{float(domain[0]):.17g}, {float(domain[1]):.17g}] float64 places break-points only to "
                f"{math.ulp(max(abs(float(domain[0])), abs(float(domain[1])))) / 2:.2g}, which can move the "
                f"network by {drift:.2g} (> eps - budget): the stored network's certified error is "
                f"{fmt_upper(cert.upper, 3)} > eps; translate the target to a domain near 0 (write f(x + a) on [0, b - a])")
        if i + 1 == max_rounds:
            break
        dh = cons.params["delta_h"]
        factor = min(refine, 0.9 * eps_f / max(cert.upper, 1e-300))
        params["delta_h"] = type(dh)(dh * Fraction(factor).limit_denominator(1000)) \
            if isinstance(dh, Fraction) else dh * factor
        params.pop("n_hat", None)  # let the construction choose a grid fine enough for the new Δh
    return BuildResult(cons, cert, rounds, time.perf_counter() - t0)
