"""Time chaingrad against micrograd, PyTorch 0-d tensors and plain floats, each in its own process.

    python -m benchmarks.run            # the full run (several minutes): writes benchmarks/RESULTS.md + scaling.png
    python -m benchmarks.run --quick    # N = 1e3 and 1e4 only, fewer repeats (about a minute)
    python -m benchmarks.run --shared   # every engine in one interpreter (the old method), to compare

Needs ``pip install -e ".[bench]"`` (micrograd 0.1.0) and ``torch==2.13.0``; an engine that is
not installed is left out of the tables. Workloads (benchmarks/workloads.py), as in the issue:

1. chain: a deep chain of alternating ``* c`` and ``+ c``, N operations;
2. wide: a neuron's sum ``w0*x0 + w1*x1 + ...`` over 2N leaves (2N - 1 operations);
3. mlp: one full-batch training step of MLP(2, [16, 16, 1]) on 100 two-moons points with
   hinge loss + 1e-4 L2 (micrograd's demo), the same initial weights in every engine;
4. memory: bytes per node (tracemalloc) and whether dropping the output frees the graph;
5. mlp forward: the MLP's scores on the same points, recorded (the default call), under
   ``autograd.no_grad()`` (no graph), and on plain floats.

Method: each engine runs in its own worker process (benchmarks/worker.py), a fresh interpreter
that imports only that engine's library, as its users have it. The garbage collector stays on
there with the interpreter's default thresholds, and its full collections rescan every object
the process tracks: in one shared interpreter chaingrad's large graphs would also pay to rescan
the objects PyTorch's import leaves (the report lists how many each worker tracks), and each
engine would pay for the others' heaps, which no user of one library does. This process (it
imports chaingrad for the data and initial weights, never micrograd or torch) drives the
workers interleaved, as the single process did before: in round r every engine runs every
workload size once, rotating who goes first, and each cell is the median (min-max) over rounds.
Timings are taken inside the worker, with perf_counter around forward, backward and freeing
the graph ("free": ``del output``, plus the collection that frees what reference counting could
not: micrograd's graphs are reference cycles, so that collection is part of its cost; for
chaingrad and PyTorch it finds nothing and is not counted). Each run sits between two untimed
``gc.collect()`` calls, so it starts from a clean heap. The "gc off
(diagnostic)" rows run in chaingrad's worker with the collector disabled for that run. The
MLP's initial weights and data are made here and sent to every worker, so every engine trains
from identical inputs. chaingrad's phase split and profile run in chaingrad's worker.

``--shared`` runs every engine in one worker process instead (the old method). The default
report also runs a reduced pass that way (chain and wide at N >= 1e4, the MLP step of the
default model and the unfused one, 3 rounds) and shows its ratios next to the headline, so the
difference stays visible. The MLP rows: "chaingrad" is the default model (one `dot` node per
neuron), "chaingrad unfused" the same model with ``fused=False``, "chaingrad replay" the
default model's graph replayed by `autograd.record`.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from nn.data import make_moons

from .report import HERE, NO_GC, Cell, Cells, Report, Results, plot, render
from .workloads import ENGINES, FORWARD_VARIANTS, LIBRARY, initial_weights

ROOT = HERE.parent
RIVALS = ("chaingrad", "micrograd", "torch")  # the engines of the reduced shared pass

# ---------------------------------------------------------------------------------------------
# Workers: start, talk to, stop.
# ---------------------------------------------------------------------------------------------


class WorkerFailed(RuntimeError):
    """A worker exited, or raised an unexpected exception (its traceback is in the message)."""


class WorkerProcess:
    """One `python -m benchmarks.worker ENGINE...` process; `call` sends a command, returns the reply."""

    def __init__(self, engines: list[str]) -> None:
        self.label = " + ".join(engines)
        self.hello: dict[str, Any] = {}
        # A session of its own: Ctrl-C in a terminal reaches only this process, which stops it.
        self.process = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.worker", *engines],
            cwd=ROOT,
            start_new_session=True,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )

    def read(self) -> dict[str, Any]:
        line = self.process.stdout.readline()  # type: ignore[union-attr]
        if not line:
            raise self.exited()
        reply = json.loads(line)
        if "exception" in reply:
            raise WorkerFailed(f"worker {self.label} failed:\n{reply['exception']}")
        return reply

    def call(self, **command: Any) -> dict[str, Any]:
        try:
            self.process.stdin.write(json.dumps(command) + "\n")  # type: ignore[union-attr]
            self.process.stdin.flush()  # type: ignore[union-attr]
        except BrokenPipeError:
            raise self.exited() from None
        return self.read()

    def exited(self) -> WorkerFailed:
        return WorkerFailed(f"worker {self.label} exited with code {self.process.wait()}")

    def stop(self, kill: bool = False) -> None:
        """End the worker: by closing its input (it exits at the end), or at once if `kill`."""
        if kill:
            self.process.kill()
        for stream in (self.process.stdin, self.process.stdout):
            with contextlib.suppress(OSError):  # a worker that is gone leaves a broken pipe
                stream.close()  # type: ignore[union-attr]
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@contextlib.contextmanager
def start_workers(groups: list[list[str]]) -> Iterator[dict[str, WorkerProcess]]:
    """One worker per group of engines, started together; yields engine -> its worker.

    A worker that cannot import its engines is left out with a message. On the way out every
    worker is stopped: normally at the end of its input, killed on an error or Ctrl-C.
    """
    started: list[WorkerProcess] = []
    clean = False
    try:
        for group in groups:
            started.append(WorkerProcess(group))
        found: dict[str, WorkerProcess] = {}
        for worker in started:
            try:
                worker.hello = worker.read()
            except WorkerFailed as e:
                worker.hello = {"error": str(e)}
            if "error" in worker.hello:
                print(f"{worker.label}: cannot start ({worker.hello['error']}): left out", file=sys.stderr)
                continue
            found.update(dict.fromkeys(worker.hello["engines"], worker))
        yield found
        clean = True
    finally:
        for worker in started:
            worker.stop(kill=not clean)


def installed(engine: str) -> bool:
    """Whether the engine's library can be imported (found without importing it)."""
    library = LIBRARY[engine]
    return library is None or importlib.util.find_spec(library) is not None


# ---------------------------------------------------------------------------------------------
# Rounds: the parent interleaves the engines; each worker times its own runs.
# ---------------------------------------------------------------------------------------------


@dataclass
class Runner:
    """A row of the scaling tables: one engine in its worker, with the collector on or off."""

    name: str
    engine: str
    worker: WorkerProcess
    collector: bool = True


@dataclass
class Stepper:
    """A row of the MLP table: one engine's MLP variant, trained in its worker."""

    name: str
    engine: str
    variant: str
    worker: WorkerProcess


def rotated(items: list, r: int) -> list:
    """`items` starting at position r (mod its length): who goes first changes every round."""
    k = r % len(items)
    return items[k:] + items[:k]


def timed_rounds(
    label: str, workload: str, sizes: list[int], rounds: Callable[[int], int], runners: list[Runner]
) -> Cells:
    """Round r runs every runner at every size once; a failed run ends its cell with the error text."""
    cells: Cells = {}
    for n in sizes:
        for r in range(rounds(n)):
            for runner in rotated(runners, r):
                cell = cells.setdefault((runner.name, n), Cell())
                if cell.error:
                    continue
                reply = runner.worker.call(do=workload, engine=runner.engine, n=n, gc=runner.collector)
                if "error" in reply:
                    cell.error = reply["error"]
                else:
                    cell.runs.append(reply)
            print(f"  {label} N={n:g} round {r + 1}/{rounds(n)}", file=sys.stderr, flush=True)
    return cells


def mlp_rounds(
    label: str, steppers: list[Stepper], rounds: int, data: MLPData
) -> tuple[dict[str, Cell], dict[str, list[float]], dict[str, dict[str, Any]]]:
    """Set every stepper up from the same weights and data, then train them in turns.

    Returns each stepper's timings, its loss at each step, and its setup reply.
    """
    setup = {
        s.name: s.worker.call(do="mlp_setup", engine=s.engine, variant=s.variant, **data._asdict()) for s in steppers
    }
    cells: dict[str, Cell] = {s.name: Cell() for s in steppers}
    losses: dict[str, list[float]] = {s.name: [] for s in steppers}
    for r in range(rounds):
        for s in rotated(steppers, r):
            reply = s.worker.call(do="mlp_step", engine=s.engine, variant=s.variant)
            cells[s.name].runs.append(reply["timing"])
            losses[s.name].append(reply["loss"])
        print(f"  {label} round {r + 1}/{rounds}", file=sys.stderr, flush=True)
    return cells, losses, setup


@dataclass
class Plan:
    """What one kind of run (full, quick, smoke) measures."""

    sizes: list[int]
    rounds: Callable[[int], int]
    deep: list[int]  # chain sizes beyond `sizes`, for chaingrad and floats only
    mlp_rounds: int
    mlp_points: int
    phase_rounds: int
    mem_n: int
    shared_sizes: list[int]  # the reduced pass in one interpreter
    shared_rounds: int
    recursion_sizes: list[int]  # chains backpropagated under the default recursion limit
    forward_rounds: int = 9  # workload 5, the MLP's forward with and without a graph


PLANS = {
    "full": Plan(
        sizes=[1000, 10_000, 100_000],
        rounds=lambda n: 9 if n <= 10_000 else 5,
        deep=[1_000_000],
        mlp_rounds=7,
        mlp_points=100,
        phase_rounds=9,
        mem_n=10_000,
        shared_sizes=[10_000, 100_000],
        shared_rounds=3,
        recursion_sizes=[500, 1000, 2000, 100_000],
        forward_rounds=15,
    ),
    "quick": Plan(
        sizes=[1000, 10_000],
        rounds=lambda n: 3,
        deep=[],
        mlp_rounds=3,
        mlp_points=100,
        phase_rounds=9,
        mem_n=10_000,
        shared_sizes=[10_000],
        shared_rounds=3,
        recursion_sizes=[500, 1000, 2000, 10_000],
    ),
    "smoke": Plan(
        sizes=[10, 100],
        rounds=lambda n: 1,
        deep=[],
        mlp_rounds=1,
        mlp_points=6,
        phase_rounds=3,
        mem_n=100,
        shared_sizes=[100],
        shared_rounds=1,
        recursion_sizes=[10, 100],
        forward_rounds=1,
    ),
}


class MLPData(NamedTuple):
    """What every engine's MLP starts from: the same initial weights and two-moons points."""

    weights: list[float]
    X: list[list[float]]
    y: list[int]


def measure(workers: dict[str, WorkerProcess], engines: list[str], plan: Plan, data: MLPData) -> Results:
    """The main pass: every workload, the diagnostics, memory and chaingrad's profile."""
    me = workers["chaingrad"]
    runners = [Runner(e, e, workers[e]) for e in engines]
    runners.append(Runner(NO_GC, "chaingrad", me, collector=False))  # a diagnostic, not a competitor
    print("chain", file=sys.stderr)
    chain = timed_rounds("chain", "chain", plan.sizes, plan.rounds, runners)
    if plan.deep:  # linear scaling up to 1e6: chaingrad (and the float floor) only
        floor = [r for r in runners if r.engine in ("chaingrad", "float")]
        chain.update(timed_rounds("chain", "chain", plan.deep, lambda n: 3, floor))
    print("wide", file=sys.stderr)
    wide = timed_rounds("wide", "wide", plan.sizes, plan.rounds, runners)

    print("mlp", file=sys.stderr)
    steppers = [Stepper(e, e, "default", workers[e]) for e in engines]
    steppers += [Stepper(f"chaingrad {v}", "chaingrad", v, me) for v in ("unfused", "replay")]
    mlp, losses, setup = mlp_rounds("mlp", steppers, plan.mlp_rounds, data)
    print("phases", file=sys.stderr)  # right after the MLP rounds, in the same state of the heap
    phases = me.call(do="phases", rounds=plan.phase_rounds, **data._asdict())
    print("mlp forward", file=sys.stderr)
    forward, forward_totals = forward_rounds(workers, engines, plan.forward_rounds, data)
    print("memory", file=sys.stderr)
    mem = {}
    for e in engines:
        if e in ("chaingrad", "micrograd"):
            reply = workers[e].call(do="memory", engine=e, n=plan.mem_n)
            mem[e] = (reply["bytes_per_node"], reply["freed"])
    print("recursion", file=sys.stderr)
    recursion = {
        e: workers[e].call(do="recursion", engine=e, sizes=plan.recursion_sizes) for e in engines if e != "float"
    }
    print("profile", file=sys.stderr)
    profile = me.call(do="profile", **data._asdict())
    replay = setup["chaingrad replay"]
    return Results(
        chain,
        wide,
        mlp,
        losses,
        mem,
        replay["record_seconds"],
        replay["ops"],
        phases,
        profile,
        recursion,
        forward,
        forward_totals,
    )


def forward_rounds(
    workers: dict[str, WorkerProcess], engines: list[str], rounds: int, data: MLPData
) -> tuple[dict[str, Cell], dict[str, float]]:
    """Workload 5: each variant of the MLP's forward in its engine's worker, interleaved round by round.

    Returns each row's timings and the sum of its scores (the same for every row when they agree).
    """
    rows = [(f"{e} {v}" if e == "chaingrad" else e, e, v) for e in engines for v in FORWARD_VARIANTS.get(e, ())]
    cells: dict[str, Cell] = {name: Cell() for name, _, _ in rows}
    totals: dict[str, float] = {}
    for r in range(rounds):
        for name, engine, variant in rotated(rows, r):
            reply = workers[engine].call(
                do="mlp_forward", engine=engine, variant=variant, weights=data.weights, X=data.X
            )
            cells[name].runs.append(reply["timing"])
            totals[name] = reply["total"]
        print(f"  mlp forward round {r + 1}/{rounds}", file=sys.stderr, flush=True)
    return cells, totals


def measure_shared(worker: WorkerProcess, engines: list[str], sizes: list[int], rounds: int, data: MLPData) -> Results:
    """The reduced pass in one interpreter: chain, wide and the MLP step, default and unfused."""
    runners = [Runner(e, e, worker) for e in engines]
    print("shared interpreter", file=sys.stderr)
    chain = timed_rounds("shared chain", "chain", sizes, lambda n: rounds, runners)
    wide = timed_rounds("shared wide", "wide", sizes, lambda n: rounds, runners)
    steppers = [Stepper(e, e, "default", worker) for e in engines]
    steppers.append(Stepper("chaingrad unfused", "chaingrad", "unfused", worker))
    mlp, losses, _ = mlp_rounds("shared mlp", steppers, rounds, data)
    return Results(chain, wide, mlp, losses)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="N = 1e3, 1e4; 3 rounds (about a minute)")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, 1 round: checks the script runs")
    parser.add_argument(
        "--shared",
        action="store_true",
        help="run every engine in one interpreter (the old method) instead of one process each",
    )
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS.md", help="markdown report to write")
    parser.add_argument("--plot", type=Path, default=HERE / "scaling.png", help="PNG plot to write ('' for none)")
    parser.add_argument(
        "--engines",
        default="chaingrad,micrograd,torch,float",
        help="comma-separated subset of chaingrad,micrograd,torch,float",
    )
    args = parser.parse_args(argv)

    mode = "smoke" if args.smoke else "quick" if args.quick else "full"
    plan = PLANS[mode]
    wanted = args.engines.split(",")
    if set(wanted) - set(ENGINES) or not {"chaingrad", "float"} <= set(wanted):
        parser.error("--engines must be a subset of chaingrad,micrograd,torch,float including chaingrad and float")
    available = [e for e in wanted if installed(e)]
    for e in sorted(set(wanted) - set(available)):
        print(f"{e} is not installed: left out", file=sys.stderr)
    data = MLPData(initial_weights(), *make_moons(plan.mlp_points, noise=0.1, seed=1))

    with start_workers([available] if args.shared else [[e] for e in available]) as workers:
        engines = [e for e in available if e in workers]
        if not {"chaingrad", "float"} <= set(engines):
            raise SystemExit("the chaingrad and float workers must start")
        results = measure(workers, engines, plan, data)
        hellos = {w.label: w.hello for w in dict.fromkeys(workers.values())}

    shared, rivals = None, [e for e in RIVALS if e in engines]
    if not args.shared and len(rivals) > 1:  # the same engines in one interpreter, for comparison
        with start_workers([rivals]) as one:
            if set(one) == set(rivals):
                worker = one["chaingrad"]
                shared = measure_shared(worker, rivals, plan.shared_sizes, plan.shared_rounds, data)
                hellos[worker.label] = worker.hello

    report = Report(
        mode=mode,
        shared_mode=args.shared,
        results=results,
        sizes=plan.sizes,
        deep=plan.deep,
        mlp_points=plan.mlp_points,
        mlp_rounds=plan.mlp_rounds,
        phase_rounds=plan.phase_rounds,
        forward_rounds=plan.forward_rounds,
        mem_n=plan.mem_n,
        workers=hellos,
        shared=shared,
        shared_engines=rivals,
        shared_sizes=plan.shared_sizes,
        shared_rounds=plan.shared_rounds,
    )
    names = engines + [NO_GC]
    args.out.write_text(render(report, names), encoding="utf-8")
    print(f"wrote {args.out}", file=sys.stderr)
    if str(args.plot) not in ("", "."):
        plot(args.plot, results, names, {"chain": plan.sizes + plan.deep, "wide": plan.sizes})
        print(f"wrote {args.plot}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
