"""The five hand derivations in /work/shared/seeds, rebuilt with the engine.

Each network is built from Values (or nn.Layer); the engine's gradients must equal the seed's
hand-derived formulas evaluated with plain floats (math only). Where a seed's printed formula has
a typo, the corrected formula is used and, for some typos, a test shows that the printed formula
does NOT match the engine (so the correction is documented and checked).
"""

from __future__ import annotations

import math
import random

import pytest

from autograd import Value
from nn import Layer


def sig(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def dsig(z: float) -> float:
    return sig(z) * (1.0 - sig(z))


def same(engine: float, hand: float) -> bool:
    return math.isclose(engine, hand, rel_tol=1e-9)


def leaves(**values: float) -> dict[str, Value]:
    return {name: Value(x, label=name) for name, x in values.items()}


# -------------------------------------------------------------------------------------------------
# 000: three sigmoid layers (one neuron each), binary cross-entropy L = -y log a3 - (1-y) log(1-a3)
# -------------------------------------------------------------------------------------------------

SEED000 = dict(W1=0.7, b1=-0.2, W2=-1.3, b2=0.4, W3=0.9, b3=-0.1)


@pytest.mark.parametrize("x, y", [(1.5, 1.0), (-0.8, 0.0), (2.2, 0.3)])
def test_seed000_sigmoid_bce_gradients_match_hand_formulas(x, y):
    p = leaves(**SEED000)
    a1 = (p["W1"] * x + p["b1"]).sigmoid()
    a2 = (p["W2"] * a1 + p["b2"]).sigmoid()
    a3 = (p["W3"] * a2 + p["b3"]).sigmoid()
    L = -y * a3.log() - (1 - y) * (1 - a3).log()
    L.backward()

    P = SEED000
    z1 = P["W1"] * x + P["b1"]
    A1 = sig(z1)
    z2 = P["W2"] * A1 + P["b2"]
    A2 = sig(z2)
    z3 = P["W3"] * A2 + P["b3"]
    A3 = sig(z3)
    dL_da3 = -y / A3 + (1 - y) / (1 - A3)
    assert math.isclose(L.data, -y * math.log(A3) - (1 - y) * math.log(1 - A3), rel_tol=1e-12)
    assert same(p["W3"].grad, dL_da3 * sig(z3) * (1 - sig(z3)) * A2)  # section 1
    assert same(p["b3"].grad, dL_da3 * sig(z3) * (1 - sig(z3)) * 1)  # section 2
    assert same(  # section 3
        p["W1"].grad,
        dL_da3 * sig(z3) * (1 - sig(z3)) * P["W3"] * sig(z2) * (1 - sig(z2)) * P["W2"] * sig(z1) * (1 - sig(z1)) * x,
    )
    # the remaining parameters by the same pattern
    assert same(p["W2"].grad, dL_da3 * dsig(z3) * P["W3"] * dsig(z2) * A1)
    assert same(p["b2"].grad, dL_da3 * dsig(z3) * P["W3"] * dsig(z2))
    assert same(p["b1"].grad, dL_da3 * dsig(z3) * P["W3"] * dsig(z2) * P["W2"] * dsig(z1))
    # BCE after a sigmoid simplifies: dL/dz3 = a3 - y
    assert same(p["b3"].grad, A3 - y)


# -------------------------------------------------------------------------------------------------
# 001: three layers of one sigmoid neuron each, C = (a^(L) - y)^2; a^(L-3) is the input x
# -------------------------------------------------------------------------------------------------

SEED001 = dict(w1=1.1, b1=-0.5, w2=-0.7, b2=0.3, w3=1.6, b3=-0.2)  # layer L-2, L-1, L


def seed001(x, y):
    p = leaves(**SEED001)
    a1 = (p["w1"] * x + p["b1"]).sigmoid()
    a2 = (p["w2"] * a1 + p["b2"]).sigmoid()
    a3 = (p["w3"] * a2 + p["b3"]).sigmoid()
    C = (a3 - y) ** 2
    C.backward()
    P = SEED001
    f = {"x": x}
    f["z1"] = P["w1"] * x + P["b1"]
    f["a1"] = sig(f["z1"])
    f["z2"] = P["w2"] * f["a1"] + P["b2"]
    f["a2"] = sig(f["z2"])
    f["z3"] = P["w3"] * f["a2"] + P["b3"]
    f["a3"] = sig(f["z3"])
    return p, f


@pytest.mark.parametrize("x, y", [(2.0, 0.9), (-1.0, 0.1), (0.5, 1.0)])
def test_seed001_one_neuron_chain_gradients_match_hand_formulas(x, y):
    p, f = seed001(x, y)
    P = SEED001
    dC_dwL = 2 * (f["a3"] - y) * dsig(f["z3"]) * f["a2"]
    dC_dbL = 2 * (f["a3"] - y) * dsig(f["z3"])
    dC_daL1 = 2 * (f["a3"] - y) * dsig(f["z3"]) * P["w3"]
    dC_dwL1 = dC_daL1 * dsig(f["z2"]) * f["a1"]
    dC_dbL1 = dC_daL1 * dsig(f["z2"])
    dC_daL2 = dC_daL1 * dsig(f["z2"]) * P["w2"]
    # Corrected: the seed prints a^(L-2) as the last factor; dz^(L-2)/dw^(L-2) = a^(L-3) = x.
    dC_dwL2 = dC_daL2 * dsig(f["z1"]) * x
    dC_dbL2 = dC_daL2 * dsig(f["z1"])
    assert same(p["w3"].grad, dC_dwL)
    assert same(p["b3"].grad, dC_dbL)
    assert same(p["w2"].grad, dC_dwL1)
    assert same(p["b2"].grad, dC_dbL1)
    assert same(p["w1"].grad, dC_dwL2)
    assert same(p["b1"].grad, dC_dbL2)


def test_seed001_printed_formula_for_dC_dw_L2_with_a_L2_is_wrong():
    """The seed's dC/dw^(L-2) = dC/da^(L-2) * sigma'(z^(L-2)) * a^(L-2) is a typo: z^(L-2) =
    w^(L-2) a^(L-3) + b^(L-2), so the last factor must be a^(L-3) (the input x)."""
    x, y = 2.0, 0.9
    p, f = seed001(x, y)
    P = SEED001
    dC_daL2 = 2 * (f["a3"] - y) * dsig(f["z3"]) * P["w3"] * dsig(f["z2"]) * P["w2"]
    printed = dC_daL2 * dsig(f["z1"]) * f["a1"]  # a^(L-2) = a1
    corrected = dC_daL2 * dsig(f["z1"]) * x  # a^(L-3) = x
    assert same(p["w1"].grad, corrected)
    assert not math.isclose(p["w1"].grad, printed, rel_tol=1e-3)


# -------------------------------------------------------------------------------------------------
# 002: w^l_jk layers (nn.Layer, sigmoid), C = 1/2 sum_j (y_j - a^L_j)^2, the four BP equations
# -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_seed002_layer_network_gradients_match_backprop_equations(seed):
    rng = random.Random(seed)
    sizes = [3, 4, 2]
    layers = [Layer(sizes[i], sizes[i + 1], activation="sigmoid", rng=rng) for i in range(2)]
    x = [rng.uniform(-1, 1) for _ in range(sizes[0])]
    y = [rng.uniform(0, 1) for _ in range(sizes[-1])]

    a = x
    for layer in layers:
        a = layer(a)
    C = 0.5 * sum((yj - aj) ** 2 for yj, aj in zip(y, a))
    C.backward()

    # the same network in plain floats: w[li][j][k] = weight of neuron j in layer li from input k
    w = [[[wi.data for wi in n.w] for n in layer.neurons] for layer in layers]
    b = [[n.b.data for n in layer.neurons] for layer in layers]
    acts, zs = [x], []
    for li in range(2):
        z = [sum(w[li][j][k] * acts[-1][k] for k in range(len(acts[-1]))) + b[li][j] for j in range(len(b[li]))]
        zs.append(z)
        acts.append([sig(v) for v in z])
    # BP1: delta^L_j = dC/da^L_j * sigma'(z^L_j), with dC/da^L_j = a^L_j - y_j
    delta = [None, [(acts[2][j] - y[j]) * dsig(zs[1][j]) for j in range(2)]]
    # BP2: dC/da^(l-1)_k = sum_j delta^l_j w^l_jk ; delta^(l-1)_k = that * sigma'(z^(l-1)_k)
    delta[0] = [sum(delta[1][j] * w[1][j][k] for j in range(2)) * dsig(zs[0][k]) for k in range(4)]
    assert math.isclose(C.data, 0.5 * sum((y[j] - acts[2][j]) ** 2 for j in range(2)), rel_tol=1e-12)
    for li, layer in enumerate(layers):
        for j, neuron in enumerate(layer.neurons):
            assert same(neuron.b.grad, delta[li][j])  # BP3: dC/db^l_j = delta^l_j
            for k, wjk in enumerate(neuron.w):
                assert same(wjk.grad, delta[li][j] * acts[li][k])  # BP4: dC/dw^l_jk = delta^l_j a^(l-1)_k


# -------------------------------------------------------------------------------------------------
# 003: ReLU - ReLU - sigmoid, mean binary cross-entropy over m samples
# -------------------------------------------------------------------------------------------------

SEED003 = dict(w1=0.8, b1=-0.3, w2=1.3, b2=-0.4, w3=-1.1, b3=0.6)


def seed003(xs, ys):
    p = leaves(**SEED003)
    m = len(xs)
    total = 0.0
    for x, y in zip(xs, ys):
        A1 = (p["w1"] * x + p["b1"]).relu()
        A2 = (p["w2"] * A1 + p["b2"]).relu()
        yhat = (p["w3"] * A2 + p["b3"]).sigmoid()
        total = total + (y * yhat.log() + (1 - y) * (1 - yhat).log())
    L = -(1 / m) * total
    L.backward()
    rows = []
    P = SEED003
    for x, y in zip(xs, ys):
        z1 = P["w1"] * x + P["b1"]
        A1 = max(z1, 0.0)
        z2 = P["w2"] * A1 + P["b2"]
        A2 = max(z2, 0.0)
        z3 = P["w3"] * A2 + P["b3"]
        rows.append(dict(x=x, y=y, z1=z1, A1=A1, z2=z2, A2=A2, z3=z3, yhat=sig(z3)))
    return p, L, rows


def test_seed003_relu_relu_sigmoid_mean_bce_gradients_match_corrected_formulas():
    xs = [1.2, -0.5, 0.7, 2.0, 1.6]
    ys = [1.0, 0.0, 1.0, 0.0, 1.0]
    p, L, rows = seed003(xs, ys)
    m = len(xs)
    # sanity: both sides of each relu kink occur, so relu' = 0 and relu' = 1 are both exercised
    assert any(r["z1"] < 0 for r in rows) and any(r["z1"] > 0 for r in rows)
    assert any(r["z2"] < 0 for r in rows) and any(r["z2"] > 0 for r in rows)
    P = SEED003
    drelu = lambda z: 1.0 if z > 0 else 0.0  # noqa: E731
    # Corrected: dL/dz3 = (yhat - y) per sample, times 1/m from the mean (the seed drops 1/m)
    dz3 = [(r["yhat"] - r["y"]) / m for r in rows]
    # Corrected: dL/dw3 = (yhat - y) * A2 (the seed prints "yhat - y * A3")
    dw3 = sum(d * r["A2"] for d, r in zip(dz3, rows))
    db3 = sum(dz3)
    # Corrected: dL/dz2 = dL/dz3 * w3 * g2'(z2) (the seed prints it as "dL/dz3 = yhat - y * w3 * ...")
    dz2 = [d * P["w3"] * drelu(r["z2"]) for d, r in zip(dz3, rows)]
    dw2 = sum(d * r["A1"] for d, r in zip(dz2, rows))
    db2 = sum(dz2)
    dz1 = [d * P["w2"] * drelu(r["z1"]) for d, r in zip(dz2, rows)]
    dw1 = sum(d * r["x"] for d, r in zip(dz1, rows))
    db1 = sum(dz1)
    expected_L = -sum(r["y"] * math.log(r["yhat"]) + (1 - r["y"]) * math.log(1 - r["yhat"]) for r in rows) / m
    assert math.isclose(L.data, expected_L, rel_tol=1e-12)
    for name, hand in dict(w3=dw3, b3=db3, w2=dw2, b2=db2, w1=dw1, b1=db1).items():
        assert same(p[name].grad, hand), (name, p[name].grad, hand)


def test_seed003_printed_dL_dw3_is_wrong():
    """The seed prints dL/dw3 = yhat - y * A3 (and differentiates A3 . w3 + b3). Correct is
    (yhat - y) * A2: z3 = A2 w3 + b3, and the product binds the whole error (yhat - y)."""
    x, y = 1.2, 1.0  # one sample, so the mean's 1/m does not enter
    p, _, rows = seed003([x], [y])
    r = rows[0]
    assert r["z1"] > 0 and r["z2"] > 0
    printed = r["yhat"] - y * r["yhat"]  # "yhat - y . A3" with A3 = yhat
    corrected = (r["yhat"] - y) * r["A2"]
    assert same(p["w3"].grad, corrected)
    assert not math.isclose(p["w3"].grad, printed, rel_tol=1e-3)


def test_seed003_printed_algebra_for_dL_dz3_is_wrong_but_its_result_is_right():
    """The seed's middle line 'yhat + y*y + yhat - y*yhat' is an algebra slip; its final result
    dL/dz3 = yhat - y is right (checked through dL/db3 = dL/dz3 for one sample)."""
    x, y = 0.7, 0.0
    p, _, rows = seed003([x], [y])
    r = rows[0]
    yhat = r["yhat"]
    printed_middle = yhat + y * y + yhat - y * yhat
    assert same(p["b3"].grad, yhat - y)
    assert not math.isclose(p["b3"].grad, printed_middle, rel_tol=1e-3)
    # also with y = 1, where the slip gives 1 + yhat instead of yhat - 1
    p, _, rows = seed003([x], [1.0])
    yhat = rows[0]["yhat"]
    assert same(p["b3"].grad, yhat - 1.0)
    assert not math.isclose(p["b3"].grad, yhat + 1.0 + yhat - yhat, rel_tol=1e-3)


def test_seed003_printed_per_sample_formula_without_1_over_m_does_not_give_the_mean_gradient():
    """With m > 1 the seed's per-sample formulas must be averaged: summing them is m times too big."""
    xs, ys = [1.2, 2.0, 1.6], [1.0, 0.0, 1.0]
    p, _, rows = seed003(xs, ys)
    summed = sum(r["yhat"] - r["y"] for r in rows)
    assert same(p["b3"].grad, summed / len(xs))
    assert not math.isclose(p["b3"].grad, summed, rel_tol=1e-3)


# -------------------------------------------------------------------------------------------------
# 004: two sigmoid layers, C0 = 1/2 (a^L - y)^2, equations (52)-(55)
# -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("x, y, WL1, bL1, WL, bL", [(0.6, 0.2, 1.4, -0.3, -0.9, 0.5), (-2.0, 1.0, 0.3, 0.8, 2.1, -1.2)])
def test_seed004_two_layer_sigmoid_gradients_match_equations_52_to_55(x, y, WL1, bL1, WL, bL):
    p = leaves(WL1=WL1, bL1=bL1, WL=WL, bL=bL)
    aL1 = (p["WL1"] * x + p["bL1"]).sigmoid()
    aL = (p["WL"] * aL1 + p["bL"]).sigmoid()
    C0 = 0.5 * (aL - y) ** 2
    C0.backward()

    A1 = sig(WL1 * x + bL1)
    A = sig(WL * A1 + bL)
    assert same(p["WL"].grad, A1 * A * (1 - A) * (A - y))  # (52)
    assert same(p["bL"].grad, A * (1 - A) * (A - y))  # (53)
    assert same(p["WL1"].grad, x * A1 * (1 - A1) * WL * A * (1 - A) * (A - y))  # (54)
    assert same(p["bL1"].grad, A1 * (1 - A1) * WL * A * (1 - A) * (A - y))  # (55)
