"""The ``proofkit train``, ``import-torch`` and ``export-torch`` verbs: outputs, exit codes, bad input."""
import json

import numpy as np
import pytest

import proofkit.cli as cli
from proofkit.network import PermNetwork
from proofkit.train import PermutationLog


@pytest.fixture
def run_cli(monkeypatch):
    # only this file's verbs: the test does not depend on other verbs' modules being importable
    monkeypatch.setattr(cli, "VERBS", ["train", "torchio"])
    return lambda *argv: cli.main([str(a) for a in argv])


SHORT = ["--n", 10, "--epochs", 30, "--n-train", 200, "--n-test", 101, "--seed", 0]


def test_train_writes_an_exact_permutation_network_and_log(run_cli, tmp_path, capsys):
    out, log = tmp_path / "net.json", tmp_path / "log.npz"
    assert run_cli("train", "sin(2*pi*x)", "--domain", -1, 1, *SHORT, "--init", "pairwise", "--out", out,
                   "--log", log) == 0
    net = PermNetwork.load(out)
    chk = net.check_permutation()
    assert chk.ok and chk.method == "bitwise"
    assert np.array_equal(net.coefficients, net.pool[net.permutation])
    d = json.loads(out.read_text())
    assert d["provenance"]["trainer"] == "laperm" and d["provenance"]["init"] == "pairwise"
    assert len(PermutationLog.load(log)) == d["provenance"]["permutations"] > 0
    assert "L_inf" in capsys.readouterr().out


@pytest.mark.parametrize("method", ["swap", "rankfit"])
def test_train_search_methods(run_cli, tmp_path, method):
    out = tmp_path / "net.json"
    assert run_cli("train", "x**2", *SHORT, "--init", "equidistant", "--method", method, "--out", out) == 0
    assert PermNetwork.load(out).check_permutation().ok


def test_train_is_deterministic(run_cli, tmp_path):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    for p in (a, b):
        assert run_cli("train", "sin(2*pi*x)", *SHORT, "--init", "random", "--activation", "leaky_relu",
                       "--layout", "theory", "--out", p) == 0
    assert a.read_bytes() == b.read_bytes()


@pytest.mark.parametrize("args,word", [
    (["x", "--n", 0], "n"), (["x", "--n", 4, "--k", 0], "k"), (["x", "--n", 4, "--batch", 5000], "batch"),
    (["x", "--n", 4, "--init", "xavier"], "valid: equidistant"), (["x", "--n", 4, "--method", "sgd"], "valid"),
    (["log(x)", "--n", 4], "not finite"), (["__import__('os')", "--n", 4], "not allowed"),
    (["x", "--n", 4, "--method", "swap", "--log", "l.npz"], "laperm"),
])
def test_train_bad_input_exit_2_and_nothing_written(run_cli, tmp_path, capsys, args, word):
    out = tmp_path / "net.json"
    assert run_cli("train", *args, "--out", out) == 2
    err = capsys.readouterr().err
    assert word in err and len(err.strip().splitlines()) == 1
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_interrupt_leaves_no_output(run_cli, tmp_path, monkeypatch):
    import proofkit.train as train

    def interrupted(cfg, progress=None):
        raise KeyboardInterrupt

    monkeypatch.setattr(train, "run", interrupted)
    out = tmp_path / "net.json"
    assert run_cli("train", "x", "--n", 4, "--out", out) == 130
    assert list(tmp_path.iterdir()) == []


def test_export_import_round_trip_through_the_cli(run_cli, tmp_path):
    net_path, pth, back = tmp_path / "net.json", tmp_path / "m.pth", tmp_path / "back.json"
    assert run_cli("train", "sin(2*pi*x)", *SHORT, "--init", "pairwise", "--out", net_path) == 0
    assert run_cli("export-torch", net_path, "--out", pth) == 0
    assert run_cli("import-torch", pth, "--init", "pairwise", "--seed", 0, "--reader", "builtin",
                   "--out", back) == 0
    a, b = PermNetwork.load(net_path), PermNetwork.load(back)
    for field in ("weights", "biases", "pool", "permutation", "coefficients"):
        assert np.array_equal(getattr(a, field), getattr(b, field))
    assert (a.scale, a.shift) == (b.scale, b.shift)
    # --pool FILE instead of --init
    assert run_cli("import-torch", pth, "--pool", net_path, "--reader", "builtin", "--out", back) == 0
    assert np.array_equal(PermNetwork.load(back).permutation, a.permutation)


def test_import_torch_bad_input(run_cli, tmp_path, capsys):
    junk = tmp_path / "junk.pth"
    junk.write_bytes(b"not a zip")
    assert run_cli("import-torch", junk, "--init", "pairwise", "--reader", "builtin", "--out", tmp_path / "o.json") == 2
    assert "zip" in capsys.readouterr().err
    # a state_dict without proofkit metadata and no --init/--pool: the pool is unknown
    from proofkit.train.torchio import export_state_dict, write_state_dict
    from proofkit.pool import experiment_pool
    write_state_dict(tmp_path / "bare.pth", export_state_dict(PermNetwork.from_pool(experiment_pool("random", 3))))
    assert run_cli("import-torch", tmp_path / "bare.pth", "--out", tmp_path / "o.json") == 2
    assert "--init" in capsys.readouterr().err
    assert not (tmp_path / "o.json").exists()


def test_negative_target_after_double_dash_and_sorted_pool(run_cli, tmp_path):
    out = tmp_path / "net.json"
    assert run_cli("train", *SHORT, "--init", "equidistant", "--sorted-pool", "--out", out, "--",
                   "-sin(2*pi*x)") == 0
    net = PermNetwork.load(out)
    assert net.provenance["target"] == "-sin(2*pi*x)" and np.all(np.diff(net.pool) > 0)
