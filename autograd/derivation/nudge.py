"""The recorded graph at other leaf values: forward values and gradients in dicts, nodes untouched.

`check_derivation` checks a hand formula at points near the one the graph was built at, so that
a term that happens to vanish there (a factor 1 - y at y = 1) cannot hide a mistake. A point is
a new value for some leaves. From it, `at_point` recomputes

* every node's value, in topological order, with the rule table's forwards (so the domain
  checks are the engine's own: log of a negative number raises as it would in `Value.log`),
* every gradient d root / d node, with the reverse loop of `backward.backpropagate`, reading
  the local derivatives (`rule.local_grads`, as `graph.Edge.local` does) at the new values.

Everything lives in the dicts it returns: no node's `.data`, `.grad` or scratch slot is written.
The graph is replayed as it was recorded: a Python ``if`` taken while it was built is not taken
again, and a plain number in it stays that number.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence

from ..graph import Edge, edges, operands
from ..value import Value

__all__ = ["at_point", "local_at", "nudged_leaves"]


def nudged_leaves(leaves: Sequence[Value], rng: random.Random, size: float) -> dict[Value, float]:
    """A new value for each leaf: moved up or down (even odds) by size * (|x| + 0.1) times a
    uniform factor in [0.5, 1], so 0.1 moves a leaf by 5-10 % of its size plus 0.005-0.01.

    Never by less than half the step, so the new point is really another point; the same
    generator state gives the same values.
    """
    moved = {}
    for leaf in leaves:
        x = leaf.data
        step = size * (abs(x) + 0.1) * rng.uniform(0.5, 1.0)
        moved[leaf] = x + step if rng.random() < 0.5 else x - step
    return moved


def at_point(order: Sequence[Value], leaves: Mapping[Value, float]) -> tuple[dict[Value, float], dict[Value, float]]:
    """Every node's value and every d root / d node when the given leaves take the given values.

    order is `topological_order(root)`; leaves missing from `leaves` keep their `.data`. Raises
    ArithmeticError or ValueError (naming the operation) when the point is outside an
    operation's domain or a value or gradient is not a finite real number.
    """
    values: dict[Value, float] = {}
    for node in order:
        rule = node.rule
        if rule is None:
            values[node] = leaves.get(node, node.data)
            continue
        ops = [x if type(x) is float else values[x] for x in operands(node)]  # type: ignore[index]
        if rule.variadic:  # dot: two tuples, a_0, a_1, ... and b_0, b_1, ...
            half = len(ops) // 2
            result: object = rule.forward(tuple(ops[:half]), tuple(ops[half:]))
        else:
            result = rule.forward(*ops)
        values[node] = _real(result, f"{rule.name}: the value")
    return values, _gradients(order, values)


def local_at(edge: Edge, values: Mapping[Value, float]) -> float:
    """d node / d operand of one edge, with every Value read from `values` instead of `.data`."""
    a = edge.a if type(edge.a) is float else values[edge.a]  # type: ignore[index]
    b = edge.b if edge.b is None or type(edge.b) is float else values[edge.b]  # type: ignore[index]
    local = edge.rule.local_grads[edge.side](a, b, values[edge.node])
    return _real(local, f"{edge.rule.name}: the local derivative {edge.formula}")


def _gradients(order: Sequence[Value], values: Mapping[Value, float]) -> dict[Value, float]:
    """backward.backpropagate's loop, on floats, at `values`: root first, each gradient complete
    when reached, each operand receiving upstream gradient times local derivative."""
    grads: dict[Value, float] = {order[-1]: 1.0}
    for node in reversed(order):
        g = grads[node]  # every node of the order feeds the root, so something reached it
        for edge in edges(node):
            contribution = g * local_at(edge, values)
            total = grads.get(edge.operand)
            grads[edge.operand] = contribution if total is None else total + contribution
    for node, g in grads.items():
        if not math.isfinite(g):
            raise OverflowError(f"the gradient of a node (data {values[node]!r}) is {g!r}, not a finite number")
    return grads


def _real(x: object, what: str) -> float:
    """x as a finite float, or the error saying what it was instead."""
    if isinstance(x, complex):
        raise ValueError(f"{what} is {x!r}, not a real number")
    number = float(x)  # type: ignore[arg-type]
    if not math.isfinite(number):
        raise OverflowError(f"{what} is {number!r}, not a finite number")
    return number
