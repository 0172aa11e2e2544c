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
    out = model([0.5, -0.3])
    assert isinstance(out, Value)
    loss = (out - 1.0) ** 2
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
    assert "dC/db1" in md and "**DIFF**" in md and "First divergence" in md
    assert "❌" not in md and "✅" not in md  # text marks: emoji show as empty boxes without an emoji font
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


# -- a check that one point cannot fool -------------------------------------------------------------
#
# The network of the issue: three sigmoid layers of one neuron, binary cross-entropy with the
# target y a labelled leaf. References are the same numbers computed with floats by hand.

SIG3 = {"W1": 0.8, "b1": -0.3, "W2": -1.4, "b2": 0.5, "W3": 2.1, "b3": -0.2}


def three_sigmoids(x: float = 0.9, y: float = 1.0) -> tuple[Value, dict[str, Value]]:
    """z_l = W_l a_(l-1) + b_l, a_l = s(z_l), a_0 = x; L = -y log a3 - (1 - y) log(1 - a3)."""
    n = {k: Value(v, label=k) for k, v in SIG3.items()}
    n["x"], n["y"] = Value(x, label="x"), Value(y, label="y")
    a = n["x"]
    for layer in (1, 2, 3):
        z = n[f"W{layer}"] * a + n[f"b{layer}"]
        a = z.sigmoid()
        z.label, a.label = f"z{layer}", f"a{layer}"
        n[z.label], n[a.label] = z, a
    L = -n["y"] * a.log() - (1 - n["y"]) * (1 - a).log()
    L.label = "L"
    return L, n


def three_sigmoids_floats(leaves: dict[str, float]) -> dict[str, float]:
    """The forward values of three_sigmoids for given leaf values, with floats only."""
    v = dict(leaves)
    a = v["x"]
    for layer in (1, 2, 3):
        a = sigmoid(v[f"W{layer}"] * a + v[f"b{layer}"])
        v[f"a{layer}"] = a
    return v


def sign_slip(v):
    """dL/da3 with the sign of the second term slipped: -y/a3 - (1-y)/(1-a3); right is +."""
    return -v["y"] / v["a3"] - (1 - v["y"]) / (1 - v["a3"])


def test_the_y_equals_1_sign_slip_is_reported_wrong_by_default():
    """At y = 1 the slipped term is multiplied by 1 - y = 0: the issue's checker passed it."""
    L, n = three_sigmoids(y=1.0)
    report = check_derivation(L, {"dL/da3": sign_slip})
    assert not report.ok
    row = report.rows[0]
    assert row.ok_here and row.hand == pytest.approx(-1 / n["a3"].data, rel=1e-12)  # agrees at y = 1
    assert len(report.checked_points) == 4 and len(row.misses) == 4
    miss = row.misses[0]
    moved = report.points[miss.point - 1].values
    assert moved["y"] != 1.0  # every labelled leaf moves, the target included
    v = three_sigmoids_floats({**{k: n[k].data for k in (*SIG3, "x", "y")}, **moved})
    assert miss.engine == pytest.approx(-v["y"] / v["a3"] + (1 - v["y"]) / (1 - v["a3"]), rel=1e-9)
    assert miss.hand == pytest.approx(sign_slip(v), rel=1e-9)
    text = str(report)
    assert "DIFF  dL/da3" in text and "agrees here, differs at 4 of 4 nudged points" in text
    assert f"but not at nudged point {miss.point}:\n    " in text and f"y = {moved['y']:.6g} (was 1)" in text
    fixed = check_derivation(L, {"dL/da3": lambda v: -v["y"] / v["a3"] + (1 - v["y"]) / (1 - v["a3"])})
    assert fixed.ok and len(fixed.rows[0].checks) == 4


def test_with_points_0_the_slip_agrees_but_its_zero_factor_is_flagged_untested():
    L, _ = three_sigmoids(y=1.0)
    report = check_derivation(L, {"dL/da3": sign_slip}, points=0)
    assert report.ok and report.points == () and report.rows[0].checks == ()
    (path,) = report.rows[0].untested
    assert not path.tested and path.local.value == 0.0 and path.local.rule == "mul"
    assert path.because.endswith("= (1 - y) = 0 at y = 1")
    assert report.untested == report.rows
    text = str(report)
    assert "checked at the given point only (points=0" in text and "part untested" in text
    assert "contributes 0 here: " in text and "(1 - y) = 0 at y = 1" in text
    assert "That part of dL/da3 went untested at this point." in text
    # by default the nudged points move y off 1: the term is not 0 there, so that part was tested
    right = {"dL/da3": lambda v: -v["y"] / v["a3"] + (1 - v["y"]) / (1 - v["a3"])}
    (nudged,) = check_derivation(L, right).rows[0].untested
    assert nudged.nonzero_at == (1, 2, 3, 4)


def relu_relu_sigmoid(w2: float = -1.3) -> tuple[Value, dict[str, Value]]:
    """x -> relu -> relu -> sigmoid -> cross-entropy (notebook 4's network), every node labelled."""
    n = {k: Value(v, label=k) for k, v in {"w1": 0.9, "b1": 0.2, "w2": w2, "b2": 0.4, "w3": -1.7, "b3": 0.6}.items()}
    n["x"], n["y"] = Value(0.8, label="x"), Value(1.0, label="y")
    A = n["x"]
    for layer, act in ((1, "relu"), (2, "relu"), (3, "sigmoid")):
        z = A * n[f"w{layer}"] + n[f"b{layer}"]
        A = getattr(z, act)()
        z.label, A.label = f"z{layer}", f"A{layer}" if layer < 3 else "yhat"
        n[z.label], n[A.label] = z, A
    L = -n["y"] * A.log() - (1 - n["y"]) * (1 - A).log()
    L.label = "L"
    return L, n


def relu_slope(z: float) -> float:
    return 1.0 if z > 0 else 0.0


def test_a_dead_relu_is_flagged_untested():
    L, n = relu_relu_sigmoid(w2=-1.3)  # by hand: z1 = 0.9 * 0.8 + 0.2 = 0.92, z2 = -1.3 * 0.92 + 0.4 = -0.796
    assert n["z2"].data == pytest.approx(-0.796)
    hand = {
        "dL/dz3": lambda v: v["yhat"] - v["y"],
        "dL/dz2": lambda v: (v["yhat"] - v["y"]) * v["w3"] * relu_slope(v["z2"]),
        # wrong (w2 where w3 belongs), but behind the dead relu it cannot show
        "dL/dw2": lambda v: (v["yhat"] - v["y"]) * v["w2"] * relu_slope(v["z2"]) * v["A1"],
    }
    report = check_derivation(L, hand)
    assert report.ok  # every point near z2 = -0.796 keeps the relu off
    assert [row.name for row in report.untested] == ["dL/dz2", "dL/dw2"]
    for name in ("dL/dz2", "dL/dw2"):
        (path,) = report[name].untested_everywhere
        assert path.through == "A2" and path.local.rule == "relu" and path.nonzero_at == ()
        assert path.because == "relu is off (z2 = -0.796)"
    text = str(report)
    assert "The path through A2 contributes 0 here: relu is off (z2 = -0.796)." in text
    assert "that part of dL/dz2 and dL/dw2 went untested" in text
    assert "check again at a point where z2 > 0" in text
    assert "2 with a part untested" in text.splitlines()[0]
    # alive (w2 = 1.3: z2 = 1.596 by hand), the same wrong formula is found
    L, _ = relu_relu_sigmoid(w2=1.3)
    alive = check_derivation(L, hand)
    assert alive.first_divergence is not None and alive.first_divergence.name == "dL/dw2"


def test_a_whole_chain_formula_missing_W3_is_named_with_the_ratio():
    """The issue's case: dL/dW2 without W3; the learner found it by dividing, hand/engine = 1/W3."""
    L, n = three_sigmoids(y=1.0)
    v = three_sigmoids_floats({k: n[k].data for k in (*SIG3, "x", "y")})
    by_hand = (v["a3"] - 1.0) * 2.1 * v["a2"] * (1 - v["a2"]) * v["a1"]  # (a3 - y) W3 s'(z2) a1

    def no_w3(v):  # dL/da3 · s'(z3) · [W3 left out] · s'(z2) · a1
        dL_da3 = -v["y"] / v["a3"] + (1 - v["y"]) / (1 - v["a3"])
        return dL_da3 * v["a3"] * (1 - v["a3"]) * v["a2"] * (1 - v["a2"]) * v["a1"]

    report = check_derivation(L, {"dL/dW2": no_w3})
    row = report.rows[0]
    assert row.engine == pytest.approx(by_hand, rel=1e-12)
    assert row.hand == pytest.approx(by_hand / 2.1, rel=1e-12)
    assert row.ratio == pytest.approx(1 / 2.1, rel=1e-12)
    hint = row.hints[0]
    assert (hint.name, hint.missing) == ("W3", True) and hint.value == 2.1
    text = str(report)
    assert "hand / engine = 0.47619 = 1/2.1 here." in text
    assert "your formula is the engine's divided by W3 = 2.1 (∂(W3 * a2)/∂a2): a factor W3 may be missing" in text
    assert "check node by node" in text and "(dL/da3, dL/dz3, dL/da2 and dL/dz2)" in text
    assert "At all 5 points where they disagree" in text  # W3 moves with the nudges, and still fits
    # written node by node, the first diverging node is named at once: dL/da2 = (a3 - y) W3, not a3 - y
    nodes = check_derivation(
        L, {"dL/dz3": lambda v: v["a3"] - v["y"], "dL/da2": lambda v: v["a3"] - v["y"], "dL/dW2": no_w3}
    )
    assert nodes.first_divergence is not None and nodes.first_divergence.name == "dL/da2"


def test_a_formula_with_an_extra_factor_names_it():
    L, n = three_sigmoids(y=1.0)
    a2 = n["a2"].data
    # dL/dW3 = (a3 - y) a2, written with a2 twice
    report = check_derivation(L, {"dL/dW3": lambda v: (v["a3"] - v["y"]) * v["a2"] * v["a2"]})
    row = report.rows[0]
    assert row.ratio == pytest.approx(a2, rel=1e-12)
    assert [(h.name, h.missing) for h in row.hints] == [("a2", False)]
    assert f"multiplied by a2 = {a2:.6g} (∂(W3 * a2)/∂W3): it may have an extra factor a2" in str(report)
    # a factor from another layer, on no path from b2 to L: dL/db2 = (a3 - y) W3 s'(z2), times a1
    slip = check_derivation(L, {"dL/db2": lambda v: (v["a3"] - v["y"]) * v["W3"] * v["a2"] * (1 - v["a2"]) * v["a1"]})
    assert [(h.name, h.missing) for h in slip.rows[0].hints] == [("a1", False)]
    assert f"multiplied by a1 = {n['a1'].data:.6g}: it may have an extra factor a1" in str(slip)


def test_a_missing_constant_and_a_sign_slip_are_named():
    C, n = two_layer_net()  # C = 0.5 * (a2 - y) ** 2: dC/da2 = a2 - y
    doubled = check_derivation(C, {"dC/da2": lambda v: 2 * (v["a2"] - v["y"])})  # the 1/2 forgotten
    row = doubled.rows[0]
    assert row.ratio == pytest.approx(2.0) and row.constant_ratio
    assert row.hints[0].missing and row.hints[0].value == 0.5
    assert "a factor ∂C/∂((a2 - y) ** 2) may be missing" in str(doubled)
    flipped = check_derivation(C, {"dC/da2": lambda v: v["y"] - v["a2"]})
    assert flipped.rows[0].ratio == pytest.approx(-1.0)
    assert "Your formula has the opposite sign" in str(flipped)


def test_nudges_out_of_a_log_domain_are_skipped_and_counted():
    p = Value(0.995, label="p")
    L = -(1 - p).log()
    L.label = "L"
    report = check_derivation(L, {"dL/dp": lambda v: 1 / (1 - v["p"])}, points=6)
    assert report.ok
    skipped = report.skipped_points
    assert 0 < len(skipped) < 6 and len(report.checked_points) == 6 - len(skipped)
    for point in report.points:  # by hand: log(1 - p) needs p < 1
        assert bool(point.skipped) == (point.values["p"] >= 1.0)
    assert all(point.skipped.startswith("log: input must be > 0") for point in skipped)
    text = str(report)
    assert f"{6 - len(skipped)} nudged points near it, {len(skipped)} more skipped" in text
    assert f"{len(skipped)} of them skipped, outside an operation's domain (point {skipped[0].index}: log:" in text


def test_the_same_seed_gives_the_same_report():
    def report(seed: int) -> DerivationReport:
        L, _ = three_sigmoids(y=1.0)  # a new graph each time
        return check_derivation(L, {"dL/da3": sign_slip}, seed=seed)

    assert str(report(3)) == str(report(3)) and report(3).points == report(3).points
    assert report(3).points != report(4).points
    assert str(report(0)) == str(check_derivation(three_sigmoids(y=1.0)[0], {"dL/da3": sign_slip}))


def test_numbers_are_checked_at_the_given_point_only_and_the_report_says_so():
    C, _ = two_layer_net()
    only_numbers = check_derivation(C, hand_floats())
    assert only_numbers.points == () and all(row.checks == () for row in only_numbers.rows)
    assert "checked at the given point only (every hand value is a number" in str(only_numbers)
    mixed = check_derivation(C, {"dC/da2": lambda v: v["a2"] - v["y"], "dC/dz2": hand_floats()["dC/dz2"]})
    assert len(mixed["dC/da2"].checks) == 4 and mixed["dC/dz2"].checks == ()
    numbers = "Checked at the given point only, being numbers rather than formulas of the forward values: dC/dz2."
    assert numbers in str(mixed)


def test_a_formula_reading_numbers_from_outside_v_is_caught_near_the_point():
    C, n = two_layer_net()
    y = n["y"].data
    report = check_derivation(C, {"dC/da2": lambda v: v["a2"] - y})  # y read from outside v
    assert not report.ok and report.rows[0].ok_here
    assert "does not move with the point" in str(report)
    frozen = n["a2"].data - y
    constant = check_derivation(C, {"dC/da2": lambda v: frozen})
    assert not constant.ok and f"Your formula gives {frozen:.6g} at every point" in str(constant)


def test_fixed_leaves_stay_where_they_are():
    """A formula that holds only for a binary label (y ** 2 = y) needs y held fixed."""
    L, _ = three_sigmoids(y=1.0)
    binary = {"dL/da3": lambda v: -(v["y"] ** 2) / v["a3"] + (1 - v["y"]) / (1 - v["a3"])}
    assert not check_derivation(L, binary).ok
    held = check_derivation(L, binary, fixed=["y"])
    assert held.ok and all("y" not in point.values for point in held.points)
    assert check_derivation(L, binary, fixed="y").points == held.points


def test_a_constant_zero_in_the_graph_is_named_as_one():
    """y = 1.0 as a plain number: the 0 it makes cannot be nudged, so the report says how to test it."""
    a = Value(0.7, label="a")
    p = a.sigmoid()
    p.label = "p"
    y = 1.0
    L = -y * p.log() - (1 - y) * (1 - p).log()
    L.label = "L"
    report = check_derivation(L, {"dL/dp": lambda v: -1 / v["p"]})
    assert report.ok
    (path,) = report.rows[0].untested
    assert path.constant and not path.tested
    assert "a plain number in the graph, which no nudge moves" in str(report)
    assert "make the number behind this 0 a labelled Value" in str(report)


def test_nudged_points_leave_the_graph_untouched():
    L, n = three_sigmoids(y=1.0)
    n["W1"].grad = 3.0
    before = [(node.data, node.grad) for node in autograd.topological_order(L)]
    report = check_derivation(L, {"dL/da3": sign_slip, "dL/dW1": lambda v: 0.0})
    assert len(report.checked_points) == 4
    assert [(node.data, node.grad) for node in autograd.topological_order(L)] == before


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"points": -1}, ValueError, "points must be between 0 and 1000"),
        ({"points": True}, TypeError, "points must be an int"),
        ({"points": 2.0}, TypeError, "points must be an int"),
        ({"seed": "0"}, TypeError, "seed must be an int"),
        ({"nudge": 0.0}, ValueError, "nudge"),
        ({"nudge": math.inf}, ValueError, "nudge"),
        ({"fixed": ["nope"]}, UnknownLabelError, "fixed names 'nope'"),
        ({"fixed": [1.0]}, TypeError, "fixed must hold labels or Values"),
    ],
)
def test_nudge_options_are_checked(kwargs, error, message):
    C, _ = two_layer_net()
    with pytest.raises(error, match=message):
        check_derivation(C, {"dC/da2": lambda v: v["a2"] - v["y"]}, **kwargs)


# -- the seeds' derivations, typed in as formulas, hold at the nudged points too ----------------------
#
# tests/test_seed_derivations.py checks them at their points with floats; here the corrected
# formulas go through check_derivation, which also checks them near each point. A formula that
# held only at its point (a simplification that needs y = 1, say) would show up here.


def dsig_at(v, a: str) -> float:
    """The sigmoid's slope written with its output: a (1 - a)."""
    return v[a] * (1 - v[a])


@pytest.mark.parametrize("y", [1.0, 0.0, 0.3])
def test_seed000_sigmoid_bce_formulas_hold_near_their_points(y):
    L, _ = three_sigmoids(x=1.5, y=y)
    dL_da3 = lambda v: -v["y"] / v["a3"] + (1 - v["y"]) / (1 - v["a3"])  # noqa: E731
    report = check_derivation(
        L,
        {
            "dL/da3": dL_da3,
            "dL/dz3": lambda v: v["a3"] - v["y"],  # the BCE-after-sigmoid simplification, for every y
            "dL/dW3": lambda v: dL_da3(v) * dsig_at(v, "a3") * v["a2"],  # section 1
            "dL/db3": lambda v: dL_da3(v) * dsig_at(v, "a3") * 1,  # section 2
            "dL/dW1": lambda v: (  # section 3
                dL_da3(v) * dsig_at(v, "a3") * v["W3"] * dsig_at(v, "a2") * v["W2"] * dsig_at(v, "a1") * v["x"]
            ),
        },
    )
    assert report.ok, str(report)
    assert len(report.checked_points) == 4 and all(len(row.checks) == 4 for row in report.rows)


@pytest.mark.parametrize("x, y", [(2.0, 0.9), (0.5, 1.0)])
def test_seed001_squared_error_formulas_hold_near_their_points(x, y):
    n = {k: Value(v, label=k) for k, v in dict(w1=1.1, b1=-0.5, w2=-0.7, b2=0.3, w3=1.6, b3=-0.2).items()}
    n["x"], n["y"] = Value(x, label="x"), Value(y, label="y")
    a = n["x"]
    for layer in (1, 2, 3):
        a = (n[f"w{layer}"] * a + n[f"b{layer}"]).sigmoid()
        a.label = f"a{layer}"
    C = (a - n["y"]) ** 2
    C.label = "C"
    dC_da2 = lambda v: 2 * (v["a3"] - v["y"]) * dsig_at(v, "a3") * v["w3"]  # noqa: E731
    dC_da1 = lambda v: dC_da2(v) * dsig_at(v, "a2") * v["w2"]  # noqa: E731
    report = check_derivation(
        C,
        {
            "dC/dw3": lambda v: 2 * (v["a3"] - v["y"]) * dsig_at(v, "a3") * v["a2"],
            "dC/db3": lambda v: 2 * (v["a3"] - v["y"]) * dsig_at(v, "a3"),
            "dC/dw2": lambda v: dC_da2(v) * dsig_at(v, "a2") * v["a1"],
            "dC/db2": lambda v: dC_da2(v) * dsig_at(v, "a2"),
            "dC/dw1": lambda v: dC_da1(v) * dsig_at(v, "a1") * v["x"],  # corrected: x, not a1
            "dC/db1": lambda v: dC_da1(v) * dsig_at(v, "a1"),
        },
    )
    assert report.ok, str(report)
    assert all(len(row.checks) == 4 for row in report.rows)


@pytest.mark.parametrize("seed", [0, 1])
def test_seed002_backprop_equations_hold_near_their_points(seed):
    rng = random.Random(seed)
    model = nn.MLP(3, [4, 2], activation="sigmoid", output_activation="sigmoid", rng=rng)
    x = [rng.uniform(-1, 1) for _ in range(3)]
    y = [rng.uniform(0, 1) for _ in range(2)]  # plain numbers: never nudged
    out = model(x)
    assert isinstance(out, list)
    C = 0.5 * ((y[0] - out[0]) ** 2 + (y[1] - out[1]) ** 2)
    C.label = "C"

    def delta2(v, j):  # BP1
        return (v[f"L2.n{j}.a"] - y[j - 1]) * dsig_at(v, f"L2.n{j}.a")

    def delta1(v, k):  # BP2
        return sum(delta2(v, j) * v[f"L2.n{j}.w{k}"] for j in (1, 2)) * dsig_at(v, f"L1.n{k}.a")

    hand = {}
    for j in (1, 2):
        hand[f"dC/dL2.n{j}.b"] = lambda v, j=j: delta2(v, j)  # BP3
        for k in range(1, 5):
            hand[f"dC/dL2.n{j}.w{k}"] = lambda v, j=j, k=k: delta2(v, j) * v[f"L1.n{k}.a"]  # BP4
    for k in range(1, 5):
        hand[f"dC/dL1.n{k}.b"] = lambda v, k=k: delta1(v, k)
        for i in range(1, 4):
            hand[f"dC/dL1.n{k}.w{i}"] = lambda v, k=k, i=i: delta1(v, k) * x[i - 1]
    report = check_derivation(C, hand)
    assert report.ok, str(report)
    assert len(report.rows) == 26 and all(len(row.checks) == 4 for row in report.rows)


def test_seed003_relu_relu_sigmoid_mean_bce_formulas_hold_near_their_points():
    xs, ys = [1.2, -0.5, 0.7], [1.0, 0.0, 1.0]
    n = {k: Value(v, label=k) for k, v in dict(w1=0.8, b1=-0.3, w2=1.3, b2=-0.4, w3=-1.1, b3=0.6).items()}
    total = Value(0.0)  # an unlabelled leaf: held fixed, and its gradient is not checked
    for i, (x, y) in enumerate(zip(xs, ys), start=1):
        xi, yi = Value(x, label=f"x_{i}"), Value(y, label=f"y_{i}")
        A1 = (n["w1"] * xi + n["b1"]).relu()
        z2 = n["w2"] * A1 + n["b2"]
        A2 = z2.relu()
        yhat = (n["w3"] * A2 + n["b3"]).sigmoid()
        A1.label, z2.label, A2.label, yhat.label = f"A1_{i}", f"z2_{i}", f"A2_{i}", f"yhat_{i}"
        total = total + (yi * yhat.log() + (1 - yi) * (1 - yhat).log())
    L = -(1 / len(xs)) * total
    L.label = "L"
    m = len(xs)
    dz3 = lambda v, i: (v[f"yhat_{i}"] - v[f"y_{i}"]) / m  # noqa: E731  # corrected: with the mean's 1/m
    dz2 = lambda v, i: dz3(v, i) * v["w3"] * relu_slope(v[f"z2_{i}"])  # noqa: E731  # corrected: (ŷ - y) w3 g2'(z2)
    report = check_derivation(
        L,
        {
            "dL/dw3": lambda v: sum(dz3(v, i) * v[f"A2_{i}"] for i in (1, 2, 3)),  # corrected: A2, not A3
            "dL/db3": lambda v: sum(dz3(v, i) for i in (1, 2, 3)),
            "dL/dw2": lambda v: sum(dz2(v, i) * v[f"A1_{i}"] for i in (1, 2, 3)),
            "dL/db2": lambda v: sum(dz2(v, i) for i in (1, 2, 3)),
        },
    )
    assert report.ok, str(report)
    assert all(len(row.checks) == 4 for row in report.rows)
    # sample 2 has x < 0, so its first relu is off (z1 = 0.8 * -0.5 - 0.3 = -0.7 by hand): its
    # A1 is 0, and so is its path into dL/dw2 (∂z2/∂w2 = A1) at every point checked
    paths = {path.because: path for path in report["dL/dw2"].untested}
    assert not paths["∂(w2 * A1_2)/∂w2 = A1_2 = 0 at A1_2 = 0"].tested
    # and samples 2 and 3 have their second relu off (z2_3 = 1.3 * 0.26 - 0.4 = -0.062 by hand)
    assert not paths["relu is off (z2_3 = -0.062)"].tested


@pytest.mark.parametrize("x, y", [(0.6, 0.2), (-2.0, 1.0)])
def test_seed004_equations_52_to_55_hold_near_their_points(x, y):
    n = {k: Value(v, label=k) for k, v in dict(WL1=1.4, bL1=-0.3, WL=-0.9, bL=0.5).items()}
    n["x"], n["y"] = Value(x, label="x"), Value(y, label="y")
    aL1 = (n["WL1"] * n["x"] + n["bL1"]).sigmoid()
    aL = (n["WL"] * aL1 + n["bL"]).sigmoid()
    aL1.label, aL.label = "aL1", "aL"
    C0 = 0.5 * (aL - n["y"]) ** 2
    C0.label = "C0"
    report = check_derivation(
        C0,
        {
            "dC0/dWL": lambda v: v["aL1"] * v["aL"] * (1 - v["aL"]) * (v["aL"] - v["y"]),  # (52)
            "dC0/dbL": lambda v: v["aL"] * (1 - v["aL"]) * (v["aL"] - v["y"]),  # (53)
            "dC0/dWL1": lambda v: (  # (54)
                v["x"] * dsig_at(v, "aL1") * v["WL"] * v["aL"] * (1 - v["aL"]) * (v["aL"] - v["y"])
            ),
            "dC0/dbL1": lambda v: dsig_at(v, "aL1") * v["WL"] * v["aL"] * (1 - v["aL"]) * (v["aL"] - v["y"]),  # (55)
        },
    )
    assert report.ok, str(report)
    assert all(len(row.checks) == 4 for row in report.rows)
