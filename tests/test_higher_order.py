"""Higher-order derivatives through autograd.grad(..., create_graph=True)."""

from __future__ import annotations

import math

import pytest
from derivative_tools import engine_derivatives
from gradtools import sigmoid

from autograd import Value, grad


def first_derivative(f, x0: float) -> float:
    x = Value(x0)
    return grad(f(x), x)[0].data


def fd_of_first_derivative(f, x0: float, h: float = 1e-4) -> float:
    """Second derivative as a 5-point central difference of the engine's FIRST derivative."""
    g = lambda x: first_derivative(f, x)  # noqa: E731
    return (-g(x0 + 2 * h) + 8 * g(x0 + h) - 8 * g(x0 - h) + g(x0 - 2 * h)) / (12 * h)


def t(x):
    return math.tanh(x)


UNARY_SECOND = [
    ("cube", lambda v: v**3, lambda x: 6 * x, [-1.3, 0.0, 0.7, 2.0]),
    ("exp", lambda v: v.exp(), math.exp, [-2.0, 0.0, 0.4, 3.0]),
    ("tanh", lambda v: v.tanh(), lambda x: -2 * t(x) * (1 - t(x) ** 2), [-1.5, 0.0, 0.3, 2.0]),
    (
        "sigmoid",
        lambda v: v.sigmoid(),
        lambda x: sigmoid(x) * (1 - sigmoid(x)) * (1 - 2 * sigmoid(x)),
        [-3.0, 0.0, 0.5, 4.0],
    ),
    ("log", lambda v: v.log(), lambda x: -1 / x**2, [0.2, 1.0, 3.5]),
    ("sqrt", lambda v: v**0.5, lambda x: -0.25 * x**-1.5, [0.3, 2.0]),
    ("reciprocal", lambda v: 1.0 / v, lambda x: 2 / x**3, [-1.5, 0.4, 2.0]),
    ("rpow", lambda v: 2.0**v, lambda x: 2.0**x * math.log(2.0) ** 2, [-1.0, 0.5]),
    ("relu", lambda v: v.relu() * 3.0, lambda x: 0.0, [-1.0, 2.0]),
    ("sub_neg", lambda v: -((2.0 - v) ** 2), lambda x: -2.0, [0.5, 4.0]),
]


@pytest.mark.parametrize(
    "name, f, second, x0",
    [(n, f, s, x) for n, f, s, xs in UNARY_SECOND for x in xs],
    ids=[f"{n}@{x}" for n, _, _, xs in UNARY_SECOND for x in xs],
)
def test_second_derivative_matches_formula_and_differences_of_first_derivative(name, f, second, x0):
    _, _, d2 = engine_derivatives(f, x0, 2)
    assert math.isclose(d2, second(x0), rel_tol=1e-12, abs_tol=1e-14)
    h = min(1e-4, abs(x0) / 10 or 1e-4)
    assert math.isclose(d2, fd_of_first_derivative(f, x0, h=h), rel_tol=1e-6, abs_tol=1e-7)


@pytest.mark.parametrize("x0", [-1.3, 0.0, 0.5, 2.0])
def test_third_derivative_of_cube_is_six(x0):
    d = engine_derivatives(lambda v: v**3, x0, 3)
    assert d[0] == pytest.approx(x0**3, rel=1e-15)
    assert d[1] == pytest.approx(3 * x0**2, rel=1e-15)
    assert d[2] == pytest.approx(6 * x0, rel=1e-15)
    assert d[3] == 6.0


@pytest.mark.parametrize("x0", [-1.3, 0.5, 2.0])
def test_fourth_derivative_of_cube_is_zero(x0):
    assert engine_derivatives(lambda v: v**3, x0, 4)[4] == 0.0


def test_fourth_derivative_of_cube_at_zero_is_zero():
    """Regression: differentiating x**0.0 at 0 once raised ZeroDivisionError (0 * x**-1)."""
    assert engine_derivatives(lambda v: v**3, 0.0, 4)[4] == 0.0


def test_third_derivative_of_exp_and_log():
    assert engine_derivatives(lambda v: v.exp(), 0.7, 3)[3] == pytest.approx(math.exp(0.7), rel=1e-14)
    assert engine_derivatives(lambda v: v.log(), 1.5, 3)[3] == pytest.approx(2 / 1.5**3, rel=1e-14)


def test_mixed_partials_of_a_product():
    x, y = Value(1.5), Value(-2.0)
    gx, gy = grad(x * y, [x, y], create_graph=True)
    assert (gx.data, gy.data) == (-2.0, 1.5)
    assert [g.data for g in grad(gx, [x, y])] == [0.0, 1.0]  # d2/dx2 = 0, d2/dydx = 1
    assert [g.data for g in grad(gy, [x, y])] == [1.0, 0.0]


def test_mixed_partials_of_x2_y3_are_symmetric_and_match_formula():
    x0, y0 = 1.3, -0.7
    x, y = Value(x0), Value(y0)
    gx, gy = grad(x**2 * y**3, [x, y], create_graph=True)
    hxx, hxy = (g.data for g in grad(gx, [x, y]))
    hyx, hyy = (g.data for g in grad(gy, [x, y]))
    assert math.isclose(hxx, 2 * y0**3, rel_tol=1e-13)
    assert math.isclose(hxy, 6 * x0 * y0**2, rel_tol=1e-13)
    assert math.isclose(hyx, 6 * x0 * y0**2, rel_tol=1e-13)
    assert math.isclose(hyy, 6 * x0**2 * y0, rel_tol=1e-13)


def test_mixed_partials_of_div_and_value_exponent_pow():
    a0, b0 = 1.7, 0.6
    a, b = Value(a0), Value(b0)
    _, gb = grad(a**b, [a, b], create_graph=True)
    assert math.isclose(grad(gb, a)[0].data, a0 ** (b0 - 1) * (1 + b0 * math.log(a0)), rel_tol=1e-12)
    a, b = Value(a0), Value(b0)
    ga, _ = grad(a / b, [a, b], create_graph=True)
    assert math.isclose(grad(ga, b)[0].data, -1 / b0**2, rel_tol=1e-12)


def f3(x, y, z):
    return x**2 * y + (y * z).exp() + (x * z).tanh()


def hessian_f3(x, y, z):
    T = math.tanh(x * z)
    s = 1 - T * T
    e = math.exp(y * z)
    return [
        [2 * y - 2 * z * z * T * s, 2 * x, s - 2 * x * z * T * s],
        [2 * x, z * z * e, e + y * z * e],
        [s - 2 * x * z * T * s, e + y * z * e, y * y * e - 2 * x * x * T * s],
    ]


@pytest.mark.parametrize("p0, v", [((0.8, -0.4, 1.1), (1.0, 2.0, -0.5)), ((-1.2, 0.3, 0.5), (0.3, -1.0, 0.7))])
def test_hessian_vector_product_matches_analytic_hessian_and_differences_of_gradient(p0, v):
    xs = [Value(c) for c in p0]
    g = grad(f3(*xs), xs, create_graph=True)
    gv = sum((gi * vi for gi, vi in zip(g, v)), Value(0.0))
    hvp = [h.data for h in grad(gv, xs)]

    H = hessian_f3(*p0)
    analytic = [sum(H[i][j] * v[j] for j in range(3)) for i in range(3)]
    for a, b in zip(hvp, analytic):
        assert math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-14)

    def engine_gradient(point):
        leaves = [Value(c) for c in point]
        return [gi.data for gi in grad(f3(*leaves), leaves)]

    h = 1e-4
    shifted = {k: engine_gradient([p + k * h * vi for p, vi in zip(p0, v)]) for k in (-2, -1, 1, 2)}
    numeric = [(-shifted[2][i] + 8 * shifted[1][i] - 8 * shifted[-1][i] + shifted[-2][i]) / (12 * h) for i in range(3)]
    for a, b in zip(hvp, numeric):
        assert math.isclose(a, b, rel_tol=1e-7, abs_tol=1e-8)


def test_gradient_penalty_backward_through_a_create_graph_gradient():
    """d/dx of (f'(x))^2 = 2 f'(x) f''(x) via backward on the gradient graph (f = x^3)."""
    x = Value(1.5)
    (g,) = grad(x**3, x, create_graph=True)
    (g * g).backward()
    assert math.isclose(x.grad, 2 * (3 * 1.5**2) * (6 * 1.5), rel_tol=1e-13)


def test_create_graph_false_returns_plain_leaves_with_no_history():
    x = Value(2.0)
    (g,) = grad(x**3, x)
    assert g.data == 12.0
    assert grad(g, x)[0].data == 0.0  # g is a constant, not a function of x


def test_create_graph_first_derivative_equals_plain_grad_everywhere():
    def f(a, b):
        return (a * b).sigmoid() * a.log() + (b / a).tanh() - 3.0**b

    for p in [(0.5, 1.5), (2.0, -1.0), (1.1, 0.2)]:
        xs = [Value(c) for c in p]
        with_graph = [g.data for g in grad(f(*xs), xs, create_graph=True)]
        ys = [Value(c) for c in p]
        plain = [g.data for g in grad(f(*ys), ys)]
        assert with_graph == pytest.approx(plain, rel=1e-14, abs=1e-15)
