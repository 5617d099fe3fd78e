"""``proofkit prove blocks``: check the building-block identities of the proofs of arXiv 2407.01033 (four-pair step, constant matching, linear reorganisation) symbolically.

Prints every identity with its verdict (readable text, or LaTeX with ``--latex``); exit code 0 if all are
proved, 1 otherwise. The work is done by :func:`proofkit.symbolic.prove_blocks`.
"""
from __future__ import annotations

import time

WHATS = ("blocks",)


def register(subparsers) -> None:
    """Add the ``prove`` verb."""
    p = subparsers.add_parser(
        "prove", help="check the block identities symbolically (sympy)",
        description="Derive the building blocks' functions from proofkit.blocks with symbolic biases and "
                    "check every identity of the paper's proofs (step block, anchored ramp, constant block, "
                    "linear pair, Lemma 2, exact permutation of an assembled network). Exit 0 if all are "
                    "proved, 1 otherwise.")
    p.add_argument("what", choices=WHATS, help="what to prove (only 'blocks' for now)")
    p.add_argument("--latex", action="store_true", help="print the identities in LaTeX instead of text")
    p.set_defaults(func=run)


def run(args) -> int:
    """Run the proofs, print them, return 0 if every one is proved and 1 otherwise."""
    from ..symbolic import prove_blocks, render_latex, render_text

    t0 = time.perf_counter()
    proofs = prove_blocks()
    elapsed = time.perf_counter() - t0
    print(render_latex(proofs) if args.latex else render_text(proofs))
    failed = [p.name for p in proofs if not p.proved]
    if failed:
        print(f"FAILED: {', '.join(failed)} ({elapsed:.1f} s)")
        return 1
    print(f"all {len(proofs)} identities proved ({elapsed:.1f} s)")
    return 0
