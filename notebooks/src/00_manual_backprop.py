# %% [markdown]
# # 0. Backpropagation by hand, as in the lecture
#
# **What this notebook follows:** Andrej Karpathy's lecture *The spelled-out intro to neural
# networks and backpropagation: building micrograd*, in its order and with its numbers: a
# slope measured with a finite difference, $\frac{f(x + h) - f(x)}{h}$; the expression
# $L = (a b + c) f$, whose gradients we fill in by hand, one node at a time, from $L$ back to
# the leaves; the same steps shown by the engine (`backprop_steps`); `L.backward()`; the
# lecture's tanh neuron; and the same numbers from PyTorch.
#
# **Exercises.** Cells marked *Exercise* hold `answer = None`: replace `None` with your number
# and run the cell. `grade` compares it with the engine's gradient and answers `right`, or
# `wrong: expected ...` with a hint for the usual slips (a forgotten path, a sign, a missing
# factor). The solutions are in the last section, **Solutions**, with their code collapsed: try
# first, then click to open them.

# %%
import math

from IPython.display import Markdown, display

from autograd import Value, draw_dot, grad
from autograd.viz import backprop_steps
from exercises import grade

# %% [markdown]
# ## 1. A slope by finite differences
#
# Before any calculus: the derivative of $f$ at $x$ is how much $f$ moves when $x$ moves a little,
# per unit of that little. Nudge $x$ by $h$ and measure:
#
# $$f'(x) \approx \frac{f(x + h) - f(x)}{h}.$$
#
# The lecture's function is $f(x) = 3x^2 - 4x + 5$, at $x = 3$.

# %%
def f(x):
    return 3 * x**2 - 4 * x + 5


x = 3.0
for h in (0.1, 0.01, 0.001, 0.000001):
    print(f"h = {h:<8g} (f(x + h) - f(x)) / h = {(f(x + h) - f(x)) / h:.6f}")

# %% [markdown]
# The numbers settle towards 14 as $h$ shrinks. Calculus gives it exactly:
# $f'(x) = 6x - 4$, and $6 \cdot 3 - 4 = 14$. The one-sided difference is off by about
# $3h$ (half the second derivative, $6$, times $h$); the central difference
# $\frac{f(x + h) - f(x - h)}{2h}$, which the later notebooks use, cancels that error.
#
# **Exercise 1.** What is the slope of $f$ at $x = -3$? Work it out exactly (a finite difference
# only estimates it, and the grader will say so).

# %%
x_value = Value(-3.0, label="x")
y = 3 * x_value**2 - 4 * x_value + 5
y.label = "y"

answer_1 = None  # your number here
grade(answer_1, x_value, y)

# %% [markdown]
# ## 2. Three inputs: $d = a b + c$
#
# With several inputs, nudge one at a time: the others stay where they are. The slope of $d$
# with respect to $a$ is how much $d$ moves per unit nudge of $a$ alone.

# %%
h = 0.0001
a0, b0, c0 = 2.0, -3.0, 10.0
d_before = a0 * b0 + c0
for name, nudged in (("a", (a0 + h, b0, c0)), ("b", (a0, b0 + h, c0)), ("c", (a0, b0, c0 + h))):
    d_after = nudged[0] * nudged[1] + nudged[2]
    print(f"nudge {name}: d goes from {d_before} to {d_after:.6f}, slope {(d_after - d_before) / h:.6f}")

# %% [markdown]
# The slope with respect to $a$ is $-3$, which is $b$: in a product, the slope with respect to
# one factor is the other factor. With respect to $c$ it is $1$: a sum passes a nudge through
# unchanged.
#
# **Exercise 2.** The slope of $d$ with respect to $b$, exactly.

# %%
va, vb, vc = Value(a0, label="a"), Value(b0, label="b"), Value(c0, label="c")
vd = va * vb + vc
vd.label = "d"

answer_2 = None  # your number here
grade(answer_2, vb, vd)

# %% [markdown]
# ## 3. The lecture's expression, backpropagated by hand
#
# $$e = a b, \qquad d = e + c, \qquad L = d\, f,$$
#
# with $a = 2$, $b = -3$, $c = 10$, $f = -2$. Each box in the drawing is a `Value`: its label,
# its data, and its grad, which is not computed yet. (The drawing leaves out the local
# derivatives it can write on the edges: working them out is the exercise.)

# %%
a = Value(2.0, label="a")
b = Value(-3.0, label="b")
c = Value(10.0, label="c")
e = a * b;  e.label = "e"
d = e + c;  d.label = "d"
f = Value(-2.0, label="f")
L = d * f;  L.label = "L"
print(L)
draw_dot(L, edge_labels=False)

# %% [markdown]
# Backpropagation starts at the output: $\frac{dL}{dL} = 1$. Then, one node at a time from $L$
# back to the leaves, each node's gradient is the gradient of the node it feeds times the
# **local derivative** of that one operation:
#
# $$\frac{dL}{d(\text{node})} = \frac{dL}{d(\text{next})} \cdot \frac{\partial(\text{next})}{\partial(\text{node})}.$$
#
# Two local derivatives are all you need here: for $m = x\,y$, $\partial m/\partial x = y$ (the
# other factor); for $s = x + y$, $\partial s/\partial x = 1$.
#
# **Exercise 3.** $L = d\,f$. What is $dL/dd$?

# %%
dL_dd = None  # your number here
grade(dL_dd, d, L)

# %% [markdown]
# **Exercise 4.** And $dL/df$?

# %%
dL_df = None  # your number here
grade(dL_df, f, L)

# %% [markdown]
# **Exercise 5.** $d = e + c$. What is $dL/de$? (Use your $dL/dd$.)

# %%
dL_de = None  # your number here
grade(dL_de, e, L)

# %% [markdown]
# **Exercise 6.** $dL/dc$?

# %%
dL_dc = None  # your number here
grade(dL_dc, c, L)

# %% [markdown]
# **Exercise 7.** $e = a\,b$. What is $dL/da$? (Use your $dL/de$.)

# %%
dL_da = None  # your number here
grade(dL_da, a, L)

# %% [markdown]
# **Exercise 8.** $dL/db$?

# %%
dL_db = None  # your number here
grade(dL_db, b, L)

# %% [markdown]
# ### Checking the hand gradients with finite differences
#
# The lecture checks each hand gradient by nudging one leaf and rerunning the forward pass. The
# table does that for every leaf, with the central difference, next to the engine's gradient
# (`grade` compares with the same numbers).

# %%
def forward(a, b, c, f):
    return (a * b + c) * f


leaves = {"a": 2.0, "b": -3.0, "c": 10.0, "f": -2.0}
nodes = {"a": a, "b": b, "c": c, "f": f}
rows = ["| gradient | engine | finite difference |", "|---|---:|---:|"]
for name in leaves:
    up = forward(**{**leaves, name: leaves[name] + 1e-6})
    down = forward(**{**leaves, name: leaves[name] - 1e-6})
    numeric = (up - down) / 2e-6
    (engine,) = grad(L, nodes[name])  # the engine's dL/d(name); .grad is left as it is
    engine = engine.data
    rows.append(f"| dL/d{name} | {engine:.6f} | {numeric:.6f} |")
    assert math.isclose(numeric, engine, rel_tol=1e-6)
display(Markdown("\n".join(rows)))

# %% [markdown]
# ## 4. A node used twice: add the paths
#
# The lecture's second example uses $a$ twice:
#
# $$d = a\,b, \qquad e = a + b, \qquad f = d\, e,$$
#
# with $a = -2$, $b = 3$. A nudge of $a$ reaches $f$ along two paths, through $d$ and through
# $e$, so $df/da$ is the **sum** of the two chain-rule products. (The first micrograd had a bug
# here: it *set* each gradient instead of adding to it, and kept only one path.)
#
# **Exercise 9.** What is $df/da$?

# %%
a2 = Value(-2.0, label="a")
b2 = Value(3.0, label="b")
d2 = a2 * b2;  d2.label = "d"
e2 = a2 + b2;  e2.label = "e"
f2 = d2 * e2;  f2.label = "f"

df_da = None  # your number here
grade(df_da, a2, f2)

# %% [markdown]
# ## 5. The same steps, shown by the engine
#
# `backprop_steps(L)` runs the same chain rule as `backward`, one node at a time, and keeps
# every step: the equation it computed and a drawing of the graph at that moment. It never
# touches `.grad`. In Jupyter, `steps.widget()` gives a slider and a play button over the
# frames.

# %%
steps = backprop_steps(L)
for step in steps:
    print(step.text)

# %%
try:
    display(steps.widget())  # a slider over the steps (needs ipywidgets)
except ImportError as error:
    print(error)

# %% [markdown]
# Three of the frames, as they are stored with this notebook: the start, the moment $e$'s
# gradient becomes final (orange: the node and the edge just used; pale green: finished nodes),
# and the last step.

# %%
names = [step.node.label for step in steps]
for i in (0, names.index("e"), len(steps) - 1):
    display(steps.graph(i))

# %% [markdown]
# ## 6. `L.backward()`
#
# `backward` does all of it in one call and adds each gradient into the node's `.grad`. Its
# numbers are the steps' numbers, to the last bit.

# %%
L.backward()
for node in (L, d, f, e, c, a, b):
    print(f"dL/d{node.label} = {node.grad:+.4f}")
assert all(node.grad == g for node, g in steps.grads.items())
draw_dot(L)

# %% [markdown]
# ## 7. A neuron
#
# The lecture's neuron: two inputs, two weights, a bias, and $\tanh$:
#
# $$n = x_1 w_1 + x_2 w_2 + b, \qquad o = \tanh(n).$$
#
# The bias $b = 6.8813735870195432$ is chosen so that $o = 1/\sqrt2$. The one new local
# derivative is $\tanh$'s: $\frac{\partial o}{\partial n} = 1 - \tanh^2 n = 1 - o^2$.
#
# **Exercise 10.** What is $do/dn$?

# %%
x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
bias = Value(6.8813735870195432, label="b")
x1w1 = x1 * w1;  x1w1.label = "x1w1"
x2w2 = x2 * w2;  x2w2.label = "x2w2"
n = x1w1 + x2w2 + bias;  n.label = "n"
o = n.tanh();  o.label = "o"
print(f"o = {o.data:.6f}")

do_dn = None  # your number here
grade(do_dn, n, o)

# %% [markdown]
# **Exercise 11.** What is $do/dw_1$? And, while you are at it, why is $do/dw_2$ zero?

# %%
do_dw1 = None  # your number here
grade(do_dw1, w1, o)

# %%
o.backward()
draw_dot(o)

# %% [markdown]
# ## 8. The same numbers from PyTorch
#
# PyTorch builds the same graph from tensors and runs the same chain rule. We use 64-bit floats,
# as `Value` does, so the numbers agree to the last digits. If PyTorch is not installed, this
# section says so and is skipped.

# %%
try:
    import torch
except ImportError:
    torch = None
    print("PyTorch is not installed: this section is skipped (pip install torch to run it).")

if torch is not None:
    def leaf(x):
        return torch.tensor([x], dtype=torch.float64, requires_grad=True)

    ta, tb, tc, tf = leaf(2.0), leaf(-3.0), leaf(10.0), leaf(-2.0)
    tL = (ta * tb + tc) * tf
    tL.backward()
    rows = ["| | PyTorch | chaingrad |", "|---|---:|---:|"]
    for name, t, v in (("dL/da", ta, a), ("dL/db", tb, b), ("dL/dc", tc, c), ("dL/df", tf, f)):
        rows.append(f"| {name} | {t.grad.item():.6f} | {v.grad:.6f} |")
        assert math.isclose(t.grad.item(), v.grad, rel_tol=1e-12)

    tx1, tx2, tw1, tw2, tbias = leaf(2.0), leaf(0.0), leaf(-3.0), leaf(1.0), leaf(6.8813735870195432)
    to = torch.tanh(tx1 * tw1 + tx2 * tw2 + tbias)
    to.backward()
    for name, t, v in (("do/dx1", tx1, x1), ("do/dw1", tw1, w1), ("do/dx2", tx2, x2),
                       ("do/dw2", tw2, w2), ("do/db", tbias, bias)):
        rows.append(f"| {name} | {t.grad.item():.6f} | {v.grad:.6f} |")
        assert math.isclose(t.grad.item(), v.grad, rel_tol=1e-12, abs_tol=1e-15)
    print(f"PyTorch {torch.__version__}: o = {to.item():.6f}")
    display(Markdown("\n".join(rows)))

# %% [markdown]
# Next: notebook 1 writes these gradients as formulas and lets `check_derivation` find a
# forgotten path; notebook 7 opens the engine's code and follows one backward pass through it.
#
# ## Solutions
#
# Each solution is graded like an answer (`solution=True` makes the cell fail unless it grades
# `right`). Their code is collapsed: click a cell's left edge (or the "…") to open it.

# %% tags=["solution"] jupyter={"source_hidden": true}
# Exercise 1: f'(x) = 6x - 4
answer_1 = 6 * -3.0 - 4
grade(answer_1, x_value, y, solution=True)

# %% tags=["solution"] jupyter={"source_hidden": true}
# Exercise 2: d = a b + c, so the slope with respect to b is the other factor, a
answer_2 = va.data
grade(answer_2, vb, vd, solution=True)

# %% tags=["solution"] jupyter={"source_hidden": true}
# Exercise 3: L = d f, so dL/dd = f
dL_dd = f.data
grade(dL_dd, d, L, solution=True)

# %% tags=["solution"] jupyter={"source_hidden": true}
# Exercise 4: dL/df = d
dL_df = d.data
grade(dL_df, f, L, solution=True)

# %% tags=["solution"] jupyter={"source_hidden": true}
# Exercise 5: d = e + c passes the gradient through: dL/de = dL/dd * 1
dL_de = dL_dd * 1.0
grade(dL_de, e, L, solution=True)

# %% tags=["solution"] jupyter={"source_hidden": true}
# Exercise 6: likewise dL/dc = dL/dd * 1
dL_dc = dL_dd * 1.0
grade(dL_dc, c, L, solution=True)

# %% tags=["solution"] jupyter={"source_hidden": true}
# Exercise 7: e = a b, so dL/da = dL/de * b
dL_da = dL_de * b.data
grade(dL_da, a, L, solution=True)

# %% tags=["solution"] jupyter={"source_hidden": true}
# Exercise 8: dL/db = dL/de * a
dL_db = dL_de * a.data
grade(dL_db, b, L, solution=True)

# %% tags=["solution"] jupyter={"source_hidden": true}
# Exercise 9: two paths, through d (df/dd * b = e * b) and through e (df/de * 1 = d)
df_da = e2.data * b2.data + d2.data * 1.0
grade(df_da, a2, f2, solution=True)

# %% tags=["solution"] jupyter={"source_hidden": true}
# Exercise 10: do/dn = 1 - o^2
do_dn = 1 - o.data**2
grade(do_dn, n, o, solution=True)

# %% tags=["solution"] jupyter={"source_hidden": true}
# Exercise 11: do/dw1 = do/dn * x1 (the sums pass do/dn through; x1 w1 gives the other factor).
# do/dw2 = do/dn * x2 = 0: an input of 0 cannot be made to matter by changing its weight.
do_dw1 = do_dn * x1.data
grade(do_dw1, w1, o, solution=True)
