r"""Weight pools: the fixed multisets whose permutations are the only trainable thing.

A :class:`Pool` holds the n first-layer bias values and the 2n second-layer coefficient values, in their
*initial positions* (the order in which training starts; any order gives the same reachable set).
It is the one place where pools are built (theory and experiments alike).

Theory (arXiv 2407.01033: the pools of Theorems 1–3), on a domain [a, b] (the paper: [0, 1]):

* equidistant: :math:`b_i = a + (b-a)\frac{i-1}{n-1}`, coefficient pool :math:`W^{(2n)}=(b_1..b_n,-b_1..-b_n)`,
  available exactly as Fractions;
* pairwise random (Theorem 3): :math:`b_i\sim U[a,b]`, :math:`W=(\pm p_i)`, :math:`p_i\sim U[0,1]`.

Experiments (the initialisations of Figs. 2 and 5, domain [-1, 1]): ``equidistant``, ``pairwise``
(= ``random1``), ``random`` (= ``random2``) and ``random1`` .. ``random8``. Random draws use numpy's PCG64 generator seeded with
``seed`` by default; ``stream="torch"`` rebuilds the authors' own pools with PyTorch's generator (the same
draws, in the same order, as their published initialisation code; needs PyTorch).

The bias layout of the first layer is a separate choice (:func:`first_layer`): ``"theory"`` gives the
+1 and -1 unit of pair i the same break-point :math:`b_i` (:math:`c=\mp b_i`), ``"authors"`` uses
:math:`c=\beta_i` for both (break-points :math:`-\beta_i` and :math:`+\beta_i`), as the published code does.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from .errors import ProofkitError

__all__ = ["Pool", "equidistant_pool", "pairwise_random_pool", "experiment_pool", "first_layer",
           "INITIALISATIONS", "LAYOUTS", "STREAMS", "PoolError", "experiment_pool_nd", "ND_BIAS_RANGE", "ND_INITS"]

LAYOUTS = ("theory", "authors")


class PoolError(ProofkitError):
    """Invalid pool parameters (n < 1, unknown initialisation name, ...)."""


def _frozen(arr, dtype=float) -> np.ndarray:
    if isinstance(arr, np.ndarray) and arr.dtype == dtype and not arr.flags.writeable and arr.flags.owndata:
        return arr  # already immutable: no copy (pools of 10^8 values)
    out = np.array(arr, dtype=dtype)
    out.setflags(write=False)
    return out


@dataclass(frozen=True, eq=False)
class Pool:
    """An immutable weight pool.

    Attributes
    ----------
    name : initialisation name (``"equidistant"``, ``"pairwise"``, ``"random5"``, ...).
    biases : the n bias values :math:`b_i` (theory) or :math:`\\beta_i` (authors' layout), float64.
    values : the 2n coefficient values in their initial positions, float64.
    domain : the interval the pool is meant for.
    seed : the seed of a random pool (None for deterministic ones).
    exact_biases, exact_values : the same as tuples of Fractions when the pool is rational, else None.
    stream : the random stream of a random pool: ``"numpy"`` or ``"torch"`` (see :func:`experiment_pool`).
    """

    name: str
    biases: np.ndarray
    values: np.ndarray
    domain: tuple = (0.0, 1.0)
    seed: int | None = None
    exact_biases: tuple | None = None
    exact_values: tuple | None = None
    description: str = field(default="", compare=False)
    stream: str = "numpy"

    def __post_init__(self):
        object.__setattr__(self, "biases", _frozen(self.biases))
        object.__setattr__(self, "values", _frozen(self.values))
        if len(self.values) != 2 * len(self.biases):
            raise PoolError("a pool has n biases and 2n coefficient values")

    @property
    def n(self) -> int:
        return len(self.biases)

    @property
    def exact(self) -> bool:
        return self.exact_values is not None

    def __repr__(self):
        seed = f", seed={self.seed}" if self.seed is not None else ""
        seed += f", stream={self.stream!r}" if self.stream != "numpy" else ""
        return f"Pool({self.name!r}, n={self.n}, domain={self.domain}{seed}, exact={self.exact})"


def _check_n(n):
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise PoolError(f"n must be a positive integer, got {n!r}")
    return int(n)


def _fraction(v) -> Fraction:
    return Fraction(v) if not isinstance(v, str) else Fraction(v)


EXACT_POOL_MAX = 1 << 16   # pairs: above this the equidistant pool is float64 only unless asked


def equidistant_pool(n: int, domain=(0, 1), exact=None) -> Pool:
    r"""The theory's equidistant pool on [a, b]: :math:`b_i=a+(b-a)(i-1)/(n-1)`, :math:`W=(\pm b_i)`.

    Each float64 value is the exact rational (domain ends as given: pass strings or Fractions such as
    ``("-1", "1")`` for exact decimal ends) rounded once to nearest. ``exact``: also keep the rationals
    (``exact_biases``/``exact_values``, which give networks an exact section); None = only up to
    :data:`EXACT_POOL_MAX` pairs (10^8 Fractions would take gigabytes and minutes; the certificates are
    about the float64 values anyway).
    """
    n = _check_n(n)
    if n < 2:
        raise PoolError("the equidistant pool needs n >= 2")
    a, b = (_fraction(d) for d in domain)
    if not a < b:
        raise PoolError(f"domain must satisfy a < b, got [{a}, {b}]")
    vals = _grid_rounded(a, b, n)
    values = np.concatenate([vals, -vals])
    vals.setflags(write=False)
    values.setflags(write=False)
    eb = ev = None
    if exact or (exact is None and n <= EXACT_POOL_MAX):
        eb = tuple(a + (b - a) * Fraction(i, n - 1) for i in range(n))
        ev = eb + tuple(-x for x in eb)
    return Pool("equidistant", vals, values, (float(a), float(b)), None, eb, ev,
                "theory: b_i = linspace(a, b, n), W = (+b_i, -b_i)")


def _grid_rounded(a: Fraction, b: Fraction, n: int) -> np.ndarray:
    r"""float64 nearest to :math:`a+(b-a)i/(n-1)`, i = 0..n-1, for rationals a < b.

    With a common denominator q, the value is :math:`N_i/(q(n-1))`, :math:`N_i=p_a(n-1)+(p_b-p_a)i`. When q
    is a power of two and every |N_i| < 2^53, numpy's division N_i/(n-1) of two exact floats is correctly
    rounded (IEEE 754) and the scaling by 1/q is exact (results checked to be normal), so the whole grid is
    vectorised; otherwise Python's correctly rounded integer division is used value by value."""
    q = math.lcm(a.denominator, b.denominator)
    pa, pb, m = a.numerator * (q // a.denominator), b.numerator * (q // b.denominator), n - 1
    big = max(abs(pa), abs(pb)) * m
    if q & (q - 1) == 0 and big < 2 ** 53:
        num = pa * m + (pb - pa) * np.arange(n, dtype=np.float64)   # exact integers below 2^53
        vals = (num / float(m)) / float(q)
        tiny = (vals != 0) & (np.abs(vals) < 2.0 ** -1000)
        if not tiny.any():
            return vals
    Q = q * m
    return np.fromiter(((pa * m + (pb - pa) * i) / Q for i in range(n)), dtype=np.float64, count=n)


def pairwise_random_pool(n: int, domain=(0, 1), seed: int = 0) -> Pool:
    r"""Theorem 3's pool: :math:`b_i\sim U[a,b]` i.i.d., :math:`W=(p_1..p_n,-p_1..-p_n)`, :math:`p_i\sim U[0,1]`."""
    n = _check_n(n)
    a, b = float(domain[0]), float(domain[1])
    rng = np.random.default_rng(_check_seed(seed))
    biases = rng.uniform(a, b, n)
    p = rng.uniform(0.0, 1.0, n)
    return Pool("pairwise_theory", biases, np.concatenate([p, -p]), (a, b), seed,
                description="theory (Theorem 3): b_i ~ U[a,b], W = (+p_i, -p_i), p_i ~ U[0,1]")


def _check_seed(seed):
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise PoolError(f"seed must be an integer, got {seed!r}")
    return int(seed)


def _xavier_bound(m):
    # Xavier-uniform bound of a (1, m) tensor with the ReLU gain: sqrt(2) * sqrt(6 / (m + 1))
    return math.sqrt(2.0) * math.sqrt(6.0 / (m + 1))


# numpy draws (PCG64), one per kind of pool vector: kind -> f(rng, m) giving m float64 values
_NUMPY_DRAWS = {
    "linspace": lambda r, m: np.linspace(-1.0, 1.0, m),
    "uniform": lambda r, m: r.uniform(-1.0, 1.0, m),
    "shuffled": lambda r, m: r.permutation(np.linspace(-1.0, 1.0, m)),
    "pairwise": lambda r, m: (lambda c: np.concatenate([c, -c]))(r.uniform(-1.0, 1.0, m // 2)),
    "xavier": lambda r, m: r.uniform(-_xavier_bound(m), _xavier_bound(m), m),
    "he": lambda r, m: r.normal(0.0, math.sqrt(2.0) / math.sqrt(m), m),
}

# name -> (kind of the n biases, kind of the 2n coefficient values, description). Biases are drawn first,
# then values, from one stream (numpy: default_rng(seed); torch: manual_seed(seed)).
INITIALISATIONS = {
    "equidistant": ("linspace", "shuffled", "B = linspace(-1,1,n), W = linspace(-1,1,2n) shuffled"),
    "pairwise": ("uniform", "pairwise", "Random 1: B ~ U[-1,1]^n, W = cat(c, -c), c ~ U[-1,1]^n"),
    "random": ("uniform", "uniform", "Random 2: B ~ U[-1,1]^n, W ~ U[-1,1]^2n"),
    "random3": ("linspace", "uniform", "Random 3: B = linspace(-1,1,n), W ~ U[-1,1]^2n"),
    "random4": ("uniform", "shuffled", "Random 4: B ~ U[-1,1]^n, W = linspace(-1,1,2n) shuffled"),
    "random5": ("xavier", "xavier", "Random 5: B ~ Xavier-uniform, W ~ Xavier-uniform"),
    "random6": ("he", "he", "Random 6: B ~ He-normal, W ~ He-normal"),
    "random7": ("uniform", "xavier", "Random 7: B ~ U[-1,1]^n, W ~ Xavier-uniform"),
    "random8": ("uniform", "he", "Random 8: B ~ U[-1,1]^n, W ~ He-normal"),
}
_ALIASES = {"random1": "pairwise", "random2": "random"}
STREAMS = ("numpy", "torch")


def _torch_draws(seed: int) -> dict:
    r"""The torch draws of the authors' initialisation code, on a private CPU generator seeded like their
    ``torch.manual_seed(seed)`` (the global generator is left alone). All draws are float32 CPU tensors,
    made by the same ``torch`` / ``torch.nn.init`` calls as the published ``para_init.py`` files:
    ``uniform_(-1, 1)`` on an m-vector, ``xavier_uniform_`` and ``kaiming_normal_(mode='fan_in')`` with the
    ReLU gain on a (1, m) tensor, ``linspace(-1, 1, m)``, ``linspace(-1, 1, m)[randperm(m)]`` and
    ``cat(c, -c)`` with c an (m/2)-vector ``uniform_(-1, 1)``.
    """
    try:
        import torch
    except ImportError:
        raise PoolError("stream 'torch' needs PyTorch, which is not installed (pip install torch)") from None
    init = torch.nn.init
    gen = torch.Generator(device="cpu")
    try:
        gen.manual_seed(seed)
    except RuntimeError as exc:
        raise PoolError(f"seed {seed} is outside torch's seed range: {exc}") from None
    relu = init.calculate_gain("relu")

    def empty(*shape):
        return torch.empty(*shape, dtype=torch.float32)

    def linspace(m):
        return torch.linspace(-1.0, 1.0, m, dtype=torch.float32)

    def pairwise(m):
        c = init.uniform_(empty(m // 2), -1.0, 1.0, generator=gen)
        return torch.cat((c, -c))

    return {
        "linspace": linspace,
        "uniform": lambda m: init.uniform_(empty(m), -1.0, 1.0, generator=gen),
        "shuffled": lambda m: linspace(m)[torch.randperm(m, generator=gen)],
        "pairwise": pairwise,
        "xavier": lambda m: init.xavier_uniform_(empty(1, m), gain=relu, generator=gen)[0],
        "he": lambda m: init.kaiming_normal_(empty(1, m), mode="fan_in", nonlinearity="relu", generator=gen)[0],
    }


def experiment_pool(name: str, n: int, seed: int = 0, stream: str = "numpy") -> Pool:
    """An initialisation of the paper's experiments on [-1, 1] (Figs. 2 and 5), by name.

    Valid names: those of :data:`INITIALISATIONS` plus the aliases ``random1`` (= pairwise) and
    ``random2`` (= random). Matching is case-insensitive; spaces and dashes are ignored.

    ``stream``: ``"numpy"`` (default) draws from ``numpy.random.default_rng(seed)`` in float64;
    ``"torch"`` rebuilds the authors' pools exactly (needs PyTorch): ``torch.manual_seed(seed)``, the
    n biases, then the 2n coefficient values, each with the torch call of their ``para_init.py``, in
    float32 (stored exactly as float64). Their run ``iter j`` seeds with 2022 + 1000 j.
    """
    n = _check_n(n)
    key = str(name).lower().replace(" ", "").replace("-", "").replace("_", "")
    key = _ALIASES.get(key, key)
    if key not in INITIALISATIONS:
        valid = ", ".join(list(INITIALISATIONS) + list(_ALIASES))
        raise PoolError(f"unknown initialisation '{name}'; valid: {valid}")
    if stream not in STREAMS:
        raise PoolError(f"unknown random stream '{stream}'; valid: {', '.join(STREAMS)}")
    bias_kind, value_kind, desc = INITIALISATIONS[key]
    seed = _check_seed(seed)
    if stream == "torch":
        draw = _torch_draws(seed)
        biases = draw[bias_kind](n).double().numpy()
        values = draw[value_kind](2 * n).double().numpy()
        desc += " (torch stream, float32)"
    else:
        rng = np.random.default_rng(seed)
        biases = _NUMPY_DRAWS[bias_kind](rng, n)
        values = _NUMPY_DRAWS[value_kind](rng, 2 * n)
    # Experimental pools are float64 (numpy's linspace is not the correctly rounded rational grid);
    # their float values are still exact dyadic rationals, which is what certification uses.
    return Pool(key, biases, values, (-1.0, 1.0), seed, None, None, desc, stream)


ND_BIAS_RANGE = 1.75  # 2-D/3-D biases span [-1.75, 1.75] (the authors' "merge=0.75")
ND_INITS = ("equidistant", "pairwise", "random")


def experiment_pool_nd(init: str, n: int, n_directions: int, seed: int = 0):
    r"""Biases and coefficient values of the 2-D/3-D experiments (Figs. 3–4), for D = ``n_directions``
    fixed directions with n units each (H = Dn).

    ``equidistant`` (the paper's): biases linspace(-1.75, 1.75, n), the same for every direction, and the
    values linspace(-1, 1, Dn) shuffled. ``random``: biases U[-1.75, 1.75]^n shared by the directions,
    values U[-1, 1]^{Dn}. ``pairwise``: same biases, values (h, -h) with h ~ U[-1, 1]^{Dn/2} (D even).
    Returns (biases (H,), values (H,)) as float64, biases tiled direction by direction. numpy PCG64 streams
    from ``seed`` (not the authors' torch streams).
    """
    n = _check_n(n)
    if init not in ND_INITS:
        raise PoolError(f"unknown 2-D/3-D initialisation '{init}'; valid: {', '.join(ND_INITS)}")
    D = int(n_directions)
    if D < 1 or (init == "pairwise" and D % 2):
        raise PoolError(f"n_directions must be positive (even for pairwise), got {n_directions!r}")
    rng = np.random.default_rng(_check_seed(seed))
    if init == "equidistant":
        b = np.linspace(-ND_BIAS_RANGE, ND_BIAS_RANGE, n)
        w = rng.permutation(np.linspace(-1.0, 1.0, D * n))
    else:
        b = rng.uniform(-ND_BIAS_RANGE, ND_BIAS_RANGE, n)
        if init == "random":
            w = rng.uniform(-1.0, 1.0, D * n)
        else:
            h = rng.uniform(-1.0, 1.0, D * n // 2)
            w = np.concatenate([h, -h])
    return np.tile(b, D), w


def first_layer(pool: Pool, layout: str = "theory"):
    """First-layer weights w (int8, +1 then -1) and biases c for the 2n hidden units of a pool.

    ``"theory"``: unit i = phi_i^+ = relu(x - b_i) (w=+1, c=-b_i), unit n+i = phi_i^- = relu(b_i - x)
    (w=-1, c=+b_i). ``"authors"``: c = concat(B, B) for both unit types, as in the published code.
    Returns (w, c, exact_c) where exact_c is a tuple of Fractions or None.
    """
    if layout not in LAYOUTS:
        raise PoolError(f"unknown bias layout '{layout}'; valid: {', '.join(LAYOUTS)}")
    n = pool.n
    w = np.concatenate([np.ones(n, np.int8), -np.ones(n, np.int8)])
    sign = -1 if layout == "theory" else 1
    c = np.empty(2 * n)
    np.multiply(pool.biases, sign, out=c[:n])   # no temporary besides c itself (n ~ 5e7)
    c[n:] = pool.biases
    exact_c = None
    if pool.exact_biases is not None:
        exact_c = tuple(sign * x for x in pool.exact_biases) + tuple(pool.exact_biases)
    return w, c, exact_c
