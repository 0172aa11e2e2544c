"""A benchmark worker: an interpreter that imports only the engines it is given and times them.

    python -m benchmarks.worker chaingrad          # what run.py starts: one worker per engine
    python -m benchmarks.worker chaingrad torch    # several engines in one interpreter (--shared)

The parent (run.py) sends one JSON command per line on stdin; the worker answers each with one
JSON line on stdout, which carries nothing else (anything else written there goes to stderr).
It exits at the end of its input. First, before any command, it says what it holds:

    {"engines": [...], "modules": [...], "tracked": objects the collector tracks, "gc_threshold": [...]}

or {"error": text} if an engine cannot be imported. Then, with "engine" naming one of its engines:

    {"do": "chain" | "wide", "engine": e, "n": N, "gc": true}   -> {"forward": s, "backward": s, "free": s}
    {"do": "mlp_setup", "engine": e, "variant": v, "weights": [...], "X": [...], "y": [...]}
                                                              -> {"record_seconds": s, "ops": int | null}
    {"do": "mlp_step", "engine": e, "variant": v}             -> {"timing": {...}, "loss": x}
    {"do": "mlp_forward", "engine": e, "variant": v, "weights": [...], "X": [...]}
                                                              -> {"timing": {...}, "total": sum of scores}
    {"do": "memory", "engine": e, "n": N}                     -> {"bytes_per_node": b, "freed": share}
    {"do": "recursion", "engine": e, "sizes": [N, ...]}       -> {"N": "ok" | "RecursionError", ...}
    {"do": "phases", "weights": ..., "X": ..., "y": ..., "rounds": r}   chaingrad only (profiling.py)
    {"do": "profile", "weights": ..., "X": ..., "y": ...}               chaingrad only (profiling.py)

A timed run that fails as a workload can (RecursionError, MemoryError) answers {"error": text};
any other exception answers {"exception": traceback}, and the worker keeps serving.
"""

from __future__ import annotations

import gc
import json
import os
import sys
import traceback
from collections.abc import Callable
from typing import Any

from .workloads import ENGINES, WORKLOADS, Engine, MLPStep, memory, mlp_forward, recursion_probe, without_gc

Reply = dict[str, Any]


def timed(run: Callable[[], Any]) -> Any:
    """`run()` between two untimed collections, so each run starts clean and leaves nothing behind."""
    gc.collect()
    try:
        return run()
    finally:
        gc.collect()


class Worker:
    """The engines of this process and the state the commands build (the MLPs being trained)."""

    def __init__(self, engines: dict[str, Engine]) -> None:
        self.engines = engines
        self.mlps: dict[tuple[str, str], MLPStep] = {}

    def hello(self) -> Reply:
        gc.collect()
        return {
            "engines": list(self.engines),
            "modules": [m for m in ("autograd", "nn", "micrograd", "torch") if m in sys.modules],
            "tracked": len(gc.get_objects()),
            "gc_threshold": list(gc.get_threshold()),
        }

    def handle(self, command: dict[str, Any]) -> Reply:
        do = command["do"]
        if do in WORKLOADS:
            return self.workload(command)
        if do == "mlp_setup":
            key = (command["engine"], command["variant"])
            stepper = MLPStep(self.engines[key[0]], key[1], command["weights"], command["X"], command["y"])
            self.mlps[key] = stepper
            ops = stepper.tape.size if stepper.tape is not None else None
            return {"record_seconds": stepper.record_seconds, "ops": ops}
        if do == "mlp_step":
            timing, loss = timed(self.mlps[command["engine"], command["variant"]].step)
            return {"timing": timing, "loss": loss}
        if do == "mlp_forward":
            engine, variant = self.engines[command["engine"]], command["variant"]
            timing, total = timed(lambda: mlp_forward(engine, variant, command["weights"], command["X"]))
            return {"timing": timing, "total": total}
        if do == "recursion":
            return recursion_probe(self.engines[command["engine"]], command["sizes"])
        if do == "memory":
            per_node, freed = memory(self.engines[command["engine"]], command["n"])
            return {"bytes_per_node": per_node, "freed": freed}
        if do in ("phases", "profile"):
            from . import profiling  # imports autograd: only in a worker that holds chaingrad

            data = (self.engines["chaingrad"], command["weights"], command["X"], command["y"])
            return profiling.phases(*data, command["rounds"]) if do == "phases" else profiling.profile(*data)
        raise ValueError(f"unknown command {do!r}")

    def workload(self, command: dict[str, Any]) -> Reply:
        fn, engine, n = WORKLOADS[command["do"]], self.engines[command["engine"]], command["n"]
        try:
            return timed(lambda: fn(engine, n) if command.get("gc", True) else without_gc(fn, engine, n))
        except RecursionError as e:
            return {"error": f"RecursionError ({str(e)[:40]})"}
        except MemoryError:
            return {"error": "MemoryError"}


def main(names: list[str]) -> int:
    # The protocol gets its own copy of stdout; file descriptor 1 then points to stderr, so a
    # print (or C code writing to stdout) in a library cannot corrupt it.
    protocol = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)

    def reply(message: Reply) -> None:
        protocol.write(json.dumps(message) + "\n")
        protocol.flush()

    unknown = [name for name in names if name not in ENGINES]
    if unknown or not names:
        reply({"error": f"expected engines among {', '.join(ENGINES)}, got {' '.join(names) or 'none'}"})
        return 2
    try:
        worker = Worker({name: ENGINES[name]() for name in names})
    except ImportError as e:
        reply({"error": f"{type(e).__name__}: {e}"})
        return 1
    reply(worker.hello())
    for line in sys.stdin:
        try:
            reply(worker.handle(json.loads(line)))
        except Exception:
            reply({"exception": traceback.format_exc()})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
