"""Issue 15 §2: ``proofkit check`` and its trusted kernel ``proofkit.checker``.

* The kernel imports only the standard library, python-flint and the shared target parser (AST of the file),
  and the parser imports nothing that builds networks or certificates.
* Certificates that ``construct`` / ``verify`` / :func:`proofkit.certify.certify` write carry a proof that the
  kernel confirms (exit 0); tampering with any field of the certificate or of the network -- also by a forger
  who recomputes the network's hash -- is rejected with one line (exit 1), malformed input with one line on
  stderr (exit 2).
* The kernel's own pieces are checked against code written for the tests: the exact network values against
  tests/independent.py (Fractions), the hash against :meth:`PermNetwork.sha256`, the target enclosures
  (f*, f*', f*''/2 on balls, f* at points) against mpmath at 60 digits on sympy's derivatives.
"""
import ast
import json
import random
import sys
from fractions import Fraction
from pathlib import Path

import mpmath
import numpy as np
import pytest
import sympy as sp
from flint import arb, ctx

from independent import StoredNetwork, max_error
from test_trust import run  # the command line in-process: (exit code, stdout, stderr)
from proofkit import checker
from proofkit.certify import certify
from proofkit.cli import main
from proofkit.expr import parse_target
from proofkit.network import PermNetwork
from proofkit.pool import experiment_pool
from proofkit.witness import make_proof

ROOT = Path(__file__).resolve().parents[1]
SIN = "sin(2*pi*x)"


# ------------------------------------------------------------------------------------------ the trust base
def _imports(path):
    out = set()
    for node in ast.walk(ast.parse(Path(path).read_text())):
        if isinstance(node, ast.Import):
            out |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            out.add("." * node.level + (node.module or ""))
    return out


def test_kernel_imports_only_stdlib_flint_and_the_parser():
    allowed = set(sys.stdlib_module_names) | {"flint", ".expr", "__future__"}
    mods = _imports(ROOT / "proofkit" / "checker.py")
    assert ".expr" in mods and "flint" in mods
    assert mods <= allowed, mods - allowed


def test_the_parser_imports_nothing_that_builds_networks_or_certificates():
    mods = _imports(ROOT / "proofkit" / "expr.py")
    for forbidden in ("network", "pwl", "certify", "construct", "interval", "train", "witness", "screen", "pool"):
        assert not any(m.lstrip(".").startswith(forbidden) for m in mods), (forbidden, mods)


# ------------------------------------------------------------------------------------------ files
@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """(network, certificate) paths: Theorem 1 (arb-taylor), Theorem 1 exact on abs(x - 1/3) (exact-pl, a
    kink at a non-binary point), sqrt (a singular derivative at 0) and a trained-layout leaky ReLU network
    with scale and shift (exact-poly)."""
    d = tmp_path_factory.mktemp("check")
    out = {}
    for name, argv in {"t1": ["construct", SIN, "--eps", "0.1"],
                       "abs": ["construct", "abs(x-1/3)", "--eps", "1/10", "--exact"],
                       "sqrt": ["construct", "sqrt(x)", "--eps", "0.2"]}.items():
        net, cert = d / f"{name}.json", d / f"{name}.cert.json"
        assert main(argv + ["--out", str(net), "--cert", str(cert)]) == 0, name
        out[name] = (net, cert)
    pool = experiment_pool("pairwise", 40, 3)
    net = PermNetwork.from_pool(pool, np.random.default_rng(4).permutation(80), layout="authors", scale=0.9,
                                shift=0.05, activation="leaky_relu:0.01")
    out["leaky"] = (d / "leaky.json", d / "leaky.cert.json")
    net.save(out["leaky"][0])
    certify(net, "x**2 - 1/2", 5.0).save(out["leaky"][1])
    return out


def _load(path):
    return json.loads(Path(path).read_text())


def _write(path, d):
    Path(path).write_text(json.dumps(d))
    return path


@pytest.mark.parametrize("name", ["t1", "abs", "sqrt", "leaky"])
def test_certificates_written_by_proofkit_check(capsys, files, name):
    net, cert = files[name]
    c = _load(cert)
    assert c["format"] == "proofkit.certificate/3" and c["proof"]["format"] == "proofkit.proof/1", c["notes"]
    rc, out, err = run(capsys, "check", net, cert)
    assert rc == 0, out + err
    assert out.splitlines()[-1].startswith("CERTIFIED (checked): sup|f - f_NN| <= ")
    assert run(capsys, "check", net, cert, c["target"])[0] == 0
    assert checker.main([str(net), str(cert)]) == 0  # python -m proofkit.checker


def test_the_printed_bound_is_rounded_up(capsys, files):
    net, cert = files["t1"]
    out = run(capsys, "check", net, cert)[1]
    shown = out.split("sup|f - f_NN| <= ")[1].split()[0]
    assert Fraction(shown) >= Fraction(_load(cert)["upper"])


# ------------------------------------------------------------------------------------------ tampering
def _rehash(cert, net):
    """A forger's move: the certificate names the tampered network."""
    cert["network_sha256"] = checker.network_sha256(checker.read_network(net))
    return cert


def _lower_cell_bound(c, n):
    """The cell around the point where the certificate's lower bound L is attained claims 0.99 L."""
    pts = checker.partition(checker.read_network(n), *c["domain"], [checker._q(x) for x in c["proof"]["extra"]])[0]
    x, F = Fraction(c["witness"]), lambda p: Fraction(p) if isinstance(p, float) else Fraction(int(p.p), int(p.q))
    cell = next(r for r in c["proof"]["cells"] if F(pts[r[0]]) <= x <= F(pts[r[1]]))
    cell[3] = 0.99 * c["lower"]


def _lower_m2(c, n):
    cells = [r for r in c["proof"]["cells"] if r[2] and r[2] > 1e-6]
    if not cells:
        pytest.skip("no cell of this proof uses a second-order term (a piecewise-linear target)")
    cells[0][2] *= 0.5


def _drop_cell(c, n):
    del c["proof"]["cells"][len(c["proof"]["cells"]) // 2]


def _drop_last_cell(c, n):
    c["proof"]["cells"].pop()


def _move_extra(c, n):
    x = c["proof"]["extra"]
    x[0], x[-1] = x[-1], x[0]  # no longer increasing
    assert len(x) > 1


def _extra_on_a_knot(c, n):
    c["proof"]["extra"].insert(0, f"{Fraction(c['domain'][0])}")


def _knots(c, n):
    c["proof"]["knots"] += 1


def _lower_u(c, n):
    c["upper"] = c["lower"] * 0.99


def _lower_eps(c, n):
    c["eps"] = c["upper"] * 0.999


def _widen_domain(c, n):
    c["domain"][1] += 0.5


def _change_target(c, n):
    c["target"] = c["target"] + " + 1/10"


def _change_hash(c, n):
    c["network_sha256"] = ("0" if c["network_sha256"][0] != "0" else "1") + c["network_sha256"][1:]


def _coefficient_not_in_pool(c, n):
    n["coefficients"][3] = n["coefficients"][3] * 1.5 + 0.125
    _rehash(c, n)


def _coefficients_swapped(c, n):
    co = n["coefficients"]
    i = next(i for i in range(1, len(co)) if co[i] != co[0])
    co[0], co[i] = co[i], co[0]  # still a permutation of the pool, but not pool[permutation]
    _rehash(c, n)


def _permutation_repeats(c, n):
    n["permutation"][1] = n["permutation"][0]
    n.pop("coefficients", None)
    _rehash(c, n)


def _breakpoint_moved(c, n):
    i = max(range(len(n["coefficients"])), key=lambda i: abs(n["coefficients"][i]))
    n["biases"][i] += 0.25
    _rehash(c, n)


def _scale_changed(c, n):
    n["scale"] = n.get("scale", 1.0) * 1.2
    _rehash(c, n)


def _shift_changed(c, n):
    n["shift"] = n.get("shift", 0.0) + 0.5
    _rehash(c, n)


def _activation_changed(c, n):
    n["activation"] = "leaky_relu:0.5"
    _rehash(c, n)


def _network_domain(c, n):
    n["domain"][1] += 1.0  # the network file itself changed: its hash no longer matches


REJECTED = {  # tamper -> the check that must catch it (start of the one-line reason)
    "cell bound lowered": (_lower_cell_bound, "piece ["),
    "m2 lowered": (_lower_m2, "cell "),
    "a cell dropped": (_drop_cell, "proof: cell"),
    "the last cell dropped": (_drop_last_cell, "proof: the cells do not cover"),
    "extra points out of order": (_move_extra, "proof: extra point"),
    "an extra point on a break-point": (_extra_on_a_knot, "proof: extra point"),
    "break-point count": (_knots, "proof: made for"),
    "U lowered": (_lower_u, ""),
    "eps below U": (_lower_eps, "eps: U ="),
    "domain widened": (_widen_domain, ""),
    "target changed": (_change_target, ""),
    "hash changed": (_change_hash, "network_sha256:"),
    "coefficient not in the pool (hash recomputed)": (_coefficient_not_in_pool, "permutation: coefficients[3]"),
    "coefficients swapped (hash recomputed)": (_coefficients_swapped, "permutation: coefficients[0]"),
    "permutation repeats an index (hash recomputed)": (_permutation_repeats, "permutation: the permutation"),
    "break-point moved (hash recomputed)": (_breakpoint_moved, ""),
    "scale changed (hash recomputed)": (_scale_changed, ""),
    "shift changed (hash recomputed)": (_shift_changed, ""),
    "activation changed (hash recomputed)": (_activation_changed, ""),
    "network domain changed": (_network_domain, "network_sha256:"),
}


@pytest.mark.parametrize("name", ["t1", "abs"])
@pytest.mark.parametrize("tamper", list(REJECTED))
def test_tampering_is_rejected_in_one_line(capsys, files, tmp_path, name, tamper):
    fn, reason = REJECTED[tamper]
    net, cert = files[name]
    c, n = _load(cert), _load(net)
    if tamper == "extra points out of order" and len(c["proof"]["extra"]) < 2:
        pytest.skip("this proof has fewer than two extra points")
    fn(c, n)
    rc, out, err = run(capsys, "check", _write(tmp_path / "n.json", n), _write(tmp_path / "c.json", c))
    assert (rc, err) == (1, ""), (out, err)
    assert len(out.splitlines()) == 1 and out.startswith("REJECTED: " + reason), out


def test_a_certificate_with_a_false_bound_is_rejected_even_with_a_matching_proof(capsys, files, tmp_path):
    """A forger who lowers U and every bound of the proof with it (below the error the test's own evaluator
    finds) is caught by the re-derived piece bounds."""
    net, cert = files["t1"]
    c, n = _load(cert), _load(net)
    found = max_error(n, c["target"])[0]
    factor = 0.999 * float(found) / c["upper"]
    c["upper"] *= factor
    for cell in c["proof"]["cells"]:
        cell[3] *= factor
    rc, out, _ = run(capsys, "check", net, _write(tmp_path / "c.json", c))
    assert rc == 1 and out.startswith("REJECTED: piece ["), out


BAD_INPUT = {
    "network not JSON": lambda c, n, d: (d / "n.json").write_text('{"format": "proofkit.permnet/1", "weights": [1,'),
    "certificate of format /2": lambda c, n, d: c.update(format="proofkit.certificate/2"),
    "no proof": lambda c, n, d: c.pop("proof"),
    "proof cells malformed": lambda c, n, d: c["proof"]["cells"][0].append(1),
    "extra point not a rational": lambda c, n, d: c["proof"].update(extra=["0.5"]),
    "precision out of range": lambda c, n, d: c["proof"].update(precision=10 ** 6),
    "target unparsable": lambda c, n, d: c.update(target="sin(2*pi*x"),
    "target unsafe": lambda c, n, d: c.update(target="__import__('os').system('true')"),
    "weights not +-1": lambda c, n, d: n["weights"].__setitem__(0, 2),
    "bias not a number": lambda c, n, d: n["biases"].__setitem__(0, "0.5"),
    "a NaN in the network": lambda c, n, d: (d / "n.json").write_text(
        json.dumps(n).replace(str(n["biases"][0]), "NaN", 1)),
    "an overflowing number in the network": lambda c, n, d: (d / "n.json").write_text(
        json.dumps(n).replace(str(n["biases"][0]), "1e999", 1)),
    "exact section not rational": lambda c, n, d: n.setdefault("exact", {}).update(scale="one"),
}


@pytest.mark.parametrize("bad", list(BAD_INPUT))
def test_bad_input_is_one_line_on_stderr_exit_2(capsys, files, tmp_path, bad):
    net, cert = files["t1"]
    c, n = _load(cert), _load(net)
    _write(tmp_path / "n.json", n)
    BAD_INPUT[bad](c, n, tmp_path)
    if bad not in ("network not JSON", "a NaN in the network", "an overflowing number in the network"):
        _write(tmp_path / "n.json", n)
    rc, out, err = run(capsys, "check", tmp_path / "n.json", _write(tmp_path / "c.json", c))
    assert rc == 2 and out == "" and len(err.splitlines()) == 1 and "Traceback" not in err, (out, err)
    assert err.startswith("proofkit check: error: ")


def test_missing_files_and_usage(capsys, tmp_path, files):
    net, cert = files["t1"]
    rc, out, err = run(capsys, "check", tmp_path / "none.json", cert)
    assert rc == 2 and "cannot read" in err
    assert checker.main([str(net)]) == 2


# ------------------------------------------------------------------------------------------ the kernel's parts
def _networks():
    pool = experiment_pool("pairwise", 24, 5)
    rng = np.random.default_rng(7)
    yield PermNetwork.from_pool(pool, rng.permutation(48), layout="authors", scale=0.7, shift=-0.3,
                                activation="leaky_relu:0.125")
    yield PermNetwork.from_pool(pool, rng.permutation(48), layout="authors", scale=3.0, shift=0.25)
    w = rng.choice([-1, 1], 60)
    c = rng.normal(0, 2, 60)  # many break-points outside [0, 1]
    c[::7] = c[1::7][:len(c[::7])]  # repeated break-points, some cancelling
    a = rng.normal(0, 1, 60)
    yield PermNetwork(w, c, a, np.arange(60), 1.5, 0.1, (0.0, 1.0), "leaky_relu:0.3")
    yield PermNetwork(w, c, np.round(a, 1), np.arange(60), 2.0, 0.0, (-0.5, 0.75))


@pytest.mark.parametrize("k", range(4))
def test_network_values_are_exact(k):
    net = list(_networks())[k]
    d = net.to_dict()
    stored = StoredNetwork(d)
    a, b = net.domain
    pts, num, den = checker.network_pl(checker.read_network(d), a, b)
    vals = [Fraction(n, den) for n in num]
    assert pts[0] == a and pts[-1] == b and all(u < v for u, v in zip(pts, pts[1:]))
    for p, v in zip(pts, vals):
        assert v == stored(p), p
    # f_NN is linear between the points: the midpoints agree too, and no break-point is missing
    for u, v, nu, nv in zip(pts, pts[1:], vals, vals[1:]):
        m = (Fraction(u) + Fraction(v)) / 2
        assert (nu + nv) / 2 == stored(m)


@pytest.mark.parametrize("k", range(4))
def test_hash_is_the_networks(k, tmp_path):
    net = list(_networks())[k]
    assert checker.network_sha256(checker.read_network(net.to_dict())) == net.sha256()


def test_hash_with_an_exact_section(files):
    net = PermNetwork.load(files["abs"][0])
    assert net.exact and checker.network_sha256(checker.read_network(net.to_dict())) == net.sha256()


TARGETS = [
    ("sin(2*pi*x)", 0, 1), ("abs(x - 1/3)", 0, 1), ("sqrt(x)", 0, 1), ("abs(x - 1/3)**0.5", 0, 1),
    ("exp(-x**2)*cos(8*x)", -1, 1), ("Sum(2**-k*cos(3**k*pi*x), (k, 0, 5))", 0, 1),
    ("Piecewise((x**2, x < 1/2), (x - 1/4, True))", 0, 1), ("Max(x, 1 - x)**2", 0, 1),
    ("Min(sin(3*x), cos(2*x))", 0, 2), ("tanh(3*x - 1) + sinh(x)*cosh(x)", -1, 1),
    ("asinh(x) + acosh(x + 2) + atanh(x/2)", -1, 1), ("tan(x) + cot(x + 1) + sec(x) + csc(x + 1)", 0, 1),
    ("atan(x) + asin(x/2) + acos(x/3)", -1, 1), ("erf(x) + erfc(2*x)", -1, 1), ("sinc(3*x)", -1, 1),
    ("log(x + 1) + log(x + 2, 3)", 0, 1), ("x**(1/3) + cbrt(x) + root(x + 1, 5)", 0, 1), ("x**1.5", 0, 1),
    ("1/(1 + 25*x**2)", -1, 1), ("2**x + E**x + (x + 1)**x", 0, 1), ("legendre(4, x) + chebyshevt(5, x)", -1, 1),
    ("Piecewise((0, x < 0), (x**2, (x >= 0) & (x < 1/2)), (x - 1/4, True))", -1, 1), ("x*sign(x - 1/2)", 0, 1),
]


def _mp(text):
    """f*, f*', f*''/2 evaluated by mpmath from sympy's derivatives (None where that has no mpmath form)."""
    t = parse_target(text)
    e = t.expr.rewrite(sp.Piecewise) if t.expr.has(sp.Max, sp.Min) else t.expr
    out = []
    for k in range(3):
        d = sp.diff(e, t.var, k) / sp.factorial(k)
        out.append(None if d.has(sp.DiracDelta, sp.Heaviside) else sp.lambdify(t.var, d, modules="mpmath"))
    return out


def _exact(x):
    m, e = x.man_exp()
    return mpmath.ldexp(mpmath.mpf(int(m)), int(e))


def _inside(ball, v):
    tol = mpmath.mpf(10) ** -45 * (1 + abs(v))
    return _exact(ball.lower()) - tol <= v <= _exact(ball.upper()) + tol


@pytest.mark.parametrize("text,lo,hi", TARGETS)
def test_target_enclosures_contain_the_values(text, lo, hi):
    """f* at points, and (f*, f*', f*''/2) on balls of cells, contain the values mpmath computes at 60 digits
    from sympy's derivatives, at points of the cell (end points: f* only)."""
    fs = _mp(text)
    rng = random.Random(text)
    old = ctx.prec, ctx.cap
    ctx.prec, ctx.cap = 128, 3
    mpmath.mp.dps = 60
    try:
        f = checker.Target(text)
        for _ in range(40):
            u = 1 / 3 if rng.random() < 0.2 else rng.uniform(lo, hi - 1e-3)   # 1/3: a kink of some targets
            v = min(hi, u + 10 ** rng.uniform(-6, -0.5))
            F = f.enclose(checker.cell_ball(u, v), (arb(u), arb(v)))
            for x in [u, v] + [rng.uniform(u, v) for _ in range(3)]:
                point = f(arb(x))
                vals = [g(mpmath.mpf(x)) if g else None for g in fs]
                if all(isinstance(y, mpmath.mpf) and mpmath.isfinite(y) for y in vals[:1]):
                    assert not point.is_finite() or _inside(point, vals[0]), (text, x, point, vals[0])
                    assert not F[0].is_finite() or _inside(F[0], vals[0]), (text, u, v, x, F[0], vals[0])
                if x in (u, v):
                    continue
                for k in (1, 2):
                    y = vals[k]
                    if isinstance(y, mpmath.mpf) and mpmath.isfinite(y) and F[k].is_finite():
                        assert _inside(F[k], y), (text, u, v, x, k, F[k], y)
    finally:
        ctx.prec, ctx.cap = old


def test_enclosures_are_used_where_they_exist():
    """Not a vacuous pass: on cells away from kinks the series are finite; across a kink only F0 is."""
    old = ctx.prec, ctx.cap
    ctx.prec, ctx.cap = 128, 3
    try:
        f = checker.Target("abs(x - 1/3)**0.5 + Piecewise((x, x < 3/4), (3/4, True))")
        assert all(v.is_finite() for v in f.enclose(checker.cell_ball(0.5, 0.6), (arb(0.5), arb(0.6))))
        F = f.enclose(checker.cell_ball(0.3, 0.4), (arb(0.3), arb(0.4)))
        assert F[0].is_finite() and not F[1].is_finite()
        # a kink at a cell's end: one branch holds on the closed cell
        g = checker.Target("abs(x - 1/2)")
        assert all(v.is_finite() for v in g.enclose(checker.cell_ball(0.5, 0.75), (arb(0.5), arb(0.75))))
    finally:
        ctx.prec, ctx.cap = old


# ------------------------------------------------------------------------------------------ the proof's writer
def test_no_proof_for_a_false_bound(files):
    net = PermNetwork.load(files["t1"][0])
    c = _load(files["t1"][1])
    proof, why = make_proof(net, c["target"], c["domain"], c["lower"] * 0.999)
    assert proof is None and "no proof for 'proofkit check'" in why


def test_certify_without_proof_and_old_certificates_are_read(files, tmp_path):
    from proofkit.certify import Certificate
    net = PermNetwork.load(files["t1"][0])
    cert = certify(net, SIN, 0.1, proof=False)
    assert cert.proof is None
    d = cert.to_dict()
    d["format"] = "proofkit.certificate/2"
    d.pop("proof")
    assert Certificate.from_dict(d).upper == cert.upper


def test_the_checker_does_not_change_flint_precision(files):
    before = ctx.prec, ctx.cap
    checker.check(*files["t1"])
    assert (ctx.prec, ctx.cap) == before


def test_every_proof_certification_writes_is_confirmed():
    """Certify random closed-form targets (the generator of tests/test_certify.py) on random interpolants and
    replay every proof: the kernel confirms each one, and almost every certificate has one."""
    from hypothesis import given, settings, strategies as st
    from test_certify import CLOSED_FORMS, interpolant

    seen = {"proof": 0, "none": 0}

    @settings(max_examples=40, deadline=None, derandomize=True)
    @given(text=CLOSED_FORMS, n=st.integers(2, 40), seed=st.integers(0, 10 ** 6))
    def run_one(text, n, seed):
        t = parse_target(text)
        net = interpolant(t, n, (0.0, 1.0), offset=0.01, seed=seed)
        cert = certify(net, t)
        if cert.proof is None:
            seen["none"] += 1
            return
        seen["proof"] += 1
        assert checker.check_data(net.to_dict(), cert.to_dict())[-1].startswith("PROVED (checked)")

    run_one()
    assert seen["proof"] >= 0.9 * (seen["proof"] + seen["none"]), seen
