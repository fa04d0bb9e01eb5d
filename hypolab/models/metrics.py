"""The Keras metrics a run records, fed hypolab's labels and predictions in the form each one takes.

hypolab trains classifiers on integer labels with a softmax over the classes,
and regressors on targets standardised with the training split's mean and
standard deviation (``Dataset.standardised``). A ``LoggedMetric`` wraps one
Keras metric and converts what it is fed (``records.metrics.LabelFormat``):
one-hot labels where the metric takes them, the probability of class 1 for
two-class ``binary`` metrics, and regression targets and predictions back in
the data's own units, so ``mae`` and every listed regression metric are
reported in them. The plain runner compiles them; the packed engine keeps one
per copy (``hypolab.packing.objective``) and evaluates each copy with fresh ones.

Example:

    metric = build_metric(MetricSpec(name="auc", log_name="auc", args={}), dataset)
    metric.update_state(labels, probabilities); float(metric.result())
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import keras
from keras import ops

from hypolab.errors import ModelError
from hypolab.records import Dataset, MetricSpec, Task
from hypolab.records.metrics import KERAS_METRICS, LabelFormat, higher_is_better


class LoggedMetric(keras.metrics.Metric):
    """One Keras metric fed hypolab's labels and predictions, converted to what it takes.

    Args:
        inner: the Keras metric.
        labels: the form it takes them in.
        num_classes: classes of a classification task (1 for regression).
        target_mean, target_std: what standardised regression targets are scaled back with.
        name: the name its values are logged under.
        higher_is_better: its better direction (Keras's monitors read it as ``_direction``).
    """

    def __init__(self, inner: keras.metrics.Metric, labels: LabelFormat, *, num_classes: int,
                 target_mean: float = 0.0, target_std: float = 1.0, name: str,
                 higher_is_better: bool | None = None) -> None:  # fmt: skip
        super().__init__(name=name)
        self.inner = inner
        self.labels = labels
        self.num_classes = int(num_classes)
        self.target_mean = float(target_mean)
        self.target_std = float(target_std)
        if higher_is_better is not None:
            self._direction = "up" if higher_is_better else "down"

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = self.convert(y_true, y_pred)
        self.inner.update_state(y_true, y_pred, sample_weight=sample_weight)

    def convert(self, y_true, y_pred) -> tuple[Any, Any]:
        """``(labels (batch,), predictions (batch, outputs))`` as the inner metric takes them."""
        y_true = ops.reshape(y_true, (-1,))
        y_pred = ops.convert_to_tensor(y_pred)
        if self.labels is LabelFormat.TARGET:
            scale = lambda v: ops.reshape(ops.cast(v, "float32"), (-1, 1)) * self.target_std + self.target_mean  # noqa: E731
            return scale(y_true), scale(y_pred)
        classes = ops.cast(y_true, "int32")
        if self.labels is LabelFormat.SPARSE:
            return classes, y_pred
        if self.labels is LabelFormat.BINARY and self.num_classes == 2:
            return ops.reshape(ops.cast(classes, y_pred.dtype), (-1, 1)), y_pred[:, 1:2]
        return ops.one_hot(classes, self.num_classes, dtype=y_pred.dtype), y_pred

    def result(self):
        value = self.inner.result()
        # A one-column binary F1 (average over one class) is a vector of one value.
        return ops.reshape(value, ()) if len(getattr(value, "shape", ())) == 1 and value.shape[0] == 1 else value

    def reset_state(self):
        self.inner.reset_state()


def build_metric(spec: MetricSpec, dataset: Dataset, *, name: str | None = None) -> LoggedMetric:
    """A fresh ``LoggedMetric`` of ``spec`` for runs on ``dataset``.

    Args:
        spec: the metric as the resolved config lists it.
        dataset: the data (its task, classes and target scale).
        name: the logged name; ``spec.log_name`` where None.

    Raises:
        ModelError: a name hypolab does not know, a metric of another task, or
            arguments the Keras class refuses (e.g. ``class_id`` beyond the classes).
    """
    known = KERAS_METRICS.get(spec.name)
    if known is None:
        raise ModelError(f"metrics: unknown Keras metric {spec.name!r}. Expected one of: {', '.join(KERAS_METRICS)}.")
    task = Task(dataset.task)
    if task not in known.tasks:
        raise ModelError(f"metrics: {spec.name!r} is for {known.tasks[0].value}, but the data is {task.value}. "
                         "Remove it, or list a metric of the data's task.")  # fmt: skip
    args = spec.args.to_dict()
    class_id = args.get("class_id")
    columns = 1 if known.labels is LabelFormat.BINARY and dataset.num_classes == 2 else dataset.num_classes
    if class_id is not None and class_id >= columns:
        raise ModelError(f"metrics: {spec.name!r} class_id {class_id} is beyond the {columns} column(s) it is "
                         f"given ({dataset.num_classes} classes). Expected a class_id below {columns}.")  # fmt: skip
    try:
        inner = getattr(keras.metrics, known.keras_class)(**args)
    except (TypeError, ValueError) as exc:
        raise ModelError(f"metrics: {known.keras_class}({args}) failed: {exc}") from exc
    return LoggedMetric(inner, known.labels, num_classes=dataset.num_classes, target_mean=dataset.target_mean,
                        target_std=dataset.target_std, name=name or spec.log_name,
                        higher_is_better=higher_is_better(spec.name))  # fmt: skip


def score_metric_object(dataset: Dataset) -> Any:
    """What the plain runner compiles as the task's score: ``accuracy``, or ``mae`` in the data's units."""
    if Task(dataset.task) is Task.CLASSIFICATION:
        return "accuracy"
    return LoggedMetric(keras.metrics.MeanAbsoluteError(), LabelFormat.TARGET, num_classes=1,
                        target_mean=dataset.target_mean, target_std=dataset.target_std, name="mae",
                        higher_is_better=False)  # fmt: skip


def compiled_metrics(specs: Sequence[MetricSpec], dataset: Dataset) -> list[Any]:
    """What ``model.compile(metrics=...)`` gets: the task's score, then every listed metric."""
    return [score_metric_object(dataset), *(build_metric(spec, dataset) for spec in specs)]
