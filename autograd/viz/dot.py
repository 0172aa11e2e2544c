"""draw_dot: the computation graph as a Graphviz drawing, each value with its data and gradient.

Every Value is a box showing its label (when set), its data and its gradient; every operation
is its own small node between its inputs and its output; every edge into an operation can carry
its local derivative, d output / d input, the factor the chain rule multiplies by there. Numbers
that are operands but not Values (the 2 in ``x ** 2``) are folded into the operation's node.

The drawing is a `Drawing` (a `graphviz.Digraph`), so Jupyter shows it inline and ``.pipe()``,
``.render()`` and ``.export()`` write SVG or PNG, all through `render.render_source`, which
needs no system Graphviz.
"""

from __future__ import annotations

import html
from collections import deque
from collections.abc import Callable, Collection, Iterable, Mapping

from ..explain import format_number, local_derivatives
from ..graph import topological_order
from ..value import Value
from .render import Drawing

__all__ = ["draw_dot", "GradsOption", "NOT_COMPUTED"]

GradsOption = bool | str | Mapping[Value, float]

NOT_COMPUTED = "grad: not yet computed"  # what a node shows before backward has reached it
RANKDIRS = ("LR", "TB", "RL", "BT")
MAX_PAIRS = 6  # constant pairs of a dot node written into its label

# Colours: one per role, readable on white and when printed in grey.
HIGHLIGHT = "#d62728"  # red: the paths from a chosen leaf to the root
HIGHLIGHT_FILL = "#fde0dd"
FOCUS = "#e6550d"  # orange: the step of backward being shown
FOCUS_FILL = "#fff2a8"
DONE_FILL = "#e5f5e0"  # pale green: gradient already final in a backward step
MUTED = "gray45"


def _constant(c: float) -> str:
    """A constant operand as a learner wrote it: 2.0, 0.5, (-1.0) (so 'x - (-1.0)' is not '- -1.0')."""
    text = f"{c:.6g}"
    if text.lstrip("-").isdigit():
        text += ".0"
    return f"({text})" if text.startswith("-") else text


def _operand_text(x: Value | float) -> str:
    return "." if isinstance(x, Value) else _constant(x)


def op_text(node: Value) -> str:
    """The label of node's operation node: its symbol, with constant operands folded in ('* 2.0')."""
    rule = node.rule
    assert rule is not None
    ops = node.operands
    if getattr(rule, "variadic", False):  # dot: a_0*b_0 + a_1*b_1 + ..., '.' for each Value operand
        n = len(ops) // 2
        if all(type(x) is Value for x in ops):
            return rule.symbol
        shown = ["*".join(_operand_text(x) for x in pair) for pair in zip(ops[:n], ops[n:])]
        more = f" + ... ({n - MAX_PAIRS} more)" if n > MAX_PAIRS else ""
        return f"{rule.symbol}: " + " + ".join(shown[:MAX_PAIRS]) + more
    if len(ops) == 1:
        return rule.symbol
    a, b = ops  # each exactly a Value or a float constant: the engine stores nothing else
    if not isinstance(b, Value):
        return f"{rule.symbol} {_constant(b)}"
    if not isinstance(a, Value):
        return f"{_constant(a)} {rule.symbol}"
    return rule.symbol


def edge_text(out: Value, inp: Value, value: float) -> str:
    """An edge's local derivative: 'dc/da = -3.0000' when both ends are labelled, else the number."""
    number = format_number(value)
    if out.label and inp.label:
        return f"d{out.label}/d{inp.label} = {number}"
    return number


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
    raise ValueError(
        f"draw_dot: grads must be 'auto', True, False or a mapping Value -> gradient, got {grads!r}"
    )


def _nearest(root: Value, limit: int) -> list[Value]:
    """The `limit` nodes nearest the root (breadth first, operands in order)."""
    seen = {root}
    queue = deque([root])
    kept: list[Value] = []
    while queue and len(kept) < limit:
        node = queue.popleft()
        kept.append(node)
        for child in node.children:
            if child not in seen:
                seen.add(child)
                queue.append(child)
    return kept


def _downstream(order: list[Value], sources: set[Value]) -> set[Value]:
    """The nodes of the graph that depend on any source (sources included): the paths to the root."""
    hit: set[Value] = set()
    for node in order:
        if node in sources or any(c in hit for c in node.children):
            hit.add(node)
    return hit


def _as_values(highlight: Value | Iterable[Value] | None) -> list[Value]:
    if highlight is None:
        return []
    items = [highlight] if isinstance(highlight, Value) else list(highlight)
    for item in items:
        if type(item) is not Value:
            raise TypeError(f"draw_dot: highlight must be a Value or Values, got {type(item).__name__}")
    return items


def _value_label(
    node: Value,
    show_grad: bool,
    grad: float | None,
    fill: str | None,
    border: str | None,
    name: str | None = None,
) -> str:
    """An HTML-like label: [label] | data ... | grad ...; fill and border colour the box.

    name: what to call an unlabeled node (drawn grey), when a caption refers to it.
    """
    cells = []
    if node.label:
        cells.append(f"<td><b>{html.escape(node.label)}</b></td>")
    elif name:
        cells.append(f'<td><font color="{MUTED}">{html.escape(name)}</font></td>')
    cells.append(f"<td>data {format_number(node.data)}</td>")
    if show_grad:
        if grad is None:
            cells.append(f'<td><font color="{MUTED}">{NOT_COMPUTED}</font></td>')
        else:
            cells.append(f"<td>grad {format_number(grad)}</td>")
    attrs = 'border="0" cellborder="1" cellspacing="0" cellpadding="4"'
    if fill:
        attrs += f' bgcolor="{fill}"'
    if border:
        attrs += f' color="{border}"'
    return f"<<table {attrs}><tr>{''.join(cells)}</tr></table>>"


def draw_dot(
    root: Value,
    rankdir: str = "LR",
    *,
    grads: GradsOption = "auto",
    edge_labels: bool = True,
    highlight: Value | Iterable[Value] | None = None,
    max_nodes: int = 500,
    title: str | None = None,
    format: str = "svg",
) -> Drawing:
    """Draw root's computation graph: a box per Value (label, data, grad), a node per operation.

    grads: "auto" (default) shows gradients when any node of the graph has a nonzero `.grad`
        (i.e. after backward) and otherwise "grad: not yet computed", never a misleading 0.0;
        True always shows `.grad`; False shows data only; a mapping {Value: gradient} (e.g. from
        `autograd.grad`) shows those and "not yet computed" for the rest.
    edge_labels: label each edge into an operation with its local derivative d out / d in.
    highlight: a Value (or several), usually a leaf: the paths from it to the root are drawn in red.
    max_nodes: draw at most this many Values, those nearest the root; the rest is replaced by
        one node saying how many were not drawn, so a huge graph stays quick to lay out.
    title: a caption above the graph.
    rankdir: "LR" (inputs on the left) or "TB", "RL", "BT".
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
) -> Drawing:
    """draw_dot, plus what backprop_steps needs: a reusable order and the step's colouring.

    focus: nodes drawn in orange (the gradient just filled in); focus_edges: (consumer, operand
    index) edges drawn in orange (the local derivatives just applied); done: nodes whose gradient
    is already final (pale green); names: what unlabeled nodes are called in the caption.
    """
    if type(root) is not Value:
        raise TypeError(f"draw_dot: root must be a Value, got {type(root).__name__}: {root!r}")
    if rankdir not in RANKDIRS:
        raise ValueError(f"draw_dot: rankdir must be one of {', '.join(RANKDIRS)}, got {rankdir!r}")
    if isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1:
        raise ValueError(f"draw_dot: max_nodes must be an int >= 1, got {max_nodes!r}")
    if order is None:
        order = topological_order(root)
    show_grads, grad_of = _resolve_grads(grads, order)
    index = {node: i for i, node in enumerate(order)}

    sources = _as_values(highlight)
    for leaf in sources:
        if leaf not in index:
            raise ValueError(f"draw_dot: highlight {leaf!r} is not part of root's graph")
    on_path = _downstream(order, set(sources)) if sources else set()

    if len(order) <= max_nodes:
        drawn = order
    else:
        kept = set(_nearest(root, max_nodes))
        drawn = [node for node in order if node in kept]  # keep topological order: stable output
    drawn_set = set(drawn)
    focus_set, done_set = set(focus), set(done)
    focus_edge_set = {(id(c), i) for c, i in focus_edges}

    graph_attr = {"rankdir": rankdir, "ordering": "in"}  # ordering: operand a above/before b
    if title:
        graph_attr.update(label=title, labelloc="t", fontsize="16", fontname="Helvetica")
    dot = Drawing(
        name="chaingrad",
        format=format,
        graph_attr=graph_attr,
        node_attr={"fontname": "Helvetica", "fontsize": "12"},
        edge_attr={"fontname": "Helvetica", "fontsize": "10", "arrowsize": "0.7"},
    )

    cut_into: list[str] = []  # op nodes with at least one operand not drawn
    for node in drawn:
        vid = f"v{index[node]}"
        fill = border = None
        if node in on_path:
            fill, border = HIGHLIGHT_FILL, HIGHLIGHT
        if node in done_set:
            fill = DONE_FILL
        if node in focus_set:
            fill, border = FOCUS_FILL, FOCUS
        name = names.get(node) if names else None
        dot.node(vid, _value_label(node, show_grads, grad_of(node), fill, border, name), shape="plain")
        if node.rule is None:
            continue
        oid = f"{vid}op"
        hot = node in on_path
        op_style = {"color": HIGHLIGHT, "fontcolor": HIGHLIGHT, "penwidth": "2"} if hot else {}
        dot.node(
            oid,
            html.escape(op_text(node), quote=False),
            shape="ellipse",
            height="0.3",
            margin="0.04,0.02",
            **op_style,
        )
        dot.edge(oid, vid, **({"color": HIGHLIGHT, "penwidth": "2"} if hot else {}))
        derivs = local_derivatives(node, errors="nan") if edge_labels else ()
        cut = False
        for i, operand in enumerate(node.operands):
            if type(operand) is not Value:
                continue  # a constant: folded into the op node's text
            if operand not in drawn_set:
                cut = True
                continue
            attrs: dict[str, str] = {}
            if edge_labels:
                local = derivs[i]
                assert local is not None  # local_derivatives gives None only for constant operands
                if names:
                    attrs["label"] = f"d{names[node]}/d{names[operand]} = {format_number(local)}"
                else:
                    attrs["label"] = edge_text(node, operand, local)
            if hot and operand in on_path:
                attrs.update(color=HIGHLIGHT, fontcolor=HIGHLIGHT, penwidth="2")
            if (id(node), i) in focus_edge_set:
                attrs.update(color=FOCUS, fontcolor=FOCUS, penwidth="2.5")
            dot.edge(f"v{index[operand]}", oid, **attrs)
        if cut:
            cut_into.append(oid)

    hidden = len(order) - len(drawn)
    if hidden:
        dot.node(
            "cut",
            f"... {hidden:,} more nodes not drawn (max_nodes={max_nodes}; "
            f"the graph has {len(order):,} values)",
            shape="note",
            style="dashed,filled",
            fillcolor="#f0f0f0",
            fontcolor="#333333",
        )
        for oid in cut_into:
            dot.edge("cut", oid, style="dashed", color="gray60", arrowhead="none")
    return dot
