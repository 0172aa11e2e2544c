"""The test suite on the oldest and the newest Python that pyproject.toml claims (requires-python).

    nox -s tests            # every Python listed below that is on PATH as python3.X
    nox -s tests-3.10       # one of them

nox looks for `python3.10` and `python3.13` on PATH. With pyenv, `pyenv shell 3.11.7 3.10.13 3.13.0`
puts them there; .ci/run finds them itself (pyenv or not) and says so when one is missing.

Each session installs the README's test command (`pip install -e ".[dev]"`) into a fresh virtual
environment, without PyTorch: the tests that compare against it skip (CI's main run, on the
machine's python3, has it). Arguments after `--` go to pytest: `nox -s tests-3.13 -- -x tests`.
"""

from __future__ import annotations

import nox

OLDEST, NEWEST = "3.10", "3.13"  # keep in step with requires-python and the classifiers in pyproject.toml

nox.options.sessions = ["tests"]
nox.options.default_venv_backend = "venv"  # the standard library's; nothing more to install


@nox.session(python=[OLDEST, NEWEST])
def tests(session: nox.Session) -> None:
    """The unit tests and the notebooks (pytest's testpaths), as the README runs them."""
    session.install("-e", ".[dev]")
    session.run("python", "-m", "pytest", "-q", *session.posargs)
