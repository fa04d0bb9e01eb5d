"""Run a Keras Tuner search: the tuner, its objective and budget, resume and chief/worker mode.

The tuner's project lives in ``reports/tune-<name>/kt/<name>`` and is opened
with ``overwrite=False``, so rerunning an interrupted search reloads it and
keeps every finished trial (Keras Tuner re-queues the trial that was running).

Distributed search uses Keras Tuner's own chief/worker mode: with
``KERASTUNER_ORACLE_IP``/``KERASTUNER_ORACLE_PORT`` set, the process whose
``KERASTUNER_TUNER_ID`` is ``chief`` serves the oracle over gRPC and the
others (``tuner0``, ``tuner1``, ...) ask it for trials. The chief serves until
every worker has been told to stop and no trial is running, then writes the
baseline and the report; workers only train.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import keras_tuner

from hypolab import outputs
from hypolab.errors import TuningError
from hypolab.tuning import keras_tuner_adapter as adapter
from hypolab.tuning import space
from hypolab.tuning.hypermodel import HypolabHyperModel, TuningData
from hypolab.tuning.keras_tuner_adapter import Execution
from hypolab.tuning.searchschema import TunerKind
from hypolab.tuning.searchspec import SearchSpec
from hypolab.tuning.seeds import keras_tuner_seed
from hypolab.tuning.trials import TrialStatus, TunerTrial

#: Seconds between the chief's checks that the workers are done (Keras Tuner's
#: own server waits 20 s between checks).
CHIEF_POLL_SECONDS = 0.5


class Role(str, enum.Enum):
    """What this process does in a search."""

    ALONE = "alone"
    CHIEF = "chief"
    WORKER = "worker"


def role() -> Role:
    """This process's role, from Keras Tuner's environment variables.

    Raises:
        TuningError: ``KERASTUNER_ORACLE_IP`` is set without the port or the tuner id.
    """
    if "KERASTUNER_ORACLE_IP" not in os.environ:
        return Role.ALONE
    missing = [v for v in ("KERASTUNER_ORACLE_PORT", "KERASTUNER_TUNER_ID") if not os.environ.get(v)]
    if missing:
        raise TuningError(
            f"KERASTUNER_ORACLE_IP is set ({os.environ['KERASTUNER_ORACLE_IP']!r}) but {' and '.join(missing)} "
            "is not. Expected all three for a distributed search: KERASTUNER_TUNER_ID=chief on the chief, "
            "tuner0, tuner1, ... on the workers, and the chief's KERASTUNER_ORACLE_IP and KERASTUNER_ORACLE_PORT "
            "everywhere. Unset KERASTUNER_ORACLE_IP to search in one process."
        )
    return Role.CHIEF if "chief" in os.environ["KERASTUNER_TUNER_ID"] else Role.WORKER


@dataclass(frozen=True)
class SearchPaths:
    """Where a search writes.

    Args:
        out_dir: ``reports/tune-<name>``.
        kt_dir: Keras Tuner's ``directory`` (``reports/tune-<name>/kt``).
        project_name: Keras Tuner's ``project_name`` (the search name).
    """

    out_dir: Path
    kt_dir: Path
    project_name: str

    @property
    def project_dir(self) -> Path:
        """Keras Tuner's project folder (trials, oracle, checkpoints)."""
        return self.kt_dir / self.project_name

    @property
    def executions_log(self) -> Path:
        """``executions.jsonl``: a line per finished execution (trial, seed, tuner id, pid)."""
        return self.project_dir / "hypolab_executions.jsonl"

    def history_file(self, trial_id: str, execution: int) -> Path:
        """The per-epoch history hypolab keeps for one execution of a trial."""
        return self.project_dir / f"trial_{trial_id}" / f"hypolab_execution_{execution}.json"


def paths_for(search: SearchSpec, reports_root: str | Path = "reports") -> SearchPaths:
    """The output folders of ``search`` under ``reports_root``."""
    out_dir = Path(reports_root) / f"tune-{search.name}"
    return SearchPaths(out_dir=out_dir, kt_dir=out_dir / "kt", project_name=search.name)


@dataclass(frozen=True)
class TrialEvent:
    """A trial this process finished: its id, status, objective, score and searched values."""

    trial_id: str
    status: TrialStatus
    objective: str
    score: float | None
    values: dict[str, Any]


TrialCallback = Callable[[TrialEvent], None]


def _execution_recorder(paths: SearchPaths) -> Callable[[Execution], None]:
    """Keep each execution's seed and history beside Keras Tuner's trial, and log it."""

    def record(done: Execution) -> None:
        entry = {"trial_id": done.trial_id, "execution": done.execution, "seed": done.seed,
                 "tuner_id": os.environ.get("KERASTUNER_TUNER_ID", "tuner0")}  # fmt: skip
        outputs.write_text(paths.history_file(done.trial_id, done.execution), json.dumps({**entry, "history": done.history}))
        # One line per execution, appended (atomic for short lines), so a shared
        # folder shows which process ran what, and that nothing ran twice.
        outputs.append_line(paths.executions_log, json.dumps(entry | {"pid": os.getpid()}))

    return record


def _trial_reporter(search: SearchSpec, on_trial: TrialCallback) -> Callable[[TunerTrial], None]:
    def report(trial: TunerTrial) -> None:
        score = trial.score if trial.status is TrialStatus.COMPLETED else None
        values = space.searched_values(trial.values, search.space)
        on_trial(TrialEvent(trial_id=trial.trial_id, status=trial.status, objective=search.tuner.objective,
                            score=score, values=values))  # fmt: skip

    return report


def make_tuner(
    search: SearchSpec, data: TuningData, paths: SearchPaths, *, on_trial: TrialCallback | None = None
) -> keras_tuner.Tuner:
    """The Keras Tuner tuner of a search file, resuming its project if it exists.

    Raises:
        TuningError: the existing project cannot be reloaded (e.g. written by
            another search with the same name).
    """
    settings = search.tuner
    common: dict[str, Any] = {
        "hypermodel": HypolabHyperModel(search, data),
        "objective": keras_tuner.Objective(settings.objective, direction=settings.direction.value),
        "seed": keras_tuner_seed(settings.seed),
        "executions_per_trial": settings.executions_per_trial,
        "directory": str(paths.kt_dir),
        "project_name": paths.project_name,
        "overwrite": False,
        # A trial that raises (e.g. a config Keras rejects) is recorded as
        # failed rather than retried forever.
        "max_retries_per_trial": 0,
        "max_consecutive_failed_trials": 3,
    }
    if settings.kind is TunerKind.HYPERBAND:
        common.update(max_epochs=settings.max_epochs, factor=settings.factor, hyperband_iterations=settings.hyperband_iterations)
    else:
        common.update(max_trials=settings.max_trials)
    paths.kt_dir.mkdir(parents=True, exist_ok=True)
    try:
        tuner = adapter.TUNERS[settings.kind](**common)
    except RuntimeError as exc:
        raise TuningError(
            f"cannot resume the Keras Tuner project in {paths.project_dir}: {exc}. "
            f"Delete {paths.project_dir} to start the search afresh."
        ) from exc
    tuner.hypolab_on_execution = _execution_recorder(paths)
    tuner.hypolab_on_trial = None if on_trial is None else _trial_reporter(search, on_trial)
    return tuner


@dataclass(frozen=True)
class SearchOutcome:
    """What ``run_search`` did.

    Args:
        role: alone, chief or worker.
        trials: every trial of the search (none on a worker, which sees only its own).
        paths: where the search wrote.
        resumed: True where an existing project was reloaded.
        trials_before: finished trials found when it started.
    """

    role: Role
    trials: tuple[TunerTrial, ...]
    paths: SearchPaths
    resumed: bool
    trials_before: int


def run_search(
    search: SearchSpec,
    data: TuningData,
    *,
    reports_root: str | Path = "reports",
    verbose: int = 0,
    on_trial: TrialCallback | None = None,
) -> SearchOutcome:
    """Run (or resume) the search of ``search`` on the training and validation splits.

    Args:
        search: the validated search file.
        data: the splits the tuner may see.
        reports_root: the folder holding ``tune-<name>/``.
        verbose: Keras Tuner's verbosity (0 silent, 1 a line per trial).
        on_trial: called after each trial this process runs.

    Returns:
        A ``SearchOutcome``.

    Raises:
        TuningError: bad distributed settings, an unreadable project, or a
            search in which too many trials failed in a row.
    """
    who = role()
    paths = paths_for(search, reports_root)
    resumed = (paths.project_dir / "oracle.json").exists()
    if who is not Role.WORKER:
        check_same_search(search, paths)
    tuner = make_tuner(search, data, paths, on_trial=on_trial)
    before = _finished(adapter.trials_of(tuner)) if who is not Role.WORKER else 0
    try:
        if who is Role.CHIEF:
            serve_chief(tuner)
        else:
            tuner.search(epochs=search.tuner.max_epochs, verbose=verbose)
    except RuntimeError as exc:
        if not adapter.is_consecutive_failures(exc):
            raise
        raise TuningError(
            f"the search stopped: {exc.args[0].splitlines()[0]}. {_last_error(adapter.trials_of(tuner))}"
        ) from exc
    trials = () if who is Role.WORKER else tuple(adapter.trials_of(tuner))
    return SearchOutcome(role=who, trials=trials, paths=paths, resumed=resumed, trials_before=before)


def fingerprint(search: SearchSpec) -> dict[str, Any]:
    """What a search's trials depend on: data, fixed settings, space and tuner, as JSON."""
    return json.loads(json.dumps(
        {"data": search.data.to_dict(), "base": search.base, "space": [dataclasses.asdict(p) for p in search.space],
         "tuner": dataclasses.asdict(search.tuner)},
        default=lambda value: getattr(value, "value", str(value)),
    ))  # fmt: skip


def check_same_search(search: SearchSpec, paths: SearchPaths) -> None:
    """Refuse to resume a project that an edited search file would silently mix into.

    The first run records the search's ``fingerprint`` beside Keras Tuner's
    project; a rerun with other data, base, space or tuner settings stops here
    instead of reloading trials that no longer mean the same thing.

    Raises:
        TuningError: the file changed since the project was started.
    """
    record = paths.project_dir / "hypolab_search.json"
    current = fingerprint(search)
    if record.exists():
        try:
            earlier = json.loads(record.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            earlier = None
        if earlier is not None and earlier != current:
            changed = [key for key in current if current[key] != earlier.get(key)]
            raise TuningError(
                f"{search.path} changed ({', '.join(changed)}) since the search in {paths.project_dir} "
                "started, so its finished trials would no longer match the file. Expected the same "
                f"settings to resume. Delete {paths.out_dir} to start afresh, or copy the file under a "
                "new name for a new search."
            )
    outputs.write_text(record, json.dumps(current, indent=1))


def serve_chief(tuner: keras_tuner.Tuner, *, poll_seconds: float = CHIEF_POLL_SECONDS, on_poll: Callable[[], None] | None = None) -> None:
    """Serve the oracle to the workers at ``KERASTUNER_ORACLE_IP:KERASTUNER_ORACLE_PORT`` until the search is over.

    Raises:
        TuningError: the chief cannot listen there.
    """
    address = f"{os.environ['KERASTUNER_ORACLE_IP']}:{os.environ['KERASTUNER_ORACLE_PORT']}"
    adapter.serve_chief(tuner, address, poll_seconds=poll_seconds, on_poll=on_poll)


def _finished(trials: list[TunerTrial]) -> int:
    return sum(1 for t in trials if t.status is TrialStatus.COMPLETED)


def _last_error(trials: list[TunerTrial]) -> str:
    failed = [t for t in trials if t.status is TrialStatus.FAILED and t.message]
    if not failed:
        return ""
    lines = [line for line in failed[-1].message.strip().splitlines() if line.strip()]
    return f"Last error: {lines[-1].strip()}" if lines else ""
