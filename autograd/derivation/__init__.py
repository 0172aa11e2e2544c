"""Check a learner's hand-derived gradients against the engine's, node by node, and say where they part.

This file is the check as an outline; its parts: `arguments` (what is given), `nudge` (the graph at
other leaf values), `terms` (a gradient as chain-rule terms), `diagnosis` (why wrong or untested)
and `report` (what the learner reads)."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from ..explain import engine_gradients, local_derivative
from ..graph import Edge, edges, topological_order
from ..numbers import tolerance
from ..value import Number, Value
from .arguments import (
    ForwardValues,
    UnknownLabelError,
    finite_tolerance,
    hand_number,
    held_leaves,
    node_of_key,
    whole_number,
)
from .diagnosis import Disagreement, explain_ratio, nodes_and_edges_above, zero_path
from .nudge import at_point, local_at, nudged_leaves
from .report import (
    ChainFactor,
    DerivationReport,
    DerivationRow,
    FactorHint,
    LocalDerivative,
    NudgedPoint,
    PointCheck,
    UntestedPath,
)
from .terms import chain_factor, chain_terms, named_local, node_name

# The report's classes, ForwardValues and UnknownLabelError are imported from here too: re-exported.
__all__ = [
    "check_derivation",
    "DerivationReport",
    "DerivationRow",
    "ChainFactor",
    "LocalDerivative",
    "NudgedPoint",
    "PointCheck",
    "UntestedPath",
    "FactorHint",
    "ForwardValues",
    "UnknownLabelError",
    "HandValue",
]

HandValue = Number | Value | Callable[[Mapping[str, float]], object]
"""A hand gradient: a number, or a function of the forward values (a mapping label -> data)."""

_MAX_POINTS = 1_000  # nudged points one call may ask for


def check_derivation(
    output: Value,
    hand: Mapping[str, HandValue] | Mapping[Value, HandValue] | Mapping[str | Value, HandValue],
    *,
    rtol: float = 1e-6,
    atol: float = 1e-9,
    points: int = 4,
    seed: int = 0,
    nudge: float = 0.1,
    fixed: Iterable[str | Value] | str | Value = (),
) -> DerivationReport:
    """Compare gradients worked out by hand with the engine's, node by node in backward order.

    `hand` maps a node to what you believe d(output)/d(node) is. A node is named by its label
    ("z3"), by a gradient written with it ("dL/dz3", "∂C/∂w2"; the numerator is not checked), or
    is the Value itself. Each hand value is a number or a function that receives the forward
    values of the labelled nodes (a mapping label -> float) and returns a number, so a printed
    formula can be typed in as it reads: ``lambda v: (v["a3"] - v["y"]) * v["a2"]``.

    A hand value agrees when |hand - engine| <= atol + rtol * |engine|. The engine's gradients
    are computed with `grad`, so every `.grad` in the graph is left as it was.

    One point can fool a check (at y = 1 a wrong term times 1 - y is 0), so a formula is also
    checked at `points` points near the given one (default 4; ``points=0``: the given point
    alone). At each, every labelled leaf, targets such as y included, moves up or down by
    between half and all of ``nudge * (|value| + 0.1)`` (default 0.1: 5-10 % plus 0.005-0.01),
    drawn from ``random.Random(seed)``, so the same call gives the same report. Leaves named in
    `fixed` (labels or Values) stay put, e.g. a label y that your derivation assumes is 0 or 1.
    Unlabelled leaves and plain numbers stay put too: a formula can only read labelled nodes,
    so their values can only be typed into it. The graph is re-evaluated there without touching
    any node (`autograd.derivation.nudge`), as recorded (a Python ``if`` taken while building it is not
    taken again); a nudge that leaves an operation's domain (log of a negative number, division
    by 0, an overflow) is skipped and counted. A number can only be checked at the given point.

    The report lists the entries in backward order (from the output towards the inputs, layer
    by layer); ``report.first_divergence`` is the first entry that disagrees, with the
    chain-rule terms (upstream gradient times local derivatives from the rule table) whose sum
    is the engine's value, the ratio hand / engine and, when a node value or local derivative on
    the paths to the output equals it or its inverse at every point where they disagree, that
    factor ("divided by W3 = 2.1: a factor W3 may be missing"). Each row's ``untested`` names
    the paths that contribute exactly 0 at the given point (a ReLU that is off, a factor 1 - y
    at y = 1) and the nudged points where they do not. Example::

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
            f"check_derivation: hand must be a mapping such as {{'dL/dz3': 0.25}}, got {type(hand).__name__}"
        )
    if not hand:
        raise ValueError("check_derivation: hand is empty; there is nothing to check")
    rtol = finite_tolerance(rtol, "rtol")
    atol = finite_tolerance(atol, "atol")
    points = whole_number(points, "points", 0, _MAX_POINTS)
    seed = whole_number(seed, "seed", None, None)
    nudge = tolerance(nudge, "check_derivation: nudge", positive=True)

    order = topological_order(output)
    by_label: dict[str, list[Value]] = {}
    for node in reversed(order):
        if node.label:
            by_label.setdefault(node.label, []).append(node)
    in_graph = set(order)
    forward = ForwardValues(by_label)
    out_name = output.label or "out"
    held = held_leaves(fixed, by_label, in_graph)

    entries: list[_Entry] = []
    for key, value in hand.items():
        node = node_of_key(key, by_label, in_graph, forward)
        name = key if isinstance(key, str) else f"d{out_name}/d{node_name(node)}"
        formula = value if callable(value) and not isinstance(value, Value) else None
        entries.append(_Entry(name, node, formula, hand_number(name, value, forward)))

    # Backward order, layer by layer: a node's step counts the named nodes (labelled, or checked
    # here) on the longest path from the output to it, so it exceeds the step of every named node
    # it feeds. Nodes on the same step keep the order in which `hand` lists them.
    named = {node for node in order if node.label} | {e.node for e in entries}
    step_of = {node: 0 for node in order}
    for node in reversed(order):
        below = step_of[node] + (node in named)
        for operand in node.children:
            step_of[operand] = max(step_of[operand], below)
    entries = sorted(entries, key=lambda e: step_of[e.node])  # stable: ties keep hand's order

    engine = dict(zip(order, engine_gradients(output, order, order)))
    consumers: dict[Value, list[Edge]] = {node: [] for node in order}
    for node in order:
        for edge in edges(node):
            consumers[edge.operand].append(edge)
    graph = _Graph(
        output,
        out_name,
        consumers,
        engine,
        {n: n.data for n in order},
        by_label,
        step_of,
        {e.node for e in entries},
        rtol,
        atol,
    )

    movable = [node for node in order if node.rule is None and node.label and node not in held]
    given_only = (
        "points=0"
        if points == 0
        else "every hand value is a number"
        if all(e.formula is None for e in entries)
        else "no labelled leaf to nudge"
        if not movable
        else ""
    )
    tried, evaluated = _nudged_points(order, movable, 0 if given_only else points, seed, nudge)
    zeros = [(edge, named_local(edge)) for node in order for edge in edges(node) if local_derivative(edge) == 0.0]
    rows = tuple(_row(graph, entry, evaluated, zeros) for entry in entries)
    return DerivationReport(out_name, rows, rtol, atol, tuple(tried), seed, nudge, given_only)


def _nudged_points(
    order: list[Value], movable: list[Value], points: int, seed: int, nudge: float
) -> tuple[list[NudgedPoint], list[_Evaluated]]:
    """The nudged points tried, and the graph's values and gradients at those inside every
    operation's domain. Each point draws its nudges whether or not it is skipped, so a seed
    always gives the same points."""
    rng = random.Random(seed)
    tried: list[NudgedPoint] = []
    evaluated: list[_Evaluated] = []
    for index in range(1, points + 1):
        leaves = nudged_leaves(movable, rng, nudge)
        moved = tuple((node_name(leaf), leaf.data, x) for leaf, x in leaves.items())
        try:
            values, grads = at_point(order, leaves)
        except (ArithmeticError, ValueError) as error:  # log of a negative number, division by 0, ...
            tried.append(NudgedPoint(index, moved, str(error)))
            continue
        tried.append(NudgedPoint(index, moved))
        evaluated.append(_Evaluated(tried[-1], values, grads))
    return tried, evaluated


@dataclass(frozen=True)
class _Entry:
    name: str
    node: Value
    formula: Callable[[Mapping[str, float]], object] | None  # None: a number
    hand: float  # at the given point


@dataclass(frozen=True, eq=False)
class _Evaluated:
    point: NudgedPoint
    values: dict[Value, float]
    grads: dict[Value, float]


@dataclass(frozen=True, eq=False)
class _Graph:
    """What every row's check reads: the graph, the engine's gradients and values at the given point."""

    output: Value
    out_name: str
    consumers: dict[Value, list[Edge]]
    engine: dict[Value, float]
    given: dict[Value, float]
    by_label: dict[str, list[Value]]
    step_of: dict[Value, int]
    checked: set[Value]
    rtol: float
    atol: float

    def close(self, hand: float, engine: float) -> bool:
        return abs(hand - engine) <= self.atol + self.rtol * abs(engine)

    def between(self, above_nodes: dict[Value, None]) -> tuple[str, ...]:
        """The gradients of the labelled nodes between a node and the output that no hand entry
        checks, nearest the output first: where to look next, node by node."""
        between = [n for n in above_nodes if n.label and n is not self.output and n not in self.checked]
        between.sort(key=lambda n: self.step_of[n])
        return tuple(dict.fromkeys(f"d{self.out_name}/d{n.label}" for n in between))


def _row(
    g: _Graph, entry: _Entry, evaluated: list[_Evaluated], zeros: list[tuple[Edge, LocalDerivative]]
) -> DerivationRow:
    """Check one hand entry at the given point and at every nudged point, and explain what it finds."""
    node = entry.node
    exact = g.engine[node]
    ok_here = g.close(entry.hand, exact)
    terms = chain_terms(node, g.output, g.consumers)
    factors = tuple(chain_factor(end, chain, g.engine) for end, chain in terms)

    checks: list[PointCheck] = []
    unevaluated: list[str] = []
    at: dict[int, _Evaluated] = {}
    if entry.formula is not None:
        for ev in evaluated:
            try:
                h = hand_number(entry.name, entry.formula, ForwardValues(g.by_label, ev.values))
            except (ArithmeticError, ValueError) as error:  # the graph is defined here, the formula not
                unevaluated.append(f"point {ev.point.index}: {error}")
                continue
            e = ev.grads[node]
            checks.append(PointCheck(ev.point.index, h, e, g.close(h, e)))
            at[ev.point.index] = ev
    miss = next((i for i, c in enumerate(checks) if not c.ok), None)
    if miss is not None:  # the first miss shows the engine's terms there
        c, ev = checks[miss], at[checks[miss].point]
        there = tuple(chain_factor(end, chain, ev.grads, ev.values) for end, chain in terms)
        checks[miss] = PointCheck(c.point, c.hand, c.engine, c.ok, there)
    ok = ok_here and miss is None

    above_nodes, above_edges = nodes_and_edges_above(node, g.consumers) if zeros or not ok else ({}, [])
    untested = []
    for edge, local in zeros:
        if edge.operand is node or edge.operand in above_nodes:
            nonzero = tuple(
                c.point
                for c in checks
                if local_at(edge, at[c.point].values) != 0.0 and at[c.point].grads[edge.node] != 0.0
            )
            untested.append(zero_path(edge, local, nonzero))

    ratio: float | None = None
    constant_ratio = False
    hints: tuple[FactorHint, ...] = ()
    between: tuple[str, ...] = ()
    if not ok:
        wrong: list[Disagreement] = [(entry.hand, exact, g.given)] if not ok_here else []
        wrong += [(c.hand, c.engine, at[c.point].values) for c in checks if not c.ok]
        ratio, constant_ratio, hints = explain_ratio(wrong, above_nodes, above_edges, g.by_label, g.rtol)
        between = g.between(above_nodes)
    return DerivationRow(
        entry.name,
        node_name(node),
        g.step_of[node],
        entry.hand,
        exact,
        ok,
        factors,
        formula=entry.formula is not None,
        checks=tuple(checks),
        untested=tuple(untested),
        ok_here=ok_here,
        ratio=ratio,
        constant_ratio=constant_ratio,
        hints=hints,
        between=between,
        unevaluated=tuple(unevaluated),
    )
