"""The table of primitive operations: each one's forward value and its local derivative rules.

This is the one place where calculus lives. Every other part of the library reads it:
`Value` computes forwards with it, `backward` and `grad` apply its derivative rules,
the drawings label edges with them and `explain` names them.

A derivative rule is a short Python expression, as in PyTorch's ``derivatives.yaml``.
It may use:

* ``a`` and ``b``: the operation's first and second operand (``b`` is absent for unary ops),
* ``out``: the operation's result, so ``exp`` can reuse its own output,
* ``log``: the natural logarithm.

Each rule is compiled once into a function ``rule(a, b, out)``. During ``backward`` the
arguments are plain floats; during ``grad(..., create_graph=True)`` they are `Value`s and
the same expression records a differentiable graph. That is how higher-order derivatives
come for free: there is no second copy of any rule.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable

__all__ = ["Rule", "RULES", "log"]


def log(x: Any) -> Any:
    """Natural log of a float or a `Value`, so derivative rules can be evaluated on either."""
    return x.log() if hasattr(x, "log") else math.log(x)


# ---------------------------------------------------------------------------------------------
# Forward functions on plain floats. Each raises a clear error outside its domain, naming the
# operation and the offending value: never a silent nan, inf or complex number.
# ---------------------------------------------------------------------------------------------


def _add(a: float, b: float) -> float:
    return a + b


def _sub(a: float, b: float) -> float:
    return a - b


def _mul(a: float, b: float) -> float:
    return a * b


def _div(a: float, b: float) -> float:
    if b == 0.0:
        raise ZeroDivisionError(f"div: division by zero in {a!r} / {b!r}")
    return a / b


def _neg(a: float) -> float:
    return -a


def _pow(a: float, b: float) -> float:
    if a == 0.0 and b < 0:
        raise ZeroDivisionError(f"pow: 0.0 cannot be raised to the negative power {b!r}")
    if a < 0 and b != int(b):
        raise ValueError(
            f"pow: negative base {a!r} with fractional exponent {b!r} has no real result"
        )
    try:
        return a**b
    except OverflowError:
        raise OverflowError(f"pow: {a!r} ** {b!r} overflows a float") from None


def _exp(a: float) -> float:
    try:
        return math.exp(a)
    except OverflowError:
        raise OverflowError(f"exp: exp({a!r}) overflows a float (largest input is ~709.78)") from None


def _log(a: float) -> float:
    if a <= 0.0:
        raise ValueError(f"log: input must be > 0, got {a!r}")
    return math.log(a)


def _tanh(a: float) -> float:
    return math.tanh(a)  # math.tanh saturates to +-1.0 without overflow


def _sigmoid(a: float) -> float:
    # Stable on both sides: exp is only ever taken of a non-positive number.
    if a >= 0.0:
        return 1.0 / (1.0 + math.exp(-a))
    e = math.exp(a)
    return e / (1.0 + e)


def _relu(a: float) -> float:
    return a if a > 0.0 else 0.0


# ---------------------------------------------------------------------------------------------
# The table.
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """One primitive: its name, how it is drawn, its forward, and d(out)/d(operand) per operand."""

    name: str
    symbol: str
    forward: Callable[..., float]
    derivatives: tuple[str, ...]
    note: str = ""
    local_grads: tuple[Callable[..., Any], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        namespace = {"log": log, "__builtins__": {"float": float}}
        compiled = tuple(
            eval(f"lambda a, b, out: {expr}", namespace) for expr in self.derivatives
        )
        object.__setattr__(self, "local_grads", compiled)

    @property
    def arity(self) -> int:
        """How many operands the operation takes (1 or 2)."""
        return len(self.derivatives)


RULES: dict[str, Rule] = {
    rule.name: rule
    for rule in (
        Rule("add", "+", _add, ("1.0", "1.0")),
        Rule("sub", "-", _sub, ("1.0", "-1.0")),
        Rule("mul", "*", _mul, ("b", "a")),
        Rule("div", "/", _div, ("1.0 / b", "-out / b")),
        Rule("neg", "neg", _neg, ("-1.0",)),
        Rule(
            "pow",
            "**",
            _pow,
            ("b * a ** (b - 1)", "out * log(a)"),
            note="a Value exponent needs a base > 0, where log(a) exists",
        ),
        Rule("exp", "exp", _exp, ("out",)),
        Rule("log", "log", _log, ("1.0 / a",)),
        Rule("tanh", "tanh", _tanh, ("1.0 - out * out",)),
        Rule("sigmoid", "sigmoid", _sigmoid, ("out * (1.0 - out)",)),
        Rule(
            "relu",
            "relu",
            _relu,
            ("float(a > 0)",),
            note="at the kink a == 0 the derivative is taken as 0, as in PyTorch and JAX",
        ),
    )
}
