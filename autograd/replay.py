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

It also checks, at every `forward`, that the parameters are still where `fn` found them. A tape
keeps the parameter *objects* it recorded, so replacing one (``neuron.w[0] = Value(2.0)``,
``w = Value(3.0)`` for a global ``w``, loading a new model into the same name) would otherwise
go unnoticed. `record` notes where `fn` reads its parameters from: its closure variables and
the globals it names, the attributes of a bound method's object, and one level inside them
(Modules through ``parameters()``, lists and tuples of Values or Modules). `forward` raises
RuntimeError, naming the place and the parameter, when any of them holds other objects.
A parameter `fn` reaches some other way is not watched: record again after changing a model.

Threads: each thread's `forward` is paired with that thread's `backward`, and adding to the
parameters' ``.grad`` takes turns with `Value.backward` in other threads (see backward.py), so
threads may share a tape. An error or Ctrl-C inside `backward` leaves every ``.grad`` as it was.

Size: the code is compiled in parts of at most a few thousand lines each, passing the values
that cross a part's boundary in one list, so recording time and memory grow linearly with the
graph: on the project's test machine a 150,000-operation chain records in 3 s and 0.2 GB, a
1.5-million-operation one in 37 s and 1.6 GB. The parts cost a function call each per replay.
"""

from __future__ import annotations

import math
import re
import threading
import types
from collections.abc import Callable, Generator, Mapping, Sequence, Set
from functools import partial
from typing import Any, NamedTuple

from ._generated.formulas import HELPERS
from .backward import _claim_slots, _release_slots
from .extend import RuntimeRule
from .grad_mode import is_grad_enabled
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
    if not is_grad_enabled():  # nn modules would return leaves: the tape would record no model
        raise RuntimeError("record: called inside no_grad(), where models record no graph; record outside it")
    if not _is_sequence(inputs):
        raise TypeError(f"record: inputs must be a sequence of numbers, e.g. [1.5, -2.0], got {type(inputs).__name__}")
    leaves = [
        Value(x.data if isinstance(x, Value) else finite_number(x, f"record: inputs[{i}]"), f"x{i}")
        for i, x in enumerate(inputs)
    ]
    out = fn(*leaves)
    if type(out) is not Value:
        raise TypeError(f"record: fn must return a Value, got {type(out).__name__}: {out!r}")
    return Tape(out, leaves, fn)


def _is_sequence(x: object) -> bool:
    """A list, tuple or array of numbers; not a dict (whose keys would be taken), set, str or Value."""
    if isinstance(x, (Value, str, bytes, Mapping, Set)):
        return False
    return hasattr(x, "__len__") and hasattr(x, "__getitem__")


class Tape:
    """A recorded graph, compiled into Python source: replay its forward and backward passes."""

    def __init__(self, output: Value, inputs: list[Value], fn: Callable[..., Value] | None = None) -> None:
        order = topological_order(output)
        input_ids = {id(x): i for i, x in enumerate(inputs)}
        #: Leaf Values that are not inputs (e.g. weights): read at forward, .grad added at backward.
        self.parameters: list[Value] = [v for v in order if v.rule is None and id(v) not in input_ids]
        self.n_inputs = len(inputs)
        #: How many operations one replay runs (interior nodes of the recorded graph).
        self.size = sum(1 for v in order if v.rule is not None)
        program = _generate(order, inputs, self.parameters)
        main, parts = _split(program, _PART_LINES)
        #: The generated Python source of the replay generator (and of its parts, for big graphs).
        self.source = "\n".join([main, *(text for _, text in parts)])
        namespace: dict[str, Any] = {**HELPERS, "_INF": _INF, "FORWARD": [], "BACKWARD": []}  # log, sin, ...
        namespace.update({f"F_{r.name}": r.forward for r in RULES.values()})
        namespace.update(_runtime_names(order))  # what autograd.primitive operations call
        filename = f"<replay of a {self.size}-operation graph>"
        self._first_lines = {filename: 0}  # where each compiled piece starts in self.source
        line = main.count("\n") + 1
        for name, text in parts:  # compiled one part at a time, so the compiler's memory stays bounded
            part_filename = f"<replay {name} of a {self.size}-operation graph>"
            exec(compile(text, part_filename, "exec"), namespace)
            namespace[name.split("_")[0].upper()].append(namespace[name])
            self._first_lines[part_filename] = line
            line += text.count("\n") + 1
        exec(compile(main, filename, "exec"), namespace)
        self._run: Callable[..., Generator[Any, Any, Any]] = namespace["replay"]
        self._pending: dict[int, Generator[Any, Any, Any]] = {}  # each thread's forward, awaiting backward
        self._homes = _find_homes(fn, self.parameters) if fn is not None else []

    def forward(self, inputs: Sequence[Number] = ()) -> float:
        """The output for these inputs and the parameters' current `.data`, as a float."""
        if not _is_sequence(inputs) or len(inputs) != self.n_inputs:
            got = len(inputs) if _is_sequence(inputs) else f"a {type(inputs).__name__}"
            raise ValueError(
                f"replay: the graph was recorded with {self.n_inputs} inputs, got {got} "
                "(pass a sequence of numbers, e.g. [1.5, -2.0])"
            )
        xs = [finite_number(inputs[i], f"replay: inputs[{i}]") for i in range(self.n_inputs)]
        for home in self._homes:
            home.check(self.parameters)
        ps = [p.data for p in self.parameters]
        for i, d in enumerate(ps):
            if type(d) is not float or not -_INF < d < _INF:
                raise ValueError(f"replay: parameter {i} ({self.parameters[i]!r}) must hold a finite float")
        run = self._run(xs, ps)
        out: float = next(run)
        if not -_INF < out < _INF:
            raise OverflowError(f"replay: the output overflowed a float ({out!r})")
        if len(self._pending) > 64:  # forwards never followed by a backward, in ended threads
            alive = {t.ident for t in threading.enumerate()}
            for ident in [i for i in self._pending if i not in alive]:
                self._pending.pop(ident, None)
        self._pending[threading.get_ident()] = run
        return out

    def backward(self, gradient: Number = 1.0) -> list[float]:
        """Gradients of this thread's last forward's output: returns them for the inputs and ADDS
        them to every parameter's `.grad` (as `Value.backward` does). Once per `forward`."""
        seed = finite_number(gradient, "replay: backward gradient")
        run = self._pending.pop(threading.get_ident(), None)
        if run is None:
            raise RuntimeError("replay: call forward() before backward() (once per forward)")
        try:
            input_grads, param_grads = run.send(seed)
        except (ArithmeticError, ValueError) as e:  # a derivative undefined here (pow's at 0, ...)
            raise type(e)(f"replay: {self._failing_line(e)}: {e}") from None
        run.close()
        if not all(-_INF < g < _INF for g in (*input_grads, *param_grads)):
            raise OverflowError("replay: a gradient overflowed a float")
        parameters, before = self.parameters, []
        _claim_slots()  # one writer of .grad at a time, with Value.backward in other threads too
        try:
            before = [p.grad for p in parameters]
            for p, g in zip(parameters, param_grads):
                p.grad += g
            _release_slots()
            return list(input_grads)
        except BaseException:  # an error, or Ctrl-C at any line: put back every .grad changed
            for p, value in zip(parameters, before):
                p.grad = value
            _release_slots()
            raise

    def _failing_line(self, error: BaseException) -> str:
        """Which rule's derivative raised, and the generated line it was on."""
        frames = []
        tb = error.__traceback__
        while tb is not None:
            frames.append(tb)
            tb = tb.tb_next
        for frame in reversed(frames):
            first = self._first_lines.get(frame.tb_frame.f_code.co_filename)
            if first is not None:
                line = self.source.split("\n", first + frame.tb_lineno)[first + frame.tb_lineno - 1].strip()
                rule = line.rpartition("  # ")[2] if "  # " in line else "a rule"
                return f"{rule}'s derivative failed in `{line}`"
        return "a derivative failed"

    def __repr__(self) -> str:
        return f"Tape({self.size} operations, {self.n_inputs} inputs, {len(self.parameters)} parameters)"


# -- where fn finds its parameters: watched, so a replaced parameter is caught ------------------


class _Home(NamedTuple):
    """A place fn read parameters from (a closure variable, a global, an attribute) and what
    it held at record time: a Value, a list or tuple of them, or a Module's parameters()."""

    where: str
    read: Callable[[], object]
    held: list[Value]
    ids: list[int]  # id() of each held Value, compared at every forward

    def check(self, parameters: list[Value]) -> None:
        """Raise RuntimeError unless the place still holds the same objects, in the same order."""
        try:
            obj = self.read()
            if type(obj) is Value:  # the common shapes first, compared without building Values lists
                same = [id(obj)] == self.ids
            elif type(obj) is list and all(type(v) is Value for v in obj[:1]):
                same = list(map(id, obj)) == self.ids or list(map(id, _values_in(obj))) == self.ids
            elif _is_module(obj):
                same = list(map(id, obj.parameters())) == self.ids  # type: ignore[attr-defined]
            else:
                same = list(map(id, _values_in(obj))) == self.ids
            if same:
                return
            now = _values_in(obj)
        except Exception as e:  # noqa: BLE001 (a property that raises, a cell emptied by del)
            raise RuntimeError(
                f"replay: {self.where}, which held parameters at record time, can no longer be read ({e!r}); "
                "record again"
            ) from None
        gone = set(self.ids) - set(map(id, now))
        lost = [(i, p) for i, p in enumerate(parameters) if id(p) in gone]
        what = (
            f"parameter {lost[0][0]} ({lost[0][1]!r}) was replaced or removed"
            if lost
            else "holds different parameters than at record time"
        )
        raise RuntimeError(
            f"replay: {self.where}: {what} after record, so the tape would compute with objects the "
            "model no longer uses; record again after changing a model's parameters"
        )


def _values_in(obj: object, depth: int = 0) -> list[Value]:
    """The Values an object holds as parameters: itself, a Module's parameters(), or those of
    the items of a list or tuple (one level deep)."""
    if type(obj) is Value:
        return [obj]
    if isinstance(obj, (list, tuple)) and depth < 2:
        found: list[Value] = []
        for item in obj:
            if type(item) is Value or isinstance(item, (list, tuple)) or _is_module(item):
                found += _values_in(item, depth + 1)
        return found
    if _is_module(obj):
        held = obj.parameters()  # type: ignore[attr-defined]
        if isinstance(held, list) and all(type(v) is Value for v in held):
            return held
    return []


def _is_module(obj: object) -> bool:
    return (
        not isinstance(obj, type)
        and callable(getattr(type(obj), "parameters", None))
        and callable(getattr(type(obj), "named_parameters", None))
    )


def _fixed(obj: object) -> Callable[[], object]:
    return lambda: obj


def _names_read(code: types.CodeType) -> set[str]:
    """Global and attribute names a function's code (and the lambdas and comprehensions in it) reads."""
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _names_read(const)
    return names


def _find_homes(fn: Callable[..., Value], parameters: list[Value]) -> list[_Home]:
    """Every place fn reads that held one of the tape's parameters at record time."""
    wanted = {id(p) for p in parameters}
    homes: list[_Home] = []
    seen: set[int] = set()

    def consider(where: str, read: Callable[[], object]) -> None:
        try:
            obj = read()
        except Exception:  # noqa: BLE001 (an empty closure cell, a failing property): nothing held
            return
        if id(obj) in seen:
            return
        seen.add(id(obj))
        if isinstance(obj, (types.FunctionType, types.MethodType)):
            visit(obj, where)
            return
        held = _values_in(obj)
        if any(id(v) in wanted for v in held):
            homes.append(_Home(where, read, held, list(map(id, held))))

    def visit(f: object, where: str) -> None:
        if isinstance(f, types.MethodType):
            owner = f.__self__
            consider(f"{where}'s object", _fixed(owner))
            attributes = getattr(owner, "__dict__", {})
            func = f.__func__
            for name in sorted(_names_read(func.__code__) & set(attributes)):
                consider(f"attribute {name!r} of {where}'s object", partial(attributes.get, name))
            f = func
        if not isinstance(f, types.FunctionType) or len(seen) > 10_000:
            if _is_module(f):
                consider(where, _fixed(f))
            return
        cells = dict(zip(f.__code__.co_freevars, f.__closure__ or ()))
        for name, cell in cells.items():
            consider(f"closure variable {name!r} of {where}", partial(getattr, cell, "cell_contents"))
        scope = f.__globals__
        for name in sorted(_names_read(f.__code__) & set(scope)):
            consider(f"global {name!r} of {where}", partial(scope.get, name))

    visit(fn, f"the recorded function {getattr(fn, '__qualname__', type(fn).__name__)}")
    return homes


def _runtime_names(order: list[Value]) -> dict[str, Any]:
    """The functions the code of rules made by `autograd.primitive` calls: F_<name>, <name>_da, ...

    Two different operations of one name in one graph (a primitive defined again, in a notebook)
    would call each other's functions, so they are refused.
    """
    rules: dict[str, RuntimeRule] = {}
    for node in order:
        rule = node.rule
        if isinstance(rule, RuntimeRule) and rules.setdefault(rule.name, rule) is not rule:
            raise ValueError(
                f"record: the graph holds two different operations named {rule.name!r} "
                "(a primitive defined twice?); give them different names"
            )
    return {name: function for rule in rules.values() for name, function in rule.names.items()}


_MAX_DEPTH = 40  # at most this many operations folded into one expression (the compiler nests)
_USES = {name: re.compile(rf"\b{name}\b") for name in ("a", "b", "out")}


class _Program(NamedTuple):
    """The replay's statements: forward lines, the output, backward lines, the gradients."""

    forward: list[str]
    output: str
    backward: list[str]
    inputs: int
    parameters: int


def _generate(order: list[Value], inputs: list[Value], parameters: list[Value]) -> _Program:
    """The statements of ``replay(xs, ps)``: forward lines, ``yield``, then backward lines.

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

    forward: list[str] = []
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
            prefix = "P" if isinstance(rule, RuntimeRule) else "F"  # a user's primitive may share a table name
            expression = f"{prefix}_{rule.name}({', '.join(name(x) for x in ops)})"
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

    # Backward: each node's gradient is complete once every node after it has passed its share.
    grads = {root: "groot"}
    backward = ["    groot = seed"]

    def add(operand: Value, term: str, is_copy: bool, rule: str) -> None:
        note = "" if is_copy else f"  # {rule}"  # names the rule, in the source and in errors
        if operand in grads:
            backward.append(f"    {grads[operand]} += {term}{note}")
        elif is_copy and uses[operand] == 1:  # its only gradient is another one: rename
            grads[operand] = term
        else:
            grads[operand] = target = "g" + variables[operand]
            backward.append(f"    {target} = {term}{note}")

    for node in reversed(interior):
        g = grads[node]
        for edge in edges(node):
            d = rename(edge.formula, a=name(edge.a), b=name(edge.b), out=names[node])
            term = g if d == "1.0" else f"-{g}" if d == "-1.0" else f"{g} * ({d})"
            add(edge.operand, term, d == "1.0", edge.rule.name)

    def results(leaves: list[Value]) -> str:
        return "".join(f"{grads.get(x, '0.0')}, " for x in leaves)

    backward.append(f"    result = ({results(inputs)}), ({results(parameters)})")
    return _Program(forward, names[root], backward, len(inputs), len(parameters))


_PART_LINES = 2000  # statements per compiled part of a big replay; the compiler's memory grows with it
_NAME = re.compile(r"\b(?:seed|out|result|groot|g?[xpv]\d+)\b")  # every variable the code uses
_ASSIGNED = re.compile(r"^    (\w+) \+?= ")


def _split(program: _Program, part_lines: int) -> tuple[str, list[tuple[str, str]]]:
    """The replay generator's source, and for a big graph the parts it calls.

    A graph of up to `part_lines` statements is one generator whose values live in local
    variables. A bigger one is cut into functions of `part_lines` statements, compiled one at a
    time; a value one part makes and a later part reads goes through the list ``s``.
    """
    unpack = []
    if program.inputs:
        unpack.append(f"    {', '.join(f'x{i}' for i in range(program.inputs))}, = xs")
    if program.parameters:
        unpack.append(f"    {', '.join(f'p{i}' for i in range(program.parameters))}, = ps")
    if len(program.forward) + len(program.backward) <= part_lines:
        lines = [
            "def replay(xs, ps):",
            *unpack,
            *program.forward,
            f"    seed = yield {program.output}",
            *program.backward[:-1],
            "    yield" + program.backward[-1][len("    result =") :],
        ]
        return "\n".join(lines) + "\n", []

    forward = program.forward + [f"    out = {program.output}"]
    backward = program.backward
    chunks = [forward[i : i + part_lines] for i in range(0, len(forward), part_lines)]
    n_forward = len(chunks)
    chunks += [backward[i : i + part_lines] for i in range(0, len(backward), part_lines)]
    first_set: dict[str, int] = {"seed": n_forward - 1}  # set by the generator, between the passes
    last_read: dict[str, int] = {"out": len(chunks), "result": len(chunks)}  # read by the generator
    for k, chunk in enumerate(chunks):
        for line in chunk:
            for name in _NAME.findall(line):
                last_read[name] = max(last_read.get(name, k), k)
            match = _ASSIGNED.match(line)
            if match:
                first_set.setdefault(match.group(1), k)
    slots = {"seed": 0, "out": 1, "result": 2}

    def slot(name: str) -> int:
        return slots.setdefault(name, len(slots))

    parts: list[tuple[str, str]] = []
    for k, chunk in enumerate(chunks):
        kind, index = ("forward", k) if k < n_forward else ("backward", k - n_forward)
        used = sorted({name for line in chunk for name in _NAME.findall(line)})
        loads = []
        for name in used:
            if name[0] in "xp":
                loads.append(f"    {name} = {'xs' if name[0] == 'x' else 'ps'}[{name[1:]}]")
            elif first_set.get(name, k) < k:
                loads.append(f"    {name} = s[{slot(name)}]")
        assigned = sorted({m.group(1) for line in chunk if (m := _ASSIGNED.match(line))})
        stores = [f"    s[{slot(name)}] = {name}" for name in assigned if last_read.get(name, k) > k]
        name = f"{kind}_{index}"
        parts.append((name, "\n".join([f"def {name}(xs, ps, s):", *loads, *chunk, *stores]) + "\n"))
    main = [
        "def replay(xs, ps):",
        f"    s = [None] * {len(slots)}  # values passed from one part to a later one",
        "    for part in FORWARD:",
        "        part(xs, ps, s)",
        "    s[0] = yield s[1]  # seed = yield out",
        "    for part in BACKWARD:",
        "        part(xs, ps, s)",
        "    yield s[2]  # the gradients",
    ]
    return "\n".join(main) + "\n", parts
