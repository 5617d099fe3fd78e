r"""Watch the proof of Theorem 1 being built: one frame per move of the construction.

1. the target :math:`f^*`;
2. Lemma 1's staircase :math:`f_{pc}=f^*(a)+\Delta h\sum_ja_j\mathbf 1_{[s_j,b]}`, error :math:`\le\Delta h/2`;
3. the four-pair step blocks added in step order: the partial sums
   :math:`f^*(a)+\Delta h\sum_{j\le k}a_jR_j(x)` (:math:`R_j` the unit ramp of block j, profile
   0, ½, ½, 1 at :math:`c_1..c_4`), with the error shrinking where the blocks have arrived;
4. the unused pairs reorganised into linear mode (slope :math:`\sigma_U`, made exactly 0 by Lemma 2 and
   at most three sign flips) and the output layer: the network :math:`f^{NN}` itself;
5. the certified error: :math:`|f^*-f^{NN}|\le U\le\varepsilon`.

Frames are drawn with matplotlib and written as a GIF by Pillow (no system tools), or as MP4 through
ffmpeg when it is installed. The same input gives the same GIF bytes.
"""
from __future__ import annotations

import dataclasses
import io
import os
import shutil
import subprocess

import numpy as np

from .style import COLORS, PlotError, fmt_upper, style

__all__ = ["construction_frames", "write_animation", "MAX_BLOCK_FRAMES"]

MAX_BLOCK_FRAMES = 24


def _frame_specs(cons, cert, target, eps):
    """Yield (title, curves) per frame: curves = list of (x, y, label, style-key)."""
    m = cons.matching
    lem = cons.lemma1
    a, b = cons.net.domain
    x = np.linspace(a, b, 1201)
    f = target(x)
    f_a = float(cons.exact_values["f_a"])
    dh = float(cons.exact_values["delta_h"])
    yield (r"the target $f^*$", [(x, f, None)], None)
    pc = lem(x)
    yield (rf"Lemma 1: staircase $f_{{pc}}$, $\Delta h$ = {dh:.3g}, {lem.J} unit steps",
           [(x, f, None), (x, pc, "staircase")], f - pc)
    J = m.blocks
    ks = np.unique(np.linspace(1, J, min(J, MAX_BLOCK_FRAMES)).round().astype(int)) if J else []
    for k in ks:
        sub = dataclasses.replace(m, starts=m.starts[:k], signs=m.signs[:k], locations=m.locations[:k],
                                  regular=m.regular[:k])
        g = f_a + dh * sub.block_sum(x)
        yield (rf"step blocks: {k} of {J} four-pair blocks placed, $f^*(a)+\Delta h\,\Sigma_{{j\leq k}}\,a_jR_j(x)$",
               [(x, f, None), (x, g, "blocks")], f - g)
    nn = cons.net(x)
    sig = cons.params.get("slope", 0.0)
    yield (rf"unused pairs in linear mode (slope $\sigma_U$ = {sig:g}) and output layer: $f^{{\rm NN}}$",
           [(x, f, None), (x, nn, "network")], f - nn)
    word = "CERTIFIED" if cert.certified else "NOT certified"
    yield (rf"{word}: $\sup|f^*-f^{{\rm NN}}|\leq U$ = {fmt_upper(cert.upper)} $\leq\varepsilon$ = {float(eps):g}"
           if cert.certified else rf"{word}: $U$ = {fmt_upper(cert.upper)}",
           [(x, f, None), (x, nn, "network")], f - nn)


_STYLE = {None: ("target $f^*$", COLORS["target"], "-", 2.2),
          "staircase": (r"staircase $f_{pc}$", COLORS["plus"], "-", 1.4),
          "blocks": ("blocks placed so far", COLORS["minus"], "-", 1.4),
          "network": (r"network $f^{\rm NN}$", COLORS["network"], "--", 1.4)}


def construction_frames(cons, cert, target, eps, size=(8, 5.6), dpi=90):
    """The frames as a list of RGB ``PIL.Image`` (module docstring)."""
    from PIL import Image

    frames = []
    specs = list(_frame_specs(cons, cert, target, eps))
    with style() as plt:
        a, b = cons.net.domain
        fy = np.concatenate([c[1] for s in specs for c in s[1]])
        lo, hi = float(np.min(fy)), float(np.max(fy))
        pad = 0.08 * (hi - lo or 1)
        elim = 4 * float(eps)  # fixed scale: the error comes down into the eps band as blocks arrive
        for i, (title, curves, err) in enumerate(specs):
            fig = plt.figure(figsize=size, dpi=dpi)
            ax = fig.add_axes([0.11, 0.42, 0.85, 0.48])
            ax2 = fig.add_axes([0.11, 0.08, 0.85, 0.24], sharex=ax)
            for x, y, key in curves:
                lab, col, ls, lw = _STYLE[key]
                ax.plot(x, y, color=col, ls=ls, lw=lw, label=lab)
            ax.set_xlim(a, b)
            ax.set_ylim(lo - pad, hi + pad)
            ax.set_ylabel("$f$")
            ax.legend(loc="upper right", fontsize=8)
            ax.set_title(title, fontsize=9)
            ax.tick_params(labelbottom=False)
            ax2.axhspan(-float(eps), float(eps), color=COLORS["bound"], alpha=0.3, lw=0,
                        label=f"tolerance band, eps = {float(eps):g}")
            if err is not None:
                ax2.plot(curves[-1][0], np.clip(err, -elim, elim), color=COLORS["error"], lw=0.9,
                         label=r"$f^*$ minus the curve above")
            if i == len(specs) - 1:
                U = float(cert.upper)
                ax2.axhline(U, color="#333333", lw=1.0, ls="--", label=rf"certified $\pm U$, $U$ = {fmt_upper(U)}")
                ax2.axhline(-U, color="#333333", lw=1.0, ls="--")
            ax2.set_ylim(-elim, elim)
            ax2.set_xlabel("$x$")
            ax2.set_ylabel(r"error ($\pm4\varepsilon$)")
            ax2.legend(loc="upper right", fontsize=7, ncol=2)
            fig.text(0.5, 0.965, f"Theorem 1, step by step ({i + 1}/{len(specs)})", ha="center", fontsize=11)
            fig.canvas.draw()
            img = Image.frombuffer("RGBA", fig.canvas.get_width_height(), bytes(fig.canvas.buffer_rgba()))
            frames.append(img.convert("RGB"))
            plt.close(fig)
    return frames


def write_animation(frames, path, ms_per_frame=600, hold_last=4) -> str:
    """Write ``frames`` as a GIF (Pillow) or an MP4 (ffmpeg, if on PATH); atomic, deterministic GIF."""
    from .._io import atomic_write_bytes

    path = os.fspath(path)
    ext = os.path.splitext(path)[1].lower()
    durations = [ms_per_frame] * len(frames)
    durations[-1] = ms_per_frame * hold_last
    if ext == ".gif":
        pal = [f.quantize(colors=64, method=2, dither=0) for f in frames]  # median cut, no dithering
        buf = io.BytesIO()
        pal[0].save(buf, format="GIF", save_all=True, append_images=pal[1:], duration=durations, loop=0,
                    optimize=False)
        atomic_write_bytes(path, buf.getvalue())
        return path
    if ext == ".mp4":
        ffmpeg = shutil.which("ffmpeg")
        if ffmpeg is None:
            raise PlotError("writing .mp4 needs ffmpeg, which is not installed (apt-get install ffmpeg); "
                            "write a .gif instead (no system tools needed)")
        w, h = frames[0].size
        w2, h2 = w - w % 2, h - h % 2
        raw = b"".join(f.crop((0, 0, w2, h2)).tobytes() * max(1, d // ms_per_frame)
                       for f, d in zip(frames, durations))
        tmp = path + ".part.mp4"
        fps = max(1, round(1000 / ms_per_frame))
        proc = subprocess.run([ffmpeg, "-y", "-loglevel", "error", "-f", "rawvideo", "-pix_fmt", "rgb24",
                               "-s", f"{w2}x{h2}", "-r", str(fps), "-i", "-", "-pix_fmt", "yuv420p",
                               "-vcodec", "libx264", "-map_metadata", "-1", tmp], input=raw, capture_output=True)
        if proc.returncode != 0:
            raise PlotError(f"ffmpeg failed: {proc.stderr.decode(errors='replace').strip().splitlines()[-1:]}")
        os.replace(tmp, path)
        return path
    raise PlotError(f"--out {path}: use .gif or .mp4")
