"""Resolving an arm's config: base + overrides + defaults -> the ``TrainingConfig`` trainers read.

Merging, defaults and validation work on the YAML side's plain dicts; the
validated result, with exactly the keys ``model`` (every key of its kind),
``optimizer`` (``name``, ``learning_rate`` (a number or a schedule) and any
other arguments), ``loss``, ``epochs``, ``batch_size``, ``early_stopping``
(None or every EarlyStopping argument), ``metrics`` (canonical entries),
``reduce_lr_on_plateau`` (None or every argument), ``trainer`` and ``args``,
becomes a ``records.TrainingConfig`` here, so no trainer needs a default of
its own.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from hypolab.errors import SpecError, SpecErrors
from hypolab.hypothesis import schedules
from hypolab.hypothesis.merge import MergeConflict, deep_merge, expand
from hypolab.hypothesis.messages import Problem, key_text, kind_of, show, suggest, unknown_key
from hypolab.hypothesis.metrics import metric_entries, monitor_problems
from hypolab.hypothesis.optimizers import argument_problems
from hypolab.hypothesis.schema import (
    CONFIG_KEYS,
    EARLY_STOPPING_DEFAULTS,
    MODEL_KEYS,
    MODELS,
    REDUCE_LR_DEFAULTS,
    OptimizerConfig,
    TrainConfig,
    field_defaults,
)
from hypolab.hypothesis.translate import translate
from hypolab.hypothesis.vocabulary import (
    BOOLEAN_OPTIMIZER_ARGS,
    DEFAULT_LEARNING_RATE,
    INTEGER_OPTIMIZER_ARGS,
    OPTIMIZERS,
    optimizer_args,
)
from hypolab.records import ModelKind, TrainingConfig
from hypolab.records.schedules import SCHEDULES

#: The schema's defaults, read once: ``base`` keys, the model kind, the optimizer.
_CONFIG_DEFAULTS = {k: v for k, v in field_defaults(TrainConfig).items() if k not in ("model", "optimizer")}
_DEFAULT_MODEL_KIND = field_defaults(TrainConfig)["model"].kind
_DEFAULT_OPTIMIZER = field_defaults(OptimizerConfig)["name"]


def merge_arm(base: Mapping[str, Any], nested: Mapping[str, Any]) -> dict[str, Any]:
    """Lay an arm's expanded overrides over ``base``.

    Where the arm switches ``model.kind`` (or ``optimizer.name``), the base's
    keys the new kind (or optimizer) does not take are dropped, so a treatment
    can swap an MLP for a CNN without unsetting ``units`` first.
    """
    merged = deep_merge(base, nested)
    for section, selector, allowed in (
        ("model", "kind", _model_keys),
        ("optimizer", "name", _optimizer_keys),
    ):
        old, new, written = base.get(section), merged.get(section), nested.get(section)
        if not (isinstance(old, Mapping) and isinstance(new, Mapping) and isinstance(written, Mapping)):
            continue
        if selector in written and old.get(selector) != written[selector]:
            keep = allowed(written[selector])
            merged[section] = {k: v for k, v in new.items() if k in keep or k in written}
    old_rate, written_rate = _rate(base), _rate(nested)
    if (isinstance(old_rate, Mapping) and isinstance(written_rate, Mapping) and "schedule" in written_rate
            and old_rate.get("schedule") != written_rate["schedule"]):
        # Another schedule: the old one's arguments go, as a model's keys do when its kind changes.
        merged["optimizer"]["learning_rate"] = dict(written_rate)
    return merged


def _rate(config: Mapping[str, Any]) -> Any:
    optimizer = config.get("optimizer")
    return optimizer.get("learning_rate") if isinstance(optimizer, Mapping) else None


def _schedule_keys(schedule: Any) -> set[str]:
    known = SCHEDULES.get(schedule) if isinstance(schedule, str) else None
    return {"schedule", *(known.arguments if known else ())}


def _model_keys(kind: Any) -> set[str]:
    return {"kind", *(MODEL_KEYS.get(kind, ()) if isinstance(kind, str) else ())}


def _optimizer_keys(name: Any) -> set[str]:
    return {"name", *optimizer_args(name)} if isinstance(name, str) else {"name"}


def complete(config: Mapping[str, Any]) -> dict[str, Any]:
    """Fill the defaults of every missing key; values already there are kept as they are."""
    out = copy.deepcopy(dict(config))
    model = out.setdefault("model", {})
    if isinstance(model, dict):
        kind = model.setdefault("kind", _DEFAULT_MODEL_KIND)
        schema = MODELS.get(kind) if isinstance(kind, str) else None
        for key, value in (field_defaults(schema) if schema else {}).items():
            model.setdefault(key, value)
    optimizer = out.setdefault("optimizer", {})
    if isinstance(optimizer, dict):
        name = optimizer.setdefault("name", _DEFAULT_OPTIMIZER)
        if optimizer.get("learning_rate") is None and isinstance(name, str) and name in DEFAULT_LEARNING_RATE:
            optimizer["learning_rate"] = DEFAULT_LEARNING_RATE[name]
    for key, value in _CONFIG_DEFAULTS.items():
        out.setdefault(key, copy.deepcopy(value))
    for section, defaults in (("early_stopping", EARLY_STOPPING_DEFAULTS), ("reduce_lr_on_plateau", REDUCE_LR_DEFAULTS)):
        settings = out[section]
        if isinstance(settings, dict):
            for key, value in defaults.items():
                settings.setdefault(key, value)
    return out


def check(config: Mapping[str, Any]) -> tuple[TrainingConfig | None, list[Problem]]:
    """Validate a completed config and build its record.

    Returns:
        ``(resolved, problems)``: the resolved ``TrainingConfig`` (None where
        there are problems) and the problems, with key paths relative to the config.
    """
    config, schedule, problems = _take_schedule(config)
    try:
        model = TrainConfig.model_validate(config)
    except ValidationError as exc:
        return None, problems + translate(exc, TrainConfig, config)
    resolved = model.model_dump()
    optimizer = resolved["optimizer"]
    problems += (_optimizer_problems(optimizer) or argument_problems(optimizer)) + _non_finite(resolved["model"], ("model",))
    problems += _non_finite(resolved["args"], ("args",))
    resolved["metrics"], metric_problems = metric_entries(resolved["metrics"])
    problems += metric_problems
    if schedule is not None and resolved["reduce_lr_on_plateau"] is not None:
        problems.append(Problem(("reduce_lr_on_plateau",), (), "'reduce_lr_on_plateau' lowers a constant learning "
                                "rate, but optimizer.learning_rate is a schedule (Keras refuses to set a scheduled "
                                "rate). Use one or the other.", at_key=True))  # fmt: skip
    if problems:
        return None, problems
    resolved["optimizer"] = _canonical_optimizer(resolved["optimizer"])
    if schedule is not None:
        resolved["optimizer"]["learning_rate"] = schedule
    if resolved["model"]["kind"] == ModelKind.CUSTOM.value:
        resolved["model"] = {k: resolved["model"][k] for k in ("kind", "builder", "args")}
    record = TrainingConfig.from_dict({key: resolved[key] for key in CONFIG_KEYS})
    problems = monitor_problems(record)
    return (None, problems) if problems else (record, [])


def _take_schedule(config: Mapping[str, Any]) -> tuple[Mapping[str, Any], dict[str, Any] | None, list[Problem]]:
    """A schedule written as ``optimizer.learning_rate`` checked on its own; the rest left for the schema.

    Returns:
        ``(config, schedule, problems)``: the config with a placeholder number
        where the schedule was (the schema checks numbers), the canonical schedule
        (or None), and its problems.
    """
    optimizer = config.get("optimizer")
    rate = optimizer.get("learning_rate") if isinstance(optimizer, Mapping) else None
    if not isinstance(rate, Mapping):
        return config, None, []
    schedule, problems = schedules.check(rate)
    config = {**config, "optimizer": {**optimizer, "learning_rate": 1.0}}
    return config, schedule, problems


def _optimizer_problems(optimizer: Mapping[str, Any]) -> list[Problem]:
    name = optimizer["name"]
    known = optimizer_args(name)
    problems = []
    for key, value in optimizer.items():
        if key in ("name", "learning_rate"):
            continue
        path = ("optimizer", key)
        if key not in known:
            problems.append(
                Problem(path, ("optimizer",), f"optimizer '{name}' has no argument '{key}'.{_hint(key, known)}", at_key=True)
            )
        elif key in BOOLEAN_OPTIMIZER_ARGS:
            if not isinstance(value, bool):
                problems.append(Problem(path, ("optimizer",), f"'{key}' must be true or false. Got {show(value)}."))
        elif key in INTEGER_OPTIMIZER_ARGS:
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
                problems.append(
                    Problem(path, ("optimizer",), f"'{key}' must be an integer >= 1 or null. Got {show(value)}.")
                )
        elif value is not None and (
            isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value)
        ):
            problems.append(
                Problem(path, ("optimizer",), f"'{key}' must be a number or null. Got {show(value)} ({kind_of(value)}).")
            )
    return problems


def _hint(key: str, known: tuple[str, ...]) -> str:
    close = suggest(key, known)
    return close or f" Expected one of: {', '.join(sorted(known))}."


def _non_finite(node: Any, path: tuple[Any, ...]) -> list[Problem]:
    """NaN or infinity anywhere in free-form values (a custom model's ``args``)."""
    if isinstance(node, float) and not math.isfinite(node):
        parent, shown = key_text(path)
        return [Problem(path, parent, f"'{shown}' must be a finite number. Got {show(node)}.")]
    if isinstance(node, Mapping):
        return [p for key, value in node.items() for p in _non_finite(value, (*path, key))]
    if isinstance(node, list):
        return [p for index, value in enumerate(node) for p in _non_finite(value, (*path, index))]
    return []


def _canonical_optimizer(optimizer: Mapping[str, Any]) -> dict[str, Any]:
    # Integral floats written as ints (momentum: 0) hash like 0.0, so equal
    # configs get equal run keys whichever way they were written.
    out: dict[str, Any] = {"name": optimizer["name"], "learning_rate": float(optimizer["learning_rate"])}
    for key in sorted(k for k in optimizer if k not in out):
        value = optimizer[key]
        if (
            isinstance(value, int)
            and not isinstance(value, bool)
            and key not in INTEGER_OPTIMIZER_ARGS
        ):
            value = float(value)
        out[key] = value
    return out


def override_problems(base: Mapping[str, Any], nested: Mapping[str, Any], origins: Mapping[tuple[str, ...], tuple[str, ...]]) -> list[Problem]:
    """Overrides of keys the completed ``base`` does not have.

    A key counts as present where ``base`` has it, where it is a key of the
    arm's model kind or an argument of the arm's optimizer, or where it is an
    EarlyStopping argument. ``model.args`` of a custom model is free-form.
    Paths of the problems are the written key paths (relative to ``set``).
    """
    problems: list[Problem] = []
    model_kind = _selected(base, nested, "model", "kind")
    optimizer_name = _selected(base, nested, "optimizer", "name")

    def known_at(path: tuple[str, ...], node: Any) -> set[str]:
        keys = set(node) if isinstance(node, Mapping) else set()
        if path == ("model",):
            keys |= _model_keys(model_kind)
        elif path == ("optimizer",):
            keys |= _optimizer_keys(optimizer_name)
        elif path == ("early_stopping",):
            keys |= set(EARLY_STOPPING_DEFAULTS)
        elif path == ("reduce_lr_on_plateau",):
            keys |= set(REDUCE_LR_DEFAULTS)
        elif path == ("optimizer", "learning_rate"):
            keys |= _schedule_keys(_rate(nested).get("schedule") if isinstance(_rate(nested), Mapping) else None)
            keys |= _schedule_keys(node.get("schedule") if isinstance(node, Mapping) else None)
        return keys

    def walk(path: tuple[str, ...], base_node: Any, override: Mapping[str, Any]) -> None:
        if path in (("model", "args"), ("args",)):  # free-form: the builder's or the trainer's own
            return
        known = known_at(path, base_node)
        for key, value in override.items():
            child = (*path, key)
            if key not in known:
                written = origins.get(child, child)
                problems.append(Problem(written, (), _unknown_override(path, key, known, model_kind, optimizer_name), at_key=True))
                continue
            base_child = base_node.get(key) if isinstance(base_node, Mapping) else None
            if isinstance(value, Mapping) and (isinstance(base_child, Mapping) or child in _SETTINGS):
                walk(child, base_child if isinstance(base_child, Mapping) else {}, value)

    walk((), base, nested)
    return problems


#: Sections an arm may set as a mapping where ``base`` has none: their keys are known anyway.
_SETTINGS = (("early_stopping",), ("reduce_lr_on_plateau",), ("args",))


def _unknown_override(path: tuple[str, ...], key: str, known: set[str], kind: Any, optimizer: Any) -> str:
    shown = ".".join((*path, key))
    if path == ("model",):
        kinds = [k for k, keys in MODEL_KEYS.items() if key in keys]
        if kinds:
            return (
                f"unknown key '{shown}': model kind '{kind}' has no '{key}' ({', '.join(kinds)} has). "
                f"Set model.kind: {kinds[0]} too, or remove it."
            )
    if path == ("optimizer",):
        takers = [name for name in OPTIMIZERS if key in optimizer_args(name)]
        if takers:
            return (
                f"unknown key '{shown}': optimizer '{optimizer}' has no argument '{key}' "
                f"({', '.join(takers)} have). Set optimizer.name too, or remove it."
            )
    return unknown_key(shown, (".".join((*path, k)) for k in known))


def _selected(base: Mapping[str, Any], nested: Mapping[str, Any], section: str, key: str) -> Any:
    for source in (nested, base):
        node = source.get(section)
        if isinstance(node, Mapping) and key in node:
            return node[key]
    return None


def resolve_arm_config(base: TrainingConfig | Mapping[str, Any], overrides: Mapping[str, Any]) -> TrainingConfig:
    """The resolved config of an arm: ``base`` deep-merged with ``overrides``, defaults filled.

    Args:
        base: a base config: ``Hypothesis.base``, or a partial one as written
            in a file's ``base``.
        overrides: an arm's ``set`` mapping; dotted keys such as ``model.units`` allowed.

    Returns:
        The ``TrainingConfig`` (its ``to_dict()`` has the keys ``model``,
        ``optimizer``, ``loss``, ``epochs``, ``batch_size``, ``early_stopping``,
        and those of ``TrainingConfig.OPTIONAL_KEYS`` that are set).

    Raises:
        SpecErrors: an override names a key the base does not have, or the
            result is not a valid config.

    Example:
        >>> resolve_arm_config({"model": {"kind": "mlp", "units": [64]}}, {"model.units": [16]}).model
        MlpConfig(units=(16,), activation='relu', dropout=0.0, batch_norm=False)
    """
    if isinstance(base, TrainingConfig):
        base = base.to_dict()
    try:
        nested, origins = expand(overrides)
    except MergeConflict as exc:
        raise SpecErrors([SpecError(exc.message, path="set." + ".".join(exc.written))]) from None
    base_complete = complete(base)
    problems = override_problems(base_complete, nested, origins)
    if not problems:
        resolved, problems = check(complete(merge_arm(base, nested)))
        if resolved is not None:
            return resolved
    raise SpecErrors([_plain_error(problem) for problem in problems])


def _plain_error(problem: Problem) -> SpecError:
    parent, _ = key_text(problem.path) if not problem.parent else (problem.parent, "")
    shown = ".".join(str(p) for p in parent)
    return SpecError(problem.message, path=shown)
