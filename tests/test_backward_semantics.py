"""What backward() and grad() promise: accumulation, sharing, isolation, depth and memory."""

from __future__ import annotations

import gc
import math
import random
import sys
from contextlib import contextmanager

import pytest
from gradtools import interrupt_in, lines_run, numeric_gradient

from autograd import Value, backward, grad, topological_order
from nn import MLP, SGD, mse


def shared_graph(a0: float = 0.7, b0: float = -1.3):
    """A graph 5 levels deep with shared subexpressions; returns every node, root last."""
    a, b = Value(a0, label="a"), Value(b0, label="b")
    c = a * b
    d = c + a  # a used twice
    e = d * c  # c used twice
    f = e.tanh() + d.sigmoid() * c
    g = f * f + e.exp() - c / (b * b + 1.0)  # f used twice
    return [a, b, c, d, e, f, g]


def shared_fn(a, b):
    c = a * b
    d = c + a
    e = d * c
    f = e.tanh() + d.sigmoid() * c
    return f * f + e.exp() - c / (b * b + 1.0)


def test_first_backward_on_shared_graph_is_correct():
    a, b, c, d, e, f, g = shared_graph()
    g.backward()
    assert g.grad == 1.0
    assert math.isclose(f.grad, 2 * f.data, rel_tol=1e-15)
    numeric = numeric_gradient(shared_fn, [0.7, -1.3])
    assert math.isclose(a.grad, numeric[0], rel_tol=1e-8)
    assert math.isclose(b.grad, numeric[1], rel_tol=1e-8)


def test_backward_twice_doubles_every_gradient_exactly_including_interior_nodes():
    nodes = shared_graph()
    nodes[-1].backward()
    first = [n.grad for n in nodes]
    assert all(g != 0.0 for g in first)
    nodes[-1].backward()
    assert [n.grad for n in nodes] == [2 * g for g in first]
    nodes[-1].backward()
    assert [n.grad for n in nodes] == [3 * g for g in first]


def test_backward_with_seed_gradient_scales_every_gradient():
    nodes = shared_graph()
    nodes[-1].backward()
    unit = [n.grad for n in nodes]
    nodes = shared_graph()
    backward(nodes[-1], 2.5)
    for got, g in zip((n.grad for n in nodes), unit):
        assert math.isclose(got, 2.5 * g, rel_tol=1e-15)


def test_gradients_from_two_roots_accumulate_on_shared_leaves():
    x = Value(3.0)
    (x * 2.0).backward()
    (x * x).backward()
    assert x.grad == 2.0 + 6.0


def test_node_used_twice_gets_both_contributions():
    x = Value(1.5)
    (x * x).backward()
    assert x.grad == 3.0
    y = Value(1.5)
    (y + y).backward()
    assert y.grad == 2.0
    z = Value(-2.0)
    (z * z * z).backward()
    assert z.grad == 12.0


def test_diamond_graph_sums_both_paths():
    a = Value(0.4)
    left = a * 2.0
    right = a.exp()
    out = left * right
    out.backward()
    assert math.isclose(a.grad, 2 * math.exp(0.4) * (1 + 0.4), rel_tol=1e-14)
    assert math.isclose(left.grad, math.exp(0.4), rel_tol=1e-15)
    assert math.isclose(right.grad, 0.8, rel_tol=1e-15)


def test_backward_of_a_leaf_adds_one():
    x = Value(5.0)
    x.backward()
    assert x.grad == 1.0
    x.backward()
    assert x.grad == 2.0


def test_grad_leaves_every_dot_grad_untouched():
    nodes = shared_graph()
    for i, n in enumerate(nodes):
        n.grad = 7.0 + i  # sentinels
    a, b = nodes[0], nodes[1]
    ga, gb = grad(nodes[-1], [a, b])
    assert [n.grad for n in nodes] == [7.0 + i for i in range(len(nodes))]
    fresh = shared_graph()
    fresh[-1].backward()
    assert (ga.data, gb.data) == (fresh[0].grad, fresh[1].grad)
    # and leaves no state behind that would disturb a later backward
    for n in nodes:
        n.grad = 0.0
    nodes[-1].backward()
    assert [n.grad for n in nodes] == [n.grad for n in fresh]


def test_grad_with_create_graph_also_leaves_dot_grad_untouched():
    x, y = Value(1.2), Value(0.3)
    x.grad, y.grad = 11.0, 13.0
    out = (x * y).sigmoid()
    gx, gy = grad(out, [x, y], create_graph=True)
    grad(gx, [x, y])
    assert (x.grad, y.grad, out.grad) == (11.0, 13.0, 0.0)


def test_grad_of_input_not_in_graph_is_zero():
    x, y, z = Value(2.0), Value(-3.0), Value(4.0)
    results = grad(x * y, [x, z, y])
    assert [type(r) for r in results] == [Value, Value, Value]
    assert [r.data for r in results] == [-3.0, 0.0, 2.0]
    assert grad(x * y, z, create_graph=True)[0].data == 0.0
    assert z.grad == 0.0


def test_grad_of_a_single_input_returns_a_one_element_list():
    x = Value(2.0)
    result = grad(x**2, x)
    assert isinstance(result, list) and len(result) == 1 and result[0].data == 4.0


def test_grad_of_output_with_respect_to_itself_is_one():
    x = Value(2.0)
    assert grad(x, x)[0].data == 1.0
    y = x * 3.0
    assert grad(y, y)[0].data == 1.0
    assert grad(y, [x, y])[1].data == 1.0


def test_same_input_listed_twice_gets_the_same_gradient():
    x = Value(2.0)
    assert [g.data for g in grad(x * x, [x, x])] == [4.0, 4.0]


def test_zero_grad_on_module_and_optimizer_resets_parameter_gradients():
    model = MLP(2, [3, 1], rng=random.Random(0))
    opt = SGD(model.parameters(), lr=0.1)

    def loss():
        return mse([model([0.5, -1.0]), model([1.5, 0.2])], [1.0, -1.0])

    loss().backward()
    first = [p.grad for p in model.parameters()]
    assert any(g != 0.0 for g in first)
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())
    loss().backward()
    assert [p.grad for p in model.parameters()] == first
    opt.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_topological_order_lists_each_node_once_after_its_inputs():
    a, b, c, d, e, f, g = nodes = shared_graph()
    order = topological_order(g)
    ids = [id(n) for n in order]
    assert len(ids) == len(set(ids))
    assert order[-1] is g
    pos = {id(n): i for i, n in enumerate(order)}
    for n in nodes:
        assert id(n) in pos
    for before, after in [(a, c), (b, c), (c, d), (a, d), (d, e), (c, e), (e, f), (d, f), (f, g), (e, g)]:
        assert pos[id(before)] < pos[id(after)]


@pytest.mark.slow
def test_million_op_chain_backward_has_no_recursion_error_and_is_exact():
    """1,000,000 operations (alternating mul and add) deep; y_{k+1} = y_k * w + x with w = 1."""
    n = 500_000
    x, w = Value(1.0), Value(1.0)
    y = x
    for _ in range(n):
        y = y * w
        y = y + x
    assert y.data == n + 1.0
    assert sys.getrecursionlimit() < 100_000  # recursion could not possibly cope
    y.backward()
    assert x.grad == n + 1.0  # y = (n + 1) x at w = 1
    assert w.grad == n * (n + 1) / 2  # sum of y_k for k < n: 1 + 2 + ... + n (exact in floats)
    gx, gw = grad(y, [x, w])
    assert (gx.data, gw.data) == (n + 1.0, n * (n + 1) / 2)
    del y, gx, gw  # freeing the deep chain must not overflow the C stack either


# -------------------------------------------------------------------------------------------------
# Memory: graphs are freed by reference counting alone (no cycles, so no gc.collect() needed).
# Value has __slots__ without __weakref__, so we count live Values with the collector disabled:
# anything kept alive only by a reference cycle would stay in gc.get_objects().
# -------------------------------------------------------------------------------------------------


@contextmanager
def collector_disabled():
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def live_values() -> int:
    return sum(1 for o in gc.get_objects() if type(o) is Value)


def build_everything(x: Value, w: Value) -> Value:
    y = x
    for _ in range(20):
        s = y * w + x
        y = (s.tanh() + s.sigmoid() * 0.5 - (s * s + 1.0).log() + (s / 3.0).exp()) / (1.0 + w * w)
        y = y.relu() + 2.0**w - y**2 + (w * w + 0.5) ** x - (-y)
    return y


def test_graph_is_freed_by_reference_counting_after_backward():
    with collector_disabled():
        x, w = Value(0.3), Value(-0.4)
        refs_x, refs_w = sys.getrefcount(x), sys.getrefcount(w)
        before = live_values()
        out = build_everything(x, w)
        assert live_values() > before + 300  # the census does see graph nodes
        assert sys.getrefcount(x) > refs_x
        out.backward()
        del out
        assert sys.getrefcount(x) == refs_x and sys.getrefcount(w) == refs_w
        assert live_values() == before


def test_graph_and_create_graph_gradients_are_freed_by_reference_counting():
    with collector_disabled():
        x, w = Value(0.3), Value(-0.4)
        refs_x = sys.getrefcount(x)
        before = live_values()
        out = build_everything(x, w)
        gx, gw = grad(out, [x, w], create_graph=True)
        hx = grad(gx, [x, w])
        del out, gx, gw, hx
        assert sys.getrefcount(x) == refs_x
        assert live_values() == before


def test_training_step_graph_is_freed_by_reference_counting():
    model = MLP(2, [4, 1], rng=random.Random(1))
    opt = SGD(model.parameters(), lr=0.05)
    with collector_disabled():
        before = live_values()
        for _ in range(3):
            loss = mse([model([0.1, 0.2]), model([-0.3, 0.4])], [1.0, 0.0])
            opt.zero_grad()
            loss.backward()
            opt.step()
        del loss
        assert live_values() == before


def test_census_detects_a_graph_kept_alive_only_by_a_reference_cycle():
    """The method above is sound: a cycle holding the graph keeps it in the census until collected."""
    with collector_disabled():
        before = live_values()
        cycle: list = [build_everything(Value(0.3), Value(-0.4))]
        cycle.append(cycle)
        del cycle
        assert live_values() > before + 300
        gc.collect()
        assert live_values() == before


def test_backward_that_raises_adds_nothing_to_any_grad():
    """If a local derivative cannot be evaluated (sqrt at 0), no .grad is left half-updated."""
    x, y = Value(0.0), Value(2.0)
    out = y * 3.0 + x**0.5 * y
    try:
        out.backward()
    except (ZeroDivisionError, ValueError, OverflowError):
        assert (x.grad, y.grad, out.grad) == (0.0, 0.0, 0.0)
    else:  # the alternative convention: an infinite slope, as torch
        assert x.grad == math.inf and y.grad == 3.0


# Every function a backward or grad call runs its lines in: the walk, the generated loop, the
# bookkeeping around it and the loop that adds to .grad.
PHASES = [
    "topological_order",
    "_claim_slots",
    "_fill_gradients",
    "backpropagate_floats",
    "backward",
    "grad",
    "_release_slots",
]


@pytest.mark.parametrize("phase", PHASES)
def test_backward_interrupted_at_any_line_adds_nothing_and_the_next_backward_is_right(phase):
    """Ctrl-C at any line of any phase of backward leaves every .grad as it was, and the next
    backward on the same graph gives what a fresh graph gives."""
    expected = shared_graph()
    expected[-1].backward()
    total = lines_run(phase, lambda: shared_graph()[-1].backward())
    for line in range(1, total + 1):
        nodes = shared_graph()
        for n in nodes:
            n.grad = 0.5  # gradients from an earlier step must survive too
        with pytest.raises(KeyboardInterrupt):
            with interrupt_in(phase, line):
                nodes[-1].backward()
        assert [n.grad for n in nodes] == [0.5] * len(nodes), f"{phase}, line {line} of {total}"
        for n in nodes:
            n.grad = 0.0
        nodes[-1].backward()
        assert [n.grad for n in nodes] == [n.grad for n in expected], f"{phase}, line {line} of {total}"


@pytest.mark.parametrize("phase", PHASES)
def test_grad_interrupted_at_any_line_leaves_no_trace(phase):
    """Ctrl-C at any line of grad leaves the graph as it was: the next grad and backward are right."""
    expected = shared_graph()
    expected[-1].backward()
    total = lines_run(phase, lambda: grad(shared_graph()[-1], shared_graph()[:1]))
    for line in range(1, total + 1):
        nodes = shared_graph()
        with pytest.raises(KeyboardInterrupt):
            with interrupt_in(phase, line):
                grad(nodes[-1], nodes)
        assert [g.data for g in grad(nodes[-1], nodes)] == [n.grad for n in expected], f"{phase}, line {line}"
        nodes[-1].backward()
        assert [n.grad for n in nodes] == [n.grad for n in expected], f"{phase}, line {line}"
