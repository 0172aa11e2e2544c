"""Replacing a file atomically: a reader sees the old content or the new one, never half of it.

`nn.save` writes models with it and `Explorer.save` the explorer's pages; both promise that a
failed or interrupted save changes nothing.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from typing import Union

__all__ = ["replace_atomically"]

PathLike = Union[str, "os.PathLike[str]"]


def replace_atomically(path: PathLike, data: bytes, *, who: str) -> None:
    """Write data to path through a new temporary file in the same folder, renamed over path.

    The temporary file (``.<name>.<random>.tmp``) is flushed to disk before the rename, and the
    folder after it. A failure or interrupt (Ctrl-C included) removes it and leaves path as it
    was. An existing file keeps its permissions; a new one gets what ``open()`` gives (0666 less
    the umask). A symbolic link stays a link: the file it points to is replaced. who: the
    operation, named in errors ('save').
    """
    target = os.path.realpath(path)
    folder, name = os.path.split(target)
    try:
        mode: int | None = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        mode = None
    # Private (0600) while an existing file's content is written; a new file is created as
    # open() would create it, so the umask (and any default ACL of the folder) apply as usual.
    fd, temp = _create_temporary(folder, name, 0o600 if mode is not None else 0o666, who)
    try:
        with open(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if mode is not None:
            os.chmod(temp, mode)
        os.replace(temp, target)  # atomic: readers never see a half-written file
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    _fsync_folder(folder)


def _create_temporary(folder: str, name: str, mode: int, who: str) -> tuple[int, str]:
    """Create a new file next to the target, exclusively (never an existing file or link)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        temp = os.path.join(folder, f".{name[:200]}.{secrets.token_hex(8)}.tmp")
        try:
            return os.open(temp, flags, mode), temp
        except FileExistsError:  # 2**64 names: a clash is a coincidence, so try another
            continue
    raise FileExistsError(f"{who}: could not create a temporary file in {folder}: every name tried exists")


def _fsync_folder(folder: str) -> None:
    """Make the rename itself durable on POSIX; elsewhere (or if the file system cannot), skip it."""
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)
