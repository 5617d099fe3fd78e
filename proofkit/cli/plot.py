"""``proofkit plot FILE [TARGET] [--out OUT]``: a picture of a network, a certificate or a training log.

FILE is a network (``proofkit.permnet/1``; 2-D/3-D ``permnet-nd/1``), a certificate
(``proofkit.certificate/1``) or a training log (``.npz`` from ``proofkit train --log``); the kind is read
from the file. OUT is .png, .pdf, .svg (deterministic bytes) or .html (one self-contained page).
"""
from __future__ import annotations

import argparse
import os
import time

from ._common import info, positive

HELP = "draw a network, certificate or training log (.png/.pdf/.svg, or an interactive .html page)"


def register(sub):
    p = sub.add_parser("plot", help=HELP, description=HELP + ". Networks: (a) target and network, (b) error "
                       "with the certified band +-U and the witness L, (c) the construction's blocks (or the "
                       "units' ramps), (d) the permutation. Certificates: per-bin certified bounds against the "
                       "sampled error (with --net). Logs: the Fig. 6 panels of any run.")
    p.add_argument("file", help="network JSON, certificate JSON or training log .npz")
    p.add_argument("target", nargs="?", default=None,
                   help="target expression (default: the file's provenance, or the certificate's target)")
    p.add_argument("--out", default=None, help="output .png, .pdf, .svg or .html (default: FILE's name + .png)")
    p.add_argument("--cert", default=None, help="certificate of this network (its U and witness are drawn); "
                   "without it the network is certified now")
    p.add_argument("--no-certify", action="store_true", help="do not certify (no band +-U; sampled error only)")
    p.add_argument("--net", default=None, help="for a certificate FILE: its network, for the per-bin view")
    p.add_argument("--eps", type=positive("--eps"), default=None, help="tolerance to mark (default: provenance)")
    p.add_argument("--log-scale", action="store_true", help="draw |f* - f_NN| on a log scale")
    p.add_argument("--bins", type=int, default=None, help="bins of the per-bin certificate view (default 48)")
    p.set_defaults(func=run)


def default_out(path) -> str:
    base = os.path.splitext(os.path.basename(os.fspath(path)))[0]
    return base + ".png"


def run(args) -> int:
    from ..plot.files import render
    from ..plot.style import PlotError, save, style

    if args.bins is not None and not 1 <= args.bins <= 1000:
        raise PlotError("--bins must be between 1 and 1000")
    out = args.out or default_out(args.file)
    t0 = time.perf_counter()
    with style() as plt:
        r = render(args.file, out, target_text=args.target, eps=None if args.eps is None else float(args.eps),
                   cert_path=args.cert, net_path=args.net, log_scale=args.log_scale,
                   certify_missing=not args.no_certify, bins=args.bins)
        for note in r.notes:
            info(note)
        if r.html is not None:
            from .._io import atomic_write_bytes
            atomic_write_bytes(out, r.html.encode("utf-8"))
        else:
            save(r.fig, out)
            plt.close(r.fig)
    info(f"wrote       {out} ({r.kind}, {time.perf_counter() - t0:.2f} s)")
    return 0


def plot_path(text):
    """argparse type of ``--plot FILE``: the extension must be one ``proofkit plot`` writes."""
    from ..plot.files import OUT_FORMATS

    ext = os.path.splitext(text)[1].lstrip(".").lower()
    if ext not in OUT_FORMATS:
        raise argparse.ArgumentTypeError(f"'{text}': use .png, .pdf, .svg or .html")
    return text


def add_plot_option(parser) -> None:
    """The ``--plot FILE`` option of construct, verify, train and import-torch."""
    parser.add_argument("--plot", type=plot_path, default=None, metavar="FILE",
                        help="also draw the network as 'proofkit plot' does (.png, .pdf, .svg or .html)")


def write_plot(out, *, net_file=None, net=None, target_text=None, eps=None, cert=None, blocks=None) -> None:
    """The ``--plot FILE`` side effect: the figure of ``proofkit plot`` for a network file (``net_file``)
    or, when nothing was written, for the objects in memory (1-D ``net`` with its certificate and blocks)."""
    from .._io import atomic_write_bytes
    from ..plot.files import render
    from ..plot.style import save, style

    with style() as plt:
        if net_file is not None:
            r = render(net_file, out, target_text=target_text, eps=eps, cert=cert)
            html, fig = r.html, r.fig
        else:
            from ..expr import parse_target

            target = parse_target(target_text) if target_text else None
            if out.lower().endswith(".html"):
                from ..plot.html import network_page
                html, fig = network_page(net, target, cert, blocks, eps), None
            else:
                from ..plot.network import network_figure
                html, fig = None, network_figure(net, target, cert, blocks, eps)
        if html is not None:
            atomic_write_bytes(out, html.encode("utf-8"))
        else:
            save(fig, out)
            plt.close(fig)
    info(f"wrote       {out}")
