"""Turn DOT source into SVG/PNG with a system `dot` or the pip-installed `graphviz-pure` binary."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from importlib import metadata
from pathlib import Path
from collections.abc import Iterable
from typing import Any, Optional, Union

import graphviz

__all__ = ["ENV_VAR", "RenderError", "find_renderer", "render_source", "Drawing"]

ENV_VAR = "CHAINGRAD_DOT"  # path or name of a dot-compatible program; wins over every other choice
BUNDLED = "graphviz-pure"  # PyPI distribution and command name of the bundled renderer
TIMEOUT = 60.0  # seconds; a layout that takes longer is almost certainly stuck

_MIME_FORMATS: dict[str, tuple[str, Optional[str]]] = {"image/svg+xml": ("svg", "utf-8"), "image/png": ("png", None), "image/jpeg": ("jpeg", None)}


class RenderError(RuntimeError):
    """Raised when no renderer is available or the renderer rejects the DOT source."""


def _executable(path: Path) -> Optional[str]:
    """Return path as a string if it is a runnable file, so stale or non-executable entries are skipped."""
    return str(path) if path.is_file() and os.access(path, os.X_OK) else None


def _bundled_renderer() -> Optional[str]:
    """Find graphviz-pure without relying on PATH (unactivated venvs, Jupyter kernels, --user installs)."""
    scripts = [sysconfig.get_path("scripts"), str(Path(sys.executable).parent)]
    for folder in scripts:  # shutil.which with an explicit path also handles .exe on Windows
        if folder and (hit := shutil.which(BUNDLED, path=folder)):
            return hit
    try:  # the wheel's RECORD lists the binary (e.g. ../../../bin/graphviz-pure) wherever it landed
        files = metadata.distribution(BUNDLED).files or []
    except metadata.PackageNotFoundError:
        files = []
    for entry in files:
        if Path(entry.name).stem == BUNDLED and (hit := _executable(Path(str(entry.locate())).resolve())):
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
        done = subprocess.run(cmd, input=dot_source.encode("utf-8"), capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        raise RenderError(f"{cmd[0]} did not finish within {timeout:g}s") from exc
    stderr = done.stderr.decode("utf-8", "replace").strip()
    if done.returncode != 0 or not done.stdout:
        raise RenderError(f"{' '.join(cmd)} failed (exit {done.returncode}): {stderr or 'no output'}")
    return done.stdout, stderr


class Drawing(graphviz.Digraph):
    """A graphviz.Digraph whose pipe/render/Jupyter display never need `dot` on PATH; defaults to SVG."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Same arguments as graphviz.Digraph, with format defaulting to svg instead of pdf."""
        kwargs.setdefault("format", "svg")
        super().__init__(*args, **kwargs)

    def pipe(  # type: ignore[override]
        self,
        format: Optional[str] = None,
        renderer: Optional[str] = None,
        formatter: Optional[str] = None,
        neato_no_op: Union[bool, int, None] = None,
        quiet: bool = False,
        *,
        engine: Optional[str] = None,
        encoding: Optional[str] = None,
    ) -> Union[bytes, str]:
        """Return the rendered image (str if encoding is given), like Digraph.pipe but via render_source."""
        if neato_no_op:
            raise RenderError("neato_no_op is not supported by chaingrad's renderer")
        fmt = ":".join(part for part in (format or self.format, renderer, formatter) if part)
        data = self._image(fmt, engine, quiet)
        return data.decode(encoding) if encoding else data

    def _image(self, format: str, engine: Optional[str] = None, quiet: bool = False) -> bytes:
        """Render self.source once, echoing renderer warnings to stderr unless quiet (as graphviz does)."""
        data, warnings = _run(self.source, format, engine or self.engine, TIMEOUT)
        if warnings and not quiet:
            print(warnings, file=sys.stderr)
        return data

    def render(  # type: ignore[override]
        self,
        filename: Union[os.PathLike, str, None] = None,
        directory: Union[os.PathLike, str, None] = None,
        view: bool = False,
        cleanup: bool = False,
        format: Optional[str] = None,
        renderer: Optional[str] = None,
        formatter: Optional[str] = None,
        neato_no_op: Union[bool, int, None] = None,
        quiet: bool = False,
        quiet_view: bool = False,
        *,
        outfile: Union[os.PathLike, str, None] = None,
        engine: Optional[str] = None,
        raise_if_result_exists: bool = False,
        overwrite_source: bool = False,
    ) -> str:
        """Save the .gv source and write the image beside it (or to outfile), like Digraph.render."""
        if outfile is not None:
            outfile = Path(outfile) if directory is not None else Path(self.directory, outfile)
            format = format or outfile.suffix.lstrip(".").lower() or None
            if filename is None:
                filename = outfile.with_suffix(".gv").name
        fmt = format or self.format
        source = Path(self.save(filename, directory=directory))
        target = Path(outfile) if outfile is not None else source.with_name(f"{source.name}.{fmt}")
        if target.resolve() == source.resolve() and not overwrite_source:
            raise ValueError(f"outfile {str(target)!r} would overwrite the DOT source")
        if raise_if_result_exists and target.exists():
            raise graphviz.FileExistsError(f"output file exists: {str(target)!r}")
        data = self.pipe(fmt, renderer, formatter, neato_no_op, quiet, engine=engine)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data if isinstance(data, bytes) else data.encode())
        if cleanup:
            source.unlink()
        if view or quiet_view:
            graphviz.view(target, quiet=quiet_view)
        return str(target)

    def export(self, path: Union[os.PathLike, str], format: Optional[str] = None) -> Path:
        """Write just the image to path, format from its suffix (.svg/.png); no .gv side file."""
        target = Path(path)
        target.write_bytes(self._image(format or target.suffix.lstrip(".").lower() or self.format))
        return target

    def _repr_mimebundle_(
        self, include: Optional[Iterable[str]] = None, exclude: Optional[Iterable[str]] = None, **_: Any
    ) -> dict[str, Union[bytes, str]]:
        """Jupyter display hook: inline SVG by default (PNG/JPEG on request), rendered via render_source."""
        wanted = set(include) if include is not None else {"image/svg+xml"}
        wanted -= set(exclude or ())
        return {
            mime: self.pipe(fmt, encoding=enc, quiet=True)
            for mime, (fmt, enc) in _MIME_FORMATS.items()
            if mime in wanted
        }
