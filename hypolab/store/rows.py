"""A ``RunResult`` as a row of the ``runs`` table and back: the store's one (de)serialisation.

Each row carries a checksum (SHA-256 of its content), so a record whose
bytes changed on disk (a damaged page SQLite cannot see) is refused when
read, never used silently.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from typing import Any

from hypolab.errors import StoreError
from hypolab.records import Engine, RunResult, RunStatus, Timing, TrainingConfig

JSON_FIELDS = ("config", "data", "history", "metrics", "versions", "notes")
COLUMNS = (
    "key", "hypothesis", "arm", "seed", "status", "config", "data", "history",
    "metrics", "best_epoch", "epochs_run", "trainable_params", "train_seconds",
    "device", "backend", "versions", "started_at", "finished_at", "error",
    "diverged_epoch", "notes", "engine", "timing",
)  # fmt: skip
#: What a store written before schema 3 lacks (read as unknown).
_LATER_COLUMNS = ("engine", "timing")


class DamagedRecord(ValueError):
    """A row whose content does not read back as it was written."""


def to_row(result: RunResult) -> dict[str, Any]:
    """The ``runs`` columns of ``result`` (JSON text for the nested fields) and its ``checksum``."""
    row: dict[str, Any] = {c: getattr(result, c) for c in COLUMNS}
    row["status"] = RunStatus(result.status).value
    row["config"] = result.config.to_dict()
    row["engine"] = "" if result.engine is None else Engine(result.engine).value
    row["timing"] = Timing(result.timing).value
    for name in JSON_FIELDS:
        value = row[name]
        row[name] = json.dumps(list(value) if name == "notes" else value, sort_keys=True)
    row["checksum"] = checksum(row)
    return row


def checksum(row: Any) -> str:
    """SHA-256 hex of a row's content columns (as stored), in ``COLUMNS`` order."""
    values = [row[c] for c in COLUMNS]
    return hashlib.sha256(json.dumps(values, separators=(",", ":")).encode("utf-8")).hexdigest()


def from_row(row: sqlite3.Row) -> RunResult:
    """The ``RunResult`` a ``runs`` row holds.

    Raises:
        DamagedRecord: its checksum does not match, or its JSON does not parse.
    """
    present = set(row.keys())
    if "checksum" in present and row["checksum"] and row["checksum"] != checksum(row):
        raise DamagedRecord("its checksum does not match its content")
    values: dict[str, Any] = {c: row[c] for c in COLUMNS if c not in _LATER_COLUMNS}
    try:
        for name in JSON_FIELDS:
            values[name] = json.loads(values[name])
        values["status"] = RunStatus(values["status"])
    except (TypeError, ValueError) as exc:
        raise DamagedRecord(f"{type(exc).__name__}: {exc}") from None
    values["notes"] = tuple(values["notes"])
    try:
        values["config"] = TrainingConfig.from_dict(values["config"])
    except ValueError as exc:
        raise StoreError(
            f"run {values['key']}: its stored config is not a resolved training config ({exc}). "
            "Expected a store written by this version of hypolab; retrain it with --rerun."
        ) from None
    try:
        engine = row["engine"] if "engine" in present else ""
        values["engine"] = Engine(engine) if engine else None
        values["timing"] = Timing(row["timing"]) if "timing" in present else Timing.UNKNOWN
    except ValueError as exc:
        raise DamagedRecord(f"ValueError: {exc}") from None
    return RunResult(**values)


def checksum_rows(db: sqlite3.Connection) -> None:
    """Give every row without a checksum one (a store migrated from before checksums)."""
    rows = db.execute(f"SELECT id, {', '.join(COLUMNS)} FROM runs WHERE checksum = ''").fetchall()
    db.executemany("UPDATE runs SET checksum = ? WHERE id = ?", [(checksum(row), row["id"]) for row in rows])
