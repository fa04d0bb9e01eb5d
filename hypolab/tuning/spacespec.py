"""The ``space:`` section of a search file, checked entry by entry into ``Param`` records.

Each entry maps a hypolab config key to a hyperparameter::

    model.units: {type: layers, min: 1, max: 3, each: {type: int, min: 16, max: 128, step: 16}}
    optimizer.learning_rate: {type: float, min: 1.0e-4, max: 1.0e-2, sampling: log}
    optimizer.momentum: {type: float, min: 0.0, max: 0.9, when: {optimizer.name: [sgd]}}

Problems are collected (never raised one at a time) and located in the file
through ``hypolab.hypothesis.yamlsource``; ``searchspec`` raises them together.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from hypolab.errors import SpecError, SpecErrors
from hypolab.hypothesis import messages, vocabulary
from hypolab.hypothesis.resolve import resolve_arm_config
from hypolab.hypothesis.yamlsource import Document, KeyPath
from hypolab.tuning.space import Condition, Param, ParamKind, Sampling

_PARAM_KEYS: dict[ParamKind, tuple[str, ...]] = {
    ParamKind.INT: ("type", "min", "max", "step", "sampling", "default", "when"),
    ParamKind.FLOAT: ("type", "min", "max", "step", "sampling", "default", "when"),
    ParamKind.CHOICE: ("type", "values", "default", "when"),
    ParamKind.BOOLEAN: ("type", "default", "when"),
    ParamKind.FIXED: ("type", "value", "when"),
    ParamKind.LAYERS: ("type", "min", "max", "each", "when"),
}

#: Config keys a space may search, beyond ``optimizer.<argument>`` and ``model.args.<name>``.
SEARCHABLE_KEYS = (
    "batch_size",
    "loss",
    "model.kind",
    "model.units",
    "model.activation",
    "model.dropout",
    "model.batch_norm",
    "model.filters",
    "model.kernel_size",
    "optimizer.name",
    "early_stopping.patience",
    "early_stopping.min_delta",
)
_LIST_KEYS = ("model.units", "model.filters")


class Checker:
    """Collects every problem of one document instead of stopping at the first."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.errors: list[SpecError] = []

    def fail(self, path: KeyPath, message: str, *, key: bool = False) -> None:
        self.errors.append(self.doc.error(path, message, key=key))

    def unknown_keys(self, path: KeyPath, mapping: Mapping[str, Any], allowed: tuple[str, ...]) -> None:
        for key in mapping:
            if key not in allowed:
                self.fail(
                    (*path, key),
                    f"unknown key '{key}'.{did_you_mean(key, allowed)} Expected one of: {', '.join(allowed)}.",
                    key=True,
                )


class SpaceChecker(Checker):
    """Checks a search file's ``space`` (and that each value makes a valid config)."""

    def space(self, value: Any) -> tuple[Param, ...] | None:
        if value is None:
            return None
        path: KeyPath = ("space",)
        if not isinstance(value, dict) or not value:
            self.fail(
                path,
                f"'space' must be a non-empty mapping of config keys to hyperparameters, e.g. "
                f"{{batch_size: {{type: choice, values: [16, 32]}}}}. Got {shown(value)} instead.",
            )
            return None
        params: list[Param] = []
        for key, entry in value.items():
            if not self.searchable(path, key):
                continue
            param = self.param((*path, key), key, entry, params)
            if param is not None:
                params.append(param)
        return tuple(params)

    def searchable(self, path: KeyPath, key: str) -> bool:
        if key in SEARCHABLE_KEYS:
            return True
        head, _, rest = key.partition(".")
        if head == "optimizer" and rest and "." not in rest:
            known = sorted({a for name in vocabulary.OPTIMIZERS for a in vocabulary.optimizer_args(name)})
            if rest in known:
                return True
            self.fail(
                (*path, key),
                f"'{key}' is not an optimizer argument.{did_you_mean(rest, known)} "
                f"Expected one of: {', '.join(known)}.",
                key=True,
            )
            return False
        if key.startswith("model.args.") and len(key) > len("model.args."):
            return True
        if key == "epochs":
            self.fail((*path, key), "'epochs' is set by the tuner. Remove it from the space and set tuner.max_epochs.", key=True)
            return False
        self.fail(
            (*path, key),
            f"cannot search '{key}'.{did_you_mean(key, SEARCHABLE_KEYS)} Expected a config key: "
            f"{', '.join(SEARCHABLE_KEYS)}, optimizer.<argument> or model.args.<name>.",
            key=True,
        )
        return False

    def param(self, path: KeyPath, key: str, entry: Any, earlier: list[Param], *, nested: bool = False) -> Param | None:
        kinds = [k.value for k in ParamKind if not (nested and k in (ParamKind.LAYERS, ParamKind.FIXED))]
        if not isinstance(entry, dict) or "type" not in entry:
            self.fail(
                path,
                f"a hyperparameter must be a mapping with a 'type' ({', '.join(kinds)}). Got {shown(entry)} instead.",
            )
            return None
        try:
            kind = ParamKind(entry["type"])
        except ValueError:
            kind = None
        if kind is None or kind.value not in kinds:
            self.fail(
                (*path, "type"),
                f"'type' must be one of: {', '.join(kinds)}. Got {shown(entry['type'])} instead."
                + did_you_mean(str(entry["type"]), kinds),
            )
            return None
        allowed = _PARAM_KEYS[kind]
        if nested:
            allowed = tuple(k for k in allowed if k != "when")
        before = len(self.errors)
        self.unknown_keys(path, entry, allowed)
        if key in _LIST_KEYS and kind is not ParamKind.LAYERS and not nested:
            self.fail(
                (*path, "type"),
                f"'{key}' is a list of layers. Got type {kind.value!r}; expected type 'layers', e.g. "
                f"{{type: layers, min: 1, max: 3, each: {{type: int, min: 16, max: 128, step: 16}}}}.",
            )
        if kind is ParamKind.LAYERS and key not in _LIST_KEYS:
            self.fail(
                (*path, "type"),
                f"type 'layers' is for list keys ({', '.join(_LIST_KEYS)}). Got it for '{key}'.",
            )
        when = self.condition((*path, "when"), entry["when"], earlier) if "when" in entry else None
        fields: dict[str, Any] = {"key": key, "kind": kind, "when": when}
        if kind in (ParamKind.INT, ParamKind.FLOAT, ParamKind.LAYERS):
            fields.update(self.bounds(path, entry, integer=kind is not ParamKind.FLOAT, layers=kind is ParamKind.LAYERS))
        if kind is ParamKind.CHOICE:
            fields["values"] = self.choices(path, entry)
            if "default" in entry and entry["default"] not in fields["values"]:
                self.fail((*path, "default"), f"'default' must be one of the values {list(fields['values'])}. Got {shown(entry['default'])} instead.")
            fields["default"] = entry.get("default")
        if kind is ParamKind.BOOLEAN:
            default = entry.get("default", False)
            if not isinstance(default, bool):
                self.fail((*path, "default"), f"'default' must be true or false. Got {shown(default)} instead.")
            fields["default"] = default
        if kind is ParamKind.FIXED:
            if "value" not in entry or not _is_scalar(entry["value"]):
                self.fail(path, f"a fixed setting needs 'value': a string, number or boolean. Got {shown(entry.get('value'))} instead.")
            fields["value"] = entry.get("value")
        if kind is ParamKind.LAYERS:
            if "each" not in entry:
                self.fail(path, "type 'layers' needs 'each': the hyperparameter of every layer, e.g. {type: int, min: 16, max: 128, step: 16}.")
            else:
                each = self.param((*path, "each"), f"{key}[i]", entry["each"], [], nested=True)
                if each is not None and each.kind not in (ParamKind.INT, ParamKind.CHOICE):
                    self.fail((*path, "each", "type"), f"each layer's 'type' must be int or choice. Got {each.kind.value!r} instead.")
                fields["each"] = each
        if len(self.errors) > before:
            return None
        return Param(**fields)

    def bounds(self, path: KeyPath, entry: Mapping[str, Any], *, integer: bool, layers: bool) -> dict[str, Any]:
        number = "an integer" if integer else "a number"
        out: dict[str, Any] = {}
        for bound in ("min", "max"):
            if bound not in entry:
                self.fail(path, f"missing '{bound}': {number}.")
                continue
            value = entry[bound]
            ok = is_int(value) if integer else _is_number(value)
            if not ok:
                self.fail((*path, bound), f"'{bound}' must be {number}. Got {shown(value)} instead.")
                continue
            out[bound] = value
        if "min" in out and "max" in out and not out["min"] < out["max"]:
            self.fail((*path, "max"), f"'max' must be greater than 'min' ({out['min']}). Got {out['max']} instead. Use type 'fixed' for a single value.")
        if layers:
            if "min" in out and out["min"] < 1:
                self.fail((*path, "min"), f"the number of layers 'min' must be at least 1. Got {out['min']} instead.")
            return out
        sampling = entry.get("sampling", "linear")
        try:
            out["sampling"] = Sampling(sampling)
        except ValueError:
            self.fail((*path, "sampling"), f"'sampling' must be one of: linear, log, reverse_log. Got {shown(sampling)} instead.")
            out["sampling"] = Sampling.LINEAR
        if out["sampling"] is not Sampling.LINEAR and "min" in out and out["min"] <= 0:
            self.fail((*path, "min"), f"'min' must be positive with {out['sampling'].value} sampling. Got {out['min']} instead.")
        if "step" in entry:
            step = entry["step"]
            ok = (is_int(step) if integer else _is_number(step)) and step > 0
            if out["sampling"] is not Sampling.LINEAR and ok and step <= 1:
                ok = False
            if not ok:
                expected = "a factor greater than 1 (log sampling multiplies by it)" if out["sampling"] is not Sampling.LINEAR else f"a positive {'integer' if integer else 'number'}"
                self.fail((*path, "step"), f"'step' must be {expected}. Got {shown(step)} instead.")
            else:
                out["step"] = step
        if "default" in entry:
            default = entry["default"]
            ok = is_int(default) if integer else _is_number(default)
            if not ok or ("min" in out and "max" in out and not out["min"] <= default <= out["max"]):
                self.fail((*path, "default"), f"'default' must be {number} in [{out.get('min')}, {out.get('max')}]. Got {shown(default)} instead.")
            else:
                out["default"] = default
        return out

    def choices(self, path: KeyPath, entry: Mapping[str, Any]) -> tuple[Any, ...]:
        values = entry.get("values")
        if not isinstance(values, list) or not values:
            self.fail((*path, "values") if "values" in entry else path, f"a choice needs 'values': a non-empty list. Got {shown(values)} instead.")
            return ()
        for index, value in enumerate(values):
            if not _is_scalar(value):
                self.fail((*path, "values", index), f"choice values must be strings, numbers or booleans. Got {shown(value)} instead.")
                return ()
        # Keras Tuner's Choice holds one type: ints and floats may not mix.
        types = {_choice_type(v) for v in values}
        if len(types) > 1:
            self.fail((*path, "values"), f"choice values must all have one type (Keras Tuner's Choice). Got {', '.join(sorted(types))}.")
        if len(set(map(repr, values))) != len(values):
            self.fail((*path, "values"), f"choice values must be distinct. Got {values}.")
        return tuple(values)

    def condition(self, path: KeyPath, value: Any, earlier: list[Param]) -> Condition | None:
        names = [p.key for p in earlier if p.kind is not ParamKind.LAYERS] + [p.count_name for p in earlier if p.kind is ParamKind.LAYERS]
        if not isinstance(value, dict) or len(value) != 1:
            self.fail(path, f"'when' must map one earlier key to its list of values, e.g. {{optimizer.name: [sgd]}}. Got {shown(value)} instead.")
            return None
        (parent, values), = value.items()
        if parent not in names:
            self.fail(
                (*path, parent),
                f"'when' must name a key searched above this one.{did_you_mean(parent, names)} Got '{parent}'; "
                f"expected one of: {', '.join(names) or '(none: declare the parent first)'}.",
                key=True,
            )
            return None
        if not isinstance(values, list):
            values = [values]
        if not values or not all(_is_scalar(v) for v in values):
            self.fail((*path, parent), f"the values of '{parent}' must be a non-empty list of strings, numbers or booleans. Got {shown(values)} instead.")
            return None
        param = next((p for p in earlier if parent in (p.key, p.count_name)), None)
        possible = _possible_values(param, parent) if param is not None else None
        if possible is not None:
            wrong = [v for v in values if v not in possible]
            if wrong:
                self.fail((*path, parent), f"'{parent}' never takes {wrong}. Expected values among {list(possible)}.")
                return None
        return Condition(parent=parent, values=tuple(values))

    def probe(self, base: dict[str, Any], params: tuple[Param, ...]) -> None:
        """Check every searched value makes a valid config, pointing at its key."""
        for param in params:
            # A conditional key is tried with its parent set as the condition asks.
            context = {}
            if param.when is not None and any(p.key == param.when.parent for p in params):
                context = {param.when.parent: param.when.values[0]}
            for value in _probe_values(param):
                try:
                    resolve_arm_config(base, {**context, param.key: value})
                except SpecErrors as exc:
                    first = exc.errors[0]
                    where = f"{first.path}: " if first.path else ""
                    hint = ""
                    if param.key.startswith("optimizer.") and param.when is None and param.key != "optimizer.name":
                        hint = (
                            " To search it only with the optimizers that take it, add "
                            "when: {optimizer.name: [...]}."
                        )
                    self.fail(
                        ("space", param.key),
                        f"setting '{param.key}' to {messages.show(value)} makes an invalid config: "
                        f"{where}{first.message}{hint}",
                        key=True,
                    )
                    break


def _probe_values(param: Param) -> list[Any]:
    if param.kind is ParamKind.LAYERS:
        assert param.each is not None
        return [[v] * int(param.min) for v in _probe_values(param.each)]
    if param.kind is ParamKind.INT:
        return [int(param.min), int(param.max)]
    if param.kind is ParamKind.FLOAT:
        return [float(param.min), float(param.max)]
    if param.kind is ParamKind.CHOICE:
        return list(param.values)
    if param.kind is ParamKind.BOOLEAN:
        return [True, False]
    return [param.value]


def _possible_values(param: Param, name: str) -> tuple[Any, ...] | None:
    if param.kind is ParamKind.LAYERS and name == param.count_name:
        return tuple(range(int(param.min), int(param.max) + 1))
    if param.kind is ParamKind.CHOICE:
        return param.values
    if param.kind is ParamKind.BOOLEAN:
        return (True, False)
    if param.kind is ParamKind.FIXED:
        return (param.value,)
    return None


def did_you_mean(word: str, options: Any) -> str:
    return messages.suggest(word, options)


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _is_scalar(value: Any) -> bool:
    return isinstance(value, (str, int, float, bool))


def _choice_type(value: Any) -> str:
    return "boolean" if isinstance(value, bool) else type(value).__name__


def kind_of(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "a string", type(None): "nothing"}.get(type(value), type(value).__name__)


def shown(value: Any) -> str:
    if isinstance(value, str):
        return repr(value)
    if value is None:
        return "nothing (null)"
    return str(value)
