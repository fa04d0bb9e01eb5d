"""Search files: load and validate ``searches/<name>.yaml`` into a ``SearchSpec``.

A search file holds the data and the fixed settings (``data`` and ``base``,
exactly as in hypothesis files), the search ``space`` in Keras Tuner's terms
keyed by hypolab config keys, and the ``tuner``::

    data: {name: digits, subset: 600}
    base:
      model: {kind: mlp, activation: relu}
      optimizer: {name: adam}
    space:
      model.units: {type: layers, min: 1, max: 3, each: {type: int, min: 16, max: 128, step: 16}}
      optimizer.learning_rate: {type: float, min: 1.0e-4, max: 1.0e-2, sampling: log}
      batch_size: {type: choice, values: [16, 32, 64]}
    tuner:
      kind: hyperband            # hyperband | bayesian | random | grid
      objective: val_accuracy    # a validation metric; direction: max for accuracy, min for loss/mae
      max_epochs: 10
      seed: 0

Every problem is reported with the file, line and column, the key path, what
was received and what was expected (``hypolab.hypothesis.yamlsource``); all of a
file's problems are raised together as ``SpecErrors``.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pydantic

from hypolab.errors import SpecError, SpecErrors
from hypolab.records import DataConfig
from hypolab.hypothesis import schema, translate, validate, yamlsource
from hypolab.hypothesis.resolve import resolve_arm_config
from hypolab.hypothesis.yamlsource import KeyPath
from hypolab.tuning.space import Param, ParamKind
from hypolab.tuning.spacespec import SpaceChecker, did_you_mean, is_int, kind_of, shown


class TunerKind(str, enum.Enum):
    """The Keras Tuner search strategies."""

    HYPERBAND = "hyperband"
    BAYESIAN = "bayesian"
    RANDOM = "random"
    GRID = "grid"


class ObjectiveDirection(str, enum.Enum):
    """Keras Tuner's objective directions."""

    MAX = "max"
    MIN = "min"


#: Validation metrics a search may optimise, with the direction that is better.
OBJECTIVES: dict[str, ObjectiveDirection] = {
    "val_accuracy": ObjectiveDirection.MAX,
    "val_loss": ObjectiveDirection.MIN,
    "val_mae": ObjectiveDirection.MIN,
}


@dataclass(frozen=True)
class TunerSettings:
    """How Keras Tuner searches.

    Args:
        kind: hyperband, bayesian, random or grid.
        objective: the validation metric, e.g. ``val_accuracy``.
        direction: ``max`` or ``min``.
        max_epochs: epochs per trial (random, bayesian, grid); Hyperband's
            largest number of epochs for one model.
        max_trials: the number of trials (random, bayesian; optional for
            grid, which stops when the grid is exhausted); None for hyperband.
        executions_per_trial: models trained per trial; the trial's score is
            their mean.
        seed: the tuner's seed (its sampling, and each execution's weights).
        factor: Hyperband's reduction factor.
        hyperband_iterations: Hyperband's number of sweeps.
    """

    kind: TunerKind
    objective: str
    direction: ObjectiveDirection
    max_epochs: int
    max_trials: int | None = None
    executions_per_trial: int = 1
    seed: int = 0
    factor: int = 3
    hyperband_iterations: int = 1


@dataclass(frozen=True)
class SearchSpec:
    """A validated search file.

    Args:
        name: the output name, from the file name (``baselines/<name>.yaml``,
            ``reports/tune-<name>/``).
        path: the file's path as given.
        data: the data set and its splits (the test split is never used).
        base: the fixed settings as written (a hypothesis file's ``base``
            without ``epochs``: the tuner sets it).
        space: the searched keys, in file order.
        tuner: the search strategy, objective and budget.
        keep_trials: how many of the best trials the baseline file lists.
        description: the file's ``description``, if any.
        source: the file's text.
    """

    name: str
    path: str
    data: DataConfig
    base: dict[str, Any]
    space: tuple[Param, ...]
    tuner: TunerSettings
    keep_trials: int = 5
    description: str = ""
    source: str = ""


_TOP_KEYS = ("description", "data", "base", "space", "tuner", "keep_trials")
_TUNER_KEYS = (
    "kind",
    "objective",
    "direction",
    "max_epochs",
    "max_trials",
    "executions_per_trial",
    "seed",
    "factor",
    "hyperband_iterations",
)
def load_search(path: str | Path) -> SearchSpec:
    """Read and validate a search file.

    Args:
        path: the search file, e.g. ``searches/digits_mlp.yaml``.

    Returns:
        A ``SearchSpec``.

    Raises:
        SpecErrors: every problem found, each located in the file.

    Example:

    >>> search = load_search("searches/digits_mlp.yaml")
    >>> search.tuner.kind
    <TunerKind.HYPERBAND: 'hyperband'>
    """
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpecErrors(
            [SpecError("no such file. Expected a search file; write one with 'hypolab new --search NAME'.", file=file)]
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecErrors([SpecError(f"cannot read the file: {exc}.", file=file)]) from None
    return load_search_text(text, file=file)


def load_search_text(text: str, *, file: str = "<search>") -> SearchSpec:
    """Validate a search file's text (see ``load_search``)."""
    try:
        doc = yamlsource.parse(text, file)
    except SpecError as exc:
        raise SpecErrors([exc]) from None
    checker = _FileChecker(doc)
    search = checker.search()
    if checker.errors:
        raise SpecErrors(checker.errors)
    assert search is not None  # every path that returns None records an error
    return search


def trial_config(search: SearchSpec, overrides: Mapping[str, Any], *, epochs: int) -> dict[str, Any]:
    """The resolved hypolab config of one trial: ``base`` with the trial's values merged in.

    Args:
        search: the search file.
        overrides: dotted overrides from ``space.overrides_from_values``.
        epochs: the epochs this trial trains.

    Returns:
        A complete config as the runner sees it (``model``, ``optimizer``,
        ``loss``, ``epochs``, ``batch_size``, ``early_stopping``), resolved by
        ``hypolab.hypothesis.resolve_arm_config`` exactly as a hypothesis arm is.

    Raises:
        SpecErrors: the values make a config the hypothesis format rejects.
    """
    return resolve_arm_config(search.base, {**dict(overrides), "epochs": int(epochs)})


def search_name(file: str) -> str:
    """The output name of a search file: its stem, made safe as a folder name."""
    stem = Path(file).stem if file and not file.startswith("<") else "search"
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", stem).strip("-.") or "search"


class _FileChecker(SpaceChecker):
    """Checks a whole search file: its top-level keys, data, base, space and tuner."""

    def search(self) -> SearchSpec | None:
        data = self.doc.data
        if not isinstance(data, dict):
            self.fail((), f"a search file must be a mapping of keys ({', '.join(_TOP_KEYS)}). Got {kind_of(data)} instead.")
            return None
        if "claim" in data and "space" not in data:
            self.fail(
                (),
                "this is a hypothesis file (it has 'claim'), not a search file. Expected the keys "
                f"{', '.join(_TOP_KEYS)}. Run a hypothesis with 'hypolab test {self.doc.file}'; "
                "write a search with 'hypolab new --search NAME'.",
            )
            return None
        self.unknown_keys((), data, _TOP_KEYS)
        for required in ("data", "base", "space", "tuner"):
            if required not in data:
                self.fail((), f"missing required key '{required}'. Add it; 'hypolab new --search NAME' writes a complete example.")
        description = data.get("description", "")
        if not isinstance(description, str):
            self.fail(("description",), f"'description' must be a string. Got {shown(description)} instead.")
            description = ""
        keep = data.get("keep_trials", 5)
        if not is_int(keep) or keep < 1:
            self.fail(("keep_trials",), f"'keep_trials' must be a positive integer. Got {shown(keep)} instead.")
            keep = 5
        data_config = self.data_config(data.get("data"))
        base = self.base(data.get("base"))
        space = self.space(data.get("space"))
        tuner = self.tuner(data.get("tuner"), space)
        if base is not None and space:
            self.probe(base, space)
        if self.errors or data_config is None or base is None or space is None or tuner is None:
            return None
        return SearchSpec(
            name=search_name(self.doc.file),
            path=self.doc.file,
            data=data_config,
            base=base,
            space=space,
            tuner=tuner,
            keep_trials=int(keep),
            description=description,
            source=self.doc.text,
        )

    # -- keys ------------------------------------------------------------

    # -- data and base: the hypothesis file's sections ---------------------

    def data_config(self, value: Any) -> DataConfig | None:
        if self.validate(("data",), schema.DataSpec, value):
            return None
        data = schema.DataSpec.model_validate(value)
        # The spec's own check (a built-in name, or a .npz/.csv file found
        # relative to this file's folder), given the one field it reads.
        name, errors = validate.check_data(data, self.doc, Path(self.doc.file).parent)
        self.errors.extend(errors)
        if name is None:
            return None
        return DataConfig(**{**data.model_dump(), "name": name})

    def base(self, value: Any) -> dict[str, Any] | None:
        if isinstance(value, dict) and "epochs" in value:
            self.fail(
                ("base", "epochs"),
                f"'epochs' is set by the tuner. Got {shown(value['epochs'])} instead. "
                "Remove it and set tuner.max_epochs.",
                key=True,
            )
            value = {k: v for k, v in value.items() if k != "epochs"}
        if self.validate(("base",), schema.TrainConfig, value):
            return None
        return dict(value)

    def validate(self, path: KeyPath, model: type[pydantic.BaseModel], value: Any) -> bool:
        """Validate a hypothesis-file section with the spec's schema; True where it failed."""
        try:
            model.model_validate(value)
        except pydantic.ValidationError as exc:
            for problem in translate.translate(exc, model, value):
                shown = yamlsource.format_path((*path, *problem.parent))
                self.errors.append(
                    self.doc.error((*path, *problem.path), problem.message, key=problem.at_key, shown=shown)
                )
            return True
        return False

    # -- tuner -----------------------------------------------------------

    def tuner(self, value: Any, space: tuple[Param, ...] | None) -> TunerSettings | None:
        if value is None:
            return None
        path: KeyPath = ("tuner",)
        if not isinstance(value, dict):
            self.fail(path, f"'tuner' must be a mapping, e.g. {{kind: hyperband, objective: val_accuracy, max_epochs: 10}}. Got {shown(value)} instead.")
            return None
        before = len(self.errors)
        self.unknown_keys(path, value, _TUNER_KEYS)
        kinds = [k.value for k in TunerKind]
        kind_value = value.get("kind", "hyperband")
        try:
            kind = TunerKind(kind_value)
        except ValueError:
            self.fail((*path, "kind"), f"'kind' must be one of: {', '.join(kinds)}. Got {shown(kind_value)} instead.{did_you_mean(str(kind_value), kinds)}")
            kind = TunerKind.RANDOM
        objective = value.get("objective", "val_accuracy")
        if objective not in OBJECTIVES:
            hint = " The test split is never used for tuning." if isinstance(objective, str) and objective.startswith("test_") else ""
            self.fail((*path, "objective"), f"'objective' must be a validation metric: {', '.join(OBJECTIVES)}. Got {shown(objective)} instead.{hint}{did_you_mean(str(objective), list(OBJECTIVES))}")
            objective = "val_accuracy"
        direction_value = value.get("direction", OBJECTIVES[objective].value)
        try:
            direction = ObjectiveDirection(direction_value)
        except ValueError:
            self.fail((*path, "direction"), f"'direction' must be max or min. Got {shown(direction_value)} instead.")
            direction = OBJECTIVES[objective]
        if direction is not OBJECTIVES[objective]:
            self.fail((*path, "direction"), f"{objective} is better when {'higher' if OBJECTIVES[objective] is ObjectiveDirection.MAX else 'lower'}: 'direction' must be {OBJECTIVES[objective].value}. Got {direction.value}.")
        counts = {}
        for name, default, low in (("max_epochs", None, 1), ("executions_per_trial", 1, 1), ("factor", 3, 2), ("hyperband_iterations", 1, 1), ("seed", 0, 0)):
            got = value.get(name, default)
            if name == "max_epochs" and "max_epochs" not in value:
                self.fail(path, "missing required key 'max_epochs': the epochs of each trial (Hyperband: of its longest trials).")
                continue
            if not is_int(got) or got < low:
                self.fail((*path, name), f"'{name}' must be an integer >= {low}. Got {shown(got)} instead.")
                continue
            counts[name] = int(got)
        if kind is not TunerKind.HYPERBAND:
            for name in ("factor", "hyperband_iterations"):
                if name in value:
                    self.fail((*path, name), f"'{name}' applies to kind hyperband only. Got kind {kind.value}; remove '{name}'.", key=True)
        max_trials = value.get("max_trials")
        if kind is TunerKind.HYPERBAND and max_trials is not None:
            self.fail((*path, "max_trials"), "Hyperband sets its own number of trials from max_epochs, factor and hyperband_iterations. Remove 'max_trials' or choose kind random, bayesian or grid.", key=True)
        elif kind in (TunerKind.RANDOM, TunerKind.BAYESIAN) and max_trials is None:
            self.fail(path, f"missing required key 'max_trials' for kind {kind.value}: the number of configurations to try.")
        elif max_trials is not None and (not is_int(max_trials) or max_trials < 1):
            self.fail((*path, "max_trials"), f"'max_trials' must be a positive integer. Got {shown(max_trials)} instead.")
        if kind is TunerKind.GRID and space:
            for param in space:
                unstepped = [p for p in (param, param.each) if p is not None and p.kind is ParamKind.FLOAT and p.step is None]
                if unstepped:
                    self.fail(("space", param.key), "a grid search needs a 'step' on every float range (a grid must be finite). Add 'step' or use type 'choice'.")
        if len(self.errors) > before:
            return None
        return TunerSettings(
            kind=kind,
            objective=objective,
            direction=direction,
            max_epochs=counts["max_epochs"],
            max_trials=None if kind is TunerKind.HYPERBAND or max_trials is None else int(max_trials),
            executions_per_trial=counts["executions_per_trial"],
            seed=counts["seed"],
            factor=counts["factor"],
            hyperband_iterations=counts["hyperband_iterations"],
        )
