"""The main command: `python -m nn.demo` trains on two moons and writes its plots."""

from __future__ import annotations

import json
import math
import os
import random
import re
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import nn.demo as demo
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
        "--steps",
        "12",
        "--n-samples",
        "40",
        "--hidden",
        "8,8",
        "--seed",
        "3",
        "--out",
        "plots",
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


def test_the_demo_writes_an_explorer_page_of_the_same_neuron(short_run):
    """neuron.html: the neuron a = relu(b + w1 x1 + w2 x2) on its point, so da/dwk = xk and
    da/db = 1 where it is on (0 where off), da/dxk = wk: read back from the page's own data."""
    _, out = short_run
    page = (out / "neuron.html").read_text(encoding="utf-8")
    data = json.loads(re.search(r'<script type="application/json" id="explorer-data">(.*?)</script>', page, re.S)[1])
    values = {node["name"]: node for node in data["nodes"].values()}
    assert set(values) == {"x1", "x2", "L1.n1.w1", "L1.n1.w2", "L1.n1.b", "L1.n1.z", "L1.n1.a"}
    assert re.search(r"<h1 id=\"title\">neuron 1 of layer 1 of the trained model on the point \(\S+, \S+\)", page)
    on = float(values["L1.n1.z"]["dataFull"]) > 0
    for k in (1, 2):
        x, w = float(values[f"x{k}"]["dataFull"]), float(values[f"L1.n1.w{k}"]["dataFull"])
        assert float(values[f"L1.n1.w{k}"]["gradFull"]) == (x if on else 0.0)
        assert float(values[f"x{k}"]["gradFull"]) == (w if on else 0.0)
    assert float(values["L1.n1.b"]["gradFull"]) == (1.0 if on else 0.0)
    assert "Content-Security-Policy" in page and "http:" not in page.replace("http://www.w3.org/2000/svg", "")


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


LINUX_PROC = Path("/proc")  # a folder no one, not even an administrator, can write a file into

BAD_OPTIONS = [
    # option, value, what the message says
    ("--noise", "-1", "must be a finite number >= 0"),
    ("--noise", "nan", "must be a finite number >= 0"),
    ("--noise", "inf", "must be a finite number >= 0"),
    ("--noise", "lots", "expected a number"),
    ("--lr", "inf", "must be a finite number > 0"),
    ("--lr", "nan", "must be a finite number > 0"),
    ("--lr", "0", "must be a finite number > 0"),
    ("--lr", "-0.5", "must be a finite number > 0"),
    ("--momentum", "1", "must be a finite number >= 0 and < 1"),
    ("--momentum", "nan", "must be a finite number >= 0 and < 1"),
    ("--momentum", "-0.1", "must be a finite number >= 0 and < 1"),
    ("--steps", "0", "must be >= 1"),
    ("--steps", "2.5", "expected a whole number"),
    ("--seed", "x", "invalid int value"),
    ("--seed", "1.5", "invalid int value"),
    ("--n-samples", "1", "must be >= 2"),
    ("--n-samples", "-3", "must be >= 2"),
    ("--hidden", "16,x", "expected sizes like 16,16"),
    ("--hidden", "0", "expected positive sizes"),
    ("--out", "missing/plots", "missing does not exist"),
    ("--out", "a-file", "a-file is not a folder"),
    ("--out", "a-file/plots", "a-file is not a folder"),
    ("--out", "read-only", "cannot write a file into read-only"),
    ("--out", "read-only/plots", "cannot make the folder read-only"),
    ("--out", str(LINUX_PROC), "cannot write a file into /proc"),
]


def _no_training(*args: object, **kwargs: object) -> None:
    raise AssertionError("the demo started training")


@pytest.mark.parametrize(("option", "value", "message"), BAD_OPTIONS, ids=lambda x: str(x))
def test_every_bad_option_is_a_usage_error_before_training_and_writes_nothing(
    option, value, message, tmp_path, monkeypatch, capsys
):
    """Exit status 2 with argparse's usage and a message naming the option; not one step trained
    (`train` would fail the test), nothing printed to stdout, no file or folder made."""
    if value.startswith("read-only"):
        (tmp_path / "read-only").mkdir(mode=0o500)
        if os.access(tmp_path / "read-only", os.W_OK):
            pytest.skip("this user may write into a read-only folder (an administrator)")
    if value == str(LINUX_PROC) and not LINUX_PROC.is_dir():
        pytest.skip("no /proc here")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a-file").write_text("not a folder\n")
    before = sorted(tmp_path.rglob("*"))
    monkeypatch.setattr(demo, "train", _no_training)
    with pytest.raises(SystemExit) as exited:
        demo.main([option, value, "--no-progress"])
    out, err = capsys.readouterr()
    assert exited.value.code == 2
    assert err.startswith("usage: ") and out == ""
    error = err.strip().splitlines()[-1]
    assert f"error: argument {option}: " in error and message in error, error
    assert sorted(tmp_path.rglob("*")) == before


@pytest.mark.parametrize("args", [["--noise", "-1"], ["--out", "missing/plots"]])
def test_the_command_exits_with_status_2_on_a_bad_option(args, tmp_path):
    result = run_demo(*args, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("usage: ") and f"error: argument {args[0]}: " in result.stderr
    assert result.stdout == "" and "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_the_output_folder_is_made_only_after_training(tmp_path, monkeypatch, capsys):
    """A missing --out folder inside an existing one is made, but not before training succeeds."""
    monkeypatch.chdir(tmp_path)
    seen_during_training = []

    def train(*args: object, **kwargs: object) -> demo.History:
        seen_during_training.append(sorted(tmp_path.iterdir()))
        return demo.History(loss=[1.0, 0.5], accuracy=[0.5, 0.75, 1.0])

    monkeypatch.setattr(demo, "train", train)
    assert demo.main(["--steps", "2", "--n-samples", "4", "--hidden", "2", "--out", "plots"]) == 0
    assert seen_during_training == [[]]
    assert sorted(p.name for p in (tmp_path / "plots").iterdir()) == [
        "decision_boundary.png",
        "loss.png",
        "neuron.html",
        "neuron.svg",
    ]


@pytest.mark.parametrize("lr", [1e6, 1e300])
def test_training_that_diverges_stops_and_says_so(lr):
    """lr 1e6: the loss jumps to ~1e13 after one step; lr 1e300: the first update overflows."""
    pytest.importorskip("tqdm")
    X, y = make_moons(40, noise=0.1, seed=1)
    model = MLP(2, [8, 8, 1], activation="relu", rng=random.Random(1))
    with pytest.raises(demo.TrainingDiverged, match=r"^training diverged: after 1 step .*learning rate") as info:
        train(model, X, y, steps=20, lr=lr, progress=False)
    assert info.value.step == 1
    assert all(math.isfinite(loss) for loss in info.value.history.loss)


def test_a_run_of_the_demo_that_diverges_says_so_and_writes_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    args = ["--lr", "1e6", "--steps", "20", "--n-samples", "40", "--hidden", "8,8", "--no-progress", "--out", "plots"]
    assert demo.main(args) == 1
    out, err = capsys.readouterr()
    assert "training diverged: after 1 step the loss is" in err and "try a smaller --lr" in err, err
    assert "final accuracy" not in out and "wrote" not in out
    assert list(tmp_path.iterdir()) == []


def test_the_loss_and_accuracy_plots_share_one_axis_of_steps():
    pytest.importorskip("matplotlib")
    history = demo.History(loss=[1.0, 0.6, 0.3], accuracy=[0.5, 0.7, 0.8, 0.9])
    fig = demo.history_figure(history)
    loss_ax, acc_ax = fig.axes
    assert loss_ax.get_shared_x_axes().joined(loss_ax, acc_ax)
    assert loss_ax.get_xlim() == acc_ax.get_xlim()
    assert (loss_ax.get_xlabel(), acc_ax.get_xlabel()) == ("", "step")  # one axis of steps, under both
    assert list(loss_ax.lines[0].get_xdata()) == [0, 1, 2]
    assert list(acc_ax.lines[0].get_xdata()) == [0, 1, 2, 3]  # the accuracy after the last step too
    assert loss_ax.get_ylabel().startswith("loss") and acc_ax.get_ylabel().startswith("training accuracy")


def test_the_demo_saves_the_figure_with_the_shared_axis(tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    monkeypatch.chdir(tmp_path)
    made = []

    def spy(history: demo.History) -> object:
        made.append(demo_history_figure(history))
        return made[-1]

    demo_history_figure = demo.history_figure
    monkeypatch.setattr(demo, "history_figure", spy)
    assert demo.main(["--steps", "2", "--n-samples", "10", "--hidden", "4", "--no-progress"]) == 0
    (fig,) = made
    assert fig.axes[0].get_shared_x_axes().joined(*fig.axes)
    assert (tmp_path / "demo-output" / "loss.png").is_file()


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
