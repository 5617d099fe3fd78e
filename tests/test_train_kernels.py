"""Training kernels (proofkit.train.kernels) against independent oracles: PermNetwork, dense numpy, numpy
Adam steps written from the PyTorch / Kingma-Ba formulas, and the dense reference epoch (the previous
engine) for the sorted-bias epoch on random problems with ties, points exactly at break-points, leaky ReLU
and 1-D / 2-D / 3-D directions."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

from proofkit.network import PermNetwork
from proofkit.pool import experiment_pool
from proofkit.train import TrainConfig, kernels
from proofkit.train.ndnet import NDPermNetwork
from proofkit.train.problem import build_problem, directions

B1, B2, EPS = 0.9, 0.999, 1e-8


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


# ------------------------------------------------------------------ helpers: problems and both epochs
def problem(dim, n, N, ties, seed):
    """Random directions' units (n per direction), data and coefficients. ``ties``: biases and inputs on
    the grid Z/4, so that biases tie and many points sit exactly on a break-point (t + c = 0 exactly)."""
    rng = np.random.default_rng(seed)
    dirs = directions(dim)
    D = len(dirs)
    unit_dir = np.repeat(np.arange(D), n)
    if ties:
        c = rng.integers(-6, 7, D * n) / 4.0
        X = rng.integers(-4, 5, (N, dim)) / 4.0
    else:
        c = rng.uniform(-1.75, 1.75, D * n)
        X = rng.uniform(-1, 1, (N, dim))
    Y = np.sin(3 * X.sum(axis=1)) + 0.3 * X[:, 0]
    theta = rng.uniform(-1, 1, D * n)
    return dirs, unit_dir, c, X, Y, theta


def numpy_forward_grad(dirs, unit_dir, c, X, Y, theta, gamma, alpha, slope, idx):
    """Loss, dL/dtheta, dL/dgamma, dL/dalpha of one batch, dense numpy."""
    Z = X[idx] @ dirs[unit_dir].T + c
    h = np.where(Z > 0, Z, slope * Z)
    s = h @ theta
    res = alpha + gamma * s - Y[idx]
    r = 2 * res / len(idx)
    return np.mean(res ** 2), gamma * (r @ h), r @ s, r.sum()


def sorted_epoch(dirs, unit_dir, c, X, Y, theta, ga, order, batch, slope, lr, sparse=None):
    """The sorted-bias epoch on arrays in original unit order; returns (loss, step, theta, ga, m, v, m2, v2)
    in original order (internally the (L, C) layout of unit_layout). ``sparse``: force the slot-by-slot
    mode on or off (None: the trainer's choice)."""
    H = len(theta)
    idx, L, P = kernels.unit_layout(unit_dir, c, len(dirs))
    flat = idx.reshape(-1)
    cm = np.ascontiguousarray(c[flat]).reshape(idx.shape)
    th = np.ascontiguousarray(theta[flat]).reshape(idx.shape)
    mm, vv = np.zeros(idx.shape), np.zeros(idx.shape)
    K = kernels.bucket_table(X, dirs, cm, P)
    if sparse is None:
        sparse = kernels.sparse_batches(batch, len(dirs), L, H // L)
    ga = ga.copy()
    m2, v2 = np.zeros(2), np.zeros(2)
    loss, step = kernels.adam_epoch(X, dirs, K, Y, order, cm, P, th, ga, mm, vv, m2, v2, 0, lr, batch, slope,
                                    B1, B2, EPS, sparse)
    out = []
    for a in (th, mm, vv):
        o = np.empty(H)
        o[flat] = a.reshape(-1)
        out.append(o)
    return loss, step, out[0], ga, out[1], out[2], m2, v2


def dense_epoch(dirs, unit_dir, c, X, Y, theta, ga, order, batch, slope, lr):
    H = len(theta)
    th, ga = theta.copy(), ga.copy()
    m, v, m2, v2 = np.zeros(H), np.zeros(H), np.zeros(2), np.zeros(2)
    loss, step = kernels.adam_epoch_dense(X, Y, order, dirs, unit_dir, c, th, ga, m, v, m2, v2, 0, lr, batch, slope,
                                          B1, B2, EPS, np.empty((batch, H)), np.empty(H))
    return loss, step, th, ga, m, v, m2, v2


# ------------------------------------------------------------------ the dense reference against numpy
@pytest.mark.parametrize("slope", [0.0, 0.01])
def test_dense_reference_epoch_matches_numpy_and_torch_adam(slope):
    """Two batches of the reference epoch = numpy gradients + PyTorch's Adam formula."""
    dirs, unit_dir, c, X, Y, theta = problem(1, 9, 8, False, 0)
    ga = np.array([1.2, -0.3])
    order = np.random.default_rng(0).permutation(8)
    p, g2 = theta.copy(), ga.copy()
    m, v = np.zeros(len(p) + 2), np.zeros(len(p) + 2)
    for t, start in enumerate((0, 4), 1):
        _, gth, gg, gal = numpy_forward_grad(dirs, unit_dir, c, X, Y, p, g2[0], g2[1], slope, order[start:start + 4])
        g = np.r_[gth, gg, gal]
        m = B1 * m + (1 - B1) * g
        v = B2 * v + (1 - B2) * g * g
        q = np.r_[p, g2] - 1e-2 * (m / (1 - B1 ** t)) / (np.sqrt(v / (1 - B2 ** t)) + EPS)
        p, g2 = q[:-2], q[-2:]
    _, step, th, ga_out, *_ = dense_epoch(dirs, unit_dir, c, X, Y, theta, ga, order, 4, slope, 1e-2)
    assert step == 2
    np.testing.assert_allclose(th, p, rtol=0, atol=1e-12)
    np.testing.assert_allclose(ga_out, g2, rtol=0, atol=1e-12)


# ------------------------------------------------------------------ the sorted-bias epoch
@pytest.mark.parametrize("dim", [1, 2, 3])
@pytest.mark.parametrize("slope", [0.0, 0.01])
def test_sorted_epoch_matches_numpy_and_kingma_ba_adam(dim, slope):
    """Three batches (the last one partial) = numpy gradients + Adam with the bias corrections folded into
    the step size (Kingma & Ba, Algorithm 1)."""
    dirs, unit_dir, c, X, Y, theta = problem(dim, 6, 11, False, dim)
    ga = np.array([0.8, 0.25])
    order = np.random.default_rng(1).permutation(11)
    p, g2 = theta.copy(), ga.copy()
    m, v = np.zeros(len(p) + 2), np.zeros(len(p) + 2)
    for t, start in enumerate((0, 4, 8), 1):
        _, gth, gg, gal = numpy_forward_grad(dirs, unit_dir, c, X, Y, p, g2[0], g2[1], slope, order[start:start + 4])
        g = np.r_[gth, gg, gal]
        m = B1 * m + (1 - B1) * g
        v = B2 * v + (1 - B2) * g * g
        b2 = np.sqrt(1 - B2 ** t)
        q = np.r_[p, g2] - 1e-2 * b2 / (1 - B1 ** t) * m / (np.sqrt(v) + EPS * b2)
        p, g2 = q[:-2], q[-2:]
    _, step, th, ga_out, *_ = sorted_epoch(dirs, unit_dir, c, X, Y, theta, ga, order, 4, slope, 1e-2)
    assert step == 3  # 4 + 4 + 3
    np.testing.assert_allclose(th, p, rtol=0, atol=1e-12)
    np.testing.assert_allclose(ga_out, g2, rtol=0, atol=1e-12)


@given(dim=st.sampled_from([1, 2, 3]), n=st.integers(1, 40), batch=st.integers(1, 24), extra=st.integers(0, 30),
       slope=st.sampled_from([0.0, 0.01, 0.3]), ties=st.booleans(), seed=st.integers(0, 2 ** 32 - 1))
def test_sorted_epoch_agrees_with_the_dense_reference(dim, n, batch, extra, slope, ties, seed):
    """Gradient (first step's Adam moment m = (1 - beta1) g), loss and one whole epoch of the sorted-bias
    kernel against the dense reference, to rounding; with ties and points exactly on break-points."""
    N = batch + extra
    dirs, unit_dir, c, X, Y, theta = problem(dim, n, N, ties, seed)
    ga = np.array([1.1, -0.15])
    first = np.arange(batch)
    # one step: the moments carry the gradients
    d = dense_epoch(dirs, unit_dir, c, X, Y, theta, ga, first, batch, slope, 1e-3)
    s = sorted_epoch(dirs, unit_dir, c, X, Y, theta, ga, first, batch, slope, 1e-3)
    scale = 1.0 + np.abs(d[4]).max() / (1 - B1)
    np.testing.assert_allclose(s[4], d[4], rtol=0, atol=1e-13 * scale)  # m_theta = 0.1 dL/dtheta
    np.testing.assert_allclose(s[6], d[6], rtol=0, atol=1e-13 * (1 + np.abs(d[6]).max() / (1 - B1)))
    assert s[0] == pytest.approx(d[0], rel=1e-12, abs=1e-14)  # the batch loss: the forward pass
    # a whole epoch in a random order (the last batch partial when batch does not divide N)
    order = np.random.default_rng(seed).permutation(N)
    d = dense_epoch(dirs, unit_dir, c, X, Y, theta, ga, order, batch, slope, 1e-3)
    s = sorted_epoch(dirs, unit_dir, c, X, Y, theta, ga, order, batch, slope, 1e-3)
    assert s[1] == d[1] == -(-N // batch)
    np.testing.assert_allclose(s[2], d[2], rtol=0, atol=1e-10)  # theta moves by ~1e-3 per step
    np.testing.assert_allclose(s[3], d[3], rtol=0, atol=1e-10)
    assert s[0] == pytest.approx(d[0], rel=1e-9, abs=1e-12)


@given(dim=st.sampled_from([1, 2, 3]), n=st.integers(1, 60), batch=st.integers(1, 12), extra=st.integers(0, 30),
       slope=st.sampled_from([0.0, 0.01]), ties=st.booleans(), seed=st.integers(0, 2 ** 32 - 1))
def test_slot_by_slot_mode_gives_the_same_bits(dim, n, batch, extra, slope, ties, seed):
    """The sparse mode (suffix sums and histogram totals slot by slot) repeats the full passes' additions
    in the same order: identical bits, whichever mode the trainer picks."""
    N = batch + extra
    dirs, unit_dir, c, X, Y, theta = problem(dim, n, N, ties, seed)
    order = np.random.default_rng(seed).permutation(N)
    full = sorted_epoch(dirs, unit_dir, c, X, Y, theta, np.array([0.9, 0.2]), order, batch, slope, 1e-2, False)
    slots = sorted_epoch(dirs, unit_dir, c, X, Y, theta, np.array([0.9, 0.2]), order, batch, slope, 1e-2, True)
    for a, b in zip(full[2:], slots[2:]):
        assert np.array_equal(a.view(np.int64), b.view(np.int64))
    assert full[0] == slots[0]


def test_wide_network_uses_int32_slots_and_agrees():
    """n = 20 000 pairs: more slots than int16 holds; one epoch still matches the dense reference."""
    dirs, unit_dir, c, X, Y, theta = problem(1, 20000, 24, False, 11)
    idx, L, P = kernels.unit_layout(unit_dir, c, 2)
    assert kernels.bucket_table(X, dirs, c[idx], P).dtype == np.int32
    order = np.random.default_rng(0).permutation(24)
    d = dense_epoch(dirs, unit_dir, c, X, Y, theta, np.array([0.01, 0.0]), order, 8, 0.0, 1e-3)
    s = sorted_epoch(dirs, unit_dir, c, X, Y, theta, np.array([0.01, 0.0]), order, 8, 0.0, 1e-3)
    np.testing.assert_allclose(s[2], d[2], rtol=0, atol=1e-10)
    np.testing.assert_allclose(s[3], d[3], rtol=0, atol=1e-10)


def test_points_on_break_points_contribute_nothing():
    """relu(0) = 0: a batch whose every point sits exactly on the break-point of the only active-looking
    unit leaves theta's gradient at exactly 0 (both kernels), so Adam leaves theta unchanged."""
    dirs = directions(1)
    unit_dir = np.array([0, 0, 1, 1])
    c = np.array([-0.5, 0.75, 0.25, 2.0])  # phi+ units break at 0.5, -0.75; phi- units at 0.25, 2
    X = np.array([[0.5], [0.5], [0.25], [0.25]])
    Y = np.array([1.0, -1.0, 0.5, 0.5])
    theta = np.array([0.3, 0.0, -0.2, 0.0])
    for run in (dense_epoch, sorted_epoch):
        out = run(dirs, unit_dir, c, X, Y, theta, np.array([1.0, 0.0]), np.arange(4), 4, 0.0, 1e-2)
        g = out[4] / (1 - B1)
        assert g[0] == 0.0 and g[2] == 0.0  # units 0 and 2: every point exactly at z = 0
        assert g[1] != 0.0 and g[3] != 0.0  # units 1 and 3: z > 0 at every point


def test_unit_layout_and_bucket_table():
    rng = np.random.default_rng(5)
    for D, n in [(2, 1280), (8, 320), (26, 320), (2, 37), (8, 10), (26, 1)]:
        dirs = directions({2: 1, 8: 2, 26: 3}[D])
        unit_dir = rng.permutation(np.repeat(np.arange(D), n))
        c = rng.integers(-7, 8, D * n) / 4.0  # many ties
        idx, L, P = kernels.unit_layout(unit_dir, c, D)
        assert idx.shape == (L, D * P) and L * P == n
        assert np.array_equal(np.sort(idx.reshape(-1)), np.arange(D * n))
        for g in range(D):  # column g P + p, row i = rank p L + i of direction g
            ranks = idx[:, g * P:(g + 1) * P].T.reshape(-1)
            assert np.all(unit_dir[ranks] == g) and np.all(np.diff(c[ranks]) >= 0)
        X = rng.integers(-4, 5, (200, dirs.shape[1])) / 4.0
        cm = c[idx]
        K = kernels.bucket_table(X, dirs, cm, P)
        C = D * P
        for g in range(D):
            t = 0.0
            for j in range(dirs.shape[1]):  # the kernels' summation order (BLAS may round otherwise)
                t = t + dirs[g, j] * X[:, j]
            k = (np.sort(c[unit_dir == g])[None, :] <= -t[:, None]).sum(axis=1)  # the first active rank
            slot = np.where(k == n, L * C + g * P + P - 1, (k % L) * C + g * P + k // L)
            assert np.array_equal(K[:, g], slot)
    with pytest.raises(ValueError, match="same number"):
        kernels.unit_layout(np.array([0, 0, 1]), np.zeros(3), 2)


def test_last_partial_batch_is_used():
    dirs, unit_dir, c, X, Y, theta = problem(1, 2, 10, False, 1)
    for run in (dense_epoch, sorted_epoch):
        assert run(dirs, unit_dir, c, X, Y, theta, np.array([1.0, 0.0]), np.arange(10), 4, 0.0, 1e-3)[1] == 3


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
