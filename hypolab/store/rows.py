"""A ``RunResult`` as a row of the ``runs`` table and back: the store's one (de)serialisation."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from hypolab.errors import StoreError
from hypolab.records import RunResult, RunStatus, TrainingConfig

JSON_FIELDS = ("config", "data", "history", "metrics", "versions", "notes")
COLUMNS = (
    "key", "hypothesis", "arm", "seed", "status", "config", "data", "history",
    "metrics", "best_epoch", "epochs_run", "trainable_params", "train_seconds",
    "device", "backend", "versions", "started_at", "finished_at", "error",
    "diverged_epoch", "notes",
)  # fmt: skip


def to_row(result: RunResult) -> dict[str, Any]:
    """The ``runs`` columns of ``result`` (JSON text for the nested fields)."""
    row: dict[str, Any] = {c: getattr(result, c) for c in COLUMNS}
    row["status"] = RunStatus(result.status).value
    row["config"] = result.config.to_dict()
    for name in JSON_FIELDS:
        value = row[name]
        row[name] = json.dumps(list(value) if name == "notes" else value, sort_keys=True)
    return row


def from_row(row: sqlite3.Row) -> RunResult:
    """The ``RunResult`` a ``runs`` row holds."""
    values: dict[str, Any] = {c: row[c] for c in COLUMNS}
    for name in JSON_FIELDS:
        values[name] = json.loads(values[name])
    values["notes"] = tuple(values["notes"])
    values["status"] = RunStatus(values["status"])
    try:
        values["config"] = TrainingConfig.from_dict(values["config"])
    except ValueError as exc:
        raise StoreError(
            f"run {values['key']}: its stored config is not a resolved training config ({exc}). "
            "Expected a store written by this version of hypolab; retrain it with --rerun."
        ) from None
    return RunResult(**values)
