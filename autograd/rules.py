"""The table of primitive operations: each one's forward value and its local derivatives.

This is the one place where calculus lives, like PyTorch's ``derivatives.yaml``. A rule's
derivatives are short Python expressions in the names

* ``a`` and ``b``: the operation's operands (``b`` is absent for unary operations),
* ``out``: the operation's result, so ``exp`` reuses its own output,
* ``log``, ``sin``, ``cos`` and ``sigmoid``: functions of a float or of a `Value` (the
  generator writes them into `_generated/formulas.py` and refuses a derivative that calls any
  other function).

The same expression serves every purpose: on floats in `backward`, on Values in
``grad(..., create_graph=True)`` (so higher derivatives need no second copy of any rule), as
text in drawings, explanations and replayed code. A forward is a formula too, such as
``"a * b"``, unless it has a domain to check; then it is a function of floats that raises an
error naming the operation and the value.

Nothing here is compiled at import. ``python -m autograd._generated.generate`` writes the
formulas out as real Python (`autograd/_generated/formulas.py`, the reverse pass in
`autograd/_generated/reverse.py` and Value's hot operators in `autograd/value.py`); a test
fails when those files are out of step with this table.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

__all__ = ["Rule", "RULES", "StaleRulesError", "rename"]


class StaleRulesError(RuntimeError):
    """The generated code does not match the rule table: rules.py changed without regenerating."""


# ---------------------------------------------------------------------------------------------
# Forwards that have a domain. Each raises a clear error outside it, naming the operation and
# the value: never a silent nan, inf or complex number.
# ---------------------------------------------------------------------------------------------


def _div(a: float, b: float) -> float:
    if b == 0.0:
        raise ZeroDivisionError(f"div: division by zero in {a!r} / {b!r}")
    return a / b


def _pow(a: float, b: float) -> float:
    if a == 0.0 and b < 0:
        raise ZeroDivisionError(f"pow: 0.0 cannot be raised to the negative power {b!r}")
    if a < 0 and b != int(b):
        raise ValueError(f"pow: negative base {a!r} with fractional exponent {b!r} has no real result")
    try:
        return float(a**b)
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
    return math.tanh(a)  # saturates to +-1.0 without overflow


def _sigmoid(a: float) -> float:
    # Stable on both sides: exp is only ever taken of a number <= 0.
    if a >= 0.0:
        return 1.0 / (1.0 + math.exp(-a))
    e = math.exp(a)
    return e / (1.0 + e)


def _sqrt(a: float) -> float:
    if a < 0.0:
        raise ValueError(f"sqrt: input must be >= 0, got {a!r}")
    return math.sqrt(a)  # sqrt(-0.0) is -0.0, as in IEEE 754 and PyTorch


def _softplus(a: float) -> float:
    # log(1 + e^a) written as log1p(e^-|a|) + max(a, 0): exp is only ever taken of a number <= 0
    # (no overflow for a large a) and log1p keeps the tiny result for a very negative a.
    return math.log1p(math.exp(-abs(a))) + (a if a > 0.0 else 0.0)


def _log_sigmoid(a: float) -> float:
    # log(sigmoid(a)) = -softplus(-a) = min(a, 0) - log1p(e^-|a|), stable on both sides.
    return (a if a < 0.0 else 0.0) - math.log1p(math.exp(-abs(a)))


def _dot(a: tuple[float, ...] | float, b: tuple[float, ...] | float) -> float:
    if isinstance(a, tuple) and isinstance(b, tuple):
        # a_0 * b_0 + a_1 * b_1 + ..., left to right from -0.0 (x + -0.0 is x exactly, sign included).
        # A plain loop, not sum(): from Python 3.12 sum() compensates rounding, and the dot node
        # must give the bits of the same adds written out (replay, an unfused neuron).
        total = -0.0
        for x, y in zip(a, b):
            total += x * y
        return total
    return a * b  # type: ignore[operator, return-value]  # one pair: the product, so dot evaluates like mul


# ---------------------------------------------------------------------------------------------
# The table.
# ---------------------------------------------------------------------------------------------

_OPERAND_NAMES = re.compile(r"\b(a|b|out)\b")


def rename(expression: str, **names: str) -> str:
    """A formula with its operand names replaced: rename("a * b", a="x1", b="2.0") is "x1 * 2.0"."""
    return _OPERAND_NAMES.sub(lambda m: names.get(m.group(), m.group()), expression)


@dataclass(frozen=True, eq=False)
class Rule:
    """One primitive: its name, how it is drawn, its forward, and d out / d operand per operand.

    `formula` is the forward as an expression (``"a * b"``); a rule with a domain gives
    `function` instead. A `variadic` rule (``dot``) takes two equally long tuples, and its
    derivatives apply to every pair (a_i, b_i), with ``a`` and ``b`` standing for a_i and b_i.
    """

    name: str
    symbol: str
    formula: str = ""
    derivatives: tuple[str, ...] = ()
    note: str = ""
    variadic: bool = False
    function: Callable[..., float] | None = None

    @property
    def arity(self) -> int:
        """How many operands the operation takes (1 or 2; for `dot`, 2 tuples)."""
        return len(self.derivatives)

    @cached_property
    def forward(self) -> Callable[..., float]:
        """The forward on floats: `function`, or the formula as written out in _generated/formulas.py."""
        if self.function is not None:
            return self.function
        return self._compiled()[0]

    @cached_property
    def local_grads(self) -> tuple[Callable[..., Any], ...]:
        """The derivatives as functions ``(a, b, out) -> d out / d operand``, on floats or on Values."""
        return self._compiled()[1]

    def _compiled(self) -> tuple[Callable[..., float], tuple[Callable[..., Any], ...]]:
        from ._generated import formulas  # generated from this table, so imported once it is built

        entry = formulas.COMPILED.get(self.name)
        if entry is None or entry.sources != (self.formula, self.derivatives):
            raise StaleRulesError(
                f"rule {self.name!r} changed since autograd/_generated was written: "
                "run `python -m autograd._generated.generate`"
            )
        forward = entry.forward if entry.forward is not None else self.function
        assert forward is not None, f"rule {self.name!r} has neither a formula nor a function"
        return forward, entry.derivatives


RULES: dict[str, Rule] = {
    rule.name: rule
    for rule in (
        Rule("add", "+", "a + b", ("1.0", "1.0")),
        Rule("sub", "-", "a - b", ("1.0", "-1.0")),
        Rule("mul", "*", "a * b", ("b", "a")),
        Rule("div", "/", derivatives=("1.0 / b", "-out / b"), function=_div),
        Rule("neg", "neg", "-a", ("-1.0",)),
        Rule(
            "pow",
            "**",
            derivatives=("b * a ** (b - 1) if b != 0.0 else 0.0", "out * log(a)"),
            function=_pow,
            note="a Value exponent needs a base > 0, where log(a) exists; "
            "a ** 0 is the constant 1, so its derivative is 0 even at a == 0",
        ),
        Rule("exp", "exp", derivatives=("out",), function=_exp),
        Rule("log", "log", derivatives=("1.0 / a",), function=_log),
        Rule("tanh", "tanh", derivatives=("1.0 - out * out",), function=_tanh),
        Rule("sigmoid", "sigmoid", derivatives=("out * (1.0 - out)",), function=_sigmoid),
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
            derivatives=("b", "a"),
            function=_dot,
            note="one node for a_0 * b_0 + a_1 * b_1 + ...: mul's derivatives, per pair",
            variadic=True,
        ),
        # Listed after the neural-network operations, so their branches in the generated reverse
        # pass come after those of relu, tanh, sigmoid and dot and cost a training step nothing.
        Rule("sin", "sin", derivatives=("cos(a)",), function=math.sin),
        Rule("cos", "cos", derivatives=("-sin(a)",), function=math.cos),
        Rule(
            "abs",
            "abs",
            "abs(a)",
            ("1.0 if a > 0.0 else -1.0 if a < 0.0 else 0.0",),
            note="at the kink a == 0 the derivative is taken as 0 (sign(0) = 0), as torch.abs gives",
        ),
        Rule(
            "sqrt",
            "sqrt",
            derivatives=("0.5 / out",),
            function=_sqrt,
            note="defined for a >= 0; at a == 0 the derivative 1 / (2 sqrt(a)) is infinite (PyTorch "
            "gives inf), which no gradient may be here, so backward raises ZeroDivisionError naming sqrt",
        ),
        Rule(
            "softplus",
            "softplus",
            derivatives=("sigmoid(a)",),
            function=_softplus,
            note="log(1 + e^a), stable for any a (torch.nn.functional.softplus instead returns a "
            "itself above a > 20, off by up to 1e-9 relative there)",
        ),
        Rule(
            "log_sigmoid",
            "log_sigmoid",
            derivatives=("sigmoid(-a)",),
            function=_log_sigmoid,
            note="log(sigmoid(a)) = -softplus(-a), stable for any a, as torch.nn.functional.logsigmoid",
        ),
        Rule(
            "max",
            "max",
            "a if a >= b else b",
            ("1.0 if a > b else 0.0 if a < b else 0.5", "0.0 if a > b else 1.0 if a < b else 0.5"),
            note="at a tie a == b each operand gets half the gradient, as torch.maximum gives (with "
            "a number b too: x.max(0.0) at x == 0 passes 0.5, where relu passes 0); "
            "the value is a, as torch.maximum(-0.0, 0.0) is -0.0",
        ),
        Rule(
            "min",
            "min",
            "a if a <= b else b",
            ("1.0 if a < b else 0.0 if a > b else 0.5", "0.0 if a < b else 1.0 if a > b else 0.5"),
            note="at a tie a == b each operand gets half the gradient, as torch.minimum gives; "
            "the value is a, as torch.minimum(0.0, -0.0) is 0.0",
        ),
    )
}
