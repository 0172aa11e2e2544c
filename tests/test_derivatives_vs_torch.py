"""Every primitive's value and derivative against PyTorch in float64 (skipped without torch)."""

from __future__ import annotations

import math

import pytest

torch = pytest.importorskip("torch")

from gradtools import torch_gradient  # noqa: E402
from primitive_cases import case_params  # noqa: E402

from autograd import Value  # noqa: E402

PARAMS = case_params()


def engine(fn, point):
    leaves = [Value(x) for x in point]
    out = fn(*leaves)
    out.backward()
    return out.data, [leaf.grad for leaf in leaves]


@pytest.mark.parametrize("case, point", [p[:2] for p in PARAMS], ids=[p[2] for p in PARAMS])
def test_primitive_value_and_derivative_match_torch_float64(case, point):
    value, grads = engine(case.fn, point)
    t_value, t_grads = torch_gradient(case.fn, point)
    assert math.isclose(value, t_value, rel_tol=1e-12, abs_tol=1e-300)
    for i, (g, t) in enumerate(zip(grads, t_grads)):
        assert math.isclose(g, t, rel_tol=1e-10, abs_tol=1e-15), f"d/d x{i}: engine {g!r}, torch {t!r}"


@pytest.mark.parametrize("x", [0.0, -0.0])
def test_relu_at_zero_matches_torch_convention(x):
    v = Value(x)
    v.relu().backward()
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    t.relu().backward()
    assert v.grad == float(t.grad) == 0.0


@pytest.mark.parametrize("x", [-1000.0, -800.0, -40.0, -20.0, 20.0, 40.0, 800.0, 1000.0])
@pytest.mark.parametrize("op", ["sigmoid", "tanh"])
def test_saturating_functions_match_torch_at_large_magnitude(op, x):
    v = Value(x)
    out = getattr(v, op)()
    out.backward()
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    t_out = getattr(t, op)()
    t_out.backward()
    assert math.isclose(out.data, float(t_out.detach()), rel_tol=1e-12, abs_tol=1e-300)
    assert math.isclose(v.grad, float(t.grad), rel_tol=1e-9, abs_tol=1e-300)
    assert not math.isnan(v.grad)


def test_composite_expression_matches_torch():
    def f(a, b, c):
        d = a * b + b**2
        e = (d / a).tanh() + a.sigmoid() * b.exp().log()
        return e.relu() + (a - c) ** 2 + 2.0**c - (c * a).exp() / 3.0

    point = [2.0, -3.0, 0.5]
    value, grads = engine(f, point)
    t_value, t_grads = torch_gradient(f, point)
    assert math.isclose(value, t_value, rel_tol=1e-12)
    for g, t in zip(grads, t_grads):
        assert math.isclose(g, t, rel_tol=1e-10, abs_tol=1e-15)
