"""Use the installed wheel as a user would: run with the python of a fresh virtual environment that
has only the wheel (and its dependencies) installed, from a folder outside the checkout, with PATH
holding no `dot` (.ci/run gives it an empty folder).

Checks: autograd and nn come from site-packages, not from a checkout; a backward pass and an nn
training step give the known gradients; both packages carry py.typed; a drawing renders to SVG
with the bundled graphviz-pure; an explorer page carries its script and style (package data);
`chaingrad-demo --help` (the console script) prints its usage.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from importlib import resources
from pathlib import Path

site_packages = Path(sysconfig.get_path("purelib")).resolve()
scripts = Path(sysconfig.get_path("scripts"))


def check(condition: object, what: str) -> None:
    if not condition:
        sys.exit(f"wheel smoke test FAILED: {what}")
    print(f"ok  {what}")


import autograd  # noqa: E402  # after the helpers: the import is itself the first thing checked
import nn  # noqa: E402
from autograd import Value, draw_dot  # noqa: E402

for package in (autograd, nn):
    where = Path(package.__file__).resolve()
    check(where.is_relative_to(site_packages), f"{package.__name__} imported from the wheel ({where})")
    check(resources.files(package.__name__).joinpath("py.typed").is_file(), f"{package.__name__}/py.typed installed")

# The README's ten lines: dL/da = 2 (ab + a)(b + 1) = 16, dL/db = 2 (ab + a) a = -16.
a, b = Value(2.0, label="a"), Value(-3.0, label="b")
c = a * b
c.label = "c"
d = c + a
d.label = "d"
L = d**2
L.label = "L"
L.backward()
check((a.grad, b.grad) == (16.0, -16.0), f"backward: dL/da, dL/db = {a.grad}, {b.grad} (expected 16.0, -16.0)")

model = nn.MLP(2, [4, 1])
loss = nn.mse([model([0.5, -1.0]), model([1.0, 2.0])], [1.0, -1.0])
model.zero_grad()
loss.backward()
check(any(p.grad != 0.0 for p in model.parameters()), "nn.MLP(2, [4, 1]): mse backward reaches the parameters")

check(shutil.which("dot") is None, f"no system dot on PATH ({os.environ.get('PATH')!r})")
check(not os.environ.get("CHAINGRAD_DOT"), "CHAINGRAD_DOT unset")
from autograd.viz import render  # noqa: E402

renderer = Path(render.find_renderer()[0]).resolve()
check(
    renderer.name.startswith("graphviz-pure") and renderer.is_relative_to(Path(sys.prefix).resolve()),
    f"the bundled renderer is found without PATH: {renderer}",
)
with tempfile.TemporaryDirectory() as tmp:
    out = Path(draw_dot(L).render(outfile=Path(tmp) / "L.svg"))
    svg = out.read_text(encoding="utf-8")
check(
    svg.lstrip().startswith(("<?xml", "<svg")) and ">a</text>" in svg and ">grad 16.0000</text>" in svg,
    f"draw_dot(L) rendered to SVG ({len(svg):,} characters; node a with its grad 16.0000)",
)

from autograd.viz import explore  # noqa: E402

page = explore(L).html  # its script and style are files of the wheel, read when a page is made
check(
    "window.chaingradExplorer" in page and "svg.graph" in page and ">grad 16.0000</text>" in page,
    f"explore(L) made a page with its script and style ({len(page):,} characters)",
)

demo = shutil.which("chaingrad-demo", path=str(scripts))
check(demo is not None, f"console script chaingrad-demo installed in {scripts}")
done = subprocess.run([str(demo), "--help"], capture_output=True, text=True, timeout=120, check=False)
check(
    done.returncode == 0 and done.stdout.startswith("usage: chaingrad-demo"),
    f"chaingrad-demo --help exits 0 with its usage (exit {done.returncode}; stderr {done.stderr.strip()[-300:]!r})",
)

print(f"wheel smoke test passed (Python {sys.version.split()[0]}, {site_packages})")
