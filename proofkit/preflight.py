r"""Before a build: is the target usable, how wide will the network be, how long and how much memory?

:func:`preflight` runs before :func:`proofkit.build.build` (``proofkit construct`` calls it) and either
returns an :class:`Estimate` or refuses in one line:

1. **The target.** Finite on a float64 grid (:meth:`proofkit.expr.Target.check_finite`), proved finite and
   continuous on [a, b] (:func:`proofkit.certify.check_target`: a discontinuous target such as
   ``sign(x)`` is refused here, before any construction), and evaluated accurately enough in float64:
   the constructions sample f* in float64, so the difference between float64 and extended precision
   (:meth:`~proofkit.expr.Target.float_error`) must stay below ε/20 (``legendre(40, x)`` in its expanded
   form is off by 1e-2 near x = ±1 and is refused for that reason, not for its size).
2. **The width.** The number of pairs n (hidden width 2n) the construction will use, from the same
   quantities the construction computes first, on the same samples:

   * Theorem 1: :math:`n\approx L(4J+3)+1` with L = 2 and J the number of level crossings of spacing
     :math:`\Delta h=0.9\varepsilon` seen at :math:`2^{20}` samples (the parameter search starts at
     :math:`\hat n=4J+4` and may grow it: a lower estimate); ``n_hat``/``L`` overrides give n exactly;
   * Theorem 2: the first grid of the construction (:func:`proofkit.construct.theorem2.initial_pairs`,
     from the window-width condition); the construction may grow it by factors 1.3;
   * Theorem 3: the plan of the construction itself (:func:`proofkit.construct.theorem3.plan_theorem3`,
     exact).

3. **Time and memory** from measured per-pair costs (:data:`COSTS`): seconds per pair to construct and
   to certify, and peak bytes per pair (resident set size), plus a fixed part (3 s, 300 MB: imports,
   sampling, sympy). Measured with ``sin(2*pi*x)`` on [0, 1]: Theorem 1 at n = 355,529 (ε = 0.001 for
   ``sin(20*pi*x)``: 21.7 s + 19.9 s, 1.0 GB); Theorems 2 and 3 after the construction and certificate
   were vectorised (issue 15): Theorem 2 at n = 1,687,180 (ε = 0.05: 3.7 s + 6.4 s CPU, 1.4 GB, most of
   the certificate being the search for a proof for ``proofkit check``) and, above
   :data:`proofkit.witness.MAX_UNITS` hidden units where no proof is searched (:data:`COSTS_LARGE`), at
   n = 10,525,674 (ε = 0.02: 11.9 s + 1.6 s, 1.2 GB) and 47,927,864 (the Weierstrass-type sum, ε = 0.2:
   13-52 s + 7 s, 4.3 GB); Theorem 3 at n = 949,326 (ε = 0.02: 1.2 s + 2.7 s, 0.8 GB) and 4,231,251
   (ε = 0.005: 12.1 s + 3.1 s, 0.8 GB). The development machine has 2 cores shared with other jobs (load
   average 5 to 9 during the runs). They are estimates: targets with many kinks certify more slowly.

**Limits** (:mod:`proofkit.limits`): n at most ``MAX_PAIRS`` (60,000,000 pairs, hidden width 1.2·10⁸)
and an estimated peak memory of at most ``MAX_MEMORY_BYTES`` (8 GiB); ``proofkit construct --max-pairs``
and ``--max-memory`` change them. Theorem 1's own search stops at
:data:`proofkit.construct.theorem1.MAX_N` pairs. Above a limit the build is refused with a one-line hint
(a larger ε, or Theorem 1, which needs the fewest units).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from .certify import check_target
from .construct.budget import WidthLimitError
from .construct.lemma1 import as_fraction, sample_target, sampled_step_count, target_evaluator
from .errors import ProofkitError
from .expr import Target, TargetError
from .limits import MAX_MEMORY_BYTES, MAX_PAIRS
from .witness import MAX_UNITS

__all__ = ["Estimate", "estimate", "preflight", "COSTS", "FLOAT_ERROR_SHARE"]

# theorem -> (construct seconds per pair, certify seconds per pair, peak bytes per pair,
#             fixed seconds, fixed bytes); see the module docstring for how they were measured
COSTS = {
    "1": (6.1e-5, 5.6e-5, 2.6e3, 3.0, 3.0e8),
    "2": (1.2e-6, 4.0e-6, 8.0e2, 3.0, 3.0e8),
    "3": (3.0e-6, 2.8e-6, 8.5e2, 3.0, 3.0e8),
}
# above proofkit.witness.MAX_UNITS hidden units certify searches no proof for 'proofkit check' and the
# certificate is arb-screened: theorem -> (certify seconds per pair, peak bytes per pair). Measured (CPU
# seconds, load average 5-7 on 2 cores) with sin(2 pi x): Theorem 2 at n = 1.1e5, 1.7e6, 1.05e7 and the
# Weierstrass-type sum at 4.8e7; Theorem 3 at n = 7.7e4, 3.5e5, 9.5e5, 4.2e6 (issue 15). Theorem 2's
# construction at 4.8e7 took 13 s with NUMPY_MADVISE_HUGEPAGE=0 and about 50 s without (page faults).
COSTS_LARGE = {
    "2": (1.5e-7, 1.2e2),
    "3": (7.5e-7, 1.9e2),
}
FLOAT_ERROR_SHARE = 1 / 20   # float64 evaluation error allowed, as a share of eps


@dataclass(frozen=True)
class Estimate:
    """What a build will cost: ``pairs`` n (hidden width 2n; ``exact`` when the construction's own plan
    gave it, else a lower estimate), seconds to construct and to certify, peak memory in bytes."""

    theorem: str
    pairs: int
    exact: bool
    construct_seconds: float
    certify_seconds: float
    memory_bytes: float

    @property
    def width(self) -> int:
        return 2 * self.pairs

    @property
    def seconds(self) -> float:
        return self.construct_seconds + self.certify_seconds

    def line(self) -> str:
        """One line for the command line: width, time and memory."""
        about = "" if self.exact else "at least "
        return (f"Theorem {self.theorem} needs {about}n = {self.pairs:,} pairs (hidden width {self.width:,}); "
                f"estimated {_duration(self.seconds)} (construction {_duration(self.construct_seconds)}, "
                f"certificate {_duration(self.certify_seconds)}) and {_bytes(self.memory_bytes)} of memory")


def _duration(s: float) -> str:
    if s < 90:
        return f"{max(s, 1):.0f} s"
    if s < 5400:
        return f"{s / 60:.0f} min"
    if s < 48 * 3600:
        return f"{s / 3600:.1f} h"
    return f"{s / 86400:.3g} days"


def _bytes(b: float) -> str:
    for unit, size in (("TiB", 2 ** 40), ("GiB", 2 ** 30), ("MiB", 2 ** 20)):
        if b >= size:
            return f"{b / size:.3g} {unit}"
    return f"{b / 2 ** 10:.3g} KiB"


def _cost(theorem: str, pairs: int, exact: bool) -> Estimate:
    c_build, c_cert, c_mem, t_fix, m_fix = COSTS[theorem]
    if 2 * pairs > MAX_UNITS and theorem in COSTS_LARGE:
        c_cert, c_mem = COSTS_LARGE[theorem]
    return Estimate(theorem, int(pairs), exact, t_fix + c_build * pairs, c_cert * pairs, m_fix + c_mem * pairs)


def estimate(target: Target, eps, theorem="1", domain=(0.0, 1.0), *, max_pairs=MAX_PAIRS, **overrides) -> Estimate:
    """The :class:`Estimate` of building ``target`` within ``eps`` with ``theorem`` (module docstring, 2-3).

    ``overrides`` are the construction's (``n_hat``, ``L``, ``delta_h``, ``n``, ``seed``, ...). Raises
    :class:`~proofkit.construct.budget.WidthLimitError` when even the count of steps is far beyond
    ``max_pairs`` (the estimate itself would be expensive)."""
    theorem = str(theorem)
    eps_q = as_fraction(eps, "eps")
    a, b = (as_fraction(v, "domain") for v in domain)
    if theorem == "1":
        from .construct.theorem1 import DEFAULT_L, default_delta_h
        L = int(overrides.get("L") or DEFAULT_L)
        if overrides.get("n_hat") is not None:
            return _cost("1", L * (int(overrides["n_hat"]) - 1) + 1, True)
        dh = as_fraction(overrides["delta_h"], "delta_h") if overrides.get("delta_h") is not None \
            else default_delta_h(eps_q)
        xs, fs = sample_target(target_evaluator(target), (float(a), float(b)), samples=2 ** 20)
        J = sampled_step_count(fs, float(fs[0]), dh)
        return _cost("1", L * (max(8, 4 * J + 4) - 1) + 1, False)
    if theorem == "2":
        from .construct.lemma1 import piecewise_constant_approximation
        from .construct.theorem2 import DEFAULT_RHO, initial_pairs
        if overrides.get("n") is not None:
            return _cost("2", int(overrides["n"]), True)
        H = as_fraction(overrides["delta_h"], "delta_h") if overrides.get("delta_h") is not None else eps_q
        lem0 = piecewise_constant_approximation(target, H, (float(a), float(b)), max_steps=max(1, max_pairs // 4))
        n, _W = initial_pairs(lem0, H, float(b - a), float(overrides.get("rho", DEFAULT_RHO)))
        return _cost("2", n + n % 2, False)
    if theorem == "3":
        from .construct.theorem3 import plan_theorem3
        keys = ("delta_h", "n_hat", "n", "delta")
        plan = plan_theorem3(target, eps_q, (float(a), float(b)), max_pairs=max_pairs,
                             **{k: overrides[k] for k in keys if overrides.get(k) is not None})
        return _cost("3", plan.n, True)
    raise ProofkitError(f"unknown theorem '{theorem}'; valid: 1, 2, 3")


def preflight(target: Target, eps, theorem="1", domain=(0.0, 1.0), *, max_pairs=MAX_PAIRS,
              max_memory=MAX_MEMORY_BYTES, **overrides) -> Estimate:
    """Check the target (module docstring, 1), estimate the build (2-3) and refuse it above the limits.

    Raises :class:`~proofkit.expr.TargetError` for an unusable target and
    :class:`~proofkit.construct.budget.WidthLimitError` (one line, with a hint) above ``max_pairs`` or
    ``max_memory``; returns the :class:`Estimate` otherwise."""
    eps_f = float(as_fraction(eps, "eps"))
    if not (eps_f > 0 and math.isfinite(eps_f)):
        raise ProofkitError(f"eps must be a positive float64 number, got {eps}")
    target.check_finite(domain)
    check_target(target, tuple(Fraction(as_fraction(v, "domain")) for v in domain))
    err, x_err = target.float_error(domain)
    if err > FLOAT_ERROR_SHARE * eps_f:
        raise TargetError(f"target '{target.text}' is evaluated inaccurately in float64: off by about {err:.2g} "
                          f"at x = {x_err:.6g} (more than eps/20 = {FLOAT_ERROR_SHARE * eps_f:.2g}; e.g. a "
                          "high-degree polynomial in expanded form); the constructions sample f* in float64")
    est = estimate(target, eps, theorem, domain, max_pairs=max_pairs, **overrides)
    hint = "use a larger --eps" + ("" if str(theorem) == "1" else " or --theorem 1 (the fewest units)")
    if est.pairs > max_pairs:
        raise WidthLimitError(f"{est.line()}: above the limit of {max_pairs:,} pairs (--max-pairs); {hint}")
    if str(theorem) == "1" and not est.exact:
        from .construct.theorem1 import MAX_N
        if est.pairs > MAX_N:
            raise WidthLimitError(f"{est.line()}: above Theorem 1's limit of {MAX_N:,} pairs; {hint}")
    if est.memory_bytes > max_memory:
        raise WidthLimitError(f"{est.line()}: above the memory limit of {_bytes(max_memory)} (--max-memory); {hint}")
    return est
