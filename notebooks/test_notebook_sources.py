"""The .ipynb files are built from notebooks/src/*.py by Jupytext; they must not drift apart, and must hold outputs."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import jupytext
import nbformat
import pytest
from jupytext.cli import jupytext as jupytext_cli

HERE = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location("notebooks_build", HERE / "build.py")
assert _spec is not None and _spec.loader is not None
build = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build)

SOURCES = sorted(build.SOURCES.glob("[0-9][0-9]_*.py"))


def test_there_are_ten_notebooks():
    assert [s.stem[:2] for s in SOURCES] == ["00", "01", "02", "03", "04", "05", "06", "07", "08", "09"]


@pytest.mark.parametrize("source", SOURCES, ids=lambda s: s.stem)
def test_notebook_matches_its_source_and_is_stored_with_outputs(source: Path):
    target = HERE / f"{source.stem}.ipynb"
    assert target.exists(), f"{target.name} is missing: run python notebooks/build.py"
    stored = nbformat.read(target, as_version=4)
    assert build.problems(source, stored) == [], f"run python notebooks/build.py {source.stem[:2]}"
    assert target.stat().st_size < 400_000, "keep notebooks small: draw small graphs"


@pytest.mark.parametrize("source", SOURCES, ids=lambda s: s.stem)
def test_jupytext_pairs_the_notebook_with_its_source_and_reads_the_solution_cells(source, capsys):
    """`jupytext --sync` works from either file: Jupytext's command line finds the pair (from
    pyproject.toml's [tool.jupytext] for the source, the notebook's metadata for the notebook). It
    reads the collapsed solution cells' metadata from the source's `key=value` markers, and writes
    the stored notebook back to the same cells."""
    target = HERE / f"{source.stem}.ipynb"
    for path, pair in ((source, target), (target, source)):
        jupytext_cli(["--paired-paths", str(path)])
        assert capsys.readouterr().out.split() == [str(pair)]

    stored = nbformat.read(target, as_version=4)
    text = source.read_text(encoding="utf-8")
    markers = text.count('# %% tags=["solution"] jupyter={"source_hidden": true}\n')
    markers += text.count('# %% jupyter={"source_hidden": true} tags=["solution"]\n')  # as Jupytext writes it
    solutions = [c for c in stored.cells if c.metadata.get("tags") == ["solution"]]
    assert markers == len(solutions) > 0
    assert all(c.metadata["jupyter"] == {"source_hidden": True} for c in solutions)
    rewritten = jupytext.reads(jupytext.writes(stored, fmt="py:percent"), fmt="py:percent")
    assert build.same_cells(rewritten, stored)


def test_the_check_fails_when_a_notebook_is_out_of_step_or_stored_without_outputs(tmp_path: Path):
    source = tmp_path / "42_example.py"
    source.write_text(
        '# %% [markdown]\n# # A title\n\n# %%\nx = 1\nx\n\n'
        '# %% jupyter={"source_hidden": true} tags=["solution"]\nprint(x)\n',
        encoding="utf-8",
    )
    nb = build.build(source)
    assert [c.cell_type for c in nb.cells] == ["markdown", "code", "code"]
    assert nb.cells[0].source == "# A title" and nb.cells[1].source == "x = 1\nx"
    assert nb.cells[2].metadata == {"jupyter": {"source_hidden": True}, "tags": ["solution"]}
    nb.cells[1].outputs = [nbformat.v4.new_output("execute_result", {"text/plain": "1"}, execution_count=1)]
    nb.cells[2].outputs = [nbformat.v4.new_output("stream", name="stdout", text="1\n")]
    assert build.problems(source, nb) == []

    edited = nbformat.from_dict(nb)
    edited.cells[1].source = "x = 2\nx"
    assert build.problems(source, edited) == [f"cell 1 differs from src/{source.name} in its text"]
    edited = nbformat.from_dict(nb)
    del edited.cells[2].metadata["jupyter"]
    assert build.problems(source, edited) == [f"cell 2 differs from src/{source.name} in its metadata"]
    edited = nbformat.from_dict(nb)
    edited.cells.pop()
    assert build.problems(source, edited) == [f"has 2 cells, src/{source.name} has 3"]
    assert build.problems(source, build.build(source)) == ["stored without outputs"]
    edited = nbformat.from_dict(nb)
    edited.cells[2].outputs = [nbformat.v4.new_output("error", ename="NameError", evalue="x", traceback=[])]
    assert build.problems(source, edited) == ["stored with an error in cell 2"]


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
