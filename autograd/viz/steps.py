"""Watch backward run: one drawing per node, in reverse topological order, all on one layout.

Step k shows the moment node k's gradient becomes final: every node that uses it has already
passed its gradient back, so

    dL/dnode = sum over its consumers c of dL/dc · ∂c/∂node

with d for a total derivative (the gradient, over every path) and ∂ for a local one (one
operation's output with respect to one operand, from the rule table), as `explain` and
`check_derivation` write them. The frame colours that node orange, the edges whose local
derivatives were just applied orange, the nodes already finished pale green, and shows "not
yet computed" on the rest. The gradients are computed here from the rule table, exactly as
`backward` does; the user's `.grad` is never touched, so the frames are the same before and
after backward.

Every frame has the same layout. The graph is laid out once, by Graphviz's dot, with each box as
wide as the widest text it shows in any frame; every frame is then drawn at those positions by
``neato -n2``, which lays nothing out: only colours and numbers change from one frame to the
next, so nothing jumps. The SVG frames, the notebook slider, the HTML list and the GIF are all
drawn so. With rankdir="auto" (the default) a graph too wide for a page is laid out top to
bottom instead of left to right, as `draw_dot` does.

In a notebook, ``steps.widget()`` gives a slider (needs ipywidgets); displaying ``steps`` itself
gives every frame as a collapsible list, which needs no JavaScript. Outside one,
``steps.save_svgs(folder)`` writes one SVG per step and ``steps.save_gif(path)`` an animation.
"""

from __future__ import annotations

import html
import io
import json
import os
import re
import subprocess
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Union, overload

from ..explain import format_number, local_derivative, local_name, node_names, repeated_operands, total_name
from ..graph import edges, topological_order
from ..value import Value
from .dot import RANKDIRS, _draw
from .render import TIMEOUT, Drawing, RenderError, find_renderer

__all__ = ["backprop_steps", "backward_steps", "BackpropSteps", "Step", "Term", "MAX_WIDTH", "MAX_HEIGHT"]

StrPath = Union[str, "os.PathLike[str]"]

MAX_WIDTH = 1200  # px: the GIF's width cap, and the page width rankdir="auto" fits a layout to
MAX_HEIGHT = 1200  # px: the GIF's height cap (a long graph laid out top to bottom is shrunk to it)
PX_PER_PT = 96 / 72  # a browser shows an SVG point as 4/3 of a pixel
RENDERERS = 4  # at most this many calls of the renderer at once, when drawing many frames
MAX_TERMS = 12  # chain-rule terms written out in a step's equation; the rest are counted
GIF_COLOURS = 64  # one palette shared by every frame of a GIF: fills, text and their antialiased edges


@dataclass(frozen=True)
class Term:
    """One consumer's contribution to a node's gradient: upstream gradient times local derivative."""

    consumer: Value  # the node computed from this one
    operand: int  # this node's index in consumer.operands
    upstream: float  # dL/dconsumer, a total derivative, already final
    local: float  # ∂consumer/∂node, a local derivative, from the rule table
    upstream_name: str  # 'dL/dc'
    local_name: str  # '∂c/∂a', or '∂m/∂a (1st operand)' when the consumer uses the node twice

    @property
    def value(self) -> float:
        """upstream * local: what this consumer passes back."""
        return self.upstream * self.local


@dataclass(frozen=True, eq=False)
class Step:
    """The step at which `node`'s gradient became final: `grad` = sum of the `terms`."""

    index: int  # 0 for the root, then one per node in reverse topological order
    node: Value
    grad: float
    terms: tuple[Term, ...]
    name: str  # 'dL/da'
    text: str  # the equation this step computes, e.g. 'dL/da = dL/dc · ∂c/∂a = 1.0000 · -3.0000 = -3.0000'


# -- one layout for every frame ------------------------------------------------------------------

_STATEMENT = re.compile(r"(\s*)(\w+)(?: -> (\w+))?(?: \[(.*)\])?")  # a node or edge line of a DOT body
_TABLE = "label=<<table "  # how a value's box starts: an HTML-like table label, one cell per text
_CELL = re.compile(r"<td\b.*?</td>")
_TABLE_TAG = re.compile(r"<table\b[^>]*>")
CAPTION_GAP = 10.0  # points between the caption and the graph, and beside the widest caption
CAPTION_CHARS = 64  # a caption's lines are broken between terms to stay this short (draw_dot wraps at 70)


@dataclass(frozen=True)
class _Layout:
    """Where every frame puts everything, found once; Graphviz's coordinates, in points, y up.

    The frame is a fixed box: two invisible points at its corners hold it, whatever the caption,
    and the caption (a node, not the graph's label, which would move the graph when it grows)
    hangs from its top edge.
    """

    rankdir: str
    cells: dict[str, tuple[int, ...]]  # value -> the widths of its box's cells, the largest in any frame
    captions: dict[str, tuple[float, float]]  # each frame's caption (an HTML-like label) -> its size
    nodes: dict[str, str]  # node -> its position 'x,y'
    edges: dict[tuple[str, str, int], tuple[str, str | None]]  # (tail, head, k-th such edge) -> (pos, lp)
    box: tuple[float, float, float, float]  # the frame: left, bottom, right, top

    @property
    def width(self) -> float:
        """The frame's width in points, with Graphviz's 4-point margin on each side."""
        return self.box[2] - self.box[0] + 8

    @property
    def height(self) -> float:
        """The frame's height in points, margins included."""
        return self.box[3] - self.box[1] + 8

    def fits(self) -> bool:
        """Whether a frame fits a MAX_WIDTH-pixel page at full size (as a browser shows an SVG)."""
        return self.width * PX_PER_PT <= MAX_WIDTH

    def pin(self, frame: Drawing) -> _PinnedDrawing:
        """frame (one of the steps, drawn by draw_dot) drawn at this layout's positions."""
        graph_attr = {k: v for k, v in frame.graph_attr.items() if k not in ("label", "labelloc")}
        body = _pin(frame.body, self.cells, self)
        left, bottom, right, top = self.box
        for name, (x, y) in (("frame_corner_1", (left, bottom)), ("frame_corner_2", (right, top))):
            body.append(f'\t{name} [label="" shape=point style=invis width=0 height=0 pos="{x:.2f},{y:.2f}!"]\n')
        caption = frame.graph_attr.get("label")
        if caption:
            _, height = self.captions.get(caption, (0.0, 0.0))
            font = frame.graph_attr.get("fontname", "Times-Roman")
            size = frame.graph_attr.get("fontsize", "14")
            at = f"{(left + right) / 2:.2f},{top - height / 2:.2f}!"
            body.append(f'\tframe_caption [label={caption} shape=plain fontname="{font}" fontsize={size} pos="{at}"]\n')
        return _PinnedDrawing(
            name=frame.name,
            engine="neato",
            graph_attr=graph_attr,
            node_attr=dict(frame.node_attr),
            edge_attr=dict(frame.edge_attr),
            body=body,
        )


def _pin(body: list[str], cells: dict[str, tuple[int, ...]], layout: _Layout | None) -> list[str]:
    """body with each value's box as wide as in its widest frame, and at layout's positions if given.

    cells: the width of each cell of a value's box (label, data, grad), the largest it takes in
    any frame, so that every frame draws the box at one size. Every frame of a BackpropSteps has
    the same statements in the same order (only colours and texts differ), so an edge is known
    by its ends and by how many edges between them came before. A line that is not a plain node
    or edge statement is kept as it is.
    """
    pinned = []
    count: dict[tuple[str, str], int] = {}
    for line in body:
        m = _STATEMENT.fullmatch(line.rstrip("\n"))
        if m is None:
            pinned.append(line)
            continue
        indent, tail, head, attrs = m.groups()
        attrs = attrs or ""
        extra = []
        if head is None:
            widths = cells.get(tail)
            if widths is not None and _TABLE in attrs and attrs.count("<td") == len(widths):
                parts = attrs.split("<td")
                attrs = parts[0] + "".join(f'<td width="{w}"{part}' for w, part in zip(widths, parts[1:]))
            if layout is not None and tail in layout.nodes:
                extra.append(f'pos="{layout.nodes[tail]}!"')
            statement = tail
        else:
            k = count.get((tail, head), 0)
            count[tail, head] = k + 1
            if layout is not None and (tail, head, k) in layout.edges:
                pos, lp = layout.edges[tail, head, k]
                extra.append(f'pos="{pos}"')
                if lp is not None:
                    extra.append(f'lp="{lp}"')
            statement = f"{tail} -> {head}"
        attrs = " ".join(part for part in (attrs, *extra) if part)
        pinned.append(f"{indent}{statement} [{attrs}]\n" if attrs else f"{indent}{statement}\n")
    return pinned


def _measure(frames: list[Drawing]) -> tuple[dict[str, tuple[int, ...]], dict[str, tuple[float, float]]]:
    """The width of each cell of each value's box at its widest over the frames, and the size of
    each frame's caption, in points.

    One call of the renderer, on a graph of every distinct cell (each alone in a box like its
    own) and every caption, side by side.
    """
    first = frames[0]
    forms: dict[str, list[list[str]]] = {}  # value -> the distinct cell lists its box has
    probes: dict[str, int] = {}  # a one-cell box -> its index
    captions: dict[str, int] = {}
    for frame in frames:
        for line in frame.body:
            m = _STATEMENT.fullmatch(line.rstrip("\n"))
            if m is None or m[3] is not None or not m[4] or _TABLE not in m[4]:
                continue
            table = _TABLE_TAG.search(m[4])
            assert table is not None  # _TABLE is in the label
            cells = [f"{table[0]}<tr>{cell}</tr></table>" for cell in _CELL.findall(m[4])]
            seen = forms.setdefault(m[2], [])
            if cells not in seen:
                seen.append(cells)
                for cell in cells:
                    probes.setdefault(cell, len(probes))
        if frame.graph_attr.get("label"):
            captions.setdefault(frame.graph_attr["label"], len(captions))
    font = first.graph_attr.get("fontname", "Times-Roman")
    size = first.graph_attr.get("fontsize", "14")  # Graphviz's font size for a graph's label
    body = [f"\tm{i} [label=<{cell}> shape=plain]\n" for cell, i in probes.items()]
    body += [f'\tc{i} [label={c} shape=plain fontname="{font}" fontsize={size}]\n' for c, i in captions.items()]
    data = _json(Drawing(node_attr=dict(first.node_attr), body=body).source)
    sizes = {o["name"]: (72 * float(o["width"]), 72 * float(o["height"])) for o in _nodes(data)}
    widths: dict[str, tuple[int, ...]] = {}
    for name, kinds in forms.items():
        if len({len(cells) for cells in kinds}) == 1:  # the same number of cells in every frame
            widest = [max(sizes[f"m{probes[cells[j]]}"][0] for cells in kinds) for j in range(len(kinds[0]))]
            widths[name] = tuple(_points(w) for w in widest)
    return widths, {c: sizes[f"c{i}"] for c, i in captions.items()}


def _points(x: float) -> int:
    """A size in points rounded up to a whole point, as an HTML-like table cell's width is given."""
    return int(-(-x // 1))


def _nodes(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The node objects of a graph in Graphviz's JSON output (subgraphs have no 'pos')."""
    return [o for o in data.get("objects", []) if "pos" in o]


def _lay_out(
    frame: Drawing, rankdir: str, cells: dict[str, tuple[int, ...]], captions: dict[str, tuple[float, float]]
) -> _Layout:
    """Lay a frame out once with dot, its boxes at their widest and without its caption."""
    graph_attr = {k: v for k, v in frame.graph_attr.items() if k not in ("label", "labelloc")}
    graph_attr["rankdir"] = rankdir
    plain = Drawing(
        name=frame.name,
        graph_attr=graph_attr,
        node_attr=dict(frame.node_attr),
        edge_attr=dict(frame.edge_attr),
        body=_pin(frame.body, cells, None),
    )
    data = _json(plain.source)
    objects = _nodes(data)
    names = {o["_gvid"]: o["name"] for o in objects}
    count: dict[tuple[str, str], int] = {}
    laid: dict[tuple[str, str, int], tuple[str, str | None]] = {}
    for e in sorted(data.get("edges", []), key=lambda e: int(e["_gvid"])):
        tail, head = names[e["tail"]], names[e["head"]]
        k = count.get((tail, head), 0)
        count[tail, head] = k + 1
        laid[tail, head, k] = (e["pos"], e.get("lp"))
    x0, y0, x1, y1 = (float(v) for v in data["bb"].split(","))
    caption_width = max((w for w, _ in captions.values()), default=0.0)
    caption_height = max((h for _, h in captions.values()), default=0.0)
    half = max(x1 - x0, caption_width + 2 * CAPTION_GAP) / 2  # wide enough for every caption
    middle = (x0 + x1) / 2
    top = y1 + (caption_height + CAPTION_GAP if captions else 0.0)
    return _Layout(
        rankdir=rankdir,
        cells=cells,
        captions=captions,
        nodes={o["name"]: o["pos"] for o in objects},
        edges=laid,
        box=(middle - half, y0, middle + half, top),
    )


# -- the renderer, asked for several frames at once ----------------------------------------------

_SPLIT = {"svg": b"<?xml", "png": b"\x89PNG\r\n\x1a\n"}  # how each image the renderer writes begins


def _run(sources: list[str], format: str, *, pinned: bool, options: Sequence[str] = ()) -> bytes:
    """Run the renderer once on one or more DOT graphs; its output, images one after the other.

    pinned: draw each graph where its `pos` attributes say (``neato -n2``: no layout at all);
    otherwise lay it out with dot.
    """
    command = [*find_renderer(), *(["-Kneato", "-n2"] if pinned else ["-Kdot"]), f"-T{format}", *options]
    timeout = TIMEOUT + len(sources)
    try:
        done = subprocess.run(
            command, input="\n".join(sources).encode("utf-8"), capture_output=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise RenderError(f"{command[0]} did not finish within {timeout:g}s") from exc
    if done.returncode != 0 or not done.stdout:
        stderr = done.stderr.decode("utf-8", "replace").strip()
        raise RenderError(f"{' '.join(command)} failed (exit {done.returncode}): {stderr or 'no output'}")
    return done.stdout


def _render(sources: list[str], format: str, *, options: Sequence[str] = ()) -> list[bytes]:
    """Each pinned graph as an SVG or PNG image: a few calls of the renderer, side by side, each
    given its share of the graphs (one call per CPU, up to RENDERERS, each of at least 8 graphs)."""
    calls = max(1, min(RENDERERS, os.cpu_count() or 1, len(sources) // 8))
    size = -(-len(sources) // calls)
    shares = [sources[i : i + size] for i in range(0, len(sources), size)]
    if len(shares) == 1:
        outputs = [_run(sources, format, pinned=True, options=options)]
    else:
        with ThreadPoolExecutor(len(shares)) as pool:  # each thread waits on its own process
            outputs = list(pool.map(lambda share: _run(share, format, pinned=True, options=options), shares))
    mark = _SPLIT[format]
    images = [mark + part for output in outputs for part in output.split(mark)[1:]]
    if len(images) != len(sources):
        raise RenderError(f"the renderer gave {len(images)} {format} images for {len(sources)} graphs")
    return images


def _json(source: str) -> dict[str, Any]:
    """The graph laid out by dot, in Graphviz's JSON output: sizes and positions in points (or inches)."""
    data: dict[str, Any] = json.loads(_run([source], "json", pinned=False))
    return data


class _PinnedDrawing(Drawing):
    """A frame: a Drawing whose source holds the shared layout's positions, drawn with neato -n2."""

    def _image(self, format: str, engine: str | None = None, quiet: bool = False) -> bytes:
        return _run([self.source], format, pinned=True)


def _inline(svg: str) -> str:
    """An SVG frame to put inside HTML: no XML prolog, and shrunk to fit the page's width if wider."""
    svg = svg[svg.find("<svg") :]
    return svg.replace("<svg ", '<svg style="max-width:100%;height:auto" ', 1)


class BackpropSteps(Sequence[Step]):
    """The steps of backward on root's graph, each drawable with `graph(i)` (or `steps[i]` + `graph`).

    Every frame shares one layout (see the module's docstring), computed the first time a frame
    is drawn.
    """

    def __init__(
        self,
        root: Value,
        steps: list[Step],
        order: list[Value],
        *,
        rankdir: str,
        edge_labels: bool,
        max_nodes: int,
    ) -> None:
        self.root = root
        self._steps = steps
        self._order = order
        self._names = node_names(order)
        self._rankdir = rankdir  # "auto", or the rankdir asked for
        self._edge_labels = edge_labels
        self._max_nodes = max_nodes
        self._layout: _Layout | None = None
        self._pinned: list[_PinnedDrawing] = []  # every frame on the layout, once it is computed
        self._svg_cache: dict[int, str] = {}

    @overload
    def __getitem__(self, i: int) -> Step: ...

    @overload
    def __getitem__(self, i: slice) -> list[Step]: ...

    def __getitem__(self, i: int | slice) -> Step | list[Step]:
        return self._steps[i]

    def __len__(self) -> int:
        return len(self._steps)

    def __iter__(self) -> Iterator[Step]:
        return iter(self._steps)

    def __repr__(self) -> str:
        return f"<BackpropSteps: {len(self)} steps of backward, first {self._steps[0].text!r}>"

    @property
    def grads(self) -> dict[Value, float]:
        """Every node's final gradient d root / d node, as backward would add to `.grad`."""
        return {step.node: step.grad for step in self._steps}

    @property
    def rankdir(self) -> str:
        """The direction the frames are laid out in: 'LR' or 'TB' (as chosen for rankdir='auto')."""
        return self._shared_layout().rankdir

    def _index(self, i: int) -> int:
        if not -len(self) <= i < len(self):
            raise IndexError(f"step {i} out of range: there are {len(self)} steps (0 to {len(self) - 1})")
        return i % len(self)

    def _caption(self, i: int) -> str:
        """'Step 4 of 5:  dL/db = dL/dc · ∂c/∂b' over '= -8.0000 · 2.0000 = -16.0000', each broken
        between terms into lines of at most CAPTION_CHARS characters."""
        step = self._steps[i]
        head = f"Step {i + 1} of {len(self)}:  "
        if not step.terms:
            return head + step.text
        symbolic = [f"{t.upstream_name} · {t.local_name}" for t in step.terms]
        numeric = [f"{format_number(t.upstream)} · {format_number(t.local)}" for t in step.terms]
        lines = _lines(f"{head}{step.name} = ", symbolic) + _lines("= ", numeric)
        lines[-1] += f" = {format_number(step.grad)}"
        return "\n".join(lines)

    def _frame(self, i: int, rankdir: str) -> Drawing:
        """Step i as draw_dot draws it, before any layout: known gradients filled in, the new one orange."""
        step = self._steps[i]
        return _draw(
            self.root,
            order=self._order,
            grads={s.node: s.grad for s in self._steps[: i + 1]},
            focus=(step.node,),
            focus_edges=[(t.consumer, t.operand) for t in step.terms],
            done=[s.node for s in self._steps[:i]],
            title=self._caption(i),
            names=self._names,
            rankdir=rankdir,
            edge_labels=self._edge_labels,
            max_nodes=self._max_nodes,
        )

    def _shared_layout(self) -> _Layout:
        """The one layout every frame is drawn on, computed once (two or three renderer calls),
        and every frame pinned to it."""
        if self._layout is None:
            first = "LR" if self._rankdir == "auto" else self._rankdir
            frames = [self._frame(i, first) for i in range(len(self))]
            cells, captions = _measure(frames)
            layout = _lay_out(frames[0], first, cells, captions)
            if self._rankdir == "auto" and not layout.fits():  # too wide for a page: try top to bottom
                tall = _lay_out(self._frame(0, "TB"), "TB", cells, captions)
                if tall.fits() or tall.width < layout.width:
                    layout = tall
                    frames = [self._frame(i, "TB") for i in range(len(self))]
            self._pinned = [layout.pin(frame) for frame in frames]
            self._layout = layout
        return self._layout

    def graph(self, i: int) -> Drawing:
        """The drawing of step i on the shared layout: known gradients filled in, the new one and
        its edges in orange. Its source holds every position; it renders with neato -n2."""
        i = self._index(i)
        self._shared_layout()
        return self._pinned[i].copy()

    def svg(self, i: int) -> str:
        """Step i rendered as SVG text (cached)."""
        i = self._index(i)
        if i not in self._svg_cache:
            self._svg_cache[i] = _render([self.graph(i).source], "svg")[0].decode("utf-8")
        return self._svg_cache[i]

    def svgs(self) -> list[str]:
        """Every step as SVG text, rendered in one call of the renderer (cached)."""
        missing = [i for i in range(len(self)) if i not in self._svg_cache]
        if missing:
            images = _render([self.graph(i).source for i in missing], "svg")
            self._svg_cache.update((i, image.decode("utf-8")) for i, image in zip(missing, images))
        return [self._svg_cache[i] for i in range(len(self))]

    def save_svgs(self, folder: StrPath, prefix: str = "step") -> list[Path]:
        """Write step_01.svg, step_02.svg, ... into folder (created if needed); return the paths."""
        target = Path(folder)
        target.mkdir(parents=True, exist_ok=True)
        width = len(str(len(self)))
        paths = []
        for i, svg in enumerate(self.svgs()):
            path = target / f"{prefix}_{i + 1:0{max(2, width)}d}.svg"
            path.write_text(svg, encoding="utf-8")
            paths.append(path)
        return paths

    def save_gif(
        self,
        path: StrPath,
        seconds_per_step: float = 1.5,
        *,
        max_width: int = MAX_WIDTH,
        max_height: int = MAX_HEIGHT,
    ) -> Path:
        """Write an animated GIF of all steps, at most max_width x max_height pixels (needs Pillow).

        Every frame is drawn on the shared layout at one scale (full size, as a browser shows
        the SVG, or smaller to fit), so only colours and numbers change; the frames share one
        palette, and the GIF stores only what changes from one frame to the next.
        """
        try:
            from PIL import Image  # pyright: ignore[reportMissingImports]  # optional; pyright may run outside the venv
        except ImportError as exc:
            raise ImportError("save_gif needs Pillow: pip install pillow (or use save_svgs)") from exc
        for name, size in (("max_width", max_width), ("max_height", max_height)):
            if isinstance(size, bool) or not isinstance(size, int) or size < 100:
                raise ValueError(f"save_gif: {name} must be an int >= 100 (pixels), got {size!r}")

        layout = self._shared_layout()
        dpi = min(96.0, 72.0 * max_width / layout.width, 72.0 * max_height / layout.height)
        sources = [self.graph(i).source for i in range(len(self))]
        frames = []
        for png in _render(sources, "png", options=[f"-Gdpi={dpi:.3f}"]):
            with Image.open(io.BytesIO(png)) as image:
                canvas = Image.new("RGBA", image.size, "white")  # any transparent part onto white
                canvas.alpha_composite(image.convert("RGBA"))
            frame = canvas.convert("RGB")
            frame.thumbnail((max_width, max_height))  # the renderer may round up a pixel
            frames.append(frame)
        width = max(f.width for f in frames)
        height = max(f.height for f in frames)
        canvases = []
        for frame in frames:  # the frames share one size; should one differ, it goes bottom centre
            if frame.size != (width, height):
                canvas = Image.new("RGB", (width, height), "white")
                canvas.paste(frame, ((width - frame.width) // 2, height - frame.height))
                frame = canvas
            canvases.append(frame)
        sample = Image.new("RGB", (width, 3 * height), "white")  # first, middle and last frames: every colour
        for k, frame in enumerate((canvases[0], canvases[len(canvases) // 2], canvases[-1])):
            sample.paste(frame, (0, k * height))
        palette = sample.quantize(colors=GIF_COLOURS, method=Image.Quantize.MEDIANCUT)
        indexed = [frame.quantize(palette=palette, dither=Image.Dither.NONE) for frame in canvases]
        target = Path(path)
        indexed[0].save(
            target,
            format="GIF",
            save_all=True,
            append_images=indexed[1:],
            duration=int(seconds_per_step * 1000),
            loop=0,
            optimize=True,
        )
        return target

    def widget(self) -> Any:
        """A notebook slider (and play button) over the steps; needs ipywidgets."""
        try:
            import ipywidgets as widgets  # type: ignore[import-untyped]  # no py.typed marker
        except ImportError as exc:
            raise ImportError(
                "steps.widget() needs ipywidgets: pip install ipywidgets "
                "(or display the steps object itself for a list of every frame)"
            ) from exc
        frames = [_inline(svg) for svg in self.svgs()]  # all at once: one call of the renderer
        view = widgets.HTML(frames[0])
        slider = widgets.IntSlider(value=1, min=1, max=len(self), description="step", continuous_update=True)
        play = widgets.Play(value=1, min=1, max=len(self), interval=1500, description="play")
        widgets.jslink((play, "value"), (slider, "value"))

        def show(change: dict[str, Any]) -> None:
            view.value = frames[change["new"] - 1]

        slider.observe(show, names="value")
        return widgets.VBox([widgets.HBox([play, slider]), view])

    def _repr_html_(self) -> str:
        """Every step as a collapsible section, the first one open: browsable with no JavaScript."""
        parts = [f"<div><p><b>Backward, step by step</b> ({len(self)} steps; click a step to open it)</p>"]
        for i, (step, svg) in enumerate(zip(self._steps, self.svgs())):
            summary = html.escape(f"Step {i + 1}: {step.text}")
            parts.append(f"<details{' open' if i == 0 else ''}><summary>{summary}</summary>{_inline(svg)}</details>")
        parts.append("</div>")
        return "\n".join(parts)


def _lines(start: str, terms: list[str]) -> list[str]:
    """start + the terms joined by ' + ', broken before a ' + ' where a line would grow too long."""
    lines = [start + terms[0]]
    for term in terms[1:]:
        if len(lines[-1]) + len(term) + 3 > CAPTION_CHARS:
            lines.append(f"    + {term}")
        else:
            lines[-1] += f" + {term}"
    return lines


def _equation(terms: Sequence[Term]) -> tuple[str, str]:
    """A gradient as the chain rule sums it: total = upstream total · local, over the consumers.

    ('dL/dc · ∂c/∂a + dL/dd · ∂d/∂a', '-8.0000 · -3.0000 + -8.0000 · 1.0000'); a value used
    by more than MAX_TERMS operations shows the first MAX_TERMS terms and how many more there are.
    """
    shown = terms[:MAX_TERMS]
    left = len(terms) - MAX_TERMS
    more = [f"… {left:,} more term{'s' if left > 1 else ''}"] if left > 0 else []
    symbolic = " + ".join([*(f"{t.upstream_name} · {t.local_name}" for t in shown), *more])
    numeric = " + ".join([*(f"{format_number(t.upstream)} · {format_number(t.local)}" for t in shown), *more])
    return symbolic, numeric


def backward_steps(root: Value, order: list[Value] | None = None) -> list[Step]:
    """backward on root's graph as a list of steps, one per node in reverse topological order.

    Computed here from the rule table, as `backward.backpropagate` does, keeping each term to
    show it; no `.grad` is read or changed. order: topological_order(root), when already known.
    The drawings of `backprop_steps` and the explorer (`explore`) both show these steps.
    """
    order = topological_order(root) if order is None else order
    names = node_names(order)
    top = names[root]
    grad: dict[Value, float] = {root: 1.0}
    terms: dict[Value, list[Term]] = {node: [] for node in order}
    steps: list[Step] = []
    for node in reversed(order):
        g = grad.get(node, 0.0)  # final: every consumer of node came earlier in this loop
        name = total_name(top, names[node])
        own = tuple(terms[node])
        if node is root:
            text = f"{name} = 1 (backward starts at the output)"
        else:
            symbolic, numeric = _equation(own)
            text = f"{name} = {symbolic} = {numeric} = {format_number(g)}"
        steps.append(Step(len(steps), node, g, own, name, text))
        twice = repeated_operands(node)
        for edge in edges(node):  # as backward.backpropagate, keeping each term to show it
            operand, d = edge.operand, local_derivative(edge)  # a failure names the operation
            grad[operand] = grad.get(operand, 0.0) + g * d  # from 0.0, as .grad is: so never -0.0
            local = local_name(names[node], names[operand], edge.position if operand in twice else None)
            terms[operand].append(Term(node, edge.position, g, d, total_name(top, names[node]), local))
    return steps


def backprop_steps(
    root: Value,
    *,
    rankdir: str = "auto",
    edge_labels: bool = True,
    max_steps: int = 200,
    max_nodes: int = 500,
) -> BackpropSteps:
    """The steps of backward on root's graph, one per node in reverse topological order.

    Gradients are computed here from the rule table; no `.grad` is read or changed. Graphs with
    more than max_steps nodes are refused with an error (use draw_dot or explain for those).
    rankdir: "auto" (left to right when a frame fits a MAX_WIDTH-pixel page, else top to bottom
    when that fits, else whichever is narrower, as draw_dot chooses), or "LR", "TB", "RL", "BT".
    """
    if type(root) is not Value:
        raise TypeError(f"backprop_steps: root must be a Value, got {type(root).__name__}: {root!r}")
    if rankdir != "auto" and rankdir not in RANKDIRS:
        raise ValueError(f"backprop_steps: rankdir must be 'auto' or one of {', '.join(RANKDIRS)}, got {rankdir!r}")
    order = topological_order(root)
    if len(order) > max_steps:
        raise ValueError(
            f"backprop_steps: the graph has {len(order):,} nodes, so {len(order):,} frames; "
            f"more than max_steps={max_steps}. Step through a smaller expression, raise max_steps, "
            f"or use draw_dot(root, max_nodes=...) and explain(root, x) for big graphs."
        )
    steps = backward_steps(root, order)
    return BackpropSteps(root, steps, order, rankdir=rankdir, edge_labels=edge_labels, max_nodes=max_nodes)
