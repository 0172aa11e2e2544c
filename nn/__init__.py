"""Neural networks on `autograd.Value`: modules, losses, optimizers and JSON persistence."""

from . import losses, optim
from .io import load, save
from .losses import bce, hinge, mse
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
    "SGD",
    "Adam",
    "save",
    "load",
]
