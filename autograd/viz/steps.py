"""Watch backward run: one drawing per node, in reverse topological order.

Step k shows the moment node k's gradient becomes final: every node that uses it has already
passed its gradient back, so

    d root / d node = sum over its consumers c of (d root / d c) * (d c / d node).

The frame colours that node orange, the edges whose local derivatives were just applied orange,
the nodes already finished pale green, and shows "not yet computed" on the rest. The gradients
are computed here from the rule table, exactly as `backward` does; the user's `.grad` is never
touched, so the frames are the same before and after backward.

In a notebook, ``steps.widget()`` gives a slider (needs ipywidgets); displaying ``steps`` itself
gives every frame as a collapsible list, which needs no JavaScript. Outside one,
``steps.save_svgs(folder)`` writes one SVG per step and ``steps.save_gif(path)`` an animation.
"""

from __future__ import annotations

import html
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypedDict, Union, overload

from ..explain import format_number, local_derivative, node_names
from ..graph import edges, topological_order
from ..value import Value
from .dot import _draw
from .render import Drawing, render_source

__all__ = ["backprop_steps", "BackpropSteps", "Step", "Term"]

StrPath = Union[str, "os.PathLike[str]"]


class _DrawOptions(TypedDict):
    """The draw_dot options every frame of a BackpropSteps shares."""

    rankdir: str
    edge_labels: bool
    max_nodes: int


@dataclass(frozen=True)
class Term:
    """One consumer's contribution to a node's gradient: upstream gradient times local derivative."""

    consumer: Value  # the node computed from this one
    operand: int  # this node's index in consumer.operands
    upstream: float  # d root / d consumer, already final
    local: float  # d consumer / d node, from the rule table
    upstream_name: str  # 'dL/dc'
    local_name: str  # 'dc/da'

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
    text: str  # the equation this step computes, e.g. 'dL/da = dL/dc * dc/da = 1.0000 * -3.0000 = -3.0000'


class BackpropSteps(Sequence[Step]):
    """The steps of backward on root's graph, each drawable with `graph(i)` (or `steps[i]` + `graph`)."""

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
        self._options: _DrawOptions = {"rankdir": rankdir, "edge_labels": edge_labels, "max_nodes": max_nodes}
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

    def graph(self, i: int) -> Drawing:
        """The drawing of step i: known gradients filled in, the new one and its edges in orange."""
        if not -len(self) <= i < len(self):
            raise IndexError(f"step {i} out of range: there are {len(self)} steps (0 to {len(self) - 1})")
        i %= len(self)
        step = self._steps[i]
        known = {s.node: s.grad for s in self._steps[: i + 1]}
        return _draw(
            self.root,
            order=self._order,
            grads=known,
            focus=(step.node,),
            focus_edges=[(t.consumer, t.operand) for t in step.terms],
            done=[s.node for s in self._steps[:i]],
            title=f"Step {i + 1} of {len(self)}:  {step.text}",
            names=self._names,
            **self._options,
        )

    def svg(self, i: int) -> str:
        """Step i rendered as SVG text (cached)."""
        i %= len(self)
        if i not in self._svg_cache:
            self._svg_cache[i] = render_source(self.graph(i).source, "svg").decode("utf-8")
        return self._svg_cache[i]

    def save_svgs(self, folder: StrPath, prefix: str = "step") -> list[Path]:
        """Write step_01.svg, step_02.svg, ... into folder (created if needed); return the paths."""
        target = Path(folder)
        target.mkdir(parents=True, exist_ok=True)
        width = len(str(len(self)))
        paths = []
        for i in range(len(self)):
            path = target / f"{prefix}_{i + 1:0{max(2, width)}d}.svg"
            path.write_text(self.svg(i), encoding="utf-8")
            paths.append(path)
        return paths

    def save_gif(self, path: StrPath, seconds_per_step: float = 1.5) -> Path:
        """Write an animated GIF of all steps (needs Pillow, which matplotlib installs)."""
        try:
            from PIL import Image  # pyright: ignore[reportMissingImports]  # optional; pyright may run outside the venv
        except ImportError as exc:
            raise ImportError("save_gif needs Pillow: pip install pillow (or use save_svgs)") from exc
        import io

        frames = []
        for i in range(len(self)):
            png = render_source(self.graph(i).source, "png")
            frames.append(Image.open(io.BytesIO(png)).convert("RGBA"))
        width = max(f.width for f in frames)
        height = max(f.height for f in frames)
        canvases = []
        for frame in frames:  # the layout shifts a little as numbers appear: pad to one size
            canvas = Image.new("RGBA", (width, height), "white")
            canvas.alpha_composite(frame)
            canvases.append(canvas.convert("RGB"))
        target = Path(path)
        canvases[0].save(
            target,
            format="GIF",
            save_all=True,
            append_images=canvases[1:],
            duration=int(seconds_per_step * 1000),
            loop=0,
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
        view = widgets.HTML(self.svg(0))
        slider = widgets.IntSlider(value=1, min=1, max=len(self), description="step", continuous_update=True)
        play = widgets.Play(value=1, min=1, max=len(self), interval=1500, description="play")
        widgets.jslink((play, "value"), (slider, "value"))

        def show(change: dict[str, Any]) -> None:
            view.value = self.svg(change["new"] - 1)

        slider.observe(show, names="value")
        return widgets.VBox([widgets.HBox([play, slider]), view])

    def _repr_html_(self) -> str:
        """Every step as a collapsible section, the first one open: browsable with no JavaScript."""
        parts = [f"<div><p><b>Backward, step by step</b> ({len(self)} steps; click a step to open it)</p>"]
        for i, step in enumerate(self._steps):
            svg = self.svg(i)
            svg = svg[svg.find("<svg") :]  # drop the XML prolog so the SVG can sit inside HTML
            summary = html.escape(f"Step {i + 1}: {step.text}")
            parts.append(f"<details{' open' if i == 0 else ''}><summary>{summary}</summary>{svg}</details>")
        parts.append("</div>")
        return "\n".join(parts)


def backprop_steps(
    root: Value,
    *,
    rankdir: str = "LR",
    edge_labels: bool = True,
    max_steps: int = 200,
    max_nodes: int = 500,
) -> BackpropSteps:
    """The steps of backward on root's graph, one per node in reverse topological order.

    Gradients are computed here from the rule table; no `.grad` is read or changed. Graphs with
    more than max_steps nodes are refused with an error (use draw_dot or explain for those).
    """
    if type(root) is not Value:
        raise TypeError(f"backprop_steps: root must be a Value, got {type(root).__name__}: {root!r}")
    order = topological_order(root)
    if len(order) > max_steps:
        raise ValueError(
            f"backprop_steps: the graph has {len(order):,} nodes, so {len(order):,} frames; "
            f"more than max_steps={max_steps}. Step through a smaller expression, raise max_steps, "
            f"or use draw_dot(root, max_nodes=...) and explain(root, x) for big graphs."
        )
    names = node_names(order)
    top = names[root]
    grad: dict[Value, float] = {root: 1.0}
    terms: dict[Value, list[Term]] = {node: [] for node in order}
    steps: list[Step] = []
    for node in reversed(order):
        g = grad.get(node, 0.0)  # final: every consumer of node came earlier in this loop
        name = f"d{top}/d{names[node]}"
        own = tuple(terms[node])
        if node is root:
            text = f"{name} = 1 (backward starts at the output)"
        else:
            symbolic = " + ".join(f"{t.upstream_name} * {t.local_name}" for t in own)
            numeric = " + ".join(f"{format_number(t.upstream)} * {format_number(t.local)}" for t in own)
            text = f"{name} = {symbolic} = {numeric} = {format_number(g)}"
        steps.append(Step(len(steps), node, g, own, name, text))
        for edge in edges(node):  # as backward.backpropagate, keeping each term to show it
            operand, d = edge.operand, local_derivative(edge)  # a failure names the operation
            total = grad.get(operand)
            grad[operand] = g * d if total is None else total + g * d
            local_name = f"d{names[node]}/d{names[operand]}"
            terms[operand].append(Term(node, edge.position, g, d, f"d{top}/d{names[node]}", local_name))
    return BackpropSteps(root, steps, order, rankdir=rankdir, edge_labels=edge_labels, max_nodes=max_nodes)
