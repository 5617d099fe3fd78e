"""``proofkit train``: permutation training of a target (LaPerm with the paper's protocol, or a search method).

Writes the trained network (``proofkit.permnet/1``; coefficients = pool[permutation] bit for bit, scale =
gamma, shift = alpha) and, with ``--log``, the permutation-event log (.npz). Both writes are atomic and
happen after training, so bad input or Ctrl-C leaves no output behind.
"""
from __future__ import annotations


from . import CLIError
from ._common import DEFAULT_EXPERIMENT_DOMAIN, Progress, add_progress_argument, domain_or_default, number

HELP = "train a permutation network (LaPerm or a permutation search) on a target"


def register(subparsers) -> None:
    """Add the ``train`` verb."""
    from ..train.config import METHODS

    p = subparsers.add_parser("train", help=HELP, description=HELP + ". Defaults are the paper's 1-D protocol "
                              "(k=5 with the authors' trigger, 6400 epochs, batch 8, Adam lr 1e-3, decay 0.998).")
    p.add_argument("target", help="target expression, e.g. 'sin(2*pi*x)' (2-D: x, y; 3-D: x, y, z); a target "
                   "starting with '-' may be written as is ('-sin(2*pi*x)') or after '--'")
    p.add_argument("--domain", nargs=2, type=number, default=None, metavar=("A", "B"),
                   help="interval [A, B] (the cube [A, B]^dim for --dim 2/3); default -1 1, the interval of the "
                        "paper's experiments (construct defaults to the theorems' 0 1)")
    p.add_argument("--n", type=int, required=True, help="number of pairs n (hidden width 2n in 1-D)")
    p.add_argument("--init", default="equidistant",
                   help="initialisation: equidistant, pairwise, random, random1..random8 (default equidistant)")
    p.add_argument("--k", type=int, default=5, help="permutation period k (k0 with --relaxed); default 5")
    p.add_argument("--relaxed", type=float, default=0.0, metavar="S",
                   help="relaxed period k_e = ceil(k (2-decay)^(e/S)); 0 = constant k (default)")
    p.add_argument("--no-quirk", dest="quirk", action="store_false",
                   help="permute every k epochs instead of the authors' trigger (first after k, then every k-1)")
    p.add_argument("--epochs", type=int, default=6400, help="epochs (default 6400)")
    p.add_argument("--batch", type=int, default=8, help="mini-batch size (default 8)")
    p.add_argument("--lr", type=float, default=1e-3, help="Adam learning rate (default 1e-3)")
    p.add_argument("--decay", type=float, default=0.998, help="learning-rate decay per epoch (default 0.998)")
    p.add_argument("--method", default="laperm", help=f"optimiser: {' | '.join(METHODS)} (default laperm)")
    p.add_argument("--seed", type=int, default=2022, help="initialisation seed (default 2022)")
    p.add_argument("--data-seed", type=int, default=2022, help="training-data seed (default 2022)")
    p.add_argument("--activation", default="relu", help="relu | leaky_relu | leaky_relu:S (default relu)")
    p.add_argument("--layout", default="authors", help="bias layout: authors (c = beta_i) | theory (c = -b_i, +b_i)")
    p.add_argument("--dim", type=int, default=1, help="input dimension 1, 2 or 3 (default 1)")
    p.add_argument("--n-train", type=int, default=None, help="training points (default 1600; 51200 in 2-D/3-D)")
    p.add_argument("--n-test", type=int, default=None, help="test points (default 400; per axis in 2-D/3-D)")
    p.add_argument("--sorted-pool", action="store_true",
                   help="start from the pool in ascending order (the Fig. 6 run) instead of the init's positions")
    p.add_argument("--time-limit", type=float, default=None, metavar="SEC",
                   help="stop after SEC seconds (the result then depends on the machine's speed)")
    p.add_argument("--out", required=True, help="output network file (JSON)")
    p.add_argument("--log", default=None, help="write the permutation-event log (.npz; LaPerm only)")
    add_progress_argument(p)
    from .plot import add_plot_option
    add_plot_option(p)
    p.set_defaults(func=main)


def main(args) -> int:
    """Validate, train, write, print one summary line."""
    from ..train import TrainConfig, run

    if args.log and args.method != "laperm":
        raise CLIError("--log records LaPerm's permutation events; use it with --method laperm")
    a, b, dom_text = domain_or_default(args.domain, DEFAULT_EXPERIMENT_DOMAIN)
    cfg = TrainConfig(target=args.target, domain=(float(a), float(b)), n=args.n, init=args.init, seed=args.seed,
                      k=args.k, relaxed_scale=args.relaxed, epochs=args.epochs, batch=args.batch, lr=args.lr,
                      decay=args.decay, activation=args.activation, layout=args.layout, quirk=args.quirk,
                      dim=args.dim, data_seed=args.data_seed, n_train=args.n_train, n_test=args.n_test,
                      method=args.method, log_events=bool(args.log), time_limit=args.time_limit,
                      sorted_pool=args.sorted_pool)
    total = cfg.epochs if cfg.method == "laperm" else None
    with Progress(args.progress, f"proofkit train {cfg.method} n={cfg.n}", total=total,
                  unit="ep" if total else "it") as bar:
        def progress(step, loss, perms):
            bar.update(1)
            if step % 50 == 0:
                bar.phase(f"loss {loss:.3g}, {perms} permutations")

        res = run(cfg, progress=progress)
    res.net.save(args.out)
    if args.log and res.log is not None:
        res.log.save(args.log)
    print(f"{res.summary()} on {dom_text}; wrote {args.out}" + (f" and {args.log}" if args.log else ""))
    if args.plot:
        from .plot import write_plot
        write_plot(args.plot, net_file=args.out, target_text=args.target)
    return 0
