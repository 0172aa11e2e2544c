"""Seeing gradients: the graph as a drawing (`draw_dot`), backward step by step, and the renderer.

Rendering needs no system Graphviz: `render_source` uses `dot` when it is installed and the
`graphviz-pure` binary (a pip dependency) otherwise, found even when the virtual environment's
bin/ is not on PATH. Set CHAINGRAD_DOT to force a particular program.
"""

from .dot import draw_dot
from .render import Drawing, RenderError, find_renderer, render_source
from .steps import BackpropSteps, Step, backprop_steps

__all__ = [
    "draw_dot",
    "backprop_steps",
    "BackpropSteps",
    "Step",
    "Drawing",
    "render_source",
    "find_renderer",
    "RenderError",
]
