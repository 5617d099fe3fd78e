"""Tests for proofkit.probability: inclusion-exclusion (exact vs arb), bounds, Monte Carlo agreement."""
from fractions import Fraction

import numpy as np
import pytest

from proofkit.errors import ProofkitError
from proofkit.probability import (ProbabilityError, clopper_pearson, coverage_bracket, coverage_probability,
                                  coverage_rate_mc, smallest_n_coverage,
                                  gap_event_bound, miss_probability, miss_probability_exact,
                                  paper_subnetwork_probability, smallest_n, union_bound, wilson_interval)


@pytest.mark.parametrize("m,n,ell", [(1, 10, Fraction(1, 3)), (5, 30, Fraction(1, 20)), (12, 200, Fraction(1, 50)),
                                     (40, 400, Fraction(1, 80)), (3, 0, Fraction(1, 4))])
def test_arb_matches_exact_fractions(m, n, ell):
    exact = miss_probability_exact(m, n, ell)
    enc = miss_probability(m, n, ell)
    assert enc.lower <= float(exact) <= enc.upper or abs(enc.value - float(exact)) <= 1e-15 * max(1, float(exact))
    assert enc.value == pytest.approx(float(exact), rel=1e-12, abs=1e-300)


def test_single_interval_is_closed_form():
    # one interval of length ell is missed by all n samples with probability (1 - ell)^n
    assert miss_probability(1, 17, Fraction(1, 5)).value == pytest.approx((4 / 5) ** 17, rel=1e-14)


def test_union_bound_dominates_and_cancellation_is_handled():
    # m = 400 terms of size up to C(400, 200) ~ 1e119: plain floats would return garbage here
    m, n, ell = 400, 20000, Fraction(1, 1000)
    p = miss_probability(m, n, ell)
    ub = union_bound(m, n, ell)
    assert 0 < p.value <= ub
    # for small P' the union bound is nearly tight (second Bonferroni term is O(P'^2))
    assert p.value == pytest.approx(ub, rel=1e-3)
    # and the enclosure is tight
    assert p.upper - p.lower <= 1e-10 * p.value


def test_coverage_monotone_in_n():
    vals = [coverage_probability(30, n, Fraction(1, 100)) for n in (100, 300, 1000, 3000)]
    assert all(x < y for x, y in zip(vals, vals[1:]))


def test_paper_probability_is_square():
    q = coverage_probability(10, 500, Fraction(1, 40))
    assert paper_subnetwork_probability(10, 500, Fraction(1, 40)) == pytest.approx(q * q)


@pytest.mark.parametrize("m,n,ell,seed", [(20, 200, 0.02, 1), (8, 60, 0.05, 2), (50, 3000, 0.004, 3)])
def test_monte_carlo_within_its_99_percent_interval(m, n, ell, seed):
    draws = 4000
    k, N = coverage_rate_mc(m, n, ell, draws=draws, seed=seed)
    exact = 1 - float(miss_probability_exact(m, n, Fraction(ell))) if n <= 400 else \
        coverage_probability(m, n, ell)
    lo, hi = wilson_interval(k, N, 0.99)
    assert lo <= exact <= hi, (k / N, exact, lo, hi)
    lo2, hi2 = clopper_pearson(k, N, 0.99)
    assert lo2 <= exact <= hi2


def test_monte_carlo_check_has_power():
    # the same check rejects the exact value for intervals 20% shorter than those simulated
    m, n, ell = 20, 200, 0.02
    k, N = coverage_rate_mc(m, n, ell, draws=4000, seed=5)
    wrong = coverage_probability(m, n, 0.8 * ell)
    lo, hi = wilson_interval(k, N, 0.99)
    assert not (lo <= wrong <= hi)


def test_gap_event_bound_is_a_lower_bound():
    rng = np.random.default_rng(0)
    N, g, draws = 400, 0.05, 3000
    u = np.sort(rng.random((draws, N)), axis=1)
    gaps = np.concatenate([u[:, :1], np.diff(u, axis=1), 1 - u[:, -1:]], axis=1)
    rate = (gaps.max(axis=1) < g).mean()
    bound = gap_event_bound(N, g)
    assert 0 < bound <= rate + 3 * np.sqrt(rate * (1 - rate) / draws)


def test_smallest_n_is_minimal():
    f = lambda n: coverage_probability(25, n, Fraction(1, 200))  # noqa: E731
    n = smallest_n(f, 0.9)
    assert f(n) >= 0.9 > f(n - 1)


@pytest.mark.parametrize("call", [
    lambda: miss_probability(10, 5, Fraction(1, 5)),      # 10 intervals of length 1/5 do not fit
    lambda: miss_probability(3, 5, 0),
    lambda: miss_probability(-1, 5, 0.1),
    lambda: miss_probability(3, 2.5, 0.1),
    lambda: smallest_n(lambda n: 1.0, 1.0),
    lambda: gap_event_bound(10, 0),
    lambda: coverage_rate_mc(3, 10, 0.1, draws=0),
    lambda: coverage_rate_mc(2, 10, 0.3, centres=[0.4, 0.5]),
])
def test_bad_input_raises_proofkit_error(call):
    with pytest.raises(ProbabilityError) as exc:
        call()
    assert isinstance(exc.value, ProofkitError)
    assert "\n" not in str(exc.value)


def test_fast_path_agrees_with_ball_arithmetic():
    from flint import arb, ctx
    m, n, ell = 300, 40000, Fraction(1, 2000)   # S_1 ~ 6e-7: the float Bonferroni path is used
    fast = miss_probability(m, n, ell)
    old = ctx.prec
    ctx.prec = 800
    try:
        e = arb(1) / 2000
        total = sum((1 if k % 2 else -1) * arb(__import__("math").comb(m, k)) * (1 - k * e) ** n
                    for k in range(1, m + 1))
    finally:
        ctx.prec = old
    assert fast.lower <= float(total.mid()) <= fast.upper


@pytest.mark.parametrize("m,n,ell", [(20, 200, Fraction(1, 50)), (40, 400, Fraction(1, 80)), (5, 10, Fraction(1, 10))])
def test_bracket_contains_exact(m, n, ell):
    exact = 1 - float(miss_probability_exact(m, n, ell))
    lo, hi = coverage_bracket(m, n, ell)
    assert lo - 1e-15 <= exact <= hi + 1e-15


def test_smallest_n_coverage_two_groups():
    groups = [(60, Fraction(1, 400)), (12, Fraction(1, 100))]
    n = smallest_n_coverage(groups, 0.9)
    prod = lambda k: coverage_probability(60, k, Fraction(1, 400)) * coverage_probability(12, k, Fraction(1, 100))  # noqa: E731
    assert prod(n) >= 0.9 > prod(n - 1)
