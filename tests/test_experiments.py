"""Tests for proofkit.experiments: reference values, sweeps (resume!), figure specs, report, CLI."""
import json
import math
import os
from fractions import Fraction

import numpy as np
import pytest

from proofkit.errors import ProofkitError
from proofkit.experiments import FIGURES, figure_runs
from proofkit.experiments.reference import figure_reference, load_reference, published_series
from proofkit.experiments.runs import decode_events, train_config, train_run
from proofkit.experiments.spec import (PAPER_SEEDS, ModeSettings, RateFigure, Series, compare_with_paper,
                                       fitted_order)
from proofkit.experiments.sweep import SweepError, config_key, load_run, run_sweep

SHARED = "/work/shared/paper/reference_values.json"


# ---------------------------------------------------------------- reference values
def test_package_reference_is_the_shared_copy_with_a_source_note():
    ref = load_reference()
    assert "source" in ref and "reference_values.json" in ref["source"]
    if not os.path.exists(SHARED):
        pytest.skip("shared reference not present")
    shared = json.load(open(SHARED))
    assert {k: v for k, v in ref.items() if k != "source"} == shared


def test_published_series_and_unknown_names():
    s = published_series("fig2a", "Pairwise")
    assert s.widths == (10, 20, 40, 80, 160, 320, 640, 1280)
    assert s.at(1280) == (0.019, 0.013, 0.029)
    assert s.at(7) is None
    assert published_series("fig5", "Equidistant") is None  # not tabulated
    fig8 = published_series("fig8", "Equidistant")
    assert fig8.widths[-2:] == (640, 1280) and fig8.min is None
    assert published_series("fig4", "Equidistant").approximate
    with pytest.raises(ProofkitError):
        figure_reference("fig9")
    with pytest.raises(ProofkitError):
        published_series("fig2a", "Nope")


def test_compare_with_paper_ratio_and_range():
    cmp = compare_with_paper("fig2a", "Pairwise", [10, 1280, 3], [1.4, 0.05, 0.5])
    assert cmp["gmean"] == [1.05, 0.019, None]
    assert cmp["ratio"][0] == pytest.approx(1.4 / 1.05)
    assert cmp["inside_range"] == [True, False, None]  # 1.4 = max at n=10 (inclusive); 0.05 > 0.029
    assert compare_with_paper("fig2a", None, [10], [1.0]) is None


def test_fitted_order_of_a_power_law():
    w = [10, 20, 40, 80]
    assert fitted_order(w, [3 * n ** -0.5 for n in w]) == pytest.approx(0.5)
    assert fitted_order([10], [1.0]) is None


# ---------------------------------------------------------------- sweep: identity, persistence, resume
def test_config_key_is_canonical():
    a = {"x": 1, "y": [1, 2], "z": {"b": 1, "a": 2}}
    b = {"z": {"a": 2, "b": 1}, "y": [1, 2], "x": 1}
    assert config_key(a) == config_key(b)
    assert config_key(a) != config_key({**a, "x": 2})
    with pytest.raises(SweepError):
        config_key({"x": float("nan")})
    with pytest.raises(SweepError):
        config_key({"x": object()})


def _square(config):
    return {"value": config["i"] ** 2}


class _Interrupt(Exception):
    pass


def _mark_and_square(config):
    """Stand-in run function: leaves a marker file per call (counts calls across processes)."""
    with open(os.path.join(config["marks"], f"{config['i']}-{os.getpid()}-{np.random.random()}"), "w"):
        pass
    if config["i"] == config.get("fail_at"):
        raise _Interrupt("simulated interruption")
    return {"value": config["i"] ** 2}


def _calls(marks, i=None):
    names = os.listdir(marks)
    return len(names) if i is None else sum(1 for n in names if n.split("-")[0] == str(i))


@pytest.mark.parametrize("backend, jobs", [("sequential", 1), ("loky", 2)])
def test_interrupted_sweep_resumes_without_recomputing(tmp_path, backend, jobs):
    marks = tmp_path / "marks"
    marks.mkdir()
    results = tmp_path / "results"
    base = [{"i": i, "marks": str(marks)} for i in range(6)]
    first = [dict(c, fail_at=4) for c in base]
    # interruption in the middle: run 4 raises; everything finished before is on disk
    with pytest.raises(_Interrupt):
        run_sweep(first, _mark_and_square, results, n_jobs=jobs, backend=backend, progress=False)
    done = [c for c in first if load_run(results, c) is not None]
    assert first[4] not in done
    if backend == "sequential":
        assert [c["i"] for c in done] == [0, 1, 2, 3]
    n_calls = {c["i"]: _calls(marks, c["i"]) for c in first}
    # run again: only the unfinished runs are computed
    recs, stats = run_sweep(first[:4] + [dict(first[4], fail_at=None)] + first[5:], _mark_and_square, results,
                            n_jobs=jobs, backend=backend, progress=False)
    for c in done:
        assert _calls(marks, c["i"]) == n_calls[c["i"]], f"run {c['i']} was recomputed"
    assert stats.cached == len(done) and stats.computed == 6 - len(done)
    assert [r["result"]["value"] for r in recs] == [i * i for i in range(6)]
    # a finished sweep computes nothing
    before = _calls(marks)
    _, stats = run_sweep(first[:4] + [dict(first[4], fail_at=None)] + first[5:], _mark_and_square, results,
                         n_jobs=jobs, backend=backend, progress=False)
    assert stats.computed == 0 and _calls(marks) == before


def test_sweep_records_duplicates_and_damaged_files(tmp_path):
    cfgs = [{"i": 2}, {"i": 3}, {"i": 2}]
    recs, stats = run_sweep(cfgs, _square, tmp_path, backend="sequential", progress=False)
    assert stats.total == 2 and stats.computed == 2
    assert [r["result"]["value"] for r in recs] == [4, 9, 4]
    rec = json.load(open(tmp_path / f"{config_key({'i': 2})}.json"))
    assert rec["format"] == "proofkit.run/1" and rec["config"] == {"i": 2}
    # a damaged file counts as missing and is overwritten
    (tmp_path / f"{config_key({'i': 3})}.json").write_text("{not json")
    _, stats = run_sweep(cfgs, _square, tmp_path, backend="sequential", progress=False)
    assert stats.computed == 1 and load_run(tmp_path, {"i": 3})["result"] == {"value": 9}
    # a file whose stored configuration differs is not trusted
    path = tmp_path / f"{config_key({'i': 2})}.json"
    rec = json.load(open(path))
    rec["config"] = {"i": 5}
    path.write_text(json.dumps(rec))
    assert load_run(tmp_path, {"i": 2}) is None


def test_sweep_rejects_bad_parameters(tmp_path):
    with pytest.raises(SweepError):
        run_sweep([{"i": 1}], _square, tmp_path, backend="mpi")
    with pytest.raises(SweepError):
        run_sweep([{"i": 1}], _square, tmp_path, backend="loky", scheduler="tcp://x:1")
    with pytest.raises(SweepError):
        run_sweep([{"i": 1}], _square, tmp_path, n_jobs=0)


# ---------------------------------------------------------------- runs
def test_train_config_is_complete_and_validated():
    from proofkit.train import TrainConfig, TrainError

    c = train_config({"n": 10, "epochs": 3, "init": "Random 2", "domain": (-1, 1)})
    assert c["train"] == {"n": 10, "epochs": 3, "init": "random", "domain": [-1.0, 1.0]}  # normalised
    assert c["record"] == {}
    assert set(TrainConfig().to_dict()) >= set(c["train"])
    assert config_key(train_config({"n": 10, "init": "Random 1"})) == config_key(train_config({"n": 10, "init": "pairwise"}))
    assert train_config({"n": 10}, events=5)["train"]["log_events"] is True
    with pytest.raises(TrainError):
        train_config({"n": 0})


def test_revised_problems_get_new_cache_keys(monkeypatch):
    from proofkit.train import problem

    one = train_config({"n": 10, "init": "pairwise"})
    assert "problem_revision" not in one  # 1-D is at its first revision: keys of stored runs unchanged
    three = train_config({"n": 4, "dim": 3, "init": "equidistant"})
    assert three["problem_revision"] == problem.PROBLEM_REVISION[3] >= 2  # directions divided by sqrt(3)
    monkeypatch.setitem(problem.PROBLEM_REVISION, 1, 2)
    bumped = train_config({"n": 10, "init": "pairwise"})
    assert bumped["problem_revision"] == 2 and config_key(bumped) != config_key(one)


def test_train_run_is_a_real_training_run():
    from proofkit.train import TrainConfig, run

    cfg = train_config({"n": 10, "epochs": 8, "init": "pairwise"}, predictions=40, events=3)
    out = train_run(cfg)
    direct = run(TrainConfig(n=10, epochs=8, init="pairwise", log_events=True))
    assert out["linf"] == direct.linf and out["mse"] == direct.mse
    p = out["predictions"]
    assert len(p["x"]) == 10 and len(p["pred"]) == 10  # 400 test points, every 40th
    err = np.max(np.abs(np.asarray(p["pred"]) - np.asarray(p["target"])))
    assert err <= out["linf"] + 1e-12
    ev = out["events"]
    assert ev["count"] == [int(c) for c in direct.log.count]
    ch = decode_events(ev)
    assert ch.shape == (min(3, len(ev["count"])), 20)
    assert ch.sum(axis=1).tolist() == ev["count"][:ch.shape[0]]
    assert ev["initial_values"] == sorted(ev["initial_values"])
    json.dumps(out)  # plain JSON


# ---------------------------------------------------------------- figure specs
def _fake_linf(config):
    t = config["train"]
    return 2.0 * t["n"] ** -0.5 * (1.1 if t["seed"] % 2 else 0.9)


def _fake_run(config):
    out = {"linf": _fake_linf(config), "mse": 0.0, "train_seconds": 0.0}
    if config["record"].get("predictions"):
        x = np.linspace(-1, 1, 400)[::config["record"]["predictions"]]
        out["predictions"] = {"x": x.reshape(-1, 1).tolist(), "target": (-np.sin(2 * np.pi * x)).tolist(),
                              "pred": (-np.sin(2 * np.pi * x)).tolist()}
    return out


def _tiny_figure():
    from proofkit.experiments.fig2 import BASE_1D

    return RateFigure(
        name="fig2a", title="tiny", base={**BASE_1D, "target": "-sin(2*pi*x)"},
        series=(Series("Pairwise", {"init": "pairwise"}, "C1", ref="Pairwise"),
                Series("Other", {"init": "random5"}, "C2")),
        quick=ModeSettings(seeds=(2022, 3023), epochs=4, widths=(10, 40)),
        full=ModeSettings(seeds=PAPER_SEEDS, epochs=6400, widths=(10, 40)),
        ref_line=(0.5, (10, 0.25), "1/2 order", "green"),
        inset={"series": "Other", "n": 40, "seed_index": 1, "every": 2, "title": "inset"})


def test_rate_figure_aggregates_compares_and_draws(tmp_path):
    fig = _tiny_figure()
    cfgs = fig.runs("quick")
    assert len(cfgs) == 2 * 2 * 2
    assert sum(1 for c in cfgs if c["record"].get("predictions")) == 1
    assert {c["train"]["decay"] for c in cfgs} == {0.998}  # the paper's decay per epoch, whatever the epochs
    recs, _ = run_sweep(cfgs, _fake_run, tmp_path / "runs", backend="sequential", progress=False)
    summary = fig.make({r["key"]: r for r in recs}, "quick", tmp_path)
    s = summary["series"]["Pairwise"]
    # two seeds, one even one odd: geometric mean of 0.9 c and 1.1 c
    for n, g, lo, hi in zip(s["widths"], s["gmean"], s["min"], s["max"]):
        c = 2.0 * n ** -0.5
        assert g == pytest.approx(c * math.sqrt(0.99))
        assert (lo, hi) == pytest.approx((0.9 * c, 1.1 * c))
    assert s["fitted_order"] == pytest.approx(0.5)
    assert s["paper"]["gmean"] == [1.05, 0.256]
    assert s["paper"]["ratio"][1] == pytest.approx(s["gmean"][1] / 0.256)
    assert summary["series"]["Other"]["paper"] is None
    assert summary["reference_line"]["drawn_slope"] == -0.5
    assert summary["reference_line"]["published_drawn_slope"] == pytest.approx(-4 / 7)
    assert summary["mode"] == "quick" and summary["protocol"]["epochs"] == 4
    for f in summary["files"]:
        assert (tmp_path / f).stat().st_size > 1000
    # records missing -> clear error
    with pytest.raises(ProofkitError):
        fig.make({}, "quick", tmp_path)


def test_registry_covers_every_figure_and_modes():
    assert sorted(FIGURES) == ["fig1", "fig2a", "fig2b", "fig3", "fig4", "fig5", "fig6", "fig7", "fig8"]
    quick = figure_runs(None, "quick")
    full = figure_runs(["fig2a"], "full")
    assert len(full["fig2a"]) == 3 * 8 * 10  # the paper's 240 runs
    assert {c["train"]["seed"] for c in full["fig2a"]} == set(PAPER_SEEDS)
    assert {c["train"]["epochs"] for c in full["fig2a"]} == {6400}
    assert {c["train"]["decay"] for c in full["fig2a"]} == {0.998}
    assert quick["fig1"] == []
    # Fig. 5's Equidistant / Random 1 / Random 2 are Fig. 2(a)'s runs (shared by key)
    k2a = {config_key(c) for c in quick["fig2a"]}
    k5 = {config_key(c) for c in quick["fig5"]}
    shared_seeds = min(len(FIGURES["fig2a"].quick.seeds), len(FIGURES["fig5"].quick.seeds))
    assert len(k2a & k5) == 3 * len(FIGURES["fig5"].quick.widths) * shared_seeds
    with pytest.raises(ProofkitError):
        figure_runs(["fig9"])
    with pytest.raises(ProofkitError):
        figure_runs(None, "slow")


def test_fig1_constructions_match_the_block_algebra(tmp_path):
    s = FIGURES["fig1"].make({}, "quick", tmp_path)
    D = Fraction(1, 5)  # the step block sits on 1/5, 2/5, 3/5, 4/5
    assert Fraction(s["step_block"]["height"]) == 2 * D ** 2
    assert s["step_block"]["sampled_sup_error_vs_step"] == pytest.approx(float(D ** 2), rel=1e-9)  # h/2
    assert Fraction(s["constant_block"]["constant"]) == 4 * D ** 2
    assert Fraction(s["constant_block"]["slope"]) == 0
    lr = s["linear_reorganisation"]
    assert abs(Fraction(lr["slope"])) <= Fraction(lr["max_gap"])
    assert Fraction(lr["slope_all_plus"]) == sum(Fraction(i, 10) for i in range(11))
    assert all(s[k]["permutation_ok"] for k in ("step_block", "constant_block", "linear_reorganisation"))
    if s["theorem1"] is not None:
        assert s["theorem1"]["permutation_ok"]
        assert s["theorem1"]["sampled_sup_error"] <= s["theorem1"]["eps"]
    assert (tmp_path / "fig1.png").exists() and (tmp_path / "fig1.pdf").exists()


def test_window_means():
    from proofkit.experiments.fig6 import window_means

    w = window_means(list(range(400)))
    assert w[0] == {"from": 0, "to": 15, "mean": 7.5}
    assert window_means([1] * 10)[0]["mean"] is None


def test_report_tables_from_figure_json(tmp_path):
    from proofkit.experiments.report import render_report

    fig = _tiny_figure()
    recs, _ = run_sweep(fig.runs("quick"), _fake_run, tmp_path / "runs", backend="sequential", progress=False)
    summary = fig.make({r["key"]: r for r in recs}, "quick", tmp_path)
    (tmp_path / "fig2a.json").write_text(json.dumps(summary))
    text = render_report(tmp_path)
    assert "## fig2a" in text and "| 10 |" in text and "| 40 |" in text
    assert "4/7" in text  # the drawing slip of the published reference lines is explained
    row = next(line for line in text.splitlines() if line.startswith("| 40 |") and "0.256" in line)
    inside = summary["series"]["Pairwise"]["paper"]["inside_range"][1]
    assert row.rstrip(" |").endswith("yes" if inside else "no")


# ---------------------------------------------------------------- CLI
def test_cli_figures_list_and_bad_input(capsys):
    from proofkit.cli import main

    assert main(["figures", "--list"]) == 0
    out = capsys.readouterr().out
    assert "fig2a" in out and "distinct runs in quick mode" in out
    assert main(["figures", "--only", "fig9", "--list"]) == 2
    assert "unknown figure" in capsys.readouterr().err
    assert main(["figures", "--scheduler", "tcp://x:1"]) == 2


def test_cli_figures_makes_fig1(tmp_path, capsys):
    from proofkit.cli import main

    assert main(["figures", "--only", "fig1", "--out", str(tmp_path), "--no-progress"]) == 0
    assert (tmp_path / "fig1.png").exists() and (tmp_path / "fig1.json").exists()
    assert (tmp_path / "REPORT.md").read_text().startswith("# proofkit")


# ---------------------------------------------------------------- reproduce
def test_reproduce_certifies_with_theorem1_and_summarises(tmp_path, capsys):
    pytest.importorskip("proofkit.construct.theorem1")
    from proofkit.cli.reproduce import certify_standard, summary_table

    cert = certify_standard(["1"], eps=Fraction(1, 5), targets=["sin"], log=lambda *a: None)
    (row,) = cert["rows"]
    assert row["theorem"] == "1" and row["name"] == "sin"
    assert row["certified"] == (row["upper"] <= 0.2)
    assert "Theorem 1: " in summary_table(cert, {})
    with pytest.raises(ProofkitError):
        certify_standard(["1"], targets=["nope"], log=lambda *a: None)


def test_cli_reproduce_skip_figures_writes_report(tmp_path):
    pytest.importorskip("proofkit.construct.theorem1")
    from proofkit.cli import main

    code = main(["reproduce", "--out", str(tmp_path), "--skip-figures", "--theorems", "1", "--targets", "sin",
                 "--eps", "1/5"])
    cert = json.loads((tmp_path / "certificates.json").read_text())
    assert code == (0 if all(r["certified"] for r in cert["rows"]) else 1)
    text = (tmp_path / "REPORT.md").read_text()
    assert "Certification of the theorems" in text and "`sin(2*pi*x)`" in text


def test_cluster_backends_fail_cleanly_without_their_packages(tmp_path):
    import importlib.util

    for backend, module in (("dask", "distributed"), ("ray", "ray")):
        if importlib.util.find_spec(module) is not None:
            continue
        with pytest.raises(SweepError, match=backend):
            run_sweep([{"i": 1}], _square, tmp_path, backend=backend, scheduler="tcp://127.0.0.1:1",
                      progress=False)


def test_reproduce_skips_infeasible_widths_and_retries_empty_draws():
    """Theorem 2 on the Weierstrass sum at eps 1/5 needs ~5e7 pairs: above a width limit (here 10^6; the
    default limit admits it, and reproduce certifies it) the row is skipped, not failed.
    Theorem 3 on Legendre P3 with seed 0 draws an empty bias interval: the next seed is tried."""
    from proofkit.cli.reproduce import certify_standard, summary_table

    rec = certify_standard(["2"], targets=["weierstrass"], log=lambda *a: None, max_pairs=10 ** 6)
    (row,) = rec["rows"]
    assert "skipped" in row and row["certified"] is None and "max_pairs" in row["skipped"]
    assert "skipped (width beyond the limit): weierstrass" in summary_table(rec, {})
    rec = certify_standard(["3"], targets=["legendre3"], log=lambda *a: None)
    (row,) = rec["rows"]
    assert row["failed_draws"] == [0] and row["seed"] == 1 and row["certified"] is True


# ---------------------------------------------------------------- quick mode = a subsample of the full protocol
@pytest.mark.parametrize("name", [n for n in FIGURES if n != "fig1"])
def test_every_quick_run_is_a_run_of_the_full_sweep(name):
    """Quick mode keeps the paper's schedule, k, batch and data: only seeds and widths are cut."""
    quick = FIGURES[name].runs("quick")
    full = {config_key(c): c for c in FIGURES[name].runs("full")}
    for c in quick:
        assert config_key(c) in full, (name, c["train"])
        assert c["train"]["epochs"] == 6400 and c["train"]["decay"] == 0.998
        assert "n_train" not in c["train"]
    spec = FIGURES[name]
    if hasattr(spec, "omissions") and len(quick) < len(full):
        assert spec.omissions("quick") and not spec.omissions("full")


def test_fig8_full_mode_runs_equidistant_at_the_papers_extra_widths():
    fig8 = FIGURES["fig8"]
    widths = {}
    for c in fig8.runs("full"):
        widths.setdefault(c["train"]["init"], set()).add(c["train"]["n"])
    assert widths["equidistant"] == {10, 20, 40, 80, 160, 320, 640, 1280}
    assert widths["pairwise"] == {10, 20, 40, 80, 160, 320}
    cmp = compare_with_paper("fig8", "Equidistant", [320, 640, 1280], [0.1, 0.05, 0.03])
    assert cmp["gmean"] == [0.101, 0.0543, 0.0345] and cmp["common_widths"] == [320, 640, 1280]


def test_fig4_follows_the_authors_3d_script_and_lists_its_departures():
    fig4 = FIGURES["fig4"]
    (c, *_) = fig4.runs("full")
    t = c["train"]
    assert (t["init"], t["k"], t["batch"], t["dim"], t["n_test"]) == ("random", 20, 640, 3, 113)
    assert len(fig4.runs("full")) == 6 and fig4.runs("quick") == fig4.runs("full")  # one run per width
    assert any("sqrt(3)" in d for d in fig4.departures) and any("12 800" in d for d in fig4.departures)


# ---------------------------------------------------------------- outward range formatting
def _printed(text):
    from decimal import Decimal

    mean, rest = text.split(" [")
    lo, hi = rest.rstrip("]").split(", ")
    return Decimal(mean), Decimal(lo), Decimal(hi)


def test_format_range_examples():
    from proofkit.experiments.report import format_range

    assert format_range(0.5149, 0.5149, 0.5149, range_digits=2) == "0.515 [0.51, 0.52]"  # max rounded up
    assert format_range(1.05, 0.69, 1.43) == "1.05 [0.69, 1.43]"  # published values stay as published
    assert format_range(0.0853, 0.04712, 0.16991) == "0.0853 [0.0471, 0.17]"
    assert format_range(0.149, 0.149, 0.149, mean_digits=1, range_digits=2) == "0.14 [0.14, 0.15]"  # clamped


@pytest.mark.parametrize("mean_digits, range_digits", [(3, 2), (1, 2), (2, 2), (4, 1)])
def test_format_range_mean_never_outside_its_printed_range(mean_digits, range_digits):
    from decimal import Decimal

    from hypothesis import given, strategies as st

    from proofkit.experiments.report import format_range

    pos = st.floats(min_value=1e-6, max_value=50.0, allow_nan=False, allow_infinity=False)

    @given(st.lists(pos, min_size=3, max_size=3))
    def check(vals):
        lo, mean, hi = sorted(vals)
        m, a, b = _printed(format_range(mean, lo, hi, mean_digits, range_digits))
        assert a <= m <= b
        assert a <= Decimal(repr(lo)) and b >= Decimal(repr(hi))  # outward
        assert len(a.normalize().as_tuple().digits) <= range_digits

    check()


# ---------------------------------------------------------------- results without timings, reproducible bytes
def _figure_json_bytes(fig, records, out):
    from proofkit._io import atomic_write_json

    summary = fig.make(records, "quick", out)
    atomic_write_json(out / "fig.json", summary)
    return (out / "fig.json").read_bytes(), (out / f"{fig.name}.png").read_bytes()


def test_same_runs_give_byte_identical_figure_files_whatever_the_timings(tmp_path):
    fig = _tiny_figure()
    recs, _ = run_sweep(fig.runs("quick"), _fake_run, tmp_path / "runs", backend="sequential", progress=False)
    records = {r["key"]: r for r in recs}
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a = _figure_json_bytes(fig, records, tmp_path / "a")
    slower = {k: {**r, "seconds": r["seconds"] + 123.0, "result": {**r["result"], "train_seconds": 9.9}}
              for k, r in records.items()}
    b = _figure_json_bytes(fig, slower, tmp_path / "b")
    assert a == b
    assert b"seconds" not in a[0]


def _two_tiny_figures():
    """Two tiny figures named like real ones (their published values exist): fig2a cheap, fig2b dearer."""
    from dataclasses import replace

    a = _tiny_figure()
    b = replace(a, name="fig2b", title="tiny b", quick=ModeSettings(seeds=(2022, 3023), epochs=4,
                                                                   widths=(10, 40, 160)), inset=None)
    return {"fig2a": a, "fig2b": b}


def test_figures_land_one_by_one_and_an_interrupted_run_resumes(tmp_path, monkeypatch):
    import proofkit.experiments as ex

    monkeypatch.setattr(ex, "FIGURES", _two_tiny_figures())
    marks = tmp_path / "marks"
    marks.mkdir()

    def flaky(config, fail=True):
        with open(marks / f"{config_key(config)}-{np.random.random()}", "w"):
            pass
        if fail and config["train"]["n"] == 160:
            raise _Interrupt("stopped mid-way")
        return _fake_run(config)

    landed = []
    with pytest.raises(_Interrupt):
        ex.make_figures(mode="quick", out_dir=tmp_path, backend="sequential", n_jobs=1, progress=False,
                        run_fn=flaky, log=landed.append)
    assert (tmp_path / "fig2a.json").exists() and (tmp_path / "fig2a.png").exists()
    assert not (tmp_path / "fig2b.json").exists()
    assert "## fig2a" in (tmp_path / "REPORT.md").read_text() and len(landed) == 1
    calls = len(os.listdir(marks))
    first = {p: (tmp_path / p).read_bytes() for p in ("fig2a.json", "fig2a.png", "fig2a.pdf")}

    res = ex.make_figures(mode="quick", out_dir=tmp_path, backend="sequential", n_jobs=1, progress=False,
                          run_fn=lambda c: flaky(c, fail=False))
    assert list(res.figures) == ["fig2a", "fig2b"]
    keys = {name: {config_key(c) for c in ex.FIGURES[name].runs("quick")} for name in ("fig2a", "fig2b")}
    n_new = len(keys["fig2b"] - keys["fig2a"])  # fig2b's runs that fig2a did not already finish
    assert len(os.listdir(marks)) == calls + n_new  # only the runs that had not finished
    assert all((tmp_path / p).read_bytes() == b for p, b in first.items())  # redrawn identically
    report = (tmp_path / "REPORT.md").read_bytes()
    timings = json.loads((tmp_path / "timings.json").read_text())
    assert set(timings["figures"]) == {"fig2a", "fig2b"}

    # a third run computes nothing and rewrites every committed file byte for byte
    again = ex.make_figures(mode="quick", out_dir=tmp_path, backend="sequential", n_jobs=1, progress=False,
                            run_fn=lambda c: flaky(c, fail=False))
    assert again.stats.computed == 0 and len(os.listdir(marks)) == calls + n_new
    assert (tmp_path / "REPORT.md").read_bytes() == report
    for name in ("fig2a", "fig2b"):
        text = (tmp_path / f"{name}.json").read_text()
        assert "seconds" not in text


def test_progress_lines_when_stderr_is_not_a_terminal(tmp_path, capsys, monkeypatch):
    import time as _time

    from proofkit.experiments import sweep

    monkeypatch.setattr(sweep, "PROGRESS_INTERVAL", 0.02)

    def slow(config):
        _time.sleep(0.15)
        return {"value": config["i"]}

    run_sweep([{"i": i} for i in range(3)], slow, tmp_path, backend="sequential", desc="demo",
              status=lambda: "status text")
    lines = [x for x in capsys.readouterr().err.splitlines() if x.startswith("demo:")]
    assert len(lines) >= 4  # a first line, beats while the runs compute, a last line
    assert "3/3 runs" in lines[-1] and "status text" in lines[-1]
    run_sweep([{"i": i} for i in range(3, 5)], slow, tmp_path, backend="sequential", progress=False)
    assert capsys.readouterr().err == ""


# ---------------------------------------------------------------- report: ranges, orders over the same widths, floor
def test_report_counts_ranges_and_fits_orders_over_the_same_widths(tmp_path):
    from proofkit.experiments.report import render_report

    fig = _tiny_figure()
    recs, _ = run_sweep(fig.runs("quick"), _fake_run, tmp_path / "runs", backend="sequential", progress=False)
    summary = fig.make({r["key"]: r for r in recs}, "quick", tmp_path)
    (tmp_path / "fig2a.json").write_text(json.dumps(summary))
    pap = summary["series"]["Pairwise"]["paper"]
    # the paper's Pairwise at n = 10, 40 is 1.05, 0.256 (its Fig. 2(a)): order log(1.05/0.256)/log(4)
    assert pap["common_widths"] == [10, 40]
    assert pap["fitted_order"] == pytest.approx(math.log(1.05 / 0.256) / math.log(4))
    assert pap["fitted_order_ours"] == pytest.approx(0.5)
    text = render_report(tmp_path)
    n_in = sum(pap["inside_range"])
    assert f"Inside the published min–max ranges: {n_in} of 2**" in text
    g, lo, hi = summary["series"]["Pairwise"]["gmean"], pap["min"], pap["max"]
    below, above = sum(a < b for a, b in zip(g, lo)), sum(a > b for a, b in zip(g, hi))
    assert (f"outside: {below} below the published minimum, {above} above the maximum" in text) == (n_in < 2)
    assert "Pairwise 0.5 vs 1 (n = 10, 40)" in text
    assert "PAPER.md" not in text
    assert "Quick mode omits: runs: 2 of the paper's 10 per point" in text


def test_floor_band_and_report_distances(tmp_path, monkeypatch):
    from proofkit.experiments import spec
    from proofkit.experiments.report import render_report

    fig = _tiny_figure()
    recs, _ = run_sweep(fig.runs("quick"), _fake_run, tmp_path / "runs", backend="sequential", progress=False)
    records = {r["key"]: r for r in recs}
    # our fake errors at n = 40 are 2/sqrt(40) * (0.9 or 1.1): geometric mean 0.3147
    floor = {"lower_bound": 0.3, "best_fit_error": 0.31, "source": "proofkit/data/floor_fig2a.json"}
    monkeypatch.setattr(spec, "floor_values", lambda name: dict(floor))
    summary = fig.make(records, "quick", tmp_path)
    assert summary["floor"] == floor
    (tmp_path / "fig2a.json").write_text(json.dumps(summary))
    text = render_report(tmp_path)
    assert "L_inf ≥ 0.3 (certified, rounded down)" in text
    assert "within 10 % of the certified floor (geometric mean ≤ 1.1 × bound): Pairwise n = 40, Other n = 40" in text
    g40 = summary["series"]["Pairwise"]["gmean"][1]
    assert f"| Pairwise | 40 | {g40 / 0.3:.3g} | {0.256 / 0.3:.3g} |" in text
    monkeypatch.setattr(spec, "floor_values", lambda name: None)
    no_floor = fig.make(records, "quick", tmp_path / "nofloor")
    assert no_floor["floor"] is None


def test_floor_files_are_validated():
    from proofkit.experiments.reference import ReferenceValuesError, parse_floor

    ok = parse_floor('{"format": "proofkit.floor/1", "lower_bound": 0.08, "best_fit_error": 0.09}', "x.json")
    assert ok == {"source": "x.json", "lower_bound": 0.08, "best_fit_error": 0.09}
    for bad in ('{"format": "proofkit.floor/1", "lower_bound": 0.1, "best_fit_error": 0.09}',
                '{"format": "other", "lower_bound": 0.08, "best_fit_error": 0.09}',
                '{"format": "proofkit.floor/1", "lower_bound": "0.08", "best_fit_error": 0.09}',
                '{"format": "proofkit.floor/1", "best_fit_error": 0.09}', "not json"):
        with pytest.raises(ReferenceValuesError, match="x.json"):
            parse_floor(bad, "x.json")
