"""Save and load modules as JSON: plain data, so loading a file can never run code (no pickle)."""

from __future__ import annotations

import json
import os
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
    text = Path(path).read_text(encoding="utf-8")
    try:
        document = json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as e:
        raise ValueError(f"load: {path} is not valid JSON (truncated or corrupt?): {e}") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ValueError(f"load: {path} is not a {FORMAT} model file")
    if document.get("version") != VERSION:
        raise ValueError(f"load: {path} has version {document.get('version')!r}; expected {VERSION}")
    kind, config, state = document.get("module"), document.get("config"), document.get("state")
    if kind not in _MODULES:
        raise ValueError(f"load: unknown module {kind!r}; expected one of {', '.join(_MODULES)}")
    if not isinstance(config, dict) or not isinstance(state, dict):
        raise ValueError(f"load: {path} lacks a 'config' and 'state' object")
    try:
        model = _MODULES[kind](**config)
    except (TypeError, ValueError) as e:
        raise ValueError(f"load: {path} has an invalid {kind} config {config!r}: {e}") from None
    model.load_state_dict(state)
    return model


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"load: the file holds {name}; weights must be finite numbers")
