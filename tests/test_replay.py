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
