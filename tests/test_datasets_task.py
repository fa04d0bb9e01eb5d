"""data.task, splits the data brings (npz x_val/y_val, a CSV split column), regression target scale, data identity."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import numpy as np
import pytest

from hypolab import datasets
from hypolab.errors import DataError
from hypolab.fingerprint import with_fingerprint
from hypolab.plan import run_key
from hypolab.records import DataConfig, Task
from hypolab.tasks import probe

ROOT = Path(__file__).resolve().parent.parent
DIABETES = ROOT / "hypotheses" / "data" / "diabetes.csv"


def test_an_integer_target_is_classes_by_auto_and_a_regression_target_when_declared():
    with pytest.raises(DataError, match=r"\(214 classes, the rarest has 1 examples\).*if the labels are quantities "
                                         r"to predict rather than classes, set data.task: regression."):
        datasets.load(DataConfig(name=str(DIABETES), target="progression"))  # auto: 214 classes, as the issue found
    ds = datasets.load(DataConfig(name=str(DIABETES), target="progression", task="regression"))
    assert ds.task is Task.REGRESSION and ds.num_classes == 1 and ds.sizes == {"train": 282, "val": 71, "test": 89}
    # Targets stay in the data's units; their training mean and sd are what the engines standardise with.
    assert ds.y_train.dtype == np.float32 and ds.y_train.max() > 100
    assert ds.target_mean == pytest.approx(float(np.mean(ds.y_train, dtype=np.float64)), rel=1e-6)
    assert ds.target_std == pytest.approx(float(np.std(ds.y_train, dtype=np.float64)), rel=1e-6)
    standard = ds.standardised(ds.y_train)
    assert abs(float(np.mean(standard))) < 1e-5 and float(np.std(standard)) == pytest.approx(1.0, abs=1e-5)
    assert ds.data.task == "regression"


def test_decimal_labels_declared_classes_are_classes(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,label\n" + "".join(f"{i},{i % 2}.0\n" for i in range(40)))
    ds = datasets.load(DataConfig(name=str(path), target="label", task="classification"))
    assert ds.task is Task.CLASSIFICATION and ds.class_names == ("0.0", "1.0")
    assert datasets.load(DataConfig(name=str(path), target="label")).task is Task.REGRESSION


def test_text_targets_cannot_be_regression(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,label\n" + "".join(f"{i},{'cat' if i % 2 else 'dog'}\n" for i in range(20)))
    with pytest.raises(DataError, match="data.task is regression, but the target column holds 'dog', which is not a number"):
        datasets.load(DataConfig(name=str(path), target="label", task="regression"))


def test_an_npz_validation_and_test_split_are_used_as_given(tmp_path):
    rng = np.random.default_rng(0)
    arrays = {f"x_{s}": rng.normal(size=(n, 4)).astype("float32") for s, n in (("train", 50), ("val", 7), ("test", 9))}
    arrays.update({f"y_{s}": np.arange(len(arrays[f"x_{s}"])) % 3 for s in ("train", "val", "test")})
    np.savez(tmp_path / "d.npz", **arrays)
    ds = datasets.load(DataConfig(name=str(tmp_path / "d.npz")))
    assert ds.sizes == {"train": 50, "val": 7, "test": 9}
    # Scaled with the training split's statistics only, the validation examples kept in order.
    mean, std = arrays["x_train"].mean(axis=0), arrays["x_train"].std(axis=0)
    assert np.allclose(ds.x_val, (arrays["x_val"] - mean) / std, atol=1e-5)
    assert list(ds.y_val) == list(arrays["y_val"])
    np.savez(tmp_path / "half.npz", x_train=arrays["x_train"], y_train=arrays["y_train"], x_val=arrays["x_val"])
    with pytest.raises(DataError, match="has only one of x_val and y_val. Expected both or neither."):
        datasets.load(DataConfig(name=str(tmp_path / "half.npz")))


def test_a_csv_split_column_names_each_rows_split(tmp_path):
    rows = [f"{i},{i % 2},{['train', 'Validation', 'test', 'TRAIN', 'val'][i % 5]}" for i in range(60)]
    path = tmp_path / "s.csv"
    path.write_text("a,label,fold\n" + "\n".join(rows) + "\n")
    ds = datasets.load(DataConfig(name=str(path), target="label", split_column="fold"))
    assert ds.sizes == {"train": 24, "val": 24, "test": 12} and ds.input_shape == (1,)  # the column is no feature
    only_test = tmp_path / "t.csv"
    only_test.write_text("a,label,fold\n" + "\n".join(f"{i},{i % 2},{'test' if i < 10 else 'train'}"
                                                      for i in range(60)) + "\n")  # fmt: skip
    ds = datasets.load(DataConfig(name=str(only_test), target="label", split_column="fold", validation_split=0.2))
    assert ds.sizes == {"train": 40, "val": 10, "test": 10}  # validation drawn from the train rows
    path.write_text("a,label,fold\n1,0,train\n2,1,dev\n")
    with pytest.raises(DataError, match="line 3, column 'fold': 'dev' is not a split. Expected train, validation"):
        datasets.load(DataConfig(name=str(path), target="label", split_column="fold"))


def test_the_new_data_options_are_part_of_the_run_key_and_only_where_set(tmp_path):
    from hypolab.hypothesis import load_text

    shutil.copy(DIABETES, tmp_path / "d.csv")
    h = load_text("claim: x\nmetric: test_accuracy\ndirection: greater\nseeds: 2\n"
                  "data: {name: d.csv, target: progression, test_split: 0.5}\ncontrol: {name: c}\n"
                  "treatments: [{name: t, set: {batch_size: 8}}]\n", file=str(tmp_path / "x.yaml"))  # fmt: skip
    data = with_fingerprint(h.data, tmp_path)
    assert "task" not in data.identity() and "split_column" not in data.to_dict()
    config = h.control.config
    keys = {run_key(config, dataclasses.replace(data, **change), 0)
            for change in ({}, {"task": "regression"}, {"task": "classification"}, {"split_column": "sex"})}
    assert len(keys) == 4


def test_probe_reads_only_what_tells_the_task(tmp_path):
    late = tmp_path / "late.csv"
    late.write_text("a,y\n" + "".join(f"{i},{i}\n" for i in range(50)) + "50,50.5\n")
    sample = probe(DataConfig(name=str(late), target="y"), rows=10)
    assert sample.task is Task.CLASSIFICATION and not sample.certain
    assert "in its first 10 rows" in sample.why
    everything = probe(DataConfig(name=str(late), target="y"), rows=None)
    assert everything.task is Task.REGRESSION and everything.certain
    assert probe(DataConfig(name="digits")).task is Task.CLASSIFICATION
    assert probe(DataConfig(name=str(late), target="y", task="regression")).why == "data.task: regression"
    assert probe(DataConfig(name=str(tmp_path / "gone.csv"), target="y")).task is None
