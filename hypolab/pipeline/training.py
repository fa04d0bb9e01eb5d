"""Training a hypothesis's runs through the store: rounds, claims, leases, records.

``execute`` is what ``hypolab.pipeline.run_hypothesis`` does: register the
plan, skip what the store holds, train the rest in balanced rounds (packed
where ``hypolab.packing`` supports the arm), commit each record at once, and
wait for runs another process is training.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

from hypolab.errors import HypolabError
from hypolab.progress import NullProgress, Progress
from hypolab.records import Hypothesis, RunResult, RunSpec, RunStatus
from hypolab.store import Claim, RunStore, new_owner

Device = Literal["auto", "cpu", "gpu"]
#: How often a waiting process looks again at runs another process trains.
POLL_SECONDS = 1.0

@dataclass
class _Run:
    """Mutable state of one ``run_hypothesis`` call."""

    hypothesis: Hypothesis
    store: RunStore
    owner: str
    fresh_since: float | None
    started: float
    device: Device
    tensorboard_dir: str | os.PathLike[str] | None
    progress: Progress
    dataset: Any = None
    trained: list[str] = field(default_factory=list)


def execute(h, store, rerun, device, pack, progress, tensorboard_dir, deterministic) -> tuple[list[RunResult], int]:
    """Train what the store lacks; return every planned record (in plan order) and how many were trained now."""
    from hypolab import plan as planning

    specs = planning.plan(h)
    owns_store = not isinstance(store, RunStore)
    run_store = RunStore(store) if owns_store else store
    started = time.time()
    state = _Run(
        hypothesis=h, store=run_store, owner=new_owner(), fresh_since=started if rerun else None, started=started,
        device=device, tensorboard_dir=tensorboard_dir, progress=progress or NullProgress(),
    )  # fmt: skip
    try:
        run_store.register_plan(h.name, h.path, specs)
        run_store.register_source(h.name, h.source)
        stored = run_store.results_for(s.key for s in specs)
        todo = [s for s in specs if _needs_training(stored.get(s.key), state)]
        if todo:
            _train_all(state, specs, todo, pack, deterministic, len(specs) - len(todo))
        results = run_store.results_for(s.key for s in specs)
        missing = [s for s in specs if s.key not in results]
        if missing:
            raise HypolabError(f"{len(missing)} planned runs have no record after training (first: {missing[0].arm}, "
                               f"seed {missing[0].seed}). Run the same command again to train them.")
        return [replace(results[s.key], arm=s.arm) for s in specs], len(state.trained)
    finally:
        if owns_store:
            run_store.close()


def _needs_training(record: RunResult | None, state: _Run) -> bool:
    if record is None or state.fresh_since is not None:
        return True
    return record.status is RunStatus.FAILED  # failures are often transient (out of memory): retry them


def _train_all(state: _Run, specs: list[RunSpec], todo: list[RunSpec], pack, deterministic: bool, stored: int) -> None:
    if state.device == "cpu" and "keras" not in sys.modules:
        # Hide the GPUs before the backend initialises (runner.prepare_device
        # also does, but importing the runner may already load the backend).
        os.environ["CUDA_VISIBLE_DEVICES"] = "-1"
        os.environ["JAX_PLATFORMS"] = "cpu"
    from hypolab import datasets, runner

    runner.prepare_device(state.device, deterministic=deterministic)
    h = state.hypothesis
    base_dir = Path(h.path).parent if h.path else None
    state.dataset = datasets.load(h.data, base_dir=base_dir)
    trainer = _Trainer(state, base_dir, h.pack if pack is None else pack)
    state.progress.start(h.name, total=len(specs), stored=stored)
    heartbeat = _Heartbeat(state.store.path, state.owner, state.store.lease_seconds)
    try:
        deferred: list[RunSpec] = []
        for unit in _rounds(h, todo, trainer.round_size):
            deferred += trainer.claim_and_train(unit)
        while deferred:  # runs another process holds: wait for its records, or take over a stale lease
            state.progress.waiting(len(deferred))
            time.sleep(POLL_SECONDS)
            deferred = [s for unit in _rounds(h, deferred, 1) for s in trainer.claim_and_train(unit)]
    finally:
        heartbeat.stop()
        state.store.release(state.owner)
        state.progress.close()


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
    for spec in sorted(specs, key=lambda s: position.get(s.seed, s.seed)):
        slot = (position.get(spec.seed, spec.seed) // round_size, arm_order.get(spec.arm, len(arm_order)))
        grouped.setdefault(slot, []).append(spec)
    return [grouped[slot] for slot in sorted(grouped)]


class _Trainer:
    """Claims units of runs and trains them packed or one at a time, recording each."""

    def __init__(self, state: _Run, base_dir: Path | None, pack: int | str) -> None:
        self.state = state
        self.base_dir = base_dir
        # Arm name -> seeds per model, and why an arm is not packed where packing was asked for.
        self.sizes: dict[str, int] = {}
        self.unpacked_note: dict[str, str] = {}
        packing = None
        if pack != 1:
            try:
                from hypolab import packing
            except ImportError:
                packing = None
        for arm in state.hypothesis.arms:
            if packing is None:
                self.sizes[arm.name] = 1
            elif state.tensorboard_dir is not None:
                self.sizes[arm.name] = 1
                self.unpacked_note[arm.name] = "trained one seed at a time: --tensorboard logs need one model per run"
            elif packing.supports(arm.config):
                self.sizes[arm.name] = packing.pack_size(arm.config, state.dataset, len(state.hypothesis.seeds), pack)
            else:
                self.sizes[arm.name] = 1
                self.unpacked_note[arm.name] = f"trained one seed at a time: {packing.unsupported_reason(arm.config)}"
        packed = [size for size in self.sizes.values() if size > 1]
        # One round size for every arm keeps them balanced; unpacked arms train the round's seeds one by one.
        self.round_size = min(packed) if packed else 1

    def claim_and_train(self, unit: list[RunSpec]) -> list[RunSpec]:
        """Claim the unit's runs, train those claimed; return the ones another process holds."""
        state = self.state
        claimed, busy = [], []
        for spec in unit:
            outcome = state.store.claim(spec.key, owner=state.owner, fresh_since=state.fresh_since,
                                        retry_failed_before=state.started)  # fmt: skip
            if outcome is Claim.CLAIMED:
                claimed.append(spec)
            elif outcome is Claim.BUSY:
                busy.append(spec)
        if claimed and self.sizes.get(claimed[0].arm, 1) > 1:
            # Even a lone seed of a packed arm (a remainder, a retry, a run taken
            # over from another process) goes through the packed path: a seed's
            # numbers must not depend on how its arm happened to be split.
            self._train_pack(claimed)
        else:
            for spec in claimed:
                self._train_single(spec)
        return busy

    def _train_single(self, spec: RunSpec) -> None:
        from hypolab import runner

        state = self.state
        state.progress.runs_started([spec])
        result = runner.train_one(
            spec, state.dataset, device=state.device, on_epoch=self._epoch_reporter([spec]),
            tensorboard_dir=state.tensorboard_dir, base_dir=self.base_dir,
        )  # fmt: skip
        note = self.unpacked_note.get(spec.arm)
        self._record(replace(result, notes=(*result.notes, note)) if note else result)

    def _train_pack(self, specs: list[RunSpec]) -> None:
        from hypolab import packing

        state = self.state
        state.progress.runs_started(specs)
        try:
            results = packing.train_pack(specs, state.dataset, device=state.device, on_epoch=self._epoch_reporter(specs))
        except Exception as exc:  # as in train_one: a failure is recorded, the other runs go on
            results = [_failed(spec, exc, state.device) for spec in specs]
        for result in results:
            self._record(result)

    def _record(self, result: RunResult) -> None:
        self.state.store.put(result, owner=self.state.owner)
        self.state.trained.append(result.key)
        self.state.progress.run_done(result)

    def _epoch_reporter(self, specs: list[RunSpec]) -> Callable[[int, Mapping[str, float]], None]:
        epochs = int(specs[0].config.get("epochs", 1))
        progress = self.state.progress
        return lambda epoch, logs: progress.epoch_done(specs, epoch, epochs, logs)


def _failed(spec: RunSpec, exc: Exception, device: Device) -> RunResult:
    from hypolab import runner

    backend, versions = runner.environment()
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    return RunResult(
        key=spec.key, hypothesis=spec.hypothesis, arm=spec.arm, seed=spec.seed, config=spec.config,
        data=spec.data.to_dict(), status=RunStatus.FAILED, device=runner.prepare_device(device),
        backend=backend, versions=versions, started_at=now, finished_at=now,
        error=f"packed training failed: {type(exc).__name__}: {exc}",
    )  # fmt: skip


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
