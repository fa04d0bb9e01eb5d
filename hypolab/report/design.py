"""The design section: what differs between the arms and what they share.

Configs are compared as flat dotted keys (``optimizer.learning_rate``), so a
reader sees exactly the settings that distinguish a treatment from the control.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from hypolab.records import Arm, Hypothesis, RunResult, flatten

_MISSING = object()


def show_value(value: Any) -> str:
    """A config value as a reader would write it (``off`` for an unset setting, ``[64, 32]``, ``true``)."""
    if value is _MISSING:
        return "(not set)"
    if value is None:
        return "off"
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, default=str)


#: The data settings in words, and what an unset one means.
_DATA_LABELS = {"name": ("data set", None), "validation_split": ("validation split", None),
                "test_split": ("test split", None), "split_seed": ("split seed", None),
                "subset": ("training subset", "all training examples"), "target": ("target column", None),
                "fingerprint": ("content fingerprint", None)}  # fmt: skip


def differing_keys(arms: Sequence[Arm]) -> list[dict[str, Any]]:
    """The config keys whose values are not the same in every arm.

    Returns:
        One row per key, in config order: ``{"key": "batch_size",
        "values": ["128", "4"]}`` with one shown value per arm, in arm order.
    """
    flats = [arm.config.flat() for arm in arms]
    keys: list[str] = []
    for flat in flats:
        keys.extend(key for key in flat if key not in keys)
    rows = []
    for key in keys:
        values = [flat.get(key, _MISSING) for flat in flats]
        if any(_differs(values[0], value) for value in values[1:]):
            rows.append({"key": key, "values": [show_value(value) for value in values]})
    return rows


def shared_config(arms: Sequence[Arm]) -> list[dict[str, str]]:
    """The config keys every arm sets to the same value: ``[{"key", "value"}]``."""
    differing = {row["key"] for row in differing_keys(arms)}
    flat = arms[0].config.flat() if arms else {}
    return [
        {"key": key, "value": show_value(value)}
        for key, value in flat.items()
        if key not in differing
    ]


def overrides_text(arm: Arm) -> str:
    """The arm's ``set`` mapping as written, e.g. ``batch_size: 4``."""
    if not arm.overrides:
        return "(base config)"
    return ", ".join(f"{key}: {show_value(value)}" for key, value in arm.overrides.items())


def data_rows(h: Hypothesis, results: Sequence[RunResult]) -> list[dict[str, str]]:
    """The data set and its splits in words: the file's settings, then the split sizes the runs recorded.

    Unset settings without a meaning of their own (``target`` of a built-in
    set) are left out; the sizes the runner recorded in ``RunResult.data``
    (``sizes: {train: 1149, ...}``) read as one row, ``1,149 training, 288
    validation, 360 test examples``.
    """
    rows = []
    written = h.data.to_dict()
    for key, value in written.items():
        label, unset = _DATA_LABELS.get(key, (key.replace("_", " "), None))
        if value is None and unset is None:
            continue
        rows.append({"key": label, "value": unset if value is None else show_value(value)})
    recorded: dict[str, Any] = {}
    for result in results:
        for key, value in (result.data or {}).items():
            if key not in written and key not in recorded:
                recorded[key] = value
    sizes = recorded.pop("sizes", None)
    if isinstance(sizes, dict):
        words = {"train": "training", "val": "validation", "test": "test"}
        parts = [f"{sizes[k]:,} {words[k]}" for k in words if isinstance(sizes.get(k), int)]
        if parts:
            rows.append({"key": "examples", "value": ", ".join(parts)})
    for key, value in flatten(recorded).items():
        if value is not None:
            rows.append({"key": key.replace(".", " ").replace("_", " "), "value": show_value(value)})
    return rows


def resolved_configs(arms: Sequence[Arm]) -> list[dict[str, Any]]:
    """Each arm's full resolved config as a table of its settings: ``[{"arm", "rows": [{"key", "value"}]}]``.

    Keys are the file's own (``model.units``, as ``set:`` writes them), values as a
    reader writes them (``off`` for an unset setting): no JSON ``null`` on the page.
    The record itself, as JSON, is stored with every run (``hypolab.store``).
    """
    return [
        {"arm": arm.name,
         "rows": [{"key": key, "value": show_value(value)} for key, value in flatten(arm.config.to_dict()).items()]}
        for arm in arms
    ]


def _differs(a: Any, b: Any) -> bool:
    if a is _MISSING or b is _MISSING:
        return a is not b
    return json.dumps(a, sort_keys=True, default=str) != json.dumps(b, sort_keys=True, default=str)
