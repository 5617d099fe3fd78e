"""What the user handed to ``proofkit plot``: a network (1-D or 2-D/3-D), a certificate or a training log,
read and validated with one-line errors; and the one entry point that turns any of them into a figure
or a page (:func:`render`)."""
from __future__ import annotations

import os
import time
from fractions import Fraction

from .style import FORMATS, PlotError, fmt_upper

__all__ = ["file_kind", "render", "Rendered", "OUT_FORMATS"]

OUT_FORMATS = FORMATS + ("html",)


def file_kind(path) -> str:
    """'log' (.npz), 'network', 'network-nd' or 'certificate' (JSON, by its format field)."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise PlotError(f"{path} does not exist")
    with open(path, "rb") as fh:
        head = fh.read(4)
    if head.startswith(b"PK"):
        return "log"
    from ..network import read_network_json

    fmt = read_network_json(path).get("format")
    from ..network import FORMAT as NET_FORMAT
    from ..train.ndnet import ND_FORMAT

    kinds = {NET_FORMAT: "network", ND_FORMAT: "network-nd"}
    if isinstance(fmt, str) and fmt.startswith("proofkit.certificate/"):
        return "certificate"  # every version: Certificate.load says which it reads
    if fmt not in kinds:
        raise PlotError(f"{path}: format {fmt!r} is not a network, certificate or training log")
    return kinds[fmt]


class Rendered:
    """What :func:`render` made: the figure (or None for a page), notes to print, the kind of input."""

    def __init__(self, kind, fig=None, html=None, notes=()):
        self.kind, self.fig, self.html, self.notes = kind, fig, html, list(notes)


def _out_format(out) -> str:
    ext = os.path.splitext(os.fspath(out))[1].lstrip(".").lower()
    if ext not in OUT_FORMATS:
        raise PlotError(f"--out {out}: unknown format '.{ext}' (use .png, .pdf, .svg or .html)")
    return ext


def load_network_bundle(path, target_text=None, eps=None, cert_path=None, certify_missing=True, cert=None):
    """(net, target, eps, cert, blocks, notes) of a 1-D network file, with the file's provenance as the
    default target and tolerance; the certificate ``cert`` (an object), or the one in ``cert_path``
    (checked against the target and domain), or one computed now when ``certify_missing``."""
    from ..certify import certify
    from ..construct.record import read_blocks
    from ..expr import parse_target
    from ..network import PermNetwork, read_network_json

    data = read_network_json(path)
    prov = data.get("provenance") if isinstance(data.get("provenance"), dict) else {}
    text = target_text or prov.get("target") or None
    if cert is None and cert_path is None and not (text and certify_missing) and "exact" in data:
        # nothing will be certified: the float arrays draw the picture, and parsing the rational
        # ``exact`` section (the slow part of loading a wide network) is skipped
        data = {k: v for k, v in data.items() if k != "exact"}
    net = PermNetwork.from_dict(data)
    notes = []
    blocks = read_blocks(data["blocks"], net.width // 2) if data.get("blocks") is not None else None
    if eps is None and target_text is None and prov.get("epsilon") is not None:
        try:
            eps = float(Fraction(str(prov["epsilon"])))
        except (ValueError, ZeroDivisionError):
            raise PlotError(f"provenance.epsilon: not a number: {prov['epsilon']!r}") from None
    target = parse_target(text) if text else None
    if cert is None and cert_path:
        cert = _load_certificate(cert_path)
        if target is not None and cert.target != target.text:
            raise PlotError(f"--cert is for target '{cert.target}', not '{target.text}'")
        if tuple(map(float, cert.domain)) != tuple(map(float, net.domain)):
            raise PlotError(f"--cert is for domain {list(cert.domain)}, the network's is {list(net.domain)}")
        if eps is None and cert.eps is not None:
            eps = cert.eps
    if cert is not None:
        sha, mine = getattr(cert, "network_sha256", None), getattr(net, "sha256", None)
        if sha and callable(mine) and sha != mine():
            raise PlotError("the certificate names another network (its network_sha256 differs)")
        if target is None:
            target = parse_target(cert.target)
    elif target is not None and certify_missing:
        t0 = time.perf_counter()
        cert = certify(net, target, None if eps is None else float(eps), domain=net.domain)
        notes.append(f"certified   U = {fmt_upper(cert.upper, 6)} (rounded up; {cert.method}) in "
                     f"{time.perf_counter() - t0:.2f} s")
    return net, target, eps, cert, blocks, notes


def _load_certificate(path):
    from ..certify import Certificate

    try:
        return Certificate.load(path)
    except UnicodeDecodeError:
        raise PlotError(f"{path}: not a certificate (not UTF-8 JSON)") from None


def render(path, out, *, target_text=None, eps=None, cert_path=None, net_path=None, log_scale=False,
           certify_missing=True, bins=None, cert=None) -> Rendered:
    """Figure (png/pdf/svg) or page (html) of any file ``proofkit plot`` accepts."""
    fmt = _out_format(out)
    kind = file_kind(path)
    if kind == "network":
        net, target, eps, cert, blocks, notes = load_network_bundle(path, target_text, eps, cert_path,
                                                                    certify_missing, cert)
        if fmt == "html":
            from .html import network_page
            return Rendered(kind, html=network_page(net, target, cert, blocks, eps), notes=notes)
        from .network import network_figure
        return Rendered(kind, network_figure(net, target, cert, blocks, eps, log=log_scale), notes=notes)
    if kind == "network-nd":
        from ..train.ndnet import NDPermNetwork
        from ..train.problem import target_function

        net = NDPermNetwork.load(path)
        text = target_text or net.provenance.get("target")
        target = target_function(text, net.dim) if text else None
        if target is not None:
            target.text = text
        if fmt == "html":
            from .html import nd_page
            return Rendered(kind, html=nd_page(net, target))
        from .nd import nd_figure
        return Rendered(kind, nd_figure(net, target))
    if kind == "certificate":
        from ..expr import parse_target
        from .certificate import BINS, certificate_figure

        cert = _load_certificate(path)
        net = None
        if net_path:
            from ..network import PermNetwork
            net = PermNetwork.load(net_path)
        target = parse_target(target_text or cert.target) if net is not None else None
        fig = certificate_figure(cert, net, target, bins=bins or BINS)
        return Rendered(kind, fig) if fmt != "html" else Rendered(kind, html=_svg_page(fig, cert.target))
    from .log import load_log, log_figure

    fig = log_figure(load_log(path))
    return Rendered(kind, fig) if fmt != "html" else Rendered(kind, html=_svg_page(fig, "training log"))


def _svg_page(fig, title):
    """A static figure as a self-contained HTML page (inline SVG; no script, no external resource)."""
    from html import escape

    from .style import figure_bytes

    svg = figure_bytes(fig, "svg").decode("utf-8")
    svg = svg[svg.index("<svg"):]
    return ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>proofkit: " + escape(title)
            + "</title></head><body style=\"margin:0\">\n" + svg + "\n</body></html>\n")
