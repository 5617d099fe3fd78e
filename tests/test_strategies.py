"""Tests of the random-target strategies of proofkit.testing: they parse, are finite, and their stated
modulus of continuity really bounds |f(x) - f(y)| (and a too-small modulus is caught)."""
from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from proofkit import testing as T
from proofkit.expr import Target, parse_target

SETTINGS = settings(max_examples=25, derandomize=True, deadline=None)
SEEDS = st.integers(0, 2**31 - 1)

KINDS = [T.polynomials, T.piecewise_linear, T.trigonometric_sums, T.brownian_paths, T.holder_functions,
         T.weierstrass_sums, T.sums]


def _check(rt: T.RandomTarget, seed: int):
    assert isinstance(rt.target, Target)
    a, b = rt.domain
    assert a < b and Fraction(a) * 4 == int(Fraction(a) * 4) and Fraction(b) * 4 == int(Fraction(b) * 4)
    # what a user would type: the text parses to the same expression
    assert parse_target(rt.text).expr == rt.target.expr
    rt.target.check_finite(rt.domain)
    rng = np.random.default_rng(seed)
    x, y = T.sample_pairs(rt.domain, rng, 150, rt.special_points)
    assert x.min() >= a and x.max() <= b and y.min() >= a and y.max() <= b
    bad = T.modulus_violations(rt, x, y)
    assert bad.size == 0, (rt.text, rt.description, x[bad[:3]], y[bad[:3]])
    if rt.lipschitz is not None:
        assert rt.lipschitz >= 0
        assert T.modulus_violations(rt, x, y, T.LinearModulus(rt.lipschitz)).size == 0
        d = np.abs(x - y)
        assert np.all(rt.modulus(d) <= rt.lipschitz * d * (1 + 1e-12) + 1e-300)
    assert rt.modulus(0.0) == 0.0


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.__name__)
def test_targets_parse_are_finite_and_obey_their_modulus(kind):
    @SETTINGS
    @given(rt=kind(), seed=SEEDS)
    def run(rt, seed):
        _check(rt, seed)
    run()


@SETTINGS
@given(rt=T.random_targets(domain=(-1, 1)), seed=SEEDS)
def test_random_targets_on_a_fixed_domain(rt, seed):
    assert rt.domain == (-1.0, 1.0)
    _check(rt, seed)


@SETTINGS
@given(rt=st.one_of(T.piecewise_linear(), T.brownian_paths()))
def test_piecewise_targets_are_piecewise_linear(rt):
    assert rt.target.is_piecewise_linear()


@SETTINGS
@given(rt=T.polynomials())
def test_polynomials_are_polynomials(rt):
    assert rt.target.is_piecewise_polynomial()


@pytest.mark.parametrize("kind", [T.piecewise_linear, T.brownian_paths, T.holder_functions],
                         ids=lambda k: k.__name__)
def test_a_modulus_10_percent_too_small_is_caught(kind):
    """These moduli are attained (steepest piece, Hölder cusp), so 0.9*omega must be violated: the check
    of the test above is able to fail."""
    @SETTINGS
    @given(rt=kind(), seed=SEEDS)
    def run(rt, seed):
        if rt.lipschitz == 0:
            return  # a constant function: every modulus is sharp at 0
        rng = np.random.default_rng(seed)
        x, y = T.sample_pairs(rt.domain, rng, 150, rt.special_points)
        too_small = lambda d: 0.9 * rt.modulus(d)  # noqa: E731
        assert T.modulus_violations(rt, x, y, too_small).size > 0, rt.text
    run()


def test_holder_exponent_matters():
    # |x - 1/3|^(1/2): a Lipschitz modulus (any L) fails near the cusp, the Hölder one holds
    rt = T.RandomTarget(parse_target("abs(x - 1/3)**(1/2)"), (0.0, 1.0), T.HolderModulus(1.0, 0.5), "sqrt cusp",
                        None, (1 / 3,))
    x, y = T.sample_pairs(rt.domain, np.random.default_rng(0), 300, rt.special_points)
    assert T.modulus_violations(rt, x, y).size == 0
    assert T.modulus_violations(rt, x, y, T.LinearModulus(100.0)).size > 0


def test_moduli_evaluate_as_documented():
    d = np.array([0.0, 0.25, 1.0, 4.0])
    assert np.array_equal(T.LinearModulus(2.0)(d), 2 * d)
    assert np.allclose(T.HolderModulus(3.0, 0.5)(d), 3 * np.sqrt(d))
    assert np.array_equal(T.CappedLinearModulus(((2.0, 1.0), (1.0, 0.5)))(d),
                          np.minimum(2 * d, 1) + np.minimum(d, 0.5))
    s = T.SumModulus((T.LinearModulus(1.0), T.HolderModulus(1.0, 0.5)))
    assert np.allclose(s(d), d + np.sqrt(d))
    assert np.array_equal(T.CappedLinearModulus(())(d), np.zeros(4))


def test_rounding_up_helper():
    from proofkit.testing import _up
    for q in [Fraction(1, 3), Fraction(-2, 7), Fraction(10, 1), Fraction(1, 10**20)]:
        assert Fraction(_up(q)) >= q
        assert Fraction(math.nextafter(_up(q), -math.inf)) < q or Fraction(_up(q)) == q
    assert T._PI_UP > math.pi
