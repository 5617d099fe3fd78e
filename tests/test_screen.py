"""The certificate path for large networks: enclosed network values (proofkit.enclose, pwl.relu_sum_enclosure)
and the ``arb-screened`` method (proofkit.screen), cross-checked against exact rationals and ``arb-taylor``.

Independent references: the network's exact dyadic PL form (Fractions, proofkit.pwl.relu_sum on the
stored floats), the ``arb-taylor`` branch and bound on the same network, tests/independent.py (every
certificate of the session, from the stored floats in exact rationals and mpmath) and, when installed,
Sollya's ``supnorm`` (an enclosure of the sup on a piece computed by an unrelated program).
"""
import math
import re
import shutil
import subprocess
from fractions import Fraction as F

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from proofkit.certify import CertificateError, certify
from proofkit.construct.theorem1 import construct_theorem1
from proofkit.construct.theorem2 import construct_theorem2
from proofkit.construct.theorem3 import construct_theorem3
from proofkit.enclose import two_prod, two_runs_order, two_sum
from proofkit.expr import parse_target, standard_target
from proofkit.network import PermNetwork
from proofkit.pool import _grid_rounded, equidistant_pool
from proofkit.pwl import relu_sum, relu_sum_enclosure


# ------------------------------------------------------------------------------------------ enclosures
@settings(max_examples=300)
@given(st.floats(-1e30, 1e30, allow_nan=False), st.floats(-1e30, 1e30, allow_nan=False))
def test_error_free_transformations_are_exact(a, b):
    s, e = two_sum(a, b)
    assert F(s) + F(e) == F(a) + F(b)
    p, e = two_prod(a, b)
    if a == 0 or b == 0 or abs(a * b) > 1e-250:   # no partial product underflows
        assert F(p) + F(e) == F(a) * F(b)


def _random_network(rng, H):
    w = rng.choice([-1, 1], H).astype(np.int8)
    c = np.round(rng.uniform(-1, 1, H), int(rng.integers(1, 17)))
    a = rng.uniform(-1, 1, H) * 10.0 ** int(rng.integers(-3, 4))
    if H >= 4:  # linear-mode pairs (jump exactly 0) and shared break-points
        c[1], w[1], a[1] = -c[0], -w[0], -a[0]
        c[3] = c[2]
    return w, c, a


@settings(max_examples=150)
@given(st.integers(0, 10 ** 9), st.integers(1, 80))
def test_enclosure_contains_the_exact_dyadic_values(seed, H):
    """Knots are those of the exact PL form (plus possibly unproved zero jumps), and every exact value
    lies within V +- rad; rad is at double-double level (a few ulps of V)."""
    rng = np.random.default_rng(seed)
    w, c, a = _random_network(rng, H)
    scale, shift = float(rng.uniform(-3, 3)), float(rng.uniform(-2, 2))
    A, B = sorted(float(v) for v in rng.uniform(-1.2, 1.2, 2))
    enc = relu_sum_enclosure(w, c, a, scale=scale, shift=shift, domain=(A, B))
    ex = relu_sum(w, np.array([F(v) for v in c], dtype=object), np.array([F(v) for v in a], dtype=object),
                  scale=F(scale), shift=F(shift), extra_knots=(F(A), F(B)))
    T = [F(t) for t in enc.knots]
    assert T[0] == F(A) and T[-1] == F(B) and all(x < y for x, y in zip(T, T[1:]))
    assert {k for k in ex.knots if F(A) <= k <= F(B)} <= set(T)
    lo, hi = enc.bounds()
    for t, v, r, l, h in zip(T, enc.values, enc.radii, lo, hi):
        exact = ex(t)
        assert abs(exact - F(v)) <= F(r) and F(l) <= exact <= F(h)
        assert r <= 2.0 ** -51 * abs(v) + 1e-290


def test_theory_layout_is_merged_like_a_stable_sort():
    net = PermNetwork.from_pool(equidistant_pool(500, (-1, 1)), np.random.default_rng(3).permutation(1000))
    t = np.where(net.weights > 0, -net.biases, net.biases)
    order = two_runs_order(net.biases, net.weights)
    assert order.tolist() == np.argsort(t, kind="stable").tolist()
    w = net.weights.copy()
    w[[0, 1]] = -w[[0, 1]]                      # no longer two sorted runs: the caller sorts
    assert len(two_runs_order(net.biases, w)) == 0
    enc, ex = net.enclosed_pl, net.dyadic_pl
    assert [F(t) for t in enc.knots] == list(ex.knots)
    assert all(abs(ex(F(t)) - F(v)) <= F(r) for t, v, r in zip(enc.knots, enc.values, enc.radii))


def test_enclosure_refuses_what_it_cannot_bound():
    w, c, a = np.array([1], np.int8), np.array([0.5]), np.array([1.0])
    with pytest.raises(ValueError):
        relu_sum_enclosure(w, c, a, negative_slope=F(1, 100), domain=(0.0, 1.0))
    with pytest.raises(ValueError):
        relu_sum_enclosure(w, c, np.array([2.0 ** 600]), domain=(0.0, 1.0))
    with pytest.raises(ValueError):
        relu_sum_enclosure(w, c, a, domain=(F(1, 3), 1.0))


@pytest.mark.parametrize("domain", [(0, 1), (-1, 1), ("0", "0.3"), (F(1, 3), 2), (0.1, 0.9), (-2, -1)])
def test_float_equidistant_pool_is_the_rounded_exact_pool(domain):
    a, b = (F(v) for v in domain)
    for n in (2, 3, 7, 1001):
        exact = [float(a + (b - a) * F(i, n - 1)) for i in range(n)]
        assert _grid_rounded(a, b, n).tolist() == exact
    big = equidistant_pool(70_000, domain)
    assert not big.exact and big.biases[-1] == float(b)


# ------------------------------------------------------------------------------------------ arb-screened
def _agree(net, text, eps=None, rtol=0.02, **kw):
    """Certify with both paths; the two enclosures [L, U] must overlap, U must stay within the rtol band
    of the other path's L (plus the screen's small slack), and both must lie above sampled errors."""
    tgt = parse_target(text)
    s = certify(net, tgt, eps, screen=True, exact=False, rtol=rtol, **kw)
    c = certify(net, tgt, eps, screen=False, exact=False, rtol=rtol, **kw)
    assert s.method == "arb-screened" and c.method == "arb-taylor" and s.rigorous
    assert s.lower <= c.upper and c.lower <= s.upper
    assert s.upper <= c.lower * (1 + 2 * rtol) + 1e-12
    xs = np.unique(np.concatenate([np.linspace(*net.domain, 20001), net.pl.knots]))
    xs = xs[(xs >= net.domain[0]) & (xs <= net.domain[1])]
    sampled = float(np.max(np.abs(tgt(xs) - net(xs))))
    assert sampled <= s.upper + 1e-9
    return s, c


@pytest.mark.parametrize("text,domain,eps", [
    ("sin(2*pi*x)", (0.0, 1.0), 0.1),
    ("abs(x - 1/3)", (0.0, 1.0), 0.1),          # a kink that is not a float: a one-ulp cell without a model
    ("sqrt(x)", (0.0, 1.0), 0.1),               # f'' unbounded at 0: cells down to the minimum width
    ("Piecewise((x**2, x < 1/2), (x - 1/4, True))", (0.0, 1.0), 0.05),
    ("exp(-x**2)*cos(8*x)", (-1.0, 1.0), 0.05),
])
def test_screened_agrees_with_arb_taylor_on_theorem1(text, domain, eps):
    cons = construct_theorem1(parse_target(text), eps, domain)
    _agree(cons.net, text, eps)


def test_screened_agrees_on_theorems_2_and_3():
    tgt, dom = standard_target("gauss_cos")
    _agree(construct_theorem2(tgt, 1.0, dom).net, tgt.text, 1.0)
    tgt, dom = standard_target("abs")
    _agree(construct_theorem3(tgt, 0.5, dom, seed=1).net, tgt.text, 0.5)


@settings(max_examples=20)
@given(st.integers(0, 10 ** 6), st.sampled_from(["sin(3*x) + x**2", "abs(x - 1/5) - x/3", "sqrt(x)*cos(5*x)"]))
def test_screened_agrees_on_random_permutation_networks(seed, text):
    """Random permutations of a pool: errors of order 1, many pieces near the max, a large U - L work."""
    pool = equidistant_pool(60, (0, 1))
    perm = np.random.default_rng(seed).permutation(120)
    net = PermNetwork.from_pool(pool, perm, scale=0.37, shift=0.1)
    _agree(net, text)


@pytest.mark.parametrize("pieces,noise", [(3000, 0.0), (3000, 1e-3)])
def test_screened_agrees_on_interpolants(pieces, noise):
    """A network interpolating sin(2 pi x) (errors only between the knots, ~5e-7; the cells' tolerance
    comes from midpoints) and one with noisy values (errors at the knots)."""
    t = np.arange(pieces) / pieces
    v = np.sin(2 * np.pi * np.append(t, 1.0)) + np.random.default_rng(0).uniform(-noise, noise, pieces + 1)
    s = np.diff(v) * pieces
    a = np.concatenate([s[:1], np.diff(s)])
    net = PermNetwork(np.ones(pieces, np.int8), -t, a, np.arange(pieces), shift=float(v[0]))
    _agree(net, "sin(2*pi*x)")


def test_screened_with_a_sub_domain_and_flagged_runs():
    """On [0, 1/2] the cell at 0 has no model (sqrt'' is unbounded there): its sub-pieces go to arb."""
    cons = construct_theorem1(parse_target("sqrt(x)"), 0.1, (0.0, 1.0))
    s, c = _agree(cons.net, "sqrt(x)", domain=(0.0, 0.5))
    flagged = int(re.search(r"(\d+) re-bounded by arb-taylor", s.notes[0]).group(1))
    assert s.domain == (0.0, 0.5) and flagged > 0


def test_screen_true_where_it_does_not_apply_is_refused():
    cons = construct_theorem1(parse_target("sin(2*pi*x)"), 0.1, (0.0, 1.0))
    leaky = PermNetwork(cons.net.weights, cons.net.biases, cons.net.pool, cons.net.permutation,
                        cons.net.scale, cons.net.shift, cons.net.domain, "leaky_relu:0.01")
    with pytest.raises(CertificateError, match="screen"):
        certify(leaky, "sin(2*pi*x)", screen=True)
    with pytest.raises(CertificateError, match="float64"):
        certify(cons.net, "sin(2*pi*x)", screen=True, domain=(F(1, 3), 1))
    assert certify(leaky, "sin(2*pi*x)").method == "arb-taylor"   # automatic: falls back


# ------------------------------------------------------------------------------------------ Sollya
SOLLYA = shutil.which("sollya")


def sollya_supnorms(pieces, target_sollya):
    """Sollya's enclosure [lo, hi] of sup |p - f| on each piece (u, v, Vu, Vv), all exact rationals, with
    p the network's line on the piece. One Sollya process; 165-bit precision."""
    lines = ["prec=165!;", "display=dyadic!;", f"f = {target_sollya};"]
    for u, v, a, b in pieces:
        lines.append(f"p = ({a}) + (({b}) - ({a}))/(({v}) - ({u}))*(x - ({u}));")
        lines.append(f"r = supnorm(p, f, [{u}; {v}], absolute, 2^(-30)); print(inf(r), sup(r));")
    lines.append("quit;")
    out = subprocess.run([SOLLYA, "--warnonstderr"], input="\n".join(lines), capture_output=True, text=True,
                         timeout=600, check=True).stdout.split()
    vals = [_dyadic(t) for t in out]
    return list(zip(vals[0::2], vals[1::2]))


def _dyadic(tok: str) -> F:
    m, _, e = tok.partition("b")
    return F(int(m)) * F(2) ** int(e or 0)


def _rat(q: F) -> str:
    return f"{q.numerator}/{q.denominator}"


@pytest.mark.skipif(SOLLYA is None, reason="sollya is not installed (Debian package 'sollya')")
def test_U_is_never_below_sollyas_lower_enclosure():
    """On the worst pieces of a Theorem-2 network (by the screen), Sollya's proven lower enclosure of the
    sup never exceeds proofkit's U (which bounds every piece), and Sollya's upper enclosure of the largest
    piece sup is at least proofkit's proven L."""
    tgt, dom = standard_target("sin")
    net = construct_theorem2(tgt, 0.5, dom).net
    cert = certify(net, tgt, 0.5, screen=True)
    pl = net.dyadic_pl
    T, V = list(pl.knots), list(pl.values)
    errs = np.abs(tgt(np.array([float(t) for t in T])) - np.array([float(v) for v in V]))
    worst = np.argsort(-np.maximum(errs[:-1], errs[1:]))[:40]
    pieces = [(_rat(T[i]), _rat(T[i + 1]), _rat(V[i]), _rat(V[i + 1])) for i in sorted(worst)]
    sup = sollya_supnorms(pieces, "sin(2*pi*x)")
    assert max(lo for lo, _ in sup) <= F(cert.upper)
    assert F(cert.lower) <= max(hi for _, hi in sup) or cert.witness not in [float(T[i]) for i in worst]


# ------------------------------------------------------------------------------------------ network files
def test_networks_above_the_file_limit_are_not_written_as_json(monkeypatch, tmp_path, capsys):
    import proofkit.cli.construct as cli_construct
    import proofkit.network as network
    from proofkit.cli import main
    from proofkit.network import NetworkFileError

    net = PermNetwork.from_pool(equidistant_pool(8, (0, 1)))
    monkeypatch.setattr(network, "MAX_FILE_UNITS", 10)
    with pytest.raises(NetworkFileError, match="network_sha256"):
        net.save(tmp_path / "net.json")
    monkeypatch.setattr(cli_construct, "MAX_FILE_UNITS", 10)
    out = tmp_path / "big.json"
    assert main(["construct", "sin(2*pi*x)", "--eps", "0.5", "--theorem", "2", "--out", str(out),
                 "--progress", "none"]) == 2
    err = capsys.readouterr().err
    assert "not written as JSON" in err and len(err.strip().splitlines()) == 1 and not out.exists()
