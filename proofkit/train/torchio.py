r"""PyTorch interop: read and write ``state_dict`` files of the paper's 1-2n-1-1 network without trusting pickle.

The authors' model (PAPER.md §1.7) has ``layer1`` (Linear(1, 2n), frozen: weights ±1, biases c),
``layer2`` (Linear(2n, 1, bias=False): the coefficients :math:`\theta=(p,q)`) and ``layer3`` (Linear(1, 1):
:math:`\gamma` and :math:`\alpha`). :func:`import_network` turns such a state_dict into a
:class:`proofkit.network.PermNetwork`: it rebuilds the pool W, measures how far the trained
:math:`\theta` is from an exact rearrangement of W (the :math:`\ell^2`-nearest rearrangement is the
rank-matched one, :math:`W_{\rm sorted}[\mathrm{rank}(\theta)]`, rearrangement inequality), and projects
onto it, so that the written network's coefficients are pool values bit for bit.

**File format.** ``torch.save`` writes a zip archive ``<name>/data.pkl`` (a pickle), ``<name>/data/<key>``
(raw little-endian tensor storages), ``<name>/byteorder``, ``<name>/version``. The pickle builds the dict
with ``collections.OrderedDict`` and ``torch._utils._rebuild_tensor_v2(storage, offset, size, stride,
requires_grad, hooks)``; storages are persistent ids ``('storage', torch.FloatStorage, key, 'cpu', numel)``.

**Safety.** :func:`read_state_dict` never imports torch and never lets pickle resolve a global outside a
fixed allow-list (``collections.OrderedDict``, the two torch rebuild functions, the torch storage
types) — each is mapped to a local stand-in that only builds numpy arrays; any other global
(``os.system``, ``builtins.eval``, a model class, ...) raises :class:`UnsafePickleError` before anything is
called. Sizes and strides are bounds-checked against the storage records. :func:`write_state_dict` emits
the pickle opcodes by hand (protocol 2), so exporting needs no torch either.
"""
from __future__ import annotations

import io
import json
import os
import pickle
import struct
import zipfile
from collections import OrderedDict

import numpy as np

from .._io import atomic_write_bytes
from ..errors import ProofkitError
from ..network import NetworkFileError, PermNetwork
from ..pool import experiment_pool
from .laperm import rank_match

__all__ = ["TorchFileError", "UnsafePickleError", "read_state_dict", "write_state_dict", "load_state_dict",
           "import_network", "export_state_dict", "pool_from_file", "ImportReport"]


class TorchFileError(ProofkitError):
    """A .pth file that is not a readable state_dict of the 1-2n-1-1 architecture."""


class UnsafePickleError(TorchFileError):
    """The pickle inside a .pth file asks for a global that is not on the allow-list (nothing was run)."""


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
            return OrderedDict
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


def read_state_dict(path) -> dict:
    """Read a ``torch.save``'d state_dict into ``{name: numpy array}`` without torch and without running code.

    Raises :class:`UnsafePickleError` for any global outside the allow-list and :class:`TorchFileError`
    for anything else that is not a zip state_dict of tensors.
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
    out = {}
    for k, v in obj.items():
        if not isinstance(k, str) or not isinstance(v, _Tensor):
            raise TorchFileError(f"{path}: entry {str(k)[:40]!r} is not a named tensor")
        out[k] = v.array
    return out


def load_state_dict(path, reader: str = "auto") -> dict:
    """``{name: numpy array}`` of a .pth file: with torch (``weights_only=True``) when ``reader`` is
    ``torch`` or ``auto`` and torch is installed, else with :func:`read_state_dict`."""
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
            try:
                sd = torch.load(path, map_location="cpu", weights_only=True)
            except Exception as exc:  # torch's own refusal (unsafe global, bad file)
                raise TorchFileError(f"{path}: torch.load refused the file: {str(exc).splitlines()[0]}") from None
            if not isinstance(sd, dict):
                raise TorchFileError(f"{path}: holds a {type(sd).__name__}, not a state_dict")
            return {k: v.detach().cpu().numpy() for k, v in sd.items() if hasattr(v, "detach")}
    return read_state_dict(path)


# ------------------------------------------------------------------ writing
def _pickle_state_dict(tensors: dict) -> tuple[bytes, list]:
    """Protocol-2 pickle opcodes of an OrderedDict of tensors, and the raw storage records."""
    out = bytearray(b"\x80\x02")

    def glob(module, name):
        out.extend(b"c" + module.encode() + b"\n" + name.encode() + b"\n")

    def text(s):
        b = s.encode("utf-8")
        out.extend(b"X" + struct.pack("<I", len(b)) + b)

    def integer(v):
        out.extend(b"J" + struct.pack("<i", v)) if v >= 256 else out.extend(b"K" + bytes([v]))

    def tup(values):
        out.extend(b"(")
        for v in values:
            integer(v)
        out.extend(b"t")

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
    out.extend(b"u.")
    return bytes(out), records


def write_state_dict(path, tensors: dict, archive: str = "archive") -> None:
    """Write ``{name: numpy array}`` as a zip-format .pth that ``torch.load`` reads (no torch needed).

    The archive is stored uncompressed; the file appears atomically."""
    pkl, records = _pickle_state_dict(tensors)
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
    """Numbers measured while importing: width, distance of theta from the pool (max, l2), ..."""


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


def import_network(sd: dict, *, init: str | None = None, seed: int = 0, pool=None, domain=(-1.0, 1.0),
                   activation: str = "relu", source: str = "") -> tuple[PermNetwork, ImportReport]:
    """A :class:`PermNetwork` from a state_dict, projected onto an exact rearrangement of the pool.

    The pool is ``pool`` (an array) or ``experiment_pool(init, n, seed).values``. The coefficients become
    pool[perm] with perm = rank matching of layer2.weight (the l2-nearest rearrangement); biases, scale
    and shift are taken from the state_dict as they are. The report gives the distances.
    """
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
    if pool is None:
        if init is None:
            raise TorchFileError("give the pool: an initialisation name (with its seed) or a pool file")
        pool_obj = experiment_pool(init, H // 2, seed)
        pool = np.array(pool_obj.values)
        pool_name = f"{pool_obj.name} (seed {seed})"
    else:
        pool = np.asarray(pool, dtype=np.float64)
        pool_name = "file"
    if pool.shape != (H,):
        raise TorchFileError(f"the pool has {pool.size} values but layer2 has {H} coefficients")
    order = np.argsort(pool, kind="stable")
    perm = rank_match(theta, order)
    diff = theta - pool[perm]
    report = ImportReport(width=H, n=H // 2, pool=pool_name, distance_max=float(np.max(np.abs(diff))),
                          distance_l2=float(np.linalg.norm(diff)),
                          relative_l2=float(np.linalg.norm(diff) / max(np.linalg.norm(pool), 1e-300)),
                          scale=gamma, shift=alpha)
    try:
        net = PermNetwork(w.astype(np.int8), c, pool, perm, scale=gamma, shift=alpha, domain=tuple(domain),
                          activation=activation,
                          provenance={"imported_from": str(source), "pool": pool_name,
                                      "projection_distance_max": report["distance_max"],
                                      "projection_distance_l2": report["distance_l2"]})
    except NetworkFileError as exc:
        raise TorchFileError(str(exc)) from None
    return net, report
