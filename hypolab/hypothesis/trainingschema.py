"""The schema of the training settings issue 15 added: metrics, schedules, callbacks, your own trainer.

Pydantic checks the types here; what depends on Keras's own names and
arguments (a metric's or a schedule's arguments, which values a monitor can
watch) is checked by ``hypothesis.metrics``, ``hypothesis.schedules`` and
``resolve`` against the tables of ``hypolab.records``, so nothing here
imports Keras.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from hypolab.hypothesis.markers import Expected, Limit
from hypolab.hypothesis.metrics import LOG_NAME
from hypolab.records.schedules import SCHEDULES

_STRICT = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)

#: ``module:function``, as ``model.builder`` and ``trainer`` are written.
FUNCTION_PATH = r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*:[A-Za-z_][A-Za-z0-9_]*$"

#: A ``metrics`` entry: a Keras metric name, or a mapping with its ``name``, ``as`` and arguments.
MetricEntry = Annotated[
    Annotated[str, Field(pattern=LOG_NAME.pattern)] | dict[str, Any],
    Field(description="A Keras metric name (auc, precision, f1_score...), or {name: ..., as: <logged name>, "
                      "<argument>: <value>}."),
]  # fmt: skip

TrainerPath = Annotated[str, Field(pattern=FUNCTION_PATH), Expected("'module:function', e.g. 'mypkg.train:fit'")]

#: What a monitor is: a logged name (``val_auc``); which names a config logs is checked in ``resolve``.
MonitorName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", json_schema_extra={
    "examples": ["val_loss", "val_accuracy", "val_mae", "loss", "accuracy", "mae", "val_<metric>"]})]  # fmt: skip


#: Epochs counted (patience, cooldown): at most the most epochs a run may have (``schema.MAX_EPOCHS``).
_Epochs = Annotated[int, Field(ge=0, le=100_000), Expected("an integer >= 0"), Limit("the most epochs a run may have")]
_NonNegative = Annotated[float, Field(ge=0), Expected("a number >= 0")]


class ReduceLROnPlateauConfig(BaseModel):
    """Arguments of keras.callbacks.ReduceLROnPlateau (mode: from the monitor's better direction)."""

    model_config = _STRICT

    monitor: MonitorName = Field("val_loss", description="The logged value watched.")
    factor: Annotated[float, Field(gt=0, lt=1), Expected("a number in (0, 1)")] = Field(
        0.1, description="new_lr = lr * factor, in (0, 1)."
    )
    patience: _Epochs = Field(
        10, description="Epochs without improvement before the learning rate is lowered."
    )
    min_delta: _NonNegative = Field(1e-4, description="Smallest change that counts as improvement.")
    cooldown: _Epochs = Field(
        0, description="Epochs after a reduction before counting again."
    )
    min_lr: _NonNegative = Field(0.0, description="The learning rate never goes below this.")


def schedule_json_schema(schema: dict[str, Any]) -> None:
    """The JSON Schema of ``optimizer.learning_rate``: a number, or a schedule by name (its arguments checked by hypolab)."""
    schema.setdefault("anyOf", []).append({
        "type": "object", "required": ["schedule"],
        "properties": {"schedule": {"type": "string", "enum": sorted(SCHEDULES)}},
    })  # fmt: skip
