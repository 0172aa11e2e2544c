"""`Value`: a scalar that remembers how it was computed, so gradients can flow back through it."""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Union

from .rules import RULES, Rule

__all__ = ["Value", "Number", "Operand", "dot"]

Number = int | float
Operand = Union["Value", int, float]

_INF = math.inf
_NEG_INF = -math.inf  # a constant: the hot paths below do not negate inf on every call


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

    # One object per node (its float `data` is not tracked by the garbage collector) and no
    # per-node closures: graphs are freed by reference counting alone.
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
        self._a: Value | float | tuple | None = None  # operands: a Value or a float constant
        self._b: Value | float | tuple | None = None  # (for `dot`, a tuple of them)
        self._label = label
        self._g: object = None  # backward's scratch accumulator; None between passes

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
        rule = self._rule
        if rule is None:
            return ()
        if rule.variadic:  # dot: a_0, a_1, ..., then b_0, b_1, ...
            return self._a + self._b  # type: ignore[operator]
        return (self._a,) if rule.arity == 1 else (self._a, self._b)  # type: ignore[return-value]

    @property
    def children(self) -> tuple[Value, ...]:
        """The Values this one was computed from (constants are not children)."""
        return tuple(x for x in self.operands if type(x) is Value)

    def __repr__(self) -> str:
        label = f", label={self._label!r}" if self._label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{label})"

    # -- recording operations ---------------------------------------------------------------------
    # +, -, * (and their reflected forms), neg and relu are generated from the rule table at the
    # end of this module. The rarer operations below go through the generic `_record`.

    def _record(self, rule: Rule, a: Value | float, b: Value | float | None = None) -> Value:
        """Apply a rule to operands (Values or constants) and return the new node."""
        args = (a.data if type(a) is Value else a,)
        if b is not None:
            args += (b.data if type(b) is Value else b,)
        data = rule.forward(*args)
        if not _NEG_INF < data < _INF:
            _overflow(rule, args, data)
        out = _new_value(Value)
        out.data = data
        out.grad = 0.0
        out._rule = rule
        out._a = a
        out._b = b
        out._label = ""
        out._g = None
        return out

    def __truediv__(self, other: Operand) -> Value:
        return self._record(_DIV, self, _operand(other))

    def __rtruediv__(self, other: Number) -> Value:
        return self._record(_DIV, _operand(other), self)

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
_DOT = RULES["dot"]


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


def _overflow(rule: Rule, args: tuple, data: float) -> None:
    raise OverflowError(f"{rule.name}: result of {rule.symbol} on {args} overflows a float ({data!r})")


def dot(a: Sequence[Operand], b: Sequence[Operand]) -> Value:
    """a[0] * b[0] + a[1] * b[1] + ... recorded as ONE node (the `dot` rule) instead of 2n - 1.

    A fused neuron is ``dot([bias, *weights], [1.0, *inputs])``: faster and smaller than the
    chain of products and sums, but a drawing then shows one node where a learner expects every
    multiply, so `nn.Neuron` uses it only when asked (``Neuron(nin, fused=True)``).
    """
    # Values stay; numbers become float constants (via _operand, which refuses anything else).
    a_ops = tuple([x if type(x) is Value else _operand(x) for x in a])
    b_ops = tuple([x if type(x) is Value else _operand(x) for x in b])
    if len(a_ops) != len(b_ops) or not a_ops:
        raise ValueError(
            f"dot: needs two non-empty sequences of the same length, got {len(a_ops)} and {len(b_ops)}"
        )
    args = (
        tuple([x.data if type(x) is Value else x for x in a_ops]),
        tuple([x.data if type(x) is Value else x for x in b_ops]),
    )
    data = _DOT.forward(*args)
    if not -_INF < data < _INF:
        _overflow(_DOT, args, data)
    out = _new_value(Value)
    out.data, out.grad, out._rule, out._label, out._g = data, 0.0, _DOT, "", None
    out._a, out._b = a_ops, b_ops
    return out


# ---------------------------------------------------------------------------------------------
# The hot operators, generated from the table: each method below is its rule's `formula`
# (rules.py) pasted into one template, so it runs with no generic dispatch and the math is
# still written only once. `GENERATED` keeps each method's source: print(GENERATED["__mul__"]).
# ---------------------------------------------------------------------------------------------

_NEW_NODE = """
    if not _NEG_INF < data < _INF:
        _overflow(RULE, {args}, data)
    out = _new_value(Value)  # a bare node: every slot is set below, as in _record
    out.data = data
    out.grad = 0.0
    out._rule = RULE
    out._a = {a}
    out._b = {b}
    out._label = ""
    out._g = None
    return out
"""

_TEMPLATES = {
    # self OP other: other is a Value, or a number kept in the node as a float constant
    "left": """def method(self, other):
    a = self.data
    if type(other) is Value:
        b = other.data
    elif type(other) is float and _NEG_INF < other < _INF:
        b = other
    else:
        other = b = _operand(other)  # an int becomes a float; a non-number is refused
    data = {formula}""" + _NEW_NODE.format(args="(a, b)", a="self", b="other"),
    # number OP self: Python calls this only when the left operand is not a Value
    "right": """def method(self, other):
    a = other = _operand(other)
    b = self.data
    data = {formula}""" + _NEW_NODE.format(args="(a, b)", a="other", b="self"),
    "unary": """def method(self):
    a = self.data
    data = {formula}""" + _NEW_NODE.format(args="(a,)", a="self", b="None"),
}

GENERATED: dict[str, str] = {}


def _generate(name: str, template: str, rule: Rule, doc: str) -> None:
    source = _TEMPLATES[template].format(formula=rule.forward_source("a", "b"))
    namespace = {"Value": Value, "RULE": rule, "_INF": _INF, "_NEG_INF": _NEG_INF, "_new_value": _new_value}
    namespace.update(_operand=_operand, _overflow=_overflow)
    exec(compile(source, f"<Value.{name}, from the {rule.name} rule>", "exec"), namespace)
    method = namespace["method"]
    method.__name__, method.__qualname__, method.__doc__ = name, f"Value.{name}", doc
    setattr(Value, name, method)
    GENERATED[name] = source


for _args in (
    ("__add__", "left", _ADD, "self + other"),
    ("__radd__", "right", _ADD, "other + self, for a number other"),
    ("__sub__", "left", _SUB, "self - other"),
    ("__rsub__", "right", _SUB, "other - self, for a number other"),
    ("__mul__", "left", _MUL, "self * other"),
    ("__rmul__", "right", _MUL, "other * self, for a number other"),
    ("__neg__", "unary", _NEG, "-self"),
    ("relu", "unary", _RELU, "max(0, x); derivative 1 where x > 0, else 0 (0 at the kink, as PyTorch)."),
):
    _generate(*_args)
