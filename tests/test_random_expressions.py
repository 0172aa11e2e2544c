"""Property-based tests: random expression trees over 2-3 leaves, engine vs references.

A tree mixes every primitive, plain-number constants on either side of binary operations and
leaves used several times (shared subexpressions). Domains are kept safe by construction
(log and fractional powers only see x*x + 0.5 > 0, divisors are b*b + 0.5); points where a
finite difference is unreliable (near a relu kink, huge intermediates, or where two step sizes
disagree) are rejected rather than compared.
"""

from __future__ import annotations

import math

from gradtools import evaluate, numeric_gradient
from hypothesis import assume, given, note
from hypothesis import strategies as st

from autograd import Value

UNARY = {
    "neg": lambda a: -a,
    "exp": lambda a: a.exp(),
    "log": lambda a: (a * a + 0.5).log(),
    "tanh": lambda a: a.tanh(),
    "sigmoid": lambda a: a.sigmoid(),
    "relu": lambda a: a.relu(),
    "square": lambda a: a**2,
    "cube": lambda a: a**3,
    "inverse": lambda a: 1.0 / (a * a + 0.5),
    "sqrt": lambda a: (a * a + 0.25) ** 0.5,
    "pow_neg_frac": lambda a: (a * a + 0.5) ** -1.5,
    "rpow": lambda a: 1.7**a,
}

BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / (b * b + 0.5),
    "pow": lambda a, b: (a * a + 0.5) ** b,
}

constants = st.sampled_from([-2.5, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0, 3.0]) | st.floats(-3, 3)


def trees(n_leaves: int):
    leaf = st.tuples(st.just("var"), st.integers(0, n_leaves - 1))

    def extend(children):
        const = st.tuples(st.just("const"), constants)
        return st.one_of(
            st.tuples(st.just("unary"), st.sampled_from(sorted(UNARY)), children),
            st.tuples(st.just("binary"), st.sampled_from(sorted(BINARY)), children, children),
            st.tuples(st.just("binary"), st.sampled_from(sorted(BINARY)), const, children),
            st.tuples(st.just("binary"), st.sampled_from(sorted(BINARY)), children, const),
        )

    return st.recursive(leaf, extend, max_leaves=8)


def build(tree):
    """The tree as a function of the leaves; works on Values, on gradtools.R and on tensors."""
    kind = tree[0]
    if kind == "var":
        i = tree[1]
        return lambda *xs: xs[i]
    if kind == "const":
        c = tree[1]
        return lambda *xs: c
    if kind == "unary":
        f, sub = UNARY[tree[1]], build(tree[2])
        return lambda *xs: f(sub(*xs))
    f, left, right = BINARY[tree[1]], build(tree[2]), build(tree[3])
    return lambda *xs: f(left(*xs), right(*xs))


@st.composite
def problems(draw):
    n = draw(st.integers(2, 3))
    tree = draw(trees(n))
    point = draw(st.lists(st.floats(-2.0, 2.0), min_size=n, max_size=n))
    note(f"tree={tree!r} point={point!r}")
    return tree, point


def reference(fn, point):
    """Plain-float value and evaluation log, or None when the point leaves a domain."""
    try:
        value, book = evaluate(fn, point)
    except (ValueError, OverflowError, ZeroDivisionError):
        return None
    if book["max_abs"] > 1e6:
        return None
    return value, book


def engine_grads(fn, point):
    leaves = [Value(x) for x in point]
    out = fn(*leaves)
    out.backward()
    return out.data, [leaf.grad for leaf in leaves]


@given(problems())
def test_random_expression_forward_matches_plain_float_evaluation(problem):
    tree, point = problem
    fn = build(tree)
    ref = reference(fn, point)
    assume(ref is not None)
    value, _ = engine_grads(fn, point)
    assert math.isclose(value, ref[0], rel_tol=1e-12, abs_tol=1e-12)


@given(problems())
def test_random_expression_gradient_matches_finite_differences(problem):
    tree, point = problem
    fn = build(tree)
    ref = reference(fn, point)
    assume(ref is not None)
    value, book = ref
    assume(book["relu_min"] > 1e-2)  # the stencil (+-2h) must not straddle a relu kink
    try:
        coarse = numeric_gradient(fn, point, h=1e-3)
        fine = numeric_gradient(fn, point, h=1e-4)
    except (ValueError, OverflowError, ZeroDivisionError):
        assume(False)
    scale = 1.0 + book["max_abs"]
    # two step sizes must agree, else the function is too steep here for a finite difference
    assume(all(abs(c - f) <= 1e-4 * (abs(f) + scale) for c, f in zip(coarse, fine)))
    _, grads = engine_grads(fn, point)
    for i, (g, n) in enumerate(zip(grads, fine)):
        assert abs(g - n) <= 1e-5 * abs(n) + 1e-7 * scale, f"d/d x{i}: engine {g!r}, finite difference {n!r}"


@given(problems())
def test_random_expression_gradient_matches_torch(problem):
    from gradtools import torch_gradient, torch_or_skip

    torch_or_skip()
    tree, point = problem
    fn = build(tree)
    ref = reference(fn, point)
    assume(ref is not None)
    value, book = ref
    assume(book["relu_min"] > 1e-9)  # both engines must see the same side of every kink
    t_value, t_grads = torch_gradient(fn, point)
    value, grads = engine_grads(fn, point)
    scale = 1.0 + book["max_abs"]
    assert math.isclose(value, t_value, rel_tol=1e-10, abs_tol=1e-12 * scale)
    for i, (g, t) in enumerate(zip(grads, t_grads)):
        assert abs(g - t) <= 1e-9 * abs(t) + 1e-11 * scale, f"d/d x{i}: engine {g!r}, torch {t!r}"
