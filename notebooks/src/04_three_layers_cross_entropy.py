# %% [markdown]
# # 4. Three layers with binary cross-entropy
#
# Three layers of one neuron, a sigmoid output $\hat y$ and the binary cross-entropy loss
#
# $$L(\hat y, y) = -\,y \log \hat y - (1 - y)\log(1 - \hat y).$$
#
# Two derivations of the curriculum treat this network. The first uses a sigmoid in every layer;
# the second uses ReLU in the two hidden layers and a sigmoid at the output, and then averages
# the loss over $m$ samples. We check both with the engine. The first is clean. The second
# contains several slips, and the point of this notebook is to *find* them with the engine
# rather than by staring at the algebra.
#
# One identity carries both derivations: with a sigmoid output and cross-entropy,
# $\partial L/\partial z_3 = \hat y - y$. We verify it first.

# %%
import math
import random

from IPython.display import Markdown, display

import nn
from autograd import Value, check_derivation, draw_dot, grad


def sigma(z):
    return 1.0 / (1.0 + math.exp(-z))


def relu_slope(z):  # d relu / dz, 0 at the kink like the engine
    return 1.0 if z > 0 else 0.0


def tanh_slope(z):
    return 1.0 - math.tanh(z) ** 2


def markdown_table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return Markdown("\n".join(lines))


def bce(yhat, y):
    return -y * yhat.log() - (1 - y) * (1 - yhat).log()

# %% [markdown]
# ## Why $\partial L/\partial z_3$ simplifies to $\hat y - y$
#
# The chain rule gives $\frac{\partial L}{\partial \hat y}\cdot\frac{\partial \hat y}{\partial z_3}
# = \left(-\frac{y}{\hat y} + \frac{1 - y}{1 - \hat y}\right)\cdot \hat y (1 - \hat y)$. Put the
# bracket over the common denominator $\hat y(1 - \hat y)$ and it cancels against the sigmoid's
# slope, leaving $-y(1 - \hat y) + (1 - y)\hat y = \hat y - y$. The steep $1/\hat y$ of the log and
# the flat tails of the sigmoid cancel exactly; this is why the pair is used together.
#
# The second derivation writes this simplification in four lines. A chain of equalities must
# have the same value on every line, so we evaluate each line, and compare with the engine's
# $\partial L/\partial z_3$ for a few values of $z_3$ and both labels.

# %%
simplification = {
    "1: (-y/ŷ + (1-y)/(1-ŷ)) · ŷ(1-ŷ)": lambda yh, y: (-y / yh + (1 - y) / (1 - yh)) * (yh * (1 - yh)),
    "2: (-y(1-ŷ) + (1-y)ŷ) / (ŷ(1-ŷ)) · ŷ(1-ŷ)": lambda yh, y: (-y * (1 - yh) + (1 - y) * yh) / (yh * (1 - yh)) * (yh * (1 - yh)),
    "3 as printed: ŷ + y·y + ŷ - y·ŷ": lambda yh, y: yh + y * y + yh - y * yh,
    "4: ŷ - y": lambda yh, y: yh - y,
}
points = [(-1.0, 1.0), (0.4, 1.0), (0.4, 0.0), (2.0, 0.0)]  # (z3, y)
engine_row, rows = [], []
for z3, y in points:
    z = Value(z3)
    (g,) = grad(bce(z.sigmoid(), y), z)
    engine_row.append(g.data)
header = ["line"] + [f"z3={z3}, y={y:g}" for z3, y in points]
rows.append(["**engine dL/dz3**"] + [f"{g:.6f}" for g in engine_row])
wrong_lines = []
for text, f in simplification.items():
    values = [f(sigma(z3), y) for z3, y in points]
    ok = all(math.isclose(v, g, rel_tol=1e-9) for v, g in zip(values, engine_row))
    rows.append([text + ("" if ok else " ❌")] + [f"{v:.6f}" for v in values])
    if not ok:
        wrong_lines.append(text)
display(markdown_table(header, rows))
assert wrong_lines == ["3 as printed: ŷ + y·y + ŷ - y·ŷ"]

# %% [markdown]
# Lines 1, 2 and 4 agree with the engine; **line 3 as printed does not** (at $y = 1$ it gives
# $\hat y + 1$ instead of $\hat y - 1$). Expanding the numerator of line 2 correctly gives
#
# $$-y + y\hat y + \hat y - y\hat y = \hat y - y,$$
#
# where the two $y\hat y$ terms cancel. The final result was right; an intermediate line was
# not.

# %%
corrected_line_3 = lambda yh, y: -y + y * yh + yh - y * yh
for (z3, y), g in zip(points, engine_row):
    assert math.isclose(corrected_line_3(sigma(z3), y), g, rel_tol=1e-9)
print("corrected line 3 agrees with the engine at every point")

# %% [markdown]
# ## Sigmoid in every layer
#
# The first derivation: $z_l = W_l a_{l-1} + b_l$, $a_l = g(z_l)$ with $g = \sigma$ in all three
# layers. (Its forward equations call the network's output $y$, the same letter as the label;
# afterwards it calls the output $a_3$. We use $a_3$ throughout.)

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


def dL_da3(v):  # the derivative of the loss with respect to the prediction
    return -v["y"] / v["a3"] + (1 - v["y"]) / (1 - v["a3"])


def g_slope(v, z):  # g(z) {1 - g(z)} with g the sigmoid
    return sigma(v[z]) * (1 - sigma(v[z]))


printed_sigmoid = {
    "dL/dW3": lambda v: dL_da3(v) * g_slope(v, "z3") * v["a2"],
    "dL/db3": lambda v: dL_da3(v) * g_slope(v, "z3") * 1,
    "dL/dW1": lambda v: dL_da3(v) * g_slope(v, "z3") * v["W3"] * g_slope(v, "z2") * v["W2"] * g_slope(v, "z1") * v["x"],
}

p_sig = {"W1": 0.8, "b1": -0.3, "W2": -1.4, "b2": 0.5, "W3": 2.1, "b3": -0.2}
L_sig, n_sig = sigmoid_net(p_sig, 0.9, 1.0)
report = check_derivation(L_sig, printed_sigmoid)
report

# %%
assert report.ok
rng = random.Random(2)
for trial in range(10):
    p = {k: rng.uniform(-2, 2) for k in p_sig}
    L_t, _ = sigmoid_net(p, rng.uniform(-1, 1), rng.choice([0.0, 1.0]))
    assert check_derivation(L_t, printed_sigmoid).ok
print("the sigmoid-everywhere formulas agree with the engine at 10 more random points")

# %% [markdown]
# All three printed results hold. In $\partial L/\partial W_1$ every layer contributes one
# slope $g(z)(1 - g(z))$ and every later layer one weight; the product of three sigmoid slopes
# (each at most $\tfrac14$) is why gradients of deep sigmoid networks fade.
#
# ## ReLU, ReLU, sigmoid
#
# The second derivation uses the same shape with $g_1 = g_2 = \mathrm{ReLU}$ and
# $g_3 = \sigma$, writes the layers as $z_l = A_{l-1} w_l + b_l$, $A_l = g_l(z_l)$, with
# $A_0 = x$ and $A_3 = \hat y$, and derives the six parameter gradients.
#
# We pick a point where both hidden pre-activations are positive. Where a ReLU is off
# ($z \le 0$) its slope is 0 and every gradient behind it is 0, so wrong formulas can agree by
# accident; a check is only as good as the point it is made at.

# %%
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


p_relu = {"w1": 0.9, "b1": 0.2, "w2": 1.3, "b2": -0.4, "w3": -1.7, "b3": 0.6}
L, n = relu_net(p_relu, 0.8, 1.0)
L.backward()
print({k: round(n[k].data, 4) for k in ("z1", "z2", "z3", "yhat")})
assert n["z1"].data > 0 and n["z2"].data > 0
draw_dot(L)

# %% [markdown]
# ### The formulas as printed
#
# We type them in exactly as they read, with the usual precedence (a product binds tighter
# than a difference). `g1` and `g2` stand for the slopes $g_1'$ and $g_2'$ of the two hidden
# activations, so that a formula that names the wrong layer's activation is typed in that way.
#
# The derivation writes two different formulas under the name $\partial L/\partial z_3$. The first is
# $\hat y - y$. The second, $\hat y - y \cdot w_3 \cdot g_1'(z_2)$, is computed as
# $\frac{\partial L}{\partial z_3}\frac{\partial z_3}{\partial A_2}\frac{\partial A_2}{\partial z_2}$
# and then used as $\partial L/\partial z_2$ by the formulas that follow. A Python dictionary
# cannot hold two entries under one name, so first we ask the engine which name each formula
# deserves.

# %%
SLOPES = {"relu": relu_slope, "tanh": tanh_slope}


def derivation(g1="relu", g2="relu"):
    """The printed backward formulas for hidden activations g1, g2; returns a dict we can edit."""
    s1, s2 = SLOPES[g1], SLOPES[g2]
    f = {}
    f["dL/dz3"] = lambda v: v["yhat"] - v["y"]
    f["dL/dw3"] = lambda v: v["yhat"] - v["y"] * v["yhat"]  # ŷ - y · A3, and A3 is ŷ
    f["dL/db3"] = lambda v: v["yhat"] - v["y"]
    f["dL/dz2"] = lambda v: v["yhat"] - v["y"] * v["w3"] * s1(v["z2"])  # printed under the name dL/dz3
    f["dL/dw2"] = lambda v: f["dL/dz2"](v) * v["A1"]
    f["dL/db2"] = lambda v: f["dL/dz2"](v) * 1
    f["dL/dz1"] = lambda v: f["dL/dz2"](v) * v["w2"] * s1(v["z1"])
    f["dL/dw1"] = lambda v: f["dL/dz1"](v) * v["x"]
    f["dL/db1"] = lambda v: f["dL/dz1"](v) * 1
    f["slopes"] = (s1, s2)
    return f


def hand(f):
    return {k: val for k, val in f.items() if k.startswith("dL/")}


printed = derivation()
second_dz3 = printed["dL/dz2"]
as_z3 = check_derivation(L, {"dL/dz3": second_dz3})
v = {k: node.data for k, node in n.items()}
# With its parentheses restored, which node's gradient is it?
restored = lambda v: (v["yhat"] - v["y"]) * v["w3"] * relu_slope(v["z2"])
print(f"second 'dL/dz3' (parentheses restored) = {restored(v):+.6f}")
print(f"engine dL/dz3 = {n['z3'].grad:+.6f}   engine dL/dz2 = {n['z2'].grad:+.6f}")
assert not as_z3.ok
assert not math.isclose(restored(v), n["z3"].grad) and math.isclose(restored(v), n["z2"].grad, rel_tol=1e-12)

# %% [markdown]
# **Mislabelled line.** The second formula is not $\partial L/\partial z_3$ (the engine's
# $\partial L/\partial z_3$ is $\hat y - y$); with its parentheses restored it equals the engine's
# $\partial L/\partial z_2$, which is what its chain
# $\frac{\partial L}{\partial z_3}\frac{\partial z_3}{\partial A_2}\frac{\partial A_2}{\partial z_2}$
# computes. The line's left-hand side should read $\partial L/\partial z_2$, and it should begin
# $\frac{\partial L}{\partial z_2} = \frac{\partial L}{\partial A_2}\cdot\frac{\partial A_2}{\partial z_2}$.
#
# From here on it is entered as `dL/dz2`. Now the whole printed derivation goes to the checker:

# %%
report = check_derivation(L, hand(printed))
report

# %%
first = report.first_divergence
assert first is not None and first.name == "dL/dw3"

# %% [markdown]
# ### $\partial L/\partial w_3$
#
# The printed result is $\hat y - y \cdot A_3$. The engine's only chain-rule term is
# $\partial L/\partial z_3$ (which agrees) times $\partial z_3/\partial w_3$, and since
# $z_3 = A_2 w_3 + b_3$, that local derivative is $A_2$, the activation *entering* layer 3.
# The printed derivation even writes $\partial (A_3 \cdot w_3 + b_3)/\partial w_3$ in the line
# before, with the wrong activation already inside. Two things are wrong, and fixing either one
# alone is not enough:

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
    rows.append([text, f"{r.rows[0].hand:.6f}", f"{r.rows[0].engine:.6f}", "✅" if r.ok else "❌"])
display(markdown_table(["dL/dw3", "hand", "engine", ""], rows))
assert list(verdicts.values()) == [False, False, False, True]

# %% [markdown]
# **Corrected:** $\dfrac{\partial L}{\partial w_3} = (\hat y - y)\, A_2$ (a missing
# parenthesis, and $A_2$ instead of $A_3$).

# %%
printed["dL/dw3"] = variants["both: (ŷ - y)·A2"]
report = check_derivation(L, hand(printed))
report

# %%
first = report.first_divergence
assert first is not None and first.name == "dL/dz2"

# %% [markdown]
# ### $\partial L/\partial z_2$
#
# Next stop: the (relabelled) $\partial L/\partial z_2 = \hat y - y \cdot w_3 \cdot g_1'(z_2)$.
# The checker shows the engine's value as $\partial L/\partial A_2 \cdot \partial A_2/\partial z_2$, and
# $\partial L/\partial A_2 = (\hat y - y) w_3$: the whole $\hat y - y$ must be multiplied, so the
# parentheses are missing again. The downstream rows $w_2$, $b_2$, $z_1$, $w_1$, $b_1$ all disagree
# too, but only because they inherit this value; the first divergence is the one to fix.

# %%
s1, s2 = printed["slopes"]
printed["dL/dz2"] = lambda v: (v["yhat"] - v["y"]) * v["w3"] * s1(v["z2"])  # parentheses restored
report = check_derivation(L, hand(printed))
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
L_probe, n_probe = relu_net(p_relu, 0.8, 1.0, g2="tanh")
probe = derivation(g1="relu", g2="tanh")
probe["dL/dw3"] = variants["both: (ŷ - y)·A2"]
g1_slope, g2_slope = probe["slopes"]
probe["dL/dz2"] = lambda v: (v["yhat"] - v["y"]) * v["w3"] * g1_slope(v["z2"])  # as printed: g1'
report = check_derivation(L_probe, hand(probe))
report

# %%
assert report.first_divergence is not None and report.first_divergence.name == "dL/dz2"
probe["dL/dz2"] = lambda v: (v["yhat"] - v["y"]) * v["w3"] * g2_slope(v["z2"])  # corrected: g2'
fixed = check_derivation(L_probe, hand(probe))
print(fixed)
assert fixed.ok

# %% [markdown]
# **Layer index.** The engine's local derivative at that step is the slope of layer 2's
# activation (here $1 - \tanh^2 z_2$). **Corrected:**
#
# $$\frac{\partial L}{\partial z_2} = (\hat y - y)\, w_3\, g_2'(z_2),$$
#
# and the remaining formulas ($\partial L/\partial z_1 = \partial L/\partial z_2 \cdot w_2 \cdot g_1'(z_1)$ and the
# $w$, $b$ gradients) are right as printed.
#
# The corrected set also holds at random points, on both networks:

# %%
rng = random.Random(4)
for trial in range(10):
    p = {k: rng.uniform(-2, 2) for k in p_relu}
    x, y = rng.uniform(-1, 1), rng.choice([0.0, 1.0])
    for g2, formulas in (("relu", printed), ("tanh", probe)):
        L_t, _ = relu_net(p, x, y, g2=g2)
        assert check_derivation(L_t, hand(formulas)).ok
print("corrected formulas agree with the engine at 10 random points on both networks")

# %% [markdown]
# ## The mean loss over $m$ samples
#
# The derivation defines the loss over a batch as
# $\mathcal L = -\frac1m \sum_{i=0}^{m} \big(y^{(i)} \log \hat y^{(i)} + (1 - y^{(i)})\log(1 - \hat y^{(i)})\big)$,
# then writes every derivative for a single sample. Two things to check: the mean itself, and
# the gradients of the mean.
#
# The library's `nn.bce` returns the mean cross-entropy; it is our reference for the loss.
# Read literally, a sum from $i = 0$ to $m$ has $m + 1$ terms. With 5 samples numbered 0 to 4 the
# printed formula has $m = 4$:

# %%
samples = [(0.8, 1.0), (-0.3, 0.0), (1.5, 1.0), (0.2, 0.0), (0.6, 0.0)]


def batch_forward(p, batch):
    shared = {k: Value(val, label=k) for k, val in p.items()}
    preds = []
    for i, (x, _) in enumerate(batch, start=1):
        A = Value(x, label=f"x_{i}")
        for l, act in ((1, "relu"), (2, "relu"), (3, "sigmoid")):
            z = A * shared[f"w{l}"] + shared[f"b{l}"]
            z.label = f"z{l}_{i}"
            A = getattr(z, act)()
            A.label = f"A{l}_{i}" if l < 3 else f"yhat_{i}"
        preds.append(A)
    loss = nn.bce(preds, [y for _, y in batch])
    loss.label = "L"
    return loss, preds


loss5, preds5 = batch_forward(p_relu, samples)
terms = [y * math.log(p.data) + (1 - y) * math.log(1 - p.data) for p, (_, y) in zip(preds5, samples)]
m = len(samples) - 1  # the upper index of a sum that starts at 0
as_printed = -(1 / m) * sum(terms)
print(f"nn.bce (mean over 5 samples): {loss5.data:.6f}")
print(f"printed, i = 0..m with m = {m}:   {as_printed:.6f}")
print(f"corrected, 1/m with m = 5 terms: {-(1 / len(terms)) * sum(terms):.6f}")
assert not math.isclose(as_printed, loss5.data, rel_tol=1e-6)
assert math.isclose(-(1 / len(terms)) * sum(terms), loss5.data, rel_tol=1e-12)

# %% [markdown]
# **Corrected:** $\mathcal L = -\frac1m \sum_{i=1}^{m} \big(\cdots\big)$: exactly $m$ terms.
#
# Now the gradients. Every per-sample formula above was derived for the loss of one sample.
# For the mean, each sample's loss enters with weight $\frac1m$, so each sample's gradient is
# scaled by $\frac1m$, and a shared parameter collects the sum over samples. Given the
# single-sample formula $\hat y^{(i)} - y^{(i)}$ for each sample's $z_3$ (4 samples), the checker
# says:

# %%
loss4, preds4 = batch_forward(p_relu, samples[:4])
m = 4
per_sample = {f"dL/dz3_{i}": (lambda v, i=i: v[f"yhat_{i}"] - samples[i - 1][1]) for i in range(1, m + 1)}
report = check_derivation(loss4, per_sample)
report

# %%
first = report.first_divergence
assert first is not None and len(report.disagreements) == m
for row in report.rows:
    assert math.isclose(row.hand / m, row.engine, rel_tol=1e-12)  # off by exactly the factor 1/m

mean_formulas = {f"dL/dz3_{i}": (lambda v, i=i: (v[f"yhat_{i}"] - samples[i - 1][1]) / m) for i in range(1, m + 1)}
mean_formulas["dL/dw3"] = lambda v: sum((v[f"yhat_{i}"] - samples[i - 1][1]) * v[f"A2_{i}"] for i in range(1, m + 1)) / m
mean_formulas["dL/db3"] = lambda v: sum(v[f"yhat_{i}"] - samples[i - 1][1] for i in range(1, m + 1)) / m
fixed = check_derivation(loss4, mean_formulas)
print(fixed)
assert fixed.ok

# %% [markdown]
# **Corrected, for the mean loss:**
#
# $$\frac{\partial \mathcal L}{\partial z_3^{(i)}} = \frac{\hat y^{(i)} - y^{(i)}}{m},\qquad
# \frac{\partial \mathcal L}{\partial w_3} = \frac1m \sum_{i=1}^{m} (\hat y^{(i)} - y^{(i)})\, A_2^{(i)},\qquad
# \frac{\partial \mathcal L}{\partial b_3} = \frac1m \sum_{i=1}^{m} (\hat y^{(i)} - y^{(i)}),$$
#
# and likewise every other parameter's gradient is the mean over samples of its single-sample
# formula. Dropping the $\frac1m$ is not harmless: it multiplies the step of gradient descent by
# the batch size.
#
# ## Summary of the slips found in the ReLU-ReLU-sigmoid derivation
#
# | where | printed | corrected |
# |---|---|---|
# | simplification of $\partial L/\partial z_3$, third line | $\hat y + y\cdot y + \hat y - y\cdot\hat y$ | $-y + y\hat y + \hat y - y\hat y$ |
# | $\partial L/\partial w_3$ | $\hat y - y \cdot A_3$, from $\partial(A_3 w_3 + b_3)/\partial w_3$ | $(\hat y - y)\,A_2$ |
# | second "$\partial L/\partial z_3$" | left-hand side $\partial L/\partial z_3$ | $\partial L/\partial z_2$ |
# | $\partial L/\partial z_2$ | $\hat y - y \cdot w_3 \cdot g_1'(z_2)$ | $(\hat y - y)\, w_3\, g_2'(z_2)$ |
# | mean loss | $-\frac1m\sum_{i=0}^{m}$, per-sample gradients without $\frac1m$ | $-\frac1m\sum_{i=1}^{m}$, every gradient scaled by $\frac1m$ |
