"""Planning: a ``Hypothesis`` -> the ``RunSpec``s to train, and its design table.

Runs are interleaved by seed (seed 0 of every arm, then seed 1, ...), so a
test stopped early still has balanced arms, and slow drift of the machine
(thermal throttling, other jobs) spreads over every arm instead of biasing
the one trained last.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from hypolab.records import DataConfig, Hypothesis, RunSpec, TrainingConfig


def run_key(config: TrainingConfig, data: DataConfig, seed: int) -> str:
    """The store key of one run: what it trains, on what data, with which seed.

    The key is the first 16 hex digits of the SHA-256 of the canonical JSON
    (sorted keys, no spaces) of ``{"config": config.to_dict(), "data":
    data.to_dict(), "seed": seed}``. Two hypotheses that need the same run share it; the arm
    and hypothesis names are deliberately not part of the key.

    Args:
        config: the arm's resolved config.
        data: the data config.
        seed: the run's seed.

    Returns:
        16 lower-case hex characters.

    Example:
        >>> len(run_key(h.control.config, DataConfig(), 0))
        16
    """
    payload = {"config": config.to_dict(), "data": data.to_dict(), "seed": int(seed)}
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def plan(h: Hypothesis) -> list[RunSpec]:
    """Every run of a hypothesis, interleaved: seed 0 of every arm, then seed 1, ...

    Args:
        h: a validated hypothesis.

    Returns:
        ``len(h.arms) * len(h.seeds)`` RunSpecs, arms in file order (control
        first) within each seed.

    Example:
        >>> [(s.arm, s.seed) for s in plan(h)][:3]
        [('batch 128', 0), ('batch 4', 0), ('batch 128', 1)]
    """
    return [
        RunSpec(
            key=run_key(arm.config, h.data, seed),
            hypothesis=h.name,
            arm=arm.name,
            seed=seed,
            config=arm.config,
            data=h.data,
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
