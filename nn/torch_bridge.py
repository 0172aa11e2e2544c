"""Hand a model to PyTorch and back: `to_torch` and `from_torch` (``model.to_torch()``, ``MLP.from_torch``).

PyTorch stays optional: it is imported inside these functions, never when `nn` is imported, and
when it is missing they raise an ImportError that says ``pip install torch``.

The layout is PyTorch's usual one. Layer l of an MLP becomes a ``torch.nn.Linear`` whose
``weight[j, k]`` is chaingrad's w_jk (``layers.l.neurons.j.w.k``, labelled ``L{l+1}.n{j+1}.w{k+1}``)
and whose ``bias[j]`` is neuron j's b, followed by its activation module (``ReLU``, ``Sigmoid``,
``Tanh``; none for ``linear``), all in one ``torch.nn.Sequential``::

    MLP(2, [16, 16, 1])    Sequential(Linear(2, 16), ReLU(), Linear(16, 16), ReLU(), Linear(16, 1))
    Layer(3, 4, "tanh")    Sequential(Linear(3, 4), Tanh())
    Neuron(3, "sigmoid")   Sequential(Linear(3, 1), Sigmoid())
    Neuron(3, "linear")    Sequential(Linear(3, 1))

so the state_dict keys are ``0.weight``, ``0.bias``, ``2.weight``, ... (each ``Linear`` takes an
index, and its activation module, if it has one, the next). `torch_keys` maps every chaingrad parameter to its place.
A PyTorch module takes a batch, a tensor of shape (n, nin), and returns (n, nout), where
chaingrad takes one sample at a time: a Neuron's one Value is column 0 of PyTorch's (n, 1).

The numbers are the same: each weight is copied as a float64 (chaingrad's floats), so outputs
and gradients agree to float64 rounding (PyTorch adds a neuron's products in its own order).
The activations follow the same conventions (relu'(0) = 0 in both). Only values are copied,
never gradients: PyTorch's ``.grad`` starts as None, chaingrad's as 0.

`from_torch` takes a ``Sequential`` of exactly these classes: ``Linear`` (with a bias), each
followed by at most one of ``ReLU``, ``Sigmoid``, ``Tanh`` (none, or ``Identity``, for linear);
``Identity`` may stand anywhere. The hidden layers share one activation, as in an `nn.MLP`.
Anything else (a ``Conv1d``, a ``Dropout``, a subclass of ``Linear`` whose forward may differ,
a nested ``Sequential``) is an error naming its index and class, and so are sizes that do not
chain. A float32 (or float16, bfloat16) module is accepted: every such number is a float64
exactly, so the chaingrad model holds the very numbers the module held (its outputs then agree
with the module's run in float64, not with the float32 module's own rounding).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .module import MLP, Layer, Neuron

if TYPE_CHECKING:
    import torch

__all__ = ["to_torch", "from_torch", "torch_keys", "INSTALL"]

#: How to get PyTorch: named by the error raised when it is missing.
INSTALL = "pip install torch"

#: chaingrad's activation name -> the name of the torch.nn class (linear has none).
_TORCH_ACTIVATIONS = {"relu": "ReLU", "sigmoid": "Sigmoid", "tanh": "Tanh"}


def _require_torch(what: str) -> None:
    """Import torch, for the caller to import it by name; missing, it is an ImportError naming the install command."""
    try:
        import torch  # noqa: F401
    except ModuleNotFoundError as error:
        if error.name != "torch":  # torch is there but something it needs is not
            raise ImportError(f"{what}: PyTorch is installed but failed to import: {error}") from error
        raise ImportError(f"{what} needs PyTorch, which is not installed: {INSTALL}", name="torch") from error


def _layers(model: Neuron | Layer | MLP) -> list[tuple[list[Neuron], str]]:
    """The model as (neurons, activation) per layer, first to last."""
    if isinstance(model, Neuron):
        return [([model], model.activation)]
    if isinstance(model, Layer):
        return [(model.neurons, model.activation)]
    if isinstance(model, MLP):
        return [(layer.neurons, layer.activation) for layer in model.layers]
    raise TypeError(f"to_torch: expected an nn.Neuron, nn.Layer or nn.MLP, got {type(model).__name__}")


def _torch_activation(activation: str) -> str | None:
    if activation == "linear":
        return None
    if activation not in _TORCH_ACTIVATIONS:
        known = ", ".join(repr(a) for a in [*_TORCH_ACTIVATIONS, "linear"])
        raise ValueError(f"to_torch: the activation {activation!r} has no PyTorch counterpart here; known: {known}")
    return _TORCH_ACTIVATIONS[activation]


def torch_keys(model: Neuron | Layer | MLP) -> dict[str, tuple[str, tuple[int, ...]]]:
    """Where `to_torch` puts each parameter: chaingrad's state_dict key -> (PyTorch's key, index).

    For an MLP with a ReLU after its first layer, ``"layers.1.neurons.0.w.3"`` is
    ``("2.weight", (0, 3))`` and ``"layers.1.neurons.0.b"`` is ``("2.bias", (0,))``. Needs no
    PyTorch: it is the layout, worked out from the model.
    """
    places: list[tuple[str, tuple[int, ...]]] = []  # in the order of named_parameters
    index = 0
    for neurons, activation in _layers(model):
        for j, neuron in enumerate(neurons):
            places += [(f"{index}.weight", (j, k)) for k in range(len(neuron.w))]
            places.append((f"{index}.bias", (j,)))
        index += 1 if _torch_activation(activation) is None else 2
    return {name: place for (name, _), place in zip(model.named_parameters(), places)}


def to_torch(model: Neuron | Layer | MLP) -> torch.nn.Sequential:
    """The model as a float64 ``torch.nn.Sequential`` of ``Linear`` layers and activations.

    A new module holding copies of the weights: training either one leaves the other as it is.
    Makes no draw from PyTorch's random generator (the layers are created without initialising).
    """
    _require_torch("to_torch")
    import torch

    modules: list[torch.nn.Module] = []
    for neurons, activation in _layers(model):
        act = _torch_activation(activation)
        # Made on the meta device, then given memory: no random initialisation to overwrite.
        linear = torch.nn.Linear(len(neurons[0].w), len(neurons), device="meta", dtype=torch.float64)
        linear = linear.to_empty(device="cpu")
        with torch.no_grad():
            linear.weight.copy_(torch.tensor([[w.data for w in n.w] for n in neurons], dtype=torch.float64))
            linear.bias.copy_(torch.tensor([n.b.data for n in neurons], dtype=torch.float64))
        modules.append(linear)
        if act is not None:
            modules.append(getattr(torch.nn, act)())
    return torch.nn.Sequential(*modules)


def _numbers(tensor: torch.Tensor, where: str, name: str) -> list[Any]:
    """A parameter's numbers as Python floats (nested lists), each exactly the float64 of the stored number."""
    if tensor.is_meta:
        raise ValueError(f"{where}: its {name} is on the meta device and holds no numbers")
    if not tensor.dtype.is_floating_point:
        raise TypeError(f"{where}: its {name} is {tensor.dtype}; only real floating-point parameters convert")
    import torch

    numbers: list[Any] = tensor.detach().to(device="cpu", dtype=torch.float64).tolist()
    flat = [x for row in numbers for x in row] if tensor.dim() == 2 else numbers
    bad = next((i for i, x in enumerate(flat) if not math.isfinite(x)), None)
    if bad is not None:
        at = f"[{bad // tensor.shape[1]}, {bad % tensor.shape[1]}]" if tensor.dim() == 2 else f"[{bad}]"
        raise ValueError(f"{where}: {name}{at} is {flat[bad]!r}; chaingrad's parameters are finite")
    return numbers


@dataclass
class _ReadLinear:
    """One Linear layer read from a Sequential, and the activation module after it (if any)."""

    where: str  # "layer 2 (Linear)", to name it in messages
    weight: list[list[float]]
    bias: list[float]
    activation: str = "linear"
    activation_where: str | None = None  # "layer 3 (ReLU)"

    def __str__(self) -> str:
        return f"{self.where} followed by {self.activation_where or 'no activation'} is {self.activation}"


def _read_linear(layer: torch.nn.Linear, here: str, before: _ReadLinear | None) -> _ReadLinear:
    if layer.bias is None:
        raise ValueError(f"cannot convert {here}: it has no bias (bias=False); every chaingrad neuron has one")
    if before is not None and layer.in_features != len(before.weight):
        raise ValueError(
            f"cannot convert {here}: it takes {layer.in_features} inputs but {before.where} "
            f"gives {len(before.weight)}; the sizes must chain"
        )
    if layer.in_features < 1 or layer.out_features < 1:
        raise ValueError(
            f"cannot convert {here}: it has {layer.in_features} inputs and {layer.out_features} outputs; "
            "a chaingrad layer has at least 1 of each"
        )
    return _ReadLinear(here, _numbers(layer.weight, here, "weight"), _numbers(layer.bias, here, "bias"))


def from_torch(module: torch.nn.Module, fused: bool = True) -> MLP:
    """An `nn.MLP` with the module's weights, from a ``Sequential`` of ``Linear`` and activations.

    The reverse of `to_torch`, and of any Sequential laid out the same way (see this module's
    docstring for what converts). The values are copied, not the gradients, and never shared.
    `fused` is the MLP's (one node per neuron, or a node per multiply and add).
    """
    _require_torch("MLP.from_torch")
    import torch

    if type(module) is not torch.nn.Sequential:
        hint = "; wrap it: torch.nn.Sequential(layer)" if isinstance(module, torch.nn.Module) else ""
        raise TypeError(f"from_torch expects a torch.nn.Sequential, got {type(module).__name__}{hint}")
    activations: dict[type[torch.nn.Module], str] = {
        torch.nn.ReLU: "relu",
        torch.nn.Sigmoid: "sigmoid",
        torch.nn.Tanh: "tanh",
    }
    read: list[_ReadLinear] = []
    for i, layer in enumerate(module):
        here = f"layer {i} ({type(layer).__name__})"
        if type(layer) is torch.nn.Identity:  # a no-op wherever it stands
            continue
        if type(layer) is torch.nn.Linear:  # exactly: a subclass may compute something else
            read.append(_read_linear(layer, here, read[-1] if read else None))
        elif type(layer) in activations:
            if not read:
                raise ValueError(f"cannot convert {here}: an activation before any Linear layer")
            if read[-1].activation_where is not None:
                raise ValueError(
                    f"cannot convert {here}: {read[-1].where} is already followed by {read[-1].activation_where}; "
                    "a chaingrad layer has one activation"
                )
            read[-1].activation, read[-1].activation_where = activations[type(layer)], here
        else:
            dropout = isinstance(layer, torch.nn.Dropout)
            hint = " (Dropout is the identity in eval mode: leave it out)" if dropout else ""
            raise TypeError(f"cannot convert {here}: chaingrad supports Linear, ReLU, Sigmoid, Tanh, Identity{hint}")
    if not read:
        raise ValueError("cannot convert a Sequential that has no Linear layer")
    *hidden, last = read
    for layer_read in hidden:
        if layer_read.activation != hidden[0].activation:
            raise ValueError(
                f"cannot convert {layer_read.activation_where or layer_read.where}: the hidden layers of an nn.MLP "
                f"share one activation, but {hidden[0]} and {layer_read}"
            )
    model = MLP(
        len(read[0].weight[0]),
        [len(r.weight) for r in read],
        activation=hidden[0].activation if hidden else "relu",
        output_activation=last.activation,
        rng=random.Random(0),  # not the global generator: every number is overwritten below
        fused=fused,
    )
    for mlp_layer, r in zip(model.layers, read):
        for neuron, row, b in zip(mlp_layer.neurons, r.weight, r.bias):
            for w, x in zip(neuron.w, row):
                w.data = x
            neuron.b.data = b
    return model
