# %% [markdown]
# # 2. One neuron per layer: three layers, sigmoid, squared error
#
# The smallest network with depth: three layers of one neuron each, so every weight, bias and
# activation is a single number and the chain rule can be written out in full.
#
# **The derivation this notebook follows:** *"Backpropagation: assume a neural network with 3
# layers and each layer has a single neuron"*, three sigmoid layers of one neuron,
# $C = (a^{(L)} - y)^2$ (least squares); the curriculum's seed file
# `seeds/001_c34e776687e8c120.txt` (in `../shared/seeds/` beside this repository). It numbers
# no equations, so we cite its lines by the block they stand in: **"By differentiation"** (the
# local derivatives), **"Therefore"** (three results for the last layer) and **"Similarly"**
# (five results for the two layers before it), each line counted from the top of its block.
#
# We follow its notation: layers are counted back from the
# last one, $L$, so the network is layer $L-2$, then $L-1$, then $L$, and the input is
# $x = a^{(L-3)}$. Each layer computes
#
# $$z^{(l)} = w^{(l)} a^{(l-1)} + b^{(l)}, \qquad a^{(l)} = \sigma(z^{(l)}),$$
#
# and the cost of one sample is $C = (a^{(L)} - y)^2$ (no factor $\tfrac12$, so a 2 appears in
# its derivative).
#
# Plan: type in the derivation's formulas exactly as printed, each shown in LaTeX with its code
# right after it, evaluate them with floats, and put them next to the engine's gradients and a
# finite-difference estimate. Where they disagree, let the engine point at the culprit. Graded
# exercises are at the end, then the **Solutions** (collapsed).

# %%
import math

from IPython.display import Markdown, display

from autograd import Value, check_derivation, draw_dot
from exercises import grade

LAYERS = ("L-2", "L-1", "L")


def sigma(z):
    return 1.0 / (1.0 + math.exp(-z))


def dsigma(z):  # sigma'(z) = sigma(z) (1 - sigma(z))
    s = sigma(z)
    return s * (1.0 - s)


params = {"w(L-2)": 0.7, "b(L-2)": -0.2, "w(L-1)": -1.1, "b(L-1)": 0.4, "w(L)": 1.6, "b(L)": -0.5}
x0, y0 = 0.8, 0.3

# %% [markdown]
# ## Two forward passes: one with floats, one with the engine
#
# `forward_floats` computes every quantity with plain Python floats and returns them by name.
# It also accepts a `nudge`: a small amount added to any one quantity right after it is
# computed. Nudging by $\pm h$ and watching $C$ gives a finite-difference estimate of
# $\partial C/\partial(\text{that quantity})$, for activations as well as for parameters.
#
# `forward_engine` builds the same computation from labelled `Value`s.

# %%
def forward_floats(p, x, y, nudge=None):
    nudge = nudge or {}
    v = {"x": x, "y": y}
    v.update({k: val + nudge.get(k, 0.0) for k, val in p.items()})
    a = x
    for l in LAYERS:
        z = v[f"w({l})"] * a + v[f"b({l})"] + nudge.get(f"z({l})", 0.0)
        a = sigma(z) + nudge.get(f"a({l})", 0.0)
        v[f"z({l})"], v[f"a({l})"] = z, a
    v["C"] = (a - y) ** 2
    return v


def finite_difference(name, p, x, y, h=1e-6):
    up = forward_floats(p, x, y, {name: +h})["C"]
    down = forward_floats(p, x, y, {name: -h})["C"]
    return (up - down) / (2 * h)


def forward_engine(p, x, y):
    nodes = {k: Value(val, label=k) for k, val in p.items()}
    a = Value(x, label="x")
    target = Value(y, label="y")
    for l in LAYERS:
        z = nodes[f"w({l})"] * a + nodes[f"b({l})"]
        z.label = f"z({l})"
        a = z.sigmoid()
        a.label = f"a({l})"
        nodes[z.label], nodes[a.label] = z, a
    C = (a - target) ** 2
    C.label = "C"
    return C, nodes


C, nodes = forward_engine(params, x0, y0)
C.backward()
print(f"C = {C.data:.6f}")
assert math.isclose(C.data, forward_floats(params, x0, y0)["C"], rel_tol=1e-15)

# %% [markdown]
# The whole network after `backward`, top to bottom. Each layer is the same three operations
# (multiply, add, sigmoid); the numbers on the edges are the local derivatives that the
# derivation's formulas multiply together.

# %%
draw_dot(C, rankdir="TB")

# %% [markdown]
# ## The derivation's formulas, typed in as printed
#
# The derivation first works out the last layer, then repeats the same pattern one layer
# further back, and again for the first layer. Every formula for layer $l$ reuses
# $\partial C/\partial a^{(l)}$ from the layer after it, so we write them as functions that
# call each other, in exactly the printed form. `v` holds the forward values by name; `dsigma`
# is $\sigma'$.
#
# **"By differentiation", line 1** (the derivative of the cost):
#
# $$\frac{\partial C}{\partial a^{(L)}} = 2(a^{(L)} - y)$$

# %%
def dC_daL(v):  # dC/da(L) = 2 (a(L) - y)
    return 2 * (v["a(L)"] - v["y"])


printed = {}

# %% [markdown]
# **"Therefore", lines 1 to 3** (the last layer):
#
# $$\frac{\partial C}{\partial w^{(L)}} = 2(a^{(L)} - y) \cdot \sigma'(z^{(L)}) \cdot a^{(L-1)}$$
# $$\frac{\partial C}{\partial b^{(L)}} = 2(a^{(L)} - y) \cdot \sigma'(z^{(L)})$$
# $$\frac{\partial C}{\partial a^{(L-1)}} = 2(a^{(L)} - y) \cdot \sigma'(z^{(L)}) \cdot w^{(L)}$$

# %%
printed["dC/dw(L)"] = lambda v: dC_daL(v) * dsigma(v["z(L)"]) * v["a(L-1)"]      # Therefore, line 1
printed["dC/db(L)"] = lambda v: dC_daL(v) * dsigma(v["z(L)"])                    # Therefore, line 2
printed["dC/da(L-1)"] = lambda v: dC_daL(v) * dsigma(v["z(L)"]) * v["w(L)"]      # Therefore, line 3

# %% [markdown]
# **"Similarly", lines 1 to 3** (layer $L-1$):
#
# $$\frac{\partial C}{\partial w^{(L-1)}} = \frac{\partial C}{\partial a^{(L-1)}} \cdot \sigma'(z^{(L-1)}) \cdot a^{(L-2)}$$
# $$\frac{\partial C}{\partial b^{(L-1)}} = \frac{\partial C}{\partial a^{(L-1)}} \cdot \sigma'(z^{(L-1)})$$
# $$\frac{\partial C}{\partial a^{(L-2)}} = \frac{\partial C}{\partial a^{(L-1)}} \cdot \sigma'(z^{(L-1)}) \cdot w^{(L-1)}$$

# %%
printed["dC/dw(L-1)"] = lambda v: printed["dC/da(L-1)"](v) * dsigma(v["z(L-1)"]) * v["a(L-2)"]  # Similarly, 1
printed["dC/db(L-1)"] = lambda v: printed["dC/da(L-1)"](v) * dsigma(v["z(L-1)"])                # Similarly, 2
printed["dC/da(L-2)"] = lambda v: printed["dC/da(L-1)"](v) * dsigma(v["z(L-1)"]) * v["w(L-1)"]  # Similarly, 3

# %% [markdown]
# **"Similarly", lines 4 and 5** (layer $L-2$, the first):
#
# $$\frac{\partial C}{\partial w^{(L-2)}} = \frac{\partial C}{\partial a^{(L-2)}} \cdot \sigma'(z^{(L-2)}) \cdot a^{(L-2)}$$
# $$\frac{\partial C}{\partial b^{(L-2)}} = \frac{\partial C}{\partial a^{(L-2)}} \cdot \sigma'(z^{(L-2)})$$

# %%
printed["dC/dw(L-2)"] = lambda v: printed["dC/da(L-2)"](v) * dsigma(v["z(L-2)"]) * v["a(L-2)"]  # Similarly, 4
printed["dC/db(L-2)"] = lambda v: printed["dC/da(L-2)"](v) * dsigma(v["z(L-2)"])                # Similarly, 5

# %% [markdown]
# ## The table
#
# Three independent numbers per gradient: the printed formula evaluated on floats, the engine's
# `.grad`, and the finite-difference estimate (floats only, no derivative rules at all).

# %%
def table(formulas, p, x, y, grads):
    v = forward_floats(p, x, y)
    lines = ["| gradient | printed formula | engine | finite difference | |", "|---|---:|---:|---:|---|"]
    for name, f in formulas.items():
        node = name.split("/d", 1)[1]
        h, g, n = f(v), grads[node], finite_difference(node, p, x, y)
        mark = "ok" if math.isclose(h, g, rel_tol=1e-9, abs_tol=1e-12) else "wrong"
        lines.append(f"| {name} | {h:.9f} | {g:.9f} | {n:.9f} | {mark} |")
    return Markdown("\n".join(lines))


grads = {k: node.grad for k, node in nodes.items()}
display(table(printed, params, x0, y0, grads))

# The engine agrees with the finite differences everywhere: it is the reference.
for k in printed:
    node = k.split("/d", 1)[1]
    assert math.isclose(grads[node], finite_difference(node, params, x0, y0), rel_tol=1e-6, abs_tol=1e-10)

# %% [markdown]
# One row does not match. Rather than hunting by eye, hand the printed formulas to
# `check_derivation`: it compares them in backward order and reports the first node where the
# hand value leaves the engine, together with the chain-rule terms the engine summed there.

# %%
report = check_derivation(C, printed)
print(report)

# %%
first = report.first_divergence
assert first is not None and first.name == "dC/dw(L-2)"
assert [row.name for row in report.disagreements] == ["dC/dw(L-2)"]
print(first.factors[0].locals[-1])  # the local derivative the engine used at the weight

# %% [markdown]
# **"Similarly", line 4** is the one. The engine says its last factor, the local derivative
# $\partial z^{(L-2)}/\partial w^{(L-2)}$, is the *input* of that layer, not its output:
# $z^{(L-2)} = w^{(L-2)} a^{(L-3)} + b^{(L-2)}$, and $a^{(L-3)}$ is $x$.
#
# | "Similarly", line 4 | $\dfrac{\partial C}{\partial w^{(L-2)}}$ |
# |---|---|
# | as printed | $\dfrac{\partial C}{\partial a^{(L-2)}} \cdot \sigma'(z^{(L-2)}) \cdot a^{(L-2)}$ |
# | corrected | $\dfrac{\partial C}{\partial a^{(L-2)}} \cdot \sigma'(z^{(L-2)}) \cdot a^{(L-3)} = \dfrac{\partial C}{\partial a^{(L-2)}} \cdot \sigma'(z^{(L-2)}) \cdot x$ |
#
# Every upstream formula ($\partial C/\partial a^{(L-2)}$ included) already agreed, which is what
# told us the slip is in this one step. The same pattern as the other two layers (multiply by the
# activation that *enters* the layer) gives the fix.

# %%
corrected = dict(printed)
corrected["dC/dw(L-2)"] = lambda v: printed["dC/da(L-2)"](v) * dsigma(v["z(L-2)"]) * v["x"]  # corrected line 4

fixed = check_derivation(C, corrected)
print(fixed)
assert fixed.ok
v = forward_floats(params, x0, y0)
print(f"printed {printed['dC/dw(L-2)'](v):.9f}   engine {nodes['w(L-2)'].grad:.9f}   "
      f"corrected {corrected['dC/dw(L-2)'](v):.9f}")

# %% [markdown]
# A single agreement could be luck, so we test the corrected formulas at a few more random
# points (parameters, input and target all drawn at random). The printed one keeps disagreeing
# whenever $x \ne a^{(L-2)}$, which is almost always.

# %%
import random

rng = random.Random(0)
for trial in range(5):
    p = {k: rng.uniform(-2, 2) for k in params}
    x, y = rng.uniform(-1, 1), rng.uniform(0, 1)
    C_t, nodes_t = forward_engine(p, x, y)
    assert check_derivation(C_t, corrected).ok
    assert not check_derivation(C_t, printed).ok
print("corrected formulas agree with the engine at 5 random points; the printed one never does")

# %% [markdown]
# ## Several samples: average the gradients
#
# The derivation ends: *"For multiple samples of x, just take the average of the parameter
# changes across all the samples of x."* With $n$ samples the cost is the mean of the per-sample costs,
# $C = \frac1n \sum_i C_i$. Differentiation is linear, so
# $\partial C/\partial w = \frac1n \sum_i \partial C_i/\partial w$: run the one-sample formulas on
# each sample and average. The engine does not know about samples at all; it just builds one
# graph in which every parameter is shared by the $n$ per-sample sub-graphs and adds up the
# contributions that flow back into it.

# %%
samples = [(0.8, 0.3), (-0.5, 0.9), (1.2, 0.1), (0.1, 0.6)]

shared = {k: Value(val, label=k) for k, val in params.items()}
costs = []
for x, y in samples:
    a = Value(x)
    for l in LAYERS:
        a = (shared[f"w({l})"] * a + shared[f"b({l})"]).sigmoid()
    costs.append((a - y) ** 2)
C_mean = sum(costs[1:], costs[0]) * (1 / len(samples))
C_mean.label = "C"
C_mean.backward()

lines = ["| parameter | mean of hand gradients | engine on the mean cost | |", "|---|---:|---:|---|"]
for k in params:
    per_sample = [corrected[f"dC/d{k}"](forward_floats(params, x, y)) for x, y in samples]
    mean = sum(per_sample) / len(per_sample)
    ok = math.isclose(mean, shared[k].grad, rel_tol=1e-12, abs_tol=1e-15)
    lines.append(f"| {k} | {mean:.9f} | {shared[k].grad:.9f} | {'ok' if ok else 'wrong'} |")
    assert ok, k
display(Markdown("\n".join(lines)))

# %% [markdown]
# ## Exercises
#
# **Exercise 1.** The derivation stops at the first layer: *"We do not worry about
# $\partial C/\partial a^{(L-3)}$ which is the input x as it is not a parameter that can be
# changed."* Write it anyway, $\partial C/\partial x$, as a formula of the forward values in the
# derivation's pattern (you may call `printed["dC/da(L-2)"](v)` and `dsigma`).

# %%
answer_1 = None  # your formula here, e.g. lambda v: ...
grade(answer_1, "dC/dx", C)

# %% [markdown]
# **Exercise 2.** The number $\partial C/\partial b^{(L)}$ of the **mean** cost over the four
# samples above (`C_mean`). Use the one-sample formulas (`corrected[...]` and `forward_floats`).

# %%
answer_2 = None  # your number here
grade(answer_2, shared["b(L)"], C_mean)

# %% [markdown]
# ## Solutions
#
# Collapsed: click a cell's left edge (or the "…") to open it. Each must grade `right`
# (`solution=True`).

# %% tags=["solution"] jupyter={"source_hidden": true}
# Exercise 1: the pattern of "Similarly", line 3, one layer further back: times w(L-2)
answer_1 = lambda v: printed["dC/da(L-2)"](v) * dsigma(v["z(L-2)"]) * v["w(L-2)"]  # noqa: E731
grade(answer_1, "dC/dx", C, solution=True)

# %% tags=["solution"] jupyter={"source_hidden": true}
# Exercise 2: the mean over the samples of the one-sample gradient
answer_2 = sum(corrected["dC/db(L)"](forward_floats(params, x, y)) for x, y in samples) / len(samples)
grade(answer_2, shared["b(L)"], C_mean, solution=True)
