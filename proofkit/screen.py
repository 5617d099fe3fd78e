r"""Certification at scale (method ``arb-screened``): arb only where the float64 screen cannot decide.

For a network of 10⁶–10⁸ hidden units the ``arb-taylor`` path of :mod:`proofkit.certify` spends its time
in exact rationals (the network's dyadic piecewise-linear form) and in one arb evaluation of f* per knot.
This path bounds the same quantity, :math:`\sup_{[a,b]}|f^*-f^{NN}|` for the *stored float64 network*
(every field at its exact binary value), in four steps:

1. **The network**, compiled once with proven radii (:func:`proofkit.pwl.relu_sum_enclosure`): exact knots
   t_k and values V_k with :math:`|f^{NN}(t_k)-V_k|\le\rho_k` (double-double sums, error analysis in
   :mod:`proofkit.enclose`); no Fractions.
2. **Cells.** [a, b] is cut into cells (at the target's kinks first, then adaptively). On a cell where f*
   is one smooth branch (:meth:`~proofkit.interval.BallTarget.smooth_on`), arb gives its Taylor model at
   a float centre c: :math:`f^*(c)\in f_0\pm r_0`, :math:`f^{*\prime}(c)\in f_1\pm r_1` (point enclosures)
   and :math:`m_2\ge\sup_{cell}|f^{*\prime\prime}|` (one enclosure on the cell's ball), so that
   :math:`|f^*(x)-f_0-f_1(x-c)|\le r_0+r_1|x-c|+m_2(x-c)^2/2` on the cell (Taylor with Lagrange remainder).
   A cell is split until its slack :math:`r_0+r_1h+m_2h^2/2` (h the largest |x − c|) is at most τ, a small
   fraction of the expected error; cells that never qualify (a singularity such as √x at 0, a kink known
   only numerically) keep no model.
3. **Screen** (compiled, :func:`proofkit.enclose.screen_pieces`): knots and cell boundaries cut [a, b] into
   sub-pieces; on each, |f* − f^NN| is at most the larger of two end-point bounds, every float rounding
   accounted for by a proven margin (f* itself is never evaluated in floating point: only the arb models
   are). The point with the largest screened error is re-evaluated in arb: a proven lower bound L.
4. **arb where needed.** Sub-pieces without a model, or whose bound exceeds L(1 + rtol), are grouped into
   runs of consecutive sub-pieces and handed to the ``arb-taylor`` branch and bound. There the network is
   known only to ±ρ, so each run is bounded twice, for the lines through the lower and through the upper
   ends of the enclosures: on a sub-piece the true network lies between those two lines and |f* − y| is
   convex in y, so the larger of the two sups bounds it.

U is the maximum over all sub-pieces of their bounds, rounded up; L is a proven lower bound (an arb value
at one point, less the network's radius there). The float screen is an *upper-bound filter* only: its
bounds are themselves rigorous, so a piece it passes needs nothing else, and everything it cannot pass is
proved in arb. ``tests/test_screen.py`` cross-checks U and L against ``arb-taylor`` on networks small enough
for both, and against Sollya's ``supnorm`` when Sollya is installed.
"""
from __future__ import annotations

import math
import time
from fractions import Fraction

import numpy as np

from .certify import _arb_taylor, _frac_down, _frac_up
from .interval import abs_down, abs_up, arb_of, ball
from .pwl import PiecewiseLinear

__all__ = ["screened_bound", "cell_models", "SCREEN_MIN_UNITS", "METHOD"]

METHOD = "arb-screened"
SCREEN_MIN_UNITS = 1 << 16   # certify() uses this path automatically from this hidden width on
MAX_CELLS = 1 << 17         # about 3 arb evaluations each; beyond, sub-pieces go to arb-taylor
_SPLIT_MAX = 64              # a cell whose slack is s > tau is cut into about sqrt(s / tau) parts, at most this many


# ---------------------------------------------------------------------------------------------- cells
def _model(bt, x0: float, x1: float, tau: float):
    """The Taylor model of f* on the cell [x0, x1] (floats), or (None, reason) when it has none that fits
    tau: 'kink' (not one smooth branch or no enclosure) or the slack it would have."""
    q0, q1 = Fraction(x0), Fraction(x1)
    X = ball(q0, q1)
    if bt.d2 is None or not bt.smooth_on(q0, q1, X):
        return None, math.inf
    m2 = abs_up(bt.value(X, q0, q1, 2))
    if not m2 < math.inf:
        return None, math.inf
    c = x0 + (x1 - x0) * 0.5
    if not x0 <= c <= x1:
        return None, math.inf
    h = max(c - x0, x1 - c)
    slack = m2 * h * h * 0.5
    if slack > tau:
        return None, slack
    qc = Fraction(c)
    C = arb_of(qc)
    F0 = bt.value(C, qc, qc, 0)
    F1 = bt.value(C, qc, qc, 1)
    if not (F0.is_finite() and F1.is_finite()):
        return None, math.inf
    f0, f1 = float(F0.mid()), float(F1.mid())
    r0, r1 = abs_up(F0 - arb_of(Fraction(f0))), abs_up(F1 - arb_of(Fraction(f1)))
    slack += r0 + r1 * h
    if slack > tau:
        return None, slack
    return (c, f0, r0, f1, r1, m2), slack


def cell_models(bt, a: float, b: float, tau: float, max_cells: int = MAX_CELLS):
    """Cells of [a, b] (float boundaries X, increasing, X[0] = a, X[-1] = b) and their models (arrays
    c, f0, r0, f1, r1, m2, ok). Kinks of the target are boundaries (a kink that is not a float gets a
    one-ulp cell around it, which has no model). Returns (X, model arrays..., evaluations)."""
    starts = {a, b}
    for k in bt.kinks:
        if a < k < b:
            lo, hi = _frac_down(k), _frac_up(k)
            starts.update(v for v in (lo, hi) if a <= v <= b)
    bounds = sorted(starts)
    min_width = (b - a) * 2.0 ** -44
    out = []          # (x0, x1, model or None)
    stack = [(x0, x1) for x0, x1 in zip(bounds[:-1], bounds[1:])][::-1]
    evals = 0
    while stack:
        x0, x1 = stack.pop()
        model, slack = _model(bt, x0, x1, tau)
        evals += 1 if model is None and slack == math.inf else 3
        if model is not None:
            out.append((x0, x1, model))
            continue
        width = x1 - x0
        if width <= min_width or len(out) + len(stack) >= max_cells:
            out.append((x0, x1, None))
            continue
        parts = 2 if slack == math.inf else int(min(_SPLIT_MAX, max(2, math.ceil(1.25 * math.sqrt(slack / tau)))))
        cuts = [x0] + [x0 + width * i / parts for i in range(1, parts)] + [x1]
        cuts = sorted(set(v for v in cuts if x0 <= v <= x1))
        if len(cuts) < 3:
            out.append((x0, x1, None))
            continue
        stack.extend(list(zip(cuts[:-1], cuts[1:]))[::-1])
    X = np.array([out[0][0]] + [c[1] for c in out], dtype=np.float64)
    C = len(out)
    arrs = [np.zeros(C) for _ in range(6)]
    ok = np.zeros(C, dtype=np.bool_)
    for j, (_x0, _x1, model) in enumerate(out):
        if model is not None:
            ok[j] = True
            for arr, v in zip(arrs, model):
                arr[j] = v
    return (X, *arrs, ok, evals)


# ---------------------------------------------------------------------------------------------- the bound
class _RunNet:
    """What ``certify._arb_taylor`` reads of a network: its exact PL form (here: a run of sub-pieces with
    float end values, which are exact dyadic rationals)."""

    def __init__(self, xs, vs):
        xs = np.array([Fraction(float(v)) for v in xs], dtype=object)
        vs = np.array([Fraction(float(v)) for v in vs], dtype=object)
        self.dyadic_pl = PiecewiseLinear(xs, vs, Fraction(0), Fraction(0))


def _runs(rows):
    """Split flagged sub-pieces (rows x0, x1, V0, r0, V1, r1, bound; in increasing x) into runs of
    consecutive ones: lists of (points, values, radii)."""
    runs = []
    start = 0
    n = len(rows)
    for i in range(1, n + 1):
        if i == n or rows[i, 0] != rows[i - 1, 1]:
            seg = rows[start:i]
            xs = np.concatenate([seg[:1, 0], seg[:, 1]])
            vs = np.concatenate([seg[:1, 2], seg[:, 4]])
            rs = np.concatenate([seg[:1, 3], seg[:, 5]])
            runs.append((xs, vs, rs))
            start = i
    return runs


def _estimate_sup(target, enc, eps):
    """A float estimate of the sup at up to 2^16 knots and piece midpoints (tuning only: it sets the cells'
    tolerance; an interpolating network has its errors between the knots)."""
    K = len(enc.knots)
    idx = np.unique(np.linspace(0, K - 2, min(K - 1, 1 << 16)).astype(np.int64))
    T, V = enc.knots, enc.values
    xs = np.concatenate([T[idx], (T[idx] + T[idx + 1]) / 2])
    vs = np.concatenate([V[idx], (V[idx] + V[idx + 1]) / 2])
    try:
        with np.errstate(all="ignore"):
            fx = np.asarray(target(xs), dtype=float)
        est = float(np.nanmax(np.abs(fx - vs)))
    except Exception:  # noqa: BLE001 - a target numpy cannot evaluate: fall back to eps
        est = math.nan
    if not (math.isfinite(est) and est > 0):
        est = float(eps) if eps else 1.0
    return est


def screened_bound(enc, bt, a: float, b: float, *, rtol: float, max_pieces: int, eps=None):
    """The fields of an ``arb-screened`` certificate (module docstring) for the network ``enc``
    (:class:`~proofkit.pwl.EnclosedPL` on [a, b]) and the target's :class:`~proofkit.interval.BallTarget`
    ``bt``. Must run inside the certificate's working precision."""
    from .enclose import screen_pieces

    t0 = time.perf_counter()
    est = _estimate_sup(bt.target, enc, eps)
    # the cells' slack: a share of the expected error, not below what float64 models can resolve
    tau = max(rtol * est / 8, (float(eps) if eps else est) * 2.0 ** -14,
              2.0 ** -46 * max(1.0, float(np.max(np.abs(enc.values)))))
    X, cc, f0, r0, f1, r1, m2, ok, evals = cell_models(bt, a, b, tau)
    t_cells = time.perf_counter() - t0
    T, V, R = enc.knots, enc.values, enc.radii
    models = (X, cc, f0, r0, f1, r1, m2, ok)

    def screen(thresh, cap=1 << 16):
        out = np.empty((cap, 7))
        res = screen_pieces(T, V, R, *models, thresh, out)
        if res[1] > cap:
            return screen(thresh, res[1])
        return res, out[:res[1]]

    (Uok, nflag, nsub, bx, bv, br, best), rows = screen(math.inf)
    # L: the largest screened error, proved in arb at that point (less the network's radius there)
    L, wit = 0.0, a
    if best >= 0:
        q = Fraction(bx)
        E = bt.value(arb_of(q), q, q) - arb_of(Fraction(bv))
        evals += 1
        L, wit = max(0.0, _sub_down(abs_down(E), br)), bx
    thresh = max(L * (1 + rtol), 2.0 ** -80)
    if Uok > thresh:
        (Uok, nflag, *_), rows = screen(thresh)
    U = Uok
    pieces = nsub
    notes = []
    frozen = 0
    runs = _runs(rows) if nflag else []
    budget = max(1, int(max_pieces))
    for xs, vs, rs in runs:
        lo = np.nextafter(vs - rs, -np.inf)
        hi = np.nextafter(vs + rs, np.inf)
        for vals in (lo, hi):
            res = _arb_taylor(_RunNet(xs, vals), bt, Fraction(float(xs[0])), Fraction(float(xs[-1])),
                              float(rtol), budget, floor=thresh)
            U = max(U, res["upper"])
            evals += res["evaluations"]
            pieces += res["pieces"]
            budget = max(1, budget - res["pieces"])
            frozen += any("stopped by the budget" in n for n in res["notes"])
            low = _sub_down(res["lower"], float(np.max(hi - lo)))
            if low > L:
                L, wit = low, res["witness"]
    notes.append(f"{len(T) - 1} network pieces, {len(cc)} cells with arb Taylor models ({int(ok.sum())} valid; "
                 f"tau = {tau:.3g}), {nsub} sub-pieces screened in float64 with proven rounding margins; "
                 f"{nflag} re-bounded by arb-taylor in {len(runs)} run(s); max network radius "
                 f"{float(R.max()):.3g}; cells {t_cells:.2f} s")
    if frozen:
        notes.append(f"{frozen} run(s) stopped by the piece budget (max_pieces={max_pieces}) before reaching rtol")
    return dict(method=METHOD, upper=float(U), lower=float(L), witness=float(wit), pieces=int(pieces),
                evaluations=int(evals), notes=notes)


def _sub_down(x: float, y: float) -> float:
    """A float <= x - y (x, y >= 0), and >= 0."""
    return max(0.0, math.nextafter(x - y, -math.inf))
