"""LaPerm training (proofkit.train): schedule, exact permutations, determinism, logs, bad input."""
import math

import numpy as np
import pytest

from proofkit.network import PermNetwork
from proofkit.pool import INITIALISATIONS
from proofkit.train import PermutationLog, TrainConfig, TrainError, kernels, permutation_epochs, run, train_laperm
from proofkit.train.problem import build_problem
from proofkit.train.schedule import learning_rates, period

SHORT = dict(target="sin(2*pi*x)", n=12, epochs=40, n_train=160, n_test=101)


# ------------------------------------------------------------------ schedule (the authors' trigger, lr decay)
def test_quirk_k5_gives_epochs_4_8_12():
    ep = permutation_epochs(6400, 5, quirk=True)
    assert ep[:4].tolist() == [4, 8, 12, 16]
    assert ep[-1] == 6396 and len(ep) == 1599
    assert set(np.diff(ep)) == {4}


def test_no_quirk_is_every_k_epochs():
    ep = permutation_epochs(100, 5, quirk=False)
    assert ep.tolist() == list(range(4, 100, 5))


def test_quirk_k1_constant_permutes_once_relaxed_every_epoch():
    assert permutation_epochs(50, 1, quirk=True).tolist() == [0]
    assert permutation_epochs(50, 1, relaxed_scale=10, quirk=True).tolist() == list(range(50))


def test_relaxed_period_formula_and_gaps():
    # k_e = ceil(k0 (2 - 0.998)^(e/s)), relaxed LaPerm (Fig. 7): k0 = 5, s = 10 reaches 18 at epoch 6400
    assert period(0, 5, 10) == 5 and period(6400, 5, 10) == 18
    assert period(1, 5, 10) == 6  # ceil: any growth above k0 rounds up at once
    e_switch = math.ceil(10 * math.log(6 / 5) / math.log(1.002))  # first epoch with k_e = 7
    assert period(e_switch - 1, 5, 10) == 6 and period(e_switch, 5, 10) == 7
    ep = permutation_epochs(6400, 5, relaxed_scale=10, quirk=True)
    assert ep[0] == 5  # k_4 = 6 already
    for prev, cur in zip(ep[:-1], ep[1:]):  # with the quirk the gap is k_e - 1 at the triggering epoch
        assert cur - prev == math.ceil(5 * 1.002 ** (cur / 10)) - 1
    ep2 = permutation_epochs(3000, 5, relaxed_scale=10, quirk=False)
    for prev, cur in zip(ep2[:-1], ep2[1:]):
        assert cur - prev == math.ceil(5 * 1.002 ** (cur / 10))


def test_learning_rates_decay_per_epoch():
    lr = learning_rates(6400, 1e-3, 0.998)
    assert lr[0] == 1e-3 and lr[1] == 1e-3 * 0.998
    assert lr[-1] == pytest.approx(1e-3 * 0.998 ** 6399, rel=1e-9)  # ~2.7e-9 after 6400 epochs


def test_trainer_permutes_on_the_schedule():
    seen = []
    cfg = TrainConfig(**SHORT, k=3, relaxed_scale=0)
    res = train_laperm(cfg, monitor=lambda e, perm, th: seen.append(e))
    assert seen == permutation_epochs(40, 3).tolist() and res.permutations == len(seen)


# ------------------------------------------------------------------ exact permutations
@pytest.mark.parametrize("init", ["pairwise", "equidistant", "random", "random5"])
def test_coefficients_are_exact_pool_permutation_after_every_step(init):
    cfg = TrainConfig(**SHORT, init=init, seed=5)
    pool = build_problem(cfg).pool
    bits = np.sort(pool.view(np.uint64))
    checks = []

    def monitor(e, perm, theta):
        assert np.array_equal(np.sort(perm), np.arange(len(pool)))
        assert np.array_equal(theta.view(np.uint64), pool[perm].view(np.uint64))  # bit for bit
        assert np.array_equal(np.sort(theta.view(np.uint64)), bits)
        checks.append(e)

    res = train_laperm(cfg, monitor=monitor)
    assert len(checks) == res.permutations > 0
    chk = res.net.check_permutation()
    assert chk.ok and chk.method == "bitwise", chk.message


def test_output_network_round_trips_and_matches_metrics(tmp_path):
    res = run(TrainConfig(**SHORT, init="pairwise", seed=1))
    p = tmp_path / "net.json"
    res.net.save(p)
    net = PermNetwork.load(p)
    assert net.check_permutation().ok
    x = np.linspace(-1, 1, 101)
    err = np.abs(net(x) - np.sin(2 * np.pi * x))
    assert np.max(err) == pytest.approx(res.linf, rel=1e-12)
    assert np.mean(err ** 2) == pytest.approx(res.mse, rel=1e-12)


@pytest.mark.parametrize("layout", ["authors", "theory"])
@pytest.mark.parametrize("activation", ["relu", "leaky_relu"])
def test_every_setting_trains_and_learns(layout, activation):
    # a compressed protocol: 300 epochs, lr 1e-2 decayed to ~1e-4
    cfg = TrainConfig(target="sin(2*pi*x)", n=20, init="pairwise", epochs=300, n_train=400, batch=8,
                      layout=layout, activation=activation, seed=2, lr=1e-2, decay=0.985)
    res = run(cfg)
    assert res.history["loss"][-1] < 0.2 * res.history["loss"][0]
    assert res.mse < 0.25  # the zero function has test MSE 1/2
    assert res.net.activation == ("relu" if activation == "relu" else "leaky_relu:0.01")


@pytest.mark.parametrize("init", sorted(INITIALISATIONS) + ["random1", "random2", "Random 3"])
def test_every_initialisation_runs(init):
    res = run(TrainConfig(target="x**2", n=6, init=init, epochs=5, n_train=40, n_test=20, seed=9))
    assert res.net.check_permutation().ok and np.isfinite(res.linf)


def test_user_domain_maps_exactly():
    """On [0, 1] the output network (biases c', scale gamma/h) is the reference-coordinate network."""
    cfg = TrainConfig(target="sin(2*pi*x)", domain=(0, 1), n=16, init="pairwise", epochs=60, n_train=200,
                      n_test=50, seed=4, lr=1e-2)
    res = run(cfg)
    assert res.net.domain == (0.0, 1.0) and res.net.check_permutation().ok
    x = np.linspace(0, 1, 50)
    assert np.max(np.abs(res.net(x) - np.sin(2 * np.pi * x))) == pytest.approx(res.linf, rel=1e-12)
    assert res.mse < 0.2


@pytest.mark.parametrize("dim,target", [(2, "-sin(pi*x*y)"), (3, "sin(3*x)*cos(y)*sin(2*z)")])
def test_nd_training_runs_and_is_a_permutation(dim, target):
    cfg = TrainConfig(target=target, n=3, dim=dim, epochs=6, n_train=512, n_test=6, batch=32, seed=1)
    res = run(cfg)
    assert res.net.check_permutation() and res.net.dim == dim
    assert np.array_equal(np.sort(res.net.coefficients), np.sort(build_problem(cfg).pool))
    assert res.history["loss"][-1] < res.history["loss"][0]


# ------------------------------------------------------------------ determinism
def test_same_seed_is_bit_identical_and_other_seed_differs():
    cfg = TrainConfig(**SHORT, init="random", seed=11, log_events=True, eval_every=10)
    a, b = run(cfg), run(cfg)
    assert np.array_equal(a.net.permutation, b.net.permutation)
    assert a.net.scale == b.net.scale and a.net.shift == b.net.shift
    assert np.array_equal(a.history["loss"], b.history["loss"])
    assert np.array_equal(a.log.arrays()["changed_packed"], b.log.arrays()["changed_packed"])
    c = run(cfg.with_(seed=12))
    assert c.net.shift != a.net.shift


@pytest.mark.parametrize("kw", [
    dict(target="sin(2*pi*x)", n=30, activation="leaky_relu", init="pairwise"),  # P > 1 blocks, leaky
    dict(target="-sin(pi*x*y)", dim=2, n=6, batch=16),
    dict(target="sin(3*x)*cos(y)*sin(2*z)", dim=3, n=4, batch=32),
])
def test_same_config_is_bit_identical_in_every_dimension(kw):
    cfg = TrainConfig(**{**dict(epochs=12, n_train=256, n_test=9, k=3, seed=7), **kw})
    a, b = run(cfg), run(cfg)
    assert np.array_equal(a.net.permutation, b.net.permutation)
    assert a.net.scale == b.net.scale and a.net.shift == b.net.shift
    assert np.array_equal(a.history["loss"].view(np.int64), b.history["loss"].view(np.int64))
    assert a.net.provenance["engine"] == kernels.ENGINE_VERSION


# ------------------------------------------------------------------ permutation-event log
def test_event_log_contents_and_npz_round_trip(tmp_path):
    cfg = TrainConfig(**SHORT, init="equidistant", log_events=True)
    perms = []
    res = train_laperm(cfg, monitor=lambda e, perm, th: perms.append(perm))
    log = res.log
    assert len(log) == res.permutations
    changed = log.changed()
    prev = np.arange(2 * cfg.n)
    for t, perm in enumerate(perms):
        np.testing.assert_array_equal(changed[t], perm != prev)
        prev = perm
    assert log.count == changed.sum(axis=1).tolist()
    assert log.epoch == permutation_epochs(cfg.epochs, cfg.k).tolist()
    assert all(m >= 0 and li >= math.sqrt(m) - 1e-12 for m, li in zip(log.test_mse, log.test_linf))
    log.save(tmp_path / "log.npz")
    back = PermutationLog.load(tmp_path / "log.npz")
    np.testing.assert_array_equal(back.changed(), changed)
    assert back.count == log.count and back.test_mse == log.test_mse
    # the test metrics of the last event are those of the network right after that permutation
    assert np.isfinite(back.test_linf).all()


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize("kwargs,word", [
    (dict(n=0), "n"), (dict(k=0), "k"), (dict(batch=2000), "batch"), (dict(init="xavier"), "valid"),
    (dict(method="sgd"), "valid"), (dict(activation="tanh"), "activation"), (dict(layout="x"), "layout"),
    (dict(domain=(1, 0)), "domain"), (dict(dim=4), "dim"), (dict(n=2.5), "n"),
])
def test_bad_config_is_rejected(kwargs, word):
    with pytest.raises(TrainError, match=word):
        TrainConfig(**kwargs)


def test_nan_target_is_rejected():
    with pytest.raises(TrainError, match="not finite"):
        run(TrainConfig(target="log(x)", n=4, epochs=1, n_train=50))
    with pytest.raises(TrainError, match="not finite"):
        run(TrainConfig(target="1/x", n=4, epochs=1, n_train=50, n_test=101))


def test_sorted_pool_starts_in_ascending_order_with_the_same_multiset():
    cfg = TrainConfig(**SHORT, init="equidistant", sorted_pool=True, log_events=True)
    shuffled = build_problem(cfg.with_(sorted_pool=False)).pool
    pool = build_problem(cfg).pool
    assert np.all(np.diff(pool) > 0) and np.array_equal(np.sort(shuffled), pool)
    res = run(cfg)
    assert res.net.check_permutation().ok and np.array_equal(res.net.pool, pool)
