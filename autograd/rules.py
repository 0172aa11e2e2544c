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

A forward may likewise be a formula, such as ``"a * b"``, when it is one expression that
cannot leave its domain. The fast paths are generated from these strings at import, never
written by hand: `Value`'s operators inline the formula (value.py), `backward` inlines the
derivative expressions (backward.py), and `replay` writes both into straight-line code
(replay.py). `Rule.forward_source` and `Rule.derivative_source` give the text they paste in.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Rule", "RULES", "log"]


def log(x: Any) -> Any:
    """Natural log of a float or a `Value`, so derivative rules can be evaluated on either."""
    return x.log() if hasattr(x, "log") else math.log(x)


# ---------------------------------------------------------------------------------------------
# Forward functions on plain floats. Each raises a clear error outside its domain, naming the
# operation and the offending value: never a silent nan, inf or complex number.
# ---------------------------------------------------------------------------------------------


def _div(a: float, b: float) -> float:
    if b == 0.0:
        raise ZeroDivisionError(f"div: division by zero in {a!r} / {b!r}")
    return a / b


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


def _dot(a: Any, b: Any) -> float:
    if type(a) is tuple:
        return sum(map(operator.mul, a, b))  # a_0 * b_0 + a_1 * b_1 + ..., in that order
    return a * b  # a single pair (a, b): the product, so dot can be checked like mul


def _tanh(a: float) -> float:
    return math.tanh(a)  # math.tanh saturates to +-1.0 without overflow


def _sigmoid(a: float) -> float:
    # Stable on both sides: exp is only ever taken of a non-positive number.
    if a >= 0.0:
        return 1.0 / (1.0 + math.exp(-a))
    e = math.exp(a)
    return e / (1.0 + e)


# ---------------------------------------------------------------------------------------------
# The table.
# ---------------------------------------------------------------------------------------------


_NAMES = re.compile(r"\b(a|b|out)\b")  # the operand names a rule's expressions may use


@dataclass(frozen=True)
class Rule:
    """One primitive: its name, how it is drawn, its forward, and d(out)/d(operand) per operand.

    `forward` is a function of the operands' floats, or a formula string such as ``"a * b"``
    (then compiled into that function, and kept in `formula` for the generated fast paths).
    A `variadic` rule (``dot``) takes two equally long tuples: its derivatives apply to every
    pair (a_i, b_i), with ``a``, ``b`` standing for a_i, b_i.
    """

    name: str
    symbol: str
    forward: Callable[..., float] | str
    derivatives: tuple[str, ...]
    note: str = ""
    variadic: bool = False
    formula: str = field(default="", init=False)
    local_grads: tuple[Callable[..., Any], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        namespace = {"log": log, "__builtins__": {"float": float}}
        if isinstance(self.forward, str):
            params = "a" if self.arity == 1 else "a, b"
            object.__setattr__(self, "formula", self.forward)
            object.__setattr__(self, "forward", eval(f"lambda {params}: {self.forward}", namespace))
        compiled = tuple(
            eval(f"lambda a, b, out: {expr}", namespace) for expr in self.derivatives
        )
        object.__setattr__(self, "local_grads", compiled)

    @property
    def arity(self) -> int:
        """How many operands the operation takes (1 or 2; for `dot`, 2 tuples)."""
        return len(self.derivatives)

    def forward_source(self, a: str, b: str = "") -> str:
        """The formula with the operands renamed, e.g. ``"x3 * 0.5"``: for code generators."""
        assert self.formula, f"{self.name} has a forward function, not a formula"
        return _NAMES.sub(lambda m: {"a": a, "b": b}[m.group()], self.formula)

    def derivative_source(self, i: int, a: str, b: str = "", out: str = "out") -> str:
        """Derivative number i with the operands renamed, e.g. relu's ``"1.0 if x3 > 0.0 else 0.0"``."""
        return _NAMES.sub(lambda m: {"a": a, "b": b, "out": out}[m.group()], self.derivatives[i])


RULES: dict[str, Rule] = {
    rule.name: rule
    for rule in (
        Rule("add", "+", "a + b", ("1.0", "1.0")),
        Rule("sub", "-", "a - b", ("1.0", "-1.0")),
        Rule("mul", "*", "a * b", ("b", "a")),
        Rule("div", "/", _div, ("1.0 / b", "-out / b")),
        Rule("neg", "neg", "-a", ("-1.0",)),
        Rule(
            "pow",
            "**",
            _pow,
            ("b * a ** (b - 1) if b != 0.0 else 0.0", "out * log(a)"),
            note="a Value exponent needs a base > 0, where log(a) exists; "
            "a ** 0 is the constant 1, so its derivative is 0 even at a == 0",
        ),
        Rule("exp", "exp", _exp, ("out",)),
        Rule("log", "log", _log, ("1.0 / a",)),
        Rule("tanh", "tanh", _tanh, ("1.0 - out * out",)),
        Rule("sigmoid", "sigmoid", _sigmoid, ("out * (1.0 - out)",)),
        Rule(
            "relu",
            "relu",
            "a if a > 0.0 else 0.0",
            ("1.0 if a > 0.0 else 0.0",),
            note="at the kink a == 0 the derivative is taken as 0, as in PyTorch and JAX",
        ),
        Rule(
            "dot",
            "dot",
            _dot,
            ("b", "a"),
            note="one node for a_0 * b_0 + a_1 * b_1 + ...: mul's derivatives, per pair",
            variadic=True,
        ),
    )
}
