"""The run store: every run's record in one SQLite file, safe to share.

Runs are keyed by ``RunSpec.key`` (a hash of the resolved config, the data
config and the seed), so a run that two hypotheses share is trained once, and
editing an arm's config gives new keys that never mix with the old runs.

Each finished run is committed on its own, so Ctrl-C, a crash or ``kill -9``
loses at most the run in progress. Several ``hypolab test`` processes may share
one store: a process *claims* a run (an atomic insert into the ``leases`` table
inside a write transaction) before training it, refreshes its leases with a
heartbeat while it trains, and drops them when the record is written. A lease
whose process is gone (same host, dead PID) or whose heartbeat is older than
``lease_seconds`` is stale and may be claimed again.

``--rerun`` never deletes: the new record *supersedes* the old one (the old
row keeps ``current = 0``), so ``history(key)`` shows every training of a run
while ``get(key)`` returns the newest.

Example:

    store = RunStore("reports/runs.sqlite")
    if store.claim(spec.key, owner=owner) is Claim.CLAIMED:
        store.put(train_one(spec, dataset, device="cpu"))
"""

from __future__ import annotations

import enum
import hashlib
import json
import os
import socket
import sqlite3
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from hypolab.errors import StoreError
from hypolab.records import RunResult, RunSpec, RunStatus

#: Where ``hypolab test`` keeps runs unless ``--store`` says otherwise.
DEFAULT_STORE = Path("reports") / "runs.sqlite"

#: Bumped when the tables change in a way older code cannot read.
SCHEMA_VERSION = 2  # 2: registrations (the hypothesis text before training)

#: A lease whose heartbeat is older than this is stale (its owner hung or
#: runs on another host that died).
LEASE_SECONDS = 300.0

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

_JSON_FIELDS = ("config", "data", "history", "metrics", "versions", "notes")
_COLUMNS = (
    "key", "hypothesis", "arm", "seed", "status", "config", "data", "history",
    "metrics", "best_epoch", "epochs_run", "trainable_params", "train_seconds",
    "device", "backend", "versions", "started_at", "finished_at", "error",
    "diverged_epoch", "notes",
)  # fmt: skip


class Claim(str, enum.Enum):
    """What ``RunStore.claim`` found."""

    CLAIMED = "claimed"  # the caller owns the run now and must train it
    DONE = "done"  # a usable record exists; nothing to train
    BUSY = "busy"  # another live process is training it


@dataclass(frozen=True)
class ArmStatus:
    """Runs of one arm of one hypothesis, counted by state (for ``hypolab status``)."""

    hypothesis: str
    arm: str
    planned: int
    finished: int
    diverged: int
    failed: int
    running: int

    @property
    def pending(self) -> int:
        """Planned runs with no record yet and no live lease."""
        return self.planned - self.finished - self.diverged - self.failed - self.running


def new_owner() -> str:
    """A fresh owner id for one ``hypolab test`` invocation's leases."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


class RunStore:
    """The SQLite file of run records, plans and leases.

    Args:
        path: the database file; created with its folder when missing.
        lease_seconds: how old a heartbeat may be before its lease is stale.

    Raises:
        StoreError: the file cannot be created, is not a SQLite database, or
            was written by a newer hypolab.
    """

    def __init__(self, path: str | os.PathLike[str] = DEFAULT_STORE, *, lease_seconds: float = LEASE_SECONDS) -> None:
        self.path = Path(path)
        self.lease_seconds = lease_seconds
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # isolation_level=None: transactions are explicit (BEGIN IMMEDIATE),
            # so a claim's read and write happen under one write lock.
            self._db = sqlite3.connect(self.path, timeout=60.0, isolation_level=None)
            self._db.row_factory = sqlite3.Row
            self._open_retrying_while_locked()
        except sqlite3.DatabaseError as exc:
            raise StoreError(
                f"Cannot open run store {self.path}: {exc}. Expected a hypolab SQLite run store "
                "(or a path where one can be created); pass --store with another file."
            ) from None
        except FileExistsError:  # mkdir met a file where a parent folder should be
            raise StoreError(
                f"Cannot create run store {self.path}: one of its parent paths is a file, not a folder. "
                "Expected a writable path; pass --store with another file."
            ) from None
        except OSError as exc:
            raise StoreError(
                f"Cannot create run store {self.path}: {exc.strerror or exc}. Expected a writable "
                "path; pass --store with another file."
            ) from None

    def _open_retrying_while_locked(self, wait_seconds: float = 60.0) -> None:
        """Switch to WAL and create or migrate the schema.

        Two processes opening a new store at the same moment can see "database
        is locked" from the journal-mode switch, which SQLite does not always
        retry through the busy timeout: retry it here for up to ``wait_seconds``.
        """
        deadline = time.monotonic() + wait_seconds
        while True:
            try:
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("PRAGMA synchronous=NORMAL")
                version = self._db.execute("PRAGMA user_version").fetchone()[0]
                if version > SCHEMA_VERSION:
                    raise StoreError(
                        f"Run store {self.path} has schema version {version}; this hypolab reads "
                        f"version {SCHEMA_VERSION} or older. Upgrade hypolab or pass --store with another file."
                    )
                if version < SCHEMA_VERSION:
                    # Only a new or older file is written to here: opening a current store takes no write lock.
                    self._create_schema()
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def _create_schema(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            # Under the write lock: another process may have created the schema meanwhile.
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            tables = [r[0] for r in self._db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
            if version == 0 and tables:  # someone else's database: leave it as it is
                raise StoreError(
                    f"Run store {self.path} is an SQLite database but not a hypolab run store "
                    f"(it has the tables {', '.join(tables)}). Expected a hypolab run store or "
                    "a new file; pass --store with another file."
                )
            if version < SCHEMA_VERSION:
                # execute(), not executescript(): that would commit the lock away first.
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        self._db.execute(statement)
                self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> RunStore:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: object) -> None:
        self.close()
        if isinstance(exc, sqlite3.DatabaseError):
            # A damaged page surfaces only when a query reaches it, after opening went fine.
            raise StoreError(
                f"Cannot read run store {self.path}: {exc}. Expected an intact hypolab SQLite run "
                "store; restore it from a backup, or pass --store with another file."
            ) from None

    # -- records -------------------------------------------------------------

    def put(self, result: RunResult, *, owner: str | None = None) -> None:
        """Commit one run's record now; it supersedes an older record of the same key.

        Args:
            result: the run's record.
            owner: the lease owner; its lease on the key is dropped in the same
                transaction.
        """
        row = _to_row(result)
        with self._write():
            self._db.execute("UPDATE runs SET current = 0 WHERE key = ? AND current = 1", (result.key,))
            self._db.execute(
                f"INSERT INTO runs ({', '.join(_COLUMNS)}, current, recorded_at) "
                f"VALUES ({', '.join('?' for _ in _COLUMNS)}, 1, ?)",
                (*(row[c] for c in _COLUMNS), time.time()),
            )
            if owner is not None:
                self._db.execute("DELETE FROM leases WHERE key = ? AND owner = ?", (result.key, owner))

    def get(self, key: str) -> RunResult | None:
        """The current record of ``key``, or None."""
        row = self._db.execute("SELECT * FROM runs WHERE key = ? AND current = 1", (key,)).fetchone()
        return None if row is None else _from_row(row)

    def results_for(self, keys: Iterable[str]) -> dict[str, RunResult]:
        """The current records of those ``keys`` that have one, by key."""
        keys = list(dict.fromkeys(keys))
        found: dict[str, RunResult] = {}
        for start in range(0, len(keys), 500):  # SQLite caps bound parameters
            chunk = keys[start : start + 500]
            rows = self._db.execute(
                f"SELECT * FROM runs WHERE current = 1 AND key IN ({', '.join('?' for _ in chunk)})", chunk
            )
            for row in rows:
                found[row["key"]] = _from_row(row)
        return found

    def history(self, key: str) -> list[RunResult]:
        """Every record ever written for ``key``, oldest first (reruns included)."""
        rows = self._db.execute("SELECT * FROM runs WHERE key = ? ORDER BY id", (key,))
        return [_from_row(row) for row in rows]

    def count(self, key: str | None = None) -> int:
        """Records written (current and superseded), for one key or all."""
        if key is None:
            return self._db.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
        return self._db.execute("SELECT COUNT(*) FROM runs WHERE key = ?", (key,)).fetchone()[0]

    # -- leases --------------------------------------------------------------

    def claim(self, key: str, *, owner: str, fresh_since: float | None = None, retry_failed_before: float | None = None) -> Claim:
        """Atomically decide who trains ``key``: the caller, nobody, or someone else.

        Args:
            key: the run's key.
            owner: the caller's owner id (``new_owner()``).
            fresh_since: only records written at or after this ``time.time()``
                count as done (``--rerun``); None accepts any record.
            retry_failed_before: a ``failed`` record written before this time
                does not count as done, so it is trained again; None keeps it.

        Returns:
            ``Claim.DONE``, ``Claim.BUSY`` or ``Claim.CLAIMED`` (the caller now
            holds a lease and must ``put`` the record or ``release`` the lease).
        """
        now = time.time()
        with self._write():
            row = self._db.execute(
                "SELECT status, recorded_at FROM runs WHERE key = ? AND current = 1", (key,)
            ).fetchone()
            if row is not None and _counts_as_done(row, fresh_since, retry_failed_before):
                return Claim.DONE
            lease = self._db.execute("SELECT * FROM leases WHERE key = ?", (key,)).fetchone()
            if lease is not None and lease["owner"] != owner and self._is_live(lease, now):
                return Claim.BUSY
            self._db.execute(
                "INSERT OR REPLACE INTO leases (key, owner, pid, host, claimed_at, heartbeat_at) VALUES (?, ?, ?, ?, ?, ?)",
                (key, owner, os.getpid(), socket.gethostname(), now, now),
            )
            return Claim.CLAIMED

    def heartbeat(self, owner: str) -> None:
        """Mark every lease of ``owner`` as alive now."""
        with self._write():
            self._db.execute("UPDATE leases SET heartbeat_at = ? WHERE owner = ?", (time.time(), owner))

    def release(self, owner: str, keys: Sequence[str] | None = None) -> None:
        """Drop ``owner``'s leases (all, or those of ``keys``) without writing records."""
        with self._write():
            if keys is None:
                self._db.execute("DELETE FROM leases WHERE owner = ?", (owner,))
            else:
                self._db.executemany("DELETE FROM leases WHERE key = ? AND owner = ?", [(k, owner) for k in keys])

    def running_keys(self) -> set[str]:
        """Keys with a live lease (being trained by some process now)."""
        now = time.time()
        return {row["key"] for row in self._db.execute("SELECT * FROM leases") if self._is_live(row, now)}

    def _is_live(self, lease: sqlite3.Row, now: float) -> bool:
        if now - lease["heartbeat_at"] > self.lease_seconds:
            return False
        if lease["host"] == socket.gethostname():
            return _pid_alive(lease["pid"])
        return True

    # -- plans (what ``hypolab status`` counts against) -------------------------

    def register_plan(self, hypothesis: str, path: str, specs: Sequence[RunSpec]) -> None:
        """Record the runs a hypothesis plans now, replacing its earlier plan."""
        with self._write():
            self._db.execute("DELETE FROM plans WHERE hypothesis = ?", (hypothesis,))
            self._db.executemany(
                "INSERT OR IGNORE INTO plans (hypothesis, position, key, arm, seed, path) VALUES (?, ?, ?, ?, ?, ?)",
                [(hypothesis, i, s.key, s.arm, s.seed, path) for i, s in enumerate(specs)],
            )

    def register_source(self, hypothesis: str, source: str) -> None:
        """Record the hypothesis file's text as it reads before training.

        The first time a text is seen keeps its timestamp, so the earliest
        registration is the pre-registered claim, and a later edit is visible.
        """
        digest = hashlib.sha256(source.encode("utf-8")).hexdigest()
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        with self._write():
            self._db.execute(
                "INSERT OR IGNORE INTO registrations (hypothesis, sha256, source, registered_at) VALUES (?, ?, ?, ?)",
                (hypothesis, digest, source, now),
            )

    def first_registration(self, hypothesis: str) -> tuple[str, str] | None:
        """``(source, registered_at)`` of the earliest registered text of a hypothesis, or None."""
        row = self._db.execute(
            "SELECT source, registered_at FROM registrations WHERE hypothesis = ? "
            "ORDER BY registered_at, rowid LIMIT 1",
            (hypothesis,),
        ).fetchone()
        return None if row is None else (row["source"], row["registered_at"])

    def hypotheses(self) -> list[tuple[str, str]]:
        """``(name, path)`` of every hypothesis with a registered plan, by name."""
        rows = self._db.execute("SELECT DISTINCT hypothesis, path FROM plans ORDER BY hypothesis")
        return [(row["hypothesis"], row["path"]) for row in rows]

    def planned(self, hypothesis: str) -> list[tuple[str, str, int]]:
        """``(key, arm, seed)`` of a registered plan, in plan order."""
        rows = self._db.execute(
            "SELECT key, arm, seed FROM plans WHERE hypothesis = ? ORDER BY position", (hypothesis,)
        )
        return [(row["key"], row["arm"], row["seed"]) for row in rows]

    def arm_status(self, hypothesis: str, planned: Sequence[tuple[str, str, int]] | None = None) -> list[ArmStatus]:
        """Count finished, diverged, failed, running and pending runs per arm.

        Args:
            hypothesis: the hypothesis name.
            planned: ``(key, arm, seed)`` of the runs to count; the registered
                plan where None.
        """
        planned = self.planned(hypothesis) if planned is None else list(planned)
        records = self.results_for(key for key, _, _ in planned)
        running = self.running_keys()
        counts: dict[str, dict[str, int]] = {}
        for key, arm, _ in planned:
            arm_counts = counts.setdefault(arm, {"planned": 0, "finished": 0, "diverged": 0, "failed": 0, "running": 0})
            arm_counts["planned"] += 1
            if key in running:
                arm_counts["running"] += 1
            elif key in records:
                arm_counts[records[key].status.value] += 1
        return [ArmStatus(hypothesis=hypothesis, arm=arm, **c) for arm, c in counts.items()]

    # -- helpers -------------------------------------------------------------

    def _write(self) -> _WriteTransaction:
        return _WriteTransaction(self._db, self.path)


class _WriteTransaction:
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


def _counts_as_done(row: sqlite3.Row, fresh_since: float | None, retry_failed_before: float | None) -> bool:
    if fresh_since is not None and row["recorded_at"] < fresh_since:
        return False
    if row["status"] == RunStatus.FAILED.value and retry_failed_before is not None:
        return row["recorded_at"] >= retry_failed_before
    return True


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return _not_zombie(pid)


def _not_zombie(pid: int) -> bool:
    # A killed child that its parent has not reaped yet still answers kill(0).
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def _to_row(result: RunResult) -> dict[str, Any]:
    row: dict[str, Any] = {c: getattr(result, c) for c in _COLUMNS}
    row["status"] = RunStatus(result.status).value
    for name in _JSON_FIELDS:
        value = row[name]
        row[name] = json.dumps(list(value) if name == "notes" else value, sort_keys=True)
    return row


def _from_row(row: sqlite3.Row) -> RunResult:
    values: dict[str, Any] = {c: row[c] for c in _COLUMNS}
    for name in _JSON_FIELDS:
        values[name] = json.loads(values[name])
    values["notes"] = tuple(values["notes"])
    values["status"] = RunStatus(values["status"])
    return RunResult(**values)
