"""Pydantic models of the hypothesis file format (v1); extra keys are forbidden.

These models check types and ranges and give the JSON Schema that editors use
(``hypolab schema``). Checks that span several keys (an arm identical to the
control, ``equivalent`` without ``margin``) live in ``validate.py``. Each
constrained field carries an ``Expected`` marker: the phrase error messages
use for what a value must be, e.g. ``a number in (0, 1)``.

One vocabulary: the choices of ``direction``, ``pairing``, ``test`` and
``correction`` are the values of the records' enums (``members_of``) and the
model kinds those of ``records.ModelKind``, the defaults of the top-level
settings and of ``data`` are the records' own, and the model and
early-stopping defaults are these models' fields, read by ``resolve`` through
``MODEL_KEYS``, ``field_defaults`` and friends. Their keys are those of the
``records.TrainingConfig`` parts that ``resolve`` builds (a test keeps them so).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from hypolab.hypothesis.markers import Expected, Limit, Unknown
from hypolab.hypothesis.trainingschema import (
    FUNCTION_PATH,
    MetricEntry,
    MonitorName,
    ReduceLROnPlateauConfig,
    TrainerPath,
    schedule_json_schema,
)
from hypolab.records import Correction, DataConfig, Direction, Hypothesis, ModelKind, Pairing, TestName
from hypolab.records.hypothesis import TASK_CHOICES
from hypolab.records.sequential import SequentialConfig, Spending
from hypolab.records.runs import SEED_LIMIT


from hypolab.hypothesis.fields import (  # noqa: F401 (re-exported: schema.MAX_EPOCHS, schema.Count, ...)
    _at_most,
    _LAYERS,
    _SEED_RANGE,
    _STRICT,
    _visible_text,
    Activation,
    BatchSize,
    Claim,
    Count,
    Epochs,
    field_defaults,
    Filters,
    KernelSize,
    LossName,
    MAX_BATCH_SIZE,
    MAX_CLAIM,
    MAX_EPOCHS,
    MAX_FILTERS,
    MAX_KERNEL_SIZE,
    MAX_LAYERS,
    MAX_NAME,
    MAX_SEEDS,
    MAX_SUBSET,
    MAX_UNITS,
    members_of,
    MetricName,
    Name,
    NonNegativeFloat,
    NonNegativeInt,
    OptimizerName,
    PathName,
    Patience,
    PositiveFloat,
    Probability,
    Rate,
    record_default,
    Seed,
    Subset,
    Units,
)

class MlpModel(BaseModel):
    """A multilayer perceptron: Dense layers of ``units``, then the output layer."""

    model_config = _STRICT

    kind: Literal[ModelKind.MLP.value] = Field(ModelKind.MLP.value, description="The model family.")
    units: Annotated[list[Units], Field(max_length=MAX_LAYERS), Limit(_LAYERS)] = Field(
        [64], description="Widths of the hidden Dense layers, input to output."
    )
    activation: Activation = Field("relu", description="Keras activation of the hidden layers.")
    dropout: Rate = Field(0.0, description="Dropout rate after each hidden layer.")
    batch_norm: bool = Field(False, description="BatchNormalization after each hidden Dense layer.")


class CnnModel(BaseModel):
    """Conv2D blocks (conv [+BN] + activation + MaxPooling2D(2)), then Dense layers."""

    model_config = _STRICT

    kind: Literal[ModelKind.CNN.value] = Field(description="The model family.")
    filters: Annotated[list[Filters], Field(min_length=1, max_length=MAX_LAYERS), Limit(_LAYERS)] = Field(
        [32, 64], description="Filters of each Conv2D block, one block per entry."
    )
    kernel_size: KernelSize = Field(3, description="Square kernel size of every Conv2D layer.")
    units: Annotated[list[Units], Field(max_length=MAX_LAYERS), Limit(_LAYERS)] = Field(
        [64], description="Widths of the Dense layers after the conv blocks."
    )
    activation: Activation = Field("relu", description="Keras activation of the hidden layers.")
    dropout: Rate = Field(0.0, description="Dropout rate after each block and hidden layer.")
    batch_norm: bool = Field(False, description="BatchNormalization after each conv and Dense layer.")


BuilderPath = Annotated[str, Field(pattern=FUNCTION_PATH), Expected("'module:function', e.g. 'mypkg.models:build'")]


class CustomModel(BaseModel):
    """A model from your own builder: ``build(input_shape, num_classes, **args)``."""

    model_config = _STRICT

    kind: Literal[ModelKind.CUSTOM.value] = Field(description="The model family.")
    builder: BuilderPath = Field(
        description="'module:function' returning an uncompiled keras.Model, called as "
        "build(input_shape, num_classes, **args)."
    )
    args: dict[str, Any] = Field({}, description="Keyword arguments passed to the builder.")


ModelConfig = Annotated[
    MlpModel | CnnModel | CustomModel, Field(discriminator="kind"), Unknown("model kind")
]

#: The model of each ``model.kind``, in the order messages list them.
MODELS: dict[str, type[BaseModel]] = {
    ModelKind.MLP.value: MlpModel, ModelKind.CNN.value: CnnModel, ModelKind.CUSTOM.value: CustomModel
}

#: The keys of each model kind (``kind`` itself excluded).
MODEL_KEYS: dict[str, tuple[str, ...]] = {
    kind: tuple(name for name in model.model_fields if name != "kind") for kind, model in MODELS.items()
}


class OptimizerConfig(BaseModel):
    """A Keras optimizer by name; every other key is a constructor argument."""

    model_config = ConfigDict(extra="allow", strict=True, allow_inf_nan=False)

    name: OptimizerName = Field("adam", description="Keras optimizer name (keras.optimizers.get).")
    learning_rate: PositiveFloat | None = Field(
        None, description="Learning rate, or a Keras schedule {schedule: cosine_decay, <argument>: ...}; "
        "defaults to Keras's default for the optimizer.", json_schema_extra=schedule_json_schema,
    )


class EarlyStoppingConfig(BaseModel):
    """Arguments of keras.callbacks.EarlyStopping."""

    model_config = _STRICT

    monitor: MonitorName = Field(
        "val_loss", description="The logged value watched: val_loss, val_accuracy, val_mae, loss, accuracy, mae, "
        "or a listed metric's name (with or without val_)."
    )
    patience: Patience = Field(3, description="Epochs without improvement before stopping.")
    min_delta: NonNegativeFloat = Field(0.0, description="Smallest change that counts as improvement.")
    restore_best_weights: bool = Field(True, description="Restore the weights of the best epoch.")


class TrainConfig(BaseModel):
    """The config every arm shares (``base``); arms override parts of it."""

    model_config = _STRICT

    model: ModelConfig = Field(default_factory=MlpModel, description="The model to build.")
    optimizer: OptimizerConfig = Field(default_factory=OptimizerConfig, description="The optimizer.")
    loss: LossName = Field(
        "auto",
        description="A Keras loss name; auto: sparse_categorical_crossentropy for "
        "classification, mse for regression.",
    )
    epochs: Epochs = Field(10, description="Training epochs (fewer where early stopping stops).")
    batch_size: BatchSize = Field(32, description="Examples per gradient step.")
    early_stopping: EarlyStoppingConfig | None = Field(
        None, description="null, or the arguments of keras.callbacks.EarlyStopping."
    )
    metrics: list[MetricEntry] = Field(
        [], description="Keras metrics recorded besides the loss and accuracy (or mae): names, or "
        "{name: ..., <argument>: ...}; each gives test_<name>, val_<name>, best_val_<name>."
    )
    reduce_lr_on_plateau: ReduceLROnPlateauConfig | None = Field(
        None, description="null, or the arguments of keras.callbacks.ReduceLROnPlateau."
    )
    trainer: TrainerPath | None = Field(
        None, description="'module:function' of your own fit(config, seed, data, callbacks), called once per run "
        "instead of hypolab's training; null: hypolab trains."
    )
    args: dict[str, Any] = Field({}, description="Free-form values for your trainer (config.args), merged by arms.")


class DataSpec(BaseModel):
    """The data set and its splits, the same for every arm and seed."""

    model_config = _STRICT

    name: PathName = Field(
        record_default(DataConfig, "name"),
        description="digits | mnist | fashion_mnist | cifar10, or a .npz/.csv file "
        "(relative to the hypothesis file's folder or the working directory).",
    )
    target: Name | None = Field(record_default(DataConfig, "target"), description="CSV only: the label column.")
    validation_split: Probability = Field(
        record_default(DataConfig, "validation_split"), description="Fraction of non-test data held out for validation."
    )
    test_split: Probability = Field(
        record_default(DataConfig, "test_split"), description="Fraction of all data held out for testing."
    )
    split_seed: Seed = Field(record_default(DataConfig, "split_seed"), description="Seed of the stratified splits.")
    subset: Subset | None = Field(
        record_default(DataConfig, "subset"), description="Keep this many training examples (stratified)."
    )
    task: Literal[TASK_CHOICES] = Field(  # type: ignore[valid-type]
        record_default(DataConfig, "task"),
        description="auto: integer, boolean and text labels are classes, decimals regression targets; "
        "or classification, regression.",
    )
    split_column: Name | None = Field(
        record_default(DataConfig, "split_column"),
        description="CSV only: a column naming each row's split (train, validation or val, test), used as given.",
    )


class ArmSpec(BaseModel):
    """An arm: a name and its overrides of ``base``."""

    model_config = _STRICT

    name: Name = Field(description="The arm's name, shown in tables and reports.")
    overrides: dict[str, Any] = Field(
        {},
        alias="set",
        description="Overrides of base, deep-merged; dotted keys allowed, e.g. {model.units: [16]}.",
    )


#: List seeds are checked against ``SEED_LIMIT`` in ``validate.check_settings`` (inside the
#: union, pydantic's own message could not say which seed is too large).
SeedList = Annotated[
    list[Annotated[int, Field(ge=0, json_schema_extra={"exclusiveMaximum": SEED_LIMIT})]],
    Field(min_length=2, max_length=MAX_SEEDS),
]


#: Most looks of a sequential design (each is an analysis; more is surely a typo).
MAX_LOOKS = 50


class SequentialSpec(BaseModel):
    """A group-sequential design: analyse at each look and stop as soon as the answer is clear."""

    model_config = _STRICT

    looks: Annotated[
        list[Annotated[int, Field(ge=2, le=MAX_SEEDS), Expected("an integer >= 2")]],
        Field(min_length=2, max_length=MAX_LOOKS),
        Expected("a list of at least 2 seed counts, each an integer >= 2"), Limit("each look is an analysis"),
    ] = Field(description="Seeds per arm at each analysis, increasing; the last is the seed count.")
    spending: members_of(Spending) = Field(  # type: ignore[valid-type]
        record_default(SequentialConfig, "spending"),
        description="The Lan-DeMets alpha-spending function: obrien_fleming (spends little early) or pocock.",
    )
    futility: bool = Field(
        record_default(SequentialConfig, "futility"),
        description="Also stop a treatment early for futility (non-binding beta spending, 80% power).",
    )


class HypothesisFile(BaseModel):
    """A hypothesis file: a claim, how to test it, and the arms to compare."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        allow_inf_nan=False,
        title="hypolab hypothesis file (v1)",
        json_schema_extra={"$schema": "https://json-schema.org/draft/2020-12/schema"},
    )

    claim: Claim = Field(description="The hypothesis in words.")
    metric: MetricName = Field(
        description="The metric compared between arms: one of hypolab's, or test_/val_/best_val_ of a listed metric."
    )
    secondary_metrics: Annotated[list[MetricName], Field(max_length=50)] = Field(
        [], description="Metrics analysed and reported beside 'metric' (two-sided, their own correction); "
        "they never change the verdict."
    )
    higher_is_better: dict[MetricName, bool] = Field(
        {}, description="Whether a higher value is better, for metrics hypolab cannot tell (your trainer's)."
    )
    save_models: bool = Field(
        False, description="Write each trained run's final model as .keras next to the run store."
    )
    direction: members_of(Direction) = Field(  # type: ignore[valid-type]
        description="The predicted direction of each treatment relative to the control."
    )
    margin: PositiveFloat | None = Field(
        record_default(Hypothesis, "margin"),
        description="Smallest effect of interest, in metric units (required for equivalent and noninferior).",
    )
    alpha: Probability = Field(0.05, description="Significance level.")
    seeds: Annotated[
        Annotated[int, Field(ge=2, le=MAX_SEEDS)] | SeedList,
        Expected(f"a count from 2 to {MAX_SEEDS} or a list of at least 2 integers >= 0"),
    ] = Field(
        10, description="A count n (seeds 0..n-1) or an explicit list of seeds."
    )
    pairing: members_of(Pairing) = Field(  # type: ignore[valid-type]
        record_default(Hypothesis, "pairing"), description="seed: runs of different arms with the same seed are paired."
    )
    test: members_of(TestName) = Field(  # type: ignore[valid-type]
        record_default(Hypothesis, "test"), description="The significance test; auto picks one by a documented rule."
    )
    correction: members_of(Correction) = Field(  # type: ignore[valid-type]
        record_default(Hypothesis, "correction"), description="Multiple-comparison correction across treatments."
    )
    ordered: bool = Field(
        record_default(Hypothesis, "ordered"), description="true: the treatments after the control form a dose series."
    )
    pack: Annotated[Literal["auto"] | Count, Expected("'auto' or an integer >= 1")] = Field(
        record_default(Hypothesis, "pack"), description="Seeds trained together in one model: auto or a positive int."
    )
    failed_runs: Literal["drop", "worst"] = Field(
        "drop", description="drop failed/diverged runs, or count them as the worst value."
    )
    sequential: SequentialSpec | None = Field(
        record_default(Hypothesis, "sequential"),
        description="Analyse at looks of increasing seeds and stop early when the answer is clear (null: fixed).",
    )
    data: DataSpec = Field(default_factory=DataSpec, description="The data set and its splits.")
    baseline: PathName | None = Field(
        None, description="A tuner baseline file whose base: is used, with base below merged over it."
    )
    base: TrainConfig = Field(default_factory=TrainConfig, description="The config every arm shares.")
    control: ArmSpec = Field(description="The control arm.")
    treatments: Annotated[list[ArmSpec], Field(min_length=1)] = Field(
        description="One or more treatment arms, in order (a dose series where ordered: true)."
    )


#: The keys of a resolved config, in order (``TrainConfig``'s fields).
CONFIG_KEYS: tuple[str, ...] = tuple(TrainConfig.model_fields)

#: What ``early_stopping`` holds once resolved: every EarlyStopping argument.
EARLY_STOPPING_DEFAULTS: dict[str, Any] = field_defaults(EarlyStoppingConfig)

#: What ``reduce_lr_on_plateau`` holds once resolved: every ReduceLROnPlateau argument.
REDUCE_LR_DEFAULTS: dict[str, Any] = field_defaults(ReduceLROnPlateauConfig)


class BaselineFile(BaseModel):
    """A baseline file written by ``hypolab tune``: its ``base`` plus search metadata."""

    model_config = ConfigDict(extra="allow", strict=True)

    base: dict[str, Any] = Field(description="A base config, as in a hypothesis file.")
