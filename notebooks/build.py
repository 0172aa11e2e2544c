"""Build the notebooks from their Python sources with Jupytext, and run them to store their outputs.

The sources are `notebooks/src/NN_name.py` in Jupytext's "percent" format, which VS Code reads
too: a line ``# %%`` starts a code cell, ``# %% [markdown]`` a markdown cell whose lines are
comments (``# text``), and ``key=value`` pairs after the marker are the cell's metadata: the
solutions at the end of every notebook are code cells marked
``# %% tags=["solution"] jupyter={"source_hidden": true}``, whose input Jupyter shows collapsed.
Jupytext reads the sources (`jupytext.read`); nbclient executes the notebooks. Each notebook is
paired with its source (``formats = "ipynb,src//py:percent"``, in the notebook's metadata and in
pyproject.toml's ``[tool.jupytext]``), with the metadata Jupytext keeps for a paired notebook, so
`jupytext --sync` on a source finds nothing to change in its notebook while the two are in step
(on a notebook, it rewrites the source's solution markers as ``jupyter={...} tags=[...]``, the
same cells).

The sources are what you edit and review; the `.ipynb` files are built from them.

    python notebooks/build.py            # rebuild every notebook and execute it (stores outputs)
    python notebooks/build.py 03 06      # only the notebooks whose names start with 03 or 06
    python notebooks/build.py --check    # fail if a notebook is out of step with its source or has no outputs

Building needs jupytext, nbclient and ipykernel (the project's `dev` extra).
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

import jupytext
import nbformat

HERE = Path(__file__).resolve().parent
SOURCES = HERE / "src"
FORMATS = "ipynb,src//py:percent"  # notebooks/NN_name.ipynb <-> notebooks/src/NN_name.py
KERNEL = {"display_name": "Python 3", "language": "python", "name": "python3"}


def build(source: Path) -> nbformat.NotebookNode:
    """A fresh notebook (no outputs) from one source file, read by Jupytext."""
    nb = jupytext.read(source, fmt="py:percent")
    for i, cell in enumerate(nb.cells):
        cell.id = f"{source.stem[:2]}-{i:02d}"  # stable ids: rebuilding does not churn the diff
    # What Jupytext itself keeps in a paired notebook: the cell and notebook metadata filters it
    # derived from the source (so writing the notebook back gives the source, with no header),
    # not the description of the text file it read.
    paired = {k: v for k, v in nb.metadata["jupytext"].items() if k != "text_representation"}
    if "cell_metadata_filter" in paired:  # "tags,jupyter,-all": the keys in set order, which varies by run
        keys = paired["cell_metadata_filter"].split(",")
        kept, dropped = sorted(k for k in keys if k[:1] != "-"), [k for k in keys if k[:1] == "-"]
        paired["cell_metadata_filter"] = ",".join(kept + dropped)
    nb.metadata = {
        "kernelspec": KERNEL,
        "language_info": {"name": "python"},
        "jupytext": {**paired, "formats": FORMATS},
    }
    return nb


def execute(nb: nbformat.NotebookNode, timeout: int = 120) -> float:
    """Run every cell in a fresh kernel, in the notebooks folder; returns the seconds it took."""
    from nbclient import NotebookClient

    started = time.perf_counter()
    NotebookClient(
        nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(HERE)}},
        record_timing=False,
    ).execute()
    return time.perf_counter() - started


def tidy(cell: nbformat.NotebookNode) -> None:
    """Drop what changes on every run without meaning anything, so rebuilt notebooks diff cleanly."""
    cell.metadata.pop("execution", None)
    outputs = cell.get("outputs", [])
    merged: list[nbformat.NotebookNode] = []
    for output in outputs:  # print() calls spread over time arrive as many stream chunks
        previous = merged[-1] if merged else None
        if (output.output_type == "stream" and previous is not None
                and previous.output_type == "stream" and previous.name == output.name):
            previous.text += output.text
        else:
            merged.append(output)
    if "outputs" in cell:
        cell.outputs = merged
    for output in merged:
        data = output.get("data", {})
        plain = data.get("text/plain", "")
        if len(data) > 1 and re.search(r" at 0x[0-9a-f]+>$", plain):
            del data["text/plain"]  # "<Drawing at 0x7f...>" next to the picture it stands for


def _cell_key(cell: nbformat.NotebookNode) -> tuple:
    """What a cell's source decides: its kind, its text and its metadata (tags, collapsed input,
    Jupytext's count of blank lines before the next cell), not its outputs or run times."""
    return cell.cell_type, cell.source, {k: v for k, v in cell.metadata.items() if k != "execution"}


def same_cells(a: nbformat.NotebookNode, b: nbformat.NotebookNode) -> bool:
    return [_cell_key(c) for c in a.cells] == [_cell_key(c) for c in b.cells]


def problems(source: Path, stored: nbformat.NotebookNode) -> list[str]:
    """What is wrong with a stored notebook: out of step with its source, or stored without outputs.

    In step means: the cells Jupytext reads from the source, and the same pairing metadata, so
    that `jupytext --sync` finds nothing to change in the notebook.
    """
    found = []
    fresh = build(source)
    if stored.metadata.get("jupytext") != fresh.metadata["jupytext"]:
        found.append(f"its Jupytext metadata is {stored.metadata.get('jupytext')}, not {fresh.metadata['jupytext']}")
    if len(stored.cells) != len(fresh.cells):
        found.append(f"has {len(stored.cells)} cells, src/{source.name} has {len(fresh.cells)}")
    else:
        for i, (old, new) in enumerate(zip(stored.cells, fresh.cells)):
            if _cell_key(old) != _cell_key(new):
                parts = zip(("kind", "text", "metadata"), _cell_key(old), _cell_key(new))
                what = [name for name, a, b in parts if a != b]
                found.append(f"cell {i} differs from src/{source.name} in its {' and '.join(what)}")
                break
    code = [c for c in stored.cells if c.cell_type == "code"]
    if any(c.get("outputs") is None for c in code) or sum(bool(c.outputs) for c in code) < len(code) // 2:
        found.append("stored without outputs")
    errors = [str(i) for i, c in enumerate(stored.cells) if any(o.output_type == "error" for o in c.get("outputs", []))]
    if errors:
        found.append(f"stored with an error in cell {', '.join(errors)}")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("only", nargs="*", help="name prefixes of the notebooks to build (default: all)")
    parser.add_argument("--check", action="store_true",
                        help="only check that every .ipynb is in step with its source and holds outputs")
    parser.add_argument("--no-execute", action="store_true", help="write notebooks without outputs")
    args = parser.parse_args(argv)

    sources = sorted(SOURCES.glob("[0-9][0-9]_*.py"))
    if args.only:
        sources = [s for s in sources if any(s.stem.startswith(p) for p in args.only)]
        if not sources:
            parser.error(f"no source in {SOURCES} starts with {' or '.join(args.only)}")
    stale = []
    for source in sources:
        target = HERE / f"{source.stem}.ipynb"
        if args.check:
            found = problems(source, nbformat.read(target, as_version=4)) if target.exists() else ["missing"]
            stale += [f"{target.name}: {problem}" for problem in found]
            continue
        nb = build(source)
        seconds = 0.0 if args.no_execute else execute(nb)
        for cell in nb.cells:
            tidy(cell)
        nbformat.validate(nb)
        nbformat.write(nb, target)
        size = target.stat().st_size / 1024
        print(f"{target.name:<40} {seconds:6.1f} s  {size:7.0f} KiB")
    if stale:
        print("\n".join(stale), file=sys.stderr)
        prefixes = dict.fromkeys(line[:2] for line in stale)
        print("rebuild with: python notebooks/build.py " + " ".join(prefixes), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
