"""How much training each arm gets: optimizer steps per run, and arms whose compute differs.

A claim such as "batch 4 beats batch 128 at 5 epochs" compares arms that make
very different numbers of optimizer updates (32x here): a reviewer would read
the difference as "more updates help an unconverged network". So ``hypolab
plan`` and the report's design section show each arm's steps per run, and
flag arms whose steps differ by more than ``COMPUTE_RATIO`` (2x).

Steps per run are ``epochs x ceil(train examples / batch_size)`` (Keras makes
one update per batch, the last batch partial). Before training, the number of
training examples is known for the built-in data sets (their sizes and the
split rule of ``hypolab.datasets``) and for ``data.subset``; after training,
it is what the runs recorded (``RunResult.data["sizes"]["train"]``), and the
epochs are those trained (fewer where early stopping stopped).

Example:

    rows = arm_steps(h.arms, train_examples(h.data))
    warning = compute_warning(rows)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import median

from hypolab.records import Arm, DataConfig, RunResult

#: Steps of the arm with the most over the arm with the fewest above which the design is flagged.
COMPUTE_RATIO = 2.0

# The built-in data sets: examples, and examples of their own test split (None: split off by test_split).
_BUILTIN_EXAMPLES = {"digits": (1797, None), "mnist": (60000, 10000), "fashion_mnist": (60000, 10000),
                     "cifar10": (50000, 10000)}  # fmt: skip


@dataclass(frozen=True)
class ArmSteps:
    """One arm's optimizer steps per run.

    Args:
        arm: the arm's name.
        batch_size: examples per step.
        epochs: epochs per run (the file's, or the median trained where runs are known).
        steps_per_epoch: ``ceil(train examples / batch_size)``, or None where the
            number of training examples is not known before training.
        steps: steps per run, or None as above.
        early_stopping: whether early stopping may end a run sooner (steps are then at most these).
    """

    arm: str
    batch_size: int
    epochs: int
    steps_per_epoch: int | None
    steps: int | None
    early_stopping: bool

    def text(self) -> str:
        """``1,440 (5 epochs x 288 steps of 4)``, or ``5 epochs of batches of 4`` without a size."""
        if self.steps is None:
            return f"{self.epochs} epochs of batches of {self.batch_size}"
        bound = "at most " if self.early_stopping else ""
        return f"{bound}{self.steps:,} ({self.epochs} epochs x {self.steps_per_epoch:,} steps of {self.batch_size})"


def train_examples(data: DataConfig) -> int | None:
    """Training examples of ``data`` before anything is loaded, or None where the files must be read."""
    if data.subset is not None:
        return int(data.subset)
    known = _BUILTIN_EXAMPLES.get(data.name)
    if known is None:
        return None
    examples, own_test = known
    rest = examples if own_test is not None else examples - math.ceil(data.test_split * examples)
    return rest - math.ceil(data.validation_split * rest)  # the split rule of hypolab.datasets.splits


def recorded_train_examples(results: Sequence[RunResult]) -> int | None:
    """Training examples the runs recorded (``data.sizes.train``), or None."""
    for result in results:
        sizes = (result.data or {}).get("sizes")
        if isinstance(sizes, dict) and isinstance(sizes.get("train"), int):
            return sizes["train"]
    return None


def arm_steps(arms: Sequence[Arm], examples: int | None,
              results: Sequence[RunResult] = ()) -> list[ArmSteps]:  # fmt: skip
    """Each arm's steps per run; with ``results``, at the epochs its runs trained (median over seeds)."""
    rows = []
    for arm in arms:
        config = arm.config
        trained = [len(r.history.get("loss", ())) for r in results if r.arm == arm.name and r.history]
        trained = [n for n in trained if n > 0]
        epochs = int(median(trained)) if trained else config.epochs
        per_epoch = None if examples is None else math.ceil(examples / config.batch_size)
        rows.append(ArmSteps(arm=arm.name, batch_size=config.batch_size, epochs=epochs, steps_per_epoch=per_epoch,
                             steps=None if per_epoch is None else per_epoch * epochs,
                             early_stopping=config.early_stopping is not None and not trained))  # fmt: skip
    return rows


def compute_warning(rows: Sequence[ArmSteps]) -> str | None:
    """A warning where the arms' steps per run differ by more than ``COMPUTE_RATIO``, else None.

    Without the number of training examples, steps are compared as
    ``epochs / batch_size`` (the same ratio for one data set).
    """
    if len(rows) < 2:
        return None

    def load(row: ArmSteps) -> float:
        return row.steps if row.steps is not None else row.epochs / row.batch_size

    most, fewest = max(rows, key=load), min(rows, key=load)
    if load(fewest) <= 0 or load(most) / load(fewest) <= COMPUTE_RATIO:
        return None
    ratio = load(most) / load(fewest)
    return (f"Unequal compute: {most.arm} makes {ratio:.3g}x the optimizer steps per run of {fewest.arm}. "
            "A difference between them may come from more updates rather than from what the arms change; "
            "compare at an equal number of steps (adjust epochs) or equal training time as well.")  # fmt: skip
