"""Neural networks on `autograd.Value`: modules, losses, optimizers and JSON persistence."""

from . import losses, optim
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
