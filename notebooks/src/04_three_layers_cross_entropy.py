# %% [markdown]
# # 4. Three layers with binary cross-entropy
#
# Three layers of one neuron, a sigmoid output and the binary cross-entropy loss
#
# $$L(\hat y, y) = -\,y \log \hat y - (1 - y)\log(1 - \hat y).$$
#
# **The derivations this notebook follows**, in the curriculum's order (seed files in
# `../shared/seeds/`, beside this repository):
#
# | part | seed file | network | how it numbers its formulas |
# |---|---|---|---|
# | A | `seeds/000_8eb7287b6307dafe.txt`, *"Backpropagation"* | sigmoid in all three layers, $z_l = W_l a_{l-1} + b_l$, one sample | numbered sections **1** ($\partial L/\partial W_3$), **2** ($\partial L/\partial b_3$), **3** ($\partial L/\partial W_1$), then *Functions*, *Partial derivatives*, *Updates* |
# | B | `seeds/003_13f7d49b4745f935.txt` | ReLU, ReLU, sigmoid, $z_l = A_{l-1} \cdot w_l + b_l$, loss averaged over $m$ samples | no numbers; we cite its blocks (*Feedforward*, *Loss*, *Activation functions*, *Backpropagation*, *Update parameters*) and the lines within them |
#
# Each part follows its derivation in the derivation's own order: every printed formula is
# shown in LaTeX, with its section (or block and line), and its code right after it; the
# formulas are checked against the engine (`check_derivation`, at the given point and at points
# near it) and against finite differences; a wrong formula is shown printed and corrected side
# by side. Part A is clean. Part B contains several slips, and the point is to *find* them with
# the engine rather than by staring at the algebra.
#
# **Samples.** Part A and most of Part B check one sample. Where Part B's loss is a mean over
# samples, we use the same **five** samples every time, so $m = 5$ throughout.
#
# **Exercises** (graded by `grade`) close each part; the **Solutions**, collapsed, are at the end.

# %%
import math
import random

from IPython.display import Markdown, display

import nn
from autograd import Value, check_derivation, draw_dot, grad
from exercises import grade


def sigma(z):
    return 1.0 / (1.0 + math.exp(-z))


def relu(z):
    return z if z > 0 else 0.0


def relu_prime(z):  # d relu / dz, 0 at the kink like the engine
    return 1.0 if z > 0 else 0.0


def tanh_prime(z):
    return 1.0 - math.tanh(z) ** 2


def markdown_table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return Markdown("\n".join(lines))


def mark(ok):
    return "ok" if ok else "wrong"


def bce(yhat, y):
    return -y * yhat.log() - (1 - y) * (1 - yhat).log()


def finite_difference(forward, p, name, h=1e-6, **kwargs):
    """(L(p + h) - L(p - h)) / 2h for the parameter `name`, with floats only."""
    up = forward({**p, name: p[name] + h}, **kwargs)["L"]
    down = forward({**p, name: p[name] - h}, **kwargs)["L"]
    return (up - down) / (2 * h)


# %% [markdown]
# # Part A: sigmoid in every layer (`seeds/000_8eb7287b6307dafe.txt`)
#
# The derivation's forward pass:
#
# $$z_1 = W_1 x + b_1 \qquad a_1 = g(z_1)$$
# $$z_2 = W_2 a_1 + b_2 \qquad a_2 = g(z_2)$$
# $$z_3 = W_3 a_2 + b_3 \qquad y = g(z_3)$$
#
# with $g = \sigma$ in all three layers and (section *Functions*)
# $L(a, y) = - y \log {a} - (1 - y) \log {(1 - a)}$. Its forward equations call the network's
# output $y$, the same letter as the label; its sections then call the output $a_3$. We use
# $a_3$ throughout.

# %%
def sigmoid_net(p, x, y):
    nodes = {k: Value(val, label=k) for k, val in p.items()}
    nodes["x"], nodes["y"] = Value(x, label="x"), Value(y, label="y")
    a = nodes["x"]
    for l in (1, 2, 3):
        z = nodes[f"W{l}"] * a + nodes[f"b{l}"]
        z.label = f"z{l}"
        a = z.sigmoid()
        a.label = f"a{l}"
        nodes[z.label], nodes[a.label] = z, a
    loss = bce(a, nodes["y"])
    loss.label = "L"
    return loss, nodes


def sigmoid_floats(p, x, y):
    v = {**p, "x": x, "y": y}
    a = x
    for l in (1, 2, 3):
        v[f"z{l}"] = p[f"W{l}"] * a + p[f"b{l}"]
        a = v[f"a{l}"] = sigma(v[f"z{l}"])
    v["L"] = -y * math.log(a) - (1 - y) * math.log(1 - a)
    return v


p_sig = {"W1": 0.8, "b1": -0.3, "W2": -1.4, "b2": 0.5, "W3": 2.1, "b3": -0.2}
x_sig, y_sig = 0.9, 1.0
L_sig, n_sig = sigmoid_net(p_sig, x_sig, y_sig)
print(f"L = {L_sig.data:.6f}")

# %% [markdown]
# Two pieces recur in every formula of the derivation: the derivative of the loss with respect to
# the prediction, and the sigmoid's slope written $g(z)\lbrace 1 - g(z)\rbrace$. We type them
# once, as printed:

# %%
def dL_da3(v):  # ( - y / a3 + (1 - y) / (1 - a3) )
    return -v["y"] / v["a3"] + (1 - v["y"]) / (1 - v["a3"])


def g_slope(v, z):  # g(z) {1 - g(z)}, with g the sigmoid
    return sigma(v[z]) * (1 - sigma(v[z]))


printed_sigmoid = {}

# %% [markdown]
# **Section 1.**
#
# $$\frac {\partial L} {\partial W_3} = \frac {\partial L} {\partial a_3} \cdot \frac {\partial a_3} {\partial z_3} \cdot \frac {\partial z_3} {\partial W_3}
#   = \left( - \frac y {a_3} + \frac {1 - y} {1 - a_3} \right) \cdot g(z_3) \lbrace 1 - g(z_3) \rbrace \cdot a_2 \tag{section 1}$$

# %%
printed_sigmoid["dL/dW3"] = lambda v: dL_da3(v) * g_slope(v, "z3") * v["a2"]  # section 1

# %% [markdown]
# **Section 2.**
#
# $$\frac {\partial L} {\partial b_3} = \frac {\partial L} {\partial a_3} \cdot \frac {\partial a_3} {\partial z_3} \cdot \frac {\partial z_3} {\partial b_3}
#   = \left( - \frac y {a_3} + \frac {1 - y} {1 - a_3} \right) \cdot g(z_3) \lbrace 1 - g(z_3) \rbrace \cdot 1 \tag{section 2}$$

# %%
printed_sigmoid["dL/db3"] = lambda v: dL_da3(v) * g_slope(v, "z3") * 1  # section 2

# %% [markdown]
# **Section 3.**
#
# $$\frac {\partial L} {\partial W_1} = \frac {\partial L} {\partial a_3} \cdot \frac {\partial a_3} {\partial z_3} \cdot \frac {\partial z_3} {\partial a_2} \cdot
#   \frac {\partial a_2} {\partial z_2} \cdot \frac {\partial z_2} {\partial a_1} \cdot \frac {\partial a_1} {\partial z_1} \cdot \frac {\partial z_1} {\partial W_1}$$
# $$= \left( - \frac y {a_3} + \frac {1 - y} {1 - a_3} \right) \cdot g(z_3) \lbrace 1 - g(z_3) \rbrace \cdot W_3
#   \cdot g(z_2) \lbrace 1 - g(z_2) \rbrace \times W_2 \times g(z_1) \lbrace 1 - g(z_1) \rbrace \cdot x \tag{section 3}$$

# %%
printed_sigmoid["dL/dW1"] = lambda v: (  # section 3
    dL_da3(v) * g_slope(v, "z3") * v["W3"] * g_slope(v, "z2") * v["W2"] * g_slope(v, "z1") * v["x"]
)

# %% [markdown]
# ### Sections 1 to 3 against the engine and finite differences
#
# `check_derivation` checks each formula at the given point and, by default, at four points near
# it (every labelled leaf nudged, the label $y$ included). The table adds the finite difference:
# nudge the parameter by $\pm h$, rerun the forward pass with floats, measure the slope.

# %%
report = check_derivation(L_sig, printed_sigmoid)
print(report)
assert report.ok

L_sig.backward()
v = sigmoid_floats(p_sig, x_sig, y_sig)
rows = []
for name, f in printed_sigmoid.items():
    param = name[len("dL/d"):]
    fd = finite_difference(sigmoid_floats, p_sig, param, x=x_sig, y=y_sig)
    rows.append([name, f"{f(v):.9f}", f"{n_sig[param].grad:.9f}", f"{fd:.9f}", mark(math.isclose(f(v), n_sig[param].grad, rel_tol=1e-9))])
    assert math.isclose(fd, n_sig[param].grad, rel_tol=1e-6)
display(markdown_table(["gradient", "printed formula", "engine", "finite difference", ""], rows))

# %% [markdown]
# All three printed results hold. The report's *Untested* paragraph is worth reading: at our
# sample's $y = 1$ the path through the $(1 - y)$ term of the loss contributes 0, so the given
# point alone could not test that part of the formulas; the nudged points (where $y \ne 1$) did.
# We come back to this below.
#
# In $\partial L/\partial W_1$ every layer contributes one
# slope $g(z)\lbrace 1 - g(z)\rbrace$ and every later layer one weight; the product of three
# sigmoid slopes (each at most $\tfrac14$) is why gradients of deep sigmoid networks fade.
#
# ### Section *Partial derivatives*
#
# $$\frac {\partial L} {\partial a} = - \frac y a + \frac {1 - y} {1 - a} \qquad
#   \frac {\partial a} {\partial z} = g(z) \lbrace 1 - g(z) \rbrace \qquad
#   \frac {\partial z} {\partial W} = a_{pre} \qquad
#   \frac {\partial z} {\partial b} = 1$$
#
# Local results: each is the derivative of one node with respect to the one just before it, so
# we check each with that node as the output (here for the last layer, where $a_{pre} = a_2$).

# %%
partials = [
    (L_sig, {"dL/da3": dL_da3}),                                                     # ∂L/∂a
    (n_sig["a3"], {"da3/dz3": lambda v: g_slope(v, "z3")}),                          # ∂a/∂z
    (n_sig["z3"], {"dz3/dW3": lambda v: v["a2"]}),                                    # ∂z/∂W = a_pre
    (n_sig["z3"], {"dz3/db3": lambda v: 1.0}),                                        # ∂z/∂b = 1
]
for output, formula in partials:
    r = check_derivation(output, formula)
    name = next(iter(formula))
    print(f"{name:<8} hand {r.rows[0].hand:+.9f}  engine {r.rows[0].engine:+.9f}  {mark(r.ok)}")
    assert r.ok

# %% [markdown]
# ### What one point cannot see: a sign slip at $y = 1$
#
# Our sample has $y = 1$. There the second term of $\partial L/\partial a_3$ is multiplied by
# $1 - y = 0$, so *any* mistake in it is invisible at this point. Take the sign slip
#
# | | $\dfrac{\partial L}{\partial a_3}$ |
# |---|---|
# | *Partial derivatives*, as printed (right) | $- \dfrac y {a_3} + \dfrac {1 - y} {1 - a_3}$ |
# | a sign slip | $- \dfrac y {a_3} - \dfrac {1 - y} {1 - a_3}$ |
#
# Checked at the given point alone (`points=0`), the slip agrees with the engine, and the
# report says why that proves nothing: the path through the $(1 - y)$ term contributes 0
# there. Checked as by default, at points near it where $y \ne 1$, it is caught.

# %%
slip = {"dL/da3": lambda v: -v["y"] / v["a3"] - (1 - v["y"]) / (1 - v["a3"])}
at_one_point = check_derivation(L_sig, slip, points=0)
print(at_one_point, end="\n\n")
near = check_derivation(L_sig, slip)
print(near)
assert at_one_point.ok and at_one_point.untested
assert not near.ok

# %% [markdown]
# ### Whole chain or node by node: finding a missing factor
#
# The derivation gives no $\partial L/\partial W_2$. Suppose we write one by following
# section 3's pattern, and forget the weight $W_3$ on the way:
#
# | | $\dfrac{\partial L}{\partial W_2}$ |
# |---|---|
# | $W_3$ forgotten | $\left( - \frac y {a_3} + \frac {1 - y} {1 - a_3} \right) g(z_3)\lbrace 1 - g(z_3)\rbrace \cdot g(z_2)\lbrace 1 - g(z_2)\rbrace \cdot a_1$ |
# | corrected | $\left( - \frac y {a_3} + \frac {1 - y} {1 - a_3} \right) g(z_3)\lbrace 1 - g(z_3)\rbrace \cdot W_3 \cdot g(z_2)\lbrace 1 - g(z_2)\rbrace \cdot a_1$ |
#
# Checked as one whole-chain formula, the report gives the ratio hand / engine and names the
# factor on the paths that equals it:

# %%
whole_chain = {"dL/dW2": lambda v: dL_da3(v) * g_slope(v, "z3") * g_slope(v, "z2") * v["a1"]}  # W3 forgotten
report = check_derivation(L_sig, whole_chain)
print(report)
row = report["dL/dW2"]
assert not report.ok and math.isclose(row.ratio, 1 / p_sig["W3"], rel_tol=1e-9)

# %% [markdown]
# The other strategy, which works even when no single factor explains the ratio: write the
# derivation **node by node**, one gradient per labelled node from the output back, each built on
# the one before. The checker then names the first node that diverges, and there the mistake is
# one step wide.

# %%
node_by_node = {}
node_by_node["dL/da3"] = dL_da3
node_by_node["dL/dz3"] = lambda v: node_by_node["dL/da3"](v) * g_slope(v, "z3")
node_by_node["dL/da2"] = lambda v: node_by_node["dL/dz3"](v)  # W3 forgotten here
node_by_node["dL/dz2"] = lambda v: node_by_node["dL/da2"](v) * g_slope(v, "z2")
node_by_node["dL/dW2"] = lambda v: node_by_node["dL/dz2"](v) * v["a1"]
report = check_derivation(L_sig, node_by_node)
print(report)
assert report.first_divergence.name == "dL/da2"

# %% [markdown]
# $\partial L/\partial z_3$ agrees and $\partial L/\partial a_2$ does not, and the one local
# derivative between them is $\partial z_3/\partial a_2 = W_3$: that is the factor to restore.
#
# The corrected formulas (sections 1 to 3 and our $\partial L/\partial W_2$) also hold at random
# points far from this one:

# %%
printed_sigmoid_and_W2 = dict(printed_sigmoid)
printed_sigmoid_and_W2["dL/dW2"] = lambda v: dL_da3(v) * g_slope(v, "z3") * v["W3"] * g_slope(v, "z2") * v["a1"]
rng = random.Random(2)
for trial in range(10):
    p = {k: rng.uniform(-2, 2) for k in p_sig}
    L_t, _ = sigmoid_net(p, rng.uniform(-1, 1), rng.choice([0.0, 1.0]))
    assert check_derivation(L_t, printed_sigmoid_and_W2).ok
print("sections 1 to 3 and the corrected dL/dW2 agree with the engine at 10 more random points")

# %% [markdown]
# ### Section *Updates*
#
# $$W' = W - \alpha \cdot \frac {\partial L} {\partial W} \qquad b' = b - \alpha \cdot \frac {\partial L} {\partial b}$$
#
# One step with $\alpha = 0.5$, every parameter moved against its gradient, lowers the loss:

# %%
alpha = 0.5
stepped = {k: val - alpha * n_sig[k].grad for k, val in p_sig.items()}  # W' = W - α ∂L/∂W, b' likewise
after = sigmoid_floats(stepped, x_sig, y_sig)["L"]
print(f"L = {L_sig.data:.6f} -> {after:.6f}")
assert after < L_sig.data

# %% [markdown]
# ### Exercises, part A
#
# **Exercise 1.** The derivation stops at $W_1$; write $\partial L/\partial b_1$ as a formula of the
# forward values (`dL_da3(v)`, `g_slope(v, "z3")`, `v["W3"]`, ... are at hand).

# %%
answer_1 = None  # your formula here, e.g. lambda v: ...
grade(answer_1, "dL/db1", L_sig)

# %% [markdown]
# **Exercise 2.** And $\partial L/\partial b_2$.

# %%
answer_2 = None  # your formula here
grade(answer_2, "dL/db2", L_sig)

# %% [markdown]
# # Part B: ReLU, ReLU, sigmoid (`seeds/003_13f7d49b4745f935.txt`)
#
# ### *Feedforward*
#
# $$z_1 = X \cdot w_1 + \vec{b}_1 \qquad A_1 = g_1(z_1)$$
# $$z_2 = A_1 \cdot w_2 + \vec{b}_2 \qquad A_2 = g_2(z_2)$$
# $$z_3 = A_2 \cdot w_3 + \vec{b}_3 \qquad A_3 = g_3(z_3) = \hat{y}$$
#
# with $g_1 = g_2 = \mathrm{ReLU}$ and $g_3 = \sigma$. One sample, $X = x$, until the loss is
# averaged below. In the code, `g1_prime` and `g2_prime` are the slopes $g_1'$ and $g_2'$ of the
# two hidden activations, so that a formula that names the wrong layer's activation can be typed
# in that way.
#
# We pick a point where both hidden pre-activations are positive. Where a ReLU is off
# ($z \le 0$) its slope is 0 and every gradient behind it is 0, so wrong formulas can agree by
# accident (we come back to this below).

# %%
ACTIVATIONS = {"relu": relu, "tanh": math.tanh}
SLOPES = {"relu": relu_prime, "tanh": tanh_prime}


def relu_net(p, x, y, g2="relu"):
    """x -> ReLU -> (ReLU, or another activation g2) -> sigmoid -> cross-entropy, all labelled."""
    nodes = {k: Value(val, label=k) for k, val in p.items()}
    nodes["x"], nodes["y"] = Value(x, label="x"), Value(y, label="y")
    A = nodes["x"]
    for l, act in ((1, "relu"), (2, g2), (3, "sigmoid")):
        z = A * nodes[f"w{l}"] + nodes[f"b{l}"]
        z.label = f"z{l}"
        A = getattr(z, act)()
        A.label = f"A{l}" if l < 3 else "yhat"
        nodes[z.label], nodes[A.label] = z, A
    loss = bce(A, nodes["y"])
    loss.label = "L"
    return loss, nodes


def relu_floats(p, x, y, g2="relu"):
    v = {**p, "x": x, "y": y}
    A = x
    for l, act in ((1, relu), (2, ACTIVATIONS[g2]), (3, sigma)):
        v[f"z{l}"] = A * p[f"w{l}"] + p[f"b{l}"]
        A = v[f"A{l}" if l < 3 else "yhat"] = act(v[f"z{l}"])
    v["L"] = -y * math.log(A) - (1 - y) * math.log(1 - A)
    return v


p_relu = {"w1": 0.9, "b1": 0.2, "w2": 1.3, "b2": -0.4, "w3": -1.7, "b3": 0.6}
x_relu, y_relu = 0.8, 1.0
L, n = relu_net(p_relu, x_relu, y_relu)
L.backward()
print({k: round(n[k].data, 4) for k in ("z1", "z2", "z3", "yhat")})
assert n["z1"].data > 0 and n["z2"].data > 0
draw_dot(L)

# %% [markdown]
# ### *Loss*: the mean over $m$ samples
#
# $$\mathcal{L} = -\frac{1}{m} \sum_{i=0}^m \left(y^{(i)} \log(\hat{y}^{(i)}) + (1 - y^{(i)}) \log(1 - \hat{y}^{(i)})\right)$$
#
# The library's `nn.bce` returns the mean cross-entropy; it is our reference. Read literally, a
# sum from $i = 0$ to $m$ has $m + 1$ terms: with our five samples, numbered 0 to 4, the printed
# formula has $m = 4$ and divides a sum of five terms by four.
#
# We build the mean ourselves, with each label a labelled leaf `y_i` (as $y$ is in the
# one-sample network), so that `check_derivation` can nudge the labels too; `nn.bce`, which takes
# the labels as plain numbers, checks that it is the same number.

# %%
samples = [(0.8, 1.0), (-0.3, 0.0), (1.5, 1.0), (0.2, 0.0), (0.6, 0.0)]  # (x, y): the five samples of part B
m = len(samples)


def batch_forward(p, batch):
    """The mean cross-entropy over the batch, every sample's x and y a labelled leaf (x_i, y_i)."""
    shared = {k: Value(val, label=k) for k, val in p.items()}
    preds, losses = [], []
    for i, (x, y) in enumerate(batch, start=1):
        A = Value(x, label=f"x_{i}")
        for l, act in ((1, "relu"), (2, "relu"), (3, "sigmoid")):
            z = A * shared[f"w{l}"] + shared[f"b{l}"]
            z.label = f"z{l}_{i}"
            A = getattr(z, act)()
            A.label = f"A{l}_{i}" if l < 3 else f"yhat_{i}"
        preds.append(A)
        losses.append(bce(A, Value(y, label=f"y_{i}")))
    loss = sum(losses[1:], losses[0]) * (1 / len(batch))
    loss.label = "L"
    assert math.isclose(loss.data, nn.bce(preds, [y for _, y in batch]).data, rel_tol=1e-12)
    return loss, preds, shared


loss_m, preds_m, shared_m = batch_forward(p_relu, samples)
terms = [y * math.log(p.data) + (1 - y) * math.log(1 - p.data) for p, (_, y) in zip(preds_m, samples)]
upper = m - 1  # the printed sum runs from i = 0 to its m: with 5 terms, that m is 4
as_printed = -(1 / upper) * sum(terms)
corrected = -(1 / m) * sum(terms)
print(f"nn.bce, the mean over {m} samples:      {loss_m.data:.6f}")
print(f"as printed, i = 0..m, so m = {upper}:        {as_printed:.6f}")
print(f"corrected, i = 1..m with m = {m}:        {corrected:.6f}")
assert not math.isclose(as_printed, loss_m.data, rel_tol=1e-6)
assert math.isclose(corrected, loss_m.data, rel_tol=1e-12)

# %% [markdown]
# | *Loss* | $\mathcal L$ |
# |---|---|
# | as printed | $-\frac{1}{m} \sum_{i=0}^{m} \big(y^{(i)} \log \hat y^{(i)} + (1 - y^{(i)}) \log(1 - \hat y^{(i)})\big)$ ($m + 1$ terms) |
# | corrected | $-\frac{1}{m} \sum_{i=1}^{m} \big(y^{(i)} \log \hat y^{(i)} + (1 - y^{(i)}) \log(1 - \hat y^{(i)})\big)$ (exactly $m$ terms) |
#
# The derivation then writes every derivative for a single sample; we follow it with one sample,
# and come back to the mean at the end of part B.
#
# ### *Loss*: $\partial \mathcal L/\partial \hat y$
#
# $$\frac{\partial \mathcal{L}}{\partial \hat{y}} = -\frac{y}{\hat{y}} + \frac{1-y}{1-\hat{y}}$$

# %%
printed = {}
printed["dL/dyhat"] = lambda v: -v["y"] / v["yhat"] + (1 - v["y"]) / (1 - v["yhat"])
r = check_derivation(L, {"dL/dyhat": printed["dL/dyhat"]})
print(r)
assert r.ok

# %% [markdown]
# ### *Activation functions*
#
# $$\frac{d}{dx} \text{ReLU}(x) = \begin{cases} 1 & \text{if } x > 0 \\ 0 & \text{otherwise} \end{cases}$$
#
# The derivation takes the slope at the kink $x = 0$ to be 0, as the engine does (and PyTorch,
# and JAX). We compare at three points, the kink included:

# %%
for x in (-1.0, 0.0, 2.0):
    xv = Value(x)
    (g,) = grad(xv.relu(), xv)
    print(f"x = {x:+}:  printed {relu_prime(x)}   engine {g.data}   {mark(relu_prime(x) == g.data)}")
    assert relu_prime(x) == g.data

# %% [markdown]
# The sigmoid's derivative, line by line. A chain of equalities has the same value on every line,
# so we evaluate each line and compare with the engine's derivative of `sigmoid`:
#
# $$\begin{aligned} \frac{d}{dx} \sigma(x) &= \frac{d}{dx} \left(\frac{1}{1+e^{-x}} \right) = -(1+e^{-x})^{-2} \cdot (-e^{-x}) && \text{line 1} \\
#   &= \frac{e^{-x}}{(1+e^{-x})^2} && \text{line 2} \\
#   &= \frac{1}{1+e^{-x}} \cdot \frac{e^{-x}}{1+e^{-x}} && \text{line 3} \\
#   &= \frac{1}{(1+e^{-x})} \cdot \frac{(1+e^{-x})-1}{(1+e^{-x})} && \text{line 4} \\
#   &= \frac{1}{1+e^{-x}} \cdot \left(1 - \frac{1}{1+e^{-x}} \right) && \text{line 5} \\
#   &= \sigma(x) \cdot (1 - \sigma(x)) && \text{line 6} \end{aligned}$$

# %%
sigmoid_lines = {
    "line 1": lambda x: -((1 + math.exp(-x)) ** -2) * (-math.exp(-x)),
    "line 2": lambda x: math.exp(-x) / (1 + math.exp(-x)) ** 2,
    "line 3": lambda x: 1 / (1 + math.exp(-x)) * math.exp(-x) / (1 + math.exp(-x)),
    "line 4": lambda x: 1 / (1 + math.exp(-x)) * ((1 + math.exp(-x)) - 1) / (1 + math.exp(-x)),
    "line 5": lambda x: 1 / (1 + math.exp(-x)) * (1 - 1 / (1 + math.exp(-x))),
    "line 6": lambda x: sigma(x) * (1 - sigma(x)),
}
xs = (-2.0, 0.3, 4.0)
reference = []
for x in xs:
    xv = Value(x)
    (g,) = grad(xv.sigmoid(), xv)
    reference.append(g.data)
rows = [["**engine**"] + [f"{g:.12f}" for g in reference]]
for text, f in sigmoid_lines.items():
    values = [f(x) for x in xs]
    ok = all(math.isclose(val, g, rel_tol=1e-12) for val, g in zip(values, reference))
    rows.append([text] + [f"{val:.12f}" for val in values] + [mark(ok)])
    assert ok, text
display(markdown_table(["", *(f"x = {x}" for x in xs), ""], [r + [""] * (5 - len(r)) for r in rows]))

# %% [markdown]
# Every line holds: the sigmoid's derivation is clean.
#
# ### *Backpropagation*, first block: $\partial L/\partial z_3$ simplifies to $\hat y - y$
#
# $$\begin{aligned} \frac{\partial L}{\partial z_3} &= \frac{\partial L}{\partial \hat{y}} \cdot \frac{\partial \hat{y}}{\partial z_3} = \frac{\partial L}{\partial \hat{y}} \cdot \frac{\partial \sigma(z_3)}{\partial z_3} && \text{line 1} \\
#   &= \left(\frac{-y}{\hat{y}} + \frac{1-y}{1-\hat{y}} \right) \cdot (\hat{y}(1-\hat{y})) && \text{line 2} \\
#   &= \frac{-y(1-\hat{y}) + (1-y)\hat{y}}{\hat{y}(1-\hat{y})} \cdot \hat{y}(1-\hat{y}) && \text{line 3} \\
#   &= \hat{y} + y \cdot y + \hat{y} - y \cdot \hat{y} && \text{line 4} \\
#   &= \hat{y} - y && \text{line 5} \end{aligned}$$
#
# The steep $1/\hat y$ of the log and the flat tails of the sigmoid cancel exactly; this is why the
# pair is used together. We evaluate each line (line 1 is the chain rule itself, which lines 2 on
# spell out) and compare with the engine's $\partial L/\partial z_3$ for a few values of $z_3$ and
# both labels.

# %%
simplification = {
    "line 2": lambda yh, y: (-y / yh + (1 - y) / (1 - yh)) * (yh * (1 - yh)),
    "line 3": lambda yh, y: (-y * (1 - yh) + (1 - y) * yh) / (yh * (1 - yh)) * (yh * (1 - yh)),
    "line 4": lambda yh, y: yh + y * y + yh - y * yh,
    "line 5": lambda yh, y: yh - y,
}
points = [(-1.0, 1.0), (0.4, 1.0), (0.4, 0.0), (2.0, 0.0)]  # (z3, y)
engine_row, rows = [], []
for z3, y in points:
    z = Value(z3)
    (g,) = grad(bce(z.sigmoid(), y), z)
    engine_row.append(g.data)
rows.append(["**engine dL/dz3**"] + [f"{g:.6f}" for g in engine_row] + [""])
wrong_lines = []
for text, f in simplification.items():
    values = [f(sigma(z3), y) for z3, y in points]
    ok = all(math.isclose(val, g, rel_tol=1e-9) for val, g in zip(values, engine_row))
    rows.append([text] + [f"{val:.6f}" for val in values] + [mark(ok)])
    if not ok:
        wrong_lines.append(text)
display(markdown_table(["", *(f"z3={z3}, y={y:g}" for z3, y in points), ""], rows))
assert wrong_lines == ["line 4"]

# %% [markdown]
# Lines 2, 3 and 5 agree with the engine; **line 4 does not** (at $y = 1$ it gives
# $\hat y + 1$ instead of $\hat y - 1$). Expanding the numerator of line 3 correctly:
#
# | first block, line 4 | $\partial L/\partial z_3$ |
# |---|---|
# | as printed | $\hat{y} + y \cdot y + \hat{y} - y \cdot \hat{y}$ |
# | corrected | $-y + y\hat y + \hat y - y\hat y$ (the two $y\hat y$ cancel: $= \hat y - y$) |
#
# The final result was right; an intermediate line was not.

# %%
corrected_line_4 = lambda yh, y: -y + y * yh + yh - y * yh  # noqa: E731
for (z3, y), g in zip(points, engine_row):
    assert math.isclose(corrected_line_4(sigma(z3), y), g, rel_tol=1e-9)
printed["dL/dz3"] = lambda v: v["yhat"] - v["y"]  # line 5
print("corrected line 4 agrees with the engine at every point")

# %% [markdown]
# ### The parameter gradients, as printed
#
# We type them in exactly as they read, with the usual precedence (a product binds tighter than
# a difference). Block by block:
#
# $$\frac{\partial L}{\partial w_3} = \frac{\partial L}{\partial z_3} \cdot \frac{\partial z_3}{\partial w_3} = \frac{\partial L}{\partial z_3} \cdot \frac{\partial (A_3 \cdot w_3 + b_3)}{\partial w_3}
#   \qquad \therefore \frac{\partial L}{\partial w_3} = \hat{y} - y \cdot A_3$$
# $$\frac{\partial L}{\partial b_3} = \frac{\partial L}{\partial z_3} \cdot \frac{\partial z_3}{\partial b_3} = \hat{y} - y$$

# %%
printed["dL/dw3"] = lambda v: v["yhat"] - v["y"] * v["yhat"]  # ŷ - y · A3, and A3 is ŷ
printed["dL/db3"] = lambda v: v["yhat"] - v["y"]

# %% [markdown]
# The next block writes a second formula under the name $\partial L/\partial z_3$:
#
# $$\frac{\partial L}{\partial z_3} = \frac{\partial L}{\partial A_2} \cdot \frac{\partial A_2}{\partial z_2} = \frac{\partial L}{\partial z_3} \cdot \frac{\partial z_3}{\partial A_2} \cdot \frac{\partial A_2}{\partial z_2}
#   = \hat{y} - y \cdot w_3 \cdot g'_1(z_2)$$
#
# and the formulas after it use it as $\partial L/\partial z_2$:
#
# $$\frac{\partial L}{\partial w_2} = \frac{\partial L}{\partial z_2} \cdot A_1 \qquad
#   \frac{\partial L}{\partial b_2} = \frac{\partial L}{\partial z_2} \cdot 1$$
# $$\frac{\partial L}{\partial z_1} = \frac{\partial L}{\partial z_2} \cdot w_2 \cdot g'_1(z_1) \qquad
#   \frac{\partial L}{\partial w_1} = \frac{\partial L}{\partial z_1} \cdot x \qquad
#   \frac{\partial L}{\partial b_1} = \frac{\partial L}{\partial z_1} \cdot 1$$

# %%
def derivation(g1="relu", g2="relu", formulas=None):
    """The printed backward formulas for hidden activations g1, g2, from dL/dz2 on (a dict we can edit)."""
    g1_prime, g2_prime = SLOPES[g1], SLOPES[g2]
    f = dict(formulas or {})
    f["dL/dz2"] = lambda v: v["yhat"] - v["y"] * v["w3"] * g1_prime(v["z2"])  # printed under the name dL/dz3
    f["dL/dw2"] = lambda v: f["dL/dz2"](v) * v["A1"]
    f["dL/db2"] = lambda v: f["dL/dz2"](v) * 1
    f["dL/dz1"] = lambda v: f["dL/dz2"](v) * v["w2"] * g1_prime(v["z1"])
    f["dL/dw1"] = lambda v: f["dL/dz1"](v) * v["x"]
    f["dL/db1"] = lambda v: f["dL/dz1"](v) * 1
    return f, g1_prime, g2_prime


printed, g1_prime, g2_prime = derivation(formulas=printed)
as_printed, _, _ = derivation(formulas=printed)  # a second copy, left as printed, for the table below

# %% [markdown]
# A Python dictionary cannot hold two entries under one name, so first we ask the engine which
# name the second formula deserves:

# %%
second_dz3 = printed["dL/dz2"]
as_z3 = check_derivation(L, {"dL/dz3": second_dz3})
v = {k: node.data for k, node in n.items()}
restored = lambda v: (v["yhat"] - v["y"]) * v["w3"] * relu_prime(v["z2"])  # noqa: E731  (parentheses restored)
print(f"second 'dL/dz3' (parentheses restored) = {restored(v):+.6f}")
print(f"engine dL/dz3 = {n['z3'].grad:+.6f}   engine dL/dz2 = {n['z2'].grad:+.6f}")
assert not as_z3.ok
assert not math.isclose(restored(v), n["z3"].grad) and math.isclose(restored(v), n["z2"].grad, rel_tol=1e-12)

# %% [markdown]
# **Mislabelled line.** The second formula is not $\partial L/\partial z_3$ (the engine's
# $\partial L/\partial z_3$ is $\hat y - y$); with its parentheses restored it equals the engine's
# $\partial L/\partial z_2$, which is what its chain computes:
#
# | second block | left-hand side |
# |---|---|
# | as printed | $\dfrac{\partial L}{\partial z_3} = \dfrac{\partial L}{\partial A_2} \cdot \dfrac{\partial A_2}{\partial z_2}$ |
# | corrected | $\dfrac{\partial L}{\partial z_2} = \dfrac{\partial L}{\partial A_2} \cdot \dfrac{\partial A_2}{\partial z_2}$ |
#
# From here on it is entered as `dL/dz2`. Now the whole printed derivation goes to the checker:

# %%
report = check_derivation(L, printed)
print(report)
first = report.first_divergence
assert first is not None and first.name == "dL/dw3"

# %% [markdown]
# ### $\partial L/\partial w_3$
#
# The engine's only chain-rule term is $\partial L/\partial z_3$ (which agrees) times
# $\partial z_3/\partial w_3$, and since $z_3 = A_2 w_3 + b_3$, that local derivative is $A_2$,
# the activation *entering* layer 3. The printed derivation even writes
# $\partial (A_3 \cdot w_3 + b_3)/\partial w_3$ in the line before, with the wrong activation
# already inside. Two things are wrong, and fixing either one alone is not enough:

# %%
variants = {
    "as printed: ŷ - y·A3": lambda v: v["yhat"] - v["y"] * v["yhat"],  # A3 is ŷ
    "parentheses only: (ŷ - y)·A3": lambda v: (v["yhat"] - v["y"]) * v["yhat"],
    "input only: ŷ - y·A2": lambda v: v["yhat"] - v["y"] * v["A2"],
    "both: (ŷ - y)·A2": lambda v: (v["yhat"] - v["y"]) * v["A2"],
}
rows, verdicts = [], {}
for text, f in variants.items():
    r = check_derivation(L, {"dL/dw3": f})
    verdicts[text] = r.ok
    rows.append([text, f"{r.rows[0].hand:.6f}", f"{r.rows[0].engine:.6f}", mark(r.ok)])
display(markdown_table(["dL/dw3", "hand", "engine", ""], rows))
assert list(verdicts.values()) == [False, False, False, True]

# %% [markdown]
# | $\partial L/\partial w_3$ | |
# |---|---|
# | as printed | $\hat{y} - y \cdot A_3$, from $\dfrac{\partial (A_3 \cdot w_3 + b_3)}{\partial w_3}$ |
# | corrected | $(\hat y - y)\, A_2$, from $\dfrac{\partial (A_2 \cdot w_3 + b_3)}{\partial w_3}$ |

# %%
printed["dL/dw3"] = variants["both: (ŷ - y)·A2"]
report = check_derivation(L, printed)
print(report)
first = report.first_divergence
assert first is not None and first.name == "dL/dz2"

# %% [markdown]
# ### $\partial L/\partial z_2$
#
# Next stop: the (relabelled) $\partial L/\partial z_2 = \hat y - y \cdot w_3 \cdot g_1'(z_2)$.
# The checker shows the engine's value as $\partial L/\partial A_2 \cdot \partial A_2/\partial z_2$, and
# $\partial L/\partial A_2 = (\hat y - y) w_3$: the whole $\hat y - y$ must be multiplied, so the
# parentheses are missing again. The downstream rows $w_2$, $b_2$, $z_1$, $w_1$, $b_1$ disagree
# too, but only because they inherit this value; the first divergence is the one to fix.

# %%
printed["dL/dz2"] = lambda v: (v["yhat"] - v["y"]) * v["w3"] * g1_prime(v["z2"])  # parentheses restored
report = check_derivation(L, printed)
print(report)
assert report.ok

# %% [markdown]
# Everything agrees now, but one slip is still hiding. The formula says $g_1'(z_2)$: the slope of
# the *first* layer's activation, evaluated at the *second* layer's input. In this network
# $g_1 = g_2 = \mathrm{ReLU}$, so no number computed on it can tell $g_1'$ from $g_2'$.
#
# The derivation's formulas are meant for any activations $g_1, g_2$ (it names them
# separately), so they must also hold when the two differ. We give the engine a probe: the same
# network with $g_2 = \tanh$, and the same formulas with $g_1' = \mathrm{ReLU}'$ and
# $g_2' = \tanh'$.

# %%
L_probe, n_probe = relu_net(p_relu, x_relu, y_relu, g2="tanh")
probe, _, _ = derivation(g1="relu", g2="tanh", formulas=printed)  # g1' = relu_prime, g2' = tanh_prime
probe["dL/dz2"] = lambda v: (v["yhat"] - v["y"]) * v["w3"] * relu_prime(v["z2"])  # as printed: g1'
report = check_derivation(L_probe, probe)
print(report)
assert report.first_divergence is not None and report.first_divergence.name == "dL/dz2"

# %%
probe["dL/dz2"] = lambda v: (v["yhat"] - v["y"]) * v["w3"] * tanh_prime(v["z2"])  # corrected: g2'
fixed = check_derivation(L_probe, probe)
print(fixed)
assert fixed.ok

# %% [markdown]
# **Layer index.** The engine's local derivative at that step is the slope of layer 2's
# activation (here $1 - \tanh^2 z_2$):
#
# | second block | $\partial L/\partial z_2$ |
# |---|---|
# | as printed (under the name $\partial L/\partial z_3$) | $\hat{y} - y \cdot w_3 \cdot g'_1(z_2)$ |
# | corrected | $(\hat y - y)\, w_3\, g_2'(z_2)$ |
#
# and the remaining formulas ($\partial L/\partial z_1 = \partial L/\partial z_2 \cdot w_2 \cdot g_1'(z_1)$
# and the $w$, $b$ gradients) are right as printed. For the ReLU network, `printed` now holds the
# corrected set: there $g_1' = g_2' = \mathrm{ReLU}'$, so `g1_prime` and `g2_prime` are the same
# function and the $g_1'$ in its $\partial L/\partial z_2$ gives the right number.
#
# ### The corrected set, against the engine and finite differences

# %%
v = relu_floats(p_relu, x_relu, y_relu)
rows = []
for name in ("dL/dw3", "dL/db3", "dL/dw2", "dL/db2", "dL/dw1", "dL/db1"):
    param = name[len("dL/d"):]
    before, after, engine = as_printed[name](v), printed[name](v), n[param].grad
    fd = finite_difference(relu_floats, p_relu, param, x=x_relu, y=y_relu)
    rows.append([name, f"{before:.9f}", mark(math.isclose(before, engine, rel_tol=1e-9)),
                 f"{after:.9f}", f"{engine:.9f}", f"{fd:.9f}", mark(math.isclose(after, engine, rel_tol=1e-9))])
    assert math.isclose(after, engine, rel_tol=1e-12) and math.isclose(fd, engine, rel_tol=1e-6)
display(markdown_table(["gradient", "as printed", "", "corrected", "engine", "finite difference", ""], rows))

# %% [markdown]
# $\partial L/\partial b_3$ was right as printed; every gradient of layers 1 and 2 was wrong only
# through the $\partial L/\partial z_2$ it inherits. The corrected set also holds at random
# points, on both networks:

# %%
rng = random.Random(4)
for trial in range(10):
    p = {k: rng.uniform(-2, 2) for k in p_relu}
    x, y = rng.uniform(-1, 1), rng.choice([0.0, 1.0])
    for g2, formulas in (("relu", printed), ("tanh", probe)):
        L_t, _ = relu_net(p, x, y, g2=g2)
        assert check_derivation(L_t, formulas).ok
print("corrected formulas agree with the engine at 10 random points on both networks")

# %% [markdown]
# ### A ReLU that is off tests nothing behind it
#
# At a point where $z_2 < 0$, the second ReLU is off: its slope is 0, and every gradient
# behind it is 0 whatever the formula multiplies it by. A wrong $\partial L/\partial w_2$ (with
# $A_2$ where $A_1$ belongs) then agrees with the engine, and nudging the point a little does not
# turn the ReLU on. The checker says so: the formula "agrees", but that part went untested.

# %%
p_dead = {**p_relu, "b2": -2.0}  # z2 = A1 w2 + b2 < 0: the second ReLU is off
L_dead, n_dead = relu_net(p_dead, x_relu, y_relu)
wrong_input = {"dL/dw2": lambda v: (v["yhat"] - v["y"]) * v["w3"] * g2_prime(v["z2"]) * v["A2"]}  # A2, not A1
dead = check_derivation(L_dead, wrong_input)
print(f"z2 = {n_dead['z2'].data:.4f}")
print(dead)
assert n_dead["z2"].data < 0 and dead.ok and dead.untested

# %% [markdown]
# Checked at a point where the ReLU is on (our usual one), the same formula is wrong:

# %%
live = check_derivation(L, wrong_input)
print(live)
assert not live.ok

# %% [markdown]
# ### *Update parameters*
#
# $$\theta := \theta - \alpha \frac{\partial L}{\partial \theta}$$
#
# One step for all six parameters, with $\alpha = 0.5$ and the engine's gradients:

# %%
alpha = 0.5
stepped = {k: val - alpha * n[k].grad for k, val in p_relu.items()}  # θ := θ - α ∂L/∂θ
after = relu_floats(stepped, x_relu, y_relu)["L"]
print(f"L = {L.data:.6f} -> {after:.6f}")
assert after < L.data

# %% [markdown]
# ### Back to the mean over $m$ samples
#
# Every formula above was derived for the loss of one sample. For the mean of the five samples'
# losses, each sample's loss enters with weight $\frac1m$, so each sample's gradient is scaled
# by $\frac1m$, and a shared parameter collects the sum over samples. Given the single-sample
# formula $\hat y^{(i)} - y^{(i)}$ for each sample's $z_3$, the checker says:

# %%
per_sample = {f"dL/dz3_{i}": (lambda v, i=i: v[f"yhat_{i}"] - v[f"y_{i}"]) for i in range(1, m + 1)}
report = check_derivation(loss_m, per_sample)
print(report)
assert len(report.disagreements) == m
for row in report.rows:
    assert math.isclose(row.hand / m, row.engine, rel_tol=1e-12)  # off by exactly the factor 1/m

# %% [markdown]
# Off by the factor $m = 5$ in every row. With the $\frac1m$:

# %%
mean_formulas = {f"dL/dz3_{i}": (lambda v, i=i: (v[f"yhat_{i}"] - v[f"y_{i}"]) / m) for i in range(1, m + 1)}
mean_formulas["dL/dw3"] = lambda v: sum((v[f"yhat_{i}"] - v[f"y_{i}"]) * v[f"A2_{i}"] for i in range(1, m + 1)) / m
mean_formulas["dL/db3"] = lambda v: sum(v[f"yhat_{i}"] - v[f"y_{i}"] for i in range(1, m + 1)) / m
fixed = check_derivation(loss_m, mean_formulas)
print(fixed)
assert fixed.ok
assert [row.name for row in fixed.untested] == ["dL/dw3"] and preds_m[1].data and samples[1][0] < 0

loss_m.backward()
fd = {}
for param in ("w3", "b3"):
    h = 1e-6
    up = batch_forward({**p_relu, param: p_relu[param] + h}, samples)[0].data
    down = batch_forward({**p_relu, param: p_relu[param] - h}, samples)[0].data
    fd[param] = (up - down) / (2 * h)
    assert math.isclose(fd[param], shared_m[param].grad, rel_tol=1e-6)
display(markdown_table(
    ["gradient of the mean", "engine", "finite difference"],
    [[f"dL/d{k}", f"{shared_m[k].grad:.9f}", f"{fd[k]:.9f}"] for k in fd],
))

# %% [markdown]
# One row says *part untested*, and it is right to: sample 2 ($x = -0.3$) has both ReLUs off
# ($z_1 < 0$, so $A_1 = 0$ and $z_2 = b_2 < 0$), so $A_2^{(2)} = 0$ and that sample's term
# $(\hat y^{(2)} - y^{(2)})\,A_2^{(2)}$ in $\partial\mathcal L/\partial w_3$ is 0 at every point
# checked. A mistake in that term could not show at this batch; the same term of the other four
# samples was tested. (The labels' zeros, $1 - y^{(i)} = 0$ or $y^{(i)} = 0$, were tested at the
# nudged points, where every $y^{(i)}$ moves.)
#
# | per sample, for the mean loss | $\dfrac{\partial \mathcal L}{\partial z_3^{(i)}}$ | $\dfrac{\partial \mathcal L}{\partial w_3}$ |
# |---|---|---|
# | as printed (one sample's formula) | $\hat y^{(i)} - y^{(i)}$ | $\hat y - y \cdot A_3$ |
# | corrected | $\dfrac{\hat y^{(i)} - y^{(i)}}{m}$ | $\dfrac1m \sum_{i=1}^{m} (\hat y^{(i)} - y^{(i)})\, A_2^{(i)}$ |
#
# and likewise every other parameter's gradient is the mean over samples of its single-sample
# formula. Dropping the $\frac1m$ is not harmless: it multiplies the step of gradient descent by
# the batch size.
#
# ## Summary of the slips found in the ReLU-ReLU-sigmoid derivation
#
# | where | printed | corrected |
# |---|---|---|
# | *Loss* | $-\frac1m\sum_{i=0}^{m}$ ($m + 1$ terms) | $-\frac1m\sum_{i=1}^{m}$ |
# | *Backpropagation*, first block, line 4 | $\hat y + y\cdot y + \hat y - y\cdot\hat y$ | $-y + y\hat y + \hat y - y\hat y$ |
# | $\partial L/\partial w_3$ | $\hat y - y \cdot A_3$, from $\partial(A_3 w_3 + b_3)/\partial w_3$ | $(\hat y - y)\,A_2$ |
# | second block, left-hand side | $\partial L/\partial z_3$ | $\partial L/\partial z_2$ |
# | second block, $\partial L/\partial z_2$ | $\hat y - y \cdot w_3 \cdot g_1'(z_2)$ | $(\hat y - y)\, w_3\, g_2'(z_2)$ |
# | the mean loss's gradients | per-sample formulas without $\frac1m$ | every gradient scaled by $\frac1m$ |
#
# ### Exercises, part B
#
# **Exercise 3.** The derivation never writes the gradient that reaches the first hidden
# activation. Write $\partial L/\partial A_1$ for the ReLU network (one sample, `L`), as a
# formula of the forward values; `g2_prime` is $g_2'$.

# %%
answer_3 = None  # your formula here, e.g. lambda v: ...
grade(answer_3, "dL/dA1", L)

# %% [markdown]
# **Exercise 4.** A number: $\partial \mathcal L/\partial b_3$ for the mean loss over the five
# samples (`loss_m`). Use the per-sample $\hat y^{(i)}$ (`preds_m[i].data`) and labels
# (`samples[i][1]`).

# %%
answer_4 = None  # your number here
grade(answer_4, shared_m["b3"], loss_m)

# %% [markdown]
# ## Solutions
#
# Collapsed: click a cell's left edge (or the "…") to open it. Each must grade `right`
# (`solution=True`).

# %% tags=["solution"] jupyter={"source_hidden": true}
# Exercise 1: section 3's chain with its last factor dz1/dW1 = x replaced by dz1/db1 = 1
answer_1 = lambda v: dL_da3(v) * g_slope(v, "z3") * v["W3"] * g_slope(v, "z2") * v["W2"] * g_slope(v, "z1")  # noqa: E731
grade(answer_1, "dL/db1", L_sig, solution=True)

# %% tags=["solution"] jupyter={"source_hidden": true}
# Exercise 2: down to z2, then dz2/db2 = 1
answer_2 = lambda v: dL_da3(v) * g_slope(v, "z3") * v["W3"] * g_slope(v, "z2")  # noqa: E731
grade(answer_2, "dL/db2", L_sig, solution=True)

# %% tags=["solution"] jupyter={"source_hidden": true}
# Exercise 3: dL/dA1 = dL/dz2 · ∂z2/∂A1 = (ŷ - y) w3 g2'(z2) · w2
answer_3 = lambda v: (v["yhat"] - v["y"]) * v["w3"] * g2_prime(v["z2"]) * v["w2"]  # noqa: E731
grade(answer_3, "dL/dA1", L, solution=True)

# %% tags=["solution"] jupyter={"source_hidden": true}
# Exercise 4: the mean over the samples of ŷ - y
answer_4 = sum(p.data - y for p, (_, y) in zip(preds_m, samples)) / m
grade(answer_4, shared_m["b3"], loss_m, solution=True)
