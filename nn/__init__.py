"""Neural networks on `autograd.Value`: modules, losses, optimizers, JSON persistence, and the hand-off to PyTorch.

`nn.torch_bridge` (``model.to_torch()``, ``nn.MLP.from_torch``) imports PyTorch only when a conversion runs.
"""

from . import losses, optim, torch_bridge
from .io import load, save
from .losses import bce, bce_with_logits, cross_entropy, hinge, mse, softmax
from .module import ACTIVATIONS, MLP, Layer, Module, Neuron
from .optim import SGD, Adam

__all__ = [
    "Module",
    "Neuron",
    "Layer",
    "MLP",
    "ACTIVATIONS",
    "losses",
    "optim",
    "torch_bridge",
    "mse",
    "bce",
    "hinge",
    "bce_with_logits",
    "softmax",
    "cross_entropy",
    "SGD",
    "Adam",
    "save",
    "load",
]
