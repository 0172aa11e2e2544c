"""The reverse pass: the chain rule applied node by node, from the output back to the leaves.

`backpropagate` below is the whole algorithm, in the open: d root / d root is the seed, and each
node, once every node that uses it has passed its share back, passes ``g * d node / d operand``
to each of its operands (`graph.edges` supplies the operands and the local derivatives from the
rule table). On floats it gives gradients; on Values (``create_graph``) the same loop records
the gradients as a graph of their own, so they can be differentiated again.

`backward` and `grad` run the same loop on floats through a faster copy written out from the
rule table (`autograd/_generated/reverse.py`): each rule's derivative inlined, the running sums
in each node's ``_g`` slot instead of a dict. It adds in the same order and gives the same bits.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, cast

from ._generated.reverse import backpropagate_floats
from .graph import edges, require_value, topological_order
from .numbers import finite_number

if TYPE_CHECKING:
    from .value import Value

__all__ = ["backpropagate", "backward", "grad"]

_INF = float("inf")

# The fast pass keeps its running sums in the nodes' `_g` slots, so two passes over one graph at
# the same time would mix them. Passes take turns: a pass claims the slots for its thread (a
# dict's setdefault is atomic) and other threads wait, so threads that share a model get correct
# gradients. A claim left by an interrupted pass of the same thread is simply taken over: a
# thread runs one pass at a time. The generic loop keeps its sums in a dict and needs no claim.
_CLAIM: dict[str, int] = {}
_WAIT_SECONDS = 600.0


def _claim_slots() -> None:
    me = threading.get_ident()
    waited = 0.0
    while _CLAIM.setdefault("slots", me) != me:
        owner = _CLAIM.get("slots")
        if owner is not None and owner not in {t.ident for t in threading.enumerate()}:
            _CLAIM.pop("slots", None)  # its thread has ended without letting go
            continue
        if waited > _WAIT_SECONDS:
            raise RuntimeError(
                f"backward: waited {_WAIT_SECONDS:.0f} s for a gradient pass in another thread to finish"
            )
        time.sleep(0.0002)
        waited += 0.0002


def _release_slots() -> None:
    if _CLAIM.get("slots") == threading.get_ident():
        _CLAIM.pop("slots", None)


def backpropagate(root: Value, seed: float | Value = 1.0, create_graph: bool = False) -> dict[Value, float | Value]:
    """d root / d node * seed for every node of root's graph, by the chain rule.

    With create_graph=True the local derivatives are computed on Values, so every gradient is
    itself a Value wired into the graph (higher derivatives); otherwise they are floats.
    """
    grads: dict[Value, float | Value] = {root: seed}
    for node in reversed(topological_order(root)):  # root first: each gradient is complete when reached
        g = grads[node]
        for edge in edges(node):
            local = edge.local_value() if create_graph else edge.local()
            contribution = g * local  # the chain rule: upstream gradient times local derivative
            total = grads.get(edge.operand)
            grads[edge.operand] = contribution if total is None else total + contribution
    return grads


def backward(root: Value, gradient: float = 1.0) -> None:
    """Add d root / d node * gradient to `.grad` of every node of root's graph.

    All gradients are computed before any `.grad` changes, and an error or Ctrl-C at any point
    leaves every `.grad` as it was; calling it twice doubles every gradient exactly.
    """
    require_value(root, "backward")
    seed = finite_number(gradient, "backward: gradient")
    order = topological_order(root)
    before: list[float] = []
    _claim_slots()
    try:
        _fill_gradients(order, seed)
        before = [node.grad for node in order]
        for node in order:
            node.grad += node._g
        _release_slots()
    except BaseException:  # an error, or Ctrl-C at any line: put back every .grad already changed
        for node, value in zip(order, before):
            node.grad = value
        _release_slots()
        raise


def grad(output: Value, inputs: Value | Sequence[Value], create_graph: bool = False) -> list[Value]:
    """d output / d input for each input, as Values, leaving every `.grad` untouched.

    With create_graph=True the results are wired into the graph, so they can be differentiated
    again (second derivatives, Hessian-vector products).
    """
    require_value(output, "grad: output")
    one = hasattr(inputs, "_rule")  # a single Value rather than a sequence of them
    wanted = [cast("Value", inputs)] if one else list(cast("Sequence[Value]", inputs))
    for i, x in enumerate(wanted):
        require_value(x, f"grad: inputs[{i}]")
    if create_graph:
        grads = backpropagate(output, 1.0, create_graph=True)
        results = [grads.get(x, 0.0) for x in wanted]
    else:
        order = topological_order(output)
        _claim_slots()
        try:
            for x in wanted:
                x._g = None  # an input outside the graph keeps None: its gradient is 0
            _fill_gradients(order, 1.0)
            results = [0.0 if x._g is None else x._g for x in wanted]
        finally:
            _release_slots()
    leaf = type(output)  # Value: a number result (a constant gradient) becomes a new leaf
    return [r if isinstance(r, leaf) else leaf(cast(float, r)) for r in results]


def _fill_gradients(order: list[Value], seed: float) -> None:
    """Set each node's `_g` to d root / d node * seed with the generated loop; raise naming a failure.

    A gradient that is not finite would show in the sum of all of them (inf and nan survive
    every sum), so one sum checks them all.
    """
    for node in order:
        node._g = -0.0  # -0.0 + x is x exactly: the first contribution is kept as it is
    order[-1]._g = seed
    try:
        backpropagate_floats(order)
    except (ArithmeticError, ValueError) as error:
        raise _failed_derivative(order, error) from error
    total = 0.0
    try:
        for node in order:
            total += node._g
        finite = -_INF < total < _INF or all(-_INF < node._g < _INF for node in order)
    except TypeError:  # a complex number: a rule was given data outside its domain after recording
        finite = False
    if not finite:
        raise _failed_derivative(order, OverflowError("a gradient is not a finite number"))


def _failed_derivative(order: list[Value], cause: Exception) -> Exception:
    """The first node (from the root) whose upstream gradient times a local derivative fails
    or is not finite, named with its rule, the derivative's formula and the operands' values."""
    for node in reversed(order):
        g = node._g
        if not -_INF < g < _INF:  # finite contributions whose sum overflowed
            made_by = "a leaf" if node._rule is None else f"a {node._rule.name} node"
            return OverflowError(
                f"the gradient of {made_by} (data {node.data!r}), the sum of what its consumers pass "
                f"back, is {g!r}, not a finite number"
            )
        for edge in edges(node):
            try:
                product = g * edge.local()
            except (ArithmeticError, ValueError) as error:
                return error
            if not -_INF < product < _INF:
                at = ", ".join(f"{n} = {float(x)!r}" for n, x in (("a", edge.a), ("b", edge.b)) if x is not None)
                return OverflowError(
                    f"{edge.rule.name}: the gradient {g!r} times the local derivative d out / d "
                    f"{'ab'[edge.side]} = {edge.formula} = {edge.local()!r} at {at} is {product!r}, "
                    "not a finite number"
                )
    return cause
