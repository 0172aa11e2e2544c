"""Train an MLP on two moons (micrograd's demo) and write plots of what it learned.

Run ``python -m nn.demo --help`` (or the ``chaingrad-demo`` console script). With the defaults
it trains a 2-16-16-1 ReLU network with a hinge loss for 100 full-batch steps of gradient
descent, the learning rate decaying from 2.0 to 0.2, as notebook 6 does (``--momentum`` adds
momentum), prints the final accuracy, and writes into the output folder:

* ``decision_boundary.png``: the learned decision regions with the training points,
* ``loss.png``: loss and accuracy per step, one above the other on a shared axis of steps,
* ``neuron.svg``: the graph of one first-layer neuron on one sample, with its gradients; its
  caption says which gradients also come through the nodes it does not draw,
* ``neuron.html``: the same trained neuron to explore in a browser (`autograd.viz.explore`):
  click a value for its gradient as a sum over chain-rule paths, step through backward.

Every option is checked before training starts: a bad value, or an output folder the demo could
not write into, is a usage error (exit status 2) and nothing is written. A run that diverges (the
loss overflows, or grows past a thousand times where it started) stops with a message saying so
(exit status 1) instead of plotting it.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import random
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autograd import RULES, Value, draw_dot, topological_order
from autograd.viz import explore

from .data import make_moons
from .losses import hinge
from .module import MLP
from .optim import SGD

__all__ = [
    "History",
    "TrainingDiverged",
    "main",
    "accuracy",
    "loss_and_scores",
    "train",
    "plot_decision_boundary",
    "plot_history",
    "history_figure",
    "neuron_graph",
    "neuron_caption",
]

L2 = 1e-4  # weight of the L2 penalty added to the hinge loss, as in micrograd's demo
DIVERGED = 1e3  # a loss this many times its start (or 1, if it starts lower) means training diverged


@dataclass
class History:
    """Loss and accuracy after each training step."""

    loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)


class TrainingDiverged(ArithmeticError):
    """Training stopped because the loss overflowed or grew past `DIVERGED` times where it started.

    `step` is the number of updates made, `history` the losses and accuracies up to there.
    """

    def __init__(self, message: str, step: int, history: History) -> None:
        super().__init__(message)
        self.step = step
        self.history = history


def loss_and_scores(model: MLP, points: Sequence[Sequence[float]], labels: Sequence[int]) -> tuple[Value, list[Value]]:
    """Mean hinge loss of the scores plus L2 times the sum of every parameter squared, and the scores."""
    scores = [_score(model, p) for p in points]
    params = model.parameters()
    penalty = sum((p * p for p in params[1:]), params[0] * params[0])
    return hinge(scores, labels) + L2 * penalty, scores


def _score(model: MLP, point: Sequence[float]) -> Value:
    """The model's output on one point: a single Value, as the demo's models end in one neuron."""
    out = model(point)
    if not isinstance(out, Value):
        raise TypeError(f"the demo needs an MLP with one output, got one with {len(out)} outputs")
    return out


def accuracy(scores: Sequence[Value | float], labels: Sequence[int]) -> float:
    """The fraction of points on the right side of 0 (score > 0 means label +1)."""
    right = sum((float(s) > 0) == (t > 0) for s, t in zip(scores, labels))
    return right / len(labels)


def train(
    model: MLP,
    points: Sequence[Sequence[float]],
    labels: Sequence[int],
    steps: int = 100,
    lr: float = 2.0,
    momentum: float = 0.0,
    progress: bool = True,
) -> History:
    """Full-batch gradient descent, the learning rate decaying linearly from lr to lr/10.

    With momentum 0 (the default) each step is W' = W - lr * dL/dW, notebook 6's loop.
    Raises `TrainingDiverged` when a value overflows or the loss grows past `DIVERGED` times its
    first value (counted from 1 if it starts below 1): the learning rate is too large.
    """
    from tqdm import tqdm  # type: ignore[import-untyped]  # no stubs installed (types-tqdm)

    optimizer = SGD(model.parameters(), lr=lr, momentum=momentum)
    history = History()
    bar = tqdm(range(steps), desc="training", unit="step", disable=not progress)
    k = 0
    try:
        for k in bar:
            loss, scores = loss_and_scores(model, points, labels)
            _check_divergence(loss.data, history, k, lr)
            acc = accuracy(scores, labels)
            history.loss.append(loss.data)
            history.accuracy.append(acc)
            bar.set_postfix(loss=f"{loss.data:.4f}", acc=f"{acc:.0%}")
            optimizer.zero_grad()
            loss.backward()
            optimizer.lr = lr * (1.0 - 0.9 * k / steps)
            optimizer.step()  # v <- momentum * v + dL/dp, p <- p - lr * v (v = dL/dp at momentum 0)
        k = steps
        _, scores = loss_and_scores(model, points, labels)
    except OverflowError as e:  # the engine and the optimizer refuse to make inf
        raise TrainingDiverged(
            f"training diverged: after {k} step{'s' if k != 1 else ''} a value overflowed ({_short(e)}); "
            f"the learning rate {lr:g} is too large",
            k,
            history,
        ) from e
    finally:
        bar.close()
    history.accuracy.append(accuracy(scores, labels))  # after the last update
    return history


def _check_divergence(loss: float, history: History, step: int, lr: float) -> None:
    start = history.loss[0] if history.loss else loss
    if math.isfinite(loss) and loss <= DIVERGED * max(start, 1.0):
        return
    raise TrainingDiverged(
        f"training diverged: after {step} step{'s' if step != 1 else ''} the loss is {loss:.4g}, "
        f"up from {start:.4g} at the start; the learning rate {lr:g} is too large",
        step,
        history,
    )


def _short(error: Exception, limit: int = 80) -> str:
    text = str(error)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _scores_on_grid(model: MLP, xs: list[float], ys: list[float]) -> list[list[float]]:
    """The model's score at every grid point, computed on floats from the trained weights."""
    layers = [
        ([[w.data for w in n.w] for n in layer.neurons], [n.b.data for n in layer.neurons], layer.activation)
        for layer in model.layers
    ]
    # The engine's own forward functions from the rule table, applied to plain floats.
    act = {name: RULES[name].forward for name in ("relu", "tanh", "sigmoid")}
    act["linear"] = lambda z: z
    grid = []
    for y in ys:
        row = []
        for x in xs:
            a = [x, y]
            for weights, biases, name in layers:
                f = act[name]
                a = [f(b + sum(w * ai for w, ai in zip(ws, a))) for ws, b in zip(weights, biases)]
            row.append(a[0])
        grid.append(row)
    return grid


def plot_decision_boundary(
    model: MLP, points: Sequence[Sequence[float]], labels: Sequence[int], ax: Any, resolution: int = 120
) -> None:
    """Fill the plane by the model's predicted class and scatter the points on top."""
    x_min = min(p[0] for p in points) - 0.5
    x_max = max(p[0] for p in points) + 0.5
    y_min = min(p[1] for p in points) - 0.5
    y_max = max(p[1] for p in points) + 0.5
    xs = [x_min + (x_max - x_min) * i / (resolution - 1) for i in range(resolution)]
    ys = [y_min + (y_max - y_min) * i / (resolution - 1) for i in range(resolution)]
    grid = _scores_on_grid(model, xs, ys)
    ax.contourf(
        xs,
        ys,
        [[1.0 if s > 0 else 0.0 for s in row] for row in grid],
        levels=[-0.5, 0.5, 1.5],
        colors=["#f4c7c3", "#c6dbef"],
        alpha=0.9,
    )
    ax.contour(xs, ys, grid, levels=[0.0], colors="k", linewidths=1.0)
    for label, colour, marker in ((1, "#1f77b4", "o"), (-1, "#d62728", "s")):
        chosen = [p for p, t in zip(points, labels) if t == label]
        ax.scatter(
            [p[0] for p in chosen],
            [p[1] for p in chosen],
            c=colour,
            marker=marker,
            s=22,
            edgecolors="k",
            linewidths=0.5,
            label=f"label {label:+d}",
        )
    ax.set_xlim(x_min, x_max)
    ax.set_ylim(y_min, y_max)
    ax.set_aspect("equal")
    ax.legend(loc="lower left", fontsize=8)


def plot_history(history: History, axes: Sequence[Any]) -> None:
    """Loss per step on the first axes, accuracy on the second (see `history_figure`)."""
    loss_ax, acc_ax = axes
    loss_ax.plot(range(len(history.loss)), history.loss, color="#1f77b4")
    loss_ax.set_xlabel("step")
    loss_ax.set_ylabel("loss (hinge + L2)")
    loss_ax.set_yscale("log")
    loss_ax.grid(alpha=0.3)
    acc_ax.plot(range(len(history.accuracy)), [100 * a for a in history.accuracy], color="#2ca02c")
    acc_ax.set_xlabel("step")
    acc_ax.set_ylabel("training accuracy (%)")
    acc_ax.set_ylim(0, 102)
    acc_ax.grid(alpha=0.3)


def history_figure(history: History, title: str = "training on two moons") -> Any:
    """A matplotlib Figure (no pyplot) of the loss above the accuracy, on one shared axis of steps."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7, 5.5), dpi=100)
    axes = fig.subplots(2, 1, sharex=True)
    plot_history(history, axes)
    for ax in axes:
        ax.label_outer()  # the step numbers and the label "step" once, under the lower plot
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def neuron_graph(model: MLP, point: Sequence[float], label: int, of: str = "loss") -> Value:
    """The output of neuron 1 of layer 1 on one sample, with `.grad` = d(of)/d(node) everywhere.

    `of` is "loss" (the network's hinge loss on this sample, what a training step on it would
    use) or "score" (the network's output). The backward pass runs through the very nodes that
    are returned. The inputs are labelled x1, x2, ...; the neuron's parameters and nodes carry
    the model's labels (``L1.n1.w1``, ``L1.n1.b``, ``L1.n1.z``, ``L1.n1.a``). `neuron_caption`
    says what a drawing of it leaves out.
    """
    if of not in ("loss", "score"):
        raise ValueError(f"neuron_graph: of must be 'loss' or 'score', got {of!r}")
    first, *rest = model.layers
    x = [Value(v, label=f"x{i + 1}") for i, v in enumerate(point)]
    hidden = first(x)
    out = hidden[0]
    for layer in rest:
        hidden = layer(hidden)
    model.zero_grad()
    root = hinge(hidden[0], label) if of == "loss" else hidden[0]
    root.backward()
    return out


def neuron_caption(model: MLP, out: Value, label: int, of: str = "loss") -> str:
    """A title for a drawing of `neuron_graph`'s result: which neuron and point it shows, and the
    gradients that come through nodes it does not draw.

    Each input x_k feeds every neuron of layer 1, so its gradient is this neuron's share (w_k
    times z's gradient, the path drawn) plus what the other neurons send; the caption gives both
    parts. The gradient of the neuron's output comes from the layers above, not drawn either.
    """
    first = model.layers[0]
    neuron = first.neurons[0]
    z = out if neuron.activation == "linear" else out.operands[0]
    if not isinstance(z, Value):
        raise TypeError(f"neuron_caption: expected the output of neuron_graph, got {out!r}")
    params = {id(p) for p in neuron.parameters()}
    inputs = [v for v in topological_order(out) if v.rule is None and id(v) not in params]
    where = ", ".join(f"{x.data:.2f}" for x in inputs)
    what = "its hinge loss" if of == "loss" else "the network's score (the point is past the margin)"
    others = first.nout - 1
    # Lines of at most about 70 characters, so that draw_dot does not wrap them.
    lines = [f"neuron 1 of {first.nout} in layer 1, on the point ({where}), label {label:+d}", f"gradients of {what}"]
    name = out.label or "the output"
    if len(model.layers) > 1:
        lines.append(f"{name}'s gradient {out.grad:.4g} comes from the layers above (not drawn)")
    elif of == "loss":
        lines.append(f"{name}'s gradient {out.grad:.4g} comes from the hinge loss (not drawn)")
    if others:
        names = ", ".join(x.label for x in inputs)
        lines.append(f"{names} also feed the {others} other neuron{'s' if others > 1 else ''} of layer 1 (not drawn):")
        for x, w in zip(inputs, neuron.w):
            share = w.data * z.grad  # dz/dx_k = w_k: the path drawn from x_k
            lines.append(
                f"{x.label}'s gradient {x.grad:.4g} = {share:.4g} from this neuron "
                f"+ {x.grad - share:.4g} from the others"
            )
    return "\n".join(lines)


def _telling_point(model: MLP, points: Sequence[Sequence[float]], labels: Sequence[int]) -> int:
    """The point nearest the wrong side of the margin among those that switch neuron 0 on.

    Its hinge loss is most likely nonzero, so the neuron's drawing shows gradients, not zeros.
    """
    neuron = model.layers[0].neurons[0]
    w = [wi.data for wi in neuron.w]
    on = [i for i, p in enumerate(points) if neuron.b.data + sum(a * b for a, b in zip(w, p)) > 0]
    scores = _scores_on_points(model, points)
    return min(on or range(len(points)), key=lambda i: labels[i] * scores[i])


def _scores_on_points(model: MLP, points: Sequence[Sequence[float]]) -> list[float]:
    return [float(_score(model, p)) for p in points]


def _write_neuron_svg(model: MLP, point: Sequence[float], label: int, path: Path) -> None:
    score = float(_score(model, point))
    of = "loss" if 1.0 - label * score > 0 else "score"  # outside the margin the loss is flat
    out = neuron_graph(model, point, label, of=of)
    graph = draw_dot(out, title=neuron_caption(model, out, label, of))
    path.write_bytes(graph.pipe(format="svg"))
    model.zero_grad()


def _write_neuron_page(model: MLP, point: Sequence[float], label: int, path: Path) -> None:
    """The neuron of neuron.svg as an explorer page: its output's gradients with respect to its
    weights, bias and inputs (the neuron on its own, so every gradient it shows is whole)."""
    out = neuron_graph(model, point, label, of="score")
    where = ", ".join(f"{v:.3f}" for v in point)
    name = out.label or "a"
    title = f"neuron 1 of layer 1 of the trained model on the point ({where}): {name} and d{name}/d(each value)"
    explore(out, title=title).save(path)
    model.zero_grad()


def _hidden_sizes(text: str) -> list[int]:
    try:
        sizes = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected sizes like 16,16; got {text!r}") from None
    if not sizes or any(n < 1 for n in sizes):
        raise argparse.ArgumentTypeError(f"expected positive sizes like 16,16; got {text!r}")
    return sizes


def _whole(minimum: int) -> Callable[[str], int]:
    """An int option of at least `minimum`."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be >= {minimum}, got {value}")
        return value

    return parse


def _real(low: float, high: float = math.inf, *, above: bool = False) -> Callable[[str], float]:
    """A finite float option in [low, high), or (low, high) if `above`."""
    bounds = f"{'>' if above else '>='} {low:g}" + (f" and < {high:g}" if high < math.inf else "")

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        if not (math.isfinite(value) and (value > low if above else value >= low) and value < high):
            raise argparse.ArgumentTypeError(f"must be a finite number {bounds}, got {text}")
        return value

    return parse


def _unwritable(out: Path) -> str | None:
    """Why the demo could not write its files into the folder `out`, or None if it can.

    Tried for real (a missing folder is made, a file written into it, both removed again), as
    permissions alone do not tell: an administrator, a read-only disk, a full one.
    """
    if out.exists() and not out.is_dir():
        return f"{out} is not a folder"
    missing = not out.exists()
    if missing and not out.parent.is_dir():
        if out.parent.exists():
            return f"{out.parent} is not a folder"
        return f"{out.parent} does not exist (the demo makes the folder {out.name} only inside an existing folder)"
    try:
        if missing:
            out.mkdir()
    except OSError as e:
        return f"cannot make the folder {out} ({e.strerror or e})"
    try:
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as e:
        return f"cannot write a file into {out} ({e.strerror or e})"
    finally:
        if missing:
            with contextlib.suppress(OSError):
                out.rmdir()
    return None


def build_parser() -> argparse.ArgumentParser:
    """The command line of the demo."""
    parser = argparse.ArgumentParser(
        prog="chaingrad-demo" if Path(sys.argv[0]).stem == "chaingrad-demo" else "python -m nn.demo",
        description="Train an MLP on two moons with chaingrad's scalar autodiff engine, "
        "print the final accuracy and write plots into an output folder.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--steps", type=_whole(1), default=100, help="training steps (full batch)")
    parser.add_argument("--seed", type=int, default=1, help="seed for the data and the initial weights")
    parser.add_argument(
        "--hidden", type=_hidden_sizes, default="16,16", metavar="SIZES", help="hidden layer sizes, comma-separated"
    )
    parser.add_argument(
        "--lr", type=_real(0.0, above=True), default=2.0, help="initial learning rate (decays linearly to lr/10)"
    )
    parser.add_argument("--momentum", type=_real(0.0, 1.0), default=0.0, help="SGD momentum in [0, 1)")
    parser.add_argument("--n-samples", type=_whole(2), default=100, help="number of moon points (at least 2)")
    parser.add_argument("--noise", type=_real(0.0), default=0.1, help="standard deviation of the point noise")
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("demo-output"),
        help="output folder (made if missing; its parent folder must exist)",
    )
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the demo; returns the process exit status (2 for a bad option, 1 if training diverged)."""
    parser = build_parser()
    args = parser.parse_args(argv)  # every value is checked here: a bad one exits with status 2
    out: Path = args.out
    problem = _unwritable(out)
    if problem is not None:
        parser.error(f"argument --out: {problem}")
    try:
        import matplotlib  # noqa: F401
        import tqdm  # noqa: F401
    except ImportError as e:
        print(
            f"the demo needs {e.name}: install the 'demo' extra, `pip install -e '.[demo]'` in a clone "
            "of the project or `pip install '<chaingrad wheel>[demo]'` from a wheel",
            file=sys.stderr,
        )
        return 1

    from matplotlib.figure import Figure  # no pyplot: no GUI backend, no global state

    points, labels = make_moons(args.n_samples, noise=args.noise, seed=args.seed)
    model = MLP(2, [*args.hidden, 1], activation="relu", rng=random.Random(args.seed))
    n_params = len(model.parameters())
    print(
        f"two moons: {len(points)} points; MLP 2-{'-'.join(map(str, args.hidden))}-1, "
        f"{n_params} parameters; {args.steps} steps of SGD (lr {args.lr}, momentum {args.momentum})"
    )
    started = time.perf_counter()
    try:
        history = train(model, points, labels, args.steps, args.lr, args.momentum, progress=not args.no_progress)
    except TrainingDiverged as e:
        print(
            f"{parser.prog}: {e}. Nothing was written; try a smaller --lr (the default is {parser.get_default('lr')}).",
            file=sys.stderr,
        )
        return 1
    seconds = time.perf_counter() - started
    final = history.accuracy[-1]
    print(
        f"final accuracy: {final:.1%} ({round(final * len(labels))}/{len(labels)}), "
        f"final loss: {history.loss[-1]:.4f}, training time: {seconds:.1f} s"
    )

    out.mkdir(exist_ok=True)  # its parent exists: checked before training
    written = []

    fig = Figure(figsize=(6.4, 4.4), dpi=100)
    ax = fig.add_subplot()
    plot_decision_boundary(model, points, labels, ax)
    ax.set_title(f"decision boundary after {args.steps} steps: {final:.0%} accuracy")
    fig.tight_layout()
    fig.savefig(out / "decision_boundary.png")
    written.append(out / "decision_boundary.png")

    history_figure(history).savefig(out / "loss.png")
    written.append(out / "loss.png")

    i = _telling_point(model, points, labels)
    _write_neuron_svg(model, points[i], labels[i], out / "neuron.svg")
    written.append(out / "neuron.svg")
    _write_neuron_page(model, points[i], labels[i], out / "neuron.html")
    written.append(out / "neuron.html")

    for path in written:
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
