"""Keras Tuner's trials as plain records, in hypolab's terms.

A ``TunerTrial`` is one Keras Tuner trial as the tuner left it, read by
``keras_tuner_adapter`` (the one module that touches Keras Tuner's objects);
a ``TrialSummary`` holds what the baseline file and the report need of one
trial: its searched values (Keras Tuner's ``tuner/*`` bookkeeping removed),
the hypolab overrides and resolved config they make, the epochs it trained,
its score and the seeds of its executions. Nothing here imports Keras.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypolab.records import TrainingConfig
from hypolab.tuning import space
from hypolab.tuning.searchschema import ObjectiveDirection
from hypolab.tuning.searchspec import SearchSpec, trial_config
from hypolab.tuning.seeds import trial_seed


class TrialStatus(str, enum.Enum):
    """A trial's status, with Keras Tuner's values (``keras_tuner.engine.trial.TrialStatus``)."""

    RUNNING = "RUNNING"
    IDLE = "IDLE"
    INVALID = "INVALID"
    STOPPED = "STOPPED"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"


#: Statuses of a trial that ended without a score.
UNFINISHED = (TrialStatus.FAILED, TrialStatus.INVALID)


@dataclass(frozen=True)
class TunerTrial:
    """One Keras Tuner trial as the tuner recorded it.

    Args:
        trial_id: Keras Tuner's id, e.g. ``"03"``.
        status: where the trial stands.
        score: the objective's best value (averaged over executions), or None.
        best_step: 0-based epoch of that best value, or None.
        values: ``trial.hyperparameters.values`` (``tuner/*`` keys included).
        message: the error of a failed trial, or "".
    """

    trial_id: str
    status: TrialStatus
    score: float | None
    best_step: int | None
    values: dict[str, Any]
    message: str = ""


@dataclass(frozen=True)
class TrialSummary:
    """One Keras Tuner trial.

    Args:
        trial_id: Keras Tuner's id, e.g. ``"03"``.
        status: where the trial stands (``TrialStatus``).
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
    status: TrialStatus
    score: float | None
    best_epoch: int | None
    values: dict[str, Any]
    overrides: dict[str, Any]
    config: TrainingConfig
    epochs: int
    seeds: tuple[int, ...] = ()
    histories: tuple[dict[str, list[float]], ...] = field(default_factory=tuple)
    message: str = ""


def summarize(trials: Iterable[TunerTrial], search: SearchSpec, project_dir: str | Path | None = None) -> list[TrialSummary]:
    """Summaries of Keras Tuner trials, in trial-id order.

    Args:
        trials: the search's trials (``keras_tuner_adapter.trials_of``).
        search: the search they belong to.
        project_dir: Keras Tuner's project folder, where hypolab wrote each
            execution's seed and history; None reads none.
    """
    out = []
    for trial in sorted(trials, key=lambda t: (len(str(t.trial_id)), str(t.trial_id))):
        raw = dict(trial.values)
        epochs = int(raw.get("tuner/epochs", search.tuner.max_epochs))
        overrides = space.overrides_from_values(raw, search.space)
        histories = _histories(project_dir, trial.trial_id) if project_dir is not None else ()
        seeds = tuple(h["seed"] for h in histories) or tuple(
            trial_seed(search.tuner.seed, trial.trial_id, e) for e in range(search.tuner.executions_per_trial)
        )
        done = trial.status is TrialStatus.COMPLETED
        score = trial.score if done else None
        out.append(
            TrialSummary(
                trial_id=str(trial.trial_id),
                status=trial.status,
                score=None if score is None else float(score),
                best_epoch=None if trial.best_step is None or score is None else int(trial.best_step) + 1,
                values=space.searched_values(raw, search.space),
                overrides=overrides,
                config=trial_config(search, overrides, epochs=epochs),
                epochs=epochs,
                seeds=seeds,
                histories=tuple(h["history"] for h in histories),
                message="" if done else _last_line(trial.message),
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

