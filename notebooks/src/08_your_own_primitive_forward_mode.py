# %% [markdown]
# # 8. More math from the same table: your own primitive, forward mode
#
# **What this notebook follows:** the engine's rule table, seen from outside. Every operation of
# the engine is one entry: a forward on floats and one local derivative per operand. Notebook 7
# opened that table; here we use it in three new ways:
#
# 1. **Your own primitive.** `autograd.primitive(name, forward, derivatives)` adds an entry
#    without editing the library (HIPS autograd's `primitive`/`defvjp`, JAX's `custom_jvp`,
#    PyTorch's `autograd.Function`). We define `my_softplus`, differentiate it three times,
#    check every order against calculus, finite differences and PyTorch, and watch it appear in
#    the drawing, `explain`, replay and `gradcheck` with no code of its own there.
# 2. **Forward mode.** Reverse mode (`backward`, `grad`) passes one output's gradient back to
#    every input. Forward mode (`jvp`) pushes one input's derivative forward to every node. Both
#    read the same local derivatives, `edge.local()`, and multiply them from opposite ends; what
#    differs is how many passes you need. Then `jacobian` and `hessian`.
# 3. **Several classes.** `nn.softmax` and `nn.cross_entropy` on three logits, and the gradient
#    $\text{softmax}(z) - \text{onehot}(t)$ checked by hand.
#
# Exercises are at the end, graded by `grade` (`right`, or `wrong` with a hint); the solutions
# follow them, collapsed.

# %%
import math
import random
import time

from IPython.display import Markdown, display

import autograd
import nn
from autograd import Value, draw_dot, edges, explain, grad, gradcheck, hessian, jacobian, jvp, record
from autograd import topological_order
from exercises import grade


def table(header, rows):
    """A Markdown table from a header row and rows of cells."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    display(Markdown("\n".join(lines)))


# %% [markdown]
# ## 1. Your own primitive: `my_softplus`
#
# $\text{softplus}(a) = \log(1 + e^a)$ is a smooth ReLU. Its derivative is the sigmoid,
# $\sigma(a) = 1 / (1 + e^{-a})$, and the sigmoid's derivative is $\sigma(1 - \sigma)$, written
# with its output as the table writes it.
#
# A primitive is three things, side by side as in `rules.py`:
#
# * a **name** (how the node is drawn and how replay's code calls it),
# * a **forward** on floats: here the stable form $\max(a, 0) + \log(1 + e^{-|a|})$, which never
#   takes `exp` of a positive number, so $a = 1000$ is fine where $\log(1 + e^{1000})$ overflows,
# * one **derivative per operand**, called as `d(a, out)`: $a$ the operand, `out` the result.
#
# The derivative is called with floats by `backward` and with Values by
# `grad(..., create_graph=True)`, which records it as a graph so it can be differentiated again.
# So it must be written with operators, Value methods or other primitives, never with `math.*`
# (which would read a Value's number and turn it into a constant). Here softplus's derivative
# is another primitive, `my_sigmoid`, whose derivative is written with `out` and `*`:

# %%
def sigmoid(a: float) -> float:
    """1 / (1 + e^-a) on floats, taking exp only of a number <= 0 (stable on both sides)."""
    return 1.0 / (1.0 + math.exp(-a)) if a >= 0.0 else math.exp(a) / (1.0 + math.exp(a))


def softplus(a: float) -> float:
    """log(1 + e^a) on floats: max(a, 0) + log1p(e^-|a|)."""
    return max(a, 0.0) + math.log1p(math.exp(-abs(a)))


my_sigmoid = autograd.primitive(
    "my_sigmoid", sigmoid,
    (lambda a, out: out * (1.0 - out),),   # dσ/da = σ (1 - σ), with the output
    symbol="σ",
)
my_softplus = autograd.primitive(
    "my_softplus", softplus,
    (lambda a, out: my_sigmoid(a),),        # d softplus/da = σ(a): a primitive, so it works on Values too
    note="log(1 + e^a), computed as max(a, 0) + log1p(e^-|a|); its derivative is sigmoid(a)",
)
print(my_softplus)
print("on a float:", my_softplus(1.0), "  the same as math.log(1 + math.exp(1)):", math.log(1 + math.exp(1.0)))
print("on a Value:", my_softplus(Value(1.0)))
print("stable:    ", my_softplus(1000.0), my_softplus(-1000.0))

# %% [markdown]
# ### Three derivatives, checked three ways
#
# `grad(f)` turns a function into its gradient function; given a Value it returns a Value wired
# into the graph, so `grad` of `grad` is the second derivative, and so on. `derivative(f)` below
# is the one-argument version, $f \mapsto f'$:

# %%
def derivative(f):
    """x -> f'(x), by grad(f): itself differentiable, so derivative(derivative(f)) is f''."""
    return lambda x: grad(f)(x)[0]


f0 = my_softplus
f1 = derivative(f0)
f2 = derivative(f1)
f3 = derivative(f2)
x0 = 0.3
print([f(x0) for f in (f0, f1, f2, f3)])

# %% [markdown]
# By hand, with $s = \sigma(x)$:
#
# $$\text{softplus}' = s, \qquad \text{softplus}'' = s(1 - s), \qquad
#   \text{softplus}''' = s(1 - s)(1 - 2s)$$
#
# (the third from the product rule and $s' = s(1-s)$:
# $\frac{d}{dx}(s - s^2) = s' - 2 s s' = s(1 - s)(1 - 2s)$). And a finite-difference column
# that knows no calculus: each derivative against the central difference of the one before,
# $f^{(k)}(x) \approx \big(f^{(k-1)}(x + h) - f^{(k-1)}(x - h)\big) / 2h$.

# %%
s = sigmoid(x0)
hand = [softplus(x0), s, s * (1 - s), s * (1 - s) * (1 - 2 * s)]
engine = [f(x0) for f in (f0, f1, f2, f3)]
h = 1e-5
finite = [None] + [(f(x0 + h) - f(x0 - h)) / (2 * h) for f in (f0, f1, f2)]
rows = []
for k in range(4):
    assert math.isclose(engine[k], hand[k], rel_tol=1e-13, abs_tol=1e-15), k
    if k:
        assert math.isclose(engine[k], finite[k], rel_tol=1e-7, abs_tol=1e-9), k
    rows.append([f"$f^{{({k})}}({x0})$", f"{engine[k]:+.15f}", f"{hand[k]:+.15f}",
                 "" if finite[k] is None else f"{finite[k]:+.10f}"])
table(["", "engine (grad of grad)", "by hand", "finite difference of the one before"], rows)

# %% [markdown]
# PyTorch in float64 as a second, independent reference (skipped, with a note, if it is not
# installed): `torch.autograd.grad(..., create_graph=True)` three times on its own `softplus`.

# %%
try:
    import torch
except ImportError:
    torch = None
    print("PyTorch is not installed: this comparison is skipped (pip install torch to run it).")

if torch is not None:
    t = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
    y = torch.nn.functional.softplus(t)
    reference = [y.item()]
    for _ in range(3):
        (y,) = torch.autograd.grad(y, t, create_graph=True)
        reference.append(y.item())
    for k in range(4):
        assert math.isclose(engine[k], reference[k], rel_tol=1e-12, abs_tol=1e-15), k
    table(["", "chaingrad", f"PyTorch {torch.__version__} (float64)"],
          [[f"$f^{{({k})}}({x0})$", f"{engine[k]:+.15f}", f"{reference[k]:+.15f}"] for k in range(4)])

# %% [markdown]
# ### Drawn, with its local derivative on the edge
#
# A neuron with softplus as its activation, $y = \text{softplus}(w x + b)$. The drawing knows
# nothing about `my_softplus`, yet labels its edge with the local derivative
# $\partial y / \partial z = \sigma(z)$, because it reads every node through the same
# `graph.edges` as `backward`:

# %%
w, x, b = Value(-1.5, label="w"), Value(0.8, label="x"), Value(0.4, label="b")
wx = w * x;  wx.label = "wx"
z = wx + b;  z.label = "z"
y = my_softplus(z);  y.label = "y"
y.backward()
print(f"∂y/∂z = σ(z) = {sigmoid(z.data):.4f}")
draw_dot(y)

# %% [markdown]
# Why higher derivatives work: the derivative is itself a graph. `grad(..., create_graph=True)`
# calls `my_softplus`'s derivative with Values, so $dy/dz$ comes out as $1.0 \cdot \sigma(z)$
# (the seed times the local derivative): a `my_sigmoid` node, drawn σ, whose own edge carries
# its derivative $\sigma(1 - \sigma) = 0.2139$, ready for the next `grad`:

# %%
(dy_dz,) = grad(y, z, create_graph=True)
dy_dz.label = "dy/dz"
draw_dot(dy_dz, grads=False)

# %% [markdown]
# ### `explain`: one path through it
#
# $dy/dw$ is one path, $w \to wx \to z \to y$: the product of three local derivatives, the
# first of them `my_softplus`'s.

# %%
why = explain(y, w)
print(why)
assert math.isclose(why.total, sigmoid(z.data) * 1.0 * x.data, rel_tol=1e-15)
why

# %% [markdown]
# ### Recorded and replayed
#
# `record` writes the graph out as straight-line Python, run again on new numbers without
# building nodes. The code calls `P_my_softplus` for the forward and `my_softplus_da(a, out)`
# for the derivative: the same two functions we gave `primitive`.

# %%
tape = record(lambda x: my_softplus(w * x + b), [0.8])
print(tape.source)
for x_new in (0.8, -2.0, 3.0):
    out = tape.forward([x_new])
    (dx,) = tape.backward()
    z_new = w.data * x_new + b.data
    assert math.isclose(out, softplus(z_new), rel_tol=1e-15)
    assert math.isclose(dx, sigmoid(z_new) * w.data, rel_tol=1e-15)
    print(f"x = {x_new:+.1f}: y = {out:.6f}, dy/dx = {dx:+.6f} = σ(z) w = {sigmoid(z_new) * w.data:+.6f}")

# %% [markdown]
# ### `gradcheck`
#
# The engine's gradient with respect to each input against a central finite difference, here
# for $\text{softplus}(w x + b) \cdot x$ (so $x$ has two paths):

# %%
report = gradcheck(lambda w, x, b: my_softplus(w * x + b) * x, [-1.5, 0.8, 0.4])
print(report)
assert report.ok

# %% [markdown]
# ### Outside the domain: a clear error
#
# `softplus` is defined everywhere; a logarithm is not. A primitive's forward that fails is
# re-raised naming the operation and the operand, for a Value as for a float:

# %%
my_log = autograd.primitive("my_log", math.log, (lambda a, out: 1.0 / a,), note="defined for a > 0")
print("my_log(Value(2.0)) =", my_log(Value(2.0)))
for bad in (Value(-1.0), 0.0):
    try:
        my_log(bad)
    except ValueError as error:
        print(f"{type(error).__name__}: {error}")

# %% [markdown]
# And the slip the conventions warn about: a derivative written with `math.cos` works for the
# first derivative (floats) but would give a wrong second one, since on a Value it reads the
# number and returns a constant. The engine notices and refuses it:

# %%
my_sin_wrong = autograd.primitive("my_sin_wrong", math.sin, (lambda a, out: math.cos(a),))
print("first derivative, floats:", grad(my_sin_wrong)(1.0), "  cos(1) =", math.cos(1.0))
try:
    derivative(derivative(my_sin_wrong))(1.0)
except TypeError as error:
    print(f"TypeError: {error}")

# %% [markdown]
# ## 2. Forward mode and reverse mode on the same graph
#
# One graph, three inputs, one output:
#
# $$u = x y, \qquad s = \sin u, \qquad w = x z, \qquad f = s + w$$
#
# By hand: $\dfrac{\partial f}{\partial x} = y \cos(xy) + z$, $\dfrac{\partial f}{\partial y}
# = x \cos(xy)$, $\dfrac{\partial f}{\partial z} = x$.

# %%
def f(x, y, z):
    u = x * y;     u.label = "u"
    s = u.sin();   s.label = "s"
    w = x * z;     w.label = "w"
    out = s + w;   out.label = "f"
    return out


point = (0.5, 2.0, -1.0)
px, py, pz = point
by_hand = [py * math.cos(px * py) + pz, px * math.cos(px * py), px]
print("by hand:", by_hand)

# %% [markdown]
# **Forward mode**, `jvp(f, primals, tangents)`: the derivative of $f$ along one direction of
# the inputs, $\sum_i \frac{\partial f}{\partial x_i} t_i$. With a unit tangent
# ($t = (1, 0, 0)$: move $x$ only) it is one partial derivative, so the gradient takes **three
# forward passes**:

# %%
forward_mode = []
for i, name in enumerate("xyz"):
    tangent = [0.0, 0.0, 0.0]
    tangent[i] = 1.0
    value, df = jvp(f, point, tangent)
    forward_mode.append(df)
    print(f"pass {i + 1}: jvp(f, {point}, {tuple(tangent)}) = ({value:.6f}, {df:+.6f})   df/d{name}")

# %% [markdown]
# **Reverse mode**, `grad(f)`: **one pass** back from $f$ gives all three.

# %%
reverse_mode = grad(f)(*point)
print(f"one pass: grad(f){point} = {reverse_mode}")
table(["", "forward (3 passes)", "reverse (1 pass)", "by hand"],
      [[f"df/d{n}", f"{a:+.15f}", f"{b:+.15f}", f"{c:+.15f}"]
       for n, a, b, c in zip("xyz", forward_mode, reverse_mode, by_hand)])
for a, b, c in zip(forward_mode, reverse_mode, by_hand):
    assert math.isclose(a, b, rel_tol=1e-15, abs_tol=1e-15) and math.isclose(b, c, rel_tol=1e-15)

# %% [markdown]
# ### The same local derivatives
#
# Both modes read the edges of the graph. `edges(node)` gives each operand with its local
# derivative, the rule's formula (in `a`, `b`, `out`) and `edge.local()`, its number here:

# %%
x, y, z = (Value(v, label=n) for v, n in zip(point, "xyz"))
out = f(x, y, z)
order = topological_order(out)
for node in order:
    for edge in edges(node):
        print(f"∂{node.label}/∂{edge.operand.label} = {edge.formula:<7} = {edge.local():+.4f}   ({node.rule.name})")

# %% [markdown]
# Now both loops, written out, printing what they multiply. **Reverse** (`adjoint` below): walk
# the topological order backwards from the seed $df/df = 1$, passing
# $df/d\text{node} \cdot \partial \text{node} / \partial \text{operand}$ into each operand, added
# to what it has (as `backpropagate` in notebook 7). **Forward** (`tangent` below): walk it
# forwards from the seed $dx/dx = 1$ (moving $x$ only), giving each node
# $d\text{node}/dx = \sum \partial \text{node} / \partial \text{operand} \cdot d\text{operand}/dx$
# over its operands (as `jvp` does).

# %%
print("reverse: one pass, from f back to every input")
adjoint = {out: 1.0}
for node in reversed(order):
    for edge in edges(node):
        share = adjoint[node] * edge.local()
        adjoint[edge.operand] = adjoint.get(edge.operand, 0.0) + share
        print(f"  df/d{node.label} · ∂{node.label}/∂{edge.operand.label} = {adjoint[node]:+.4f} · {edge.local():+.4f}"
              f" = {share:+.4f}   added to df/d{edge.operand.label}, now {adjoint[edge.operand]:+.4f}")

print("\nforward: one pass, from x forward to every node")
tangent = {x: 1.0}
for node in order:
    terms = [(edge, tangent[edge.operand]) for edge in edges(node) if edge.operand in tangent]
    if node in tangent or not terms:
        continue
    tangent[node] = sum(edge.local() * t for edge, t in terms)
    names = " + ".join(f"∂{node.label}/∂{e.operand.label} · d{e.operand.label}/dx" for e, _ in terms)
    numbers = " + ".join(f"{e.local():+.4f} · {t:+.4f}" for e, t in terms)
    print(f"  d{node.label}/dx = {names} = {numbers} = {tangent[node]:+.4f}")

assert [adjoint[v] for v in (x, y, z)] == reverse_mode
assert tangent[out] == forward_mode[0]

# %% [markdown]
# The same four local derivatives build $df/dx$ both ways, on its two paths:
#
# $$\frac{df}{dx} = \underbrace{\frac{\partial f}{\partial s}\,\frac{\partial s}{\partial u}\,
#   \frac{\partial u}{\partial x}}_{\text{through } u,\,s} + \underbrace{\frac{\partial f}{\partial w}\,
#   \frac{\partial w}{\partial x}}_{\text{through } w}$$
#
# Reverse mode multiplies each path from the left, starting at $f$ ($1 \cdot \cos u$, then
# $\cdot\, y$); forward mode from the right, starting at $x$ ($y$, then $\cdot \cos u$, then
# $\cdot\, 1$). `explain` lists the paths:

# %%
print(explain(out, x))

# %% [markdown]
# What reverse mode carries back is $df/d\text{node}$: one output, every node. What forward mode
# carries forward is $d\text{node}/dx$: one input, every node. So reverse mode's pass ends with
# all three inputs' derivatives and forward mode's with one.
#
# ### Counting passes: one loss, many parameters
#
# Training needs $dL/dp$ for every parameter $p$ of one loss $L$. Reverse mode: **1 pass**.
# Forward mode: one pass per parameter, **$n$ passes**. For an MLP with two hidden layers of
# 16 neurons:

# %%
model = nn.MLP(2, [16, 16, 1], rng=random.Random(0))
params = model.parameters()
n = len(params)
print(f"nn.MLP(2, [16, 16, 1]) has n = 2·16 + 16 + 16·16 + 16 + 16·1 + 1 = {n} parameters")
print(f"gradient of one loss: reverse mode 1 pass, forward mode {n} passes")

# %% [markdown]
# Let us run both on a loss over four points. `jvp(loss, params, tangent)` would do a forward
# pass, but with Values as primals it returns Values (a graph, differentiable again), which is
# slow to do $n$ times; so we call the loop `jvp` runs, `autograd.functional.push_tangents`, on
# floats, once per parameter, on one graph.

# %%
from autograd.functional import push_tangents

X = [(0.5, -1.0), (1.0, 0.3), (-0.2, 0.8), (0.1, 0.1)]
Y = [1.0, -1.0, 1.0, -1.0]
loss = nn.mse([model(xi) for xi in X], Y)
order = topological_order(loss)
print(f"the loss's graph: {len(order)} nodes")

started = time.perf_counter()
reverse = [g.data for g in grad(loss, params)]
reverse_seconds = time.perf_counter() - started

started = time.perf_counter()
forward = [push_tangents(order, {p: 1.0}).get(loss, 0.0) for p in params]  # seed one parameter per pass
forward_seconds = time.perf_counter() - started

assert all(math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-15) for a, b in zip(reverse, forward))
print(f"reverse: 1 pass,   {reverse_seconds * 1e3:7.1f} ms")
print(f"forward: {n} passes, {forward_seconds * 1e3:7.1f} ms   (the same {n} numbers)")

k = max(range(n), key=lambda i: abs(reverse[i]))  # the parameter the loss is most sensitive to
unit = [0.0] * n
unit[k] = 1.0
# f ignores its arguments: the primals are the parameters themselves, which the model reads
_, dL_dpk = jvp(lambda *_: nn.mse([model(xi) for xi in X], Y), params, unit)
assert math.isclose(dL_dpk.data, reverse[k], rel_tol=1e-12)
print(f"jvp along {params[k].label} alone: {dL_dpk.data:+.6f}; reverse mode's: {reverse[k]:+.6f}")

# %% [markdown]
# Forward mode wins the other way round: one input and many outputs. In general a Jacobian of
# $m$ outputs and $n$ inputs takes $m$ reverse passes (one row each) or $n$ forward passes (one
# column each).
#
# ### `jacobian`: two outputs
#
# Polar to Cartesian coordinates, $(r, \theta) \mapsto (r\cos\theta,\ r\sin\theta)$:
#
# $$J = \begin{pmatrix} \cos\theta & -r\sin\theta \\ \sin\theta & r\cos\theta \end{pmatrix}$$
#
# `jacobian(f)` returns `J[i][j]` $= \partial f_i / \partial x_j$; `mode="forward"` builds it a
# column at a time (one `jvp` pass per input), `mode="reverse"` a row at a time (one pass per
# output), and the default takes the fewer.

# %%
def polar(r, theta):
    return [r * theta.cos(), r * theta.sin()]


r0, theta0 = 2.0, 0.5
J_hand = [[math.cos(theta0), -r0 * math.sin(theta0)], [math.sin(theta0), r0 * math.cos(theta0)]]
for mode in ("forward", "reverse"):
    J = jacobian(polar, mode=mode)(r0, theta0)
    print(f"{mode:<8} {J}")
    assert all(math.isclose(J[i][j], J_hand[i][j], rel_tol=1e-15) for i in range(2) for j in range(2))
print(f"by hand  {J_hand}")
print(f"det J = {J[0][0] * J[1][1] - J[0][1] * J[1][0]:.15f} = r")

# %% [markdown]
# ### `hessian`: second derivatives
#
# $g(x, y) = x^2 y + \sin y$ has
#
# $$H = \begin{pmatrix} \partial^2 g/\partial x^2 & \partial^2 g/\partial x\partial y \\
#   \partial^2 g/\partial y\partial x & \partial^2 g/\partial y^2 \end{pmatrix}
#   = \begin{pmatrix} 2y & 2x \\ 2x & -\sin y \end{pmatrix}$$
#
# `hessian(g)` is the Jacobian of the gradient: `grad(g)` records the gradient as a graph, then
# one reverse pass per row.

# %%
def g(x, y):
    return x * x * y + y.sin()


gx, gy = 0.5, 2.0
H = hessian(g)(gx, gy)
H_hand = [[2 * gy, 2 * gx], [2 * gx, -math.sin(gy)]]
print("engine ", H)
print("by hand", H_hand)
assert all(math.isclose(H[i][j], H_hand[i][j], rel_tol=1e-15) for i in range(2) for j in range(2))

# %% [markdown]
# ## 3. Several classes: softmax and cross-entropy
#
# Three logits $z = (z_0, z_1, z_2)$, one per class, and the right class $t$.
# $\text{softmax}(z)_j = e^{z_j} / \sum_k e^{z_k}$ makes them probabilities, and the loss is
# $L = -\log \text{softmax}(z)_t$. Its gradient is the classic
#
# $$\frac{\partial L}{\partial z_j} = \text{softmax}(z)_j - [j = t]$$
#
# (from $L = \log \sum_k e^{z_k} - z_t$: the first term's derivative is $\text{softmax}(z)_j$,
# the second's $1$ for $j = t$). `nn.softmax` and `nn.cross_entropy` compute it stably, with
# the largest logit subtracted first.

# %%
logits = [Value(v, label=f"z{j}") for j, v in enumerate((2.0, 1.0, -0.5))]
target = 0
probabilities = nn.softmax(logits)
L = nn.cross_entropy(logits, target)
L.label = "L"
L.backward()

exps = [math.exp(zj.data) for zj in logits]
p_hand = [e / sum(exps) for e in exps]
rows = []
for j, zj in enumerate(logits):
    onehot = 1.0 if j == target else 0.0
    assert math.isclose(probabilities[j].data, p_hand[j], rel_tol=1e-15)
    assert math.isclose(zj.grad, p_hand[j] - onehot, rel_tol=1e-14, abs_tol=1e-15)
    rows.append([f"$z_{j}$", f"{zj.data:+.1f}", f"{p_hand[j]:.6f}", f"{onehot:.0f}",
                 f"{p_hand[j] - onehot:+.6f}", f"{zj.grad:+.6f}"])
assert math.isclose(L.data, -math.log(p_hand[target]), rel_tol=1e-15)
print(f"L = -log p_{target} = {L.data:.6f}")
table(["", "logit", "softmax (by hand)", "onehot", "softmax - onehot", "engine dL/dz"], rows)

# %% [markdown]
# The gradients add up to 0 (the probabilities add up to 1, the onehot too): moving every
# logit by the same amount changes nothing. And because the largest logit is subtracted first,
# logits of $\pm 1000$, where $e^{1000}$ is not a float, give a finite loss:

# %%
print(f"sum of the gradients: {sum(zj.grad for zj in logits):.1e} (0, up to rounding)")
print("cross_entropy([1000, 0, -1000], 1) =", nn.cross_entropy([Value(1000.0), Value(0.0), Value(-1000.0)], 1).data)

# %% [markdown]
# ## Exercises
#
# **Exercise 1.** Your own `tanh`. Define `my_tanh` with `autograd.primitive`: the forward is
# `math.tanh`; write its derivative with its output, $1 - \tanh^2 a = 1 - \text{out}^2$, so that
# it works on Values too. The grader takes its third derivative at $0.5$ (three `grad`s, as in
# section 1) and compares it with the engine's built-in `Value.tanh`'s.

# %%
tanh3 = derivative(derivative(derivative(lambda a: a.tanh())))(0.5)  # the reference: the built-in tanh

my_tanh = None  # your primitive here: autograd.primitive("my_tanh", math.tanh, (lambda a, out: ...,))
answer_1 = None if my_tanh is None else derivative(derivative(derivative(my_tanh)))(0.5)
grade(answer_1, expected=tanh3)

# %% [markdown]
# **Exercise 2.** Forward mode along a direction that is not a unit vector. Using only the three
# numbers of `grad(f)(*point)` from section 2, what does `jvp(f, point, (1.0, 1.0, 1.0))`
# give as its second number (the derivative of $f$ when $x$, $y$ and $z$ all move at once)?

# %%
answer_2 = None  # your number here
grade(answer_2, expected=jvp(f, point, (1.0, 1.0, 1.0))[1])

# %% [markdown]
# **Exercise 3.** `f5` takes 5 inputs and returns 2 outputs. How many forward passes (`jvp`,
# one per unit tangent) does its full Jacobian need?

# %%
def f5(a, b, c, d, e):
    return [a * b + c.sin(), d * e - a]


inputs5 = (1.0, 2.0, 3.0, 4.0, 5.0)
answer_3 = None  # your number here
grade(answer_3, expected=len(inputs5))  # one column of J per forward pass

# %% [markdown]
# **Exercise 4.** And how many reverse passes (`grad`, one per output)? Which mode does
# `jacobian(f5)` choose?

# %%
answer_4 = None  # your number here
grade(answer_4, expected=len(f5(*(Value(v) for v in inputs5))))  # one row of J per reverse pass

# %% [markdown]
# **Exercise 5.** Cross-entropy by hand. For the logits $z = (0.5, 1.5, -1.0)$ and the right
# class $t = 2$, what is $\partial L / \partial z_2$? (Work out the softmax with `math.exp`.)

# %%
zs = [Value(v, label=f"z{j}") for j, v in enumerate((0.5, 1.5, -1.0))]
L5 = nn.cross_entropy(zs, 2)
L5.label = "L"

answer_5 = None  # your number here
grade(answer_5, zs[2], L5)

# %% [markdown]
# ## Solutions
#
# Collapsed; click a cell's left edge (or the "…") to open it. Each one must grade `right`
# (`solution=True`), so the stored notebook shows that it does.

# %% tags=["solution"] jupyter={"source_hidden": true}
# Exercise 1: d tanh/da = 1 - out^2, with operators only, so it works on floats and on Values.
# (math.tanh(a) or math.cosh(a) in the derivative would be refused: it would read a Value's number.)
my_tanh = autograd.primitive("my_tanh", math.tanh, (lambda a, out: 1.0 - out * out,))
answer_1 = derivative(derivative(derivative(my_tanh)))(0.5)
t5 = math.tanh(0.5)
print(f"tanh''' = (1 - t^2)(6 t^2 - 2) = {(1 - t5 * t5) * (6 * t5 * t5 - 2):.15f}")
grade(answer_1, expected=tanh3, solution=True)

# %% tags=["solution"] jupyter={"source_hidden": true}
# Exercise 2: jvp gives J · t, here the sum of the partial derivatives times 1 each.
answer_2 = sum(grad(f)(*point))
grade(answer_2, expected=jvp(f, point, (1.0, 1.0, 1.0))[1], solution=True)

# %% tags=["solution"] jupyter={"source_hidden": true}
# Exercise 3: one forward pass per input: 5 (each gives one column, the 2 outputs' derivatives).
answer_3 = 5
print(jacobian(f5, mode="forward")(*inputs5))
grade(answer_3, expected=len(inputs5), solution=True)

# %% tags=["solution"] jupyter={"source_hidden": true}
# Exercise 4: one reverse pass per output: 2 (each gives one row, all 5 inputs' derivatives).
# jacobian's default mode takes the fewer passes: 2 < 5, so reverse.
answer_4 = 2
print(jacobian(f5)(*inputs5))
grade(answer_4, expected=len(f5(*(Value(v) for v in inputs5))), solution=True)

# %% tags=["solution"] jupyter={"source_hidden": true}
# Exercise 5: dL/dz_2 = softmax(z)_2 - 1, since t = 2.
e = [math.exp(v) for v in (0.5, 1.5, -1.0)]
answer_5 = e[2] / sum(e) - 1.0
grade(answer_5, zs[2], L5, solution=True)
