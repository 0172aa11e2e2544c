"""Replay (autograd.record / Tape): the same losses and gradients as rebuilding the graph, and clear errors."""

from __future__ import annotations

import math
import random

import pytest

import nn
from autograd import Tape, Value, dot, grad, record
from nn.data import make_moons


def _loss(model: nn.MLP, X: list[list[float]], y: list[int]) -> Value:
    return nn.hinge([model(x) for x in X], y) + 1e-4 * sum(p * p for p in model.parameters())


@pytest.mark.parametrize("fused", [False, True])
def test_training_with_replay_matches_rebuilding_the_graph(fused: bool) -> None:
    X, y = make_moons(12, noise=0.1, seed=3)
    replayed = nn.MLP(2, [8, 8, 1], rng=random.Random(5), fused=fused)
    rebuilt = nn.MLP(2, [8, 8, 1], rng=random.Random(5))
    tape = record(lambda: _loss(replayed, X, y))
    assert tape.n_inputs == 0
    assert {id(p) for p in tape.parameters} == {id(p) for p in replayed.parameters()}
    opts = [nn.SGD(m.parameters(), lr=0.2, momentum=0.5) for m in (replayed, rebuilt)]
    for _ in range(6):
        for opt in opts:
            opt.zero_grad()
        loss = tape.forward()
        assert tape.backward() == []  # no inputs; the parameters' .grad were filled
        reference = _loss(rebuilt, X, y)
        reference.backward()
        assert loss == pytest.approx(reference.data, rel=0, abs=1e-12)
        for p, q in zip(replayed.parameters(), rebuilt.parameters()):
            assert p.grad == pytest.approx(q.grad, rel=0, abs=1e-12)
        for opt in opts:
            opt.step()


def test_inputs_give_gradients_like_grad() -> None:
    def f(x: Value, y: Value) -> Value:
        return (x * y + y.exp() / x - (x - 0.5).relu() * 3.0 + y.sigmoid()).tanh() + (x**2).log()

    tape = record(f, [1.5, -0.25])
    rng = random.Random(0)
    for _ in range(20):
        point = [rng.uniform(0.2, 3.0) * rng.choice([1, -1]), rng.uniform(-2.0, 2.0)]
        out = tape.forward(point)
        gx, gy = tape.backward()
        leaves = [Value(v) for v in point]
        expected = f(*leaves)
        ex, ey = grad(expected, leaves)
        assert out == pytest.approx(expected.data, abs=1e-12)
        assert gx == pytest.approx(ex.data, abs=1e-12) and gy == pytest.approx(ey.data, abs=1e-12)


def test_relu_kink_is_re_evaluated_but_python_branches_are_frozen() -> None:
    def f(x: Value) -> Value:
        if x.data > 0:  # Python control flow: frozen at record time (x = 1.0, so this branch)
            return (x * 2.0).relu()
        return x * -5.0

    tape = record(f, [1.0])
    assert tape.forward([3.0]) == 6.0 and tape.backward() == [2.0]
    assert tape.forward([-3.0]) == 0.0 and tape.backward() == [0.0]  # relu's kink, re-evaluated
    assert tape.forward([0.0]) == 0.0 and tape.backward() == [0.0]  # 0 at the kink, as relu


def test_backward_adds_to_parameter_grads_and_seeds() -> None:
    w = Value(3.0)
    tape = record(lambda x: w * x * x, [2.0])
    tape.forward([2.0])
    assert tape.backward(0.5) == [0.5 * 2 * 3.0 * 2.0]
    assert w.grad == 0.5 * 4.0
    tape.forward([2.0])
    tape.backward()
    assert w.grad == 2.0 + 4.0  # added, as Value.backward does


def test_dot_node_replays() -> None:
    w = [Value(0.5), Value(-1.5), Value(2.0)]
    tape = record(lambda a, b: dot([w[0], w[1], a], [a, b, w[2]]).relu(), [1.0, 2.0])
    assert tape.forward([2.0, -1.0]) == pytest.approx(0.5 * 2.0 + 1.5 + 4.0)
    assert tape.backward() == pytest.approx([0.5 + 2.0, -1.5])
    assert [p.grad for p in w] == pytest.approx([2.0, -1.0, 2.0])


def test_output_that_is_an_input() -> None:
    tape = record(lambda x, y: x, [1.0, 2.0])
    assert tape.forward([7.0, 8.0]) == 7.0
    assert tape.backward() == [1.0, 0.0]


def test_domain_errors_are_the_rules_own() -> None:
    tape = record(lambda x: x.log(), [2.0])
    with pytest.raises(ValueError, match="log: input must be > 0"):
        tape.forward([-1.0])


def test_overflow_is_reported() -> None:
    tape = record(lambda x: x * x * x, [2.0])
    with pytest.raises(OverflowError, match="replay"):
        tape.forward([1e200])


def test_wrong_number_of_inputs_is_a_clear_error() -> None:
    tape = record(lambda x, y: x * y, [1.0, 2.0])
    with pytest.raises(ValueError, match="recorded with 2 inputs, got 3"):
        tape.forward([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="recorded with 2 inputs"):
        tape.forward(1.0)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", ["1.0", None, True, [1.0], complex(1, 1)])
def test_non_numeric_input_is_refused(bad: object) -> None:
    tape = record(lambda x, y: x * y, [1.0, 2.0])
    with pytest.raises(TypeError, match=r"replay: inputs\[1\] must be a real number"):
        tape.forward([1.0, bad])  # type: ignore[list-item]


@pytest.mark.parametrize("bad", [math.inf, -math.inf, math.nan])
def test_non_finite_input_is_refused(bad: float) -> None:
    tape = record(lambda x: x * 2.0, [1.0])
    with pytest.raises(ValueError, match="must be finite"):
        tape.forward([bad])


def test_parameter_holding_a_non_number_is_refused() -> None:
    w = Value(1.0)
    tape = record(lambda x: w * x, [1.0])
    w.data = "oops"  # type: ignore[assignment]
    with pytest.raises(ValueError, match="parameter 0"):
        tape.forward([1.0])


def test_backward_needs_a_forward_each_time() -> None:
    tape = record(lambda x: x * x, [3.0])
    with pytest.raises(RuntimeError, match="forward"):
        tape.backward()
    tape.forward([3.0])
    tape.backward()
    with pytest.raises(RuntimeError, match="once per forward"):
        tape.backward()


def test_record_checks_its_arguments() -> None:
    with pytest.raises(TypeError, match="callable"):
        record(3.0, [1.0])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="return a Value"):
        record(lambda x: 2.0, [1.0])
    with pytest.raises(TypeError, match="sequence of numbers"):
        record(lambda x: x, 1.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="real number"):
        record(lambda x: x, ["a"])


def test_tape_describes_itself() -> None:
    tape = record(lambda x: (x * 2.0).relu(), [1.0])
    assert isinstance(tape, Tape) and tape.size == 2
    assert "def replay" in tape.source and "yield" in tape.source
    assert repr(tape) == "Tape(2 operations, 1 inputs, 0 parameters)"


def test_long_sums_compile() -> None:
    """Folding expressions stops at a bounded depth, so a long sum does not overflow the compiler."""
    tape = record(lambda *xs: sum(x * x for x in xs), [0.5] * 3000)
    assert tape.forward([1.0] * 3000) == 3000.0
    assert tape.backward()[:2] == [2.0, 2.0]


def test_benchmark_script_runs_in_smoke_mode(tmp_path) -> None:
    """benchmarks/run.py (which times replay) runs end to end at tiny sizes; no timing is asserted."""
    run = pytest.importorskip("benchmarks.run")
    out = tmp_path / "RESULTS.md"
    assert run.main(["--smoke", "--engines", "chaingrad,float", "--out", str(out), "--plot", ""]) == 0
    text = out.read_text()
    assert "## Targets" in text and "chaingrad replay" in text


@pytest.mark.parametrize("inputs", [None, 2.0, "ab", (x for x in [1.0, 2.0])])
def test_replay_refuses_inputs_that_are_not_a_sequence_with_a_clear_error(inputs) -> None:
    tape = record(lambda x, y: x * y, [1.0, 2.0])
    with pytest.raises(ValueError, match=r"recorded with 2 inputs, got a \w+ \(pass a sequence of numbers"):
        tape.forward(inputs)  # type: ignore[arg-type]


@pytest.mark.parametrize("inputs", [None, 3, "ab"])
def test_record_refuses_inputs_that_are_not_a_sequence_and_names_the_type(inputs) -> None:
    with pytest.raises(TypeError, match=f"inputs must be a sequence of numbers.*got {type(inputs).__name__}"):
        record(lambda *xs: xs[0] * 2.0, inputs)  # type: ignore[arg-type]


def test_record_refuses_a_non_finite_input_and_names_it() -> None:
    with pytest.raises(ValueError, match=r"record: inputs\[1\] must be finite, got inf"):
        record(lambda x, y: x * y, [1.0, math.inf])


# -- reliability: inputs, replaced parameters, threads, interrupts, size ----------------------


@pytest.mark.parametrize("inputs", [{0: 1.0, 1: 2.0}, {1.0, 2.0}, frozenset({1.0, 2.0})])
def test_replay_refuses_a_dict_or_set_of_inputs_instead_of_using_its_keys(inputs) -> None:
    tape = record(lambda x, y: x - y, [1.0, 2.0])
    with pytest.raises(ValueError, match=r"got a (dict|set|frozenset) \(pass a sequence"):
        tape.forward(inputs)


def test_record_refuses_a_dict_of_inputs() -> None:
    with pytest.raises(TypeError, match="inputs must be a sequence of numbers.*got dict"):
        record(lambda x: x * 2.0, {0: 1.0})  # type: ignore[arg-type]


def _mlp_output(model: nn.MLP, x: Value) -> Value:
    out = model([x, x * 0.5])
    assert isinstance(out, Value)
    return out


def test_replacing_a_weight_of_a_model_in_a_closure_is_detected() -> None:
    model = nn.MLP(2, [3, 1], rng=random.Random(1))
    tape = record(lambda x: _mlp_output(model, x), [0.5])
    tape.forward([0.5])
    tape.backward()
    model.layers[0].neurons[1].w[0] = Value(3.0)  # the tape holds the old object
    with pytest.raises(RuntimeError, match=r"closure variable 'model'.*parameter \d+ .*replaced.*record again"):
        tape.forward([0.5])
    fresh = record(lambda x: _mlp_output(model, x), [0.5])  # recording again follows the new weight
    assert fresh.forward([0.5]) == _mlp_output(model, Value(0.5)).data


def test_loading_new_numbers_into_a_model_is_followed_not_refused() -> None:
    """load_state_dict writes into the same parameter objects, so the tape stays valid."""
    model = nn.MLP(2, [3, 1], rng=random.Random(1))
    tape = record(lambda x: _mlp_output(model, x), [0.5])
    other = nn.MLP(2, [3, 1], rng=random.Random(2))
    model.load_state_dict(other.state_dict())
    assert tape.forward([0.5]) == _mlp_output(other, Value(0.5)).data


W_GLOBAL = Value(2.0, "w")


def _times_global_weight(x: Value) -> Value:
    return x * W_GLOBAL


def test_rebinding_a_global_parameter_is_detected() -> None:
    global W_GLOBAL
    tape = record(_times_global_weight, [1.5])
    assert tape.forward([1.5]) == 3.0
    saved, W_GLOBAL = W_GLOBAL, Value(-4.0, "w")
    try:
        with pytest.raises(RuntimeError, match=r"global 'W_GLOBAL'.*parameter 0 \(Value\(data=2.0"):
            tape.forward([1.5])
    finally:
        W_GLOBAL = saved


def test_replacing_an_item_of_a_list_of_parameters_or_a_models_attribute_is_detected() -> None:
    weights = [Value(1.0), Value(2.0)]
    tape = record(lambda x: x * weights[0] + weights[1], [3.0])
    weights[1] = Value(7.0)
    with pytest.raises(RuntimeError, match="closure variable 'weights'"):
        tape.forward([3.0])

    class Trainer:
        def __init__(self) -> None:
            self.model = nn.MLP(2, [2, 1], rng=random.Random(3))

        def loss(self, x: Value) -> Value:
            return _mlp_output(self.model, x) ** 2

    trainer = Trainer()
    tape = record(trainer.loss, [1.0])
    tape.forward([1.0])
    trainer.model = nn.MLP(2, [2, 1], rng=random.Random(4))
    with pytest.raises(RuntimeError, match="attribute 'model'"):
        tape.forward([1.0])


def test_threads_sharing_a_tape_each_get_their_own_forwards_gradients() -> None:
    import threading

    w = Value(1.5)
    tape = record(lambda x: (x * w).tanh() * x, [0.1])
    errors: list[str] = []
    between = threading.Barrier(4, timeout=30)

    def work(k: int) -> None:
        for i in range(300):
            x = 0.1 * k + 0.001 * i
            tape.forward([x])
            between.wait()  # every thread has run its forward before any runs its backward
            [gx] = tape.backward()
            leaf = Value(x)
            [expected] = grad((leaf * w).tanh() * leaf, [leaf])
            if gx != expected.data:
                errors.append(f"thread {k}, x={x}: replay {gx}, expected {expected.data}")

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    expected_w = 0.0
    for k in range(4):
        for i in range(300):
            leaf = Value(0.1 * k + 0.001 * i)
            out = (leaf * w).tanh() * leaf
            expected_w += grad(out, [w])[0].data
    assert w.grad == pytest.approx(expected_w, rel=1e-12)  # no addition lost to a race


REPLAY_BACKWARD_PHASES = ["backward", "_claim_slots", "_release_slots", "replay"]


@pytest.mark.parametrize("phase", REPLAY_BACKWARD_PHASES)
def test_replay_backward_interrupted_at_any_line_adds_nothing(phase: str) -> None:
    from gradtools import interrupt_in, lines_run

    weights = [Value(0.5), Value(-1.25), Value(2.0)]

    def f(x: Value) -> Value:
        return (weights[0] * x + weights[1]).tanh() * weights[2] + weights[0] * weights[0]

    tape = record(f, [0.3])
    tape.forward([0.3])
    total = lines_run(phase, tape.backward)  # "replay": the generated code's backward half
    assert total > 0
    for line in range(1, total + 1):
        for w in weights:
            w.grad = 0.25
        tape.forward([0.3])
        with pytest.raises(KeyboardInterrupt):
            with interrupt_in(phase, line):
                tape.backward()
        assert [w.grad for w in weights] == [0.25] * 3, f"{phase}, line {line} of {total}"


def test_a_gradient_that_overflows_is_reported_not_returned() -> None:
    tape = record(lambda x: x.log(), [1.0])
    assert tape.forward([1e-310]) == pytest.approx(math.log(1e-310))  # finite output...
    with pytest.raises(OverflowError, match="replay: a gradient overflowed"):
        tape.backward()  # ...but d log / dx = 1/x = inf


def _random_graph(rng: random.Random, leaves: list[Value], size: int) -> Value:
    nodes = list(leaves)
    for _ in range(size):
        a, b = rng.choice(nodes), rng.choice(nodes)
        op = rng.choice(["add", "mul", "sub", "tanh", "sigmoid", "relu", "const"])
        if op == "add":
            nodes.append(a + b)
        elif op == "mul":
            nodes.append(a * b)
        elif op == "sub":
            nodes.append(a - b * 0.5)
        elif op == "const":
            nodes.append(a * rng.uniform(-1.5, 1.5) + 0.25)
        else:
            nodes.append(getattr(a, op)())
    return sum(nodes[len(leaves) :], nodes[-1]).tanh()


@pytest.mark.parametrize("part_lines", [1, 3, 7, 20])
def test_a_tape_compiled_in_parts_gives_the_same_bits_as_backward(monkeypatch, part_lines: int) -> None:
    import autograd.replay

    monkeypatch.setattr(autograd.replay, "_PART_LINES", part_lines)
    rng = random.Random(part_lines)
    for trial in range(10):
        params = [Value(rng.uniform(-1, 1)) for _ in range(3)]
        tape = record(lambda *xs, t=trial, ps=params: _random_graph(random.Random(t), [*xs, *ps], 40), [0.1, -0.2])
        assert "def forward_1(xs, ps, s):" in tape.source and "def backward_0(xs, ps, s):" in tape.source
        point = [rng.uniform(-1, 1), rng.uniform(-1, 1)]
        out = tape.forward(point)
        input_grads = tape.backward()
        xs = [Value(x) for x in point]
        eager = _random_graph(random.Random(trial), [*xs, *params], 40)
        expected = grad(eager, xs + params)
        assert out == eager.data
        assert input_grads == [g.data for g in expected[:2]]
        assert [p.grad for p in params] == [g.data for g in expected[2:]]


def test_a_long_chain_is_compiled_in_parts_of_bounded_size() -> None:
    import autograd.replay

    def chain(x: Value) -> Value:
        for i in range(6000):
            x = x * 1.0001 + 0.001 if i % 2 else x * 0.9999
        return x

    tape = record(chain, [1.0])
    parts = tape.source.split("\ndef ")[1:]
    assert len(parts) >= 1 + 9000 // autograd.replay._PART_LINES  # 9,000 backward statements alone
    assert max(part.count("\n") for part in parts) < autograd.replay._PART_LINES + 20
    leaf = Value(1.0)
    eager = chain(leaf)
    assert tape.forward([1.0]) == eager.data
    assert tape.backward() == [grad(eager, [leaf])[0].data]


@pytest.mark.parametrize("part_lines", [2000, 2])
def test_a_derivative_that_cannot_be_computed_names_its_rule_and_line(monkeypatch, part_lines: int) -> None:
    import autograd.replay

    monkeypatch.setattr(autograd.replay, "_PART_LINES", part_lines)
    w = Value(0.5)
    tape = record(lambda x: (x * w + 1.0).tanh() * x**0.5, [1.0])
    tape.forward([0.0])  # sqrt(0) = 0 is fine; its slope 0.5 * 0 ** -0.5 is not
    with pytest.raises(ZeroDivisionError, match=r"replay: pow's derivative failed in `gx0 = .*x0 \*\* .*# pow`"):
        tape.backward()
    assert w.grad == 0.0


def test_an_operand_used_twice_gets_both_gradients() -> None:
    """x + x*y: dx = 1 + y and dy = x, the two uses of x summed (not one overwriting the other)."""
    tape = record(lambda x, y: x + x * y, [1.0, 1.0])
    assert tape.forward([2.0, 3.0]) == 2.0 + 2.0 * 3.0
    assert tape.backward() == [1.0 + 3.0, 2.0]
    w = Value(3.0)
    tape = record(lambda x: w * x + w * w, [2.0])
    tape.forward([2.0])
    assert tape.backward() == [3.0] and w.grad == 2.0 + 2 * 3.0
