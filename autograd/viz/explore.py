"""explore: one self-contained HTML page per graph, to click through its gradients and step backward.

``explore(loss)`` lays the graph out once in Python (Graphviz's dot, through the bundled
renderer) and writes everything into one page: the graph as inline SVG (each value's data and
grad, each edge's local derivative), and, as data for a small script, what a click on a node
shows (its value, gradient, the local derivatives to its inputs, and `explain`'s sum over
chain-rule paths, whose edges light up) and the steps of backward (`backward_steps`, the same
steps `backprop_steps` draws). The page needs no network, server or install: its script and
style are inline, a Content-Security-Policy forbids every fetch, and without JavaScript (a
browser with scripts off) the graph still shows, with its final gradients. In Jupyter the page
is a sandboxed frame, which an untrusted notebook does not show until it is trusted or run.

Everything the page shows that came from the user (labels, titles) is escaped where it is
written: as SVG text, or as JSON that the script puts into the page only as text.

A graph with more than `max_nodes` values shows those nearest the output, as `draw_dot` does,
and the page says how many it leaves out; stepping goes through the values shown. A link may
open the page at a step with a value selected: ``page.html#step=3&select=a``.
"""

from __future__ import annotations

import bisect
import html
import json
import math
import os
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Union

from ..explain import (
    MAX_FACTORS,
    _explain,
    engine_gradients,
    expression,
    format_number,
    local_derivative,
    local_name,
    node_names,
    repeated_operands,
)
from ..files import replace_atomically
from ..graph import edges, topological_order
from ..value import Value
from .dot import EDGES_PER_NODE, RANKDIRS, _nearest
from .labels import edge_text, op_text
from .layout import _far_uses
from .render import render_source
from .steps import Step, backward_steps

__all__ = ["explore", "Explorer", "MAX_NODES"]

StrPath = Union[str, "os.PathLike[str]"]

MAX_NODES = 500  # values drawn at most, those nearest the output (as draw_dot's max_nodes)
MAX_PATHS = 20  # chain-rule paths listed per node in a small graph (explain's max_paths)
MAX_PATHS_BIG = 6  # ... and in a graph of more than BIG values, to keep the page small
BIG = 100
MAX_ROWS = 6  # a long left-to-right graph is folded into at most this many rows
ROW_GAP = 36.0  # points between the rows of a folded graph
ROW_MARGIN = 16.0  # points left and right of a folded graph's rows, where edges wrap to the next row
FRAME_HEIGHT = 640  # px: the explorer's height inline in Jupyter
CANVAS = (1200.0, 600.0)  # px: about the graph's part of a page on a laptop (the panel opens on a click)

# Sizes in SVG user units (Graphviz points): text in a monospace font, so widths are exact.
FONT = 12.0
CHAR = 0.602 * FONT  # the advance of one character of a monospace font (DejaVu Sans Mono, Menlo)
LINE = 15.0  # a box's line height
PAD = 8.0  # a box's inner margin, each side
EDGE_FONT = 11.0  # edge labels; Graphviz's Courier is 0.6 em a character, as ours
EDGE_LINE = 13.0  # an edge label's line height
CLUSTER = re.compile(r"^(L\d+)\.(n\d+)\.")  # nn's names: L1.n3.w2 is in layer L1, neuron L1.n3

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # characters XML (so SVG) cannot hold, but tab and newline
_NOT_XML = re.compile("[\ud800-\udfff\ufffe\uffff]")  # ... and lone surrogates (not UTF-8 either) and U+FFFE/F
_SURROGATE = re.compile("[\ud800-\udfff]")

PENDING = "grad not yet computed"  # a box's grad line before backward's step reaches it (not a 0!)

# The page's fixed texts (the script writes DONE again when stepping ends).
DONE = "Backward is done: every gradient shown is final. Press → or next to watch it again, one node at a time."
HINT = "Click a value for how its gradient is made. Drag to pan, scroll to zoom."
NOTATION = "d: a total derivative (the gradient, over every path); ∂: a local one (one operation, from the rule table)."


@dataclass(frozen=True)
class Explorer:
    """The page for one graph: shown inline in Jupyter, written to a file by `save`.

    nodes: the values of the graph; drawn: how many the page shows (all, unless more than max_nodes).
    """

    html: str
    title: str
    nodes: int
    drawn: int

    def save(self, path: StrPath) -> Path:
        """Write the page to path (one .html file, nothing beside it) and return the path.

        Written as `nn.save` writes models (`autograd.files.replace_atomically`): to a temporary
        file in the same folder, renamed over path, so a failed save leaves path as it was; an
        existing file keeps its permissions, a new one gets what open() gives.
        """
        replace_atomically(path, self.html.encode("utf-8"), who="explore: save")
        return Path(path)

    def _repr_html_(self) -> str:
        """The page in a sandboxed frame: its script runs, but cannot reach the notebook around it."""
        return (
            f'<iframe srcdoc="{html.escape(self.html, quote=True)}" sandbox="allow-scripts" '
            f'title="{_text(self.title)}" '
            f'style="width: 100%; height: {FRAME_HEIGHT}px; border: 1px solid #ccc; border-radius: 4px"></iframe>'
        )

    def __repr__(self) -> str:
        return f"<Explorer {self.title!r}: {self.drawn:,} of {self.nodes:,} values, {len(self.html):,} characters>"


def explore(root: Value, *, title: str | None = None, max_nodes: int = MAX_NODES, rankdir: str = "auto") -> Explorer:
    """An interactive page for root's graph: click a node for its gradient as a sum over paths,
    step through backward with the buttons, the slider or the arrow keys, zoom and pan.

    title: shown at the top of the page (any text; escaped). max_nodes: draw at most this many
    values, those nearest root; the page says how many are left out. rankdir: "auto" (left to
    right, folded into rows when long, or top to bottom: whichever shows the whole graph larger
    on the page), "LR" (inputs on
    the left), "TB" (inputs at the top), "RL" or "BT". `.save(path)` writes the page; Jupyter shows it.
    """
    if type(root) is not Value:
        raise TypeError(f"explore: root must be a Value, got {type(root).__name__}: {root!r}")
    if isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1:
        raise ValueError(f"explore: max_nodes must be an int >= 1, got {max_nodes!r}")
    if rankdir not in RANKDIRS:
        raise ValueError(f"explore: rankdir must be one of {', '.join(RANKDIRS)}, got {rankdir!r}")
    if title is not None and not isinstance(title, str):
        raise TypeError(f"explore: title must be a str or None, got {type(title).__name__}")
    order = topological_order(root)
    names = node_names(order)
    steps = backward_steps(root, order)  # raises, naming the operation, if a derivative cannot be computed
    page = _Page(root, order, names, steps, max_nodes)
    title = title if title is not None else f"{names[root]} = {format_number(root.data)}: its graph and gradients"
    if rankdir == "auto":  # LR, folded into rows when that shows more, or TB: the larger (LR on a tie)
        layout = max((_folded(_layout(page, "LR")), _layout(page, "TB")), key=_scale)
    else:
        layout = _layout(page, rankdir)
    svg = _svg(page, layout)
    page_html = _html_page(title, svg, _data(page, title), len(page.steps), page.notes, names[root])
    return Explorer(page_html, title, len(order), len(page.drawn))


# -- what the page shows ----------------------------------------------------------------------------


class _Page:
    """The values drawn, their boxes, operations and edges, each with the id the SVG and script use.

    A value is box v<i> (i: its place in topological order), its operation o<i>; a value used far
    from where it is drawn is drawn again, dashed, beside that use, as box c<i>_<k>. Edge e<k> goes
    from an operand's box into an operation and carries that local derivative; r<i> goes from
    operation o<i> into its value's box v<i>; operands not drawn are one dashed box, s<o>.
    """

    def __init__(self, root: Value, order: list[Value], names: dict[Value, str], steps: list[Step], max_nodes: int):
        self.root, self.order, self.names = root, order, names
        self.index = {node: i for i, node in enumerate(order)}
        kept = _nearest_values(root, order, max_nodes)
        self.drawn = [node for node in order if node in kept]
        self.steps = [step for step in steps if step.node in kept]  # reverse topological order
        self.total_steps = len(steps)
        self._step_of = {step.node: step for step in self.steps}
        self.boxes: list[tuple[str, Value, bool]] = [(f"v{self.index[n]}", n, False) for n in self.drawn]
        self.edges: list[tuple[str, str, str, str]] = []  # (id, from, to, label)
        self.edge_of: dict[tuple[int, int], str] = {}  # (consumer's index, operand position) -> edge id
        self.stubs: dict[str, int] = {}  # operation id -> how many of its operands are not drawn
        far = _far_uses(self.drawn, kept, lambda node: [(e.operand, e.position) for e in edges(node)])
        for node in self.drawn:
            if node.rule is not None:
                self._add_operation(node, kept, far)
        self.edge_ids = {eid for eid, *_ in self.edges}
        self.notes = []
        left_out = len(order) - len(self.drawn)
        if left_out:
            self.notes.append(
                f"Showing the {len(self.drawn):,} values nearest {names[root]} of {len(order):,} "
                f"(max_nodes={max_nodes:,}); {left_out:,} are not drawn. Every gradient and sum shown "
                f"still counts them; a dashed 'N more' box stands for operands not drawn. Stepping goes "
                f"through the {len(self.steps):,} values drawn, of backward's {self.total_steps:,} steps."
            )

    def _add_operation(self, node: Value, kept: set[Value], far: set[tuple[Value, int]]) -> None:
        """node's operation: an edge from each operand drawn (labelled ∂node/∂operand), one into node."""
        i = self.index[node]
        twice = repeated_operands(node)
        missing = 0
        for edge in edges(node):
            if edge.operand not in kept:
                missing += 1
                continue
            source = f"v{self.index[edge.operand]}"
            if (node, edge.position) in far:
                source = f"c{self.index[edge.operand]}_{len(self.boxes)}"
                self.boxes.append((source, edge.operand, True))
            position = edge.position if edge.operand in twice else None
            label = edge_text(self.names[node], self.names[edge.operand], local_derivative(edge), position)
            eid = f"e{len(self.edges)}"
            self.edges.append((eid, source, f"o{i}", label))
            self.edge_of[i, edge.position] = eid
        self.edges.append((f"r{i}", f"o{i}", f"v{i}", ""))
        if missing:
            self.stubs[f"o{i}"] = missing

    def box_lines(self, node: Value) -> list[str]:
        """A value's box: its name, its data, its final gradient."""
        return [self.names[node], f"data {format_number(node.data)}", f"grad {format_number(self.step_of(node).grad)}"]

    def step_of(self, node: Value) -> Step:
        """The step of backward that makes a drawn node's gradient final."""
        return self._step_of[node]

    def cluster(self, node: Value) -> tuple[str, str] | None:
        """(layer, neuron) for a value nn named inside a neuron (L1.n3.w2), else None."""
        m = CLUSTER.match(node.label)
        return (m.group(1), f"{m.group(1)}.{m.group(2)}") if m else None


def _nearest_values(root: Value, order: list[Value], max_nodes: int) -> set[Value]:
    """Every value, or those nearest root when there are more than max_nodes (or more than
    EDGES_PER_NODE edges each), chosen as draw_dot chooses them."""
    max_edges = EDGES_PER_NODE * max_nodes
    if len(order) <= max_nodes and sum(len(edges(node)) for node in order) <= max_edges:
        return set(order)
    return set(_nearest(root, max_nodes, max_edges, lambda node: [e.operand for e in edges(node)])[0])


# -- layout: Graphviz places every box, once -----------------------------------------------------------


@dataclass(frozen=True)
class _Placed:
    """Where dot put everything, in its coordinates (points, y up) with the bounding box."""

    nodes: dict[str, tuple[float, float, float, float]]  # id -> centre x, y, width, height
    edges: dict[str, tuple[str, tuple[float, float] | None]]  # id -> (spline 'e,x,y x,y ...', label position)
    clusters: dict[str, tuple[float, float, float, float]]  # name -> x0, y0, x1, y1
    width: float
    height: float


def _scale(placed: _Placed) -> float:
    """How large the whole graph shows when fitted to the page's canvas (1 = its full size)."""
    return min(CANVAS[0] / placed.width, CANVAS[1] / placed.height)


def _folded(placed: _Placed) -> _Placed:
    """A long left-to-right layout cut into rows, one under the other, when that shows it larger.

    A long chain (a deep network's loss) laid out left to right is a thin strip, tiny once
    fitted to a page. Cut between ranks, where no box is, into k pieces of about equal width,
    stacked top to bottom, it fills the page; the edges that cross a cut are drawn again from
    the end of one row to the start of the next. A layout with clusters (an nn model) stays whole.
    """
    if placed.clusters:
        return placed
    best = placed
    for k in range(2, MAX_ROWS + 1):
        cuts = _cuts(placed, k)
        if cuts is None:
            break
        folded = _fold(placed, cuts)
        if _scale(folded) > _scale(best):
            best = folded
    return best


def _cuts(placed: _Placed, k: int) -> list[float] | None:
    """Where to cut a layout into k rows: k - 1 x positions between boxes, near k equal widths."""
    spans = sorted((x - w / 2, x + w / 2) for x, _, w, _ in placed.nodes.values())
    gaps = []  # the middles of the x ranges that no box covers
    reach = spans[0][1]
    for left, right in spans[1:]:
        if left > reach + 4:
            gaps.append((reach + left) / 2)
        reach = max(reach, right)
    cuts: list[float] = []
    for j in range(1, k):
        after = [g for g in gaps if not cuts or g > cuts[-1]]
        if not after:
            return None
        cuts.append(min(after, key=lambda g: abs(g - placed.width * j / k)))
    return cuts


def _fold(placed: _Placed, cuts: list[float]) -> _Placed:
    """placed with the part between cut j - 1 and cut j moved to row j (dot's y grows upwards).

    An edge from one row into a later one runs like a line of text that wraps: right out of its
    tail, down into the gap under the tail's row, back to the left margin, and down into its head.
    """
    starts = [0.0, *cuts]
    rows = len(starts)
    step = placed.height + ROW_GAP

    def row(x: float) -> int:
        return bisect.bisect_right(starts, x) - 1

    def move(x: float, y: float, r: int) -> tuple[float, float]:
        return x - starts[r] + ROW_MARGIN, y + (rows - 1 - r) * step

    nodes = {nid: (*move(x, y, row(x)), w, h) for nid, (x, y, w, h) in placed.nodes.items()}
    edges = {}
    for eid, (spline, label_at) in placed.edges.items():
        end, points = _spline_points(spline)
        tail, head = row(points[0][0]), row((end or points[-1])[0])
        if tail == head:
            moved = [move(x, y, tail) for x, y in points]
        else:
            (x0, y0), (x1, y1) = move(*points[0], tail), move(*points[-1], head)
            below = (rows - 1 - tail) * step - ROW_GAP / 2  # the middle of the gap under the tail's row
            corners = [(x0, y0), (x0 + ROW_MARGIN / 2, y0), (x0 + ROW_MARGIN / 2, below)]
            corners += [(ROW_MARGIN / 2, below), (ROW_MARGIN / 2, y1), (x1, y1)]
            moved = [corners[0]]
            for corner in corners[1:]:  # straight segments, as cubic pieces: (from, to, to)
                moved += [moved[-1], corner, corner]
        new_end = move(*end, head) if end else None
        text = " ".join(f"{x:.2f},{y:.2f}" for x, y in moved)
        label = move(*label_at, row(label_at[0])) if label_at else None
        edges[eid] = (f"e,{new_end[0]:.2f},{new_end[1]:.2f} {text}" if new_end else text, label)
    width = max(b - a for a, b in zip(starts, [*cuts, placed.width])) + 2 * ROW_MARGIN
    return _Placed(nodes, edges, {}, width, rows * placed.height + (rows - 1) * ROW_GAP)


def _spline_points(spline: str) -> tuple[tuple[float, float] | None, list[tuple[float, float]]]:
    """dot's edge position 'e,x,y x,y x,y ...': the arrow's tip (None if none) and the spline's points."""
    end = None
    points = []
    for part in spline.split():
        if part.startswith("e,"):
            ex, ey = part[2:].split(",")
            end = (float(ex), float(ey))
        elif not part.startswith("s,"):
            px, py = part.split(",")
            points.append((float(px), float(py)))
    return end, points


def _box_size(lines: list[str]) -> tuple[float, float]:
    return max(len(line) for line in lines) * CHAR + 2 * PAD, len(lines) * LINE + PAD


def _label_lines(label: str) -> list[str]:
    """An edge's label on two lines, to keep ranks close: '∂e/∂a' over '= -3.0000'."""
    name, equals, value = label.partition(" = ")
    return [name, f"= {value}"] if equals else [label]


def _op_lines(node: Value) -> list[str]:
    return op_text(node).split("\n")


def _layout(page: _Page, rankdir: str) -> _Placed:
    """Lay the page's graph out with dot: boxes of the size of their text, no text given to dot."""
    lines = [f"digraph explorer {{\n\trankdir={rankdir} nodesep=0.18 ranksep=0.3\n"]
    lines.append('\tnode [label="" fixedsize=true margin=0]\n')
    clustered: dict[str, dict[str, list[str]]] = {}  # layer -> neuron -> ids

    def place(nid: str, node: Value, statement: str) -> None:
        where = page.cluster(node)
        if where is None:
            lines.append(f"\t{statement}\n")
        else:
            clustered.setdefault(where[0], {}).setdefault(where[1], []).append(statement)

    for box, node, _ in page.boxes:
        w, h = _box_size([*page.box_lines(node), PENDING])
        place(box, node, f"{box} [shape=box width={w / 72:.3f} height={h / 72:.3f}]")
    for node in page.drawn:
        if node.rule is not None:
            i = page.index[node]
            w, h = _box_size(_op_lines(node))
            place(f"o{i}", node, f"o{i} [shape=ellipse width={(w + 10) / 72:.3f} height={max(h, 24) / 72:.3f}]")
    for op in page.stubs:
        lines.append(f"\ts{op} [shape=box width={9 * CHAR / 72:.3f} height={LINE * 1.6 / 72:.3f}]\n")
        lines.append(f"\ts{op} -> {op} [id=s{op}]\n")
    for k, (layer, neurons) in enumerate(clustered.items()):
        lines.append(f'\tsubgraph cluster_{k} {{\n\t\tlabel="{"x" * len(layer)}" fontname=Courier fontsize=12\n')
        for m, (neuron, statements) in enumerate(neurons.items()):
            lines.append(
                f'\t\tsubgraph cluster_{k}_{m} {{\n\t\t\tlabel="{"x" * len(neuron)}" fontname=Courier fontsize=11\n'
            )
            lines.extend(f"\t\t\t{s}\n" for s in statements)
            lines.append("\t\t}\n")
        lines.append("\t}\n")
    for eid, tail, head, label in page.edges:
        placeholder = "\\n".join("x" * len(line) for line in _label_lines(label))  # as wide as the text
        text = f' label="{placeholder}" fontname=Courier fontsize={EDGE_FONT:g}' if label else ""
        lines.append(f"\t{tail} -> {head} [id={eid}{text}]\n")
    lines.append("}\n")
    placed = json.loads(render_source("".join(lines), "json0"))
    return _read_layout(placed, clustered)


def _read_layout(placed: dict[str, object], clustered: dict[str, dict[str, list[str]]]) -> _Placed:
    """The positions in dot's JSON output, and each cluster's box under its nn name."""
    objects = placed.get("objects", [])
    assert isinstance(objects, list)
    cluster_names = {}
    for k, (layer, neurons) in enumerate(clustered.items()):
        cluster_names[f"cluster_{k}"] = layer
        for m, neuron in enumerate(neurons):
            cluster_names[f"cluster_{k}_{m}"] = neuron
    nodes, clusters = {}, {}
    for obj in objects:
        name = obj["name"]
        if "bb" in obj:
            x0, y0, x1, y1 = (float(v) for v in obj["bb"].split(","))
            clusters[cluster_names.get(name, name)] = (x0, y0, x1, y1)
        elif "pos" in obj:
            x, y = (float(v) for v in obj["pos"].split(","))
            nodes[name] = (x, y, float(obj["width"]) * 72, float(obj["height"]) * 72)
    found_edges: dict[str, tuple[str, tuple[float, float] | None]] = {}
    for edge in placed.get("edges", []):  # type: ignore[attr-defined]
        lp = edge.get("lp")
        label_at = tuple(float(v) for v in lp.split(",")) if lp else None
        found_edges[edge.get("id", "")] = (edge["pos"], label_at)  # type: ignore[assignment]
    x0, y0, x1, y1 = (float(v) for v in str(placed["bb"]).split(","))
    return _Placed(nodes, found_edges, clusters, x1 - x0, y1 - y0)


# -- the SVG, written here so that it shows without JavaScript too -------------------------------------


def _text(text: str) -> str:
    """text as SVG/HTML character data: escaped, and characters XML cannot hold shown as \\xNN or \\uNNNN."""
    text = _CONTROL.sub(lambda m: f"\\x{ord(m[0]):02x}", text)
    return html.escape(_NOT_XML.sub(lambda m: f"\\u{ord(m[0]):04x}", text), quote=True)


def _svg(page: _Page, at: _Placed) -> str:
    height = at.height

    def y(v: float) -> float:  # dot's y grows upwards, SVG's downwards
        return height - v

    out = [
        f'<svg class="graph" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {at.width:.1f} {height:.1f}" '
        f'role="img" aria-label="computation graph">\n'
    ]
    for name, (x0, y0, x1, y1) in sorted(at.clusters.items(), key=lambda kv: kv[0].count(".")):
        kind = "neuron" if "." in name else "layer"
        out.append(
            f'<g class="cluster {kind}" data-cluster="{_text(name)}"><rect x="{x0:.1f}" y="{y(y1):.1f}" '
            f'width="{x1 - x0:.1f}" height="{y1 - y0:.1f}" rx="6"/>'
            f'<text x="{x0 + 6:.1f}" y="{y(y1) + 13:.1f}">{_text(name)}</text></g>\n'
        )
    for eid, _, _, label in page.edges:
        spline, label_at = at.edges[eid]
        out.append(f'<g class="edge" data-edge="{eid}">{_edge_path(spline, y)}')
        if label and label_at is not None:
            lines = _label_lines(label)
            top = y(label_at[1]) + 4 - (len(lines) - 1) * EDGE_LINE / 2
            spans = "".join(
                f'<tspan x="{label_at[0]:.1f}" y="{top + k * EDGE_LINE:.1f}">{_text(line)}</tspan>'
                for k, line in enumerate(lines)
            )
            out.append(f'<text class="local">{spans}</text>')
        out.append("</g>\n")
    for op, missing in page.stubs.items():
        x, yy, w, h = at.nodes[f"s{op}"]
        out.append(
            f'<g class="stub"><title>{missing} operand{"s" if missing > 1 else ""} not drawn</title>'
            f'<rect x="{x - w / 2:.1f}" y="{y(yy) - h / 2:.1f}" width="{w:.1f}" height="{h:.1f}" rx="3"/>'
            f'<text x="{x:.1f}" y="{y(yy) + 4:.1f}">{missing} more</text></g>\n'
        )
        out.append(f'<g class="edge stub-edge">{_edge_path(at.edges.get(f"s{op}", ("", None))[0], y)}</g>\n')
    for node in page.drawn:
        if node.rule is None:
            continue
        i = page.index[node]
        x, yy, w, h = at.nodes[f"o{i}"]
        texts = _op_lines(node)
        top = y(yy) - (len(texts) - 1) * LINE / 2 + 4
        spans = "".join(f'<tspan x="{x:.1f}" y="{top + k * LINE:.1f}">{_text(t)}</tspan>' for k, t in enumerate(texts))
        out.append(
            f'<g class="op" data-node="{i}"><ellipse cx="{x:.1f}" cy="{y(yy):.1f}" rx="{w / 2:.1f}" ry="{h / 2:.1f}"/>'
            f"<text>{spans}</text></g>\n"
        )
    for box, node, copy in page.boxes:
        i = page.index[node]
        x, yy, w, h = at.nodes[box]
        left, top = x - w / 2, y(yy) - h / 2
        name, data, grad = page.box_lines(node)
        kind = "value copy" if copy else "value"
        leaf = " leaf" if node.rule is None else ""
        out.append(
            f'<g class="{kind}{leaf}" data-node="{i}" tabindex="0"><title>{_text(name)}</title>'
            f'<rect x="{left:.1f}" y="{top:.1f}" width="{w:.1f}" height="{h:.1f}" rx="4"/>'
            f'<text class="name" x="{left + PAD:.1f}" y="{top + PAD / 2 + LINE - 3:.1f}">{_text(name)}</text>'
            f'<text class="data" x="{left + PAD:.1f}" y="{top + PAD / 2 + 2 * LINE - 3:.1f}">{_text(data)}</text>'
            f'<text class="grad" x="{left + PAD:.1f}" y="{top + PAD / 2 + 3 * LINE - 3:.1f}">{_text(grad)}</text></g>\n'
        )
    out.append("</svg>")
    return "".join(out)


def _edge_path(spline: str, flip: Callable[[float], float]) -> str:
    """An edge as dot routed it: a cubic Bezier spline ending in an arrowhead at 'e,x,y'.

    flip: the page's y from dot's (dot's y grows upwards).
    """
    tip, found = _spline_points(spline)
    points = [(x, flip(y)) for x, y in found]
    end = None if tip is None else (tip[0], flip(tip[1]))
    if not points:
        return ""
    d = f"M{points[0][0]:.1f},{points[0][1]:.1f}"
    for k in range(1, len(points) - 2, 3):
        (ax, ay), (bx, by), (cx, cy) = points[k : k + 3]
        d += f" C{ax:.1f},{ay:.1f} {bx:.1f},{by:.1f} {cx:.1f},{cy:.1f}"
    arrow = ""
    if end is not None:
        ex, ey = end
        sx, sy = points[-1]
        dx, dy = ex - sx, ey - sy
        length = math.hypot(dx, dy) or 1.0
        ux, uy = dx / length, dy / length
        wing = 3.5
        a = (sx - uy * wing, sy + ux * wing)
        b = (sx + uy * wing, sy - ux * wing)
        arrow = f'<polygon points="{ex:.1f},{ey:.1f} {a[0]:.1f},{a[1]:.1f} {b[0]:.1f},{b[1]:.1f}"/>'
    return f'<path d="{d}"/>{arrow}'


# -- the data the script reads: what a click shows, and the steps -------------------------------------


def _definition(node: Value, names: dict[Value, str]) -> str:
    """How a value was computed, as explain defines it: 'c = a * b', 'a3 = tanh(z3)', or a leaf."""
    if node.rule is None:
        return f"{names[node]}: a leaf (an input or a parameter)"
    return f"{names[node]} = {expression(node, names)}"


def _data(page: _Page, title: str) -> dict[str, object]:
    """Everything the script needs, as JSON-able texts (no floats: nan and inf are not JSON)."""
    root_name = page.names[page.root]
    max_paths = MAX_PATHS if len(page.drawn) <= BIG else MAX_PATHS_BIG
    position = {step.node: k for k, step in enumerate(page.steps)}

    def lit(i: int, operand: int) -> list[str]:  # the edges of one local derivative, into op and out of it
        eid = page.edge_of.get((i, operand))
        return [eid, f"r{i}"] if eid else [f"r{i}"]

    totals = engine_gradients(page.root, page.drawn, page.order)  # one pass, as explain's total is computed
    nodes: dict[str, object] = {}
    for node, total in zip(page.drawn, totals):
        i = page.index[node]
        step = page.step_of(node)
        # explain(page.root, node, max_paths), without walking the whole graph again for each node
        found = _explain(
            page.root, node, page.order, max_paths, MAX_FACTORS, start=i, total=total, all_names=page.names
        )
        paths = [
            sorted({e for f in path.factors for e in lit(page.index[f.out], f.operand) if e in page.edge_ids})
            for path in found.paths
        ]
        twice = repeated_operands(node)
        local_texts = []
        for edge in edges(node):
            d = local_derivative(edge)
            position_named = edge.position if edge.operand in twice else None
            name = local_name(page.names[node], page.names[edge.operand], position_named)
            local_texts.append(
                {
                    "text": f"{name} = {format_number(d)}",
                    "rule": f"{edge.rule.name}: ∂out/∂{'ab'[edge.side]} = {edge.formula}",
                    "edges": lit(i, edge.position),
                }
            )
        nodes[str(i)] = {
            "name": page.names[node],
            "definition": _definition(node, page.names),
            "data": format_number(node.data),
            "dataFull": repr(node.data),
            "grad": format_number(step.grad),
            "gradFull": repr(step.grad),
            "gradName": step.name,
            "step": position[node],
            "locals": local_texts,
            "explain": str(found),
            "paths": paths,
        }
    steps = []
    for step in page.steps:
        lit_edges = sorted(
            {e for term in step.terms for e in lit(page.index[term.consumer], term.operand) if e in page.edge_ids}
        )
        steps.append(
            {
                "node": str(page.index[step.node]),
                "index": step.index,
                "grad": format_number(step.grad),
                "text": step.text,
                "edges": lit_edges,
            }
        )
    return {
        "title": title,
        "root": str(page.index[page.root]),
        "rootName": root_name,
        "nodes": nodes,
        "steps": steps,
        "totalSteps": page.total_steps,
        "pending": PENDING,
        "notes": page.notes,
    }


# -- the page ---------------------------------------------------------------------------------------


def _asset(name: str) -> str:
    """The explorer's script or style sheet, shipped beside this module."""
    return resources.files(__package__ or "autograd.viz").joinpath(name).read_text(encoding="utf-8")


def _json_for_script(data: object) -> str:
    """data as JSON that cannot end the <script> element holding it: <, > and & written as escapes
    (as are U+2028/9, line ends to old JavaScript, and lone surrogates, which UTF-8 cannot hold)."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    text = _SURROGATE.sub(lambda m: f"\\u{ord(m[0]):04x}", text)  # a lone surrogate: escaped, as UTF-8 cannot hold it
    for char, escape in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(char, escape)
    return text


def _html_page(title: str, svg: str, data: dict[str, object], steps: int, notes: list[str], root_name: str) -> str:
    """One HTML document: the style, the SVG, the data and the script, all inline.

    The Content-Security-Policy allows only this page's own style and its one script (by a
    nonce: no inline event handler could run) and no fetch of any kind.
    """
    nonce = secrets.token_urlsafe(18)
    policy = (
        f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'unsafe-inline'; "
        "img-src data:; base-uri 'none'; form-action 'none'"
    )
    shown_notes = "".join(f'<p class="note">{_text(note)}</p>' for note in notes)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{policy}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="chaingrad autograd.viz.explore">
<link rel="icon" href="data:,">
<title>{_text(title)}</title>
<style>
{_asset("explore.css")}</style>
</head>
<body>
<header>
<h1 id="title">{_text(title)}</h1>
{shown_notes}<div class="toolbar">
<span class="group" role="group" aria-label="step through backward">
<button id="step-first" type="button" title="first step (Home)">first</button>
<button id="step-prev" type="button" title="previous step (←)">◀ back</button>
<button id="step-play" type="button" title="play / pause (space)">play</button>
<button id="step-next" type="button" title="next step (→)">next ▶</button>
<button id="step-last" type="button" title="backward done: every gradient (End)">done</button>
<input id="step-slider" type="range" min="0" max="{steps}" value="{steps}" step="1" aria-label="backward step">
</span>
<span class="group" role="group" aria-label="zoom">
<button id="zoom-in" type="button" title="zoom in (+)">+</button>
<button id="zoom-out" type="button" title="zoom out (-)">−</button>
<button id="zoom-fit" type="button" title="fit the graph (0)">fit</button>
</span>
<span class="hint">{HINT}</span>
</div>
<p id="step-text" aria-live="polite">{DONE}</p>
</header>
<main>
<div id="canvas">
{svg}
</div>
<aside id="panel" aria-live="polite" hidden></aside>
</main>
<footer>
{NOTATION} grad = d{_text(root_name)}/d(value).
</footer>
<script type="application/json" id="explorer-data">{_json_for_script(data)}</script>
<script nonce="{nonce}">
{_asset("explore.js")}</script>
</body>
</html>
"""
