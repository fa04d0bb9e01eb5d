"""The Ray executor: each unit of work a Ray task, on this machine's cores and GPUs or on a cluster.

Ray (an optional extra: ``pip install "hypolab[ray]"``) schedules the units;
hypolab grows no scheduler of its own. The driver's side (``RayExecutor``)
hands Ray one task per unit, at most as many at once as the cluster has
room for, so runs are still claimed just before they train; it streams each
task's events back (a Ray generator task) and calls ``on_event`` on the
driver's thread, where the driver commits records to the store. Tasks never
open the store.

A task's side keeps one ``Worker`` per worker process (``_process_worker``):
the device set up once and each data set loaded once per process, whatever
the number of units it trains. A worker process that dies mid-unit (killed,
out of memory, its node lost) is retried by Ray up to ``TASK_RETRIES``
times, on any node; Ray skips the events of the retry that the driver has
already seen, so every run reaches the driver exactly once. For that the
events a unit yields are a fixed schedule (``_schedule``): per model its
start, one slot per configured epoch, then its records. Where the retries
run out, the runs the unit held fail with the reason (the next command
retries failed runs).

Example:

    executor = RayExecutor(WorkerSettings(device="cpu"), address=None)
    executor.prepare(h.data, base_dir)
    executor.run(units, on_event=handle)
    executor.close()
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from hypolab.errors import ExecutorError, HypolabError
from hypolab.executors.protocol import EpochEnded, Event, EventHandler, PackChoice, RunFinished, RunsStarted, WorkUnit
from hypolab.executors.worker import Worker, WorkerSettings
from hypolab.records import DataConfig, RunStatus, TrainingConfig
from hypolab.run_record import Clock, Environment, Outcome, record

#: How often Ray retries a unit whose worker process died before the unit's runs fail.
TASK_RETRIES = 3
#: How often the driver looks up from waiting on tasks (Ctrl-C is handled between looks).
WAIT_SECONDS = 0.5
INSTALL = 'pip install "hypolab[ray]"'


def import_ray() -> Any:
    """The ``ray`` module.

    Raises:
        ExecutorError: Ray is not installed.
    """
    try:
        import ray
    except ImportError as exc:
        raise ExecutorError(
            f"--executor ray needs Ray, which is not installed here ({exc}). Expected the ray package; install it "
            f"with {INSTALL} (or pip install ray), or train with --executor local."
        ) from None
    return ray


@dataclass(frozen=True)
class UnitResources:
    """What each unit of work asks Ray for (and its memory: ``memory_request``).

    Args:
        num_cpus: CPU cores per unit (also the unit's TensorFlow thread count).
        num_gpus: GPUs per unit; a fraction shares one GPU between units.
    """

    num_cpus: float = 1.0
    num_gpus: float = 0.0

    def options(self) -> dict[str, float]:
        return {"num_cpus": self.num_cpus, "num_gpus": self.num_gpus}


def memory_request(unit: WorkUnit, largest_node: float) -> dict[str, int]:
    """The ``memory`` a unit's task asks Ray for: its estimate (``WorkUnit.memory_bytes``), at most what
    the largest node has (a unit is never left unschedulable); nothing where there is no estimate."""
    if unit.memory_bytes is None or unit.memory_bytes <= 0 or largest_node <= 0:
        return {}
    return {"memory": int(min(unit.memory_bytes, largest_node))}


class RayExecutor:
    """Trains each unit as a Ray task; the driver's thread gets every event.

    Args:
        settings: the device and logging settings of every worker.
        address: None starts a local Ray instance sized to this machine
            (unless this process is connected already); ``auto`` or
            ``HOST:PORT`` joins a running cluster.
        workers: at most this many units at once; None: as many as the
            cluster's CPUs (or GPUs, for units that take GPUs) hold.
        gpus_per_unit: GPUs per unit; None: 1 where ``settings.device`` may
            use a GPU and the cluster has one, else 0.

    Raises:
        ExecutorError: Ray is not installed, or no cluster answers at ``address``.
    """

    def __init__(self, settings: WorkerSettings, *, address: str | None = None, workers: int | None = None,
                 gpus_per_unit: float | None = None) -> None:  # fmt: skip
        self._ray = ray = import_ray()
        folder = settings.tensorboard_dir
        # Workers may run in another folder, or on another machine that shares this one's paths.
        self.settings = replace(settings, tensorboard_dir=None if folder is None else os.path.abspath(folder))
        self._started = not ray.is_initialized()
        if self._started:
            try:
                # Workers' own output (TensorFlow's) stays in Ray's logs; errors come back as exceptions.
                ray.init(address=address, include_dashboard=False, log_to_driver=False, logging_level=logging.ERROR)
            except (ConnectionError, RuntimeError, ValueError) as exc:
                where = "a local Ray instance" if address is None else f"the Ray cluster at {address!r}"
                raise ExecutorError(
                    f"--ray-address: cannot start or join {where} ({type(exc).__name__}: {exc}). Expected 'auto' or "
                    "HOST:PORT of a cluster started with 'ray start --head', or no --ray-address for a local instance."
                ) from None
        cluster = ray.cluster_resources()
        if gpus_per_unit is None:
            gpus_per_unit = 1.0 if settings.device != "cpu" and cluster.get("GPU", 0) >= 1 else 0.0
        self.resources = UnitResources(num_gpus=float(gpus_per_unit))
        room = int(cluster.get("CPU", 1) // self.resources.num_cpus)
        if self.resources.num_gpus > 0:
            room = min(room, int(cluster.get("GPU", 0) // self.resources.num_gpus))
        self.slots = max(1, room if workers is None else min(int(workers), max(room, 1)))
        self._largest_node = max((node.get("Resources", {}).get("memory", 0) for node in ray.nodes()
                                  if node.get("Alive")), default=0)  # fmt: skip
        self._environments: dict[tuple, tuple[Environment, dict[str, int]]] = {}
        # max_calls=0: a worker process (its device set-up, its data) stays for the next unit, GPU tasks too.
        task = lambda function, retries: ray.remote(max_calls=0, max_retries=retries, **self.resources.options())(function)  # noqa: E731
        self._tasks = {"prepare": task(_prepare, 0), "pack_choice": task(_pack_choice, 0),
                       "train": task(_train_unit, TASK_RETRIES)}  # fmt: skip

    # -- the protocol ---------------------------------------------------------------------------

    def prepare(self, data: DataConfig, base_dir: str | None) -> None:
        self._prepared(data, _absolute(base_dir))

    def pack_choice(self, config: TrainingConfig, data: DataConfig, *, base_dir: str | None, runs: int,
                    requested: int | Literal["auto"]) -> PackChoice:  # fmt: skip
        ref = self._tasks["pack_choice"].remote(self.settings, config, data, _absolute(base_dir), runs, requested)
        return self._get(ref)

    def run(self, units: Iterable[WorkUnit], on_event: EventHandler) -> None:
        """Keep up to ``slots`` units training; hand each event to ``on_event`` as it arrives."""
        ray = self._ray
        pending = iter(units)
        flights: dict[Any, _Flight] = {}
        try:
            self._fill(pending, flights)
            while flights:
                ready, _ = ray.wait(list(flights), num_returns=1, timeout=WAIT_SECONDS)
                for stream in ready:
                    if not self._deliver(stream, flights[stream], on_event):
                        del flights[stream]
                self._fill(pending, flights)
        except BaseException:
            for stream in flights:  # Ctrl-C, a device or data error: stop every task, keep nothing running
                ray.cancel(stream, force=True)
            raise

    def close(self) -> None:
        """Shut down the local Ray instance this executor started (its worker processes with it)."""
        self._environments.clear()
        if self._started and self._ray.is_initialized():
            self._ray.shutdown()
        self._started = False

    # -- the driver's side ----------------------------------------------------------------------

    def _fill(self, pending: Iterator[WorkUnit], flights: dict[Any, _Flight]) -> None:
        while len(flights) < self.slots:
            unit = next(pending, None)
            if unit is None:
                return
            unit = replace(unit, base_dir=_absolute(unit.base_dir))
            self._prepared(unit.specs[0].data, unit.base_dir)  # what a failed record of this unit says
            task = self._tasks["train"].options(**memory_request(unit, self._largest_node))
            flights[task.remote(self.settings, unit, self.resources.num_cpus)] = _Flight(unit)

    def _deliver(self, stream: Any, flight: _Flight, on_event: EventHandler) -> bool:
        """Hand the next event of ``stream`` over; False where the unit is over."""
        ray = self._ray
        try:
            ref = next(stream)
        except StopIteration:
            return False
        try:
            event = ray.get(ref)
        except ray.exceptions.RayTaskError as exc:  # the task raised: a device or data error, not a run's own
            raise _cause(exc) from None
        except ray.exceptions.RayError as exc:  # its worker died TASK_RETRIES + 1 times, or its node is gone
            self._fail_rest(flight, exc, on_event)
            return False
        if event is not None:
            if isinstance(event, RunFinished):
                flight.finished.add(event.result.key)
            on_event(event)
        return True

    def _fail_rest(self, flight: _Flight, exc: BaseException, on_event: EventHandler) -> None:
        unit = flight.unit
        environment, sizes = self._prepared(unit.specs[0].data, unit.base_dir)
        error = (f"the Ray worker training it died {TASK_RETRIES + 1} times ({type(exc).__name__}: "
                 f"{str(exc).splitlines()[0] if str(exc) else 'no message'})")  # fmt: skip
        clock = Clock()
        for spec in unit.specs:
            if spec.key not in flight.finished:
                failed = Outcome(status=RunStatus.FAILED, error=error)
                on_event(RunFinished(record(spec, failed, environment, sizes=sizes, clock=clock)))

    def _prepared(self, data: DataConfig, base_dir: str | None) -> tuple[Environment, dict[str, int]]:
        """Set up a worker for ``data`` and load it there, once; where runs train and the split sizes."""
        key = (data, base_dir)
        if key not in self._environments:
            self._environments[key] = self._get(self._tasks["prepare"].remote(self.settings, data, base_dir))
        return self._environments[key]

    def _get(self, ref: Any) -> Any:
        try:
            return self._ray.get(ref)
        except self._ray.exceptions.RayTaskError as exc:
            raise _cause(exc) from None
        except self._ray.exceptions.RayError as exc:
            raise ExecutorError(f"a Ray worker could not set up its device or data ({type(exc).__name__}: {exc}). "
                                "Expected a worker that stays up; run the command again.") from None  # fmt: skip


@dataclass
class _Flight:
    """A unit in flight and the runs whose records the driver has had."""

    unit: WorkUnit
    finished: set[str] = field(default_factory=set)


def _cause(exc: BaseException) -> BaseException:
    """The exception a task raised (hypolab's own errors pass through unchanged)."""
    cause = getattr(exc, "cause", None)
    if isinstance(cause, HypolabError):
        return cause
    return ExecutorError(f"a Ray task failed: {cause if cause is not None else exc}")


def _absolute(folder: str | None) -> str:
    """``folder`` (None: the working directory) as an absolute path, as a worker elsewhere needs it."""
    return os.path.abspath(folder if folder is not None else os.getcwd())


# -- the task's side (runs in Ray worker processes) ----------------------------------------------

#: This process's worker per settings: a Ray worker process keeps its device set-up and its
#: loaded data sets between the units it trains (the local executor holds its own ``Worker``).
_WORKERS: dict[WorkerSettings, Worker] = {}


def _process_worker(settings: WorkerSettings, threads: float = 1) -> Worker:
    if settings not in _WORKERS:
        # Before TensorFlow starts: one unit per core Ray gave it, not every core of the machine per unit.
        os.environ.setdefault("TF_NUM_INTRAOP_THREADS", str(max(1, int(threads))))
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        _WORKERS[settings] = Worker(settings)
    return _WORKERS[settings]


def _prepare(settings: WorkerSettings, data: DataConfig, base_dir: str | None) -> tuple[Environment, dict[str, int]]:
    worker = _process_worker(settings)
    dataset = worker.dataset(data, base_dir)
    return worker.environment(), dict(dataset.sizes)


def _pack_choice(settings: WorkerSettings, config: TrainingConfig, data: DataConfig, base_dir: str | None,
                 runs: int, requested: int | Literal["auto"]) -> PackChoice:  # fmt: skip
    return _process_worker(settings).pack_choice(config, data, base_dir=base_dir, runs=runs, requested=requested)


def _train_unit(settings: WorkerSettings, unit: WorkUnit, threads: float) -> Iterator[Event | None]:
    """Train ``unit`` here, yielding its events as they happen, on a fixed schedule (``_schedule``)."""
    worker = _process_worker(settings, threads)
    events: queue.Queue = queue.Queue()
    done = object()

    def train() -> None:
        try:
            worker.train(unit, events.put)
        except BaseException as exc:  # handed to the generator, which raises it in the task
            events.put(_Raised(exc))
        finally:
            events.put(done)

    threading.Thread(target=train, name="hypolab-unit", daemon=True).start()
    yield from _schedule(iter(events.get, done), unit.specs[0].config.epochs)


@dataclass(frozen=True)
class _Raised:
    error: BaseException


def _schedule(events: Iterator[Any], epochs: int) -> Iterator[Event | None]:
    """The events of a unit, with a None for each epoch a model did not train (it stopped early).

    Every model of a unit yields ``RunsStarted``, ``epochs`` slots, then its
    records: a retried task yields as many events as the first attempt, so
    Ray's replay lines up and no record is lost or doubled.
    """
    seen = 0
    for event in events:
        if isinstance(event, _Raised):
            raise event.error
        if isinstance(event, RunsStarted):
            seen = 0
        elif isinstance(event, EpochEnded):
            seen += 1
        elif isinstance(event, RunFinished) and seen < epochs:
            yield from [None] * (epochs - seen)
            seen = epochs
        yield event
