"""Validating issue 15's keys: metrics, schedules, ReduceLROnPlateau, trainer and args, secondary metrics, data.task."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from hypolab.errors import SpecErrors
from hypolab.hypothesis import load_text
from hypolab.records import LearningRateSchedule, MetricSpec, ReduceLROnPlateauSettings

ROOT = Path(__file__).resolve().parent.parent

TEXT = """\
claim: x
metric: {metric}
direction: greater
seeds: 5
data: {data}
base:
  model: {{kind: mlp, units: [8]}}
  epochs: 1
{base}
control: {{name: c}}
treatments:
  - name: t
    set: {set}
{top}"""


def _load(tmp_path, metric="test_accuracy", base="", set="{batch_size: 8}", data="{name: digits, subset: 100}", top=""):
    text = TEXT.format(metric=metric, base=base, set=set, data=data, top=top)
    return load_text(text, file=str(tmp_path / "hypotheses" / "x.yaml"), folder=tmp_path)


def _error(tmp_path, **kwargs) -> str:
    with pytest.raises(SpecErrors) as caught:
        _load(tmp_path, **kwargs)
    return str(caught.value)


def test_metrics_schedules_and_callbacks_resolve_into_the_record(tmp_path):
    h = _load(tmp_path, metric="test_top3", base=(
        "  metrics: [auc, {name: top_k_categorical_accuracy, k: 3, as: top3}]\n"
        "  optimizer: {learning_rate: {schedule: exponential_decay, initial_learning_rate: 1, decay_steps: 10, "
        "decay_rate: 0.5}}\n  early_stopping: {monitor: val_auc}"),
        set="{optimizer.learning_rate.staircase: true}", top="secondary_metrics: [test_auc, test_loss]\n")  # fmt: skip
    config = h.treatments[0].config
    assert config.metrics == (MetricSpec(name="auc", log_name="auc", args={}),
                              MetricSpec(name="top_k_categorical_accuracy", log_name="top3", args={"k": 3}))
    assert config.optimizer.learning_rate == LearningRateSchedule(name="exponential_decay", args={
        "initial_learning_rate": 1.0, "decay_steps": 10, "decay_rate": 0.5, "staircase": True})  # fmt: skip
    assert h.secondary_metrics == ("test_auc", "test_loss") and h.higher_is_better("test_top3") is True
    assert config.early_stopping.monitor == "val_auc"


def test_reduce_lr_on_plateau_takes_keras_defaults_and_arm_overrides(tmp_path):
    h = _load(tmp_path, base="  reduce_lr_on_plateau: {patience: 2}", set="{reduce_lr_on_plateau.factor: 0.5}")
    assert h.control.config.reduce_lr_on_plateau == ReduceLROnPlateauSettings(
        monitor="val_loss", factor=0.1, patience=2, min_delta=1e-4, cooldown=0, min_lr=0.0)
    assert h.treatments[0].config.reduce_lr_on_plateau.factor == 0.5


def test_trainer_args_merge_like_every_key_and_any_metric_needs_a_direction(tmp_path):
    h = _load(tmp_path, metric="test_f1", base="  trainer: mypkg.train:fit\n  args: {width: 3, deep: {a: 1}}",
              set="{args.width: 4, args.deep.b: 2}", top="higher_is_better: {test_f1: true}\n")
    assert h.control.config.args == {"width": 3, "deep": {"a": 1}}
    assert h.treatments[0].config.args == {"width": 4, "deep": {"a": 1, "b": 2}}
    assert h.higher_is_better("test_f1") is True


BAD = [
    ("unknown-metric", {"base": "  metrics: [acu]"}, "x.yaml:9:13: base.metrics[0]: unknown Keras metric 'acu'. Did you mean 'auc'?"),
    ("always-recorded", {"base": "  metrics: [accuracy]"},
     "base.metrics[0]: 'accuracy' is recorded for every run of its task already (as accuracy). Remove it from metrics."),
    ("bad-argument", {"base": "  metrics: [{name: top_k_categorical_accuracy, k: 0}]"},
     "x.yaml:9:51: base.metrics[0]: 'k' must be an integer >= 1 (how many top classes count as a hit). Got 0."),
    ("unknown-argument", {"base": "  metrics: [{name: auc, curv: PR}]"},
     "base.metrics[0]: metric 'auc' has no argument 'curv'. Did you mean 'curve'?"),
    ("bad-choice", {"base": "  metrics: [{name: auc, curve: roc}]"},
     "'curve' must be one of 'ROC' or 'PR' (the curve whose area is taken). Got 'roc'."),
    ("required-argument", {"base": "  metrics: [{name: precision_at_recall}]"},
     "base.metrics[0]: metric 'precision_at_recall' needs 'recall' (the recall held): a number in [0, 1]. Add it."),
    ("f1-without-average", {"base": "  metrics: [{name: f1_score}]"},
     "metric 'f1_score' gives one value per class unless 'average' is set (one of 'micro', 'macro' or 'weighted')"),
    ("same-logged-name", {"base": "  metrics: [auc, {name: auc, curve: PR}]"},
     "metrics[0] and metrics[1] are both logged as 'auc'. Give one its own name with 'as: <name>'."),
    ("reserved-as", {"base": "  metrics: [{name: auc, as: loss}]"},
     "'as' must not be 'loss': hypolab records a value of that name already."),
    ("regression-metric-on-classes", {"base": "  metrics: [r2_score]"},
     "metric 'r2_score' is for regression, but the data is classification (data set 'digits' has class labels)."),
    ("unknown-schedule", {"base": "  optimizer: {learning_rate: {schedule: cosin_decay}}"},
     "base.optimizer.learning_rate: unknown learning-rate schedule 'cosin_decay'. Did you mean 'cosine_decay'?"),
    ("schedule-missing-steps", {"base": "  optimizer: {learning_rate: {schedule: cosine_decay, initial_learning_rate: 0.1}}"},
     "schedule 'cosine_decay' needs 'decay_steps' (the optimizer steps the decay takes): an integer >= 1. Add it."),
    ("warmup-without-target", {"base": "  optimizer: {learning_rate: {schedule: cosine_decay, initial_learning_rate: 0.1, "
                                       "decay_steps: 9, warmup_steps: 5}}"},
     "'warmup_steps' needs 'warmup_target' (the learning rate the warm-up climbs to): Keras ignores the warm-up"),
    ("piecewise-lengths", {"base": "  optimizer: {learning_rate: {schedule: piecewise_constant_decay, boundaries: [5], "
                                   "values: [0.1]}}"},
     "'values' must hold one learning rate more than 'boundaries' (2: before, between and after them). Got 1"),
    ("schedule-argument-in-arm", {"base": "  optimizer: {learning_rate: {schedule: cosine_decay, initial_learning_rate: 0.1, "
                                          "decay_steps: 9}}", "set": "{optimizer.learning_rate.alfa: 0.1}"},
     "treatments[0].set: unknown key 'optimizer.learning_rate.alfa'. Did you mean 'optimizer.learning_rate.alpha'?"),
    ("schedule-and-plateau", {"base": "  reduce_lr_on_plateau: {}\n  optimizer: {learning_rate: {schedule: cosine_decay, "
                                      "initial_learning_rate: 0.1, decay_steps: 9}}"},
     "'reduce_lr_on_plateau' lowers a constant learning rate, but optimizer.learning_rate is a schedule"),
    ("plateau-factor", {"base": "  reduce_lr_on_plateau: {factor: 1.5}"},
     "base.reduce_lr_on_plateau: 'factor' must be a number in (0, 1). Got 1.5."),
    ("plateau-monitor", {"base": "  reduce_lr_on_plateau: {monitor: val_acu}\n  metrics: [auc]"},
     "base.reduce_lr_on_plateau: 'monitor' must be one of 'val_loss', 'val_accuracy', 'val_mae', 'loss', 'accuracy', "
     "'mae', 'auc' or 'val_auc'. Got 'val_acu'. Did you mean 'val_auc'?"),
    ("trainer-path", {"base": "  trainer: mypkg.train"},
     "x.yaml:9:12: base: 'trainer' must be 'module:function', e.g. 'mypkg.train:fit'. Got 'mypkg.train'."),
    ("metric-not-listed", {"metric": "test_auc"}, "'metric' must be a known name (one of test_accuracy"),
    ("metric-not-in-every-arm", {"metric": "test_auc", "base": "  metrics: [auc]", "set": "{metrics: []}"},
     "metric 'test_auc' is not recorded by every arm: an arm's metrics do not list 'auc'."),
    ("trainer-metric-direction", {"metric": "test_f1", "base": "  trainer: m:fit"},
     "hypolab cannot tell whether a higher 'test_f1' is better. Declare it at the top level: "
     "higher_is_better: {test_f1: true} (or false)."),
    ("secondary-unknown", {"top": "secondary_metrics: [test_acc]\n"},
     "secondary_metrics: 'secondary_metrics[0]' must be a known name"),
    ("secondary-repeats-primary", {"top": "secondary_metrics: [test_accuracy]\n"},
     "'test_accuracy' is already metric. Name each metric once."),
    ("builtin-task", {"data": "{name: digits, task: regression}"},
     "data set 'digits' is classification (its labels are classes). Got data.task: regression."),
    ("builtin-split-column", {"data": "{name: digits, split_column: s}"},
     "'split_column' is for CSV files only; data set 'digits' has its own splits. Remove 'split_column'."),
]  # fmt: skip


@pytest.mark.parametrize(("kwargs", "message"), [(k, m) for _, k, m in BAD], ids=[n for n, _, _ in BAD])
def test_bad_settings_are_located_errors_before_any_training(tmp_path, kwargs, message):
    assert message in _error(tmp_path, **kwargs)


@pytest.fixture
def diabetes(tmp_path):
    shutil.copy(ROOT / "hypotheses" / "data" / "diabetes.csv", tmp_path / "diabetes.csv")
    return "diabetes.csv"


def test_an_integer_regression_target_with_a_regression_metric_asks_for_data_task(tmp_path, diabetes):
    message = _error(tmp_path, metric="test_mae", data=f"{{name: {diabetes}, target: progression}}")
    assert ("x.yaml:2:9: metric 'test_mae' is for regression, but the data is classification (data.task: auto, and "
            "the target column 'progression' holds integers, read as classes). Use test_accuracy or test_loss, or "
            "set data.task: regression.") in message  # fmt: skip
    h = _load(tmp_path, metric="test_mae", data=f"{{name: {diabetes}, target: progression, task: regression}}")
    assert h.data.task == "regression" and h.data.identity()["task"] == "regression"


def test_a_classification_metric_on_regression_data_names_both(tmp_path, diabetes):
    message = _error(tmp_path, data=f"{{name: {diabetes}, target: progression, task: regression}}")
    assert ("metric 'test_accuracy' is for classification, but the data is regression (data.task: regression). "
            "Use test_mae or test_loss.") in message


def test_npz_labels_are_read_from_the_header_alone(tmp_path):
    np.savez(tmp_path / "r.npz", x_train=np.zeros((20, 3), "float32"), y_train=np.linspace(0, 1, 20))
    message = _error(tmp_path, data="{name: r.npz}")
    assert "but the data is regression (data.task: auto, and y_train holds decimal (float) targets)" in message


def test_split_column_must_be_a_column_of_the_csv(tmp_path, diabetes):
    message = _error(tmp_path, metric="test_mae",
                     data=f"{{name: {diabetes}, target: progression, task: regression, split_column: fold}}")
    assert "data: 'split_column' 'fold' cannot name the splits: the header has no such column" in message
    message = _error(tmp_path, metric="test_mae", data=f"{{name: {diabetes}, target: progression, "
                                                        f"task: regression, split_column: progression}}")
    assert "cannot name the splits: it is the target column" in message


def test_a_search_refuses_the_settings_its_trials_would_ignore(tmp_path):
    from hypolab.tuning.searchspec import load_search

    text = (ROOT / "searches" / "digits_mlp.yaml").read_text()
    text = text.replace("  early_stopping: null\n", "  early_stopping: null\n  metrics: [auc]\n  trainer: m:fit\n")
    (tmp_path / "s.yaml").write_text(text)
    with pytest.raises(SpecErrors) as caught:
        load_search(tmp_path / "s.yaml")
    message = str(caught.value)
    assert "base: 'metrics' is a hypothesis setting the tuner does not train with" in message
    assert "base: 'trainer' is a hypothesis setting the tuner does not train with" in message
