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
]


def case_params():
    """(case, point) pairs for pytest.mark.parametrize, with readable ids."""
    out = []
    for case in CASES:
        for point in case.points:
            out.append((case, point, f"{case.name}@{','.join(repr(x) for x in point)}"))
    return out
