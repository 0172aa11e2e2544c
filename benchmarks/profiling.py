"""Where chaingrad's time goes: its MLP step split into phases, and a cProfile of one step.

Runs in chaingrad's worker. Splitting backward into "order the nodes" and "apply the rules"
uses `autograd.topological_order` and the private `_fill_gradients` of autograd.backward; if
the engine no longer has them, or they no longer give the gradients `backward` gives, backward
is timed as one phase (`loss.backward()`) instead.
"""

from __future__ import annotations

import cProfile
import gc
import importlib
import io
import math
import pstats
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .workloads import ALPHA, SIZES, Chaingrad, MLPStep

# The module, not the function `autograd.backward` that the package exports under the same name.
try:
    ENGINE_BACKWARD: Any = importlib.import_module("autograd.backward")
except ImportError:  # the engine was reorganised: no split
    ENGINE_BACKWARD = None
SPLIT = ["backward: order the nodes (DFS)", "backward: apply the rules", "backward: add to .grad"]
WHOLE = ["backward (`loss.backward()`)"]


def _mlp(engine: Chaingrad, weights: list[float], X: list, y: list) -> tuple[Callable[[bool], list[float]], list]:
    """A step function `step(split) -> phase seconds` on a fresh model, and the model's parameters.

    The step leaves the gradients in `.grad`; the caller zeroes them, untimed.
    """
    model = engine.nn.MLP(*SIZES)
    model.load_state_dict(dict(zip(model.state_dict(), weights)))
    params = model.parameters()
    hinge = engine.nn.hinge
    order_of = getattr(ENGINE_BACKWARD, "topological_order", None)
    fill = getattr(ENGINE_BACKWARD, "_fill_gradients", None)

    def step(split: bool) -> list[float]:
        clock = time.perf_counter
        t = [clock()]
        loss = hinge([model(x) for x in X], y) + ALPHA * sum(p * p for p in params)
        t.append(clock())
        if split:  # what autograd.backward does, one phase at a time
            order = order_of(loss)  # type: ignore[misc]
            t.append(clock())
            fill(order, 1.0)  # type: ignore[misc]
            t.append(clock())
            for node in order:
                node.grad += node._g
            t.append(clock())
            del order
        else:
            loss.backward()
            t.append(clock())
        del loss
        t.append(clock())
        return [b - a for a, b in zip(t, t[1:])]

    return step, params


def _split_works(engine: Chaingrad, weights: list[float], X: list, y: list) -> bool:
    """Whether the private functions exist and give `backward`'s gradients (checked on a throwaway model)."""
    if not all(hasattr(ENGINE_BACKWARD, f) for f in ("topological_order", "_fill_gradients")):
        return False
    step, params = _mlp(engine, weights, X, y)
    step(False)
    expected = [p.grad for p in params]
    for p in params:
        p.grad = 0.0
    try:
        step(True)
        return all(math.isclose(p.grad, g, rel_tol=1e-9, abs_tol=1e-12) for p, g in zip(params, expected))
    except Exception:  # any failure means the private functions changed: time backward whole
        return False


def phases(engine: Chaingrad, weights: list[float], X: list, y: list, rounds: int) -> dict[str, Any]:
    """Medians over `rounds` back-to-back steps of each phase, with the collector on and off."""
    split = _split_works(engine, weights, X[:10], y[:10])
    step, params = _mlp(engine, weights, X, y)
    medians: dict[str, list[float]] = {}
    for collector in (True, False):
        gc.collect()
        if not collector:
            gc.disable()
        try:
            runs = []
            for _ in range(rounds):
                runs.append(step(split))
                for p in params:
                    p.grad = 0.0
        finally:
            gc.enable()
        medians["on" if collector else "off"] = [statistics.median(ph) for ph in zip(*runs)]
    names = ["forward: build the graph", *(SPLIT if split else WHOLE), "free the graph (del)"]
    return {"names": names, "split": split, **medians}


def profile(engine: Chaingrad, weights: list[float], X: list, y: list, top: int = 8) -> dict[str, Any]:
    """cProfile of one MLP step of the default model: the `top` functions by own time, and the total."""
    stepper = MLPStep(engine, "default", weights, X, y)
    profiler = cProfile.Profile()
    profiler.enable()
    stepper.step()
    profiler.disable()
    stats = pstats.Stats(profiler, stream=io.StringIO()).stats  # type: ignore[attr-defined]
    rows = sorted(stats.items(), key=lambda kv: -kv[1][2])[:top]
    return {
        "total": sum(v[2] for v in stats.values()),
        "rows": [
            [f"{Path(file).name}:{line} {func}" if line else func, nc, tt]
            for (file, line, func), (_, nc, tt, _, _) in rows
        ],
    }
