"""Build the notebooks from their Python sources, and run them to store their outputs.

The sources are `notebooks/src/NN_name.py` in the "percent" format that Jupytext and VS Code
read: a line ``# %%`` starts a code cell, ``# %% [markdown]`` a markdown cell whose lines are
comments (``# text``). After the marker, Jupytext's ``key=value`` pairs (JSON values) become the
cell's metadata: the solutions at the end of every notebook are code cells marked
``# %% tags=["solution"] jupyter={"source_hidden": true}``, whose input Jupyter shows collapsed.
The sources are what you edit and review; the `.ipynb` files are built from them, so notebook
and script never drift apart.

    python notebooks/build.py            # rebuild every notebook and execute it (stores outputs)
    python notebooks/build.py 03 06      # only the notebooks whose names start with 03 or 06
    python notebooks/build.py --check    # fail if a notebook's cells differ from its source

Executing needs nbclient and ipykernel (the project's `dev` extra).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
SOURCES = HERE / "src"
KERNEL = {"display_name": "Python 3", "language": "python", "name": "python3"}


METADATA_KEYS = ("tags", "jupyter")  # the cell metadata a source may set (and --check compares)


def parse_metadata(header: str) -> dict:
    """The metadata of a cell marker line: '# %% [markdown] tags=["x"] jupyter={"a": true}' -> dict."""
    rest = header[len("# %%") :].replace("[markdown]", "", 1).strip()
    decoder = json.JSONDecoder()
    metadata = {}
    while rest:
        match = re.match(r"(\w+)=", rest)
        if match is None:
            raise ValueError(f"cell marker: expected key=value (a JSON value) in {header!r}")
        key = match.group(1)
        if key not in METADATA_KEYS:
            raise ValueError(f"cell marker: unknown metadata {key!r} in {header!r}; known: {METADATA_KEYS}")
        metadata[key], end = decoder.raw_decode(rest, match.end())
        rest = rest[end:].strip()
    return metadata


def parse_cells(text: str) -> list[nbformat.NotebookNode]:
    """Split a percent-format script into notebook cells."""
    cells: list[tuple[str, list[str], dict]] = []
    for line in text.splitlines():
        if line.startswith("# %%"):
            kind = "markdown" if "[markdown]" in line else "code"
            cells.append((kind, [], parse_metadata(line)))
        elif cells:
            cells[-1][1].append(line)
        elif line.strip() and not line.startswith("#"):
            raise ValueError(f"code before the first '# %%' marker: {line!r}")
    out = []
    for kind, lines, metadata in cells:
        while lines and not lines[-1].strip():
            lines.pop()
        while lines and not lines[0].strip():
            lines.pop(0)
        if kind == "markdown":
            body = "\n".join(line[2:] if line.startswith("# ") else line.lstrip("#") for line in lines)
            cell = nbformat.v4.new_markdown_cell(body)
        else:
            cell = nbformat.v4.new_code_cell("\n".join(lines))
        cell.metadata.update(metadata)
        out.append(cell)
    return out


def build(source: Path) -> nbformat.NotebookNode:
    """A fresh notebook (no outputs) from one source file."""
    nb = nbformat.v4.new_notebook()
    nb.cells = parse_cells(source.read_text(encoding="utf-8"))
    for i, cell in enumerate(nb.cells):
        cell.id = f"{source.stem[:2]}-{i:02d}"  # stable ids: rebuilding does not churn the diff
    nb.metadata = {
        "kernelspec": KERNEL,
        "language_info": {"name": "python"},
        "jupytext": {"formats": "ipynb,src//py:percent"},
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


def same_cells(a: nbformat.NotebookNode, b: nbformat.NotebookNode) -> bool:
    def key(c: nbformat.NotebookNode) -> tuple:
        return c.cell_type, c.source, [c.metadata.get(k) for k in METADATA_KEYS]

    return [key(c) for c in a.cells] == [key(c) for c in b.cells]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("only", nargs="*", help="name prefixes of the notebooks to build (default: all)")
    parser.add_argument("--check", action="store_true", help="only compare the .ipynb cells with the sources")
    parser.add_argument("--no-execute", action="store_true", help="write notebooks without outputs")
    args = parser.parse_args(argv)

    sources = sorted(SOURCES.glob("[0-9][0-9]_*.py"))
    if args.only:
        sources = [s for s in sources if any(s.stem.startswith(p) for p in args.only)]
    stale = []
    for source in sources:
        target = HERE / f"{source.stem}.ipynb"
        nb = build(source)
        if args.check:
            if not target.exists() or not same_cells(nb, nbformat.read(target, as_version=4)):
                stale.append(target.name)
            continue
        seconds = 0.0 if args.no_execute else execute(nb)
        for cell in nb.cells:
            tidy(cell)
        nbformat.validate(nb)
        nbformat.write(nb, target)
        size = target.stat().st_size / 1024
        print(f"{target.name:<40} {seconds:6.1f} s  {size:7.0f} KiB")
    if stale:
        print("out of date (run python notebooks/build.py): " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
