"""Save and load modules as JSON: plain data, so loading a file can never run code (no pickle)."""

from __future__ import annotations

import inspect
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Union

from .module import MLP, Layer, Module, Neuron

__all__ = ["save", "load"]

FORMAT = "chaingrad.nn"
VERSION = 1
_MODULES: dict[str, type[Module]] = {"Neuron": Neuron, "Layer": Layer, "MLP": MLP}
PathLike = Union[str, "os.PathLike[str]"]


def save(model: Module, path: PathLike) -> None:
    """Write the model's kind, shape and parameters to a JSON file (floats round-trip exactly)."""
    kind = type(model).__name__
    if _MODULES.get(kind) is not type(model):
        raise TypeError(f"save: can save {', '.join(_MODULES)}, got {kind}")
    document = {
        "format": FORMAT,
        "version": VERSION,
        "module": kind,
        "config": model.config(),
        "state": model.state_dict(),
    }
    text = json.dumps(document, indent=1, allow_nan=False)
    path = Path(path)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)  # readers never see a half-written file


def load(path: PathLike) -> Module:
    """Rebuild a model saved by `save`; a corrupt, truncated or mismatched file raises ValueError."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise ValueError(f"load: {path} is not a text file (corrupt?): {e}") from None
    try:
        document = json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as e:
        raise ValueError(f"load: {path} is not valid JSON (truncated or corrupt?): {e}") from None
    except RecursionError:
        raise ValueError(f"load: {path} is nested too deeply to be a model file") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ValueError(f"load: {path} is not a {FORMAT} model file")
    if document.get("version") != VERSION:
        raise ValueError(f"load: {path} has version {document.get('version')!r}; expected {VERSION}")
    kind, config, state = document.get("module"), document.get("config"), document.get("state")
    if not isinstance(kind, str) or kind not in _MODULES:
        raise ValueError(f"load: unknown module {kind!r}; expected one of {', '.join(_MODULES)}")
    if not isinstance(config, dict) or not isinstance(state, dict):
        raise ValueError(f"load: {path} lacks a 'config' and 'state' object")
    cls = _MODULES[kind]
    # Only constructor arguments a saved config can hold: never `rng` or anything unknown.
    allowed = [name for name in inspect.signature(cls).parameters if name != "rng"]
    unknown = [key for key in config if key not in allowed]
    if unknown:
        raise ValueError(
            f"load: {path} has an invalid {kind} config: unknown keys {unknown}; "
            f"expected some of {allowed}"
        )
    # Check the size against the state before building, so a corrupt config asking for a huge
    # model fails at once instead of allocating it.
    count = _parameter_count(kind, config)
    if count is not None and count != len(state):
        raise ValueError(
            f"load: {path} is inconsistent: its {kind} config {config!r} has {count} parameters "
            f"but its state holds {len(state)} values"
        )
    try:
        model = cls(**config)
    except (TypeError, ValueError) as e:
        raise ValueError(f"load: {path} has an invalid {kind} config {config!r}: {e}") from None
    try:
        model.load_state_dict(state)
    except (TypeError, ValueError) as e:
        raise ValueError(f"load: {path} has an invalid state: {e}") from None
    return model


def _size(x: object) -> int | None:
    return x if isinstance(x, int) and not isinstance(x, bool) and x >= 1 else None


def _parameter_count(kind: str, config: Mapping[str, object]) -> int | None:
    """How many parameters the config describes, or None when the sizes are malformed (the
    constructor then reports them)."""
    nin = _size(config.get("nin"))
    if nin is None:
        return None
    if kind == "Neuron":
        return nin + 1
    if kind == "Layer":
        nout = _size(config.get("nout"))
        return None if nout is None else nout * (nin + 1)
    nouts = config.get("nouts")
    if not isinstance(nouts, list) or not nouts:
        return None
    sizes = [nin]
    for n in nouts:
        size = _size(n)
        if size is None:
            return None
        sizes.append(size)
    return sum(sizes[i + 1] * (sizes[i] + 1) for i in range(len(nouts)))


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"load: the file holds {name}; weights must be finite numbers")
