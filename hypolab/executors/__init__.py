"""Executors: how units of work (the seeds of one arm) become run records.

``protocol`` defines the seam (``Executor``, ``WorkUnit``, the events);
``local`` is the in-process executor; ``worker`` is what trains inside any
executor's process (device, data, trainers). The driver (``hypolab.pipeline``)
alone talks to the run store. Importing this package loads no Keras.

Example:

    executor = hypolab.executors.create(RunOptions(device="cpu"))
"""

from __future__ import annotations

from hypolab.executors.protocol import (
    EpochEnded,
    Event,
    EventHandler,
    Executor,
    PackChoice,
    RunFinished,
    RunsStarted,
    WorkUnit,
)
from hypolab.records import RunOptions

__all__ = [
    "EpochEnded",
    "Event",
    "EventHandler",
    "Executor",
    "PackChoice",
    "RunFinished",
    "RunsStarted",
    "WorkUnit",
    "create",
]


def create(options: RunOptions) -> Executor:
    """The executor a test's ``options`` ask for: today, the in-process one."""
    from hypolab.executors.local import LocalExecutor
    from hypolab.executors.worker import WorkerSettings

    return LocalExecutor(WorkerSettings.from_options(options))
