"""The engine's shape: one reader of the graph, generated code that is real and up to date, every
pass giving the same bits, and the tools agreeing with backward on nodes of every kind."""

from __future__ import annotations

import inspect
import math
import random
import struct
import subprocess
import sys
import threading
import traceback

import pytest
from hypothesis import assume, given, settings
from test_random_expressions import build, problems

import nn
from autograd import Value, backpropagate, check_derivation, dot, explain, grad, record
from autograd._generated import generate
from autograd.viz import backprop_steps


def bits(x: float) -> bytes:
    """The bytes of x as `.grad` would hold it after adding it to 0.0: equal bits, sign of zero included."""
    return struct.pack("<d", 0.0 + x)


# -- what runs is what a reader opens ------------------------------------------------------------


def test_operators_have_source_a_reader_and_inspect_can_open():
    source = inspect.getsource(Value.__mul__)
    assert "def __mul__(self, other: Value | float) -> Value:" in source
    assert "data = a * b" in source  # the mul rule's formula, inline
    assert "a if a > 0.0 else 0.0" in inspect.getsource(Value.relu)


def test_importing_the_engine_compiles_no_code_from_strings_and_does_not_import_graphviz():
    """Every code object run while importing autograd and nn comes from a file on disk."""
    script = (
        "import sys, os\n"
        "strings = []\n"
        "def hook(event, args):\n"
        "    if event == 'exec' and not os.path.exists(getattr(args[0], 'co_filename', '')):\n"
        "        caller = sys._getframe(1).f_code.co_filename\n"  # who compiled a string and ran it
        "        if os.sep + 'autograd' + os.sep in caller or os.sep + 'nn' + os.sep in caller:\n"
        "            strings.append(caller)\n"
        "sys.addaudithook(hook)\n"
        "import autograd, nn\n"
        "print(repr(strings)); print('graphviz' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    code_from_strings, graphviz_imported = out.splitlines()
    assert code_from_strings == "[]"
    assert graphviz_imported == "False"


def test_drawing_is_imported_when_first_used():
    script = "import sys, autograd\nautograd.draw_dot\nprint('graphviz' in sys.modules)\n"
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "True"


def test_generated_files_are_in_step_with_the_rule_table():
    assert generate.stale() == [], "run: python -m autograd._generated.generate"


def test_the_staleness_check_fails_when_a_rule_changes(monkeypatch):
    mul = generate.RULES["mul"]
    changed = type(mul)(mul.name, mul.symbol, mul.formula, ("a", "b"))  # derivatives swapped
    monkeypatch.setitem(generate.RULES, "mul", changed)
    stale = {path.name for path in generate.stale()}
    assert {"formulas.py", "reverse.py"} <= stale


def test_a_failing_derivative_traceback_names_the_rule_and_shows_its_formula():
    x = Value(1e-320)
    with pytest.raises(OverflowError) as caught:
        grad(x.log(), [x], create_graph=True)  # d log(a) / d a = 1.0 / a overflows at a = 1e-320
    printed = "".join(traceback.format_exception(caught.value))  # what the user sees, causes included
    assert 'formulas.py", line' in printed and "in log_da\n    return 1.0 / a\n" in printed
    assert "log: the local derivative d out / d a = 1.0 / a" in str(caught.value)


# -- one chain rule: every pass gives backward's bits -------------------------------------------------


def random_graph(rng: random.Random, leaves: list[Value], size: int) -> Value:
    """A random graph over the leaves using every primitive (dot and constants included), kept in domain."""
    pool: list[Value] = list(leaves)
    for _ in range(size):
        a, b = rng.choice(pool), rng.choice(pool)
        c = rng.choice([-1.5, -0.5, 0.25, 2.0, 3.0])
        op = rng.randrange(24)
        if op == 0:
            v = a + b
        elif op == 1:
            v = a - c
        elif op == 2:
            v = a * b
        elif op == 3:
            v = c * a
        elif op == 4:
            v = a / (b * b + 0.5)
        elif op == 5:
            v = c / (a * a + 1.0)
        elif op == 6:
            v = -a
        elif op == 7:
            v = (a * a + 0.5) ** b.tanh()
        elif op == 8:
            v = (a * a + 0.25) ** 1.5
        elif op == 9:
            v = 1.5 ** a.tanh()
        elif op == 10:
            v = a.tanh().exp()
        elif op == 11:
            v = (a * a + 0.1).log()
        elif op == 12:
            v = a.tanh()
        elif op == 13:
            v = a.sigmoid()
        elif op == 14:
            v = a.relu()
        elif op == 15:
            v = a.sin() * b.cos()
        elif op == 16:
            v = abs(a - c)
        elif op == 17:
            v = (a * a + 0.25).sqrt()
        elif op == 18:
            v = a.softplus()
        elif op == 19:
            v = a.log_sigmoid()
        elif op == 20:
            v = a.max(b) - b.min(c)
        elif op == 21:
            v = a.max(a) + c * a.min(a)  # a tie: each operand gets half the gradient
        elif op == 22:
            v = b.min(a).cos()
        else:
            v = dot([a, c, b, a], [b, a, 2.0, a])  # a used in three pairs, one pair with a constant
        pool.append(v.tanh() * 3.0 if abs(v.data) > 10.0 else v)
    return pool[-1] + pool[-2] * pool[len(pool) // 2]


@pytest.mark.parametrize("seed", range(40))
def test_replay_and_the_generic_loop_give_backwards_bits_on_random_graphs(seed):
    rng = random.Random(seed)
    point = [rng.uniform(-1.5, 1.5) for _ in range(3)]
    leaves = [Value(x) for x in point]
    state = rng.getstate()
    out = random_graph(rng, leaves, 12)
    out.backward()
    expected = [bits(x.grad) for x in leaves]
    generic = backpropagate(out, 1.0)
    assert [bits(generic.get(x, 0.0)) for x in leaves] == expected
    assert [bits(g.data) for g in grad(out, leaves)] == expected

    def same_graph(*xs: Value) -> Value:
        again = random.Random()
        again.setstate(state)
        return random_graph(again, list(xs), 12)

    tape = record(same_graph, point)
    assert bits(tape.forward(point)) == bits(out.data)
    assert [bits(g) for g in tape.backward()] == expected


def test_replayed_division_gradients_equal_backwards_bits():
    """Division's d/da = 1 / b is applied as g * (1 / b) everywhere, never folded into g / b."""
    rng = random.Random(7)
    mismatches = 0
    for _ in range(400):
        a, b = rng.uniform(-3, 3), rng.choice([-1, 1]) * rng.uniform(0.1, 3)
        x, y = Value(a), Value(b)
        out = (x / y) * 1.7
        out.backward()
        tape = record(lambda p, q: (p / q) * 1.7, [a, b])
        tape.forward([a, b])
        mismatches += [bits(g) for g in tape.backward()] != [bits(x.grad), bits(y.grad)]
    assert mismatches == 0


@settings(max_examples=150, deadline=None)
@given(problems())
def test_the_generic_loop_on_random_expressions_gives_backwards_bits(problem):
    tree, point = problem
    fn = build(tree)
    leaves = [Value(x) for x in point]
    try:
        out = fn(*leaves)
        out.backward()
    except (ValueError, OverflowError, ZeroDivisionError):
        assume(False)
    generic = backpropagate(out, 1.0)
    assert [bits(generic.get(x, 0.0)) for x in leaves] == [bits(x.grad) for x in leaves]


# -- dot nodes, read the same way by every tool ------------------------------------------------------


@pytest.mark.parametrize("pairs", [1, 2, 3, 5])
def test_check_derivation_on_a_dot_node_pairs_each_weight_with_its_input(pairs):
    rng = random.Random(pairs)
    b = Value(0.3, label="b")
    ws = [Value(rng.uniform(-1, 1), label=f"w{i}") for i in range(pairs)]
    xs = [Value(rng.uniform(-2, 2), label=f"x{i}") for i in range(pairs)]
    z = dot([b, *ws], [1.0, *xs])
    z.label = "z"
    L = z.tanh()
    L.label = "L"
    dz = 1.0 - math.tanh(z.data) ** 2  # dL/dz, by hand
    hand = {f"dL/dw{i}": dz * xs[i].data for i in range(pairs)}
    hand |= {f"dL/dx{i}": dz * ws[i].data for i in range(pairs)}
    report = check_derivation(L, hand)
    assert report.ok, str(report)
    for i in range(pairs):
        (term,) = report[f"dL/dw{i}"].factors
        assert term.locals[-1].value == xs[i].data  # dz/dw_i = x_i
        (term,) = report[f"dL/dx{i}"].factors
        assert term.locals[-1].value == ws[i].data  # dz/dx_i = w_i


def test_a_dot_node_with_a_pair_of_constants_differentiates_everywhere():
    x = Value(1.5, label="x")
    out = dot([x, 2.0], [3.0, 4.0])
    out.label = "out"
    out.backward()
    assert x.grad == 3.0
    assert grad(out, [x])[0].data == 3.0
    assert explain(out, x).total == 3.0
    assert backprop_steps(out).grads[x] == 3.0
    assert check_derivation(out, {"dout/dx": 3.0}).ok


def test_explain_total_is_backwards_gradient_and_fails_as_backward_does():
    x = Value(1e-300)
    out = ((x * 1e200) * 1e200) * 0.0
    out.backward()
    assert explain(out, x).total == x.grad == 0.0
    y = Value(1e-300)
    big = (y * 1e200) * 1e200
    with pytest.raises(OverflowError) as by_backward:
        big.backward()
    with pytest.raises(OverflowError) as by_explain:
        explain(big, y)
    assert str(by_explain.value) == str(by_backward.value)


# -- passes that share a graph ------------------------------------------------------------------------


def test_threads_sharing_a_model_all_get_the_single_threaded_gradients():
    model = nn.MLP(2, [8, 8, 1], rng=random.Random(0))
    params = model.parameters()
    inputs = [[random.Random(i).uniform(-1, 1), random.Random(-i).uniform(-1, 1)] for i in range(8)]
    expected = {i: [g.data for g in grad(model(x), params)] for i, x in enumerate(inputs)}
    wrong: list[int] = []

    def work(offset: int) -> None:
        for k in range(40):
            i = (k + offset) % len(inputs)
            if [g.data for g in grad(model(inputs[i]), params)] != expected[i]:
                wrong.append(i)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert wrong == []


def test_threads_calling_backward_on_a_shared_graph_add_every_gradient():
    x = Value(0.5)
    out = (x * x).tanh() * 3.0
    expected = grad(out, [x])[0].data * 4 * 50

    def work() -> None:
        for _ in range(50):
            out.backward()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert math.isclose(x.grad, expected, rel_tol=1e-12)


@pytest.mark.parametrize("seed", [math.nan, math.inf, -math.inf])
def test_a_non_finite_backward_seed_is_refused_up_front(seed):
    x = Value(2.0)
    y = x * 3.0
    for root in (x, y):
        with pytest.raises(ValueError, match="backward: gradient must be finite"):
            root.backward(seed)
    assert x.grad == 0.0 and y.grad == 0.0


def test_replay_writes_each_shared_value_once_so_its_code_grows_linearly():
    """relu reads its operand twice (a if a > 0.0 else 0.0): an operand folded into it would be
    written twice, and a chain of them would double the code at every step."""
    depth = 16
    tape = record(lambda x: chain_of_relus(x, depth), [0.3])
    assert len(tape.source) < 300 * depth  # doubling would make it about 2 ** depth
    assert tape.forward([0.3]) == chain_of_relus(Value(0.3), depth).data


def chain_of_relus(x: Value, depth: int) -> Value:
    for _ in range(depth):
        x = (x * 1.1 + 0.01).relu()
    return x
