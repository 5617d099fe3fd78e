"""Training kernels (proofkit.train.kernels) against independent oracles: PermNetwork, dense numpy, a
numpy Adam step written from the PyTorch formulas."""
import numpy as np
import pytest

from proofkit.network import PermNetwork
from proofkit.pool import experiment_pool
from proofkit.train import TrainConfig, kernels
from proofkit.train.ndnet import NDPermNetwork
from proofkit.train.problem import build_problem, directions


def one_d(n, init, layout, seed=3):
    pool = experiment_pool(init, n, seed)
    net = PermNetwork.from_pool(pool, np.random.default_rng(seed).permutation(2 * n), layout=layout,
                                scale=1.3, shift=-0.2)
    return net


@pytest.mark.parametrize("slope", [0.0, 0.01, 0.3])
@pytest.mark.parametrize("layout", ["authors", "theory"])
@pytest.mark.parametrize("init", ["pairwise", "equidistant", "random6"])
def test_predict_1d_matches_permnetwork(slope, layout, init):
    net = one_d(37, init, layout)
    act = "relu" if slope == 0 else f"leaky_relu:{slope}"
    net = PermNetwork(net.weights, net.biases, net.pool, net.permutation, net.scale, net.shift, (-1.0, 1.0), act)
    x = np.linspace(-1.3, 1.3, 1001)
    unit_dir = (net.weights < 0).astype(np.int64)
    got = kernels.predict(x.reshape(-1, 1), directions(1), unit_dir, net.biases, net.coefficients.copy(),
                          net.scale, net.shift, slope)
    np.testing.assert_allclose(got, net.dense(x), rtol=0, atol=1e-12)
    np.testing.assert_allclose(got, net(x), rtol=0, atol=1e-12)


@pytest.mark.parametrize("dim", [2, 3])
@pytest.mark.parametrize("slope", [0.0, 0.01])
def test_predict_nd_matches_dense_oracle(dim, slope):
    rng = np.random.default_rng(dim)
    D = len(directions(dim))
    n = 7
    H = D * n
    dirs = directions(dim)
    unit_dir = np.repeat(np.arange(D), n)
    c = rng.uniform(-1.75, 1.75, H)
    a = rng.uniform(-1, 1, H)
    X = rng.uniform(-1, 1, (300, dim))
    got = kernels.predict(X, dirs, unit_dir, c, a, 0.7, 0.1, slope)
    # oracle: explicit sum over units, written without the direction table
    W = np.array([dirs[unit_dir[j]] for j in range(H)])
    Z = X @ W.T + c
    want = 0.1 + 0.7 * (np.where(Z > 0, Z, slope * Z) @ a)
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)
    act = "relu" if slope == 0 else f"leaky_relu:{slope}"
    net = NDPermNetwork(dirs, unit_dir, c, a, np.arange(H), 0.7, 0.1, (-1.0, 1.0), act)
    np.testing.assert_allclose(net(X), want, rtol=0, atol=1e-12)
    Phi = kernels.hidden_features(X, dirs, unit_dir, c, slope)
    np.testing.assert_allclose(0.1 + 0.7 * Phi @ a, want, rtol=0, atol=1e-12)


def numpy_adam(p, g, m, v, t, lr, b1=0.9, b2=0.999, eps=1e-8):
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g * g
    mhat = m / (1 - b1 ** t)
    vhat = v / (1 - b2 ** t)
    return p - lr * mhat / (np.sqrt(vhat) + eps), m, v


@pytest.mark.parametrize("slope", [0.0, 0.01])
def test_adam_epoch_matches_numpy_reference(slope):
    """Two batches of the compiled epoch = autograd-free numpy gradients + textbook Adam."""
    rng = np.random.default_rng(0)
    n, B = 9, 4
    H = 2 * n
    X = rng.uniform(-1, 1, (2 * B, 1))
    Y = np.sin(3 * X[:, 0])
    dirs = directions(1)
    unit_dir = np.r_[np.zeros(n, np.int64), np.ones(n, np.int64)]
    c = rng.uniform(-1, 1, H)
    theta = rng.uniform(-1, 1, H)
    ga = np.array([1.2, -0.3])
    order = rng.permutation(2 * B)
    # reference
    p = np.r_[theta, ga]
    m = np.zeros(H + 2)
    v = np.zeros(H + 2)
    for t, start in enumerate(range(0, 2 * B, B), 1):
        idx = order[start:start + B]
        z = X[idx] * np.where(unit_dir == 0, 1.0, -1.0) + c
        h = np.where(z > 0, z, slope * z)
        s = h @ p[:H]
        r = 2 * (p[H + 1] + p[H] * s - Y[idx]) / B
        g = np.r_[p[H] * (r @ h), r @ s, r.sum()]
        p, m, v = numpy_adam(p, g, m, v, t, 1e-2)
    th, g2 = theta.copy(), ga.copy()
    loss, step = kernels.adam_epoch(X, Y, order, dirs, unit_dir, c, th, g2, np.zeros(H), np.zeros(H),
                                    np.zeros(2), np.zeros(2), 0, 1e-2, B, slope, 0.9, 0.999, 1e-8,
                                    np.empty((B, H)), np.empty(H))
    assert step == 2
    np.testing.assert_allclose(th, p[:H], rtol=0, atol=1e-12)
    np.testing.assert_allclose(g2, p[H:], rtol=0, atol=1e-12)


def test_last_partial_batch_is_used():
    rng = np.random.default_rng(1)
    H = 4
    X = rng.uniform(-1, 1, (10, 1))
    args = (directions(1), np.array([0, 0, 1, 1]), rng.uniform(-1, 1, H))
    th, ga = np.ones(H), np.array([1.0, 0.0])
    _, step = kernels.adam_epoch(X, X[:, 0], np.arange(10), *args, th, ga, np.zeros(H), np.zeros(H),
                                 np.zeros(2), np.zeros(2), 0, 1e-3, 4, 0.0, 0.9, 0.999, 1e-8,
                                 np.empty((4, H)), np.empty(H))
    assert step == 3  # 4 + 4 + 2


@pytest.mark.parametrize("dim", [2, 3])
def test_nd_problem_shapes_and_pool(dim):
    cfg = TrainConfig(target="sin(3*x)*cos(y)" + ("*sin(2*z)" if dim == 3 else ""), n=4, dim=dim, epochs=1,
                      n_train=64, n_test=5, batch=16)
    prob = build_problem(cfg)
    D = 8 if dim == 2 else 26
    assert prob.H == D * 4 and prob.X.shape == (64, dim) and prob.Xt.shape == (5 ** dim, dim)
    # equidistant: the pool is linspace(-1, 1, D n) as a multiset, biases linspace(-1.75, 1.75, n) per direction
    np.testing.assert_array_equal(np.sort(prob.pool), np.linspace(-1, 1, D * 4))
    np.testing.assert_array_equal(prob.c[:4], np.linspace(-1.75, 1.75, 4))
    assert len({tuple(d) for d in prob.dirs}) == D and not np.any(np.all(prob.dirs == 0, axis=1))
