"""One data order per seed: a run's numbers do not depend on the path it trained by (real tiny training).

Every mlp/cnn run trains in the packed engine whatever the pack size, so the
whole-arm pack, ``--pack 1``, ``--tensorboard``, a remainder pack and a run
resumed after an interruption give the same numbers to 1e-5 on CPU, dropout
and batch normalisation included. Configs the packed engine cannot train
(custom builders) train with ``model.fit`` on hypolab's order.
"""

from __future__ import annotations

import numpy as np
import pytest

from hypolab import pipeline
from hypolab.order import epoch_order
from hypolab.records import Engine, RunStatus, Timing
from hypolab.store import RunStore

HYPOTHESIS = """\
claim: Dropout and batch norm, the same numbers on every path.
metric: test_accuracy
direction: greater
seeds: 3
pack: auto
data: {name: digits, subset: 120}
base:
  model: {kind: mlp, units: [12], dropout: 0.25, batch_norm: true}
  optimizer: {name: adam, learning_rate: 0.01}
  epochs: 2
  batch_size: 16
control: {name: small batch}
treatments:
  - name: large batch
    set: {batch_size: 40}
"""


def _write(tmp_path, name="paths"):
    path = tmp_path / f"{name}.yaml"
    path.write_text(HYPOTHESIS)
    return path


def _numbers(results):
    return {(r.arm, r.seed): (r.metrics, r.history) for r in results}


def _assert_same(a, b):
    assert a.keys() == b.keys()
    for run in a:
        (metrics_a, history_a), (metrics_b, history_b) = a[run], b[run]
        for name in ("test_accuracy", "test_loss", "val_loss", "val_accuracy", "loss", "accuracy"):
            assert metrics_a[name] == pytest.approx(metrics_b[name], abs=1e-5), (run, name)
        for name, values in history_a.items():
            np.testing.assert_allclose(values, history_b[name], atol=1e-5, err_msg=f"{run} {name}")


@pytest.fixture(scope="module")
def whole_arm(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("whole")
    results = pipeline.run_hypothesis(_write(tmp_path), store=tmp_path / "runs.sqlite", device="cpu")
    assert {r.status for r in results} == {RunStatus.FINISHED}
    assert {r.engine for r in results} == {Engine.PACKED} and {r.timing for r in results} == {Timing.SHARED}
    return results


@pytest.mark.parametrize(
    "options",
    [{"pack": 1}, {"pack": 2}, {"tensorboard_dir": "tb"}],
    ids=["pack-1", "remainder-pack", "tensorboard"],
)
def test_every_path_gives_the_whole_arm_pack_s_numbers(tmp_path, whole_arm, options):
    if "tensorboard_dir" in options:
        options = {"tensorboard_dir": tmp_path / "tb"}
    results = pipeline.run_hypothesis(_write(tmp_path), store=tmp_path / "runs.sqlite", device="cpu", **options)
    assert [r.key for r in results] == [r.key for r in whole_arm]  # one key, one engine, whatever the options
    _assert_same(_numbers(results), _numbers(whole_arm))
    if "tensorboard_dir" in options:
        folders = sorted(p.name for p in (tmp_path / "tb" / "paths").iterdir() if p.is_dir())
        assert len(folders) == 6 and all((tmp_path / "tb" / "paths" / f / "validation").is_dir() for f in folders)
        assert list((tmp_path / "tb" / "paths").glob("events.out.tfevents.*"))  # the HParams experiment config
    if options.get("pack") == 1:
        assert {r.timing for r in results} == {Timing.OWN}


def test_a_resumed_test_gives_the_numbers_of_an_uninterrupted_one(tmp_path, whole_arm):
    # Half the runs trained (then the process stopped), the rest trained by a later run as retries/take-overs.
    store_path = tmp_path / "runs.sqlite"
    path = _write(tmp_path)
    first = pipeline.run_hypothesis(path, store=store_path, device="cpu", pack=1)
    with RunStore(store_path) as store:
        for r in first[3:]:
            store._db.execute("DELETE FROM runs WHERE key = ?", (r.key,))
    resumed = pipeline.run_hypothesis(path, store=store_path, device="cpu")  # the rest, packed as a remainder
    _assert_same(_numbers(resumed), _numbers(whole_arm))


CUSTOM = """\
import keras


def build(input_shape, num_classes, width=8):
    return keras.Sequential([keras.Input(input_shape), keras.layers.Flatten(),
                             keras.layers.Dense(width, activation="relu"), keras.layers.Dropout(0.2),
                             keras.layers.Dense(num_classes, activation="softmax")])


def leave(input_shape, num_classes):
    raise SystemExit(3)
"""


def _custom(tmp_path, builder="build"):
    (tmp_path / "tinybuild.py").write_text(CUSTOM)
    path = tmp_path / "custom.yaml"
    path.write_text(HYPOTHESIS.replace("  model: {kind: mlp, units: [12], dropout: 0.25, batch_norm: true}",
                                       f"  model: {{kind: custom, builder: 'tinybuild:{builder}'}}")
                    .replace("seeds: 3", "seeds: 2"))  # fmt: skip
    return path


def test_custom_builders_train_with_keras_fit_on_hypolab_s_order_and_resume_exactly(tmp_path):
    path = _custom(tmp_path)
    once = pipeline.run_hypothesis(path, store=tmp_path / "a.sqlite", device="cpu")
    again = pipeline.run_hypothesis(path, store=tmp_path / "b.sqlite", device="cpu", pack=1)
    assert {r.engine for r in once} == {Engine.KERAS_FIT} and {r.status for r in once} == {RunStatus.FINISHED}
    _assert_same(_numbers(once), _numbers(again))


def test_keras_fit_batches_follow_the_seed_s_epoch_order():
    from hypolab.runner import SeedOrder

    x = np.arange(10, dtype="float32")[:, None]
    y = np.arange(10)
    order = SeedOrder(x, y, batch_size=4, seed=7)
    assert len(order) == 3
    for epoch in range(2):
        expected = epoch_order(7, epoch, 10)[0]
        batches = np.concatenate([order[i][1] for i in range(len(order))])
        np.testing.assert_array_equal(batches, expected)
        order.on_epoch_end()


def test_a_builder_that_calls_sys_exit_is_a_failed_run_with_its_message(tmp_path):
    results = pipeline.run_hypothesis(_custom(tmp_path, "leave"), store=tmp_path / "runs.sqlite", device="cpu")
    assert {r.status for r in results} == {RunStatus.FAILED}
    assert all(r.error.startswith("SystemExit: 3") for r in results)


def test_a_seed_the_backends_cannot_take_fails_alone_and_its_pack_trains(tmp_path):
    from dataclasses import replace

    from hypolab.hypothesis import load

    h = load(_write(tmp_path))
    h = replace(h, seeds=(0, 2**32 + 5))
    results = pipeline.run_hypothesis(h, store=tmp_path / "runs.sqlite", device="cpu")
    by_seed = {(r.arm, r.seed): r for r in results}
    assert by_seed[("small batch", 0)].status is RunStatus.FINISHED
    assert by_seed[("small batch", 2**32 + 5)].status is RunStatus.FAILED
    assert "seed 4294967301 is outside 0..4294967295" in by_seed[("small batch", 2**32 + 5)].error
