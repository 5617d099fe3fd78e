r"""The permutation network, its piecewise-linear form, its file format and the permutation check.

.. math:: f^{NN}(x) = \text{shift} + \text{scale}\sum_{i=1}^{H} a_i\,\rho(w_i x + c_i),
          \qquad w_i\in\{+1,-1\},\qquad a = \text{pool}[\text{perm}],

with :math:`\rho` the ReLU (or leaky ReLU). In the paper's notation (arXiv 2407.01033: its basis functions
and the network of Theorem 1) unit :math:`\varphi_i^+ = \sigma(x-b_i)` is :math:`w=+1, c=-b_i`, unit
:math:`\varphi_i^-=\sigma(b_i-x)` is :math:`w=-1, c=+b_i`, ``scale`` is :math:`\gamma` and ``shift`` is
:math:`\alpha`.

This module is the one evaluator of networks in proofkit: :meth:`PermNetwork.__call__` compiles the network
once into its piecewise-linear form (:func:`proofkit.pwl.relu_sum`, :math:`O(H\log H)`) and evaluates m
points in :math:`O(m\log H)`. :meth:`PermNetwork.dense` is the :math:`O(Hm)` product, kept as a test oracle.

File format ``proofkit.permnet/1`` (JSON; see docs/architecture.md): floats are written with ``repr`` so
they round-trip bit for bit; rational data go to the optional ``exact`` section as strings "p/q".

**The network is its float64 fields.** What a user loads, plots and exports are the float values
(``weights``, ``biases``, ``pool``, ``permutation``, ``coefficients``, ``scale``, ``shift``, ``activation``,
``domain``); every float64 is an exact dyadic rational, so :attr:`PermNetwork.dyadic_pl` is that function
exactly, and it is what :mod:`proofkit.certify` bounds. The ``exact`` section is the rational network the
float one rounds (the construction's own numbers): it serves the exact permutation proof, and a file is
refused unless every exact value rounds to nearest to its float field (:meth:`PermNetwork.exact_disagreement`).
:meth:`PermNetwork.sha256` names a network (the rule is in :mod:`proofkit.certify`'s docstring).
"""
from __future__ import annotations

import hashlib
import json
import math
from collections import Counter
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property

import numpy as np

from .errors import ProofkitError
from .limits import MAX_DOMAIN_ABS, MAX_FILE_UNITS, rational
from ._io import atomic_write_json as _atomic_write_json
from .pool import Pool, first_layer
from .pwl import EnclosedPL, PiecewiseLinear, relu_sum, relu_sum_enclosure

__all__ = ["PermNetwork", "NetworkFileError", "PermutationCheck", "FORMAT", "parse_activation", "read_network_json",
           "is_bijection"]

FORMAT = "proofkit.permnet/1"


class NetworkFileError(ProofkitError):
    """A network file or dictionary that is malformed or inconsistent (the message names the field)."""


def parse_activation(activation: str) -> Fraction:
    """Negative slope s of ``"relu"`` (0) or ``"leaky_relu:S"`` (S as an exact decimal)."""
    if activation == "relu":
        return Fraction(0)
    if isinstance(activation, str) and activation.startswith("leaky_relu"):
        _, _, s = activation.partition(":")
        try:
            slope = rational(s or "0.01", "slope")
        except ProofkitError as exc:
            raise NetworkFileError(f"activation: bad negative slope in '{activation[:60]}': {exc}") from None
        if not 0 <= slope < 1:
            raise NetworkFileError(f"activation: negative slope must be in [0, 1), got {slope}")
        return slope
    raise NetworkFileError(f"activation: unknown activation '{activation}' (use 'relu' or 'leaky_relu:0.01')")


@dataclass(frozen=True)
class PermutationCheck:
    """Result of :meth:`PermNetwork.check_permutation`.

    ``method`` is ``"exact"`` (rational values compared as Fractions) or ``"bitwise"`` (float64 values
    compared as bit patterns, no tolerance). ``extra`` are coefficient values not in the pool, ``missing``
    pool values no coefficient uses (with multiplicity).
    """

    ok: bool
    method: str
    message: str
    extra: tuple = ()
    missing: tuple = ()

    def __bool__(self):
        return self.ok


def _bits(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(a, dtype=np.float64).view(np.uint64)


def is_bijection(perm: np.ndarray) -> bool:
    """perm (int64) is a bijection of 0..H-1 (H = len(perm)): in range, and every index hit (O(H), one
    byte per index instead of sorting a Python list)."""
    H = len(perm)
    if H == 0:
        return True
    if perm.min() < 0 or perm.max() >= H:
        return False
    seen = np.zeros(H, dtype=np.bool_)
    seen[perm] = True
    return bool(seen.all())


def _gather_equal(cb, pb, perm, chunk=1 << 22) -> bool:
    """cb == pb[perm] elementwise (bit patterns), in chunks (no full-size temporary)."""
    for i in range(0, len(perm), chunk):
        if not np.array_equal(cb[i:i + chunk], pb[perm[i:i + chunk]]):
            return False
    return True


def _multiset_diff(coeffs, pool):
    """(extra, missing) between two multisets, as sorted lists (with multiplicity)."""
    cc, cp = Counter(coeffs), Counter(pool)
    extra = sorted((cc - cp).elements())
    missing = sorted((cp - cc).elements())
    return extra, missing


@dataclass(frozen=True, eq=False)
class PermNetwork:
    """A one-hidden-layer network whose output coefficients are a rearrangement of a pool.

    Parameters
    ----------
    weights : (H,) +1/-1 first-layer weights w_i.
    biases : (H,) first-layer biases c_i (float64).
    pool : (H,) the coefficient multiset (float64), in its reference order.
    permutation : (H,) int, coefficient a_i = pool[permutation[i]].
    coefficients : (H,) the coefficients actually used; defaults to pool[permutation]. (A file may carry
        inconsistent ones; :meth:`check_permutation` finds them.)
    scale, shift : gamma and alpha of the linear output layer.
    domain : the interval [a, b] the network approximates on.
    activation : ``"relu"`` or ``"leaky_relu:S"``.
    exact : optional dict with tuples of Fractions ``biases`` and ``pool`` (and optionally ``scale``,
        ``shift``): the rational network this float network rounds. Each exact value must round (to
        nearest) to its float field; :meth:`exact_disagreement` finds the first one that does not.
    provenance : free-form dict (theorem, target, epsilon, version, ...).
    """

    weights: np.ndarray
    biases: np.ndarray
    pool: np.ndarray
    permutation: np.ndarray
    scale: float = 1.0
    shift: float = 0.0
    domain: tuple = (0.0, 1.0)
    activation: str = "relu"
    exact: dict | None = None
    provenance: dict = field(default_factory=dict)
    coefficients: np.ndarray | None = None

    def __post_init__(self):
        def frozen(a, dtype):
            if isinstance(a, np.ndarray) and a.dtype == dtype and not a.flags.writeable and a.flags.owndata:
                return a  # already immutable (e.g. a Pool's arrays): no copy of 10^8 values
            arr = np.array(a, dtype=dtype)
            arr.setflags(write=False)
            return arr

        object.__setattr__(self, "weights", frozen(self.weights, np.int8))
        object.__setattr__(self, "biases", frozen(self.biases, np.float64))
        object.__setattr__(self, "pool", frozen(self.pool, np.float64))
        object.__setattr__(self, "permutation", frozen(self.permutation, np.int64))
        H = len(self.weights)
        for name in ("biases", "pool", "permutation"):
            if len(getattr(self, name)) != H:
                raise NetworkFileError(f"{name}: length {len(getattr(self, name))} differs from weights ({H})")
        if self.coefficients is None:
            if H and (self.permutation.min() < 0 or self.permutation.max() >= H):
                raise NetworkFileError("permutation: index out of range 0..H-1")
            coefficients = self.pool[self.permutation]   # a fresh array: freeze it, no second copy
            coefficients.setflags(write=False)
            object.__setattr__(self, "coefficients", coefficients)
        else:
            object.__setattr__(self, "coefficients", frozen(self.coefficients, np.float64))
            if len(self.coefficients) != H:
                raise NetworkFileError(f"coefficients: length {len(self.coefficients)} differs from weights ({H})")
        object.__setattr__(self, "scale", float(self.scale))
        object.__setattr__(self, "shift", float(self.shift))
        a, b = float(self.domain[0]), float(self.domain[1])
        if not (math.isfinite(a) and math.isfinite(b) and a < b):
            raise NetworkFileError(f"domain: need finite a < b, got [{a}, {b}]")
        object.__setattr__(self, "domain", (a, b))
        parse_activation(self.activation)

    # ---------------------------------------------------------------- construction
    @classmethod
    def from_pool(cls, pool: Pool, permutation=None, *, layout="theory", scale=1.0, shift=0.0,
                  activation="relu", exact_scale=None, exact_shift=None, provenance=None) -> "PermNetwork":
        """The network of a :class:`~proofkit.pool.Pool` with its first layer in ``layout``.

        ``permutation`` defaults to the identity (the pool's initial positions). For a rational pool the
        ``exact`` section is filled from the pool (and ``exact_scale``/``exact_shift`` when given).
        """
        w, c, exact_c = first_layer(pool, layout)
        for arr in (w, c):  # fresh arrays owned here: frozen, they are not copied again
            arr.setflags(write=False)
        H = len(w)
        perm = np.arange(H) if permutation is None else np.asarray(permutation)
        exact = None
        if pool.exact and exact_c is not None:
            exact = {"biases": tuple(exact_c), "pool": tuple(pool.exact_values)}
            if exact_scale is not None:
                exact["scale"] = Fraction(exact_scale)
            if exact_shift is not None:
                exact["shift"] = Fraction(exact_shift)
        return cls(w, c, pool.values, perm, scale, shift, pool.domain, activation, exact, dict(provenance or {}))

    def translated(self, t) -> "PermNetwork":
        r"""The network :math:`x\mapsto f^{NN}(x-t)` on the domain shifted by t (t a rational or a float).

        Unit :math:`\rho(w_i(x-t)+c_i)` has bias :math:`c_i-w_it`; pool, permutation, scale and shift are
        unchanged. With an ``exact`` section the new biases are exact and the floats their rounding;
        without one the float biases are rounded once from their exact values :math:`c_i-w_it`."""
        t = Fraction(t)
        w = self.weights.astype(int).tolist()
        if self.exact and self.exact.get("biases") is not None:
            exact_c = tuple(c - wi * t for c, wi in zip(self.exact["biases"], w))
        else:
            exact_c = tuple(Fraction(float(c)) - wi * t for c, wi in zip(self.biases, w))
        exact = dict(self.exact, biases=exact_c) if self.exact else None
        dom = (float(Fraction(self.domain[0]) + t), float(Fraction(self.domain[1]) + t))
        return PermNetwork(self.weights, [float(c) for c in exact_c], self.pool, self.permutation, self.scale,
                           self.shift, dom, self.activation, exact, dict(self.provenance), self.coefficients)

    def sha256(self) -> str:
        """The name of this network in certificates: SHA-256 of its stored values, by the rule written in
        :mod:`proofkit.certify`'s docstring (float bits, domain, activation, the exact section; not the
        provenance)."""
        h = hashlib.sha256()
        H = self.width
        h.update(FORMAT.encode() + b"\n" + self.activation.encode("utf-8") + b"\n")
        h.update(H.to_bytes(8, "little"))
        h.update(np.array([*self.domain, self.scale, self.shift], dtype="<f8").tobytes())
        # memoryviews of the (contiguous, little-endian) arrays: the same bytes as .tobytes(), no copies
        h.update(memoryview(np.ascontiguousarray(self.weights, dtype="<i1")))
        for arr in (self.biases, self.pool, self.coefficients):
            h.update(memoryview(np.ascontiguousarray(arr, dtype="<f8")))
        h.update(memoryview(np.ascontiguousarray(self.permutation, dtype="<i8")))
        for key in sorted(self.exact or {}):
            v = self.exact[key]
            vals = v if isinstance(v, tuple) else (v,)
            h.update(key.encode() + b"=" + ",".join(f"{q.numerator}/{q.denominator}" for q in vals).encode()
                     + b"\n")
        return h.hexdigest()

    def exact_disagreement(self) -> str | None:
        """None when every value of the ``exact`` section rounds (to nearest, as Python's float() of a
        Fraction does) to its float field: exact.biases[i] to biases[i], exact.pool[i] to pool[i],
        exact.scale to scale, exact.shift to shift (+0 and -0 alike); else a one-line message naming the
        first field and index that disagree. (The coefficients have no exact field: they are
        exact.pool[permutation], and their agreement is the permutation check's business.)"""
        return self._exact_disagreement

    @cached_property
    def _exact_disagreement(self):
        ex = self.exact or {}
        for key in ("biases", "pool"):
            if ex.get(key) is None:
                continue
            floats = getattr(self, key)
            rounded = np.fromiter((_nearest(q) for q in ex[key]), dtype=np.float64, count=len(ex[key]))
            bad = np.flatnonzero(rounded != floats)
            if len(bad):
                i = int(bad[0])
                return _disagree(f"exact.{key}[{i}]", ex[key][i], f"{key}[{i}]", floats[i])
        for key in ("scale", "shift"):
            if key in ex and _nearest(ex[key]) != getattr(self, key):
                return _disagree(f"exact.{key}", ex[key], key, getattr(self, key))
        return None

    @property
    def width(self) -> int:
        """Hidden width H (= 2n)."""
        return len(self.weights)

    @property
    def negative_slope(self) -> Fraction:
        return parse_activation(self.activation)

    # ---------------------------------------------------------------- evaluation
    @cached_property
    def pl(self) -> PiecewiseLinear:
        """The float64 piecewise-linear form (knots include the domain ends)."""
        return relu_sum(self.weights, self.biases, self.coefficients, scale=self.scale, shift=self.shift,
                        negative_slope=float(self.negative_slope), extra_knots=self.domain)

    @cached_property
    def dyadic_pl(self) -> PiecewiseLinear:
        """The exact piecewise-linear form, in Fractions, of the network the file stores: every float64
        field taken at its exact binary value (a float is a dyadic rational), so this is the function the
        float network computes in real arithmetic. Certification bounds this function."""
        return relu_sum(self.weights, self.biases, self.coefficients, scale=Fraction(self.scale),
                        shift=Fraction(self.shift), negative_slope=self.negative_slope,
                        extra_knots=np.array(self.domain), dyadic=True)

    @cached_property
    def enclosed_pl(self) -> EnclosedPL:
        """The same function as :attr:`dyadic_pl` on ``domain``, known through float64 enclosures with
        proven radii (:func:`proofkit.pwl.relu_sum_enclosure`): exact knots, values to double-double
        accuracy; O(H log H), no Fractions (what certificates of 10^6-10^8 units use). ValueError for a
        leaky ReLU or numbers beyond its range."""
        return self.enclosure(self.domain)

    def enclosure(self, domain) -> EnclosedPL:
        """:attr:`enclosed_pl` on another interval ``domain`` (float ends)."""
        return relu_sum_enclosure(self.weights, self.biases, self.coefficients, scale=self.scale,
                                  shift=self.shift, negative_slope=self.negative_slope, domain=tuple(domain))

    @cached_property
    def exact_pl(self) -> PiecewiseLinear:
        """The rational network of the ``exact`` section (the construction's own numbers: block heights,
        constants and slopes are exact there), in Fractions; fields without an exact value are taken at
        their float value. The stored float network only rounds this one: certificates are about
        :attr:`dyadic_pl`, not this."""
        ex = self.exact or {}
        if not ex:
            return self.dyadic_pl
        c = ex.get("biases") or tuple(Fraction(float(v)) for v in self.biases)
        if ex.get("pool") is not None:
            a = tuple(ex["pool"][p] for p in self.permutation)
        else:
            a = tuple(Fraction(float(v)) for v in self.coefficients)
        scale = ex.get("scale", Fraction(self.scale))
        shift = ex.get("shift", Fraction(self.shift))
        d = tuple(Fraction(v) for v in self.domain)
        return relu_sum(self.weights, np.array(c, dtype=object), np.array(a, dtype=object), scale=scale,
                        shift=shift, negative_slope=self.negative_slope, extra_knots=d)

    def __call__(self, x):
        """f_NN(x) for a scalar or an array, through the compiled PL form."""
        return self.pl(x)

    def dense(self, x) -> np.ndarray:
        """Test oracle: the O(H m) product shift + scale * rho(x w^T + c) a, in float64."""
        x = np.atleast_1d(np.asarray(x, dtype=float))
        z = np.multiply.outer(x, self.weights.astype(float)) + self.biases
        s = float(self.negative_slope)
        act = np.where(z > 0, z, s * z)
        return self.shift + self.scale * (act @ self.coefficients)

    def to_sympy(self, var=None):
        """Exact sympy ``Piecewise`` (rational coefficients) of the network."""
        import sympy as sp

        return self.exact_pl.to_sympy(var if var is not None else sp.Symbol("x", real=True))

    # ---------------------------------------------------------------- the permutation certificate
    def check_permutation(self) -> PermutationCheck:
        """Is ``coefficients`` a rearrangement of ``pool``, and ``coefficients == pool[permutation]``?

        Exact (Fractions) when the ``exact`` section is present (which must then agree with the float
        fields, :meth:`exact_disagreement`), else bitwise on float64 (no tolerance).
        """
        H = self.width
        perm = self.permutation
        if not is_bijection(perm):
            counts = np.bincount(perm[(perm >= 0) & (perm < H)], minlength=H)
            dup = np.flatnonzero(counts > 1)[:3]
            return PermutationCheck(False, "bitwise", f"permutation is not a bijection of 0..{H - 1}"
                                    + (f" (index {int(dup[0])} repeated)" if len(dup) else ""))
        disagreement = self.exact_disagreement()
        if disagreement:
            return PermutationCheck(False, "exact", disagreement)
        if self.exact and self.exact.get("pool") is not None:
            ep = self.exact["pool"]
            exact_coeffs = [ep[p] for p in perm]
            bad = [i for i in range(H) if float(exact_coeffs[i]) != self.coefficients[i]]
            if bad:
                extra, missing = _multiset_diff(self.coefficients.tolist(), [float(v) for v in ep])
                return PermutationCheck(False, "exact", _describe(extra, missing, bad[0]),
                                        tuple(extra), tuple(missing))
            # coefficients = exact pool[permutation] with a bijective permutation: the multisets of exact
            # values agree by construction (an independent multiset comparison is proofkit.symbolic's job)
            return PermutationCheck(True, "exact", f"coefficients are an exact permutation of the pool "
                                    f"({H} rational values)")
        cb, pb = _bits(self.coefficients), _bits(self.pool)
        if _gather_equal(cb, pb, perm):
            # coefficients = pool[permutation] bit for bit, with a bijective permutation: a rearrangement
            return PermutationCheck(True, "bitwise", f"coefficients are a bitwise permutation of the pool "
                                    f"({H} values)")
        if not np.array_equal(np.sort(cb), np.sort(pb)):  # the message: which values differ
            extra_b, missing_b = _multiset_diff(cb.tolist(), pb.tolist())
            as_float = lambda bits: tuple(float(np.uint64(b).view(np.float64)) for b in bits)  # noqa: E731
            extra, missing = as_float(extra_b), as_float(missing_b)
            return PermutationCheck(False, "bitwise", _describe(extra, missing), extra, missing)
        i = int(np.flatnonzero(cb != pb[perm])[0])
        return PermutationCheck(False, "bitwise", f"coefficients[{i}] = {self.coefficients[i]!r} but "
                                f"pool[permutation[{i}]] = {self.pool[perm[i]]!r}")

    # ---------------------------------------------------------------- file format
    def to_dict(self) -> dict:
        """The ``proofkit.permnet/1`` dictionary; NetworkFileError above :data:`proofkit.limits.MAX_FILE_UNITS`
        hidden units (the JSON lists alone would take many GB)."""
        if self.width > MAX_FILE_UNITS:
            raise NetworkFileError(f"file: a network of {self.width:,} hidden units is not written as JSON (limit "
                                   f"{MAX_FILE_UNITS:,}); its certificate names it by network_sha256 and the same "
                                   f"construction rebuilds it")
        d = {
            "format": FORMAT,
            "domain": list(self.domain),
            "activation": self.activation,
            "weights": self.weights.astype(int).tolist(),
            "biases": self.biases.tolist(),
            "pool": self.pool.tolist(),
            "permutation": self.permutation.tolist(),
            "coefficients": self.coefficients.tolist(),
            "scale": self.scale,
            "shift": self.shift,
        }
        if self.exact:
            d["exact"] = {k: (str(v) if not isinstance(v, tuple) else [str(q) for q in v])
                          for k, v in self.exact.items()}
        d["provenance"] = self.provenance
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "PermNetwork":
        """Build from a ``proofkit.permnet/1`` dictionary, validating every field (NetworkFileError)."""
        if not isinstance(d, dict):
            raise NetworkFileError("file: top level must be a JSON object")
        fmt = d.get("format")
        if fmt != FORMAT:
            raise NetworkFileError(f"format: expected '{FORMAT}', got {fmt!r}")
        for key in ("domain", "weights", "biases", "pool", "permutation"):
            if key not in d:
                raise NetworkFileError(f"{key}: missing")
        w = _int_list(d, "weights")
        if any(v not in (1, -1) for v in w):
            raise NetworkFileError("weights: every first-layer weight must be +1 or -1")
        biases, pool = _float_list(d, "biases"), _float_list(d, "pool")
        perm = _int_list(d, "permutation")
        coeffs = _float_list(d, "coefficients") if "coefficients" in d else None
        H = len(w)
        for name, arr in (("biases", biases), ("pool", pool), ("permutation", perm), ("coefficients", coeffs)):
            if arr is not None and len(arr) != H:
                raise NetworkFileError(f"{name}: length {len(arr)} differs from weights ({H})")
        if any(not (0 <= p < H) for p in perm):
            raise NetworkFileError(f"permutation: index out of range 0..{H - 1}")
        dom, scale, shift, activation, prov = _header_fields(d)
        exact = None
        if d.get("exact") is not None:
            exact = _parse_exact(d["exact"], H)
        net = cls(w, biases, pool, perm, scale, shift, tuple(dom), activation, exact, prov, coeffs)
        disagreement = net.exact_disagreement()
        if disagreement:
            raise NetworkFileError(disagreement)
        return net

    @property
    def json_indent(self):
        """Indentation of the JSON file: 1 (one number per line) up to 2^16 hidden units, none above
        (json's C encoder; twice as fast and 12% smaller at 2*10^6 units)."""
        return 1 if self.width <= 1 << 16 else None

    def save(self, path) -> None:
        """Write the JSON file atomically (temporary file in the same folder, then rename)."""
        _atomic_write_json(path, self.to_dict(), indent=self.json_indent)

    @classmethod
    def load(cls, path) -> "PermNetwork":
        """Read and validate a network file; any defect raises NetworkFileError with a one-line message."""
        return cls.from_dict(read_network_json(path))


def read_network_json(path) -> dict:
    """The JSON object of a network file (any format); unreadable files raise a one-line NetworkFileError.
    NaN/Infinity literals are refused."""
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh, parse_constant=_reject_constant)
    except FileNotFoundError:
        raise NetworkFileError(f"file: {path} does not exist") from None
    except json.JSONDecodeError as exc:
        raise NetworkFileError(f"file: {path} is not valid JSON (truncated?): {exc.msg} at line "
                               f"{exc.lineno}") from None
    except (UnicodeDecodeError, IsADirectoryError) as exc:
        raise NetworkFileError(f"file: cannot read {path}: {exc}") from None
    except RecursionError:
        raise NetworkFileError(f"file: {path} is nested too deeply to be a network file") from None
    except ValueError as exc:  # e.g. an integer of more than 4300 digits
        raise NetworkFileError(f"file: {path}: {str(exc).splitlines()[0][:120]}") from None
    if not isinstance(data, dict):
        raise NetworkFileError("file: top level must be a JSON object")
    return data


def _nearest(q: Fraction) -> float:
    """q rounded to the nearest float64 (inf when it is beyond the float range)."""
    try:
        return float(q)
    except OverflowError:
        return math.inf if q > 0 else -math.inf


def _disagree(exact_name, q, name, value):
    text = str(q) if len(str(q)) <= 40 else f"{_nearest(q):.17g} (a rational of {len(str(q))} characters)"
    return (f"{exact_name} = {text} rounds to {_nearest(q)!r}, but {name} = {float(value)!r}: the exact section does "
            f"not describe the stored network")


def _describe(extra, missing, index=None):
    parts = []
    if extra:
        parts.append(f"value {extra[0]!r} is extra" + (f" (+{len(extra) - 1} more)" if len(extra) > 1 else ""))
    if missing:
        parts.append(f"pool value {missing[0]!r} is missing"
                     + (f" (+{len(missing) - 1} more)" if len(missing) > 1 else ""))
    if not parts and index is not None:
        parts.append(f"coefficients[{index}] differs from pool[permutation[{index}]]")
    return "coefficients are not a permutation of the pool: " + "; ".join(parts)


def _header_fields(d):
    """The fields every network format shares, validated: domain [a, b] (two numbers), scale, shift
    (finite numbers, default 1 and 0), activation (a string, default "relu"), provenance (an object)."""
    dom = d["domain"]
    if not (isinstance(dom, list) and len(dom) == 2 and all(_is_number(v) for v in dom)):
        raise NetworkFileError("domain: must be a list [a, b] of two numbers")
    if not all(math.isfinite(v) and abs(v) <= MAX_DOMAIN_ABS for v in dom):  # proofkit.limits
        raise NetworkFileError(f"domain: ends must be finite and within +-{float(MAX_DOMAIN_ABS):g}, got {dom}")
    scale, shift = d.get("scale", 1.0), d.get("shift", 0.0)
    for name, v in (("scale", scale), ("shift", shift)):
        if not _is_number(v) or not math.isfinite(v):
            raise NetworkFileError(f"{name}: must be a finite number")
    activation = d.get("activation", "relu")
    if not isinstance(activation, str):
        raise NetworkFileError("activation: must be a string")
    prov = d.get("provenance", {})
    if not isinstance(prov, dict):
        raise NetworkFileError("provenance: must be an object")
    return dom, scale, shift, activation, prov


def _reject_constant(name):
    raise NetworkFileError(f"file: non-finite number {name} is not allowed")


def _is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _float_list(d, key):
    v = d[key]
    if not isinstance(v, list) or not all(_is_number(x) for x in v):
        raise NetworkFileError(f"{key}: must be a list of numbers")
    try:
        arr = np.array(v, dtype=np.float64)
    except OverflowError:  # an integer beyond the float64 range
        raise NetworkFileError(f"{key}: contains a number beyond the float64 range") from None
    if not np.all(np.isfinite(arr)):
        raise NetworkFileError(f"{key}: contains a non-finite number")
    return arr


def _int_list(d, key):
    v = d[key]
    if not isinstance(v, list) or not all(isinstance(x, int) and not isinstance(x, bool) for x in v):
        raise NetworkFileError(f"{key}: must be a list of integers")
    if any(not -2 ** 63 <= x < 2 ** 63 for x in v):
        raise NetworkFileError(f"{key}: contains an integer beyond the int64 range")
    return np.array(v, dtype=np.int64)


def _parse_exact(ex, H):
    if not isinstance(ex, dict):
        raise NetworkFileError("exact: must be an object")
    out = {}
    for key, val in ex.items():
        if key in ("biases", "pool"):
            if not isinstance(val, list) or len(val) != H:
                raise NetworkFileError(f"exact.{key}: must be a list of {H} rationals")
            out[key] = tuple(_fraction(v, f"exact.{key}") for v in val)
        elif key in ("scale", "shift"):
            out[key] = _fraction(val, f"exact.{key}")
        else:
            raise NetworkFileError(f"exact: unknown field '{key}'")
    return out


def _fraction(v, where):
    if not isinstance(v, str):
        raise NetworkFileError(f"{where}: rationals are strings like '1/3', got {v!r}")
    try:
        return rational(v, where, max_chars=4000)  # proofkit.limits: no '1e999999999'
    except ProofkitError as exc:
        raise NetworkFileError(str(exc)) from None
