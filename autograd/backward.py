"""Reverse-mode differentiation: order the graph, then apply each node's local derivatives in reverse."""

from __future__ import annotations

import re
from collections.abc import Sequence

from .rules import RULES, Rule, log
from .value import Number, Value, as_number

__all__ = ["topological_order", "backward", "grad"]

_INF = float("inf")


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
        for x in reversed(node.children):
            if x not in visited:
                stack.append(x)
    return order


def _collect(root: Value) -> tuple[list[Value], list[Value]]:
    """root's interior nodes in topological order (root last) and its leaves, each exactly once.

    The same depth-first search as `topological_order`, tuned for backward: a node's `_g`
    doubles as its visited mark (None = not reached yet; 0.0 = reached, its gradient starts
    at 0), and leaves go to their own list, so the reverse pass walks interior nodes only.
    """
    interior: list[Value] = []
    leaves: list[Value] = []
    stack: list[Value | None] = [root]
    push, pop = stack.append, stack.pop
    try:
        while stack:
            node = pop()
            if node is None:  # marker: every input of the node below it is already ordered
                interior.append(pop())  # type: ignore[arg-type]
                continue
            if node._g is not None:  # pushed twice before it was expanded: already done
                continue
            node._g = 0.0
            push(node)
            push(None)
            # Push the operands not reached yet (this runs once per edge, so it is unrolled).
            a, b = node._a, node._b
            if type(b) is Value and b._g is None:
                if b._rule is None:
                    b._g = 0.0
                    leaves.append(b)
                else:
                    push(b)
            if type(a) is Value:
                if a._g is None:
                    if a._rule is None:
                        a._g = 0.0
                        leaves.append(a)
                    else:
                        push(a)
            elif type(a) is tuple:  # a dot node: its operands are two tuples
                for x in (*b, *a):
                    if type(x) is Value and x._g is None:
                        if x._rule is None:
                            x._g = 0.0
                            leaves.append(x)
                        else:
                            push(x)
    except BaseException:  # e.g. Ctrl-C in a huge graph: leave no visited marks behind
        _clear(interior, leaves, [x for x in stack if x is not None])
        raise
    return interior, leaves


def _clear(*lists: list[Value]) -> None:
    for nodes in lists:
        for node in nodes:
            node._g = None


# ---------------------------------------------------------------------------------------------
# The reverse pass on floats, generated from the table. For each rule, its derivative
# expressions (rules.py) are pasted into one branch of a loop, `operand._g += g * (derivative)`,
# specialised for Value and constant operands. `SOURCE` holds the text: print(SOURCE).
# ---------------------------------------------------------------------------------------------


_NAMES_AB = re.compile(r"\b(a|b)\b")


_RECIPROCAL = re.compile(r"1\.0 / (\w+)")


def _add_to(operand: str, derivative: str) -> str:
    """`operand._g += g * derivative`, folding the common derivatives 1, -1 and 1 / x.

    g * (1 / x) is written g / x: one rounding instead of two, and no overflow to inf when x
    is tiny but g is 0 (d/dx 0 * log x is 0, not nan).
    """
    if derivative == "1.0":
        return f"{operand}._g += g"
    if derivative == "-1.0":
        return f"{operand}._g -= g"
    if reciprocal := _RECIPROCAL.fullmatch(derivative):
        return f"{operand}._g += g / {reciprocal.group(1)}"
    return f"{operand}._g += g * ({derivative})"


def _reads(sources: str, derivatives: str) -> list[str]:
    """`a = ...` and `b = ...` from `sources` ("A.data B"), for the names `derivatives` use.

    Multiplying by a constant needs only b, so that branch does not read A.data.
    """
    pairs = zip("ab", sources.split())
    return [f"{name} = {source}" for name, source in pairs if re.search(rf"\b{name}\b", derivatives)]


def _branch(rule: Rule) -> list[str]:
    """The lines that pass g back through one node of this rule (indented for the loop)."""
    uses_out = any(re.search(r"\bout\b", d) for d in rule.derivatives)
    lines = ["out = node.data"] if uses_out else []
    if rule.arity == 1:  # a unary operation always has a Value operand (self)
        da = rule.derivative_source(0, "a", out="out")
        return lines + ["A = node._a", *_reads("A.data", da), _add_to("A", da)]
    da = rule.derivative_source(0, "a", "b", "out")
    db = rule.derivative_source(1, "a", "b", "out")
    if not _NAMES_AB.search(da + " " + db):  # derivatives are constants (add, sub): no data needed
        pair = ["if type(A) is Value:", "    " + _add_to("A", da)]
        pair += ["if type(B) is Value:", "    " + _add_to("B", db)]
    else:
        pair = [
            "if type(A) is Value:",
            "    if type(B) is Value:",
            *["        " + x for x in _reads("A.data B.data", da + " " + db)],
            "        " + _add_to("A", da),
            "        " + _add_to("B", db),
            "    else:  # B is a constant: no gradient to pass to it",
            *["        " + x for x in _reads("A.data B", da)],
            "        " + _add_to("A", da),
            "else:  # A is a constant",
            *["    " + x for x in _reads("A B.data", db)],
            "    " + _add_to("B", db),
        ]
    if rule.variadic:  # dot: the same for every pair (a_i, b_i)
        return lines + ["for A, B in zip(node._a, node._b):"] + ["    " + x for x in pair]
    return lines + ["A, B = node._a, node._b"] + pair


_HOT_FIRST = ("mul", "add", "relu")  # tested first: the operations of a neural network
_ORDER = [RULES[n] for n in _HOT_FIRST] + [r for r in RULES.values() if r.name not in _HOT_FIRST]


_source = [
    "def backpropagate(interior):",
    "    for node in reversed(interior):  # root first; a node's g is complete when it is reached",
    "        g = node._g",
    "        rule = node._rule",
]
for _i, _rule in enumerate(_ORDER):
    _source.append(f"        {'if' if _i == 0 else 'elif'} rule is RULE_{_rule.name}:  # {_rule.derivatives}")
    _source += ["            " + line for line in _branch(_rule)]
_source += ["        else:", "            raise NotImplementedError(f'no derivative rule for {rule.name}')"]
SOURCE = "\n".join(_source) + "\n"
_namespace: dict = {"Value": Value, "log": log, **{f"RULE_{r.name}": r for r in RULES.values()}}
exec(compile(SOURCE, "<backpropagate, generated from rules.py>", "exec"), _namespace)
_backpropagate_floats = _namespace["backpropagate"]


def _reverse_pass_on_floats(interior: list[Value], leaves: list[Value]) -> None:
    """Run the generated reverse pass; if a local derivative fails, say which one and where.

    A gradient that is not finite reaches at least one leaf (inf and nan survive every
    product and sum), so checking the leaves' total is enough to never return inf or nan.
    """
    try:
        _backpropagate_floats(interior)
    except ArithmeticError as error:  # ZeroDivisionError, OverflowError from a derivative
        raise _failed_derivative(interior, type(error)) from error
    total = 0.0
    for node in leaves:
        total += node._g
    if not -_INF < total < _INF and any(not -_INF < n._g < _INF for n in leaves):
        raise _failed_derivative(interior, OverflowError)


def _failed_derivative(interior: list[Value], kind: type[ArithmeticError]) -> ArithmeticError:
    """The error to raise: the first node (from the root) whose gradient times a local derivative
    fails or is not finite, with its rule, the derivative's formula and the operands' values."""
    for node in reversed(interior):
        rule, g = node._rule, node._g
        pairs = zip(node._a, node._b) if rule.variadic else [(node._a, node._b)]  # type: ignore
        for a, b in pairs:
            values = [x.data if type(x) is Value else x for x in (a, b)]
            for i, operand in enumerate((a, b)[: rule.arity]):
                if type(operand) is not Value:
                    continue
                try:
                    local = rule.local_grads[i](values[0], values[1], node.data)
                    bad = not -_INF < g * local < _INF
                except ArithmeticError:
                    local, bad = "undefined", True
                if bad:
                    at = ", ".join(f"{n} = {v!r}" for n, v in zip("ab", values[: rule.arity]))
                    return kind(
                        f"{rule.name}: the local derivative d out / d {'ab'[i]} = "
                        f"{rule.derivatives[i]} is {local} at {at} (upstream gradient {g!r}); "
                        "the gradient is not a finite number"
                    )
    return kind("backward: a gradient is not a finite number")


def _backpropagate_values(interior: list[Value], leaves: list[Value], seed: object) -> None:
    """The reverse pass with create_graph: the rules run on Values, so gradients are graphs.

    Slower and generic: each node's `local_grads` from the table are called with its operands.
    """
    _clear(interior, leaves)  # here `_g` starts as None, so no `0.0 + ...` node is recorded
    interior[-1]._g = seed
    for node in reversed(interior):
        rule, g = node._rule, node._g
        pairs = zip(node._a, node._b) if rule.variadic else [(node._a, node._b)]  # type: ignore
        for a, b in pairs:
            for operand, local_grad in zip((a, b), rule.local_grads):
                if type(operand) is not Value:  # a constant: no gradient to pass back
                    continue
                contribution = g * local_grad(a, b, node)  # the chain rule: upstream times local
                total = operand._g
                operand._g = contribution if total is None else total + contribution


def backward(root: Value, gradient: Number = 1.0) -> None:
    """Add d(root)/d(node) * gradient to `.grad` of every node in root's graph.

    Each call computes its own gradients first and only then adds them, so calling it
    twice doubles every gradient exactly, interior nodes included.
    """
    seed = as_number(gradient, "backward gradient")
    if type(root) is not Value:
        raise TypeError(f"expected a Value, got {type(root).__name__}: {root!r}")
    if root._rule is None:  # a leaf: d(root)/d(root) = 1
        root.grad += seed
        return
    interior, leaves = _collect(root)
    try:
        root._g = seed
        _reverse_pass_on_floats(interior, leaves)
    except BaseException:
        _clear(interior, leaves)  # nothing was added to any .grad
        raise
    for node in interior:
        node.grad += node._g
        node._g = None
    for node in leaves:
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
    if output._rule is None:  # a leaf: d(output)/d(x) is 1 for x = output, else 0
        return [Value(1.0 if x is output else 0.0) for x in wanted]
    interior, leaves = _collect(output)
    try:
        if create_graph:
            _backpropagate_values(interior, leaves, 1.0)
        else:
            output._g = 1.0
            _reverse_pass_on_floats(interior, leaves)
        results = []
        for x in wanted:
            g = 0.0 if x._g is None else x._g  # None: an input the output does not depend on
            results.append(g if type(g) is Value else Value(g))
    finally:
        _clear(interior, leaves)
    return results
