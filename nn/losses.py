"""Loss functions: each returns the MEAN over samples as a single Value."""

from __future__ import annotations

import math
from collections.abc import Sequence

from autograd import Value
from autograd.numbers import as_number, finite_number

__all__ = ["mse", "bce", "hinge"]

Prediction = Value | float | int
Predictions = Prediction | Sequence[Prediction]
Targets = float | int | Sequence[float | int]


def _pairs(name: str, predictions: Predictions, targets: Targets) -> list[tuple[Prediction, float]]:
    """Match predictions with targets one to one; a single prediction pairs with a single target."""
    preds = [predictions] if isinstance(predictions, (Value, int, float)) else list(predictions)
    if isinstance(targets, (int, float)) and not isinstance(targets, bool):
        ys = [targets]
    elif isinstance(targets, (str, bytes)) or not isinstance(targets, Sequence):
        raise TypeError(f"{name}: targets must be numbers, got {type(targets).__name__}")
    else:
        ys = list(targets)
    if len(preds) != len(ys):
        raise ValueError(f"{name}: {len(preds)} predictions but {len(ys)} targets")
    if not preds:
        raise ValueError(f"{name}: no samples; the mean of nothing is undefined")
    return [(p, finite_number(y, f"{name} target")) for p, y in zip(preds, ys)]


def _mean(terms: list[Value]) -> Value:
    return sum(terms[1:], terms[0]) * (1.0 / len(terms))


def mse(predictions: Predictions, targets: Targets) -> Value:
    """Mean squared error: mean((p - y)^2), with no 1/2 in front.

    Always a Value, as bce and hinge are. When no prediction is a Value there is nothing to
    differentiate: the mean is computed on floats and returned as a leaf Value holding it.
    """
    pairs = _pairs("mse", predictions, targets)
    if any(isinstance(p, Value) for p, _ in pairs):
        return _mean([(_value(p, "mse prediction") - y) ** 2 for p, y in pairs])
    try:
        squares = [(finite_number(p, "mse prediction") - y) ** 2 for p, y in pairs]
        mean = sum(squares[1:], squares[0]) * (1.0 / len(squares))  # in _mean's order
    except OverflowError:
        mean = math.inf
    if mean == math.inf:  # finite inputs, so the only way to get here
        raise OverflowError(f"mse: the mean squared error of {len(pairs)} predictions overflows a float")
    return Value(mean)


def bce(predictions: Predictions, targets: Targets, eps: float = 1e-12) -> Value:
    """Binary cross-entropy of probabilities: mean(-y log p - (1 - y) log(1 - p)).

    A probability closer than `eps` to 0 or 1 is shifted (not cut) to that distance, so the log
    stays finite and the gradient still reaches the prediction.
    """
    terms = []
    for p, y in _pairs("bce", predictions, targets):
        if not 0.0 <= y <= 1.0:
            raise ValueError(f"bce: targets must lie in [0, 1], got {y!r}")
        p_data = p.data if isinstance(p, Value) else as_number(p, "bce prediction")
        if not 0.0 <= p_data <= 1.0:
            raise ValueError(f"bce: predictions must be probabilities in [0, 1], got {p_data!r}")
        if p_data < eps:
            p = p + (eps - p_data)
        elif p_data > 1.0 - eps:
            p = p - (p_data - (1.0 - eps))
        terms.append(-y * _log(p) - (1.0 - y) * _log(1.0 - p))
    return _mean(terms)


def hinge(scores: Predictions, targets: Targets) -> Value:
    """Max-margin loss for targets of +1/-1: mean(max(0, 1 - t * s)), micrograd's demo loss."""
    terms = []
    for s, t in _pairs("hinge", scores, targets):
        if t not in (1.0, -1.0):
            raise ValueError(f"hinge: targets must be +1 or -1, got {t!r}")
        margin = 1.0 - t * s
        terms.append(margin.relu() if isinstance(margin, Value) else Value(max(0.0, margin)))
    return _mean(terms)


def _value(p: Prediction, what: str) -> Value:
    return p if isinstance(p, Value) else Value(finite_number(p, what))


def _log(p: Prediction) -> Value:
    return p.log() if isinstance(p, Value) else Value(p).log()
