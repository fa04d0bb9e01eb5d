"""Records of a hypothesis file: what is compared, on what data, with which arms.

Built by ``hypolab.hypothesis`` from a YAML file; read by the plan, the
executors, the statistics and the report.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # records/training.py imports flatten from here
    from hypolab.records.sequential import SequentialConfig
    from hypolab.records.training import TrainingConfig


class Direction(str, enum.Enum):
    """The predicted direction of the treatment relative to the control."""

    GREATER = "greater"
    LESS = "less"
    TWO_SIDED = "two-sided"
    EQUIVALENT = "equivalent"
    #: Not worse than the control by more than ``margin``; worse follows the metric
    #: (lower accuracy, higher loss, error or time).
    NONINFERIOR = "noninferior"


class Pairing(str, enum.Enum):
    """Whether runs of different arms with the same seed are paired."""

    INDEPENDENT = "independent"
    SEED = "seed"


class TestName(str, enum.Enum):
    """The significance test of a comparison (``auto`` picks by a documented rule)."""

    __test__ = False  # not a pytest test class

    AUTO = "auto"
    WELCH = "welch"
    STUDENT = "student"
    MANNWHITNEY = "mannwhitney"
    PERMUTATION = "permutation"
    PAIRED_T = "paired_t"
    WILCOXON = "wilcoxon"


class Correction(str, enum.Enum):
    """Multiple-comparison correction across the treatments of one hypothesis."""

    HOLM = "holm"
    BONFERRONI = "bonferroni"
    FDR_BH = "fdr_bh"
    DUNNETT = "dunnett"
    NONE = "none"


def higher_is_better(metric: str) -> bool | None:
    """Whether a larger value of ``metric`` is better; None where hypolab cannot tell.

    The one place the direction of a metric is decided: ``METRICS`` first, then
    the name without its split prefix (``test_``, ``val_``, ``best_val_``), so
    ``val_auc`` follows ``auc``. Losses, errors and times are lower-is-better.

    Example:
        >>> higher_is_better("best_val_accuracy"), higher_is_better("val_loss")
        (True, False)
    """
    if metric in METRICS:
        return METRICS[metric]
    base = metric
    for prefix in ("best_val_", "test_", "val_"):
        if base.startswith(prefix):
            base = base[len(prefix):]
            break
    if base in METRICS:
        return METRICS[base]
    if base in _HIGHER_IS_BETTER_BASES or base.endswith("accuracy"):
        return True
    if base in _LOWER_IS_BETTER_BASES or base.endswith(("loss", "error", "_seconds")):
        return False
    return None


#: Keras metric names (without a split prefix) whose larger values are better.
_HIGHER_IS_BETTER_BASES = frozenset(
    {"auc", "precision", "recall", "f1_score", "fbeta_score", "r2_score", "iou", "mean_iou"}
)
#: ... and whose smaller values are better.
_LOWER_IS_BETTER_BASES = frozenset({"mae", "mse", "rmse", "mape", "msle", "root_mean_squared_error"})


def flatten(config: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Dotted leaf keys of a nested config; lists and empty mappings are leaves.

    The one flattening of configs (design tables, TensorBoard hparams, validation).

    Example:
        >>> flatten({"model": {"units": [16], "kind": "mlp"}, "epochs": 5})
        {'model.units': [16], 'model.kind': 'mlp', 'epochs': 5}
    """
    flat: dict[str, Any] = {}
    for key, value in config.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            flat.update(flatten(value, name + "."))
        else:
            flat[name] = value
    return flat


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


def is_timing_metric(metric: str) -> bool:
    """Whether ``metric`` measures time (``train_seconds``, ...): a value only one run trained alone can give.

    A pack of seeds shares one wall clock, so a hypothesis about such a
    metric trains one seed per model (``hypolab.plan.pack_for``).
    """
    return metric.endswith("_seconds")


@dataclass(frozen=True)
class DataConfig:
    """Which data a hypothesis trains on and how it is split.

    Args:
        name: a built-in data set (``digits``, ``mnist``, ``fashion_mnist``,
            ``cifar10``) or the path of a ``.npz`` or ``.csv`` file.
        target: the label column of a CSV file; None otherwise.
        validation_split: fraction of the non-test data held out for validation.
        test_split: fraction of all data held out as the test split (ignored
            where the file or data set has its own test arrays).
        split_seed: seed of the stratified splits, the same for every arm and seed.
        subset: optional number of training examples to keep (stratified).
        fingerprint: what the data *is*, whatever path names it: ``sha256:<hex>``
            of a ``.npz``/``.csv`` file's bytes, ``<name>:sha256:<hex>`` of the
            Keras cache files of ``mnist``/``fashion_mnist``/``cifar10``,
            ``digits`` for scikit-learn's digits (shipped with it, never
            changes); None where not known yet (a Keras set not downloaded).
            Set by ``hypolab.fingerprint.with_fingerprint``.
    """

    name: str = "digits"
    target: str | None = None
    validation_split: float = 0.2
    test_split: float = 0.2
    split_seed: int = 0
    subset: int | None = None
    fingerprint: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "target": self.target,
            "validation_split": self.validation_split,
            "test_split": self.test_split,
            "split_seed": self.split_seed,
            "subset": self.subset,
            "fingerprint": self.fingerprint,
        }

    def identity(self) -> dict[str, Any]:
        """What a run key holds of the data: its content and the split settings, never the path.

        The same file named from any working directory, or by an absolute
        path, has one identity; an edited file has another.
        """
        return {
            "source": self.fingerprint,
            "target": self.target,
            "validation_split": self.validation_split,
            "test_split": self.test_split,
            "split_seed": self.split_seed,
            "subset": self.subset,
        }

    def test_split_identity(self) -> dict[str, Any]:
        """What decides which examples are the test split: the data, its labels and the test settings.

        A baseline tuned where this differs from a hypothesis's may have been
        chosen on that hypothesis's test examples. ``validation_split`` and
        ``subset`` never move an example into or out of the test split.
        """
        return {"source": self.fingerprint, "target": self.target, "test_split": self.test_split,
                "split_seed": self.split_seed}  # fmt: skip


@dataclass(frozen=True)
class BaselineRef:
    """The exact baseline file a hypothesis built on.

    Args:
        path: the baseline file as found (relative to the working directory or absolute).
        sha256: the SHA-256 hex of its bytes when the hypothesis was loaded.
    """

    path: str
    sha256: str


@dataclass(frozen=True)
class Arm:
    """One arm of a hypothesis: the control or a treatment.

    Args:
        name: the arm's name as written in the file.
        overrides: the arm's ``set`` mapping exactly as written (dotted keys kept).
        config: the resolved config: ``base`` deep-merged with ``overrides``.
        is_control: True for the control arm.
    """

    name: str
    overrides: dict[str, Any]
    config: TrainingConfig
    is_control: bool = False


@dataclass(frozen=True)
class Hypothesis:
    """A validated hypothesis file.

    Args:
        name: the output name, derived from the file name (safe as a folder name).
        path: the file's path as given.
        claim: the hypothesis in words.
        metric: the metric compared, e.g. ``test_accuracy``.
        direction: the predicted direction of treatment relative to control.
        margin: the smallest effect of interest (required for ``equivalent``).
        alpha: the significance level.
        seeds: the seeds every arm is trained with.
        pairing: whether arms are paired by seed.
        test: the test to run, or ``auto``.
        correction: the correction across several treatments.
        ordered: True where the arms form a dose series in file order.
        data: the data set and its splits.
        base: the config every arm shares, resolved (baseline file merged in).
        control: the control arm.
        treatments: the treatment arms, in file order.
        pack: seeds trained together per model: ``"auto"`` or a positive int.
        failed_as_worst: count a failed or diverged run as the worst value.
        source: the file's text as written (pre-registration).
        warnings: non-fatal remarks found while validating (e.g. few seeds).
        baseline: the baseline file the base came from, with its content hash; None without one.
        sequential: the looks of a sequential design (``sequential:``), or None for a fixed design.
    """

    name: str
    path: str
    claim: str
    metric: str
    direction: Direction
    alpha: float
    seeds: tuple[int, ...]
    data: DataConfig
    base: TrainingConfig
    control: Arm
    treatments: tuple[Arm, ...]
    margin: float | None = None
    pairing: Pairing = Pairing.INDEPENDENT
    test: TestName = TestName.AUTO
    correction: Correction = Correction.HOLM
    ordered: bool = False
    pack: str | int = "auto"
    failed_as_worst: bool = False
    source: str = ""
    warnings: tuple[str, ...] = ()
    baseline: BaselineRef | None = None
    sequential: SequentialConfig | None = None

    @property
    def arms(self) -> tuple[Arm, ...]:
        """The control first, then the treatments in file order."""
        return (self.control, *self.treatments)
