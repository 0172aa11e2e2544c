"""Grading for the notebooks' exercises: your answer next to the engine's, with a hint when it is wrong.

Every exercise cell of the notebooks ends with a call of `grade`, and grades to one of three
answers: ``right``, ``wrong: expected ...`` with a hint, or ``not answered yet`` while the
answer is still the placeholder ``None``::

    from exercises import grade

    answer = None  # your number here
    grade(answer, d, L)               # a number: compared with the engine's dL/dd
    answer = None  # your formula here, e.g. lambda v: v["a"] * v["b"]
    grade(answer, "dL/dz3", L)        # a formula: checked by autograd.check_derivation
    grade(answer, expected=3)         # a number the notebook knows another way

The reference is always the engine (`autograd.grad`, which leaves every ``.grad`` as it was,
or `check_derivation` for formulas). The hints come from the graph itself: `autograd.explain`
lists the chain-rule paths from the node to the output, so the grader can tell an answer that
is one path's product ("did you add both paths?"), one with the sign flipped, or one that is
off by exactly one local derivative on the path ("a factor ∂d/∂e = 2 may be missing").

The notebooks import this file from their own folder (Jupyter, VS Code, nbmake and
``notebooks/build.py`` all run a notebook with its folder as the working directory). Each
notebook's solutions are in its last section, "Solutions", in cells whose input is collapsed;
they call ``grade(..., solution=True)``, which raises unless the answer grades right.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from autograd import Value, check_derivation, explain, grad, topological_order

__all__ = ["grade", "Grade"]

NOT_ANSWERED = "not answered yet"
RTOL, ATOL = 1e-6, 1e-9


@dataclass(frozen=True)
class Grade:
    """The verdict on one answer: `status` is "right", "wrong" or "not answered yet"."""

    status: str
    message: str
    expected: float | None = None
    report: object = field(default=None, repr=False)  # check_derivation's report, for a formula

    @property
    def ok(self) -> bool:
        """True when the answer is right."""
        return self.status == "right"

    def __repr__(self) -> str:
        return self.message

    def __str__(self) -> str:
        return self.message


def grade(
    answer: object,
    of: Value | str | None = None,
    out: Value | None = None,
    *,
    expected: float | None = None,
    solution: bool = False,
    rtol: float = RTOL,
    atol: float = ATOL,
) -> Grade:
    """Grade an answer for d out / d of, or against `expected`.

    answer: None (not answered yet), a number (or a Value), or a formula: a function of the
    forward values by label, ``lambda v: ...``, as `check_derivation` takes it.
    of: the node whose gradient is asked for, as a Value of out's graph, a label ("d") or a
    gradient name ("dL/dd").
    out: the output the gradient is of.
    expected: instead of of and out, a number to compare with (hints are then only the sign).
    solution: raise AssertionError unless the answer grades right (the notebooks' own solutions).
    """
    result = _grade(answer, of, out, expected, rtol, atol)
    if solution and not result.ok:
        raise AssertionError(f"the notebook's own solution does not grade right: {result.message}")
    return result


def _grade(
    answer: object, of: Value | str | None, out: Value | None, expected: float | None, rtol: float, atol: float
) -> Grade:
    if expected is None and (of is None or out is None):
        raise TypeError("grade: give the node and the output, grade(answer, node, out), or expected=")
    if answer is None or answer is Ellipsis:
        return Grade(NOT_ANSWERED, f"{NOT_ANSWERED}: replace None with your answer and run the cell again")
    if expected is not None:
        number = _number(answer)
        if isinstance(number, str):
            return Grade("wrong", number, expected)
        return _compare(number, float(expected), None, None, rtol, atol)

    assert of is not None and out is not None
    node, name = _find(of, out)
    if callable(answer) and not isinstance(answer, Value):
        return _grade_formula(answer, of, node, name, out, rtol, atol)
    number = _number(answer)
    engine = grad(out, node)[0].data
    if isinstance(number, str):
        return Grade("wrong", number, engine)
    return _compare(number, engine, name, explain(out, node), rtol, atol)


def _number(answer: object) -> float | str:
    """The answer as a float, or a message saying why it is not a number."""
    if isinstance(answer, Value):
        return answer.data
    if isinstance(answer, bool) or not isinstance(answer, (int, float)):
        return f"wrong: expected a number, got {type(answer).__name__} {answer!r}"
    if not math.isfinite(answer):
        return f"wrong: {answer!r} is not a finite number"
    return float(answer)


def _find(of: Value | str, out: Value) -> tuple[Value, str]:
    """The node `of` names in out's graph, and the name of the gradient asked for ('dL/dd')."""
    top = out.label or "out"
    if isinstance(of, Value):
        if of not in set(topological_order(out)):
            raise ValueError(f"grade: {of!r} is not part of the graph of {top}")
        return of, f"d{top}/d{of.label or 'node'}"
    label = of.split("/d", 1)[1] if "/d" in of else of
    nodes = [n for n in topological_order(out) if n.label == label]
    if len(nodes) != 1:
        found = "no node" if not nodes else f"{len(nodes)} nodes"
        raise ValueError(f"grade: {found} of the graph of {top} is labelled {label!r}")
    return nodes[0], f"d{top}/d{label}"


def _close(x: float, y: float, rtol: float, atol: float) -> bool:
    return abs(x - y) <= atol + rtol * abs(y)


def _compare(answer: float, engine: float, name: str | None, why, rtol: float, atol: float) -> Grade:
    """right, or wrong with the likeliest slip that turns the engine's number into the answer."""
    if _close(answer, engine, rtol, atol):
        return Grade("right", "right" if name is None else f"right: {name} = {engine:.6g}", engine)
    head = f"wrong: expected {engine:.6g}" + ("" if name is None else f" for {name}") + f", got {answer:.6g}"
    return Grade("wrong", f"{head}: {_hint(answer, engine, why, rtol, atol)}", engine)


def _hint(answer: float, engine: float, why, rtol: float, atol: float) -> str:
    """What most likely went wrong, tried in order: a forgotten path, the sign, one factor (on every
    path) too few or too many, a finite-difference estimate; else how to find it."""
    paths = list(why.paths) if why is not None else []
    if len(paths) > 1:
        for path in paths:
            if _close(answer, path.product, rtol, atol):
                through = ", ".join(n.label or "?" for n in path.nodes[1:-1]) or "the direct edge"
                both = "both paths" if len(paths) == 2 else f"all {len(paths)} paths"
                return (
                    f"did you add {both}? {answer:.6g} is the path through {through} alone "
                    f"({' · '.join(f.name for f in path.factors)}); the gradient is the sum over every path"
                )
    if engine != 0.0 and _close(-answer, engine, rtol, atol):
        return (
            "the sign is flipped. Look for a minus sign: ∂(x - y)/∂y = -1, a negative weight, "
            "input or upstream gradient"
        )
    if paths and answer != 0.0 and not why.truncated:  # every path listed: a factor on all is known
        for factor in _shared_factors(paths):
            f = factor.value
            if f in (0.0, 1.0, -1.0):
                continue
            if _close(answer * f, engine, rtol, atol):
                return f"a factor may be missing: the engine's value is yours times {factor.name} = {f:.6g}"
            if _close(answer / f, engine, rtol, atol):
                return f"one factor too many: the engine's value is yours divided by {factor.name} = {f:.6g}"
    if engine != 0.0 and abs(answer - engine) <= 1e-2 * abs(engine):
        return (
            "close, but not exact: a finite-difference estimate is off by about h times the curvature; "
            "work the derivative out exactly"
        )
    if why is not None and paths:
        return (
            "work back from the output one node at a time: each node's gradient is the sum, over the "
            "nodes that use it, of their gradient times the local derivative (explain(out, node) lists "
            "the paths)"
        )
    return "check each step again"


def _shared_factors(paths: list) -> list:
    """The local derivatives that lie on every path (each edge once): a factor of the whole gradient."""

    def edge(f) -> tuple:
        return id(f.out), id(f.inp), f.operand

    if any(p.elided for p in paths):  # a path too long to list in full: no factor is known to be on all
        return []
    on_every = set.intersection(*({edge(f) for f in p.factors} for p in paths))
    shared = {}
    for f in paths[0].factors:
        if edge(f) in on_every:
            shared.setdefault(edge(f), f)
    return list(shared.values())


def _grade_formula(
    answer: Callable[[Mapping[str, float]], object],
    of: Value | str,
    node: Value,
    name: str,
    out: Value,
    rtol: float,
    atol: float,
) -> Grade:
    """A formula is checked by check_derivation; a wrong one gets the number hint at the point."""
    key = of if isinstance(of, str) else node
    try:
        report = check_derivation(out, {key: answer}, rtol=rtol, atol=atol)
    except (KeyError, ValueError, TypeError, ArithmeticError) as error:
        return Grade("wrong", f"wrong: your formula for {name} raised {type(error).__name__}: {error}")
    row = report.rows[0]
    if report.ok:
        return Grade("right", f"right: {name} agrees with the engine{_notes(report)}", row.engine, report)
    if _close(row.hand, row.engine, rtol, atol):  # agrees at the point given, not at points near it
        return Grade("wrong", f"wrong: {name} agrees at this point but not near it:\n{report}", row.engine, report)
    number = _compare(row.hand, row.engine, name, explain(out, node), rtol, atol)
    return Grade("wrong", f"{number.message}\n\n{report}", row.engine, report)


def _notes(report: object) -> str:
    """Where check_derivation checked the formula, and any part of it that went untested."""
    points = len(getattr(report, "checked_points", ()))
    where = f" at the given point and {points} points near it" if points else ""
    if not getattr(report, "untested", ()):
        return where
    text = str(report)
    untested = text[text.index("Untested:") :] if "Untested:" in text else ""
    return f"{where}, but a part of it went untested:\n{untested}"
