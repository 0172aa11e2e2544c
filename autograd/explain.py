"""Gradients as sums over chain-rule paths: d output / d wrt, one product of local derivatives per path.

The chain rule says that d(output)/d(wrt) is the sum, over every path from ``wrt`` to ``output``
in the graph, of the product of the local derivatives along that path. `explain` shows exactly
that: each path's factors (named after node labels, e.g. ``∂L/∂a3 · ∂a3/∂z3 · ∂z3/∂W3``), their
values, each product, and the sum, which equals the gradient ``backward`` computes.

Notation, the same in `explain`, the step frames and `check_derivation`: ∂ for a local derivative
(one operation's output with respect to one of its operands, ``∂z/∂w = x`` for z = w * x, from
the rule table) and d for a total derivative (``dL/dw``, the sum over every path). A node that
uses one value twice (m = a * a) has two local derivatives with respect to it, one per operand:
``∂m/∂a (1st operand)`` and ``∂m/∂a (2nd operand)``.

Paths multiply quickly (a lattice of diamonds has binomially many), so they are counted and
summed by dynamic programming over the topological order, never by listing them; only the first
``max_paths`` are listed for printing. Paths also grow long (a loop run a million times is a path
of a million factors), so a listed path longer than ``max_factors`` shows its first and last few
factors and says how many it leaves out; the explanation of any graph stays a few kilobytes.
"""

from __future__ import annotations

import itertools
import math
import re
from array import array
from dataclasses import dataclass

from .backward import grad
from .graph import Edge, edges, operands, topological_order
from .value import Value

__all__ = [
    "explain",
    "Explanation",
    "Path",
    "Factor",
    "format_number",
    "local_derivatives",
    "local_derivative",
    "engine_gradients",
    "node_names",
    "local_name",
    "total_name",
    "repeated_operands",
    "expression",
]


def format_number(x: float) -> str:
    """A number as drawings and explanations print it: at least 4 decimals and 4 significant digits.

    0.0000, 2.0000, -0.4200, 0.01235, 0.001235; below 0.001 or from 1e9 on, e-notation: 2.4577e-05.
    """
    if not math.isfinite(x):
        return "undefined" if math.isnan(x) else str(x)
    x = x + 0.0  # -0.0 prints as 0.0000
    size = abs(x)
    if size >= 1e9 or 0.0 < size < 1e-3:
        return f"{x:.4e}"
    decimals = 4 if size == 0.0 or size >= 0.1 else 3 - math.floor(math.log10(size))
    return f"{x:.{decimals}f}"


def local_derivatives(node: Value, errors: str = "raise") -> tuple[float | None, ...]:
    """d node / d operand for each of node.operands, in order (() for a leaf); None for a constant.

    The rules are evaluated on floats, as `backward` does. errors="nan" turns a derivative that
    cannot be computed at this point (d/dx x ** 0 at x = 0) into nan instead of raising, so a
    drawing can still show the rest.
    """
    found: list[float | None] = [None] * len(node.operands)
    for edge in edges(node):
        try:
            found[edge.position] = local_derivative(edge)
        except (ArithmeticError, ValueError):
            if errors != "nan":
                raise
            found[edge.position] = math.nan
    return tuple(found)


def local_derivative(edge: Edge) -> float:
    """edge.local(): d node / d operand on floats; a failure is an error naming the operation.

    Edge.local names the rule, its formula and the operands' values when the rule raises. A rule
    can also give a complex number instead of raising (``(-4.0) ** -0.5`` in Python), when a
    node's data was changed after it was made (x.data = -4.0 under x ** 0.5): that is refused
    here with a ValueError from `Edge.error`, rather than a TypeError that names nothing.
    """
    try:
        return edge.local()
    except TypeError as error:
        cause = ValueError(f"its value there is not a real number: {error}")
        raise edge.error(cause, (edge.a, edge.b)) from error


def engine_gradients(output: Value, inputs: list[Value], order: list[Value]) -> list[float]:
    """d output / d input for each input, as `grad` computes them; order is output's graph.

    A local derivative that is not a real number makes `grad` fail with a TypeError that names
    nothing; it is found here and named by `local_derivative` instead.
    """
    try:
        return [g.data for g in grad(output, inputs)]
    except TypeError:  # a local derivative that is not a real number: find it and name it
        for node in order:
            for edge in edges(node):
                local_derivative(edge)
        raise


def node_names(order: list[Value]) -> dict[Value, str]:
    """Each node's label, or v<i> (its index in topological order) when it has none."""
    return {node: node.label or f"v{i}" for i, node in enumerate(order)}


def total_name(out: str, inp: str) -> str:
    """A total derivative, the sum over every path: 'dL/da'."""
    return f"d{out}/d{inp}"


def local_name(out: str, inp: str, position: int | None = None) -> str:
    """A local derivative, one operation's output with respect to one operand: '∂c/∂a'.

    position: the operand's index in the node's operands, given when the node uses that value
    more than once (m = a * a): '∂m/∂a (1st operand)', '∂m/∂a (2nd operand)'.
    """
    name = f"∂{out}/∂{inp}"
    return name if position is None else f"{name} ({_ordinal(position + 1)} operand)"


def expression(node: Value, names: dict[Value, str]) -> str:
    """How node was computed, in the given names: 'a * b', 'tanh(z3)', 'w1 * x1 + b * 1.0', or 'a leaf'."""
    rule = node.rule
    parts = [names[x] if type(x) is Value else repr(x) for x in node.operands]
    if rule is None:
        return "a leaf"
    if getattr(rule, "variadic", False):
        n = len(parts) // 2
        return " + ".join(f"{x} * {y}" for x, y in zip(parts[:n], parts[n:]))
    if len(parts) == 2:
        return f"{parts[0]} {rule.symbol} {parts[1]}"
    return f"{rule.symbol}({parts[0]})"


def repeated_operands(node: Value) -> set[Value]:
    """The Values node uses as more than one of its operands (a in a * a), whose local
    derivatives need their operand's position to be told apart."""
    seen: set[Value] = set()
    twice: set[Value] = set()
    for x in operands(node):
        if type(x) is Value:
            (twice if x in seen else seen).add(x)
    return twice


def _ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, ..., 11th, 12th, 13th, 21st."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _latex_name(name: str) -> str:
    r"""'a3' -> 'a_{3}', 'W_1' -> 'W_{1}', 'loss' -> '\mathrm{loss}'; anything odd goes in \text{}."""
    m = re.fullmatch(r"([A-Za-z]+)_?(\d+)", name) or re.fullmatch(r"([A-Za-z]+)_([A-Za-z0-9]+)", name)
    if m:
        base, sub = m.groups()
        return f"{_latex_name(base)}_{{{sub}}}"
    if re.fullmatch(r"[A-Za-z]", name):
        return name
    if re.fullmatch(r"[A-Za-z]+", name):
        return rf"\mathrm{{{name}}}"
    escaped = re.sub(r"([\\{}$&#^_%~])", lambda c: "\\textbackslash{}" if c[1] == "\\" else "\\" + c[1], name)
    return rf"\text{{{escaped}}}"


def _latex_number(x: float) -> str:
    text = format_number(x)
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = rf"{mantissa} \times 10^{{{int(exponent)}}}"
    return f"({text})" if x < 0 else text


# -- results -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Factor:
    """One local derivative on a path: ∂ out / ∂ inp, its value, and its name ('∂L/∂a3').

    When out uses inp as more than one operand (x * x), the name says which one:
    '∂y/∂x (1st operand)'.
    """

    out: Value
    inp: Value
    operand: int  # inp's index in out.operands; x * x has two factors ∂y/∂x, at 0 and 1
    value: float
    name: str
    latex: str

    def __str__(self) -> str:
        return f"{self.name} = {format_number(self.value)}"


@dataclass(frozen=True)
class Path:
    """One path from wrt up to output: its factors (output first) and their product.

    factors[i] is ∂ nodes[i] / ∂ nodes[i + 1], so the factors read like the chain rule:
    ∂L/∂a3 · ∂a3/∂z3 · ∂z3/∂W3. A path longer than explain's max_factors keeps only its first
    and last few factors; `elided` says how many are left out between them (nodes then holds
    the nodes of the first ones, output first, then those of the last ones, down to wrt), and
    `product` is still the product of all of them, multiplied in order from the output.
    """

    nodes: tuple[Value, ...]
    factors: tuple[Factor, ...]
    product: float  # the product of the local derivatives along the whole path (1.0 when empty)
    elided: int = 0  # factors left out of the middle of a long path

    @property
    def length(self) -> int:
        """The number of factors on the path, those left out included."""
        return len(self.factors) + self.elided

    def _split(self) -> int:
        """How many of `factors` come before the elided ones."""
        return (len(self.factors) + 1) // 2 if self.elided else len(self.factors)

    def _join(self, parts: list[str], sep: str, gap: str) -> str:
        cut = self._split()
        return sep.join([*parts[:cut], gap, *parts[cut:]] if self.elided else parts)

    def __str__(self) -> str:
        if not self.factors:
            return "(empty path: output is wrt) = 1.0000"
        gap = f"… {self.elided:,} more factors …"
        names = self._join([f.name for f in self.factors], " · ", gap)
        if self.length == 1:
            return f"{names} = {format_number(self.product)}"
        values = self._join([format_number(f.value) for f in self.factors], " · ", "…")
        return f"{names}\n= {values} = {format_number(self.product)}"


MAX_WHERE = 12  # definitions of unlabeled nodes printed under an explanation
MAX_FACTORS = 24  # a listed path with more factors shows its first and last MAX_FACTORS // 6
WALK_LIMIT = 4_000_000  # steps of the walk that lists paths: past this, listing stops (and says so)


@dataclass(frozen=True, eq=False)
class Explanation:
    """d output / d wrt as a sum over paths.

    `count` is the number of paths (exact, counted without listing them), `paths` the first
    `max_paths` of them, `truncated` whether some were left out, and `total` the sum of the
    products over ALL paths (exact, computed by dynamic programming): it equals the gradient.
    A path longer than `max_factors` lists only its first and last factors (see `Path.elided`).
    `walk_stopped` is True when listing stopped before max_paths because the paths were too long
    to walk (more than WALK_LIMIT steps in all); count and total still cover every path.
    """

    output: Value
    wrt: Value
    count: int
    total: float
    paths: tuple[Path, ...]
    max_paths: int
    names: dict[Value, str]  # what each node the explanation mentions is called
    max_factors: int = MAX_FACTORS
    walk_stopped: bool = False

    @property
    def truncated(self) -> bool:
        """True when there are more paths than were listed."""
        return self.count > len(self.paths)

    @property
    def elided(self) -> bool:
        """True when a listed path shows only its first and last factors."""
        return any(path.elided for path in self.paths)

    @property
    def name(self) -> str:
        """'dL/dx' for output L and wrt x: a total derivative, written with d."""
        return total_name(self.names[self.output], self.names[self.wrt])

    def _where(self) -> list[str]:
        """Definitions of the unlabeled nodes (v<i>) that the listed paths mention."""
        seen: dict[Value, None] = {}
        for path in self.paths:
            for node in path.nodes:
                if not node.label:
                    seen[node] = None
        return [f"{self.names[node]} = {expression(node, self.names)} = {format_number(node.data)}" for node in seen]

    def _not_listed(self) -> str:
        """Why some paths are not listed, or '' when all are."""
        if not self.truncated:
            return ""
        left = self.count - len(self.paths)
        if self.walk_stopped:
            why = f"listing stopped after {WALK_LIMIT:,} steps along them; max_paths={self.max_paths}"
        else:
            why = f"max_paths={self.max_paths}"
        return f"{left:,} more paths not listed ({why})"

    def __str__(self) -> str:
        out, wrt = self.names[self.output], self.names[self.wrt]
        if self.count == 0:
            return f"{self.name} = 0: no path leads from {wrt} to {out}, so {out} does not depend on {wrt}."
        plural = "path" if self.count == 1 else "paths"
        head = f"{self.name} = sum over {self.count:,} {plural} from {wrt} to {out}"
        lines = [f"{head} of the product of local derivatives"]
        width = len(str(len(self.paths)))
        for i, path in enumerate(self.paths, 1):
            head = f"  path {i:>{width}}: "
            lines.append(head + str(path).replace("\n", "\n" + " " * (len(head) - 2)))
        if self.elided:
            longest = max(path.length for path in self.paths)
            lines.append(
                f"  (a path of more than {self.max_factors} factors shows its first and last "
                f"{_ends(self.max_factors)}; the longest has {longest:,}; each product is over all of them)"
            )
        if self.truncated:
            lines.append(
                f"  ... {self._not_listed()}; the sum below is over all {self.count:,}, computed without listing them"
            )
        total = format_number(self.total)
        if self.count == 1:
            lines.append(f"{self.name} = {total}")
        else:
            lines.append(f"{self.name} = sum of {self.count:,} paths = {total}")
        where = self._where()
        if where:
            more = f"; ... ({len(where) - MAX_WHERE} more)" if len(where) > MAX_WHERE else ""
            lines.append("where " + "; ".join(where[:MAX_WHERE]) + more)
        return "\n".join(lines)

    def __repr__(self) -> str:  # the derivation itself, so typing explain(L, x) at a prompt shows it
        return str(self)

    def _repr_latex_(self) -> str:
        """The derivation in the notation of the seeds: symbolic chain rule, then numbers, then the sum."""
        out, wrt = _latex_name(self.names[self.output]), _latex_name(self.names[self.wrt])
        lhs = rf"\frac{{d{out}}}{{d{wrt}}}"  # a total derivative: d; each factor is a local one: \partial
        if self.count == 0:
            return rf"$${lhs} = 0 \quad \text{{(no path)}}$$"

        def gap(p: Path) -> str:
            return rf"\cdots \text{{ {p.elided:,} more factors }} \cdots"

        symbolic = [p._join([f.latex for f in p.factors], r" \cdot ", gap(p)) or "1" for p in self.paths]
        numeric = [
            p._join([_latex_number(f.value) for f in p.factors], r" \cdot ", r"\cdots") or "1" for p in self.paths
        ]
        products = [_latex_number(p.product) for p in self.paths]
        stopped = f"; listing stopped after {WALK_LIMIT:,} steps" if self.walk_stopped else ""
        left = self.count - len(self.paths)
        more = rf" \\ &\quad + \dots \text{{ ({left:,} more paths{stopped})}}" if self.truncated else ""

        def block(terms: list[str]) -> str:
            return r" \\ &\quad + ".join(terms) + more

        rows = [f"{lhs} &= {block(symbolic)}", f"&= {block(numeric)}"]
        if any(p.length > 1 for p in self.paths) and len(self.paths) > 1:
            rows.append(f"&= {block(products)}")
        if len(self.paths) > 1 or self.truncated or any(p.length > 1 for p in self.paths):
            rows.append(f"&= {_latex_number(self.total).strip('()')}")
        return "$$\n\\begin{align*}\n" + " \\\\\n".join(rows) + "\n\\end{align*}\n$$"


def _ends(max_factors: int) -> int:
    """How many factors a path longer than max_factors shows at each end."""
    return max(1, max_factors // 6)


# -- the computation -----------------------------------------------------------------------------


def _depends(order: list[Value], wrt: Value, start: int = 0) -> dict[Value, int]:
    """Number of paths from wrt to each node that depends on wrt (missing = 0).

    start: wrt's place in order, when known; nothing before it can depend on it.
    """
    count: dict[Value, int] = {}
    for node in itertools.islice(order, start, None):
        if node is wrt:
            count[node] = 1
            continue
        n = 0
        for x in operands(node):  # x * x counts x twice: two edges, two paths
            if type(x) is Value:
                n += count.get(x, 0)
        if n:
            count[node] = n
    return count


@dataclass(frozen=True)
class _Found:
    """A path the walk reached wrt by: the steps it shows, how many it leaves out, its product."""

    shown: list[tuple[Edge, float]]
    elided: int
    product: float


def _walk(
    output: Value, wrt: Value, count: dict[Value, int], max_paths: int, max_factors: int
) -> tuple[list[_Found], bool]:
    """The first max_paths paths from output down to wrt, depth first, operand a before b.

    No recursion, and little kept per step of the current path: its node, which of the node's
    edges it took, that edge's local derivative and the product so far, so a path a million
    factors long is walked in one pass and paths sharing a beginning share its product. Only
    the first and last few steps of a long path are kept for showing. Gives up (second result
    True) after WALK_LIMIT steps.
    """
    found: list[_Found] = []
    if output not in count or not max_paths:
        return found, False

    def onward(node: Value) -> list[Edge]:  # the edges on paths to wrt
        return [edge for edge in edges(node) if edge.operand in count]

    ends = _ends(max_factors)
    total = min(max_paths, count[output])
    nodes: list[Value] = [output]  # nodes[d]: the node at depth d of the current path
    taken = array("q")  # taken[d]: which of onward(nodes[d]) leads to nodes[d + 1]
    choices = array("q")  # choices[d]: how many onward edges nodes[d] has
    local = array("d")  # local[d]: the local derivative of the edge taken
    prefix = array("d", [1.0])  # prefix[d]: the product of local[:d], multiplied from the output
    steps = 0

    def shown_steps(depth: int) -> list[tuple[Edge, float]]:
        keep = range(depth) if depth <= max_factors else [*range(ends), *range(depth - ends, depth)]
        return [(onward(nodes[d])[taken[d]], local[d]) for d in keep]

    def step(options: list[Edge], choice: int) -> None:  # go down the choice-th onward edge
        edge = options[choice]
        d = local_derivative(edge)
        taken.append(choice)
        choices.append(len(options))
        local.append(d)
        prefix.append(prefix[-1] * d)
        nodes.append(edge.operand)

    while True:
        node = nodes[-1]
        while node is not wrt:  # go down the first onward edge (every node in count has one)
            step(onward(node), 0)
            node = nodes[-1]
            steps += 1
            if steps > WALK_LIMIT:
                return found, True
        depth = len(taken)
        elided = depth - 2 * ends if depth > max_factors else 0
        found.append(_Found(shown_steps(depth), elided, prefix[-1]))
        if len(found) >= total:
            return found, False
        while taken[-1] + 1 >= choices[-1]:  # back up to the deepest node with an edge not yet taken
            for stack in (taken, choices, local, prefix, nodes):
                stack.pop()
            steps += 1
        choice = taken[-1] + 1
        for stack in (taken, choices, local, prefix, nodes):
            stack.pop()
        step(onward(nodes[-1]), choice)
        steps += 1
        if steps > WALK_LIMIT:
            return found, True


def _names(order: list[Value], wanted: set[Value]) -> dict[Value, str]:
    """node_names, for the wanted nodes only: a graph of a million nodes needs no million names."""
    unlabeled = {node for node in wanted if not node.label}
    names = {node: node.label for node in wanted if node.label}
    if unlabeled:
        for i, node in enumerate(order):
            if node in unlabeled:
                names[node] = f"v{i}"
    return names


def _make_path(output: Value, found: _Found, names: dict[Value, str]) -> Path:
    factors = []
    for edge, d in found.shown:
        no, ni = names[edge.node], names[edge.operand]
        latex = rf"\frac{{\partial {_latex_name(no)}}}{{\partial {_latex_name(ni)}}}"
        position = None
        if edge.operand in repeated_operands(edge.node):  # a * a: say which operand this path takes
            position = edge.position
            latex = rf"\underbrace{{{latex}}}_{{\text{{{_ordinal(position + 1)} operand}}}}"
        factors.append(Factor(edge.node, edge.operand, edge.position, d, local_name(no, ni, position), latex))
    nodes = [output, *(edge.operand for edge, _ in found.shown)]
    if found.elided:  # the last steps start where the elided ones end
        nodes.insert(len(found.shown) // 2 + 1, found.shown[len(found.shown) // 2][0].node)
    return Path(tuple(nodes), tuple(factors), found.product, found.elided)


def explain(output: Value, wrt: Value, max_paths: int = 20, *, max_factors: int = MAX_FACTORS) -> Explanation:
    """Explain d output / d wrt as the sum over all paths of the product of local derivatives.

    Nodes are named by their labels (unlabeled ones v<i>, their index in topological order).
    Only the first `max_paths` paths are listed; `count` and `total` always cover all of them.
    A path of more than `max_factors` factors is listed by its first and last max_factors // 6,
    with "… N more factors …" between them; its product is over all of them.
    """
    if type(output) is not Value or type(wrt) is not Value:
        raise TypeError(f"explain(output, wrt) takes two Values, got {type(output).__name__} and {type(wrt).__name__}")
    if isinstance(max_paths, bool) or not isinstance(max_paths, int) or max_paths < 0:
        raise ValueError(f"explain: max_paths must be an int >= 0, got {max_paths!r}")
    if isinstance(max_factors, bool) or not isinstance(max_factors, int) or max_factors < 2:
        raise ValueError(f"explain: max_factors must be an int >= 2, got {max_factors!r}")
    return _explain(output, wrt, topological_order(output), max_paths, max_factors)


def _explain(
    output: Value,
    wrt: Value,
    order: list[Value],
    max_paths: int,
    max_factors: int,
    *,
    start: int = 0,
    total: float | None = None,
    all_names: dict[Value, str] | None = None,
) -> Explanation:
    """explain, for callers that explain many nodes of one graph (the explorer): order computed
    once, wrt's place in it (start), its gradient (total) and node_names(order) given when known."""
    count = _depends(order, wrt, start)
    walked, stopped = _walk(output, wrt, count, max_paths, max_factors)
    paths_nodes = {output, wrt}
    for f in walked:
        for edge, _ in f.shown:
            paths_nodes.update((edge.node, edge.operand))
    wanted = set(paths_nodes)
    for node in paths_nodes:  # the definitions under the explanation name their operands
        if not node.label:
            wanted.update(x for x in operands(node) if type(x) is Value)
    if all_names is not None:
        names = {node: all_names[node] for node in wanted if node in all_names}
    else:
        names = _names(order, wanted)
    if wrt not in names:  # not part of output's graph
        names[wrt] = wrt.label or "x"
    if total is None:
        total = engine_gradients(output, [wrt], order)[0] if wrt in count else 0.0
    return Explanation(
        output=output,
        wrt=wrt,
        count=count.get(output, 0),
        total=total,
        paths=tuple(_make_path(output, f, names) for f in walked),
        max_paths=max_paths,
        names=names,
        max_factors=max_factors,
        walk_stopped=stopped,
    )
