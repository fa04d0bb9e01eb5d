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
        store.put(result_of_training, owner=owner)

The driver (``hypolab.pipeline``) is the only writer of records; executors
never open the store. The package: ``schema`` (the tables, opening and
migrating the file), ``rows`` (a record as a row), ``leases`` (owners, claims,
stale leases) and, here, ``RunStore``.
"""

from __future__ import annotations

import hashlib
import os
import socket
import sqlite3
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from hypolab.errors import StoreError
from hypolab.records import RunResult, RunSpec
from hypolab.records.runs import DEFAULT_STORE
from hypolab.store.leases import (
    LEASE_SECONDS,
    Claim,
    counts_as_done,
    is_live,
    new_owner,
)
from hypolab.store.rows import COLUMNS, from_row, to_row
from hypolab.store.schema import SCHEMA_VERSION, WriteTransaction, connect

__all__ = ["DEFAULT_STORE", "LEASE_SECONDS", "SCHEMA_VERSION", "ArmStatus", "Claim", "RunStore", "new_owner"]


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
        self._db = connect(self.path)

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
        row = to_row(result)
        with self._write():
            self._db.execute("UPDATE runs SET current = 0 WHERE key = ? AND current = 1", (result.key,))
            self._db.execute(
                f"INSERT INTO runs ({', '.join(COLUMNS)}, current, recorded_at) "
                f"VALUES ({', '.join('?' for _ in COLUMNS)}, 1, ?)",
                (*(row[c] for c in COLUMNS), time.time()),
            )
            if owner is not None:
                self._db.execute("DELETE FROM leases WHERE key = ? AND owner = ?", (result.key, owner))

    def get(self, key: str) -> RunResult | None:
        """The current record of ``key``, or None."""
        row = self._db.execute("SELECT * FROM runs WHERE key = ? AND current = 1", (key,)).fetchone()
        return None if row is None else from_row(row)

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
                found[row["key"]] = from_row(row)
        return found

    def history(self, key: str) -> list[RunResult]:
        """Every record ever written for ``key``, oldest first (reruns included)."""
        rows = self._db.execute("SELECT * FROM runs WHERE key = ? ORDER BY id", (key,))
        return [from_row(row) for row in rows]

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
            if row is not None and counts_as_done(row, fresh_since, retry_failed_before):
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
        return is_live(lease, now, self.lease_seconds)

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

    def _write(self) -> WriteTransaction:
        return WriteTransaction(self._db, self.path)
