"""A scalar reverse-mode autodiff engine: `Value`, `backward`, `grad`, and tools that show gradients.

Drawing (`draw_dot`, `autograd.viz`) is imported the first time it is used, so importing the
engine does not import graphviz.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .backward import backpropagate, backward
from .derivation import DerivationReport, check_derivation
from .explain import explain
from .extend import primitive
from .functional import grad, hessian, jacobian, jvp, value_and_grad
from .grad_mode import is_grad_enabled, no_grad
from .gradcheck import GradcheckError, GradcheckReport, gradcheck
from .graph import Edge, edges, topological_order
from .replay import Tape, record
from .rules import RULES, Rule
from .value import Value, dot

if TYPE_CHECKING:
    from .viz import draw_dot

__all__ = [
    "Value",
    "dot",
    "record",
    "Tape",
    "backward",
    "backpropagate",
    "grad",
    "value_and_grad",
    "jvp",
    "jacobian",
    "hessian",
    "primitive",
    "no_grad",
    "is_grad_enabled",
    "topological_order",
    "edges",
    "Edge",
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


def __getattr__(name: str) -> Any:
    if name in ("draw_dot", "viz"):  # imported on first use: the engine itself never draws
        viz = importlib.import_module(".viz", __name__)
        return viz if name == "viz" else viz.draw_dot
    raise AttributeError(f"module 'autograd' has no attribute {name!r}")
