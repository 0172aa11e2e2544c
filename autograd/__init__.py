"""A scalar reverse-mode autodiff engine: `Value`, `backward`, `grad`, and gradient checks."""

from .backward import backward, grad, topological_order
from .check import (
    DerivationReport,
    GradcheckError,
    GradcheckReport,
    check_derivation,
    gradcheck,
)
from .explain import explain
from .replay import Tape, record
from .rules import RULES, Rule
from .value import Value, dot
from .viz import draw_dot

__all__ = [
    "Value",
    "dot",
    "record",
    "Tape",
    "backward",
    "grad",
    "topological_order",
    "gradcheck",
    "GradcheckReport",
    "GradcheckError",
    "check_derivation",
    "DerivationReport",
    "RULES",
    "Rule",
    "explain",
    "draw_dot",
]
