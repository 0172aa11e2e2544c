# %% [markdown]
# # 9. Hand-off to PyTorch: the same network, the same gradients, then a bigger run
#
# A scalar engine shows every multiply; it also does every multiply one Python object at a
# time. When a learner outgrows it, the next step is PyTorch, and it should be one call:
#
# * `model.to_torch()` turns an `nn.MLP` (or a `Layer`, or a `Neuron`) into a float64
#   `torch.nn.Sequential` of `Linear` layers and their activations, with the same weights;
# * `nn.MLP.from_torch(module)` turns such a `Sequential` back into an `nn.MLP`.
#
# This notebook builds one small network in chaingrad, hands it to PyTorch, and puts the two
# gradients of one loss side by side, parameter by parameter. Then it trains: the same few steps
# in both (the same losses), and a run with 10 times as many points, a network 4 times as wide
# and 1,000 steps, in PyTorch from a chaingrad initialisation, timed against what one chaingrad
# step of it costs; and the trained network comes back to chaingrad with `from_torch`.
#
# **What this notebook follows:** PyTorch's own layout of a multilayer perceptron,
# `torch.nn.Sequential(torch.nn.Linear(2, 16), torch.nn.ReLU(), ...)`, where `Linear` computes
# $xW^\top + b$ for a batch of rows $x$: its `weight[j, k]` is the derivations' $w_{jk}$
# (neuron $j$, input $k$), and chaingrad's `L1.n3.w2` is `0.weight[2, 1]`. The data and loss are
# notebook 6's (two moons, hinge loss).
#
# PyTorch is optional for chaingrad, so every cell that needs it says so and skips when it is
# not installed (`pip install torch` to run them). Graded exercises are at the end, then the
# **Solutions** (collapsed).

# %%
import math
import random
import time

import matplotlib.pyplot as plt
from IPython.display import Markdown, display

import nn
from autograd import Value, no_grad
from exercises import grade
from nn.data import make_moons
from nn.torch_bridge import torch_keys

try:
    import torch
except ImportError:
    torch = None
    print("PyTorch is not installed: the cells that need it print a note and do nothing (pip install torch).")
else:
    # One thread: on matrices this small (1,000 x 64), several threads spend longer handing work to
    # each other than working; on a busy 2-core machine a step of section 3 took 20x as long with 2.
    torch.set_num_threads(1)
    print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} thread")

plt.rcParams["figure.dpi"] = 72


def needs_torch():
    """True when PyTorch is installed; else say that the cell is skipped."""
    if torch is None:
        print("skipped: this cell needs PyTorch (pip install torch)")
    return torch is not None


def table(header, rows):
    """A Markdown table from a header row and rows of cells."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    display(Markdown("\n".join(lines)))


# %% [markdown]
# ## 1. One network, twice
#
# A 2-4-4-1 network with tanh between the layers and a linear output, built by chaingrad from
# seed 0. `to_torch()` makes a new PyTorch module holding copies of its 37 numbers, as float64
# (Python's floats, so not one bit changes). A linear output needs no module: the last `Linear`
# ends the `Sequential`.

# %%
small = nn.MLP(2, [4, 4, 1], activation="tanh", rng=random.Random(0))
print(small)
if needs_torch():
    tsmall = small.to_torch()
    print(tsmall)
    for key, tensor in tsmall.state_dict().items():
        print(f"{key:<9} shape {tuple(tensor.shape)!s:<7} {tensor.dtype}")

# %% [markdown]
# The state_dict keys are PyTorch's usual ones: `0.weight` and `0.bias` for the module at index
# 0, the first `Linear`; index 1 is its `Tanh`, which has no parameters, so the next `Linear` is
# `2.weight`. A `Linear` stores its weights as a matrix of shape (outputs, inputs): row $j$ is
# neuron $j$'s weights. `torch_keys` (which needs no PyTorch) says where each chaingrad
# parameter went:

# %%
keys = torch_keys(small)
labels = small.parameter_labels()
rows = []
for name in ("layers.0.neurons.2.w.1", "layers.0.neurons.2.b", "layers.1.neurons.3.w.0", "layers.2.neurons.0.w.2"):
    key, index = keys[name]
    rows.append([f"`{labels[name]}`", f"`{name}`", f"`{key}[{', '.join(map(str, index))}]`"])
table(["label", "chaingrad state_dict key", "PyTorch"], rows)
if needs_torch():
    state = tsmall.state_dict()
    assert all(state[key][index].item() == p.data for (key, index), p in zip(keys.values(), small.parameters()))
    print(f"all {len(keys)} numbers are the same, bit for bit")

# %% [markdown]
# ## 2. The same gradients, side by side
#
# Eight points of notebook 6's two moons and its hinge loss,
# $L = \frac18 \sum_i \max(0,\ 1 - t_i s_i)$. chaingrad scores one point at a time and
# backpropagates through its graph of Values; PyTorch scores the 8 points as one (8, 2) tensor
# and backpropagates through 5 tensor operations. The loss is written the same way in both.

# %%
X8, y8 = make_moons(8, noise=0.1, seed=1)

loss = nn.hinge([small(x) for x in X8], y8)
loss.label = "L"
small.zero_grad()
loss.backward()
with no_grad():
    inside = sum(1.0 - t * small(x).data > 0 for x, t in zip(X8, y8))
print(f"chaingrad: L = {loss.data!r}; {inside} of the 8 points inside the margin")

if needs_torch():
    scores = tsmall(torch.tensor(X8, dtype=torch.float64)).squeeze(1)  # (8, 1) -> (8,)
    targets = torch.tensor(y8, dtype=torch.float64)
    tloss = torch.relu(1.0 - targets * scores).mean()
    tloss.backward()
    print(f"PyTorch:   L = {tloss.item()!r}")

# %% [markdown]
# Every parameter's gradient, chaingrad's `.grad` next to PyTorch's `.grad` at the place
# `torch_keys` names, and a third opinion from neither engine: a central finite difference
# (the parameter nudged by $\pm 10^{-6}$, the loss recomputed on floats). The table shows the
# first neuron of each layer; the cell checks all 37.

# %%
def finite_difference(p, h=1e-6):
    """(L(p + h) - L(p - h)) / 2h, the loss recomputed on floats (no graph)."""
    saved, losses = p.data, []
    for nudged in (saved + h, saved - h):
        p.data = nudged
        with no_grad():
            losses.append(nn.hinge([small(x) for x in X8], y8).data)
    p.data = saved
    return (losses[0] - losses[1]) / (2 * h)


if needs_torch():
    grads = {key: t.grad for key, t in tsmall.named_parameters()}
    rows, worst = [], 0.0
    for name, p in small.named_parameters():
        key, index = keys[name]
        g, fd = grads[key][index].item(), finite_difference(p)
        worst = max(worst, abs(g - p.grad))
        assert math.isclose(g, p.grad, rel_tol=1e-12, abs_tol=1e-15), (name, g, p.grad)
        assert math.isclose(fd, p.grad, rel_tol=1e-6, abs_tol=1e-9), (name, fd, p.grad)
        if ".neurons.0." in name:
            place = f"`{key}[{', '.join(map(str, index))}]`"
            rows.append([f"`{p.label}`", place, f"{p.grad:+.15f}", f"{g:+.15f}", f"{g - p.grad:+.1e}", f"{fd:+.10f}"])
    table(["chaingrad", "PyTorch", "chaingrad dL/dp", "PyTorch dL/dp", "difference", "finite difference"], rows)
    print(f"largest difference between the engines over all {len(keys)} parameters: {worst:.1e}")

# %% [markdown]
# (The output bias gets exactly 0: its gradient is the mean of $-t_i$ over the points inside the
# margin, and here all 8 are, 4 labelled $+1$ and 4 labelled $-1$.)
#
# The gradients agree to the last digit or two of a float64. They are not always equal bit for
# bit, and should not be: a neuron's sum $b + w_1 x_1 + \dots$ is added in chaingrad from left
# to right, in PyTorch in the order its matrix product chooses, and floating-point addition is
# not associative. The activations follow the same conventions at their kinks (relu'(0) = 0 in
# both; here tanh has none).

# %% [markdown]
# ## 3. Training: the same steps in both, then a bigger run in PyTorch
#
# Notebook 6's network, 2-16-16-1 with ReLU, on its 100 points: the hinge loss plus
# $10^{-4}\sum_p p^2$ and gradient descent with a learning rate falling from 1.0 to 0.1. The
# update is written out in both, $p \leftarrow p - \eta\, \partial L/\partial p$, so the two runs
# make the same steps from the same start.

# %%
X, y = make_moons(100, noise=0.1, seed=1)
STEPS, L2 = 30, 1e-4


def rate(step, steps):
    return 1.0 - 0.9 * step / steps


net = nn.MLP(2, [16, 16, 1], rng=random.Random(1))
tnet = net.to_torch() if torch is not None else None  # handed off before chaingrad trains it

started = time.perf_counter()
chaingrad_losses = []
for step in range(STEPS):
    params = net.parameters()
    total = nn.hinge([net(x) for x in X], y) + L2 * sum((p * p for p in params[1:]), params[0] * params[0])
    net.zero_grad()
    total.backward()
    for p in params:
        p.data -= rate(step, STEPS) * p.grad
    chaingrad_losses.append(total.data)
chaingrad_seconds = time.perf_counter() - started
print(f"chaingrad: {STEPS} steps in {chaingrad_seconds:.2f} s, {1000 * chaingrad_seconds / STEPS:.1f} ms a step")

# %%
if needs_torch():
    TX, Ty = torch.tensor(X, dtype=torch.float64), torch.tensor(y, dtype=torch.float64)
    started = time.perf_counter()
    torch_losses = []
    for step in range(STEPS):
        params = list(tnet.parameters())
        total = torch.relu(1.0 - Ty * tnet(TX).squeeze(1)).mean() + L2 * sum((p * p).sum() for p in params)
        tnet.zero_grad()
        total.backward()
        with torch.no_grad():
            for p in params:
                p -= rate(step, STEPS) * p.grad
        torch_losses.append(total.item())
    torch_seconds = time.perf_counter() - started
    print(f"PyTorch:   {STEPS} steps in {torch_seconds:.3f} s, {1000 * torch_seconds / STEPS:.2f} ms a step "
          f"({chaingrad_seconds / torch_seconds:.0f}x faster)")
    table(["step", "chaingrad loss", "PyTorch loss", "difference"],
          [[s + 1, f"{a:.15f}", f"{b:.15f}", f"{b - a:+.1e}"]
           for s, (a, b) in enumerate(zip(chaingrad_losses, torch_losses)) if s % 5 == 4 or s == 0])
    assert all(math.isclose(a, b, rel_tol=1e-9) for a, b in zip(chaingrad_losses, torch_losses))

# %% [markdown]
# The two runs stay together: the last-bit differences of each step's gradient move the
# weights by about $10^{-16}$, and that difference grows a little with each step, but after 30
# steps the losses still agree to many digits. What differs is the time. chaingrad builds a few
# thousand `Value` nodes per point; PyTorch does each layer of all 100 points as one matrix
# product.
#
# So the bigger run goes to PyTorch. Ten times as many points (1,000, noisier), a network four
# times as wide (2-64-64-1, 4,417 parameters against 337), 1,000 steps of Adam. The network is
# still built, and initialised, by chaingrad; `to_torch()` hands it over.

# %%
Xbig, ybig = make_moons(1000, noise=0.2, seed=2)
Xtest, ytest = make_moons(1000, noise=0.2, seed=3)
big = nn.MLP(2, [64, 64, 1], rng=random.Random(2))
print(f"{len(big.parameters())} parameters")

# One chaingrad step of this run, timed, for comparison (the loss, backward and the update).
started = time.perf_counter()
params = big.parameters()
total = nn.hinge([big(x) for x in Xbig], ybig) + L2 * sum((p * p for p in params[1:]), params[0] * params[0])
big.zero_grad()
total.backward()
chaingrad_step = time.perf_counter() - started
print(f"one chaingrad step: {chaingrad_step:.2f} s (loss {total.data:.4f}; the step is not taken)")
del total

# %%
BIG_STEPS = 1000
if needs_torch():
    tbig = big.to_torch()
    TXb, Tyb = torch.tensor(Xbig, dtype=torch.float64), torch.tensor(ybig, dtype=torch.float64)
    optimizer = torch.optim.Adam(tbig.parameters(), lr=0.005)
    started = time.perf_counter()
    for step in range(BIG_STEPS):
        total = torch.relu(1.0 - Tyb * tbig(TXb).squeeze(1)).mean() + L2 * sum((p * p).sum() for p in tbig.parameters())
        optimizer.zero_grad()
        total.backward()
        optimizer.step()
        if step in (0, 99, 499, BIG_STEPS - 1):
            accuracy = ((tbig(TXb).squeeze(1) > 0) == (Tyb > 0)).double().mean().item()
            print(f"step {step + 1:>4}: loss {total.item():.4f}, training accuracy {accuracy:.1%}")
    torch_big_seconds = time.perf_counter() - started
    table(["", "time"], [
        [f"PyTorch, {BIG_STEPS} steps", f"{torch_big_seconds:.1f} s ({1000 * torch_big_seconds / BIG_STEPS:.1f} ms a step)"],
        ["chaingrad, one step", f"{chaingrad_step:.2f} s"],
        [f"chaingrad, {BIG_STEPS} steps (estimated)",
         f"{BIG_STEPS * chaingrad_step / 60:.0f} min, {BIG_STEPS * chaingrad_step / torch_big_seconds:.0f}x PyTorch's"],
    ])

# %% [markdown]
# ## 4. And back: `from_torch`
#
# `nn.MLP.from_torch(tbig)` reads the trained `Sequential` (two `Linear` layers with `ReLU`
# after them, one without) into an `nn.MLP` with the same numbers, bit for bit. Evaluated in
# chaingrad (under `no_grad()`, on floats) on 1,000 new points, it gives PyTorch's scores and
# its accuracy; and every tool of the earlier notebooks works on it again (`explain`,
# `draw_dot(modules=...)`, `nn.save`).

# %%
if needs_torch():
    trained = nn.MLP.from_torch(tbig)
    print(trained)
    with no_grad():
        scores = [trained(x).data for x in Xtest]
    tscores = tbig(torch.tensor(Xtest, dtype=torch.float64)).squeeze(1).tolist()
    assert all(math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12) for a, b in zip(scores, tscores))
    right = sum((s > 0) == (t > 0) for s, t in zip(scores, ytest))
    print(f"test accuracy in chaingrad: {right / len(ytest):.1%}; the scores agree with PyTorch's to "
          f"{max(abs(a - b) for a, b in zip(scores, tscores)):.0e}")
    assert right / len(ytest) > 0.9

# %%
if needs_torch():
    n = 120
    xs = [-2.0 + 5.0 * i / (n - 1) for i in range(n)]
    ys = [-1.6 + 3.6 * j / (n - 1) for j in range(n)]
    grid = torch.tensor([[gx, gy] for gy in ys for gx in xs], dtype=torch.float64)
    with torch.no_grad():
        field = tbig(grid).reshape(n, n).numpy()
    fig, ax = plt.subplots(figsize=(5, 3.4))
    ax.contourf(xs, ys, field > 0, levels=1, colors=["#f4c7c3", "#c6dbef"])
    ax.contour(xs, ys, field, levels=[0.0], colors="k", linewidths=0.8)
    for label, colour, marker in ((1, "#1f77b4", "o"), (-1, "#d62728", "s")):
        pts = [p for p, t in zip(Xtest, ytest) if t == label][:200]
        ax.scatter([p[0] for p in pts], [p[1] for p in pts], c=colour, marker=marker, s=8, linewidths=0)
    ax.set_title(f"2-64-64-1 after {BIG_STEPS:,} PyTorch steps; 400 of the test points", fontsize=9)
    ax.set_aspect("equal")
    plt.show()

# %% [markdown]
# ## 5. What converts, and what does not
#
# `from_torch` takes a `Sequential` of exactly `Linear` (with a bias), `ReLU`, `Sigmoid`,
# `Tanh` and `Identity` (a no-op; no module, or `Identity`, after a `Linear` means a linear
# layer), with one activation shared by the hidden layers, as in an `nn.MLP`. Anything else is
# an error naming the layer by its index and class, and so are sizes that do not chain:

# %%
if needs_torch():
    attempts = {
        "Dropout": torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.Dropout(0.1), torch.nn.Linear(8, 1)),
        "Conv1d": torch.nn.Sequential(torch.nn.Conv1d(1, 4, 3), torch.nn.ReLU()),
        "sizes": torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.ReLU(), torch.nn.Linear(6, 1)),
        "two hidden activations": torch.nn.Sequential(
            torch.nn.Linear(2, 8), torch.nn.ReLU(), torch.nn.Linear(8, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1)
        ),
    }
    for what, module in attempts.items():
        try:
            nn.MLP.from_torch(module)
        except (TypeError, ValueError) as error:
            print(f"{what}: {type(error).__name__}: {error}")

# %% [markdown]
# A `Linear` is float32 unless told otherwise. `from_torch` accepts it: every float32 is also a
# float64, exactly, so the chaingrad model holds the very numbers the module held. Its outputs
# then agree with the module run in float64 (`module.double()`), not with the float32 module's
# own rounding, about 7 digits:

# %%
if needs_torch():
    torch.manual_seed(0)
    single = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Tanh(), torch.nn.Linear(3, 1))
    from32 = nn.MLP.from_torch(single)
    w = single[0].weight[0, 0]
    print(f"float32 weight {w.item()!r} ({w.dtype}) -> chaingrad {from32.layers[0].neurons[0].w[0].data!r}")
    point = [0.3, -0.7]
    print(f"chaingrad {from32(point).data!r}")
    print(f"float64   {single.double()(torch.tensor([point], dtype=torch.float64)).item()!r}")
    print(f"float32   {single.float()(torch.tensor([point])).item()!r}")

# %% [markdown]
# ## Exercises
#
# **Exercise 1.** Take the network `small` of section 1 and, instead of the hinge loss, the sum
# of its outputs over the 8 points, $S = \sum_{i=1}^{8} s_i$. What is $\partial S / \partial b$
# for the bias of the output neuron, `L3.n1.b`? (No computer needed: the output is linear.)

# %%
S = sum((small(x) for x in X8), Value(0.0))
S.label = "S"

answer_1 = None  # your number here
grade(answer_1, "L3.n1.b", S)

# %% [markdown]
# **Exercise 2.** Read a gradient off PyTorch. chaingrad's `L2.n3.w1` is the weight from input 1
# of layer 2 into its neuron 3. Where does PyTorch keep it in `tsmall` (which module index,
# which row, which column)? Read its gradient of section 2's hinge loss from that module's
# `.weight.grad` and enter the number. (Without PyTorch, find the same place in `small`.)

# %%
answer_2 = None  # your number here, e.g. tsmall[?].weight.grad[?, ?].item()
grade(answer_2, "L2.n3.w1", loss)

# %% [markdown]
# ## Solutions
#
# Collapsed; click a cell's left edge (or the "…") to open it. Each one must grade `right`
# (`solution=True`), so the stored notebook shows that it does.

# %% tags=["solution"] jupyter={"source_hidden": true}
# Exercise 1: s_i = b + w·h_i, so ∂s_i/∂b = 1 for every point, and S adds 8 of them: 8 paths of 1.
answer_1 = len(X8)
grade(answer_1, "L3.n1.b", S, solution=True)

# %% tags=["solution"] jupyter={"source_hidden": true}
# Exercise 2: layer 2 is the second Linear, at index 2 (index 1 is the Tanh after the first);
# neuron 3 is row 2 and input 1 is column 1 - 1 = 0 (PyTorch counts from 0, the labels from 1).
print(torch_keys(small)["layers.1.neurons.2.w.0"])
if torch is not None:
    answer_2 = tsmall[2].weight.grad[2, 0].item()
else:  # the same place in chaingrad: layers[1], neurons[2], w[0]
    answer_2 = small.layers[1].neurons[2].w[0].grad
grade(answer_2, "L2.n3.w1", loss, solution=True)
