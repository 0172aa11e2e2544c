"""Check a learner's hand-derived gradients against the engine's, node by node, and say where they part."""

from __future__ import annotations

import html
import math
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

from .explain import engine_gradients, local_derivative, local_name, repeated_operands
from .graph import Edge, edges, operands, topological_order
from .numbers import as_number
from .value import Number, Value

__all__ = [
    "check_derivation",
    "DerivationReport",
    "DerivationRow",
    "ChainFactor",
    "LocalDerivative",
    "ForwardValues",
    "UnknownLabelError",
    "HandValue",
]


# ---------------------------------------------------------------------------------------------
# Checking a learner's hand derivation against the engine, node by node.
# ---------------------------------------------------------------------------------------------

HandValue = Number | Value | Callable[[Mapping[str, float]], object]
"""A hand gradient: a number, or a function of the forward values (a mapping label -> data)."""

_MAX_PATHS = 32  # more chain-rule paths than this to labelled nodes: show immediate consumers
_MAX_STEPS = 64  # a path longer than this to a labelled node: show immediate consumers
_SHOWN_TERMS = 12  # chain-rule terms printed under a divergence; the rest are counted
_SHOWN_PAIRS = 3  # pairs of a dot node written out when an unlabelled node is described
_GRADIENT_KEY = re.compile(r"\s*[d∂]\s*([^/]*?)\s*/\s*[d∂]\s*(.+?)\s*")


class UnknownLabelError(KeyError):
    """A hand entry, or a hand formula, names a label that no node of the graph carries."""

    def __str__(self) -> str:  # KeyError would show the message in quotes
        return str(self.args[0]) if self.args else ""


class ForwardValues(Mapping[str, float]):
    """The forward values of the labelled nodes of a graph, by label; passed to hand formulas."""

    def __init__(self, nodes: Mapping[str, list[Value]]) -> None:
        self._nodes = nodes

    def __getitem__(self, label: str) -> float:
        nodes = self._nodes.get(label)
        if not nodes:
            raise UnknownLabelError(
                f"no node is labelled {label!r}; the labels in the graph are {_listing(self._nodes)}"
            )
        if len(nodes) > 1:
            raise ValueError(
                f"{len(nodes)} nodes are labelled {label!r}; give them distinct labels "
                f"(e.g. {label}_1, {label}_2) to refer to one of them"
            )
        return nodes[0].data

    def __iter__(self) -> Iterator[str]:
        return iter(self._nodes)

    def __len__(self) -> int:
        return len(self._nodes)

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{k!r}: {v[0].data:.6g}" if len(v) == 1 else f"{k!r}: <{len(v)} nodes>"
            for k, v in self._nodes.items()
        )
        return f"ForwardValues({{{shown}}})"


@dataclass(frozen=True)
class LocalDerivative:
    """One local derivative from the rule table: ∂(output)/∂(operand) of one operation.

    position is the operand's index among the operation's operands when the operation uses
    that value more than once (m = a * a: one local derivative per operand), else None.
    """

    output: str
    operand: str
    rule: str
    formula: str
    value: float
    position: int | None = None

    @property
    def name(self) -> str:
        """'∂z3/∂w3', or '∂m/∂a (2nd operand)' for one of the two a's of a * a."""
        return local_name(self.output, self.operand, self.position)

    def __str__(self) -> str:
        if self.formula == f"{self.value:g}":
            return f"{self.name} = {self.formula}"
        return f"{self.name} = {self.formula} = {self.value:.6g}"


@dataclass(frozen=True)
class ChainFactor:
    """One term of a node's gradient: an upstream gradient times local derivatives down to the node.

    The engine's gradient of a node is the sum of its terms' values.
    """

    upstream: str
    upstream_grad: float
    locals: tuple[LocalDerivative, ...]

    @property
    def value(self) -> float:
        """The upstream gradient times every local derivative."""
        product = self.upstream_grad
        for local in self.locals:
            product *= local.value
        return product


@dataclass(frozen=True)
class DerivationRow:
    """One hand gradient: what the learner wrote, what the engine computed, and whether they agree."""

    name: str
    node: str
    step: int  # named nodes (labelled or checked) between the output and this node, at most
    hand: float
    engine: float
    ok: bool
    factors: tuple[ChainFactor, ...]

    @property
    def error(self) -> float:
        """Absolute difference between the hand value and the engine's."""
        return abs(self.hand - self.engine)


@dataclass(frozen=True)
class DerivationReport:
    """Hand gradients next to the engine's, in backward order (from the output to the leaves).

    Truthy when every hand gradient agrees; `first_divergence` is the first one that does not,
    counted from the output, with the chain-rule terms that make up the engine's value.
    """

    output: str
    rows: tuple[DerivationRow, ...]
    rtol: float
    atol: float

    @property
    def ok(self) -> bool:
        """True when every hand gradient agrees with the engine."""
        return all(row.ok for row in self.rows)

    @property
    def agreements(self) -> tuple[DerivationRow, ...]:
        """The rows where hand and engine agree."""
        return tuple(row for row in self.rows if row.ok)

    @property
    def disagreements(self) -> tuple[DerivationRow, ...]:
        """The rows where hand and engine disagree, in backward order."""
        return tuple(row for row in self.rows if not row.ok)

    @property
    def first_divergence(self) -> DerivationRow | None:
        """The first disagreeing row in backward order, or None when all agree."""
        return next((row for row in self.rows if not row.ok), None)

    def __getitem__(self, name: str) -> DerivationRow:
        for row in self.rows:
            if row.name == name or row.node == name:
                return row
        raise KeyError(f"no hand entry named {name!r}; entries: {[r.name for r in self.rows]}")

    def __bool__(self) -> bool:
        return self.ok

    def __repr__(self) -> str:
        return f"<DerivationReport: {self._summary()}>"

    # -- presentation ---------------------------------------------------------------------------

    def _summary(self) -> str:
        n, bad = len(self.rows), len(self.disagreements)
        first = self.first_divergence
        if first is None:
            return f"all {n} hand gradients of {self.output} agree with the engine"
        return (
            f"{n - bad} of {n} hand gradients of {self.output} agree with the engine; "
            f"first divergence at {first.name}"
        )

    def _diagnosis(self, row: DerivationRow) -> str:
        by_node = {r.node: r for r in self.rows}
        upstream_rows = [by_node.get(f.upstream) for f in row.factors]
        if row.factors and all(r is not None and r.ok for r in upstream_rows):
            names = sorted({r.name for r in upstream_rows if r is not None})
            verb = "agrees" if len(names) == 1 else "agree"
            return (
                f"Your {' and '.join(names)} {verb} with the engine, so the mistake is in the "
                f"local derivatives of this step or in how they were multiplied."
            )
        return ""

    def __str__(self) -> str:
        width = max([len(r.name) for r in self.rows] + [8])
        lines = [self._summary() + f" (rtol={self.rtol:g}, atol={self.atol:g}), backward order:"]
        for row in self.rows:
            mark = "ok" if row.ok else "DIFF"
            lines.append(
                f"  {mark:<4}  {row.name:<{width}}  hand {row.hand:>+22.15g}  "
                f"engine {row.engine:>+22.15g}"
            )
        first = self.first_divergence
        if first is not None:
            lines.append(f"First divergence: {first.name} (node {first.node})")
            lines.append(f"  hand   {first.hand:+.15g}")
            lines.append(f"  engine {first.engine:+.15g}, the sum of {len(first.factors)} chain-rule term(s):")
            for f in first.factors[:_SHOWN_TERMS]:
                lines.append(f"    {_factor_symbols(self.output, first.node, f)}")
                lines.append(f"      = {_factor_numbers(f)} = {f.value:.6g}")
                for local in f.locals:
                    lines.append(f"      {local}   [{local.rule}]")
            if len(first.factors) > _SHOWN_TERMS:
                lines.append(f"    {_more_terms(first)}")
            diagnosis = self._diagnosis(first)
            if diagnosis:
                lines.append("  " + diagnosis)
        return "\n".join(lines)

    def _repr_markdown_(self) -> str:
        out = [f"**{_md(self._summary())}**", "", "| | gradient | hand | engine |", "|---|---|---:|---:|"]
        for row in self.rows:
            mark = "✅" if row.ok else "❌"
            out.append(f"| {mark} | `{row.name}` | {row.hand:.10g} | {row.engine:.10g} |")
        first = self.first_divergence
        if first is not None:
            out += ["", f"First divergence at `{first.name}`: hand {first.hand:.10g}, "
                    f"engine {first.engine:.10g} =", ""]
            for f in first.factors[:_SHOWN_TERMS]:
                out.append(f"- `{_factor_symbols(self.output, first.node, f)}` = "
                           f"{_factor_numbers(f)} = {f.value:.6g}")
                for local in f.locals:
                    out.append(f"  - `{local}` ({local.rule})")
            if len(first.factors) > _SHOWN_TERMS:
                out.append(f"- {_md(_more_terms(first))}")
            diagnosis = self._diagnosis(first)
            if diagnosis:
                out += ["", _md(diagnosis)]
        return "\n".join(out)

    def _repr_html_(self) -> str:
        esc = html.escape
        rows = []
        for row in self.rows:
            colour = "#1a7f37" if row.ok else "#cf222e"
            rows.append(
                f"<tr><td style='color:{colour}'>{'ok' if row.ok else 'DIFF'}</td>"
                f"<td><code>{esc(row.name)}</code></td>"
                f"<td style='text-align:right'>{row.hand:.10g}</td>"
                f"<td style='text-align:right'>{row.engine:.10g}</td></tr>"
            )
        parts = [
            f"<p><b>{esc(self._summary())}</b></p>",
            "<table><tr><th></th><th>gradient</th><th>hand</th><th>engine</th></tr>",
            *rows,
            "</table>",
        ]
        first = self.first_divergence
        if first is not None:
            parts.append(
                f"<p>First divergence at <code>{esc(first.name)}</code>: hand {first.hand:.10g}, "
                f"engine {first.engine:.10g}, the sum of:</p><ul>"
            )
            for f in first.factors[:_SHOWN_TERMS]:
                locals_ = "".join(
                    f"<li><code>{esc(str(local))}</code> ({esc(local.rule)})</li>" for local in f.locals
                )
                parts.append(
                    f"<li><code>{esc(_factor_symbols(self.output, first.node, f))}</code> = "
                    f"{esc(_factor_numbers(f))} = {f.value:.6g}<ul>{locals_}</ul></li>"
                )
            if len(first.factors) > _SHOWN_TERMS:
                parts.append(f"<li>{esc(_more_terms(first))}</li>")
            parts.append("</ul>")
            diagnosis = self._diagnosis(first)
            if diagnosis:
                parts.append(f"<p>{esc(diagnosis)}</p>")
        return "\n".join(parts)


def check_derivation(
    output: Value,
    hand: Mapping[str | Value, HandValue],
    *,
    rtol: float = 1e-6,
    atol: float = 1e-9,
) -> DerivationReport:
    """Compare gradients worked out by hand with the engine's, node by node in backward order.

    `hand` maps a node to what you believe d(output)/d(node) is. A node is named by its label
    ("z3"), by a gradient written with it ("dL/dz3", "∂C/∂w2"; the numerator is not checked), or
    is the Value itself. Each hand value is a number or a function that receives the forward
    values of the labelled nodes (a mapping label -> float) and returns a number, so a printed
    formula can be typed in as it reads: ``lambda v: (v["a3"] - v["y"]) * v["a2"]``.

    A hand value agrees when |hand - engine| <= atol + rtol * |engine|. The engine's gradients
    are computed with `grad`, so every `.grad` in the graph is left as it was.

    The report lists the entries in backward order (from the output towards the inputs, layer
    by layer); ``report.first_divergence`` is the first entry that disagrees, with the
    chain-rule terms (upstream gradient times local derivatives from the rule table) whose sum
    is the engine's value. Example::

        x, w, b = Value(0.5, label="x"), Value(2.0, label="w"), Value(-1.0, label="b")
        z = w * x + b;  z.label = "z"
        a = z.sigmoid();  a.label = "a"
        report = check_derivation(a, {
            "da/dz": lambda v: v["a"] * (1 - v["a"]),
            "da/dw": lambda v: v["a"] * (1 - v["a"]) * v["w"],  # slip: should be * x
        })
        report.first_divergence.name  # 'da/dw'; print(report) shows both numbers and why
    """
    if type(output) is not Value:
        raise TypeError(f"check_derivation: output must be a Value, got {type(output).__name__}")
    if not isinstance(hand, Mapping):
        raise TypeError(
            "check_derivation: hand must be a mapping such as {'dL/dz3': 0.25}, "
            f"got {type(hand).__name__}"
        )
    if not hand:
        raise ValueError("check_derivation: hand is empty; there is nothing to check")
    rtol = _tolerance(rtol, "rtol")
    atol = _tolerance(atol, "atol")

    order = topological_order(output)
    by_label: dict[str, list[Value]] = {}
    for node in reversed(order):
        if node.label:
            by_label.setdefault(node.label, []).append(node)
    in_graph = set(order)
    forward = ForwardValues(by_label)
    out_name = output.label or "out"

    entries: list[tuple[str, Value, float]] = []
    for key, value in hand.items():
        node = _resolve(key, by_label, in_graph, forward)
        name = key if isinstance(key, str) else f"d{out_name}/d{_describe(node)}"
        entries.append((name, node, _hand_number(name, value, forward)))

    # Backward order, layer by layer: a node's step counts the named nodes (labelled, or checked
    # here) on the longest path from the output to it, so it exceeds the step of every named node
    # it feeds. Nodes on the same step keep the order in which `hand` lists them.
    named = {node for node in order if node.label} | {node for _, node, _ in entries}
    step_of = {node: 0 for node in order}
    for node in reversed(order):
        below = step_of[node] + (node in named)
        for operand in node.children:
            step_of[operand] = max(step_of[operand], below)
    entries = sorted(entries, key=lambda e: step_of[e[1]])  # stable: ties keep hand's order

    engine = dict(zip(order, engine_gradients(output, order, order)))
    consumers: dict[Value, list[Edge]] = {node: [] for node in order}
    for node in order:
        for edge in edges(node):
            consumers[edge.operand].append(edge)

    rows = []
    for name, node, hand_value in entries:
        exact = engine[node]
        ok = abs(hand_value - exact) <= atol + rtol * abs(exact)
        factors = _chain_factors(node, output, engine, consumers)
        rows.append(DerivationRow(name, _describe(node), step_of[node], hand_value, exact, ok, factors))
    return DerivationReport(out_name, tuple(rows), rtol, atol)


def _tolerance(x: object, name: str) -> float:
    """A tolerance as a float: TypeError unless a real number, ValueError unless finite and >= 0.

    An infinite tolerance would pass every hand gradient and a nan one fail every one, whatever
    the numbers, so both are refused rather than giving a report that checks nothing.
    """
    number = as_number(x, f"check_derivation: {name}")  # refuses bool, str, complex, None
    if not 0.0 <= number < math.inf:
        raise ValueError(f"check_derivation: {name} must be a finite number >= 0, got {x!r}")
    return number


def _resolve(
    key: object, by_label: dict[str, list[Value]], in_graph: set[Value], forward: ForwardValues
) -> Value:
    """The node a hand entry refers to: a Value of the graph, a label, or 'dL/d<label>'."""
    if type(key) is Value:
        if key not in in_graph:
            raise ValueError(f"check_derivation: {key!r} is not part of the output's graph")
        return key
    if not isinstance(key, str):
        raise TypeError(
            f"check_derivation: hand keys must be labels or Values, got {type(key).__name__}: {key!r}"
        )
    label = key
    if label not in by_label:
        match = _GRADIENT_KEY.fullmatch(key)
        if match is None or match.group(2) not in by_label:
            raise UnknownLabelError(
                f"check_derivation: {key!r} names no node of the graph; write a label or "
                f"'dL/d<label>' with one of the labels {_listing(by_label)}"
            )
        label = match.group(2)
    forward[label]  # raises a clear error when the label is shared by several nodes
    return by_label[label][0]


def _hand_number(name: str, value: object, forward: ForwardValues) -> float:
    if callable(value) and not isinstance(value, Value):
        value = value(forward)
    if type(value) is Value:
        value = value.data
    number = as_number(value, f"check_derivation: hand value of {name!r}")
    if not math.isfinite(number):
        raise ValueError(f"check_derivation: hand value of {name!r} is {number!r}, not a finite number")
    return number


def _chain_factors(
    node: Value, output: Value, engine: dict[Value, float], consumers: dict[Value, list[Edge]]
) -> tuple[ChainFactor, ...]:
    """The chain-rule terms of node's gradient, each running up to a labelled node (or the output).

    When following unlabelled nodes would give more than _MAX_PATHS terms, or a term of more
    than _MAX_STEPS local derivatives (a long unlabelled chain), each term stops at the node's
    immediate consumer instead.
    """
    if node is output:
        return ()
    terms = _paths_up(node, output, consumers)
    if terms is None:
        terms = [(edge.node, [edge]) for edge in consumers[node]]
    return tuple(
        ChainFactor(_describe(end), engine[end], tuple(_local(edge) for edge in chain)) for end, chain in terms
    )


def _paths_up(
    node: Value, output: Value, consumers: dict[Value, list[Edge]]
) -> list[tuple[Value, list[Edge]]] | None:
    """Every path from node up to the first labelled node (or the output) on it, as (that node, its
    edges from there down to node); None when there are more than _MAX_PATHS or one is longer than
    _MAX_STEPS. Depth first with a stack of its own: no recursion, however deep the graph.
    """
    found: list[tuple[Value, list[Edge]]] = []
    stack = [(edge, list[Edge]()) for edge in reversed(consumers[node])]  # (next edge up, edges below it)
    while stack:
        edge, below = stack.pop()
        chain = [edge, *below]  # the local derivative nearest the upstream node first
        consumer = edge.node
        if consumer.label or consumer is output:
            found.append((consumer, chain))
            if len(found) > _MAX_PATHS:
                return None
        elif len(chain) >= _MAX_STEPS:
            return None
        else:
            stack.extend((up, chain) for up in reversed(consumers[consumer]))
    return found


def _local(edge: Edge) -> LocalDerivative:
    """The local derivative of an edge, its formula written with the names of the nodes."""
    consumer = edge.node
    names = {"a": _describe(edge.a), "b": _describe(edge.b), "out": _describe(consumer)}
    formula = re.sub(r"\b(a|b|out)\b", lambda m: names[m.group(1)], edge.formula)
    formula = re.sub(r"\b(\d+)\.0\b", r"\1", formula)
    value = local_derivative(edge)
    position = edge.position if edge.operand in repeated_operands(consumer) else None
    return LocalDerivative(_describe(consumer), _describe(edge.operand), edge.rule.name, formula, value, position)


def _describe(x: object, depth: int = 2) -> str:
    """A short name for a node: its label, else the expression that made it (or its value).

    Bounded: operands are described `depth` levels down, deeper ones shown as "…", and a dot
    node writes out its first _SHOWN_PAIRS pairs and counts the rest.
    """
    if x is None:
        return "?"
    if type(x) is not Value:
        return f"{x:g}"
    if x.label:
        return x.label
    rule = x.rule
    if rule is None:
        return f"{x.data:.4g}"
    if depth == 0:
        return "…"
    ops = operands(x)
    if rule.variadic:  # dot: a_0 * b_0 + a_1 * b_1 + ...
        n = len(ops) // 2
        pairs = zip(ops[:_SHOWN_PAIRS], ops[n : n + _SHOWN_PAIRS])
        shown = [f"{_describe(p, depth - 1)} * {_describe(q, depth - 1)}" for p, q in pairs]
        if n > _SHOWN_PAIRS:
            shown.append(f"… {n - _SHOWN_PAIRS:,} more terms")
        return "(" + " + ".join(shown) + ")"
    parts = [_describe(o, depth - 1) for o in ops]
    if rule.arity == 2:
        return f"({parts[0]} {rule.symbol} {parts[1]})"
    if rule.name == "neg":
        return f"-{parts[0]}"
    return f"{rule.symbol}({parts[0]})"


def _more_terms(row: DerivationRow) -> str:
    """What a printed report says instead of the terms after the first _SHOWN_TERMS."""
    rest = row.factors[_SHOWN_TERMS:]
    return (
        f"… {len(rest):,} more terms not shown (their sum is {math.fsum(f.value for f in rest):.6g}; "
        f"all {len(row.factors):,} are in report[{row.name!r}].factors)"
    )


def _factor_symbols(output: str, node: str, factor: ChainFactor) -> str:
    """'dL/dz3 · ∂z3/∂(w3 * a2) · ∂(w3 * a2)/∂w3'"""
    head = f"d{output}/d{factor.upstream}"
    return " · ".join([head] + [local.name for local in factor.locals])


def _factor_numbers(factor: ChainFactor) -> str:
    return " · ".join([f"{factor.upstream_grad:.6g}"] + [f"{loc.value:.6g}" for loc in factor.locals])


def _listing(labels: Mapping[str, object]) -> str:
    names = sorted(labels)
    if not names:
        return "(none: give nodes labels, e.g. Value(2.0, label='w1') or z.label = 'z1')"
    return ", ".join(repr(n) for n in names)


def _md(text: str) -> str:
    return text.replace("*", "\\*").replace("_", "\\_")
