"""The report's run tables: arms, failures, compute time, environment and every run.

Rows hold text already rounded for the page; ``runs_csv_rows`` keeps full
precision for ``runs.csv``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from hypolab.records import ArmSummary, RunResult, RunStatus
from hypolab.report.numbers import fmt, fmt_seconds, is_number


def arm_rows(arms: Sequence[ArmSummary], colours: Mapping[str, str]) -> list[dict[str, str]]:
    """The per-arm summary of the analysis (n, failed, mean, sd, median, CI of the mean)."""
    return [
        {
            "name": arm.name,
            "colour": colours[arm.name],
            "n": fmt(arm.n),
            "n_failed": fmt(arm.n_failed),
            "mean": fmt(arm.mean, 4),
            "std": fmt(arm.std),
            "median": fmt(arm.median, 4),
            "ci": f"[{fmt(arm.ci_low, 4)}, {fmt(arm.ci_high, 4)}]",
        }
        for arm in arms
    ]


def in_arm_order(results: Sequence[RunResult], arm_names: Sequence[str] = ()) -> list[RunResult]:
    """Runs sorted by arm (in ``arm_names`` order, the file's; others after, by name) then seed."""
    rank = {name: i for i, name in enumerate(arm_names)}
    return sorted(results, key=lambda r: (rank.get(r.arm, len(rank)), r.arm, r.seed))


def failure_rows(results: Sequence[RunResult], arm_names: Sequence[str] = ()) -> list[dict[str, str]]:
    """Diverged and failed runs, with the message each one left."""
    rows = []
    for run in in_arm_order(results, arm_names):
        if run.status == RunStatus.FINISHED:
            continue
        where = f"epoch {run.diverged_epoch}" if run.diverged_epoch else ""
        rows.append(
            {
                "arm": run.arm,
                "seed": str(run.seed),
                "status": RunStatus(run.status).value,
                "where": where,
                "error": run.error or "(no message recorded)",
            }
        )
    return rows


def compute_rows(arm_names: Sequence[str], results: Sequence[RunResult]) -> list[dict[str, str]]:
    """Total compute time per arm: runs, finished runs, total and mean training time."""
    rows = []
    for name in arm_names:
        runs = [r for r in results if r.arm == name]
        total = sum(r.train_seconds for r in runs if is_number(r.train_seconds))
        finished = sum(r.status == RunStatus.FINISHED for r in runs)
        rows.append(
            {
                "arm": name,
                "runs": str(len(runs)),
                "finished": str(finished),
                "total": fmt_seconds(total),
                "mean": fmt_seconds(total / len(runs)) if runs else "—",
            }
        )
    return rows


def environment_rows(results: Sequence[RunResult], hypolab_version: str) -> list[dict[str, str]]:
    """Versions, backend and device as the runs recorded them (all distinct values)."""
    values: dict[str, list[str]] = {}

    def add(key: str, value: Any) -> None:
        text = str(value)
        if text and text not in values.setdefault(key, []):
            values[key].append(text)

    for run in results:
        for key, value in sorted((run.versions or {}).items()):
            add(key, value)
        add("backend", run.backend)
        add("device", run.device)
    rows = [{"key": key, "value": ", ".join(found)} for key, found in values.items() if found]
    rows.append({"key": "report rendered by hypolab", "value": hypolab_version})
    return rows


def run_rows(results: Sequence[RunResult], metric: str, arm_names: Sequence[str] = (), *,
             out_dir: Path | None = None) -> list[dict[str, str]]:  # fmt: skip
    """The raw per-run table of the page (one row per run); ``model`` links a saved model from ``out_dir``.

    The runs' notes are not repeated on every row: ``hypolab.report.page.run_notes`` lists each once.
    """
    return [
        {
            "arm": run.arm,
            "seed": str(run.seed),
            "key": run.key,
            "status": RunStatus(run.status).value,
            "value": fmt((run.metrics or {}).get(metric), 4),
            "epochs": str(run.epochs_run),
            "best_epoch": fmt(run.best_epoch),
            "params": fmt(run.trainable_params),
            "seconds": fmt_seconds(run.train_seconds),
            "device": run.device,
            "started": (run.started_at or "")[:19].replace("T", " "),  # to the second, UTC; runs.csv keeps it whole
            "model": _model_link(run, out_dir),
        }
        for run in in_arm_order(results, arm_names)
    ]


def _model_link(run: RunResult, out_dir: Path | None) -> str:
    """The saved model's path relative to the page, where the run's model was saved and is still there."""
    saved = run.model_path
    if saved is None or out_dir is None or not Path(saved).is_file():
        return ""
    return Path(os.path.relpath(Path(saved).resolve(), Path(out_dir).resolve())).as_posix()


def runs_csv_rows(results: Sequence[RunResult], arm_names: Sequence[str] = ()) -> list[dict[str, Any]]:
    """``runs.csv``: one row per run and final metric, full precision, with the run's engine and timing kind.

    A run without metrics (a failed one) still gets one row, with an empty
    metric, so that every run appears.
    """
    rows = []
    for run in in_arm_order(results, arm_names):
        base = {
            "hypothesis": run.hypothesis,
            "arm": run.arm,
            "seed": run.seed,
            "key": run.key,
            "status": RunStatus(run.status).value,
            "engine": "" if run.engine is None else run.engine.value,
            "timing": run.timing.value,  # what train_seconds measures: own, shared (a pack's) or unknown
        }
        metrics = run.metrics or {}
        if not metrics:
            rows.append({**base, "metric": "", "value": ""})
        for name in sorted(metrics):
            rows.append({**base, "metric": name, "value": repr(float(metrics[name]))})
    return rows
