"""Reference tools for the engine tests, written without any use of `autograd`.

* `R`: a plain-float stand-in for `Value` (same operators and methods, computed with `math`),
  so one expression written as a lambda can be evaluated by the engine, by PyTorch and here.
* `central_difference` / `numeric_gradient`: float64 finite differences (5-point stencil).
* `torch_or_skip` / `torch_gradient`: PyTorch float64 as a second independent reference.
* `close`: the tolerance used when comparing a derivative against a finite difference.
* `interrupt_in` / `lines_run`: Ctrl-C at a chosen line of a function, deterministically.
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Callable, Sequence
from contextlib import contextmanager

import pytest


def sigmoid(x: float) -> float:
    """Logistic function on a plain float, stable on both sides."""
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _v(x: object) -> float:
    return x.v if isinstance(x, R) else float(x)  # type: ignore[arg-type]


class R:
    """A float with Value's interface (operators, exp/log/tanh/sigmoid/relu, sin/cos/abs/sqrt,
    softplus/log_sigmoid, max/min), computed by `math`.

    It also records facts about the evaluation so randomized tests can reject points where a
    finite difference is unreliable: the smallest |argument| given to relu and the largest |value|.
    """

    __slots__ = ("v", "log_book")

    def __init__(self, v: float, log_book: dict | None = None) -> None:
        self.v = float(v)
        self.log_book = log_book if log_book is not None else {"relu_min": math.inf, "max_abs": 0.0}

    def _new(self, v: float) -> R:
        book = self.log_book
        book["max_abs"] = max(book["max_abs"], abs(v))
        return R(v, book)

    def __add__(self, o: object) -> R:
        return self._new(self.v + _v(o))

    def __radd__(self, o: object) -> R:
        return self._new(_v(o) + self.v)

    def __sub__(self, o: object) -> R:
        return self._new(self.v - _v(o))

    def __rsub__(self, o: object) -> R:
        return self._new(_v(o) - self.v)

    def __mul__(self, o: object) -> R:
        return self._new(self.v * _v(o))

    def __rmul__(self, o: object) -> R:
        return self._new(_v(o) * self.v)

    def __truediv__(self, o: object) -> R:
        return self._new(self.v / _v(o))

    def __rtruediv__(self, o: object) -> R:
        return self._new(_v(o) / self.v)

    def __neg__(self) -> R:
        return self._new(-self.v)

    def __pow__(self, o: object) -> R:
        return self._new(math.pow(self.v, _v(o)))

    def __rpow__(self, o: object) -> R:
        return self._new(math.pow(_v(o), self.v))

    def exp(self) -> R:
        return self._new(math.exp(self.v))

    def log(self) -> R:
        return self._new(math.log(self.v))

    def tanh(self) -> R:
        return self._new(math.tanh(self.v))

    def sigmoid(self) -> R:
        return self._new(sigmoid(self.v))

    def relu(self) -> R:
        book = self.log_book
        book["relu_min"] = min(book["relu_min"], abs(self.v))
        return self._new(self.v if self.v > 0 else 0.0)

    def _kink(self, distance: float) -> None:
        """Note how close an argument came to a kink (relu's, abs's, max's tie): the "relu_min"."""
        self.log_book["relu_min"] = min(self.log_book["relu_min"], abs(distance))

    def sin(self) -> R:
        return self._new(math.sin(self.v))

    def cos(self) -> R:
        return self._new(math.cos(self.v))

    def sqrt(self) -> R:
        return self._new(math.sqrt(self.v))

    def __abs__(self) -> R:
        self._kink(self.v)
        return self._new(math.fabs(self.v))

    def softplus(self) -> R:  # log(1 + e^x), in two branches so that exp never overflows
        x = self.v
        return self._new(x + math.log1p(math.exp(-x)) if x > 0 else math.log1p(math.exp(x)))

    def log_sigmoid(self) -> R:  # log(sigmoid(x)) = -softplus(-x)
        x = self.v
        return self._new(x - math.log1p(math.exp(x)) if x < 0 else -math.log1p(math.exp(-x)))

    def max(self, o: object) -> R:
        self._kink(self.v - _v(o))
        return self._new(self.v if self.v >= _v(o) else _v(o))

    def min(self, o: object) -> R:
        self._kink(self.v - _v(o))
        return self._new(self.v if self.v <= _v(o) else _v(o))


def evaluate(fn: Callable[..., object], point: Sequence[float]) -> tuple[float, dict]:
    """fn evaluated on plain floats (through `R`); returns the value and the evaluation's log book."""
    book = {"relu_min": math.inf, "max_abs": max((abs(x) for x in point), default=0.0)}
    out = fn(*[R(x, book) for x in point])
    return _v(out), book


def central_difference(fn: Callable[..., object], point: Sequence[float], i: int, h: float = 1e-5) -> float:
    """d fn / d point[i] by the 5-point central stencil (error O(h^4)), all in float64."""

    def at(delta: float) -> float:
        shifted = list(point)
        shifted[i] = point[i] + delta
        return evaluate(fn, shifted)[0]

    return (-at(2 * h) + 8 * at(h) - 8 * at(-h) + at(-2 * h)) / (12 * h)


def numeric_gradient(fn: Callable[..., object], point: Sequence[float], h: float = 1e-5) -> list[float]:
    """Every partial derivative of fn at point by central differences."""
    return [central_difference(fn, point, i, h) for i in range(len(point))]


def close(engine: float, numeric: float, value_scale: float = 1.0, rel: float = 1e-6) -> bool:
    """Whether a derivative agrees with its finite-difference estimate.

    The absolute part scales with |f| because the stencil's rounding error is ~ eps * |f| / h.
    """
    return abs(engine - numeric) <= rel * abs(numeric) + 1e-9 * (1.0 + abs(value_scale))


def torch_or_skip():
    """Import torch, or skip the calling test cleanly when it is not installed."""
    return pytest.importorskip("torch")


def torch_gradient(fn: Callable[..., object], point: Sequence[float]) -> tuple[float, list[float]]:
    """fn's value and gradient at point, computed by PyTorch in float64 (skips without torch)."""
    torch = torch_or_skip()
    leaves = [torch.tensor(float(x), dtype=torch.float64, requires_grad=True) for x in point]
    out = fn(*leaves)
    grads = torch.autograd.grad(out, leaves, allow_unused=True)
    return float(out.detach()), [0.0 if g is None else float(g) for g in grads]


def is_code_of(code, function_name: str) -> bool:
    """Whether `code` is the function `function_name`, also in mutation testing (docs/mutation-testing.md),
    where mutmut renames each function it copies: `backward` runs as x_backward__mutmut_orig (or _7),
    a method `Tape.backward` as xǁTapeǁbackward__mutmut_orig."""
    name = code.co_name
    return (
        name == function_name
        or re.fullmatch(rf"x(?:_|ǁ[^ǁ]+ǁ){re.escape(function_name)}__mutmut_(?:orig|\d+)", name) is not None
    )


@contextmanager
def interrupt_in(function_name: str, after_lines: int):
    """Raise KeyboardInterrupt inside `function_name` after it has run `after_lines` lines.

    A trace function's exception surfaces in the traced frame, as Ctrl-C would at that line.
    """
    seen = 0

    def in_frame(frame, event, arg):
        nonlocal seen
        if event == "line":
            seen += 1
            if seen == after_lines:
                raise KeyboardInterrupt
        return in_frame

    def on_call(frame, event, arg):
        return in_frame if is_code_of(frame.f_code, function_name) else None

    previous = sys.gettrace()
    sys.settrace(on_call)
    try:
        yield
    finally:
        sys.settrace(previous)


def lines_run(function_name: str, action) -> int:
    """How many lines `function_name` runs (all its calls together) while `action()` runs."""
    count = 0

    def in_frame(frame, event, arg):
        nonlocal count
        if event == "line":
            count += 1
        return in_frame

    previous = sys.gettrace()
    sys.settrace(lambda frame, event, arg: in_frame if is_code_of(frame.f_code, function_name) else None)
    try:
        action()
    finally:
        sys.settrace(previous)
    return count
