r"""The training configuration and result records (frozen, picklable: ready for joblib sweeps).

A :class:`TrainConfig` fixes everything a run depends on; :func:`proofkit.train.run` is a pure function
of it (bit-identical results for equal configs on one machine, unless ``time_limit`` cuts the run). The
defaults are the published 1-D protocol (the setup of Fig. 2): n = 160, Equidistant, k = 5 constant with
the authors' trigger quirk, 6400 epochs, batch 8, Adam lr 1e-3 decayed by 0.998 per epoch, ReLU, the
authors' bias layout (c = beta_i for both unit types), 1600 training points U[-1,1] (data seed 2022),
400 equispaced test points.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, replace

from ..errors import ProofkitError
from ..network import NetworkFileError, parse_activation
from ..pool import INITIALISATIONS, LAYOUTS, ND_INITS

__all__ = ["TrainConfig", "TrainResult", "TrainError", "METHODS", "ND_INITS", "normalise_activation",
           "normalise_init"]

#: optimisers: LaPerm (the paper's) and the permutation-search methods of :mod:`proofkit.train.search`
METHODS = ("laperm", "rankfit", "swap", "anneal")
_INIT_ALIASES = {"random1": "pairwise", "random2": "random"}


class TrainError(ProofkitError):
    """Invalid training input (n, k, batch, init, method, target, ...)."""


def normalise_init(name: str) -> str:
    """Canonical initialisation name (``"Random 1"`` -> ``"pairwise"``, ``"random-5"`` -> ``"random5"``)."""
    key = str(name).lower().replace(" ", "").replace("-", "").replace("_", "")
    return _INIT_ALIASES.get(key, key)


def normalise_activation(activation: str) -> str:
    """``"relu"`` or ``"leaky_relu:S"`` (``"leaky_relu"`` alone means slope 0.01, PyTorch's default).

    The slope is validated by :func:`proofkit.network.parse_activation`, the one parser of activations.
    """
    if activation in ("leaky_relu", "leakyrelu", "leaky"):
        return "leaky_relu:0.01"
    if activation == "relu" or (isinstance(activation, str) and activation.startswith("leaky_relu:")):
        try:
            parse_activation(activation)
        except NetworkFileError as exc:
            raise TrainError(str(exc)) from None
        return activation
    raise TrainError(f"unknown activation '{activation}'; valid: relu, leaky_relu, leaky_relu:S")


@dataclass(frozen=True)
class TrainConfig:
    """Everything a training run depends on.

    target: expression text (sympy syntax, variables x / x,y / x,y,z); domain: (a, b), the interval (or
    the cube [a, b]^dim); n: pairs (hidden width 2n in 1-D, 8n in 2-D, 26n in 3-D); init: an
    initialisation name (:data:`proofkit.pool.INITIALISATIONS`, 1-D; :data:`ND_INITS` otherwise); seed:
    the initialisation seed (pool, initial positions, alpha's initial value, batch order); k: the
    permutation period k (k_0 when relaxed); relaxed_scale: s of the relaxed period (0 = constant k);
    epochs, batch, lr, decay: the Adam protocol; activation: ``relu`` | ``leaky_relu[:S]``; layout:
    ``authors`` | ``theory`` (1-D bias layout); quirk: the authors' permutation trigger (see
    :mod:`proofkit.train.schedule`); dim: 1, 2 or 3; data_seed, n_train, n_test: the data (n_test is per
    axis for dim > 1; None = the paper's sizes); method: ``laperm`` or a search method (:data:`METHODS`);
    log_events: record the permutation-event log; eval_every: test metrics every that many epochs into
    the history (0 = never); time_limit: stop after that many seconds (makes the run timing-dependent);
    search_restarts: restarts for the search methods; sorted_pool: start from the pool in ascending order
    (the Fig. 6 run: "unshuffled" equidistant coefficients) instead of the initialisation's positions.
    """

    target: str = "-sin(2*pi*x)"
    domain: tuple = (-1.0, 1.0)
    n: int = 160
    init: str = "equidistant"
    seed: int = 2022
    k: int = 5
    relaxed_scale: float = 0.0
    epochs: int = 6400
    batch: int = 8
    lr: float = 1e-3
    decay: float = 0.998
    activation: str = "relu"
    layout: str = "authors"
    quirk: bool = True
    dim: int = 1
    data_seed: int = 2022
    n_train: int | None = None
    n_test: int | None = None
    method: str = "laperm"
    log_events: bool = False
    eval_every: int = 0
    time_limit: float | None = None
    search_restarts: int = 1
    sorted_pool: bool = False

    def __post_init__(self):
        _int = lambda v: isinstance(v, int) and not isinstance(v, bool)  # noqa: E731
        if not isinstance(self.target, str) or not self.target.strip():
            raise TrainError("target: must be a non-empty expression string")
        try:
            a, b = (float(v) for v in self.domain)
        except (TypeError, ValueError):
            raise TrainError(f"domain: must be two numbers a < b, got {self.domain!r}") from None
        if not (math.isfinite(a) and math.isfinite(b) and a < b):
            raise TrainError(f"domain: need finite a < b, got [{a}, {b}]")
        object.__setattr__(self, "domain", (a, b))
        if not _int(self.n) or self.n < 1:
            raise TrainError(f"n: must be an integer >= 1, got {self.n!r}")
        if not _int(self.k) or self.k < 1:
            raise TrainError(f"k: the permutation period must be an integer >= 1, got {self.k!r}")
        if not _int(self.epochs) or self.epochs < 0:
            raise TrainError(f"epochs: must be an integer >= 0, got {self.epochs!r}")
        if not _int(self.batch) or self.batch < 1:
            raise TrainError(f"batch: must be an integer >= 1, got {self.batch!r}")
        if not _int(self.seed) or not _int(self.data_seed) or self.seed < 0 or self.data_seed < 0:
            raise TrainError("seed, data_seed: must be non-negative integers")
        if not (self.relaxed_scale >= 0 and math.isfinite(self.relaxed_scale)):
            raise TrainError(f"relaxed_scale: must be >= 0, got {self.relaxed_scale!r}")
        if not (self.lr > 0 and math.isfinite(self.lr)):
            raise TrainError(f"lr: must be > 0, got {self.lr!r}")
        if not (0 < self.decay <= 1):
            raise TrainError(f"decay: must be in (0, 1], got {self.decay!r}")
        if self.dim not in (1, 2, 3):
            raise TrainError(f"dim: must be 1, 2 or 3, got {self.dim!r}")
        object.__setattr__(self, "activation", normalise_activation(self.activation))
        if self.layout not in LAYOUTS:
            raise TrainError(f"layout: unknown bias layout '{self.layout}'; valid: {', '.join(LAYOUTS)}")
        init = normalise_init(self.init)
        valid = tuple(INITIALISATIONS) + tuple(_INIT_ALIASES) if self.dim == 1 else ND_INITS
        if init not in valid:
            raise TrainError(f"init: unknown initialisation '{self.init}' for dim {self.dim}; valid: "
                             f"{', '.join(valid)}")
        object.__setattr__(self, "init", init)
        if self.method not in METHODS:
            raise TrainError(f"method: unknown method '{self.method}'; valid: {', '.join(METHODS)}")
        for name in ("n_train", "n_test"):
            v = getattr(self, name)
            if v is not None and (not _int(v) or v < 2):
                raise TrainError(f"{name}: must be an integer >= 2, got {v!r}")
        if self.batch > self.train_size:
            raise TrainError(f"batch: {self.batch} is larger than the training set ({self.train_size} points)")
        if not _int(self.eval_every) or self.eval_every < 0:
            raise TrainError(f"eval_every: must be an integer >= 0, got {self.eval_every!r}")
        if self.time_limit is not None and not (self.time_limit > 0):
            raise TrainError(f"time_limit: must be > 0 seconds, got {self.time_limit!r}")
        if not _int(self.search_restarts) or self.search_restarts < 1:
            raise TrainError(f"search_restarts: must be an integer >= 1, got {self.search_restarts!r}")

    @property
    def train_size(self) -> int:
        """Number of training points (1600 in 1-D, 51200 in 2-D/3-D unless ``n_train`` is given)."""
        if self.n_train is not None:
            return self.n_train
        return 1600 if self.dim == 1 else 51200

    @property
    def test_size(self) -> int:
        """Test points (1-D) or test points per axis (2-D: 113, 3-D: 25 unless ``n_test`` is given)."""
        if self.n_test is not None:
            return self.n_test
        return {1: 400, 2: 113, 3: 25}[self.dim]

    @property
    def slope(self) -> float:
        """Negative slope s of the activation (0 for ReLU)."""
        return 0.0 if self.activation == "relu" else float(self.activation.partition(":")[2])

    def with_(self, **changes) -> "TrainConfig":
        """A copy with some fields changed (validated again)."""
        return replace(self, **changes)

    def to_dict(self) -> dict:
        """JSON-ready dictionary of the fields."""
        d = asdict(self)
        d["domain"] = list(self.domain)
        return d


@dataclass(frozen=True, eq=False)
class TrainResult:
    """The outcome of a run.

    net: the trained network, a :class:`proofkit.network.PermNetwork` (1-D; coefficients = pool[perm] bit
    for bit, scale = gamma, shift = alpha) or a :class:`proofkit.train.ndnet.NDPermNetwork` (2-D/3-D);
    linf, mse: test L_inf and MSE of ``net`` on the test points (the projected network that is returned,
    evaluated by the network's own evaluator); history: per-epoch arrays (``loss``: mean mini-batch MSE,
    ``lr``, and ``eval_epoch``/``test_mse``/``test_linf`` when ``eval_every`` > 0; search methods record
    their own steps); log: the :class:`proofkit.train.eventlog.PermutationLog` or None; seconds: wall
    time; permutations: number of permutation steps; drift: max |theta - pool[perm]| of the free
    coefficients just before the final projection (0 when the last epoch ended with a permutation).
    """

    config: TrainConfig
    net: object
    linf: float
    mse: float
    history: dict = field(default_factory=dict)
    log: object = None
    seconds: float = 0.0
    permutations: int = 0
    drift: float = 0.0
    epochs_run: int = 0

    def summary(self) -> str:
        """One line: method, init, n, test L_inf and MSE, time."""
        c = self.config
        return (f"{c.method} init={c.init} n={c.n} dim={c.dim}: test L_inf={self.linf:.4g} "
                f"MSE={self.mse:.3g} permutations={self.permutations} time={self.seconds:.2f}s")
