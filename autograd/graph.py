"""The graph reader: the one place that knows how a node keeps its operands.

A Value made by an operation keeps its rule and its operands in two slots, ``_a`` and ``_b``:
each a Value or a plain-number constant (always a float), or, for a `dot` node, two tuples of
them. Everything that walks a graph (backward, grad, explain, the checkers, the drawings,
replay) reads it through three functions:

* `operands(node)`: every operand in order, constants included,
* `edges(node)`: each Value operand with its local derivative d node / d operand,
* `topological_order(root)`: every node of the graph, each after the nodes it was made from.

So a new kind of node needs a rule in rules.py and nothing here or in the tools.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple, Union

if TYPE_CHECKING:
    from .rules import Rule
    from .value import Value

__all__ = ["operands", "edges", "Edge", "topological_order", "require_value"]

Operand = Union["Value", float]


def operands(node: Value) -> tuple[Operand, ...]:
    """Every operand of node in order, Values and constants alike (() for a leaf).

    For a `dot` node: a_0, a_1, ..., then b_0, b_1, ...
    """
    rule = node._rule
    if rule is None:
        return ()
    if rule.variadic:
        return tuple(node._a) + tuple(node._b)
    return (node._a,) if rule.arity == 1 else (node._a, node._b)


class Edge(NamedTuple):
    """A Value operand of a node, and what the chain rule needs to pass a gradient into it."""

    node: Value  # the node computed from the operand
    operand: Value  # where the gradient goes
    position: int  # its index in operands(node): x * x has an edge at 0 and one at 1
    rule: Rule  # node's rule
    side: int  # which of the rule's derivatives applies: 0 for d/da, 1 for d/db
    a: Operand  # the operands that derivative reads (for dot, this operand's pair)
    b: Operand | None

    @property
    def formula(self) -> str:
        """The local derivative as rules.py writes it, in a, b and out."""
        return self.rule.derivatives[self.side]

    def local(self) -> float:
        """d node / d operand on floats, as `backward` computes it."""
        a, b = self.a, self.b
        args = (
            a if type(a) is float else a.data,  # type: ignore[union-attr]
            b if b is None or type(b) is float else b.data,  # type: ignore[union-attr]
            self.node.data,
        )
        try:
            local = self.rule.local_grads[self.side](*args)
        except (ArithmeticError, ValueError) as error:
            raise self.error(error, args) from error
        if isinstance(local, complex):  # pow of a negative base whose .data was changed after the fact
            raise self.error(ValueError(f"the result {local!r} is not a real number"), args)
        return float(local)

    def local_value(self) -> Value | float:
        """d node / d operand computed on Values: a graph of its own, for higher derivatives."""
        try:
            return self.rule.local_grads[self.side](self.a, self.b, self.node)  # type: ignore[no-any-return]
        except (ArithmeticError, ValueError) as error:
            raise self.error(error, (self.a, self.b, self.node)) from error

    def error(self, cause: Exception, args: tuple[object, ...]) -> Exception:
        """The error to raise when this local derivative cannot be computed: names rule, formula and values."""
        values = ", ".join(f"{n} = {_number(x)}" for n, x in zip(("a", "b"), args[: self.rule.arity]))
        message = (
            f"{self.rule.name}: the local derivative d out / d {'ab'[self.side]} = {self.formula} "
            f"cannot be computed at {values} ({cause})"
        )
        return type(cause)(message) if isinstance(cause, ArithmeticError) else ValueError(message)


def _number(x: object) -> str:
    return repr(x if type(x) is float else getattr(x, "data", x))


def edges(node: Value) -> list[Edge]:
    """Each Value operand of node with its rule's derivative, in the order backward applies them.

    Constants get no edge: no gradient flows into a number. A `dot` node gives its edges pair
    by pair (a_0, b_0, a_1, b_1, ...), each reading its own pair.
    """
    rule = node._rule
    if rule is None:
        return []
    if rule.variadic:
        n = len(node._a)
        pairs = [(a, b, i, n + i) for i, (a, b) in enumerate(zip(node._a, node._b))]
    else:
        pairs = [(node._a, node._b, 0, 1)]
    found = []
    for a, b, position_a, position_b in pairs:
        if type(a) is not float:
            found.append(Edge(node, a, position_a, rule, 0, a, b))
        if rule.arity == 2 and type(b) is not float:
            found.append(Edge(node, b, position_b, rule, 1, a, b))
    return found


def require_value(x: object, where: str) -> None:
    """Raise TypeError, naming `where`, unless x is a Value (every Value has a rule slot)."""
    if type(x) is float or not hasattr(x, "_rule"):
        raise TypeError(f"{where}: expected a Value, got {type(x).__name__}: {x!r}")


def topological_order(root: Value) -> list[Value]:
    """Every node of root's graph, each after all the nodes it was computed from (root last).

    An iterative depth-first search with its own `seen` set: no recursion (a chain a million
    operations deep is fine) and no marks left on the nodes. Operand a is visited before b.
    """
    require_value(root, "topological_order")
    order: list[Value] = []
    seen: set[Value] = set()
    stack: list[Value | None] = [root]
    push, pop, mark = stack.append, stack.pop, seen.add
    while stack:
        node = pop()
        if node is None:  # marker: every operand of the node below it is already in `order`
            order.append(pop())  # type: ignore[arg-type]
            continue
        if node in seen:
            continue
        mark(node)
        if node._rule is None:  # a leaf has no operands: it is done as soon as it is reached
            order.append(node)
            continue
        push(node)
        push(None)
        a, b = node._a, node._b
        if type(a) is tuple:  # dot: two tuples of operands, pushed last first
            for x in (*reversed(b), *reversed(a)):
                if type(x) is not float and x not in seen:
                    push(x)
            continue
        if b is not None and type(b) is not float and b not in seen:
            push(b)
        if type(a) is not float and a not in seen:
            push(a)
    return order
