"""Tests for proofkit.plots: paper style, nominal reference lines, deterministic files."""
import math
import os
import subprocess
import sys

import numpy as np
import pytest

from proofkit import plots


def _figure(plt, seed=0):
    rng = np.random.default_rng(seed)
    fig = plt.figure()
    ax = fig.add_axes([0.14, 0.11, 0.8, 0.8])
    widths = [10, 20, 40, 80]
    g = 1.0 / np.sqrt(widths) * np.exp(0.1 * rng.standard_normal(4))
    plots.rate_axes(ax, widths)
    plots.plot_series(ax, widths, g, g * 0.8, g * 1.2, label="ours", color="C0")
    plots.plot_published(ax, widths, [0.3, None, 0.15, 0.1], color="C0")
    plots.reference_line(ax, 0.5, (10, 0.25), 80, label="1/2 order")
    plots.add_inset(fig, np.linspace(-1, 1, 50), np.sin(np.linspace(-1, 1, 50)), np.sin(np.linspace(-1, 1, 50)),
                    title="inset")
    plots.panel_label(ax, "(a)")
    ax.legend()
    return fig


def test_same_figure_gives_byte_identical_png_and_pdf(tmp_path):
    with plots.paper_style() as plt:
        f1 = _figure(plt)
        p1 = plots.save_figure(f1, tmp_path / "one")
        f2 = _figure(plt)
        p2 = plots.save_figure(f2, tmp_path / "two")
        plt.close("all")
    for a, b in zip(p1, p2):
        assert open(a, "rb").read() == open(b, "rb").read(), (a, b)
    pdf = open(p1[1], "rb").read()
    assert b"CreationDate" not in pdf and b"ModDate" not in pdf
    assert b"Matplotlib" not in pdf  # no producer/creator version strings
    assert open(p1[0], "rb").read()[:8] == b"\x89PNG\r\n\x1a\n"


def test_different_data_gives_different_files(tmp_path):
    with plots.paper_style() as plt:
        p1 = plots.save_figure(_figure(plt, 0), tmp_path / "one")
        p2 = plots.save_figure(_figure(plt, 1), tmp_path / "two")
        plt.close("all")
    assert open(p1[0], "rb").read() != open(p2[0], "rb").read()


def test_files_identical_across_processes(tmp_path):
    code = ("import sys; sys.path.insert(0, {tests!r}); from test_plots import _figure; "
            "from proofkit import plots\n"
            "with plots.paper_style() as plt:\n"
            "    plots.save_figure(_figure(plt), sys.argv[1])\n")
    code = code.format(tests=os.path.dirname(__file__))
    for name in ("a", "b"):
        subprocess.run([sys.executable, "-c", code, str(tmp_path / name)], check=True)
    for ext in ("png", "pdf"):
        assert (tmp_path / f"a.{ext}").read_bytes() == (tmp_path / f"b.{ext}").read_bytes()


@pytest.mark.parametrize("order, x_end", [(0.5, 1280), (0.25, 320), (1 / 6, 320)])
def test_reference_line_has_its_nominal_slope(order, x_end):
    with plots.paper_style() as plt:
        fig, ax = plt.subplots()
        y_end = plots.reference_line(ax, order, (10, 0.25), x_end, label="r")
        (line,) = ax.get_lines()
        x, y = line.get_data()
        plt.close(fig)
    slope = (math.log(y[1]) - math.log(y[0])) / (math.log(x[1]) - math.log(x[0]))
    assert slope == pytest.approx(-order, rel=1e-12)
    # the published "1/2 order" line drops by sqrt(2^8) = 16 over 7 doublings (slope 4/7); ours does not
    if order == 0.5:
        assert y_end == pytest.approx(0.25 / math.sqrt(128))
        assert y_end != pytest.approx(0.25 / 16)


def test_geometric_mean():
    assert plots.geometric_mean([1, 4]) == pytest.approx(2.0)
    assert plots.geometric_mean([0.1, 0.1, 0.1]) == pytest.approx(0.1)
    assert math.isnan(plots.geometric_mean([]))
    with pytest.raises(ValueError):
        plots.geometric_mean([1.0, 0.0])


def test_serif_font_is_installed_and_style_never_fails():
    from matplotlib import font_manager

    name = plots.serif_font()
    assert name in {f.name for f in font_manager.fontManager.ttflist}
    rc = plots.style_rc()
    assert rc["font.serif"][0] == name and rc["mathtext.fontset"] == "cm"


def test_rate_axes_log_log_with_width_ticks():
    with plots.paper_style() as plt:
        fig, ax = plt.subplots()
        plots.rate_axes(ax, [10, 20, 40])
        assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
        assert list(ax.get_xticks()) == [10, 20, 40]
        assert [t.get_text() for t in ax.get_xticklabels()] == ["10", "20", "40"]
        plt.close(fig)


def test_errorbars_accept_single_run_series():
    with plots.paper_style() as plt:
        fig, ax = plt.subplots()
        g = np.array([0.3, 0.2])
        plots.plot_series(ax, [10, 20], np.exp(np.log(g)), g, g, label="one run", color="C0")
        plt.close(fig)


def test_nice_ylim_covers_values():
    lo, hi = plots.nice_ylim([0.1, None, 2.0, float("nan")])
    assert lo < 0.1 and hi > 2.0


def test_published_ranges_are_drawn_dodged_with_one_legend_entry():
    with plots.paper_style() as plt:
        fig, ax = plt.subplots()
        line = plots.plot_published(ax, [10, 20, 40], [0.5, None, 0.2], color="C1", lo=[0.3, None, None],
                                    hi=[0.9, None, 0.4], dodge=1.1, label="Pairwise (paper)")
        x, y = line.get_data()
        assert list(x) == pytest.approx([11.0, 44.0]) and list(y) == [0.5, 0.2]
        bars = [ln for ln in ax.get_lines() if ln is not line and len(ln.get_xdata()) == 2]
        assert len(bars) == 1  # only n = 10 has both ends published
        assert list(bars[0].get_ydata()) == [0.3, 0.9] and list(bars[0].get_xdata()) == pytest.approx([11.0, 11.0])
        assert ax.get_legend_handles_labels()[1] == ["Pairwise (paper)"]
        plt.close(fig)


def test_floor_band_spans_from_the_certified_bound_to_the_best_fit():
    with plots.paper_style() as plt:
        fig, ax = plt.subplots()
        ax.set_yscale("log")
        band = plots.floor_band(ax, 0.08, 0.095)
        _, y0 = band.get_xy()
        assert y0 == pytest.approx(0.08) and y0 + band.get_height() == pytest.approx(0.095)
        assert ax.get_legend_handles_labels()[1] == ["certified floor (any width)"]
        plt.close(fig)
