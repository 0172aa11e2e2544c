"""The rule table's formulas as Python functions (see autograd/rules.py for the table).

A derivative takes the operands a, b and the result out, as floats (in backward) or as
Values (in grad with create_graph=True, so it records a graph), and returns d out / d a
or d out / d b. A traceback through one of them names the rule and shows the formula.
"""

# Written out from autograd/rules.py by autograd/_generated/generate.py. Do not edit:
# change rules.py and run `python -m autograd._generated.generate`.

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NamedTuple

from ..rules import _sigmoid


def log(x: Any) -> Any:
    """Natural log of a float or of a Value, so one derivative formula serves both."""
    return math.log(x) if type(x) is float else x.log()


def sin(x: Any) -> Any:
    """Sine of a float or of a Value, so one derivative formula serves both."""
    return math.sin(x) if type(x) is float else x.sin()


def cos(x: Any) -> Any:
    """Cosine of a float or of a Value, so one derivative formula serves both."""
    return math.cos(x) if type(x) is float else x.cos()


def sigmoid(x: Any) -> Any:
    """The logistic function of a float (the sigmoid rule's stable forward) or of a Value."""
    return _sigmoid(x) if type(x) is float else x.sigmoid()


class Compiled(NamedTuple):
    """One rule's functions, with the text they were written from (to detect a stale file)."""

    sources: tuple[str, tuple[str, ...]]
    forward: Callable[..., float] | None
    derivatives: tuple[Callable[..., Any], ...]


def add_forward(a: Any, b: Any) -> Any:
    return a + b


def add_da(a: Any, b: Any, out: Any) -> Any:
    return 1.0


def add_db(a: Any, b: Any, out: Any) -> Any:
    return 1.0


def sub_forward(a: Any, b: Any) -> Any:
    return a - b


def sub_da(a: Any, b: Any, out: Any) -> Any:
    return 1.0


def sub_db(a: Any, b: Any, out: Any) -> Any:
    return -1.0


def mul_forward(a: Any, b: Any) -> Any:
    return a * b


def mul_da(a: Any, b: Any, out: Any) -> Any:
    return b


def mul_db(a: Any, b: Any, out: Any) -> Any:
    return a


def div_da(a: Any, b: Any, out: Any) -> Any:
    return 1.0 / b


def div_db(a: Any, b: Any, out: Any) -> Any:
    return -out / b


def neg_forward(a: Any) -> Any:
    return -a


def neg_da(a: Any, b: Any, out: Any) -> Any:
    return -1.0


def pow_da(a: Any, b: Any, out: Any) -> Any:
    return b * a ** (b - 1) if b != 0.0 else 0.0


def pow_db(a: Any, b: Any, out: Any) -> Any:
    return out * log(a)


def exp_da(a: Any, b: Any, out: Any) -> Any:
    return out


def log_da(a: Any, b: Any, out: Any) -> Any:
    return 1.0 / a


def tanh_da(a: Any, b: Any, out: Any) -> Any:
    return 1.0 - out * out


def sigmoid_da(a: Any, b: Any, out: Any) -> Any:
    return out * (1.0 - out)


def relu_forward(a: Any) -> Any:
    return a if a > 0.0 else 0.0


def relu_da(a: Any, b: Any, out: Any) -> Any:
    return 1.0 if a > 0.0 else 0.0


def dot_da(a: Any, b: Any, out: Any) -> Any:
    return b


def dot_db(a: Any, b: Any, out: Any) -> Any:
    return a


def sin_da(a: Any, b: Any, out: Any) -> Any:
    return cos(a)


def cos_da(a: Any, b: Any, out: Any) -> Any:
    return -sin(a)


def abs_forward(a: Any) -> Any:
    return abs(a)


def abs_da(a: Any, b: Any, out: Any) -> Any:
    return 1.0 if a > 0.0 else -1.0 if a < 0.0 else 0.0


def sqrt_da(a: Any, b: Any, out: Any) -> Any:
    return 0.5 / out


def softplus_da(a: Any, b: Any, out: Any) -> Any:
    return sigmoid(a)


def log_sigmoid_da(a: Any, b: Any, out: Any) -> Any:
    return sigmoid(-a)


def max_forward(a: Any, b: Any) -> Any:
    return a if a >= b else b


def max_da(a: Any, b: Any, out: Any) -> Any:
    return 1.0 if a > b else 0.0 if a < b else 0.5


def max_db(a: Any, b: Any, out: Any) -> Any:
    return 0.0 if a > b else 1.0 if a < b else 0.5


def min_forward(a: Any, b: Any) -> Any:
    return a if a <= b else b


def min_da(a: Any, b: Any, out: Any) -> Any:
    return 1.0 if a < b else 0.0 if a > b else 0.5


def min_db(a: Any, b: Any, out: Any) -> Any:
    return 0.0 if a < b else 1.0 if a > b else 0.5


COMPILED: dict[str, Compiled] = {
    "add": Compiled(("a + b", ("1.0", "1.0")), add_forward, (add_da, add_db)),
    "sub": Compiled(("a - b", ("1.0", "-1.0")), sub_forward, (sub_da, sub_db)),
    "mul": Compiled(("a * b", ("b", "a")), mul_forward, (mul_da, mul_db)),
    "div": Compiled(("", ("1.0 / b", "-out / b")), None, (div_da, div_db)),
    "neg": Compiled(("-a", ("-1.0",)), neg_forward, (neg_da,)),
    "pow": Compiled(("", ("b * a ** (b - 1) if b != 0.0 else 0.0", "out * log(a)")), None, (pow_da, pow_db)),
    "exp": Compiled(("", ("out",)), None, (exp_da,)),
    "log": Compiled(("", ("1.0 / a",)), None, (log_da,)),
    "tanh": Compiled(("", ("1.0 - out * out",)), None, (tanh_da,)),
    "sigmoid": Compiled(("", ("out * (1.0 - out)",)), None, (sigmoid_da,)),
    "relu": Compiled(("a if a > 0.0 else 0.0", ("1.0 if a > 0.0 else 0.0",)), relu_forward, (relu_da,)),
    "dot": Compiled(("", ("b", "a")), None, (dot_da, dot_db)),
    "sin": Compiled(("", ("cos(a)",)), None, (sin_da,)),
    "cos": Compiled(("", ("-sin(a)",)), None, (cos_da,)),
    "abs": Compiled(("abs(a)", ("1.0 if a > 0.0 else -1.0 if a < 0.0 else 0.0",)), abs_forward, (abs_da,)),
    "sqrt": Compiled(("", ("0.5 / out",)), None, (sqrt_da,)),
    "softplus": Compiled(("", ("sigmoid(a)",)), None, (softplus_da,)),
    "log_sigmoid": Compiled(("", ("sigmoid(-a)",)), None, (log_sigmoid_da,)),
    "max": Compiled(
        ("a if a >= b else b", ("1.0 if a > b else 0.0 if a < b else 0.5", "0.0 if a > b else 1.0 if a < b else 0.5")),
        max_forward,
        (max_da, max_db),
    ),
    "min": Compiled(
        ("a if a <= b else b", ("1.0 if a < b else 0.0 if a > b else 0.5", "0.0 if a < b else 1.0 if a > b else 0.5")),
        min_forward,
        (min_da, min_db),
    ),
}

# For replay, whose code calls them by name.
HELPERS: dict[str, Callable[[Any], Any]] = {"log": log, "sin": sin, "cos": cos, "sigmoid": sigmoid}
