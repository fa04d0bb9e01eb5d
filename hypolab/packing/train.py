"""Train the seeds of one arm together and record each: one packed model, one fused step.

``train_pack_in`` gives every spec the ``RunResult`` that
``hypolab.runner.train_in`` would give it, trained as one copy of a packed
model (``hypolab.packing.fit``); ``train_pack`` sets the device up first.

Example:

    results = train_pack(specs_of_one_arm, hypolab.datasets.load(data), device="cpu")
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import keras

from hypolab.device import placement, prepare
from hypolab.errors import ModelError
from hypolab.packing.copies import CopyState
from hypolab.models.saving import save_model
from hypolab.packing.fit import EpochCallback, fit_copies
from hypolab.packing.model import copy_model
from hypolab.runlogs import RunLog
from hypolab.records import Dataset, Engine, RunResult, RunSpec, RunStatus, Timing
from hypolab.records.runs import Device
from hypolab.run_record import (
    Clock,
    Environment,
    RUN_FAILURES,
    Outcome,
    data_notes,
    describe_error,
    record,
    seed_problem,
    utc_now,
)


def train_pack(
    specs: Sequence[RunSpec],
    dataset: Dataset,
    *,
    device: Device = "auto",
    on_epoch: EpochCallback | None = None,
) -> list[RunResult]:
    """Set the device up, then train the specs of one arm as the copies of one packed model.

    Args:
        specs: runs of one arm (one resolved config), one per seed; train them
            all in one pack (``hypolab.packing.split_packs`` sizes packs).
        dataset: the loaded data set.
        device: ``auto``, ``cpu`` or ``gpu``, as for ``hypolab.runner.train_one``.
        on_epoch: called after each epoch with the 1-based epoch and the
            logs averaged over the copies still training.

    Returns:
        One ``RunResult`` per spec, in order (see ``train_pack_in``).

    Raises:
        ModelError: the specs do not share one config, or the config cannot
            be packed (see ``hypolab.packing.supports``).
    """
    return train_pack_in(prepare(device), specs, dataset, on_epoch=on_epoch)


def train_pack_in(
    environment: Environment,
    specs: Sequence[RunSpec],
    dataset: Dataset,
    *,
    on_epoch: EpochCallback | None = None,
    tensorboard_dir: str | os.PathLike[str] | None = None,
    models_dir: str | os.PathLike[str] | None = None,
) -> list[RunResult]:
    """Train the specs of one arm as one packed model where ``environment`` says (set up already).

    Any number of seeds, one included: every ``mlp``/``cnn`` run trains here
    (the ``packed`` engine), so a seed's numbers do not depend on how its arm
    was split into packs.

    Args:
        tensorboard_dir: write each run's TensorBoard log there (``hypolab.runlogs``), from the
            engine's epoch loop, one folder per copy; None writes none.
        models_dir: write each finished copy's final model there as ``<key>.keras``, extracted
            into its plain model (``hypolab.models.saving``); None writes none.

    Returns:
        One ``RunResult`` per spec, in order, with every field the plain
        runner fills; ``notes`` say the run was packed and with how many seeds;
        ``timing`` is ``own`` for a pack of one seed, ``shared`` otherwise.
        Like ``train_in`` it does not raise for a run's own failure: an
        exception (a ``sys.exit`` too) fails every run of the pack, a NaN loss
        diverges one copy, a seed the backends cannot take fails that run alone.

    Raises:
        ModelError: the specs do not share one config, or the config cannot
            be packed (see ``hypolab.packing.supports``).
    """
    specs = list(specs)
    _check_one_arm(specs)
    clock = Clock()
    refused = {spec.key: problem for spec in specs if (problem := seed_problem(spec.seed)) is not None}
    trainable = [spec for spec in specs if spec.key not in refused]
    outcomes: dict[str, Outcome] = {key: Outcome(status=RunStatus.FAILED, error=problem) for key, problem in refused.items()}
    saved: dict[str, str] = {}
    if trainable:
        fitted = _fit(environment, trainable, dataset, on_epoch, tensorboard_dir, models_dir, saved)
        outcomes.update(zip((s.key for s in trainable), fitted))
    finished_at = utc_now()
    size = len(trainable)
    seconds = clock.seconds() / max(size, 1)
    timing = Timing.OWN if size == 1 else Timing.SHARED
    if size == 1:
        notes = ("packed engine: trained alone (one seed per model)",)
    else:
        notes = (f"packed: trained as one of {size} copies of one model "
                 f"(seeds {', '.join(str(s.seed) for s in trainable)}); "
                 f"train_seconds is the pack's wall time divided by {size}",)  # fmt: skip
    notes = (*notes, *data_notes(dataset))
    return [
        record(spec, outcomes[spec.key], environment, sizes=dataset.sizes, clock=clock, train_seconds=seconds,
               finished_at=finished_at, engine=Engine.PACKED, timing=timing,
               notes=(*notes, *([saved[spec.key]] if spec.key in saved else ())) if spec.key not in refused else ())
        for spec in specs
    ]  # fmt: skip


def _fit(environment: Environment, specs: list[RunSpec], dataset: Dataset, on_epoch: EpochCallback | None,
         tensorboard_dir: str | os.PathLike[str] | None, models_dir: str | os.PathLike[str] | None,
         saved: dict[str, str]) -> list[Outcome]:  # fmt: skip
    """Each spec's outcome of one packed training (every one failed where the pack as a whole failed).

    Where ``models_dir`` is given, each finished copy's model is saved and its note put in ``saved`` by key.
    """
    copies = [CopyState(seed=s.seed) for s in specs]
    logs = [] if tensorboard_dir is None else [RunLog(spec, tensorboard_dir) for spec in specs]
    keras.backend.clear_session(free_memory=False)
    try:
        with placement(environment.device):
            trained = fit_copies(specs[0].config, dataset, copies, on_epoch=on_epoch,
                                 on_copy_epoch=(lambda k, epoch, values: logs[k].epoch(epoch, values)) if logs else None,
                                 )  # fmt: skip
            for k, (spec, outcome) in enumerate(zip(specs, trained.outcomes)):
                if models_dir is not None and outcome.status is RunStatus.FINISHED:
                    model = copy_model(trained.network, spec.config, dataset.input_shape, dataset.num_classes,
                                       dataset.task, k, spec.seed)  # fmt: skip
                    saved[spec.key] = save_model(model, models_dir, spec.key, dataset, ours=True)
            return trained.outcomes
    except ModelError:
        raise
    except RUN_FAILURES as exc:  # the pack's own failure (a builder's sys.exit too) is data, as for one run
        error = describe_error(exc, located=False)
        return [Outcome(status=RunStatus.FAILED, history=c.history, epochs_run=c.epochs, error=error) for c in copies]
    finally:
        for log in logs:
            log.close()
        keras.backend.clear_session(free_memory=False)


def _check_one_arm(specs: Sequence[RunSpec]) -> None:
    if not specs:
        raise ModelError("train_pack needs at least one RunSpec. Got none.")
    first = specs[0]
    for spec in specs[1:]:
        if spec.config != first.config or spec.data != first.data:
            raise ModelError(
                f"train_pack trains the seeds of one arm: every spec must share one config and data. "
                f"Got arm {spec.arm!r} seed {spec.seed} differing from arm {first.arm!r} seed {first.seed}."
            )
    seeds = [s.seed for s in specs]
    if len(set(seeds)) != len(seeds):
        raise ModelError(f"train_pack needs distinct seeds. Got {seeds}.")
