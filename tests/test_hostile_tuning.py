"""Hostile input, ``hypolab tune``: the documented ``tuner.seed: 0`` reproduces the search.

Keras Tuner treats seed 0 as "no seed" (``seed or random.randint(1, 10000)``),
so two fresh searches with the starter's ``seed: 0`` sampled different
hyperparameters. hypolab now hands Keras Tuner a nonzero seed for every
``tuner.seed`` (``tuning.seeds.keras_tuner_seed``). The test builds two fresh
tuners in separate folders and asks each oracle for its first trials: no
model is trained.
"""

from __future__ import annotations

import numpy as np
import pytest

SEARCH = """\
data: {{name: digits, subset: 120}}
base:
  model: {{kind: mlp, units: [8]}}
space:
  optimizer.learning_rate: {{type: float, min: 0.0001, max: 0.1, sampling: log}}
  model.dropout: {{type: float, min: 0.0, max: 0.5}}
  batch_size: {{type: choice, values: [8, 16, 32, 64]}}
tuner: {{kind: {kind}, objective: val_accuracy, max_epochs: 1, max_trials: 5, seed: {seed}}}
"""


def _first_trials(tmp_path, folder: str, *, kind: str = "random", seed: int = 0) -> tuple[int, list[dict]]:
    pytest.importorskip("keras_tuner")
    from hypolab.records import Task
    from hypolab.tuning.hypermodel import TuningData
    from hypolab.tuning.search import make_tuner, paths_for
    from hypolab.tuning.searchspec import load_search

    path = tmp_path / f"{folder}.yaml"
    path.write_text(SEARCH.format(kind=kind, seed=seed), encoding="utf-8")
    search = load_search(path)
    rng = np.random.default_rng(0)
    data = TuningData(x_train=rng.random((16, 64), dtype=np.float32), y_train=np.arange(16) % 10,
                      x_val=rng.random((8, 64), dtype=np.float32), y_val=np.arange(8) % 10,
                      input_shape=(64,), num_classes=10, task=Task.CLASSIFICATION)  # fmt: skip
    tuner = make_tuner(search, data, paths_for(search, tmp_path / folder))
    trials = []
    for index in range(3):
        trial = tuner.oracle.create_trial(f"tuner{index}")
        trials.append(dict(trial.hyperparameters.values))
    return tuner.oracle.seed, trials


@pytest.mark.parametrize("kind", ["random", "bayesian"])
def test_tuner_seed_zero_picks_the_same_hyperparameters_in_two_fresh_searches(tmp_path, kind):
    first_seed, first = _first_trials(tmp_path, "first", kind=kind)
    second_seed, second = _first_trials(tmp_path, "second", kind=kind)
    assert first_seed == second_seed != 0
    assert first == second
    assert len({repr(sorted(t.items())) for t in first}) == 3  # real draws, not the defaults thrice


def test_other_tuner_seeds_reach_keras_tuner_unchanged():
    from hypolab.tuning.seeds import keras_tuner_seed

    assert [keras_tuner_seed(s) for s in (0, 1, 5, 2**32 - 2)] == [2**32 - 1, 1, 5, 2**32 - 2]
