r"""``figures/REPORT.md``: our numbers next to the paper's, one table per figure.

Built only from the figure JSON files in the output folder (and ``certificates.json`` when
``proofkit reproduce`` wrote one), so it always describes the files that are there. For every rate figure
and width n: our geometric mean of :math:`L^\infty` over the runs [min, max], the paper's geometric mean
[min, max], the ratio ours/paper, and whether our geometric mean lies inside the paper's min–max range
("yes"/"no"; "–" where the paper publishes no range). Differences are reported, not tuned away.
"""
from __future__ import annotations

import json
import os

from .._io import atomic_write_bytes

__all__ = ["write_report", "render_report", "FIGURE_ORDER"]

FIGURE_ORDER = ("fig1", "fig2a", "fig2b", "fig3", "fig4", "fig5", "fig6", "fig7", "fig8")


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


def _rate_section(d) -> list:
    lines = [f"## {d['figure']}: {d.get('title', '')}".rstrip(), ""]
    p = {**d["protocol"], **d["protocol"].get("mode_overrides", {})}
    lines.append(f"Mode **{d['mode']}**: {len(p['seeds'])} run(s) per point (seeds {', '.join(map(str, p['seeds']))}), "
                 f"{p['epochs']} epochs (paper: {p['paper_epochs']}), lr decay {p['lr_decay_per_epoch']:.6g} per "
                 f"epoch, batch {p.get('batch')}, k = {p.get('k', 'per series')}"
                 + (f", {p['n_train']} training points" if "n_train" in p else "") + ".")
    lines.append("")
    for label, s in d["series"].items():
        pap = s.get("paper")
        order = s.get("fitted_order")
        porder = pap.get("fitted_order") if pap else None
        head = f"**{label}** — fitted order (least squares, log–log): ours {_g(order, 2)}"
        head += f", paper {_g(porder, 2)}" if porder is not None else ""
        if pap and pap.get("approximate"):
            head += " (paper values approximate read-offs)"
        lines += [head, "", "| n | ours: gmean [min, max] | paper: gmean [min, max] | ours/paper | inside paper's range |",
                  "|---|---|---|---|---|"]
        for i, n in enumerate(s["widths"]):
            ours = f"{_g(s['gmean'][i])} [{_g(s['min'][i], 2)}, {_g(s['max'][i], 2)}]"
            if pap and pap["gmean"][i] is not None:
                rng = (f" [{_g(pap['min'][i], 2)}, {_g(pap['max'][i], 2)}]"
                       if pap["min"][i] is not None else "")
                paper = f"{_g(pap['gmean'][i])}{rng}"
                ratio = _g(pap["ratio"][i], 2)
                inside = _g(pap["inside_range"][i])
            else:
                paper, ratio, inside = "–", "–", "–"
            lines.append(f"| {n} | {ours} | {paper} | {ratio} | {inside} |")
        lines.append("")
    if d.get("reference_line"):
        r = d["reference_line"]
        lines.append(f"Reference line \"{r['label']}\" drawn at its nominal slope {r['drawn_slope']:.3g} from "
                     f"{tuple(r['start'])} (the published figure's line has slope {r['published_drawn_slope']:.3g}).")
        lines.append("")
    for note in d.get("notes", []):
        lines += [f"Note: {note}", ""]
    return lines


def _fig1_section(d) -> list:
    lines = ["## fig1: the constructions (no training)", ""]
    sb, cb, lr = d["step_block"], d["constant_block"], d["linear_reorganisation"]
    lines.append(f"- Step block on biases {', '.join(sb['biases'])}: height h = {sb['height']} (= 2D^2), "
                 f"step at s = {sb['step_location']}; sampled sup error against the ideal step "
                 f"{sb['sampled_sup_error_vs_step']:.4g} (h/2 = {float(eval_fraction(sb['height'])) / 2:.4g}); "
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
                     f"{t1['sampled_sup_error']:.4g}, certified upper bound "
                     f"{_g(t1.get('certified_upper'), 4)} ({cert}); permutation check "
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
    lines += ["| theorem | target | domain | eps | n | certified upper bound U | certified | seconds |",
              "|---|---|---|---|---|---|---|---|"]
    for r in cert.get("rows", []):
        if r.get("skipped"):
            lines.append(f"| {r['theorem']} | `{r['target']}` | {r['domain']} | {r['eps']} | – | – | "
                         f"skipped: {r['skipped']} | {_g(r.get('seconds'), 3)} |")
        elif r.get("error"):
            lines.append(f"| {r['theorem']} | `{r['target']}` | {r['domain']} | {r['eps']} | – | – | "
                         f"error: {r['error']} | {_g(r.get('seconds'), 3)} |")
        else:
            seed = (f" (seed {r['seed']}; seeds {r['failed_draws']}: empty interval)" if r.get("failed_draws")
                    else (f" (seed {r['seed']})" if r.get("seed") is not None else ""))
            lines.append(f"| {r['theorem']} | `{r['target']}` | {r['domain']} | {r['eps']} | {r['n']} | "
                         f"{r['upper']:.4g} | {'yes' if r['certified'] else 'NO'}{seed} | {r['seconds']:.3g} |")
    for note in cert.get("notes", []):
        lines += ["", f"Note: {note}"]
    lines.append("")
    return lines


def render_report(out_dir) -> str:
    """The Markdown text of REPORT.md for the figure JSON files in ``out_dir``."""
    out_dir = os.fspath(out_dir)
    figs = _load(out_dir)
    lines = ["# proofkit: the paper's figures, regenerated", "",
             "Cai, Chen, Qiao, *Neural Networks Trained by Weight Permutation are Universal Approximators* "
             "(Neural Networks 187, 2025; arXiv 2407.01033). Generated by `proofkit figures` / "
             "`proofkit reproduce` from the JSON files next to this report; every number below is read "
             "from them.", "",
             "How to read the tables: \"ours\" is the geometric mean of the test L_inf error over our runs "
             "[min, max]; \"paper\" the published values (PAPER.md §5); the last column says whether our "
             "geometric mean lies inside the paper's min–max range (only Figs. 2 and 3 publish ranges). "
             "Nothing was tuned to the published numbers: the protocol is the paper's (in quick mode with "
             "fewer seeds and a compressed learning-rate schedule, as stated per figure), and the runs use "
             "numpy random streams, not the authors' torch streams, so individual runs differ.", "",
             "Reference lines are drawn at their **nominal** order (slope -1/2 for \"1/2 order\", etc.). The "
             "published figures drop their lines by 2^(N_w r) over N_w - 1 doublings of n, so the published "
             "\"1/2 order\" line over 8 widths has slope 4/7 ≈ 0.571 (and the 2-D/3-D lines 0.3 and 0.2); "
             "proofkit does not copy that slip (PAPER.md §5.0).", ""]
    cert_path = os.path.join(out_dir, "certificates.json")
    if os.path.exists(cert_path):
        with open(cert_path, encoding="utf-8") as fh:
            lines += _cert_section(json.load(fh))
    modes = sorted({d["mode"] for d in figs.values()})
    lines += [f"Figures present: {', '.join(figs) or 'none'}; modes: {', '.join(modes) or '–'}.", ""]
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
