"""The constructive proofs, step by step, each returning a network plus its error budget.

* :mod:`.lemma1` — Lemma 1, the piecewise-constant approximation with unit steps at level crossings;
* :mod:`.theorem1` — Theorem 1, a permutation of the equidistant pool with a learnable linear output
  layer (alpha, gamma);
* :mod:`.budget` — :class:`ErrorBudget` (ordered terms, total) and :class:`ConstructionError`.
"""
from .budget import BudgetTerm, ConstructionError, ErrorBudget
from .lemma1 import Lemma1Result, piecewise_constant_approximation
from .theorem1 import Construction, StepMatching, choose_parameters, construct_theorem1

__all__ = ["BudgetTerm", "ConstructionError", "ErrorBudget", "Lemma1Result", "piecewise_constant_approximation",
           "Construction", "StepMatching", "choose_parameters", "construct_theorem1"]
