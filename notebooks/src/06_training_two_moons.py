# %% [markdown]
# # 6. Training: an MLP on two moons
#
# Everything so far was one forward and one backward pass. Training is those two passes in a
# loop, followed each time by a small step of every parameter against its gradient:
#
# $$W' = W - \eta\, \frac{\partial L}{\partial W}.$$
#
# This is micrograd's demo: 100 points in two interleaving half-moons, labelled $+1$ and $-1$,
# a 2-16-16-1 ReLU network, and a max-margin (hinge) loss with a little L2 regularisation:
#
# $$L = \frac1n \sum_i \max(0,\ 1 - t_i s_i) + \lambda \sum_p p^2, \qquad \lambda = 10^{-4},$$
#
# where $s_i$ is the network's score for point $i$ and $t_i = \pm 1$ its label. The same training
# runs from the command line as `python -m nn.demo`.
#
# **What this notebook follows:** micrograd's demo (Karpathy's `demo.ipynb`: the data, the
# network, the loss and the learning-rate schedule), and the update step of the curriculum's
# derivations: section *Updates* of `seeds/000_8eb7287b6307dafe.txt`,
# $W' = W - \alpha \cdot \frac{\partial L}{\partial W}$, and *Update parameters* of
# `seeds/003_13f7d49b4745f935.txt`, $\theta := \theta - \alpha \frac{\partial L}{\partial \theta}$
# (we write $\eta$ for their $\alpha$, as micrograd does). The hinge-loss gradient below is ours,
# derived in the text, and checked against the engine and finite differences. Graded exercises are
# at the end, then the **Solutions** (collapsed).

# %%
import math
import random

import matplotlib.pyplot as plt
from IPython.display import Markdown, display

import nn
from autograd import Value, draw_dot
from exercises import grade
from nn.data import make_moons
from nn.demo import (
    L2,
    History,
    accuracy,
    loss_and_scores,
    neuron_caption,
    neuron_graph,
    plot_decision_boundary,
    plot_history,
)

plt.rcParams["figure.dpi"] = 72

X, y = make_moons(100, noise=0.1, seed=1)
fig, ax = plt.subplots(figsize=(4.5, 3.2))
for label, colour, marker in ((1, "#1f77b4", "o"), (-1, "#d62728", "s")):
    ax.scatter([p[0] for p, t in zip(X, y) if t == label], [p[1] for p, t in zip(X, y) if t == label],
               c=colour, marker=marker, s=18, edgecolors="k", linewidths=0.4, label=f"label {label:+d}")
ax.set_aspect("equal")
ax.legend(fontsize=8)
plt.show()

# %%
model = nn.MLP(2, [16, 16, 1], activation="relu", rng=random.Random(1))  # seed 1, as `python -m nn.demo`
params = model.parameters()
print(model)
print(len(params), "parameters")

# %% [markdown]
# ## One gradient by hand
#
# Before trusting the loop, check one gradient against a formula. The output neuron is linear,
# $s_i = \sum_k w_k h_{ik} + b$, where $h_{ik}$ is the last hidden layer's activation $k$ for point
# $i$. A hinge term $\max(0, 1 - t_i s_i)$ has slope $-t_i$ with respect to $s_i$ while the
# point is inside the margin ($1 - t_i s_i > 0$) and slope 0 once it is safely outside. So
#
# $$\frac{\partial L}{\partial b} = \frac1n \sum_{i \in \text{margin}} (-t_i) + 2\lambda b, \qquad
#   \frac{\partial L}{\partial w_k} = \frac1n \sum_{i \in \text{margin}} (-t_i)\, h_{ik} + 2\lambda w_k .$$
#
# Only the points inside the margin pull on the boundary; that is what "max-margin" means.
# The code below types the two formulas in, `hand_b` and `hand_w`, and puts them next to the
# engine's gradient and a finite difference (the bias or weight nudged by $\pm h$, the loss
# recomputed).

# %%
loss, scores = loss_and_scores(model, X, y)
model.zero_grad()
loss.backward()

hidden = []
for point in X:
    h = list(point)
    for layer in model.layers[:-1]:
        h = layer(h)
    hidden.append([a.data for a in h])
out = model.layers[-1].neurons[0]
margin = [1 - t * s.data > 0 for s, t in zip(scores, y)]
n = len(X)
hand_b = sum(-t for t, m in zip(y, margin) if m) / n + 2 * L2 * out.b.data
hand_w = [sum(-t * h[k] for t, h, m in zip(y, hidden, margin) if m) / n + 2 * L2 * w.data for k, w in enumerate(out.w)]



def finite_difference(param, h=1e-6):
    saved = param.data
    param.data = saved + h
    up = loss_and_scores(model, X, y)[0].data
    param.data = saved - h
    down = loss_and_scores(model, X, y)[0].data
    param.data = saved
    return (up - down) / (2 * h)


print(f"{sum(margin)} of {n} points inside the margin")
rows = ["| gradient | formula | engine | finite difference |", "|---|---:|---:|---:|"]
for name, h_val, param in (("dL/db", hand_b, out.b), ("dL/dw_1", hand_w[0], out.w[0]), ("dL/dw_2", hand_w[1], out.w[1])):
    fd = finite_difference(param)
    rows.append(f"| {name} | {h_val:+.12f} | {param.grad:+.12f} | {fd:+.12f} |")
    assert math.isclose(fd, param.grad, rel_tol=1e-5, abs_tol=1e-9)
display(Markdown("\n".join(rows)))
assert math.isclose(hand_b, out.b.grad, rel_tol=1e-9, abs_tol=1e-15)
assert all(math.isclose(h, w.grad, rel_tol=1e-9, abs_tol=1e-15) for h, w in zip(hand_w, out.w))

# %% [markdown]
# ## Inside one neuron
#
# The first neuron of the first layer, on a training point where its ReLU is on, with the
# gradients of that point's hinge loss: the numbers a step on this one point would use. The
# neuron computes $z = b + w_1 x_1 + w_2 x_2$ as one node and $a = \mathrm{relu}(z)$; the edge
# labels are the local derivatives, written with $\partial$ ($\partial z/\partial w_1 = x_1$),
# while each box's grad is a total derivative $dL/d(\cdot)$. A weight's gradient is the gradient
# arriving at $a$, times $\mathrm{relu}'(z)$, times the input that the weight multiplies.
#
# The picture leaves most of the network out, and says so: $x_1$ and $x_2$ also feed the other 15
# neurons of layer 1, so their gradients are marked "incl. … via nodes not drawn", and the
# caption splits each into this neuron's share and the rest.

# %%
neuron = model.layers[0].neurons[0]
i = next(i for i, (x1, x2) in enumerate(X) if neuron.b.data + neuron.w[0].data * x1 + neuron.w[1].data * x2 > 0)
a = neuron_graph(model, X[i], y[i])
z = a.operands[0]
print(f"point {i}: x = ({X[i][0]:.3f}, {X[i][1]:.3f}), label {y[i]:+d}, z = {z.data:.4f}")
assert z.data > 0 and a.grad != 0.0
assert math.isclose(neuron.w[0].grad, a.grad * 1.0 * X[i][0], rel_tol=1e-12)  # relu'(z) = 1 here
assert math.isclose(neuron.w[1].grad, a.grad * 1.0 * X[i][1], rel_tol=1e-12)
assert math.isclose(neuron.b.grad, a.grad * 1.0, rel_tol=1e-12)
draw_dot(a, title=neuron_caption(model, a, y[i]))

# %% [markdown]
# ## One update by hand
#
# One step of gradient descent with learning rate $\eta$: every parameter moves by
# $-\eta$ times its gradient, the derivations' update rule,
#
# $$W' = W - \eta\, \frac{\partial L}{\partial W}, \qquad b' = b - \eta\, \frac{\partial L}{\partial b},$$
#
# written in the code as `p.data -= lr * p.grad`. The gradients of the full loss are recomputed first (and zeroed
# before that, since `backward` adds into `.grad`); the same happens before every step. This
# step is the first of the loop below, done by hand: the loop then runs the other 99, so the
# notebook trains exactly as `python -m nn.demo` does (same data, seed, learning rates and steps).

# %%
loss, scores = loss_and_scores(model, X, y)
model.zero_grad()
loss.backward()
lr = 2.0
before = [(p.data, p.grad) for p in params]
for p in params:
    p.data -= lr * p.grad
for (w, g), p in zip(before[:3], params[:3]):
    print(f"W = {w:+.6f}   dL/dW = {g:+.6f}   W' = W - {lr} * dL/dW = {p.data:+.6f}")
assert all(p.data == w - lr * g for (w, g), p in zip(before, params))
params_after_step = [p.data for p in params]  # kept for exercise 2
new_loss, _ = loss_and_scores(model, X, y)
print(f"loss {loss.data:.4f} -> {new_loss.data:.4f}")
assert new_loss.data < loss.data

# %% [markdown]
# ## The loop
#
# 100 steps on the full data set (the first was the one by hand), the learning rate shrinking
# linearly from 2.0 towards 0.2 (large steps first, fine ones at the end), as in micrograd's demo.

# %%
history = History()
history.loss.append(loss.data)                            # step 0, the update by hand above
history.accuracy.append(accuracy(scores, y))
steps = 100
for k in range(1, steps):
    loss, scores = loss_and_scores(model, X, y)           # forward
    history.loss.append(loss.data)
    history.accuracy.append(accuracy(scores, y))
    model.zero_grad()
    loss.backward()                                       # backward
    lr = 2.0 * (1.0 - 0.9 * k / steps)
    for p in params:
        p.data -= lr * p.grad                             # W' = W - lr * dL/dW
    if k % 10 == 0 or k == steps - 1:
        print(f"step {k:3d}  loss {loss.data:.4f}  accuracy {history.accuracy[-1]:.0%}")

loss, scores = loss_and_scores(model, X, y)
final = accuracy(scores, y)
history.accuracy.append(final)
print(f"final accuracy: {final:.0%}")
assert final >= 0.97

# %% [markdown]
# `python -m nn.demo` runs this very training through `nn.demo.train` (with `nn.SGD`, momentum 0):
# the same losses, step by step, to the last bit.

# %%
from nn.demo import train

same = train(nn.MLP(2, [16, 16, 1], activation="relu", rng=random.Random(1)), X, y, steps=steps, progress=False)
assert same.loss == history.loss and same.accuracy == history.accuracy
print(f"nn.demo.train: the same {len(same.loss)} losses; final accuracy {same.accuracy[-1]:.0%}")

# %%
fig, axes = plt.subplots(1, 2, figsize=(9, 3.2))
plot_history(history, axes)
plt.tight_layout()
plt.show()

# %% [markdown]
# ## The decision boundary
#
# The network's score is a piecewise-linear function of the plane (ReLUs are piecewise linear),
# and its zero level set is the boundary between the two predicted classes.

# %%
fig, ax = plt.subplots(figsize=(5, 3.6))
plot_decision_boundary(model, X, y, ax, resolution=80)
plt.show()

# %% [markdown]
# ## Exercises
#
# **Exercise 1.** A hinge term $\max(0, 1 - t s)$ for a point with label $t = -1$ and score
# $s = 0.3$: what is its slope with respect to $s$? (Is the point inside the margin?)

# %%
score = Value(0.3, label="s")
hinge_term = (1 - (-1.0) * score).relu()
hinge_term.label = "h"

answer_1 = None  # your number here
grade(answer_1, score, hinge_term)

# %% [markdown]
# **Exercise 2.** The update by hand: the first parameter of the model held $W = $ `before[0][0]`
# with gradient `before[0][1]` when the step with $\eta = 2$ was taken. What is $W'$?

# %%
answer_2 = None  # your number here
grade(answer_2, expected=params_after_step[0])

# %% [markdown]
# ## Solutions
#
# Collapsed: click a cell's left edge (or the "…") to open it. Each must grade `right`
# (`solution=True`).

# %% tags=["solution"] jupyter={"source_hidden": true}
# Exercise 1: 1 - t s = 1.3 > 0, inside the margin, so the slope is -t = 1
answer_1 = 1.0
grade(answer_1, score, hinge_term, solution=True)

# %% tags=["solution"] jupyter={"source_hidden": true}
# Exercise 2: W' = W - eta dL/dW
answer_2 = before[0][0] - 2.0 * before[0][1]
grade(answer_2, expected=params_after_step[0], solution=True)
