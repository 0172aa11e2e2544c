"""What the engine accepts as a number: real ints and floats (numpy scalars too), never bool or str."""

from __future__ import annotations

import numbers

__all__ = ["as_number", "finite_number", "tolerance"]

_INF = float("inf")


def as_number(x: object, what: str) -> float:
    """x as a float, or TypeError naming `what` (a bool, str or complex is not a real number here)."""
    if type(x) is float:
        return x
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"{what} must be a real number (int or float), got {type(x).__name__}: {x!r}")
    try:
        return float(x)
    except OverflowError:  # an int with hundreds of digits
        size = f" (an int of {x.bit_length()} bits)" if isinstance(x, int) else ""
        raise ValueError(f"{what} is too large for a float{size}") from None


def finite_number(x: object, what: str) -> float:
    """as_number, and ValueError naming `what` for inf or nan."""
    number = as_number(x, what)
    if not -_INF < number < _INF:
        raise ValueError(f"{what} must be finite, got {number!r}")
    return number


def tolerance(x: object, what: str, positive: bool = False) -> float:
    """finite_number that is also >= 0 (> 0 when `positive`): a tolerance or step size.

    A nan tolerance would make every comparison fail quietly, an infinite or negative one would
    make every comparison pass or fail whatever the numbers; each raises ValueError naming `what`.
    """
    number = finite_number(x, what)
    if number < 0.0 or (positive and number == 0.0):
        raise ValueError(f"{what} must be {'> 0' if positive else '>= 0'}, got {number!r}")
    return number
