"""PyTorch interop (proofkit.train.torchio): restricted reader, writer, import/projection, round trips."""
import io
import json
import os
import pickle
import zipfile

import numpy as np
import pytest

from proofkit.network import PermNetwork
from proofkit.pool import experiment_pool
from proofkit.train.torchio import (TorchFileError, UnsafePickleError, export_state_dict, import_network,
                                    load_state_dict, read_state_dict, write_state_dict)


def trained_net(n=12, seed=4):
    pool = experiment_pool("pairwise", n, seed)
    perm = np.random.default_rng(seed).permutation(2 * n)
    return PermNetwork.from_pool(pool, perm, layout="authors", scale=1.7, shift=-0.3), pool


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_writer_reader_round_trip(tmp_path, dtype):
    net, _ = trained_net()
    sd = export_state_dict(net, dtype)
    write_state_dict(tmp_path / "m.pth", sd)
    back = read_state_dict(tmp_path / "m.pth")
    assert list(back) == list(sd)
    for k in sd:
        assert back[k].dtype == np.dtype(dtype) and np.array_equal(back[k], sd[k])


def test_export_then_import_is_identical(tmp_path):
    net, pool = trained_net()
    write_state_dict(tmp_path / "m.pth", export_state_dict(net))
    sd = read_state_dict(tmp_path / "m.pth")
    back, rep = import_network(sd, init="pairwise", seed=4)
    assert rep["distance_max"] == 0.0
    for field in ("weights", "biases", "pool", "permutation", "coefficients"):
        assert np.array_equal(getattr(back, field), getattr(net, field)), field
    assert back.scale == net.scale and back.shift == net.shift
    assert back.check_permutation().ok
    # the same through an explicit pool array
    back2, _ = import_network(sd, pool=pool.values)
    assert np.array_equal(back2.permutation, net.permutation)


def test_import_projects_perturbed_coefficients_onto_the_pool():
    net, pool = trained_net()
    sd = export_state_dict(net)
    rng = np.random.default_rng(0)
    sd["layer2.weight"] = sd["layer2.weight"] + rng.normal(scale=1e-7, size=sd["layer2.weight"].shape)
    back, rep = import_network(sd, init="pairwise", seed=4)
    assert 0 < rep["distance_max"] < 1e-6
    assert back.check_permutation().ok
    assert np.array_equal(back.coefficients, net.coefficients)  # the nearest rearrangement is the original


def test_import_rejects_wrong_architecture():
    net, _ = trained_net()
    sd = export_state_dict(net)
    bad = dict(sd)
    del bad["layer3.bias"]
    with pytest.raises(TorchFileError, match="layer3.bias"):
        import_network(bad, init="pairwise", seed=4)
    bad = dict(sd)
    bad["layer1.weight"] = bad["layer1.weight"] * 0.5
    with pytest.raises(TorchFileError, match=r"\+1/-1"):
        import_network(bad, init="pairwise", seed=4)
    with pytest.raises(TorchFileError, match="pool has"):
        import_network(sd, pool=np.zeros(5))


class _Evil:
    def __init__(self, func, arg):
        self.func, self.arg = func, arg

    def __reduce__(self):
        return (self.func, (self.arg,))


def evil_pth(path, payload, protocol=2):
    data = pickle.dumps(payload, protocol=protocol)
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("archive/data.pkl", data)
        zf.writestr("archive/byteorder", "little")
        zf.writestr("archive/version", "3\n")


@pytest.mark.parametrize("protocol", [2, 4])
def test_pickle_that_calls_a_function_is_refused_and_nothing_runs(tmp_path, protocol):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pth"
    evil_pth(path, {"layer1.weight": _Evil(os.system, f"touch {marker}")}, protocol)
    with pytest.raises(UnsafePickleError, match="system"):
        read_state_dict(path)
    assert not marker.exists()
    evil_pth(path, _Evil(eval, "__import__('os').system('touch %s')" % marker), protocol)
    with pytest.raises(UnsafePickleError, match="eval"):
        read_state_dict(path)
    assert not marker.exists()
    with pytest.raises(UnsafePickleError):
        load_state_dict(path, reader="builtin")
    assert not marker.exists()


def test_non_state_dicts_and_broken_files_are_refused(tmp_path):
    (tmp_path / "legacy.pth").write_bytes(pickle.dumps({"a": 1}))
    with pytest.raises(TorchFileError, match="zip"):
        read_state_dict(tmp_path / "legacy.pth")
    evil_pth(tmp_path / "list.pth", [1, 2, 3])
    with pytest.raises(TorchFileError, match="not a state_dict"):
        read_state_dict(tmp_path / "list.pth")
    evil_pth(tmp_path / "obj.pth", {"x": 1.5})
    with pytest.raises(TorchFileError, match="not a named tensor"):
        read_state_dict(tmp_path / "obj.pth")
    # a truncated storage record
    net, _ = trained_net()
    write_state_dict(tmp_path / "m.pth", export_state_dict(net))
    buf = io.BytesIO()
    with zipfile.ZipFile(tmp_path / "m.pth") as src, zipfile.ZipFile(buf, "w") as dst:
        for item in src.namelist():
            data = src.read(item)
            dst.writestr(item, data[:3] if item.endswith("data/1") else data)
    (tmp_path / "short.pth").write_bytes(buf.getvalue())
    with pytest.raises(TorchFileError, match="shorter"):
        read_state_dict(tmp_path / "short.pth")
    with pytest.raises(TorchFileError, match="does not exist"):
        read_state_dict(tmp_path / "missing.pth")


# ------------------------------------------------------------------ with a real PyTorch (skipped without)
def _torch_model(torch, n, pool, c):
    from torch import nn

    class NN(nn.Module):
        def __init__(self):
            super().__init__()
            self.layer1 = nn.Linear(1, 2 * n)
            self.layer2 = nn.Linear(2 * n, 1, bias=False)
            self.layer3 = nn.Linear(1, 1)

        def forward(self, x):
            return self.layer3(self.layer2(torch.relu(self.layer1(x))))

    model = NN()
    with torch.no_grad():
        model.layer1.weight.copy_(torch.tensor(np.r_[np.ones(n), -np.ones(n)].reshape(-1, 1)))
        model.layer1.bias.copy_(torch.tensor(c))
        model.layer2.weight.copy_(torch.tensor(pool.reshape(1, -1)))
        model.layer3.weight.fill_(1.0)
    model.layer1.requires_grad_(False)
    return model


def test_state_dict_of_a_real_pytorch_loop_imports_projects_and_certifies(tmp_path):
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    n = 10
    pool = experiment_pool("pairwise", n, 7)
    c = np.r_[pool.biases, pool.biases]
    model = _torch_model(torch, n, pool.values, c)
    w0 = torch.sort(model.layer2.weight.detach().flatten()).values
    x = torch.rand(160, 1) * 2 - 1
    y = torch.sin(2 * torch.pi * x)
    opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=1e-2)
    for epoch in range(30):  # LaPerm in torch: Adam epochs, a rank-matching permutation every 5
        for i in range(0, 160, 16):
            opt.zero_grad()
            loss = torch.mean((model(x[i:i + 16]) - y[i:i + 16]) ** 2)
            loss.backward()
            opt.step()
        if epoch % 5 == 4:
            with torch.no_grad():
                rank = torch.argsort(torch.argsort(model.layer2.weight.flatten()))
                model.layer2.weight.copy_(w0[rank].reshape(1, -1))
    path = tmp_path / "model.pth"
    torch.save(model.state_dict(), path)
    for reader in ("builtin", "torch"):
        sd = load_state_dict(path, reader)
        net, rep = import_network(sd, init="pairwise", seed=7)
        chk = net.check_permutation()
        assert chk.ok and chk.method == "bitwise", chk.message
        assert rep["distance_max"] < 1e-6  # float32 rounding of pool values: the run ended on a permutation
        xs = np.linspace(-1, 1, 101)
        with torch.no_grad():
            want = model(torch.tensor(xs, dtype=torch.float32).reshape(-1, 1)).numpy()[:, 0]
        np.testing.assert_allclose(net(xs), want, atol=1e-4)


def test_exported_file_loads_into_a_real_pytorch_model(tmp_path):
    torch = pytest.importorskip("torch")
    net, pool = trained_net(n=8)
    write_state_dict(tmp_path / "m.pth", export_state_dict(net))
    sd = torch.load(tmp_path / "m.pth", weights_only=True)
    model = _torch_model(torch, 8, pool.values, net.biases).double()
    model.load_state_dict(sd)
    xs = np.linspace(-1, 1, 77)
    with torch.no_grad():
        got = model(torch.tensor(xs).reshape(-1, 1)).numpy()[:, 0]
    np.testing.assert_allclose(got, net.dense(xs), rtol=0, atol=1e-12)


# ------------------------------------------------------------------ issue 11: refusal, tolerance, metadata
import proofkit.cli as cli  # noqa: E402
from proofkit.train.torchio import (DEFAULT_TOLERANCE, ProjectionRefused, StateDict,  # noqa: E402
                                    export_metadata)


def _sd(net, meta=None):
    return StateDict(export_state_dict(net), meta)


def test_wrong_seed_is_refused_with_the_distance_cause_and_fix():
    net, pool = trained_net(n=12, seed=4)
    with pytest.raises(ProjectionRefused) as err:
        import_network(_sd(net), init="pairwise", seed=5)
    msg, rep = str(err.value), err.value.report
    assert "\n" not in msg
    # the measured distance is the max-norm distance to the rank-matched rearrangement of the seed-5 pool
    other = np.sort(experiment_pool("pairwise", 12, 5).values)
    theta = net.coefficients
    want = np.max(np.abs(np.sort(theta) - other))
    assert rep["distance_max"] == want and want > DEFAULT_TOLERANCE
    assert f"{want:.3g}" in msg and "--seed" in msg and "--project-anyway" in msg
    assert "biases differ" in msg  # the frozen biases tell that the pool is not this one


def test_project_anyway_projects_and_records_it():
    net, _ = trained_net(n=12, seed=4)
    back, rep = import_network(_sd(net), init="pairwise", seed=5, project_anyway=True, source="m.pth")
    assert back.check_permutation().ok and rep["forced"]
    prov = back.provenance
    assert prov["projection_forced"] is True and prov["projection_tolerance"] == DEFAULT_TOLERANCE
    assert prov["projection_distance_max"] == rep["distance_max"] > 0.01
    assert (prov["init"], prov["seed"], prov["stream"]) == ("pairwise", 5, "numpy")
    # within the tolerance, --project-anyway changes nothing and nothing is "forced"
    back, rep = import_network(_sd(net), init="pairwise", seed=4, project_anyway=True)
    assert not rep["forced"] and back.provenance["projection_forced"] is False


def test_tolerance_is_relative_to_the_pool_scale():
    net, pool = trained_net(n=12, seed=4)
    sd = _sd(net)
    gap = np.min(np.diff(np.sort(pool.values)))
    delta = min(3e-5, gap / 4)  # small enough to keep the nearest rearrangement
    sd["layer2.weight"] = sd["layer2.weight"].copy()
    sd["layer2.weight"][0, 3] += delta
    scale = np.max(np.abs(pool.values))
    rel = (sd["layer2.weight"][0, 3] - net.coefficients[3]) / scale
    back, rep = import_network(sd, init="pairwise", seed=4, tolerance=2 * rel)
    assert rep["relative_distance"] == pytest.approx(rel, rel=1e-9)
    assert np.array_equal(back.coefficients, net.coefficients)
    with pytest.raises(ProjectionRefused):
        import_network(sd, init="pairwise", seed=4, tolerance=rel / 2)
    with pytest.raises(TorchFileError, match="tolerance"):
        import_network(sd, init="pairwise", seed=4, tolerance=-1.0)


def test_refusal_names_the_initialisation_whose_pool_fits():
    net, _ = trained_net(n=12, seed=4)  # pairwise; "random" draws the same biases first
    with pytest.raises(ProjectionRefused, match="the pool of --init pairwise fits"):
        import_network(_sd(net), init="random", seed=4)


def test_refusal_when_the_pool_is_right_but_the_model_is_not_a_permutation():
    net, _ = trained_net(n=12, seed=4)
    sd = _sd(net)
    sd["layer2.weight"] = np.random.default_rng(1).uniform(-1, 1, (1, 24))  # not permutation-trained
    with pytest.raises(ProjectionRefused, match="frozen biases match") as err:
        import_network(sd, init="pairwise", seed=4)
    assert "not permutation-trained" in str(err.value)
    with pytest.raises(ProjectionRefused, match="pool file"):
        import_network(sd, pool=net.pool)


def test_metadata_round_trip_and_precedence(tmp_path):
    net, pool = trained_net(n=6, seed=4)
    net = PermNetwork(net.weights, net.biases, net.pool, net.permutation, net.scale, net.shift, (0.0, 2.0),
                      "leaky_relu:0.2", provenance={"init": "pairwise", "seed": 4})
    meta = export_metadata(net)
    assert meta == {"format": "proofkit.torch/1", "domain": [0.0, 2.0], "activation": "leaky_relu:0.2",
                    "init": "pairwise", "seed": 4, "stream": "numpy"}
    write_state_dict(tmp_path / "m.pth", export_state_dict(net), metadata=meta)
    sd = read_state_dict(tmp_path / "m.pth")
    assert sd.metadata == meta
    back, rep = import_network(sd)
    assert rep["metadata_used"] == ["domain", "activation", "init", "seed", "stream"]
    for field in ("weights", "biases", "pool", "permutation", "coefficients"):
        assert np.array_equal(getattr(back, field), getattr(net, field)), field
    assert (back.domain, back.activation) == (net.domain, net.activation)
    # an explicit setting wins over the metadata (and is then measured like any other)
    with pytest.raises(ProjectionRefused):
        import_network(sd, seed=5)
    # a provenance that does not rebuild the pool: the pool values themselves are written
    liar = PermNetwork(net.weights, net.biases, net.pool, net.permutation, provenance={"init": "pairwise",
                                                                                       "seed": 5})
    meta = export_metadata(liar)
    assert "init" not in meta and meta["pool"] == list(net.pool)
    back, rep = import_network(StateDict(export_state_dict(liar), meta))
    assert rep["pool_source"] == "metadata" and np.array_equal(back.permutation, net.permutation)


@pytest.mark.parametrize("entry, fragment", [
    ({"format": "other/1"}, "format"),
    ({"seed": "abc"}, "seed"),
    ({"seed": True}, "seed"),
    ({"stream": "cuda"}, "stream"),
    ({"domain": [1.0, 0.0]}, "domain"),
    ({"domain": [0.0, float("inf")]}, "domain"),
    ({"activation": "leaky_relu:1e-999999999"}, "activation"),
    ({"pool": [0.5, "x"]}, "pool"),
    ({"init": 7}, "init"),
])
def test_malformed_metadata_is_refused(tmp_path, entry, fragment):
    net, _ = trained_net(n=3)
    meta = {"format": "proofkit.torch/1", **entry}
    write_state_dict(tmp_path / "m.pth", export_state_dict(net), metadata=meta)
    with pytest.raises(TorchFileError, match=fragment):
        read_state_dict(tmp_path / "m.pth")


def _pickle_with_build(state_ops: bytes) -> bytes:
    """A protocol-2 pickle: an empty OrderedDict, then the given opcodes pushing a state, then BUILD."""
    return b"\x80\x02ccollections\nOrderedDict\n)R" + state_ops + b"b."


def test_build_may_only_set_the_metadata_dict(tmp_path):
    path = tmp_path / "m.pth"

    def write(data):
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr("archive/data.pkl", data)

    # (dict, slotstate) would setattr arbitrary attributes, e.g. shadow 'items': refused
    write(_pickle_with_build(b"(}}X\x05\x00\x00\x00itemsccollections\nOrderedDict\nst"))
    with pytest.raises(TorchFileError, match="attributes"):
        read_state_dict(path)
    write(_pickle_with_build(b"}X\t\x00\x00\x00_metadataK\x01s"))
    with pytest.raises(TorchFileError, match="_metadata"):
        read_state_dict(path)
    # BUILD on a storage-type stand-in
    write(b"\x80\x02ctorch\nFloatStorage\n}b.")
    with pytest.raises(UnsafePickleError):
        read_state_dict(path)
    # a real torch-style _metadata without a proofkit entry is fine
    write(_pickle_with_build(b"}X\t\x00\x00\x00_metadataccollections\nOrderedDict\n)R(X\x00\x00\x00\x00}u" b"s"))
    assert read_state_dict(path).metadata == {}


# ------------------------------------------------------------------ the CLI (exit codes, one-line refusals)
@pytest.fixture
def run_cli(monkeypatch):
    monkeypatch.setattr(cli, "VERBS", ["torchio"])
    return lambda *argv: cli.main([str(a) for a in argv])


def test_cli_refuses_a_wrong_seed_in_one_line_and_writes_nothing(run_cli, tmp_path, capsys):
    net, _ = trained_net(n=12, seed=4)
    write_state_dict(tmp_path / "m.pth", export_state_dict(net))
    out = tmp_path / "o.json"
    assert run_cli("import-torch", tmp_path / "m.pth", "--init", "pairwise", "--seed", 5, "--reader", "builtin",
                   "--out", out) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("proofkit import-torch: refused:") and "--seed" in err
    assert not out.exists()
    assert run_cli("import-torch", tmp_path / "m.pth", "--init", "pairwise", "--seed", 5, "--reader", "builtin",
                   "--project-anyway", "--out", out) == 0
    assert "PROJECTED ANYWAY" in capsys.readouterr().out
    prov = json.loads(out.read_text())["provenance"]
    assert prov["projection_forced"] is True and prov["projection_distance_max"] > 0.01
    assert run_cli("import-torch", tmp_path / "m.pth", "--init", "pairwise", "--seed", 5, "--reader", "builtin",
                   "--tolerance", 1e3, "--out", out) == 0
    prov = json.loads(out.read_text())["provenance"]
    assert prov["projection_forced"] is False and prov["projection_tolerance"] == 1e3
    assert "frozen biases DIFFER" in capsys.readouterr().out  # the tolerance is for theta only
    for bad in ("-1", "nan", "abc"):
        with pytest.raises(SystemExit) as ex:
            run_cli("import-torch", tmp_path / "m.pth", "--init", "pairwise", "--tolerance", bad, "--out", out)
        assert ex.value.code == 2 and "tolerance" in capsys.readouterr().err


def test_cli_round_trip_needs_no_flags(run_cli, tmp_path, capsys):
    net, _ = trained_net(n=8, seed=3)
    net = PermNetwork(net.weights, net.biases, net.pool, net.permutation, net.scale, net.shift, (-2.0, 5.0),
                      provenance={"init": "pairwise", "seed": 3})
    net.save(tmp_path / "net.json")
    for dtype in ("float64", "float32"):
        assert run_cli("export-torch", tmp_path / "net.json", "--out", tmp_path / "m.pth", "--dtype", dtype) == 0
        assert "seed 3" in capsys.readouterr().out
        for reader in ("builtin", "auto"):
            assert run_cli("import-torch", tmp_path / "m.pth", "--reader", reader, "--out",
                           tmp_path / "back.json") == 0
            back = PermNetwork.load(tmp_path / "back.json")
            for field in ("weights", "pool", "permutation", "coefficients"):
                assert np.array_equal(getattr(back, field), getattr(net, field)), field
            assert back.domain == net.domain and back.provenance["from_file_metadata"]
            if dtype == "float64":
                assert np.array_equal(back.biases, net.biases) and back.scale == net.scale


def test_cli_torch_stream_without_torch_is_bad_input(run_cli, tmp_path, capsys, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "torch", None)  # import torch -> ImportError
    net, _ = trained_net(n=4)
    write_state_dict(tmp_path / "m.pth", export_state_dict(net))
    assert run_cli("import-torch", tmp_path / "m.pth", "--init", "pairwise", "--stream", "torch",
                   "--out", tmp_path / "o.json") == 2
    assert "needs PyTorch" in capsys.readouterr().err
