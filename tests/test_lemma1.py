"""Lemma 1 (proofkit.construct.lemma1): unit steps at level crossings, error Δh/2 (+ sampling term)."""
import math
from fractions import Fraction

import numpy as np
import pytest

from proofkit.construct.budget import ConstructionError
from proofkit.construct.lemma1 import (as_fraction, oscillation_estimate, piecewise_constant_approximation,
                                       sample_target)
from proofkit.errors import ProofkitError
from proofkit.expr import STANDARD_TARGETS, parse_target, standard_target


def level_on(target, lemma, x):
    """k(x) = floor((f*(x) - f*(a))/Δh + 1/2), computed independently of the construction's samples."""
    return np.floor((target(x) - lemma.f_a) / float(lemma.delta_h) + 0.5).astype(np.int64)


@pytest.mark.parametrize("name", list(STANDARD_TARGETS))
def test_steps_match_level_function_on_a_fine_grid(name):
    target, dom = standard_target(name)
    lem = piecewise_constant_approximation(target, Fraction(1, 50), dom)
    x = np.sort(np.random.default_rng(7).uniform(*dom, 1_500_000))  # not the construction's grid
    k = level_on(target, lem, x)
    bad = np.flatnonzero(k != lem.level(x))
    if len(bad):  # only allowed at the rounding resolution of a refined crossing
        dist = np.min(np.abs(x[bad, None] - lem.locations[None, :]), axis=1)
        assert dist.max() < 1e-12
    # the sum of the unit steps is the total level change, and each step is +1 or -1
    assert set(np.unique(lem.signs).tolist()) <= {-1, 1}
    assert lem.signs.astype(int).sum() == level_on(target, lem, np.array([dom[1]]))[0]
    assert np.all(np.diff(lem.locations) >= 0)
    assert np.array_equal(lem.level(lem.xs), lem.levels)  # f_pc = f*(a) + Δh k at every sample


@pytest.mark.parametrize("name", list(STANDARD_TARGETS))
def test_error_below_the_lemma1_bound(name):
    target, dom = standard_target(name)
    lem = piecewise_constant_approximation(target, 0.03, dom)
    x = np.linspace(*dom, 1_000_003)
    err = np.abs(target(x) - lem(x)).max()
    assert err <= lem.bound + 1e-12
    assert lem.bound >= 0.015 and lem.bound < 0.015 * 1.2  # Δh/2 plus a small sampling term
    assert err > 0.015 * 0.9  # and Δh/2 is essentially attained: the bound is not vacuous


def test_steep_jump_becomes_several_unit_steps_in_order():
    # a near-jump of ~pi/0.1 = 31 levels over a width of 1e-5: many unit steps, all up, nearly at x = 1/2
    target = parse_target("atan(100000*(x - 1/2))")
    lem = piecewise_constant_approximation(target, "0.1", (0, 1))
    up = lem.signs > 0
    k_end = level_on(target, lem, np.array([1.0]))[0]
    assert up.sum() == k_end and (~up).sum() == 0 and k_end >= 30
    assert np.all(np.abs(lem.locations - 0.5) < 1e-3)
    assert np.all(np.diff(lem.locations) > 0)  # refined to distinct locations
    # each location is where the target crosses its half-level
    levels = np.arange(1, k_end + 1) - 0.5
    assert np.allclose(target(lem.locations) - lem.f_a, levels * 0.1, atol=1e-6)


def test_oscillating_target_has_down_steps_and_signs_alternate_at_extrema():
    target = parse_target("sin(20*pi*x)")
    lem = piecewise_constant_approximation(target, 0.25, (0, 1))
    assert (lem.signs > 0).sum() == (lem.signs < 0).sum()  # ends at the starting level
    # 10 periods; each crosses the half-levels +-0.125, +-0.375, +-0.625, +-0.875 twice: 16 steps
    assert lem.J == 10 * 16
    k = np.concatenate([[0], np.cumsum(lem.signs)])
    assert k.max() == 4 and k.min() == -4
    assert np.all(np.abs(np.diff(k)) == 1)


@pytest.mark.parametrize("domain", [(2.0, 5.0), (-3.0, -1.0), ("0.1", "0.7")])
def test_any_interval(domain):
    target = parse_target("exp(x/3)*cos(3*x)")
    lem = piecewise_constant_approximation(target, 0.05, domain)
    a, b = float(domain[0]), float(domain[1])
    assert lem.xs[0] == a and lem.xs[-1] == b
    assert lem.f_a == pytest.approx(float(target(np.array([a]))[0]))
    x = np.linspace(a, b, 400_001)
    assert np.abs(target(x) - lem(x)).max() <= lem.bound
    assert np.all((lem.locations >= a) & (lem.locations <= b))


def test_cusp_is_refined_and_accounted_for():
    target = parse_target("sqrt(x)")
    lem = piecewise_constant_approximation(target, 0.02, (0, 1))
    # adaptive refinement puts extra samples next to 0, where sqrt is steep
    assert len(lem.xs) > 2 ** 20 + 1
    assert np.diff(lem.xs)[0] < 1e-7
    # the first steps sit where sqrt crosses 0.01, 0.03, 0.05...
    assert lem.locations[:3] == pytest.approx([0.01 ** 2, 0.03 ** 2, 0.05 ** 2], rel=1e-9)
    x = np.concatenate([np.geomspace(1e-14, 1e-2, 200_000), np.linspace(0, 1, 200_001)])
    assert np.abs(target(x) - lem(x)).max() <= lem.bound


def test_oscillation_estimate_covers_a_peak_between_samples():
    xs = np.array([0.0, 1.0, 2.0, 3.0])
    fs = np.array([0.0, 1.0, 1.0, 0.0])  # a peak inside [1, 2] is invisible to the two samples
    eta = oscillation_estimate(xs, fs)
    assert eta[1] == 2.0  # twice the neighbours' increments
    eta_d = oscillation_estimate(xs, fs, dfs=np.array([1.0, 4.0, -4.0, -1.0]))
    assert eta_d[1] == 5.0  # 1.25 * h * max|f'|


def test_sample_target_refines_only_big_increments():
    xs, fs = sample_target(lambda x: np.where(x < 0.5, 0.0, 1.0) * (x - 0.5) * 1e4, (0, 1), samples=1000, tol=1.0)
    assert np.all(np.abs(np.diff(fs)) <= 1.0 + 1e-9)
    assert np.all(np.diff(xs) > 0)
    assert len(xs) < 20000


@pytest.mark.parametrize("bad", [0, -0.1, float("nan"), float("inf"), "abc", True])
def test_bad_delta_h(bad):
    with pytest.raises(ProofkitError):
        piecewise_constant_approximation(parse_target("x"), bad, (0, 1))


def test_bad_domain_and_non_finite_target():
    with pytest.raises(ConstructionError, match="a < b"):
        piecewise_constant_approximation(parse_target("x"), 0.1, (1, 0))
    with pytest.raises(ConstructionError, match="not finite"):
        piecewise_constant_approximation(parse_target("1/(x - 1/2)"), 0.1, (0, 1))


def test_as_fraction_takes_decimals_as_written():
    assert as_fraction(0.1) == Fraction(1, 10)
    assert as_fraction("1/3") == Fraction(1, 3)
    assert as_fraction(3) == 3
    with pytest.raises(ConstructionError):
        as_fraction(math.nan)
