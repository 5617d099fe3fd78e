"""Theorem 1 (proofkit.construct.theorem1): an exact permutation of the equidistant pool within eps.

The sampled errors below are sanity checks on dense grids, not certificates (proofkit.certify proves).
"""
import json
import math
from fractions import Fraction

import numpy as np
import pytest

from proofkit.construct import ConstructionError, choose_parameters, construct_theorem1
from proofkit.construct.theorem1 import (cancel_close_steps, flip_set, place_blocks, pool_coordinates,
                                         reorganise_unused, slope_parity_ok)
from proofkit.errors import ProofkitError
from proofkit.expr import STANDARD_TARGETS, parse_target, standard_target
from proofkit.network import PermNetwork

CASES = [(name, eps) for name in STANDARD_TARGETS for eps in (0.1, 0.05, 0.01)]


def sampled_error(cons, target, points=1_000_001, extra=()):
    a, b = cons.net.domain
    x = np.concatenate([np.linspace(a, b, points), np.asarray(extra, dtype=float)])
    x = x[(x >= a) & (x <= b)]
    return float(np.abs(cons.net(x) - target(x)).max())


@pytest.mark.parametrize("name,eps", [pytest.param(n, e, marks=pytest.mark.slow) if e == 0.01 else (n, e)
                                      for n, e in CASES])
def test_standard_targets(name, eps):
    target, dom = standard_target(name)
    cons = construct_theorem1(target, eps, dom)
    check = cons.net.check_permutation()
    assert check.ok and check.method == "exact", check.message
    err = sampled_error(cons, target)
    assert err < eps
    assert err <= cons.budget.total  # the budget is a bound, the sample a lower estimate
    assert cons.budget.total <= eps  # the automatic parameters aim the whole budget below eps
    p = cons.params
    assert p["n"] == p["L"] * (p["n_hat"] - 1) + 1 and cons.width_used == 2 * p["n"]
    assert p["slope"] == 0.0 and cons.budget["unused_slope"].value == 0.0
    assert cons.width_bound >= cons.width_used


def test_network_is_the_proofs_decomposition():
    # f_NN = f*(a) + Δh N(x) + γσ(x - mid): the blocks are exactly the unit ramps the budget reasons about
    target, dom = standard_target("gauss_cos")
    cons = construct_theorem1(target, 0.05, dom)
    x = np.linspace(*dom, 200_001)
    assert np.abs(cons.net(x) - cons.decomposition(x)).max() < 1e-9
    assert np.abs(cons.net.dense(x[::50]) - cons.decomposition(x[::50])).max() < 1e-9
    m = cons.matching
    K = m.levels()
    # blocks keep the order of the steps and use pairwise disjoint pairs inside the grid
    assert np.all(np.diff(m.starts) >= 0)
    pairs = m.pairs().ravel()
    assert len(np.unique(pairs)) == len(pairs) and pairs.min() >= 0 and pairs.max() < m.n
    assert K[-1] == cons.lemma1.signs.astype(int).sum()  # cancelled pairs sum to zero


def test_exact_mode_rationals_and_zero_slope():
    target, dom = standard_target("sin")
    cons = construct_theorem1(target, 0.05, dom, exact=True)
    ev = cons.exact_values
    assert cons.net.exact["scale"] == cons.params["gamma"] == ev["gamma"]
    assert cons.net.exact["shift"] == cons.params["alpha"] == ev["alpha"]
    assert isinstance(cons.params["gamma"], Fraction)
    assert ev["gamma"] == ev["delta_h"] / (2 * ev["D"] ** 2)  # gamma = Δh / h, h = 2 D^2
    pl = cons.net.exact_pl
    assert pl.left_slope == 0 and pl.right_slope == 0  # unused slope cancelled exactly
    assert pl(Fraction(0)) == ev["f_a"]  # alpha fixes the constant at x = a
    assert pl(Fraction(1)) - pl(Fraction(0)) == ev["delta_h"] * int(cons.matching.levels()[-1])
    assert abs(float(ev["f_a"]) - 0.0) < 1e-30  # sin(0), to the stored precision
    # floats and rationals describe the same network
    f = cons.net.exact_pl.to_float()
    x = np.linspace(0, 1, 10_001)
    assert np.abs(f(x) - cons.net(x)).max() < 1e-9


def test_deterministic_and_serialisable(tmp_path):
    target, dom = standard_target("legendre3")
    c1 = construct_theorem1(target, 0.1, dom)
    c2 = construct_theorem1(target, 0.1, dom)
    assert np.array_equal(c1.net.permutation, c2.net.permutation)
    assert c1.net.scale == c2.net.scale and c1.net.shift == c2.net.shift
    d = json.loads(json.dumps(c1.to_dict(include_network=True)))
    assert d["theorem"] == "1" and d["params"]["delta_h"] == str(c1.params["delta_h"])
    assert [t["name"] for t in d["budget"]["terms"]] == ["lemma1", "sampling", "step_blocks", "crowding",
                                                         "unused_slope", "rounding"]
    assert d["budget"]["total"] == pytest.approx(sum(t["value"] for t in d["budget"]["terms"]))
    path = tmp_path / "net.json"
    c1.net.save(path)
    back = PermNetwork.load(path)
    assert back.provenance["theorem"] == "1" and back.provenance["epsilon"] == 0.1
    assert back.provenance["parameters"]["n_hat"] == c1.params["n_hat"]
    assert back.check_permutation().ok


@pytest.mark.parametrize("text,eps,dom", [
    ("abs(x - 1/3)**0.3", 0.1, (0, 1)),          # cusp: level crossings pile up at 1/3
    ("sin(60*pi*x)", 0.05, (0, 1)),              # fast oscillation: 2640 steps
    ("atan(300*(x - 1/2))", 0.1, (0, 1)),        # many same-sign crossings packed together
    ("sin(1/(x + 0.05))", 0.1, (0, 1)),          # oscillation accelerating towards 0
])
def test_crowded_targets(text, eps, dom):
    target = parse_target(text)
    cons = construct_theorem1(target, eps, dom)
    assert cons.net.check_permutation().ok
    extra = 1 / 3 + np.geomspace(1e-12, 1e-3, 20_000) * np.repeat([-1, 1], 10_000)
    err = sampled_error(cons, target, extra=extra)
    assert err < eps and err <= cons.budget.total
    p = cons.params
    # crowding really happened and was handled (blocks sharing slots, displaced or cancelled)
    assert p["irregular_blocks"] + p["cancelled"] > 0


@pytest.mark.parametrize("domain", [(2, 5), (-3, -1), ("0.1", "0.7"), (-1, 1)])
def test_any_interval(domain):
    target = parse_target("exp(x/3)*cos(2*x)")
    cons = construct_theorem1(target, 0.05, domain)
    a, b = float(domain[0]), float(domain[1])
    assert cons.net.domain == (a, b)
    assert cons.net.check_permutation().ok
    assert cons.net.biases[: cons.params["n"]].min() == -b  # phi+ units: c = -b_i, b_i spans [a, b]
    err = sampled_error(cons, target, points=400_001)
    assert err < 0.05 and err <= cons.budget.total
    assert cons.params["slope"] == 0.0


def test_overrides_are_respected():
    target, dom = standard_target("sin")
    cons = construct_theorem1(target, 0.05, dom, n_hat=301, L=3, delta_h="0.04")
    p = cons.params
    assert (p["n_hat"], p["L"], p["delta_h"]) == (301, 3, Fraction(1, 25))
    assert p["n"] == 3 * 300 + 1
    assert cons.lemma1.delta_h == Fraction(1, 25)
    # with n_hat given and L free, L is picked so that the unused slope cancels exactly
    c2 = construct_theorem1(target, 0.05, dom, n_hat=400)
    assert c2.params["n_hat"] == 400 and c2.params["slope"] == 0.0
    assert sampled_error(cons, target, points=200_001) <= cons.budget.total


def test_choose_parameters_matches_construction():
    target, dom = standard_target("abs")
    params = choose_parameters(target, 0.05, dom)
    assert set(params) >= {"n_hat", "L", "delta_h", "n", "predicted_bound"}
    assert params["delta_h"] == Fraction(45, 1000)
    assert params["predicted_bound"] <= 0.05
    cons = construct_theorem1(target, 0.05, dom)
    assert (cons.params["n_hat"], cons.params["L"]) == (params["n_hat"], params["L"])


@pytest.mark.parametrize("eps", [0, -0.1, float("nan"), float("inf"), "abc", None])
def test_bad_eps(eps):
    with pytest.raises(ProofkitError):
        construct_theorem1(parse_target("x"), eps)


@pytest.mark.parametrize("kw", [dict(n_hat=3), dict(n_hat=10.5), dict(L=0), dict(L=True), dict(delta_h=-1),
                                dict(delta_h=0)])
def test_bad_overrides(kw):
    with pytest.raises(ConstructionError):
        construct_theorem1(parse_target("x"), 0.1, **kw)


def test_too_small_grid_is_reported():
    with pytest.raises(ConstructionError, match="increase n_hat"):
        construct_theorem1(parse_target("sin(20*pi*x)"), 0.05, n_hat=20)


def test_constant_target_uses_no_block():
    cons = construct_theorem1(parse_target("3/2"), 0.1)
    assert cons.params["blocks"] == 0 and cons.net.check_permutation().ok
    assert sampled_error(cons, parse_target("3/2"), points=10_001) < 1e-9


# ---------------------------------------------------------------- pieces of the proof
def test_place_blocks_respects_the_constraints():
    rng = np.random.default_rng(3)
    for L in (1, 2, 3):
        for _ in range(20):
            J = int(rng.integers(1, 60))
            kmax = int(rng.integers(4 * J + 10, 8 * J + 40))
            ideal = np.sort(rng.uniform(-5, kmax + 5, J) * rng.choice([1.0, 0.3]))  # sometimes packed to the left
            starts = place_blocks(ideal, L, kmax)
            assert np.all(np.diff(starts) >= 0) and starts.min() >= 0 and starts.max() <= kmax
            for r in range(L):
                same = starts[starts % L == r]
                assert np.all(np.diff(same) >= 4 * L)  # disjoint pairs
    with pytest.raises(ConstructionError):
        place_blocks(np.zeros(10), 1, 20)  # 10 blocks of 4 pairs cannot fit in 24 pairs


def test_cancel_close_steps_pairs_nested_bumps():
    loc = np.array([0.10, 0.11, 0.12, 0.13, 0.5, 0.9])
    sg = np.array([1, 1, -1, -1, 1, -1])
    keep, spans = cancel_close_steps(loc, sg, tol=0.05)
    assert keep.tolist() == [False, False, False, False, True, True]
    assert spans == [(0.11, 0.12), (0.10, 0.13)]


def test_flip_set_and_exact_zero_slope():
    assert flip_set([5, -3, 7, 2, -8, 11], 1) is not None
    f = flip_set([5, -3, 7, 2, -8, 11], 1)
    assert sum([5, -3, 7, 2, -8, 11][i] for i in f) == 1 and len(set(f)) == len(f)
    assert flip_set([2, 4, 6], 1) is None
    rng = np.random.default_rng(5)
    for dom, n in (((0, 1), 201), ((-1, 1), 101), ((-1, 1), 100), ((2, 5), 400)):
        a, b = Fraction(dom[0]), Fraction(dom[1])
        assert slope_parity_ok(dom, n)
        u, c0, q = pool_coordinates(a, b, n)
        coords = [c0 + q * i for i in range(n)]
        assert all(u * c == a + (b - a) * i / (n - 1) for i, c in enumerate(coords))
        for _ in range(10):
            starts = np.sort(rng.choice(np.arange(0, n - 12, 13), size=5, replace=False))
            used = (starts[:, None] + 3 * np.arange(4)[None, :]).ravel()  # blocks with L = 3
            part = reorganise_unused(n, used, coords)
            slope = sum(p.sign * coords[p.j] for p, _q in part.assign.values())
            assert slope == part.slope_units == 0
            assert all(q == -p for p, q in part.assign.values())  # linear mode, own values
