"""The one place a ``RunResult`` is built, for every training path.

A trainer (``hypolab.runner`` for one model, ``hypolab.packing`` for a pack
of seeds, an executor for a unit that failed as a whole) decides how a run
went: an ``Outcome``. ``record`` turns a spec, its outcome, where it trained
(``Environment``) and when into the stored record, so every path fills the
same fields the same way: ``data`` is the planned data config plus the split
sizes the run saw, and ``metrics`` always holds ``train_seconds`` and
``epochs_run`` beside what training measured.

Example:

    clock = Clock()
    outcome = Outcome(status=RunStatus.FAILED, error=describe_error(exc))
    result = record(spec, outcome, environment, sizes=dataset.sizes, clock=clock)
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from hypolab.records import Dataset, Engine, RunResult, RunSpec, RunStatus, Task, Timing
from hypolab.records.runs import SEED_LIMIT


@dataclass(frozen=True)
class Environment:
    """Where runs train: what every record says about its machine.

    Args:
        device: what runs use, e.g. ``cpu`` or ``gpu:0 (NVIDIA H100 80GB HBM3)``.
        backend: the Keras backend, e.g. ``tensorflow``.
        versions: library versions (hypolab, keras, the backend, python, numpy).
    """

    device: str
    backend: str
    versions: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Outcome:
    """What training decided about one run: the fields that depend on how it went.

    Args:
        status: finished, diverged or failed.
        history: per-epoch values of every logged metric.
        metrics: the final metrics training measured (``test_*``, ``val_*``...),
            without ``train_seconds`` and ``epochs_run``, which ``record`` adds.
        epochs_run: epochs actually trained.
        trainable_params: trainable parameters of the model (of one copy, packed).
        best_epoch: 1-based epoch of the best monitored value, or None.
        diverged_epoch: 1-based epoch where the loss became NaN/inf.
        error: the error text of a failed run, or the reason of a diverged one.
        model: the trained model (a plain ``keras.Model``), for ``--save-models``; never stored.
    """

    status: RunStatus
    history: Mapping[str, list[float]] = field(default_factory=dict)
    metrics: Mapping[str, float] = field(default_factory=dict)
    epochs_run: int = 0
    trainable_params: int = 0
    best_epoch: int | None = None
    diverged_epoch: int | None = None
    error: str | None = None
    model: Any = field(default=None, compare=False, repr=False)


class Clock:
    """When a run (or a pack) started: its ISO-8601 UTC start and a monotonic timer."""

    def __init__(self) -> None:
        self.started_at = utc_now()
        self._start = time.perf_counter()

    def seconds(self) -> float:
        """Wall seconds since the clock started."""
        return time.perf_counter() - self._start


def record(
    spec: RunSpec,
    outcome: Outcome,
    environment: Environment,
    *,
    sizes: Mapping[str, int],
    clock: Clock,
    train_seconds: float | None = None,
    finished_at: str | None = None,
    notes: tuple[str, ...] = (),
    engine: Engine | None = None,
    timing: Timing = Timing.OWN,
) -> RunResult:
    """The stored record of one run.

    Args:
        spec: the run that was trained.
        outcome: how training went.
        environment: where it trained.
        sizes: examples per split the run saw (``Dataset.sizes``).
        clock: started when the run (or its pack) started.
        train_seconds: the run's wall time; the clock's reading where None.
        finished_at: ISO-8601 UTC end time; now where None.
        notes: remarks about how it was trained.
        engine: the engine that trained it; ``spec.engine`` where None.
        timing: what ``train_seconds`` measures (the run's own time, or a share of a pack's).

    Returns:
        A ``RunResult`` whose ``metrics`` add ``train_seconds`` and
        ``epochs_run`` to ``outcome.metrics``.
    """
    seconds = clock.seconds() if train_seconds is None else train_seconds
    return RunResult(
        key=spec.key,
        hypothesis=spec.hypothesis,
        arm=spec.arm,
        seed=spec.seed,
        config=spec.config,
        data={**spec.data.to_dict(), "sizes": dict(sizes)},
        status=outcome.status,
        history={name: list(values) for name, values in outcome.history.items()},
        metrics={**outcome.metrics, "train_seconds": seconds, "epochs_run": float(outcome.epochs_run)},
        best_epoch=outcome.best_epoch,
        epochs_run=outcome.epochs_run,
        trainable_params=outcome.trainable_params,
        train_seconds=seconds,
        device=environment.device,
        backend=environment.backend,
        versions=dict(environment.versions),
        started_at=clock.started_at,
        finished_at=finished_at or utc_now(),
        error=outcome.error,
        diverged_epoch=outcome.diverged_epoch,
        notes=notes,
        engine=spec.engine if engine is None else engine,
        timing=timing,
    )


def with_note(result: RunResult, note: str | None) -> RunResult:
    """``result`` with ``note`` appended to its notes (unchanged where None)."""
    return result if note is None else replace(result, notes=(*result.notes, note))


def data_notes(dataset: Dataset) -> tuple[str, ...]:
    """What a run's notes say about its data: how regression targets were standardised (nothing for classes)."""
    if dataset.task is not Task.REGRESSION:
        return ()
    return (f"regression: trained on targets standardised with the training split's mean {dataset.target_mean:.6g} "
            f"and standard deviation {dataset.target_std:.6g}; loss values are in standardised units, mae and "
            "the listed metrics in the data's units",)  # fmt: skip


def divergence_error(value: float | str, epoch: int) -> str:
    """The error text of a diverged run (the same for plain and packed runs)."""
    return f"loss became {value} at epoch {epoch}; training stopped there"


#: What a trainer records as a run's own failure: any exception, and a builder's ``sys.exit``
#: (``SystemExit``), but never Ctrl-C (``KeyboardInterrupt``), which must stop the command.
RUN_FAILURES: tuple[type[BaseException], ...] = (Exception, SystemExit)

def seed_problem(seed: int) -> str | None:
    """Why a seed cannot seed the backends (a failed run's error), or None where it can (below ``SEED_LIMIT``)."""
    if 0 <= int(seed) < SEED_LIMIT:
        return None
    return (f"ValueError: seed {seed} is outside 0..{SEED_LIMIT - 1}, the seeds every Keras backend "
            "accepts; use a smaller seed")  # fmt: skip


def describe_error(exc: BaseException, *, located: bool = True) -> str:
    """A failed run's error text: the exception and, where ``located``, where it was raised.

    Example: ``ValueError: width 0 is too small (at models.py:12)``.
    """
    where = traceback.extract_tb(exc.__traceback__) if located else []
    message = f"{type(exc).__name__}: {exc}".strip()
    if where:
        frame = where[-1]
        message += f" (at {Path(frame.filename).name}:{frame.lineno})"
    return message


def utc_now() -> str:
    """Now as ISO-8601 UTC to the second, e.g. ``2026-01-01T00:00:00+00:00``."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")  # noqa: UP017 - Python 3.10
