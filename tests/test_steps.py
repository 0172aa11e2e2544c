"""backprop_steps: one frame per node in reverse topological order, gradients computed from the
rule table without touching .grad, frames rendered with no system Graphviz, SVG files, GIF, widget;
every frame on one layout, captions in the notation of explain (d total, ∂ local).

References are gradients worked out by hand, sizes stated in the issue (1 MB, 1,200 px), and the
geometry of the first frame (every other frame must repeat it), never numbers the steps computed.
"""

from __future__ import annotations

import math
import random
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from autograd import Value, topological_order
from autograd.viz import BackpropSteps, backprop_steps

SVG = "{http://www.w3.org/2000/svg}"
NOT_COMPUTED = "grad: not yet computed"


def named(v: Value, label: str) -> Value:
    v.label = label
    return v


def example() -> dict[str, Value]:
    """a = 2, b = -3, c = a b, d = c + a, L = d^2.

    By hand: d = -4, dL/dd = 2d = -8, dL/dc = -8, dL/db = -8 a = -16,
    dL/da = dL/dc * b + dL/dd * 1 = 24 - 8 = 16.
    """
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = named(a * b, "c")
    d = named(c + a, "d")
    L = named(d**2, "L")
    return dict(a=a, b=b, c=c, d=d, L=L)


HAND = {"L": 1.0, "d": -8.0, "c": -8.0, "b": -16.0, "a": 16.0}


def texts(svg: str) -> list[str]:
    root = ET.fromstring(svg.encode("utf-8"))
    assert root.tag == f"{SVG}svg"
    return [(t.text or "").strip() for t in root.iter(f"{SVG}text")]


def test_one_step_per_node_in_reverse_topological_order() -> None:
    v = example()
    steps = backprop_steps(v["L"])
    assert isinstance(steps, BackpropSteps) and len(steps) == 5
    assert steps[0].node is v["L"] and steps[0].grad == 1.0
    position = {s.node: s.index for s in steps}
    for s in steps:  # every consumer of a node is finished before the node itself
        for child in s.node.children:
            assert position[child] > s.index
    assert {s.node.label: s.grad for s in steps} == HAND


def test_steps_leave_grad_alone_and_agree_with_backward() -> None:
    v = example()
    steps = backprop_steps(v["L"])
    assert all(node.grad == 0.0 for node in v.values())  # nothing was written
    v["L"].backward()
    for s in steps:
        assert s.grad == pytest.approx(s.node.grad, rel=1e-15)
    again = backprop_steps(v["L"])  # after backward: the same frames, .grad still not read
    assert [s.grad for s in again] == [s.grad for s in steps]


def test_each_step_names_the_local_derivatives_it_applied() -> None:
    v = example()
    step_a = next(s for s in backprop_steps(v["L"]) if s.node is v["a"])
    # a is used twice: by c = a b (∂c/∂a = b = -3) and by d = c + a (∂d/∂a = 1)
    terms = sorted((t.upstream_name, t.local_name, t.upstream, t.local) for t in step_a.terms)
    assert terms == [("dL/dc", "∂c/∂a", -8.0, -3.0), ("dL/dd", "∂d/∂a", -8.0, 1.0)]
    assert math.fsum(t.value for t in step_a.terms) == step_a.grad == 16.0
    assert step_a.name == "dL/da"
    assert step_a.text.startswith("dL/da = ") and step_a.text.endswith("= 16.0000")
    assert "dL/dc · ∂c/∂a" in step_a.text and "dL/dd · ∂d/∂a" in step_a.text


def test_captions_write_the_total_with_d_and_the_local_derivative_with_partial(no_dot: None) -> None:
    """total = upstream total · local. Before: 'dL/dd = dL/dL * dL/dd', the local derivative
    ∂L/∂d given the name of the total dL/dd."""
    v = example()
    steps = backprop_steps(v["L"])
    by_node = {s.node.label: s.text for s in steps}
    # by hand: dL/dd = 1 · 2d = -8; dL/dc = -8 · 1; dL/db = -8 · a = -16
    assert by_node["L"] == "dL/dL = 1 (backward starts at the output)"
    assert by_node["d"] == "dL/dd = dL/dL · ∂L/∂d = 1.0000 · -8.0000 = -8.0000"
    assert by_node["c"] == "dL/dc = dL/dd · ∂d/∂c = -8.0000 · 1.0000 = -8.0000"
    assert by_node["b"] == "dL/db = dL/dc · ∂c/∂b = -8.0000 · 2.0000 = -16.0000"
    i = next(s.index for s in steps if s.node is v["d"])
    caption = [t for t in texts(steps.svg(i)) if "dL/dL" in t]  # the drawn caption, the same notation
    assert caption and caption[0].endswith("dL/dd = dL/dL · ∂L/∂d")


def test_a_value_used_twice_by_one_operation_names_each_operand() -> None:
    """t = tanh(m), m = a * a: two terms through m, one per operand of a * a. Before, both read
    'dt/dm * dm/da' with nothing to tell them apart."""
    a = Value(0.5, label="a")
    m = named(a * a, "m")
    t = named(m.tanh(), "t")
    step_a = backprop_steps(t)[-1]
    assert step_a.node is a
    local = 1 - math.tanh(0.25) ** 2  # ∂t/∂m = 1 - tanh(m)^2 at m = 0.25; ∂m/∂a = a = 0.5 for each operand
    assert [(t.local_name, t.local) for t in step_a.terms] == [
        ("∂m/∂a (1st operand)", 0.5),
        ("∂m/∂a (2nd operand)", 0.5),
    ]
    assert step_a.text == (
        "dt/da = dt/dm · ∂m/∂a (1st operand) + dt/dm · ∂m/∂a (2nd operand) "
        f"= {local:.4f} · 0.5000 + {local:.4f} · 0.5000 = {2 * 0.5 * local:.4f}"
    )


def test_frames_fill_gradients_in_one_at_a_time(no_dot: None) -> None:
    v = example()
    steps = backprop_steps(v["L"])
    for i, step in enumerate(steps):
        t = texts(steps.svg(i))
        assert t.count(NOT_COMPUTED) == len(steps) - (i + 1)
        assert f"grad {HAND[step.node.label]:.4f}" in t
        assert any(s.startswith(f"Step {i + 1} of {len(steps)}:") for s in t)


def test_frame_colours_the_applied_edges(no_dot: None) -> None:
    v = example()
    steps = backprop_steps(v["L"])
    i = next(s.index for s in steps if s.node is v["a"])
    root = ET.fromstring(steps.svg(i).encode("utf-8"))
    orange = set()
    for g in root.iter(f"{SVG}g"):
        if g.get("class") == "edge":
            stroke = next(p.get("stroke") for p in g.iter(f"{SVG}path"))
            label = [(t.text or "") for t in g.iter(f"{SVG}text")]
            if stroke != "black":
                orange.update(label)
    assert orange == {"∂c/∂a = -3.0000", "∂d/∂a = 1.0000"}


def test_save_svgs_writes_one_parseable_file_per_step(no_dot: None, tmp_path: Path) -> None:
    v = example()
    paths = backprop_steps(v["L"]).save_svgs(tmp_path / "frames")
    assert [p.name for p in paths] == [f"step_0{i}.svg" for i in range(1, 6)]
    for p in paths:
        assert texts(p.read_text(encoding="utf-8"))


def test_save_gif_is_an_animation_with_a_frame_per_step(no_dot: None, tmp_path: Path) -> None:
    Image = pytest.importorskip("PIL.Image")
    v = example()
    path = backprop_steps(v["L"]).save_gif(tmp_path / "backward.gif")
    with Image.open(path) as gif:
        assert gif.format == "GIF" and gif.n_frames == 5


def test_notebook_fallback_html_lists_every_frame() -> None:
    v = example()
    html = backprop_steps(v["L"])._repr_html_()
    assert html.count("<details") == 5 and html.count("<svg") == 5 and "<script" not in html


def test_widget_slider_switches_frames() -> None:
    pytest.importorskip("ipywidgets")
    v = example()
    box = backprop_steps(v["L"]).widget()
    controls, view = box.children
    slider = controls.children[1]
    assert (slider.min, slider.max) == (1, 5)
    assert "Step 1 of 5" in view.value
    slider.value = 4
    assert "Step 4 of 5" in view.value


def test_big_graph_is_refused_clearly() -> None:
    x = Value(0.1, label="x")
    y = x
    for _ in range(150):
        y = y * 1.01
    with pytest.raises(ValueError, match="151 nodes.*max_steps=100"):
        backprop_steps(y, max_steps=100)
    assert len(backprop_steps(y, max_steps=200)) == 151


def test_a_derivative_undefined_at_the_point_names_its_operation() -> None:
    x = Value(0.0, label="x")
    y = named(x**0.5, "y")  # d/dx x^0.5 = 0.5 x^-0.5: undefined at 0
    with pytest.raises(ZeroDivisionError, match=r"pow: the local derivative d out / d a = b \* a \*\* \(b - 1\)"):
        backprop_steps(y)


def test_a_derivative_that_is_not_a_real_number_names_its_operation() -> None:
    """x.data changed to -4 under x ** 0.5: the rule gives a complex number. Before, a TypeError
    about float() and 'complex' that named nothing."""
    x = Value(4.0, label="x")
    y = named(x**0.5, "y")
    x.data = -4.0
    with pytest.raises(ValueError, match=r"pow: the local derivative d out / d a = .* at a = -4.0, b = 0.5"):
        backprop_steps(y)


def test_frames_of_awkwardly_named_values_render_their_names_verbatim(no_dot: None) -> None:
    """Names go into edge labels and frame titles as well as boxes: before, the \\l in 'a\\l'
    broke those lines as a Graphviz escape."""
    a = Value(2.0, label="a\\l")
    b = named(a * Value(3.0, label='<b>"q"</b>'), "{|}")
    steps = backprop_steps(b)
    for i in range(len(steps)):
        t = texts(steps.svg(i))
        assert "a\\l" in t and '<b>"q"</b>' in t and "{|}" in t
        assert "∂{|}/∂a\\l = 3.0000" in t  # the edge label: ∂(a q)/∂a = q = 3
    title = [s for s in texts(steps.svg(2)) if s.startswith("Step 3 of 3:")]
    assert len(title) == 1 and re.search(r"d\{\|\}/da\\l = d\{\|\}/d\{\|\} · ∂\{\|\}/∂a\\l", title[0])


# -- one layout for every frame --------------------------------------------------------------------


def geometry(svg: str) -> tuple[dict[str, str | None], dict[str, list[str]]]:
    """Where an SVG frame draws things: the picture's size and origin, each node's box (the
    extent of its cells' polygons and ellipses) and each edge's path, by Graphviz's node names."""
    root = ET.fromstring(svg.encode("utf-8"))
    graph = root.find(f"{SVG}g")
    assert graph is not None
    frame = {"width": root.get("width"), "height": root.get("height"), "transform": graph.get("transform")}
    places: dict[str, list[str]] = {}
    for g in root.iter(f"{SVG}g"):
        title = g.find(f"{SVG}title")
        if g.get("class") not in ("node", "edge") or title is None or not title.text:
            continue
        if g.get("class") == "node":
            xs, ys = [], []
            for shape in g.iter():
                if shape.tag == f"{SVG}polygon":
                    points = [tuple(map(float, p.split(","))) for p in shape.get("points", "").split()]
                    xs += [x for x, _ in points]
                    ys += [y for _, y in points]
                elif shape.tag == f"{SVG}ellipse":
                    cx, cy, rx, ry = (float(shape.get(k, "0")) for k in ("cx", "cy", "rx", "ry"))
                    xs += [cx - rx, cx + rx]
                    ys += [cy - ry, cy + ry]
            places.setdefault(title.text, []).append(f"{min(xs)},{min(ys)},{max(xs)},{max(ys)}" if xs else "")
        else:
            places.setdefault(title.text, []).extend(p.get("d", "") for p in g.iter(f"{SVG}path"))
    return frame, places


def test_every_frame_draws_every_node_and_edge_at_the_same_place(no_dot: None) -> None:
    """Only colours and numbers change between frames. Before, each frame was laid out anew, and
    a box that grew or shrank ('grad: not yet computed' -> 'grad 16.0000') moved its neighbours."""
    v = example()
    steps = backprop_steps(v["L"])
    svgs = [steps.svg(i) for i in range(len(steps))]
    first_frame, first_places = geometry(svgs[0])
    assert {"v0", "v1", "v2", "v3", "v4"} <= set(first_places)  # the five values are drawn
    for i, svg in enumerate(svgs[1:], 2):
        frame, places = geometry(svg)
        assert frame == first_frame, f"frame {i} has another size or origin"
        assert places == first_places, f"frame {i} moves something"


def test_the_slider_and_the_html_list_show_the_frames_of_the_one_layout(no_dot: None) -> None:
    v = example()
    steps = backprop_steps(v["L"])
    expected = [geometry(steps.svg(i)) for i in range(len(steps))]
    assert all(frame == expected[0] for frame in expected)  # one layout (see the test above)
    page = steps._repr_html_()
    shown = re.findall(r"<svg.*?</svg>", page, re.S)
    assert [geometry(svg) for svg in shown] == expected
    widgets = pytest.importorskip("ipywidgets")
    assert widgets
    box = steps.widget()
    controls, view = box.children
    slider = controls.children[1]
    for i in range(len(steps)):
        slider.value = i + 1
        assert geometry(re.findall(r"<svg.*?</svg>", view.value, re.S)[0]) == expected[i]


def mlp_graph() -> Value:
    """The issue's example: nn.MLP(2, [3, 1]), one sample, mse: 37 values with one node per
    multiply and add (fused=False)."""
    from nn import MLP, mse

    model = MLP(2, [3, 1], rng=random.Random(0), fused=False)
    out = model([0.5, -1.0])
    assert isinstance(out, Value)
    return mse([out], [1.0])


def test_gif_of_a_36_node_mlp_graph_is_small_and_fits_the_page(no_dot: None, tmp_path: Path) -> None:
    """Before: 6,964 x 495 px frames (left to right, at full size), 2.3 MB, 14 s to write."""
    Image = pytest.importorskip("PIL.Image")
    loss = mlp_graph()
    nodes = len(topological_order(loss))
    assert nodes >= 36
    steps = backprop_steps(loss)
    path = steps.save_gif(tmp_path / "mlp.gif")
    with Image.open(path) as gif:
        assert gif.n_frames == nodes  # a frame per node
        assert gif.width <= 1200 and gif.height <= 1200
        assert max(gif.size) >= 1000  # shrunk to the cap, not further
    assert path.stat().st_size < 1_000_000
    assert steps.rankdir == "TB"  # far too wide left to right: laid out top to bottom
    small = steps.save_gif(tmp_path / "small.gif", max_width=600)
    with Image.open(small) as gif:
        assert gif.width <= 600 and gif.n_frames == nodes


def test_save_gif_refuses_a_width_that_is_no_size(tmp_path: Path) -> None:
    pytest.importorskip("PIL.Image")
    v = example()
    with pytest.raises(ValueError, match="max_width"):
        backprop_steps(v["L"]).save_gif(tmp_path / "never.gif", max_width=0)
    assert not (tmp_path / "never.gif").exists()


def test_a_graph_that_fits_the_page_stays_left_to_right(no_dot: None) -> None:
    x = Value(0.5, label="x")
    y = named(x.tanh(), "y")
    steps = backprop_steps(y)
    assert steps.rankdir == "LR"
    assert backprop_steps(y, rankdir="TB").rankdir == "TB"
    with pytest.raises(ValueError, match="rankdir"):
        backprop_steps(y, rankdir="sideways")
