"""Deep merge of configs and dotted keys such as ``model.units``.

An arm's ``set`` mapping may mix nested mappings and dotted keys::

    set: {model.units: [16], optimizer: {learning_rate: 0.01}}

``expand`` turns it into nested mappings (remembering which written key each
nested key came from, so messages can point at the text), and ``deep_merge``
lays it over ``base``: mappings merge key by key, anything else (lists,
numbers, null) is replaced whole.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

#: A key path inside a config, e.g. ``("model", "units")``.
ConfigPath = tuple[str, ...]


class MergeConflict(ValueError):
    """An override sets the same key twice, or uses an empty dotted part.

    Args:
        written: the written key path of the second setting (as in the file).
        message: what is wrong and how to fix it.
    """

    def __init__(self, written: ConfigPath, message: str) -> None:
        self.written = written
        self.message = message
        super().__init__(message)


def expand(overrides: Mapping[str, Any]) -> tuple[dict[str, Any], dict[ConfigPath, ConfigPath]]:
    """Expand dotted keys into nested mappings.

    Args:
        overrides: an arm's ``set`` mapping as written.

    Returns:
        ``(nested, origins)``: the nested mapping, and for each nested key path
        the written key path it came from, e.g. ``("model", "units") ->
        ("model.units",)``.

    Raises:
        MergeConflict: a key is set twice (``model.units`` and ``model:
            {units: ...}``) or a dotted key has an empty part (``model..units``).

    Example:
        >>> expand({"model.units": [16]})[0]
        {'model': {'units': [16]}}
    """
    nested: dict[str, Any] = {}
    origins: dict[ConfigPath, ConfigPath] = {}
    _expand_into(nested, (), overrides, (), origins)
    return nested, origins


def _expand_into(
    target: dict[str, Any],
    target_path: ConfigPath,
    source: Mapping[str, Any],
    written_prefix: ConfigPath,
    origins: dict[ConfigPath, ConfigPath],
) -> None:
    for key, value in source.items():
        written = (*written_prefix, key)
        parts = tuple(key.split("."))
        if any(part == "" for part in parts):
            raise MergeConflict(
                written,
                f"key '{key}' has an empty part. Expected dotted keys like 'model.units'.",
            )
        node = target
        for depth, part in enumerate(parts[:-1]):
            child = node.get(part)
            if child is None:
                child = node[part] = {}
                origins.setdefault((*target_path, *parts[: depth + 1]), written)
            elif not isinstance(child, dict):
                shown = ".".join((*target_path, *parts[: depth + 1]))
                raise MergeConflict(written, f"'{shown}' is set twice. Set each key once.")
            node = child
        leaf = parts[-1]
        path = (*target_path, *parts)
        if isinstance(value, Mapping):
            child = node.setdefault(leaf, {})
            if not isinstance(child, dict):
                raise MergeConflict(written, f"'{'.'.join(path)}' is set twice. Set each key once.")
            origins.setdefault(path, written)
            _expand_into(child, path, value, written, origins)
        else:
            if leaf in node:
                raise MergeConflict(written, f"'{'.'.join(path)}' is set twice. Set each key once.")
            node[leaf] = copy.deepcopy(value)
            origins[path] = written


def deep_merge(base: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` with ``overrides`` laid over it; neither input is changed.

    Mappings merge key by key; every other value (lists included) replaces the
    base's value whole.

    Example:
        >>> deep_merge({"model": {"units": [64], "dropout": 0.1}}, {"model": {"units": [16]}})
        {'model': {'units': [16], 'dropout': 0.1}}
    """
    merged = copy.deepcopy(dict(base))
    for key, value in overrides.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged
