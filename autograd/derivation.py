"""Check a learner's hand-derived gradients against the engine's, node by node, and say where they part.

One point can fool a check: at y = 1 a term multiplied by 1 - y cannot show a mistake, and nothing
behind a ReLU that is off can either. So `check_derivation` checks each hand formula (a function of
the forward values) at the graph's point and, by default, at a few points near it: each labelled
leaf nudged at random, reproducibly (`seed`), the graph re-evaluated there by `nudge.at_point`
without touching any node. The report also names every path that contributes exactly 0 at the
point (the part of a formula it stands for went untested there) and, for a wrong formula, the
ratio hand / engine and the factor on the paths to the output that would explain it.
"""

from __future__ import annotations

import html
import math
import random
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass

from .explain import engine_gradients, local_derivative, local_name, repeated_operands
from .graph import Edge, edges, operands, topological_order
from .nudge import at_point, local_at, nudged_leaves
from .numbers import as_number, tolerance
from .value import Number, Value

__all__ = [
    "check_derivation",
    "DerivationReport",
    "DerivationRow",
    "ChainFactor",
    "LocalDerivative",
    "NudgedPoint",
    "PointCheck",
    "UntestedPath",
    "FactorHint",
    "ForwardValues",
    "UnknownLabelError",
    "HandValue",
]


# ---------------------------------------------------------------------------------------------
# Checking a learner's hand derivation against the engine, node by node.
# ---------------------------------------------------------------------------------------------

HandValue = Number | Value | Callable[[Mapping[str, float]], object]
"""A hand gradient: a number, or a function of the forward values (a mapping label -> data)."""

_MAX_PATHS = 32  # more chain-rule paths than this to labelled nodes: show immediate consumers
_MAX_STEPS = 64  # a path longer than this to a labelled node: show immediate consumers
_MAX_POINTS = 1_000  # nudged points one call may ask for
_ABOVE_EDGES = 20_000  # edges above a node searched for zero paths and for a factor behind a ratio
_SHOWN_TERMS = 12  # chain-rule terms printed under a divergence; the rest are counted
_SHOWN_PAIRS = 3  # pairs of a dot node written out when an unlabelled node is described
_SHOWN_LEAVES = 8  # leaves of a nudged point written out; the rest are counted
_SHOWN_NAMES = 6  # gradient names listed in one sentence; the rest are counted
_SHOWN_ZEROS = 10  # zero paths described under "Untested"; the rest are counted
_SHOWN_HINTS = 3  # factors named as the explanation of one ratio
_GRADIENT_KEY = re.compile(r"\s*[d∂]\s*([^/]*?)\s*/\s*[d∂]\s*(.+?)\s*")
_NUMBER = re.compile(r"-?\d+(\.\d*)?(e[-+]?\d+)?")


class UnknownLabelError(KeyError):
    """A hand entry, or a hand formula, names a label that no node of the graph carries."""

    def __str__(self) -> str:  # KeyError would show the message in quotes
        return str(self.args[0]) if self.args else ""


class ForwardValues(Mapping[str, float]):
    """The forward values of the labelled nodes of a graph, by label; passed to hand formulas.

    values: each node's value at another point (see `nudge.at_point`); without it, `.data`.
    """

    def __init__(self, nodes: Mapping[str, list[Value]], values: Mapping[Value, float] | None = None) -> None:
        self._nodes = nodes
        self._values = values

    def __getitem__(self, label: str) -> float:
        nodes = self._nodes.get(label)
        if not nodes:
            raise UnknownLabelError(
                f"no node is labelled {label!r}; the labels in the graph are {_listing(self._nodes)}"
            )
        if len(nodes) > 1:
            raise ValueError(
                f"{len(nodes)} nodes are labelled {label!r}; give them distinct labels "
                f"(e.g. {label}_1, {label}_2) to refer to one of them"
            )
        return nodes[0].data if self._values is None else self._values[nodes[0]]

    def __iter__(self) -> Iterator[str]:
        return iter(self._nodes)

    def __len__(self) -> int:
        return len(self._nodes)

    def __repr__(self) -> str:
        def shown(nodes: list[Value]) -> str:
            return f"{self[nodes[0].label]:.6g}" if len(nodes) == 1 else f"<{len(nodes)} nodes>"

        return "ForwardValues({" + ", ".join(f"{k!r}: {shown(v)}" for k, v in self._nodes.items()) + "})"


@dataclass(frozen=True)
class LocalDerivative:
    """One local derivative from the rule table: ∂(output)/∂(operand) of one operation.

    position is the operand's index among the operation's operands when the operation uses
    that value more than once (m = a * a: one local derivative per operand), else None.
    """

    output: str
    operand: str
    rule: str
    formula: str
    value: float
    position: int | None = None

    @property
    def name(self) -> str:
        """'∂z3/∂w3', or '∂m/∂a (2nd operand)' for one of the two a's of a * a."""
        return local_name(self.output, self.operand, self.position)

    def __str__(self) -> str:
        if self.formula == f"{self.value:g}":
            return f"{self.name} = {self.formula}"
        return f"{self.name} = {self.formula} = {self.value:.6g}"


@dataclass(frozen=True)
class ChainFactor:
    """One term of a node's gradient: an upstream gradient times local derivatives down to the node.

    The engine's gradient of a node is the sum of its terms' values.
    """

    upstream: str
    upstream_grad: float
    locals: tuple[LocalDerivative, ...]

    @property
    def value(self) -> float:
        """The upstream gradient times every local derivative."""
        product = self.upstream_grad
        for local in self.locals:
            product *= local.value
        return product


@dataclass(frozen=True)
class NudgedPoint:
    """A point near the given one, where hand formulas are checked too.

    leaves: (label, value at the given point, value here) for each leaf that was moved.
    skipped: why no formula was checked here (a nudge left an operation's domain), else "".
    """

    index: int
    leaves: tuple[tuple[str, float, float], ...]
    skipped: str = ""

    @property
    def values(self) -> dict[str, float]:
        """The moved leaves' values at this point, by label."""
        return {label: x for label, _, x in self.leaves}

    def describe(self) -> str:
        """'y = 0.9312 (was 1), W1 = 0.8377 (was 0.8), … 5 more leaves'"""
        shown = [f"{label} = {x:.6g} (was {was:.6g})" for label, was, x in self.leaves[:_SHOWN_LEAVES]]
        if len(self.leaves) > _SHOWN_LEAVES:
            shown.append(f"… {len(self.leaves) - _SHOWN_LEAVES:,} more leaves (report.points[{self.index - 1}])")
        return ", ".join(shown)


@dataclass(frozen=True)
class PointCheck:
    """A hand formula and the engine's gradient at one nudged point (`point` is its index).

    factors: the engine's chain-rule terms there, kept for a row's first disagreement only.
    """

    point: int
    hand: float
    engine: float
    ok: bool
    factors: tuple[ChainFactor, ...] = ()


@dataclass(frozen=True)
class UntestedPath:
    """Paths from a node to the output that contribute exactly 0 at the given point.

    A local derivative on them is 0 there (a ReLU that is off, a factor 1 - y at y = 1), so the
    part of a hand formula that stands for them is multiplied by 0 and a mistake in it cannot
    show. `nonzero_at` lists the nudged points where they do not vanish and the formula was
    checked: there that part was tested.
    """

    through: str  # the node the paths go through: 'A2', '((1 - y) * log(…))'
    local: LocalDerivative  # the local derivative that is 0
    because: str  # 'relu is off (z2 = -0.31)', '∂(…)/∂log(1 - a3) = (1 - y) = 0 at y = 1'
    constant: bool = False  # the 0 is a plain number in the graph: no nudge can move it
    nonzero_at: tuple[int, ...] = ()
    remedy: str = ""  # how to test that part: 'check again at a point where z2 > 0 ...'

    @property
    def tested(self) -> bool:
        """True when some nudged point, where the formula was checked, does not have the zero."""
        return bool(self.nonzero_at)

    def __str__(self) -> str:
        return f"the path through {self.through} contributes 0 here: {self.because}"


@dataclass(frozen=True)
class FactorHint:
    """A number on the paths from a node to the output that explains a wrong formula: at every
    point where the formula disagrees, hand = engine / value (missing) or engine * value (extra)."""

    name: str  # 'W3', or '∂a3/∂z3' for a local derivative that is not one node's value
    value: float  # where the formula first disagrees
    missing: bool
    what: str  # 'W3 = 2.1 (∂(W3 * a2)/∂a2)'

    def __str__(self) -> str:
        if self.missing:
            return f"your formula is the engine's divided by {self.what}: a factor {self.name} may be missing"
        return f"your formula is the engine's multiplied by {self.what}: it may have an extra factor {self.name}"


@dataclass(frozen=True)
class DerivationRow:
    """One hand gradient: what the learner wrote, what the engine computed, and whether they agree.

    hand, engine and factors are at the given point; `checks` at the nudged points (formulas
    only). `ok` is True when they agree at the given point and at every nudged point checked.
    """

    name: str
    node: str
    step: int  # named nodes (labelled or checked) between the output and this node, at most
    hand: float
    engine: float
    ok: bool
    factors: tuple[ChainFactor, ...]
    formula: bool = False  # a function of the forward values, checked at nudged points too
    checks: tuple[PointCheck, ...] = ()
    untested: tuple[UntestedPath, ...] = ()  # paths that contribute 0 at the given point
    ok_here: bool | None = None  # agrees at the given point (None when made without: as ok)
    ratio: float | None = None  # hand / engine where it first disagrees (None: agrees, or engine is 0)
    constant_ratio: bool = False  # the same ratio at every point where it disagrees (two or more)
    hints: tuple[FactorHint, ...] = ()  # factors on the paths to the output that explain the ratio
    between: tuple[str, ...] = ()  # gradients of the labelled nodes between it and the output, unchecked
    unevaluated: tuple[str, ...] = ()  # nudged points where the formula raised, and why

    def __post_init__(self) -> None:
        if self.ok_here is None:
            object.__setattr__(self, "ok_here", self.ok)

    @property
    def error(self) -> float:
        """Absolute difference between the hand value and the engine's at the given point."""
        return abs(self.hand - self.engine)

    @property
    def misses(self) -> tuple[PointCheck, ...]:
        """The nudged points where hand and engine disagree."""
        return tuple(c for c in self.checks if not c.ok)

    @property
    def untested_everywhere(self) -> tuple[UntestedPath, ...]:
        """Zero paths that no point checked gave a nonzero value: that part of the formula is untested."""
        return tuple(u for u in self.untested if not u.tested)


@dataclass(frozen=True)
class DerivationReport:
    """Hand gradients next to the engine's, in backward order (from the output to the leaves).

    Truthy when every hand gradient agrees, at the given point and at every nudged point where
    it was checked; `first_divergence` is the first one that does not, counted from the output,
    with the chain-rule terms that make up the engine's value. `points` are the nudged points
    tried (some may be skipped); `untested` the rows with a path that contributes 0 at every
    point where they were checked.
    """

    output: str
    rows: tuple[DerivationRow, ...]
    rtol: float
    atol: float
    points: tuple[NudgedPoint, ...] = ()
    seed: int = 0
    nudge: float = 0.1
    given_only: str = ""  # why no nudged point was tried, when none was

    @property
    def ok(self) -> bool:
        """True when every hand gradient agrees with the engine."""
        return all(row.ok for row in self.rows)

    @property
    def agreements(self) -> tuple[DerivationRow, ...]:
        """The rows where hand and engine agree."""
        return tuple(row for row in self.rows if row.ok)

    @property
    def disagreements(self) -> tuple[DerivationRow, ...]:
        """The rows where hand and engine disagree, in backward order."""
        return tuple(row for row in self.rows if not row.ok)

    @property
    def first_divergence(self) -> DerivationRow | None:
        """The first disagreeing row in backward order, or None when all agree."""
        return next((row for row in self.rows if not row.ok), None)

    @property
    def checked_points(self) -> tuple[NudgedPoint, ...]:
        """The nudged points where the formulas were checked."""
        return tuple(p for p in self.points if not p.skipped)

    @property
    def skipped_points(self) -> tuple[NudgedPoint, ...]:
        """The nudged points skipped because a nudge left an operation's domain."""
        return tuple(p for p in self.points if p.skipped)

    @property
    def untested(self) -> tuple[DerivationRow, ...]:
        """The rows with a path that contributes 0 at every point where they were checked."""
        return tuple(row for row in self.rows if row.untested_everywhere)

    def __getitem__(self, name: str) -> DerivationRow:
        for row in self.rows:
            if row.name == name or row.node == name:
                return row
        raise KeyError(f"no hand entry named {name!r}; entries: {[r.name for r in self.rows]}")

    def __bool__(self) -> bool:
        return self.ok

    def __repr__(self) -> str:
        return f"<DerivationReport: {self._summary()}>"

    # -- presentation ---------------------------------------------------------------------------

    def _summary(self) -> str:
        n, bad = len(self.rows), len(self.disagreements)
        first = self.first_divergence
        if first is None:
            head = f"all {n} hand gradients of {self.output} agree with the engine"
        else:
            head = (
                f"{n - bad} of {n} hand gradients of {self.output} agree with the engine; "
                f"first divergence at {first.name}"
            )
        return head

    def _headline(self) -> str:
        """The summary; where the formulas were checked, with the seed and tolerances; the untested count."""
        if self.given_only:
            where, seed = "checked at the given point only", f"{self.given_only}; "
        else:
            checked, skipped = len(self.checked_points), len(self.skipped_points)
            where = f"checked at the given point and {checked} nudged point{'s' * (checked != 1)} near it"
            where += f", {skipped} more skipped" if skipped else ""
            seed = f"seed {self.seed}; "
        untested = len(self.untested)
        return (
            f"{self._summary()}, {where} ({seed}rtol={self.rtol:g}, atol={self.atol:g})"
            + (f"; {untested} with a part untested (see Untested)" if untested else "")
        )

    def _row_note(self, row: DerivationRow) -> str:
        notes = []
        misses = len(row.misses)
        if row.ok_here and misses:
            notes.append(f"agrees here, differs at {misses} of {len(row.checks)} nudged points")
        elif misses:
            notes.append(f"and at {misses} of {len(row.checks)} nudged points")
        if row.untested_everywhere:
            notes.append("part untested")
        return "  " + "; ".join(notes) if notes else ""

    def _details(self) -> list[str]:
        """Everything after the table: the nudged points, the first divergence, the untested paths."""
        lines = self._points_lines()
        first = self.first_divergence
        if first is not None:
            lines += self._divergence_lines(first)
        lines += self._untested_lines()
        return lines

    def _points_lines(self) -> list[str]:
        lines = []
        if self.points:
            low, high = 50 * self.nudge, 100 * self.nudge
            lines.append(
                f"Nudged points: {len(self.points)} tried (seed {self.seed}), each labelled leaf moved up or "
                f"down by {low:.3g}-{high:.3g}% of its value plus {low / 1000:.3g}-{high / 1000:.3g}."
            )
            skipped = self.skipped_points
            if skipped:
                lines.append(
                    f"  {len(skipped)} of them skipped, outside an operation's domain "
                    f"(point {skipped[0].index}: {skipped[0].skipped})."
                )
            numbers = [row.name for row in self.rows if not row.formula]
            if numbers:
                lines.append(
                    f"  Checked at the given point only, being numbers rather than formulas of the "
                    f"forward values: {_names(numbers)}. Write one as a formula (lambda v: ...) to "
                    "have it checked at the nudged points too."
                )
            for row in self.rows:
                if row.unevaluated:
                    lines.append(
                        f"  {row.name} could not be evaluated at {len(row.unevaluated)} nudged "
                        f"point(s), where the graph could: {row.unevaluated[0]}"
                    )
        return lines

    def _divergence_lines(self, first: DerivationRow) -> list[str]:
        lines = [f"First divergence: {first.name} (node {first.node})"]
        miss = first.misses[0] if first.ok_here and first.misses else None
        if miss is None:
            hand, engine, factors, where = first.hand, first.engine, first.factors, ""
        else:
            point = self.points[miss.point - 1]
            lines.append(
                f"  At the given point it agrees (hand {first.hand:+.15g}, engine {first.engine:+.15g}), "
                f"but not at nudged point {point.index}:"
            )
            lines.append(f"    {point.describe()}")
            hand, engine, factors, where = miss.hand, miss.engine, miss.factors, " there"
        lines.append(f"  hand   {hand:+.15g}")
        lines.append(f"  engine {engine:+.15g}, the sum of {len(factors)} chain-rule term(s){where}:")
        for f in factors[:_SHOWN_TERMS]:
            lines.append(f"    {_factor_symbols(self.output, first.node, f)}")
            lines.append(f"      = {_factor_numbers(f)} = {f.value:.6g}")
            for local in f.locals:
                lines.append(f"      {local}   [{local.rule}]")
        if len(factors) > _SHOWN_TERMS:
            lines.append(f"    {_more_terms(first.name, factors)}")
        if miss is not None:
            lines += ["  " + line for line in _why_only_nearby(first)]
        lines += ["  " + line for line in self._ratio_lines(first)]
        diagnosis = self._diagnosis(first)
        if diagnosis:
            lines.append("  " + diagnosis)
        elif first.between:
            lines.append(
                "  To find the step where it goes wrong, check node by node: add the gradients of the nodes "
                f"between, in backward order ({_names(list(first.between))}), and the checker will name "
                "the first that diverges."
            )
        return lines

    def _ratio_lines(self, row: DerivationRow) -> list[str]:
        if row.ratio is None:
            return []
        ratio = row.ratio
        if ratio == 0.0:
            return ["Your formula gives 0 where the engine does not: a term (a path) may be missing."]
        inverse = f" = 1/{1 / ratio:.6g}" if 0.0 < abs(ratio) < 1.0 else ""
        lines = [f"hand / engine = {ratio:.6g}{inverse}" + (" there." if row.ok_here else " here.")]
        wrong = int(not row.ok_here) + len(row.misses)
        where = f"At all {wrong} points where they disagree" if wrong > 1 else "Here"
        opposite = abs(ratio + 1.0) <= 1e-9 + self.rtol
        if opposite:
            lines.append("Your formula has the opposite sign: look for a - that should be a + (or the reverse).")
        for hint in row.hints:
            lines.append(f"{where}, {hint}.")
        if row.constant_ratio and not row.hints and not opposite:
            lines.append(
                f"{where}, the ratio is the same: your formula is off by the constant factor {ratio:.6g} "
                "(a 2, a 1/2 or a 1/m, say)."
            )
        return lines

    def _diagnosis(self, row: DerivationRow) -> str:
        by_node = {r.node: r for r in self.rows}
        upstream_rows = [by_node.get(f.upstream) for f in row.factors]
        if row.factors and all(r is not None and r.ok for r in upstream_rows):
            names = sorted({r.name for r in upstream_rows if r is not None})
            verb = "agrees" if len(names) == 1 else "agree"
            return (
                f"Your {' and '.join(names)} {verb} with the engine, so the mistake is in the "
                f"local derivatives of this step or in how they were multiplied."
            )
        return ""

    def _untested_lines(self) -> list[str]:
        """One paragraph per zero path, with the rows it leaves untested and those tested elsewhere."""
        groups: dict[tuple[str, str], list[tuple[DerivationRow, UntestedPath]]] = {}
        for row in self.rows:
            for path in row.untested:
                groups.setdefault((path.through, path.because), []).append((row, path))
        if not groups:
            return []
        lines = [
            "Untested: a path that contributes exactly 0 at the given point multiplies away the part of "
            "a formula that stands for it, so a mistake there cannot show."
        ]
        checked = len(self.checked_points)
        # the zero paths that left something untested first: they are what to act on
        ordered = sorted(groups.items(), key=lambda item: all(p.tested for _, p in item[1]))
        for (through, because), found in ordered[:_SHOWN_ZEROS]:
            path = found[0][1]
            lines.append(f"  The path through {through} contributes 0 here: {because}.")
            untested = [row.name for row, p in found if not p.tested]
            numbers = [row.name for row, p in found if not p.tested and not row.formula]
            formulas = [name for name in untested if name not in numbers]
            if formulas and not checked:
                lines.append(f"    That part of {_names(formulas)} went untested at this point.")
            elif formulas:
                lines.append(f"    0 at every nudged point too: that part of {_names(formulas)} went untested.")
            if numbers:
                lines.append(
                    f"    That part of {_names(numbers)} went untested (numbers are checked at the given point only)."
                )
            tested: dict[tuple[int, int], list[str]] = {}
            for row, p in found:
                if p.tested:
                    tested.setdefault((len(p.nonzero_at), len(row.checks)), []).append(row.name)
            for (nonzero, of), names in tested.items():
                lines.append(
                    f"    {_names(names)}: not 0 at {nonzero} of the {of} nudged points where "
                    f"{'it was' if len(names) == 1 else 'they were'} checked, so tested there."
                )
            if path.remedy and untested:
                lines.append(f"    {path.remedy[0].upper()}{path.remedy[1:]}.")
        if len(groups) > _SHOWN_ZEROS:
            lines.append(f"  … {len(groups) - _SHOWN_ZEROS:,} more zero paths, in report.rows[i].untested")
        return lines

    def __str__(self) -> str:
        width = max([len(r.name) for r in self.rows] + [8])
        lines = [f"{self._headline()}, backward order:"]
        for row in self.rows:
            mark = "ok" if row.ok else "DIFF"
            lines.append(
                f"  {mark:<4}  {row.name:<{width}}  hand {row.hand:>+22.15g}  "
                f"engine {row.engine:>+22.15g}{self._row_note(row)}"
            )
        return "\n".join(lines + self._details())

    def _repr_markdown_(self) -> str:
        out = [f"**{_md(self._headline())}**", "",
               "| | gradient | hand | engine | |", "|---|---|---:|---:|---|"]
        for row in self.rows:
            mark = "ok" if row.ok else "**DIFF**"
            out.append(
                f"| {mark} | `{row.name}` | {row.hand:.10g} | {row.engine:.10g} | {_md(self._row_note(row).strip())} |"
            )
        details = self._details()
        if details:
            out += ["", "```text", *details, "```"]
        return "\n".join(out)

    def _repr_html_(self) -> str:
        esc = html.escape
        rows = []
        for row in self.rows:
            colour = "#1a7f37" if row.ok else "#cf222e"
            rows.append(
                f"<tr><td style='color:{colour}'>{'ok' if row.ok else 'DIFF'}</td>"
                f"<td><code>{esc(row.name)}</code></td>"
                f"<td style='text-align:right'>{row.hand:.10g}</td>"
                f"<td style='text-align:right'>{row.engine:.10g}</td>"
                f"<td>{esc(self._row_note(row).strip())}</td></tr>"
            )
        parts = [
            f"<p><b>{esc(self._headline())}</b></p>",
            "<table><tr><th></th><th>gradient</th><th>hand</th><th>engine</th><th></th></tr>",
            *rows,
            "</table>",
        ]
        details = self._details()
        if details:
            parts.append(f"<pre>{esc(chr(10).join(details))}</pre>")
        return "\n".join(parts)


def check_derivation(
    output: Value,
    hand: Mapping[str, HandValue] | Mapping[Value, HandValue] | Mapping[str | Value, HandValue],
    *,
    rtol: float = 1e-6,
    atol: float = 1e-9,
    points: int = 4,
    seed: int = 0,
    nudge: float = 0.1,
    fixed: Iterable[str | Value] | str | Value = (),
) -> DerivationReport:
    """Compare gradients worked out by hand with the engine's, node by node in backward order.

    `hand` maps a node to what you believe d(output)/d(node) is. A node is named by its label
    ("z3"), by a gradient written with it ("dL/dz3", "∂C/∂w2"; the numerator is not checked), or
    is the Value itself. Each hand value is a number or a function that receives the forward
    values of the labelled nodes (a mapping label -> float) and returns a number, so a printed
    formula can be typed in as it reads: ``lambda v: (v["a3"] - v["y"]) * v["a2"]``.

    A hand value agrees when |hand - engine| <= atol + rtol * |engine|. The engine's gradients
    are computed with `grad`, so every `.grad` in the graph is left as it was.

    One point can fool a check (at y = 1 a wrong term times 1 - y is 0), so a formula is also
    checked at `points` points near the given one (default 4; ``points=0``: the given point
    alone). At each, every labelled leaf, targets such as y included, moves up or down by
    between half and all of ``nudge * (|value| + 0.1)`` (default 0.1: 5-10 % plus 0.005-0.01),
    drawn from ``random.Random(seed)``, so the same call gives the same report. Leaves named in
    `fixed` (labels or Values) stay put, e.g. a label y that your derivation assumes is 0 or 1.
    Unlabelled leaves and plain numbers stay put too: a formula can only read labelled nodes,
    so their values can only be typed into it. The graph is re-evaluated there without touching
    any node (`autograd.nudge`), as recorded (a Python ``if`` taken while building it is not
    taken again); a nudge that leaves an operation's domain (log of a negative number, division
    by 0, an overflow) is skipped and counted. A number can only be checked at the given point.

    The report lists the entries in backward order (from the output towards the inputs, layer
    by layer); ``report.first_divergence`` is the first entry that disagrees, with the
    chain-rule terms (upstream gradient times local derivatives from the rule table) whose sum
    is the engine's value, the ratio hand / engine and, when a node value or local derivative on
    the paths to the output equals it or its inverse at every point where they disagree, that
    factor ("divided by W3 = 2.1: a factor W3 may be missing"). Each row's ``untested`` names
    the paths that contribute exactly 0 at the given point (a ReLU that is off, a factor 1 - y
    at y = 1) and the nudged points where they do not. Example::

        x, w, b = Value(0.5, label="x"), Value(2.0, label="w"), Value(-1.0, label="b")
        z = w * x + b;  z.label = "z"
        a = z.sigmoid();  a.label = "a"
        report = check_derivation(a, {
            "da/dz": lambda v: v["a"] * (1 - v["a"]),
            "da/dw": lambda v: v["a"] * (1 - v["a"]) * v["w"],  # slip: should be * x
        })
        report.first_divergence.name  # 'da/dw'; print(report) shows both numbers and why
    """
    if type(output) is not Value:
        raise TypeError(f"check_derivation: output must be a Value, got {type(output).__name__}")
    if not isinstance(hand, Mapping):
        raise TypeError(
            "check_derivation: hand must be a mapping such as {'dL/dz3': 0.25}, "
            f"got {type(hand).__name__}"
        )
    if not hand:
        raise ValueError("check_derivation: hand is empty; there is nothing to check")
    rtol = _tolerance(rtol, "rtol")
    atol = _tolerance(atol, "atol")
    points = _whole(points, "points", 0, _MAX_POINTS)
    seed = _whole(seed, "seed", None, None)
    nudge = tolerance(nudge, "check_derivation: nudge", positive=True)

    order = topological_order(output)
    by_label: dict[str, list[Value]] = {}
    for node in reversed(order):
        if node.label:
            by_label.setdefault(node.label, []).append(node)
    in_graph = set(order)
    forward = ForwardValues(by_label)
    out_name = output.label or "out"
    held = _held(fixed, by_label, in_graph)

    entries: list[_Entry] = []
    for key, value in hand.items():
        node = _resolve(key, by_label, in_graph, forward)
        name = key if isinstance(key, str) else f"d{out_name}/d{_describe(node)}"
        formula = value if callable(value) and not isinstance(value, Value) else None
        entries.append(_Entry(name, node, formula, _hand_number(name, value, forward)))

    # Backward order, layer by layer: a node's step counts the named nodes (labelled, or checked
    # here) on the longest path from the output to it, so it exceeds the step of every named node
    # it feeds. Nodes on the same step keep the order in which `hand` lists them.
    named = {node for node in order if node.label} | {e.node for e in entries}
    step_of = {node: 0 for node in order}
    for node in reversed(order):
        below = step_of[node] + (node in named)
        for operand in node.children:
            step_of[operand] = max(step_of[operand], below)
    entries = sorted(entries, key=lambda e: step_of[e.node])  # stable: ties keep hand's order

    engine = dict(zip(order, engine_gradients(output, order, order)))
    consumers: dict[Value, list[Edge]] = {node: [] for node in order}
    for node in order:
        for edge in edges(node):
            consumers[edge.operand].append(edge)
    graph = _Graph(output, out_name, consumers, engine, {n: n.data for n in order}, by_label, step_of,
                   {e.node for e in entries}, rtol, atol)

    movable = [node for node in order if node.rule is None and node.label and node not in held]
    given_only = (
        "points=0" if points == 0
        else "every hand value is a number" if all(e.formula is None for e in entries)
        else "no labelled leaf to nudge" if not movable
        else ""
    )
    tried, evaluated = _nudged_points(order, movable, 0 if given_only else points, seed, nudge)
    zeros = [(edge, _local(edge)) for node in order for edge in edges(node) if local_derivative(edge) == 0.0]
    rows = tuple(_row(graph, entry, evaluated, zeros) for entry in entries)
    return DerivationReport(out_name, rows, rtol, atol, tuple(tried), seed, nudge, given_only)


def _nudged_points(
    order: list[Value], movable: list[Value], points: int, seed: int, nudge: float
) -> tuple[list[NudgedPoint], list[_Evaluated]]:
    """The nudged points tried, and the graph's values and gradients at those inside every
    operation's domain. Each point draws its nudges whether or not it is skipped, so a seed
    always gives the same points."""
    rng = random.Random(seed)
    tried: list[NudgedPoint] = []
    evaluated: list[_Evaluated] = []
    for index in range(1, points + 1):
        leaves = nudged_leaves(movable, rng, nudge)
        moved = tuple((_describe(leaf), leaf.data, x) for leaf, x in leaves.items())
        try:
            values, grads = at_point(order, leaves)
        except (ArithmeticError, ValueError) as error:  # log of a negative number, division by 0, ...
            tried.append(NudgedPoint(index, moved, str(error)))
            continue
        tried.append(NudgedPoint(index, moved))
        evaluated.append(_Evaluated(tried[-1], values, grads))
    return tried, evaluated


@dataclass(frozen=True)
class _Entry:
    name: str
    node: Value
    formula: Callable[[Mapping[str, float]], object] | None  # None: a number
    hand: float  # at the given point


@dataclass(frozen=True, eq=False)
class _Evaluated:
    point: NudgedPoint
    values: dict[Value, float]
    grads: dict[Value, float]


@dataclass(frozen=True, eq=False)
class _Graph:
    """What every row's check reads: the graph, the engine's gradients and values at the given point."""

    output: Value
    out_name: str
    consumers: dict[Value, list[Edge]]
    engine: dict[Value, float]
    given: dict[Value, float]
    by_label: dict[str, list[Value]]
    step_of: dict[Value, int]
    checked: set[Value]
    rtol: float
    atol: float

    def close(self, hand: float, engine: float) -> bool:
        return abs(hand - engine) <= self.atol + self.rtol * abs(engine)


def _row(
    g: _Graph, entry: _Entry, evaluated: list[_Evaluated], zeros: list[tuple[Edge, LocalDerivative]]
) -> DerivationRow:
    """Check one hand entry at the given point and at every nudged point, and explain what it finds."""
    node = entry.node
    exact = g.engine[node]
    ok_here = g.close(entry.hand, exact)
    terms = _terms(node, g.output, g.consumers)
    factors = tuple(_factor(end, chain, g.engine) for end, chain in terms)

    checks: list[PointCheck] = []
    unevaluated: list[str] = []
    at: dict[int, _Evaluated] = {}
    if entry.formula is not None:
        for ev in evaluated:
            try:
                h = _hand_number(entry.name, entry.formula, ForwardValues(g.by_label, ev.values))
            except (ArithmeticError, ValueError) as error:  # the graph is defined here, the formula not
                unevaluated.append(f"point {ev.point.index}: {error}")
                continue
            e = ev.grads[node]
            checks.append(PointCheck(ev.point.index, h, e, g.close(h, e)))
            at[ev.point.index] = ev
    miss = next((i for i, c in enumerate(checks) if not c.ok), None)
    if miss is not None:  # the first miss shows the engine's terms there
        c, ev = checks[miss], at[checks[miss].point]
        there = tuple(_factor(end, chain, ev.grads, ev.values) for end, chain in terms)
        checks[miss] = PointCheck(c.point, c.hand, c.engine, c.ok, there)
    ok = ok_here and miss is None

    above_nodes, above_edges = _above(node, g.consumers) if zeros or not ok else ({}, [])
    untested = []
    for edge, local in zeros:
        if edge.operand is node or edge.operand in above_nodes:
            nonzero = tuple(
                c.point for c in checks
                if local_at(edge, at[c.point].values) != 0.0 and at[c.point].grads[edge.node] != 0.0
            )
            untested.append(_zero_path(edge, local, nonzero))

    ratio: float | None = None
    constant_ratio = False
    hints: tuple[FactorHint, ...] = ()
    between: tuple[str, ...] = ()
    if not ok:
        wrong: list[_Wrong] = [(entry.hand, exact, g.given)] if not ok_here else []
        wrong += [(c.hand, c.engine, at[c.point].values) for c in checks if not c.ok]
        ratio, constant_ratio, hints = _explain_ratio(g, wrong, above_nodes, above_edges)
        between = _between(g, above_nodes)
    return DerivationRow(
        entry.name, _describe(node), g.step_of[node], entry.hand, exact, ok, factors,
        formula=entry.formula is not None, checks=tuple(checks), untested=tuple(untested), ok_here=ok_here,
        ratio=ratio, constant_ratio=constant_ratio, hints=hints, between=between, unevaluated=tuple(unevaluated),
    )


def _above(node: Value, consumers: dict[Value, list[Edge]]) -> tuple[dict[Value, None], list[Edge]]:
    """The nodes on the paths from node up to the output (node excluded) and the edges between,
    nearest first; at most _ABOVE_EDGES edges. Breadth first, no recursion."""
    nodes: dict[Value, None] = {}  # an ordered set
    found: list[Edge] = []
    frontier = [node]
    while frontier and len(found) < _ABOVE_EDGES:
        up: list[Value] = []
        for x in frontier:
            for edge in consumers[x]:
                found.append(edge)
                if edge.node not in nodes:
                    nodes[edge.node] = None
                    up.append(edge.node)
        frontier = up
    return nodes, found[:_ABOVE_EDGES]


def _zero_path(edge: Edge, local: LocalDerivative, nonzero_at: tuple[int, ...]) -> UntestedPath:
    """The paths through an edge whose local derivative is 0 at the given point, said in words."""
    through = _describe(edge.node)
    if edge.rule.name == "relu":
        x, name = edge.operand.data, _describe(edge.operand)
        because = (
            f"relu is at its kink ({name} = 0), where its slope is taken as 0" if x == 0.0
            else f"relu is off ({name} = {x:.4g})"
        )
        remedy = f"to test it, check again at a point where {name} > 0 (another input, or other weights)"
        return UntestedPath(through, local, because, False, nonzero_at, remedy)
    if _NUMBER.fullmatch(local.formula):
        because = f"{local.name} = 0, a plain number in the graph, which no nudge moves"
        remedy = (
            "to test it, make the number behind this 0 a labelled Value, which the nudges move "
            "(y = Value(1.0, label='y') rather than y = 1.0), or check again where it is not 0"
        )
        return UntestedPath(through, local, because, True, nonzero_at, remedy)
    return UntestedPath(through, local, _zero_value(edge, local), False, nonzero_at)


def _zero_value(edge: Edge, local: LocalDerivative) -> str:
    """'∂(…)/∂log(1 - a3) = (1 - y) = 0 at y = 1': the local derivative and the labelled values in it."""
    at = [
        f"{v.label} = {v.data:.6g}"
        for v in dict.fromkeys(_named_in((edge.node, *operands(edge.node)), 2))
        if re.search(rf"(?<![\w.]){re.escape(v.label)}(?![\w.])", local.formula)
    ]
    return f"{local.name} = {local.formula} = 0" + (f" at {', '.join(at)}" if at else "")


def _named_in(xs: Iterable[object], depth: int) -> Iterator[Value]:
    """The labelled Values that `_describe` would name when describing each of xs, `depth` deep."""
    for x in xs:
        if type(x) is not Value:
            continue
        if x.label:
            yield x
        elif depth > 0 and x.rule is not None:
            yield from _named_in(operands(x), depth - 1)


_Wrong = tuple[float, float, Mapping[Value, float]]  # hand, engine, every node's value at that point


def _explain_ratio(
    g: _Graph, wrong: list[_Wrong], above_nodes: dict[Value, None], above_edges: list[Edge]
) -> tuple[float | None, bool, tuple[FactorHint, ...]]:
    """hand / engine where the formula first disagrees; whether it is the same wherever it
    disagrees; and the node values or local derivatives on the paths to the output that equal it
    (an extra factor) or its inverse (a missing one) at every point where it disagrees."""
    hand, engine, values = wrong[0]
    if engine == 0.0:
        return None, False, ()
    ratio = hand / engine
    tol = max(g.rtol, 1e-9)
    constant = len(wrong) > 1 and all(e != 0.0 and _near(h / e, ratio, tol) for h, e, _ in wrong[1:])
    if ratio == 0.0 or _near(abs(ratio), 1.0, tol):
        return ratio, constant, ()
    hints: list[FactorHint] = []
    for name, describe, value_at in _candidates(g, above_nodes, above_edges):
        try:
            c = value_at(values)
            if c == 0.0 or _near(abs(c), 1.0, tol):
                continue
            if _near(ratio, c, tol):
                missing = False
            elif _near(ratio * c, 1.0, tol):
                missing = True
            else:
                continue
            fits = all(
                _near(h * value_at(v), e, tol) if missing else _near(h, e * value_at(v), tol) for h, e, v in wrong[1:]
            )
        except (ArithmeticError, ValueError):
            continue
        if fits:
            hints.append(FactorHint(name, c, missing, describe(c)))
            if len(hints) == _SHOWN_HINTS:
                break
    return ratio, constant, tuple(hints)


_Candidate = tuple[str, Callable[[float], str], Callable[[Mapping[Value, float]], float]]


def _candidates(g: _Graph, above_nodes: dict[Value, None], above_edges: list[Edge]) -> Iterator[_Candidate]:
    """Numbers a formula may have one too many or too few of: first each local derivative on the
    paths to the output ('W3', named by its formula when that is one node's label)."""
    seen: set[str] = set()
    for edge in above_edges:
        local = _local(edge)
        simple = local.formula in g.by_label

        def describe(c: float, local: LocalDerivative = local, simple: bool = simple) -> str:
            if simple:
                return f"{local.formula} = {c:.6g} ({local.name})"
            if _NUMBER.fullmatch(local.formula):
                return f"{local.name} = {c:.6g}"
            return f"{local.name} = {local.formula} = {c:.6g}"

        name = local.formula if simple else local.name
        if name not in seen:
            seen.add(name)
            yield name, describe, lambda values, edge=edge: local_at(edge, values)  # type: ignore[misc]
    # then the values of the nodes on those paths, then of every labelled node (an input slipped
    # in from another layer: dL/db2 written with an a1 in it)
    labelled = (nodes[0] for nodes in g.by_label.values() if len(nodes) == 1)
    for node in (*above_nodes, *labelled):
        name = _describe(node)
        if name not in seen:
            seen.add(name)
            yield name, lambda c, name=name: f"{name} = {c:.6g}", lambda values, node=node: values[node]  # type: ignore[misc]


def _near(x: float, y: float, tol: float) -> bool:
    return abs(x - y) <= tol * max(abs(x), abs(y))


def _between(g: _Graph, above_nodes: dict[Value, None]) -> tuple[str, ...]:
    """The gradients of the labelled nodes between a node and the output that no hand entry
    checks, nearest the output first: where to look next, node by node."""
    between = [n for n in above_nodes if n.label and n is not g.output and n not in g.checked]
    between.sort(key=lambda n: g.step_of[n])
    return tuple(dict.fromkeys(f"d{g.out_name}/d{n.label}" for n in between))


def _tolerance(x: object, name: str) -> float:
    """A tolerance as a float: TypeError unless a real number, ValueError unless finite and >= 0.

    An infinite tolerance would pass every hand gradient and a nan one fail every one, whatever
    the numbers, so both are refused rather than giving a report that checks nothing.
    """
    number = as_number(x, f"check_derivation: {name}")  # refuses bool, str, complex, None
    if not 0.0 <= number < math.inf:
        raise ValueError(f"check_derivation: {name} must be a finite number >= 0, got {x!r}")
    return number


def _whole(x: object, name: str, low: int | None, high: int | None) -> int:
    """An int (never a bool) within [low, high], or the error that says what was given."""
    if isinstance(x, bool) or not isinstance(x, int):
        raise TypeError(f"check_derivation: {name} must be an int, got {type(x).__name__}: {x!r}")
    if (low is not None and x < low) or (high is not None and x > high):
        raise ValueError(f"check_derivation: {name} must be between {low} and {high}, got {x!r}")
    return x


def _held(
    fixed: Iterable[str | Value] | str | Value, by_label: dict[str, list[Value]], in_graph: set[Value]
) -> set[Value]:
    """The leaves `fixed` names (labels or Values), which the nudges leave where they are."""
    items: Iterable[object] = (fixed,) if isinstance(fixed, (str, Value)) else fixed
    held: set[Value] = set()
    for x in items:
        if type(x) is Value:
            if x not in in_graph:
                raise ValueError(f"check_derivation: fixed {x!r} is not part of the output's graph")
            held.add(x)
        elif isinstance(x, str):
            if x not in by_label:
                raise UnknownLabelError(
                    f"check_derivation: fixed names {x!r}, which no node carries; the labels are {_listing(by_label)}"
                )
            held.update(by_label[x])
        else:
            raise TypeError(f"check_derivation: fixed must hold labels or Values, got {type(x).__name__}: {x!r}")
    return held


def _resolve(
    key: object, by_label: dict[str, list[Value]], in_graph: set[Value], forward: ForwardValues
) -> Value:
    """The node a hand entry refers to: a Value of the graph, a label, or 'dL/d<label>'."""
    if type(key) is Value:
        if key not in in_graph:
            raise ValueError(f"check_derivation: {key!r} is not part of the output's graph")
        return key
    if not isinstance(key, str):
        raise TypeError(
            f"check_derivation: hand keys must be labels or Values, got {type(key).__name__}: {key!r}"
        )
    label = key
    if label not in by_label:
        match = _GRADIENT_KEY.fullmatch(key)
        if match is None or match.group(2) not in by_label:
            raise UnknownLabelError(
                f"check_derivation: {key!r} names no node of the graph; write a label or "
                f"'dL/d<label>' with one of the labels {_listing(by_label)}"
            )
        label = match.group(2)
    forward[label]  # raises a clear error when the label is shared by several nodes
    return by_label[label][0]


def _hand_number(name: str, value: object, forward: ForwardValues) -> float:
    if callable(value) and not isinstance(value, Value):
        value = value(forward)
    if type(value) is Value:
        value = value.data
    number = as_number(value, f"check_derivation: hand value of {name!r}")
    if not math.isfinite(number):
        raise ValueError(f"check_derivation: hand value of {name!r} is {number!r}, not a finite number")
    return number


def _terms(node: Value, output: Value, consumers: dict[Value, list[Edge]]) -> list[tuple[Value, list[Edge]]]:
    """The chain-rule terms of node's gradient, each running up to a labelled node (or the output),
    as (that node, its edges from there down to node).

    When following unlabelled nodes would give more than _MAX_PATHS terms, or a term of more
    than _MAX_STEPS local derivatives (a long unlabelled chain), each term stops at the node's
    immediate consumer instead.
    """
    if node is output:
        return []
    terms = _paths_up(node, output, consumers)
    if terms is None:
        terms = [(edge.node, [edge]) for edge in consumers[node]]
    return terms


def _factor(
    end: Value, chain: list[Edge], grads: Mapping[Value, float], values: Mapping[Value, float] | None = None
) -> ChainFactor:
    """One chain-rule term: d output / d end times the local derivatives of chain, at the given
    point or (values, grads) at another."""
    return ChainFactor(_describe(end), grads[end], tuple(_local(edge, values) for edge in chain))


def _paths_up(
    node: Value, output: Value, consumers: dict[Value, list[Edge]]
) -> list[tuple[Value, list[Edge]]] | None:
    """Every path from node up to the first labelled node (or the output) on it, as (that node, its
    edges from there down to node); None when there are more than _MAX_PATHS or one is longer than
    _MAX_STEPS. Depth first with a stack of its own: no recursion, however deep the graph.
    """
    found: list[tuple[Value, list[Edge]]] = []
    stack = [(edge, list[Edge]()) for edge in reversed(consumers[node])]  # (next edge up, edges below it)
    while stack:
        edge, below = stack.pop()
        chain = [edge, *below]  # the local derivative nearest the upstream node first
        consumer = edge.node
        if consumer.label or consumer is output:
            found.append((consumer, chain))
            if len(found) > _MAX_PATHS:
                return None
        elif len(chain) >= _MAX_STEPS:
            return None
        else:
            stack.extend((up, chain) for up in reversed(consumers[consumer]))
    return found


def _local(edge: Edge, values: Mapping[Value, float] | None = None) -> LocalDerivative:
    """The local derivative of an edge, its formula written with the names of the nodes; its value
    at the given point, or at `values` (every node's value at another point)."""
    consumer = edge.node
    names = {"a": _describe(edge.a), "b": _describe(edge.b), "out": _describe(consumer)}
    formula = re.sub(r"\b(a|b|out)\b", lambda m: names[m.group(1)], edge.formula)
    formula = re.sub(r"\b(\d+)\.0\b", r"\1", formula)
    value = local_derivative(edge) if values is None else local_at(edge, values)
    position = edge.position if edge.operand in repeated_operands(consumer) else None
    return LocalDerivative(_describe(consumer), _describe(edge.operand), edge.rule.name, formula, value, position)


def _describe(x: object, depth: int = 2) -> str:
    """A short name for a node: its label, else the expression that made it (or its value).

    Bounded: operands are described `depth` levels down, deeper ones shown as "…", and a dot
    node writes out its first _SHOWN_PAIRS pairs and counts the rest.
    """
    if x is None:
        return "?"
    if type(x) is not Value:
        return f"{x:g}"
    if x.label:
        return x.label
    rule = x.rule
    if rule is None:
        return f"{x.data:.4g}"
    if depth == 0:
        return "…"
    ops = operands(x)
    if rule.variadic:  # dot: a_0 * b_0 + a_1 * b_1 + ...
        n = len(ops) // 2
        pairs = zip(ops[:_SHOWN_PAIRS], ops[n : n + _SHOWN_PAIRS])
        shown = [f"{_describe(p, depth - 1)} * {_describe(q, depth - 1)}" for p, q in pairs]
        if n > _SHOWN_PAIRS:
            shown.append(f"… {n - _SHOWN_PAIRS:,} more terms")
        return "(" + " + ".join(shown) + ")"
    parts = [_describe(o, depth - 1) for o in ops]
    if rule.arity == 2:
        return f"({parts[0]} {rule.symbol} {parts[1]})"
    if rule.name == "neg":
        return f"-{parts[0]}"
    operand = ops[0]
    wrapped = type(operand) is Value and not operand.label and operand.rule is not None and operand.rule.arity == 2
    return f"{rule.symbol}{parts[0]}" if wrapped and parts[0] != "…" else f"{rule.symbol}({parts[0]})"


def _more_terms(name: str, factors: tuple[ChainFactor, ...]) -> str:
    """What a printed report says instead of the terms after the first _SHOWN_TERMS."""
    rest = factors[_SHOWN_TERMS:]
    return (
        f"… {len(rest):,} more terms not shown (their sum is {math.fsum(f.value for f in rest):.6g}; "
        f"all {len(factors):,} are in report[{name!r}].factors)"
    )


def _factor_symbols(output: str, node: str, factor: ChainFactor) -> str:
    """'dL/dz3 · ∂z3/∂(w3 * a2) · ∂(w3 * a2)/∂w3'"""
    head = f"d{output}/d{factor.upstream}"
    return " · ".join([head] + [local.name for local in factor.locals])


def _factor_numbers(factor: ChainFactor) -> str:
    return " · ".join([f"{factor.upstream_grad:.6g}"] + [f"{loc.value:.6g}" for loc in factor.locals])


def _names(names: list[str]) -> str:
    """'dL/dz2, dL/dw2 and dL/db2', or the first _SHOWN_NAMES and how many more."""
    if len(names) > _SHOWN_NAMES:
        return ", ".join(names[:_SHOWN_NAMES]) + f" and {len(names) - _SHOWN_NAMES:,} more"
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _why_only_nearby(row: DerivationRow) -> list[str]:
    """Why a formula that agrees at the given point can disagree near it."""
    if len({c.hand for c in row.checks} | {row.hand}) == 1:
        return [
            f"Your formula gives {row.hand:.6g} at every point: it does not read the forward values "
            "through v (v['a2'], ...), so it cannot follow the point. Read every value through v."
        ]
    tested = [path for path in row.untested if path.tested]
    if tested:
        return [
            f"It agrees at the given point but not near it: the path through {tested[0].through} contributes "
            f"0 at the given point ({tested[0].because}), so a mistake in the part of your formula that "
            "stands for it shows only where that path is not 0."
        ]
    return [
        "It agrees at the given point but not near it: it may read a number that does not move with "
        "the point (a node's .data, or a variable computed beforehand, instead of v[...]), or a value "
        "at the given point makes the mistake vanish."
    ]


def _listing(labels: Mapping[str, object]) -> str:
    names = sorted(labels)
    if not names:
        return "(none: give nodes labels, e.g. Value(2.0, label='w1') or z.label = 'z1')"
    return ", ".join(repr(n) for n in names)


def _md(text: str) -> str:
    return text.replace("*", "\\*").replace("_", "\\_")
