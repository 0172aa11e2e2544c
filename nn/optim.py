"""Optimizers that update parameters from their gradients: SGD (with momentum) and Adam."""

from __future__ import annotations

import math
from collections.abc import Iterable

from autograd import Value

__all__ = ["Optimizer", "SGD", "Adam"]


class Optimizer:
    """Holds the parameters to update; `step()` applies one update, `zero_grad()` clears grads."""

    def __init__(self, params: Iterable[Value], lr: float) -> None:
        self.params = list(params)
        for i, p in enumerate(self.params):
            if type(p) is not Value:
                raise TypeError(f"params[{i}] must be a Value, got {type(p).__name__}: {p!r}")
        if not self.params:
            raise ValueError("optimizer got an empty parameter list")
        if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not lr > 0:
            raise ValueError(f"lr must be a positive number, got {lr!r}")
        self.lr = float(lr)

    def zero_grad(self) -> None:
        """Set every parameter's gradient to 0."""
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        """Move every parameter once against its gradient."""
        raise NotImplementedError


class SGD(Optimizer):
    """Gradient descent: v = momentum * v + grad; p = p - lr * v (PyTorch's convention)."""

    def __init__(self, params: Iterable[Value], lr: float, momentum: float = 0.0) -> None:
        super().__init__(params, lr)
        if not 0.0 <= momentum < 1.0:
            raise ValueError(f"momentum must be in [0, 1), got {momentum!r}")
        self.momentum = float(momentum)
        self.velocity = [0.0] * len(self.params)

    def step(self) -> None:
        for i, p in enumerate(self.params):
            v = self.momentum * self.velocity[i] + p.grad
            self.velocity[i] = v
            p.data -= self.lr * v

    def __repr__(self) -> str:
        return f"SGD({len(self.params)} parameters, lr={self.lr}, momentum={self.momentum})"


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015) with bias-corrected first and second moment estimates."""

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
    ) -> None:
        super().__init__(params, lr)
        beta1, beta2 = betas
        if not (0.0 <= beta1 < 1.0 and 0.0 <= beta2 < 1.0):
            raise ValueError(f"betas must each be in [0, 1), got {betas!r}")
        if not eps > 0:
            raise ValueError(f"eps must be > 0, got {eps!r}")
        self.beta1, self.beta2, self.eps = float(beta1), float(beta2), float(eps)
        self.m = [0.0] * len(self.params)
        self.v = [0.0] * len(self.params)
        self.t = 0

    def step(self) -> None:
        self.t += 1
        b1, b2 = self.beta1, self.beta2
        correction1 = 1.0 - b1**self.t
        correction2 = 1.0 - b2**self.t
        for i, p in enumerate(self.params):
            g = p.grad
            self.m[i] = b1 * self.m[i] + (1.0 - b1) * g
            self.v[i] = b2 * self.v[i] + (1.0 - b2) * g * g
            m_hat = self.m[i] / correction1
            v_hat = self.v[i] / correction2
            p.data -= self.lr * m_hat / (math.sqrt(v_hat) + self.eps)

    def __repr__(self) -> str:
        return f"Adam({len(self.params)} parameters, lr={self.lr}, betas=({self.beta1}, {self.beta2}))"
