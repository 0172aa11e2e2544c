"""check_derivation: hand gradients are compared with the engine's, node by node in backward order."""

from __future__ import annotations

import math
import random

import pytest

import autograd
import nn
from autograd import DerivationReport, Value, check_derivation
from autograd.derivation import UnknownLabelError


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def two_layer_net(x: float = 0.6, y: float = 0.2) -> tuple[Value, dict[str, Value]]:
    """z1 = w1 x + b1, a1 = s(z1), z2 = w2 a1 + b2, a2 = s(z2), C = 1/2 (a2 - y)^2, all labelled."""
    n = {
        "x": Value(x, label="x"),
        "y": Value(y, label="y"),
        "w1": Value(0.9, label="w1"),
        "b1": Value(-0.4, label="b1"),
        "w2": Value(-1.3, label="w2"),
        "b2": Value(0.25, label="b2"),
    }
    n["z1"] = n["w1"] * n["x"] + n["b1"]
    n["a1"] = n["z1"].sigmoid()
    n["z2"] = n["w2"] * n["a1"] + n["b2"]
    n["a2"] = n["z2"].sigmoid()
    n["C"] = 0.5 * (n["a2"] - n["y"]) ** 2
    for name, node in n.items():
        node.label = name
    return n["C"], n


def hand_floats(x: float = 0.6, y: float = 0.2) -> dict[str, float]:
    """The same network's gradients, derived on paper and evaluated with plain floats."""
    w1, b1, w2, b2 = 0.9, -0.4, -1.3, 0.25
    a1 = sigmoid(w1 * x + b1)
    a2 = sigmoid(w2 * a1 + b2)
    dz2 = (a2 - y) * a2 * (1 - a2)
    dz1 = dz2 * w2 * a1 * (1 - a1)
    return {
        "dC/da2": a2 - y,
        "dC/dz2": dz2,
        "dC/dw2": dz2 * a1,
        "dC/db2": dz2,
        "dC/da1": dz2 * w2,
        "dC/dz1": dz1,
        "dC/dw1": dz1 * x,
        "dC/db1": dz1,
    }


def test_correct_hand_formulas_agree_everywhere():
    C, _ = two_layer_net()
    report = check_derivation(C, hand_floats())
    assert isinstance(report, DerivationReport)
    assert report.ok and bool(report)
    assert report.first_divergence is None
    assert len(report.rows) == 8
    assert "all 8 hand gradients of C agree" in str(report)


def test_rows_come_in_backward_order():
    C, _ = two_layer_net()
    report = check_derivation(C, dict(reversed(list(hand_floats().items()))))
    steps = [row.step for row in report.rows]
    assert steps == sorted(steps)
    names = [row.name for row in report.rows]
    assert names.index("dC/da2") < names.index("dC/dz2") < names.index("dC/da1") < names.index("dC/dw1")


def test_a_planted_wrong_formula_is_found_at_its_node():
    C, n = two_layer_net()
    hand = hand_floats()
    correct = hand["dC/dw1"]
    hand["dC/dw1"] = hand["dC/dz1"] * n["a1"].data  # wrong input: a1 instead of x
    report = check_derivation(C, hand)
    assert not report.ok
    first = report.first_divergence
    assert first is not None
    assert (first.name, first.node) == ("dC/dw1", "w1")
    assert first.hand == pytest.approx(hand["dC/dz1"] * n["a1"].data)
    assert first.engine == pytest.approx(correct, rel=1e-12)
    assert [row.name for row in report.disagreements] == ["dC/dw1"]
    # The engine's value is the sum of its chain-rule terms; here one term through z1.
    assert sum(f.value for f in first.factors) == pytest.approx(first.engine, rel=1e-12)
    (term,) = first.factors
    assert term.upstream == "z1"
    assert term.upstream_grad == pytest.approx(hand["dC/dz1"], rel=1e-12)
    assert [loc.rule for loc in term.locals] == ["add", "mul"]
    assert term.locals[-1].formula == "x" and term.locals[-1].value == 0.6
    text = str(report)
    assert "first divergence at dC/dw1" in text and "dC/dz1 agrees with the engine" in text


def test_the_first_divergence_is_the_one_nearest_the_output():
    C, _ = two_layer_net()
    hand = hand_floats()
    hand["dC/dz2"] *= 2.0  # upstream mistake...
    hand["dC/dz1"] *= 2.0  # ...carried down
    report = check_derivation(C, hand)
    assert report.first_divergence is not None and report.first_divergence.name == "dC/dz2"
    assert [row.name for row in report.disagreements] == ["dC/dz2", "dC/dz1"]


def test_hand_values_can_be_formulas_of_the_forward_values():
    C, _ = two_layer_net()

    def dz2(v):
        return (v["a2"] - v["y"]) * v["a2"] * (1 - v["a2"])

    report = check_derivation(
        C,
        {
            "z2": dz2,  # a bare label
            "∂C/∂w2": lambda v: dz2(v) * v["a1"],  # curly d
            "dC/db2": lambda v: Value(dz2(v)),  # a Value result is read as its data
        },
    )
    assert report.ok, report


def test_hand_keys_can_be_the_nodes_themselves():
    C, n = two_layer_net()
    report = check_derivation(C, {n["w2"]: hand_floats()["dC/dw2"]})
    assert report.ok and report.rows[0].name == "dC/dw2"


def test_grads_of_the_graph_are_left_untouched():
    C, n = two_layer_net()
    n["w1"].grad = 7.0
    check_derivation(C, hand_floats())
    assert n["w1"].grad == 7.0
    assert all(node.grad == 0.0 for name, node in n.items() if name != "w1")


def test_a_node_used_twice_has_one_term_per_use():
    x = Value(1.5, label="x")
    out = x * x + x
    out.label = "f"
    report = check_derivation(out, {"df/dx": 2 * 1.5})  # forgot the + 1
    first = report.first_divergence
    assert first is not None and first.engine == pytest.approx(4.0)
    assert len(first.factors) == 3
    assert sum(f.value for f in first.factors) == pytest.approx(4.0)


def test_unknown_names_list_the_labels():
    C, _ = two_layer_net()
    with pytest.raises(UnknownLabelError, match="'a1', 'a2', 'b1'"):
        check_derivation(C, {"dC/dz3": 1.0})
    with pytest.raises(KeyError, match="no node is labelled 'a3'"):
        check_derivation(C, {"dC/dz2": lambda v: v["a3"]})


def test_labels_shared_by_several_nodes_are_refused_when_used():
    a, b = Value(1.0, label="w"), Value(2.0, label="w")
    out = a * b
    with pytest.raises(ValueError, match="2 nodes are labelled 'w'"):
        check_derivation(out, {"w": 2.0})


def test_bad_arguments_are_explained():
    C, _ = two_layer_net()
    with pytest.raises(TypeError, match="output must be a Value"):
        check_derivation(1.0, {"x": 1.0})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="hand is empty"):
        check_derivation(C, {})
    with pytest.raises(ValueError, match="not a finite number"):
        check_derivation(C, {"w1": float("nan")})
    outsider = Value(1.0)
    with pytest.raises(ValueError, match="not part of the output's graph"):
        check_derivation(C, {outsider: 0.0})


def test_terms_stop_at_immediate_consumers_when_paths_explode():
    model = nn.MLP(2, [6, 6, 1], activation="tanh", rng=random.Random(0))
    loss = (model([0.5, -0.3]) - 1.0) ** 2
    loss.label = "loss"
    w = model.layers[0].neurons[0].w[0]
    w.label = "w"
    report = check_derivation(loss, {"w": 0.0})
    row = report.rows[0]
    assert sum(f.value for f in row.factors) == pytest.approx(row.engine, rel=1e-9, abs=1e-15)


def test_check_derivation_and_explain_write_one_notation():
    """d for the upstream total, ∂ for each local derivative, named alike in both tools.
    Before, explain named the same local derivative dp/dw that check_derivation named ∂p/∂w."""
    w, x, b = Value(0.7, label="w"), Value(-2.0, label="x"), Value(0.1, label="b")
    p = w * x
    p.label = "p"
    z = p + b
    z.label = "z"
    C = z**2
    C.label = "C"
    first = check_derivation(C, {"dC/dw": 0.0}).first_divergence
    assert first is not None
    (term,) = first.factors
    assert term.upstream == "p" and [local.name for local in term.locals] == ["∂p/∂w"]
    (path,) = autograd.explain(C, w).paths
    assert [f.name for f in path.factors] == ["∂C/∂z", "∂z/∂p", "∂p/∂w"]
    # by hand: dC/dw = 2 z · 1 · x, with z = w x + b = -1.3
    assert first.engine == pytest.approx(2 * -1.3 * -2.0) == path.product
    assert "dC/dp · ∂p/∂w\n" in str(check_derivation(C, {"dC/dw": 0.0}))


def test_a_value_used_twice_by_one_operation_names_each_operand():
    """m = a * a: two terms through the same two nodes. Before, both read 'dt/dm · ∂m/∂a'."""
    a = Value(0.5, label="a")
    m = a * a
    m.label = "m"
    t = m.tanh()
    t.label = "t"
    report = check_derivation(t, {"dt/da": 1.0})
    first = report.first_divergence
    assert first is not None
    assert [[local.name for local in f.locals] for f in first.factors] == [
        ["∂m/∂a (1st operand)"],
        ["∂m/∂a (2nd operand)"],
    ]
    local = 1 - math.tanh(0.25) ** 2  # by hand: ∂m/∂a = a = 0.5 for each operand
    assert first.engine == pytest.approx(2 * local * 0.5)
    text = str(report)
    assert "dt/dm · ∂m/∂a (1st operand)\n" in text and "dt/dm · ∂m/∂a (2nd operand)\n" in text
    assert "∂m/∂a (2nd operand) = a = 0.5   [mul]" in text


def test_notebook_displays_carry_the_numbers():
    C, _ = two_layer_net()
    hand = hand_floats()
    hand["dC/db1"] = 0.0
    report = check_derivation(C, hand)
    md, page = report._repr_markdown_(), report._repr_html_()
    assert "dC/db1" in md and "❌" in md and "First divergence" in md
    assert "<table>" in page and "DIFF" in page
    assert report["dC/db1"].engine == pytest.approx(hand_floats()["dC/db1"])


# -- deep, long and wide graphs: no recursion, bounded reports ------------------------------------


def unlabelled_chain(n: int) -> tuple[Value, Value]:
    """y = x * 1.0001 * ... (n times), no node labelled: dy/dx = 1.0001^n by hand."""
    x = Value(1.0)
    y = x
    for _ in range(n):
        y = y * 1.0001
    return x, y


@pytest.mark.parametrize("n", [5_000, 100_000])
def test_a_deep_unlabelled_chain_is_checked_without_recursion(n: int):
    x, y = unlabelled_chain(n)
    hand = 1.0001**n
    report = check_derivation(y, {x: hand})  # keyed by the Value: nothing is labelled
    assert report.ok and report.rows[0].engine == pytest.approx(hand, rel=1e-9)
    x.label, y.label = "x", "y"
    wrong = check_derivation(y, {"dy/dx": 2 * hand, "y": 1.0})
    first = wrong.first_divergence
    assert first is not None and first.name == "dy/dx"
    assert sum(f.value for f in first.factors) == pytest.approx(first.engine, rel=1e-12)
    for text in (str(wrong), wrong._repr_markdown_(), wrong._repr_html_()):
        assert len(text) < 5_000 and "dy/dx" in text


def test_a_node_used_by_every_step_lists_a_few_terms_and_counts_the_rest():
    """x feeds 10,000 products that are summed: 10,000 chain-rule terms. Before, all were printed
    (780 kB here, 7.8 MB for 100,000); the report's data still holds every term."""
    n = 10_000
    x = Value(1.5, label="x")
    s = x * 2.0
    for _ in range(n - 1):
        s = s + x * 2.0
    s.label = "s"
    report = check_derivation(s, {"ds/dx": 0.0})
    row = report.first_divergence
    assert row is not None and row.engine == pytest.approx(2.0 * n)  # by hand: n terms of 2
    assert len(row.factors) == n
    assert math.fsum(f.value for f in row.factors) == pytest.approx(2.0 * n)
    for text in (str(report), report._repr_markdown_(), report._repr_html_()):
        assert len(text) < 20_000
        assert f"{n - 12:,} more terms not shown (their sum is {2.0 * (n - 12):.6g}" in text


def test_describing_an_unlabelled_wide_dot_node_is_short():
    """An unlabelled node is described by the expression that made it; a dot of 20,000 pairs
    was written out whole (about a megabyte, for each of its names in the report)."""
    ws = [Value(0.5) for _ in range(20_000)]
    z = autograd.dot(ws, [1.0] * len(ws))
    out = z * z
    out.label = "out"
    report = check_derivation(out, {ws[0]: 0.0})
    text = str(report)
    assert len(text) < 5_000
    assert "… 19,997 more terms" in text


def test_a_wide_graph_whose_paths_explode_falls_back_to_immediate_consumers():
    """A lattice of unlabelled diamonds: 2^20 paths from x to the output, found without listing."""
    x = Value(0.3, label="x")
    v = x
    for _ in range(20):
        v = v * 1.1 + v * 0.9
    v.label = "out"
    report = check_derivation(v, {"x": 2.0**20})
    row = report.rows[0]
    assert row.ok and len(row.factors) == 2  # x's two consumers
    assert sum(f.value for f in row.factors) == pytest.approx(row.engine, rel=1e-12)


# -- tolerances ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["rtol", "atol"])
@pytest.mark.parametrize(
    ("bad", "error"),
    [
        (math.inf, ValueError),  # would pass every hand gradient
        (math.nan, ValueError),  # would fail every one
        (-1e-6, ValueError),
        ("1e-6", TypeError),
        (True, TypeError),
        (None, TypeError),
        (1e-6j, TypeError),
    ],
)
def test_tolerances_must_be_finite_non_negative_numbers(name, bad, error):
    C, _ = two_layer_net()
    with pytest.raises(error, match=rf"check_derivation: {name} must be"):
        check_derivation(C, hand_floats(), **{name: bad})


def test_tolerances_accept_ints_and_zero():
    C, _ = two_layer_net()
    report = check_derivation(C, hand_floats(), rtol=0, atol=1)
    assert report.ok and (report.rtol, report.atol) == (0.0, 1.0)


# -- a local derivative that cannot be computed is named -------------------------------------------


def test_a_derivative_that_is_not_a_real_number_names_its_operation():
    """x.data changed to -4 under x ** 0.5: the rule gives a complex number. Before, a TypeError
    "'<' not supported between instances of 'float' and 'complex'" that named nothing."""
    x = Value(4.0, label="x")
    y = x**0.5
    y.label = "y"
    x.data = -4.0
    with pytest.raises(ValueError, match=r"pow: the local derivative d out / d a = .* at a = -4.0, b = 0.5"):
        check_derivation(y, {"x": 0.25})


def test_a_derivative_undefined_at_the_point_names_its_operation():
    x = Value(0.0, label="x")
    y = x**0.5
    y.label = "y"
    with pytest.raises(ZeroDivisionError, match=r"pow: the local derivative d out / d a"):
        check_derivation(y, {"x": 0.0})
