"""Quick mode must not contradict full mode: the committed figures/<fig>.json (quick) against
figures/full/<fig>.json (the paper's full protocol) on the trends the paper states.

For every series and the widths both modes ran (W), with s quick and S full runs per point:

* **fitted order** (least squares of log L_inf on log n over W) within a margin of the full-mode order;
* **sign of the slope**: where the full-mode error clearly falls (or rises) with n, quick mode agrees;
* **series ordering**: where two series are clearly apart in full mode (mean log error over W), quick mode
  orders them the same way.

"Clearly" and the margins are statistical, from the spread of the full-mode runs themselves: with sigma the
pooled standard deviation of log L_inf across runs at one width, the difference between a quick and a full
mean of logs has standard deviation sigma sqrt(1/s + 1/S) (independent samples, the conservative case: in
fact every quick run is also a full run), a fitted order over W that divided by sqrt(Sxx) (Sxx the sum of
squared deviations of log n over W), a series level that divided by sqrt(|W|). The stated margin is
MARGIN_SD = 3 standard deviations, and at least MIN_ORDER_MARGIN = 0.05 for the order. The test reads
committed data only (no training). A figure without a full-mode JSON is skipped, naming the missing file.
"""
import json
import math
import os
from itertools import combinations

import numpy as np
import pytest

from proofkit.experiments import FIGURES
from proofkit.experiments.spec import RateFigure

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
QUICK_DIR = os.path.join(ROOT, "figures")
FULL_DIR = os.path.join(ROOT, "figures", "full")
MARGIN_SD = 3.0
MIN_ORDER_MARGIN = 0.05
RATE_FIGURES = [name for name, spec in FIGURES.items() if isinstance(spec, RateFigure)]


def _stats(series, widths):
    """Per width of ``widths``: the mean of log L_inf over the runs; and the pooled variance of log L_inf
    across runs (None with a single run per width)."""
    idx = [series["widths"].index(n) for n in widths]
    logs = [np.log(np.asarray(series["linf_runs"][i], float)) for i in idx]
    means = np.array([v.mean() for v in logs])
    var = float(np.mean([v.var(ddof=1) for v in logs])) if all(len(v) > 1 for v in logs) else None
    return means, var


def _order(widths, means):
    return float(-np.polyfit(np.log(widths), means, 1)[0])


def compare_trends(quick: dict, full: dict) -> tuple:
    """(failures, checks, skipped): lists of sentences describing what was compared."""
    failures, checks, skipped = [], [], []
    levels = {}
    for label, q in quick["series"].items():
        f = full["series"].get(label)
        if f is None:
            skipped.append(f"{label}: not in the full-mode JSON")
            continue
        W = [n for n in q["widths"] if n in f["widths"]]
        s, S = len(q["seeds"]), len(f["seeds"])
        if s == 0 or len(W) < 2:
            skipped.append(f"{label}: quick mode ran {len(W)} width(s) with {s} run(s): nothing to compare")
            continue
        qm, _ = _stats(q, W)
        fm, var = _stats(f, W)
        if var is None:
            skipped.append(f"{label}: one full-mode run per width, so no spread to judge a margin by")
            continue
        k = 1.0 / s + 1.0 / S
        x = np.log(W)
        sxx = float(((x - x.mean()) ** 2).sum())
        margin = max(MIN_ORDER_MARGIN, MARGIN_SD * math.sqrt(var * k / sxx))
        oq, of = _order(W, qm), _order(W, fm)
        checks.append(f"{label}: order {oq:.2f} (quick) vs {of:.2f} (full) over n = {W}, margin {margin:.2f}")
        if abs(oq - of) > margin:
            failures.append(f"{label}: fitted order {oq:.2f} in quick mode, {of:.2f} in full mode over n = {W} "
                            f"(margin {margin:.2f})")
        if abs(of) > margin and np.sign(oq) != np.sign(of):
            failures.append(f"{label}: the error {'falls' if of > 0 else 'rises'} with n in full mode "
                            f"(order {of:.2f}) but not in quick mode (order {oq:.2f})")
        levels[label] = (W, qm, fm, var, k)
    for a, b in combinations(levels, 2):
        Wa, qa, fa, va, ka = levels[a]
        Wb, qb, fb, vb, kb = levels[b]
        W = [n for n in Wa if n in Wb]
        if len(W) < 2:
            continue
        ia, ib = [Wa.index(n) for n in W], [Wb.index(n) for n in W]
        dq = qa[ia].mean() - qb[ib].mean()
        df = fa[ia].mean() - fb[ib].mean()
        sd = math.sqrt((va * ka + vb * kb) / len(W))
        if abs(df) > MARGIN_SD * sd:
            checks.append(f"{a} {'above' if df > 0 else 'below'} {b} in full mode (log gap {df:.2f}, sd {sd:.2f})")
            if np.sign(dq) != np.sign(df):
                failures.append(f"ordering: {a} is {'above' if df > 0 else 'below'} {b} in full mode (mean log "
                                f"gap {df:.2f} over n = {W}) but not in quick mode (gap {dq:.2f})")
    return failures, checks, skipped


def _load(folder, name):
    path = os.path.join(folder, f"{name}.json")
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


@pytest.mark.parametrize("name", RATE_FIGURES)
def test_quick_figure_keeps_the_full_mode_trends(name):
    full = _load(FULL_DIR, name)
    if full is None:
        pytest.skip(f"{name}: figures/full/{name}.json is not committed yet (the full-mode run of {name} is "
                    "still to come), so quick mode cannot be compared with it")
    quick = _load(QUICK_DIR, name)
    assert quick is not None, f"figures/{name}.json (quick mode) is missing"
    assert quick["mode"] == "quick" and full["mode"] == "full"
    failures, checks, skipped = compare_trends(quick, full)
    if not checks and skipped:
        pytest.skip(f"{name}: " + "; ".join(skipped))
    assert not failures, f"{name}: quick mode contradicts full mode:\n" + "\n".join(failures)
    assert checks


def _doctored(full, factor):
    """A fake quick JSON: the first 2 full-mode runs, each multiplied by factor(n)."""
    q = json.loads(json.dumps(full))
    q["mode"] = "quick"
    for s in q["series"].values():
        s["seeds"] = s["seeds"][:2]
        s["linf_runs"] = [[v * factor(n) for v in runs[:2]] for n, runs in zip(s["widths"], s["linf_runs"])]
    return q


def test_the_comparison_catches_contradictions():
    """The comparison must fail on a quick figure whose errors rise with n, or whose orders are flattened
    the way the old compressed-schedule quick mode flattened them."""
    full = _load(FULL_DIR, "fig2a")
    if full is None:
        pytest.skip("figures/full/fig2a.json is not committed")
    same, checks, _ = compare_trends(_doctored(full, lambda n: 1.0), full)
    assert not same and checks
    rising, _, _ = compare_trends(_doctored(full, lambda n: n ** 1.0), full)
    assert any("not in quick mode" in f for f in rising)
    flat, _, _ = compare_trends(_doctored(full, lambda n: n ** 0.35), full)
    assert any("fitted order" in f for f in flat)
    swapped = json.loads(json.dumps(full))
    series = swapped["series"]
    series["Pairwise"]["linf_runs"], series["Random"]["linf_runs"] = (series["Random"]["linf_runs"],
                                                                      series["Pairwise"]["linf_runs"])
    swapped["mode"] = "quick"
    order_fail, _, _ = compare_trends(swapped, full)
    assert any(f.startswith("ordering:") for f in order_fail)
