r"""PyTorch interop: read and write ``state_dict`` files of the paper's 1-2n-1-1 network without trusting pickle.

The authors' model (the experiments of arXiv 2407.01033, in their published code) has ``layer1`` (Linear(1, 2n),
frozen: weights ±1, biases c), ``layer2`` (Linear(2n, 1, bias=False): the coefficients :math:`\theta=(p,q)`)
and ``layer3`` (Linear(1, 1): :math:`\gamma` and :math:`\alpha`). :func:`import_network` turns such a
state_dict into a :class:`proofkit.network.PermNetwork`: it rebuilds the pool W, measures how far the
trained :math:`\theta` is from an exact rearrangement of W (the :math:`\ell^2`-nearest rearrangement is the
rank-matched one, :math:`W_{\rm sorted}[\mathrm{rank}(\theta)]`, rearrangement inequality; it is also the
max-norm-nearest one), and projects onto it, so that the written network's coefficients are pool values
bit for bit.

**Refusal.** The projection is only the model when :math:`\theta` already is (up to the drift after the last
permutation step) a rearrangement of W. With d = max_i |theta_i - W[pi_i]| and the pool's scale
s = max|W|, :func:`import_network` raises :class:`ProjectionRefused` when d > tolerance * s (default
tolerance 1e-4; the authors' runs drift by at most 2e-6 after their last permutation step) unless
``project_anyway``: a wrong initialisation, seed or random stream, or a model that was not
permutation-trained, would otherwise be replaced silently by a different network. The measured distance,
the tolerance and whether the projection was forced are written into the network's provenance.

**Pools.** ``init``/``seed``/``stream`` name the pool (:func:`proofkit.pool.experiment_pool`): stream
``numpy`` is proofkit's trainer, ``torch`` rebuilds the authors' pools exactly (their run ``iter j`` used
seed 2022 + 1000 j). ``pool`` gives the values directly.

**File format.** ``torch.save`` writes a zip archive ``<name>/data.pkl`` (a pickle), ``<name>/data/<key>``
(raw little-endian tensor storages), ``<name>/byteorder``, ``<name>/version``. The pickle builds the dict
with ``collections.OrderedDict`` and ``torch._utils._rebuild_tensor_v2(storage, offset, size, stride,
requires_grad, hooks)``; storages are persistent ids ``('storage', torch.FloatStorage, key, 'cpu', numel)``.
The dict's ``_metadata`` attribute (an OrderedDict of plain dicts, set by a BUILD opcode; PyTorch keeps
module versions there and ignores names that are not modules) carries proofkit's entry
``_metadata["proofkit"]`` = {"format": "proofkit.torch/1", "domain", "activation", and either "init",
"seed", "stream" or the "pool" values}, written by :func:`export_metadata` so that importing an exported
file needs no flags.

**Safety.** :func:`read_state_dict` never imports torch and never lets pickle resolve a global outside a
fixed allow-list (``collections.OrderedDict``, the two torch rebuild functions, the torch storage
types) — each is mapped to a local stand-in that only builds numpy arrays or dicts; any other global
(``os.system``, ``builtins.eval``, a model class, ...) raises :class:`UnsafePickleError` before anything is
called. BUILD may only set an OrderedDict's ``_metadata``; sizes and strides are bounds-checked against the
storage records, and the metadata is type-checked field by field. :func:`write_state_dict` emits the
pickle opcodes by hand (protocol 2), so exporting needs no torch either.
"""
from __future__ import annotations

import io
import json
import math
import os
import pickle
import re
import struct
import zipfile
from collections import OrderedDict

import numpy as np

from .._io import atomic_write_bytes
from ..errors import ProofkitError
from ..network import NetworkFileError, PermNetwork
from ..pool import STREAMS, PoolError, experiment_pool
from .laperm import rank_match

__all__ = ["TorchFileError", "UnsafePickleError", "ProjectionRefused", "StateDict", "read_state_dict",
           "write_state_dict", "load_state_dict", "import_network", "export_state_dict", "export_metadata",
           "pool_from_file", "ImportReport", "DEFAULT_TOLERANCE", "DEFAULT_SEED", "METADATA_FORMAT"]

DEFAULT_TOLERANCE = 1e-4  # relative to the pool's scale max|W|
DEFAULT_SEED = 2022       # proofkit train's default, and the authors' run iter0
BIAS_MATCH = 1e-4         # frozen biases "match" a pool's within this relative distance (float32 files: ~6e-8)
METADATA_KEY, METADATA_FORMAT = "proofkit", "proofkit.torch/1"


class TorchFileError(ProofkitError):
    """A .pth file that is not a readable state_dict of the 1-2n-1-1 architecture."""


class UnsafePickleError(TorchFileError):
    """The pickle inside a .pth file asks for a global that is not on the allow-list (nothing was run)."""


class ProjectionRefused(ProofkitError):
    """The trained coefficients are farther from every rearrangement of the pool than the tolerance allows.

    ``report`` holds the measured numbers (:class:`ImportReport`); the message is one line naming the
    distance, the likely cause and the fix. The CLI exits with code 1 (a check failed)."""

    def __init__(self, message, report):
        super().__init__(message)
        self.report = report


class StateDict(OrderedDict):
    """``{name: numpy array}`` of a .pth file; ``metadata`` is proofkit's entry of the file's ``_metadata``
    (validated by :func:`check_metadata`; ``{}`` when the file has none)."""

    metadata: dict

    def __init__(self, items=(), metadata=None):
        super().__init__(items)
        self.metadata = dict(metadata or {})


# storage type name -> numpy dtype ("bf16" is converted to float32 by hand)
_STORAGES = {
    "FloatStorage": np.dtype("<f4"), "DoubleStorage": np.dtype("<f8"), "HalfStorage": np.dtype("<f2"),
    "BFloat16Storage": "bf16", "LongStorage": np.dtype("<i8"), "IntStorage": np.dtype("<i4"),
    "ShortStorage": np.dtype("<i2"), "CharStorage": np.dtype("i1"), "ByteStorage": np.dtype("u1"),
    "BoolStorage": np.dtype("?"),
}
_DTYPE_TO_STORAGE = {np.dtype("<f4"): "FloatStorage", np.dtype("<f8"): "DoubleStorage",
                     np.dtype("<f2"): "HalfStorage", np.dtype("<i8"): "LongStorage",
                     np.dtype("<i4"): "IntStorage", np.dtype("<i2"): "ShortStorage",
                     np.dtype("i1"): "CharStorage", np.dtype("u1"): "ByteStorage", np.dtype("?"): "BoolStorage"}
_MAX_ELEMENTS = 1 << 31


class _StorageType:
    """Stand-in for ``torch.<X>Storage``: carries only the dtype."""

    __slots__ = ("name", "dtype")

    def __init__(self, name):
        self.name = name
        self.dtype = _STORAGES[name]

    def __reduce__(self):  # never pickled by us
        raise TypeError("not picklable")

    def __setstate__(self, state):
        raise UnsafePickleError("pickle tried to set state on a storage type")


class _PickledDict(OrderedDict):
    """Stand-in for ``collections.OrderedDict``: BUILD may only set ``_metadata`` (a dict), nothing else."""

    def __setstate__(self, state):
        if not isinstance(state, dict) or not all(isinstance(k, str) for k in state):
            raise TorchFileError("the state_dict's attributes are not a dict of names")
        meta = state.get("_metadata")
        if meta is not None and not isinstance(meta, dict):
            raise TorchFileError("the state_dict's _metadata is not a dict")
        self.__dict__["_metadata"] = meta


class _Tensor:
    """Result of the stand-in rebuild function: a numpy array, nothing else."""

    __slots__ = ("array",)

    def __init__(self, array):
        self.array = array

    def __setstate__(self, state):
        raise UnsafePickleError("pickle tried to set state on a tensor")


def _rebuild_tensor(storage, offset, size, stride, requires_grad=False, hooks=None, metadata=None):
    if not isinstance(storage, np.ndarray):
        raise TorchFileError("tensor without a storage record")
    for name, v in (("size", size), ("stride", stride)):
        if not isinstance(v, tuple) or not all(isinstance(s, int) and s >= 0 for s in v):
            raise TorchFileError(f"tensor {name} must be a tuple of non-negative integers")
    if len(size) != len(stride) or not isinstance(offset, int) or offset < 0:
        raise TorchFileError("tensor size/stride/offset are inconsistent")
    count = int(np.prod(size, dtype=np.int64)) if size else 1
    if count == 0:
        return _Tensor(np.zeros(size, dtype=storage.dtype))
    last = offset + sum((s - 1) * st for s, st in zip(size, stride))
    if last >= storage.size:
        raise TorchFileError(f"tensor reaches element {last} of a storage of {storage.size}")
    view = np.lib.stride_tricks.as_strided(storage[offset:], shape=size,
                                           strides=tuple(st * storage.itemsize for st in stride))
    return _Tensor(np.array(view))


def _rebuild_parameter(data, requires_grad=False, hooks=None, *rest):
    if not isinstance(data, _Tensor):
        raise TorchFileError("parameter without tensor data")
    return data


class _SafeUnpickler(pickle.Unpickler):
    """Unpickler whose globals come from a fixed allow-list of harmless stand-ins."""

    def __init__(self, fh, zf, prefix):
        super().__init__(fh)
        self._zf = zf
        self._prefix = prefix
        self._cache = {}

    def find_class(self, module, name):
        if (module, name) == ("collections", "OrderedDict"):
            return _PickledDict
        if module == "torch._utils" and name == "_rebuild_tensor_v2":
            return _rebuild_tensor
        if module == "torch._utils" and name == "_rebuild_parameter":
            return _rebuild_parameter
        if module == "torch" and name in _STORAGES:
            return _StorageType(name)
        raise UnsafePickleError(f"refusing to load global '{module}.{name}' from the pickle (only state_dicts "
                                "of tensors are read; nothing was executed)")

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"
                and isinstance(pid[1], _StorageType) and isinstance(pid[2], str) and isinstance(pid[4], int)):
            raise TorchFileError(f"unsupported persistent id in the pickle: {str(pid)[:80]}")
        _, stype, key, _location, numel = pid
        if key in self._cache:
            return self._cache[key]
        if not key.isalnum() or numel < 0 or numel > _MAX_ELEMENTS:
            raise TorchFileError(f"bad storage record '{key}'")
        try:
            raw = self._zf.read(f"{self._prefix}data/{key}")
        except KeyError:
            raise TorchFileError(f"storage record data/{key} is missing from the archive") from None
        if stype.dtype == "bf16":
            if len(raw) < 2 * numel:
                raise TorchFileError(f"storage record data/{key} is shorter than {numel} elements")
            bits = np.frombuffer(raw, dtype="<u2", count=numel).astype(np.uint32) << 16
            arr = bits.view(np.float32)
        else:
            if len(raw) < stype.dtype.itemsize * numel:
                raise TorchFileError(f"storage record data/{key} is shorter than {numel} elements")
            arr = np.frombuffer(raw, dtype=stype.dtype, count=numel).copy()
        self._cache[key] = arr
        return arr


def read_state_dict(path) -> StateDict:
    """Read a ``torch.save``'d state_dict into ``{name: numpy array}`` without torch and without running code.

    Raises :class:`UnsafePickleError` for any global outside the allow-list and :class:`TorchFileError`
    for anything else that is not a zip state_dict of tensors (or whose proofkit metadata is malformed).
    """
    try:
        zf = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise TorchFileError(f"{path} does not exist") from None
    except (zipfile.BadZipFile, IsADirectoryError, OSError) as exc:
        raise TorchFileError(f"{path} is not a zip-format PyTorch file (legacy torch.save formats are not "
                             f"supported): {exc}") from None
    with zf:
        pkls = [n for n in zf.namelist() if n.endswith("/data.pkl") or n == "data.pkl"]
        if len(pkls) != 1:
            raise TorchFileError(f"{path}: expected one data.pkl in the archive, found {len(pkls)}")
        prefix = pkls[0][: -len("data.pkl")]
        order = zf.read(prefix + "byteorder").decode() if prefix + "byteorder" in zf.namelist() else "little"
        if order.strip() != "little":
            raise TorchFileError(f"{path}: byte order '{order}' is not supported (little-endian only)")
        try:
            obj = _SafeUnpickler(io.BytesIO(zf.read(pkls[0])), zf, prefix).load()
        except ProofkitError:
            raise
        except Exception as exc:  # malformed pickle data
            raise TorchFileError(f"{path}: cannot unpickle data.pkl: {type(exc).__name__}: {exc}") from None
    if not isinstance(obj, dict):
        raise TorchFileError(f"{path}: the pickle holds a {type(obj).__name__}, not a state_dict")
    out = []
    for k, v in dict.items(obj):  # dict's own items(): an instance attribute cannot stand in for it
        if not isinstance(k, str) or not isinstance(v, _Tensor):
            raise TorchFileError(f"{path}: entry {str(k)[:40]!r} is not a named tensor")
        out.append((k, v.array))
    meta = obj.__dict__.get("_metadata") if isinstance(obj, _PickledDict) else None
    return StateDict(out, check_metadata(meta, path))


def load_state_dict(path, reader: str = "auto") -> StateDict:
    """``{name: numpy array}`` (with ``.metadata``) of a .pth file: with torch (``weights_only=True``) when
    ``reader`` is ``torch`` or ``auto`` and torch is installed, else with :func:`read_state_dict`."""
    if reader not in ("auto", "torch", "builtin"):
        raise TorchFileError(f"unknown reader '{reader}'; valid: auto, torch, builtin")
    if reader in ("auto", "torch"):
        try:
            import torch
        except ImportError:
            if reader == "torch":
                raise TorchFileError("reader 'torch' needs PyTorch, which is not installed") from None
        else:
            if not os.path.exists(path):
                raise TorchFileError(f"{path} does not exist")
            if not zipfile.is_zipfile(path):  # torch.load's own message for this is misleading
                raise TorchFileError(f"{path} is not a zip-format PyTorch file (legacy torch.save formats are "
                                     "not supported)")
            try:
                sd = torch.load(path, map_location="cpu", weights_only=True)
            except Exception as exc:  # torch's own refusal (unsafe global, bad file)
                raise TorchFileError(f"{path}: torch.load refused the file: {str(exc).splitlines()[0]}") from None
            if not isinstance(sd, dict):
                raise TorchFileError(f"{path}: holds a {type(sd).__name__}, not a state_dict")
            arrays = [(k, v.detach().cpu().numpy()) for k, v in sd.items() if hasattr(v, "detach")]
            return StateDict(arrays, check_metadata(getattr(sd, "_metadata", None), path))
    return read_state_dict(path)


_ACTIVATION_TEXT = re.compile(r"relu|leaky_relu:[0-9.]{1,25}([eE][-+]?[0-9]{1,3})?")


def check_metadata(meta, path="") -> dict:
    """proofkit's entry of a state_dict's ``_metadata``, type-checked field by field ({} when absent).

    Fields (all optional): ``format`` (must be ``proofkit.torch/1``), ``init`` (a name), ``seed`` (an
    integer), ``stream`` (numpy | torch), ``domain`` ([a, b], finite, a < b), ``activation`` (relu |
    leaky_relu:S), ``pool`` (a list of finite numbers). Unknown fields are ignored.
    """
    entry = meta.get(METADATA_KEY) if isinstance(meta, dict) else None
    if entry is None:
        return {}
    where = f"{path}: metadata" if path else "metadata"
    if not isinstance(entry, dict):
        raise TorchFileError(f"{where}: the '{METADATA_KEY}' entry is not a dict")
    if entry.get("format") != METADATA_FORMAT:
        raise TorchFileError(f"{where}: format {str(entry.get('format'))[:40]!r} is not '{METADATA_FORMAT}'")
    out = {"format": METADATA_FORMAT}
    checks = {
        "init": lambda v: isinstance(v, str) and 0 < len(v) <= 40,
        "seed": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "stream": lambda v: v in STREAMS,
        "domain": lambda v: (isinstance(v, (list, tuple)) and len(v) == 2 and all(_is_real(x) for x in v)
                             and v[0] < v[1]),
        "activation": lambda v: isinstance(v, str) and _ACTIVATION_TEXT.fullmatch(v) is not None,
        "pool": lambda v: isinstance(v, (list, tuple)) and len(v) > 0 and all(_is_real(x) for x in v),
    }
    for key, ok in checks.items():
        if key in entry:
            if not ok(entry[key]):
                raise TorchFileError(f"{where}: field '{key}' is malformed: {str(entry[key])[:60]}")
            out[key] = entry[key]
    return out


def _is_real(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


# ------------------------------------------------------------------ writing
def _pickle_state_dict(tensors: dict, metadata: dict | None = None) -> tuple[bytes, list]:
    """Protocol-2 pickle opcodes of an OrderedDict of tensors (with ``_metadata["proofkit"] = metadata``
    set by BUILD when given), and the raw storage records."""
    out = bytearray(b"\x80\x02")

    def glob(module, name):
        out.extend(b"c" + module.encode() + b"\n" + name.encode() + b"\n")

    def text(s):
        b = s.encode("utf-8")
        out.extend(b"X" + struct.pack("<I", len(b)) + b)

    def integer(v):
        if 0 <= v < 256:
            out.extend(b"K" + bytes([v]))
        elif -2 ** 31 <= v < 2 ** 31:
            out.extend(b"J" + struct.pack("<i", v))
        else:  # LONG1: little-endian two's complement
            raw = v.to_bytes((v.bit_length() + 8) // 8, "little", signed=True)
            out.extend(b"\x8a" + bytes([len(raw)]) + raw)

    def tup(values):
        out.extend(b"(")
        for v in values:
            integer(v)
        out.extend(b"t")

    def value(v):  # the plain values of the metadata: str, bool, int, float, None, list, dict
        if isinstance(v, str):
            text(v)
        elif isinstance(v, bool):
            out.extend(b"\x88" if v else b"\x89")
        elif isinstance(v, (int, np.integer)):
            integer(int(v))
        elif isinstance(v, (float, np.floating)):
            out.extend(b"G" + struct.pack(">d", float(v)))
        elif v is None:
            out.extend(b"N")
        elif isinstance(v, (list, tuple)):
            out.extend(b"](")
            for x in v:
                value(x)
            out.extend(b"e")
        elif isinstance(v, dict):
            out.extend(b"}(")
            for k, x in v.items():
                text(str(k))
                value(x)
            out.extend(b"u")
        else:
            raise TorchFileError(f"metadata value of type {type(v).__name__} cannot be written")

    glob("collections", "OrderedDict")
    out.extend(b")R(")
    records = []
    for key, arr in tensors.items():
        arr = np.ascontiguousarray(arr)
        dt = arr.dtype.newbyteorder("<") if arr.dtype.byteorder == ">" else arr.dtype
        arr = arr.astype(dt, copy=False)
        storage = _DTYPE_TO_STORAGE.get(np.dtype(dt))
        if storage is None:
            raise TorchFileError(f"dtype {arr.dtype} of '{key}' cannot be written")
        if arr.size >= 2 ** 31:
            raise TorchFileError(f"tensor '{key}' is too large")
        sid = str(len(records))
        records.append(arr.tobytes())
        text(key)
        glob("torch._utils", "_rebuild_tensor_v2")
        out.extend(b"((")
        text("storage")
        glob("torch", storage)
        text(sid)
        text("cpu")
        integer(arr.size)
        out.extend(b"tQ")
        integer(0)
        tup(arr.shape)
        strides = [s // arr.itemsize for s in arr.strides] if arr.size else [1] * arr.ndim
        tup(strides)
        out.extend(b"\x89")  # requires_grad False
        glob("collections", "OrderedDict")
        out.extend(b")Rt")  # backward hooks = OrderedDict(); close the argument tuple
        out.extend(b"R")
    out.extend(b"u")
    if metadata is not None:  # BUILD {"_metadata": OrderedDict([("proofkit", metadata)])}
        out.extend(b"}")
        text("_metadata")
        glob("collections", "OrderedDict")
        out.extend(b")R(")
        text(METADATA_KEY)
        value(metadata)
        out.extend(b"usb")
    out.extend(b".")
    return bytes(out), records


def write_state_dict(path, tensors: dict, archive: str = "archive", metadata: dict | None = None) -> None:
    """Write ``{name: numpy array}`` as a zip-format .pth that ``torch.load`` reads (no torch needed), with
    ``metadata`` (plain values) as the state_dict's ``_metadata["proofkit"]`` when given.

    The archive is stored uncompressed; the file appears atomically."""
    pkl, records = _pickle_state_dict(tensors, metadata)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as zf:
        zf.writestr(f"{archive}/data.pkl", pkl)
        zf.writestr(f"{archive}/byteorder", "little")
        for i, rec in enumerate(records):
            zf.writestr(f"{archive}/data/{i}", rec)
        zf.writestr(f"{archive}/version", "3\n")
    atomic_write_bytes(path, buf.getvalue())


def export_state_dict(net: PermNetwork, dtype="float64") -> dict:
    """The state_dict of the authors' architecture for a 1-D network (layer1 = (w, c), layer2 = the
    coefficients, layer3 = (gamma, alpha)); float64 keeps every bit, float32 is PyTorch's default."""
    dt = np.dtype(dtype)
    if dt not in (np.dtype("float64"), np.dtype("float32")):
        raise TorchFileError(f"dtype must be float64 or float32, got {dtype}")
    H = net.width
    return OrderedDict([
        ("layer1.weight", net.weights.astype(dt).reshape(H, 1)),
        ("layer1.bias", net.biases.astype(dt)),
        ("layer2.weight", net.coefficients.astype(dt).reshape(1, H)),
        ("layer3.weight", np.array([[net.scale]], dtype=dt)),
        ("layer3.bias", np.array([net.shift], dtype=dt)),
    ])


def export_metadata(net: PermNetwork) -> dict:
    """proofkit's metadata entry for an exported network: its domain and activation, and the pool as
    ``init``/``seed``/``stream`` when the provenance names them and they rebuild the network's pool
    (the same multiset, bit for bit), else the pool values themselves."""
    meta = {"format": METADATA_FORMAT, "domain": [float(v) for v in net.domain], "activation": net.activation}
    prov = net.provenance
    init, seed, stream = prov.get("init"), prov.get("seed"), prov.get("stream", "numpy")
    if (isinstance(init, str) and isinstance(seed, int) and not isinstance(seed, bool) and stream in STREAMS
            and net.width % 2 == 0):
        try:
            pool = experiment_pool(init, net.width // 2, seed, stream)
        except (PoolError, ValueError):  # unknown name, torch not installed, seed out of range
            pool = None
        if pool is not None and np.array_equal(np.sort(pool.values), np.sort(net.pool)):
            meta.update(init=pool.name, seed=seed, stream=stream)
            return meta
    meta["pool"] = [float(v) for v in net.pool]
    return meta


# ------------------------------------------------------------------ importing into a PermNetwork
def pool_from_file(path) -> np.ndarray:
    """The pool of a network file (``proofkit.permnet/1``: its ``pool``) or a JSON list of numbers."""
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except FileNotFoundError:
        raise TorchFileError(f"pool file {path} does not exist") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise TorchFileError(f"pool file {path} is not JSON: {exc}") from None
    if isinstance(data, dict):
        if "pool" not in data:
            raise TorchFileError(f"pool file {path}: no 'pool' field")
        data = data["pool"]
    if not isinstance(data, list) or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in data):
        raise TorchFileError(f"pool file {path}: the pool must be a list of numbers")
    arr = np.array(data, dtype=np.float64)
    if not np.all(np.isfinite(arr)):
        raise TorchFileError(f"pool file {path}: non-finite pool value")
    return arr


class ImportReport(dict):
    """Numbers measured while importing: width, the pool and where it came from, the distance of theta
    from the nearest rearrangement of the pool (max, l2, relative to the pool's scale), the tolerance,
    whether the projection was forced, the distance of the frozen biases from the pool's biases, gamma
    ("scale") and alpha ("shift")."""


def _get(sd, key, shape):
    if key not in sd:
        raise TorchFileError(f"state_dict has no '{key}' (expected the 1-2n-1-1 architecture: layer1.weight, "
                             "layer1.bias, layer2.weight, layer3.weight, layer3.bias)")
    arr = np.asarray(sd[key], dtype=np.float64)
    if arr.shape != shape:
        raise TorchFileError(f"'{key}' has shape {arr.shape}, expected {shape}")
    if not np.all(np.isfinite(arr)):
        raise TorchFileError(f"'{key}' contains a non-finite value")
    return arr


def _distance(theta, pool):
    """(perm, max |theta - pool[perm]|, l2 distance) for the rank-matched (nearest) rearrangement."""
    perm = rank_match(theta, np.argsort(pool, kind="stable"))
    diff = theta - pool[perm]
    return perm, float(np.max(np.abs(diff))), float(np.linalg.norm(diff))


def _relative(d, scale):
    return d / scale if scale > 0 else (0.0 if d == 0 else math.inf)


def _bias_distance(pool_obj, w, c, domain):
    """Relative max distance of the file's frozen biases from those of the pool's first layer, in the
    ``authors`` layout (c = beta_i for both unit types) or the ``theory`` one (c = -b_i, +b_i), whichever
    is nearer, mapped to the domain (c' = h c - w m, m = (a+b)/2, h = (b-a)/2); None when the first layer
    is not +1 x n then -1 x n."""
    n = pool_obj.n
    if not np.array_equal(w, np.r_[np.ones(n), -np.ones(n)]):
        return None
    a, b = domain
    mid, half = ((0.0, 1.0) if (a, b) == (-1.0, 1.0) else ((a + b) / 2.0, (b - a) / 2.0))
    best = math.inf
    for sign in (1.0, -1.0):  # authors, theory
        ref = half * np.r_[sign * pool_obj.biases, pool_obj.biases] - w * mid
        scale = max(float(np.max(np.abs(ref))), 1.0)
        best = min(best, float(np.max(np.abs(c - ref))) / scale)
    return best


def _resolve(meta, init, seed, stream, pool, domain, activation):
    """Each setting from the argument when given, else from the file's metadata, else the default."""
    used = []

    def pick(name, given, default):
        if given is not None:
            return given
        if name in meta:
            used.append(name)
            return meta[name]
        return default

    domain = tuple(float(v) for v in pick("domain", None if domain is None else tuple(domain), (-1.0, 1.0)))
    activation = pick("activation", activation, "relu")
    if pool is not None:
        return None, None, None, np.asarray(pool, dtype=np.float64), "file", domain, activation, used
    init = pick("init", init, None)
    if init is None:
        if "pool" in meta:
            used.append("pool")
            return None, None, None, np.array(meta["pool"], dtype=np.float64), "metadata", domain, activation, used
        raise TorchFileError("give the pool: --init NAME (with --seed, --stream) or --pool FILE; the file "
                             "carries no proofkit metadata that names it")
    seed = pick("seed", seed, DEFAULT_SEED)
    stream = pick("stream", stream, "numpy")
    return init, seed, stream, None, "init", domain, activation, used


def import_network(sd: dict, *, init: str | None = None, seed: int | None = None, stream: str | None = None,
                   pool=None, domain=None, activation: str | None = None,
                   tolerance: float = DEFAULT_TOLERANCE, project_anyway: bool = False,
                   source: str = "") -> tuple[PermNetwork, ImportReport]:
    r"""A :class:`PermNetwork` from a state_dict, projected onto the nearest exact rearrangement of the pool.

    The pool is ``pool`` (an array) or ``experiment_pool(init, n, seed, stream).values``; a setting not
    given is taken from the state_dict's proofkit metadata (``sd.metadata``, see :func:`export_metadata`),
    else defaults to seed 2022, stream numpy, domain [-1, 1], relu. The coefficients become pool[perm] with
    perm = rank matching of layer2.weight; biases, scale and shift are taken from the state_dict as they
    are. With :math:`d=\max_i|\theta_i-W_{\pi(i)}|` and :math:`s=\max|W|`, raises
    :class:`ProjectionRefused` when :math:`d > \mathrm{tolerance}\cdot s` unless ``project_anyway``.
    """
    if not (isinstance(tolerance, (int, float)) and math.isfinite(tolerance) and tolerance >= 0):
        raise TorchFileError(f"tolerance must be a finite number >= 0, got {tolerance!r}")
    if "layer1.weight" not in sd:
        _get(sd, "layer1.weight", None)
    H = int(np.asarray(sd["layer1.weight"]).shape[0])
    if H < 2 or H % 2:
        raise TorchFileError(f"layer1 has {H} units; the 1-2n-1-1 architecture has an even number >= 2")
    w = _get(sd, "layer1.weight", (H, 1))[:, 0]
    if not np.all(np.abs(w) == 1.0):
        raise TorchFileError("layer1.weight must be +1/-1 (the frozen first layer of permutation training)")
    c = _get(sd, "layer1.bias", (H,))
    theta = _get(sd, "layer2.weight", (1, H))[0]
    gamma = float(_get(sd, "layer3.weight", (1, 1))[0, 0])
    alpha = float(_get(sd, "layer3.bias", (1,))[0])
    meta = getattr(sd, "metadata", None) or {}
    init, seed, stream, pool, origin, domain, activation, used = _resolve(meta, init, seed, stream, pool,
                                                                         domain, activation)
    pool_obj = None
    if origin == "init":
        try:
            pool_obj = experiment_pool(init, H // 2, seed, stream)
        except ValueError as exc:  # PoolError, or numpy's refusal of a negative seed
            raise TorchFileError(str(exc)) from None
        pool, init = np.array(pool_obj.values), pool_obj.name
        pool_name = f"{init} (seed {seed}, {stream} stream)"
    else:
        pool_name = {"file": "of the pool file", "metadata": "stored in the file"}[origin]
    if pool.shape != (H,) or not np.all(np.isfinite(pool)):
        raise TorchFileError(f"the pool has {pool.size} values but layer2 has {H} coefficients"
                             if pool.shape != (H,) else "the pool contains a non-finite value")
    perm, dmax, dl2 = _distance(theta, pool)
    pool_scale = float(np.max(np.abs(pool)))
    rel = _relative(dmax, pool_scale)
    bias_d = _bias_distance(pool_obj, w, c, domain) if pool_obj is not None else None
    beyond = rel > tolerance
    report = ImportReport(width=H, n=H // 2, pool=pool_name, pool_source=origin, init=init, seed=seed,
                          stream=stream, distance_max=dmax, distance_l2=dl2,
                          relative_l2=_relative(dl2, float(np.linalg.norm(pool))), pool_scale=pool_scale,
                          relative_distance=rel, tolerance=float(tolerance), forced=beyond and project_anyway,
                          bias_distance=bias_d, biases_match=bias_d is not None and bias_d <= BIAS_MATCH,
                          metadata_used=used, scale=gamma, shift=alpha)
    if beyond and not project_anyway:
        raise ProjectionRefused(_refusal(report, theta, H), report)
    prov = {"imported_from": str(source), "pool": pool_name, "pool_source": origin,
            "projection_distance_max": dmax, "projection_distance_l2": dl2,
            "projection_relative_distance": rel, "projection_tolerance": float(tolerance),
            "projection_forced": bool(report["forced"]), "bias_distance": bias_d}
    if origin == "init":
        prov.update(init=init, seed=seed, stream=stream)
    if used:
        prov["from_file_metadata"] = list(used)
    try:
        net = PermNetwork(w.astype(np.int8), c, pool, perm, scale=gamma, shift=alpha, domain=domain,
                          activation=activation, provenance=prov)
    except NetworkFileError as exc:
        raise TorchFileError(str(exc)) from None
    return net, report


def _other_pool_that_fits(rep, theta, H):
    """(flags, distance) of the first other initialisation or stream (same seed) whose pool is within the
    tolerance of theta, or None: a diagnosis for the refusal line, by measurement."""
    from ..pool import INITIALISATIONS

    other = "torch" if rep["stream"] == "numpy" else "numpy"
    for stream in (rep["stream"], other):
        for init in INITIALISATIONS:
            if (init, stream) == (rep["init"], rep["stream"]):
                continue
            try:
                alt = experiment_pool(init, H // 2, rep["seed"], stream).values
            except (PoolError, ValueError):  # e.g. torch not installed
                break
            _, d, _ = _distance(theta, alt)
            if _relative(d, float(np.max(np.abs(alt)))) <= rep["tolerance"]:
                flags = " ".join(f"--{k} {v}" for k, v in (("init", init), ("stream", stream))
                                 if v != rep[k])
                return flags, d
    return None


def _refusal(rep, theta, H) -> str:
    """The one-line refusal: the distance, the likely cause, the fix."""
    head = (f"refused: the trained coefficients are {rep['distance_max']:.3g} from the nearest exact permutation "
            f"of the pool {rep['pool']} ({rep['relative_distance']:.3g} of its scale {rep['pool_scale']:.3g}, "
            f"tolerance {rep['tolerance']:.3g})")
    fix_flags = "give the --init/--seed/--stream the model was trained with (the authors' run iter j: " \
                "--stream torch --seed 2022+1000*j)"
    anyway = "--project-anyway writes the projection regardless, and it is then NOT the model"
    if rep["pool_source"] == "init":
        fit = _other_pool_that_fits(rep, theta, H)
        if fit is not None:
            flags, d = fit
            return f"{head}; the pool of {flags} fits ({d:.3g}): the model was trained from that one; rerun with {flags}"
        bd = rep["bias_distance"]
        if rep["biases_match"]:
            return (f"{head}; the frozen biases match this initialisation and no other initialisation's pool fits, "
                    f"so the model's coefficients are not a permutation of its pool (not permutation-trained, or "
                    f"trained on after its last permutation step); raise --tolerance if that drift is expected; "
                    f"{anyway}")
        bias = f" (its frozen biases differ from this initialisation's by {bd:.3g} too)" if bd is not None else ""
        return f"{head}; most likely the wrong --init, --seed or --stream{bias}; {fix_flags}; {anyway}"
    return (f"{head}; the pool {rep['pool']} is not the model's, or the model was not permutation-trained; "
            f"check the pool; {anyway}")
