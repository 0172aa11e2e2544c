"""autograd.primitive: an operation defined through the public API only, and every tool reading it.

The expected numbers are hand-derived calculus on plain floats, PyTorch in float64 and central
finite differences; never the code under test.
"""

from __future__ import annotations

import math
import re
import struct

import pytest
from derivative_tools import engine_derivatives, torch_derivatives
from gradtools import sigmoid, torch_or_skip

import autograd
from autograd import RULES, GradcheckError, Rule, Value, check_derivation, draw_dot, explain, grad, gradcheck, record
from autograd.viz import backprop_steps


def softplus(x: float) -> float:
    """log(1 + e^x), stable for any x."""
    return math.log1p(math.exp(-abs(x))) + max(x, 0.0)


# A user's operations, written with autograd.primitive alone. Each derivative is written with
# operators, the output, or other primitives, so that it runs on floats and on Values.
my_exp = autograd.primitive("my_exp", math.exp, (lambda a, out: out,))
my_sigmoid = autograd.primitive("my_sigmoid", sigmoid, (lambda a, out: out * (1.0 - out),), symbol="σ")
my_softplus = autograd.primitive(
    "my_softplus", softplus, (lambda a, out: my_sigmoid(a),), note="log(1 + e^a); its derivative is sigmoid(a)"
)
my_sin = autograd.primitive("my_sin", math.sin, (lambda a, out: my_cos(a),))
my_cos = autograd.primitive("my_cos", math.cos, (lambda a, out: -my_sin(a),))
my_log = autograd.primitive("my_log", math.log, (lambda a, out: 1.0 / a,))
my_hypot = autograd.primitive(
    "my_hypot", math.hypot, (lambda a, b, out: a / out, lambda a, b, out: b / out), symbol="hypot"
)


def bits(x: float) -> bytes:
    return struct.pack("<d", 0.0 + x)


def difference(g, x0: float, h: float = 1e-3) -> float:
    """g'(x0) by the 5-point central stencil."""
    return (-g(x0 + 2 * h) + 8 * g(x0 + h) - 8 * g(x0 - h) + g(x0 - 2 * h)) / (12 * h)


UNARY = [
    ("softplus", lambda v: my_softplus(v), lambda t: t.nn.functional.softplus, [-3.0, -0.4, 0.0, 1.3, 5.0]),
    ("sin", lambda v: my_sin(v), lambda t: t.sin, [-2.0, 0.0, 0.7, 3.0]),
    ("sigmoid", lambda v: my_sigmoid(v), lambda t: t.sigmoid, [-4.0, 0.0, 0.5]),
    ("log", lambda v: my_log(v), lambda t: t.log, [0.3, 1.0, 4.0]),
    # composites: user primitives with built-in operations around them
    (
        "softplus(sin(2x))",
        lambda v: my_softplus(my_sin(v * 2.0)),
        lambda t: lambda x: t.nn.functional.softplus(t.sin(x * 2.0)),
        [-1.0, 0.3, 2.0],
    ),
    ("sin(x) * exp(x)", lambda v: my_sin(v) * my_exp(v), lambda t: lambda x: t.sin(x) * t.exp(x), [-0.5, 1.1]),
]


@pytest.mark.parametrize(
    "name, f, torch_f, x0",
    [(n, f, t, x) for n, f, t, xs in UNARY for x in xs],
    ids=[f"{n}@{x}" for n, _, _, xs in UNARY for x in xs],
)
def test_a_user_primitive_differentiates_to_third_order_as_torch_does(name, f, torch_f, x0):
    torch = torch_or_skip()
    engine = engine_derivatives(f, x0)
    reference = torch_derivatives(torch_f(torch), x0)
    for k, (e, r) in enumerate(zip(engine, reference)):
        assert math.isclose(e, r, rel_tol=1e-12, abs_tol=1e-14), (k, e, r)


@pytest.mark.parametrize("name, f, x0", [(n, f, x) for n, f, _, xs in UNARY for x in xs])
def test_each_derivative_of_a_user_primitive_is_the_finite_difference_of_the_one_before(name, f, x0):
    for k in range(1, 4):
        below = lambda x, k=k: engine_derivatives(f, x, k - 1)[-1]  # noqa: E731
        assert math.isclose(engine_derivatives(f, x0, k)[-1], difference(below, x0), rel_tol=1e-7, abs_tol=1e-8), k


def test_softplus_and_sin_against_their_calculus():
    for x0 in (-2.0, 0.0, 1.5):
        s = sigmoid(x0)
        assert engine_derivatives(my_softplus, x0) == pytest.approx(
            [softplus(x0), s, s * (1 - s), s * (1 - s) * (1 - 2 * s)], rel=1e-13, abs=1e-15
        )
        assert engine_derivatives(my_sin, x0) == pytest.approx(
            [math.sin(x0), math.cos(x0), -math.sin(x0), -math.cos(x0)], rel=1e-13, abs=1e-15
        )


def binary_partials(f, a0: float, b0: float) -> dict[str, float]:
    """Every partial derivative of f(a, b) up to the third, by nesting grad(create_graph=True)."""
    a, b = Value(a0), Value(b0)
    found = {"": f(a, b)}
    for word in ("a", "b", "aa", "ab", "bb", "aaa", "aab", "abb", "bbb"):
        (d,) = grad(found[word[:-1]], a if word[-1] == "a" else b, create_graph=True)
        found[word] = d
    return {k: v.data for k, v in found.items()}


@pytest.mark.parametrize("a0, b0", [(3.0, 4.0), (-1.5, 0.25), (0.7, -2.0)])
def test_a_binary_user_primitive_has_every_partial_to_third_order_as_torch(a0, b0):
    torch = torch_or_skip()
    engine = binary_partials(lambda a, b: my_hypot(a, b) * my_sin(a), a0, b0)
    a = torch.tensor(a0, dtype=torch.float64, requires_grad=True)
    b = torch.tensor(b0, dtype=torch.float64, requires_grad=True)
    found = {"": torch.sqrt(a * a + b * b) * torch.sin(a)}
    for word in ("a", "b", "aa", "ab", "bb", "aaa", "aab", "abb", "bbb"):
        (d,) = torch.autograd.grad(found[word[:-1]], a if word[-1] == "a" else b, create_graph=True)
        found[word] = d
    for word, value in found.items():
        assert math.isclose(engine[word], float(value.detach()), rel_tol=1e-11, abs_tol=1e-13), word


def test_the_hypot_partials_are_the_calculus_and_the_finite_differences():
    r = math.hypot(3.0, 4.0)
    p = binary_partials(my_hypot, 3.0, 4.0)
    assert p["a"] == pytest.approx(3.0 / r, rel=1e-15) and p["b"] == pytest.approx(4.0 / r, rel=1e-15)
    assert p["ab"] == pytest.approx(-3.0 * 4.0 / r**3, rel=1e-14)
    assert p["aa"] == pytest.approx(4.0**2 / r**3, rel=1e-14)
    assert p["aab"] == pytest.approx(difference(lambda b: binary_partials(my_hypot, 3.0, b)["aa"], 4.0), rel=1e-7)


# -- on numbers, on Values, with constants ------------------------------------------------------------


def test_on_numbers_a_primitive_is_a_float_function_and_on_values_it_records_one_node():
    assert my_sin(0.5) == math.sin(0.5) and type(my_sin(0.5)) is float
    assert type(my_sin(1)) is float and my_hypot(3, 4) == 5.0
    x = Value(0.5)
    y = my_sin(x)
    assert type(y) is Value and y.data == math.sin(0.5)
    assert y.children == (x,) and y.op == "my_sin"
    assert isinstance(y.rule, Rule) and y.rule is my_sin.rule and y.rule.note == ""
    assert my_softplus.rule.note.startswith("log(1 + e^a)")
    assert "my_sin" not in RULES  # the table stays the library's own
    assert my_sin.name == "my_sin" and repr(my_sin) == "<primitive 'my_sin' of 1 operand>"
    assert repr(my_hypot) == "<primitive 'my_hypot' of 2 operands>"


def test_a_number_operand_of_a_binary_primitive_is_a_constant_with_no_gradient():
    y = Value(4.0)
    out = my_hypot(3.0, y)
    assert out.operands == (3.0, y) and out.children == (y,)
    out.backward()
    assert y.grad == 4.0 / 5.0
    x = Value(3.0)
    out = my_hypot(x, 4)
    out.backward()
    assert x.grad == 3.0 / 5.0


@pytest.mark.parametrize(
    "bad, error, message",
    [
        ("a", TypeError, "my_sin: operand must be a real number"),
        (math.nan, ValueError, "my_sin: operand must be finite"),
        (True, TypeError, "my_sin: operand must be a real number"),
    ],
)
def test_a_bad_operand_is_refused_naming_the_operation(bad, error, message):
    with pytest.raises(error, match=re.escape(message)):
        my_sin(bad)
    with pytest.raises(error, match=re.escape(message.replace("my_sin", "my_hypot"))):
        my_hypot(Value(1.0), bad)


# -- every tool reads it, with no code of its own ------------------------------------------------------


def user_graph(x: Value, y: Value) -> Value:
    return my_softplus(my_hypot(my_sin(x) * y, 2.0)) + my_cos(x) * x


def test_backward_goes_through_the_generated_pass_and_equals_the_generic_loop_and_the_calculus():
    x, y = Value(0.7), Value(-1.3)
    out = user_graph(x, y)
    out.backward()
    generic = autograd.backpropagate(out)
    assert bits(generic[x]) == bits(x.grad) and bits(generic[y]) == bits(y.grad)
    # by hand: u = sin(x) y, r = hypot(u, 2), out = softplus(r) + cos(x) x
    u = math.sin(0.7) * -1.3
    r = math.hypot(u, 2.0)
    dr = sigmoid(r) * u / r
    assert x.grad == pytest.approx(dr * math.cos(0.7) * -1.3 - math.sin(0.7) * 0.7 + math.cos(0.7), rel=1e-14)
    assert y.grad == pytest.approx(dr * math.sin(0.7), rel=1e-14)


def test_gradcheck_passes_a_user_primitive_and_catches_a_wrong_derivative():
    assert gradcheck(lambda x, y: user_graph(x, y), [0.7, -1.3]).ok
    assert gradcheck(lambda a, b: my_hypot(a, b), [3.0, -4.0]).ok
    wrong = autograd.primitive("wrong_sin", math.sin, (lambda a, out: -my_cos(a),))  # sign slip
    with pytest.raises(GradcheckError):
        gradcheck(lambda x: wrong(x), [0.4])


def test_draw_dot_shows_the_symbol_and_the_local_derivative_on_each_edge():
    x, y = Value(3.0, label="x"), Value(4.0, label="y")
    z = my_hypot(x, y)
    z.label = "z"
    s = my_sigmoid(z)
    s.label = "s"
    s.backward()
    source = draw_dot(s).source
    assert "label=<hypot>" in source and "label=<σ>" in source
    assert "∂z/∂x = 0.6000" in source and "∂z/∂y = 0.8000" in source  # 3/5 and 4/5
    assert f"∂s/∂z = {sigmoid(5.0) * (1 - sigmoid(5.0)):.4f}" in source


def test_the_step_frames_and_explain_use_its_local_derivatives():
    x = Value(0.6, label="x")
    h = my_sin(x)
    h.label = "h"
    out = my_softplus(h)
    out.label = "L"
    out.backward()
    steps = backprop_steps(out)
    assert steps.grads[x] == x.grad
    (term,) = next(step for step in steps if step.node is x).terms
    assert term.local == math.cos(0.6) and term.local_name == "∂h/∂x"
    text = str(explain(out, x))
    assert "∂L/∂h · ∂h/∂x" in text and explain(out, x).total == x.grad
    unnamed = str(explain(my_hypot(my_sin(x) * 2.0, x), x))  # unlabelled nodes are written out by their rule
    assert "v1 = my_sin(x) = 0.5646" in unnamed and "v3 = v2 hypot x" in unnamed


def test_check_derivation_checks_hand_formulas_through_a_user_primitive():
    x = Value(0.6, label="x")
    h = my_sin(x)
    h.label = "h"
    out = my_softplus(h)
    out.label = "L"
    hand = {"dL/dh": lambda v: sigmoid(v["h"]), "dL/dx": lambda v: sigmoid(v["h"]) * math.cos(v["x"])}
    right = check_derivation(out, hand)
    assert right.ok, str(right)
    wrong = check_derivation(out, {"dL/dx": lambda v: sigmoid(v["h"])})  # the cos factor is missing
    assert not wrong.ok and "∂h/∂x" in str(wrong)


def test_replay_runs_a_user_primitive_and_gives_backwards_bits():
    w = Value(0.9, label="w")
    tape = record(lambda x, y: user_graph(x * w, y), [0.7, -1.3])
    assert "P_my_softplus(" in tape.source and "my_hypot_da(" in tape.source and "my_sin_da(" in tape.source
    for point in ([0.7, -1.3], [-0.2, 2.5], [1.9, 0.1]):
        x, y = Value(point[0]), Value(point[1])
        w.grad = 0.0
        out = user_graph(x * w, y)
        out.backward()
        expected_w = w.grad
        w.grad = 0.0
        assert bits(tape.forward(point)) == bits(out.data)
        assert [bits(g) for g in tape.backward()] == [bits(x.grad), bits(y.grad)]
        assert bits(w.grad) == bits(expected_w)


def test_replay_names_the_user_operation_whose_derivative_or_forward_fails():
    tape = record(lambda a, b: my_hypot(a, b), [3.0, 4.0])
    tape.forward([0.0, 0.0])
    with pytest.raises(ZeroDivisionError, match=r"replay: my_hypot's derivative failed in `.*my_hypot_da"):
        tape.backward()
    tape = record(lambda a: my_log(a), [2.0])
    with pytest.raises(ValueError, match=re.escape("my_log: the forward failed at a = -1.0")):
        tape.forward([-1.0])


def test_replay_refuses_two_different_operations_of_one_name_in_one_graph():
    again = autograd.primitive("my_sin", math.sin, (lambda a, out: my_cos(a),))  # defined again, as in a notebook
    assert record(lambda x: again(x), [0.5]).forward([0.5]) == math.sin(0.5)  # alone, it replays
    with pytest.raises(ValueError, match="two different operations named 'my_sin'"):
        record(lambda x: again(x) + my_sin(x), [0.5])


# -- failures are named -------------------------------------------------------------------------------


def test_a_forward_that_fails_raises_its_kind_of_error_naming_the_operation_and_the_operands():
    failed = "my_log: the forward failed at a = -1.0 (ValueError: math domain error)"
    with pytest.raises(ValueError, match=re.escape(failed)):
        my_log(Value(-1.0))
    with pytest.raises(ValueError, match=re.escape("my_log: the forward failed at a = 0.0")):
        my_log(0.0)
    recip = autograd.primitive("recip", lambda a: 1.0 / a, (lambda a, out: -out * out,))
    with pytest.raises(ZeroDivisionError, match="recip: the forward failed at a = 0.0"):
        recip(Value(0.0))
    with pytest.raises(OverflowError, match="my_exp: the forward failed at a = 1000.0"):
        my_exp(Value(1000.0))
    lookup = autograd.primitive("lookup", lambda a: {}[a], (lambda a, out: 0.0,))
    with pytest.raises(RuntimeError, match="lookup: the forward failed at a = 1.0 .KeyError"):
        lookup(Value(1.0))


@pytest.mark.parametrize(
    "result, error, message",
    [
        (math.inf, OverflowError, "is inf, not a finite number"),
        (-math.inf, OverflowError, "is -inf, not a finite number"),
        (math.nan, ValueError, "is nan, not a number"),
        (1j, TypeError, "is 1j (complex), not a real number"),
        (None, TypeError, "is None (NoneType), not a real number"),
        (True, TypeError, "is True (bool), not a real number"),
    ],
)
def test_a_forward_result_that_is_not_a_finite_real_number_is_refused(result, error, message):
    f = autograd.primitive("odd", lambda a: result, (lambda a, out: 1.0,))
    for x in (Value(2.0), 2.0):
        with pytest.raises(error, match=re.escape(f"odd: the forward at a = 2.0 {message}")):
            f(x)


def test_a_derivative_that_fails_is_named_with_its_operation_formula_and_operands_on_every_path():
    a, b = Value(0.0), Value(0.0)
    out = my_hypot(a, b)
    named = re.escape(
        "my_hypot: the local derivative d out / d a = my_hypot_da(a, b, out) cannot be computed at a = 0.0, b = 0.0"
    )
    with pytest.raises(ZeroDivisionError, match=named):
        out.backward()
    assert a.grad == 0.0 and b.grad == 0.0
    with pytest.raises(ZeroDivisionError, match=named):
        grad(out, [a, b], create_graph=True)
    with pytest.raises(ZeroDivisionError, match=named):
        explain(out, a)


def test_a_derivative_that_is_not_finite_is_refused_naming_the_operation():
    steep = autograd.primitive("steep", math.sin, (lambda a, out: 1e308 * (a + 2.0),))
    x = Value(1.0)
    with pytest.raises(OverflowError, match=r"steep: the local derivative d out / d a = steep_da\(a, out\) .*inf"):
        steep(x).backward()


def test_a_derivative_written_with_value_methods_serves_backward_replay_and_the_tools_too():
    values_only = autograd.primitive("values_only", math.exp, (lambda a, out: a.exp(),))  # a float has no .exp()
    x = Value(0.5, label="x")
    y = values_only(x)
    y.label = "y"
    y.backward()
    assert x.grad == math.exp(0.5) and grad(y, x, create_graph=True)[0].data == math.exp(0.5)
    assert explain(y, x).total == math.exp(0.5) and check_derivation(y, {"dy/dx": lambda v: math.exp(v["x"])}).ok
    tape = record(lambda t: values_only(t), [0.5])
    tape.forward([1.5])
    assert tape.backward() == [math.exp(1.5)]
    # one that builds a Value even from floats: backward, replay and the checkers still get numbers
    builds = autograd.primitive("builds", lambda a: 3.0 * a, (lambda a, out: Value(3.0) + 0.0 * a,))
    tape = record(lambda t: builds(t) * t, [0.5])
    tape.forward([2.0])
    (g,) = tape.backward()
    assert type(g) is float and g == 12.0
    assert type(builds.rule.local_grads[0](2.0, None, 6.0)) is float


def test_a_derivative_that_takes_neither_floats_nor_values_is_refused_saying_why():
    broken = autograd.primitive("broken", math.exp, (lambda a, out: a.exponential(),))
    x = Value(0.5)
    y = broken(x)
    with pytest.raises(
        TypeError,
        match=r"broken: d out / d a failed at a = 0.5, given floats and given Values "
        r"\(AttributeError: 'float' object has no attribute 'exponential'\)",
    ):
        y.backward()
    with pytest.raises(TypeError, match=r"broken: d out / d a failed at a = 0.5, given Values \(AttributeError"):
        grad(y, x, create_graph=True)
    assert x.grad == 0.0


def test_a_derivative_that_turns_values_into_floats_is_refused_where_it_would_give_wrong_higher_derivatives():
    float_only = autograd.primitive("float_only", math.sin, (lambda a, out: math.cos(a),))
    x = Value(0.5)
    y = float_only(x)
    assert grad(y, x)[0].data == math.cos(0.5)  # first derivatives are right
    refused = r"float_only: d out / d a returned the plain number .* when called with Values, yet it changes"
    with pytest.raises(TypeError, match=refused):
        grad(y, x, create_graph=True)


@pytest.mark.parametrize("x0", [0.5, -0.5, 0.5 - 1e-3, -0.5 + 1e-3, 0.0, 2.0, -3.0, 1e-300])  # the kinks: 2 x0 = +-1
def test_a_constant_or_step_derivative_is_fine_on_values_even_at_its_kink(x0):
    clamp = autograd.primitive(
        "clamp",
        lambda a: max(-1.0, min(1.0, a)),
        (lambda a, out: 1.0 if -1.0 < a < 1.0 else 0.0,),
        note="derivative 0 at the kinks +-1",
    )
    double = autograd.primitive("double", lambda a: 2.0 * a, (lambda a, out: 2.0,))
    x = Value(x0)
    (d1,) = grad(clamp(double(x)) * x, x, create_graph=True)
    (d2,) = grad(d1, x)
    inside = -1.0 < 2.0 * x0 < 1.0
    assert d1.data == pytest.approx((2.0 * x0 if inside else clamp(2.0 * x0)) + (2.0 * x0 if inside else 0.0))
    assert d2.data == (4.0 if inside else 0.0)


# -- bad arguments to primitive() ---------------------------------------------------------------------


def unary_d(a, out):
    return out


@pytest.mark.parametrize(
    "args, kwargs, error, message",
    [
        ((3, math.sin, (unary_d,)), {}, TypeError, "primitive: name must be a str, got int: 3"),
        (("my sin", math.sin, (unary_d,)), {}, ValueError, "primitive 'my sin': the name must be a Python identifier"),
        (("lambda", math.sin, (unary_d,)), {}, ValueError, "must be a Python identifier"),
        (("f", 2.0, (unary_d,)), {}, TypeError, "primitive 'f': forward must be a function of floats, got float: 2.0"),
        (
            ("f", math.sin, unary_d),
            {},
            TypeError,
            "primitive 'f': derivatives must be a tuple with one function per operand",
        ),
        (("f", math.sin, ()), {}, ValueError, "an operation takes 1 or 2 operands, so give 1 or 2 derivatives, got 0"),
        (("f", math.sin, (unary_d,) * 3), {}, ValueError, "give 1 or 2 derivatives, got 3"),
        (("f", math.sin, ("out",)), {}, TypeError, "primitive 'f': derivatives[0] must be a function, got str: 'out'"),
        (
            ("f", lambda a, b: a, (unary_d,)),
            {},
            TypeError,
            "primitive 'f': forward must take 1 operand, f(a); its signature is",
        ),
        (("f", math.sin, (lambda a, b, out: 1.0,)), {}, TypeError, "primitive 'f': derivatives[0] must take (a, out)"),
        (
            ("f", math.sin, (lambda a, b, out: 1.0, lambda a, b, out: 1.0)),
            {},
            TypeError,
            "forward must take 2 operands, f(a, b)",
        ),
        (("f", math.hypot, (unary_d, unary_d)), {}, TypeError, "derivatives[0] must take (a, b, out)"),
        (("f", math.sin, (unary_d,)), {"symbol": 5}, TypeError, "primitive 'f': symbol must be a non-empty str, got 5"),
        (("f", math.sin, (unary_d,)), {"symbol": ""}, TypeError, "symbol must be a non-empty str"),
        (("f", math.sin, (unary_d,)), {"note": None}, TypeError, "primitive 'f': note must be a str, got NoneType"),
    ],
)
def test_bad_arguments_to_primitive_are_refused_naming_the_problem(args, kwargs, error, message):
    with pytest.raises(error, match=re.escape(message)):
        autograd.primitive(*args, **kwargs)


def test_a_list_of_derivatives_and_functions_with_defaults_are_accepted():
    f = autograd.primitive("scaled", lambda a, k=3.0: k * a, [lambda a, out, k=3.0: k])
    x = Value(2.0)
    f(x).backward()
    assert x.grad == 3.0 and f(2.0) == 6.0


def test_a_primitive_may_share_a_built_in_rules_name_and_stays_its_own_operation():
    """A user's `softplus` and `sin` beside Value.softplus and Value.sin: different rules, both replayable."""

    def stable_softplus(a: float) -> float:
        return math.log1p(math.exp(-abs(a))) + max(a, 0.0)

    user_sin = autograd.primitive("sin", math.sin, (lambda a, out: user_cos(a),))
    user_cos = autograd.primitive("cos", math.cos, (lambda a, out: -user_sin(a),))
    user_softplus = autograd.primitive("softplus", stable_softplus, (lambda a, out: 1.0 / (1.0 + (-a).exp()),))
    assert "softplus" in RULES and user_softplus.rule is not RULES["softplus"]

    def f(x: Value) -> Value:
        return user_softplus(user_sin(x) * 2.0) + x.softplus() * x.sin()

    x = Value(0.7)
    out = f(x)
    [g1] = grad(out, [x], create_graph=True)
    [g2] = grad(g1, [x], create_graph=True)
    [g3] = grad(g2, [x])

    def exact(t: float) -> float:
        return stable_softplus(2.0 * math.sin(t)) + stable_softplus(t) * math.sin(t)

    assert out.data == pytest.approx(exact(0.7), rel=1e-15)
    h = 1e-4
    assert g1.data == pytest.approx((exact(0.7 + h) - exact(0.7 - h)) / (2 * h), rel=1e-7)
    assert g3.data == pytest.approx(
        (exact(0.7 + 2 * h) - 2 * exact(0.7 + h) + 2 * exact(0.7 - h) - exact(0.7 - 2 * h)) / (2 * h**3), rel=1e-3
    )
    tape = record(f, [0.7])
    assert tape.forward([0.7]) == out.data
    leaf = Value(0.7)
    assert tape.backward() == [grad(f(leaf), [leaf])[0].data]
