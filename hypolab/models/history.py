"""What a training history says: the score metric, the best epoch, the final metrics.

Shared by the plain runner and the packed trainer, so a run's ``metrics``
mean the same whichever path trained it. Pure Python: histories are lists of
floats per logged name (``loss``, ``val_loss``, ``accuracy``/``mae``...).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from hypolab.records import MetricSpec, Task, higher_is_better


def score_metric(task: Task | str) -> str:
    """The metric logged beside the loss: ``accuracy`` (classification) or ``mae`` (regression)."""
    return "accuracy" if Task(task) is Task.CLASSIFICATION else "mae"


def monitor_increases(monitor: str) -> bool:
    """Whether a larger value of an early-stopping ``monitor`` is an improvement."""
    return higher_is_better(monitor) is True


def best_epoch_index(values: list[float], monitor: str) -> int | None:
    """The best finite value's 0-based epoch, ties to the earliest (as EarlyStopping)."""
    finite = [(v, i) for i, v in enumerate(values) if math.isfinite(v)]
    if not finite:
        return None
    # Ties go to the earliest epoch, as EarlyStopping's strict comparison does.
    if monitor_increases(monitor):
        return max(finite, key=lambda vi: (vi[0], -vi[1]))[1]
    return min(finite, key=lambda vi: (vi[0], vi[1]))[1]


def final_metrics(history: Mapping[str, list[float]], final: int, score: str,
                  specs: Sequence[MetricSpec] = ()) -> dict[str, float]:  # fmt: skip
    """A finished run's train and validation metrics from its per-epoch history.

    Args:
        history: per-epoch values (``loss``, ``val_loss``, ``<score>``, ``val_<score>``,
            and ``<name>``, ``val_<name>`` of each listed metric).
        final: 0-based epoch whose weights the run ends with (the restored best
            epoch under early stopping with ``restore_best_weights``, else the last).
        score: ``accuracy`` (classification) or ``mae`` (regression).
        specs: the config's listed metrics (``TrainingConfig.metrics``).

    Returns:
        ``loss``, ``<score>`` and each listed metric's ``<name>`` of the last
        epoch trained, ``val_*`` at ``final``, and ``best_val_*`` over all epochs
        (the best by each metric's direction, ``records.higher_is_better``).
    """
    out = {"loss": history["loss"][-1], "val_loss": history["val_loss"][final],
           "best_val_loss": min(history["val_loss"])}  # fmt: skip
    for name in (score, *(spec.log_name for spec in specs)):
        best = max if higher_is_better(name, metrics=specs) else min
        out[name] = history[name][-1]
        out[f"val_{name}"] = history[f"val_{name}"][final]
        out[f"best_val_{name}"] = best(history[f"val_{name}"])
    return out
