r"""The training problem: frozen first layer, coefficient pool, training and test data (arXiv 2407.01033,
Figs. 2–8).

Training runs in reference coordinates :math:`t\in[-1,1]^d` (the paper's experimental domain); a user
domain [a, b] (or the cube [a, b]^d) is reached by :math:`x = m + h\,t` with m = (a+b)/2, h = (b-a)/2.
Because the ReLU is positively homogeneous, :math:`\rho(u\cdot t + c) = h^{-1}\rho(u\cdot x - (u\cdot
\mathbf 1)m + hc)`, so the network in x keeps weights u (±1 in 1-D), takes biases
:math:`c' = hc - (u\cdot\mathbf 1)m` and scale :math:`\gamma' = \gamma/h`; the coefficients (pool values)
are untouched. On [-1, 1] nothing changes (c' = c bit for bit).

* **1-D** ("1-2n-1-1"): the pool is :func:`proofkit.pool.experiment_pool` (name, n, seed) and the first layer
  :func:`proofkit.pool.first_layer` (layout ``authors``: c = beta_i for both unit types, or ``theory``:
  c = -b_i, +b_i). Directions u = +1 (units 1..n) and -1 (units n+1..2n). Data: ``n_train`` points
  U[-1,1] from ``numpy.random.default_rng(data_seed)`` and ``n_test`` equispaced test points.
* **2-D** ("2-8n-1-1", Fig. 3): the 8 fixed directions (1,0),(-1,0),(1,1),(-1,-1),(-1,1),(1,-1),(0,1),(0,-1),
  unnormalised, n units each, biases linspace(-1.75, 1.75, n) per direction, coefficient pool
  linspace(-1, 1, 8n) shuffled. Data: ``n_train`` points uniform in the square, test grid ``n_test`` per axis.
* **3-D** ("3-26n-1-1", Fig. 4): the 26 nonzero vectors v of {-1,0,1}^3 divided by sqrt(3),
  :math:`u_g = v/\sqrt3`; same bias and pool rules with 26n values. The paper's final 3-D configuration
  is undocumented; the authors' 3-D script scales its 26 directions by sqrt(3) and draws biases in
  [-1.75, 1.75]. We read the scaling as a division: then :math:`\max_{t\in[-1,1]^3}|u_g\cdot t|
  = \|v\|_1/\sqrt3 \le \sqrt3 \approx 1.732 < 1.75`, so the break-points -c_j of every direction span
  the whole range of :math:`u_g\cdot t` over the cube (with the unscaled v the diagonal directions reach
  |v . t| = 3 and their last 40% carries no break-point; multiplying by sqrt(3) would make that worse).
  The scaling also shrinks the initial output :math:`\gamma\sum_j a_j\rho(\cdot)` (std ~ sqrt(H)) by
  about 1.7, which matters: measured on sin(3x)cos(y)sin(2z), n = 160, 800 compressed epochs, the test
  RMSE drops from 0.90 (unscaled) to 0.52 (scaled) with batch 128, and from 0.44 to 0.27 with batch 32.

``sorted_pool`` puts the initial positions in ascending order (Fig. 6: equidistant coefficients
"unshuffled", so position i starts with value -1 + 2i/(2n-1)).

For 2-D/3-D the inits are ``equidistant`` (the paper's), ``random`` (biases U[-1.75,1.75]^n shared by the
directions, W ~ U[-1,1]^{Dn}) and ``pairwise`` (same biases, W = (c, -c), c ~ U[-1,1]^{Dn/2}); the pools
are made by :func:`proofkit.pool.experiment_pool_nd`.
Random draws use numpy's PCG64 (not the authors' torch streams).
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import sympy as sp

from ..expr import parse_expression, parse_target
from ..pool import experiment_pool, experiment_pool_nd, first_layer
from .config import TrainConfig, TrainError

__all__ = ["Problem", "build_problem", "directions", "target_function"]

_VARS = ("x", "y", "z")

#: Revision of each problem's definition (directions, biases, pool, data). Bump the entry of a dimension
#: when a change alters its training results; a revision above 1 becomes part of the run-cache key
#: (:func:`proofkit.experiments.runs.train_config`), so stored runs of the old problem are not reused while
#: runs of unchanged problems stay valid. 3-D is at 2: its directions were divided by sqrt(3).
PROBLEM_REVISION = {1: 1, 2: 1, 3: 2}


def directions(dim: int) -> np.ndarray:
    """The fixed first-layer directions u_g: (2,1) for 1-D, the paper's 8 for 2-D (unnormalised), and for
    3-D the 26 nonzero vectors of {-1,0,1}^3 divided by sqrt(3) (see the module docstring)."""
    if dim == 1:
        return np.array([[1.0], [-1.0]])
    if dim == 2:
        return np.array([[1, 0], [-1, 0], [1, 1], [-1, -1], [-1, 1], [1, -1], [0, 1], [0, -1]], dtype=float)
    if dim == 3:
        v = np.array([v for v in itertools.product((-1, 0, 1), repeat=3) if any(v)], dtype=float)
        return v / np.sqrt(3.0)
    raise TrainError(f"dim: must be 1, 2 or 3, got {dim!r}")


def target_function(text: str, dim: int):
    """A vectorised f*(X) for X of shape (N, dim), parsed without eval.

    1-D uses :func:`proofkit.expr.parse_target`. For 2-D/3-D the variables are x, y(, z); the text goes
    through the same whitelist translator as :func:`parse_target` (AST only, nothing executed).
    """
    if dim == 1:
        tgt = parse_target(text)
        return lambda X: tgt(np.asarray(X, dtype=float).reshape(-1))
    names = _VARS[:dim]
    expr, syms = parse_expression(text, names)
    f = sp.lambdify(syms, expr, modules=["numpy"])

    def call(X):
        X = np.asarray(X, dtype=float)
        y = np.asarray(f(*[X[:, i] for i in range(dim)]), dtype=float)
        return np.broadcast_to(y, (X.shape[0],)).copy()

    return call


@dataclass(frozen=True, eq=False)
class Problem:
    """Arrays of one training problem, in reference coordinates t in [-1, 1]^dim.

    dirs (D, dim), unit_dir (H,) non-decreasing, c (H,) biases, pool (H,) coefficient values in their
    initial positions, X/Y train data, Xt/Yt test data (Xt in reference coordinates; ``x_test`` in user
    coordinates), mid/half: the affine map x = mid + half * t, pool_obj: the 1-D
    :class:`proofkit.pool.Pool` (None for 2-D/3-D).
    """

    config: TrainConfig
    dirs: np.ndarray
    unit_dir: np.ndarray
    c: np.ndarray
    pool: np.ndarray
    X: np.ndarray
    Y: np.ndarray
    Xt: np.ndarray
    Yt: np.ndarray
    x_test: np.ndarray
    mid: float
    half: float
    pool_obj: object = None

    @property
    def H(self) -> int:
        return len(self.c)

    def user_biases(self) -> np.ndarray:
        """Biases c' = h c - (u . 1) m of the same network in user coordinates (c itself on [-1, 1])."""
        if self.mid == 0.0 and self.half == 1.0:
            return self.c.copy()
        usum = self.dirs.sum(axis=1)[self.unit_dir]
        return self.half * self.c - usum * self.mid


def build_problem(cfg: TrainConfig) -> Problem:
    """The first layer, the pool and the data of a configuration (deterministic in its seeds).

    Raises :class:`TrainError` when the target is not finite at a training or test point.
    """
    dim = cfg.dim
    a, b = cfg.domain
    mid, half = (a + b) / 2.0, (b - a) / 2.0
    if a == -1.0 and b == 1.0:
        mid, half = 0.0, 1.0
    dirs = directions(dim)
    D = len(dirs)
    f = target_function(cfg.target, dim)
    pool_obj = None
    if dim == 1:
        pool_obj = experiment_pool(cfg.init, cfg.n, cfg.seed)
        w, c, _ = first_layer(pool_obj, cfg.layout)
        unit_dir = (w < 0).astype(np.int64)
        pool = np.array(pool_obj.values, dtype=np.float64)
        c = np.array(c, dtype=np.float64)
    else:
        c, pool = experiment_pool_nd(cfg.init, cfg.n, D, cfg.seed)
        unit_dir = np.repeat(np.arange(D, dtype=np.int64), cfg.n)
    if cfg.sorted_pool:  # initial positions in ascending order (Fig. 6); the multiset is unchanged
        pool = np.sort(pool, kind="stable")
    rng = np.random.default_rng(cfg.data_seed)
    X = rng.uniform(-1.0, 1.0, (cfg.train_size, dim))
    m = cfg.test_size
    if dim == 1:
        x_test = np.linspace(a, b, m).reshape(-1, 1)
    else:
        axes = np.meshgrid(*[np.linspace(a, b, m)] * dim, indexing="ij")
        x_test = np.stack([ax.reshape(-1) for ax in axes], axis=1)
    Xt = (x_test - mid) / half
    with np.errstate(all="ignore"):
        try:
            Y = f(mid + half * X)
            Yt = f(x_test)
        except (TypeError, ValueError, ZeroDivisionError) as exc:
            raise TrainError(f"target '{cfg.target}' cannot be evaluated on the domain: {exc}") from None
    for name, pts, vals in (("training", mid + half * X, Y), ("test", x_test, Yt)):
        bad = ~np.isfinite(vals)
        if bad.any():
            p = pts[int(np.argmax(bad))]
            where = ", ".join(f"{v:.6g}" for v in p)
            raise TrainError(f"target '{cfg.target}' is not finite at the {name} point ({where})")
    return Problem(cfg, dirs, unit_dir, c, pool, np.ascontiguousarray(X), np.ascontiguousarray(Y, dtype=float),
                   np.ascontiguousarray(Xt), np.ascontiguousarray(Yt, dtype=float), x_test, mid, half, pool_obj)
