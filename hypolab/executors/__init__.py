"""Executors: how units of work (the seeds of one arm) become run records.

``protocol`` defines the seam (``Executor``, ``WorkUnit``, the events);
``local`` is the in-process executor, ``ray`` the one that runs each unit as
a Ray task (an optional extra); ``worker`` is what trains inside any
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
from hypolab.errors import ExecutorError
from hypolab.records import RunOptions
from hypolab.records.runs import EXECUTORS

__all__ = [
    "EpochEnded",
    "Event",
    "EventHandler",
    "Executor",
    "PackChoice",
    "RunFinished",
    "RunsStarted",
    "WorkUnit",
    "check",
    "create",
    "create_lazily",
]


def create(options: RunOptions) -> Executor:
    """The executor a test's ``options`` ask for: ``local`` (in this process) or ``ray``.

    Raises:
        ExecutorError: Ray options without ``executor="ray"``, or Ray cannot be used.
    """
    from hypolab.executors.worker import WorkerSettings

    check(options)
    settings = WorkerSettings.from_options(options)
    if options.executor == "ray":
        from hypolab.executors.ray import RayExecutor

        return RayExecutor(settings, address=options.ray_address, workers=options.workers,
                           gpus_per_unit=options.gpus_per_unit)  # fmt: skip
    from hypolab.executors.local import LocalExecutor

    return LocalExecutor(settings)


def check(options: RunOptions) -> None:
    """Refuse executor options that do not go together, before anything starts.

    Raises:
        ExecutorError: an unknown executor, Ray not installed, Ray options with the local one, or a bad count.
    """
    if options.executor not in EXECUTORS:
        raise ExecutorError(f"executor must be one of {', '.join(EXECUTORS)}. Got {options.executor!r} instead.")
    if options.workers is not None and (isinstance(options.workers, bool) or not isinstance(options.workers, int)
                                        or options.workers < 1):  # fmt: skip
        raise ExecutorError(f"--workers must be a positive integer. Got {options.workers!r} instead.")
    gpus = options.gpus_per_unit
    if gpus is not None and (isinstance(gpus, bool) or not isinstance(gpus, (int, float)) or not 0 <= gpus):
        raise ExecutorError(f"--gpus-per-unit must be a number >= 0 (a fraction shares a GPU). Got {gpus!r} instead.")
    if options.executor == "ray":
        from hypolab.executors.ray import import_ray

        import_ray()  # not installed: say so before a store or a Ray instance is touched
    given = [name for name in ("ray_address", "workers", "gpus_per_unit") if getattr(options, name) is not None]
    if given and options.executor != "ray":
        flags = ", ".join("--" + name.replace("_", "-") for name in given)
        raise ExecutorError(f"{flags} set the Ray executor's cluster and workers. Got them with --executor local; "
                            "add --executor ray, or leave them out.")  # fmt: skip


def create_lazily(options: RunOptions) -> Executor:
    """The executor ``options`` ask for, created at its first use (several files share it; none starts
    where nothing trains).

    Raises:
        ExecutorError: as ``check``, at once.
    """
    check(options)
    return _OnFirstUse(options)


class _OnFirstUse:
    """An ``Executor`` that creates the one ``options`` ask for when it is first asked to work."""

    def __init__(self, options: RunOptions) -> None:
        self._options = options
        self._executor: Executor | None = None

    def _created(self) -> Executor:
        if self._executor is None:
            self._executor = create(self._options)
        return self._executor

    def prepare(self, data, base_dir):
        self._created().prepare(data, base_dir)

    def pack_choice(self, config, data, *, base_dir, runs, requested):
        return self._created().pack_choice(config, data, base_dir=base_dir, runs=runs, requested=requested)

    def run(self, units, on_event):
        self._created().run(units, on_event)

    def close(self) -> None:
        if self._executor is not None:
            self._executor.close()
        self._executor = None
