r"""Error budgets of the constructions, term by term, and the construction error class.

A construction proves :math:`\|f^{NN}-f^*\|_\infty\le\sum_t e_t` by splitting the error into terms
:math:`e_t` (for Theorem 1: the Lemma-1 error :math:`\Delta h/2`, the step-block error
:math:`\gamma h/2=\Delta h/2`, the crowding/displacement excess, the unused-slope term
:math:`\gamma|\sigma|(b-a)/2` and rounding of :math:`\alpha,\gamma`). Each :class:`BudgetTerm` carries
its value, a one-line meaning, and its *kind*:

* ``"proved"`` — follows from exact arithmetic on the construction (e.g. a slope computed in rationals);
* ``"estimate"`` — depends on the target between sample points (a modulus of continuity estimated from
  dense samples and, where available, the derivative). Such terms are not certificates; the rigorous
  check is :func:`proofkit.certify.certify`.

The budget's :attr:`ErrorBudget.total` is the sum of the terms.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from ..errors import ProofkitError

__all__ = ["BudgetTerm", "ErrorBudget", "ConstructionError", "WidthLimitError"]

KINDS = ("proved", "estimate")


class ConstructionError(ProofkitError):
    """Bad construction input (ε <= 0 or not finite, a bad override, a target too wild for the width)."""


@dataclass(frozen=True)
class BudgetTerm:
    """One term of an error budget: ``name``, ``value`` (a float >= 0), one-line ``meaning``, ``kind``."""

    name: str
    value: float
    meaning: str
    kind: str = "proved"

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"budget term kind must be one of {KINDS}")
        v = float(self.value)
        if not (v >= 0 or math.isnan(v)):
            raise ValueError(f"budget term {self.name} must be >= 0, got {v}")
        object.__setattr__(self, "value", v)

    def to_dict(self) -> dict:
        return {"name": self.name, "value": self.value, "meaning": self.meaning, "kind": self.kind}


class WidthLimitError(ConstructionError):
    """The construction would need more pairs than the configured limit (the tolerance is infeasible here)."""


@dataclass(frozen=True)
class ErrorBudget:
    """An ordered list of :class:`BudgetTerm` whose sum bounds the sup error of a construction."""

    terms: tuple = field(default_factory=tuple)

    def __post_init__(self):
        object.__setattr__(self, "terms", tuple(self.terms))

    @property
    def total(self) -> float:
        """Sum of the term values (the claimed bound on sup|f* - f_NN|)."""
        return float(math.fsum(t.value for t in self.terms))

    @property
    def rigorous(self) -> bool:
        """True when every non-zero term is of kind ``"proved"``."""
        return all(t.kind == "proved" or t.value == 0 for t in self.terms)

    def __getitem__(self, name: str) -> BudgetTerm:
        for t in self.terms:
            if t.name == name:
                return t
        raise KeyError(name)

    def __iter__(self):
        return iter(self.terms)

    def __len__(self):
        return len(self.terms)

    def to_dict(self) -> dict:
        """JSON-ready: {"terms": [{name, value, meaning, kind}, ...], "total": float, "rigorous": bool}."""
        return {"terms": [t.to_dict() for t in self.terms], "total": self.total, "rigorous": self.rigorous}

    @classmethod
    def from_dict(cls, d: dict) -> "ErrorBudget":
        return cls(tuple(BudgetTerm(t["name"], t["value"], t.get("meaning", ""), t.get("kind", "proved"))
                         for t in d.get("terms", ())))

    def table(self) -> str:
        """A plain-text table, one term per line, and the total."""
        width = max([len(t.name) for t in self.terms] + [5])
        lines = [f"{t.name:<{width}}  {t.value:11.4e}  [{t.kind}]  {t.meaning}" for t in self.terms]
        lines.append(f"{'total':<{width}}  {self.total:11.4e}")
        return "\n".join(lines)

    def __str__(self):
        return self.table()
