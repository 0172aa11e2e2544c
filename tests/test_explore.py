"""explore: one self-contained HTML page per graph; what it shows, checked without a browser.

* Content: every value's gradient on the page equals an independent reference (central finite
  differences in float64 for the leaves, PyTorch float64 where installed, the engine's own
  `backward` for the values in between); the SVG shows those numbers; each value's explanation
  is `explain`'s text and the steps are `backprop_steps`' steps.
* The explorer's fast `_explain` (order, names and totals computed once) gives exactly what
  `explain` gives, on random graphs with repeated operands, constants and unlabelled values.
* Escaping: hostile labels and titles stay text (in the SVG, the JSON, the <title>, the iframe
  of `_repr_html_`); the page fetches nothing and runs only its own, nonce-carrying script.
* Caps (max_nodes draws the values nearest the output, and says so), argument checks, `.save`,
  the MAX_TERMS cap of a step's equation, the page's size, and `.grad` left alone.

The page is read back as text: its JSON by a regex and json.loads, its SVG by ElementTree.
"""

from __future__ import annotations

import html
import json
import math
import os
import random
import re
import xml.etree.ElementTree as ET
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from gradtools import central_difference, close, evaluate, torch_gradient
from hypothesis import assume, given
from hypothesis import strategies as st

import nn
from autograd import Value, dot, explain, topological_order
from autograd.explain import MAX_FACTORS, _explain, engine_gradients, format_number, node_names
from autograd.viz import backprop_steps, explore
from autograd.viz.explore import Explorer
from autograd.viz.steps import MAX_TERMS, backward_steps

SVG = "{http://www.w3.org/2000/svg}"
SVG_NAMESPACE = "http://www.w3.org/2000/svg"
DATA = re.compile(r'<script type="application/json" id="explorer-data">(.*?)</script>', re.S)
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # what XML cannot hold: shown as \xNN


# -- reading the page, independently of the code that wrote it --------------------------------------


def page_data(page: str) -> dict[str, Any]:
    """The JSON the page's script reads."""
    found = DATA.findall(page)
    assert len(found) == 1, "exactly one explorer-data element"
    return json.loads(found[0])


def svg_source(page: str) -> str:
    m = re.search(r"<svg\b.*?</svg>", page, re.S)
    assert m, "no inline <svg>"
    return m.group(0)


def svg_root(page: str) -> ET.Element:
    """The inline SVG, parsed as XML: it must be well-formed."""
    return ET.fromstring(svg_source(page).encode("utf-8"))


def classes(element: ET.Element) -> list[str]:
    return element.get("class", "").split()


def value_boxes(page: str) -> dict[str, list[dict[str, str]]]:
    """node id -> the texts (name, data, grad) of each box drawn for it (a value drawn again beside a
    distant use has a dashed copy too), and whether it is such a copy."""
    boxes: dict[str, list[dict[str, str]]] = {}
    for g in svg_root(page).iter(f"{SVG}g"):
        if "value" not in classes(g):
            continue
        texts = {t.get("class", ""): t.text or "" for t in g.findall(f"{SVG}text")}
        texts["copy"] = "copy" if "copy" in classes(g) else ""
        boxes.setdefault(g.get("data-node", ""), []).append(texts)
    return boxes


def drawn_ids(page: str) -> set[str]:
    """The ids of the values drawn in the SVG (their own boxes, not copies)."""
    return {node for node, boxes in value_boxes(page).items() if any(not b["copy"] for b in boxes)}


def shown(text: str) -> str:
    """How a label shows in SVG text: control characters as \\xNN."""
    return CONTROL.sub(lambda m: f"\\x{ord(m[0]):02x}", text)


def without_nonce(page: str) -> str:
    return re.sub(r"nonce-[A-Za-z0-9_-]+|nonce=\"[^\"]*\"", "NONCE", page)


def csp_directives(page: str) -> dict[str, list[str]]:
    m = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">', page)
    assert m, "no Content-Security-Policy meta"
    directives = {}
    for part in html.unescape(m.group(1)).split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


class _Tags(HTMLParser):
    """Every start tag with its attributes, values unescaped as a browser reads them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def start_tags(markup: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(markup)
    parser.close()
    return parser.tags


# -- graphs: one expression on Values, on gradtools.R (finite differences) and on torch tensors -----


def named(v: Any, label: str) -> Any:
    """Label v when it is a Value; the same expression on floats or tensors is left as it is."""
    if isinstance(v, Value):
        v.label = label
    return v


def micrograd(a, b, c, f):
    """Karpathy's L = (a*b + c) * f."""
    e = named(a * b, "e")
    d = named(e + c, "d")
    return named(d * f, "L")


def used_twice(a):
    """y = a*a + a: a is both operands of one operation and an operand of another; a*a is unlabelled."""
    return named(a * a + a, "y")


def tanh_neuron(x1, x2, w1, w2, b):
    x1w1 = named(x1 * w1, "x1w1")
    x2w2 = named(x2 * w2, "x2w2")
    n = named(named(x1w1 + x2w2, "x1w1x2w2") + b, "n")
    return named(n.tanh(), "o")


def mixed_rules(x, w):
    """pow, log, exp, relu, sigmoid, div, and constants on either side; some values unlabelled."""
    p = named(x**3, "p")
    q = (p + 1.0).log()
    r = named((w * x).exp(), "r")
    s = named((q + r).relu(), "s")  # q + r is about 1.03: away from relu's kink
    return named(s * x.sigmoid() + w**2 / x + 2.0**w, "y")


@dataclass(frozen=True)
class Case:
    fn: Callable[..., Any]
    point: tuple[float, ...]
    labels: tuple[str, ...]

    def build(self) -> tuple[Value, list[Value]]:
        leaves = [Value(x, label=label) for x, label in zip(self.point, self.labels)]
        return self.fn(*leaves), leaves


CASES = {
    "micrograd": Case(micrograd, (2.0, -3.0, 10.0, -2.0), ("a", "b", "c", "f")),
    "used_twice": Case(used_twice, (1.5,), ("a",)),
    "tanh_neuron": Case(tanh_neuron, (2.0, 0.0, -3.0, 1.0, 6.8813735870195432), ("x1", "x2", "w1", "w2", "b")),
    "mixed_rules": Case(mixed_rules, (0.8, -0.6), ("x", "w")),
}


def assert_page_matches_references(root: Value, leaf_gradients: dict[Value, float]) -> Explorer:
    """Every value on root's page against references: leaf_gradients (finite differences) for the
    leaves, root.backward() for every value; the SVG's texts; explain's text; the steps."""
    order = topological_order(root)
    page = explore(root)
    data = page_data(page.html)
    boxes = value_boxes(page.html)
    root.backward()  # after the page is made; the engine's own reverse pass, not the explorer's
    assert (page.nodes, page.drawn) == (len(order), len(order))
    assert set(data["nodes"]) == {str(i) for i in range(len(order))} == drawn_ids(page.html)
    assert data["root"] == str(order.index(root)) and data["rootName"] == (root.label or f"v{order.index(root)}")
    max_paths = 20 if len(order) <= 100 else 6
    for i, node in enumerate(order):
        info = data["nodes"][str(i)]
        name = node.label or f"v{i}"
        grad = float(info["gradFull"])
        assert grad == pytest.approx(node.grad, rel=1e-12, abs=1e-15), name
        if node in leaf_gradients:
            assert close(grad, leaf_gradients[node], value_scale=root.data), (name, grad, leaf_gradients[node])
        assert float(info["dataFull"]) == node.data
        assert (info["name"], info["grad"], info["data"]) == (name, format_number(node.grad), format_number(node.data))
        for box in boxes[str(i)]:  # the value's own box and any copy show the same final numbers
            assert box["name"] == name
            assert box["data"] == f"data {format_number(node.data)}"
            assert box["grad"] == f"grad {format_number(node.grad)}"
        assert info["explain"] == str(explain(root, node, max_paths=max_paths)), name
    reference = backprop_steps(root) if len(order) <= 200 else backward_steps(root)
    assert [(s["node"], s["index"], s["grad"], s["text"]) for s in data["steps"]] == [
        (str(order.index(s.node)), s.index, format_number(s.grad), s.text) for s in reference
    ]
    return page


# -- 1. what the page shows equals independent references -------------------------------------------


@pytest.mark.parametrize("case", sorted(CASES))
def test_every_value_shows_its_gradient_its_explanation_and_its_step(case: str) -> None:
    c = CASES[case]
    root, leaves = c.build()
    assert root.data == pytest.approx(evaluate(c.fn, c.point)[0], rel=1e-12)
    numeric = {leaf: central_difference(c.fn, c.point, k) for k, leaf in enumerate(leaves)}
    assert_page_matches_references(root, numeric)


@pytest.mark.parametrize("case", sorted(CASES))
def test_leaf_gradients_on_the_page_equal_pytorch_float64(case: str) -> None:
    c = CASES[case]
    _, expected = torch_gradient(c.fn, c.point)  # skips without torch
    root, leaves = c.build()
    data = page_data(explore(root).html)
    order = topological_order(root)
    for leaf, want in zip(leaves, expected):
        assert float(data["nodes"][str(order.index(leaf))]["gradFull"]) == pytest.approx(want, rel=1e-12, abs=1e-15)


def test_micrograd_gradients_are_the_hand_derived_ones() -> None:
    root, _ = CASES["micrograd"].build()
    data = page_data(explore(root).html)
    grads = {info["name"]: float(info["gradFull"]) for info in data["nodes"].values()}
    # L = d f, d = e + c, e = a b: dL/dd = f, dL/df = d = 4, dL/da = f b = 6, dL/db = f a = -4
    assert grads == {"L": 1.0, "f": 4.0, "d": -2.0, "c": -2.0, "e": -2.0, "a": 6.0, "b": -4.0}


MLP_SIZES = (2, 3, 1)
MLP_POINTS = ((0.5, -1.0), (-0.3, 0.8))
MLP_TARGETS = (1.0, -1.0)


def mlp_loss(*params):
    """The loss of nn.MLP(2, [3, 1], activation="tanh") written out by hand, the parameters in
    model.parameters() order: works on gradtools.R and on torch tensors, and uses no nn code."""
    layers, k = [], 0
    for nin, nout in zip(MLP_SIZES, MLP_SIZES[1:]):
        neurons = []
        for _ in range(nout):
            neurons.append((params[k : k + nin], params[k + nin]))
            k += nin + 1
        layers.append(neurons)
    total = 0.0
    for x, y in zip(MLP_POINTS, MLP_TARGETS):
        acts = list(x)
        for depth, neurons in enumerate(layers):
            zs = [b + sum(w * a for w, a in zip(ws, acts)) for ws, b in neurons]
            acts = zs if depth == len(layers) - 1 else [z.tanh() for z in zs]
        total = total + (acts[0] - y) ** 2
    return total * (1.0 / len(MLP_POINTS))


def mlp_graph() -> tuple[Value, list[Value]]:
    model = nn.MLP(MLP_SIZES[0], list(MLP_SIZES[1:]), activation="tanh", rng=random.Random(3))
    loss = nn.mse([model(list(x)) for x in MLP_POINTS], list(MLP_TARGETS))
    loss.label = "loss"
    return loss, model.parameters()


def test_an_mlp_loss_page_matches_finite_differences_backward_and_explain() -> None:
    loss, params = mlp_graph()
    point = [p.data for p in params]
    assert loss.data == pytest.approx(evaluate(mlp_loss, point)[0], rel=1e-12)  # the hand-written model is nn's
    numeric = {p: central_difference(mlp_loss, point, k) for k, p in enumerate(params)}
    page = assert_page_matches_references(loss, numeric)
    clusters = {g.get("data-cluster") for g in svg_root(page.html).iter(f"{SVG}g") if "cluster" in classes(g)}
    assert {"L1", "L1.n1", "L1.n2", "L1.n3", "L2", "L2.n1"} <= clusters


def test_an_mlp_loss_page_matches_pytorch_float64() -> None:
    loss, params = mlp_graph()
    _, expected = torch_gradient(mlp_loss, [p.data for p in params])  # skips without torch
    data = page_data(explore(loss).html)
    order = topological_order(loss)
    for p, want in zip(params, expected):
        info = data["nodes"][str(order.index(p))]
        assert info["name"] == p.label
        assert float(info["gradFull"]) == pytest.approx(want, rel=1e-12, abs=1e-15)


def squaring_chain(pad: int) -> tuple[Value, Value]:
    """x squared 6 times (64 paths from x to the output), then `pad` more values (x's paths unchanged)."""
    x = Value(1.01, label="x")
    y = x
    for _ in range(6):
        y = y * y
    for k in range(pad // 2):
        y = y + Value(0.01 * k)
    if pad % 2:
        y = y * 0.5
    return named(y, "out"), x


@pytest.mark.parametrize(("values", "max_paths"), [(100, 20), (101, 6)])
def test_a_page_of_more_than_100_values_lists_6_paths_per_value(values: int, max_paths: int) -> None:
    root, x = squaring_chain(values - 7)
    order = topological_order(root)
    assert len(order) == values
    data = page_data(explore(root).html)
    info = data["nodes"][str(order.index(x))]
    assert info["explain"] == str(explain(root, x, max_paths=max_paths))
    assert f"{64 - max_paths} more paths not listed" in info["explain"]
    assert len(info["paths"]) == max_paths


# -- 2. the explorer's _explain is explain ------------------------------------------------------------

LABELS = st.sampled_from(["", "", "", "a", "b", "L", "x y", "<i>"])  # unlabelled often; names repeat
CONSTANTS = st.sampled_from([-1.0, 0.5, 2.0, 3.0])
UNARY = {
    "tanh": lambda a: a.tanh(),
    "sigmoid": lambda a: a.sigmoid(),
    "neg": lambda a: -a,
    "sin": lambda a: a.sin(),
    "square": lambda a: a * a,
}
BINARY = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b}


@st.composite
def random_graphs(draw: st.DrawFn) -> Value:
    """A random graph: values used again and again, by one operation twice (a * a), constants on
    either side, a dot now and then, many values unlabelled and some labels repeated."""
    nodes = [Value(draw(st.floats(-1.5, 1.5)), label=draw(LABELS)) for _ in range(draw(st.integers(1, 3)))]
    for _ in range(draw(st.integers(1, 12))):

        def pick() -> Value:
            return nodes[draw(st.integers(0, len(nodes) - 1))]

        kind = draw(st.sampled_from(["unary", "binary", "constant", "dot"]))
        if kind == "unary":
            node = UNARY[draw(st.sampled_from(sorted(UNARY)))](pick())
        elif kind == "binary":
            node = BINARY[draw(st.sampled_from(sorted(BINARY)))](pick(), pick())
        elif kind == "constant":
            op, c = BINARY[draw(st.sampled_from(sorted(BINARY)))], draw(CONSTANTS)
            node = op(pick(), c) if draw(st.booleans()) else op(c, pick())
        else:
            node = dot([pick(), pick()], [pick(), draw(CONSTANTS)])
        node.label = draw(LABELS)
        nodes.append(node)
    return nodes[-1]


@given(random_graphs(), st.sampled_from([0, 1, 3, 20]), st.sampled_from([2, 3, MAX_FACTORS]))
def test_fast_explain_with_shared_order_names_and_totals_is_explain(
    root: Value, max_paths: int, max_factors: int
) -> None:
    order = topological_order(root)
    assume(all(math.isfinite(node.data) for node in order))
    names = node_names(order)
    totals = engine_gradients(root, order, order)  # one pass for every value, as the explorer does
    assume(all(math.isfinite(t) for t in totals))
    for i, node in enumerate(order):
        fast = _explain(root, node, order, max_paths, max_factors, start=i, total=totals[i], all_names=names)
        slow = explain(root, node, max_paths, max_factors=max_factors)
        assert str(fast) == str(slow)
        assert fast._repr_latex_() == slow._repr_latex_()
        assert fast.names == slow.names
        assert (fast.count, len(fast.paths), fast.walk_stopped) == (slow.count, len(slow.paths), slow.walk_stopped)
        assert [p.product for p in fast.paths] == [p.product for p in slow.paths]
        assert fast.total == pytest.approx(slow.total, rel=1e-12, abs=1e-300)


def test_unlabelled_values_are_named_by_their_place_and_defined_as_explain_defines_them() -> None:
    a = Value(1.5)  # v0
    m = a * a  # v1
    y = m + a  # v2
    data = page_data(explore(y).html)
    assert [data["nodes"][str(i)]["name"] for i in range(3)] == ["v0", "v1", "v2"]
    assert data["nodes"]["1"]["definition"] == "v1 = v0 * v0"
    assert "v1 = v0 * v0 = 2.2500" in data["nodes"]["0"]["explain"]  # explain's 'where' line
    assert data["nodes"]["0"]["explain"] == str(explain(y, a))


# -- 3. escaping: user text stays text ------------------------------------------------------------------

NASTY = (
    "</script><img src=x onerror=alert(1)>",
    "<b>bold</b>",
    "a & b &amp; c",
    "\"double\" 'single'",
    "ctl\x00\x07end",
    "line\u2028para\u2029end",
    "back\\slash\\u003c\\",
    "]]>",
    "<!--",
    "</SCRIPT ><script>alert(2)</script>",
)
NASTY_TITLE = "".join(NASTY)


def nasty_graph() -> Value:
    """Every value labelled with hostile text; the output too."""
    leaves = [Value(float(k + 1), label=label) for k, label in enumerate(NASTY)]
    acc = leaves[0]
    for k, leaf in enumerate(leaves[1:]):
        acc = named(acc * 0.5 + leaf, NASTY[(k + 3) % len(NASTY)] + f"#{k}")
    return named(acc, NASTY[0])


@pytest.fixture(scope="module")
def nasty_page() -> Explorer:
    return explore(nasty_graph(), title=NASTY_TITLE)


def test_hostile_labels_and_titles_are_no_markup(nasty_page: Explorer) -> None:
    page = nasty_page.html
    lowered = page.lower()
    assert lowered.count("</script") == 2 and lowered.count("<script") == 2  # the page's own two
    bodies = re.findall(r"<script\b[^>]*>(.*?)</script>", page, flags=re.S | re.I)
    assert len(bodies) == 2 and not any(re.search(r"<!--|<script|</script", b, re.I) for b in bodies)
    outside_scripts = re.sub(r"<script\b[^>]*>.*?</script>", "", page, flags=re.S | re.I).lower()
    assert "<img" not in outside_scripts and "<b>" not in outside_scripts and "<!--" not in outside_scripts
    assert not re.search(r"<[a-z][^>]*\son[a-z]+\s*=", outside_scripts), "an inline event handler"
    tags = [tag for tag, _ in start_tags(page)]
    assert "img" not in tags and tags.count("script") == 2


def test_hostile_labels_round_trip_through_the_json(nasty_page: Explorer) -> None:
    raw = DATA.findall(nasty_page.html)[0]
    assert not re.search("[<>&\u2028\u2029]", raw), "JSON text that could end or break the script"
    data = json.loads(raw)
    names = {info["name"] for info in data["nodes"].values()}
    assert set(NASTY) <= names
    assert data["title"] == NASTY_TITLE and data["rootName"] == NASTY[0]
    assert all(label in "\n".join(info["explain"] for info in data["nodes"].values()) for label in NASTY)


def test_hostile_labels_show_as_text_in_well_formed_svg(nasty_page: Explorer) -> None:
    root = svg_root(nasty_page.html)  # ParseError if not well-formed XML
    assert root.tag == f"{SVG}svg"
    names = {t.text for t in root.iter(f"{SVG}text") if t.get("class") == "name"}
    assert {shown(label) for label in NASTY} <= names
    assert "ctl\\x00\\x07end" in names


def test_the_title_is_escaped_in_the_head_and_the_heading(nasty_page: Explorer) -> None:
    page = nasty_page.html
    title = re.search(r"<title>(.*?)</title>", page, re.S)  # the first: the document's, in <head>
    heading = re.search(r'<h1 id="title">(.*?)</h1>', page, re.S)
    assert title and heading
    for found in (title.group(1), heading.group(1)):
        assert "<" not in found and ">" not in found
        assert html.unescape(found) == shown(NASTY_TITLE)
    assert nasty_page.title == NASTY_TITLE


def test_repr_html_is_a_sandboxed_iframe_holding_the_page_exactly(nasty_page: Explorer) -> None:
    frame = nasty_page._repr_html_()
    assert frame.startswith("<iframe ") and frame.endswith("></iframe>")
    srcdoc = re.search(r'\ssrcdoc="([^"]*)"', frame)
    assert srcdoc and html.unescape(srcdoc.group(1)) == nasty_page.html
    [(tag, attrs)] = start_tags(frame)
    assert tag == "iframe"
    shown_title = re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", lambda m: f"\\x{ord(m[0]):02x}", NASTY_TITLE)
    assert attrs["srcdoc"] == nasty_page.html and attrs["title"] == shown_title  # controls shown as \xNN
    assert attrs["sandbox"] == "allow-scripts"  # scripts, but not the notebook's origin


def test_the_page_fetches_nothing(nasty_page: Explorer) -> None:
    page = nasty_page.html
    assert set(re.findall(r"https?://[^\s\"'<>)]*", page, re.I)) == {SVG_NAMESPACE}
    assert len(re.findall(r"https?:", page, re.I)) == page.count(SVG_NAMESPACE) == 1
    for _, attrs in start_tags(page):
        for name in ("src", "href", "action", "data", "poster", "srcset"):
            value = attrs.get(name)
            assert value is None or value.startswith("data:"), (name, value)
    assert not re.search(r"@import|url\(\s*['\"]?(?!data:)", page, re.I)


def test_the_content_security_policy_allows_only_the_pages_own_script(nasty_page: Explorer) -> None:
    page = nasty_page.html
    policy = csp_directives(page)
    assert policy["default-src"] == ["'none'"]
    [source] = policy["script-src"]
    nonce = re.fullmatch(r"'nonce-([A-Za-z0-9_-]{16,})'", source)
    assert nonce
    scripts = [attrs for tag, attrs in start_tags(page) if tag == "script"]
    assert scripts == [{"type": "application/json", "id": "explorer-data"}, {"nonce": nonce.group(1)}]
    other = explore(nasty_graph(), title=NASTY_TITLE).html
    assert csp_directives(other)["script-src"] != policy["script-src"]
    assert without_nonce(other) == without_nonce(page)


def test_a_label_that_is_not_markup_in_a_page_without_hostile_text_is_still_exact() -> None:
    root, _ = CASES["micrograd"].build()
    root.label = "L & <loss>"
    page = explore(root, title="a 'title' & more")
    assert page_data(page.html)["rootName"] == "L & <loss>"
    assert "L &amp; &lt;loss&gt;" in page.html
    assert csp_directives(page.html)["default-src"] == ["'none'"]


@pytest.mark.parametrize("label", ["\ufffe", "\uffff", "\ud800", "a\udfffb"])
def test_a_label_xml_and_utf8_cannot_hold_is_shown_escaped_and_the_page_saves(label: str, tmp_path: Path) -> None:
    a = Value(2.0, label=label)
    root = named(a * a, "L")
    page = explore(root, title=label)
    svg = svg_root(page.html)  # well-formed: U+FFFE/F and lone surrogates are written as \\uNNNN
    assert f"\\u{ord(label[-2] if len(label) > 1 else label):04x}" in "".join(svg.itertext())
    assert page_data(page.html)["nodes"]["0"]["name"] == label  # the JSON escapes them, JavaScript reads them back
    saved = page.save(tmp_path / "page.html")
    assert saved.read_text(encoding="utf-8") == page.html
    page._repr_html_().encode("utf-8")


# -- 4. caps and arguments --------------------------------------------------------------------------------


def tree_graph(leaves: int = 32) -> Value:
    """Pairs of values multiplied and squashed, level by level, down to one; x0 used again at the top."""
    rng = random.Random(7)
    level = [Value(rng.uniform(-1.0, 1.0), label=f"x{k}") for k in range(leaves)]
    x0 = level[0]
    while len(level) > 1:
        level = [(level[k] * level[k + 1]).tanh() for k in range(0, len(level) - 1, 2)] + level[len(level) // 2 * 2 :]
    return named(level[0] + x0 * 0.5, "L")


def nearest_by_bfs(root: Value, limit: int) -> tuple[list[Value], dict[Value, int]]:
    """The first `limit` values reached breadth first from root (operands in order), and every
    value's distance from root."""
    distance = {root: 0}
    queue = deque([root])
    visited: list[Value] = []
    while queue:
        node = queue.popleft()
        visited.append(node)
        for x in node.operands:
            if type(x) is Value and x not in distance:
                distance[x] = distance[node] + 1
                queue.append(x)
    return visited[:limit], distance


def test_a_graph_over_max_nodes_draws_the_values_nearest_the_output() -> None:
    root = tree_graph()
    order = topological_order(root)
    kept, distance = nearest_by_bfs(root, 20)
    page = explore(root, max_nodes=20)
    data = page_data(page.html)
    want = {str(order.index(node)) for node in kept}
    assert (page.nodes, page.drawn) == (len(order), 20) and len(order) > 60
    assert set(data["nodes"]) == want == drawn_ids(page.html)
    drawn = [order[int(i)] for i in want]
    left_out = [node for node in order if node not in set(drawn)]
    assert max(distance[n] for n in drawn) <= min(distance[n] for n in left_out)  # nearest first
    [note] = data["notes"]
    assert f"{20:,}" in note and f"{len(order):,}" in note and "max_nodes=20" in note
    assert html.escape(note, quote=True) in page.html  # shown without JavaScript too
    root.backward()
    for i in want:  # every path still counts, drawn or not
        node = order[int(i)]
        assert float(data["nodes"][i]["gradFull"]) == pytest.approx(node.grad, rel=1e-12, abs=1e-15)
        assert data["nodes"][i]["explain"] == str(explain(root, node, max_paths=20))


def test_operations_with_operands_not_drawn_say_how_many() -> None:
    root = tree_graph()
    order = topological_order(root)
    page = explore(root, max_nodes=20)
    drawn = {order[int(i)] for i in page_data(page.html)["nodes"]}
    missing = []
    for node in drawn:
        n = sum(1 for x in node.operands if type(x) is Value and x not in drawn)
        if n:
            missing.append(f"{n} more")
    stubs = [g for g in svg_root(page.html).iter(f"{SVG}g") if "stub" in classes(g)]
    assert sorted(g.findtext(f"{SVG}text") for g in stubs) == sorted(missing) and missing


def test_steps_go_through_the_drawn_values_only_in_reverse_topological_order() -> None:
    root = tree_graph()
    order = topological_order(root)
    data = page_data(explore(root, max_nodes=20).html)
    drawn = sorted((int(i) for i in data["nodes"]), reverse=True)  # reverse topological: later first
    assert [int(s["node"]) for s in data["steps"]] == drawn
    assert [s["index"] for s in data["steps"]] == [len(order) - 1 - i for i in drawn]  # backward's step number
    assert data["totalSteps"] == len(order)
    for position, step in enumerate(data["steps"]):
        assert data["nodes"][step["node"]]["step"] == position
    root.backward()
    assert [s["grad"] for s in data["steps"]] == [format_number(order[i].grad) for i in drawn]


def test_a_graph_of_exactly_max_nodes_values_is_drawn_whole_without_a_note() -> None:
    root, _ = CASES["micrograd"].build()
    page = explore(root, max_nodes=7)
    assert (page.nodes, page.drawn) == (7, 7) and page_data(page.html)["notes"] == []
    smaller = explore(root, max_nodes=6)
    assert (smaller.nodes, smaller.drawn) == (7, 6) and len(page_data(smaller.html)["notes"]) == 1


def test_max_nodes_1_draws_only_the_output() -> None:
    root, _ = CASES["micrograd"].build()
    page = explore(root, max_nodes=1)
    data = page_data(page.html)
    assert page.drawn == 1 and set(data["nodes"]) == {data["root"]} == drawn_ids(page.html)
    assert [s["node"] for s in data["steps"]] == [data["root"]]


def test_a_dense_graph_cut_by_its_edges_says_which_max_nodes_was_asked_for() -> None:
    x = Value(1.5, label="x")
    root = named(dot([x] * 20, [x] * 20), "L")  # 40 edges between two values
    page = explore(root, max_nodes=5)  # at most 15 edges: only L is drawn
    [note] = page_data(page.html)["notes"]
    assert (page.nodes, page.drawn) == (2, 1)
    assert "max_nodes=5" in note


@pytest.mark.parametrize("bad", [0, -1, True, False, 1.5, "3", None])
def test_max_nodes_must_be_a_positive_int(bad: object) -> None:
    root, _ = CASES["micrograd"].build()
    with pytest.raises((TypeError, ValueError), match=r"explore.*max_nodes"):
        explore(root, max_nodes=bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", ["XY", "lr", "", None])
def test_rankdir_must_be_one_of_lr_tb_rl_bt(bad: object) -> None:
    root, _ = CASES["micrograd"].build()
    with pytest.raises((TypeError, ValueError), match=r"explore.*rankdir"):
        explore(root, rankdir=bad)  # type: ignore[arg-type]


def box_centre(page: str, node: str) -> tuple[float, float]:
    for g in svg_root(page).iter(f"{SVG}g"):
        if "value" in classes(g) and "copy" not in classes(g) and g.get("data-node") == node:
            rect = g.find(f"{SVG}rect")
            assert rect is not None
            x, y, w, h = (float(rect.get(k, "nan")) for k in ("x", "y", "width", "height"))
            return x + w / 2, y + h / 2
    raise AssertionError(f"no box for node {node}")


@pytest.mark.parametrize(
    ("rankdir", "output_is"),
    [("LR", "right"), ("RL", "left"), ("TB", "below"), ("BT", "above")],
)
def test_rankdir_places_the_output_on_its_side(rankdir: str, output_is: str) -> None:
    x = Value(0.3, label="x")
    root = named(x.tanh().exp().sigmoid().tanh(), "L")  # a chain: five values in a row
    page = explore(root, rankdir=rankdir).html
    (ox, oy), (ix, iy) = box_centre(page, "4"), box_centre(page, "0")
    assert {"right": ox > ix, "left": ox < ix, "below": oy > iy, "above": oy < iy}[output_is]
    width, height = (float(v) for v in svg_root(page).get("viewBox", "").split()[2:])
    assert (width > height) == (rankdir in ("LR", "RL"))


@pytest.mark.parametrize("case", ["micrograd", "tanh_neuron", "mixed_rules"])
def test_rankdir_auto_shows_the_graph_at_least_as_large_as_lr_or_tb(case: str) -> None:
    """Fitted to a 1200 x 600 px canvas, the default layout is no smaller than LR's or TB's."""
    root, _ = CASES[case].build()

    def fit(rankdir: str) -> float:
        width, height = (float(v) for v in svg_root(explore(root, rankdir=rankdir).html).get("viewBox", "").split()[2:])
        return min(1200 / width, 600 / height)

    assert fit("auto") >= max(fit("LR"), fit("TB")) - 1e-9


def test_a_long_chain_is_folded_into_rows_that_fill_the_page() -> None:
    """30 values in a row: left to right a thin strip; folded, several times larger, every value kept."""
    x = Value(0.1, label="x")
    y = x
    for k in range(29):
        y = named(y.tanh() if k % 2 else y * 1.1, f"y{k}")
    lr, auto = explore(y, rankdir="LR").html, explore(y).html
    (lw, lh), (aw, ah) = ((float(v) for v in svg_root(p).get("viewBox", "").split()[2:]) for p in (lr, auto))
    assert min(1200 / aw, 600 / ah) > 2 * min(1200 / lw, 600 / lh)
    assert aw < lw / 2 and ah > 2 * lh  # rows, one under the other
    assert drawn_ids(auto) == drawn_ids(lr) and page_data(auto)["nodes"] == page_data(lr)["nodes"]


@pytest.mark.parametrize("bad", [3.0, None, [Value(1.0)], "L"])
def test_root_must_be_a_value(bad: object) -> None:
    with pytest.raises(TypeError, match=r"explore.*root"):
        explore(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [5, b"title", ["t"]])
def test_title_must_be_a_str(bad: object) -> None:
    root, _ = CASES["micrograd"].build()
    with pytest.raises(TypeError, match=r"explore.*title"):
        explore(root, title=bad)  # type: ignore[arg-type]


def test_the_default_title_names_the_output_and_its_value() -> None:
    root, _ = CASES["micrograd"].build()
    page = explore(root)
    assert "L = -8.0000" in page.title and page_data(page.html)["title"] == page.title


# -- 5. save ----------------------------------------------------------------------------------------------


def test_save_writes_the_page_and_returns_its_path(tmp_path: Path) -> None:
    root, _ = CASES["micrograd"].build()
    page = explore(root, title="ünïcode → ∂L/∂a")
    target = tmp_path / "graph.html"
    written = page.save(str(target))
    assert isinstance(written, Path) and written == target
    assert target.read_bytes() == page.html.encode("utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["graph.html"]


def test_save_overwrites_an_existing_file(tmp_path: Path) -> None:
    target = tmp_path / "graph.html"
    target.write_text("old page, longer than nothing at all " * 1000, encoding="utf-8")
    root, _ = CASES["used_twice"].build()
    page = explore(root)
    assert page.save(target) == target
    assert target.read_text(encoding="utf-8") == page.html
    assert sorted(p.name for p in tmp_path.iterdir()) == ["graph.html"]


def test_a_failed_rename_leaves_the_old_file_and_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "graph.html"
    target.write_text("the old page", encoding="utf-8")
    root, _ = CASES["micrograd"].build()
    page = explore(root)

    def fail(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="No space left"):
        page.save(target)
    monkeypatch.undo()
    assert target.read_text(encoding="utf-8") == "the old page"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["graph.html"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "graph.html"
    target.write_text("the old page", encoding="utf-8")
    root, _ = CASES["micrograd"].build()
    unwritable = replace(explore(root), html="half a page \ud800")  # a lone surrogate: UTF-8 cannot hold it
    with pytest.raises(UnicodeEncodeError):
        unwritable.save(target)
    assert target.read_text(encoding="utf-8") == "the old page"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["graph.html"]


# -- 6. a value used by many operations: MAX_TERMS ------------------------------------------------------


def fan_out(uses: int) -> Callable[[Any], Any]:
    """x used by `uses` multiplications, each squashed and summed: dL/dx has `uses` terms."""

    def fn(x):
        products = [named(x * (0.1 * (k + 1)), f"u{k}") for k in range(uses)]
        total = products[0].tanh()
        for u in products[1:]:
            total = total + u.tanh()
        return named(total, "L")

    return fn


def test_a_step_lists_max_terms_terms_and_counts_the_rest_but_sums_them_all() -> None:
    assert MAX_TERMS == 12
    fn = fan_out(20)
    x = Value(0.7, label="x")
    root = fn(x)
    [step] = [s for s in backward_steps(root) if s.node is x]
    assert len(step.terms) == 20
    assert step.text.count(" · ∂") == 12  # 'dL/du3 · ∂u3/∂x', one per term written out
    assert step.text.count("… 8 more terms") == 2  # in the symbolic sum and in the numbers
    for term in step.terms[:12]:
        assert term.local_name in step.text
    for term in step.terms[12:]:
        assert term.local_name not in step.text
    assert close(step.grad, central_difference(fn, [0.7], 0), value_scale=root.data)
    assert step.text.endswith(f"= {format_number(step.grad)}")
    order = topological_order(root)
    page_step = [s for s in page_data(explore(root).html)["steps"] if s["node"] == str(order.index(x))]
    assert [s["text"] for s in page_step] == [step.text]


def test_a_step_of_exactly_max_terms_terms_lists_them_all() -> None:
    fn = fan_out(MAX_TERMS)
    x = Value(0.7, label="x")
    [step] = [s for s in backward_steps(fn(x)) if s.node is x]
    assert step.text.count(" · ∂") == MAX_TERMS and "more terms" not in step.text


# -- 7. size ---------------------------------------------------------------------------------------------


def test_a_36_value_page_is_under_a_megabyte() -> None:
    model = nn.MLP(2, [3, 1], fused=False, rng=random.Random(0))
    root = named((model([0.5, -1.0]) - 1.0) ** 2, "loss")
    assert len(topological_order(root)) == 36
    size = len(explore(root).html.encode("utf-8"))
    print(f"\n36-value explorer page: {size:,} bytes")
    assert size < 1_000_000


# -- 8. .grad is never read or written -------------------------------------------------------------------


def test_the_page_neither_reads_nor_changes_grad() -> None:
    root, _ = CASES["tanh_neuron"].build()
    order = topological_order(root)
    assert all(node.grad == 0.0 for node in order)
    before = explore(root).html
    assert all(node.grad == 0.0 for node in order)
    root.backward()
    grads = [node.grad for node in order]
    after = explore(root).html
    assert [node.grad for node in order] == grads
    assert without_nonce(after) == without_nonce(before) and after != before
    for node in order:  # nonsense gradients do not show either
        node.grad = 12345.0
    assert without_nonce(explore(root).html) == without_nonce(before)


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_a_saved_page_gets_the_permissions_open_gives_and_an_existing_one_keeps_its_own(tmp_path: Path) -> None:
    root, _ = CASES["micrograd"].build()
    page = explore(root)
    umask = os.umask(0o022)
    try:
        new = page.save(tmp_path / "new.html")
        assert new.stat().st_mode & 0o777 == 0o644  # 0666 less the umask, as open() makes it (not 0600)
        private = tmp_path / "private.html"
        private.write_text("old")
        private.chmod(0o600)
        page.save(private)
        assert private.stat().st_mode & 0o777 == 0o600 and private.read_text(encoding="utf-8") == page.html
    finally:
        os.umask(umask)
