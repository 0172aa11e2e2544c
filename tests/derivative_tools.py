"""Derivatives of every order at a point, from the engine and from PyTorch, for the higher-order tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gradtools import torch_or_skip

from autograd import Value, grad


def engine_derivatives(f: Callable[[Value], Value], x0: float, order: int = 3) -> list[float]:
    """[f(x0), f'(x0), ..., f^(order)(x0)] by differentiating with grad(create_graph=True) again and again."""
    x = Value(x0)
    y = f(x)
    found = [y.data]
    for _ in range(order):
        (y,) = grad(y, x, create_graph=True)
        found.append(y.data)
    return found


def torch_derivatives(f: Callable[[Any], Any], x0: float, order: int = 3) -> list[float]:
    """The same from PyTorch float64 (skips without torch); a constant derivative makes the rest 0."""
    torch = torch_or_skip()
    t = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
    y = f(t)
    found = [float(y.detach())]
    for _ in range(order):
        (y,) = torch.autograd.grad(y, t, create_graph=True, allow_unused=True)
        if y is None or not y.requires_grad:  # a constant derivative: every higher one is 0
            found += [0.0 if y is None else float(y.detach())] + [0.0] * (order - len(found))
            break
        found.append(float(y.detach()))
    return found[: order + 1]
