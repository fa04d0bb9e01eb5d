"""The run store's tables: the current schema, the older layouts it migrates, write transactions.

A current store is a SQLite file whose ``PRAGMA application_id`` is
``APPLICATION_ID`` (hypolab's own marker, in the file header) and whose
``user_version`` is ``SCHEMA_VERSION``. Stores written before the marker
existed (versions 1 and 2) are recognised by their exact tables and columns
(``LEGACY_RUN_COLUMNS``) and migrated by ``migrate`` when opened for writing;
``hypolab.store.opening`` decides which a file is before anything is written.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from hypolab.store.faults import store_fault

#: Bumped when the tables change in a way older code cannot read.
#: 2: registrations (the hypothesis text before training).
#: 3: the application_id marker; per-run engine, timing and checksum; the identity
#:    of each plan (data fingerprint, baseline); the baseline of each registration;
#:    the process start time of each lease.
#: 4: the looks of sequential tests (``looks``).
SCHEMA_VERSION = 4

#: ``PRAGMA application_id`` of a hypolab run store: "HYLB" (bytes 68-71 of the file header).
APPLICATION_ID = 0x48594C42

#: Columns of the ``runs`` table of a version 1 or 2 store, exactly.
LEGACY_RUN_COLUMNS = frozenset({
    "id", "key", "current", "hypothesis", "arm", "seed", "status", "config", "data", "history",
    "metrics", "best_epoch", "epochs_run", "trainable_params", "train_seconds", "device", "backend",
    "versions", "started_at", "finished_at", "error", "diverged_epoch", "notes", "recorded_at",
})  # fmt: skip
#: Tables a version 1 (no registrations) or 2 store may hold.
LEGACY_TABLES = frozenset({"runs", "plans", "leases", "registrations", "sqlite_sequence"})
LEGACY_REQUIRED_TABLES = frozenset({"runs", "plans", "leases"})

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
CREATE TABLE IF NOT EXISTS plan_identity (
    hypothesis TEXT PRIMARY KEY,
    path TEXT NOT NULL,
    data TEXT NOT NULL,
    baseline_path TEXT,
    baseline_sha256 TEXT,
    source_sha256 TEXT NOT NULL,
    planned_at TEXT NOT NULL
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
CREATE TABLE IF NOT EXISTS looks (
    hypothesis TEXT NOT NULL,
    design TEXT NOT NULL,
    look INTEGER NOT NULL,
    treatment TEXT NOT NULL,
    record TEXT NOT NULL,
    recorded_at REAL NOT NULL,
    PRIMARY KEY (hypothesis, design, look, treatment)
)
"""

#: Columns added by version 3 to tables older stores already have: ``ALTER TABLE`` keeps their rows.
_ADDED_COLUMNS = {
    "runs": (
        ("engine", "TEXT NOT NULL DEFAULT ''"),  # '': written before hypolab recorded it
        ("timing", "TEXT NOT NULL DEFAULT 'unknown'"),
        ("checksum", "TEXT NOT NULL DEFAULT ''"),
    ),
    "registrations": (("baseline_path", "TEXT"), ("baseline_sha256", "TEXT")),
    "leases": (("started", "TEXT NOT NULL DEFAULT ''"),),
}


def columns(db: sqlite3.Connection, table: str) -> set[str]:
    """The column names of ``table`` (empty where it does not exist)."""
    return {row[1] for row in db.execute(f"PRAGMA table_info({table})")}


def tables(db: sqlite3.Connection) -> list[str]:
    return [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]


def migrate(db: sqlite3.Connection, checksum_rows) -> None:
    """Create the current tables (a new store) or bring an older hypolab store's up to date.

    Runs inside the caller's write transaction. Rows are kept; a version 3
    store gains the (empty) ``looks`` table; records of a version 1 or 2 store get ``engine`` '' and ``timing`` 'unknown' (their
    training path and timing were not recorded) and a checksum of their
    content as it reads now (``checksum_rows(db)``).
    """
    # execute(), not executescript(): that would commit the caller's lock away first.
    for statement in _SCHEMA.split(";"):
        if statement.strip():
            db.execute(statement)
    for table, added in _ADDED_COLUMNS.items():
        present = columns(db, table)
        for name, definition in added:
            if name not in present:
                db.execute(f"ALTER TABLE {table} ADD COLUMN {name} {definition}")
    checksum_rows(db)
    db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


class WriteTransaction:
    """``BEGIN IMMEDIATE`` ... ``COMMIT``: takes the write lock up front, so a
    read-then-write (a claim) cannot interleave with another process's.

    A write that fails (a full disk, a read-only file, a damaged page) rolls
    back whole and is raised as a ``StoreError`` that says what happened.
    """

    def __init__(self, db: sqlite3.Connection, path: Path) -> None:
        self._db = db
        self._path = path

    def __enter__(self) -> None:
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise store_fault(self._path, exc, writing=True) from None

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: object) -> None:
        if exc_type is None:
            try:
                self._db.execute("COMMIT")
                return
            except sqlite3.Error as commit_error:
                exc = commit_error
        try:
            self._db.execute("ROLLBACK")
        except sqlite3.Error:
            pass  # SQLite already rolled back (a full disk or I/O error does)
        if isinstance(exc, sqlite3.Error):
            raise store_fault(self._path, exc, writing=True) from None
