"""draw_dot: the computation graph as a Graphviz drawing, each value with its data and gradient.

Every Value is a box showing its label (when set), its data and its gradient; every operation
is its own small node between its inputs and its output; every edge into an operation can carry
its local derivative, d output / d input, the factor the chain rule multiplies by there. Numbers
that are operands but not Values (the 2 in ``x ** 2``) are folded into the operation's node.
Every text is written into the DOT source as an HTML-like label, escaped, so labels and titles
show exactly as given. What keeps a big drawing quick (the node and edge cap, dashed copies of a
value beside its distant uses) is said in the caption.

The drawing is a `Drawing` (a `graphviz.Digraph`), so Jupyter shows it inline and ``.pipe()``,
``.render()`` and ``.export()`` write SVG or PNG, all through `render.render_source`, which
needs no system Graphviz.
"""

from __future__ import annotations

import html
import re
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
EDGES_PER_NODE = 3  # a drawing has at most this many edges per max_nodes: dense graphs are cut too
FAR = 6  # layout ranks: a use of a value further than this from it may be drawn from a copy
HIDDEN = 500  # layout ranks crossed by edges, in all, before far uses are drawn from copies (_far_uses)

# Colours: one per role, readable on white and when printed in grey.
HIGHLIGHT = "#d62728"  # red: the paths from a chosen leaf to the root
HIGHLIGHT_FILL = "#fde0dd"
FOCUS = "#e6550d"  # orange: the step of backward being shown
FOCUS_FILL = "#fff2a8"
DONE_FILL = "#e5f5e0"  # pale green: gradient already final in a backward step
MUTED = "gray45"


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_WORD_JOINER = "\u2060"  # invisible: keeps two backslashes apart (see _html)


def _html(text: str) -> str:
    r"""text for the inside of an HTML-like DOT label, where it shows exactly as written.

    Every string the drawing puts into DOT (value labels, operation texts, edge labels, the
    caption) goes through here into an HTML-like label ``<...>``: html.escape covers < > & and
    quotes, and inside such a label a backslash is a plain character (no \l or \" escapes, no
    trailing backslash that swallows the closing quote) and braces and bars are plain text (they
    are special only in record labels, which are not used). A line break becomes <br/>, a tab a
    space, and any other control character, which XML and so SVG cannot hold, is shown as \xNN.
    The bundled graphviz-pure (0.2.2), unlike Graphviz, reads two backslashes in HTML-like text
    as one, so an invisible word joiner goes between them: both renderers then show every one.
    """
    lines = []
    for line in text.replace("\t", " ").splitlines() or [""]:
        line = _CONTROL.sub(lambda m: f"\\x{ord(m[0]):02x}", html.escape(line, quote=True))
        for _ in range(2):  # the second pass splits what the first left of a run of three or more
            line = line.replace("\\\\", "\\" + _WORD_JOINER + "\\")
        lines.append(line)
    return "<br/>".join(lines)


def _label(text: str) -> str:
    """An HTML-like DOT label showing text verbatim (see _html)."""
    return f"<{_html(text)}>"


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


def _nearest(root: Value, limit: int, max_edges: int) -> tuple[list[Value], bool]:
    """The nodes nearest the root (breadth first, operands in order): at most `limit` of them, with
    at most `max_edges` edges among them. Also says whether the edges were what stopped it.
    """
    seen = {root}
    queue = deque([root])
    kept: set[Value] = set()
    pending: dict[Value, int] = {}  # edges from kept consumers into a node not yet kept
    edges = 0
    while queue and len(kept) < limit:
        node = queue.popleft()
        children = node.children
        new = pending.pop(node, 0) + sum(1 for c in children if c in kept)
        if kept and edges + new > max_edges:
            return list(kept), True
        kept.add(node)
        edges += new
        for child in children:
            if child not in kept:
                pending[child] = pending.get(child, 0) + 1
            if child not in seen:
                seen.add(child)
                queue.append(child)
    return list(kept), False


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
    copy: bool = False,
) -> str:
    """An HTML-like label: [label] | data ... | grad ...; fill and border colour the box.

    name: what to call an unlabeled node (drawn grey), when a caption refers to it.
    copy: the box repeats a value drawn elsewhere, beside a distant use: dashed borders.
    """
    td = '<td style="dashed">' if copy else "<td>"
    cells = []
    if node.label:
        cells.append(f"{td}<b>{_html(node.label)}</b></td>")
    elif name:
        cells.append(f'{td}<font color="{MUTED}">{_html(name)}</font></td>')
    cells.append(f"{td}data {format_number(node.data)}</td>")
    if show_grad:
        if grad is None:
            cells.append(f'{td}<font color="{MUTED}">{NOT_COMPUTED}</font></td>')
        else:
            cells.append(f"{td}grad {format_number(grad)}</td>")
    attrs = 'border="0" cellborder="1" cellspacing="0" cellpadding="4"'
    if fill:
        attrs += f' bgcolor="{fill}"'
    if border:
        attrs += f' color="{border}"'
    return f"<<table {attrs}><tr>{''.join(cells)}</tr></table>>"


def _far_uses(drawn: list[Value], drawn_set: set[Value]) -> set[tuple[Value, int]]:
    """The uses (consumer, operand index) to draw from a copy of the operand: the longest edges.

    dot routes an edge through every rank between its ends, with a hidden node on each, and then
    orders all of them rank by rank. One input used at every step of a loop (y = y * w + x) thus
    costs hidden nodes growing with the square of the loop: 30 steps took 5 s to lay out and 50
    more than two minutes. When the edges would cross more than HIDDEN ranks in all, the longest
    uses (those further than FAR ranks from their operand) are drawn from a dashed copy of the
    operand beside them, longest first, until they cross no more; then the layout grows with
    the drawing. A small graph keeps every edge: a value used twice is drawn once.

    Ranks are estimated as dot assigns them: a value one rank after its operation, an operation one
    after its latest drawn operand, and then every value as late as its first use allows (dot pulls
    a value towards its uses), so a use is far when the value's uses are far apart.
    """
    rank: dict[Value, int] = {}  # a value's rank; its operation sits one rank before it
    for node in drawn:  # topological order: operands first, so as early as possible
        below = [rank[c] for c in node.children if c in drawn_set]
        rank[node] = max(below) + 2 if below else (0 if node.rule is None else 2)
    uses: dict[Value, list[tuple[Value, int]]] = {node: [] for node in drawn}
    for node in drawn:
        for i, operand in enumerate(node.operands):
            if type(operand) is Value and operand in drawn_set:
                uses[operand].append((node, i))
    for node in reversed(drawn):  # consumers first: then as late as the first use allows
        if uses[node]:
            rank[node] = max(rank[node], min(rank[c] for c, _ in uses[node]) - 2)
    spans = [(rank[c] - 1 - rank[node], c, i) for node in drawn for c, i in uses[node]]
    hidden = sum(span - 1 for span, _, _ in spans if span > 1)
    far: set[tuple[Value, int]] = set()
    for span, c, i in sorted(spans, key=lambda use: -use[0]):  # longest first; ties in drawing order
        if hidden <= HIDDEN or span <= FAR:
            break
        far.add((c, i))
        hidden -= span - 1
    return far


def _counted(counts: dict[str, int], limit: int = 6) -> str:
    """'x 249 times, w 249 times' (the most copied first), at most `limit` names and how many more."""
    ranked = sorted(counts.items(), key=lambda kv: -kv[1])
    shown = ", ".join(f"{name} {n:,} time{'s' if n > 1 else ''}" for name, n in ranked[:limit])
    return shown + (f" and {len(ranked) - limit:,} more" if len(ranked) > limit else "")


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
    max_nodes: draw at most this many Values, those nearest the root, with at most
        EDGES_PER_NODE * max_nodes edges among them (a dense graph is cut sooner); an operation
        whose operands were not drawn gets a dashed "..." beside it, and the caption says how
        many nodes were left out and why, so every drawing the defaults allow lays out quickly.
        A value used far from where it is drawn (an input used at every step of a loop) is
        drawn again, dashed, beside each distant use, and the caption says which and how often.
    title: a caption above the graph (any text: it is escaped for Graphviz and SVG).
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
    if title is not None and not isinstance(title, str):
        raise TypeError(f"draw_dot: title must be a str or None, got {type(title).__name__}: {title!r}")
    if order is None:
        order = topological_order(root)
    show_grads, grad_of = _resolve_grads(grads, order)
    index = {node: i for i, node in enumerate(order)}

    sources = _as_values(highlight)
    for leaf in sources:
        if leaf not in index:
            raise ValueError(f"draw_dot: highlight {leaf!r} is not part of root's graph")
    on_path = _downstream(order, set(sources)) if sources else set()

    max_edges = EDGES_PER_NODE * max_nodes
    edge_bound = False
    if len(order) <= max_nodes and sum(len(node.children) for node in order) <= max_edges:
        drawn = order
    else:
        nearest, edge_bound = _nearest(root, max_nodes, max_edges)
        kept = set(nearest)
        drawn = [node for node in order if node in kept]  # keep topological order: stable output
    drawn_set = set(drawn)
    far = _far_uses(drawn, drawn_set)
    focus_set, done_set = set(focus), set(done)
    focus_edge_set = {(id(c), i) for c, i in focus_edges}

    graph_attr = {"rankdir": rankdir, "ordering": "in"}  # ordering: operand a above/before b
    dot = Drawing(
        name="chaingrad",
        format=format,
        graph_attr=graph_attr,
        node_attr={"fontname": "Helvetica", "fontsize": "12"},
        edge_attr={"fontname": "Helvetica", "fontsize": "10", "arrowsize": "0.7"},
    )

    def name_of(node: Value) -> str | None:
        if names:
            return names.get(node)
        return f"v{index[node]}" if not node.label and node in copied else None

    def box(node: Value, copy: bool = False) -> str:
        fill = border = None
        if node in on_path:
            fill, border = HIGHLIGHT_FILL, HIGHLIGHT
        if node in done_set:
            fill = DONE_FILL
        if node in focus_set:
            fill, border = FOCUS_FILL, FOCUS
        return _value_label(node, show_grads, grad_of(node), fill, border, name_of(node), copy)

    copied = {node.operands[i] for node, i in far}
    copies: dict[str, int] = {}  # name of each copied value -> how many copies
    for node in drawn:
        vid = f"v{index[node]}"
        dot.node(vid, box(node), shape="plain")
        if node.rule is None:
            continue
        oid = f"{vid}op"
        hot = node in on_path
        op_style = {"color": HIGHLIGHT, "fontcolor": HIGHLIGHT, "penwidth": "2"} if hot else {}
        dot.node(oid, _label(op_text(node)), shape="ellipse", height="0.3", margin="0.04,0.02", **op_style)
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
                    text = f"d{names[node]}/d{names[operand]} = {format_number(local)}"
                else:
                    text = edge_text(node, operand, local)
                attrs["label"] = _label(text)
            if hot and operand in on_path:
                attrs.update(color=HIGHLIGHT, fontcolor=HIGHLIGHT, penwidth="2")
            if (id(node), i) in focus_edge_set:
                attrs.update(color=FOCUS, fontcolor=FOCUS, penwidth="2.5")
            source = f"v{index[operand]}"
            if (node, i) in far:  # a distant use: a dashed copy of the operand beside it
                source = f"{oid}in{i}"
                dot.node(source, box(operand, copy=True), shape="plain")
                key = operand.label or name_of(operand) or source
                copies[key] = copies.get(key, 0) + 1
            dot.edge(source, oid, **attrs)
        if cut:  # a stub beside the operation, not one long edge from a shared note
            dot.node(f"{oid}cut", "...", shape="plaintext", fontcolor="gray40")
            dot.edge(f"{oid}cut", oid, style="dashed", color="gray60", arrowhead="none")

    caption = [f'<font point-size="16">{_html(title)}</font>'] if title else []
    hidden = len(order) - len(drawn)
    if hidden:
        cap = f"max_nodes={max_nodes}"
        if edge_bound:
            cap += f" and at most {max_edges:,} edges, {EDGES_PER_NODE} per node, for a quick layout"
        note = f"... {hidden:,} more nodes not drawn ({cap}; the graph has {len(order):,} values)"
        caption.append(_html(note))
    if copies:
        note = (
            "Dashed boxes repeat a value beside a distant use, to keep the layout quick: "
            + _counted(copies)
        )
        caption.append(_html(note))
    if caption:
        dot.graph_attr.update(label=f"<{'<br/>'.join(caption)}>", labelloc="t", fontname="Helvetica")
    return dot
