"""The run store's SQLite file: its tables, opening (and migrating) it, write transactions.

``connect`` opens a store file in WAL mode and creates or migrates its tables;
``WriteTransaction`` takes the write lock up front. ``SCHEMA_VERSION`` is
SQLite's ``user_version`` of a current store.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from hypolab.errors import StoreError

#: Bumped when the tables change in a way older code cannot read.
SCHEMA_VERSION = 2  # 2: registrations (the hypothesis text before training)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL,
    current INTEGER NOT NULL DEFAULT 1,
    hypothesis TEXT NOT NULL,
    arm TEXT NOT NULL,
    seed INTEGER NOT NULL,
    status TEXT NOT NULL,
    config TEXT NOT NULL,
    data TEXT NOT NULL,
    history TEXT NOT NULL,
    metrics TEXT NOT NULL,
    best_epoch INTEGER,
    epochs_run INTEGER NOT NULL,
    trainable_params INTEGER NOT NULL,
    train_seconds REAL NOT NULL,
    device TEXT NOT NULL,
    backend TEXT NOT NULL,
    versions TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    error TEXT,
    diverged_epoch INTEGER,
    notes TEXT NOT NULL,
    recorded_at REAL NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS runs_current_key ON runs(key) WHERE current = 1;
CREATE INDEX IF NOT EXISTS runs_key ON runs(key);
CREATE TABLE IF NOT EXISTS plans (
    hypothesis TEXT NOT NULL,
    position INTEGER NOT NULL,
    key TEXT NOT NULL,
    arm TEXT NOT NULL,
    seed INTEGER NOT NULL,
    path TEXT NOT NULL,
    PRIMARY KEY (hypothesis, key)
);
CREATE TABLE IF NOT EXISTS registrations (
    hypothesis TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    source TEXT NOT NULL,
    registered_at TEXT NOT NULL,
    PRIMARY KEY (hypothesis, sha256)
);
CREATE TABLE IF NOT EXISTS leases (
    key TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    pid INTEGER NOT NULL,
    host TEXT NOT NULL,
    claimed_at REAL NOT NULL,
    heartbeat_at REAL NOT NULL
);
"""


def connect(path: Path) -> sqlite3.Connection:
    """Open (creating it with its folder where missing) the store file at ``path``.

    Raises:
        StoreError: the file cannot be created, is not a SQLite database, is
            someone else's database, or was written by a newer hypolab.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: transactions are explicit (BEGIN IMMEDIATE),
        # so a claim's read and write happen under one write lock.
        db = sqlite3.connect(path, timeout=60.0, isolation_level=None)
        try:
            db.row_factory = sqlite3.Row
            _open_retrying_while_locked(db, path)
        except BaseException:
            db.close()
            raise
        return db
    except sqlite3.DatabaseError as exc:
        raise StoreError(
            f"Cannot open run store {path}: {exc}. Expected a hypolab SQLite run store "
            "(or a path where one can be created); pass --store with another file."
        ) from None
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


def _open_retrying_while_locked(db: sqlite3.Connection, path: Path, wait_seconds: float = 60.0) -> None:
    """Switch to WAL and create or migrate the schema.

    Two processes opening a new store at the same moment can see "database
    is locked" from the journal-mode switch, which SQLite does not always
    retry through the busy timeout: retry it here for up to ``wait_seconds``.
    """
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise StoreError(
                    f"Run store {path} has schema version {version}; this hypolab reads "
                    f"version {SCHEMA_VERSION} or older. Upgrade hypolab or pass --store with another file."
                )
            if version < SCHEMA_VERSION:
                # Only a new or older file is written to here: opening a current store takes no write lock.
                _create_schema(db, path)
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _create_schema(db: sqlite3.Connection, path: Path) -> None:
    db.execute("BEGIN IMMEDIATE")
    try:
        # Under the write lock: another process may have created the schema meanwhile.
        version = db.execute("PRAGMA user_version").fetchone()[0]
        tables = [r[0] for r in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        if version == 0 and tables:  # someone else's database: leave it as it is
            raise StoreError(
                f"Run store {path} is an SQLite database but not a hypolab run store "
                f"(it has the tables {', '.join(tables)}). Expected a hypolab run store or "
                "a new file; pass --store with another file."
            )
        if version < SCHEMA_VERSION:
            # execute(), not executescript(): that would commit the lock away first.
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    db.execute(statement)
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


class WriteTransaction:
    """``BEGIN IMMEDIATE`` ... ``COMMIT``: takes the write lock up front, so a
    read-then-write (a claim) cannot interleave with another process's."""

    def __init__(self, db: sqlite3.Connection, path: Path) -> None:
        self._db = db
        self._path = path

    def __enter__(self) -> None:
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise StoreError(
                f"Run store {self._path} stayed locked: {exc}. Another process holds it; "
                "retry, or pass --store with another file."
            ) from None

    def __exit__(self, exc_type: type[BaseException] | None, *rest: object) -> None:
        self._db.execute("ROLLBACK" if exc_type is not None else "COMMIT")

