"""Tests for Theorem 2 (no output layer): blocks in vectorised form, exactness, budget, bad input."""
from fractions import Fraction

import numpy as np
import pytest

from proofkit.blocks import PairAssignment, anchored_ramp_block, assemble
from proofkit.construct.budget import ConstructionError
from proofkit.construct.theorem2 import (construct_theorem2, ramp_order_for,
                                         stacked_ramp_height)
from proofkit.errors import ProofkitError
from proofkit.expr import parse_target
from proofkit.network import PermNetwork
from proofkit.pool import equidistant_pool


def _net(n, perm, domain=(0, 1)):
    return PermNetwork.from_pool(equidistant_pool(n, domain), perm)


def test_stacked_height_formula():
    for m in range(1, 30):
        assert stacked_ramp_height(m) * 3 == 16 * m ** 3 - 7 * m
        assert stacked_ramp_height(m) == sum((4 * r + 1) * (4 * r + 3) for r in range(m))


def test_ramp_order_is_largest_admissible():
    d = Fraction(1, 999)
    for H in (Fraction(1, 10), Fraction(1, 1000), Fraction(3, 7)):
        m = ramp_order_for(H, d)
        assert d * d * stacked_ramp_height(m) <= H < d * d * stacked_ramp_height(m + 1)


def test_vectorised_ramp_equals_blocks_module():
    n = 12
    asg = PairAssignment(n)
    asg.anchored_ramps([2], [4], [7], [9], [-1])
    rest = [k for k in range(n) if k not in (2, 4, 7, 9)]
    asg.transposed_couples(rest[0::2], rest[1::2], 1, equal_signs=False)
    perm = asg.permutation()
    ref = assemble(n, anchored_ramp_block(2, 4, 7, 9, sign=-1),
                   *[_transposed(u, w) for u, w in zip(rest[0::2], rest[1::2])])
    assert np.array_equal(perm, ref)


def _transposed(u, w):
    from proofkit.blocks import Ref
    return {u: (Ref(1, w), Ref(-1, w)), w: (Ref(-1, u), Ref(1, u))}


def test_one_window_is_an_exact_ramp_of_height_H():
    # n = 20, window of 2K = 8 points around the half-grid centre between pairs 7 and 8 (m = 2)
    n, m, i = 20, 2, 7
    asg = PairAssignment(n)
    r = np.arange(m)
    asg.anchored_ramps(i - 2 * r - 1, i - 2 * r, i + 1 + 2 * r, i + 2 + 2 * r, np.ones(m, int))
    free = asg.free
    asg.transposed_couples(free[0::2], free[1::2], np.array([1, -1] * (len(free) // 4) + [1] * (len(free) // 2 % 2)),
                           equal_signs=False)
    net = _net(n, asg.permutation())
    assert net.check_permutation().ok
    pl = net.exact_pl
    d = Fraction(1, n - 1)
    H = d * d * stacked_ramp_height(m)
    slope = pl.left_slope   # left of the window only the couples act: S d x
    lin = lambda x: slope * x  # noqa: E731
    lo, hi = Fraction(i - 3, n - 1), Fraction(i + 4, n - 1)   # window points i-K+1 .. i+K
    t = (Fraction(i, n - 1) + Fraction(i + 1, n - 1)) / 2
    for x in (Fraction(0), lo / 2, lo):
        assert pl(x) - lin(x) == 0
    for x in (hi, (hi + 1) / 2, Fraction(1)):
        assert pl(x) - lin(x) == H
    assert pl(t) - lin(t) == H / 2
    ks = [k for k in pl.knots if lo <= k <= hi]
    vals = [pl(k) - lin(k) for k in ks]
    assert all(v1 <= v2 for v1, v2 in zip(vals, vals[1:]))   # monotone


def test_constant_target_is_realised_exactly():
    f = parse_target("3/10 + 0*x")
    c = construct_theorem2(f, 0.05)
    net = c.net
    assert net.scale == 1.0 and net.shift == 0.0
    C, S, d = c.params["constant"], c.params["slope_units"], c.params["d"]
    assert isinstance(C, Fraction) and abs(C - Fraction(3, 10)) <= c.budget["constant"].value + 1e-18
    assert c.params["steps"] == 0 and c.params["constant_windows"]
    pl = net.exact_pl   # f_NN = C + S d x exactly (quads: constant, couples: slope only)
    for x in (Fraction(0), Fraction(1, 3), Fraction(1)):
        assert pl(x) == C + S * d * x


@pytest.mark.parametrize("text,eps", [("0.4*sin(2*pi*x)+0.7", 0.2), ("x**2-0.8", 0.15),
                                      ("abs(x-1/3)", 0.1)])
def test_construction_within_budget_and_eps(text, eps):
    f = parse_target(text)
    c = construct_theorem2(f, eps)
    net = c.net
    chk = net.check_permutation()
    assert chk.ok and chk.method == "exact"
    assert net.scale == 1.0 and net.shift == 0.0
    assert net.provenance["theorem"] == "2"
    assert c.width_used == net.width == 2 * c.params["n"]
    assert c.budget.total <= eps
    # sampled sup error at all knots of the network plus a dense grid (not a certificate)
    xs = np.unique(np.concatenate([np.linspace(0, 1, 200001), net.pl.knots[(net.pl.knots >= 0) & (net.pl.knots <= 1)]]))
    err = np.max(np.abs(net(xs) - f(xs)))
    assert err <= c.budget.total
    # the float network agrees with its dense oracle
    probe = np.linspace(0, 1, 257)
    assert np.allclose(net(probe), net.dense(probe), atol=1e-9)


def test_deterministic():
    f = parse_target("x**2-0.8")
    c1, c2 = construct_theorem2(f, 0.3), construct_theorem2(f, 0.3)
    assert np.array_equal(c1.net.permutation, c2.net.permutation)
    assert c1.params["n"] == c2.params["n"]


def test_general_domain():
    f = parse_target("x**3")
    c = construct_theorem2(f, 0.2, (-1, 1))
    xs = np.linspace(-1, 1, 100001)
    assert c.net.domain == (-1.0, 1.0)
    assert np.max(np.abs(c.net(xs) - f(xs))) <= c.budget.total <= 0.2


@pytest.mark.parametrize("kwargs,word", [
    (dict(eps=0), "eps"), (dict(eps=0.1, rho=0), "rho"), (dict(eps=0.1, rho=1.5), "rho"),
    (dict(eps=0.1, n_hat=20), "n_hat"), (dict(eps=0.1, L=3), "L"), (dict(eps=0.1, n=3), "n"),
    (dict(eps=0.1, delta_h=-1), "delta_h"), (dict(eps=0.05, max_pairs=1000), "pairs"),
])
def test_bad_input(kwargs, word):
    with pytest.raises(ConstructionError) as exc:
        construct_theorem2(parse_target("sin(2*pi*x)"), **kwargs)
    assert isinstance(exc.value, ProofkitError) and word in str(exc.value)


def test_grid_grows_until_the_budget_fits_and_stops_at_max_pairs():
    # the constant 7/8 takes constant quads that leave few unit gaps: the slope term |S| d only falls
    # below eps at n ~ 1930, past the old 8-attempt cap; the growth now ends at the budget or at max_pairs
    from proofkit.construct.budget import WidthLimitError

    f = parse_target("-129*x/112 - 31/112")
    c = construct_theorem2(f, 0.4769112723214286, (-1.0, 1.0))
    assert c.budget.total <= 0.4769112723214286 and c.params["n"] > 1482
    with pytest.raises(WidthLimitError, match="max_pairs = 1500"):
        construct_theorem2(f, 0.4769112723214286, (-1.0, 1.0), max_pairs=1500)
