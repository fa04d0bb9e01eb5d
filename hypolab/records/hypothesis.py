"""Records of a hypothesis file: what is compared, on what data, with which arms.

Built by ``hypolab.hypothesis`` from a YAML file; read by the plan, the
executors, the statistics and the report.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

# Defined in records.metrics and read from here too (``records.hypothesis.Task`` and friends).
from hypolab.records.metrics import METRICS, Task, higher_is_better, is_timing_metric  # noqa: F401

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


#: ``data.task``: ``auto`` decides from the labels (``hypolab.tasks.task_of_labels``).
TASK_CHOICES: tuple[str, ...] = ("auto", *(task.value for task in Task))


@dataclass(frozen=True)
class DataConfig:
    """Which data a hypothesis trains on and how it is split.

    Args:
        name: a built-in data set (``digits``, ``mnist``, ``fashion_mnist``,
            ``cifar10``) or the path of a ``.npz`` or ``.csv`` file.
        target: the label column of a CSV file; None otherwise.
        validation_split: fraction of the non-test data held out for validation
            (ignored where the file has its own validation split).
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
        task: ``auto`` (integer, boolean and text labels are classes, decimals
            targets), ``classification`` or ``regression`` (``TASK_CHOICES``).
        split_column: CSV only: a column naming each row's split (``train``,
            ``validation``/``val``, ``test``), used as given; None: hypolab splits.
    """

    name: str = "digits"
    target: str | None = None
    validation_split: float = 0.2
    test_split: float = 0.2
    split_seed: int = 0
    subset: int | None = None
    fingerprint: str | None = None
    task: str = "auto"
    split_column: str | None = None

    @property
    def declared_task(self) -> Task | None:
        """The task the file declares, or None for ``auto``."""
        return None if self.task == "auto" else Task(self.task)

    def _options(self) -> dict[str, Any]:
        # Written only where set, so data configs of before keep their dicts and run keys.
        return {**({"task": self.task} if self.task != "auto" else {}),
                **({"split_column": self.split_column} if self.split_column is not None else {})}  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "target": self.target,
            "validation_split": self.validation_split,
            "test_split": self.test_split,
            "split_seed": self.split_seed,
            "subset": self.subset,
            "fingerprint": self.fingerprint,
            **self._options(),
        }

    def identity(self) -> dict[str, Any]:
        """What a run key holds of the data: its content and the split settings, never the path.

        The same file named from any working directory, or by an absolute
        path, has one identity; an edited file has another. ``task`` and
        ``split_column`` are part of it where set.
        """
        return {
            "source": self.fingerprint,
            "target": self.target,
            "validation_split": self.validation_split,
            "test_split": self.test_split,
            "split_seed": self.split_seed,
            "subset": self.subset,
            **self._options(),
        }

    def test_split_identity(self) -> dict[str, Any]:
        """What decides which examples are the test split: the data, its labels and the test settings.

        A baseline tuned where this differs from a hypothesis's may have been
        chosen on that hypothesis's test examples. ``validation_split`` and
        ``subset`` never move an example into or out of the test split.
        """
        return {"source": self.fingerprint, "target": self.target, "test_split": self.test_split,
                "split_seed": self.split_seed,
                **({"split_column": self.split_column} if self.split_column is not None else {})}  # fmt: skip


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
        secondary_metrics: metrics analysed and reported beside ``metric``, each two-sided with its
            own correction across the treatments; they never change the verdict.
        declared_better: the better direction the file declares per metric
            (``higher_is_better: {test_f1: true}``), for metrics hypolab cannot tell.
        save_models: write each trained run's final model as ``.keras`` next to the run store.
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
    secondary_metrics: tuple[str, ...] = ()
    declared_better: Mapping[str, bool] = field(default_factory=dict)
    save_models: bool = False
    sequential: SequentialConfig | None = None

    @property
    def arms(self) -> tuple[Arm, ...]:
        """The control first, then the treatments in file order."""
        return (self.control, *self.treatments)

    def higher_is_better(self, metric: str) -> bool | None:
        """Whether a larger ``metric`` is better: the file's declaration, the arms' metrics, then the name."""
        specs = [spec for arm in self.arms for spec in arm.config.metrics]
        return higher_is_better(metric, metrics=specs, declared=self.declared_better)
