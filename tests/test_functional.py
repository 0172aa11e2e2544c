"""The functional API (grad(f), value_and_grad, jacobian, hessian) and forward mode (jvp).

Expected numbers are hand-derived calculus on plain floats, PyTorch float64 and central finite
differences of plain-float functions (tests/gradtools.py); never the code under test.
"""

from __future__ import annotations

import math
import random
import re

import pytest
from gradtools import R, numeric_gradient, torch_or_skip

import autograd
from autograd import Value, grad, hessian, jacobian, jvp, value_and_grad
from autograd import functional as functional_module

my_sin = autograd.primitive("my_sin_f", math.sin, (lambda a, out: my_cos(a),))
my_cos = autograd.primitive("my_cos_f", math.cos, (lambda a, out: -my_sin(a),))


def f(x, y):
    """x y + e^(x^2) y: every derivative by hand below."""
    return x * y + (x * x).exp() * y


def f_grad(x: float, y: float) -> list[float]:
    e = math.exp(x * x)
    return [y + 2 * x * e * y, x + e]


def f_hessian(x: float, y: float) -> list[list[float]]:
    e = math.exp(x * x)
    dxx = (2 + 4 * x * x) * e * y
    dxy = 1 + 2 * x * e
    return [[dxx, dxy], [dxy, 0.0]]


# Functions of several scalars, written once: they run on Values, on the plain-float `R` (for
# finite differences) and on torch tensors.
FUNCTIONS = [
    ("f", f, 2),
    ("tanh chain", lambda x, y, z: ((x * y).tanh() + z * z * x).sigmoid() * (y - z), 3),
    ("division and powers", lambda x, y: (x * x + 1.0) ** 1.5 / (y * y + 0.5) - 2.0**x, 2),
    ("log", lambda x, y: (x * x + y * y + 0.1).log() * x, 2),
    ("one input", lambda x: (x * 3.0).tanh() * x.exp(), 1),
]


def matrix_close(found, expected, rel: float, abs: float = 0.0) -> bool:
    """Two lists of rows, equal in shape, entry by entry within the tolerance."""
    return len(found) == len(expected) and all(
        len(a) == len(b) and all(math.isclose(x, y, rel_tol=rel, abs_tol=abs) for x, y in zip(a, b))
        for a, b in zip(found, expected)
    )


def stencil(g, x: list[float], j: int, h: float = 1e-4) -> float:
    """d g / d x_j at x by the 5-point central stencil, g a function of floats giving a float."""

    def at(d: float) -> float:
        return g(*[v + d if k == j else v for k, v in enumerate(x)])

    return (-at(2 * h) + 8 * at(h) - 8 * at(-h) + at(-2 * h)) / (12 * h)


def point(n: int, seed: int) -> list[float]:
    rng = random.Random(seed)
    return [rng.uniform(-1.2, 1.2) for _ in range(n)]


# -- grad(f) and value_and_grad ------------------------------------------------------------------------


def test_grad_of_a_function_gives_its_partial_derivatives_as_floats():
    g = grad(f)
    assert g(0.5, 2.0) == pytest.approx(f_grad(0.5, 2.0), rel=1e-15)
    assert all(type(d) is float for d in g(0.5, 2.0))
    assert g(1, -3) == pytest.approx(f_grad(1.0, -3.0), rel=1e-15)  # ints are numbers


@pytest.mark.parametrize("name, fn, n", FUNCTIONS, ids=[n for n, _, _ in FUNCTIONS])
def test_grad_and_value_and_grad_of_a_function_against_finite_differences(name, fn, n):
    for seed in range(3):
        x = point(n, seed)
        value, grads = value_and_grad(fn)(*x)
        assert value == fn(*[Value(v) for v in x]).data
        assert grads == grad(fn)(*x)
        assert grads == pytest.approx(numeric_gradient(fn, x), rel=1e-7, abs=1e-9)


def test_grad_of_a_function_given_values_gives_values_that_differentiate_again():
    x, y = Value(0.5), Value(2.0)
    gx, gy = grad(f)(x, y)
    assert type(gx) is Value and gx.data == pytest.approx(f_grad(0.5, 2.0)[0], rel=1e-15)
    assert grad(gx, [x, y])[0].data == pytest.approx(f_hessian(0.5, 2.0)[0][0], rel=1e-14)
    value, grads = value_and_grad(f)(x, 2.0)  # one Value among numbers: Values out
    assert type(value) is Value and all(type(g) is Value for g in grads)


def test_grad_composes_to_higher_derivatives():
    cube = lambda x: x * x * x  # noqa: E731
    second = grad(lambda x: grad(cube)(x)[0])
    third = grad(lambda x: grad(lambda t: grad(cube)(t)[0])(x)[0])
    assert second(2.0) == [12.0] and third(2.0) == [6.0]
    assert grad(lambda x: grad(my_sin)(x)[0])(0.4) == [pytest.approx(-math.sin(0.4), rel=1e-15)]


def test_grad_of_a_value_is_unchanged_and_the_two_spellings_are_told_apart():
    x, y = Value(0.5), Value(2.0)
    out = f(x, y)
    assert [g.data for g in grad(out, [x, y])] == grad(f)(0.5, 2.0)
    assert grad(out, x)[0].data == grad(f)(0.5, 2.0)[0]
    (d,) = grad(out, x, create_graph=True)
    assert grad(d, y)[0].data == pytest.approx(f_hessian(0.5, 2.0)[0][1], rel=1e-15)
    assert repr(grad(f)).startswith("grad(<function f")


# -- jvp: forward mode -----------------------------------------------------------------------------------


def test_jvp_is_the_directional_derivative_by_the_calculus():
    out, tangent = jvp(f, (0.5, 2.0), (1.0, 3.0))
    assert out == f(Value(0.5), Value(2.0)).data
    dx, dy = f_grad(0.5, 2.0)
    assert tangent == pytest.approx(dx * 1.0 + dy * 3.0, rel=1e-15)
    assert type(out) is float and type(tangent) is float
    assert jvp(my_sin, [0.3], [2.0]) == (math.sin(0.3), 2.0 * math.cos(0.3))  # a user primitive, forward


@pytest.mark.parametrize("name, fn, n", FUNCTIONS, ids=[n for n, _, _ in FUNCTIONS])
def test_jvp_equals_the_gradient_dotted_with_the_tangent_and_the_finite_difference(name, fn, n):
    for seed in range(4):
        x = point(n, seed)
        t = point(n, 100 + seed)
        _, tangent = jvp(fn, x, t)
        gradient = grad(fn)(*x)
        assert tangent == pytest.approx(sum(g * v for g, v in zip(gradient, t)), rel=1e-12, abs=1e-14)
        h = 1e-5
        along = lambda s, x=x, t=t: fn(*[R(a + s * v) for a, v in zip(x, t)]).v  # noqa: E731
        numeric = (-along(2 * h) + 8 * along(h) - 8 * along(-h) + along(-2 * h)) / (12 * h)
        assert tangent == pytest.approx(numeric, rel=1e-7, abs=1e-9)


def test_jvp_in_a_basis_direction_is_one_column_of_the_jacobian():
    for i in range(2):
        basis = [1.0 if j == i else 0.0 for j in range(2)]
        assert jvp(f, [0.5, 2.0], basis)[1] == pytest.approx(f_grad(0.5, 2.0)[i], rel=1e-15)


def test_jvp_corner_cases():
    assert jvp(lambda x: x, [3.0], [2.5]) == (3.0, 2.5)  # the output is the input
    assert jvp(lambda x, y: y * 2.0, [3.0, 1.0], [1.0, 0.0]) == (2.0, 0.0)  # independent of the moving input
    assert jvp(lambda x: Value(7.0), [3.0], [1.0]) == (7.0, 0.0)  # a fresh leaf: tangent 0
    x = Value(1.5)
    out, tangent = jvp(lambda a, b: a * b, [x, x], [1.0, 2.0])  # one Value twice: it moves by the sum
    assert tangent.data == 2 * 1.5 * 3.0
    assert jvp(lambda a: a * a, [2], [1])[1] == 4.0


def test_jvp_with_values_gives_a_tangent_that_differentiates_again():
    x, y = Value(0.5), Value(2.0)
    out, tangent = jvp(f, [x, y], [1.0, 3.0])
    assert type(out) is Value and type(tangent) is Value
    hx, hy = grad(tangent, [x, y])  # d/dx (grad f . t) = (H t)_x: reverse over forward
    hessian_ = f_hessian(0.5, 2.0)
    assert hx.data == pytest.approx(hessian_[0][0] * 1.0 + hessian_[0][1] * 3.0, rel=1e-14)
    assert hy.data == pytest.approx(hessian_[1][0] * 1.0 + hessian_[1][1] * 3.0, rel=1e-14)
    _, by_value_tangent = jvp(f, [0.5, 2.0], [Value(1.0), 3.0])  # a Value tangent: Values out too
    assert type(by_value_tangent) is Value and by_value_tangent.data == pytest.approx(tangent.data, rel=1e-15)


def test_jvp_applies_the_same_local_derivatives_as_backward():
    """Forward mode reads graph.edges: an edge's local derivative multiplies the tangent, once per edge."""
    calls = []
    real = autograd.graph.Edge.local

    def counting(edge):
        calls.append(edge.rule.name)
        return real(edge)

    try:
        autograd.graph.Edge.local = counting  # type: ignore[method-assign]
        jvp(lambda x, y: (x * y).tanh() + my_sin(x), [0.3, 0.4], [1.0, 1.0])
    finally:
        autograd.graph.Edge.local = real  # type: ignore[method-assign]
    assert sorted(calls) == sorted(["mul", "mul", "tanh", "my_sin_f", "add", "add"])


def test_a_tangent_that_overflows_is_refused_naming_the_node():
    with pytest.raises(OverflowError, match=r"jvp: the tangent of a mul node \(data .*\) is inf"):
        jvp(lambda x: x * 1e300, [1.0], [1e300])


def test_a_derivative_that_fails_in_forward_mode_names_the_rule():
    with pytest.raises(ZeroDivisionError, match=re.escape("pow: the local derivative d out / d a")):
        jvp(lambda x: x**0.5, [0.0], [1.0])


# -- jacobian and hessian -------------------------------------------------------------------------


def many_outputs(x, y):
    """R^2 -> R^3: fewer inputs than outputs, so 'auto' takes forward mode."""
    return [x * y, (x + 2.0 * y).tanh(), x.exp() - y]


def many_inputs(x, y, z):
    """R^3 -> R^2: fewer outputs, so 'auto' takes reverse mode."""
    return [x * y * z, (x * x + z).sigmoid()]


def test_jacobian_by_the_calculus_in_every_mode():
    x, y, z = 0.3, -0.8, 1.7
    t = math.tanh(x + 2 * y)
    expected = [[y, x], [1 - t * t, 2 * (1 - t * t)], [math.exp(x), -1.0]]
    s = 1 / (1 + math.exp(-(x * x + z)))
    expected_many_inputs = [[y * z, x * z, x * y], [s * (1 - s) * 2 * x, 0.0, s * (1 - s)]]
    for mode in ("auto", "forward", "reverse"):
        assert matrix_close(jacobian(many_outputs, mode=mode)(x, y), expected, rel=1e-15)  # type: ignore[arg-type]
        assert matrix_close(jacobian(many_inputs, mode=mode)(x, y, z), expected_many_inputs, rel=1e-15)  # type: ignore[arg-type]


def test_jacobian_auto_takes_the_fewer_passes(monkeypatch):
    forward, reverse = [], []
    push, back = functional_module.push_tangents, functional_module._grad_of_value
    monkeypatch.setattr(functional_module, "push_tangents", lambda *a: forward.append(1) or push(*a))
    monkeypatch.setattr(functional_module, "_grad_of_value", lambda *a, **k: reverse.append(1) or back(*a, **k))
    jacobian(many_outputs)(0.3, -0.8)
    assert (len(forward), len(reverse)) == (2, 0)  # 2 inputs, 3 outputs: a forward pass per input
    jacobian(many_inputs)(0.3, -0.8, 1.7)
    assert (len(forward), len(reverse)) == (2, 2)  # 3 inputs, 2 outputs: a reverse pass per output


def test_jacobian_against_torch_and_finite_differences():
    torch = torch_or_skip()
    x = [0.3, -0.8, 1.7]
    engine = jacobian(many_inputs, mode="forward")(*x)
    reference = torch.autograd.functional.jacobian(
        lambda *t: torch.stack(many_inputs(*t)), tuple(torch.tensor(v, dtype=torch.float64) for v in x)
    )
    for j in range(3):
        assert [row[j] for row in engine] == pytest.approx(reference[j].tolist(), rel=1e-14)
    for i in range(2):
        assert engine[i] == pytest.approx(numeric_gradient(lambda *v, i=i: many_inputs(*v)[i], x), rel=1e-7, abs=1e-9)


def test_jacobian_with_values_gives_values_wired_into_the_graph():
    x = Value(0.3)
    for mode in ("forward", "reverse"):
        (row,) = jacobian(lambda a: [a * a * a], mode=mode)(x)  # type: ignore[arg-type]
        assert type(row[0]) is Value and grad(row[0], x)[0].data == pytest.approx(6 * 0.3, rel=1e-15)


def test_hessian_by_the_calculus_torch_and_differences_of_the_gradient():
    torch = torch_or_skip()
    H = hessian(f)(0.5, 2.0)
    assert matrix_close(H, f_hessian(0.5, 2.0), rel=1e-14)
    assert H[0][1] == H[1][0]
    for name, fn, n in FUNCTIONS:
        x = point(n, 7)
        H = hessian(fn)(*x)
        at = tuple(torch.tensor(v, dtype=torch.float64) for v in x)
        reference = torch.autograd.functional.hessian(lambda *t, fn=fn: fn(*t), at)
        for i in range(n):
            assert H[i] == pytest.approx([float(reference[i][j]) for j in range(n)], rel=1e-12, abs=1e-13), name
            row = [stencil(lambda *v, i=i, fn=fn: grad(fn)(*v)[i], x, j) for j in range(n)]  # d/dx_j of df/dx_i
            assert H[i] == pytest.approx(row, rel=1e-6, abs=1e-8), name


def test_hessian_with_values_differentiates_to_third_order():
    x = Value(0.4)
    ((h,),) = hessian(my_sin)(x)
    assert h.data == pytest.approx(-math.sin(0.4), rel=1e-15)
    assert grad(h, x)[0].data == pytest.approx(-math.cos(0.4), rel=1e-15)


# -- bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: jvp(f, [1.0, 2.0], [1.0]), ValueError, "jvp: 2 primals but 1 tangents: give one tangent per primal"),
        (lambda: jvp(f, 1.0, 1.0), TypeError, "jvp: primals must be a tuple or list with one number per argument of f"),
        (lambda: jvp(f, [1.0, 2.0], {1.0, 2.0}), TypeError, "jvp: tangents must be a tuple or list"),
        (
            lambda: jvp(f, [1.0, "2"], [1.0, 1.0]),
            TypeError,
            "jvp: primals[1] must be a real number (int or float), got str: '2'",
        ),
        (
            lambda: jvp(f, [1.0, 2.0], [1.0, None]),
            TypeError,
            "jvp: tangents[1] must be a real number (int or float), got NoneType",
        ),
        (lambda: jvp(f, [1.0, 2.0], [math.nan, 1.0]), ValueError, "jvp: tangents[0] must be finite, got nan"),
        (
            lambda: jvp(f, [True, 2.0], [1.0, 1.0]),
            TypeError,
            "jvp: primals[0] must be a real number (int or float), got bool",
        ),
        (
            lambda: jvp(lambda x: 2.0, [1.0], [1.0]),
            TypeError,
            "jvp: f must return a Value (the output to differentiate), got float: 2.0",
        ),
        (lambda: jvp(3.0, [1.0], [1.0]), TypeError, "jvp: f must be a function of Values, got float: 3.0"),
        (
            lambda: grad(f)([1.0, 2.0]),
            TypeError,
            "grad(f): args[0] must be a number or a Value, got list: [1.0, 2.0] (f takes one scalar per "
            "argument: pass a list xs as f(*xs))",
        ),
        (lambda: grad(f)(1.0, math.inf), ValueError, "grad(f): args[1] must be finite, got inf"),
        (
            lambda: grad(lambda x: [x])(1.0),
            TypeError,
            "grad(f): f must return a Value (the output to differentiate), got list",
        ),
        (
            lambda: grad(f, [Value(1.0)]),
            TypeError,
            "grad(f) takes the function alone and returns the gradient function",
        ),
        (lambda: grad(f, create_graph=True), TypeError, "grad(f) takes the function alone"),
        (
            lambda: grad(Value(1.0)),
            TypeError,
            "grad: missing inputs: grad(output, inputs) for a Value output, grad(f) for a function",
        ),
        (lambda: grad(2.0, [Value(1.0)]), TypeError, "grad: output: expected a Value, got float"),
        (lambda: value_and_grad(None), TypeError, "value_and_grad: f must be a function of Values, got NoneType"),
        (lambda: value_and_grad(lambda x: x.data)(1.0), TypeError, "value_and_grad(f): f must return a Value"),
        (
            lambda: jacobian(f)(1.0, 2.0),
            TypeError,
            "jacobian(f): f must return a list of Values, one per output (for a single Value, use grad(f)), got Value",
        ),
        (
            lambda: jacobian(lambda x: [x, 1.0])(1.0),
            TypeError,
            "jacobian(f): f's output [1] must be a Value, got float: 1.0",
        ),
        (
            lambda: jacobian(many_outputs, mode="sideways"),
            ValueError,
            "jacobian: mode must be 'auto', 'forward' or 'reverse', got 'sideways'",
        ),
        (lambda: jacobian("f"), TypeError, "jacobian: f must be a function of Values, got str"),
        (lambda: hessian(lambda x: [x])(1.0), TypeError, "hessian(f): f must return a Value"),
        (lambda: hessian(f)(1.0, "y"), TypeError, "hessian(f): args[1] must be a real number"),
        (lambda: hessian(42), TypeError, "hessian: f must be a function of Values, got int: 42"),
    ],
)
def test_bad_input_gets_a_clear_typed_error(call, error, message):
    with pytest.raises(error, match=re.escape(message)):
        call()
