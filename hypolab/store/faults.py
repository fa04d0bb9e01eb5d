"""What went wrong with a store file, in words: SQLite's errors as ``StoreError``s that say what to do.

Every SQLite error a store meets (opening, reading, writing) goes through
``store_fault``, so ``hypolab test``, ``status``, ``report`` and ``plan
--store`` all end with the same clean ``Error:`` line, never a traceback.
Records committed before a fault are never touched by it: each run is its own
transaction, and a failed write rolls back whole.
"""

from __future__ import annotations

import os

from hypolab.errors import StoreError

#: What a user can always do with a store that cannot be used.
_ELSEWHERE = "pass --store with another file"


def store_fault(path: os.PathLike[str] | str, exc: BaseException, *, writing: bool) -> StoreError:
    """The ``StoreError`` for SQLite's ``exc`` on the store at ``path``.

    Args:
        path: the store file.
        exc: what SQLite (or the json of a record) raised.
        writing: whether a write was under way (a read-only file matters then only).
    """
    name = getattr(exc, "sqlite_errorname", "") or ""
    text = str(exc)
    if name.startswith("SQLITE_FULL") or "disk is full" in text:
        return StoreError(
            f"Run store {path}: the disk is full ({text}), so the last record could not be written. "
            "Every run recorded before it is kept. Free some space, or pass --store with a file on "
            "another disk, then run the same command again: it trains only what is missing."
        )
    if name.startswith("SQLITE_READONLY") or "readonly database" in text or "read-only" in text:
        return StoreError(
            f"Run store {path} cannot be written: the file or its folder is read-only ({text}). "
            "'hypolab status' and 'hypolab report' can still read it. Make it writable, or "
            f"{_ELSEWHERE} to train."
        )
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "locked" in text or "busy" in text:
        return StoreError(
            f"Run store {path} stayed locked: {text}. Another process holds it; retry, or {_ELSEWHERE}."
        )
    if name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")) or "malformed" in text:
        return StoreError(
            f"Cannot read run store {path}: {text}. Expected an intact hypolab SQLite run store; "
            f"restore it from a backup, or {_ELSEWHERE} (its records cannot be trusted)."
        )
    if name.startswith("SQLITE_IOERR") or "I/O error" in text:
        action = "writing" if writing else "reading"
        return StoreError(
            f"Run store {path}: a disk I/O error while {action} it ({text}). Records committed "
            f"before are kept. Check the disk (is it full, removed, read-only?), or {_ELSEWHERE}."
        )
    return StoreError(f"Run store {path}: {type(exc).__name__}: {text}. Expected a usable hypolab run "
                      f"store; {_ELSEWHERE}.")  # fmt: skip


def damaged_record(path: os.PathLike[str] | str, key: str, why: str) -> StoreError:
    """The error for a record whose content no longer reads as it was written."""
    return StoreError(
        f"Cannot read run store {path}: the record of run {key} is damaged ({why}). "
        "Expected an intact hypolab SQLite run store; restore it from a backup, or "
        f"{_ELSEWHERE} (its records cannot be trusted)."
    )

