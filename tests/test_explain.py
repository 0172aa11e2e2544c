"""explain: paths, their factors and products, and a sum that equals the gradient.

References are hand-derived formulas, finite differences and math.comb, never the code under test.
"""

from __future__ import annotations

import importlib
import importlib.util
import math
import random
import re
from pathlib import Path

import pytest

from autograd import Value, explain
from autograd.explain import Explanation


def named(v: Value, label: str) -> Value:
    v.label = label
    return v


def central_difference(f, x: float, h: float = 1e-6) -> float:
    return (f(x + h) - f(x - h)) / (2 * h)


def sig(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


# -- a diamond: x feeds a and b, which meet again in L ---------------------------------------------


def diamond(x0: float) -> tuple[Value, Value, Value, Value]:
    x = Value(x0, label="x")
    a = named(x**2, "a")
    b = named(x.exp(), "b")
    L = named(a * b, "L")
    return x, a, b, L


def test_diamond_lists_both_paths_with_hand_derived_factors() -> None:
    x0 = 0.7
    x, a, b, L = diamond(x0)
    e = explain(L, x)
    assert e.count == 2 and len(e.paths) == 2 and not e.truncated
    by_route = {tuple(f.name for f in p.factors): p for p in e.paths}
    assert set(by_route) == {("∂L/∂a", "∂a/∂x"), ("∂L/∂b", "∂b/∂x")}
    via_a = by_route[("∂L/∂a", "∂a/∂x")]
    via_b = by_route[("∂L/∂b", "∂b/∂x")]
    # L = a b: ∂L/∂a = b = e^x, ∂a/∂x = 2x; ∂L/∂b = a = x^2, ∂b/∂x = e^x
    assert [f.value for f in via_a.factors] == pytest.approx([math.exp(x0), 2 * x0])
    assert [f.value for f in via_b.factors] == pytest.approx([x0**2, math.exp(x0)])
    assert via_a.product == pytest.approx(2 * x0 * math.exp(x0))
    assert via_b.product == pytest.approx(x0**2 * math.exp(x0))
    assert via_a.nodes == (L, a, x) and via_b.nodes == (L, b, x)
    hand = (2 * x0 + x0**2) * math.exp(x0)
    assert e.total == pytest.approx(hand, rel=1e-12)
    L.backward()
    assert e.total == pytest.approx(x.grad, rel=1e-12)


def test_diamond_text_reads_like_the_chain_rule() -> None:
    x, a, b, L = diamond(0.7)
    text = str(explain(L, x))
    assert "dL/dx = sum over 2 paths from x to L" in text
    assert "∂L/∂a · ∂a/∂x" in text and "∂L/∂b · ∂b/∂x" in text
    hand = (2 * 0.7 + 0.7**2) * math.exp(0.7)
    assert text.rstrip().endswith(f"dL/dx = sum of 2 paths = {hand:.4f}")


def test_same_operand_twice_is_two_paths() -> None:
    x = Value(-1.5, label="x")
    y = named(x * x, "y")
    e = explain(y, x)
    assert e.count == 2
    assert [p.product for p in e.paths] == [-1.5, -1.5]
    assert e.total == pytest.approx(2 * -1.5)


def test_no_path_and_the_empty_path() -> None:
    x, a, b, L = diamond(0.3)
    z = Value(1.0, label="z")
    none = explain(L, z)
    assert none.count == 0 and none.paths == () and none.total == 0.0
    assert "no path" in str(none) and "does not depend on z" in str(none)
    itself = explain(x, x)
    assert itself.count == 1 and itself.paths[0].factors == () and itself.total == 1.0


def test_bad_arguments_are_refused() -> None:
    x, a, b, L = diamond(0.3)
    with pytest.raises(TypeError, match="two Values"):
        explain(L, 1.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max_paths"):
        explain(L, x, max_paths=-1)


# -- a lattice of diamonds: binomially many paths ------------------------------------------------


def lattice(m: int, n: int, p: float, q: float) -> tuple[Value, Value]:
    """v[i][j] = p * v[i-1][j] + q * v[i][j-1] (one term on the edges): paths = C(m + n, m).

    By hand, d v[m][n] / d v[0][0] = C(m + n, m) * p^m * q^n (every path takes m p-steps and n q-steps).
    """
    start = Value(0.3, label="s")
    grid = [[start]]
    for i in range(m + 1):
        row = grid[i] if i == 0 else []
        if i:
            grid.append(row)
        for j in range(n + 1):
            if i == 0 and j == 0:
                continue
            if i == 0:
                row.append(row[j - 1] * q)
            elif j == 0:
                row.append(grid[i - 1][0] * p)
            else:
                row.append(grid[i - 1][j] * p + row[j - 1] * q)
    end = named(grid[m][n], "out")
    return start, end


@pytest.mark.parametrize(("m", "n"), [(1, 1), (2, 3), (3, 3), (5, 4)])
def test_small_lattice_lists_every_path_and_counts_binomially(m: int, n: int) -> None:
    start, end = lattice(m, n, 0.9, 1.1)
    e = explain(end, start, max_paths=10_000)
    assert e.count == math.comb(m + n, m)
    assert len(e.paths) == e.count and not e.truncated
    assert len({tuple(id(v) for v in p.nodes) for p in e.paths}) == e.count  # all distinct
    hand = math.comb(m + n, m) * 0.9**m * 1.1**n
    assert math.fsum(p.product for p in e.paths) == pytest.approx(hand, rel=1e-12)
    assert e.total == pytest.approx(hand, rel=1e-12)


def test_huge_lattice_is_counted_not_enumerated() -> None:
    start, end = lattice(30, 30, 0.5, 0.5)
    e = explain(end, start, max_paths=3)
    assert e.count == math.comb(60, 30)  # 118,264,581,564,861,424: listing them would never end
    assert len(e.paths) == 3 and e.truncated
    assert e.total == pytest.approx(math.comb(60, 30) * 0.5**60, rel=1e-9)
    end.backward()
    assert e.total == pytest.approx(start.grad, rel=1e-12)
    text = str(e)
    assert f"{math.comb(60, 30) - 3:,} more paths not listed (max_paths=3)" in text
    assert text.count("path ") < 10


def test_max_paths_zero_still_sums_everything() -> None:
    start, end = lattice(4, 4, 0.8, 0.6)
    e = explain(end, start, max_paths=0)
    assert e.paths == () and e.count == 70
    assert e.total == pytest.approx(70 * 0.8**4 * 0.6**4)


# -- the seed networks (shared/seeds) ------------------------------------------------------------


def seed_network(x0: float, y: float, W: list[float], b: list[float], cost: str) -> dict[str, Value]:
    """The seeds' network: three single-neuron layers, z_l = W_l a_(l-1) + b_l, a_l = g(z_l).

    cost "bce" is seed 000's cross-entropy L; cost "square" is seed 001's C = (a_3 - y)^2.
    """
    v: dict[str, Value] = {"x": Value(x0, label="x")}
    a = v["x"]
    for layer in (1, 2, 3):
        Wl, bl = Value(W[layer - 1], label=f"W{layer}"), Value(b[layer - 1], label=f"b{layer}")
        z = named(named(Wl * a, f"W{layer}a{layer - 1}") + bl, f"z{layer}")
        a = named(z.sigmoid(), f"a{layer}")
        v.update({f"W{layer}": Wl, f"b{layer}": bl, f"z{layer}": z, f"a{layer}": a})
    if cost == "bce":
        v["L"] = named(-y * a.log() - (1 - y) * (1 - a).log(), "L")
    else:
        v["e"] = named(a - y, "e")
        v["L"] = named(v["e"] ** 2, "C")
    return v


SEED = dict(x0=0.8, y=0.3, W=[0.5, -1.3, 2.1], b=[0.1, 0.4, -0.6])

# the local derivatives from a3 down to W1, as the seeds name them (with our product nodes
# W_l a_(l-1) in between)
CHAIN_BELOW_A3 = [
    "∂a3/∂z3", "∂z3/∂W3a2", "∂W3a2/∂a2", "∂a2/∂z2", "∂z2/∂W2a1", "∂W2a1/∂a1", "∂a1/∂z1",
    "∂z1/∂W1a0", "∂W1a0/∂W1",
]  # fmt: skip


def seed_forward(W1: float, cost: str) -> tuple[float, float, float, float]:
    x, (_, W2, W3), (b1, b2, b3), y = SEED["x0"], SEED["W"], SEED["b"], SEED["y"]
    a1 = sig(W1 * x + b1)
    a2 = sig(W2 * a1 + b2)
    a3 = sig(W3 * a2 + b3)
    loss = -y * math.log(a3) - (1 - y) * math.log(1 - a3) if cost == "bce" else (a3 - y) ** 2
    return a1, a2, a3, loss


def seed_hand_gradient(cost: str) -> float:
    """The seeds' formula: dL/dW1 = dL/da3 . g'(z3) . W3 . g'(z2) . W2 . g'(z1) . x."""
    W1, W2, W3 = SEED["W"]
    y, x = SEED["y"], SEED["x0"]
    a1, a2, a3, _ = seed_forward(W1, cost)
    dL_da3 = -y / a3 + (1 - y) / (1 - a3) if cost == "bce" else 2 * (a3 - y)
    return dL_da3 * a3 * (1 - a3) * W3 * a2 * (1 - a2) * W2 * a1 * (1 - a1) * x


@pytest.mark.parametrize("cost", ["bce", "square"])
def test_seed_network_dL_dW1_matches_the_seed_derivation(cost: str) -> None:
    v = seed_network(**SEED, cost=cost)
    out = "L" if cost == "bce" else "C"
    e = explain(v["L"], v["W1"])
    chains = sorted([f.name for f in p.factors] for p in e.paths)
    if cost == "bce":  # -y log(a3) and -(1 - y) log(1 - a3): two paths, both through a3
        assert e.count == 2
        assert all(chain[-len(CHAIN_BELOW_A3) :] == CHAIN_BELOW_A3 for chain in chains)
    else:  # C = e^2, e = a3 - y: one path, the seed's chain exactly
        assert e.count == 1
        assert chains == [[f"∂{out}/∂e", "∂e/∂a3", *CHAIN_BELOW_A3]]
    W1 = SEED["W"][0]
    assert e.total == pytest.approx(seed_hand_gradient(cost), rel=1e-10)
    assert e.total == pytest.approx(central_difference(lambda w: seed_forward(w, cost)[3], W1), rel=1e-6)
    assert math.fsum(p.product for p in e.paths) == pytest.approx(e.total, rel=1e-12)
    v["L"].backward()
    assert e.total == pytest.approx(v["W1"].grad, rel=1e-12)


@pytest.mark.parametrize("cost", ["bce", "square"])
def test_seed_network_every_parameter_sum_equals_grad(cost: str) -> None:
    v = seed_network(**SEED, cost=cost)
    v["L"].backward()
    for name in ("W1", "b1", "W2", "b2", "W3", "b3", "x", "a1", "z2"):
        assert explain(v["L"], v[name]).total == pytest.approx(v[name].grad, rel=1e-12), name


def test_latex_uses_the_seed_notation() -> None:
    v = seed_network(**SEED, cost="square")
    latex = explain(v["L"], v["W1"])._repr_latex_()
    assert latex.startswith("$$") and latex.endswith("$$") and r"\begin{align*}" in latex
    assert r"\frac{dC}{dW_{1}} &=" in latex  # the total: d; each factor: \partial
    assert (
        r"\frac{\partial C}{\partial e} \cdot \frac{\partial e}{\partial a_{3}} \cdot "
        r"\frac{\partial a_{3}}{\partial z_{3}}"
    ) in latex
    assert latex.count("{") == latex.count("}")


def test_latex_of_many_paths_marks_the_ones_left_out() -> None:
    start, end = lattice(6, 6, 0.5, 0.5)
    latex = explain(end, start, max_paths=2)._repr_latex_()
    assert r"\dots" in latex and f"{math.comb(12, 6) - 2:,} more paths" in latex
    assert latex.count("{") == latex.count("}")


def test_mlp_sums_equal_grads_and_paths_follow_the_architecture() -> None:
    from nn import MLP, mse

    rng = random.Random(1)
    model = MLP(2, [4, 4, 1], rng=rng)
    samples = 3
    xs = [[rng.uniform(-1, 1), rng.uniform(-1, 1)] for _ in range(samples)]
    loss = mse([model(x) for x in xs], [1.0, -1.0, 0.5])
    loss.backward()
    params = model.parameters()
    for p in params:
        assert explain(loss, p, max_paths=1).total == pytest.approx(p.grad, rel=1e-9, abs=1e-15)
    # A first-layer weight reaches the loss through its neuron, then each of the 4 second-layer
    # neurons, then the single output: 4 paths per sample.
    first_weight = model.named_parameters()[0][1]
    assert explain(loss, first_weight).count == 4 * samples


def test_readme_explain_output_is_current() -> None:
    """docs/explain.txt, quoted in the README, is what the library prints for the examples today."""
    docs = Path(__file__).resolve().parents[1] / "docs"
    spec = importlib.util.spec_from_file_location("make_docs", docs / "make_docs.py")
    assert spec and spec.loader
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    text = (docs / "explain.txt").read_text(encoding="utf-8")
    assert text == build.explain_text()
    # and the numbers in it are the gradients, worked out by hand. Seed network: C = (a2 - 1)^2
    x, W1, b1, W2, b2 = 1.5, 0.8, -0.5, -1.2, 0.3
    a1 = sig(W1 * x + b1)
    a2 = sig(W2 * a1 + b2)
    hand = 2 * (a2 - 1) * a2 * (1 - a2) * W2 * a1 * (1 - a1) * x
    final = re.findall(r"^dC/dW1 = (\S+)$", text, re.M)
    assert final and float(final[0]) == pytest.approx(hand, abs=5e-5)
    # Diamond L = (a b + a)^2 at a = 2, b = -3: dL/da = 2 (a b + a) (b + 1) = 2 (-4) (-2) = 16
    assert re.findall(r"^dL/da = sum of 2 paths = (\S+)$", text, re.M) == ["16.0000"]
    assert "sum over 2 paths from a to L" in text


def test_unlabeled_nodes_are_named_and_defined() -> None:
    x = Value(3.0, label="x")
    y = named((x * 2.0).tanh(), "y")  # x * 2.0 has no label
    text = str(explain(y, x))
    m = re.search(r"∂y/∂(v\d+) · ∂(v\d+)/∂x", text)
    assert m and m.group(1) == m.group(2)
    assert f"where {m.group(1)} = x * 2.0 = 6.0000" in text


# -- one notation: ∂ for a local derivative, d for a total one ---------------------------------------


def test_a_path_product_is_written_with_partials_and_only_the_sum_is_called_dL_da() -> None:
    """L = t a with t = tanh(a). Before, path 2 printed 'dL/da = -0.4621' (the local derivative
    ∂L/∂a = t) and the last line 'dL/da = -0.8553' (the gradient): one name for two numbers."""
    a0 = -0.5
    a = Value(a0, label="a")
    t = named(a.tanh(), "t")
    L = named(t * a, "L")
    lines = str(explain(L, a)).splitlines()
    t0 = math.tanh(a0)  # by hand: ∂L/∂t = a, ∂t/∂a = 1 - t^2, ∂L/∂a = t
    assert lines[1] == "  path 1: ∂L/∂t · ∂t/∂a"
    assert lines[2] == f"        = {a0:.4f} · {1 - t0**2:.4f} = {a0 * (1 - t0**2):.4f}"
    assert lines[3] == f"  path 2: ∂L/∂a = {t0:.4f}"
    assert lines[4] == f"dL/da = sum of 2 paths = {a0 * (1 - t0**2) + t0:.4f}"
    assert [line for line in lines if "dL/da" in line] == [lines[0], lines[4]]  # the total, and nothing else


def test_the_latex_form_writes_the_total_with_d_and_each_factor_with_partial() -> None:
    a = Value(-0.5, label="a")
    t = named(a.tanh(), "t")
    L = named(t * a, "L")
    latex = explain(L, a)._repr_latex_()
    assert r"\frac{dL}{da} &= \frac{\partial L}{\partial t} \cdot \frac{\partial t}{\partial a}" in latex
    assert r"\frac{\partial L}{\partial a} \\" in latex
    assert r"\frac{\partial L}{\partial a} &=" not in latex and "dL/da" not in latex


def test_a_value_used_twice_by_one_operation_is_one_path_per_operand_and_says_which() -> None:
    """explain(tanh(a * a), a): two paths through the same two nodes. Before, both printed
    'dt/dm * dm/da' with nothing telling the two operands of a * a apart."""
    a0 = 0.5
    a = Value(a0, label="a")
    m = named(a * a, "m")
    t = named(m.tanh(), "t")
    e = explain(t, a)
    assert [[f.name for f in p.factors] for p in e.paths] == [
        ["∂t/∂m", "∂m/∂a (1st operand)"],
        ["∂t/∂m", "∂m/∂a (2nd operand)"],
    ]
    assert [p.factors[1].operand for p in e.paths] == [0, 1]
    local = 1 - math.tanh(a0 * a0) ** 2  # by hand: ∂t/∂m = 1 - tanh(m)^2; ∂m/∂a = a for each operand
    text = str(e)
    assert "path 1: ∂t/∂m · ∂m/∂a (1st operand)\n" in text and "path 2: ∂t/∂m · ∂m/∂a (2nd operand)\n" in text
    assert text.endswith(f"dt/da = sum of 2 paths = {2 * a0 * local:.4f}")
    latex = e._repr_latex_()
    assert r"\text{1st operand}" in latex and r"\text{2nd operand}" in latex
    assert latex.count("{") == latex.count("}")


def test_an_operand_used_once_is_not_numbered() -> None:
    x = Value(2.0, label="x")
    w = Value(3.0, label="w")
    z = named(w * x, "z")
    assert [f.name for p in explain(z, x).paths for f in p.factors] == ["∂z/∂x"]


def test_explanation_type_and_repr() -> None:
    x, a, b, L = diamond(0.5)
    e = explain(L, x)
    assert isinstance(e, Explanation)
    assert repr(e) == str(e) and repr(e).startswith("dL/dx = sum over 2 paths")


# -- long paths and many of them: the explanation stays short, the sum stays exact -----------------


def mul_chain(n: int, c: float) -> tuple[Value, Value]:
    """y = x * c * c * ... * c (n times): one path of n factors, each c, so dy/dx = c^n."""
    x = Value(1.0, label="x")
    y = x
    for _ in range(n):
        y = y * c
    y.label = "y"
    return x, y


def test_a_long_chain_is_explained_by_its_ends_with_the_rest_counted() -> None:
    """Before: every factor of the path was printed, 2.7 MB of text for this chain (60 MB for a
    million steps, after 40 s)."""
    n = 100_000
    x, y = mul_chain(n, 1.000001)
    e = explain(y, x)
    text, latex = str(e), e._repr_latex_()
    assert len(text) < 100_000 and len(latex) < 100_000
    (path,) = e.paths
    assert e.count == 1 and path.length == n and path.elided == n - len(path.factors)
    assert len(path.factors) == 8  # the first 4 and the last 4
    assert all(f.value == 1.000001 for f in path.factors)
    assert path.factors[0].out is y and path.factors[-1].inp is x
    assert path.nodes[0] is y and path.nodes[-1] is x
    assert path.product == pytest.approx(1.000001**n, rel=1e-9)
    y.backward()
    assert e.total == x.grad  # the sum is still backward's gradient, computed as it computes it
    assert f"… {n - 8:,} more factors …" in text
    assert "a path of more than 24 factors shows its first and last 4" in text
    assert rf"\cdots \text{{ {n - 8:,} more factors }} \cdots" in latex
    assert latex.count("{") == latex.count("}")


def test_paths_up_to_max_factors_are_listed_whole() -> None:
    x, y = mul_chain(24, 2.0)
    (path,) = explain(y, x).paths
    assert path.elided == 0 and len(path.factors) == 24 and path.product == 2.0**24
    assert "more factors" not in str(explain(y, x))
    (short,) = explain(y, x, max_factors=6).paths
    assert short.elided == 22 and [f.value for f in short.factors] == [2.0, 2.0]
    assert short.product == 2.0**24
    with pytest.raises(ValueError, match="max_factors"):
        explain(y, x, max_factors=1)


def shared_input_loop(n: int) -> tuple[Value, Value, Value]:
    """y = y * w + x, n times, from y = x."""
    x, w = Value(1.0, label="x"), Value(0.5, label="w")
    y = x
    for _ in range(n):
        y = y * w + x
    y.label = "y"
    return x, w, y


def test_a_loop_with_a_path_per_step_lists_a_few_long_paths_briefly() -> None:
    """y = y * w + x: a path from x to y through each step, the k-th listed one taking n + 1 - k
    products by w, so its product is w^(n + 1 - k) (by hand); dy/dx = 1 + w + ... + w^n."""
    n, w0 = 3000, 0.5
    x, w, y = shared_input_loop(n)
    e = explain(y, x)
    text = str(e)
    assert len(text) < 20_000  # before: 3 MB
    assert f"{n + 1 - 20:,} more paths not listed (max_paths=20)" in text
    assert e.count == n + 1 and len(e.paths) == 20 and e.truncated and not e.walk_stopped
    for k, path in enumerate(e.paths, 1):
        assert path.product == pytest.approx(w0 ** (n + 1 - k), rel=1e-12)
        assert path.length == 2 * (n + 1 - k) + (1 if k > 1 else 0)
    assert e.total == pytest.approx(sum(w0**k for k in range(n + 1)), rel=1e-12)


def test_listing_stops_when_the_paths_are_too_long_to_walk(monkeypatch: pytest.MonkeyPatch) -> None:
    explain_module = importlib.import_module("autograd.explain")
    monkeypatch.setattr(explain_module, "WALK_LIMIT", 500)
    x, w, y = shared_input_loop(1000)
    e = explain(y, w)
    assert e.walk_stopped and e.paths == () and e.count == 1000
    y.backward()
    assert e.total == w.grad
    assert "1,000 more paths not listed (listing stopped after 500 steps along them" in str(e)
    assert "listing stopped after 500 steps" in e._repr_latex_()


# -- a local derivative that cannot be computed is named, with its formula --------------------------


def test_a_derivative_undefined_at_the_point_names_its_operation() -> None:
    x = Value(0.0, label="x")
    y = named(x**0.5, "y")  # d/dx x^0.5 = 0.5 x^-0.5: undefined at 0
    with pytest.raises(ZeroDivisionError, match=r"pow: the local derivative d out / d a = b \* a \*\* \(b - 1\)"):
        explain(y, x)


def test_a_derivative_that_is_not_a_real_number_names_its_operation() -> None:
    """After x.data is changed to a negative number, x ** 0.5's rule gives a complex number:
    before, a bare TypeError about float() and 'complex' that named nothing."""
    x = Value(4.0, label="x")
    y = named(x**0.5, "y")
    x.data = -4.0
    for paths in (20, 0):  # listing the path, or only summing (through grad)
        with pytest.raises(ValueError, match=r"pow: the local derivative .* at a = -4.0, b = 0.5 .*not a real"):
            explain(y, x, max_paths=paths)
