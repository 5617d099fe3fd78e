r"""Width versus tolerance: the hidden width 2n each construction uses, next to the width its proof
predicts, as ε decreases (Theorems 1, 2, 3), with log–log slopes.

For each ε the constructions are run (not certified: this is a table of widths, the certificate is
``proofkit construct``/``verify``): Theorem 1 (:func:`~proofkit.construct.theorem1.construct_theorem1`;
predicted width: the worst-case unused-slope bound :math:`L\ge2\gamma`), Theorem 2
(:func:`~proofkit.construct.theorem2.construct_theorem2`; predicted :math:`2n\approx24(b-a)L_f^3/(\rho^3H^2)`
from the window condition), Theorem 3 (:func:`~proofkit.construct.theorem3.plan_theorem3`: n from the exact
coverage probability ≥ 0.9; predicted: the paper's route with the gap event of Lemma 2). Theorem 2 is
stopped once its cumulative time exceeds a budget (its width grows like :math:`\varepsilon^{-2}`, its cost
with it). The fitted slope is the least-squares slope of :math:`\log(\text{width})` against
:math:`\log\varepsilon` (so −2 means width ∝ ε⁻²).
"""
from __future__ import annotations

import json
import math
import os
import time

import numpy as np

from ._io import atomic_write_bytes

__all__ = ["width_table", "fit_slope", "plot_widths", "write_widths", "markdown_table"]


def fit_slope(eps, widths) -> float | None:
    """Least-squares slope of log(width) against log(eps) over the finite entries (None if < 2)."""
    e = np.asarray(eps, float)
    w = np.asarray(widths, float)
    ok = np.isfinite(w) & (w > 0) & np.isfinite(e) & (e > 0)
    if ok.sum() < 2:
        return None
    return float(np.polyfit(np.log(e[ok]), np.log(w[ok]), 1)[0])


def width_table(target, eps_list, domain=(0.0, 1.0), *, theorems=("1", "2", "3"), t2_seconds=60.0, seed=0,
                progress=None) -> dict:
    """Rows {theorem, eps, n, width_used, width_bound, budget, seconds, status} for every ε and theorem,
    and the fitted slopes per theorem (used and bound). ``progress(row)`` is called after each row."""
    from .construct.theorem1 import construct_theorem1
    from .construct.theorem2 import construct_theorem2
    from .construct.theorem3 import plan_theorem3
    from .errors import ProofkitError

    eps_list = sorted({float(e) for e in eps_list}, reverse=True)
    rows = []
    t2_spent = 0.0
    for th in theorems:
        th = str(th)
        for eps in eps_list:
            row = {"theorem": th, "eps": eps, "n": None, "width_used": None, "width_bound": None,
                   "budget": None, "seconds": None, "status": "ok"}
            if th == "2" and t2_spent > t2_seconds:
                row["status"] = f"skipped (Theorem 2 time budget {t2_seconds:g} s used)"
                rows.append(row)
                if progress:
                    progress(row)
                continue
            t0 = time.perf_counter()
            try:
                if th == "1":
                    c = construct_theorem1(target, eps, domain)
                    row.update(n=c.params.get("n"), width_used=c.width_used, width_bound=c.width_bound,
                               budget=c.budget.total)
                elif th == "2":
                    c = construct_theorem2(target, eps, domain)
                    row.update(n=c.params["n"], width_used=c.width_used, width_bound=c.width_bound,
                               budget=c.budget.total)
                elif th == "3":
                    p = plan_theorem3(target, eps, domain)
                    row.update(n=p.n, width_used=2 * p.n, width_bound=2 * p.n_paper, budget=None,
                               status="ok (plan: n from the coverage probability >= 0.9)")
                else:
                    raise ValueError(f"unknown theorem {th}")
            except ProofkitError as exc:
                row["status"] = f"failed: {str(exc).splitlines()[0]}"
            row["seconds"] = time.perf_counter() - t0
            if th == "2":
                t2_spent += row["seconds"]
            rows.append(row)
            if progress:
                progress(row)
    slopes = {}
    for th in theorems:
        r = [x for x in rows if x["theorem"] == str(th) and x["width_used"]]
        slopes[str(th)] = {"used": fit_slope([x["eps"] for x in r], [x["width_used"] for x in r]),
                           "bound": fit_slope([x["eps"] for x in r], [x["width_bound"] or math.nan for x in r])}
    return {"target": getattr(target, "text", str(target)), "domain": [float(domain[0]), float(domain[1])],
            "rows": rows, "slopes": slopes}


def markdown_table(table: dict) -> str:
    """The table in markdown."""
    lines = [f"Hidden width vs eps for {table['target']} on [{table['domain'][0]:g}, {table['domain'][1]:g}]", "",
             "| theorem | eps | n | width used | width predicted | budget | seconds | status |",
             "|---|---|---|---|---|---|---|---|"]
    fmt = lambda v, f: "" if v is None else format(v, f)  # noqa: E731
    for r in table["rows"]:
        lines.append(f"| {r['theorem']} | {r['eps']:g} | {fmt(r['n'], 'd')} | {fmt(r['width_used'], 'd')} | "
                     f"{fmt(r['width_bound'], '.3g')} | {fmt(r['budget'], '.3g')} | {fmt(r['seconds'], '.1f')} | "
                     f"{r['status']} |")
    lines.append("")
    for th, s in table["slopes"].items():
        u = "n/a" if s["used"] is None else f"{s['used']:.2f}"
        b = "n/a" if s["bound"] is None else f"{s['bound']:.2f}"
        lines.append(f"- Theorem {th}: fitted slope d log(width)/d log(eps) = {u} (used), {b} (predicted)")
    return "\n".join(lines) + "\n"


def plot_widths(table: dict, path: str) -> None:
    """Log-log plot of width vs eps (used: solid with markers, predicted: dashed), slopes in the legend."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    colours = {"1": "tab:blue", "2": "tab:red", "3": "tab:green"}
    fig, ax = plt.subplots(figsize=(8, 6))
    for th in sorted({r["theorem"] for r in table["rows"]}):
        r = [x for x in table["rows"] if x["theorem"] == th and x["width_used"]]
        if not r:
            continue
        e = [x["eps"] for x in r]
        s = table["slopes"][th]
        lab = f"Theorem {th}, used" + ("" if s["used"] is None else f" (slope {s['used']:.2f})")
        ax.loglog(e, [x["width_used"] for x in r], "o-", color=colours.get(th), lw=2, ms=7, label=lab)
        wb = [x["width_bound"] for x in r]
        if any(v is not None and np.isfinite(v) for v in wb):
            lab = f"Theorem {th}, predicted" + ("" if s["bound"] is None else f" (slope {s['bound']:.2f})")
            ax.loglog(e, [v if v is not None else np.nan for v in wb], "s--", color=colours.get(th), lw=1.5,
                      ms=5, alpha=0.7, label=lab)
    ax.set_xlabel(r"tolerance $\varepsilon$", fontsize=16)
    ax.set_ylabel("hidden width $2n$", fontsize=16)
    ax.set_title(f"Width vs tolerance: {table['target']}", fontsize=15)
    ax.tick_params(labelsize=13)
    ax.invert_xaxis()
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=11, loc="upper left")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def write_widths(table: dict, outdir: str = "figures", stem: str = "widths") -> dict:
    """Write ``<stem>.json``, ``<stem>.md`` and ``<stem>.png`` into ``outdir``; returns the paths."""
    os.makedirs(outdir, exist_ok=True)
    paths = {k: os.path.join(outdir, f"{stem}.{k}") for k in ("json", "md", "png")}
    atomic_write_bytes(paths["json"], (json.dumps(table, indent=1) + "\n").encode())
    with open(paths["md"], "w") as fh:
        fh.write(markdown_table(table))
    plot_widths(table, paths["png"])
    return paths


if __name__ == "__main__":  # pragma: no cover
    print(json.dumps(fit_slope([0.1, 0.01], [100, 10000])))
