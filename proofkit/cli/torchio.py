"""``proofkit import-torch`` / ``proofkit export-torch``: PyTorch state_dicts of the 1-2n-1-1 network.

``import-torch MODEL.pth --init NAME --seed S [--stream numpy|torch] --out NET.json`` (or ``--pool FILE``)
reads the state_dict (with torch when installed, else with proofkit's restricted reader that never runs
pickled code), measures the distance of the trained coefficients from the nearest exact rearrangement of
the pool and, when it is within the tolerance, projects onto it and writes a network file that ``proofkit
verify`` can check. Files written by ``export-torch`` carry their pool (init, seed, stream or the values),
domain and activation in their metadata, so they import without flags. ``export-torch NET.json --out
MODEL.pth`` writes the network as a state_dict (no torch needed; float64 by default so that the round trip
is exact).
"""
from __future__ import annotations

import argparse
import math
import sys

IMPORT_HELP = "import a PyTorch state_dict (1-2n-1-1) as a permutation network, projected onto the pool"
IMPORT_EPILOG = (
    "The pool: --init/--seed/--stream, or --pool FILE; a setting not given comes from the file's proofkit "
    "metadata (files written by export-torch), else seed 2022, stream numpy, domain [-1, 1], relu. "
    "The authors' checkpoints (github.com/DanclaChen/PermutationTraining) need --stream torch (needs "
    "PyTorch) and --seed 2022+1000*j for their run iter j. "
    "Exit codes: 0 imported; 1 refused: the trained coefficients are farther than --tolerance (relative "
    "to the pool's largest |value|) from every permutation of the pool, i.e. the pool is not the model's "
    "(wrong --init/--seed/--stream) or the model was not permutation-trained (one line on stderr, no file "
    "written); 2 bad input.")
EXPORT_HELP = "export a 1-D permutation network as a PyTorch state_dict (.pth)"


def _tolerance(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"tolerance must be a number, got '{text}'") from None
    if not (math.isfinite(value) and value >= 0):
        raise argparse.ArgumentTypeError(f"tolerance must be a finite number >= 0, got '{text}'")
    return value


def register(subparsers) -> None:
    """Add the ``import-torch`` and ``export-torch`` verbs."""
    from ..pool import STREAMS
    from ..train.torchio import DEFAULT_TOLERANCE

    p = subparsers.add_parser("import-torch", help=IMPORT_HELP, description=IMPORT_HELP, epilog=IMPORT_EPILOG)
    p.add_argument("model", help="the .pth file (a state_dict saved by torch.save)")
    p.add_argument("--init", default=None, help="initialisation that made the pool (equidistant, pairwise, ...)")
    p.add_argument("--seed", type=int, default=None, help="seed of that initialisation (default: the file's "
                   "metadata, else 2022)")
    p.add_argument("--stream", default=None, choices=STREAMS,
                   help="random stream of that initialisation: numpy (proofkit train) or torch (the authors' "
                        "code; needs PyTorch); default: the file's metadata, else numpy")
    p.add_argument("--pool", default=None, help="pool from a file instead: a network JSON or a JSON list")
    p.add_argument("--tolerance", type=_tolerance, default=DEFAULT_TOLERANCE, metavar="T",
                   help="largest accepted max|theta - nearest permutation| relative to max|pool| "
                        f"(default {DEFAULT_TOLERANCE:g})")
    p.add_argument("--project-anyway", action="store_true",
                   help="project even beyond the tolerance (recorded in the provenance; the written network is "
                        "then not the model)")
    p.add_argument("--domain", nargs=2, type=float, default=None, metavar=("A", "B"),
                   help="default: the file's metadata, else -1 1")
    p.add_argument("--activation", default=None,
                   help="relu | leaky_relu | leaky_relu:S (default: the file's metadata, else relu)")
    p.add_argument("--reader", default="auto", choices=("auto", "torch", "builtin"),
                   help="auto: torch.load(weights_only=True) when torch is installed, else the builtin reader")
    p.add_argument("--out", required=True, help="output network file (JSON)")
    from .plot import add_plot_option
    add_plot_option(p)
    p.set_defaults(func=import_main)
    q = subparsers.add_parser("export-torch", help=EXPORT_HELP, description=EXPORT_HELP)
    q.add_argument("network", help="a proofkit.permnet/1 file")
    q.add_argument("--out", required=True, help="output .pth file")
    q.add_argument("--dtype", default="float64", choices=("float64", "float32"),
                   help="tensor dtype (float64 keeps every bit; default)")
    q.set_defaults(func=export_main)


def import_main(args) -> int:
    """Read, measure, project (or refuse: exit 1), write, print the distances."""
    from ..train.config import normalise_activation
    from ..train.torchio import (ProjectionRefused, TorchFileError, import_network, load_state_dict,
                                 pool_from_file)

    if args.init is not None and args.pool is not None:
        raise TorchFileError("give one of --init NAME (with --seed/--stream) or --pool FILE, not both")
    pool = pool_from_file(args.pool) if args.pool else None
    activation = normalise_activation(args.activation) if args.activation is not None else None
    sd = load_state_dict(args.model, args.reader)
    try:
        net, rep = import_network(sd, init=args.init, seed=args.seed, stream=args.stream, pool=pool,
                                  domain=args.domain, activation=activation, tolerance=args.tolerance,
                                  project_anyway=args.project_anyway, source=args.model)
    except ProjectionRefused as exc:
        print(f"proofkit import-torch: {exc}", file=sys.stderr)
        return 1
    chk = net.check_permutation()
    if not chk.ok:  # cannot happen by construction; refuse to write a wrong file
        raise TorchFileError(f"projection failed: {chk.message}")
    net.save(args.out)
    meta = f" (taken from the file's metadata: {', '.join(rep['metadata_used'])})" if rep["metadata_used"] else ""
    how = ("PROJECTED ANYWAY (beyond the tolerance: the written network is not the model)" if rep["forced"]
           else "projected")
    bias = ""
    if rep["bias_distance"] is not None:
        bias = f"; frozen biases {'match' if rep['biases_match'] else 'DIFFER from'} the pool's"
    print(f"n={rep['n']} pool={rep['pool']}{meta}: trained coefficients are {rep['distance_max']:.3g} (max; "
          f"{rep['relative_distance']:.3g} of the pool's scale, tolerance {rep['tolerance']:.3g}) and "
          f"{rep['distance_l2']:.3g} (l2) from the nearest exact permutation{bias}; {how}; {chk.message}; "
          f"wrote {args.out}")
    if args.plot:
        from .plot import write_plot
        write_plot(args.plot, net_file=args.out)
    return 0


def export_main(args) -> int:
    """Load a network, write its state_dict with proofkit's metadata (pool, domain, activation)."""
    from ..network import PermNetwork
    from ..train.torchio import export_metadata, export_state_dict, write_state_dict

    net = PermNetwork.load(args.network)
    meta = export_metadata(net)
    write_state_dict(args.out, export_state_dict(net, args.dtype), metadata=meta)
    pool = (f"init {meta['init']}, seed {meta['seed']}, {meta['stream']} stream" if "init" in meta
            else f"its {len(meta['pool'])} pool values")
    print(f"wrote {args.out} ({net.width} hidden units, {args.dtype}; metadata: {pool}, domain "
          f"[{meta['domain'][0]:g}, {meta['domain'][1]:g}], {meta['activation']})")
    return 0
