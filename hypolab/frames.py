"""Runs as a pandas data frame, for notebooks: ``hypolab.runs_frame(store or outcome)``.

One row per run and final metric (the long format of ``runs.csv``, which
``hypolab analyze`` reads back), from a run store, a ``TestOutcome`` or any
run records. pandas is an optional extra (``pip install 'hypolab[frames]'``).

Example:

    frame = hypolab.runs_frame("reports/runs.sqlite", hypothesis="batchsize")
    frame[frame.metric == "test_accuracy"].groupby("arm").value.mean()
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

from hypolab.records import RunResult, RunStatus
from hypolab.records.display import frame

#: The columns of ``runs_frame``, in order.
COLUMNS = ("hypothesis", "arm", "seed", "key", "status", "metric", "value", "epochs_run", "train_seconds", "engine")


def runs_frame(source: Any, *, hypothesis: str | None = None):
    """A pandas DataFrame of runs, one row per run and final metric (a failed run: one row, no value).

    Args:
        source: a run store (``RunStore`` or its path), a ``TestOutcome``, or run records.
        hypothesis: keep only this hypothesis's runs (a store holds every hypothesis's).

    Raises:
        ImportError: pandas is not installed (the message says how to install it).
        StoreError: the store cannot be read.
    """
    rows = []
    for run in _records(source):
        if hypothesis is not None and run.hypothesis != hypothesis:
            continue
        base = {"hypothesis": run.hypothesis, "arm": run.arm, "seed": run.seed, "key": run.key,
                "status": RunStatus(run.status).value, "epochs_run": run.epochs_run,
                "train_seconds": run.train_seconds, "engine": getattr(run.engine, "value", run.engine)}  # fmt: skip
        metrics = run.metrics or {}
        if not metrics:
            rows.append({**base, "metric": None, "value": None})
        rows.extend({**base, "metric": name, "value": float(value)} for name, value in sorted(metrics.items()))
    return frame(rows, COLUMNS)


def _records(source: Any) -> Iterable[RunResult]:
    results = getattr(source, "results", None)
    if results is not None:  # a TestOutcome
        return list(results)
    if isinstance(source, (str, os.PathLike)):
        from hypolab.store import RunStore

        with RunStore(source, read_only=True) as store:
            return _current(store.all_records())
    all_records = getattr(source, "all_records", None)
    if callable(all_records):  # an open RunStore
        return _current(all_records())
    return list(source)


def _current(records: list[RunResult]) -> list[RunResult]:
    """The newest record of each key (a store keeps superseded ones as history), oldest key first."""
    return list({record.key: record for record in records}.values())
