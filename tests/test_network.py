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
