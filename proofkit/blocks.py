r"""Building blocks of the constructions (the proofs of arXiv 2407.01033), on the theory layout of a pool {±b_j}.

Pair j consists of the units :math:`\varphi_j^+=\sigma(x-b_j)` (unit j) and :math:`\varphi_j^-=\sigma(b_j-x)`
(unit n+j); its coefficients are :math:`(p_j, q_j)`. Pool entry j is :math:`+b_j`, entry n+j is :math:`-b_j`.
A block says which *signed pool value* each of its pairs receives: a :class:`Ref` ``(sign, j)`` stands for
the value :math:`\text{sign}\cdot b_j` (pool index j if sign=+1, n+j if sign=-1). Blocks only ever hand out
the values :math:`\pm b_k` of their own biases, so disjoint blocks use disjoint pool entries, and
:func:`assemble` turns the union of all blocks into a permutation.

Blocks (with :math:`c_1<c_2<c_3<c_4` the biases of the four pairs :math:`k_1..k_4`):

* :func:`step_block` — symmetric four-pair step (the paper's four-pair step): :math:`p=(-c_1,-c_4,c_4,c_1)`,
  :math:`q=(c_2,c_3,-c_3,-c_2)`. :math:`\sum p=\sum q=0`; height
  :math:`h=(c_2-c_1)(c_4-c_1)-(c_3-c_2)(c_4-c_3)` (:math:`2D^2` for spacing D); profile
  :math:`0,h/2,h/2,h` at :math:`c_1..c_4` relative to the left constant; sup error h/2 against the step at
  :math:`s=(c_2+c_3)/2`.
* :func:`anchored_ramp_block` — :math:`p=(-c_2,c_4,c_1,-c_3)`, :math:`q=(c_2,-c_1,-c_4,c_3)`; for a symmetric
  quadruple (:math:`c_1+c_4=c_2+c_3`) it is exactly :math:`h\,\mathrm{clip}((x-c_2)/(c_3-c_2),0,1)` with
  :math:`h=(c_3-c_2)(c_4-c_1)`.
* :func:`constant_block` — pairs in linear mode with values :math:`(c_4,-c_3,-c_2,c_1)`: slope
  :math:`c_4-c_3-c_2+c_1` (0 for equal spacing), constant :math:`-2(c_1c_4-c_2c_3)` (:math:`4D^2`).
* :func:`linear_pair` — :math:`v\varphi^+-v\varphi^-=v(x-b)` (the paper's linear reorganisation).
* :func:`sign_selection` and :func:`linear_reorganisation` — Lemma 2 and the linear reorganisation: unused pairs in linear mode
  whose total slope is at most the largest gap.
* :class:`PairAssignment` — the same blocks written into numpy arrays for n ~ 10^6 pairs (Theorems 2, 3):
  anchored ramps and transposed couples :math:`u\mapsto m\,b_w,\ w\mapsto\pm m\,b_u`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import ProofkitError
from .network import is_bijection

__all__ = ["BlockError", "Ref", "step_block", "step_height", "anchored_ramp_block", "constant_block", "linear_pair",
           "sign_selection", "linear_reorganisation", "Reorganisation", "assemble", "pair_function", "PairAssignment", "sign_selection_largest_first"]


class BlockError(ProofkitError):
    """Blocks that do not fit together (overlap, unassigned pair, bad sign or gap)."""


@dataclass(frozen=True)
class Ref:
    """The signed pool value sign * b_j."""

    sign: int
    j: int

    def __neg__(self):
        return Ref(-self.sign, self.j)

    def value(self, b):
        return self.sign * b[self.j]

    def pool_index(self, n: int) -> int:
        return self.j if self.sign > 0 else n + self.j


def _scaled(assign, sign):
    if sign not in (1, -1):
        raise BlockError("block sign must be +1 or -1")
    return {k: (Ref(sign * p.sign, p.j), Ref(sign * q.sign, q.j)) for k, (p, q) in assign.items()}


def step_block(k1, k2, k3, k4, sign=1):
    """Symmetric four-pair step on pairs k1<k2<k3<k4 (biases c1<c2<c3<c4); sign=-1 gives a down-step.

    Returns {pair: (p_ref, q_ref)}: p = (-c1, -c4, c4, c1), q = (c2, c3, -c3, -c2), times ``sign``.
    """
    assign = {
        k1: (Ref(-1, k1), Ref(1, k2)),
        k2: (Ref(-1, k4), Ref(1, k3)),
        k3: (Ref(1, k4), Ref(-1, k3)),
        k4: (Ref(1, k1), Ref(-1, k2)),
    }
    return _scaled(assign, sign)


def step_height(c1, c2, c3, c4):
    """Height of :func:`step_block`: h = (c2-c1)(c4-c1) - (c3-c2)(c4-c3) (= 2D^2 for equal spacing D)."""
    return (c2 - c1) * (c4 - c1) - (c3 - c2) * (c4 - c3)


def anchored_ramp_block(k1, k2, k3, k4, sign=1):
    """Anchored ramp: p = (-c2, c4, c1, -c3), q = (c2, -c1, -c4, c3), times ``sign``.

    Zero left of c2 for any biases; on a symmetric quadruple it is h*clip((x-c2)/(c3-c2), 0, 1),
    h = (c3-c2)(c4-c1).
    """
    assign = {
        k1: (Ref(-1, k2), Ref(1, k2)),
        k2: (Ref(1, k4), Ref(-1, k1)),
        k3: (Ref(1, k1), Ref(-1, k4)),
        k4: (Ref(-1, k3), Ref(1, k3)),
    }
    return _scaled(assign, sign)


def linear_pair(k, ref: Ref):
    """Pair k in linear mode with value v = ref: (p, q) = (v, -v), i.e. v * (x - b_k)."""
    return {k: (ref, -ref)}


def constant_block(k1, k2, k3, k4, sign=1):
    """Constant-matching block: pairs in linear mode with v = (c4, -c3, -c2, c1) (times ``sign``).

    Slope c4 - c3 - c2 + c1, constant -2(c1 c4 - c2 c3); 4D^2 for equal spacing D.
    """
    out = {}
    for k, ref in zip((k1, k2, k3, k4), (Ref(1, k4), Ref(-1, k3), Ref(-1, k2), Ref(1, k1))):
        out.update(linear_pair(k, Ref(sign * ref.sign, ref.j)))
    return out


def pair_function(assign, b):
    """(slope, intercept) of the *linear-mode* pairs of an assignment (those with q = -p):
    sum v_k (x - b_k). Works with floats or Fractions."""
    slope = intercept = 0
    for k, (p, q) in assign.items():
        if q != -p:
            raise BlockError(f"pair {k} is not in linear mode")
        v = p.value(b)
        slope += v
        intercept -= v * b[k]
    return slope, intercept


def sign_selection(gaps):
    """Lemma 2 (greedy form): signs m_t with every partial sum |sum_{s<=t} m_s g_s| <= max g.

    m_t = -sign(S_{t-1}), and +1 when S_{t-1} = 0. Returns (signs, final sum). Exact for Fractions.
    """
    signs, total = [], 0
    for g in gaps:
        if g < 0:
            raise BlockError("gaps must be non-negative")
        m = -1 if total > 0 else 1
        signs.append(m)
        total += m * g
    return signs, total


def sign_selection_largest_first(gaps):
    """Lemma 2 for integer gaps at scale (n ~ 10^6), vectorised: :func:`sign_selection` applied to the
    gaps in decreasing order, so the final sum obeys the same bound |S| <= max g; the gaps equal to 1
    (the bulk in Theorem 2) are done in closed form: first bring S to 0 with them, then alternate, which
    leaves |S| <= 1 whenever there are at least |S| unit gaps. Returns (signs int64 array in the input
    order, exact integer S = sum_t m_t g_t)."""
    gaps = np.asarray(gaps, np.int64)
    if (gaps < 0).any():
        raise BlockError("gaps must be non-negative")
    signs = np.ones(len(gaps), np.int64)
    big = np.flatnonzero(gaps > 1)
    S = 0
    for t in big[np.argsort(-gaps[big], kind="stable")]:
        m = -1 if S > 0 else 1
        signs[t] = m
        S += m * int(gaps[t])
    ones = np.flatnonzero(gaps == 1)
    first = min(abs(S), len(ones))  # bring S to 0 with unit gaps, then alternate
    s0 = -1 if S > 0 else 1
    signs[ones[:first]] = s0
    S += s0 * first
    rest = ones[first:]
    alt = np.where(np.arange(len(rest)) % 2 == 0, 1, -1)
    signs[rest] = alt
    S += int(alt.sum())
    return signs, S


@dataclass(frozen=True)
class Reorganisation:
    """Linear reorganisation of unused pairs: the assignment, its total slope and intercept
    (sum over pairs of v_k (x - b_k)), the largest couple gap, and the pair left in identity mode."""

    assign: dict
    slope: object
    intercept: object
    max_gap: object
    single: int | None


def linear_reorganisation(unused, b):
    r"""Linear reorganisation: put every unused pair in linear mode with a small total slope.

    Consecutive unused pairs :math:`u_1<u_2` form a couple with values
    :math:`(p,q)_{u_1}=(-s\,b_{u_1}, s\,b_{u_1})`, :math:`(p,q)_{u_2}=(s\,b_{u_2},-s\,b_{u_2})`: slope
    :math:`s\,g`, :math:`g=b_{u_2}-b_{u_1}`, intercept :math:`s(b_{u_1}^2-b_{u_2}^2)`. Signs by Lemma 2, so
    :math:`|\text{slope}|\le\max g`. With an odd count, the pair with the smallest :math:`|b_u|` (the zero pair
    when there is one) is left out of the couples and takes the identity mode :math:`b_u(x-b_u)`
    (slope :math:`b_u`, zero if :math:`b_u=0`).
    """
    unused = sorted(int(u) for u in unused)
    single = None
    if len(unused) % 2:
        single = min(unused, key=lambda u: (abs(b[u]), u))
        unused.remove(single)
    couples = [(unused[i], unused[i + 1]) for i in range(0, len(unused), 2)]
    gaps = [b[u2] - b[u1] for u1, u2 in couples]
    signs, _ = sign_selection(gaps)
    assign = {}
    for (u1, u2), s in zip(couples, signs):
        assign.update(linear_pair(u1, Ref(-s, u1)))
        assign.update(linear_pair(u2, Ref(s, u2)))
    if single is not None:
        assign.update(linear_pair(single, Ref(1, single)))
    slope, intercept = pair_function(assign, b) if assign else (0, 0)
    return Reorganisation(assign, slope, intercept, max(gaps) if gaps else 0, single)


def assemble(n: int, *assignments) -> np.ndarray:
    """Permutation (length 2n) of the theory layout from disjoint block assignments covering all pairs.

    Unit j (phi_j^+) gets pool index of p_j, unit n+j (phi_j^-) that of q_j. Raises BlockError if a pair
    is assigned twice or missing, or a pool entry would be used twice.
    """
    perm = np.full(2 * n, -1, dtype=np.int64)
    for assign in assignments:
        for k, (p, q) in assign.items():
            if perm[k] != -1:
                raise BlockError(f"pair {k} is assigned twice")
            perm[k] = p.pool_index(n)
            perm[n + k] = q.pool_index(n)
    if (perm < 0).any():
        raise BlockError(f"pair {int(np.flatnonzero(perm < 0)[0]) % n} is not assigned")
    if len(np.unique(perm)) != 2 * n:
        raise BlockError("a pool value is used twice: blocks overlap")
    return perm


class PairAssignment:
    r"""Vectorised block writer: pair k receives the signed pool values :math:`p_k=s\cdot v_j`,
    :math:`q_k=s'\cdot v_{j'}` stored as (sign, value index) arrays; pool index of :math:`(+1,j)` is j,
    of :math:`(-1,j)` is n+j (the theory layout of :func:`proofkit.pool.first_layer`).

    This is the numpy form of :class:`Ref` assignments and :func:`assemble` (which build one Python dict
    entry per pair: too slow at n ~ 10^6), used by Theorems 2 and 3. Its block writers are the vectorised
    :func:`anchored_ramp_block` and the transposed couples of the constant quads (the paper's constant matching); a test checks that
    they give the same permutation as the dict blocks. Raises :class:`BlockError` on overlaps.
    """

    def __init__(self, n: int):
        self.n = int(n)
        self.p_sign = np.zeros(self.n, np.int8)
        self.p_idx = np.full(self.n, -1, np.int64)
        self.q_sign = np.zeros(self.n, np.int8)
        self.q_idx = np.full(self.n, -1, np.int64)

    def put(self, k, p_sign, p_idx, q_sign, q_idx):
        """Assign pairs k (arrays broadcast together); raises BlockError if a pair is assigned twice."""
        k = np.asarray(k, np.int64).ravel()
        shape = k.shape
        if len(k) == 0:
            return
        if (k < 0).any() or (k >= self.n).any():
            raise BlockError("pair index out of range")
        if (self.p_idx[k] >= 0).any():
            raise BlockError("a pair is assigned twice: blocks overlap")
        pos = np.arange(len(k))
        self.p_idx[k] = pos          # a pair repeated in k keeps only its last position (no sort needed)
        if not np.array_equal(self.p_idx[k], pos):
            self.p_idx[k] = -1
            raise BlockError("a pair is assigned twice: blocks overlap")
        b = lambda v, dt: np.broadcast_to(np.asarray(v, dt), shape).ravel() if np.ndim(v) == 0 else \
            np.asarray(v, dt).ravel()  # noqa: E731
        self.p_sign[k], self.p_idx[k] = b(p_sign, np.int8), b(p_idx, np.int64)
        self.q_sign[k], self.q_idx[k] = b(q_sign, np.int8), b(q_idx, np.int64)

    @property
    def free(self) -> np.ndarray:
        """Indices of pairs not assigned yet."""
        return np.flatnonzero(self.p_idx < 0)

    def anchored_ramps(self, k1, k2, k3, k4, sign):
        r"""Anchored ramp blocks on pairs (k1<k2<k3<k4), values of their own biases (value index = pair
        index): :math:`p=(-c_2,c_4,c_1,-c_3)`, :math:`q=(c_2,-c_1,-c_4,c_3)`, times ``sign``."""
        s = np.asarray(sign, np.int64)
        self.put(k1, -s, k2, s, k2)
        self.put(k2, s, k4, -s, k1)
        self.put(k3, s, k1, -s, k4)
        self.put(k4, -s, k3, s, k3)

    def transposed_couples(self, u, w, m, equal_signs: bool, vu=None, vw=None):
        r"""Couples of pairs (u, w) in linear mode with swapped values: :math:`u\mapsto m\,v_w`,
        :math:`w\mapsto \pm m\,v_u` (+ for ``equal_signs``). Value indices default to the pair indices
        (equidistant pool); contribution :math:`m v_w(x-b_u)\pm m v_u(x-b_w)`."""
        m = np.asarray(m, np.int64)
        vu = u if vu is None else vu
        vw = w if vw is None else vw
        mw = m if equal_signs else -m
        self.put(u, m, vw, -m, vw)
        self.put(w, mw, vu, -mw, vu)

    def permutation(self) -> np.ndarray:
        """The length-2n permutation (unit j gets p_j, unit n+j gets q_j), read-only; checks that it is a
        bijection."""
        if (self.p_idx < 0).any():
            raise BlockError(f"pair {int(np.flatnonzero(self.p_idx < 0)[0])} is not assigned")
        n = self.n
        perm = np.empty(2 * n, np.int64)
        for half, sign, idx in ((perm[:n], self.p_sign, self.p_idx), (perm[n:], self.q_sign, self.q_idx)):
            half[:] = idx
            np.add(half, n, out=half, where=sign < 0)
        if not is_bijection(perm):
            raise BlockError("a pool value is used twice: blocks overlap")
        perm.setflags(write=False)   # read-only: a network takes it over without a copy
        return perm
