"""Turn DOT source into SVG/PNG with a system `dot` or the pip-installed `graphviz-pure` binary."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Iterable, Iterator
from importlib import metadata
from pathlib import Path
from typing import Any, overload

import graphviz  # type: ignore[import-untyped]  # graphviz ships no py.typed marker

__all__ = ["ENV_VAR", "Drawing", "RenderError", "find_renderer", "render_source"]

ENV_VAR = "CHAINGRAD_DOT"  # path or name of a dot-compatible program; wins over every other choice
BUNDLED = "graphviz-pure"  # PyPI distribution and command name of the bundled renderer
TIMEOUT = 60.0  # seconds; a layout that takes longer is almost certainly stuck

_MIME_FORMATS: dict[str, tuple[str, str | None]] = {  # Jupyter mimetype -> (format, text encoding)
    "image/svg+xml": ("svg", "utf-8"),
    "image/png": ("png", None),
    "image/jpeg": ("jpeg", None),
}


class RenderError(RuntimeError):
    """Raised when no renderer is available or the renderer rejects the DOT source."""


def _candidate_dirs() -> Iterator[str]:
    """Folders that may hold graphviz-pure, cheapest first; none of them needs to be on PATH."""
    yield sysconfig.get_path("scripts")  # this interpreter's bin/ (Scripts on Windows), activated or not
    yield str(Path(sys.executable).parent)
    try:
        dist = metadata.distribution(BUNDLED)
    except metadata.PackageNotFoundError:
        return
    for entry in dist.files or []:  # RECORD lists the binary (e.g. ../../../bin/graphviz-pure), covers --user
        if Path(entry.name).stem == BUNDLED:
            yield str(Path(str(entry.locate())).resolve().parent)
    yield str(Path(str(dist.locate_file(""))) / "bin")  # pip --target writes a misleading RECORD; binary is here


def _bundled_renderer() -> str | None:
    """Find the graphviz-pure binary without relying on PATH (unactivated venvs, Jupyter kernels)."""
    for folder in _candidate_dirs():  # shutil.which with an explicit path also handles .exe on Windows
        if folder and (hit := shutil.which(BUNDLED, path=folder)):
            return hit
    return shutil.which(BUNDLED)


def find_renderer() -> list[str]:
    """Return the command that renders DOT: $CHAINGRAD_DOT, else system `dot`, else bundled graphviz-pure."""
    override = os.environ.get(ENV_VAR)
    if override:
        hit = shutil.which(override)
        if not hit:
            raise RenderError(f"{ENV_VAR}={override!r} is not an executable program")
        return [hit]
    hit = shutil.which("dot") or _bundled_renderer()
    if not hit:
        raise RenderError(
            f"No Graphviz renderer found: run `pip install {BUNDLED}` (or install system Graphviz, "
            f"or set {ENV_VAR} to a dot-compatible program)"
        )
    return [hit]


def render_source(dot_source: str, format: str = "svg", *, engine: str = "dot", timeout: float = TIMEOUT) -> bytes:
    """Pipe DOT source through the chosen renderer and return the image bytes (svg, png, jpeg, ...)."""
    data, _ = _run(dot_source, format, engine, timeout)
    return data


def _run(dot_source: str, format: str, engine: str, timeout: float) -> tuple[bytes, str]:
    """Run the renderer once; return (stdout, stderr warnings) or raise RenderError with its stderr."""
    cmd = [*find_renderer(), f"-K{engine}", f"-T{format}"]
    try:
        done = subprocess.run(cmd, input=dot_source.encode("utf-8"), capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:
        raise RenderError(f"{cmd[0]} did not finish within {timeout:g}s") from exc
    stderr = done.stderr.decode("utf-8", "replace").strip()
    if done.returncode != 0 or not done.stdout:
        raise RenderError(f"{' '.join(cmd)} failed (exit {done.returncode}): {stderr or 'no output'}")
    return done.stdout, stderr


class Drawing(graphviz.Digraph):  # type: ignore[misc]  # Digraph is Any to mypy (untyped package)
    """A graphviz.Digraph whose pipe/render/Jupyter display never need `dot` on PATH; defaults to SVG."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Same arguments as graphviz.Digraph, with format defaulting to svg instead of pdf."""
        kwargs.setdefault("format", "svg")
        super().__init__(*args, **kwargs)

    # The overloads mirror graphviz's own: bytes without an encoding, str with one.
    @overload
    def pipe(
        self,
        format: str | None = ...,
        renderer: str | None = ...,
        formatter: str | None = ...,
        neato_no_op: bool | int | None = ...,
        quiet: bool = ...,
        *,
        engine: str | None = ...,
        encoding: None = ...,
    ) -> bytes: ...

    @overload
    def pipe(
        self,
        format: str | None = ...,
        renderer: str | None = ...,
        formatter: str | None = ...,
        neato_no_op: bool | int | None = ...,
        quiet: bool = ...,
        *,
        engine: str | None = ...,
        encoding: str,
    ) -> str: ...

    @overload
    def pipe(
        self,
        format: str | None = ...,
        renderer: str | None = ...,
        formatter: str | None = ...,
        neato_no_op: bool | int | None = ...,
        quiet: bool = ...,
        *,
        engine: str | None = ...,
        encoding: str | None,
    ) -> bytes | str: ...

    def pipe(
        self,
        format: str | None = None,
        renderer: str | None = None,
        formatter: str | None = None,
        neato_no_op: bool | int | None = None,
        quiet: bool = False,
        *,
        engine: str | None = None,
        encoding: str | None = None,
    ) -> bytes | str:
        """Return the rendered image (str if encoding is given), like Digraph.pipe but via render_source."""
        if neato_no_op:
            raise RenderError("neato_no_op is not supported by chaingrad's renderer")
        fmt = ":".join(part for part in (format or self.format, renderer, formatter) if part)
        data = self._image(fmt, engine, quiet)
        return data.decode(encoding) if encoding else data

    def _image(self, format: str, engine: str | None = None, quiet: bool = False) -> bytes:
        """Render self.source once, echoing renderer warnings to stderr unless quiet (as graphviz does)."""
        data, warnings = _run(self.source, format, engine or self.engine, TIMEOUT)
        if warnings and not quiet:
            print(warnings, file=sys.stderr)
        return data

    def render(
        self,
        filename: os.PathLike[str] | str | None = None,
        directory: os.PathLike[str] | str | None = None,
        view: bool = False,
        cleanup: bool = False,
        format: str | None = None,
        renderer: str | None = None,
        formatter: str | None = None,
        neato_no_op: bool | int | None = None,
        quiet: bool = False,
        quiet_view: bool = False,
        *,
        outfile: os.PathLike[str] | str | None = None,
        engine: str | None = None,
        raise_if_result_exists: bool = False,
        overwrite_source: bool = False,
    ) -> str:
        """Save the .gv source and write the image beside it (or to outfile), like Digraph.render."""
        if outfile is not None:
            format = format or Path(outfile).suffix.lstrip(".").lower() or None
            if filename is None:
                filename = Path(outfile).with_suffix(".gv")
            outfile = Path(outfile) if directory is not None else Path(os.fsdecode(self.directory), outfile)
        fmt = format or self.format
        source = Path(self.save(filename, directory=directory))
        target = Path(outfile) if outfile is not None else source.with_name(f"{source.name}.{fmt}")
        if target.resolve() == source.resolve() and not overwrite_source:
            raise ValueError(f"outfile {str(target)!r} would overwrite the DOT source")
        if raise_if_result_exists and target.exists():
            raise graphviz.FileExistsError(f"output file exists: {str(target)!r}")
        data = self.pipe(fmt, renderer, formatter, neato_no_op, quiet, engine=engine)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        if cleanup:
            source.unlink()
        if view or quiet_view:
            graphviz.view(target, quiet=quiet_view)
        return str(target)

    def export(self, path: os.PathLike[str] | str, format: str | None = None) -> Path:
        """Write just the image to path, format from its suffix (.svg/.png); no .gv side file."""
        target = Path(path)
        target.write_bytes(self._image(format or target.suffix.lstrip(".").lower() or self.format))
        return target

    def _repr_mimebundle_(
        self, include: Iterable[str] | None = None, exclude: Iterable[str] | None = None, **_: Any
    ) -> dict[str, bytes | str]:
        """Jupyter display hook: inline SVG by default (PNG/JPEG on request), rendered via render_source."""
        wanted = set(include) if include is not None else {"image/svg+xml"}
        wanted -= set(exclude or ())
        return {
            mime: self.pipe(fmt, encoding=enc, quiet=True)
            for mime, (fmt, enc) in _MIME_FORMATS.items()
            if mime in wanted
        }
