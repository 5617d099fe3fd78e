"""Tests for proofkit.widths and the 'proofkit widths' verb."""
import json

import pytest

from proofkit.cli import main
from proofkit.expr import parse_target
from proofkit.widths import fit_slope, markdown_table, width_table, write_widths


def test_fit_slope_recovers_power_law():
    eps = [0.1, 0.05, 0.02, 0.01]
    assert fit_slope(eps, [3 * e ** -2 for e in eps]) == pytest.approx(-2.0)
    assert fit_slope([0.1], [5]) is None


def test_table_and_files(tmp_path):
    f = parse_target("x**2")
    table = width_table(f, [0.3, 0.2], theorems=("1", "2"), t2_seconds=30)
    rows = table["rows"]
    assert [r["theorem"] for r in rows] == ["1", "1", "2", "2"]
    for r in rows:
        assert r["status"] == "ok" and r["width_used"] == 2 * r["n"]
        assert r["budget"] <= r["eps"]
    # Theorem 2 (no output layer) needs more width than Theorem 1 at the same eps
    t1 = {r["eps"]: r["width_used"] for r in rows if r["theorem"] == "1"}
    t2 = {r["eps"]: r["width_used"] for r in rows if r["theorem"] == "2"}
    assert all(t2[e] > t1[e] for e in t1)
    paths = write_widths(table, str(tmp_path), "w")
    data = json.loads(open(paths["json"]).read())
    assert data["rows"][0]["eps"] == 0.3
    assert open(paths["png"], "rb").read(8) == b"\x89PNG\r\n\x1a\n"
    assert "Theorem 2" in markdown_table(table)


def test_theorem2_time_budget_skips(tmp_path):
    table = width_table(parse_target("x**2"), [0.3, 0.2], theorems=("2",), t2_seconds=0.0)
    assert table["rows"][0]["status"] == "ok" and table["rows"][1]["status"].startswith("skipped")


def test_cli_widths(tmp_path, capsys):
    code = main(["widths", "x**2", "--eps-list", "0.3", "--theorems", "1", "--outdir", str(tmp_path)])
    assert code == 0
    assert (tmp_path / "widths.png").exists() and (tmp_path / "widths.md").exists()


def test_cli_widths_bad_eps(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["widths", "x**2", "--eps-list", "-1"])
    assert exc.value.code == 2
