"""Hand-off to PyTorch: `model.to_torch()` and `nn.MLP.from_torch(module)`.

Random models converted both ways give the same outputs and parameter gradients as chaingrad
(backward of the sum of every output over a batch) to float64 rounding; round trips are bit for
bit; what cannot be converted is named by index and class. The tests that need PyTorch skip
without it; the ones about its absence (never imported by `import nn`, a clear ImportError) run
anyway.
"""

from __future__ import annotations

import math
import random
import struct
import subprocess
import sys
import warnings
from collections.abc import Callable
from typing import Any

import pytest

import nn
from autograd import Value
from nn.torch_bridge import torch_keys


@pytest.fixture
def torch() -> Any:
    return pytest.importorskip("torch")


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)


def bits(x: float) -> bytes:
    return struct.pack("<d", x)


# -- random models -----------------------------------------------------------------------------------

ACTS = ["relu", "tanh", "sigmoid", "linear"]


def random_mlp(seed: int) -> nn.MLP:
    """An MLP of 1 to 3 layers of 1 to 6 neurons, its activations and `fused` drawn from `seed`."""
    rng = random.Random(seed)
    nin = rng.randint(1, 5)
    nouts = [rng.randint(1, 6) for _ in range(rng.randint(1, 3))]
    return nn.MLP(
        nin,
        nouts,
        activation=rng.choice(ACTS),
        output_activation=rng.choice(ACTS),
        rng=rng,
        fused=seed % 2 == 0,
    )


FIXED = [  # shapes a reader recognises, besides the random ones
    nn.MLP(2, [16, 16, 1], rng=random.Random(1)),  # the demo's network
    nn.MLP(3, [4, 5, 2], activation="tanh", output_activation="sigmoid", rng=random.Random(2), fused=False),
    nn.MLP(1, [1], activation="sigmoid", output_activation="relu", rng=random.Random(3)),
    nn.MLP(4, [3, 3, 3], activation="linear", output_activation="tanh", rng=random.Random(4)),
]
MODELS = FIXED + [random_mlp(seed) for seed in range(16)]
MODEL_IDS = [f"fixed{i}" for i in range(len(FIXED))] + [f"random{seed}" for seed in range(16)]


def batch(nin: int, n: int = 7, seed: int = 0) -> list[list[float]]:
    rng = random.Random(seed)
    return [[rng.gauss(0.0, 1.5) for _ in range(nin)] for _ in range(n)]


def as_list(out: Value | list[Value]) -> list[Value]:
    return [out] if isinstance(out, Value) else list(out)


def chaingrad_run(model: nn.Module, X: list[list[float]]) -> tuple[list[list[float]], list[list[float]]]:
    """Outputs per sample, and d(sum of every output)/d input per sample; leaves .grad on the parameters."""
    model.zero_grad()
    inputs = [[Value(x) for x in row] for row in X]
    outs = [as_list(model(row)) for row in inputs]
    total = sum((o for row in outs for o in row), Value(0.0))
    total.backward()
    return [[o.data for o in row] for row in outs], [[x.grad for x in row] for row in inputs]


def torch_run(torch: Any, module: Any, X: list[list[float]]) -> tuple[list[list[float]], list[list[float]]]:
    x = torch.tensor(X, dtype=torch.float64, requires_grad=True)
    module.zero_grad()
    out = module(x)
    out.sum().backward()
    return out.tolist(), x.grad.tolist()


def linears(torch: Any, module: Any) -> list[Any]:
    return [m for m in module if isinstance(m, torch.nn.Linear)]


def layer_neurons(model: nn.Module) -> list[list[nn.Neuron]]:
    if isinstance(model, nn.Neuron):
        return [[model]]
    if isinstance(model, nn.Layer):
        return [model.neurons]
    assert isinstance(model, nn.MLP)
    return [layer.neurons for layer in model.layers]


def assert_same_function(torch: Any, model: nn.Module, module: Any, X: list[list[float]]) -> None:
    """Outputs, input gradients and every parameter's gradient agree to float64 rounding.

    The parameters are paired by the layout alone (linear layer l's weight[j, k] is neuron j's
    w_k), not by `torch_keys`, so the test does not trust the code it tests.
    """
    outs, in_grads = chaingrad_run(model, X)
    t_outs, t_in_grads = torch_run(torch, module, X)
    assert len(t_outs) == len(outs) and all(len(a) == len(b) for a, b in zip(outs, t_outs))
    for a, b in zip(outs, t_outs):
        assert all(close(x, y) for x, y in zip(a, b)), (a, b)
    for a, b in zip(in_grads, t_in_grads):
        assert all(close(x, y) for x, y in zip(a, b)), (a, b)
    lins = linears(torch, module)
    neurons = layer_neurons(model)
    assert len(lins) == len(neurons)
    for i, (lin, layer) in enumerate(zip(lins, neurons)):
        assert tuple(lin.weight.shape) == (len(layer), len(layer[0].w))
        for j, neuron in enumerate(layer):
            for k, w in enumerate(neuron.w):
                assert bits(lin.weight[j, k].item()) == bits(w.data), f"layer {i} w[{j}, {k}]"
                assert close(w.grad, lin.weight.grad[j, k].item()), f"layer {i} dw[{j}, {k}]"
            assert bits(lin.bias[j].item()) == bits(neuron.b.data), f"layer {i} b[{j}]"
            assert close(neuron.b.grad, lin.bias.grad[j].item()), f"layer {i} db[{j}]"


# -- PyTorch is optional ---------------------------------------------------------------------------


def test_importing_nn_does_not_import_torch_and_a_conversion_does():
    script = (
        "import sys, autograd, nn, nn.torch_bridge\n"
        "nn.torch_bridge.torch_keys(nn.MLP(2, [3, 1]))\n"
        "print('torch' in sys.modules)\n"
        "try:\n"
        "    nn.MLP(2, [3, 1]).to_torch()\n"
        "except ImportError:\n"
        "    pass\n"
        "print('torch' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    before, after = out.split()
    assert before == "False"
    try:
        import torch  # noqa: F401
    except ImportError:
        return
    assert after == "True"


def test_without_torch_every_conversion_names_the_install_command(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` now raises ModuleNotFoundError
    calls = [
        nn.Neuron(2).to_torch,
        nn.Layer(2, 3).to_torch,
        nn.MLP(2, [3, 1]).to_torch,
        lambda: nn.MLP.from_torch(object()),  # type: ignore[arg-type]
    ]
    for call in calls:
        with pytest.raises(ImportError, match=r"needs PyTorch, which is not installed: pip install torch") as caught:
            call()
        assert caught.value.name == "torch"


# -- to_torch -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("model", MODELS, ids=MODEL_IDS)
def test_mlp_to_torch_gives_the_same_outputs_and_gradients(torch, model):
    module = model.to_torch()
    assert isinstance(module, torch.nn.Sequential)
    assert all(p.dtype == torch.float64 and p.requires_grad for p in module.parameters())
    assert_same_function(torch, model, module, batch(model.nin, seed=len(model.parameters())))


@pytest.mark.parametrize("activation", ACTS)
@pytest.mark.parametrize("fused", [True, False])
def test_neuron_and_layer_to_torch(torch, activation, fused):
    torch_class = {"relu": torch.nn.ReLU, "tanh": torch.nn.Tanh, "sigmoid": torch.nn.Sigmoid, "linear": None}
    after = [] if torch_class[activation] is None else [torch_class[activation]]
    neuron = nn.Neuron(3, activation, rng=random.Random(5), fused=fused)
    layer = nn.Layer(3, 4, activation, rng=random.Random(6), fused=fused)
    for model, nout in ((neuron, 1), (layer, 4)):
        module = model.to_torch()
        assert [type(m) for m in module] == [torch.nn.Linear, *after]
        assert (module[0].in_features, module[0].out_features) == (3, nout)
        assert list(module.state_dict()) == ["0.weight", "0.bias"]
        assert_same_function(torch, model, module, batch(3, n=5, seed=nout))


def test_state_dict_keys_are_pytorchs_usual_ones(torch):
    demo = nn.MLP(2, [16, 16, 1]).to_torch()  # relu between, linear out: no module after the last Linear
    assert [type(m).__name__ for m in demo] == ["Linear", "ReLU", "Linear", "ReLU", "Linear"]
    assert list(demo.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"]
    shapes = {k: tuple(v.shape) for k, v in demo.state_dict().items()}
    assert shapes == {
        "0.weight": (16, 2),
        "0.bias": (16,),
        "2.weight": (16, 16),
        "2.bias": (16,),
        "4.weight": (1, 16),
        "4.bias": (1,),
    }
    squashed = nn.MLP(3, [4, 2], activation="tanh", output_activation="sigmoid").to_torch()
    assert [type(m).__name__ for m in squashed] == ["Linear", "Tanh", "Linear", "Sigmoid"]
    assert list(squashed.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    deep_linear = nn.MLP(3, [4, 4, 2], activation="linear").to_torch()  # linear: no module, the next index
    assert list(deep_linear.state_dict()) == ["0.weight", "0.bias", "1.weight", "1.bias", "2.weight", "2.bias"]


@pytest.mark.parametrize(
    "model",
    [*FIXED, nn.Neuron(3, "tanh"), nn.Layer(2, 3, "linear")],
    ids=[f"fixed{i}" for i in range(len(FIXED))] + ["neuron", "layer"],
)
def test_torch_keys_name_where_each_parameter_went(torch, model):
    state = model.to_torch().state_dict()
    keys = torch_keys(model)
    assert list(keys) == [name for name, _ in model.named_parameters()]
    assert {key for key, _ in keys.values()} == set(state)
    for name, p in model.named_parameters():
        key, index = keys[name]
        assert bits(state[key][index].item()) == bits(p.data), name
    assert len(set(keys.values())) == len(keys)  # one to one


def test_to_torch_copies_values_not_gradients_and_draws_no_random_numbers(torch):
    model = nn.MLP(2, [3, 1], rng=random.Random(0))
    for p in model.parameters():
        p.grad = 1.5
    before, python_state, torch_state = model.state_dict(), random.getstate(), torch.get_rng_state()
    module = model.to_torch()
    assert random.getstate() == python_state and torch.equal(torch.get_rng_state(), torch_state)
    assert all(p.grad is None for p in module.parameters())
    with torch.no_grad():  # a step in PyTorch leaves the chaingrad model as it was
        for p in module.parameters():
            p.add_(1.0)
    assert model.state_dict() == before
    model.parameters()[0].data = 99.0  # and the other way round
    assert 99.0 not in module.state_dict()["0.weight"].flatten().tolist()


# -- from_torch -----------------------------------------------------------------------------------------


def torch_sequential(torch: Any, seed: int) -> Any:
    """A random Sequential laid out as from_torch accepts it: Identity here and there, any output activation."""
    rng = random.Random(seed)
    torch.manual_seed(seed)
    sizes = [rng.randint(1, 5)] + [rng.randint(1, 6) for _ in range(rng.randint(1, 3))]
    hidden = rng.choice([torch.nn.ReLU, torch.nn.Tanh, torch.nn.Sigmoid, torch.nn.Identity, None])
    out = rng.choice([torch.nn.ReLU, torch.nn.Tanh, torch.nn.Sigmoid, torch.nn.Identity, None])
    modules: list[Any] = []
    for i, (a, b) in enumerate(zip(sizes, sizes[1:])):
        modules.append(torch.nn.Linear(a, b, dtype=torch.float64))
        act = out if i == len(sizes) - 2 else hidden
        if act is not None:
            modules.append(act())
    return torch.nn.Sequential(*modules)


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("fused", [True, False])
def test_from_torch_gives_the_same_outputs_and_gradients(torch, seed, fused):
    module = torch_sequential(torch, seed)
    model = nn.MLP.from_torch(module, fused=fused)
    assert model.fused is fused
    assert_same_function(torch, model, module, batch(module[0].in_features, seed=seed))


def test_from_torch_reads_activations_and_sizes(torch):
    module = torch.nn.Sequential(
        torch.nn.Linear(3, 8),
        torch.nn.Tanh(),
        torch.nn.Identity(),
        torch.nn.Linear(8, 8),
        torch.nn.Tanh(),
        torch.nn.Linear(8, 2),
        torch.nn.Sigmoid(),
    )
    model = nn.MLP.from_torch(module)
    assert model.config() == {
        "nin": 3,
        "nouts": [8, 8, 2],
        "activation": "tanh",
        "output_activation": "sigmoid",
        "fused": True,
    }
    linear_out = nn.MLP.from_torch(torch.nn.Sequential(torch.nn.Linear(2, 4), torch.nn.ReLU(), torch.nn.Linear(4, 1)))
    assert (linear_out.activation, linear_out.output_activation) == ("relu", "linear")
    identity_out = nn.MLP.from_torch(torch.nn.Sequential(torch.nn.Linear(2, 1), torch.nn.Identity()))
    assert identity_out.output_activation == "linear"


@pytest.mark.parametrize("model", MODELS, ids=MODEL_IDS)
def test_round_trip_keeps_every_weight_bit_for_bit(torch, model):
    back = nn.MLP.from_torch(model.to_torch(), fused=model.fused)
    assert back.config() == model.config() or len(model.layers) == 1  # one layer: no hidden activation to keep
    assert [bits(p.data) for p in back.parameters()] == [bits(p.data) for p in model.parameters()]
    assert list(back.state_dict()) == list(model.state_dict())
    assert back.parameter_labels() == model.parameter_labels()  # L1.n1.w1, ...: labelled as any MLP
    again = back.to_torch().state_dict()
    first = model.to_torch().state_dict()
    assert list(again) == list(first) and all(torch.equal(again[k], first[k]) for k in first)


def test_round_trip_from_torch_side_is_bit_for_bit(torch):
    module = torch_sequential(torch, 3)
    again = nn.MLP.from_torch(module).to_torch()
    assert [type(m) for m in again if type(m) is not torch.nn.Identity] == [
        type(m) for m in module if type(m) is not torch.nn.Identity
    ]
    assert all(torch.equal(a, b) for a, b in zip(again.parameters(), module.parameters()))


def test_from_torch_takes_a_float32_module_exactly_as_float64(torch):
    torch.manual_seed(0)
    module = torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.ReLU(), torch.nn.Linear(5, 2))
    assert module[0].weight.dtype == torch.float32
    model = nn.MLP.from_torch(module)
    doubled = module.double()  # exact: every float32 is a float64
    back = model.to_torch().state_dict()
    assert all(torch.equal(back[k], v) for k, v in doubled.state_dict().items())
    assert_same_function(torch, model, doubled, batch(3))
    half = torch.nn.Sequential(torch.nn.Linear(2, 2, dtype=torch.bfloat16))
    assert nn.MLP.from_torch(half).layers[0].neurons[1].w[0].data == half[0].weight[1, 0].item()


def test_from_torch_copies_values_and_draws_no_random_numbers(torch):
    module = torch_sequential(torch, 5)
    python_state = random.getstate()
    model = nn.MLP.from_torch(module)
    assert random.getstate() == python_state
    with torch.no_grad():
        module[0].weight.add_(1.0)
    assert model.layers[0].neurons[0].w[0].data != module[0].weight[0, 0].item()
    assert all(p.grad == 0.0 for p in model.parameters())


def unconvertible(torch: Any) -> list[tuple[str, Callable[[], Any], type[Exception], str]]:
    """(name, a function making the module, the error, a pattern its message matches) per case."""
    S, L, R = torch.nn.Sequential, torch.nn.Linear, torch.nn.ReLU

    class ScaledLinear(L):  # type: ignore[misc, valid-type]
        def forward(self, x: Any) -> Any:
            return 2 * super().forward(x)

    def nan() -> Any:
        linear = L(2, 2)
        with torch.no_grad():
            linear.weight[1, 0] = float("nan")
        return linear

    return [
        ("conv1d", lambda: S(L(4, 4), R(), torch.nn.Conv1d(1, 1, 3)), TypeError, r"layer 2 \(Conv1d\)"),
        (
            "dropout",
            lambda: S(L(2, 3), torch.nn.Dropout(0.1), L(3, 1)),
            TypeError,
            r"layer 1 \(Dropout\).*Linear, ReLU, Sigmoid, Tanh, Identity.*leave it out",
        ),
        ("gelu", lambda: S(L(2, 3), torch.nn.GELU()), TypeError, r"layer 1 \(GELU\)"),
        (
            "shapes",
            lambda: S(L(3, 4), R(), L(5, 1)),
            ValueError,
            r"layer 2 \(Linear\): it takes 5 inputs but layer 0 \(Linear\) gives 4",
        ),
        ("no bias", lambda: S(L(2, 3, bias=False)), ValueError, r"layer 0 \(Linear\): it has no bias"),
        ("activation first", lambda: S(R(), L(2, 1)), ValueError, r"layer 0 \(ReLU\): an activation before"),
        (
            "two activations",
            lambda: S(L(2, 3), R(), torch.nn.Tanh(), L(3, 1)),
            ValueError,
            r"layer 2 \(Tanh\): layer 0 \(Linear\) is already followed by layer 1 \(ReLU\)",
        ),
        (
            "mixed hidden",
            lambda: S(L(2, 3), R(), L(3, 3), torch.nn.Tanh(), L(3, 1)),
            ValueError,
            r"layer 3 \(Tanh\): the hidden layers of an nn.MLP share one activation",
        ),
        (
            "hidden without",
            lambda: S(L(2, 3), R(), L(3, 3), L(3, 1)),
            ValueError,
            r"layer 2 \(Linear\): the hidden layers .* layer 2 \(Linear\) followed by no activation is linear",
        ),
        ("nested", lambda: S(S(L(2, 2))), TypeError, r"layer 0 \(Sequential\)"),
        ("subclass", lambda: S(ScaledLinear(2, 2)), TypeError, r"layer 0 \(ScaledLinear\)"),
        ("nan", lambda: S(nan()), ValueError, r"layer 0 \(Linear\): weight\[1, 0\] is nan"),
        ("meta", lambda: S(L(2, 2, device="meta")), ValueError, r"layer 0 \(Linear\).*meta device"),
        ("empty", lambda: S(), ValueError, r"no Linear layer"),
        ("only identity", lambda: S(torch.nn.Identity()), ValueError, r"no Linear layer"),
        ("zero outputs", lambda: S(L(2, 0)), ValueError, r"layer 0 \(Linear\).*0 outputs"),
        ("bare linear", lambda: L(2, 1), TypeError, r"expects a torch.nn.Sequential, got Linear; wrap it"),
        ("not a module", lambda: [L(2, 1)], TypeError, r"expects a torch.nn.Sequential, got list"),
    ]


CASES = [
    "conv1d",
    "dropout",
    "gelu",
    "shapes",
    "no bias",
    "activation first",
    "two activations",
    "mixed hidden",
    "hidden without",
    "nested",
    "subclass",
    "nan",
    "meta",
    "empty",
    "only identity",
    "zero outputs",
    "bare linear",
    "not a module",
]


@pytest.mark.parametrize("case", CASES)
def test_from_torch_names_the_layer_it_cannot_convert(torch, case):
    cases = {name: rest for name, *rest in unconvertible(torch)}
    assert list(cases) == CASES
    make, error, message = cases[case]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Linear(2, 0) warns that initialising nothing does nothing
        module = make()
    with pytest.raises(error, match=message):
        nn.MLP.from_torch(module)
