r"""Certified error bounds :math:`\sup_{x\in[a,b]^d}|f^*(x)-f^{NN}(x)|` of the 2-D/3-D permutation networks.

The networks are those of the paper's 2-D and 3-D experiments (arXiv 2407.01033, Figs. 3 and 4: "2-8n-1-1"
and "3-26n-1-1"), stored as ``proofkit.permnet-nd/1`` files:

.. math:: f^{NN}(x)=\alpha+\gamma\sum_{j=1}^{H}a_j\,\rho(u_{g(j)}\cdot x+c_j),\qquad a=\text{pool}[\text{perm}],

with a fixed finite set of directions :math:`u_g` (8 in 2-D, 26 in 3-D), ρ the ReLU or a leaky ReLU
(ρ(z) = z for z > 0, s z otherwise). :func:`certify_nd` returns an :class:`NDCertificate` with a **rigorous
upper bound** U of the sup over the whole cube (a float rounded up), a lower bound L attained at a witness
point, and the bitwise permutation check of the network. The network is read duck-typed (``directions``,
``unit_dir``, ``biases``, ``coefficients``/``stored_coefficients``, ``scale``, ``shift``, ``domain``,
``activation``, ``check_permutation()``: :class:`proofkit.train.ndnet.NDPermNetwork` or anything with those
plain arrays), so this module does not depend on the trainer.

What is certified
-----------------
The float64 fields of the file, each at its exact binary value: the stored ``coefficients`` when present
(they equal pool[permutation] bit for bit exactly when the permutation check passes), else pool[permutation].
The certificate names the network by ``network_sha256`` (:func:`network_sha256`), the SHA-256 digest of:
``proofkit.permnet-nd/1``, a newline, the activation string, a newline; H, D (number of directions) and d as
unsigned 64-bit little-endian integers; ``domain[0]``, ``domain[1]``, ``scale``, ``shift`` as IEEE-754 binary64
little-endian; ``directions`` (D x d, row by row) as binary64; ``unit_dir`` as signed 64-bit integers;
``biases``, ``pool``, ``coefficients`` (default pool[permutation]) as binary64; ``permutation`` as signed
64-bit integers (all little-endian). The provenance is not part of it.

Method (``arb-taylor-nd``)
--------------------------
**Ridge form.** Units whose directions are equal or opposite (u and -u) depend on x only through
t = v_k·x for one representative v_k of the pair, so (8 -> 4 in 2-D, 26 -> 13 in 3-D)

.. math:: f^{NN}(x)=\alpha+\sum_k G_k(v_k\cdot x),\qquad
          G_k(t)=\gamma\sum_{j\in k}a_j\,\rho(\sigma_j t+c_j),\ \sigma_j=\pm1,

each G_k a one-variable piecewise-linear function with break-points :math:`-\sigma_jc_j`; its exact form
(sorted break-points, values there, slopes) is computed once in rational arithmetic (every float is a dyadic
rational) and kept as float tables rounded outwards (value and slope intervals).

**Bound on a box** B = [lo, hi] (a cube of the dyadic subdivision, centre m, half-widths r). Let
:math:`I_k=[t_0,t_1]\supseteq v_k\cdot B` and :math:`\ell_k` the chord of :math:`G_k` over :math:`I_k`
(any affine function would do; the chord makes the residual small). Then

.. math:: e = f^*-f^{NN} = s - \sum_k R_k(v_k\cdot x),\qquad s = f^*-\alpha-\sum_k\ell_k(v_k\cdot x),\qquad
          R_k = G_k-\ell_k .

:math:`R_k` is piecewise linear, so its range on :math:`I_k` is the hull of its values at the ends and at
the break-points inside (found by binary search in the sorted table and scanned: the correlation between the
directions is kept in the affine parts, which are merged exactly into s, and only the residuals -- second order
in the box size away from kinks -- are added as independent ranges). s is f* minus an affine function, so
:math:`\nabla s=\nabla f^*-\sum_k\sigma_kv_k` (σ_k the chord slopes) and :math:`\nabla^2 s=\nabla^2f^*`, and
Taylor's theorem with the Lagrange remainder at the centre gives, for h = x - m, |h_i| <= r_i,

.. math:: s(x)\in s(m)+[-G,G]+[Q_-,Q_+],\quad G=\sum_i|\partial_is(m)|\,r_i,\quad
          Q_+=\tfrac12\sum_i\max(0,\overline{H}_{ii})r_i^2+\sum_{i<j}|H_{ij}|r_ir_j,\quad
          Q_-=\tfrac12\sum_i\min(0,\underline{H}_{ii})r_i^2-\sum_{i<j}|H_{ij}|r_ir_j,

with :math:`[\underline H,\overline H]` an enclosure of the Hessian of f* on a cell containing B. With
:math:`\sum_kR_k\in[R_-,R_+]`: :math:`\sup_B|e|\le\max(s(m)+G+Q_+-R_-,\ R_+-s(m)+G-Q_-)`. The bound is of
second order in the box size on boxes that no break-point plane crosses; on the others the residual range is
of first order (a kink of slope jump Δ costs about |Δ| w/4), so boxes are refined most near kinks where the
error is largest.

**Branch and bound.** The cube is subdivided level by level (2^d children per box); the error at every box
centre and at the corners of every box about to be split is evaluated and L is the largest; a box is kept (a leaf) once its bound is at most (1 + rtol) L, and
split otherwise, until every box is a leaf or the budget ``max_boxes`` / the depth limit is reached (U is
still rigorous then, the gap is larger, and a note says so).

What is proved and what is screened
-----------------------------------
*Screen* (fast, not a proof by itself): the subdivision above, with f*(m) and ∇f*(m) evaluated in float64
(numpy, lambdified from the sympy tree of the target). It decides which boxes are the leaves.

*Proof*, for every leaf: f*(m) and ∇f*(m) are enclosed in arb (python-flint ball arithmetic, outward rounding)
at the exact float centre m; the Hessian enclosure comes from arb evaluations of the sympy second derivatives
on the balls of a fixed grid of cells (:attr:`_Target.hessian_tables`, hulls for larger boxes); the
network part (the t-intervals, G_k at their ends, the chords, the residual ranges, the affine part at m and
its gradient) is computed by a compiled (numba) kernel in *outward-rounded float64 interval arithmetic*; the
final combination is done in numpy with the same outward rounding. A leaf whose proved bound exceeds the
tolerance (float and arb disagree by a rounding) is split and proved again. U is the largest proved bound
over the leaves, which cover the cube exactly; L is |f*(w) - f^NN(w)| at the best point w sampled, with f*(w)
in arb and f^NN(w) in exact rationals, rounded down.

**Rounding analysis of the float kernel.** IEEE-754 binary64 with round-to-nearest (numba's default; no
``fastmath``, hence no reassociation): the computed result r of one operation +, -, x, / on floats is the
exact result rounded to a nearest float, so the exact result lies between the neighbouring floats of r,
``nextafter(r, -inf) <= exact <= nextafter(r, +inf)`` (also at a binade boundary, where the gaps below and
above r differ, and in the subnormal range). Every operation of the kernel and of the combination whose
operands are interval end-points is followed by this one-ulp outward step in the direction of the bound it
feeds (an interval product takes the min/max of the four rounded end-point products and steps it: rounding
is monotone), so every interval computed contains the exact real value; no error term is estimated. The
chord's value h0 and slope σ, and the centre m, are whatever floats the code computes, unstepped: any affine
function and any point of the box are admissible, and the same floats are used on both sides of the
identity e = s - ΣR. The table values (G_k at
its break-points, its slopes, α plus the constant units) are exact rationals rounded down/up to floats.
Box edges are floats computed by one monotone formula from the dyadic fractions k/2^level (clamped to
[a, b], the last one equal to b), so neighbouring boxes share their edges exactly and the leaves cover
[a, b]^d; centres are floats inside their boxes, and r_i = max(m_i - lo_i, hi_i - m_i) rounded up.

Targets: expressions in x, y(, z) built from + - * / **, constants and sin, cos, tan, cot, sec, csc, exp,
log, sinh, cosh, tanh, asin, acos, atan, asinh, acosh, atanh, erf, erfc (``Sum`` and polynomials such as
``legendre`` are expanded first). Targets with abs, sign, Max/Min, Piecewise, ... are refused with
:class:`~proofkit.expr.TargetError`: this method needs second derivatives of f* on every cell; a target with
no finite Hessian enclosure on some cell of the cube (e.g. sqrt(x + 1) on [-1, 1]^2) is refused likewise.
"""
from __future__ import annotations

import hashlib
import json
import math
import time
from dataclasses import asdict, dataclass, field
from fractions import Fraction

import numba
import numpy as np
import sympy as sp
from flint import arb, fmpq

from ._io import atomic_write_json, jsonable
from .certify import Certificate, CertificateError
from .errors import ProofkitError
from .expr import TargetError, parse_expression
from .interval import DEFAULT_PREC, _ipow, arb_down, arb_of, arb_up, working_precision
from .network import parse_activation

__all__ = ["NDCertificate", "certify_nd", "network_sha256", "ND_CERT_FORMAT", "ND_METHOD", "NotCertifiableError"]

ND_CERT_FORMAT = "proofkit.certificate-nd/1"
ND_METHOD = "arb-taylor-nd"
NET_FORMAT = "proofkit.permnet-nd/1"
VARIABLES = ("x", "y", "z")
_START_LEVEL = {2: 3, 3: 2}     # the screen starts from 2^(level d) boxes
_HESSIAN_LEVEL = {2: 6, 3: 4}   # arb Hessian enclosures on 2^(level d) = 4096 cells
_MAX_LEVEL = 40                 # boxes of width (b - a) 2^-40 at the deepest
_SAFETY = 1.0 - 2.0 ** -20      # the screen accepts slightly below the tolerance, so that arb agrees
_CHUNK = 1 << 17                # boxes per call of the kernel (bounds the memory)


class NotCertifiableError(TargetError):
    """A valid target that this method cannot enclose (not smooth, or no finite Hessian on some cell)."""


# ---------------------------------------------------------------------------------------------- the record
@dataclass
class NDCertificate:
    """The result of :func:`certify_nd` (JSON format ``proofkit.certificate-nd/1``).

    ``upper`` is U >= sup|f* - f_NN| on the cube ``domain``^``dim`` (rigorous, rounded up);
    ``upper_rational`` is U's exact value "p/q"; ``lower`` is L <= that sup, attained (up to rounding down)
    at the point ``witness``. ``boxes`` counts the boxes the screen bounded, ``leaves`` those of the final
    cover (each proved in arb), ``arb_evaluations`` the arb evaluations of f* and its gradient."""

    target: str
    dim: int
    domain: tuple
    eps: float | None
    permutation_ok: bool
    permutation_method: str
    permutation_message: str
    upper: float
    lower: float
    witness: list
    method: str
    rigorous: bool
    boxes: int
    leaves: int
    arb_evaluations: int
    seconds: float
    rtol: float
    upper_rational: str | None = None
    precision: int | None = None
    notes: list = field(default_factory=list)
    network_sha256: str | None = None

    @property
    def certified(self) -> bool:
        """True when U is rigorous, the permutation check passed and U <= eps (if eps is given)."""
        return bool(self.rigorous and self.permutation_ok and (self.eps is None or self.upper <= self.eps))

    @property
    def upper_exact(self) -> Fraction:
        """U as an exact rational (printed bounds round this up)."""
        return Fraction(self.upper_rational) if self.upper_rational else Fraction(self.upper)

    @property
    def gap(self) -> float:
        return self.upper - self.lower

    def to_dict(self) -> dict:
        d = {k: jsonable(v) for k, v in asdict(self).items()}
        d["domain"] = [float(v) for v in self.domain]
        d["witness"] = [float(v) for v in self.witness]
        d["notes"] = list(self.notes)
        out = {"format": ND_CERT_FORMAT, "certified": self.certified}
        out.update(d)
        out["gap"] = jsonable(self.gap)
        return out

    @classmethod
    def from_dict(cls, d: dict) -> "NDCertificate":
        """Rebuild from :meth:`to_dict` output, checking the format and the types (CertificateError naming
        the field); ``certified`` is recomputed, not read."""
        if not isinstance(d, dict) or d.get("format") != ND_CERT_FORMAT:
            got = d.get("format") if isinstance(d, dict) else None
            raise CertificateError(f"format: expected '{ND_CERT_FORMAT}', got {got!r}")
        kw = {k: d[k] for k in cls.__dataclass_fields__ if k in d}
        for name in ("target", "dim", "domain", "upper", "lower", "witness", "method", "network_sha256"):
            if name not in kw:
                raise CertificateError(f"{name}: missing")
        for name in ("upper", "lower"):
            if not _is_num(kw[name]):
                raise CertificateError(f"{name}: must be a finite number")
        if kw["dim"] not in (2, 3) or isinstance(kw["dim"], bool):
            raise CertificateError("dim: must be 2 or 3")
        dom, wit = kw["domain"], kw["witness"]
        if not (isinstance(dom, list) and len(dom) == 2 and all(map(_is_num, dom))):
            raise CertificateError("domain: must be a list [a, b] of two numbers")
        if not (isinstance(wit, list) and len(wit) == kw["dim"] and all(map(_is_num, wit))):
            raise CertificateError("witness: must be a list of dim numbers")
        if not isinstance(kw["method"], str) or not isinstance(kw["target"], str):
            raise CertificateError("method/target: must be strings")
        sha = kw["network_sha256"]
        if not (isinstance(sha, str) and len(sha) == 64 and all(ch in "0123456789abcdef" for ch in sha)):
            raise CertificateError("network_sha256: must be the 64 hex digits of the network's SHA-256")
        if kw.get("upper_rational") is not None:
            try:
                Fraction(kw["upper_rational"])
            except (TypeError, ValueError, ZeroDivisionError):
                raise CertificateError(f"upper_rational: malformed value {kw['upper_rational']!r}") from None
        for name in ("permutation_ok", "rigorous"):
            if name in kw and not isinstance(kw[name], bool):
                raise CertificateError(f"{name}: must be true or false")
        if kw.get("eps") is not None and not (_is_num(kw["eps"]) and kw["eps"] > 0):
            raise CertificateError("eps: must be a positive number or null")
        kw["domain"] = tuple(dom)
        defaults = dict(eps=None, permutation_ok=False, permutation_method="", permutation_message="",
                        rigorous=False, boxes=0, leaves=0, arb_evaluations=0, seconds=0.0, rtol=0.0)
        for k, v in defaults.items():
            kw.setdefault(k, v)
        return cls(**kw)

    def save(self, path) -> None:
        """Write the JSON file atomically."""
        atomic_write_json(path, self.to_dict())

    # The claims and the file reading are those of the 1-D certificate (proofkit.certify.Certificate): the
    # same fields, no exact sup and no enclosure here; the dimension is part of the network's hash.
    exact_sup = None
    sup_enclosure = None
    unconfirmed_claims = Certificate.unconfirmed_claims
    load = classmethod(Certificate.load.__func__)


def _is_num(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


# ---------------------------------------------------------------------------------------------- the network
def _coefficients(net) -> np.ndarray:
    """The coefficients the file stores (what is certified), else pool[permutation]."""
    stored = getattr(net, "stored_coefficients", None)
    if stored is not None:
        return np.asarray(stored, dtype=np.float64)
    return np.asarray(net.pool, dtype=np.float64)[np.asarray(net.permutation)]


def network_sha256(net) -> str:
    """The name of an nd network in certificates (the rule is in the module docstring)."""
    dirs = np.asarray(net.directions, dtype="<f8")
    H = len(net.unit_dir)
    h = hashlib.sha256()
    h.update(NET_FORMAT.encode() + b"\n" + str(net.activation).encode("utf-8") + b"\n")
    for n in (H, dirs.shape[0], dirs.shape[1]):
        h.update(int(n).to_bytes(8, "little"))
    h.update(np.array([*net.domain, net.scale, net.shift], dtype="<f8").tobytes())
    h.update(dirs.tobytes())
    h.update(np.asarray(net.unit_dir, dtype="<i8").tobytes())
    for arr in (net.biases, net.pool, _coefficients(net)):
        h.update(np.asarray(arr, dtype="<f8").tobytes())
    h.update(np.asarray(net.permutation, dtype="<i8").tobytes())
    return h.hexdigest()


def _down(q: Fraction) -> float:
    """The largest float <= q."""
    f = float(q)
    return math.nextafter(f, -math.inf) if Fraction(f) > q else f


def _up(q: Fraction) -> float:
    """The smallest float >= q."""
    f = float(q)
    return math.nextafter(f, math.inf) if Fraction(f) < q else f


class _Ridges:
    r"""The network as :math:`\alpha+\sum_kG_k(v_k\cdot x)`: exact rational tables and their outward float
    roundings for the kernel (see the module docstring)."""

    def __init__(self, net):
        dirs = np.asarray(net.directions, dtype=np.float64)
        unit_dir = np.asarray(net.unit_dir, dtype=np.int64)
        c = np.asarray(net.biases, dtype=np.float64)
        a = _coefficients(net)
        gamma = Fraction(float(net.scale))
        s = Fraction(parse_activation(net.activation))
        self.dim = dirs.shape[1]
        # representative v_k of each class {u, -u}; sign of every direction relative to it
        reps, index, rep_of, sign_of = [], {}, {}, {}
        const = Fraction(0)
        for g, u in enumerate(dirs):
            key = tuple(float(v) for v in u)
            neg = tuple(float(-v) for v in u)
            if not any(key):
                rep_of[g], sign_of[g] = None, 0
            elif key in index or neg in index:
                rep_of[g], sign_of[g] = (index[key], 1) if key in index else (index[neg], -1)
            else:
                index[key] = len(reps)
                reps.append(key)
                rep_of[g], sign_of[g] = len(reps) - 1, 1
        units = [[] for _ in reps]
        for j, g in enumerate(unit_dir):
            k = rep_of[int(g)]
            aj = gamma * Fraction(float(a[j]))
            cj = Fraction(float(c[j]))
            if k is None:  # a zero direction: the unit is the constant gamma a_j rho(c_j)
                const += aj * (cj if cj > 0 else s * cj)
            else:
                units[k].append((sign_of[int(g)], cj, aj))
        self.alpha = Fraction(float(net.shift)) + const
        self.reps = np.array(reps, dtype=np.float64).reshape(len(reps), self.dim)
        self.B, self.V, self.S = [], [], []     # exact tables per direction
        for us in units:
            B, V, S = _pl_table(us, s)
            self.B.append(B)
            self.V.append(V)
            self.S.append(S)
        offs = np.cumsum([0] + [len(B) for B in self.B]).astype(np.int64)
        self.offs = offs
        self.Bf = np.array([float(t) for B in self.B for t in B], dtype=np.float64)
        assert all(Fraction(float(t)) == t for B in self.B for t in B)  # break-points are +-c_j: floats
        self.Vlo = np.array([_down(v) for V in self.V for v in V])
        self.Vhi = np.array([_up(v) for V in self.V for v in V])
        self.Slo = np.array([_down(v) for S in self.S for v in S])
        self.Shi = np.array([_up(v) for S in self.S for v in S])
        self.alpha_lo, self.alpha_hi = _down(self.alpha), _up(self.alpha)

    def exact(self, point) -> Fraction:
        """f_NN at a point of floats, exactly."""
        x = [Fraction(float(v)) for v in point]
        total = self.alpha
        for k in range(len(self.B)):
            t = sum((Fraction(float(v)) * xi for v, xi in zip(self.reps[k], x)), Fraction(0))
            B, V, S = self.B[k], self.V[k], self.S[k]
            i = _bisect_right(B, t)
            j = max(i - 1, 0)
            total += V[j] + S[i] * (t - B[j])
        return total

    def approx(self, X) -> np.ndarray:
        """f_NN at the rows of X in float64 (for tests and sampling; not rigorous)."""
        X = np.asarray(X, dtype=np.float64).reshape(-1, self.dim)
        out = np.full(len(X), float(self.alpha))
        for k in range(len(self.B)):
            t = X @ self.reps[k]
            lo, hi = self.offs[k], self.offs[k + 1]
            B = self.Bf[lo:hi]
            i = np.searchsorted(B, t, side="right")
            j = np.maximum(i - 1, 0)
            V = 0.5 * (self.Vlo[lo:hi] + self.Vhi[lo:hi])
            S = 0.5 * (self.Slo[lo + k:hi + k + 1] + self.Shi[lo + k:hi + k + 1])
            out += V[j] + S[i] * (t - B[j])
        return out


def _bisect_right(B, t):
    lo, hi = 0, len(B)
    while lo < hi:
        mid = (lo + hi) // 2
        if t < B[mid]:
            hi = mid
        else:
            lo = mid + 1
    return lo


def _pl_table(units, s: Fraction):
    r"""Exact piecewise-linear form of :math:`G(t)=\sum a\,\rho(\sigma t+c)` over units (σ, c, a):
    sorted distinct break-points B (t = -σc), values V = G(B) and slopes S (S[0] left of B[0], S[i] on
    (B[i-1], B[i]), S[-1] right of B[-1]). Every unit's slope jumps by a(1 - s) at its break-point."""
    jumps = {}
    left = Fraction(0)
    for sig, cj, aj in units:
        b = -cj if sig > 0 else cj
        jumps[b] = jumps.get(b, Fraction(0)) + aj * (1 - s)
        left += s * aj if sig > 0 else -aj
    B = sorted(jumps)
    t0 = B[0]
    v0 = Fraction(0)
    for sig, cj, aj in units:
        z = sig * t0 + cj
        v0 += aj * (z if z > 0 else s * z)
    S = [left]
    for b in B:
        S.append(S[-1] + jumps[b])
    V = [v0]
    for i in range(1, len(B)):
        V.append(V[-1] + S[i] * (B[i] - B[i - 1]))
    return B, V, S


# ---------------------------------------------------------------------------------------------- float kernel
@numba.njit(cache=True, inline="always")
def _dn(x):
    return np.nextafter(x, -np.inf)


@numba.njit(cache=True, inline="always")
def _upn(x):
    return np.nextafter(x, np.inf)


@numba.njit(cache=True)
def _G(t, base, end, so, B, Vlo, Vhi, Slo, Shi):
    """Enclosure [lo, hi] of G_k at the float t (the table of direction k: B[base:end], slopes from so)."""
    i = np.searchsorted(B[base:end], t, side="right")
    j = base + i - 1 if i > 0 else base
    dlo = _dn(t - B[j])
    dhi = _upn(t - B[j])
    sl = Slo[so + i]
    sh = Shi[so + i]
    p1 = sl * dlo
    p2 = sl * dhi
    p3 = sh * dlo
    p4 = sh * dhi
    plo = _dn(min(min(p1, p2), min(p3, p4)))
    phi = _upn(max(max(p1, p2), max(p3, p4)))
    return _dn(Vlo[j] + plo), _upn(Vhi[j] + phi)


@numba.njit(cache=True)
def _ell(h0, sig, tlo, thi, t0):
    """Enclosure of h0 + sig (t - t0) for t in [tlo, thi]."""
    dlo = _dn(tlo - t0)
    dhi = _upn(thi - t0)
    if sig >= 0.0:
        plo = _dn(sig * dlo)
        phi = _upn(sig * dhi)
    else:
        plo = _dn(sig * dhi)
        phi = _upn(sig * dlo)
    return _dn(h0 + plo), _upn(h0 + phi)


@numba.njit(cache=True)
def _ridge_kernel(lo, hi, m, dirs, offs, B, Vlo, Vhi, Slo, Shi, out):
    """For every box p (rows of lo, hi, centre m): out[p] = (A_lo, A_hi, R_lo, R_hi, N_approx, g_lo[0..d),
    g_hi[0..d)) with A the affine part sum_k l_k(v_k m), R the residual range, g the gradient of the
    affine part (outward-rounded intervals, see the module docstring) and N_approx = sum_k G_k(v_k m) in
    plain float64 (for sampling only)."""
    n, d = lo.shape
    K = dirs.shape[0]
    for p in range(n):
        Alo = 0.0
        Ahi = 0.0
        Rlo = 0.0
        Rhi = 0.0
        Nap = 0.0
        for i in range(d):
            out[p, 5 + i] = 0.0
            out[p, 5 + d + i] = 0.0
        for k in range(K):
            base = offs[k]
            end = offs[k + 1]
            so = base + k
            t0 = 0.0
            t1 = 0.0
            tmlo = 0.0
            tmhi = 0.0
            tm = 0.0
            for i in range(d):
                v = dirs[k, i]
                if v == 0.0:
                    continue
                if v > 0.0:
                    a0 = v * lo[p, i]
                    a1 = v * hi[p, i]
                else:
                    a0 = v * hi[p, i]
                    a1 = v * lo[p, i]
                t0 = _dn(t0 + _dn(a0))
                t1 = _upn(t1 + _upn(a1))
                c = v * m[p, i]
                tmlo = _dn(tmlo + _dn(c))
                tmhi = _upn(tmhi + _upn(c))
                tm += c
            H0lo, H0hi = _G(t0, base, end, so, B, Vlo, Vhi, Slo, Shi)
            H1lo, H1hi = _G(t1, base, end, so, B, Vlo, Vhi, Slo, Shi)
            h0 = 0.5 * (H0lo + H0hi)
            w = t1 - t0
            sig = (0.5 * (H1lo + H1hi) - h0) / w if w > 0.0 else 0.0
            rlo = _dn(H0lo - h0)
            rhi = _upn(H0hi - h0)
            llo, lhi = _ell(h0, sig, t1, t1, t0)
            rlo = min(rlo, _dn(H1lo - lhi))
            rhi = max(rhi, _upn(H1hi - llo))
            ja = base + np.searchsorted(B[base:end], t0, side="right")
            jb = base + np.searchsorted(B[base:end], t1, side="left")
            for j in range(ja, jb):
                llo, lhi = _ell(h0, sig, B[j], B[j], t0)
                rlo = min(rlo, _dn(Vlo[j] - lhi))
                rhi = max(rhi, _upn(Vhi[j] - llo))
            Rlo = _dn(Rlo + rlo)
            Rhi = _upn(Rhi + rhi)
            llo, lhi = _ell(h0, sig, tmlo, tmhi, t0)
            Alo = _dn(Alo + llo)
            Ahi = _upn(Ahi + lhi)
            for i in range(d):
                c = sig * dirs[k, i]
                out[p, 5 + i] = _dn(out[p, 5 + i] + _dn(c))
                out[p, 5 + d + i] = _upn(out[p, 5 + d + i] + _upn(c))
            gl, gh = _G(tm, base, end, so, B, Vlo, Vhi, Slo, Shi)
            Nap += 0.5 * (gl + gh)
        out[p, 0] = Alo
        out[p, 1] = Ahi
        out[p, 2] = Rlo
        out[p, 3] = Rhi
        out[p, 4] = Nap


# ---------------------------------------------------------------------------------------------- the target
_ARB_FUNCS = {sp.sin: "sin", sp.cos: "cos", sp.tan: "tan", sp.cot: "cot", sp.sec: "sec", sp.csc: "csc",
              sp.exp: "exp", sp.log: "log", sp.sinh: "sinh", sp.cosh: "cosh", sp.tanh: "tanh",
              sp.asin: "asin", sp.acos: "acos", sp.atan: "atan", sp.asinh: "asinh", sp.acosh: "acosh",
              sp.atanh: "atanh", sp.erf: "erf", sp.erfc: "erfc"}


def _arb_const(e) -> arb:
    if e.is_Integer:
        return arb(int(e))
    if e.is_Rational:
        return arb(fmpq(int(e.p), int(e.q)))
    if e is sp.pi:
        return arb.pi()
    if e is sp.E:
        return arb.const_e()
    if e.is_Float:
        return arb_of(Fraction(sp.Rational(e).p, sp.Rational(e).q))
    return _compile(e, {})([])


def _compile(e, index):
    """A closure vals -> arb ball containing the value of the smooth sympy expression e, where vals[index[s]]
    is a ball containing the symbol s (outward rounding by arb). Non-integer powers need a positive base
    (else NaN: the caller reports the target as not enclosable)."""
    if e in index:
        i = index[e]
        return lambda v: v[i]
    if not e.free_symbols:
        k = _arb_const(e) if (e.is_Number or isinstance(e, sp.NumberSymbol)) else None
        if k is None:
            fn = _compile_tree(e, index)
            k = fn([])
        return lambda v: k
    return _compile_tree(e, index)


def _compile_tree(e, index):
    if isinstance(e, (sp.Add, sp.Mul)):
        fns = [_compile(a, index) for a in e.args]
        add = isinstance(e, sp.Add)

        def fold(v):
            acc = fns[0](v)
            for f in fns[1:]:
                acc = acc + f(v) if add else acc * f(v)
            return acc
        return fold
    if isinstance(e, sp.Pow):
        base, ex = e.args
        fb = _compile(base, index)
        if ex.is_Integer:
            n = int(ex)
            return lambda v: _ipow(fb(v), n)
        if ex == sp.Rational(1, 2):
            def sqrt(v):
                b = fb(v)
                return b.sqrt() if b > 0 else arb.nan()
            return sqrt
        fe = _compile(ex, index)

        def rpow(v):
            b = fb(v)
            return (fe(v) * b.log()).exp() if b > 0 else arb.nan()
        return rpow
    for cls, name in _ARB_FUNCS.items():
        if isinstance(e, cls) and len(e.args) == 1:
            f = _compile(e.args[0], index)
            meth = getattr(arb, name)
            return lambda v: meth(f(v))
    if not e.free_symbols:
        return lambda v, k=_arb_const(e): k
    raise NotCertifiableError(f"cannot enclose {type(e).__name__} in ball arithmetic")


def _program(exprs, symbols):
    """One straight-line arb program for several expressions (common subexpressions shared, sympy.cse):
    returns run(balls) -> list of balls, balls being the values of ``symbols``."""
    repl, outs = sp.cse(list(exprs))
    index = {s: i for i, s in enumerate(symbols)}
    steps = []
    for k, (sym, ex) in enumerate(repl):
        steps.append(_compile(ex, index))
        index[sym] = len(symbols) + k
    fins = [_compile(ex, index) for ex in outs]

    def run(vals):
        v = list(vals)
        for f in steps:
            v.append(f(v))
        return [f(v) for f in fins]
    return run


class _Target:
    """A smooth target f*(x, y[, z]): float evaluator of (f, grad f), arb programs of (f, grad f) at points
    and of the Hessian on cells (see the module docstring)."""

    def __init__(self, text: str, dim: int, prec: int):
        self.text = text.strip() if isinstance(text, str) else text
        self.dim = dim
        expr, syms = parse_expression(text, VARIABLES[:dim])
        try:
            expr = sp.expand_func(expr.doit())
        except Exception:  # noqa: BLE001 - leave it as it is; the whitelist below decides
            pass
        for node in sp.preorder_traversal(expr):
            ok = (node.is_Symbol or node.is_Number or isinstance(node, (sp.NumberSymbol, sp.Add, sp.Mul, sp.Pow))
                  or (type(node) in _ARB_FUNCS and len(node.args) == 1))
            if not ok:
                name = type(node).__name__
                raise NotCertifiableError(f"target '{self.text}': {dim}-D certification needs a smooth target (built from "
                                  f"+ - * / ** and sin, cos, exp, log, ...); it contains {name}")
        self.expr, self.syms = expr, syms
        grad = [sp.diff(expr, s) for s in syms]
        self.pairs = [(i, j) for i in range(dim) for j in range(i, dim)]
        hess = [sp.diff(grad[i], syms[j]) for i, j in self.pairs]
        self._float = sp.lambdify(syms, [expr] + grad, modules=["scipy", "numpy"], cse=True)
        self.prec = prec
        with working_precision(prec):
            self._point = _program([expr] + grad, syms)
            self._hess = _program(hess, syms)

    def float_eval(self, M):
        """(f(M), grad f(M)) in float64 at the rows of M: arrays (n,) and (n, d)."""
        with np.errstate(all="ignore"):
            vals = self._float(*[M[:, i] for i in range(self.dim)])
        n = len(M)
        out = np.empty((n, self.dim + 1))
        for i, v in enumerate(vals):
            out[:, i] = np.broadcast_to(np.asarray(v, dtype=np.float64), (n,))
        return out[:, 0], out[:, 1:]

    def point_enclosures(self, M):
        """arb enclosures of f and grad f at the float rows of M: (lo, hi) arrays of shape (n, d + 1)."""
        n = len(M)
        lo = np.empty((n, self.dim + 1))
        hi = np.empty((n, self.dim + 1))
        run = self._point
        with working_precision(self.prec):
            for p in range(n):
                vals = run([arb(float(v)) for v in M[p]])
                for i, b in enumerate(vals):
                    lo[p, i] = arb_down(b)
                    hi[p, i] = arb_up(b)
        return lo, hi

    def value_ball(self, point) -> arb:
        with working_precision(self.prec):
            return self._point([arb(float(v)) for v in point])[0]

    def hessian_tables(self, edges, level):
        """Enclosures of the Hessian entries (pairs i <= j) on the 2^(level d) cells of the grid whose edges
        (floats) are ``edges`` (length 2^level + 1), and their hulls on the coarser levels: list over levels
        0..level of (lo, hi) arrays of shape (2^l,)*d + (pairs,)."""
        d, P = self.dim, len(self.pairs)
        n = 2 ** level
        lo = np.empty((n,) * d + (P,))
        hi = np.empty((n,) * d + (P,))
        with working_precision(self.prec):
            balls = [arb(float(edges[k])).union(arb(float(edges[k + 1]))) for k in range(n)]
            for idx in np.ndindex(*(n,) * d):
                vals = self._hess([balls[k] for k in idx])
                lo[idx] = [arb_down(b) for b in vals]
                hi[idx] = [arb_up(b) for b in vals]
        bad = ~(np.isfinite(lo) & np.isfinite(hi))
        if bad.any():
            idx = np.argwhere(bad.any(axis=-1))[0]
            cell = ", ".join(f"[{edges[k]:.6g}, {edges[k + 1]:.6g}]" for k in idx)
            raise NotCertifiableError(f"target '{self.text}' has no finite second derivatives on the cell {cell} "
                              f"(not smooth or not defined there): cannot certify")
        tables = [(lo, hi)]
        for _ in range(level):
            lo, hi = tables[0]
            m = lo.shape[0] // 2
            shp = (m, 2) * d + (P,)
            axes = tuple(range(1, 2 * d, 2))
            tables.insert(0, (lo.reshape(shp).min(axis=axes), hi.reshape(shp).max(axis=axes)))
        return tables


# ---------------------------------------------------------------------------------------------- boxes
def _edges(a: float, b: float, K, level: int) -> np.ndarray:
    """Float edge of index K at ``level``: a + (b - a) (K 2^-level), clamped to [a, b], the last edge b.
    The same dyadic fraction K 2^-level gives the same float at every level (a power-of-two scaling is
    exact), and the map is monotone, so the boxes of every level tile [a, b]^d exactly."""
    tau = np.asarray(K, dtype=np.float64) * 2.0 ** -level
    x = np.minimum(b, np.maximum(a, a + (b - a) * tau))
    return np.where(tau >= 1.0, b, x)


def _children(K: np.ndarray, d: int) -> np.ndarray:
    offs = np.array(list(np.ndindex(*(2,) * d)), dtype=np.int64)
    return (2 * K[:, None, :] + offs[None, :, :]).reshape(-1, d)


class _Bounder:
    """Box bounds of the module docstring at one level (shared by the screen and the proof)."""

    def __init__(self, ridges: _Ridges, tgt: _Target, a: float, b: float, hess_level: int):
        self.r, self.t, self.a, self.b = ridges, tgt, a, b
        self.d = tgt.dim
        self.hl = hess_level
        self.tables = tgt.hessian_tables(_edges(a, b, np.arange(2 ** hess_level + 1), hess_level), hess_level)

    def geometry(self, K, level):
        lo = _edges(self.a, self.b, K, level)
        hi = _edges(self.a, self.b, K + 1, level)
        m = 0.5 * (lo + hi)
        rad = np.nextafter(np.maximum(m - lo, hi - m), np.inf)
        return lo, hi, m, rad

    def network(self, lo, hi, m):
        r = self.r
        out = np.empty((len(lo), 5 + 2 * self.d))
        _ridge_kernel(lo, hi, m, r.reps, r.offs, r.Bf, r.Vlo, r.Vhi, r.Slo, r.Shi, out)
        return out

    def hessian(self, K, level):
        if level <= self.hl:
            lo, hi = self.tables[level]
            idx = tuple(K.T)
        else:
            lo, hi = self.tables[self.hl]
            idx = tuple((K >> (level - self.hl)).T)
        return lo[idx], hi[idx]

    def bound(self, net, flo, fhi, glo_f, ghi_f, Hlo, Hhi, rad):
        """Upper bound of sup|e| on each box, every operation rounded outwards (module docstring).
        flo/fhi: f(m); glo_f/ghi_f: grad f(m) (n, d); net: kernel output; Hlo/Hhi: Hessian pairs."""
        d = self.d
        dn = lambda x: np.nextafter(x, -np.inf)  # noqa: E731
        up = lambda x: np.nextafter(x, np.inf)   # noqa: E731
        Alo, Ahi, Rlo, Rhi = net[:, 0], net[:, 1], net[:, 2], net[:, 3]
        glo, ghi = net[:, 5:5 + d], net[:, 5 + d:5 + 2 * d]
        slo = dn(dn(flo - self.r.alpha_hi) - Ahi)
        shi = up(up(fhi - self.r.alpha_lo) - Alo)
        dlo = dn(glo_f - ghi)
        dhi = up(ghi_f - glo)
        G = np.zeros(len(flo))
        for i in range(d):
            G = up(G + up(np.maximum(np.abs(dlo[:, i]), np.abs(dhi[:, i])) * rad[:, i]))
        Qp = np.zeros(len(flo))
        Qm = np.zeros(len(flo))
        for p, (i, j) in enumerate(self.t.pairs):
            if i == j:
                r2 = up(rad[:, i] * rad[:, i])
                Qp = up(Qp + up(0.5 * up(np.maximum(Hhi[:, p], 0.0) * r2)))
                Qm = dn(Qm + dn(0.5 * dn(np.minimum(Hlo[:, p], 0.0) * r2)))
            else:
                rr = up(rad[:, i] * rad[:, j])
                t = up(np.maximum(np.abs(Hlo[:, p]), np.abs(Hhi[:, p])) * rr)
                Qp = up(Qp + t)
                Qm = dn(Qm - t)
        top = up(up(up(shi + G) + Qp) - Rlo)
        bot = up(up(up(Rhi - slo) + G) - Qm)
        out = np.maximum(top, bot)
        return np.where(np.isnan(out), np.inf, out)

    def screen(self, K, level):
        """Float screen of the boxes K at ``level``: (bounds, centre errors, centres)."""
        lo, hi, m, rad = self.geometry(K, level)
        net = self.network(lo, hi, m)
        f, g = self.t.float_eval(m)
        Hlo, Hhi = self.hessian(K, level)
        bnd = self.bound(net, f, f, g, g, Hlo, Hhi, rad)
        err = np.abs(f - float(self.r.alpha) - net[:, 4])
        return bnd, np.where(np.isfinite(err), err, -1.0), m

    def corners(self, K, level):
        """The 2^d corners of each box (rows), duplicates removed."""
        offs = np.array(list(np.ndindex(*(2,) * self.d)), dtype=np.int64)
        V = np.unique((K[:, None, :] + offs[None, :, :]).reshape(-1, self.d), axis=0)
        return _edges(self.a, self.b, V, level)

    def errors(self, X):
        """|f* - f_NN| at the rows of X in float64 (sampling only; -1 where not finite)."""
        f, _ = self.t.float_eval(X)
        err = np.abs(f - self.r.approx(X))
        return np.where(np.isfinite(err), err, -1.0)

    def prove(self, K, level):
        """Proved bounds of the boxes K at ``level`` (arb for f and grad f at the centres)."""
        lo, hi, m, rad = self.geometry(K, level)
        net = self.network(lo, hi, m)
        plo, phi = self.t.point_enclosures(m)
        Hlo, Hhi = self.hessian(K, level)
        return self.bound(net, plo[:, 0], phi[:, 0], plo[:, 1:], phi[:, 1:], Hlo, Hhi, rad)


# ---------------------------------------------------------------------------------------------- entry point
def certify_nd(net, target, eps=None, *, rtol: float = 0.02, max_boxes: int = 5_000_000,
               prec: int = DEFAULT_PREC, progress=None) -> NDCertificate:
    """Certify sup over [a, b]^d of |f* - f_NN| for a 2-D/3-D permutation network (module docstring).

    ``target``: expression text in x, y(, z). ``rtol``: refine until U <= L (1 + rtol). ``max_boxes``: budget
    of boxes for the screen (U stays rigorous when it is used up; a note says so). ``progress``: optional
    callable receiving one-line status strings. Raises :class:`TargetError` for targets this method cannot
    enclose, :class:`CertificateError` for bad arguments."""
    t0 = time.perf_counter()
    dirs = np.asarray(net.directions)
    if dirs.ndim != 2 or dirs.shape[1] not in (2, 3):
        raise CertificateError("network: directions must be rows of 2 or 3 numbers")
    d = int(dirs.shape[1])
    if not (isinstance(rtol, (int, float)) and math.isfinite(rtol) and rtol >= 0):
        raise CertificateError(f"rtol: must be a finite number >= 0, got {rtol!r}")
    if int(max_boxes) < 1:
        raise CertificateError("max_boxes: must be >= 1")
    a, b = (float(v) for v in net.domain)
    if not (math.isfinite(a) and math.isfinite(b) and a < b):
        raise CertificateError(f"domain: need finite a < b, got [{a}, {b}]")
    say = progress or (lambda s: None)
    perm_ok = bool(net.check_permutation())
    tgt = _Target(target, d, prec)
    ridges = _Ridges(net)
    bd = _Bounder(ridges, tgt, a, b, _HESSIAN_LEVEL[d])
    notes = []

    # ---- screen
    level = _START_LEVEL[d]
    K = np.array(list(np.ndindex(*(2 ** level,) * d)), dtype=np.int64)
    leaves = []
    L, wit = -1.0, None
    boxes = 0
    frozen = 0
    while len(K):
        keep = []
        for s in range(0, len(K), _CHUNK):
            Kc = K[s:s + _CHUNK]
            bnd, err, m = bd.screen(Kc, level)
            if (err < 0).any():
                p = m[int(np.argmin(err))]
                raise TargetError(f"target '{tgt.text}' is not finite at ({', '.join(f'{v:.6g}' for v in p)})")
            k = int(np.argmax(err))
            if err[k] > L:
                L, wit = float(err[k]), m[k].copy()
            ok = bnd <= max(L * (1 + rtol) * _SAFETY, 2.0 ** -80)
            if ok.any():
                leaves.append((level, Kc[ok]))
            keep.append(Kc[~ok])
        boxes += len(K)
        K = np.concatenate(keep)
        for s in range(0, len(K), _CHUNK):  # corners of the boxes to split: the sup is often on the cube's edge
            C = bd.corners(K[s:s + _CHUNK], level)
            err = bd.errors(C)
            k = int(np.argmax(err))
            if err[k] > L:
                L, wit = float(err[k]), C[k].copy()
        say(f"level {level}: {boxes} boxes bounded, {sum(len(x) for _, x in leaves)} leaves, {len(K)} to split, "
            f"L = {L:.6g}")
        if len(K) and (level >= _MAX_LEVEL or boxes + len(K) * 2 ** d > max_boxes):
            leaves.append((level, K))
            frozen = len(K)
            break
        if len(K):
            K = _children(K, d)
            level += 1
    if frozen:
        notes.append(f"{frozen} box(es) stopped by the budget (max_boxes={max_boxes}) or the depth limit before "
                     f"reaching rtol")

    # ---- proof: L at the witness, then every leaf in arb
    E = tgt.value_ball(wit) - arb_of(ridges.exact(wit))
    with working_precision(prec):
        lower = float(E.abs_lower())
        lower = max(0.0, math.nextafter(lower, -math.inf)) if E.is_finite() else 0.0
    thresh = max(lower * (1 + rtol), 2.0 ** -80)
    U = 0.0
    arb_evals = 0
    resplit = 0
    work = leaves
    while work:
        nxt = []
        for lev, Kl in work:
            for s in range(0, len(Kl), _CHUNK):
                Kc = Kl[s:s + _CHUNK]
                bnd = bd.prove(Kc, lev)
                arb_evals += len(Kc)
                bad = ~(bnd <= thresh)
                if bad.any() and lev < _MAX_LEVEL and not frozen:
                    resplit += int(bad.sum())
                    nxt.append((lev + 1, _children(Kc[bad], d)))
                    bnd = bnd[~bad]
                if len(bnd):
                    U = max(U, float(np.max(bnd)))
        work = nxt
        say(f"proof: {arb_evals} leaves proved in arb, U = {U:.6g}")
    if not math.isfinite(U):
        raise NotCertifiableError(f"target '{tgt.text}' could not be enclosed on some box (not finite there?)")
    if resplit:
        notes.append(f"{resplit} leaf box(es) of the screen failed in arb and were split again")
    if not U >= lower:
        raise ProofkitError(f"internal error: proved U = {U!r} below the lower bound {lower!r}; please report")
    q = Fraction(U)
    return NDCertificate(
        target=tgt.text, dim=d, domain=(a, b), eps=None if eps is None else float(eps),
        permutation_ok=perm_ok, permutation_method="bitwise",
        permutation_message=("coefficients are pool[permutation], a bijection" if perm_ok else
                             "the permutation is not a bijection or the stored coefficients differ from "
                             "pool[permutation]"),
        upper=U, lower=lower, witness=[float(v) for v in wit], method=ND_METHOD, rigorous=True, boxes=boxes,
        leaves=sum(len(x) for _, x in leaves), arb_evaluations=arb_evals, seconds=time.perf_counter() - t0,
        rtol=float(rtol), upper_rational=f"{q.numerator}/{q.denominator}", precision=int(prec), notes=notes,
        network_sha256=network_sha256(net))
