"""Planning: a ``Hypothesis`` -> the ``RunSpec``s to train, their keys and engine, and its design table.

Runs are interleaved by seed (seed 0 of every arm, then seed 1, ...), so a
test stopped early still has balanced arms, and slow drift of the machine
(thermal throttling, other jobs) spreads over every arm instead of biasing
the one trained last.

A run's key holds everything its numbers depend on and nothing else: the
resolved config, the data's content and split settings (never the path that
names the file), the training engine (decided by the config alone:
``engine_for``) and the seed. See ``docs/run-identity.md``.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from hypolab.errors import DataError
from hypolab.fingerprint import with_fingerprint
from hypolab.records import (
    CnnConfig,
    CustomConfig,
    DataConfig,
    Engine,
    Hypothesis,
    RunSpec,
    TrainingConfig,
    is_timing_metric,
)

#: Optimizers whose update of a weight depends on the whole tensor (factored
#: moments, trust ratios, orthogonalisation), which would couple packed copies.
COUPLING_OPTIMIZERS = ("adafactor", "lamb", "muon")

#: Optimizers whose update uses the learning rate element by element, so the packed engine
#: can step each copy with its own (``ReduceLROnPlateau`` per copy; ``tests/test_packing_schedules.py``).
PER_COPY_RATE_OPTIMIZERS = ("adadelta", "adagrad", "adam", "adamax", "adamw", "ftrl", "lion", "nadam", "rmsprop", "sgd")


def unsupported_reason(config: TrainingConfig) -> str | None:
    """Why an arm's config cannot train in the packed engine, or None where it can.

    Example:

    >>> unsupported_reason(replace(config, model=CustomConfig(builder="m:f", args={})))
    "model.kind 'custom': a custom builder's model cannot be rebuilt with stacked weights"
    """
    if config.trainer is not None:
        return f"trainer {config.trainer!r}: your own training function trains one model per run"
    if isinstance(config.model, CustomConfig):
        return f"model.kind {config.model.kind.value!r}: a custom builder's model cannot be rebuilt with stacked weights"
    optimizer = config.optimizer.name.lower()
    if optimizer in COUPLING_OPTIMIZERS:
        return f"optimizer {optimizer!r} updates a weight from the whole tensor, which would couple the seeds"
    if config.reduce_lr_on_plateau is not None and optimizer not in PER_COPY_RATE_OPTIMIZERS:
        return (f"reduce_lr_on_plateau with optimizer {optimizer!r}: the packed engine cannot give each seed "
                "its own learning rate with it")  # fmt: skip
    return None


def engine_for(config: TrainingConfig) -> Engine:
    """The engine every run of this config trains with: ``packed`` where it can, else ``keras_fit``.

    Decided by the config alone (never by ``--pack``, ``--tensorboard``, a
    remainder or a retry), so one key always has one engine and a seed's
    numbers never depend on how its arm was split into packs. A config with
    ``trainer`` is ``trainer``: the user's own function trains it.
    """
    if config.trainer is not None:
        return Engine.TRAINER
    return Engine.PACKED if unsupported_reason(config) is None else Engine.KERAS_FIT


def architecture_revision(config: TrainingConfig) -> int | None:
    """The revision of the model this config builds, where it changed since run keys began; else None.

    A change of what ``hypolab.models.build`` makes of an unchanged config
    changes a run's numbers, so the keys of the configs it touches name the
    revision (and their runs of before are not reused); other keys stay.

    - 2: a ``cnn`` with ``batch_norm`` builds its Conv2D layers without a bias
      (a bias before a batch norm gets no gradient; issue 17).
    """
    if isinstance(config.model, CnnConfig) and config.model.batch_norm:
        return 2
    return None


def timing_reason(h: Hypothesis) -> str | None:
    """Why ``h`` trains one seed per model whatever its ``pack``: its metric is a time; None otherwise.

    A pack's seeds share one wall clock, so a packed run's ``train_seconds``
    is a share of the pack's time, not a measurement of that seed.
    """
    if is_timing_metric(h.metric):
        return (f"trained one seed at a time: the metric {h.metric} is a timing, and seeds packed "
                "together share one wall clock")  # fmt: skip
    return None


def run_key(config: TrainingConfig, data: DataConfig, seed: int, engine: Engine | None = None) -> str:
    """The store key of one run: what it trains, on what data, how, with which seed.

    The key is the first 16 hex digits of the SHA-256 of the canonical JSON
    (sorted keys, no spaces) of ``{"config": config.to_dict(), "data":
    data.identity(), "engine": engine.value, "seed": seed}`` (plus
    ``"architecture": n`` where ``architecture_revision`` names one): the
    data's content fingerprint and split settings, not its path. Two hypotheses that
    need the same run share it; the arm and hypothesis names are deliberately
    not part of the key.

    Args:
        config: the arm's resolved config.
        data: the data config; its ``fingerprint`` is computed now where unset.
        seed: the run's seed.
        engine: the training engine; ``engine_for(config)`` where None.

    Returns:
        16 lower-case hex characters.

    Raises:
        DataError: the data cannot be read now, so its content is unknown.

    Example:
        >>> len(run_key(h.control.config, DataConfig(), 0))
        16
    """
    data = with_identity(data)
    engine = engine_for(config) if engine is None else engine
    payload = {"config": config.to_dict(), "data": data.identity(), "engine": engine.value, "seed": int(seed)}
    revision = architecture_revision(config)
    if revision is not None:
        payload["architecture"] = revision
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def with_identity(data: DataConfig) -> DataConfig:
    """``data`` with its content fingerprint (computed now where unset).

    Raises:
        DataError: the data cannot be read now (a Keras set not downloaded
            yet, a file gone), so the run keys cannot be known.
    """
    if data.fingerprint is not None:
        return data
    found = with_fingerprint(data)
    if found.fingerprint is None:
        how = ("'hypolab test' downloads it into the Keras cache first" if data.name in ("mnist", "fashion_mnist", "cifar10")
               else "check that the file exists and can be read")  # fmt: skip
        raise DataError(
            f"data.name: {data.name!r} cannot be read now, so its content (part of every run key) is "
            f"unknown. Expected readable data; {how}."
        )
    return found


def plan(h: Hypothesis) -> list[RunSpec]:
    """Every run of a hypothesis, interleaved: seed 0 of every arm, then seed 1, ...

    Args:
        h: a validated hypothesis.

    Returns:
        ``len(h.arms) * len(h.seeds)`` RunSpecs, arms in file order (control
        first) within each seed, each with its data fingerprint and engine.

    Raises:
        DataError: the data cannot be read now (see ``with_identity``).

    Example:
        >>> [(s.arm, s.seed) for s in plan(h)][:3]
        [('batch 128', 0), ('batch 4', 0), ('batch 128', 1)]
    """
    data = with_identity(h.data)
    engines = {arm.name: engine_for(arm.config) for arm in h.arms}
    return [
        RunSpec(
            key=run_key(arm.config, data, seed, engines[arm.name]),
            hypothesis=h.name,
            arm=arm.name,
            seed=seed,
            config=arm.config,
            data=data,
            engine=engines[arm.name],
        )
        for seed in h.seeds
        for arm in h.arms
    ]


def design_table(h: Hypothesis) -> list[dict[str, Any]]:
    """The settings that differ between arms, one row per arm.

    Args:
        h: a validated hypothesis.

    Returns:
        One dict per arm (control first): ``{"arm": name, key: value, ...}``
        with dotted keys (``model.units``) in config order, holding only the
        keys whose value is not the same in every arm. A key an arm does not
        have (e.g. ``model.filters`` of an MLP) is None.

    Example:
        >>> design_table(h)
        [{'arm': 'batch 128', 'batch_size': 128}, {'arm': 'batch 4', 'batch_size': 4}]
    """
    flat = [arm.config.flat() for arm in h.arms]
    keys: list[str] = []
    for row in flat:
        keys.extend(key for key in row if key not in keys)
    missing = object()
    differing = [
        key
        for key in keys
        if len({json.dumps(row.get(key, missing), sort_keys=True, default=repr) for row in flat}) > 1
    ]
    return [
        {"arm": arm.name, **{key: row.get(key) for key in differing}}
        for arm, row in zip(h.arms, flat)
    ]
