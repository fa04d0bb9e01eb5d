"""Opening a store file: recognise what it is without writing to it, then connect.

``open_store`` first looks at the file through a read-only SQLite connection
(``mode=ro``: nothing is written, the journal mode is not switched): a
hypolab store carries ``schema.APPLICATION_ID`` in its header; a store from
before that marker is recognised by its exact tables and columns; an empty
file (or an empty SQLite database) may become a store. Anything else (some
other program's SQLite file, whatever its ``user_version``) is refused and
left byte for byte as it was. Only a recognised file is then opened for
writing, switched to WAL and, where older, migrated. Read-only opens never
write, never migrate, and read a store on read-only media too.
"""

from __future__ import annotations

import enum
import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from hypolab.errors import StoreError
from hypolab.store import schema
from hypolab.store.faults import store_fault
from hypolab.store.rows import checksum_rows

#: How long opening waits for another process creating or migrating the same store.
_OPEN_WAIT_SECONDS = 60.0


class Found(enum.Enum):
    """What a store path holds."""

    NEW = "new"  # nothing yet (no file, an empty file or an empty SQLite database)
    CURRENT = "current"  # a store of this schema version
    OLDER = "older"  # a hypolab store of an older schema version


@dataclass(frozen=True)
class Opened:
    """An open store connection and what the file was when it was opened."""

    db: sqlite3.Connection
    found: Found
    version: int


def open_store(path: Path, *, read_only: bool) -> Opened:
    """Recognise the store file at ``path`` and open it.

    Args:
        path: the store file.
        read_only: open without ever writing: an older store is read as it
            is (not migrated), a missing or empty one reads as empty.

    Raises:
        StoreError: the file is not a database, is someone else's database,
            was written by a newer hypolab, cannot be created, or (for
            writing) cannot be written.
    """
    found, version = recognise(path)
    if read_only:
        if found is Found.NEW:
            db = sqlite3.connect(":memory:", isolation_level=None)  # reads as an empty store
            db.row_factory = sqlite3.Row
            db.execute("BEGIN")
            schema.migrate(db, checksum_rows)
            db.execute("COMMIT")
            return Opened(db, found, schema.SCHEMA_VERSION)
        return Opened(_connect_read_only(path), found, version)
    return Opened(_connect_for_writing(path, found), found, version)


def recognise(path: Path) -> tuple[Found, int]:
    """What the file at ``path`` is (and its ``user_version``), read without writing.

    Raises:
        StoreError: not a hypolab store (nor a new one), or a newer one.
    """
    try:
        if not path.exists() or (path.is_file() and path.stat().st_size == 0):
            return Found.NEW, 0
        if not path.is_file():
            raise StoreError(f"Cannot open run store {path}: it is not a file. Expected a hypolab SQLite "
                             "run store (or a path where one can be created); pass --store with another file.")  # fmt: skip
        _check_whole(path)
    except OSError as exc:
        raise StoreError(f"Cannot open run store {path}: {exc.strerror or exc}. Expected a readable file; "
                         "pass --store with another file.") from None  # fmt: skip
    db = None
    try:
        db = _connect_read_only(path)
        application_id = db.execute("PRAGMA application_id").fetchone()[0]
        version = db.execute("PRAGMA user_version").fetchone()[0]
        present = schema.tables(db)
        run_columns = schema.columns(db, "runs")
    except sqlite3.DatabaseError as exc:
        if "not a database" not in str(exc):
            raise store_fault(path, exc, writing=False) from None
        raise StoreError(
            f"Cannot open run store {path}: {exc}. Expected a hypolab SQLite run store "
            "(or a path where one can be created); pass --store with another file."
        ) from None
    finally:
        if db is not None:
            db.close()
    if application_id == schema.APPLICATION_ID:
        if version > schema.SCHEMA_VERSION:
            raise StoreError(
                f"Run store {path} has schema version {version}; this hypolab reads "
                f"version {schema.SCHEMA_VERSION} or older. Upgrade hypolab or pass --store with another file."
            )
        return (Found.CURRENT if version == schema.SCHEMA_VERSION else Found.OLDER), version
    if application_id == 0 and not present and version == 0:
        return Found.NEW, 0
    if application_id == 0 and _is_legacy(version, present, run_columns):
        return Found.OLDER, version
    if application_id == 0 and version > schema.SCHEMA_VERSION and "runs" in present:
        raise StoreError(
            f"Run store {path} has schema version {version}; this hypolab reads "
            f"version {schema.SCHEMA_VERSION} or older. Upgrade hypolab or pass --store with another file."
        )
    what = f"it has the tables {', '.join(present)}" if present else "it has no tables"
    if application_id not in (0, schema.APPLICATION_ID):
        what += f" and the application id {application_id:#x}"
    raise StoreError(
        f"Run store {path} is an SQLite database but not a hypolab run store ({what}). "
        "Expected a hypolab run store or a new file; pass --store with another file. "
        "The file was left as it was."
    )


def _check_whole(path: Path) -> None:
    """Refuse a SQLite file cut short: SQLite writes whole pages, and the header says how many.

    A truncated store otherwise opens fine and fails (or, worse, reads
    short) only when a query reaches the missing pages.
    """
    with open(path, "rb") as handle:
        header = handle.read(100)
    if len(header) < 100 or not header.startswith(b"SQLite format 3\0"):
        return  # not SQLite at all: SQLite's own "file is not a database" says so
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    size = path.stat().st_size
    pages = int.from_bytes(header[28:32], "big")
    valid = header[24:28] == header[92:96]  # the page count is current (SQLite's "version-valid-for")
    wal = Path(f"{path}-wal")
    checkpointed = not wal.exists() or wal.stat().st_size == 0
    if size % page_size or (valid and checkpointed and pages * page_size > size):
        raise StoreError(
            f"Cannot read run store {path}: the file is cut short ({size} bytes, not the "
            f"{max(pages * page_size, size + page_size - size % page_size)} its pages need): "
            "database disk image is malformed. Expected an intact hypolab SQLite run store; restore it "
            "from a backup, or pass --store with another file (its records cannot be trusted)."
        )


def _is_legacy(version: int, present: list[str], run_columns: set[str]) -> bool:
    """A store written before the application id: versions 1 and 2, their exact tables and columns."""
    names = set(present)
    return (
        version in (1, 2)
        and schema.LEGACY_REQUIRED_TABLES <= names <= schema.LEGACY_TABLES
        and run_columns == schema.LEGACY_RUN_COLUMNS
        and (version == 1 or "registrations" in names)
    )


def _connect_read_only(path: Path) -> sqlite3.Connection:
    """A connection that cannot write: ``mode=ro``, or ``immutable`` on read-only media.

    A WAL store needs its ``-shm`` file; where its folder is read-only and
    that file is missing, nobody can be writing the store, so it is read as
    immutable.
    """
    uri = path.resolve().as_uri()
    try:
        db = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=_OPEN_WAIT_SECONDS, isolation_level=None)
        db.execute("PRAGMA schema_version").fetchone()
    except sqlite3.OperationalError as exc:
        if os.access(path.parent, os.W_OK) or "unable to open" not in str(exc) and "readonly" not in str(exc):
            raise
        db = sqlite3.connect(f"{uri}?mode=ro&immutable=1", uri=True, isolation_level=None)
    db.row_factory = sqlite3.Row
    return db


def _connect_for_writing(path: Path, found: Found) -> sqlite3.Connection:
    """A read-write connection in WAL mode, the schema created or migrated where needed."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except FileExistsError:  # mkdir met a file where a parent folder should be
        raise StoreError(
            f"Cannot create run store {path}: one of its parent paths is a file, not a folder. "
            "Expected a writable path; pass --store with another file."
        ) from None
    except OSError as exc:
        raise StoreError(
            f"Cannot create run store {path}: {exc.strerror or exc}. Expected a writable "
            "path; pass --store with another file."
        ) from None
    if found is not Found.NEW and not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)):
        raise StoreError(
            f"Run store {path} cannot be written: the file or its folder is read-only. "
            "'hypolab status' and 'hypolab report' can still read it. Make it writable, or "
            "pass --store with another file to train."
        )
    try:
        # isolation_level=None: transactions are explicit (BEGIN IMMEDIATE),
        # so a claim's read and write happen under one write lock.
        db = sqlite3.connect(path, timeout=_OPEN_WAIT_SECONDS, isolation_level=None)
    except sqlite3.Error as exc:
        raise StoreError(
            f"Cannot create run store {path}: {exc}. Expected a writable path; pass --store with another file."
        ) from None
    try:
        db.row_factory = sqlite3.Row
        _set_up(db, path, found)
    except BaseException:
        db.close()
        raise
    return db


def _set_up(db: sqlite3.Connection, path: Path, found: Found) -> None:
    """Switch to WAL and create or migrate the schema, retrying while another process does the same.

    Two processes opening a new store at the same moment can see "database
    is locked" from the journal-mode switch, which SQLite does not always
    retry through the busy timeout: retry it here.
    """
    deadline = time.monotonic() + _OPEN_WAIT_SECONDS
    while True:
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            if found is not Found.CURRENT:
                # Only a new or older file is written to here: opening a current store takes no write lock.
                _migrate_under_lock(db, path)
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc) or time.monotonic() > deadline:
                raise store_fault(path, exc, writing=True) from None
            time.sleep(0.05)
        except sqlite3.DatabaseError as exc:
            raise store_fault(path, exc, writing=True) from None


def _migrate_under_lock(db: sqlite3.Connection, path: Path) -> None:
    db.execute("BEGIN IMMEDIATE")
    try:
        # Under the write lock: another process may have created or migrated the schema meanwhile.
        application_id = db.execute("PRAGMA application_id").fetchone()[0]
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if not (application_id == schema.APPLICATION_ID and version == schema.SCHEMA_VERSION):
            present = schema.tables(db)
            new = application_id == 0 and version == 0 and not present
            ours = application_id == schema.APPLICATION_ID and version < schema.SCHEMA_VERSION
            if not (new or ours or _is_legacy(version, present, schema.columns(db, "runs"))):
                raise StoreError(
                    f"Run store {path} changed while it was opened: it is no longer a hypolab run "
                    "store. Pass --store with another file."
                )
            schema.migrate(db, checksum_rows)
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
