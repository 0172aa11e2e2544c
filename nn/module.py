"""Neural-network building blocks on top of `Value`: Module, Neuron, Layer and MLP.

Every parameter is labelled, so drawings, `explain` and `check_derivation` name it. The labels
are short forms of the `state_dict` keys, with 1-based numbers as the derivations write them
(layer l, neuron j, weight k: w_jk of layer l):

==============  ==========================  ==============
module          state_dict key              label
==============  ==========================  ==============
MLP             ``layers.0.neurons.2.w.1``  ``L1.n3.w2``
MLP             ``layers.0.neurons.2.b``    ``L1.n3.b``
Layer (alone)   ``neurons.2.w.1``           ``n3.w2``
Neuron (alone)  ``w.1``, ``b``              ``w2``, ``b``
==============  ==========================  ==============

`Module.parameter_labels()` gives the mapping key -> label; it is one to one. A module inside a
bigger one is labelled as part of it (the neurons of an MLP's first layer are ``L1.n1``,
``L1.n2``, ...). A call labels the nodes it creates the same way: a neuron's pre-activation
``L1.n3.z`` and its activation ``L1.n3.a`` (a linear neuron's output is its ``z``); the inputs
are left as they are. Labels only name things: they change no number.

Inside ``with autograd.no_grad():`` (see `autograd.grad_mode`) a call records nothing: it runs the
same sums and activations on plain floats, the numbers the recorded forward gives bit for bit,
and returns new leaf Values holding them (unlabelled, with no graph behind them). The flag is
read once per call of a Neuron, Layer or MLP, not per operation.

``model.to_torch()`` hands a Neuron, Layer or MLP to PyTorch (a float64 ``torch.nn.Sequential``
of ``Linear`` layers and activations) and ``MLP.from_torch(module)`` takes one back; both live in
`nn.torch_bridge`, which imports PyTorch only when they are called.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from autograd import Value, dot
from autograd.grad_mode import is_grad_enabled
from autograd.numbers import as_number, finite_number
from autograd.rules import RULES

if TYPE_CHECKING:  # PyTorch is optional: imported only by nn.torch_bridge, when a conversion runs
    import torch

__all__ = ["Module", "Neuron", "Layer", "MLP", "ACTIVATIONS"]

Input = Value | int | float

#: The activation functions a Neuron can apply to its weighted sum, by name.
ACTIVATIONS: dict[str, Callable[[Value], Value] | None] = {
    "relu": Value.relu,
    "sigmoid": Value.sigmoid,
    "tanh": Value.tanh,
    "linear": None,
}

#: The same activations on plain floats, for `no_grad`: each rule's own forward from the table,
#: so the numbers are the ones the recorded nodes hold. An activation added to ACTIVATIONS that
#: is not here is applied to a leaf Value and read back (correct, only slower).
_ON_FLOATS: dict[Callable[[Value], Value], Callable[[float], float]] = {
    Value.relu: RULES["relu"].forward,
    Value.sigmoid: RULES["sigmoid"].forward,
    Value.tanh: RULES["tanh"].forward,
}
_INF = float("inf")
_NEG_INF = -_INF


def _check_activation(name: object) -> str:
    # Membership first, so an unhashable name still fails there; the keys are all str.
    if name not in ACTIVATIONS or not isinstance(name, str):
        valid = ", ".join(repr(k) for k in ACTIVATIONS)
        raise ValueError(f"unknown activation {name!r}; valid activations are {valid}")
    return name


def _check_size(n: object, what: str) -> int:
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"{what} must be an int, got {type(n).__name__}: {n!r}")
    if n < 1:
        raise ValueError(f"{what} must be >= 1, got {n}")
    return n


def _check_inputs(kind: str, x: Sequence[Input], nin: int) -> None:
    if isinstance(x, (Value, int, float)) or len(x) != nin:
        got = len(x) if hasattr(x, "__len__") else f"a {type(x).__name__}"
        raise ValueError(f"{kind} expects a sequence of {nin} inputs, got {got}")


def _input_floats(x: Sequence[Input], kind: str) -> list[float]:
    """The inputs' numbers, for a forward without a graph; a non-number or inf/nan is refused, as recording does."""
    return [xi.data if type(xi) is Value else finite_number(xi, f"{kind} input") for xi in x]


def _forward_floats(neurons: list[Neuron], x: list[float], activation: str) -> list[float]:
    """Each neuron's activation on plain floats: no node, the numbers the recorded forward gives.

    The sum is b + w1*x1 + w2*x2 + ..., left to right, as the `dot` node (and the unfused
    chain) adds it, so every bit agrees. An overflow is an OverflowError, as when recording.
    """
    act = ACTIVATIONS[activation]
    on_floats = None if act is None else _ON_FLOATS.get(act) or (lambda z: act(Value(z)).data)
    out = []
    for n in neurons:
        z = n.b.data
        for w, xi in zip(n.w, x):
            z += w.data * xi
        if not _NEG_INF < z < _INF:
            raise OverflowError(f"{n._z_label or 'z'}: the weighted sum overflows a float ({z!r}) in a no_grad forward")
        out.append(z if on_floats is None else on_floats(z))
    return out


def _fused_repr(fused: bool) -> str:
    return "" if fused else ", fused=False"  # the repr shows what differs from the default


class Module:
    """Anything with parameters: lists them, zeroes their gradients, saves and restores them."""

    def named_parameters(self) -> list[tuple[str, Value]]:
        """Every parameter with a dotted name, in a fixed order (as PyTorch names them)."""
        return []

    def parameters(self) -> list[Value]:
        """Every parameter, in the order of `named_parameters`."""
        return [p for _, p in self.named_parameters()]

    def zero_grad(self) -> None:
        """Set every parameter's gradient to 0 before the next backward pass."""
        for p in self.parameters():
            p.grad = 0.0

    def config(self) -> dict[str, Any]:
        """The constructor arguments that rebuild this module's shape (used by `nn.save`)."""
        return {}

    def parameter_labels(self) -> dict[str, str]:
        """Each parameter's label by its `state_dict` key, e.g. ``{"layers.0.neurons.2.w.1": "L1.n3.w2"}``.

        One to one: the labels are as distinct as the keys (see the table in `nn.module`).
        """
        return {name: p.label for name, p in self.named_parameters()}

    def state_dict(self) -> dict[str, float]:
        """Parameter values by name, as plain floats."""
        return {name: p.data for name, p in self.named_parameters()}

    def load_state_dict(self, state: Mapping[str, object]) -> None:
        """Copy values into the parameters; on any error nothing is changed.

        Only `.data` is copied: the parameters keep their labels (and their gradients).
        The names must match `state_dict()` exactly, and every value must be a finite real number.
        """
        if not isinstance(state, Mapping):
            raise TypeError(f"state must be a mapping of names to numbers, got {type(state).__name__}")
        named = self.named_parameters()
        expected = [name for name, _ in named]
        missing = [k for k in expected if k not in state]
        known = set(expected)
        unexpected = [k for k in state if k not in known]
        if missing or unexpected:
            raise ValueError(
                f"state does not match {type(self).__name__} with {len(expected)} parameters: "
                f"missing {missing[:5]}{'...' if len(missing) > 5 else ''}, "
                f"unexpected {unexpected[:5]}{'...' if len(unexpected) > 5 else ''}"
            )
        values = []
        for name in expected:
            try:
                x = as_number(state[name], f"state[{name!r}]")
            except TypeError as e:
                raise ValueError(str(e)) from None
            if not math.isfinite(x):
                raise ValueError(f"state[{name!r}] must be finite, got {x!r}")
            values.append(x)
        for (_, p), x in zip(named, values):
            p.data = x

    def __call__(self, x: Sequence[Input]) -> Any:
        raise NotImplementedError(f"{type(self).__name__} does not define a forward pass")


class Neuron(Module):
    """a = activation(z), z = b + w1*x1 + ... + wn*xn, for `nin` inputs.

    By default (``fused=True``) z is ONE node, an `autograd.dot` of (b, w1, ..., wn) and
    (1, x1, ..., xn), as the derivations write it: a drawing shows one operation with an edge
    from b, w1, ..., wn (and from each input that is a Value), labelled with its local
    derivative (∂z/∂b = 1, ∂z/∂w_k = x_k, ∂z/∂x_k = w_k), and `explain` counts it as one factor.
    ``fused=False`` records every multiply and add, b + w1*x1 + w2*x2 + ..., summed in the same
    order: the same numbers, bit for bit, at about twice the time per training step.

    Labels: ``w1`` ... ``wn``, ``b``, and per call ``z`` and ``a``; inside a Layer or MLP they
    carry its prefix (``L1.n3.w2``).
    """

    def __init__(
        self,
        nin: int,
        activation: str = "relu",
        rng: random.Random | None = None,
        fused: bool = True,
    ) -> None:
        self.nin = _check_size(nin, "nin")
        self.activation = _check_activation(activation)
        self.fused = bool(fused)
        # The module-level functions of `random` follow random.seed(); an explicit rng isolates.
        uniform = rng.uniform if rng is not None else random.uniform
        # Uniform in +-1/sqrt(nin), as PyTorch's nn.Linear: sums start at a moderate scale.
        bound = 1.0 / math.sqrt(nin)
        self.w = [Value(uniform(-bound, bound)) for _ in range(nin)]
        self.b = Value(uniform(-bound, bound))
        self._name("")

    def _name(self, prefix: str) -> None:
        """Label the parameters prefix + w1, ..., prefix + b, and what each call makes prefix + z, + a."""
        for k, w in enumerate(self.w, 1):
            w.label = f"{prefix}w{k}"
        self.b.label = f"{prefix}b"
        self._z_label, self._a_label = f"{prefix}z", f"{prefix}a"

    def __call__(self, x: Sequence[Input]) -> Value:
        _check_inputs("Neuron", x, self.nin)
        if not is_grad_enabled():  # inside no_grad(): plain floats, a leaf out
            return Value(_forward_floats([self], _input_floats(x, "Neuron"), self.activation)[0])
        return self._record(x)

    def _record(self, x: Sequence[Input]) -> Value:
        """The forward that records the graph; `x` is already checked."""
        if self.fused:  # one node: b * 1.0 + w1 * x1 + w2 * x2 + ..., summed in that order
            z = dot((self.b, *self.w), (1.0, *x))
        else:
            z = self.b
            for wi, xi in zip(self.w, x):
                z = z + wi * xi
        z.label = self._z_label  # a new node (nin >= 1), never the parameter b
        act = ACTIVATIONS[self.activation]
        if act is None:
            return z
        a = act(z)
        a.label = self._a_label
        return a

    def named_parameters(self) -> list[tuple[str, Value]]:
        return [(f"w.{i}", w) for i, w in enumerate(self.w)] + [("b", self.b)]

    def parameters(self) -> list[Value]:  # named_parameters' order, without building the names
        return [*self.w, self.b]

    def config(self) -> dict[str, Any]:
        return {"nin": self.nin, "activation": self.activation, "fused": self.fused}

    def to_torch(self) -> torch.nn.Sequential:
        """This neuron in PyTorch, float64: ``Sequential(Linear(nin, 1), activation)`` (no activation
        module for linear), with copies of w and b; see `nn.torch_bridge`. Needs PyTorch."""
        from .torch_bridge import to_torch

        return to_torch(self)

    def __repr__(self) -> str:
        return f"Neuron(nin={self.nin}, activation={self.activation!r}{_fused_repr(self.fused)})"


class Layer(Module):
    """`nout` neurons reading the same `nin` inputs; always returns a list of `nout` Values.

    Labels: neuron j's parameters ``nj.w1`` ... ``nj.b``, and per call ``nj.z``, ``nj.a``
    (1-based); inside an MLP they carry its prefix (``L2.n3.w1``).
    """

    def __init__(
        self,
        nin: int,
        nout: int,
        activation: str = "relu",
        rng: random.Random | None = None,
        fused: bool = True,
    ) -> None:
        self.nin = _check_size(nin, "nin")
        self.nout = _check_size(nout, "nout")
        self.activation = _check_activation(activation)
        self.fused = bool(fused)
        self.neurons = [Neuron(nin, activation, rng, fused) for _ in range(nout)]
        self._name("")

    def _name(self, prefix: str) -> None:
        for j, neuron in enumerate(self.neurons, 1):
            neuron._name(f"{prefix}n{j}.")

    def __call__(self, x: Sequence[Input]) -> list[Value]:
        _check_inputs("Layer", x, self.nin)
        if not is_grad_enabled():  # inside no_grad(): plain floats, leaves out
            return [Value(a) for a in _forward_floats(self.neurons, _input_floats(x, "Layer"), self.activation)]
        return [n._record(x) for n in self.neurons]  # x is checked once here, not again per neuron

    def named_parameters(self) -> list[tuple[str, Value]]:
        return [(f"neurons.{i}.{name}", p) for i, n in enumerate(self.neurons) for name, p in n.named_parameters()]

    def parameters(self) -> list[Value]:
        return [p for n in self.neurons for p in n.parameters()]

    def config(self) -> dict[str, Any]:
        return {"nin": self.nin, "nout": self.nout, "activation": self.activation, "fused": self.fused}

    def to_torch(self) -> torch.nn.Sequential:
        """This layer in PyTorch, float64: ``Sequential(Linear(nin, nout), activation)`` (no activation
        module for linear); ``weight[j, k]`` is neuron j's w_k. See `nn.torch_bridge`. Needs PyTorch."""
        from .torch_bridge import to_torch

        return to_torch(self)

    def __repr__(self) -> str:
        return f"Layer(nin={self.nin}, nout={self.nout}, activation={self.activation!r}{_fused_repr(self.fused)})"


class MLP(Module):
    """Layers in sequence: `activation` between them, `output_activation` on the last one.

    Returns a single Value when the last layer has one neuron, else a list. Labels: layer l
    (1-based, as a^(l) in the derivations; the inputs are layer 0) is ``Ll``: its neuron j has
    ``Ll.nj.w1`` ... ``Ll.nj.b`` and makes ``Ll.nj.z``, ``Ll.nj.a`` on each call.
    """

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        activation: str = "relu",
        output_activation: str = "linear",
        rng: random.Random | None = None,
        fused: bool = True,
    ) -> None:
        self.nin = _check_size(nin, "nin")
        if isinstance(nouts, (int, str)) or not isinstance(nouts, Sequence) or not nouts:
            raise TypeError(f"nouts must be a non-empty list of layer sizes, got {nouts!r}")
        self.nouts = [_check_size(n, f"nouts[{i}]") for i, n in enumerate(nouts)]
        self.activation = _check_activation(activation)
        self.output_activation = _check_activation(output_activation)
        self.fused = bool(fused)
        sizes = [nin, *self.nouts]
        last = len(self.nouts) - 1
        self.layers = [
            Layer(sizes[i], sizes[i + 1], output_activation if i == last else activation, rng, fused)
            for i in range(len(self.nouts))
        ]
        self._name("")

    def _name(self, prefix: str) -> None:
        for i, layer in enumerate(self.layers, 1):
            layer._name(f"{prefix}L{i}.")

    def __call__(self, x: Sequence[Input]) -> Value | list[Value]:
        # A lone number goes through as it is, for the first Layer to refuse with its message.
        inputs: Sequence[Input] = x if isinstance(x, (Value, int, float)) else list(x)
        first, *rest = self.layers
        if not is_grad_enabled():  # inside no_grad(): plain floats through every layer, leaves out
            _check_inputs("Layer", inputs, first.nin)
            numbers = _input_floats(inputs, "MLP")
            for layer in self.layers:
                numbers = _forward_floats(layer.neurons, numbers, layer.activation)
            return Value(numbers[0]) if len(numbers) == 1 else [Value(a) for a in numbers]
        out = first(inputs)
        for layer in rest:
            out = layer(out)
        return out[0] if len(out) == 1 else out

    def named_parameters(self) -> list[tuple[str, Value]]:
        return [
            (f"layers.{i}.{name}", p) for i, layer in enumerate(self.layers) for name, p in layer.named_parameters()
        ]

    def parameters(self) -> list[Value]:
        return [p for layer in self.layers for p in layer.parameters()]

    def config(self) -> dict[str, Any]:
        return {
            "nin": self.nin,
            "nouts": list(self.nouts),
            "activation": self.activation,
            "output_activation": self.output_activation,
            "fused": self.fused,
        }

    def to_torch(self) -> torch.nn.Sequential:
        """This MLP in PyTorch, float64: a ``Sequential`` of ``Linear`` layers, each followed by its
        activation module (none for linear), so the keys are ``0.weight``, ``0.bias``, ``2.weight``, ...;
        outputs and gradients equal chaingrad's to float64 rounding. See `nn.torch_bridge`. Needs PyTorch."""
        from .torch_bridge import to_torch

        return to_torch(self)

    @classmethod
    def from_torch(cls, module: torch.nn.Module, fused: bool = True) -> MLP:
        """An MLP with the weights of a ``torch.nn.Sequential`` of ``Linear`` layers and ReLU, Sigmoid,
        Tanh or Identity modules (the reverse of `to_torch`); anything else is an error naming the layer
        by index and class. A float32 module's numbers are taken exactly, as float64. Needs PyTorch."""
        from .torch_bridge import from_torch

        return from_torch(module, fused=fused)

    def __repr__(self) -> str:
        layers = "\n".join(f"  {layer!r}" for layer in self.layers)
        return f"MLP(nin={self.nin}, nouts={self.nouts}) [\n{layers}\n]"
