"""Registered plans and texts: what ``hypolab status`` counts and what a report checks against.

A plan is a hypothesis's run keys in plan order, with its ``PlanIdentity``
(the data's content fingerprint, the baseline's hash, the text's hash), so a
later look can say why stored runs no longer match the file. A registration
is the file's text (and the baseline it builds on) the first time it was
seen, before its runs trained. Functions here run on an open connection
inside ``RunStore``'s error handling; a store from before schema 3, read
without migrating, simply has no identities.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone

from hypolab.errors import StoreError
from hypolab.fingerprint import text_sha256
from hypolab.records import BaselineRef, DataConfig, PlanIdentity, Registration, RunResult, RunSpec
from hypolab.records.runs import SEED_LIMIT
from hypolab.store.schema import columns

#: SQLite's INTEGER is a signed 64-bit integer.
_SQLITE_INT = range(-(1 << 63), 1 << 63)
SEED_ADVICE = f"Expected seeds in 0..{SEED_LIMIT - 1}, the range every Keras backend accepts; fix 'seeds' in the file."


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


def check_storable(path: os.PathLike[str], seeds: Sequence[int]) -> None:
    """Raise a clear ``StoreError`` for a seed SQLite cannot hold (before any write)."""
    for seed in seeds:
        if int(seed) not in _SQLITE_INT:
            raise StoreError(f"Run store {path}: seed {seed} cannot be stored: the store holds integers "
                             f"up to 2**63 - 1. {SEED_ADVICE}")  # fmt: skip


def count_by_arm(hypothesis: str, planned: Sequence[tuple[str, str, int]], records: Mapping[str, RunResult],
                 running: set[str]) -> list[ArmStatus]:  # fmt: skip
    """``ArmStatus`` per arm of ``planned`` runs, from their records and the keys being trained."""
    counts: dict[str, dict[str, int]] = {}
    for key, arm, _ in planned:
        arm_counts = counts.setdefault(arm, {"planned": 0, "finished": 0, "diverged": 0, "failed": 0, "running": 0})
        arm_counts["planned"] += 1
        if key in running:
            arm_counts["running"] += 1
        elif key in records:
            arm_counts[records[key].status.value] += 1
    return [ArmStatus(hypothesis=hypothesis, arm=arm, **c) for arm, c in counts.items()]


def register_plan(db: sqlite3.Connection, hypothesis: str, path: str, specs: Sequence[RunSpec],
                  identity: PlanIdentity | None) -> None:  # fmt: skip
    db.execute("DELETE FROM plans WHERE hypothesis = ?", (hypothesis,))
    db.executemany(
        "INSERT OR IGNORE INTO plans (hypothesis, position, key, arm, seed, path) VALUES (?, ?, ?, ?, ?, ?)",
        [(hypothesis, i, s.key, s.arm, int(s.seed), path) for i, s in enumerate(specs)],
    )
    db.execute("DELETE FROM plan_identity WHERE hypothesis = ?", (hypothesis,))
    if identity is not None:
        baseline = identity.baseline
        db.execute(
            "INSERT INTO plan_identity (hypothesis, path, data, baseline_path, baseline_sha256, source_sha256, "
            "planned_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (hypothesis, identity.path, json.dumps(identity.data.to_dict(), sort_keys=True),
             baseline and baseline.path, baseline and baseline.sha256, identity.source_sha256, identity.planned_at),
        )  # fmt: skip


def plan_identity(db: sqlite3.Connection, hypothesis: str) -> PlanIdentity | None:
    if not columns(db, "plan_identity"):
        return None  # a store from before schema 3, read as it is
    row = db.execute("SELECT * FROM plan_identity WHERE hypothesis = ?", (hypothesis,)).fetchone()
    if row is None:
        return None
    return PlanIdentity(
        hypothesis=row["hypothesis"], path=row["path"], data=DataConfig(**json.loads(row["data"])),
        baseline=_baseline(row), source_sha256=row["source_sha256"], planned_at=row["planned_at"],
    )  # fmt: skip


def register_source(db: sqlite3.Connection, hypothesis: str, source: str, baseline: BaselineRef | None) -> None:
    digest = text_sha256(source)
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")  # noqa: UP017 - Python 3.10
    db.execute(
        "INSERT OR IGNORE INTO registrations (hypothesis, sha256, source, registered_at, baseline_path, "
        "baseline_sha256) VALUES (?, ?, ?, ?, ?, ?)",
        (hypothesis, digest, source, now, baseline and baseline.path, baseline and baseline.sha256),
    )


def first_registration(db: sqlite3.Connection, hypothesis: str) -> Registration | None:
    if not columns(db, "registrations"):
        return None  # a version 1 store
    row = db.execute(
        "SELECT * FROM registrations WHERE hypothesis = ? ORDER BY registered_at, rowid LIMIT 1", (hypothesis,)
    ).fetchone()
    if row is None:
        return None
    return Registration(source=row["source"], sha256=row["sha256"], registered_at=row["registered_at"],
                        baseline=_baseline(row))  # fmt: skip


def hypotheses_on_baseline(db: sqlite3.Connection, sha256: str) -> list[str]:
    if "baseline_sha256" not in columns(db, "registrations"):
        return []  # registered before baselines were recorded
    rows = db.execute("SELECT DISTINCT hypothesis FROM registrations WHERE baseline_sha256 = ? ORDER BY hypothesis",
                      (sha256,))  # fmt: skip
    return [row["hypothesis"] for row in rows]


def _baseline(row: sqlite3.Row) -> BaselineRef | None:
    if "baseline_sha256" not in row.keys() or row["baseline_sha256"] is None:
        return None
    return BaselineRef(path=row["baseline_path"], sha256=row["baseline_sha256"])
