"""Why a hand formula may be wrong, or untested, for `check_derivation`: the paths that contribute
exactly 0 at the given point, and the node value or local derivative on the paths to the output
that would explain a wrong formula's ratio hand / engine (a factor missing, or one too many)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping

from ..graph import Edge, operands
from ..value import Value
from .nudge import local_at
from .report import FactorHint, LocalDerivative, UntestedPath
from .terms import named_local, node_name

__all__ = ["Disagreement", "nodes_and_edges_above", "zero_path", "explain_ratio"]

_ABOVE_EDGES = 20_000  # edges above a node searched for zero paths and for a factor behind a ratio
_SHOWN_HINTS = 3  # factors named as the explanation of one ratio
_NUMBER = re.compile(r"-?\d+(\.\d*)?(e[-+]?\d+)?")


def nodes_and_edges_above(node: Value, consumers: dict[Value, list[Edge]]) -> tuple[dict[Value, None], list[Edge]]:
    """The nodes on the paths from node up to the output (node excluded) and the edges between,
    nearest first; at most _ABOVE_EDGES edges. Breadth first, no recursion."""
    nodes: dict[Value, None] = {}  # an ordered set
    found: list[Edge] = []
    frontier = [node]
    while frontier and len(found) < _ABOVE_EDGES:
        up: list[Value] = []
        for x in frontier:
            for edge in consumers[x]:
                found.append(edge)
                if edge.node not in nodes:
                    nodes[edge.node] = None
                    up.append(edge.node)
        frontier = up
    return nodes, found[:_ABOVE_EDGES]


def zero_path(edge: Edge, local: LocalDerivative, nonzero_at: tuple[int, ...]) -> UntestedPath:
    """The paths through an edge whose local derivative is 0 at the given point, said in words."""
    through = node_name(edge.node)
    if edge.rule.name == "relu":
        x, name = edge.operand.data, node_name(edge.operand)
        because = (
            f"relu is at its kink ({name} = 0), where its slope is taken as 0"
            if x == 0.0
            else f"relu is off ({name} = {x:.4g})"
        )
        remedy = f"to test it, check again at a point where {name} > 0 (another input, or other weights)"
        return UntestedPath(through, local, because, False, nonzero_at, remedy)
    if _NUMBER.fullmatch(local.formula):
        because = f"{local.name} = 0, a plain number in the graph, which no nudge moves"
        remedy = (
            "to test it, make the number behind this 0 a labelled Value, which the nudges move "
            "(y = Value(1.0, label='y') rather than y = 1.0), or check again where it is not 0"
        )
        return UntestedPath(through, local, because, True, nonzero_at, remedy)
    return UntestedPath(through, local, _zero_value(edge, local), False, nonzero_at)


def _zero_value(edge: Edge, local: LocalDerivative) -> str:
    """'∂(…)/∂log(1 - a3) = (1 - y) = 0 at y = 1': the local derivative and the labelled values in it."""
    at = [
        f"{v.label} = {v.data:.6g}"
        for v in dict.fromkeys(_named_in((edge.node, *operands(edge.node)), 2))
        if re.search(rf"(?<![\w.]){re.escape(v.label)}(?![\w.])", local.formula)
    ]
    return f"{local.name} = {local.formula} = 0" + (f" at {', '.join(at)}" if at else "")


def _named_in(xs: Iterable[object], depth: int) -> Iterator[Value]:
    """The labelled Values that `node_name` would name when describing each of xs, `depth` deep."""
    for x in xs:
        if type(x) is not Value:
            continue
        if x.label:
            yield x
        elif depth > 0 and x.rule is not None:
            yield from _named_in(operands(x), depth - 1)


Disagreement = tuple[float, float, Mapping[Value, float]]  # hand, engine, every node's value at that point


def explain_ratio(
    wrong: list[Disagreement],
    above_nodes: dict[Value, None],
    above_edges: list[Edge],
    by_label: Mapping[str, list[Value]],
    rtol: float,
) -> tuple[float | None, bool, tuple[FactorHint, ...]]:
    """hand / engine where the formula first disagrees; whether it is the same wherever it
    disagrees; and the node values or local derivatives on the paths to the output that equal it
    (an extra factor) or its inverse (a missing one) at every point where it disagrees.

    wrong: the points where it disagrees, the given one first if there; by_label: the graph's
    labelled nodes; rtol: the check's relative tolerance (at least 1e-9 is used to compare).
    """
    hand, engine, values = wrong[0]
    if engine == 0.0:
        return None, False, ()
    ratio = hand / engine
    tol = max(rtol, 1e-9)
    constant = len(wrong) > 1 and all(e != 0.0 and _near(h / e, ratio, tol) for h, e, _ in wrong[1:])
    if ratio == 0.0 or _near(abs(ratio), 1.0, tol):
        return ratio, constant, ()
    hints: list[FactorHint] = []
    for name, describe, value_at in _candidates(by_label, above_nodes, above_edges):
        try:
            c = value_at(values)
            if c == 0.0 or _near(abs(c), 1.0, tol):
                continue
            if _near(ratio, c, tol):
                missing = False
            elif _near(ratio * c, 1.0, tol):
                missing = True
            else:
                continue
            fits = all(
                _near(h * value_at(v), e, tol) if missing else _near(h, e * value_at(v), tol) for h, e, v in wrong[1:]
            )
        except (ArithmeticError, ValueError):
            continue
        if fits:
            hints.append(FactorHint(name, c, missing, describe(c)))
            if len(hints) == _SHOWN_HINTS:
                break
    return ratio, constant, tuple(hints)


_Candidate = tuple[str, Callable[[float], str], Callable[[Mapping[Value, float]], float]]


def _candidates(
    by_label: Mapping[str, list[Value]], above_nodes: dict[Value, None], above_edges: list[Edge]
) -> Iterator[_Candidate]:
    """Numbers a formula may have one too many or too few of: first each local derivative on the
    paths to the output ('W3', named by its formula when that is one node's label)."""
    seen: set[str] = set()
    for edge in above_edges:
        local = named_local(edge)
        simple = local.formula in by_label

        def describe(c: float, local: LocalDerivative = local, simple: bool = simple) -> str:
            if simple:
                return f"{local.formula} = {c:.6g} ({local.name})"
            if _NUMBER.fullmatch(local.formula):
                return f"{local.name} = {c:.6g}"
            return f"{local.name} = {local.formula} = {c:.6g}"

        name = local.formula if simple else local.name
        if name not in seen:
            seen.add(name)
            yield name, describe, lambda values, edge=edge: local_at(edge, values)  # type: ignore[misc]
    # then the values of the nodes on those paths, then of every labelled node (an input slipped
    # in from another layer: dL/db2 written with an a1 in it)
    labelled = (nodes[0] for nodes in by_label.values() if len(nodes) == 1)
    for node in (*above_nodes, *labelled):
        name = node_name(node)
        if name not in seen:
            seen.add(name)
            yield name, lambda c, name=name: f"{name} = {c:.6g}", lambda values, node=node: values[node]  # type: ignore[misc]


def _near(x: float, y: float, tol: float) -> bool:
    return abs(x - y) <= tol * max(abs(x), abs(y))
