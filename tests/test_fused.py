"""The opt-in fused neuron: `autograd.dot` and `Neuron(fused=True)` agree with the plain graph."""

from __future__ import annotations

import math
import random

import pytest

import nn
from autograd import RULES, Value, dot, grad, gradcheck


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


@pytest.mark.parametrize("activation", ["relu", "tanh", "linear"])
def test_fused_mlp_gives_the_plain_mlps_loss_and_gradients(activation: str) -> None:
    plain = nn.MLP(3, [5, 4, 1], activation=activation, rng=random.Random(2))
    fused = nn.MLP(3, [5, 4, 1], activation=activation, rng=random.Random(2), fused=True)
    xs = [[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]]
    losses = []
    for model in (plain, fused):
        loss = nn.mse([model(x) for x in xs], [1.0, -1.0])
        loss.backward()
        losses.append(loss.data)
    assert losses[0] == pytest.approx(losses[1], abs=1e-12)
    for p, q in zip(plain.parameters(), fused.parameters()):
        assert p.grad == pytest.approx(q.grad, abs=1e-12)


def test_fused_is_opt_in_and_saved() -> None:
    assert not nn.Neuron(2).fused and "fused" not in nn.MLP(2, [3, 1]).config()
    neuron = nn.Neuron(2, fused=True)
    out = neuron([1.0, 2.0])
    assert out.rule.name == "relu" and out.children[0].rule.name == "dot"
    model = nn.MLP(2, [3, 1], fused=True)
    assert model.config()["fused"] is True and all(n.fused for n in model.layers[0].neurons)
    assert "fused=True" in repr(model.layers[0])


def test_fused_model_round_trips_through_save_and_load(tmp_path) -> None:
    model = nn.MLP(2, [3, 1], fused=True, rng=random.Random(0))
    nn.save(model, tmp_path / "m.json")
    loaded = nn.load(tmp_path / "m.json")
    assert loaded.fused and loaded.state_dict() == model.state_dict()
