"""``proofkit plot`` and ``proofkit animate`` as a user runs them: every file kind, every output format,
deterministic bytes, one-line errors with exit code 2."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from proofkit.cli import main


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """A constructed network (with blocks) and its certificate, a 1-D trained net with its log, 2-D/3-D nets."""
    d = tmp_path_factory.mktemp("plotfiles")
    from proofkit.build import build
    from proofkit.construct.record import save_network
    from proofkit.expr import parse_target
    from proofkit.train import TrainConfig, run

    res = build(parse_target("sin(2*pi*x)"), 0.2)
    save_network(res.construction, d / "net.json")  # with its blocks section, as 'construct --out' writes it
    res.certificate.save(d / "cert.json")
    tr = run(TrainConfig(target="sin(2*pi*x)", n=20, epochs=60, log_events=True))
    tr.net.save(d / "trained.json")
    tr.log.save(d / "log.npz")
    for dim, text in ((2, "x*y"), (3, "x*y*z")):
        r = run(TrainConfig(target=text, n=2, epochs=10, dim=dim))
        r.net.save(d / f"nd{dim}.json")
    return d


def _plot(*args):
    return main(["plot", *map(str, args)])


@pytest.mark.parametrize("ext", ["png", "pdf", "svg"])
def test_network_plot_is_byte_identical_when_repeated(files, tmp_path, ext):
    a, b = tmp_path / f"a.{ext}", tmp_path / f"b.{ext}"
    assert _plot(files / "net.json", "--cert", files / "cert.json", "--out", a) == 0
    assert _plot(files / "net.json", "--cert", files / "cert.json", "--out", b) == 0
    assert a.read_bytes() == b.read_bytes()
    if ext == "pdf":
        assert b"CreationDate" not in a.read_bytes()
    if ext == "svg":
        assert b"<dc:date>" not in a.read_bytes()


def test_same_bytes_in_a_fresh_process(files, tmp_path):
    here = tmp_path / "here.svg"
    assert _plot(files / "net.json", "--cert", files / "cert.json", "--out", here) == 0
    other = tmp_path / "other.svg"
    subprocess.run([sys.executable, "-m", "proofkit", "plot", str(files / "net.json"), "--cert",
                    str(files / "cert.json"), "--out", str(other)], check=True, capture_output=True)
    assert here.read_bytes() == other.read_bytes()


def test_different_networks_give_different_pictures(files, tmp_path):
    assert _plot(files / "net.json", "--out", tmp_path / "a.png", "--no-certify") == 0
    assert _plot(files / "trained.json", "--out", tmp_path / "b.png", "--no-certify") == 0
    assert (tmp_path / "a.png").read_bytes() != (tmp_path / "b.png").read_bytes()


@pytest.mark.parametrize("name, extra", [
    ("net.json", ["--log-scale"]), ("trained.json", []), ("log.npz", []), ("cert.json", []),
    ("cert.json", ["--net", "net.json", "--bins", "8"]), ("nd2.json", []), ("nd3.json", []),
])
def test_every_file_kind_plots(files, tmp_path, capsys, name, extra):
    extra = [str(files / e) if e.endswith(".json") else e for e in extra]
    out = tmp_path / "out.png"
    assert _plot(files / name, *extra, "--out", out) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "wrote" in capsys.readouterr().out


def test_default_output_name(files, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert _plot(files / "log.npz") == 0
    assert (tmp_path / "log.png").is_file()


@pytest.mark.parametrize("name", ["log.npz", "cert.json"])
def test_static_html_pages_have_no_script(files, tmp_path, name):
    out = tmp_path / "page.html"
    assert _plot(files / name, "--out", out) == 0
    text = out.read_text()
    assert "<svg" in text and "<script" not in text and "http" not in text.split("<svg", 1)[0]


def test_html_network_page_is_self_contained_and_deterministic(files, tmp_path):
    a, b = tmp_path / "a.html", tmp_path / "b.html"
    assert _plot(files / "net.json", "--cert", files / "cert.json", "--out", a) == 0
    assert _plot(files / "net.json", "--cert", files / "cert.json", "--out", b) == 0
    text = a.read_text()
    assert a.read_bytes() == b.read_bytes()
    from html.parser import HTMLParser

    class Tags(HTMLParser):
        external = []

        def handle_starttag(self, tag, attrs):
            d = dict(attrs)
            if d.get("src") or (tag == "link" and d.get("href")):
                self.external.append((tag, d))

    parser = Tags()
    parser.feed(text)
    assert parser.external == []  # no script or style sheet from outside (the browser test loads it offline)
    assert "ramp of the hovered unit" in text


@pytest.mark.parametrize("args, message", [
    (["missing.json"], "does not exist"),
    (["net.json", "--out", "x.jpg"], "unknown format"),
    (["net.json", "cos(x)", "--cert", "cert.json"], "--cert is for target"),
    (["cert.json", "--net", "trained.json"], "domain"),
    (["net.json", "--bins", "0"], "--bins"),
])
def test_bad_input_is_one_line_and_exit_2(files, tmp_path, capsys, monkeypatch, args, message):
    monkeypatch.chdir(files)
    assert main(["plot", *args, *([] if "--out" in args else ["--out", str(tmp_path / "o.png")])]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1, err


def test_not_a_plottable_json(tmp_path, capsys):
    p = tmp_path / "x.json"
    p.write_text('{"format": "something/1"}')
    assert _plot(p, "--out", tmp_path / "o.png") == 2
    assert "not a network, certificate or training log" in capsys.readouterr().err


def test_animate_gif_is_deterministic_and_counts_its_frames(tmp_path, capsys):
    from PIL import Image

    from proofkit.plot.animate import MAX_BLOCK_FRAMES

    a, b = tmp_path / "a.gif", tmp_path / "b.gif"
    assert main(["animate", "x**2", "--eps", "0.2", "--out", str(a)]) == 0
    assert main(["animate", "x**2", "--eps", "0.2", "--out", str(b)]) == 0
    assert a.read_bytes() == b.read_bytes()
    out = capsys.readouterr().out
    with Image.open(a) as im:
        frames = im.n_frames
    assert f"{frames} frames" in out
    assert 4 < frames <= 4 + MAX_BLOCK_FRAMES  # target, staircase, blocks, network, certificate


@pytest.mark.skipif(shutil.which("ffmpeg") is not None, reason="ffmpeg is installed")
def test_animate_mp4_without_ffmpeg_says_so(tmp_path, capsys):
    assert main(["animate", "x", "--eps", "0.2", "--out", str(tmp_path / "a.mp4")]) == 2
    assert "needs ffmpeg" in capsys.readouterr().err
    assert not os.path.exists(tmp_path / "a.mp4")


def test_log_with_training_loss_is_drawn(files, tmp_path):
    with np.load(files / "log.npz") as z:
        arrays = dict(z)
    arrays["loss"] = np.geomspace(1, 1e-3, 60)
    np.savez(tmp_path / "loss.npz", **arrays)
    from proofkit.plot.log import load_log, log_figure
    from proofkit.plot.style import style

    with style() as plt:
        fig = log_figure(load_log(tmp_path / "loss.npz"))
        labels = [t.get_text() for ax in fig.axes for lg in [ax.get_legend()] if lg for t in lg.get_texts()]
        plt.close(fig)
    assert "training loss" in labels


def test_plot_option_of_train_and_import_torch(tmp_path, capsys):
    net, fig = tmp_path / "t.json", tmp_path / "t.svg"
    assert main(["train", "sin(2*pi*x)", "--n", "8", "--epochs", "10", "--out", str(net), "--plot", str(fig)]) == 0
    assert fig.read_bytes().lstrip().startswith(b"<?xml")
    pth, imp, fig2 = tmp_path / "m.pth", tmp_path / "i.json", tmp_path / "i.png"
    assert main(["export-torch", str(net), "--out", str(pth)]) == 0
    assert main(["import-torch", str(pth), "--out", str(imp), "--plot", str(fig2)]) == 0
    assert fig2.read_bytes()[:4] == b"\x89PNG"
    capsys.readouterr()
    # a bad extension is refused before training starts (nothing written)
    with pytest.raises(SystemExit) as exc:
        main(["train", "x", "--n", "4", "--out", str(tmp_path / "no.json"), "--plot", "x.jpg"])
    assert exc.value.code == 2
    assert "use .png, .pdf, .svg or .html" in capsys.readouterr().err
    assert not (tmp_path / "no.json").exists()


def test_blocks_section_of_the_file_is_drawn(files):
    from proofkit.plot.files import render
    from proofkit.plot.style import style

    with style() as plt:
        r = render(files / "net.json", "x.png", certify_missing=False)
        lanes = [t.get_text() for ax in r.fig.axes for t in ax.get_yticklabels()]
        plt.close(r.fig)
    assert any("steps" in s and "blocks" in s for s in lanes), lanes


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is not installed")
def test_animate_mp4_with_ffmpeg(tmp_path):
    out = tmp_path / "a.mp4"
    assert main(["animate", "x", "--eps", "0.2", "--out", str(out)]) == 0
    probe = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "stream=codec_name", "-of", "csv=p=0",
                            str(out)], capture_output=True, text=True) if shutil.which("ffprobe") else None
    assert out.stat().st_size > 0 and (probe is None or probe.stdout.strip() == "h264")


def test_unreadable_log_and_certificate_are_one_line_errors(files, tmp_path, capsys):
    bad = tmp_path / "bad.npz"
    bad.write_bytes((files / "log.npz").read_bytes()[:100])
    assert _plot(bad, "--out", tmp_path / "o.png") == 2
    assert _plot(files / "net.json", "--cert", files / "log.npz", "--out", tmp_path / "o.png") == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and "training log" in err[0] and "not a certificate" in err[1]


def test_plot_option_of_construct_and_verify(tmp_path, capsys):
    import json

    net, fig = tmp_path / "c.json", tmp_path / "c.png"
    assert main(["construct", "x**2", "--eps", "0.2", "--out", str(net), "--plot", str(fig)]) == 0
    assert fig.read_bytes()[:4] == b"\x89PNG"
    assert json.loads(net.read_text())["blocks"]["format"] == "proofkit.blocks/1"
    page = tmp_path / "v.html"
    assert main(["verify", str(net), "--plot", str(page)]) == 0
    assert "ramp of the hovered unit" in page.read_text()
    assert f"wrote       {page}" in capsys.readouterr().out
