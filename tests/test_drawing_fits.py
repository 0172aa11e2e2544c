"""Drawings that fit where they are shown, and say what they leave out.

* Layout: a graph too long for a 1,200 px page is laid out top to bottom; whatever is still too
  wide is scaled down (width and height attributes) with its viewBox kept; Jupyter gets a frame
  that scrolls and zooms.
* Models: one cluster per layer and per neuron, a neuron as one box, or expanded in full.
* A grad that comes partly through nodes not drawn says how much.
* Edge labels are local derivatives, written with ∂; a box's grad is a total derivative, d.

Expected numbers are worked out by hand from the Values' data, never read from the drawing code.
Everything is read back from the DOT source or the rendered SVG.
"""

from __future__ import annotations

import math
import random
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pytest

import nn
from autograd import Value, draw_dot, topological_order
from autograd.value import dot

SVG = "{http://www.w3.org/2000/svg}"
PAGE = 1200  # px
PX = {"": 4 / 3, "pt": 4 / 3, "px": 1.0}


# -- reading DOT and SVG, independently of the code under test -----------------------------------


def svg_tag(svg: str | bytes) -> str:
    text = svg.decode() if isinstance(svg, bytes) else svg
    m = re.search(r"<svg\b[^>]*>", text)
    assert m, "no <svg> element"
    return m.group(0)


def size_px(svg: str | bytes) -> tuple[float, float]:
    """The shown width and height of an SVG in pixels (Graphviz writes points: 1 pt = 4/3 px)."""
    tag = svg_tag(svg)
    found = []
    for name in ("width", "height"):
        m = re.search(rf'\s{name}="([0-9.]+)([a-z]*)"', tag)
        assert m, f"no {name} attribute in {tag}"
        found.append(float(m.group(1)) * PX[m.group(2)])
    return found[0], found[1]


def viewbox(svg: str | bytes) -> tuple[float, float]:
    m = re.search(r'viewBox="[-0-9.]+ [-0-9.]+ ([0-9.]+) ([0-9.]+)"', svg_tag(svg))
    assert m, "no viewBox"
    return float(m.group(1)), float(m.group(2))


def scale(svg: str | bytes) -> float:
    """How much the picture is shrunk: shown width over the viewBox's width (both in points)."""
    return size_px(svg)[0] * 0.75 / viewbox(svg)[0]


def texts(svg: str | bytes) -> list[str]:
    root = ET.fromstring(svg if isinstance(svg, bytes) else svg.encode())
    return [(t.text or "").strip() for t in root.iter(f"{SVG}text")]


def rankdir(source: str) -> str:
    m = re.search(r"\brankdir=(\w+)", source)
    assert m
    return m.group(1)


@dataclass
class Cluster:
    label: str
    nodes: set[str]  # declared in it, at any depth
    parent: str | None  # the cluster it sits in


def clusters(source: str) -> dict[str, Cluster]:
    """Each cluster subgraph of a DOT source, by its name."""
    found: dict[str, Cluster] = {}
    stack: list[str] = []
    for line in source.splitlines():
        line = line.strip()
        m = re.match(r"subgraph (cluster\w*) \{", line)
        if m:
            found[m.group(1)] = Cluster("", set(), stack[-1] if stack else None)
            stack.append(m.group(1))
        elif line == "}" and stack:
            stack.pop()
        elif stack and "[label=" not in line and (m := re.search(r"\blabel=<([^<>]*)>", line)):
            found[stack[-1]].label = m.group(1)
        elif stack and (m := re.match(r"(\w+) \[label=", line)):
            for c in stack:
                found[c].nodes.add(m.group(1))
    return found


def headings(source: str) -> dict[str, str]:
    """Node id -> the bold name at the top of its box."""
    return dict(re.findall(r"^\s*(\w+) \[label=<<table[^\n]*?<b>([^<]*)</b>", source, re.M))


def edges(source: str) -> list[tuple[str, str, str]]:
    """(from, to, label) of every edge."""
    found = []
    for a, b, attrs in re.findall(r"^\s*(\w+) -> (\w+)(?: \[(.*)\])?$", source, re.M):
        m = re.search(r"label=<([^<>]*)>", attrs)
        found.append((a, b, m.group(1) if m else ""))
    return found


def four(x: float) -> str:
    return f"{x:.4f}"


# -- layouts that fit -----------------------------------------------------------------------------


def long_chain(steps: int) -> Value:
    """x, then tanh(1.1 * y) again and again: a chain far longer than a page is wide."""
    y = Value(0.5, label="x")
    for k in range(steps):
        y = (y * 1.1).tanh()
        y.label = f"y{k + 1}"
    return y


def test_left_to_right_when_it_fits_the_page_top_to_bottom_at_full_size_when_not(no_dot: None) -> None:
    """Before: always left to right; 12 steps of a chain made a drawing about 4,000 px wide."""
    y = long_chain(12)
    y.backward()
    drawing = draw_dot(y)
    assert rankdir(drawing.source) == "TB"
    svg = drawing.pipe(format="svg")
    assert size_px(svg)[0] <= PAGE
    assert scale(svg) == pytest.approx(1.0)  # fits as it is: the text keeps its size
    assert size_px(draw_dot(y, rankdir="LR", max_width=None).pipe(format="svg"))[0] > 2 * PAGE
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b + 1.0
    c.label = "c"
    small = draw_dot(c)  # a small expression stays left to right, at full size
    assert rankdir(small.source) == "LR"
    assert scale(small.pipe(format="svg")) == pytest.approx(1.0)


def wide_and_long() -> Value:
    """A dot node of 40 labelled pairs, then a long chain: too wide for either layout."""
    ws = [Value(0.01 * k, label=f"w{k}") for k in range(40)]
    xs = [Value(1.0 - 0.02 * k, label=f"x{k}") for k in range(40)]
    y = dot(ws, xs)
    y.label = "s"
    for k in range(20):
        y = y.tanh() * 1.5
        y.label = f"t{k}"
    return y


def test_a_drawing_too_big_for_any_layout_is_scaled_to_the_page_keeping_its_viewbox(no_dot: None) -> None:
    y = wide_and_long()
    y.backward()
    fitted = draw_dot(y).pipe(format="svg")
    natural = draw_dot(y, max_width=None).pipe(format="svg")
    w, h = size_px(fitted)
    assert w == pytest.approx(PAGE, abs=1)  # the page's width, not more
    assert viewbox(fitted) == viewbox(natural)  # the same picture, only shown smaller
    assert size_px(natural)[0] > 2 * PAGE
    vw, vh = viewbox(fitted)
    assert w / h == pytest.approx(vw / vh, rel=1e-3)  # scaled evenly, not squashed
    assert "data 0.0000" in texts(fitted)  # every box is still there


def test_max_width_sets_the_page_and_none_keeps_graphviz_size(no_dot: None) -> None:
    y = long_chain(12)
    narrow = draw_dot(y, max_width=300).pipe(format="svg")
    assert size_px(narrow)[0] <= 300
    kept = draw_dot(y, max_width=None).pipe(format="svg")
    assert rankdir(draw_dot(y, max_width=None).source) == "LR"  # None: never re-laid out
    assert scale(kept) == pytest.approx(1.0)
    assert scale(draw_dot(y, max_width=None).copy().pipe(format="svg")) == pytest.approx(1.0)  # copies keep it
    with pytest.raises(ValueError, match="max_width"):
        draw_dot(y, max_width=0)


def test_files_written_from_a_drawing_fit_too(no_dot: None, tmp_path: Path) -> None:
    y = wide_and_long()
    drawing = draw_dot(y)
    for path in (Path(drawing.render(outfile=tmp_path / "g.svg")), drawing.export(tmp_path / "e.svg")):
        assert size_px(path.read_bytes())[0] <= PAGE


def test_jupyter_shows_the_drawing_in_a_frame_that_scrolls_and_zooms(no_dot: None) -> None:
    y = wide_and_long()
    drawing = draw_dot(y)
    bundle = drawing._repr_mimebundle_()
    assert set(bundle) == {"text/html", "image/svg+xml"}
    page, svg = bundle["text/html"], bundle["image/svg+xml"]
    assert isinstance(page, str) and isinstance(svg, str)
    frame = re.match(r'<div [^>]*style="([^"]*)"', page)
    assert frame and "max-width:100%" in frame.group(1) and "overflow:auto" in frame.group(1)
    inner = page[page.index("<svg") : page.index("</svg>") + len("</svg>")]
    ET.fromstring(inner.encode())  # well-formed inside the HTML, no XML prolog
    tag = svg_tag(inner)
    assert "max-width:100%" in tag and "height:auto" in tag  # shrinks with a narrower page
    fit = re.search(r'data-fit="([0-9.]+)pt"', tag)
    zoom = re.search(r'data-zoom="([0-9.]+)pt"', tag)
    assert fit and zoom and float(zoom.group(1)) >= 2 * float(fit.group(1)) - 0.01
    assert "onclick=" in tag and "click the drawing to zoom" in page
    for shown in (svg, inner, drawing._repr_svg_(), drawing._repr_html_()):
        assert size_px(shown)[0] <= PAGE
    png = draw_dot(long_chain(2))._repr_mimebundle_(include=["image/png"])
    assert list(png) == ["image/png"]


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ('<svg width="2400pt" height="100pt" viewBox="0 0 2400 100">', '<svg width="900.00pt" height="37.50pt"'),
        ('<svg width="2400px" height="100px" viewBox="0 0 1800 75">', '<svg width="1200.00px" height="50.00px"'),
        ('<svg width="2400" height="100">', '<svg width="900.00" height="37.50" viewBox="0 0 2400 100"'),
        ('<svg width="600pt" height="100pt" viewBox="0 0 600 100">', '<svg width="600pt" height="100pt"'),
    ],
)
def test_fit_svg_scales_points_pixels_and_bare_numbers_alike(tag: str, expected: str) -> None:
    from autograd.viz.render import fit_svg

    out = fit_svg(f"<?xml version='1.0'?>\n{tag}<g/></svg>".encode(), PAGE).decode()
    assert expected in out
    assert size_px(out)[0] <= PAGE


# -- models drawn by their modules ------------------------------------------------------------------


def small_model(fused: bool = True) -> tuple[nn.MLP, list[Value], Value]:
    """A 3-4-2-1 tanh network on three labelled inputs, its squared error after backward."""
    model = nn.MLP(3, [4, 2, 1], activation="tanh", rng=random.Random(5), fused=fused)
    x = [Value(v, label=f"x{i + 1}") for i, v in enumerate([0.5, -1.0, 2.0])]
    out = model(x)
    assert isinstance(out, Value)
    loss = (out - 1.0) ** 2
    loss.label = "loss"
    loss.backward()
    return model, x, loss


def forward_by_hand(model: nn.MLP, x: list[float]) -> list[list[float]]:
    """Every neuron's output, layer by layer, from the parameters' data alone."""
    outs, h = [], x
    for i, layer in enumerate(model.layers):
        last = i == len(model.layers) - 1
        z = [n.b.data + sum(w.data * v for w, v in zip(n.w, h)) for n in layer.neurons]
        h = z if last else [math.tanh(v) for v in z]
        outs.append(h)
    return outs


def test_a_model_is_drawn_with_one_cluster_per_layer_holding_one_per_neuron() -> None:
    model, _, loss = small_model()
    source = draw_dot(loss, modules=model).source
    found = clusters(source)
    layers = {c: v for c, v in found.items() if v.parent is None}
    assert sorted(v.label for v in layers.values()) == ["L1", "L2", "L3"]
    for name, layer in layers.items():
        inside = [c for c, v in found.items() if v.parent == name]
        assert len(inside) == {"L1": 4, "L2": 2, "L3": 1}[layer.label]
        for c in inside:  # each neuron's cluster holds that neuron's box, named like it
            boxes = {headings(source)[n] for n in found[c].nodes}
            assert boxes == {c.removeprefix("cluster_").replace("_", ".")}


def test_a_collapsed_neuron_is_one_box_with_its_name_output_and_grad(no_dot: None) -> None:
    model, x, loss = small_model()
    svg = draw_dot(loss, modules=model).pipe(format="svg")
    shown = texts(svg)
    by_hand = forward_by_hand(model, [v.data for v in x])
    for i, layer_out in enumerate(by_hand, 1):
        for j, a in enumerate(layer_out, 1):
            k = shown.index(f"L{i}.n{j}")
            assert shown[k + 1] == ("w·x + b" if i == 3 else "tanh(w·x + b)")
            assert shown[k + 2] == f"data {four(a)}"
    assert not any(re.fullmatch(r"L\d\.n\d\.(w\d|b)", t) for t in shown)  # parameters are inside
    # the output's grad, by hand: loss = (s - 1)^2, so dloss/ds = 2 (s - 1)
    s = by_hand[-1][0]
    k = shown.index("L3.n1")
    assert shown[k + 3] == f"grad {four(2 * (s - 1))}"
    assert any("L1.n1, L1.n2, L1.n3, ..., L3.n1" in t for t in shown)  # the caption names them


def test_an_edge_into_a_collapsed_neuron_is_the_derivative_through_the_whole_neuron() -> None:
    """Into L2.n1 = tanh(b + w . a1): d/da1_k = (1 - L2.n1^2) w_k; into the linear L3.n1: w_k."""
    for fused in (True, False):
        model, x, loss = small_model(fused)
        source = draw_dot(loss, modules=model).source
        name = headings(source)
        labels = {(name.get(a), name.get(b)): float(t) for a, b, t in edges(source) if a in name and b in name}
        h1, h2, _ = forward_by_hand(model, [v.data for v in x])
        for j, neuron in enumerate(model.layers[1].neurons, 1):
            for k, w in enumerate(neuron.w, 1):
                want = (1 - h2[j - 1] ** 2) * w.data
                assert labels[(f"L1.n{k}", f"L2.n{j}")] == pytest.approx(want, rel=1e-3, abs=5e-5)
        for k, w in enumerate(model.layers[2].neurons[0].w, 1):
            assert labels[(f"L2.n{k}", "L3.n1")] == pytest.approx(w.data, rel=1e-3, abs=5e-5)
        for k, xk in enumerate(x, 1):  # and the chain rule adds up on the picture: grad x = sum over boxes
            total = sum(labels[(f"x{k}", f"L1.n{j}")] * n.grad for j, n in enumerate(_outputs(model, loss), 1))
            assert total == pytest.approx(xk.grad, rel=1e-3, abs=1e-4)


def _outputs(model: nn.MLP, loss: Value) -> list[Value]:
    """The first layer's outputs in loss's graph, found by their labels (L1.n1.a, ...)."""
    found = {v.label: v for v in topological_order(loss)}
    return [found[f"L1.n{j}.a"] for j in range(1, len(model.layers[0].neurons) + 1)]


def test_expanding_one_neuron_draws_its_parameters_and_operations_in_its_cluster() -> None:
    model, _, loss = small_model()
    source = draw_dot(loss, modules=model, expand="L1.n2").source
    found, name = clusters(source), headings(source)
    inside = found["cluster_L1_n2"].nodes
    assert {name[n] for n in inside if n in name} == {
        "L1.n2.w1", "L1.n2.w2", "L1.n2.w3", "L1.n2.b", "L1.n2.z", "L1.n2.a",
    }  # fmt: skip
    assert any(n.endswith("op") for n in inside)  # its operations too
    assert found["cluster_L1_n2"].label == "L1.n2"
    for other in ("L1.n1", "L1.n3", "L2.n1", "L3.n1"):  # the rest stay one box
        assert other in name.values() and f"{other}.w1" not in name.values()
    # a layer by its name or its object, a neuron by its object, or everything
    by_layer = headings(draw_dot(loss, modules=model, expand=model.layers[1]).source).values()
    assert "L2.n1.w1" in by_layer and "L2.n2.b" in by_layer and "L1.n1.w1" not in by_layer
    assert "L2.n2.b" in headings(draw_dot(loss, modules=model, expand="L2").source).values()
    one = headings(draw_dot(loss, modules=model, expand=model.layers[0].neurons[3]).source).values()
    assert "L1.n4.w1" in one and "L1.n1.w1" not in one
    every = headings(draw_dot(loss, modules=model, expand=True).source).values()
    assert not {"L1.n1", "L2.n1", "L3.n1"} & set(every)
    with pytest.raises(ValueError, match="L9.*L1.n1"):
        draw_dot(loss, modules=model, expand="L9")
    with pytest.raises(ValueError, match="modules"):
        draw_dot(loss, expand="L1.n1")


def test_neurons_without_labels_are_named_by_their_position() -> None:
    model, _, loss = small_model()
    for p in model.parameters():
        p.label = ""
    names = set(headings(draw_dot(loss, modules=model).source).values())
    assert {"L1.n1", "L1.n4", "L2.n2", "L3.n1"} <= names


def test_a_list_of_layers_and_a_lone_neuron_are_models_too() -> None:
    rng = random.Random(2)
    layers = [nn.Layer(2, 3, activation="sigmoid", rng=rng), nn.Layer(3, 1, activation="sigmoid", rng=rng)]
    out = layers[1](layers[0]([Value(0.3, label="x1"), Value(-0.4, label="x2")]))[0]
    out.backward()
    found = clusters(draw_dot(out, modules=layers).source)
    assert sorted(v.label for v in found.values() if v.parent is None) == ["L1", "L2"]
    assert len([v for v in found.values() if v.parent is not None]) == 4
    alone = clusters(draw_dot(out, modules=layers[1].neurons[0]).source)
    assert len(alone) == 1
    with pytest.raises(TypeError, match="modules must be an nn model"):
        draw_dot(out, modules=3)


def test_values_a_neuron_shares_with_the_rest_of_the_graph_stay_drawn() -> None:
    """An L2 penalty uses every parameter outside the calls (b * b is not a call): they are drawn.
    A term using L2.n1's pre-activation z: the box stops at z (w·x + b) and its tanh is drawn after
    it. A term using a partial sum inside an unfused neuron: that neuron is drawn in full."""
    model, _, loss = small_model()
    z = next(v for v in topological_order(loss) if v.label == "L2.n1.z")
    total = loss + 0.01 * sum((p * p for p in model.parameters()), Value(0.0)) + 0.5 * z
    total.backward()
    source = draw_dot(total, modules=model, max_nodes=2000).source
    names = set(headings(source).values())
    assert {"L1.n1", "L2.n2", "L3.n1"} <= names  # the calls are still one box each
    assert {"L1.n1.w1", "L3.n1.b"} <= names  # the parameters, used by the penalty, are drawn
    assert {"L2.n1", "L2.n1.a"} <= names and "L2.n1.z" not in names
    assert '<b>L2.n1</b></td></tr><tr><td><font color="gray45">w·x + b</font>' in source

    model, _, loss = small_model(fused=False)
    b = model.layers[1].neurons[0].b
    partial = next(v for v in topological_order(loss) if b in v.children)  # b + w1 * a1
    total = loss + 0.5 * partial
    total.backward()
    names = set(headings(draw_dot(total, modules=model).source).values())
    assert {"L2.n1.b", "L2.n1.w4", "L2.n1.z", "L2.n1.a"} <= names and "L2.n1" not in names
    assert {"L1.n1", "L2.n2", "L3.n1"} <= names


def test_a_wide_model_by_its_modules_fits_the_page_without_a_wall_of_edge_labels(no_dot: None) -> None:
    """2-16-16-1: 304 edges run into neurons; labelled, they stacked into a drawing 8,600 px high."""
    model = nn.MLP(2, [16, 16, 1], rng=random.Random(0))
    out = model([Value(0.3, label="x1"), Value(-0.6, label="x2")])
    assert isinstance(out, Value)
    loss = (1 - out).relu()
    loss.backward()
    drawing = draw_dot(loss, modules=model)
    assert [t for _, _, t in edges(drawing.source) if t] == []
    svg = drawing.pipe(format="svg")
    assert scale(svg) == pytest.approx(1.0) and size_px(svg)[0] <= PAGE
    assert size_px(svg)[1] < 3 * PAGE
    assert any("304 edges into neurons are not labelled" in t for t in texts(svg))
    expanded = draw_dot(loss, modules=model, expand="L3.n1").source  # asked for: its own edges keep labels
    assert any(t.startswith("∂z/∂w1 = ") for _, _, t in edges(expanded))


def test_autograd_reads_a_model_by_duck_typing_without_importing_nn() -> None:
    code = (
        "import sys; from autograd import Value, dot, draw_dot\n"
        "class N:\n"
        "    def __init__(s, k): s.w = [Value(0.5, label=f'q{k}.w1')]; s.b = Value(0.1, label=f'q{k}.b')\n"
        "    def __call__(s, x): return dot((s.b, *s.w), (1.0, *x)).relu()\n"
        "class L:\n"
        "    def __init__(s): s.neurons = [N(1), N(2)]\n"
        "layer = L(); x = Value(2.0, label='x'); y = layer.neurons[0]([x]) + layer.neurons[1]([x])\n"
        "src = draw_dot(y, modules=layer).source\n"
        "assert src.count('subgraph cluster_') == 3, src\n"
        "assert '<b>q1</b>' in src and '<b>q2</b>' in src, src\n"
        "assert 'nn' not in sys.modules\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


# -- what a drawing leaves out, it says ------------------------------------------------------------


def test_a_grad_that_partly_comes_through_nodes_not_drawn_says_how_much(no_dot: None) -> None:
    """x feeds a = x * w and b = x * v; L = a + b; drawing a alone, x's grad (w + v = -2.5) is more
    than the drawn edge gives (da/dx * dL/da = w = -3): 0.5 came through b, which is not drawn."""
    x, w, v = Value(2.0, label="x"), Value(-3.0, label="w"), Value(0.5, label="v")
    a = x * w
    a.label = "a"
    b = x * v
    b.label = "b"
    L = a + b
    L.backward()
    shown = texts(draw_dot(a).pipe(format="svg"))
    k = shown.index("x")
    assert shown[k + 1 : k + 4] == ["data 2.0000", "grad -2.5000", "incl. 0.5000 via nodes not drawn"]
    k = shown.index("w")  # w is used only by a: all of its grad is drawn
    assert shown[k + 1 : k + 3] == ["data -3.0000", "grad 2.0000"] and "via" not in shown[k + 3]
    assert sum("via nodes not drawn" in t for t in shown) == 2  # x's mark and the caption's note
    # drawn whole, every grad adds up from the edges drawn: nothing is marked, before or after backward
    assert "not drawn" not in draw_dot(L).source
    fresh = Value(2.0) * Value(-3.0) + Value(2.0) * Value(0.5)
    assert "not drawn" not in draw_dot(fresh).source


def test_a_cut_drawing_counts_the_uses_not_drawn(no_dot: None) -> None:
    """L = 3x + tanh(tanh(...tanh(x))): with 5 nodes drawn, x's use by the chain is cut. Its grad is
    3 + the chain's derivative, of which the drawing shows the 3."""
    x = Value(0.4, label="x")
    p = x * 3.0
    p.label = "p"
    c, ts = x, []
    for k in range(8):
        c = c.tanh()
        c.label = f"t{k + 1}"
        ts.append(c.data)
    L = p + c
    L.label = "L"
    L.backward()
    chain = math.prod(1 - t * t for t in ts)  # d t8 / d x by hand
    shown = texts(draw_dot(L, max_nodes=5).pipe(format="svg"))
    k = shown.index("x")
    assert shown[k + 2] == f"grad {four(3 + chain)}"
    assert shown[k + 3] == f"incl. {four(chain)} via 1 node not drawn"


# -- one notation: ∂ for local derivatives on edges, d for the totals in the boxes -------------------


def test_edge_labels_are_local_derivatives_written_with_partial_signs(no_dot: None) -> None:
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b
    c.label = "c"
    c.backward()
    drawing = draw_dot(c)
    shown = texts(drawing.pipe(format="svg"))
    assert "∂c/∂a = -3.0000" in shown and "∂c/∂b = 2.0000" in shown
    assert not any(re.match(r"d\w+/d\w+ =", t) for t in shown)
    legend = [t for t in shown if "∂out/∂in" in t]
    assert len(legend) == 1 and "grad: total derivative d(output)/d(value)" in legend[0]


def test_a_neurons_dot_node_reads_as_its_formula_and_its_edges_drop_the_shared_prefix() -> None:
    b, w1, w2 = Value(0.1, label="L1.n3.b"), Value(0.5, label="L1.n3.w1"), Value(-1.0, label="L1.n3.w2")
    x1, x2 = Value(2.0, label="x1"), Value(3.0, label="x2")
    z = dot((b, w1, w2), (1.0, x1, x2))
    z.label = "L1.n3.z"
    source = draw_dot(z).source
    assert "label=<b + w1*x1 +<br/>w2*x2>" in source  # two terms a line, for a narrow node
    labels = {t for _, _, t in edges(source)}
    assert {"∂z/∂b = 1.0000", "∂z/∂w1 = 2.0000", "∂z/∂w2 = 3.0000"} <= labels
    assert {"∂L1.n3.z/∂x1 = 0.5000", "∂L1.n3.z/∂x2 = -1.0000"} <= labels
