"""proofkit.floor: certified error floors of ridge sums (the paper's 2-D/3-D networks with fixed directions).

Soundness is tested against facts that do not come from the code under test: a measure with zero mass on
every level set kills every ReLU network with those directions (checked exactly in rationals on random
networks); the floor never exceeds the error of any ridge sum we can write down (zero, the best fit); the
floor of xy with only the axis directions is 1 on [-1, 1]^2 and 1/4 on [0, 1]^2 (the corner measure, and the
approximants 0 and (x - 1/2)(y - 1/2) - xy); a target that is a ridge sum gets no positive bound.
"""
from __future__ import annotations

import copy
import json
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from proofkit.cli import main
from proofkit.floor import (FloorError, best_ridge_fit, check, lines, load_certificate, paper_directions,
                            parse_directions, search_floor)
from proofkit.floor.certificate import certify_measure, zero_mass_violation
from proofkit.floor.target import NdTarget

BOX = (Fraction(-1), Fraction(1))
FIG3 = "-sin(pi*x*y)"
FIG4 = "sin(3*x)*cos(y)*sin(2*z)"
RIDGE_2D = "sin(3*(x+y)) + (x-y)**3 + x**2"


@pytest.fixture(scope="module")
def fig3_search():
    return search_floor(NdTarget(FIG3, 2), BOX, paper_directions(2), (8, 16))


@pytest.fixture(scope="module")
def fig4_search():
    return search_floor(NdTarget(FIG4, 3), BOX, paper_directions(3), (4,))


# ------------------------------------------------------------------------------------------ directions
def test_paper_direction_sets_and_their_lines():
    assert len(paper_directions(2)) == 8 and len(lines(paper_directions(2))) == 4
    assert len(paper_directions(3)) == 26 and len(lines(paper_directions(3))) == 13
    # a line is a line: scaling and sign do not make a new one
    d = parse_directions([[1, 1], ["-1/2", "-1/2"], [0.5, 0], [0, 3]], 2)
    assert lines(d) == [(1, 1), (1, 0), (0, 1)]


@pytest.mark.parametrize("bad", [[], [[1, 0], [0, 0]], [[1, 0, 0]], [["a", 1]], "x", [[True, 1]]])
def test_bad_direction_files_are_refused(bad):
    with pytest.raises(FloorError):
        parse_directions(bad, 2)


# ------------------------------------------------------------------------------------------ soundness
def _relu_network_exact(rng, directions, units):
    """A random ReLU network sum_i c_i relu(a_i . x + b_i) + s with rational b, c, s and a_i drawn from the
    directions; returned as an exact evaluator on rational points."""
    dirs = [directions[i] for i in rng.integers(0, len(directions), units)]
    b = [Fraction(int(v), 7) for v in rng.integers(-14, 15, units)]
    c = [Fraction(int(v), 5) for v in rng.integers(-10, 11, units)]
    s = Fraction(int(rng.integers(-9, 10)), 3)

    def N(p):
        acc = s
        for a, bi, ci in zip(dirs, b, c):
            acc += ci * max(Fraction(0), sum(ai * pi for ai, pi in zip(a, p)) + bi)
        return acc
    return N


@settings(max_examples=25)
@given(seed=st.integers(0, 2**32 - 1), units=st.integers(1, 60))
def test_certificate_measures_annihilate_every_network_exactly(fig3_search, fig4_search, seed, units):
    rng = np.random.default_rng(seed)
    for res, dim in ((fig3_search, 2), (fig4_search, 3)):
        cert = res.certificate
        N = _relu_network_exact(rng, paper_directions(dim), units)
        assert sum((w * N(p) for p, w in zip(cert.points, cert.weights)), Fraction(0)) == 0


def test_fig3_target_has_a_positive_certified_floor_below_every_fit(fig3_search):
    cert = fig3_search.certificate
    assert cert.lower_bound > 0
    assert check(cert).valid
    f = NdTarget(FIG3, 2)
    # the bound is |mu(f)| / ||mu||_1, recomputed here in floats
    w = np.array([float(v) for v in cert.weights])
    direct = abs(w @ f(np.array(cert.points, dtype=float))) / np.abs(w).sum()
    assert cert.lower_bound == pytest.approx(direct, rel=1e-12) and cert.lower_bound <= direct * (1 + 1e-15)
    # no ridge sum does better than the floor: the zero function, and the best fit found
    assert cert.lower_bound <= 1.0
    fit = best_ridge_fit(f, BOX, lines(paper_directions(2)), 16, 33, 201)
    assert cert.lower_bound <= fit.lp_value <= fit.sampled_error
    # polishing only ever raises the bound, and the lattice bound is the lattice LP's value
    for row in fig3_search.rows:
        assert row.lattice_bound == pytest.approx(row.lp_value, rel=1e-9)
        assert row.polished_bound is None or row.polished_bound >= row.lattice_bound


def test_fig4_target_has_a_positive_certified_floor_below_a_fit(fig4_search):
    cert = fig4_search.certificate
    assert cert.lower_bound > 0 and check(cert).valid
    fit = best_ridge_fit(NdTarget(FIG4, 3), BOX, lines(paper_directions(3)), 6, 13, 25)
    assert cert.lower_bound <= fit.lp_value


def test_a_ridge_sum_gets_no_positive_floor():
    res = search_floor(NdTarget(RIDGE_2D, 2), BOX, paper_directions(2), (8, 16))
    assert all(abs(r.lp_value) < 1e-9 for r in res.rows)
    cert = res.certificate
    assert cert is not None and cert.lower_bound == 0.0 and not cert.to_json()["positive"]
    assert check(cert).valid


@pytest.mark.parametrize("domain, floor", [((Fraction(-1), Fraction(1)), Fraction(1)),
                                           ((Fraction(0), Fraction(1)), Fraction(1, 4))])
def test_xy_with_axis_directions_only_has_the_known_floor(domain, floor):
    # corner measure (+1, -1, -1, +1) gives the lower bound; 0 on [-1,1]^2 and (x+y)/2 - 1/4 on [0,1]^2 attain it
    res = search_floor(NdTarget("x*y", 2), domain, [(Fraction(1), Fraction(0)), (Fraction(0), Fraction(1))], (4,))
    lb = res.certificate.lower_bound
    assert float(floor) * (1 - 1e-12) <= lb <= float(floor)
    # adding the diagonals makes xy = ((x+y)^2 - (x-y)^2)/4 a ridge sum: floor 0
    res = search_floor(NdTarget("x*y", 2), domain, paper_directions(2), (4,))
    assert res.certificate.lower_bound == 0.0


def test_grid_option_keeps_points_on_the_grid():
    res = search_floor(NdTarget(FIG3, 2), BOX, paper_directions(2), grids=(113,), lattices=(8, 16))
    cert = res.certificate
    assert cert.grids == (113,)
    for p in cert.points:
        for c in p:
            assert ((c + 1) * 56).denominator == 1
    with pytest.raises(FloorError):
        search_floor(NdTarget(FIG3, 2), BOX, paper_directions(2), grids=(113,), lattices=(10,))


# ------------------------------------------------------------------------------------------ the check
@pytest.fixture(scope="module")
def cert_file(tmp_path_factory):
    out = tmp_path_factory.mktemp("floor") / "c.json"
    rc = main(["floor", FIG3 + " ", "--dim", "2", "--lattice", "8", "16", "--fit-knots", "8", "--fit-samples",
               "17", "--fit-dense", "65", "--out", str(out)])
    assert rc == 0
    return out


def test_cli_writes_the_interface_and_prints_the_bound_last(cert_file, capsys):
    data = json.loads(cert_file.read_text())
    for key in ("format", "target", "domain", "directions", "points", "weights", "lower_bound", "best_fit_error"):
        assert key in data
    assert data["format"] == "proofkit.floor/1" and data["directions"][0] == [1, 0]
    assert all(isinstance(w, str) and Fraction(w) for w in data["weights"])
    assert main(["floor", "--check", str(cert_file)]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last.startswith("valid")
    assert float(data["lower_bound"]) <= data["best_fit_error"]


def _tampered(cert_file, tmp_path, change):
    data = json.loads(cert_file.read_text())
    change(data)
    p = tmp_path / "t.json"
    p.write_text(json.dumps(data))
    return str(p)


def _move_off_structure(d):
    x, y = (Fraction(c) for c in d["points"][0])
    d["points"][0] = [str(x), str(y + Fraction(1, 1000) if y < 0 else y - Fraction(1, 1000))]


@pytest.mark.parametrize("change, why", [
    (lambda d: d["weights"].__setitem__(0, str(Fraction(d["weights"][0]) * 2)), "mass"),
    (_move_off_structure, "mass"),
    (lambda d: d.__setitem__("lower_bound", d["lower_bound"] * (1 + 1e-9)), "exceeds"),
    (lambda d: d.__setitem__("target", "-sin(pi*x*y)/2 + x*y"), "exceeds"),  # xy is a ridge sum: mu(xy) = 0
    (lambda d: d["points"][0].__setitem__(0, "2"), "outside"),
    (lambda d: d.__setitem__("grids", [7]), "grid"),
    (lambda d: d.__setitem__("weights", ["0"] * len(d["weights"])), "zero"),
])
def test_check_rejects_tampered_certificates(cert_file, tmp_path, capsys, change, why):
    path = _tampered(cert_file, tmp_path, change)
    capsys.readouterr()
    assert main(["floor", "--check", path]) == 1
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and out[0].startswith("invalid") and why in out[0]


def test_check_accepts_a_weaker_claim_and_a_rescaled_measure(cert_file, tmp_path):
    assert main(["floor", "--check", _tampered(cert_file, tmp_path,
                                               lambda d: d.__setitem__("lower_bound", 0.5 * d["lower_bound"]))]) == 0
    assert main(["floor", "--check", _tampered(cert_file, tmp_path, lambda d: d.__setitem__(
        "weights", [str(Fraction(w) * Fraction(-3, 7)) for w in d["weights"]]))]) == 0


@pytest.mark.parametrize("change", [
    lambda d: d.__setitem__("format", "proofkit.floor/0"),
    lambda d: d.pop("points"),
    lambda d: d["weights"].__setitem__(0, "one"),
    lambda d: d["weights"].pop(),
    lambda d: d.__setitem__("target", "__import__('os')"),
    lambda d: d.__setitem__("lower_bound", "big"),
    lambda d: d.__setitem__("domain_exact", ["1", "-1"]),
    lambda d: d.__setitem__("domain_exact", ["-2", "2"]),                  # not the domain shown
    lambda d: d["points"].__setitem__(0, ["1"]),
])
def test_check_bad_input_is_exit_2_with_one_line(cert_file, tmp_path, capsys, change):
    path = _tampered(cert_file, tmp_path, change)
    capsys.readouterr()
    assert main(["floor", "--check", path]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "error" in err[0]


def test_zero_mass_violation_names_the_level_set():
    pts = [(Fraction(0), Fraction(0)), (Fraction(1), Fraction(0))]
    assert zero_mass_violation(pts, [Fraction(1), Fraction(-1)], [(Fraction(0), Fraction(1))]) is None
    why = zero_mass_violation(pts, [Fraction(1), Fraction(-1)], [(Fraction(0), Fraction(1)), (Fraction(1), Fraction(0))])
    assert why.startswith("the level set x = 0 carries mass 1")


def test_certify_measure_refuses_a_non_annihilating_measure():
    with pytest.raises(FloorError):
        certify_measure(NdTarget(FIG3, 2), BOX, paper_directions(2), [(Fraction(0), Fraction(0))], [Fraction(1)])


def test_load_round_trip(fig4_search, tmp_path):
    data = fig4_search.certificate.to_json()
    again = load_certificate(copy.deepcopy(data))
    assert again.points == fig4_search.certificate.points and again.weights == fig4_search.certificate.weights
    assert check(again).valid


@pytest.mark.parametrize("argv", [
    ["floor", "x*y", "--out", "c.json"],                         # no --dim
    ["floor", "x*y", "--dim", "2"],                             # no --out
    ["floor", "x*q", "--dim", "2", "--out", "c.json"],          # unknown variable
    ["floor", "x*y", "--dim", "2", "--domain", "1", "0", "--out", "c.json"],
    ["floor", "x*y", "--dim", "2", "--directions", "nosuchfile.json", "--out", "c.json"],
    ["floor", "x*y", "--dim", "2", "--grid", "113", "--lattice", "10", "--out", "c.json"],
    ["floor", "log(x)", "--dim", "2", "--out", "c.json"],       # not finite on the box
    ["floor", "x*y", "--check", "c.json"],
])
def test_cli_bad_input(argv, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
    assert not (tmp_path / "c.json").exists()


def test_cli_directions_file(tmp_path, capsys):
    d = tmp_path / "dirs.json"
    d.write_text(json.dumps({"directions": [[1, 0], [0, 1]]}))
    out = tmp_path / "c.json"
    assert main(["floor", "x*y", "--dim", "2", "--directions", str(d), "--lattice", "2", "--fit-knots", "0",
                 "--out", str(out)]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last.startswith("certified floor:") and float(last.split()[-1]) <= 1.0
    data = json.loads(out.read_text())
    assert data["directions"] == [[1, 0], [0, 1]] and data["directions_source"] == "file:dirs.json"
