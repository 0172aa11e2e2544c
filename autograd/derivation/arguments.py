"""What `check_derivation` is given, read and checked: the keys and values of the hand entries, the
tolerances, counts and fixed leaves, with errors that say what was wrong; and `ForwardValues`, the
forward values by label that a hand formula reads."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator, Mapping

from ..numbers import as_number
from ..value import Value

__all__ = [
    "UnknownLabelError",
    "ForwardValues",
    "finite_tolerance",
    "whole_number",
    "held_leaves",
    "node_of_key",
    "hand_number",
]

# "dL/dz3", "∂C/∂w2": a hand key written as a gradient; group 2 is the label
_GRADIENT_KEY = re.compile(r"\s*[d∂]\s*([^/]*?)\s*/\s*[d∂]\s*(.+?)\s*")


class UnknownLabelError(KeyError):
    """A hand entry, or a hand formula, names a label that no node of the graph carries."""

    def __str__(self) -> str:  # KeyError would show the message in quotes
        return str(self.args[0]) if self.args else ""


class ForwardValues(Mapping[str, float]):
    """The forward values of the labelled nodes of a graph, by label; passed to hand formulas.

    values: each node's value at another point (see `nudge.at_point`); without it, `.data`.
    """

    def __init__(self, nodes: Mapping[str, list[Value]], values: Mapping[Value, float] | None = None) -> None:
        self._nodes = nodes
        self._values = values

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
        return nodes[0].data if self._values is None else self._values[nodes[0]]

    def __iter__(self) -> Iterator[str]:
        return iter(self._nodes)

    def __len__(self) -> int:
        return len(self._nodes)

    def __repr__(self) -> str:
        def shown(nodes: list[Value]) -> str:
            return f"{self[nodes[0].label]:.6g}" if len(nodes) == 1 else f"<{len(nodes)} nodes>"

        return "ForwardValues({" + ", ".join(f"{k!r}: {shown(v)}" for k, v in self._nodes.items()) + "})"


def finite_tolerance(x: object, name: str) -> float:
    """A tolerance as a float: TypeError unless a real number, ValueError unless finite and >= 0.

    An infinite tolerance would pass every hand gradient and a nan one fail every one, whatever
    the numbers, so both are refused rather than giving a report that checks nothing.
    """
    number = as_number(x, f"check_derivation: {name}")  # refuses bool, str, complex, None
    if not 0.0 <= number < math.inf:
        raise ValueError(f"check_derivation: {name} must be a finite number >= 0, got {x!r}")
    return number


def whole_number(x: object, name: str, low: int | None, high: int | None) -> int:
    """An int (never a bool) within [low, high], or the error that says what was given."""
    if isinstance(x, bool) or not isinstance(x, int):
        raise TypeError(f"check_derivation: {name} must be an int, got {type(x).__name__}: {x!r}")
    if (low is not None and x < low) or (high is not None and x > high):
        raise ValueError(f"check_derivation: {name} must be between {low} and {high}, got {x!r}")
    return x


def held_leaves(
    fixed: Iterable[str | Value] | str | Value, by_label: dict[str, list[Value]], in_graph: set[Value]
) -> set[Value]:
    """The leaves `fixed` names (labels or Values), which the nudges leave where they are."""
    items: Iterable[object] = (fixed,) if isinstance(fixed, (str, Value)) else fixed
    held: set[Value] = set()
    for x in items:
        if type(x) is Value:
            if x not in in_graph:
                raise ValueError(f"check_derivation: fixed {x!r} is not part of the output's graph")
            held.add(x)
        elif isinstance(x, str):
            if x not in by_label:
                raise UnknownLabelError(
                    f"check_derivation: fixed names {x!r}, which no node carries; the labels are {_listing(by_label)}"
                )
            held.update(by_label[x])
        else:
            raise TypeError(f"check_derivation: fixed must hold labels or Values, got {type(x).__name__}: {x!r}")
    return held


def node_of_key(key: object, by_label: dict[str, list[Value]], in_graph: set[Value], forward: ForwardValues) -> Value:
    """The node a hand entry refers to: a Value of the graph, a label, or 'dL/d<label>'."""
    if type(key) is Value:
        if key not in in_graph:
            raise ValueError(f"check_derivation: {key!r} is not part of the output's graph")
        return key
    if not isinstance(key, str):
        raise TypeError(f"check_derivation: hand keys must be labels or Values, got {type(key).__name__}: {key!r}")
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


def hand_number(name: str, value: object, forward: ForwardValues) -> float:
    if callable(value) and not isinstance(value, Value):
        value = value(forward)
    if type(value) is Value:
        value = value.data
    number = as_number(value, f"check_derivation: hand value of {name!r}")
    if not math.isfinite(number):
        raise ValueError(f"check_derivation: hand value of {name!r} is {number!r}, not a finite number")
    return number


def _listing(labels: Mapping[str, object]) -> str:
    names = sorted(labels)
    if not names:
        return "(none: give nodes labels, e.g. Value(2.0, label='w1') or z.label = 'z1')"
    return ", ".join(repr(n) for n in names)
