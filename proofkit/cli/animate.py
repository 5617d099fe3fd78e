"""``proofkit animate TARGET --eps E --out FILE.gif|.mp4``: Theorem 1's construction, step by step."""
from __future__ import annotations

import os
import time

from . import CLIError
from ._common import domain_or_default, info, number, positive, target

HELP = "animate Theorem 1's construction for TARGET: staircase, step blocks, linear part, certified error"


def register(sub):
    p = sub.add_parser("animate", help=HELP, description=HELP + ". GIF needs no system tools (Pillow); MP4 "
                       "needs ffmpeg.")
    p.add_argument("target", help="target expression in x, e.g. 'sin(2*pi*x)' (never evaluated as Python)")
    p.add_argument("--eps", type=positive("--eps"), required=True, help="tolerance (e.g. 0.1)")
    p.add_argument("--domain", nargs=2, type=number, metavar=("A", "B"), default=None, help="interval (default 0 1)")
    p.add_argument("--out", required=True, help="output .gif or .mp4")
    p.add_argument("--ms", type=int, default=600, help="milliseconds per frame (default 600)")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..build import build
    from ..plot.animate import construction_frames, write_animation
    from ..plot.style import fmt_upper

    ext = os.path.splitext(args.out)[1].lower()
    if ext not in (".gif", ".mp4"):
        raise CLIError(f"--out {args.out}: use .gif or .mp4")
    if not 20 <= args.ms <= 10_000:
        raise CLIError("--ms must be between 20 and 10000")
    if ext == ".mp4":
        import shutil
        if shutil.which("ffmpeg") is None:
            raise CLIError("writing .mp4 needs ffmpeg, which is not installed (apt-get install ffmpeg); "
                           "use --out FILE.gif (no system tools needed)")
    t0 = time.perf_counter()
    f = target(args.target)
    a, b, dom_text = domain_or_default(args.domain)
    info(f"target      {f.text} on {dom_text}")
    res = build(f, args.eps, theorem="1", domain=(a, b))
    frames = construction_frames(res.construction, res.certificate, f, float(args.eps))
    write_animation(frames, args.out, ms_per_frame=args.ms)
    info(f"wrote       {args.out} ({len(frames)} frames, {res.construction.width_used} hidden units, "
         f"U = {fmt_upper(res.certificate.upper, 4)} rounded up, {time.perf_counter() - t0:.2f} s)")
    return 0 if res.certificate.certified else 1
