"""Reverse-mode differentiation: order the graph, then apply each node's local derivatives in reverse."""

from __future__ import annotations

from collections.abc import Sequence

from .value import Number, Value, as_number

__all__ = ["topological_order", "backward", "grad"]


def topological_order(root: Value) -> list[Value]:
    """Every node of root's graph, each after all the nodes it was computed from (root last).

    Iterative depth-first search, so a chain a million operations deep needs no recursion.
    """
    if type(root) is not Value:
        raise TypeError(f"expected a Value, got {type(root).__name__}: {root!r}")
    order: list[Value] = []
    visited: set[Value] = set()
    stack: list[Value | None] = [root]
    while stack:
        node = stack.pop()
        if node is None:  # marker: all of the next node's inputs are already in `order`
            order.append(stack.pop())  # type: ignore[arg-type]
            continue
        if node in visited:
            continue
        visited.add(node)
        stack.append(node)
        stack.append(None)
        a, b = node._a, node._b
        if type(b) is Value and b not in visited:
            stack.append(b)
        if type(a) is Value and a not in visited:
            stack.append(a)
    return order


def _backpropagate(order: list[Value], seed: object, create_graph: bool) -> None:
    """Leave d(root)/d(node) in each node's `_g`, visiting nodes from the root back to the leaves.

    With create_graph the rules are evaluated on Values, so the gradients are themselves graphs.
    """
    for node in order:
        node._g = None
    order[-1]._g = seed
    for node in reversed(order):
        rule = node._rule
        if rule is None:  # a leaf: nothing further back
            continue
        g = node._g
        a, b = node._a, node._b
        if create_graph:
            args = (a, b, node)
        else:
            args = (
                a.data if type(a) is Value else a,
                b.data if type(b) is Value else b,
                node.data,
            )
        for operand, local_grad in zip((a, b), rule.local_grads):
            if type(operand) is not Value:  # a constant: no gradient to pass back
                continue
            contribution = g * local_grad(*args)  # the chain rule: upstream times local
            total = operand._g
            operand._g = contribution if total is None else total + contribution


def backward(root: Value, gradient: Number = 1.0) -> None:
    """Add d(root)/d(node) * gradient to `.grad` of every node in root's graph.

    Each call computes its own gradients first and only then adds them, so calling it
    twice doubles every gradient exactly, interior nodes included.
    """
    seed = as_number(gradient, "backward gradient")
    order = topological_order(root)
    _backpropagate(order, seed, create_graph=False)
    for node in order:
        node.grad += node._g
        node._g = None


def grad(
    output: Value,
    inputs: Value | Sequence[Value],
    create_graph: bool = False,
) -> list[Value]:
    """d(output)/d(input) for each input, leaving every `.grad` untouched.

    With create_graph=True the results are Values wired into the graph, so they can be
    differentiated again (second derivatives, Hessian-vector products).
    """
    if type(output) is not Value:
        raise TypeError(f"grad: output must be a Value, got {type(output).__name__}")
    wanted = [inputs] if type(inputs) is Value else list(inputs)  # type: ignore[arg-type]
    for i, x in enumerate(wanted):
        if type(x) is not Value:
            raise TypeError(f"grad: inputs[{i}] must be a Value, got {type(x).__name__}: {x!r}")
    order = topological_order(output)
    _backpropagate(order, 1.0, create_graph)
    in_graph = set(order)
    results = []
    for x in wanted:
        g = x._g if x in in_graph else 0.0  # an input the output does not depend on
        results.append(g if type(g) is Value else Value(g))
    for node in order:
        node._g = None
    return results
