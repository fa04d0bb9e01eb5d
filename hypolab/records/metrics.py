"""Metrics: what a run records, which way each is better, and the Keras metrics a config may add.

Every run records its loss and one score metric (``accuracy`` for
classification, ``mae`` for regression), per epoch and as final values
(``METRICS``). A config may add Keras metrics by name (``base.metrics``):
``KERAS_METRICS`` is the table of those hypolab knows, each with its Keras
class, the tasks it exists for, the labels it takes, its better direction
and its arguments, so a hypothesis file is checked without importing Keras
(``tests/test_records_metrics.py`` checks the table against Keras). A
``MetricSpec`` is one such metric as a resolved config holds it.

Example:
    >>> higher_is_better("best_val_auc"), higher_is_better("test_root_mean_squared_error")
    (True, False)
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from hypolab.records.arguments import Argument, ArgumentType
from hypolab.records.parts import Arguments, Part, exact_keys


class Task(str, enum.Enum):
    """What the model predicts; the loss and metrics follow from it."""

    CLASSIFICATION = "classification"
    REGRESSION = "regression"


#: Metrics a hypothesis can compare, each with whether higher is better.
#: ``val_*``/``test_*`` are final values on the validation and test splits
#: (after restoring the best weights where early stopping does so);
#: ``best_val_*`` is the best value over epochs; plain names are the training
#: split's last epoch. Regression data sets use ``mae`` instead of ``accuracy``.
METRICS: dict[str, bool] = {
    "test_accuracy": True,
    "test_loss": False,
    "test_mae": False,
    "val_accuracy": True,
    "val_loss": False,
    "val_mae": False,
    "best_val_accuracy": True,
    "best_val_loss": False,
    "best_val_mae": False,
    "accuracy": True,
    "loss": False,
    "mae": False,
    "train_seconds": False,
    "epochs_run": False,
}

#: The prefixes of a metric's final values: test split, validation split (final, best over epochs).
SPLIT_PREFIXES = ("best_val_", "test_", "val_")

#: The score metric every run records beside its loss, per task.
SCORE_METRIC: dict[Task, str] = {Task.CLASSIFICATION: "accuracy", Task.REGRESSION: "mae"}

#: Final values that exist for every task.
TASK_FREE_METRICS = ("train_seconds", "epochs_run")


class LabelFormat(str, enum.Enum):
    """What labels and predictions a Keras metric takes, and how hypolab gives them.

    Classification runs have integer labels and softmax outputs over the
    classes; regression runs one target and one output, in the data's units.
    """

    #: Integer class labels beside the class probabilities, as they are.
    SPARSE = "sparse"
    #: One-hot labels beside the class probabilities.
    ONE_HOT = "one_hot"
    #: Two classes: the label and the probability of class 1; more classes: one-hot
    #: labels beside the probabilities (Keras then averages over the classes' columns).
    BINARY = "binary"
    #: The target and the prediction, each of shape ``(batch, 1)``, in the data's units.
    TARGET = "target"


@dataclass(frozen=True)
class KerasMetric:
    """A Keras metric hypolab can record: how to build it and what it means.

    Args:
        keras_class: its class in ``keras.metrics``.
        tasks: the tasks it exists for.
        labels: the labels and predictions it takes (``LabelFormat``).
        higher_is_better: its better direction (Keras's own ``_direction`` where Keras sets one).
        arguments: the constructor arguments a file may set (``from_logits``,
            ``name``, ``dtype`` and axes never: hypolab decides those).
        scalar_when: an argument that must be set for the metric to give one
            number (``f1_score``'s ``average``), or None.
    """

    keras_class: str
    tasks: tuple[Task, ...]
    labels: LabelFormat
    higher_is_better: bool
    arguments: Mapping[str, Argument] = field(default_factory=dict)
    scalar_when: str | None = None


_C, _R = (Task.CLASSIFICATION,), (Task.REGRESSION,)
_INT = ArgumentType.INTEGER
_NUM = ArgumentType.NUMBER
_PROBABILITY = Argument(_NUM, 0, 1, why="a probability")
_THRESHOLD = Argument(_NUM, 0, 1, why="the probability above which a prediction counts as positive")
_CLASS_ID = Argument(_INT, 0, why="the class (column) the metric looks at alone")
_THRESHOLDS = Argument(_INT, 1, why="how many thresholds approximate the curve")
_SMOOTHING = Argument(_NUM, 0, 1, why="how much the labels are smoothed towards uniform")
_AVERAGE = Argument(ArgumentType.CHOICE, choices=("micro", "macro", "weighted"),
                    why="how the classes' scores are averaged into one number")  # fmt: skip
_AT = {"num_thresholds": _THRESHOLDS, "class_id": _CLASS_ID}
_K = {"k": Argument(_INT, 1, why="how many top classes count as a hit")}


def _metric(keras_class: str, tasks: tuple[Task, ...], labels: LabelFormat, higher: bool,
            scalar_when: str | None = None, **arguments: Argument) -> KerasMetric:  # fmt: skip
    return KerasMetric(keras_class, tasks, labels, higher, arguments, scalar_when)


#: The Keras metrics a config may list in ``metrics``, by the name ``keras.metrics.get`` knows.
KERAS_METRICS: dict[str, KerasMetric] = {
    "auc": _metric("AUC", _C, LabelFormat.BINARY, True, num_thresholds=Argument(_INT, 2, why="thresholds of the curve"),
                   curve=Argument(ArgumentType.CHOICE, choices=("ROC", "PR"), why="the curve whose area is taken"),
                   summation_method=Argument(ArgumentType.CHOICE, choices=("interpolation", "minoring", "majoring"),
                                             why="how the area is summed"),
                   multi_label=Argument(ArgumentType.BOOLEAN, why="one curve per class rather than one pooled")),
    "precision": _metric("Precision", _C, LabelFormat.BINARY, True, thresholds=_THRESHOLD,
                         top_k=Argument(_INT, 1, why="how many top classes count as predicted"), class_id=_CLASS_ID),
    "recall": _metric("Recall", _C, LabelFormat.BINARY, True, thresholds=_THRESHOLD,
                      top_k=Argument(_INT, 1, why="how many top classes count as predicted"), class_id=_CLASS_ID),
    "f1_score": _metric("F1Score", _C, LabelFormat.BINARY, True, scalar_when="average", average=_AVERAGE,
                        threshold=Argument(_NUM, 0, 1, low_open=True, why="the probability above which a class counts")),
    "precision_at_recall": _metric("PrecisionAtRecall", _C, LabelFormat.BINARY, True,
                                   recall=Argument(_NUM, 0, 1, required=True, why="the recall held"), **_AT),
    "recall_at_precision": _metric("RecallAtPrecision", _C, LabelFormat.BINARY, True,
                                   precision=Argument(_NUM, 0, 1, required=True, why="the precision held"), **_AT),
    "sensitivity_at_specificity": _metric("SensitivityAtSpecificity", _C, LabelFormat.BINARY, True,
                                          specificity=Argument(_NUM, 0, 1, required=True, why="the specificity held"),
                                          **_AT),
    "specificity_at_sensitivity": _metric("SpecificityAtSensitivity", _C, LabelFormat.BINARY, True,
                                          sensitivity=Argument(_NUM, 0, 1, required=True, why="the sensitivity held"),
                                          **_AT),
    "binary_accuracy": _metric("BinaryAccuracy", _C, LabelFormat.BINARY, True, threshold=_THRESHOLD),
    "binary_crossentropy": _metric("BinaryCrossentropy", _C, LabelFormat.BINARY, False, label_smoothing=_SMOOTHING),
    "categorical_accuracy": _metric("CategoricalAccuracy", _C, LabelFormat.ONE_HOT, True),
    "categorical_crossentropy": _metric("CategoricalCrossentropy", _C, LabelFormat.ONE_HOT, False,
                                        label_smoothing=_SMOOTHING),
    "categorical_hinge": _metric("CategoricalHinge", _C, LabelFormat.ONE_HOT, False),
    "kl_divergence": _metric("KLDivergence", _C, LabelFormat.ONE_HOT, False),
    "top_k_categorical_accuracy": _metric("TopKCategoricalAccuracy", _C, LabelFormat.ONE_HOT, True, **_K),
    "sparse_categorical_accuracy": _metric("SparseCategoricalAccuracy", _C, LabelFormat.SPARSE, True),
    "sparse_categorical_crossentropy": _metric("SparseCategoricalCrossentropy", _C, LabelFormat.SPARSE, False),
    "sparse_top_k_categorical_accuracy": _metric("SparseTopKCategoricalAccuracy", _C, LabelFormat.SPARSE, True, **_K),
    "mse": _metric("MeanSquaredError", _R, LabelFormat.TARGET, False),
    "mean_squared_error": _metric("MeanSquaredError", _R, LabelFormat.TARGET, False),
    "root_mean_squared_error": _metric("RootMeanSquaredError", _R, LabelFormat.TARGET, False),
    "mape": _metric("MeanAbsolutePercentageError", _R, LabelFormat.TARGET, False),
    "mean_absolute_percentage_error": _metric("MeanAbsolutePercentageError", _R, LabelFormat.TARGET, False),
    "msle": _metric("MeanSquaredLogarithmicError", _R, LabelFormat.TARGET, False),
    "mean_squared_logarithmic_error": _metric("MeanSquaredLogarithmicError", _R, LabelFormat.TARGET, False),
    "log_cosh_error": _metric("LogCoshError", _R, LabelFormat.TARGET, False),
    "r2_score": _metric("R2Score", _R, LabelFormat.TARGET, True,
                        class_aggregation=Argument(ArgumentType.CHOICE,
                                                   choices=("uniform_average", "variance_weighted_average"),
                                                   why="how several outputs are averaged"),
                        num_regressors=Argument(_INT, 0, why="regressors of the adjusted R²")),
    "pearson_correlation": _metric("PearsonCorrelation", _R, LabelFormat.TARGET, True),
    "concordance_correlation": _metric("ConcordanceCorrelation", _R, LabelFormat.TARGET, True),
}  # fmt: skip

#: Names every run of a task records already, so a config does not list them (Keras name -> recorded as).
ALWAYS_RECORDED: dict[str, str] = {"accuracy": "accuracy", "mae": "mae", "mean_absolute_error": "mae"}


def base_name(metric: str) -> str:
    """``metric`` without its split prefix: ``best_val_auc`` -> ``auc``, ``loss`` -> ``loss``."""
    for prefix in SPLIT_PREFIXES:
        if metric.startswith(prefix):
            return metric[len(prefix):]
    return metric


def higher_is_better(metric: str, *, metrics: Iterable[MetricSpec] = (),
                     declared: Mapping[str, bool] | None = None) -> bool | None:  # fmt: skip
    """Whether a larger value of ``metric`` is better; None where hypolab cannot tell.

    The one place the direction of a metric is decided: a direction the file
    declares (``higher_is_better: {test_f1: true}``, by full or split-free
    name) first, then ``METRICS``, then the name without its split prefix
    (``test_``, ``val_``, ``best_val_``): a metric a config records under its
    own name (``metrics``), a Keras metric of ``KERAS_METRICS``, and the
    endings Keras uses (``accuracy`` higher; ``loss``, ``error``,
    ``_seconds`` lower).

    Example:
        >>> higher_is_better("best_val_accuracy"), higher_is_better("val_loss")
        (True, False)
    """
    base = base_name(metric)
    for name in (metric, base):
        if declared and name in declared:
            return bool(declared[name])
    if metric in METRICS:
        return METRICS[metric]
    if base in METRICS:
        return METRICS[base]
    for spec in metrics:
        if spec.log_name == base:
            return KERAS_METRICS[spec.name].higher_is_better if spec.name in KERAS_METRICS else None
    if base in KERAS_METRICS:
        return KERAS_METRICS[base].higher_is_better
    if base.endswith("accuracy"):
        return True
    if base.endswith(("loss", "error", "_seconds")):
        return False
    return None


def is_timing_metric(metric: str) -> bool:
    """Whether ``metric`` measures time (``train_seconds``, ...): a value only one run trained alone can give.

    A pack of seeds shares one wall clock, so a hypothesis about such a
    metric trains one seed per model (``hypolab.plan.pack_for``).
    """
    return metric.endswith("_seconds")


@dataclass(frozen=True, kw_only=True)
class MetricSpec(Part):
    """One Keras metric a config records, by its Keras name, with its arguments.

    Recorded per epoch (``<log_name>``, ``val_<log_name>``) and as final
    values (``test_<log_name>``, ``val_<log_name>``, ``best_val_<log_name>``).

    Args:
        name: the Keras metric name, a key of ``KERAS_METRICS``, e.g. ``auc``.
        log_name: the name its values are logged under: ``name``, or the file's ``as``.
        args: its constructor arguments, e.g. ``{"k": 3}``.

    Example:
        >>> MetricSpec(name="top_k_categorical_accuracy", log_name="top3", args={"k": 3}).to_dict()
        {'name': 'top_k_categorical_accuracy', 'as': 'top3', 'k': 3}
    """

    where: ClassVar[str] = "metrics"

    name: str
    log_name: str
    args: Arguments

    def to_dict(self) -> dict[str, Any]:
        """``{"name": ..., "as": ... (where it differs), **args}``, as the resolved config holds it."""
        return {"name": self.name, **({"as": self.log_name} if self.log_name != self.name else {}),
                **self.args.to_dict()}  # fmt: skip

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MetricSpec:
        """Read ``{"name", "as" (optional), **args}``."""
        exact_keys(data, ("name",), cls.place(), open_ended=True)
        args = {key: value for key, value in data.items() if key not in ("name", "as")}
        return cls(name=data["name"], log_name=data.get("as", data["name"]), args=args)

    @property
    def keras(self) -> KerasMetric | None:
        """Its entry of ``KERAS_METRICS`` (None for a name hypolab does not know)."""
        return KERAS_METRICS.get(self.name)

