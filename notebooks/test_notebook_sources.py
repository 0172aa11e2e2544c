"""The .ipynb files are built from notebooks/src/*.py; they must not drift apart, and must hold outputs."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import nbformat
import pytest

HERE = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location("notebooks_build", HERE / "build.py")
assert _spec is not None and _spec.loader is not None
build = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build)

SOURCES = sorted(build.SOURCES.glob("[0-9][0-9]_*.py"))


def test_there_are_six_notebooks():
    assert [s.stem[:2] for s in SOURCES] == ["01", "02", "03", "04", "05", "06"]


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
