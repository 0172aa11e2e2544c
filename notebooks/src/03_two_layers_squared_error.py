# %% [markdown]
# # 3. Two layers, sigmoid, and $C_0 = \tfrac12 (a^L - y)^2$
#
# Two layers of one neuron each, both with a sigmoid:
#
# $$z^{L-1} = W^{L-1} x + b^{L-1},\quad a^{L-1} = \sigma(z^{L-1}),\quad
#   z^{L} = W^{L} a^{L-1} + b^{L},\quad a^{L} = \sigma(z^{L}),$$
#
# and the cost of one example $C_0 = \tfrac12 (a^L - y)^2$. The $\tfrac12$ is there to cancel the
# 2 that comes down from the square.
#
# The derivation in the curriculum arrives at four boxed results: the gradients of $C_0$ with
# respect to both weights and both biases. We check each of them against the engine and a
# finite difference, then check the three building blocks it boxes on the way (the local
# derivatives), and finally the line-by-line derivation of $\sigma'$.

# %%
import math
import random

from IPython.display import Markdown, display

from autograd import Value, check_derivation, draw_dot, grad


def sigma(z):
    return 1.0 / (1.0 + math.exp(-z))


params = {"W(L-1)": 1.3, "b(L-1)": -0.6, "W(L)": -0.9, "b(L)": 0.35}
x0, y0 = 0.7, 0.9

# %%
def forward_floats(p, x, y, nudge=None):
    """Every quantity of the network by name, computed with floats; `nudge` shifts one of them."""
    nudge = nudge or {}
    v = {"x": x, "y": y}
    v.update({k: val + nudge.get(k, 0.0) for k, val in p.items()})
    a = x
    for l in ("L-1", "L"):
        z = v[f"W({l})"] * a + v[f"b({l})"] + nudge.get(f"z({l})", 0.0)
        a = sigma(z) + nudge.get(f"a({l})", 0.0)
        v[f"z({l})"], v[f"a({l})"] = z, a
    v["C0"] = 0.5 * (a - y) ** 2
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
draw_dot(C0)

# %% [markdown]
# ## The four boxed results
#
# Typed in as printed. The derivation multiplies its factors starting from the input side
# ($\partial z/\partial W$ first, $\partial C_0/\partial a^L$ last); for scalars the order of a
# product does not matter, so we keep it.

# %%
boxed = {
    "dC0/dW(L)": lambda v: v["a(L-1)"] * v["a(L)"] * (1 - v["a(L)"]) * (v["a(L)"] - v["y"]),
    "dC0/db(L)": lambda v: v["a(L)"] * (1 - v["a(L)"]) * (v["a(L)"] - v["y"]),
    "dC0/dW(L-1)": lambda v: (
        v["x"] * v["a(L-1)"] * (1 - v["a(L-1)"]) * v["W(L)"] * v["a(L)"] * (1 - v["a(L)"]) * (v["a(L)"] - v["y"])
    ),
    "dC0/db(L-1)": lambda v: (
        v["a(L-1)"] * (1 - v["a(L-1)"]) * v["W(L)"] * v["a(L)"] * (1 - v["a(L)"]) * (v["a(L)"] - v["y"])
    ),
}


def table(formulas, p, x, y, engine_nodes):
    v = forward_floats(p, x, y)
    lines = ["| gradient | boxed formula | engine | finite difference | |", "|---|---:|---:|---:|---|"]
    for name, f in formulas.items():
        node = name.split("/d", 1)[1]
        h, g, n = f(v), engine_nodes[node].grad, finite_difference(node, p, x, y)
        mark = "✅" if math.isclose(h, g, rel_tol=1e-9, abs_tol=1e-12) else "❌"
        lines.append(f"| {name} | {h:.9f} | {g:.9f} | {n:.9f} | {mark} |")
    return Markdown("\n".join(lines))


display(table(boxed, params, x0, y0, nodes))

v = forward_floats(params, x0, y0)
for name, f in boxed.items():
    node = name.split("/d", 1)[1]
    assert math.isclose(f(v), nodes[node].grad, rel_tol=1e-12), name
    assert math.isclose(finite_difference(node, params, x0, y0), nodes[node].grad, rel_tol=1e-6), name

# %% [markdown]
# All four agree. `check_derivation` says the same, in backward order; and so that a lucky
# point cannot fool us, we repeat the check at a handful of random points.

# %%
report = check_derivation(C0, boxed)
assert report.ok
report

# %%
rng = random.Random(1)
for trial in range(10):
    p = {k: rng.uniform(-3, 3) for k in params}
    C_t, _ = forward_engine(p, rng.uniform(-2, 2), rng.uniform(0, 1))
    assert check_derivation(C_t, boxed).ok
print("the four boxed results agree with the engine at 10 random points")

# %% [markdown]
# ## The building blocks
#
# On the way the derivation boxes three local results:
# $\partial C_0/\partial a^L = a^L - y$, $\partial a^L/\partial z^L = a^L(1 - a^L)$ and
# $\partial z^L/\partial W^L = a^{L-1}$. Each is the derivative of one quantity with respect to
# the one just before it, so we can check each by treating the *intermediate* node as the
# output. `check_derivation` accepts any `Value` as its output, so this is a one-liner each.

# %%
checks = [
    check_derivation(nodes["C0"], {"dC0/da(L)": lambda v: v["a(L)"] - v["y"]}),
    check_derivation(nodes["a(L)"], {"da(L)/dz(L)": lambda v: v["a(L)"] * (1 - v["a(L)"])}),
    check_derivation(nodes["z(L)"], {"dz(L)/dW(L)": lambda v: v["a(L-1)"]}),
]
for r in checks:
    print(r, end="\n\n")
    assert r.ok

# %% [markdown]
# ## The sigmoid's derivative, line by line
#
# A derivation is a chain of equalities, so every line must have the same value. Evaluating
# each line at a few points is a quick way to catch an algebra slip. The reference is the engine's
# derivative of `sigmoid`, obtained with `grad`.

# %%
lines = {
    "(1 + e^-z)^-1, differentiated with the power rule": lambda z: -((1 + math.exp(-z)) ** -2) * (-math.exp(-z)),
    "e^-z / (1 + e^-z)^2": lambda z: math.exp(-z) / (1 + math.exp(-z)) ** 2,
    "1/(1 + e^-z) * e^-z/(1 + e^-z)": lambda z: 1 / (1 + math.exp(-z)) * math.exp(-z) / (1 + math.exp(-z)),
    "sigma(z) * (1 + e^-z - 1)/(1 + e^-z)": lambda z: sigma(z) * (1 + math.exp(-z) - 1) / (1 + math.exp(-z)),
    "sigma(z) (1 - sigma(z))": lambda z: sigma(z) * (1 - sigma(z)),
}
rows = ["| line | z = -2 | z = 0.3 | z = 4 |", "|---|---:|---:|---:|"]
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
# Every line agrees with the engine: this derivation has no slips. The next notebook's
# derivation is not so lucky.
