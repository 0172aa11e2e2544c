"""Time chaingrad against micrograd, PyTorch 0-d tensors and plain floats, in one interleaved run.

    python -m benchmarks.run            # the full run (~3-5 min): writes benchmarks/RESULTS.md + scaling.png
    python -m benchmarks.run --quick    # N = 1e3 and 1e4 only, fewer repeats (~1 min)

Needs ``pip install -e ".[bench]"`` (micrograd 0.1.0) and ``torch==2.13.0``; an engine that is
not installed is left out of the tables. Workloads, as in the issue:

1. chain: a deep chain of alternating ``* c`` and ``+ c``, N operations;
2. wide: a neuron's sum ``w0*x0 + w1*x1 + ...`` over 2N leaves (2N - 1 operations);
3. mlp: one full-batch training step of MLP(2, [16, 16, 1]) on 100 two-moons points with
   hinge loss + 1e-4 L2 (micrograd's demo), the same initial weights in every engine;
4. memory: bytes per node (tracemalloc) and whether dropping the output frees the graph.

Method: every engine runs every workload once per round, rounds repeat, and each cell is the
median (min-max) over rounds. The garbage collector is on, as users have it; between timed runs
an untimed ``gc.collect()`` clears whatever the previous engine left (micrograd's graphs are
cycles that only the collector frees), so no engine pays for another's garbage. "free" is the
time of ``del output``.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import importlib.metadata
import io
import math
import os
import platform
import pstats
import random
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import autograd
import nn
from autograd import Value
from nn.data import make_moons

micrograd = torch = None  # imported by `engines`, only when asked for

HERE = Path(__file__).resolve().parent
Timing = dict[str, float]  # phase name -> seconds

# ---------------------------------------------------------------------------------------------
# Engines: how to make a leaf, run backward and read a number. The workloads below use only
# Python operators, `relu` and these, so every engine runs the very same code.
# ---------------------------------------------------------------------------------------------


class Engine:
    name = ""
    differentiates = True

    def leaf(self, x: float) -> object:
        raise NotImplementedError

    def backward(self, out: object) -> None:
        out.backward()  # type: ignore[attr-defined]

    def relu(self, x: object) -> object:
        return x.relu()  # type: ignore[attr-defined]

    def value(self, x: object) -> float:
        return float(x.data)  # type: ignore[attr-defined]


class Chaingrad(Engine):
    name = "chaingrad"

    def leaf(self, x: float) -> object:
        return Value(x)


class Micrograd(Engine):
    name = "micrograd"

    def leaf(self, x: float) -> object:
        return micrograd.engine.Value(x)

    def backward(self, out: object) -> None:
        # micrograd's topological sort is recursive: give it room, and report where it fails.
        sys.setrecursionlimit(max(sys.getrecursionlimit(), 4 * len_hint(out) + 10_000))
        out.backward()  # type: ignore[attr-defined]


class Torch(Engine):
    name = "torch"

    def leaf(self, x: float) -> object:
        return torch.tensor(x, dtype=torch.float64, requires_grad=True)

    def value(self, x: object) -> float:
        return float(x.item())  # type: ignore[attr-defined]


class Floats(Engine):
    name = "float"
    differentiates = False

    def leaf(self, x: float) -> object:
        return x

    def relu(self, x: object) -> object:
        return x if x > 0.0 else 0.0  # type: ignore[operator]

    def value(self, x: object) -> float:
        return x  # type: ignore[return-value]


_DEPTH_HINT: dict[int, int] = {}


def len_hint(out: object) -> int:
    return _DEPTH_HINT.get(id(out), 1000)


def engines(wanted: list[str]) -> list[Engine]:
    """The engines asked for that are installed (micrograd and torch are imported here)."""
    global micrograd, torch
    found: list[Engine] = []
    for name in wanted:
        try:
            if name == "micrograd":
                import micrograd.engine
                import micrograd.nn
            elif name == "torch":
                import torch
        except ImportError:
            print(f"{name} is not installed: left out", file=sys.stderr)
            continue
        found.append({"chaingrad": Chaingrad, "micrograd": Micrograd, "torch": Torch, "float": Floats}[name]())
    return found


# ---------------------------------------------------------------------------------------------
# Workloads 1 and 2: each returns its phase timings in seconds, or raises.
# ---------------------------------------------------------------------------------------------


def run_chain(engine: Engine, n: int) -> Timing:
    x = engine.leaf(0.5)
    clock = time.perf_counter
    t0 = clock()
    y = x
    for _ in range(n // 2):
        y = y * 0.999  # type: ignore[operator]
        y = y + 0.001  # type: ignore[operator]
    t1 = clock()
    _DEPTH_HINT[id(y)] = n
    if engine.differentiates:
        engine.backward(y)
    t2 = clock()
    del y
    t3 = clock()
    return {"forward": t1 - t0, "backward": t2 - t1, "free": t3 - t2}


NO_GC = "chaingrad, gc off (diagnostic)"


def without_gc(fn: Callable[[Engine, int], Timing], engine: Engine, n: int) -> Timing:
    gc.disable()
    try:
        return fn(engine, n)
    finally:
        gc.enable()


def run_wide(engine: Engine, n: int) -> Timing:
    rng = random.Random(n)
    ws = [engine.leaf(rng.uniform(-1.0, 1.0)) for _ in range(n)]
    xs = [engine.leaf(rng.uniform(-1.0, 1.0)) for _ in range(n)]
    clock = time.perf_counter
    t0 = clock()
    s = ws[0] * xs[0]  # type: ignore[operator]
    for w, x in zip(ws[1:], xs[1:]):
        s = s + w * x  # type: ignore[operator]
    t1 = clock()
    if engine.differentiates:
        engine.backward(s)
    t2 = clock()
    del s
    t3 = clock()
    return {"forward": t1 - t0, "backward": t2 - t1, "free": t3 - t2}


# ---------------------------------------------------------------------------------------------
# Workload 3: one training step of micrograd's demo, in each engine, from the same weights.
# ---------------------------------------------------------------------------------------------

SIZES = (2, [16, 16, 1])
ALPHA = 1e-4  # L2 weight
LR = 0.1


def initial_weights() -> list[float]:
    """chaingrad's MLP(2, [16, 16, 1]) initial parameters, in the order every engine lists them."""
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
    """One engine's training state; `step()` returns (phase timings, loss)."""

    def __init__(self, engine: Engine, variant: str, weights: list[float], X, y) -> None:
        self.engine, self.variant, self.X, self.y = engine, variant, X, y
        self.name = engine.name if variant == "plain" else f"{engine.name} {variant}"
        self.record_seconds = 0.0
        if engine.name == "chaingrad":
            self.model = nn.MLP(*SIZES, fused=variant == "fused")
            self.model.load_state_dict(dict(zip(self.model.state_dict(), weights)))
            self.params = self.model.parameters()
            if variant == "replay":
                t0 = time.perf_counter()
                self.tape = autograd.record(self.chaingrad_loss)
                self.record_seconds = time.perf_counter() - t0
        elif engine.name == "micrograd":
            random.seed(0)
            self.model = micrograd.nn.MLP(*SIZES)
            self.params = self.model.parameters()
            for p, w in zip(self.params, weights):
                p.data = w
        else:  # torch and floats: a flat list of parameters for `scalar_mlp`
            self.params = [engine.leaf(w) for w in weights]

    def chaingrad_loss(self) -> Value:
        scores = [self.model(x) for x in self.X]
        return nn.hinge(scores, self.y) + ALPHA * sum(p * p for p in self.params)

    def loss(self) -> object:
        if self.engine.name == "chaingrad":
            return self.chaingrad_loss()
        if self.engine.name == "micrograd":  # micrograd's demo, verbatim
            scores = list(map(self.model, self.X))
            losses = [(1 + -yi * si).relu() for yi, si in zip(self.y, scores)]
            data_loss = sum(losses) * (1.0 / len(losses))
            return data_loss + ALPHA * sum(p * p for p in self.params)
        scores = scalar_mlp(self.engine, self.params, self.X)
        losses = [self.engine.relu(1.0 - yi * si) for yi, si in zip(self.y, scores)]
        return sum(losses) * (1.0 / len(losses)) + ALPHA * sum(p * p for p in self.params)

    def step(self) -> tuple[Timing, float]:
        clock, engine = time.perf_counter, self.engine
        if self.variant == "replay":
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
            return {"forward": t1 - t0}, out  # type: ignore[return-value]
        _DEPTH_HINT[id(out)] = 100
        engine.backward(out)
        t2 = clock()
        self.update()
        t3 = clock()
        loss = engine.value(out)
        t4 = clock()
        del out
        t5 = clock()
        timing = {"forward": t1 - t0, "backward": t2 - t1, "update": t3 - t2, "free": t5 - t4}
        return timing, loss

    def update(self) -> None:
        """SGD, then zero_grad, as each library's users write it."""
        if self.engine.name == "torch":
            with torch.no_grad():
                for p in self.params:
                    p -= LR * p.grad
                    p.grad = None  # what torch's zero_grad() does by default
            return
        for p in self.params:
            p.data -= LR * p.grad
        for p in self.params:
            p.grad = 0.0


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
        s = ws[0] * xs[0]  # type: ignore[operator]
        for w, x in zip(ws[1:], xs[1:]):
            s = s + w * x  # type: ignore[operator]
        built = tracemalloc.get_traced_memory()[0]
        del s
        after = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
    finally:
        gc.enable()
    grown = built - before
    return grown / (2 * n - 1), (built - after) / grown if grown else float("nan")


# ---------------------------------------------------------------------------------------------
# Running, summarising, writing.
# ---------------------------------------------------------------------------------------------


class Cell:
    """Repeated timings of one engine on one workload size."""

    def __init__(self) -> None:
        self.runs: list[Timing] = []
        self.error = ""

    def median(self, phase: str) -> float:
        return statistics.median(self.phase(phase))

    def phase(self, phase: str) -> list[float]:
        if phase == "total":
            return [sum(t.values()) for t in self.runs]
        return [t.get(phase, 0.0) for t in self.runs]

    def spread(self, phase: str, ops: int) -> str:
        values = self.phase(phase)
        return f"{min(values) / ops * 1e6:.3g}-{max(values) / ops * 1e6:.3g}"


def timed_rounds(
    label: str,
    sizes: list[int],
    repeats: Callable[[int], int],
    runners: list[tuple[str, Callable[[int], Timing], Callable[[int], bool]]],
) -> dict[tuple[str, int], Cell]:
    """Interleave: round r runs every engine at every size once; failures are kept as text."""
    cells: dict[tuple[str, int], Cell] = {}
    for n in sizes:
        for r in range(repeats(n)):
            order = runners[r % len(runners):] + runners[: r % len(runners)]  # rotate who goes first
            for name, fn, wanted in order:
                cell = cells.setdefault((name, n), Cell())
                if cell.error or not wanted(n):
                    continue
                gc.collect()
                try:
                    cell.runs.append(fn(n))
                except RecursionError as e:
                    cell.error = f"RecursionError ({str(e)[:40]})"
                except MemoryError:
                    cell.error = "MemoryError"
                gc.collect()
            print(f"  {label} N={n:g} round {r + 1}/{repeats(n)}", file=sys.stderr, flush=True)
    return cells


def fmt_us(cell: Cell | None, phase: str, ops: int) -> str:
    if cell is None or cell.error or not cell.runs:
        return cell.error if cell and cell.error else "-"
    return f"{cell.median(phase) / ops * 1e6:.3g}"


def ratio(num: Cell | None, den: Cell | None, phase_num: str = "total", phase_den: str = "total") -> str:
    if not num or not den or num.error or den.error or not num.runs or not den.runs:
        return "-"
    return f"{num.median(phase_num) / den.median(phase_den):.3g}x"


def scaling_table(
    title: str, cells: dict[tuple[str, int], Cell], sizes: list[int], names: list[str], ops: Callable[[int], int]
) -> list[str]:
    lines = [
        f"### {title}",
        "",
        "Microseconds per operation, median over rounds (total min-max in brackets); "
        "total = forward + backward + free.",
        "",
        "| N | engine | forward | backward | free | total | micrograd / chaingrad | torch / chaingrad "
        "| chaingrad / float (forward) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for n in sizes:
        me = cells.get(("chaingrad", n))
        for name in names:
            cell = cells.get((name, n))
            if cell is None or (not cell.runs and not cell.error):
                continue
            total = fmt_us(cell, "total", ops(n))
            if cell.runs:
                total += f" ({cell.spread('total', ops(n))})"
            row = [f"{n:g}", name, fmt_us(cell, "forward", ops(n))]
            if name == "float":
                row += ["", "", total, "", "", ""]
            else:
                row += [fmt_us(cell, "backward", ops(n)), fmt_us(cell, "free", ops(n)), total]
                if name == "chaingrad":
                    row += [
                        ratio(cells.get(("micrograd", n)), me),
                        ratio(cells.get(("torch", n)), me),
                        ratio(me, cells.get(("float", n)), "forward", "forward"),
                    ]
                else:
                    row += ["", "", ""]
            lines.append("| " + " | ".join(row) + " |")
    return lines + [""]


def profile_lines(fn: Callable[[], object], title: str, top: int = 8) -> list[str]:
    profiler = cProfile.Profile()
    profiler.enable()
    fn()
    profiler.disable()
    stats = pstats.Stats(profiler, stream=io.StringIO())
    total = sum(v[2] for v in stats.stats.values())  # type: ignore[attr-defined]
    rows = sorted(stats.stats.items(), key=lambda kv: -kv[1][2])[:top]  # type: ignore[attr-defined]
    lines = [f"{title} (cProfile, own time per function; cProfile inflates call-heavy code):", "",
             "| function | calls | own time | share |", "|---|---|---|---|"]
    for (file, line, func), (cc, nc, tt, ct, _) in rows:
        where = f"{Path(file).name}:{line} {func}" if line else func
        lines.append(f"| `{where}` | {nc} | {tt * 1e3:.1f} ms | {tt / total:.0%} |")
    return lines + [""]


def phase_lines(X, y, weights: list[float], rounds: int, n_ops: int) -> list[str]:
    """Split chaingrad's MLP step into phases, medians of `rounds`, with the collector on and off."""
    from autograd.backward import _backpropagate_floats, _collect

    model = nn.MLP(*SIZES)
    model.load_state_dict(dict(zip(model.state_dict(), weights)))
    params = model.parameters()
    names = ["forward: build the graph", "backward: order the nodes (DFS)",
             "backward: apply the rules", "backward: add to .grad", "free the graph (del)"]

    def step() -> list[float]:
        clock = time.perf_counter
        t0 = clock()
        loss = nn.hinge([model(x) for x in X], y) + ALPHA * sum(p * p for p in params)
        t1 = clock()
        interior, leaves = _collect(loss)  # what autograd.backward does, one phase at a time
        t2 = clock()
        loss._g = 1.0
        _backpropagate_floats(interior)
        t3 = clock()
        for node in interior + leaves:
            node.grad += node._g
            node._g = None
        t4 = clock()
        del interior, leaves, loss
        t5 = clock()
        for p in params:
            p.grad = 0.0
        return [t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4]

    runs: dict[bool, list[float]] = {}
    for collector in (True, False):
        gc.collect()
        if not collector:
            gc.disable()
        try:
            runs[collector] = [statistics.median(ph) for ph in zip(*(step() for _ in range(rounds)))]
        finally:
            gc.enable()
    lines = ["chaingrad, one MLP step split into phases (median of "
             f"{rounds}; ns per operation = phase time / {n_ops} operations):", "",
             "| phase | collector on | share | collector off | share |", "|---|---|---|---|---|"]
    on, off = runs[True], runs[False]
    for name, a, b in zip(names, on, off):
        lines.append(f"| {name} | {a / n_ops * 1e9:.0f} ns | {a / sum(on):.0%} | "
                     f"{b / n_ops * 1e9:.0f} ns | {b / sum(off):.0%} |")
    lines.append(f"| total | {sum(on) / n_ops * 1e9:.0f} ns | | {sum(off) / n_ops * 1e9:.0f} ns | |")
    return lines + [""]


def machine() -> list[str]:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = []
    for dist in ("chaingrad", "micrograd", "torch"):
        try:
            versions.append(f"{dist} {importlib.metadata.version(dist)}")
        except importlib.metadata.PackageNotFoundError:
            versions.append(f"{dist} not installed")
    return [
        f"- Date: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC",
        f"- Machine: {platform.platform()}, {cpu}, {os.cpu_count()} logical cores (shared with other jobs)",
        f"- Python {platform.python_version()} ({platform.python_implementation()}); {', '.join(versions)}",
        f"- Garbage collector on, thresholds {gc.get_threshold()} (the interpreter's defaults)",
    ]


def plot(path: Path, results: dict[str, dict[tuple[str, int], Cell]], names: list[str], sizes: dict) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    for ax, (workload, ops) in zip(axes, (("chain", lambda n: n), ("wide", lambda n: 2 * n - 1))):
        for name in names:
            points = [
                (n, results[workload][(name, n)].median("total") / ops(n) * 1e6)
                for n in sizes[workload]
                if (name, n) in results[workload] and results[workload][(name, n)].runs
            ]
            if points:
                ax.plot(*zip(*points), marker="o", label=name if name != "float" else "float (forward)")
        ax.set(xscale="log", yscale="log", xlabel="N", ylabel="microseconds per operation",
               title=f"{workload}: forward + backward + free")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="N = 1e3, 1e4; 3 rounds (about a minute)")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, 1 round: checks the script runs")
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS.md", help="markdown report to write")
    parser.add_argument("--plot", type=Path, default=HERE / "scaling.png", help="PNG plot to write ('' for none)")
    parser.add_argument("--engines", default="chaingrad,micrograd,torch,float",
                        help="comma-separated subset of chaingrad,micrograd,torch,float")
    args = parser.parse_args(argv)

    if args.smoke:
        sizes, rounds, mlp_rounds, mlp_points, deep = [10, 100], (lambda n: 1), 1, 6, []
    elif args.quick:
        sizes, rounds, mlp_rounds, mlp_points, deep = [1000, 10_000], (lambda n: 3), 3, 100, []
    else:
        sizes = [1000, 10_000, 100_000]
        rounds = lambda n: 7 if n <= 10_000 else 3  # noqa: E731
        mlp_rounds, mlp_points, deep = 5, 100, [1_000_000]
    all_engines = engines(args.engines.split(","))
    if "chaingrad" not in [e.name for e in all_engines] or "float" not in [e.name for e in all_engines]:
        parser.error("--engines must include chaingrad and float")
    names = [e.name for e in all_engines] + [NO_GC]
    report: list[str] = []

    def runners(fn: Callable[[Engine, int], Timing], skip: Callable[[str, int], bool] = lambda e, n: False):
        found = [(e.name, (lambda n, e=e: fn(e, n)), (lambda n, e=e: not skip(e.name, n))) for e in all_engines]
        # A diagnostic, not a competitor: chaingrad with the collector off shows what it costs.
        return found + [(NO_GC, lambda n: without_gc(fn, Chaingrad(), n), lambda n: not skip(NO_GC, n))]

    print("chain", file=sys.stderr)
    chain = timed_rounds("chain", sizes, rounds, runners(run_chain))
    if deep:  # linear scaling up to 1e6: chaingrad (and the float floor) only
        chain.update(timed_rounds("chain", deep, lambda n: 3, runners(
            run_chain, lambda e, n: e not in ("chaingrad", "float", NO_GC))))
    print("wide", file=sys.stderr)
    wide = timed_rounds("wide", sizes, rounds, runners(run_wide))

    print("mlp", file=sys.stderr)
    X, y = make_moons(mlp_points, noise=0.1, seed=1)
    weights = initial_weights()
    steppers = [MLPStep(e, "plain", weights, X, y) for e in all_engines]
    me = Chaingrad()
    steppers += [MLPStep(me, "fused", weights, X, y), MLPStep(me, "replay", weights, X, y)]
    replay = steppers[-1]
    mlp: dict[str, Cell] = {s.name: Cell() for s in steppers}
    losses: dict[str, list[float]] = {s.name: [] for s in steppers}
    for r in range(mlp_rounds):
        order = steppers[r % len(steppers):] + steppers[: r % len(steppers)]
        for s in order:
            gc.collect()
            timing, loss = s.step()
            mlp[s.name].runs.append(timing)
            losses[s.name].append(loss)
            gc.collect()
        print(f"  mlp round {r + 1}/{mlp_rounds}", file=sys.stderr, flush=True)
    reference = losses["chaingrad"]
    agreement = {  # the float engine does not train, so only its first loss is comparable
        name: max(abs(a - b) for a, b in zip(ls[:1] if name == "float" else ls, reference))
        for name, ls in losses.items()
    }
    mlp_ops = replay.tape.size
    print("phases", file=sys.stderr)  # right after the MLP rounds, in the same state of the heap
    phases = phase_lines(X, y, weights, 3 if args.smoke else 9, mlp_ops)

    print("memory", file=sys.stderr)
    mem_n = 10_000 if not args.smoke else 100
    mem = {e.name: memory(e, mem_n) for e in all_engines if e.name in ("chaingrad", "micrograd")}

    # ---- the report ---------------------------------------------------------------------------
    def total(cells, name, n):
        return cells.get((name, n))

    report += ["# Benchmarks", "", "Reproduce with `python -m benchmarks.run` "
               f"({'quick run: ' if args.quick else 'smoke run: ' if args.smoke else ''}"
               "this file was written by that command; see benchmarks/run.py for the method).", ""]
    report += machine() + [""]

    # headline
    head = ["## Headline (ratios of medians in this run; higher is better for chaingrad)", "",
            "| workload | micrograd / chaingrad | torch / chaingrad | chaingrad / float forward |",
            "|---|---|---|---|"]
    for n in sizes:
        head.append(f"| 1. chain N={n:g} | {ratio(total(chain, 'micrograd', n), total(chain, 'chaingrad', n))} | "
                    f"{ratio(total(chain, 'torch', n), total(chain, 'chaingrad', n))} | "
                    f"{ratio(total(chain, 'chaingrad', n), total(chain, 'float', n), 'forward', 'forward')} |")
    for n in sizes:
        head.append(f"| 2. wide N={n:g} | {ratio(total(wide, 'micrograd', n), total(wide, 'chaingrad', n))} | "
                    f"{ratio(total(wide, 'torch', n), total(wide, 'chaingrad', n))} | "
                    f"{ratio(total(wide, 'chaingrad', n), total(wide, 'float', n), 'forward', 'forward')} |")
    for variant in ("chaingrad", "chaingrad fused", "chaingrad replay"):
        head.append(f"| 3. MLP step, {variant} | {ratio(mlp.get('micrograd'), mlp[variant])} | "
                    f"{ratio(mlp.get('torch'), mlp[variant])} | "
                    f"{ratio(mlp[variant], mlp['float'], 'forward', 'forward')} |")
    report += head + [""]
    report += [f"Replay over rebuilding the graph (workload 3, whole step): "
               f"**{ratio(mlp['chaingrad'], mlp['chaingrad replay'])}**; fused neuron over plain: "
               f"**{ratio(mlp['chaingrad'], mlp['chaingrad fused'])}**.", ""]
    if "chaingrad" in mem:
        mg = mem.get("micrograd")
        report += [f"Memory per node (wide, N={mem_n:g}): chaingrad **{mem['chaingrad'][0]:.0f} bytes**"
                   + (f", micrograd {mg[0]:.0f} bytes (ratio {mg[0] / mem['chaingrad'][0]:.2g}x)" if mg else "")
                   + ".", ""]

    report += ["## Targets", ""] + targets(chain, wide, mlp, mem, sizes, deep) + [""]

    report += ["## Results", ""]
    report += scaling_table("Workload 1: deep chain of alternating `* 0.999` and `+ 0.001` (N operations)",
                            chain, sizes + deep, names, lambda n: n)
    report += scaling_table("Workload 2: wide neuron sum `w0*x0 + ... + w(N-1)*x(N-1)` over 2N leaves "
                            "(2N - 1 operations)", wide, sizes, names, lambda n: 2 * n - 1)
    report += [f"### Workload 3: one training step of MLP(2, [16, 16, 1]), {mlp_points} two-moons points, "
               "hinge loss + 1e-4 L2, SGD", "",
               f"{mlp_ops} operations per step (chaingrad's default graph; every engine is divided by "
               "the same count). Milliseconds per step, median (min-max); update = SGD + zero_grad.", "",
               "| engine | forward | backward | update | free | total | us/op | micrograd / this | torch / this "
               "| max loss difference vs chaingrad |",
               "|---|---|---|---|---|---|---|---|---|---|"]
    for s in steppers:
        cell = mlp[s.name]
        ms = lambda ph: f"{cell.median(ph) * 1e3:.3g}"  # noqa: E731
        lo, hi = min(cell.phase("total")), max(cell.phase("total"))
        float_row = s.engine.name == "float"
        report.append(
            f"| {s.name}{' (forward only)' if float_row else ''} | {ms('forward')} | "
            + ("| | | " if float_row else f"{ms('backward')} | {ms('update')} | {ms('free')} | ")
            + f"{ms('total')} ({lo * 1e3:.3g}-{hi * 1e3:.3g}) | {cell.median('total') / mlp_ops * 1e6:.3g} | "
            + (f"{ratio(mlp.get('micrograd'), cell)} | {ratio(mlp.get('torch'), cell)} | " if not float_row else "| | ")
            + f"{agreement[s.name]:.2g} |"
        )
    report += ["", f"The replay row excludes recording: `autograd.record` built and compiled the graph once in "
               f"{replay.record_seconds:.2f} s. Losses are compared step by step over all {mlp_rounds} rounds "
               "(every engine trains from the same initial weights).", ""]
    report += ["### Workload 4: memory", "",
               "Bytes per operation traced by tracemalloc while building the wide graph, and the share "
               "of it released by `del output` with the garbage collector disabled "
               "(PyTorch allocates in C++, invisible to tracemalloc, so it is not listed).", "",
               "| engine | bytes per node | freed by `del` without gc |", "|---|---|---|"]
    for name, (per_node, freed) in mem.items():
        report.append(f"| {name} | {per_node:.0f} | {freed:.0%} |")
    report.append("")

    print("profile", file=sys.stderr)
    report += ["## Where the time goes", ""]
    report += phases
    profiled = MLPStep(me, "plain", weights, X, y)
    report += profile_lines(profiled.step, "chaingrad, one MLP step")
    report += profile_notes()

    args.out.write_text("\n".join(report) + "\n", encoding="utf-8")
    print(f"wrote {args.out}", file=sys.stderr)
    if str(args.plot) not in ("", "."):
        plot(args.plot, {"chain": chain, "wide": wide}, names, {"chain": sizes + deep, "wide": sizes})
        print(f"wrote {args.plot}", file=sys.stderr)
    return 0


def targets(chain, wide, mlp, mem, sizes, deep) -> list[str]:
    """One line per target of the issue: the measured number and whether it is met."""
    lines = ["| target | measured | met |", "|---|---|---|"]

    def check(text: str, value: float | None, goal: float, higher: bool = True, unit: str = "x") -> None:
        if value is None or math.isnan(value):
            lines.append(f"| {text} | not measured | - |")
            return
        ok = value >= goal if higher else value <= goal
        lines.append(f"| {text} | {value:.3g}{unit} | {'yes' if ok else 'NO'} |")

    def r(num, den, pn="total", pd="total"):
        if not num or not den or not num.runs or not den.runs:
            return None
        return num.median(pn) / den.median(pd)

    for n in [n for n in sizes if n >= 10_000]:
        check(f"wide N={n:g}: micrograd / chaingrad >= 8x", r(wide.get(("micrograd", n)), wide.get(("chaingrad", n))), 8)
    check("MLP step: micrograd / chaingrad >= 15x", r(mlp.get("micrograd"), mlp["chaingrad"]), 15)
    for n in sizes:
        check(f"chain N={n:g}: torch / chaingrad >= 10x", r(chain.get(("torch", n)), chain.get(("chaingrad", n))), 10)
    for n in sizes:
        check(f"wide N={n:g}: torch / chaingrad >= 10x", r(wide.get(("torch", n)), wide.get(("chaingrad", n))), 10)
    check("MLP step: torch / chaingrad >= 20x", r(mlp.get("torch"), mlp["chaingrad"]), 20)
    check("MLP step: torch / chaingrad fused >= 20x", r(mlp.get("torch"), mlp["chaingrad fused"]), 20)
    n = 10_000 if 10_000 in sizes else sizes[-1]
    check(f"wide N={n:g}: chaingrad forward / float forward <= 20x",
          r(wide.get(("chaingrad", n)), wide.get(("float", n)), "forward", "forward"), 20, higher=False)
    if "micrograd" in mem:
        check("memory per node: chaingrad / micrograd <= 0.25", mem["chaingrad"][0] / mem["micrograd"][0], 0.25,
              higher=False, unit="")
    check("graph freed by reference counting alone (share of the graph's bytes freed by `del` with gc "
          "off; the rest is the interpreter's float free list)", mem["chaingrad"][1], 0.99, unit="")
    if deep and chain.get(("chaingrad", deep[-1])) and chain[("chaingrad", deep[-1])].runs:
        lines.append(f"| chain N={deep[-1]:g} runs (no RecursionError) | yes | yes |")
        for engine, phase, what in (("chaingrad", "total", "total"), ("chaingrad", "backward", "backward only"),
                                    (NO_GC, "total", "total, collector off")):
            if chain.get((engine, deep[-1])) and chain[(engine, deep[-1])].runs:
                lo = chain[(engine, 10_000)].median(phase) / 10_000
                hi = chain[(engine, deep[-1])].median(phase) / deep[-1]
                check(f"chain: time per op at N={deep[-1]:g} / at N=1e4, {what} (linear: <= 1.5)", hi / lo, 1.5,
                      higher=False)
    elif deep:
        lines.append(f"| chain N={deep[-1]:g} runs | {chain[('chaingrad', deep[-1])].error} | NO |")
    check("replay / rebuild on the MLP step >= 10x", r(mlp["chaingrad"], mlp["chaingrad replay"]), 10)
    return lines


def profile_notes() -> list[str]:
    """The reading of the profile, kept next to the code so a rerun does not lose it."""
    path = HERE / "PROFILE_NOTES.md"
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


if __name__ == "__main__":
    sys.exit(main())
