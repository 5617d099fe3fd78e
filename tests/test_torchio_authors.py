"""The authors' pools and checkpoints (issue 11, item 3): ``stream="torch"`` pools against the recipe of the
authors' published initialisation code (DanclaChen/PermutationTraining, ``code/Fig.2/Fig.2a/*/para_init.py``,
``code/Fig.5/new_random*/para_init.py``) drawn here with torch's *global* generator exactly as their
``permutation_train`` does, and checkpoints made the way their script trains and saves them. Skipped
without PyTorch."""
import numpy as np
import pytest

from proofkit.pool import INITIALISATIONS, experiment_pool
from proofkit.train.torchio import ProjectionRefused, import_network, load_state_dict

torch = pytest.importorskip("torch")
nn = torch.nn


def authors_pool(init, n, seed):
    """Biases (n) and layer2.weight (2n) as their scripts draw them after setup_seed(seed): layer1.bias
    first, then layer2.weight (named_parameters order); float32 CPU tensors."""
    torch.manual_seed(seed)

    def uniform(m):
        t = torch.empty(m)
        nn.init.uniform_(t, a=-1, b=1)
        return t

    def xavier(m):
        t = torch.empty(m)
        nn.init.xavier_uniform_(t.unsqueeze(0), gain=nn.init.calculate_gain("relu"))
        return t

    def he(m):
        t = torch.empty(m)
        nn.init.kaiming_normal_(t.unsqueeze(0), mode="fan_in", nonlinearity="relu")
        return t

    def shuffled(m):
        t = torch.linspace(-1, 1, m)
        idx = torch.randperm(t.nelement())
        return t.view(-1)[idx].view(t.size())

    def pairwise(m):
        c = uniform(m // 2)
        return torch.cat((c, -1 * c))

    recipes = {  # paper name: (bias draw, coefficient draw); folder of the authors' code in the comment
        "equidistant": (lambda: torch.linspace(-1, 1, n), lambda: shuffled(2 * n)),  # Fig.2a/new_sin
        "pairwise": (lambda: uniform(n), lambda: pairwise(2 * n)),         # Fig.2a/new_sin_random, Fig.5/new_random3
        "random": (lambda: uniform(n), lambda: uniform(2 * n)),            # Fig.2a/new_sin_TotalRan
        "random3": (lambda: torch.linspace(-1, 1, n), lambda: uniform(2 * n)),  # Fig.5/new_random1
        "random4": (lambda: uniform(n), lambda: shuffled(2 * n)),          # Fig.5/new_random2
        "random5": (lambda: xavier(n), lambda: xavier(2 * n)),             # Fig.5/new_random4
        "random6": (lambda: he(n), lambda: he(2 * n)),                     # Fig.5/new_random5
        "random7": (lambda: uniform(n), lambda: xavier(2 * n)),            # Fig.5/new_random6
        "random8": (lambda: uniform(n), lambda: he(2 * n)),                # Fig.5/new_random7
    }
    bias_fn, coef_fn = recipes[init]
    b = bias_fn()
    w = coef_fn()
    return b.numpy().astype(np.float64), w.numpy().astype(np.float64)


@pytest.mark.parametrize("init", sorted(INITIALISATIONS))
@pytest.mark.parametrize("n", [1, 5, 40])
def test_torch_stream_pools_are_the_authors_draws(init, n):
    seed = 2022 + 1000 * 7  # their run iter7
    want_b, want_w = authors_pool(init, n, seed)
    state = torch.get_rng_state()
    pool = experiment_pool(init, n, seed, stream="torch")
    assert torch.equal(torch.get_rng_state(), state)  # the user's global generator is left alone
    assert np.array_equal(pool.biases, want_b) and np.array_equal(pool.values, want_w)
    assert pool.stream == "torch" and pool.values.dtype == np.float64
    assert np.array_equal(pool.values.astype(np.float32).astype(np.float64), pool.values)  # float32 values
    # and they are not numpy's numbers (equidistant draws only a shuffle, which may agree for n = 1)
    if init != "equidistant":
        other = experiment_pool(init, n, seed)
        assert not np.array_equal(np.r_[other.biases, other.values], np.r_[pool.biases, pool.values])


class AuthorsNN(nn.Module):
    """Their NN([1, 2n, 1, 1]): layer1 Linear(1, 2n), ReLU, layer2 Linear(2n, 1, bias=False), layer3 Linear(1, 1)."""

    def __init__(self, n):
        super().__init__()
        self.layer1 = nn.Linear(1, 2 * n)
        self.relu = nn.ReLU()
        self.layer2 = nn.Linear(2 * n, 1, bias=False)
        self.layer3 = nn.Linear(1, 1)

    def forward(self, x):
        return self.layer3(self.layer2(self.relu(self.layer1(x))))


def authors_checkpoint(path, init, n, j, epochs=6, k=3, drift_epochs=1):
    """Train like their permutation_train(j): setup_seed(2022+1000j), build the model, setup_seed(2022) for
    the data, setup_seed(2022+1000j) again, initialise (weights +-1, biases repeat(2), coefficients), Adam,
    rank-matching permutation onto weight_0 = sort(initial coefficients) every k epochs, then (as at the end
    of their runs, where the decayed learning rate is ~1e-9) a few steps of drift; torch.save(state_dict)."""
    seed = 2022 + 1000 * j
    torch.manual_seed(seed)
    model = AuthorsNN(n)
    torch.manual_seed(2022)
    x = torch.rand(256, 1) * 2 - 1
    y = -torch.sin(2 * torch.pi * x)
    b, w = authors_pool(init, n, seed)
    with torch.no_grad():
        model.layer1.weight.copy_(torch.cat((torch.ones(n), -torch.ones(n))).reshape(-1, 1))
        model.layer1.bias.copy_(torch.tensor(b, dtype=torch.float32).repeat(2))
        model.layer2.weight.copy_(torch.tensor(w, dtype=torch.float32).reshape(1, -1))
        model.layer3.weight.fill_(1.0)
    model.layer1.requires_grad_(False)
    weight_0 = np.sort(model.layer2.weight.detach().numpy())
    opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=1e-3)
    for epoch in range(epochs + drift_epochs):
        if epoch == epochs:
            for group in opt.param_groups:
                group["lr"] = 1e-8
        for i in range(0, 256, 32):
            opt.zero_grad()
            nn.functional.mse_loss(model(x[i:i + 32]), y[i:i + 32]).backward()
            opt.step()
        if epoch < epochs and (epoch + 1) % k == 0:
            with torch.no_grad():
                rank = np.argsort(np.argsort(model.layer2.weight.numpy()))
                model.layer2.weight.copy_(torch.from_numpy(np.take(weight_0, rank)))
    torch.save(model.state_dict(), path)
    return model


@pytest.mark.parametrize("init, j", [("pairwise", 0), ("random8", 3), ("equidistant", 1)])
def test_authors_checkpoints_import_with_the_torch_stream(tmp_path, init, j):
    n = 20
    path = tmp_path / f"Sin-1Xweight-bs8-k5-adjust0-W{n}-iter{j}.pth"
    model = authors_checkpoint(path, init, n, j)
    seed = 2022 + 1000 * j
    for reader in ("builtin", "torch"):
        sd = load_state_dict(path, reader)
        net, rep = import_network(sd, init=init, seed=seed, stream="torch")
        assert rep["distance_max"] <= 1e-5 and rep["biases_match"], rep
        assert net.check_permutation().ok
        xs = np.linspace(-1, 1, 201)
        with torch.no_grad():
            want = model(torch.tensor(xs, dtype=torch.float32).reshape(-1, 1)).numpy()[:, 0]
        np.testing.assert_allclose(net(xs), want, atol=1e-5)
    if init == "equidistant":  # its coefficient multiset does not depend on the seed or the stream
        return
    # numpy's stream and a wrong seed are refused; the refusal points at the stream that fits
    with pytest.raises(ProjectionRefused, match="the pool of --stream torch fits"):
        import_network(sd, init=init, seed=seed)
    with pytest.raises(ProjectionRefused, match="wrong --init, --seed or --stream") as err:
        import_network(sd, init=init, seed=seed + 1000, stream="torch")
    assert err.value.report["distance_max"] > 1e-3
