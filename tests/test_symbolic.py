"""Tests of proofkit.symbolic: the block proofs pass, broken blocks fail, and the machinery is honest."""
from __future__ import annotations

import argparse
import itertools
from fractions import Fraction

import numpy as np
import pytest
import sympy as sp

from proofkit import blocks, symbolic
from proofkit.network import PermNetwork
from proofkit.pool import equidistant_pool
from proofkit.symbolic import (DEFAULT_GAPS, Proof, SymbolicError, block_function, demo_network, prove_blocks,
                               prove_permutation, prove_sign_selection)


def swapped(fn, i, j):
    """The block ``fn`` with coefficient slots i and j (of p1,q1,p2,q2,...,p4,q4) exchanged."""
    def broken(k1, k2, k3, k4, sign=1):
        a = fn(k1, k2, k3, k4, sign=sign)
        slots = [(k, t) for k in (k1, k2, k3, k4) for t in (0, 1)]
        vals = {s: a[s[0]][s[1]] for s in slots}
        vals[slots[i]], vals[slots[j]] = vals[slots[j]], vals[slots[i]]
        return {k: (vals[(k, 0)], vals[(k, 1)]) for k in (k1, k2, k3, k4)}
    return broken


@pytest.fixture(scope="module")
def all_proofs():
    return prove_blocks()


def test_every_block_identity_is_proved(all_proofs):
    failed = [(p.name, p.residual, p.note) for p in all_proofs if not p.proved]
    assert not failed
    names = {p.name for p in all_proofs}
    for required in ("step.sums", "step.flat_ends", "step.height", "step.height_equal", "step.profile",
                     "step.linear_between", "step.symmetry", "step.sup_error", "step.l2_error",
                     "ramp.clip", "ramp.sup_error", "ramp.l2_error", "constant.equal", "linear.pair",
                     "lemma2.partial_sums", "network.permutation"):
        assert required in names
    for p in all_proofs:
        assert isinstance(p, Proof) and p.verdict == "proved" and p.latex and p.statement
        if p.kind == "identity":
            assert all(r == 0 for r in (p.residual if isinstance(p.residual, sp.Tuple) else [p.residual]))


def test_broken_step_block_fails():
    # the brief's check: two coefficients of the step block swapped (p_1 <-> p_2)
    proofs = prove_blocks(step=swapped(blocks.step_block, 0, 2))
    failed = {p.name for p in proofs if not p.proved}
    assert "step.height" in failed and "step.height_equal" in failed
    assert all(p.verdict in ("proved", "failed") for p in proofs)
    # the other blocks are untouched and still proved
    assert all(p.proved for p in proofs if p.name.startswith(("ramp.", "constant.", "linear.")))


@pytest.mark.parametrize("i,j", [(0, 1), (1, 3), (2, 5), (6, 7)])
def test_step_swaps_are_caught(i, j):
    proofs = symbolic.prove_step_block(swapped(blocks.step_block, i, j))
    failed = [p for p in proofs if not p.proved]
    assert failed
    assert all(p.residual != 0 or p.note for p in failed)


@pytest.mark.parametrize("i,j", [(0, 6), (2, 4), (3, 5)])
def test_ramp_swaps_are_caught(i, j):
    assert any(not p.proved for p in symbolic.prove_anchored_ramp(swapped(blocks.anchored_ramp_block, i, j)))


def test_every_constant_block_swap_is_caught():
    for i, j in itertools.combinations(range(8), 2):
        proofs = symbolic.prove_constant_block(swapped(blocks.constant_block, i, j))
        assert any(not p.proved for p in proofs), (i, j)


def test_block_raising_is_a_failed_proof_not_a_crash():
    def bad(k1, k2, k3, k4, sign=1):
        raise ValueError("no block here")
    proofs = symbolic.prove_step_block(bad)
    assert proofs and all(not p.proved for p in proofs)
    assert any("no block here" in p.note for p in proofs)


def test_block_function_matches_the_network_exactly():
    """The symbolic pieces, at rational biases, equal the exact PL form of the assembled network."""
    n = 6
    pool = equidistant_pool(n)
    b = list(pool.exact_biases)
    assign = blocks.step_block(1, 2, 4, 5)
    perm = blocks.assemble(n, assign, blocks.linear_pair(0, blocks.Ref(1, 0)),
                           blocks.linear_pair(3, blocks.Ref(1, 3)))
    net = PermNetwork.from_pool(pool, perm)
    # the network minus the two linear pairs (pair 0: 0*(x-0); pair 3: b_3 (x - b_3))
    f = block_function(assign, [sp.Rational(v.numerator, v.denominator) for v in b])
    for t in [Fraction(k, 37) for k in range(-40, 80)]:
        ref = net.exact_pl(np.array([t], dtype=object))[0] - b[3] * (t - b[3])
        sym = f.value(sp.Rational(t.numerator, t.denominator))
        assert sp.Rational(ref.numerator, ref.denominator) == sym


def test_block_function_refuses_undecidable_order():
    u, w = sp.symbols("u w", real=True)   # no order known between u and w
    with pytest.raises(Exception, match="cannot decide"):
        block_function(blocks.step_block(0, 1, 2, 3), [u, w, u + 1, w + 1])


def test_sign_selection_proof():
    assert prove_sign_selection().proved
    assert prove_sign_selection([Fraction(1, 3)] * 5).proved
    # a selector that always says +1 lets the partial sums grow past max g
    plus = prove_sign_selection(DEFAULT_GAPS, lambda g: ([1] * len(g), sum(g)))
    assert not plus.proved and plus.residual > 0
    # a selector that misreports its total is caught
    liar = prove_sign_selection(DEFAULT_GAPS, lambda g: (blocks.sign_selection(g)[0], 0))
    assert not liar.proved and "total" in liar.note
    with pytest.raises(SymbolicError):
        prove_sign_selection([])
    with pytest.raises(SymbolicError):
        prove_sign_selection([Fraction(1), Fraction(-1)])


def test_permutation_proof_on_assembled_network():
    net = demo_network(21)
    proof = prove_permutation(net)
    assert proof.proved and proof.residual == 0
    assert net.check_permutation().ok  # agrees with the network's own check


def test_permutation_proof_detects_tampering():
    net = demo_network(17)
    coeffs = np.array(net.coefficients)
    i = int(np.flatnonzero(coeffs != 0)[0])
    coeffs[i] = coeffs[i] + 1.0 / 1024          # a value that is not in the pool
    bad = PermNetwork(net.weights, net.biases, net.pool, net.permutation, net.scale, net.shift, net.domain,
                      net.activation, net.exact, {}, coeffs)
    proof = prove_permutation(bad)
    assert not proof.proved and proof.residual > 0
    # a duplicated index: not a bijection
    perm = np.array(net.permutation)
    perm[1] = perm[0]
    dup = PermNetwork(net.weights, net.biases, net.pool, perm, net.scale, net.shift, net.domain,
                      net.activation, net.exact, {})
    proof = prove_permutation(dup)
    assert not proof.proved and "bijection" in proof.note


def test_permutation_proof_needs_exact_data():
    net = demo_network(9)
    plain = PermNetwork(net.weights, net.biases, net.pool, net.permutation)
    with pytest.raises(SymbolicError, match="exact"):
        prove_permutation(plain)


def _cli(argv):
    from proofkit.cli import prove
    parser = argparse.ArgumentParser(prog="proofkit")
    prove.register(parser.add_subparsers(dest="verb"))
    args = parser.parse_args(argv)
    return args.func(args)


def test_cli_prove_blocks(capsys):
    assert _cli(["prove", "blocks"]) == 0
    out = capsys.readouterr().out
    assert "[PROVED] step.height" in out and "FAILED" not in out and "all " in out
    assert _cli(["prove", "blocks", "--latex"]) == 0
    out = capsys.readouterr().out
    assert r"\begin{itemize}" in out and r"\textbf{proved}" in out


def test_cli_exit_1_on_failure(capsys, monkeypatch):
    broken = swapped(blocks.step_block, 0, 2)
    real = symbolic.prove_blocks
    monkeypatch.setattr(symbolic, "prove_blocks", lambda: real(step=broken))
    assert _cli(["prove", "blocks"]) == 1
    assert "FAILED" in capsys.readouterr().out


def test_reorganisation_proof():
    b = [Fraction(i * i, 10) for i in range(12)]          # irregular gaps
    assert symbolic.prove_reorganisation([0, 1, 2, 5, 7, 8, 11], b).proved
    assert symbolic.prove_reorganisation([3, 4, 6, 9], b).proved

    def all_plus(unused, bb):       # couples all with sign +1: the slope adds up past max g
        r = blocks.linear_reorganisation(unused, bb)
        assign = {}
        for i in range(0, len(unused), 2):
            assign.update(blocks.linear_pair(unused[i], blocks.Ref(-1, unused[i])))
            assign.update(blocks.linear_pair(unused[i + 1], blocks.Ref(1, unused[i + 1])))
        slope, intercept = blocks.pair_function(assign, bb)
        return blocks.Reorganisation(assign, slope, intercept, r.max_gap, None)
    bad = symbolic.prove_reorganisation([1, 2, 3, 4, 5, 6], b, reorganise=all_plus)
    assert not bad.proved and bad.residual[-1] > 0

    def misreport(unused, bb):
        r = blocks.linear_reorganisation(unused, bb)
        return blocks.Reorganisation(r.assign, r.slope, r.intercept + 1, r.max_gap, r.single)
    assert not symbolic.prove_reorganisation([1, 2, 3, 4], b, reorganise=misreport).proved
    with pytest.raises(SymbolicError):
        symbolic.prove_reorganisation([], b)
