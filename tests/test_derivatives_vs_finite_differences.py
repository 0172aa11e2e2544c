"""Every primitive's derivative against hand formulas and independent float64 finite differences."""

from __future__ import annotations

import math
import re

import pytest
from gradtools import R, close, evaluate, numeric_gradient
from primitive_cases import case_params

from autograd import Value, grad

PARAMS = case_params()


def engine_value_and_grads(fn, point):
    leaves = [Value(x) for x in point]
    out = fn(*leaves)
    out.backward()
    return out.data, [leaf.grad for leaf in leaves]


@pytest.mark.parametrize("case, point", [p[:2] for p in PARAMS], ids=[p[2] for p in PARAMS])
def test_primitive_forward_value_matches_math(case, point):
    value, _ = engine_value_and_grads(case.fn, point)
    expected, _ = evaluate(case.fn, point)
    assert math.isclose(value, expected, rel_tol=1e-14, abs_tol=1e-300)


@pytest.mark.parametrize("case, point", [p[:2] for p in PARAMS], ids=[p[2] for p in PARAMS])
def test_primitive_derivative_matches_hand_formula(case, point):
    _, grads = engine_value_and_grads(case.fn, point)
    expected = case.partials(*point)
    assert len(grads) == len(expected)
    for g, e in zip(grads, expected):
        assert math.isclose(g, e, rel_tol=1e-12, abs_tol=1e-15), (g, e)


@pytest.mark.parametrize("case, point", [p[:2] for p in PARAMS], ids=[p[2] for p in PARAMS])
def test_primitive_derivative_matches_central_differences(case, point):
    value, grads = engine_value_and_grads(case.fn, point)
    # Keep the stencil (+-2h) inside the domain: smaller steps next to 0 for log, sqrt and friends.
    h = min(1e-5, min((abs(x) for x in point if x != 0), default=1.0) * 1e-2)
    numeric = numeric_gradient(case.fn, point, h=h)
    for i, (g, n) in enumerate(zip(grads, numeric)):
        assert close(g, n, value_scale=value / h * 1e-5), f"d/d x{i}: engine {g!r}, finite difference {n!r}"


@pytest.mark.parametrize("op", ["add", "sub", "mul", "div", "pow"])
def test_constant_on_either_side_gives_the_same_derivative_as_a_frozen_value(op):
    """x (op) c and c (op) x with a plain number c agree with c wrapped in a Value that gets a grad too."""
    import operator

    ops = {"add": operator.add, "sub": operator.sub, "mul": operator.mul, "div": operator.truediv, "pow": operator.pow}
    f = ops[op]
    x0, c0 = 1.7, 2.3
    for left in (True, False):
        x, c_value = Value(x0), Value(c0)
        (f(c0, x) if left else f(x, c0)).backward()
        g_const = x.grad
        x.grad = 0.0
        (f(c_value, x) if left else f(x, c_value)).backward()
        assert g_const == x.grad
        # and the constant's own partial derivative is the hand formula, from the Value version
        n = numeric_gradient(lambda a, b, left=left: f(b, a) if left else f(a, b), [x0, c0])
        assert close(x.grad, n[0]) and close(c_value.grad, n[1])


def test_relu_derivative_at_zero_is_zero():
    x = Value(0.0)
    y = x.relu()
    y.backward()
    assert y.data == 0.0
    assert x.grad == 0.0
    # also through grad() and for -0.0
    z = Value(-0.0)
    assert grad(z.relu(), z)[0].data == 0.0


@pytest.mark.parametrize("x", [-1000.0, -745.0, -40.0, 40.0, 745.0, 1000.0])
def test_sigmoid_saturates_with_finite_nonnegative_derivative(x):
    v = Value(x)
    s = v.sigmoid()
    s.backward()
    assert 0.0 <= s.data <= 1.0
    assert math.isfinite(v.grad) and 0.0 <= v.grad <= 1e-17
    assert s.data == (1.0 if x > 0 else pytest.approx(0.0, abs=1e-17))


@pytest.mark.parametrize("x", [-1000.0, -25.0, 25.0, 1000.0])
def test_tanh_saturates_with_zero_derivative(x):
    v = Value(x)
    t = v.tanh()
    t.backward()
    assert t.data == math.copysign(1.0, x)
    assert v.grad == pytest.approx(0.0, abs=1e-20)


@pytest.mark.parametrize("exponent, expected", [(1, 1.0), (2, 0.0), (3, 0.0), (2.5, 0.0)])
def test_pow_derivative_at_zero_base(exponent, expected):
    x = Value(0.0)
    (x**exponent).backward()
    assert x.grad == expected


def test_pow_zero_exponent_at_zero_base_has_zero_derivative():
    """Regression: the rule b * a ** (b - 1) once evaluated 0 * 0.0 ** -1 and raised here."""
    x = Value(0.0)
    y = x**0
    assert y.data == 1.0
    y.backward()
    assert x.grad == 0.0


def test_sqrt_at_zero_backward_gives_inf_or_a_clear_error():
    """Regression: this once raised Python's bare '0.0 cannot be raised to a negative power'."""
    x = Value(0.0)
    y = x**0.5
    try:
        y.backward()
    except (ZeroDivisionError, ValueError, OverflowError) as e:
        assert re.search(r"\bpow\b", str(e)), f"backward error does not name the operation: {e}"
    else:
        assert x.grad == math.inf


def test_pow_backward_overflow_gives_inf_or_a_clear_error():
    """Regression: the forward 1e300 is fine; the local derivative once raised a bare OverflowError."""
    x = Value(1e-10)
    y = x**-30
    assert math.isfinite(y.data)
    try:
        y.backward()
    except (OverflowError, ValueError) as e:
        assert re.search(r"\bpow\b", str(e)), f"backward error does not name the operation: {e}"
    else:
        assert x.grad == -math.inf


def test_zero_upstream_gradient_through_log_of_subnormal_raises_rather_than_returning_nan():
    # d log(a) / d a = 1 / a overflows to inf at a = 1e-320, so the chain rule's g * (1 / a) is
    # 0 * inf: no float says 0 here. Every pass computes g * (local derivative) the same way, so
    # the answer is a clear error naming log and the operand, never nan.
    x = Value(1e-320)
    with pytest.raises(OverflowError, match=r"\blog\b.*1e-320"):
        (x.log() * 0.0).backward()
    assert x.grad == 0.0


def test_log_of_subnormal_with_nonzero_upstream_raises_instead_of_returning_inf():
    x = Value(1e-320)
    with pytest.raises(OverflowError, match=r"\blog\b.*1e-320"):
        x.log().backward()
    assert x.grad == 0.0  # a failed backward adds nothing


def test_reference_stand_in_is_independent_of_the_engine():
    """Sanity check of the reference itself: R computes with math, never with Value."""
    assert type(R(2.0).exp()) is R
    assert evaluate(lambda a: a.sigmoid(), [0.0])[0] == 0.5
