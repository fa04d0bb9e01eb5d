"""The rules of search files that span several keys, beyond what the schema's types say.

Each check takes validated pieces (``searchschema`` models, ``space.Param``
records) and the ``Document`` to point into, and returns ``SpecError``s
(never raises), so a file's problems are all reported together, as
``hypolab.hypothesis.validate`` does for hypothesis files. A message names
the mapping its key belongs to (``space.model.units.each: 'max' must be
greater than 'min' (32). Got 8.``), or the entry it is about.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from hypolab.errors import SpecError, SpecErrors
from hypolab.hypothesis import vocabulary
from hypolab.hypothesis.messages import show, suggest
from hypolab.hypothesis.resolve import resolve_arm_config
from hypolab.hypothesis.yamlsource import Document, KeyPath, format_path
from hypolab.tuning.searchschema import OBJECTIVES, ObjectiveDirection, TunerKind, TunerSpec
from hypolab.tuning.space import Param, ParamKind, Sampling

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
#: The list-valued keys, searched as ``type: layers``.
LIST_KEYS = ("model.units", "model.filters")

_OPTIMIZER_ARGS = sorted({arg for name in vocabulary.OPTIMIZERS for arg in vocabulary.optimizer_args(name)})
_LAYERS_EXAMPLE = "{type: layers, min: 1, max: 3, each: {type: int, min: 16, max: 128, step: 16}}"


def _error(doc: Document, path: KeyPath, message: str, *, key: bool = False, whole: bool = False) -> SpecError:
    """An error at ``path``, shown under the mapping it belongs to (or itself, ``whole``)."""
    return doc.error(path, message, key=key, shown=format_path(path if whole else path[:-1]))


#: Settings of a hypothesis's base the tuner's own training does not read (issue 15's): refused, never ignored.
NOT_TUNED = ("metrics", "reduce_lr_on_plateau", "trainer", "args")


def check_base(doc: Document, base: Any) -> list[SpecError]:
    """``epochs`` is the tuner's to set, never the file's; settings the tuner does not train with are refused."""
    if not isinstance(base, Mapping):
        return []
    errors = []
    if "epochs" in base:
        message = f"'epochs' is set by the tuner. Got {show(base['epochs'])}. Remove it and set tuner.max_epochs."
        errors.append(_error(doc, ("base", "epochs"), message, key=True))
    optimizer = base.get("optimizer")
    unsupported = [key for key in NOT_TUNED if key in base]
    if isinstance(optimizer, Mapping) and isinstance(optimizer.get("learning_rate"), Mapping):
        unsupported.append("optimizer.learning_rate")
    for key in unsupported:
        path = ("base", *key.split("."))
        errors.append(_error(doc, path, f"'{key}' is a hypothesis setting the tuner does not train with (its trials "
                                        "use hypolab's model, a constant learning rate and accuracy/mae). Remove it "
                                        "from the search, and set it in the hypothesis that tests the tuned "
                                        "baseline.", key=True))  # fmt: skip
    return errors


def check_key(doc: Document, key: str, entry: Any) -> list[SpecError]:
    """A space key must be a config key the tuner can set, and list keys are searched as layers.

    Checked on the entry as written, so the reason shows even where the
    entry's own keys are wrong for its type (``each`` under ``type: int``).
    """
    path: KeyPath = ("space", key)
    head, _, rest = key.partition(".")
    if key in SEARCHABLE_KEYS or (key.startswith("model.args.") and len(key) > len("model.args.")):
        return _layers_rule(doc, key, entry.get("type") if isinstance(entry, Mapping) else None)
    if head == "optimizer" and rest and "." not in rest:
        if rest in _OPTIMIZER_ARGS:
            return []
        message = (
            f"'{key}' is not an optimizer argument.{suggest(rest, _OPTIMIZER_ARGS)} "
            f"Expected one of: {', '.join(_OPTIMIZER_ARGS)}."
        )
        return [_error(doc, path, message, key=True)]
    if key == "epochs":
        message = "'epochs' is set by the tuner. Remove it from the space and set tuner.max_epochs."
        return [_error(doc, path, message, key=True)]
    message = (
        f"cannot search '{key}'.{suggest(key, SEARCHABLE_KEYS)} Expected a config key: "
        f"{', '.join(SEARCHABLE_KEYS)}, optimizer.<argument> or model.args.<name>."
    )
    return [_error(doc, path, message, key=True)]


def _layers_rule(doc: Document, key: str, kind: Any) -> list[SpecError]:
    path: KeyPath = ("space", key, "type")
    if key in LIST_KEYS and isinstance(kind, str) and kind != ParamKind.LAYERS.value:
        message = f"'{key}' is a list of layers. Got type {kind!r}; expected type 'layers', e.g. {_LAYERS_EXAMPLE}."
        return [_error(doc, path, message)]
    if key not in LIST_KEYS and kind == ParamKind.LAYERS.value:
        message = f"type 'layers' is for list keys ({', '.join(LIST_KEYS)}). Got it for '{key}'."
        return [_error(doc, path, message)]
    return []


def check_param(doc: Document, param: Param, path: KeyPath) -> list[SpecError]:
    """Rules inside one hyperparameter: ranges, steps and defaults."""
    errors: list[SpecError] = []
    if param.kind in (ParamKind.INT, ParamKind.FLOAT, ParamKind.LAYERS) and not param.min < param.max:
        message = (
            f"'max' must be greater than 'min' ({show(param.min)}). Got {show(param.max)}. "
            "Use type 'fixed' for a single value."
        )
        errors.append(_error(doc, (*path, "max"), message))
    if param.kind in (ParamKind.INT, ParamKind.FLOAT):
        errors.extend(_range_rules(doc, param, path))
    if param.kind is ParamKind.CHOICE and param.default is not None and param.default not in param.values:
        message = f"'default' must be one of the values {list(param.values)}. Got {show(param.default)}."
        errors.append(_error(doc, (*path, "default"), message))
    if param.each is not None:
        errors.extend(check_param(doc, param.each, (*path, "each")))
    return errors


def _range_rules(doc: Document, param: Param, path: KeyPath) -> list[SpecError]:
    errors = []
    logarithmic = param.sampling is not Sampling.LINEAR
    if logarithmic and param.min <= 0:
        message = f"'min' must be a number > 0 with {param.sampling.value} sampling. Got {show(param.min)}."
        errors.append(_error(doc, (*path, "min"), message))
    if logarithmic and param.step is not None and param.step <= 1:
        message = f"'step' must be a factor greater than 1 (log sampling multiplies by it). Got {show(param.step)}."
        errors.append(_error(doc, (*path, "step"), message))
    if param.default is not None and not param.min <= param.default <= param.max:
        message = f"'default' must be in [{show(param.min)}, {show(param.max)}]. Got {show(param.default)}."
        errors.append(_error(doc, (*path, "default"), message))
    return errors


def check_condition(doc: Document, param: Param, earlier: Sequence[Param]) -> list[SpecError]:
    """``when`` names a key searched above, with values that key can take."""
    if param.when is None:
        return []
    parent, values = param.when.parent, param.when.values
    path: KeyPath = ("space", param.key, "when", parent)
    names = [p.count_name if p.kind is ParamKind.LAYERS else p.key for p in earlier]
    if parent not in names:
        listing = ", ".join(names) or "(none: declare the parent first)"
        message = (
            f"'when' must name a key searched above this one. Got '{parent}'.{suggest(parent, names)} "
            f"Expected one of: {listing}."
        )
        return [_error(doc, path, message, key=True)]
    source = next(p for p in earlier if parent in (p.key, p.count_name))
    possible = _possible_values(source, parent)
    wrong = [v for v in values if possible is not None and v not in possible]
    if wrong:
        return [_error(doc, path, f"'{parent}' never takes {wrong}. Expected values among {list(possible or ())}.")]
    return []


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


def check_tuner(doc: Document, tuner: TunerSpec, space: Sequence[Param]) -> list[SpecError]:
    """The tuner's keys that depend on each other, on its kind and on the space."""
    errors = []
    path: KeyPath = ("tuner",)
    written = tuner.model_fields_set
    better = OBJECTIVES[tuner.objective]
    if tuner.direction is not None and tuner.direction is not better:
        word = "higher" if better is ObjectiveDirection.MAX else "lower"
        message = (
            f"{tuner.objective} is better when {word}: 'direction' must be {better.value}. "
            f"Got {tuner.direction.value}."
        )
        errors.append(_error(doc, (*path, "direction"), message))
    if tuner.kind is not TunerKind.HYPERBAND:
        for name in ("factor", "hyperband_iterations"):
            if name in written:
                message = f"'{name}' applies to kind hyperband only. Got kind {tuner.kind.value}; remove '{name}'."
                errors.append(_error(doc, (*path, name), message, key=True))
    if tuner.kind is TunerKind.HYPERBAND and tuner.max_trials is not None:
        message = (
            "Hyperband sets its own number of trials from max_epochs, factor and hyperband_iterations. "
            "Remove 'max_trials' or choose kind random, bayesian or grid."
        )
        errors.append(_error(doc, (*path, "max_trials"), message, key=True))
    if tuner.kind in (TunerKind.RANDOM, TunerKind.BAYESIAN) and tuner.max_trials is None:
        message = (
            f"missing key 'max_trials' for kind {tuner.kind.value}: the number of configurations to try. "
            "Add 'max_trials:' to 'tuner'."
        )
        errors.append(_error(doc, path, message, whole=True))
    if tuner.kind is TunerKind.GRID:
        for param in space:
            if any(p.kind is ParamKind.FLOAT and p.step is None for p in (param, param.each) if p is not None):
                message = (
                    "a grid search needs a 'step' on every float range (a grid must be finite). "
                    "Add 'step' or use type 'choice'."
                )
                errors.append(_error(doc, ("space", param.key), message, whole=True))
    return errors


def check_configs(doc: Document, base: Mapping[str, Any], space: Sequence[Param]) -> list[SpecError]:
    """Every searched value makes a valid config: each key's extremes are resolved like an arm."""
    errors = []
    for param in space:
        # A conditional key is tried with its parent set as the condition asks.
        context = {}
        if param.when is not None and any(p.key == param.when.parent for p in space):
            context = {param.when.parent: param.when.values[0]}
        for value in _probe_values(param):
            try:
                resolve_arm_config(base, {**context, param.key: value})
            except SpecErrors as exc:
                first = exc.errors[0]
                where = f"{first.path}: " if first.path else ""
                hint = ""
                if param.key.startswith("optimizer.") and param.when is None and param.key != "optimizer.name":
                    hint = " To search it only with the optimizers that take it, add when: {optimizer.name: [...]}."
                message = (
                    f"setting '{param.key}' to {show(value)} makes an invalid config: {where}{first.message}{hint}"
                )
                errors.append(_error(doc, ("space", param.key), message, key=True))
                break
    return errors


def _probe_values(param: Param) -> list[Any]:
    if param.kind is ParamKind.LAYERS and param.each is not None:
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
