"""Train one run with the user's own training function (``base.trainer: "module:function"``): the ``trainer`` engine.

A user who has a training script already turns it into a function::

    def fit(config, seed, data, callbacks):
        model = build_my_model(config.args["width"])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        return model.fit(data.x_train, data.y_train, validation_data=(data.x_val, data.y_val),
                         epochs=config.epochs, batch_size=config.batch_size, callbacks=callbacks, verbose=0)

and hypolab calls it once per run, with:

- ``config``: the arm's resolved ``TrainingConfig`` (``config.args`` holds
  ``base.args`` merged with the arm's overrides; ``config.epochs``,
  ``config.batch_size``, ``config.optimizer``... are there too);
- ``seed``: the run's seed, already set with ``keras.utils.set_random_seed``;
- ``data``: the split, scaled ``Dataset`` (``x_train``, ``y_train``, ``x_val``,
  ``y_val``, ``x_test``, ``y_test``, ``task``, ``num_classes``; regression
  targets in the data's own units), whose ``data.data`` is the ``DataConfig``
  for a function that loads its own data;
- ``callbacks``: hypolab's callbacks (the configured early stopping and
  ``ReduceLROnPlateau``, then the one that keeps the history, reports
  progress and stops on a NaN loss): pass them to ``model.fit``.

It returns a ``keras.callbacks.History`` (hypolab then evaluates
``history.model`` on the test split: ``test_loss`` and ``test_<metric>`` of
each compiled metric) or a mapping of final metrics (test metrics named
``test_*``; a ``keras.Model`` under ``"model"`` is the model saved by
``--save-models``). As with every engine, an exception is a failed run with
its message, a NaN loss a diverged one, and the other runs go on.

Example:

    result = train_in(environment, spec, dataset, base_dir="hypotheses")
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import keras

from hypolab import models, runlogs
from hypolab.models.custom import load_function
from hypolab.models.history import best_epoch_index
from hypolab.records import Dataset, Engine, RunResult, RunSpec, RunStatus, higher_is_better
from hypolab.run_record import Environment, Outcome, divergence_error
from hypolab.runner import EVAL_BATCH_SIZE, EpochCallback, EpochWatcher, run_seeded, training_callbacks


def train_in(
    environment: Environment,
    spec: RunSpec,
    dataset: Dataset,
    *,
    on_epoch: EpochCallback | None = None,
    tensorboard_dir: str | os.PathLike[str] | None = None,
    base_dir: str | os.PathLike[str] | None = None,
    models_dir: str | os.PathLike[str] | None = None,
) -> RunResult:
    """Call the config's ``trainer`` for one seeded run and record what it gives.

    Args:
        environment: where runs train (set up already).
        spec: the run; ``spec.config.trainer`` names the function.
        dataset: the loaded data set.
        on_epoch: called after each epoch the function trains with hypolab's callbacks.
        tensorboard_dir: where TensorBoard logs go (a callback beside hypolab's); None writes none.
        base_dir: the hypothesis file's folder, where the function's module may live.
        models_dir: write the finished run's model there as ``<key>.keras``; None writes none.

    Returns:
        A ``RunResult`` with status finished, diverged or failed; never raises
        for the run's own failure (only Ctrl-C stops the command).
    """
    def train(watcher: EpochWatcher) -> Outcome:
        fit = load_function(spec.config.trainer, base_dir=base_dir, key="trainer")
        callbacks, _ = training_callbacks(spec.config, watcher)
        if tensorboard_dir is not None:
            callbacks.append(keras.callbacks.TensorBoard(log_dir=str(runlogs.log_dir(spec, Path(tensorboard_dir)))))
        return _outcome(spec, fit(spec.config, spec.seed, dataset, callbacks), watcher, dataset)

    return run_seeded(environment, spec, dataset, train, on_epoch=on_epoch, engine=Engine.TRAINER,
                      models_dir=models_dir, ours=False)  # fmt: skip


def _outcome(spec: RunSpec, returned: Any, watcher: EpochWatcher, dataset: Dataset) -> Outcome:
    """What the function's return value says about the run."""
    name = spec.config.trainer
    if isinstance(returned, keras.callbacks.History):
        history = watcher.history or _floats(returned.history)
        model = returned.model
        final = _final_values(history, spec)
        final.update(_test_values(model, dataset))
    elif isinstance(returned, Mapping):
        history, model = watcher.history, returned.get("model")
        final = {}
        for key, value in returned.items():
            if key == "model" and isinstance(value, keras.Model):
                continue
            number = _number(value)
            if number is None:
                raise TypeError(f"trainer {name!r} returned {key!r}: {value!r}, which is not a number. Expected a "
                                "mapping of metric names to numbers (test metrics named test_*).")  # fmt: skip
            final[str(key)] = number
    else:
        raise TypeError(f"trainer {name!r} returned {type(returned).__name__}. Expected a "
                        "keras.callbacks.History (what model.fit returns) or a mapping of final metrics.")  # fmt: skip
    epochs = watcher.epochs or len(history.get("loss", ()))
    params = models.count_trainable(model) if isinstance(model, keras.Model) else 0
    # A NaN loss, per epoch or returned as the final one, is divergence as in every engine.
    losses = history.get("loss") or ([final["loss"]] if "loss" in final else [])
    if watcher.diverged_epoch is not None or (losses and not math.isfinite(losses[-1])):
        epoch = watcher.diverged_epoch or max(epochs, 1)
        value = watcher.diverged_value or str(losses[-1])
        return Outcome(status=RunStatus.DIVERGED, history=history, epochs_run=epochs, trainable_params=params,
                       diverged_epoch=epoch, error=divergence_error(value, epoch))  # fmt: skip
    best = best_epoch_index(history["val_loss"], "val_loss") if history.get("val_loss") else None
    return Outcome(status=RunStatus.FINISHED, history=history, metrics=final, epochs_run=epochs,
                   trainable_params=params, best_epoch=None if best is None else best + 1,
                   model=model if isinstance(model, keras.Model) else None)  # fmt: skip


def _final_values(history: Mapping[str, list[float]], spec: RunSpec) -> dict[str, float]:
    """Each logged value's last epoch (``<name>``, ``val_<name>``) and ``best_val_<name>`` where its direction is known."""
    final: dict[str, float] = {}
    for name, values in history.items():
        if not values or name == "learning_rate":
            continue
        final[name] = values[-1]
        if name.startswith("val_"):
            better = higher_is_better(name, metrics=spec.config.metrics)
            if better is not None:
                final[f"best_{name}"] = (max if better else min)(values)
    return final


def _test_values(model: Any, dataset: Dataset) -> dict[str, float]:
    """``test_<name>`` of the model's loss and compiled metrics on the test split."""
    if not isinstance(model, keras.Model) or not model.compiled:
        return {}
    test = model.evaluate(dataset.x_test, dataset.y_test, batch_size=EVAL_BATCH_SIZE, verbose=0, return_dict=True)
    return {f"test_{name}": float(value) for name, value in test.items() if _number(value) is not None}


def _floats(history: Mapping[str, Any]) -> dict[str, list[float]]:
    return {str(name): [float(v) for v in values] for name, values in history.items()}


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None
