"""Replay: record a graph once, then rerun its forward and backward on new numbers, building no nodes.

A training loop builds the same graph every step; only the numbers change. `record` runs your
function once, reads the graph it built, and writes it out as straight-line Python using the
rule table's formulas and derivative expressions (rules.py). For ``relu(w * x + b)``, recorded
with ``record(lambda x: (w * x + b).relu(), [2.0])``, `tape.source` is::

    def replay(xs, ps):
        x0, = xs
        p0, p1, = ps                  # the parameters w, b: their current .data
        v1 = (p0 * x0) + p1           # mul then add: a * b, a + b (w * x is used once: folded in)
        v2 = v1 if v1 > 0.0 else 0.0  # relu: a if a > 0.0 else 0.0
        seed = yield v2               # forward ends here; backward resumes with the seed
        groot = seed
        gv1 = groot * (1.0 if v1 > 0.0 else 0.0)   # relu's derivative
        gp0 = gv1 * (x0)              # mul's derivatives: b, a (add passes gv1 through unchanged)
        gx0 = gv1 * (p0)
        yield (gx0, ), (gp0, gv1, )   # d/dx; d/dw, d/db

The code is one generator: `Tape.forward` runs it up to the output and `Tape.backward` resumes
it, so the forward values wait in its local variables. Print `tape.source` to read all of it.

What replay assumes
-------------------
* The same operations every step. Python control flow that looked at values while recording
  (``if x > 0:``, a loop over ``range(int(x.data))``, a clamp like `nn.bce`'s) is frozen: the
  branch taken at record time is the one replayed. So are numbers computed from ``.data``
  in Python, which entered the graph as constants.
* Branches inside a rule are re-evaluated on the new numbers: relu's kink (``a > 0.0``), the
  sign tests inside ``sigmoid``, and every derivative expression.
* Leaves are of two kinds. *Inputs* are the numbers passed to `record` (new ones go to
  `Tape.forward`). *Parameters* are every other leaf Value the function used, such as a model's
  weights: `forward` reads their current ``.data`` and `backward` adds to their ``.grad``, as
  `Value.backward` would. Interior nodes get no ``.grad`` (there are none).

What replay checks: the number of inputs and that each is a finite real number; that every
parameter still holds a finite float; that the output and the gradients are finite (an overflow
on the way raises OverflowError, as the engine does); and the domain of every rule with a
domain (div, pow, log, ...), whose forward function it calls.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Generator, Sequence
from typing import Any

from ._generated.formulas import log
from .graph import edges, operands, topological_order
from .numbers import finite_number
from .rules import RULES, rename
from .value import Number, Value

__all__ = ["record", "Tape"]

_INF = math.inf


def record(fn: Callable[..., Value], inputs: Sequence[Number] = ()) -> Tape:
    """Run ``fn(*leaves)`` once, with one new leaf Value per input, and return its `Tape`.

    >>> tape = record(lambda x, y: (x * y + y).relu(), [2.0, 3.0])
    >>> tape.forward([1.0, 4.0])
    8.0
    >>> tape.backward()
    [4.0, 2.0]
    """
    if not callable(fn):
        raise TypeError(f"record: fn must be callable, got {type(fn).__name__}")
    if isinstance(inputs, (Value, int, float, str)) or not hasattr(inputs, "__iter__"):
        raise TypeError(
            f"record: inputs must be a sequence of numbers, e.g. [1.5, -2.0], got {type(inputs).__name__}"
        )
    leaves = [
        Value(x.data if isinstance(x, Value) else finite_number(x, f"record: inputs[{i}]"), f"x{i}")
        for i, x in enumerate(inputs)
    ]
    out = fn(*leaves)
    if type(out) is not Value:
        raise TypeError(f"record: fn must return a Value, got {type(out).__name__}: {out!r}")
    return Tape(out, leaves)


class Tape:
    """A recorded graph, compiled into Python source: replay its forward and backward passes."""

    def __init__(self, output: Value, inputs: list[Value]) -> None:
        order = topological_order(output)
        input_ids = {id(x): i for i, x in enumerate(inputs)}
        #: Leaf Values that are not inputs (e.g. weights): read at forward, .grad added at backward.
        self.parameters: list[Value] = [v for v in order if v.rule is None and id(v) not in input_ids]
        self.n_inputs = len(inputs)
        #: How many operations one replay runs (interior nodes of the recorded graph).
        self.size = sum(1 for v in order if v.rule is not None)
        #: The generated Python source of the replay generator.
        self.source = _generate(order, inputs, self.parameters)
        namespace: dict[str, Any] = {"log": log, "_INF": _INF}
        namespace.update({f"F_{r.name}": r.forward for r in RULES.values()})
        code = compile(self.source, f"<replay of a {self.size}-operation graph>", "exec")
        exec(code, namespace)
        self._run: Callable[..., Generator[Any, Any, Any]] = namespace["replay"]
        self._pending: Generator[Any, Any, Any] | None = None

    def forward(self, inputs: Sequence[Number] = ()) -> float:
        """The output for these inputs and the parameters' current `.data`, as a float."""
        sized = hasattr(inputs, "__len__") and not isinstance(inputs, (Value, str))
        if not sized or len(inputs) != self.n_inputs:
            got = len(inputs) if sized else f"a {type(inputs).__name__}"
            raise ValueError(
                f"replay: the graph was recorded with {self.n_inputs} inputs, got {got} "
                "(pass a sequence of numbers, e.g. [1.5, -2.0])"
            )
        xs = [finite_number(x, f"replay: inputs[{i}]") for i, x in enumerate(inputs)]
        ps = [p.data for p in self.parameters]
        for i, d in enumerate(ps):
            if type(d) is not float or not -_INF < d < _INF:
                raise ValueError(f"replay: parameter {i} ({self.parameters[i]!r}) must hold a finite float")
        run = self._run(xs, ps)
        out: float = next(run)
        if not -_INF < out < _INF:
            raise OverflowError(f"replay: the output overflowed a float ({out!r})")
        self._pending = run
        return out

    def backward(self, gradient: Number = 1.0) -> list[float]:
        """Gradients of the last forward's output: returns them for the inputs and ADDS them to
        every parameter's `.grad` (as `Value.backward` does). Once per `forward`."""
        seed = finite_number(gradient, "replay: backward gradient")
        run, self._pending = self._pending, None
        if run is None:
            raise RuntimeError("replay: call forward() before backward() (once per forward)")
        input_grads, param_grads = run.send(seed)
        run.close()
        if not all(-_INF < g < _INF for g in (*input_grads, *param_grads)):
            raise OverflowError("replay: a gradient overflowed a float")
        for p, g in zip(self.parameters, param_grads):
            p.grad += g
        return list(input_grads)

    def __repr__(self) -> str:
        return f"Tape({self.size} operations, {self.n_inputs} inputs, {len(self.parameters)} parameters)"


_MAX_DEPTH = 40  # at most this many operations folded into one expression (the compiler nests)
_USES = {name: re.compile(rf"\b{name}\b") for name in ("a", "b", "out")}


def _generate(order: list[Value], inputs: list[Value], parameters: list[Value]) -> str:
    """The source of ``replay(xs, ps)``: forward lines, ``yield``, then backward lines.

    Two savings keep it short, and neither changes a single rounding: a value used once and
    needed by no derivative is not stored but written into its user's expression, so a
    neuron's sum becomes one line; and a gradient that is just another one (through an add)
    is not copied but renamed. The backward lines apply `graph.edges` in the order backward
    does, each as g * (the rule's derivative), so the gradients have backward's bits.
    """
    root = order[-1]
    interior = [v for v in order if v.rule is not None]
    # Who uses each value, and which values the derivative expressions will read.
    uses: dict[Value, int] = {}
    user: dict[Value, tuple[Value, str]] = {}
    needed = {root}
    for node in interior:
        for edge in edges(node):
            uses[edge.operand] = uses.get(edge.operand, 0) + 1
            user[edge.operand] = (node, "ab"[edge.side])
            for x, role in ((edge.a, "a"), (edge.b, "b"), (node, "out")):
                if type(x) is Value and _USES[role].search(edge.formula):
                    needed.add(x)

    names: dict[Value, str] = {x: f"x{i}" for i, x in enumerate(inputs)}
    names.update({p: f"p{i}" for i, p in enumerate(parameters)})
    variables = dict(names)  # a value's own identifier, even when its expression is folded
    depth: dict[Value, int] = {}

    def name(operand: object) -> str:  # a value's variable or folded expression, or a literal
        return names[operand] if type(operand) is Value else f"({operand!r})"

    forward = ["def replay(xs, ps):"]
    if inputs:
        forward.append(f"    {', '.join(f'x{i}' for i in range(len(inputs)))}, = xs")
    if parameters:
        forward.append(f"    {', '.join(f'p{i}' for i in range(len(parameters)))}, = ps")
    for k, node in enumerate(interior):
        rule = node.rule
        assert rule is not None
        ops = operands(node)
        if rule.variadic:  # dot: -0.0 + a0 * b0 + a1 * b1 + ..., summed left to right like the rule
            n = len(ops) // 2
            expression = " + ".join(["-0.0"] + [f"{name(a)} * {name(b)}" for a, b in zip(ops[:n], ops[n:])])
        elif rule.formula:  # the rule's formula on floats, inlined
            expression = rename(rule.formula, a=name(ops[0]), b=name(ops[-1]))
        else:  # the rule's forward function, which checks its domain
            expression = f"F_{rule.name}({', '.join(name(x) for x in ops)})"
        variables[node] = f"v{k}"
        depth[node] = 1 + max((depth.get(x, 0) for x in ops if type(x) is Value), default=0)
        consumer, role = user.get(node, (None, ""))
        if (
            node not in needed
            and uses.get(node) == 1
            and depth[node] < _MAX_DEPTH
            and consumer is not None
            and consumer.rule is not None
            and not (consumer.rule.formula and len(_USES[role].findall(consumer.rule.formula)) > 1)
        ):
            names[node] = f"({expression})"  # folded into its one user's line
        else:
            names[node] = f"v{k}"
            depth[node] = 0
            forward.append(f"    v{k} = {expression}")
    forward.append(f"    seed = yield {names[root]}")

    # Backward: each node's gradient is complete once every node after it has passed its share.
    grads = {root: "groot"}
    backward = ["    groot = seed"]

    def add(operand: Value, term: str, is_copy: bool) -> None:
        if operand in grads:
            backward.append(f"    {grads[operand]} += {term}")
        elif is_copy and uses[operand] == 1:  # its only gradient is another one: rename
            grads[operand] = term
        else:
            grads[operand] = target = "g" + variables[operand]
            backward.append(f"    {target} = {term}")

    for node in reversed(interior):
        g = grads[node]
        for edge in edges(node):
            d = rename(edge.formula, a=name(edge.a), b=name(edge.b), out=names[node])
            term = g if d == "1.0" else f"-{g}" if d == "-1.0" else f"{g} * ({d})"
            add(edge.operand, term, d == "1.0")

    def results(leaves: list[Value]) -> str:
        return "".join(f"{grads.get(x, '0.0')}, " for x in leaves)

    backward.append(f"    yield ({results(inputs)}), ({results(parameters)})")
    return "\n".join(forward + backward) + "\n"
