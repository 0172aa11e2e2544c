"""A scalar reverse-mode autodiff engine: `Value`, `backward`, `grad`, and gradient checks."""

from .backward import backward, grad, topological_order
from .check import (
    DerivationReport,
    GradcheckError,
    GradcheckReport,
    check_derivation,
    gradcheck,
)
from .rules import RULES, Rule
from .replay import Tape, record
from .value import Value, dot
from .explain import explain  # noqa: E402  (after Value: it builds on the engine)
from .viz import draw_dot  # noqa: E402

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
