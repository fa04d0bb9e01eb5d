"""Every file hypolab writes: created fresh, renamed into place, never through a symlink.

A checkout can carry symlinks (``reports/<name>/.index.html.partial ->
~/.ssh/authorized_keys``), and two processes can render one report at once. So
no output is ever opened by its final name or by a predictable temporary one:

- the text goes to a temporary file with a unique name, created exclusively
  (``O_CREAT | O_EXCL | O_NOFOLLOW``) in the target's own folder;
- it is flushed to disk, then renamed over the target in one atomic step
  (``os.replace``), which replaces a symlink at the target rather than
  following it; readers see the old file or the new one, never a mix;
- with ``root``, the target's folder must resolve inside ``root``, so a
  report folder that is a symlink to somewhere else is refused, and so is a
  target that is a symlink pointing outside ``root``.

Example:

    write_text(Path("reports/batchsize/index.html"), html, root=Path("reports"))
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path

from hypolab.errors import OutputError

#: How to get out of a write error, said the same way everywhere.
_FIX = "choose another with --out (hypolab report) or --reports (hypolab test, tune)"

#: Permission bits of a new file before the umask (what ``open(..., "w")`` gives).
_FILE_MODE = 0o666


def write_text(path: str | os.PathLike[str], text: str, *, root: str | os.PathLike[str] | None = None) -> Path:
    """Write ``text`` (UTF-8) to ``path`` whole, atomically, never through a symlink.

    Args:
        path: the file to write; its folder is created where missing.
        text: the whole content.
        root: where given, the folder ``path`` must stay inside once symlinks
            are resolved (e.g. the reports root for a report file).

    Returns:
        ``path`` as a ``Path``.

    Raises:
        OutputError: the folder resolves outside ``root``, the target is a
            symlink pointing outside ``root`` or a folder, or the file cannot
            be written (the message says why; nothing is left half-written).
    """
    return write_bytes(path, text.encode("utf-8"), root=root)


def write_bytes(path: str | os.PathLike[str], data: bytes, *, root: str | os.PathLike[str] | None = None) -> Path:
    """``write_text`` for bytes."""
    return write_set({path: data}, root=root)[0]


def write_set(
    files: Mapping[str | os.PathLike[str], str | bytes], *, root: str | os.PathLike[str] | None = None
) -> list[Path]:
    """Write several files as one set: all of them replaced, or none.

    Every file's temporary is written and flushed first; only when all of
    them are on disk are they renamed over their targets (in the order
    given). A full disk, a quota or any other write error therefore leaves
    every target as it was and no temporary behind. Renames need no space,
    so they do not fail that way; should one fail all the same, the error
    says which files were replaced and which were not.

    Args:
        files: target path -> its whole content (``str`` is written as UTF-8).
        root: as for ``write_text``, for every target.

    Returns:
        The targets, as ``Path``s, in the order given.

    Raises:
        OutputError: as ``write_text``; for more than one file the message
            says what was left.
    """
    targets = [(Path(path), data.encode("utf-8") if isinstance(data, str) else data) for path, data in files.items()]
    for target, _ in targets:
        make_folder(target.parent, root=root, for_file=target)
        check_target(target, root=root)
    written: list[tuple[Path, str]] = []
    try:
        for target, data in targets:
            written.append((target, _temporary(target, data)))
    except OutputError as exc:
        _discard(temporary for _, temporary in written)
        raise OutputError(str(exc) + _nothing_replaced(targets)) from None
    for index, (target, temporary) in enumerate(written):
        try:
            os.replace(temporary, target)
        except OSError as exc:
            _discard(left for _, left in written[index:])
            done = [path.name for path, _ in written[:index]]
            kept = [path.name for path, _ in written[index:]]
            left = f" Replaced {', '.join(done)}; {', '.join(kept)} kept as they were." if done else ""
            raise OutputError(_cannot(target, exc) + (left or _nothing_replaced(targets))) from None
    _sync_folders({target.parent for target, _ in targets})
    return [target for target, _ in targets]


def _temporary(target: Path, data: bytes) -> str:
    """``data`` in a fresh, flushed temporary beside ``target``; its path. Nothing left on error."""
    try:
        descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".partial")
    except OSError as exc:
        raise OutputError(_cannot(target, exc)) from None
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, _FILE_MODE & ~_umask())
    except OSError as exc:
        _discard([temporary])
        raise OutputError(_cannot(target, exc)) from None
    return temporary


def _discard(temporaries: Iterable[str]) -> None:
    for temporary in temporaries:
        with contextlib.suppress(OSError):
            os.unlink(temporary)


def _nothing_replaced(targets: list[tuple[Path, bytes]]) -> str:
    if len(targets) < 2:
        return ""
    return f" Nothing was replaced: {', '.join(path.name for path, _ in targets)} are as they were."


def _sync_folders(folders: Iterable[Path]) -> None:
    # The renames themselves reach the disk with their folder's entry; best effort.
    for folder in folders:
        with contextlib.suppress(OSError):
            descriptor = os.open(folder, os.O_RDONLY)
            try:
                os.fsync(descriptor)
            finally:
                os.close(descriptor)


def append_line(path: str | os.PathLike[str], line: str) -> None:
    """Append one line to a log file, never through a symlink.

    One ``write`` of a short line with ``O_APPEND`` is atomic, so several
    processes can share the log.

    Raises:
        OutputError: the file is a symlink or cannot be written.
    """
    target = Path(path)
    make_folder(target.parent, for_file=target)
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
    try:
        descriptor = os.open(target, flags, _FILE_MODE)
    except OSError as exc:
        raise OutputError(_cannot(target, exc)) from None
    try:
        os.write(descriptor, (line.rstrip("\n") + "\n").encode("utf-8"))
    except OSError as exc:
        raise OutputError(_cannot(target, exc)) from None
    finally:
        os.close(descriptor)


def make_folder(
    folder: str | os.PathLike[str],
    *,
    root: str | os.PathLike[str] | None = None,
    for_file: str | os.PathLike[str] | None = None,
) -> Path:
    """Create ``folder`` (and its parents) unless it exists; with ``root``, refuse one outside it.

    Args:
        folder: the folder.
        root: where given, the folder must resolve inside it.
        for_file: the file that will be written there, named in errors.

    Raises:
        OutputError: a parent path is a file, the folder cannot be created, or
            it resolves outside ``root`` (a symlink to somewhere else).
    """
    folder = Path(folder)
    if root is not None:
        check_inside(folder, root)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        blocker = next((p for p in (folder, *folder.parents) if p.exists() and not p.is_dir()), folder)
        raise OutputError(
            f"Cannot write {Path(for_file or folder)}: {blocker} is a file, not a folder. "
            f"Expected a folder you can write to; {_FIX}."
        ) from None
    except OSError as exc:
        raise OutputError(_cannot(Path(for_file or folder), exc)) from None
    if root is not None:
        check_inside(folder, root)  # again: the folder may have appeared as a symlink meanwhile
    return folder


def check_inside(path: str | os.PathLike[str], root: str | os.PathLike[str]) -> None:
    """Raise ``OutputError`` where ``path`` resolves (symlinks followed) outside ``root``."""
    resolved_root = Path(os.path.realpath(root))
    resolved = Path(os.path.realpath(path))
    if resolved != resolved_root and resolved_root not in resolved.parents:
        raise OutputError(
            f"Refusing to write {path}: it resolves to {resolved}, outside {root} "
            f"({resolved_root}); a symlink points elsewhere. Expected a real folder or file inside {root}: "
            f"remove the symlink, or {_FIX}."
        )


def check_target(target: Path, *, root: str | os.PathLike[str] | None = None) -> None:
    """Refuse a target that is a folder, or a symlink pointing outside ``root``.

    A symlink inside ``root`` is fine: the rename replaces the link itself.
    """
    if target.is_symlink():
        if root is not None:
            check_inside(target, root)
        return
    if target.is_dir():
        raise OutputError(f"Cannot write {target}: it is a folder. Expected a file path; remove or rename the folder.")


def _cannot(path: Path, exc: OSError) -> str:
    return f"Cannot write {path}: {exc.strerror or exc}. Expected a folder you can write to with free space; {_FIX}."


def _umask() -> int:
    # Read, not set-and-restore: os.umask(0) would briefly change it for every thread.
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    return 0o022
