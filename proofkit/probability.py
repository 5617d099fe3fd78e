r"""Probability estimates of Theorem 3 (arXiv 2407.01033, Theorem 3 and its probability estimate): interval coverage by uniform samples.

Theorem 3 draws :math:`b_i\sim U[a,b]` and :math:`p_i\sim U[0,1]` and looks, inside the random network,
for a sub-network close to an equidistant one: every target point (a coarse bias :math:`\hat b_k`, or a
needed coefficient value) must receive a sample within :math:`\Delta r`. For :math:`m` disjoint intervals of
length :math:`\ell=2\Delta r` (as a fraction of the sampling interval) and :math:`n` i.i.d. uniform samples,
inclusion–exclusion gives the probability that **some** interval stays empty:

.. math:: P'(m,n,\ell)=\sum_{k=1}^{m}(-1)^{k+1}\binom mk\,(1-k\ell)^n ,

(valid for :math:`m\ell\le1`), with the union bound :math:`P'\le m(1-\ell)^n`. The paper's success
probability of the sub-network is :math:`P_{\rm sub}=[1-P']^2` (biases × coefficients, treated as
independent); with different interval sets for biases and values it is :math:`(1-P'_b)(1-P'_v)`.
The unused part needs small gaps: among :math:`N` uniform points on [0, 1] every gap (including the two
end gaps) is :math:`<g` with probability :math:`\ge 1-\lceil 2/g\rceil(1-g/2)^N` (cover [0, 1] by
intervals of length g/2: if each holds a point, no gap reaches g).

The alternating sum cancels catastrophically (terms of size :math:`\binom m{m/2}`, result possibly
:math:`\ll 1`), so :func:`miss_probability` evaluates it in ball arithmetic (python-flint ``arb``) with
:math:`m+` 80 bits and more until the enclosure is tight; :func:`miss_probability_exact` is the same sum
in Fractions (exact, for small n and m; used in tests). Monte Carlo estimates are vectorised over draws
and come with Wilson and Clopper–Pearson intervals.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from .errors import ProofkitError

__all__ = ["ProbabilityError", "miss_probability", "miss_probability_exact", "union_bound",
           "coverage_probability", "paper_subnetwork_probability", "gap_event_bound", "gap_count_needed",
           "smallest_n", "smallest_n_coverage", "coverage_bracket", "coverage_rate_mc", "interval_centres", "wilson_interval", "clopper_pearson",
           "Enclosure"]


class ProbabilityError(ProofkitError):
    """Invalid parameters of a probability estimate (delta outside (0,1), overlapping intervals, ...)."""


@dataclass(frozen=True)
class Enclosure:
    """A rigorous enclosure [lower, upper] of a probability and its midpoint ``value`` (floats)."""

    value: float
    lower: float
    upper: float

    def __float__(self):
        return self.value


def _check_mnl(m, n, ell):
    if isinstance(m, bool) or not isinstance(m, (int, np.integer)) or m < 0:
        raise ProbabilityError(f"m (number of intervals) must be a non-negative integer, got {m!r}")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ProbabilityError(f"n (number of samples) must be a non-negative integer, got {n!r}")
    ell = Fraction(ell) if not isinstance(ell, float) else Fraction(ell)
    if not 0 < ell <= 1:
        raise ProbabilityError(f"interval length must be in (0, 1], got {float(ell):g}")
    if m * ell > 1:
        raise ProbabilityError(f"{m} disjoint intervals of length {float(ell):g} do not fit in [0, 1]")
    return int(m), int(n), ell


def miss_probability_exact(m: int, n: int, ell) -> Fraction:
    r"""P' = sum_{k=1}^m (-1)^{k+1} C(m,k) (1 - k ell)^n exactly, in Fractions (small m, n only)."""
    m, n, ell = _check_mnl(m, n, ell)
    return sum(((-1) ** (k + 1)) * math.comb(m, k) * (1 - k * ell) ** n for k in range(1, m + 1)) \
        if m else Fraction(0)


def miss_probability(m: int, n: int, ell) -> Enclosure:
    r"""P' (some of m disjoint intervals of length ``ell`` gets none of n uniform samples), rigorously.

    Evaluated in arb ball arithmetic; the working precision starts at m + 80 bits and doubles until the
    enclosure's width is below 1e-12 of the larger of P' and 1e-300. ``ell`` may be a float or a Fraction
    (floats are taken at their exact binary value).
    """
    m, n, ell = _check_mnl(m, n, ell)
    if m == 0:
        return Enclosure(0.0, 0.0, 0.0)
    fast = _bonferroni(m, n, ell)
    if fast is not None:
        return fast
    from flint import arb, ctx

    old = ctx.prec
    prec = m + 80
    try:
        while True:
            ctx.prec = prec
            ellb = arb(ell.numerator) / arb(ell.denominator)
            total = arb(0)
            binom = 1
            for k in range(1, m + 1):
                binom = binom * (m - k + 1) // k
                base = 1 - k * ellb
                if base.upper() <= 0:  # k ell = 1 exactly: the term is 0 (n >= 1) or 1 (n = 0)
                    term = arb(1 if n == 0 else 0)
                else:
                    term = base ** n
                total += (1 if k % 2 else -1) * arb(binom) * term
            lo, hi = float(total.lower()), float(total.upper())
            mid = float(total.mid())
            if hi - lo <= 1e-12 * max(abs(mid), 1e-300) or prec > 40000:
                lo, hi = max(lo, 0.0), min(hi, 1.0)
                return Enclosure(min(max(mid, lo), hi), lo, hi)
            prec *= 2
    finally:
        ctx.prec = old


def _log_term(m, n, k, e, log_binom):
    if k * e >= 1:
        return -math.inf
    return log_binom + n * math.log1p(-k * e)


def _bonferroni(m, n, ell):
    r"""Fast path when the union-bound term :math:`S_1=m(1-\ell)^n\le1/2`: the terms
    :math:`S_k=inom mk(1-k\ell)^n\le S_1^k/k!` decrease geometrically, and by the Bonferroni inequalities
    consecutive partial sums enclose P'. Summed in floats (relative rounding ~1e-15, widened by 1e-13);
    returns None when the fast path does not apply."""
    e = float(ell)
    if n == 0:
        return None
    l1 = _log_term(m, n, 1, e, math.log(m))
    if l1 > math.log(0.5):
        return None
    partial, prev = 0.0, 0.0
    lb = 0.0
    for k in range(1, m + 1):
        lb += math.log((m - k + 1) / k)          # log C(m, k), accumulated (k stays small here)
        lk = _log_term(m, n, k, e, lb)
        t = math.exp(lk) if lk > -745 else 0.0
        prev = partial
        partial += t if k % 2 else -t
        if t <= 1e-18 * max(partial, 1e-300) or t == 0.0:
            break
    lo, hi = min(prev, partial), max(prev, partial)
    if k == m:  # the full sum: exact up to rounding
        lo = hi = partial
    widen = 1e-13 * abs(partial)
    return Enclosure(partial, max(0.0, lo - widen), min(1.0, hi + widen))


def union_bound(m: int, n: int, ell) -> float:
    """The union bound m (1 - ell)^n >= P' (may exceed 1)."""
    m, n, ell = _check_mnl(m, n, ell)
    return float(m * (1 - float(ell)) ** n) if m else 0.0


def coverage_probability(m: int, n: int, ell) -> float:
    """1 - P': every one of the m intervals receives at least one of the n samples."""
    return 1.0 - miss_probability(m, n, ell).value


def paper_subnetwork_probability(m: int, n: int, ell, m_values: int | None = None, ell_values=None) -> float:
    r"""The paper's :math:`P_{\rm sub}=[1-P']^2` (biases and coefficient values covered, as independent
    events); with separate interval sets for the values, :math:`(1-P'_b)(1-P'_v)`."""
    pb = coverage_probability(m, n, ell)
    if m_values is None:
        return pb * pb
    return pb * coverage_probability(m_values, n, ell if ell_values is None else ell_values)


def gap_count_needed(g) -> int:
    """Number ceil(2/g) of length-g/2 cells used by :func:`gap_event_bound`."""
    g = float(g)
    if not 0 < g <= 1:
        raise ProbabilityError(f"gap threshold g must be in (0, 1], got {g:g}")
    return math.ceil(2.0 / g)


def gap_event_bound(N: int, g) -> float:
    r"""Lower bound :math:`1-\lceil 2/g\rceil(1-g/2)^N` (clipped at 0) on P(every gap of N uniform points
    on [0,1], end gaps included, is < g)."""
    if isinstance(N, bool) or not isinstance(N, (int, np.integer)) or N < 0:
        raise ProbabilityError(f"N must be a non-negative integer, got {N!r}")
    cells = gap_count_needed(g)
    return max(0.0, 1.0 - cells * (1.0 - float(g) / 2.0) ** int(N))


def smallest_n(prob, target: float, n_min: int = 1, n_max: int = 10 ** 9) -> int:
    """Smallest n in [n_min, n_max] with prob(n) >= target, for prob non-decreasing in n (bisection).
    ``prob`` may also return a bool (True when the target is reached).

    Raises ProbabilityError when even n_max does not reach the target or target is not in (0, 1).
    """
    if not 0 < target < 1:
        raise ProbabilityError(f"target probability must be in (0, 1), got {target!r}")
    if prob(n_max) < target:
        raise ProbabilityError(f"no n <= {n_max} reaches probability {target}")
    lo, hi = n_min, n_max
    if prob(lo) >= target:
        return lo
    # exponential search keeps the number of (expensive) evaluations small
    step = max(1, lo)
    while lo + step < hi and prob(lo + step) < target:
        lo += step
        step *= 2
    hi = min(hi, lo + step)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if prob(mid) >= target:
            hi = mid
        else:
            lo = mid
    return hi


def coverage_bracket(m: int, n: int, ell):
    r"""Bracket of the coverage probability 1 - P': Bonferroni (1 - S_1 <= 1 - P' <= 1 - S_1 + S_2,
    S_1 = m (1-ell)^n, S_2 = C(m,2) (1-2 ell)^n) and negative association of the occupancy events
    (1 - P' <= (1 - (1-ell)^n)^m). Cheap; tight when P' is small."""
    m, n, ell = _check_mnl(m, n, ell)
    e = float(ell)
    q1 = math.exp(n * math.log1p(-e)) if e < 1 else float(n == 0)
    s1 = m * q1
    s2 = math.comb(m, 2) * math.exp(n * math.log1p(-2 * e)) if m >= 2 and 2 * e < 1 else 0.0
    # the "interval i is empty" events are negatively associated (multinomial occupancy), so
    # P(all covered) <= prod_i P(i covered) = (1 - (1-ell)^n)^m
    na = math.exp(m * math.log1p(-q1)) if q1 < 1 else 0.0
    return max(0.0, 1 - s1), min(1.0, max(0.0, 1 - s1 + s2), na)


def smallest_n_coverage(groups, target: float, n_max: int = 10 ** 10) -> int:
    r"""Smallest n such that :math:`\prod_g(1-P'(m_g,n,\ell_g))\ge` ``target``, for independent groups of
    intervals ``groups = [(m, ell), ...]`` (each group sampled by its own n uniform draws, e.g. the biases
    and the coefficient values of Theorem 3). Bonferroni brackets decide most comparisons; the exact
    (arb) inclusion–exclusion is evaluated only near the threshold."""
    groups = [(int(m), ell) for m, ell in groups]

    def ok(n):
        lo = hi = 1.0
        for m, ell in groups:
            a, b = coverage_bracket(m, n, ell)
            lo, hi = lo * a, hi * b
        if lo >= target:
            return True
        if hi < target:
            return False
        val = 1.0
        for m, ell in groups:
            val *= coverage_probability(m, n, ell)
        return val >= target

    return smallest_n(ok, target, 1, n_max)


def interval_centres(m: int, ell) -> np.ndarray:
    """Centres (k + 1/2)/m, k = 0..m-1, of m disjoint intervals of length ell in [0, 1] (ell <= 1/m)."""
    m, _, ell = _check_mnl(m, 0, ell)
    return (np.arange(m) + 0.5) / m


def coverage_rate_mc(m: int, n: int, ell, draws: int = 1000, seed: int = 0, centres=None,
                     chunk_samples: int = 2 ** 22, per_draw: bool = False):
    """Monte Carlo: fraction of ``draws`` draws of n U[0,1] samples in which every one of the m intervals
    [c_k - ell/2, c_k + ell/2] holds a sample. Vectorised over draws (in chunks of about
    ``chunk_samples`` samples). ``centres`` defaults to :func:`interval_centres`.

    Returns (successes, draws), or the boolean array of per-draw outcomes when ``per_draw``.
    """
    m, n, ell = _check_mnl(m, n, ell)
    if isinstance(draws, bool) or not isinstance(draws, (int, np.integer)) or draws < 1:
        raise ProbabilityError(f"draws must be a positive integer, got {draws!r}")
    c = interval_centres(m, ell) if centres is None else np.sort(np.asarray(centres, dtype=float))
    if len(c) != m:
        raise ProbabilityError(f"expected {m} centres, got {len(c)}")
    half = float(ell) / 2
    if m > 1 and np.min(np.diff(c)) < 2 * half:
        raise ProbabilityError("intervals overlap: centres closer than the interval length")
    lo_edges = c - half
    rng = np.random.default_rng(seed)
    per = max(1, chunk_samples // max(n, 1))
    successes = 0
    done = 0
    outcomes = []
    while done < draws:
        k = min(per, draws - done)
        u = rng.random((k, n))
        # interval index of each sample: the last interval starting at or before u, then check the end
        idx = np.searchsorted(lo_edges, u, side="right") - 1
        ok = (idx >= 0)
        idx_c = np.clip(idx, 0, m - 1)
        ok &= u <= c[idx_c] + half
        rows = np.broadcast_to(np.arange(k)[:, None], u.shape)
        hit = np.zeros((k, m), dtype=bool)
        hit[rows[ok], idx_c[ok]] = True
        row_ok = hit.all(axis=1)
        outcomes.append(row_ok)
        successes += int(row_ok.sum())
        done += k
    if per_draw:
        return np.concatenate(outcomes)
    return successes, draws


def wilson_interval(successes: int, trials: int, confidence: float = 0.99):
    """Wilson score interval for a binomial proportion."""
    from scipy.stats import norm

    if trials <= 0:
        raise ProbabilityError("trials must be positive")
    z = float(norm.ppf(0.5 + confidence / 2))
    p = successes / trials
    den = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / den
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / den
    return max(0.0, centre - half), min(1.0, centre + half)


def clopper_pearson(successes: int, trials: int, confidence: float = 0.99):
    """Exact (Clopper–Pearson) binomial confidence interval."""
    from scipy.stats import beta

    if trials <= 0:
        raise ProbabilityError("trials must be positive")
    alpha = 1 - confidence
    lo = 0.0 if successes == 0 else float(beta.ppf(alpha / 2, successes, trials - successes + 1))
    hi = 1.0 if successes == trials else float(beta.ppf(1 - alpha / 2, successes + 1, trials - successes))
    return lo, hi
