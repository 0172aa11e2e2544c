"""The .ipynb files are built from notebooks/src/*.py; they must not drift apart, and must hold outputs."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import nbformat
import pytest

HERE = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location("notebooks_build", HERE / "build.py")
assert _spec is not None and _spec.loader is not None
build = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build)

SOURCES = sorted(build.SOURCES.glob("[0-9][0-9]_*.py"))


def test_there_are_nine_notebooks():
    assert [s.stem[:2] for s in SOURCES] == ["00", "01", "02", "03", "04", "05", "06", "07", "08"]


@pytest.mark.parametrize("source", SOURCES, ids=lambda s: s.stem)
def test_notebook_matches_its_source_and_is_stored_with_outputs(source: Path):
    target = HERE / f"{source.stem}.ipynb"
    assert target.exists(), f"{target.name} is missing: run python notebooks/build.py"
    stored = nbformat.read(target, as_version=4)
    assert build.same_cells(build.build(source), stored), (
        f"{target.name} differs from src/{source.name}: run python notebooks/build.py {source.stem[:2]}"
    )
    code = [c for c in stored.cells if c.cell_type == "code"]
    assert all(c.get("outputs") is not None for c in code)
    assert sum(bool(c.outputs) for c in code) >= len(code) // 2, "stored without outputs?"
    assert not any(o.output_type == "error" for c in code for o in c.outputs)
    assert target.stat().st_size < 400_000, "keep notebooks small: draw small graphs"


@pytest.mark.parametrize("source", SOURCES, ids=lambda s: s.stem)
def test_every_notebook_has_graded_exercises_and_solutions_that_grade_right(source: Path):
    """At least two exercise cells that grade (grade(...) with a None placeholder), each stored as
    'not answered yet', and a collapsed solution cell for each, stored as 'right'."""
    stored = nbformat.read(HERE / f"{source.stem}.ipynb", as_version=4)
    code = [c for c in stored.cells if c.cell_type == "code"]
    solutions = [c for c in code if "solution" in c.metadata.get("tags", [])]
    exercises = [c for c in code if c not in solutions and "grade(" in c.source and "= None" in c.source]

    def text(cell: nbformat.NotebookNode) -> str:
        return "".join(o.get("text", "") or o.get("data", {}).get("text/plain", "") for o in cell.outputs)

    assert len(exercises) >= 2, "every notebook has at least two graded exercises"
    assert all("not answered yet" in text(c) for c in exercises)
    assert len(solutions) == len(exercises), "one solution per exercise"
    assert all("solution=True" in c.source and re.search(r"^right", text(c), re.M) for c in solutions)
    assert all(c.metadata.get("jupyter", {}).get("source_hidden") for c in solutions), "solutions are collapsed"
    assert code.index(solutions[0]) > code.index(exercises[-1]), "solutions come after every exercise"


@pytest.mark.parametrize("source", SOURCES, ids=lambda s: s.stem)
def test_result_marks_are_text_not_emoji(source: Path):
    stored = (HERE / f"{source.stem}.ipynb").read_text(encoding="utf-8")
    assert "\u2705" not in stored and "\u274c" not in stored and "✅" not in stored and "❌" not in stored
