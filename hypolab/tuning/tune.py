"""What ``hypolab tune FILE`` does, start to end.

    searches/x.yaml -> load_search -> run_search (Keras Tuner, train + validation splits)
      -> trials -> [confirm: top k on fresh seeds through the pipeline]
      -> baselines/x.yaml + reports/tune-x/index.html

On a distributed search's workers only the search runs; the chief (or a
single process) writes the baseline and the report.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypolab.errors import TuningError
from hypolab.records import Task
from hypolab.store import DEFAULT_STORE
from hypolab.tuning.confirm import Confirmation
from hypolab.tuning.searchspec import SearchSpec, load_search
from hypolab.tuning.trials import TrialSummary


@dataclass(frozen=True)
class TuneOutcome:
    """What ``tune`` did.

    Args:
        role: ``alone``, ``chief`` or ``worker``.
        trials: every trial (empty on a worker).
        ranked: the finished trials, best tuner score first.
        resumed: an existing search was reloaded.
        trials_before: finished trials found when it started.
        confirmation: the ``--confirm`` outcome, or None.
        baseline_path: the baseline file written (None on a worker).
        report_path: the report written (None on a worker).
    """

    role: str
    trials: tuple[TrialSummary, ...] = ()
    ranked: tuple[TrialSummary, ...] = ()
    resumed: bool = False
    trials_before: int = 0
    confirmation: Confirmation | None = None
    baseline_path: Path | None = None
    report_path: Path | None = None


def tune(
    path: str | os.PathLike[str],
    *,
    confirm: int | None = None,
    top: int = 3,
    store: Any = DEFAULT_STORE,
    device: str = "auto",
    reports_root: str | os.PathLike[str] = "reports",
    baselines_root: str | os.PathLike[str] = "baselines",
    progress: Any = None,
    verbose: int = 0,
    on_trial: Any = None,
    command: str = "",
    force: bool = False,
) -> TuneOutcome:
    """Search, optionally confirm, and write the baseline and the report.

    Args:
        path: the search file.
        confirm: seeds per config for ``--confirm``; None skips confirmation.
        top: how many of the best configs ``--confirm`` re-trains.
        store: the run store (a ``RunStore`` or its path) for confirmation
            runs; by default ``hypolab test``'s, which is safe to share:
            confirmation seeds never overlap hypothesis seeds.
        device: ``auto``, ``cpu`` or ``gpu``.
        reports_root: the folder of ``tune-<name>/``.
        baselines_root: the folder of ``<name>.yaml``.
        progress: a ``hypolab.progress`` reporter for the confirmation runs.
        verbose: Keras Tuner's verbosity.
        on_trial: called with a ``search.TrialEvent`` after each trial this
            process runs (the CLI prints a line).
        command: the command line, recorded in the outputs.
        force: replace ``<name>.yaml`` even where a hypothesis registered in
            ``store`` built on it (its status, plan, test and report will then
            say the baseline changed). Without it that is refused before the search.

    Raises:
        SpecErrors: the search file is invalid.
        TuningError: the search cannot run, or no trial finished.
        DataError, DeviceError, StoreError: as the stages they come from.
    """
    search = load_search(path)
    if confirm is not None and confirm < 1:
        raise TuningError(f"--confirm must be a positive number of seeds. Got {confirm} instead.")
    if top < 1:
        raise TuningError(f"--top must be a positive number of configs. Got {top} instead.")

    from hypolab.tuning import baseline

    if not force:
        baseline.check_replaceable(baseline.baseline_path(search, baselines_root), store)
    # Keras loads here, once the search file is known to be valid (its start-up chatter kept quiet).
    from hypolab.backend_log import quiet

    with quiet():
        from hypolab import datasets, runner
        from hypolab.tuning import report, trials
        from hypolab.tuning import search as searching
        from hypolab.tuning.confirm import confirm as confirm_top
        from hypolab.tuning.hypermodel import TuningData

    runner.prepare_device(device)  # type: ignore[arg-type]
    dataset = datasets.load(search.data, base_dir=Path(search.path).parent)
    _check_objective_fits(search, dataset)
    outcome = searching.run_search(
        search, TuningData.from_dataset(dataset), reports_root=reports_root, verbose=verbose, on_trial=on_trial
    )
    if outcome.role is searching.Role.WORKER:
        return TuneOutcome(role=outcome.role.value, resumed=outcome.resumed)

    summaries = trials.summarize(outcome.trials, search, outcome.paths.project_dir)
    ranked = trials.ranked(summaries, search.tuner.direction)
    if not ranked:
        failed = [t for t in summaries if t.message]
        detail = f" The last error: {failed[-1].message}" if failed else ""
        report.write_tune_report(search, summaries, ranked, outcome.paths.out_dir, command=command)
        raise TuningError(
            f"no trial of {search.path} finished ({len(summaries)} tried).{detail} "
            f"See {outcome.paths.out_dir / 'index.html'}."
        )
    confirmation = None
    if confirm is not None:
        confirmation = confirm_top(search, ranked[:top], confirm, store=store, device=device, progress=progress)
    if not force:  # checked again: a hypothesis may have registered on it while the search ran
        baseline.check_replaceable(baseline.baseline_path(search, baselines_root), store)
    baseline_file = baseline.write_baseline(search, ranked, confirmation=confirmation, root=baselines_root, command=command)
    report_file = report.write_tune_report(
        search, summaries, ranked, outcome.paths.out_dir,
        confirmation=confirmation, baseline_path=baseline_file, command=command,
    )  # fmt: skip
    return TuneOutcome(
        role=outcome.role.value,
        trials=tuple(summaries),
        ranked=tuple(ranked),
        resumed=outcome.resumed,
        trials_before=outcome.trials_before,
        confirmation=confirmation,
        baseline_path=baseline_file,
        report_path=report_file,
    )


def _check_objective_fits(search: SearchSpec, dataset: Any) -> None:
    """``val_accuracy`` needs labels, ``val_mae`` needs targets: say so before any trial runs."""
    task = Task(dataset.task)
    wrong = {Task.REGRESSION: "val_accuracy", Task.CLASSIFICATION: "val_mae"}[task]
    if search.tuner.objective == wrong:
        fits = "val_loss or val_mae" if task is Task.REGRESSION else "val_accuracy or val_loss"
        raise TuningError(
            f"{search.path}: tuner.objective: {wrong} does not exist for {search.data.name!r}, a "
            f"{task.value} data set. Expected {fits}."
        )
