"""draw_dot: real SVG/PNG rendered with no system Graphviz, each node's numbers, edge labels
equal to hand-derived local derivatives, highlighting, and the cap on huge graphs.

Expected numbers are worked out by hand (or from the hand-derived partials in
primitive_cases.py), never taken from the code under test.
"""

from __future__ import annotations

import math
import random
import re
import struct
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import graphviz
import pytest
from primitive_cases import CASES

from autograd import Value, draw_dot
from autograd.value import dot
from autograd.viz import Drawing, render_source

SVG = "{http://www.w3.org/2000/svg}"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
NOT_COMPUTED = "grad: not yet computed"


# -- reading SVG -----------------------------------------------------------------------------------


def parse(svg: bytes | str) -> ET.Element:
    root = ET.fromstring(svg if isinstance(svg, bytes) else svg.encode("utf-8"))
    assert root.tag == f"{SVG}svg"
    return root


def groups(svg_root: ET.Element, kind: str) -> list[ET.Element]:
    return [g for g in svg_root.iter(f"{SVG}g") if g.get("class") == kind]


def texts(element: ET.Element) -> list[str]:
    return [(t.text or "").strip() for t in element.iter(f"{SVG}text")]


def boxes(svg_root: ET.Element) -> dict[str, list[str]]:
    """Value boxes by their label (the first text of the box): {'x1': ['x1', 'data 2.0000', ...]}."""
    found = {}
    for g in groups(svg_root, "node"):
        t = texts(g)
        if any(s.startswith("data ") for s in t):
            found[t[0]] = t
    return found


def edge_labels(svg_root: ET.Element) -> dict[str, tuple[float, str]]:
    """Edge labels '∂z/∂a = 1.2345' as {'∂z/∂a': (1.2345, stroke colour)}."""
    found = {}
    for g in groups(svg_root, "edge"):
        for t in texts(g):
            m = re.fullmatch(r"(∂\S+/∂\S+) = (\S+)", t)
            if m:
                stroke = next(p.get("stroke") for p in g.iter(f"{SVG}path"))
                found[m.group(1)] = (float(m.group(2)), stroke)
    return found


def close_to_label(shown: float, expected: float) -> bool:
    """A label shows at least 4 decimals or 4 significant digits: allow for that rounding."""
    return math.isclose(shown, expected, rel_tol=1e-3, abs_tol=5.1e-5 if abs(expected) >= 1e-3 else 0.0)


# -- a hand-worked neuron (micrograd's): o = tanh(x1*w1 + x2*w2 + b) -----------------------------


def neuron() -> dict[str, Value]:
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")  # chosen so that n = atanh(1/sqrt(2))
    x1w1 = x1 * w1
    x1w1.label = "x1w1"
    x2w2 = x2 * w2
    x2w2.label = "x2w2"
    s = x1w1 + x2w2
    s.label = "s"
    n = s + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return dict(x1=x1, x2=x2, w1=w1, w2=w2, b=b, x1w1=x1w1, x2w2=x2w2, s=s, n=n, o=o)


# By hand: n = -6 + 0 + 6.8814 = 0.8814, o = tanh(n) = 1/sqrt(2) = 0.7071, do/dn = 1 - o^2 = 0.5,
# so every sum passes 0.5 back; x1 gets 0.5 * w1 = -1.5, w1 gets 0.5 * x1 = 1.0, x2 gets 0.5 * w2,
# w2 gets 0.5 * x2 = 0.
NEURON_DATA = {
    "x1": "2.0000", "x2": "0.0000", "w1": "-3.0000", "w2": "1.0000", "b": "6.8814",
    "x1w1": "-6.0000", "x2w2": "0.0000", "s": "-6.0000", "n": "0.8814", "o": "0.7071",
}  # fmt: skip
NEURON_GRAD = {
    "x1": "-1.5000", "x2": "0.5000", "w1": "1.0000", "w2": "0.0000", "b": "0.5000",
    "x1w1": "0.5000", "x2w2": "0.5000", "s": "0.5000", "n": "0.5000", "o": "1.0000",
}  # fmt: skip
NEURON_EDGES = {  # ∂out/∂in for every edge into an operation
    "∂o/∂n": 0.5, "∂n/∂s": 1.0, "∂n/∂b": 1.0, "∂s/∂x1w1": 1.0, "∂s/∂x2w2": 1.0,
    "∂x1w1/∂x1": -3.0, "∂x1w1/∂w1": 2.0, "∂x2w2/∂x2": 1.0, "∂x2w2/∂w2": 0.0,
}  # fmt: skip


def test_stock_graphviz_cannot_render_here(no_dot: None) -> None:
    """The fixture really removes dot: so the passing tests below prove the library's own route."""
    with pytest.raises(graphviz.ExecutableNotFound):
        graphviz.Digraph(body=["a -> b"]).pipe(format="svg")


def test_svg_after_backward_shows_every_nodes_data_and_grad(no_dot: None) -> None:
    v = neuron()
    v["o"].backward()
    drawing = draw_dot(v["o"])
    assert isinstance(drawing, graphviz.Digraph) and isinstance(drawing, Drawing)
    found = boxes(parse(drawing.pipe(format="svg")))
    assert set(found) == set(NEURON_DATA)
    for name, t in found.items():
        assert f"data {NEURON_DATA[name]}" in t, (name, t)
        assert f"grad {NEURON_GRAD[name]}" in t, (name, t)
        assert NOT_COMPUTED not in t


def test_each_operation_is_its_own_node_between_inputs_and_output(no_dot: None) -> None:
    v = neuron()
    svg = parse(draw_dot(v["o"]).pipe(format="svg"))
    op_texts = sorted(texts(g)[0] for g in groups(svg, "node") if not any(s.startswith("data ") for s in texts(g)))
    assert op_texts == sorted(["*", "*", "+", "+", "tanh"])
    # 4 operations: one edge op -> output each, plus one edge per Value operand (2 + 2 + 2 + 2 + 1)
    assert len(groups(svg, "edge")) == 5 + 9


def test_before_backward_grads_are_not_yet_computed_not_zero(no_dot: None) -> None:
    v = neuron()
    found = boxes(parse(draw_dot(v["o"]).pipe(format="svg")))
    for name, t in found.items():
        assert NOT_COMPUTED in t, (name, t)
        assert not any(s.startswith("grad ") for s in t), (name, t)
        assert f"data {NEURON_DATA[name]}" in t


def test_grads_option_false_true_and_mapping(no_dot: None) -> None:
    v = neuron()
    data_only = boxes(parse(draw_dot(v["o"], grads=False).pipe(format="svg")))
    assert all(not any("grad" in s for s in t) for t in data_only.values())
    forced = boxes(parse(draw_dot(v["o"], grads=True).pipe(format="svg")))
    assert all("grad 0.0000" in t for t in forced.values())  # asked for: the raw .grad
    partial = boxes(parse(draw_dot(v["o"], grads={v["o"]: 1.0, v["n"]: 0.5}).pipe(format="svg")))
    assert "grad 1.0000" in partial["o"] and "grad 0.5000" in partial["n"]
    assert NOT_COMPUTED in partial["x1"]
    with pytest.raises(ValueError, match="grads must be"):
        draw_dot(v["o"], grads="yes")


def test_edge_labels_are_the_hand_derived_local_derivatives(no_dot: None) -> None:
    v = neuron()
    v["o"].backward()
    labels = edge_labels(parse(draw_dot(v["o"]).pipe(format="svg")))
    assert set(labels) == set(NEURON_EDGES)
    for name, expected in NEURON_EDGES.items():
        assert close_to_label(labels[name][0], expected), (name, labels[name], expected)
    assert not edge_labels(parse(draw_dot(v["o"], edge_labels=False).pipe(format="svg")))


def primitive_params() -> list:
    """Every primitive case with two of its points: (case, point)."""
    return [pytest.param(c, p, id=f"{c.name}@{p}") for c in CASES for p in c.points[:2]]


@pytest.mark.parametrize(("case", "point"), primitive_params())
def test_edge_label_of_every_primitive_matches_its_hand_partial(case, point) -> None:
    names = "ab"[: len(point)]
    args = [Value(x, label=n) for x, n in zip(point, names)]
    out = case.fn(*args)
    out.label = "z"
    assert set(out.children) == set(args), "each case is one primitive"
    svg = parse(render_source(draw_dot(out).source, "svg"))
    labels = edge_labels(svg)
    expected = case.partials(*point)
    assert set(labels) == {f"∂z/∂{n}" for n in names}
    for n, want in zip(names, expected):
        assert close_to_label(labels[f"∂z/∂{n}"][0], want), (n, labels, want)


def test_constants_are_folded_into_the_operation_node() -> None:
    x = Value(3.0, label="x")
    y = ((2.0 - x) * 0.5 - -1.0) ** 3
    y.label = "y"
    svg = parse(render_source(draw_dot(y).source, "svg"))
    ops = [texts(g)[0] for g in groups(svg, "node") if not any(s.startswith("data ") for s in texts(g))]
    assert sorted(ops) == ["* 0.5", "** 3.0", "- (-1.0)", "2.0 -"]


def test_fused_dot_node_draws_one_edge_per_value_operand() -> None:
    w1, w2, b = Value(0.5, label="w1"), Value(-1.0, label="w2"), Value(0.1, label="b")
    z = dot([b, w1, w2], [1.0, 2.0, 3.0])
    z.label = "z"
    labels = edge_labels(parse(render_source(draw_dot(z).source, "svg")))
    assert {k: v for k, (v, _) in labels.items()} == {"∂z/∂b": 1.0, "∂z/∂w1": 2.0, "∂z/∂w2": 3.0}


def test_highlight_colours_exactly_the_paths_from_a_leaf_to_the_root(no_dot: None) -> None:
    x, y, z = Value(2.0, label="x"), Value(3.0, label="y"), Value(-1.0, label="z")
    m = x * y
    m.label = "m"
    t = z.exp()
    t.label = "t"
    L = m + t
    L.label = "L"
    labels = edge_labels(parse(draw_dot(L, highlight=x).pipe(format="svg")))
    red = {name for name, (_, stroke) in labels.items() if stroke not in ("black", None)}
    assert red == {"∂m/∂x", "∂L/∂m"}
    plain = edge_labels(parse(draw_dot(L).pipe(format="svg")))
    assert all(stroke == "black" for _, stroke in plain.values())
    with pytest.raises(ValueError, match="not part of"):
        draw_dot(L, highlight=Value(1.0))


def test_inline_jupyter_display_gives_svg_without_dot(no_dot: None) -> None:
    v = neuron()
    v["o"].backward()
    bundle = draw_dot(v["o"])._repr_mimebundle_()
    assert set(bundle) == {"text/html", "image/svg+xml"}
    found = boxes(parse(bundle["image/svg+xml"]))
    assert f"grad {NEURON_GRAD['x1']}" in found["x1"]
    html = bundle["text/html"]
    assert isinstance(html, str)
    found = boxes(parse(html[html.index("<svg") : html.index("</svg>") + 6]))  # the same SVG, framed
    assert f"grad {NEURON_GRAD['x1']}" in found["x1"]


def test_writes_svg_and_png_files_without_dot(no_dot: None, tmp_path: Path) -> None:
    v = neuron()
    v["o"].backward()
    drawing = draw_dot(v["o"])
    svg_path = Path(drawing.render(outfile=tmp_path / "neuron.svg"))
    png_path = Path(drawing.render(outfile=tmp_path / "neuron.png"))
    assert f"data {NEURON_DATA['n']}" in boxes(parse(svg_path.read_bytes()))["n"]
    png = png_path.read_bytes()
    assert png[:8] == PNG_SIGNATURE
    width, height = struct.unpack(">II", png[16:24])
    assert width > 200 and height > 20


def mlp_loss(samples: int) -> Value:
    from nn import MLP, mse

    rng = random.Random(0)
    model = MLP(2, [16, 16, 1], rng=rng, fused=False)  # every multiply and add: a big graph
    xs = [[rng.uniform(-1, 1), rng.uniform(-1, 1)] for _ in range(samples)]
    ys = [rng.choice([-1.0, 1.0]) for _ in range(samples)]
    outs = [model(x) for x in xs]
    return mse([out for out in outs if isinstance(out, Value)], ys)  # one output neuron: each a Value


def count_nodes(root: Value) -> int:
    """Independent of the code under test: a plain set-based walk over .children."""
    seen, stack = {root}, [root]
    while stack:
        for c in stack.pop().children:
            if c not in seen:
                seen.add(c)
                stack.append(c)
    return len(seen)


def test_huge_graph_is_capped_with_a_clear_message_quickly(no_dot: None) -> None:
    loss = mlp_loss(samples=4)
    loss.backward()
    total = count_nodes(loss)
    assert total > 2000  # a 2-16-16-1 MLP's loss graph really is big
    start = time.perf_counter()
    drawing = draw_dot(loss, max_nodes=60)
    svg = parse(drawing.pipe(format="svg"))
    assert time.perf_counter() - start < 30
    note = [t for t in texts(svg) if "not drawn" in t]
    assert note == [f"... {total - 60:,} more nodes not drawn (max_nodes=60; the graph has {total:,} values)"]
    value_boxes = [g for g in groups(svg, "node") if any(s.startswith("data ") for s in texts(g))]
    assert len(value_boxes) == 60
    assert any(t == f"data {loss.data:.4f}" for t in texts(svg))  # the part nearest the root is kept


def test_default_cap_keeps_a_huge_graph_fast(no_dot: None) -> None:
    loss = mlp_loss(samples=4)
    start = time.perf_counter()
    svg = parse(draw_dot(loss).pipe(format="svg"))
    assert time.perf_counter() - start < 60
    assert any("more nodes not drawn (max_nodes=500;" in t for t in texts(svg))


def test_small_graph_is_not_capped() -> None:
    v = neuron()
    assert "not drawn" not in draw_dot(v["o"]).source
    assert "not drawn" in draw_dot(v["o"], max_nodes=3).source
    with pytest.raises(ValueError, match="max_nodes"):
        draw_dot(v["o"], max_nodes=0)


def test_rankdir_and_bad_arguments() -> None:
    v = neuron()
    assert "rankdir=TB" in draw_dot(v["o"], rankdir="TB").source
    with pytest.raises(ValueError, match="rankdir"):
        draw_dot(v["o"], rankdir="sideways")
    with pytest.raises(TypeError, match="root must be a Value"):
        draw_dot(1.0)  # type: ignore[arg-type]


def test_numbers_keep_four_significant_digits_when_tiny() -> None:
    x = Value(1e-7, label="x")
    y = x * 3.0
    y.label = "y"
    found = boxes(parse(render_source(draw_dot(y).source, "svg")))
    assert "data 1.0000e-07" in found["x"] and "data 3.0000e-07" in found["y"]


def test_a_local_derivative_undefined_at_the_point_does_not_break_the_drawing() -> None:
    x = Value(0.0, label="x")
    y = x**0.5  # d/dx x ** 0.5 = 0.5 * x ** -0.5: the rule cannot be evaluated at x = 0
    y.label = "y"
    labels = [t for t in texts(parse(render_source(draw_dot(y).source, "svg"))) if t.startswith("∂y/∂x")]
    assert labels == ["∂y/∂x = undefined"]


def test_labels_with_markup_characters_are_shown_verbatim() -> None:
    x = Value(1.0, label='<x&"y">')
    z = x * 2.0
    z.label = "z<1>"
    found = boxes(parse(render_source(draw_dot(z).source, "svg")))
    assert set(found) == {'<x&"y">', "z<1>"}


def test_docs_graph_is_a_rendered_library_drawing() -> None:
    """docs/graph.svg (shown in the README) is real SVG holding the example's numbers."""
    path = Path(__file__).resolve().parents[1] / "docs" / "graph.svg"
    found = boxes(parse(path.read_bytes()))
    assert {"x", "W1", "z1", "a1", "W2", "z2", "a2", "C"} <= set(found)
    assert any(s.startswith("grad ") for s in found["W1"])


# -- big drawings stay quick to lay out, and say what was done to keep them so -------------------


def shared_input_loop(n: int) -> tuple[Value, Value, Value]:
    """x and w feed every step: y = y * w + x, n times (the shape of an RNN or a running sum)."""
    x, w = Value(0.5, label="x"), Value(0.9, label="w")
    y = x
    for _ in range(n):
        y = y * w + x
    y.label = "y"
    return x, w, y


def dot_edges(source: str) -> list[tuple[str, str]]:
    """The edges 'a -> b' of a DOT source, read independently of the code that wrote it."""
    return re.findall(r"^\s*(\w+) -> (\w+)", source, re.M)


def hidden_ranks(source: str) -> int:
    """How many ranks the edges of a drawing cross in all: dot puts a hidden node on each, so
    this is what makes a layout slow. Each node is ranked one after its latest predecessor, then
    pulled forward to just before its first successor (as dot's ranking shortens edges)."""
    edges = dot_edges(source)
    succ: dict[str, list[str]] = {}
    pred: dict[str, list[str]] = {}
    for a, b in edges:
        succ.setdefault(a, []).append(b)
        pred.setdefault(b, []).append(a)
    nodes = list(dict.fromkeys([n for e in edges for n in e]))
    order, seen = [], set()
    for start in nodes:  # depth-first topological order, predecessors first
        stack = [(start, False)]
        while stack:
            n, done = stack.pop()
            if done:
                order.append(n)
            elif n not in seen:
                seen.add(n)
                stack.append((n, True))
                stack.extend((p, False) for p in pred.get(n, []) if p not in seen)
    rank = {}
    for n in order:
        rank[n] = max((rank[p] + 1 for p in pred.get(n, [])), default=0)
    for n in reversed(order):
        if n in succ:
            rank[n] = max(rank[n], min(rank[s] for s in succ[n]) - 1)
    return sum(rank[b] - rank[a] - 1 for a, b in edges)


def test_an_input_used_at_every_step_is_drawn_again_beside_each_distant_use(no_dot: None) -> None:
    """Before: x and w had an edge to every step, each crossing the drawing; dot gave each a hidden
    node per rank crossed (about 20,000 here), and 30 steps took 5 s to lay out, 50 minutes."""
    n = 100
    x, w, y = shared_input_loop(n)
    y.backward()
    drawing = draw_dot(y)
    assert hidden_ranks(drawing.source) <= 1_000
    svg = parse(drawing.pipe(format="svg"))
    found = [texts(g) for g in groups(svg, "node") if any(s.startswith("data ") for s in texts(g))]
    copies_of_x = [t for t in found if t[0] == "x"]
    copies_of_w = [t for t in found if t[0] == "w"]
    # every copy shows the same numbers as the value itself. By hand, dy_k/dx = w dy_(k-1)/dx + 1
    # with y_0 = x, so dy/dx = 1 + w + ... + w^n
    hand_x = sum(0.9**k for k in range(n + 1))
    assert {tuple(t) for t in copies_of_x} == {("x", "data 0.5000", f"grad {hand_x:.4f}")}
    assert len(copies_of_x) + len(copies_of_w) > n  # drawn again, not dropped
    note = [t for t in texts(svg) if t.startswith("Dashed boxes repeat a value")]
    assert len(note) == 1
    assert f"x {len(copies_of_x) - 1} times" in note[0] and f"w {len(copies_of_w) - 1} times" in note[0]
    # every use of x and w is still drawn: an edge from them or from a copy into each operation
    # using them (x: the first product and n sums; w: n products)
    uses = [a for a, _ in dot_edges(drawing.source) if a in ("v0", "v1") or re.fullmatch(r"v\d+opin\d", a)]
    assert len(uses) == (n + 1) + n


def test_a_small_graph_keeps_every_edge_of_a_value_used_twice() -> None:
    """a is used by the first and the last operation: one box with two edges, no copy."""
    a, b = Value(0.5, label="a"), Value(-0.5, label="b")
    e = a * b
    t = (e + 0.25).tanh()
    L = t * a
    source = draw_dot(L).source
    assert "Dashed" not in source and 'style="dashed"' not in source
    assert [x for x, _ in dot_edges(source)].count("v0") == 2


@pytest.mark.parametrize("n", [500, 5000])
def test_default_drawing_of_a_long_shared_input_loop_is_capped_and_short_edged(n: int) -> None:
    x, w, y = shared_input_loop(n)
    source = draw_dot(y).source
    boxes_drawn = len(re.findall(r"^\s*v\d+ \[label=<<table", source, re.M))
    assert boxes_drawn == 500  # the default max_nodes
    total = 2 * n + 1 + 1  # x, w, and a product and a sum per step
    assert f"... {total - 500:,} more nodes not drawn (max_nodes=500; the graph has {total:,} values)" in source
    assert hidden_ranks(source) <= 1_000


def dense_graph(n: int) -> Value:
    """Each value the dot product of all the ones before it: n values, about n^2 / 2 edges."""
    ys = [Value(1.0, label="x"), Value(0.5, label="c")]
    for k in range(2, n):
        ys.append(dot(ys, [1.0 / k] * k))
    return ys[-1]


def test_a_dense_graph_is_cut_by_its_edges_as_well_as_its_nodes() -> None:
    root = dense_graph(100)  # 100 values but 4,950 edges: as slow to lay out as 10,000 nodes
    source = draw_dot(root).source
    assert len(dot_edges(source)) <= 3 * 500 + 2 * 100  # edges among values, op -> value and cut stubs
    note = re.search(r"\.\.\. (\d+) more nodes not drawn \(max_nodes=500 and at most 1,500 edges", source)
    assert note and 0 < int(note.group(1)) < 100
    small = dense_graph(12)  # 66 edges: drawn whole
    assert "not drawn" not in draw_dot(small).source


def test_operations_with_operands_not_drawn_get_a_stub_each() -> None:
    loss = mlp_loss(samples=2)
    source = draw_dot(loss, max_nodes=40).source
    stubs = re.findall(r"^\s*(v\d+op)cut -> (v\d+op)", source, re.M)
    assert stubs and all(a == b for a, b in stubs)
    assert not re.search(r"^\s*cut\b", source, re.M)  # no single note with edges across the drawing


# -- text is escaped: whatever a label or title holds, the drawing renders and shows it -------------

AWKWARD = ["a\\", "<b>bold</b>", 'x"y', "{|}", "a\\l", "&amp;", "it's", "x\\\\y"]


@pytest.mark.parametrize("text", AWKWARD)
def test_titles_and_labels_render_verbatim_whatever_they_hold(no_dot: None, text: str) -> None:
    x = Value(2.0, label=text)
    y = x * x
    y.label = text + "2"
    raw = draw_dot(y, title=text).pipe(format="svg")
    # Exact texts, not stripped. Runs of backslashes are kept apart by an invisible word joiner
    # (U+2060), which the bundled renderer needs to show two backslashes as two.
    shown = [(t.text or "").replace("\u2060", "") for t in parse(raw).iter(f"{SVG}text")]
    assert shown.count(text) == 2  # the title and x's box
    assert text + "2" in shown  # y's box
    for which in ("1st", "2nd"):  # the edge labels: x * x, ∂y/∂x = x for each operand
        assert shown.count(f"∂{text}2/∂{text} ({which} operand) = 2.0000") == 1
    # in the SVG file itself, markup characters are XML entities
    if any(c in text for c in "<>&"):
        escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        assert escaped.encode() in raw


def test_a_title_with_several_lines_and_control_characters_renders(no_dot: None) -> None:
    x = Value(1.0, label="x")
    y = x + 1.0
    shown = texts(parse(draw_dot(y, title="first line\nsecond\x01line").pipe(format="svg")))
    assert "first line" in shown and "second\\x01line" in shown
    with pytest.raises(TypeError, match="title must be a str"):
        draw_dot(y, title=3)  # type: ignore[arg-type]
