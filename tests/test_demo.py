"""The main command: `python -m nn.demo` trains on two moons and writes its plots."""

from __future__ import annotations

import random
import re
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from nn import MLP
from nn.data import make_moons
from nn.demo import accuracy, build_parser, loss_and_scores, train

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
REPO = Path(__file__).resolve().parents[1]


def run_demo(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nn.demo", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def check_png(path: Path) -> tuple[int, int]:
    """The file is a PNG that decodes; returns its width and height."""
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE, f"{path.name} is not a PNG"
    length, kind = struct.unpack(">I4s", data[8:16])
    assert (length, kind) == (13, b"IHDR")
    width, height = struct.unpack(">II", data[16:24])
    matplotlib_image = pytest.importorskip("matplotlib.image")
    pixels = matplotlib_image.imread(path)
    assert pixels.shape[:2] == (height, width)
    return width, height


@pytest.fixture(scope="module")
def short_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess[str], Path]:
    cwd = tmp_path_factory.mktemp("demo")
    result = run_demo(
        "--steps", "12", "--n-samples", "40", "--hidden", "8,8", "--seed", "3", "--out", "plots",
        cwd=cwd,
    )
    return result, cwd / "plots"


def test_the_demo_prints_its_final_accuracy(short_run):
    result, _ = short_run
    assert result.returncode == 0, result.stderr
    match = re.search(r"^final accuracy: (\d+\.\d)% \((\d+)/40\)", result.stdout, re.MULTILINE)
    assert match, result.stdout
    assert 50.0 <= float(match.group(1)) <= 100.0  # 12 steps: better than guessing on 40 points


def test_the_demo_shows_a_progress_bar_with_loss_and_accuracy(short_run):
    result, _ = short_run
    assert "training" in result.stderr and "loss=" in result.stderr and "acc=" in result.stderr


def test_the_demo_writes_decodable_plots(short_run):
    _, out = short_run
    width, height = check_png(out / "decision_boundary.png")
    assert width > 100 and height > 100
    check_png(out / "loss.png")


def test_the_demo_writes_a_neuron_graph_svg(short_run):
    _, out = short_run
    root = ET.parse(out / "neuron.svg").getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    text = (out / "neuron.svg").read_text(encoding="utf-8")
    for label in ("w1", "w2", "x1", "x2"):
        assert label in text


def svg_texts(path: Path) -> list[str]:
    """Every line of text an SVG shows, unescaped."""
    root = ET.parse(path).getroot()
    return ["".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text")]


def test_the_neuron_picture_says_which_gradients_come_through_neurons_not_drawn(short_run):
    _, out = short_run
    texts = svg_texts(out / "neuron.svg")
    shown = " ".join(texts)  # a caption line may be wrapped into several
    assert re.search(r"neuron 1 of 8 in layer 1, on the point \(\S+, \S+\), label [+-]1", shown), texts
    assert re.search(r"L1\.n1\.a's gradient \S+ comes from the layers above \(not drawn\)", shown), texts
    assert "x1, x2 also feed the 7 other neurons of layer 1 (not drawn):" in shown, texts
    for x in ("x1", "x2"):
        match = re.search(rf"{x}'s gradient (\S+) = (\S+) from this neuron \+ (\S+) from the others", shown)
        assert match, texts
        total, drawn, rest = map(float, match.groups())
        assert total == pytest.approx(drawn + rest, rel=1e-3, abs=1e-3 * (abs(drawn) + abs(rest)))
    for label in ("L1.n1.w1", "L1.n1.w2", "L1.n1.b", "L1.n1.z"):  # the model's own labels
        assert label in texts


def test_the_demo_trains_as_notebook_6_does_plain_gradient_descent_from_lr_2_to_0_2():
    """Notebook 6's loop, written out: W' = W - lr * dL/dW, lr = 2.0 * (1 - 0.9 k / steps)."""
    pytest.importorskip("tqdm")
    defaults = build_parser().parse_args([])
    assert (defaults.lr, defaults.momentum, defaults.steps) == (2.0, 0.0, 100)
    X, y = make_moons(20, noise=0.1, seed=1)
    demo, by_hand = (MLP(2, [4, 4, 1], rng=random.Random(0)) for _ in range(2))
    history = train(demo, X, y, steps=5, progress=False)
    losses = []
    for k in range(5):
        loss, scores = loss_and_scores(by_hand, X, y)
        losses.append(loss.data)
        by_hand.zero_grad()
        loss.backward()
        lr = 2.0 * (1.0 - 0.9 * k / 5)
        for p in by_hand.parameters():
            p.data -= lr * p.grad
    assert history.loss == losses
    assert demo.state_dict() == by_hand.state_dict()
    assert history.accuracy[-1] == accuracy(loss_and_scores(by_hand, X, y)[1], y)


def test_help_lists_every_option(tmp_path):
    result = run_demo("--help", cwd=tmp_path)
    assert result.returncode == 0
    for option in ("--steps", "--seed", "--hidden", "--lr", "--out", "--n-samples"):
        assert option in result.stdout


def test_bad_options_are_refused_with_a_message(tmp_path):
    result = run_demo("--hidden", "16,x", cwd=tmp_path)
    assert result.returncode == 2
    assert "expected sizes like 16,16" in result.stderr
    result = run_demo("--steps", "0", cwd=tmp_path)
    assert result.returncode == 2 and "must be > 0" in result.stderr


def test_the_default_output_folder_is_created_in_the_working_directory(tmp_path):
    result = run_demo("--steps", "1", "--n-samples", "10", "--hidden", "4", "--no-progress", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "demo-output" / "decision_boundary.png").is_file()
    assert "training" not in result.stderr


def test_the_console_script_points_at_the_demo():
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["scripts"]["chaingrad-demo"] == "nn.demo:main"
    from nn.demo import main

    assert callable(main)
