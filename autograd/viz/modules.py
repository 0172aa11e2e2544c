"""Drawing an nn model by its layers and neurons: ``draw_dot(loss, modules=model, expand=...)``.

The model is read by duck typing (``.layers``, ``.neurons``, ``.w``, ``.b``), so autograd never
imports nn. Each call of a neuron found in the graph is drawn as one box unless expanded, and each
layer and each neuron is a Graphviz cluster.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import graphviz  # type: ignore[import-untyped]  # graphviz ships no py.typed marker

from ..graph import edges, operands
from ..value import Value
from .labels import _label

ACTIVATIONS = ("relu", "sigmoid", "tanh")  # unary rules a neuron may end with (when it does not say)
LAYER_COLOUR = "gray55"  # a layer's dashed frame
NEURON_COLOUR = "#9ecae1"  # a neuron's frame, when it is drawn in full


def _value_operands(node: Value) -> list[Value]:
    """node's operands that are Values, in order: the constants folded into its operation left out."""
    return [x for x in operands(node) if type(x) is Value]


@dataclass
class _Call:
    """One call of a neuron in the graph: its operation nodes and the values it read."""

    output: Value  # a = act(z), or z for a linear neuron
    inside: list[Value]  # its operation nodes, output last, in topological order
    inputs: list[Value]  # the Values it read that are not its parameters (x), in order of first use
    activation: str | None  # the rule applied to z, if any ('relu')


@dataclass
class _Neuron:
    name: str  # 'L1.n3'
    layer: str | None  # 'L1' (None for a neuron drawn alone)
    params: list[Value]  # w1, ..., wn, b
    activation: str | None  # the neuron's own word for it, when it has one
    calls: list[_Call] = field(default_factory=list)
    expanded: bool = False


def _is_neuron(m: object) -> bool:
    w, b = getattr(m, "w", None), getattr(m, "b", None)
    return type(b) is Value and isinstance(w, (list, tuple)) and all(type(x) is Value for x in w)


def _prefix(labels: list[str]) -> str:
    """The dotted prefix every label shares, without its last dot: ['L1.n3.w1', 'L1.n3.b'] -> 'L1.n3'."""
    if not labels or not all(labels):
        return ""
    first = labels[0]
    end = 0
    while (dot := first.find(".", end)) >= 0 and all(s[: dot + 1] == first[: dot + 1] for s in labels):
        end = dot + 1
    return first[: end - 1] if end else ""


def _module_tree(modules: object) -> list[tuple[str | None, list[tuple[str, Any]]]]:
    """[(layer name or None, [(neuron name, neuron), ...]), ...] from an MLP, a Layer, a Neuron or a
    list of layers. Names come from the parameters' labels ('L1.n3.w2' -> neuron 'L1.n3', layer
    'L1') and are numbered 1, 2, ... by position when the labels do not name them one to one."""
    found: Any = modules
    if _is_neuron(found):
        return [(None, [(_prefix([p.label for p in _params(found)]) or "neuron", found)])]
    if isinstance(getattr(found, "neurons", None), (list, tuple)):
        layers: list[Any] = [found]
    elif isinstance(getattr(found, "layers", None), (list, tuple)):
        layers = list(found.layers)
    elif isinstance(found, (list, tuple)) and found:
        layers = list(found)
    else:
        raise TypeError(
            "draw_dot: modules must be an nn model (an MLP, a Layer, a Neuron or a list of layers), "
            f"got {type(modules).__name__}"
        )
    tree: list[tuple[str | None, list[tuple[str, Any]]]] = []
    for i, layer in enumerate(layers, 1):
        neurons = [layer] if _is_neuron(layer) else getattr(layer, "neurons", None)
        if not isinstance(neurons, (list, tuple)) or not all(_is_neuron(n) for n in neurons):
            raise TypeError(
                f"draw_dot: modules: layer {i} ({type(layer).__name__}) has no list of neurons "
                "(each with a list of weights .w and a bias .b)"
            )
        tree.append((f"L{i}", [(f"L{i}.n{j}", n) for j, n in enumerate(neurons, 1)]))
    # the labels' own names, when they name every neuron one to one
    named = [[_prefix([p.label for p in _params(n)]) for _, n in group] for _, group in tree]
    flat = [name for names in named for name in names]
    if all(flat) and len(set(flat)) == len(flat):
        tree = [
            (_prefix(names) or layer, list(zip(names, (n for _, n in group))))
            for (layer, group), names in zip(tree, named)
        ]
        if len({layer for layer, _ in tree}) < len(tree):  # layers alone share names (n1, n2, ...)
            tree = [(f"L{i}", group) for i, (_, group) in enumerate(tree, 1)]
    return tree


def _params(neuron: Any) -> list[Value]:
    return [*neuron.w, neuron.b]


def _find_calls(neuron: _Neuron, consumers: Mapping[Value, list[Value]]) -> list[_Call]:
    """Every call of the neuron in the graph: act(b + w1*x1 + ... + wn*xn), as one `dot` node or
    as a chain of multiplies and adds (in any order), then its activation when it has one.

    Each call uses the bias once, so each use of b starts one; a use that is not of this shape
    (b * b in a penalty, say) is not a call, and its nodes are drawn as they are.
    """
    params = set(neuron.params)
    weights = set(neuron.params[:-1])
    bias = neuron.params[-1]
    calls = []
    for start in consumers.get(bias, []):
        inside = _pre_activation(start, bias, weights, params, consumers)
        if inside is None:
            continue
        z = inside[-1]
        after = consumers.get(z, [])
        activation = None
        if len(after) == 1 and after[0].rule is not None and _value_operands(after[0]) == [z]:
            act = after[0].rule.name
            if act == neuron.activation or (neuron.activation is None and act in ACTIVATIONS):
                inside.append(after[0])
                activation = act
        inputs: list[Value] = []
        for node in inside:
            for x in _value_operands(node):
                if x not in params and x not in inside and x not in inputs:
                    inputs.append(x)
        calls.append(_Call(inside[-1], inside, inputs, activation))
    return calls


def _pre_activation(
    start: Value, bias: Value, weights: set[Value], params: set[Value], consumers: Mapping[Value, list[Value]]
) -> list[Value] | None:
    """The nodes of z = b + w1*x1 + ... from `start`, the node that uses the bias, z last; or None."""
    rule = start.rule
    if rule is None:
        return None
    if rule.variadic:  # one dot node: (b, w1, ..., wn) against (1, x1, ..., xn), either way round
        ops = operands(start)
        half = len(ops) // 2
        sides = [ops[:half], ops[half:]]
        for mine, other in (sides, sides[::-1]):
            if set(mine) == params and len(mine) == len(params) and not params & set(other):
                return [start]
        return None
    inside: list[Value] = []
    used: set[Value] = set()
    node, prev = start, bias
    while True:  # each step: node = prev + w*x (or w*x + prev)
        if node.rule is None or node.rule.name != "add":
            return None
        ops = operands(node)
        if prev not in ops:
            return None
        term = ops[1] if ops[0] is prev else ops[0]
        if type(term) is not Value or term.rule is None or term.rule.name != "mul":
            return None
        w = [x for x in operands(term) if x in weights]
        x = [y for y in operands(term) if y not in params]
        if len(w) != 1 or len(x) != 1 or w[0] in used or consumers.get(term, []) != [node]:
            return None
        used.add(w[0])
        inside += [term, node]
        if used == weights:
            return inside
        after = consumers.get(node, [])
        if len(after) != 1:
            return None
        node, prev = after[0], node


def _call_derivatives(call: _Call) -> list[float]:
    """d output / d x for each input x of the call: the chain rule summed over the paths inside it."""
    inside = set(call.inside)
    adjoint: dict[Value, float] = {call.output: 1.0}
    through: dict[Value, float] = {}
    for node in reversed(call.inside):
        g = adjoint.get(node, 0.0)
        for edge in edges(node):
            try:
                local = edge.local()
            except (ArithmeticError, ValueError):
                local = math.nan
            if edge.operand in inside:
                adjoint[edge.operand] = adjoint.get(edge.operand, 0.0) + g * local
            else:
                through[edge.operand] = through.get(edge.operand, 0.0) + g * local
    return [through.get(x, 0.0) for x in call.inputs]


@dataclass
class _Model:
    """What a model adds to a drawing: clusters, and the neurons drawn as one box."""

    neurons: list[_Neuron]
    cluster: dict[Value, _Neuron]  # a node drawn inside a neuron's cluster
    boxes: dict[Value, tuple[_Neuron, _Call]]  # a collapsed call's output -> its neuron and call
    hidden: set[Value]  # the other nodes of collapsed calls


def _model(modules: object, expand: object, consumers: Mapping[Value, list[Value]], in_graph: set[Value]) -> _Model:
    tree = _module_tree(modules)
    neurons: list[_Neuron] = []
    by_object: dict[int, _Neuron] = {}
    for layer, group in tree:
        for name, obj in group:
            act = getattr(obj, "activation", None)
            neuron = _Neuron(name, layer, _params(obj), act if isinstance(act, str) else None)
            neurons.append(neuron)
            by_object[id(obj)] = neuron
    wanted = _expanded(expand, tree, by_object)
    model = _Model(neurons, {}, {}, set())
    for neuron in neurons:
        neuron.expanded = neuron.name in wanted or neuron.layer in wanted
        if not any(p in in_graph for p in neuron.params):
            continue
        neuron.calls = _find_calls(neuron, consumers)
        for p in neuron.params:
            model.cluster[p] = neuron
        for call in neuron.calls:
            for node in call.inside:
                model.cluster[node] = neuron
            if not neuron.expanded:
                model.boxes[call.output] = (neuron, call)
                model.hidden.update(call.inside[:-1])
    return model


def _expanded(
    expand: object, tree: list[tuple[str | None, list[tuple[str, Any]]]], by_object: Mapping[int, _Neuron]
) -> set[str | None]:
    """The names of the neurons and layers to draw in full."""
    names = {layer for layer, _ in tree if layer} | {name for _, group in tree for name, _ in group}
    if expand is True:
        return set(names)
    if expand is None or expand is False:
        return set()
    items = [expand] if isinstance(expand, str) or not isinstance(expand, Iterable) else list(expand)
    wanted: set[str | None] = set()
    for item in items:
        if isinstance(item, str):
            if item not in names:
                known = ", ".join(sorted(names)[:8]) + (", ..." if len(names) > 8 else "")
                raise ValueError(
                    f"draw_dot: expand: no layer or neuron of the model is called {item!r}; they are {known}"
                )
            wanted.add(item)
        elif id(item) in by_object:
            wanted.add(by_object[id(item)].name)
        elif isinstance(getattr(item, "neurons", None), (list, tuple)):
            layer: Any = item
            wanted.update(by_object[id(n)].name for n in layer.neurons if id(n) in by_object)
        else:
            raise TypeError(
                f"draw_dot: expand takes names ('L1.n3', 'L1'), the model's neurons or layers, or True; got {item!r}"
            )
    return wanted


def _clusters(
    dot: graphviz.Digraph,
    model: _Model,
    members: Mapping[str, list[tuple[str, ...]]],
    write_node: Callable[[graphviz.Digraph, tuple[str, ...]], None],
) -> None:
    """The cluster subgraphs: one per layer, holding one per neuron, holding the neuron's nodes."""
    layers: dict[str | None, list[_Neuron]] = {}
    for neuron in model.neurons:
        if neuron.name in members:
            layers.setdefault(neuron.layer, []).append(neuron)
    taken: set[str] = set()

    def cluster_id(name: str) -> str:  # cluster_L1_n3: the SVG's <title> of the cluster names it too
        base = "cluster_" + re.sub(r"\W", "_", name)
        cid, k = base, 1
        while cid in taken:
            k += 1
            cid = f"{base}_{k}"
        taken.add(cid)
        return cid

    for layer, neurons in layers.items():
        outer = dot
        if layer is not None:
            outer = graphviz.Digraph(name=cluster_id(layer))
            outer.attr(label=_label(layer), style="rounded,dashed", color=LAYER_COLOUR, fontcolor=LAYER_COLOUR)
            outer.attr(fontname="Helvetica", fontsize="14", labeljust="l")
        for neuron in neurons:
            inner = graphviz.Digraph(name=cluster_id(neuron.name))
            if neuron.expanded or not any(call.output in model.boxes for call in neuron.calls):
                inner.attr(label=_label(neuron.name), style="rounded", color=NEURON_COLOUR)
                inner.attr(fontname="Helvetica", fontsize="12", labeljust="l")
            else:  # its box already names it: the cluster only groups its calls, with no frame
                inner.attr(label="", peripheries="0", margin="4")
            for item in members[neuron.name]:
                write_node(inner, item)
            outer.subgraph(inner)
        if outer is not dot:
            dot.subgraph(outer)
