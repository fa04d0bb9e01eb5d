"""``hypolab new --search NAME``: a commented starter search file.

Imports nothing heavy: ``hypolab new`` never loads Keras.
"""

from __future__ import annotations

import os
from pathlib import Path

from hypolab.errors import TuningError

_TEMPLATE = """\
# A Keras Tuner search: hypolab tune {path}
# It writes baselines/{name}.yaml (reuse it with `baseline: baselines/{name}.yaml` in a
# hypothesis file) and reports/tune-{name}/index.html. Add --confirm 5 to re-train the top
# configs on 5 fresh seeds and choose the baseline on those runs (the tuner's best score is
# optimistic). Interrupted? Run the same command again: finished trials are kept.
description: What this search is for, in one line.

data:                          # as in hypothesis files; the tuner never sees the test split
  name: digits                 # digits | mnist | fashion_mnist | cifar10 | path/to/file.npz | .csv
  validation_split: 0.2
  test_split: 0.2
  split_seed: 0
  subset: null                 # keep this many training examples for a quicker search

base:                          # the fixed settings: a hypothesis file's base, without epochs
  model: {{kind: mlp, activation: relu, dropout: 0.0, batch_norm: false}}
  optimizer: {{name: adam}}
  loss: auto
  batch_size: 32
  early_stopping: null         # or {{monitor: val_loss, patience: 3}}

space:                         # a hypolab config key -> a Keras Tuner hyperparameter
  model.units:                 # a list key: its length and each entry are searched;
    type: layers               # layer k is only searched in trials with at least k layers
    min: 1
    max: 3
    each: {{type: int, min: 16, max: 256, step: 2, sampling: log}}   # 16, 32, ..., 256
  model.dropout: {{type: float, min: 0.0, max: 0.5, step: 0.1}}
  model.batch_norm: {{type: boolean}}
  optimizer.name: {{type: choice, values: [adam, sgd]}}
  optimizer.learning_rate: {{type: float, min: 1.0e-4, max: 1.0e-1, sampling: log}}
  optimizer.momentum:          # only searched when the optimizer is sgd
    type: float
    min: 0.0
    max: 0.9
    when: {{optimizer.name: [sgd]}}
  batch_size: {{type: choice, values: [16, 32, 64, 128]}}
  model.activation: {{type: fixed, value: relu}}   # fixed: recorded, never varied

tuner:
  kind: hyperband              # hyperband | bayesian | random | grid
  objective: val_accuracy      # val_accuracy (max) | val_loss (min) | val_mae (min, regression)
  max_epochs: 20               # epochs per trial; Hyperband: of its longest trials
  factor: 3                    # Hyperband only
  # max_trials: 30             # random and bayesian (required), grid (optional)
  executions_per_trial: 1      # models per trial; the trial's score is their mean
  seed: 0                      # the tuner's sampling and every execution's weights

keep_trials: 5                 # the best trials listed in the baseline file
"""


def search_starter_text(name: str, path: str) -> str:
    """The starter search file's text for ``name``, written at ``path``."""
    return _TEMPLATE.format(name=name, path=path)


def write_search_starter(name: str, *, root: str | os.PathLike[str] = "searches") -> Path:
    """Write ``searches/NAME.yaml``, a commented starter search file; never overwrites.

    Args:
        name: the search name (letters, digits, ``-``, ``_``).
        root: the folder to write into.

    Returns:
        The path written.

    Raises:
        TuningError: the file exists already, or cannot be written.

    Example:

    >>> write_search_starter("mlp")
    PosixPath('searches/mlp.yaml')
    """
    path = Path(root) / f"{name}.yaml"
    if path.exists():
        raise TuningError(f"{path.as_posix()} already exists; not overwriting it. Choose another NAME or delete the file.")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("x", encoding="utf-8") as handle:
            handle.write(search_starter_text(name, path.as_posix()))
    except OSError as exc:
        raise TuningError(f"cannot write {path.as_posix()}: {exc.strerror or exc}.") from None
    return path
