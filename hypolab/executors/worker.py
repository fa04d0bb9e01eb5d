"""What one training process holds and does: its device, its data sets, its units of work.

A ``Worker`` is built from ``WorkerSettings``, plain data (a device name, the
determinism flag, a TensorBoard folder), so any process can build its own:
the local executor holds one in the driver's process; an executor that
trains elsewhere holds one per worker process. The worker sets the device up
once, loads each data set once (a ``DatasetCache``), decides how an arm packs
from this machine's memory, and turns units of work into run records and
progress events with the trainers (``hypolab.runner``, ``hypolab.packing``,
``hypolab.user_trainer`` for a config with its own ``trainer``).

Example:

    worker = Worker(WorkerSettings(device="cpu"))
    worker.train(WorkUnit(specs=tuple(specs), packed=True), emit=print)
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

from hypolab import datasets, device
from hypolab.errors import DataError
from hypolab.fingerprint import data_fingerprint
from hypolab.executors.protocol import (
    EpochEnded,
    EventHandler,
    PackChoice,
    RunFinished,
    RunsStarted,
    WorkUnit,
)
from hypolab.records import (
    DataConfig,
    Dataset,
    Engine,
    RunOptions,
    RunResult,
    RunSpec,
    RunStatus,
    TrainingConfig,
)
from hypolab.records.runs import Device
from hypolab.run_record import (
    Clock,
    Environment,
    RUN_FAILURES,
    Outcome,
    describe_error,
    record,
    with_note,
)


@dataclass(frozen=True)
class WorkerSettings:
    """How a worker trains: what it needs besides the units themselves.

    Args:
        device: ``auto``, ``cpu`` or ``gpu``.
        deterministic: ask the backend for deterministic GPU ops.
        tensorboard_dir: write TensorBoard logs of every run there; None writes none.
        models_dir: write each finished run's final model there as ``<key>.keras``; None writes none.
    """

    device: Device = "auto"
    deterministic: bool = False
    tensorboard_dir: str | None = None
    models_dir: str | None = None

    @classmethod
    def from_options(cls, options: RunOptions) -> WorkerSettings:
        """The worker side of a test's ``RunOptions``."""
        from hypolab.store import models_dir

        folder = options.tensorboard_dir
        return cls(device=options.device, deterministic=options.deterministic,
                   tensorboard_dir=None if folder is None else os.fspath(folder),
                   models_dir=os.fspath(models_dir(options.store)) if options.save_models else None)  # fmt: skip


class Worker:
    """Trains units of work in this process, owning its device set-up and loaded data.

    Args:
        settings: the worker's device and logging settings.
    """

    def __init__(self, settings: WorkerSettings) -> None:
        self.settings = settings
        self._environment: Environment | None = None
        self._datasets = datasets.DatasetCache()

    def environment(self) -> Environment:
        """Where this worker's runs train, set up at the first call.

        Raises:
            DeviceError: the settings' device cannot be used.
        """
        if self._environment is None:
            self._environment = device.prepare(self.settings.device, deterministic=self.settings.deterministic)
        return self._environment

    def dataset(self, data: DataConfig, base_dir: str | None) -> Dataset:
        """The loaded data set (once per worker); the device is set up first.

        Raises:
            DeviceError: as ``environment``.
            DataError: the data cannot be loaded.
        """
        self.environment()  # before data loading may import Keras: ``cpu`` hides the GPUs first
        dataset = self._datasets.get(data, base_dir)
        if data.fingerprint is not None and data_fingerprint(data, base_dir) != data.fingerprint:
            raise DataError(
                f"data.name: {data.name!r} changed since its runs were planned (its content hash is now "
                f"{data_fingerprint(data, base_dir)}, planned on {data.fingerprint}). Expected the data the run "
                "keys were made for; run the command again to plan the runs of the data as it is now."
            )
        return dataset

    def pack_choice(
        self,
        config: TrainingConfig,
        data: DataConfig,
        *,
        base_dir: str | None,
        runs: int,
        requested: int | Literal["auto"],
    ) -> PackChoice:
        """How many seeds of an arm train in one model here (see ``Executor.pack_choice``)."""
        from hypolab import packing

        reason = packing.unsupported_reason(config)
        if reason is not None:
            return PackChoice(size=1, note=None if requested == 1 else f"trained one seed at a time: {reason}")
        dataset = self.dataset(data, base_dir)
        where = self.environment().device
        memory = _host_memory(config, dataset, where)
        if requested == 1:
            return PackChoice(size=1, memory=memory)
        try:
            size, why = packing.choose_pack(config, dataset, data, runs, requested, device=where,
                                            memory_bytes=device.device_memory(where) // 2)  # fmt: skip
            return PackChoice(size=size, why=why, memory=memory)
        except RUN_FAILURES as exc:  # a model that cannot even be sized fails each of its runs, with its message
            return PackChoice(size=1, note=f"trained one seed at a time: sizing a pack failed "
                                           f"({describe_error(exc, located=False)})")  # fmt: skip

    def train(self, unit: WorkUnit, emit: EventHandler) -> None:
        """Train one unit; emit ``RunsStarted``, ``EpochEnded`` and one ``RunFinished`` per spec.

        Never raises for a run's own failure; an exception that escapes the
        packed trainer fails every run of the pack with its message.
        """
        dataset = self.dataset(unit.specs[0].data, unit.base_dir)
        environment = self.environment()
        if unit.packed:
            results = self._train_pack(environment, unit, dataset, emit)
            specs = {spec.key: spec for spec in unit.specs}
            for result in results:
                emit(RunFinished(self._logged(specs[result.key], with_note(result, unit.note))))
            return
        from hypolab import runner, user_trainer

        for spec in unit.specs:
            emit(RunsStarted((spec.key,)))
            train = user_trainer.train_in if spec.engine is Engine.TRAINER else runner.train_in
            result = train(
                environment, spec, dataset, on_epoch=_epoch_reporter((spec,), emit),
                tensorboard_dir=self.settings.tensorboard_dir, base_dir=unit.base_dir, **self._saving(),
            )  # fmt: skip
            emit(RunFinished(self._logged(spec, with_note(result, unit.note))))

    def _logged(self, spec: RunSpec, result: RunResult) -> RunResult:
        """With ``--tensorboard``: the finished run's final metrics written beside its curves."""
        if self.settings.tensorboard_dir is not None and result.status is RunStatus.FINISHED:
            from hypolab import runlogs

            runlogs.final_metrics(spec, self.settings.tensorboard_dir, result.metrics, max(result.epochs_run - 1, 0))
        return result

    def _train_pack(self, environment: Environment, unit: WorkUnit, dataset: Dataset, emit: EventHandler) -> list[RunResult]:
        from hypolab import packing

        emit(RunsStarted(unit.keys))
        clock = Clock()
        try:
            return packing.train_pack_in(environment, unit.specs, dataset, on_epoch=_epoch_reporter(unit.specs, emit),
                                         tensorboard_dir=self.settings.tensorboard_dir, **self._saving())  # fmt: skip
        except RUN_FAILURES as exc:  # as in train_in: a failure is recorded, the other units go on
            failed = Outcome(status=RunStatus.FAILED, error=f"packed training failed: {describe_error(exc, located=False)}")
            return [record(spec, failed, environment, sizes=dataset.sizes, clock=clock) for spec in unit.specs]

    def _saving(self) -> dict[str, str]:
        """The trainers' ``models_dir`` argument, only where models are saved (a trainer need not take it otherwise)."""
        return {} if self.settings.models_dir is None else {"models_dir": self.settings.models_dir}

    def close(self) -> None:
        """Forget the loaded data sets."""
        self._datasets.clear()


def _epoch_reporter(specs: tuple[RunSpec, ...], emit: EventHandler) -> Callable[[int, Mapping[str, float]], None]:
    """The trainers' ``on_epoch(epoch, logs)``, as ``EpochEnded`` events for ``specs``."""
    keys = tuple(spec.key for spec in specs)
    epochs = specs[0].config.epochs
    return lambda epoch, logs: emit(EpochEnded(keys=keys, epoch=epoch, epochs=epochs, logs=dict(logs)))


def _host_memory(config: TrainingConfig, dataset: Dataset, where: str) -> tuple[int, int] | None:
    """Estimated host-memory bytes ``(per seed, shared)`` of an arm's units here; None where it cannot be sized.

    On a GPU the copies live in the GPU's memory (which sizes the pack); the
    host holds the data set.
    """
    from hypolab import packing

    try:
        per_seed, shared = packing.estimate_memory(config, dataset)
    except RUN_FAILURES:  # the run fails when it trains, with its own message
        return None
    return (0 if where.startswith("gpu") else per_seed), shared
