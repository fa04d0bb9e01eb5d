"""``--save-models``: a run's final model written as ``<key>.keras`` beside the run store.

The file is the plain Keras model of the run (a packed copy is extracted into
its plain model first, ``hypolab.packing.model.copy_model``), so
``keras.models.load_model(path)`` opens it anywhere. A model hypolab trained
is saved uncompiled, inside a small functional model that, for a regression,
ends with a ``Rescaling`` layer (``y * target_std + target_mean``), so the
saved model predicts in the data's units; a model of your own ``trainer`` is
saved as it returned it. Inputs are scaled as hypolab scales them (standardised
features, or pixels divided by their maximum). The file is written to a
temporary name in the folder and renamed into place, so a reader never sees
half a model.

Example:

    path = save_model(model, "reports/runs.models", spec.key, dataset, standardised=True)
    keras.models.load_model(path).predict(dataset.x_test)
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

import keras

from hypolab.records import Dataset, Task
from hypolab.records.runs import MODEL_NOTE


def save_model(model: keras.Model, models_dir: str | os.PathLike[str], key: str, dataset: Dataset, *,
               ours: bool) -> str:  # fmt: skip
    """Write ``model`` as ``models_dir/<key>.keras`` and return its note (``records.runs.MODEL_NOTE`` + path).

    Args:
        model: the run's final model.
        models_dir: the folder (``hypolab.store.models_dir`` of the store); created where missing.
        key: the run's key.
        dataset: the data it trained on (the target scale of a regression).
        ours: hypolab built and compiled it (its own engines): saved uncompiled, and a
            regression's standardised predictions scaled back to the data's units.

    Returns:
        The note for the run's record: where the model was saved, or why it was not.
    """
    folder = Path(models_dir)
    target = folder / f"{key}.keras"
    if ours:
        model = _uncompiled(model)
        inputs = keras.Input(tuple(dataset.input_shape), name="inputs")
        outputs = model(inputs)
        if dataset.task is Task.REGRESSION:
            outputs = keras.layers.Rescaling(dataset.target_std, offset=dataset.target_mean, name="to_data_units")(outputs)
        model = keras.Model(inputs, outputs, name=f"{model.name}_saved")
    temporary = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{key}.", suffix=".keras", dir=folder)
        os.close(handle)
        model.save(temporary, overwrite=True)
        os.replace(temporary, target)
    except Exception as exc:  # a model that cannot be written costs the file, never the run
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
        return f"model not saved: {type(exc).__name__}: {exc}"
    return f"{MODEL_NOTE}{target.resolve()}"


def _uncompiled(model: keras.Model) -> keras.Model:
    """A copy of ``model`` without its compile settings (hypolab's metric wrappers are not Keras's to load).

    A model that cannot be cloned (a subclassed builder's) is kept as it is.
    """
    if not getattr(model, "compiled", False):
        return model
    try:
        # Rebuilt from its config, not clone_model, which would copy the compile settings too.
        fresh = type(model).from_config(model.get_config())
        fresh.set_weights(model.get_weights())
    except Exception:  # noqa: BLE001 - a subclassed custom model: saved as it is
        return model
    return fresh
