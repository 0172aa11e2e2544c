"""Seeing gradients: the graph as a drawing (`draw_dot`), backward step by step, and the renderer.

Rendering needs no system Graphviz: `render_source` uses `dot` when it is installed and the
`graphviz-pure` binary (a pip dependency) otherwise, found even when the virtual environment's
bin/ is not on PATH. Set CHAINGRAD_DOT to force a particular program.

Drawings fit a 1,200 px page: `draw_dot` lays a graph out left to right or top to bottom,
whichever fits, and a `Drawing`'s SVG is scaled down to its `max_width` (`fit_svg`), its viewBox
kept; Jupyter shows it in a frame that scrolls and zooms. ``draw_dot(loss, modules=model)`` draws
an nn model by its layers and neurons.

`explore(root)` makes one self-contained HTML page of the graph (shown inline in Jupyter, or
`.save(path)`): click a value for its gradient as a sum over chain-rule paths, step backward.
"""

from .dot import draw_dot
from .explore import Explorer, explore
from .render import Drawing, RenderError, find_renderer, fit_svg, render_source
from .steps import BackpropSteps, Step, backprop_steps, backward_steps

__all__ = [
    "draw_dot",
    "explore",
    "Explorer",
    "backprop_steps",
    "backward_steps",
    "BackpropSteps",
    "Step",
    "Drawing",
    "render_source",
    "fit_svg",
    "find_renderer",
    "RenderError",
]
