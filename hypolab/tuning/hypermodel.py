"""The Keras Tuner ``HyperModel`` of a search: hyperparameters -> hypolab config -> model.

``build(hp)`` declares the search space on ``hp``, resolves the trial's config
(the search's ``base`` with the trial's values merged in) and builds it with
``hypolab.models`` exactly as the runner would, so the tuned baseline is the
model that hypothesis files later train. ``fit`` trains on the training split
with the trial's ``batch_size`` and validates on the validation split; the
test split is never handed to it.

Seeds: execution ``e`` of trial ``t`` is seeded with
``trial_seed(tuner seed, t, e)`` before its weights are created and again
before it trains, so any trial can be re-run on its own (``reproduce``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import keras
import keras_tuner
import numpy as np

from hypolab import models
from hypolab.errors import TuningError
from hypolab.records import Dataset, Task, TrainingConfig
from hypolab.tuning import space
from hypolab.tuning.searchspec import SearchSpec, trial_config
from hypolab.tuning.seeds import trial_seed


@dataclass(frozen=True, eq=False)
class TuningData:
    """The splits a search may see: training and validation, never the test split.

    Args:
        x_train, y_train: the training split.
        x_val, y_val: the validation split (the objective's ``val_*``).
        input_shape: shape of one example.
        num_classes: number of classes (1 for regression).
        task: classification or regression.
    """

    x_train: Any
    y_train: Any
    x_val: Any
    y_val: Any
    input_shape: tuple[int, ...]
    num_classes: int
    task: Task

    @classmethod
    def from_dataset(cls, dataset: Dataset) -> TuningData:
        """Keep a loaded data set's training and validation splits only."""
        return cls(
            x_train=dataset.x_train,
            y_train=dataset.y_train,
            x_val=dataset.x_val,
            y_val=dataset.y_val,
            input_shape=tuple(dataset.input_shape),
            num_classes=dataset.num_classes,
            task=Task(dataset.task),
        )


class HypolabHyperModel(keras_tuner.HyperModel):
    """Builds and trains one trial's hypolab config.

    Args:
        search: the validated search file.
        data: the training and validation splits.

    Example:

    >>> hypermodel = HypolabHyperModel(search, TuningData.from_dataset(dataset))
    >>> model = hypermodel.build(keras_tuner.HyperParameters())
    """

    def __init__(self, search: SearchSpec, data: TuningData) -> None:
        super().__init__(name=f"hypolab-{search.name}", tunable=True)
        self.search = search
        self.data = data
        #: The seed of the execution about to be built and trained (set by the tuner).
        self.seed: int | None = None

    def config(self, hp: keras_tuner.HyperParameters) -> TrainingConfig:
        """Declare the space on ``hp`` and return the trial's resolved hypolab config."""
        overrides = space.define(hp, self.search.space)
        return trial_config(self.search, overrides, epochs=trial_epochs(self.search, hp.values))

    def build(self, hp: keras_tuner.HyperParameters) -> keras.Model:
        """Build and compile the model of ``hp``'s values with ``hypolab.models``."""
        config = self.config(hp)
        if self.seed is not None:
            keras.utils.set_random_seed(self.seed)
        task = self.data.task
        # A custom builder's module may sit beside the search file, as beside a hypothesis file.
        model = models.build(
            config.model, self.data.input_shape, self.data.num_classes, task, base_dir=Path(self.search.path).parent
        )
        model.compile(
            optimizer=models.make_optimizer(config.optimizer),
            loss=models.loss_for(config.loss, task),
            metrics=models.metrics_for(task),
        )
        return model

    def fit(self, hp: keras_tuner.HyperParameters, model: keras.Model, *args: Any, **kwargs: Any) -> keras.callbacks.History:
        """Train ``model`` on the training split with the trial's ``batch_size``.

        Keras Tuner calls this with ``epochs``, ``callbacks`` and (Hyperband)
        ``initial_epoch``; nothing else is accepted, so no data can be slipped
        in: the splits are the ones this hypermodel was built with.
        """
        unexpected = sorted(set(kwargs) - {"epochs", "initial_epoch", "callbacks", "verbose"})
        if args or unexpected:
            raise TuningError(
                f"HypolabHyperModel.fit takes only epochs, initial_epoch, callbacks and verbose. "
                f"Got {len(args)} positional arguments and {unexpected} instead; the data are fixed "
                "when the hypermodel is made."
            )
        config = self.config(hp.copy())
        if self.seed is not None:
            keras.utils.set_random_seed(self.seed)
        callbacks = list(kwargs.get("callbacks") or [])
        stopping = models.early_stopping(config.early_stopping)
        if stopping is not None:
            callbacks.append(stopping)
        return model.fit(
            self.data.x_train,
            self.data.y_train,
            validation_data=(self.data.x_val, self.data.y_val),
            batch_size=config.batch_size,
            epochs=int(kwargs.get("epochs", config.epochs)),
            initial_epoch=int(kwargs.get("initial_epoch", 0)),
            callbacks=callbacks,
            verbose=kwargs.get("verbose", 0),
        )


def trial_epochs(search: SearchSpec, values: Mapping[str, Any]) -> int:
    """The epochs a trial trains: Hyperband's ``tuner/epochs``, else ``max_epochs``."""
    return int(values.get("tuner/epochs", search.tuner.max_epochs))


def reproduce(search: SearchSpec, data: TuningData, values: Mapping[str, Any], trial_id: str, execution: int = 0) -> dict[str, list[float]]:
    """Re-train one execution of a finished trial on its own, with its seed.

    Not for Hyperband trials that continued an earlier trial's weights
    (``tuner/trial_id`` in ``values``): those start from a checkpoint.

    Args:
        search: the search file the trial came from.
        data: the same training and validation splits.
        values: the trial's hyperparameter values.
        trial_id: the trial's id.
        execution: which execution (0-based).

    Returns:
        The Keras history of the re-run, e.g. ``{"val_accuracy": [...], ...}``.
    """
    if "tuner/trial_id" in values:
        raise TuningError(
            f"trial {trial_id} continued trial {values['tuner/trial_id']}'s weights (Hyperband); "
            "reproduce the first trial of its chain instead."
        )
    hypermodel = HypolabHyperModel(search, data)
    hypermodel.seed = trial_seed(search.tuner.seed, trial_id, execution)
    hp = keras_tuner.HyperParameters()
    hypermodel.config(hp)  # declare the space before setting values
    hp.values.update(dict(values))
    keras.backend.clear_session()
    model = hypermodel.build(hp)
    epochs = trial_epochs(search, values)
    history = hypermodel.fit(hp, model, epochs=epochs, initial_epoch=int(values.get("tuner/initial_epoch", 0)))
    return {k: [float(v) for v in np.asarray(vs)] for k, vs in history.history.items()}
