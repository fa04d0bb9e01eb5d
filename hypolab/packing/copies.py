"""What a pack knows about each copy: history, early stopping, its learning rate, divergence, outcome.

A copy is decided on exactly as the plain runner decides on one model:
Keras's ``EarlyStopping`` rule (``wait``/``best``, ``min_delta``, patience,
best weights kept from the first epoch on), Keras's ``ReduceLROnPlateau``
rule (``wait``/``best``, ``cooldown``, ``min_lr``; the copy's own learning
rate) and the runner's check of a NaN/inf epoch loss. A copy that stops
keeps the weights Keras would leave it with (its best or its last), which
the training loop writes back while the other copies go on.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from hypolab.errors import ModelError
from hypolab.models.history import best_epoch_index, final_metrics, monitor_increases
from hypolab.records import EarlyStoppingSettings, MetricSpec, ReduceLROnPlateauSettings, RunStatus
from hypolab.run_record import Outcome, divergence_error

Weights = dict[str, list[np.ndarray]]


@dataclass(frozen=True)
class StopRule:
    """An arm's resolved ``early_stopping`` config, or the absence of one.

    Args:
        enabled: whether copies stop early at all.
        monitor: the logged value watched, e.g. ``val_loss``.
        patience: epochs without improvement before stopping.
        min_delta: smallest change that counts as an improvement.
        restore_best: keep the best epoch's weights rather than the last.
    """

    enabled: bool = False
    monitor: str = "val_loss"
    patience: int = 0
    min_delta: float = 0.0
    restore_best: bool = False

    @classmethod
    def from_config(cls, settings: EarlyStoppingSettings | None) -> StopRule:
        """The rule of a resolved ``TrainingConfig.early_stopping`` (None: never stop early)."""
        if settings is None:
            return cls()
        return cls(
            enabled=True,
            monitor=settings.monitor,
            patience=int(settings.patience),
            min_delta=abs(float(settings.min_delta)),
            restore_best=bool(settings.restore_best_weights),
        )

    @property
    def higher_is_better(self) -> bool:
        """Whether the monitor improves upwards (Keras's ``mode="auto"``)."""
        return monitor_increases(self.monitor)


@dataclass(frozen=True)
class PlateauRule:
    """An arm's resolved ``reduce_lr_on_plateau`` config (``enabled`` False: the learning rate stays).

    Args:
        enabled: whether copies lower their learning rate at all.
        monitor, factor, patience, min_delta, cooldown, min_lr: Keras's ``ReduceLROnPlateau`` arguments.
    """

    enabled: bool = False
    monitor: str = "val_loss"
    factor: float = 0.1
    patience: int = 10
    min_delta: float = 1e-4
    cooldown: int = 0
    min_lr: float = 0.0

    @classmethod
    def from_config(cls, settings: ReduceLROnPlateauSettings | None) -> PlateauRule:
        """The rule of a resolved ``TrainingConfig.reduce_lr_on_plateau`` (None: never lowered)."""
        if settings is None:
            return cls()
        return cls(enabled=True, monitor=settings.monitor, factor=float(settings.factor),
                   patience=int(settings.patience), min_delta=abs(float(settings.min_delta)),
                   cooldown=int(settings.cooldown), min_lr=float(settings.min_lr))  # fmt: skip

    @property
    def higher_is_better(self) -> bool:
        """Whether the monitor improves upwards (hypolab's ``mode``, as the plain runner passes it)."""
        return monitor_increases(self.monitor)


@dataclass
class CopyState:
    """What the training loop knows about one copy (one seed) of a pack."""

    seed: int
    history: dict[str, list[float]] = field(default_factory=dict)
    active: bool = True
    epochs: int = 0
    diverged_epoch: int | None = None
    diverged_value: str = ""
    # Early stopping, as keras.callbacks.EarlyStopping keeps it per model.
    wait: int = 0
    best: float | None = None
    best_weights: Weights | None = None
    kept_weights: Weights | None = None
    # ReduceLROnPlateau, as keras.callbacks.ReduceLROnPlateau keeps it per model.
    learning_rate: float = 0.0
    plateau_wait: int = 0
    plateau_best: float | None = None
    cooldown_counter: int = 0

    def end_epoch(
        self,
        epoch: int,
        logs: Mapping[str, float],
        rule: StopRule,
        weights: Callable[[], Weights],
    ) -> None:
        """Record epoch ``epoch`` (0-based); stop the copy where it diverged or stops early.

        Args:
            epoch: the 0-based epoch just trained.
            logs: its ``loss``, ``accuracy``/``mae`` and their ``val_`` values.
            rule: the arm's early stopping.
            weights: reads this copy's current weights (called only when needed).
        """
        for name, value in logs.items():
            self.history.setdefault(name, []).append(float(value))
        self.epochs = epoch + 1
        if not math.isfinite(logs["loss"]):
            self.active = False
            self.diverged_epoch = epoch + 1
            self.diverged_value = str(logs["loss"])
            return
        if rule.enabled and self._early_stop(epoch, logs, rule, weights):
            self.active = False
            self.kept_weights = (
                self.best_weights
                if rule.restore_best and self.best_weights
                else weights()
            )

    def lower_rate(self, logs: Mapping[str, float], rule: PlateauRule) -> None:
        """``ReduceLROnPlateau.on_epoch_end`` for this copy: lower its learning rate where it stalled.

        Keras keeps the rate in a float32 variable; so does this, so a copy's
        rates are the ones one model of its seed would step with.
        """
        if not rule.enabled or not self.active:
            return
        if rule.monitor not in logs:
            raise ModelError(
                f"reduce_lr_on_plateau.monitor {rule.monitor!r} is not a logged metric. "
                f"Expected one of: {', '.join(logs)}."
            )
        current = logs[rule.monitor]
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.plateau_wait = 0
        improved = self.plateau_best is None or (
            current - rule.min_delta > self.plateau_best if rule.higher_is_better
            else current + rule.min_delta < self.plateau_best
        )  # fmt: skip
        if improved:
            self.plateau_best = current
            self.plateau_wait = 0
        elif self.cooldown_counter <= 0:
            self.plateau_wait += 1
            if self.plateau_wait >= rule.patience and self.learning_rate > np.float32(rule.min_lr):
                self.learning_rate = float(np.float32(max(self.learning_rate * rule.factor, rule.min_lr)))
                self.cooldown_counter = rule.cooldown
                self.plateau_wait = 0

    def _early_stop(self, epoch, logs, rule: StopRule, weights) -> bool:
        """``EarlyStopping.on_epoch_end`` for this copy; True where it stops now."""
        if rule.monitor not in logs:
            raise ModelError(
                f"early_stopping.monitor {rule.monitor!r} is not a logged metric. "
                f"Expected one of: {', '.join(logs)}."
            )
        current = logs[rule.monitor]
        if rule.restore_best and self.best_weights is None:
            self.best_weights = weights()
        self.wait += 1
        if self.best is None or (
            current - rule.min_delta > self.best
            if rule.higher_is_better
            else current + rule.min_delta < self.best
        ):
            self.best = current
            if rule.restore_best:
                self.best_weights = weights()
            self.wait = 0
            return False
        return self.wait >= rule.patience and epoch > 0

    def final_weights(self, rule: StopRule) -> Weights | None:
        """The weights this copy ends with where they are not its current ones."""
        if self.kept_weights is not None:
            return self.kept_weights
        if self.diverged_epoch is None and rule.restore_best and self.best_weights:
            return (
                self.best_weights
            )  # Keras restores the best at the end of training too
        return None

    def outcome(
        self, test_loss: float, test_score: float, score: str, rule: StopRule, trainable_params: int,
        test_extra: Mapping[str, float] | None = None, specs: tuple[MetricSpec, ...] = (),
    ) -> Outcome:
        """How this copy's run went, decided as the plain runner decides it for one model.

        Args:
            test_loss, test_score: this copy's test loss and accuracy (or mae).
            score: ``accuracy`` or ``mae``.
            rule: the arm's early stopping.
            trainable_params: trainable parameters of one copy.
            test_extra: this copy's test value of each listed metric, by logged name.
            specs: the config's listed metrics.
        """
        history = self.history
        if self.diverged_epoch is not None:
            return Outcome(
                status=RunStatus.DIVERGED, history=history, epochs_run=self.epochs,
                trainable_params=trainable_params, diverged_epoch=self.diverged_epoch,
                error=divergence_error(self.diverged_value, self.diverged_epoch),
            )  # fmt: skip
        best = best_epoch_index(history.get(rule.monitor, []), rule.monitor)
        restored = rule.enabled and rule.restore_best and best is not None
        final = best if restored else self.epochs - 1
        metrics = {
            **final_metrics(history, final, score, specs),
            "test_loss": float(test_loss),
            f"test_{score}": float(test_score),
            **{f"test_{name}": float(value) for name, value in (test_extra or {}).items()},
        }
        return Outcome(
            status=RunStatus.FINISHED, history=history, metrics=metrics, epochs_run=self.epochs,
            trainable_params=trainable_params, best_epoch=None if best is None else best + 1,
        )  # fmt: skip
