"""``--confirm N``: re-train the tuner's top configs on fresh seeds and choose on those runs.

The tuner's best score is optimistic twice over: it is the maximum over many
trials (the winner's curse), and Keras Tuner scores each execution at its best
epoch. Confirmation trains each of the top ``k`` configs on ``N`` seeds the
tuner never used (``seeds.confirm_seeds``) through the normal pipeline (the
runner, the run store, seed packing), then picks the config with the best
mean of the objective on the validation split. The test split's numbers that
the runner records are never read here.
"""

from __future__ import annotations

import math
import os
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from hypolab.errors import TuningError
from hypolab.records import (
    Arm,
    Direction,
    Hypothesis,
    RunResult,
    RunStatus,
    TrainingConfig,
)
from hypolab.tuning.searchschema import ObjectiveDirection
from hypolab.tuning.searchspec import SearchSpec
from hypolab.tuning.seeds import confirm_seeds
from hypolab.tuning.trials import TrialSummary


@dataclass(frozen=True)
class ConfirmedTrial:
    """One top config re-trained on the confirmation seeds.

    Args:
        trial_id: the tuner's trial id.
        tuner_score: the tuner's (optimistic) score.
        values: the objective of each finished confirmation run, in seed order.
        mean: their mean, or None where every run failed.
        std: their sample standard deviation (0 for one run), or None.
        failed: runs that failed or diverged.
        config: the config trained.
    """

    trial_id: str
    tuner_score: float
    values: tuple[float, ...]
    mean: float | None
    std: float | None
    failed: int
    config: TrainingConfig


@dataclass(frozen=True)
class Confirmation:
    """The outcome of ``--confirm``.

    Args:
        metric: the objective (a validation metric, e.g. ``val_accuracy``).
        direction: ``max`` or ``min``.
        seeds: the confirmation seeds.
        trials: the confirmed configs, best confirmed mean first.
        chosen: the config picked as the baseline.
        results: every confirmation run's record.
    """

    metric: str
    direction: ObjectiveDirection
    seeds: tuple[int, ...]
    trials: tuple[ConfirmedTrial, ...]
    chosen: ConfirmedTrial
    results: tuple[RunResult, ...]


def confirm(
    search: SearchSpec,
    top: Sequence[TrialSummary],
    runs: int,
    *,
    store: Any,
    device: str = "auto",
    progress: Any = None,
) -> Confirmation:
    """Re-train ``top`` on ``runs`` fresh seeds each and choose on the validation objective.

    Args:
        search: the search file.
        top: the tuner's best trials, best first (``trials.ranked(...)[:k]``).
        runs: seeds per config (``--confirm N``), at least 2 for a spread.
        store: a ``hypolab.store.RunStore`` or its path; runs already in it
            are reused, not retrained.
        device: ``auto``, ``cpu`` or ``gpu``.
        progress: a ``hypolab.progress`` reporter, or None.

    Returns:
        A ``Confirmation``.

    Raises:
        TuningError: nothing to confirm, or every run of every config failed.
    """
    from hypolab import pipeline

    if runs < 1:
        raise TuningError(f"--confirm must be a positive number of seeds. Got {runs} instead.")
    unique = _distinct_configs(top)
    if not unique:
        raise TuningError(
            f"no finished trial to confirm in {search.path}: every trial failed. "
            "Check the trials' errors in the tune report."
        )
    hypothesis = _confirmation_hypothesis(search, unique, confirm_seeds(runs))
    results = pipeline.run_hypothesis(hypothesis, store=store, device=device, progress=progress, pack=None)
    metric = search.tuner.objective
    confirmed = []
    for trial in unique:
        mine = [r for r in results if r.arm == _arm_name(trial)]
        values = tuple(
            float(r.metrics[metric])
            for r in mine
            if r.status is RunStatus.FINISHED and metric in r.metrics and math.isfinite(r.metrics[metric])
        )
        confirmed.append(
            ConfirmedTrial(
                trial_id=trial.trial_id,
                tuner_score=float(trial.score),
                values=values,
                mean=statistics.fmean(values) if values else None,
                std=(statistics.stdev(values) if len(values) > 1 else 0.0) if values else None,
                failed=len(mine) - len(values),
                config=trial.config,
            )
        )
    ranked = _rank(confirmed, search.tuner.direction)
    if ranked[0].mean is None:
        raise TuningError(
            f"every confirmation run failed ({len(results)} runs). Check the run errors with "
            f"'hypolab status' or the store {os.fspath(getattr(store, 'path', store))}."
        )
    return Confirmation(
        metric=metric,
        direction=search.tuner.direction,
        seeds=hypothesis.seeds,
        trials=tuple(ranked),
        chosen=ranked[0],
        results=tuple(results),
    )


def _rank(confirmed: list[ConfirmedTrial], direction: ObjectiveDirection) -> list[ConfirmedTrial]:
    sign = -1.0 if direction is ObjectiveDirection.MAX else 1.0
    # Configs without a finished run go last; ties keep the tuner's order.
    return sorted(confirmed, key=lambda t: (t.mean is None, 0.0 if t.mean is None else sign * t.mean))


def _distinct_configs(top: Sequence[TrialSummary]) -> list[TrialSummary]:
    """The finished trials of ``top`` with distinct configs, in order."""
    seen: set[TrainingConfig] = set()
    out = []
    for trial in top:
        if trial.score is None or trial.config in seen:
            continue
        seen.add(trial.config)
        out.append(trial)
    return out


def _arm_name(trial: TrialSummary) -> str:
    return f"trial {trial.trial_id}"


def _confirmation_hypothesis(search: SearchSpec, trials: Sequence[TrialSummary], seeds: tuple[int, ...]) -> Hypothesis:
    """The top configs as the arms of a hypothesis, so the pipeline trains them like any other."""
    arms = [
        Arm(name=_arm_name(t), overrides=dict(t.overrides), config=t.config, is_control=i == 0)
        for i, t in enumerate(trials)
    ]
    return Hypothesis(
        name=f"tune-{search.name}-confirm",
        path=search.path,
        claim=f"Confirm the top {len(arms)} configs of the search {search.path} on fresh seeds.",
        metric=search.tuner.objective,
        direction=Direction.GREATER if search.tuner.direction is ObjectiveDirection.MAX else Direction.LESS,
        alpha=0.05,
        seeds=seeds,
        data=search.data,
        base=trials[0].config,
        control=arms[0],
        treatments=tuple(arms[1:]),
        source=search.source,
    )
