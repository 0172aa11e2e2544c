"""Regenerate the README's pictures: graph.svg, explain.txt, backward.gif, explore.html and
explore.png (a screenshot of that page, taken when Chromium is installed), drawn by the library.

    python docs/make_docs.py

The example is the seed derivation's network (shared/seeds): one neuron per layer,
z = W a + b, a = sigma(z), cost C = (a2 - y)^2 with y = 1, after backward.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from autograd import Value, draw_dot, explain
from autograd.viz import backprop_steps, explore

HERE = Path(__file__).resolve().parent


def example() -> dict[str, Value]:
    """x -> z1 = W1 x + b1 -> a1 = sigma(z1) -> z2 = W2 a1 + b2 -> a2 = sigma(z2) -> C = (a2 - y)^2."""

    def named(v: Value, label: str) -> Value:
        v.label = label
        return v

    x, y = Value(1.5, label="x"), 1.0
    W1, b1 = Value(0.8, label="W1"), Value(-0.5, label="b1")
    W2, b2 = Value(-1.2, label="W2"), Value(0.3, label="b2")
    W1x = named(W1 * x, "W1x")
    z1 = named(W1x + b1, "z1")
    a1 = named(z1.sigmoid(), "a1")
    W2a1 = named(W2 * a1, "W2a1")
    z2 = named(W2a1 + b2, "z2")
    a2 = named(z2.sigmoid(), "a2")
    e = named(a2 - y, "e")
    C = named(e**2, "C")
    return dict(x=x, W1=W1, b1=b1, W2=W2, b2=b2, z1=z1, a1=a1, z2=z2, a2=a2, e=e, C=C)


def diamond() -> tuple[Value, Value]:
    """L = (a b + a)^2: a reaches L along two paths, so its gradient is a sum of two products."""
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b
    c.label = "c"
    d = c + a
    d.label = "d"
    L = d**2
    L.label = "L"
    return L, a


def explain_text() -> str:
    """docs/explain.txt: the seed network's dC/dW1 (one long path), then the diamond's dL/da (two)."""
    v = example()
    v["C"].backward()
    L, a = diamond()
    return f"{explain(v['C'], v['W1'])}\n\n{explain(L, a)}\n"


def graph_svg() -> bytes:
    """docs/graph.svg: the seed network after backward, the paths from W1 to C in red."""
    v = example()
    v["C"].backward()
    return draw_dot(v["C"], "TB", highlight=v["W1"]).pipe(format="svg")  # type: ignore[return-value]


def explore_page() -> Path:
    """docs/explore.html: the seed network's explorer page."""
    v = example()
    return explore(v["C"], title="C = (a2 - y)^2 for the seed network: click a value, step with next or →").save(
        HERE / "explore.html"
    )


def explore_screenshot(page: Path) -> Path | None:
    """docs/explore.png: the page with W1 selected, its path lit, by headless Chromium (None without it)."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if chromium is None:
        return None
    shot = HERE / "explore.png"
    with tempfile.TemporaryDirectory() as profile:
        flags = ["--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run"]
        flags += ["--disable-background-networking", "--disable-component-update", "--disable-sync"]
        flags += [f"--user-data-dir={profile}", "--window-size=1400,760", f"--screenshot={shot}"]
        subprocess.run([chromium, *flags, page.resolve().as_uri() + "#select=W1"], check=True, capture_output=True)
    return shot


def main() -> None:
    text, svg = explain_text(), graph_svg()
    (HERE / "explain.txt").write_text(text, encoding="utf-8")
    (HERE / "graph.svg").write_bytes(svg)
    backprop_steps(diamond()[0]).save_gif(HERE / "backward.gif", seconds_per_step=2.0)
    print(text, end="")
    page = explore_page()
    shot = explore_screenshot(page)
    print(f"wrote {HERE / 'graph.svg'}, {HERE / 'explain.txt'}, {HERE / 'backward.gif'} and {page}")
    print(f"wrote {shot}" if shot else "no Chromium to take docs/explore.png with: it is left as it was")


if __name__ == "__main__":
    main()
