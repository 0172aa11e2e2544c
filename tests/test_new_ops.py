"""sin, cos, abs, sqrt, softplus, log_sigmoid, max and min: each one rule in autograd/rules.py.

tests/primitive_cases.py lists them with the other primitives, so the PyTorch and finite-difference
suites check their values and first derivatives away from kinks. Here: the conventions at kinks,
ties and domain boundaries against PyTorch float64, derivatives to third order (against PyTorch's
create_graph and against central differences), stability for large inputs, and the tools that read
the rules (replay, explain, check_derivation, draw_dot, the step frames, gradcheck) on them.
"""

from __future__ import annotations

import math
import random
import struct

import pytest
from derivative_tools import engine_derivatives, torch_derivatives
from gradtools import sigmoid

from autograd import RULES, Value, check_derivation, explain, grad, gradcheck, record
from autograd._generated import generate

torch = pytest.importorskip("torch")
F = torch.nn.functional


def T(x: float):
    return torch.tensor(x, dtype=torch.float64, requires_grad=True)


def bits(x: float) -> bytes:
    return struct.pack("<d", x)


# -- conventions at kinks, ties and domain boundaries, against PyTorch float64 ----------------------


@pytest.mark.parametrize("x", [0.0, -0.0])
def test_abs_derivative_at_zero_is_zero_as_in_torch(x):
    v = Value(x)
    out = abs(v)
    out.backward()
    t = T(x)
    t.abs().backward()
    assert v.grad == float(t.grad) == 0.0
    assert bits(out.data) == bits(float(t.detach().abs())) == bits(0.0)  # abs(-0.0) is +0.0
    assert grad(abs(Value(x)), Value(x))[0].data == 0.0
    w = Value(x)
    assert grad(abs(w), w, create_graph=True)[0].data == 0.0


@pytest.mark.parametrize("x", [-3.0, -1e-300, 1e-300, 2.0])
def test_abs_derivative_is_the_sign_away_from_zero(x):
    v = Value(x)
    abs(v).backward()
    assert v.grad == math.copysign(1.0, x)


@pytest.mark.parametrize("op, torch_op", [("max", torch.maximum), ("min", torch.minimum)])
@pytest.mark.parametrize("a, b", [(1.5, 1.5), (0.0, 0.0), (-0.0, 0.0), (0.0, -0.0), (-2.0, -2.0)])
def test_max_and_min_split_the_gradient_evenly_at_a_tie_as_torch(op, torch_op, a, b):
    x, y = Value(a), Value(b)
    out = getattr(x, op)(y)
    out.backward()
    ta, tb = T(a), T(b)
    t_out = torch_op(ta, tb)
    t_out.backward()
    assert (x.grad, y.grad) == (float(ta.grad), float(tb.grad)) == (0.5, 0.5)
    assert bits(out.data) == bits(float(t_out.detach()))  # the same zero, sign included


@pytest.mark.parametrize("op, torch_op", [("max", torch.maximum), ("min", torch.minimum)])
@pytest.mark.parametrize("x0, c", [(1.0, 1.0), (1.0, 2.0), (3.0, 2.0), (0.0, 0.0)])
def test_max_and_min_with_a_number_match_torch_with_that_number_as_a_tensor(op, torch_op, x0, c):
    """A number operand is a constant; at a tie the Value still gets half, as torch.maximum gives."""
    x = Value(x0)
    out = getattr(x, op)(c)
    out.backward()
    t = T(x0)
    t_out = torch_op(t, torch.tensor(c, dtype=torch.float64))
    t_out.backward()
    assert x.grad == float(t.grad)
    assert out.data == float(t_out.detach())
    assert getattr(x, op)(int(c)).data == out.data  # an int is a number too


def test_a_tie_with_zero_is_where_max_and_relu_differ_as_in_torch():
    x, y = Value(0.0), Value(0.0)
    x.max(0.0).backward()
    y.relu().backward()
    assert (x.grad, y.grad) == (0.5, 0.0)
    t, u = T(0.0), T(0.0)
    torch.maximum(t, torch.tensor(0.0, dtype=torch.float64)).backward()
    u.relu().backward()
    assert (float(t.grad), float(u.grad)) == (0.5, 0.0)


def test_a_value_maxed_with_itself_gets_the_whole_gradient():
    x = Value(1.25)
    x.max(x).backward()
    assert x.grad == 1.0
    t = T(1.25)
    torch.maximum(t, t).backward()
    assert float(t.grad) == 1.0


@pytest.mark.parametrize("x", [0.0, -0.0])
def test_sqrt_at_zero_is_zero_and_its_derivative_is_a_clear_error_where_torch_gives_inf(x):
    v = Value(x)
    out = v.sqrt()
    assert bits(out.data) == bits(float(torch.tensor(x, dtype=torch.float64).sqrt()))  # -0.0 stays -0.0
    t = T(x)
    t.sqrt().backward()
    assert float(t.grad) == math.copysign(math.inf, x)  # PyTorch's answer; no gradient of ours may be infinite
    with pytest.raises(ZeroDivisionError, match=r"^sqrt: the local derivative d out / d a = 0\.5 / out .* a = -?0\.0"):
        out.backward()
    assert v.grad == 0.0  # a failed backward changes nothing
    with pytest.raises(ZeroDivisionError, match=r"^sqrt: "):
        grad(out, v)
    with pytest.raises(ZeroDivisionError, match=r"^sqrt: "):
        grad(out, v, create_graph=True)
    tape = record(lambda a: a.sqrt(), [x])
    assert tape.forward([x]) == 0.0
    with pytest.raises(ZeroDivisionError, match=r"sqrt's derivative failed"):
        tape.backward()


def test_sqrt_of_a_negative_number_is_a_value_error_naming_sqrt_and_the_value():
    with pytest.raises(ValueError, match=r"^sqrt: input must be >= 0, got -1e-300$"):
        Value(-1e-300).sqrt()
    tape = record(lambda a: (a - 1.0).sqrt(), [2.0])
    with pytest.raises(ValueError, match=r"^sqrt: input must be >= 0, got -0\.5$"):
        tape.forward([0.5])


@pytest.mark.parametrize("op", ["max", "min"])
@pytest.mark.parametrize(
    "bad, error", [("1", TypeError), (None, TypeError), (math.nan, ValueError), (math.inf, ValueError)]
)
def test_max_and_min_refuse_a_bad_operand_naming_the_operation(op, bad, error):
    with pytest.raises(error, match=rf"^{op}: operand"):
        getattr(Value(1.0), op)(bad)


def test_comparisons_stay_plain_bools_of_the_data():
    x, y = Value(1.0), Value(2.0)
    assert (x < y) is True and (x >= y) is False and (x <= 1.0) is True and (2.0 > x) is True
    assert x != Value(1.0)  # equality is identity, so Values key dicts and sets
    assert max(x, y) is y  # Python's max picks an operand and records nothing; x.max(y) is a node
    assert x.max(y) is not y and x.max(y).rule is RULES["max"]


# -- stable for any input ------------------------------------------------------------------------------


@pytest.mark.parametrize("x", [-1e300, -1000.0, -745.0, -40.0, -21.0, 0.0, 21.0, 40.0, 745.0, 1000.0, 1e300])
def test_softplus_and_log_sigmoid_are_finite_and_match_torch_for_any_input(x):
    for method, reference in [("softplus", lambda t: -F.logsigmoid(-t)), ("log_sigmoid", F.logsigmoid)]:
        v = Value(x)
        out = getattr(v, method)()
        out.backward()
        t = T(x)
        t_out = reference(t)
        t_out.backward()
        assert math.isfinite(out.data) and math.isfinite(v.grad)
        assert math.isclose(out.data, float(t_out.detach()), rel_tol=1e-15, abs_tol=1e-300), method
        assert math.isclose(v.grad, float(t.grad), rel_tol=1e-15, abs_tol=1e-300), method
    assert Value(x).softplus().data >= max(x, 0.0)  # log(1 + e^x) > max(x, 0), never below
    assert Value(x).log_sigmoid().data <= min(x, 0.0)


def test_softplus_keeps_what_torchs_thresholded_softplus_drops_above_20():
    """F.softplus returns x itself for x > 20; log(1 + e^21) is 21 + 7.6e-10."""
    assert Value(21.0).softplus().data == 21.0 + math.exp(-21.0) - math.exp(-42.0) / 2
    assert float(F.softplus(torch.tensor(21.0, dtype=torch.float64))) == 21.0


def test_softplus_and_log_sigmoid_are_each_others_mirror():
    for x in [-30.0, -1.5, 0.0, 0.25, 3.0, 30.0]:
        assert Value(x).log_sigmoid().data == -Value(-x).softplus().data


# -- derivatives to third order -------------------------------------------------------------------------

# name, engine f, torch f, points, and the first three derivatives by hand
THIRD_ORDER = [
    ("sin", lambda v: v.sin(), torch.sin, [-2.0, 0.0, 0.7, 3.0], lambda x: (math.cos(x), -math.sin(x), -math.cos(x))),
    ("cos", lambda v: v.cos(), torch.cos, [-2.0, 0.0, 0.7, 3.0], lambda x: (-math.sin(x), -math.cos(x), math.sin(x))),
    ("abs", lambda v: abs(v), torch.abs, [-1.3, 0.4, 2.0], lambda x: (math.copysign(1.0, x), 0.0, 0.0)),
    (
        "sqrt",
        lambda v: v.sqrt(),
        torch.sqrt,
        [0.05, 0.7, 2.0, 9.0],
        lambda x: (0.5 * x**-0.5, -0.25 * x**-1.5, 0.375 * x**-2.5),
    ),
    (
        "softplus",
        lambda v: v.softplus(),
        lambda t: -F.logsigmoid(-t),
        [-30.0, -2.0, 0.0, 0.5, 3.0, 30.0],
        lambda x: (sigmoid(x), sigmoid(x) * sigmoid(-x), sigmoid(x) * sigmoid(-x) * (sigmoid(-x) - sigmoid(x))),
    ),
    (
        "log_sigmoid",
        lambda v: v.log_sigmoid(),
        F.logsigmoid,
        [-30.0, -2.0, 0.0, 0.5, 3.0, 30.0],
        lambda x: (sigmoid(-x), -sigmoid(x) * sigmoid(-x), -sigmoid(x) * sigmoid(-x) * (sigmoid(-x) - sigmoid(x))),
    ),
    (
        "max",
        lambda v: v.max(0.5) * v,
        lambda t: torch.maximum(t, torch.tensor(0.5, dtype=torch.float64)) * t,
        [-1.0, 0.2, 0.9, 2.0],
        lambda x: (2 * x if x > 0.5 else 0.5, 2.0 if x > 0.5 else 0.0, 0.0),
    ),
    (
        "min",
        lambda v: v.min(-0.5) * v,
        lambda t: torch.minimum(t, torch.tensor(-0.5, dtype=torch.float64)) * t,
        [-2.0, -0.9, 0.1, 1.0],
        lambda x: (2 * x if x < -0.5 else -0.5, 2.0 if x < -0.5 else 0.0, 0.0),
    ),
    (
        "composite",
        lambda v: (v.sin() * v.cos()).softplus() + abs(v).sqrt(),
        lambda t: -F.logsigmoid(-(t.sin() * t.cos())) + t.abs().sqrt(),
        [-1.1, 0.3, 2.5],
        None,
    ),
]
THIRD_ORDER_PARAMS = [(n, f, tf, x, hand) for n, f, tf, xs, hand in THIRD_ORDER for x in xs]
THIRD_ORDER_IDS = [f"{n}@{x}" for n, _, _, xs, _ in THIRD_ORDER for x in xs]


@pytest.mark.parametrize("name, f, torch_f, x0, hand", THIRD_ORDER_PARAMS, ids=THIRD_ORDER_IDS)
def test_third_order_derivatives_match_torch_float64(name, f, torch_f, x0, hand):
    # abs_tol: at x = +-30 the second derivative of softplus is about 9.4e-14, and one side of it
    # comes out 0.1% off in both engines (sigmoid's rule out * (1 - out) cancels where out is near
    # 1: ours at +30, PyTorch's at -30). First derivatives are held to 1e-15 relative, above.
    ours, theirs = engine_derivatives(f, x0), torch_derivatives(torch_f, x0)
    for k, (a, b) in enumerate(zip(ours, theirs)):
        assert math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-15), f"order {k}: engine {a!r}, torch {b!r}"
    if hand is not None:
        for k, (a, b) in enumerate(zip(ours[1:], hand(x0)), start=1):
            assert math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-15), f"order {k}: engine {a!r}, by hand {b!r}"


@pytest.mark.parametrize("name, f, torch_f, x0, hand", THIRD_ORDER_PARAMS, ids=THIRD_ORDER_IDS)
def test_each_derivative_is_the_central_difference_of_the_one_before(name, f, torch_f, x0, hand):
    """f^(k+1) against the 5-point central difference of the engine's f^(k), for k = 0, 1, 2."""
    h = 1e-3 * (max(1.0, abs(x0)) if name != "sqrt" else x0)  # sqrt: the stencil stays inside x > 0
    shifted = {s: engine_derivatives(f, x0 + s * h) for s in (-2, -1, 1, 2)}
    ours = engine_derivatives(f, x0)
    for k in range(3):
        numeric = (-shifted[2][k] + 8 * shifted[1][k] - 8 * shifted[-1][k] + shifted[-2][k]) / (12 * h)
        scale = max(abs(ours[k]), abs(ours[k + 1]), 1.0)
        assert math.isclose(ours[k + 1], numeric, rel_tol=1e-6, abs_tol=1e-8 * scale), (
            f"order {k + 1}: engine {ours[k + 1]!r}, difference of order {k}: {numeric!r}"
        )


def test_mixed_second_derivatives_of_max_and_min_of_two_values():
    a, b = Value(1.5), Value(-0.5)
    ga, gb = grad(a.max(b) * a.min(b), [a, b], create_graph=True)  # = a * b here
    assert (ga.data, gb.data) == (-0.5, 1.5)
    assert [g.data for g in grad(ga, [a, b])] == [0.0, 1.0]
    assert [g.data for g in grad(gb, [a, b])] == [1.0, 0.0]


# -- the tools read the new rules with no code of their own ----------------------------------------------


def uses_every_new_op(x: Value, y: Value) -> Value:
    return (
        x.sin() * y.cos()
        + abs(x - y)
        + (x * x + 0.5).sqrt()
        + (x * y).softplus()
        + y.log_sigmoid()
        + x.max(y) * 2.0
        + y.min(0.25)
        + x.max(1.0).min(y)
    )


def test_replay_of_the_new_ops_gives_backwards_bits_and_re_evaluates_kinks_and_ties():
    tape = record(uses_every_new_op, [0.3, -0.8])
    for name in ("sin(", "cos(", "sigmoid(", "abs(", "F_sqrt(", "F_softplus(", "F_log_sigmoid("):
        assert name in tape.source
    rng = random.Random(3)
    points = [[rng.uniform(-2, 2), rng.uniform(-2, 2)] for _ in range(30)]
    points += [[0.4, 0.4], [1.0, 1.0], [-0.8, 0.25], [0.0, 0.0], [2.0, 1.0]]  # ties and abs at 0
    for point in points:
        leaves = [Value(p) for p in point]
        out = uses_every_new_op(*leaves)
        out.backward()
        assert bits(tape.forward(point)) == bits(out.data), point
        assert [bits(g) for g in tape.backward()] == [bits(leaf.grad) for leaf in leaves], point


@pytest.mark.parametrize("point", [[0.3, -0.8], [1.7, 0.4], [-1.2, -0.1]])
def test_backward_grad_generic_loop_and_create_graph_agree_on_the_new_ops(point):
    from autograd import backpropagate

    leaves = [Value(p) for p in point]
    out = uses_every_new_op(*leaves)
    out.backward()
    expected = [bits(leaf.grad) for leaf in leaves]
    assert [bits(g.data) for g in grad(out, leaves)] == expected
    generic = backpropagate(out, 1.0)
    assert [bits(generic[leaf]) for leaf in leaves] == expected  # type: ignore[arg-type]
    with_graph = [g.data for g in grad(out, leaves, create_graph=True)]
    assert with_graph == pytest.approx([leaf.grad for leaf in leaves], rel=1e-14, abs=1e-15)


@pytest.mark.parametrize("point", [[0.3, -0.8], [1.7, 0.4], [-1.2, -0.1]])
def test_gradcheck_and_explain_agree_with_backward(point):
    report = gradcheck(uses_every_new_op, point)
    assert report.ok
    x, y = Value(point[0], label="x"), Value(point[1], label="y")
    out = uses_every_new_op(x, y)
    out.backward()
    assert explain(out, x).total == pytest.approx(x.grad, rel=1e-14)
    assert explain(out, y).total == pytest.approx(y.grad, rel=1e-14)


def test_check_derivation_and_the_drawings_name_the_new_rules_with_their_local_derivatives():
    pytest.importorskip("graphviz")
    from autograd import draw_dot
    from autograd.viz import backprop_steps

    x = Value(0.7, label="x")
    s = x.sin()
    s.label = "s"
    L = s.softplus()
    L.label = "L"
    dL_ds = sigmoid(math.sin(0.7))
    report = check_derivation(L, {"dL/ds": lambda v: 1 / (1 + math.exp(-v["s"])), "dL/dx": dL_ds * math.cos(0.7)})
    assert report.ok, str(report)
    source = draw_dot(L).source
    assert "softplus" in source and "sin" in source
    assert f"{math.cos(0.7):.4f}" in source  # the edge x -> s carries d s / d x = cos(x)
    assert f"{dL_ds:.4f}" in source  # the edge s -> L carries d L / d s = sigmoid(s)
    L.backward()
    assert backprop_steps(L).grads[x] == x.grad


def test_explain_shows_the_new_operations_by_name():
    x = Value(0.5, label="x")
    text = str(explain(abs(x.cos()).max(x.sqrt()), x))
    for name in ("cos(x)", "abs(", "sqrt(x)", "max"):
        assert name in text


def test_every_new_rule_states_its_convention_in_its_note():
    notes = {name: RULES[name].note for name in ("abs", "sqrt", "softplus", "log_sigmoid", "max", "min")}
    assert "0" in notes["abs"] and "torch.abs" in notes["abs"]
    assert "ZeroDivisionError" in notes["sqrt"] and "inf" in notes["sqrt"]
    assert "half" in notes["max"] and "half" in notes["min"]
    assert "stable" in notes["softplus"] and "stable" in notes["log_sigmoid"]


def test_the_generator_refuses_a_derivative_that_calls_a_function_with_no_value_version(monkeypatch):
    sin = generate.RULES["sin"]
    tan_like = type(sin)("tan", "tan", derivatives=("1.0 + tan(a) ** 2",), function=math.tan)
    monkeypatch.setitem(generate.RULES, "tan", tan_like)
    with pytest.raises(SystemExit, match=r"rule 'tan': the derivative '1\.0 \+ tan\(a\) \*\* 2' calls tan\(\)"):
        generate.outputs()
