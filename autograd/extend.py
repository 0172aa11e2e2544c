"""Your own operation, with its local derivatives, without editing the library: `primitive`.

    my_tanh = autograd.primitive(
        "my_tanh",
        math.tanh,                              # the forward: floats in, a float out
        (lambda a, out: 1.0 - out * out,),      # d out / d a, written with the output, as rules.py does
    )
    my_tanh(Value(0.5))                         # records one node, drawn as `my_tanh`
    my_tanh(0.5)                                # 0.46211715726000974: a plain number for a plain number
    my_sin = autograd.primitive("my_sin", math.sin, (lambda a, out: my_cos(a),))
    my_cos = autograd.primitive("my_cos", math.cos, (lambda a, out: -my_sin(a),))  # each other's derivative

The name comes from HIPS autograd's ``autograd.extend`` (``primitive`` then ``defvjp``); here the
forward and its derivatives are given in one call, as one entry of the table in rules.py is.

The conventions, which are the rule table's:

* ``forward`` takes the operands as floats (one or two) and returns a float. Outside its domain
  it raises (``math.log(-1.0)`` does); the engine re-raises naming the operation and the operands.
  A result that is not a finite real number (inf, nan, a complex) is refused in the same way.
* ``derivatives`` holds one function per operand: ``(d_da,)`` for a unary operation, called as
  ``d_da(a, out)``; ``(d_da, d_db)`` for a binary one, each called as ``d(a, b, out)``, where
  ``out`` is the operation's result (so a derivative can reuse it, as exp's and tanh's do). HIPS
  puts the output first (``lambda ans, x: ...``); here the order is the table's: a, b, out.
* Each derivative is called with Values by ``grad(..., create_graph=True)``, which records it
  as a graph so that it can be differentiated again, and with floats by `backward`. So write it
  with operators, Value methods (``a.exp()``, ``a.sigmoid()``) or primitives (which return a
  float for a float: ``lambda a, out: my_cos(a)``). One that fails on floats (a float has no
  ``.exp()``) is called on new leaf Values made from them, more slowly. ``math.cos(a)`` will not
  do: on a Value it quietly reads the number and returns a constant, and every higher derivative
  through it would be wrong; such a derivative (a plain number back for Values, changing as they
  move) is refused with a TypeError.

What is recorded is an ordinary node whose rule is a `RuntimeRule`, a `rules.Rule` made at run
time. Everything that reads graphs reads it through `graph.edges`, as it reads the table's rules:
backward (the generated pass sends rules it was not written for to the generic reader),
``grad(create_graph=True)``, `explain`, `check_derivation`, the drawings and their step frames,
`gradcheck`, `jvp`, and replay, whose code calls ``P_<name>(...)`` for the forward and
``<name>_da(a, out)`` for a derivative. A primitive is not added to `RULES`: the table is the
library's own, the source of its generated code.
"""

from __future__ import annotations

import inspect
import keyword
import math
import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, overload

from .numbers import finite_number
from .rules import Rule
from .value import Value, _record

__all__ = ["primitive", "Primitive", "UnaryPrimitive", "BinaryPrimitive", "RuntimeRule"]

_INF = math.inf
_BOTH = (
    "a derivative is called with Values (grad(..., create_graph=True)) and with floats (backward; "
    "Values are made from them when it fails on floats), so write it with operators, Value methods "
    "or primitives"
)


def _at(args: Sequence[object]) -> str:
    """'a = 1.0, b = 2.0' (a Value shown by its number)."""
    return ", ".join(f"{n} = {x.data if type(x) is Value else x!r}" for n, x in zip(("a", "b"), args))


def _renamed(error: Exception, message: str) -> Exception:
    """An error of error's kind (the nearest built-in one) with a message naming the operation."""
    for kind in (ZeroDivisionError, OverflowError, ArithmeticError, ValueError, TypeError):
        if isinstance(error, kind):
            return kind(message)
    return RuntimeError(message)


def _finite(result: object, what: str) -> float:
    """result as a finite float, or the error the engine gives for one that is not."""
    if type(result) is not float:
        if isinstance(result, bool) or not isinstance(result, numbers.Real):
            raise TypeError(f"{what} is {result!r} ({type(result).__name__}), not a real number")
        result = float(result)
    if result != result:
        raise ValueError(f"{what} is nan, not a number")
    if not -_INF < result < _INF:
        raise OverflowError(f"{what} is {result!r}, not a finite number (it overflows a float)")
    return result


class _Forward:
    """The user's forward, on floats, with its failures and non-finite results named."""

    __slots__ = ("name", "function")

    def __init__(self, name: str, function: Callable[..., float]) -> None:
        self.name = name
        self.function = function

    def __call__(self, *args: float) -> float:
        try:
            result = self.function(*args)
        except Exception as error:  # noqa: BLE001 (any failure of user code: re-raised, named)
            message = f"{self.name}: the forward failed at {_at(args)} ({type(error).__name__}: {error})"
            raise _renamed(error, message) from error
        if type(result) is float and -_INF < result < _INF:
            return result
        return _finite(result, f"{self.name}: the forward at {_at(args)}")


class _Derivative:
    """One user derivative, d out / d a or d out / d b, called as the user wrote it (replay calls
    it so) or as the table's derivatives are (`as_in_table`, for graph.Edge), with its result checked.

    A domain error (ArithmeticError, ValueError) goes through as it is: graph.Edge names the
    rule, the derivative and the operands, as it does for the table's rules.
    """

    __slots__ = ("name", "side", "function", "forward", "unary")

    def __init__(self, name: str, side: int, function: Callable[..., Any], forward: _Forward, unary: bool) -> None:
        self.name = name
        self.side = side
        self.function = function
        self.forward = forward
        self.unary = unary

    def as_in_table(self, a: Any, b: Any, out: Any) -> Any:
        return self(a, out) if self.unary else self(a, b, out)

    def __call__(self, *args: Any) -> Any:
        on_values = type(args[0]) is Value or type(args[-1]) is Value  # out is a Value whenever a or b is
        try:
            result = self.function(*args)
        except (ArithmeticError, ValueError):
            raise
        except Exception as error:  # noqa: BLE001 (a float given a Value method, ...: say what is expected)
            if on_values:
                raise TypeError(
                    f"{self._what()} failed at {_at(args[:-1])}, given Values ({type(error).__name__}: {error}); "
                    f"{_BOTH}"
                ) from error
            result = self._on_values(args, error)
        if type(result) is float and -_INF < result < _INF and not on_values:
            return result  # the common case, backward's: a finite float from floats
        if type(result) is Value:
            return result if on_values else result.data
        number = _finite(result, f"{self._what()} at {_at(args[:-1])}")
        if on_values and self._moves(args[:-1]):
            raise TypeError(
                f"{self._what()} returned the plain number {number!r} when called with Values, yet it "
                "changes when they change: it reads their numbers (math.cos(a), float(a), a.data), so "
                f"grad(..., create_graph=True) would take it for a constant; {_BOTH}"
            )
        return number

    def _on_values(self, args: Sequence[Any], error: Exception) -> float:
        """The derivative at these floats computed on new leaf Values made from them: one written
        with Value methods (``a.exp()``, ``a.sigmoid()``) fails on floats, and serves so."""
        try:
            result = self.function(*[Value(x) if type(x) is float else x for x in args])
        except (ArithmeticError, ValueError):
            raise
        except Exception:  # noqa: BLE001 (it takes neither: say what it was given first)
            raise TypeError(
                f"{self._what()} failed at {_at(args[:-1])}, given floats and given Values "
                f"({type(error).__name__}: {error}); {_BOTH}"
            ) from error
        return result.data if type(result) is Value else result

    def _what(self) -> str:
        return f"{self.name}: d out / d {'ab'[self.side]}"

    def _moves(self, operands: Sequence[Any]) -> bool:
        """Whether the derivative, on floats, moves by different amounts for two tiny nudges of the
        Value operands (2**-20 and 2**-30 times |x| + 1). A smooth function does; a constant or a
        step (``1.0 if a > 0.0 else 0.0``, even at its kink) moves by the same amount or not at all."""
        seen = []
        for step in (2.0**-20, 2.0**-30):
            moved = [x.data + (abs(x.data) + 1.0) * step if type(x) is Value else x for x in operands]
            try:
                seen.append(self.function(*moved, self.forward(*moved)))
            except Exception:  # noqa: BLE001 (a nudge out of the domain: nothing can be told)
                return False
        return bool(seen[0] != seen[1])


@dataclass(frozen=True, eq=False)
class RuntimeRule(Rule):
    """A rule made by `primitive`: its forward and derivatives are the user's functions, checked.

    `derivatives` holds what drawings, `explain` and replay show and replay runs: the text of a
    call, ``my_sin_da(a, out)``; `functions` holds the functions called (`names` says by which name).
    """

    functions: tuple[_Derivative, ...] = ()

    @cached_property
    def local_grads(self) -> tuple[Callable[..., Any], ...]:
        """The derivatives as the table's are called, ``(a, b, out)``, on floats or on Values."""
        return tuple(d.as_in_table for d in self.functions)

    @cached_property
    def names(self) -> dict[str, Callable[..., Any]]:
        """The functions replay's code calls, by name: ``P_<name>`` and ``<name>_da`` (, ``<name>_db``)."""
        found: dict[str, Callable[..., Any]] = {f"P_{self.name}": self.forward}  # P: not a table rule's F_
        for side, function in zip("ab", self.functions):
            found[f"{self.name}_d{side}"] = function
        return found


class Primitive:
    """An operation made by `primitive`: on Values it records a node, on numbers it returns a float."""

    __slots__ = ("rule",)

    def __init__(self, rule: RuntimeRule) -> None:
        self.rule = rule

    @property
    def name(self) -> str:
        return self.rule.name

    def __repr__(self) -> str:
        return f"<primitive {self.rule.name!r} of {self.rule.arity} operand{'s' if self.rule.arity > 1 else ''}>"


class UnaryPrimitive(Primitive):
    """f(a): a node for a Value, a float for a number."""

    __slots__ = ()

    @overload
    def __call__(self, a: Value) -> Value: ...
    @overload
    def __call__(self, a: float) -> float: ...
    def __call__(self, a: Value | float) -> Value | float:
        if type(a) is Value:
            return _record(self.rule, a)
        return self.rule.forward(finite_number(a, f"{self.rule.name}: operand"))


class BinaryPrimitive(Primitive):
    """f(a, b): a node when either operand is a Value (a number is kept as a constant), else a float."""

    __slots__ = ()

    @overload
    def __call__(self, a: float, b: float) -> float: ...
    @overload
    def __call__(self, a: Value, b: Value | float) -> Value: ...
    @overload
    def __call__(self, a: Value | float, b: Value) -> Value: ...
    def __call__(self, a: Value | float, b: Value | float) -> Value | float:
        what = f"{self.rule.name}: operand"
        x = a if type(a) is Value else finite_number(a, what)
        y = b if type(b) is Value else finite_number(b, what)
        if type(x) is Value or type(y) is Value:
            return _record(self.rule, x, y)
        return self.rule.forward(x, y)


@overload
def primitive(
    name: str,
    forward: Callable[[float], float],
    derivatives: tuple[Callable[[Any, Any], Any]],
    *,
    symbol: str | None = None,
    note: str = "",
) -> UnaryPrimitive: ...
@overload
def primitive(
    name: str,
    forward: Callable[[float, float], float],
    derivatives: tuple[Callable[[Any, Any, Any], Any], Callable[[Any, Any, Any], Any]],
    *,
    symbol: str | None = None,
    note: str = "",
) -> BinaryPrimitive: ...
def primitive(
    name: str,
    forward: Callable[..., float],
    derivatives: Sequence[Callable[..., Any]],
    *,
    symbol: str | None = None,
    note: str = "",
) -> Primitive:
    """A new operation of one or two operands, usable on Values like the built-in ones.

    name: a Python identifier (replay calls ``P_<name>``). It may be a table rule's name (your own
        softplus beside `Value.softplus`): the two stay different operations.
    forward: ``f(a)`` or ``f(a, b)`` on floats, returning a float.
    derivatives: one function per operand, d out / d operand: ``(d_da,)``, called ``d_da(a, out)``,
    or ``(d_da, d_db)``, each called ``d(a, b, out)``; on floats and on Values (see the module).
    symbol: how a drawing and `explain` show the node (default: the name); note: on kinks and domains.

    Raises TypeError or ValueError, naming the problem, for a bad name, a non-callable, a
    derivative count other than 1 or 2, or functions that do not take that many operands.
    """
    if not isinstance(name, str):
        raise TypeError(f"primitive: name must be a str, got {type(name).__name__}: {name!r}")
    where = f"primitive {name!r}"
    if not name.isidentifier() or keyword.iskeyword(name):
        raise ValueError(f"{where}: the name must be a Python identifier (replay calls P_<name>), e.g. 'my_sin'")
    if not callable(forward):
        raise TypeError(f"{where}: forward must be a function of floats, got {type(forward).__name__}: {forward!r}")
    if not isinstance(derivatives, (tuple, list)):
        raise TypeError(
            f"{where}: derivatives must be a tuple with one function per operand, e.g. "
            f"(lambda a, out: ...,), got {type(derivatives).__name__}"
        )
    if len(derivatives) not in (1, 2):
        raise ValueError(
            f"{where}: an operation takes 1 or 2 operands, so give 1 or 2 derivatives, got {len(derivatives)}"
        )
    arity = len(derivatives)
    for i, d in enumerate(derivatives):
        if not callable(d):
            raise TypeError(f"{where}: derivatives[{i}] must be a function, got {type(d).__name__}: {d!r}")
    if symbol is None:
        symbol = name
    if not isinstance(symbol, str) or not symbol:
        raise TypeError(f"{where}: symbol must be a non-empty str, got {symbol!r}")
    if not isinstance(note, str):
        raise TypeError(f"{where}: note must be a str, got {type(note).__name__}: {note!r}")
    operands = "a" if arity == 1 else "a, b"
    _takes(forward, arity, f"{where}: forward must take {arity} operand{'s' if arity > 1 else ''}, f({operands})")
    for i, d in enumerate(derivatives):
        _takes(d, arity + 1, f"{where}: derivatives[{i}] must take ({operands}, out)")

    checked = _Forward(name, forward)
    functions = tuple(_Derivative(name, side, d, checked, arity == 1) for side, d in enumerate(derivatives))
    texts = tuple(f"{name}_d{side}({operands}, out)" for side in "ab"[:arity])
    rule = RuntimeRule(name, symbol, derivatives=texts, note=note, function=checked, functions=functions)
    return UnaryPrimitive(rule) if arity == 1 else BinaryPrimitive(rule)


def _takes(function: Callable[..., Any], count: int, message: str) -> None:
    """Raise TypeError(message) unless function can be called with `count` positional arguments."""
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):  # some built-ins have no signature: a wrong one fails when called
        return
    try:
        signature.bind(*range(count))
    except TypeError:
        raise TypeError(f"{message}; its signature is {signature}") from None
