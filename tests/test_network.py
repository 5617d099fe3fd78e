"""The permutation network (proofkit.network): evaluation, permutation check, file format."""
import json
from fractions import Fraction as F

import numpy as np
import pytest
import sympy as sp

from proofkit.network import FORMAT, NetworkFileError, PermNetwork
from proofkit.pool import equidistant_pool, experiment_pool


def random_net(n=20, seed=0, activation="relu", layout="authors", init="pairwise"):
    rng = np.random.default_rng(seed)
    pool = experiment_pool(init, n, seed)
    return PermNetwork.from_pool(pool, rng.permutation(2 * n), layout=layout, scale=1.7, shift=-0.3,
                                 activation=activation)


@pytest.mark.parametrize("activation", ["relu", "leaky_relu:0.01"])
@pytest.mark.parametrize("layout", ["authors", "theory"])
def test_pl_evaluation_matches_dense_oracle(activation, layout):
    net = random_net(activation=activation, layout=layout)
    x = np.linspace(-2, 2, 4001)
    np.testing.assert_allclose(net(x), net.dense(x), atol=1e-12, rtol=0)


def test_exact_pl_equals_float_network_in_rationals():
    net = random_net(8, 2)
    for x in [-1.0, -0.37, 0.0, 0.5, 1.0]:
        exact = net.exact_pl(F(x))
        # the float evaluator is within rounding of the exact value of the float network
        assert abs(float(exact) - float(net(np.array([x]))[0])) < 1e-13


def test_permutation_check_exact_and_bitwise():
    pool = equidistant_pool(6)
    net = PermNetwork.from_pool(pool, np.random.default_rng(1).permutation(12))
    chk = net.check_permutation()
    assert chk.ok and chk.method == "exact"
    net2 = random_net()
    chk2 = net2.check_permutation()
    assert chk2.ok and chk2.method == "bitwise"


def test_bitwise_check_has_no_tolerance():
    net = random_net()
    d = net.to_dict()
    d["coefficients"][3] = float(np.nextafter(d["coefficients"][3], 2.0))
    chk = PermNetwork.from_dict(d).check_permutation()
    assert not chk.ok and "extra" in chk.message and "missing" in chk.message
    assert chk.extra == (d["coefficients"][3],)


def test_permutation_check_names_extra_and_missing_exact():
    pool = equidistant_pool(5)
    net = PermNetwork.from_pool(pool, np.arange(10))
    d = net.to_dict()
    d["coefficients"][1] = 0.3
    chk = PermNetwork.from_dict(d).check_permutation()
    assert not chk.ok and chk.method == "exact"
    assert "0.3 is extra" in chk.message and "0.25 is missing" in chk.message


def test_permutation_not_bijection():
    net = random_net(4)
    d = net.to_dict()
    d["permutation"][0] = d["permutation"][1]
    chk = PermNetwork.from_dict(d).check_permutation()
    assert not chk.ok and "bijection" in chk.message


def test_json_round_trip_bit_for_bit(tmp_path):
    net = random_net(50, 3, activation="leaky_relu:0.01")
    path = tmp_path / "net.json"
    net.save(path)
    back = PermNetwork.load(path)
    x = np.random.default_rng(0).uniform(-1, 1, 1000)
    assert np.array_equal(net(x), back(x))
    for field in ("weights", "biases", "pool", "permutation", "coefficients"):
        assert np.array_equal(getattr(net, field), getattr(back, field))
    assert back.scale == net.scale and back.shift == net.shift
    assert json.loads(path.read_text())["format"] == FORMAT


def test_exact_section_round_trip(tmp_path):
    pool = equidistant_pool(5, ("-1", "1"))
    net = PermNetwork.from_pool(pool, np.arange(10)[::-1], exact_scale=F(7, 3), scale=7 / 3,
                                exact_shift=F(-1, 9), shift=-1 / 9)
    net.save(tmp_path / "e.json")
    back = PermNetwork.load(tmp_path / "e.json")
    assert back.exact == net.exact
    assert back.exact_pl(F(1, 3)) == net.exact_pl(F(1, 3))
    assert back.check_permutation().method == "exact"


def test_to_sympy_exact_values():
    net = PermNetwork.from_pool(equidistant_pool(4), np.random.default_rng(5).permutation(8))
    x = sp.Symbol("x", real=True)
    pw = net.to_sympy(x)
    for q in [F(-1), F(0), F(1, 7), F(1, 2), F(5, 6), F(2)]:
        assert pw.subs(x, sp.Rational(q.numerator, q.denominator)) == sp.Rational(*net.exact_pl(q).as_integer_ratio())


def _write(tmp_path, text):
    p = tmp_path / "bad.json"
    p.write_text(text)
    return p


def test_bad_files(tmp_path):
    good = random_net(3).to_dict()
    text = json.dumps(good)
    cases = {
        "truncated": (text[: len(text) // 2], "not valid JSON"),
        "format": (json.dumps({**good, "format": "permnet/2"}), "format"),
        "lengths": (json.dumps({**good, "biases": good["biases"][:-1]}), "biases: length"),
        "weights": (json.dumps({**good, "weights": [2] * 6}), "weights"),
        "nan": (text.replace(str(good["pool"][0]), "NaN", 1), "non-finite"),
        "domain": (json.dumps({**good, "domain": [1, 0]}), "domain"),
        "perm range": (json.dumps({**good, "permutation": [0, 1, 2, 3, 4, 99]}), "permutation"),
        "exact": (json.dumps({**good, "exact": {"pool": ["1/0"] * 6}}), "exact.pool"),
        "missing": (json.dumps({k: v for k, v in good.items() if k != "pool"}), "pool: missing"),
        "top": ("[1, 2]", "JSON object"),
        "activation": (json.dumps({**good, "activation": "tanh"}), "activation"),
    }
    for name, (content, fragment) in cases.items():
        with pytest.raises(NetworkFileError) as info:
            PermNetwork.load(_write(tmp_path, content))
        assert fragment in str(info.value), name
        assert "\n" not in str(info.value)
    with pytest.raises(NetworkFileError, match="does not exist"):
        PermNetwork.load(tmp_path / "nope.json")


def test_dyadic_pl_is_the_float_network_exactly():
    """dyadic_pl (the function certificates bound) equals the Fraction compile of the stored float values,
    also for zeros, subnormals, huge and tiny magnitudes and a leaky ReLU; and it ignores the exact section."""
    from proofkit.pwl import relu_sum
    rng = np.random.default_rng(7)
    for trial in range(30):
        H = int(rng.integers(1, 40))
        w = rng.choice([-1, 1], H)
        k = int(rng.integers(-60, 60))
        c = rng.normal(size=H) * 2.0 ** k
        a = rng.normal(size=H) * 2.0 ** int(rng.integers(-60, 60))
        if trial % 4 == 0:
            c[0], a[-1], c[-1] = 0.0, -0.0, 5e-324
        act = "leaky_relu:0.01" if trial % 2 else "relu"
        net = PermNetwork(w, c, a, np.arange(H), scale=1.7, shift=-0.3, domain=(-2.0 ** k, 3 * 2.0 ** k),
                          activation=act)
        ref = relu_sum(w, np.array([F(float(v)) for v in c], dtype=object),
                       np.array([F(float(v)) for v in a], dtype=object), scale=F(1.7), shift=F(-0.3),
                       negative_slope=net.negative_slope, extra_knots=tuple(F(v) for v in net.domain))
        got = net.dyadic_pl
        assert list(got.knots) == list(ref.knots) and list(got.values) == list(ref.values)
        assert (got.left_slope, got.right_slope) == (ref.left_slope, ref.right_slope)
    exact_net = PermNetwork.from_pool(equidistant_pool(5), np.arange(10)[::-1], scale=1 / 3, exact_scale=F(1, 3))
    assert exact_net.exact_pl(F(1, 2)) != exact_net.dyadic_pl(F(1, 2))  # 1/3 is not a float
    assert exact_net.dyadic_pl(F(1, 2)) == F(1 / 3) * exact_net.exact_pl(F(1, 2)) * 3


def test_exact_section_must_round_to_the_floats(tmp_path):
    net = PermNetwork.from_pool(equidistant_pool(4, ("0", "1")), np.arange(8), scale=1 / 3, exact_scale=F(1, 3))
    good = net.to_dict()
    assert PermNetwork.from_dict(good).exact_disagreement() is None
    for field, change in [("biases", lambda d: d["biases"].__setitem__(2, d["biases"][2] + 1e-12)),
                          ("pool", lambda d: d["pool"].__setitem__(1, 0.3)),
                          ("scale", lambda d: d.__setitem__("scale", 0.3333)),
                          ("shift", lambda d: d["exact"].__setitem__("shift", "1/7"))]:
        d = json.loads(json.dumps(good))
        change(d)
        with pytest.raises(NetworkFileError, match=f"exact.{field}") as info:
            PermNetwork.from_dict(d)
        assert "\n" not in str(info.value)
    huge = json.loads(json.dumps(good))
    huge["exact"]["pool"][0] = "1" + "0" * 400
    with pytest.raises(NetworkFileError, match=r"exact.pool\[0\]"):
        PermNetwork.from_dict(huge)


def test_translated_network():
    net = PermNetwork.from_pool(equidistant_pool(6, ("0", "1")), np.random.default_rng(2).permutation(12),
                                scale=2.5, shift=0.25)
    moved = net.translated(F(10 ** 6))
    assert moved.domain == (1e6, 1e6 + 1)
    assert moved.exact_disagreement() is None and moved.check_permutation().ok
    for y in [F(0), F(1, 3), F(7, 10), F(1)]:
        assert moved.exact_pl(y + 10 ** 6) == net.exact_pl(y)
