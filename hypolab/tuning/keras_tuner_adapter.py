"""Every use of Keras Tuner beyond its documented API, in this one module.

hypolab relies on four things Keras Tuner does not promise to keep:

- ``Tuner._build_and_fit_model(trial, *args, **kwargs)``, the private method
  that builds and fits one execution of a trial: overridden to seed each
  execution and keep its history;
- the message of the ``RuntimeError`` its oracle raises after too many
  failed trials in a row ("Number of consecutive failures exceeded ...");
- ``keras_tuner.src.protos`` and ``keras_tuner.src.distribute.oracle_chief``
  (``OracleServicer`` with ``stop_triggered``, ``exit_chief``): the chief's
  gRPC service, served with a shorter poll than ``start_server``'s;
- the trial statuses, strings in Keras Tuner
  (``keras_tuner.engine.trial.TrialStatus``), read here into
  ``trials.TrialStatus`` and ``trials.TunerTrial`` records so that no other
  module compares them or touches a Keras Tuner trial.

``tests/test_tuning_adapter.py`` checks each of them against the installed
Keras Tuner and names the one that changed, so an upgrade fails loudly there
instead of quietly here.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent import futures
from dataclasses import dataclass
from typing import Any

import keras_tuner
import numpy as np

from hypolab.errors import TuningError
from hypolab.tuning.hypermodel import HypolabHyperModel
from hypolab.tuning.searchschema import TunerKind
from hypolab.tuning.seeds import trial_seed
from hypolab.tuning.trials import TrialStatus, TunerTrial

#: The words of the oracle's error after ``max_consecutive_failed_trials`` failures in a row.
CONSECUTIVE_FAILURES = "consecutive failures"



@dataclass(frozen=True)
class Execution:
    """One finished execution of a trial: its seed and its Keras history."""

    trial_id: str
    execution: int
    seed: int
    history: dict[str, list[float]]


def tuner_trial(trial: Any) -> TunerTrial:
    """A Keras Tuner ``Trial`` as a ``TunerTrial`` record."""
    return TunerTrial(
        trial_id=str(trial.trial_id),
        status=TrialStatus(trial.status),
        score=None if trial.score is None else float(trial.score),
        best_step=None if trial.best_step is None else int(trial.best_step),
        values=dict(trial.hyperparameters.values),
        message=trial.message or "",
    )


def trials_of(tuner: Any) -> list[TunerTrial]:
    """Every trial a tuner's oracle holds, as records."""
    return [tuner_trial(trial) for trial in tuner.oracle.trials.values()]


def is_consecutive_failures(exc: RuntimeError) -> bool:
    """Whether ``exc`` is the oracle stopping a search after too many failed trials."""
    return CONSECUTIVE_FAILURES in str(exc)


class _SeededTrials:
    """Mixed into each Keras Tuner tuner: seeds every execution and reports it.

    Keras Tuner builds a fresh model per execution in ``_build_and_fit_model``;
    the seed is handed to the hypermodel just before, so weights, dropout and
    shuffling follow from (tuner seed, trial id, execution) alone.
    """

    hypermodel: HypolabHyperModel
    #: Called after each execution this process ran, e.g. to record its history.
    hypolab_on_execution: Callable[[Execution], None] | None = None
    #: Called after each trial this process ran, e.g. to print a progress line.
    hypolab_on_trial: Callable[[TunerTrial], None] | None = None

    def run_trial(self, trial, *args, **kwargs):
        self._hypolab_execution = 0
        return super().run_trial(trial, *args, **kwargs)  # type: ignore[misc]

    def _build_and_fit_model(self, trial, *args, **kwargs):
        execution = self._hypolab_execution
        self._hypolab_execution += 1
        seed = trial_seed(self.hypermodel.search.tuner.seed, trial.trial_id, execution)
        self.hypermodel.seed = seed
        history = super()._build_and_fit_model(trial, *args, **kwargs)  # type: ignore[misc]
        if self.hypolab_on_execution is not None:
            curves = {k: [float(v) for v in np.asarray(vs)] for k, vs in history.history.items()}
            self.hypolab_on_execution(Execution(str(trial.trial_id), execution, seed, curves))
        return history

    def on_trial_end(self, trial):
        super().on_trial_end(trial)  # type: ignore[misc]  # the oracle scores the trial here
        if self.hypolab_on_trial is not None:
            self.hypolab_on_trial(tuner_trial(self.oracle.get_trial(trial.trial_id)))  # type: ignore[attr-defined]


class SeededHyperband(_SeededTrials, keras_tuner.Hyperband):
    """Keras Tuner's Hyperband with hypolab's seeding."""


class SeededBayesianOptimization(_SeededTrials, keras_tuner.BayesianOptimization):
    """Keras Tuner's BayesianOptimization with hypolab's seeding."""


class SeededRandomSearch(_SeededTrials, keras_tuner.RandomSearch):
    """Keras Tuner's RandomSearch with hypolab's seeding."""


class SeededGridSearch(_SeededTrials, keras_tuner.GridSearch):
    """Keras Tuner's GridSearch with hypolab's seeding."""


#: The seeded tuner of each search strategy.
TUNERS: dict[TunerKind, type] = {
    TunerKind.HYPERBAND: SeededHyperband,
    TunerKind.BAYESIAN: SeededBayesianOptimization,
    TunerKind.RANDOM: SeededRandomSearch,
    TunerKind.GRID: SeededGridSearch,
}


def serve_chief(
    tuner: Any, address: str, *, poll_seconds: float, on_poll: Callable[[], None] | None = None
) -> None:
    """Serve ``tuner``'s oracle to the workers at ``address`` until the search is over.

    Keras Tuner's ``oracle_chief.start_server`` with a shorter poll: it stops
    once a worker has been told the search is over, every worker that asked
    for trials has been told so too, and no trial is running.

    Raises:
        TuningError: the chief cannot listen on ``address``.
    """
    # Keras Tuner imports its gRPC pieces lazily too (protobuf versions).
    import grpc
    from keras_tuner.src import protos
    from keras_tuner.src.distribute import oracle_chief

    tuner.save()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=1))
    servicer = oracle_chief.OracleServicer(tuner.oracle)
    protos.get_service_grpc().add_OracleServicer_to_server(servicer, server)
    try:
        port = server.add_insecure_port(address)
    except RuntimeError as exc:
        raise TuningError(f"the chief cannot listen on {address}: {exc}. Choose a free KERASTUNER_ORACLE_PORT.") from exc
    if port == 0:
        raise TuningError(f"the chief cannot listen on {address}: the port is taken. Choose a free KERASTUNER_ORACLE_PORT.")
    server.start()
    try:
        while not (servicer.stop_triggered and oracle_chief.exit_chief(tuner.oracle)):
            if on_poll is not None:
                on_poll()
            time.sleep(poll_seconds)
    finally:
        server.stop(grace=2).wait()
    tuner.oracle.save()
