r"""``figures/REPORT.md``: our numbers next to the paper's, one table per figure.

Built only from the figure JSON files in the output folder (and ``certificates.json`` when
``proofkit reproduce`` wrote one), so it always describes the files that are there, and it holds no wall
times (those go to ``timings.json``), so the same files give the same bytes. For every rate figure:

* the count of our geometric means inside the paper's published min–max ranges (Figs. 2 and 3 publish
  ranges), and the fitted orders, ours and the paper's, over the same widths;
* per width n: our geometric mean of :math:`L^\infty` over the runs [min, max], the paper's geometric mean
  [min, max], the ratio ours/paper, and whether our geometric mean lies inside the paper's range;
* for Figs. 3 and 4, when the certified error floor of the fixed directions is known: how far each
  published and each of our points lies above it, and where our runs come within 10 % of it.

Ranges are printed outward (:func:`format_range`): the minimum rounded down, the maximum up and the mean to
nearest but clamped into the printed range, so a printed mean never lies outside its own printed range.
Differences from the paper are reported, not tuned away.
"""
from __future__ import annotations

import json
import os
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, Decimal

from .._io import atomic_write_bytes
from ..fmt import fmt_lower, fmt_upper  # printed bounds rounded outward at the digits shown

__all__ = ["write_report", "render_report", "FIGURE_ORDER", "round_sig", "format_range", "FLOOR_CLOSE"]

FIGURE_ORDER = ("fig1", "fig2a", "fig2b", "fig3", "fig4", "fig5", "fig6", "fig7", "fig8")
FLOOR_CLOSE = 1.10  # "within 10 % of the floor": geometric mean <= 1.1 x the certified lower bound
_ROUNDING = {"nearest": ROUND_HALF_EVEN, "down": ROUND_FLOOR, "up": ROUND_CEILING}


def round_sig(x, digits: int, mode: str = "nearest") -> Decimal:
    """``x`` rounded to ``digits`` significant decimal digits, ``mode`` ``nearest``, ``down`` (towards
    -inf) or ``up`` (towards +inf), exactly in decimal (from the shortest repr of the float)."""
    d = Decimal(repr(float(x)))
    if d == 0:
        return d
    q = Decimal(1).scaleb(d.adjusted() - digits + 1)
    return d.quantize(q, rounding=_ROUNDING[mode])


def _dec(d: Decimal) -> str:
    """A rounded Decimal in plain notation without trailing zeros (0.12, 1.4, 10, 0.00479)."""
    text = format(d.normalize(), "f")
    return "0" if text in ("-0", "") else text


def format_range(mean, lo, hi, mean_digits: int = 3, range_digits: int = 3) -> str:
    """``"mean [lo, hi]"`` printed outward: lo rounded down and hi rounded up to ``range_digits``
    significant digits, the mean rounded to nearest at ``mean_digits`` and clamped into [lo', hi'] (so
    lo' <= mean' <= hi' holds for the printed numbers whenever lo <= mean <= hi)."""
    a = round_sig(lo, range_digits, "down")
    b = round_sig(hi, range_digits, "up")
    m = min(max(round_sig(mean, mean_digits, "nearest"), a), b)
    return f"{_dec(m)} [{_dec(a)}, {_dec(b)}]"


def _g(v, digits=3):
    if v is None:
        return "–"
    if isinstance(v, bool):
        return "yes" if v else "no"
    return f"{v:.{digits}g}"


def _load(out_dir):
    figs = {}
    for name in FIGURE_ORDER:
        path = os.path.join(out_dir, f"{name}.json")
        if os.path.exists(path):
            with open(path, encoding="utf-8") as fh:
                figs[name] = json.load(fh)
    return figs


def _widths_text(widths) -> str:
    w = list(widths)
    return ", ".join(map(str, w)) if len(w) <= 3 else f"{w[0]}–{w[-1]}, {len(w)} widths"


def range_counts(d) -> tuple:
    """(inside, checkable, per-series text) over the points where the paper publishes a range."""
    inside = total = 0
    parts = []
    for label, s in d["series"].items():
        flags = [f for f in ((s.get("paper") or {}).get("inside_range") or []) if f is not None]
        if flags:
            inside += sum(flags)
            total += len(flags)
            parts.append(f"{label} {sum(flags)}/{len(flags)}")
    return inside, total, ", ".join(parts)


def _orders_line(d) -> list:
    out = []
    for label, s in d["series"].items():
        pap = s.get("paper")
        if pap and pap.get("fitted_order") is not None:
            out.append(f"{label} {_g(pap['fitted_order_ours'], 2)} vs {_g(pap['fitted_order'], 2)} "
                       f"(n = {_widths_text(pap['common_widths'])})")
        elif s.get("fitted_order") is not None:
            out.append(f"{label} {_g(s['fitted_order'], 2)} (no published values)")
    return out


def _floor_lines(d) -> list:
    fl = d.get("floor")
    if not fl:
        return []
    lb, best = fl["lower_bound"], fl["best_fit_error"]
    lines = [f"**Certified error floor** (`{fl['source']}`): every network with this figure's fixed "
             f"directions, of any width, has L_inf ≥ {_dec(round_sig(lb, 3, 'down'))} (certified, rounded "
             f"down); the best fit found has L_inf = {_dec(round_sig(best, 3, 'nearest'))} (achievable, "
             "not certified). Ratios to the certified bound (1 = on the floor):", ""]
    lines += ["| series | n | ours / floor | paper / floor |", "|---|---|---|---|"]
    close = []
    for label, s in d["series"].items():
        pap = s.get("paper") or {}
        for i, n in enumerate(s["widths"]):
            ours = s["gmean"][i] / lb if lb > 0 else None
            pg = (pap.get("gmean") or [None] * len(s["widths"]))[i]
            lines.append(f"| {label} | {n} | {_g(ours)} | {_g(pg / lb if pg is not None and lb > 0 else None)} |")
            if lb > 0 and s["gmean"][i] <= FLOOR_CLOSE * lb:
                close.append(f"{label} n = {n}")
    lines += ["", "Our runs within 10 % of the certified floor (geometric mean ≤ 1.1 × bound): "
              + (", ".join(close) if close else "none") + ".", ""]
    return lines


def _rate_section(d) -> list:
    lines = [f"## {d['figure']}: {d.get('title', '')}".rstrip(), ""]
    p = d["protocol"]
    seeds = p["seeds"]
    lines.append(f"Mode **{d['mode']}**: {len(seeds)} run(s) per point"
                 + (f" (seeds {', '.join(map(str, seeds))})" if seeds else "")
                 + f", widths n = {', '.join(map(str, p['widths'])) or '–'}, {p['epochs']} epochs "
                 f"(paper: {p['paper_epochs']}), lr decay {p['lr_decay_per_epoch']:.6g} per epoch, "
                 f"batch {p.get('batch')}, k = {p.get('k', 'per series')}.")
    if d.get("omits"):
        widths_kept = not any(o.startswith("widths") for o in d["omits"])
        lines += ["", "Quick mode omits: " + "; ".join(d["omits"]) + ". It keeps the paper's schedule, k, batch "
                  f"size{', training set and every width' if widths_kept else ' and training set'}: every quick "
                  "run is a run of the full sweep."]
    lines.append("")
    inside, total, per = range_counts(d)
    if total:
        below = above = 0
        for s in d["series"].values():
            pap = s.get("paper") or {}
            for g, lo, hi in zip(s["gmean"], pap.get("min") or [], pap.get("max") or []):
                below += lo is not None and g < lo
                above += hi is not None and g > hi
        outside = f"; outside: {below} below the published minimum, {above} above the maximum" if below + above else ""
        lines.append(f"**Inside the published min–max ranges: {inside} of {total}** geometric means ({per}{outside}).")
    else:
        lines.append("The paper publishes no min–max ranges for this figure (geometric means only).")
    orders = _orders_line(d)
    if orders:
        lines.append("**Fitted orders, ours vs the paper's over the same widths:** " + "; ".join(orders) + ".")
    lines.append("")
    for label, s in d["series"].items():
        pap = s.get("paper")
        head = f"**{label}** — fitted order (least squares, log–log) over our widths: {_g(s.get('fitted_order'), 2)}"
        if pap and pap.get("fitted_order_all_widths") is not None:
            head += f"; the paper's over all its widths: {_g(pap['fitted_order_all_widths'], 2)}"
        if pap and pap.get("approximate"):
            head += " (paper values approximate read-offs)"
        if not s["widths"]:
            lines += [head + ". No runs in this mode.", ""]
            continue
        lines += [head, "", "| n | ours: gmean [min, max] | paper: gmean [min, max] | ours/paper | inside paper's range |",
                  "|---|---|---|---|---|"]
        for i, n in enumerate(s["widths"]):
            if len(s["linf_runs"][i]) == 1:  # one run: its error, no range
                ours = _dec(round_sig(s["gmean"][i], 3))
            else:
                ours = format_range(s["gmean"][i], s["min"][i], s["max"][i])
            if pap and pap["gmean"][i] is not None:
                if pap["min"][i] is not None:
                    paper = format_range(pap["gmean"][i], pap["min"][i], pap["max"][i])
                else:
                    paper = _dec(round_sig(pap["gmean"][i], 3))
                ratio = _g(pap["ratio"][i], 2)
                inside_flag = _g(pap["inside_range"][i])
            else:
                paper, ratio, inside_flag = "–", "–", "–"
            lines.append(f"| {n} | {ours} | {paper} | {ratio} | {inside_flag} |")
        lines.append("")
    lines += _floor_lines(d)
    if d.get("reference_line"):
        r = d["reference_line"]
        lines.append(f"Reference line \"{r['label']}\" drawn at its nominal slope {r['drawn_slope']:.3g} from "
                     f"{tuple(r['start'])} (the published figure's line has slope {r['published_drawn_slope']:.3g}).")
        lines.append("")
    if d.get("departures"):
        lines += ["**Departures from the authors' script, and why:**", ""]
        lines += [f"- {x}" for x in d["departures"]] + [""]
    for note in d.get("notes", []):
        lines += [f"Note: {note}", ""]
    return lines


def _fig1_section(d) -> list:
    lines = ["## fig1: the constructions (no training)", ""]
    sb, cb, lr = d["step_block"], d["constant_block"], d["linear_reorganisation"]
    lines.append(f"- Step block on biases {', '.join(sb['biases'])}: height h = {sb['height']} (= 2D^2), "
                 f"step at s = {sb['step_location']}; sampled sup error against the ideal step "
                 f"{fmt_lower(sb['sampled_sup_error_vs_step'], 4)} (h/2 = {float(eval_fraction(sb['height'])) / 2:.4g}); "
                 f"permutation check {'passed' if sb['permutation_ok'] else 'FAILED'}.")
    lines.append(f"- Constant-matching block: constant {cb['constant']} (= 4D^2), slope {cb['slope']}; "
                 f"permutation check {'passed' if cb['permutation_ok'] else 'FAILED'}.")
    lines.append(f"- Linear reorganisation of {lr['pairs']} pairs: slope {lr['slope']} with Lemma-2 signs "
                 f"(largest gap {lr['max_gap']}), {lr['slope_all_plus']} with all signs +1.")
    t1 = d.get("theorem1")
    if t1 is None:
        lines.append("- Theorem-1 panel: proofkit.construct.theorem1 not available when the figure was made.")
    else:
        cert = ("not certified" if t1.get("certified") is False else
                "certified" if t1.get("certified") else "no certificate")
        lines.append(f"- Theorem-1 network for {t1['target']} with eps = {t1['eps']}: sampled sup error "
                     f"{fmt_lower(t1['sampled_sup_error'], 4)}, certified upper bound "
                     f"{_g(t1.get('certified_upper')) if t1.get('certified_upper') is None else fmt_upper(t1['certified_upper'], 4)}"
                     f" ({cert}); permutation check "
                     f"{'passed' if t1['permutation_ok'] else 'FAILED'}.")
    lines.append("")
    return lines


def eval_fraction(text):
    """A Fraction from its string form ("p/q")."""
    from fractions import Fraction

    return Fraction(text)


def _fig6_section(d) -> list:
    lines = ["## fig6: permutation behaviour (one run, n = 640)", ""]
    p = d["protocol"]
    lines.append(f"Mode **{d['mode']}** (the paper's protocol: {p['epochs']} epochs, batch {p['batch']}, k = {p['k']}, "
                 f"seed {p['seed']}), initialisation `{p['init']}`"
                 + (", sorted start as in the paper" if d.get("sorted_start") else
                    " — the paper starts from the *sorted* pool; this run's initial positions are shuffled") + ".")
    lines.append(f"{d['permutations']} permutation steps; final test MSE {d['final_test_mse']:.3g} "
                 f"(paper {d['paper_final_test_mse']:.3g}), final test L_inf {d['final_test_linf']:.3g}.")
    lines += ["", "| iterations | ours: mean frequency | paper |", "|---|---|---|"]
    for ours, pap in zip(d["window_means"], d["paper_window_means"]):
        lines.append(f"| {ours['from']}–{ours['to']} | {_g(ours['mean'])} | {_g(pap['mean'])} |")
    lines += ["", "First 20 frequencies, ours: " + ", ".join(map(str, d["counts_first_60"][:20])),
              "", "First 20 frequencies, paper: " + ", ".join(map(str, d["paper_counts_first_60"][:20])), ""]
    return lines


def _cert_section(cert) -> list:
    lines = ["## Certification of the theorems on the standard targets", ""]
    lines += ["| theorem | target | domain | eps | n | certified upper bound U | certified |",
              "|---|---|---|---|---|---|---|"]
    for r in cert.get("rows", []):
        if r.get("skipped"):
            lines.append(f"| {r['theorem']} | `{r['target']}` | {r['domain']} | {r['eps']} | – | – | "
                         f"skipped: {r['skipped']} |")
        elif r.get("error"):
            lines.append(f"| {r['theorem']} | `{r['target']}` | {r['domain']} | {r['eps']} | – | – | "
                         f"error: {r['error']} |")
        else:
            seed = (f" (seed {r['seed']}; seeds {r['failed_draws']}: empty interval)" if r.get("failed_draws")
                    else (f" (seed {r['seed']})" if r.get("seed") is not None else ""))
            lines.append(f"| {r['theorem']} | `{r['target']}` | {r['domain']} | {r['eps']} | {r['n']} | "
                         f"{fmt_upper(r['upper'], 4)} | {'yes' if r['certified'] else 'NO'}{seed} |")
    for note in cert.get("notes", []):
        lines += ["", f"Note: {note}"]
    lines.append("")
    return lines


def _summary_table(figs) -> list:
    rows = []
    for name, d in figs.items():
        if not isinstance(d.get("series"), dict):
            continue
        inside, total, _ = range_counts(d)
        orders = "; ".join(_orders_line(d)) or "–"
        rows.append(f"| {name} | {d['mode']} | {f'{inside} of {total}' if total else 'no published ranges'} | "
                    f"{orders} |")
    if not rows:
        return []
    return ["## Summary", "",
            "| figure | mode | our geometric means inside the published ranges | fitted order, ours vs paper "
            "(same widths) |", "|---|---|---|---|"] + rows + [""]


def render_report(out_dir) -> str:
    """The Markdown text of REPORT.md for the figure JSON files in ``out_dir``."""
    out_dir = os.fspath(out_dir)
    figs = _load(out_dir)
    modes = sorted({d["mode"] for d in figs.values()})
    lines = ["# proofkit: the paper's figures, regenerated", "",
             "Cai, Chen, Qiao, *Neural Networks Trained by Weight Permutation are Universal Approximators* "
             "(Neural Networks 187, 2025; arXiv 2407.01033). Generated by `proofkit figures` / "
             "`proofkit reproduce` from the JSON files next to this report; every number below is read "
             "from them.", "",
             "How to read the tables: \"ours\" is the geometric mean of the test L_inf error over our runs "
             "[min, max]; \"paper\" the published values (the paper's Figs. 2–8; Fig. 4's are approximate "
             "read-offs of the plot); the last column says whether our geometric mean lies inside the "
             "paper's min–max range (only Figs. 2 and 3 publish ranges). Ranges are printed outward (minimum "
             "rounded down, maximum up). Nothing was tuned to the published numbers: the protocol is the "
             "paper's (quick mode runs it on fewer seeds, as stated per figure), and the runs use "
             "numpy random streams, not the authors' torch streams, so individual runs differ.", "",
             "Reference lines are drawn at their **nominal** order (slope -1/2 for \"1/2 order\", etc.). The "
             "published figures drop their lines by 2^(N_w r) over N_w - 1 doublings of n, so the published "
             "\"1/2 order\" line over 8 widths has slope 4/7 ≈ 0.571 (and the 2-D/3-D lines 0.3 and 0.2); "
             "proofkit does not copy that slip.", ""]
    if "quick" in modes:
        lines += ["**Quick mode** runs the paper's protocol (6400 epochs, lr 1e-3 decayed by 0.998 per epoch, the "
                  "figure's k, batch size and training set) on the first 3 of the paper's 10 seeds (Figs. 4 and 6: "
                  "their one run per width) at every published width, so every quick run is also a run of the "
                  "full sweep; each figure says what it omits. "
                  "`proofkit figures --full` runs everything.", ""]
    cert_path = os.path.join(out_dir, "certificates.json")
    if os.path.exists(cert_path):
        with open(cert_path, encoding="utf-8") as fh:
            lines += _cert_section(json.load(fh))
    lines += [f"Figures present: {', '.join(figs) or 'none'}; modes: {', '.join(modes) or '–'}.", ""]
    lines += _summary_table(figs)
    for name, d in figs.items():
        if name == "fig1":
            lines += _fig1_section(d)
        elif name == "fig6":
            lines += _fig6_section(d)
        else:
            lines += _rate_section(d)
    return "\n".join(lines).rstrip() + "\n"


def write_report(out_dir) -> str:
    """Write ``out_dir/REPORT.md`` atomically; returns its path."""
    path = os.path.join(os.fspath(out_dir), "REPORT.md")
    atomic_write_bytes(path, render_report(out_dir).encode("utf-8"))
    return path
