"""Weight pools (proofkit.pool)."""
from fractions import Fraction as F

import numpy as np
import pytest

from proofkit.pool import (INITIALISATIONS, PoolError, equidistant_pool, experiment_pool, first_layer,
                           pairwise_random_pool)


def test_equidistant_exact_and_float():
    p = equidistant_pool(5)
    assert p.exact_biases == (F(0), F(1, 4), F(1, 2), F(3, 4), F(1))
    assert p.exact_values == p.exact_biases + tuple(-b for b in p.exact_biases)
    assert list(p.values) == [float(v) for v in p.exact_values]
    q = equidistant_pool(3, ("-1", "1"))
    assert q.exact_biases == (F(-1), F(0), F(1)) and q.domain == (-1.0, 1.0)


def test_pools_are_immutable():
    p = equidistant_pool(4)
    with pytest.raises(ValueError):
        p.values[0] = 3.0
    with pytest.raises(AttributeError):
        p.name = "x"


@pytest.mark.parametrize("name", list(INITIALISATIONS) + ["random1", "Random 2", "RANDOM-5"])
def test_experiment_pools(name):
    p = experiment_pool(name, 16, seed=7)
    assert p.n == 16 and len(p.values) == 32
    q = experiment_pool(name, 16, seed=7)
    assert np.array_equal(p.values, q.values) and np.array_equal(p.biases, q.biases)  # deterministic


def test_pairwise_structure_and_xavier_bounds():
    p = experiment_pool("pairwise", 10, 0)
    assert np.array_equal(p.values[:10], -p.values[10:])
    x = experiment_pool("random5", 100, 0)
    assert np.abs(x.biases).max() <= np.sqrt(2) * np.sqrt(6 / 101)
    assert np.abs(x.values).max() <= np.sqrt(2) * np.sqrt(6 / 201)
    eq = experiment_pool("equidistant", 10, 3)
    assert np.array_equal(np.sort(eq.values), np.linspace(-1, 1, 20))


def test_pairwise_random_theory_pool():
    p = pairwise_random_pool(50, (0, 1), seed=3)
    assert np.all((p.biases >= 0) & (p.biases <= 1))
    assert np.array_equal(p.values[:50], -p.values[50:]) and np.all(p.values[:50] >= 0)


def test_first_layer_layouts():
    p = experiment_pool("pairwise", 3, 1)
    w, c, _ = first_layer(p, "authors")
    assert list(w) == [1, 1, 1, -1, -1, -1] and np.array_equal(c, np.concatenate([p.biases, p.biases]))
    w, c, ex = first_layer(equidistant_pool(3), "theory")
    assert np.array_equal(-w * c, [0, 0.5, 1, 0, 0.5, 1])  # shared break-points b_i
    assert ex == (F(0), F(-1, 2), F(-1), F(0), F(1, 2), F(1))


@pytest.mark.parametrize("call, fragment", [
    (lambda: experiment_pool("xavier", 4), "valid: equidistant"),
    (lambda: experiment_pool("pairwise", 0), "positive integer"),
    (lambda: experiment_pool("pairwise", 4, seed=1.5), "seed must be an integer"),
    (lambda: equidistant_pool(1), "n >= 2"),
    (lambda: equidistant_pool(4, (1, 0)), "a < b"),
    (lambda: first_layer(equidistant_pool(3), "mirror"), "unknown bias layout"),
])
def test_bad_pool_input(call, fragment):
    with pytest.raises(PoolError, match=fragment):
        call()


def test_experiment_pool_nd():
    from proofkit.pool import ND_BIAS_RANGE, experiment_pool_nd

    b, w = experiment_pool_nd("equidistant", 5, 8, seed=3)
    assert len(b) == len(w) == 40
    np.testing.assert_array_equal(b[:5], np.linspace(-ND_BIAS_RANGE, ND_BIAS_RANGE, 5))
    np.testing.assert_array_equal(b, np.tile(b[:5], 8))          # the same biases for every direction
    np.testing.assert_array_equal(np.sort(w), np.linspace(-1, 1, 40))  # a shuffled equidistant pool
    b2, w2 = experiment_pool_nd("pairwise", 5, 26, seed=3)
    np.testing.assert_array_equal(w2[:65], -w2[65:])
    assert np.abs(b2).max() <= ND_BIAS_RANGE and np.abs(w2).max() <= 1
    b3, w3 = experiment_pool_nd("random", 5, 8, seed=3)
    assert np.array_equal(b3, experiment_pool_nd("random", 5, 8, seed=3)[0])   # deterministic in the seed
    assert not np.array_equal(w3, experiment_pool_nd("random", 5, 8, seed=4)[1])
    with pytest.raises(PoolError, match="valid: equidistant, pairwise, random"):
        experiment_pool_nd("xavier", 5, 8)
    with pytest.raises(PoolError):
        experiment_pool_nd("pairwise", 5, 7)
