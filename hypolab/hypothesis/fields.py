"""The field types and limits of hypothesis and search files: each with its ``Expected`` phrase and bound.

``schema`` (hypothesis files) and ``tuning/searchschema`` (search files) build their
models from these; every bound carries its reason (``Limit``), which error messages
quote (docs/format.md#limits).
"""

from __future__ import annotations

import dataclasses
import enum
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo
from pydantic_core import PydanticCustomError

from hypolab.hypothesis.vocabulary import (
    ACTIVATIONS,
    LOSSES,
    OPTIMIZERS,
)
from hypolab.hypothesis.markers import Expected, Limit
from hypolab.hypothesis.text import CLAIM_LAYOUT, visible_problem
from hypolab.records import METRICS
from hypolab.records.runs import SEED_LIMIT


def members_of(enum_type: type[enum.Enum]) -> Any:
    """A field type taking the values of ``enum_type`` as written and giving its members.

    Validated as a ``Literal`` of the values (so the JSON Schema lists them
    and messages say ``one of 'greater', 'less', ...``), then turned into the
    member, so checks compare members, never strings.

    Example:
        >>> class Spec(BaseModel):
        ...     pairing: members_of(Pairing)
        >>> Spec(pairing="seed").pairing
        <Pairing.SEED: 'seed'>
    """
    values = tuple(member.value for member in enum_type)
    return Annotated[Literal[values], AfterValidator(enum_type)]  # type: ignore[valid-type]


def record_default(record: type, name: str) -> Any:
    """The default of field ``name`` of a records dataclass: the one place it is written."""
    return next(field.default for field in dataclasses.fields(record) if field.name == name)


def field_defaults(model: type[BaseModel]) -> dict[str, Any]:
    """The defaults of ``model``'s optional fields, in field order (fresh copies)."""
    return {
        name: info.get_default(call_default_factory=True)
        for name, info in model.model_fields.items()
        if not info.is_required()
    }


_STRICT = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)

#: More seeds than this is surely a typo (and would plan millions of runs).
MAX_SEEDS = 10_000

# Bounds no sane experiment reaches. Each stops a value that would overflow a
# backend, build a model no machine holds, or train for ever; docs/format.md
# lists them and the JSON Schema carries them.

#: Widest Dense layer (a 65,536 x 65,536 kernel is already 4.3e9 weights).
MAX_UNITS = 65_536
#: Most filters of one Conv2D layer.
MAX_FILTERS = 8_192
#: Most entries of ``model.units`` or ``model.filters``.
MAX_LAYERS = 100
#: Largest Conv2D kernel side.
MAX_KERNEL_SIZE = 64
#: Most epochs of a run (and of ``tuner.max_epochs``, ``early_stopping.patience``).
MAX_EPOCHS = 100_000
#: Largest batch: 2**20 examples per gradient step.
MAX_BATCH_SIZE = 2**20
#: Largest ``data.subset``: 1e8 training examples.
MAX_SUBSET = 100_000_000
#: Longest claim, in characters (a claim is a sentence or two).
MAX_CLAIM = 2_000
#: Longest name (an arm's, a data set's, a CSV target column's), in characters.
MAX_NAME = 200


def _visible_text(max_length: int, why: str, *, allowed: frozenset[str] = frozenset()) -> Any:
    """A non-empty string of at most ``max_length`` characters (``why``), visible text only.

    Control, format and blank characters are refused (``text.visible_problem``),
    but those in ``allowed``.
    """

    def visible(value: str, info: ValidationInfo) -> str:
        problem = visible_problem(value, info.field_name or "value", allowed=allowed)
        if problem is not None:
            raise PydanticCustomError("hypolab_text", "{message}", {"message": problem})
        return value

    return Annotated[str, Field(min_length=1, max_length=max_length, pattern=r"\S"), AfterValidator(visible),
                     Expected("a non-empty string"), Limit(why)]  # fmt: skip


def _at_most(base: Any, high: int, why: str) -> Any:
    """``base`` (an integer type with its lower bound) capped at ``high``, with the reason."""
    return Annotated[base, Field(le=high), Limit(why)]


Probability = Annotated[float, Field(gt=0, lt=1), Expected("a number in (0, 1)")]
Rate = Annotated[float, Field(ge=0, lt=1), Expected("a number in [0, 1)")]
Count = Annotated[int, Field(ge=1), Expected("an integer >= 1")]
NonNegativeInt = Annotated[int, Field(ge=0), Expected("an integer >= 0")]
NonNegativeFloat = Annotated[float, Field(ge=0), Expected("a number >= 0")]
PositiveFloat = Annotated[float, Field(gt=0), Expected("a number > 0")]
Name = _visible_text(MAX_NAME, "a name is shown in every table and plot")
#: A file path or a built-in data set's name.
PathName = _visible_text(4096, "the longest path most systems take")
#: A claim may keep the line breaks and tabs of a folded YAML block.
Claim = _visible_text(MAX_CLAIM, "a claim is a sentence or two; put the rest in comments", allowed=CLAIM_LAYOUT)
#: Seeds (``seeds``, ``data.split_seed``, ``tuner.seed``) are below ``SEED_LIMIT``, 2**32.
_SEED_RANGE = "the seed range of NumPy and the Keras backends"
Seed = Annotated[int, Field(ge=0, lt=SEED_LIMIT), Expected("an integer >= 0"), Limit(_SEED_RANGE)]
Units = _at_most(Count, MAX_UNITS, "the widest Dense layer hypolab builds")
Filters = _at_most(Count, MAX_FILTERS, "the most filters of one Conv2D layer hypolab builds")
KernelSize = _at_most(Count, MAX_KERNEL_SIZE, "the largest Conv2D kernel hypolab builds")
Epochs = _at_most(Count, MAX_EPOCHS, "more would train for days")
BatchSize = _at_most(Count, MAX_BATCH_SIZE, "2**20 examples per gradient step")
Subset = _at_most(Count, MAX_SUBSET, "1e8 training examples")
Patience = _at_most(NonNegativeInt, MAX_EPOCHS, "the most epochs a run may have")
_LAYERS = "the layers of one model; deeper is surely a typo"

Activation = Literal[ACTIVATIONS]  # type: ignore[valid-type]
#: A metric's name; which names exist depends on the arms' metrics and the data's task
#: (``hypothesis.metrics.metric_problem``), so the schema checks the form only.
MetricName = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,99}$",
                                  json_schema_extra={"examples": list(METRICS)}),
                       Expected("a metric name, e.g. test_accuracy")]  # fmt: skip
OptimizerName = Literal[OPTIMIZERS]  # type: ignore[valid-type]
LossName = Literal[LOSSES]  # type: ignore[valid-type]
