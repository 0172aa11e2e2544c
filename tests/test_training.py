"""End to end: an MLP learns make_moons with hinge loss, L2 and SGD; plus the data set itself."""

from __future__ import annotations

import math
import random

import pytest

from nn import MLP, SGD, hinge
from nn.data import make_moons


def test_make_moons_shape_labels_balance_and_reproducibility():
    X, y = make_moons(100, seed=3)
    assert len(X) == len(y) == 100
    assert all(len(p) == 2 and all(isinstance(c, float) and math.isfinite(c) for c in p) for p in X)
    assert set(y) == {1, -1} and y.count(1) == y.count(-1) == 50
    assert make_moons(100, seed=3) == (X, y)
    assert make_moons(100, seed=4)[0] != X


def test_make_moons_without_noise_lies_on_the_two_half_circles():
    X, y = make_moons(40, noise=0.0, seed=0)
    for (a, b), label in zip(X, y):
        if label == 1:
            assert math.isclose(a * a + b * b, 1.0, rel_tol=1e-12) and b >= 0
        else:
            assert math.isclose((a - 1) ** 2 + (b - 0.5) ** 2, 1.0, rel_tol=1e-12) and b <= 0.5


@pytest.mark.parametrize("n, noise", [(1, 0.1), (True, 0.1), (2.5, 0.1), (10, -0.1), (10, float("nan"))])
def test_make_moons_refuses_bad_arguments(n, noise):
    with pytest.raises(ValueError):
        make_moons(n, noise=noise)


def accuracy(scores, labels) -> float:
    return sum((s.data > 0) == (t > 0) for s, t in zip(scores, labels)) / len(labels)


def train_until(seed: int, target: float = 0.95, max_steps: int = 100):
    """Full-batch SGD with momentum and a decaying rate on hinge loss + 1e-4 * L2."""
    X, y = make_moons(100, seed=seed)
    model = MLP(2, [16, 16, 1], rng=random.Random(seed))
    params = model.parameters()
    lr = 0.5
    opt = SGD(params, lr=lr, momentum=0.9)
    losses = []
    for step in range(max_steps):
        scores = [model(x) for x in X]
        acc = accuracy(scores, y)
        if acc >= target:
            return step, acc, losses
        loss = hinge(scores, y) + 1e-4 * sum(p * p for p in params)
        losses.append(loss.data)
        opt.zero_grad()
        loss.backward()
        opt.lr = lr * (1.0 - 0.9 * step / max_steps)
        opt.step()
    return max_steps, acc, losses


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1])
def test_mlp_learns_moons_to_95_percent_accuracy_with_hinge_loss_and_sgd(seed):
    steps, acc, losses = train_until(seed)
    assert acc >= 0.95, f"only {acc:.0%} after {steps} steps"
    assert steps < 100
    assert losses[-1] < losses[0]
