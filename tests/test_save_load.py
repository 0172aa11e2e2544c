"""nn.save / nn.load: bit-exact round trips, and clear ValueErrors for every kind of bad file."""

from __future__ import annotations

import json
import random
import struct

import pytest

from nn import MLP, Layer, Neuron, load, save


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
    "null weight": lambda text, d: edit(d, state=dict(d["state"], **{first_key(d): None})),
    "bad activation": lambda text, d: edit(d, config=dict(d["config"], activation="gelu")),
    "bad size type": lambda text, d: edit(d, config=dict(d["config"], nin="2")),
    "unknown config key": lambda text, d: edit(d, config=dict(d["config"], rng=1)),
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
