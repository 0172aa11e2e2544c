"""`Value`: a scalar that remembers how it was computed, so gradients can flow back through it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Union

from .backward import backward as _backward
from .graph import operands
from .numbers import as_number, finite_number
from .rules import RULES, Rule

__all__ = ["Value", "Number", "Operand", "dot", "as_number"]

Number = int | float
Operand = Union["Value", int, float]  # noqa: UP007 (a string forward reference cannot use |)

_INF = float("inf")
_NEG_INF = -_INF  # a constant, so the hot paths below do not negate inf on every call
_new = object.__new__

_ADD, _SUB, _MUL, _DIV, _NEG, _POW = (RULES[k] for k in ("add", "sub", "mul", "div", "neg", "pow"))
_EXP, _LOG, _TANH, _SIGMOID, _RELU, _DOT = (RULES[k] for k in ("exp", "log", "tanh", "sigmoid", "relu", "dot"))
_SIN, _COS, _ABS, _SQRT = (RULES[k] for k in ("sin", "cos", "abs", "sqrt"))
_SOFTPLUS, _LOG_SIGMOID, _MAX, _MIN = (RULES[k] for k in ("softplus", "log_sigmoid", "max", "min"))


class Value:
    """A scalar in a computation graph: its `data`, its `grad`, and the operation that made it.

    Operands that are plain numbers are kept inside the node as float constants rather than
    wrapped in new Values: the graph holds only what can carry a gradient.
    """

    # One object per node and no per-node closures, so a graph is freed by reference counting.
    __slots__ = ("data", "grad", "_rule", "_a", "_b", "_label", "_g")

    data: float
    grad: float
    _rule: Rule | None  # the operation that made this node (None for a leaf)
    _a: Any  # its operands, read only through autograd.graph: a Value or a float constant,
    _b: Any  # or for a dot node a tuple of them; None where there is none
    _label: str
    _g: Any  # the fast reverse pass's running sum of d root / d self (scratch of the last pass)

    def __init__(self, data: float, label: str = "") -> None:
        self.data = finite_number(data, "Value data")
        self.grad = 0.0
        self._rule = None
        self._a = None
        self._b = None
        self.label = label
        self._g = None

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
        return operands(self)

    @property
    def children(self) -> tuple[Value, ...]:
        """The Values this one was computed from (constants are not children)."""
        return tuple(x for x in operands(self) if type(x) is Value)

    def __repr__(self) -> str:
        label = f", label={self._label!r}" if self._label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{label})"

    # -- gradients ----------------------------------------------------------------------------------

    def backward(self, gradient: float = 1.0) -> None:
        """Add d self / d node * gradient to `.grad` of every node of the graph (see backward.py)."""
        _backward(self, gradient)

    def detach(self) -> Value:
        """A new leaf holding the same number, with no history: gradients stop there (PyTorch's detach).

        Later changes to one's `.data` do not reach the other (a float is copied, not shared).
        """
        return Value(self.data)

    # -- operations ---------------------------------------------------------------------------------
    # Each records one node with a rule from rules.py. The hot ones (+, -, *, unary -, relu) are
    # written out from the table by autograd/_generated/generate.py, the rule's formula inline, so
    # they run with no generic dispatch; the rest go through `_record`.

    # BEGIN GENERATED OPERATORS (python -m autograd._generated.generate writes this block)
    def __add__(self, other: Value | float) -> Value:
        """self + other: the add rule, a + b."""
        a = self.data
        if type(other) is Value:
            b = other.data
        elif type(other) is float and _NEG_INF < other < _INF:
            b = other
        else:  # an int becomes a float constant; inf, nan and non-numbers are refused
            other = b = finite_number(other, "add: operand")
        data = a + b
        if not _NEG_INF < data < _INF:
            raise _overflow(_ADD, self, other, data)
        out = _new(Value)  # as _node() below, inline: every slot is set
        out.data = data
        out.grad = 0.0
        out._rule = _ADD
        out._a = self
        out._b = other
        out._label = ""
        out._g = None
        return out

    def __radd__(self, other: float) -> Value:
        """other + self, for a number other: the add rule, a + b."""
        a = other = finite_number(other, "add: operand")
        b = self.data
        data = a + b
        if not _NEG_INF < data < _INF:
            raise _overflow(_ADD, other, self, data)
        out = _new(Value)  # as _node() below, inline: every slot is set
        out.data = data
        out.grad = 0.0
        out._rule = _ADD
        out._a = other
        out._b = self
        out._label = ""
        out._g = None
        return out

    def __sub__(self, other: Value | float) -> Value:
        """self - other: the sub rule, a - b."""
        a = self.data
        if type(other) is Value:
            b = other.data
        elif type(other) is float and _NEG_INF < other < _INF:
            b = other
        else:  # an int becomes a float constant; inf, nan and non-numbers are refused
            other = b = finite_number(other, "sub: operand")
        data = a - b
        if not _NEG_INF < data < _INF:
            raise _overflow(_SUB, self, other, data)
        out = _new(Value)  # as _node() below, inline: every slot is set
        out.data = data
        out.grad = 0.0
        out._rule = _SUB
        out._a = self
        out._b = other
        out._label = ""
        out._g = None
        return out

    def __rsub__(self, other: float) -> Value:
        """other - self, for a number other: the sub rule, a - b."""
        a = other = finite_number(other, "sub: operand")
        b = self.data
        data = a - b
        if not _NEG_INF < data < _INF:
            raise _overflow(_SUB, other, self, data)
        out = _new(Value)  # as _node() below, inline: every slot is set
        out.data = data
        out.grad = 0.0
        out._rule = _SUB
        out._a = other
        out._b = self
        out._label = ""
        out._g = None
        return out

    def __mul__(self, other: Value | float) -> Value:
        """self * other: the mul rule, a * b."""
        a = self.data
        if type(other) is Value:
            b = other.data
        elif type(other) is float and _NEG_INF < other < _INF:
            b = other
        else:  # an int becomes a float constant; inf, nan and non-numbers are refused
            other = b = finite_number(other, "mul: operand")
        data = a * b
        if not _NEG_INF < data < _INF:
            raise _overflow(_MUL, self, other, data)
        out = _new(Value)  # as _node() below, inline: every slot is set
        out.data = data
        out.grad = 0.0
        out._rule = _MUL
        out._a = self
        out._b = other
        out._label = ""
        out._g = None
        return out

    def __rmul__(self, other: float) -> Value:
        """other * self, for a number other: the mul rule, a * b."""
        a = other = finite_number(other, "mul: operand")
        b = self.data
        data = a * b
        if not _NEG_INF < data < _INF:
            raise _overflow(_MUL, other, self, data)
        out = _new(Value)  # as _node() below, inline: every slot is set
        out.data = data
        out.grad = 0.0
        out._rule = _MUL
        out._a = other
        out._b = self
        out._label = ""
        out._g = None
        return out

    def __neg__(self) -> Value:
        """-self: the neg rule, -a."""
        a = self.data
        data = -a
        if not _NEG_INF < data < _INF:
            raise _overflow(_NEG, self, None, data)
        out = _new(Value)  # as _node() below, inline: every slot is set
        out.data = data
        out.grad = 0.0
        out._rule = _NEG
        out._a = self
        out._b = None
        out._label = ""
        out._g = None
        return out

    def relu(self) -> Value:
        """max(0, self); derivative 1 where self > 0, else 0 (0 at the kink, as PyTorch)."""
        a = self.data
        data = a if a > 0.0 else 0.0
        if not _NEG_INF < data < _INF:
            raise _overflow(_RELU, self, None, data)
        out = _new(Value)  # as _node() below, inline: every slot is set
        out.data = data
        out.grad = 0.0
        out._rule = _RELU
        out._a = self
        out._b = None
        out._label = ""
        out._g = None
        return out

    # END GENERATED OPERATORS

    def __truediv__(self, other: Value | float) -> Value:
        return _record(_DIV, self, _operand(other, "div"))

    def __rtruediv__(self, other: float) -> Value:
        return _record(_DIV, _operand(other, "div"), self)

    def __pos__(self) -> Value:
        return self

    def __pow__(self, exponent: Value | float) -> Value:
        exponent = _operand(exponent, "pow")
        if type(exponent) is Value:
            _positive_base(self.data)
        return _record(_POW, self, exponent)

    def __rpow__(self, base: float) -> Value:
        number = _operand(base, "pow")
        _positive_base(number)  # type: ignore[arg-type]
        return _record(_POW, number, self)

    def exp(self) -> Value:
        """e ** self; its derivative is its own output."""
        return _record(_EXP, self)

    def log(self) -> Value:
        """Natural logarithm; defined for data > 0."""
        return _record(_LOG, self)

    def tanh(self) -> Value:
        """Hyperbolic tangent; derivative 1 - tanh^2."""
        return _record(_TANH, self)

    def sigmoid(self) -> Value:
        """1 / (1 + e^-x), computed without overflow; derivative sigma (1 - sigma)."""
        return _record(_SIGMOID, self)

    def sin(self) -> Value:
        """Sine (radians); derivative cos."""
        return _record(_SIN, self)

    def cos(self) -> Value:
        """Cosine (radians); derivative -sin."""
        return _record(_COS, self)

    def __abs__(self) -> Value:
        """abs(self); derivative sign(self), taken as 0 at the kink self == 0 (as torch.abs)."""
        return _record(_ABS, self)

    def sqrt(self) -> Value:
        """Square root; defined for data >= 0. Its derivative 0.5 / sqrt is infinite at 0, so
        backward through sqrt of 0 raises ZeroDivisionError naming sqrt (PyTorch gives inf)."""
        return _record(_SQRT, self)

    def softplus(self) -> Value:
        """log(1 + e^x), stable for any x (exp is only taken of -|x|); derivative sigmoid(x)."""
        return _record(_SOFTPLUS, self)

    def log_sigmoid(self) -> Value:
        """log(sigmoid(x)) = -softplus(-x), stable for any x; derivative sigmoid(-x)."""
        return _record(_LOG_SIGMOID, self)

    def max(self, other: Value | float) -> Value:
        """The larger of self and other (a Value or a number), as one node; at a tie each gets
        half the gradient (as torch.maximum). Python's max(x, y) instead returns x or y itself."""
        return _record(_MAX, self, _operand(other, "max"))

    def min(self, other: Value | float) -> Value:
        """The smaller of self and other (a Value or a number), as one node; at a tie each gets
        half the gradient (as torch.minimum). Python's min(x, y) instead returns x or y itself."""
        return _record(_MIN, self, _operand(other, "min"))

    # -- comparisons read the data; equality stays identity so Values can key dicts and sets ------

    def __lt__(self, other: Value | float) -> bool:
        return self.data < _data(other)

    def __le__(self, other: Value | float) -> bool:
        return self.data <= _data(other)

    def __gt__(self, other: Value | float) -> bool:
        return self.data > _data(other)

    def __ge__(self, other: Value | float) -> bool:
        return self.data >= _data(other)

    __hash__ = object.__hash__

    def __float__(self) -> float:
        return self.data


def _node(rule: Rule, data: float, a: Any, b: Any) -> Value:
    """A new node: `data`, computed by `rule` from operands a and b (as the generated operators do inline)."""
    if not _NEG_INF < data < _INF:
        raise _overflow(rule, a, b, data)
    out = _new(Value)
    out.data = data
    out.grad = 0.0
    out._rule = rule
    out._a = a
    out._b = b
    out._label = ""
    out._g = None
    return out


def _record(rule: Rule, a: Value | float, b: Value | float | None = None) -> Value:
    """Apply a rule to its operands (Values or float constants) and return the new node."""
    x = a.data if type(a) is Value else a
    if b is None:
        return _node(rule, rule.forward(x), a, None)
    return _node(rule, rule.forward(x, b.data if type(b) is Value else b), a, b)


def _operand(x: object, op: str) -> Value | float:
    """A Value stays itself; a number becomes a float constant; anything else is refused, naming op."""
    if type(x) is Value:
        return x
    return finite_number(x, f"{op}: operand")


def _positive_base(base: float) -> None:
    if not base > 0.0:
        raise ValueError(
            f"pow: a Value exponent needs a base > 0 (d out / d exponent is out * log(base)), got base {base!r}"
        )


def _data(x: object) -> float:
    return x.data if type(x) is Value else as_number(x, "comparison operand")


def _overflow(rule: Rule, a: Any, b: Any, data: float) -> OverflowError:
    def show(x: Any) -> object:
        return x.data if type(x) is Value else tuple(show(y) for y in x) if type(x) is tuple else x

    args = (show(a),) if b is None else (show(a), show(b))
    return OverflowError(f"{rule.name}: result of {rule.symbol} on {args} overflows a float ({data!r})")


def dot(a: Sequence[Value | float], b: Sequence[Value | float]) -> Value:
    """a[0] * b[0] + a[1] * b[1] + ... recorded as ONE node (the `dot` rule) instead of 2n - 1.

    A neuron is ``dot([bias, *weights], [1.0, *inputs])``: faster and smaller than the chain of
    products and sums, and one node in a drawing, as the derivations write z = b + sum w_i x_i.
    """
    a_ops = tuple([_operand(x, "dot") for x in a])
    b_ops = tuple([_operand(x, "dot") for x in b])
    if len(a_ops) != len(b_ops) or not a_ops:
        raise ValueError(f"dot: needs two non-empty sequences of the same length, got {len(a_ops)} and {len(b_ops)}")
    a_data = tuple([x.data if type(x) is Value else x for x in a_ops])
    b_data = tuple([x.data if type(x) is Value else x for x in b_ops])
    return _node(_DOT, _DOT.forward(a_data, b_data), a_ops, b_ops)
