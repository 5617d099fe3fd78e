"""PyTorch interop (proofkit.train.torchio): restricted reader, writer, import/projection, round trips."""
import io
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
