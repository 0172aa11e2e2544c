"""Optimizers that update parameters from their gradients: SGD (with momentum) and Adam."""

from __future__ import annotations

import math
from collections.abc import Iterable

from autograd import Value
from autograd.numbers import as_number

__all__ = ["Optimizer", "SGD", "Adam"]


def _setting(name: str, x: object, low: float, high: float = math.inf, *, above_low: bool = False) -> float:
    """A hyperparameter as a float in [low, high) ((low, high) if `above_low`), else TypeError / ValueError."""
    value = as_number(x, name)
    if not ((low < value if above_low else low <= value) and value < high):
        raise ValueError(f"{name} must be in {'(' if above_low else '['}{low:g}, {high:g}), got {x!r}")
    return value


class Optimizer:
    """Holds the parameters to update; `step()` applies one update, `zero_grad()` clears grads."""

    def __init__(self, params: Iterable[Value], lr: float) -> None:
        self.params = list(params)
        for i, p in enumerate(self.params):
            if type(p) is not Value:
                raise TypeError(f"params[{i}] must be a Value, got {type(p).__name__}: {p!r}")
        if not self.params:
            raise ValueError("optimizer got an empty parameter list")
        self.lr = _setting("lr", lr, 0.0, above_low=True)

    def zero_grad(self) -> None:
        """Set every parameter's gradient to 0."""
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        """Move every parameter once against its gradient."""
        raise NotImplementedError

    def _commit(self, new_data: list[float]) -> None:
        """Write the updated values, or none of them if any is not finite (say which)."""
        for i, x in enumerate(new_data):
            if not math.isfinite(x):
                p = self.params[i]
                raise OverflowError(
                    f"{type(self).__name__}.step: parameter {i} would become {x!r} "
                    f"(data {p.data!r}, grad {p.grad!r}); no parameter was changed"
                )
        for p, x in zip(self.params, new_data):
            p.data = x


class SGD(Optimizer):
    """Gradient descent: v = momentum * v + grad; p = p - lr * v (PyTorch's convention)."""

    def __init__(self, params: Iterable[Value], lr: float, momentum: float = 0.0) -> None:
        super().__init__(params, lr)
        self.momentum = _setting("momentum", momentum, 0.0, 1.0)
        self.velocity = [0.0] * len(self.params)

    def step(self) -> None:
        velocity = [self.momentum * v + p.grad for v, p in zip(self.velocity, self.params)]
        self._commit([p.data - self.lr * v for p, v in zip(self.params, velocity)])
        self.velocity = velocity

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
        if isinstance(betas, (str, bytes)) or not hasattr(betas, "__len__") or len(betas) != 2:
            raise TypeError(f"betas must be a pair of numbers, e.g. (0.9, 0.999), got {betas!r}")
        self.beta1 = _setting("betas[0]", betas[0], 0.0, 1.0)
        self.beta2 = _setting("betas[1]", betas[1], 0.0, 1.0)
        self.eps = _setting("eps", eps, 0.0, above_low=True)
        self.m = [0.0] * len(self.params)
        self.v = [0.0] * len(self.params)
        self.t = 0

    def step(self) -> None:
        t, b1, b2 = self.t + 1, self.beta1, self.beta2
        correction1 = 1.0 - b1**t
        correction2 = 1.0 - b2**t
        m = [b1 * old + (1.0 - b1) * p.grad for old, p in zip(self.m, self.params)]
        v = [b2 * old + (1.0 - b2) * p.grad * p.grad for old, p in zip(self.v, self.params)]
        self._commit(
            [
                p.data - self.lr * (m_i / correction1) / (math.sqrt(v_i / correction2) + self.eps)
                for p, m_i, v_i in zip(self.params, m, v)
            ]
        )
        self.t, self.m, self.v = t, m, v  # the state moves only with the parameters

    def __repr__(self) -> str:
        return f"Adam({len(self.params)} parameters, lr={self.lr}, betas=({self.beta1}, {self.beta2}))"
