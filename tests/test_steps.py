"""backprop_steps: one frame per node in reverse topological order, gradients computed from the
rule table without touching .grad, frames rendered with no system Graphviz, SVG files, GIF, widget.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from autograd import Value
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
    # a is used twice: by c = a b (dc/da = b = -3) and by d = c + a (dd/da = 1)
    terms = sorted((t.local_name, t.upstream, t.local) for t in step_a.terms)
    assert terms == [("dc/da", -8.0, -3.0), ("dd/da", -8.0, 1.0)]
    assert math.fsum(t.value for t in step_a.terms) == step_a.grad == 16.0
    assert step_a.name == "dL/da"
    assert step_a.text.startswith("dL/da = ") and step_a.text.endswith("= 16.0000")
    assert "dL/dc * dc/da" in step_a.text and "dL/dd * dd/da" in step_a.text


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
    assert orange == {"dc/da = -3.0000", "dd/da = 1.0000"}


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
        assert "d{|}/da\\l = 3.0000" in t  # the edge label: d(a q)/da = q = 3
    title = [s for s in texts(steps.svg(2)) if s.startswith("Step 3 of 3:")]
    assert len(title) == 1 and re.search(r"d\{\|\}/da\\l = d\{\|\}/d\{\|\} \* d\{\|\}/da\\l", title[0])
