"""draw_dot: the computation graph as a Graphviz drawing, each value with its data and gradient.

Every Value is a box showing its label (when set), its data and its gradient; every operation
is its own small node between its inputs and its output; every edge into an operation can carry
its local derivative, written ∂out/∂in (the factor the chain rule multiplies by there), while a
box's grad is a total derivative, d output / d value. Numbers that are operands but not Values
(the 2 in ``x ** 2``) are folded into the operation's node. Every text is written into the DOT
source as an HTML-like label, escaped, so labels and titles show exactly as given.

What a drawing leaves out it says: the caption counts the nodes not drawn (the node and edge cap),
the dashed copies of a value beside its distant uses, and the neurons drawn as one box; a value
whose grad is more than its drawn edges add up to says how much came through nodes not drawn.

Fitting the page: with ``rankdir="auto"`` (the default) the drawing is laid out left to right when
that fits `max_width` pixels, else top to bottom when that fits, else whichever is narrower; the
SVG is then scaled to fit (`render.Drawing` keeps its viewBox, so nothing is lost when zooming).

Models: ``draw_dot(loss, modules=model)`` groups the graph by an `nn` model's layers and neurons
(one Graphviz cluster each) and draws each neuron as one box; ``expand="L1.n3"`` draws that one
in full. The model is read by duck typing (``.layers``, ``.neurons``, ``.w``, ``.b``): autograd
never imports nn.

The drawing is a `Drawing` (a `graphviz.Digraph`), so Jupyter shows it inline and ``.pipe()``,
``.render()`` and ``.export()`` write SVG or PNG, all through `render.render_source`, which
needs no system Graphviz.

Its parts each have a file: labels.py (the texts, escaped for DOT), layout.py (the width estimate
that chooses rankdir, and the copies that keep dot quick) and modules.py (reading an nn model).
`_draw` here reads as their outline: read the graph, choose the nodes, plan them, write them.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import graphviz  # type: ignore[import-untyped]  # graphviz ships no py.typed marker

from ..explain import format_number, local_derivatives, repeated_operands
from ..graph import topological_order
from ..value import Value
from .labels import _counted, _html, _label, _wrap, edge_text, op_text
from .layout import _choose_rankdir, _estimate, _far_uses, _Shape
from .modules import _Call, _call_derivatives, _clusters, _Model, _model, _Neuron, _value_operands
from .render import MAX_WIDTH, Drawing

__all__ = ["draw_dot", "GradsOption", "NOT_COMPUTED", "NOT_DRAWN"]

GradsOption = bool | str | Mapping[Value, float]

NOT_COMPUTED = "grad: not yet computed"  # what a node shows before backward has reached it
NOT_DRAWN = "via nodes not drawn"  # the end of the note on a grad that its drawn edges do not add up to
RANKDIRS = ("auto", "LR", "TB", "RL", "BT")
EDGES_PER_NODE = 3  # a drawing has at most this many edges per max_nodes: dense graphs are cut too
MAX_BOX_LABELS = 64  # edges into neurons drawn as boxes, at most, that are labelled

# Colours: one per role, readable on white and when printed in grey (a model's frames: modules.py).
HIGHLIGHT = "#d62728"  # red: the paths from a chosen leaf to the root
HIGHLIGHT_FILL = "#fde0dd"
FOCUS = "#e6550d"  # orange: the step of backward being shown
FOCUS_FILL = "#fff2a8"
DONE_FILL = "#e5f5e0"  # pale green: gradient already final in a backward step
MUTED = "gray45"
NEURON_FILL = "#eef3fb"  # a neuron drawn as one box


def draw_dot(
    root: Value,
    rankdir: str = "auto",
    *,
    grads: GradsOption = "auto",
    edge_labels: bool = True,
    highlight: Value | Iterable[Value] | None = None,
    max_nodes: int = 500,
    title: str | None = None,
    format: str = "svg",
    modules: object = None,
    expand: object = (),
    max_width: float | None = MAX_WIDTH,
) -> Drawing:
    """Draw root's computation graph: a box per Value (label, data, grad), a node per operation.

    grads: "auto" (default) shows gradients when any node of the graph has a nonzero `.grad`
        (i.e. after backward) and otherwise "grad: not yet computed", never a misleading 0.0;
        True always shows `.grad`; False shows data only; a mapping {Value: gradient} (e.g. from
        `autograd.grad`) shows those and "not yet computed" for the rest. A grad that is more than
        its drawn edges add up to (the value is also used by nodes not drawn) says how much more:
        "incl. 9.5436 via nodes not drawn".
    edge_labels: label each edge into an operation with its local derivative ∂out/∂in.
    highlight: a Value (or several), usually a leaf: the paths from it to the root are drawn in red.
    max_nodes: draw at most this many Values, those nearest the root, with at most
        EDGES_PER_NODE * max_nodes edges among them (a dense graph is cut sooner); an operation
        whose operands were not drawn gets a dashed "..." beside it, and the caption says how
        many nodes were left out and why, so every drawing the defaults allow lays out quickly.
        A value used far from where it is drawn (an input used at every step of a loop) is
        drawn again, dashed, beside each distant use, and the caption says which and how often.
    title: a caption above the graph (any text: it is escaped for Graphviz and SVG).
    rankdir: "auto" (default): "LR" (inputs on the left) when the drawing fits max_width, else
        "TB" (inputs at the top) when that fits, else the narrower of the two. Or "LR", "TB",
        "RL", "BT". Left to right, a box stacks its name, data and grad, to keep it narrow.
    modules: an nn model (an MLP, a Layer, a Neuron, or a list of layers) whose parameters are in
        the graph: each layer and each neuron becomes a cluster, and each call of a neuron one
        box (its name, e.g. L1.n3, its activation, its output's data and grad), with an edge from
        each value it reads labelled with ∂a/∂x through the whole neuron.
    expand: with modules, the neurons to draw in full, with their parameters and operations:
        a name ("L1.n3"), a layer's name ("L1": all its neurons), the neuron or layer objects, a
        list of these, or True for all.
    max_width: the width in pixels the drawing should fit (default 1200, a page or a projector):
        it chooses rankdir="auto", and SVG output wider than this is scaled down to it (its
        viewBox is kept: zoom in to see it full size). None: laid out left to right, never scaled.
    """
    return _draw(
        root,
        rankdir=rankdir,
        grads=grads,
        edge_labels=edge_labels,
        highlight=highlight,
        max_nodes=max_nodes,
        title=title,
        format=format,
        modules=modules,
        expand=expand,
        max_width=max_width,
        notes=True,
    )


def _draw(
    root: Value,
    *,
    rankdir: str = "LR",
    grads: GradsOption = "auto",
    edge_labels: bool = True,
    highlight: Value | Iterable[Value] | None = None,
    max_nodes: int = 500,
    title: str | None = None,
    format: str = "svg",
    order: list[Value] | None = None,
    focus: Collection[Value] = (),
    focus_edges: Collection[tuple[Value, int]] = (),
    done: Collection[Value] = (),
    names: Mapping[Value, str] | None = None,
    modules: object = None,
    expand: object = (),
    max_width: float | None = MAX_WIDTH,
    notes: bool = False,
) -> Drawing:
    """draw_dot, plus what backprop_steps needs: a reusable order and the step's colouring.

    focus: nodes drawn in orange (the gradient just filled in); focus_edges: (consumer, operand
    index) edges drawn in orange (the local derivatives just applied); done: nodes whose gradient
    is already final (pale green); names: what unlabeled nodes are called in the caption.
    notes: mark grads that come partly through nodes not drawn, and explain ∂ and d in the caption.
    """
    _check_arguments(root, rankdir, max_nodes, title, max_width, modules, expand)
    graph = _read_graph(root, order, grads, highlight, modules, expand)
    chosen = _choose_nodes(graph, max_nodes)
    partial = _partial_grads(graph, chosen) if notes and graph.show_grads else {}
    boxes = _ValueBoxes(graph, names, chosen.copied, partial, set(focus), set(done))
    plan = _Plan(graph, chosen, boxes, edge_labels, focus_edges)  # every node and edge, in drawing order

    caption = [line for note in _caption(graph, chosen, plan, partial, edge_labels) for line in _wrap(note)]
    legend = _legend(plan, edge_labels, graph.show_grads) if notes else []
    title_lines = _wrap(title, 70) if title else []
    if rankdir == "auto":
        sized = [(line, 16) for line in title_lines] + [(line, 14) for line in caption] + [(";  ".join(legend), 10)]
        rankdir = _choose_rankdir(_estimate(plan.shapes, plan.links(), sized), max_width)

    dot = _new_drawing(rankdir, format, max_width)
    _write_nodes_and_edges(dot, plan, boxes, graph.model, stacked=rankdir in ("LR", "RL"))
    _write_caption(dot, title_lines, caption, legend)
    return dot


def _check_arguments(
    root: object,
    rankdir: str,
    max_nodes: object,
    title: object,
    max_width: object,
    modules: object,
    expand: object,
) -> None:
    """Refuse wrong arguments before any work, each error naming the argument and what it takes."""
    if type(root) is not Value:
        raise TypeError(f"draw_dot: root must be a Value, got {type(root).__name__}: {root!r}")
    if rankdir not in RANKDIRS:
        raise ValueError(f"draw_dot: rankdir must be one of {', '.join(RANKDIRS)}, got {rankdir!r}")
    if isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1:
        raise ValueError(f"draw_dot: max_nodes must be an int >= 1, got {max_nodes!r}")
    if title is not None and not isinstance(title, str):
        raise TypeError(f"draw_dot: title must be a str or None, got {type(title).__name__}: {title!r}")
    if max_width is not None and (
        isinstance(max_width, bool) or not isinstance(max_width, (int, float)) or not max_width > 0
    ):
        raise ValueError(f"draw_dot: max_width must be a number of pixels > 0 or None, got {max_width!r}")
    if modules is None and expand not in ((), None, False):
        raise ValueError("draw_dot: expand names neurons of a model: pass the model as modules= too")


# -- reading the graph -----------------------------------------------------------------------------


@dataclass
class _Graph:
    """root's graph as a drawing reads it, once: its order, grads, highlighted paths and model."""

    root: Value
    order: list[Value]  # topological: operands first
    index: dict[Value, int]  # a node's place in order; its box's DOT id is v<index>
    show_grads: bool  # whether boxes have a grad row
    grad_of: Callable[[Value], float | None]  # None: not yet computed
    on_path: set[Value]  # the highlighted paths to the root
    model: _Model | None  # with modules=: the neurons found in the graph (modules._model)
    boxes: dict[Value, tuple[_Neuron, _Call]]  # a neuron drawn as one box: its output -> neuron, call
    hidden: set[Value]  # the other nodes of the calls drawn as boxes
    _locals: dict[Value, list[float]] = field(default_factory=dict, repr=False)  # locals_of, computed once

    def inputs(self, node: Value) -> list[tuple[Value, int]]:
        """(operand, key) for each edge into node: its Value operands, or a collapsed call's inputs."""
        if node in self.boxes:
            return [(x, k) for k, x in enumerate(self.boxes[node][1].inputs)]
        return [(x, i) for i, x in enumerate(node.operands) if type(x) is Value]

    def children(self, node: Value) -> list[Value]:
        return [x for x, _ in self.inputs(node)]

    def locals_of(self, node: Value) -> list[float]:
        """The local derivative of each edge into node, in the order of inputs(node)."""
        if node not in self._locals:
            if node in self.boxes:
                self._locals[node] = _call_derivatives(self.boxes[node][1])
            else:
                derivs = local_derivatives(node, errors="nan")
                found = (derivs[i] for _, i in self.inputs(node))
                self._locals[node] = [d if d is not None else math.nan for d in found]
        return self._locals[node]

    def reachable(self) -> list[Value]:
        """The nodes a drawing of the model can reach, collapsed calls standing for their insides."""
        reach = {self.root}
        stack = [self.root]
        while stack:
            for x, _ in self.inputs(stack.pop()):
                if x not in reach:
                    reach.add(x)
                    stack.append(x)
        return [node for node in self.order if node in reach]


def _read_graph(
    root: Value,
    order: list[Value] | None,
    grads: GradsOption,
    highlight: Value | Iterable[Value] | None,
    modules: object,
    expand: object,
) -> _Graph:
    """Read root's graph for a drawing; a highlight outside it, or a model that is not one, is an error."""
    if order is None:
        order = topological_order(root)
    show_grads, grad_of = _resolve_grads(grads, order)
    index = {node: i for i, node in enumerate(order)}

    sources = _as_values(highlight)
    for leaf in sources:
        if leaf not in index:
            raise ValueError(f"draw_dot: highlight {leaf!r} is not part of root's graph")
    on_path = _downstream(order, set(sources)) if sources else set()

    model = None
    if modules is not None:
        model = _model(modules, expand, _consumers(order), set(index))
    boxes = model.boxes if model else {}
    hidden = model.hidden if model else set()
    return _Graph(root, order, index, show_grads, grad_of, on_path, model, boxes, hidden)


def _resolve_grads(grads: GradsOption, order: list[Value]) -> tuple[bool, Callable[[Value], float | None]]:
    """(show a grad row?, node -> gradient or None for 'not yet computed')."""
    if isinstance(grads, Mapping):
        return True, lambda node: None if node not in grads else float(grads[node])
    if grads is True:
        return True, lambda node: node.grad
    if grads is False:
        return False, lambda node: None
    if grads == "auto":
        if any(node.grad != 0.0 for node in order):
            return True, lambda node: node.grad
        return True, lambda node: None
    raise ValueError(f"draw_dot: grads must be 'auto', True, False or a mapping Value -> gradient, got {grads!r}")


def _as_values(highlight: Value | Iterable[Value] | None) -> list[Value]:
    if highlight is None:
        return []
    items = [highlight] if isinstance(highlight, Value) else list(highlight)
    for item in items:
        if type(item) is not Value:
            raise TypeError(f"draw_dot: highlight must be a Value or Values, got {type(item).__name__}")
    return items


def _downstream(order: list[Value], sources: set[Value]) -> set[Value]:
    """The nodes of the graph that depend on any source (sources included): the paths to the root."""
    hit: set[Value] = set()
    for node in order:
        if node in sources or any(c in hit for c in _value_operands(node)):
            hit.add(node)
    return hit


def _consumers(order: list[Value], only: Collection[Value] | None = None) -> dict[Value, list[Value]]:
    """The nodes of the graph that use each value (of `only`, when given), each listed once."""
    found: dict[Value, list[Value]] = {}
    for node in order:
        for x in dict.fromkeys(_value_operands(node)):
            if only is None or x in only:
                found.setdefault(x, []).append(node)
    return found


# -- choosing the nodes to draw --------------------------------------------------------------------


@dataclass
class _Chosen:
    """The nodes a drawing shows, and the uses it draws from a copy of their operand."""

    view: list[Value]  # every node it could show (with a model: collapsed calls for their insides)
    drawn: list[Value]  # those it does, in the same (topological) order
    drawn_set: set[Value]
    max_nodes: int
    edge_bound: bool  # whether the cap on edges, not on nodes, is what left nodes out
    far: set[tuple[Value, int]]  # (consumer, operand key) drawn from a dashed copy (layout._far_uses)
    copied: set[Value]  # the operands of those uses

    @property
    def max_edges(self) -> int:
        return EDGES_PER_NODE * self.max_nodes


def _choose_nodes(graph: _Graph, max_nodes: int) -> _Chosen:
    """Every node, when there are at most max_nodes with at most EDGES_PER_NODE edges each; else
    those nearest the root (_nearest). Then the longest uses among them, drawn from copies (_far_uses)."""
    view = graph.reachable() if graph.model else graph.order
    max_edges = EDGES_PER_NODE * max_nodes
    edge_bound = False
    if len(view) <= max_nodes and sum(len(graph.inputs(node)) for node in view) <= max_edges:
        drawn = view
    else:
        nearest, edge_bound = _nearest(graph.root, max_nodes, max_edges, graph.children)
        kept = set(nearest)
        drawn = [node for node in view if node in kept]  # keep topological order: stable output
    drawn_set = set(drawn)
    far = _far_uses(drawn, drawn_set, graph.inputs)
    copied = {x for node, i in far for x, key in graph.inputs(node) if key == i}
    return _Chosen(view, drawn, drawn_set, max_nodes, edge_bound, far, copied)


def _nearest(
    root: Value, limit: int, max_edges: int, children: Callable[[Value], Sequence[Value]]
) -> tuple[list[Value], bool]:
    """The nodes nearest the root (breadth first, operands in order): at most `limit` of them, with
    at most `max_edges` edges among them. Also says whether the edges were what stopped it.
    """
    seen = {root}
    queue = deque([root])
    kept: set[Value] = set()
    pending: dict[Value, int] = {}  # edges from kept consumers into a node not yet kept
    edge_count = 0
    while queue and len(kept) < limit:
        node = queue.popleft()
        below = children(node)
        new = pending.pop(node, 0) + sum(1 for c in below if c in kept)
        if kept and edge_count + new > max_edges:
            return list(kept), True
        kept.add(node)
        edge_count += new
        for child in below:
            if child not in kept:
                pending[child] = pending.get(child, 0) + 1
            if child not in seen:
                seen.add(child)
                queue.append(child)
    return list(kept), False


def _partial_grads(graph: _Graph, chosen: _Chosen) -> dict[Value, str]:
    """A note for each drawn value whose grad is more than its drawn edges give: how much more, and
    through how many of its uses not drawn (when they are in root's graph; a use outside it is not
    seen here): 'incl. 9.5436 via 3 nodes not drawn'."""
    explained: dict[Value, float] = {}
    spread: dict[Value, float] = {}
    unknown: set[Value] = set()
    for node in chosen.drawn:
        g = graph.grad_of(node)
        for (x, _), local in zip(graph.inputs(node), graph.locals_of(node)):
            if x not in chosen.drawn_set:
                continue
            if g is None:
                unknown.add(x)
                continue
            explained[x] = explained.get(x, 0.0) + g * local
            spread[x] = spread.get(x, 0.0) + abs(g * local)
    more: dict[Value, float] = {}
    for node in chosen.drawn:
        g = graph.grad_of(node)
        if node is graph.root or g is None or node in unknown or not math.isfinite(g):
            continue
        e = explained.get(node, 0.0)
        if math.isfinite(e) and abs(g - e) > 1e-9 * max(abs(g), spread.get(node, 0.0)):
            more[node] = g - e
    away = _consumers(graph.order, more) if more else {}
    partial: dict[Value, str] = {}
    for node, rest in more.items():
        n = sum(1 for c in away.get(node, []) if c not in chosen.drawn_set and c not in graph.hidden)
        via = f"via {n:,} node{'s' if n > 1 else ''} not drawn" if n else NOT_DRAWN
        partial[node] = f"incl. {format_number(rest)} {via}"
    return partial


# -- value boxes -----------------------------------------------------------------------------------


@dataclass
class _ValueBoxes:
    """What each drawn value's box shows: the name it goes by, its cells and its colours."""

    graph: _Graph
    names: Mapping[Value, str] | None  # what backprop_steps calls unlabeled nodes
    copied: set[Value]
    partial: dict[Value, str]  # notes on grads that come partly through nodes not drawn
    focus: set[Value]
    done: set[Value]

    def name_of(self, node: Value) -> str | None:
        """A box's name when it has no label: its neuron's, a given one, or v<index> for a copied value."""
        if node in self.graph.boxes:
            return self.graph.boxes[node][0].name
        if self.names:
            return self.names.get(node)
        return f"v{self.graph.index[node]}" if not node.label and node in self.copied else None

    def edge_name(self, node: Value) -> str:
        """What an edge label calls node (∂c/∂a); '' for none, and then the label is a number."""
        if node in self.graph.boxes:
            return self.graph.boxes[node][0].name
        if self.names:
            return self.names.get(node, node.label)
        return node.label

    def cells(self, node: Value, copy: bool = False) -> list[tuple[str, str]]:
        graph = self.graph
        heading = extra = None
        if node in graph.boxes:
            neuron, call = graph.boxes[node]
            heading = neuron.name  # and the output's own name, when it is not the neuron's (a1_3)
            if node.label and not node.label.startswith(neuron.name):
                heading = f"{neuron.name}: {node.label}"
            extra = f"{call.activation}(w·x + b)" if call.activation else "w·x + b"
        note = None if copy else self.partial.get(node)
        return _value_cells(node, graph.show_grads, graph.grad_of(node), self.name_of(node), heading, extra, note)

    def texts(self, node: Value, copy: bool = False) -> list[str]:
        return [text for _, text in self.cells(node, copy)]

    def colours(self, node: Value) -> tuple[str | None, str | None]:
        """(fill, border): a later role wins: neuron box, highlighted path, done, focus."""
        fill = border = None
        if node in self.graph.boxes:
            fill = NEURON_FILL
        if node in self.graph.on_path:
            fill, border = HIGHLIGHT_FILL, HIGHLIGHT
        if node in self.done:
            fill = DONE_FILL
        if node in self.focus:
            fill, border = FOCUS_FILL, FOCUS
        return fill, border

    def label(self, node: Value, copy: bool, stacked: bool) -> str:
        fill, border = self.colours(node)
        return _box_label(self.cells(node, copy), fill, border, copy, stacked)


def _value_cells(
    node: Value,
    show_grad: bool,
    grad: float | None,
    name: str | None = None,
    heading: str | None = None,
    extra: str | None = None,
    note: str | None = None,
) -> list[tuple[str, str]]:
    """The cells of a value's box as (style, text): its name, data, grad and the notes on them."""
    cells = []
    if heading:
        cells.append(("bold", heading))
    elif node.label:
        cells.append(("bold", node.label))
    elif name:
        cells.append(("muted", name))
    if extra:
        cells.append(("muted", extra))
    cells.append(("plain", f"data {format_number(node.data)}"))
    if show_grad:
        if grad is None:
            cells.append(("muted", NOT_COMPUTED))
        else:
            cells.append(("plain", f"grad {format_number(grad)}"))
            if note:
                cells.append(("note", note))
    return cells


def _box_label(cells: list[tuple[str, str]], fill: str | None, border: str | None, copy: bool, stacked: bool) -> str:
    """An HTML-like table: the cells side by side, or stacked one above the other (stacked=True,
    for left-to-right drawings, where a narrow box keeps the drawing narrow)."""
    td = '<td style="dashed">' if copy else "<td>"
    shown = []
    for style, text in cells:
        if style == "bold":
            inner = f"<b>{_html(text)}</b>"
        elif style == "muted":
            inner = f'<font color="{MUTED}">{_html(text)}</font>'
        elif style == "note":
            inner = f'<font color="{HIGHLIGHT}" point-size="10">{_html(text)}</font>'
        else:
            inner = _html(text)
        shown.append(f"{td}{inner}</td>")
    rows = "".join(f"<tr>{c}</tr>" for c in shown) if stacked else f"<tr>{''.join(shown)}</tr>"
    attrs = 'border="0" cellborder="1" cellspacing="0" cellpadding="4"'
    if fill:
        attrs += f' bgcolor="{fill}"'
    if border:
        attrs += f' color="{border}"'
    return f"<<table {attrs}>{rows}</table>>"


# -- the nodes and edges in drawing order ----------------------------------------------------------


class _Plan:
    """What the drawing holds, in drawing order, before it is written: each drawn value's box, then
    (when an operation made it) the operation's node and the edges into that, each node with its
    shape (for the width estimate) and the neuron whose cluster holds it, each edge with its label.
    """

    def __init__(
        self,
        graph: _Graph,
        chosen: _Chosen,
        boxes: _ValueBoxes,
        edge_labels: bool,
        focus_edges: Collection[tuple[Value, int]],
    ) -> None:
        self.graph, self.chosen, self.boxes, self.edge_labels = graph, chosen, boxes, edge_labels
        self.focus_edges = {(id(c), i) for c, i in focus_edges}
        self.items: list[tuple[str, ...]] = []  # ("box", id) / ("op", id, text) / ("stub", id) / ("edge", from, to)
        self.shapes: dict[str, _Shape] = {}
        self.box_of: dict[str, tuple[Value, bool]] = {}  # box id -> (node, is a copy)
        self.edge_attrs: dict[int, tuple[str, dict[str, str]]] = {}  # item index -> (label text, attributes)
        self.hot_ops: set[str] = set()  # operation nodes on a highlighted path
        self.home: dict[str, _Neuron] = {}  # node id -> the neuron whose cluster holds it
        self.copies: dict[str, int] = {}  # name of each copied value -> how many copies

        # Between layers of neurons drawn as boxes every box feeds every box: past MAX_BOX_LABELS edges
        # their labels would be a wall of numbers (2-16-16-1: 304 of them), so they are left off.
        # Any label at all makes dot give every edge a rank of its own, which those hundreds of edges
        # would stack into a column metres high; so then, unless a neuron is expanded, none is labelled.
        into = [x for node in chosen.drawn if node in graph.boxes for x in graph.children(node)]
        self.into_boxes = sum(1 for x in into if x in chosen.drawn_set)  # edges into neurons drawn as boxes
        self.label_boxes = self.into_boxes <= MAX_BOX_LABELS
        model = graph.model
        self.label_rest = self.label_boxes or any(n.expanded for n in model.neurons) if model else True

        for node in chosen.drawn:
            self._add_value(node)

    def links(self) -> list[tuple[str, str, str]]:
        """Every edge as (from, to, label text)."""
        return [(item[1], item[2], self.edge_attrs[k][0]) for k, item in enumerate(self.items) if item[0] == "edge"]

    def _add_value(self, node: Value) -> None:
        """node's box; and when an operation made it, the operation's node and the edges into it."""
        neuron = self.graph.model.cluster.get(node) if self.graph.model else None
        depth = 0 if neuron is None else (2 if neuron.layer else 1)  # the clusters it sits in
        vid = f"v{self.graph.index[node]}"
        self._add_box(vid, node, False, neuron, depth)
        if node.rule is None:
            return
        if node in self.graph.boxes:
            target = vid  # a neuron drawn as one box: the edges go straight into it
        else:
            target = self._add_operation(node, vid, neuron, depth)
        self._add_edges_into(node, target, neuron, depth)

    def _add_operation(self, node: Value, vid: str, neuron: _Neuron | None, depth: int) -> str:
        """node's operation node, its constants folded in, and the edge from it to node's box."""
        target = f"{vid}op"
        text = op_text(node)
        self._add_node("op", target, _Shape("op", [text], depth), neuron, text)
        hot = node in self.graph.on_path
        if hot:
            self.hot_ops.add(target)
        self._add_edge(target, vid, "", {"color": HIGHLIGHT, "penwidth": "2"} if hot else {})
        return target

    def _add_edges_into(self, node: Value, target: str, neuron: _Neuron | None, depth: int) -> None:
        """An edge from each drawn operand into target (node's operation, or its neuron's box),
        labelled with its local derivative; from a dashed copy beside it when the use is far; and a
        '...' stub beside target when some operands are not drawn."""
        graph, chosen, edge_labels = self.graph, self.chosen, self.edge_labels
        hot = node in graph.on_path
        cut = False
        derivs = graph.locals_of(node) if edge_labels else []
        twice = repeated_operands(node) if edge_labels and node not in graph.boxes else set()
        for k, (operand, i) in enumerate(graph.inputs(node)):
            if operand not in chosen.drawn_set:
                cut = True
                continue
            attrs: dict[str, str] = {}
            text = ""
            if edge_labels and node in graph.boxes:  # the number alone: its ends and the caption name it
                text = format_number(derivs[k]) if self.label_boxes else ""
            elif edge_labels and self.label_rest:
                position = i if operand in twice else None
                text = edge_text(self.boxes.edge_name(node), self.boxes.edge_name(operand), derivs[k], position)
            if hot and operand in graph.on_path:
                attrs.update(color=HIGHLIGHT, fontcolor=HIGHLIGHT, penwidth="2")
            if (id(node), i) in self.focus_edges:
                attrs.update(color=FOCUS, fontcolor=FOCUS, penwidth="2.5")
            source = f"v{graph.index[operand]}"
            if (node, i) in chosen.far:  # a distant use: a dashed copy of the operand beside it
                source = f"{target}in{i}"
                self._add_box(source, operand, True, neuron, depth)
                key = operand.label or self.boxes.name_of(operand) or source
                self.copies[key] = self.copies.get(key, 0) + 1
            self._add_edge(source, target, text, attrs)
        if cut:  # a stub beside the operation, not one long edge from a shared note
            self._add_node("stub", f"{target}cut", _Shape("stub", ["..."], depth), neuron)
            self._add_edge(f"{target}cut", target, "", {"style": "dashed", "color": "gray60", "arrowhead": "none"})

    def _add_box(self, nid: str, node: Value, copy: bool, neuron: _Neuron | None, depth: int) -> None:
        self._add_node("box", nid, _Shape("box", self.boxes.texts(node, copy), depth), neuron)
        self.box_of[nid] = (node, copy)

    def _add_node(self, kind: str, nid: str, shape: _Shape, neuron: _Neuron | None, *more: str) -> None:
        self.items.append((kind, nid, *more))
        self.shapes[nid] = shape
        if neuron is not None:
            self.home[nid] = neuron

    def _add_edge(self, a: str, b: str, text: str, attrs: dict[str, str]) -> None:
        self.edge_attrs[len(self.items)] = (text, attrs)
        self.items.append(("edge", a, b))


# -- the caption -----------------------------------------------------------------------------------


def _caption(graph: _Graph, chosen: _Chosen, plan: _Plan, partial: Mapping[Value, str], edge_labels: bool) -> list[str]:
    """What the drawing leaves out, and why: nodes not drawn, values drawn again beside distant
    uses, neurons drawn as one box, edge labels left off, grads partly through nodes not drawn."""
    caption: list[str] = []
    if len(chosen.view) > len(chosen.drawn):
        hidden = len(chosen.view) - len(chosen.drawn)
        cap = f"max_nodes={chosen.max_nodes}"
        if chosen.edge_bound:
            cap += f" and at most {chosen.max_edges:,} edges, {EDGES_PER_NODE} per node, for a quick layout"
        caption.append(f"... {hidden:,} more nodes not drawn ({cap}; the graph has {len(graph.order):,} values)")
    if plan.copies:
        caption.append(
            "Dashed boxes repeat a value beside a distant use, to keep the layout quick: " + _counted(plan.copies)
        )
    if graph.model and graph.boxes:
        caption += _neuron_notes(graph.model, graph, chosen, plan, edge_labels)
    if partial:
        caption.append(
            "A grad marked 'incl. ... via nodes not drawn' is more than the edges drawn from its box "
            "add up to: the rest comes through uses of the value that are not drawn here."
        )
    return caption


def _neuron_notes(model: _Model, graph: _Graph, chosen: _Chosen, plan: _Plan, edge_labels: bool) -> list[str]:
    """Which neurons are drawn as one box, what that leaves out, and whether edge labels were left off."""
    shown = list(dict.fromkeys(n.name for n in model.neurons for call in n.calls if call.output in graph.boxes))
    inside = graph.hidden | {p for n, _ in graph.boxes.values() for p in n.params if p not in chosen.drawn_set}
    some = ", ".join(shown[:3]) + (f", ..., {shown[-1]}" if len(shown) > 3 else "")
    notes = [
        f"Neurons drawn as one box each ({some}): a = act(w·x + b); their parameters and operations "
        f"({len(inside):,} nodes) are not drawn, and an edge into a neuron is ∂a/∂x through the whole "
        f"neuron. expand={shown[0]!r} draws one in full."
    ]
    if edge_labels and not plan.label_boxes:
        nor = "" if plan.label_rest else ", nor the rest"
        notes.append(
            f"The {plan.into_boxes:,} edges into neurons are not labelled{nor}, "
            f"to stay readable (more than {MAX_BOX_LABELS}); expand a neuron, or draw a smaller part, "
            "to see their local derivatives."
        )
    return notes


def _legend(plan: _Plan, edge_labels: bool, show_grads: bool) -> list[str]:
    """What ∂ on the edges and d in the boxes mean, when the drawing shows them."""
    legend = []
    if edge_labels and any(text for text, _ in plan.edge_attrs.values()):
        legend.append("edge labels: local derivatives ∂out/∂in")
    if show_grads:
        legend.append("grad: total derivative d(output)/d(value)")
    return legend


# -- writing the drawing ---------------------------------------------------------------------------


def _new_drawing(rankdir: str, format: str, max_width: float | None) -> Drawing:
    graph_attr = {"rankdir": rankdir, "ordering": "in"}  # ordering: operand a above/before b
    dot = Drawing(
        name="chaingrad",
        format=format,
        graph_attr=graph_attr,
        node_attr={"fontname": "Helvetica", "fontsize": "12"},
        edge_attr={"fontname": "Helvetica", "fontsize": "10", "arrowsize": "0.7"},
    )
    dot.max_width = max_width
    return dot


def _write_nodes_and_edges(dot: Drawing, plan: _Plan, boxes: _ValueBoxes, model: _Model | None, stacked: bool) -> None:
    """The plan into dot: a model's nodes into their clusters first, then the other nodes and every
    edge in drawing order. stacked: a box's cells one above the other (left to right: narrow)."""

    def write_node(g: graphviz.Digraph, item: tuple[str, ...]) -> None:
        kind, nid = item[0], item[1]
        if kind == "box":
            node, copy = plan.box_of[nid]
            g.node(nid, boxes.label(node, copy, stacked), shape="plain")
        elif kind == "op":
            style = {"color": HIGHLIGHT, "fontcolor": HIGHLIGHT, "penwidth": "2"} if nid in plan.hot_ops else {}
            g.node(nid, _label(item[2]), shape="ellipse", height="0.3", margin="0.04,0.02", **style)
        else:
            g.node(nid, "...", shape="plaintext", fontcolor="gray40")

    members: dict[str, list[tuple[str, ...]]] = {}  # neuron name -> its nodes' items
    for item in plan.items:  # nodes in a cluster are declared in it
        if item[0] != "edge" and item[1] in plan.home:
            members.setdefault(plan.home[item[1]].name, []).append(item)
    if model:
        _clusters(dot, model, members, write_node)
    for k, item in enumerate(plan.items):
        if item[0] == "edge":
            text, attrs = plan.edge_attrs[k]
            dot.edge(item[1], item[2], **({"label": _label(text)} if text else {}), **attrs)
        elif item[1] not in plan.home:
            write_node(dot, item)


def _write_caption(dot: Drawing, title_lines: list[str], lines: list[str], legend: list[str]) -> None:
    """The title, the caption's lines and the legend, as one label above the graph."""
    shown_caption = [f'<font point-size="16">{_html(line)}</font>' for line in title_lines]
    shown_caption += [_html(line) for line in lines]
    if legend:
        shown_caption.append(f'<font point-size="10" color="{MUTED}">{_html(";  ".join(legend))}</font>')
    if shown_caption:
        dot.graph_attr.update(label=f"<{'<br/>'.join(shown_caption)}>", labelloc="t", fontname="Helvetica")
