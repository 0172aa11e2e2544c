"""Engine behaviour that no other test pinned down, found by mutation testing (docs/mutation-testing.md).

Each test names the behaviour it checks. The expected values are worked out by hand, computed
on plain floats, taken from the rule table's formula text (rules.py, the one definition the
generated code is written from), or from PyTorch in float64; never from the code under test.
"""

from __future__ import annotations

import dataclasses
import gc
import importlib
import linecache
import math
import os
import re
import struct
import sys
import threading
import types
from collections.abc import Callable
from fractions import Fraction

import pytest
from gradtools import close, interrupt_in, is_code_of, lines_run, numeric_gradient, sigmoid

from autograd import RULES, GradcheckError, Value, backpropagate, backward, dot, edges, grad, gradcheck, record
from autograd.graph import topological_order
from autograd.replay import Tape
from autograd.rules import Rule, StaleRulesError, rename


def bits(x: float) -> bytes:
    """The bytes of a float: equal bits, the sign of zero included."""
    return struct.pack("<d", x)


def exactly(message: str) -> str:
    """A pytest.raises(match=...) pattern for this whole message and nothing else."""
    return "^" + re.escape(message) + "$"


FUNCTIONS = {"log": math.log, "sin": math.sin, "cos": math.cos, "sigmoid": sigmoid}  # what rules.py lets a rule call


def by_formula(expression: str, a: float, b: float | None = None, out: float | None = None) -> float:
    """A rule's expression from rules.py, evaluated on plain floats."""
    return eval(expression, dict(FUNCTIONS), {"a": a, "b": b, "out": out})


def outcome(compute) -> bytes | str:
    """The bits of what compute() returns, or the name of the error it raises (log(0) outside its domain)."""
    try:
        return bits(compute())
    except (ArithmeticError, ValueError) as error:
        return type(error).__name__


def stop_before(line_text: str, function_name: str, then, in_file: str = "backward.py") -> Callable[[], None]:
    """A trace function for the calling thread: the first time a line of autograd/`in_file` in
    `function_name` holding `line_text` is about to run, call then() (the thread waits meanwhile)."""
    done = []

    def trace(frame, event, arg):
        code = frame.f_code
        if (
            event == "line"
            and not done
            and code.co_filename.endswith(os.path.join("autograd", in_file))
            and is_code_of(code, function_name)
            and line_text in linecache.getline(code.co_filename, frame.f_lineno)
        ):
            done.append(True)
            then()
        return trace

    return trace


def traced(trace, action) -> None:
    previous = sys.gettrace()
    sys.settrace(trace)
    try:
        action()
    finally:
        sys.settrace(previous)


class InThread:
    """action() in a new thread, keeping what it raised."""

    def __init__(self, action) -> None:
        self.error: BaseException | None = None

        def run() -> None:
            try:
                action()
            except BaseException as error:  # noqa: BLE001 (reported by the test)
                self.error = error

        self.thread = threading.Thread(target=run)
        self.thread.start()

    def finished_within(self, seconds: float) -> bool:
        self.thread.join(seconds)
        return not self.thread.is_alive()


# -- refused operands and results: the message names the operation, the operands in order ------


@pytest.mark.parametrize(
    "build, name",
    [
        (lambda x: x + "a", "add"),
        (lambda x: "a" + x, "add"),
        (lambda x: x - "a", "sub"),
        (lambda x: "a" - x, "sub"),
        (lambda x: x * "a", "mul"),
        (lambda x: "a" * x, "mul"),
        (lambda x: x / "a", "div"),
        (lambda x: "a" / x, "div"),
        (lambda x: x ** "a", "pow"),
        (lambda x: "a" ** x, "pow"),
        (lambda x: dot([x, "a"], [1.0, 2.0]), "dot"),
        (lambda x: dot([x, 1.0], [2.0, "a"]), "dot"),
    ],
)
def test_an_operand_that_is_not_a_number_is_refused_naming_the_operation_on_either_side(build, name):
    with pytest.raises(TypeError, match=exactly(f"{name}: operand must be a real number (int or float), got str: 'a'")):
        build(Value(2.0))


@pytest.mark.parametrize("compare", [lambda x: x < "a", lambda x: "a" < x, lambda x: x > "a", lambda x: x >= "a"])
def test_a_comparison_with_a_non_number_is_refused_naming_the_comparison(compare):
    message = "comparison operand must be a real number (int or float), got str: 'a'"
    with pytest.raises(TypeError, match=exactly(message)):
        compare(Value(2.0))


def test_comparisons_between_equal_numbers_are_strict_or_not_as_for_floats():
    one = Value(1.0)
    assert not one < Value(1.0) and not one > 1.0 and not 1.0 < one and not 1.0 > one
    assert one <= Value(1.0) and one >= 1.0


@pytest.mark.parametrize(
    "build, message",
    [
        (lambda: 1e308 + Value(9e307), "add: result of + on (1e+308, 9e+307) overflows a float (inf)"),
        (lambda: -1e308 + Value(-9e307), "add: result of + on (-1e+308, -9e+307) overflows a float (-inf)"),
        (lambda: -1e308 - Value(9e307), "sub: result of - on (-1e+308, 9e+307) overflows a float (-inf)"),
        (lambda: 1e308 - Value(-9e307), "sub: result of - on (1e+308, -9e+307) overflows a float (inf)"),
        (lambda: 1e300 * Value(1e10), "mul: result of * on (1e+300, 10000000000.0) overflows a float (inf)"),
        (lambda: -1e300 * Value(1e10), "mul: result of * on (-1e+300, 10000000000.0) overflows a float (-inf)"),
        (lambda: Value(1e308) + Value(9e307), "add: result of + on (1e+308, 9e+307) overflows a float (inf)"),
        (lambda: Value(-1e308) + Value(-9e307), "add: result of + on (-1e+308, -9e+307) overflows a float (-inf)"),
        (lambda: Value(1e308) - Value(-9e307), "sub: result of - on (1e+308, -9e+307) overflows a float (inf)"),
        (lambda: Value(-1e308) - 9e307, "sub: result of - on (-1e+308, 9e+307) overflows a float (-inf)"),
        (lambda: Value(1e300) * Value(1e10), "mul: result of * on (1e+300, 10000000000.0) overflows a float (inf)"),
        (lambda: Value(-1e300) * 1e10, "mul: result of * on (-1e+300, 10000000000.0) overflows a float (-inf)"),
        (lambda: Value(-1e300) / 1e-10, "div: result of / on (-1e+300, 1e-10) overflows a float (-inf)"),
        (lambda: Value(1e300) / Value(1e-10), "div: result of / on (1e+300, 1e-10) overflows a float (inf)"),
        (
            lambda: dot([Value(1e308), 2.0], [10.0, Value(3.0)]),
            "dot: result of dot on ((1e+308, 2.0), (10.0, 3.0)) overflows a float (inf)",
        ),
    ],
)
def test_an_overflowing_result_names_the_rule_and_its_operands_in_order(build, message):
    with pytest.raises(OverflowError, match=exactly(message)):
        build()


def diverged(data: float) -> Value:
    """A parameter an optimizer step has sent to +-inf (`p.data -= lr * p.grad` can)."""
    p = Value(1.0)
    p.data = data
    return p


@pytest.mark.parametrize(
    "build, message",
    [
        (lambda: -diverged(math.inf), "neg: result of neg on (inf,) overflows a float (-inf)"),
        (lambda: -diverged(-math.inf), "neg: result of neg on (-inf,) overflows a float (inf)"),
        (lambda: diverged(math.inf).relu(), "relu: result of relu on (inf,) overflows a float (inf)"),
        (lambda: diverged(math.inf).exp(), "exp: result of exp on (inf,) overflows a float (inf)"),
        (lambda: 1.0 + diverged(-math.inf), "add: result of + on (1.0, -inf) overflows a float (-inf)"),
        (lambda: 1.0 - diverged(-math.inf), "sub: result of - on (1.0, -inf) overflows a float (inf)"),
        (lambda: 2.0 * diverged(math.inf), "mul: result of * on (2.0, inf) overflows a float (inf)"),
    ],
)
def test_a_parameter_that_diverged_to_infinity_is_refused_by_the_next_operation(build, message):
    with pytest.raises(OverflowError, match=exactly(message)):
        build()


def test_relu_of_minus_infinity_is_zero_not_an_error():
    assert diverged(-math.inf).relu().data == 0.0


@pytest.mark.parametrize(
    "build",
    [
        lambda x, y: x + y,
        lambda x, y: 2.0 + x,
        lambda x, y: x - y,
        lambda x, y: 2.0 - x,
        lambda x, y: x * y,
        lambda x, y: 2.0 * x,
        lambda x, y: -x,
        lambda x, y: x.relu(),
        lambda x, y: x / y,
        lambda x, y: x.exp(),
        lambda x, y: dot([x], [y]),
    ],
)
def test_a_new_node_starts_with_no_gradient_and_no_label(build):
    out = build(Value(1.5, label="x"), Value(2.0, label="y"))
    assert out.grad == 0.0 and out.label == "" and "label" not in repr(out)


# -- what is refused as a number ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "data, message",
    [
        ("a", "Value data must be a real number (int or float), got str: 'a'"),
        (10**400, "Value data is too large for a float (an int of 1329 bits)"),  # 10^400 < 2^1329
        (Fraction(10**400), "Value data is too large for a float"),  # a real number, but not an int
    ],
)
def test_value_data_that_is_not_a_float_says_why_naming_value_data(data, message):
    assert (10**400).bit_length() == 1329 and 2**1328 < 10**400 < 2**1329
    with pytest.raises((TypeError, ValueError), match=exactly(message)):
        Value(data)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: backward("x"), "backward: expected a Value, got str: 'x'"),
        (lambda: topological_order(1.0), "topological_order: expected a Value, got float: 1.0"),
        (lambda: topological_order(2), "topological_order: expected a Value, got int: 2"),
    ],
)
def test_graph_walks_refuse_what_is_not_a_value_naming_the_walk(call, message):
    with pytest.raises(TypeError, match=exactly(message)):
        call()


# -- the fast reverse pass: sums, signs of zero, pow's special exponents ------------------------------


@pytest.mark.parametrize(
    "f",
    [
        lambda x, y: x / y + x + y,  # div, both operands used again
        lambda x, y: 2.0 / y + y,  # div with a constant numerator
        lambda x, y: x / 2.0 + x,  # div with a constant denominator
        lambda x, y: x**y + x + y,  # pow, both operands Values
        lambda x, y: 2.0**y + y,  # pow with a constant base
        lambda x, y: x**2.5 + x,  # pow with a constant exponent
        lambda x, y: x * y + x + y,
        lambda x, y: x - y + x + y,
        lambda x, y: (dot([x, y], [y, 2.0]) if type(x) is Value else x * y + y * 2.0) + x + y,  # R has no dot
        lambda x, y: x.exp() + x.log() + x.tanh() + x.sigmoid() + (-x) + x.relu() + x,
    ],
)
def test_an_operand_used_again_after_a_node_gets_the_sum_of_all_its_gradients(f):
    point = [1.3, 0.7]
    x, y = Value(point[0]), Value(point[1])
    out = f(x, y)
    out.backward()
    reference = numeric_gradient(f, point)
    assert close(x.grad, reference[0], out.data) and close(y.grad, reference[1], out.data), (x.grad, y.grad, reference)
    assert [g.data for g in grad(out, [x, y])] == [x.grad, y.grad]


def test_a_gradient_that_is_a_negative_zero_keeps_its_sign_as_in_pytorch():
    """d (x * -0.0) / dx = -0.0: the running sum starts at -0.0, so the first contribution is kept exactly."""
    torch = pytest.importorskip("torch")
    t = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
    (t * -0.0).backward()
    x = Value(2.0)
    out = x * -0.0
    assert bits(grad(out, [x])[0].data) == bits(backpropagate(out)[x]) == bits(float(t.grad)) == bits(-0.0)


@pytest.mark.parametrize("exponent, slope", [(1.0, 1.0), (0.0, 0.0), (-0.0, 0.0)])
def test_the_slope_of_x_to_a_value_power_at_exponents_one_and_zero_is_pytorchs(exponent, slope):
    """d/dx x ** y at y = 1 is 1; at y = +-0 the power is the constant 1, so its slope is +0.0."""
    torch = pytest.importorskip("torch")
    t = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
    u = torch.tensor(exponent, dtype=torch.float64, requires_grad=True)
    (t**u).backward()
    x, y = Value(2.0), Value(exponent)
    out = x**y
    assert bits(grad(out, [x])[0].data) == bits(float(t.grad)) == bits(slope)
    out.backward()
    assert bits(x.grad) == bits(0.0 + slope)


def test_gradients_that_are_each_finite_may_add_up_past_the_largest_float():
    """Only a gradient that is itself not finite is an error; two finite ones are not summed by backward."""
    x, y = Value(1e-300), Value(1e-300)
    out = x * 1e308 + y * 1e308
    out.backward()
    assert (x.grad, y.grad) == (1e308, 1e308)


# -- the generated code computes the rule table's formulas, bit for bit ------------------------

# Zeros of both signs, the smallest subnormal, ordinary numbers and ones near the largest float.
POINTS = [0.0, -0.0, 5e-324, -5e-324, 1.5, -2.25, 3.0, 1e308, -1e308]
HOT = {  # Value's generated operators, and the operands they give the rule
    "add": [lambda a, b: Value(a) + Value(b), lambda a, b: a + Value(b), lambda a, b: Value(a) + b],
    "sub": [lambda a, b: Value(a) - Value(b), lambda a, b: a - Value(b), lambda a, b: Value(a) - b],
    "mul": [lambda a, b: Value(a) * Value(b), lambda a, b: a * Value(b), lambda a, b: Value(a) * b],
    "neg": [lambda a, b: -Value(a)],
    "relu": [lambda a, b: Value(a).relu()],
}


@pytest.mark.parametrize("name", sorted(HOT))
def test_each_hot_operator_computes_its_rules_formula_bit_for_bit(name):
    formula = RULES[name].formula
    for build in HOT[name]:
        for a in POINTS:
            for b in POINTS:
                expected = by_formula(formula, a, b)
                if not math.isfinite(expected):
                    continue  # refused as an overflow, checked above
                assert bits(build(a, b).data) == bits(expected), (name, a, b)


def test_relu_of_minus_zero_is_plus_zero_as_its_formula_gives():
    """relu's formula `a if a > 0.0 else 0.0` takes the else branch at -0.0 (PyTorch keeps -0.0)."""
    assert bits(Value(-0.0).relu().data) == bits(0.0)


@pytest.mark.parametrize("name", sorted(RULES))
def test_every_rule_computes_its_formula_and_derivatives_on_floats(name):
    """Rule.forward and Rule.local_grads (the generated functions) against the table's text."""
    rule = RULES[name]
    points = [(a, b) for a in (0.5, 1.5, 2.0, 3.0) for b in (-2.0, 0.0, 0.5, 2.0)]
    points += [(0.0, 1.0), (-0.0, 1.0), (-1.5, 1.0)]  # relu's kink and both its sides
    for a, b in points:
        if rule.variadic:
            assert rule.forward((a, 1.0), (b, 2.0)) == a * b + 2.0
        elif rule.formula:
            args = (a, b) if rule.arity == 2 else (a,)
            assert bits(rule.forward(*args)) == bits(by_formula(rule.formula, a, b))
        try:
            out = rule.forward((a,), (b,)) if rule.variadic else rule.forward(*((a, b) if rule.arity == 2 else (a,)))
        except (ArithmeticError, ValueError):
            continue  # outside the forward's domain
        for side, derivative in enumerate(rule.derivatives):
            engine = outcome(lambda: rule.local_grads[side](a, b, out))  # noqa: B023 (called at once)
            assert engine == outcome(lambda: by_formula(derivative, a, b, out)), (a, b, side)  # noqa: B023


@pytest.mark.parametrize("x", [0.0, -0.0])
def test_relus_derivative_at_the_kink_is_zero_in_every_pass_as_in_pytorch(x):
    torch = pytest.importorskip("torch")
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    torch.relu(t).backward()
    v = Value(x)
    (second,) = grad(v.relu(), [v], create_graph=True)
    (first,) = grad(v.relu(), [v])
    assert second.data == first.data == float(t.grad) == 0.0


# -- rules.py: building a rule again, stale rules, the stable sigmoid, dot's zero, rename -------------


@pytest.mark.parametrize("name", sorted(RULES))
def test_a_rule_built_again_from_the_table_finds_its_generated_functions(name):
    """A new Rule object equal to a table entry compiles (in Rule._compiled) to working functions."""
    fresh = dataclasses.replace(RULES[name])
    a, b = 1.5, 2.0
    if fresh.variadic:
        assert fresh.forward((a, 0.5), (b, 4.0)) == a * b + 0.5 * 4.0
        out = a * b
    else:
        out = fresh.forward(a, b) if fresh.arity == 2 else fresh.forward(a)
        if fresh.formula:
            assert out == by_formula(fresh.formula, a, b)
    for side, derivative in enumerate(fresh.derivatives):
        assert fresh.local_grads[side](a, b, out) == by_formula(derivative, a, b, out)


@pytest.mark.parametrize(
    "rule",
    [
        Rule("mul", "*", "a * b", ("a", "b")),  # derivatives swapped
        Rule("mul", "*", "a + b", ("b", "a")),  # forward changed
        Rule("cube", "cube", "a * a * a", ("3.0 * a * a",)),  # not in the generated code at all
    ],
    ids=["changed-derivatives", "changed-formula", "new-rule"],
)
def test_a_rule_that_the_generated_code_does_not_match_is_refused_as_stale(rule):
    message = (
        f"rule {rule.name!r} changed since autograd/_generated was written: "
        "run `python -m autograd._generated.generate`"
    )
    with pytest.raises(StaleRulesError, match=exactly(message)):
        rule.local_grads  # noqa: B018 (reading it compiles the rule)
    with pytest.raises(StaleRulesError, match=exactly(message)):
        rule.forward  # noqa: B018


@pytest.mark.parametrize("x", [0.0, 0.25, 0.5, 0.6000000000000001, 0.75, 0.9, 1.0, 3.0, 30.0])
def test_sigmoid_of_a_non_negative_input_is_one_over_one_plus_exp_of_minus_x(x):
    """The stable sigmoid takes exp only of numbers <= 0: 1 / (1 + e^-x) for x >= 0, e^x / (1 + e^x) below."""
    assert Value(x).sigmoid().data == 1.0 / (1.0 + math.exp(-x))
    assert Value(-x).sigmoid().data == math.exp(-x) / (1.0 + math.exp(-x))


@pytest.mark.parametrize("pairs", [1, 2, 3])
def test_a_dot_of_negative_zero_products_is_negative_zero_like_the_sum_of_products(pairs):
    """dot sums its products from -0.0, so it has the bits of a_0 * b_0 + a_1 * b_1 + ... exactly."""
    xs = [Value(-0.0) for _ in range(pairs)]
    out = dot(xs, [1.0] * pairs)
    plain = -0.0 * 1.0
    for _ in range(pairs - 1):
        plain = plain + -0.0 * 1.0
    assert bits(out.data) == bits(plain) == bits(-0.0)


def test_rename_replaces_only_the_operands_it_is_given_and_only_whole_names():
    assert rename("a * b + out", a="x1") == "x1 * b + out"
    assert rename("b * a ** (b - 1) if b != 0.0 else 0.0", a="x", b="2.0") == (
        "2.0 * x ** (2.0 - 1) if 2.0 != 0.0 else 0.0"
    )
    assert rename("abs(a) + out", out="v3", a="p0") == "abs(p0) + v3"


# -- gradcheck and its tolerances ------------------------------------------------------------------


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: gradcheck("f", [1.0]), TypeError, "gradcheck: f must be callable, got str"),
        (
            lambda: gradcheck(lambda x: x, 1.5),
            TypeError,
            "gradcheck: inputs must be a sequence of numbers, e.g. [1.5, -2.0]",
        ),
        (lambda: gradcheck(lambda x: x, []), ValueError, "gradcheck: inputs is empty; there is nothing to check"),
        (lambda: gradcheck(lambda x: 3.0, [1.0]), TypeError, "gradcheck: f must return a Value, got float: 3.0"),
        (lambda: gradcheck(lambda x: x, [1.0], eps=-1.0), ValueError, "gradcheck: eps must be > 0, got -1.0"),
        (lambda: gradcheck(lambda x: x, [1.0], eps=0.0), ValueError, "gradcheck: eps must be > 0, got 0.0"),
        (lambda: gradcheck(lambda x: x, [1.0], atol=-1.0), ValueError, "gradcheck: atol must be >= 0, got -1.0"),
        (lambda: gradcheck(lambda x: x, [1.0], rtol=-1.0), ValueError, "gradcheck: rtol must be >= 0, got -1.0"),
    ],
)
def test_gradcheck_refuses_bad_arguments_with_a_message_that_says_what_to_pass(call, error, message):
    with pytest.raises(error, match=exactly(message)):
        call()


def test_gradcheck_accepts_zero_tolerances_and_reports_the_ones_it_used():
    """With eps = 0.5 the central difference of 2x at 1 is (3 - 1) / 1 = 2 exactly: no tolerance is needed."""
    report = gradcheck(lambda x: x * 2.0, [1.0], eps=0.5, atol=0.0, rtol=0.0)
    assert report.ok
    assert (report.eps, report.atol, report.rtol) == (0.5, 0.0, 0.0)


def detached_double(x: Value) -> Value:
    """2x, but the engine sees only the slope 1: x + (x with its dependence cut)."""
    return x + Value(x.data)


def test_gradcheck_passes_an_error_exactly_at_its_tolerance_and_fails_one_just_past_it():
    """At x = 0 with eps = 0.5 the estimate is (1 - (-1)) / 1 = 2 exactly and the engine says 1, so
    |error| = 1 = rtol * |estimate| for rtol = 0.5: on the boundary, which passes."""
    (row,) = gradcheck(detached_double, [0.0], eps=0.5, atol=0.0, rtol=0.5).rows
    assert (row.engine, row.numeric, row.ok) == (1.0, 2.0, True)
    with pytest.raises(GradcheckError):
        gradcheck(detached_double, [0.0], eps=0.5, atol=0.0, rtol=0.49)
    with pytest.raises(GradcheckError):
        gradcheck(detached_double, [0.0], eps=0.5, atol=0.99, rtol=0.0)
    assert gradcheck(detached_double, [0.0], eps=0.5, atol=1.0, rtol=0.0)


def test_gradcheck_hands_f_values_labelled_with_the_input_names():
    seen: list[list[str]] = []

    def f(x: Value, y: Value) -> Value:
        seen.append([x.label, y.label])
        return x * y

    gradcheck(f, [1.5, Value(2.0, label="w")])
    assert seen[0] == ["inputs[0]", "w"]


def test_gradcheck_report_prints_a_header_and_one_row_per_input_marked_ok_or_fail():
    report = gradcheck(lambda x, w: detached_double(x) * w, [0.0, Value(2.0, label="w")], raise_on_failure=False)
    header, first, second = str(report).split("\n")
    assert header.split() == ["input", "engine", "finite", "difference"]
    assert first.split()[0] == "inputs[0]" and first.split()[-1] == "FAIL"  # engine 2, estimate 4
    assert second.split()[0] == "w" and second.split()[-1] == "ok"
    assert [float(n) for n in first.split()[1:3]] == pytest.approx([2.0, 4.0])


# -- backward, grad and backpropagate -------------------------------------------------------------


def test_backpropagate_seeds_one_and_returns_floats_by_default():
    x = Value(3.0)
    grads = backpropagate(x * x)
    assert grads[x] == 6.0 and type(grads[x]) is float


def test_the_backward_function_seeds_one_by_default():
    x = Value(3.0)
    backward(x * x)
    assert x.grad == 6.0


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda x: backward(3.0), "backward: expected a Value, got float: 3.0"),
        (lambda x: grad(3.0, [x]), "grad: output: expected a Value, got float: 3.0"),
        (lambda x: grad(x * 2.0, [x, 2.0]), "grad: inputs[1]: expected a Value, got float: 2.0"),
    ],
)
def test_backward_and_grad_name_the_argument_that_is_not_a_value(call, message):
    with pytest.raises(TypeError, match=exactly(message)):
        call(Value(1.0))


@pytest.mark.parametrize(
    "build, seed, message",
    [
        (
            lambda x: x * 1e308 + x * 1e308,
            1.0,
            "the gradient of a leaf (data 1e-300), the sum of what its consumers pass back, is inf, "
            "not a finite number",
        ),
        (
            lambda x: x * 1e308 + x * 1e308,
            -1.0,
            "the gradient of a leaf (data 1e-300), the sum of what its consumers pass back, is -inf, "
            "not a finite number",
        ),
        (
            lambda x: (x * 1.0) * 1e308 + (x * 1.0) * 1e308,
            1.0,
            "the gradient of a leaf (data 1e-300), the sum of what its consumers pass back, is inf, "
            "not a finite number",
        ),
        (
            lambda x: (lambda y: y * 1e308 + y * 1e308)(x * 1.0),
            1.0,
            "the gradient of a mul node (data 1e-300), the sum of what its consumers pass back, is inf, "
            "not a finite number",
        ),
        (
            lambda x: (x * 1e200) * 1e200,
            1.0,
            "mul: the gradient 1e+200 times the local derivative d out / d a = b = 1e+200 "
            "at a = 1e-300, b = 1e+200 is inf, not a finite number",
        ),
        (
            lambda x: (x * 1e200) * 1e200,
            -1.0,
            "mul: the gradient -1e+200 times the local derivative d out / d a = b = 1e+200 "
            "at a = 1e-300, b = 1e+200 is -inf, not a finite number",
        ),
        (
            lambda x: 1e200 * (1e200 * x),
            1.0,
            "mul: the gradient 1e+200 times the local derivative d out / d b = a = 1e+200 "
            "at a = 1e+200, b = 1e-300 is inf, not a finite number",
        ),
    ],
)
def test_a_gradient_that_overflows_is_named_with_the_node_or_the_derivative_that_overflowed(build, seed, message):
    """Every forward value here is finite (x = 1e-300); only the gradients overflow."""
    x = Value(1e-300)
    out = build(x)
    with pytest.raises(OverflowError, match=exactly(message)):
        out.backward(seed)
    assert x.grad == 0.0


# -- graph.edges and the errors of a local derivative -------------------------------------------------


def plain_error(compute) -> BaseException:
    """The error a plain-float computation raises."""
    try:
        compute()
    except (ArithmeticError, ValueError) as error:
        return error
    raise AssertionError("no error")


@pytest.mark.parametrize(
    "point, build, on_floats",
    [
        ((0.0,), lambda x: x**0.5, lambda: 0.5 * 0.0 ** (0.5 - 1)),  # d/da = b a^(b - 1) at the kink a = 0
        ((5e-324, 0.01), lambda a, b: a**b, lambda: 0.01 * 5e-324 ** (0.01 - 1)),  # overflows past the largest float
    ],
)
def test_backwards_error_for_a_derivative_that_cannot_be_computed_carries_the_float_error(point, build, on_floats):
    """The local derivative is computed on floats, as backward computes it: its error is Python's own."""
    leaves = [Value(p) for p in point]
    out = build(*leaves)
    expected = plain_error(on_floats)
    with pytest.raises(type(expected)) as caught:
        out.backward()
    assert type(caught.value) is type(expected)
    assert str(caught.value.__cause__) == str(expected)
    assert str(caught.value).startswith("pow: the local derivative d out / d a = b * a ** (b - 1) if b != 0.0 else 0.0")
    assert str(caught.value).endswith(f" ({expected})")


def test_grad_with_create_graph_names_rule_formula_and_values_when_a_derivative_fails():
    x = Value(0.0)
    message = (
        "pow: the local derivative d out / d a = b * a ** (b - 1) if b != 0.0 else 0.0 cannot be computed "
        "at a = 0.0, b = 0.5 (pow: 0.0 cannot be raised to the negative power -0.5)"
    )
    with pytest.raises(ZeroDivisionError, match=exactly(message)):
        grad(x**0.5, [x], create_graph=True)


def test_a_derivative_outside_its_domain_after_the_data_changed_is_a_value_error_naming_it():
    """a ** b recorded at a = 2, b = 0.5, then a = -1 and b = 2: d out / d b = out log(a) has no real value."""
    a, b = Value(2.0), Value(0.5)
    out = a**b
    a.data, b.data = -1.0, 2.0
    message = "pow: the local derivative d out / d b = out * log(a) cannot be computed at a = -1.0, b = 2.0"
    with pytest.raises(ValueError, match=exactly(f"{message} ({plain_error(lambda: math.log(-1.0))})")):
        out.backward()
    on_values = (
        "pow: the local derivative d out / d a = b * a ** (b - 1) if b != 0.0 else 0.0 cannot be computed at "
        "a = -1.0, b = 2.0 (pow: a Value exponent needs a base > 0 (d out / d exponent is out * log(base)), "
        "got base -1.0)"
    )
    with pytest.raises(ValueError, match=exactly(on_values)):
        grad(out, [a, b], create_graph=True)


def test_each_edge_of_a_dot_node_knows_its_operands_position():
    a0, a1, b0, b1 = (Value(x) for x in (1.0, 2.0, 3.0, 4.0))
    node = dot([a0, a1], [b0, b1])
    found = edges(node)
    assert [(e.operand, e.position) for e in found] == [(a0, 0), (b0, 2), (a1, 1), (b1, 3)]
    assert all(node.operands[e.position] is e.operand for e in found)


# -- replay: record, forward, backward -------------------------------------------------------------


def test_record_hands_fn_leaves_labelled_x0_x1_holding_the_inputs_numbers_or_values_data():
    seen: list[tuple[str, float]] = []

    def f(x: Value, y: Value) -> Value:
        seen.extend([(x.label, x.data), (y.label, y.data)])
        return x * y

    tape = record(f, [1.5, Value(2.0)])
    assert seen == [("x0", 1.5), ("x1", 2.0)]
    assert tape.forward([3.0, 4.0]) == 12.0


class OnlyLength:
    def __len__(self) -> int:
        return 1


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: record("f", [1.0]), TypeError, "record: fn must be callable, got str"),
        (lambda: record(lambda x: 2.0, [1.0]), TypeError, "record: fn must return a Value, got float: 2.0"),
        (
            lambda: record(lambda x: x, OnlyLength()),
            TypeError,
            "record: inputs must be a sequence of numbers, e.g. [1.5, -2.0], got OnlyLength",
        ),
        (
            lambda: record(lambda x: x * 2.0, [1.0]).forward(OnlyLength()),
            ValueError,
            "replay: the graph was recorded with 1 inputs, got a OnlyLength "
            "(pass a sequence of numbers, e.g. [1.5, -2.0])",
        ),
        (
            lambda: record(lambda x: x * 2.0, [1.0]).backward(),
            RuntimeError,
            "replay: call forward() before backward() (once per forward)",
        ),
    ],
)
def test_record_and_the_tape_refuse_bad_arguments_saying_what_to_pass(call, error, message):
    with pytest.raises(error, match=exactly(message)):
        call()


@pytest.mark.parametrize("seed", [math.nan, math.inf])
def test_a_replayed_backward_refuses_a_non_finite_seed_naming_it(seed):
    tape = record(lambda x: x * 2.0, [1.0])
    tape.forward([1.0])
    with pytest.raises(ValueError, match=exactly(f"replay: backward gradient must be finite, got {seed!r}")):
        tape.backward(seed)


@pytest.mark.parametrize("data", [math.inf, -math.inf])
def test_a_replay_refuses_a_parameter_that_diverged_to_infinity(data):
    w = Value(1.0)
    tape = record(lambda x: w * x, [1.0])
    w.data = data
    message = f"replay: parameter 0 (Value(data={data!r}, grad=0.0)) must hold a finite float"
    with pytest.raises(ValueError, match=exactly(message)):
        tape.forward([1.0])


@pytest.mark.parametrize("point, sign", [(1e200, 1.0), (-1e200, -1.0)])
def test_a_replayed_output_that_overflows_to_either_infinity_is_refused(point, sign):
    tape = record(lambda x: x * x * x, [1.0])
    with pytest.raises(OverflowError, match=exactly(f"replay: the output overflowed a float ({sign * math.inf!r})")):
        tape.forward([point])


@pytest.mark.parametrize("seed", [1.0, -1.0])
def test_a_replayed_gradient_that_overflows_to_either_infinity_is_refused(seed):
    """d log(x) / dx = 1 / x at x = 1e-310 is 1e310: past the largest float, of the seed's sign."""
    tape = record(lambda x: x.log(), [1.0])
    tape.forward([1e-310])
    with pytest.raises(OverflowError, match=exactly("replay: a gradient overflowed a float")):
        tape.backward(seed)


def live_replays() -> int:
    """How many replay generators (forwards waiting for their backward) are alive."""
    gc.collect()
    return sum(1 for o in gc.get_objects() if type(o) is types.GeneratorType and o.gi_code.co_name == "replay")


def leave_forwards_of_ended_threads(tape: Tape, count: int) -> None:
    """`count` threads each run a forward and end without its backward; all are alive at once, so
    no two share a thread id."""
    recorded = threading.Barrier(count + 1)

    def forward_and_wait() -> None:
        tape.forward([1.0])
        recorded.wait()

    threads = [threading.Thread(target=forward_and_wait) for _ in range(count)]
    for thread in threads:
        thread.start()
    recorded.wait()
    for thread in threads:
        thread.join()


def test_forwards_of_ended_threads_are_dropped_once_more_than_64_wait_for_a_backward():
    tape = record(lambda x: x * 2.0, [1.0])
    before = live_replays()
    leave_forwards_of_ended_threads(tape, 64)
    tape.forward([2.0])  # 64 are waiting: all are kept
    assert live_replays() == before + 65
    tape.forward([2.0])  # 65 are waiting, more than 64: those of ended threads are dropped
    assert live_replays() == before + 1
    assert tape.backward() == [2.0]


def test_two_forwards_dropping_the_same_ended_threads_forwards_both_succeed():
    """While one forward drops the forwards of ended threads, another one drops them too."""
    tape = record(lambda x: x * 2.0, [1.0])
    leave_forwards_of_ended_threads(tape, 65)
    others: list[InThread] = []

    def meanwhile() -> None:  # the main thread is about to drop its first ended thread's forward
        other = InThread(lambda: tape.forward([3.0]))
        assert other.finished_within(10)
        others.append(other)

    trace = stop_before("self._pending.pop(", "forward", meanwhile, in_file="replay.py")
    traced(trace, lambda: tape.forward([2.0]))
    assert others and others[0].error is None
    assert tape.backward() == [2.0]


# -- replay: where fn keeps its parameters is watched, and only that -----------------------------


def lambda_in(test) -> str:
    """How record names a lambda written inside a test function."""
    return f"the recorded function {test.__qualname__}.<locals>.<lambda>"


def replaced(where: str, index: int, old: Value) -> str:
    return (
        f"replay: {where}: parameter {index} ({old!r}) was replaced or removed after record, so the tape would "
        "compute with objects the model no longer uses; record again after changing a model's parameters"
    )


class Scale:
    """A model as replay recognises one: an object whose class has parameters() and named_parameters()."""

    def __init__(self) -> None:
        self.w = [Value(2.0), Value(3.0)]

    def parameters(self) -> list[Value]:
        return list(self.w)

    def named_parameters(self) -> list[tuple[str, Value]]:
        return [(f"w{i}", w) for i, w in enumerate(self.w)]

    def __call__(self, x: Value) -> Value:
        return x * self.w[0] + self.w[1]

    def predict(self, x: Value) -> Value:
        return x * self.w[0] + self.w[1]


def test_a_model_recorded_as_the_function_itself_is_watched():
    model = Scale()
    tape = record(model, [1.0])
    assert tape.forward([1.0]) == 5.0
    old = model.w[1]
    model.w[1] = Value(5.0)
    with pytest.raises(RuntimeError, match=exactly(replaced("the recorded function Scale", 1, old))):
        tape.forward([1.0])


def test_the_object_of_a_recorded_method_is_watched_as_a_model():
    model = Scale()
    tape = record(model.predict, [1.0])
    assert tape.forward([1.0]) == 5.0
    old = model.w[1]
    model.w[1] = Value(5.0)
    where = "the recorded function Scale.predict's object"
    with pytest.raises(RuntimeError, match=exactly(replaced(where, 1, old))):
        tape.forward([1.0])


def test_a_list_of_models_is_watched_through_each_models_parameters():
    models = [Scale(), Scale()]
    tape = record(lambda x: models[1](models[0](x)), [1.0])
    assert tape.forward([1.0]) == 13.0
    old = models[1].w[0]
    models[1].w[0] = Value(1.0)
    where = f"closure variable 'models' of {lambda_in(test_a_list_of_models_is_watched_through_each_models_parameters)}"
    with pytest.raises(RuntimeError, match=exactly(replaced(where, 2, old))):
        tape.forward([1.0])


def test_a_recorded_method_of_a_value_itself_records_like_a_function():
    """A Value has no __dict__ (it has __slots__): its bound method records all the same."""
    w = Value(3.0)
    tape = record(w.__mul__, [2.0])
    assert tape.forward([5.0]) == 15.0
    assert tape.backward() == [3.0] and w.grad == 5.0


W_METHOD = Value(1.5)


class Holder:
    def __init__(self) -> None:
        self.k = Value(2.0)
        self.spare = [self.k]  # the same parameter, in an attribute the method does not read

    def scaled(self, x: Value) -> Value:
        return x * W_METHOD * self.k


def test_a_recorded_methods_globals_are_watched_and_attributes_it_does_not_read_are_not():
    global W_METHOD
    holder = Holder()
    tape = record(holder.scaled, [2.0])
    holder.spare = [Value(9.0)]  # not read by scaled: not a place the tape's parameters come from
    assert tape.forward([2.0]) == 6.0
    saved, W_METHOD = W_METHOD, Value(4.0)
    try:
        where = "global 'W_METHOD' of the recorded function Holder.scaled"
        with pytest.raises(RuntimeError, match=exactly(replaced(where, 0, saved))):
            tape.forward([2.0])
    finally:
        W_METHOD = saved


W_CHAIN = Value(0.5)


def chain_of_products(x: Value, n: int) -> Value:
    """A function that calls itself: record must follow it once, not forever."""
    return x if n == 0 else chain_of_products(x * W_CHAIN, n - 1)


def test_record_follows_the_functions_fn_calls_once_each_and_watches_their_globals():
    global W_CHAIN
    tape = record(lambda x: chain_of_products(x, 3), [2.0])
    assert tape.forward([2.0]) == 2.0 * 0.5**3
    saved, W_CHAIN = W_CHAIN, Value(0.25)
    try:
        recorded = lambda_in(test_record_follows_the_functions_fn_calls_once_each_and_watches_their_globals)
        where = f"global 'W_CHAIN' of global 'chain_of_products' of {recorded}"
        with pytest.raises(RuntimeError, match=exactly(replaced(where, 0, saved))):
            tape.forward([2.0])
    finally:
        W_CHAIN = saved


W_BODY = Value(3.0)


def body_and_lambda(x: Value) -> Value:
    """Reads W_BODY in its own body, and has a lambda (code of its own) that reads no global."""
    return x * W_BODY + sum(map(lambda c: x * c, (1.0, 2.0)), Value(0.0))


def test_a_global_read_beside_a_lambda_is_watched():
    global W_BODY
    tape = record(body_and_lambda, [1.0])
    assert tape.forward([1.0]) == 6.0
    saved, W_BODY = W_BODY, Value(1.0)
    try:
        where = "global 'W_BODY' of the recorded function body_and_lambda"
        with pytest.raises(RuntimeError, match=exactly(replaced(where, 0, saved))):
            tape.forward([1.0])
    finally:
        W_BODY = saved


def test_replacing_the_first_of_two_parameters_in_a_list_names_that_one():
    ps = [Value(1.0), Value(2.0)]
    tape = record(lambda x: x * ps[0] + ps[1], [1.0])
    old = ps[0]
    ps[0] = Value(5.0)
    where = f"closure variable 'ps' of {lambda_in(test_replacing_the_first_of_two_parameters_in_a_list_names_that_one)}"
    with pytest.raises(RuntimeError, match=exactly(replaced(where, 0, old))):
        tape.forward([1.0])


def test_the_same_parameters_in_another_order_are_reported_as_different():
    ps = [Value(1.0), Value(2.0)]
    tape = record(lambda x: x * ps[0] + ps[1], [1.0])
    ps.reverse()
    where = f"closure variable 'ps' of {lambda_in(test_the_same_parameters_in_another_order_are_reported_as_different)}"
    message = (
        f"replay: {where}: holds different parameters than at record time after record, so the tape would "
        "compute with objects the model no longer uses; record again after changing a model's parameters"
    )
    with pytest.raises(RuntimeError, match=exactly(message)):
        tape.forward([1.0])


@pytest.mark.parametrize("shape", ["tuple", "nested list", "list of a list"])
def test_parameters_in_a_tuple_or_a_nested_list_replay_unchanged_and_a_replacement_is_found(shape):
    w0, w1 = Value(1.0), Value(2.0)
    holder: list = [w0, [w1]] if shape == "nested list" else [[w0, w1]]
    ps = (w0, w1) if shape == "tuple" else holder
    get = {"tuple": lambda: ps, "nested list": lambda: [ps[0], ps[1][0]], "list of a list": lambda: ps[0]}[shape]
    tape = record(lambda x: x * get()[0] + get()[1], [3.0])
    assert tape.forward([3.0]) == 5.0
    assert tape.forward([4.0]) == 6.0
    if shape != "tuple":
        inner = holder[1] if shape == "nested list" else holder[0]
        inner[-1] = Value(7.0)
        with pytest.raises(RuntimeError, match=r"parameter 1 \(Value\(data=2\.0, grad=0\.0\)\) was replaced"):
            tape.forward([3.0])


def test_parameters_three_lists_deep_are_not_watched_as_documented():
    """record looks one level inside what fn reads (a list of lists at most): deeper is not watched."""
    ps = [[[Value(2.0)]]]
    tape = record(lambda x: x * ps[0][0][0], [1.0])
    ps[0][0][0] = Value(5.0)
    assert tape.forward([1.0]) == 2.0  # still the recorded parameter: record again after changing a model


class TupleModel:
    """parameters() gives a tuple, not a list: replay does not take it for a model's parameters."""

    def __init__(self) -> None:
        self.w = Value(2.0)

    def parameters(self) -> tuple[Value, ...]:
        return (self.w,)

    def named_parameters(self) -> list[tuple[str, Value]]:
        return [("w", self.w)]


def test_a_model_whose_parameters_are_not_a_list_of_values_is_not_watched_as_documented():
    model = TupleModel()
    tape = record(lambda x: x * model.w, [1.0])
    model.w = Value(5.0)
    assert tape.forward([1.0]) == 2.0  # the recorded parameter: record again after changing a model


class HalfModelNamed:
    def named_parameters(self) -> list[tuple[str, Value]]:
        return []


class HalfModelPlain:
    def parameters(self) -> list[Value]:
        return []


HALF_NAMED, HALF_PLAIN, W_HALF = HalfModelNamed(), HalfModelPlain(), Value(2.0)


def uses_half_models(x: Value) -> Value:
    assert HALF_NAMED.named_parameters() == HALF_PLAIN.parameters() == []
    return x * W_HALF


def test_objects_with_only_one_of_parameters_and_named_parameters_are_not_taken_for_models():
    tape = record(uses_half_models, [1.5])
    assert tape.forward([1.5]) == 3.0


def test_a_parameter_that_can_no_longer_be_read_is_reported_with_the_reason():
    def recorded_then_deleted():
        w = Value(2.0)

        def f(x: Value) -> Value:
            return w * x  # noqa: F821 (w is deleted below, after record)

        tape = record(f, [1.0])
        del w  # empties the closure cell f reads w from
        return tape, f

    tape, f = recorded_then_deleted()
    try:
        _ = types.CellType().cell_contents  # how Python reports reading an empty cell
    except ValueError as error:
        reason = error
    message = (
        f"replay: closure variable 'w' of the recorded function {f.__qualname__}, which held parameters at "
        f"record time, can no longer be read ({reason!r}); record again"
    )
    with pytest.raises(RuntimeError, match=exactly(message)):
        tape.forward([1.0])


def watched_after_looking_at(objects: int) -> bool:
    """Record fn, which reads `objects` other globals before (in sorted order) the function `helper`
    that multiplies by the global W; replace W; whether the next forward notices."""
    scope: dict = {f"a{i:05d}": float(i) + 0.5 for i in range(objects)}  # distinct objects, no parameters
    scope["W"] = Value(2.0)
    exec("def helper(x):\n    return x * W\n", scope)
    every = ", ".join(name for name in scope if name.startswith("a"))
    exec(f"def fn(x):\n    if x is None:\n        return ({every},)\n    return helper(x)\n", scope)
    tape = record(scope["fn"], [1.5])
    old, scope["W"] = scope["W"], Value(3.0)
    try:
        tape.forward([1.5])
    except RuntimeError as error:
        assert str(error) == replaced("global 'W' of global 'helper' of the recorded function fn", 0, old)
        return True
    return False


def test_record_stops_following_functions_after_looking_at_10000_objects():
    """A bound on the search for parameters: `helper` is the 10,000th object looked at, or the 10,001st."""
    assert watched_after_looking_at(9_999)
    assert not watched_after_looking_at(10_000)


class ThreeWeights(Scale):
    """A model with a parameter its forward does not use: w[2]."""

    def __init__(self) -> None:
        self.w = [Value(2.0), Value(3.0), Value(4.0)]


def test_a_replaced_parameter_is_found_even_when_the_new_one_takes_the_old_ones_place_in_memory():
    """The tape keeps the objects it recorded, so a new Value cannot reuse an old one's id."""
    model = ThreeWeights()
    tape = record(lambda x: model(x), [1.0])
    del model.w[2]  # the last reference to the unused parameter, which is not one of the tape's
    model.w.append(Value(9.0))
    recorded = lambda_in(test_a_replaced_parameter_is_found_even_when_the_new_one_takes_the_old_ones_place_in_memory)
    where = f"closure variable 'model' of {recorded}"
    message = (
        f"replay: {where}: holds different parameters than at record time after record, so the tape would "
        "compute with objects the model no longer uses; record again after changing a model's parameters"
    )
    with pytest.raises(RuntimeError, match=exactly(message)):
        tape.forward([1.0])


class SameWeights:
    """A model in replay's sense whose parameters() gives the Values it was built on, as a tuple."""

    def __init__(self, w: list[Value]) -> None:
        self.w = w

    def parameters(self) -> tuple[Value, ...]:
        return tuple(self.w)

    def named_parameters(self) -> list[tuple[str, Value]]:
        return [(f"w{i}", w) for i, w in enumerate(self.w)]


def test_a_place_that_now_holds_a_model_of_the_same_parameter_objects_is_not_reported():
    ps: object = [Value(2.0), Value(3.0)]
    w0, w1 = ps  # type: ignore[misc]
    tape = record(lambda x: x * w0 + w1 + 0.0 * len(ps), [1.0])  # fn reads ps: it is watched
    ps = SameWeights([w0, w1])  # the same two objects, now behind parameters()
    assert tape.forward([2.0]) == 7.0


# -- replay: the code it writes ----------------------------------------------------------------------
# A value used once and read by no derivative is written into its user's expression (at most 40
# operations deep); a gradient that only passes through an add is renamed, not copied; g * 1.0 is
# written g and g * -1.0 as -g (both exact). The expected sources below follow from those rules.


def test_the_source_of_the_example_in_replays_documentation_is_what_record_writes():
    w, b = Value(0.5), Value(-0.25)
    tape = record(lambda x: (w * x + b).relu(), [2.0])
    assert tape.source == (
        "def replay(xs, ps):\n"
        "    x0, = xs\n"
        "    p0, p1, = ps\n"
        "    v1 = (p0 * x0) + p1\n"
        "    v2 = v1 if v1 > 0.0 else 0.0\n"
        "    seed = yield v2\n"
        "    groot = seed\n"
        "    gv1 = groot * (1.0 if v1 > 0.0 else 0.0)  # relu\n"
        "    gp0 = gv1 * (x0)  # mul\n"
        "    gx0 = gv1 * (p0)  # mul\n"
        "    yield (gx0, ), (gp0, gv1, )\n"
    )


def test_replay_folds_single_uses_renames_passed_gradients_and_negates_for_sub():
    """(x x + x).tanh() * 3 - x / 2: tanh's output is stored (its derivative reads it), the rest is
    folded; sub's -1.0 is written -g, add's 1.0 passes the gradient on (renamed, or added with +=)."""
    tape = record(lambda x: (x * x + x).tanh() * 3.0 - x / 2.0, [0.7])
    assert tape.source == (
        "def replay(xs, ps):\n"
        "    x0, = xs\n"
        "    v2 = F_tanh(((x0 * x0) + x0))\n"
        "    v5 = (v2 * (3.0)) - (F_div(x0, (2.0)))\n"
        "    seed = yield v5\n"
        "    groot = seed\n"
        "    gv4 = -groot  # sub\n"
        "    gx0 = gv4 * (1.0 / (2.0))  # div\n"
        "    gv2 = groot * ((3.0))  # mul\n"
        "    gv1 = gv2 * (1.0 - v2 * v2)  # tanh\n"
        "    gx0 += gv1\n"
        "    gx0 += gv1 * (x0)  # mul\n"
        "    gx0 += gv1 * (x0)  # mul\n"
        "    yield (gx0, ), ()\n"
    )
    x = Value(0.7)
    out = (x * x + x).tanh() * 3.0 - x / 2.0
    out.backward()
    assert tape.forward([0.7]) == out.data and tape.backward() == [x.grad]


def test_replay_folds_at_most_40_operations_into_one_line():
    """A chain of 100 additions: 40 folded per line, so lines at operations 40, 80 and 100."""

    def chain(x: Value) -> Value:
        for _ in range(100):
            x = x + 0.25
        return x

    tape = record(chain, [1.0])
    assert re.findall(r"^    (v\d+) = ", tape.source, re.M) == ["v39", "v79", "v99"]
    assert tape.forward([2.0]) == 2.0 + 100 * 0.25


def test_a_dot_of_constants_alone_replays_as_a_constant():
    tape = record(lambda x: x * dot([1.5, 2.0], [2.0, 0.25]), [3.0])
    assert tape.forward([3.0]) == 3.0 * (1.5 * 2.0 + 2.0 * 0.25)
    assert tape.backward() == [3.5]


def test_replay_folds_at_most_40_operations_starting_from_a_dot_of_constants():
    """A dot of constants alone is one operation deep, as any other: the lines fall at 40, 80 and the end."""

    def chain(x: Value) -> Value:
        v = dot([1.5], [2.0])
        for _ in range(100):
            v = v + x
        return v

    tape = record(chain, [1.0])
    assert re.findall(r"^    (v\d+) = ", tape.source, re.M) == ["v39", "v79", "v100"]
    assert tape.forward([2.0]) == 3.0 + 100 * 2.0


def statements(tape_source: str) -> list[str]:
    """The statements of the code a tape runs, without the lines that pass values between parts."""
    return [
        line.strip()
        for line in tape_source.splitlines()
        if line.startswith("    ") and not re.match(r"    (\w+ = (s|xs|ps)\[\d+\]|s\[\d+\] = \w+)$", line)
    ]


@pytest.mark.parametrize("part_lines", [3, 7])
def test_a_tape_compiled_in_parts_runs_each_statement_in_exactly_one_part(monkeypatch, part_lines):
    import autograd.replay

    def f(x: Value) -> Value:
        for _ in range(10):
            x = (x * 0.5).tanh() + x
        return x

    whole = record(f, [0.3])
    monkeypatch.setattr(autograd.replay, "_PART_LINES", part_lines)
    cut = record(f, [0.3])
    forward = [s for s in statements(whole.source) if s.startswith("v")]
    in_parts = [s for s in statements(cut.source) if s.startswith("v")]
    assert sorted(in_parts) == sorted(forward) and len(set(in_parts)) == len(in_parts)
    assert cut.forward([0.3]) == whole.forward([0.3]) and cut.backward() == whole.backward()


def test_a_tape_of_exactly_part_lines_statements_is_one_generator(monkeypatch):
    import autograd.replay

    tape = record(lambda x: (x * 2.0).tanh(), [0.3])
    size = len(statements(tape.source)) - 2  # forward and backward lines: not the two yields
    monkeypatch.setattr(autograd.replay, "_PART_LINES", size)
    assert "FORWARD" not in record(lambda x: (x * 2.0).tanh(), [0.3]).source
    monkeypatch.setattr(autograd.replay, "_PART_LINES", size - 1)
    assert "def forward_0(xs, ps, s):" in record(lambda x: (x * 2.0).tanh(), [0.3]).source


# -- passes in several threads take turns (backward.py's claim on the nodes' scratch slots) ----------

BACKWARD = importlib.import_module("autograd.backward")  # the module (autograd.backward is the function)


def small_graph() -> tuple[Value, Value]:
    x = Value(0.5)
    return x, (x * x).tanh() * 3.0


def expected_slope() -> float:
    """d/dx 3 tanh(x^2) at x = 0.5, by hand: 3 (1 - tanh(0.25)^2) 2x."""
    return 3.0 * (1.0 - math.tanh(0.25) ** 2) * 2 * 0.5


def leave_a_claim_in_an_ended_thread() -> None:
    """A thread claims the slots and ends without letting go, as one interrupted right after claiming does."""
    thread = threading.Thread(target=BACKWARD._claim_slots)
    thread.start()
    thread.join()


def start_another_pass_and_see_if_it_waits(seen: dict) -> Callable[[], None]:
    """What to do while the main thread's pass is inside its claimed part: start a pass in another
    thread and note whether it is still waiting 0.3 s later."""

    def meanwhile() -> None:
        seen["other"] = InThread(lambda: small_graph()[1].backward())
        seen["waited"] = not seen["other"].finished_within(0.3)

    return meanwhile


def test_a_pass_in_another_thread_waits_while_a_pass_is_under_way():
    seen: dict = {}
    x, out = small_graph()
    meanwhile = start_another_pass_and_see_if_it_waits(seen)
    traced(stop_before("backpropagate_floats(order)", "_fill_gradients", meanwhile), out.backward)
    assert seen["waited"] is True, "the other thread's pass did not wait"
    assert seen["other"].finished_within(10) and seen["other"].error is None
    assert x.grad == pytest.approx(expected_slope(), rel=1e-15)


@pytest.mark.parametrize("phase", ["backward", "grad"])
def test_a_claim_left_by_a_thread_interrupted_at_any_line_is_taken_over(monkeypatch, phase):
    """Ctrl-C (or an async exception) can stop a thread between claiming the slots and its try block;
    the thread ends holding the claim, and the next pass in another thread takes it over."""
    monkeypatch.setattr(BACKWARD, "_WAIT_SECONDS", 0.5)  # a pass that waits for nothing fails fast

    def run() -> None:
        x, out = small_graph()
        if phase == "backward":
            out.backward()
        else:
            grad(out, [x])

    total = lines_run(phase, run)
    assert total > 0
    for line in range(1, total + 1):

        def interrupted(line: int = line) -> None:
            with pytest.raises(KeyboardInterrupt), interrupt_in(phase, line):
                run()

        thread = InThread(interrupted)
        assert thread.finished_within(10) and thread.error is None
        x, out = small_graph()
        out.backward()  # in the main thread, whose id no ended thread had
        assert x.grad == pytest.approx(expected_slope(), rel=1e-15), f"{phase}, line {line}"


def test_a_pass_that_takes_over_a_left_claim_holds_it(monkeypatch):
    monkeypatch.setattr(BACKWARD, "_WAIT_SECONDS", 2.0)  # a pass that waits for nothing fails fast
    leave_a_claim_in_an_ended_thread()
    seen: dict = {}
    x, out = small_graph()
    meanwhile = start_another_pass_and_see_if_it_waits(seen)
    traced(stop_before("backpropagate_floats(order)", "_fill_gradients", meanwhile), out.backward)
    assert seen["waited"] is True, "the other thread's pass did not wait"
    assert seen["other"].finished_within(10) and seen["other"].error is None
    assert x.grad == pytest.approx(expected_slope(), rel=1e-15)


def test_two_passes_taking_over_the_same_left_claim_both_finish(monkeypatch):
    """The main thread finds the claim's thread ended; before it removes the claim, another thread
    removes it, runs its whole pass and lets go: removing a claim that is gone is not an error."""
    monkeypatch.setattr(BACKWARD, "_WAIT_SECONDS", 2.0)  # a pass that waits for nothing fails fast
    others: list[InThread] = []
    go = threading.Event()
    second = InThread(lambda: (go.wait(10), small_graph()[1].backward()))  # its id is taken before the claim's
    leave_a_claim_in_an_ended_thread()

    def meanwhile() -> None:
        go.set()
        assert second.finished_within(10)
        others.append(second)

    x, out = small_graph()
    traced(stop_before("_CLAIM.pop(", "_claim_slots", meanwhile), out.backward)
    assert others and others[0].error is None
    assert x.grad == pytest.approx(expected_slope(), rel=1e-15)


class CountedSleep:
    """Stands in for the time module in autograd/backward.py: records each sleep instead of sleeping."""

    def __init__(self) -> None:
        self.slept: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        if len(self.slept) > 100_000:
            raise AssertionError("still waiting after 100,000 sleeps")


@pytest.mark.parametrize("limit", [0.0, 0.001])
def test_a_pass_gives_up_waiting_once_it_has_waited_longer_than_the_limit(monkeypatch, limit):
    """It sleeps 0.2 ms at a time and raises once the time slept adds up to more than the limit."""
    monkeypatch.setattr(BACKWARD, "_WAIT_SECONDS", limit)
    clock = CountedSleep()
    monkeypatch.setattr(BACKWARD, "time", clock)
    errors: list[BaseException] = []

    def meanwhile() -> None:  # another thread's pass, while this one holds the claim
        other = InThread(lambda: small_graph()[1].backward())
        assert other.finished_within(10)
        errors.append(other.error)  # type: ignore[arg-type]

    traced(stop_before("backpropagate_floats(order)", "_fill_gradients", meanwhile), small_graph()[1].backward)
    slept, steps = 0.0, 0
    while not slept > limit:  # the stated rule, on plain floats
        slept += 0.0002
        steps += 1
    message = f"backward: waited {limit:.0f} s for a gradient pass in another thread to finish"
    assert type(errors[0]) is RuntimeError and str(errors[0]) == message
    assert clock.slept == [0.0002] * steps
