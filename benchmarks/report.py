"""The benchmark's report: the measurements run.py collects, and the markdown and plot made from them."""

from __future__ import annotations

import importlib.metadata
import math
import os
import platform
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .workloads import Timing

HERE = Path(__file__).resolve().parent
NO_GC = "chaingrad, gc off (diagnostic)"
#: How the headline names chaingrad's MLP rows.
MLP_ROWS = {
    "chaingrad": "chaingrad (default: one dot node per neuron)",
    "chaingrad unfused": "chaingrad unfused (fused=False: a node per multiply and add)",
    "chaingrad replay": "chaingrad replay (autograd.record)",
}
#: How the report names the rows of workload 5, the MLP's forward.
FORWARD_ROWS = {
    "chaingrad record": "chaingrad, recording (the default call)",
    "chaingrad no_grad": "chaingrad under `autograd.no_grad()` (no graph)",
    "float": "plain floats",
}


class Cell:
    """Repeated timings of one engine on one workload size; `error` if a run failed."""

    def __init__(self) -> None:
        self.runs: list[Timing] = []
        self.error = ""

    def phase(self, phase: str) -> list[float]:
        if phase == "total":
            return [sum(t.values()) for t in self.runs]
        return [t.get(phase, 0.0) for t in self.runs]

    def median(self, phase: str) -> float:
        return statistics.median(self.phase(phase))

    def spread(self, phase: str, ops: int) -> str:
        values = self.phase(phase)
        return f"{min(values) / ops * 1e6:.3g}-{max(values) / ops * 1e6:.3g}"


Cells = dict[tuple[str, int], Cell]  # (row name, N) -> cell


@dataclass
class Results:
    """One pass over the workloads, in separate processes or in one shared interpreter."""

    chain: Cells
    wide: Cells
    mlp: dict[str, Cell]  # "chaingrad" (default), "chaingrad unfused", "micrograd", ... -> one cell per step
    losses: dict[str, list[float]]  # the same names -> the loss of each step
    mem: dict[str, tuple[float, float]] = field(default_factory=dict)  # engine -> (bytes/node, freed)
    record_seconds: float = 0.0  # autograd.record of the replay variant
    mlp_ops: int = 0  # operations in chaingrad's default MLP graph (the replay tape's size)
    phases: dict[str, Any] | None = None  # profiling.phases
    profile: dict[str, Any] | None = None  # profiling.profile
    recursion: dict[str, dict[str, str]] = field(default_factory=dict)  # engine -> N -> "ok" or error
    forward: dict[str, Cell] = field(default_factory=dict)  # workload 5: "chaingrad record", ... -> cell
    forward_totals: dict[str, float] = field(default_factory=dict)  # the same rows -> sum of the scores


@dataclass
class Report:
    """Everything the report shows: the main pass, its plan, the workers, the shared pass if any."""

    mode: str  # "full", "quick" or "smoke"
    shared_mode: bool  # --shared: the main pass ran in one interpreter
    results: Results
    sizes: list[int]
    deep: list[int]
    mlp_points: int
    mlp_rounds: int
    phase_rounds: int
    mem_n: int
    workers: dict[str, dict[str, Any]]  # worker label -> its hello
    shared: Results | None = None
    shared_engines: list[str] = field(default_factory=list)
    shared_sizes: list[int] = field(default_factory=list)
    shared_rounds: int = 0
    forward_rounds: int = 0


def ratio_value(num: Cell | None, den: Cell | None, pn: str = "total", pd: str = "total") -> float | None:
    if not num or not den or num.error or den.error or not num.runs or not den.runs:
        return None
    return num.median(pn) / den.median(pd)


def ratio(num: Cell | None, den: Cell | None, pn: str = "total", pd: str = "total") -> str:
    value = ratio_value(num, den, pn, pd)
    return "-" if value is None else f"{value:.3g}x"


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def fmt_us(cell: Cell | None, phase: str, ops: int) -> str:
    if cell is None or cell.error or not cell.runs:
        return cell.error if cell and cell.error else "-"
    return f"{cell.median(phase) / ops * 1e6:.3g}"


# ---------------------------------------------------------------------------------------------
# Sections
# ---------------------------------------------------------------------------------------------


def machine(report: Report) -> list[str]:
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
    thresholds = sorted({tuple(hello["gc_threshold"]) for hello in report.workers.values()})
    where = (
        "all engines in one worker process (`--shared`, the old method)"
        if report.shared_mode
        else "each engine in its own worker process (`python -m benchmarks.worker ENGINE`)"
    )
    heaps = "; ".join(
        f"{label} {hello['tracked']:,} ({', '.join(hello['modules']) or 'no engine library'})"
        for label, hello in report.workers.items()
    )
    return [
        f"- Date: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC",
        f"- Machine: {platform.platform()}, {cpu}, {os.cpu_count()} logical cores (shared with other jobs)",
        f"- Python {platform.python_version()} ({platform.python_implementation()}); {', '.join(versions)}",
        f"- Method: {where}; garbage collector on, thresholds "
        f"{', '.join(map(str, thresholds))} (the interpreter's defaults)",
        f"- Objects the collector tracks in each worker after importing its engines (libraries loaded): {heaps}",
    ]


def headline(res: Results, sizes: list[int]) -> list[str]:
    lines = [
        "| workload | micrograd / chaingrad | torch / chaingrad | chaingrad / float forward |",
        "|---|---|---|---|",
    ]
    for label, cells in (("1. chain", res.chain), ("2. wide", res.wide)):
        for n in sizes:
            me = cells.get(("chaingrad", n))
            lines.append(
                f"| {label} N={n:g} | {ratio(cells.get(('micrograd', n)), me)} | "
                f"{ratio(cells.get(('torch', n)), me)} | "
                f"{ratio(me, cells.get(('float', n)), 'forward', 'forward')} |"
            )
    for variant in ("chaingrad", "chaingrad unfused", "chaingrad replay"):
        lines.append(
            f"| 3. MLP step, {MLP_ROWS[variant]} | {ratio(res.mlp.get('micrograd'), res.mlp[variant])} | "
            f"{ratio(res.mlp.get('torch'), res.mlp[variant])} | "
            f"{ratio(res.mlp[variant], res.mlp.get('float'), 'forward', 'forward')} |"
        )
    for name in ("chaingrad record", "chaingrad no_grad"):
        if name in res.forward:
            lines.append(
                f"| 4. MLP forward, {FORWARD_ROWS[name]} | - | - | "
                f"{ratio(res.forward[name], res.forward.get('float'), 'total', 'forward')} |"
            )
    return lines


def shared_section(report: Report) -> list[str]:
    """The reduced pass in one interpreter next to the same ratios from separate processes."""
    res, shared = report.results, report.shared
    assert shared is not None
    tracked = {label: hello["tracked"] for label, hello in report.workers.items()}
    together = ", ".join(report.shared_engines[:-1]) + " and " + report.shared_engines[-1]
    heap = (
        f" (here {tracked['torch']:,} tracked objects in the torch worker against "
        f"{tracked['chaingrad']:,} in chaingrad's)"
        if "torch" in tracked
        else ""
    )
    lines = [
        "### Same run in one shared interpreter",
        "",
        "Headline numbers come from separate processes because CPython's full collections rescan "
        "every object the process tracks: in one interpreter, each engine's collector also scans "
        f"the other engines' objects{heap}, which no user of one library has in their heap. A reduced "
        f"pass with {together} in one worker process "
        f"({plural(report.shared_rounds, 'round')}, same method otherwise) gives:",
        "",
        "| workload | micrograd / chaingrad, own processes | shared | torch / chaingrad, own processes | shared |",
        "|---|---|---|---|---|",
    ]

    def cell(r: Results, workload: str, name: str, n: int) -> Cell | None:
        return r.mlp.get(name) if workload == "mlp" else getattr(r, workload).get((name, n))

    rows = [
        (f"{i}. {workload} N={n:g}", workload, n, "chaingrad")
        for i, workload in ((1, "chain"), (2, "wide"))
        for n in report.shared_sizes
    ]
    rows += [(f"3. MLP step, {MLP_ROWS[variant]}", "mlp", 0, variant) for variant in ("chaingrad", "chaingrad unfused")]
    for label, workload, n, me in rows:
        pairs = [
            ratio(cell(r, workload, other, n), cell(r, workload, me, n))
            for other in ("micrograd", "torch")
            for r in (res, shared)
        ]
        lines.append(f"| {label} | " + " | ".join(pairs) + " |")
    return lines + [""]


def targets(report: Report) -> list[str]:
    """One line per target of the issue: the measured number, whether it is met, and the shared value."""
    res, shared, sizes, deep = report.results, report.shared, report.sizes, report.deep
    header = "| target | measured | met |" + (" shared interpreter |" if shared else "")
    lines = [header, "|---|---|---|" + ("---|" if shared else "")]

    def row(text: str, measured: str, met: str, in_shared: str = "") -> None:
        lines.append(f"| {text} | {measured} | {met} |" + (f" {in_shared} |" if shared else ""))

    def check(
        text: str, get: Callable[[Results], float | None], goal: float, higher: bool = True, unit: str = "x"
    ) -> None:
        value = get(res)
        other = get(shared) if shared else None
        in_shared = "" if other is None else f"{other:.3g}{unit}"
        if value is None or math.isnan(value):
            row(text, "not measured", "-", in_shared)
            return
        ok = value >= goal if higher else value <= goal
        row(text, f"{value:.3g}{unit}", "yes" if ok else "NO", in_shared)

    def cells(workload: str, num: str, den: str, n: int, pn: str = "total", pd: str = "total"):
        return lambda r: ratio_value(getattr(r, workload).get((num, n)), getattr(r, workload).get((den, n)), pn, pd)

    def mlp(num: str, den: str):
        return lambda r: ratio_value(r.mlp.get(num), r.mlp.get(den))

    for n in [n for n in sizes if n >= 10_000]:
        check(f"wide N={n:g}: micrograd / chaingrad >= 8x", cells("wide", "micrograd", "chaingrad", n), 8)
    check("MLP step (default model): micrograd / chaingrad >= 40x", mlp("micrograd", "chaingrad"), 40)
    check(
        "MLP step, unfused (fused=False): micrograd / chaingrad unfused >= 15x",
        mlp("micrograd", "chaingrad unfused"),
        15,
    )
    for n in sizes:
        check(f"chain N={n:g}: torch / chaingrad >= 10x", cells("chain", "torch", "chaingrad", n), 10)
    for n in sizes:
        check(f"wide N={n:g}: torch / chaingrad >= 10x", cells("wide", "torch", "chaingrad", n), 10)
    check("MLP step (default model): torch / chaingrad >= 20x", mlp("torch", "chaingrad"), 20)
    n = 10_000 if 10_000 in sizes else sizes[-1]
    check(
        f"wide N={n:g}: chaingrad forward / float forward <= 20x",
        cells("wide", "chaingrad", "float", n, "forward", "forward"),
        20,
        higher=False,
    )
    mem = res.mem
    if "micrograd" in mem:
        check(
            "memory per node: chaingrad / micrograd <= 0.25",
            lambda r: r.mem["chaingrad"][0] / r.mem["micrograd"][0] if "micrograd" in r.mem else None,
            0.25,
            higher=False,
            unit="",
        )
    check(
        "graph freed by reference counting alone (share of the graph's bytes freed by `del` with gc "
        "off; the rest is the interpreter's float free list)",
        lambda r: r.mem["chaingrad"][1] if "chaingrad" in r.mem else None,
        0.99,
        unit="",
    )
    if deep:
        big = res.chain.get(("chaingrad", deep[-1]))
        if big and big.runs:
            row(f"chain N={deep[-1]:g} runs (no RecursionError)", "yes", "yes")

            def growth(engine: str, phase: str) -> Callable[[Results], float | None]:
                def get(r: Results) -> float | None:
                    top, base = r.chain.get((engine, deep[-1])), r.chain.get((engine, 10_000))
                    if not (top and top.runs and base and base.runs):
                        return None
                    return (top.median(phase) / deep[-1]) / (base.median(phase) / 10_000)

                return get

            for engine, phase, what in (
                ("chaingrad", "total", "total"),
                ("chaingrad", "backward", "backward only"),
                (NO_GC, "total", "total, collector off"),
            ):
                check(
                    f"chain: time per op at N={deep[-1]:g} / at N=1e4, {what} (linear: <= 1.5)",
                    growth(engine, phase),
                    1.5,
                    higher=False,
                )
        else:
            row(f"chain N={deep[-1]:g} runs", big.error if big else "not measured", "NO")
    check("replay / rebuild on the MLP step >= 10x", mlp("chaingrad", "chaingrad replay"), 10)
    if res.forward:

        def forward(num: str, pn: str, den: str, pd: str) -> Callable[[Results], float | None]:
            return lambda r: ratio_value(r.forward.get(num), r.forward.get(den), pn, pd)

        check(
            "MLP forward without a graph: chaingrad no_grad / float forward <= 1.5x",
            forward("chaingrad no_grad", "total", "float", "forward"),
            1.5,
            higher=False,
        )
        check(
            "MLP forward: recording / no_grad >= 5x",
            forward("chaingrad record", "total", "chaingrad no_grad", "total"),
            5,
        )
    return lines


def scaling_table(title: str, cells: Cells, sizes: list[int], names: list[str], ops: Callable[[int], int]) -> list[str]:
    lines = [
        f"### {title}",
        "",
        "Microseconds per operation, median over rounds (total min-max in brackets); "
        "total = forward + backward + free; free = `del output`, plus the garbage collection that frees "
        "the graph where reference counting cannot (micrograd's cycles).",
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


def mlp_table(report: Report) -> list[str]:
    res = report.results
    reference = res.losses["chaingrad"]
    lines = [
        f"### Workload 3: one training step of MLP(2, [16, 16, 1]), {report.mlp_points} two-moons points, "
        "hinge loss + 1e-4 L2, SGD",
        "",
        f"{res.mlp_ops} operations per step (chaingrad's default graph; every engine is divided by "
        "the same count). Milliseconds per step, median (min-max); update = SGD + zero_grad; free as in "
        "workloads 1-2.",
        "",
        "| engine | forward | backward | update | free | total | us/op | micrograd / this | torch / this "
        "| max loss difference vs chaingrad |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, cell in res.mlp.items():
        float_row = name == "float"

        def ms(phase: str, cell: Cell = cell) -> str:
            return f"{cell.median(phase) * 1e3:.3g}"

        lo, hi = min(cell.phase("total")), max(cell.phase("total"))
        # the float engine does not train, so only its first loss is comparable
        losses = res.losses[name][:1] if float_row else res.losses[name]
        agreement = max(abs(a - b) for a, b in zip(losses, reference))
        ratios = "|" if float_row else f"{ratio(res.mlp.get('micrograd'), cell)} | {ratio(res.mlp.get('torch'), cell)}"
        lines.append(
            f"| {name}{' (forward only)' if float_row else ''} | {ms('forward')} | "
            + ("| | | " if float_row else f"{ms('backward')} | {ms('update')} | {ms('free')} | ")
            + f"{ms('total')} ({lo * 1e3:.3g}-{hi * 1e3:.3g}) | {cell.median('total') / res.mlp_ops * 1e6:.3g} | "
            + f"{ratios} | {agreement:.2g} |"
        )
    where = "" if report.shared_mode else ", in its own process"
    return lines + [
        "",
        "The replay row excludes recording: `autograd.record` built and compiled the graph once in "
        f"{res.record_seconds:.2f} s. Losses are compared step by step over "
        f"{plural(report.mlp_rounds, 'round')} (every engine trains from the same initial weights{where}).",
        "",
    ]


def forward_table(report: Report) -> list[str]:
    res = report.results
    if not res.forward:
        return []
    floor = res.forward.get("float")
    lines = [
        f"### Workload 5: evaluating MLP(2, [16, 16, 1]) on the {report.mlp_points} points, with and without a graph",
        "",
        "The scores of every point, from the weights of workload 3. Milliseconds per evaluation, median "
        f"(min-max) over {plural(report.forward_rounds, 'round')}; free = dropping the scores (when "
        "recording, the graph goes with them). Under `no_grad()` each `MLP` call runs its sums and "
        "activations on floats and returns a leaf Value; the float row is `scalar_mlp` on plain floats, "
        "the floor for the interpreter.",
        "",
        "| evaluation | forward | free | total | / float forward | sum of the scores |",
        "|---|---|---|---|---|---|",
    ]
    for name, cell in res.forward.items():
        lo, hi = min(cell.phase("total")), max(cell.phase("total"))
        lines.append(
            f"| {FORWARD_ROWS.get(name, name)} | {cell.median('forward') * 1e3:.3g} | "
            f"{cell.median('free') * 1e3:.3g} | {cell.median('total') * 1e3:.3g} ({lo * 1e3:.3g}-"
            f"{hi * 1e3:.3g}) | {ratio(cell, floor, 'total', 'forward')} | "
            f"{res.forward_totals.get(name, math.nan)!r} |"
        )
    return lines + [""]


def memory_table(report: Report) -> list[str]:
    lines = [
        "### Workload 4: memory",
        "",
        "Bytes per operation traced by tracemalloc while building the wide graph, and the share "
        "of it released by `del output` with the garbage collector disabled "
        "(PyTorch allocates in C++, invisible to tracemalloc, so it is not listed).",
        "",
        "| engine | bytes per node | freed by `del` without gc |",
        "|---|---|---|",
    ]
    for name, (per_node, freed) in report.results.mem.items():
        lines.append(f"| {name} | {per_node:.0f} | {freed:.0%} |")
    return lines + [""]


def phase_table(phases: dict[str, Any], rounds: int, n_ops: int) -> list[str]:
    whole = (
        ""
        if phases["split"]
        else " Backward is timed whole: this version of autograd.backward has no "
        "`topological_order` and `_fill_gradients` that give `backward`'s gradients."
    )
    lines = [
        "chaingrad, one MLP step split into phases, in chaingrad's worker (median of "
        f"{rounds}; ns per operation = phase time / {n_ops} operations).{whole}",
        "",
        "| phase | collector on | share | collector off | share |",
        "|---|---|---|---|---|",
    ]
    on, off = phases["on"], phases["off"]
    for name, a, b in zip(phases["names"], on, off):
        lines.append(
            f"| {name} | {a / n_ops * 1e9:.0f} ns | {a / sum(on):.0%} | {b / n_ops * 1e9:.0f} ns | {b / sum(off):.0%} |"
        )
    lines.append(f"| total | {sum(on) / n_ops * 1e9:.0f} ns | | {sum(off) / n_ops * 1e9:.0f} ns | |")
    return lines + [""]


def profile_table(profile: dict[str, Any]) -> list[str]:
    lines = [
        "chaingrad, one MLP step (cProfile, own time per function; cProfile inflates call-heavy code):",
        "",
        "| function | calls | own time | share |",
        "|---|---|---|---|",
    ]
    for where, calls, seconds in profile["rows"]:
        lines.append(f"| `{where}` | {calls} | {seconds * 1e3:.1f} ms | {seconds / profile['total']:.0%} |")
    return lines + [""]


def profile_notes() -> list[str]:
    """The reading of the profile, kept next to the code so a rerun does not lose it."""
    path = HERE / "PROFILE_NOTES.md"
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


def render(report: Report, names: list[str]) -> str:
    """The whole markdown report; `names` are the rows of the scaling tables, in order."""
    res = report.results
    label = {"quick": "quick run: ", "smoke": "smoke run: "}.get(report.mode, "")
    lines = [
        "# Benchmarks",
        "",
        "Reproduce with `python -m benchmarks.run"
        + (" --shared" if report.shared_mode else "")
        + f"` ({label}this file was written by that command; "
        "see benchmarks/run.py for the method).",
        "",
    ]
    lines += machine(report) + [""]
    lines += ["## Headline (ratios of medians in this run; higher is better for chaingrad)", ""]
    lines += headline(res, report.sizes) + [""]
    if report.shared:
        lines += shared_section(report)
    lines += [
        f"Replay over rebuilding the graph (workload 3, whole step): "
        f"**{ratio(res.mlp['chaingrad'], res.mlp['chaingrad replay'])}**; the default one-node neuron over "
        f"the unfused one (`fused=False`): **{ratio(res.mlp['chaingrad unfused'], res.mlp['chaingrad'])}**.",
        "",
    ]
    if "chaingrad" in res.mem:
        me, mg = res.mem["chaingrad"][0], res.mem.get("micrograd")
        lines += [
            f"Memory per node (wide, N={report.mem_n:g}): chaingrad **{me:.0f} bytes**"
            + (f", micrograd {mg[0]:.0f} bytes (ratio {mg[0] / me:.2g}x)" if mg else "")
            + ".",
            "",
        ]
    lines += ["## Targets", ""] + targets(report) + [""]
    lines += ["## Results", ""]
    lines += scaling_table(
        "Workload 1: deep chain of alternating `* 0.999` and `+ 0.001` (N operations)",
        res.chain,
        report.sizes + report.deep,
        names,
        lambda n: n,
    )
    lines += recursion_lines(res.recursion, report.deep)
    lines += scaling_table(
        "Workload 2: wide neuron sum `w0*x0 + ... + w(N-1)*x(N-1)` over 2N leaves (2N - 1 operations)",
        res.wide,
        report.sizes,
        names,
        lambda n: 2 * n - 1,
    )
    lines += mlp_table(report) + memory_table(report) + forward_table(report)
    lines += ["## Where the time goes", ""]
    if res.phases:
        lines += phase_table(res.phases, report.phase_rounds, res.mlp_ops)
    if res.profile:
        lines += profile_table(res.profile)
    lines += profile_notes()
    return "\n".join(lines) + "\n"


def recursion_lines(recursion: dict[str, dict[str, str]], deep: list[int]) -> list[str]:
    """How deep a chain each engine's backward takes under CPython's default recursion limit."""
    if not recursion:
        return []
    lines = [
        "Backward on the chain under CPython's default recursion limit (1000), as a user who does not "
        "raise it runs it (the timed micrograd runs above raise the limit first):",
        "",
    ]
    for engine, outcome in recursion.items():
        lines.append(f"- {engine}: " + ", ".join(f"N={int(n):g} {result}" for n, result in outcome.items()))
    if deep:
        lines.append(f"- N={deep[-1]:g} is timed for chaingrad and floats only: the linear-scaling check.")
    return lines + [""]


def plot(path: Path, res: Results, names: list[str], sizes: dict[str, list[int]]) -> None:
    """Time per operation against N for workloads 1 and 2, log-log."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    for ax, (workload, cells, ops) in zip(
        axes, (("chain", res.chain, lambda n: n), ("wide", res.wide, lambda n: 2 * n - 1))
    ):
        for name in names:
            points = [
                (n, cells[(name, n)].median("total") / ops(n) * 1e6)
                for n in sizes[workload]
                if (name, n) in cells and cells[(name, n)].runs
            ]
            if points:
                ax.plot(*zip(*points), marker="o", label=name if name != "float" else "float (forward)")
        ax.set(
            xscale="log",
            yscale="log",
            xlabel="N",
            ylabel="microseconds per operation",
            title=f"{workload}: forward + backward + free",
        )
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
