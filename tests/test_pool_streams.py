"""Random streams of the experiment pools (proofkit.pool.experiment_pool): the numpy stream, re-derived here
from its documented recipe (numpy.random.default_rng(seed); n biases, then 2n coefficient values), must stay
bit for bit what it was when stored runs were made; ``stream`` is validated."""
import math

import numpy as np
import pytest

from proofkit.pool import INITIALISATIONS, PoolError, experiment_pool


def numpy_recipe(init, n, seed):
    r = np.random.default_rng(seed)
    xb = math.sqrt(2.0) * math.sqrt(6.0 / (n + 1))
    xw = math.sqrt(2.0) * math.sqrt(6.0 / (2 * n + 1))
    biases = {
        "equidistant": lambda: np.linspace(-1, 1, n), "random3": lambda: np.linspace(-1, 1, n),
        "random5": lambda: r.uniform(-xb, xb, n), "random6": lambda: r.normal(0.0, math.sqrt(2.0) / math.sqrt(n), n),
    }.get(init, lambda: r.uniform(-1, 1, n))()
    if init in ("equidistant", "random4"):
        values = r.permutation(np.linspace(-1, 1, 2 * n))
    elif init == "pairwise":
        c = r.uniform(-1, 1, n)
        values = np.concatenate([c, -c])
    elif init in ("random5", "random7"):
        values = r.uniform(-xw, xw, 2 * n)
    elif init in ("random6", "random8"):
        values = r.normal(0.0, math.sqrt(2.0) / math.sqrt(2 * n), 2 * n)
    else:  # random, random3
        values = r.uniform(-1, 1, 2 * n)
    return biases, values


@pytest.mark.parametrize("init", sorted(INITIALISATIONS))
@pytest.mark.parametrize("n, seed", [(1, 0), (7, 2022), (64, 123456789)])
def test_numpy_stream_is_the_documented_recipe(init, n, seed):
    b, w = numpy_recipe(init, n, seed)
    for pool in (experiment_pool(init, n, seed), experiment_pool(init, n, seed, stream="numpy")):
        assert np.array_equal(pool.biases, b) and np.array_equal(pool.values, w)
        assert pool.stream == "numpy" and "stream" not in repr(pool)


def test_unknown_stream_is_refused():
    with pytest.raises(PoolError, match="valid: numpy, torch"):
        experiment_pool("pairwise", 4, 0, stream="cuda")
