"""Every file hypolab reads that a user names: a regular file, read whole only under a size cap.

A path on the command line or in a hypothesis file can name anything: a
folder, a named pipe that blocks the first read until someone writes to it,
``/dev/zero`` that never ends, or a 50 MB file that would take minutes and
gigabytes to parse. So a file is opened without blocking, checked to be a
regular file of at most ``limit`` bytes (from ``fstat``, before a byte is
read), and then read with at most ``limit + 1`` bytes asked for, in case it
grew meanwhile. The counterpart of ``hypolab.outputs``.

Example:

    data = read_bytes("hypotheses/x.yaml", limit=256 * 1024, what="hypothesis file")
"""

from __future__ import annotations

import os
import stat


class Unreadable(Exception):
    """A file that cannot be read as asked; ``reason`` completes a sentence naming it.

    The readers (hypothesis files, search files, CSVs) turn it into their own
    ``HypolabError`` with the file's name in front: ``x.yaml: <reason>``.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def kind_of_path(path: str | os.PathLike[str]) -> str | None:
    """What ``path`` is where it is not a regular file: ``a folder``, ``a named pipe (FIFO)``...

    Returns None for a regular file, and for a path that does not exist.
    Symlinks are followed: a link to a file is a file.
    """
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return None
    return _kind(mode)


def read_bytes(path: str | os.PathLike[str], *, limit: int, what: str) -> bytes:
    """The bytes of the regular file ``path``, refusing anything else or anything over ``limit``.

    Args:
        path: the file.
        limit: the most bytes it may hold.
        what: what the file should be, for messages (``hypothesis file``).

    Raises:
        Unreadable: the file is missing, is not a regular file, is larger than
            ``limit``, or cannot be read; ``reason`` says which, and what to do.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        descriptor = os.open(path, flags)
    except FileNotFoundError:
        raise Unreadable(
            f"{what} not found. Check the path (relative paths start at the working directory)."
        ) from None
    except IsADirectoryError:
        raise Unreadable(f"is a folder, not a {what}. Give the path of a file.") from None
    except OSError as exc:
        kind = kind_of_path(path)
        if kind is not None:
            raise Unreadable(_not_regular(kind, what)) from None
        raise Unreadable(f"cannot be read: {exc.strerror or exc}. Check the path and its permissions.") from None
    with os.fdopen(descriptor, "rb") as handle:
        info = os.fstat(handle.fileno())
        kind = _kind(info.st_mode)
        if kind is not None:
            raise Unreadable(_not_regular(kind, what))
        if info.st_size > limit:
            raise Unreadable(_too_large(info.st_size, limit, what))
        # Regular files ignore O_NONBLOCK; read as usual.
        try:
            data = handle.read(limit + 1)
        except OSError as exc:
            raise Unreadable(f"cannot be read: {exc.strerror or exc}. Check the file.") from None
    if len(data) > limit:  # it grew after fstat
        raise Unreadable(_too_large(len(data), limit, what, at_least=True))
    return data


def size_text(size: int) -> str:
    """``50.0 MB``, ``256 KiB``-style sizes for messages (bytes, then KiB, then MB)."""
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KiB"
    return f"{size / 1_000_000:.1f} MB"


def _too_large(size: int, limit: int, what: str, *, at_least: bool = False) -> str:
    held = f"at least {size_text(size)}" if at_least else f"{size_text(size)} ({size:,} bytes)"
    return (
        f"is {held}, more than the {size_text(limit)} ({limit:,} bytes) a {what} may hold; it was not "
        f"read. Expected a {what} of a few kilobytes: check that this is the right file."
    )


def _not_regular(kind: str, what: str) -> str:
    return f"is {kind}, not a regular file. Expected a {what}: give the path of a file."


def _kind(mode: int) -> str | None:
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "something other than a file"


def as_text(data: bytes) -> str:
    """UTF-8 ``data`` with line endings made ``\\n``, as ``Path.read_text`` gives it.

    Raises:
        UnicodeDecodeError: the bytes are not UTF-8.
    """
    return data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")

