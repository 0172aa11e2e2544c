"""Loss functions: each returns the MEAN over samples as a single Value.

Regression and two classes: `mse`, `bce` (of probabilities), `bce_with_logits` (of scores),
`hinge`. Several classes: `softmax` and `cross_entropy`, from one logit per class.

Every loss is built from the engine's operations, so its gradient is the chain rule through
them; the forms are the stable ones PyTorch uses (log-sum-exp with the max subtracted, softplus
with exp only of numbers <= 0), finite for logits of any size. When no prediction is a Value,
or inside ``autograd.no_grad()``, a loss computes on the numbers (the same operations, so the
same bits) and returns a leaf Value holding the mean: no graph.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import overload

from autograd import Value
from autograd.grad_mode import is_grad_enabled
from autograd.numbers import as_number, finite_number
from autograd.rules import RULES

__all__ = ["mse", "bce", "hinge", "bce_with_logits", "softmax", "cross_entropy"]

Prediction = Value | float | int
Predictions = Prediction | Sequence[Prediction]
Targets = float | int | Sequence[float | int]
Logit = Value | float | int
Scalar = Value | float  # a loss's terms: Values while recording, floats without a graph

_INF = float("inf")
_NEG_INF = -_INF
_SOFTPLUS = RULES["softplus"].forward  # log(1 + e^x) on floats, stable for any x


def _pairs(name: str, predictions: Predictions, targets: Targets) -> list[tuple[Prediction, float]]:
    """Match predictions with targets one to one; a single prediction pairs with a single target.

    Inside no_grad() the predictions are replaced by their numbers, so the loss records nothing.
    """
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
    if not is_grad_enabled():
        preds = [p.data if isinstance(p, Value) else p for p in preds]
    return [(p, finite_number(y, f"{name} target")) for p, y in zip(preds, ys)]


def _mean(name: str, terms: list[Scalar]) -> Value:
    """The mean of the terms, added left to right; a leaf Value when no term is a Value."""
    mean = sum(terms[1:], terms[0]) * (1.0 / len(terms))
    if isinstance(mean, Value):
        return mean
    if not _NEG_INF < mean < _INF:  # finite terms, so the only way to get here
        raise OverflowError(f"{name}: the mean of {len(terms)} terms overflows a float")
    return Value(mean)


def mse(predictions: Predictions, targets: Targets) -> Value:
    """Mean squared error: mean((p - y)^2), with no 1/2 in front.

    Always a Value, as every loss is. When no prediction is a Value there is nothing to
    differentiate: the mean is computed on floats and returned as a leaf Value holding it.
    """
    pairs = _pairs("mse", predictions, targets)
    if any(isinstance(p, Value) for p, _ in pairs):
        return _mean("mse", [(_value(p, "mse prediction") - y) ** 2 for p, y in pairs])
    try:
        squares: list[Scalar] = [(finite_number(p, "mse prediction") - y) ** 2 for p, y in pairs]
    except OverflowError:  # float ** raises where Value's operators would name the operation
        raise OverflowError("mse: the square of a prediction's error overflows a float") from None
    return _mean("mse", squares)  # in the Value path's order, so the same bits


def bce(predictions: Predictions, targets: Targets, eps: float = 1e-12) -> Value:
    """Binary cross-entropy of probabilities: mean(-y log p - (1 - y) log(1 - p)).

    A probability closer than `eps` to 0 or 1 is shifted (not cut) to that distance, so the log
    stays finite and the gradient still reaches the prediction. From scores rather than
    probabilities, `bce_with_logits` is exact where this one has to shift.
    """
    terms: list[Scalar] = []
    for p, y in _pairs("bce", predictions, targets):
        if not 0.0 <= y <= 1.0:
            raise ValueError(f"bce: targets must lie in [0, 1], got {y!r}")
        p_data = p.data if isinstance(p, Value) else as_number(p, "bce prediction")
        if not 0.0 <= p_data <= 1.0:
            raise ValueError(f"bce: predictions must be probabilities in [0, 1], got {p_data!r}")
        q: Scalar = p if isinstance(p, Value) else p_data
        if p_data < eps:
            q = q + (eps - p_data)
        elif p_data > 1.0 - eps:
            q = q - (p_data - (1.0 - eps))
        terms.append(-y * _log(q) - (1.0 - y) * _log(1.0 - q))
    return _mean("bce", terms)


def hinge(scores: Predictions, targets: Targets) -> Value:
    """Max-margin loss for targets of +1/-1: mean(max(0, 1 - t * s)), micrograd's demo loss."""
    terms: list[Scalar] = []
    for s, t in _pairs("hinge", scores, targets):
        if t not in (1.0, -1.0):
            raise ValueError(f"hinge: targets must be +1 or -1, got {t!r}")
        margin = 1.0 - t * _scalar(s, "hinge score")
        terms.append(margin.relu() if isinstance(margin, Value) else margin if margin > 0.0 else 0.0)
    return _mean("hinge", terms)


def bce_with_logits(logits: Predictions, targets: Targets) -> Value:
    """Binary cross-entropy of sigmoid(x), from the score x: mean(softplus(x) - x y), targets y in [0, 1].

    The same loss as ``bce([x.sigmoid() ...], targets)`` without going through a probability:
    -y log sigmoid(x) - (1 - y) log(1 - sigmoid(x)) = softplus(x) - x y, and the `softplus`
    rule computes log(1 + e^x) as max(x, 0) + log1p(e^-|x|), taking exp only of a number <= 0.
    So a logit of +-1000 gives a finite loss (1000 for a confident wrong answer, 0 for a right
    one) and the exact gradient sigmoid(x) - y (divided by the number of samples), where `bce`
    would have to shift a probability of exactly 0 or 1. Two nodes per sample besides the mean:
    softplus, and x y subtracted. PyTorch's ``binary_cross_entropy_with_logits``.
    """
    terms: list[Scalar] = []
    for x, y in _pairs("bce_with_logits", logits, targets):
        if not 0.0 <= y <= 1.0:
            raise ValueError(f"bce_with_logits: targets must lie in [0, 1], got {y!r}")
        z = _scalar(x, "bce_with_logits logit")
        terms.append(_softplus(z) - z * y)
    return _mean("bce_with_logits", terms)


def softmax(logits: Sequence[Logit]) -> list[Value]:
    """e^(z_j) / sum_k e^(z_k) for each logit z_j: probabilities that add up to 1.

    Computed as e^(z_j - m) / sum_k e^(z_k - m) with m the largest logit's number, so no exp
    overflows (logits of 1000 are fine, where e^1000 is not a float) and the sum is at least 1.
    m is a constant, not a node: softmax is unchanged when every logit moves by the same amount,
    so the gradients are exact without a path through the max. Values in, a Value per class out
    (leaf Values when no logit is a Value, or inside ``no_grad()``).
    """
    if isinstance(logits, (Value, int, float, str, bytes)) or not isinstance(logits, Sequence):
        raise TypeError(f"softmax: logits must be a sequence of Values or numbers, got {type(logits).__name__}")
    z = _logits("softmax", list(logits), "softmax logit")
    _, exps, total = _shifted_exps("softmax", z)
    return [_as_value(e / total) for e in exps]


@overload
def cross_entropy(logits_per_sample: Sequence[Sequence[Logit]], target_indices: Sequence[int]) -> Value: ...
@overload
def cross_entropy(logits_per_sample: Sequence[Logit], target_indices: int) -> Value: ...
def cross_entropy(logits_per_sample: object, target_indices: object) -> Value:
    """Mean over samples of -log softmax(z)[t]: one list of logits (one per class) and a class index per sample.

    Each sample's term is log(sum_k e^(z_k - m)) - (z_t - m), m its largest logit's number (see
    `softmax`): finite for logits of any size, and its gradient is softmax(z) - onehot(t),
    divided by the number of samples. PyTorch's ``cross_entropy`` with class indices. One sample
    may be passed alone: a list of logits and an int.

    The logits of an MLP with k outputs (a list of k Values per input) fit as they are:
    ``cross_entropy([model(x) for x in X], y)`` with y of ints in 0..k-1.
    """
    samples, targets = _samples(logits_per_sample, target_indices)
    terms: list[Scalar] = []
    for z, t in zip(samples, targets):
        shifted, _, total = _shifted_exps("cross_entropy", z)
        terms.append(_log(total) - shifted[t])
    return _mean("cross_entropy", terms)


# -- checking arguments -----------------------------------------------------------------------


def _samples(logits_per_sample: object, target_indices: object) -> tuple[list[list[Scalar]], list[int]]:
    """cross_entropy's arguments as lists of logits and class indices, each checked, naming what is wrong."""
    name = "cross_entropy"
    if isinstance(target_indices, numbers.Integral):  # one sample (a bool is refused below, by name)
        given: list[object] = [logits_per_sample]
        indices: list[object] = [target_indices]
    else:
        if isinstance(logits_per_sample, (str, bytes)) or not isinstance(logits_per_sample, Sequence):
            raise TypeError(f"{name}: logits_per_sample must be a sequence, got {type(logits_per_sample).__name__}")
        if isinstance(target_indices, (str, bytes)) or not isinstance(target_indices, Sequence):
            raise TypeError(f"{name}: target_indices must be a sequence, got {type(target_indices).__name__}")
        given, indices = list(logits_per_sample), list(target_indices)
    if len(given) != len(indices):
        raise ValueError(f"{name}: {len(given)} samples of logits but {len(indices)} target indices")
    if not given:
        raise ValueError(f"{name}: no samples; the mean of nothing is undefined")
    samples: list[list[Scalar]] = []
    targets: list[int] = []
    for i, (sample, t) in enumerate(zip(given, indices)):
        if isinstance(sample, (Value, int, float, str, bytes)) or not isinstance(sample, Sequence):
            raise TypeError(
                f"{name}: sample {i} must be a sequence of logits, one per class, got {type(sample).__name__}"
                " (a model with one output gives one score per sample: for two classes use bce_with_logits)"
            )
        z = _logits(name, list(sample), f"{name} logit [{i}]")
        if samples and len(z) != len(samples[0]):
            raise ValueError(f"{name}: sample {i} has {len(z)} logits but sample 0 has {len(samples[0])}")
        if isinstance(t, bool) or not isinstance(t, numbers.Integral):
            raise TypeError(f"{name}: target {i} must be a class index (an int), got {type(t).__name__}: {t!r}")
        index = int(t)
        if not 0 <= index < len(z):
            raise IndexError(
                f"{name}: target {i} is class {index}, but there are {len(z)} classes (indices 0 to {len(z) - 1})"
            )
        samples.append(z)
        targets.append(index)
    return samples, targets


def _logits(name: str, z: list[object], what: str) -> list[Scalar]:
    """Values stay (inside no_grad(), their numbers); numbers become floats; inf, nan, non-numbers, none: refused."""
    if not z:
        raise ValueError(f"{name}: no logits; softmax needs at least one class")
    if is_grad_enabled():
        return [x if isinstance(x, Value) else finite_number(x, f"{what}[{j}]") for j, x in enumerate(z)]
    return [x.data if isinstance(x, Value) else finite_number(x, f"{what}[{j}]") for j, x in enumerate(z)]


# -- the stable building blocks, on Values or on floats -----------------------------------------


def _shifted_exps(name: str, z: list[Scalar]) -> tuple[list[Scalar], list[Scalar], Scalar]:
    """(z_j - m, e^(z_j - m), and their sum) with m = the largest logit's number, a float constant.

    Every exp is of a number <= 0, so none overflows, and the max's own term is exactly 1, so
    the sum lies in [1, number of classes] and its log is finite.
    """
    numbers_ = [_data(x) for x in z]
    m, lo = max(numbers_), min(numbers_)
    if not lo - m > _NEG_INF:
        raise OverflowError(f"{name}: logits from {lo!r} to {m!r} are further apart than a float can hold")
    shifted = [x - m for x in z]
    exps = [_exp(s) for s in shifted]
    return shifted, exps, sum(exps[1:], exps[0])


def _softplus(x: Scalar) -> Scalar:
    return x.softplus() if isinstance(x, Value) else _SOFTPLUS(x)  # the softplus rule, on floats or as a node


def _exp(x: Scalar) -> Scalar:
    return x.exp() if isinstance(x, Value) else math.exp(x)  # math.exp is the exp rule's forward


def _log(x: Scalar) -> Scalar:
    return x.log() if isinstance(x, Value) else math.log(x)  # math.log is the log rule's forward (x > 0 here)


def _data(x: Scalar) -> float:
    return x.data if isinstance(x, Value) else x


def _as_value(x: Scalar) -> Value:
    return x if isinstance(x, Value) else Value(x)


def _scalar(p: Prediction, what: str) -> Scalar:
    """A Value stays itself; a number must be a finite real number."""
    return p if isinstance(p, Value) else finite_number(p, what)


def _value(p: Prediction, what: str) -> Value:
    return p if isinstance(p, Value) else Value(finite_number(p, what))
