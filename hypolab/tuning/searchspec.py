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

A search file is validated as a hypothesis file is: the ``searchschema``
models check types, ranges and keys, ``hypolab.hypothesis.translate`` words
and locates their errors, and ``searchchecks`` adds the rules that span keys.
Every problem names the file, line and column, the key path, what was
received and what was expected; all of a file's problems are raised together
as ``SpecErrors``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from hypolab.errors import SpecError, SpecErrors
from hypolab.hypothesis.messages import kind_of
from hypolab.hypothesis.resolve import resolve_arm_config
from hypolab.hypothesis.schema import DataSpec, TrainConfig
from hypolab.hypothesis.translate import locate, translate
from hypolab.hypothesis.datachecks import check_data
from hypolab.hypothesis.yamlsource import Document, parse, read_file
from hypolab.fingerprint import with_fingerprint
from hypolab.records import DataConfig, TrainingConfig
from hypolab.tuning import searchchecks
from hypolab.tuning.searchschema import (
    OBJECTIVES,
    SEARCH_KEYS,
    ObjectiveDirection,
    ParamEntry,
    ParamModel,
    SearchFile,
    TunerKind,
    TunerSpec,
)
from hypolab.tuning.space import Condition, Param, ParamKind


@dataclass(frozen=True)
class TunerSettings:
    """How Keras Tuner searches (defaults: ``searchschema.TunerSpec``).

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
    max_trials: int | None
    executions_per_trial: int
    seed: int
    factor: int
    hyperband_iterations: int


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
    keep_trials: int
    description: str
    source: str


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
    if not Path(path).exists():
        raise SpecErrors(
            [SpecError("no such file. Expected a search file; write one with 'hypolab new --search NAME'.", file=file)]
        )
    return load_search_text(read_file(Path(path), file, what="search file"), file=file)


def load_search_text(text: str, *, file: str = "<search>") -> SearchSpec:
    """Validate a search file's text (see ``load_search``)."""
    try:
        doc = parse(text, file)
    except SpecError as exc:
        raise SpecErrors([exc]) from None
    return _Loader(doc).run()


def trial_config(search: SearchSpec, overrides: Mapping[str, Any], *, epochs: int) -> TrainingConfig:
    """The resolved hypolab config of one trial: ``base`` with the trial's values merged in.

    Args:
        search: the search file.
        overrides: dotted overrides from ``space.overrides_from_values``.
        epochs: the epochs this trial trains.

    Returns:
        The ``TrainingConfig`` the runner reads, resolved by
        ``hypolab.hypothesis.resolve_arm_config`` exactly as a hypothesis arm is.

    Raises:
        SpecErrors: the values make a config the hypothesis format rejects.
    """
    return resolve_arm_config(search.base, {**dict(overrides), "epochs": int(epochs)})


def search_name(file: str) -> str:
    """The output name of a search file: its stem, made safe as a folder name."""
    stem = Path(file).stem if file and not file.startswith("<") else "search"
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", stem).strip("-.") or "search"


_PARAM = TypeAdapter(ParamEntry)


class _Loader:
    """One load: the document, the errors found so far, and the validated pieces."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.errors: list[SpecError] = []

    def add(self, errors: list[SpecError]) -> None:
        for error in errors:
            if str(error) not in map(str, self.errors):
                self.errors.append(error)

    def typed(self, adapter: Any, value: Any) -> Any:
        """``value`` validated, or None (its problems are the whole file's, reported once)."""
        try:
            return adapter.validate_python(value)
        except ValidationError:
            return None

    def run(self) -> SearchSpec:
        doc, data = self.doc, self.doc.data
        if not isinstance(data, dict):
            got = "an empty file" if data is None else kind_of(data)
            message = f"a search file must be a mapping of keys ({', '.join(SEARCH_KEYS)}). Got {got}."
            raise SpecErrors([doc.error((), message)])
        if "claim" in data and "space" not in data:
            message = (
                "this is a hypothesis file (it has 'claim'), not a search file. Expected the keys "
                f"{', '.join(SEARCH_KEYS)}. Run a hypothesis with 'hypolab test {doc.file}'; "
                "write a search with 'hypolab new --search NAME'."
            )
            raise SpecErrors([doc.error((), message)])
        raw_base = data.get("base")
        self.add(searchchecks.check_base(doc, raw_base))
        if isinstance(raw_base, dict):
            raw_base = {k: v for k, v in raw_base.items() if k != "epochs"}
        top = {**data, "base": raw_base} if "base" in data else data
        try:
            SearchFile.model_validate(top)
        except ValidationError as exc:
            self.add([locate(doc, problem) for problem in translate(exc, SearchFile, top)])

        data_config = self.data_config(data.get("data"))
        base_ok = self.typed(TypeAdapter(TrainConfig), raw_base) is not None
        space = self.space(data.get("space"))
        tuner = self.typed(TypeAdapter(TunerSpec), data.get("tuner"))
        if tuner is not None and space is not None:
            self.add(searchchecks.check_tuner(doc, tuner, space))
        if base_ok and space and not self.errors:
            self.add(searchchecks.check_configs(doc, raw_base, space))
        if self.errors or data_config is None or not base_ok or space is None or tuner is None:
            raise SpecErrors(self.errors or [doc.error((), "the file could not be validated.")])
        return SearchSpec(
            name=search_name(doc.file),
            path=doc.file,
            data=data_config,
            base=dict(raw_base),
            space=space,
            tuner=_tuner_settings(tuner),
            keep_trials=int(data.get("keep_trials", SearchFile.model_fields["keep_trials"].default)),
            description=data.get("description", SearchFile.model_fields["description"].default),
            source=doc.text,
        )

    def data_config(self, value: Any) -> DataConfig | None:
        data = self.typed(TypeAdapter(DataSpec), value)
        if data is None:
            return None
        # The hypothesis files' own check: a built-in name, or a .npz/.csv
        # file found relative to this file's folder.
        name, errors = check_data(data, self.doc, Path(self.doc.file).parent)
        self.add(errors)
        # The content fingerprint goes into the baseline file, so a hypothesis using it can
        # check that it was tuned on the same data and test split (hypothesis.baseline).
        return None if name is None else with_fingerprint(DataConfig(**{**data.model_dump(), "name": name}))

    def space(self, value: Any) -> tuple[Param, ...] | None:
        """The space's records, each checked, in file order; None where any entry is invalid."""
        if not isinstance(value, dict) or not value:
            return None
        params: list[Param] = []
        valid = True
        for key, entry in value.items():
            key_errors = searchchecks.check_key(self.doc, key, entry)
            self.add(key_errors)
            model = self.typed(_PARAM, entry)
            if model is None or key_errors:
                valid = False
                continue
            param = _param(key, model)
            errors = searchchecks.check_param(self.doc, param, ("space", key))
            errors += searchchecks.check_condition(self.doc, param, params)
            self.add(errors)
            valid = valid and not errors
            params.append(param)
        return tuple(params) if valid else None


def _param(key: str, model: ParamModel) -> Param:
    """The ``Param`` record of one validated space entry (``each`` of a layers key included)."""
    kind = ParamKind(model.type)
    fields: dict[str, Any] = {"key": key, "kind": kind}
    if kind in (ParamKind.INT, ParamKind.FLOAT, ParamKind.LAYERS):
        fields.update(min=model.min, max=model.max)
    if kind in (ParamKind.INT, ParamKind.FLOAT):
        fields.update(step=model.step, sampling=model.sampling, default=model.default)
    elif kind is ParamKind.CHOICE:
        fields.update(values=tuple(model.values), default=model.default)
    elif kind is ParamKind.BOOLEAN:
        fields.update(default=model.default)
    elif kind is ParamKind.FIXED:
        fields.update(value=model.value)
    elif kind is ParamKind.LAYERS:
        fields.update(each=_param(f"{key}[i]", model.each))
    when = getattr(model, "when", None)
    if when:
        ((parent, values),) = when.items()
        fields["when"] = Condition(parent=parent, values=tuple(values if isinstance(values, list) else [values]))
    return Param(**fields)


def _tuner_settings(tuner: TunerSpec) -> TunerSettings:
    return TunerSettings(
        kind=tuner.kind,
        objective=tuner.objective,
        direction=OBJECTIVES[tuner.objective] if tuner.direction is None else tuner.direction,
        max_epochs=tuner.max_epochs,
        max_trials=None if tuner.kind is TunerKind.HYPERBAND else tuner.max_trials,
        executions_per_trial=tuner.executions_per_trial,
        seed=tuner.seed,
        factor=tuner.factor,
        hyperband_iterations=tuner.hyperband_iterations,
    )
