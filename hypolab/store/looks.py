"""Recorded looks of sequential tests: what each look decided, kept as the truth.

A look is recorded once, the moment it is decided (``INSERT OR IGNORE``: the
first record of a look stays, whoever writes it), and never changed: a
rerun reads the recorded looks back and continues after them, so a decided
look is never decided again, however the runs read now. Looks belong to a
hypothesis and to its *design* (``hypolab.pipeline.looks.design_key``: the
planned runs and every setting a look's decision rests on), so an edited
file starts its own sequential test. Functions here run on an open
connection inside ``RunStore``'s error handling; a store from before schema 4,
read without migrating, has no looks.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Sequence

from hypolab.errors import StoreError
from hypolab.records import Look
from hypolab.store.schema import columns


def record_looks(db: sqlite3.Connection, hypothesis: str, design: str, looks: Sequence[Look]) -> None:
    now = time.time()
    db.executemany(
        "INSERT OR IGNORE INTO looks (hypothesis, design, look, treatment, record, recorded_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [(hypothesis, design, look.look, look.treatment, json.dumps(look.to_dict(), sort_keys=True), now)
         for look in looks],
    )  # fmt: skip


def recorded_looks(db: sqlite3.Connection, path: str, hypothesis: str, design: str) -> list[Look]:
    if not columns(db, "looks"):
        return []  # a store from before schema 4, read as it is
    rows = db.execute("SELECT * FROM looks WHERE hypothesis = ? AND design = ? ORDER BY look, rowid",
                      (hypothesis, design))  # fmt: skip
    found = []
    for row in rows:
        try:
            found.append(Look.from_dict(json.loads(row["record"])))
        except (ValueError, KeyError, TypeError) as exc:
            raise StoreError(
                f"Cannot read run store {path}: the record of look {row['look']} of {row['treatment']} "
                f"({hypothesis}) is damaged ({type(exc).__name__}: {exc}). Expected an intact hypolab run store; "
                "restore it from a backup, or pass --store with another file."
            ) from None
    return found
