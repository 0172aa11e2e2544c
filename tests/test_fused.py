"""The one-node neuron: `autograd.dot`, and Neuron/Layer/MLP recording z = b + sum w_k x_k as
one `dot` node by default, with the same numbers as `fused=False` and as PyTorch."""

from __future__ import annotations

import math
import random
import struct

import pytest
from gradtools import torch_gradient

import nn
from autograd import RULES, Value, dot, edges, grad, gradcheck, topological_order


def test_dot_is_one_node_with_the_sum_of_products() -> None:
    a, b, c = Value(2.0), Value(-3.0), Value(0.5)
    out = dot([a, b, 4.0], [c, 1.5, c])
    assert out.data == 2.0 * 0.5 + -3.0 * 1.5 + 4.0 * 0.5
    assert out.rule is RULES["dot"] and out.op == "dot"
    assert out.operands == (a, b, 4.0, c, 1.5, c)
    assert out.children == (a, b, c, c)
    out.backward()
    assert (a.grad, b.grad, c.grad) == (0.5, 1.5, 2.0 + 4.0)


def test_dot_gradients_match_finite_differences_and_second_order() -> None:
    def f(x: Value, y: Value, z: Value) -> Value:
        return dot([x, y, z, x], [y, z, 2.0, x]).tanh()

    assert gradcheck(f, [0.3, -0.7, 0.2])
    x, y = Value(0.4), Value(-1.1)
    (gx,) = grad(dot([x, x], [x, y]), [x], create_graph=True)  # x^2 + x y: d/dx = 2x + y
    assert gx.data == pytest.approx(2 * 0.4 - 1.1)
    (gxx,) = grad(gx, [x])
    assert gxx.data == pytest.approx(2.0)


def test_dot_rule_works_on_a_single_pair_like_mul() -> None:
    rule = RULES["dot"]
    assert rule.variadic and rule.arity == 2
    assert rule.forward(3.0, 4.0) == 12.0
    assert [d(3.0, 4.0, 12.0) for d in rule.local_grads] == [4.0, 3.0]


@pytest.mark.parametrize(
    "a, b, error, match",
    [
        ([Value(1.0)], [1.0, 2.0], ValueError, "same length"),
        ([], [], ValueError, "non-empty"),
        ([Value(1.0)], ["x"], TypeError, "real number"),
        ([Value(1.0)], [math.inf], ValueError, "finite"),
        ([Value(1e200)], [1e200], OverflowError, "dot"),
    ],
)
def test_dot_rejects_bad_input(a: list, b: list, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        dot(a, b)


def test_a_default_mlp_records_each_neuron_as_one_dot_node() -> None:
    model = nn.MLP(3, [4, 2, 1], activation="tanh", rng=random.Random(0))
    out = model([Value(0.5), Value(-1.0), 2.0])
    assert isinstance(out, Value)
    ops = [v.rule.name for v in topological_order(out) if v.rule is not None]
    assert sorted(ops) == ["dot"] * 7 + ["tanh"] * 6  # one dot per neuron, no mul, no add
    neuron = model.layers[0].neurons[2]
    (z,) = [v for v in topological_order(out) if v.label == "L1.n3.z"]
    assert z.rule.name == "dot"
    assert z.operands[:4] == (neuron.b, *neuron.w) and z.operands[4] == 1.0  # b*1 + w1*x1 + ...
    # the edges a drawing shows: b, then each weight with its input (x3 = 2.0 is a constant)
    assert [e.operand.label for e in edges(z)] == ["L1.n3.b", "L1.n3.w1", "", "L1.n3.w2", "", "L1.n3.w3"]
    assert [e.local() for e in edges(z)] == [1.0, 0.5, neuron.w[0].data, -1.0, neuron.w[1].data, 2.0]


def test_fused_false_records_every_multiply_and_add() -> None:
    out = nn.Neuron(3, "linear", rng=random.Random(0), fused=False)([1.0, 2.0, 3.0])
    ops = [v.rule.name for v in topological_order(out) if v.rule is not None]
    assert sorted(ops) == ["add"] * 3 + ["mul"] * 3


def bits(x: float) -> bytes:
    return struct.pack("<d", x)


def torch_mlp(model: nn.MLP, torch, leaves, samples: int):
    """The model's forward pass written with PyTorch scalars, reading parameters then inputs from leaves."""
    activations = {"relu": torch.relu, "tanh": torch.tanh, "sigmoid": torch.sigmoid, "linear": lambda t: t}
    n_params = len(model.parameters())
    params, inputs = iter(leaves[:n_params]), leaves[n_params:]
    weights = [[([next(params) for _ in n.w], next(params)) for n in layer.neurons] for layer in model.layers]
    loss = 0.0
    for s in range(samples):
        a = inputs[s * model.nin : (s + 1) * model.nin]
        for layer, layer_weights in zip(model.layers, weights):
            act = activations[layer.activation]
            outs = []
            for w, b in layer_weights:
                z = b
                for wk, xk in zip(w, a):
                    z = z + wk * xk
                outs.append(act(z))
            a = outs
        loss = loss + sum(o * o for o in a)
    return loss


@pytest.mark.parametrize("seed", range(6))
def test_default_neuron_gradients_equal_fused_false_bitwise_and_pytorch_float64(seed: int) -> None:
    """Both record b + w1*x1 + w2*x2 + ... summed left to right, so the numbers are the same bits."""
    rng = random.Random(seed)
    nin, nouts = rng.randint(1, 4), [rng.randint(1, 5) for _ in range(rng.randint(2, 3))]
    activation = ["relu", "tanh", "sigmoid", "linear"][seed % 4]  # between layers; tanh on the output
    samples = [[rng.uniform(-2.0, 2.0) for _ in range(nin)] for _ in range(3)]
    found = []
    for options in ({}, {"fused": False}):  # the default first
        model = nn.MLP(nin, nouts, activation=activation, output_activation="tanh", rng=random.Random(seed), **options)
        xs = [[Value(x) for x in sample] for sample in samples]
        loss = Value(0.0)
        for x in xs:
            out = model(x)
            for o in out if isinstance(out, list) else [out]:
                loss = loss + o * o
        dots = sum(v.op == "dot" for v in topological_order(loss))
        assert dots == (0 if options else len(samples) * sum(nouts))
        loss.backward()
        found.append([loss.data] + [p.grad for p in model.parameters()] + [x.grad for row in xs for x in row])
    default, unfused = found
    assert list(map(bits, default)) == list(map(bits, unfused))
    torch = pytest.importorskip("torch")
    point = [p.data for p in model.parameters()] + [x for sample in samples for x in sample]
    value, gradient = torch_gradient(lambda *leaves: torch_mlp(model, torch, leaves, len(samples)), point)
    for ours, theirs in zip(default, [value, *gradient]):
        assert ours == pytest.approx(theirs, rel=1e-12, abs=1e-14)


def test_fused_is_the_default_and_saved_explicitly() -> None:
    assert nn.Neuron(2).fused and nn.Layer(2, 3).fused and nn.MLP(2, [3, 1]).fused
    assert nn.MLP(2, [3, 1]).config()["fused"] is True
    model = nn.MLP(2, [3, 1], fused=False)
    assert model.config()["fused"] is False and not any(n.fused for n in model.layers[0].neurons)
    assert "fused" not in repr(nn.Layer(2, 3)) and "fused=False" in repr(model.layers[0])
    assert nn.Neuron(2, fused=False).config() == {"nin": 2, "activation": "relu", "fused": False}


@pytest.mark.parametrize("fused", [True, False])
def test_fused_and_unfused_models_round_trip_through_save_and_load(tmp_path, fused: bool) -> None:
    model = nn.MLP(2, [3, 1], fused=fused, rng=random.Random(0))
    nn.save(model, tmp_path / "m.json")
    loaded = nn.load(tmp_path / "m.json")
    assert loaded.fused is fused and all(n.fused is fused for n in loaded.layers[1].neurons)
    assert loaded.state_dict() == model.state_dict()
