"""The self-contained HTML pages of ``proofkit plot --out FILE.html``, opened in a real headless browser.

The browser is the operating system's Chromium (``apt-get install chromium``), driven by playwright's
Python package with ``executable_path`` (playwright never downloads a browser here). The test skips when
either is missing. It asserts: the page loads with no console error and no page error, every request the
page makes is for the file itself (nothing leaves the file), plotly drew the plot, and hovering a unit
draws that unit's ramp (the page's own script).
"""
from __future__ import annotations

import os
import shutil

import numpy as np
import pytest

from proofkit.cli import main
from proofkit.network import PermNetwork
from proofkit.pool import equidistant_pool

CHROMIUM = next((p for p in ("/usr/bin/chromium", "/usr/bin/chromium-browser") if os.path.exists(p)), None) \
    or shutil.which("chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _net(path, n=24):
    src = PermNetwork.from_pool(equidistant_pool(n, (0, 1)))  # float arrays only: no exact section
    perm = np.random.default_rng(3).permutation(2 * n)
    net = PermNetwork(src.weights, src.biases, src.pool, perm, provenance={"target": "x**2"})
    net.save(path)
    return net


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    sync_api = pytest.importorskip("playwright.sync_api")
    if CHROMIUM is None:
        pytest.skip("no system Chromium installed (apt-get install chromium)")
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_api.sync_playwright() as pw:
        ctx = pw.chromium.launch_persistent_context(str(profile), executable_path=CHROMIUM, headless=True,
                                                    args=FLAGS, viewport={"width": 1400, "height": 1400})
        yield ctx
        ctx.close()


def _open(ctx, path):
    """Open a file:// page; returns (page, console errors, page errors, requested URLs)."""
    page = ctx.new_page()
    errors, crashes, urls = [], [], []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: crashes.append(str(e)))
    page.on("request", lambda r: urls.append(r.url))
    page.goto("file://" + str(path))
    page.wait_for_function("() => window.Plotly && document.querySelector('.plot-container')", timeout=30_000)
    page.wait_for_timeout(300)
    return page, errors, crashes, urls


def test_network_page_loads_offline_and_hover_draws_the_ramp(browser, tmp_path):
    net = _net(tmp_path / "net.json")
    out = tmp_path / "net.html"
    assert main(["plot", str(tmp_path / "net.json"), "--out", str(out)]) == 0
    page, errors, crashes, urls = _open(browser, out)
    assert errors == [] and crashes == [], (errors, crashes)
    assert urls and all(u == out.as_uri() for u in urls), urls  # nothing but the file itself
    names = page.evaluate("() => document.getElementById('proofkit-plot').data.map(t => t.name)")
    assert any("error" in (n or "") for n in names)
    ramp = names.index("ramp of the hovered unit")
    unit_trace = next(i for i, n in enumerate(names) if n and n.startswith("units with"))
    # move the real mouse onto the first point of a unit trace (pixel position from plotly's axes)
    pos = page.evaluate(f"""() => {{
        const gd = document.getElementById('proofkit-plot'), t = gd._fullData[{unit_trace}];
        const xa = gd._fullLayout.xaxis3, ya = gd._fullLayout.yaxis3, r = gd.getBoundingClientRect();
        return [r.left + xa._offset + xa.l2p(t.x[0]), r.top + ya._offset + ya.l2p(t.y[0])];
    }}""")
    page.mouse.move(pos[0] - 30, pos[1] - 30)
    page.mouse.move(pos[0], pos[1], steps=5)
    page.wait_for_timeout(200)
    trace = page.evaluate(f"() => {{ const t = document.getElementById('proofkit-plot').data[{ramp}]; "
                          "return {name: t.name, x: Array.from(t.x), y: Array.from(t.y)}; }")
    assert trace["name"].startswith("ramp of unit "), trace["name"]
    unit = int(trace["name"].split()[3])
    # the drawn ramp is the unit's own: gamma a_i sigma(w_i x + c_i) at the three x it was given
    x = np.asarray(trace["x"], float)
    expect = net.scale * net.coefficients[unit] * np.maximum(net.weights[unit] * x + net.biases[unit], 0)
    assert np.allclose(np.asarray(trace["y"], float), expect)
    assert page.evaluate("() => document.querySelectorAll('script[src]').length") == 0
    page.close()


@pytest.mark.parametrize("dim", [2, 3])
def test_nd_page_loads_offline(browser, tmp_path, dim):
    from proofkit.train.ndnet import NDPermNetwork

    D = 8 if dim == 2 else 26
    rng = np.random.default_rng(dim)
    dirs = rng.standard_normal((D, dim))
    H = 2 * D
    net = NDPermNetwork(dirs, np.repeat(np.arange(D), 2), rng.uniform(-1, 1, H), np.linspace(-1, 1, H),
                        rng.permutation(H), provenance={"target": "x*y" if dim == 2 else "x*y*z"})
    net.save(tmp_path / "nd.json")
    out = tmp_path / "nd.html"
    assert main(["plot", str(tmp_path / "nd.json"), "--out", str(out)]) == 0
    page, errors, crashes, urls = _open(browser, out)
    assert errors == [] and crashes == [], (errors, crashes)
    assert all(u == out.as_uri() for u in urls), urls
    assert page.evaluate("() => document.querySelectorAll('.gl-container, canvas').length") > 0
    page.close()


def test_page_with_blocks_section_loads_offline(browser, tmp_path):
    from proofkit.construct import construct_theorem1
    from proofkit.construct.record import save_network

    save_network(construct_theorem1("sin(2*pi*x)", 0.2), tmp_path / "net.json")
    out = tmp_path / "net.html"
    assert main(["plot", str(tmp_path / "net.json"), "--no-certify", "--out", str(out)]) == 0
    page, errors, crashes, urls = _open(browser, out)
    assert errors == [] and crashes == [], (errors, crashes)
    assert all(u == out.as_uri() for u in urls), urls
    names = page.evaluate("() => document.getElementById('proofkit-plot').data.map(t => t.name || '')")
    assert any(n.startswith("up-steps") for n in names) and any(n.startswith("linear mode") for n in names)
    page.close()
