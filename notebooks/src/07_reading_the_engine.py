# %% [markdown]
# # 7. Reading the engine
#
# **What this notebook follows:** the engine's own code, the way the micrograd lecture builds
# its `Value`: an operation that records how its result was made, the local derivative of each
# operation, and a loop that walks the graph backwards applying the chain rule. Here those three
# live in three files, and we open each with `inspect.getsource`, so what you read is exactly
# what runs:
#
# | file | what it holds | opened below |
# |---|---|---|
# | `autograd/value.py` | `Value`: data, grad, and the rule and operands that made it | `Value.__mul__`, `Value.tanh` |
# | `autograd/rules.py` | the table of primitives: each one's forward and local derivatives | `RULES["tanh"]` |
# | `autograd/graph.py` | the one reader of a node's operands: `edges`, `topological_order` | `edges` |
# | `autograd/backward.py` | the reverse pass, a dozen lines | `backpropagate` |
#
# Then we follow one backward pass, the lecture's tanh neuron, through that loop, printing each
# node as the loop reaches it and each edge's local derivative. Exercises are at the end, graded
# by `grade` (`right`, or `wrong` with a hint); the solutions follow them, collapsed.

# %%
import inspect
import math

import autograd
from IPython.display import Markdown, display

from autograd import RULES, Value, backpropagate, edges, topological_order
from autograd.rules import rename
from exercises import grade


def show_source(obj):
    """Print an object's source with the file and first line it comes from."""
    lines, start = inspect.getsourcelines(obj)
    path = inspect.getsourcefile(obj).split("autograd", 1)[-1]
    print(f"# autograd{path}, line {start}")
    print("".join(lines))


# %% [markdown]
# ## 1. `Value`: an operation records how its result was made
#
# `a * b` calls `Value.__mul__`. It computes the product, and makes a new node that remembers
# three things: the product (`data`), the rule that made it (`_rule`, the table's `mul` entry)
# and its two operands (`_a`, `_b`). Notice what is *not* there: no derivative, no closure. The
# derivative is in the table.

# %%
show_source(Value.__mul__)

# %% [markdown]
# `__mul__` is one of the few hot operators written out in full (a generator writes them from the
# table, so they run fast and a debugger can step into them). The others are one line: they hand
# their rule to `_record`, which does the same as the body above.

# %%
show_source(Value.tanh)
show_source(autograd.value._record)

# %% [markdown]
# ## 2. One rule of the table: `tanh`
#
# `RULES` maps a name to a `Rule`. A rule's derivatives are short formulas in `a` and `b` (the
# operands) and `out` (the result). `tanh` reuses its output, as the lecture does:
# $\frac{\partial}{\partial a}\tanh a = 1 - \tanh^2 a = 1 - \text{out}^2$.

# %%
rule = RULES["tanh"]
print(f"name        {rule.name!r}")
print(f"arity       {rule.arity}")
print(f"derivatives {rule.derivatives}   # d out / d a")
source = inspect.getsource(autograd.rules).splitlines()
line = next(i for i, text in enumerate(source, start=1) if 'Rule("tanh"' in text)
print(f"\n# autograd/rules.py, line {line}, the table entry:\n{source[line - 1].strip()}")

# %% [markdown]
# The formula string becomes real Python in a generated file, `autograd/_generated/formulas.py`,
# so it can be opened too. It is called with floats by `backward`, and with Values for higher
# derivatives:

# %%
show_source(autograd._generated.formulas.tanh_da)
print("every rule and its local derivatives:")
for name, r in RULES.items():
    print(f"  {name:<8} " + ",  ".join(f"d out/d {'ab'[i]} = {d}" for i, d in enumerate(r.derivatives)))

# %% [markdown]
# ## 3. The graph reader: `edges`
#
# `edges(node)` is the one function that reads a node's operands. For each operand that is a
# `Value` it gives an `Edge`: the operand, the rule, which derivative applies (`side` 0 for
# $\partial/\partial a$, 1 for $\partial/\partial b$), and `local()`, that derivative evaluated at
# this node's numbers. Constants get no edge: no gradient flows into a number.

# %%
show_source(autograd.graph.edges)

# %% [markdown]
# ## 4. The reverse loop
#
# `backpropagate` is the whole algorithm. `topological_order(root)` lists every node after the
# nodes it was made from; walking it **reversed** reaches each node only after every node that
# uses it, so its gradient is complete when the loop gets there. At each node the loop passes
# `g * local` into each operand, **adding** to what that operand already has: a value used
# twice gets both shares.

# %%
show_source(backpropagate)

# %% [markdown]
# `backward` (what `L.backward()` calls) runs the same loop through a copy written out from the
# table (`autograd/_generated/reverse.py`) and adds the results into `.grad`; it gives the same
# numbers, bit for bit, as we check below.
#
# ## 5. One backward pass, followed through the loop
#
# The lecture's neuron, built from single operations so every step is visible:
# $n = x_1 w_1 + x_2 w_2 + b$, $o = \tanh(n)$.

# %%
x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
b = Value(6.8813735870195432, label="b")
x1w1 = x1 * w1;  x1w1.label = "x1w1"
x2w2 = x2 * w2;  x2w2.label = "x2w2"
s = x1w1 + x2w2;  s.label = "s"
n = s + b;  n.label = "n"
o = n.tanh();  o.label = "o"

order = topological_order(o)
print("topological order:", ", ".join(node.label for node in order))
print("reversed, as the loop walks it:", ", ".join(node.label for node in reversed(order)))

# %% [markdown]
# The same loop as `backpropagate`, with a `print` at each node and at each edge. Each edge's
# local derivative is shown as the rule writes it (in `a`, `b`, `out`), then with the node
# names put in (`rules.rename`), then as a number:

# %%
grads = {o: 1.0}
for node in reversed(order):
    g = grads[node]
    made_by = node.rule.name if node.rule else "leaf"
    print(f"{node.label:<5} [{made_by}]  do/d{node.label} = {g:+.4f}")
    for edge in edges(node):
        local = edge.local()
        contribution = g * local
        total = grads.get(edge.operand)
        grads[edge.operand] = contribution if total is None else total + contribution
        named = rename(edge.formula, a=edge.a.label, b=getattr(edge.b, "label", ""), out=node.label)
        where = "" if named == edge.formula else f" = {named}"
        print(f"        -> {edge.operand.label:<5} ∂{node.label}/∂{edge.operand.label} = {edge.formula}{where}"
              f" = {local:+.4f};  passes {g:+.4f} * {local:+.4f} = {contribution:+.4f}")

# %% [markdown]
# Read it from the top: the seed $do/do = 1$; `tanh` passes $1 \cdot (1 - o^2) = 0.5$ to $n$;
# each `add` passes its gradient through unchanged ($\partial/\partial a = 1$); each `mul`
# passes it times the *other* operand, so $x_1 w_1$ gives $w_1$ the factor $x_1 = 2$ and $x_1$
# the factor $w_1 = -3$. The leaves pass nothing on.
#
# The loop's numbers are `backpropagate`'s and, after `o.backward()`, the numbers in `.grad`:

# %%
engine = backpropagate(o)
o.backward()
for node in order:
    assert grads[node] == engine[node] == node.grad, node.label
print("  ".join(f"do/d{node.label} = {node.grad:+.4f}" for node in order if node.rule is None))

# %% [markdown]
# ### A finite-difference check
#
# The notebooks' usual third witness: nudge each leaf by $\pm h$, rerun the forward pass with
# floats, and compare the slope with the loop's gradient.

# %%
def forward(x1, x2, w1, w2, b):
    return math.tanh(x1 * w1 + x2 * w2 + b)


leaves = {"x1": x1, "x2": x2, "w1": w1, "w2": w2, "b": b}
values = {k: v.data for k, v in leaves.items()}
rows = ["| gradient | the loop | finite difference |", "|---|---:|---:|"]
for name, leaf in leaves.items():
    h = 1e-6
    numeric = (forward(**{**values, name: values[name] + h}) - forward(**{**values, name: values[name] - h})) / (2 * h)
    rows.append(f"| do/d{name} | {grads[leaf]:+.8f} | {numeric:+.8f} |")
    assert math.isclose(numeric, grads[leaf], rel_tol=1e-6, abs_tol=1e-9)
display(Markdown("\n".join(rows)))

# %% [markdown]
# ## Exercises
#
# **Exercise 1.** The `tanh` rule's local derivative is `1.0 - out * out`. At the neuron above,
# `out` is $o = 0.7071$. What number does `edge.local()` return for the edge from $o$ to $n$?
# (The grader compares it with the derivative of a fresh `tanh` node at the same $n$.)

# %%
n_alone = Value(n.data, label="n")
o_alone = n_alone.tanh()
o_alone.label = "o"

answer_1 = None  # your number here
grade(answer_1, n_alone, o_alone)

# %% [markdown]
# **Exercise 2.** In $y = x \cdot x + x$, how many times does the loop add a contribution into
# `grads[x]`? (Look at what `edges` gives for a node whose two operands are the same `Value`.)

# %%
x = Value(3.0, label="x")
xx = x * x;  xx.label = "xx"
y = xx + x;  y.label = "y"

answer_2 = None  # your number here
grade(answer_2, expected=sum(edge.operand is x for node in topological_order(y) for edge in edges(node)))

# %% [markdown]
# **Exercise 3.** And what does the loop leave in `grads[x]`, that is, $dy/dx$ at $x = 3$?

# %%
answer_3 = None  # your number here
grade(answer_3, x, y)

# %% [markdown]
# **Exercise 4.** A rule as a formula. The sigmoid's entry in the table writes its derivative
# with `out`, as `tanh` does. Write $\partial s/\partial z$ for $s = \sigma(z)$ as a formula of the
# forward values, `lambda v: ...` with `v["s"]` (and `v["z"]` if you like); `check_derivation`
# grades it.

# %%
z = Value(0.4, label="z")
sig = z.sigmoid()
sig.label = "s"

answer_4 = None  # your formula here, e.g. lambda v: ...
grade(answer_4, "ds/dz", sig)

# %% [markdown]
# ## Solutions
#
# Collapsed; click a cell's left edge (or the "…") to open it. Each one must grade `right`
# (`solution=True`), so the stored notebook shows that it does.

# %% tags=["solution"] jupyter={"source_hidden": true}
# Exercise 1: the rule's formula with out = o
answer_1 = 1.0 - o.data * o.data
grade(answer_1, n_alone, o_alone, solution=True)

# %% tags=["solution"] jupyter={"source_hidden": true}
# Exercise 2: x * x gives two edges into x (side 0 and side 1: d/da = b and d/db = a), + gives one.
print([(edge.node.label, edge.side, edge.formula) for node in topological_order(y) for edge in edges(node)
       if edge.operand is x])
answer_2 = 3
grade(answer_2, expected=sum(edge.operand is x for node in topological_order(y) for edge in edges(node)),
      solution=True)

# %% tags=["solution"] jupyter={"source_hidden": true}
# Exercise 3: 1 * x (from side 0) + 1 * x (from side 1) + 1 (from the add) = 2x + 1 = 7
answer_3 = 2 * x.data + 1
grade(answer_3, x, y, solution=True)

# %% tags=["solution"] jupyter={"source_hidden": true}
# Exercise 4: sigma'(z) = sigma(z) (1 - sigma(z)) = out (1 - out)
answer_4 = lambda v: v["s"] * (1 - v["s"])  # noqa: E731
grade(answer_4, "ds/dz", sig, solution=True)
