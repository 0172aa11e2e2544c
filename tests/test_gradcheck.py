"""autograd.gradcheck: passes correct functions, and really catches a wrong engine gradient.

A function whose engine gradient is wrong is built with the public API only: it reads `.data`
mid-way (a detach), so the engine misses part of the dependence that finite differences see.
"""

from __future__ import annotations

import math
import re

import pytest

from autograd import GradcheckError, Value, gradcheck


def numbers_in(text: str) -> list[float]:
    return [float(m) for m in re.findall(r"-?\d+\.\d*(?:[eE][-+]?\d+)?|-?\d+(?:[eE][-+]?\d+)", text)]


def detached_square(x: Value) -> Value:
    """x * x with one factor detached: the engine says d/dx = x, the truth is 2x."""
    return x * Value(x.data)


@pytest.mark.parametrize(
    "f, point, expected",
    [
        (lambda a, b: a * b + b**2, [2.0, -3.0], [-3.0, -4.0]),
        (lambda a: a.exp(), [0.5], [math.exp(0.5)]),
        (lambda a: a.log() / a, [2.0], [(1 - math.log(2.0)) / 4.0]),
        (lambda a, b: (a / b).tanh(), [1.0, 2.0], [0.5 * (1 - math.tanh(0.5) ** 2), -0.25 * (1 - math.tanh(0.5) ** 2)]),
        (lambda a, b, c: a**b * c.sigmoid(), [1.5, 2.0, 0.0], [1.5, 2.25 * math.log(1.5) * 0.5, 2.25 * 0.25]),
    ],
)
def test_gradcheck_passes_correct_functions_and_reports_the_true_gradient(f, point, expected):
    report = gradcheck(f, point)
    assert report and report.ok and not report.failures
    assert len(report.rows) == len(point)
    for row, e in zip(report.rows, expected):
        assert row.ok
        assert math.isclose(row.engine, e, rel_tol=1e-12, abs_tol=1e-15)
        assert math.isclose(row.numeric, e, rel_tol=1e-6, abs_tol=1e-8)


def test_gradcheck_raises_on_wrong_gradient_naming_input_and_both_numbers():
    x0 = 1.5
    with pytest.raises(GradcheckError) as info:
        gradcheck(detached_square, [Value(x0, label="x")])
    assert isinstance(info.value, AssertionError)
    msg = str(info.value)
    assert re.search(r"\bx\b", msg)
    found = numbers_in(msg)
    assert any(n == x0 for n in found), msg  # the engine's (wrong) derivative x
    assert any(abs(n - 2 * x0) < 1e-6 for n in found), msg  # the finite difference 2x


def test_gradcheck_names_the_unlabelled_input_that_is_wrong():
    def f(a, b):
        return a * 3.0 + detached_square(b)

    with pytest.raises(GradcheckError) as info:
        gradcheck(f, [0.5, 2.5])
    msg = str(info.value)
    assert "inputs[1]" in msg
    first_line = msg.splitlines()[0]
    assert "inputs[0]" not in first_line


def test_gradcheck_report_without_raising_lists_the_failure():
    report = gradcheck(detached_square, [1.5], raise_on_failure=False)
    assert not report and not report.ok
    (row,) = report.failures
    assert row.index == 0
    assert row.engine == 1.5
    assert math.isclose(row.numeric, 3.0, rel_tol=1e-6)
    assert not row.ok
    assert "FAIL" in str(report)


def test_gradcheck_catches_a_small_error_and_honours_its_tolerances():
    def off_by(k):
        # value (1 + k) x, but the engine only sees the slope 1: its gradient is off by k
        return lambda x: x + Value(x.data) * k

    with pytest.raises(GradcheckError):
        gradcheck(off_by(1e-3), [2.0])  # 1e-3 > atol 1e-5 + rtol 1e-4 * 1.001
    assert gradcheck(off_by(1e-7), [2.0])  # within the default tolerances
    with pytest.raises(GradcheckError):
        gradcheck(off_by(1e-7), [2.0], atol=1e-9, rtol=1e-9)  # but not within tight ones


def test_gradcheck_refuses_bad_arguments():
    with pytest.raises(TypeError):
        gradcheck("not callable", [1.0])
    with pytest.raises(ValueError):
        gradcheck(lambda x: x, [])
    with pytest.raises(TypeError):
        gradcheck(lambda x: 3.0, [1.0])
    with pytest.raises(ValueError):
        gradcheck(lambda x: x, [1.0], eps=0.0)


@pytest.mark.parametrize(
    "option, value",
    [
        ("atol", math.nan),
        ("atol", -1e-9),
        ("atol", math.inf),
        ("rtol", -1.0),
        ("rtol", math.nan),
        ("rtol", math.inf),
        ("eps", math.inf),
        ("eps", -1e-6),
        ("eps", math.nan),
    ],
)
def test_gradcheck_refuses_a_tolerance_that_makes_every_comparison_meaningless(option, value):
    with pytest.raises(ValueError, match=f"gradcheck: {option}"):
        gradcheck(lambda x: x * x, [1.0], **{option: value})


@pytest.mark.parametrize("option", ["atol", "rtol", "eps"])
def test_gradcheck_refuses_a_tolerance_that_is_not_a_number(option):
    with pytest.raises(TypeError, match=f"gradcheck: {option}"):
        gradcheck(lambda x: x * x, [1.0], **{option: "0.1"})


@pytest.mark.parametrize("point", [math.nan, math.inf, -math.inf])
def test_gradcheck_refuses_a_non_finite_input(point):
    with pytest.raises(ValueError, match=r"gradcheck: inputs\[0\] must be finite"):
        gradcheck(lambda x: x * x, [point])
