"""nn.Neuron, nn.Layer and nn.MLP: shapes, return types, errors, init, parameters, labels and state."""

from __future__ import annotations

import math
import random
import re

import pytest
from gradtools import sigmoid

import nn
from autograd import Value, topological_order
from nn import ACTIVATIONS, MLP, Layer, Neuron

ACT = {
    "relu": lambda z: max(z, 0.0),
    "tanh": math.tanh,
    "sigmoid": sigmoid,
    "linear": lambda z: z,
}


def neuron_by_hand(n: Neuron, x, activation: str) -> float:
    z = n.b.data + sum(w.data * xi for w, xi in zip(n.w, x))
    return ACT[activation](z)


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "linear"])
def test_neuron_computes_activation_of_weighted_sum(activation):
    n = Neuron(3, activation, rng=random.Random(4))
    for x in ([0.5, -1.0, 2.0], [-0.5, 0.25, 0.0], [Value(1.0), 2.0, -3]):
        out = n(x)
        assert isinstance(out, Value)
        xf = [xi.data if isinstance(xi, Value) else xi for xi in x]
        assert math.isclose(out.data, neuron_by_hand(n, xf, activation), rel_tol=1e-14, abs_tol=1e-15)


def test_neuron_gradients_are_inputs_times_activation_derivative():
    n = Neuron(2, "tanh", rng=random.Random(0))
    x = [Value(0.3), Value(-0.8)]
    out = n(x)
    out.backward()
    d = 1 - out.data**2
    assert math.isclose(n.b.grad, d, rel_tol=1e-14)
    for w, xi in zip(n.w, x):
        assert math.isclose(w.grad, d * xi.data, rel_tol=1e-14)
        assert math.isclose(xi.grad, d * w.data, rel_tol=1e-14)


def test_layer_always_returns_a_list():
    layer = Layer(2, 1, rng=random.Random(0))
    out = layer([1.0, 2.0])
    assert isinstance(out, list) and len(out) == 1 and isinstance(out[0], Value)
    out = Layer(2, 5, rng=random.Random(0))([1.0, 2.0])
    assert isinstance(out, list) and len(out) == 5 and all(isinstance(o, Value) for o in out)


def test_layer_outputs_are_its_neurons_outputs():
    layer = Layer(3, 4, "sigmoid", rng=random.Random(2))
    x = [0.1, -0.2, 0.3]
    assert [o.data for o in layer(x)] == [n(x).data for n in layer.neurons]


def test_mlp_with_single_output_returns_a_value():
    model = MLP(2, [16, 1, 1], rng=random.Random(0))
    out = model([0.5, -0.5])
    assert isinstance(out, Value)
    out = MLP(3, [1], rng=random.Random(0))([1.0, 2.0, 3.0])
    assert isinstance(out, Value)


def test_mlp_with_several_outputs_returns_a_list():
    out = MLP(2, [4, 3], rng=random.Random(0))([0.5, -0.5])
    assert isinstance(out, list) and len(out) == 3 and all(isinstance(o, Value) for o in out)


def test_mlp_forward_matches_hand_computation_with_activation_between_layers_and_linear_output():
    model = MLP(2, [3, 2, 1], rng=random.Random(7))
    x = [0.4, -1.2]
    a = x
    for i, layer in enumerate(model.layers):
        act = "linear" if i == len(model.layers) - 1 else "relu"
        a = [neuron_by_hand(n, a, act) for n in layer.neurons]
    assert math.isclose(model(x).data, a[0], rel_tol=1e-14, abs_tol=1e-15)


def test_mlp_output_activation_is_applied_to_the_last_layer_only():
    model = MLP(2, [3, 1], activation="tanh", output_activation="sigmoid", rng=random.Random(1))
    x = [0.3, 0.9]
    hidden = [neuron_by_hand(n, x, "tanh") for n in model.layers[0].neurons]
    expected = neuron_by_hand(model.layers[1].neurons[0], hidden, "sigmoid")
    assert math.isclose(model(x).data, expected, rel_tol=1e-14)
    assert [layer.activation for layer in model.layers] == ["tanh", "sigmoid"]


@pytest.mark.parametrize(
    "module, bad",
    [
        (Neuron(3), [1.0, 2.0]),
        (Neuron(3), [1.0, 2.0, 3.0, 4.0]),
        (Neuron(1), 1.0),
        (Layer(2, 3), [1.0]),
        (Layer(2, 3), []),
        (MLP(2, [3, 1]), [1.0, 2.0, 3.0]),
        (MLP(2, [3, 1]), [1.0]),
    ],
)
def test_wrong_input_length_raises_value_error(module, bad):
    with pytest.raises(ValueError) as info:
        module(bad)
    assert str(module.nin) in str(info.value)


@pytest.mark.parametrize(
    "make",
    [
        lambda: Neuron(2, "softmax"),
        lambda: Layer(2, 2, "gelu"),
        lambda: MLP(2, [2, 1], activation="swish"),
        lambda: MLP(2, [2, 1], output_activation="Relu"),
    ],
)
def test_unknown_activation_raises_value_error_listing_valid_ones(make):
    with pytest.raises(ValueError) as info:
        make()
    msg = str(info.value)
    for name in ("relu", "sigmoid", "tanh", "linear"):
        assert name in msg
    assert set(ACTIVATIONS) >= {"relu", "sigmoid", "tanh", "linear"}


@pytest.mark.parametrize(
    "make, error",
    [
        (lambda: Neuron(0), ValueError),
        (lambda: Neuron(2.0), TypeError),
        (lambda: Layer(2, 0), ValueError),
        (lambda: MLP(2, []), TypeError),
        (lambda: MLP(2, 3), TypeError),
        (lambda: MLP(2, [3, 0]), ValueError),
    ],
)
def test_bad_sizes_are_refused(make, error):
    with pytest.raises(error):
        make()


def test_parameter_counts_and_order():
    model = MLP(2, [16, 16, 1])
    assert len(model.parameters()) == (2 * 16 + 16) + (16 * 16 + 16) + (16 + 1)
    layer = Layer(3, 2)
    assert layer.parameters() == [p for n in layer.neurons for p in (*n.w, n.b)]
    n = Neuron(4)
    assert n.parameters() == [*n.w, n.b]
    assert all(type(p) is Value for p in model.parameters())
    assert len({id(p) for p in model.parameters()}) == len(model.parameters())


def test_state_dict_names_and_values():
    n = Neuron(2, rng=random.Random(0))
    assert list(n.state_dict()) == ["w.0", "w.1", "b"]
    assert n.state_dict() == {"w.0": n.w[0].data, "w.1": n.w[1].data, "b": n.b.data}
    model = MLP(2, [2, 1], rng=random.Random(0))
    keys = list(model.state_dict())
    assert keys[0] == "layers.0.neurons.0.w.0" and keys[-1] == "layers.1.neurons.0.b"
    assert all(type(v) is float for v in model.state_dict().values())


def test_init_is_uniform_within_one_over_sqrt_nin():
    model = MLP(9, [25, 4], rng=random.Random(3))
    for layer in model.layers:
        bound = 1 / math.sqrt(layer.nin)
        values = [p.data for p in layer.parameters()]
        assert all(-bound <= v <= bound for v in values)
        assert max(values) > bound / 2 and min(values) < -bound / 2  # spread, not all zero


def test_init_is_reproducible_under_random_seed():
    random.seed(123)
    a = MLP(3, [4, 2]).state_dict()
    random.seed(123)
    b = MLP(3, [4, 2]).state_dict()
    random.seed(124)
    c = MLP(3, [4, 2]).state_dict()
    assert a == b
    assert a != c


def test_init_with_explicit_rng_is_reproducible_and_isolated_from_global_random():
    random.seed(1)
    a = MLP(3, [4, 2], rng=random.Random(99)).state_dict()
    after_a = random.random()
    random.seed(2)
    b = MLP(3, [4, 2], rng=random.Random(99)).state_dict()
    assert a == b
    random.seed(1)
    assert random.random() == after_a  # building with an rng did not consume the global stream
    assert Neuron(3, rng=random.Random(5)).state_dict() == Neuron(3, rng=random.Random(5)).state_dict()


def test_zero_grad_clears_every_parameter():
    model = MLP(2, [3, 2], rng=random.Random(0))
    outs = model([1.0, -1.0])
    (outs[0] * outs[1] + outs[0]).backward()
    assert any(p.grad != 0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_load_state_dict_round_trip():
    src = MLP(2, [3, 1], rng=random.Random(0))
    dst = MLP(2, [3, 1], rng=random.Random(1))
    assert src.state_dict() != dst.state_dict()
    dst.load_state_dict(src.state_dict())
    assert dst.state_dict() == src.state_dict()
    assert dst([0.3, 0.4]).data == src([0.3, 0.4]).data
    dst.load_state_dict({k: 1 for k in src.state_dict()})  # ints are numbers too
    assert all(v == 1.0 and type(v) is float for v in dst.state_dict().values())


def corrupt_states(good: dict) -> list[tuple[str, object]]:
    keys = list(good)
    missing = dict(good)
    del missing[keys[0]]
    extra = dict(good, **{"layers.9.neurons.0.b": 0.0})
    out = [("missing key", missing), ("unexpected key", extra)]
    for label, bad in [
        ("nan", math.nan),
        ("inf", math.inf),
        ("string", "0.5"),
        ("None", None),
        ("bool", True),
        ("list", [0.5]),
    ]:
        out.append((label, dict(good, **{keys[-1]: bad})))  # the LAST entry is bad
    return out


@pytest.mark.parametrize("case", range(8))
def test_failed_load_state_dict_raises_value_error_and_changes_nothing(case):
    model = MLP(2, [3, 1], rng=random.Random(0))
    before = model.state_dict()
    other = {k: v + 1.0 for k, v in before.items()}
    label, bad = corrupt_states(other)[case]
    with pytest.raises(ValueError):
        model.load_state_dict(bad)
    assert model.state_dict() == before, label


def test_load_state_dict_refuses_a_non_mapping():
    with pytest.raises(TypeError):
        Neuron(2).load_state_dict([1.0, 2.0, 3.0])


def test_reprs_are_readable():
    assert repr(Neuron(3, "tanh")) == "Neuron(nin=3, activation='tanh')"
    assert repr(Layer(3, 2, "sigmoid")) == "Layer(nin=3, nout=2, activation='sigmoid')"
    text = repr(MLP(2, [16, 1]))
    assert text.startswith("MLP(") and "nin=2" in text and "16" in text
    assert "Layer(nin=2, nout=16, activation='relu')" in text
    assert "Layer(nin=16, nout=1, activation='linear')" in text


@pytest.mark.parametrize(
    "module",
    [Neuron(3), Layer(3, 2), MLP(3, [4, 2, 1]), MLP(2, [3], fused=False)],
    ids=["Neuron", "Layer", "MLP", "unfused MLP"],
)
def test_parameters_are_the_named_parameters_in_the_same_order(module) -> None:
    """parameters() is a faster path than named_parameters(); the two must list the same objects."""
    named = [p for _, p in module.named_parameters()]
    assert [id(p) for p in module.parameters()] == [id(p) for p in named]
    assert len(set(map(id, named))) == len(named)


def short_label(key: str) -> str:
    """The documented label of a state_dict key: 1-based numbers, "layers.0" -> "L1",
    "neurons.2" -> "n3", "w.1" -> "w2"; "b" stays "b"."""

    def one_based(match: re.Match[str]) -> str:
        prefix = {"layers": "L", "neurons": "n", "w": "w"}[match.group(1)]
        return f"{prefix}{int(match.group(2)) + 1}"

    return re.sub(r"(layers|neurons|w)\.(\d+)", one_based, key)


def test_mlp_parameters_are_labelled_by_layer_neuron_and_weight_counting_from_1():
    model = MLP(3, [4, 2, 1], rng=random.Random(0))
    assert model.layers[0].neurons[2].w[1].label == "L1.n3.w2"
    assert model.layers[0].neurons[2].b.label == "L1.n3.b"
    assert model.layers[2].neurons[0].w[1].label == "L3.n1.w2"
    assert [p.label for p in model.layers[1].neurons[1].parameters()] == [
        "L2.n2.w1",
        "L2.n2.w2",
        "L2.n2.w3",
        "L2.n2.w4",
        "L2.n2.b",
    ]
    for key, p in model.named_parameters():
        assert p.label == short_label(key), key


@pytest.mark.parametrize(
    "module, first, last",
    [
        (Neuron(3), "w1", "b"),
        (Layer(2, 3), "n1.w1", "n3.b"),
        (MLP(2, [3, 1]), "L1.n1.w1", "L2.n1.b"),
        (MLP(2, [3, 1], fused=False), "L1.n1.w1", "L2.n1.b"),
    ],
    ids=["Neuron alone", "Layer alone", "MLP", "unfused MLP"],
)
def test_parameter_labels_map_state_dict_keys_one_to_one(module, first, last):
    labels = module.parameter_labels()
    assert list(labels) == list(module.state_dict())
    assert list(labels.values()) == [p.label for p in module.parameters()]
    assert len(set(labels.values())) == len(labels)  # one to one
    assert all(label == short_label(key) for key, label in labels.items())
    assert (module.parameters()[0].label, module.parameters()[-1].label) == (first, last)


def test_a_layer_inside_an_mlp_is_labelled_as_part_of_it_and_alone_without_prefix():
    model = MLP(2, [3, 2], rng=random.Random(0))
    assert [n.b.label for n in model.layers[1].neurons] == ["L2.n1.b", "L2.n2.b"]
    layer = Layer(2, 2, rng=random.Random(0))
    assert [p.label for p in layer.parameters()] == ["n1.w1", "n1.w2", "n1.b", "n2.w1", "n2.w2", "n2.b"]
    neuron = Neuron(2, rng=random.Random(0))
    assert [p.label for p in neuron.parameters()] == ["w1", "w2", "b"]


@pytest.mark.parametrize("fused", [True, False])
def test_a_call_labels_each_neurons_pre_activation_z_and_activation_a(fused):
    model = MLP(2, [3, 1], activation="tanh", rng=random.Random(0), fused=fused)
    x = [Value(0.5), Value(-1.0, label="x2")]
    out = model(x)
    assert isinstance(out, Value)
    assert out.label == "L2.n1.z"  # a linear neuron's output is its weighted sum z
    named = {v.label: v for v in topological_order(out) if v.label.startswith("L")}
    nodes = [f"L1.n{j}.{x}" for j in (1, 2, 3) for x in ("z", "a")] + ["L2.n1.z"]
    assert sorted(v for v in named if v.endswith(("z", "a"))) == sorted(nodes)  # no other node
    for j in (1, 2, 3):
        assert named[f"L1.n{j}.a"].operands == (named[f"L1.n{j}.z"],)  # a = tanh(z)
    assert (x[0].label, x[1].label) == ("", "x2")  # inputs are left as they were
    neuron = Neuron(2, "relu", rng=random.Random(0), fused=fused)
    a = neuron([1.0, 2.0])
    assert (a.label, a.children[0].label) == ("a", "z")
    assert Layer(2, 2, "sigmoid", fused=fused)([1.0, 2.0])[1].label == "n2.a"


def test_labels_survive_load_state_dict_and_a_save_load_round_trip(tmp_path):
    model = MLP(2, [3, 2], rng=random.Random(0))
    labels = model.parameter_labels()
    model.load_state_dict(MLP(2, [3, 2], rng=random.Random(1)).state_dict())
    assert model.parameter_labels() == labels
    for module in (model, Layer(2, 3), Neuron(4)):
        nn.save(module, tmp_path / "m.json")
        loaded = nn.load(tmp_path / "m.json")
        assert loaded.parameter_labels() == module.parameter_labels()
