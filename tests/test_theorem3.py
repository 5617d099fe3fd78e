"""Tests for Theorem 3 (pairwise random pool): matching, exact block identity, budget, failures."""
import numpy as np
import pytest

from proofkit.construct.budget import ConstructionError
from proofkit.construct.theorem3 import (Theorem3Error, construct_theorem3, height_range, match_pool,
                                         plan_theorem3)
from proofkit.errors import ProofkitError
from proofkit.expr import parse_target
from proofkit.pool import pairwise_random_pool
from proofkit.probability import coverage_probability

F = parse_target("sin(2*pi*x)")


@pytest.fixture(scope="module")
def plan():
    return plan_theorem3(F, 0.3)


def test_plan_probability_reaches_target(plan):
    p = coverage_probability(plan.m_b, plan.n, plan.ell_b) * coverage_probability(plan.m_v, plan.n, plan.ell_v)
    assert p >= 0.9
    p_less = coverage_probability(plan.m_b, plan.n - 1, plan.ell_b) * \
        coverage_probability(plan.m_v, plan.n - 1, plan.ell_v)
    assert p_less < 0.9 or plan.n in (plan.m_b + 4, plan.m_v + 4)
    assert plan.n_paper >= plan.n


def test_step_block_with_arbitrary_values_is_local():
    # p = (-v1,-v4,v4,v1), q = (v2,v3,-v3,-v2) on any biases: constant outside [c1, c4], jump h
    rng = np.random.default_rng(1)
    c = np.sort(rng.random(4))
    v = np.sort(rng.random(4))
    p = np.array([-v[0], -v[3], v[3], v[0]])
    q = np.array([v[1], v[2], -v[2], -v[1]])
    B = lambda x: (p * np.maximum(x - c, 0) + q * np.maximum(c - x, 0)).sum()  # noqa: E731
    h = (v[1] - v[0]) * (c[3] - c[0]) - (v[3] - v[2]) * (c[2] - c[1])
    assert B(c[0] - 0.3) == pytest.approx(B(c[0] - 0.1), abs=1e-14)
    assert B(c[3] + 0.4) == pytest.approx(B(c[3] + 0.1), abs=1e-14)
    assert B(c[3] + 0.1) - B(c[0] - 0.1) == pytest.approx(h, abs=1e-14)


def test_height_range_brackets_realised_heights(plan):
    c = construct_theorem3(F, 0.3, seed=0, plan=plan)
    lo, hi = height_range()
    assert 0 < lo < 2 < hi
    assert c.params["steps"] <= plan.m_v // 4


@pytest.mark.parametrize("seed", [0, 1])
def test_construction_is_permutation_within_budget(plan, seed):
    c = construct_theorem3(F, 0.3, seed=seed, plan=plan)
    net = c.net
    assert net.check_permutation().ok
    pool = pairwise_random_pool(plan.n, (0.0, 1.0), seed)
    assert np.array_equal(np.sort(net.coefficients), np.sort(pool.values))
    assert c.budget.total <= 0.3
    xs = np.unique(np.concatenate([np.linspace(0, 1, 100001), net.pl.knots[(net.pl.knots >= 0) & (net.pl.knots <= 1)]]))
    assert np.max(np.abs(net(xs) - F(xs))) <= c.budget.total
    assert net.provenance["seed"] == seed and net.provenance["theorem"] == "3"


def test_deterministic(plan):
    c1 = construct_theorem3(F, 0.3, seed=4, plan=plan)
    c2 = construct_theorem3(F, 0.3, seed=4, plan=plan)
    assert np.array_equal(c1.net.permutation, c2.net.permutation)
    assert c1.net.shift == c2.net.shift and c1.net.scale == c2.net.scale


def test_too_small_draw_names_the_interval():
    with pytest.raises(Theorem3Error) as exc:
        construct_theorem3(F, 0.3, seed=0, n=500)
    msg = str(exc.value)
    assert "interval" in msg and "no sample" in msg and "\n" not in msg
    assert isinstance(exc.value, ProofkitError)


def test_matching_detects_an_empty_interval(plan):
    pool = pairwise_random_pool(plan.n, (0.0, 1.0), 0)
    b = pool.biases.copy()
    targets = plan.bias_targets()
    k = 5
    near = np.abs(b - targets[k]) <= plan.D / 8
    b[near] = targets[k] + plan.D / 2          # empty the interval around coarse point 5
    _, _, missing = match_pool(plan, b, pool.values[:plan.n])
    assert missing is not None and "coarse point 5" in missing


@pytest.mark.parametrize("kwargs,exc_type", [
    (dict(seed=1.5), Theorem3Error), (dict(seed="3"), Theorem3Error), (dict(delta=0), Theorem3Error),
    (dict(delta=1.2), Theorem3Error), (dict(L=2), ConstructionError), (dict(n_hat=3), ConstructionError),
])
def test_bad_input(kwargs, exc_type):
    with pytest.raises(exc_type) as exc:
        construct_theorem3(F, 0.3, **kwargs)
    assert isinstance(exc.value, ProofkitError)


def test_montecarlo_table_and_cli(tmp_path):
    from proofkit.cli import main

    code = main(["montecarlo", "sin(2*pi*x)", "--eps", "0.5", "--factors", "1.0", "--draws", "200",
                 "--construct-draws", "3", "--jobs", "1", "--outdir", str(tmp_path)])
    assert code == 0
    import json
    tab = json.loads((tmp_path / "montecarlo.json").read_text())
    row = tab["rows"][0]
    assert row["exact"] >= 0.9 - 1e-9                       # n was chosen for probability 0.9
    lo, hi = row["mc_coverage_ci99"]
    assert 0 <= lo <= row["mc_coverage"] <= hi <= 1
    assert row["construct_draws"] == 3 and sum(row["outcomes"].values()) == 3
    assert (tmp_path / "montecarlo.md").exists()


def test_montecarlo_cli_bad_input(tmp_path):
    from proofkit.cli import main

    assert main(["montecarlo", "x", "--eps", "0.5", "--factors", "-1", "--outdir", str(tmp_path)]) == 2
