"""Keras Tuner's trials as plain records, in hypolab's terms.

A ``TrialSummary`` holds what the baseline file and the report need of one
trial: its searched values (Keras Tuner's ``tuner/*`` bookkeeping removed),
the hypolab overrides and resolved config they make, the epochs it trained,
its score and the seeds of its executions. Nothing here imports Keras: the
trials are read duck-typed (``trial_id``, ``status``, ``score``,
``best_step``, ``hyperparameters.values``, ``message``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypolab.tuning import space
from hypolab.tuning.searchspec import ObjectiveDirection, SearchSpec, trial_config
from hypolab.tuning.seeds import trial_seed


@dataclass(frozen=True)
class TrialSummary:
    """One Keras Tuner trial.

    Args:
        trial_id: Keras Tuner's id, e.g. ``"03"``.
        status: ``COMPLETED``, ``FAILED``, ``INVALID``, ``RUNNING`` or ``IDLE``.
        score: the objective's best value over epochs, averaged over the
            executions; None where the trial did not complete.
        best_epoch: 1-based epoch of that best value, or None.
        values: the active searched hyperparameters (no ``tuner/*`` keys).
        overrides: the dotted hypolab overrides they make.
        config: the resolved hypolab config (with this trial's epochs).
        epochs: the epochs the trial trained.
        seeds: the seed of each execution, in order.
        histories: per execution, the Keras history, where this machine has it.
        message: the error of a failed trial.
    """

    trial_id: str
    status: str
    score: float | None
    best_epoch: int | None
    values: dict[str, Any]
    overrides: dict[str, Any]
    config: dict[str, Any]
    epochs: int
    seeds: tuple[int, ...] = ()
    histories: tuple[dict[str, list[float]], ...] = field(default_factory=tuple)
    message: str = ""


def summarize(trials: Iterable[Any], search: SearchSpec, project_dir: str | Path | None = None) -> list[TrialSummary]:
    """Summaries of Keras Tuner trials, in trial-id order.

    Args:
        trials: ``tuner.oracle.trials.values()``.
        search: the search they belong to.
        project_dir: Keras Tuner's project folder, where hypolab wrote each
            execution's seed and history; None reads none.
    """
    out = []
    for trial in sorted(trials, key=lambda t: (len(str(t.trial_id)), str(t.trial_id))):
        raw = dict(trial.hyperparameters.values)
        epochs = int(raw.get("tuner/epochs", search.tuner.max_epochs))
        overrides = space.overrides_from_values(raw, search.space)
        histories = _histories(project_dir, trial.trial_id) if project_dir is not None else ()
        seeds = tuple(h["seed"] for h in histories) or tuple(
            trial_seed(search.tuner.seed, trial.trial_id, e) for e in range(search.tuner.executions_per_trial)
        )
        score = trial.score if trial.status == "COMPLETED" else None
        out.append(
            TrialSummary(
                trial_id=str(trial.trial_id),
                status=str(trial.status),
                score=None if score is None else float(score),
                best_epoch=None if trial.best_step is None or score is None else int(trial.best_step) + 1,
                values=space.searched_values(raw, search.space),
                overrides=overrides,
                config=trial_config(search, overrides, epochs=epochs),
                epochs=epochs,
                seeds=seeds,
                histories=tuple(h["history"] for h in histories),
                message=_last_line(trial.message or "") if trial.status != "COMPLETED" else "",
            )
        )
    return out


def ranked(trials: Iterable[TrialSummary], direction: ObjectiveDirection) -> list[TrialSummary]:
    """Completed trials, best first (ties keep trial order)."""
    done = [t for t in trials if t.score is not None]
    sign = -1.0 if direction is ObjectiveDirection.MAX else 1.0
    return sorted(done, key=lambda t: sign * t.score)


def _histories(project_dir: str | Path, trial_id: str) -> tuple[dict[str, Any], ...]:
    folder = Path(project_dir) / f"trial_{trial_id}"
    records = []
    for path in sorted(folder.glob("hypolab_execution_*.json"), key=lambda p: int(p.stem.rsplit("_", 1)[1])):
        try:
            records.append(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            continue  # a file cut short by an interrupt: the trial re-runs anyway
    return tuple(records)


def _last_line(message: str) -> str:
    lines = [line.strip() for line in message.strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""

