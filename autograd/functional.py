"""Derivatives of functions, as HIPS autograd and JAX spell them, and forward mode from the same rules.

    grad(f)(x, y)               [df/dx, df/dy]
    value_and_grad(f)(x, y)     (f(x, y), [df/dx, df/dy])
    jvp(f, (x, y), (u, v))      (f(x, y), df/dx * u + df/dy * v), by forward mode
    jacobian(f)(x, y)           [[df_i/dx, df_i/dy] for each output f_i], for f returning a list of Values
    hessian(f)(x, y)            [[d2f/dxdx, d2f/dxdy], [d2f/dydx, d2f/dydy]]

`f` takes one scalar per argument and returns a Value, as a function written for `Value`s does.
Numbers in, numbers out: each number becomes a new leaf Value, and the answers are floats. Values
in, Values out: a Value argument is used as it is, and the answers are Values wired into its graph
(as with ``grad(..., create_graph=True)``), so they can be differentiated again; that is how these
compose (``grad(lambda x: grad(f)(x)[0])(2.0)`` is f'' at 2, and `hessian` is `jacobian` of `grad`).
Unlike JAX, whose ``grad`` differentiates with respect to the first argument unless told
otherwise (``argnums``), these differentiate with respect to every argument, in order.

Forward mode (`jvp`) is the chain rule multiplied from the other end. Reverse mode passes the
gradient of one output back to every node: ``g(operand) += g(node) * d node / d operand``. Forward
mode pushes the derivative along one input direction (the tangent) forward to every node:
``t(node) = sum over its operands of d node / d operand * t(operand)``. Both read the same local
derivatives, `graph.edges`' (``edge.local()``, from the rule table): no rule has a second copy. A
gradient of a loss of n parameters takes one reverse pass or n forward passes; a Jacobian of m
outputs and n inputs takes m reverse passes or n forward ones, and `jacobian` picks the fewer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal, cast, overload

from .backward import grad as _grad_of_value
from .graph import edges, topological_order
from .numbers import finite_number
from .value import Value

__all__ = ["grad", "value_and_grad", "jvp", "jacobian", "hessian", "Grad", "ValueAndGrad", "Jacobian", "Hessian"]

_INF = float("inf")
_MISSING: Any = object()
Mode = Literal["auto", "forward", "reverse"]


# -- arguments in, answers out --------------------------------------------------------------------


def _inputs(args: Sequence[object], what: str) -> tuple[list[Value], bool]:
    """One Value per argument (a Value as it is, a number as a new leaf), and whether any was a Value."""
    leaves: list[Value] = []
    for i, x in enumerate(args):
        if type(x) is Value:
            leaves.append(x)
        elif isinstance(x, (list, tuple)):
            raise TypeError(
                f"{what}[{i}] must be a number or a Value, got {type(x).__name__}: {x!r} "
                "(f takes one scalar per argument: pass a list xs as f(*xs))"
            )
        else:
            leaves.append(Value(finite_number(x, f"{what}[{i}]")))
    return leaves, any(type(x) is Value for x in args)


def _call(f: Callable[..., Any], leaves: list[Value], where: str) -> Value:
    """f(*leaves), which must be a Value."""
    out = f(*leaves)
    if type(out) is not Value:
        got = f"{type(out).__name__}: {out!r}"
        raise TypeError(f"{where}: f must return a Value (the output to differentiate), got {got}")
    return out


def _callable(f: object, where: str) -> None:
    if not callable(f) or isinstance(f, Value):
        raise TypeError(f"{where}: f must be a function of Values, got {type(f).__name__}: {f!r}")


def _answer(x: Value | float, graph: bool) -> Any:
    """A derivative as the caller gets it: a Value when the arguments held Values, else a float."""
    if graph:
        return x if type(x) is Value else Value(x)  # type: ignore[arg-type]
    return x.data if type(x) is Value else x


# -- forward mode ---------------------------------------------------------------------------------


def push_tangents(
    order: Sequence[Value], seeds: dict[Value, Value | float], create_graph: bool = False
) -> dict[Value, Value | float]:
    """Forward mode: the tangent of every node of `order` that depends on a seeded one.

    order is topological (operands first, as `topological_order` gives); seeds maps inputs to
    their tangents. Each other node's tangent is ``sum of d node / d operand * t(operand)`` over
    `graph.edges(node)`, with ``edge.local()`` on floats (``edge.local_value()`` on Values when
    create_graph, so the tangents can be differentiated again). A node that depends on no seeded
    input gets no entry: its tangent is 0.
    """
    tangents = dict(seeds)
    for node in order:
        if node in tangents:  # an input: its tangent is given
            continue
        total: Any = None
        for edge in edges(node):
            t = tangents.get(edge.operand)
            if t is None:
                continue
            local = edge.local_value() if create_graph else edge.local()
            term = local * t  # the chain rule, forward: local derivative times the operand's tangent
            total = term if total is None else total + term
        if total is None:
            continue
        if not create_graph and not -_INF < total < _INF:
            rule = node.rule.name if node.rule is not None else "leaf"
            raise OverflowError(
                f"jvp: the tangent of a {rule} node (data {node.data!r}) is {total!r}, not a finite number"
            )
        tangents[node] = total
    return tangents


# Numbers in, numbers out; Values in, Values out. A sequence typed `Value | float` that holds numbers
# only gives numbers: that is the overlap mypy points out and each first overload below ignores.
@overload
def jvp(f: Callable[..., Value], primals: Sequence[float], tangents: Sequence[float]) -> tuple[float, float]: ...  # type: ignore[overload-overlap]
@overload
def jvp(
    f: Callable[..., Value], primals: Sequence[Value | float], tangents: Sequence[Value | float]
) -> tuple[Value, Value]: ...
def jvp(f: Callable[..., Value], primals: Sequence[Any], tangents: Sequence[Any]) -> tuple[Any, Any]:
    """``(f(*primals), the derivative of f along tangents)``, by forward mode (JAX's jvp).

    The derivative along the tangents is ``sum_i df/dx_i * tangents[i]``, the Jacobian times
    the tangent vector: f's graph is built once and the tangents are pushed through it from the
    inputs to the output (`push_tangents`). Floats for numbers; Values, differentiable again,
    when a primal or a tangent is a Value. Each primal is an input of its own: a Value primal
    moves by its tangent, whatever it was computed from (one passed twice, by the sum).
    """
    _callable(f, "jvp")
    for what, xs in (("primals", primals), ("tangents", tangents)):
        if not isinstance(xs, (list, tuple)):
            raise TypeError(
                f"jvp: {what} must be a tuple or list with one number per argument of f, e.g. (1.0, 2.0), "
                f"got {type(xs).__name__}: {xs!r}"
            )
    if len(primals) != len(tangents):
        raise ValueError(f"jvp: {len(primals)} primals but {len(tangents)} tangents: give one tangent per primal")
    leaves, graph = _inputs(primals, "jvp: primals")
    directions = [t if type(t) is Value else finite_number(t, f"jvp: tangents[{i}]") for i, t in enumerate(tangents)]
    graph = graph or any(type(t) is Value for t in tangents)
    out = _call(f, leaves, "jvp")
    seeds: dict[Value, Any] = {}
    for x, t in zip(leaves, directions):  # one Value passed twice moves by the sum of its tangents
        seeds[x] = t if x not in seeds else seeds[x] + t
    tangent = push_tangents(topological_order(out), seeds, graph).get(out, 0.0)
    return _answer(out, graph), _answer(tangent, graph)


# -- reverse mode, as functions --------------------------------------------------------------------


def _value_and_grad(f: Callable[..., Value], args: Sequence[Value | float], where: str) -> tuple[Any, list[Any]]:
    leaves, graph = _inputs(args, f"{where}: args")
    out = _call(f, leaves, where)
    grads = _grad_of_value(out, leaves, create_graph=graph)
    return _answer(out, graph), [_answer(g, graph) for g in grads]


class ValueAndGrad:
    """value_and_grad(f): a function giving ``(f(*args), [df/d arg for each argument])``."""

    __slots__ = ("f",)

    def __init__(self, f: Callable[..., Value]) -> None:
        _callable(f, "value_and_grad")
        self.f = f

    @overload
    def __call__(self, *args: float) -> tuple[float, list[float]]: ...  # type: ignore[overload-overlap]
    @overload
    def __call__(self, *args: Value | float) -> tuple[Value, list[Value]]: ...
    def __call__(self, *args: Value | float) -> tuple[Any, list[Any]]:
        return _value_and_grad(self.f, args, "value_and_grad(f)")

    def __repr__(self) -> str:
        return f"value_and_grad({self.f!r})"


class Grad:
    """grad(f): a function giving ``[df/d arg for each argument]``."""

    __slots__ = ("f", "where")

    def __init__(self, f: Callable[..., Value], where: str = "grad(f)") -> None:
        _callable(f, where.partition("(")[0])
        self.f = f
        self.where = where

    @overload
    def __call__(self, *args: float) -> list[float]: ...  # type: ignore[overload-overlap]
    @overload
    def __call__(self, *args: Value | float) -> list[Value]: ...
    def __call__(self, *args: Value | float) -> list[Any]:
        return _value_and_grad(self.f, args, self.where)[1]

    def __repr__(self) -> str:
        return f"grad({self.f!r})"


def value_and_grad(f: Callable[..., Value]) -> ValueAndGrad:
    """A function of f's arguments giving ``(f(*args), [df/d arg for each argument])`` (HIPS's and JAX's name)."""
    return ValueAndGrad(f)


@overload
def grad(f: Callable[..., Value], /) -> Grad: ...
@overload
def grad(output: Value, inputs: Value | Sequence[Value], create_graph: bool = False) -> list[Value]: ...
def grad(output: Any, inputs: Any = _MISSING, create_graph: bool = False) -> Any:
    """Gradients of a Value, or the gradient function of a function: two spellings, told apart by
    whether the first argument is callable (a Value is not).

    ``grad(output, inputs, create_graph=False)``: d output / d input for each input, as Values,
    leaving every ``.grad`` untouched (see `backward.grad`).

    ``grad(f)``: the function ``g(*args) = [df/d arg for each argument]``, as in HIPS autograd
    and JAX (floats for numbers; Values, differentiable again, when an argument is a Value).
    """
    if callable(output):
        if inputs is not _MISSING or create_graph:
            raise TypeError(
                "grad(f) takes the function alone and returns the gradient function: call it with "
                "f's arguments, grad(f)(x, y); grad(output, inputs) is for a Value output"
            )
        return Grad(cast("Callable[..., Value]", output))
    if inputs is _MISSING:
        raise TypeError(
            f"grad: missing inputs: grad(output, inputs) for a Value output, grad(f) for a function; "
            f"got {type(output).__name__}: {output!r}"
        )
    return _grad_of_value(output, inputs, create_graph)


# -- matrices of derivatives -----------------------------------------------------------------------


def _joint_order(outputs: Sequence[Value]) -> list[Value]:
    """Every node of the outputs' graphs once, each after the nodes it was computed from."""
    order: list[Value] = []
    seen: set[Value] = set()
    for y in outputs:
        for node in topological_order(y):
            if node not in seen:
                seen.add(node)
                order.append(node)
    return order


class Jacobian:
    """jacobian(f): a function giving ``J[i][j] = d f_i / d arg_j`` for f returning a list of Values."""

    __slots__ = ("f", "mode", "where")

    def __init__(self, f: Callable[..., Sequence[Value]], mode: Mode = "auto", where: str = "jacobian(f)") -> None:
        _callable(f, where.partition("(")[0])
        if mode not in ("auto", "forward", "reverse"):
            raise ValueError(f"jacobian: mode must be 'auto', 'forward' or 'reverse', got {mode!r}")
        self.f = f
        self.mode = mode
        self.where = where

    @overload
    def __call__(self, *args: float) -> list[list[float]]: ...  # type: ignore[overload-overlap]
    @overload
    def __call__(self, *args: Value | float) -> list[list[Value]]: ...
    def __call__(self, *args: Value | float) -> list[list[Any]]:
        leaves, graph = _inputs(args, f"{self.where}: args")
        outputs = self.f(*leaves)
        if not isinstance(outputs, (list, tuple)):
            raise TypeError(
                f"{self.where}: f must return a list of Values, one per output (for a single Value, "
                f"use grad(f)), got {type(outputs).__name__}: {outputs!r}"
            )
        for i, y in enumerate(outputs):
            if type(y) is not Value:
                raise TypeError(f"{self.where}: f's output [{i}] must be a Value, got {type(y).__name__}: {y!r}")
        forward = self.mode == "forward" or (self.mode == "auto" and len(leaves) < len(outputs))
        if forward:  # one pass per input: column j is the tangent of every output along input j
            order = _joint_order(outputs)
            columns = [push_tangents(order, {x: 1.0}, graph) for x in leaves]
            return [[_answer(column.get(y, 0.0), graph) for column in columns] for y in outputs]
        # one reverse pass per output: row i is output i's gradient
        return [[_answer(g, graph) for g in _grad_of_value(y, leaves, create_graph=graph)] for y in outputs]

    def __repr__(self) -> str:
        return f"jacobian({self.f!r}, mode={self.mode!r})"


def jacobian(f: Callable[..., Sequence[Value]], mode: Mode = "auto") -> Jacobian:
    """A function of f's arguments giving ``J[i][j] = d f_i / d arg_j``, f returning a list of Values.

    mode "auto" takes the fewer passes: forward (one per input, JAX's jacfwd) when there are
    fewer inputs than outputs, else reverse (one per output, jacrev); "forward" or "reverse"
    forces one.
    """
    return Jacobian(f, mode)


class Hessian:
    """hessian(f): a function giving ``H[i][j] = d2f / d arg_i d arg_j``."""

    __slots__ = ("jacobian_of_grad",)

    def __init__(self, f: Callable[..., Value]) -> None:
        self.jacobian_of_grad = Jacobian(Grad(f, "hessian(f)"), "reverse", "hessian(f)")

    @overload
    def __call__(self, *args: float) -> list[list[float]]: ...  # type: ignore[overload-overlap]
    @overload
    def __call__(self, *args: Value | float) -> list[list[Value]]: ...
    def __call__(self, *args: Value | float) -> list[list[Any]]:
        return self.jacobian_of_grad(*args)


def hessian(f: Callable[..., Value]) -> Hessian:
    """A function of f's arguments giving the matrix of second derivatives ``H[i][j] = d2f / d arg_i d arg_j``.

    It is the Jacobian of the gradient: grad(f) records the gradient as a graph (create_graph),
    and each row is one reverse pass through it, n + 1 passes in all for n arguments.
    """
    return Hessian(f)
