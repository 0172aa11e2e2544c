"""`Value`: a scalar that remembers how it was computed, so gradients can flow back through it."""

from __future__ import annotations

import math
import numbers
from typing import Union

from .rules import RULES, Rule

__all__ = ["Value", "Number", "Operand"]

Number = Union[int, float]
Operand = Union["Value", int, float]

_INF = math.inf


def as_number(x: object, what: str) -> float:
    """Turn a real number (int, float, numpy scalar; not bool) into a float, or raise TypeError."""
    if type(x) is float:
        return x
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"{what} must be a real number (int or float), got {type(x).__name__}: {x!r}")
    return float(x)


class Value:
    """A scalar in a computation graph: its `data`, its `grad`, and the operation that made it.

    Operands that are plain numbers are kept inside the node as constants rather than wrapped
    in new Values: the graph holds only what can carry a gradient.
    """

    # One object per node and no per-node closures: graphs are freed by reference counting alone.
    __slots__ = ("data", "grad", "_rule", "_a", "_b", "_label", "_g")

    def __init__(self, data: Number, label: str = "") -> None:
        data = as_number(data, "Value data")
        if not -_INF < data < _INF:
            raise ValueError(f"Value data must be finite, got {data!r}")
        if not isinstance(label, str):
            raise TypeError(f"Value label must be a str, got {type(label).__name__}: {label!r}")
        self.data: float = data
        self.grad: float = 0.0
        self._rule: Rule | None = None
        self._a: Value | float | None = None
        self._b: Value | float | None = None
        self._label = label

    # -- what the node is -----------------------------------------------------------------------

    @property
    def label(self) -> str:
        """A name for drawings and explanations ('' when unnamed)."""
        return self._label

    @label.setter
    def label(self, text: str) -> None:
        if not isinstance(text, str):
            raise TypeError(f"Value label must be a str, got {type(text).__name__}: {text!r}")
        self._label = text

    @property
    def op(self) -> str:
        """The symbol of the operation that produced this value ('' for a leaf)."""
        return "" if self._rule is None else self._rule.symbol

    @property
    def rule(self) -> Rule | None:
        """The primitive from the rule table that produced this value (None for a leaf)."""
        return self._rule

    @property
    def operands(self) -> tuple[Value | float, ...]:
        """Every operand in order, Values and plain-number constants alike."""
        if self._rule is None:
            return ()
        return (self._a,) if self._rule.arity == 1 else (self._a, self._b)  # type: ignore[return-value]

    @property
    def children(self) -> tuple[Value, ...]:
        """The Values this one was computed from (constants are not children)."""
        return tuple(x for x in self.operands if type(x) is Value)

    def __repr__(self) -> str:
        label = f", label={self._label!r}" if self._label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{label})"

    # -- recording operations ---------------------------------------------------------------------

    def _record(self, rule: Rule, a: Value | float, b: Value | float | None = None) -> Value:
        """Apply a rule to operands (Values or constants) and return the new node."""
        args = (a.data if type(a) is Value else a,)
        if b is not None:
            args += (b.data if type(b) is Value else b,)
        data = rule.forward(*args)
        if not -_INF < data < _INF:
            raise OverflowError(
                f"{rule.name}: result of {rule.symbol} on {args} overflows a float ({data!r})"
            )
        out = _new_value(Value)
        out.data = data
        out.grad = 0.0
        out._rule = rule
        out._a = a
        out._b = b
        out._label = ""
        return out

    def __add__(self, other: Operand) -> Value:
        return self._record(_ADD, self, _operand(other))

    def __radd__(self, other: Number) -> Value:
        return self._record(_ADD, _operand(other), self)

    def __sub__(self, other: Operand) -> Value:
        return self._record(_SUB, self, _operand(other))

    def __rsub__(self, other: Number) -> Value:
        return self._record(_SUB, _operand(other), self)

    def __mul__(self, other: Operand) -> Value:
        return self._record(_MUL, self, _operand(other))

    def __rmul__(self, other: Number) -> Value:
        return self._record(_MUL, _operand(other), self)

    def __truediv__(self, other: Operand) -> Value:
        return self._record(_DIV, self, _operand(other))

    def __rtruediv__(self, other: Number) -> Value:
        return self._record(_DIV, _operand(other), self)

    def __neg__(self) -> Value:
        return self._record(_NEG, self)

    def __pos__(self) -> Value:
        return self

    def __pow__(self, exponent: Operand) -> Value:
        exponent = _operand(exponent)
        if type(exponent) is Value and self.data <= 0.0:
            raise ValueError(
                f"pow: a Value exponent needs a base > 0 (d/d exponent is out * log(base)), "
                f"got base {self.data!r}"
            )
        return self._record(_POW, self, exponent)

    def __rpow__(self, base: Number) -> Value:
        base = _operand(base)
        if base <= 0.0:  # type: ignore[operator]
            raise ValueError(
                f"pow: a Value exponent needs a base > 0 (d/d exponent is out * log(base)), "
                f"got base {base!r}"
            )
        return self._record(_POW, base, self)

    def exp(self) -> Value:
        """e ** self; its derivative is its own output."""
        return self._record(_EXP, self)

    def log(self) -> Value:
        """Natural logarithm; defined for data > 0."""
        return self._record(_LOG, self)

    def tanh(self) -> Value:
        """Hyperbolic tangent; derivative 1 - tanh^2."""
        return self._record(_TANH, self)

    def sigmoid(self) -> Value:
        """1 / (1 + e^-x), computed without overflow; derivative sigma (1 - sigma)."""
        return self._record(_SIGMOID, self)

    def relu(self) -> Value:
        """max(0, x); derivative 1 where x > 0, else 0 (0 at the kink, as PyTorch)."""
        return self._record(_RELU, self)

    # -- comparisons read the data; equality stays identity so Values can key dicts and sets ----

    def __lt__(self, other: Operand) -> bool:
        return self.data < _data(other)

    def __le__(self, other: Operand) -> bool:
        return self.data <= _data(other)

    def __gt__(self, other: Operand) -> bool:
        return self.data > _data(other)

    def __ge__(self, other: Operand) -> bool:
        return self.data >= _data(other)

    __hash__ = object.__hash__

    def __float__(self) -> float:
        return self.data

    # -- gradients ----------------------------------------------------------------------------------

    def backward(self, gradient: Number = 1.0) -> None:
        """Add d(self)/d(node) to `.grad` of every node of the graph (seeded with `gradient`)."""
        from .backward import backward

        backward(self, gradient)


_new_value = object.__new__
_ADD, _SUB, _MUL, _DIV, _NEG, _POW = (RULES[k] for k in ("add", "sub", "mul", "div", "neg", "pow"))
_EXP, _LOG, _TANH, _SIGMOID, _RELU = (RULES[k] for k in ("exp", "log", "tanh", "sigmoid", "relu"))


def _operand(x: object) -> Value | float:
    """A Value stays itself; a plain number becomes a float constant; anything else is refused."""
    if type(x) is Value:
        return x  # type: ignore[return-value]
    number = as_number(x, "operand")
    if not -_INF < number < _INF:
        raise ValueError(f"operand must be finite, got {number!r}")
    return number


def _data(x: object) -> float:
    return x.data if type(x) is Value else as_number(x, "comparison operand")
