"""Training a hypothesis's runs through the store: rounds, claims, leases, records.

``execute`` is what ``hypolab.pipeline.run_hypothesis`` does: register the
plan, skip what the store holds, ask the executor how each arm packs, hand it
the rest in balanced rounds (each round's runs claimed just before they
train), commit each record the moment its ``RunFinished`` event arrives, and
wait for runs another process is training. The driver alone talks to the
store; the executor (``hypolab.executors``) trains.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from hypolab.errors import HypolabError
from hypolab.executors import (
    EpochEnded,
    Event,
    Executor,
    PackChoice,
    RunFinished,
    RunsStarted,
    WorkUnit,
)
from hypolab.progress import NullProgress, Progress
from hypolab.fingerprint import text_sha256, with_fingerprint
from hypolab.plan import timing_reason
from hypolab.pipeline.looks import needed_specs, train_looks
from hypolab.records import Engine, Hypothesis, Look, PlanIdentity, RunOptions, RunResult, RunSpec, RunStatus
from hypolab.run_record import utc_now
from hypolab.store import Claim, RunStore, new_owner

#: How often a waiting process looks again at runs another process trains.
POLL_SECONDS = 1.0


@dataclass(frozen=True)
class Trained:
    """What ``execute`` did.

    Args:
        results: every planned run's record, in plan order, with this hypothesis's arm names
            (of a sequential test: the runs its looks trained, each arm up to its last look).
        trained: how many runs this call trained (the rest came from the store).
        looks: a sequential test's recorded looks (``hypolab.pipeline.looks``); empty otherwise.
    """

    results: list[RunResult]
    trained: int
    looks: tuple[Look, ...] = ()


def execute(
    h: Hypothesis,
    options: RunOptions,
    *,
    progress: Progress | None = None,
    store: RunStore | None = None,
    executor: Executor | None = None,
) -> Trained:
    """Train what the store lacks with an executor; return every planned record.

    Args:
        h: the hypothesis.
        options: how to train (store file, rerun, device, pack...).
        progress: where progress goes; None reports nothing.
        store: an open store to use instead of opening ``options.store``.
        executor: the executor to train with (kept open); by default the one
            ``options`` ask for (``hypolab.executors.create``), closed at the end.

    Raises:
        StoreError, DataError, DeviceError: the store, data or device cannot be used.
    """
    from hypolab import executors
    from hypolab import plan as planning

    if executor is None:
        executors.check(options)  # before the store or the data are touched
    if h.save_models and not options.save_models:
        options = replace(options, save_models=True)  # the file's save_models: true, as --save-models
    owned = None  # an executor this call creates (and closes)
    try:
        if h.data.fingerprint is None:
            # A Keras data set not downloaded yet: its content, part of every key, is known once it is.
            owned = executor or executors.create(options)
            owned.prepare(h.data, _base_dir(h))
            h = replace(h, data=with_fingerprint(h.data))
        specs = planning.plan(h)
        check_metrics_exist(h)
        run_store = store if store is not None else RunStore(options.store)
        looks: list[Look] = []
        wanted = specs
        try:
            if h.sequential is None:
                trained = _train_missing(h, specs, run_store, options, progress, executor or owned)
            else:  # a look loop around the same round training: hypolab.pipeline.looks
                owned = owned or (None if executor is not None else executors.create(options))
                trained, looks = train_looks(h, specs, run_store, rerun=options.rerun, train=lambda runs: _train_missing(
                    h, runs, run_store, options, progress, executor or owned, planned=specs))  # fmt: skip
                wanted = needed_specs(h, specs, looks)
            results = run_store.results_for(s.key for s in wanted)
        finally:
            if store is None:
                run_store.close()
    finally:
        if owned is not None and executor is None:
            owned.close()
    missing = [s for s in wanted if s.key not in results]
    if missing:
        raise HypolabError(f"{len(missing)} planned runs have no record after training (first: {missing[0].arm}, "
                           f"seed {missing[0].seed}). Run the same command again to train them.")  # fmt: skip
    return Trained(results=[replace(results[s.key], arm=s.arm) for s in wanted], trained=trained, looks=tuple(looks))


def _train_missing(h: Hypothesis, specs: list[RunSpec], run_store: RunStore, options: RunOptions,
                   progress: Progress | None, executor: Executor | None,
                   planned: list[RunSpec] | None = None) -> int:  # fmt: skip
    """Register the plan (``planned``, else ``specs``), then train what the store lacks of ``specs``.

    Returns how many runs trained. Without an ``executor``, the one ``options`` ask for is
    created (only where a run needs training).
    """
    from hypolab import executors

    started = time.time()
    planned = specs if planned is None else planned
    run_store.register_plan(h.name, h.path, planned, plan_identity(h, planned))
    run_store.register_source(h.name, h.source, h.baseline)
    stored = run_store.results_for(s.key for s in specs)
    todo = [s for s in specs if _needs_training(stored.get(s.key), options.rerun)]
    if not todo:
        return 0
    if options.tensorboard_dir is not None:  # the HParams tab's experiment: arms, config hparams, the metric
        from hypolab import runlogs

        runlogs.write_experiment(h.name, specs, h.metric, options.tensorboard_dir)
    chosen = executor if executor is not None else executors.create(options)
    try:
        driver = _Driver(h, run_store, chosen, progress or NullProgress(), started=started, rerun=options.rerun)
        driver.train(specs, todo, h.pack if options.pack is None else options.pack)
        return len(driver.trained)
    finally:
        if executor is None:
            chosen.close()


def check_metrics_exist(h: Hypothesis) -> None:
    """Refuse, before any run trains, a metric the data's task cannot have, read from all of its labels.

    ``hypolab validate`` decides the task from a CSV's first rows; this reads
    the whole target column (``hypolab.tasks.probe``), so a decimal in a late
    row, which makes the labels regression targets, is caught before training.

    Raises:
        DataError: the file's ``metric``, a secondary metric or a listed metric
            does not exist for the data's task.
    """
    from hypolab.errors import DataError
    from hypolab.hypothesis.metrics import metric_problem, task_problems
    from hypolab.tasks import probe

    found = probe(h.data, _base_dir(h), rows=None)
    if found.task is None:
        return  # the loader says why the data cannot be read
    words = f"the data is {found.task.value} ({found.why})"
    configs = [arm.config for arm in h.arms]
    problems = [message for config in configs for _, message in task_problems(config, found.task, found.why)]
    for key, metric in [("metric", h.metric), *((f"secondary_metrics[{i}]", m) for i, m in enumerate(h.secondary_metrics))]:
        problem = metric_problem(metric, key, configs, found.task, words, h.declared_better)
        if problem is not None:
            problems.append(problem)
    if problems:
        raise DataError(f"{h.path or h.name}: {' '.join(dict.fromkeys(problems))} (found reading every label of "
                        f"{h.data.name}, before any run trained)")  # fmt: skip


def plan_identity(h: Hypothesis, specs: Sequence[RunSpec]) -> PlanIdentity:
    """What the plan of ``h`` rests on, registered with it (``RunStore.register_plan``)."""
    return PlanIdentity(
        hypothesis=h.name, path=str(Path(h.path).resolve()) if h.path else "",
        data=specs[0].data if specs else h.data, baseline=h.baseline, source_sha256=text_sha256(h.source),
        planned_at=utc_now(),
    )  # fmt: skip


def _base_dir(h: Hypothesis) -> str | None:
    """Where a relative data file and a custom builder of ``h`` are found: its file's folder."""
    return str(Path(h.path).parent) if h.path else None


def _needs_training(record: RunResult | None, rerun: bool) -> bool:
    if record is None or rerun:
        return True
    return record.status is RunStatus.FAILED  # failures are often transient (out of memory): retry them


def _rounds(h: Hypothesis, specs: Sequence[RunSpec], round_size: int) -> list[list[RunSpec]]:
    """Units of work that keep the arms balanced.

    Round ``r`` covers the seeds ``h.seeds[r * round_size : (r + 1) * round_size]``:
    first those of the control, then those of each treatment in file order.
    Runs not in ``specs`` (already stored) leave gaps, so a resumed test
    continues in the same order as an uninterrupted one.
    """
    position = {seed: i for i, seed in enumerate(h.seeds)}
    arm_order = {arm.name: i for i, arm in enumerate(h.arms)}
    grouped: dict[tuple[int, int], list[RunSpec]] = {}
    for spec in sorted(specs, key=lambda s: position[s.seed]):
        slot = (position[spec.seed] // round_size, arm_order[spec.arm])
        grouped.setdefault(slot, []).append(spec)
    return [grouped[slot] for slot in sorted(grouped)]


class _Driver:
    """One ``execute`` call's training: claims rounds, feeds the executor, commits its records."""

    def __init__(self, h: Hypothesis, store: RunStore, executor: Executor, progress: Progress, *,
                 started: float, rerun: bool) -> None:  # fmt: skip
        self.h = h
        self.store = store
        self.executor = executor
        self.progress = progress
        self.owner = new_owner()
        self.started = started
        # --rerun: only records written from now on count as done.
        self.fresh_since = started if rerun else None
        self.base_dir = _base_dir(h)
        self.choices: dict[str, PackChoice] = {}
        self.specs: dict[str, RunSpec] = {}
        self.deferred: list[RunSpec] = []
        self.trained: list[str] = []

    def train(self, specs: list[RunSpec], todo: list[RunSpec], requested: int | str) -> None:
        h = self.h
        self.specs = {spec.key: spec for spec in specs}
        data = specs[0].data  # with its content fingerprint: the worker checks it still holds
        self.executor.prepare(data, self.base_dir)  # device and data errors surface before any claim
        timing = timing_reason(h)
        for arm in h.arms:
            choice = self.executor.pack_choice(arm.config, data, base_dir=self.base_dir, runs=len(h.seeds),
                                               requested=1 if timing else requested)  # fmt: skip
            self.choices[arm.name] = PackChoice(size=1, note=timing, memory=choice.memory) if timing else choice
        packed = [choice.size for choice in self.choices.values() if choice.size > 1]
        # One round size for every arm keeps them balanced; unpacked arms train the round's seeds one by one.
        round_size = min(packed) if packed else 1
        self.progress.start(h.name, total=len(specs), stored=len(specs) - len(todo))
        heartbeat = _Heartbeat(self.store.path, self.owner, self.store.lease_seconds)
        try:
            self.executor.run(self._claimed(_rounds(h, todo, round_size)), self._on_event)
            while self.deferred:  # runs another process holds: wait for its records, or take over a stale lease
                self.progress.waiting(len(self.deferred))
                time.sleep(POLL_SECONDS)
                retry, self.deferred = self.deferred, []
                self.executor.run(self._claimed(_rounds(h, retry, 1)), self._on_event)
        except BaseException:
            heartbeat.stop()
            self.progress.close()
            try:
                self.store.release(self.owner)
            except HypolabError:
                pass  # the store fault being raised says more; the leases go stale with this process
            raise
        heartbeat.stop()
        self.progress.close()
        self.store.release(self.owner)

    def _claimed(self, rounds: Iterable[list[RunSpec]]) -> Iterator[WorkUnit]:
        """The rounds as units of work, each claimed when the executor asks for it.

        Runs another process holds are kept in ``deferred``; runs with a
        usable record by now are left out.
        """
        for unit in rounds:
            claimed = []
            for spec in unit:
                outcome = self.store.claim(spec.key, owner=self.owner, fresh_since=self.fresh_since,
                                           retry_failed_before=self.started)  # fmt: skip
                if outcome is Claim.CLAIMED:
                    claimed.append(spec)
                elif outcome is Claim.BUSY:
                    self.deferred.append(spec)
            if claimed:
                choice = self.choices[claimed[0].arm]
                # Every run of a packed-engine config trains in the packed engine, alone or
                # beside other seeds (a remainder, a retry, --pack 1, --tensorboard, a run
                # taken over from another process): a seed's numbers must not depend on how
                # its arm happened to be split. The engine is part of the key.
                packed = claimed[0].engine is Engine.PACKED
                groups = [claimed] if packed and choice.size > 1 else [[spec] for spec in claimed]
                for group in groups:
                    yield WorkUnit(specs=tuple(group), packed=packed, base_dir=self.base_dir, note=choice.note,
                                   memory_bytes=choice.unit_bytes(len(group)))  # fmt: skip

    def _on_event(self, event: Event) -> None:
        if isinstance(event, RunFinished):
            self.store.put(event.result, owner=self.owner)
            self.trained.append(event.result.key)
            self.progress.run_done(event.result)
        elif isinstance(event, EpochEnded):
            self.progress.epoch_done([self.specs[k] for k in event.keys], event.epoch, event.epochs, event.logs)
        elif isinstance(event, RunsStarted):
            self.progress.runs_started([self.specs[k] for k in event.keys])


class _Heartbeat:
    """Refreshes this process's leases from a thread while the main thread trains."""

    def __init__(self, path: Path, owner: str, lease_seconds: float) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, args=(path, owner, lease_seconds / 5), daemon=True)
        self._thread.start()

    def _beat(self, path: Path, owner: str, every: float) -> None:
        store = None  # opened at the first beat (SQLite connections belong to one thread)
        try:
            while not self._stop.wait(every):
                try:
                    store = store or RunStore(path)
                    store.heartbeat(owner)
                except HypolabError:
                    pass  # the store was busy; the next beat comes well within the lease
        finally:
            if store is not None:
                store.close()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
