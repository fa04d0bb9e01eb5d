"""Pydantic models of the search file format; extra keys are forbidden.

A search file holds ``data`` and ``base`` exactly as hypothesis files do
(``hypolab.hypothesis.schema``'s ``DataSpec`` and ``TrainConfig``, without
``epochs``: the tuner sets it), the ``space`` (a hypolab config key -> a
hyperparameter, tagged by its ``type``) and the ``tuner``. Like the
hypothesis schema, these models check types, ranges and keys, and their
errors are worded by ``hypolab.hypothesis.translate``; the rules that span
several keys live in ``searchchecks``.

This module imports nothing heavy: validating a search file never loads Keras.
"""

from __future__ import annotations

import enum
from typing import Annotated, Any, Literal, Optional, Union

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError

from hypolab.hypothesis.schema import (
    MAX_CLAIM,
    MAX_EPOCHS,
    MAX_LAYERS,
    Count,
    DataSpec,
    Expected,
    Limit,
    Seed,
    TrainConfig,
    members_of,
    record_default,
)
from hypolab.records import higher_is_better
from hypolab.tuning.space import Param, ParamKind, Sampling

_STRICT = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)

# Bounds of a search, beside the hypothesis format's (docs/format.md lists them all).
#: The largest magnitude of an int range's ends: 2**31 - 1, what Keras Tuner's int ranges hold.
MAX_INT_RANGE = 2**31 - 1
#: The largest magnitude of a float range's ends.
MAX_FLOAT_RANGE = 1e12
#: The most trials, executions per trial, Hyperband sweeps and kept trials of one search.
MAX_TRIALS = 100_000
MAX_EXECUTIONS = 100
MAX_HYPERBAND_ITERATIONS = 100
MAX_FACTOR = 100
MAX_KEPT_TRIALS = 1_000

_INT_END = Annotated[int, Field(ge=-MAX_INT_RANGE, le=MAX_INT_RANGE),
                     Expected(f"an integer from -{MAX_INT_RANGE:,} to {MAX_INT_RANGE:,} (2**31 - 1)")]  # fmt: skip
_FLOAT_END = Annotated[float, Field(ge=-MAX_FLOAT_RANGE, le=MAX_FLOAT_RANGE),
                       Expected(f"a number from -{MAX_FLOAT_RANGE:g} to {MAX_FLOAT_RANGE:g}")]  # fmt: skip


def _capped(base: Any, high: int, why: str) -> Any:
    return Annotated[base, Field(le=high), Limit(why)]


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
    metric: ObjectiveDirection.MAX if higher_is_better(metric) else ObjectiveDirection.MIN
    for metric in ("val_accuracy", "val_loss", "val_mae")
}

Scalar = Annotated[Union[str, int, float, bool], Expected("a string, number or boolean")]


def _distinct_and_of_one_type(values: list[Any]) -> list[Any]:
    # Keras Tuner's Choice holds one type: ints and floats may not mix.
    types = sorted({"boolean" if isinstance(v, bool) else type(v).__name__ for v in values})
    if len(types) > 1:
        message = f"choice values must all have one type (Keras Tuner's Choice). Got {', '.join(types)}."
        raise PydanticCustomError("hypolab_choice", "{message}", {"message": message})
    if len(set(map(repr, values))) != len(values):
        message = f"choice values must be distinct. Got {values}."
        raise PydanticCustomError("hypolab_choice", "{message}", {"message": message})
    return values


ChoiceValues = Annotated[list[Scalar], Field(min_length=1), AfterValidator(_distinct_and_of_one_type)]

WhenValues = Annotated[
    Union[Scalar, Annotated[list[Scalar], Field(min_length=1)]],
    Expected("a value or a non-empty list of strings, numbers or booleans"),
]
When = Annotated[
    dict[str, WhenValues],
    Field(min_length=1, max_length=1),
    Expected("one earlier key mapped to its list of values, e.g. {optimizer.name: [sgd]}"),
]
SamplingName = members_of(Sampling)
_SAMPLING = record_default(Param, "sampling")
_WHEN_DESCRIPTION = "Search this key only when an earlier key takes one of these values."


class IntRange(BaseModel):
    """An integer range (Keras Tuner's ``hp.Int``)."""

    model_config = _STRICT

    type: Literal[ParamKind.INT.value]  # type: ignore[valid-type]
    min: _INT_END = Field(description="The smallest value.")
    max: _INT_END = Field(description="The largest value.")
    step: Annotated[int, Field(gt=0), Expected("an integer > 0")] | None = Field(
        None, description="The step (with log sampling, the factor between values)."
    )
    sampling: SamplingName = Field(_SAMPLING, description="linear, log or reverse_log.")  # type: ignore[valid-type]
    default: int | None = Field(None, description="The value Bayesian and grid searches try first.")


class FloatRange(BaseModel):
    """A range of numbers (Keras Tuner's ``hp.Float``)."""

    model_config = _STRICT

    type: Literal[ParamKind.FLOAT.value]  # type: ignore[valid-type]
    min: _FLOAT_END = Field(description="The smallest value.")
    max: _FLOAT_END = Field(description="The largest value.")
    step: Annotated[float, Field(gt=0)] | None = Field(
        None, description="The step (with log sampling, the factor between values)."
    )
    sampling: SamplingName = Field(_SAMPLING, description="linear, log or reverse_log.")  # type: ignore[valid-type]
    default: float | None = Field(None, description="The value Bayesian and grid searches try first.")


class ChoiceOf(BaseModel):
    """One of a list of values (Keras Tuner's ``hp.Choice``)."""

    model_config = _STRICT

    type: Literal[ParamKind.CHOICE.value]  # type: ignore[valid-type]
    values: ChoiceValues = Field(description="The values to choose from.")
    default: Optional[Scalar] = Field(None, description="The value Bayesian and grid searches try first.")


class IntParam(IntRange):
    when: Optional[When] = Field(None, description=_WHEN_DESCRIPTION)


class FloatParam(FloatRange):
    when: Optional[When] = Field(None, description=_WHEN_DESCRIPTION)


class ChoiceParam(ChoiceOf):
    when: Optional[When] = Field(None, description=_WHEN_DESCRIPTION)


class BooleanParam(BaseModel):
    """True or false (Keras Tuner's ``hp.Boolean``)."""

    model_config = _STRICT

    type: Literal[ParamKind.BOOLEAN.value]  # type: ignore[valid-type]
    default: bool = Field(False, description="The value Bayesian and grid searches try first.")
    when: Optional[When] = Field(None, description=_WHEN_DESCRIPTION)


class FixedParam(BaseModel):
    """A value recorded with every trial, never varied (Keras Tuner's ``hp.Fixed``)."""

    model_config = _STRICT

    type: Literal[ParamKind.FIXED.value]  # type: ignore[valid-type]
    value: Scalar = Field(description="The value every trial uses.")
    when: Optional[When] = Field(None, description=_WHEN_DESCRIPTION)


class LayersParam(BaseModel):
    """A list key (``model.units``): its length, and each layer's entry, searched."""

    model_config = _STRICT

    type: Literal[ParamKind.LAYERS.value]  # type: ignore[valid-type]
    min: Annotated[int, Field(ge=1), Expected("an integer >= 1 (the fewest layers)")] = Field(
        description="The fewest layers."
    )
    max: _capped(int, MAX_LAYERS, "the layers of one model; deeper is surely a typo") = Field(  # type: ignore[valid-type]
        description="The most layers."
    )
    each: Annotated[IntRange | ChoiceOf, Field(discriminator="type")] = Field(
        description="The hyperparameter of every layer, e.g. {type: int, min: 16, max: 128, step: 16}."
    )
    when: Optional[When] = Field(None, description=_WHEN_DESCRIPTION)


ParamEntry = Annotated[
    Union[IntParam, FloatParam, ChoiceParam, BooleanParam, FixedParam, LayersParam],
    Field(discriminator="type"),
    Expected(f"a mapping with a 'type' ({', '.join(kind.value for kind in ParamKind)})"),
]
ParamModel = Union[IntRange, FloatRange, ChoiceOf, BooleanParam, FixedParam, LayersParam]


class TunerSpec(BaseModel):
    """How Keras Tuner searches: the strategy, the objective and the budget."""

    model_config = _STRICT

    kind: members_of(TunerKind) = Field(TunerKind.HYPERBAND, description="hyperband | bayesian | random | grid.")  # type: ignore[valid-type]
    objective: Annotated[
        Literal[tuple(OBJECTIVES)],  # type: ignore[valid-type]
        Expected(
            f"a validation metric: {', '.join(OBJECTIVES)} (the test split is never used for tuning)"
        ),
    ] = Field("val_accuracy", description="The validation metric to optimise.")
    direction: Optional[members_of(ObjectiveDirection)] = Field(  # type: ignore[valid-type]
        None, description="max or min; follows from the objective."
    )
    max_epochs: _capped(Count, MAX_EPOCHS, "more would train for days") = Field(  # type: ignore[valid-type]
        description="the epochs of each trial; Hyperband: of its longest trials"
    )
    max_trials: Optional[_capped(Count, MAX_TRIALS, "more would search for days")] = Field(  # type: ignore[valid-type]
        None, description="the number of configurations to try (random and bayesian; grid: optional)"
    )
    executions_per_trial: _capped(Count, MAX_EXECUTIONS, "more would search for days") = Field(  # type: ignore[valid-type]
        1, description="Models trained per trial; the score is their mean."
    )
    seed: Seed = Field(0, description="The tuner's sampling and every execution's weights.")
    factor: _capped(Annotated[int, Field(ge=2), Expected("an integer >= 2")], MAX_FACTOR,  # type: ignore[valid-type]
                    "Hyperband keeps 1 in factor trials per round") = Field(  # fmt: skip
        3, description="Hyperband's reduction factor."
    )
    hyperband_iterations: _capped(Count, MAX_HYPERBAND_ITERATIONS, "more would search for days") = Field(  # type: ignore[valid-type]
        1, description="Hyperband's number of sweeps."
    )


class SearchFile(BaseModel):
    """A search file: the data, the fixed settings, the space and the tuner."""

    model_config = _STRICT

    description: Annotated[str, Field(max_length=MAX_CLAIM), Limit("a line or two")] = Field(
        "", description="What this search is for, in one line."
    )
    data: DataSpec = Field(description="the data set and its splits, as in hypothesis files")
    base: TrainConfig = Field(description="the fixed settings: a hypothesis file's base, without epochs")
    space: Annotated[dict[str, ParamEntry], Field(min_length=1)] = Field(
        description="the searched config keys, each a Keras Tuner hyperparameter"
    )
    tuner: TunerSpec = Field(description="the search strategy, objective and budget")
    keep_trials: _capped(Count, MAX_KEPT_TRIALS, "the baseline file lists each one") = Field(  # type: ignore[valid-type]
        5, description="The best trials listed in the baseline file."
    )


#: The top-level keys of a search file, in order.
SEARCH_KEYS: tuple[str, ...] = tuple(SearchFile.model_fields)
