"""2-D / 3-D problem set-up (proofkit.train.problem) and a short training run that must beat zero."""
import itertools

import numpy as np
import pytest

from proofkit.train import TrainConfig, run
from proofkit.pool import ND_BIAS_RANGE
from proofkit.train.problem import build_problem, directions


def test_3d_directions_are_the_26_sign_vectors_over_sqrt3():
    u = directions(3)
    assert u.shape == (26, 3)
    v = {tuple(int(round(c)) for c in row * np.sqrt(3.0)) for row in u}
    assert v == {w for w in itertools.product((-1, 0, 1), repeat=3) if any(w)}


@pytest.mark.parametrize("dim", [3])
def test_bias_range_covers_every_projection_of_the_cube(dim):
    # max over the cube of |u . t| is the l1 norm of u; every break-point range [-1.75, 1.75] covers it
    l1 = np.abs(directions(dim)).sum(axis=1)
    assert l1.max() <= ND_BIAS_RANGE
    assert l1.max() == pytest.approx(np.sqrt(3.0))


def test_2d_directions_stay_unnormalised():
    u = directions(2)
    assert u.shape == (8, 2)
    assert set(np.abs(u).sum(axis=1)) == {1.0, 2.0}  # Fig. 3's directions are not normalised


@pytest.mark.parametrize("dim,target", [(2, "-sin(pi*x*y)"), (3, "sin(3*x)*cos(y)*sin(2*z)")])
def test_equidistant_nd_pool_and_biases(dim, target):
    cfg = TrainConfig(target=target, dim=dim, n=6, n_train=64, n_test=5, batch=8, epochs=1)
    p = build_problem(cfg)
    D = len(directions(dim))
    assert p.H == D * 6
    np.testing.assert_array_equal(np.sort(p.pool), np.linspace(-1.0, 1.0, D * 6))
    np.testing.assert_array_equal(p.c[:6], np.linspace(-ND_BIAS_RANGE, ND_BIAS_RANGE, 6))
    np.testing.assert_array_equal(np.bincount(p.unit_dir), np.full(D, 6))


def _short(dim, target, batch, epochs):
    cfg = TrainConfig(target=target, dim=dim, n=10, n_train=1600, n_test=9, batch=batch, k=5, epochs=epochs,
                      decay=0.998 ** (6400 / epochs))
    return run(cfg), build_problem(cfg)


@pytest.mark.parametrize("dim,target,epochs", [(2, "-sin(pi*x*y)", 400), (3, "sin(3*x)*cos(y)*sin(2*z)", 800)])
def test_short_nd_training_beats_the_zero_function(dim, target, epochs):
    # the failure mode of the old quick Fig. 4: trained networks worse than f = 0 on the test grid
    res, p = _short(dim, target, 8, epochs)
    assert res.net.check_permutation()
    assert res.mse < 0.5 * float(np.mean(p.Yt ** 2))


def test_more_adam_steps_per_epoch_train_3d_better():
    # the diagnosis behind the quick-mode batch sizes: same data and epochs, 5x the steps -> lower error
    fine, _ = _short(3, "sin(3*x)*cos(y)*sin(2*z)", 8, 400)
    coarse, _ = _short(3, "sin(3*x)*cos(y)*sin(2*z)", 40, 400)
    assert fine.mse < 0.5 * coarse.mse


# ------------------------------------------------------------------ permnet-nd/1 files and `verify`
@pytest.fixture(scope="module")
def nd_file(tmp_path_factory):
    res, _ = _short(2, "-sin(pi*x*y)", 4, 10)
    path = tmp_path_factory.mktemp("nd") / "net2d.json"
    res.net.save(path)
    return res, path


def test_nd_file_round_trips_bit_for_bit(nd_file):
    from proofkit.train.ndnet import NDPermNetwork

    res, path = nd_file
    back = NDPermNetwork.load(path)
    X = np.random.default_rng(0).uniform(-1, 1, (500, 2))
    assert back.check_permutation() and back.dim == 2
    assert np.array_equal(back(X).view(np.int64), res.net(X).view(np.int64))
    assert back.to_dict() == res.net.to_dict()


def test_verify_reads_nd_files(nd_file, tmp_path, capsys):
    """verify certifies nd files (proofkit.certify_nd, tested in tests/test_certify_nd.py); here: the
    permutation check, the exit codes and the refusals of malformed files."""
    import json

    from proofkit.cli import main

    res, path = nd_file
    assert main(["verify", str(path)]) == 0
    out = capsys.readouterr().out
    assert "permutation OK (bitwise)" in out and "certified upper bound" in out
    # the grid error of the network, computed here independently, is below the proved bound U
    g = np.linspace(-1, 1, 401)
    X = np.stack([a.ravel() for a in np.meshgrid(g, g, indexing="ij")], axis=1)
    want = np.max(np.abs(-np.sin(np.pi * X[:, 0] * X[:, 1]) - res.net(X)))
    U = float(out.split("U = ")[1].split()[0])
    assert want <= U
    assert main(["verify", str(path), "--eps", "100"]) == 0
    assert "CERTIFIED" in capsys.readouterr().out
    assert main(["verify", str(path), "--eps", f"{want / 2}"]) == 1
    assert "NOT CERTIFIED" in capsys.readouterr().out
    assert main(["verify", str(path), "log(x) + y"]) == 2  # not finite where x <= 0: bad input, one line
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not finite" in err, err
    d = json.loads(path.read_text())
    d["coefficients"][0], d["coefficients"][1] = d["coefficients"][1], d["coefficients"][0]
    if d["coefficients"][0] != d["coefficients"][1]:
        tampered = tmp_path / "tampered.json"
        tampered.write_text(json.dumps(d))
        assert main(["verify", str(tampered)]) == 1
        assert "permutation FAILED" in capsys.readouterr().out
    for field, value in [("unit_dir", [99] * len(d["unit_dir"])), ("directions", [[1.0]]),
                         ("permutation", d["permutation"][:-1]), ("domain", [1, -1])]:
        bad = tmp_path / f"bad_{field}.json"
        bad.write_text(json.dumps({**d, field: value}))
        assert main(["verify", str(bad)]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and field in err, err
