"""Turn DOT source into SVG/PNG with a system `dot` or the pip-installed `graphviz-pure` binary.

A `Drawing`'s SVG fits the page: wider than its `max_width` (1200 px by default), its width and
height attributes are scaled down to it, with the viewBox kept, so a browser shows all of it and
zooming in shows it sharp. In Jupyter it is shown in a frame as wide as the page that scrolls:
click the drawing to see it larger, click again to fit it back.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Iterable, Iterator
from importlib import metadata
from pathlib import Path
from typing import Any, overload

import graphviz  # type: ignore[import-untyped]  # graphviz ships no py.typed marker

__all__ = ["ENV_VAR", "MAX_WIDTH", "Drawing", "RenderError", "find_renderer", "render_source", "fit_svg", "svg_frame"]

ENV_VAR = "CHAINGRAD_DOT"  # path or name of a dot-compatible program; wins over every other choice
BUNDLED = "graphviz-pure"  # PyPI distribution and command name of the bundled renderer
TIMEOUT = 60.0  # seconds; a layout that takes longer is almost certainly stuck
MAX_WIDTH = 1200  # pixels: a drawing's SVG is at most this wide unless asked otherwise (a page, a projector)
PX_PER_UNIT = {"": 4 / 3, "pt": 4 / 3, "px": 1.0, "in": 96.0, "cm": 96 / 2.54, "mm": 96 / 25.4, "pc": 16.0}

_MIME_FORMATS: dict[str, tuple[str, str | None]] = {  # Jupyter mimetype -> (format, text encoding)
    "text/html": ("svg", "utf-8"),  # the SVG in a frame that scrolls and zooms (svg_frame)
    "image/svg+xml": ("svg", "utf-8"),
    "image/png": ("png", None),
    "image/jpeg": ("jpeg", None),
}


# Graphviz (and graphviz-pure) warn once per character outside its font-width table, such as the
# ∂ of every edge label, and then lay it out as wide as a space: nothing a user needs to act on.
_HARMLESS = re.compile(r"no value for width of non-ASCII character")

_SVG_TAG = re.compile(rb"<svg\b[^>]*>")
_LENGTH = r'\s{name}="([0-9.]+)([a-z]*)"'


def _length(tag: str, name: str) -> tuple[float, str] | None:
    m = re.search(_LENGTH.format(name=name), tag)
    if not m or m.group(2) not in PX_PER_UNIT:
        return None
    return float(m.group(1)), m.group(2)


def fit_svg(svg: bytes, max_width: float) -> bytes:
    """svg at most max_width pixels wide: its width and height attributes scaled down together.

    The viewBox stays (one is added from the old size if there was none), so the picture is the
    same, only shown smaller, and a viewer that zooms shows it sharp. Graphviz writes sizes in
    points (1 pt = 4/3 px); they stay in points. An SVG already narrow enough is returned as is.
    """
    m = _SVG_TAG.search(svg)
    if not m:
        return svg
    tag = m.group(0).decode("utf-8", "replace")
    width, height = _length(tag, "width"), _length(tag, "height")
    if width is None or height is None:
        return svg
    (w, unit), (h, h_unit) = width, height
    scale = max_width / (w * PX_PER_UNIT[unit])
    if scale >= 1.0:
        return svg
    new = re.sub(_LENGTH.format(name="width"), f' width="{w * scale:.2f}{unit}"', tag, count=1)
    new = re.sub(_LENGTH.format(name="height"), f' height="{h * scale:.2f}{h_unit}"', new, count=1)
    if "viewBox=" not in new:
        new = new[:-1] + f' viewBox="0 0 {w:g} {h:g}">'
    return svg[: m.start()] + new.encode("utf-8") + svg[m.end() :]


_ZOOM = (  # click: the drawing at full size (or twice the fitted size), the frame scrolls; click again: fit
    "var z=this.getAttribute('data-zoomed')!=='1';this.setAttribute('data-zoomed',z?'1':'0');"
    "this.setAttribute('width',this.getAttribute(z?'data-zoom':'data-fit'));"
    "this.style.maxWidth=z?'none':'100%';this.style.cursor=z?'zoom-out':'zoom-in';"
)


def svg_frame(svg: str, max_width: float | None = MAX_WIDTH) -> str:
    """HTML for Jupyter: the SVG (fitted to max_width) in a frame that is never wider than the page.

    The SVG shrinks further with a narrow page (max-width 100%, its height following its viewBox);
    a click shows it at full size, or twice the fitted size, inside the frame, which then
    scrolls; another click fits it again. Where scripts are not run, it is still shown, fitted.
    """
    data = svg.encode("utf-8")
    if max_width is not None:
        data = fit_svg(data, max_width)
    text = data.decode("utf-8")
    start = text.find("<svg")
    if start < 0:
        return f'<div style="max-width:100%;overflow:auto">{text}</div>'
    text = text[start:]  # no XML prolog or doctype inside HTML
    tag_end = text.index(">")
    tag = text[:tag_end]
    width = _length(tag, "width")
    box = re.search(r'viewBox="[-0-9.]+ [-0-9.]+ ([0-9.]+) [0-9.]+"', tag)
    extra = ' style="max-width:100%;height:auto"'
    hint = ""
    if width is not None:
        w, unit = width
        natural = float(box.group(1)) if box and unit in ("", "pt") else w
        zoomed = max(natural, 2 * w)
        extra = (
            f' style="max-width:100%;height:auto;cursor:zoom-in" data-fit="{w:g}{unit}"'
            f' data-zoom="{zoomed:.2f}{unit}" onclick="{html.escape(_ZOOM)}"'
        )
        if natural > w * 1.01:
            hint = (
                '<div style="font:11px sans-serif;color:#777">'
                f"Scaled to {100 * w / natural:.0f}% to fit: click the drawing to zoom in, scroll to move.</div>"
            )
    return (
        '<div class="chaingrad-drawing" style="max-width:100%;overflow:auto">'
        f"{text[:tag_end]}{extra}{text[tag_end:]}</div>{hint}"
    )


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

    def __init__(self, *args: Any, max_width: float | None = MAX_WIDTH, **kwargs: Any) -> None:
        """Same arguments as graphviz.Digraph, with format defaulting to svg instead of pdf.

        max_width: SVG output wider than this many pixels is scaled down to it (`fit_svg`);
        None keeps Graphviz's size.
        """
        kwargs.setdefault("format", "svg")
        super().__init__(*args, **kwargs)
        self.max_width = max_width

    def _copy_kwargs(self, **kwargs: Any) -> dict[str, Any]:
        """What copy() passes to a new Drawing: graphviz's own, and max_width."""
        found: dict[str, Any] = super()._copy_kwargs(**kwargs)  # not every graphviz layer passes extras on
        found["max_width"] = self.max_width
        return found

    def copy(self) -> Drawing:
        """An independent copy, max_width included."""
        return type(self)(**self._copy_kwargs())

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
        """Render self.source once, echoing renderer warnings to stderr unless quiet (as graphviz does).

        SVG is scaled to fit max_width (see `fit_svg`).
        """
        data, warnings = _run(self.source, format, engine or self.engine, TIMEOUT)
        warnings = "\n".join(line for line in warnings.splitlines() if not _HARMLESS.search(line))
        if warnings and not quiet:
            print(warnings, file=sys.stderr)
        if format == "svg" and self.max_width is not None:
            data = fit_svg(data, self.max_width)
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
        """Jupyter display hook: the SVG in a scrolling, zooming frame (text/html) and the SVG itself
        (image/svg+xml), both fitted to max_width, rendered once; PNG/JPEG on request."""
        wanted = set(include) if include is not None else {"text/html", "image/svg+xml"}
        wanted -= set(exclude or ())
        rendered: dict[str, bytes] = {}
        bundle: dict[str, bytes | str] = {}
        for mime, (fmt, enc) in _MIME_FORMATS.items():
            if mime not in wanted:
                continue
            if fmt not in rendered:
                rendered[fmt] = self._image(fmt, quiet=True)
            data = rendered[fmt]
            if mime == "text/html":
                bundle[mime] = svg_frame(data.decode("utf-8"), None)  # already fitted
            else:
                bundle[mime] = data.decode(enc) if enc else data
        return bundle

    def _repr_html_(self) -> str:
        """The SVG in a frame as wide as the page at most, that scrolls and zooms (`svg_frame`)."""
        return svg_frame(self._image("svg", quiet=True).decode("utf-8"), None)

    def _repr_svg_(self) -> str:
        """The SVG, fitted to max_width."""
        return self._image("svg", quiet=True).decode("utf-8")
