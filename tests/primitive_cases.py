"""Every primitive, with constants on either side of the binary ones, as test cases.

Each case is one expression written once as a lambda: it runs on engine `Value`s, on the
plain-float stand-in `gradtools.R` and on torch tensors alike. `partials` is the hand-derived
derivative (plain math), and `points` lie inside the domain and away from kinks.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from gradtools import sigmoid


@dataclass(frozen=True)
class Case:
    name: str
    fn: Callable[..., object]
    points: tuple[tuple[float, ...], ...]
    partials: Callable[..., tuple[float, ...]]


BINARY_POINTS = ((1.5, -2.0), (-0.3, 0.7), (3.0, 4.0), (0.0, 2.5), (-7.25, -0.125))
POSITIVE_BASES = ((1.5, 2.3), (0.4, -1.2), (2.0, 0.0), (3.0, 0.5), (0.05, 3.0), (7.0, -2.5))
ANY = ((-2.5,), (-0.7,), (0.0,), (0.3,), (1.9,))
NONZERO = ((-2.5,), (-0.7,), (0.3,), (1.9,), (6.0,))
POSITIVE = ((0.001,), (0.3,), (1.0,), (2.7,), (1e6,))
AWAY_FROM_0 = ((-2.5,), (-0.7,), (-0.001,), (0.001,), (0.3,), (1.9,))
SATURATING = ANY + ((-800.0,), (-40.0,), (-21.0,), (21.0,), (40.0,), (800.0,))


def _is_tensor(x: object) -> bool:
    return type(x).__module__.startswith("torch")


# The new operations under their PyTorch spellings, so each case stays one lambda for Values,
# gradtools.R and tensors (a tensor has no .softplus(), and torch.maximum wants two tensors).
def softplus(x):
    """x.softplus(); on a tensor -logsigmoid(-x), exact where F.softplus returns x itself above 20."""
    if _is_tensor(x):
        import torch

        return -torch.nn.functional.logsigmoid(-x)
    return x.softplus()


def log_sigmoid(x):
    if _is_tensor(x):
        import torch

        return torch.nn.functional.logsigmoid(x)
    return x.log_sigmoid()


def maximum(x, y):
    """x.max(y); on tensors torch.maximum, a number y made a tensor (not clamp: its tie differs)."""
    if _is_tensor(x):
        import torch

        return torch.maximum(x, y if _is_tensor(y) else torch.tensor(float(y), dtype=x.dtype))
    return x.max(y)


def minimum(x, y):
    if _is_tensor(x):
        import torch

        return torch.minimum(x, y if _is_tensor(y) else torch.tensor(float(y), dtype=x.dtype))
    return x.min(y)


CASES = [
    # add / sub / mul / div between two Values
    Case("add", lambda a, b: a + b, BINARY_POINTS, lambda a, b: (1.0, 1.0)),
    Case("sub", lambda a, b: a - b, BINARY_POINTS, lambda a, b: (1.0, -1.0)),
    Case("mul", lambda a, b: a * b, BINARY_POINTS, lambda a, b: (b, a)),
    Case("div", lambda a, b: a / b, BINARY_POINTS, lambda a, b: (1 / b, -a / b**2)),
    # ... with a constant on the right
    Case("add_const_right", lambda a: a + 2.5, ANY, lambda a: (1.0,)),
    Case("sub_const_right", lambda a: a - 2.5, ANY, lambda a: (1.0,)),
    Case("mul_const_right", lambda a: a * -1.75, ANY, lambda a: (-1.75,)),
    Case("div_const_right", lambda a: a / -0.4, ANY, lambda a: (-2.5,)),
    # ... and on the left
    Case("add_const_left", lambda a: 2.5 + a, ANY, lambda a: (1.0,)),
    Case("sub_const_left", lambda a: 2.5 - a, ANY, lambda a: (-1.0,)),
    Case("mul_const_left", lambda a: -1.75 * a, ANY, lambda a: (-1.75,)),
    Case("div_const_left", lambda a: 3.0 / a, NONZERO, lambda a: (-3.0 / a**2,)),
    Case("neg", lambda a: -a, ANY, lambda a: (-1.0,)),
    # pow with a number exponent (integer exponents allow negative bases)
    Case("pow_2", lambda a: a**2, ANY, lambda a: (2 * a,)),
    Case("pow_3", lambda a: a**3, ANY, lambda a: (3 * a**2,)),
    Case("pow_int_neg1", lambda a: a**-1, NONZERO, lambda a: (-1 / a**2,)),
    Case("pow_int_neg3", lambda a: a**-3, NONZERO, lambda a: (-3 / a**4,)),
    Case("pow_1", lambda a: a**1, ANY, lambda a: (1.0,)),
    Case("pow_0_away_from_0", lambda a: a**0, NONZERO, lambda a: (0.0,)),
    Case("pow_half", lambda a: a**0.5, POSITIVE, lambda a: (0.5 / math.sqrt(a),)),
    Case("pow_neg_1_5", lambda a: a**-1.5, POSITIVE, lambda a: (-1.5 * a**-2.5,)),
    Case("pow_2_5", lambda a: a**2.5, POSITIVE, lambda a: (2.5 * a**1.5,)),
    # pow with a Value exponent (base > 0)
    Case(
        "pow_value_exponent",
        lambda a, b: a**b,
        POSITIVE_BASES,
        lambda a, b: (b * a ** (b - 1), a**b * math.log(a)),
    ),
    # rpow: a number raised to a Value
    Case("rpow_2_5", lambda a: 2.5**a, ANY, lambda a: (2.5**a * math.log(2.5),)),
    Case("rpow_0_5", lambda a: 0.5**a, ANY, lambda a: (0.5**a * math.log(0.5),)),
    Case("rpow_e", lambda a: math.e**a, ANY, lambda a: (math.e**a,)),
    # unary functions, including large |x| for the saturating ones
    Case("exp", lambda a: a.exp(), ANY + ((-30.0,), (20.0,), (700.0,)), lambda a: (math.exp(a),)),
    Case("log", lambda a: a.log(), POSITIVE, lambda a: (1 / a,)),
    Case(
        "tanh",
        lambda a: a.tanh(),
        ANY + ((-20.0,), (20.0,), (400.0,), (-400.0,)),
        lambda a: (1 - math.tanh(a) ** 2,),
    ),
    Case(
        "sigmoid",
        lambda a: a.sigmoid(),
        ANY + ((-800.0,), (-30.0,), (30.0,), (800.0,)),
        lambda a: (sigmoid(a) * sigmoid(-a),),
    ),
    Case("relu", lambda a: a.relu(), ((-2.0,), (-0.001,), (0.001,), (2.0,), (123.0,)), lambda a: (float(a > 0),)),
    # sin, cos, abs, sqrt, softplus, log_sigmoid, max, min (kinks and ties: tests/test_new_ops.py)
    Case("sin", lambda a: a.sin(), ANY + ((math.pi,), (-40.0,), (123.0,)), lambda a: (math.cos(a),)),
    Case("cos", lambda a: a.cos(), ANY + ((math.pi / 2,), (-40.0,), (123.0,)), lambda a: (-math.sin(a),)),
    Case("abs", lambda a: abs(a), AWAY_FROM_0, lambda a: (math.copysign(1.0, a),)),
    Case("sqrt", lambda a: a.sqrt(), POSITIVE + ((1e-300,),), lambda a: (0.5 / math.sqrt(a),)),
    Case("softplus", softplus, SATURATING, lambda a: (sigmoid(a),)),
    Case("log_sigmoid", log_sigmoid, SATURATING, lambda a: (sigmoid(-a),)),
    Case("max", maximum, BINARY_POINTS, lambda a, b: (float(a > b), float(a < b))),
    Case("min", minimum, BINARY_POINTS, lambda a, b: (float(a < b), float(a > b))),
    Case("max_const_right", lambda a: maximum(a, 0.5), ANY, lambda a: (float(a > 0.5),)),
    Case("min_const_right", lambda a: minimum(a, -0.5), ANY, lambda a: (float(a < -0.5),)),
]


def case_params():
    """(case, point) pairs for pytest.mark.parametrize, with readable ids."""
    out = []
    for case in CASES:
        for point in case.points:
            out.append((case, point, f"{case.name}@{','.join(repr(x) for x in point)}"))
    return out
