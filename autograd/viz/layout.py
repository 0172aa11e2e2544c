"""What dot will make of a drawing, estimated before it runs: how wide it comes out left to right
and top to bottom (so that rankdir="auto" can choose), and which long edges to draw from a copy of
their operand (dot's layout time grows with the ranks its edges cross). Both follow dot's ranks.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from ..value import Value

FAR = 6  # layout ranks: a use of a value further than this from it may be drawn from a copy
HIDDEN = 500  # layout ranks crossed by edges, in all, before far uses are drawn from copies (_far_uses)


# -- choosing rankdir: an estimate of the drawing's width, left to right and top to bottom ---------

# Helvetica's average advance is about 0.56 em (digits are 0.556 em); a little more keeps the
# estimate on the wide side. Sizes in points, as Graphviz lays out.
_EM = 0.6
_PAD = 10.0  # a table cell's padding and borders
_RANKSEP = 36.0  # Graphviz's default, halved when edges have labels
_NODESEP = 18.0
_CLUSTER = 16.0  # a cluster's margin, both sides
_PROSE_EM = 0.5  # a caption: words and spaces are narrower than numbers
_LR_FIT = 0.88  # left to right, dot packs ranks a little tighter than the sum of their widest nodes


@dataclass
class _Shape:
    """A node of the drawing as the width estimate sees it."""

    kind: str  # 'box', 'op', 'stub'
    cells: list[str] = field(default_factory=list)  # box: its texts; op or stub: one text
    depth: int = 0  # how many clusters it sits in

    def width(self, stacked: bool) -> float:
        if self.kind == "box":
            widths = [len(t) * 12 * _EM + _PAD for t in self.cells]
            w = max(widths) if stacked else sum(widths)
        elif self.kind == "op":
            w = max(54.0, (len(self.cells[0]) * 12 * _EM + 8) * 1.4)
        else:
            w = 54.0
        return w + self.depth * _CLUSTER


def _estimate(
    shapes: Mapping[str, _Shape], links: list[tuple[str, str, str]], caption: list[tuple[str, int]]
) -> dict[str, float]:
    """Estimated widths in points of the drawing laid out "LR" (stacked boxes) and "TB".

    Ranks as dot gives them: each edge at least one rank long (two when any edge has a label:
    the label sits on the rank between, and rank separation is halved), every node as early as
    its inputs allow and a node with no inputs just before its first use. Left to right, the
    width is the sum over ranks of the widest node in each; top to bottom, the widest rank.
    An edge passing a rank takes room on it (dot puts a hidden node there). The caption, lines
    (text, font size), is as wide as its longest line.
    """
    labelled = any(text for _, _, text in links)
    step = 2 if labelled else 1
    into: dict[str, list[str]] = {name: [] for name in shapes}
    out: dict[str, list[str]] = {name: [] for name in shapes}
    for a, b, _ in links:
        into[b].append(a)
        out[a].append(b)
    waiting = {name: len(into[name]) for name in shapes}
    ready = [name for name, n in waiting.items() if n == 0]
    order = []
    while ready:  # Kahn's algorithm: a node after all its inputs
        name = ready.pop()
        order.append(name)
        for b in out[name]:
            waiting[b] -= 1
            if waiting[b] == 0:
                ready.append(b)
    rank: dict[str, int] = {}
    for name in order:
        rank[name] = max((rank[a] + step for a in into[name]), default=0)
    for name in reversed(order):
        if not into[name] and out[name]:
            rank[name] = min(rank[b] for b in out[name]) - step
    low = min(rank.values(), default=0)
    lr: dict[int, float] = {}
    tb: dict[int, list[float]] = {}
    for name in order:
        r = rank[name] - low
        lr[r] = max(lr.get(r, 0.0), shapes[name].width(stacked=True))
        tb.setdefault(r, []).append(shapes[name].width(stacked=False))
    for a, b, text in links:
        middle = (rank[a] + rank[b]) // 2 - low
        for r in range(rank[a] - low + 1, rank[b] - low):  # the edge passes each rank between its ends
            width = len(text) * 10 * _EM + 4 if text and r == middle else 0.0  # and its label sits halfway
            lr[r] = max(lr.get(r, 0.0), width)
            tb.setdefault(r, []).append(width)
    ranksep = _RANKSEP / 2 if labelled else _RANKSEP
    ranks = max(lr, default=0) + 1
    caption_width = max((len(line) * size * _PROSE_EM for line, size in caption), default=0.0)
    lr_width = _LR_FIT * sum(lr.values()) + ranksep * (ranks - 1)
    tb_width = max((sum(ws) + _NODESEP * (len(ws) - 1) for ws in tb.values()), default=0.0)
    return {"LR": max(lr_width, caption_width) + 16, "TB": max(tb_width, caption_width) + 16}


def _choose_rankdir(estimate: Mapping[str, float], max_width: float | None) -> str:
    """Left to right when it fits max_width (px), else top to bottom when that fits, else the narrower."""
    if max_width is None:
        return "LR"
    limit = max_width * 0.75  # points
    if estimate["LR"] <= limit:
        return "LR"
    if estimate["TB"] <= limit:
        return "TB"
    # Neither fits: the narrower, to be scaled least. Top to bottom, crossing edges make dot's
    # drawing up to half as wide again as estimated, left to right within a tenth; so a margin.
    return "LR" if estimate["LR"] <= 1.25 * estimate["TB"] else "TB"


# -- keeping the layout quick: the longest edges drawn from a copy of their operand ----------------


def _far_uses(
    drawn: list[Value], drawn_set: set[Value], inputs: Callable[[Value], list[tuple[Value, int]]]
) -> set[tuple[Value, int]]:
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
    uses: dict[Value, list[tuple[Value, int]]] = {node: [] for node in drawn}
    for node in drawn:  # topological order: operands first, so as early as possible
        below = [x for x, _ in inputs(node) if x in drawn_set]
        rank[node] = max(rank[c] for c in below) + 2 if below else (0 if node.rule is None else 2)
        for operand, i in inputs(node):
            if operand in drawn_set:
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
