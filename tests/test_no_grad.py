"""Evaluating without a graph: `no_grad()` in nn's modules and losses, and `Value.detach()`."""

from __future__ import annotations

import math
import random
import threading

import pytest

import nn
from autograd import Value
from autograd import value as value_module
from autograd.grad_mode import is_grad_enabled, no_grad
from nn import module as nn_module

POINTS = [[0.5, -1.25], [2.0, 0.3], [-0.7, -0.1], [0.0, 0.0], [3, -2]]  # ints too


def is_leaf(v: object) -> bool:
    return isinstance(v, Value) and v.op == "" and v.children == () and v.label == ""


def bits(v: Value | list[Value]) -> list[float]:
    return [x.data for x in v] if isinstance(v, list) else [v.data]


# -- the switch -----------------------------------------------------------------------------------


def test_no_grad_turns_recording_off_until_the_block_ends_and_nests():
    assert is_grad_enabled()
    with no_grad():
        assert not is_grad_enabled()
        with no_grad():
            assert not is_grad_enabled()
        assert not is_grad_enabled()  # the inner block restores what it found: still off
    assert is_grad_enabled()


def test_no_grad_restores_recording_when_the_block_raises():
    with pytest.raises(KeyError), no_grad():
        raise KeyError("boom")
    assert is_grad_enabled()


def test_no_grad_works_as_a_decorator():
    @no_grad()
    def evaluate() -> bool:
        return is_grad_enabled()

    assert evaluate() is False and evaluate() is False  # a fresh context on every call
    assert is_grad_enabled()


def test_no_grad_is_per_thread():
    model = nn.MLP(2, [3, 1], rng=random.Random(0))
    seen: dict[str, object] = {}
    inside, done = threading.Event(), threading.Event()

    def other_thread() -> None:
        inside.wait()
        seen["enabled"] = is_grad_enabled()
        seen["out"] = model([1.0, 2.0])  # this thread never entered no_grad: it records
        done.set()

    worker = threading.Thread(target=other_thread)
    worker.start()
    with no_grad():
        inside.set()
        done.wait(10)
        assert not is_grad_enabled()
    worker.join()
    out = seen["out"]
    assert seen["enabled"] is True and isinstance(out, Value) and out.op != ""


# -- modules ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("fused", [True, False])
@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "linear"])
@pytest.mark.parametrize("output_activation", ["linear", "sigmoid"])
def test_an_mlp_under_no_grad_gives_the_recorded_numbers_bit_for_bit_as_leaves(fused, activation, output_activation):
    for nouts in ([16, 16, 1], [8, 3]):
        model = nn.MLP(2, nouts, activation, output_activation, rng=random.Random(7), fused=fused)
        for x in POINTS + [[Value(0.25), Value(-2.0)]]:
            recorded = model(x)
            with no_grad():
                evaluated = model(x)
            assert type(evaluated) is type(recorded)  # a Value for one output, a list for several
            assert bits(evaluated) == bits(recorded)
            assert all(is_leaf(v) for v in (evaluated if isinstance(evaluated, list) else [evaluated]))


@pytest.mark.parametrize("fused", [True, False])
def test_a_layer_and_a_neuron_under_no_grad_give_the_recorded_numbers_as_leaves(fused):
    layer = nn.Layer(2, 4, "tanh", rng=random.Random(1), fused=fused)
    neuron = nn.Neuron(2, "relu", rng=random.Random(2), fused=fused)
    for x in POINTS:
        with no_grad():
            out, one = layer(x), neuron(x)
        assert bits(out) == bits(layer(x)) and all(is_leaf(v) for v in out)
        assert one.data == neuron(x).data and is_leaf(one)


def test_no_grad_output_carries_no_gradient_to_the_parameters():
    model = nn.MLP(2, [4, 1], rng=random.Random(0))
    with no_grad():
        out = model([1.0, -1.0])
    assert isinstance(out, Value)
    (out * out).backward()  # arithmetic after the block records, but from a leaf
    assert all(p.grad == 0.0 for p in model.parameters())


def test_no_grad_calls_no_operator_of_the_engine(monkeypatch):
    """The forward runs on floats: with every recording operator broken it still works."""

    def refuse(*args: object) -> None:
        raise AssertionError("recorded a node inside no_grad")

    for name in ("__add__", "__radd__", "__mul__", "__rmul__"):
        monkeypatch.setattr(Value, name, refuse)
    monkeypatch.setattr(nn_module, "dot", refuse)
    monkeypatch.setattr(value_module, "_record", refuse)  # tanh and sigmoid (as nn.ACTIVATIONS holds them)
    fused = nn.MLP(2, [5, 5, 2], "tanh", rng=random.Random(0))
    unfused = nn.MLP(2, [5, 1], "sigmoid", rng=random.Random(0), fused=False)
    with no_grad():
        assert len(fused([0.5, 1.0])) == 2  # type: ignore[arg-type]
        assert is_leaf(unfused([0.5, 1.0]))
    with pytest.raises(AssertionError, match="recorded a node"):
        fused([0.5, 1.0])


def test_recording_resumes_after_the_block_with_labels():
    model = nn.MLP(2, [2, 1], rng=random.Random(0))
    with no_grad():
        model([1.0, 1.0])
    out = model([1.0, 1.0])
    assert isinstance(out, Value) and out.label == "L2.n1.z" and out.op == "dot"


def test_an_activation_added_to_activations_works_under_no_grad(monkeypatch):
    monkeypatch.setitem(nn.ACTIVATIONS, "square", lambda z: z * z)
    model = nn.MLP(2, [3, 2], activation="square", rng=random.Random(0))
    recorded = model([0.5, -0.25])
    with no_grad():
        evaluated = model([0.5, -0.25])
    assert bits(evaluated) == bits(recorded)


@pytest.mark.parametrize(
    "x, error",
    [
        ([1.0], ValueError),  # wrong length
        (1.0, ValueError),  # not a sequence
        ([1.0, "2"], TypeError),
        ([1.0, True], TypeError),
        ([1.0, math.nan], ValueError),
        ([1.0, math.inf], ValueError),
    ],
)
def test_bad_input_under_no_grad_is_the_error_recording_gives(x, error):
    for model in (nn.MLP(2, [3, 1]), nn.Layer(2, 3), nn.Neuron(2), nn.MLP(2, [3, 1], fused=False)):
        with pytest.raises(error):
            model(x)
        with no_grad(), pytest.raises(error):
            model(x)


def test_an_overflow_under_no_grad_is_an_overflow_error_naming_the_neuron():
    model = nn.MLP(2, [2, 1], activation="tanh", rng=random.Random(0))
    model.layers[0].neurons[1].w[0].data = 1e300
    with pytest.raises(OverflowError):
        model([1e10, 0.0])  # recording: the dot node overflows
    with no_grad(), pytest.raises(OverflowError, match=r"^L1\.n2\.z: the weighted sum overflows"):
        model([1e10, 0.0])  # tanh would squash inf to 1.0: refused instead, as recording does


# -- losses ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "loss, preds, targets",
    [
        (nn.mse, [0.5, -1.0, 2.0], [0.0, 1.0, 2.5]),
        (nn.bce, [0.2, 0.999999999999999, 0.0], [1.0, 0.0, 0.5]),
        (nn.hinge, [0.5, -2.0, 3.0], [1, 1, -1]),
        (nn.bce_with_logits, [0.5, -1000.0, 2.0], [1.0, 1.0, 0.25]),
    ],
)
def test_losses_under_no_grad_give_the_recorded_number_as_a_leaf(loss, preds, targets):
    recorded = loss([Value(p) for p in preds], targets)
    with no_grad():
        evaluated = loss([Value(p) for p in preds], targets)
    assert recorded.op != "" and is_leaf(evaluated) and evaluated.data == recorded.data


def test_cross_entropy_and_softmax_under_no_grad_give_the_recorded_numbers_as_leaves():
    logits = [[Value(0.5), Value(-1.0), Value(1000.0)], [Value(2.0), Value(0.25), Value(-0.5)]]
    recorded, probs = nn.cross_entropy(logits, [1, 0]), nn.softmax(logits[0])
    with no_grad():
        evaluated, evaluated_probs = nn.cross_entropy(logits, [1, 0]), nn.softmax(logits[0])
    assert is_leaf(evaluated) and evaluated.data == recorded.data
    assert all(is_leaf(p) for p in evaluated_probs) and bits(evaluated_probs) == bits(probs)


def test_evaluating_a_model_and_its_loss_under_no_grad_builds_no_graph():
    model = nn.MLP(2, [4, 3], rng=random.Random(0))
    X, y = [[0.5, 1.0], [-1.0, 0.25]], [2, 0]
    recorded = nn.cross_entropy([model(x) for x in X], y)
    with no_grad():
        evaluated = nn.cross_entropy([model(x) for x in X], y)
    assert is_leaf(evaluated) and evaluated.data == recorded.data


def test_value_arithmetic_written_by_hand_still_records_inside_no_grad():
    """Documented: only nn honours no_grad; the engine's operators check no flag."""
    a = Value(2.0)
    with no_grad():
        b = a * 3.0
    b.backward()
    assert b.op == "*" and a.grad == 3.0


# -- detach ---------------------------------------------------------------------------------------


def test_detach_is_a_new_leaf_with_the_same_number_and_stops_gradients():
    a = Value(1.5, label="a")
    h = a * a
    d = h.detach()
    assert is_leaf(d) and d.data == h.data == 2.25 and d is not h
    (d * a).backward()  # d acts as the constant 2.25: d(d * a)/da = 2.25, not 3 a^2 = 6.75
    assert a.grad == 2.25 and d.grad == 1.5 and h.grad == 0.0
    d.data = 0.0
    assert h.data == 2.25  # the number is copied, not shared


def test_record_and_gradcheck_refuse_to_run_inside_no_grad():
    """Inside no_grad() an nn model returns leaves: a tape or a gradient check would see no model."""
    import nn
    from autograd import gradcheck, no_grad, record

    model = nn.MLP(2, [3, 1])
    with no_grad():
        with pytest.raises(RuntimeError, match="record: called inside no_grad"):
            record(lambda x: model([x, x]), [0.5])
        with pytest.raises(RuntimeError, match="gradcheck: called inside no_grad"):
            gradcheck(lambda x: model([x, x]), [0.5])
    assert record(lambda x: model([x, x]), [0.5]).size > 0
