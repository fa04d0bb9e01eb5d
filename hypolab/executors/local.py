"""The in-process executor: units of work trained one after another, in the driver's process.

It is today's trainer behind the ``Executor`` protocol: one ``Worker`` (the
device set-up, the loaded data sets, the trainers) in this process, one unit
at a time, events delivered as they happen.

Example:

    executor = LocalExecutor(WorkerSettings(device="cpu"))
    executor.prepare(h.data, base_dir=None)
    executor.run(units, on_event=handle)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from hypolab.executors.protocol import EventHandler, PackChoice, WorkUnit
from hypolab.executors.worker import Worker, WorkerSettings
from hypolab.records import DataConfig, TrainingConfig


class LocalExecutor:
    """Trains each unit in this process as soon as the driver hands it over.

    Args:
        settings: the device and logging settings of its worker.
    """

    def __init__(self, settings: WorkerSettings) -> None:
        self._worker = Worker(settings)

    def prepare(self, data: DataConfig, base_dir: str | None) -> None:
        self._worker.dataset(data, base_dir)

    def pack_choice(
        self,
        config: TrainingConfig,
        data: DataConfig,
        *,
        base_dir: str | None,
        runs: int,
        requested: int | Literal["auto"],
    ) -> PackChoice:
        return self._worker.pack_choice(config, data, base_dir=base_dir, runs=runs, requested=requested)

    def run(self, units: Iterable[WorkUnit], on_event: EventHandler) -> None:
        for unit in units:
            self._worker.train(unit, on_event)

    def close(self) -> None:
        self._worker.close()
