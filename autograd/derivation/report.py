"""What `check_derivation` returns, and how it reads: the report, its rows, and the chain-rule
terms, nudged points, untested paths and factor hints they hold, printed as text, Markdown or HTML.
Data and wording only; the checking that fills them in is in `__init__.py`."""

from __future__ import annotations

import html
import math
from dataclasses import dataclass

from ..explain import local_name

__all__ = [
    "DerivationReport",
    "DerivationRow",
    "ChainFactor",
    "LocalDerivative",
    "NudgedPoint",
    "PointCheck",
    "UntestedPath",
    "FactorHint",
]

_SHOWN_TERMS = 12  # chain-rule terms printed under a divergence; the rest are counted
_SHOWN_LEAVES = 8  # leaves of a nudged point written out; the rest are counted
_SHOWN_NAMES = 6  # gradient names listed in one sentence; the rest are counted
_SHOWN_ZEROS = 10  # zero paths described under "Untested"; the rest are counted


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
        return f"{self._summary()}, {where} ({seed}rtol={self.rtol:g}, atol={self.atol:g})" + (
            f"; {untested} with a part untested (see Untested)" if untested else ""
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
        out = [f"**{_md(self._headline())}**", "", "| | gradient | hand | engine | |", "|---|---|---:|---:|---|"]
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


def _md(text: str) -> str:
    return text.replace("*", "\\*").replace("_", "\\_")
