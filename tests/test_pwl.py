"""Piecewise-linear algebra (proofkit.pwl): compile a ReLU sum, evaluate, exact and float agree."""
from fractions import Fraction as F

import numpy as np
import pytest
import sympy as sp

from proofkit.pwl import PiecewiseLinear, relu_sum, sup_abs_difference


def dense(w, c, a, x, scale=1.0, shift=0.0, s=0.0):
    z = np.multiply.outer(x, w.astype(float)) + c
    return shift + scale * (np.where(z > 0, z, s * z) @ a)


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("slope", [0.0, 0.01, 0.3])
def test_relu_sum_matches_dense(seed, slope):
    rng = np.random.default_rng(seed)
    H = int(rng.integers(1, 60))
    w = rng.choice([-1, 1], H)
    c = np.round(rng.uniform(-1, 1, H), 2)  # repeated break-points on purpose
    a = rng.normal(size=H)
    g = relu_sum(w, c, a, scale=1.3, shift=-0.2, negative_slope=slope, extra_knots=(-1, 1))
    x = np.concatenate([rng.uniform(-3, 3, 2000), -c * w, [-1.0, 1.0]])
    np.testing.assert_allclose(g(x), dense(w, c, a, x, 1.3, -0.2, slope), atol=1e-12, rtol=0)


def test_exact_form_is_exact():
    rng = np.random.default_rng(1)
    H = 30
    w = rng.choice([-1, 1], H)
    c = np.array([F(int(k), 7) for k in rng.integers(-7, 8, H)], dtype=object)
    a = np.array([F(int(k), 5) for k in rng.integers(-5, 6, H)], dtype=object)
    g = relu_sum(w, c, a, scale=F(3, 2), shift=F(1, 3), extra_knots=(F(-1), F(1)))
    assert g.exact
    for x in [F(-2), F(-1, 3), F(0), F(2, 7), F(5, 11), F(3)]:
        expected = F(1, 3) + F(3, 2) * sum(ai * max(int(wi) * x + ci, 0) for wi, ci, ai in zip(w, c, a))
        assert g(x) == expected


def test_linear_pairs_add_no_knots():
    # v*phi+ - v*phi- = v (x - b) is linear: its break-point must not become a knot
    g = relu_sum([1, -1, 1, -1], [-0.25, 0.25, -0.5, 0.5], [2.0, -2.0, 1.0, 1.0], extra_knots=(0.0, 1.0))
    assert list(g.knots) == [0.0, 0.5, 1.0]


def test_extrapolation_and_scalar():
    g = PiecewiseLinear(np.array([0.0, 1.0]), np.array([0.0, 1.0]), -1.0, 2.0)
    assert g(np.array([-1.0]))[0] == 1.0 and g(np.array([2.0]))[0] == 3.0
    assert float(g(0.5)) == 0.5


def test_large_unsorted_evaluation_matches_sorted_path():
    rng = np.random.default_rng(3)
    t = np.sort(rng.uniform(-1, 1, 10000))
    g = PiecewiseLinear(t, rng.normal(size=t.size), 0.5, -0.5)
    x = rng.uniform(-1.5, 1.5, 20000)
    y = g(x)
    ys = g(np.sort(x))
    np.testing.assert_array_equal(np.sort(x)[np.argsort(np.argsort(x))], x)
    np.testing.assert_array_equal(y, ys[np.argsort(np.argsort(x))])


def test_to_sympy_and_sup_difference():
    f = relu_sum([1, -1], [F(-1, 2), F(1, 4)], [F(1), F(2)], extra_knots=(F(0), F(1)))
    x = sp.Symbol("x")
    pw = f.to_sympy(x)
    for q in [F(0), F(1, 8), F(1, 3), F(3, 4), F(1)]:
        assert pw.subs(x, sp.Rational(q.numerator, q.denominator)) == sp.Rational(f(q).numerator, f(q).denominator)
    g = relu_sum([1], [F(0)], [F(0)], extra_knots=(F(0), F(1)))  # zero function
    val, arg = sup_abs_difference(f, g, F(0), F(1))
    assert val == max(abs(f(q)) for q in [F(0), F(1, 4), F(1, 2), F(1)])


def test_bad_weights():
    with pytest.raises(ValueError):
        relu_sum([2], [0.0], [1.0])
    with pytest.raises(ValueError):
        relu_sum([1, 1], [0.0], [1.0])
