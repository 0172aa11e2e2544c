"""`no_grad()`: evaluate a model without recording a graph, as ``with torch.no_grad():`` does.

    with no_grad():
        scores = [model(x) for x in X]      # each a leaf Value: no graph behind it

The switch is a flag of the current thread (another thread keeps recording) and it is read by
whoever chooses to honour it, once per call, never inside the engine's operators:

* `nn`'s modules (`Neuron`, `Layer`, `MLP`) run their forward on plain floats and return new
  leaf Values holding the results (same numbers, bit for bit, as the recorded forward);
* `nn`'s losses compute on the numbers and return a leaf Value.

Arithmetic on Values written by hand still records inside ``no_grad()``: the operators
(``Value.__mul__`` and the rest) are the engine's hot path and check no flag, so that recording
costs nothing more for its existence. To cut a graph at a Value yourself, use `Value.detach()`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["no_grad", "is_grad_enabled"]


class _GradMode(threading.local):
    enabled = True  # the class attribute is every thread's starting value: recording is on


_mode = _GradMode()


def is_grad_enabled() -> bool:
    """False inside ``with no_grad():`` in this thread, else True (PyTorch's name)."""
    return _mode.enabled


@contextmanager
def no_grad() -> Iterator[None]:
    """Turn graph recording off in `nn` for this thread until the block ends (or the decorated call returns).

    Nests, survives exceptions (the previous state comes back either way), and works as a
    decorator, as PyTorch's does: ``@no_grad()`` above a function runs every call of it so.
    """
    previous = _mode.enabled
    _mode.enabled = False
    try:
        yield
    finally:
        _mode.enabled = previous
