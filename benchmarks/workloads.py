"""The benchmark's workloads, written once for every engine: chaingrad, micrograd, PyTorch, floats.

Importing this module imports no engine: an `Engine` imports its library when it is made, so
a worker process (worker.py) holds only the library it times. Every timed function returns its
phase timings in seconds, measured here, in the process that runs the engine.
"""

from __future__ import annotations

import gc
import random
import sys
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

Timing = dict[str, float]  # phase name -> seconds

# ---------------------------------------------------------------------------------------------
# Engines: how to make a leaf, run backward, apply relu and read a number. The workloads use
# only these and Python operators, so every engine runs the very same code.
# ---------------------------------------------------------------------------------------------


class Engine:
    """One library under test; subclasses import it in __init__."""

    name = ""
    differentiates = True

    def leaf(self, x: float) -> Any:
        raise NotImplementedError

    def backward(self, out: Any, depth: int) -> None:
        """Run backward from `out`, a graph at most `depth` operations deep."""
        out.backward()

    def relu(self, x: Any) -> Any:
        return x.relu()

    def value(self, x: Any) -> float:
        return float(x.data)


class Chaingrad(Engine):
    name = "chaingrad"

    def __init__(self) -> None:
        import autograd
        import nn
        from autograd.grad_mode import no_grad

        self.autograd, self.nn, self.no_grad = autograd, nn, no_grad

    def leaf(self, x: float) -> Any:
        return self.autograd.Value(x)


class Micrograd(Engine):
    name = "micrograd"

    def __init__(self) -> None:
        import micrograd.engine
        import micrograd.nn

        self.micrograd = micrograd

    def leaf(self, x: float) -> Any:
        return self.micrograd.engine.Value(x)

    def backward(self, out: Any, depth: int) -> None:
        # micrograd's topological sort is recursive: give it room (a failure is reported).
        sys.setrecursionlimit(max(sys.getrecursionlimit(), 4 * depth + 10_000))
        out.backward()


class Torch(Engine):
    name = "torch"

    def __init__(self) -> None:
        import torch

        self.torch = torch

    def leaf(self, x: float) -> Any:
        return self.torch.tensor(x, dtype=self.torch.float64, requires_grad=True)

    def value(self, x: Any) -> float:
        return float(x.item())


class Floats(Engine):
    """Plain Python floats: the forward pass with no graph, the floor for the interpreter."""

    name = "float"
    differentiates = False

    def leaf(self, x: float) -> Any:
        return x

    def relu(self, x: Any) -> Any:
        return x if x > 0.0 else 0.0

    def value(self, x: Any) -> float:
        return x


ENGINES: dict[str, type[Engine]] = {"chaingrad": Chaingrad, "micrograd": Micrograd, "torch": Torch, "float": Floats}
LIBRARY = {"chaingrad": "autograd", "micrograd": "micrograd", "torch": "torch", "float": None}  # what each imports

# ---------------------------------------------------------------------------------------------
# Workloads 1 and 2: each returns its phase timings, or raises (RecursionError, MemoryError).
# ---------------------------------------------------------------------------------------------


def run_chain(engine: Engine, n: int) -> Timing:
    """A deep chain of alternating `* 0.999` and `+ 0.001`, n operations."""
    x = engine.leaf(0.5)
    clock = time.perf_counter
    t0 = clock()
    y = x
    for _ in range(n // 2):
        y = y * 0.999
        y = y + 0.001
    t1 = clock()
    if engine.differentiates:
        engine.backward(y, n)
    t2 = clock()
    del y
    return {"forward": t1 - t0, "backward": t2 - t1, "free": clock() - t2 + reclaim_cycles()}


def run_wide(engine: Engine, n: int) -> Timing:
    """A neuron's sum `w0*x0 + w1*x1 + ...` over 2n leaves (2n - 1 operations)."""
    rng = random.Random(n)
    ws = [engine.leaf(rng.uniform(-1.0, 1.0)) for _ in range(n)]
    xs = [engine.leaf(rng.uniform(-1.0, 1.0)) for _ in range(n)]
    clock = time.perf_counter
    t0 = clock()
    s = ws[0] * xs[0]
    for w, x in zip(ws[1:], xs[1:]):
        s = s + w * x
    t1 = clock()
    if engine.differentiates:
        engine.backward(s, 2 * n - 1)
    t2 = clock()
    del s
    return {"forward": t1 - t0, "backward": t2 - t1, "free": clock() - t2 + reclaim_cycles()}


def reclaim_cycles() -> float:
    """Seconds the collector takes to free what `del output` left in reference cycles, else 0.

    Part of freeing the graph: micrograd's nodes hold closures that refer back to them, so its
    graphs are freed only by a collection. When the collection finds nothing to free (chaingrad,
    PyTorch: reference counting already freed the graph) it only rescanned the rest of the
    heap, which is not the graph's cost, and it is not charged.
    """
    t0 = time.perf_counter()
    found = gc.collect()
    return time.perf_counter() - t0 if found else 0.0


WORKLOADS: dict[str, Callable[[Engine, int], Timing]] = {"chain": run_chain, "wide": run_wide}

DEFAULT_RECURSION_LIMIT = 1000  # CPython's default


def recursion_probe(engine: Engine, sizes: list[int]) -> dict[str, str]:
    """Whether backward on the chain of each size works under CPython's default recursion limit.

    The timed runs raise the limit for micrograd (its topological sort is recursive); this shows
    what a user who does not raise it gets. Answers N -> "ok" or the error's name.
    """
    saved = sys.getrecursionlimit()
    sys.setrecursionlimit(DEFAULT_RECURSION_LIMIT)
    outcome: dict[str, str] = {}
    try:
        for n in sizes:
            y = x = engine.leaf(0.5)
            for _ in range(n // 2):
                y = y * 0.999
                y = y + 0.001
            try:
                y.backward()
                outcome[str(n)] = "ok"
            except RecursionError:
                outcome[str(n)] = "RecursionError"
            del x, y
    finally:
        sys.setrecursionlimit(saved)
    return outcome


def without_gc(fn: Callable[[Engine, int], Timing], engine: Engine, n: int) -> Timing:
    """`fn(engine, n)` with the garbage collector disabled: the diagnostic rows."""
    gc.disable()
    try:
        return fn(engine, n)
    finally:
        gc.enable()


# ---------------------------------------------------------------------------------------------
# Workload 3: one training step of micrograd's demo, in each engine, from the same weights.
# ---------------------------------------------------------------------------------------------

SIZES = (2, [16, 16, 1])
ALPHA = 1e-4  # L2 weight
LR = 0.1


def initial_weights() -> list[float]:
    """chaingrad's MLP(2, [16, 16, 1]) initial parameters, in the order every engine lists them."""
    import nn

    return [p.data for p in nn.MLP(*SIZES, rng=random.Random(1337)).parameters()]


def scalar_mlp(engine: Engine, params: list, xs: list[list[float]]) -> list:
    """The MLP's scores, written with Python operators so PyTorch and floats run the same code.

    Parameters are laid out as chaingrad and micrograd list them: per neuron w..., then b.
    """
    scores = []
    for x in xs:
        layer_in, k = x, 0
        for li, nout in enumerate(SIZES[1]):
            nin, out = len(layer_in), []
            for _ in range(nout):
                w, b = params[k : k + nin], params[k + nin]
                k += nin + 1
                z = b
                for wi, xi in zip(w, layer_in):
                    z = z + wi * xi
                out.append(engine.relu(z) if li < len(SIZES[1]) - 1 else z)
            layer_in = out
        scores.append(layer_in[0])
    return scores


class MLPStep:
    """One engine's training state; `step()` returns (phase timings, loss).

    Variants: "default" for every engine (for chaingrad its default model, one `dot` node per
    neuron); for chaingrad also "unfused" (``fused=False``: a node per multiply and add) and
    "replay" (the default model's graph recorded once by `autograd.record`).
    """

    def __init__(self, engine: Engine, variant: str, weights: list[float], X: list[list[float]], y: list) -> None:
        self.engine, self.variant, self.X, self.y = engine, variant, X, y
        self.record_seconds = 0.0
        self.tape: Any = None
        if isinstance(engine, Chaingrad):
            self.model = engine.nn.MLP(*SIZES, fused=variant != "unfused")
            self.model.load_state_dict(dict(zip(self.model.state_dict(), weights)))
            self.params = self.model.parameters()
            if variant == "replay":
                t0 = time.perf_counter()
                self.tape = engine.autograd.record(self.chaingrad_loss)
                self.record_seconds = time.perf_counter() - t0
        elif variant != "default":
            raise ValueError(f"{engine.name} has no {variant!r} MLP")
        elif isinstance(engine, Micrograd):
            random.seed(0)
            self.model = engine.micrograd.nn.MLP(*SIZES)
            self.params = self.model.parameters()
            for p, w in zip(self.params, weights):
                p.data = w
        else:  # torch and floats: a flat list of parameters for `scalar_mlp`
            self.params = [engine.leaf(w) for w in weights]

    def chaingrad_loss(self) -> Any:
        scores = [self.model(x) for x in self.X]
        return self.engine.nn.hinge(scores, self.y) + ALPHA * sum(p * p for p in self.params)

    def loss(self) -> Any:
        if isinstance(self.engine, Chaingrad):
            return self.chaingrad_loss()
        if isinstance(self.engine, Micrograd):  # micrograd's demo, verbatim
            scores = list(map(self.model, self.X))
            losses = [(1 + -yi * si).relu() for yi, si in zip(self.y, scores)]
            data_loss = sum(losses) * (1.0 / len(losses))
            return data_loss + ALPHA * sum(p * p for p in self.params)
        scores = scalar_mlp(self.engine, self.params, self.X)
        losses = [self.engine.relu(1.0 - yi * si) for yi, si in zip(self.y, scores)]
        return sum(losses) * (1.0 / len(losses)) + ALPHA * sum(p * p for p in self.params)

    def step(self) -> tuple[Timing, float]:
        clock, engine = time.perf_counter, self.engine
        if self.tape is not None:
            t0 = clock()
            loss = self.tape.forward()
            t1 = clock()
            self.tape.backward()
            t2 = clock()
            self.update()
            t3 = clock()
            return {"forward": t1 - t0, "backward": t2 - t1, "update": t3 - t2, "free": 0.0}, loss
        t0 = clock()
        out = self.loss()
        t1 = clock()
        if not engine.differentiates:
            return {"forward": t1 - t0}, out
        engine.backward(out, 100)
        t2 = clock()
        self.update()
        t3 = clock()
        loss = engine.value(out)
        t4 = clock()
        del out
        free = clock() - t4 + reclaim_cycles()
        return {"forward": t1 - t0, "backward": t2 - t1, "update": t3 - t2, "free": free}, loss

    def update(self) -> None:
        """SGD, then zero_grad, as each library's users write it."""
        if isinstance(self.engine, Torch):
            with self.engine.torch.no_grad():
                for p in self.params:
                    p -= LR * p.grad
                    p.grad = None  # what torch's zero_grad() does by default
            return
        for p in self.params:
            p.data -= LR * p.grad
        for p in self.params:
            p.grad = 0.0


# ---------------------------------------------------------------------------------------------
# Workload 5: evaluating the MLP, with and without a graph.
# ---------------------------------------------------------------------------------------------

#: The variants of the evaluation, by engine: chaingrad records a graph ("record", the default
#: call) or runs under ``autograd.no_grad()``; floats are the floor (`scalar_mlp` on floats).
FORWARD_VARIANTS = {"chaingrad": ("record", "no_grad"), "float": ("default",)}


def mlp_forward(engine: Engine, variant: str, weights: list[float], X: list[list[float]]) -> tuple[Timing, float]:
    """MLP(2, [16, 16, 1])'s score for every point, once; returns (phase timings, sum of the scores).

    "forward" is the calls; "free" is dropping the scores (and with them a recorded graph).
    chaingrad's model is built and loaded untimed, as a trained model would be at hand.
    """
    clock = time.perf_counter
    if isinstance(engine, Chaingrad):
        model = engine.nn.MLP(*SIZES)
        model.load_state_dict(dict(zip(model.state_dict(), weights)))
        if variant == "no_grad":
            t0 = clock()
            with engine.no_grad():
                scores = [model(x) for x in X]
            t1 = clock()
        elif variant == "record":
            t0 = clock()
            scores = [model(x) for x in X]
            t1 = clock()
        else:
            raise ValueError(f"chaingrad has no {variant!r} forward")
        total = sum(engine.value(s) for s in scores)
    elif isinstance(engine, Floats) and variant == "default":
        t0 = clock()
        scores = scalar_mlp(engine, weights, X)
        t1 = clock()
        total = sum(scores)
    else:
        raise ValueError(f"{engine.name} has no {variant!r} forward")
    t2 = clock()
    del scores
    return {"forward": t1 - t0, "free": clock() - t2 + reclaim_cycles()}, total


# ---------------------------------------------------------------------------------------------
# Workload 4: memory per node, and whether the graph is freed by reference counting alone.
# ---------------------------------------------------------------------------------------------


def memory(engine: Engine, n: int) -> tuple[float, float]:
    """(bytes per operation of the wide graph, fraction freed by `del` with the collector off)."""
    rng = random.Random(0)
    ws = [engine.leaf(rng.uniform(-1.0, 1.0)) for _ in range(n)]
    xs = [engine.leaf(rng.uniform(-1.0, 1.0)) for _ in range(n)]
    gc.collect()
    gc.disable()
    try:
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        s = ws[0] * xs[0]
        for w, x in zip(ws[1:], xs[1:]):
            s = s + w * x
        built = tracemalloc.get_traced_memory()[0]
        del s
        after = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
    finally:
        gc.enable()
    grown = built - before
    return grown / (2 * n - 1), (built - after) / grown if grown else float("nan")
