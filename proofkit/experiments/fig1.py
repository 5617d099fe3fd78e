r"""Fig. 1: the constructions behind Theorem 1, drawn from proofkit's own objects (arXiv 2407.01033,
Fig. 1 and the proof of Theorem 1).

No training. Every curve is a :class:`proofkit.network.PermNetwork` (evaluated by ``net(x)``, the
project's one evaluator) whose coefficients are a permutation of an equidistant pool
:math:`\{\pm b_i\}` built by :func:`proofkit.pool.equidistant_pool` and arranged by
:mod:`proofkit.blocks`:

(a) the four-pair step block on biases :math:`c_1<c_2<c_3<c_4` (spacing D): its eight basis functions
    :math:`p_k\varphi^+_{c_k}` and :math:`q_k\varphi^-_{c_k}` with :math:`p=(-c_1,-c_4,c_4,c_1)`,
    :math:`q=(c_2,c_3,-c_3,-c_2)`;
(b) their sum, a monotone ramp of height :math:`h=2D^2` against the ideal step at :math:`s=(c_2+c_3)/2`
    (sup error h/2);
(c) the constant-matching block: four pairs in linear mode with values :math:`(c_4,-c_3,-c_2,c_1)`; the
    sum is the constant :math:`4D^2`;
(d) linear reorganisation of unused pairs (annihilating the unused parameters): every pair in linear mode :math:`m_ib_i(x-b_i)`; with
    the signs of Lemma 2 the total slope is at most the largest gap, while equal signs give slope
    :math:`\sum b_i`;
(e) a whole Theorem-1 network (:func:`proofkit.construct.theorem1.construct_theorem1`) against its target
    with the band :math:`f^*\pm\varepsilon`, when that module is available.

Exact quantities (heights, constants, slopes; Fractions from ``net.exact_pl``) go to ``fig1.json``.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from .. import plots
from ..blocks import Ref, assemble, constant_block, linear_pair, linear_reorganisation, step_block, step_height
from ..fmt import fmt_upper
from ..network import PermNetwork
from ..pool import equidistant_pool
from .spec import check_mode

__all__ = ["FIG1", "ConstructionFigure"]


def _unit_terms(net: PermNetwork, x):
    """The H functions a_i * rho(w_i x + c_i) (for drawing the basis functions of a block)."""
    z = np.multiply.outer(np.asarray(x, float), net.weights.astype(float)) + net.biases
    return np.maximum(z, 0.0) * net.coefficients


def _latex(tgt) -> str:
    import sympy as sp

    return sp.latex(tgt.expr)


def _frac(q) -> str:
    return str(Fraction(q))


@dataclass(frozen=True)
class ConstructionFigure:
    """Fig. 1 (no runs; see the module docstring)."""

    name: str = "fig1"
    target: str = "sin(2*pi*x)"
    eps: float = 0.3
    pool_n: int = 4
    reorg_n: int = 11

    def runs(self, mode: str) -> list:
        """No training runs."""
        check_mode(mode)
        return []

    # ---------------------------------------------------------------- the objects
    def step_network(self):
        """The four-pair step block on c = (1/5, 2/5, 3/5, 4/5) as a complete 4-pair network."""
        pool = equidistant_pool(self.pool_n, (Fraction(1, 5), Fraction(4, 5)))
        perm = assemble(4, step_block(0, 1, 2, 3))
        return pool, PermNetwork.from_pool(pool, perm, provenance={"figure": "fig1", "block": "step"})

    def constant_network(self):
        """The constant-matching block on the same four biases."""
        pool = equidistant_pool(self.pool_n, (Fraction(1, 5), Fraction(4, 5)))
        perm = assemble(4, constant_block(0, 1, 2, 3))
        return pool, PermNetwork.from_pool(pool, perm, provenance={"figure": "fig1", "block": "constant"})

    def reorganised_networks(self):
        """Unused pairs in linear mode: Lemma-2 signs vs all-plus signs, on the pool b_i = (i-1)/(n-1)."""
        pool = equidistant_pool(self.reorg_n, (0, 1))
        b = pool.exact_biases
        reorg = linear_reorganisation(range(self.reorg_n), b)
        good = PermNetwork.from_pool(pool, assemble(self.reorg_n, reorg.assign))
        plus = {}
        for k in range(self.reorg_n):
            plus.update(linear_pair(k, Ref(1, k)))
        naive = PermNetwork.from_pool(pool, assemble(self.reorg_n, plus))
        return pool, reorg, good, naive

    def theorem1(self):
        """(construction, certificate or None) of Theorem 1 for the target, or None if not available."""
        try:
            from ..construct.theorem1 import construct_theorem1
        except ImportError:
            return None
        from ..expr import parse_target

        tgt = parse_target(self.target)
        cons = construct_theorem1(tgt, self.eps, (0.0, 1.0))
        cert = None
        try:
            from ..certify import certify

            cert = certify(cons.net, tgt, self.eps, domain=(0.0, 1.0))
        except ImportError:
            cert = None
        return tgt, cons, cert

    # ---------------------------------------------------------------- drawing
    def make(self, records: dict, mode: str, out_dir) -> dict:
        """Draw the panels and write fig1.png/.pdf/.json."""
        check_mode(mode)
        info = {"figure": self.name, "mode": mode, "training": False}
        x = np.linspace(0.0, 1.0, 1001)
        with plots.paper_style() as plt:
            fig = plt.figure(figsize=(16, 10))
            axa = fig.add_axes([0.06, 0.57, 0.26, 0.36])
            axb = fig.add_axes([0.385, 0.57, 0.26, 0.36])
            axc = fig.add_axes([0.71, 0.57, 0.26, 0.36])
            axd = fig.add_axes([0.06, 0.08, 0.26, 0.36])
            axe = fig.add_axes([0.385, 0.08, 0.585, 0.36])
            for ax in (axa, axb, axc, axd, axe):
                ax.tick_params(labelsize=12)

            # (a) eight basis functions of the step block
            pool, net = self.step_network()
            c = [float(v) for v in pool.biases]
            terms = _unit_terms(net, x)
            cols = plt.get_cmap("tab10")
            for i in range(net.width):
                k = i % 4
                sign = "+" if i < 4 else "-"
                coef = Fraction(net.exact["pool"][net.permutation[i]])
                axa.plot(x, terms[:, i], color=cols(k), linestyle="-" if i < 4 else "--", linewidth=1.6,
                         label=rf"${'p' if i < 4 else 'q'}_{k + 1}\varphi^{sign}_{{c_{k + 1}}}$, "
                               rf"${'p' if i < 4 else 'q'}_{k + 1}={float(coef):+.1f}$")
            axa.set_title("(a) step block: the 8 basis functions", fontsize=15)
            axa.set_ylim(-1.05, 0.4)
            axa.legend(fontsize=9, ncol=2, loc="lower left", framealpha=0.9)
            axa.set_xlabel("$x$", fontsize=15)
            for cv in c:
                axa.axvline(cv, color="0.85", linewidth=0.8, zorder=0)

            # (b) the sum against the ideal step
            ex = net.exact_pl
            c1, c2, c3, c4 = (Fraction(v) for v in pool.exact_biases)
            h = step_height(c1, c2, c3, c4)
            left = Fraction(ex(np.array([c1], dtype=object))[0])
            s = (c2 + c3) / 2
            y = net(x)
            axb.plot(x, y, color="k", linewidth=2.2, label=r"block $=\sum_k p_k\varphi^+_k+q_k\varphi^-_k$")
            ideal = np.where(x >= float(s), float(left + h), float(left))
            axb.plot(x, ideal, color="C3", linestyle="--", linewidth=1.6, label=rf"step at $s={float(s):.1f}$")
            axb.fill_between(x, ideal - float(h) / 2, ideal + float(h) / 2, color="C3", alpha=0.12,
                             label=r"$\pm h/2$")
            axb.set_title(rf"(b) their sum: height $h=2D^2={float(h):.2f}$", fontsize=15)
            axb.legend(fontsize=11, loc="lower right")
            axb.set_xlabel("$x$", fontsize=15)
            sampled = float(np.max(np.abs(net(x) - ideal)))
            info["step_block"] = {"biases": [_frac(v) for v in pool.exact_biases], "height": _frac(h),
                                  "left_constant": _frac(left), "step_location": _frac(s),
                                  "sampled_sup_error_vs_step": sampled,
                                  "permutation_ok": bool(net.check_permutation())}

            # (c) constant-matching block
            cpool, cnet = self.constant_network()
            cterms = _unit_terms(cnet, x)
            for k in range(4):
                axc.plot(x, cterms[:, k] + cterms[:, 4 + k], color=cols(k), linewidth=1.4,
                         label=rf"pair {k + 1}: $v_{k + 1}(x-c_{k + 1})$")
            const = Fraction(cnet.exact_pl(np.array([Fraction(1, 2)], dtype=object))[0])
            axc.plot(x, cnet(x), color="k", linewidth=2.4, label=rf"sum $=4D^2={float(const):.2f}$")
            axc.set_title("(c) constant-matching block", fontsize=15)
            axc.legend(fontsize=10, loc="upper left")
            axc.set_xlabel("$x$", fontsize=15)
            info["constant_block"] = {"constant": _frac(const), "slope": _frac(cnet.exact_pl.right_slope),
                                      "permutation_ok": bool(cnet.check_permutation())}

            # (d) linear reorganisation
            rpool, reorg, good, naive = self.reorganised_networks()
            gterms = _unit_terms(good, x)
            n = self.reorg_n
            for k in range(n):
                axd.plot(x, gterms[:, k] + gterms[:, n + k], color="0.7", linewidth=0.9)
            axd.plot([], [], color="0.7", linewidth=0.9, label=r"pairs $m_i b_i(x-b_i)$")
            axd.plot(x, good(x), color="C2", linewidth=2.4,
                     label=rf"sum, Lemma-2 signs: slope ${float(reorg.slope):.2f}$")
            axd.plot(x, naive(x), color="C3", linestyle="--", linewidth=1.8,
                     label=rf"sum, all $m_i=+1$: slope ${float(naive.exact_pl.right_slope):.1f}$")
            axd.set_title(f"(d) linear reorganisation, {n} unused pairs", fontsize=15)
            axd.legend(fontsize=10, loc="upper left")
            axd.set_xlabel("$x$", fontsize=15)
            info["linear_reorganisation"] = {"pairs": n, "slope": _frac(reorg.slope),
                                             "max_gap": _frac(reorg.max_gap),
                                             "slope_all_plus": _frac(naive.exact_pl.right_slope),
                                             "permutation_ok": bool(good.check_permutation())}

            # (e) Theorem 1
            t1 = self.theorem1()
            if t1 is None:
                axe.text(0.5, 0.5, "proofkit.construct.theorem1 is not available in this installation",
                         ha="center", va="center", transform=axe.transAxes, fontsize=14)
                axe.set_axis_off()
                info["theorem1"] = None
            else:
                tgt, cons, cert = t1
                xs = np.linspace(0.0, 1.0, 20001)
                fx = tgt(xs)
                axe.fill_between(xs, fx - self.eps, fx + self.eps, color="0.85",
                                 label=rf"$f^*\pm\varepsilon$, $\varepsilon={self.eps}$")
                axe.plot(xs, fx, color=plots.TARGET_GREY, linewidth=2, label=rf"$f^*(x)={_latex(tgt)}$")
                axe.plot(xs, cons.net(xs), color=plots.PRED_RED, linewidth=1.2,
                         label=rf"Theorem-1 network, $n={cons.params.get('n')}$ pairs")
                axe.set_xlabel("$x$", fontsize=15)
                p = cons.params
                sub = ", ".join(f"{k}={float(p[k]):.4g}" if isinstance(p[k], (int, float, Fraction)) else f"{k}={p[k]}"
                                for k in ("n_hat", "L", "delta_h", "gamma") if k in p)
                cert_txt = (f"; certified sup error U={fmt_upper(cert.upper, 3)}" if cert is not None else "")
                axe.set_title(f"(e) Theorem 1: {sub}{cert_txt}", fontsize=14)
                axe.legend(fontsize=12, loc="upper right")
                info["theorem1"] = {"target": tgt.text, "eps": self.eps,
                                    "params": {k: (str(v) if isinstance(v, Fraction) else v)
                                               for k, v in p.items() if isinstance(v, (int, float, str, Fraction))},
                                    "sampled_sup_error": float(np.max(np.abs(cons.net(xs) - fx))),
                                    "certified_upper": None if cert is None else float(cert.upper),
                                    "certified": None if cert is None else bool(cert.certified),
                                    "permutation_ok": bool(cons.net.check_permutation())}
            fig.suptitle("Fig. 1: the constructions, drawn from proofkit.blocks and PermNetwork", fontsize=16)
            files = plots.save_figure(fig, os.path.join(os.fspath(out_dir), self.name))
            plt.close(fig)
        info["files"] = [os.path.basename(f) for f in files]
        return info


FIG1 = ConstructionFigure()
