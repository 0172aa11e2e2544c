# %% [markdown]
# # 1. The `Value` and the chain rule
#
# A `Value` is one number that remembers where it came from: its `data`, the operation that
# produced it, the operands of that operation, and (after `backward`) its `grad`, the derivative
# of the final output with respect to it.
#
# In this notebook we build a five-operation expression, draw it, run `backward`, and then check
# every gradient three ways: the engine's number, a formula worked out by hand, and a
# finite-difference estimate that knows nothing about calculus.
#
# **What this notebook follows:** no derivation of the curriculum yet; it continues notebook 0
# (the lecture's manual backpropagation) with formulas instead of numbers. The derivation is the
# table of formulas below, each in LaTeX with its code right after it; the curriculum's
# derivations start in notebook 2.
#
# **Exercises** (graded by `grade`: `right`, `wrong` with a hint, or `not answered yet`) are at
# the end, before the **Solutions**, whose code is collapsed.

# %%
import math

from IPython.display import Markdown, display

from autograd import Value, check_derivation, draw_dot, explain, gradcheck
from exercises import grade

# %% [markdown]
# ## Building the expression
#
# We compute $L = \tanh(a b + c)\cdot a$. Every intermediate result gets a label, so the
# drawing and the explanations below use the same names as the algebra.
#
# Notice that `a` is used twice: once inside the product `e = a * b` and once in the final
# product `L = t * a`. That is what makes this small example interesting.

# %%
a = Value(1.5, label="a")
b = Value(-0.5, label="b")
c = Value(0.25, label="c")

e = a * b;     e.label = "e"   # e = a b
d = e + c;     d.label = "d"   # d = e + c
t = d.tanh();  t.label = "t"   # t = tanh(d)
L = t * a;     L.label = "L"   # L = t a

print(L)

# %% [markdown]
# Before `backward` nothing has flowed back yet, so the drawing says "not yet computed" instead
# of showing misleading zeros. Each box is a `Value` (label, data, grad); each ellipse is the
# operation that produced the box to its right. The number on an edge is the **local derivative**
# of the operation's output with respect to that input, taken from the engine's rule table.

# %%
draw_dot(L)

# %% [markdown]
# ## Backward
#
# `L.backward()` visits the nodes from `L` back to the leaves. At each node it multiplies the
# gradient that has arrived (d L / d node) by the local derivative of each operand, and adds the
# product into that operand's gradient. Adding is the important word: a node used in two places
# receives two contributions.

# %%
L.backward()
for node in (L, t, d, e, c, b, a):
    print(f"dL/d{node.label} = {node.grad:+.6f}")

# %%
draw_dot(L)

# %% [markdown]
# ## Each gradient by hand
#
# Working from the output back, with $t = \tanh(d)$ and $\frac{d}{dd}\tanh d = 1 - t^2$:
#
# | gradient | reasoning | formula |
# |---|---|---|
# | $\partial L/\partial t$ | $L = t\,a$, so the other factor | $a$ |
# | $\partial L/\partial d$ | through $t$; tanh's slope is $1 - t^2$ | $a\,(1 - t^2)$ |
# | $\partial L/\partial e$ | $d = e + c$: a sum passes the gradient through unchanged | $a\,(1 - t^2)$ |
# | $\partial L/\partial c$ | same sum, other input | $a\,(1 - t^2)$ |
# | $\partial L/\partial b$ | $e = a\,b$: multiply by the other factor, $a$ | $a\,(1 - t^2)\cdot a$ |
# | $\partial L/\partial a$ | **two paths**: through $e$ (factor $b$) and directly through $L$ (factor $t$) | $a\,(1 - t^2)\,b + t$ |
#
# The same six formulas as code, one lambda per row of the table, each a function of the forward
# values `v` by label (the form `check_derivation` takes below). They are evaluated with plain
# Python floats, not with `Value`, so they are an independent check. The finite-difference
# column nudges one input by $\pm h$ and measures how much $L$ moves:
# $(L(x + h) - L(x - h)) / 2h$. We get it from `gradcheck`.

# %%
formulas = {
    "dL/dt": lambda v: v["a"],                                   # a
    "dL/dd": lambda v: v["a"] * (1 - v["t"] ** 2),               # a (1 - t^2)
    "dL/de": lambda v: v["a"] * (1 - v["t"] ** 2),               # a (1 - t^2)
    "dL/dc": lambda v: v["a"] * (1 - v["t"] ** 2),               # a (1 - t^2)
    "dL/db": lambda v: v["a"] * (1 - v["t"] ** 2) * v["a"],      # a (1 - t^2) a
    "dL/da": lambda v: v["a"] * (1 - v["t"] ** 2) * v["b"] + v["t"],  # a (1 - t^2) b + t
}
A, B, C = a.data, b.data, c.data
forward_values = {"a": A, "b": B, "c": C, "t": math.tanh(A * B + C)}
hand = {name[len("dL/d"):]: f(forward_values) for name, f in formulas.items()}
engine = {"t": t.grad, "d": d.grad, "e": e.grad, "c": c.grad, "b": b.grad, "a": a.grad}
T = forward_values["t"]

# Finite differences for the three leaves (interior nodes cannot be nudged from outside).
check = gradcheck(lambda a, b, c: (a * b + c).tanh() * a, [a, b, c])
numeric = {row.name: row.numeric for row in check.rows}


def table(rows):
    lines = ["| gradient | by hand | engine | finite difference |", "|---|---:|---:|---:|"]
    for name, h, g, n in rows:
        fd = "" if n is None else f"{n:.9f}"
        lines.append(f"| dL/d{name} | {h:.9f} | {g:.9f} | {fd} |")
    return Markdown("\n".join(lines))


display(table([(k, hand[k], engine[k], numeric.get(k)) for k in hand]))

for k in hand:
    assert math.isclose(hand[k], engine[k], rel_tol=1e-12, abs_tol=1e-15), k
for k in numeric:
    assert math.isclose(numeric[k], engine[k], rel_tol=1e-6), k

# %% [markdown]
# All three agree. The finite differences match to about eight digits, which is what central
# differences with $h = 10^{-6}$ can deliver in double precision; the hand formulas match the
# engine to the last digit or two, because they are the same products (only the order of
# rounding can differ).
#
# ## Why dL/da is a sum
#
# `explain` lists every path from `a` to `L` and the local derivatives along it. The gradient
# is the sum over paths of the product along each path. That is the multivariable chain rule,
# and it is all that `backward` does, organised so that shared sub-paths are computed once.

# %%
why = explain(L, a)
why

# %%
print(why)
assert math.isclose(why.total, a.grad, rel_tol=1e-12)
assert len(why.paths) == 2

# %% [markdown]
# ## Exploring the graph
#
# `explore(L)` puts this graph into one interactive page. Click a value: the panel shows its data,
# its gradient, the local derivatives to its inputs and the same `explain` text as above, and its
# paths light up on the graph (click `a`: two paths). Press **next** or → (after clicking the
# page) to watch backward fill the gradients in, one node at a time; a grey dashed box has no
# gradient yet, which is not the same as a gradient of 0. Scroll to zoom, drag to pan.
# `.save("L.html")` writes the page as one file that any browser opens, without a network or an
# install. (If nothing shows below, the notebook is not trusted: run the cell.)

# %%
from autograd.viz import explore

explore(L, title="L = tanh(a*b + c) * a: click a value, press next to step backward")

# %% [markdown]
# ## Letting the engine check a hand derivation
#
# A classic slip is to follow only one path. Suppose we had written
# $\partial L/\partial a = a\,(1 - t^2)\,b$ and forgotten the direct path through $L = t\,a$.
# `check_derivation` takes what we believe, node by node, compares it with the engine in backward
# order (from the output towards the inputs), and stops at the first node where they part ways,
# showing the chain-rule terms that the engine added up there.
#
# Hand values can be numbers or formulas of the forward values: a function that receives the
# forward values by label.

# %%
belief = {
    "dL/dt": lambda v: v["a"],
    "dL/dd": lambda v: v["a"] * (1 - v["t"] ** 2),
    "dL/db": lambda v: v["a"] * (1 - v["t"] ** 2) * v["a"],
    "dL/da": lambda v: v["a"] * (1 - v["t"] ** 2) * v["b"],  # one path forgotten
}
report = check_derivation(L, belief)
print(report)

# %% [markdown]
# The report points at `a`: the engine's value is a sum of two terms, one through `e` and one
# straight from `L`, and our formula holds only the first. Adding the second term, $t$, repairs it.
# Note that `check_derivation` does not touch any `.grad`; it computes its own gradients.

# %%
first = report.first_divergence
assert first is not None and first.node == "a"
assert len(first.factors) == 2
assert math.isclose(first.hand + T, first.engine, rel_tol=1e-12)  # the missing term is t

belief["dL/da"] = lambda v: v["a"] * (1 - v["t"] ** 2) * v["b"] + v["t"]
fixed = check_derivation(L, belief)
print(fixed)
assert fixed.ok

# %% [markdown]
# Side by side, the formula with the forgotten path and the corrected one:
#
# | | $\dfrac{\partial L}{\partial a}$ |
# |---|---|
# | one path (wrong) | $a\,(1 - t^2)\,b$ |
# | both paths (corrected) | $a\,(1 - t^2)\,b + t$ |
#
# ## Exercises
#
# A new output from the same pieces, with $b$ now used twice:
#
# $$K = t\, b = \tanh(a b + c)\, b .$$
#
# **Exercise 1.** What is the number $dK/dc$ at $a = 1.5$, $b = -0.5$, $c = 0.25$?

# %%
K = t * b
K.label = "K"

answer_1 = None  # your number here
grade(answer_1, c, K)

# %% [markdown]
# **Exercise 2.** Write $dK/db$ as a formula of the forward values (`v["a"]`, `v["b"]`,
# `v["t"]`, ...), the way `belief` above does; `check_derivation` grades it. Mind the paths.

# %%
answer_2 = None  # your formula here, e.g. lambda v: ...
grade(answer_2, "dK/db", K)

# %% [markdown]
# ## Solutions
#
# Collapsed: click a cell's left edge (or the "…") to open it. Each must grade `right`
# (`solution=True`).

# %% tags=["solution"] jupyter={"source_hidden": true}
# Exercise 1: one path, K -> t -> d -> c: dK/dt = b, dt/dd = 1 - t^2, dd/dc = 1
answer_1 = b.data * (1 - t.data**2)
grade(answer_1, c, K, solution=True)

# %% tags=["solution"] jupyter={"source_hidden": true}
# Exercise 2: two paths, directly (K = t b, factor t) and through e = a b (b (1 - t^2) a)
answer_2 = lambda v: v["t"] + v["b"] * (1 - v["t"] ** 2) * v["a"]  # noqa: E731
grade(answer_2, "dK/db", K, solution=True)
