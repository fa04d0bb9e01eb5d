"""Train the seeds of one arm together and record each: one packed model, one fused step.

``train_pack_in`` gives every spec the ``RunResult`` that
``hypolab.runner.train_in`` would give it, trained as one copy of a packed
model (``hypolab.packing.fit``); ``train_pack`` sets the device up first.

Example:

    results = train_pack(specs_of_one_arm, hypolab.datasets.load(data), device="cpu")
"""

from __future__ import annotations

from collections.abc import Sequence

import keras

from hypolab.device import placement, prepare
from hypolab.errors import ModelError
from hypolab.packing.copies import CopyState
from hypolab.packing.fit import EpochCallback, fit_copies
from hypolab.records import Dataset, RunResult, RunSpec, RunStatus
from hypolab.records.runs import Device
from hypolab.run_record import (
    Clock,
    Environment,
    Outcome,
    describe_error,
    record,
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
) -> list[RunResult]:
    """Train the specs of one arm as one packed model where ``environment`` says (set up already).

    Returns:
        One ``RunResult`` per spec, in order, with every field the plain
        runner fills; ``notes`` say the run was packed and with how many seeds.
        Like ``train_in`` it does not raise for a run's own failure: an
        exception fails every run of the pack, a NaN loss diverges one copy.

    Raises:
        ModelError: the specs do not share one config, or the config cannot
            be packed (see ``hypolab.packing.supports``).
    """
    specs = list(specs)
    _check_one_arm(specs)
    clock = Clock()
    copies = [CopyState(seed=s.seed) for s in specs]
    keras.backend.clear_session(free_memory=False)
    try:
        with placement(environment.device):
            outcomes = fit_copies(specs[0].config, dataset, copies, on_epoch=on_epoch).outcomes
    except ModelError:
        raise
    except Exception as exc:  # noqa: BLE001 - the pack's own failure is data, as for one run
        error = describe_error(exc, located=False)
        outcomes = [Outcome(status=RunStatus.FAILED, history=c.history, epochs_run=c.epochs, error=error) for c in copies]
    keras.backend.clear_session(free_memory=False)
    finished_at = utc_now()
    seconds = clock.seconds() / len(specs)
    notes = (
        f"packed: trained as one of {len(specs)} copies of one model "
        f"(seeds {', '.join(str(s.seed) for s in specs)}); "
        f"train_seconds is the pack's wall time divided by {len(specs)}",
    )
    return [
        record(spec, outcome, environment, sizes=dataset.sizes, clock=clock, train_seconds=seconds,
               finished_at=finished_at, notes=notes)  # fmt: skip
        for spec, outcome in zip(specs, outcomes)
    ]


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
