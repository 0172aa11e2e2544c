"""nn.save / nn.load: bit-exact round trips; saves that are atomic, keep permissions, survive
concurrent writers and leave nothing behind when they fail; clear ValueErrors for every kind of
bad file or model, and a cap on how much load reads."""

from __future__ import annotations

import builtins
import errno
import inspect
import json
import math
import os
import random
import stat
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import autograd.files
import nn.io
from nn import MLP, Layer, Neuron, load, save

REPO = Path(__file__).resolve().parents[1]
posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX permissions, symlinks and FIFOs")


def bits(model) -> dict[str, bytes]:
    return {k: struct.pack("<d", v) for k, v in model.state_dict().items()}


MODELS = {
    "neuron": lambda: Neuron(3, "tanh", rng=random.Random(1)),
    "layer": lambda: Layer(2, 4, "sigmoid", rng=random.Random(2)),
    "mlp": lambda: MLP(2, [5, 3, 1], activation="tanh", output_activation="sigmoid", rng=random.Random(3)),
    "mlp_multi_out": lambda: MLP(3, [4, 2], rng=random.Random(4)),
}


@pytest.mark.parametrize("kind", list(MODELS))
def test_round_trip_is_bit_exact(kind, tmp_path):
    model = MODELS[kind]()
    # awkward floats too: negative zero, a subnormal, extremes and a non-terminating binary fraction
    params = model.parameters()
    for p, x in zip(params, [-0.0, 5e-324, 1.7976931348623157e308, 0.1 + 0.2, -2.2250738585072014e-308]):
        p.data = x
    path = tmp_path / "model.json"
    save(model, path)
    loaded = load(path)
    assert type(loaded) is type(model)
    assert repr(loaded) == repr(model)
    assert loaded.config() == model.config()
    assert bits(loaded) == bits(model)


@pytest.mark.parametrize("kind", ["neuron", "layer", "mlp"])
def test_loaded_model_computes_the_same_outputs(kind, tmp_path):
    model = MODELS[kind]()
    path = tmp_path / "model.json"
    save(model, str(path))  # str paths work as well as Path
    loaded = load(str(path))
    x = [0.3, -0.7, 0.2][: model.nin]
    out, out2 = model(x), loaded(x)
    if isinstance(out, list):
        assert [o.data for o in out] == [o.data for o in out2]
    else:
        assert out.data == out2.data


def test_save_leaves_no_partial_file_and_overwrites(tmp_path):
    path = tmp_path / "m.json"
    save(Neuron(2, rng=random.Random(0)), path)
    second = Neuron(2, rng=random.Random(1))
    save(second, path)
    assert bits(load(path)) == bits(second)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.json"]


def test_save_refuses_non_modules(tmp_path):
    with pytest.raises(TypeError):
        save(object(), tmp_path / "x.json")


# -------------------------------------------------------------------------------------------------
# saving safely: a fresh temporary file, fsync, an atomic rename; a failed save changes nothing
# -------------------------------------------------------------------------------------------------


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def listing(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.mark.parametrize(
    "bad",
    [math.nan, math.inf, -math.inf, "0.5", True, None, 10**400],
    ids=["nan", "inf", "-inf", "'0.5'", "True", "None", "10**400"],
)
@pytest.mark.parametrize("existing", [False, True], ids=["new file", "existing file"])
def test_save_refuses_a_model_load_would_refuse_naming_the_parameter_and_writes_nothing(bad, existing, tmp_path):
    path = tmp_path / "m.json"
    if existing:
        save(MLP(2, [3, 1], rng=random.Random(0)), path)
    before = path.read_bytes() if existing else None
    model = MLP(2, [3, 1], rng=random.Random(1))
    name, param = model.named_parameters()[-1]
    param.data = bad
    with pytest.raises(ValueError, match=rf"^save: parameter '{name}'"):
        save(model, path)
    assert (path.read_bytes() if existing else None) == before
    assert listing(tmp_path) == (["m.json"] if existing else [])


@posix_only
@pytest.mark.parametrize("permissions", [0o600, 0o640, 0o604], ids=oct)
def test_save_keeps_the_permissions_of_the_file_it_replaces(permissions, tmp_path):
    path = tmp_path / "m.json"
    save(Neuron(2, rng=random.Random(0)), path)
    os.chmod(path, permissions)
    save(Neuron(2, rng=random.Random(1)), path)
    assert mode(path) == permissions


@posix_only
def test_save_gives_a_new_file_the_permissions_open_would_give_it(tmp_path):
    old_umask = os.umask(0o027)
    try:
        save(Neuron(2, rng=random.Random(0)), tmp_path / "m.json")
        (tmp_path / "plain.txt").write_text("made by open()")
    finally:
        os.umask(old_umask)
    assert mode(tmp_path / "m.json") == mode(tmp_path / "plain.txt") == 0o640  # 0666 & ~0027


@posix_only
@pytest.mark.parametrize("relative", [False, True], ids=["absolute link", "relative link"])
def test_save_through_a_symlink_replaces_the_file_it_points_to_and_keeps_the_link(relative, tmp_path):
    (tmp_path / "models").mkdir()
    real = tmp_path / "models" / "real.json"
    link = tmp_path / "link.json"
    link_text = "models/real.json" if relative else str(real)
    link.symlink_to(link_text)
    save(Neuron(2, rng=random.Random(0)), real)
    second = Neuron(2, rng=random.Random(1))
    save(second, link)
    assert link.is_symlink() and os.readlink(link) == link_text
    assert bits(load(real)) == bits(second)
    assert listing(tmp_path) == ["link.json", "models"] and listing(tmp_path / "models") == ["real.json"]


@posix_only
def test_save_through_a_dangling_symlink_creates_the_file_it_points_to(tmp_path):
    real, link = tmp_path / "real.json", tmp_path / "link.json"
    link.symlink_to(real)
    model = Neuron(2, rng=random.Random(0))
    save(model, link)
    assert link.is_symlink() and real.is_file() and not real.is_symlink()
    assert bits(load(real)) == bits(model)


@pytest.mark.parametrize("kind", ["file", pytest.param("symlink", marks=posix_only)])
def test_save_leaves_an_existing_partial_file_or_symlink_untouched(kind, tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("not yours to overwrite")
    partial = tmp_path / "m.json.partial"
    if kind == "symlink":
        partial.symlink_to(victim)
    else:
        partial.write_text("someone else's partial file")
    model = Neuron(2, rng=random.Random(0))
    save(model, tmp_path / "m.json")
    assert bits(load(tmp_path / "m.json")) == bits(model)
    assert victim.read_text() == "not yours to overwrite"
    if kind == "symlink":
        assert partial.is_symlink() and os.readlink(partial) == str(victim)
    else:
        assert partial.read_text() == "someone else's partial file"
    assert listing(tmp_path) == ["m.json", "m.json.partial", "victim.txt"]


def _raise(error):
    def fail(*args, **kwargs):
        raise error

    return fail


class _InterruptedHalfWay:
    """A file whose write stores half the bytes, then gets Ctrl-C."""

    def __init__(self, f):
        self.f = f

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.f.close()

    def write(self, data):
        self.f.write(data[: len(data) // 2])
        raise KeyboardInterrupt

    def __getattr__(self, name):
        return getattr(self.f, name)


def _interrupt_the_write(monkeypatch):
    def open_(file, *args, **kwargs):
        f = builtins.open(file, *args, **kwargs)
        return _InterruptedHalfWay(f) if isinstance(file, int) else f

    monkeypatch.setattr(autograd.files, "open", open_, raising=False)  # shadows the builtin there only


FAILURES = {
    "json.dumps interrupted": (lambda mp: mp.setattr(json, "dumps", _raise(KeyboardInterrupt)), KeyboardInterrupt),
    "write interrupted half way": (_interrupt_the_write, KeyboardInterrupt),
    "fsync fails": (lambda mp: mp.setattr(os, "fsync", _raise(OSError(errno.EIO, "simulated"))), OSError),
    "fsync interrupted": (lambda mp: mp.setattr(os, "fsync", _raise(KeyboardInterrupt)), KeyboardInterrupt),
    "rename fails": (lambda mp: mp.setattr(os, "replace", _raise(OSError(errno.ENOSPC, "simulated"))), OSError),
    "rename interrupted": (lambda mp: mp.setattr(os, "replace", _raise(KeyboardInterrupt)), KeyboardInterrupt),
}


@pytest.mark.parametrize("failure", list(FAILURES))
def test_a_failed_save_leaves_the_old_file_bit_identical_and_no_temporary_file(failure, tmp_path, monkeypatch):
    path = tmp_path / "m.json"
    save(MLP(2, [3, 1], rng=random.Random(0)), path)
    before, before_mode = path.read_bytes(), mode(path)
    inject, error = FAILURES[failure]
    inject(monkeypatch)
    with pytest.raises(error):
        save(MLP(2, [3, 1], rng=random.Random(1)), path)
    monkeypatch.undo()
    assert path.read_bytes() == before and mode(path) == before_mode
    assert listing(tmp_path) == ["m.json"]


CONCURRENT = [MLP(2, [3, 1], rng=random.Random(10 + i)) for i in range(4)]


def _frozen(model) -> tuple:
    return tuple(sorted(bits(model).items()))


def _read_until(done, path, seen, errors):
    """Load `path` over and over until `done()`; record every model seen and every failure."""
    while not done():
        try:
            seen.append(_frozen(load(path)))
        except Exception as e:  # noqa: BLE001 - any failure is a test failure, reported below
            errors.append(repr(e))


def test_threads_saving_to_one_path_all_succeed_and_a_reader_always_loads_a_whole_model(tmp_path):
    path = tmp_path / "m.json"
    save(CONCURRENT[0], path)
    errors: list[str] = []
    seen: list[tuple] = []

    def writer(model):
        try:
            for _ in range(50):
                save(model, path)
        except Exception as e:  # noqa: BLE001
            errors.append(f"save: {e!r}")

    writers = [threading.Thread(target=writer, args=(m,)) for m in CONCURRENT]
    reader = threading.Thread(
        target=_read_until, args=(lambda: not any(w.is_alive() for w in writers), path, seen, errors)
    )
    for t in writers:
        t.start()
    reader.start()
    for t in [*writers, reader]:
        t.join()
    assert errors == []
    assert seen and set(seen) <= {_frozen(m) for m in CONCURRENT}
    assert _frozen(load(path)) in {_frozen(m) for m in CONCURRENT}
    assert listing(tmp_path) == ["m.json"]


WRITER = """
import random, sys
from nn import MLP, save
seed, path, times = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
model = MLP(2, [3, 1], rng=random.Random(seed))
for _ in range(times):
    save(model, path)
"""


def test_processes_saving_to_one_path_all_succeed_and_a_reader_always_loads_a_whole_model(tmp_path):
    path = tmp_path / "m.json"
    save(CONCURRENT[0], path)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(10 + i), str(path), "40"],
            cwd=REPO,
            env=env,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in (1, 2)
    ]
    errors: list[str] = []
    seen: list[tuple] = []
    deadline = time.monotonic() + 60
    _read_until(lambda: all(w.poll() is not None for w in writers) or time.monotonic() > deadline, path, seen, errors)
    outcomes = [(w.wait(), w.stderr.read()) for w in writers]
    assert outcomes == [(0, ""), (0, "")]
    assert errors == []
    assert seen and set(seen) <= {_frozen(CONCURRENT[i]) for i in (0, 1, 2)}
    assert listing(tmp_path) == ["m.json"]


# -------------------------------------------------------------------------------------------------
# bad files
# -------------------------------------------------------------------------------------------------


@pytest.fixture
def saved(tmp_path):
    """A valid saved MLP: its path, its text and its parsed document."""
    path = tmp_path / "good.json"
    save(MLP(2, [3, 1], rng=random.Random(0)), path)
    text = path.read_text()
    return path, text, json.loads(text)


def edit(document: dict, **changes) -> str:
    d = json.loads(json.dumps(document))
    for key, value in changes.items():
        d[key] = value
    return json.dumps(d)


def first_key(document: dict) -> str:
    return next(iter(document["state"]))


BAD_FILES = {
    "empty": lambda text, d: "",
    "garbage text": lambda text, d: "this is not json {",
    "truncated": lambda text, d: text[: len(text) // 2],
    "truncated by one byte": lambda text, d: text[:-2],
    "json list": lambda text, d: "[1, 2, 3]",
    "wrong format": lambda text, d: edit(d, format="something.else"),
    "wrong version": lambda text, d: edit(d, version=99),
    "version true": lambda text, d: edit(d, version=True),
    "version 1.0": lambda text, d: edit(d, version=1.0),
    "version '1'": lambda text, d: edit(d, version="1"),
    "unknown module": lambda text, d: edit(d, module="Transformer"),
    "module not a string": lambda text, d: edit(d, module=["MLP"]),
    "no state": lambda text, d: edit(d, state=None),
    "state is a list": lambda text, d: edit(d, state=[0.1, 0.2]),
    "config not an object": lambda text, d: edit(d, config="MLP(2, [3, 1])"),
    "shape mismatch (fewer neurons in config)": lambda text, d: edit(d, config=dict(d["config"], nouts=[2, 1])),
    "shape mismatch (more inputs in config)": lambda text, d: edit(d, config=dict(d["config"], nin=3)),
    "huge model in config": lambda text, d: edit(d, config=dict(d["config"], nin=10**9)),
    "missing weight": lambda text, d: edit(d, state={k: v for k, v in d["state"].items() if k != first_key(d)}),
    "extra weight": lambda text, d: edit(d, state=dict(d["state"], extra=1.0)),
    "NaN weight": lambda text, d: text.replace(json.dumps(d["state"][first_key(d)]), "NaN", 1),
    "Infinity weight": lambda text, d: text.replace(json.dumps(d["state"][first_key(d)]), "Infinity", 1),
    "-Infinity weight": lambda text, d: text.replace(json.dumps(d["state"][first_key(d)]), "-Infinity", 1),
    "overflowing weight 1e999": lambda text, d: text.replace(json.dumps(d["state"][first_key(d)]), "1e999", 1),
    "string weight": lambda text, d: edit(d, state=dict(d["state"], **{first_key(d): "0.5"})),
    "bool weight": lambda text, d: edit(d, state=dict(d["state"], **{first_key(d): True})),
    "false weight": lambda text, d: edit(d, state=dict(d["state"], **{first_key(d): False})),
    "401-digit weight": lambda text, d: text.replace(json.dumps(d["state"][first_key(d)]), "9" * 401, 1),
    "5000-digit weight": lambda text, d: text.replace(json.dumps(d["state"][first_key(d)]), "9" * 5000, 1),
    "null weight": lambda text, d: edit(d, state=dict(d["state"], **{first_key(d): None})),
    "bad activation": lambda text, d: edit(d, config=dict(d["config"], activation="gelu")),
    "bad size type": lambda text, d: edit(d, config=dict(d["config"], nin="2")),
    "unknown config key": lambda text, d: edit(d, config=dict(d["config"], rng=1)),
    "fused 'no'": lambda text, d: edit(d, config=dict(d["config"], fused="no")),
    "fused 1": lambda text, d: edit(d, config=dict(d["config"], fused=1)),
    "fused null": lambda text, d: edit(d, config=dict(d["config"], fused=None)),
    "nin true": lambda text, d: edit(d, config=dict(d["config"], nin=True)),
    "nin 2.0": lambda text, d: edit(d, config=dict(d["config"], nin=2.0)),
    "nouts holding true": lambda text, d: edit(d, config=dict(d["config"], nouts=[3, True])),
    "nouts an object": lambda text, d: edit(d, config=dict(d["config"], nouts={"3": 1})),
    "activation a list": lambda text, d: edit(d, config=dict(d["config"], activation=["tanh"])),
    "deeply nested": lambda text, d: "[" * 100_000 + "]" * 100_000,
}


@pytest.mark.parametrize("name", list(BAD_FILES))
def test_bad_file_raises_value_error_with_a_clear_message(name, saved, tmp_path):
    _, text, document = saved
    bad = tmp_path / "bad.json"
    bad.write_text(BAD_FILES[name](text, document), encoding="utf-8")
    assert bad.read_text() != text
    with pytest.raises(ValueError) as info:
        load(bad)
    msg = str(info.value)
    assert msg.startswith("load:"), msg
    assert len(msg) > 20


def test_binary_garbage_raises_value_error(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_bytes(b"\xff\xfe\x00\x81 not utf-8 \xc3")
    with pytest.raises(ValueError, match="load:"):
        load(bad)


def test_the_unmodified_file_loads(saved):
    path, _, _ = saved
    assert isinstance(load(path), MLP)


def test_failed_load_state_dict_leaves_the_model_exactly_as_it_was():
    model = MLP(2, [3, 1], rng=random.Random(0))
    before = bits(model)
    donor = MLP(2, [3, 1], rng=random.Random(5)).state_dict()
    last = list(donor)[-1]
    for bad_value in (float("nan"), float("inf"), "1.0", None):
        with pytest.raises(ValueError):
            model.load_state_dict(dict(donor, **{last: bad_value}))
        assert bits(model) == before
    with pytest.raises(ValueError):
        model.load_state_dict({k: v for k, v in donor.items() if k != last})
    assert bits(model) == before


# Each a value the constructor would take or ignore today (bool("no") is True, True == 1), so only
# a check of the type in the file catches it.
@pytest.mark.parametrize(
    "key, value",
    [("fused", "no"), ("fused", 1), ("fused", None), ("nin", 2.0), ("nouts", [3, 1.0]), ("activation", 0)],
    ids=repr,
)
def test_load_names_the_config_value_of_the_wrong_type(key, value, saved, tmp_path):
    _, _, document = saved
    bad = tmp_path / "bad.json"
    bad.write_text(edit(document, config=dict(document["config"], **{key: value})))
    with pytest.raises(ValueError, match=rf"^load: .* invalid MLP config: '{key}' must be "):
        load(bad)


def test_load_refuses_version_true_although_true_equals_one(saved, tmp_path):
    _, _, document = saved
    bad = tmp_path / "bad.json"
    bad.write_text(edit(document, version=True))
    with pytest.raises(ValueError, match=r"^load: .* version True; expected the int 1"):
        load(bad)


@pytest.mark.parametrize("cls", [Neuron, Layer, MLP])
def test_every_constructor_argument_but_rng_has_a_type_a_file_is_checked_against(cls):
    arguments = set(inspect.signature(cls).parameters) - {"rng"}
    assert arguments <= set(nn.io._CONFIG_TYPES)


def test_mlp_refuses_a_dict_for_its_sizes():
    # load builds models through the constructor, so these must fail there too
    with pytest.raises(TypeError):
        MLP(dict)
    with pytest.raises(TypeError, match="nouts"):
        MLP(2, {3: 1})


# -------------------------------------------------------------------------------------------------
# a cap on what load reads
# -------------------------------------------------------------------------------------------------


def test_load_refuses_a_file_over_max_bytes_and_says_how_to_raise_the_limit(saved):
    path, text, _ = saved
    size = len(text.encode())
    with pytest.raises(
        ValueError, match=rf"^load: .* is {size} bytes, over the limit of {size - 1} bytes; .*max_bytes"
    ):
        load(path, max_bytes=size - 1)
    assert isinstance(load(path, max_bytes=size), MLP)


def test_load_reads_its_default_limit_from_nn_io_max_bytes_at_call_time(saved, monkeypatch):
    path, text, _ = saved
    monkeypatch.setattr(nn.io, "MAX_BYTES", len(text.encode()) - 1)
    with pytest.raises(ValueError, match="over the limit"):
        load(path)


def test_load_refuses_a_file_over_64_mib_by_default_from_its_size(tmp_path):
    big = tmp_path / "big.json"
    with open(big, "wb") as f:
        f.truncate(64 * 2**20 + 1)  # sparse: no disk space used
    with pytest.raises(ValueError, match=r"is 67108865 bytes, over the limit of 67108864 bytes"):
        load(big)


@posix_only
def test_load_stops_reading_a_stream_one_byte_past_max_bytes(tmp_path):
    """A FIFO reports size 0, like a file that grows while it is read: the cap still holds."""
    fifo = tmp_path / "stream.json"
    os.mkfifo(fifo)
    written = []

    def feed():
        fd = os.open(fifo, os.O_WRONLY)
        try:
            for _ in range(100):
                written.append(os.write(fd, b" " * 1000))
        except BrokenPipeError:
            pass
        finally:
            os.close(fd)

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    try:
        with pytest.raises(ValueError, match=r"^load: .* holds more than the limit of 5000 bytes"):
            load(fifo, max_bytes=5000)
    finally:
        os.close(os.open(fifo, os.O_RDONLY | os.O_NONBLOCK))  # unblocks the feeder if load never opened
        feeder.join(timeout=10)
    assert sum(written) < 100 * 1000


@pytest.mark.parametrize(
    "max_bytes, error",
    [(0, ValueError), (-1, ValueError), (True, TypeError), (1.5, TypeError), ("1000", TypeError)],
    ids=["0", "-1", "True", "1.5", "'1000'"],
)
def test_load_refuses_a_max_bytes_that_is_not_a_positive_int(max_bytes, error, saved):
    path, _, _ = saved
    with pytest.raises(error, match=r"^load: max_bytes must be"):
        load(path, max_bytes=max_bytes)


def test_a_file_saved_before_one_node_neurons_were_the_default_loads_unfused(tmp_path):
    """Older files have no "fused" key: they held unfused models, and must load as such."""
    path = tmp_path / "old.json"
    nn.save(nn.MLP(2, [3, 1], fused=False), path)
    document = json.loads(path.read_text())
    del document["config"]["fused"]
    path.write_text(json.dumps(document))
    loaded = nn.load(path)
    assert isinstance(loaded, nn.MLP) and loaded.fused is False
    assert all(n.fused is False for layer in loaded.layers for n in layer.neurons)
