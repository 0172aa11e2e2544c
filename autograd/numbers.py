"""What the engine accepts as a number: real ints and floats (numpy scalars too), never bool or str."""

from __future__ import annotations

import numbers

__all__ = ["as_number", "finite_number"]

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
