"""``proofkit import-torch`` / ``proofkit export-torch``: PyTorch state_dicts of the 1-2n-1-1 network.

``import-torch MODEL.pth --init NAME --seed S --out NET.json`` (or ``--pool FILE``) reads the state_dict
(with torch when installed, else with proofkit's restricted reader that never runs pickled code), projects
the trained coefficients onto the nearest exact rearrangement of the pool, prints the distance and writes
a network file that ``proofkit verify`` can check. ``export-torch NET.json --out MODEL.pth`` writes the
network as a state_dict (no torch needed; float64 by default so that the round trip is exact).
"""
from __future__ import annotations

IMPORT_HELP = "import a PyTorch state_dict (1-2n-1-1) as a permutation network, projected onto the pool"
EXPORT_HELP = "export a 1-D permutation network as a PyTorch state_dict (.pth)"


def register(subparsers) -> None:
    """Add the ``import-torch`` and ``export-torch`` verbs."""
    p = subparsers.add_parser("import-torch", help=IMPORT_HELP, description=IMPORT_HELP)
    p.add_argument("model", help="the .pth file (a state_dict saved by torch.save)")
    p.add_argument("--init", default=None, help="initialisation that made the pool (equidistant, pairwise, ...)")
    p.add_argument("--seed", type=int, default=0, help="seed of that initialisation (default 0)")
    p.add_argument("--pool", default=None, help="pool from a file instead: a network JSON or a JSON list")
    p.add_argument("--domain", nargs=2, type=float, default=(-1.0, 1.0), metavar=("A", "B"))
    p.add_argument("--activation", default="relu", help="relu | leaky_relu | leaky_relu:S (default relu)")
    p.add_argument("--reader", default="auto", choices=("auto", "torch", "builtin"),
                   help="auto: torch.load(weights_only=True) when torch is installed, else the builtin reader")
    p.add_argument("--out", required=True, help="output network file (JSON)")
    p.set_defaults(func=import_main)
    q = subparsers.add_parser("export-torch", help=EXPORT_HELP, description=EXPORT_HELP)
    q.add_argument("network", help="a proofkit.permnet/1 file")
    q.add_argument("--out", required=True, help="output .pth file")
    q.add_argument("--dtype", default="float64", choices=("float64", "float32"),
                   help="tensor dtype (float64 keeps every bit; default)")
    q.set_defaults(func=export_main)


def import_main(args) -> int:
    """Read, project, write, print the distances."""
    from ..train.config import normalise_activation
    from ..train.torchio import TorchFileError, import_network, load_state_dict, pool_from_file

    if (args.init is None) == (args.pool is None):
        raise TorchFileError("give exactly one of --init NAME (with --seed) or --pool FILE")
    pool = pool_from_file(args.pool) if args.pool else None
    activation = normalise_activation(args.activation)
    sd = load_state_dict(args.model, args.reader)
    net, rep = import_network(sd, init=args.init, seed=args.seed, pool=pool, domain=tuple(args.domain),
                              activation=activation, source=args.model)
    chk = net.check_permutation()
    if not chk.ok:  # cannot happen by construction; refuse to write a wrong file
        raise TorchFileError(f"projection failed: {chk.message}")
    net.save(args.out)
    print(f"n={rep['n']} pool={rep['pool']}: trained coefficients are {rep['distance_max']:.3g} (max), "
          f"{rep['distance_l2']:.3g} (l2, relative {rep['relative_l2']:.3g}) from the nearest exact permutation; "
          f"projected; {chk.message}; wrote {args.out}")
    return 0


def export_main(args) -> int:
    """Load a network, write its state_dict."""
    from ..network import PermNetwork
    from ..train.torchio import export_state_dict, write_state_dict

    net = PermNetwork.load(args.network)
    write_state_dict(args.out, export_state_dict(net, args.dtype))
    print(f"wrote {args.out} ({net.width} hidden units, {args.dtype})")
    return 0
