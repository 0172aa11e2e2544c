"""Tests for autograd.viz.render: DOT -> SVG/PNG with no system `dot` on PATH."""

from __future__ import annotations

import os
import stat
import struct
import subprocess
import sys
import sysconfig
import xml.etree.ElementTree as ET
from pathlib import Path

import graphviz
import pytest

from autograd.viz import render
from autograd.viz.render import Drawing, RenderError, find_renderer, render_source

SVG_NS = "{http://www.w3.org/2000/svg}"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
posix_only = pytest.mark.skipif(os.name == "nt", reason="uses a /bin/sh stand-in renderer")


def sample() -> Drawing:
    """Small graph shaped like the ones the library draws: record value nodes, an op node, a labelled edge."""
    g = Drawing(graph_attr={"rankdir": "LR"})
    g.node("x", label="{ x | data 2.0000 | grad 1.0000 }", shape="record")
    g.node("y", label="{ y | data -3.0000 | grad 0.5000 }", shape="record")
    g.node("mul", label="*")
    g.edge("x", "mul", label='lhs <x> & "q"')
    g.edge("y", "mul")
    return g


def svg_texts(svg: bytes | str) -> list[str]:
    """All <text> contents of an SVG document (parsing also proves it is well-formed XML)."""
    root = ET.fromstring(svg if isinstance(svg, bytes) else svg.encode("utf-8"))
    assert root.tag == f"{SVG_NS}svg"
    return [t.text or "" for t in root.iter(f"{SVG_NS}text")]


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from the IHDR chunk, which must directly follow the PNG signature."""
    assert data[:8] == PNG_SIGNATURE
    length, kind = struct.unpack(">I4s", data[8:16])
    assert (length, kind) == (13, b"IHDR")
    return struct.unpack(">II", data[16:24])


def write_script(folder: Path, name: str, body: str) -> Path:
    """Create an executable /bin/sh script standing in for a renderer."""
    path = folder / name
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


def test_plain_graphviz_really_lacks_dot(no_dot: Path) -> None:
    """Sanity check of the fixture: the stock Digraph cannot render here, so passing tests prove the bypass."""
    with pytest.raises(graphviz.ExecutableNotFound):
        graphviz.Digraph(body=["a -> b"]).pipe(format="svg")


def test_finds_bundled_renderer_without_path(no_dot: Path) -> None:
    cmd = find_renderer()
    assert Path(cmd[0]).stem == "graphviz-pure"
    assert Path(cmd[0]).is_file() and Path(cmd[0]).parent != no_dot


def test_finds_bundled_renderer_from_package_metadata_only(
    no_dot: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Even if the interpreter's scripts dir is elsewhere (e.g. a --user install), the wheel RECORD finds it."""
    monkeypatch.setattr(sysconfig, "get_path", lambda name: str(no_dot))
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    cmd = find_renderer()
    assert Path(cmd[0]).stem == "graphviz-pure"
    assert b"<svg" in render_source("digraph { a -> b }")


def test_svg_has_record_fields_and_edge_label(no_dot: Path) -> None:
    texts = svg_texts(render_source(sample().source, "svg"))
    for expected in ["x", "data 2.0000", "grad 1.0000", "data -3.0000", "*", 'lhs <x> & "q"']:
        assert expected in texts, (expected, texts)


def test_drawing_pipe_svg_and_default_format(no_dot: Path) -> None:
    g = sample()
    assert g.format == "svg"
    text = g.pipe(encoding="utf-8")
    assert isinstance(text, str) and "data 2.0000" in svg_texts(text)


def test_png_signature_and_ihdr_dimensions(no_dot: Path) -> None:
    data = sample().pipe(format="png")
    assert isinstance(data, bytes)
    width, height = png_size(data)
    assert width > 0 and height > 0
    assert width > height  # rankdir=LR lays the three nodes out side by side


def test_repr_mimebundle(no_dot: Path) -> None:
    g = sample()
    bundle = g._repr_mimebundle_()
    assert list(bundle) == ["text/html", "image/svg+xml"]  # the SVG in a frame, and the SVG itself
    assert isinstance(bundle["image/svg+xml"], str) and isinstance(bundle["text/html"], str)
    assert "grad 0.5000" in svg_texts(bundle["image/svg+xml"])
    html = bundle["text/html"]
    assert html.startswith('<div class="chaingrad-drawing" style="max-width:100%;overflow:auto">')
    assert "grad 0.5000" in svg_texts(html[html.index("<svg") : html.index("</svg>") + 6])
    assert list(g._repr_mimebundle_(exclude=["text/html"])) == ["image/svg+xml"]
    png = g._repr_mimebundle_(include=["image/png", "image/svg+xml"], exclude=["image/svg+xml"])
    assert list(png) == ["image/png"] and png_size(png["image/png"])[0] > 0  # type: ignore[arg-type]
    assert g._repr_mimebundle_(include=[]) == {}


def test_render_and_export_write_files(no_dot: Path, tmp_path: Path) -> None:
    g = sample()
    out = Path(g.render("graph.gv", directory=tmp_path, format="png"))
    assert out == tmp_path / "graph.gv.png" and (tmp_path / "graph.gv").is_file()
    assert png_size(out.read_bytes())[1] > 0
    out = Path(g.render(outfile=tmp_path / "named.svg", cleanup=True))
    assert out == tmp_path / "named.svg" and not (tmp_path / "named.gv").exists()
    assert "data 2.0000" in svg_texts(out.read_bytes())
    assert png_size(g.export(tmp_path / "exported.png").read_bytes())[0] > 0
    assert "*" in svg_texts(g.export(tmp_path / "exported.svg").read_bytes())


def test_bad_dot_source_gives_clear_error(no_dot: Path) -> None:
    with pytest.raises(RenderError, match=r"(?i)graphviz-pure.*exit 1.*syntax error"):
        render_source("digraph { a -> ; }")


def test_unknown_format_is_reported(no_dot: Path) -> None:
    with pytest.raises(RenderError, match="not recognized"):
        render_source("digraph { a }", format="nosuchformat")


def test_no_renderer_names_what_to_install(no_dot: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(render, "_bundled_renderer", lambda: None)
    with pytest.raises(RenderError, match="pip install graphviz-pure"):
        find_renderer()


@posix_only
def test_system_dot_on_path_is_preferred(no_dot: Path) -> None:
    fake = write_script(no_dot, "dot", "echo SYSTEM-DOT")
    assert find_renderer() == [str(fake)]
    assert render_source("digraph { a }") == b"SYSTEM-DOT\n"


@posix_only
def test_env_override_wins_and_is_checked(no_dot: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    write_script(no_dot, "dot", "echo SYSTEM-DOT")
    mine = write_script(tmp_path, "my-dot", 'echo "OVERRIDE $*"')
    monkeypatch.setenv(render.ENV_VAR, str(mine))
    assert find_renderer() == [str(mine)]
    assert render_source("digraph { a }", "png") == b"OVERRIDE -Kdot -Tpng\n"
    monkeypatch.setenv(render.ENV_VAR, str(tmp_path / "missing"))
    with pytest.raises(RenderError, match=render.ENV_VAR):
        find_renderer()


@posix_only
def test_renderer_crash_reports_stderr(no_dot: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    bad = write_script(tmp_path, "bad-dot", "echo 'boom: layout exploded' >&2; exit 3")
    monkeypatch.setenv(render.ENV_VAR, str(bad))
    with pytest.raises(RenderError, match=r"exit 3\): boom: layout exploded"):
        sample().pipe()


def test_subprocess_python_without_venv_on_path(tmp_path: Path) -> None:
    """Like a Jupyter kernel or `venv/bin/python script.py`: a fresh interpreter whose PATH lacks its bin/."""
    code = (
        "from autograd.viz.render import find_renderer, render_source; print(find_renderer()[0]); "
        "render_source('digraph { a -> b }', 'png')"
    )
    env = {"PATH": str(tmp_path), "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert Path(done.stdout.strip()).stem == "graphviz-pure"
