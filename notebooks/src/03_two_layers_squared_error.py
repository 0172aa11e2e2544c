# %% [markdown]
# # 3. Two layers, sigmoid, and $C_0 = \tfrac12 (a^L - y)^2$
#
# **The derivation this notebook follows:** *"Backpropagation"* for "a simple neural network
# with two linear layers", two sigmoid layers of one neuron, $C_0 = \tfrac12 (a^L - y)^2$; the
# curriculum's seed file `seeds/004_120d89d3cb25de26.txt` (in `../shared/seeds/` beside this
# repository). It numbers its sections (1 to 11) and its equations ((1) to (55)); we use its
# numbers throughout, in its order:
#
# | section | equations | what |
# |---|---|---|
# | 2, 3 | (1) to (5) | forward pass and cost |
# | 5 | (7) to (12) | $\partial C_0/\partial a^L$ |
# | 6, 6.1 | (13) to (28) | the sigmoid's derivative, line by line, and $\partial a^L/\partial z^L$ |
# | 7 | (29) to (33) | $\partial z^L/\partial W^L$ |
# | 8, 9 | (34) to (40) | the last layer's gradients, boxed (36) and (40) |
# | 10 | (41) to (51) | the first layer's gradients, boxed (48) and (51) |
# | 11 | (52) to (55) | the summary |
#
# Each printed formula is shown in LaTeX with its number and its code right after it, and
# checked against the engine and a finite difference. This derivation has no slips, which is
# worth knowing too. Graded exercises are at the end, then the **Solutions** (collapsed).

# %%
import math
import random

from IPython.display import Markdown, display

from autograd import Value, check_derivation, draw_dot, grad
from exercises import grade


def sigma(z):
    return 1.0 / (1.0 + math.exp(-z))


params = {"W(L-1)": 1.3, "b(L-1)": -0.6, "W(L)": -0.9, "b(L)": 0.35}
x0, y0 = 0.7, 0.9

# %% [markdown]
# ## Section 2 and 3: the forward pass (1) to (4) and the cost (5)
#
# $$z^{L-1} = W^{L-1}x + b^{L-1} \tag{1}$$
# $$a^{L-1} = \sigma(z^{L-1}) \tag{2}$$
# $$z^L = W^L a^{L-1} + b^L \tag{3}$$
# $$a^L = \sigma(z^L) \tag{4}$$
# $$C_0 = \frac{1}{2}(a^L - y)^2 \tag{5}$$
#
# Two forward passes: `forward_floats` with plain floats (it can nudge any one quantity by
# $\pm h$, for finite differences), and `forward_engine` with labelled `Value`s.

# %%
def forward_floats(p, x, y, nudge=None):
    """Every quantity of the network by name, computed with floats; `nudge` shifts one of them."""
    nudge = nudge or {}
    v = {"x": x, "y": y}
    v.update({k: val + nudge.get(k, 0.0) for k, val in p.items()})
    a = x
    for l in ("L-1", "L"):
        z = v[f"W({l})"] * a + v[f"b({l})"] + nudge.get(f"z({l})", 0.0)   # (1), (3)
        a = sigma(z) + nudge.get(f"a({l})", 0.0)                           # (2), (4)
        v[f"z({l})"], v[f"a({l})"] = z, a
    v["C0"] = 0.5 * (a - y) ** 2                                           # (5)
    return v


def finite_difference(name, p, x, y, h=1e-6):
    return (forward_floats(p, x, y, {name: h})["C0"] - forward_floats(p, x, y, {name: -h})["C0"]) / (2 * h)


def forward_engine(p, x, y):
    nodes = {k: Value(val, label=k) for k, val in p.items()}
    nodes["x"], nodes["y"] = Value(x, label="x"), Value(y, label="y")
    a = nodes["x"]
    for l in ("L-1", "L"):
        z = nodes[f"W({l})"] * a + nodes[f"b({l})"]
        z.label = f"z({l})"
        a = z.sigmoid()
        a.label = f"a({l})"
        nodes[z.label], nodes[a.label] = z, a
    C0 = 0.5 * (a - nodes["y"]) ** 2
    C0.label = "C0"
    nodes["C0"] = C0
    return C0, nodes


C0, nodes = forward_engine(params, x0, y0)
C0.backward()
assert math.isclose(C0.data, forward_floats(params, x0, y0)["C0"], rel_tol=1e-15)
draw_dot(C0)

# %% [markdown]
# ## Section 5: $\partial C_0/\partial a^L$, (7) to (12)
#
# $$\frac{\partial C_0}{\partial a^L} = \frac{1}{2} \cdot 2(a^L - y) \cdot \frac{\partial}{\partial a^L}(a^L - y) \tag{9}$$
# $$\boxed{\frac{\partial C_0}{\partial a^L} = a^L - y} \tag{12}$$
#
# A local result: the derivative of one quantity with respect to the one just before it. We
# check it by treating the intermediate node as the output; `check_derivation` accepts any
# `Value` as its output.

# %%
eq = {}
eq[9] = lambda v: 0.5 * 2 * (v["a(L)"] - v["y"]) * 1     # (9)
eq[12] = lambda v: v["a(L)"] - v["y"]                    # (12)
for n in (9, 12):
    r = check_derivation(nodes["C0"], {"dC0/da(L)": eq[n]})
    print(f"({n}) {r.rows[0].hand:+.9f}   engine {r.rows[0].engine:+.9f}   {'ok' if r.ok else 'wrong'}")
    assert r.ok

# %% [markdown]
# ## Section 6.1: the sigmoid's derivative, line by line, (13) to (24)
#
# A derivation is a chain of equalities, so every line must have the same value. Evaluating
# each line at a few points is a quick way to catch an algebra slip. The reference is the engine's
# derivative of `sigmoid`, obtained with `grad`.
#
# $$\frac{d\sigma}{dz} = -(1 + e^{-z})^{-2} \cdot (-e^{-z}) \tag{16}$$
# $$= \frac{e^{-z}}{(1 + e^{-z})^2} \tag{17, 18}$$
# $$= \frac{1}{1 + e^{-z}} \cdot \frac{e^{-z}}{1 + e^{-z}} \tag{19}$$
# $$= \sigma(z) \cdot \frac{e^{-z}}{1 + e^{-z}} \tag{20}$$
# $$= \sigma(z) \cdot \frac{1 + e^{-z} - 1}{1 + e^{-z}} \tag{20, 21}$$
# $$= \sigma(z) \left(1 - \frac{1}{1 + e^{-z}}\right) \tag{20, 22}$$
# $$\frac{d\sigma(z)}{dz} = \sigma(z)(1 - \sigma(z)) \tag{24}$$

# %%
lines = {
    "(16)": lambda z: -((1 + math.exp(-z)) ** -2) * (-math.exp(-z)),
    "(17, 18)": lambda z: math.exp(-z) / (1 + math.exp(-z)) ** 2,
    "(19)": lambda z: 1 / (1 + math.exp(-z)) * math.exp(-z) / (1 + math.exp(-z)),
    "(20)": lambda z: sigma(z) * math.exp(-z) / (1 + math.exp(-z)),
    "(20, 21)": lambda z: sigma(z) * (1 + math.exp(-z) - 1) / (1 + math.exp(-z)),
    "(20, 22)": lambda z: sigma(z) * (1 - 1 / (1 + math.exp(-z))),
    "(24)": lambda z: sigma(z) * (1 - sigma(z)),
}
rows = ["| equation | z = -2 | z = 0.3 | z = 4 |", "|---|---:|---:|---:|"]
points = (-2.0, 0.3, 4.0)
reference = []
for z in points:
    zv = Value(z)
    (g,) = grad(zv.sigmoid(), zv)
    reference.append(g.data)
rows.append("| **engine** | " + " | ".join(f"{r:.12f}" for r in reference) + " |")
for text, f in lines.items():
    values = [f(z) for z in points]
    rows.append(f"| {text} | " + " | ".join(f"{val:.12f}" for val in values) + " |")
    assert all(math.isclose(val, r, rel_tol=1e-12) for val, r in zip(values, reference)), text
display(Markdown("\n".join(rows)))

# %% [markdown]
# Every line agrees with the engine. Applied to the network:
#
# $$\boxed{\frac{\partial a^L}{\partial z^L} = a^L(1 - a^L)} \tag{28}$$
#
# ## Section 7: $\partial z^L/\partial W^L$, (29) to (33)
#
# $$\boxed{\frac{\partial z^L}{\partial W^L} = a^{L-1}} \tag{33}$$

# %%
eq[28] = lambda v: v["a(L)"] * (1 - v["a(L)"])       # (28)
eq[33] = lambda v: v["a(L-1)"]                       # (33)
for n, output, key in ((28, "a(L)", "da(L)/dz(L)"), (33, "z(L)", "dz(L)/dW(L)")):
    r = check_derivation(nodes[output], {key: eq[n]})
    print(f"({n}) {key} = {r.rows[0].hand:+.9f}   engine {r.rows[0].engine:+.9f}   {'ok' if r.ok else 'wrong'}")
    assert r.ok

# %% [markdown]
# ## Sections 8 and 9: the last layer's gradients, (34) to (40)
#
# The derivation multiplies its factors starting from the input side ($\partial z/\partial W$
# first, $\partial C_0/\partial a^L$ last); for scalars the order of a product does not matter,
# so we keep it.
#
# $$\frac{\partial C_0}{\partial W^L} = \frac{\partial z^L}{\partial W^L} \cdot \frac{\partial a^L}{\partial z^L} \cdot \frac{\partial C_0}{\partial a^L} \tag{34}$$
# $$\boxed{\frac{\partial C_0}{\partial W^L} = a^{L-1} \cdot a^L (1 - a^L) \cdot (a^L - y)} \tag{36}$$
# $$\boxed{\frac{\partial C_0}{\partial b^L} = a^L (1 - a^L) \cdot (a^L - y)} \tag{40}$$

# %%
eq[34] = lambda v: eq[33](v) * eq[28](v) * eq[12](v)                                    # (34)
eq[36] = lambda v: v["a(L-1)"] * v["a(L)"] * (1 - v["a(L)"]) * (v["a(L)"] - v["y"])     # (36)
eq[40] = lambda v: v["a(L)"] * (1 - v["a(L)"]) * (v["a(L)"] - v["y"])                   # (40)

# %% [markdown]
# ## Section 10: the first layer's gradients, (41) to (51)
#
# $$\frac{\partial C_0}{\partial W^{L-1}} = \frac{\partial z^{L-1}}{\partial W^{L-1}} \cdot \frac{\partial a^{L-1}}{\partial z^{L-1}} \cdot \frac{\partial z^L}{\partial a^{L-1}} \cdot \frac{\partial a^L}{\partial z^L} \cdot \frac{\partial C_0}{\partial a^L} \tag{41}$$
#
# with the local derivatives
#
# $$\frac{\partial z^{L-1}}{\partial W^{L-1}} = x \tag{42}$$
# $$\frac{\partial a^{L-1}}{\partial z^{L-1}} = a^{L-1}(1 - a^{L-1}) \tag{43}$$
# $$\frac{\partial z^L}{\partial a^{L-1}} = W^L \tag{44}$$
#
# and (45), (46) repeat (28) and (12). The boxed results:
#
# $$\boxed{\frac{\partial C_0}{\partial W^{L-1}} = x \cdot a^{L-1}(1 - a^{L-1}) \cdot W^L \cdot a^L(1 - a^L) \cdot (a^L - y)} \tag{48}$$
# $$\boxed{\frac{\partial C_0}{\partial b^{L-1}} = a^{L-1}(1 - a^{L-1}) \cdot W^L \cdot a^L(1 - a^L) \cdot (a^L - y)} \tag{51}$$

# %%
eq[42] = lambda v: v["x"]                                 # (42)
eq[43] = lambda v: v["a(L-1)"] * (1 - v["a(L-1)"])        # (43)
eq[44] = lambda v: v["W(L)"]                              # (44)
eq[41] = lambda v: eq[42](v) * eq[43](v) * eq[44](v) * eq[28](v) * eq[12](v)  # (41), with (45) = (28), (46) = (12)
eq[48] = lambda v: (                                      # (48)
    v["x"] * v["a(L-1)"] * (1 - v["a(L-1)"]) * v["W(L)"] * v["a(L)"] * (1 - v["a(L)"]) * (v["a(L)"] - v["y"])
)
eq[51] = lambda v: (                                      # (51)
    v["a(L-1)"] * (1 - v["a(L-1)"]) * v["W(L)"] * v["a(L)"] * (1 - v["a(L)"]) * (v["a(L)"] - v["y"])
)
for n, output, key in ((42, "z(L-1)", "dz(L-1)/dW(L-1)"), (43, "a(L-1)", "da(L-1)/dz(L-1)"), (44, "z(L)", "dz(L)/da(L-1)")):
    r = check_derivation(nodes[output], {key: eq[n]})
    print(f"({n}) {key} = {r.rows[0].hand:+.9f}   engine {r.rows[0].engine:+.9f}   {'ok' if r.ok else 'wrong'}")
    assert r.ok

# %% [markdown]
# ## Section 11: the summary, (52) to (55), against the engine and finite differences
#
# The summary repeats the four boxed results: (52) is (36), (53) is (40), (54) is (48) and (55)
# is (51). Three independent numbers per gradient: the formula on floats, the engine's `.grad`,
# and the finite difference (floats only, no derivative rules at all).

# %%
summary = {
    "dC0/dW(L)": (52, eq[36]),
    "dC0/db(L)": (53, eq[40]),
    "dC0/dW(L-1)": (54, eq[48]),
    "dC0/db(L-1)": (55, eq[51]),
}


def table(formulas, p, x, y, engine_nodes):
    v = forward_floats(p, x, y)
    lines = ["| equation | gradient | formula | engine | finite difference | |", "|---|---|---:|---:|---:|---|"]
    for name, (number, f) in formulas.items():
        node = name.split("/d", 1)[1]
        h, g, n = f(v), engine_nodes[node].grad, finite_difference(node, p, x, y)
        mark = "ok" if math.isclose(h, g, rel_tol=1e-9, abs_tol=1e-12) else "wrong"
        lines.append(f"| ({number}) | {name} | {h:.9f} | {g:.9f} | {n:.9f} | {mark} |")
    return Markdown("\n".join(lines))


display(table(summary, params, x0, y0, nodes))

v = forward_floats(params, x0, y0)
for name, (number, f) in summary.items():
    node = name.split("/d", 1)[1]
    assert math.isclose(f(v), nodes[node].grad, rel_tol=1e-12), name
    assert math.isclose(finite_difference(node, params, x0, y0), nodes[node].grad, rel_tol=1e-6), name
assert math.isclose(eq[34](v), eq[36](v), rel_tol=1e-12) and math.isclose(eq[41](v), eq[48](v), rel_tol=1e-12)

# %% [markdown]
# All four agree. `check_derivation` says the same, in backward order; and so that a lucky
# point cannot fool us, we repeat the check at a handful of random points.

# %%
boxed = {name: f for name, (number, f) in summary.items()}
report = check_derivation(C0, boxed)
print(report)
assert report.ok

# %%
rng = random.Random(1)
for trial in range(10):
    p = {k: rng.uniform(-3, 3) for k in params}
    C_t, _ = forward_engine(p, rng.uniform(-2, 2), rng.uniform(0, 1))
    assert check_derivation(C_t, boxed).ok
print("the four boxed results agree with the engine at 10 random points")

# %% [markdown]
# Every line agrees with the engine: this derivation has no slips. The next notebook's
# derivations are not so lucky.
#
# ## Exercises
#
# **Exercise 1.** The derivation computes $\partial z^L/\partial a^{L-1}$ (44) but never
# boxes the gradient that reaches $a^{L-1}$. Write $\partial C_0/\partial a^{L-1}$ as a formula of
# the forward values (`v["W(L)"]`, `v["a(L)"]`, `v["y"]`, ...).

# %%
answer_1 = None  # your formula here, e.g. lambda v: ...
grade(answer_1, "dC0/da(L-1)", C0)

# %% [markdown]
# **Exercise 2.** One step further back than (48): $\partial C_0/\partial x$. The derivation
# does not need it ($x$ is data), but the chain rule does not care.

# %%
answer_2 = None  # your formula here
grade(answer_2, "dC0/dx", C0)

# %% [markdown]
# **Exercise 3.** A number: by how much does $C_0$ change, to first order, when $b^L$ grows by
# $0.01$? (A gradient times a step.)

# %%
answer_3 = None  # your number here
grade(answer_3, expected=0.01 * nodes["b(L)"].grad)

# %% [markdown]
# ## Solutions
#
# Collapsed: click a cell's left edge (or the "…") to open it. Each must grade `right`
# (`solution=True`).

# %% tags=["solution"] jupyter={"source_hidden": true}
# Exercise 1: (44) times (45) times (46): W^L a^L (1 - a^L) (a^L - y)
answer_1 = lambda v: v["W(L)"] * v["a(L)"] * (1 - v["a(L)"]) * (v["a(L)"] - v["y"])  # noqa: E731
grade(answer_1, "dC0/da(L-1)", C0, solution=True)

# %% tags=["solution"] jupyter={"source_hidden": true}
# Exercise 2: (48) with its first factor dz^{L-1}/dW^{L-1} = x replaced by dz^{L-1}/dx = W^{L-1}
answer_2 = lambda v: (  # noqa: E731
    v["W(L-1)"] * v["a(L-1)"] * (1 - v["a(L-1)"]) * v["W(L)"] * v["a(L)"] * (1 - v["a(L)"]) * (v["a(L)"] - v["y"])
)
grade(answer_2, "dC0/dx", C0, solution=True)

# %% tags=["solution"] jupyter={"source_hidden": true}
# Exercise 3: dC0 ≈ dC0/db^L * 0.01, with dC0/db^L from (40)
answer_3 = 0.01 * eq[40](forward_floats(params, x0, y0))
grade(answer_3, expected=0.01 * nodes["b(L)"].grad, solution=True)
