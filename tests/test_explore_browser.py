"""The explorer page (`autograd.viz.explore`) in a real, headless Chromium (tests/browser.py).

What these tests check, each on a saved page opened from disk:

* the page is self-contained: it requests nothing and logs no console error, alone, inside the
  sandboxed iframe that Jupyter shows (`_repr_html_`), and on a graph of 1,801 values;
* every value box shows its data and its gradient, the gradient equal to a float64 central
  finite difference of the output with respect to that value (computed here, by replaying the
  graph on plain floats), and its text to `format_number` of `.grad` after `backward`;
* a real click on a box shows the panel: name, data, grad and `str(explain(root, value))`
  exactly, and lights the edges of its chain-rule paths (all of them, or one chosen path);
* stepping (arrow keys, Home/End, the buttons, play, the slider) goes through `backprop_steps` in
  order: the current box, the gradients already final, "not yet computed" on the rest, and a
  zero gradient shown as 0 (not as pending);
* labels and titles full of HTML are shown as text and run nothing;
* a 36-value page is small and loads fast; a 1,801-value page draws 500 values and says so,
  steps, zooms, fits and pans (a drag selects nothing).

Set CHAINGRAD_SCREENSHOTS to a folder to keep two screenshots there for a human to look at
(explore_shot.png, an nn model; explore_shot2.png, a value selected mid-stepping).
"""

from __future__ import annotations

import importlib.util
import math
import operator
import os
import random
import re
import shutil
import struct
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from gradtools import R, central_difference, evaluate

import nn
from autograd import Value, topological_order
from autograd.explain import explain, format_number
from autograd.graph import edges, operands
from autograd.viz import Explorer, Step, backprop_steps, explore

if TYPE_CHECKING:  # imported for real by pytest_plugins, which pytest must do first to rewrite its asserts
    from browser import Browser

pytest_plugins = ["browser"]  # the session's `browser` fixture

if importlib.util.find_spec("selenium") is not None or TYPE_CHECKING:  # else the `browser` fixture skips (or fails)
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.wait import WebDriverWait

PENDING = "grad not yet computed"
STATES = ("pending", "current", "computed")
SCREENSHOTS = os.environ.get("CHAINGRAD_SCREENSHOTS")  # a folder to keep screenshots in, for a human


def keep(shot: Path, name: str) -> None:
    """Copy a screenshot into $CHAINGRAD_SCREENSHOTS, when set."""
    if SCREENSHOTS:
        shutil.copyfile(shot, Path(SCREENSHOTS) / name)


EVIL = "</script><img src=x onerror=alert(1)>"
BOLD = "<b>bold</b>\"'&amp;"
PWN = '<img src=x onerror="window.__pwned=1">'


# -- graphs ----------------------------------------------------------------------------------------


def labelled(value: Value, label: str) -> Value:
    value.label = label
    return value


def micrograd_expression() -> Value:
    """micrograd's L = (a*b + c) * f, every value labelled."""
    a, b, c, f = Value(2.0, "a"), Value(-3.0, "b"), Value(10.0, "c"), Value(-2.0, "f")
    e = labelled(a * b, "e")
    d = labelled(e + c, "d")
    return labelled(d * f, "L")


def used_twice() -> Value:
    """o = a*a + a: a reaches o along three chain-rule paths."""
    a = Value(3.0, "a")
    m = labelled(a * a, "m")
    return labelled(m + a, "o")


def zero_gradients() -> Value:
    """y = (x*0 + b) + relu(n) with n < 0: x and n get gradient 0, which is not 'not yet computed'."""
    x, b, n = Value(1.5, "x"), Value(2.0, "b"), Value(-1.0, "n")
    t = labelled(x * 0.0, "t")
    s = labelled(t + b, "s")
    r = labelled(n.relu(), "r")
    return labelled(s + r, "y")


def mlp_loss() -> Value:
    """nn.MLP(2, [3, 1]) (relu, then linear) on two points, mean squared error: 33 values."""
    model = nn.MLP(2, [3, 1], rng=random.Random(0))
    outputs = []
    for point in ([1.0, -2.0], [0.5, 1.5]):
        out = model(point)
        assert isinstance(out, Value)
        outputs.append(out)
    return nn.mse(outputs, [1.0, -1.0])


def mlp_36_values() -> Value:
    """nn.MLP(2, [3, 1], fused=False) on one point of two input Values: exactly 36 values."""
    model = nn.MLP(2, [3, 1], rng=random.Random(1), fused=False)
    out = model([Value(0.5, "x1"), Value(-1.5, "x2")])
    assert isinstance(out, Value)
    return out


def long_chain(n: int = 600) -> Value:
    """y = y * w_i + x, n times, a new w_i each time: 3n + 1 values."""
    x = Value(0.5, "x")
    y = x
    for i in range(n):
        y = y * Value(0.99, f"w{i}") + x
    return y


GRAPHS: dict[str, Callable[[], Value]] = {
    "expression": micrograd_expression,
    "used_twice": used_twice,
    "mlp": mlp_loss,
}


# -- references: finite differences on plain floats ---------------------------------------------------

FORWARD: dict[str, Callable[..., Any]] = {
    "add": operator.add,
    "sub": operator.sub,
    "mul": operator.mul,
    "div": operator.truediv,
    "neg": operator.neg,
    "pow": operator.pow,
    "tanh": lambda a: a.tanh() if isinstance(a, R) else math.tanh(a),
    "relu": lambda a: a.relu() if isinstance(a, R) else (a if a > 0.0 else 0.0),
    "dot": lambda *ab: sum(p * q for p, q in zip(ab[: len(ab) // 2], ab[len(ab) // 2 :])),
}


def replay(order: list[Value], k: int, x: Any) -> Any:
    """The output with order[k] replaced by x, every later value recomputed here (not by the engine)."""
    data: dict[int, Any] = {id(node): node.data for node in order}
    data[id(order[k])] = x
    for node in order[k + 1 :]:
        if node.rule is not None:
            args = [data[id(v)] if type(v) is Value else v for v in operands(node)]
            data[id(node)] = FORWARD[node.rule.name](*args)
    return data[id(order[-1])]


def finite_difference(order: list[Value], k: int) -> float:
    """d output / d order[k] by a float64 5-point central difference (tests/gradtools.py)."""
    value, book = evaluate(lambda x: replay(order, k, x), [order[k].data])
    assert math.isclose(value, order[-1].data, rel_tol=1e-12, abs_tol=1e-12), "the replay is not the graph"
    assert book["relu_min"] > 1e-3, "a relu kink too near for a finite difference"
    return central_difference(lambda x: replay(order, k, x), [order[k].data], 0)


def number(text: str) -> float:
    """The number at the end of a box's line: 'grad -3.0000' -> -3.0"""
    return float(text.split()[-1])


def assert_near_reference(shown: str, reference: float) -> None:
    """A 4-decimal (or 4-significant-digit) number agrees with the finite difference."""
    assert math.isclose(number(shown), reference, rel_tol=1e-4, abs_tol=6e-5), (shown, reference)


def chain_rule_paths(order: list[Value], k: int) -> list[list[tuple[int, int]]]:
    """Every path from order[k] to the output, as (consumer's index, operand position) pairs."""
    index = {id(node): i for i, node in enumerate(order)}
    uses: dict[int, list[tuple[int, int]]] = {}
    for i, node in enumerate(order):
        for edge in edges(node):
            uses.setdefault(index[id(edge.operand)], []).append((i, edge.position))
    found: list[list[tuple[int, int]]] = []

    def walk(i: int, path: list[tuple[int, int]]) -> None:
        if i == len(order) - 1:
            found.append(path)
        for consumer, position in uses.get(i, []):
            walk(consumer, [*path, (consumer, position)])

    walk(k, [])
    return found


# -- the page --------------------------------------------------------------------------------------


def open_page(browser: Browser, tmp_path: Path, root: Value, name: str = "page.html", **kwargs: Any) -> float:
    """explore(root), saved and opened; the load time in seconds."""
    path = explore(root, **kwargs).save(tmp_path / name)
    return browser.open(path)


def assert_clean(browser: Browser) -> None:
    assert browser.requests() == []
    assert browser.console_errors() == []


_BOXES = """
return [...document.querySelectorAll("svg.graph g.value")].map(g => ({
  node: Number(g.dataset.node),
  copy: g.classList.contains("copy"),
  classes: [...g.classList],
  title: g.querySelector("title").textContent,
  name: g.querySelector("text.name").textContent,
  data: g.querySelector("text.data").textContent,
  grad: g.querySelector("text.grad").textContent,
}));
"""


def boxes(browser: Browser) -> dict[int, dict[str, Any]]:
    """Each drawn value's box (by node index); a dashed copy must show the same as its original."""
    found = browser.js(_BOXES)
    main = {box["node"]: box for box in found if not box["copy"]}
    assert len(main) == len([box for box in found if not box["copy"]]), "a value drawn twice, not as a copy"
    for box in found:
        if box["copy"]:
            original = main[box["node"]]
            assert (box["name"], box["data"], box["grad"]) == (original["name"], original["data"], original["grad"])
            assert state(box) == state(original)
    return main


def state(box: dict[str, Any]) -> str:
    """The box's stepping state: 'pending', 'current', 'computed', or '' (backward done)."""
    found = [s for s in STATES if s in box["classes"]]
    assert len(found) <= 1, box
    return found[0] if found else ""


def grad_texts(browser: Browser) -> dict[int, str]:
    return {i: box["grad"] for i, box in boxes(browser).items()}


def state_classes(browser: Browser) -> dict[int, str]:
    return {i: state(box) for i, box in boxes(browser).items()}


def edges_with(browser: Browser, cls: str) -> dict[str, str]:
    """The edges of class cls: id -> the name in its local-derivative label ('∂e/∂a'; '' for none)."""
    return browser.js(
        """const out = {};
        for (const g of document.querySelectorAll("svg.graph g.edge." + arguments[0])) {
          const t = g.querySelector("text.local");
          out[g.dataset.edge] = t ? (t.firstElementChild || t).textContent.split(" = ")[0] : "";
        }
        return out;""",
        cls,
    )


def position(browser: Browser) -> int:
    """Where the stepper is; the body's data-step, the slider and the script's API must all agree."""
    step, slider, api = browser.js(
        "return [document.body.dataset.step, document.getElementById('step-slider').value,"
        " window.chaingradExplorer.position()]"
    )
    assert step == slider == str(api), (step, slider, api)
    return int(api)


def text_of(browser: Browser, css: str) -> str:
    """An element's textContent (Selenium's .text would apply CSS such as text-transform)."""
    return browser.js("return document.querySelector(arguments[0]).textContent", css)


def panel(browser: Browser) -> dict[str, Any]:
    return browser.js(
        """const p = document.getElementById("panel");
        const h2 = p.querySelector("h2");
        return {
          name: h2 ? h2.textContent : null,
          terms: [...p.querySelectorAll("dl dt")].map(e => e.textContent),
          values: [...p.querySelectorAll("dl dd")].map(e => e.textContent),
          pending: [...p.querySelectorAll("dl dd")].map(e => e.classList.contains("pending")),
          pres: [...p.querySelectorAll("pre")].map(e => e.textContent),
          buttons: [...p.querySelectorAll(".paths button")].map(e => e.textContent),
        };"""
    )


def click_box(browser: Browser, i: int) -> None:
    """A real click (mouse down and up) on value i's box."""
    browser.find(f'svg.graph g.value:not(.copy)[data-node="{i}"]').click()


def press(browser: Browser, key: str, times: int = 1) -> None:
    for _ in range(times):
        browser.key(key)


# -- 1: what every box shows -----------------------------------------------------------------------


@pytest.mark.parametrize("graph", ["expression", "mlp"])
def test_every_box_shows_its_data_and_its_gradient_as_finite_differences_give_it(
    browser: Browser, tmp_path: Path, graph: str
) -> None:
    root = GRAPHS[graph]()
    order = topological_order(root)
    open_page(browser, tmp_path, root)
    assert_clean(browser)
    shown = boxes(browser)
    root.backward()  # after the page is made: the page must not need it
    assert sorted(shown) == list(range(len(order)))  # every value drawn, under its index
    for i, node in enumerate(order):
        box = shown[i]
        assert box["name"] == box["title"] == (node.label or f"v{i}")
        assert box["data"] == f"data {format_number(node.data)}"
        assert box["grad"] == f"grad {format_number(node.grad)}"
        assert_near_reference(box["grad"], finite_difference(order, i))
        assert state(box) == ""  # backward done: no stepping state
    assert position(browser) == len(order)
    assert text_of(browser, "#step-text").startswith("Backward is done")
    assert edges_with(browser, "active") == {}
    assert_clean(browser)


def test_without_javascript_the_boxes_still_show_the_final_gradients(browser: Browser, tmp_path: Path) -> None:
    """As in a notebook that runs no script: the SVG as written in Python, the page's script left out."""
    root = micrograd_expression()
    order = topological_order(root)
    page, scripts = re.subn(r"<script nonce=[^>]*>.*?</script>", "", explore(root).html, flags=re.DOTALL)
    assert scripts == 1
    (tmp_path / "static.html").write_text(page, encoding="utf-8")
    browser.open(tmp_path / "static.html")
    assert browser.js("return window.chaingradExplorer") is None
    shown = boxes(browser)
    root.backward()
    for i, node in enumerate(order):
        assert (shown[i]["name"], shown[i]["data"]) == (node.label, f"data {format_number(node.data)}")
        assert shown[i]["grad"] == f"grad {format_number(node.grad)}"
        assert_near_reference(shown[i]["grad"], finite_difference(order, i))
    assert_clean(browser)


def test_an_nn_model_is_drawn_in_layer_and_neuron_clusters(browser: Browser, tmp_path: Path) -> None:
    open_page(browser, tmp_path, mlp_loss())
    clusters = browser.js(
        "return [...document.querySelectorAll('svg.graph g.cluster')].map(g => [g.classList.contains('layer'),"
        " g.classList.contains('neuron'), g.dataset.cluster])"
    )
    assert {c for layer, _, c in clusters if layer} == {"L1", "L2"}
    assert {c for _, neuron, c in clusters if neuron} == {"L1.n1", "L1.n2", "L1.n3", "L2.n1"}
    assert_clean(browser)


# -- 2: clicking a value ---------------------------------------------------------------------------


@pytest.mark.parametrize("graph", ["expression", "used_twice", "mlp"])
def test_clicking_a_value_shows_its_panel_and_lights_its_chain_rule_paths(
    browser: Browser, tmp_path: Path, graph: str
) -> None:
    root = GRAPHS[graph]()
    order = topological_order(root)
    open_page(browser, tmp_path, root)
    explanations = [explain(root, node, max_paths=20) for node in order]  # before backward, as the page was made
    root.backward()
    for i, node in enumerate(order):
        click_box(browser, i)
        assert browser.js("return window.chaingradExplorer.selected()") == str(i)
        shown = panel(browser)
        name = node.label or f"v{i}"
        assert shown["name"] == name
        assert shown["terms"][0] == "data"
        assert shown["values"][0] == f"{format_number(node.data)}  ({node.data!r})"
        assert shown["terms"][1] == f"grad d{root.label or f'v{len(order) - 1}'}/d{name}"
        short, digits = shown["values"][1].split("  ")  # '6.0000  (6.0)': rounded, then every digit
        full = float(digits.strip("()"))
        assert short == format_number(node.grad)
        assert digits == f"({node.grad!r})"
        reference = finite_difference(order, i)
        assert math.isclose(full, reference, rel_tol=1e-7, abs_tol=1e-9), (name, full, reference)
        assert shown["pres"][-1] == str(explanations[i])

        paths = chain_rule_paths(order, i)
        assert len(paths) == explanations[i].count <= 20  # every path listed
        pairs = {pair for path in paths for pair in path}
        consumers = {consumer for consumer, _ in pairs}
        lit = edges_with(browser, "on-path")
        assert len(lit) == len(pairs) + len(consumers), (name, lit)  # into each operation and out of it
        if graph != "mlp":  # (nn's edge labels drop a shared module prefix: ∂z/∂w2 in L1.n3)
            named = {f.name for path in explanations[i].paths for f in path.factors}
            assert {label for label in lit.values() if label} == named
        buttons = ["all paths", *(f"path {k + 1}" for k in range(len(paths)))] if len(paths) > 1 else []
        assert shown["buttons"] == buttons
    browser.key(Keys.ESCAPE)
    assert browser.js("return window.chaingradExplorer.selected()") is None
    assert panel(browser)["name"] is None
    assert edges_with(browser, "on-path") == {}
    assert_clean(browser)


def test_the_path_buttons_light_one_chain_rule_path_at_a_time(browser: Browser, tmp_path: Path) -> None:
    root = used_twice()
    order = topological_order(root)
    a = next(i for i, node in enumerate(order) if node.label == "a")
    explanation = explain(root, order[a])
    assert explanation.count == 3
    open_page(browser, tmp_path, root)
    click_box(browser, a)
    everything = edges_with(browser, "on-path")
    for k, path in enumerate(explanation.paths):
        browser.find_all("#panel .paths button")[k + 1].click()
        lit = edges_with(browser, "on-path")
        assert len(lit) == 2 * len(path.factors)  # each factor: the edge into its operation, the one out
        assert {label for label in lit.values() if label} == {f.name for f in path.factors}
        assert set(lit) <= set(everything)
        assert browser.find(f"#panel .paths button:nth-child({k + 2})").get_attribute("class") == "on"
    browser.find_all("#panel .paths button")[0].click()
    assert edges_with(browser, "on-path") == everything
    assert_clean(browser)


# -- 3: stepping -------------------------------------------------------------------------------------


def assert_shows_step(browser: Browser, order: list[Value], steps: Sequence[Step], p: int) -> None:
    """The page shows position p of backward: step p (p < len(steps)), or done (p == len(steps))."""
    index = {id(node): i for i, node in enumerate(order)}
    step_of = {index[id(step.node)]: k for k, step in enumerate(steps)}
    assert position(browser) == p
    shown = boxes(browser)
    for i, box in shown.items():
        k = step_of[i]
        final = f"grad {format_number(steps[k].grad)}"
        if p == len(steps):
            expected = ("", final)  # backward done
        elif k < p:
            expected = ("computed", final)
        elif k == p:
            expected = ("current", final)
        else:
            expected = ("pending", PENDING)
        assert (state(box), box["grad"]) == expected, (p, i, box)
    active = edges_with(browser, "active")
    if p == len(steps):
        assert text_of(browser, "#step-text").startswith("Backward is done")
        assert active == {}
        return
    step = steps[p]
    assert [i for i, box in shown.items() if state(box) == "current"] == [index[id(step.node)]]
    text = text_of(browser, "#step-text")
    assert text.startswith(f"Step {p + 1} of {len(steps)}: ") and step.text in text, (text, step.text)
    pairs = {(index[id(t.consumer)], t.operand) for t in step.terms}
    assert len(active) == len(pairs) + len({c for c, _ in pairs})
    if all(node.label for node in order):
        assert {label for label in active.values() if label} == {t.local_name for t in step.terms}


@pytest.mark.parametrize("graph", ["expression", "used_twice", "mlp"])
def test_arrow_right_walks_through_the_steps_of_backprop_steps(browser: Browser, tmp_path: Path, graph: str) -> None:
    root = GRAPHS[graph]()
    order = topological_order(root)
    steps = backprop_steps(root)
    assert steps[0].node is root and steps[0].grad == 1.0
    open_page(browser, tmp_path, root)
    assert browser.js("return window.chaingradExplorer.steps") == len(steps)
    assert_shows_step(browser, order, steps, len(steps))
    for p in [*range(len(steps)), len(steps), 0]:  # from done, the next step is the first again
        browser.key(Keys.ARROW_RIGHT)
        assert_shows_step(browser, order, steps, p)
    assert grad_texts(browser)[len(order) - 1] == "grad 1.0000"
    assert_clean(browser)


def test_arrow_left_home_and_end_move_back_and_to_either_end(browser: Browser, tmp_path: Path) -> None:
    root = micrograd_expression()
    order, steps = topological_order(root), backprop_steps(root)
    n = len(steps)
    open_page(browser, tmp_path, root)
    browser.key(Keys.ARROW_LEFT)
    assert_shows_step(browser, order, steps, n - 1)
    for p in range(n - 2, -1, -1):
        browser.key(Keys.ARROW_LEFT)
        assert_shows_step(browser, order, steps, p)
    browser.key(Keys.ARROW_LEFT)  # stays at the first step
    assert_shows_step(browser, order, steps, 0)
    browser.key(Keys.END)
    assert_shows_step(browser, order, steps, n)
    browser.key(Keys.HOME)
    assert_shows_step(browser, order, steps, 0)
    assert_clean(browser)


def test_the_step_buttons_move_as_the_keys_do(browser: Browser, tmp_path: Path) -> None:
    root = micrograd_expression()
    order, steps = topological_order(root), backprop_steps(root)
    n = len(steps)
    open_page(browser, tmp_path, root)
    browser.click("#step-next")  # from done: the first step
    assert_shows_step(browser, order, steps, 0)
    for p in range(1, n + 1):
        browser.click("#step-next")
        assert_shows_step(browser, order, steps, p)
    for p in range(n - 1, 2, -1):
        browser.click("#step-prev")
        assert_shows_step(browser, order, steps, p)
    browser.click("#step-last")
    assert_shows_step(browser, order, steps, n)
    browser.click("#step-first")
    assert_shows_step(browser, order, steps, 0)
    browser.click("#step-prev")
    assert_shows_step(browser, order, steps, 0)
    assert_clean(browser)


def test_the_slider_moves_to_any_step(browser: Browser, tmp_path: Path) -> None:
    root = micrograd_expression()
    order, steps = topological_order(root), backprop_steps(root)
    n = len(steps)
    open_page(browser, tmp_path, root)
    slider = browser.find("#step-slider")
    assert (slider.get_attribute("min"), slider.get_attribute("max")) == ("0", str(n))
    for p in [3, 0, n, 5, 1]:
        browser.js(
            "const s = document.getElementById('step-slider'); s.value = arguments[0];"
            " s.dispatchEvent(new Event('input', {bubbles: true}));",
            str(p),
        )
        assert_shows_step(browser, order, steps, p)
    slider.send_keys(Keys.ARROW_RIGHT)  # the slider's own keys move it one step, through its input event
    assert_shows_step(browser, order, steps, 2)
    slider.send_keys(Keys.ARROW_LEFT, Keys.ARROW_LEFT)
    assert_shows_step(browser, order, steps, 0)
    browser.js("document.activeElement.blur()")
    assert_clean(browser)


def test_play_steps_on_its_own_and_pause_stops_it(browser: Browser, tmp_path: Path) -> None:
    root = micrograd_expression()
    open_page(browser, tmp_path, root)
    browser.click("#step-play")  # from done: starts again at the first step
    assert position(browser) == 0 and browser.find("#step-play").text == "pause"
    WebDriverWait(browser.driver, 5).until(lambda _: position(browser) >= 1)
    browser.click("#step-play")
    assert browser.find("#step-play").text == "play"
    paused = position(browser)
    time.sleep(1.2)  # longer than one step of play
    assert position(browser) == paused < len(topological_order(root))
    assert_clean(browser)


def test_a_zero_gradient_shows_as_zero_and_looks_unlike_not_yet_computed(browser: Browser, tmp_path: Path) -> None:
    root = zero_gradients()
    order, steps = topological_order(root), backprop_steps(root)
    index = {node.label: i for i, node in enumerate(order)}
    step_of = {step.node.label: k for k, step in enumerate(steps)}
    open_page(browser, tmp_path, root)
    for name in ("x", "n"):  # x * 0, and relu at a negative number
        assert finite_difference(order, index[name]) == 0.0
        assert grad_texts(browser)[index[name]] == "grad 0.0000"
    (first, early), (second, late) = sorted((step_of[name], index[name]) for name in ("x", "n"))
    assert first + 1 < second
    browser.key(Keys.ARROW_RIGHT)
    press(browser, Keys.ARROW_RIGHT, first)
    shown = boxes(browser)
    assert (state(shown[early]), shown[early]["grad"]) == ("current", "grad 0.0000")
    browser.key(Keys.ARROW_RIGHT)
    shown = boxes(browser)
    assert (state(shown[early]), shown[early]["grad"]) == ("computed", "grad 0.0000")
    assert (state(shown[late]), shown[late]["grad"]) == ("pending", PENDING)
    looks = browser.js(
        """const look = i => {
          const g = document.querySelector(`svg.graph g.value[data-node="${i}"]`);
          const r = getComputedStyle(g.querySelector("rect")), t = getComputedStyle(g.querySelector("text.grad"));
          return [r.fill, r.strokeDasharray, t.fill, t.fontStyle];
        };
        return [look(arguments[0]), look(arguments[1])];""",
        early,
        late,
    )
    assert looks[0] != looks[1], looks  # drawn differently, not only worded differently
    press(browser, Keys.ARROW_RIGHT, second - first - 1)
    shown = boxes(browser)
    assert (state(shown[late]), shown[late]["grad"]) == ("current", "grad 0.0000")
    assert_clean(browser)


def test_the_panel_shows_a_zero_gradient_with_the_digits_backward_gives(browser: Browser, tmp_path: Path) -> None:
    """Not -0.0 (a negative upstream gradient times relu's local 0), which .grad never holds."""
    x = Value(-1.0, "x")
    y = labelled(labelled(x.relu(), "r") * -2.0, "y")
    order = topological_order(y)
    open_page(browser, tmp_path, y)
    y.backward()
    click_box(browser, order.index(x))
    assert panel(browser)["values"][1] == f"0.0000  ({x.grad!r})" == "0.0000  (0.0)"


def test_a_selected_value_panel_follows_the_steps(browser: Browser, tmp_path: Path) -> None:
    root = micrograd_expression()
    order, steps = topological_order(root), backprop_steps(root)
    a = next(i for i, node in enumerate(order) if node.label == "a")
    k = next(k for k, step in enumerate(steps) if step.node is order[a])
    open_page(browser, tmp_path, root)
    click_box(browser, a)
    press(browser, Keys.ARROW_RIGHT, 3)  # position 2: a is not computed yet
    assert position(browser) == 2 < k
    shown = panel(browser)
    assert shown["name"] == "a"
    assert shown["values"][1] == f"not yet computed (step {k + 1} computes it)"
    assert shown["pending"] == [False, True]
    shot = tmp_path / "selected.png"
    browser.screenshot(shot)  # a selected value, its paths lit, mid-stepping
    assert shot.read_bytes().startswith(b"\x89PNG")
    keep(shot, "explore_shot2.png")
    press(browser, Keys.ARROW_RIGHT, k - 2)
    assert position(browser) == k
    assert text_of(browser, "#step-text").startswith(f"Step {k + 1} of ")
    shown = panel(browser)
    assert shown["values"][1] == f"{format_number(steps[k].grad)}  ({steps[k].grad!r})"
    assert shown["pending"] == [False, False]
    assert steps[k].text in shown["pres"]
    assert_clean(browser)


# -- 4: hostile labels -------------------------------------------------------------------------------


def hostile_graph() -> Value:
    a, b, c = Value(2.0, EVIL), Value(3.0, BOLD), Value(1.0, PWN)
    return labelled(labelled(a * b, BOLD + EVIL) + c, PWN + BOLD)


def assert_nothing_ran(browser: Browser) -> None:
    with pytest.raises(NoAlertPresentException):
        browser.driver.switch_to.alert.text  # noqa: B018
    found = browser.js(
        "return [document.getElementsByTagName('img').length, document.getElementsByTagName('b').length,"
        " document.querySelectorAll('[onerror]').length, typeof window.__pwned]"
    )
    assert found == [0, 0, 0, "undefined"]


def test_labels_and_a_title_full_of_html_are_shown_as_text_and_run_nothing(browser: Browser, tmp_path: Path) -> None:
    root = hostile_graph()
    order = topological_order(root)
    title = f"{EVIL} {BOLD} {PWN}"
    open_page(browser, tmp_path, root, title=title)
    assert_nothing_ran(browser)
    assert browser.js("return document.scripts.length") == 2  # the page's data and its one script
    assert browser.js("return [document.title, document.getElementById('title').textContent]") == [title, title]
    shown = boxes(browser)
    for i, node in enumerate(order):
        assert shown[i]["name"] == shown[i]["title"] == node.label
        click_box(browser, i)
        assert panel(browser)["name"] == node.label
        assert node.label in panel(browser)["pres"][-1]
    browser.key(Keys.ARROW_RIGHT)
    assert f"d{PWN + BOLD}/d{PWN + BOLD} = 1" in text_of(browser, "#step-text")
    assert_nothing_ran(browser)
    assert_clean(browser)


def test_the_jupyter_frame_shows_the_page_without_requests_or_errors(browser: Browser, tmp_path: Path) -> None:
    root = hostile_graph()
    order = topological_order(root)
    explorer = explore(root, title=f"{EVIL}{PWN}")
    notebook = tmp_path / "notebook.html"
    notebook.write_text(
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>notebook</title></head>\n'
        f'<body><div class="output">{explorer._repr_html_()}</div></body></html>\n',
        encoding="utf-8",
    )
    browser.open(notebook)
    assert_nothing_ran(browser)
    frame = browser.find("iframe")
    assert frame.get_attribute("sandbox") == "allow-scripts"
    assert frame.size["height"] > 300
    browser.driver.switch_to.frame(frame)
    try:
        assert browser.js("return document.getElementById('title').textContent") == f"{EVIL}{PWN}"
        shown = boxes(browser)
        root.backward()
        assert [shown[i]["grad"] for i in range(len(order))] == [f"grad {format_number(v.grad)}" for v in order]
        assert [shown[i]["name"] for i in range(len(order))] == [v.label for v in order]
        click_box(browser, 0)
        assert panel(browser)["name"] == order[0].label
        browser.key(Keys.ARROW_RIGHT)
        assert position(browser) == 0
        assert_nothing_ran(browser)
    finally:
        browser.driver.switch_to.default_content()
    assert_nothing_ran(browser)
    assert_clean(browser)


# -- 5: size and speed -------------------------------------------------------------------------------


def test_a_36_value_page_is_under_1_mb_and_loads_in_under_a_second(browser: Browser, tmp_path: Path) -> None:
    root = mlp_36_values()
    assert len(topological_order(root)) == 36
    explorer = explore(root)
    size = len(explorer.html.encode("utf-8"))
    path = explorer.save(tmp_path / "page.html")
    assert path.stat().st_size == size
    seconds = browser.open(path)
    print(f"\nexplore page of 36 values: {size:,} bytes, loaded in {seconds * 1000:.0f} ms")
    assert size < 1_000_000
    assert seconds < 1.0
    assert len(boxes(browser)) == 36
    assert_clean(browser)


# -- 6: a big graph ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def big_graph(tmp_path_factory: pytest.TempPathFactory) -> tuple[Value, Explorer, Path]:
    root = long_chain()
    explorer = explore(root)
    return root, explorer, explorer.save(tmp_path_factory.mktemp("big") / "big.html")


def test_a_graph_of_1801_values_draws_the_500_nearest_and_says_so(
    browser: Browser, big_graph: tuple[Value, Explorer, Path]
) -> None:
    root, explorer, path = big_graph
    order = topological_order(root)
    assert len(order) == 1801 and (explorer.nodes, explorer.drawn) == (1801, 500)
    seconds = browser.open(path)
    size = path.stat().st_size
    print(f"\nexplore page of 1,801 values, 500 drawn: {size:,} bytes, loaded in {seconds * 1000:.0f} ms")
    notes = [note.text for note in browser.find_all(".note")]
    assert len(notes) == 1 and "1,301" in notes[0] and "not drawn" in notes[0], notes
    shown = boxes(browser)
    assert len(shown) == 500
    assert len(order) - 1 in shown
    # the gradients drawn are still the whole graph's (a sample; a finite difference replays 1,801 values)
    for i in sorted(shown)[::50]:
        assert_near_reference(shown[i]["grad"], finite_difference(order, i))

    index = {id(node): i for i, node in enumerate(order)}
    drawn_steps = [step for step in backprop_steps(root, max_steps=len(order)) if index[id(step.node)] in shown]
    assert browser.js("return window.chaingradExplorer.steps") == 500
    browser.key(Keys.ARROW_RIGHT)
    for p in range(4):
        if p:
            browser.key(Keys.ARROW_RIGHT)
        assert position(browser) == p
        states = state_classes(browser)
        step = drawn_steps[p]
        assert [i for i, s in states.items() if s == "current"] == [index[id(step.node)]]
        assert sum(s == "pending" for s in states.values()) == 500 - p - 1
        assert grad_texts(browser)[index[id(step.node)]] == f"grad {format_number(step.grad)}"
        assert step.text in text_of(browser, "#step-text")
    browser.key(Keys.END)
    assert position(browser) == 500 and set(state_classes(browser).values()) == {""}

    x = 0  # x, used by every one of the 600 additions: 601 paths, 6 listed in a page this big
    assert order[x].label == "x" and x in shown
    browser.js("window.chaingradExplorer.select(arguments[0])", str(x))
    assert panel(browser)["pres"][-1] == str(explain(root, order[x], max_paths=6))
    assert_clean(browser)


def test_the_zoom_buttons_change_the_view_and_fit_restores_it(
    browser: Browser, big_graph: tuple[Value, Explorer, Path]
) -> None:
    browser.open(big_graph[2])

    def view() -> dict[str, float]:
        v, box = browser.js(
            "return [window.chaingradExplorer.view(), document.querySelector('svg.graph').getAttribute('viewBox')]"
        )
        assert [float(n) for n in box.split()] == pytest.approx([v["x"], v["y"], v["w"], v["h"]], abs=0.01)
        return v

    fitted = view()
    browser.click("#zoom-in")
    zoomed = view()
    assert zoomed["w"] == pytest.approx(fitted["w"] / 1.25)
    assert zoomed["x"] + zoomed["w"] / 2 == pytest.approx(fitted["x"] + fitted["w"] / 2)  # about the centre
    browser.click("#zoom-out")
    assert view()["w"] == pytest.approx(fitted["w"])
    browser.click("#zoom-out")
    assert view()["w"] == pytest.approx(fitted["w"] * 1.25)
    browser.key("+")
    browser.key("+")
    assert view()["w"] == pytest.approx(fitted["w"] / 1.25)
    browser.click("#zoom-fit")
    assert view() == pytest.approx(fitted)
    browser.key("-")
    browser.key("0")
    assert view() == pytest.approx(fitted)
    assert_clean(browser)


@pytest.mark.parametrize("graph", ["expression", "big"])
def test_dragging_the_graph_pans_it_and_selects_nothing(
    browser: Browser, tmp_path: Path, big_graph: tuple[Value, Explorer, Path], graph: str
) -> None:
    if graph == "big":
        root = big_graph[0]
        browser.open(big_graph[2])
    else:
        root = micrograd_expression()
        open_page(browser, tmp_path, root)
    start = browser.js(  # the drag starts on a box: the one nearest the middle of the canvas
        "const s = document.querySelector('svg.graph').getBoundingClientRect();"
        " const mid = (r) => Math.hypot(r.left + r.width / 2 - s.left - s.width / 2,"
        "                               r.top + r.height / 2 - s.top - s.height / 2);"
        " return [...document.querySelectorAll('svg.graph g.value:not(.copy)')]"
        ".sort((a, b) => mid(a.getBoundingClientRect()) - mid(b.getBoundingClientRect()))[0];"
    )
    last = int(start.get_attribute("data-node"))
    browser.js(  # zoom in about the box, which stays where it is
        "const r = arguments[0].getBoundingClientRect();"
        " window.chaingradExplorer.zoom(arguments[1], r.left + r.width / 2, r.top + r.height / 2);",
        start,
        8.0 if graph == "big" else 1.0,
    )
    before, scale = browser.js(
        "const svg = document.querySelector('svg.graph'); const v = window.chaingradExplorer.view();"
        " return [v, v.w / svg.getBoundingClientRect().width]"
    )
    ActionChains(browser.driver).move_to_element(start).click_and_hold().move_by_offset(-120, -60).release().perform()
    after = browser.js("return window.chaingradExplorer.view()")
    assert after["x"] == pytest.approx(before["x"] + 120 * scale, rel=0.05)
    assert after["y"] == pytest.approx(before["y"] + 60 * scale, rel=0.05)
    assert (after["w"], after["h"]) == pytest.approx((before["w"], before["h"]))
    assert browser.js("return window.chaingradExplorer.selected()") is None
    assert panel(browser)["name"] is None
    assert edges_with(browser, "on-path") == {}
    ActionChains(browser.driver).move_to_element(start).click().perform()  # a click where it is now selects it
    assert browser.js("return window.chaingradExplorer.selected()") == str(last)
    assert_clean(browser)


# -- 7: screenshot -----------------------------------------------------------------------------------


def test_a_screenshot_of_an_nn_model_page_is_a_png(browser: Browser, tmp_path: Path) -> None:
    open_page(browser, tmp_path, mlp_loss())
    shot = tmp_path / "mlp.png"
    browser.screenshot(shot)
    png = shot.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and png[12:16] == b"IHDR"
    width, height = struct.unpack(">II", png[16:24])
    print(f"\nscreenshot: {width} x {height} px, {len(png):,} bytes")
    assert width > 800 and height > 400 and len(png) > 10_000
    keep(shot, "explore_shot.png")
    assert_clean(browser)


# -- links into the page -----------------------------------------------------------------------------


def test_a_link_opens_the_page_at_a_step_with_a_value_selected(browser: Browser, tmp_path: Path) -> None:
    root = micrograd_expression()
    order, steps = topological_order(root), backprop_steps(root)
    path = explore(root).save(tmp_path / "page.html")
    browser.open(path)
    browser.driver.get(path.resolve().as_uri() + "#step=3&select=a")  # "Step 3 of 7": position 2
    assert position(browser) == 2
    assert text_of(browser, "#step-text") == f"Step 3 of {len(steps)}: {steps[2].text}"
    a = next(i for i, node in enumerate(order) if node.label == "a")
    assert browser.js("return window.chaingradExplorer.selected()") == str(a)
    assert panel(browser)["name"] == "a"
    browser.driver.get(path.resolve().as_uri() + "#step=99&select=nobody")  # past the end; no such value
    browser.driver.refresh()
    assert position(browser) == len(steps) and browser.js("return window.chaingradExplorer.selected()") is None
    assert browser.console_errors() == []


def test_the_panel_opens_on_a_click_and_closes_with_its_button_or_escape(browser: Browser, tmp_path: Path) -> None:
    root = micrograd_expression()
    open_page(browser, tmp_path, root)
    hidden = "return document.getElementById('panel').hidden"
    graph_width = "return document.querySelector('svg.graph').getBoundingClientRect().width"
    full = browser.js(graph_width)
    assert browser.js(hidden) is True  # the graph has the whole width until a value is clicked
    click_box(browser, 0)
    assert browser.js(hidden) is False and browser.js(graph_width) < full - 300
    browser.click("#panel button.close")
    assert browser.js(hidden) is True and browser.js("return window.chaingradExplorer.selected()") is None
    click_box(browser, 0)
    browser.key(Keys.ESCAPE)
    assert browser.js(hidden) is True and browser.js(graph_width) == full
    assert_clean(browser)


def test_a_fitted_graph_is_fitted_again_when_the_panel_opens_and_a_zoomed_one_keeps_its_scale(
    browser: Browser, tmp_path: Path
) -> None:
    open_page(browser, tmp_path, micrograd_expression())
    scale = (
        "const v = window.chaingradExplorer.view();"
        " return [v.w / document.querySelector('svg.graph').getBoundingClientRect().width, v.x, v.y]"
    )
    click_box(browser, 0)
    time.sleep(0.2)  # the page reacts to its new size after a frame
    boxes = browser.js("return [...document.querySelectorAll('svg.graph g.value')].map(g => g.getBoundingClientRect())")
    width = browser.js("return document.querySelector('svg.graph').getBoundingClientRect().right")
    assert all(box["right"] <= width + 1 for box in boxes)  # every box still in view beside the panel
    browser.key(Keys.ESCAPE)
    browser.click("#zoom-in")
    before = browser.js(scale)
    browser.js("window.chaingradExplorer.select('0')")  # box 0 may be out of view now
    time.sleep(0.2)
    assert browser.js(scale) == pytest.approx(before)  # zoomed by hand: same scale, same corner
    assert_clean(browser)
