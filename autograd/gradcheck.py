"""Check the engine's gradients against central finite differences, in float64."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .backward import grad
from .grad_mode import is_grad_enabled
from .numbers import finite_number, tolerance
from .value import Number, Value

__all__ = ["gradcheck", "GradcheckReport", "GradcheckRow", "GradcheckError"]


class GradcheckError(AssertionError):
    """An engine gradient disagrees with its finite-difference estimate."""


@dataclass(frozen=True)
class GradcheckRow:
    """One input: the engine's derivative, the numerical estimate, and whether they agree."""

    index: int
    name: str
    engine: float
    numeric: float
    ok: bool

    @property
    def error(self) -> float:
        """Absolute difference between the engine and the estimate."""
        return abs(self.engine - self.numeric)


@dataclass(frozen=True)
class GradcheckReport:
    """The outcome of a gradcheck: one row per input; truthy when every row agrees."""

    rows: tuple[GradcheckRow, ...]
    eps: float
    atol: float
    rtol: float

    @property
    def ok(self) -> bool:
        """True when every input's gradient agrees with its estimate."""
        return all(row.ok for row in self.rows)

    @property
    def failures(self) -> tuple[GradcheckRow, ...]:
        """The rows that disagree."""
        return tuple(row for row in self.rows if not row.ok)

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        lines = [f"{'input':<12} {'engine':>22} {'finite difference':>22} {'':>4}"]
        for row in self.rows:
            mark = "ok" if row.ok else "FAIL"
            lines.append(f"{row.name:<12} {row.engine:>22.15g} {row.numeric:>22.15g} {mark:>4}")
        return "\n".join(lines)


def gradcheck(
    f: Callable[..., Value],
    inputs: Sequence[Number | Value],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-4,
    raise_on_failure: bool = True,
) -> GradcheckReport:
    """Compare d f / d input from the engine with (f(x + eps) - f(x - eps)) / (2 eps) per input.

    `f` takes one Value per input and returns a scalar Value. Raises GradcheckError naming the
    input and both numbers on the first disagreement (or returns the report when
    raise_on_failure is False). Keep inputs away from kinks such as relu at 0.
    """
    if not callable(f):
        raise TypeError(f"gradcheck: f must be callable, got {type(f).__name__}")
    if not is_grad_enabled():  # nn modules would return leaves: every gradient would read 0
        raise RuntimeError("gradcheck: called inside no_grad(), where models record no graph; check outside it")
    if isinstance(inputs, (Value, int, float)):
        raise TypeError("gradcheck: inputs must be a sequence of numbers, e.g. [1.5, -2.0]")
    points = [finite_number(x.data if type(x) is Value else x, f"gradcheck: inputs[{i}]") for i, x in enumerate(inputs)]
    names = [x.label if type(x) is Value and x.label else f"inputs[{i}]" for i, x in enumerate(inputs)]
    if not points:
        raise ValueError("gradcheck: inputs is empty; there is nothing to check")
    eps = tolerance(eps, "gradcheck: eps", positive=True)
    atol = tolerance(atol, "gradcheck: atol")
    rtol = tolerance(rtol, "gradcheck: rtol")

    leaves = [Value(x, label=name) for x, name in zip(points, names)]
    engine = [g.data for g in grad(_scalar_output(f, leaves), leaves)]

    def f_at(shifted: list[float]) -> float:
        return _scalar_output(f, [Value(x) for x in shifted]).data

    rows = []
    for i, (x, name) in enumerate(zip(points, names)):
        plus, minus = list(points), list(points)
        plus[i], minus[i] = x + eps, x - eps
        numeric = (f_at(plus) - f_at(minus)) / (2 * eps)
        ok = abs(engine[i] - numeric) <= atol + rtol * abs(numeric)
        rows.append(GradcheckRow(i, name, engine[i], numeric, ok))

    report = GradcheckReport(tuple(rows), eps, atol, rtol)
    if raise_on_failure and not report.ok:
        row = report.failures[0]
        raise GradcheckError(
            f"gradcheck: d f / d {row.name} disagrees at {points[row.index]!r}: "
            f"engine {row.engine!r}, finite difference {row.numeric!r} "
            f"(|difference| {row.error:.3g} > atol {atol} + rtol {rtol} * |estimate|)\n{report}"
        )
    return report


def _scalar_output(f: Callable[..., Value], args: list[Value]) -> Value:
    out = f(*args)
    if type(out) is not Value:
        raise TypeError(f"gradcheck: f must return a Value, got {type(out).__name__}: {out!r}")
    return out
