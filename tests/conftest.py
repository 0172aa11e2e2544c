"""Shared pytest configuration: the `slow` marker and bounded hypothesis settings.

The reference helpers (finite differences, the plain-float stand-in `R`, the torch helper) live in
tests/gradtools.py so test modules can import them by name.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from autograd.viz import render

sys.path.insert(0, str(Path(__file__).parent))  # make `import gradtools` work under any rootdir

settings.register_profile(
    "chaingrad",
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("stress", parent=settings.get_profile("chaingrad"), max_examples=3000)
settings.load_profile("chaingrad")  # `pytest --hypothesis-profile=stress` for a long hunt


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "slow: a deliberately heavy test (still runs by default; deselect with -m 'not slow')"
    )


@pytest.fixture
def no_dot(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """An empty PATH (no system dot, no venv bin/) and no override: as on a bare learner's machine,
    so only the bundled renderer, found without PATH, can draw."""
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.delenv(render.ENV_VAR, raising=False)
    return empty
