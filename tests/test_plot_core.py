"""proofkit.plot's building blocks: outward-rounded labels, screen decimation from the PL form, the
blocks section, and the figures' content (labels of the marks)."""
from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from proofkit.construct.record import BLOCKS_FORMAT, BlocksError, blocks_section, read_blocks
from proofkit.network import PermNetwork
from proofkit.plot import screen
from proofkit.plot.style import fmt_lower, fmt_upper, style
from proofkit.pwl import PiecewiseLinear


@given(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False), st.integers(1, 6))
def test_printed_bounds_are_rounded_outward(x, digits):
    up, lo = Decimal(fmt_upper(x, digits)), Decimal(fmt_lower(x, digits))
    assert up >= Decimal(x) >= lo  # Decimal(x) is the float's exact value
    for s in (fmt_upper(x, digits), fmt_lower(x, digits)):
        mant = s.split("e")[0].lstrip("-").replace(".", "").lstrip("0")
        assert len(mant) <= digits, s


def test_rounding_examples():
    assert fmt_upper(0.0216981, 3) == "0.0217" and fmt_lower(0.0216981, 3) == "0.0216"
    # the float 0.02 is 0.0200000000000000004163...: above 0.02, so as an upper bound it prints 0.0201
    assert fmt_upper(0.02, 3) == "0.0201" and fmt_lower(0.02, 3) == "0.02"
    assert fmt_upper(9.996, 3) == "10" and fmt_upper(-0.0216981, 3) == "-0.0216"


def _random_pl(rng, K):
    t = np.sort(rng.uniform(0, 1, K))
    v = np.cumsum(rng.standard_normal(K))
    return PiecewiseLinear(t, v, 0.0, 0.0)


@pytest.mark.parametrize("K", [50, 30_000])
def test_pl_polyline_is_exact_at_screen_resolution(K):
    rng = np.random.default_rng(K)
    pl = _random_pl(rng, K)
    cols = 200
    x, y = screen.pl_polyline(pl, 0.0, 1.0, cols)
    assert np.all(np.diff(x) >= 0)
    assert np.allclose(y, pl(x))  # every drawn vertex lies on the function
    # per column, the drawn min and max are the function's min and max over the column
    edges = np.linspace(0, 1, cols + 1)
    for k in rng.choice(cols, 25, replace=False):
        lo, hi = edges[k], edges[k + 1]
        pts = np.concatenate([[lo, hi], pl.knots[(pl.knots >= lo) & (pl.knots <= hi)]])
        true = pl(pts)
        sel = (x >= lo) & (x <= hi)
        drawn = np.concatenate([y[sel], np.interp([lo, hi], x, y)])  # the drawn curve over the column
        assert drawn.max() == pytest.approx(true.max()) and drawn.min() == pytest.approx(true.min())


def test_error_samples_cover_knots_and_midpoints():
    pl = _random_pl(np.random.default_rng(1), 500)
    xs = screen.error_samples(pl, 0.0, 1.0, 100)
    assert set(pl.knots[(pl.knots >= 0) & (pl.knots <= 1)]) <= set(xs)
    t = np.concatenate([[0.0], pl.knots, [1.0]])
    assert set(((t[1:] + t[:-1]) / 2)[:50]) <= set(xs)


def test_column_envelope_keeps_each_columns_extremes():
    rng = np.random.default_rng(2)
    x = np.sort(rng.uniform(0, 1, 50_000))
    y = rng.standard_normal(50_000)
    xe, ye = screen.column_envelope(x, y, 0, 1, 100)
    assert len(xe) <= 2 * 100 + 2
    assert ye.max() == y.max() and ye.min() == y.min()
    assert set(xe) <= set(x)


def _small_construction():
    from proofkit.construct import construct_theorem1
    return construct_theorem1("sin(2*pi*x)", 0.2)


def test_blocks_section_round_trip_and_content():
    cons = _small_construction()
    sec = blocks_section(cons)
    assert sec["format"] == BLOCKS_FORMAT and sec["theorem"] == "1"
    groups = read_blocks(sec, cons.params["n"])
    kinds = {g.kind: g for g in groups}
    step = kinds["step"]
    assert len(step) == cons.matching.blocks
    # the blocks' pairs and the linear pairs partition all pairs
    used = np.concatenate([p for g in groups for p in g.pairs])
    assert sorted(used.tolist()) == list(range(cons.params["n"]))
    # each step block's support holds its four break-points (pair k's unit phi_k^+ bends at -c_k)
    b = -cons.net.biases[: cons.params["n"]]
    for p, (lo, hi) in zip(step.pairs, step.support):
        assert lo - 1e-12 <= b[p].min() and b[p].max() <= hi + 1e-12
    # the network file stays readable with the section (an optional key)
    d = cons.net.to_dict()
    d["blocks"] = sec
    assert PermNetwork.from_dict(d).width == cons.net.width


def test_blocks_section_of_a_translated_build_is_in_x():
    """build() constructs on y = x - t for a domain without 0; the section's geometry is in x."""
    from proofkit.build import build
    from proofkit.expr import parse_target

    res = build(parse_target("sin(2*pi*x)"), 0.2, domain=(1, 2))
    cons = res.construction
    groups = read_blocks(blocks_section(cons), cons.params["n"])
    step = next(g for g in groups if g.kind == "step")
    b = -cons.net.biases[: cons.params["n"]]
    assert np.all(step.support >= 1 - 1e-9) and np.all(step.support <= 2 + 1e-9)
    for p, (lo, hi) in zip(step.pairs, step.support):
        assert lo - 1e-9 <= b[p].min() and b[p].max() <= hi + 1e-9


@pytest.mark.parametrize("bad, field", [
    ({"format": "x", "groups": []}, "blocks.format"),
    ({"format": BLOCKS_FORMAT, "groups": [{"kind": "nope", "pairs": []}]}, "kind"),
    ({"format": BLOCKS_FORMAT, "groups": [{"kind": "step", "pairs": [[0, 99]]}]}, "pair index"),
    ({"format": BLOCKS_FORMAT, "groups": [{"kind": "step", "pairs": [[0]], "sign": [2]}]}, "sign"),
    ({"format": BLOCKS_FORMAT, "groups": [{"kind": "step", "pairs": [[0]], "support": [[1, 0]]}]}, "support"),
])
def test_bad_blocks_sections_are_refused_with_the_field(bad, field):
    with pytest.raises(BlocksError, match=field):
        read_blocks(bad, 10)


def _legend_texts(fig):
    return [t.get_text() for ax in fig.axes for leg in [ax.get_legend()] if leg for t in leg.get_texts()]


def test_network_figure_labels_certified_bound_rounded_up():
    from proofkit.certify import certify
    from proofkit.expr import parse_target
    from proofkit.plot.network import network_figure

    cons = _small_construction()
    f = parse_target("sin(2*pi*x)")
    cert = certify(cons.net, f, 0.2)
    blocks = read_blocks(blocks_section(cons), cons.params["n"])
    with style() as plt:
        fig = network_figure(cons.net, f, cert, blocks, eps=0.2)
        texts = _legend_texts(fig)
        lanes = [t.get_text() for ax in fig.axes for t in ax.get_yticklabels()]
        plt.close(fig)
    band = next(t for t in texts if "U$ =" in t)
    shown = band.split("$U$ = ")[1].split()[0]
    assert shown == fmt_upper(cert.upper) and Decimal(shown) >= Decimal(cert.upper)
    wit = next(t for t in texts if t.startswith("witness"))
    assert Decimal(wit.split("$L$ = ")[1].split()[0]) <= Decimal(cert.lower)
    assert any("up-steps" in s for s in lanes) and any("linear mode" in s for s in lanes)


def test_large_network_draws_from_the_pl_form(monkeypatch):
    """A network far wider than the screen goes through the decimated path (no dense evaluation)."""
    from proofkit.expr import parse_target
    from proofkit.plot.network import network_figure
    from proofkit.pool import equidistant_pool

    n = 60_000
    net = PermNetwork.from_pool(equidistant_pool(n, (0, 1)), np.random.default_rng(0).permutation(2 * n))
    net = PermNetwork(net.weights, net.biases, net.pool, net.permutation, scale=1e-4)
    def no_dense(*_a, **_k):
        raise AssertionError("dense evaluation used")

    monkeypatch.setattr(PermNetwork, "dense", no_dense)  # the O(H m) oracle must not be used
    with style() as plt:
        fig = network_figure(net, parse_target("x"), None, None)
        plt.close(fig)
