"""The execution seam: units of work in, run records and progress events out.

The driver (``hypolab.pipeline``) plans a hypothesis, claims runs in the
store, hands an ``Executor`` *units of work* and commits every ``RunResult``
the moment it arrives. An executor trains: it sets up its device, loads the
data and runs the trainers, but never opens the store. Everything it is given
is plain data (specs, a ``DataConfig``, a folder, a device name), so another
process or machine can do the same work.

A unit is the specs of one arm config: trained as one packed model
(``packed``), or one after another. For every spec of every unit it takes,
an executor emits exactly one ``RunFinished``, and it never raises for a run's
own failure (that is a record with status failed or diverged); it raises only
where it cannot train at all (no such device, unreadable data, Ctrl-C).

Example:

    executor.prepare(h.data, base_dir)
    choice = executor.pack_choice(arm.config, h.data, base_dir=base_dir, runs=10, requested="auto")
    executor.run([WorkUnit(specs=tuple(specs), packed=choice.size > 1)], on_event=print)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal, Protocol

from hypolab.records import DataConfig, RunResult, RunSpec, TrainingConfig


@dataclass(frozen=True)
class WorkUnit:
    """Runs of one arm config to train together, in order.

    Args:
        specs: runs sharing one resolved config and data config, distinct seeds.
        packed: train them as the copies of one packed model
            (``hypolab.packing``); else one model after another.
        base_dir: the hypothesis file's folder, where a relative data file
            and a custom builder's module are looked for; None: the working directory.
        note: a remark added to each run's notes (e.g. why it trained one seed at a time).
        memory_bytes: the estimated memory the unit takes where it trains
            (what the Ray executor asks each task's node for); None: unknown.
    """

    specs: tuple[RunSpec, ...]
    packed: bool = False
    base_dir: str | None = None
    note: str | None = None
    memory_bytes: int | None = None

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(spec.key for spec in self.specs)


@dataclass(frozen=True)
class PackChoice:
    """How the seeds of one arm train: how many per model, and why not more.

    Args:
        size: seeds per model; 1 trains one seed at a time.
        note: why the arm trains one seed at a time although packing was
            asked for (recorded in its runs' notes); None otherwise.
        why: for ``auto``, how the size was chosen (memory, a measurement); None otherwise.
        memory: the estimated bytes ``(per seed, shared)`` of a unit of this
            arm where it trains (``packing.estimate_memory``); None: not estimated.
    """

    size: int
    note: str | None = None
    why: str | None = None
    memory: tuple[int, int] | None = None

    def unit_bytes(self, seeds: int) -> int | None:
        """The estimated memory of a unit of ``seeds`` of this arm; None where not estimated."""
        return None if self.memory is None else self.memory[1] + seeds * self.memory[0]


@dataclass(frozen=True)
class RunsStarted:
    """The runs ``keys`` start training (several when seeds are packed into one model)."""

    keys: tuple[str, ...]


@dataclass(frozen=True)
class EpochEnded:
    """The runs ``keys`` finished epoch ``epoch`` (1-based) of ``epochs``.

    ``logs`` are the epoch's metrics, averaged over the copies still training
    where the runs are packed.
    """

    keys: tuple[str, ...]
    epoch: int
    epochs: int
    logs: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class RunFinished:
    """A run's record is ready: finished, diverged or failed."""

    result: RunResult


Event = RunsStarted | EpochEnded | RunFinished
#: Receives each event, on the driver's thread, in the order the executor learns of them.
EventHandler = Callable[[Event], None]


class Executor(Protocol):
    """How units of work are trained (in this process, or elsewhere)."""

    def prepare(self, data: DataConfig, base_dir: str | None) -> None:
        """Set up the device and load ``data`` where runs train, before any unit.

        Raises:
            DeviceError: the device asked for cannot be used.
            DataError: the data cannot be loaded.
        """

    def pack_choice(
        self,
        config: TrainingConfig,
        data: DataConfig,
        *,
        base_dir: str | None,
        runs: int,
        requested: int | Literal["auto"],
    ) -> PackChoice:
        """How many of an arm's ``runs`` seeds train in one model.

        Decided where the runs train: whether the trainer can pack this
        config, and for ``auto`` how many copies fit in that machine's memory.
        """

    def run(self, units: Iterable[WorkUnit], on_event: EventHandler) -> None:
        """Train every unit ``units`` yields; return when all are done.

        ``units`` is read lazily, one unit per free slot, so the driver claims
        runs only just before they train. ``on_event`` gets ``RunsStarted``,
        ``EpochEnded`` and, once per spec, ``RunFinished``.
        """

    def close(self) -> None:
        """Release what the executor holds (loaded data, workers)."""
