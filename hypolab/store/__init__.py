"""The run store: every run's record in one SQLite file, safe to share.

Runs are keyed by ``RunSpec.key`` (a hash of the resolved config, the data's
content and split settings, the training engine and the seed), so a run that
two hypotheses share is trained once, and editing an arm's config or its data
gives new keys that never mix with the old runs.

Each finished run is committed on its own, so Ctrl-C, a crash, ``kill -9``
or a full disk loses at most the run in progress. Several ``hypolab test``
processes may share one store: a process *claims* a run (an atomic insert
into the ``leases`` table inside a write transaction) before training it,
refreshes its leases with a heartbeat while it trains, and drops them when
the record is written. A lease whose process is gone (same host, dead PID or
a PID reused by another process) or whose heartbeat is older than
``lease_seconds`` is stale and may be claimed again.

``--rerun`` never deletes: the new record *supersedes* the old one (the old
row keeps ``current = 0``), so ``history(key)`` shows every training of a run
while ``get(key)`` returns the newest.

A file is a store by its own marker (``schema.APPLICATION_ID``), checked
before anything is written (``opening``); ``RunStore(path, read_only=True)``
(what ``status``, ``report`` and ``plan --store`` use) never writes or
migrates. Every SQLite fault is a ``StoreError`` saying what to do (``faults``).

Example:

    store = RunStore("reports/runs.sqlite")
    if store.claim(spec.key, owner=owner) is Claim.CLAIMED:
        store.put(result_of_training, owner=owner)

The driver (``hypolab.pipeline``) is the only writer of records; executors
never open the store. The package: ``schema`` (the tables and their
migration), ``opening`` (recognising and opening a file), ``faults``,
``rows`` (a record as a row), ``leases`` (owners, claims, stale leases),
``plans`` (registered plans and texts), ``looks`` (the looks of sequential
tests) and, here, ``RunStore``.
"""

from __future__ import annotations

import functools
import os
import socket
import sqlite3
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from hypolab.errors import StoreError
from hypolab.records import BaselineRef, Look, PlanIdentity, Registration, RunResult, RunSpec
from hypolab.records.runs import DEFAULT_STORE
from hypolab.store import looks as look_rows
from hypolab.store import plans
from hypolab.store.faults import damaged_record, store_fault
from hypolab.store.leases import (
    LEASE_SECONDS,
    Claim,
    counts_as_done,
    is_live,
    new_owner,
    process_started,
)
from hypolab.store.opening import open_store
from hypolab.store.plans import ArmStatus, check_storable
from hypolab.store.rows import COLUMNS, DamagedRecord, from_row, to_row
from hypolab.store.schema import SCHEMA_VERSION, WriteTransaction

__all__ = ["DEFAULT_STORE", "LEASE_SECONDS", "SCHEMA_VERSION", "ArmStatus", "Claim", "RunStore", "models_dir", "new_owner"]


def models_dir(store: str | os.PathLike[str]) -> Path:
    """Where ``--save-models`` writes the runs' models beside the store file: ``runs.sqlite`` -> ``runs.models/``.

    Each run's model is ``<key>.keras`` there, so a run's model is found from its key alone.
    """
    path = Path(store)
    return path.with_name(f"{path.stem}.models")

_T = TypeVar("_T")


def _guarded(method: Callable[..., _T]) -> Callable[..., _T]:
    """Turn any SQLite error (or a damaged record) met by ``method`` into a ``StoreError``."""

    @functools.wraps(method)
    def guarded(self: RunStore, *args: Any, **kwargs: Any) -> _T:
        try:
            return method(self, *args, **kwargs)
        except sqlite3.Error as exc:
            raise store_fault(self.path, exc, writing=not self.read_only) from None
        except OverflowError as exc:  # a Python int SQLite's 64-bit integers cannot hold
            raise StoreError(f"Run store {self.path}: {exc}. {plans.SEED_ADVICE}") from None

    return guarded


class RunStore:
    """The SQLite file of run records, plans and leases.

    Args:
        path: the database file; created with its folder when missing (not when ``read_only``).
        lease_seconds: how old a heartbeat may be before its lease is stale.
        read_only: never write: an older store is read as it is (not migrated),
            a missing one reads as empty, and one on read-only media can be read.

    Raises:
        StoreError: the file cannot be created, is not a SQLite database, is
            another program's database, was written by a newer hypolab, or
            (not ``read_only``) cannot be written.
    """

    def __init__(self, path: str | os.PathLike[str] = DEFAULT_STORE, *, lease_seconds: float = LEASE_SECONDS,
                 read_only: bool = False) -> None:  # fmt: skip
        self.path = Path(path)
        self.lease_seconds = lease_seconds
        self.read_only = read_only
        self._db = open_store(self.path, read_only=read_only).db

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> RunStore:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: object) -> None:
        self.close()
        if isinstance(exc, sqlite3.DatabaseError):
            # A damaged page surfaces only when a query reaches it, after opening went fine.
            raise store_fault(self.path, exc, writing=False) from None

    # -- records -------------------------------------------------------------

    @_guarded
    def put(self, result: RunResult, *, owner: str | None = None) -> None:
        """Commit one run's record now; it supersedes an older record of the same key.

        Args:
            result: the run's record.
            owner: the lease owner; its lease on the key is dropped in the same
                transaction.

        Raises:
            StoreError: the record cannot be written (full disk, read-only
                file, a seed SQLite cannot hold); nothing stored before is touched.
        """
        check_storable(self.path, [result.seed])
        row = to_row(result)
        names = (*COLUMNS, "checksum")
        with self._write():
            self._db.execute("UPDATE runs SET current = 0 WHERE key = ? AND current = 1", (result.key,))
            self._db.execute(
                f"INSERT INTO runs ({', '.join(names)}, current, recorded_at) "
                f"VALUES ({', '.join('?' for _ in names)}, 1, ?)",
                (*(row[c] for c in names), time.time()),
            )
            if owner is not None:
                self._db.execute("DELETE FROM leases WHERE key = ? AND owner = ?", (result.key, owner))

    @_guarded
    def get(self, key: str) -> RunResult | None:
        """The current record of ``key``, or None."""
        row = self._db.execute("SELECT * FROM runs WHERE key = ? AND current = 1", (key,)).fetchone()
        return None if row is None else self._record(row)

    @_guarded
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
                found[row["key"]] = self._record(row)
        return found

    @_guarded
    def history(self, key: str) -> list[RunResult]:
        """Every record ever written for ``key``, oldest first (reruns included)."""
        rows = self._db.execute("SELECT * FROM runs WHERE key = ? ORDER BY id", (key,))
        return [self._record(row) for row in rows]

    @_guarded
    def all_records(self) -> list[RunResult]:
        """Every record in the store (current and superseded), oldest first; checks each one."""
        return [self._record(row) for row in self._db.execute("SELECT * FROM runs ORDER BY id")]

    @_guarded
    def count(self, key: str | None = None) -> int:
        """Records written (current and superseded), for one key or all."""
        if key is None:
            return self._db.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
        return self._db.execute("SELECT COUNT(*) FROM runs WHERE key = ?", (key,)).fetchone()[0]

    def _record(self, row: sqlite3.Row) -> RunResult:
        try:
            return from_row(row)
        except DamagedRecord as exc:
            raise damaged_record(self.path, row["key"], str(exc)) from None

    # -- leases --------------------------------------------------------------

    @_guarded
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
                "INSERT OR REPLACE INTO leases (key, owner, pid, host, claimed_at, heartbeat_at, started) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (key, owner, os.getpid(), socket.gethostname(), now, now, process_started(os.getpid()) or ""),
            )
            return Claim.CLAIMED

    @_guarded
    def heartbeat(self, owner: str) -> None:
        """Mark every lease of ``owner`` as alive now."""
        with self._write():
            self._db.execute("UPDATE leases SET heartbeat_at = ? WHERE owner = ?", (time.time(), owner))

    @_guarded
    def release(self, owner: str, keys: Sequence[str] | None = None) -> None:
        """Drop ``owner``'s leases (all, or those of ``keys``) without writing records."""
        with self._write():
            if keys is None:
                self._db.execute("DELETE FROM leases WHERE owner = ?", (owner,))
            else:
                self._db.executemany("DELETE FROM leases WHERE key = ? AND owner = ?", [(k, owner) for k in keys])

    @_guarded
    def running_keys(self) -> set[str]:
        """Keys with a live lease (being trained by some process now)."""
        now = time.time()
        return {row["key"] for row in self._db.execute("SELECT * FROM leases") if self._is_live(row, now)}

    def _is_live(self, lease: sqlite3.Row, now: float) -> bool:
        return is_live(lease, now, self.lease_seconds)

    # -- plans and registrations (what ``status`` counts and ``report`` checks) --

    @_guarded
    def register_plan(self, hypothesis: str, path: str, specs: Sequence[RunSpec],
                      identity: PlanIdentity | None = None) -> None:  # fmt: skip
        """Record the runs a hypothesis plans now (and what they rest on), replacing its earlier plan."""
        check_storable(self.path, [spec.seed for spec in specs])
        with self._write():
            plans.register_plan(self._db, hypothesis, path, specs, identity)

    @_guarded
    def register_source(self, hypothesis: str, source: str, baseline: BaselineRef | None = None) -> None:
        """Record the hypothesis file's text (and the baseline it builds on) as it reads before training.

        The first time a text is seen keeps its timestamp and baseline, so the
        earliest registration is the pre-registered claim, and a later edit
        (of the text or of its baseline) is visible.
        """
        with self._write():
            plans.register_source(self._db, hypothesis, source, baseline)

    @_guarded
    def registration(self, hypothesis: str) -> Registration | None:
        """The earliest registered text of a hypothesis, or None."""
        return plans.first_registration(self._db, hypothesis)

    def first_registration(self, hypothesis: str) -> tuple[str, str] | None:
        """``(source, registered_at)`` of the earliest registered text of a hypothesis, or None."""
        found = self.registration(hypothesis)
        return None if found is None else (found.source, found.registered_at)

    @_guarded
    def hypotheses_on_baseline(self, sha256: str) -> list[str]:
        """Hypotheses whose first registration built on the baseline with this content hash, by name."""
        return plans.hypotheses_on_baseline(self._db, sha256)

    @_guarded
    def plan_identity(self, hypothesis: str) -> PlanIdentity | None:
        """What the hypothesis's registered plan rested on; None for a plan from before schema 3."""
        return plans.plan_identity(self._db, hypothesis)

    @_guarded
    def hypotheses(self) -> list[tuple[str, str]]:
        """``(name, path)`` of every hypothesis with a registered plan, by name."""
        rows = self._db.execute("SELECT DISTINCT hypothesis, path FROM plans ORDER BY hypothesis")
        return [(row["hypothesis"], row["path"]) for row in rows]

    @_guarded
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
        return plans.count_by_arm(hypothesis, planned, records, self.running_keys())

    # -- looks of sequential tests ---------------------------------------------

    @_guarded
    def record_looks(self, hypothesis: str, design: str, looks: Sequence[Look]) -> None:
        """Record what looks decided; a look already recorded keeps its first record (the truth)."""
        with self._write():
            look_rows.record_looks(self._db, hypothesis, design, looks)

    @_guarded
    def looks(self, hypothesis: str, design: str) -> list[Look]:
        """The recorded looks of ``hypothesis``'s sequential design ``design``, in look order."""
        return look_rows.recorded_looks(self._db, str(self.path), hypothesis, design)

    # -- helpers -------------------------------------------------------------

    def _write(self) -> WriteTransaction:
        if self.read_only:
            raise StoreError(f"Run store {self.path} was opened read-only; open it without read_only=True to write.")
        return WriteTransaction(self._db, self.path)
