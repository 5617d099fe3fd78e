"""Building blocks (proofkit.blocks) on exact equidistant pools: heights, profiles, reorganisation."""
from fractions import Fraction as F

import numpy as np
import pytest

from proofkit.blocks import (anchored_ramp_block, assemble, constant_block, linear_reorganisation,
                             sign_selection, step_block, step_height)
from proofkit.network import PermNetwork
from proofkit.pool import equidistant_pool


def network(n, *assign):
    return PermNetwork.from_pool(equidistant_pool(n), assemble(n, *assign))


def rest(n, used):
    return linear_reorganisation([i for i in range(n) if i not in used], equidistant_pool(n).exact_biases).assign


@pytest.mark.parametrize("start", [1, 3, 6])
@pytest.mark.parametrize("sign", [1, -1])
def test_step_block_profile(start, sign):
    n = 13
    ks = list(range(start, start + 4))
    b = equidistant_pool(n).exact_biases
    D = F(1, n - 1)
    h = step_height(*(b[k] for k in ks))
    assert h == 2 * D * D  # position-independent height
    reo = linear_reorganisation([i for i in range(n) if i not in ks], b)
    f = network(n, step_block(*ks, sign=sign), reo.assign).exact_pl
    block = lambda x: f(x) - (reo.slope * x + reo.intercept)  # noqa: E731  (remove the linear leftover)
    prof = [block(b[k]) - block(b[ks[0]]) for k in ks]
    assert prof == [0, sign * h / 2, sign * h / 2, sign * h]
    assert block(F(0)) == block(b[ks[0]]) and block(F(1)) == block(b[ks[3]])  # constant outside


def test_constant_and_ramp_blocks():
    n = 9
    b = equidistant_pool(n).exact_biases
    D = F(1, 8)
    net = network(n, constant_block(1, 2, 3, 4), anchored_ramp_block(5, 6, 7, 8), rest(n, [1, 2, 3, 4, 5, 6, 7, 8]))
    f = net.exact_pl
    # constant block: 4D^2 everywhere; ramp: 0 left of c2, h=(c3-c2)(c4-c1)=3D^2 right of c3, linear between
    assert f(F(0)) == 4 * D * D
    assert f(b[6]) == 4 * D * D and f(b[7]) == 4 * D * D + 3 * D * D and f(F(1)) == 7 * D * D
    assert f((b[6] + b[7]) / 2) == 4 * D * D + F(3, 2) * D * D


def test_sign_selection_bound():
    rng = np.random.default_rng(0)
    for _ in range(50):
        gaps = [F(int(k), 97) for k in rng.integers(0, 97, rng.integers(1, 40))]
        signs, total = sign_selection(gaps)
        s = 0
        for m, g in zip(signs, gaps):
            s += m * g
            assert abs(s) <= max(gaps)
        assert s == total


def test_sign_selection_largest_first_bound():
    from proofkit.blocks import BlockError, sign_selection_largest_first

    rng = np.random.default_rng(1)
    for _ in range(200):
        big = rng.integers(0, 60, rng.integers(0, 12))
        ones = np.ones(rng.integers(0, 80), np.int64)
        gaps = rng.permutation(np.concatenate([big, ones, np.zeros(rng.integers(0, 3), np.int64)]))
        signs, S = sign_selection_largest_first(gaps)
        assert set(np.unique(signs)) <= {-1, 1} and len(signs) == len(gaps)
        assert S == int(np.dot(signs, gaps))
        assert abs(S) <= (gaps.max() if len(gaps) else 0)
        if len(ones) >= (big.max() if len(big) else 0):
            assert abs(S) <= 1  # enough unit gaps to cancel what the large ones leave
    with pytest.raises(BlockError):
        sign_selection_largest_first([3, -1])


def test_linear_reorganisation_slope_and_zero_pair():
    b = equidistant_pool(21).exact_biases
    reo = linear_reorganisation(range(21), b)
    assert reo.single == 0  # odd count: the zero pair takes the identity mode, contributing nothing
    assert abs(reo.slope) <= reo.max_gap == F(1, 20)


def test_assemble_rejects_overlap_and_gaps():
    with pytest.raises(ValueError, match="twice"):
        assemble(8, step_block(0, 1, 2, 3), step_block(3, 4, 5, 6))
    with pytest.raises(ValueError, match="not assigned"):
        assemble(8, step_block(0, 1, 2, 3))
