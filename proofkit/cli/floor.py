"""``proofkit floor TARGET --dim 2|3 --out CERT.json``: a certified error floor for every network whose first
layer has fixed directions (the paper's 2-D and 3-D networks); ``proofkit floor --check CERT.json`` re-checks a
certificate.

Exit codes: 0 certificate written / valid; 1 no certificate could be made (no lattice carries an annihilating
measure) / the certificate is invalid (one line why); 2 bad input.
"""
from __future__ import annotations

import os
import shlex

from ..fmt import fmt_lower, fmt_upper
from . import CLIError
from ._common import domain as check_domain
from ._common import info, number


def register(sub):
    p = sub.add_parser(
        "floor", help="certified error floor of every network with fixed first-layer directions (2-D/3-D)",
        description="Every network whose hidden units see x only through a.x for a in a fixed finite set of "
                    "directions computes a sum of ridge functions g(a.x); for a target that is not such a sum, "
                    "no such network -- any width, weights, activation or training -- gets below a positive "
                    "error. This command finds a signed point measure with zero mass on every level set of every "
                    "direction (an LP on lattices of the box, then local polishing), certifies the bound "
                    "|mu(f)|/||mu||_1 in exact rational and ball arithmetic, writes it to CERT.json, and brackets "
                    "it from above with the best piecewise-linear ridge fit found (sampled, not certified). "
                    "The certified floor is printed on the last line.")
    p.add_argument("target", nargs="?", help="target in x, y (2-D) or x, y, z (3-D), e.g. 'sin(3*x)*cos(y)*sin(2*z)'; a target that starts "
                        "with '-' needs a space in it (' -sin(pi*x*y)'), else it reads as an option")
    p.add_argument("--dim", type=int, choices=(2, 3), help="dimension d of the box [A, B]^d")
    p.add_argument("--directions", default="paper", metavar="paper|FILE",
                   help="'paper' (2-D: +-(1,0), +-(0,1), +-(1,1), +-(1,-1); 3-D: the 26 nonzero vectors of "
                        "{-1,0,1}^3) or a JSON file with a list of rational vectors (default paper)")
    p.add_argument("--domain", nargs=2, type=number, metavar=("A", "B"), default=None,
                   help="the box [A, B]^d (default -1 1, the paper's)")
    p.add_argument("--out", metavar="CERT.json", help="write the certificate here (proofkit.floor/1)")
    p.add_argument("--lattice", nargs="+", type=int, metavar="M", default=None,
                   help="lattice sizes m (m intervals per axis; default 8 16 32 64 in 2-D, 4 6 8 in 3-D)")
    p.add_argument("--grid", nargs="+", type=int, metavar="K", default=(),
                   help="keep every point on the test grid of K points per axis (e.g. 113, the paper's), so the "
                        "bound holds for the maximum error over that grid too; lattices must divide K - 1; "
                        "no polishing")
    p.add_argument("--no-polish", action="store_true", help="do not move the points off the lattice")
    p.add_argument("--fit-knots", type=int, default=None, metavar="K",
                   help="best ridge fit with K intervals per direction (default 64 in 2-D, 12 in 3-D; 0: no fit)")
    p.add_argument("--fit-samples", type=int, default=None, metavar="S",
                   help="sample grid of the fit LP, points per axis (default 2K + 1)")
    p.add_argument("--fit-dense", type=int, default=None, metavar="D",
                   help="grid on which the fit's error is measured, points per axis (default 1201 in 2-D, 97 in 3-D)")
    p.add_argument("--check", metavar="CERT.json", default=None,
                   help="only check a certificate: exit 0 valid, 1 invalid (one line why), 2 bad input")
    p.set_defaults(func=run)


def run(args) -> int:
    if args.check:
        if args.target or args.out:
            raise CLIError("--check takes only the certificate file")
        return _check(args.check)
    if not args.target:
        raise CLIError("give a TARGET (or --check CERT.json)")
    if args.dim is None:
        raise CLIError("--dim 2 or --dim 3 is required")
    if not args.out:
        raise CLIError("--out CERT.json is required")
    return _floor(args)


def _check(path) -> int:
    from ..floor import check, load_certificate

    cert = load_certificate(path)
    res = check(cert)
    if not res.valid:
        info(f"invalid: {res.reason}")
        return 1
    info(f"valid: {res.reason}; the file claims {fmt_lower(cert.lower_bound, 6)}")
    return 0


def _directions(spec, dim):
    from ..floor import paper_directions, parse_directions
    from ..floor.certificate import read_json

    if spec == "paper":
        return paper_directions(dim), "paper"
    data = read_json(spec)
    return parse_directions(data, dim), f"file:{os.path.basename(spec)}"


def _command(args, dom) -> str:
    """The command that reproduces this run (every option spelled out)."""
    parts = ["proofkit", "floor", args.target, "--dim", str(args.dim), "--directions", args.directions,
             "--domain", str(dom[0]), str(dom[1])]
    if args.lattice:
        parts += ["--lattice", *map(str, args.lattice)]
    if args.grid:
        parts += ["--grid", *map(str, args.grid)]
    if args.no_polish:
        parts.append("--no-polish")
    parts += ["--fit-knots", str(args.fit_knots)]
    if args.fit_knots:
        parts += ["--fit-samples", str(args.fit_samples), "--fit-dense", str(args.fit_dense)]
    parts += ["--out", args.out]
    return shlex.join(parts)


def _floor(args) -> int:
    from .._io import atomic_write_json
    from ..floor import best_ridge_fit, lines, search_floor
    from ..floor.target import NdTarget

    dim = args.dim
    dom = check_domain(args.domain) if args.domain else (number("-1"), number("1"))
    directions, source = _directions(args.directions, dim)
    if args.fit_knots is None:
        args.fit_knots = 64 if dim == 2 else 12
    if args.fit_knots < 0 or args.fit_knots == 1:
        raise CLIError("--fit-knots must be 0 (no fit) or at least 2")
    if args.fit_knots:
        args.fit_samples = args.fit_samples or 2 * args.fit_knots + 1
        args.fit_dense = args.fit_dense or (1201 if dim == 2 else 97)
        if args.fit_samples < 2 or args.fit_dense < 2:
            raise CLIError("--fit-samples and --fit-dense must be at least 2")
    if any(k < 2 for k in args.grid):
        raise CLIError("--grid: at least 2 points per axis")
    f = NdTarget(args.target, dim)
    lines_ = lines(directions)
    box = f"[{dom[0]}, {dom[1]}]^{dim}"
    info(f"target      {f.text} on {box}; {len(directions)} directions ({source}), {len(lines_)} lines")

    def progress(row):
        pol = "" if row.polished_bound is None else f", polished {fmt_lower(row.polished_bound, 6)}"
        if not row.points:
            info(f"lattice m={row.m:<4d} no annihilating measure on this lattice ({row.seconds:.1f} s)")
            return
        info(f"lattice m={row.m:<4d} LP floor on the lattice {row.lp_value:.6g}, {row.points} points; "
             f"certified {fmt_lower(row.lattice_bound, 6)}{pol} ({row.seconds:.1f} s)")

    res = search_floor(f, dom, directions, args.lattice, grids=tuple(args.grid), polish=not args.no_polish,
                       directions_source=source, progress=progress)
    cert = res.certificate
    if cert is None:
        info("no certificate: none of these lattices carries a measure with zero mass on every level set; "
             "try larger --lattice sizes")
        return 1
    cert.info["search"] = {"lattices": [r.to_json() for r in res.rows], "seconds": round(res.seconds, 3)}
    lb = cert.lower_bound
    if args.fit_knots:
        fit = best_ridge_fit(f.check_finite, dom, lines_, args.fit_knots, args.fit_samples, args.fit_dense)
        cert.info["best_fit_error"] = fit.sampled_error
        cert.info["best_fit"] = fit.to_json()
        ratio = fit.sampled_error / lb if lb > 0 else None
        cert.info["ratio"] = ratio
        info(f"best fit    max|f - N| = {fmt_upper(fit.sampled_error, 6)} sampled on {fit.dense}^{dim} points "
             f"(achievable with these directions, NOT certified; {args.fit_knots} knots/direction, "
             f"{fit.seconds:.1f} s)")
        if ratio is not None:
            info(f"bracket     [{fmt_lower(lb, 6)}, {fmt_upper(fit.sampled_error, 6)}], best fit / floor = "
                 f"{fmt_upper(ratio, 4)}")
    cert.info["command"] = _command(args, dom)
    atomic_write_json(args.out, cert.to_json())
    info(f"wrote       {args.out} ({len(cert.points)} points, from lattice m={cert.info['search_origin']['lattice']}"
         f"{', polished' if cert.info['search_origin']['polished'] else ''})")
    if lb > 0:
        grid = (f" (and max|f - N| >= it over the grid of {' and of '.join(map(str, args.grid))} points per axis)"
                if args.grid else "")
        info(f"meaning     every network with these directions has sup|f - N| >= {fmt_lower(lb, 6)} on {box}{grid}")
    else:
        info("meaning     no positive floor certified: the target may be a ridge sum in these directions "
             "(or the lattices are too coarse)")
    info(f"certified floor: {fmt_lower(lb, 6)}")
    return 0
