"""Save and load modules as JSON: plain data, so loading a file can never run code (no pickle)."""

from __future__ import annotations

import inspect
import json
import os
import reprlib
from collections.abc import Callable, Mapping
from typing import Any, Union

from autograd.files import replace_atomically
from autograd.numbers import finite_number

from .module import MLP, Layer, Module, Neuron

__all__ = ["save", "load", "MAX_BYTES"]

FORMAT = "chaingrad.nn"
VERSION = 1
_MODULES: dict[str, type[Module]] = {"Neuron": Neuron, "Layer": Layer, "MLP": MLP}
PathLike = Union[str, "os.PathLike[str]"]

#: The largest file `load` reads unless told otherwise: 64 MiB, room for a model of over a
#: million parameters (about 50 bytes each). Raise it for one call with
#: ``load(path, max_bytes=...)``, or for every call by setting ``nn.io.MAX_BYTES``.
MAX_BYTES = 64 * 2**20
_RAISE_IT = "if you trust the file, pass load(path, max_bytes=...) or set nn.io.MAX_BYTES to allow more"


def _is_int(x: object) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)  # JSON true is a bool, not the size 1


#: The constructor arguments a saved config may hold, each with the one JSON type it must have.
#: `rng` is not here, so no file can pass one. A new constructor argument needs an entry.
_CONFIG_TYPES: dict[str, tuple[str, Callable[[object], bool]]] = {
    "nin": ("an int", _is_int),
    "nout": ("an int", _is_int),
    "nouts": ("a list of ints", lambda x: isinstance(x, list) and all(_is_int(n) for n in x)),
    "activation": ("a string", lambda x: isinstance(x, str)),
    "output_activation": ("a string", lambda x: isinstance(x, str)),
    "fused": ("true or false", lambda x: isinstance(x, bool)),
}


def save(model: Module, path: PathLike) -> None:
    """Write the model's kind, shape and parameters to a JSON file (floats round-trip exactly).

    The file is replaced atomically: the JSON goes to a new temporary file in the same folder
    (``.<name>.<random>.tmp``), is flushed to disk, and is then renamed over `path`. A reader
    sees the old model or the new one, never a mixture; several threads or processes saving to
    one path all succeed (the last rename wins; on Windows a rename fails while another process
    holds the file open). A failed or interrupted save (Ctrl-C included) leaves the old file
    exactly as it was and no temporary file behind; only a killed process or a power cut can
    leave a ``.tmp`` file, which is safe to delete.

    An existing file keeps its permissions (a 0600 file stays 0600); a new file gets the ones
    ``open()`` would give it (0666 less the umask). When `path` is a symbolic link, the file it
    points to is replaced: the link stays a link, pointing at the new content.

    A model that `load` would refuse, with a nan, infinite or non-number parameter, raises
    ValueError naming the parameter, and nothing is written.
    """
    replace_atomically(path, _document(model).encode("utf-8"), who="save")


def load(path: PathLike, *, max_bytes: int | None = None) -> Module:
    """Rebuild a model saved by `save`; a corrupt, truncated or mismatched file raises ValueError.

    Every field must have the type `save` writes: the version the int 1 (not ``true``), sizes
    ints, activations strings, ``fused`` true or false, weights finite numbers. A file larger than
    `max_bytes` (default `MAX_BYTES`, 64 MiB) is refused before it is read.
    """
    limit = MAX_BYTES if max_bytes is None else max_bytes
    if not _is_int(limit):
        raise TypeError(f"load: max_bytes must be an int, got {type(limit).__name__}: {limit!r}")
    if limit < 1:
        raise ValueError(f"load: max_bytes must be >= 1, got {limit}")
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        if size > limit:
            raise ValueError(f"load: {path} is {size} bytes, over the limit of {limit} bytes; {_RAISE_IT}")
        # One byte more than the size: a file that is still growing yields it, and is then read
        # on to one byte past the limit (a file whose size is unknown, such as a pipe, too).
        raw = f.read(size + 1)
        if len(raw) > size:
            raw += f.read(limit - size)
    if len(raw) > limit:
        raise ValueError(
            f"load: {path} holds more than the limit of {limit} bytes (it grew while being read, or is "
            f"a stream); {_RAISE_IT}"
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ValueError(f"load: {path} is not a text file (corrupt?): {e}") from None
    try:
        document = json.loads(text, parse_constant=_refuse_constant)
    except _NotFinite as e:
        raise ValueError(f"load: {path} holds {e}; weights must be finite numbers") from None
    except json.JSONDecodeError as e:
        raise ValueError(f"load: {path} is not valid JSON (truncated or corrupt?): {e}") from None
    except RecursionError:
        raise ValueError(f"load: {path} is nested too deeply to be a model file") from None
    except ValueError:  # Python 3.11+ will not parse an int of more than 4300 digits
        raise ValueError(f"load: {path} holds a number with thousands of digits; no weight has that") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ValueError(f"load: {path} is not a {FORMAT} model file")
    version = document.get("version")
    if not _is_int(version) or version != VERSION:  # true == 1 in Python, so the type is checked too
        raise ValueError(f"load: {path} has version {reprlib.repr(version)}; expected the int {VERSION}")
    kind, config, state = document.get("module"), document.get("config"), document.get("state")
    if not isinstance(kind, str) or kind not in _MODULES:
        raise ValueError(f"load: unknown module {reprlib.repr(kind)}; expected one of {', '.join(_MODULES)}")
    if not isinstance(config, dict) or not isinstance(state, dict):
        raise ValueError(f"load: {path} lacks a 'config' and 'state' object")
    cls = _MODULES[kind]
    problem = _config_problem(cls, config)
    if problem is not None:
        raise ValueError(f"load: {path} has an invalid {kind} config: {problem}")
    # Check the size against the state before building, so a corrupt config asking for a huge
    # model fails at once instead of allocating it.
    count = _parameter_count(kind, config)
    if count is not None and count != len(state):
        raise ValueError(
            f"load: {path} is inconsistent: its {kind} config {reprlib.repr(config)} has {count} "
            f"parameters but its state holds {len(state)} values"
        )
    # Files written before one-node neurons became the default say nothing about `fused`: they were
    # unfused models, and load as such, so their outputs keep their bits.
    config = {"fused": False, **config}
    try:
        model = cls(**config)
    except (TypeError, ValueError) as e:
        raise ValueError(f"load: {path} has an invalid {kind} config {reprlib.repr(config)}: {e}") from None
    try:
        model.load_state_dict(state)
    except (TypeError, ValueError) as e:
        raise ValueError(f"load: {path} has an invalid state: {e}") from None
    return model


def _document(model: Module) -> str:
    """The JSON text of a model, or an error if `load` would refuse it (so nothing is written)."""
    kind = type(model).__name__
    if _MODULES.get(kind) is not type(model):
        raise TypeError(f"save: can save {', '.join(_MODULES)}, got {kind}")
    config = model.config()
    problem = _config_problem(type(model), config)
    if problem is not None:
        raise ValueError(f"save: {kind}.config() is one load would refuse: {problem}; nothing was written")
    state = {}
    for name, x in model.state_dict().items():
        try:
            state[name] = finite_number(x, f"save: parameter {name!r}")
        except (TypeError, ValueError) as e:
            raise ValueError(f"{e}; load would refuse it, so nothing was written") from None
    document = {"format": FORMAT, "version": VERSION, "module": kind, "config": config, "state": state}
    return json.dumps(document, indent=1, allow_nan=False)


def _config_problem(cls: type[Module], config: Mapping[str, object]) -> str | None:
    """What is wrong with a saved config for `cls` (unknown keys, a value of the wrong type), or
    None. Values within range are for the constructor to check."""
    allowed = [name for name in inspect.signature(cls).parameters if name in _CONFIG_TYPES]
    unknown = [key for key in config if key not in allowed]
    if unknown:
        return f"unknown keys {reprlib.repr(unknown)}; expected some of {allowed}"
    for key, value in config.items():
        expected, has_type = _CONFIG_TYPES[key]
        if not has_type(value):
            return f"{key!r} must be {expected}, got {type(value).__name__}: {reprlib.repr(value)}"
    return None


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


class _NotFinite(ValueError):
    """NaN or Infinity in a file: JSON's reader would otherwise turn them into floats."""


def _refuse_constant(name: str) -> Any:
    raise _NotFinite(name)
