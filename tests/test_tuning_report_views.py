"""The tune report's views: choices on category axes, and the parallel-coordinates view of the trials."""

from __future__ import annotations

import base64
from pathlib import Path

from factories import training_config

from hypolab.tuning.parallel import axis_positions, categories, parallel_plot
from hypolab.tuning.searchspec import load_search
from hypolab.tuning.trials import TrialStatus, TrialSummary

ROOT = Path(__file__).resolve().parent.parent


def _trial(trial_id: str, score: float, **values) -> TrialSummary:
    return TrialSummary(trial_id=trial_id, status=TrialStatus.COMPLETED, score=score, best_epoch=3, values=values,
                        overrides={}, config=training_config(), epochs=3, seeds=(0,), histories=())  # fmt: skip


def test_a_choice_of_numbers_is_a_category_axis_in_the_files_order():
    search = load_search(ROOT / "searches" / "digits_mlp.yaml")
    cats = categories(search)
    assert cats["batch_size"] == ["16", "32", "64"]
    xs, labels = axis_positions([64, 16, 64], cats["batch_size"])
    assert labels == ["16", "32", "64"] and xs == [2.0, 0.0, 2.0]  # evenly spaced, 32 kept though unused
    xs, labels = axis_positions([0.001, 0.01], None)  # a float range stays numeric
    assert labels is None and xs == [0.001, 0.01]
    assert axis_positions([True, False], ["false", "true"]) == ([1.0, 0.0], ["false", "true"])


def test_parallel_coordinates_draw_every_finished_trial():
    search = load_search(ROOT / "searches" / "digits_mlp.yaml")
    trials = [_trial("00", 0.91, batch_size=16, **{"optimizer.learning_rate": 0.001}),
              _trial("01", 0.95, batch_size=64, **{"optimizer.learning_rate": 0.004}),
              _trial("02", 0.93, batch_size=32, **{"optimizer.learning_rate": 0.0002})]  # fmt: skip
    names = ["optimizer.learning_rate", "batch_size"]
    uri = parallel_plot(search, names, trials, best=trials[1])
    assert uri.startswith("data:image/svg+xml;base64,")
    svg = base64.b64decode(uri.split(",", 1)[1]).decode()
    assert svg.count("<path") > 10
    assert parallel_plot(search, names, trials[:1], best=trials[0]) is None  # one trial: nothing to compare
