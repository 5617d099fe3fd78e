"""Certificates for 2-D/3-D permutation networks (proofkit.certify_nd).

The bounds are checked against an evaluator written here: the network summed unit by unit (float64 for many
points, exact Fractions for the worst ones) and the target in mpmath at 50 digits, so a proved U below any
error found here is a false certificate. The networks are small: synthetic ones whose coefficients are
least-squares fits of the target (so that, like trained networks, their error is spread over the cube), and
one trained by proofkit's trainer.
"""
from __future__ import annotations

import itertools
import json
import math
from fractions import Fraction

import mpmath
import numpy as np
import pytest
import sympy as sp

from proofkit.certify import CertificateError
from proofkit.certify_nd import (ND_CERT_FORMAT, NDCertificate, _Bounder, _Ridges, _Target,
                                 certify_nd, network_sha256)
from proofkit.expr import TargetError
from proofkit.train.ndnet import NDPermNetwork

mpmath.mp.dps = 50


# ---------------------------------------------------------------------------------------------- the evaluator
def paper_directions(dim):
    if dim == 2:
        return np.array([[1, 0], [-1, 0], [1, 1], [-1, -1], [-1, 1], [1, -1], [0, 1], [0, -1]], dtype=float)
    v = np.array([v for v in itertools.product((-1, 0, 1), repeat=3) if any(v)], dtype=float)
    return v / np.sqrt(3.0)


def _slope(activation):
    return 0.0 if activation == "relu" else float(activation.partition(":")[2])


def net_float(net, X):
    """f_NN at the rows of X, unit by unit in float64 (not the certifier's tables)."""
    W = net.directions[net.unit_dir]
    Z = X @ W.T + net.biases
    s = _slope(net.activation)
    a = net.pool[net.permutation]
    return net.shift + net.scale * (np.where(Z > 0, Z, s * Z) @ a)


def net_exact(net, x):
    """f_NN at a point of floats or Fractions, exactly (every float is a dyadic rational)."""
    s = Fraction(net.activation.partition(":")[2] or 0)
    a = net.pool[net.permutation]
    xq = [v if isinstance(v, Fraction) else Fraction(float(v)) for v in x]
    total = Fraction(0)
    for j, g in enumerate(net.unit_dir):
        z = sum((Fraction(float(u)) * v for u, v in zip(net.directions[g], xq)), Fraction(float(net.biases[j])))
        total += Fraction(float(a[j])) * (z if z > 0 else s * z)
    return Fraction(float(net.shift)) + Fraction(float(net.scale)) * total


def target_mp(text, dim):
    from proofkit.expr import parse_expression
    expr, syms = parse_expression(text, ("x", "y", "z")[:dim])
    return sp.lambdify(syms, expr, modules="mpmath")


def target_np(text, dim):
    from proofkit.expr import parse_expression
    expr, syms = parse_expression(text, ("x", "y", "z")[:dim])
    f = sp.lambdify(syms, expr, modules="numpy")
    return lambda X: np.broadcast_to(f(*X.T), (len(X),))


def exact_error(net, text, x):
    """|f*(x) - f_NN(x)| at 50 digits (an mpf)."""
    f = target_mp(text, len(x))
    q = net_exact(net, x)
    return abs(f(*[mpmath.mpf(float(v)) for v in x]) - mpmath.mpf(q.numerator) / q.denominator)


def worst_sampled(net, text, X, top=12):
    """The largest error at the rows of X, the worst ``top`` re-evaluated exactly: (mpf, point)."""
    e = np.abs(target_np(text, X.shape[1])(X) - net_float(net, X))
    idx = np.argsort(e)[-top:]
    best = max(((exact_error(net, text, X[i]), X[i]) for i in idx), key=lambda t: t[0])
    return best


# ---------------------------------------------------------------------------------------------- networks
def fitted(dim, n, text, *, seed=0, dirs=None, activation="relu", domain=(-1.0, 1.0), scale=1.0, shift=0.0):
    """A permutation network (pool = coefficients, identity permutation) whose coefficients are a least
    squares fit of the target: its error looks like a trained network's (spread, many local maxima)."""
    rng = np.random.default_rng(seed)
    dirs = paper_directions(dim) if dirs is None else np.asarray(dirs, dtype=float)
    D = len(dirs)
    a, b = domain
    unit_dir = np.repeat(np.arange(D), n)
    reach = np.abs(dirs).sum(axis=1)[unit_dir] * max(abs(a), abs(b))
    biases = rng.uniform(-1.0, 1.0, len(unit_dir)) * (reach + 0.1)
    X = rng.uniform(a, b, (4000, dim))
    W = dirs[unit_dir]
    Z = X @ W.T + biases
    s = _slope(activation)
    A = np.where(Z > 0, Z, s * Z) * scale
    y = target_np(text, dim)(X) - shift
    coef, *_ = np.linalg.lstsq(A, y, rcond=None)
    return NDPermNetwork(dirs, unit_dir, biases, coef, np.arange(len(unit_dir)), scale, shift, domain, activation)


CASES = {
    "2d-paper": (2, 6, "-sin(pi*x*y)", {}),
    "2d-leaky-offset": (2, 5, "exp(x/2)*cos(2*y)", dict(activation="leaky_relu:0.1", domain=(0.0, 2.0),
                                                         scale=-0.75, shift=0.25,
                                                         dirs=[[1, 0], [0, 1], [1, 2], [0, 0], [1, 0], [-2, -4]])),
    "2d-odd-floats": (2, 4, "sin(x)*y + x**2", dict(dirs=[[0.3, -0.7], [-0.3, 0.7], [1 / 3, 0.1]],
                                                    domain=(-0.3, 0.7))),
    "3d-paper": (3, 2, "sin(3*x)*cos(y)*sin(2*z)", {}),
}


@pytest.fixture(scope="module", params=sorted(CASES))
def case(request):
    dim, n, text, kw = CASES[request.param]
    net = fitted(dim, n, text, **kw)
    return net, text, certify_nd(net, text, rtol=0.02)


# ---------------------------------------------------------------------------------------------- tests
def test_ridge_tables_match_the_unit_sum(case):
    net, text, _ = case
    r = _Ridges(net)
    rng = np.random.default_rng(1)
    a, b = net.domain
    X = rng.uniform(a, b, (3000, net.dim))
    assert np.allclose(r.approx(X), net_float(net, X), rtol=0, atol=1e-12)
    for x in X[:5]:
        assert r.exact(x) == net_exact(net, x)


def test_upper_bound_is_above_every_sampled_error(case):
    net, text, cert = case
    d = net.dim
    a, b = net.domain
    rng = np.random.default_rng(2)
    m = 161 if d == 2 else 31
    ax = np.linspace(a, b, m)
    grid = np.stack([g.ravel() for g in np.meshgrid(*[ax] * d, indexing="ij")], axis=1)
    w = np.array(cert.witness)
    near = np.clip(w + rng.uniform(-0.02, 0.02, (20000, d)) * (b - a), a, b)
    X = np.vstack([grid, rng.uniform(a, b, (20000, d)), near, np.array(list(itertools.product((a, b), repeat=d)))])
    worst, where = worst_sampled(net, text, X)
    assert cert.rigorous and cert.method == "arb-taylor-nd"
    assert worst <= mpmath.mpf(cert.upper), (worst, where, cert.upper)
    assert Fraction(cert.upper_rational) == Fraction(cert.upper)
    # the lower bound is an error that occurs, at the witness
    assert cert.lower <= exact_error(net, text, cert.witness)
    assert all(a <= v <= b for v in cert.witness)
    # refined to the tolerance (no budget note), and the sampled sup is inside [L, U]
    assert not cert.notes
    assert cert.upper <= cert.lower * (1 + cert.rtol)


def test_box_bounds_hold_on_random_boxes(case):
    """The core inequality, box by box: the proved bound of a box is above every error sampled inside it
    (small boxes, where the bound is tight and a wrong term would show)."""
    net, text, _ = case
    d = net.dim
    a, b = net.domain
    bd = _Bounder(_Ridges(net), _Target(text, d, 128), a, b, 3)
    rng = np.random.default_rng(3)
    f = target_np(text, d)
    for trial in range(12):
        level = int(rng.integers(2, 12))
        K = rng.integers(0, 2 ** level, (1, d))
        bound = bd.prove(K, level)[0]
        lo, hi, _m, _r = bd.geometry(K, level)
        X = rng.uniform(lo[0], hi[0], (3000, d))
        X = np.vstack([X, np.array(list(itertools.product(*zip(lo[0], hi[0]))))])
        e = np.abs(f(X) - net_float(net, X))
        i = int(np.argmax(e))
        assert exact_error(net, text, X[i]) <= mpmath.mpf(bound), (level, K, bound)
        assert bound < math.inf


def test_trained_network_certifies_within_tolerance(tmp_path):
    from proofkit.train import TrainConfig, run
    res = run(TrainConfig(target="-sin(pi*x*y)", dim=2, n=12, epochs=30, n_train=4000, n_test=41))
    net = res.net
    path = tmp_path / "net.json"
    net.save(path)
    net = NDPermNetwork.load(path)
    cert = certify_nd(net, "-sin(pi*x*y)", rtol=0.01)
    assert cert.certified and cert.permutation_ok
    assert cert.upper <= cert.lower * 1.01
    X = np.random.default_rng(4).uniform(-1, 1, (50000, 2))
    worst, _ = worst_sampled(net, "-sin(pi*x*y)", X)
    assert worst <= cert.upper
    assert cert.network_sha256 == network_sha256(net)


def test_certificate_json_round_trip_and_validation(case, tmp_path):
    net, text, cert = case
    p = tmp_path / "c.json"
    cert.save(p)
    d = json.loads(p.read_text())
    assert d["format"] == ND_CERT_FORMAT and d["certified"] is True
    back = NDCertificate.load(p)
    assert back.to_dict() == cert.to_dict()
    for key in ("upper", "network_sha256", "witness"):
        bad = dict(d)
        del bad[key]
        with pytest.raises(CertificateError, match=key):
            NDCertificate.from_dict(bad)
    bad = dict(d, witness=[0.0] * (net.dim + 1))
    with pytest.raises(CertificateError, match="witness"):
        NDCertificate.from_dict(bad)
    forged = dict(d, certified=True, permutation_ok=False)
    assert NDCertificate.from_dict(forged).certified is False


def test_network_hash_names_the_float_fields():
    net = fitted(2, 3, "x*y")
    h = network_sha256(net)
    assert len(h) == 64 and h == network_sha256(net)
    biases = net.biases.copy()
    biases[0] = np.nextafter(biases[0], np.inf)
    other = NDPermNetwork(net.directions, net.unit_dir, biases, net.pool, net.permutation, net.scale, net.shift,
                          net.domain, net.activation)
    assert network_sha256(other) != h
    renamed = NDPermNetwork(net.directions, net.unit_dir, net.biases, net.pool, net.permutation, net.scale,
                            net.shift, net.domain, net.activation, {"target": "something else"})
    assert network_sha256(renamed) == h


def test_failed_permutation_is_not_certified():
    net = fitted(2, 3, "x*y")
    coeffs = net.coefficients.copy()
    coeffs[0] += 1e-9
    bad = NDPermNetwork(net.directions, net.unit_dir, net.biases, net.pool, net.permutation, net.scale,
                        net.shift, net.domain, net.activation, {}, coeffs)
    cert = certify_nd(bad, "x*y", eps=10.0)
    assert not cert.permutation_ok and not cert.certified and cert.rigorous
    # what is bounded is the stored network (with the tampered coefficient)
    assert cert.network_sha256 == network_sha256(bad) != network_sha256(net)
    assert cert.lower <= exact_error(NDPermNetwork(net.directions, net.unit_dir, net.biases, coeffs,
                                                   net.permutation, net.scale, net.shift, net.domain),
                                     "x*y", cert.witness)


def test_eps_decides_certified():
    net = fitted(2, 4, "x*y")
    cert = certify_nd(net, "x*y", eps=1.0)
    assert cert.certified
    assert not certify_nd(net, "x*y", eps=cert.lower / 2).certified


@pytest.mark.parametrize("text, match", [("abs(x) + y", "smooth"), ("Max(x, y)", "smooth"),
                                         ("sqrt(x + 1)*y", "second derivatives"), ("x*q", "variables")])
def test_refused_targets(text, match):
    net = fitted(2, 2, "x*y")
    with pytest.raises(TargetError, match=match):
        certify_nd(net, text)


def test_bad_arguments():
    net = fitted(2, 2, "x*y")
    with pytest.raises(CertificateError, match="rtol"):
        certify_nd(net, "x*y", rtol=-1)
    with pytest.raises(CertificateError, match="max_boxes"):
        certify_nd(net, "x*y", max_boxes=0)


def test_budget_keeps_the_bound_rigorous():
    net = fitted(2, 6, "-sin(pi*x*y)")
    cert = certify_nd(net, "-sin(pi*x*y)", rtol=0.0, max_boxes=200)
    assert cert.notes and "budget" in cert.notes[0]
    X = np.random.default_rng(5).uniform(-1, 1, (20000, 2))
    worst, _ = worst_sampled(net, "-sin(pi*x*y)", X)
    assert worst <= cert.upper and cert.lower <= cert.upper


@pytest.mark.parametrize("direction", [[1.0, 0.0], [1.0, 1.0], [0.3, -0.7]])
def test_residual_range_of_one_direction_is_exact(direction):
    """With one direction class the kernel's residual range [R-, R+] of a box is attained: it must equal the
    extremes of G - chord over the break-points inside and the ends, computed here exactly; and the affine
    part (A at the centre, gradient g) must be the chord: it meets G at both ends of the t-interval."""
    rng = np.random.default_rng(6)
    u = np.array(direction)
    dirs = np.array([u, -u])
    unit_dir = np.repeat([0, 1], 40)
    biases = rng.uniform(-1.0, 1.0, 80)
    pool = rng.normal(0, 1, 80)
    net = NDPermNetwork(dirs, unit_dir, biases, pool, rng.permutation(80), 0.5, 0.0, (-1.0, 1.0), "leaky_relu:0.2")
    r = _Ridges(net)
    bd = _Bounder(r, _Target("x*y", 2, 128), -1.0, 1.0, 2)
    for level in (1, 3, 5):
        K = rng.integers(0, 2 ** level, (4, 2))
        lo, hi, m, _rad = bd.geometry(K, level)
        out = bd.network(lo, hi, m)
        for p in range(len(K)):
            corners = np.array(list(itertools.product(*zip(lo[p], hi[p]))))
            t = corners @ u
            x_lo, x_hi = corners[np.argmin(t)], corners[np.argmax(t)]
            tq = [sum(Fraction(float(c)) * Fraction(float(v)) for c, v in zip(u, x)) for x in (x_lo, x_hi)]
            Nq = [net_exact(net, x) for x in (x_lo, x_hi)]
            A = lambda x: out[p, 0] + sum(out[p, 5 + i] * (x[i] - m[p, i]) for i in range(2))  # noqa: E731
            # the chord meets G at both ends (up to rounding)
            for x, nq in zip((x_lo, x_hi), Nq):
                assert abs(A(x) - float(nq)) < 1e-12
            slope = (Nq[1] - Nq[0]) / (tq[1] - tq[0])
            # break-points inside: t = -c (direction +u) or t = c (direction -u)
            bps = sorted({Fraction(float(-c)) for c in biases[:40]} | {Fraction(float(c)) for c in biases[40:]})
            vals = [Fraction(0)]
            for b in bps:
                if tq[0] < b < tq[1]:
                    s = (b - tq[0]) / (tq[1] - tq[0])
                    x = [Fraction(float(a)) + s * (Fraction(float(c)) - Fraction(float(a)))
                         for a, c in zip(x_lo, x_hi)]
                    vals.append(net_exact(net, x) - (Nq[0] + slope * (b - tq[0])))
            Rlo, Rhi = out[p, 2], out[p, 3]
            assert Rlo <= float(min(vals)) + 1e-12 and float(max(vals)) - 1e-12 <= Rhi
            assert abs(Rlo - float(min(vals))) < 1e-9 and abs(Rhi - float(max(vals))) < 1e-9


def test_tables_are_outward_roundings_of_the_exact_values():
    net = fitted(3, 2, "x*y*z")
    r = _Ridges(net)
    V = [v for vs in r.V for v in vs]
    S = [v for vs in r.S for v in vs]
    for exact, lo, hi in ((V, r.Vlo, r.Vhi), (S, r.Slo, r.Shi)):
        for q, a, b in zip(exact, lo, hi):
            assert Fraction(float(a)) <= q <= Fraction(float(b))
            assert (a == b and Fraction(float(a)) == q) or np.nextafter(a, np.inf) == b


# ---------------------------------------------------------------------------------------------- the CLI
def test_verify_cli_certifies_writes_and_checks_nd_certificates(tmp_path, capsys):
    from proofkit.cli import main

    net = fitted(2, 5, "-sin(pi*x*y)")
    net = NDPermNetwork(net.directions, net.unit_dir, net.biases, net.pool, net.permutation, net.scale, net.shift,
                        net.domain, net.activation, {"target": "-sin(pi*x*y)"})
    path, cpath = tmp_path / "net.json", tmp_path / "cert.json"
    net.save(path)
    assert main(["verify", str(path), "--cert", str(cpath)]) == 0
    out = capsys.readouterr().out
    assert "certified upper bound, arb-taylor-nd" in out and "proved bound" in out
    cert = NDCertificate.load(cpath)
    X = np.random.default_rng(7).uniform(-1, 1, (20000, 2))
    assert worst_sampled(net, "-sin(pi*x*y)", X)[0] <= cert.upper
    # the printed U is rounded up, L down
    U_text = out.split("U = ")[1].split()[0]
    L_text = out.split("L = ")[1].split()[0]
    assert Fraction(U_text) >= Fraction(cert.upper) and Fraction(L_text) <= Fraction(cert.lower)
    assert main(["verify", str(path), "--check-cert", str(cpath)]) == 0
    assert "confirmed" in capsys.readouterr().out
    # a certificate claiming a smaller U than can be proved is not confirmed
    d = json.loads(cpath.read_text())
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(dict(d, upper=cert.lower * 0.5, upper_rational=None)))
    assert main(["verify", str(path), "--check-cert", str(forged)]) == 1
    assert "upper" in capsys.readouterr().out
    # ... and one about another network is refused
    other = fitted(2, 5, "-sin(pi*x*y)", seed=1)
    opath = tmp_path / "other.json"
    other.save(opath)
    assert main(["verify", str(opath), "--check-cert", str(cpath)]) == 2
    assert "network_sha256" in capsys.readouterr().err
    # a tolerance below the proved U is not certified
    assert main(["verify", str(path), "--eps", f"{cert.lower / 2}"]) == 1
    assert "NOT CERTIFIED" in capsys.readouterr().out


def test_verify_cli_falls_back_to_sampling_for_non_smooth_targets(tmp_path, capsys):
    from proofkit.cli import main

    net = fitted(2, 3, "x*y")
    path = tmp_path / "net.json"
    net.save(path)
    assert main(["verify", str(path), "abs(x)*y"]) == 1
    out = capsys.readouterr().out
    assert "cannot certify" in out and "NOT a certificate" in out and "certified upper bound" not in out
    assert main(["verify", str(path), "abs(x)*y", "--eps", "100"]) == 1
    assert "NOT CERTIFIED" in capsys.readouterr().out
