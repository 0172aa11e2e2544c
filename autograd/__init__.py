"""A scalar reverse-mode autodiff engine: `Value`, `backward`, `grad`, and gradient checks."""

from .backward import backward, grad, topological_order
from .check import GradcheckError, GradcheckReport, gradcheck
from .rules import RULES, Rule
from .value import Value

__all__ = [
    "Value",
    "backward",
    "grad",
    "topological_order",
    "gradcheck",
    "GradcheckReport",
    "GradcheckError",
    "RULES",
    "Rule",
]
