"""A node's gradient as chain-rule terms, for `check_derivation`: the paths from the node up to the
output, each local derivative written with the names of the nodes, and those names themselves
(a node's label, else the expression that made it)."""

from __future__ import annotations

import re
from collections.abc import Mapping

from ..explain import local_derivative, repeated_operands
from ..graph import Edge, operands
from ..value import Value
from .nudge import local_at
from .report import ChainFactor, LocalDerivative

__all__ = ["chain_terms", "chain_factor", "named_local", "node_name"]

_MAX_PATHS = 32  # more chain-rule paths than this to labelled nodes: show immediate consumers
_MAX_STEPS = 64  # a path longer than this to a labelled node: show immediate consumers
_SHOWN_PAIRS = 3  # pairs of a dot node written out when an unlabelled node is described


def chain_terms(node: Value, output: Value, consumers: dict[Value, list[Edge]]) -> list[tuple[Value, list[Edge]]]:
    """The chain-rule terms of node's gradient, each running up to a labelled node (or the output),
    as (that node, its edges from there down to node).

    When following unlabelled nodes would give more than _MAX_PATHS terms, or a term of more
    than _MAX_STEPS local derivatives (a long unlabelled chain), each term stops at the node's
    immediate consumer instead.
    """
    if node is output:
        return []
    terms = _paths_up(node, output, consumers)
    if terms is None:
        terms = [(edge.node, [edge]) for edge in consumers[node]]
    return terms


def chain_factor(
    end: Value, chain: list[Edge], grads: Mapping[Value, float], values: Mapping[Value, float] | None = None
) -> ChainFactor:
    """One chain-rule term: d output / d end times the local derivatives of chain, at the given
    point or (values, grads) at another."""
    return ChainFactor(node_name(end), grads[end], tuple(named_local(edge, values) for edge in chain))


def _paths_up(node: Value, output: Value, consumers: dict[Value, list[Edge]]) -> list[tuple[Value, list[Edge]]] | None:
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


def named_local(edge: Edge, values: Mapping[Value, float] | None = None) -> LocalDerivative:
    """The local derivative of an edge, its formula written with the names of the nodes; its value
    at the given point, or at `values` (every node's value at another point)."""
    consumer = edge.node
    names = {"a": node_name(edge.a), "b": node_name(edge.b), "out": node_name(consumer)}
    formula = re.sub(r"\b(a|b|out)\b", lambda m: names[m.group(1)], edge.formula)
    formula = re.sub(r"\b(\d+)\.0\b", r"\1", formula)
    value = local_derivative(edge) if values is None else local_at(edge, values)
    position = edge.position if edge.operand in repeated_operands(consumer) else None
    return LocalDerivative(node_name(consumer), node_name(edge.operand), edge.rule.name, formula, value, position)


def node_name(x: object, depth: int = 2) -> str:
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
        shown = [f"{node_name(p, depth - 1)} * {node_name(q, depth - 1)}" for p, q in pairs]
        if n > _SHOWN_PAIRS:
            shown.append(f"… {n - _SHOWN_PAIRS:,} more terms")
        return "(" + " + ".join(shown) + ")"
    parts = [node_name(o, depth - 1) for o in ops]
    if rule.arity == 2:
        return f"({parts[0]} {rule.symbol} {parts[1]})"
    if rule.name == "neg":
        return f"-{parts[0]}"
    operand = ops[0]
    wrapped = type(operand) is Value and not operand.label and operand.rule is not None and operand.rule.arity == 2
    return f"{rule.symbol}{parts[0]}" if wrapped and parts[0] != "…" else f"{rule.symbol}({parts[0]})"
