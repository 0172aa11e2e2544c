# %% [markdown]
# # 5. Layers of many neurons: the $w^l_{jk}$ notation
#
# **The derivation this notebook follows:** *"Backpropagation: Backpropagation's fundamental
# equations"*, layers of many sigmoid neurons in the $w^l_{jk}$ notation,
# $C = \frac{1}{2} \sum_j (y_j-a^L_j)^2$; the curriculum's seed file
# `seeds/002_b37247771f767f1f.txt` (in `../shared/seeds/` beside this repository). It numbers its
# equations (1) to (7), and the local derivatives it takes from them (1'), (1''), (1''') and
# (2'); we use its numbers and its order.
#
# With more than one neuron per layer every weight needs two indices. In this notation
# $w^l_{jk}$ connects neuron $k$ of layer $l-1$ to neuron $j$ of layer $l$ (the receiving neuron
# comes first). The feedforward:
#
# $$z^l_j = \sum_k w^l_{jk} a^{l-1}_k + b^l_j \tag{1}$$
# $$a^l_j = \sigma(z^l_j) \tag{2}$$
# $$C = \frac{1}{2} \sum_j (y_j-a^L_j)^2 \tag{3}$$
#
# Backpropagation then needs four results, for every layer $l$: $\partial C/\partial z^l_j$
# (from (4)), $\partial C/\partial a^{l-1}_k$ (from (5)), $\partial C/\partial w^l_{jk}$ (from (6)) and
# $\partial C/\partial b^l_j$ (from (7)). The sum over $j$ in (5) is the new ingredient: an
# activation feeds *every* neuron of the next layer, so its gradient collects one contribution
# from each. We build a 3-4-2 network out of `nn.Layer`s and check all four results, for every
# index, against the engine and finite differences. Graded exercises are at the end, then the
# **Solutions** (collapsed).

# %%
import math
import random

from IPython.display import Markdown, display

import nn
from autograd import Value, check_derivation, draw_dot, explain, topological_order
from exercises import grade

rng = random.Random(5)
layers = [nn.Layer(3, 4, activation="sigmoid", rng=rng), nn.Layer(4, 2, activation="sigmoid", rng=rng)]
x_in, y_out = [0.5, -1.2, 0.8], [1.0, 0.0]
print(layers)

# %% [markdown]
# ## Labels in the $w^l_{jk}$ notation
#
# `nn.Layer` returns one `Value` per neuron: the activation $a^l_j$. Its operand is the weighted
# sum $z^l_j$. We label both, and every weight and bias, with 1-based indices as in the
# formulas: `w2_13` is $w^2_{13}$, `a1_3` is $a^1_3$, and the inputs are $a^0_k$.

# %%
def label_parameters(layers):
    for l, layer in enumerate(layers, start=1):
        for j, neuron in enumerate(layer.neurons, start=1):
            neuron.b.label = f"b{l}_{j}"
            for k, w in enumerate(neuron.w, start=1):
                w.label = f"w{l}_{j}{k}"


def forward(layers, x, y):
    a = [Value(xk, label=f"a0_{k}") for k, xk in enumerate(x, start=1)]
    for l, layer in enumerate(layers, start=1):
        a = layer(a)
        for j, a_j in enumerate(a, start=1):
            a_j.label = f"a{l}_{j}"
            a_j.operands[0].label = f"z{l}_{j}"  # a = sigma(z): the sigmoid's operand is z
    targets = [Value(yj, label=f"y_{j}") for j, yj in enumerate(y, start=1)]
    C = 0.5 * sum(((t - a_j) ** 2 for t, a_j in zip(targets, a)), Value(0.0))
    C.label = "C"
    return C


label_parameters(layers)
C = forward(layers, x_in, y_out)
print(f"C = {C.data:.6f}")

# %% [markdown]
# ## The derivation's results, typed in for every index
#
# `v` holds the forward values by label. Each formula is a small function of the indices, written
# the way the derivation reads; `dC_dz` calls `dC_da`, which for a hidden layer calls `dC_dz`
# of the next layer: recursion, as in the derivation.
#
# **Partial derivatives of the last activations**, from (3):
#
# $$\frac{\partial C}{\partial a^L_j} = a^L_j-y_j$$
#
# **Partial derivatives of the activations in hidden layers**, from (1') and (5):
#
# $$\frac{\partial z^l_j}{\partial a^{l-1}_k} = w^l_{jk} \tag{1'}$$
# $$\frac{\partial C}{\partial a^{l-1}_k} = \sum_j \frac{\partial C}{\partial z^l_j} \frac{\partial z^l_j}{\partial a^{l-1}_k}
#   = \sum_j \frac{\partial C}{\partial z^l_j} w^l_{jk} \tag{5}$$

# %%
L = len(layers)
sizes = [3, 4, 2]  # neurons per layer, the inputs counted as layer 0


def dC_da(v, l, k):
    if l == L:
        return v[f"a{L}_{k}"] - v[f"y_{k}"]                                                   # from (3)
    return sum(dC_dz(v, l + 1, j) * v[f"w{l + 1}_{j}{k}"] for j in range(1, sizes[l + 1] + 1))  # (5)

# %% [markdown]
# **Partial derivatives of the $z$ quantities**, from (2') and (4):
#
# $$\frac{\partial a^l_j}{\partial z^l_j} = \sigma'(z^l_j) \tag{2'}$$
# $$\frac{\partial C}{\partial z^l_j} = \frac{\partial C}{\partial a^l_j} \frac{\partial a^l_j}{\partial z^l_j}
#   = \frac{\partial C}{\partial a^l_j} \sigma'(z^l_j) \tag{4}$$
#
# (with $\sigma' = \sigma(1 - \sigma) = a^l_j(1 - a^l_j)$).

# %%
def dsigma(v, l, j):  # (2'): sigma'(z) = a (1 - a)
    s = v[f"a{l}_{j}"]
    return s * (1 - s)


def dC_dz(v, l, j):  # (4)
    return dC_da(v, l, j) * dsigma(v, l, j)

# %% [markdown]
# **Partial derivatives of the weights and of the biases**, from (1''), (6) and (1'''), (7):
#
# $$\frac{\partial z^l_j}{\partial w^l_{jk}} = a^{l-1}_k \tag{1''}$$
# $$\frac{\partial C}{\partial w^l_{jk}} = \frac{\partial C}{\partial z^l_j} \frac{\partial z^l_j}{\partial w^l_{jk}} = \frac{\partial C}{\partial z^l_j} a^{l-1}_k \tag{6}$$
# $$\frac{\partial z^l_j}{\partial b^l_j} = 1 \tag{1'''}$$
# $$\frac{\partial C}{\partial b^l_j} = \frac{\partial C}{\partial z^l_j} \frac{\partial z^l_j}{\partial b^l_j} = \frac{\partial C}{\partial z^l_j} \tag{7}$$
#
# Every index of every layer gets its entry:

# %%
hand = {}
for l in range(1, L + 1):
    for j in range(1, sizes[l] + 1):
        hand[f"dC/dz{l}_{j}"] = lambda v, l=l, j=j: dC_dz(v, l, j)                                   # (4)
        hand[f"dC/db{l}_{j}"] = lambda v, l=l, j=j: dC_dz(v, l, j)                                   # (7)
        for k in range(1, sizes[l - 1] + 1):
            hand[f"dC/dw{l}_{j}{k}"] = lambda v, l=l, j=j, k=k: dC_dz(v, l, j) * v[f"a{l - 1}_{k}"]  # (6)
    for k in range(1, sizes[l - 1] + 1):
        hand[f"dC/da{l - 1}_{k}"] = lambda v, l=l, k=k: dC_da(v, l - 1, k)                           # (5)
print(len(hand), "hand formulas")

report = check_derivation(C, hand)
print(report.rows[0].name, "...", report.rows[-1].name)
assert report.ok, report
print(f"all {len(report.rows)} agree with the engine")
assert len(report.rows) == 39

# %% [markdown]
# All 39 agree: 6 errors $\partial C/\partial z^l_j$, 6 biases, 20 weights, and the 4 hidden
# activations and 3 inputs.
#
# ## Side by side with finite differences
#
# For the output layer's weights and biases, the table puts the formula, the engine's `.grad`
# after `C.backward()` and a finite difference side by side. The finite difference nudges the
# parameter's `data` by $\pm h$ and reruns the forward pass: no derivative rule is involved.

# %%
C.backward()
v = {}  # the forward values, by label
for node in topological_order(C):
    if node.label:
        v[node.label] = node.data


def finite_difference(param, h=1e-6):
    saved = param.data
    param.data = saved + h
    up = forward(layers, x_in, y_out).data
    param.data = saved - h
    down = forward(layers, x_in, y_out).data
    param.data = saved
    return (up - down) / (2 * h)


lines = ["| gradient | formula | engine | finite difference |", "|---|---:|---:|---:|"]
for j, neuron in enumerate(layers[1].neurons, start=1):
    for p in [*neuron.w, neuron.b]:
        name = f"dC/d{p.label}"
        h_val, fd = hand[name](v), finite_difference(p)
        lines.append(f"| {name} | {h_val:.9f} | {p.grad:.9f} | {fd:.9f} |")
        assert math.isclose(h_val, p.grad, rel_tol=1e-12, abs_tol=1e-15)
        assert math.isclose(fd, p.grad, rel_tol=1e-5, abs_tol=1e-10)
display(Markdown("\n".join(lines)))

# %% [markdown]
# ## The local derivatives (1'), (1''), (1''') and (2')
#
# Each is the derivative of one node with respect to the one just before it, so we check each with
# that node as the output; here for neuron 1 of the output layer and its third input.

# %%
nodes = {node.label: node for node in topological_order(C) if node.label}
local_checks = [
    ("(1')", nodes["z2_1"], {"dz2_1/da1_3": lambda v: v["w2_13"]}),
    ("(1'')", nodes["z2_1"], {"dz2_1/dw2_13": lambda v: v["a1_3"]}),
    ("(1''')", nodes["z2_1"], {"dz2_1/db2_1": lambda v: 1.0}),
    ("(2')", nodes["a2_1"], {"da2_1/dz2_1": lambda v: v["a2_1"] * (1 - v["a2_1"])}),
]
for number, output, formula in local_checks:
    r = check_derivation(output, formula)
    print(f"{number:<7} {next(iter(formula)):<14} hand {r.rows[0].hand:+.9f}  engine {r.rows[0].engine:+.9f}  "
          f"{'ok' if r.ok else 'wrong'}")
    assert r.ok

# %% [markdown]
# ## The sum over $j$, seen as paths
#
# $a^1_3$ feeds both output neurons. `explain` lists the two chain-rule paths from it to $C$,
# one through $z^2_1$ and one through $z^2_2$; their sum is the gradient, which is
# $\sum_j \frac{\partial C}{\partial z^2_j} w^2_{j3}$.

# %%
a13 = next(n for n in topological_order(C) if n.label == "a1_3")
why = explain(C, a13)
print(why)
assert len(why.paths) == sizes[2]
assert math.isclose(why.total, sum(dC_dz(v, 2, j) * v[f"w2_{j}3"] for j in (1, 2)), rel_tol=1e-12)

# %% [markdown]
# Forgetting the sum in (5), and keeping only one of its terms (here the output neuron
# $j = \min(k, 2)$), is a common slip:
#
# | (5) | $\dfrac{\partial C}{\partial a^{1}_k}$ |
# |---|---|
# | the slip | $\dfrac{\partial C}{\partial z^2_j}\, w^2_{jk}$, one $j$ only |
# | as printed (right) | $\sum_j \dfrac{\partial C}{\partial z^2_j}\, w^2_{jk}$ |
#
# The checker shows it at the first activation where it matters, with one chain-rule term per
# receiving neuron:

# %%
slip = dict(hand)
for k in range(1, sizes[1] + 1):
    j = min(k, sizes[2])
    slip[f"dC/da1_{k}"] = lambda v, k=k, j=j: dC_dz(v, 2, j) * v[f"w2_{j}{k}"]
report = check_derivation(C, slip)
first = report.first_divergence
print(report)
assert first is not None and first.name.startswith("dC/da1_")
assert len(first.factors) == sizes[2]

# %% [markdown]
# Every term of the engine's sum ends at one of the $z^2_j$, and its hand value
# $\partial C/\partial z^2_j$ agreed: the slip is in how the terms were combined, not in any of them.
# (The rows further back, $z^1$, $w^1$, $b^1$, are right here only because they call the
# correct `dC_da` rather than the slipped one.)
#
# ## The drawing of one neuron
#
# Drawing the whole network would be a wall of boxes. To look at neuron 1 of the output layer
# alone, we feed it fresh leaves holding the values $a^1_k$ and start its backward pass from the
# gradient that arrives at its output, $\partial C/\partial a^2_1$: `backward(gradient=...)`
# seeds the chain rule with an upstream gradient instead of 1. Since the weights $w^2_{1k}$ reach
# $C$ only through $a^2_1$, their gradients in this small graph are exactly $\partial C/\partial w^2_{1k}$.

# %%
neuron = layers[1].neurons[0]
inputs = [Value(v[f"a1_{k}"], label=f"a1_{k}") for k in range(1, 5)]
a21 = neuron(inputs)
a21.label = "a2_1"
a21.operands[0].label = "z2_1"
upstream = v["a2_1"] - v["y_1"]  # dC/da2_1 from the table at the top
neuron.zero_grad()
a21.backward(gradient=upstream)
for k, w in enumerate(neuron.w, start=1):
    assert math.isclose(w.grad, hand[f"dC/dw2_1{k}"](v), rel_tol=1e-12)
for k, a in enumerate(inputs, start=1):  # each a1_k gets only this neuron's share of its sum over j
    assert math.isclose(a.grad, dC_dz(v, 2, 1) * v[f"w2_1{k}"], rel_tol=1e-12)
draw_dot(a21)

# %% [markdown]
# ## Exercises
#
# **Exercise 1.** Equation (5) for one index: write $\partial C/\partial a^1_2$ out as its sum over
# the two output neurons, as a formula of the forward values (you may call `dC_dz(v, 2, j)`).

# %%
answer_1 = None  # your formula here, e.g. lambda v: ...
grade(answer_1, "dC/da1_2", C)

# %% [markdown]
# **Exercise 2.** Equation (6) for one index: $\partial C/\partial w^1_{23}$, as a formula.

# %%
answer_2 = None  # your formula here
grade(answer_2, "dC/dw1_23", C)

# %% [markdown]
# **Exercise 3.** A number: $\partial C/\partial b^2_1$, from (7) and (4) and the forward values
# in `v` (the activation $a^2_1$, the target $y_1$).

# %%
answer_3 = None  # your number here
grade(answer_3, "dC/db2_1", C)

# %% [markdown]
# ## Solutions
#
# Collapsed: click a cell's left edge (or the "…") to open it. Each must grade `right`
# (`solution=True`).

# %% tags=["solution"] jupyter={"source_hidden": true}
# Exercise 1: (5) with l = 2, k = 2: the sum over j = 1, 2 of dC/dz2_j w2_j2
answer_1 = lambda v: sum(dC_dz(v, 2, j) * v[f"w2_{j}2"] for j in (1, 2))  # noqa: E731
grade(answer_1, "dC/da1_2", C, solution=True)

# %% tags=["solution"] jupyter={"source_hidden": true}
# Exercise 2: (6) with l = 1, j = 2, k = 3: dC/dz1_2 times a0_3 (the third input)
answer_2 = lambda v: dC_dz(v, 1, 2) * v["a0_3"]  # noqa: E731
grade(answer_2, "dC/dw1_23", C, solution=True)

# %% tags=["solution"] jupyter={"source_hidden": true}
# Exercise 3: (7) = (4) = (a2_1 - y_1) a2_1 (1 - a2_1)
answer_3 = (v["a2_1"] - v["y_1"]) * v["a2_1"] * (1 - v["a2_1"])
grade(answer_3, "dC/db2_1", C, solution=True)
